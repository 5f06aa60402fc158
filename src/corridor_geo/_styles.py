"""The report's colours and symbols, defined once (private).

The folium maps (:mod:`corridor_geo.maps`), the matplotlib figures
(:mod:`corridor_geo.plotting`) and the QGIS styles written with every exported layer
(:mod:`corridor_geo._qgis`) all read them from here, so a layer opens in QGIS looking as
it does in the report.

Two kinds of data live here:

* the colours and Leaflet path options of the layout's layers (``CITY_COLORS``,
  ``LAYOUT_STYLE``, ...), as the maps and figures use them;
* :func:`layer_style`, which turns a layer (its name, columns and geometry) into a
  :class:`LayerStyle`: a renderer (single symbol, categorised or graduated) and its
  symbols, independent of any file format.  ``_qgis`` writes it as QML and SLD.

Widths and sizes are CSS pixels, as Leaflet draws them; QGIS gets them in millimetres at
96 dpi (1 px = 25.4 / 96 mm).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

# --- colours -------------------------------------------------------------------------
CITY_COLORS = {"ocean": "#1f78b4", "youth": "#33a02c", "digital": "#ff7f00"}
"""The three cities (三城), by their ``key``."""

CIRCLE_COLOR = "#ae017e"
"""The ecosystem circles (生态圈) drawn as one layer."""

CIRCLE_KIND_COLORS = {
    "innovation_source": CIRCLE_COLOR,
    "university": "#6a3d9a",
    "international_talent": "#01665e",
    "talent_cultivation": "#8c510a",
    "finance": "#bf9000",
    "future_industry": "#e7298a",
}
"""The circles by ``kind`` (科创策源, 环大学, 国际人才, 科创人才培育, 科技金融, 新兴产业)."""

AXIS_COLOR = "#e31a1c"
CORRIDOR_COLOR = "#08306b"
POINT_COLOR = "#d62728"
"""Resources drawn in one colour."""
STATION_FILL = "#ffffff"
STATION_EDGE = "#333333"
"""Metro stations: white markers with a dark edge, never red like the axis they line."""

CATEGORY_COLORS = {
    "national_lab": "#e31a1c",
    "state_key_lab": "#fb9a99",
    "provincial_lab": "#ff7f00",
    "provincial_key_lab": "#fdbf6f",
    "new_rd_institution": "#6a3d9a",
    "mfg_innovation_center": "#cab2d6",
    "university": "#1f78b4",
    "research_institute": "#a6cee3",
    "high_tech_enterprise": "#33a02c",
    "specialised_sme": "#b2df8a",
    "listed_company": "#b15928",
    "incubator": "#ffd92f",
    "invention_patents": "#666666",
    "st_talent": "#e7298a",
}
"""Resources by the registry's category keys; other categories get :data:`EXTRA_COLORS`."""

EXTRA_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#66a61e", "#e6ab02", "#a6761d")

ISOCHRONE_CMAP = "viridis_r"
"""Isochrone bands: the shortest band darkest (purple), the longest lightest (yellow)."""
ISOCHRONE_OPACITY = 0.35
ZONE_CMAP = "YlOrRd"
"""Choropleths of zones and grid cells (density per km², shares)."""
ZONE_OPACITY = 0.6
DENSITY_CMAP = "magma_r"
"""The kernel-density surface of the report."""
RASTER_OPACITY = 0.6

LAYOUT_STYLE: dict[str, dict[str, Any]] = {
    "city": {"color": "#252525", "weight": 1.5, "fill": False},
    "districts": {"color": "#636363", "weight": 1, "fill": False},
    "subdistricts": {"color": "#969696", "weight": 0.6, "fill": False},
    "corridor": {"color": CORRIDOR_COLOR, "weight": 3, "fill": False},
    "cities": {"color": "#2171b5", "weight": 1, "fillOpacity": 0.25},
    "circles": {"color": CIRCLE_COLOR, "weight": 1.5, "fillOpacity": 0.08, "dashArray": "4 4"},
    "axis": {"color": AXIS_COLOR, "weight": 4},
}
"""Leaflet path options of the layout's layers.  The boundaries (city, districts,
sub-districts) and the corridor are outlines only, so they never hide what lies beneath."""

_LEAFLET_FILL_OPACITY = 0.2  # Leaflet's default fillOpacity

# Drawing order, bottom to top (lower first); layers not named here are placed by kind.
_RANK = {
    "city": 0,
    "districts": 1,
    "subdistricts": 2,
    "cities": 40,
    "circles": 60,
    "corridor": 80,
    "axis": 85,
}
RASTER_RANK = 10
"""Where a raster (the density surface) goes in the drawing order: above the boundaries."""

_GRADUATED_COLUMNS = ("count_per_km2", "per_km2", "density", "area_share", "population_share")


def ramp_colors(values: Sequence[float], cmap: str, vmin: float, vmax: float) -> list[str]:
    """Hex colours of ``values`` on a matplotlib colormap stretched over [vmin, vmax].

    Non-finite values are grey (``#cccccc``).

    Examples
    --------
    >>> ramp_colors([0, 1], "viridis", 0, 1)
    ['#440154', '#fde725']
    """
    import matplotlib
    from matplotlib import colors as mcolors

    colormap = matplotlib.colormaps[cmap]
    span = (vmax - vmin) or 1.0
    return [
        mcolors.to_hex(colormap(float(np.clip((v - vmin) / span, 0, 1))))
        if np.isfinite(v)
        else "#cccccc"
        for v in np.asarray(values, dtype=float)
    ]


def band_colors(bands: Sequence[float], cmap: str = ISOCHRONE_CMAP) -> dict[float, str]:
    """Colour of each isochrone band: the shortest at the colormap's top end.

    The report's figures, its maps and the QGIS styles all colour bands this way.

    Examples
    --------
    >>> band_colors([15, 5, 10])
    {5: '#440154', 10: '#21908d', 15: '#fde725'}
    """
    ordered = sorted(set(bands))
    lo, hi = ordered[0], ordered[-1]
    positions = [(hi - b) / (hi - lo) if hi > lo else 1.0 for b in ordered]
    return dict(zip(ordered, ramp_colors(positions, cmap, 0.0, 1.0)))


def category_colors(keys: Sequence[str]) -> dict[str, str]:
    """A colour per category key: the fixed colour of a registry category, others in turn.

    Examples
    --------
    >>> category_colors(["university", "my_lab"])
    {'university': '#1f78b4', 'my_lab': '#1b9e77'}
    """
    out: dict[str, str] = {}
    extra = 0
    for key in keys:
        if key in CATEGORY_COLORS:
            out[key] = CATEGORY_COLORS[key]
        else:
            out[key] = EXTRA_COLORS[extra % len(EXTRA_COLORS)]
            extra += 1
    return out


# --- styles independent of the file format ---------------------------------------------
@dataclass(frozen=True)
class Symbol:
    """One symbol: a polygon fill, a line or a point marker.

    ``stroke`` None draws no outline; ``fill`` None draws no fill (outline only).
    ``width`` is the stroke width and ``size`` the marker radius, in CSS pixels.
    """

    kind: str  # "fill", "line" or "marker"
    stroke: str | None
    width: float = 1.0
    fill: str | None = None
    fill_opacity: float = 1.0
    dash: bool = False
    size: float = 5.0


@dataclass(frozen=True)
class Category:
    """A value of the classifying column, its label and its symbol."""

    value: str
    label: str
    symbol: Symbol


@dataclass(frozen=True)
class Range:
    """A class ``lower < value <= upper`` (the first class includes ``lower``)."""

    lower: float
    upper: float
    label: str
    symbol: Symbol


@dataclass(frozen=True)
class LayerStyle:
    """How a layer is drawn: ``renderer`` is ``"single"``, ``"categorized"`` or ``"graduated"``.

    ``order_by`` names a column features are drawn by (``descending`` for the largest
    first, e.g. isochrone bands so the smaller ones lie on top); ``rank`` places the layer
    in a project's drawing order (lower is drawn first).
    """

    name: str
    title: str
    renderer: str
    symbol: Symbol | None = None
    column: str | None = None
    classes: tuple[Category | Range, ...] = ()
    order_by: str | None = None
    descending: bool = False
    rank: int = 50

    @property
    def kind(self) -> str:
        """``"fill"``, ``"line"`` or ``"marker"``."""
        if self.symbol is not None:
            return self.symbol.kind
        return self.classes[0].symbol.kind

    def renamed(self, fields: Mapping[str, str]) -> LayerStyle:
        """The same style with its column names mapped (e.g. to Shapefile field names)."""
        return replace(
            self,
            column=fields.get(self.column, self.column) if self.column else None,
            order_by=fields.get(self.order_by, self.order_by) if self.order_by else None,
        )


def _geometry_kind(frame: Any) -> str | None:
    types = set(frame.geometry.dropna().geom_type) if len(frame) else set()
    for kind, names in (
        ("fill", {"Polygon", "MultiPolygon"}),
        ("line", {"LineString", "MultiLineString", "LinearRing"}),
        ("marker", {"Point", "MultiPoint"}),
    ):
        if types & names:
            return kind
    return None


def _leaflet_symbol(kind: str, options: Mapping[str, Any], color: str | None = None) -> Symbol:
    """A Symbol from Leaflet path options (``color`` overrides stroke and fill colour)."""
    stroke = color or options.get("color", "#3388ff")
    fills = kind == "fill" and options.get("fill", True)
    return Symbol(
        kind=kind,
        stroke=stroke,
        width=float(options.get("weight", 3)),
        fill=(color or options.get("fillColor", stroke)) if fills else None,
        fill_opacity=float(options.get("fillOpacity", _LEAFLET_FILL_OPACITY)),
        dash=bool(options.get("dashArray")),
    )


def _labels(frame: Any, column: str, zh: str, en: str) -> dict[str, str]:
    """Bilingual label of each value of ``column`` from the first row that has it."""
    out: dict[str, str] = {}
    for _, row in frame.drop_duplicates(column).iterrows():
        parts = [str(row[c]) for c in (zh, en) if c in frame.columns and pd.notna(row[c])]
        out[str(row[column])] = " ".join(dict.fromkeys(parts)) or str(row[column])
    return out


@lru_cache(maxsize=1)
def _registry_labels() -> dict[str, str]:
    """Bilingual names of the bundled resource categories, by key."""
    from .datasets import get_path

    table = pd.read_csv(get_path("categories.csv"), dtype=str, keep_default_na=False)
    return {k: f"{zh} {en}".strip() for k, zh, en in zip(table.key, table.name_zh, table.name_en)}


def _colour_column(frame: Any) -> str | None:
    """The ``colour``/``color`` column when every value in it is a ``#rrggbb`` colour."""
    for column in ("colour", "color"):
        if column in frame.columns:
            values = frame[column]
            if not len(values) or values.isna().any():  # a categorised style needs them all
                continue
            if values.astype(str).str.fullmatch(r"#[0-9A-Fa-f]{6}").all():
                return column
    return None


def _categorized(
    name: str, frame: Any, kind: str, column: str, colors: Mapping[str, str], labels, base
) -> LayerStyle:
    values = [str(v) for v in pd.unique(frame[column].dropna().astype(str))]
    classes = tuple(
        Category(v, labels.get(v, v), _leaflet_symbol(kind, base, colors[v])) for v in values
    )
    return LayerStyle(
        name, name, "categorized", column=column, classes=classes, rank=_RANK.get(name, 50)
    )


def _isochrones(name: str, frame: Any, column: str) -> LayerStyle | None:
    bands = pd.to_numeric(frame[column], errors="coerce").dropna().unique()
    if not len(bands):
        return None
    colors = band_colors([float(b) for b in bands])
    lower = 0.0
    classes = []
    for band, color in colors.items():
        symbol = Symbol(
            "fill", stroke=color, width=1.0, fill=color, fill_opacity=ISOCHRONE_OPACITY
        )
        classes.append(Range(lower, band, f"≤ {band:g} min", symbol))
        lower = band
    return LayerStyle(
        name,
        name,
        "graduated",
        column=column,
        classes=tuple(classes),
        order_by=column,
        descending=True,
        rank=50,
    )


def _choropleth(name: str, frame: Any, column: str, *, n_classes: int = 5) -> LayerStyle | None:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    values = values[np.isfinite(values)]
    if not values.size:
        return None
    breaks = np.unique(np.quantile(values, np.linspace(0, 1, n_classes + 1)))
    if breaks.size == 1:
        breaks = np.array([breaks[0], breaks[0]])
    k = breaks.size - 1
    colors = ramp_colors(np.arange(k, dtype=float), ZONE_CMAP, 0.0, max(k - 1, 1))
    classes = tuple(
        Range(
            float(lo),
            float(hi),
            f"{lo:,.4g} – {hi:,.4g}",
            Symbol("fill", stroke="#555555", width=1.0, fill=c, fill_opacity=ZONE_OPACITY),
        )
        for lo, hi, c in zip(breaks[:-1], breaks[1:], colors)
    )
    return LayerStyle(name, name, "graduated", column=column, classes=classes, rank=20)


def layer_style(name: str, frame: Any) -> LayerStyle | None:
    """The report's style for a layer, from its name, columns and geometry.

    The layout's layers by name (cities by city, circles by kind); isochrones graduated
    by ``minutes``; density grids and other choropleths graduated by their value (5
    quantile classes); metro stations white with a dark edge; other points by
    ``category``; anything else a single symbol, polygons as outlines only.  None for a
    layer without geometries.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> lay = load_layout()
    >>> style = layer_style("cities", lay.cities)
    >>> style.renderer, style.column, [c.symbol.fill for c in style.classes]
    ('categorized', 'key', ['#1f78b4', '#33a02c', '#ff7f00'])
    >>> layer_style("districts", lay.districts).symbol.fill is None  # outline only
    True
    """
    kind = _geometry_kind(frame)
    if kind is None:
        return None
    columns = set(frame.columns)
    if name == "cities" and "key" in columns and kind == "fill":
        colors = {**CITY_COLORS}
        for key in frame["key"].astype(str):
            colors.setdefault(key, "#888888")
        labels = _labels(frame, "key", "name_zh", "name_en")
        return _categorized(name, frame, kind, "key", colors, labels, LAYOUT_STYLE["cities"])
    if name == "circles" and "kind" in columns and kind == "fill":
        colors = {**CIRCLE_KIND_COLORS}
        for value in frame["kind"].astype(str):
            colors.setdefault(value, CIRCLE_COLOR)
        labels = _labels(frame, "kind", "kind_zh", "kind_en")
        return _categorized(name, frame, kind, "kind", colors, labels, LAYOUT_STYLE["circles"])
    if name in LAYOUT_STYLE:
        symbol = _leaflet_symbol(kind, LAYOUT_STYLE[name])
        return LayerStyle(name, name, "single", symbol=symbol, rank=_RANK[name])
    if kind == "fill" and "minutes" in columns:
        style = _isochrones(name, frame, "minutes")
        if style is not None:
            return style
    if kind == "fill":
        for column in _GRADUATED_COLUMNS:
            if column in columns and pd.api.types.is_numeric_dtype(frame[column]):
                style = _choropleth(name, frame, column)
                if style is not None:
                    return style
    if kind == "marker" and (name == "metro_stations" or {"station_id", "line_names"} <= columns):
        symbol = Symbol(
            "marker", stroke=STATION_EDGE, width=1.0, fill=STATION_FILL, fill_opacity=1.0, size=3.0
        )
        return LayerStyle(name, name, "single", symbol=symbol, rank=90)
    if kind == "marker":
        base = {"weight": 1, "fillOpacity": 0.8}
        if "category" in columns and frame["category"].notna().any():
            values = [str(v) for v in pd.unique(frame["category"].dropna().astype(str))]
            colors = category_colors(values)
            own = {"category_zh", "category_en"} & columns
            labels = {  # the frame's own names first, else the bundled registry's
                **_registry_labels(),
                **(_labels(frame, "category", "category_zh", "category_en") if own else {}),
            }
            classes = tuple(
                Category(
                    v,
                    labels.get(v, v),
                    replace(_leaflet_symbol("marker", base, colors[v]), size=5.0),
                )
                for v in values
            )
            return LayerStyle(
                name, name, "categorized", column="category", classes=classes, rank=90
            )
        symbol = replace(_leaflet_symbol("marker", base, POINT_COLOR), size=5.0)
        return LayerStyle(name, name, "single", symbol=symbol, rank=90)
    if kind == "line":
        column = _colour_column(frame)
        if column is not None:  # lines that carry their own colours (metro lines)
            colors = {str(v): str(v) for v in frame[column].dropna()}
            labels = _labels(frame, column, "name_zh", "name_en")
            style = _categorized(name, frame, kind, column, colors, labels, {"weight": 3})
            return replace(style, rank=70)
        return LayerStyle(name, name, "single", symbol=Symbol("line", "#3f3f3f", 2.0), rank=70)
    # Any other polygons: outlines only, never hiding what lies beneath.
    return LayerStyle(name, name, "single", symbol=Symbol("fill", "#555555", 1.2), rank=30)
