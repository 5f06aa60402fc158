"""Road speeds and travel times: OSM ``maxspeed`` parsing and class defaults."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np

from .._errors import InputError
from .._text import listing

log = logging.getLogger(__name__)

NETWORK_TYPES = ("drive", "walk", "bike", "all")
"""The network types :func:`graph_from_osm` can extract (as OSMnx defines them)."""

DEFAULT_SPEEDS_KPH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 50.0,
    "trunk": 80.0,
    "trunk_link": 40.0,
    "primary": 50.0,
    "primary_link": 40.0,
    "secondary": 40.0,
    "secondary_link": 30.0,
    "tertiary": 30.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "road": 30.0,
    "living_street": 20.0,
    "service": 20.0,
    "track": 20.0,
    "busway": 30.0,
    "cycleway": 15.0,
    "bridleway": 4.8,
    "footway": 4.8,
    "path": 4.8,
    "pedestrian": 4.8,
    "steps": 4.8,
    "corridor": 4.8,
}
"""Default free-flow speed (km/h) by OSM ``highway`` class when ``maxspeed`` is absent.

From the design speeds of CJJ 37-2012 (see the module notes).  Classes not listed get
30 km/h.
"""

WALK_SPEED_KPH = 4.8
"""Walking speed (km/h) of every edge of a ``walk`` network."""

BIKE_SPEED_KPH = 15.0
"""Cycling speed (km/h) of every edge of a ``bike`` network."""

_FALLBACK_KPH = 30.0

# --------------------------------------------------------------------------------------
# Speeds
# --------------------------------------------------------------------------------------
_MAXSPEED_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", re.IGNORECASE)
_MAXSPEED_ZONES = {
    # Country zone values (OSM wiki "Key:maxspeed"): CN urban/rural/motorway.
    "cn:urban": 50.0,
    "cn:rural": 70.0,
    "cn:motorway": 120.0,
}


def parse_maxspeed(value: Any) -> float:
    """The speed in km/h of an OSM ``maxspeed`` value, NaN when it names no number.

    Numbers are km/h unless followed by ``mph``; several values (``"30;50"``) give
    their mean; Chinese zone values ``CN:urban`` (50), ``CN:rural`` (70) and
    ``CN:motorway`` (120) are understood; ``none``, ``signals``, ``walk`` give NaN.

    Examples
    --------
    >>> parse_maxspeed("60"), parse_maxspeed("30 mph"), parse_maxspeed("40;60")
    (60.0, 48.28032, 50.0)
    >>> import math; math.isnan(parse_maxspeed("signals"))
    True
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if isinstance(value, (int, float)):
        return float(value) if value > 0 else math.nan
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = re.split(r"[;|,]", str(value))
    speeds = []
    for part in parts:
        key = part.strip().lower()
        if key in _MAXSPEED_ZONES:
            speeds.append(_MAXSPEED_ZONES[key])
            continue
        match = _MAXSPEED_NUMBER.match(key)
        if match:
            v = float(match.group(1))
            if match.group(2) and match.group(2).lower() == "mph":
                v *= 1.609344
            if v > 0:
                speeds.append(v)
    return float(np.mean(speeds)) if speeds else math.nan


def _highway_class(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value)


def edge_speed(
    data: Mapping[str, Any], network_type: str, speeds: Mapping[str, float]
) -> tuple[float, str]:
    """Speed (km/h) of one edge and where it came from: mode speed, ``maxspeed`` or class."""
    if network_type == "walk":
        return WALK_SPEED_KPH, "walk speed"
    if network_type == "bike":
        return BIKE_SPEED_KPH, "bike speed"
    v = parse_maxspeed(data.get("maxspeed"))
    if math.isfinite(v):
        return v, "maxspeed"
    hw = _highway_class(data.get("highway", ""))
    return float(speeds.get(hw, _FALLBACK_KPH)), "default for road class"


def add_travel_times(
    G: nx.MultiDiGraph,
    *,
    network_type: str = "drive",
    speeds: Mapping[str, float] | None = None,
    overwrite: bool = False,
) -> nx.MultiDiGraph:
    """A copy of ``G`` with ``speed_kph`` and ``travel_time`` (s) on every edge.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Edges need ``length`` (metres).
    network_type : {"drive", "walk", "bike", "all"}
        ``walk``/``bike`` use :data:`WALK_SPEED_KPH`/:data:`BIKE_SPEED_KPH`; otherwise
        ``maxspeed`` when parseable, else the class default.
    speeds : mapping, optional
        Default speed by ``highway`` class, overriding :data:`DEFAULT_SPEEDS_KPH`.
    overwrite : bool
        Recompute edges that already have ``speed_kph`` (kept by default).

    Returns
    -------
    networkx.MultiDiGraph
        A new graph; ``speed_source`` says where each speed came from.

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4549")
    >>> G.add_edge(1, 2, length=1000.0, highway="primary")
    0
    >>> H = add_travel_times(G)
    >>> H.edges[1, 2, 0]["speed_kph"], H.edges[1, 2, 0]["travel_time"]
    (50.0, 72.0)
    """
    if network_type not in NETWORK_TYPES:
        raise InputError(f"network_type must be one of {NETWORK_TYPES}, got {network_type!r}")
    table = dict(DEFAULT_SPEEDS_KPH)
    table.update(speeds or {})
    H = G.copy()
    missing = []
    for u, v, k, data in H.edges(keys=True, data=True):
        length = data.get("length")
        if length is None or not math.isfinite(float(length)) or float(length) < 0:
            missing.append((u, v, k))
            continue
        if "speed_kph" in data and not overwrite:
            speed, source = float(data["speed_kph"]), data.get("speed_source", "given")
        else:
            speed, source = edge_speed(data, network_type, table)
        data["speed_kph"] = speed
        data["speed_source"] = source
        data["travel_time"] = float(length) / (speed / 3.6)
    if missing:
        raise InputError(
            f"{len(missing)} edges have no valid 'length' (metres), e.g. "
            f"{listing(missing[:3])}: "
            "lengths are needed to compute travel times"
        )
    return H
