"""Scenarios, the comparison of two layouts and of two boundary layers, tolerant replace.

Oracles: hand-made squares whose IoU, Hausdorff distance and offsets are computed by
hand; pyproj's geodesic areas; shapely/scipy computing IoU and Hausdorff a second way
(another projection, densified point sets); the GCJ-02 rule written out plainly
(``tests/_oracles.py``); OpenStreetMap's districts (``../shared/sources/osm-admin``),
whose coast is known to be GCJ-02-shifted while their inner borders match.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer

from corridor_geo import crs
from corridor_geo._errors import (
    DatumMislabelWarning,
    InputError,
    LayoutError,
    LayoutWarning,
)
from corridor_geo.layout import load_layout
from corridor_geo.scenarios import compare, compare_boundaries, scenario
from corridor_geo.zones import share_of_city

from ._oracles import wgs84_to_gcj02

OSM = Path(__file__).resolve().parents[2] / "shared" / "sources" / "osm-admin"
GEOD = Geod(ellps="WGS84")


def _geod_area_km2(geom_wgs84) -> float:
    return abs(GEOD.geometry_area_perimeter(geom_wgs84)[0]) / 1e6


def _square(x0=500000.0, y0=4000000.0, side=2000.0):
    return gpd.GeoSeries([shapely.box(x0, y0, x0 + side, y0 + side)], crs="EPSG:4549")


# --------------------------------------------------------------------------------------
# Boundaries: hand-made squares
# --------------------------------------------------------------------------------------
def test_shifted_square_by_hand():
    a = _square()
    b = a.translate(300, 400)
    bc = compare_boundaries(a, b)
    row = bc.features.iloc[0]
    # Overlap 1700 x 1600 = 2.72 km²; union 4 + 4 - 2.72 = 5.28 km².
    assert row["iou"] == pytest.approx(2.72 / 5.28, abs=1e-9)
    assert row["hausdorff_m"] == pytest.approx(500.0, abs=1e-6)  # the corner, a vertex
    assert row["offset_dx_m"] == pytest.approx(300.0, abs=0.5)
    assert row["offset_dy_m"] == pytest.approx(400.0, abs=0.5)
    assert row["only_a_km2"] == pytest.approx(4 - 2.72, rel=1e-9)
    # Areas: geodesic, against pyproj on the square's own WGS84 outline.
    wgs = crs.to_crs(a, "EPSG:4326").iloc[0]
    assert row["area_a_km2"] == pytest.approx(_geod_area_km2(wgs), rel=1e-9)
    # Segments: the bottom edge is 400 m from B's, the left edge 300 m (the middle of each
    # edge, away from the corners, by hand).
    seg = bc.segments
    assert seg["length_m"].sum() == pytest.approx(8000.0)
    mids = crs.to_crs(seg, "EPSG:4549").geometry.interpolate(0.5, normalized=True)
    bottom = (mids.y - 4000000).abs() < 1 & ((mids.x - 501000).abs() < 600)
    left = ((mids.x - 500000).abs() < 1) & ((mids.y - 4001000).abs() < 600)
    assert seg.loc[bottom.to_numpy(), "offset_m"].to_numpy() == pytest.approx(400.0, abs=1e-6)
    assert seg.loc[left.to_numpy(), "offset_m"].to_numpy() == pytest.approx(300.0, abs=1e-6)
    # Not the GCJ-02 shift: it moves about 455 m east and 30 m north here.
    assert bc.shares["b_gcj02"] == 0.0 and bc.shares["a_gcj02"] == 0.0
    assert "GCJ-02 shift does not explain" in bc.verdict


def test_a_changed_feature_is_named_though_the_pooled_boundary_agrees():
    """Ten 10 km squares unchanged and a 1 km square grown to 1.5 km: 97 % of the pooled
    boundary agrees, but the grown square (IoU 1/2.25 by hand) is named, not hidden."""
    boxes = [shapely.box(500000 + 12000 * i, 4000000, 510000 + 12000 * i, 4010000)
             for i in range(10)]  # fmt: skip
    small = shapely.box(500000, 4020000, 501000, 4021000)
    grown = shapely.box(500000, 4020000, 501500, 4021500)
    keys = [f"sq{i}" for i in range(10)] + ["grown"]
    a = gpd.GeoDataFrame({"key": keys}, geometry=[*boxes, small], crs="EPSG:4549")
    b = gpd.GeoDataFrame({"key": keys}, geometry=[*boxes, grown], crs="EPSG:4549")
    bc = compare_boundaries(a, b, on="key")
    assert bc.shares["agrees"] >= 0.95  # 400 km of 406: the pooled share alone says agree
    row = bc.features.set_index("key").loc["grown"]
    assert row["iou"] == pytest.approx(1 / 2.25, rel=1e-9)
    assert "The boundaries agree" not in bc.verdict
    assert "1 feature(s) changed: grown (IoU 0.44, area +125.0%" in bc.verdict
    same = compare_boundaries(a, a, on="key")
    assert "The boundaries agree: 100% of their length" in same.verdict


def test_iou_and_hausdorff_a_second_way():
    """A wavy polygon and a rotated copy: overlay in UTM, scipy on densified outlines."""
    from scipy.spatial.distance import directed_hausdorff

    t = np.linspace(0, 2 * np.pi, 181)[:-1]
    r = 3000 + 400 * np.sin(5 * t)
    poly = shapely.Polygon(np.column_stack([550000 + r * np.cos(t), 4010000 + r * np.sin(t)]))
    a = gpd.GeoSeries([poly], crs="EPSG:4549")
    b = gpd.GeoSeries(
        [shapely.affinity.rotate(shapely.affinity.translate(poly, 120, -80), 7)],
        crs="EPSG:4549",
    )
    row = compare_boundaries(a, b, step_m=20).features.iloc[0]
    ua, ub = a.to_crs(32651), b.to_crs(32651)  # UTM 51N, another projection
    inter = gpd.overlay(gpd.GeoDataFrame(geometry=ua), gpd.GeoDataFrame(geometry=ub))
    union = gpd.overlay(gpd.GeoDataFrame(geometry=ua), gpd.GeoDataFrame(geometry=ub), how="union")
    assert row["iou"] == pytest.approx(inter.area.sum() / union.area.sum(), abs=2e-4)
    pa = shapely.get_coordinates(shapely.segmentize(poly.exterior, 2.0))
    pb = shapely.get_coordinates(shapely.segmentize(b.iloc[0].exterior, 2.0))
    hd = max(directed_hausdorff(pa, pb)[0], directed_hausdorff(pb, pa)[0])
    assert row["hausdorff_m"] == pytest.approx(hd, abs=2.0)


def _gcj_displacement_m(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 displacement at a place in EPSG:4549 metres, by the plain oracle."""
    glon, glat = wgs84_to_gcj02(lon, lat)
    to_m = Transformer.from_crs(4326, 4549, always_xy=True)
    x0, y0 = to_m.transform(lon, lat)
    x1, y1 = to_m.transform(glon, glat)
    return x1 - x0, y1 - y0


def test_gcj_shifted_square_is_recognised():
    a_m = _square(540000, 4000000, 2000)  # near 崂山, metres
    a = crs.to_crs(a_m, "EPSG:4326")
    shifted = crs.to_datum(a, "GCJ02").set_crs("EPSG:4326", allow_override=True)
    bc = compare_boundaries(a, shifted, names=("true", "Amap"))
    row = bc.features.iloc[0]
    centre = a.iloc[0].centroid
    dx, dy = _gcj_displacement_m(centre.x, centre.y)
    assert 400 < dx < 500 and 0 < dy < 60  # Qingdao: about 455 m east, 30 m north
    # The whole outline is offset like GCJ-02 (the north and south edges too: they are off
    # by the displacement's small northward part), and the fitted shift is the displacement.
    assert bc.shares["b_gcj02"] == pytest.approx(1.0)
    assert row["gcj02_part_dx_m"] == pytest.approx(dx, abs=3.0)
    assert row["gcj02_part_dy_m"] == pytest.approx(dy, abs=3.0)
    assert row["gcj02_dx_m"] == pytest.approx(dx, abs=3.0)
    # IoU of a square and its translate by (dx, dy), by hand.
    side = 2000.0
    overlap = (side - abs(dx)) * (side - abs(dy))
    assert row["iou"] == pytest.approx(overlap / (2 * side**2 - overlap), abs=2e-3)
    assert "Amap looks like GCJ-02" in bc.verdict and "datum='GCJ02'" in bc.verdict
    # The other way round, the first layer is the shifted one.
    back = compare_boundaries(shifted, a, names=("Amap", "true"))
    assert back.shares["a_gcj02"] > 0.9 and "Amap looks like GCJ-02" in back.verdict


def test_a_buffer_is_not_a_datum_shift():
    """Grown on every side: east edges look shifted east, west ones west; neither is."""
    a = crs.to_crs(_square(540000, 4000000, 3000), "EPSG:4326")
    b = crs.to_crs(_square(540000, 4000000, 3000).buffer(460, join_style="mitre"), "EPSG:4326")
    bc = compare_boundaries(a, b)
    assert bc.shares["b_gcj02"] == 0.0 and bc.shares["a_gcj02"] == 0.0


def test_matching_by_key_and_unmatched_features(layout):
    cities = layout.cities[["key", "name_zh", "geometry"]]
    two = cities.iloc[:2]
    bc = compare_boundaries(cities, two, on="key", name_col="name_zh")
    status = bc.features.set_index("key")["status"]
    assert status.to_dict() == {"ocean": "matched", "youth": "matched", "digital": "only in A"}
    assert (bc.features.loc[bc.features["status"] == "matched", "iou"] == 1.0).all()
    assert bc.features.set_index("key").loc["ocean", "name"] == "海洋科技城"
    with pytest.raises(InputError, match="no column 'code'"):
        compare_boundaries(cities, two, on="code")


def test_boundary_errors():
    a = _square()
    with pytest.raises(InputError, match="step_m must be a positive"):
        compare_boundaries(a, a, step_m=0)
    with pytest.raises(InputError, match="non-empty polygons"):
        compare_boundaries(a, gpd.GeoSeries([shapely.Point(0, 0)], crs=4549))
    with pytest.raises(crs.MissingCRSError):
        compare_boundaries(a, gpd.GeoSeries([shapely.box(0, 0, 1, 1)]))


# --------------------------------------------------------------------------------------
# OpenStreetMap's districts: inner borders agree, the coast is GCJ-02-shifted
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def osm_districts():
    path = OSM / "qingdao_admin_osm.geojson"
    if not path.is_file():
        pytest.skip(f"OpenStreetMap source not available: {path}")
    osm = gpd.read_file(path)
    d = osm.loc[osm["admin_level"] == "6", ["name", "division_code", "geometry"]].copy()
    # OSM still codes 即墨区 with its pre-2017 code.
    d["code"] = d["division_code"].replace({"370282": "370215"})
    return d.reset_index(drop=True)


@pytest.fixture(scope="module")
def osm_comparison(layout, osm_districts):
    return compare_boundaries(layout.districts, osm_districts, on="code", names=("bundled", "OSM"))


def test_osm_districts_areas_and_iou(layout, osm_districts, osm_comparison):
    f = osm_comparison.features.set_index("key")
    assert (f["status"] == "matched").all() and len(f) == 10
    # Areas within a few per cent (市北区 6 %: OSM follows the shifted shore); IoU
    # 0.93-0.99 for all but 市南区, whose OSM outline takes islands and piers the bundled
    # land polygon leaves out (0.82).
    assert (f["area_rel_diff"].abs() < 0.065).all()
    assert ((f["iou"] > 0.93) & (f["iou"] < 0.995)).sum() >= 9
    assert f.loc["370202", "iou"] == pytest.approx(0.82, abs=0.02)
    # Areas against pyproj, one district.
    osm_jm = osm_districts.set_index("code").loc["370215", "geometry"]
    assert f.loc["370215", "area_b_km2"] == pytest.approx(_geod_area_km2(osm_jm), rel=1e-9)
    # IoU a second way (overlay in UTM) for 崂山区.
    a = layout.districts.set_index("code").loc[["370212"]].to_crs(32651)
    b = osm_districts.set_index("code").loc[["370212"]].to_crs(32651)
    inter = gpd.overlay(a.reset_index(), b.reset_index()[["geometry"]]).area.sum()
    union = gpd.overlay(a.reset_index(), b.reset_index()[["geometry"]], how="union").area.sum()
    assert f.loc["370212", "iou"] == pytest.approx(inter / union, abs=5e-4)


def test_osm_coast_is_gcj_shifted_and_inner_borders_agree(layout, osm_comparison):
    bc = osm_comparison
    assert bc.shares["agrees"] > 0.45 and 0.2 < bc.shares["b_gcj02"] < 0.5
    assert bc.shares["a_gcj02"] == 0.0
    assert "Part of OSM's boundary" in bc.verdict and "not GCJ-02 data as a whole" in bc.verdict
    seg = crs.to_crs(bc.segments, "EPSG:4549")
    coast = layout.union("city").boundary  # the land's outline: coast and outer border
    mids = seg.geometry.interpolate(0.5, normalized=True)
    near_coast = shapely.distance(mids.values, coast) < 1000
    shifted = (seg["class"] == "b_gcj02").to_numpy()
    agrees = (seg["class"] == "agrees").to_numpy()
    length = seg["length_m"].to_numpy()
    # The GCJ-02-like segments lie on the outline (coast and outer border); the inner
    # borders agree (the outer land borders to the north partly do as well).
    assert length[shifted & near_coast].sum() / length[shifted].sum() > 0.99
    assert length[agrees & ~near_coast].sum() / length[~near_coast].sum() > 0.9
    # Each shifted segment's offset is what the GCJ-02 rule (plain oracle) predicts
    # across it: moving the bundled edge by that displacement lands on OSM's.
    sample = bc.segments.loc[shifted].iloc[:: max(1, int(shifted.sum()) // 40)]
    for _, s in sample.iterrows():
        mid = s.geometry.interpolate(0.5, normalized=True)
        dx, dy = _gcj_displacement_m(mid.x, mid.y)
        assert s["gcj02_dx_m"] == pytest.approx(dx, abs=1.0)
        assert s["gcj02_dy_m"] == pytest.approx(dy, abs=1.0)
        assert s["offset_if_b_gcj02_m"] <= max(s["offset_m"] / 3, 25.0)
    # The fitted shift of the shifted part is the displacement there, within 30 m.
    f = bc.features.set_index("key")
    for code in ("370211", "370212", "370215"):
        assert f.loc[code, "gcj02_part_dx_m"] == pytest.approx(f.loc[code, "gcj02_dx_m"], abs=30)
        assert f.loc[code, "gcj02_part_dy_m"] == pytest.approx(f.loc[code, "gcj02_dy_m"], abs=30)


def test_replacing_with_osm_districts(layout, osm_districts):
    # Strict (default): the cities stick out of OSM's districts by 0.2-3.1 %, and OSM's
    # districts, GCJ-02-shifted only along the coast, get no claim of being GCJ-02 data.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(LayoutError, match="outside its district"):
            layout.replace("districts", osm_districts)
    assert not [w for w in caught if issubclass(w.category, DatumMislabelWarning)]
    # With a tolerance the replacement goes through (the official-figure checks still warn).
    with pytest.warns(LayoutWarning, match="sub-districts tile their district"):
        tolerant = layout.replace("districts", osm_districts, tolerance=0.05)
    assert tolerant.sources["districts"] == "GeoDataFrame supplied by the caller"
    # Report mode: no error at the default tolerance; the report holds the failed
    # containment checks and one boundary row per district.
    with pytest.warns(LayoutWarning, match="replaced in report mode"):
        reported = layout.replace("districts", osm_districts, mode="report")
    report = reported.reports["districts"]
    failed = report.loc[~report["passed"] & (report["check"] == "inside its district")]
    assert set(failed["subject"]) == {
        "海洋科技城 in 即墨区",
        "青年科创城 in 李沧区",
        "数智产业城 in 崂山区",
    }
    rows = report.loc[report["check"] == "boundary against the replaced layer"]
    assert len(rows) == 10 and rows["measured"].between(0.8, 1.0).all()
    # ...and its verdict names the part that is GCJ-02-shifted.
    assert "Part of the new districts layer's boundary" in report.attrs["verdict"]
    assert "as the GCJ-02 shift would move it" in report.attrs["verdict"]
    assert not reported.reports.get("cities")


# --------------------------------------------------------------------------------------
# Tolerant replace on hand-made cases
# --------------------------------------------------------------------------------------
def test_replace_default_stays_strict_and_checks_its_options(layout):
    moved = layout.cities.copy()
    moved.geometry = moved.geometry.translate(xoff=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(LayoutError, match="outside its district"):
            layout.replace("cities", moved)
        with pytest.raises(InputError, match="mode must be 'strict' or 'report'"):
            layout.replace("cities", moved, mode="lenient")
        with pytest.raises(InputError, match="tolerance must be a share"):
            layout.replace("cities", moved, tolerance=5)


def test_tolerance_lets_a_measured_overlap_through(layout):
    moved = layout.cities.copy()
    moved.geometry = moved.geometry.translate(xoff=0.01)  # about 900 m east
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = None
        try:
            layout.replace("cities", moved)
        except LayoutError as exc:
            table = str(exc)
        assert table is not None
        outside = [float(v) / 100 for v in re.findall(r"lies ([\d.]+)% outside", table)]
        assert len(outside) >= 1
        new = layout.replace("cities", moved, tolerance=max(outside) + 0.01)
    checks = new.validate()
    assert set(new.cities["key"]) == {"ocean", "youth", "digital"}
    assert not checks.loc[checks["check"] == "inside its district", "passed"].all()


def test_report_mode_through_load_layout(layout, tmp_path):
    moved = layout.cities.copy()
    moved.geometry = moved.geometry.translate(xoff=0.01)
    path = tmp_path / "moved.gpkg"
    moved.to_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lay = load_layout(replace={"cities": path}, mode="report")
    report = lay.reports["cities"]
    bound = report.loc[report["check"] == "boundary against the replaced layer"]
    assert sorted(bound["subject"]) == ["digital", "ocean", "youth"]
    # 0.01 degree of longitude at 36.2°N is about 899 m: every city moves by it.
    assert bound["note"].str.contains("median offset").all()


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def enclave():
    """A 2 km square near 胶州, outside the corridor (illustrative)."""
    return gpd.GeoSeries([shapely.box(120.02, 36.27, 120.042, 36.288)], crs="EPSG:4326")


def test_scenario_with_a_subdistrict_and_an_enclave(layout, enclave):
    sub = layout.subdistricts.set_index("key").loc[["370215/鳌山卫街道"]]
    north = scenario("北延", layout=layout, subdistricts=["370215/鳌山卫街道"], enclaves=enclave)
    union = shapely.union_all(
        [layout.corridor.geometry.iloc[0], sub.geometry.iloc[0], enclave.iloc[0]]
    )
    area = north.corridor["area_km2"].iloc[0]
    assert area == pytest.approx(_geod_area_km2(union), rel=1e-4)
    assert north.corridor["scenario"].iloc[0] == "北延"
    assert "enclave" in north.sources["corridor"]
    # The enclave counts with the corridor: a lab inside it is in the corridor's share.
    lab = gpd.GeoDataFrame(
        {"category": ["state_key_lab"]}, geometry=[enclave.iloc[0].centroid], crs="EPSG:4326"
    )
    before = share_of_city(lab, layout=layout, layers="corridor", by=None)
    after = share_of_city(lab, layout=north, layers="corridor", by=None)
    assert before["count"].iloc[0] == 0 and after["count"].iloc[0] == 1
    # The rest of the layout is the same layout.
    assert north.cities.equals(layout.cities)


def test_scenario_buffer_districts_and_moved_boundary(layout, tmp_path):
    wide = scenario("+1 km", layout=layout, buffer_m=1000)
    land = layout.union("city")
    grown = shapely.intersection(
        shapely.buffer(layout.union("corridor"), 1000, quad_segs=16), land
    )
    expected = _geod_area_km2(crs.to_crs(gpd.GeoSeries([grown], crs=4549), 4326).iloc[0])
    assert wide.corridor["area_km2"].iloc[0] == pytest.approx(expected, rel=1e-4)
    # No sea counted: the widened corridor stays on land.
    assert shapely.difference(wide.union("corridor"), land).area < 1.0
    whole = scenario("崂山", layout=layout, districts=["崂山区"])
    laoshan = layout.districts.set_index("code").loc["370212", "geometry"]
    assert whole.corridor["area_km2"].iloc[0] == pytest.approx(
        _geod_area_km2(shapely.union_all([laoshan, layout.corridor.geometry.iloc[0]])), rel=1e-4
    )
    # A moved boundary from a file replaces the corridor.
    box = gpd.GeoDataFrame(geometry=[shapely.box(120.4, 36.1, 120.5, 36.2)], crs="EPSG:4326")
    path = tmp_path / "moved.geojson"
    box.to_file(path)
    moved = scenario("moved", layout=layout, corridor=path)
    assert moved.corridor["area_km2"].iloc[0] == pytest.approx(
        _geod_area_km2(shapely.intersection(box.geometry.iloc[0], layout.union("city", crs=4326))),
        rel=1e-4,
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"subdistricts": ["火星街道"]}, InputError, "no sub-district '火星街道'"),
        ({"districts": ["370299"]}, InputError, "no district '370299'"),
        ({"buffer_m": -5}, InputError, "buffer_m must be a distance"),
        ({"enclaves": "missing.gpkg"}, InputError, "no such file"),
    ],
)
def test_scenario_errors(layout, kwargs, error, message):
    with pytest.raises(error, match=message):
        scenario("x", layout=layout, **kwargs)


def test_an_ambiguous_name_must_be_given_by_key():
    from corridor_geo.scenarios import _pick

    subs = gpd.GeoDataFrame(
        {"key": ["370212/中心街道", "370215/中心街道"], "name_zh": ["中心街道", "中心街道"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs="EPSG:4549",
    )
    with pytest.raises(InputError, match="ambiguous: it names"):
        _pick(subs, ["中心街道"], ("key", "name_zh"), "sub-district")
    (picked,) = _pick(subs, ["370215/中心街道"], ("key", "name_zh"), "sub-district")
    assert picked.index.tolist() == [1]


# --------------------------------------------------------------------------------------
# compare()
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compared(layout, enclave):
    from corridor_geo.resources import synthetic_resources

    north = scenario("北延", layout=layout, subdistricts=["370215/鳌山卫街道"], enclaves=enclave)
    pts = synthetic_resources(300, seed=8, layout=layout, corridor_share=0.5)
    # Three labs inside the enclave, by hand.
    c = enclave.iloc[0].centroid
    extra = gpd.GeoDataFrame(
        {"category": ["state_key_lab"] * 3, "weight": [1.0, 2.0, 3.0]},
        geometry=[shapely.Point(c.x + d, c.y) for d in (-0.005, 0.0, 0.005)],
        crs="EPSG:4326",
    )
    res = gpd.GeoDataFrame(pd.concat([pts, extra], ignore_index=True), crs="EPSG:4326")
    return compare(layout, north, resources=res, layers=["corridor", "cities"]), north, res


def test_compare_counts_and_areas(layout, compared, enclave):
    c, north, res = compared
    corr = c.table.loc[c.table["layer"] == "corridor"].set_index("metric")
    assert corr.loc["area_km2", "difference"] == pytest.approx(
        north.corridor["area_km2"].iloc[0] - layout.corridor["area_km2"].iloc[0]
    )
    # Resources: a second count with geopandas, in each layout's corridor.
    for name, lay in (("a", layout), ("b", north)):
        inside = res.within(lay.union("corridor", crs="EPSG:4326")).sum()
        assert corr.loc["resources", name] == inside
    gained = c.changed.loc[c.changed["change"] == "gained"]
    assert gained["resources"].sum() == corr.loc["resources", "difference"]
    assert gained["weight"].sum() >= 6.0  # the three labs of the enclave, 1 + 2 + 3
    assert gained["area_km2"].sum() == pytest.approx(corr.loc["area_km2", "difference"], rel=1e-3)
    # Density and per capita follow from the same numbers.
    for name in ("a", "b"):
        assert corr.loc["count_per_km2", name] == pytest.approx(
            corr.loc["resources", name] / corr.loc["area_km2", name]
        )
    # The cities did not change.
    cities = c.table.loc[c.table["layer"] == "cities"]
    assert (cities["difference"].fillna(0.0) == 0.0).all()
    assert c.names == ("A", "北延")
    assert {"coverage_area_share", "axis_distance_km", "population"} <= set(c.table["metric"])


def test_compare_boundaries_and_wide_table(compared):
    c, _, _ = compared
    f = c.boundaries.features.set_index("key")
    assert f.loc["cities:ocean", "iou"] == 1.0 and f.loc["corridor:corridor", "iou"] < 1.0
    wide = c.wide()
    row = wide.loc[wide["zone"] == "corridor"].iloc[0]
    assert row["resources_diff"] == row["resources_b"] - row["resources_a"]


def test_compare_access_on_a_graph(layout, compared):
    """Network access per zone against time_to_axis computed directly (sjoin membership)."""
    from corridor_geo.access import time_to_axis
    from corridor_geo.network import schematic_network

    _, north, res = compared
    G = schematic_network(layout)
    c = compare(
        layout, north, resources=res, layers="corridor", facilities=None, G=G, boundaries=False
    )
    t = c.table.set_index(["metric"])
    times = time_to_axis(res, G, layout=layout)["travel_time_min"].to_numpy()
    for name, lay in (("a", layout), ("b", north)):
        inside = gpd.sjoin(res, lay.corridor[["geometry"]], predicate="intersects").index
        mine = times[np.unique(inside.to_numpy())]
        assert t.loc["time_to_axis", name] == pytest.approx(np.median(mine[np.isfinite(mine)]))
        assert t.loc["within_cutoff_share", name] == pytest.approx(np.mean(mine <= 15.0))


def test_comparison_map_and_page(compared):
    c, _, _ = compared
    html = c.explore(basemap="blank").get_root().render()
    assert "gained" in html and "北延" in html
    page = c.to_html(title="<b>x</b>")
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "Differences per zone" in page


def test_comparison_page_escapes_the_scenario_name(layout):
    evil = scenario("<img src=x onerror=alert(1)>", layout=layout, buffer_m=100)
    pts = gpd.GeoSeries([shapely.Point(120.49, 36.165)], crs="EPSG:4326")
    c = compare(layout, evil, resources=pts, layers="corridor", facilities=None, boundaries=False)
    page = c.to_html()
    assert "<img src=x" not in page
    html = c.explore(basemap="blank").get_root().render()
    assert "<img src=x onerror" not in html
    assert math.isfinite(c.table.set_index("metric").loc["area_km2", "difference"])


def test_boundary_map_colours_each_class(layout):
    from corridor_geo.maps import BOUNDARY_CLASS_COLORS

    mis = crs.to_datum(layout.cities, "GCJ02").set_crs("EPSG:4326", allow_override=True)
    bc = compare_boundaries(layout.cities, mis, on="key")
    html = bc.explore(basemap="blank").get_root().render()
    assert BOUNDARY_CLASS_COLORS["b_gcj02"] in html
    assert "B offset like GCJ-02" in html
    assert BOUNDARY_CLASS_COLORS["differs"] not in html
