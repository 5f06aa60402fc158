"""Road networks and places from OpenStreetMap through OSMnx, against a local Overpass.

The stand-in serves a small hand-written network on the layout's own axis: four vertices
of the axis joined as 滨海大道 (trunk, maxspeed 60), a side road to the west with a bend
(residential, no maxspeed: the CJJ 37-2012 default of 30 km/h) and one to the east
(secondary, maxspeed 40).  Oracle: lengths by the haversine formula on OSMnx's documented
sphere (radius 6,371,009 m), cross-checked against pyproj's ellipsoidal distance, and
times as length / speed, by hand.
"""

from __future__ import annotations

import re
import socket

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Geod

import corridor_geo as cg
from corridor_geo.network import DEFAULT_SPEEDS_KPH, graph_from_graphml, graph_to_graphml
from corridor_geo.online import ServiceError
from corridor_geo.online.osm import (
    features_from_layout,
    features_from_polygon,
    graph_from_layout,
    graph_from_polygon,
)
from corridor_geo.online.testing import StandIn, osm_node, osm_way

from ._online import (  # noqa: F401 - fixtures
    A2,
    A3,
    AVENUE_M,
    EAST_M,
    L1,
    L2,
    WEST_M,
    B,
    fake_time_fixture,
    hand_network,
    offline_fixture,
)

ox = pytest.importorskip("osmnx")


def fetch(server, tmp_path, **kw):
    options = {"overpass_url": server.overpass_url, "cache_dir": tmp_path / "osmnx"}
    options.update(kw)
    return graph_from_layout(cg.load_layout(), **options)


def test_hand_made_network_gives_hand_computed_times(offline):
    with StandIn(overpass=hand_network()) as server:
        G = fetch(server, offline)
    # OSMnx convention, simplified: the bend (4) is gone, its position kept in geometry
    assert G.graph["crs"].lower() == "epsg:4326" and 4 not in G.nodes
    assert set(G.nodes) == {1, 2, 3, 5, 6, 7}
    west = G.edges[5, 3, 0]
    assert west["length"] == pytest.approx(WEST_M, rel=1e-9)
    assert west["speed_kph"] == DEFAULT_SPEEDS_KPH["residential"] == 30.0
    assert west["speed_source"] == "default for road class"
    assert west["travel_time"] == pytest.approx(WEST_M / (30 / 3.6), rel=1e-9)
    assert shapely.equals(west["geometry"], shapely.LineString([L1, B, A3]))
    east = G.edges[6, 2, 0]
    assert (east["speed_kph"], east["speed_source"]) == (40.0, "maxspeed")
    assert not G.has_edge(2, 6)  # oneway
    avenue = G.edges[2, 3, 0]
    assert avenue["speed_kph"] == 60.0 and avenue["name"] == "滨海大道"
    # the sphere agrees with the ellipsoid to a few tenths of a percent
    _, _, d = Geod(ellps="WGS84").inv(L2[0], L2[1], A2[0], A2[1])
    assert east["length"] == pytest.approx(d, rel=3e-3)
    assert G.graph["source"].endswith("© OpenStreetMap contributors (ODbL)")


def test_time_to_binhai_avenue_on_the_fetched_roads(offline, layout):
    with StandIn(overpass=hand_network()) as server:
        G = fetch(server, offline)
    labs = gpd.GeoDataFrame(
        {"name": ["west", "east"]}, geometry=gpd.points_from_xy(*zip(L1, L2)), crs=4326
    )
    out = cg.time_to_axis(labs, G, layout=layout)
    assert out["reachable"].all() and (out["snap_distance_m"] < 0.01).all()
    assert out.loc[0, "travel_time_min"] == pytest.approx(WEST_M / (30 / 3.6) / 60, rel=1e-6)
    assert out.loc[1, "travel_time_min"] == pytest.approx(EAST_M / (40 / 3.6) / 60, rel=1e-6)
    assert "滨海大道" in out.attrs["access_nodes"]
    # west lab to east lab: west road, the avenue south, then the east road is one-way
    # towards the avenue, so the trip is impossible; the reverse is possible
    m = cg.travel_time_matrix(labs.iloc[[1]], labs.iloc[[0]], G, output="wide")
    expected = (EAST_M / 40 + AVENUE_M / 60 + WEST_M / 30) * 3.6 / 60
    assert float(m.iloc[0, 0]) == pytest.approx(expected, rel=1e-6)
    back = cg.travel_time_matrix(labs.iloc[[0]], labs.iloc[[1]], G, output="wide")
    assert np.isinf(float(back.iloc[0, 0]))


def test_graphml_round_trip_keeps_the_times(offline, layout):
    with StandIn(overpass=hand_network()) as server:
        G = fetch(server, offline)
    path = graph_to_graphml(G, offline / "osm.graphml")
    H = graph_from_graphml(path)
    assert H.number_of_edges() == G.number_of_edges()
    for u, v, k, d in G.edges(keys=True, data=True):
        assert H.edges[u, v, k]["travel_time"] == pytest.approx(d["travel_time"])
    labs = gpd.GeoSeries(gpd.points_from_xy([L1[0]], [L1[1]]), crs=4326)
    assert cg.time_to_axis(labs, H, layout=layout)["travel_time_min"].iloc[0] == pytest.approx(
        WEST_M / (30 / 3.6) / 60, rel=1e-6
    )
    # and OSMnx reads it back too
    J = ox.load_graphml(path)
    assert J.number_of_edges() == G.number_of_edges()


def test_second_call_is_offline(offline):
    with StandIn(overpass=hand_network()) as server:
        url = server.overpass_url
        G1 = fetch(server, offline)
        n = server.count("overpass")
    # the server is gone and the guard refuses any other address: the cache answers
    G2 = graph_from_layout(cg.load_layout(), overpass_url=url, cache_dir=offline / "osmnx")
    assert n >= 1
    assert nx.utils.edges_equal(G1.edges(keys=True), G2.edges(keys=True))
    assert [d["travel_time"] for *_, d in G2.edges(keys=True, data=True)] == [
        d["travel_time"] for *_, d in G1.edges(keys=True, data=True)
    ]


def test_osmnx_settings_and_resolver_are_restored(offline):
    before = {k: getattr(ox.settings, k) for k in ("overpass_url", "cache_folder", "use_cache")}
    resolver = socket.getaddrinfo
    with StandIn(overpass=hand_network()) as server:
        fetch(server, offline)
    after = {k: getattr(ox.settings, k) for k in before}
    assert after == before and socket.getaddrinfo is resolver


def test_the_query_covers_the_zone_and_its_buffer(offline, layout):
    with StandIn(overpass=hand_network()) as server:
        fetch(server, offline, buffer_m=3000)
        body = next(r.body for r in server.requests if r.path.endswith("/interpreter"))
    from urllib.parse import parse_qs

    query = parse_qs(body)["data"][0]
    assert '["highway"]' in query
    polys = []
    for text in re.findall(r"poly:'([^']+)'", query):
        v = [float(t) for t in text.split()]
        polys.append(shapely.Polygon(list(zip(v[1::2], v[0::2]))))
    asked = cg.crs.to_analysis_crs(gpd.GeoSeries([shapely.union_all(polys)], crs=4326)).iloc[0]
    corridor = cg.crs.to_analysis_crs(layout.corridor).geometry.iloc[0]
    assert asked.contains(corridor.buffer(3000 - 50))
    assert not asked.contains(corridor.buffer(3000 + 500 + 500))  # OSMnx adds 500 m


def test_walk_network_uses_the_walking_speed(offline):
    with StandIn(overpass=hand_network()) as server:
        G = fetch(server, offline, network_type="walk")
    from corridor_geo.network import WALK_SPEED_KPH

    speeds = {d["speed_kph"] for *_, d in G.edges(data=True)}
    assert speeds == {WALK_SPEED_KPH}
    assert G.edges[5, 3, 0]["travel_time"] == pytest.approx(WEST_M / (WALK_SPEED_KPH / 3.6))
    assert G.has_edge(2, 6)  # walking ignores oneway


def test_any_polygon_in_any_datum(offline):
    area = cg.crs.set_datum(gpd.GeoSeries([shapely.box(120.46, 36.10, 120.50, 36.15)]), "GCJ02")
    with StandIn(overpass=hand_network()) as server:
        G = graph_from_polygon(area, overpass_url=server.overpass_url, cache_dir=None)
    assert G.number_of_edges() > 0
    with pytest.raises(cg.MissingCRSError):
        graph_from_polygon(gpd.GeoSeries([shapely.box(0, 0, 1, 1)]), cache_dir=None)
    with pytest.raises(ValueError, match="no layer"):
        graph_from_layout(zone="nowhere", cache_dir=None)


def test_a_zone_of_the_layout(offline):
    with StandIn(overpass=hand_network()) as server:
        G = fetch(server, offline, zone="cities:digital", buffer_m=0)
    assert G.graph["zone"] == "cities:digital" and G.number_of_nodes() >= 2


def test_server_errors_are_retried_then_reported(offline, fake_time):
    with StandIn(overpass=hand_network()) as server:
        server.fail_next("overpass", "500")
        G = fetch(server, offline, retries=1, cache_dir=None)
        assert G.number_of_edges() > 0
        assert server.count("overpass") == 2
        server.fail_next("overpass", "500", "500")
        with pytest.raises(ServiceError, match="failed after 2 attempt"):
            fetch(server, offline, retries=1, cache_dir=None)


def test_nothing_found_is_a_clear_error(offline):
    with StandIn(overpass=[]) as server, pytest.raises(ServiceError, match="no usable data"):
        fetch(server, offline)


# -- places ----------------------------------------------------------------------------
def square(first_id, lon, lat, d=0.002):
    ids = list(range(first_id, first_id + 4))
    corners = [(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d)]
    return [osm_node(i, x, y) for i, (x, y) in zip(ids, corners)], [*ids, ids[0]]


def places():
    uni_nodes, uni_ring = square(1000, 120.4900, 36.1600)
    lab_nodes, lab_ring = square(1010, 120.4700, 36.1300)
    return [
        *uni_nodes,
        osm_way(2000, uni_ring, {"amenity": "university", "name": "中国海洋大学(崂山校区)"}),
        *lab_nodes,
        osm_way(2001, lab_ring, {"amenity": "research_institute", "name": "某省重点实验室"}),
        osm_node(3000, 120.4750, 36.1350, {"office": "research", "name": "某研究院"}),
        osm_node(3001, 120.4760, 36.1360, {"amenity": "hospital", "name": "某医院"}),
        osm_node(3002, 120.4770, 36.1370, {"amenity": "school", "name": "某中学"}),
        osm_node(
            3003,
            120.4687,
            36.1080,
            {"railway": "station", "station": "subway", "name": "青岛科技大学", "name:en": "QUST"},
        ),
        osm_node(3004, 120.4688, 36.1081, {"public_transport": "stop_position", "subway": "yes"}),
        osm_node(3005, 120.8500, 36.1000, {"amenity": "university", "name": "海上大学"}),
        osm_node(3006, 122.0000, 37.0000, {"amenity": "university", "name": "远方大学"}),
    ]


def test_places_become_a_resource_table(offline, layout):
    area = gpd.GeoSeries([shapely.box(120.40, 36.05, 120.90, 36.45)], crs=4326)
    with StandIn(overpass_features=places()) as server:
        res = features_from_polygon(
            area, overpass_url=server.overpass_url, cache_dir=None, layout=layout
        )
    acc = res.accepted.set_index("id")
    assert acc.loc["way/2000", "category"] == "university"
    assert acc.loc["way/2001", "category"] == "laboratory"
    assert acc.loc["node/3000", "category"] == "research_institute"
    assert acc.loc["node/3001", "category"] == "hospital"
    assert acc.loc["node/3002", "category"] == "school"
    assert acc.loc["node/3003", "category"] == "metro_station"
    assert acc.loc["node/3003", "name_en"] == "QUST"
    assert acc.loc["way/2000", "osm_geometry"] == "Polygon"
    assert int(acc.loc["way/2000", "osm_id"]) == 2000
    assert acc.loc["way/2001", "osm_tag"] == "amenity=research_institute"
    # polygons reduced to a point inside them
    campus = shapely.box(120.4900, 36.1600, 120.4920, 36.1620)
    assert campus.contains(acc.loc["way/2000", "geometry"])
    rej = res.rejected.set_index("id")["reason"]
    assert "meet no rule" in rej["node/3004"]  # a stop position is not a station
    assert rej["node/3005"] == "outside Qingdao"
    assert res.n_read == 8 and set(acc["status"]) == {"openstreetmap"}
    assert acc["source"].eq("© OpenStreetMap contributors (ODbL)").all()
    # the categories come from the registry, extended
    assert acc.loc["node/3001", "category_zh"] == "医院"


def test_places_of_some_categories_only(offline, layout):
    with StandIn(overpass_features=places()) as server:
        res = features_from_layout(
            layout,
            categories=["research_institute"],
            overpass_url=server.overpass_url,
            cache_dir=None,
        )
        query = server.requests[-1].body
    assert "research_institute" in query and "hospital" not in query
    # without "laboratory" asked for, a laboratory counts as a research institute
    cats = dict(zip(res.accepted["id"], res.accepted["category"]))
    assert cats == {"way/2001": "research_institute", "node/3000": "research_institute"}


def test_no_places_is_an_empty_table(offline, layout):
    with StandIn(overpass_features=[]) as server:
        res = features_from_layout(layout, overpass_url=server.overpass_url, cache_dir=None)
    assert res.n_read == 0 and len(res.accepted) == 0


def test_unknown_category_is_refused():
    with pytest.raises(ValueError, match="unknown categories"):
        features_from_layout(categories=["pub"], cache_dir=None)
