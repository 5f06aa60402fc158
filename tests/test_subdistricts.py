"""The bundled sub-districts (街道/镇) and their 2020 census population.

Oracles: pyproj's geodesic areas on the raw polygons (not corridor_geo.crs), the OSM source
file itself (internal borders), the bundled district census totals (the district bulletin
figures, which add up to the city bulletin's 10,071,722), geopandas.sjoin for zone counts,
and hand-computed per-capita values.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from corridor_geo import LayoutError, LayoutWarning, datasets
from corridor_geo.density import density_by_zone
from corridor_geo.indicators import per_capita
from corridor_geo.maps import explore_layout
from corridor_geo.population import (
    census_polygons,
    census_population,
    census_subdistricts,
    population_by_zone,
)
from corridor_geo.zones import DEFAULT_LAYERS, ZONE_LAYERS, share_of_city, zone_table

GEOD = Geod(ellps="WGS84")
OSM = Path(__file__).resolve().parents[1].parent / "shared" / "sources" / "osm-admin"
PROVENANCE = ("status", "source", "licence", "datum", "method", "accuracy")


def pyproj_area_km2(geom) -> float:
    total = 0.0
    for part in shapely.get_parts(geom):
        area, _ = GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(part, sign=1.0))
        total += area
    return total / 1e6


@pytest.fixture(scope="module")
def raw():
    """The bundled file as written, read without corridor_geo."""
    return gpd.read_file(datasets.get_path("subdistricts.geojson"))


@pytest.fixture(scope="module")
def osm():
    path = OSM / "qingdao_admin_osm.geojson"
    if not path.is_file():
        pytest.skip(f"source data not available: {path}")
    frame = gpd.read_file(path)
    frame = frame[frame["admin_level"].astype(str) == "8"].copy()
    frame["osm_id"] = frame["osm_id"].astype("int64")
    return frame.set_index("osm_id")


# --- the geometry ------------------------------------------------------------------------
def test_features_names_codes_and_provenance(raw):
    assert len(raw) == 135
    assert raw.crs.to_epsg() == 4326
    assert raw["key"].is_unique
    assert not raw.duplicated(["district_code", "name_zh"]).any()
    assert not raw.duplicated(["district_code", "name_en"]).any()
    assert raw.groupby("district_code").size().to_dict() == {
        "370202": 11,
        "370203": 22,
        "370211": 23,
        "370212": 5,
        "370213": 11,
        "370214": 8,
        "370215": 15,
        "370281": 12,
        "370283": 17,
        "370285": 11,
    }
    codes = raw["code"].dropna()
    assert len(codes) == 15 and codes.is_unique  # the codes OSM tags
    assert codes.str.fullmatch(r"\d{9}").all()
    assert (codes.str[:6] == raw.loc[codes.index, "district_code"]).all()
    assert set(raw["kind"]) == {"街道", "镇", "自然保护区"}
    assert ((raw["kind"] == "街道") == raw["name_zh"].str.endswith("街道")).all()
    assert (raw["osm_parent_code"] == raw["district_code"]).all()  # 即墨区 370282 -> 370215
    for column in PROVENANCE:
        assert raw[column].notna().all(), column
    assert raw["licence"].str.contains("ODbL").all()
    assert raw["source"].str.contains("OpenStreetMap").all()
    assert raw.geometry.is_valid.all() and (raw.geom_type == "MultiPolygon").all()
    # 7 decimals: every coordinate on the 1e-7 degree grid.
    xy = shapely.get_coordinates(raw.geometry.values)
    assert np.abs(xy * 1e7 - np.round(xy * 1e7)).max() < 1e-6


def test_each_sub_district_lies_in_its_district(raw, layout):
    districts = layout.districts.set_index("code")
    inside = [
        districts.geometry[code].contains(g.representative_point())
        for code, g in zip(raw["district_code"], raw.geometry)
    ]
    assert all(inside)


def test_areas_tile_each_district_geodesically(raw, layout):
    ours = raw.assign(a=[pyproj_area_km2(g) for g in raw.geometry]).groupby("district_code")["a"]
    land = {
        c: pyproj_area_km2(g) for c, g in zip(layout.districts["code"], layout.districts.geometry)
    }
    for code, total in ours.sum().items():
        # Snap-rounding to the 1e-7 degree grid moves edges by millimetres: 1e-6 is generous.
        assert total == pytest.approx(land[code], rel=1e-6), code
    assert sum(ours.sum()) == pytest.approx(sum(land.values()), rel=1e-7)


def test_no_overlaps(raw):
    metric = raw.to_crs(4549)
    geoms = metric.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]]))
    assert keep.sum() > 300  # neighbours touch...
    assert overlap.sum() < 1.0  # ...but share no area (m², whole city)


def test_internal_borders_follow_osm(raw, osm):
    """Every OSM border between two sub-districts of a district, away from its edge, is
    reproduced within centimetres; and most of ours lie on an OSM border."""
    metric = raw.to_crs(4549)
    o = osm.to_crs(4549)
    districts = gpd.read_file(datasets.get_path("districts.geojson")).to_crs(4549)
    inner = dict(zip(districts["code"], districts.geometry.buffer(-20.0)))
    worst, ours_len, ours_on_osm = 0.0, 0.0, 0.0
    for code, part in metric.groupby("district_code"):
        geo = dict(zip(part["osm_id"], part.geometry))
        ids = sorted(geo)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                osm_border = shapely.intersection(o.geometry[a].boundary, o.geometry[b].boundary)
                ours = shapely.intersection(geo[a].boundary, geo[b].boundary)
                inside = shapely.intersection(osm_border, inner[code])
                for line in shapely.get_parts(inside):
                    if line.geom_type != "LineString" or line.length == 0:
                        continue
                    pts = shapely.line_interpolate_point(
                        line, np.linspace(0, line.length, max(2, int(line.length // 25)))
                    )
                    worst = max(worst, float(shapely.distance(pts, ours).max()))
                if ours.length:
                    ours_len += ours.length
                    ours_on_osm += shapely.intersection(ours, osm_border.buffer(1.0)).length
    assert worst < 0.5  # metres
    # The rest runs through land the offset OSM coast left uncovered (SOURCES.md).
    assert ours_on_osm / ours_len > 0.9


# --- the layout layer --------------------------------------------------------------------
def test_layer_in_layout_zones_and_validation(layout):
    subs = layout.subdistricts
    assert len(subs) == 135 and subs["area_km2"].gt(0).all()
    assert "subdistricts" in ZONE_LAYERS and "subdistricts" not in DEFAULT_LAYERS
    zones = zone_table(layout, layers="subdistricts")
    assert zones["zone"].tolist() == subs["key"].tolist()
    table = layout.validate()
    tiling = table.loc[table["check"] == "sub-districts tile their district"]
    assert len(tiling) == 10 and tiling["passed"].all()
    assert (tiling["rel_difference"].abs() < 1e-6).all()


def test_replace_subdistricts_normalises_and_checks(layout):
    plain = layout.subdistricts[["name_zh", "geometry"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = layout.replace("subdistricts", plain)
    got = same.subdistricts.set_index("key")
    assert (got["district_code"] == layout.subdistricts.set_index("key")["district_code"]).all()
    assert set(got["status"]) == {"user-supplied"}
    # One sub-district short: the tiling check fails for its district, with a warning.
    short = layout.subdistricts.loc[lambda f: f["name_zh"] != "王哥庄街道"]
    with pytest.warns(LayoutWarning, match="sub-districts tile their district 崂山区"):
        layout.replace("subdistricts", short)
    wrong = layout.subdistricts.assign(district_code="370299")
    with pytest.raises(LayoutError, match="370299"):
        layout.replace("subdistricts", wrong)
    twice = pd.concat([layout.subdistricts.iloc[:2], layout.subdistricts.iloc[:1]])
    with pytest.raises(LayoutError, match="twice"):
        layout.replace("subdistricts", twice)


def _points_in(layout, counts: dict[str, int], seed: int = 3) -> gpd.GeoDataFrame:
    """``counts[key]`` random points strictly inside each named sub-district."""
    rng = np.random.default_rng(seed)
    subs = layout.subdistricts.set_index("key")
    rows = []
    for key, n in counts.items():
        g = subs.geometry[key]
        x0, y0, x1, y1 = g.bounds
        got = 0
        while got < n:
            p = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
            if g.buffer(-1e-4).contains(p):
                rows.append({"category": "invention_patents", "weight": 10.0, "geometry": p})
                got += 1
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def test_share_and_density_by_subdistrict_match_sjoin(layout):
    pts = _points_in(
        layout, {"370212/金家岭街道": 4, "370212/沙子口街道": 2, "370213/李村街道": 3}
    )
    share = share_of_city(pts, layout=layout, by=None, layers="subdistricts").set_index("zone")
    joined = gpd.sjoin(pts, layout.subdistricts[["key", "geometry"]], predicate="intersects")
    expected = joined["key"].value_counts()
    got = share.loc[share["count"] > 0, "count"]
    assert got.to_dict() == expected.to_dict()
    assert share.loc["370212/金家岭街道", "share_count"] == pytest.approx(4 / 9)
    dens = density_by_zone(pts, layout=layout, by=None, layers="subdistricts").set_index("zone")
    area = pyproj_area_km2(layout.subdistricts.set_index("key").geometry["370213/李村街道"])
    assert dens.loc["370213/李村街道", "count_per_km2"] == pytest.approx(3 / area, rel=1e-6)


def test_per_capita_by_subdistrict_hand_computed(layout):
    pts = _points_in(layout, {"370212/金家岭街道": 3, "370212/北宅街道": 1})
    table = per_capita(pts, layout=layout, layers="subdistricts").set_index("zone")
    census = census_subdistricts().set_index("key")["population"]
    # 3 patents x weight 10 in 金家岭街道: 30 / its population x 10,000.
    want = 30.0 / census["370212/金家岭街道"] * 1e4
    assert table.loc["370212/金家岭街道", "per_10k"] == pytest.approx(want, rel=1e-6)
    assert table.loc["370212/北宅街道", "per_10k"] == pytest.approx(
        10.0 / census["370212/北宅街道"] * 1e4, rel=1e-6
    )
    assert table["method"].str.startswith("2020 census by sub-district").all()


def test_exports_and_map(layout, tmp_path):
    written = layout.to_file(tmp_path / "layout.gpkg")
    back = gpd.read_file(written[0], layer="subdistricts")
    assert len(back) == 135 and set(back["key"]) == set(layout.subdistricts["key"])
    html = explore_layout(layout, basemap="blank", layers=("subdistricts",)).get_root().render()
    assert json.dumps("金家岭街道")[1:-1] in html or "金家岭街道" in html
    default = explore_layout(layout, basemap="blank").get_root().render()
    assert "sub-districts" not in default  # optional, off by default
    assert "sub-districts" in html


# --- population ----------------------------------------------------------------------------
def test_population_sums_equal_district_bulletin_totals():
    sub = census_subdistricts()
    assert len(sub) == 135 and sub["key"].is_unique
    assert sub["source"].notna().all() and sub["method"].notna().all()
    assert set(sub["status"]) <= {"census", "estimated"}
    districts = census_population().set_index("code")["population"]
    sums = sub.groupby("district_code")["population"].sum()
    assert sums.to_dict() == districts.to_dict()
    assert int(sub["population"].sum()) == 10_071_722  # 青岛市第七次全国人口普查公报
    assert (sub["population"] >= 0).all()


def test_estimated_rows_are_district_totals_by_area(raw):
    """Hand check of the dasymetric rule on 崂山区: total x land share, within 1 person."""
    sub = census_subdistricts().set_index("key")
    laoshan = raw.loc[raw["district_code"] == "370212"]
    est = sub.loc[laoshan["key"], "status"] == "estimated"
    assert est.all()  # no citable sub-district counts bundled yet (see SOURCES.md)
    areas = np.array([pyproj_area_km2(g) for g in laoshan.geometry])
    want = 502_370 * areas / areas.sum()
    got = sub.loc[laoshan["key"], "population"].to_numpy()
    assert np.abs(got - want).max() <= 1.0


def test_population_by_zone_uses_finest_level_and_says_so(layout):
    fine = population_by_zone(layout, layers=["subdistricts", "districts", "corridor"])
    assert fine["method"].str.startswith("2020 census by sub-district").all()
    assert fine["source"].str.contains("census_2020_subdistricts.csv").all()
    census = census_subdistricts().set_index("key")["population"]
    subs = fine.loc[fine["layer"] == "subdistricts"].set_index("zone")["population"]
    assert np.allclose(subs.loc[census.index], census.astype(float), rtol=1e-6, atol=0.5)
    coarse = population_by_zone(layout, layers=["districts", "corridor"], level="districts")
    assert coarse["method"].str.startswith("2020 census district totals").all()
    assert coarse["source"].str.contains("census_2020_districts.csv").all()
    # A user sub-district layer the bundled table does not know: districts, said so.
    renamed = layout.subdistricts.assign(name_zh=lambda f: "新" + f["name_zh"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        other = layout.replace("subdistricts", renamed)
    fallback = population_by_zone(other, layers=["districts"])
    assert fallback["method"].str.startswith("2020 census district totals").all()
    assert len(census_polygons(layout, level="finest")) == 135


# --- against an independent published figure (the Blue Valley's own numbers) -----------
# 鳌山卫街道: 108.87 km² of land and 58,416 residents in 2022, as published for the Blue
# Valley core (see the project's plan digest, "Public validation figures").
AOSHANWEI_LAND_KM2 = 108.87
AOSHANWEI_POPULATION_2022 = 58_416


def test_aoshanwei_land_area_matches_the_published_figure(layout):
    row = layout.subdistricts.set_index("name_zh").loc["鳌山卫街道"]
    area = abs(Geod(ellps="WGS84").geometry_area_perimeter(row.geometry)[0]) / 1e6
    assert area == pytest.approx(AOSHANWEI_LAND_KM2, rel=0.01)  # 108.34 km², -0.5 %


def test_aoshanwei_estimate_against_the_published_population():
    # The areal estimate is not a count: it overstates this coastal, partly rural
    # sub-district by about a third, as data/population/SOURCES.md says.
    est = census_subdistricts().set_index("name_zh").loc["鳌山卫街道"]
    assert est["status"] == "estimated"
    error = est["population"] / AOSHANWEI_POPULATION_2022 - 1
    assert 0.25 < error < 0.35  # +31 %: the figure SOURCES.md states
