"""corridor-geo share / density / coverage: outputs, summaries and one-line errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio

from corridor_geo.cli import main

DATA = Path(__file__).parent / "data"
CSV = str(DATA / "resources_gbk_gcj02.csv")
READ = ["--datum", "GCJ02", "--id", "编号", "--weight", "专利数"]


def test_share_writes_tables_and_reports_rejections(tmp_path, capsys):
    rc = main(["share", CSV, *READ, "--out", str(tmp_path), "--layers", "corridor,cities"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "17 rows read" in out and "6 rejected" in out and "plan targets:" in out
    assert "kept as user categories" in out and "'咖啡馆' (1)" in out
    share = pd.read_csv(tmp_path / "share_of_city.csv", encoding="utf-8-sig")
    assert set(share["layer"]) == {"corridor", "cities"}
    assert "咖啡馆" in set(share["category"])  # a user category, under its own name
    rejected = pd.read_csv(tmp_path / "rejected.csv", encoding="utf-8-sig")
    assert len(rejected) == 6 and rejected["reason"].notna().all()
    rc = main(["share", CSV, *READ, "--strict-categories", "--out", str(tmp_path), "--quiet"])
    rejected = pd.read_csv(tmp_path / "rejected.csv", encoding="utf-8-sig")
    assert rc == 0 and len(rejected) == 7
    assert rejected["reason"].str.startswith("unknown category '咖啡馆'").sum() == 1
    targets = pd.read_csv(tmp_path / "targets.csv", encoding="utf-8-sig")
    assert "key_resources_share" in set(targets["key"])
    # Growth targets from a base snapshot: the same file is +0%.
    rc = main(["share", CSV, *READ, "--base", CSV, "--out", str(tmp_path), "--format", "xlsx",
               "--quiet"])  # fmt: skip
    assert rc == 0 and capsys.readouterr().out == ""
    t = pd.read_excel(tmp_path / "targets.xlsx").set_index("key")
    assert t.loc["high_tech_enterprise_growth", "value"] == pytest.approx(0.0)
    assert not bool(t.loc["high_tech_enterprise_growth", "met"])
    # No invention-patent rows in the file: the per-capita growth cannot be computed.
    assert pd.isna(t.loc["patents_per_10k_growth", "value"])


def test_density_writes_raster_and_grid(tmp_path, capsys):
    rc = main(["density", CSV, *READ, "--out", str(tmp_path), "--bandwidth", "800",
               "--kernel", "quartic", "--grid", "hex", "--resolution", "7"])  # fmt: skip
    assert rc == 0
    assert "kernel density: quartic" in capsys.readouterr().out
    with rasterio.open(tmp_path / "kde.tif") as src:
        assert src.crs.to_epsg() == 4549 and src.tags()["bandwidth_m"] == "800"
        assert src.tags()["units"] == "weight per km2"
        peak = float(np.nanmax(src.read(1, masked=True)))
        assert peak > 0
    # Its QGIS style beside it: the report's pseudocolour ramp up to the raster's peak.
    import xml.etree.ElementTree as ET

    qml = (tmp_path / "kde.qml").read_text(encoding="utf-8")
    renderer = ET.fromstring(qml.split("\n", 1)[1]).find("pipe/rasterrenderer")
    assert renderer.get("type") == "singlebandpseudocolor"
    assert float(renderer.get("classificationMax")) == pytest.approx(peak, rel=1e-6)
    grid = gpd.read_file(tmp_path / "grid.gpkg", layer="grid")
    assert "h3" in grid.columns and grid["count"].sum() >= 1
    table = pd.read_csv(tmp_path / "density_by_zone.csv", encoding="utf-8-sig")
    assert {"count_per_km2", "area_km2"} <= set(table.columns)


def test_coverage_from_circles_and_file(tmp_path, capsys):
    rc = main(["coverage", "--circle-kind", "环大学", "--radius", "1000", "--out", str(tmp_path),
               "--resources", CSV, *READ])  # fmt: skip
    assert rc == 0
    assert "within 1000 m" in capsys.readouterr().out
    cov = gpd.read_file(tmp_path / "coverage.gpkg", layer="coverage")
    assert cov.crs.to_epsg() == 4326 and (cov["area_share"] <= 1).all()
    stations = pd.DataFrame({"name": ["苗岭路", "会展中心"], "lng_gcj02": [120.464755, 120.474065],
                             "lat_gcj02": [36.100452, 36.102961]})  # fmt: skip
    path = tmp_path / "stations.csv"
    stations.to_csv(path, index=False)
    rc = main(["coverage", "--facilities", str(path), "--facilities-datum", "GCJ02", "--radius",
               "800", "--layers", "cities", "--out", str(tmp_path / "m"), "--quiet"])  # fmt: skip
    assert rc == 0
    table = pd.read_csv(tmp_path / "m" / "coverage.csv", encoding="utf-8-sig").set_index("zone")
    assert table.loc["digital", "covered_km2"] > 1.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["share", "nope.csv", "--out", "x"], "no such file"),
        (["share", CSV, "--out", "x"], "datum"),
        (["share", CSV, "--datum", "mars", "--out", "x"], "unknown datum"),
        (["density", CSV, *READ, "--bandwidth", "-5", "--out", "x"], "positive"),
        (["coverage", "--facilities", "none.csv", "--out", "x"], "no such facilities file"),
        (["share", CSV, *READ, "--lon", "经", "--out", "x"], "no column"),
    ],
)
def test_user_mistakes_are_one_line_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("corridor-geo: error:") and message in err[0]


def test_density_and_coverage_write_in_the_asked_crs(tmp_path):
    import geopandas as gpd
    import rasterio

    from corridor_geo import cli
    from corridor_geo import crs as cg_crs

    src = Path(__file__).parent / "data" / "resources_gbk_gcj02.csv"
    out = tmp_path / "d"
    assert (
        cli.main(
            [
                "density",
                str(src),
                "--datum",
                "GCJ02",
                "--id",
                "编号",
                "--out",
                str(out),
                "--crs",
                "GCJ02",
                "--quiet",
            ]
        )
        == 0
    )
    assert (out / "kde_gcj02.tif").is_file() and (out / "grid_gcj02.gpkg").is_file()
    with rasterio.open(out / "kde_gcj02.tif") as r:
        assert cg_crs.datum_of(r.crs.to_wkt()) == "GCJ02"
    assert cg_crs.datum_of(gpd.read_file(out / "grid_gcj02.gpkg", layer="grid")) == "GCJ02"
    out2 = tmp_path / "c"
    assert (
        cli.main(
            [
                "coverage",
                "--circle-kind",
                "环大学",
                "--radius",
                "1000",
                "--out",
                str(out2),
                "--crs",
                "EPSG:4549",
                "--quiet",
            ]
        )
        == 0
    )
    assert gpd.read_file(out2 / "coverage.gpkg", layer="coverage").crs.to_epsg() == 4549


# --------------------------------------------------------------------------------------
# Reader options and messages as the command line spells them
# --------------------------------------------------------------------------------------
LABS = {"ouc": (120.49547, 36.16504), "sdu": (120.67858, 36.36898), "qust": (120.48893, 36.11868)}


def _swapped_csv(tmp_path) -> Path:
    rows = [f"{n},高校,{lat},{lon}" for n, (lon, lat) in LABS.items()]
    path = tmp_path / "labs_swapped.csv"
    path.write_text("名称,类别,经度,纬度\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_swapped_columns_name_the_flag_and_the_flag_fixes_them(tmp_path, capsys):
    path = _swapped_csv(tmp_path)
    assert main(["share", str(path), "--datum", "WGS84", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip()
    assert "none of the 3 rows of labs_swapped.csv was accepted" in err
    assert "(swap the columns or pass --fix-swapped)" in err and "fix_swapped=True" not in err
    out = tmp_path / "b"
    rc = main(["share", str(path), "--datum", "WGS84", "--fix-swapped", "--out", str(out)])
    assert rc == 0
    assert "3 rows had longitude and latitude swapped; fixed" in capsys.readouterr().out
    share = pd.read_csv(out / "share_of_city.csv", encoding="utf-8-sig")
    all_rows = share.loc[(share["layer"] == "corridor") & (share["category"] == "ALL")]
    assert all_rows["city_count"].tolist() == [3]
    assert pd.read_csv(out / "rejected.csv", encoding="utf-8-sig").empty


def test_the_python_reader_keeps_the_keyword_spelling(tmp_path):
    from corridor_geo import read_resources

    res = read_resources(_swapped_csv(tmp_path), datum="WGS84")
    assert set(res.rejected["reason"]) == {
        "outside Qingdao; latitude and longitude look swapped "
        "(swap the columns or pass fix_swapped=True)"
    }
    fixed = read_resources(_swapped_csv(tmp_path), datum="WGS84", fix_swapped=True)
    lon = dict(zip(fixed.accepted["name"], fixed.accepted.geometry.x))
    assert lon == pytest.approx({n: xy[0] for n, xy in LABS.items()}, abs=1e-12)


def test_a_datum_contradicting_a_projected_file_is_one_line_with_the_flag(tmp_path, capsys):
    pts = gpd.GeoDataFrame(
        {"name": list(LABS), "category": ["高校"] * 3},
        geometry=gpd.points_from_xy(*zip(*LABS.values())),
        crs=4326,
    )
    path = tmp_path / "labs_3857.geojson"
    pts.to_crs(3857).to_file(path)
    assert main(["share", str(path), "--datum", "GCJ02", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "labs_3857.geojson has its own CRS, WGS 84 / Pseudo-Mercator (EPSG:3857)" in err[0]
    assert "leave out --datum GCJ02" in err[0] and "ogr2ogr -a_srs EPSG:4326" in err[0]
    assert "datum='GCJ02'" not in err[0] and "outside Qingdao" not in err[0]
    assert main(["share", str(path), "--out", str(tmp_path / "y"), "--quiet"]) == 0
    share = pd.read_csv(tmp_path / "y" / "share_of_city.csv", encoding="utf-8-sig")
    all_rows = share.loc[(share["layer"] == "corridor") & (share["category"] == "ALL")]
    assert all_rows["city_count"].tolist() == [3]


def test_a_header_row_past_the_end_says_the_files_row_count(tmp_path, capsys):
    rows = "".join(f"p{i},高校,{120.49 + i * 1e-4},36.165\n" for i in range(60))
    path = tmp_path / "labs.csv"
    path.write_text("名称,类别,lon,lat\n" + rows, encoding="utf-8")
    argv = ["share", str(path), "--datum", "WGS84", "--header-row", "99", "--out", "x"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--header-row 99: labs.csv has 61 row(s)" in err and "from 1 to 61" in err


def test_spillover_help_explains_every_option(capsys):
    assert main(["spillover", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--centroid {geometric,population} where each zone sits" in text
    assert "--population-column COLUMN column of head counts" in text
    assert "--fix-swapped swap longitude and latitude" in text


def test_a_missing_file_is_named_with_the_close_names_beside_it(tmp_path, capsys):
    (tmp_path / "labs.csv").write_text("名称,类别,经度,纬度\n", encoding="utf-8")
    wrong = tmp_path / "labs.txt"
    argv = ["share", str(wrong), "--datum", "GCJ02", "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"no such file: {str(wrong)!r}; did you mean 'labs.csv'?; check the name" in err
    assert main(["share", str(tmp_path / "nowhere" / "a.csv"), "--out", "o"]) == 2
    assert "the folder" in capsys.readouterr().err  # and the folder is missing too


@pytest.mark.parametrize("command", ["share", "density"])
def test_a_file_with_a_header_only_is_refused_not_reported_as_n_a(command, tmp_path, capsys):
    path = tmp_path / "labs.csv"
    path.write_text("名称,类别,经度,纬度\n", encoding="utf-8")
    out = tmp_path / "o"
    assert main([command, str(path), "--datum", "GCJ02", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "labs.csv has no data rows (a header only): nothing to compute" in err
    assert not out.exists()  # nothing written
