"""Layers that open styled in QGIS: the styles as written, and the outputs in a real QGIS.

The first tests read what the library writes (the ``layer_styles`` table, the ``.qml`` and
``.sld`` beside Shapefile/GeoJSON files, the project) with the standard library.  The
others open the report's GeoPackage, a Shapefile export, a GeoJSON export, the density
GeoTIFF and the ``.qgz`` project in QGIS itself: Debian's ``python3-qgis``, which lives in
the system interpreter, so ``tests/qgis_check.py`` runs under ``/usr/bin/python3`` with
``QT_QPA_PLATFORM=offscreen`` and reports back in JSON.  QGIS renders each layer to a PNG,
and the pixels are compared with the report's colours composited over white by the
alpha-over rule (``out = a * colour + (1 - a) * 255``).  They skip cleanly where QGIS is
not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from corridor_geo import _qgis, _styles, load_layout
from corridor_geo.io import write_layers

SYSTEM_PYTHON = "/usr/bin/python3"
CHECK = Path(__file__).with_name("qgis_check.py")
SIZE = 800


def _qgis_available() -> bool:
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"],
        capture_output=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    )
    return probe.returncode == 0


requires_qgis = pytest.mark.skipif(
    not _qgis_available(),
    reason="QGIS not installed for /usr/bin/python3 (apt-get install python3-qgis)",
)


def _composite(color: str, alpha: float, under=(255, 255, 255)) -> np.ndarray:
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], float)
    return alpha * rgb + (1 - alpha) * np.asarray(under, float)


def _pixel(png: Path, extent, x: float, y: float) -> np.ndarray:
    import matplotlib.image as mpimg

    image = mpimg.imread(png)[..., :3] * 255.0
    h, w = image.shape[:2]
    x0, y0, x1, y1 = extent
    col = int((x - x0) / (x1 - x0) * w)
    row = int((y1 - y) / (y1 - y0) * h)
    return image[row, col]


def _inner_point(polygon, *, away_from=(), margin: float) -> shapely.Point:
    """A point well inside ``polygon`` and ``margin`` clear of its edges and of others."""
    core = polygon.buffer(-margin)
    for other in away_from:
        core = core.difference(other.buffer(margin))
    assert not core.is_empty
    return (
        core.representative_point()
        if core.geom_type != "MultiPolygon"
        else max(core.geoms, key=lambda g: g.area).representative_point()
    )


# --- the styles as written -------------------------------------------------------------
def test_layer_styles_table_of_the_report(styled_report):
    rep, _ = styled_report
    with sqlite3.connect(rep.gpkg_path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(layer_styles)")]
        rows = db.execute(
            "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
            "styleName, styleQML, styleSLD, useAsDefault FROM layer_styles"
        ).fetchall()
        contents = db.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
        geometry = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    assert columns[1:] == list(_qgis.LAYER_STYLES_COLUMNS)
    assert contents == ("attributes",)  # a GeoPackage attributes table, as OGR writes it
    styled = {r[2]: r for r in rows}
    assert set(styled) == set(geometry)  # every layer, once
    for catalog, schema, name, geom, style_name, qml, sld, default in rows:
        assert (catalog, schema, style_name, default) == ("", "", name, 1)
        assert geom == geometry[name]
        ET.fromstring(qml.split("\n", 1)[1])  # well-formed XML after the DOCTYPE line
        ET.fromstring(sld.split("\n", 1)[1])
    cities = ET.fromstring(styled["cities"][5].split("\n", 1)[1])
    renderer = cities.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "key"
    colors = {
        c.get("value"): renderer.find(f"symbols/symbol[@name='{c.get('symbol')}']/layer")
        .find("Option/Option[@name='color']")
        .get("value")
        for c in renderer.iter("category")
    }
    # The report's colours at the report's 25 % fill.
    assert colors == {
        k: ",".join(str(int(v[i : i + 2], 16)) for i in (1, 3, 5)) + ",64"
        for k, v in _styles.CITY_COLORS.items()
    }
    districts = ET.fromstring(styled["districts"][5].split("\n", 1)[1])
    style = districts.find(".//layer/Option/Option[@name='style']").get("value")
    assert style == "no"  # outline only: never hides what lies beneath
    iso = ET.fromstring(styled["access_isochrones"][5].split("\n", 1)[1]).find("renderer-v2")
    assert iso.get("type") == "graduatedSymbol" and iso.get("attr") == "minutes"
    assert [float(r.get("upper")) for r in iso.iter("range")] == [5.0, 10.0, 15.0]
    assert iso.find("orderby/orderByClause").get("asc") == "0"  # largest band first


def test_report_writes_a_project_and_a_raster_style(styled_report):
    rep, _ = styled_report
    out = rep.html_path.parent
    assert rep.project_path == out / "corridor_report.qgz"
    with zipfile.ZipFile(rep.project_path) as archive:
        (name,) = archive.namelist()
        project = ET.fromstring(archive.read(name).decode("utf-8").split("\n", 1)[1])
    sources = [n.get("source") for n in project.iter("layer-tree-layer")]
    assert sources[0] == "./corridor_report.gpkg|layername=access_resources"  # on top
    assert sources[-1] == "./corridor_report.gpkg|layername=city"  # at the bottom
    assert "./density_kde.tif" in sources
    assert project.find("projectCrs/spatialrefsys/authid").text == "EPSG:4549"
    raster = ET.fromstring((out / "density_kde.qml").read_text(encoding="utf-8").split("\n", 1)[1])
    assert raster.find("pipe/rasterrenderer").get("type") == "singlebandpseudocolor"


def test_report_geopackage_crs_default_and_wgs84_on_request(styled_report, tmp_path):
    import pyogrio

    from corridor_geo.cli import build_parser

    rep, _ = styled_report
    assert pyogrio.read_info(rep.gpkg_path, layer="cities")["crs"] == "EPSG:4549"
    assert build_parser().parse_args(["report"]).crs == "EPSG:4549"
    assert build_parser().parse_args(["report", "--crs", "WGS84"]).crs == "WGS84"


def test_exports_carry_qml_and_sld_beside_each_file(layout, tmp_path):
    shp = write_layers({"cities": layout.cities, "axis": layout.axis}, tmp_path / "s", fmt="shp")
    for path in shp:
        assert path.with_suffix(".qml").is_file() and path.with_suffix(".sld").is_file()
    grid = gpd.GeoDataFrame(
        {"count_per_km2": [0.0, 1.0, 5.0, 20.0], "count": [0, 1, 5, 20]},
        geometry=[shapely.box(120.5 + i / 100, 36.2, 120.51 + i / 100, 36.21) for i in range(4)],
        crs=4326,
    )
    (grid_shp,) = write_layers({"grid": grid}, tmp_path / "g", fmt="shp")
    qml = ET.fromstring(grid_shp.with_suffix(".qml").read_text(encoding="utf-8").split("\n", 1)[1])
    # The Shapefile's field is cut to 10 characters, and the style follows it.
    assert qml.find("renderer-v2").get("attr") == "count_per_"
    sld = grid_shp.with_suffix(".sld").read_text(encoding="utf-8")
    assert "<ogc:PropertyName>count_per_</ogc:PropertyName>" in sld
    gj = write_layers({"districts": layout.districts}, tmp_path / "j", fmt="geojson")
    assert gj[0].with_suffix(".qml").is_file()


def test_every_kind_of_layer_gets_its_style(layout):
    rng = np.random.default_rng(2)
    points = gpd.GeoDataFrame(
        {"category": ["university", "incubator", "my_own_kind"]},
        geometry=shapely.points(rng.uniform(120.5, 120.6, 3), rng.uniform(36.2, 36.3, 3)),
        crs=4326,
    )
    style = _styles.layer_style("resources", points)
    assert style.renderer == "categorized" and style.column == "category"
    labels = {c.value: c.label for c in style.classes}
    assert labels["university"] == "高校 University" and labels["my_own_kind"] == "my_own_kind"
    circles = _styles.layer_style("circles", layout.circles)
    assert {c.value for c in circles.classes} == set(layout.circles["kind"])
    for name in ("corridor", "districts", "city"):
        assert _styles.layer_style(name, layout[name]).symbol.fill is None
    axis = _styles.layer_style("axis", layout.axis).symbol
    assert (axis.kind, axis.stroke) == ("line", _styles.AXIS_COLOR)
    empty = layout.cities.iloc[:0]
    assert _styles.layer_style("cities", empty) is None


def test_metro_lines_keep_their_own_colours():
    from corridor_geo.metro import metro_lines

    lines = metro_lines()
    style = _styles.layer_style("metro_lines", lines)
    assert style.renderer == "categorized" and style.column == "colour"
    drawn = {c.value: (c.symbol.stroke, c.label) for c in style.classes}
    # One class per colour, drawn in that colour; Line 11 in the operator's blue.
    assert set(drawn) == set(lines["colour"])
    assert all(stroke == value for value, (stroke, _) in drawn.items())
    row = lines[lines["name_zh"] == "蓝谷快线"].iloc[0]
    assert drawn[row["colour"]][1] == "蓝谷快线 Blue Valley Express (Line 11)"
    # A colour column that is not all colours falls back to one grey symbol.
    odd = lines.assign(colour=["blue", *lines["colour"].iloc[1:]])
    assert _styles.layer_style("metro_lines", odd).renderer == "single"
    missing = lines.assign(colour=[None, *lines["colour"].iloc[1:]])  # one line undrawn else
    assert _styles.layer_style("metro_lines", missing).renderer == "single"


def test_metro_stations_are_white_with_a_dark_edge_not_red_like_the_axis(styled_report):
    from corridor_geo.metro import metro_stations

    stations = metro_stations()
    for name in ("metro_stations", "stations_exported_under_another_name"):
        symbol = _styles.layer_style(name, stations).symbol
        assert (symbol.kind, symbol.fill, symbol.stroke) == ("marker", "#ffffff", "#333333")
        assert symbol.fill_opacity == 1.0
    # Other points keep the resources' colours.
    plain = gpd.GeoDataFrame(geometry=stations.geometry.iloc[:3], crs=stations.crs)
    assert _styles.layer_style("points", plain).symbol.stroke == _styles.POINT_COLOR
    # As QGIS reads it from the report's GeoPackage: white fill, dark outline.
    rep, _ = styled_report
    with sqlite3.connect(rep.gpkg_path) as db:
        (qml,) = db.execute(
            "SELECT styleQML FROM layer_styles WHERE f_table_name = 'metro_stations'"
        ).fetchone()
    layer = ET.fromstring(qml.split("\n", 1)[1]).find("renderer-v2/symbols/symbol/layer")
    props = {o.get("name"): o.get("value") for o in layer.iter("Option") if o.get("name")}
    assert layer.get("class") == "SimpleMarker"
    assert (props["color"], props["outline_color"]) == ("255,255,255,255", "51,51,51,255")


# --- in a real QGIS --------------------------------------------------------------------
@pytest.fixture(scope="module")
def qgis_seen(styled_report, tmp_path_factory):
    """Run tests/qgis_check.py on the report's outputs and on Shapefile/GeoJSON exports."""
    rep, _ = styled_report
    out = tmp_path_factory.mktemp("qgis")
    lay = load_layout()
    write_layers({n: lay[n] for n in ("cities", "axis")}, out / "shp", fmt="shp", crs="EPSG:4549")
    write_layers({"cities": lay.cities}, out / "geojson", fmt="geojson")
    gpkg = rep.gpkg_path
    layers = [
        {"name": n, "uri": f"{gpkg}|layername={n}", "png": str(out / f"{n}.png")}
        for n in (
            "corridor",
            "cities",
            "circles",
            "axis",
            "districts",
            "access_isochrones",
            "metro_stations",
            "register_institutions",
        )
    ]
    layers[1]["provider_styles"] = True
    layers[1]["text_field"] = "name_zh"
    layers[-1]["text_field"] = "lon"  # register_institutions
    layers += [
        {
            "name": "shp_cities",
            "uri": str(out / "shp" / "cities.shp"),
            "png": str(out / "s.png"),
            "sld": str(out / "shp" / "cities.sld"),
        },
        {"name": "shp_axis", "uri": str(out / "shp" / "axis.shp")},
        {"name": "geojson_cities", "uri": str(out / "geojson" / "cities.geojson")},
        {
            "name": "kde",
            "uri": str(rep.html_path.parent / "density_kde.tif"),
            "provider": "gdal",
            "png": str(out / "kde.png"),
        },
    ]
    for item in layers:
        item.setdefault("size", [SIZE, SIZE])
    job = {
        "layers": layers,
        "projects": [
            {
                "path": str(rep.project_path),
                "png": str(out / "project.png"),
                "png_without": str(out / "project_without_points.png"),
                "hide": ["access_resources"],
                "size": [SIZE, SIZE],
            }
        ],
    }
    (out / "job.json").write_text(json.dumps(job), encoding="utf-8")
    done = subprocess.run(
        [SYSTEM_PYTHON, str(CHECK), str(out / "job.json"), str(out / "result.json")],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ""},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    result["by_name"] = {item["name"]: item for item in result["layers"]}
    return result


@requires_qgis
def test_every_output_is_valid_in_qgis_with_its_crs_and_default_style(qgis_seen):
    seen = qgis_seen["by_name"]
    expected_crs = {"shp_cities": "EPSG:4549", "shp_axis": "EPSG:4549"}
    expected_crs["geojson_cities"] = "EPSG:4326"  # RFC 7946
    for name, layer in seen.items():
        assert layer["valid"], name
        assert layer["crs"] == expected_crs.get(name, "EPSG:4549"), name
        assert layer["style_loaded"], (name, layer.get("style_message"))
    for name in ("corridor", "cities", "circles", "access_isochrones"):
        assert seen[name]["style_message"] == "Loaded from Provider"  # the layer_styles table
    assert seen["cities"]["database_styles"]["count"] >= 1
    assert seen["cities"]["texts"] == ["海洋科技城", "青年科创城", "数智产业城"]  # Chinese intact
    renderers = {name: layer["renderer"] for name, layer in seen.items()}
    assert renderers == {
        "corridor": "singleSymbol",
        "cities": "categorizedSymbol",
        "circles": "categorizedSymbol",
        "axis": "singleSymbol",
        "districts": "singleSymbol",
        "access_isochrones": "graduatedSymbol",
        "metro_stations": "singleSymbol",
        "register_institutions": "categorizedSymbol",
        "shp_cities": "categorizedSymbol",
        "shp_axis": "singleSymbol",
        "geojson_cities": "categorizedSymbol",
        "kde": "singlebandpseudocolor",
    }
    for name in ("cities", "shp_cities", "geojson_cities"):
        fills = {c["value"]: c["fill"] for c in seen[name]["classes"]}
        assert fills == {
            key: [int(color[i : i + 2], 16) for i in (1, 3, 5)] + [64]
            for key, color in _styles.CITY_COLORS.items()
        }, name
    assert seen["districts"]["classes"][0]["style"] == "no"
    # QGIS reads the SLD into the same classes and colours as the QML.
    sld = seen["shp_cities"]["sld"]
    assert sld["loaded"], sld["message"]
    assert sld["renderer"] == "RuleRenderer"
    fills = {c["filter"]: c["fill"] for c in sld["classes"]}
    assert set(fills) == {f"key = '{key}'" for key in _styles.CITY_COLORS}
    for key, color in _styles.CITY_COLORS.items():
        *rgb, alpha = fills[f"key = '{key}'"]
        assert rgb == [int(color[i : i + 2], 16) for i in (1, 3, 5)]
        assert abs(alpha - 0.25 * 255) < 1  # SLD's fill-opacity 0.25
    ramp = seen["kde"]["ramp"]
    assert ramp[0][1] == _styles.ramp_colors([0.0], _styles.DENSITY_CMAP, 0.0, 1.0)[0]
    assert seen["kde"]["opacity"] == pytest.approx(_styles.RASTER_OPACITY)


@requires_qgis
@pytest.mark.parametrize("layer", ["cities", "shp_cities"])
def test_qgis_draws_each_city_in_the_report_colour(qgis_seen, styled_report, layer):
    rep, _ = styled_report
    seen = qgis_seen["by_name"][layer]
    cities = gpd.read_file(rep.gpkg_path, layer="cities")
    extent = seen["rendered_extent"]
    metres_per_pixel = (extent[2] - extent[0]) / SIZE
    edges = [g.boundary for g in cities.geometry]
    for _, row in cities.iterrows():
        p = _inner_point(row.geometry, away_from=edges, margin=6 * metres_per_pixel)
        got = _pixel(seen["png"], extent, p.x, p.y)
        want = _composite(_styles.CITY_COLORS[row["key"]], 64 / 255)
        assert np.abs(got - want).max() <= 3, (row["key"], got, want)


@requires_qgis
def test_qgis_draws_districts_as_outlines_the_axis_red_and_the_density_ramp(
    qgis_seen, styled_report
):
    import rasterio

    rep, _ = styled_report
    seen = qgis_seen["by_name"]
    districts = gpd.read_file(rep.gpkg_path, layer="districts")
    extent = seen["districts"]["rendered_extent"]
    metres_per_pixel = (extent[2] - extent[0]) / SIZE
    for geom in districts.geometry:
        if geom.area < (40 * metres_per_pixel) ** 2:
            continue
        p = _inner_point(geom, margin=6 * metres_per_pixel)
        got = _pixel(seen["districts"]["png"], extent, p.x, p.y)
        assert np.abs(got - 255).max() <= 1  # nothing drawn inside: outline only
    axis = gpd.read_file(rep.gpkg_path, layer="axis").geometry.iloc[0]
    middle = axis.interpolate(0.5, normalized=True)
    got = _pixel(seen["axis"]["png"], seen["axis"]["rendered_extent"], middle.x, middle.y)
    assert np.abs(got - _composite(_styles.AXIS_COLOR, 1.0)).max() <= 3
    # The density surface: the densest cell in the ramp's top colour, at the report's
    # opacity; cells at the minimum are not drawn.
    with rasterio.open(rep.html_path.parent / "density_kde.tif") as src:
        values = src.read(1, masked=True)
        row, col = np.unravel_index(int(values.argmax()), values.shape)
        x, y = src.xy(row, col)
        low_row, low_col = np.unravel_index(int(values.argmin()), values.shape)
        lx, ly = src.xy(low_row, low_col)
    top = _styles.ramp_colors([1.0], _styles.DENSITY_CMAP, 0.0, 1.0)[0]
    kde = seen["kde"]
    got = _pixel(kde["png"], kde["rendered_extent"], x, y)
    assert np.abs(got - _composite(top, _styles.RASTER_OPACITY)).max() <= 3
    assert np.abs(_pixel(kde["png"], kde["rendered_extent"], lx, ly) - 255).max() <= 1


@requires_qgis
def test_the_project_opens_in_order_on_the_corridor(qgis_seen, styled_report):
    rep, _ = styled_report
    (project,) = qgis_seen["projects"]
    assert project["read"], project["error"]
    names = [layer["name"] for layer in project["layers"]]  # top first
    assert names == [
        "access_resources",
        "register_institutions",
        "metro_stations",
        "axis",
        "corridor",
        "metro_lines",
        "circles",
        "access_isochrones",
        "cities",
        "subdistricts_figures",
        "density_kde",
        "districts",
        "city",
    ]
    assert all(layer["valid"] for layer in project["layers"])
    assert project["crs"] == "EPSG:4549"
    x0, y0, x1, y1 = gpd.read_file(rep.gpkg_path, layer="corridor").total_bounds
    v0, w0, v1, w1 = project["default_view"]
    assert v0 <= x0 and w0 <= y0 and x1 <= v1 and y1 <= w1  # the whole corridor...
    assert max((x1 - x0) / (v1 - v0), (y1 - y0) / (w1 - w0)) >= 0.85  # ...filling the view
    if "canvas_extent" in project:  # what QGIS desktop's map canvas opens on
        c0, d0, c1, d1 = project["canvas_extent"]
        assert (c0 + c1) / 2 == pytest.approx((x0 + x1) / 2, abs=1.0)
        assert (d0 + d1) / 2 == pytest.approx((y0 + y1) / 2, abs=1.0)
        assert project["canvas_crs"] == "EPSG:4549"
    # Drawn in order: the axis on top of the cities and the density surface (checked on
    # the same view rendered without the resource points, drawn on top of it).
    extent = project["rendered_extent"]
    axis = gpd.read_file(rep.gpkg_path, layer="axis").geometry.iloc[0]
    middle = axis.interpolate(0.5, normalized=True)
    got = _pixel(project["png_without"], extent, middle.x, middle.y)
    assert np.abs(got - _composite(_styles.AXIS_COLOR, 1.0)).max() <= 3


def test_a_project_switches_off_only_the_crowded_point_layers(layout, tmp_path):
    import io
    import xml.etree.ElementTree as ET
    import zipfile

    from corridor_geo import _qgis, synthetic_resources

    many = synthetic_resources(_qgis.MANY_POINTS + 1, seed=3, layout=layout)
    few = many.iloc[:10]
    layers = {"corridor": layout.corridor, "many": many, "few": few}
    gpkg = tmp_path / "p.gpkg"
    for name, frame in layers.items():
        frame.to_file(gpkg, layer=name)
    data = _qgis.project_qgz(gpkg, layers)
    qgs = zipfile.ZipFile(io.BytesIO(data)).read("p.qgs")
    checked = {
        node.get("name"): node.get("checked")
        for node in ET.fromstring(qgs).iter("layer-tree-layer")
    }
    assert checked == {"corridor": "Qt::Checked", "many": "Qt::Unchecked", "few": "Qt::Checked"}


@requires_qgis
def test_qgis_draws_metro_stations_white_with_a_dark_edge(qgis_seen, styled_report):
    import matplotlib.image as mpimg

    rep, _ = styled_report
    seen = qgis_seen["by_name"]["metro_stations"]
    assert seen["classes"][0]["fill"] == [255, 255, 255, 255]
    stations = gpd.read_file(rep.gpkg_path, layer="metro_stations")
    extent = seen["rendered_extent"]
    image = mpimg.imread(seen["png"])[..., :3] * 255.0
    x0, y0, x1, y1 = extent
    h, w = image.shape[:2]
    checked = 0
    for point in stations.geometry:
        col = int((point.x - x0) / (x1 - x0) * w)
        row = int((y1 - point.y) / (y1 - y0) * h)
        if not (6 <= col < w - 6 and 6 <= row < h - 6):
            continue
        window = image[row - 6 : row + 7, col - 6 : col + 7]
        # White at the centre, a dark grey edge around it, and nothing red anywhere.
        assert np.abs(image[row, col] - 255).max() <= 3, (point, image[row, col])
        assert window.max(axis=2).min() <= 0x33 + 40
        red = (window[..., 0] - window[..., 1:].max(axis=2)) > 60
        assert not red.any()
        checked += 1
    assert checked >= 0.95 * len(stations)  # all but those at the very edge of the image


@requires_qgis
def test_qgis_reads_the_registers_coordinates_and_years_as_numbers(qgis_seen):
    import csv

    from corridor_geo.datasets import get_path

    seen = qgis_seen["by_name"]["register_institutions"]
    types = seen["field_types"]
    assert (types["lon"], types["lat"]) == ("Real", "Real")
    assert types["founded"] in ("Integer", "Integer64")
    assert types["accuracy_m"] in ("Integer", "Integer64")
    # The values QGIS reads are the bundled file's, as numbers (independent csv reader).
    with open(get_path("register/institutions.csv"), encoding="utf-8", newline="") as f:
        raw = list(csv.DictReader(f))
    assert sorted(float(v) for v in seen["texts"]) == sorted(float(r["lon"]) for r in raw)
