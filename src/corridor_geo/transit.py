"""Accessibility by metro and walking: time to Binhai Avenue, matrices, isochrones, catchments.

Every function takes a graph from :func:`corridor_geo.network.multimodal_graph` (walking
on a street graph or in straight lines, plus the bundled metro or a GTFS feed) and routes
on the same compiled engine as the road analyses
(:func:`corridor_geo.access.routing_engine`): times equal networkx's Dijkstra on the same
graph.

How a point joins the network
-----------------------------
* **On a street graph**: the point is snapped to its nearest *street* node (never to a
  station or platform) within ``max_distance``, and the walk to it (straight line x
  ``detour``, at the walking speed) is added to its time.  Points beyond
  ``max_distance`` or only reachable across water are reported, never snapped.
* **Straight-line walking** (a graph built without streets): the point walks to every
  station within ``max_walk_m`` (straight x ``detour``; a walk crossing more than 50 m
  of water is refused), and straight to its destination; the faster way wins.

What "Binhai Avenue" means (``target=``)
-----------------------------------------
* ``"stations"`` (default): the metro stations on the avenue, those within
  ``station_m`` (500 m) of the layout's axis; a point has reached the avenue when it is
  at one of them at street level (walked there, or alighted there).  The axis of the
  bundled layout is drawn through the Line 11 stations, so these are Line 11's stations
  along it and the interchanges at its south end.
* ``"axis"``: the avenue itself, reached on foot or by metro and then on foot: the
  avenue's street nodes (:func:`corridor_geo.access.axis_access_nodes`), or, with
  straight-line walking, the nearest point of the axis line.

Units are minutes throughout; unreachable values are inf, and every row that cannot be
routed stays in the result with its reason (``attrs["summary"]`` counts them).  Every
result carries the transit data's credit in ``attrs["attribution"]`` (the bundled metro
is CC BY 4.0: show it with the results).
"""

from __future__ import annotations

import logging
import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numba
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from ._errors import InputError
from ._graph import barrier_geometry, points_in_crs
from ._linref import Segments
from ._points import frame_of, metric_geometries
from ._routing import check_limit, default_layout, resolve_barriers
from ._text import counts_text, listing
from .access import RoutingEngine, axis_access_nodes, routing_engine
from .crs import ANALYSIS_CRS, WGS84, to_crs, transform_xy

__all__ = [
    "catchment_coverage",
    "station_catchments",
    "transit_access_by_city",
    "transit_isochrones",
    "transit_time_to_axis",
    "transit_travel_time_matrix",
]

log = logging.getLogger(__name__)

_MAX_WATER_M = 50.0
TARGETS = ("stations", "axis")


# --------------------------------------------------------------------------------------
# What the analyses need of a multimodal graph, computed once per graph
# --------------------------------------------------------------------------------------
@dataclass(eq=False)
class _Net:
    G: Any
    eng: RoutingEngine
    mode: np.ndarray  # node mode per engine position
    straight: bool
    speed: float  # m/s
    detour: float
    stations: np.ndarray  # engine positions of station nodes
    station_name: np.ndarray
    station_xy: np.ndarray  # metric (EPSG:4549 or the graph's metric CRS)
    street_pos: np.ndarray  # engine positions of street nodes
    labels: np.ndarray  # node labels by engine position (object array)
    _walk: Any = field(default=None, repr=False)
    _street_tree: Any = field(default=None, repr=False)
    _street_grid: Any = field(default=None, repr=False)
    _street_xy: Any = field(default=None, repr=False)
    fields: dict[Any, Any] = field(default_factory=dict, repr=False)
    _walk_edges: Any = field(default=None, repr=False)
    _station_tree: Any = field(default=None, repr=False)

    @property
    def metric_crs(self) -> Any:
        return self.eng.geo.metric_crs

    def walk_engine(self) -> RoutingEngine:
        """The engine of the walking part alone (streets, street links, stations)."""
        if self._walk is None:
            G = self.G
            view = nx.subgraph_view(
                G,
                filter_node=lambda n: G.nodes[n].get("mode") != "platform",
                filter_edge=lambda u, v, k: (
                    G.edges[u, v, k].get("mode") in ("walk", "access", "egress")
                ),
            )
            self._walk = view  # the view lives as long as this record, its engine too
        return routing_engine(self._walk, edge_weight="travel_time")

    @property
    def street_xy(self) -> np.ndarray:
        if self._street_xy is None:
            self._street_xy = np.ascontiguousarray(self.eng.geo.xy[self.street_pos])
        return self._street_xy

    def street_tree(self) -> Any:
        if self._street_tree is None:
            from scipy.spatial import cKDTree

            self._street_tree = cKDTree(self.street_xy)
        return self._street_tree

    def street_grid(self) -> tuple[Any, ...]:
        """The street nodes bucketed on a square grid, and their x and y arrays."""
        if self._street_grid is None:
            sxy = self.street_xy
            self._street_grid = (
                *_build_grid(sxy),
                np.ascontiguousarray(sxy[:, 0]),
                np.ascontiguousarray(sxy[:, 1]),
            )
        return self._street_grid

    def station_tree(self) -> Any:
        if self._station_tree is None:
            from scipy.spatial import cKDTree

            self._station_tree = cKDTree(self.station_xy)
        return self._station_tree

    def walk_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Street walking edges: engine positions of their ends, seconds, metric lines."""
        if self._walk_edges is None:
            self._walk_edges = _walk_edges(self)
        return self._walk_edges


_NETS: weakref.WeakKeyDictionary[Any, tuple[tuple[int, int], _Net]] = weakref.WeakKeyDictionary()


def _net(G: Any) -> _Net:
    if not isinstance(G, nx.MultiDiGraph) or G.graph.get("kind") != "multimodal":
        raise InputError(
            "expected a walk-and-metro graph from corridor_geo.network.multimodal_graph "
            f"(G.graph['kind'] == 'multimodal'), got {type(G).__name__} with kind "
            f"{getattr(G, 'graph', {}).get('kind')!r}; road graphs go to "
            "corridor_geo.access"
        )
    eng = routing_engine(G, edge_weight="travel_time")
    cached = _NETS.get(G)
    if cached is not None and cached[0] == eng.signature and cached[1].eng is eng:
        return cached[1]
    modes = np.array([G.nodes[n].get("mode", "street") for n in eng.nodes], dtype=object)
    stations = np.flatnonzero(modes == "station")
    if len(stations) == 0:
        raise InputError("the multimodal graph has no station")
    straight = G.graph.get("walking") == "straight"
    streets = np.flatnonzero(modes == "street")
    if not straight and len(streets) == 0:
        raise InputError("the multimodal graph says it walks on streets but has none")
    labels = np.empty(len(eng.nodes), dtype=object)
    labels[:] = eng.nodes
    net = _Net(
        G=G,
        eng=eng,
        mode=modes,
        straight=straight,
        speed=float(G.graph["walk_kph"]) / 3.6,
        detour=float(G.graph["detour"]),
        stations=stations,
        station_name=np.array(
            [G.nodes[eng.nodes[i]].get("name", eng.nodes[i]) for i in stations], dtype=object
        ),
        station_xy=eng.geo.xy[stations],
        street_pos=streets,
        labels=labels,
    )
    _NETS[G] = (eng.signature, net)
    return net


def _walk_edges(net: _Net) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    G, eng = net.G, net.eng
    geo = eng.geo
    us, vs, ws, lines = [], [], [], []
    to_metric = None
    if not geo.crs.equals(geo.metric_crs):
        from pyproj import Transformer

        to_metric = Transformer.from_crs(geo.crs, geo.metric_crs, always_xy=True)
    for u, v, d in G.edges(data=True):
        if d.get("mode") != "walk":
            continue
        a, b = eng.index[u], eng.index[v]
        if net.mode[a] != "street" or net.mode[b] != "street":
            continue
        us.append(a)
        vs.append(b)
        ws.append(float(d["travel_time"]))
        g = d.get("geometry")
        if isinstance(g, shapely.LineString) and not g.is_empty:
            xy = shapely.get_coordinates(g)
            if to_metric is not None:
                xy = np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1]))
            lines.append(shapely.LineString(xy))
        else:
            lines.append(shapely.LineString([geo.xy[a], geo.xy[b]]))
    return (
        np.asarray(us, dtype=np.int64),
        np.asarray(vs, dtype=np.int64),
        np.asarray(ws, dtype=float),
        np.asarray(lines, dtype=object),
    )


# --------------------------------------------------------------------------------------
# Points joining the network
# --------------------------------------------------------------------------------------
@dataclass
class _Legs:
    """Walks from points to network nodes: ``cost[k]`` seconds from ``point[k]`` to ``pos[k]``."""

    point: np.ndarray
    pos: np.ndarray
    cost: np.ndarray
    xy: np.ndarray  # the points, metric
    node: np.ndarray  # per point: the snapped street node (street mode) or None
    snap_m: np.ndarray  # per point: distance to the nearest street node (street mode),
    # the snapped one or, for a point not snapped, the nearest; NaN for straight walks
    reason: np.ndarray  # per point: why it has no leg ("" when it has)


def _legs(
    net: _Net, points: Any, *, max_distance: float, max_walk_m: float, barriers: Any, what: str
) -> _Legs:
    if net.straight:
        if not (math.isfinite(max_walk_m) and max_walk_m > 0):
            raise InputError(f"max_walk_m must be a positive distance, got {max_walk_m!r}")
        xy = points_in_crs(points, net.metric_crs, what)
        tree = net.station_tree()
        hits = tree.query_ball_point(xy, max_walk_m)
        counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        point = np.repeat(np.arange(len(xy)), counts)
        st = np.fromiter((j for h in hits for j in h), dtype=np.int64, count=int(counts.sum()))
        dist = np.hypot(*(xy[point] - net.station_xy[st]).T) if len(st) else np.zeros(0)
        water = barrier_geometry(barriers, net.metric_crs)
        ok = np.ones(len(st), dtype=bool)
        if water is not None and len(st):
            segs = shapely.linestrings(np.stack([xy[point], net.station_xy[st]], axis=1))
            shapely.prepare(water)
            wet = shapely.intersects(water, segs)
            if wet.any():
                ok[wet] = shapely.length(shapely.intersection(segs[wet], water)) <= _MAX_WATER_M
        point, st, dist = point[ok], st[ok], dist[ok]
        reason = np.full(len(xy), "", dtype=object)
        has = np.zeros(len(xy), dtype=bool)
        has[point] = True
        reason[~has] = f"no station within {max_walk_m:g} m"
        return _Legs(
            point=point,
            pos=net.stations[st],
            cost=dist * net.detour / net.speed,
            xy=xy,
            node=np.full(len(xy), None, dtype=object),
            snap_m=np.full(len(xy), np.nan),
            reason=reason,
        )
    xy = points_in_crs(points, net.metric_crs, what)
    idx, snap_m, reason = _snap_streets(net, xy, max_distance=max_distance, barriers=barriers)
    ok = idx >= 0
    if len(ok) and not ok.any():
        raise InputError(
            f"none of the {len(ok)} {what} could be snapped to the street network "
            f"({counts_text(pd.Series(reason).value_counts())}); check that the points and the "
            "street graph cover the same area and that their CRS/datum labels are right"
        )
    point = np.flatnonzero(ok)
    pos = net.street_pos[idx[point]]
    node = np.full(len(xy), None, dtype=object)
    node[point] = net.labels[pos]
    return _Legs(
        point=point,
        pos=pos,
        cost=snap_m[point] * net.detour / net.speed,
        xy=xy,
        node=node,
        snap_m=np.asarray(snap_m, dtype=float),  # unsnapped too: how far the street is
        reason=reason,
    )


def _build_grid(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float, float]:
    """Nodes sorted by grid cell (about two nodes a cell), with each cell's first index."""
    minx, miny = xy.min(axis=0)
    span = np.maximum(xy.max(axis=0) - xy.min(axis=0), 1.0)
    cell = float(max(np.sqrt(span[0] * span[1] * 2.0 / max(len(xy), 1)), 1.0))
    nx_, ny_ = (np.floor(span / cell).astype(np.int64) + 1).tolist()
    cx = np.minimum(((xy[:, 0] - minx) / cell).astype(np.int64), nx_ - 1)
    cy = np.minimum(((xy[:, 1] - miny) / cell).astype(np.int64), ny_ - 1)
    cid = cy * nx_ + cx
    order = np.argsort(cid, kind="stable")
    start = np.zeros(nx_ * ny_ + 1, dtype=np.int64)
    np.cumsum(np.bincount(cid, minlength=nx_ * ny_), out=start[1:])
    dims = np.array([nx_, ny_], dtype=np.int64)
    return order.astype(np.int64), start, dims, float(minx), float(miny), cell


@numba.njit(parallel=True, cache=True)
def _grid_nearest(
    px: np.ndarray,
    py: np.ndarray,
    nodes_x: np.ndarray,
    nodes_y: np.ndarray,
    order: np.ndarray,
    start: np.ndarray,
    dims: np.ndarray,
    minx: float,
    miny: float,
    cell: float,
    max_d: float,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Nearest node within ``max_d`` of each point (-1 beyond), searching rings of cells.

    After ring r of cells around the point's cell is searched, every unsearched node is
    at least ``r * cell`` away: the search stops once the best distance is below that.
    Ties go to the smallest node index.
    """
    n = len(px)
    best_i = np.full(n, -1, dtype=np.int64)
    best_d = np.full(n, np.inf)
    nx_, ny_ = dims[0], dims[1]
    for k in numba.prange(n):
        cx = int(np.floor((px[k] - minx) / cell))
        cy = int(np.floor((py[k] - miny) / cell))
        cx = min(max(cx, 0), nx_ - 1)
        cy = min(max(cy, 0), ny_ - 1)
        bd2 = np.inf
        bi = -1
        r = 0
        while True:
            for gy in range(cy - r, cy + r + 1):
                if gy < 0 or gy >= ny_:
                    continue
                ring_row = gy == cy - r or gy == cy + r
                step = 1 if ring_row else 2 * r
                gx = cx - r
                while gx <= cx + r:
                    if 0 <= gx < nx_:
                        c = gy * nx_ + gx
                        for j in range(start[c], start[c + 1]):
                            node = order[j]
                            dx = nodes_x[node] - px[k]
                            dy = nodes_y[node] - py[k]
                            d2 = dx * dx + dy * dy
                            if d2 < bd2 or (d2 == bd2 and node < bi):
                                bd2 = d2
                                bi = node
                    gx += step if step > 0 else 1
            bound = r * cell
            if bi >= 0 and bd2 <= bound * bound:
                break
            if bound > max_d or (r > nx_ and r > ny_):
                break
            r += 1
        d = np.sqrt(bd2)
        best_d[k] = d
        if d <= max_d:
            best_i[k] = bi
    return best_i, best_d


def _snap_streets(
    net: _Net, xy: np.ndarray, *, max_distance: float, barriers: Any, candidates: int = 8
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest street node of each point, as :func:`corridor_geo.network.nearest_nodes` snaps.

    Within ``max_distance``, and, with barriers, the nearest of the ``candidates``
    nearest nodes whose straight link crosses at most 50 m of water.  Returns indexes
    into the street nodes (-1 when none), distances and reasons.
    """
    if not (math.isfinite(max_distance) and max_distance > 0):
        raise InputError(f"max_distance must be a positive distance in metres, got {max_distance}")
    water = barrier_geometry(barriers, net.metric_crs)
    if water is None:
        # no barrier: the nearest node only, from a compiled grid search (as a KD-tree
        # finds it, several times faster on 100,000 points)
        order, start, dims, minx, miny, cell, gx, gy = net.street_grid()
        chosen, chosen_d = _grid_nearest(
            np.ascontiguousarray(xy[:, 0]),
            np.ascontiguousarray(xy[:, 1]),
            gx,
            gy,
            order,
            start,
            dims,
            minx,
            miny,
            cell,
            float(max_distance),
        )
        reason = np.full(len(xy), "", dtype=object)
        far = chosen < 0
        reason[far] = "beyond max_distance"
        if far.any():  # the grid search stops at max_distance: the nearest node's distance
            chosen_d = np.asarray(chosen_d, dtype=float).copy()
            chosen_d[far] = np.asarray(net.street_tree().query(xy[far], k=1)[0], dtype=float)
        return chosen, chosen_d, reason
    tree = net.street_tree()
    n_nodes = len(net.street_pos)
    k = 1 if water is None else int(max(1, min(candidates, n_nodes)))
    dist, idx = tree.query(xy, k=k)
    dist = np.asarray(dist, dtype=float).reshape(len(xy), k)
    idx = np.asarray(idx, dtype=np.int64).reshape(len(xy), k)
    within = dist <= max_distance
    ok = within.copy()
    if water is not None and within.any():
        pi, ci = np.nonzero(within)
        links = shapely.linestrings(np.stack([xy[pi], net.street_xy[idx[pi, ci]]], axis=1))
        shapely.prepare(water)
        hits = shapely.intersects(water, links)
        wet = np.zeros(len(links))
        if hits.any():
            wet[hits] = shapely.length(shapely.intersection(links[hits], water))
        ok[pi, ci] = wet <= _MAX_WATER_M
    first = np.where(ok.any(axis=1), ok.argmax(axis=1), -1)
    has = first >= 0
    rows = np.arange(len(xy))
    chosen = np.where(has, idx[rows, np.maximum(first, 0)], -1)
    chosen_d = np.where(has, dist[rows, np.maximum(first, 0)], np.inf)
    chosen_d[~has] = dist[~has, 0]  # a point not snapped: the distance to its nearest node
    reason = np.full(len(xy), "", dtype=object)
    reason[~within[:, 0]] = "beyond max_distance"
    reason[within[:, 0] & ~has] = "across water"
    return chosen, chosen_d, reason


def _best(n_points: int, legs: _Legs, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per point, the cheapest leg + network cost, and which leg (-1 for none)."""
    total = legs.cost + dist[legs.pos]
    best = np.full(n_points, np.inf)
    which = np.full(n_points, -1, dtype=np.int64)
    if len(total) and (len(legs.point) < 2 or (np.diff(legs.point) > 0).all()):
        # one leg per point at most (street graphs): no reduction needed
        best[legs.point] = total
        which[legs.point] = np.arange(len(total))
        which[~np.isfinite(best)] = -1
    elif len(total):
        order = np.lexsort((total, legs.point))
        first = np.ones(len(order), dtype=bool)
        first[1:] = legs.point[order][1:] != legs.point[order][:-1]
        chosen = order[first]
        best[legs.point[chosen]] = total[chosen]
        which[legs.point[chosen]] = chosen
        which[~np.isfinite(best)] = -1
    return best, which


# --------------------------------------------------------------------------------------
# Targets on Binhai Avenue
# --------------------------------------------------------------------------------------
def _axis_segments(layout: Any, net: _Net) -> tuple[Segments, np.ndarray]:
    from .axis import axis_line

    segs = Segments(axis_line(layout))
    xy = net.station_xy
    if not net.metric_crs.equals(ANALYSIS_CRS):
        x, y = transform_xy(xy[:, 0], xy[:, 1], source=net.metric_crs, target=ANALYSIS_CRS)
        xy = np.column_stack([x, y])
    return segs, xy


def _targets(
    net: _Net,
    layout: Any,
    *,
    target: str,
    station_m: float,
    access_m: float,
    axis_names: Sequence[str],
    search_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """Target positions, their offsets (s), labels and chainages, and how they were chosen."""
    if target not in TARGETS:
        raise InputError(f"target must be one of {TARGETS}, got {target!r}")
    segs, sxy = _axis_segments(layout, net)
    proj = segs.project(sxy[:, 0], sxy[:, 1])
    on_axis = proj["distance_m"] <= station_m
    if target == "stations" or net.straight:
        if not on_axis.any():
            raise InputError(
                f"no station lies within {station_m:g} m of the axis: the transit graph does "
                "not serve Binhai Avenue (or is elsewhere); raise station_m or check the data"
            )
        pos = net.stations[on_axis]
        offsets = np.zeros(len(pos))
        if target == "axis":  # straight-line walking: from the station to the axis line
            offsets = proj["distance_m"][on_axis] * net.detour / net.speed
        how = f"{int(on_axis.sum())} stations within {station_m:g} m of the axis" + (
            " (then on foot to the axis line)" if target == "axis" else ""
        )
        return (
            pos,
            offsets,
            net.station_name[on_axis],
            proj["along_m"][on_axis] / 1000.0,
            how,
        )
    nodes = axis_access_nodes(
        net.G, layout=layout, access_m=access_m, axis_names=axis_names, search_m=search_m
    )
    pos = np.fromiter((net.eng.index[n] for n in nodes["node"]), dtype=np.int64, count=len(nodes))
    keep = net.mode[pos] == "street"
    if not keep.any():
        raise InputError("no street node of the graph lies on the axis")
    labels = np.array([f"axis node {n}" for n in nodes["node"][keep]], dtype=object)
    how = f"{int(keep.sum())} street {nodes.attrs['how']}"
    return pos[keep], np.zeros(int(keep.sum())), labels, nodes["chainage_km"].to_numpy()[keep], how


def _to_targets_cached(
    net: _Net, pos: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_to_targets`, kept with the graph's record for the same targets.

    The field depends on the graph and the targets only, as the engine does: a second
    question to the same avenue (other points, other bands) does not search again.
    """
    key = (pos.tobytes(), offsets.tobytes())
    hit = net.fields.get(key)
    if hit is None:
        hit = _to_targets(net.eng, pos, offsets)
        if len(net.fields) >= 4:
            net.fields.pop(next(iter(net.fields)))
        net.fields[key] = hit
    return hit


def _to_targets(
    eng: RoutingEngine, pos: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Seconds from every node to its nearest target (offsets added) and which target."""
    if not (offsets > 0).any():
        dist, src = eng.distances(pos, reverse=True, min_only=True)
        tmap = np.full(len(dist), -1, dtype=np.int64)
        tmap[pos] = np.arange(len(pos))
        which = np.where(src >= 0, tmap[np.maximum(src, 0)], -1)
        return dist, which
    D = eng.distances(pos, reverse=True) + offsets[:, None]
    which = np.argmin(D, axis=0)
    dist = D[which, np.arange(D.shape[1])]
    which = np.where(np.isfinite(dist), which, -1)
    return dist, which


def transit_time_to_axis(
    points: Any,
    G: nx.MultiDiGraph,
    *,
    layout: Any = None,
    target: str = "stations",
    station_m: float = 500.0,
    max_distance: float = 500.0,
    max_walk_m: float = 5000.0,
    barriers: Any = "auto",
    access_m: float = 300.0,
    axis_names: Sequence[str] = ("滨海大道", "Binhai Avenue"),
    search_m: float = 2000.0,
) -> pd.DataFrame:
    """Minutes from each point to Binhai Avenue by metro and walking (the faster of both).

    One search from all targets at once on the reversed graph gives every node's time
    to the nearest target; each point adds its walk to the network (see the module
    notes).  Walking alone is always one of the options: a point next to the avenue
    walks.

    Parameters
    ----------
    points : ResourceTable, GeoDataFrame or GeoSeries
        Points with a CRS.
    G : networkx.MultiDiGraph
        From :func:`corridor_geo.network.multimodal_graph`.
    layout : CorridorLayout, optional
        Gives the axis and the sea (``barriers="auto"``); the bundled layout by default.
    target : {"stations", "axis"}
        The metro stations on the avenue (default) or the avenue itself (module notes).
    station_m : float
        A station within this distance of the axis is on the avenue (default 500 m).
    max_distance : float
        Snapping limit to a street node, metres (street graphs).
    max_walk_m : float
        Longest straight walk to or from a station, metres (straight-line walking).
    barriers : "auto", None, GeoDataFrame or GeoSeries
        Water a walk to the network must not cross; ``"auto"``: the layout's sea.
    access_m, axis_names, search_m
        Which street nodes are the avenue with ``target="axis"`` (see
        :func:`corridor_geo.access.axis_access_nodes`).

    Returns
    -------
    DataFrame
        Aligned to ``points``: ``travel_time_min`` (inf when unreachable),
        ``walk_min`` (the walk from the point to the network), ``target`` (the station
        or axis node reached; ``"axis (on foot)"`` for a straight walk to it),
        ``target_chainage_km``, ``node`` (the street node snapped to, or the first
        station walked to), ``snap_distance_m`` (to the street node snapped to, or for a
        point not snapped, to the nearest one, as :func:`corridor_geo.access.time_to_axis`
        gives it; NaN with straight-line walking), ``reachable`` and ``reason``.
        ``attrs``: ``targets`` (how they were chosen) and ``summary`` (points, routed,
        not routed, reasons).

    Examples
    --------
    Two points beside 海洋大学 station (Line 11), one on the avenue and one 900 m
    east, with straight-line walking:

    >>> import geopandas as gpd, shapely
    >>> from corridor_geo.network import multimodal_graph
    >>> from corridor_geo.metro import metro_stations
    >>> G = multimodal_graph()
    >>> st = metro_stations().to_crs(4549).set_index("name_zh").geometry["海洋大学"]
    >>> pts = gpd.GeoSeries([st, shapely.Point(st.x + 900, st.y)], crs=4549)
    >>> out = transit_time_to_axis(pts, G)
    >>> out["travel_time_min"].round(2).tolist()  # 0, then 900 m x 1.3 at 4.8 km/h
    [0.0, 14.62]
    >>> out["target"].tolist()
    ['海洋大学', '海洋大学']
    """
    layout = default_layout(layout)
    net = _net(G)
    index = frame_of(points).index
    bars = resolve_barriers(barriers, layout)
    tpos, offsets, labels, chain, how = _targets(
        net,
        layout,
        target=target,
        station_m=station_m,
        access_m=access_m,
        axis_names=axis_names,
        search_m=search_m,
    )
    legs = _legs(
        net, points, max_distance=max_distance, max_walk_m=max_walk_m, barriers=bars, what="points"
    )
    dist, which_target = _to_targets_cached(net, tpos, offsets)
    n = len(index)
    best, leg = _best(n, legs, dist)
    tgt = np.full(n, -1, dtype=np.int64)
    has = leg >= 0
    tgt[has] = which_target[legs.pos[leg[has]]]
    walk = np.full(n, np.nan)
    walk[has] = legs.cost[leg[has]]
    node = legs.node.copy()
    if net.straight:
        node[has] = net.labels[legs.pos[leg[has]]]
    label = np.full(n, None, dtype=object)
    label[tgt >= 0] = labels[tgt[tgt >= 0]]
    chainage = np.full(n, np.nan)
    chainage[tgt >= 0] = chain[tgt[tgt >= 0]]
    reason = legs.reason.copy()
    if net.straight and target == "axis":
        segs = Segments(_axis_line(layout))
        pxy = legs.xy
        if not net.metric_crs.equals(ANALYSIS_CRS):
            x, y = transform_xy(pxy[:, 0], pxy[:, 1], source=net.metric_crs, target=ANALYSIS_CRS)
            pxy = np.column_stack([x, y])
        proj = segs.project(pxy[:, 0], pxy[:, 1])
        direct = proj["distance_m"] * net.detour / net.speed
        on_foot = direct <= best
        best = np.where(on_foot, direct, best)
        walk = np.where(on_foot, direct, walk)
        label[on_foot] = "axis (on foot)"
        chainage[on_foot] = proj["along_m"][on_foot] / 1000.0
        node[on_foot] = None
        reason[:] = ""
    reachable = np.isfinite(best)
    reason[(reason == "") & ~reachable] = "no path to the axis (disconnected)"
    out = pd.DataFrame(
        {
            "travel_time_min": best / 60.0,
            "walk_min": walk / 60.0,
            "target": label,
            "target_chainage_km": chainage,
            "node": node,
            "snap_distance_m": legs.snap_m,
            "reachable": reachable,
            "reason": reason,
        },
        index=index,
    )
    out.attrs["targets"] = how
    out.attrs["summary"] = _summary(reachable, reason)
    out.attrs["attribution"] = G.graph.get("attribution", "")
    if not reachable.all():
        log.info(
            "transit_time_to_axis: %d of %d points cannot reach the axis: %s",
            int((~reachable).sum()),
            n,
            counts_text(out.attrs["summary"]["reasons"]),
        )
    return out


def _axis_line(layout: Any) -> Any:
    from .axis import axis_line

    return axis_line(layout)


def _summary(ok: np.ndarray, reason: np.ndarray) -> dict[str, Any]:
    bad = ~np.asarray(ok, dtype=bool)
    return {
        "rows": len(ok),
        "routed": int((~bad).sum()),
        "not_routed": int(bad.sum()),
        "reasons": pd.Series(np.asarray(reason, dtype=object)[bad]).value_counts().to_dict(),
    }


# --------------------------------------------------------------------------------------
# Travel-time matrices
# --------------------------------------------------------------------------------------
def _minplus_rows(n_rows: int, legs: _Legs, D: np.ndarray, col_of: np.ndarray) -> np.ndarray:
    """``out[p, :] = min over legs of p (cost + D[col_of[leg], :])``."""
    out = np.full((n_rows, D.shape[1]), np.inf)
    if len(legs.point):
        np.minimum.at(out, legs.point, legs.cost[:, None] + D[col_of])
    return out


def transit_travel_time_matrix(
    origins: Any,
    destinations: Any,
    G: nx.MultiDiGraph,
    *,
    cutoff: float | None = None,
    output: str = "long",
    max_distance: float = 500.0,
    max_walk_m: float = 5000.0,
    barriers: Any = "auto",
    layout: Any = None,
) -> pd.DataFrame:
    """Minutes from every origin to every destination by metro and walking.

    Each side walks to the network (module notes); the engine searches from whichever
    side has fewer distinct nodes.  With straight-line walking, walking straight from
    origin to destination is an option too.

    Parameters
    ----------
    origins, destinations : ResourceTable, GeoDataFrame or GeoSeries
        Points with a CRS.
    G : networkx.MultiDiGraph
        From :func:`corridor_geo.network.multimodal_graph`.
    cutoff : float, optional
        Longest time searched, minutes; pairs beyond it are inf.
    output : {"long", "wide"}
        ``long``: ``origin``, ``destination``, ``travel_time_min``, ``reachable``,
        ``reason``; ``wide``: origins as rows, destinations as columns.
    max_distance, max_walk_m, barriers, layout
        See :func:`transit_time_to_axis`.

    Returns
    -------
    DataFrame
        Every pair, unreachable ones inf with the reason (long output); ``attrs``
        counts the origins and destinations not routed and the unreachable pairs, and
        names them (``origin_reasons``, ``destination_reasons``: label -> reason).

    Examples
    --------
    From 苗岭路 to 钱谷山, the two ends of Line 11, with straight-line walking: 2 minutes
    to the platform, half of Line 11's 10.73-minute headway, 57 minutes on the train and
    2 minutes back to the street:

    >>> import geopandas as gpd
    >>> from corridor_geo.network import multimodal_graph
    >>> from corridor_geo.metro import metro_stations
    >>> G = multimodal_graph()
    >>> st = metro_stations().set_index("name_zh").geometry
    >>> a = gpd.GeoSeries([st["苗岭路"]], crs=4326)
    >>> b = gpd.GeoSeries([st["钱谷山"]], crs=4326)
    >>> round(float(transit_travel_time_matrix(a, b, G)["travel_time_min"].iloc[0]), 3)
    66.365
    """
    if output not in ("long", "wide"):
        raise InputError(f"output must be 'long' or 'wide', got {output!r}")
    net = _net(G)
    bars = resolve_barriers(barriers, layout)
    limit = check_limit(cutoff, 60.0)
    o_index = frame_of(origins, "origins").index
    d_index = frame_of(destinations, "destinations").index
    lo = _legs(
        net,
        origins,
        max_distance=max_distance,
        max_walk_m=max_walk_m,
        barriers=bars,
        what="origins",
    )
    ld = _legs(
        net,
        destinations,
        max_distance=max_distance,
        max_walk_m=max_walk_m,
        barriers=bars,
        what="destinations",
    )
    uo, o_col = np.unique(lo.pos, return_inverse=True)
    ud, d_col = np.unique(ld.pos, return_inverse=True)
    n_o, n_d = len(o_index), len(d_index)
    if len(uo) and len(ud):
        if len(ud) <= len(uo):
            block = net.eng.distances(ud, limit=limit, reverse=True)[:, uo].T
        else:
            block = net.eng.distances(uo, limit=limit)[:, ud]
        # rows: origins (via their legs), columns: destination nodes
        via = _minplus_rows(n_o, lo, block, o_col)
        cost = _minplus_rows(n_d, ld, via.T, d_col).T
    else:
        cost = np.full((n_o, n_d), np.inf)
    if net.straight:
        direct = (
            np.hypot(lo.xy[:, None, 0] - ld.xy[None, :, 0], lo.xy[:, None, 1] - ld.xy[None, :, 1])
            * net.detour
            / net.speed
        )
        cost = np.minimum(cost, direct)
    if np.isfinite(limit):
        cost = np.where(cost <= limit, cost, np.inf)
    cost = cost / 60.0
    o_bad = (lo.reason != "") & (not net.straight)
    d_bad = (ld.reason != "") & (not net.straight)
    if output == "wide":
        out = pd.DataFrame(cost, index=o_index, columns=d_index)
    else:
        reason = np.full((n_o, n_d), "", dtype=object)
        reason[~np.isfinite(cost)] = (
            "beyond cutoff (or no path)" if cutoff is not None else "no path (disconnected)"
        )
        for j in np.flatnonzero(d_bad):
            reason[:, j] = f"destination {ld.reason[j]}"
        for i in np.flatnonzero(o_bad):
            reason[i, :] = f"origin {lo.reason[i]}"
        out = pd.DataFrame(
            {
                "origin": np.repeat(o_index.to_numpy(), n_d),
                "destination": np.tile(d_index.to_numpy(), n_o),
                "travel_time_min": cost.ravel(),
                "reachable": np.isfinite(cost).ravel(),
                "reason": reason.ravel().astype(str),
            }
        )
    out.attrs["origins_not_snapped"] = int(np.sum(o_bad))
    out.attrs["destinations_not_snapped"] = int(np.sum(d_bad))
    out.attrs["unreachable_pairs"] = int((~np.isfinite(cost)).sum())
    out.attrs["attribution"] = G.graph.get("attribution", "")
    out.attrs["origin_reasons"] = {o_index[i]: str(lo.reason[i]) for i in np.flatnonzero(o_bad)}
    out.attrs["destination_reasons"] = {
        d_index[j]: str(ld.reason[j]) for j in np.flatnonzero(d_bad)
    }
    return out


# --------------------------------------------------------------------------------------
# Isochrones and catchments: reachable streets and stations, never hulls
# --------------------------------------------------------------------------------------
def _reach_streets(net: _Net, dist: np.ndarray, limit: float, *, to_sources: bool) -> list[Any]:
    """The parts of street edges walked within ``limit`` (from or to the sources)."""
    u, v, w, lines = net.walk_edges()
    slack = limit - dist[v] if to_sources else limit - dist[u]
    live = np.isfinite(slack) & (slack >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(w > 0, slack / w, np.inf)
    full = live & (frac >= 1.0)
    part = live & ~full & (frac > 0)
    pieces = list(lines[full])
    for i in np.flatnonzero(part):
        f = float(frac[i])
        a, b = (1.0 - f, 1.0) if to_sources else (0.0, f)
        pieces.append(shapely.ops.substring(lines[i], a, b, normalized=True))
    return [p for p in pieces if p.geom_type == "LineString" and not p.is_empty]


def _polygon(parts: list[Any], buffer_m: float, water: Any) -> Any:
    if not parts:
        return shapely.Polygon()
    poly = shapely.union_all(
        shapely.buffer(np.asarray(parts, dtype=object), buffer_m, quad_segs=8)
    )
    if water is not None:
        poly = shapely.difference(poly, water)
    return poly


def _check_bands(cutoffs: Sequence[float], name: str) -> list[float]:
    try:
        bands = sorted({float(m) for m in cutoffs})
    except (TypeError, ValueError):
        raise InputError(f"{name} must be positive numbers of minutes, got {cutoffs!r}") from None
    if not bands or bands[0] <= 0 or not math.isfinite(bands[-1]):
        raise InputError(f"{name} must be positive, finite minutes, got {listing(cutoffs)}")
    return bands


def transit_isochrones(
    points: Any,
    G: nx.MultiDiGraph,
    *,
    cutoffs: Sequence[float] = (15, 30, 45),
    buffer_m: float = 50.0,
    max_distance: float = 500.0,
    max_walk_m: float = 5000.0,
    barriers: Any = "auto",
    layout: Any = None,
) -> gpd.GeoDataFrame:
    """Areas reachable from each point within each time band, by metro and walking.

    On a street graph, the polygon is the street network walked within the band
    (edges cut where the time runs out, after walking from the point or after
    alighting at any station reached), buffered by ``buffer_m``; with straight-line
    walking, it is the union of discs around the point and every station reached, each
    of the radius the remaining time walks (straight x ``detour``).  The sea is cut
    out.  A convex hull is never used: stations reached by train make islands.

    Parameters
    ----------
    points : ResourceTable, GeoDataFrame or GeoSeries
    G : networkx.MultiDiGraph
        From :func:`corridor_geo.network.multimodal_graph`.
    cutoffs : sequence of float
        Bands in minutes (default 15, 30, 45).
    buffer_m : float
        Half-width around walked streets, metres (street graphs).
    max_distance, max_walk_m, barriers, layout
        See :func:`transit_time_to_axis`.

    Returns
    -------
    GeoDataFrame
        One row per point and band (WGS84): ``point``, ``minutes``, ``area_km2``,
        ``n_stations`` (stations reached), ``reason`` (why a polygon is empty) and the
        polygon.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from corridor_geo.network import multimodal_graph
    >>> from corridor_geo.metro import metro_stations
    >>> G = multimodal_graph()
    >>> at = gpd.GeoSeries([metro_stations().set_index("name_zh").geometry["苗岭路"]],
    ...                    crs=4326)
    >>> iso = transit_isochrones(at, G, cutoffs=[5, 30], barriers=None)
    >>> iso["n_stations"].tolist()  # on foot only within 5 min; by train within 30
    [1, 38]
    >>> round(float(iso["area_km2"].iloc[0]), 3)  # a disc of 5 min x 4.8 km/h / 1.3
    0.297
    """
    bands = _check_bands(cutoffs, "cutoffs")
    if not (buffer_m > 0 and math.isfinite(buffer_m)):
        raise InputError(f"buffer_m must be a positive number of metres, got {buffer_m}")
    net = _net(G)
    bars = resolve_barriers(barriers, layout)
    water = barrier_geometry(bars, net.metric_crs)
    index = frame_of(points).index
    legs = _legs(
        net, points, max_distance=max_distance, max_walk_m=max_walk_m, barriers=bars, what="points"
    )
    limit = bands[-1] * 60.0
    rows = []
    by_point = pd.Series(np.arange(len(legs.point))).groupby(legs.point).apply(list).to_dict()
    st_set = net.stations
    for i, label in enumerate(index):
        mine = by_point.get(i, [])
        if not mine and not net.straight:
            for band in bands:
                rows.append((label, band, shapely.Polygon(), 0, legs.reason[i]))
            continue
        dist = np.full(len(net.eng.nodes), np.inf)
        if mine:
            D = net.eng.distances(legs.pos[mine], limit=limit)
            dist = np.min(D + legs.cost[mine][:, None], axis=0)
        for band in bands:
            lim = band * 60.0
            reached = st_set[dist[st_set] <= lim]
            if net.straight:
                centres = np.vstack([legs.xy[i][None, :], net.eng.geo.xy[reached]])
                slack = np.concatenate([[lim], lim - dist[reached]])
                radius = slack * net.speed / net.detour
                discs = shapely.buffer(shapely.points(np.asarray(centres)), radius, quad_segs=16)
                poly = shapely.union_all(discs)
                if water is not None:
                    poly = shapely.difference(poly, water)
            else:
                parts = _reach_streets(net, dist, lim, to_sources=False)
                street = np.flatnonzero((net.mode == "street") & (dist <= lim))
                parts += list(shapely.points(net.eng.geo.xy[street]))
                if legs.cost[mine[0]] <= lim:
                    parts.append(shapely.Point(legs.xy[i]))
                poly = _polygon(parts, buffer_m, water)
            rows.append((label, band, poly, len(reached), ""))
    frame = gpd.GeoDataFrame(
        {
            "point": [r[0] for r in rows],
            "minutes": [r[1] for r in rows],
            "n_stations": [r[3] for r in rows],
            "reason": [r[4] for r in rows],
        },
        geometry=[r[2] for r in rows],
        crs=net.metric_crs,
    )
    frame.insert(2, "area_km2", frame.geometry.area / 1e6)
    out = to_crs(frame, WGS84)
    out.attrs["attribution"] = G.graph.get("attribution", "")
    return out


def station_catchments(
    G: nx.MultiDiGraph,
    *,
    cutoffs: Sequence[float] = (5, 10, 15),
    stations: Sequence[Any] | None = None,
    buffer_m: float = 50.0,
    barriers: Any = "auto",
    layout: Any = None,
) -> gpd.GeoDataFrame:
    """The area from which each station is reached on foot within 5, 10 and 15 minutes.

    On a street graph: the streets from which the station's entrance is walked to
    within the band (edges cut where the time runs out), buffered by ``buffer_m``;
    with straight-line walking: a disc of the radius the band walks (straight x
    ``detour``).  The sea is cut out; hulls are never used.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        From :func:`corridor_geo.network.multimodal_graph`.
    cutoffs : sequence of float
        The walking bands, minutes (default 5, 10, 15).
    stations : sequence, optional
        Station ids or names (``"苗岭路"``) to keep; all by default.
    buffer_m, barriers, layout
        See :func:`transit_isochrones`.

    Returns
    -------
    GeoDataFrame
        One row per station and band (WGS84): ``station_id``, ``name``, ``lines``,
        ``minutes``, ``area_km2``, ``reason`` (``"no street link"`` for a station
        farther than ``link_m`` from every street) and the polygon.

    Examples
    --------
    >>> from corridor_geo.network import multimodal_graph
    >>> G = multimodal_graph()
    >>> c = station_catchments(G, stations=["苗岭路"], barriers=None)
    >>> c["minutes"].tolist(), c["area_km2"].round(2).tolist()
    ([5.0, 10.0, 15.0], [0.3, 1.19, 2.67])
    """
    bands = _check_bands(cutoffs, "cutoffs")
    if not (buffer_m > 0 and math.isfinite(buffer_m)):
        raise InputError(f"buffer_m must be a positive number of metres, got {buffer_m}")
    net = _net(G)
    water = barrier_geometry(resolve_barriers(barriers, layout), net.metric_crs)
    chosen = np.arange(len(net.stations))
    if stations is not None:
        wanted = [stations] if isinstance(stations, (str, int)) else list(stations)
        ids = [net.G.nodes[net.eng.nodes[p]].get("station_id") for p in net.stations]
        keep = []
        for w in wanted:
            hit = [
                k
                for k in range(len(ids))
                if ids[k] == w or net.station_name[k] == w or str(ids[k]) == str(w)
            ]
            if not hit:
                raise InputError(f"no station {w!r} in the graph")
            keep += [h for h in hit if h not in keep]
        chosen = np.asarray(keep, dtype=np.int64)
    rows = []
    if not net.straight:
        weng = net.walk_engine()
    for k in chosen:
        p = net.stations[k]
        node = net.eng.nodes[p]
        data = net.G.nodes[node]
        base = (data.get("station_id"), data.get("name"), data.get("lines", ""))
        if net.straight:
            for band in bands:
                r = band * 60.0 * net.speed / net.detour
                poly = shapely.Point(net.station_xy[k]).buffer(r, quad_segs=16)
                if water is not None:
                    poly = shapely.difference(poly, water)
                rows.append((*base, band, poly, ""))
            continue
        linked = any(d.get("mode") == "egress" for _, _, d in net.G.out_edges(node, data=True))
        if not linked:
            rows += [(*base, band, shapely.Polygon(), "no street link") for band in bands]
            continue
        wd = weng.distances([weng.index[node]], limit=bands[-1] * 60.0, reverse=True)[0]
        dist = np.full(len(net.eng.nodes), np.inf)
        walk_pos = np.fromiter(
            (net.eng.index[n] for n in weng.nodes), dtype=np.int64, count=len(weng.nodes)
        )
        dist[walk_pos] = wd
        for band in bands:
            lim = band * 60.0
            parts = _reach_streets(net, dist, lim, to_sources=True)
            street = np.flatnonzero((net.mode == "street") & (dist <= lim))
            parts += list(shapely.points(net.eng.geo.xy[street]))
            parts.append(shapely.Point(net.station_xy[k]))
            rows.append((*base, band, _polygon(parts, buffer_m, water), ""))
    frame = gpd.GeoDataFrame(
        {
            "station_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "lines": [r[2] for r in rows],
            "minutes": [r[3] for r in rows],
            "reason": [r[5] for r in rows],
        },
        geometry=[r[4] for r in rows],
        crs=net.metric_crs,
    )
    frame.insert(4, "area_km2", frame.geometry.area / 1e6)
    out = to_crs(frame, WGS84)
    out.attrs["attribution"] = G.graph.get("attribution", "")
    return out


# --------------------------------------------------------------------------------------
# Shares of zones: a grid of cells, each timed from its centre
# --------------------------------------------------------------------------------------
def _cells(zones_m: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Centres of a ``cell_m`` grid inside each zone: xy and the zone of each."""
    xs, zs = [], []
    for z, geom in enumerate(zones_m):
        if geom is None or geom.is_empty:
            continue
        minx, miny, maxx, maxy = geom.bounds
        gx = np.arange(math.floor(minx / cell_m) * cell_m + cell_m / 2, maxx, cell_m)
        gy = np.arange(math.floor(miny / cell_m) * cell_m + cell_m / 2, maxy, cell_m)
        X, Y = np.meshgrid(gx, gy)
        X, Y = X.ravel(), Y.ravel()
        inside = shapely.contains_xy(geom, X, Y)
        xs.append(np.column_stack([X[inside], Y[inside]]))
        zs.append(np.full(int(inside.sum()), z))
    if not xs:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    return np.concatenate(xs), np.concatenate(zs)


def _zone_labels(zones: gpd.GeoDataFrame, zone_col: str | None) -> np.ndarray:
    if zone_col is None:
        zone_col = next((c for c in ("name_zh", "key", "name") if c in zones.columns), None)
    elif zone_col not in zones.columns:
        raise InputError(f"zones have no column {zone_col!r}")
    return zones[zone_col].to_numpy() if zone_col else zones.index.to_numpy()


def _shares(
    zones: gpd.GeoDataFrame,
    *,
    zone_col: str | None,
    bands: list[float],
    cell_m: float,
    time_of: Any,
    resources: Any,
    resources_col: str | None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per zone and band: shares of area (cells) and resources whose time is <= the band."""
    from ._validate import check_geometries

    if not isinstance(zones, gpd.GeoDataFrame):
        raise InputError(f"zones must be a GeoDataFrame of polygons, got {type(zones).__name__}")
    check_geometries(zones, "zones", types=("Polygon", "MultiPolygon"))
    if not (math.isfinite(cell_m) and cell_m > 0):
        raise InputError(f"cell_m must be a positive number of metres, got {cell_m!r}")
    labels = _zone_labels(zones, zone_col)
    geoms = metric_geometries(zones)
    area = shapely.area(geoms)
    xy, zone_of = _cells(geoms, cell_m)
    cells = gpd.GeoSeries(shapely.points(xy), crs=ANALYSIS_CRS)
    ct = time_of(cells) if len(xy) else None
    c_min = ct["travel_time_min"].to_numpy() if ct is not None else np.zeros(0)
    summary = {
        "cells": _summary(
            np.isfinite(c_min),
            ct["reason"].to_numpy() if ct is not None else np.zeros(0, dtype=object),
        )
    }
    if resources is not None:
        from ._points import metric_points

        pts = metric_points(resources, weight=resources_col, what="resources")
        values = pts.data["__weight__"]
        tree = shapely.STRtree(geoms)
        pi, zi = tree.query(shapely.points(pts.x, pts.y), predicate="within")
        rt = (
            time_of(gpd.GeoSeries(shapely.points(pts.x[pi], pts.y[pi]), crs=ANALYSIS_CRS))
            if len(pi)
            else None
        )
        r_min = rt["travel_time_min"].to_numpy() if rt is not None else np.zeros(0)
        summary["resources"] = _summary(
            np.isfinite(r_min),
            rt["reason"].to_numpy() if rt is not None else np.zeros(0, dtype=object),
        )
        summary["resources"]["outside_every_zone"] = int(len(values) - len(np.unique(pi)))
    rows = []
    for z, label in enumerate(labels):
        mine = zone_of == z
        n_cells = int(mine.sum())
        for band in bands:
            within = int((c_min[mine] <= band).sum())
            share = within / n_cells if n_cells else np.nan
            row = {
                "zone": label,
                "minutes": band,
                "area_km2": area[z] / 1e6,
                "area_within_km2": area[z] / 1e6 * share if n_cells else np.nan,
                "area_share": share,
                "n_cells": n_cells,
                "cells_not_routed": int((~np.isfinite(c_min[mine])).sum()),
            }
            if resources is not None:
                here = zi == z
                total = float(values[pi[here]].sum())
                inside = float(values[pi[here]][r_min[here] <= band].sum())
                count = resources_col is None
                row["resources"] = int(total) if count else total
                row["resources_within"] = int(inside) if count else inside
                row["resources_share"] = inside / total if total > 0 else np.nan
                row["resources_not_routed"] = int((~np.isfinite(r_min[here])).sum())
            rows.append(row)
    return pd.DataFrame(rows), summary


def catchment_coverage(
    G: nx.MultiDiGraph,
    zones: gpd.GeoDataFrame,
    *,
    cutoffs: Sequence[float] = (5, 10, 15),
    cell_m: float = 100.0,
    resources: Any = None,
    resources_col: str | None = None,
    zone_col: str | None = None,
    max_distance: float = 500.0,
    max_walk_m: float = 5000.0,
    barriers: Any = "auto",
    layout: Any = None,
) -> pd.DataFrame:
    """Share of each zone's area and resources within a walk of 5, 10, 15 min of a station.

    The walking time of a place is that of its walk to the nearest station entrance
    (on the streets, or straight x ``detour``).  The area share is measured on a
    ``cell_m`` grid: the share of the zone's cell centres within the band (the error
    is of the order of one cell along the catchment's edge).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        From :func:`corridor_geo.network.multimodal_graph`.
    zones : GeoDataFrame
        Polygons with a CRS: ``layout.cities``, ``layout.districts``...
    cutoffs : sequence of float
        Walking bands, minutes (default 5, 10, 15).
    cell_m : float
        Grid spacing for the area shares, metres (default 100).
    resources : ResourceTable, GeoDataFrame, optional
        Points counted (or summed over ``resources_col``) within each band.
    zone_col : str, optional
        Zone label column; ``name_zh``, ``key`` or the index by default.
    max_distance, max_walk_m, barriers, layout
        See :func:`transit_time_to_axis`.

    Returns
    -------
    DataFrame
        One row per zone and band: ``zone``, ``minutes``, ``area_km2``,
        ``area_within_km2``, ``area_share``, ``n_cells``, ``cells_not_routed`` and,
        with resources, ``resources``, ``resources_within``, ``resources_share``,
        ``resources_not_routed``.  ``attrs["summary"]`` counts what could not be
        routed, with the reasons.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> from corridor_geo.network import multimodal_graph
    >>> layout = load_layout()
    >>> cov = catchment_coverage(multimodal_graph(), layout.cities, layout=layout,
    ...                          cutoffs=[10], cell_m=250)
    >>> cov["zone"].tolist()
    ['海洋科技城', '青年科创城', '数智产业城']
    >>> bool((cov["area_share"] > 0).all() and (cov["area_share"] < 1).all())
    True
    """
    bands = _check_bands(cutoffs, "cutoffs")
    net = _net(G)
    bars = resolve_barriers(barriers, layout)

    def time_of(points: Any) -> pd.DataFrame:
        legs = _legs(
            net,
            points,
            max_distance=max_distance,
            max_walk_m=max_walk_m,
            barriers=bars,
            what="points",
        )
        if net.straight:
            dist = np.full(len(net.eng.nodes), np.inf)
            dist[net.stations] = 0.0
        else:
            weng = net.walk_engine()
            linked = [weng.index[net.eng.nodes[p]] for p in net.stations]
            wd, _ = weng.distances(linked, reverse=True, min_only=True)
            dist = np.full(len(net.eng.nodes), np.inf)
            dist[[net.eng.index[n] for n in weng.nodes]] = wd
        best, _ = _best(len(legs.xy), legs, dist)
        reason = legs.reason.copy()
        reason[(reason == "") & ~np.isfinite(best)] = "no walk to a station"
        return pd.DataFrame({"travel_time_min": best / 60.0, "reason": reason})

    out, summary = _shares(
        zones,
        zone_col=zone_col,
        bands=bands,
        cell_m=cell_m,
        time_of=time_of,
        resources=resources,
        resources_col=resources_col,
    )
    out.attrs["summary"] = summary
    out.attrs["attribution"] = G.graph.get("attribution", "")
    return out


def transit_access_by_city(
    layout: Any = None,
    *,
    cutoffs: Sequence[float] = (15, 30),
    G: nx.MultiDiGraph | None = None,
    target: str = "stations",
    resources: Any = None,
    resources_col: str | None = None,
    cell_m: float = 100.0,
    station_m: float = 500.0,
    max_distance: float = 500.0,
    max_walk_m: float = 5000.0,
    barriers: Any = "auto",
) -> pd.DataFrame:
    """Share of each city's area and resources within T minutes of the avenue by metro and walk.

    Every place in each of the three cities (a ``cell_m`` grid) and every resource is
    timed with :func:`transit_time_to_axis`; a place counts when its time is at most the
    band.  One call answers "which share of 海洋科技城 is within 30 minutes of Binhai
    Avenue by metro and walking, and how does it change between 20 and 40 minutes?".

    Parameters
    ----------
    layout : CorridorLayout, optional
        The cities and the axis; the bundled layout by default.
    cutoffs : sequence of float
        The bands, minutes (default 15 and 30).
    G : networkx.MultiDiGraph, optional
        A graph from :func:`corridor_geo.network.multimodal_graph`; by default the
        bundled metro with straight-line walking (``multimodal_graph()``: 4.8 km/h,
        detour 1.3, half-headway waits, 2 minutes street to platform, 3 minutes per
        change).  Pass one built on an OpenStreetMap street graph for real walks.
    target : {"stations", "axis"}
        What counts as reaching the avenue (see :func:`transit_time_to_axis`).
    resources : ResourceTable, GeoDataFrame, optional
        Points counted (or summed over ``resources_col``) in each city.
    cell_m : float
        Grid spacing for the area shares, metres (default 100).
    station_m, max_distance, max_walk_m, barriers
        See :func:`transit_time_to_axis`.

    Returns
    -------
    DataFrame
        One row per city and band: ``city`` (Chinese name), ``city_en``, ``minutes``,
        ``area_km2``, ``area_within_km2``, ``area_share``, ``n_cells``,
        ``cells_not_routed`` and, with resources, ``resources``,
        ``resources_within``, ``resources_share`` and ``resources_not_routed``.
        ``attrs``: ``summary`` (what could not be routed, with reasons), ``targets``,
        ``network`` (the walking model and its parameters), ``network_parameters``
        (the same as a dict: ``walking`` ``"straight"`` or ``"streets"``, ``detour``,
        ``walk_kph``, ``wait_factor``, ``station_min``, ``transfer_min``) and
        ``attribution`` (the metro data's credit, CC BY 4.0).

    Examples
    --------
    >>> t = transit_access_by_city(cutoffs=[20, 30, 40], cell_m=250)
    >>> ocean = t[t["city"] == "海洋科技城"]
    >>> ocean["minutes"].tolist()
    [20.0, 30.0, 40.0]
    >>> bool(ocean["area_share"].is_monotonic_increasing)
    True
    """
    layout = default_layout(layout)
    bands = _check_bands(cutoffs, "cutoffs")
    if G is None:
        from .network import multimodal_graph

        G = multimodal_graph()
    net = _net(G)
    bars = resolve_barriers(barriers, layout)
    targets_how: list[str] = []

    def time_of(points: Any) -> pd.DataFrame:
        t = transit_time_to_axis(
            points,
            G,
            layout=layout,
            target=target,
            station_m=station_m,
            max_distance=max_distance,
            max_walk_m=max_walk_m,
            barriers=bars,
        )
        targets_how.append(t.attrs["targets"])
        return t

    cities = layout.cities
    out, summary = _shares(
        cities,
        zone_col="name_zh",
        bands=bands,
        cell_m=cell_m,
        time_of=time_of,
        resources=resources,
        resources_col=resources_col,
    )
    out = out.rename(columns={"zone": "city"})
    out.insert(1, "city_en", out["city"].map(dict(zip(cities["name_zh"], cities["name_en"]))))
    out.attrs["summary"] = summary
    out.attrs["targets"] = targets_how[0] if targets_how else ""
    g = net.G.graph
    walking = f"in straight lines x {g['detour']:g}" if net.straight else "on streets"
    out.attrs["network_parameters"] = {  # the same, for text in other languages
        "walking": "straight" if net.straight else "streets",
        **{k: float(g[k]) for k in ("detour", "walk_kph", "wait_factor")},
        **{k: float(g[k]) for k in ("station_min", "transfer_min")},
    }
    out.attrs["network"] = (
        f"walking {walking}"
        f" at {g['walk_kph']:g} km/h; waits {g['wait_factor']:g} x headway; "
        f"{g['station_min']:g} min street to platform; {g['transfer_min']:g} min per change"
    )
    out.attrs["attribution"] = g.get("attribution", "")
    return out
