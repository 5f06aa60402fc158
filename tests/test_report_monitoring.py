"""The report shows monitoring and scenario sections when given their inputs."""

from __future__ import annotations

from html import escape as html_escape

import numpy as np
import pandas as pd
import pytest

import corridor_geo as cg
from corridor_geo import cli, report
from corridor_geo.crs import geodesic_area
from corridor_geo.monitoring import monitor
from corridor_geo.scenarios import scenario


def _snapshot(year: int, n: int, share: float) -> pd.DataFrame:
    pts = cg.synthetic_resources(
        n,
        seed=year,
        corridor_share=share,
        categories={"state_key_lab": 1, "new_rd_institution": 1, "high_tech_enterprise": 2},
    )
    return pd.DataFrame(
        {
            "name": pts["name"],
            "category": pts["category"],
            "lon": pts.geometry.x,
            "lat": pts.geometry.y,
        }
    )


@pytest.fixture(scope="module")
def snapshot_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("snapshots")
    paths = {}
    for year, n, share in ((2024, 300, 0.35), (2025, 330, 0.40), (2026, 360, 0.44)):
        paths[year] = folder / f"labs_{year}.csv"
        _snapshot(year, n, share).to_csv(paths[year], index=False)
    return paths


def test_sections_appear_with_their_inputs_and_match_the_api(snapshot_files, tmp_path, layout):
    snaps = {y: cg.read_resources(p, datum="WGS84") for y, p in snapshot_files.items()}
    variant = scenario("wider", layout=layout, buffer_m=500)
    rep = report.build_report(
        tmp_path / "r",
        layout=layout,
        sections=["monitoring", "scenario"],
        inputs={"snapshots": snaps, "scenario": variant},
        resources=snaps[2026].accepted,
    )
    assert not rep.problems
    page = rep.html_path.read_text(encoding="utf-8")
    assert "Monitoring to 2027" in page and "Scenario comparison" in page
    # The report's tables are the API's.
    direct = monitor(snaps, layout=layout)
    got = pd.read_csv(rep.tables["monitoring_projection"], encoding="utf-8-sig")
    assert len(got) == len(direct.projection)
    np.testing.assert_allclose(
        got["projected"].to_numpy(float), direct.projection["projected"].to_numpy(float)
    )
    comp = pd.read_csv(rep.tables["scenario_comparison"], encoding="utf-8-sig")
    area = comp.query("layer == 'corridor' and metric == 'area_km2'").iloc[0]
    # Oracle: the geodesic areas of the two corridors (pyproj).
    a = float(geodesic_area(layout.corridor).iloc[0]) / 1e6
    b = float(geodesic_area(variant.corridor).iloc[0]) / 1e6
    assert area["a"] == pytest.approx(a, rel=1e-4) and area["b"] == pytest.approx(b, rel=1e-4)
    assert b > a


def test_asked_for_without_its_input_a_section_says_what_is_missing(tmp_path):
    rep = report.build_report(tmp_path / "r", sections=["monitoring", "scenario"])
    assert "snapshots" in rep.problems["monitoring"]
    assert "scenario" in rep.problems["scenario"]
    assert report.SECTIONS["monitoring"].needs == ("layout", "snapshots")


def test_the_command_line_takes_snapshots_and_a_variant(snapshot_files, tmp_path, capsys):
    argv = ["report", "--out", str(tmp_path / "r"), "--datum", "WGS84", "--quiet"]
    for year, path in snapshot_files.items():
        argv += ["--snapshot", f"{year}={path}"]
    argv += ["--scenario-buffer", "500", "--sections", "monitoring,scenario"]
    assert cli.main(argv) == 0
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "Monitoring to 2027" in page and "Scenario comparison" in page
    assert cli.main([*argv[:5], "--snapshot", "twenty=x.csv"]) == 2
    assert "--snapshot takes YEAR=FILE" in capsys.readouterr().err


# --------------------------------------------------------------------------------------
# The monitoring section as planners read it
# --------------------------------------------------------------------------------------
def _gcj_file(path, frame: pd.DataFrame) -> None:
    """名称, 经度, 纬度 (GCJ-02), 类别: a planner's file, from WGS84 points."""
    from corridor_geo.crs import wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    pd.DataFrame(
        {"名称": frame["name"], "经度": lon, "纬度": lat, "类别": frame["category"]}
    ).to_csv(path, index=False)


@pytest.fixture(scope="module")
def gcj_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gcj")
    paths = {}
    for year, n, share in ((2023, 300, 0.35), (2024, 330, 0.40), (2025, 360, 0.44)):
        paths[year] = folder / f"labs_{year}.csv"
        _gcj_file(paths[year], _snapshot(year, n, share))
    return paths


def _section(page: str, key: str) -> str:
    import re

    start = page.index(f'id="{key}"')
    html = page[start : page.index("</section>", start)]
    return re.sub(r'src="data:image/png;base64,[^"]*"', 'src=""', html)


@pytest.fixture(scope="module", params=["en", "zh"])
def monitoring_report(request, gcj_files, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"rep_{request.param}") / "rep"
    argv = ["report", "--out", str(out), "--sections", "monitoring", "--quiet"]
    argv += ["--resources", str(gcj_files[2025]), "--datum", "GCJ02"]
    argv += ["--lang", request.param]
    for year, path in gcj_files.items():
        argv += ["--snapshot", f"{year}={path}"]
    assert cli.main(argv) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    return request.param, _section(page, "monitoring"), out


def test_the_section_shows_a_planners_table(monitoring_report, gcj_files, layout):
    import re

    lang, html, out = monitoring_report
    assert "<NA>" not in html and "&lt;NA&gt;" not in html
    assert not re.search(r"\bnan\b", html, flags=re.IGNORECASE)
    assert not re.search(r"\b2,0\d\d\b", html)  # no "2,023"-style years
    head = html[html.index("<table>") : html.index("</thead>")]
    headers = re.findall(r"<th>(.*?)</th>", head)
    if lang == "en":
        assert headers == [
            "indicator", "zone", "base year", "base value", "latest year", "latest value",
            "target", "linear 2027", "CAGR 2027", "status",
        ]  # fmt: skip
    else:
        assert headers == [
            "指标", "区域", "基期年份", "基期值", "最新年份", "最新值", "目标",
            "线性趋势 2027", "复合增长 2027", "状态",
        ]  # fmt: skip
    # The values are the API's on the same files, shares in %.
    m = monitor({y: str(p) for y, p in gcj_files.items()}, read_options={"datum": "GCJ02"})
    o = m.overview().set_index("key").loc["key_resources_share"]
    body = html[html.index("</thead>") : html.index("</table>")]
    name = o["name_en"] if lang == "en" else o["name_zh"]
    share_row = next(r for r in body.split("<tr>") if html_escape(name) in r)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", share_row)
    assert cells[2:7] == [
        "2023",
        f"{100 * o['base_value']:.1f} %",
        "2025",
        f"{100 * o['latest_value']:.1f} %",
        "≥ 45.0 %",
    ]
    assert cells[7] == f"{100 * o['linear']:.1f} %" and cells[8] == f"{100 * o['cagr']:.1f} %"
    # Talent has no rows: not assessable, no tick and no cross, in both tables.
    talent = [r for r in html.split("<tr>") if ("talent" in r or "科创人才" in r)]
    assert talent and all("✓" not in r and "✗" not in r for r in talent)
    assert all(("not assessable" in r or "无法评估" in r) for r in talent)
    if lang == "zh":  # the reason too, not only the verdict
        assert any("没有类别" in r for r in talent) and not any("no rows of" in r for r in talent)
    # The full tables are in the CSVs, as the API gives them.
    full = pd.read_csv(out / "tables" / "monitoring_projection.csv", encoding="utf-8-sig")
    assert {"intercept", "r2", "year_reached", "projected_gap", "capped"} <= set(full.columns)
    assert len(full) == len(m.projection)


def test_snapshot_paths_are_read_with_the_reports_datum(gcj_files, tmp_path, layout):
    from corridor_geo.crs import gcj02_to_wgs84

    rep = report.build_report(
        tmp_path / "r",
        layout=layout,
        resources=gcj_files[2025],
        datum="GCJ02",
        sections=["monitoring"],
        inputs={"snapshots": {y: str(p) for y, p in gcj_files.items()}},
    )
    assert not rep.problems
    got = pd.read_csv(rep.tables["monitoring_projection"], encoding="utf-8-sig")
    # The oracle: the same files converted to WGS84 here and given as tables.
    frames = {}
    for year, path in gcj_files.items():
        raw = pd.read_csv(path)
        lon, lat = gcj02_to_wgs84(raw["经度"].to_numpy(), raw["纬度"].to_numpy())
        frames[year] = cg.read_resources(
            raw.assign(经度=lon, 纬度=lat), datum="WGS84", layout=layout
        ).accepted
    direct = monitor(frames, layout=layout)
    np.testing.assert_allclose(
        got["projected"].to_numpy(float), direct.projection["projected"].to_numpy(float)
    )
    # A snapshot with its own datum keeps it: 2024 in WGS84 among GCJ-02 files.
    wgs = tmp_path / "labs_2024_wgs84.csv"
    raw = pd.read_csv(gcj_files[2024])
    lon, lat = gcj02_to_wgs84(raw["经度"].to_numpy(), raw["纬度"].to_numpy())
    raw.assign(经度=lon, 纬度=lat).to_csv(wgs, index=False)
    snaps = {y: str(p) for y, p in gcj_files.items()}
    snaps[2024] = {"path": wgs, "datum": "WGS84"}
    again = report.build_report(
        tmp_path / "r2",
        layout=layout,
        resources=gcj_files[2025],
        datum="GCJ02",
        sections=["monitoring"],
        inputs={"snapshots": snaps},
    )
    assert not again.problems
    got2 = pd.read_csv(again.tables["monitoring_indicators"], encoding="utf-8-sig")
    np.testing.assert_allclose(
        got2["value"].to_numpy(float), direct.table["value"].to_numpy(float), rtol=1e-9
    )
