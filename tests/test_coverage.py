"""Coverage against circle formulas, pyproj areas, brute-force distances and censuses."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine

from corridor_geo import crs
from corridor_geo._errors import InputError, MissingCRSError
from corridor_geo.coverage import circle_anchors, coverage, read_facilities
from corridor_geo.population import census_polygons
from corridor_geo.raster import Raster
from corridor_geo.resources import synthetic_resources


def _zones():
    return gpd.GeoDataFrame(
        {"layer": ["t", "t"], "zone": ["west", "east"]},
        geometry=[
            shapely.box(500_000, 4_000_000, 510_000, 4_010_000),
            shapely.box(510_000, 4_000_000, 520_000, 4_010_000),
        ],
        crs=crs.ANALYSIS_CRS,
    )


def _pop_polys():
    return gpd.GeoDataFrame(
        {"population": [100_000.0]},
        geometry=[shapely.box(500_000, 4_000_000, 520_000, 4_010_000)],
        crs=crs.ANALYSIS_CRS,
    )


def test_single_circle_area_and_share():
    fac = gpd.GeoSeries([shapely.Point(505_000, 4_005_000)], crs=crs.ANALYSIS_CRS)
    cov = coverage(fac, layout=_zones(), radius_m=1000.0, population=_pop_polys()).set_index(
        "zone"
    )
    west = cov.loc["west"]
    # Oracle 1: the circle's area pi r^2 (the 256-gon is 0.01% smaller).
    assert west["covered_km2"] == pytest.approx(np.pi, rel=2e-4)
    # Oracle 2: pyproj's geodesic area of the covered geometry returned.
    geod = crs.geodesic_area(cov.loc[["west"]]).iloc[0] / 1e6
    assert west["covered_km2"] == pytest.approx(geod, rel=1e-6)
    assert west["area_share"] == pytest.approx(west["covered_km2"] / west["area_km2"])
    assert cov.loc["east", "covered_km2"] == 0.0
    # Population uniform over both zones: 100,000 people on 200 km² of the map (the
    # ellipsoidal area differs by 2.5e-6 here, 10 km east of the central meridian).
    assert west["covered_population"] == pytest.approx(
        100_000 * west["covered_km2"] / 200, rel=1e-5
    )
    assert west["population_share"] == pytest.approx(west["area_share"], rel=1e-9)


def test_overlapping_circles_counted_once():
    r, d = 1000.0, 1200.0
    fac = gpd.GeoSeries(
        [shapely.Point(505_000, 4_005_000), shapely.Point(505_000 + d, 4_005_000)],
        crs=crs.ANALYSIS_CRS,
    )
    cov = coverage(fac, layout=_zones(), radius_m=r, population=_pop_polys()).set_index("zone")
    lens = 2 * r**2 * np.arccos(d / (2 * r)) - (d / 2) * np.sqrt(4 * r**2 - d**2)
    union = (2 * np.pi * r**2 - lens) / 1e6
    assert cov.loc["west", "covered_km2"] == pytest.approx(union, rel=3e-4)
    # A circle across the zones' shared edge splits between them; ALL adds up.
    fac2 = gpd.GeoSeries([shapely.Point(510_000, 4_005_000)], crs=crs.ANALYSIS_CRS)
    cov2 = coverage(fac2, layout=_zones(), radius_m=r, population=_pop_polys()).set_index("zone")
    assert cov2.loc["west", "covered_km2"] == pytest.approx(cov2.loc["east", "covered_km2"])
    assert cov2.loc["ALL", "covered_km2"] == pytest.approx(
        cov2.loc["west", "covered_km2"] + cov2.loc["east", "covered_km2"], rel=1e-7
    )


def test_radius_column_and_errors():
    fac = gpd.GeoDataFrame(
        {"reach": [500.0, 1500.0]},
        geometry=[shapely.Point(503_000, 4_005_000), shapely.Point(515_000, 4_005_000)],
        crs=crs.ANALYSIS_CRS,
    )
    cov = coverage(fac, layout=_zones(), radius_m="reach", population=_pop_polys()).set_index(
        "zone"
    )
    assert cov.loc["west", "covered_km2"] == pytest.approx(np.pi * 0.25, rel=2e-4)
    assert cov.loc["east", "covered_km2"] == pytest.approx(np.pi * 2.25, rel=2e-4)
    assert "500-1500 m" in cov["method"].iloc[0]
    with pytest.raises(InputError, match="positive"):
        coverage(
            fac.assign(reach=[0.0, 1.0]),
            layout=_zones(),
            radius_m="reach",
            population=_pop_polys(),
        )
    table = pd.DataFrame({"lon": [120.5, None], "lat": [36.2, 36.3]})
    with pytest.raises(MissingCRSError):
        read_facilities(table)
    # A facility list with a hole: the row is reported, not silently dropped.
    fac = read_facilities(table, datum="WGS84")
    assert len(fac.accepted) == 1 and fac.n_read == 2
    assert fac.rejected["reason"].tolist() == ["missing coordinates"]
    assert fac.rejected["source_row"].tolist() == [2]


def test_population_raster_fractional():
    fac = gpd.GeoSeries([shapely.Point(505_010, 4_005_030)], crs=crs.ANALYSIS_CRS)
    # 100 m cells of 3 people: a circle cuts many cells; fractional coverage is exact.
    r = Raster(np.full((100, 200), 3.0), Affine(100, 0, 500_000, 0, -100, 4_010_000), "EPSG:4549")
    cov = coverage(fac, layout=_zones(), radius_m=800.0, population=r).set_index("zone")
    circle = shapely.Point(505_010, 4_005_030).buffer(800.0, quad_segs=64)
    assert cov.loc["west", "covered_population"] == pytest.approx(3 * circle.area / 1e4, rel=1e-9)
    assert cov.loc["west", "population"] == pytest.approx(3 * 10_000, rel=1e-9)
    assert "fractional" in cov["method"].iloc[0]


def test_census_default_and_resources(layout):
    anchors = circle_anchors(layout, kind="university")
    assert len(anchors) == 3
    pts = synthetic_resources(3000, seed=8, corridor_share=0.9)
    cov = coverage(
        anchors, layout=layout, radius_m=1000.0, layers=["corridor", "districts"], resources=pts
    )
    row = cov.set_index(["layer", "zone"]).loc[("corridor", "corridor")]
    # Resources: brute force distance to the nearest anchor in EPSG:4549.
    pm = crs.to_analysis_crs(pts).geometry.values
    am = crs.to_analysis_crs(anchors).geometry.values
    dist = np.min([shapely.distance(pm, a) for a in am], axis=0)
    corr = layout.corridor.geometry.iloc[0]
    in_corr = shapely.contains_xy(corr, pts.geometry.x, pts.geometry.y)
    near = dist <= 1000.0 * (1 - 1e-3)  # the buffer is a 256-gon: a hair inside the circle
    far = dist > 1000.0
    assert row["resources"] == in_corr.sum()
    assert (near & in_corr).sum() <= row["covered_resources"] <= (~far & in_corr).sum()
    # Census population by area, by hand.
    cm = crs.to_analysis_crs(cov.set_index(["layer", "zone"]).loc[[("corridor", "corridor")]])
    covered_m = cm.geometry.iloc[0]
    d = crs.to_analysis_crs(census_polygons(layout))
    hand = sum(
        p * g.intersection(covered_m).area / g.area for p, g in zip(d["population"], d.geometry)
    )
    assert row["covered_population"] == pytest.approx(hand, rel=1e-5)
    assert "census" in row["method"]
    # The districts' ALL row covers the whole city: every anchor's circle is inside it.
    all_d = cov.set_index(["layer", "zone"]).loc[("districts", "ALL")]
    assert all_d["covered_km2"] == pytest.approx(3 * np.pi, rel=1e-3)


def test_metro_800m_from_reference_file(layout, metro_reference, tmp_path):
    path = tmp_path / "stations.csv"
    metro_reference.to_csv(path, index=False)
    cov = coverage(path, layout=layout, radius_m=800.0, layers="cities", datum="GCJ02")
    c = cov.set_index("zone")
    # Oracle: the same buffers built by hand from the approximate WGS84 columns given
    # in the file (converted independently of corridor_geo): agree within their error.
    wgs = gpd.GeoSeries(
        gpd.points_from_xy(
            metro_reference["lng_wgs84_approx"], metro_reference["lat_wgs84_approx"]
        ),
        crs=crs.WGS84,
    )
    buf = shapely.union_all(crs.to_analysis_crs(wgs).buffer(800.0, quad_segs=64).values)
    for key, geom in zip(layout.cities["key"], crs.to_analysis_crs(layout.cities).geometry):
        hand = geom.intersection(buf).area / geom.area
        assert c.loc[key, "area_share"] == pytest.approx(hand, abs=0.01)
    assert (c.loc[["ocean", "youth", "digital"], "area_share"] > 0.02).all()
