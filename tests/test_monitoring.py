"""Monitoring: yearly indicators, change from the base, projections to 2027.

Oracles: hand-computed series (least squares and compound growth written out), numpy's
``polyfit`` as a second implementation of the line, hand-placed points whose shares and
per-capita figures are known, and :func:`corridor_geo.indicators.target_status`, an
independent code path for the same targets.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from corridor_geo import monitoring
from corridor_geo._errors import InputError
from corridor_geo.indicators import plan_targets, target_status
from corridor_geo.monitoring import monitor, project
from corridor_geo.resources import synthetic_resources

# --------------------------------------------------------------------------------------
# project()
# --------------------------------------------------------------------------------------


def test_linear_projection_by_hand():
    # t = 2021, 2022, 2023; v = 10, 12, 13: mean t 2022, mean v 35/3;
    # slope = ((-1)(10 - 35/3) + (1)(13 - 35/3)) / 2 = (5/3 + 4/3) / 2 = 1.5;
    # in 2027: 35/3 + 1.5 * 5 = 19.1667.
    p = project({2021: 10.0, 2022: 12.0, 2023: 13.0}, method="linear", target_year=2027)
    assert p["status"] == "ok" and p["n_years"] == 3
    assert p["rate"] == pytest.approx(1.5)
    assert p["projected"] == pytest.approx(35 / 3 + 7.5)
    # r² = 1 - SSE / SST: fitted 10.1667, 11.6667, 13.1667 -> SSE = 1/36 + 1/9 + 1/36 = 1/6,
    # SST = (5/3)² + (1/3)² + (4/3)² = 42/9.
    assert p["r2"] == pytest.approx(1 - (1 / 6) / (42 / 9))


def test_linear_projection_matches_numpy_polyfit():
    rng = np.random.default_rng(7)
    years = np.array([2019, 2020, 2022, 2023, 2025])
    values = rng.uniform(10, 50, len(years))
    slope, intercept = np.polyfit(years.astype(float), values, 1)
    p = project(dict(zip(years.tolist(), values)), method="linear", target_year=2027)
    assert p["rate"] == pytest.approx(slope, rel=1e-9)
    assert p["projected"] == pytest.approx(intercept + slope * 2027, rel=1e-9)
    assert p["r2"] == pytest.approx(np.corrcoef(years, values)[0, 1] ** 2, rel=1e-9)


def test_compound_growth_projection_by_hand():
    # 100 -> 121 in two years: 10 % a year; 2026: 133.1, 2027: 146.41.
    p = project({2023: 100.0, 2025: 121.0}, method="cagr", target_year=2027, target_value=130)
    assert p["rate"] == pytest.approx(0.10)
    assert p["projected"] == pytest.approx(146.41)
    assert p["on_track"] is True and p["year_reached"] == 2026
    # The middle year does not enter the compound rate (endpoints only).
    q = project({2023: 100.0, 2024: 500.0, 2025: 121.0}, method="cagr")
    assert q["rate"] == pytest.approx(0.10)


def test_year_reached_and_not_reached():
    # A share rising 1 point a year from 42 % in 2025 reaches 45 % in 2028.
    p = project({2023: 0.40, 2025: 0.42}, method="linear", target_value=0.45)
    assert p["on_track"] is False and p["year_reached"] == 2028
    # Falling: never.
    q = project({2023: 0.45, 2025: 0.41}, method="linear", target_value=0.45)
    assert q["on_track"] is False and q["year_reached"] is None
    # Already met in the last year observed.
    r = project({2023: 0.40, 2025: 0.50}, method="cagr", target_value=0.45)
    assert r["year_reached"] == 2025


@pytest.mark.parametrize(
    ("values", "method", "why"),
    [
        ({2025: 3.0}, "linear", "at least 2 years, has 1"),
        ({2024: math.nan, 2025: 3.0}, "linear", "at least 2 years, has 1"),
        ({}, "cagr", "at least 2 years, has 0"),
        ({2023: 0.0, 2025: 3.0}, "cagr", "positive first value"),
    ],
)
def test_not_projectable_says_why(values, method, why):
    p = project(values, method=method)
    assert p["status"].startswith("not projectable") and why in p["status"]
    assert math.isnan(p["projected"]) and p["on_track"] is None


def test_project_rejects_unknown_method():
    with pytest.raises(InputError, match="unknown projection method 'quadratic'"):
        project({2023: 1.0, 2024: 2.0}, method="quadratic")


# --------------------------------------------------------------------------------------
# monitor(): hand-placed points
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def places(layout):
    """A point inside the corridor and one in the city outside it (WGS84)."""
    inside = layout.union("corridor", crs="EPSG:4326").representative_point()
    outside = shapely.Point(120.0, 36.3)  # 胶州市, far from the corridor
    assert not layout.union("corridor", crs="EPSG:4326").contains(outside)
    assert layout.union("city", crs="EPSG:4326").contains(outside)
    return inside, outside


def _snapshot(inside, outside, *, labs_in, labs_out, patents_in, talent_in, firms_in):
    rows = []
    rows += [("state_key_lab", 1.0, inside)] * labs_in
    rows += [("state_key_lab", 1.0, outside)] * labs_out
    rows += [("invention_patents", patents_in, inside), ("invention_patents", 100.0, outside)]
    rows += [("st_talent", talent_in, inside)]
    rows += [("high_tech_enterprise", 1.0, inside)] * firms_in
    return gpd.GeoDataFrame(
        {"category": [r[0] for r in rows], "weight": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def hand(layout, places):
    inside, outside = places
    snaps = {
        2023: _snapshot(
            inside, outside, labs_in=2, labs_out=3, patents_in=300, talent_in=1000, firms_in=20
        ),
        2024: _snapshot(
            inside, outside, labs_in=3, labs_out=3, patents_in=330, talent_in=1050, firms_in=22
        ),
        2025: _snapshot(
            inside, outside, labs_in=4, labs_out=2, patents_in=360, talent_in=1100, firms_in=24
        ),
    }
    # Exactly 200,000 people in the corridor: one polygon that is the corridor itself.
    people = gpd.GeoDataFrame(
        {"population": [200_000.0]},
        geometry=[layout.union("corridor", crs="EPSG:4326")],
        crs="EPSG:4326",
    )
    return monitor(snaps, layout=layout, layers=["corridor"], population=people), snaps


def _rows(result, key):
    return result.targets.loc[result.targets["key"] == key].set_index("year")


def test_share_per_year_change_and_met_by_hand(hand):
    result, _ = hand
    share = _rows(result, "key_resources_share")
    assert share["value"].tolist() == pytest.approx([2 / 5, 3 / 6, 4 / 6])
    assert share["amount"].tolist() == [2, 3, 4]
    assert share["city_amount"].tolist() == [5, 6, 6]
    assert share["change"].tolist() == pytest.approx([0.0, 0.5 - 0.4, 4 / 6 - 0.4])
    assert share["met"].tolist() == [False, True, True]
    assert (share["target_value"] == 0.45).all()


def test_growth_and_per_capita_by_hand(hand):
    result, _ = hand
    patents = _rows(result, "patents_per_10k_growth")
    # 300, 330, 360 patents per 200,000 people: 15.0, 16.5, 18.0 per 10,000.
    assert patents["population"].tolist() == pytest.approx([200_000.0] * 3, rel=1e-9)
    assert patents["value"].tolist() == pytest.approx([15.0, 16.5, 18.0], rel=1e-9)
    assert patents["growth"].tolist() == pytest.approx([0.0, 0.10, 0.20], rel=1e-9)
    assert patents["met"].tolist() == [False, False, True]
    assert patents["target_value"].iloc[0] == pytest.approx(15.0 * 1.15)
    assert "caller's polygons" in patents["population_method"].iloc[0]
    talent = _rows(result, "st_talent_growth")
    assert talent["value"].tolist() == [1000.0, 1050.0, 1100.0]
    firms = _rows(result, "high_tech_enterprise_growth")
    assert firms["value"].tolist() == [20, 22, 24]
    assert firms["growth"].iloc[-1] == pytest.approx(0.20)


def test_projection_of_the_share_by_hand(hand):
    result, _ = hand
    proj = result.projection.set_index(["key", "method"]).loc["key_resources_share"]
    # Least squares through (2023, 0.4), (2024, 0.5), (2025, 2/3): slope
    # ((-1)(0.4 - m) + (1)(2/3 - m)) / 2 with m the mean: (2/3 - 0.4) / 2 = 2/15.
    mean = (0.4 + 0.5 + 2 / 3) / 3
    assert proj.loc["linear", "rate"] == pytest.approx(2 / 15)
    assert proj.loc["linear", "projected"] == pytest.approx(mean + 2 / 15 * 3)
    # Compound: (2/3 / 0.4) ** (1/2) - 1; two more years from 2/3.
    g = (2 / 3 / 0.4) ** 0.5 - 1
    assert proj.loc["cagr", "rate"] == pytest.approx(g)
    assert proj.loc["cagr", "projected"] == pytest.approx(2 / 3 * (1 + g) ** 2)
    assert proj.loc["linear", "on_track"] and proj.loc["linear", "year_reached"] == 2025
    growth = result.projection.set_index(["key", "method"]).loc["patents_per_10k_growth"]
    # Linear 15, 16.5, 18 -> 1.5 a year -> 21 in 2027: growth 40 % over the base.
    assert growth.loc["linear", "projected"] == pytest.approx(21.0)
    assert growth.loc["linear", "projected_growth"] == pytest.approx(0.40)


def test_monitor_agrees_with_target_status(layout):
    """A second code path: target_status(current, base) for every year."""
    cats = {
        "state_key_lab": 1,
        "new_rd_institution": 1,
        "high_tech_enterprise": 2,
        "invention_patents": 1,
        "st_talent": 1,
    }
    means = {"invention_patents": 30, "st_talent": 20}
    snaps = {
        y: synthetic_resources(
            250 + 25 * i,
            seed=40 + i,
            layout=layout,
            corridor_share=0.4 + 0.03 * i,
            categories=cats,
            weight_mean=means,
        )
        for i, y in enumerate((2022, 2023, 2025))
    }
    result = monitor(snaps, layout=layout, layers=["corridor", "cities"])
    for year, snap in snaps.items():
        status = target_status(snap, layout=layout, base=snaps[2022]).set_index("key")
        mine = result.targets.loc[result.targets["year"] == year].set_index("key")
        for key, row in status.iterrows():
            measured = mine.loc[key, "growth" if row["kind"] == "growth" else "value"]
            assert measured == pytest.approx(row["value"], rel=1e-9), (year, key)
            level = "per_10k" if mine.loc[key, "measure"] == "per_10k_people" else "amount"
            assert mine.loc[key, level] == pytest.approx(row["current"], rel=1e-9)
            assert bool(mine.loc[key, "met"]) == bool(row["met"]), (year, key)


def test_one_table_with_a_year_column_equals_the_mapping(layout, hand):
    result, snaps = hand
    people = gpd.GeoDataFrame(
        {"population": [200_000.0]},
        geometry=[layout.union("corridor", crs="EPSG:4326")],
        crs="EPSG:4326",
    )
    one = pd.concat([s.assign(year=y) for y, s in snaps.items()], ignore_index=True)
    one = gpd.GeoDataFrame(one, geometry="geometry", crs="EPSG:4326")
    again = monitor(one, layout=layout, layers=["corridor"], population=people)
    pd.testing.assert_frame_equal(again.table, result.table)


def test_files_are_read_with_the_one_reader(layout, hand, tmp_path):
    result, snaps = hand
    paths = {}
    for year, frame in snaps.items():
        table = pd.DataFrame(
            {
                "lon": frame.geometry.x,
                "lat": frame.geometry.y,
                "类别": frame["category"],
                "weight": frame["weight"],
            }
        )
        paths[year] = tmp_path / f"labs_{year}.csv"
        table.to_csv(paths[year], index=False)
    read = monitor(
        {str(y): p for y, p in paths.items()},
        layout=layout,
        layers=["corridor"],
        population=gpd.GeoDataFrame(
            {"population": [200_000.0]},
            geometry=[layout.union("corridor", crs="EPSG:4326")],
            crs="EPSG:4326",
        ),
        read_options={"datum": "WGS84", "weight": "weight"},
    )
    assert read.years == (2023, 2024, 2025)
    assert read.snapshots[2023].n_read == len(snaps[2023])
    pd.testing.assert_series_equal(read.table["value"], result.table["value"])


def test_base_year_and_layers(layout, hand):
    _, snaps = hand
    later = monitor(snaps, layout=layout, layers=["cities"], base_year=2024)
    share = later.targets.query("key == 'key_resources_share'").set_index("year")
    assert (share["base_year"] == 2024).all()
    assert share.loc[2025, "change"] == pytest.approx(4 / 6 - 0.5)
    # The target's own layer is always there, plus the layers asked for.
    assert set(later.table["layer"]) == {"corridor", "cities"}
    assert set(later.table.loc[later.table["layer"] == "cities", "zone"]) == {
        "ocean",
        "youth",
        "digital",
    }
    assert later.table.loc[later.table["layer"] == "cities", "target"].isna().all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"snapshots": {}}, "no snapshots"),
        ({"snapshots": {"2023.5": None}}, "whole number"),
        ({"base_year": 2030}, "base_year 2030 has no snapshot"),
        ({"methods": ["spline"]}, "unknown projection method 'spline'"),
        ({"layers": ["planets"]}, "unknown zone layer"),
    ],
)
def test_monitor_errors_name_the_problem(layout, hand, kwargs, message):
    _, snaps = hand
    args = {"snapshots": snaps, "layout": layout, **kwargs}
    with pytest.raises(InputError, match=message):
        monitor(args.pop("snapshots"), **args)


def test_one_table_without_its_year_column(layout, hand):
    _, snaps = hand
    with pytest.raises(InputError, match="year column 'year'"):
        monitor(snaps[2023], layout=layout)


def test_a_single_year_is_not_projectable(layout, hand):
    _, snaps = hand
    one = monitor({2025: snaps[2025]}, layout=layout, layers=["corridor"])
    assert one.projection["status"].str.startswith("not projectable").all()
    assert "not projectable" in one.summary()


# --------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------
def test_figure_draws_the_observed_values(hand):
    import matplotlib.pyplot as plt

    result, _ = hand
    fig = result.figure(lang="en")
    try:
        panels = [ax for ax in fig.axes if ax.get_visible()]
        assert len(panels) == len(plan_targets())
        titles = [ax.get_title() for ax in panels]
        share_ax = panels[next(i for i, t in enumerate(titles) if "Share" in t)]
        observed = share_ax.lines[0]
        assert list(observed.get_xdata()) == [2023, 2024, 2025]
        assert list(observed.get_ydata()) == pytest.approx([40.0, 50.0, 200 / 3])  # in %
        assert any(line.get_label() == "linear" for line in share_ax.lines)
    finally:
        plt.close(fig)


def test_html_page_escapes_every_user_string(layout, hand):
    _, snaps = hand
    targets = plan_targets()
    targets.loc[0, "name_zh"] = "<script>alert('x')</script>"
    result = monitor(snaps, layout=layout, layers=["corridor"], targets=targets)
    page = result.to_html(title="<img src=x onerror=alert(1)>")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page and "data:image/png;base64," in page
    assert "<script>alert" not in result._repr_html_()


def test_monitoring_object_is_documented_for_the_report():
    assert {"table", "projection", "figure", "to_html", "targets", "summary"} <= set(
        dir(monitoring.Monitoring)
    ) | set(monitoring.Monitoring.__dataclass_fields__)
