"""The profiling pass's fast paths equal the plain implementations they replaced."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from corridor_geo import crs
from corridor_geo.access import _edge_arrays, _reach_polygon, routing_engine, time_to_axis
from corridor_geo.density import _fft_convolve_same
from corridor_geo.network import schematic_network, sea_from_layout
from corridor_geo.resources import synthetic_resources
from corridor_geo.zones import ZONE_LAYERS, ZoneIndex, zone_table


def _random_multigraph(directed: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs="EPSG:4549") if directed else nx.MultiGraph(crs="EPSG:4549")
    for i in range(60):
        G.add_node(f"n{i}", x=500_000 + rng.uniform(0, 3000), y=4_000_000 + rng.uniform(0, 3000))
    for _ in range(240):
        a, b = rng.integers(0, 60, 2)
        data = {"travel_time": float(rng.uniform(1, 90))}
        if rng.random() < 0.1:
            del data["travel_time"]
        if rng.random() < 0.2:
            data["geometry"] = shapely.LineString(
                [
                    (G.nodes[f"n{a}"]["x"], G.nodes[f"n{a}"]["y"]),
                    (500_000 + rng.uniform(0, 3000), 4_000_000 + rng.uniform(0, 3000)),
                    (G.nodes[f"n{b}"]["x"], G.nodes[f"n{b}"]["y"]),
                ]
            )
        G.add_edge(f"n{a}", f"n{b}", **data)
    return G


@pytest.mark.parametrize("kind", ["multidigraph", "digraph", "multigraph"])
def test_edge_arrays_equal_networkx_edges(kind):
    G = _random_multigraph(kind != "multigraph")
    if kind == "digraph":
        G = nx.DiGraph(G)
    index = {n: i for i, n in enumerate(G.nodes)}
    edges = list(G.edges(data="travel_time"))
    if not G.is_directed():
        edges += [(v, u, w) for u, v, w in edges]
    u, v, raw = _edge_arrays(G, index, "travel_time")
    assert u.tolist() == [index[e[0]] for e in edges]
    assert v.tolist() == [index[e[1]] for e in edges]
    assert raw == [e[2] for e in edges]
    assert any(w is None for w in raw)  # missing attributes kept as None


@pytest.mark.parametrize("directed", [True, False])
def test_edge_lines_equal_the_plain_loop(directed):
    G = _random_multigraph(directed, seed=3)
    for _, _, d in G.edges(data=True):
        d.setdefault("travel_time", 10.0)
    eng = routing_engine(G)
    got = eng.edge_lines()
    geo = eng.geo
    want = []
    for a, b, data in G.edges(data=True):  # the loop the vectorised version replaced
        geom = data.get("geometry")
        if isinstance(geom, shapely.LineString) and not geom.is_empty:
            xy = shapely.get_coordinates(geom)
            # An undirected graph may list the edge from the end its geometry finishes at:
            # the line then runs from the listed start (each geometry here starts at a node).
            if tuple(xy[0]) != tuple(geo.xy[geo.index[a]]):
                xy = xy[::-1]
            want.append(shapely.LineString(xy))
        else:
            want.append(shapely.LineString([geo.xy[geo.index[a]], geo.xy[geo.index[b]]]))
    if not directed:
        want += [shapely.reverse(line) for line in want]
    assert len(got) == len(want)
    assert all(g.equals_exact(w, 0.0) for g, w in zip(got, want))


def test_access_nodes_equal_a_scan_of_every_edge(layout):
    G = schematic_network(layout)
    # Name an edge whose far end is off the avenue, one way only: its end counts too.
    u = next(n for n, d in G.nodes(data=True) if d["kind"] == "lattice")
    v = next(iter(G.successors(u)))
    G.edges[u, v, 0]["name"] = ["Binhai Avenue", "extra"]
    eng = routing_engine(G)
    pts = gpd.GeoSeries([shapely.Point(120.49, 36.17)], crs=crs.WGS84)
    time_to_axis(pts, G, layout=layout)
    (positions, _, how), *_ = eng._axis_cache.values()
    # The plain scan of every edge (the implementation the fast one replaced).
    from corridor_geo._linref import Segments
    from corridor_geo.axis import axis_line

    names = ("滨海大道", "Binhai Avenue")
    named = np.zeros(len(eng.nodes), dtype=bool)
    for a, b, name in G.edges(data="name"):
        text = " ".join(name) if isinstance(name, (list, tuple)) else str(name or "")
        if any(k in text for k in names):
            named[eng.geo.index[a]] = named[eng.geo.index[b]] = True
    proj = Segments(axis_line(layout)).project(eng.geo.xy[:, 0], eng.geo.xy[:, 1])
    want = np.flatnonzero(named & (proj["distance_m"] <= 2000.0))
    assert positions.tolist() == want.tolist() and "named" in how
    assert eng.geo.index[u] in positions or proj["distance_m"][eng.geo.index[u]] > 2000


def test_reach_polygon_equals_the_buffer_of_the_collection(layout):
    G = schematic_network(layout)
    eng = routing_engine(G)
    src = eng.index[next(iter(G.nodes))]
    dist = eng.distances([src], limit=900.0)[0]
    for limit in (300.0, 600.0, 900.0):
        poly, n = _reach_polygon(eng, dist, limit, 100.0, to_sources=False)
        from corridor_geo.access import _reach_lines

        pieces, reached = _reach_lines(eng, dist, limit, to_sources=False)
        parts = [p for p in pieces if p.geom_type == "LineString" and not p.is_empty]
        ref = shapely.buffer(
            shapely.GeometryCollection(parts + list(shapely.points(eng.geo.xy[reached]))),
            100.0,
            quad_segs=4,
        )
        assert n == len(parts) > 0
        assert poly.area == pytest.approx(ref.area, rel=1e-9)
        assert poly.symmetric_difference(ref).area < 1.0  # m², of km² polygons
        assert len(shapely.get_parts(poly)) == len(shapely.get_parts(ref))


def test_sea_is_computed_once_per_city_boundary(layout):
    from corridor_geo.network.schematic import sea_metric

    assert sea_metric(layout) is sea_metric(layout)  # cached with the layout
    a = sea_from_layout(layout)
    b = sea_from_layout(layout)
    assert a is not b and a.equals(b)
    b.loc[0, "name"] = "changed"  # a caller's change does not reach the cache
    assert sea_from_layout(layout).loc[0, "name"] == a.loc[0, "name"]
    moved = layout.city.copy()
    moved["geometry"] = moved.translate(0.01, 0.0)
    assert not sea_from_layout(moved).geometry.iloc[0].equals(a.geometry.iloc[0])


def test_fft_convolution_equals_scipy():
    from scipy.signal import fftconvolve

    rng = np.random.default_rng(1)
    for shape, kshape in [((90, 70), (21, 21)), ((7, 9), (31, 31)), ((128, 97), (5, 5))]:
        a, k = rng.random(shape), rng.random(kshape)
        np.testing.assert_allclose(
            _fft_convolve_same(a, k), fftconvolve(a, k, mode="same"), rtol=0, atol=1e-12
        )


def test_metric_coordinates_equal_geopandas_projection():
    from corridor_geo._points import metric_points

    pts = synthetic_resources(2000, seed=6)
    mp = metric_points(pts)
    ref = pts.to_crs(crs.ANALYSIS_CRS)  # geopandas, the independent path
    assert np.array_equal(mp.x, ref.geometry.x.to_numpy())
    assert np.array_equal(mp.y, ref.geometry.y.to_numpy())
    # EPSG:4549 input is read as it is, bit for bit: never round-tripped.
    again = metric_points(ref)
    assert np.array_equal(again.x, ref.geometry.x.to_numpy())
    # GCJ-02 input: the exact inverse first, then the same projection.
    gcj = crs.to_datum(pts, "GCJ02")
    g = metric_points(gcj)
    np.testing.assert_allclose(g.x, mp.x, atol=1e-5)
    np.testing.assert_allclose(g.y, mp.y, atol=1e-5)


def test_zone_lookup_with_many_zones_equals_sjoin(layout):
    # A grid's hundreds of cells go through the coarse candidate lists.
    zones = zone_table(layout, layers=ZONE_LAYERS)
    cells = [
        shapely.box(x, y, x + 0.02, y + 0.02)
        for x in np.arange(120.2, 120.8, 0.02)
        for y in np.arange(35.9, 36.5, 0.02)
    ]
    polys = list(zones.geometry) + cells
    rng = np.random.default_rng(4)
    n = 20_000
    x = np.concatenate([rng.uniform(120.1, 120.9, n), np.round(rng.uniform(120.2, 120.8, 500), 2)])
    y = np.concatenate([rng.uniform(35.8, 36.6, n), np.round(rng.uniform(35.9, 36.5, 500), 2)])
    x[:3] = np.nan  # no zone
    pt, zn = ZoneIndex.build(polys).query(x, y)
    frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=crs.WGS84)
    sj = gpd.sjoin(frame, gpd.GeoDataFrame(geometry=polys, crs=crs.WGS84), predicate="intersects")
    want = sorted(zip(sj.index.tolist(), sj["index_right"].tolist()))
    assert list(zip(pt.tolist(), zn.tolist())) == want
    assert len(want) > n


def test_cheapest_edge_matrix_equals_a_dictionary_of_minima():
    from corridor_geo.access import _csr_min

    rng = np.random.default_rng(2)
    n, m = 300, 5000
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    w = rng.uniform(0, 50, m)
    w[rng.random(m) < 0.05] = 0.0  # zero-cost edges stay edges
    best: dict[tuple[int, int], float] = {}
    for a, b, c in zip(u.tolist(), v.tolist(), w.tolist()):
        if a != b:
            best[(a, b)] = min(c, best.get((a, b), np.inf))
    mat = _csr_min(u, v, w, n)
    coo = mat.tocoo()
    got = dict(zip(zip(coo.row.tolist(), coo.col.tolist()), coo.data.tolist()))
    assert got == best and mat.nnz == len(best) and (mat.data == 0).any()
    assert _csr_min(u[:0], v[:0], w[:0], n).nnz == 0
