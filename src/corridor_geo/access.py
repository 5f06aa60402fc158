"""Fast, exact routing: travel time to the axis, travel time matrices, isochrones, 2SFCA.

Routing runs on an engine built once per graph (:func:`routing_engine`): the graph's
edges as a compressed sparse row matrix (the cheapest of parallel edges kept, as
networkx does), searched with :func:`scipy.sparse.csgraph.dijkstra` with distance
limits.  The engine is cached with the graph (weakly: it goes when the graph goes) and
rebuilt when nodes are added or removed or node pairs gain or lose their edges; after
changing edge *weights* or adding parallel edges in place, pass ``rebuild=True``.
Results equal networkx's Dijkstra on the same graph (tested on random graphs).

Points are snapped to nodes with :func:`corridor_geo.network.nearest_nodes`: a point
farther than ``max_distance`` from the network, or only reachable across water, is
reported, never snapped.  Travel times are network times from the snapped node; the
snapping distance is reported beside them.  Unreachable pairs are ``inf``, never
dropped.

Units: with ``edge_weight="travel_time"`` (seconds on the edges) times are reported and
cutoffs given in **minutes**; with ``edge_weight="length"`` in **metres**.

Vocabulary: ``edge_weight`` names the graph cost (``weight`` is a point column elsewhere
in the library), ``cutoff``/``cutoffs`` are limits in the unit of the edge weight,
``barriers="auto"`` (the default everywhere) is the sea of the layout (the bundled one
unless ``layout=`` names another), so no point is snapped across Jiaozhou Bay.  The old
names (``weight=``, ``minutes=``, ``threshold=``, a positional layout) keep working for one
release, with a FutureWarning.
"""

from __future__ import annotations

import logging
import math
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
import shapely.ops
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from ._compat import keyword_only, renamed_keywords
from ._errors import InputError
from ._graph import (
    GraphGeo,
    graph_geo,
    graph_signature,
    oriented,
    points_in_crs,
    snap_to_nodes,
)
from ._points import frame_of
from ._routing import check_limit, default_layout, read_cost, resolve_barriers
from ._text import counts_text, listing
from .crs import ANALYSIS_CRS, WGS84, to_crs

__all__ = [
    "RoutingEngine",
    "axis_access_nodes",
    "gaussian_decay",
    "isochrones",
    "network_coverage",
    "routing_engine",
    "step_decay",
    "time_to_axis",
    "travel_time_matrix",
    "two_step_fca",
]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------
@dataclass(eq=False)
class RoutingEngine:
    """A graph compiled for shortest paths (build it with :func:`routing_engine`).

    Attributes
    ----------
    nodes : list
        Node labels; position ``i`` in every array is ``nodes[i]``.
    index : dict
        Node label to position.
    matrix : scipy.sparse.csr_matrix
        ``matrix[i, j]`` is the cheapest edge weight from ``nodes[i]`` to ``nodes[j]``
        (explicit zeros are zero-weight edges).
    weight : str
        The edge attribute used.
    """

    nodes: list[Any]
    index: dict[Any, int]
    matrix: sp.csr_matrix
    weight: str
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_w: np.ndarray
    geo: GraphGeo
    signature: tuple[int, int]
    _graph: Any = field(repr=False, default=None)
    _transposed: sp.csr_matrix | None = field(default=None, repr=False)
    _edge_lines: np.ndarray | None = field(default=None, repr=False)
    _axis_cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def transposed(self) -> sp.csr_matrix:
        """The reversed graph (for travel *to* a set of nodes)."""
        if self._transposed is None:
            self._transposed = self.matrix.T.tocsr()
        return self._transposed

    def distances(
        self,
        sources: Sequence[int] | np.ndarray,
        *,
        limit: float = np.inf,
        reverse: bool = False,
        min_only: bool = False,
    ) -> Any:
        """Shortest-path costs from node positions (or to them with ``reverse=True``).

        Parameters
        ----------
        sources : sequence of int
            Node positions (see :attr:`index`).
        limit : float
            Stop searching beyond this cost (raw edge units); farther nodes get inf.
        reverse : bool
            Costs *to* the sources instead of from them.
        min_only : bool
            One row: the cost to (from) the nearest source, plus the position of that
            source for every node (-1 when unreachable), returned as a tuple.

        Returns
        -------
        numpy.ndarray, or (numpy.ndarray, numpy.ndarray) with ``min_only``
            ``len(sources) x n_nodes`` costs; inf where unreachable.
        """
        src = np.asarray(sources, dtype=np.int64)
        graph = self.transposed if reverse else self.matrix
        if len(src) == 0:
            if min_only:
                n = len(self.nodes)
                return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
            return np.empty((0, len(self.nodes)))
        if min_only:
            dist, _, source = dijkstra(
                graph,
                directed=True,
                indices=src,
                limit=limit,
                min_only=True,
                return_predecessors=True,
            )
            source = source.astype(np.int64)
            source[source < 0] = -1  # scipy marks unreachable nodes with -9999
            return dist, source
        return dijkstra(graph, directed=True, indices=src, limit=limit)

    def edge_lines(self) -> np.ndarray:
        """Every edge as a LineString in the graph's metric CRS (cached)."""
        if self._edge_lines is None:
            self._edge_lines = _edge_lines(self)
        return self._edge_lines


_ENGINES: weakref.WeakKeyDictionary[Any, dict[str, RoutingEngine]] = weakref.WeakKeyDictionary()


@renamed_keywords(weight="edge_weight")
def routing_engine(
    G: nx.MultiDiGraph, *, edge_weight: str = "travel_time", rebuild: bool = False
) -> RoutingEngine:
    """The routing engine of a graph for one edge weight: built once, then cached.

    Parameters
    ----------
    G : networkx.MultiDiGraph (or DiGraph; an undirected graph counts every edge
        both ways)
        With ``G.graph["crs"]`` and node ``x``/``y``.
    edge_weight : str
        Edge attribute to minimise, e.g. ``"travel_time"`` (s) or ``"length"`` (m).
        Every edge needs it, finite and non-negative (formerly ``weight``).
    rebuild : bool
        Rebuild even if a cached engine exists (after changing weights in place).

    Raises
    ------
    InputError
        If edges lack the weight (with a hint for travel times) or have negative or
        non-finite values.

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4549")
    >>> G.add_node(1, x=500000.0, y=4000000.0); G.add_node(2, x=500100.0, y=4000000.0)
    >>> G.add_edge(1, 2, travel_time=30.0); G.add_edge(1, 2, travel_time=20.0)
    0
    1
    >>> eng = routing_engine(G)
    >>> eng.distances([eng.index[1]]).tolist()
    [[0.0, 20.0]]
    >>> routing_engine(G) is eng
    True
    """
    weight = edge_weight
    cache = _ENGINES.get(G)
    signature = graph_signature(G)
    if cache is not None and not rebuild:
        eng = cache.get(weight)
        if eng is not None and eng.signature == signature:
            return eng
    geo = graph_geo(G)
    index = geo.index
    n = len(geo.nodes)
    u, v, raw = _edge_arrays(G, index, weight)
    m = len(raw)
    missing = [i for i, w in enumerate(raw) if w is None]
    if missing:
        hint = (
            " (add travel times with corridor_geo.network.add_travel_times(G))"
            if weight == "travel_time"
            else ""
        )
        examples = [(geo.nodes[u[i]], geo.nodes[v[i]]) for i in missing[:3]]
        raise InputError(
            f"{len(missing)} of {m} edges have no {weight!r} attribute, e.g. {examples}{hint}"
        )
    try:
        w = np.asarray(raw, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"edge attribute {weight!r} must be numeric: {exc}") from exc
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{int(bad.sum())} edges have a negative or non-finite {weight!r}, e.g. edge "
            f"{(geo.nodes[u[i]], geo.nodes[v[i]])} = {w[i]}: shortest paths need "
            "non-negative costs"
        )
    matrix = _csr_min(u, v, w, n)
    eng = RoutingEngine(
        nodes=geo.nodes,
        index=index,
        matrix=matrix,
        weight=weight,
        edge_u=u,
        edge_v=v,
        edge_w=w,
        geo=geo,
        signature=signature,
        _graph=weakref.ref(G),
    )
    _ENGINES.setdefault(G, {})[weight] = eng
    return eng


def _edge_arrays(
    G: nx.MultiDiGraph, index: dict[Any, int], attr: str
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Node positions of every edge's ends and its ``attr`` (None when missing).

    In ``G.edges`` order, then, for an undirected graph, every edge again reversed.  A
    directed graph is walked through its adjacency dictionaries directly: ``G.edges``
    walks the edges twice (once to count them), through a view per edge, three times
    slower on a million edges.
    """
    adj = getattr(G, "_succ", None) if G.is_directed() else None
    if adj is None:
        edges = list(G.edges(data=attr))
        if not G.is_directed():
            edges += [(b, a, x) for a, b, x in edges]
        m = len(edges)
        u = np.fromiter((index[e[0]] for e in edges), dtype=np.int64, count=m)
        v = np.fromiter((index[e[1]] for e in edges), dtype=np.int64, count=m)
        return u, v, [e[2] for e in edges]
    us: list[int] = []
    vs: list[int] = []
    raw: list[Any] = []
    multi = G.is_multigraph()
    for a, nbrs in adj.items():
        ia = index[a]
        for b, data in nbrs.items():
            ib = index[b]
            if multi:
                for d in data.values():
                    us.append(ia)
                    vs.append(ib)
                    raw.append(d.get(attr))
            else:
                us.append(ia)
                vs.append(ib)
                raw.append(data.get(attr))
    return np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64), raw


def _csr_min(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> sp.csr_matrix:
    """CSR matrix of the cheapest edge per (u, v); self-loops dropped, zeros kept."""
    keep = u != v
    u, v, w = u[keep], v[keep], w[keep]
    # One int64 key per node pair, sorted stably (edges come grouped by u already),
    # and the cheapest weight of each run: three times faster than a three-key lexsort.
    key = u * n + v
    order = np.argsort(key, kind="stable")
    key, w = key[order], w[order]
    start = np.ones(len(key), dtype=bool)
    start[1:] = key[1:] != key[:-1]
    first = np.flatnonzero(start)
    w = np.minimum.reduceat(w, first) if len(first) else w[:0]
    u, v = np.divmod(key[first], n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    # Built directly (not from COO) so that explicit zeros stay edges.
    return sp.csr_matrix((w, v, indptr), shape=(n, n))


def _edge_lines(eng: RoutingEngine) -> np.ndarray:
    G = eng._graph() if eng._graph is not None else None
    if G is None:
        raise InputError("the graph of this engine no longer exists")
    geo = eng.geo
    # Straight lines between the end nodes, all at once; edges carrying a geometry
    # (OSMnx-simplified ways) replace theirs below.  The engine's edge arrays are in
    # G.edges order (then reversed, for an undirected graph).
    u, v = eng.edge_u, eng.edge_v
    lines = shapely.linestrings(np.stack([geo.xy[u], geo.xy[v]], axis=1))
    _, _, geoms = _edge_arrays(G, geo.index, "geometry")
    own = [i for i, g in enumerate(geoms) if isinstance(g, shapely.LineString) and not g.is_empty]
    if own:
        to_metric = None
        if not geo.crs.equals(geo.metric_crs):
            to_metric = Transformer.from_crs(geo.crs, geo.metric_crs, always_xy=True)
        n_fwd = len(geoms) // 2 if not G.is_directed() else len(geoms)
        for i in own:
            if i >= n_fwd:
                continue  # the reversed copy of an undirected edge: set with its twin
            xy = shapely.get_coordinates(geoms[i])
            if to_metric is not None:
                xy = np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1]))
            # From node u to node v: an undirected graph may store it the other way.
            lines[i] = oriented(shapely.LineString(xy), geo.xy[u[i]], geo.xy[v[i]])
            if n_fwd < len(geoms):
                lines[i + n_fwd] = shapely.reverse(lines[i])
    return np.asarray(lines, dtype=object)


# --------------------------------------------------------------------------------------
# Units and snapping
# --------------------------------------------------------------------------------------
def _unit(weight: str) -> tuple[str, float]:
    """Output column name and the factor from output units to raw edge units."""
    if weight == "travel_time":
        return "travel_time_min", 60.0
    if weight == "length":
        return "distance_m", 1.0
    return weight, 1.0


def _snap(
    points: Any,
    G: nx.MultiDiGraph,
    eng: RoutingEngine,
    *,
    max_distance: float,
    barriers: Any,
    what: str,
) -> tuple[pd.DataFrame, np.ndarray]:
    snapped = snap_to_nodes(points, eng.geo, max_distance=max_distance, barriers=barriers)
    pos = np.array(
        [eng.index[n] if ok else -1 for n, ok in zip(snapped["node"], snapped["snapped"])],
        dtype=np.int64,
    )
    if len(pos) and (pos < 0).all():
        geo = eng.geo
        lo, hi = geo.lonlat.min(axis=0), geo.lonlat.max(axis=0)
        raise InputError(
            f"none of the {len(pos)} {what} could be snapped to the network "
            f"({counts_text(snapped['reason'].value_counts())}); the network spans lon "
            f"{lo[0]:.3f} to {hi[0]:.3f}, lat {lo[1]:.3f} to {hi[1]:.3f}: check that both "
            "cover the same area and that their CRS/datum labels are right (Amap data "
            "is GCJ-02)"
        )
    return snapped, pos


_layout = default_layout
_barriers = resolve_barriers
_limit = check_limit


# --------------------------------------------------------------------------------------
# Travel time to the axis
# --------------------------------------------------------------------------------------
def _axis_access_nodes(
    eng: RoutingEngine,
    G: nx.MultiDiGraph,
    layout: Any,
    *,
    access_m: float,
    names: Sequence[str],
    search_m: float,
) -> tuple[np.ndarray, np.ndarray, str]:
    from ._linref import Segments
    from .axis import axis_line

    line = axis_line(layout)
    key = (line.wkb, float(access_m), tuple(names), float(search_m))
    cached = eng._axis_cache.get(key)
    if cached is not None:
        return cached
    segs = Segments(line)
    geo = eng.geo
    if not geo.metric_crs.equals(ANALYSIS_CRS):
        tr = Transformer.from_crs(geo.metric_crs, ANALYSIS_CRS, always_xy=True)
        xy = np.column_stack(tr.transform(geo.xy[:, 0], geo.xy[:, 1]))
    else:
        xy = geo.xy
    proj = segs.project(xy[:, 0], xy[:, 1])
    near_axis = proj["distance_m"] <= search_m
    named = np.zeros(len(eng.nodes), dtype=bool)
    if names:
        # A node near the axis is named when any edge into or out of it is: only those
        # nodes' own edges are read, not every edge of the graph.
        memo: dict[Any, bool] = {}

        def matches(name: Any) -> bool:
            key = tuple(name) if isinstance(name, list) else name
            try:
                hit = memo.get(key)
            except TypeError:  # an unhashable attribute value: no memo
                key, hit = None, None
            if hit is None:
                text = " ".join(name) if isinstance(name, (list, tuple)) else str(name or "")
                hit = any(k in text for k in names)
                if key is not None:
                    memo[key] = hit
            return hit

        multi = G.is_multigraph()
        sides = (G._succ, G._pred) if G.is_directed() else (G._adj,)
        for i in np.flatnonzero(near_axis):
            node = geo.nodes[i]
            named[i] = any(
                matches(d.get("name"))
                for side in sides
                for data in side[node].values()
                for d in (data.values() if multi else (data,))
            )
    chosen = named & near_axis
    how = f"nodes of roads named {' / '.join(names)} within {search_m:g} m of the axis"
    if not chosen.any():
        chosen = proj["distance_m"] <= access_m
        how = f"nodes within {access_m:g} m of the axis"
    if not chosen.any():
        raise InputError(
            f"no node of the network lies within {access_m:g} m of the axis: the network "
            "does not reach Binhai Avenue (or is in the wrong place); raise access_m or "
            "check the network's extent"
        )
    positions = np.flatnonzero(chosen)
    result = (positions, proj["along_m"][positions] / 1000.0, how)
    eng._axis_cache[key] = result
    return result


def axis_access_nodes(
    G: nx.MultiDiGraph,
    *,
    layout: Any = None,
    edge_weight: str = "travel_time",
    access_m: float = 300.0,
    axis_names: Sequence[str] = ("滨海大道", "Binhai Avenue"),
    search_m: float = 2000.0,
) -> pd.DataFrame:
    """The nodes of a graph that count as Binhai Avenue (the targets of :func:`time_to_axis`).

    The nodes of edges named one of ``axis_names`` within ``search_m`` of the layout's
    axis when the graph has such names; otherwise every node within ``access_m`` of the
    axis.  Cached with the graph's routing engine.

    Returns
    -------
    DataFrame
        ``node`` and ``chainage_km`` (km from the axis's south end), one row per node;
        ``attrs["how"]`` says which rule chose them.

    Raises
    ------
    InputError
        If no node lies within ``access_m`` of the axis.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> from corridor_geo.network import schematic_network
    >>> layout = load_layout()
    >>> nodes = axis_access_nodes(schematic_network(layout), layout=layout)
    >>> nodes.attrs["how"].startswith("nodes of roads named 滨海大道")
    True
    >>> float(nodes["chainage_km"].min()), round(float(nodes["chainage_km"].max()), 2)
    (0.0, 53.24)
    """
    lay = _layout(layout)
    eng = routing_engine(G, edge_weight=edge_weight)
    positions, chain, how = _axis_access_nodes(
        eng, G, lay, access_m=access_m, names=tuple(axis_names), search_m=search_m
    )
    out = pd.DataFrame(
        {
            "node": pd.Series([eng.nodes[p] for p in positions], dtype=object),
            "chainage_km": chain,
        }
    )
    out.attrs["how"] = how
    return out


@renamed_keywords(weight="edge_weight")
@keyword_only("layout")
def time_to_axis(
    points: Any,
    G: nx.MultiDiGraph,
    *,
    layout: Any = None,
    edge_weight: str = "travel_time",
    max_distance: float = 500.0,
    barriers: Any = "auto",
    access_m: float = 300.0,
    axis_names: Sequence[str] = ("滨海大道", "Binhai Avenue"),
    search_m: float = 2000.0,
) -> pd.DataFrame:
    """Network travel time from each point to the nearest access node of Binhai Avenue.

    Access nodes are the nodes of roads named 滨海大道 (``axis_names``) within
    ``search_m`` of the layout's axis when the graph has such names (OpenStreetMap
    extracts and the schematic network do); otherwise every node within ``access_m``
    of the axis.  One search from all access nodes at once on the reversed graph gives
    every node's time to its nearest one.

    Parameters
    ----------
    points : ResourceTable, GeoDataFrame or GeoSeries
        Points with a CRS.
    G : networkx.MultiDiGraph
        A road graph (e.g. :func:`~corridor_geo.network.graph_from_osm` or
        :func:`~corridor_geo.network.schematic_network`).
    layout : CorridorLayout or axis layer, optional
        Gives the axis (and the sea used as a snapping barrier); the bundled layout by
        default.
    edge_weight : str
        Edge attribute to minimise: ``"travel_time"`` (minutes out) or ``"length"``
        (metres out).  Formerly ``weight``.
    max_distance : float
        Snapping limit, metres (see :func:`~corridor_geo.network.nearest_nodes`).
    barriers : "auto", None, GeoDataFrame or GeoSeries
        Water a snap must not cross; ``"auto"``: the sea around Qingdao from the
        layout (:func:`~corridor_geo.network.sea_from_layout`).
    access_m, axis_names, search_m : see above.

    Returns
    -------
    DataFrame
        Aligned to ``points``: ``travel_time_min`` (or ``distance_m``; inf when the
        axis cannot be reached), ``access_node``, ``access_chainage_km`` (chainage of
        that node), ``node``, ``snap_distance_m``, ``reachable`` and ``reason``
        (``""``, ``"beyond max_distance"``, ``"across water"`` or ``"no path to
        the axis (disconnected)"``).  ``attrs["access_nodes"]`` says how access
        nodes were chosen.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from corridor_geo import load_layout
    >>> from corridor_geo.network import schematic_network
    >>> layout = load_layout()
    >>> G = schematic_network(layout)
    >>> lab = gpd.GeoSeries([shapely.Point(120.49, 36.17)], crs="EPSG:4326")
    >>> out = time_to_axis(lab, G, layout=layout)
    >>> bool(out["reachable"].iloc[0]), bool(0 < out["travel_time_min"].iloc[0] < 10)
    (True, True)
    """
    layout = _layout(layout)
    index = frame_of(points).index
    eng = routing_engine(G, edge_weight=edge_weight)
    column, factor = _unit(edge_weight)
    sources, chain, how = _axis_access_nodes(
        eng, G, layout, access_m=access_m, names=tuple(axis_names), search_m=search_m
    )
    chain_of = dict(zip(sources.tolist(), chain.tolist()))
    snapped, pos = _snap(
        points,
        G,
        eng,
        max_distance=max_distance,
        barriers=_barriers(barriers, layout),
        what="points",
    )
    dist, src = eng.distances(sources, reverse=True, min_only=True)
    value = np.full(len(pos), np.inf)
    access = np.full(len(pos), -1, dtype=np.int64)
    ok = pos >= 0
    value[ok] = dist[pos[ok]] / factor
    access[ok] = src[pos[ok]]
    reachable = np.isfinite(value)
    reason = snapped["reason"].to_numpy(dtype=object).copy()
    reason[ok & ~reachable] = "no path to the axis (disconnected)"
    out = pd.DataFrame(
        {
            column: value,
            "access_node": pd.Series(
                [eng.nodes[a] if a >= 0 else None for a in access], dtype=object
            ).to_numpy(),
            "access_chainage_km": [chain_of.get(int(a), np.nan) for a in access],
            "node": snapped["node"].to_numpy(),
            "snap_distance_m": snapped["snap_distance_m"].to_numpy(),
            "reachable": reachable,
            "reason": reason.astype(str),
        },
        index=index,
    )
    out.attrs["access_nodes"] = f"{len(sources)} {how}"
    n_bad = int((~reachable).sum())
    if n_bad:
        log.info("time_to_axis: %d of %d points cannot reach the axis", n_bad, len(out))
    return out


# --------------------------------------------------------------------------------------
# Travel time matrices
# --------------------------------------------------------------------------------------
def _cost_block(
    eng: RoutingEngine, o_pos: np.ndarray, d_pos: np.ndarray, limit: float
) -> np.ndarray:
    """Costs between every valid origin and destination position (inf where invalid)."""
    out = np.full((len(o_pos), len(d_pos)), np.inf)
    ov, dv = o_pos >= 0, d_pos >= 0
    uo, o_inv = np.unique(o_pos[ov], return_inverse=True)
    ud, d_inv = np.unique(d_pos[dv], return_inverse=True)
    if len(uo) == 0 or len(ud) == 0:
        return out
    if len(ud) <= len(uo):
        block = eng.distances(ud, limit=limit, reverse=True)[:, uo].T
    else:
        block = eng.distances(uo, limit=limit)[:, ud]
    if np.isfinite(limit):
        block = np.where(block <= limit, block, np.inf)
    out[np.ix_(np.flatnonzero(ov), np.flatnonzero(dv))] = block[np.ix_(o_inv, d_inv)]
    return out


@renamed_keywords(weight="edge_weight")
def travel_time_matrix(
    origins: Any,
    destinations: Any,
    G: nx.MultiDiGraph,
    *,
    cutoff: float | None = None,
    edge_weight: str = "travel_time",
    output: str = "long",
    max_distance: float = 500.0,
    barriers: Any = "auto",
    layout: Any = None,
) -> pd.DataFrame:
    """Network travel times between every origin and every destination.

    The engine searches from whichever side has fewer distinct nodes (from the
    destinations on the reversed graph when they are fewer), once per node.

    Parameters
    ----------
    origins, destinations : ResourceTable, GeoDataFrame or GeoSeries
        Points with a CRS.
    G : networkx.MultiDiGraph
    cutoff : float, optional
        Longest cost searched, in the output unit of ``edge_weight`` (minutes for
        ``"travel_time"``, metres for ``"length"``): pairs beyond it are reported as
        inf with reason ``"beyond cutoff"``.
    edge_weight : str
        ``"travel_time"`` or ``"length"`` (formerly ``weight``).
    output : {"long", "wide"}
        ``long``: one row per pair with ``origin``, ``destination``, the time
        (``travel_time_min`` or ``distance_m``), ``reachable`` and ``reason``;
        ``wide``: origins as rows, destinations as columns.
    max_distance, barriers
        Snapping (see :func:`~corridor_geo.network.nearest_nodes`); ``barriers="auto"``
        (the default, as in :func:`time_to_axis`) is the sea of ``layout``.
    layout : CorridorLayout, optional
        Whose sea ``barriers="auto"`` means; the bundled layout by default.

    Returns
    -------
    DataFrame
        Every pair present; unreachable pairs are inf, never dropped.  ``attrs``
        records the snapping reports of origins and destinations:
        ``origins_not_snapped``, ``destinations_not_snapped``, ``unreachable_pairs``,
        and ``origin_reasons`` / ``destination_reasons`` (label -> reason, for the
        points not snapped), which :mod:`corridor_geo.measures` reads from a wide
        matrix.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> G = nx.MultiDiGraph(crs="EPSG:4549")
    >>> for n, x in enumerate([0.0, 1000.0, 2000.0]):
    ...     G.add_node(n, x=500000 + x, y=4000000.0)
    >>> G.add_edge(0, 1, travel_time=60.0); G.add_edge(1, 2, travel_time=120.0)
    0
    0
    >>> pts = gpd.GeoSeries(shapely.points([[500000, 4000000], [502000, 4000000]]),
    ...                     crs="EPSG:4549")
    >>> travel_time_matrix(pts, pts, G, output="wide").to_numpy().tolist()
    [[0.0, 3.0], [inf, 0.0]]
    """
    if output not in ("long", "wide"):
        raise InputError(f"output must be 'long' or 'wide', got {output!r}")
    barriers = _barriers(barriers, layout)
    o_index = frame_of(origins, "origins").index
    d_index = frame_of(destinations, "destinations").index
    eng = routing_engine(G, edge_weight=edge_weight)
    column, factor = _unit(edge_weight)
    limit = _limit(cutoff, factor)
    o_snap, o_pos = _snap(
        origins, G, eng, max_distance=max_distance, barriers=barriers, what="origins"
    )
    d_snap, d_pos = _snap(
        destinations, G, eng, max_distance=max_distance, barriers=barriers, what="destinations"
    )
    cost = _cost_block(eng, o_pos, d_pos, limit) / factor
    if output == "wide":
        out = pd.DataFrame(cost, index=o_index, columns=d_index)
    else:
        n_o, n_d = cost.shape
        reason = np.full((n_o, n_d), "", dtype=object)
        reason[~np.isfinite(cost)] = (
            "beyond cutoff (or no path)" if cutoff is not None else "no path (disconnected)"
        )
        o_reason = o_snap["reason"].to_numpy(dtype=object)
        d_reason = d_snap["reason"].to_numpy(dtype=object)
        for i in np.flatnonzero(o_pos < 0):
            reason[i, :] = f"origin {o_reason[i]}"
        for j in np.flatnonzero(d_pos < 0):
            reason[:, j] = np.where(
                o_pos >= 0, f"destination {d_reason[j]}", reason[:, j].astype(str)
            )
        out = pd.DataFrame(
            {
                "origin": np.repeat(o_index.to_numpy(), n_d),
                "destination": np.tile(d_index.to_numpy(), n_o),
                column: cost.ravel(),
                "reachable": np.isfinite(cost).ravel(),
                "reason": reason.ravel().astype(str),
            }
        )
    out.attrs["origins_not_snapped"] = int((o_pos < 0).sum())
    out.attrs["destinations_not_snapped"] = int((d_pos < 0).sum())
    out.attrs["unreachable_pairs"] = int((~np.isfinite(cost)).sum())
    out.attrs["origin_reasons"] = {
        o_index[i]: str(o_snap["reason"].iloc[i]) for i in np.flatnonzero(o_pos < 0)
    }
    out.attrs["destination_reasons"] = {
        d_index[j]: str(d_snap["reason"].iloc[j]) for j in np.flatnonzero(d_pos < 0)
    }
    return out


# --------------------------------------------------------------------------------------
# Isochrones and reach polygons
# --------------------------------------------------------------------------------------
def _reach_lines(eng: RoutingEngine, dist: np.ndarray, limit: float, *, to_sources: bool) -> Any:
    """The parts of edges from which (to which) the sources are reached within limit."""
    u, v, w = eng.edge_u, eng.edge_v, eng.edge_w
    lines = eng.edge_lines()
    # To the sources, a point at fraction s of edge u->v needs (1-s) w + dist[v];
    # from them it is reached in dist[u] + s w.
    slack = limit - dist[v] if to_sources else limit - dist[u]
    live = np.isfinite(slack) & (slack >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(w > 0, slack / w, np.inf)
    full = live & (frac >= 1.0)
    part = live & ~full & (frac > 0)
    pieces = list(lines[full])
    for i in np.flatnonzero(part):
        line = lines[i]
        f = float(frac[i])
        if to_sources:
            pieces.append(shapely.ops.substring(line, 1.0 - f, 1.0, normalized=True))
        else:
            pieces.append(shapely.ops.substring(line, 0.0, f, normalized=True))
    reached = np.flatnonzero(np.isfinite(dist) & (dist <= limit))
    return pieces, reached


def _reach_polygon(
    eng: RoutingEngine, dist: np.ndarray, limit: float, buffer_m: float, *, to_sources: bool
) -> tuple[Any, int]:
    pieces, reached = _reach_lines(eng, dist, limit, to_sources=to_sources)
    parts = [p for p in pieces if p.geom_type == "LineString" and not p.is_empty]
    geoms = parts + list(shapely.points(eng.geo.xy[reached]))
    if not geoms:
        return shapely.Polygon(), 0
    # Buffering each part and merging the buffers (a cascaded union) gives the buffer of
    # the whole collection, four to five times faster than buffering the collection.
    parts_buffered = shapely.buffer(np.asarray(geoms, dtype=object), buffer_m, quad_segs=4)
    poly = shapely.union_all(parts_buffered)
    return poly, len(parts)


@renamed_keywords(minutes="cutoffs", weight="edge_weight")
def isochrones(
    points: Any,
    G: nx.MultiDiGraph,
    *,
    cutoffs: Sequence[float] = (5, 10, 15),
    buffer_m: float = 50.0,
    edge_weight: str = "travel_time",
    max_distance: float = 500.0,
    barriers: Any = "auto",
    layout: Any = None,
) -> gpd.GeoDataFrame:
    """Areas reachable from each point within each time band, from the street network.

    Each polygon is the reachable street network buffered by ``buffer_m``: every edge
    fully reachable, the reachable part of edges where the time runs out, and the
    reached nodes.  Holes (blocks the streets do not reach) are kept; a convex hull is
    never used.

    Parameters
    ----------
    points : ResourceTable, GeoDataFrame or GeoSeries
        Points with a CRS.
    G : networkx.MultiDiGraph
    cutoffs : sequence of float
        The bands, in the output unit of ``edge_weight``: minutes for
        ``"travel_time"``, metres for ``"length"`` (formerly ``minutes``).
    buffer_m : float
        Half-width of the band around reachable streets, metres.
    edge_weight, max_distance, barriers, layout
        See :func:`travel_time_matrix`.

    Returns
    -------
    GeoDataFrame
        One row per point and band (WGS84): ``point`` (the input index label),
        ``minutes`` (``metres`` for ``edge_weight="length"``, else ``cutoff``),
        ``area_km2``, ``n_edges``, ``reason`` (why a point's polygon is empty: not
        snapped) and the polygon.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> G = nx.MultiDiGraph(crs="EPSG:4549")
    >>> for n, x in enumerate([0.0, 1000.0, 2000.0]):
    ...     G.add_node(n, x=500000 + x, y=4000000.0)
    >>> for a, b in [(0, 1), (1, 0), (1, 2), (2, 1)]:
    ...     _ = G.add_edge(a, b, travel_time=120.0)
    >>> pt = gpd.GeoSeries([shapely.Point(500000, 4000000)], crs="EPSG:4549")
    >>> iso = isochrones(pt, G, cutoffs=[1, 3], buffer_m=10).to_crs("EPSG:4549")
    >>> [round(g.bounds[2] - 500000) for g in iso.geometry]
    [510, 1510]
    """
    index = frame_of(points).index
    try:
        bands = sorted({float(m) for m in cutoffs})
    except (TypeError, ValueError):
        raise InputError(f"cutoffs must be positive numbers, got {cutoffs!r}") from None
    if not bands or bands[0] <= 0 or not math.isfinite(bands[-1]):
        raise InputError(f"cutoffs must be positive, finite numbers, got {listing(cutoffs)}")
    if not (buffer_m > 0 and math.isfinite(buffer_m)):
        raise InputError(f"buffer_m must be a positive number of metres, got {buffer_m}")
    barriers = _barriers(barriers, layout)
    eng = routing_engine(G, edge_weight=edge_weight)
    _, factor = _unit(edge_weight)
    band_col = {"travel_time": "minutes", "length": "metres"}.get(edge_weight, "cutoff")
    snapped, pos = _snap(
        points, G, eng, max_distance=max_distance, barriers=barriers, what="points"
    )
    limit = bands[-1] * factor
    rows = []
    for label, p, why in zip(index, pos, snapped["reason"]):
        dist = eng.distances([p], limit=limit)[0] if p >= 0 else None
        for band in bands:
            if dist is None:
                rows.append((label, band, shapely.Polygon(), 0, why))
                continue
            poly, n_edges = _reach_polygon(eng, dist, band * factor, buffer_m, to_sources=False)
            rows.append((label, band, poly, n_edges, ""))
    frame = gpd.GeoDataFrame(
        {
            "point": [r[0] for r in rows],
            band_col: [r[1] for r in rows],
            "n_edges": [r[3] for r in rows],
            "reason": [r[4] for r in rows],
        },
        geometry=[r[2] for r in rows],
        crs=eng.geo.metric_crs,
    )
    frame.insert(2, "area_km2", frame.geometry.area / 1e6)
    return to_crs(frame, WGS84)


# --------------------------------------------------------------------------------------
# Two-step floating catchment area
# --------------------------------------------------------------------------------------
def step_decay(steps: Mapping[float, float]) -> Callable[[np.ndarray], np.ndarray]:
    """A stepwise distance-decay weight: ``cost <= k`` gets ``steps[k]`` (smallest k).

    Costs beyond the largest step get 0.  Luo and Qi's E2SFCA (2009) uses
    ``{10: 1.0, 20: 0.68, 30: 0.22}`` (minutes).  Same rule as PySAL access's
    ``weights.step_fn``.

    Examples
    --------
    >>> step_decay({10: 1.0, 20: 0.68, 30: 0.22})(np.array([5, 10, 15, 30, 31])).tolist()
    [1.0, 1.0, 0.68, 0.22, 0.0]
    """
    if not steps:
        raise InputError("steps must map at least one cost limit to a weight")
    keys = np.array(sorted(steps), dtype=float)
    values = np.array([steps[k] for k in sorted(steps)], dtype=float)
    if (values < 0).any():
        raise InputError("decay weights must be non-negative")

    def weight(cost: np.ndarray) -> np.ndarray:
        cost = np.asarray(cost, dtype=float)
        i = np.searchsorted(keys, cost, side="left")
        out = np.zeros(cost.shape)
        inside = i < len(keys)
        out[inside] = values[i[inside]]
        return out

    return weight


def gaussian_decay(sigma: float) -> Callable[[np.ndarray], np.ndarray]:
    """Gaussian distance decay ``exp(-c^2 / (2 sigma^2))`` (PySAL access's ``gaussian``).

    Examples
    --------
    >>> round(float(gaussian_decay(10.0)(np.array([10.0]))[0]), 6)
    0.606531
    """
    if not sigma > 0:
        raise InputError(f"sigma must be positive, got {sigma}")
    return lambda cost: np.exp(-(np.asarray(cost, dtype=float) ** 2) / (2.0 * sigma**2))


def _values(frame: Any, column: str | None, what: str) -> np.ndarray:
    if column is None:
        return np.ones(len(frame))
    if column not in frame.columns:
        raise InputError(f"{what} has no column {column!r}")
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        raise InputError(
            f"{what} column {column!r} needs non-negative numbers; rows "
            f"{listing(frame.index[bad], limit=5)} are missing or negative"
        )
    return values.to_numpy(float)


@renamed_keywords(threshold="cutoff", weight="edge_weight")
def two_step_fca(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    cost: nx.MultiDiGraph | pd.DataFrame,
    *,
    cutoff: float,
    decay: Callable[[np.ndarray], np.ndarray] | Mapping[float, float] | None = None,
    demand_col: str | None = None,
    supply_col: str | None = None,
    edge_weight: str = "travel_time",
    max_distance: float = 500.0,
    barriers: Any = "auto",
    layout: Any = None,
) -> pd.DataFrame:
    """Two-step floating catchment area (2SFCA) accessibility, optionally with decay.

    Step 1, for each supply site j: ``R_j = S_j / sum_i P_i W(c_ij)`` over demand
    sites i with ``c_ij <= cutoff``.  Step 2, for each demand site i:
    ``A_i = sum_j R_j W(c_ij)`` over the same pairs.  ``W`` is 1 for the classic
    2SFCA (Luo and Wang 2003) and a distance-decay weight for the enhanced 2SFCA
    (Luo and Qi 2009): pass :func:`step_decay` (e.g. ``{10: 1, 20: 0.68, 30: 0.22}``),
    :func:`gaussian_decay`, a dict of steps or any vectorised function of the cost.
    The definition is that of PySAL's ``access`` package (checked against it to 1e-6).

    Parameters
    ----------
    demand, supply : GeoDataFrame or DataFrame
        Locations (points with a CRS when ``cost`` is a graph); their indexes
        identify them in a cost table.
    cost : networkx.MultiDiGraph or DataFrame
        A road graph (travel times computed with :func:`travel_time_matrix`, in
        minutes), or costs: wide (demand index x supply columns) or long (columns
        ``origin``, ``destination`` and one numeric cost).  Missing pairs count as
        unreachable.
    cutoff : float
        Catchment size, in the cost's units (minutes for a graph with
        ``edge_weight="travel_time"``); formerly ``threshold``.
    decay : callable or dict, optional
        Distance-decay weight; none (1 within the catchment) by default.
    demand_col, supply_col : str, optional
        Columns of demand (population...) and supply (beds, labs, staff...); 1 each
        when omitted.
    edge_weight, max_distance, barriers, layout
        Used when ``cost`` is a graph (see :func:`travel_time_matrix`).

    Returns
    -------
    DataFrame
        Aligned to ``demand``: ``accessibility`` (supply per unit of demand; 0 where no
        supply is within the catchment, NaN where the demand site could not be routed),
        ``n_supply_within``, ``supply_within`` (the supply within the catchment,
        decay-weighted), ``reachable`` (the demand site was routed) and ``reason``
        (why not: ``"beyond max_distance"``, ``"across water"``, or the reason a long
        cost table gives).  Nothing is dropped: supply sites that could not be routed
        count as out of every catchment, and ``attrs["summary"]`` counts both sides
        (``demand_not_routed``, ``supply_not_routed`` with their labels, and the
        reasons); a warning is logged when any is not routed.

    Examples
    --------
    Two neighbourhoods and two clinics, costs in minutes:

    >>> import pandas as pd
    >>> demand = pd.DataFrame({"pop": [1000, 3000]}, index=["a", "b"])
    >>> supply = pd.DataFrame({"doctors": [2, 6]}, index=["x", "y"])
    >>> cost = pd.DataFrame([[5, 20], [12, 8]], index=["a", "b"], columns=["x", "y"])
    >>> out = two_step_fca(demand, supply, cost, cutoff=15,
    ...                    demand_col="pop", supply_col="doctors")
    >>> out["accessibility"].round(6).tolist()
    [0.0005, 0.0025]
    """
    _limit(cutoff, 1.0)
    threshold = float(cutoff)
    p = _values(demand, demand_col, "demand")
    s = _values(supply, supply_col, "supply")
    if isinstance(cost, (nx.Graph, nx.DiGraph, nx.MultiDiGraph)):
        bars = _barriers(barriers, layout)
        eng = routing_engine(cost, edge_weight=edge_weight)
        _, factor = _unit(edge_weight)
        d_snap, d_pos = _snap(
            demand, cost, eng, max_distance=max_distance, barriers=bars, what="demand"
        )
        s_snap, s_pos = _snap(
            supply, cost, eng, max_distance=max_distance, barriers=bars, what="supply"
        )
        c = _cost_block(eng, d_pos, s_pos, threshold * factor) / factor
        d_reason = d_snap["reason"].to_numpy(dtype=object)
        s_reason = s_snap["reason"].to_numpy(dtype=object)
    elif isinstance(cost, pd.DataFrame):
        table = read_cost(cost, origins=demand.index, destinations=supply.index)
        c = table.values
        d_reason = np.array([r.removeprefix("origin ") for r in table.origin_reason], object)
        s_reason = np.array(
            [r.removeprefix("destination ") for r in table.destination_reason], object
        )
    else:
        raise InputError(
            f"cost must be a road graph or a DataFrame of costs, got {type(cost).__name__}"
        )
    if decay is None:
        w_fn: Callable[[np.ndarray], np.ndarray] = lambda x: np.ones(np.shape(x))  # noqa: E731
    elif isinstance(decay, Mapping):
        w_fn = step_decay(decay)
    elif callable(decay):
        w_fn = decay
    else:
        raise InputError("decay must be None, a dict of steps or a function of the cost")
    inside = np.isfinite(c) & (c <= threshold)
    W = np.zeros(c.shape)
    if inside.any():
        W[inside] = np.asarray(w_fn(c[inside]), dtype=float)
    demand_seen = W.T @ p  # per supply site
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(demand_seen > 0, s / demand_seen, 0.0)
    access = W @ ratio
    d_ok = d_reason == ""
    out = pd.DataFrame(
        {
            "accessibility": np.where(d_ok, access, np.nan),
            "n_supply_within": inside.sum(axis=1),
            "supply_within": W @ s,
            "reachable": d_ok,
            "reason": d_reason.astype(str),
        },
        index=demand.index,
    )
    s_bad = s_reason != ""
    out.attrs["summary"] = {
        "demand": len(demand),
        "demand_not_routed": int((~d_ok).sum()),
        "supply": len(supply),
        "supply_not_routed": int(s_bad.sum()),
        "supply_not_routed_labels": supply.index[s_bad].tolist(),
        "reasons": pd.Series(np.concatenate([d_reason[~d_ok], s_reason[s_bad]]))
        .value_counts()
        .to_dict(),
    }
    if s_bad.any() or not d_ok.all():
        log.warning(
            "two_step_fca: %d of %d supply sites and %d of %d demand sites could not be "
            "routed (%s); they are in attrs['summary'] and the demand rows carry the reason",
            int(s_bad.sum()),
            len(supply),
            int((~d_ok).sum()),
            len(demand),
            counts_text(out.attrs["summary"]["reasons"]),
        )
    return out


# --------------------------------------------------------------------------------------
# Coverage of zones
# --------------------------------------------------------------------------------------
@renamed_keywords(minutes="cutoff", weight="edge_weight")
def network_coverage(
    facilities: Any,
    G: nx.MultiDiGraph,
    zones: gpd.GeoDataFrame,
    *,
    cutoff: float = 15.0,
    population: gpd.GeoDataFrame | None = None,
    population_col: str | None = None,
    resources: gpd.GeoDataFrame | None = None,
    resources_col: str | None = None,
    zone_col: str | None = None,
    buffer_m: float = 50.0,
    edge_weight: str = "travel_time",
    max_distance: float = 500.0,
    barriers: Any = "auto",
    layout: Any = None,
) -> pd.DataFrame:
    """Share of each zone's area, population and resources within reach of facilities.

    Reach is measured *to* the nearest facility (one search on the reversed graph from
    all facilities): a population or resource point is covered when the travel time
    from its snapped node to the nearest facility is at most ``cutoff``; the covered
    area is the street network from which a facility is reached within ``cutoff``,
    buffered by ``buffer_m`` (as :func:`isochrones`).

    Parameters
    ----------
    facilities : GeoDataFrame or GeoSeries
        Points with a CRS (metro stations, labs, service centres...).
    G : networkx.MultiDiGraph
    zones : GeoDataFrame
        Polygons with a CRS, e.g. ``layout.corridor``, ``layout.cities``,
        ``layout.districts`` or ``layout.circles``.
    cutoff : float
        Limit in the output unit of ``edge_weight``: minutes for ``"travel_time"``,
        metres for ``"length"`` (formerly ``minutes``).
    population : GeoDataFrame, optional
        Points (grid cell centres, buildings...) with ``population_col``.
    resources : GeoDataFrame, optional
        Resource points; counted, or summed over ``resources_col``.
    zone_col : str, optional
        Zone label column; ``name_zh``, ``key`` or the index by default.
    buffer_m, edge_weight, max_distance, barriers, layout
        See :func:`isochrones`.

    Returns
    -------
    DataFrame
        One row per zone: ``zone``, ``area_km2``, ``area_within_km2``,
        ``area_share`` and, when given, ``population``, ``population_within``,
        ``population_share``, ``resources``, ``resources_within``,
        ``resources_share``.  Points that cannot be snapped count as not covered and
        are counted in ``attrs["not_snapped"]``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> G = nx.MultiDiGraph(crs="EPSG:4549")
    >>> for n, x in enumerate([0.0, 1000.0, 2000.0]):
    ...     G.add_node(n, x=500000 + x, y=4000000.0)
    >>> for a, b in [(0, 1), (1, 0), (1, 2), (2, 1)]:
    ...     _ = G.add_edge(a, b, travel_time=60.0)
    >>> fac = gpd.GeoSeries([shapely.Point(500000, 4000000)], crs="EPSG:4549")
    >>> zones = gpd.GeoDataFrame({"name": ["west", "east"]}, crs="EPSG:4549",
    ...     geometry=[shapely.box(499000, 3999000, 501000, 4001000),
    ...               shapely.box(501000, 3999000, 503000, 4001000)])
    >>> res = gpd.GeoSeries(shapely.points([[500800, 4000000], [502000, 4000000]]),
    ...                     crs="EPSG:4549")
    >>> cov = network_coverage(fac, G, zones, cutoff=1.5, zone_col="name",
    ...                        resources=gpd.GeoDataFrame(geometry=res))
    >>> cov[["zone", "resources", "resources_within"]].to_dict("list")
    {'zone': ['west', 'east'], 'resources': [1, 1], 'resources_within': [1, 0]}
    """
    if not isinstance(zones, gpd.GeoDataFrame):
        raise InputError(f"zones must be a GeoDataFrame of polygons, got {type(zones).__name__}")
    from ._validate import check_geometries

    check_geometries(zones, "zones", types=("Polygon", "MultiPolygon"))
    barriers = _barriers(barriers, layout)
    eng = routing_engine(G, edge_weight=edge_weight)
    _, factor = _unit(edge_weight)
    limit = _limit(cutoff, factor)
    _, f_pos = _snap(
        facilities, G, eng, max_distance=max_distance, barriers=barriers, what="facilities"
    )
    dist, _ = eng.distances(np.unique(f_pos[f_pos >= 0]), reverse=True, min_only=True)
    dist = np.where(dist <= limit, dist, np.inf)
    reach, _ = _reach_polygon(eng, dist, limit, buffer_m, to_sources=True)
    metric = eng.geo.metric_crs
    zones_m = to_crs(zones, metric)
    if zone_col is None:
        zone_col = next((c for c in ("name_zh", "key", "name") if c in zones.columns), None)
    labels = zones[zone_col].to_numpy() if zone_col else zones.index.to_numpy()
    geoms = zones_m.geometry.values
    area = shapely.area(geoms)
    within = shapely.area(shapely.intersection(geoms, reach)) if not reach.is_empty else 0 * area
    out = pd.DataFrame(
        {
            "zone": labels,
            "area_km2": area / 1e6,
            "area_within_km2": within / 1e6,
            "area_share": np.where(area > 0, within / np.where(area > 0, area, 1), np.nan),
        }
    )
    not_snapped: dict[str, int] = {}
    for name, frame, col in (
        ("population", population, population_col),
        ("resources", resources, resources_col),
    ):
        if frame is None:
            continue
        values = _values(frame, col, name)
        _, pos = _snap(frame, G, eng, max_distance=max_distance, barriers=barriers, what=name)
        covered = np.zeros(len(pos), dtype=bool)
        covered[pos >= 0] = np.isfinite(dist[pos[pos >= 0]])
        not_snapped[name] = int((pos < 0).sum())
        xy = points_in_crs(frame, metric, name)
        totals = np.zeros(len(geoms))
        inside_totals = np.zeros(len(geoms))
        tree = shapely.STRtree(geoms)
        pi, zi = tree.query(shapely.points(xy), predicate="within")
        np.add.at(totals, zi, values[pi])
        np.add.at(inside_totals, zi, values[pi] * covered[pi])
        is_count = col is None
        out[name] = totals.astype(np.int64) if is_count else totals
        out[f"{name}_within"] = inside_totals.astype(np.int64) if is_count else inside_totals
        out[f"{name}_share"] = np.where(
            totals > 0, inside_totals / np.where(totals > 0, totals, 1), np.nan
        )
    out.attrs["not_snapped"] = not_snapped
    out.attrs["cutoff"] = float(cutoff)
    out.attrs["edge_weight"] = edge_weight
    return out
