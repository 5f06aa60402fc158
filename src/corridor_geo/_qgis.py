"""QGIS styles and projects for the layers the library writes (private).

Writers of files call in here, so every layer opens in QGIS drawn as in the report:

* :func:`store_styles` puts a QML and an SLD style per layer into a GeoPackage's
  ``layer_styles`` table, the table QGIS reads a layer's default style from (columns
  ``f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName,
  styleQML, styleSLD, useAsDefault, description, owner, ui, update_time``);
* :func:`style_files` gives the ``.qml`` and ``.sld`` texts written beside a Shapefile or
  GeoJSON file (QGIS loads ``<name>.qml`` beside a file as its default style);
* :func:`raster_qml` styles a single-band GeoTIFF (the density surface);
* :func:`project_qgz` builds a QGIS project (``.qgz``) of a GeoPackage's layers, in
  drawing order, styled, opening on the corridor.

What the styles are (colours, classes, order) comes from :mod:`corridor_geo._styles`;
this module only writes them down in QGIS's formats (QML as written by QGIS 3.16 to 3.40,
OGC SLD 1.1 / SE).  It writes no files itself: the callers in :mod:`corridor_geo.io` and
:mod:`corridor_geo.report` write the texts atomically, and :func:`store_styles` works on the
temporary GeoPackage before it is renamed into place.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._errors import InputError
from ._styles import (
    DENSITY_CMAP,
    RASTER_OPACITY,
    RASTER_RANK,
    Category,
    LayerStyle,
    Symbol,
    layer_style,
    ramp_colors,
)
from ._version import __version__

__all__ = [
    "LAYER_STYLES_COLUMNS",
    "project_qgz",
    "qml",
    "raster_qml",
    "sld",
    "store_styles",
    "style_files",
]

QGIS_VERSION = "3.22.0"
"""The QML/QGS format version written (read by QGIS 3.16 and later)."""

MM_PER_PX = 25.4 / 96
LAYER_STYLES_COLUMNS = (
    "f_table_catalog",
    "f_table_schema",
    "f_table_name",
    "f_geometry_column",
    "styleName",
    "styleQML",
    "styleSLD",
    "useAsDefault",
    "description",
    "owner",
    "ui",
    "update_time",
)
_CREATE_LAYER_STYLES = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    f_table_catalog TEXT(256),
    f_table_schema TEXT(256),
    f_table_name TEXT(256),
    f_geometry_column TEXT(256),
    styleName TEXT(30),
    styleQML TEXT,
    styleSLD TEXT,
    useAsDefault BOOLEAN,
    description TEXT,
    owner TEXT(30),
    ui TEXT(30),
    update_time DATETIME DEFAULT CURRENT_TIMESTAMP
)
"""
_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
_UNIT_SCALE = "3x:0,0,0,0,0,0"
_GEOMETRY = {"fill": "Polygon", "line": "Line", "marker": "Point"}


# --- QML -------------------------------------------------------------------------------
def _rgba(color: str | None, alpha: float = 1.0) -> str:
    if color is None:
        return "0,0,0,0"
    value = color.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(255 * max(0.0, min(1.0, alpha)))}"


def _mm(px: float) -> str:
    return f"{px * MM_PER_PX:.4g}"


def _properties(symbol: Symbol) -> tuple[str, dict[str, str]]:
    """QGIS symbol-layer class and properties of a Symbol."""
    if symbol.kind == "fill":
        return "SimpleFill", {
            "border_width_map_unit_scale": _UNIT_SCALE,
            "color": _rgba(symbol.fill, symbol.fill_opacity),
            "joinstyle": "round",
            "offset": "0,0",
            "offset_map_unit_scale": _UNIT_SCALE,
            "offset_unit": "MM",
            "outline_color": _rgba(symbol.stroke),
            "outline_style": "no" if symbol.stroke is None else "dash" if symbol.dash else "solid",
            "outline_width": _mm(symbol.width),
            "outline_width_unit": "MM",
            "style": "no" if symbol.fill is None else "solid",
        }
    if symbol.kind == "line":
        return "SimpleLine", {
            "capstyle": "round",
            "customdash": "5;2",
            "customdash_map_unit_scale": _UNIT_SCALE,
            "customdash_unit": "MM",
            "draw_inside_polygon": "0",
            "joinstyle": "round",
            "line_color": _rgba(symbol.stroke),
            "line_style": "dash" if symbol.dash else "solid",
            "line_width": _mm(symbol.width),
            "line_width_unit": "MM",
            "offset": "0",
            "offset_map_unit_scale": _UNIT_SCALE,
            "offset_unit": "MM",
            "ring_filter": "0",
            "use_custom_dash": "0",
            "width_map_unit_scale": _UNIT_SCALE,
        }
    return "SimpleMarker", {
        "angle": "0",
        "color": _rgba(symbol.fill or symbol.stroke, symbol.fill_opacity),
        "horizontal_anchor_point": "1",
        "joinstyle": "bevel",
        "name": "circle",
        "offset": "0,0",
        "offset_map_unit_scale": _UNIT_SCALE,
        "offset_unit": "MM",
        "outline_color": _rgba(symbol.stroke),
        "outline_style": "no" if symbol.stroke is None else "solid",
        "outline_width": _mm(symbol.width),
        "outline_width_map_unit_scale": _UNIT_SCALE,
        "outline_width_unit": "MM",
        "scale_method": "diameter",
        "size": _mm(2 * symbol.size),
        "size_map_unit_scale": _UNIT_SCALE,
        "size_unit": "MM",
        "vertical_anchor_point": "1",
    }


def _symbol_element(symbol: Symbol, name: str) -> ET.Element:
    element = ET.Element(
        "symbol",
        {
            "type": symbol.kind,
            "name": name,
            "alpha": "1",
            "clip_to_extent": "1",
            "force_rhr": "0",
        },
    )
    cls, props = _properties(symbol)
    layer = ET.SubElement(
        element, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"}
    )
    # Both spellings: <Option> maps (QGIS 3.16+) and <prop> pairs (read by every QGIS 3).
    options = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in props.items():
        ET.SubElement(options, "Option", {"type": "QString", "name": key, "value": value})
    for key, value in props.items():
        ET.SubElement(layer, "prop", {"k": key, "v": value})
    return element


def _text(root: ET.Element) -> str:
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="unicode")


def _number(value: float) -> str:
    # The shortest text that reads back as the same double: QGIS compares raster values
    # with the numbers written here exactly.
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def renderer_element(style: LayerStyle) -> ET.Element:
    """The ``<renderer-v2>`` element of a style (shared by QML and project files)."""
    attrs = {
        "symbollevels": "0",
        "forceraster": "0",
        "referencescale": "-1",
        "enableorderby": "1" if style.order_by else "0",
    }
    symbols: list[Symbol]
    if style.renderer == "single":
        attrs["type"] = "singleSymbol"
        renderer = ET.Element("renderer-v2", attrs)
        symbols = [style.symbol] if style.symbol is not None else []
    elif style.renderer == "categorized":
        attrs.update(type="categorizedSymbol", attr=style.column or "")
        renderer = ET.Element("renderer-v2", attrs)
        categories = ET.SubElement(renderer, "categories")
        for i, c in enumerate(style.classes):
            ET.SubElement(
                categories,
                "category",
                {"value": c.value, "label": c.label, "symbol": str(i), "render": "true"},
            )
        symbols = [c.symbol for c in style.classes]
    else:
        attrs.update(type="graduatedSymbol", attr=style.column or "")
        attrs["graduatedMethod"] = "GraduatedColor"
        renderer = ET.Element("renderer-v2", attrs)
        ranges = ET.SubElement(renderer, "ranges")
        for i, r in enumerate(style.classes):
            ET.SubElement(
                ranges,
                "range",
                {
                    "lower": _number(r.lower),
                    "upper": _number(r.upper),
                    "label": r.label,
                    "symbol": str(i),
                    "render": "true",
                },
            )
        symbols = [r.symbol for r in style.classes]
    holder = ET.SubElement(renderer, "symbols")
    for i, symbol in enumerate(symbols):
        holder.append(_symbol_element(symbol, str(i)))
    if style.order_by:
        order = ET.SubElement(renderer, "orderby")
        clause = ET.SubElement(
            order, "orderByClause", {"asc": "0" if style.descending else "1", "nullsFirst": "0"}
        )
        clause.text = f'"{style.order_by}"'
    ET.SubElement(renderer, "rotation")
    ET.SubElement(renderer, "sizescale")
    return renderer


def _common_tail(parent: ET.Element, *, opacity: float = 1.0, vector: bool = True) -> None:
    ET.SubElement(parent, "blendMode").text = "0"
    if vector:
        ET.SubElement(parent, "featureBlendMode").text = "0"
    ET.SubElement(parent, "layerOpacity").text = _number(opacity)


def qml(style: LayerStyle) -> str:
    """The style as a QGIS QML document (symbology only).

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> from corridor_geo._styles import layer_style
    >>> text = qml(layer_style("axis", load_layout().axis))
    >>> 'name="line_color" value="227,26,28,255"' in text
    True
    """
    root = ET.Element("qgis", {"version": QGIS_VERSION, "styleCategories": "Symbology"})
    root.append(renderer_element(style))
    _common_tail(root)
    ET.SubElement(root, "layerGeometryType").text = {"marker": "0", "line": "1", "fill": "2"}[
        style.kind
    ]
    return _DOCTYPE + _text(root) + "\n"


# --- SLD -------------------------------------------------------------------------------
_SLD = "http://www.opengis.net/sld"
_SE = "http://www.opengis.net/se"
_OGC = "http://www.opengis.net/ogc"
ET.register_namespace("", _SLD)
ET.register_namespace("se", _SE)
ET.register_namespace("ogc", _OGC)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _svg(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, _q(_SE, "SvgParameter"), {"name": name}).text = value


def _stroke(parent: ET.Element, symbol: Symbol) -> None:
    if symbol.stroke is None:
        return
    stroke = ET.SubElement(parent, _q(_SE, "Stroke"))
    _svg(stroke, "stroke", symbol.stroke)
    _svg(stroke, "stroke-width", f"{symbol.width:g}")
    _svg(stroke, "stroke-linejoin", "round")
    if symbol.dash:
        _svg(stroke, "stroke-dasharray", "4 4")


def _symbolizer(parent: ET.Element, symbol: Symbol) -> None:
    if symbol.kind == "fill":
        element = ET.SubElement(parent, _q(_SE, "PolygonSymbolizer"))
        if symbol.fill is not None:
            fill = ET.SubElement(element, _q(_SE, "Fill"))
            _svg(fill, "fill", symbol.fill)
            _svg(fill, "fill-opacity", f"{symbol.fill_opacity:g}")
        _stroke(element, symbol)
    elif symbol.kind == "line":
        element = ET.SubElement(parent, _q(_SE, "LineSymbolizer"))
        _stroke(element, symbol)
    else:
        element = ET.SubElement(parent, _q(_SE, "PointSymbolizer"))
        graphic = ET.SubElement(element, _q(_SE, "Graphic"))
        mark = ET.SubElement(graphic, _q(_SE, "Mark"))
        ET.SubElement(mark, _q(_SE, "WellKnownName")).text = "circle"
        fill = ET.SubElement(mark, _q(_SE, "Fill"))
        _svg(fill, "fill", symbol.fill or symbol.stroke or "#000000")
        _svg(fill, "fill-opacity", f"{symbol.fill_opacity:g}")
        _stroke(mark, symbol)
        ET.SubElement(graphic, _q(_SE, "Size")).text = f"{2 * symbol.size:g}"


def _comparison(parent: ET.Element, op: str, column: str, value: str) -> None:
    element = ET.SubElement(parent, _q(_OGC, op))
    ET.SubElement(element, _q(_OGC, "PropertyName")).text = column
    ET.SubElement(element, _q(_OGC, "Literal")).text = value


def _rule(parent: ET.Element, label: str, symbol: Symbol) -> ET.Element:
    rule = ET.SubElement(parent, _q(_SE, "Rule"))
    ET.SubElement(rule, _q(_SE, "Name")).text = label
    description = ET.SubElement(rule, _q(_SE, "Description"))
    ET.SubElement(description, _q(_SE, "Title")).text = label
    return rule


def sld(style: LayerStyle) -> str:
    """The style as an OGC Styled Layer Descriptor 1.1 (Symbology Encoding).

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> from corridor_geo._styles import layer_style
    >>> text = sld(layer_style("cities", load_layout().cities))
    >>> "<ogc:Literal>ocean</ogc:Literal>" in text, "#1f78b4" in text
    (True, True)
    """
    root = ET.Element(
        _q(_SLD, "StyledLayerDescriptor"),
        {
            "version": "1.1.0",
            _q(
                "http://www.w3.org/2001/XMLSchema-instance", "schemaLocation"
            ): f"{_SLD} http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd",
        },
    )
    layer = ET.SubElement(root, _q(_SLD, "NamedLayer"))
    ET.SubElement(layer, _q(_SE, "Name")).text = style.name
    user = ET.SubElement(layer, _q(_SLD, "UserStyle"))
    ET.SubElement(user, _q(_SE, "Name")).text = style.name
    feature_style = ET.SubElement(user, _q(_SE, "FeatureTypeStyle"))
    if style.renderer == "single" and style.symbol is not None:
        _symbolizer(_rule(feature_style, style.title, style.symbol), style.symbol)
    for i, c in enumerate(style.classes):
        rule = _rule(feature_style, c.label, c.symbol)
        filt = ET.SubElement(rule, _q(_OGC, "Filter"))
        if isinstance(c, Category):
            _comparison(filt, "PropertyIsEqualTo", style.column or "", c.value)
        else:
            both = ET.SubElement(filt, _q(_OGC, "And"))
            low = "PropertyIsGreaterThanOrEqualTo" if i == 0 else "PropertyIsGreaterThan"
            _comparison(both, low, style.column or "", _number(c.lower))
            _comparison(both, "PropertyIsLessThanOrEqualTo", style.column or "", _number(c.upper))
        _symbolizer(rule, c.symbol)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _text(root) + "\n"


# --- raster ----------------------------------------------------------------------------
def _raster_pipe(path: str | os.PathLike[str], *, cmap: str, opacity: float) -> ET.Element:
    import numpy as np
    import rasterio

    with rasterio.open(path) as src:
        data = src.read(1, masked=True).astype("float64").filled(np.nan)
    finite = data[np.isfinite(data)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pipe = ET.Element("pipe")
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        {
            "type": "singlebandpseudocolor",
            "band": "1",
            "alphaBand": "-1",
            "opacity": _number(opacity),
            "nodataColor": "",
            "classificationMin": _number(vmin),
            "classificationMax": _number(vmax),
        },
    )
    # As in the report's map: cells at the minimum (no resource within reach) are clear.
    transparency = ET.SubElement(renderer, "rasterTransparency")
    pixels = ET.SubElement(transparency, "singleValuePixelList")
    ET.SubElement(
        pixels,
        "pixelListEntry",
        {"min": _number(vmin), "max": _number(vmin), "percentTransparent": "100"},
    )
    origin = ET.SubElement(renderer, "minMaxOrigin")
    for tag, text in (("limits", "None"), ("extent", "WholeRaster")):
        ET.SubElement(origin, tag).text = text
    shader = ET.SubElement(ET.SubElement(renderer, "rastershader"), "colorrampshader")
    shader.attrib.update(
        {
            "colorRampType": "INTERPOLATED",
            "classificationMode": "1",
            "clip": "0",
            "minimumValue": _number(vmin),
            "maximumValue": _number(vmax),
        }
    )
    stops = np.linspace(vmin, vmax, 11)
    for value, color in zip(stops, ramp_colors(stops, cmap, vmin, vmax)):
        ET.SubElement(
            shader,
            "item",
            {"value": _number(value), "color": color, "alpha": "255", "label": f"{value:,.4g}"},
        )
    ET.SubElement(pipe, "brightnesscontrast", {"brightness": "0", "contrast": "0"})
    ET.SubElement(pipe, "huesaturation", {"saturation": "0", "grayscaleMode": "0"})
    ET.SubElement(pipe, "rasterresampler", {"maxOversampling": "2"})
    return pipe


def raster_qml(
    path: str | os.PathLike[str], *, cmap: str = DENSITY_CMAP, opacity: float = RASTER_OPACITY
) -> str:
    """A pseudocolour QML for a single-band raster: the report's ramp over its value range.

    Cells at the minimum are transparent, as on the report's map.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from affine import Affine
    >>> from corridor_geo.raster import Raster
    >>> tif = Raster(np.arange(16.0).reshape(4, 4), Affine(100, 0, 540000, 0, -100, 4e6),
    ...              "EPSG:4549").to_geotiff(pathlib.Path(tempfile.mkdtemp()) / "d.tif")
    >>> 'classificationMax="15"' in raster_qml(tif)
    True
    """
    root = ET.Element("qgis", {"version": QGIS_VERSION, "styleCategories": "Symbology"})
    root.append(_raster_pipe(path, cmap=cmap, opacity=opacity))
    ET.SubElement(root, "blendMode").text = "0"
    return _DOCTYPE + _text(root) + "\n"


# --- GeoPackage layer_styles and sidecar files ----------------------------------------
def style_files(
    name: str, frame: Any, *, fields: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``{".qml": ..., ".sld": ...}`` for a layer written to its own file (none if empty).

    ``fields`` maps column names to the file's field names (Shapefile names are cut to 10
    characters).

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> sorted(style_files("cities", load_layout().cities))
    ['.qml', '.sld']
    """
    style = layer_style(name, frame)
    if style is None:
        return {}
    if fields:
        style = style.renamed(fields)
    return {".qml": qml(style), ".sld": sld(style)}


def store_styles(
    gpkg: str | os.PathLike[str],
    layers: Mapping[str, Any],
    *,
    description: str | None = None,
) -> int:
    """Store each layer's style in the GeoPackage's ``layer_styles`` table, as default.

    ``layers`` maps the GeoPackage's layer names to the frames written there.  A style
    stored earlier under the same layer and style name is replaced.  Returns the number of
    styles stored.

    Examples
    --------
    >>> import sqlite3, tempfile, pathlib
    >>> from corridor_geo import load_layout
    >>> lay = load_layout()
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "l.gpkg"
    >>> lay.axis.to_file(out, layer="axis", driver="GPKG")
    >>> store_styles(out, {"axis": lay.axis})
    1
    >>> with sqlite3.connect(out) as db:
    ...     db.execute("SELECT f_table_name, f_geometry_column, useAsDefault "
    ...                "FROM layer_styles").fetchall()
    [('axis', 'geom', 1)]
    """
    now = dt.datetime.now(dt.timezone.utc)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    text = description or f"corridor_geo {__version__}: the report's colours"
    db = sqlite3.connect(os.fspath(gpkg))
    try:
        geometry_columns = dict(
            db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        )
        db.execute(_CREATE_LAYER_STYLES)
        db.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "last_change) SELECT 'layer_styles', 'attributes', 'layer_styles', "
            "'QGIS styles of the layers', ? WHERE NOT EXISTS (SELECT 1 FROM gpkg_contents "
            "WHERE table_name = 'layer_styles')",
            (stamp,),
        )
        stored = 0
        for name, frame in layers.items():
            style = layer_style(name, frame)
            if style is None or name not in geometry_columns:
                continue
            db.execute(
                "DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?",
                (name, name),
            )
            db.execute(
                f"INSERT INTO layer_styles ({', '.join(LAYER_STYLES_COLUMNS)}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    "",
                    "",
                    name,
                    geometry_columns[name],
                    name,
                    qml(style),
                    sld(style),
                    1,
                    text,
                    "",
                    None,
                    stamp,
                ),
            )
            stored += 1
        db.commit()
    finally:
        db.close()
    return stored


# --- project ---------------------------------------------------------------------------
def _srs(crs: Any) -> ET.Element:
    from pyproj import CRS

    crs = CRS.from_user_input(crs)
    auth = crs.to_authority()
    element = ET.Element("spatialrefsys")
    ET.SubElement(element, "wkt").text = crs.to_wkt()
    ET.SubElement(element, "proj4").text = ""
    ET.SubElement(element, "srsid").text = "0"
    ET.SubElement(element, "srid").text = auth[1] if auth and auth[0] == "EPSG" else "0"
    ET.SubElement(element, "authid").text = ":".join(auth) if auth else ""
    ET.SubElement(element, "description").text = crs.name
    ET.SubElement(element, "projectionacronym").text = ""
    ET.SubElement(element, "ellipsoidacronym").text = ""
    ET.SubElement(element, "geographicflag").text = "true" if crs.is_geographic else "false"
    return element


def _extent(parent: ET.Element, tag: str, bounds) -> ET.Element:
    element = ET.SubElement(parent, tag)
    for key, value in zip(("xmin", "ymin", "xmax", "ymax"), bounds):
        ET.SubElement(element, key).text = _number(float(value))
    return element


def _layer_id(name: str, i: int) -> str:
    return f"{name}_{i:02d}_corridor_geo"


MANY_POINTS = 500
"""Point layers with more features start switched off in a project (they hide the rest)."""


def project_qgz(
    gpkg: str | os.PathLike[str],
    layers: Mapping[str, Any],
    *,
    raster: str | os.PathLike[str] | None = None,
    focus: str = "corridor",
    title: str = "corridor_geo",
) -> bytes:
    """A QGIS project (``.qgz`` bytes) of the GeoPackage's layers, styled and in order.

    The project is meant to lie in the GeoPackage's folder (paths are relative).  Layers
    are drawn in the report's order (boundaries, the density raster, zones, isochrones,
    circles, the corridor, the axis, points on top); the project's CRS is the
    GeoPackage's, and it opens on the ``focus`` layer's extent.  Point layers of more than
    :data:`MANY_POINTS` features are in the project but switched off.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile, io
    >>> from corridor_geo import load_layout
    >>> lay = load_layout()
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "l.gpkg"
    >>> paths = lay.to_file(out, crs="EPSG:4549")
    >>> data = project_qgz(out, {n: lay[n] for n in ("corridor", "axis")})
    >>> zipfile.ZipFile(io.BytesIO(data)).namelist()
    ['l.qgs']
    """
    import pyogrio

    gpkg = Path(gpkg)
    entries: list[tuple[int, ET.Element, ET.Element]] = []
    crs_of_project = None
    focus_bounds = None
    all_bounds: list[tuple[float, float, float, float]] = []
    for i, (name, frame) in enumerate(layers.items()):
        style = layer_style(name, frame)
        if style is None:
            continue
        info = pyogrio.read_info(gpkg, layer=name, force_total_bounds=True)
        bounds = tuple(float(v) for v in info["total_bounds"])
        crs_of_project = crs_of_project or info["crs"]
        all_bounds.append(bounds)
        if name == focus:
            focus_bounds = bounds
        source = f"./{gpkg.name}|layername={name}"
        layer = ET.Element(
            "maplayer",
            {
                "type": "vector",
                "geometry": _GEOMETRY[style.kind],
                "styleCategories": "AllStyleCategories",
                "hasScaleBasedVisibilityFlag": "0",
                "minScale": "1e+08",
                "maxScale": "0",
            },
        )
        _extent(layer, "extent", bounds)
        ET.SubElement(layer, "id").text = _layer_id(name, i)
        ET.SubElement(layer, "datasource").text = source
        ET.SubElement(layer, "layername").text = name
        ET.SubElement(layer, "srs").append(_srs(info["crs"]))
        ET.SubElement(layer, "provider", {"encoding": "UTF-8"}).text = "ogr"
        layer.append(renderer_element(style))
        _common_tail(layer)
        node = ET.Element(
            "layer-tree-layer",
            {
                "id": _layer_id(name, i),
                "name": name,
                "source": source,
                "providerKey": "ogr",
                # thousands of points would hide every layer beneath: listed, switched off
                "checked": "Qt::Unchecked"
                if style.kind == "marker" and info["features"] > MANY_POINTS
                else "Qt::Checked",
                "expanded": "0",
            },
        )
        entries.append((style.rank, layer, node))
    if raster is not None:
        import rasterio

        raster = Path(raster)
        with rasterio.open(raster) as src:
            r_bounds, r_crs = tuple(src.bounds), src.crs.to_wkt()
        rid = _layer_id(raster.stem, len(entries) + 1)
        layer = ET.Element("maplayer", {"type": "raster", "styleCategories": "AllStyleCategories"})
        _extent(layer, "extent", r_bounds)
        ET.SubElement(layer, "id").text = rid
        ET.SubElement(layer, "datasource").text = f"./{raster.name}"
        ET.SubElement(layer, "layername").text = raster.stem
        ET.SubElement(layer, "srs").append(_srs(r_crs))
        ET.SubElement(layer, "provider").text = "gdal"
        layer.append(_raster_pipe(raster, cmap=DENSITY_CMAP, opacity=RASTER_OPACITY))
        ET.SubElement(layer, "blendMode").text = "0"
        node = ET.Element(
            "layer-tree-layer",
            {
                "id": rid,
                "name": raster.stem,
                "source": f"./{raster.name}",
                "providerKey": "gdal",
                "checked": "Qt::Checked",
                "expanded": "0",
            },
        )
        entries.append((RASTER_RANK, layer, node))
    if not entries:
        raise InputError(f"{gpkg.name}: no layer with geometries to put in a QGIS project")
    # Stable sort: equal ranks keep the order given.
    bottom_up = sorted(entries, key=lambda e: e[0])
    if focus_bounds is None:
        xs = [b for bounds in all_bounds for b in (bounds[0], bounds[2])] or [0.0, 1.0]
        ys = [b for bounds in all_bounds for b in (bounds[1], bounds[3])] or [0.0, 1.0]
        focus_bounds = (min(xs), min(ys), max(xs), max(ys))
    x0, y0, x1, y1 = focus_bounds
    pad = 0.05 * max(x1 - x0, y1 - y0)
    view = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)

    root = ET.Element(
        "qgis", {"version": QGIS_VERSION, "projectname": title, "saveUser": "corridor_geo"}
    )
    ET.SubElement(root, "homePath", {"path": ""})
    ET.SubElement(root, "title").text = title
    project_crs = _srs(crs_of_project or "EPSG:4326")
    ET.SubElement(root, "projectCrs").append(project_crs)
    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    for _, _, node in reversed(bottom_up):  # the layer tree lists the top layer first
        ET.SubElement(node, "customproperties")
        tree.append(node)
    order = ET.SubElement(tree, "custom-order", {"enabled": "0"})
    for _, layer, _ in bottom_up:
        ET.SubElement(order, "item").text = layer.findtext("id")
    projectlayers = ET.SubElement(root, "projectlayers")
    for _, layer, _ in bottom_up:
        projectlayers.append(layer)
    layerorder = ET.SubElement(root, "layerorder")
    for _, layer, _ in bottom_up:
        ET.SubElement(layerorder, "layer", {"id": layer.findtext("id") or ""})
    geographic = project_crs.findtext("geographicflag") == "true"
    canvas = ET.SubElement(root, "mapcanvas", {"name": "theMapCanvas", "annotationsVisible": "1"})
    ET.SubElement(canvas, "units").text = "degrees" if geographic else "meters"
    _extent(canvas, "extent", view)
    ET.SubElement(canvas, "rotation").text = "0"
    ET.SubElement(canvas, "destinationsrs").append(_srs(crs_of_project or "EPSG:4326"))
    ET.SubElement(canvas, "rendermaptile").text = "0"
    properties = ET.SubElement(root, "properties")
    paths = ET.SubElement(properties, "Paths")
    ET.SubElement(paths, "Absolute", {"type": "bool"}).text = "false"
    srs_settings = ET.SubElement(properties, "SpatialRefSys")
    ET.SubElement(srs_settings, "ProjectionsEnabled", {"type": "int"}).text = "1"
    settings = ET.SubElement(root, "ProjectViewSettings", {"UseProjectScales": "0"})
    ET.SubElement(settings, "Scales")
    default = ET.SubElement(
        settings,
        "DefaultViewExtent",
        dict(zip(("xmin", "ymin", "xmax", "ymax"), map(_number, view))),
    )
    default.append(_srs(crs_of_project or "EPSG:4326"))
    text = _DOCTYPE + _text(root) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{gpkg.stem}.qgs", text.encode("utf-8"))
    return buffer.getvalue()
