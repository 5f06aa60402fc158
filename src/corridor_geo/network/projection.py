"""Projecting graphs, graphs as GeoDataFrames, and snapping points to nodes."""

from __future__ import annotations

import logging
import math
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import CRS, Transformer

from .._errors import InputError
from .._graph import (
    graph_geo,
    snap_to_nodes,
)
from ..crs import WGS84, resolve_crs, transform_xy
from ..crs import to_crs as reproject

log = logging.getLogger(__name__)


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
    return graph_geo(G).metric_crs


def project_graph(G: nx.MultiDiGraph, *, to_crs: Any = None) -> nx.MultiDiGraph:
    """A copy of ``G`` with node ``x``/``y`` and edge geometries in another CRS.

    As OSMnx's ``project_graph``: nodes keep ``lon``/``lat``; ``length`` and
    ``travel_time`` are unchanged (they are measured on the ground, not in the
    projection).

    Parameters
    ----------
    G : networkx.MultiDiGraph
    to_crs : CRS, optional
        Target CRS; by default :func:`metric_crs` (EPSG:4549 around Qingdao).  Any
        spelling :func:`corridor_geo.crs.resolve_crs` accepts; GCJ-02/BD-09 targets are
        converted exactly.

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node(1, x=120.0, y=36.0)
    >>> P = project_graph(G)
    >>> P.graph["crs"], round(P.nodes[1]["x"], 3), P.nodes[1]["lon"]
    ('EPSG:4549', 500000.0, 120.0)
    """
    geo = graph_geo(G)
    target = geo.metric_crs if to_crs is None else resolve_crs(to_crs)
    # transform_xy: GCJ-02/BD-09 targets are converted exactly (PROJ would only relabel).
    x, y = transform_xy(geo.lonlat[:, 0], geo.lonlat[:, 1], source=WGS84, target=target)
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
                np.column_stack(transform_xy(xy[:, 0], xy[:, 1], source=WGS84, target=target))
            )
    epsg = target.to_epsg()
    H.graph["crs"] = f"EPSG:{epsg}" if epsg else target.to_wkt()
    return H


def graph_to_gdfs(
    G: nx.MultiDiGraph, *, crs: Any = WGS84
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Nodes and edges as GeoDataFrames (in WGS84 by default), as OSMnx's function.

    Edges without a ``geometry`` get the straight line between their nodes.  The
    edges frame is indexed by ``(u, v, key)``.  ``crs`` may be any CRS or datum name;
    GCJ-02/BD-09 are converted exactly (:func:`corridor_geo.crs.to_crs`).

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
    geo = graph_geo(G)
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
    if crs is not None and not resolve_crs(crs).equals(WGS84):
        # corridor_geo's to_crs: GCJ-02/BD-09 converted exactly, not relabelled.
        nodes, edges = reproject(nodes, crs), reproject(edges, crs)
    return nodes, edges


def nearest_nodes(
    G: nx.MultiDiGraph,
    points: Any,
    *,
    max_distance: float = 500.0,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    max_water_m: float = 50.0,
    candidates: int = 8,
) -> pd.DataFrame:
    """Snap points to their nearest graph node, within a distance and not across water.

    The graph comes first, as in OSMnx's ``nearest_nodes(G, X, Y)``; the old order
    ``nearest_nodes(points, G)`` keeps working for one release, with a FutureWarning.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Any CRS (``G.graph["crs"]``).
    points : ResourceTable, GeoDataFrame or GeoSeries
        Points with a CRS (GCJ-02/BD-09 marked data are converted exactly).
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
    >>> nearest_nodes(G, pts, max_distance=500)[["node", "snapped", "reason"]].to_dict("list")
    {'node': ['b', None], 'snapped': [True, False], 'reason': ['', 'beyond max_distance']}
    """
    if isinstance(points, (nx.Graph, nx.DiGraph)) and not isinstance(G, (nx.Graph, nx.DiGraph)):
        from .._compat import warn

        warn("nearest_nodes: pass the graph first, nearest_nodes(G, points), as OSMnx does")
        G, points = points, G
    if not (max_distance > 0 and math.isfinite(max_distance)):
        raise InputError(f"max_distance must be a positive distance in metres, got {max_distance}")
    return snap_to_nodes(
        points,
        graph_geo(G),
        max_distance=max_distance,
        barriers=barriers,
        max_water_m=max_water_m,
        candidates=candidates,
    )
