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
    # Compound: (2/3 / 0.4) ** (1/2) - 1; two more years from 2/3 give 111 %: a share
    # is capped at 100 %.
    g = (2 / 3 / 0.4) ** 0.5 - 1
    assert proj.loc["cagr", "rate"] == pytest.approx(g)
    assert 2 / 3 * (1 + g) ** 2 == pytest.approx(10 / 9)
    assert proj.loc["cagr", "projected"] == 1.0 and proj.loc["cagr", "capped"]
    assert not proj.loc["linear", "capped"]
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


# --------------------------------------------------------------------------------------
# Targets that cannot be assessed, and bounded projections
# --------------------------------------------------------------------------------------
def _labs_and_firms(inside, outside, *, labs_in, labs_out, firms_in):
    """Key laboratories and high-tech firms only: no patent and no talent rows."""
    rows = [("state_key_lab", inside)] * labs_in + [("state_key_lab", outside)] * labs_out
    rows += [("high_tech_enterprise", inside)] * firms_in
    return gpd.GeoDataFrame(
        {"category": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs="EPSG:4326"
    )


@pytest.fixture(scope="module")
def no_patents(layout, places):
    inside, outside = places
    snaps = {
        2024: _labs_and_firms(inside, outside, labs_in=3, labs_out=7, firms_in=20),
        2025: _labs_and_firms(inside, outside, labs_in=6, labs_out=4, firms_in=24),
    }
    return monitor(snaps, layout=layout, layers=["corridor"]), snaps


def test_growth_without_base_rows_is_not_assessable(no_patents):
    result, _ = no_patents
    for key, cat in (
        ("patents_per_10k_growth", "invention_patents"),
        ("st_talent_growth", "st_talent"),
    ):
        rows = _rows(result, key)
        reason = f"not assessable: base 0: no rows of category {cat} in corridor in 2024"
        assert rows["status"].tolist() == [reason, reason]
        assert rows["value"].tolist() == [0.0, 0.0]
        assert rows["target_value"].isna().all() and rows["met"].isna().all()
        proj = result.projection.loc[result.projection["key"] == key]
        assert proj["status"].tolist() == [reason, reason]
        # The same reason in Chinese, with the zone's Chinese name, not its key.
        zh = f"无法评估：基期值为 0：2024年青岛科创大走廊内没有类别 {cat} 的数据"
        assert rows["status_zh"].tolist() == [zh, zh] and proj["status_zh"].tolist() == [zh, zh]
        assert proj["on_track"].isna().all() and proj["target_value"].isna().all()
        assert proj["year_reached"].isna().all()
    # The targets that have data are judged as before: 20 -> 24 firms, +20 %.
    firms = result.projection.set_index(["key", "method"]).loc["high_tech_enterprise_growth"]
    assert firms.loc["linear", "projected"] == pytest.approx(32.0)  # 24 + 4 * 2
    assert firms.loc["linear", "target_value"] == pytest.approx(23.0)
    assert firms.loc["linear", "on_track"] and firms.loc["linear", "status"] == "ok"


def test_not_assessable_where_target_status_has_no_value(layout, no_patents):
    """The oracle: target_status(current, base) gives NA exactly where monitor says so."""
    result, snaps = no_patents
    status = target_status(snaps[2025], layout=layout, base=snaps[2024]).set_index("key")
    mine = result.targets.loc[result.targets["year"] == 2025].set_index("key")
    for key, row in status.iterrows():
        assessable = mine.loc[key, "status"] == "ok"
        assert assessable == (not pd.isna(row["met"])), key
        if assessable:
            assert bool(mine.loc[key, "met"]) == bool(row["met"]), key
        else:
            assert pd.isna(mine.loc[key, "met"]), key


def test_summary_and_pages_say_not_assessable(no_patents):
    result, _ = no_patents
    lines = result.summary().splitlines()
    patents = next(line for line in lines if "invention patents" in line)
    assert patents.endswith(
        "0.00 in 2025; not assessable: base 0: no rows of category invention_patents in "
        "corridor in 2024"
    )
    assert "on track" not in patents and "short" not in patents and "target" not in patents
    firms = next(line for line in lines if "high-tech" in line)
    assert "linear 32.00 (on track)" in firms
    html = result._repr_html_()
    assert "not assessable: base 0: no rows of category st_talent" in html
    page = result.to_html(lang="en")
    # Every target is listed, the two without base rows with their reason, no verdict.
    item = page[page.index("Growth of the total S&amp;T talent") :]
    item = item[: item.index("</li>")]
    assert "not assessable: base 0: no rows of category st_talent in corridor in 2024" in item
    assert "on track" not in item and "short of the target" not in item


def test_share_without_any_resource_in_the_city_is_not_assessable(layout, places):
    inside, _ = places
    firms = {
        y: gpd.GeoDataFrame(
            {"category": ["high_tech_enterprise"] * n}, geometry=[inside] * n, crs="EPSG:4326"
        )
        for y, n in ((2024, 5), (2025, 6))
    }
    result = monitor(firms, layout=layout, layers=["corridor"])
    cats = "national_lab, state_key_lab, provincial_lab, provincial_key_lab, new_rd_institution"
    share = _rows(result, "key_resources_share")
    assert share["value"].isna().all() and share["met"].isna().all()
    assert share.loc[2024, "status"] == (
        f"not assessable: no rows of categories {cats} in the city in 2024"
    )
    proj = result.projection.loc[result.projection["key"] == "key_resources_share"]
    assert set(proj["status"]) == {
        f"not assessable: no rows of categories {cats} in the city in 2024, 2025"
    }
    assert set(proj["status_zh"]) == {f"无法评估：2024、2025年全市没有类别 {cats} 的数据"}
    assert share.loc[2024, "status_zh"] == f"无法评估：2024年全市没有类别 {cats} 的数据"
    assert proj["on_track"].isna().all()
    # A growth target that can be assessed is "ok" in both languages.
    firms_rows = _rows(result, "high_tech_enterprise_growth")
    assert firms_rows["status"].tolist() == firms_rows["status_zh"].tolist() == ["ok", "ok"]


def test_a_share_projection_is_capped_at_100_percent(layout, places):
    inside, outside = places
    # 3 of 10 key laboratories in the corridor in 2024, 6 of 10 in 2025.
    snaps = {
        2024: _labs_and_firms(inside, outside, labs_in=3, labs_out=7, firms_in=1),
        2025: _labs_and_firms(inside, outside, labs_in=6, labs_out=4, firms_in=1),
    }
    result = monitor(snaps, layout=layout, layers=["corridor"])
    proj = result.projection.set_index(["key", "method"]).loc["key_resources_share"]
    # Unbounded, the line gives 0.6 + 0.3 * 2 = 1.2 and compound growth (doubling a year)
    # 0.6 * 2 ** 2 = 2.4: both capped at 1, both on track (1 >= 0.45).
    assert project({2024: 0.3, 2025: 0.6}, method="linear")["projected"] == pytest.approx(1.2)
    assert project({2024: 0.3, 2025: 0.6}, method="cagr")["projected"] == pytest.approx(2.4)
    for method in ("linear", "cagr"):
        assert proj.loc[method, "projected"] == 1.0
        assert proj.loc[method, "capped"] and proj.loc[method, "on_track"]
        assert proj.loc[method, "note"].endswith("; projection capped at 100 %")
        assert proj.loc[method, "projected_gap"] == pytest.approx(1.0 - 0.45)
    assert "linear 100.0% (on track, capped at 100 %)" in result.summary()
    # A growth target is not a share: 1 firm each year, projected 1, not capped.
    firms = result.projection.set_index(["key", "method"]).loc["high_tech_enterprise_growth"]
    assert not firms["capped"].any() and (firms["projected"] == 1.0).all()


def test_a_falling_share_is_floored_at_0(layout, places):
    inside, outside = places
    snaps = {
        2024: _labs_and_firms(inside, outside, labs_in=6, labs_out=4, firms_in=1),
        2025: _labs_and_firms(inside, outside, labs_in=3, labs_out=7, firms_in=1),
    }
    result = monitor(snaps, layout=layout, layers=["corridor"])
    proj = result.projection.set_index(["key", "method"]).loc["key_resources_share"]
    # Line: 0.3 - 0.3 * 2 = -0.3 -> 0; compound: 0.3 * 0.5 ** 2 = 0.075, within bounds.
    assert proj.loc["linear", "projected"] == 0.0 and proj.loc["linear", "capped"]
    assert proj.loc["linear", "note"].endswith("; projection floored at 0 %")
    assert not proj.loc["linear", "on_track"]
    assert proj.loc["cagr", "projected"] == pytest.approx(0.075)
    assert not proj.loc["cagr", "capped"]


def test_project_bounds_by_hand():
    # A count falling 10 a year from 25: 5 in 2027 is fine, -5 in 2028 is floored at 0.
    p = project({2024: 35.0, 2025: 25.0}, target_year=2028, nonnegative=True, target_value=1)
    assert p["projected"] == 0.0 and p["capped"] and p["on_track"] is False
    assert p["note"].endswith("; projection floored at 0")
    q = project({2024: 35.0, 2025: 25.0}, target_year=2027, nonnegative=True)
    assert q["projected"] == pytest.approx(5.0) and not q["capped"]
    # Without bounds nothing changes.
    assert project({2024: 35.0, 2025: 25.0}, target_year=2028)["projected"] == pytest.approx(-5)


def test_figure_bounds_the_trend_and_says_not_assessable(layout, places, no_patents):
    import matplotlib.pyplot as plt

    inside, outside = places
    snaps = {
        2024: _labs_and_firms(inside, outside, labs_in=3, labs_out=7, firms_in=1),
        2025: _labs_and_firms(inside, outside, labs_in=6, labs_out=4, firms_in=1),
    }
    fig = monitor(snaps, layout=layout, layers=["corridor"]).figure(lang="en")
    try:
        panels = [ax for ax in fig.axes if ax.get_visible()]
        share_ax = next(ax for ax in panels if "Share" in ax.get_title())
        trends = [line for line in share_ax.lines if line.get_label() in ("linear", "cagr")]
        assert len(trends) == 2
        assert max(max(line.get_ydata()) for line in trends) == pytest.approx(100.0)
        talent_ax = next(ax for ax in panels if "talent" in ax.get_title())
        texts = [t.get_text() for t in talent_ax.texts]
        assert any(t.startswith("not assessable:") and "st_talent" in t for t in texts)
        assert not [line for line in talent_ax.lines if line.get_label() == "target"]
        assert not share_ax.texts
    finally:
        plt.close(fig)


def test_a_snapshot_with_its_own_reader_options(layout, hand, tmp_path):
    from corridor_geo.crs import wgs84_to_gcj02

    result, snaps = hand
    paths = {}
    for year, frame in snaps.items():
        lon, lat = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
        if year == 2024:  # this year's file is in GCJ-02, the others in WGS84
            lon, lat = wgs84_to_gcj02(lon, lat)
        paths[year] = tmp_path / f"s_{year}.csv"
        pd.DataFrame(
            {"lon": lon, "lat": lat, "category": frame["category"], "weight": frame["weight"]}
        ).to_csv(paths[year], index=False)
    people = gpd.GeoDataFrame(
        {"population": [200_000.0]},
        geometry=[layout.union("corridor", crs="EPSG:4326")],
        crs="EPSG:4326",
    )
    given = {y: str(p) for y, p in paths.items()}
    given[2024] = {"path": paths[2024], "datum": "GCJ02"}
    read = monitor(
        given,
        layout=layout,
        layers=["corridor"],
        population=people,
        read_options={"datum": "WGS84", "weight": "weight"},
    )
    pd.testing.assert_series_equal(read.table["value"], result.table["value"])
    with pytest.raises(InputError, match="needs a 'path'"):
        monitor({2024: {"datum": "GCJ02"}}, layout=layout)


def test_a_target_no_category_counts_towards_is_never_met_or_missed(layout, no_patents):
    from corridor_geo import datasets

    _, snaps = no_patents
    targets = pd.read_csv(datasets.get_path("indicators/targets.csv"))
    extra = targets.iloc[[0]].assign(key="nothing_counts", kind="level", threshold=5.0)
    result = monitor(
        snaps, layout=layout, layers=["corridor"], targets=pd.concat([targets, extra])
    )
    rows = _rows(result, "nothing_counts")
    assert set(rows["status"]) == {
        "not assessable: no category of the registry counts towards this target"
    }
    assert rows["met"].isna().all() and rows["target_value"].isna().all()
