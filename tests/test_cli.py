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
        (["layout", "--out", "x", "--replace", "nonsense"], "takes NAME=VALUE"),
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
