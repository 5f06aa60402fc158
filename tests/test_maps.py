"""Interactive maps: escaping, datums, layers and a real headless browser."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from corridor_geo import crs, maps
from corridor_geo._errors import InputError, MissingCRSError

from ._browser import errors, inspect_page

PAYLOAD = '<img src=x onerror="window.__xss=1">'
JS_PAYLOAD = "\\x3cimg src=x onerror=window.__xss=2\\x3e ${window.__xss=3} `"


@pytest.fixture
def hostile_points():
    return gpd.GeoDataFrame(
        {"name": [PAYLOAD, JS_PAYLOAD, "中国海洋大学"], "category": ["高校", "<b>x</b>", "高校"]},
        geometry=[
            shapely.Point(120.49, 36.16),
            shapely.Point(120.68, 36.37),
            shapely.Point(120.50, 36.17),
        ],
        crs="EPSG:4326",
    )


def test_escape_covers_html_and_template_literals():
    assert maps.esc(PAYLOAD) == "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;"
    out = maps.esc(JS_PAYLOAD)
    for bad in ("<", ">", "`", "$", "\\"):
        assert bad not in out
    assert maps.esc(None) == "" and maps.esc(float("nan")) == ""


def test_user_text_never_reaches_the_page_raw(layout, hostile_points):
    m = maps.explore_layout(layout, basemap="blank")
    maps.add_points(
        m, hostile_points, name=PAYLOAD, label_column="name", popup_columns=["name", "category"]
    )
    page = m.get_root().render()
    assert PAYLOAD not in page and "<b>x</b>" not in page
    assert "${window.__xss" not in page
    assert "&lt;img src=x" in page


def test_chinese_basemap_shifts_layers_to_gcj02(layout):
    wgs = maps.explore_layout(layout, basemap="blank", layers=["axis"])
    amap = maps.explore_layout(layout, basemap="amap", layers=["axis"])
    assert amap.corridor_geo_datum == "GCJ02" and wgs.corridor_geo_datum == "WGS84"

    def first_coordinate(m):
        for child in m._children.values():
            data = getattr(child, "data", None)
            if isinstance(data, dict) and data.get("features"):
                return data["features"][0]["geometry"]["coordinates"][0]
        raise AssertionError("no GeoJSON layer")

    lon, lat = first_coordinate(wgs)
    assert first_coordinate(amap) == pytest.approx(list(crs.wgs84_to_gcj02(lon, lat)), abs=1e-9)
    assert "autonavi" in amap.get_root().render()


def test_blank_inline_map_needs_no_network(layout):
    page = maps.explore_layout(layout, basemap="blank").get_root().render()
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert "data:text/javascript;base64," in page


def test_zones_raster_isochrones_and_markers(layout, tmp_path):
    import rasterio
    from affine import Affine

    m = maps.explore_layout(layout, basemap="blank", layers=["corridor"])
    maps.add_zones(m, layout.cities, "area_km2", name="面积", label_column="name_zh")
    path = tmp_path / "kde.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=20,
        height=20,
        count=1,
        dtype="float32",
        crs="EPSG:4549",
        transform=Affine(200, 0, 545000, 0, -200, 4010000),
        nodata=-9999,
    ) as dst:
        dst.write(np.linspace(0, 1, 400, dtype="float32").reshape(1, 20, 20))
    maps.add_raster(m, path, name="density")
    iso = gpd.GeoDataFrame(
        {"minutes": [5, 10]},
        geometry=[
            shapely.Point(120.5, 36.2).buffer(0.01),
            shapely.Point(120.5, 36.2).buffer(0.02),
        ],
        crs=4326,
    )
    maps.add_isochrones(m, iso)
    maps.add_axis_markers(m, layout, every_km=10)
    page = m.get_root().render()
    assert page.count("L.control.layers") == 1  # one control, kept last
    assert "data:image/png;base64" in page  # the raster overlay


def test_map_input_errors(layout):
    m = maps.new_map(basemap="blank")
    with pytest.raises(InputError, match="unknown basemap"):
        maps.new_map(basemap="google")
    bare = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(120.5, 36.2)])
    with pytest.raises(MissingCRSError):
        maps.add_points(m, bare, name="x")
    pts = bare.set_crs(4326)
    with pytest.raises(InputError, match="no column 'name'"):
        maps.add_points(m, pts, name="x", label_column="name")
    with pytest.raises(InputError, match="Point geometries"):
        maps.add_points(m, layout.cities, name="x")
    with pytest.raises(InputError, match="lang must be"):
        maps.explore_layout(layout, lang="fr", basemap="blank")


def test_explore_method_and_repr_html(layout):
    m = layout.explore(basemap="blank")
    assert "滨海大道" in m.get_root().render()
    assert "<table" in layout._repr_html_()


# --- in a real browser -------------------------------------------------------------------
@pytest.mark.browser
def test_map_in_headless_chromium(layout, hostile_points, tmp_path):
    m = maps.explore_layout(layout, basemap="blank")
    maps.add_points(
        m, hostile_points, name=PAYLOAD, label_column="name", popup_columns=["name", "category"]
    )
    maps.add_axis_markers(m, layout, every_km=10)
    path = maps.save_map(m, tmp_path / "map.html")
    facts, logs = inspect_page(path)
    assert errors(logs) == [], logs
    assert facts["maps"] == 1
    assert facts["xss"] is None  # the payloads did not run...
    assert any(PAYLOAD in t for t in facts["tooltips"])  # ...they show as text
    assert any(JS_PAYLOAD in t for t in facts["tooltips"])
    assert any(JS_PAYLOAD in p and "<b>x</b>" in p for p in facts["popups"])
    assert any("海洋科技城" in t for t in facts["tooltips"])
    labels = facts["controlLabels"]
    assert any("三城" in lbl for lbl in labels) and any("滨海大道" in lbl for lbl in labels)
    assert PAYLOAD in labels  # the layer name too, as text
    assert facts["legend"] and "Ocean Science and Technology City" in facts["legend"][0]
    assert json.dumps(facts)  # serialisable facts
