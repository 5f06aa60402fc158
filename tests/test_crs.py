"""Tests of corridor_geo.crs against independent oracles.

Oracles: the published formula transcribed in ``_oracles.py``; the values printed in the
``coordtransform`` project's test script (wandergis/coordtransform, test/app.js); the
``eviltransform`` package; round trips; pyproj geodesic measures.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from corridor_geo import crs
from corridor_geo._errors import CRSError, InputError, MissingCRSError

from . import _oracles

eviltransform = pytest.importorskip("eviltransform")


def china_points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random WGS84 points over the whole box of the rule, mainland China included."""
    rng = np.random.default_rng(seed)
    return rng.uniform(72.01, 137.83, n), rng.uniform(0.83, 55.82, n)


# --- the published formula ----------------------------------------------------------
def test_published_values_of_coordtransform():
    # wandergis/coordtransform, test/app.js: input (116.404, 39.915).
    assert crs.wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-12
    )
    assert crs.gcj02_to_bd09(116.404, 39.915) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-12
    )
    # Their gcj02towgs84 is the one-step inverse 2g - f(g): ours must be close to it
    # (metre level) but not equal (it is exact).
    one_step = (116.39775550083061, 39.91359571849836)
    exact = crs.gcj02_to_wgs84(116.404, 39.915)
    assert exact == pytest.approx(one_step, abs=2e-5)
    assert max(abs(exact[0] - one_step[0]), abs(exact[1] - one_step[1])) > 1e-8


def test_forward_matches_transcribed_formula():
    lon, lat = china_points(5000, seed=1)
    got_lon, got_lat = crs.wgs84_to_gcj02(lon, lat)
    ref = np.array([_oracles.wgs84_to_gcj02(a, b) for a, b in zip(lon, lat)])
    assert np.abs(got_lon - ref[:, 0]).max() < 1e-12
    assert np.abs(got_lat - ref[:, 1]).max() < 1e-12


def test_forward_matches_eviltransform_up_to_its_radius():
    # eviltransform uses a = 6378137 m where the published rule has 6378245 m: its
    # offsets are ours times 6378245/6378137, exactly.
    lon, lat = china_points(5000, seed=2)
    g_lon, g_lat = crs.wgs84_to_gcj02(lon, lat)
    ratio = 6378245.0 / 6378137.0
    ev = np.array([eviltransform.wgs2gcj(b, a) for a, b in zip(lon, lat)])
    assert np.abs((g_lon - lon) * ratio - (ev[:, 1] - lon)).max() < 1e-12
    assert np.abs((g_lat - lat) * ratio - (ev[:, 0] - lat)).max() < 1e-12
    # ... which keeps the two within 2e-7 degree (2 cm).
    assert np.abs(g_lon - ev[:, 1]).max() < 2e-7


# --- the inverse --------------------------------------------------------------------
def mainland_points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random WGS84 points over mainland China's extent (73.5-134.8 E, 18-53.6 N)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(73.5, 134.8, n), rng.uniform(18.0, 53.6, n)


def test_inverse_error_below_1e7_degree_across_china():
    lon, lat = mainland_points(400_000, seed=3)
    g_lon, g_lat = crs.wgs84_to_gcj02(lon, lat)
    w_lon, w_lat = crs.gcj02_to_wgs84(g_lon, g_lat)
    err = np.maximum(np.abs(w_lon - lon), np.abs(w_lat - lat))
    assert err.max() < 1e-7  # the documented bound
    assert err.max() < 1e-10  # what it achieves


def test_inverse_matches_converged_fixed_point():
    rng = np.random.default_rng(4)
    g_lon, g_lat = rng.uniform(73.0, 135.0, 2000), rng.uniform(18.0, 53.5, 2000)
    w_lon, w_lat = crs.gcj02_to_wgs84(g_lon, g_lat)
    ref = np.array([_oracles.gcj02_to_wgs84_converged(a, b) for a, b in zip(g_lon, g_lat)])
    assert np.abs(w_lon - ref[:, 0]).max() < 1e-10
    assert np.abs(w_lat - ref[:, 1]).max() < 1e-10


def test_edge_of_the_box_is_the_rule_own_discontinuity():
    # A WGS84 point just inside the east edge maps outside the box, so the inverse
    # (which applies the rule to the GCJ-02 point) leaves it alone: the published rule
    # is discontinuous there, far from mainland China.
    g = crs.wgs84_to_gcj02(137.833, 30.0)
    assert g[0] > 137.8347
    assert crs.gcj02_to_wgs84(*g) == g


def test_inverse_near_the_cusp_at_105E():
    # sqrt(|lon - 105|) makes the offset non-smooth on the 105th meridian.
    lat = np.linspace(20.0, 50.0, 301)
    for dx in (0.0, 1e-12, -1e-9, 3e-7, -2e-5, 1e-3):
        lon = np.full_like(lat, 105.0 + dx)
        w_lon, w_lat = crs.gcj02_to_wgs84(*crs.wgs84_to_gcj02(lon, lat))
        assert np.abs(w_lon - lon).max() < 1e-7
        assert np.abs(w_lat - lat).max() < 1e-7


def test_inverse_better_than_eviltransform_exact():
    rng = np.random.default_rng(5)
    g_lon, g_lat = rng.uniform(115.0, 125.0, 500), rng.uniform(30.0, 40.0, 500)
    w_lon, w_lat = crs.gcj02_to_wgs84(g_lon, g_lat)
    ev = np.array([eviltransform.gcj2wgs_exact(b, a) for a, b in zip(g_lon, g_lat)])
    # Same point to within eviltransform's own threshold (1e-6) plus the radius effect.
    assert np.abs(w_lon - ev[:, 1]).max() < 2e-6
    # Residual of each against the published forward rule: ours is far smaller.
    f_ours = crs.wgs84_to_gcj02(w_lon, w_lat)
    ours = np.abs(f_ours[0] - g_lon).max()
    assert ours < 1e-10


# --- pass-through rules, shapes and types ---------------------------------------------
def test_outside_china_and_nan_pass_through():
    lon = np.array([2.35, -74.0, 140.0, np.nan, 120.4, np.inf])
    lat = np.array([48.85, 40.7, 35.0, 36.1, np.nan, 30.0])
    for fn in (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84):
        out_lon, out_lat = fn(lon, lat)
        np.testing.assert_array_equal(out_lon[:3], lon[:3])
        np.testing.assert_array_equal(out_lat[:3], lat[:3])
        assert np.isnan(out_lon[3]) and np.isnan(out_lat[4])
        assert out_lon[5] == np.inf
    assert crs.out_of_china(lon, lat).tolist() == [True, True, True, True, True, True]
    assert crs.out_of_china(120.4, 36.1).tolist() is False
    lo, la = crs.gcj02_to_bd09(np.nan, 36.0)
    assert math.isnan(lo) and math.isnan(la)


def test_box_edges_follow_the_published_rule():
    for lon, lat in [(72.004, 30.0), (137.8347, 30.0), (100.0, 0.8293), (100.0, 55.8271)]:
        assert crs.wgs84_to_gcj02(lon, lat) == pytest.approx(
            _oracles.wgs84_to_gcj02(lon, lat), abs=1e-12
        )
    assert crs.wgs84_to_gcj02(72.0039, 30.0) == (72.0039, 30.0)


def test_shapes_scalars_lists_and_broadcasting():
    lon, lat = crs.wgs84_to_gcj02(120.4, 36.1)
    assert isinstance(lon, float) and isinstance(lat, float)
    grid = np.full((3, 4), 120.4)
    out_lon, out_lat = crs.gcj02_to_wgs84(grid, 36.1)
    assert out_lon.shape == (3, 4) and out_lat.shape == (3, 4)
    lst = crs.wgs84_to_bd09([120.4, 120.5], [36.1, 36.2])
    assert lst[0].shape == (2,)
    empty = crs.wgs84_to_gcj02(np.array([]), np.array([]))
    assert empty[0].shape == (0,)
    src = np.array([120.4, 120.5])
    before = src.copy()
    crs.wgs84_to_gcj02(src, src - 84)
    np.testing.assert_array_equal(src, before)  # inputs not mutated


def test_bd09_forward_and_exact_inverse():
    rng = np.random.default_rng(6)
    g_lon, g_lat = rng.uniform(73.0, 135.0, 3000), rng.uniform(18.0, 53.5, 3000)
    b_lon, b_lat = crs.gcj02_to_bd09(g_lon, g_lat)
    ref = np.array([_oracles.gcj02_to_bd09(a, b) for a, b in zip(g_lon, g_lat)])
    assert np.abs(b_lon - ref[:, 0]).max() < 1e-12
    ev = np.array([eviltransform.gcj2bd(b, a) for a, b in zip(g_lon, g_lat)])
    assert np.abs(b_lat - ev[:, 0]).max() < 1e-12
    back_lon, back_lat = crs.bd09_to_gcj02(b_lon, b_lat)
    assert np.abs(back_lon - g_lon).max() < 1e-11
    assert np.abs(back_lat - g_lat).max() < 1e-11
    # Baidu's one-step inverse (as in eviltransform) is close, not exact.
    one = np.array([eviltransform.bd2gcj(b, a) for a, b in zip(b_lon, b_lat)])
    assert np.abs(one[:, 1] - back_lon).max() < 1e-5


def test_all_six_directions_round_trip():
    lon, lat = mainland_points(20_000, seed=7)
    pairs = [
        (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84),
        (crs.gcj02_to_bd09, crs.bd09_to_gcj02),
        (crs.wgs84_to_bd09, crs.bd09_to_wgs84),
    ]
    for fwd, inv in pairs:
        back = inv(*fwd(lon, lat))
        assert np.abs(back[0] - lon).max() < 1e-9
        assert np.abs(back[1] - lat).max() < 1e-9


def test_qingdao_offset_is_about_450m_east():
    # Public figure: in Qingdao GCJ-02 lies roughly 430-460 m east and 15-30 m north of
    # WGS84.  Over the corridor's whole extent the sine terms widen that to 410-470 m
    # east and 0-50 m north.
    geod = Geod(ellps="WGS84")
    lon, lat = np.meshgrid(np.linspace(120.3, 120.8, 31), np.linspace(36.05, 36.5, 31))
    g_lon, g_lat = crs.wgs84_to_gcj02(lon.ravel(), lat.ravel())
    _, _, east = geod.inv(lon.ravel(), lat.ravel(), g_lon, lat.ravel())
    _, _, north = geod.inv(lon.ravel(), lat.ravel(), lon.ravel(), g_lat)
    assert east.min() > 410 and east.max() < 470
    assert north.min() >= 0 and north.max() < 50
    assert 430 < np.median(east) < 460


def test_transform_coords_dispatch():
    assert crs.transform_coords(120.4, 36.1, source="EPSG:4326", target="gcj-02") == (
        crs.wgs84_to_gcj02(120.4, 36.1)
    )
    assert crs.transform_coords(120.4, 36.1, source="CGCS2000", target="WGS84") == (120.4, 36.1)
    with pytest.raises(InputError, match="unknown datum 'mars'"):
        crs.transform_coords(1, 2, source="mars", target="WGS84")


# --- datums of CRSs -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("EPSG:4326", "WGS84"),
        ("OGC:CRS84", "WGS84"),
        ("EPSG:32651", "WGS84"),
        ("EPSG:4490", "CGCS2000"),
        ("EPSG:4549", "CGCS2000"),
        (crs.GCJ02, "GCJ02"),
        (crs.BD09, "BD09"),
        ("EPSG:4214", None),  # Beijing 1954
    ],
)
def test_datum_of(value, expected):
    assert crs.datum_of(value) == expected


def test_datum_of_missing_crs_raises():
    with pytest.raises(MissingCRSError, match="no CRS"):
        crs.datum_of(gpd.GeoSeries([shapely.Point(1, 2)]))


def test_constants():
    assert crs.WGS84.to_epsg() == 4326
    assert crs.CGCS2000.to_epsg() == 4490
    assert crs.ANALYSIS_CRS.to_epsg() == 4549
    assert crs.GCJ02.to_epsg() is None and crs.GCJ02.name == "GCJ-02"
    assert crs.BD09.to_epsg() is None and crs.BD09.name == "BD-09"


# --- geometries -----------------------------------------------------------------------
def _all_geometry_types():
    poly = shapely.Polygon(
        [(120.40, 36.10), (120.50, 36.10), (120.50, 36.20), (120.40, 36.20)],
        holes=[[(120.42, 36.12), (120.44, 36.12), (120.44, 36.14)]],
    )
    return [
        shapely.Point(120.4, 36.1),
        shapely.Point(120.4, 36.1, 12.5),
        shapely.MultiPoint([(120.4, 36.1), (120.6, 36.3)]),
        shapely.LineString([(120.4, 36.1), (120.5, 36.2), (120.6, 36.25)]),
        shapely.MultiLineString([[(120.4, 36.1), (120.5, 36.2)], [(120.6, 36.3), (120.7, 36.4)]]),
        poly,
        shapely.MultiPolygon([poly, shapely.box(120.6, 36.3, 120.7, 36.4)]),
        shapely.GeometryCollection([shapely.Point(120.4, 36.1), poly]),
        shapely.LinearRing([(120.4, 36.1), (120.5, 36.1), (120.5, 36.2)]),
        shapely.Polygon(),
        None,
    ]


def test_to_datum_geoseries_keeps_types_holes_parts_and_z():
    geoms = _all_geometry_types()
    gs = gpd.GeoSeries(geoms, index=list("abcdefghijk"), crs="EPSG:4326", name="geom")
    out = crs.to_datum(gs, "GCJ02")
    assert out.crs.name == "GCJ-02" and crs.datum_of(out) == "GCJ02"
    assert list(out.index) == list(gs.index) and out.name == "geom"
    for a, b in zip(gs, out):
        if a is None:
            assert b is None
            continue
        assert a.geom_type == b.geom_type
        assert shapely.get_num_coordinates(a) == shapely.get_num_coordinates(b)
        assert a.has_z == b.has_z
    assert len(out["f"].interiors) == 1
    assert len(out["g"].geoms) == 2
    assert out["b"].z == 12.5
    # Coordinates moved exactly as the array transform moves them.
    x, y = crs.wgs84_to_gcj02(120.4, 36.1)
    assert (out["a"].x, out["a"].y) == (x, y)
    # Input untouched; round trip exact to 1e-9 degree.
    assert gs["a"].x == 120.4 and gs.crs.to_epsg() == 4326
    back = crs.to_datum(out, "WGS84")
    assert back.crs.to_epsg() == 4326
    for a, b in zip(gs, back):
        if a is not None and not a.is_empty:
            assert shapely.equals_exact(a, b, tolerance=1e-9)


def test_to_datum_geodataframe_and_projected_input():
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[shapely.Point(120.4, 36.1), shapely.Point(120.6, 36.3)],
        crs="EPSG:4326",
    )
    projected = gdf.to_crs(crs.ANALYSIS_CRS)
    bd = crs.to_datum(projected, "bd09")
    assert crs.datum_of(bd) == "BD09" and list(bd["name"]) == ["a", "b"]
    expected = crs.wgs84_to_bd09(120.4, 36.1)
    assert (bd.geometry.iloc[0].x, bd.geometry.iloc[0].y) == pytest.approx(expected, abs=1e-9)
    assert projected.crs.to_epsg() == 4549  # not mutated
    cg = crs.to_datum(bd, "CGCS2000")
    assert cg.crs.to_epsg() == 4490
    assert cg.geometry.iloc[1].x == pytest.approx(120.6, abs=1e-9)


def test_to_datum_bare_geometry_requires_source():
    pt = shapely.Point(120.4, 36.1)
    with pytest.raises(MissingCRSError, match="source="):
        crs.to_datum(pt, "GCJ02")
    moved = crs.to_datum(pt, "GCJ02", source="WGS84")
    assert (moved.x, moved.y) == crs.wgs84_to_gcj02(120.4, 36.1)
    with pytest.raises(InputError, match="expected a shapely geometry"):
        crs.to_datum([1, 2], "WGS84")


def test_set_datum_relabels_without_moving():
    gs = gpd.GeoSeries([shapely.Point(120.405, 36.1)], crs="EPSG:4326")
    marked = crs.set_datum(gs, "amap")
    assert marked.crs.name == "GCJ-02"
    assert marked.iloc[0].x == 120.405
    assert gs.crs.to_epsg() == 4326


def test_gcj_marker_survives_geopackage_and_shapefile(tmp_path):
    gs = crs.to_datum(gpd.GeoSeries([shapely.Point(120.4, 36.1)], crs="EPSG:4326"), "GCJ02")
    frame = gpd.GeoDataFrame({"id": [1]}, geometry=gs)
    for name in ("pts.gpkg", "pts.shp"):
        frame.to_file(tmp_path / name)
        back = gpd.read_file(tmp_path / name)
        assert crs.datum_of(back) == "GCJ02", name


# --- analysis CRS and geodesic measures ------------------------------------------------
def test_to_analysis_crs_handles_gcj02_correctly():
    truth = gpd.GeoSeries([shapely.Point(120.45, 36.2)], crs="EPSG:4326")
    amap = crs.to_datum(truth, "GCJ02")
    projected = crs.to_analysis_crs(amap)
    reference = truth.to_crs(4549)
    assert projected.crs.to_epsg() == 4549
    assert projected.iloc[0].distance(reference.iloc[0]) < 1e-3  # metres
    # ...whereas to_crs alone is about 450 m off, which is why to_analysis_crs exists.
    wrong = amap.to_crs(4549)
    assert 400 < wrong.iloc[0].distance(reference.iloc[0]) < 500


def test_to_analysis_crs_raises_on_missing_crs():
    with pytest.raises(MissingCRSError, match="no CRS"):
        crs.to_analysis_crs(gpd.GeoSeries([shapely.Point(120, 36)]))
    with pytest.raises(InputError):
        crs.to_analysis_crs(shapely.Point(120, 36))


def test_geodesic_area_against_pyproj_and_hand_values():
    geod = Geod(ellps="WGS84")
    box = shapely.box(120.0, 36.0, 120.1, 36.1)
    direct, _ = geod.geometry_area_perimeter(shapely.geometry.polygon.orient(box))
    assert crs.geodesic_area(box, crs="EPSG:4326") == pytest.approx(abs(direct), rel=1e-12)
    # A hole is subtracted, whatever the ring orientation.
    holed = shapely.Polygon(
        box.exterior.coords[::-1],
        holes=[shapely.box(120.02, 36.02, 120.04, 36.04).exterior.coords],
    )
    hole = crs.geodesic_area(shapely.box(120.02, 36.02, 120.04, 36.04), crs="EPSG:4326")
    assert crs.geodesic_area(holed, crs="EPSG:4326") == pytest.approx(
        abs(direct) - hole, rel=1e-12
    )
    # Series aligned to the index; projected input unprojected first.
    gs = gpd.GeoSeries([box, shapely.Point(120, 36)], index=[7, 9], crs="EPSG:4326")
    areas = crs.geodesic_area(gs.to_crs(4549))
    assert isinstance(areas, pd.Series) and list(areas.index) == [7, 9]
    assert areas[7] == pytest.approx(abs(direct), rel=1e-6) and areas[9] == 0.0
    # CGCS2000 data are measured on GRS 80: differs from WGS 84 by < 1e-8 relative.
    cg = crs.geodesic_area(gpd.GeoSeries([box], crs="EPSG:4490"))
    assert cg.iloc[0] == pytest.approx(abs(direct), rel=1e-8)


def test_geodesic_length_against_pyproj():
    geod = Geod(ellps="WGS84")
    line = shapely.LineString([(120.4, 36.1), (120.5, 36.2), (120.7, 36.45)])
    expected = geod.line_length([120.4, 120.5, 120.7], [36.1, 36.2, 36.45])
    assert crs.geodesic_length(line, crs="EPSG:4326") == pytest.approx(expected, rel=1e-12)
    # A meridian degree at 36 N is 110.97 km (hand value from the meridian arc formula).
    meridian = shapely.LineString([(120, 36), (120, 37)])
    assert crs.geodesic_length(meridian, crs="EPSG:4326") == pytest.approx(110_968, abs=2)
    with pytest.raises(MissingCRSError):
        crs.geodesic_length(meridian)


def test_normalize_datum_aliases_and_errors():
    assert crs.normalize_datum("Gaode") == "GCJ02"
    assert crs.normalize_datum("bd-09") == "BD09"
    assert crs.normalize_datum("wgs 84") == "WGS84"
    with pytest.raises(InputError, match="unknown datum"):
        crs.normalize_datum("ITRF2014")
    with pytest.raises(InputError, match="must be a string"):
        crs.normalize_datum(4326)
    assert issubclass(MissingCRSError, CRSError) and issubclass(CRSError, ValueError)
