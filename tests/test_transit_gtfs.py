"""GTFS feeds: read with gtfs-kit into the same network as the bundled metro's format."""

from __future__ import annotations

import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from pyproj import Transformer

from corridor_geo import DataFileError, InputError
from corridor_geo.network import graph_from_gtfs, multimodal_graph

pytest.importorskip("gtfs_kit")

from ._gtfs import STATIONS, X0, Y0, write_feed


def test_gtfs_graph_by_hand(tmp_path):
    feed = write_feed(tmp_path / "feed")
    G = graph_from_gtfs(feed, date="20261201", start="07:00:00", end="09:00:00")  # a Tuesday
    assert G.graph["crs"] == "EPSG:4326"
    assert "Toy Transit" in G.graph["attribution"]
    assert sorted(G.nodes) == ["S1", "S2", "S3", "S4"]  # S3p is a platform of S3
    assert G.nodes["S3"]["lines"] == "1|2" or set(G.nodes["S3"]["lines"].split("|")) == {"1", "2"}

    def edge(u, v, rid):
        hits = [d for d in G[u][v].values() if d["route_id"] == rid]
        assert len(hits) == 1, (u, v, rid)
        return hits[0]

    # running times: departure to the next departure (after its 20 s dwell at S2)
    assert edge("S1", "S2", "R1")["travel_time"] == 180 + 20
    assert edge("S2", "S3", "R1")["travel_time"] == 240
    assert edge("S3", "S2", "R1")["travel_time"] == 240 + 20
    assert edge("S2", "S1", "R1")["travel_time"] == 180
    assert edge("S3", "S4", "R2")["travel_time"] == 150
    assert edge("S2", "S4", "R3")["travel_time"] == 420
    # headways in 07:00-09:00: R1 every 10 min (12 departures per direction)
    assert edge("S1", "S2", "R1")["headway_min"] == pytest.approx(10.0)
    assert edge("S3", "S4", "R2")["headway_min"] == pytest.approx(6.0)
    # R3 from frequencies.txt: 07:00-08:00 every 5 min (12), 08:00-09:00 every 10 (6)
    assert edge("S2", "S4", "R3")["headway_min"] == pytest.approx(120 / 18)
    assert edge("S1", "S2", "R1")["line"] == "1" and edge("S1", "S2", "R1")["colour"] == "#FF0000"
    assert not any(d["route_id"] == "R4" for _, _, d in G.edges(data=True))  # weekends only
    # geodesic lengths
    assert edge("S1", "S2", "R1")["length"] == pytest.approx(2000, rel=2e-3)
    # a Saturday has the weekend line only
    sat = graph_from_gtfs(feed, date="20261205")
    assert {d["route_id"] for _, _, d in sat.edges(data=True)} == {"R4"}


def test_gtfs_zip_and_errors(tmp_path):
    feed = write_feed(tmp_path / "feed")
    zipped = tmp_path / "feed.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for f in feed.iterdir():
            z.write(f, f.name)
    G = graph_from_gtfs(zipped)
    assert G.number_of_nodes() == 4
    with pytest.raises(InputError, match="no GTFS feed"):
        graph_from_gtfs(tmp_path / "missing.zip")
    with pytest.raises(InputError, match="departs between"):
        graph_from_gtfs(feed, start="23:00:00", end="23:30:00")
    with pytest.raises(InputError, match="no trip"):
        graph_from_gtfs(feed, date="20300101")
    (feed / "stop_times.txt").write_text(
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    )
    with pytest.raises(DataFileError, match="stop_times"):
        graph_from_gtfs(feed)


def test_gtfs_builds_the_same_network_as_the_metro_format(tmp_path):
    """The same lines given as a metro_graph-format graph by hand give the same network."""
    feed = write_feed(tmp_path / "feed", with_extras=False)
    from_feed = graph_from_gtfs(feed, start="07:00:00", end="09:00:00")
    tr = Transformer.from_crs(4549, 4326, always_xy=True)
    T = nx.MultiDiGraph(crs="EPSG:4326")
    for sid, (x, y) in STATIONS.items():
        lon, lat = tr.transform(x, y)
        T.add_node(sid, x=lon, y=lat, name=f"站{sid}")
    # departure to departure: the 20 s dwell at S2 counts on the links into it
    for u, v, t, rid, hw in [
        ("S1", "S2", 200, "R1", 10),
        ("S2", "S3", 240, "R1", 10),
        ("S3", "S2", 260, "R1", 10),
        ("S2", "S1", 180, "R1", 10),
        ("S3", "S4", 150, "R2", 6),
        ("S4", "S3", 150, "R2", 6),
    ]:
        T.add_edge(u, v, travel_time=float(t), route_id=rid, line=rid[1], headway_min=float(hw))
    streets = nx.MultiDiGraph(crs="EPSG:4549")
    for i in range(11):
        streets.add_node(i, x=X0 + 400 * i, y=Y0 + 30)
        if i:
            streets.add_edge(i - 1, i, length=400.0)
    a = multimodal_graph(streets, transit=from_feed)
    b = multimodal_graph(streets, transit=T)

    def edges(G):
        return sorted(
            (str(u), str(v), d["mode"], round(d["travel_time"], 9))
            for u, v, d in G.edges(data=True)
        )

    assert edges(a) == edges(b)


# --------------------------------------------------------------------------------------
# urbanaccess + pandana: the peers that build an integrated transit-walk network
# --------------------------------------------------------------------------------------
def _bench_transit():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_transit.py"
    spec = importlib.util.spec_from_file_location("bench_transit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_same_times_as_urbanaccess_and_pandana(tmp_path):
    """urbanaccess 0.2.2 needs pandas < 2 (it calls DataFrame.append): it runs in a Python
    of its own, named by CORRIDOR_GEO_PEER_PYTHON (see benchmarks/peer_urbanaccess.py)."""
    import geopandas as gpd
    import shapely

    bench = _bench_transit()
    python = bench.peer_python()
    if python is None:
        pytest.skip("no Python with urbanaccess: set CORRIDOR_GEO_PEER_PYTHON")
    feed = write_feed(tmp_path / "feed", with_extras=False)
    streets, sx, sy = bench.street_grid(12, 400.0, X0, Y0)  # the stations are on its nodes
    transit = graph_from_gtfs(feed, start="07:00:00", end="09:00:00")
    G = multimodal_graph(
        streets,
        transit=transit,
        walk_kph=bench.WALK_KPH_UA,
        detour=1.0,
        station_min=0.0,
        transfer_min=0.0,
    )
    nodes = list(range(0, 144, 5))
    pts = gpd.GeoSeries(shapely.points(sx[nodes], sy[nodes]), crs=4549)
    ours = transit_travel_time_matrix_wide(pts, G)
    out = bench.run_peer(python, feed, streets, nodes, nodes, headways_min=G.graph["headways_min"])
    theirs = np.array([[np.inf if v is None else v for v in row] for row in out["matrix_min"]])
    assert np.array_equal(np.isfinite(ours), np.isfinite(theirs))
    finite = np.isfinite(ours)
    # pandana keeps weights in thousandths of a minute
    np.testing.assert_allclose(theirs[finite], ours[finite], rtol=1e-3, atol=2e-3)
    # some of the pairs ride the metro and change lines
    from corridor_geo.network import multimodal_graph as mm

    walk_only = mm(streets, transit=transit, walk_kph=bench.WALK_KPH_UA, detour=1.0, link_m=1e-3)
    walking = transit_travel_time_matrix_wide(pts, walk_only)
    assert (ours < walking - 1).sum() > 10


def transit_travel_time_matrix_wide(pts, G):
    from corridor_geo.transit import transit_travel_time_matrix

    return transit_travel_time_matrix(pts, pts, G, output="wide", barriers=None).to_numpy()
