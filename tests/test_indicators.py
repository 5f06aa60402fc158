"""Targets, population and per-capita figures against hand computations."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine

from corridor_geo import crs, official
from corridor_geo._errors import InputError
from corridor_geo.indicators import per_capita, plan_targets, target_status
from corridor_geo.population import census_population, population_by_zone
from corridor_geo.raster import Raster
from corridor_geo.resources import read_resources, synthetic_resources
from corridor_geo.zones import share_of_city

DATA = Path(__file__).parent / "data"


def test_census_is_complete_and_sums_to_city_total():
    pop = census_population()
    assert set(pop["code"]) == set(official.DISTRICTS)
    # 青岛市第七次全国人口普查公报: 10,071,722 residents.
    assert int(pop["population"].sum()) == 10_071_722
    assert (pop["year"] == 2020).all() and pop["source"].str.contains("七次").all()


def test_population_by_area_hand_computed(layout):
    pop = population_by_zone(layout, layers=["districts", "corridor", "cities"], level="districts")
    census = census_population().set_index("code")["population"]
    d = pop.loc[pop["layer"] == "districts"].set_index("zone")["population"]
    assert np.allclose(d.sort_index(), census.sort_index().astype(float), rtol=1e-9)
    # Hand oracle: planar shares in EPSG:4549 of each district covered by the corridor.
    dm = crs.to_analysis_crs(layout.districts)
    corr = crs.to_analysis_crs(layout.corridor).geometry.iloc[0]
    hand = sum(
        census[code] * g.intersection(corr).area / g.area
        for code, g in zip(dm["code"].astype(str), dm.geometry)
    )
    got = pop.loc[pop["layer"] == "corridor", "population"].iloc[0]
    assert got == pytest.approx(hand, rel=1e-5)
    cities = pop.loc[pop["layer"] == "cities", "population"].sum()
    assert cities == pytest.approx(got, rel=1e-9)
    assert pop["method"].str.contains("spread by area").all()


def test_population_from_polygons_and_raster():
    zones = gpd.GeoDataFrame(
        {"layer": ["z", "z"], "zone": ["left", "right"]},
        geometry=[shapely.box(500_000, 4_000_000, 501_000, 4_001_000),
                  shapely.box(501_000, 4_000_000, 502_000, 4_001_000)],
        crs=crs.ANALYSIS_CRS,
    )  # fmt: skip
    tracts = gpd.GeoDataFrame(
        {"people": [1000.0, 300.0]},
        geometry=[shapely.box(500_500, 4_000_000, 501_500, 4_001_000),
                  shapely.box(501_500, 4_000_000, 502_500, 4_000_500)],
        crs=crs.ANALYSIS_CRS,
    )  # fmt: skip
    got = population_by_zone(zones, population=tracts, population_col="people").set_index("zone")
    # left: half of tract 0; right: half of tract 0 + half of tract 1.
    # (true areas: the areal scale factor at each piece's centroid differs by ~1e-8)
    assert got.loc["left", "population"] == pytest.approx(500.0, rel=1e-7)
    assert got.loc["right", "population"] == pytest.approx(650.0, rel=1e-7)
    # A 50 m raster of 2 people per cell, offset by 25 m: fractional cells at the edges.
    r = Raster(np.full((40, 60), 2.0), Affine(50, 0, 499_975, 0, -50, 4_001_475), "EPSG:4549")
    got_r = population_by_zone(zones, population=r).set_index("zone")
    assert got_r.loc["left", "population"] == pytest.approx(2.0 * 1e6 / 2500, rel=1e-9)
    assert got_r["method"].str.contains("fractional").all()
    with pytest.raises(InputError, match="column"):
        population_by_zone(zones, population=tracts)
    with pytest.raises(InputError, match="CorridorLayout"):
        population_by_zone(zones)


def test_targets_are_data():
    t = plan_targets()
    assert set(t["key"]) == {
        "key_resources_share",
        "patents_per_10k_growth",
        "st_talent_growth",
        "high_tech_enterprise_growth",
    }
    assert t.set_index("key").loc["key_resources_share", "threshold"] == 0.45
    assert (t.loc[t["kind"] == "growth", "threshold"] == 0.15).all()
    with pytest.raises(InputError, match="kind"):
        plan_targets(t.assign(kind="ratio"))


def _inside_outside(layout, n_in, n_out, category, seed, weight=1.0):
    inside = synthetic_resources(n_in, seed=seed, corridor_share=1.0, categories={category: 1})
    outside = synthetic_resources(
        n_out, seed=seed + 100, corridor_share=0.0, categories={category: 1}
    )
    out = pd.concat([inside, outside], ignore_index=True)
    out["weight"] = weight
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs.WGS84)


def test_share_target_hand_computed(layout):
    labs = _inside_outside(layout, 9, 11, "state_key_lab", 1)
    rd = _inside_outside(layout, 4, 1, "new_rd_institution", 2)
    univ = _inside_outside(layout, 30, 0, "university", 3)  # does not count
    now = pd.concat([labs, rd, univ], ignore_index=True)
    st = target_status(now, layout=layout).set_index("key")
    row = st.loc["key_resources_share"]
    assert row["current"] == 13 and row["city"] == 25
    assert row["value"] == pytest.approx(13 / 25)
    assert row["gap"] == pytest.approx(13 / 25 - 0.45) and bool(row["met"])
    # Growth targets without a base: not computable, said so.
    assert pd.isna(st.loc["high_tech_enterprise_growth", "met"])
    assert "base snapshot" in st.loc["high_tech_enterprise_growth", "method"]
    # Official city totals change the denominator.
    off = target_status(
        now, layout=layout, city_totals={"state_key_lab": 40, "new_rd_institution": 10}
    )
    row2 = off.set_index("key").loc["key_resources_share"]
    assert row2["value"] == pytest.approx(13 / 50) and not bool(row2["met"])
    # An official total for one category replaces that category's count only: the
    # other categories keep their counted city totals (20 labs given + 5 R&D counted).
    part = target_status(now, layout=layout, city_totals={"state_key_lab": 20})
    row3 = part.set_index("key").loc["key_resources_share"]
    assert row3["city"] == 25 and row3["value"] == pytest.approx(13 / 25)
    # Resources outside Qingdao (Beijing) are in no share of the city, as in
    # share_of_city: the hand count stays 13 of 25.
    far = gpd.GeoDataFrame(
        {"category": ["state_key_lab"] * 4, "weight": 1.0},
        geometry=[shapely.Point(116.4, 39.9)] * 4,
        crs=crs.WGS84,
    )
    wide = gpd.GeoDataFrame(pd.concat([now, far], ignore_index=True), crs=crs.WGS84)
    row4 = target_status(wide, layout=layout).set_index("key").loc["key_resources_share"]
    assert row4["city"] == 25 and row4["value"] == pytest.approx(13 / 25)
    soc = share_of_city(wide, layout=layout, layers="corridor", by="category")
    labs_rd = soc[soc["category"].isin(["state_key_lab", "new_rd_institution"])]
    assert labs_rd["city_count"].sum() == 25


def test_growth_targets_hand_computed(layout):
    base = pd.concat(
        [
            _inside_outside(layout, 20, 5, "high_tech_enterprise", 10),
            _inside_outside(layout, 1, 1, "invention_patents", 11, weight=1000.0),
            _inside_outside(layout, 1, 0, "st_talent", 12, weight=5000.0),
        ],
        ignore_index=True,
    )
    now = pd.concat(
        [
            _inside_outside(layout, 22, 9, "high_tech_enterprise", 20),  # +10%: not met
            _inside_outside(layout, 1, 3, "invention_patents", 21, weight=1200.0),  # +20%
            _inside_outside(layout, 1, 0, "st_talent", 22, weight=5750.0),  # +15%: met
        ],
        ignore_index=True,
    )
    st = target_status(now, layout=layout, base=base).set_index("key")
    hte = st.loc["high_tech_enterprise_growth"]
    assert (hte["base"], hte["current"]) == (20, 22)
    assert hte["value"] == pytest.approx(0.10) and not bool(hte["met"])
    assert hte["gap"] == pytest.approx(-0.05)
    tal = st.loc["st_talent_growth"]
    assert tal["value"] == pytest.approx(0.15) and bool(tal["met"])
    pat = st.loc["patents_per_10k_growth"]
    corridor_pop = population_by_zone(layout, layers="corridor")["population"].iloc[0]
    assert pat["current"] == pytest.approx(1200.0 / corridor_pop * 1e4)
    assert pat["value"] == pytest.approx(0.20) and bool(pat["met"])
    assert "spread by area" in pat["method"]
    # A base-year population 10% smaller: per-capita growth 1.2 * 0.9 / 1 - 1... by hand.
    corridor = layout.corridor
    base_pop = gpd.GeoDataFrame(
        {"population": [corridor_pop / 1.1]}, geometry=corridor.geometry.values, crs=corridor.crs
    )
    now_pop = gpd.GeoDataFrame(
        {"population": [corridor_pop]}, geometry=corridor.geometry.values, crs=corridor.crs
    )
    st2 = target_status(
        now, layout=layout, base=base, population=now_pop, base_population=base_pop
    ).set_index("key")
    assert st2.loc["patents_per_10k_growth", "value"] == pytest.approx(1.2 / 1.1 - 1, rel=1e-6)


def test_per_capita_hand_computed(layout):
    pats = _inside_outside(layout, 3, 2, "invention_patents", 30, weight=100.0)
    t = per_capita(pats, layout=layout, layers=["corridor", "districts"]).set_index("zone")
    pop = population_by_zone(layout, layers=["corridor"])["population"].iloc[0]
    assert t.loc["corridor", "per_10k"] == pytest.approx(300.0 / pop * 1e4)
    assert t.loc["corridor", "invention_patents"] == 300.0


def test_gbk_gcj02_csv_through_share_and_targets(layout):
    """The issue's end-to-end case: every bad row reported, the good ones counted."""
    res = read_resources(
        DATA / "resources_gbk_gcj02.csv", datum="GCJ02", id="编号", name="名称", weight="专利数"
    )
    assert res.n_read == 17 and len(res.rejected) == 6  # '咖啡馆' is kept as a user category
    assert res.rejected["reason"].str.len().gt(0).all()
    summary = res.summary()
    assert "6 rejected" in summary and "outside Qingdao" in summary
    table = share_of_city(res, layout=layout, layers=["corridor"])
    corr = table.set_index("category")
    acc = res.accepted
    inside = shapely.contains_xy(layout.corridor.geometry.iloc[0], acc.geometry.x, acc.geometry.y)
    assert corr.loc["ALL", "count"] == inside.sum() and corr.loc["ALL", "city_count"] == len(acc)
    st = target_status(res, layout=layout).set_index("key")
    key = acc["category"].isin(
        [
            "state_key_lab",
            "provincial_key_lab",
            "new_rd_institution",
            "national_lab",
            "provincial_lab",
        ]
    )
    assert st.loc["key_resources_share", "city"] == key.sum()
    assert st.loc["key_resources_share", "current"] == (key & inside).sum()
