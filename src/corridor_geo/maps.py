"""Interactive maps with folium: the layout and any analysis result on one map.

Start with :func:`explore_layout` (or ``layout.explore()``), then add results with
:func:`add_points`, :func:`add_zones` (choropleth), :func:`add_raster` (e.g. a kernel
density GeoTIFF), :func:`add_isochrones` and :func:`add_axis_markers`.  Every ``add_*``
function keeps one layer control and one legend (a control at the bottom right, inside the
map frame), so layers can be added in any order, and returns the same ``folium.Map`` (it
displays in Jupyter).  Maps zoom in tenths of a level, so :func:`fit_to` (used by
:func:`explore_layout` for the corridor) fills the frame with what it fits.

Basemaps
--------
``"osm"`` (default)
    OpenStreetMap tiles, drawn in WGS84 (Web Mercator).
``"amap"``, ``"amap-satellite"``
    Amap (高德) tiles.  Chinese web maps draw in **GCJ-02**: with these basemaps every layer
    is shifted into GCJ-02 with :func:`corridor_geo.crs.to_datum` before drawing, so it lines
    up with the streets of the tiles.  The map remembers this in ``m.corridor_geo_datum``.
``"tianditu"``, ``"tianditu-satellite"``
    Tianditu (天地图, the national platform) vector or imagery tiles with their Chinese
    labels, drawn in CGCS2000, which agrees with WGS84 to about a metre: no shift.  They
    need a key (``tianditu_key=``), and every tile URL carries it, so **the key is written
    into the map's HTML**: a saved file or a notebook's output shows it.  The key is never
    read from the environment for this: pass it explicitly to accept that, preferably a
    browser key restricted to your domain in Tianditu's console; a warning repeats it.
``"blank"``
    No tiles at all: for offline use and reproducible screenshots.

Safety
------
Names and attributes come from user files.  They are always HTML-escaped before they reach
the page (tooltips, popups, layer names, legends), so a name such as
``<img src=x onerror=alert(1)>`` shows as text and never runs.

Assets
------
``assets="inline"`` (default) embeds Leaflet 1.9.4 (BSD-2-Clause, bundled in
``corridor_geo/_vendor/leaflet``) in the page, which then works with no network at all;
``assets="cdn"`` links it from jsDelivr instead (smaller files).  No other JavaScript or
CSS library is loaded.
"""

from __future__ import annotations

import base64
import io
import json
import re
import warnings
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import InputError
from ._html import esc
from ._styles import (
    CIRCLE_COLOR,
    CIRCLE_KIND_COLORS,
    CITY_COLORS,
    ISOCHRONE_CMAP,
    ISOCHRONE_OPACITY,
    LAYOUT_STYLE,
    POINT_COLOR,
    RASTER_OPACITY,
    ZONE_CMAP,
    ZONE_OPACITY,
    band_colors,
    ramp_colors,
)
from ._text import listing
from .crs import ANALYSIS_CRS, datum_of, to_datum

__all__ = [
    "BASEMAPS",
    "add_axis_markers",
    "add_isochrones",
    "add_points",
    "add_raster",
    "add_zones",
    "esc",
    "explore_boundaries",
    "explore_comparison",
    "explore_layout",
    "explore_object",
    "fit_to",
    "map_to_html",
    "new_map",
    "save_map",
]

# Tianditu WMTS tiles in Web Mercator ("_w" layers); {tk} is the key.
_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={{tk}}"
)

BASEMAPS: dict[str, dict[str, Any]] = {
    "osm": {
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": "&copy; OpenStreetMap contributors",
        "datum": "WGS84",
        "max_zoom": 19,
    },
    "amap": {
        "tiles": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        "attr": "&copy; 高德地图 AutoNavi (GCJ-02)",
        "datum": "GCJ02",
        "subdomains": "1234",
        "max_zoom": 18,
    },
    "amap-satellite": {
        "tiles": "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
        "attr": "&copy; 高德地图 AutoNavi (GCJ-02)",
        "datum": "GCJ02",
        "subdomains": "1234",
        "max_zoom": 18,
    },
    "tianditu": {
        "tiles": _TIANDITU.format(layer="vec"),
        "overlay": _TIANDITU.format(layer="cva"),
        "attr": "&copy; 天地图 Tianditu (CGCS2000)",
        "datum": "WGS84",
        "subdomains": "01234567",
        "max_zoom": 18,
        "key": "tianditu_key",
    },
    "tianditu-satellite": {
        "tiles": _TIANDITU.format(layer="img"),
        "overlay": _TIANDITU.format(layer="cia"),
        "attr": "&copy; 天地图 Tianditu (CGCS2000)",
        "datum": "WGS84",
        "subdomains": "01234567",
        "max_zoom": 18,
        "key": "tianditu_key",
    },
    "blank": {"tiles": None, "attr": "", "datum": "WGS84", "max_zoom": 19},
}
"""Basemaps by name: tile URL, attribution and the datum the tiles are drawn in."""

_VENDOR = Path(__file__).resolve().parent / "_vendor" / "leaflet"
_CDN = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/"
ZOOM_SNAP = 0.1
"""Maps zoom in steps of 0.1 level, so a map fitted to the corridor fills its frame."""
FIT_PADDING_PX = 12


def _folium():
    try:
        import folium
    except ImportError as exc:  # pragma: no cover - folium is a core dependency
        raise ImportError('maps need folium: pip install "corridor-geo"') from exc
    return folium


@lru_cache(maxsize=1)
def _inline_assets() -> tuple[str, str]:
    js = (_VENDOR / "leaflet.js").read_bytes()
    css = (_VENDOR / "leaflet.css").read_text(encoding="utf-8")

    def image(match: re.Match[str]) -> str:
        data = (_VENDOR / "images" / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode()})"

    css = re.sub(r"url\(images/([a-z0-9-]+\.png)\)", image, css)
    js_uri = "data:text/javascript;base64," + base64.b64encode(js).decode()
    css_uri = "data:text/css;base64," + base64.b64encode(css.encode()).decode()
    return js_uri, css_uri


def new_map(
    *,
    location: Sequence[float] = (36.29, 120.60),
    zoom_start: int = 10,
    basemap: str = "osm",
    assets: str = "inline",
    width: str | int = "100%",
    height: str | int = "100%",
    tianditu_key: str | None = None,
):
    """An empty folium Map with the chosen basemap, ready for the ``add_*`` functions.

    Parameters
    ----------
    location : (lat, lon)
        Initial centre in WGS84; shifted to GCJ-02 for Chinese basemaps.
    zoom_start : int
    basemap : {"osm", "amap", "amap-satellite", "tianditu", "tianditu-satellite", "blank"}
    assets : {"inline", "cdn"}
        Embed Leaflet in the page (works offline) or link it from a CDN.
    width, height : str or int
    tianditu_key : str, optional
        Key of the Tianditu basemaps; written into the page (see the module notes).

    Returns
    -------
    folium.Map
        With ``m.corridor_geo_datum`` set to the datum its layers are drawn in.

    Examples
    --------
    >>> m = new_map(basemap="amap")
    >>> m.corridor_geo_datum
    'GCJ02'
    """
    folium = _folium()
    if basemap not in BASEMAPS:
        raise InputError(f"unknown basemap {basemap!r}: use one of {', '.join(BASEMAPS)}")
    if assets not in ("inline", "cdn"):
        raise InputError(f"assets must be 'inline' or 'cdn', got {assets!r}")
    spec = BASEMAPS[basemap]
    tiles, overlay = spec["tiles"], spec.get("overlay")
    if spec.get("key") == "tianditu_key":
        tiles, overlay = _tianditu_urls(tiles, overlay, tianditu_key, basemap)
    lat, lon = location
    if spec["datum"] == "GCJ02":
        from .crs import wgs84_to_gcj02

        lon, lat = wgs84_to_gcj02(lon, lat)
    m = folium.Map(
        location=[lat, lon],
        zoom_start=zoom_start,
        tiles=None,
        width=width,
        height=height,
        control_scale=True,
        max_zoom=spec["max_zoom"],
        zoom_snap=ZOOM_SNAP,
    )
    if assets == "inline":
        js, css = _inline_assets()
    else:
        js, css = _CDN + "leaflet.js", _CDN + "leaflet.css"
    m.default_js = [("leaflet", js)]
    m.default_css = [("leaflet_css", css)]
    kwargs = {"subdomains": spec["subdomains"]} if "subdomains" in spec else {}
    for url, part in ((tiles, "basemap"), (overlay, "labels")):
        if url is not None:
            folium.TileLayer(
                tiles=url,
                attr=spec["attr"],
                name=esc(f"{part}: {basemap}"),
                max_zoom=spec["max_zoom"],
                control=False,
                overlay=part == "labels",
                **kwargs,
            ).add_to(m)
    m.corridor_geo_datum = spec["datum"]
    m.corridor_geo_basemap = basemap
    m.corridor_geo_legend = []
    return m


def _tianditu_urls(tiles: str, overlay: str, key: str | None, basemap: str) -> tuple[str, str]:
    if not key or not str(key).strip():
        raise InputError(
            f"basemap {basemap!r} needs a Tianditu key: every tile URL carries it, so it is "
            "written into the map's HTML (saved files, notebook outputs). Pass "
            "tianditu_key=... to accept that (a browser key restricted to your domain is "
            "safest), or use basemap='osm'"
        )
    warnings.warn(
        "the Tianditu key is written into this map's HTML (every tile URL carries it): "
        "do not publish the saved map or the notebook output unless the key is "
        "restricted to your domain",
        UserWarning,
        stacklevel=3,
    )
    from urllib.parse import quote

    tk = quote(str(key).strip(), safe="")
    return tiles.replace("{tk}", tk), overlay.replace("{tk}", tk)


def _datum_of_map(m) -> str:
    return getattr(m, "corridor_geo_datum", "WGS84")


def _for_map(m, frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise InputError(f"{what} must be a GeoDataFrame or GeoSeries, got {type(frame).__name__}")
    if isinstance(frame, gpd.GeoSeries):
        frame = gpd.GeoDataFrame(geometry=frame)
    datum_of(frame)  # raises MissingCRSError with the fix
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    return to_datum(frame, _datum_of_map(m))


def _geojson_data(frame: gpd.GeoDataFrame, columns: Sequence[str]) -> dict[str, Any]:
    """GeoJSON dict whose properties are HTML-escaped display strings."""
    props = pd.DataFrame(index=frame.index)
    for col in columns:
        values = frame[col]
        if pd.api.types.is_float_dtype(values):
            props[col] = [esc(f"{v:,.4g}") if pd.notna(v) else "" for v in values]
        else:
            props[col] = [esc(v) for v in values]
    geometries = shapely.to_geojson(np.asarray(frame.geometry.values, dtype=object))
    records = props.to_dict("records")
    features = [
        {
            "type": "Feature",
            "properties": {k: record[k] for k in columns},
            "geometry": json.loads(geometry),
        }
        for record, geometry in zip(records, geometries)
    ]
    return {"type": "FeatureCollection", "features": features}


CONTROL_ROW_PX = 22
"""Height of one entry of Leaflet's layer control (13 px text, checkbox, spacing)."""


def _collapse_control(m) -> bool:
    """Whether the layer control starts folded into its icon.

    Open, it takes the top-right corner and the legend the bottom-right one (at most half
    the map's height): it stays open only while its entries fit in the other half, so the
    two never overlap. On a map of unknown pixel height, more than 8 entries fold it.
    """
    folium = _folium()
    entries = sum(
        1
        for child in m._children.values()
        if isinstance(child, folium.map.Layer) and getattr(child, "control", True)
    )
    value, unit = getattr(m, "height", (None, None))
    if unit == "px" and value:
        return entries * CONTROL_ROW_PX + 20 > 0.5 * float(value) - 20
    return entries > 8


def _refresh_controls(m) -> None:
    """Keep one LayerControl and one legend, after every layer."""
    folium = _folium()
    for key in [k for k, child in m._children.items() if getattr(child, "_corridor_geo", False)]:
        del m._children[key]
    control = folium.LayerControl(collapsed=_collapse_control(m))
    control._corridor_geo = True
    control.add_to(m)
    items = getattr(m, "corridor_geo_legend", [])
    if items:
        legend = _Legend(items)
        legend._corridor_geo = True
        legend.add_to(m)


def _legend_class():
    from branca.element import MacroElement
    from jinja2 import Template

    class Legend(MacroElement):
        # A Leaflet control in the map's bottom-right corner: inside the map frame, above
        # the attribution, never against the page; at most half the map's height (it
        # scrolls beyond that), and clicks or wheel turns on it do not move the map.
        _template = Template(
            """
            {% macro header(this, kwargs) %}
            <style>
            .corridor-geo-legend { background: rgba(255,255,255,0.92); padding: 6px 10px;
              border-radius: 4px; font: 12px/1.4 sans-serif; box-shadow: 0 1px 4px #888;
              overflow-y: auto; max-width: 360px; box-sizing: border-box; }
            </style>
            {% endmacro %}
            {% macro script(this, kwargs) %}
            (function () {
              var map = {{ this._parent.get_name() }};
              var legend = L.control({position: "bottomright"});
              legend.onAdd = function () {
                var div = L.DomUtil.create("div", "corridor-geo-legend");
                div.innerHTML = {{ this.body_js }};
                div.style.maxHeight = Math.max(80, 0.5 * map.getSize().y) + "px";
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
              };
              legend.addTo(map);
            })();
            {% endmacro %}
            """
        )

        def __init__(self, items: list[tuple[str, str, str]]):
            super().__init__()
            self._name = "CorridorGeoLegend"
            rows = []
            for kind, color, label in items:
                shape = (
                    f"border-top: 4px solid {esc(color)}; height: 0; margin-top: 6px;"
                    if kind == "line"
                    else f"background: {esc(color)}; opacity: 0.75; height: 10px;"
                )
                rows.append(
                    f'<div style="display:flex;gap:6px;align-items:flex-start">'
                    f'<span style="display:inline-block;flex:none;width:18px;{shape}"></span>'
                    f"<span>{esc(label)}</span></div>"
                )
            self.body = "".join(rows)
            # A JavaScript string; "<" and ">" escaped so that nothing in it can close the
            # script element (the labels themselves are HTML-escaped already).
            self.body_js = (
                json.dumps(self.body, ensure_ascii=False)
                .replace("<", "\\u003c")
                .replace(">", "\\u003e")
                .replace("\u2028", "\\u2028")
                .replace("\u2029", "\\u2029")
            )

    return Legend


def _Legend(items):  # noqa: N802 - factory of a branca element class
    return _legend_class()(items)


def _add_geojson(
    m,
    frame: gpd.GeoDataFrame,
    *,
    name: str,
    fields: Sequence[str],
    aliases: Sequence[str],
    style: dict[str, Any] | None = None,
    style_column: str | None = None,
    colors: dict[str, str] | None = None,
    show: bool = True,
):
    folium = _folium()
    data = _geojson_data(
        frame, list(dict.fromkeys([*fields, *([style_column] if style_column else [])]))
    )
    base = dict(style or {})

    if style_column is not None and colors:
        raw = dict(zip(frame.index, frame[style_column].astype(str)))
        for feat, key in zip(data["features"], raw.values()):
            feat["properties"]["_color"] = colors.get(key, "#666666")

        def style_function(feature, _base=base):
            color = feature["properties"].get("_color", "#666666")
            return {**_base, "color": color, "fillColor": color}
    else:

        def style_function(feature, _base=base):
            return dict(_base)

    tooltip = (
        folium.GeoJsonTooltip(fields=list(fields), aliases=[esc(a) for a in aliases], sticky=True)
        if fields
        else None
    )
    layer = folium.GeoJson(
        data, name=esc(name), style_function=style_function, tooltip=tooltip, show=show
    )
    layer.add_to(m)
    return layer


def _labels(lang: str) -> tuple[str, str]:
    if lang not in ("zh", "en", "both"):
        raise InputError(f"lang must be 'zh', 'en' or 'both', got {lang!r}")
    return lang, ""


def _name_fields(frame: pd.DataFrame, lang: str, zh: str = "name_zh", en: str = "name_en"):
    _labels(lang)
    fields, aliases = [], []
    if lang in ("zh", "both") and zh in frame:
        fields.append(zh)
        aliases.append("名称")
    if lang in ("en", "both") and en in frame:
        fields.append(en)
        aliases.append("Name")
    return fields, aliases


def explore_layout(
    layout,
    *,
    basemap: str = "osm",
    lang: str = "both",
    layers: Iterable[str] = ("districts", "corridor", "cities", "circles", "axis"),
    assets: str = "inline",
    width: str | int = "100%",
    height: str | int = 600,
    simplify_deg: float = 1e-4,
    tianditu_key: str | None = None,
):
    """An interactive map of the corridor's layout.

    Parameters
    ----------
    layout : CorridorLayout
    basemap : {"osm", "amap", "amap-satellite", "tianditu", "tianditu-satellite", "blank"}
        See the module notes; Amap basemaps shift every layer into GCJ-02.
    lang : {"zh", "en", "both"}
        Language of tooltips and legend labels.
    layers : iterable of str
        Which layers to draw, bottom to top.  ``subdistricts`` (街道/镇, 135 outlines) is
        optional and off by default: list it to draw it (it adds about 0.8 MB to the page),
        e.g. ``layers=("subdistricts", "districts", "corridor", "cities", "axis")``.
    assets : {"inline", "cdn"}
    width, height : str or int
    simplify_deg : float
        Display simplification of the district outlines, in degrees (0 to draw them
        exactly).
    tianditu_key : str, optional
        Key of the Tianditu basemaps, written into the page (see the module notes).

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> m = explore_layout(load_layout(), basemap="blank")
    >>> "海洋科技城" in m.get_root().render()
    True
    """
    m = new_map(
        basemap=basemap, assets=assets, width=width, height=height, tianditu_key=tianditu_key
    )
    zh_first = lang != "en"
    for name in layers:
        frame = _for_map(m, layout[name], f"layer {name}")
        if name in ("districts", "subdistricts", "city") and simplify_deg > 0:
            # Display only: district outlines are dense; 1e-4 degree is about 10 m.
            frame = frame.assign(geometry=frame.geometry.simplify(simplify_deg))
        style = LAYOUT_STYLE.get(name, {})
        if name == "cities":
            fields, aliases = _name_fields(frame, lang)
            fields += ["official_area_km2", "area_km2", "status"]
            aliases += ["面积 official km²", "面积 measured km²", "status"]
            _add_geojson(
                m,
                frame,
                name="三城 cities" if lang == "both" else ("三城" if zh_first else "Cities"),
                fields=fields,
                aliases=aliases,
                style=style,
                style_column="key",
                colors=CITY_COLORS,
            )
            for key, color in CITY_COLORS.items():
                row = frame.loc[frame["key"] == key]
                if len(row):
                    label = _bilingual(
                        row.iloc[0].get("name_zh"), row.iloc[0].get("name_en"), lang
                    )
                    m.corridor_geo_legend.append(("area", color, label))
        elif name == "circles":
            fields, aliases = _name_fields(frame, lang, zh="site_zh", en="site_en")
            kind_fields, kind_aliases = _name_fields(frame, lang, zh="kind_zh", en="kind_en")
            fields = kind_fields + fields + ["radius_m", "anchor_zh"]
            aliases = [f"{a} (kind)" for a in kind_aliases] + aliases + ["radius m", "anchor"]
            by_kind = "kind" in frame.columns
            colors = {**CIRCLE_KIND_COLORS}
            if by_kind:
                for kind in frame["kind"].astype(str):
                    colors.setdefault(kind, CIRCLE_COLOR)
            _add_geojson(
                m,
                frame,
                name=_bilingual("生态圈", "ecosystem circles", lang),
                fields=fields,
                aliases=aliases,
                style=style,
                style_column="kind" if by_kind else None,
                colors=colors if by_kind else None,
            )
            if by_kind:
                for _, row in frame.drop_duplicates("kind").iterrows():
                    label = _bilingual(row.get("kind_zh"), row.get("kind_en"), lang)
                    m.corridor_geo_legend.append(("line", colors[str(row["kind"])], label))
            else:
                m.corridor_geo_legend.append(
                    ("area", style["color"], _bilingual("生态圈", "ecosystem circle", lang))
                )
        else:
            fields, aliases = _name_fields(frame, lang)
            label = {
                "corridor": _bilingual("科创大走廊", "corridor", lang),
                "axis": _bilingual("滨海大道 (轴线)", "Binhai Avenue (axis)", lang),
                "districts": _bilingual("区(市)界", "districts", lang),
                "subdistricts": _bilingual("街道/镇界", "sub-districts", lang),
                "city": _bilingual("青岛市", "Qingdao", lang),
            }.get(name, name)
            _add_geojson(
                m,
                frame,
                name=label,
                fields=fields,
                aliases=aliases,
                style=style,
                show=True,
            )
            if name in ("corridor", "axis"):
                m.corridor_geo_legend.append(("line", style["color"], label))
    fit_to(m, layout.corridor)
    _refresh_controls(m)
    return m


def fit_to(m, frame: gpd.GeoDataFrame | gpd.GeoSeries, *, padding: int = FIT_PADDING_PX):
    """Open the map on the bounds of ``frame`` (e.g. the corridor), filling the frame.

    Maps zoom in tenths of a level (:data:`ZOOM_SNAP`), so the bounds fill the map's
    frame to within ``padding`` pixels on their longer side, not to the nearest whole
    zoom level (which can leave half of the frame empty).

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> m = fit_to(new_map(basemap="blank"), load_layout().corridor)
    >>> "fitBounds" in m.get_root().render()
    True
    """
    bounds = _for_map(m, frame, "the bounds to fit").total_bounds
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], padding=(padding, padding))
    return m


def _bilingual(zh: Any, en: Any, lang: str) -> str:
    if lang == "zh":
        return str(zh)
    if lang == "en":
        return str(en)
    return f"{zh} {en}"


def add_points(
    m,
    points: gpd.GeoDataFrame,
    *,
    name: str,
    label_column: str | None = None,
    popup_columns: Sequence[str] | None = None,
    color: str = POINT_COLOR,
    color_column: str | None = None,
    colors: dict[str, str] | None = None,
    radius: float = 5,
):
    """Add points (e.g. resources) as circle markers with a tooltip and a popup.

    Parameters
    ----------
    m : folium.Map
        From :func:`new_map` or :func:`explore_layout`.
    points : GeoDataFrame
        Point geometries with a CRS; shifted into the map's datum.
    name : str
        Layer name (escaped).
    label_column : str, optional
        Column shown as the tooltip.
    popup_columns : sequence of str, optional
        Columns listed in the popup (values escaped).
    color : str
        Marker colour, or per category with ``color_column`` and ``colors``.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame({"name": ["<b>lab</b>"]},
    ...                        geometry=[shapely.Point(120.47, 36.11)], crs="EPSG:4326")
    >>> m = add_points(new_map(basemap="blank"), pts, name="labs", label_column="name")
    >>> "<b>lab</b>" in m.get_root().render()  # escaped, never raw HTML
    False
    """
    folium = _folium()
    frame = _for_map(m, points, "points")
    if not frame.geometry.geom_type.isin(["Point"]).all():
        raise InputError("add_points needs Point geometries; use add_zones for polygons")
    for col in [c for c in [label_column, color_column, *(popup_columns or [])] if c]:
        if col not in frame.columns:
            raise InputError(
                f"points have no column {col!r}; columns: {listing(frame.columns, quote=True)}"
            )
    frame = frame.copy()
    if color_column and colors:
        frame["_key"] = frame[color_column].astype(str)
        palette = {k: colors.get(k, color) for k in frame["_key"].unique()}
    else:
        frame["_key"] = "all"
        palette = {"all": color}
    fields = list(dict.fromkeys([c for c in [label_column, *(popup_columns or [])] if c]))
    data = _geojson_data(frame, [*fields, "_key"])
    for feat, key in zip(data["features"], frame["_key"]):
        feat["properties"]["_color"] = palette[key]

    def style_function(feature):
        c = feature["properties"]["_color"]
        return {"color": c, "fillColor": c, "fillOpacity": 0.8, "weight": 1, "radius": radius}

    tooltip = folium.GeoJsonTooltip([label_column], labels=False) if label_column else None
    popup = (
        folium.GeoJsonPopup(list(popup_columns), aliases=[esc(c) for c in popup_columns])
        if popup_columns
        else None
    )
    folium.GeoJson(
        data,
        name=esc(name),
        marker=folium.CircleMarker(radius=radius, fill=True),
        style_function=style_function,
        tooltip=tooltip,
        popup=popup,
    ).add_to(m)
    if color_column and colors:
        for key, c in palette.items():
            m.corridor_geo_legend.append(("area", c, f"{name}: {key}"))
    else:
        m.corridor_geo_legend.append(("area", color, name))
    _refresh_controls(m)
    return m


def _ramp(values: np.ndarray, cmap: str, vmin: float, vmax: float) -> list[str]:
    return ramp_colors(values, cmap, vmin, vmax)


def add_zones(
    m,
    zones: gpd.GeoDataFrame,
    column: str,
    *,
    name: str,
    label_column: str | None = None,
    cmap: str = ZONE_CMAP,
    legend: str | None = None,
    opacity: float = ZONE_OPACITY,
):
    """Add polygons coloured by a numeric column (a choropleth of density, share...).

    Parameters
    ----------
    m : folium.Map
    zones : GeoDataFrame
        Polygons with a CRS and the numeric ``column``.
    column : str
        Values to colour by (NaN drawn grey).
    name : str
        Layer name.
    label_column : str, optional
        Name shown in the tooltip beside the value.
    cmap : str
        A matplotlib colormap name.
    legend : str, optional
        Legend title (defaults to ``column``); the legend shows the value range.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> lay = load_layout()
    >>> m = add_zones(new_map(basemap="blank"), lay.cities, "area_km2", name="area",
    ...               label_column="name_zh")
    >>> "area" in m.get_root().render()
    True
    """
    frame = _for_map(m, zones, "zones")
    if column not in frame.columns:
        raise InputError(
            f"zones have no column {column!r}; columns: {listing(frame.columns, quote=True)}"
        )
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    finite = values[np.isfinite(values)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    frame = frame.assign(_value_color=_ramp(values, cmap, vmin, vmax))
    frame["_key"] = [str(i) for i in range(len(frame))]
    colors = dict(zip(frame["_key"], frame["_value_color"]))
    fields = ([label_column] if label_column else []) + [column]
    _add_geojson(
        m,
        frame,
        name=name,
        fields=fields,
        aliases=fields,
        style={"weight": 1, "color": "#555555", "fillOpacity": opacity},
        style_column="_key",
        colors=colors,
    )
    title = legend or column
    low, high = _ramp(np.array([vmin, vmax]), cmap, vmin, vmax)
    m.corridor_geo_legend.append(("area", low, f"{title}: {vmin:,.4g}"))
    m.corridor_geo_legend.append(("area", high, f"{title}: {vmax:,.4g}"))
    _refresh_controls(m)
    return m


def add_isochrones(
    m,
    isochrones: gpd.GeoDataFrame,
    *,
    name: str = "isochrones",
    band_column: str = "minutes",
    cmap: str = ISOCHRONE_CMAP,
    opacity: float = ISOCHRONE_OPACITY,
):
    """Add isochrone polygons, one colour per band (e.g. 5/10/15 minutes).

    The shortest band takes the colormap's top end (dark purple for ``viridis_r``), as in
    the report's figures and the QGIS styles.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> iso = gpd.GeoDataFrame({"minutes": [5, 10]}, geometry=[
    ...     shapely.Point(120.5, 36.2).buffer(0.01), shapely.Point(120.5, 36.2).buffer(0.02)],
    ...     crs="EPSG:4326")
    >>> m = add_isochrones(new_map(basemap="blank"), iso)
    >>> "isochrones" in m.get_root().render()
    True
    """
    frame = _for_map(m, isochrones, "isochrones")
    if band_column not in frame.columns:
        raise InputError(f"isochrones have no column {band_column!r}")
    bands = sorted(pd.unique(frame[band_column]), reverse=True)
    colors = {str(band): color for band, color in band_colors(bands, cmap).items()}
    # Largest band first so smaller ones draw on top.
    frame = frame.assign(_band=frame[band_column].astype(str)).sort_values(
        band_column, ascending=False
    )
    _add_geojson(
        m,
        frame,
        name=name,
        fields=[band_column],
        aliases=[band_column],
        style={"weight": 1, "fillOpacity": opacity},
        style_column="_band",
        colors=colors,
    )
    for band in sorted(bands):
        m.corridor_geo_legend.append(("area", colors[str(band)], f"{name}: {band}"))
    _refresh_controls(m)
    return m


def add_raster(
    m,
    raster: str | Path,
    *,
    name: str,
    opacity: float = RASTER_OPACITY,
    cmap: str = "magma",
    legend: str | None = None,
):
    """Add a single-band raster (e.g. a kernel-density GeoTIFF) as an image overlay.

    The raster is reprojected to WGS84 (or GCJ-02 for Chinese basemaps) bounds with
    rasterio, coloured with ``cmap`` (nodata transparent) and embedded as a PNG.

    Examples
    --------
    >>> import numpy as np, rasterio, tempfile, pathlib
    >>> from affine import Affine
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.tif"
    >>> with rasterio.open(p, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32",
    ...                    crs="EPSG:4549", transform=Affine(100, 0, 550000, 0, -100, 4000000),
    ...                    nodata=-1) as dst:
    ...     dst.write(np.arange(16, dtype="float32").reshape(1, 4, 4))
    >>> m = add_raster(new_map(basemap="blank"), p, name="density")
    >>> "density" in m.get_root().render()
    True
    """
    folium = _folium()
    import rasterio
    from matplotlib import colormaps
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with rasterio.open(raster) as src:
        if src.crs is None:
            raise InputError(f"{raster}: the raster has no CRS")
        dst_crs = "EPSG:4326"
        transform, width, height = calculate_default_transform(
            src.crs, dst_crs, src.width, src.height, *src.bounds
        )
        data = np.full((height, width), np.nan, dtype="float64")
        reproject(
            source=rasterio.band(src, 1),
            destination=data,
            src_transform=src.transform,
            src_crs=src.crs,
            src_nodata=src.nodata,
            dst_transform=transform,
            dst_crs=dst_crs,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    west, north = transform.c, transform.f
    east, south = west + width * transform.a, north + height * transform.e
    if _datum_of_map(m) == "GCJ02":
        from .crs import wgs84_to_gcj02

        west, south = wgs84_to_gcj02(west, south)
        east, north = wgs84_to_gcj02(east, north)
    finite = data[np.isfinite(data)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    scaled = np.clip((data - vmin) / ((vmax - vmin) or 1.0), 0, 1)
    rgba = colormaps[cmap](np.nan_to_num(scaled))
    rgba[..., 3] = np.where(np.isfinite(data) & (data > vmin), 1.0, 0.0)
    folium.raster_layers.ImageOverlay(
        image=rgba,
        bounds=[[south, west], [north, east]],
        name=esc(name),
        opacity=opacity,
        mercator_project=True,
    ).add_to(m)
    title = legend or name
    low, high = (colormaps[cmap](0.0), colormaps[cmap](1.0))
    from matplotlib.colors import to_hex

    m.corridor_geo_legend.append(("area", to_hex(low), f"{title}: {vmin:,.4g}"))
    m.corridor_geo_legend.append(("area", to_hex(high), f"{title}: {vmax:,.4g}"))
    _refresh_controls(m)
    return m


def add_axis_markers(m, layout, *, every_km: float = 5.0, name: str = "km markers"):
    """Add chainage markers every ``every_km`` km along the axis (0 at the south end).

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> m = add_axis_markers(new_map(basemap="blank"), load_layout(), every_km=10)
    >>> "10 km" in m.get_root().render()
    True
    """
    folium = _folium()

    if every_km <= 0:
        raise InputError("every_km must be positive")
    from .axis import axis_line

    axis_m = axis_line(layout)
    distances = np.arange(0.0, axis_m.length / 1000 + 1e-9, every_km)
    pts = gpd.GeoSeries([axis_m.interpolate(d * 1000) for d in distances], crs=ANALYSIS_CRS)
    pts = _for_map(m, pts, "axis markers")
    group = folium.FeatureGroup(name=esc(name))
    for d, geom in zip(distances, pts.geometry):
        folium.CircleMarker(
            location=[geom.y, geom.x],
            radius=3,
            color="#e31a1c",
            fill=True,
            fill_opacity=1,
            tooltip=esc(f"{d:g} km"),
        ).add_to(group)
        folium.map.Marker(
            [geom.y, geom.x],
            icon=folium.DivIcon(
                html=f'<div style="font:11px sans-serif;color:#a50f15;'
                f'white-space:nowrap;margin-left:6px">{esc(f"{d:g} km")}</div>'
            ),
        ).add_to(group)
    group.add_to(m)
    _refresh_controls(m)
    return m


CHANGE_COLORS = {"gained": "#1a9641", "lost": "#d7191c"}
"""Area gained and lost between two layouts in :func:`explore_comparison`."""
BOUNDARY_CLASS_COLORS = {
    "agrees": "#1a9641",
    "b_gcj02": "#d7191c",
    "a_gcj02": "#fdae61",
    "differs": "#2b83ba",
}
"""Boundary segments by class in :func:`explore_boundaries`."""
_CLASS_LABELS = {
    "agrees": ("一致", "agrees"),
    "b_gcj02": ("B 似 GCJ-02 偏移", "B offset like GCJ-02"),
    "a_gcj02": ("A 似 GCJ-02 偏移", "A offset like GCJ-02"),
    "differs": ("其他差异", "differs otherwise"),
}


def explore_comparison(
    comparison: Any,
    *,
    basemap: str = "osm",
    lang: str = "both",
    assets: str = "inline",
    height: str | int = 600,
    resources: Any = None,
):
    """A map of what changed between two layouts: area gained and lost, both corridors.

    Parameters
    ----------
    comparison : Comparison
        From :func:`corridor_geo.scenarios.compare`.
    basemap, lang, assets, height
        As :func:`explore_layout`.
    resources : GeoDataFrame, optional
        Points to draw on top (e.g. the resources compared).

    Returns
    -------
    folium.Map
        Fitted to the changed area (to the corridor when nothing changed).

    Examples
    --------
    >>> from corridor_geo.scenarios import compare, _demo_layouts, _demo_points
    >>> a, b = _demo_layouts()
    >>> c = compare(a, b, resources=_demo_points(), layers="corridor", facilities=None)
    >>> html = explore_comparison(c, basemap="blank").get_root().render()
    >>> "gained" in html and "+2 km" in html
    True
    """
    changed = getattr(comparison, "changed", None)
    if not isinstance(changed, gpd.GeoDataFrame):
        raise InputError("explore_comparison needs the result of corridor_geo.scenarios.compare")
    a_name, b_name = comparison.names
    m = new_map(basemap=basemap, assets=assets, height=height)
    layouts = getattr(comparison, "layouts", None)
    if layouts is not None:
        for lay, label, dash in ((layouts[0], a_name, None), (layouts[1], b_name, "6 4")):
            frame = _for_map(m, lay.corridor, "the corridor")
            style = {"color": "#08306b", "weight": 2, "fillOpacity": 0.0}
            if dash:
                style = {**style, "color": "#6a3d9a", "dashArray": dash}
            name = _bilingual(f"走廊 {label}", f"corridor {label}", lang)
            _add_geojson(m, frame, name=name, fields=[], aliases=[], style=style)
            m.corridor_geo_legend.append(("line", style["color"], name))
    if len(changed):
        frame = _for_map(m, changed, "the changed area")
        fields = ["layer", "zone", "change", "area_km2", "resources"]
        _add_geojson(
            m,
            frame,
            name=_bilingual("变化区域", "changed area", lang),
            fields=fields,
            aliases=fields,
            style={"weight": 1, "fillOpacity": 0.5},
            style_column="change",
            colors=CHANGE_COLORS,
        )
        for change, color in CHANGE_COLORS.items():
            if (changed["change"] == change).any():
                who = b_name if change == "gained" else a_name
                m.corridor_geo_legend.append(("area", color, f"{change} (only in {who})"))
        fit_to(m, changed)
    elif layouts is not None:
        fit_to(m, layouts[0].corridor)
    if resources is not None:
        add_points(m, resources, name=_bilingual("资源", "resources", lang), radius=3)
    _refresh_controls(m)
    return m


def explore_boundaries(
    comparison: Any,
    *,
    basemap: str = "osm",
    lang: str = "both",
    assets: str = "inline",
    height: str | int = 600,
):
    """A map of a boundary comparison: each segment coloured by its class.

    Green segments agree, red ones are offset as the GCJ-02 shift would move the second
    layer (orange: the first), blue ones differ otherwise; the tooltip gives the offset,
    its vector and the GCJ-02 displacement there.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from corridor_geo.scenarios import compare_boundaries
    >>> sq = gpd.GeoSeries([shapely.box(500000, 4000000, 502000, 4002000)], crs=4549)
    >>> m = explore_boundaries(compare_boundaries(sq, sq.translate(0, 30)), basemap="blank")
    >>> "agrees" in m.get_root().render()
    True
    """
    segments = getattr(comparison, "segments", None)
    if not isinstance(segments, gpd.GeoDataFrame):
        raise InputError(
            "explore_boundaries needs the result of corridor_geo.scenarios.compare_boundaries"
        )
    m = new_map(basemap=basemap, assets=assets, height=height)
    frame = _for_map(m, segments, "the segments")
    fields = ["key", "class", "offset_m", "dx_m", "dy_m", "gcj02_dx_m", "gcj02_dy_m"]
    _add_geojson(
        m,
        frame,
        name=_bilingual("边界比较", "boundary comparison", lang),
        fields=fields,
        aliases=fields,
        style={"weight": 4, "opacity": 0.9},
        style_column="class",
        colors=BOUNDARY_CLASS_COLORS,
    )
    for cls, color in BOUNDARY_CLASS_COLORS.items():
        if (segments["class"] == cls).any():
            zh, en = _CLASS_LABELS[cls]
            m.corridor_geo_legend.append(("line", color, _bilingual(zh, en, lang)))
    if len(segments):
        fit_to(m, segments)
    _refresh_controls(m)
    return m


def save_map(m, path: str | Path) -> Path:
    """Save a map as a standalone HTML file, atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = save_map(new_map(basemap="blank"), pathlib.Path(tempfile.mkdtemp()) / "m.html")
    >>> p.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    from .io import write_text_atomic

    return write_text_atomic(m.get_root().render(), path)


def map_to_html(m) -> str:
    """The map as an HTML string (for embedding in reports).

    Examples
    --------
    >>> map_to_html(new_map(basemap="blank")).startswith("<!DOCTYPE html>")
    True
    """
    buf = io.StringIO()
    buf.write(m.get_root().render())
    return buf.getvalue()


def explore_object(obj: Any, *, layout: Any = None, **kwargs: Any):
    """The map behind ``explore()`` of a layout, a ResourceTable or a Raster.

    The target of the documented delegation hook (:mod:`corridor_geo._hooks`): the
    model objects' ``explore`` methods call it instead of importing this module.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> type(explore_object(load_layout(), basemap="blank")).__name__
    'Map'
    """
    import tempfile

    from .layout import CorridorLayout, load_layout
    from .raster import Raster
    from .resources import ResourceTable

    if isinstance(obj, CorridorLayout):
        return explore_layout(obj, **kwargs)
    lay = load_layout() if layout is None else layout
    if isinstance(obj, ResourceTable):
        m = explore_layout(lay, **kwargs)
        frame = obj.accepted
        popup = [
            obj.column(c)
            for c in ("name", "category_zh", "category_en", "weight", "status")
            if obj.column(c) in frame.columns
        ]
        label = obj.column("name") if obj.column("name") in frame.columns else None
        return add_points(m, frame, name="resources", label_column=label, popup_columns=popup)
    if isinstance(obj, Raster):
        name = kwargs.pop("name", "raster")
        m = explore_layout(lay, layers=("corridor", "axis"), **kwargs)
        with tempfile.TemporaryDirectory() as tmp:
            return add_raster(m, obj.to_geotiff(Path(tmp) / "raster.tif"), name=name)
    raise InputError(f"cannot explore a {type(obj).__name__}")
