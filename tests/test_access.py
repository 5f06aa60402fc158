"""Routing engine against networkx, 2SFCA against PySAL access, isochrones, coverage, CLI."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from corridor_geo import InputError, MissingCRSError, cli, crs
from corridor_geo.access import (
    gaussian_decay,
    isochrones,
    network_coverage,
    routing_engine,
    step_decay,
    time_to_axis,
    travel_time_matrix,
    two_step_fca,
)
from corridor_geo.axis import chainage, point_at_chainage
from corridor_geo.network import graph_from_osm, schematic_network

DATA = Path(__file__).parent / "data"
X0, Y0 = 500_000.0, 4_000_000.0


def random_graph(seed: int, n: int = 150, m: int = 600) -> nx.MultiDiGraph:
    """Random directed multigraph: parallel edges, self-loops, zero weights, pieces apart."""
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs="EPSG:4549")
    xy = rng.uniform(0, 20_000, (n, 2))
    for i in range(n):
        G.add_node(i, x=X0 + xy[i, 0], y=Y0 + xy[i, 1])
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    w = rng.uniform(0, 300, m)
    w[rng.random(m) < 0.05] = 0.0
    for a, b, c in zip(u, v, w):
        G.add_edge(int(a), int(b), travel_time=float(c), length=float(c) * 10)
    # Parallel edges with different weights, and an island.
    for a, b in zip(u[:30], v[:30]):
        G.add_edge(int(a), int(b), travel_time=float(rng.uniform(0, 50)), length=1.0)
    G.add_node(n, x=X0 - 5000, y=Y0)
    G.add_node(n + 1, x=X0 - 5100, y=Y0)
    G.add_edge(n, n + 1, travel_time=10.0, length=100.0)
    return G


def points_at_nodes(G, nodes, crs_out="EPSG:4549"):
    xy = [(G.nodes[n]["x"], G.nodes[n]["y"]) for n in nodes]
    return gpd.GeoDataFrame(
        {"node_id": list(nodes)}, geometry=shapely.points(xy), crs=G.graph["crs"]
    ).to_crs(crs_out)


# --------------------------------------------------------------------------------------
# The engine equals networkx
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_engine_equals_networkx_single_source(seed):
    G = random_graph(seed)
    eng = routing_engine(G)
    nodes = list(G.nodes)
    sources = nodes[::7]
    dist = eng.distances([eng.index[s] for s in sources])
    for row, s in zip(dist, sources):
        ref = nx.single_source_dijkstra_path_length(G, s, weight="travel_time")
        expected = np.array([ref.get(t, np.inf) for t in eng.nodes])
        np.testing.assert_allclose(row, expected, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_engine_equals_networkx_multi_source_reverse_and_limits(seed):
    G = random_graph(seed + 100)
    eng = routing_engine(G, edge_weight="length")
    rng = np.random.default_rng(seed)
    sources = [int(s) for s in rng.choice(150, 12, replace=False)]
    pos = [eng.index[s] for s in sources]
    # Multi-source, with the nearest source for every node.
    dist, src = eng.distances(pos, min_only=True)
    ref = nx.multi_source_dijkstra_path_length(G, set(sources), weight="length")
    expected = np.array([ref.get(t, np.inf) for t in eng.nodes])
    np.testing.assert_allclose(dist, expected, rtol=1e-12, atol=1e-9)
    reached = np.isfinite(dist)
    assert (src[~reached] == -1).all()
    for t in np.flatnonzero(reached)[:40]:
        s = eng.nodes[src[t]]
        assert nx.dijkstra_path_length(G, s, eng.nodes[t], weight="length") == pytest.approx(
            dist[t], abs=1e-9
        )
    # Reverse: costs *to* the sources, as networkx on the reversed graph.
    back, _ = eng.distances(pos, min_only=True, reverse=True)
    ref_back = nx.multi_source_dijkstra_path_length(
        G.reverse(copy=True), set(sources), weight="length"
    )
    np.testing.assert_allclose(
        back, [ref_back.get(t, np.inf) for t in eng.nodes], rtol=1e-12, atol=1e-9
    )
    # Limit: networkx's cutoff keeps exactly the nodes within it.
    limit = float(np.nanmedian(expected[np.isfinite(expected)]))
    lim, _ = eng.distances(pos, min_only=True, limit=limit)
    ref_lim = nx.multi_source_dijkstra_path_length(G, set(sources), cutoff=limit, weight="length")
    assert {eng.nodes[i] for i in np.flatnonzero(np.isfinite(lim))} == set(ref_lim)
    for t, d in ref_lim.items():
        assert lim[eng.index[t]] == pytest.approx(d, abs=1e-9)


def test_engine_is_cached_and_rebuilt_when_the_graph_changes():
    G = random_graph(1)
    eng = routing_engine(G)
    assert routing_engine(G) is eng
    assert routing_engine(G, edge_weight="length") is not eng
    a, b = next((a, b) for a in G for b in G if a != b and not G.has_edge(a, b))
    G.add_edge(a, b, travel_time=0.5, length=1.0)
    new = routing_engine(G)
    assert new is not eng
    assert new.distances([new.index[a]])[0][new.index[b]] == 0.5
    # Changed weights need an explicit rebuild.
    G.edges[a, b, 0]["travel_time"] = 0.25
    assert routing_engine(G) is new
    assert routing_engine(G, rebuild=True).distances([new.index[a]])[0][new.index[b]] == 0.25


def test_engine_refuses_bad_weights_and_graphs():
    G = nx.MultiDiGraph(crs="EPSG:4549")
    G.add_node(1, x=X0, y=Y0)
    G.add_node(2, x=X0 + 10, y=Y0)
    G.add_edge(1, 2, length=10.0)
    with pytest.raises(InputError, match="add_travel_times"):
        routing_engine(G)
    G.add_edge(2, 1, travel_time=-1.0)
    G.edges[1, 2, 0]["travel_time"] = 1.0
    with pytest.raises(InputError, match="negative"):
        routing_engine(G)
    H = nx.MultiDiGraph()
    H.add_node(1, x=X0, y=Y0)
    with pytest.raises(MissingCRSError):
        routing_engine(H)


def test_undirected_graphs_count_both_ways():
    G = nx.Graph(crs="EPSG:4549")
    G.add_node("a", x=X0, y=Y0)
    G.add_node("b", x=X0 + 100, y=Y0)
    G.add_edge("a", "b", travel_time=5.0)
    eng = routing_engine(G)
    assert eng.distances([eng.index["b"]])[0][eng.index["a"]] == 5.0


# --------------------------------------------------------------------------------------
# Travel time matrices
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(3))
def test_travel_time_matrix_equals_networkx(seed):
    G = random_graph(seed + 10)
    rng = np.random.default_rng(seed)
    o_nodes = [int(x) for x in rng.choice(150, 25)] + [150]  # one on the island
    d_nodes = [int(x) for x in rng.choice(150, 9)]
    origins = points_at_nodes(G, o_nodes, "EPSG:4326")
    destinations = points_at_nodes(G, d_nodes)
    wide = travel_time_matrix(origins, destinations, G, output="wide")
    long = travel_time_matrix(origins, destinations, G)
    assert wide.shape == (26, 9)
    assert len(long) == 26 * 9  # unreachable pairs are kept
    for i, o in enumerate(o_nodes):
        ref = nx.single_source_dijkstra_path_length(G, o, weight="travel_time")
        expected = np.array([ref.get(d, np.inf) / 60 for d in d_nodes])
        np.testing.assert_allclose(wide.iloc[i].to_numpy(), expected, rtol=1e-12, atol=1e-9)
    assert np.isinf(wide.iloc[-1]).all()
    assert (long.loc[~long["reachable"], "reason"] == "no path (disconnected)").all()
    np.testing.assert_allclose(long["travel_time_min"], wide.to_numpy().ravel())
    # A cutoff turns longer trips into inf, never dropping them.
    cut = travel_time_matrix(origins, destinations, G, cutoff=4.0, output="wide")
    full = wide.to_numpy()
    np.testing.assert_array_equal(np.where(full <= 4.0, full, np.inf), cut.to_numpy())


def test_travel_time_matrix_reports_points_off_the_network():
    G = random_graph(3)
    origins = points_at_nodes(G, [0, 1])
    destinations = gpd.GeoDataFrame(
        geometry=[shapely.Point(X0 + 10_000, Y0 + 10_000), shapely.Point(X0 + 90_000, Y0)],
        crs=4549,
    )
    out = travel_time_matrix(origins, destinations, G, max_distance=3000)
    far = out[out["destination"] == 1]
    assert np.isinf(far["travel_time_min"]).all()
    assert (far["reason"] == "destination beyond max_distance").all()
    assert out.attrs["destinations_not_snapped"] == 1
    nowhere = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 90_000, Y0)], crs=4549)
    with pytest.raises(InputError, match="could be snapped"):
        travel_time_matrix(nowhere, destinations, G)


# --------------------------------------------------------------------------------------
# Travel time to the axis
# --------------------------------------------------------------------------------------
def test_time_to_axis_on_the_schematic_network_equals_networkx(layout):
    G = schematic_network(layout)
    lattice = [n for n, d in G.nodes(data=True) if d["kind"] == "lattice"][::25]
    pts = points_at_nodes(G, lattice, "EPSG:4326")
    out = time_to_axis(pts, G, layout=layout)
    assert out.index.equals(pts.index)
    junctions = {n for n, d in G.nodes(data=True) if d["kind"] == "junction"}
    assert out.attrs["access_nodes"].startswith(f"{len(junctions)} nodes of roads named")
    ref = nx.multi_source_dijkstra_path_length(
        G.reverse(copy=True), junctions, weight="travel_time"
    )
    np.testing.assert_allclose(out["travel_time_min"], [ref[n] / 60 for n in lattice], rtol=1e-12)
    assert out["reachable"].all()
    assert set(out["access_node"]) <= junctions
    chain = np.array([G.nodes[a]["chainage_km"] for a in out["access_node"]])
    np.testing.assert_allclose(out["access_chainage_km"], chain, atol=1e-6)
    # Every trip to the axis takes at least the straight distance at the top speed.
    ref_pts = chainage(pts, layout=layout)
    assert (out["travel_time_min"] * 60 * (60 / 3.6) >= ref_pts["distance_m"] - 1e-6).all()


def test_time_to_axis_by_hand_on_a_tiny_network():
    # A straight north-south axis and a street leading east from its middle.
    axis = gpd.GeoSeries([shapely.LineString([(X0, Y0), (X0, Y0 + 4000)])], crs=4549)
    G = nx.MultiDiGraph(crs="EPSG:4549")
    coords = {0: (X0, Y0), 1: (X0, Y0 + 2000), 2: (X0, Y0 + 4000), 3: (X0 + 600, Y0 + 2000)}
    coords[4] = (X0 + 1500, Y0 + 2000)
    coords[5] = (X0 + 3000, Y0 + 3000)  # an island
    for n, (x, y) in coords.items():
        G.add_node(n, x=x, y=y)
    for a, b, t in [(0, 1, 100), (1, 2, 100), (1, 3, 60), (3, 4, 90)]:
        G.add_edge(a, b, travel_time=float(t), name="滨海大道" if b <= 2 else "side street")
        G.add_edge(b, a, travel_time=float(t), name="滨海大道" if b <= 2 else "side street")
    pts = gpd.GeoSeries(
        shapely.points([(X0 + 1490, Y0 + 2010), (X0 + 610, Y0 + 1990), (X0 + 3000, Y0 + 3010)]),
        crs=4549,
        index=["lab", "firm", "island"],
    )
    out = time_to_axis(pts, G, layout=axis, barriers=None)
    assert out.loc["lab", "travel_time_min"] == pytest.approx(150 / 60)
    assert out.loc["firm", "travel_time_min"] == pytest.approx(1.0)
    assert out.loc["lab", "access_node"] == 1
    assert out.loc["lab", "access_chainage_km"] == pytest.approx(2.0)
    assert np.isinf(out.loc["island", "travel_time_min"])
    assert out.loc["island", "reason"] == "no path to the axis (disconnected)"
    assert not out.loc["island", "reachable"]
    lengths = time_to_axis(
        pts.iloc[:1], _with_lengths(G), layout=axis, barriers=None, edge_weight="length"
    )
    assert lengths["distance_m"].iloc[0] == pytest.approx(1500.0)


def _with_lengths(G):
    H = G.copy()
    for a, b, d in H.edges(data=True):
        d["length"] = float(
            np.hypot(H.nodes[a]["x"] - H.nodes[b]["x"], H.nodes[a]["y"] - H.nodes[b]["y"])
        )
    return H


def test_time_to_axis_on_osm_data_uses_named_nodes(layout):
    G = graph_from_osm(DATA / "corridor_tiny.osm")
    axis = gpd.GeoSeries([shapely.LineString([(120.480, 36.14), (120.4802, 36.16)])], crs=4326)
    pts = gpd.GeoSeries([shapely.Point(120.4811, 36.1519)], crs=4326)
    out = time_to_axis(pts, G, layout=axis, barriers=None)
    # From 11 to 5 to 2, the nearest node of the road named 滨海大道 (nodes 1, 2, 3).
    expected = (G.edges[11, 5, 0]["travel_time"] + G.edges[5, 2, 0]["travel_time"]) / 60
    assert out["node"].iloc[0] == 11 and out["access_node"].iloc[0] == 2
    assert out["travel_time_min"].iloc[0] == pytest.approx(expected)


# --------------------------------------------------------------------------------------
# Isochrones
# --------------------------------------------------------------------------------------
def ring_graph():
    """A square ring road 2 km a side around a block, two-way, 1 km per minute."""
    G = nx.MultiDiGraph(crs="EPSG:4549")
    corners = [(0, 0), (2000, 0), (2000, 2000), (0, 2000)]
    for i, (x, y) in enumerate(corners):
        G.add_node(i, x=X0 + x, y=Y0 + y)
    for i in range(4):
        j = (i + 1) % 4
        G.add_edge(i, j, travel_time=120.0, length=2000.0)
        G.add_edge(j, i, travel_time=120.0, length=2000.0)
    return G


def test_isochrones_follow_the_streets_and_keep_holes():
    G = ring_graph()
    pt = gpd.GeoDataFrame({"name": ["corner"]}, geometry=[shapely.Point(X0, Y0)], crs=4549)
    iso = isochrones(pt, G, cutoffs=(1, 2, 5), buffer_m=20)
    assert list(iso["minutes"]) == [1.0, 2.0, 5.0] and (iso["point"] == 0).all()
    polys = iso.to_crs(4549).geometry.tolist()
    # 1 minute: 1 km along each of the two streets from the corner.
    _, _, x1, y1 = polys[0].bounds
    assert (x1 - X0, y1 - Y0) == (pytest.approx(1020, abs=0.5), pytest.approx(1020, abs=0.5))
    # Expected area: two 1 km x 40 m strips with round ends, overlapping at the corner.
    expected = shapely.buffer(
        shapely.MultiLineString([[(X0, Y0), (X0 + 1000, Y0)], [(X0, Y0), (X0, Y0 + 1000)]]), 20
    )
    assert polys[0].area == pytest.approx(expected.area, rel=0.01)
    # 5 minutes reach the whole ring: the block inside stays a hole.
    assert polys[2].geom_type == "Polygon" and len(polys[2].interiors) == 1
    assert not polys[2].contains(shapely.Point(X0 + 1000, Y0 + 1000))
    hull = polys[2].convex_hull
    assert polys[2].area < 0.1 * hull.area
    # Bands nest.
    assert polys[1].buffer(1e-6).contains(polys[0]) and polys[2].buffer(1e-6).contains(polys[1])
    np.testing.assert_allclose(iso["area_km2"], [p.area / 1e6 for p in polys])


def test_isochrones_respect_one_way_streets_and_report_unsnapped_points():
    G = ring_graph()
    G.remove_edge(1, 0)  # 0 -> 1 only
    G.remove_edge(0, 1)
    G.add_edge(1, 0, travel_time=120.0)  # now 1 -> 0 only
    pts = gpd.GeoSeries([shapely.Point(X0, Y0), shapely.Point(X0 + 50_000, Y0)], crs=4549)
    iso = isochrones(pts, G, cutoffs=[1], buffer_m=10).to_crs(4549)
    first = iso.geometry.iloc[0]
    assert first.bounds[2] < X0 + 11  # nothing east along the one-way street
    assert first.bounds[3] == pytest.approx(Y0 + 1010, abs=0.5)
    assert iso.geometry.iloc[1].is_empty and iso["reason"].iloc[1] == "beyond max_distance"


def test_isochrone_cuts_an_undirected_edge_from_the_reached_end():
    """One geometry per undirected edge, stored from node 2 to node 1 (a detour north):
    500 m from node 1 is the 500 m of the way next to node 1, not next to node 2."""
    G = nx.MultiGraph(crs="EPSG:4549")
    G.add_node(1, x=500_000.0, y=4_000_000.0)
    G.add_node(2, x=502_000.0, y=4_000_000.0)
    way = shapely.LineString(
        [(502_000, 4_000_000), (502_000, 4_001_000), (500_000, 4_001_000), (500_000, 4_000_000)]
    )
    G.add_edge(2, 1, length=4000.0, geometry=way)
    assert list(G.edges()) == [(1, 2)]  # listed from the other end
    pt = gpd.GeoSeries([shapely.Point(500_000, 4_000_000)], crs=4549)
    iso = isochrones(pt, G, cutoffs=[500], edge_weight="length", buffer_m=10, barriers=None)
    poly = iso.to_crs(4549).geometry.iloc[0]
    # Hand oracle: the way's first 500 m from node 1 run north along x = 500000.
    assert poly.bounds == pytest.approx((499_990, 3_999_990, 500_010, 4_000_510), abs=0.01)


def test_isochrones_match_the_network_on_the_schematic_default(layout):
    G = schematic_network(layout)
    site = point_at_chainage([10.0], layout=layout)
    iso = isochrones(site, G, cutoffs=(5, 10)).to_crs(4549)
    assert iso["area_km2"].iloc[0] < iso["area_km2"].iloc[1]
    # Every lattice node reached within 10 minutes lies in the 10-minute polygon,
    # every one not reached within 10.5 minutes lies outside it.
    eng = routing_engine(G)
    src = eng.index[int(time_to_axis(site, G, layout=layout)["node"].iloc[0])]
    dist = eng.distances([src])[0] / 60
    xy = eng.geo.xy
    inside = shapely.contains_xy(iso.geometry.iloc[1].buffer(1), xy[:, 0], xy[:, 1])
    assert inside[dist <= 10].all()
    # A node not reached in time can only be inside where a reached street passes
    # within the 50 m buffer: here, the avenue running past lattice nodes.
    strays = np.flatnonzero(inside & (dist > 10.5))
    avenue = shapely.union_all(
        [
            shapely.LineString([eng.geo.xy[eng.index[u]], eng.geo.xy[eng.index[v]]])
            for u, v, d in G.edges(data=True)
            if d["highway"] == "trunk"
        ]
    )
    assert (shapely.distance(avenue, shapely.points(xy[strays])) <= 51).all()
    assert (dist > 10.5).sum() > 10 * max(len(strays), 1)


# --------------------------------------------------------------------------------------
# Two-step floating catchment area: PySAL access as the oracle
# --------------------------------------------------------------------------------------
def _pysal(demand, supply, cost_long, threshold, weight_fn=None, enhanced=False):
    access = pytest.importorskip("access")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecations inside access
        a = access.Access(
            demand_df=demand.rename_axis("geoid").reset_index(),
            demand_index="geoid",
            demand_value="pop",
            supply_df=supply.rename_axis("geoid").reset_index(),
            supply_index="geoid",
            supply_value="doctors",
            cost_df=cost_long,
            cost_origin="origin",
            cost_dest="destination",
            cost_name="cost",
        )
        if enhanced:
            out = a.enhanced_two_stage_fca(name="x", max_cost=threshold, weight_fn=weight_fn)
        else:
            out = a.two_stage_fca(name="x", max_cost=threshold, weight_fn=weight_fn)
    return out["x_doctors"].reindex(demand.index).fillna(0.0)


def _random_fca(seed):
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"pop": rng.integers(100, 5000, 60).astype(float)})
    demand.index = [f"d{i}" for i in range(60)]
    supply = pd.DataFrame({"doctors": rng.integers(1, 20, 15).astype(float)})
    supply.index = [f"s{i}" for i in range(15)]
    cost = pd.DataFrame(rng.uniform(0, 45, (60, 15)), index=demand.index, columns=supply.index)
    long = cost.stack().rename("cost").rename_axis(["origin", "destination"]).reset_index()
    return demand, supply, cost, long


@pytest.mark.parametrize("seed", range(3))
def test_2sfca_equals_pysal_access(seed):
    demand, supply, cost, long = _random_fca(seed)
    ours = two_step_fca(demand, supply, cost, cutoff=20, demand_col="pop", supply_col="doctors")
    ref = _pysal(demand, supply, long, 20)
    assert (ref > 0).sum() > 30
    np.testing.assert_allclose(ours["accessibility"], ref, rtol=1e-6, atol=1e-15)
    # The long form of the same costs gives the same answer.
    again = two_step_fca(demand, supply, long, cutoff=20, demand_col="pop", supply_col="doctors")
    np.testing.assert_allclose(again["accessibility"], ours["accessibility"], rtol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_enhanced_2sfca_equals_pysal_access(seed):
    from access import weights

    demand, supply, cost, long = _random_fca(seed + 10)
    steps = {10: 1.0, 20: 0.68, 30: 0.22}
    ours = two_step_fca(
        demand, supply, cost, cutoff=30, decay=steps, demand_col="pop", supply_col="doctors"
    )
    ref = _pysal(demand, supply, long, 30, weights.step_fn(steps), enhanced=True)
    np.testing.assert_allclose(ours["accessibility"], ref, rtol=1e-6, atol=1e-15)
    ours_g = two_step_fca(
        demand,
        supply,
        cost,
        cutoff=30,
        decay=gaussian_decay(12.0),
        demand_col="pop",
        supply_col="doctors",
    )
    ref_g = _pysal(demand, supply, long, 30, weights.gaussian(12.0), enhanced=True)
    np.testing.assert_allclose(ours_g["accessibility"], ref_g, rtol=1e-6, atol=1e-15)


def test_2sfca_by_hand_and_total_supply_is_conserved():
    demand = pd.DataFrame({"pop": [1000.0, 3000.0, 500.0]}, index=["a", "b", "far"])
    supply = pd.DataFrame({"doctors": [2.0, 6.0]}, index=["x", "y"])
    cost = pd.DataFrame(
        [[5, 20], [12, 8], [99, 99]], index=demand.index, columns=supply.index, dtype=float
    )
    out = two_step_fca(demand, supply, cost, cutoff=15, demand_col="pop", supply_col="doctors")
    # x serves a and b (4000 people): 2/4000; y serves b (3000): 6/3000.
    assert out.loc["a", "accessibility"] == pytest.approx(2 / 4000)
    assert out.loc["b", "accessibility"] == pytest.approx(2 / 4000 + 6 / 3000)
    assert out.loc["far", "accessibility"] == 0.0 and out.loc["far", "n_supply_within"] == 0
    # Every doctor is shared out: sum of access x population = supply reachable.
    assert (out["accessibility"] * demand["pop"]).sum() == pytest.approx(8.0)
    with pytest.raises(InputError, match="does not cover"):
        two_step_fca(demand, supply, cost.iloc[:2], cutoff=15)
    with pytest.raises(InputError, match="cutoff"):
        two_step_fca(demand, supply, cost, cutoff=0)


def test_2sfca_on_a_graph_equals_2sfca_on_its_matrix(layout):
    G = schematic_network(layout)
    rng = np.random.default_rng(3)
    demand = gpd.GeoDataFrame(
        {"pop": rng.integers(100, 1000, 30)},
        geometry=point_at_chainage(
            rng.uniform(0, 50, 30), layout=layout, offset_m=rng.uniform(-800, 800, 30)
        ).values,
        crs=4326,
    )
    supply = gpd.GeoDataFrame(
        {"labs": rng.integers(1, 5, 6)},
        geometry=point_at_chainage(rng.uniform(0, 50, 6), layout=layout).values,
        crs=4326,
    )
    via_graph = two_step_fca(demand, supply, G, cutoff=15, demand_col="pop", supply_col="labs")
    matrix = travel_time_matrix(demand, supply, G, output="wide")
    via_matrix = two_step_fca(
        demand, supply, matrix, cutoff=15, demand_col="pop", supply_col="labs"
    )
    np.testing.assert_allclose(via_graph["accessibility"], via_matrix["accessibility"], rtol=1e-12)
    assert (via_graph["accessibility"] > 0).any()


def test_step_decay_is_pysal_step_fn():
    from access import weights

    steps = {10: 1.0, 20: 0.68, 30: 0.22}
    values = np.array([0, 5, 10, 10.0001, 20, 25, 30, 30.5, 100])
    ref = [weights.step_fn(steps)(v) for v in values]
    np.testing.assert_array_equal(step_decay(steps)(values), ref)


# --------------------------------------------------------------------------------------
# Coverage of zones
# --------------------------------------------------------------------------------------
def test_network_coverage_by_hand():
    G = ring_graph()
    fac = gpd.GeoSeries([shapely.Point(X0, Y0)], crs=4549)
    zones = gpd.GeoDataFrame(
        {"name": ["south", "north"]},
        geometry=[
            shapely.box(X0 - 100, Y0 - 100, X0 + 2100, Y0 + 100),
            shapely.box(X0 - 100, Y0 + 1900, X0 + 2100, Y0 + 2100),
        ],
        crs=4549,
    )
    people = gpd.GeoDataFrame(
        {"pop": [100, 200, 300, 400]},
        geometry=shapely.points(
            [(X0 + 500, Y0), (X0 + 1900, Y0), (X0 + 100, Y0 + 2000), (X0 + 1000, Y0 + 2000)]
        ),
        crs=4549,
    )
    cov = network_coverage(
        fac,
        G,
        zones,
        cutoff=1.0,
        buffer_m=20,
        population=people,
        population_col="pop",
        zone_col="name",
    )
    south = cov.set_index("zone").loc["south"]
    # Within 1 minute: the first km of the south street (and of the west street).
    reach = shapely.union_all(
        [
            shapely.LineString([(X0, Y0), (X0 + 1000, Y0)]).buffer(20),
            shapely.LineString([(X0, Y0), (X0, Y0 + 1000)]).buffer(20),
        ]
    )
    expected = shapely.intersection(reach, zones.geometry.iloc[0]).area / 1e6
    assert south["area_within_km2"] == pytest.approx(expected, rel=0.01)
    assert south["area_share"] == pytest.approx(expected / 0.44, rel=0.01)
    assert south["population_within"] == 100.0 and south["population"] == 300.0
    assert cov.set_index("zone").loc["north", "population_within"] == 0.0
    # Snapped to node 1 at 2 minutes: not covered; the same with 2.5 minutes: covered.
    more = network_coverage(
        fac, G, zones, cutoff=2.5, population=people, population_col="pop", zone_col="name"
    )
    assert more.set_index("zone").loc["south", "population_share"] == pytest.approx(1.0)


def test_network_coverage_of_the_layout_cities_agrees_with_point_times(layout):
    G = schematic_network(layout)
    rng = np.random.default_rng(9)
    stations = point_at_chainage(np.arange(1, 52, 5.0), layout=layout)
    res = gpd.GeoDataFrame(
        {"staff": rng.integers(1, 100, 200)},
        geometry=point_at_chainage(
            rng.uniform(0, 51, 200), layout=layout, offset_m=rng.uniform(-1500, 1500, 200)
        ).values,
        crs=4326,
    )
    cov = network_coverage(
        stations, G, layout.cities, cutoff=10, resources=res, resources_col="staff"
    )
    assert set(cov["zone"]) == set(layout.cities["name_zh"])
    assert ((cov["area_share"] > 0) & (cov["area_share"] <= 1)).all()
    # Oracle: each resource's time to its nearest station, from the matrix.
    times = travel_time_matrix(res, stations, G, output="wide").min(axis=1).to_numpy()
    cities = crs.to_analysis_crs(layout.cities)
    pts = crs.to_analysis_crs(res)
    for row in cov.itertuples():
        poly = cities.loc[cities["name_zh"] == row.zone].geometry.iloc[0]
        inside = shapely.contains_xy(poly, pts.geometry.x, pts.geometry.y)
        assert row.resources == pytest.approx(res["staff"][inside].sum())
        assert row.resources_within == pytest.approx(res["staff"][inside & (times <= 10)].sum())


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------
def _gcj_if(lon, lat, datum):
    return list(crs.wgs84_to_gcj02(lon, lat)) if datum == "GCJ02" else [lon, lat]


def _resources_csv(tmp_path, layout, n=12, datum="WGS84"):
    rng = np.random.default_rng(2)
    pts = point_at_chainage(
        rng.uniform(0, 50, n), layout=layout, offset_m=rng.uniform(-1000, 1000, n)
    )
    if datum == "GCJ02":
        pts = crs.to_datum(pts, "GCJ02")
    table = pd.DataFrame(
        {"name": [f"lab {i}" for i in range(n)], "lon": pts.x.to_numpy(), "lat": pts.y.to_numpy()}
    )
    table.loc[n] = ["far away", 121.9, 37.5]  # outside Qingdao: rejected by the reader
    table.loc[n + 1] = ["pingdu", *_gcj_if(119.95, 36.78, datum)]  # in Qingdao, off the network
    path = tmp_path / "labs.csv"
    table.to_csv(path, index=False)
    return path


def test_cli_access_on_the_schematic_default(layout, tmp_path, capsys):
    path = _resources_csv(tmp_path, layout, datum="GCJ02")
    out = tmp_path / "out"
    rc = cli.main(
        [
            "access",
            "--resources",
            str(path),
            "--datum",
            "GCJ02",
            "--out",
            str(out),
            "--isochrones",
            "5,10",
        ]
    )
    printed = capsys.readouterr().out
    assert rc == 1  # two resources could not be routed: reported, exit code 1
    assert "schematic" in printed and "indicative" in printed
    assert "2 of 14" in printed
    table = pd.read_csv(out / "access.csv", encoding="utf-8-sig")
    # Every row read is in the table, in the file's order, with its reason.
    assert len(table) == 14 and table["name"].tolist()[-2:] == ["far away", "pingdu"]
    assert table["reason"].tolist()[-2:] == ["outside Qingdao", "beyond max_distance"]
    assert np.isinf(table["axis_time_min"].iloc[-1])  # routed: no network within reach
    assert np.isnan(table["axis_time_min"].iloc[-2])  # rejected by the reader: not routed
    assert np.isfinite(table["axis_time_min"].iloc[:-2]).all()
    assert np.isfinite(table["facility_time_min"].iloc[:-2]).all()
    assert table["nearest_facility"].iloc[:-2].notna().all()
    # The table's times equal the library's on the same inputs.
    G = schematic_network(layout)
    pts = crs.set_datum(
        gpd.GeoDataFrame(geometry=gpd.points_from_xy(table["lon"], table["lat"])), "GCJ02"
    )
    ref = time_to_axis(pts.iloc[:-2], G, layout=layout)
    np.testing.assert_allclose(table["axis_time_min"].iloc[:-2], ref["travel_time_min"], rtol=1e-9)
    iso = gpd.read_file(out / "isochrones.gpkg", layer="isochrones")
    assert set(iso["minutes"]) == {5.0, 10.0} and iso.crs.to_epsg() == 4326


def test_cli_access_on_an_osm_file(tmp_path, capsys):
    table = pd.DataFrame(
        {"name": ["a", "b"], "lon": [120.4811, 120.4801], "lat": [36.1519, 36.1501]}
    )
    path = tmp_path / "pts.csv"
    table.to_csv(path, index=False)
    fac = tmp_path / "fac.geojson"
    gpd.GeoDataFrame(
        {"name": ["stop"]}, geometry=[shapely.Point(120.4821, 36.1501)], crs=4326
    ).to_file(fac)
    rc = cli.main(
        [
            "access",
            "--resources",
            str(path),
            "--osm",
            str(DATA / "corridor_tiny.osm"),
            "--facilities",
            str(fac),
            "--out",
            str(tmp_path / "o"),
            "--max-snap",
            "100",
            "--datum",
            "WGS84",
        ]
    )
    assert rc == 0
    out = pd.read_csv(tmp_path / "o" / "access.csv", encoding="utf-8-sig")
    assert out["nearest_facility"].tolist() == ["stop", "stop"]
    assert "strongly connected components" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--osm", "missing.osm.pbf"], "no such OSM file"),
        (["--osm", str(DATA / "no_roads.osm")], "no roads of network type"),
        (["--resources", "nothing.csv"], "no such file"),
        (["--datum", "MARS"], "unknown datum"),
    ],
)
def test_cli_access_errors_are_one_line(layout, tmp_path, monkeypatch, capsys, extra, message):
    monkeypatch.chdir(tmp_path)
    path = _resources_csv(tmp_path, layout)
    argv = ["access", "--resources", str(path), "--datum", "WGS84", "--out", "o", *extra]
    code = cli.main(argv)
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_access_refuses_a_csv_without_coordinates(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"name": ["x"], "x": [1]}).to_csv(path, index=False)
    argv = ["access", "--resources", str(path), "--datum", "WGS84", "--out", str(tmp_path / "o")]
    assert cli.main(argv) == 2
    assert "lon" in capsys.readouterr().err


def test_cli_access_facilities_with_a_bad_row_keep_their_names(layout, tmp_path, capsys):
    path = _resources_csv(tmp_path, layout, n=4)
    sites = point_at_chainage([5.0, 30.0], layout=layout)
    fac = pd.DataFrame(
        {
            "name": ["south stop", "broken", "north stop"],
            "lon": [sites.x.iloc[0], None, sites.x.iloc[1]],
            "lat": [sites.y.iloc[0], None, sites.y.iloc[1]],
            "datum": ["WGS84"] * 3,
        }
    )
    fac_path = tmp_path / "fac.csv"
    fac.to_csv(fac_path, index=False)
    out = tmp_path / "o"
    argv = ["access", "--resources", str(path), "--datum", "WGS84", "--facilities", str(fac_path)]
    rc = cli.main([*argv, "--out", str(out), "--isochrones", "3"])
    assert rc == 1  # the resource far away
    iso = gpd.read_file(out / "isochrones.gpkg", layer="isochrones")
    assert sorted(iso["facility"]) == ["north stop", "south stop"]
    north = iso.loc[iso["facility"] == "north stop"].to_crs(4549).geometry.iloc[0]
    assert north.distance(sites.to_crs(4549).iloc[1]) < 600
    table = pd.read_csv(out / "access.csv", encoding="utf-8-sig")
    assert set(table["nearest_facility"].dropna()) <= {"south stop", "north stop"}
    assert "2 from fac.csv" in capsys.readouterr().out
