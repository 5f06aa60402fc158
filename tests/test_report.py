"""The main job: the report's content against direct computations, escaping, the browser."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import corridor_geo as cg
from corridor_geo import cli, report

from ._browser import errors, inspect_page

PAYLOAD = '<img src=x onerror="window.__xss=1">'
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def default_report(styled_report):
    return styled_report[0]  # the session's one default report (tests/conftest.py)


def test_default_report_files_and_sections(default_report):
    rep = default_report
    assert rep.html_path.is_file() and rep.gpkg_path.is_file()
    assert rep.sections == [
        "1. Layout against the plan",
        "2. Metro stations along the corridor",
        "3. Universities and named institutions",
        "4. Sub-districts (街道/镇)",
        "5. Share of the city and the 2027 targets",
        "6. Density",
        "7. Along Binhai Avenue",
        "8. Accessibility along Binhai Avenue",
        "9. Metro and walking to Binhai Avenue",
        "Data and provenance",
    ]
    assert rep.keys == report.default_sections()
    assert rep.problems == {} and rep.failed_checks == []
    page = rep.html_path.read_text(encoding="utf-8")
    assert page.count("<section") == 10
    assert "synthetic data" in page and "schematic network" in page  # inputs labelled
    # Real data where they exist, labelled as real; the synthetic set only in the four
    # sections no open data covers, and labelled there.
    sections = dict(re.findall(r'<section id="(\w+)">(.*?)</section>', page, flags=re.S))
    for key in ("metro", "register", "subdistricts"):
        assert 'class="badge real"' in sections[key] and "synthetic" not in sections[key]
    for key in ("share", "density", "profile", "access"):
        assert "synthetic data" in sections[key]
    assert not re.search(r"""<(script|link)[^>]+(src|href)=["']https?://""", page)  # offline
    assert (rep.html_path.parent / "density_kde.tif").is_file()


def test_report_tables_equal_direct_computations(default_report, layout):
    tables = default_report.tables
    validation = pd.read_csv(tables["layout_validation"], encoding="utf-8-sig")
    direct = layout.validate()
    checks = validation.iloc[: len(direct)]
    assert checks["measured"].to_numpy() == pytest.approx(direct["measured"].to_numpy())
    assert checks["verdict"].tolist() == ["pass" if p else "fail" for p in direct["passed"]]
    # One more row: the register against the city's count, judged, never passed/failed.
    (extra,) = validation.iloc[len(direct) :].itertuples()
    assert (extra.check, extra.official, extra.verdict) == (
        "register count",
        8,
        "register incomplete",
    )
    assert pd.isna(extra.passed)
    # The synthetic inputs are seeded: recompute the share of the city independently.
    current = cg.synthetic_resources(
        report.DEFAULT_SYNTHETIC_N, seed=report.DEFAULT_SYNTHETIC_SEED, layout=layout
    )
    inside = cg.assign_zones(current, layout=layout, layers=("corridor",))
    col = next(c for c in inside.columns if "corridor" in c)
    shares = pd.read_csv(tables["share_share_of_city"], encoding="utf-8-sig")
    corridor = shares[shares["layer"] == "corridor"].set_index("category")
    for category, row in corridor.iterrows():
        mask = current["category"] == category if category != "ALL" else current["id"].notna()
        assert row["count"] == int(inside.loc[mask, col].notna().sum())
        assert row["city_count"] == int(mask.sum())
    targets = pd.read_csv(tables["share_targets"], encoding="utf-8-sig").set_index("key")
    key_cats = cg.resources.target_categories("key_resources_share", cg.category_registry())
    mask = current["category"].isin(key_cats)
    expected = inside.loc[mask, col].notna().sum() / mask.sum()
    assert targets.loc["key_resources_share", "value"] == pytest.approx(expected)


def test_report_geopackage_has_layout_and_results(default_report, layout):
    import pyogrio

    names = {name for name, _ in pyogrio.list_layers(default_report.gpkg_path)}
    assert {"corridor", "cities", "circles", "axis", "districts", "city"} <= names
    assert "access_isochrones" in names
    cities = gpd.read_file(default_report.gpkg_path, layer="cities")
    assert cities.crs.to_epsg() == 4549 and len(cities) == 3  # CGCS2000 GK CM 120E


def test_user_resources_are_escaped_everywhere(tmp_path, layout):
    pts = gpd.GeoDataFrame(
        {
            "id": ["a", "b", "c"],
            "name": [PAYLOAD, "中国海洋大学", "<b>bold</b>"],
            "category": ["高校", "高校", "全国重点实验室"],
        },
        geometry=[
            shapely.Point(120.49, 36.16),
            shapely.Point(120.50, 36.17),
            shapely.Point(120.68, 36.37),
        ],
        crs="EPSG:4326",
    )
    rep = report.build_report(tmp_path / "r", resources=pts)
    page = rep.html_path.read_text(encoding="utf-8")
    assert PAYLOAD not in page and "<b>bold</b>" not in page
    assert "3 accepted" in page


@pytest.mark.browser
def test_report_in_headless_chromium(tmp_path, layout):
    pts = gpd.GeoDataFrame(
        {"id": ["a", "b"], "name": [PAYLOAD, "山东大学"], "category": ["高校", "高校"]},
        geometry=[shapely.Point(120.49, 36.16), shapely.Point(120.68, 36.37)],
        crs="EPSG:4326",
    )
    rep = report.build_report(tmp_path / "r", resources=pts)
    facts, logs = inspect_page(rep.html_path, frames=True)
    assert errors(logs) == [], logs
    assert facts["sections"] == report.default_sections()
    assert all(img["ok"] for img in facts["imgs"]) and len(facts["imgs"]) >= 7
    assert facts["frames"] and all(f["maps"] == 1 for f in facts["frames"])
    assert facts["xss"] is None and all(f["xss"] is None for f in facts["frames"])
    # Real numbers on the page: the official areas and the measured ones.
    for text in ("78.56", "26.2", "85.95", "190.7"):
        assert text in facts["text"]
    # The layout, metro, register and density maps; the resources on the density map,
    # the payload shown as text.
    assert len(facts["frames"]) == 4
    density_map = facts["frames"][3]
    assert any(PAYLOAD in t for t in density_map["tooltips"])


def test_report_command(tmp_path, capsys):
    out = tmp_path / "rep"
    rc = cli.main(
        [
            "report",
            "--out",
            str(out),
            "--resources",
            str(DATA / "resources_gbk_gcj02.csv"),
            "--datum",
            "GCJ02",
            "--id",
            "编号",
            "--name",
            "名称",
            "--category",
            "类别",
            "--weight",
            "专利数",
            "--quiet",
        ]
    )
    assert rc == 0
    assert capsys.readouterr().out == ""
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "rejected" in page.lower()
    assert (out / "tables" / "share_rejected.csv").is_file()


def test_report_command_errors(tmp_path, capsys):
    assert cli.main(["report", "--out", str(tmp_path), "--osm", "missing.pbf"]) == 2
    assert "no such file 'missing.pbf'" in capsys.readouterr().err
    assert (
        cli.main(
            [
                "report",
                "--out",
                str(tmp_path / "x"),
                "--base",
                str(DATA / "resources_gbk_gcj02.csv"),
            ]
        )
        == 2
    )
    assert "--base needs --resources" in capsys.readouterr().err


def test_a_section_the_inputs_cannot_support_is_reported_not_fatal(tmp_path, caplog):
    # A tiny OSM extract far from most of the axis: accessibility cannot be computed,
    # the rest of the report is, and the section says why.
    with caplog.at_level("WARNING", logger="corridor_geo"):
        rep = report.build_report(tmp_path / "r", graph=DATA / "corridor_tiny.osm")
    assert set(rep.problems) == {"access"}
    assert "could be snapped" in rep.problems["access"]
    page = rep.html_path.read_text(encoding="utf-8")
    assert "8. Accessibility along Binhai Avenue (not computed)" in page
    assert "Not computed:" in page
    assert "6. Density" in rep.sections
    assert "access not computed" in caplog.text
    assert (
        cli.main(
            [
                "report",
                "--out",
                str(tmp_path / "c"),
                "--osm",
                str(DATA / "corridor_tiny.osm"),
                "--quiet",
            ]
        )
        == 1
    )


def test_density_table_counts_each_resource_once(default_report):
    shares = pd.read_csv(default_report.tables["share_share_of_city"], encoding="utf-8-sig")
    dens = pd.read_csv(default_report.tables["density_density_by_zone"], encoding="utf-8-sig")
    share_all = shares[(shares["category"] == "ALL")].set_index("zone")["count"]
    dens_all = dens[(dens["category"] == "ALL")].set_index("zone")["count"]
    for zone in ("corridor", "ocean", "youth", "digital"):
        assert dens_all[zone] == share_all[zone]
    page = default_report.html_path.read_text(encoding="utf-8")
    corridor_count = int(share_all["corridor"])
    assert f"{corridor_count:,}" in page


def test_report_command_when_nothing_is_accepted(tmp_path, capsys):
    bad = tmp_path / "swapped.csv"
    bad.write_text("名称,类别,经度,纬度\n甲,高校,36.2,120.5\n", encoding="utf-8")
    rc = cli.main(
        ["report", "--out", str(tmp_path / "r"), "--resources", str(bad), "--datum", "GCJ02"]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert "none of the 1 rows of swapped.csv was accepted" in err and "Traceback" not in err


def test_density_surface_counts_resources_even_when_they_are_weighted(tmp_path, layout):
    import numpy as np
    import rasterio

    from corridor_geo.density import kernel_density

    raw = cg.synthetic_resources(400, seed=8, corridor_share=1.0, layout=layout)
    raw = raw[["id", "category", "geometry"]].assign(专利数=5.0)
    # Read with a weight, as `--weight 专利数` does: the analyses weigh by it by default,
    # but a surface of resources per km² must not be scaled by it.
    points = cg.read_resources(raw, weight="专利数", layout=layout).accepted
    rep = report.build_report(
        tmp_path / "r", layout=layout, resources=points, sections=["density"]
    )
    with rasterio.open(rep.html_path.parent / "density_kde.tif") as src:
        written = src.read(1, masked=True).filled(np.nan)
    options = {"bandwidth_m": report.KDE_BANDWIDTH_M, "cell_size_m": report.KDE_CELL_M}
    counted = kernel_density(points, layout=layout, weight=None, **options).values
    weighted = kernel_density(points, layout=layout, **options).values  # the read weight
    np.testing.assert_allclose(written, counted, rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(np.nanmax(weighted), 5 * np.nanmax(counted), rtol=1e-9)
