"""Graph geometry shared by the network builders and the routing analyses (private).

A graph's node coordinates, its metric CRS (EPSG:4549 around Qingdao, UTM elsewhere), a
KD-tree of its nodes and the snapping of points to nodes, computed once per graph and
cached weakly (rebuilt when the graph's structure changes).
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from ._errors import CRSError, InputError, MissingCRSError
from ._points import frame_of, metric_points, point_xy
from ._text import counts_text, listing
from .crs import ANALYSIS_CRS, WGS84, datum_of, to_crs, transform_xy

log = logging.getLogger(__name__)

_ZONE_WEST, _ZONE_EAST = 118.5 - 1.5, 121.5 + 1.5


def check_crs_present(G: Any, what: str = "the graph") -> CRS:
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
            f"{len(bad)} nodes have no numeric 'x'/'y' coordinates, e.g. {listing(bad[:3])}: "
            "every "
            "node needs them (OSMnx convention)"
        )
    if not np.isfinite(xy).all():
        raise InputError("some nodes have non-finite x/y coordinates")
    return nodes, xy


@dataclass(eq=False)
class GraphGeo:
    nodes: list[Any]
    index: dict[Any, int]
    crs: CRS
    metric_crs: CRS
    xy: np.ndarray  # node coordinates in metric_crs
    lonlat: np.ndarray
    signature: tuple[int, int]


_GEO_CACHE: weakref.WeakKeyDictionary[Any, GraphGeo] = weakref.WeakKeyDictionary()


def graph_signature(G: Any) -> tuple[int, int]:
    """A cheap fingerprint of a graph's structure: nodes and adjacent node pairs.

    ``G.number_of_edges()`` walks every edge of a multigraph (over a second for a
    million edges); counting adjacent pairs is a walk over the nodes only.  It misses
    parallel edges added between already adjacent nodes and changed weights: caches
    keyed on it are rebuilt on request (``rebuild=True``).
    """
    adj = getattr(G, "_adj", None)
    pairs = sum(map(len, adj.values())) if adj is not None else G.number_of_edges()
    return (G.number_of_nodes(), pairs)


def graph_geo(G: nx.MultiDiGraph) -> GraphGeo:
    signature = graph_signature(G)
    cached = _GEO_CACHE.get(G)
    if cached is not None and cached.signature == signature:
        return cached
    crs = check_crs_present(G)
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
    geo = GraphGeo(
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


def points_in_crs(points: Any, target: CRS, what: str) -> np.ndarray:
    """Coordinates of points in ``target`` (EPSG:4549 through the project-once path)."""
    if target.equals(ANALYSIS_CRS):
        pts = metric_points(points, what=what)
        return np.column_stack([pts.x, pts.y])
    frame = frame_of(points, what)
    datum_of(frame)  # MissingCRSError with the fix
    x, y = point_xy(frame, what)
    tx, ty = transform_xy(x, y, source=frame.crs, target=target)
    return np.column_stack([tx, ty])


@dataclass(frozen=True)
class Barrier:
    """A barrier geometry already in a known CRS (e.g. a layout's cached sea)."""

    geometry: Any
    crs: CRS


def barrier_geometry(barriers: Any, target: CRS) -> Any:
    """The barriers as one geometry in ``target`` (None for none)."""
    if barriers is None:
        return None
    if isinstance(barriers, Barrier):
        if barriers.crs.equals(target):
            return None if barriers.geometry.is_empty else barriers.geometry
        barriers = gpd.GeoSeries([barriers.geometry], crs=barriers.crs)
    if isinstance(barriers, shapely.Geometry):
        raise MissingCRSError("barriers must be a GeoDataFrame or GeoSeries with a CRS")
    if not isinstance(barriers, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise InputError(f"barriers must be a GeoDataFrame or GeoSeries, got {type(barriers)}")
    datum_of(barriers)  # MissingCRSError
    geom = shapely.union_all(to_crs(barriers, target).geometry.values)
    return None if geom.is_empty else geom


def snap_to_nodes(
    points: Any,
    geo: GraphGeo,
    *,
    max_distance: float,
    barriers: Any,
    max_water_m: float = 50.0,
    candidates: int = 8,
) -> pd.DataFrame:
    if not max_distance > 0:
        raise InputError(f"max_distance must be a positive distance in metres, got {max_distance}")
    xy = points_in_crs(points, geo.metric_crs, "points")
    index = frame_of(points).index
    water = barrier_geometry(barriers, geo.metric_crs)
    k = 1 if water is None else int(max(1, min(candidates, len(geo.nodes))))
    tree = node_tree(geo)
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
            "node": pd.Series(labels, index=index, dtype=object),
            "snap_distance_m": chosen_d,
            "snapped": has,
            "reason": reason.astype(str),
        },
        index=index,
    )
    n_bad = int((~has).sum())
    if n_bad:
        log.info(
            "%d of %d points not snapped: %s",
            n_bad,
            len(out),
            counts_text(out.loc[~has, "reason"].value_counts()),
        )
    return out


_TREE_CACHE: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def node_tree(geo: GraphGeo) -> Any:
    from scipy.spatial import cKDTree

    tree = _TREE_CACHE.get(geo)
    if tree is None:
        tree = cKDTree(geo.xy)
        _TREE_CACHE[geo] = tree
    return tree


def oriented(line: Any, start: Any, end: Any) -> Any:
    """The edge geometry ``line`` running from ``start`` towards ``end`` (x, y pairs).

    An undirected graph stores one geometry per edge, in the direction the edge was
    added, while ``G.edges`` may list the edge from its other end: a line whose first
    point lies nearer ``end`` than ``start`` is reversed.
    """
    xy = shapely.get_coordinates(line)
    if len(xy) < 2:
        return line
    first, last = xy[0], xy[-1]
    d_keep = np.hypot(*(first - start)) + np.hypot(*(last - end))
    d_flip = np.hypot(*(first - end)) + np.hypot(*(last - start))
    return shapely.reverse(line) if d_flip < d_keep else line
