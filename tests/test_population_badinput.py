"""Bad population input: every count lands in a zone or the call is refused naming why.

A point, a missing geometry or a bow-tie polygon used to lose its people silently (zero
area) or fail inside GEOS; a path that is not a polygon file failed with the reader's
own exception.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

import corridor_geo as cg
from corridor_geo._errors import GeometryError, InputError

BOX = shapely.box(120.3, 36.0, 120.6, 36.3)
BOW_TIE = shapely.Polygon([(120.3, 36.0), (120.6, 36.3), (120.6, 36.0), (120.3, 36.3)])


def _pop(layout, population):
    return cg.population.population_by_zone(layout, population=population, layers=["cities"])


def test_good_polygons_are_spread_by_area(layout):
    # The oracle: a city's share of the box's people is the share of the box's area in it.
    frame = gpd.GeoDataFrame({"population": [1000.0]}, geometry=[BOX], crs=4326)
    got = _pop(layout, frame).set_index("zone")["population"]
    box_area = cg.crs.geodesic_area(gpd.GeoSeries([BOX], crs=4326)).iloc[0]
    for zone, city in layout.cities.set_index("key").geometry.items():
        part = cg.crs.geodesic_area(gpd.GeoSeries([city.intersection(BOX)], crs=4326)).iloc[0]
        # intersections in lon/lat here, in EPSG:4549 in the library: edges differ slightly
        assert got[zone] == pytest.approx(1000.0 * part / box_area, rel=1e-4)


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (shapely.Point(120.45, 36.15), r"must hold Polygon or MultiPolygon geometries; rows 1 "),
        (None, r"has missing geometries in rows: 1"),
        (shapely.Polygon(), r"has empty geometries in rows: 1"),
        (BOW_TIE, r"has invalid geometries in rows: 1 \(Self-intersection.*make_valid"),
    ],
)
def test_polygons_that_would_lose_their_people_are_refused(layout, geometry, message):
    frame = gpd.GeoDataFrame({"population": [100.0, 5.0]}, geometry=[BOX, geometry], crs=4326)
    with pytest.raises(GeometryError, match="the population layer " + message):
        _pop(layout, frame)
    with pytest.raises(GeometryError, match="the polygon layer " + message):
        cg.zones.assign_polygons(frame, layout=layout, layers="cities", weight="population")


def test_bad_counts_are_named_by_row(layout):
    frame = gpd.GeoDataFrame(
        {"population": ["100", "many", -3]}, geometry=[BOX, BOX, BOX], crs=4326
    )
    with pytest.raises(InputError) as err:
        _pop(layout, frame)
    assert "non-numeric or negative counts in rows 1, 2" in str(err.value)


def test_a_population_path_that_is_not_a_polygon_file_is_named(layout, tmp_path):
    with pytest.raises(InputError, match=r"no such file of population polygons: '.*nope.gpkg'"):
        _pop(layout, tmp_path / "nope.gpkg")
    with pytest.raises(
        InputError, match=r"is a folder: name the file of population polygons in it"
    ):
        _pop(layout, tmp_path)
    csv = tmp_path / "people.csv"
    csv.write_bytes("区,人口\n崂山区,10000\n".encode("gbk"))
    with pytest.raises(InputError) as err:
        _pop(layout, csv)
    assert str(err.value).startswith("cannot read 'people.csv' as population polygons")
    assert "raster (.tif) of people per cell" in str(err.value)


@pytest.mark.parametrize(
    ("population", "message"),
    [
        (gpd.GeoDataFrame({"population": [5.0]}, geometry=[BOW_TIE], crs=4326), "invalid"),
        (gpd.GeoDataFrame({"population": [5.0]}, geometry=[BOX]), "no CRS"),
        (
            gpd.GeoDataFrame(
                {"population": [5.0]}, geometry=[shapely.Point(120.45, 36.15)], crs=4326
            ),
            "must hold Polygon or MultiPolygon",
        ),
        (gpd.GeoDataFrame({"people": [5.0]}, geometry=[BOX], crs=4326), "no column"),
    ],
)
def test_coverage_checks_its_population_the_same_way(layout, population, message):
    stations = gpd.GeoDataFrame(geometry=[shapely.Point(120.45, 36.15)], crs=4326)
    with pytest.raises(InputError, match=message):
        cg.coverage.coverage(stations, layout=layout, population=population, layers="cities")


def test_coverage_names_a_population_file_it_cannot_read(layout, tmp_path):
    stations = gpd.GeoDataFrame(geometry=[shapely.Point(120.45, 36.15)], crs=4326)
    csv = tmp_path / "people.csv"
    csv.write_bytes("区,人口\n崂山区,10000\n".encode("gbk"))
    with pytest.raises(InputError, match=r"cannot read 'people.csv' as population polygons"):
        cg.coverage.coverage(stations, layout=layout, population=csv)
