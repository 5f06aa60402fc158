"""GraphML input and output in the OSMnx convention."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely
import shapely.ops

from .._atomic import write_atomic
from .._errors import InputError
from .._graph import (
    check_crs_present,
    oriented,
)

log = logging.getLogger(__name__)

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


def _number(value: Any, what: str) -> float:
    """A finite float from a GraphML attribute, or an error naming the node or edge."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise InputError(
            f"{what}={value!r}, not a finite number: fix the file (OSMnx GraphML keeps "
            "length in metres and travel_time in seconds), or remove the attribute and "
            "derive it (corridor_geo.network.add_travel_times)"
        )
    return number


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
                attrs[k] = _number(v, f"{path.name}: node {n} has {k}")
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
                attrs[k] = _number(val, f"{path.name}: edge {u}->{v} has {k}")
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
        ends = [G.nodes[mapping[n]] for n in (u, v)]
        if (
            not raw.is_directed()
            and isinstance(attrs.get("geometry"), shapely.LineString)
            and all("x" in e and "y" in e for e in ends)
        ):
            # One geometry per undirected edge, stored either way: from u, then reversed.
            xy = [np.array([e["x"], e["y"]], dtype=float) for e in ends]
            attrs["geometry"] = oriented(attrs["geometry"], *xy)
        G.add_edge(mapping[u], mapping[v], **attrs)
        if not raw.is_directed():
            back = dict(attrs)
            if isinstance(back.get("geometry"), shapely.LineString):
                back["geometry"] = shapely.reverse(back["geometry"])
            G.add_edge(mapping[v], mapping[u], **back)
    check_crs_present(G, what=f"the graph in {path.name}")
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
    check_crs_present(G)
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
    write_atomic(path, lambda tmp: nx.write_graphml(H, tmp, encoding="utf-8"))
    return path
