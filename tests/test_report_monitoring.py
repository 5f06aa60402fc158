"""The report shows monitoring and scenario sections when given their inputs."""

from __future__ import annotations

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
