"""Static figures with matplotlib: layout map, axis strip chart, targets, density, isochrones.

Maps are drawn in :data:`corridor_geo.crs.ANALYSIS_CRS` (EPSG:4549, metres), so the scale
bar is true; the north arrow points to true north (grid and true north differ by the
meridian convergence, about 0.4 degree over the corridor).  Chinese labels need a CJK font:
the first installed of Noto Sans/Serif CJK, Source Han, WenQuanYi, SimHei, Microsoft YaHei
or PingFang is used; without one, labels fall back to English and a warning is logged.
Every function returns a ``matplotlib.figure.Figure``; :func:`save_figure` writes PNG, SVG
or PDF atomically.
"""

from __future__ import annotations

import io
import logging
import math
import os
import textwrap
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ._errors import InputError
from ._styles import (
    AXIS_COLOR,
    CIRCLE_COLOR,
    CIRCLE_KIND_COLORS,
    CITY_COLORS,
    CORRIDOR_COLOR,
    DENSITY_CMAP,
    ISOCHRONE_CMAP,
    band_colors,
)
from .crs import ANALYSIS_CRS, to_crs

__all__ = [
    "CITY_COLORS",
    "cjk_font",
    "figure_to_png_bytes",
    "plot_accessibility_sweep",
    "plot_axis_profile",
    "plot_density",
    "plot_isochrones",
    "plot_layout",
    "plot_monitoring",
    "plot_spillover",
    "plot_targets",
    "save_figure",
]

log = logging.getLogger(__name__)

_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)


def _pyplot():
    import matplotlib

    interactive = matplotlib.get_backend().lower() in (
        "agg",
        "module://matplotlib_inline.backend_inline",
    )
    # Headless by default in scripts and CI; notebooks keep their inline backend.
    if not interactive and not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


_CJK_FILE_HINTS = ("cjk", "wqy", "sourcehan", "simhei", "msyh", "pingfang", "droidsansfallback")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Name of an installed font family that can draw Chinese, or None.

    Matplotlib does not index TrueType collections (``.ttc``), the form most CJK fonts
    ship in (Debian's ``fonts-noto-cjk``), so system fonts whose file names mark them as
    CJK are registered first.

    Examples
    --------
    >>> cjk_font() is None or isinstance(cjk_font(), str)
    True
    """
    from matplotlib import font_manager

    def installed() -> set[str]:
        return {f.name for f in font_manager.fontManager.ttflist}

    names = installed()
    if not any(family in names for family in _CJK_FAMILIES):
        for ext in ("ttc", "otf", "ttf"):
            for path in font_manager.findSystemFonts(fontext=ext):
                if any(hint in Path(path).name.lower() for hint in _CJK_FILE_HINTS):
                    try:
                        font_manager.fontManager.addfont(path)
                    except (OSError, RuntimeError):  # pragma: no cover - broken font file
                        log.debug("could not register font %s", path)
        names = installed()
    for family in _CJK_FAMILIES:
        if family in names:
            return family
    return None


_warned = {"no_cjk_font": False}  # one warning per process, however many figures


def _resolve_lang(lang: str) -> str:
    if lang not in ("zh", "en", "both"):
        raise InputError(f"lang must be 'zh', 'en' or 'both', got {lang!r}")
    if lang != "en" and cjk_font() is None:
        if not _warned["no_cjk_font"]:
            _warned["no_cjk_font"] = True
            log.warning(
                "no Chinese font found (install e.g. fonts-noto-cjk); labels fall back to "
                "English in every figure of this session"
            )
        return "en"
    return lang


def _label(zh: Any, en: Any, lang: str) -> str:
    return {"zh": str(zh), "en": str(en)}.get(lang, f"{zh}\n{en}")


def _mixed_font(size: float) -> dict[str, Any]:
    """Legend font properties for text that may mix Latin and Chinese (user categories)."""
    family = cjk_font()
    return {"family": ["DejaVu Sans", family], "size": size} if family else {"size": size}


def _font_kwargs(lang: str) -> dict[str, Any]:
    family = cjk_font()
    return {"fontfamily": [family, "DejaVu Sans"]} if lang != "en" and family else {}


def _nice_length(span_m: float) -> float:
    target = span_m / 5
    exponent = 10 ** math.floor(math.log10(target))
    for step in (1, 2, 5, 10):
        if step * exponent >= target:
            return step * exponent
    return 10 * exponent  # pragma: no cover


def _scale_bar(ax, *, lang: str) -> float:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx = x0 + 0.05 * (x1 - x0)
    by = y0 + 0.04 * (y1 - y0)
    h = 0.008 * (y1 - y0)
    for i in range(2):
        ax.add_patch(
            __import__("matplotlib").patches.Rectangle(
                (bx + i * length / 2, by),
                length / 2,
                h,
                facecolor="black" if i == 0 else "white",
                edgecolor="black",
                linewidth=0.8,
                zorder=20,
            )
        )
    unit = f"{length / 1000:g} km"
    ax.text(bx, by + 2.2 * h, "0", ha="center", va="bottom", fontsize=8, zorder=20)
    ax.text(bx + length, by + 2.2 * h, unit, ha="center", va="bottom", fontsize=8, zorder=20)
    return length


def _north_arrow(ax) -> float:
    """Draw a north arrow pointing to true north; return the grid convergence (degrees)."""
    from pyproj import Proj

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    cx, cy = x0 + 0.92 * (x1 - x0), y0 + 0.88 * (y1 - y0)
    lon, lat = Proj(ANALYSIS_CRS)(cx, cy, inverse=True)
    convergence = float(Proj(ANALYSIS_CRS).get_factors(lon, lat).meridian_convergence)
    size = 0.06 * (y1 - y0)
    angle = math.radians(convergence)  # true north is rotated from grid north by this
    dx, dy = -size * math.sin(angle), size * math.cos(angle)
    ax.annotate(
        "",
        xy=(cx + dx, cy + dy),
        xytext=(cx, cy),
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5},
        zorder=20,
    )
    ax.text(
        cx + 1.25 * dx,
        cy + 1.25 * dy,
        "N",
        ha="center",
        va="bottom",
        fontsize=10,
        fontweight="bold",
        zorder=20,
    )
    return convergence


def _finish_map(ax, *, lang: str, scalebar: bool, north_arrow: bool, title: str | None) -> None:
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    if scalebar:
        _scale_bar(ax, lang=lang)
    if north_arrow:
        _north_arrow(ax)
    if title:
        ax.set_title(title, **_font_kwargs(lang))
    ax.text(
        0.99,
        0.005,
        "EPSG:4549 · indicative layout (corridor_geo)",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=6,
        color="#555555",
    )


def _base_axes(layout, ax, figsize, pad_m: float):
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    corridor = layout.metric("corridor")
    minx, miny, maxx, maxy = corridor.total_bounds
    districts = layout.metric("districts")
    districts.plot(ax=ax, facecolor="#f4f4f4", edgecolor="#9a9a9a", linewidth=0.6, zorder=1)
    ax.set_xlim(minx - pad_m, maxx + pad_m)
    ax.set_ylim(miny - pad_m, maxy + pad_m)
    return fig, ax, districts


def plot_layout(
    layout,
    *,
    ax=None,
    lang: str = "zh",
    figsize: tuple[float, float] = (8, 10),
    labels: bool = True,
    circles: bool = True,
    scalebar: bool = True,
    north_arrow: bool = True,
    title: str | None = None,
):
    """The layout map: districts, the three cities, circles, the axis, labels.

    Parameters
    ----------
    layout : CorridorLayout
    ax : matplotlib Axes, optional
    lang : {"zh", "en", "both"}
        Label language (English if no Chinese font is installed).
    figsize : (float, float)
    labels, circles, scalebar, north_arrow : bool
    title : str, optional
        Defaults to the corridor's name.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> fig = plot_layout(load_layout(), lang="en")
    >>> len(fig.axes)
    1
    """
    lang = _resolve_lang(lang)
    fig, ax, districts = _base_axes(layout, ax, figsize, pad_m=4000)
    cities = layout.metric("cities")
    for _, row in cities.iterrows():
        gpd.GeoSeries([row.geometry], crs=cities.crs).plot(
            ax=ax, color=CITY_COLORS.get(row["key"], "#888888"), alpha=0.55, zorder=3
        )
    kinds: dict[str, str] = {}  # circle kind -> label, in the layer's order
    if circles:
        circ = layout.metric("circles")
        key = circ["kind"].astype(str) if "kind" in circ else pd.Series("", index=circ.index)
        for kind, part in circ.groupby(key, sort=False):
            part.boundary.plot(
                ax=ax,
                color=CIRCLE_KIND_COLORS.get(kind, CIRCLE_COLOR),
                linewidth=0.9,
                linestyle="--",
                zorder=4,
            )
            first = part.iloc[0]
            kinds[kind] = (
                _label(first.get("kind_zh", kind), first.get("kind_en", kind), lang).replace(
                    "\n", " "
                )
                if kind
                else _label("生态圈", "ecosystem circle", lang)
            )
    layout.metric("corridor").boundary.plot(ax=ax, color=CORRIDOR_COLOR, linewidth=1.2, zorder=5)
    layout.metric("axis").plot(ax=ax, color=AXIS_COLOR, linewidth=2.2, zorder=6)
    font = _font_kwargs(lang)
    if labels:
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        view = __import__("shapely").box(x0, y0, x1, y1)
        for _, row in districts.iterrows():
            part = row.geometry.intersection(view)
            if part.is_empty or part.area < 0.02 * view.area:
                continue
            p = part.representative_point()
            ax.text(
                p.x,
                p.y,
                _label(row["name_zh"], row["name_en"], lang),
                ha="center",
                fontsize=8,
                color="#666666",
                zorder=7,
                **font,
            )
        for _, row in cities.iterrows():
            p = row.geometry.representative_point()
            ax.annotate(
                _label(row["name_zh"], row["name_en"], lang)
                + f"\n{row['official_area_km2']:g} km²",
                xy=(p.x, p.y),
                xytext=(p.x + 6000, p.y - 1500),
                fontsize=9,
                zorder=8,
                arrowprops={"arrowstyle": "-", "color": "#333333", "lw": 0.6},
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999999", "alpha": 0.9},
                **font,
            )
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(
            color=CITY_COLORS[r["key"]], alpha=0.55, label=_label(r["name_zh"], r["name_en"], lang)
        )
        for _, r in cities.iterrows()
        if r["key"] in CITY_COLORS
    ]
    handles.append(
        Line2D([], [], color=AXIS_COLOR, lw=2.2, label=_label("滨海大道", "Binhai Avenue", lang))
    )
    for kind, text in kinds.items():
        handles.append(
            Line2D(
                [],
                [],
                color=CIRCLE_KIND_COLORS.get(kind, CIRCLE_COLOR),
                lw=0.9,
                ls="--",
                label=text,
            )
        )
    ax.legend(
        handles=handles,
        loc="upper left",
        framealpha=0.9,
        prop={"family": font["fontfamily"], "size": 8} if font else {"size": 8},
    )
    _finish_map(
        ax,
        lang=lang,
        scalebar=scalebar,
        north_arrow=north_arrow,
        title=title or _label("青岛科创大走廊", "Qingdao S&T Innovation Corridor", lang),
    )
    return fig


def plot_density(
    layout,
    raster: Any,
    *,
    ax=None,
    lang: str = "zh",
    cmap: str = DENSITY_CMAP,
    figsize: tuple[float, float] = (8, 10),
    title: str | None = None,
    label: str | None = None,
):
    """A density raster (e.g. a kernel-density GeoTIFF) over the corridor, with a colour bar.

    ``raster`` is a raster file or a :class:`corridor_geo.raster.Raster` in any CRS; one
    not in EPSG:4549 is reprojected onto an EPSG:4549 grid (bilinear) for drawing.  A file
    without a CRS is refused: read it with ``read_raster(path, crs=...)`` and pass that.

    Examples
    --------
    >>> import numpy as np, rasterio, tempfile, pathlib
    >>> from affine import Affine
    >>> from corridor_geo import load_layout
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.tif"
    >>> with rasterio.open(p, "w", driver="GTiff", width=3, height=3, count=1,
    ...         dtype="float32", crs="EPSG:4549", nodata=-1,
    ...         transform=Affine(2000, 0, 545000, 0, -2000, 4015000)) as dst:
    ...     dst.write(np.arange(9, dtype="float32").reshape(1, 3, 3))
    >>> fig = plot_density(load_layout(), p, lang="en")
    >>> len(fig.axes)  # the map and its colour bar
    2
    """
    from .raster import read_raster, reproject_raster

    lang = _resolve_lang(lang)
    src = read_raster(raster)  # a raster without a CRS is refused, naming the fix
    if CRS.from_user_input(src.crs) != CRS.from_user_input(ANALYSIS_CRS):
        # Onto an EPSG:4549 grid of its own (cell size kept as near as GDAL can).
        src = reproject_raster(src, crs=ANALYSIS_CRS, resampling="bilinear")
    fig, ax, _ = _base_axes(layout, ax, figsize, pad_m=3000)
    data = np.where(src.valid(), src.values, np.nan).astype("float64")
    transform = src.transform
    extent = (
        transform.c,
        transform.c + transform.a * data.shape[1],
        transform.f + transform.e * data.shape[0],
        transform.f,
    )
    units = dict(src.tags).get("units", "")
    image = ax.imshow(np.ma.masked_invalid(data), extent=extent, cmap=cmap, zorder=2, alpha=0.85)
    layout.metric("corridor").boundary.plot(ax=ax, color=CORRIDOR_COLOR, linewidth=1.0, zorder=5)
    layout.metric("axis").plot(ax=ax, color=AXIS_COLOR, linewidth=1.2, zorder=6)
    bar = fig.colorbar(image, ax=ax, shrink=0.6)
    bar.set_label(label or units or "density", **_font_kwargs(lang))
    _finish_map(
        ax,
        lang=lang,
        scalebar=True,
        north_arrow=True,
        title=title or _label("密度", "Density", lang),
    )
    return fig


def plot_isochrones(
    layout,
    isochrones: gpd.GeoDataFrame,
    *,
    band_column: str = "minutes",
    origins: gpd.GeoDataFrame | None = None,
    ax=None,
    lang: str = "zh",
    cmap: str = ISOCHRONE_CMAP,
    figsize: tuple[float, float] = (8, 10),
    title: str | None = None,
):
    """Isochrone bands over the layout (largest band underneath).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from corridor_geo import load_layout
    >>> iso = gpd.GeoDataFrame({"minutes": [5, 10]}, crs="EPSG:4326", geometry=[
    ...     shapely.Point(120.5, 36.2).buffer(0.01), shapely.Point(120.5, 36.2).buffer(0.02)])
    >>> fig = plot_isochrones(load_layout(), iso, lang="en")
    >>> len(fig.axes)
    1
    """
    if band_column not in isochrones.columns:
        raise InputError(f"isochrones have no column {band_column!r}")
    lang = _resolve_lang(lang)
    fig, ax, _ = _base_axes(layout, ax, figsize, pad_m=3000)
    iso = to_crs(isochrones, ANALYSIS_CRS)
    bands = sorted(pd.unique(iso[band_column]))
    colors = band_colors(bands, cmap)  # as on the report's maps and in QGIS
    from matplotlib.patches import Patch

    handles = []
    for i, band in enumerate(reversed(bands)):
        color = colors[band]
        iso.loc[iso[band_column] == band].plot(ax=ax, color=color, alpha=0.45, zorder=3 + i)
        handles.append(Patch(color=color, alpha=0.45, label=f"≤ {band:g} min"))
    layout.metric("axis").plot(ax=ax, color=AXIS_COLOR, linewidth=1.5, zorder=10)
    if origins is not None:
        to_crs(origins, ANALYSIS_CRS).plot(ax=ax, color="black", markersize=12, zorder=11)
    ax.legend(handles=list(reversed(handles)), loc="lower right", fontsize=8)
    _finish_map(
        ax,
        lang=lang,
        scalebar=True,
        north_arrow=True,
        title=title or _label("等时圈", "Isochrones", lang),
    )
    return fig


CITY_NAMES = {
    "ocean": ("海洋科技城", "Ocean S&T City"),
    "youth": ("青年科创城", "Youth S&T City"),
    "digital": ("数智产业城", "Digital-Intelligence City"),
}


def plot_axis_profile(
    profile: pd.DataFrame,
    *,
    value: str = "count_per_km",
    ax=None,
    lang: str = "zh",
    figsize: tuple[float, float] = (10, 3.6),
    title: str | None = None,
    ylabel: str | None = None,
):
    """The corridor strip chart: a value per km bin along Binhai Avenue, cities shaded.

    Parameters
    ----------
    profile : DataFrame
        From :func:`corridor_geo.axis.axis_profile` (columns ``start_km``, ``end_km``,
        ``city`` and ``value``); with a ``category`` column the bars are stacked by
        category.
    value : str
        Column to draw, e.g. ``"count_per_km"`` or ``"weight_per_km"``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> prof = pd.DataFrame({"start_km": [0.0, 1.0, 2.0], "end_km": [1.0, 2.0, 3.0],
    ...                      "city": ["digital", "digital", "ocean"],
    ...                      "count_per_km": [3.0, 5.0, 1.0]})
    >>> fig = plot_axis_profile(prof, lang="en")
    >>> len(fig.axes[0].patches) >= 3
    True
    """
    for col in ("start_km", "end_km", "city", value):
        if col not in profile.columns:
            raise InputError(
                f"the profile has no column {col!r} (use corridor_geo.axis.axis_profile)"
            )
    lang = _resolve_lang(lang)
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    font = _font_kwargs(lang)
    bins = profile.groupby(["start_km", "end_km", "city"], as_index=False, dropna=False)
    # City bands behind the bars.
    spans = profile.drop_duplicates(["start_km"]).sort_values("start_km")
    current, begin = None, None
    shaded = []
    for _, row in spans.iterrows():
        if row["city"] != current:
            if current is not None:
                shaded.append((current, begin, row["start_km"]))
            current, begin = row["city"], row["start_km"]
    if current is not None:
        shaded.append((current, begin, float(spans["end_km"].max())))
    for city, a, b in shaded:
        if city in CITY_COLORS:
            ax.axvspan(a, b, color=CITY_COLORS[city], alpha=0.12, zorder=0, lw=0)
            name = CITY_NAMES.get(city, (city, city))
            ax.text(
                (a + b) / 2,
                1.0,
                _label(name[0], name[1], lang).replace("\n", " "),
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=9,
                color=CITY_COLORS[city],
                **font,
            )
    if "category" in profile.columns and profile["category"].nunique() > 1:
        pivot = profile.pivot_table(
            index="start_km", columns="category", values=value, aggfunc="sum", fill_value=0.0
        )
        widths = (
            profile.drop_duplicates("start_km").set_index("start_km")["end_km"]
            - profile.drop_duplicates("start_km").set_index("start_km").index
        )
        bottom = np.zeros(len(pivot))
        for col in pivot.columns:
            ax.bar(
                pivot.index,
                pivot[col],
                width=widths.reindex(pivot.index),
                bottom=bottom,
                align="edge",
                label=str(col),
                zorder=2,
                edgecolor="white",
                linewidth=0.3,
            )
            bottom += pivot[col].to_numpy()
        ax.legend(ncol=2, loc="upper left", prop=_mixed_font(7))  # categories may be Chinese
    else:
        agg = bins[value].sum()
        ax.bar(
            agg["start_km"],
            agg[value],
            width=agg["end_km"] - agg["start_km"],
            align="edge",
            color=[CITY_COLORS.get(c, "#777777") for c in agg["city"]],
            zorder=2,
            edgecolor="white",
            linewidth=0.3,
        )
    ax.set_xlim(float(profile["start_km"].min()), float(profile["end_km"].max()))
    ax.set_xlabel(
        _label("距南端里程 (km)", "km from the south end", lang).replace("\n", " / "), **font
    )
    ax.set_ylabel(ylabel or value, **font)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(
        title or _label("滨海大道沿线分布", "Along Binhai Avenue", lang).replace("\n", " · "),
        pad=18,
        **font,
    )
    return fig


def plot_targets(
    status: pd.DataFrame,
    *,
    ax=None,
    lang: str = "zh",
    figsize: tuple[float, float] = (8, 3.2),
    title: str | None = None,
):
    """The plan's targets: each measured value against its target, met or not.

    Parameters
    ----------
    status : DataFrame
        From :func:`corridor_geo.indicators.target_status` (columns ``name_zh``,
        ``name_en``, ``value``, ``target``, ``met``).  Rows without a value (a growth
        target with no base snapshot) are listed as "no base".

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> st = pd.DataFrame({"name_zh": ["占比"], "name_en": ["share"], "value": [0.39],
    ...                    "target": [0.45], "met": [False]})
    >>> fig = plot_targets(st, lang="en")
    >>> len(fig.axes[0].patches)
    1
    """
    for col in ("name_zh", "name_en", "value", "target"):
        if col not in status.columns:
            raise InputError(f"the status table has no column {col!r} (use target_status)")
    lang = _resolve_lang(lang)
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    font = _font_kwargs(lang)
    labels = [
        _label(a, b, lang).replace("\n", " / ")
        for a, b in zip(status["name_zh"], status["name_en"])
    ]
    y = np.arange(len(status))[::-1]
    for yi, (_, row) in zip(y, status.iterrows()):
        value, target = row["value"], row["target"]
        if pd.isna(value):
            ax.text(
                0.0,
                yi,
                _label("无基期数据", "no base snapshot", lang).replace("\n", " / "),
                va="center",
                fontsize=8,
                color="#777777",
                **font,
            )
        else:
            met = bool(row.get("met")) if pd.notna(row.get("met")) else value >= target
            ax.barh(yi, value * 100, color="#1a7f37" if met else "#cf222e", alpha=0.8, height=0.5)
            ax.text(value * 100, yi, f" {value:.1%}", va="center", fontsize=8)
        ax.plot([target * 100, target * 100], [yi - 0.35, yi + 0.35], color="black", lw=2)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, **font)
    ax.set_xlabel("%")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(
        title
        or _label("2027年目标 (黑线)", "2027 targets (black line)", lang).replace("\n", " · "),
        **font,
    )
    return fig


PROJECTION_STYLES = {"linear": ("#1f78b4", "--"), "cagr": ("#e66101", ":")}
"""Colour and line style of each projection method in :func:`plot_monitoring`."""


def plot_monitoring(
    monitoring: Any,
    *,
    keys: Sequence[str] | None = None,
    zone: tuple[str, str] | None = None,
    lang: str = "zh",
    figsize: tuple[float, float] | None = None,
    title: str | None = None,
):
    """The plan's indicators year by year, their projections to 2027 and the targets.

    One panel per indicator: the observed values (dots), the trend of each projection
    method (:data:`PROJECTION_STYLES`: linear least squares over the years observed,
    compound growth from the last year) up to the target year, and the level to reach
    (black line; for growth targets the base value times 1 + growth, the base value
    dotted).  Shares are drawn in %.

    Parameters
    ----------
    monitoring : Monitoring
        From :func:`corridor_geo.monitoring.monitor`.
    keys : sequence of str, optional
        Indicators (target keys) to draw; all by default.
    zone : (layer, zone), optional
        The zone to draw, e.g. ``("cities", "ocean")``; by default each target's own zone.
    lang : {"zh", "en", "both"}
    figsize : (width, height), optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from corridor_geo.monitoring import monitor, _demo_snapshots
    >>> m = monitor(_demo_snapshots(), layers=["corridor"])
    >>> fig = plot_monitoring(m, lang="en")
    >>> len([ax for ax in fig.axes if ax.get_visible()])  # the four targets of the plan
    4
    """
    table = getattr(monitoring, "table", None)
    projection = getattr(monitoring, "projection", None)
    if not isinstance(table, pd.DataFrame) or not isinstance(projection, pd.DataFrame):
        raise InputError("plot_monitoring needs the result of corridor_geo.monitoring.monitor")
    lang = _resolve_lang(lang)
    font = _font_kwargs(lang)
    all_keys = list(dict.fromkeys(table["key"]))
    chosen = all_keys if keys is None else list(keys)
    unknown = [k for k in chosen if k not in all_keys]
    if unknown:
        raise InputError(f"no indicator {unknown} in the monitoring; it has {all_keys}")
    plt = _pyplot()
    n = len(chosen)
    cols = 2 if n > 1 else 1
    nrows = math.ceil(n / cols)
    fig, axes = plt.subplots(
        nrows, cols, figsize=figsize or (6.2 * cols, 3.6 * nrows), squeeze=False
    )
    target_year = int(monitoring.target_year)
    for ax, key in zip(axes.ravel(), chosen):
        rows = table.loc[table["key"] == key]
        if zone is None:
            own = rows.loc[rows["target"].notna()]
            layer, zone_id = (
                (own["layer"].iloc[0], own["zone"].iloc[0])
                if len(own)
                else (rows["layer"].iloc[0], rows["zone"].iloc[0])
            )
        else:
            layer, zone_id = zone
        here = rows.loc[(rows["layer"] == layer) & (rows["zone"] == str(zone_id))]
        if here.empty:
            raise InputError(f"no zone {layer}:{zone_id} in the monitoring")
        first = here.iloc[0]
        scale = 100.0 if first["unit"] == "share" else 1.0
        years = here["year"].to_numpy(float)
        ax.plot(years, here["value"].to_numpy(float) * scale, "o-", color="black", lw=1.2,
                label=_label("观测", "observed", lang).replace("\n", " / "))  # fmt: skip
        proj = projection.loc[
            (projection["key"] == key)
            & (projection["layer"] == layer)
            & (projection["zone"] == str(zone_id))
        ]
        for p in proj.itertuples():
            color, style = PROJECTION_STYLES.get(p.method, ("#555555", "-."))
            if p.status != "ok":
                continue
            if p.method == "linear":
                t = np.linspace(p.first_year, target_year, 50)
                v = p.intercept + p.rate * t
            else:
                t = np.linspace(p.last_year, target_year, 50)
                v = p.last_value * (1.0 + p.rate) ** (t - p.last_year)
            # The bounds of monitor(): a share within [0, 1], nothing below 0.
            v = np.clip(v, 0.0, 1.0 if first["unit"] == "share" else np.inf)
            ax.plot(t, v * scale, style, color=color, lw=1.4, label=str(p.method))
            ax.plot([target_year], [p.projected * scale], "s", color=color, ms=5)
        goal = here["target_value"].dropna()
        if len(goal):
            ax.axhline(float(goal.iloc[0]) * scale, color="black", lw=1.6,
                       label=_label("目标", "target", lang).replace("\n", " / "))  # fmt: skip
            if first["kind"] == "growth" and np.isfinite(first["base_value"]):
                ax.axhline(float(first["base_value"]) * scale, color="#777777", lw=0.8, ls=":")
        bad = proj["status"].astype(str).str.startswith("not assessable")
        if bad.any():  # said in the panel: no target line, no verdict
            why = str(proj.loc[bad, "status_zh" if lang == "zh" else "status"].iloc[0])
            why = why.removeprefix("not assessable: ").removeprefix("无法评估：")
            why = textwrap.fill(why, 24 if lang == "zh" else 48)
            head = _label("无法评估", "not assessable", lang).replace("\n", " / ")
            ax.text(0.5, 0.78, f"{head}:\n{why}", transform=ax.transAxes, ha="center",
                    va="center", fontsize=7, color="#cf222e",
                    bbox={"facecolor": "white", "edgecolor": "#cf222e", "alpha": 0.9},
                    **font)  # fmt: skip
        ax.axvline(target_year, color="#999999", lw=0.8)
        zname = _label(first["zone_zh"], first["zone_en"], lang).replace("\n", " / ")
        name = _label(first["name_zh"], first["name_en"], lang).replace("\n", " / ")
        ax.set_title(f"{zname}: {name}", fontsize=8, wrap=True, **font)
        ax.set_ylabel("%" if scale == 100.0 else str(first["unit"]), fontsize=8)
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
        prop = {"size": 7, **({"family": font["fontfamily"]} if font else {})}
        ax.legend(loc="best", prop=prop)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, **font)
    fig.tight_layout()
    return fig


def plot_spillover(
    table: pd.DataFrame,
    *,
    layer: str | None = None,
    top: int = 10,
    lang: str = "zh",
    figsize: tuple[float, float] = (8, 4),
    title: str | None = None,
):
    """Spillover potential of the top zones under every decay setting of a sweep.

    One line per zone (the ``top`` zones by mean share), the share of the total
    potential it receives against the decay parameter, one panel per decay kind: how
    robust the ranking of the districts is to the choice of decay.

    Parameters
    ----------
    table : DataFrame
        From :func:`corridor_geo.spillover.spillover_sweep` (columns ``decay``, ``beta``,
        ``layer``, ``zone``, ``name_zh``, ``name_en``, ``share``).
    layer : str, optional
        The zone layer to draw (the first one of the table by default).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"decay": ["power"] * 4, "beta": [1.0, 1.0, 2.0, 2.0],
    ...                   "layer": ["districts"] * 4, "zone": ["a", "b", "a", "b"],
    ...                   "name_zh": ["甲", "乙", "甲", "乙"], "name_en": ["A", "B", "A", "B"],
    ...                   "share": [0.6, 0.4, 0.8, 0.2]})
    >>> len(plot_spillover(t, lang="en").axes[0].lines)
    2
    """
    for col in ("decay", "beta", "layer", "zone", "name_zh", "name_en", "share"):
        if col not in table.columns:
            raise InputError(
                f"the table has no column {col!r} (use corridor_geo.spillover.spillover_sweep)"
            )
    lang = _resolve_lang(lang)
    font = _font_kwargs(lang)
    layer = table["layer"].iloc[0] if layer is None else layer
    rows = table.loc[table["layer"] == layer]
    if rows.empty:
        raise InputError(f"no zone layer {layer!r} in the table")
    kinds = list(dict.fromkeys(rows["decay"]))
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(kinds), figsize=figsize, squeeze=False)
    best = rows.groupby("zone")["share"].mean().sort_values(ascending=False).index[:top]
    for ax, kind in zip(axes[0], kinds):
        part = rows.loc[(rows["decay"] == kind) & rows["zone"].isin(best)]
        for _zone_id, z in part.groupby("zone", sort=False):
            z = z.sort_values("beta")
            label = _label(z["name_zh"].iloc[0], z["name_en"].iloc[0], lang).replace("\n", " ")
            ax.plot(z["beta"], z["share"] * 100, "o-", ms=3, lw=1, label=label)
        ax.set_xlabel("β", fontsize=8)
        ax.set_ylabel("%", fontsize=8)
        ax.set_title(str(kind), fontsize=9)
        ax.grid(alpha=0.3)
    prop = {"size": 6, **({"family": font["fontfamily"]} if font else {})}
    axes[0][-1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), prop=prop)
    fig.suptitle(
        title
        or _label("辐射带动潜力占比", "share of the spillover potential", lang).replace(
            "\n", " · "
        ),
        **font,
    )
    fig.tight_layout()
    return fig


_SWEEP_TITLES = {
    "cumulative": ("累积机会 (阈值)", "cumulative opportunities (threshold)"),
    "gravity_exponential": ("重力模型, 指数衰减", "gravity, exponential decay"),
    "gravity_power": ("重力模型, 幂衰减", "gravity, power decay"),
    "2sfca": ("两步移动搜索法 2SFCA", "2SFCA"),
    "e2sfca": ("增强两步移动搜索法 E2SFCA", "E2SFCA"),
}


def plot_accessibility_sweep(
    sweep: pd.DataFrame,
    *,
    lang: str = "zh",
    figsize: tuple[float, float] | None = None,
    title: str | None = None,
):
    """How accessibility changes with the threshold or the decay: one panel per measure.

    Each panel draws the median accessibility of the routed origins against the
    parameter (threshold in minutes, or beta), with the band between the 25th and 75th
    percentiles.  Origins not routed are left out of the statistics (the table keeps
    them).

    Parameters
    ----------
    sweep : DataFrame
        From :func:`corridor_geo.measures.accessibility_sweep`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> sweep = pd.DataFrame({"origin": ["a", "b"] * 2, "measure": "cumulative",
    ...                       "parameter": "cutoff", "value": [10.0, 10.0, 20.0, 20.0],
    ...                       "accessibility": [1.0, 0.0, 2.0, 1.0],
    ...                       "reachable": True, "reason": ""})
    >>> fig = plot_accessibility_sweep(sweep, lang="en")
    >>> fig.axes[0].lines[0].get_ydata().tolist()  # medians at 10 and 20 minutes
    [0.5, 1.5]
    """
    for col in ("measure", "parameter", "value", "accessibility"):
        if col not in sweep.columns:
            raise InputError(
                f"the sweep has no column {col!r} (use corridor_geo.measures.accessibility_sweep)"
            )
    lang = _resolve_lang(lang)
    plt = _pyplot()
    measures = list(dict.fromkeys(sweep["measure"]))
    if not measures:
        raise InputError("the sweep is empty")
    n = len(measures)
    fig, axes = plt.subplots(1, n, figsize=figsize or (3.6 * n, 3.2), squeeze=False)
    font = _font_kwargs(lang)
    ok = sweep["reachable"] if "reachable" in sweep.columns else True
    for ax, measure in zip(axes[0], measures):
        part = sweep[(sweep["measure"] == measure) & ok]
        stats = part.groupby("value")["accessibility"].quantile([0.25, 0.5, 0.75]).unstack()
        x = stats.index.to_numpy(float)
        ax.fill_between(x, stats[0.25], stats[0.75], alpha=0.25, color="#1f6feb", lw=0)
        ax.plot(x, stats[0.5].to_numpy(), marker="o", color="#1f6feb", lw=1.5)
        zh, en = _SWEEP_TITLES.get(measure, (measure, measure))
        ax.set_title(_label(zh, en, lang).replace("\n", "\n"), fontsize=9, **font)
        param = str(part["parameter"].iloc[0]) if len(part) else ""
        xlabel = (
            _label("阈值 (分钟)", "threshold (minutes)", lang)
            if param == "cutoff"
            else _label("衰减参数 β", "decay parameter β", lang)
        )
        ax.set_xlabel(xlabel.replace("\n", " / "), fontsize=8, **font)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(
        _label("可达性 (中位数, 四分位带)", "accessibility (median, IQR band)", lang).replace(
            "\n", " / "
        ),
        fontsize=8,
        **font,
    )
    if title:
        fig.suptitle(title, **font)
    fig.tight_layout()
    return fig


def save_figure(fig, path: str | os.PathLike[str], *, dpi: int = 150) -> Path:
    """Save a figure as PNG, SVG or PDF (by suffix), atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> plt = _pyplot()
    >>> fig, ax = plt.subplots()
    >>> p = save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "f.svg")
    >>> p.read_text().lstrip().startswith("<?xml")
    True
    """
    from .io import write_bytes_atomic

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise InputError(f"save_figure writes .png, .svg or .pdf, got {path.name!r}")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight")
    return write_bytes_atomic(buf.getvalue(), path)


def figure_to_png_bytes(fig, *, dpi: int = 110) -> bytes:
    """PNG bytes of a figure (for embedding in HTML reports).

    Examples
    --------
    >>> fig, ax = _pyplot().subplots()
    >>> figure_to_png_bytes(fig, dpi=20)[:4]
    b'\\x89PNG'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def _as_list(values: Sequence[Any] | None) -> list[Any]:
    return list(values) if values is not None else []
