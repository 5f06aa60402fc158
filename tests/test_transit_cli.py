"""``corridor-geo access --mode transit``: the planner's question in one command."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from corridor_geo import cli, crs
from corridor_geo.axis import point_at_chainage
from corridor_geo.network import multimodal_graph
from corridor_geo.transit import transit_access_by_city, transit_time_to_axis

from ._gtfs import write_feed


def test_one_command_answers_the_planners_question(layout, tmp_path, capsys):
    out = tmp_path / "out"
    rc = cli.main(
        [
            "access",
            "--mode",
            "transit",
            "--minutes",
            "20,30,40",
            "--cell",
            "250",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert "海洋科技城: 20 min" in printed and "CC BY 4.0" in printed
    table = pd.read_csv(out / "transit_by_city.csv", encoding="utf-8-sig")
    ref = transit_access_by_city(layout, cutoffs=[20, 30, 40], cell_m=250)
    np.testing.assert_allclose(table["area_share"], ref["area_share"], rtol=1e-12)
    assert table["city"].tolist() == ref["city"].tolist()


def test_transit_mode_with_resources_catchments_and_isochrones(layout, tmp_path, capsys):
    sites = point_at_chainage([5.0, 20.0, 40.0], layout=layout)
    gcj = crs.to_datum(gpd.GeoDataFrame(geometry=sites.geometry.values, crs=4326), "GCJ02")
    table = pd.DataFrame(
        {
            "name": ["south", "middle", "north", "nowhere"],
            "lon": [*gcj.geometry.x, 150.0],
            "lat": [*gcj.geometry.y, 10.0],
        }
    )
    path = tmp_path / "labs.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "out"
    rc = cli.main(
        [
            "access",
            "--mode",
            "transit",
            "--resources",
            str(path),
            "--datum",
            "GCJ02",
            "--streets",
            "schematic",
            "--catchments",
            "5,10",
            "--isochrones",
            "15",
            "--headway",
            "11=6",
            "--cell",
            "400",
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert rc == 1  # the row outside Qingdao is rejected by the reader: in the table
    assert "1 of 4 not routed" in printed
    acc = pd.read_csv(out / "access.csv", encoding="utf-8-sig")
    assert acc["name"].tolist() == ["south", "middle", "north", "nowhere"]
    assert acc["reason"].iloc[3] == "outside Qingdao"
    # the same times as the library, on the same graph
    from corridor_geo.network import schematic_network

    G = multimodal_graph(schematic_network(layout), headways={"11": 6})
    ref = transit_time_to_axis(gcj, G, layout=layout)
    np.testing.assert_allclose(acc["axis_time_min"].iloc[:3], ref["travel_time_min"], rtol=1e-12)
    catch = gpd.read_file(out / "station_catchments.gpkg", layer="catchments")
    assert set(catch["minutes"]) == {5.0, 10.0} and len(catch) == 2 * 177
    cover = pd.read_csv(out / "catchment_coverage.csv", encoding="utf-8-sig")
    assert set(cover["zone"]) == {"海洋科技城", "青年科创城", "数智产业城"}
    iso = gpd.read_file(out / "isochrones.gpkg", layer="isochrones")
    assert len(iso) == len(layout.circles)


def test_transit_mode_on_a_gtfs_feed(tmp_path, capsys):
    feed = write_feed(tmp_path / "feed", with_extras=False)
    out = tmp_path / "out"
    rc = cli.main(
        [
            "access",
            "--mode",
            "transit",
            "--gtfs",
            str(feed),
            "--minutes",
            "30",
            "--cell",
            "500",
            "--out",
            str(out),
        ]
    )
    # the toy feed lies far from Binhai Avenue: no station on it, one clear line
    assert rc == 2
    assert "no station lies within 500 m of the axis" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--minutes", "0,10"], "--minutes needs finite positive minutes"),
        (["--gtfs", "missing.zip"], "no such GTFS feed"),
        (["--headway", "11=fast"], "minutes must be a number"),
        (["--headway", "99=5"], "--headway names lines that are not in the transit graph"),
    ],
)
def test_transit_mode_errors_are_one_line(tmp_path, monkeypatch, capsys, extra, message):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["access", "--mode", "transit", "--out", "o", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_road_mode_still_needs_resources(tmp_path, capsys):
    assert cli.main(["access", "--out", str(tmp_path / "o")]) == 2
    assert "--resources is required" in capsys.readouterr().err
