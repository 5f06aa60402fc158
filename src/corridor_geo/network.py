"""Road graphs: from OpenStreetMap files, OSMnx GraphML, or the built-in schematic network.

Every graph is a :class:`networkx.MultiDiGraph` in the **OSMnx convention**, so a graph
made by OSMnx works as input and ours work in OSMnx:

* nodes carry ``x`` and ``y`` in the graph's CRS (longitude/latitude for EPSG:4326);
* edges carry ``length`` (metres), ``travel_time`` (seconds), ``speed_kph``,
  ``oneway``, ``reversed``, ``highway`` and, where the road bends, ``geometry``;
* ``G.graph["crs"]`` names the CRS.  A graph without it is refused
  (:class:`~corridor_geo.MissingCRSError`): coordinates are never guessed.

Builders
--------
* :func:`graph_from_osm` reads an OSM PBF or XML file with pyosmium;
* :func:`graph_from_graphml` reads an OSMnx GraphML file (and our own, written by
  :func:`graph_to_graphml`);
* :func:`schematic_network` builds the **indicative** default network of the corridor:
  Binhai Avenue as an arterial with junctions, plus a regular lattice of local streets
  clipped to the corridor.  It is a stand-in that lets the analyses run without data:
  its travel times are indicative only (see its docstring); load a real OpenStreetMap
  extract for real answers.

Speeds
------
Edges without a usable ``maxspeed`` tag get the default speed of their road class
(:data:`DEFAULT_SPEEDS_KPH`), taken from the design speeds of China's urban road
design code CJJ 37-2012 (城市道路工程设计规范, table 3.2.1: 快速路 expressway 100/80/60,
主干路 arterial 60/50/40, 次干路 secondary 50/40/30, 支路 local 40/30/20 km/h), with
OSM's classes mapped onto them: ``motorway`` 100, ``trunk`` 80, ``primary`` 50,
``secondary`` 40, ``tertiary``/``unclassified``/``residential`` 30, ``living_street``
and ``service`` 20 km/h.  These are free-flow speeds: the travel times they give are
lower bounds, not congested peak-hour times.  Walking is 4.8 km/h, cycling 15 km/h.

Metric work
-----------
Snapping and geometry happen in :data:`~corridor_geo.crs.ANALYSIS_CRS` (EPSG:4549) for
graphs in and around Qingdao.  A graph outside that projection's zone (118.5-121.5 E,
widened by 1.5 degrees) is projected to its local UTM zone instead, and the log says so:
EPSG:4549 would distort it.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
import re
import tempfile
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from ._errors import CRSError, GeometryError, InputError, MissingCRSError
from ._validate import unwrap_table
from ._version import __version__
from .crs import ANALYSIS_CRS, WGS84, datum_of, to_datum

__all__ = [
    "BIKE_SPEED_KPH",
    "DEFAULT_SPEEDS_KPH",
    "NETWORK_TYPES",
    "WALK_SPEED_KPH",
    "add_travel_times",
    "component_summary",
    "graph_from_graphml",
    "graph_from_osm",
    "graph_to_gdfs",
    "graph_to_graphml",
    "largest_component",
    "metric_crs",
    "nearest_nodes",
    "parse_maxspeed",
    "project_graph",
    "schematic_network",
    "sea_from_layout",
]

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

# Which ways each network type keeps (after OSMnx's filters of the same name).
_NO_ROUTING = {"abandoned", "construction", "planned", "platform", "proposed", "raceway"}
_EXCLUDE = {
    "drive": _NO_ROUTING
    | {
        "bridleway",
        "bus_guideway",
        "corridor",
        "cycleway",
        "elevator",
        "escalator",
        "footway",
        "path",
        "pedestrian",
        "steps",
        "track",
        "busway",
        "bus_stop",
        "emergency_bay",
        "rest_area",
        "services",
        "via_ferrata",
    },
    "walk": _NO_ROUTING | {"bus_guideway", "motorway", "motorway_link", "busway"},
    "bike": _NO_ROUTING
    | {"bus_guideway", "corridor", "elevator", "escalator", "footway", "motorway"}
    | {"motorway_link", "steps", "busway"},
    "all": _NO_ROUTING,
}
_NO_ACCESS = {"no", "private"}
_DRIVE_SERVICE_EXCLUDED = {"parking", "parking_aisle", "driveway", "private", "emergency_access"}
_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_BACKWARD = {"-1", "reverse"}
_ONEWAY_NO = {"no", "false", "0", "reversible", "alternating"}
_KEPT_TAGS = ("highway", "name", "ref", "maxspeed", "lanes", "bridge", "tunnel", "junction")

_GEOD = Geod(ellps="WGS84")
_ZONE_WEST, _ZONE_EAST = 118.5 - 1.5, 121.5 + 1.5


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


def _edge_speed(
    data: Mapping[str, Any], network_type: str, speeds: Mapping[str, float]
) -> tuple[float, str]:
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
            speed, source = _edge_speed(data, network_type, table)
        data["speed_kph"] = speed
        data["speed_source"] = source
        data["travel_time"] = float(length) / (speed / 3.6)
    if missing:
        raise InputError(
            f"{len(missing)} edges have no valid 'length' (metres), e.g. {missing[:3]}: "
            "lengths are needed to compute travel times"
        )
    return H


# --------------------------------------------------------------------------------------
# Reading OSM files
# --------------------------------------------------------------------------------------
def _keeps(tags: Mapping[str, str], network_type: str) -> bool:
    hw = tags.get("highway")
    if hw is None or hw in _EXCLUDE[network_type]:
        return False
    if tags.get("area") == "yes":
        return False
    if network_type == "all":
        return True
    if tags.get("access") in _NO_ACCESS:
        return False
    if network_type == "drive":
        if tags.get("motor_vehicle") == "no" or tags.get("motorcar") == "no":
            return False
        if hw == "service" and tags.get("service") in _DRIVE_SERVICE_EXCLUDED:
            return False
    if network_type == "walk" and tags.get("foot") == "no":
        return False
    return not (network_type == "bike" and tags.get("bicycle") == "no")


def _direction(tags: Mapping[str, str], network_type: str) -> int:
    """+1 forward only, -1 backward only, 0 both ways."""
    if network_type == "walk":
        return 0
    oneway = tags.get("oneway", "").strip().lower()
    if oneway in _ONEWAY_FORWARD:
        return 1
    if oneway in _ONEWAY_BACKWARD:
        return -1
    if oneway in _ONEWAY_NO:
        return 0
    # Implied one-way (OSM wiki "Key:oneway"): roundabouts and motorways.
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway":
        return 1
    return 0


def _polygon_wgs84(polygon: Any) -> Any:
    if polygon is None:
        return None
    if isinstance(polygon, shapely.Geometry):
        raise MissingCRSError(
            "polygon is a bare shapely geometry without a CRS: pass a GeoDataFrame or "
            "GeoSeries, e.g. gpd.GeoSeries([poly], crs='EPSG:4326'), or layout.corridor"
        )
    if not isinstance(polygon, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise InputError(f"polygon must be a GeoDataFrame or GeoSeries, got {type(polygon)}")
    datum_of(polygon)  # MissingCRSError
    geom = shapely.union_all(to_datum(polygon, "WGS84").geometry.values)
    if geom.is_empty or shapely.get_dimensions(geom) != 2:
        raise GeometryError("polygon must hold polygons covering the area to keep")
    return geom


@dataclass
class _Ways:
    ids: list[int]
    tags: list[dict[str, str]]
    refs: list[np.ndarray]
    lon: list[np.ndarray]
    lat: list[np.ndarray]
    n_highway: int = 0
    n_missing: int = 0


def _read_ways(path: Path, network_type: str, progress: bool) -> _Ways:
    import osmium

    ways = _Ways([], [], [], [], [])
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        iterator: Iterable[Any] = fp
        if progress:
            from tqdm.auto import tqdm

            iterator = tqdm(fp, desc="reading ways", unit=" ways")
        for w in iterator:
            ways.n_highway += 1
            tags = {t.k: t.v for t in w.tags}
            if not _keeps(tags, network_type):
                continue
            n = len(w.nodes)
            refs = np.empty(n, dtype=np.int64)
            lon = np.full(n, np.nan)
            lat = np.full(n, np.nan)
            for i, nr in enumerate(w.nodes):
                refs[i] = nr.ref
                loc = nr.location
                if loc.valid():
                    lon[i] = loc.lon
                    lat[i] = loc.lat
            ways.ids.append(int(w.id))
            ways.tags.append({k: tags[k] for k in _KEPT_TAGS if k in tags} | {"_raw": tags})
            ways.refs.append(refs)
            ways.lon.append(lon)
            ways.lat.append(lat)
    except RuntimeError as exc:
        raise InputError(f"cannot read {str(path)!r} as an OSM file: {exc}") from exc
    return ways


def graph_from_osm(
    path: str | os.PathLike[str],
    *,
    network_type: str = "drive",
    polygon: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    largest_component: bool = False,
    simplify: bool = True,
    speeds: Mapping[str, float] | None = None,
    progress: bool = False,
) -> nx.MultiDiGraph:
    """Read the road network of an OpenStreetMap PBF or XML file (pyosmium).

    Parameters
    ----------
    path : path-like
        ``.osm.pbf``, ``.pbf``, ``.osm`` (XML), optionally compressed (``.osm.bz2``,
        ``.osm.gz``), e.g. an extract of Shandong from a mirror of OpenStreetMap.
    network_type : {"drive", "walk", "bike", "all"}
        Which ways to keep, as OSMnx defines the same names: ``drive`` keeps public
        roads for cars (no footways, tracks, private or parking-aisle service roads);
        ``walk`` everything walkable except motorways, every edge both ways; ``bike``
        everything cyclable; ``all`` every routable way.
    polygon : GeoDataFrame or GeoSeries, optional
        Keep only the network inside these polygons (any CRS, e.g. ``layout.corridor``
        buffered).  Ways are cut where they leave it.
    largest_component : bool
        Keep only the largest strongly connected component (every node can reach
        every other).  Otherwise the components are counted in the log and in
        :func:`component_summary`.
    simplify : bool
        Keep only junctions and dead ends as nodes (the intermediate vertices become
        the edge's ``geometry``), as OSMnx does.  ``False`` keeps every OSM node.
    speeds : mapping, optional
        Default speed (km/h) by ``highway`` class, overriding
        :data:`DEFAULT_SPEEDS_KPH` (used where ``maxspeed`` is absent).
    progress : bool
        Show a progress bar while reading.

    Returns
    -------
    networkx.MultiDiGraph
        OSMnx convention, ``G.graph["crs"] == "EPSG:4326"``; nodes keyed by OSM node
        id with ``x`` (longitude), ``y`` (latitude) and ``street_count``; edges with
        ``osmid`` (way id), ``highway``, ``name``, ``maxspeed``, ``oneway``,
        ``reversed``, ``length`` (geodesic, m), ``speed_kph``, ``speed_source``,
        ``travel_time`` (s) and ``geometry`` where the way bends.  ``G.graph`` also
        records ``osm_ways`` (ways kept), ``osm_missing_nodes`` (node references
        missing from the file, where ways are cut) and the ``network_type``.

    Raises
    ------
    InputError
        If the file does not exist, cannot be read, or holds no road of the network
        type.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> xml = '''<osm version="0.6">
    ...  <node id="1" lat="36.10" lon="120.40"/><node id="2" lat="36.10" lon="120.41"/>
    ...  <node id="3" lat="36.11" lon="120.41"/>
    ...  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    ...   <tag k="highway" v="primary"/><tag k="oneway" v="yes"/></way>
    ... </osm>'''
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.osm"
    >>> _ = path.write_text(xml)
    >>> G = graph_from_osm(path)
    >>> sorted(G.edges()), round(G.edges[1, 3, 0]["length"])
    ([(1, 3)], 2010)
    """
    if network_type not in NETWORK_TYPES:
        raise InputError(f"network_type must be one of {NETWORK_TYPES}, got {network_type!r}")
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such OSM file: {str(path)!r}")
    table = dict(DEFAULT_SPEEDS_KPH)
    table.update(speeds or {})
    clip = _polygon_wgs84(polygon)
    ways = _read_ways(path, network_type, progress)
    if not ways.ids:
        raise InputError(
            f"{path.name}: no roads of network type {network_type!r} in the file "
            f"({ways.n_highway} ways with a highway tag, none usable); is it the right "
            "extract, or did you mean network_type='all'?"
        )

    # Split each way into runs of usable nodes (located, and inside the polygon).
    runs: list[tuple[int, np.ndarray]] = []  # (way index, positions in the way)
    n_missing = 0
    n_outside = 0
    for wi, (lon, lat) in enumerate(zip(ways.lon, ways.lat)):
        ok = np.isfinite(lon)
        n_missing += int((~ok).sum())
        if clip is not None:
            inside = np.zeros(len(lon), dtype=bool)
            inside[ok] = shapely.contains_xy(clip, lon[ok], lat[ok])
            n_outside += int((ok & ~inside).sum())
            ok = inside
        if ok.all():
            runs.append((wi, np.arange(len(lon))))
            continue
        idx = np.flatnonzero(ok)
        if len(idx) == 0:
            continue
        breaks = np.flatnonzero(np.diff(idx) != 1) + 1
        for piece in np.split(idx, breaks):
            runs.append((wi, piece))
    runs = [(wi, p) for wi, p in runs if len(p) >= 2]
    if not runs:
        where = " inside the polygon" if clip is not None else ""
        raise InputError(
            f"{path.name}: the {len(ways.ids)} roads of network type {network_type!r} "
            f"have no usable stretch{where} (missing node locations: {n_missing})"
        )
    if n_missing:
        log.warning(
            "%s: %d node references of kept ways are missing from the file (ways cut at "
            "the extract's edge); the roads are split there",
            path.name,
            n_missing,
        )

    all_refs = np.concatenate([ways.refs[wi][p] for wi, p in runs])
    all_lon = np.concatenate([ways.lon[wi][p] for wi, p in runs])
    all_lat = np.concatenate([ways.lat[wi][p] for wi, p in runs])
    run_len = np.array([len(p) for _, p in runs])
    run_start = np.concatenate([[0], np.cumsum(run_len)[:-1]])
    # Nodes kept: run ends, nodes used more than once (junctions, loops), or all.
    uniq, inverse, counts = np.unique(all_refs, return_inverse=True, return_counts=True)
    is_end = np.zeros(len(all_refs), dtype=bool)
    is_end[run_start] = True
    is_end[run_start + run_len - 1] = True
    if simplify:
        kept_node = np.zeros(len(uniq), dtype=bool)
        kept_node[counts > 1] = True
        kept_node[inverse[is_end]] = True
    else:
        kept_node = np.ones(len(uniq), dtype=bool)
    kept_pos = kept_node[inverse]
    # Geodesic length of every consecutive pair (pairs across runs are ignored).
    _, _, seg = _GEOD.inv(all_lon[:-1], all_lat[:-1], all_lon[1:], all_lat[1:])
    seg = np.append(np.asarray(seg, dtype=float), 0.0)
    cum = np.concatenate([[0.0], np.cumsum(seg)])

    G = nx.MultiDiGraph()
    G.graph.update(
        {
            "crs": "EPSG:4326",
            "created_with": f"corridor_geo {__version__}",
            "simplified": bool(simplify),
            "network_type": network_type,
            "source": f"OpenStreetMap file {path.name} (ODbL, (c) OpenStreetMap contributors)",
            "osm_ways": len({wi for wi, _ in runs}),
            "osm_missing_nodes": int(n_missing),
            "osm_nodes_outside_polygon": int(n_outside),
        }
    )
    # Nodes: location of the first occurrence.
    first = np.full(len(uniq), -1)
    first[inverse[::-1]] = np.arange(len(all_refs))[::-1]
    for node_i in np.flatnonzero(kept_node):
        j = first[node_i]
        G.add_node(int(uniq[node_i]), x=float(all_lon[j]), y=float(all_lat[j]))

    street_ends: list[int] = []
    for (wi, _), start, n in zip(runs, run_start, run_len):
        tags = ways.tags[wi]
        direction = _direction(tags["_raw"], network_type)
        base = {k: v for k, v in tags.items() if k != "_raw"}
        base["osmid"] = ways.ids[wi]
        pos = start + np.flatnonzero(kept_pos[start : start + n])
        for a, b in itertools.pairwise(pos):
            u, v = int(all_refs[a]), int(all_refs[b])
            data = dict(base)
            data["length"] = float(cum[b] - cum[a])
            if b - a > 1:
                data["geometry"] = shapely.LineString(
                    np.column_stack([all_lon[a : b + 1], all_lat[a : b + 1]])
                )
            speed, source = _edge_speed(data, network_type, table)
            data["speed_kph"] = speed
            data["speed_source"] = source
            data["travel_time"] = data["length"] / (speed / 3.6)
            street_ends += [u, v]
            if direction >= 0:
                G.add_edge(u, v, **data, oneway=direction != 0, reversed=False)
            if direction <= 0:
                back = dict(data)
                if "geometry" in back:
                    back["geometry"] = back["geometry"].reverse()
                G.add_edge(v, u, **back, oneway=direction != 0, reversed=direction == 0)
    ends = pd.Series(street_ends).value_counts()
    nx.set_node_attributes(G, {int(k): int(c) for k, c in ends.items()}, "street_count")
    summary = component_summary(G)
    log.info(
        "%s: %d nodes, %d edges, %d strongly connected components (largest %.1f%% of nodes)",
        path.name,
        G.number_of_nodes(),
        G.number_of_edges(),
        summary["n_strong_components"],
        100 * summary["largest_strong_share"],
    )
    if largest_component:
        G = _largest_component(G)
    return G


# --------------------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------------------
def _labels(G: nx.MultiDiGraph, strong: bool) -> tuple[int, np.ndarray, list[Any]]:
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    uv = np.array([(index[u], index[v]) for u, v in G.edges()], dtype=np.int64).reshape(-1, 2)
    m = sp.csr_matrix((np.ones(len(uv)), (uv[:, 0], uv[:, 1])), shape=(len(nodes), len(nodes)))
    n, labels = connected_components(m, directed=True, connection="strong" if strong else "weak")
    return n, labels, nodes


def component_summary(G: nx.MultiDiGraph) -> dict[str, Any]:
    """How connected a graph is: its weakly and strongly connected components.

    Returns
    -------
    dict
        ``n_nodes``, ``n_edges``, ``n_weak_components``, ``n_strong_components``,
        ``largest_strong_share`` (share of nodes in the largest strongly connected
        component) and ``outside_largest_strong`` (nodes outside it: trips from or to
        them may be impossible).

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4549")
    >>> G.add_edges_from([(1, 2), (2, 1), (3, 4)])
    [0, 0, 0]
    >>> s = component_summary(G)
    >>> s["n_weak_components"], s["n_strong_components"], s["outside_largest_strong"]
    (2, 3, 2)
    """
    if G.number_of_nodes() == 0:
        raise InputError("the graph has no nodes")
    n_weak, _, _ = _labels(G, strong=False)
    n_strong, labels, _ = _labels(G, strong=True)
    largest = int(np.bincount(labels).max())
    return {
        "n_nodes": G.number_of_nodes(),
        "n_edges": G.number_of_edges(),
        "n_weak_components": int(n_weak),
        "n_strong_components": int(n_strong),
        "largest_strong_share": largest / G.number_of_nodes(),
        "outside_largest_strong": G.number_of_nodes() - largest,
    }


def _largest_component(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    _, labels, nodes = _labels(G, strong=True)
    biggest = np.argmax(np.bincount(labels))
    keep = [n for n, lab in zip(nodes, labels) if lab == biggest]
    dropped = len(nodes) - len(keep)
    if dropped:
        log.info("kept the largest strongly connected component; %d nodes dropped", dropped)
    H = G.subgraph(keep).copy()
    H.graph["dropped_outside_largest_component"] = int(dropped)
    return H


def largest_component(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``G`` reduced to its largest strongly connected component.

    The number of nodes dropped is logged and kept in
    ``graph["dropped_outside_largest_component"]``.

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4549")
    >>> G.add_edges_from([(1, 2), (2, 1), (2, 3)])
    [0, 0, 0]
    >>> sorted(largest_component(G).nodes)
    [1, 2]
    """
    _check_crs_present(G)
    return _largest_component(G)


# --------------------------------------------------------------------------------------
# GraphML
# --------------------------------------------------------------------------------------
_FLOAT_NODE = ("x", "y", "lon", "lat", "elevation", "chainage_km")
_FLOAT_EDGE = ("length", "travel_time", "speed_kph", "grade", "grade_abs")
_BOOL = ("oneway", "reversed", "schematic", "simplified")


def _parse_value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        import ast

        with contextlib.suppress(ValueError, SyntaxError):
            return ast.literal_eval(text)
    return value


def _to_bool(value: Any) -> Any:
    if isinstance(value, str) and value.strip().startswith("["):
        parsed = _parse_value(value)
        if isinstance(parsed, list):
            return [_to_bool(v) for v in parsed]
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no"):
            return False
    return value


def _to_number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in value else number
    return value


def graph_from_graphml(path: str | os.PathLike[str]) -> nx.MultiDiGraph:
    """Read a GraphML road graph saved by OSMnx (``ox.save_graphml``) or by us.

    OSMnx writes every attribute as text; this restores the types OSMnx's own
    ``load_graphml`` restores: integer node ids, float ``x``/``y``/``length``/
    ``travel_time``/``speed_kph``, boolean ``oneway``/``reversed``, lists
    (``"[123, 456]"``) and ``geometry`` from WKT.

    Raises
    ------
    InputError
        If the file is missing or not GraphML.
    MissingCRSError
        If the graph has no ``crs`` attribute.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node(1, x=120.40, y=36.10); G.add_node(2, x=120.41, y=36.10)
    >>> G.add_edge(1, 2, length=900.5, travel_time=64.8, oneway=True)
    0
    >>> path = graph_to_graphml(G, pathlib.Path(tempfile.mkdtemp()) / "g.graphml")
    >>> H = graph_from_graphml(path)
    >>> H.graph["crs"], H.edges[1, 2, 0]["length"], H.edges[1, 2, 0]["oneway"]
    ('EPSG:4326', 900.5, True)
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such GraphML file: {str(path)!r}")
    try:
        raw = nx.read_graphml(path, force_multigraph=True)
    except Exception as exc:
        raise InputError(f"cannot read {str(path)!r} as GraphML: {exc}") from exc
    G = nx.MultiDiGraph()
    G.graph.update(
        {
            k: _to_bool(v) if k in _BOOL else v
            for k, v in raw.graph.items()
            if k not in ("node_default", "edge_default")
        }
    )
    mapping = {}
    for n in raw.nodes:
        label = n
        if isinstance(n, str) and re.fullmatch(r"-?\d+", n):
            label = int(n)
        mapping[n] = label
    for n, data in raw.nodes(data=True):
        attrs = {}
        for k, v in data.items():
            if k in _FLOAT_NODE:
                attrs[k] = float(v)
            elif k in ("street_count", "osmid"):
                attrs[k] = _to_number(v)
            else:
                attrs[k] = _parse_value(v)
        G.add_node(mapping[n], **attrs)
    edges = raw.edges(keys=True, data=True) if raw.is_multigraph() else raw.edges(data=True)
    for item in edges:
        u, v, data = item[0], item[1], item[-1]
        attrs = {}
        for k, val in data.items():
            if k in _FLOAT_EDGE:
                attrs[k] = float(val)
            elif k in _BOOL:
                attrs[k] = _to_bool(val)
            elif k == "geometry" and isinstance(val, str):
                try:
                    attrs[k] = shapely.from_wkt(val)
                except shapely.errors.GEOSException as exc:
                    raise InputError(f"edge ({u}, {v}) has invalid WKT geometry: {exc}") from exc
            elif k == "osmid":
                parsed = _parse_value(val)
                attrs[k] = _to_number(parsed) if isinstance(parsed, str) else parsed
            elif k == "id":
                continue
            else:
                attrs[k] = _parse_value(val)
        G.add_edge(mapping[u], mapping[v], **attrs)
        if not raw.is_directed():
            G.add_edge(mapping[v], mapping[u], **attrs)
    _check_crs_present(G, what=f"the graph in {path.name}")
    return G


def graph_to_graphml(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> Path:
    """Write a graph as GraphML the way OSMnx does (every attribute as text), atomically.

    Geometries are written as WKT; OSMnx's ``load_graphml`` and
    :func:`graph_from_graphml` read the file back.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> G = nx.MultiDiGraph(crs="EPSG:4549")
    >>> G.add_edge(1, 2, length=10.0)
    0
    >>> graph_to_graphml(G, pathlib.Path(tempfile.mkdtemp()) / "g.graphml").suffix
    '.graphml'
    """
    _check_crs_present(G)
    path = Path(path)
    H = nx.MultiDiGraph()
    H.graph.update({k: str(v) for k, v in G.graph.items()})
    for n, data in G.nodes(data=True):
        H.add_node(n, **{k: str(v) for k, v in data.items()})
    for u, v, k, data in G.edges(keys=True, data=True):
        attrs = {
            key: (val.wkt if isinstance(val, shapely.Geometry) else str(val))
            for key, val in data.items()
        }
        H.add_edge(u, v, key=k, **attrs)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".graphml", dir=path.parent)
    os.close(fd)
    try:
        nx.write_graphml(H, tmp, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return path


# --------------------------------------------------------------------------------------
# CRS and projection
# --------------------------------------------------------------------------------------
def _check_crs_present(G: Any, what: str = "the graph") -> CRS:
    if not isinstance(G, (nx.MultiDiGraph, nx.DiGraph, nx.Graph)):
        raise InputError(f"expected a networkx graph, got {type(G).__name__}")
    crs = G.graph.get("crs")
    if crs is None:
        raise MissingCRSError(
            f"{what} has no CRS: set G.graph['crs'] (e.g. 'EPSG:4326' when node x/y are "
            "longitude/latitude, as in OSMnx graphs, or 'EPSG:4549')"
        )
    try:
        return CRS.from_user_input(crs)
    except ProjCRSError as exc:
        raise CRSError(f"{what} has an unknown CRS {crs!r}: {exc}") from exc


def _node_xy(G: nx.MultiDiGraph) -> tuple[list[Any], np.ndarray]:
    nodes = list(G.nodes)
    xy = np.empty((len(nodes), 2))
    bad = []
    for i, (n, data) in enumerate(G.nodes(data=True)):
        try:
            xy[i, 0] = float(data["x"])
            xy[i, 1] = float(data["y"])
        except (KeyError, TypeError, ValueError):
            bad.append(n)
    if bad:
        raise InputError(
            f"{len(bad)} nodes have no numeric 'x'/'y' coordinates, e.g. {bad[:3]}: every "
            "node needs them (OSMnx convention)"
        )
    if not np.isfinite(xy).all():
        raise InputError("some nodes have non-finite x/y coordinates")
    return nodes, xy


def metric_crs(G: nx.MultiDiGraph) -> CRS:
    """The metric CRS corridor_geo uses for a graph: EPSG:4549, or UTM far from Qingdao.

    Raises
    ------
    MissingCRSError
        If ``G.graph["crs"]`` is missing.
    CRSError
        If the node coordinates do not fit the declared CRS (degrees beyond ±180/90,
        or a projected CRS whose coordinates fall far outside its area of use).

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node(1, x=120.4, y=36.1)
    >>> metric_crs(G).to_epsg()
    4549
    """
    return _graph_geo(G).metric_crs


@dataclass(eq=False)
class _GraphGeo:
    nodes: list[Any]
    index: dict[Any, int]
    crs: CRS
    metric_crs: CRS
    xy: np.ndarray  # node coordinates in metric_crs
    lonlat: np.ndarray
    signature: tuple[int, int]


_GEO_CACHE: weakref.WeakKeyDictionary[Any, _GraphGeo] = weakref.WeakKeyDictionary()


def _signature(G: Any) -> tuple[int, int]:
    """A cheap fingerprint of a graph's structure: nodes and adjacent node pairs.

    ``G.number_of_edges()`` walks every edge of a multigraph (over a second for a
    million edges); counting adjacent pairs is a walk over the nodes only.  It misses
    parallel edges added between already adjacent nodes and changed weights: caches
    keyed on it are rebuilt on request (``rebuild=True``).
    """
    adj = getattr(G, "_adj", None)
    pairs = sum(map(len, adj.values())) if adj is not None else G.number_of_edges()
    return (G.number_of_nodes(), pairs)


def _graph_geo(G: nx.MultiDiGraph) -> _GraphGeo:
    signature = _signature(G)
    cached = _GEO_CACHE.get(G)
    if cached is not None and cached.signature == signature:
        return cached
    crs = _check_crs_present(G)
    if G.number_of_nodes() == 0:
        raise InputError("the graph has no nodes")
    nodes, xy = _node_xy(G)
    lonlat = _to_lonlat(xy, crs)
    lo, hi = np.nanmin(lonlat, axis=0), np.nanmax(lonlat, axis=0)
    if lo[0] >= _ZONE_WEST and hi[0] <= _ZONE_EAST:
        target = ANALYSIS_CRS
    else:
        from pyproj.aoi import AreaOfInterest
        from pyproj.database import query_utm_crs_info

        infos = query_utm_crs_info(
            datum_name="WGS 84",
            area_of_interest=AreaOfInterest(
                float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])
            ),
        )
        target = CRS.from_epsg(infos[0].code) if infos else ANALYSIS_CRS
        log.info(
            "the graph lies outside EPSG:4549's zone (lon %.2f to %.2f): metric work uses %s",
            lo[0],
            hi[0],
            target.name,
        )
    if crs.equals(target):
        metric = xy.copy()
    else:
        tr = Transformer.from_crs(WGS84, target, always_xy=True)
        mx, my = tr.transform(lonlat[:, 0], lonlat[:, 1])
        metric = np.column_stack([mx, my])
    geo = _GraphGeo(
        nodes=nodes,
        index={n: i for i, n in enumerate(nodes)},
        crs=crs,
        metric_crs=target,
        xy=metric,
        lonlat=lonlat,
        signature=signature,
    )
    _GEO_CACHE[G] = geo
    return geo


def _to_lonlat(xy: np.ndarray, crs: CRS) -> np.ndarray:
    datum = datum_of(crs)
    if datum in ("GCJ02", "BD09"):
        raise CRSError(
            f"the graph is in {datum}: convert its node coordinates to WGS84 first "
            "(corridor_geo.crs.transform_coords)"
        )
    if crs.is_geographic:
        if (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
            raise CRSError(
                f"the graph says its CRS is {crs.name} (degrees) but node coordinates reach "
                f"x={np.abs(xy[:, 0]).max():.0f}, y={np.abs(xy[:, 1]).max():.0f}: they look "
                "projected; set G.graph['crs'] to the CRS they are really in"
            )
        lonlat = xy.copy()
    else:
        tr = Transformer.from_crs(crs, WGS84, always_xy=True)
        lon, lat = tr.transform(xy[:, 0], xy[:, 1])
        lonlat = np.column_stack([lon, lat])
        aou = crs.area_of_use
        if not np.isfinite(lonlat).all():
            raise CRSError(
                f"node coordinates cannot be placed on the earth in {crs.name}: "
                "is G.graph['crs'] the CRS they are in?"
            )
        if aou is not None:
            margin = 5.0
            out = (
                (lonlat[:, 0] < aou.west - margin)
                | (lonlat[:, 0] > aou.east + margin)
                | (lonlat[:, 1] < aou.south - margin)
                | (lonlat[:, 1] > aou.north + margin)
            )
            if out.mean() > 0.5:
                raise CRSError(
                    f"most node coordinates fall outside the area of use of {crs.name} "
                    f"({aou.name}): the graph's CRS label looks wrong (mismatched CRS)"
                )
    return lonlat


def project_graph(G: nx.MultiDiGraph, *, to_crs: Any = None) -> nx.MultiDiGraph:
    """A copy of ``G`` with node ``x``/``y`` and edge geometries in another CRS.

    As OSMnx's ``project_graph``: nodes keep ``lon``/``lat``; ``length`` and
    ``travel_time`` are unchanged (they are measured on the ground, not in the
    projection).

    Parameters
    ----------
    G : networkx.MultiDiGraph
    to_crs : CRS, optional
        Target CRS; by default :func:`metric_crs` (EPSG:4549 around Qingdao).

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node(1, x=120.0, y=36.0)
    >>> P = project_graph(G)
    >>> P.graph["crs"], round(P.nodes[1]["x"], 3), P.nodes[1]["lon"]
    ('EPSG:4549', 500000.0, 120.0)
    """
    geo = _graph_geo(G)
    target = geo.metric_crs if to_crs is None else CRS.from_user_input(to_crs)
    tr = Transformer.from_crs(WGS84, target, always_xy=True)
    x, y = tr.transform(geo.lonlat[:, 0], geo.lonlat[:, 1])
    H = G.copy()
    for i, n in enumerate(geo.nodes):
        data = H.nodes[n]
        data.setdefault("lon", float(geo.lonlat[i, 0]))
        data.setdefault("lat", float(geo.lonlat[i, 1]))
        data["x"], data["y"] = float(x[i]), float(y[i])
    if not geo.crs.equals(WGS84):
        to_wgs = Transformer.from_crs(geo.crs, WGS84, always_xy=True)
    else:
        to_wgs = None
    for _, _, data in H.edges(data=True):
        geom = data.get("geometry")
        if isinstance(geom, shapely.Geometry):
            xy = shapely.get_coordinates(geom)
            if to_wgs is not None:
                xy = np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1]))
            data["geometry"] = shapely.LineString(
                np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
            )
    epsg = target.to_epsg()
    H.graph["crs"] = f"EPSG:{epsg}" if epsg else target.to_wkt()
    return H


def graph_to_gdfs(
    G: nx.MultiDiGraph, *, crs: Any = WGS84
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Nodes and edges as GeoDataFrames (in WGS84 by default), as OSMnx's function.

    Edges without a ``geometry`` get the straight line between their nodes.  The
    edges frame is indexed by ``(u, v, key)``.

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node(1, x=120.40, y=36.10); G.add_node(2, x=120.41, y=36.10)
    >>> G.add_edge(1, 2, length=900.0)
    0
    >>> nodes, edges = graph_to_gdfs(G)
    >>> len(nodes), edges.geometry.iloc[0].geom_type
    (2, 'LineString')
    """
    geo = _graph_geo(G)
    nodes = gpd.GeoDataFrame(
        pd.DataFrame([d for _, d in G.nodes(data=True)], index=pd.Index(geo.nodes, name="osmid")),
        geometry=shapely.points(geo.lonlat),
        crs=WGS84,
    )
    rows, index, geoms = [], [], []
    to_wgs = (
        None if geo.crs.equals(WGS84) else Transformer.from_crs(geo.crs, WGS84, always_xy=True)
    )
    for u, v, k, data in G.edges(keys=True, data=True):
        geom = data.get("geometry")
        if isinstance(geom, shapely.Geometry):
            if to_wgs is not None:
                xy = shapely.get_coordinates(geom)
                geom = shapely.LineString(np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1])))
        else:
            geom = shapely.LineString([geo.lonlat[geo.index[u]], geo.lonlat[geo.index[v]]])
        rows.append({key: val for key, val in data.items() if key != "geometry"})
        index.append((u, v, k))
        geoms.append(geom)
    edges = gpd.GeoDataFrame(
        pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["u", "v", "key"])),
        geometry=geoms,
        crs=WGS84,
    )
    if crs is not None and not CRS.from_user_input(crs).equals(WGS84):
        nodes, edges = nodes.to_crs(crs), edges.to_crs(crs)
    return nodes, edges


# --------------------------------------------------------------------------------------
# Snapping points to nodes
# --------------------------------------------------------------------------------------
def _points_to(points: Any, target: CRS, what: str) -> np.ndarray:
    from ._validate import check_geometries

    points = unwrap_table(points)
    if not isinstance(points, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise InputError(
            f"{what} must be a GeoDataFrame or GeoSeries of points, got {type(points).__name__}"
        )
    datum = datum_of(points)  # MissingCRSError with the fix
    check_geometries(points, what, types=("Point",))
    if datum in ("GCJ02", "BD09"):
        points = to_datum(points, "WGS84")
    geoms = points.to_crs(target)
    values = geoms.geometry.values if isinstance(geoms, gpd.GeoDataFrame) else geoms.values
    return shapely.get_coordinates(values)


def _barrier_geometry(barriers: Any, target: CRS) -> Any:
    if barriers is None:
        return None
    if isinstance(barriers, shapely.Geometry):
        raise MissingCRSError("barriers must be a GeoDataFrame or GeoSeries with a CRS")
    if not isinstance(barriers, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise InputError(f"barriers must be a GeoDataFrame or GeoSeries, got {type(barriers)}")
    datum = datum_of(barriers)
    if datum in ("GCJ02", "BD09"):
        barriers = to_datum(barriers, "WGS84")
    geom = shapely.union_all(barriers.to_crs(target).geometry.values)
    return None if geom.is_empty else geom


def nearest_nodes(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    G: nx.MultiDiGraph,
    *,
    max_distance: float = 500.0,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    max_water_m: float = 50.0,
    candidates: int = 8,
) -> pd.DataFrame:
    """Snap points to their nearest graph node, within a distance and not across water.

    Parameters
    ----------
    points : GeoDataFrame or GeoSeries
        Points with a CRS (GCJ-02/BD-09 marked data are converted exactly).
    G : networkx.MultiDiGraph
        Any CRS (``G.graph["crs"]``).
    max_distance : float
        Largest straight-line snapping distance, metres.  Points farther from every
        node are reported (``snapped`` False), never snapped.
    barriers : GeoDataFrame or GeoSeries, optional
        Water (polygons, or coast/river lines) that a snap must not cross, e.g.
        :func:`sea_from_layout`.  The nearest of up to ``candidates`` nodes whose
        straight link crosses at most ``max_water_m`` of barrier is taken; if none,
        the point is reported as ``across water``.
    max_water_m : float
        Length of barrier a link may cross (the coastline of generalised land
        polygons is only accurate to tens of metres).
    candidates : int
        How many nearest nodes to try per point.

    Returns
    -------
    DataFrame
        Aligned to ``points``: ``node`` (the node label, missing when not snapped),
        ``snap_distance_m`` (to the chosen node, or to the nearest node when not
        snapped; inf when no node is within reach of the search), ``snapped`` and
        ``reason`` (``""``, ``"beyond max_distance"`` or ``"across water"``).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> G = nx.MultiDiGraph(crs="EPSG:4549")
    >>> G.add_node("a", x=500000.0, y=4000000.0); G.add_node("b", x=501000.0, y=4000000.0)
    >>> pts = gpd.GeoSeries([shapely.Point(500900, 4000100), shapely.Point(500000, 4005000)],
    ...                     crs="EPSG:4549")
    >>> nearest_nodes(pts, G, max_distance=500)[["node", "snapped", "reason"]].to_dict("list")
    {'node': ['b', None], 'snapped': [True, False], 'reason': ['', 'beyond max_distance']}
    """
    points = unwrap_table(points)
    if not max_distance > 0:
        raise InputError(f"max_distance must be a positive distance in metres, got {max_distance}")
    return _nearest(
        points,
        _graph_geo(G),
        max_distance=max_distance,
        barriers=barriers,
        max_water_m=max_water_m,
        candidates=candidates,
    )


def _nearest(
    points: Any,
    geo: _GraphGeo,
    *,
    max_distance: float,
    barriers: Any,
    max_water_m: float = 50.0,
    candidates: int = 8,
) -> pd.DataFrame:
    if not max_distance > 0:
        raise InputError(f"max_distance must be a positive distance in metres, got {max_distance}")
    xy = _points_to(points, geo.metric_crs, "points")
    water = _barrier_geometry(barriers, geo.metric_crs)
    k = 1 if water is None else int(max(1, min(candidates, len(geo.nodes))))
    tree = _kdtree(geo)
    dist, idx = tree.query(xy, k=k)
    dist = dist.reshape(len(xy), k)
    idx = idx.reshape(len(xy), k)
    chosen = np.full(len(xy), -1, dtype=np.int64)
    chosen_d = dist[:, 0].copy()
    reason = np.full(len(xy), "", dtype=object)
    within = dist <= max_distance
    ok = within.copy()
    if water is not None and within.any():
        pi, ci = np.nonzero(within)
        links = shapely.linestrings(
            np.stack([xy[pi], geo.xy[idx[pi, ci]]], axis=1).reshape(-1, 2, 2)
        )
        shapely.prepare(water)
        hits = shapely.intersects(water, links)
        wet = np.zeros(len(links))
        if hits.any():
            wet[hits] = shapely.length(shapely.intersection(links[hits], water))
        ok[pi, ci] = wet <= max_water_m
    first_ok = np.where(ok.any(axis=1), ok.argmax(axis=1), -1)
    has = first_ok >= 0
    chosen[has] = idx[has, first_ok[has]]
    chosen_d[has] = dist[has, first_ok[has]]
    reason[~within[:, 0]] = "beyond max_distance"
    reason[within[:, 0] & ~has] = "across water"
    labels = [geo.nodes[i] if i >= 0 else None for i in chosen]
    out = pd.DataFrame(
        {
            "node": pd.Series(labels, index=points.index, dtype=object),
            "snap_distance_m": chosen_d,
            "snapped": has,
            "reason": reason.astype(str),
        },
        index=points.index,
    )
    n_bad = int((~has).sum())
    if n_bad:
        log.info(
            "%d of %d points not snapped: %s",
            n_bad,
            len(out),
            out.loc[~has, "reason"].value_counts().to_dict(),
        )
    return out


_TREE_CACHE: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _kdtree(geo: _GraphGeo) -> Any:
    from scipy.spatial import cKDTree

    tree = _TREE_CACHE.get(geo)
    if tree is None:
        tree = cKDTree(geo.xy)
        _TREE_CACHE[geo] = tree
    return tree


def sea_from_layout(layout: Any, *, margin_m: float = 20_000.0) -> gpd.GeoDataFrame:
    """The sea around Qingdao: a box around the city minus its land polygon.

    The layout's ``city`` layer is Qingdao's land boundary (coastline included), so
    everything outside it within ``margin_m`` of the city is water - the Yellow Sea
    and Jiaozhou Bay - or a neighbouring municipality (harmless as a barrier: no road
    leads there within the corridor).  Use it as ``barriers`` of
    :func:`nearest_nodes` so that no point is snapped across a bay.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> sea = sea_from_layout(load_layout())
    >>> sea.crs.to_epsg(), sea.geometry.iloc[0].geom_type in ("Polygon", "MultiPolygon")
    (4326, True)
    """
    from ._validate import to_metric

    city = layout.layers["city"] if hasattr(layout, "layers") else layout
    # Every time_to_axis call asks for it, and buffering the coast takes most of a
    # second: the answer is kept per city boundary (its exact geometry and CRS).
    key = None
    if isinstance(city, (gpd.GeoDataFrame, gpd.GeoSeries)) and city.crs is not None:
        key = (city.crs.to_wkt(), tuple(shapely.to_wkb(city.geometry.values)), float(margin_m))
        cached = _SEA_CACHE.get(key)
        if cached is not None:
            return cached.copy()
    land = shapely.union_all(to_metric(city).geometry.values)
    box = shapely.box(*land.buffer(margin_m).bounds)
    sea = shapely.difference(box, land)
    out = gpd.GeoDataFrame(
        {"name": ["sea and land outside Qingdao"], "source": ["layout city layer"]},
        geometry=[sea],
        crs=ANALYSIS_CRS,
    ).to_crs(WGS84)
    if key is not None:
        while len(_SEA_CACHE) >= 4:
            _SEA_CACHE.pop(next(iter(_SEA_CACHE)))
        _SEA_CACHE[key] = out.copy()
    return out


_SEA_CACHE: dict[tuple[Any, ...], gpd.GeoDataFrame] = {}


# --------------------------------------------------------------------------------------
# The schematic default network
# --------------------------------------------------------------------------------------
SCHEMATIC_NOTE = (
    "schematic: Binhai Avenue as an arterial through the layout's axis with junctions "
    "every junction_m, plus a regular lattice of local streets clipped to the corridor. "
    "Not a survey of real roads: travel times on it are indicative only. Load a real "
    "OpenStreetMap extract with corridor_geo.network.graph_from_osm for real answers."
)


def schematic_network(
    layout: Any,
    *,
    grid_m: float = 500.0,
    junction_m: float = 1000.0,
    arterial_kph: float = 60.0,
    local_kph: float = 30.0,
) -> nx.MultiDiGraph:
    """The embedded default road network: indicative, schematic, always available.

    Built in EPSG:4549 from the layout alone:

    * **Binhai Avenue** (滨海大道): the axis, cut into arterial edges between junctions
      every ``junction_m`` along it (and at both ends), both directions, at
      ``arterial_kph`` (default 60 km/h, the upper design speed of an arterial in
      CJJ 37-2012);
    * a **lattice of local streets** every ``grid_m`` (a square grid aligned to the
      CRS axes), keeping the street segments that lie inside the corridor polygon,
      both directions, at ``local_kph`` (default 30 km/h);
    * **connectors** from each junction to the nearest lattice node on each side of
      the avenue within ``grid_m``, at ``local_kph``.

    Every edge carries ``schematic=True`` and ``source="schematic"``, and
    ``G.graph["status"] == "schematic"`` with a note.  Results on it are **indicative
    only**: real streets are neither straight nor regular, speeds vary, and the
    lattice ignores rivers, hills and gated areas.  Load a real OpenStreetMap extract
    with :func:`graph_from_osm` for real answers.

    Parameters
    ----------
    layout : CorridorLayout
        Gives the axis and the corridor polygon.
    grid_m, junction_m : float
        Lattice spacing and junction spacing along the avenue, metres.
    arterial_kph, local_kph : float
        Stated speeds of the avenue and of local streets.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes keyed by integers with ``x``/``y`` (EPSG:4549 metres), ``lon``/``lat``
        and ``kind`` (``junction`` or ``lattice``; junctions also ``chainage_km``);
        edges with ``length``, ``speed_kph``, ``travel_time``, ``highway``
        (``trunk`` for the avenue, ``residential`` for the lattice, ``tertiary`` for
        connectors), ``name``, ``oneway`` False, ``reversed``, ``schematic`` True.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> G = schematic_network(load_layout())
    >>> G.graph["status"], G.graph["crs"]
    ('schematic', 'EPSG:4549')
    >>> all(d["schematic"] for _, _, d in G.edges(data=True))
    True
    """
    from ._validate import to_metric
    from .axis import axis_line

    for name, value in (("grid_m", grid_m), ("junction_m", junction_m)):
        if not (value > 0 and math.isfinite(value)):
            raise InputError(f"{name} must be a positive distance in metres, got {value!r}")
    for name, value in (("arterial_kph", arterial_kph), ("local_kph", local_kph)):
        if not (value > 0 and math.isfinite(value)):
            raise InputError(f"{name} must be a positive speed in km/h, got {value!r}")
    if not (hasattr(layout, "layers") and "corridor" in layout.layers):
        raise InputError("schematic_network needs a CorridorLayout (corridor_geo.load_layout())")
    line = axis_line(layout)
    corridor = shapely.union_all(to_metric(layout.layers["corridor"]).geometry.values)
    shapely.prepare(corridor)
    inside_area = corridor.buffer(1.0)
    shapely.prepare(inside_area)

    G = nx.MultiDiGraph()
    G.graph.update(
        {
            "crs": "EPSG:4549",
            "created_with": f"corridor_geo {__version__}",
            "status": "schematic",
            "note": SCHEMATIC_NOTE,
            "grid_m": float(grid_m),
            "junction_m": float(junction_m),
            "arterial_kph": float(arterial_kph),
            "local_kph": float(local_kph),
            "simplified": True,
        }
    )
    to_wgs = Transformer.from_crs(ANALYSIS_CRS, WGS84, always_xy=True)

    def add_node(node: int, x: float, y: float, **attrs: Any) -> None:
        lon, lat = to_wgs.transform(x, y)
        G.add_node(node, x=float(x), y=float(y), lon=float(lon), lat=float(lat), **attrs)

    def add_both(u: int, v: int, length: float, speed: float, **attrs: Any) -> None:
        common = {
            "length": float(length),
            "speed_kph": float(speed),
            "speed_source": "schematic (stated)",
            "travel_time": float(length) / (speed / 3.6),
            "oneway": False,
            "schematic": True,
            "source": "schematic",
        }
        geom = attrs.pop("geometry", None)
        fwd = dict(common, **attrs, reversed=False)
        back = dict(common, **attrs, reversed=True)
        if geom is not None:
            fwd["geometry"] = geom
            back["geometry"] = geom.reverse()
        G.add_edge(u, v, **fwd)
        G.add_edge(v, u, **back)

    # The avenue.
    total = line.length
    marks = np.unique(np.append(np.arange(0.0, total, junction_m), total))
    if len(marks) >= 2 and marks[-1] - marks[-2] < 0.25 * junction_m:
        marks = np.delete(marks, -2)  # no stub junction just before the north end
    jpts = shapely.line_interpolate_point(line, marks)
    junctions = list(range(len(marks)))
    for j, (m, p) in enumerate(zip(marks, jpts)):
        add_node(j, p.x, p.y, kind="junction", chainage_km=float(m / 1000.0))
    for j in range(len(marks) - 1):
        piece = shapely.ops.substring(line, marks[j], marks[j + 1])
        attrs = {
            "highway": "trunk",
            "name": "滨海大道 Binhai Avenue (schematic)",
        }
        if len(piece.coords) > 2:
            attrs["geometry"] = piece
        add_both(j, j + 1, marks[j + 1] - marks[j], arterial_kph, **attrs)

    # The lattice.
    x0, y0, x1, y1 = corridor.bounds
    xs = np.arange(math.floor(x0 / grid_m) * grid_m, x1 + grid_m, grid_m)
    ys = np.arange(math.floor(y0 / grid_m) * grid_m, y1 + grid_m, grid_m)
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(inside_area, gx, gy)
    ids = np.full(gx.shape, -1, dtype=np.int64)
    ids[inside] = np.arange(inside.sum()) + len(junctions)
    for node, x, y in zip(ids[inside], gx[inside], gy[inside]):
        add_node(int(node), x, y, kind="lattice")
    pairs = []
    for (r0, c0), (r1, c1) in (((0, 0), (0, 1)), ((0, 0), (1, 0))):
        a = ids[r0 : ids.shape[0] - r1 + r0, c0 : ids.shape[1] - c1 + c0]
        b = ids[r1:, c1:]
        both = (a >= 0) & (b >= 0)
        pairs.append(np.column_stack([a[both], b[both]]))
    pairs_arr = np.concatenate(pairs)
    lattice_xy = {
        int(n): (float(x), float(y)) for n, x, y in zip(ids[inside], gx[inside], gy[inside])
    }
    segs = shapely.linestrings(
        np.array([[lattice_xy[int(u)], lattice_xy[int(v)]] for u, v in pairs_arr]).reshape(
            -1, 2, 2
        )
    )
    within = shapely.covered_by(segs, inside_area)
    for (u, v), ok in zip(pairs_arr, within):
        if ok:
            add_both(
                int(u),
                int(v),
                grid_m,
                local_kph,
                highway="residential",
                name="local street (schematic)",
            )

    # Connectors: nearest lattice node on each side of the avenue.
    if lattice_xy:
        from scipy.spatial import cKDTree

        from .axis import _Segments

        lat_ids = np.array(list(lattice_xy))
        lat_xy = np.array([lattice_xy[int(n)] for n in lat_ids])
        tree = cKDTree(lat_xy)
        side = np.sign(_Segments(line).project(lat_xy[:, 0], lat_xy[:, 1])["offset_m"])
        for j, p in zip(junctions, jpts):
            near = tree.query_ball_point([p.x, p.y], r=grid_m)
            for s in (-1.0, 1.0):
                cand = [i for i in near if side[i] == s]
                if not cand:
                    continue
                d = np.hypot(lat_xy[cand, 0] - p.x, lat_xy[cand, 1] - p.y)
                best = cand[int(np.argmin(d))]
                link = shapely.LineString([(p.x, p.y), tuple(lat_xy[best])])
                if not shapely.covered_by(link, inside_area):
                    continue
                add_both(
                    j,
                    int(lat_ids[best]),
                    max(float(d.min()), 1.0),
                    local_kph,
                    highway="tertiary",
                    name="connector (schematic)",
                )
    isolated = [n for n in G.nodes if G.degree(n) == 0]
    G.remove_nodes_from(isolated)
    summary = component_summary(G)
    G.graph["n_weak_components"] = summary["n_weak_components"]
    if summary["n_weak_components"] > 1:
        log.info(
            "schematic network: %d separate pieces (lattice cells of the corridor not "
            "joined to the avenue); points there are reported unreachable",
            summary["n_weak_components"] - 1,
        )
    return G
