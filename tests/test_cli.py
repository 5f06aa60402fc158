"""The corridor-geo command, run in-process as a user would call it."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest

from corridor_geo import __version__, cli, crs


def test_layout_command_writes_layers_and_validation(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["layout", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "validation: 35/35 checks passed" in printed
    assert (out / "corridor_layout.gpkg").is_file()
    table = pd.read_csv(out / "validation.csv", encoding="utf-8-sig")
    assert table["passed"].all()
    cities = gpd.read_file(out / "corridor_layout.gpkg", layer="cities")
    assert set(cities["name_zh"]) == {"海洋科技城", "青年科创城", "数智产业城"}


def test_layout_command_shapefiles_in_cgcs2000_quiet(tmp_path, capsys):
    out = tmp_path / "o"
    assert (
        cli.main(["layout", "--out", str(out), "--format", "shp", "--crs", "CGCS2000", "--quiet"])
        == 0
    )
    assert capsys.readouterr().out == ""
    assert gpd.read_file(out / "layers" / "corridor.shp").crs.to_epsg() == 4490


def test_layout_command_replacement_declared_gcj02(layout, tmp_path, capsys):
    path = tmp_path / "cities_amap.gpkg"
    crs.to_datum(layout.cities[["key", "geometry"]], "GCJ02").set_crs(
        4326, allow_override=True
    ).to_file(path)
    rc = cli.main(
        [
            "layout",
            "--out",
            str(tmp_path / "o"),
            "--replace",
            f"cities={path}",
            "--datum",
            "cities=GCJ02",
        ]
    )
    assert rc == 0
    assert "35/35 checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["layout", "--out", "x", "--replace", "cities=missing.gpkg"],
            "no such file 'missing.gpkg'",
        ),
        (["layout", "--out", "x", "--crs", "EPSG:999999"], "unknown CRS"),
        (["layout", "--out", "x", "--replace", "towns=x"], "no such file"),
        (["layout", "--out", "x", "--replace", "nonsense"], "--replace takes LAYER=FILE, e.g."),
        (["layout", "--out", "x", "--format", "kml"], "invalid choice: 'kml'"),
        (["layout"], "the following arguments are required: --out"),
    ],
)
def test_user_mistakes_give_one_line_and_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's own errors exit from parse_args
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_unknown_layer_in_replace_is_reported(layout, tmp_path, capsys):
    path = tmp_path / "axis.gpkg"
    layout.axis.to_file(path)
    assert cli.main(["layout", "--out", str(tmp_path / "o"), "--replace", f"towns={path}"]) == 2
    assert "unknown layer name" in capsys.readouterr().err


def test_version_and_help_from_the_console_script():
    run = subprocess.run(
        [sys.executable, "-m", "corridor_geo.cli", "--version"], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.strip() == f"corridor-geo {__version__}"
    helped = subprocess.run(
        [sys.executable, "-m", "corridor_geo.cli", "--help"], capture_output=True, text=True
    )
    assert "layout" in helped.stdout and "examples:" in helped.stdout


# --- a replacement that fails its checks: refused, or used and reported -----------------
@pytest.fixture
def grown_cities(layout, tmp_path):
    """The three cities scaled by 5 % about their centroids: outside their districts."""
    from shapely import affinity

    cities = layout.cities[["key", "name_zh", "geometry"]].copy()
    cities["geometry"] = [affinity.scale(g, 1.05, 1.05) for g in cities.geometry]
    path = tmp_path / "grown_cities.gpkg"
    cities.to_file(path)
    return path, cities


def test_failing_replacement_is_refused_with_the_way_out(grown_cities, tmp_path, capsys):
    path, _ = grown_cities
    assert cli.main(["layout", "--out", str(tmp_path / "o"), "--replace", f"cities={path}"]) == 2
    err = capsys.readouterr().err
    assert "outside its district" in err and "--replace-mode report" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_replace_mode_report_uses_the_layer_and_writes_its_checks(grown_cities, tmp_path, capsys):
    from pyproj import Geod

    path, cities = grown_cities
    out = tmp_path / "o"
    argv = ["layout", "--out", str(out), "--replace", f"cities={path}", "--quiet"]
    # exit 1: the grown cities no longer match the plan's areas
    assert cli.main([*argv, "--replace-mode", "report"]) == 1
    assert "warning: the cities layer was replaced in report mode" in capsys.readouterr().err
    written = gpd.read_file(out / "corridor_layout.gpkg", layer="cities")
    got, given = written.set_index("key").geometry, cities.set_index("key").geometry
    assert got.geom_equals_exact(given.loc[got.index], tolerance=1e-7).all()
    checks = pd.read_csv(out / "replace_cities.csv", encoding="utf-8-sig")
    failed = checks[~checks["passed"]]
    assert {"inside its district", "no overlaps", "area"} <= set(failed["check"])
    # The measured area is the replacement's own geodesic area (an independent oracle).
    geod = Geod(ellps="WGS84")
    ocean = cities.set_index("key").geometry["ocean"]
    expected = abs(geod.geometry_area_perimeter(ocean)[0]) / 1e6
    row = checks[(checks["check"] == "area") & checks["subject"].str.startswith("海洋科技城")]
    assert float(row["measured"].iloc[0]) == pytest.approx(expected, rel=1e-6)


def test_replace_tolerance_admits_a_looser_layer_and_is_checked(grown_cities, tmp_path, capsys):
    path, _ = grown_cities
    base = ["layout", "--replace", f"cities={path}", "--quiet"]
    # 6.8 % of 青年科创城 lies outside 李沧区: a 10 % tolerance admits it, 5 % does not.
    assert cli.main([*base, "--out", str(tmp_path / "a"), "--replace-tolerance", "0.05"]) == 2
    assert "青年科创城 lies 6.8% outside" in capsys.readouterr().err
    code = cli.main([*base, "--out", str(tmp_path / "b"), "--replace-tolerance", "0.1"])
    assert code == 1 and not (tmp_path / "b" / "replace_cities.csv").exists()
    assert "warning: the layout differs from the plan's official figures" in (
        capsys.readouterr().err
    )
    for bad in ("nan", "1", "-0.1"):
        assert cli.main([*base, "--out", str(tmp_path / "c"), "--replace-tolerance", bad]) == 2
        assert "--replace-tolerance must be a share of area" in capsys.readouterr().err


def test_report_shows_a_layer_replaced_in_report_mode(grown_cities, tmp_path):
    from corridor_geo import load_layout, report

    path, _ = grown_cities
    with pytest.warns(Warning, match="replaced in report mode"):
        layout = load_layout(replace={"cities": path}, mode="report")
    rep = report.build_report(tmp_path / "r", layout=layout, sections=["layout"])
    table = pd.read_csv(rep.tables["layout_replace_cities"], encoding="utf-8-sig")
    assert (~table["passed"]).sum() >= 4
    page = rep.html_path.read_text(encoding="utf-8")
    assert "replaced in report mode" in page and "layout_replace_cities.csv" in page


def test_report_says_when_a_layer_replaced_in_report_mode_passed_everything(layout, tmp_path):
    from corridor_geo import report

    same = layout.replace("cities", layout.cities, mode="report")
    rep = report.build_report(tmp_path / "r", layout=same, sections=["layout"])
    page = rep.html_path.read_text(encoding="utf-8")
    assert "replaced in report mode and passed all" in page and "checks failed" not in page


def test_share_help_lists_every_zone_layer_it_accepts(capsys):
    from corridor_geo.zones import ZONE_LAYERS

    assert cli.main(["share", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"comma-separated zone layers ({', '.join(ZONE_LAYERS)})" in text
    assert "subdistricts" in ZONE_LAYERS  # the one the help used to leave out
