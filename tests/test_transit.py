"""Walking plus metro: the graph model, hand-computed trips, networkx equality, shares."""

from __future__ import annotations

import logging

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from corridor_geo import InputError
from corridor_geo.access import two_step_fca
from corridor_geo.metro import metro_graph, metro_stations
from corridor_geo.network import multimodal_graph, nearest_nodes, schematic_network
from corridor_geo.transit import (
    catchment_coverage,
    station_catchments,
    transit_access_by_city,
    transit_isochrones,
    transit_time_to_axis,
    transit_travel_time_matrix,
)

X0, Y0 = 540_000.0, 4_010_000.0
V = 4.8 / 3.6 * 60  # walking metres per minute (80)
DETOUR = 1.25


# --------------------------------------------------------------------------------------
# A network small enough to time by hand
# --------------------------------------------------------------------------------------
def small_streets() -> nx.MultiDiGraph:
    """Two street pieces 8 km apart, joined only by the metro."""
    S = nx.MultiDiGraph(crs="EPSG:4549")
    S.add_node("a0", x=X0, y=Y0)
    S.add_node("a1", x=X0 + 800, y=Y0)
    S.add_node("c0", x=X0 + 8000, y=Y0 + 4000)
    S.add_node("c1", x=X0 + 8400, y=Y0 + 4000)
    S.add_edge("a0", "a1", length=800.0, travel_time=60.0)  # one way for cars
    S.add_edge("c0", "c1", length=400.0, travel_time=30.0)
    S.add_edge("c1", "c0", length=400.0, travel_time=30.0)
    return S


def small_transit() -> nx.MultiDiGraph:
    """Line 1 from A to B (10 min, every 10 min), line 2 from B to C (5 min, every 6 min)."""
    T = nx.MultiDiGraph(crs="EPSG:4549", name="toy metro", attribution="toy data")
    T.add_node("A", x=X0, y=Y0 + 100, name="A")
    T.add_node("B", x=X0 + 4000, y=Y0 + 2000, name="B")  # no street within 500 m
    T.add_node("C", x=X0 + 8000, y=Y0 + 4200, name="C")
    for u, v, t, rid, line, hw in [
        ("A", "B", 600.0, "r1", "1", 10.0),
        ("B", "A", 600.0, "r1", "1", 10.0),
        ("B", "C", 300.0, "r2", "2", 6.0),
        ("C", "B", 300.0, "r2", "2", 6.0),
    ]:
        T.add_edge(u, v, travel_time=t, route_id=rid, line=line, headway_min=hw)
    return T


def axis_through_c() -> gpd.GeoSeries:
    line = shapely.LineString([(X0 + 8000, Y0), (X0 + 8000, Y0 + 8000)])
    return gpd.GeoSeries([line], crs="EPSG:4549")


def pts(*xy: tuple[float, float]) -> gpd.GeoSeries:
    return gpd.GeoSeries(shapely.points(np.asarray(xy, dtype=float)), crs="EPSG:4549")


@pytest.fixture(scope="module")
def small():
    return multimodal_graph(small_streets(), transit=small_transit(), detour=DETOUR)


def test_graph_model_edges_and_costs(small):
    G = small
    assert G.graph["crs"] == "EPSG:4549" and G.graph["walking"] == "streets"
    assert G.graph["stations_without_street_link"] == ["B"]
    assert G.graph["attribution"] == "toy data"
    modes = nx.get_node_attributes(G, "mode")
    assert sorted(n for n, m in modes.items() if m == "platform") == [
        "platform:A:r1",
        "platform:B:r1",
        "platform:B:r2",
        "platform:C:r2",
    ]
    # walking goes both ways, also against the one-way street
    assert G.edges["a1", "a0", 0]["travel_time"] == pytest.approx(800 / V * 60)
    board = G.edges["station:A", "platform:A:r1", 0]
    assert board["mode"] == "board" and board["travel_time"] == pytest.approx((2 + 5) * 60)
    assert G.edges["platform:A:r1", "station:A", 0]["travel_time"] == pytest.approx(120)
    change = G.edges["platform:B:r1", "platform:B:r2", 0]
    assert change["mode"] == "transfer" and change["travel_time"] == pytest.approx((3 + 3) * 60)
    assert G.edges["platform:B:r2", "platform:B:r1", 0]["travel_time"] == pytest.approx(8 * 60)
    access = G.edges["a0", "station:A", 0]
    assert access["mode"] == "access"
    assert access["travel_time"] == pytest.approx(100 * DETOUR / V * 60)
    assert not G.has_node("station:B") or not any(
        d["mode"] == "egress" for _, _, d in G.out_edges("station:B", data=True)
    )


def test_undirected_streets_are_walked_both_ways(small):
    """An undirected street graph lists each edge once, its geometry in either direction."""
    U = nx.MultiGraph(crs="EPSG:4549")
    for n, d in small_streets().nodes(data=True):
        U.add_node(n, **d)
    # stored from a1 to a0 (with a bend), while U.edges lists it as (a0, a1)
    bend = shapely.LineString([(X0 + 800, Y0), (X0 + 400, Y0 + 1), (X0, Y0)])
    U.add_edge("a1", "a0", length=800.0, geometry=bend)
    U.add_edge("c0", "c1", length=400.0)
    G = multimodal_graph(U, transit=small_transit(), detour=DETOUR)
    for u, v in [("a0", "a1"), ("a1", "a0"), ("c0", "c1"), ("c1", "c0")]:
        walk = [d for d in G[u][v].values() if d["mode"] == "walk"]
        assert len(walk) == 1 and walk[0]["travel_time"] == pytest.approx(
            G.edges[u, v, 0]["length"] / V * 60
        )
    assert G.edges["a0", "a1", 0]["geometry"].coords[0] == (X0, Y0)
    assert G.edges["a1", "a0", 0]["geometry"].coords[0] == (X0 + 800, Y0)
    # The same times as the directed street graph that walks both ways (the oracle).
    p = pts((X0 + 800, Y0 + 20), (X0 + 8400, Y0 + 3990))
    got = transit_time_to_axis(p, G, layout=axis_through_c(), barriers=None)
    ref = transit_time_to_axis(p, small, layout=axis_through_c(), barriers=None)
    np.testing.assert_allclose(got["travel_time_min"], ref["travel_time_min"], rtol=1e-12)
    assert np.isfinite(got["travel_time_min"]).all()


def test_same_line_change_costs_the_wait_only():
    T = small_transit()
    for u, v in [("B", "C"), ("C", "B")]:
        for k in list(T[u][v]):
            T.edges[u, v, k]["line"] = "1"  # route r2 becomes a branch of line 1
    G = multimodal_graph(transit=T)
    assert G.edges["platform:B:r1", "platform:B:r2", 0]["travel_time"] == pytest.approx(3 * 60)


def test_hand_computed_trip_with_a_change(small):
    # origin 80 m north of a1, destination at c1
    o, d = pts((X0 + 800, Y0 + 80)), pts((X0 + 8400, Y0 + 4000))
    expected = (
        80 * DETOUR / V  # to the street node a1
        + 800 / V  # a1 -> a0
        + 100 * DETOUR / V  # a0 -> station A
        + 2
        + 10 / 2  # street to platform, half of line 1's headway
        + 10  # A -> B
        + 3
        + 6 / 2  # change at B: penalty and half of line 2's headway
        + 5  # B -> C
        + 2  # platform to street
        + 200 * DETOUR / V  # station C -> c0
        + 400 / V  # c0 -> c1
    )
    m = transit_travel_time_matrix(o, d, small, barriers=None)
    assert m["travel_time_min"].iloc[0] == pytest.approx(expected, abs=1e-9)
    # with a cutoff below it the pair is out of reach, with its reason
    cut = transit_travel_time_matrix(o, d, small, barriers=None, cutoff=expected - 0.1)
    assert np.isinf(cut["travel_time_min"].iloc[0])
    assert cut["reason"].iloc[0].startswith("beyond cutoff")
    # changing the parameters changes the time by exactly that much
    slow = multimodal_graph(
        small_streets(),
        transit=small_transit(),
        detour=DETOUR,
        transfer_min=5.0,
        headways={"2": 10.0},
        station_min=1.0,
    )
    m2 = transit_travel_time_matrix(o, d, slow, barriers=None)
    # street to platform and back 1 minute less each; the change at B now costs at most
    # leaving and re-entering (1 + 1) plus line 2's new half headway (5): 7, not 6
    assert m2["travel_time_min"].iloc[0] == pytest.approx(expected - 2 + 1, abs=1e-9)


def test_hand_computed_time_to_the_axis(small):
    o = pts((X0 + 800, Y0 + 80), (X0 + 800, Y0 + 5000))
    to_station = transit_time_to_axis(o, small, layout=axis_through_c(), barriers=None)
    expected = 80 * DETOUR / V + 800 / V + 100 * DETOUR / V + 7 + 10 + 6 + 5 + 2
    row = to_station.iloc[0]
    assert row["travel_time_min"] == pytest.approx(expected, abs=1e-9)
    assert row["target"] == "C" and row["node"] == "a1" and row["reachable"]
    assert row["walk_min"] == pytest.approx(80 * DETOUR / V)
    assert row["target_chainage_km"] == pytest.approx(4.2)
    # the second point is 5 km from every street node: kept, with its reason
    bad = to_station.iloc[1]
    assert not bad["reachable"] and bad["reason"] == "beyond max_distance"
    assert to_station.attrs["summary"]["not_routed"] == 1
    to_axis = transit_time_to_axis(o, small, layout=axis_through_c(), barriers=None, target="axis")
    assert to_axis["travel_time_min"].iloc[0] == pytest.approx(
        expected + 200 * DETOUR / V, abs=1e-9
    )
    assert to_axis["target"].iloc[0] == "axis node c0"


@pytest.mark.parametrize("barriers", [None, "far sea"])
def test_snap_distance_is_given_for_points_not_snapped(small, barriers):
    from corridor_geo.access import time_to_axis

    if barriers == "far sea":  # a barrier crossing no walk: the nearest-candidates search
        barriers = gpd.GeoSeries(
            [shapely.box(X0 - 9000, Y0 - 9000, X0 - 8000, Y0 - 8000)], crs=4549
        )
    o = pts((X0 + 800, Y0 + 80), (X0 + 800, Y0 + 5000), (X0 + 8400, Y0 + 4900))
    out = transit_time_to_axis(o, small, layout=axis_through_c(), barriers=barriers)
    # by hand: 80 m to a1; 5000 m to a1 (c0 is 7269 m away); 900 m to c1 (beyond 500 m)
    assert out["snap_distance_m"].tolist() == pytest.approx([80.0, 5000.0, 900.0], abs=1e-9)
    assert out["reachable"].tolist() == [True, False, False]
    assert out["reason"].tolist()[1:] == ["beyond max_distance"] * 2
    # time_to_axis on the streets alone gives the same distances
    streets = small_streets()
    access = time_to_axis(o, streets, layout=axis_through_c(), barriers=barriers)
    np.testing.assert_allclose(access["snap_distance_m"], out["snap_distance_m"], atol=1e-9)


def test_straight_line_walking_by_hand():
    G = multimodal_graph(transit=small_transit(), detour=DETOUR)
    assert G.graph["walking"] == "straight"
    o = pts((X0 + 800, Y0 + 80))
    out = transit_time_to_axis(o, G, layout=axis_through_c(), barriers=None)
    via_a = np.hypot(800, 20) * DETOUR / V + 7 + 10 + 6 + 5 + 2
    assert out["travel_time_min"].iloc[0] == pytest.approx(via_a, abs=1e-9)
    assert out["node"].iloc[0] == "station:A"
    # to the axis line: the same, then none (C is on the line) - or straight on foot
    near = pts((X0 + 7900, Y0 + 6000))
    on_foot = transit_time_to_axis(near, G, layout=axis_through_c(), barriers=None, target="axis")
    assert on_foot["travel_time_min"].iloc[0] == pytest.approx(100 * DETOUR / V)
    assert on_foot["target"].iloc[0] == "axis (on foot)"
    # a matrix pair close together walks straight
    m = transit_travel_time_matrix(pts((X0, Y0)), pts((X0 + 300, Y0 + 400)), G, barriers=None)
    assert m["travel_time_min"].iloc[0] == pytest.approx(500 * DETOUR / V)


def test_not_a_multimodal_graph_is_refused():
    with pytest.raises(InputError, match="multimodal_graph"):
        transit_time_to_axis(pts((X0, Y0)), small_streets(), layout=axis_through_c())
    T = small_transit()
    for _, _, d in T.edges(data=True):
        d.pop("headway_min")
    with pytest.raises(InputError, match="headway"):
        multimodal_graph(transit=T)
    with pytest.raises(InputError, match="headways= names lines that are not in the"):
        multimodal_graph(transit=small_transit(), headways={"99": 5})
    with pytest.raises(InputError, match="detour"):
        multimodal_graph(transit=small_transit(), detour=0.8)


# --------------------------------------------------------------------------------------
# The bundled metro with the schematic streets: equal to networkx
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def schematic_multimodal(layout):
    return multimodal_graph(schematic_network(layout))


def _random_points(layout, n, seed):
    rng = np.random.default_rng(seed)
    corridor = layout.corridor.to_crs(4549).geometry.iloc[0]
    minx, miny, maxx, maxy = corridor.bounds
    xy = rng.uniform([minx, miny], [maxx, maxy], (n * 4, 2))
    inside = shapely.contains_xy(corridor.buffer(1500), xy[:, 0], xy[:, 1])
    return gpd.GeoDataFrame(geometry=shapely.points(xy[inside][:n]), crs=4549)


def _brute_street_legs(G, points):
    """Nearest street node by brute force, in EPSG:4549, and the walk to it (s)."""
    tr = Transformer.from_crs(G.graph["crs"], 4549, always_xy=True)
    streets = [n for n, m in G.nodes(data="mode") if m == "street"]
    sx, sy = tr.transform([G.nodes[n]["x"] for n in streets], [G.nodes[n]["y"] for n in streets])
    p = points.to_crs(4549)
    d = np.hypot(
        p.geometry.x.to_numpy()[:, None] - np.asarray(sx)[None],
        p.geometry.y.to_numpy()[:, None] - np.asarray(sy)[None],
    )
    k = d.argmin(axis=1)
    speed = G.graph["walk_kph"] / 3.6
    return (
        [streets[i] for i in k],
        d[np.arange(len(k)), k],
        d[np.arange(len(k)), k] * G.graph["detour"] / speed,
    )


def test_time_to_axis_equals_networkx_on_the_bundled_metro(layout, schematic_multimodal):
    G = schematic_multimodal
    points = _random_points(layout, 400, seed=3)
    out = transit_time_to_axis(points, G, layout=layout, barriers=None)
    # the targets, independently: stations within 500 m of the axis
    st = metro_stations().to_crs(4549)
    axis = layout.axis.to_crs(4549).geometry.iloc[0]
    on_axis = [
        f"station:{s}" for s, g in zip(st["station_id"], st.geometry) if g.distance(axis) <= 500
    ]
    ref = nx.multi_source_dijkstra_path_length(
        G.reverse(copy=True), set(on_axis), weight="travel_time"
    )
    nodes, dist_m, leg_s = _brute_street_legs(G, points)
    ok = dist_m <= 500
    expected = np.array([(leg + ref.get(n, np.inf)) / 60 for n, leg in zip(nodes, leg_s)])
    got = out["travel_time_min"].to_numpy()
    assert np.array_equal(out["reachable"].to_numpy(), ok & np.isfinite(expected))
    np.testing.assert_allclose(got[ok], expected[ok], rtol=0, atol=1e-9)
    assert (out.loc[~ok, "reason"] == "beyond max_distance").all()
    # the distance to the nearest street node, for the points not snapped too
    assert (~ok).any()
    np.testing.assert_allclose(out["snap_distance_m"].to_numpy(), dist_m, rtol=0, atol=1e-6)
    # some of the fastest trips use the metro: slower on foot alone
    walk_view = G.edge_subgraph(
        [
            (u, v, k)
            for u, v, k, m in G.edges(keys=True, data="mode")
            if m in ("walk", "access", "egress")
        ]
    )
    walk_ref = nx.multi_source_dijkstra_path_length(
        walk_view.reverse(copy=True), set(on_axis) & set(walk_view), weight="travel_time"
    )
    walk_only = np.array([(leg + walk_ref.get(n, np.inf)) / 60 for n, leg in zip(nodes, leg_s)])
    assert (got[ok] <= walk_only[ok] + 1e-9).all()
    assert (got[ok] < walk_only[ok] - 1).any()


def test_straight_mode_equals_networkx_and_brute_force(layout):
    G = multimodal_graph()
    points = _random_points(layout, 300, seed=5)
    out = transit_time_to_axis(points, G, layout=layout, barriers=None)
    st = metro_stations().to_crs(4549)
    axis = layout.axis.to_crs(4549).geometry.iloc[0]
    keys = [f"station:{s}" for s in st["station_id"]]
    on_axis = {k for k, g in zip(keys, st.geometry) if g.distance(axis) <= 500}
    ref = nx.multi_source_dijkstra_path_length(G.reverse(copy=True), on_axis, weight="travel_time")
    p = points.geometry
    d = np.hypot(
        p.x.to_numpy()[:, None] - st.geometry.x.to_numpy()[None],
        p.y.to_numpy()[:, None] - st.geometry.y.to_numpy()[None],
    )
    walk = np.where(d <= 5000, d * 1.3 / (4.8 / 3.6), np.inf)
    net = np.array([ref.get(k, np.inf) for k in keys])
    expected = np.min(walk + net[None, :], axis=1) / 60
    np.testing.assert_allclose(out["travel_time_min"].to_numpy(), expected, rtol=0, atol=1e-9)


def test_matrix_equals_networkx(layout, schematic_multimodal):
    G = schematic_multimodal
    o = _random_points(layout, 25, seed=8)
    d = _random_points(layout, 15, seed=9)
    wide = transit_travel_time_matrix(o, d, G, output="wide", barriers=None)
    on, om, ol = _brute_street_legs(G, o)
    dn, dm, dl = _brute_street_legs(G, d)
    for i in range(len(o)):
        ref = nx.single_source_dijkstra_path_length(G, on[i], weight="travel_time")
        for j in range(len(d)):
            if om[i] > 500 or dm[j] > 500:
                assert np.isinf(wide.iloc[i, j])
                continue
            expected = (ol[i] + ref.get(dn[j], np.inf) + dl[j]) / 60
            assert wide.iloc[i, j] == pytest.approx(expected, abs=1e-9) or (
                np.isinf(expected) and np.isinf(wide.iloc[i, j])
            )
    long = transit_travel_time_matrix(o, d, G, barriers=None)
    np.testing.assert_array_equal(long["travel_time_min"].to_numpy(), wide.to_numpy().ravel())


# --------------------------------------------------------------------------------------
# Isochrones and catchments: reachable streets and stations, never hulls
# --------------------------------------------------------------------------------------
def test_isochrone_is_discs_around_reached_stations(small):
    G = multimodal_graph(transit=small_transit(), detour=DETOUR)
    iso = transit_isochrones(pts((X0, Y0 + 100)), G, cutoffs=[5, 30], barriers=None)
    iso_m = iso.to_crs(4549)
    five, thirty = iso_m.geometry.iloc[0], iso_m.geometry.iloc[1]
    r5 = 5 * V / DETOUR
    assert five.area == pytest.approx(np.pi * r5**2, rel=2e-3)
    # within 30 min: A (0); B's street level after 2 + 5 + 10 + 2 = 19 min; C's after
    # 2 + 5 + 10 + (3 + 3) + 5 + 2 = 30 min, with no time left to walk: two discs
    assert iso["n_stations"].tolist() == [1, 3]
    assert thirty.geom_type == "MultiPolygon" and len(thirty.geoms) == 2
    r_b = (30 - 19) * V / DETOUR
    assert thirty.contains(shapely.Point(X0 + 4000 + r_b * 0.99, Y0 + 2000))
    assert not thirty.contains(shapely.Point(X0 + 4000 + r_b * 1.01, Y0 + 2000))
    assert thirty.distance(shapely.Point(X0 + 8000, Y0 + 4200)) > 1000


def test_isochrone_on_streets_is_the_walked_network(small):
    iso = transit_isochrones(pts((X0 + 800, Y0)), small, cutoffs=[5], buffer_m=10, barriers=None)
    poly = iso.to_crs(4549).geometry.iloc[0]
    # 5 minutes = 400 m along the street from a1 towards a0, never a hull
    assert poly.contains(shapely.Point(X0 + 410, Y0))
    assert not poly.contains(shapely.Point(X0 + 380, Y0))
    assert poly.area == pytest.approx(400 * 20 + np.pi * 10**2 / 2 * 2, rel=0.02)


def test_station_catchments_walk_only(small):
    c = station_catchments(small, barriers=None, buffer_m=10)
    assert set(c["name"]) == {"A", "B", "C"}
    assert (c.loc[c["name"] == "B", "reason"] == "no street link").all()
    assert c.loc[c["name"] == "B", "area_km2"].eq(0).all()
    poly_c15 = c[(c["name"] == "C") & (c["minutes"] == 15)].to_crs(4549).geometry.iloc[0]
    # C reaches c0 in 250 m x ... 3.125 min, and all of the 400 m street to c1 (5 min)
    assert poly_c15.contains(shapely.Point(X0 + 8395, Y0 + 4000))
    poly_c5 = c[(c["name"] == "C") & (c["minutes"] == 5)].to_crs(4549).geometry.iloc[0]
    reach = (5 - 200 * DETOUR / V) * V  # metres walked beyond c0
    assert poly_c5.contains(shapely.Point(X0 + 8000 + reach - 5, Y0 + 4000))
    assert not poly_c5.contains(shapely.Point(X0 + 8000 + reach + 15, Y0 + 4000))
    # the catchment never crosses to the other line's streets by train
    assert not poly_c15.intersects(shapely.box(X0 - 100, Y0 - 100, X0 + 900, Y0 + 100))


def test_catchment_coverage_by_hand():
    G = multimodal_graph(transit=small_transit(), detour=DETOUR)
    zone = gpd.GeoDataFrame(
        {"name": ["square"]},
        crs=4549,
        geometry=[shapely.box(X0 - 1000, Y0 - 900, X0 + 1000, Y0 + 1100)],
    )
    cov = catchment_coverage(G, zone, cutoffs=[5, 10], cell_m=20, barriers=None)
    for band, share in zip([5, 10], cov["area_share"]):
        r = band * V / DETOUR
        assert share == pytest.approx(np.pi * r**2 / 4e6, rel=0.01)
    assert cov["cells_not_routed"].eq(0).all()


# --------------------------------------------------------------------------------------
# The planner's question, on the bundled metro network
# --------------------------------------------------------------------------------------
def test_share_of_ocean_city_within_20_30_40_minutes(layout):
    table = transit_access_by_city(layout, cutoffs=[20, 30, 40], cell_m=200)
    ocean = table[table["city"] == "海洋科技城"].set_index("minutes")
    # independently: the same 200 m cells, timed with networkx and brute-force walks
    city = layout.cities.to_crs(4549)
    geom = city.loc[city["name_zh"] == "海洋科技城"].geometry.iloc[0]
    minx, miny, maxx, maxy = geom.bounds
    gx = np.arange(np.floor(minx / 200) * 200 + 100, maxx, 200)
    gy = np.arange(np.floor(miny / 200) * 200 + 100, maxy, 200)
    X, Y = (a.ravel() for a in np.meshgrid(gx, gy))
    inside = shapely.contains_xy(geom, X, Y)
    X, Y = X[inside], Y[inside]
    G = multimodal_graph()
    st = metro_stations().to_crs(4549)
    axis = layout.axis.to_crs(4549).geometry.iloc[0]
    keys = [f"station:{s}" for s in st["station_id"]]
    on_axis = {k for k, g in zip(keys, st.geometry) if g.distance(axis) <= 500}
    ref = nx.multi_source_dijkstra_path_length(G.reverse(copy=True), on_axis, weight="travel_time")
    net = np.array([ref.get(k, np.inf) for k in keys])
    d = np.hypot(
        X[:, None] - st.geometry.x.to_numpy()[None], Y[:, None] - st.geometry.y.to_numpy()[None]
    )
    t = np.min(np.where(d <= 5000, d * 1.3 / (4.8 / 3.6), np.inf) + net[None], axis=1) / 60
    assert ocean.loc[20.0, "n_cells"] == len(X)
    for band in (20.0, 30.0, 40.0):
        assert ocean.loc[band, "area_share"] == pytest.approx((t <= band).mean(), abs=1e-12)
    shares = ocean["area_share"].to_numpy()
    assert 0 < shares[0] < shares[1] < shares[2] <= 1
    assert table.attrs["attribution"].startswith("Qingdao metro network")
    assert "straight lines" in table.attrs["network"]


def test_access_by_city_with_resources_and_streets(layout):
    from corridor_geo import sample_resources

    res = sample_resources()
    G = multimodal_graph(schematic_network(layout))
    table = transit_access_by_city(layout, cutoffs=[15, 30], G=G, resources=res, cell_m=300)
    assert {"resources", "resources_within", "resources_share"} <= set(table.columns)
    assert (table["resources_within"] <= table["resources"]).all()
    by_city = table.groupby("city")["resources_within"].apply(lambda s: s.is_monotonic_increasing)
    assert by_city.all()
    # every resource inside a city is counted there, whether routed or not
    from corridor_geo.zones import assign_zones

    keys = assign_zones(res, layout=layout, layers=("cities",))["cities"]
    counts = keys.map(dict(zip(layout.cities["key"], layout.cities["name_zh"]))).value_counts()
    got = table[table["minutes"] == 15].set_index("city")["resources"]
    for name, n in counts.items():
        assert got[name] == n
    assert "cells" in table.attrs["summary"] and "resources" in table.attrs["summary"]


# --------------------------------------------------------------------------------------
# The 2SFCA report: supply sites that cannot be routed are counted, not silently lost
# --------------------------------------------------------------------------------------
def test_two_step_fca_reports_stations_it_cannot_route(layout, caplog):
    G = schematic_network(layout)
    stations = metro_stations()
    demand = _random_points(layout, 40, seed=2).to_crs(4326)
    snapped = nearest_nodes(G, stations, max_distance=500)
    expected = int((~snapped["snapped"]).sum())
    assert expected > 100  # most stations lie outside the corridor's schematic lattice
    with caplog.at_level(logging.WARNING, logger="corridor_geo.access"):
        out = two_step_fca(demand, stations, G, cutoff=15, layout=layout)
    summary = out.attrs["summary"]
    assert summary["supply_not_routed"] == expected
    assert set(summary["supply_not_routed_labels"]) == set(stations.index[~snapped["snapped"]])
    assert any("could not be routed" in r.getMessage() for r in caplog.records)
    assert len(out) == len(demand) and {"reachable", "reason"} <= set(out.columns)


def test_metro_attribution_travels(schematic_multimodal, layout):
    credit = metro_graph().graph["attribution"]
    assert schematic_multimodal.graph["attribution"] == credit
    from corridor_geo.axis import point_at_chainage

    one = point_at_chainage([10.0], layout=layout)
    assert (
        transit_time_to_axis(one, schematic_multimodal, layout=layout).attrs["attribution"]
        == credit
    )
    assert (
        transit_isochrones(one, schematic_multimodal, cutoffs=[5], layout=layout).attrs[
            "attribution"
        ]
        == credit
    )
    assert schematic_multimodal.graph["street_status"] == "schematic"
    assert (
        pd.Series(dict(schematic_multimodal.nodes(data="mode"))).value_counts()["station"] == 177
    )


def test_grid_search_finds_the_kdtree_nearest_node():
    """The compiled grid search used without barriers equals a KD-tree's answer."""
    from scipy.spatial import cKDTree

    from corridor_geo.transit import _build_grid, _grid_nearest

    rng = np.random.default_rng(7)
    for n, m in [(1, 50), (40, 2000), (20_000, 20_000)]:
        nodes = rng.uniform(0, 20_000, (n, 2))
        nodes[: n // 10] = nodes[: n // 10].round(-3)  # clustered nodes on shared cells
        pts = rng.uniform(-3000, 23_000, (m, 2))  # some outside the nodes' box
        order, start, dims, minx, miny, cell = _build_grid(nodes)
        for max_d in (300.0, 1e9):
            idx, dist = _grid_nearest(
                pts[:, 0].copy(),
                pts[:, 1].copy(),
                nodes[:, 0].copy(),
                nodes[:, 1].copy(),
                order,
                start,
                dims,
                minx,
                miny,
                cell,
                max_d,
            )
            ref_d, ref_i = cKDTree(nodes).query(pts)
            within = ref_d <= max_d
            assert np.array_equal(idx >= 0, within)
            np.testing.assert_allclose(dist[within], ref_d[within], rtol=0, atol=1e-9)
            same = idx[within] == ref_i[within]
            # a different index only where two nodes are exactly as near
            assert np.allclose(
                np.hypot(*(nodes[idx[within][~same]] - pts[within][~same]).T),
                ref_d[within][~same],
            )
