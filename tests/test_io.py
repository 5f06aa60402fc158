"""Exports: formats, CRSs, UTF-8 names and atomic writes."""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from corridor_geo import crs, io
from corridor_geo._errors import InputError


@pytest.mark.parametrize(
    ("target", "epsg"), [("WGS84", 4326), ("CGCS2000", 4490), ("EPSG:4549", 4549)]
)
def test_layout_to_geopackage_in_each_crs(layout, tmp_path, target, epsg):
    path = tmp_path / "layout.gpkg"
    written = layout.to_file(path, crs=target)
    assert written == [path]
    for name in ("corridor", "cities", "circles", "axis", "districts", "city"):
        back = gpd.read_file(path, layer=name)
        assert back.crs.to_epsg() == epsg, name
        assert len(back) == len(layout[name])
    cities = gpd.read_file(path, layer="cities")
    assert list(cities["name_zh"]) == list(layout.cities["name_zh"])
    # Same features: geodesic areas agree whatever the CRS written.
    assert crs.geodesic_area(cities).sum() / 1e6 == pytest.approx(190.71, rel=1e-3)


def test_layout_to_gcj02_is_marked(layout, tmp_path):
    path = tmp_path / "layout_gcj02.gpkg"
    layout.to_file(path, crs="GCJ02")
    back = gpd.read_file(path, layer="axis")
    assert crs.datum_of(back) == "GCJ02"
    x, y = crs.wgs84_to_gcj02(*layout.axis.geometry.iloc[0].coords[0])
    assert back.geometry.iloc[0].coords[0] == pytest.approx((x, y), abs=1e-9)


def test_geojson_folder_is_rfc7946(layout, tmp_path):
    written = layout.to_file(tmp_path / "layers", fmt="geojson")
    assert sorted(p.name for p in written) == sorted(
        f"{n}.geojson"
        for n in ("corridor", "cities", "circles", "axis", "districts", "subdistricts", "city")
    )
    text = (tmp_path / "layers" / "cities.geojson").read_text(encoding="utf-8")
    assert "海洋科技城" in text  # UTF-8, not escaped
    back = gpd.read_file(tmp_path / "layers" / "circles.geojson")
    assert back.crs.to_epsg() == 4326 and len(back) == 9


def test_shapefile_has_cpg_utf8_names_and_field_map(layout, tmp_path):
    layout.to_file(tmp_path / "shp", fmt="shp", crs="EPSG:4549")
    folder = tmp_path / "shp"
    assert (folder / "cities.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    back = gpd.read_file(folder / "cities.shp")
    assert back.crs.to_epsg() == 4549
    assert list(back["name_zh"]) == ["海洋科技城", "青年科创城", "数智产业城"]
    mapping = pd.read_csv(folder / "cities.fields.csv", encoding="utf-8-sig")
    row = mapping.set_index("column").loc["official_area_km2", "shapefile_field"]
    assert len(row) <= 10 and row in back.columns
    assert back[row].tolist() == [78.56, 26.2, 85.95]


def test_shapefile_field_names_unique():
    names = io.shapefile_field_names(["official_area_km2", "official_area_m2", "official_a"])
    assert len({v.lower() for v in names.values()}) == 3
    assert all(len(v) <= 10 for v in names.values())


def test_failed_write_leaves_the_old_file_intact(layout, tmp_path, monkeypatch):
    path = tmp_path / "layout.gpkg"
    layout.to_file(path)
    before = path.read_bytes()
    calls = {"n": 0}
    original = gpd.GeoDataFrame.to_file

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # fail half-way through the layers
            raise OSError("disk full (simulated)")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", failing)
    with pytest.raises(OSError, match="disk full"):
        layout.to_file(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["layout.gpkg"]  # no temporary left behind


def test_write_errors_are_clear(tmp_path):
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(120.4, 36.1)])
    with pytest.raises(InputError, match="has no CRS"):
        io.write_vector_atomic(gdf, tmp_path / "a.gpkg")
    gdf = gdf.set_crs(4326)
    with pytest.raises(InputError, match="cannot tell the format"):
        io.write_vector_atomic(gdf, tmp_path / "a.xyz")
    with pytest.raises(InputError, match="unknown format"):
        io.write_vector_atomic(gdf, tmp_path / "a.gpkg", fmt="kml")
    with pytest.raises(InputError, match="unknown CRS"):
        io.write_vector_atomic(gdf, tmp_path / "a.gpkg", crs="EPSG:999999")
    with pytest.raises(InputError, match=r"writes \.csv or \.xlsx"):
        io.write_table_atomic(pd.DataFrame({"a": [1]}), tmp_path / "t.txt")


def test_table_csv_opens_in_excel_with_chinese(tmp_path):
    path = io.write_table_atomic(pd.DataFrame({"名称": ["海洋科技城"]}), tmp_path / "t.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(path, encoding="utf-8-sig")["名称"].tolist() == ["海洋科技城"]


def test_geoparquet_and_csv_exports(layout, tmp_path):
    written = io.write_layers(
        {"circles": layout.circles, "axis": layout.axis},
        tmp_path / "pq",
        fmt="parquet",
        crs="EPSG:4549",
    )
    back = gpd.read_parquet(written[0])
    assert back.crs.to_epsg() == 4549 and len(back) == 9
    assert back["site_zh"].tolist() == layout.circles["site_zh"].tolist()
    anchors = gpd.GeoDataFrame(
        layout.circles[["site_zh"]],
        geometry=gpd.points_from_xy(layout.circles["anchor_lon"], layout.circles["anchor_lat"]),
        crs=4326,
    )
    (csv_path,) = io.write_layers({"anchors": anchors}, tmp_path / "csv", fmt="csv")
    table = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert list(table.columns) == ["site_zh", "lon", "lat"]
    assert table["lon"].to_numpy() == pytest.approx(layout.circles["anchor_lon"].to_numpy())
    (proj,) = io.write_layers({"anchors": anchors}, tmp_path / "csv2", fmt="csv", crs="EPSG:4549")
    assert {"x", "y"} <= set(pd.read_csv(proj, encoding="utf-8-sig").columns)
    (wkt,) = io.write_layers({"axis": layout.axis}, tmp_path / "csv3", fmt="csv")
    line = shapely.from_wkt(pd.read_csv(wkt, encoding="utf-8-sig")["wkt"].iloc[0])
    assert line.equals_exact(layout.axis.geometry.iloc[0], tolerance=1e-9)


def test_gcj02_exports_are_named_and_marked(layout, tmp_path):
    files = layout.to_file(tmp_path / "shp", fmt="shp", crs="GCJ02")
    assert all(p.name.endswith("_gcj02.shp") for p in files)
    back = gpd.read_file(tmp_path / "shp" / "axis_gcj02.shp")
    assert crs.datum_of(back) == "GCJ02"
    (gpkg,) = layout.to_file(tmp_path / "corridor.gpkg", crs="BD09")
    assert gpkg.name == "corridor_bd09.gpkg"
    (geojson,) = io.write_layers({"axis": layout.axis}, tmp_path / "axis.geojson", crs="GCJ02")
    assert geojson.name == "axis_gcj02.geojson"
    coords = gpd.read_file(geojson).geometry.iloc[0].coords[0]
    assert coords == pytest.approx(
        crs.wgs84_to_gcj02(*layout.axis.geometry.iloc[0].coords[0]), abs=1e-9
    )


def test_xlsx_tables(tmp_path):
    table = pd.DataFrame({"城": ["海洋科技城"], "面积": [78.56]})
    path = io.write_table_atomic(table, tmp_path / "t.xlsx")
    assert pd.read_excel(path).to_dict("records") == [{"城": "海洋科技城", "面积": 78.56}]


def _hot_raster():
    import numpy as np
    from affine import Affine

    from corridor_geo.raster import Raster

    values = np.zeros((60, 60))
    values[30, 20] = 100.0  # one hot cell
    return Raster(
        values,
        Affine(100, 0, 550000, 0, -100, 4010000),
        "EPSG:4549",
        nodata=-9999,
        tags={"units": "per km2"},
    )


def _hot_spot(path):
    import numpy as np
    import rasterio

    with rasterio.open(path) as src:
        data = src.read(1, masked=True).filled(0)
        row, col = np.unravel_index(int(np.argmax(data)), data.shape)
        x, y = src.transform * (col + 0.5, row + 0.5)
        return src.crs, (x, y), abs(src.transform.a)


@pytest.mark.parametrize(
    ("target", "epsg"), [("WGS84", 4326), ("CGCS2000", 4490), ("EPSG:4549", 4549)]
)
def test_raster_export_in_each_crs(tmp_path, target, epsg):
    from pyproj import Transformer

    raster = _hot_raster()
    out = io.export_raster(raster, tmp_path / "kde.tif", crs=target)
    crs_out, (x, y), cell = _hot_spot(out)
    assert crs_out.to_epsg() == epsg
    # The hot cell's centre, in the asked CRS, computed independently with pyproj.
    cx, cy = raster.transform * (20.5, 30.5)
    ex, ey = Transformer.from_crs(4549, epsg, always_xy=True).transform(cx, cy)
    assert abs(x - ex) <= 1.5 * cell and abs(y - ey) <= 1.5 * cell


def test_raster_export_to_gcj02_moves_the_hot_spot_by_the_offset(tmp_path):
    from pyproj import Transformer

    raster = _hot_raster()
    out = io.export_raster(raster, tmp_path / "kde.tif", crs="GCJ02")
    assert out.name == "kde_gcj02.tif"
    crs_out, (x, y), cell = _hot_spot(out)
    assert crs.datum_of(crs_out.to_wkt()) == "GCJ02"
    cx, cy = raster.transform * (20.5, 30.5)
    lon, lat = Transformer.from_crs(4549, 4326, always_xy=True).transform(cx, cy)
    gx, gy = crs.wgs84_to_gcj02(lon, lat)
    assert abs(x - gx) <= 1.5 * cell and abs(y - gy) <= 1.5 * cell
    assert abs(gx - lon) > 3 * cell  # the ~450 m shift is far larger than a cell


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "shp"])
def test_infinite_values_are_written_as_null_in_gis_files(tmp_path, fmt):
    import pyogrio

    frame = gpd.GeoDataFrame(
        {"minutes": [12.5, np.inf, -np.inf, np.nan], "count": [1, 2, 3, 4]},
        geometry=shapely.points([120.40, 120.41, 120.42, 120.43], [36.1] * 4),
        crs="EPSG:4326",
    )
    target = tmp_path / "t.gpkg" if fmt == "gpkg" else tmp_path / "t"
    (path,) = io.write_layers({"t": frame}, target, fmt=fmt)  # no GDAL warning either
    back = pyogrio.read_dataframe(path, layer=0)
    assert back["minutes"].iloc[0] == 12.5
    assert back["minutes"].iloc[1:].isna().all()
    assert back["count"].tolist() == [1, 2, 3, 4]
    assert np.isinf(frame["minutes"]).sum() == 2  # the caller's frame untouched
    # GeoParquet and CSV keep them.
    (csv,) = io.write_layers({"t": frame}, tmp_path / "c", fmt="csv")
    assert pd.read_csv(csv, encoding="utf-8-sig")["minutes"].iloc[1] == np.inf


def test_shapefile_fields_with_chinese_names_are_cut_between_characters(tmp_path):
    import pyogrio

    columns = ["名称 <script>alert(1)</script>", "研发投入万元", "研发投入万元2", "类别", "a\"b'c"]
    frame = gpd.GeoDataFrame(
        {c: [f"值{i}"] for i, c in enumerate(columns)},
        geometry=[shapely.Point(120.4, 36.1)],
        crs="EPSG:4326",
    )
    (path,) = io.write_layers({"t": frame}, tmp_path / "t.shp")  # no GDAL warning either
    fields = pd.read_csv(tmp_path / "t.fields.csv", encoding="utf-8-sig", dtype=str)
    expected = ["名称 <sc", "研发投", "研发_01", "类别", "a\"b'c"]  # at most 10 bytes each
    assert fields["column"].tolist() == columns
    assert fields["shapefile_field"].tolist() == expected
    assert all(len(name.encode("utf-8")) <= 10 for name in expected)
    back = pyogrio.read_dataframe(path)
    assert [c for c in back.columns if c != "geometry"] == expected
    assert back.iloc[0, :5].tolist() == [f"值{i}" for i in range(5)]
