"""The bundled metro network: counts, geodesy, times, frequencies and two independent sources.

Oracles: pyproj's geodesic (lengths), link times hand-copied from the source file
(``L2/Qingdao-L.json`` of the East Asian metro dataset, commit cc26f1b), the route register's
own published sums and headways, scipy's Dijkstra (a second shortest-path implementation),
Amap's subway map for Qingdao (third-party reference, GCJ-02) and the MetroMan Line 11
positions of the bundled axis control points (GCJ-02).
"""

from __future__ import annotations

import colorsys
import itertools
import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

import corridor_geo as cg
from corridor_geo import InputError, crs, datasets
from corridor_geo.metro import metro_graph, metro_lines, metro_stations

GEOD = Geod(ellps="WGS84")
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "metro"
ROOT = Path(__file__).resolve().parents[1]

# Line 11 (蓝谷快线, route 8) from 苗岭路 to 钱谷山, link by link, read off the source file:
# 苗岭路-会展中心 60, -青岛二中 120, -青岛科大 180, -张村 120, -枯桃 120, -海洋大学 120,
# -世博园 180, -北宅 240, -北九水 180, -庙石 360, -浦里 180, -鳌山卫 240, -山东大学 180,
# -蓝色硅谷 180, -水泊 120, -博览中心 180, -温泉东 180, -皋虞 240, -臧村 120, -钱谷山 120.
LINE11_LINK_TIMES = [60, 120, 180, 120, 120, 120, 180, 240, 180, 360,
                     180, 240, 180, 180, 120, 180, 180, 240, 120, 120]  # fmt: skip
LINE11_NAMES = ["苗岭路", "会展中心", "青岛二中", "青岛科大", "张村", "枯桃", "海洋大学",
                "世博园", "北宅", "北九水", "庙石", "浦里", "鳌山卫", "山东大学", "蓝色硅谷",
                "水泊", "博览中心", "温泉东", "皋虞", "臧村", "钱谷山"]  # fmt: skip

# The route register (data/route_information.csv @ 1512833): in_vehicle_min_sum (both
# directions, minutes) and headway_min, by route id.
REGISTER_MIN_BOTH_WAYS = {"1": 190, "2": 104, "3": 92, "4": 102, "5": 96, "6": 84, "7": 28,
                          "8": 114, "9": 152}  # fmt: skip
REGISTER_HEADWAY = {"1": 7.3, "2": 6.7, "3": 6.9, "4": 8.1, "5": 14.5, "6": 13.3, "7": 6.9,
                    "8": 10.7, "9": 20.9}  # fmt: skip


@pytest.fixture(scope="module")
def stations():
    return metro_stations()


@pytest.fixture(scope="module")
def lines():
    return metro_lines()


@pytest.fixture(scope="module")
def G():
    return metro_graph()


def _sid(stations, name):
    return int(stations.loc[stations["name_zh"] == name, "station_id"].item())


def _edges(G):
    rows = [{"u": u, "v": v, "key": k, **d} for u, v, k, d in G.edges(keys=True, data=True)]
    return pd.DataFrame(rows)


# --- contract -------------------------------------------------------------------------


def test_counts_and_contract(stations, lines, G):
    assert len(stations) == 177
    assert stations["station_id"].is_unique and stations["name_zh"].is_unique
    assert stations.crs.to_epsg() == 4326
    assert (stations.geometry.x == stations["lon"]).all()
    assert (stations["datum"] == "WGS84").all() and (stations["licence"] == "CC BY 4.0").all()
    assert len(lines) == 9 and lines["route_id"].is_unique
    assert G.graph["crs"] == "EPSG:4326"
    assert G.number_of_nodes() == 177 and G.number_of_edges() == 376
    assert set(G.nodes) == set(stations["station_id"])
    node = G.nodes[_sid(stations, "台东")]
    row = stations[stations["name_zh"] == "台东"].iloc[0]
    assert (node["x"], node["y"], node["lines"]) == (row["lon"], row["lat"], "1|2")
    # Every station is on at least one line; the network is one strongly connected piece.
    assert stations["lines"].str.len().gt(0).all()
    assert nx.is_strongly_connected(G)


def test_attribution_travels_with_every_result(stations, lines, G):
    for attrs in (stations.attrs, lines.attrs, G.graph):
        assert "Cheng, H., Verma, R., Cats, O." in attrs["attribution"]
        assert "CC BY 4.0" in attrs["attribution"]
        assert attrs["licence"] == "CC BY 4.0"
        assert attrs["source"] == "https://github.com/hanyuchengatdelft/east-asian-metro-dataset"
    meta = json.loads(datasets.get_path("metro/metadata.json").read_text(encoding="utf-8"))
    # sha256 of L2/Qingdao-L.json as listed in the dataset's MANIFEST.csv (commit cc26f1b).
    assert meta["network_sha256"] == (
        "64259cc1ff15ca3f57a300a24495982403f5462e7d0a93250c802da427c6d32a"
    )


def test_results_are_fresh_copies():
    a = metro_stations()
    a.loc[0, "name_zh"] = "changed"
    a.attrs["attribution"] = "changed"
    b = metro_stations()
    assert b.loc[0, "name_zh"] == "东郭庄" and "Cheng" in b.attrs["attribution"]
    G = metro_graph()
    G.remove_node(0)
    assert metro_graph().has_node(0)


def test_registered_as_bundled_data():
    assert "metro" in datasets.FOLDERS
    assert "CC BY 4.0" in datasets.get_path("metro/SOURCES.md").read_text(encoding="utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"data/metro" = "corridor_geo/_data/metro"' in pyproject
    assert cg.metro_graph is metro_graph and cg.metro.metro_lines is metro_lines


# --- geometry and lengths ------------------------------------------------------------------


def test_edge_lengths_are_geodesic(G):
    e = _edges(G)
    x = {n: d["x"] for n, d in G.nodes(data=True)}
    y = {n: d["y"] for n, d in G.nodes(data=True)}
    _, _, dist = GEOD.inv(e["u"].map(x), e["u"].map(y), e["v"].map(x), e["v"].map(y))
    # 0.1 m rounding in the file, 7-decimal coordinates (1 cm).
    assert np.abs(dist - e["length"]).max() < 0.1
    assert e["length"].min() > 500  # no two stations of a line closer than 500 m


def test_line_geometry_follows_the_station_sequence(stations, lines):
    xy = stations.set_index("station_id")[["lon", "lat"]]
    for row in lines.itertuples():
        seq = [int(s) for s in row.stations.split("|")]
        assert len(seq) == row.n_stations == len(row.geometry.coords)
        assert np.allclose(np.asarray(row.geometry.coords), xy.loc[seq].to_numpy())
        assert row.termini == (
            f"{stations.set_index('station_id').loc[seq[0], 'name_zh']}–"
            f"{stations.set_index('station_id').loc[seq[-1], 'name_zh']}"
        )
    geodesic = crs.geodesic_length(lines)
    assert np.abs(geodesic - lines["length_m"]).max() < 1.0


# --- travel times ----------------------------------------------------------------------------


def test_travel_times_are_whole_minutes_and_plausible(G):
    e = _edges(G)
    # Amap's first/last-train progressions: whole minutes, 1 to 6 per link.
    assert (e["travel_time"] % 60 == 0).all()
    assert e["travel_time"].between(60, 360).all()
    # Speeds between stations: above a crawl, below the 120 km/h of the express lines.
    speed = e["length"] / e["travel_time"] * 3.6
    assert speed.between(15, 100).all()
    # Each link has its reverse, on the same route, with the same time.
    fwd = e.set_index(["u", "v", "route_id"])["travel_time"]
    back = e.set_index(["v", "u", "route_id"])["travel_time"]
    back.index.names = fwd.index.names
    assert fwd.sort_index().equals(back.sort_index())


def test_running_times_equal_the_registers_published_sums(lines):
    got = dict(zip(lines["route_id"], lines["running_time_s"]))
    for route, both_ways_min in REGISTER_MIN_BOTH_WAYS.items():
        assert got[route] == both_ways_min * 60 / 2
    # Commercial speed, station to station: urban lines 30-37 km/h, express lines 50-60.
    kmh = lines["length_m"] / lines["running_time_s"] * 3.6
    urban = lines["line"].isin(["1", "2", "3", "4", "6"])
    assert kmh[urban].between(28, 40).all()
    assert kmh[~urban].between(45, 62).all()


def test_line11_end_to_end_equals_the_hand_sum(stations, G):
    a, b = _sid(stations, "苗岭路"), _sid(stations, "钱谷山")
    assert sum(LINE11_LINK_TIMES) == 3420
    for s, t in ((a, b), (b, a)):
        assert nx.shortest_path_length(G, s, t, weight="travel_time") == 3420
    path = nx.shortest_path(G, a, b, weight="travel_time")
    assert [G.nodes[n]["name"] for n in path] == LINE11_NAMES
    times = [min(d["travel_time"] for d in G[u][v].values()) for u, v in itertools.pairwise(path)]
    assert times == LINE11_LINK_TIMES


def test_line8_south_beats_line3_between_its_ends(stations, G):
    # 青岛北站 -> 五四广场: Line 8 (south) 7 links x 120 s = 840 s; Line 3 (15 links, from the
    # source: 120x4 + 180 + 120x2 + 180 + 120x2 + 180 + 120 + 60 + 180 + 120) = 1980 s.
    a, b = _sid(stations, "青岛北站"), _sid(stations, "五四广场")
    assert nx.shortest_path_length(G, a, b, weight="travel_time") == 840
    path = nx.shortest_path(G, a, b, weight="travel_time")
    assert {G[u][v][0]["line"] for u, v in itertools.pairwise(path)} == {"8"}
    line3 = metro_graph(lines="3")
    assert nx.shortest_path_length(line3, a, b, weight="travel_time") == 1980


def test_all_shortest_times_agree_with_scipy_dijkstra(G):
    # A second implementation on a matrix built straight from the bundled links table.
    links = pd.read_csv(datasets.get_path("metro/links.csv"))
    n = int(max(links["u"].max(), links["v"].max())) + 1
    best = links.groupby(["u", "v"])["travel_time_s"].min()
    rows, cols = best.index.get_level_values(0), best.index.get_level_values(1)
    m = csr_matrix((best.to_numpy(), (rows, cols)), shape=(n, n))
    ref = dijkstra(m, directed=True)
    ours = dict(nx.all_pairs_dijkstra_path_length(G, weight="travel_time"))
    mat = np.array([[ours[i][j] for j in range(n)] for i in range(n)])
    assert np.array_equal(mat, ref)


# --- lines, frequencies, corrections -----------------------------------------------------


def test_frequencies_and_headways(lines, G):
    assert np.allclose(lines["headway_min"], (60 / lines["trains_per_hour"]).round(2))
    for route, published in REGISTER_HEADWAY.items():
        got = lines.loc[lines["route_id"] == route, "headway_min"].item()
        assert abs(got - published) <= 0.05
    assert (lines["peak_headway_min"] < lines["offpeak_headway_min"]).all()
    assert (lines["peak_headway_min"] <= lines["headway_min"] + 1e-9).all()
    assert lines["frequency_sources"].str.startswith("https://").all()
    e = _edges(G)
    by_route = dict(zip(lines["route_id"], lines["headway_min"]))
    assert (e["headway_min"] == e["route_id"].map(by_route)).all()
    assert (e["mode"] == "metro").all()


def test_line_names_numbers_and_route7_correction(lines, stations):
    assert sorted(set(lines["line"]), key=int) == ["1", "2", "3", "4", "6", "8", "11", "13"]
    named = dict(zip(lines["route_id"], lines["name_zh"]))
    assert named["8"] == "蓝谷快线" and named["9"] == "西海岸快线"
    r7 = lines[lines["route_id"] == "7"].iloc[0]
    assert (r7["line"], r7["name_zh"], r7["termini"]) == ("8", "8号线", "青岛北站–五四广场")
    assert "3号线" in r7["name_note"] and r7["frequency_note"]
    # Route 7 shares only its two ends with Line 3 (route 3): not a copy of Line 3.
    r3 = lines[lines["route_id"] == "3"].iloc[0]
    common = set(r7["stations"].split("|")) & set(r3["stations"].split("|"))
    assert {stations.set_index("station_id").loc[int(s), "name_zh"] for s in common} == {
        "青岛北站",
        "五四广场",
    }
    assert lines.loc[lines["line"] == "8", "colour"].nunique() == 1


def test_selecting_lines(stations):
    assert len(metro_stations(lines=11)) == len(metro_stations(lines="11")) == 21
    assert len(metro_stations(lines="蓝谷快线")) == 21
    both = metro_lines(lines=["Line 1", "13"])
    assert list(both["line"]) == ["1", "13"]
    G8 = metro_graph(lines="8")
    assert G8.number_of_nodes() == 11 + 8 - 1  # 青岛北站 shared by its two routes
    assert G8.number_of_edges() == 2 * (10 + 7)
    assert {d["line"] for *_, d in G8.edges(data=True)} == {"8"}
    with pytest.raises(InputError, match="line number"):
        metro_stations(lines="5")
    assert set(stations.loc[stations["lines"] == "8", "station_id"]) <= set(G8.nodes)


def test_no_link_is_shared_by_two_routes_and_edges_match_links(G):
    links = pd.read_csv(datasets.get_path("metro/links.csv"), dtype={"route_id": str})
    assert not links.duplicated(["u", "v"]).any()
    e = _edges(G)
    assert sorted(zip(e["u"], e["v"], e["route_id"])) == sorted(
        zip(links["u"], links["v"], links["route_id"])
    )


def test_graph_works_with_the_network_module(stations, G, tmp_path):
    from corridor_geo.network import graph_from_graphml, graph_to_graphml, nearest_nodes

    row = stations[stations["name_zh"] == "苗岭路"]
    pts = gpd.GeoSeries([shapely.Point(row["lon"].item() + 0.001, row["lat"].item())], crs=4326)
    snapped = nearest_nodes(G, pts)
    assert int(snapped["node"].iloc[0]) == _sid(stations, "苗岭路")
    path = tmp_path / "metro.graphml"
    graph_to_graphml(G, path)
    H = graph_from_graphml(path)
    assert H.number_of_edges() == 376 and H.graph["crs"] == "EPSG:4326"


# --- independent sources --------------------------------------------------------------------


def test_stations_agree_with_amap_subway_map(stations, lines, metro_reference):
    # Amap's subway map (GCJ-02), converted with our transform, matched by name and line.
    ref = metro_reference
    lon, lat = crs.gcj02_to_wgs84(ref["lng_gcj02"].to_numpy(), ref["lat_gcj02"].to_numpy())
    name_of = dict(zip(lines["line"], lines["name_zh"]))
    ours = pd.DataFrame(
        [
            (r.name_zh, name_of[ln], r.lon, r.lat)
            for r in stations.itertuples()
            for ln in r.lines.split("|")
        ],
        columns=["name", "line", "lon", "lat"],
    ).drop_duplicates(["name", "line"])
    m = ref.assign(rlon=lon, rlat=lat).merge(ours, on=["name", "line"], how="left")
    assert len(ref) == 189 and m["lon"].notna().sum() == 189
    _, _, d = GEOD.inv(m["rlon"], m["rlat"], m["lon"], m["lat"])
    assert np.median(d) < 3.0  # measured 1.8 m
    assert (d < 5).sum() >= 125  # measured 130 of 189
    assert (d < 50).sum() >= 160  # measured 165
    assert d.max() < 250  # 红岛火车站, 201 m (see SOURCES.md)
    worst = m.loc[np.argmax(d), "name"]
    assert worst == "红岛火车站"
    # Read as WGS84 (the classic mistake) the reference lies ~460 m away: ours is not GCJ-02.
    _, _, raw = GEOD.inv(m["lng_gcj02"], m["lat_gcj02"], m["lon"], m["lat"])
    assert np.median(raw) > 400
    # The stations missing from the older reference are exactly Line 8's southern section.
    only_ours = set(stations["name_zh"]) - set(ref["name"])
    assert only_ours == {"曲戈庄", "闫家山", "南昌路北", "嘉定山", "澳柯玛桥"}


def _hue(hex_colour):
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hsv(r, g, b)[0] * 360


def test_colours_agree_with_amap(lines):
    path = REFERENCE / "qingdao_amap_metro.json"
    if not path.is_file():
        pytest.skip(f"reference data not available: {path}")
    amap = {x["name"]: x["color"] for x in json.loads(path.read_text(encoding="utf-8"))["lines"]}
    ours = dict(zip(lines["name_zh"], lines["colour"]))
    assert set(amap) == set(ours)
    for name, colour in amap.items():
        diff = abs(_hue(colour) - _hue(ours[name]))
        assert min(diff, 360 - diff) < 20, name


def test_line11_matches_the_axis_control_points(stations):
    # MetroMan positions (GCJ-02) bundled as the axis' control points, 会展中心 to 钱谷山.
    ax = pd.read_csv(datasets.get_path("axis_control_points.csv"))
    # The axis's south end is Line 2's 石老人浴场 (on 香港东路): Line 11's 20 stations only.
    on_11 = stations.set_index("name_zh")["lines"].str.contains("11")
    ax = ax[ax["name_zh"].str.removesuffix("站").map(on_11).fillna(False).astype(bool)]
    lon, lat = crs.gcj02_to_wgs84(ax["lon"].to_numpy(), ax["lat"].to_numpy())
    names = ax["name_zh"].str.removesuffix("站")
    ours = stations.set_index("name_zh").loc[names]
    _, _, d = GEOD.inv(lon, lat, ours["lon"].to_numpy(), ours["lat"].to_numpy())
    assert len(d) == 20
    assert np.median(d) < 5  # measured 2.6 m
    assert (d < 5).sum() >= 18
    assert d.max() < 50  # 张村 (an interchange) 39 m, 会展中心 27 m
    assert ours["lines"].str.contains("11").all()
