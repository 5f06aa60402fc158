"""The main job: one self-contained HTML report of the corridor, plus every layer exported.

:func:`build_report` runs the analyses on the bundled data (or on the caller's resources,
boundaries, road network and facilities) and writes into one folder:

``report.html``
    Self-contained (figures as embedded PNG, the interactive maps with Leaflet inlined):
    it opens offline in any browser.
``corridor_report.gpkg``
    Every layout layer and every spatial result, in one GeoPackage, in CGCS2000 /
    3-degree Gauss-Kruger CM 120E (EPSG:4549, metres: what Chinese GIS desks work in)
    unless another CRS is asked for (``crs="WGS84"``).  Each layer carries its QGIS style
    (the report's colours) in the ``layer_styles`` table, so it opens styled in QGIS.
``corridor_report.qgz``
    A QGIS project of those layers and the density surface, in the report's drawing
    order, opening on the corridor.
``tables/``
    Each table of the report as CSV.

Sections
--------
A section is one function ``builder(ctx) -> Section`` registered in one table,
:data:`SECTIONS` (key -> :class:`SectionSpec`: the builder, its titles in English and
Chinese, the inputs it needs, whether the default report shows it and what data it
runs on).  The default report shows, in this order:

``layout``
    The layout against the plan's figures, and the register's universities in the
    corridor against the city's count (judged, not passed or failed: see
    ``docs/report.md``).
``metro`` (real data)
    Qingdao's 177 metro stations (CC BY 4.0): stations per km along the axis, each
    city's share of area and population within walking reach of a station, the
    stations' share of the city, a map in the lines' colours.
``register`` (real data)
    The bundled institution register: universities and named institutions in the
    corridor against the city's counts of 2026-01-15, the corridor's share of the city's
    universities (the register covers every university of the city), a map.
``subdistricts`` (real boundaries, estimated population)
    The 135 sub-districts (街道/镇, OpenStreetMap, ODbL): their part in the corridor,
    population estimates (labelled as such), metro stations and register institutions.
``share``, ``density``, ``profile``, ``access`` (synthetic unless the caller's resources)
    Share of the city and the plan's 2027 targets, density, the profile along Binhai
    Avenue and accessibility: no open data covers patents, talent or firms, so without
    the caller's resources these run on a seeded synthetic data set, labelled on every
    section.
``provenance``
    The data used and their sources and attributions.

and, on request, ``catchment``: coverage of the zones within reach of the chosen
facilities.  A section whose inputs cannot support it is shown as *not computed*, with
the reason; the rest of the report is still written.

Every value in the report is computed in the run; user text (names, categories, file
names, the title) is HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import logging
import os
import re
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ._errors import CorridorGeoError, InputError
from ._html import esc
from ._report import (
    ARGUMENTS,
    FacilitySpec,
    ReportConfig,
    check_config,
    check_facilities,
    column_label,
    parse_config,
    read_config_file,
    say,
)

__all__ = [
    "SECTIONS",
    "FacilitySpec",
    "Report",
    "ReportConfig",
    "ReportContext",
    "Section",
    "SectionSpec",
    "build_report",
    "default_sections",
    "read_config",
    "table_html",
]

log = logging.getLogger(__name__)

DEFAULT_TITLE = "青岛科创大走廊 · Qingdao Science and Technology Innovation Corridor"

_CSS = """
body { font: 15px/1.5 "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 0; color: #1d1d1f; background: #fafafa; }
header { background: #08306b; color: white; padding: 24px 40px; }
header h1 { margin: 0 0 4px 0; font-size: 26px; }
header p { margin: 0; opacity: 0.85; }
nav { padding: 8px 40px; background: #e9eef5; font-size: 14px; }
nav a { margin-right: 16px; color: #08306b; }
section { padding: 12px 40px 28px 40px; border-bottom: 1px solid #ddd; background: white; }
h2 { color: #08306b; }
table { border-collapse: collapse; margin: 8px 0 16px 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
th { background: #f0f3f8; white-space: nowrap; }
td.pass, td.fail { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pass { color: #1a7f37; font-weight: bold; } .fail { color: #cf222e; font-weight: bold; }
td.verdict { color: #7a5b00; font-weight: bold; }
.note { color: #555; font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
         background: #fff3cd; color: #7a5b00; border: 1px solid #e6c35c; }
.badge.real { background: #e6f4ea; color: #1a5c2e; border-color: #8cc79c; }
.credit { font-size: 12px; color: #444; }
figure { margin: 8px 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 13px; color: #555; }
iframe { width: 100%; height: 560px; border: 1px solid #ccc; }
footer { padding: 16px 40px; font-size: 12px; color: #666; }
"""


# --------------------------------------------------------------------------------------
# HTML pieces
# --------------------------------------------------------------------------------------
ZERO_BELOW = 1e-6
"""A value smaller than this is rounding noise in a report table (a share of area outside
of 1e-8 is 0.8 m² of a city): shown as 0; the CSVs keep every digit."""


def _fmt(value: Any) -> str:
    """A table cell's text: 6 significant digits, thousands separated, noise shown as 0.

    Examples
    --------
    >>> _fmt(190.70987539), _fmt(1.0405e-08), _fmt(-3e-12), _fmt(1234567.8), _fmt(0.0125)
    ('190.71', '0', '0', '1,234,568', '0.0125')
    >>> _fmt(2.5e-5)  # small, not noise
    '2.5e-05'
    """
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, float):
        if value != value:
            return ""
        if abs(value) < ZERO_BELOW:
            return "0"
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return esc(value)


_PERCENT = re.compile(r"^[≥≤<>]?\s*[-+]?[\d,]*\.?\d+ %$")
"""A display cell holding a percentage (``_pct``'s ``"38.4 %"``, a target ``"≥ 45.0 %"``)."""


def table_html(
    table: pd.DataFrame,
    *,
    max_rows: int = 60,
    passed_column: str | None = None,
    lang: str = "en",
) -> str:
    """An HTML table of a DataFrame, every cell escaped, numbers right-aligned.

    Numbers and percentages (text such as ``"38.4 %"`` or ``"≥ 45.0 %"``) are right-aligned
    and never broken across lines.

    ``passed_column`` shows True/False (or ``"pass"``/``"fail"``) as pass or fail and any
    other text as a verdict; headers are translated for ``lang="zh"``.

    Examples
    --------
    >>> page = table_html(pd.DataFrame({"a": ["<b>"], "b": [1.5]}))
    >>> "<td>&lt;b&gt;</td>" in page, '<td class="num">1.5</td>' in page
    (True, True)
    >>> t = pd.DataFrame({"count": [1, 2], "ok": ["pass", "register incomplete"]})
    >>> page = table_html(t, passed_column="ok", lang="zh")
    >>> "<th>数量</th>" in page, '<td class="pass">通过</td>' in page, "名录不完整" in page
    (True, True, True)
    >>> '<td class="num">38.4 %</td>' in table_html(pd.DataFrame({"share": ["38.4 %"]}))
    True
    """
    head = "".join(f"<th>{esc(column_label(str(c), lang))}</th>" for c in table.columns)
    rows = []
    for _, row in table.head(max_rows).iterrows():
        cells = []
        for col in table.columns:
            value = row[col]
            if col == passed_column and isinstance(value, (bool, np.bool_, str)):
                text = str(value)
                if text in ("True", "False", "pass", "fail"):
                    label = "pass" if text in ("True", "pass") else "fail"
                    cells.append(f'<td class="{label}">{esc(say(label, lang))}</td>')
                else:
                    cells.append(f'<td class="verdict">{esc(say(text, lang))}</td>')
            elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                value, (bool, np.bool_)
            ):
                cells.append(f'<td class="num">{_fmt(float(value))}</td>')
            elif isinstance(value, str) and _PERCENT.match(value):
                cells.append(f'<td class="num">{esc(value)}</td>')
            else:
                cells.append(f"<td>{_fmt(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if len(table) <= max_rows:
        more = ""
    elif lang == "zh":
        more = (
            f'<p class="note">仅显示前 {max_rows} 行（共 {len(table)} 行），全部数据见 CSV。</p>'
        )
    else:
        more = f'<p class="note">first {max_rows} of {len(table)} rows; all rows in the CSV.</p>'

    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def figure_html(fig, caption: str, *, dpi: int = 100) -> str:
    """An embedded PNG figure with a caption (the figure is closed afterwards)."""
    import matplotlib.pyplot as plt

    from .plotting import figure_to_png_bytes

    data = base64.b64encode(figure_to_png_bytes(fig, dpi=dpi)).decode()
    plt.close(fig)
    return (
        f'<figure><img alt="{esc(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def map_html(m, title: str) -> str:
    """An interactive folium map embedded as an iframe ``srcdoc`` (self-contained)."""
    page = m.get_root().render()
    value, unit = getattr(m, "height", (None, None))
    # The frame as tall as the map: no blank band below it.
    size = f' style="height: {float(value):g}px"' if unit == "px" and value else ""
    return f'<iframe title="{esc(title)}"{size} srcdoc="{html.escape(page, quote=True)}"></iframe>'


def _badge(text: str, *, real: bool = False) -> str:
    return f'<span class="badge{" real" if real else ""}">{esc(text)}</span>'


def _pct(x: float) -> str:
    return "" if x != x else f"{100 * x:.1f} %"


def _city_name(layout: Any, key: Any, lang: str) -> str:
    """The name of the city ``key`` of ``layout`` in ``lang`` (``key`` itself if unknown)."""
    row = layout.cities.loc[layout.cities["key"] == key]
    if row.empty:
        return str(key)
    return str(row["name_zh" if lang == "zh" else "name_en"].iloc[0])


def _named_cities(
    frame: pd.DataFrame, layout: Any, *, column: str = "city", outside: str | None = None
) -> pd.DataFrame:
    """``frame`` for display: city keys as names (``city``, ``city_en``), in layout order.

    Rows of other values (``"outside the cities"``) come last, shown as ``outside``.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> t = pd.DataFrame({"city": ["outside the cities", "digital", "ocean"], "n": [1, 2, 3]})
    >>> shown = _named_cities(t, load_layout(), outside="三城以外")
    >>> shown["city"].tolist(), shown["n"].tolist()
    (['海洋科技城', '数智产业城', '三城以外'], [3, 2, 1])
    >>> shown["city_en"].tolist()[:2]
    ['Ocean Science and Technology City', 'Digital-Intelligence Industry City']
    """
    keys = list(layout.cities["key"])
    rank = pd.Series(frame[column]).map({k: i for i, k in enumerate(keys)}).fillna(len(keys))
    out = pd.DataFrame(frame).iloc[np.argsort(rank.to_numpy(), kind="stable")]
    out = out.reset_index(drop=True)
    codes = out[column]
    other = codes if outside is None else pd.Series(outside, index=codes.index)
    out[column] = codes.map(dict(zip(keys, layout.cities["name_zh"]))).fillna(other)
    english = codes.map(dict(zip(keys, layout.cities["name_en"]))).fillna(other)
    out.insert(out.columns.get_loc(column) + 1, f"{column}_en", english)
    return out


def _rounded(
    frame: pd.DataFrame, *, pct: Sequence[str] = (), digits: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """A copy for display: shares as percentages, other columns rounded (CSV keeps all)."""
    out = pd.DataFrame(frame).copy()
    for col in pct:
        if col in out.columns:
            out[col] = [_pct(float(v)) if pd.notna(v) else "" for v in out[col]]
    for col, n in (digits or {}).items():
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce").round(n)
    return out


# --------------------------------------------------------------------------------------
# Sections, the table of sections and what a builder receives
# --------------------------------------------------------------------------------------
@dataclass
class Section:
    """One section of the report, as a builder returns it.

    ``body`` is HTML (every user value escaped); ``tables`` are written as CSV
    (``tables/<key>_<name>.csv``), ``layers`` into the GeoPackage (``<key>_<name>``; the
    layout's under their own names), ``rasters`` beside it; ``credits`` are attribution
    lines the data shown ask for (repeated in the page footer).
    """

    key: str
    title: str
    body: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    rasters: dict[str, Path] = field(default_factory=dict)
    credits: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectionSpec:
    """One entry of :data:`SECTIONS`.

    Parameters
    ----------
    build : callable
        ``build(ctx: ReportContext) -> Section``.
    title_en, title_zh : str
        The section's title in each language (numbered on the page).
    needs : tuple of str
        Inputs the builder uses.  ``layout``, ``resources``, ``base``, ``graph`` and
        ``facilities`` always exist (bundled or synthetic defaults); any other name must
        be given to :func:`build_report` in ``inputs`` (e.g. ``"snapshots"``): without
        it the section is left out of the default report, and shown as not computed,
        saying what is missing, when asked for by name.
    default : bool
        Shown by the default report.
    data : str
        What the section runs on, for ``--help`` and the docs.
    required : bool
        Always shown, and its failure stops the run (the layout and the provenance).
    """

    build: Callable[[ReportContext], Section]
    title_en: str
    title_zh: str
    needs: tuple[str, ...] = ("layout",)
    default: bool = True
    data: str = ""
    required: bool = False

    def title(self, lang: str) -> str:
        """The title in ``lang``."""
        return self.title_zh if lang == "zh" else self.title_en


BUILTIN_INPUTS = ("layout", "resources", "base", "graph", "facilities")
"""Inputs every section may use: each has a default (bundled or synthetic data)."""


@dataclass
class ReportContext:
    """What a section builder receives: the layout, the configuration and lazy inputs.

    Inputs are resolved once, on first use, and shared by the sections; an input that
    cannot be resolved raises the same error in every section that needs it (each then
    shows as not computed).
    """

    layout: Any
    config: ReportConfig
    out: Path
    inputs: dict[str, Any] = field(default_factory=dict)
    map_options: dict[str, Any] = field(default_factory=lambda: {"basemap": "blank"})
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        """The report's language (``"en"`` or ``"zh"``)."""
        return self.config.lang

    @property
    def figure_lang(self) -> str:
        """Language of figure labels: Chinese names beside English in an English report."""
        return "zh" if self.lang == "zh" else "both"

    def fig_tr(self, en: str, zh: str) -> str:
        """Text drawn inside a figure: ``zh`` in a Chinese report where a Chinese font is
        installed (matplotlib cannot draw it otherwise), ``en`` otherwise."""
        if self.lang != "zh":
            return en
        if "cjk_font" not in self.cache:
            from .plotting import cjk_font

            self.cache["cjk_font"] = cjk_font()
        return zh if self.cache["cjk_font"] else en

    def say(self, key: str) -> str:
        """The report's word for ``key`` in its language."""
        return say(key, self.lang)

    def tr(self, en: str, zh: str) -> str:
        """``zh`` in a Chinese report, ``en`` otherwise."""
        return zh if self.lang == "zh" else en

    def once(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time, its result (or its error) afterwards."""
        if name not in self.cache:
            try:
                self.cache[name] = compute()
            except CorridorGeoError as exc:
                self.cache[name] = exc
        value = self.cache[name]
        if isinstance(value, CorridorGeoError):
            raise value
        return value

    def input(self, name: str) -> Any:
        """A named input given to :func:`build_report` (``inputs=``)."""
        if self.inputs.get(name) is None:
            raise InputError(
                f"this section needs the input {name!r}: pass build_report(..., "
                f"inputs={{{name!r}: ...}})"
            )
        return self.inputs[name]

    def resources(self) -> _Inputs:
        """The resources: the caller's, or the seeded synthetic set, and the base snapshot.

        Attributes of the result: ``current`` and ``base`` (WGS84 GeoDataFrames, ``base``
        may be None), ``points`` (what maps may draw: none of the synthetic set),
        ``label`` (``"synthetic"`` or ``"caller's data"``), ``banner`` (HTML saying
        which, to put at the top of a section) and ``rejected`` (rows the reader refused).
        """
        return self.once(
            "resources",
            lambda: _resolve_inputs(
                self.layout,
                self.inputs.get("resources"),
                self.inputs.get("datum"),
                self.inputs.get("base"),
                labels=self.config.categories,
                lang=self.lang,
            ),
        )

    def network(self) -> _Network:
        """The road network (the caller's or the schematic one)."""
        return self.once("network", lambda: _resolve_network(self))

    def facilities(self) -> gpd.GeoDataFrame:
        """Facilities of the isochrones and catchments, WGS84, with a ``facility`` name."""
        return self.once("facilities", lambda: _resolve_facilities(self))

    def stations(self) -> gpd.GeoDataFrame:
        """The bundled metro stations (WGS84)."""
        from .metro import metro_stations

        return self.once("stations", metro_stations)

    def register(self) -> gpd.GeoDataFrame:
        """The bundled institution register's rows (WGS84) with corridor flags."""
        return self.once("register", lambda: _register_rows(self.layout))

    def population_polygons(self) -> tuple[gpd.GeoDataFrame, str]:
        """The finest census population polygons and how they were made."""
        return self.once("population", lambda: _population_polygons(self.layout))


def section_layout(ctx: ReportContext) -> Section:
    """The layout against the plan's official figures, and the register's university count."""
    from .maps import explore_layout
    from .plotting import plot_layout

    layout = ctx.layout
    table = layout.validate()
    table["verdict"] = np.where(table["passed"].astype(bool), "pass", "fail")
    extra = ""
    try:
        row = _university_check(ctx)
    except CorridorGeoError as exc:  # a replaced corridor the register cannot be read on
        extra = (
            f"<p class='note'>{ctx.tr('Register check not computed', '名录核对未计算')}: "
            f"{esc(exc)}</p>"
        )
    else:
        table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    shown = table[["check", "subject", "official", "measured", "unit", "tolerance", "verdict"]]
    checks = table[table["verdict"].isin(["pass", "fail"])]
    n_ok = int((checks["verdict"] == "pass").sum())
    statuses = sorted(
        {
            str(s)
            for name in ("cities", "axis", "circles", "districts")
            for s in layout[name]["status"]
        }
    )
    badge = _badge(ctx.tr(", ", "、").join(ctx.say(s) for s in statuses))
    verdicts = {k: esc(ctx.say(k)) for k in ("register incomplete", "consistent")}
    verdicts["more"] = esc(ctx.say("more than official"))
    intro = ctx.tr(
        f"<p>Status of the layers: {badge} "
        "(bundled layers are indicative: the plan publishes figures and boundary roads, not "
        "geometry; see the provenance section).</p>"
        f"<p><strong>{n_ok} of {len(checks)}</strong> checks passed. Areas and lengths are "
        "geodesic (WGS 84 ellipsoid). The last row compares the bundled institution "
        "register with the city's count; it is <em>judged</em>, not passed or failed "
        "(the register holds what open sources place, not an inventory): "
        "<em>register incomplete</em> when even the universities within their position "
        "accuracy of the corridor are fewer than the official count, <em>consistent "
        "within accuracy</em> when the official count lies between the universities "
        "certainly inside and those possibly inside, <em>more than the official count</em> "
        "when more lie certainly inside. It does not change the exit code.</p>",
        f"<p>图层状态：{badge}（内置图层为示意性数据：规划仅公布指标数值和边界道路，"
        "未公布空间范围的几何图形；详见“数据与来源”一节）。</p>"
        f"<p>共 {len(checks)} 项检查，<strong>{n_ok}</strong> 项通过。面积与长度均为"
        "测地量算（WGS 84 椭球面）。最后一行将内置机构名录与全市官方数进行对照，"
        "其结果为<em>研判</em>，不作通过或未通过的判定（名录收录的是公开来源能够定位的"
        "机构，并非完整清单）：计入点位精度后，可能位于走廊内的高校仍少于官方数，"
        f"判为<em>{verdicts['register incomplete']}</em>；官方数介于确定位于走廊内与"
        f"可能位于走廊内的高校数之间，判为<em>{verdicts['consistent']}</em>；确定位于"
        f"走廊内的高校已多于官方数，判为<em>{verdicts['more']}</em>。该项不影响程序的"
        "退出码。</p>",
    )
    if ctx.map_options.get("basemap", "blank") == "blank":
        map_note = ctx.tr(
            "Interactive map: hover for names and figures; the layer control switches "
            "layers. No basemap tiles, so it works offline.",
            "交互式地图：鼠标悬停可查看名称和数值，可用图层控件切换图层。"
            "未加载底图瓦片，可离线使用。",
        )
    else:
        basemap = esc(ctx.map_options["basemap"])
        map_note = ctx.tr(
            "Interactive map: hover for names and figures; the layer control switches "
            f"layers. Basemap: {basemap} (its tiles need the internet).",
            "交互式地图：鼠标悬停可查看名称和数值，可用图层控件切换图层。"
            f"底图：{basemap}（底图瓦片需联网加载）。",
        )
    body = (
        intro
        + table_html(shown, passed_column="verdict", lang=ctx.lang)
        + extra
        + figure_html(
            plot_layout(layout, lang=ctx.figure_lang, figsize=(7, 9)),
            ctx.tr("The layout (EPSG:4549)", "空间布局 (EPSG:4549)"),
        )
        + map_html(
            explore_layout(layout, height=540, lang=ctx.figure_lang, **ctx.map_options),
            ctx.tr("interactive layout map", "交互式布局地图"),
        )
        + f'<p class="note">{map_note}</p>'
    )
    layers = {
        name: layout[name]
        for name in ("corridor", "cities", "circles", "axis", "districts", "city")
    }
    tables = {"validation": table}
    for name, checks in layout.reports.items():  # replacements made in report mode
        failed = checks[~checks["passed"].astype(bool)] if "passed" in checks else checks
        where = f"<code>tables/layout_replace_{esc(name)}.csv</code>"
        body += f"<h3>{esc(ctx.tr('Replaced layer', '替换图层'))}: {esc(name)}</h3>"
        if len(failed):
            body += ctx.tr(
                f"<p>The <code>{esc(name)}</code> layer was replaced in report mode: it is "
                f"used although {len(failed)} of its {len(checks)} checks failed; the "
                f"failed ones are below, all of them in {where}.</p>",
                f"<p><code>{esc(name)}</code> 图层已在报告模式下替换：其 {len(checks)} 项"
                f"检查中有 {len(failed)} 项未通过，但仍予采用；未通过的检查见下表，"
                f"全部检查见 {where}。</p>",
            ) + table_html(failed, passed_column="passed", lang=ctx.lang)
        else:
            body += ctx.tr(
                f"<p>The <code>{esc(name)}</code> layer was replaced in report mode and "
                f"passed all {len(checks)} of its checks ({where}).</p>",
                f"<p><code>{esc(name)}</code> 图层已在报告模式下替换，{len(checks)} 项检查"
                f"全部通过（{where}）。</p>",
            )
        tables[f"replace_{name}"] = checks
    return Section("layout", "", body, tables, layers)


def _university_check(ctx: ReportContext) -> dict[str, Any]:
    """The validation row: the register's universities in the corridor against the city's."""
    from .official import CORRIDOR_STOCK, CORRIDOR_STOCK_SOURCE

    counts = _register_summary(ctx)
    uni = counts.set_index("category").loc["university"]
    official = float(CORRIDOR_STOCK["university"]["count"])  # type: ignore[arg-type]
    measured = float(uni["in_corridor"])
    return {
        "check": "register count",
        "subject": "universities in the corridor",
        "official": official,
        "measured": measured,
        "unit": "institutions",
        "difference": measured - official,
        "rel_difference": (measured - official) / official,
        "tolerance": np.nan,
        "passed": None,
        "note": (
            f"bundled institution register: {int(uni['certain'])} certainly and "
            f"{int(uni['possible'])} possibly inside given each campus point's accuracy; "
            f"judged, not passed or failed; official: {CORRIDOR_STOCK_SOURCE}"
        ),
        "verdict": uni["verdict"],
    }


def section_provenance(ctx: ReportContext) -> Section:
    """Which data were used, their attributions, and where the bundled data come from."""
    from ._show_versions import versions
    from .datasets import sources_text

    used = ctx.cache.get("used_inputs", {})
    rows = pd.DataFrame({"input": list(used), "used": list(used.values())})
    shown = ctx.cache.get("used_inputs_shown", used)
    shown_rows = pd.DataFrame({"input": list(shown), "used": list(shown.values())})
    credits = list(dict.fromkeys(ctx.cache.get("credits", [])))
    sources = sources_text()
    info = versions()
    deps = ", ".join(f"{k} {v}" for k, v in info["dependencies"].items() if v)
    body = (
        table_html(shown_rows, lang=ctx.lang)
        + (
            f"<h3>{ctx.tr('Attribution', '数据署名')}</h3><ul>"
            + "".join(f"<li class='credit'>{esc(c)}</li>" for c in credits)
            + "</ul>"
            if credits
            else ""
        )
        + "<details><summary>"
        + ctx.tr("Provenance of the bundled layers", "内置图层的数据来源")
        + " (SOURCES.md)</summary>"
        f"<pre style='white-space:pre-wrap;font-size:12px'>{esc(sources)}</pre></details>"
        f"<p class='note'>corridor_geo {esc(info['system']['corridor_geo'])}; {esc(deps)}</p>"
    )
    return Section("provenance", "", body, {"inputs": rows})


# --------------------------------------------------------------------------------------
# Real data: metro, register, sub-districts
# --------------------------------------------------------------------------------------
def _metro_credit(frame: pd.DataFrame | gpd.GeoDataFrame) -> str:
    return str(frame.attrs.get("attribution", "")).strip()


def section_metro(ctx: ReportContext) -> Section:
    """Metro stations along the corridor: per km of axis, walking reach, share of the city."""
    from .axis import axis_by_city, axis_profile
    from .coverage import coverage
    from .metro import metro_lines
    from .plotting import plot_axis_profile
    from .zones import assign_zones, share_of_city

    layout, cfg = ctx.layout, ctx.config
    stations = ctx.stations()
    lines = metro_lines()
    credit = _metro_credit(stations)
    radius = cfg.metro_radius_m

    profile = axis_profile(stations, layout=layout, bin_km=cfg.metro_bin_km)
    profile = profile.rename(columns={"count": "stations", "count_per_km": "stations_per_km"})
    excluded = profile.attrs.get("excluded", {})

    shares = share_of_city(
        stations, layout=layout, by=None, layers=("corridor", "cities"), weight=None
    )
    polys, pop_method = ctx.population_polygons()
    pop_text = esc(_population_method(polys, ctx.lang))
    cov = coverage(
        stations,
        layout=layout,
        radius_m=radius,
        layers=("corridor", "cities"),
        population=polys,
    )
    cov = cov[cov["zone"] != "ALL"].reset_index(drop=True)
    parts = axis_by_city(layout)
    axis_km = parts.groupby("city")["length_km"].sum()
    table = shares[["layer", "zone", "name_zh", "name_en", "count", "city_count"]].rename(
        columns={"count": "stations"}
    )
    table["share_of_city"] = table["stations"] / table["city_count"]
    table["axis_km"] = [
        float(parts["length_km"].sum()) if z == "corridor" else float(axis_km.get(z, 0.0))
        for z in table["zone"]
    ]
    table["stations_per_axis_km"] = table["stations"] / table["axis_km"].where(
        table["axis_km"] > 0
    )
    table = table.merge(
        pd.DataFrame(
            cov[
                [
                    "zone",
                    "area_km2",
                    "covered_km2",
                    "area_share",
                    "population",
                    "covered_population",
                    "population_share",
                ]
            ]
        ),
        on="zone",
        how="left",
    )
    table = table.rename(
        columns={"population": "population_est", "covered_population": "covered_population_est"}
    )
    table["method"] = (
        f"stations: {len(stations)} bundled; reach {radius:g} m straight line (EPSG:4549), "
        f"not a walking route; {pop_method}"
    )

    # Stations of each line in the corridor.
    inside = assign_zones(stations, layout=layout, layers=("corridor",))["n_corridor"] > 0
    per_line = []
    for line, group in lines.groupby("line", sort=False):
        ids = {int(s) for seq in group["stations"] for s in seq.split("|")}
        sel = stations["station_id"].isin(ids)
        per_line.append(
            {
                "line": line,
                "name_zh": group["name_zh"].iloc[0],
                "name_en": group["name_en"].iloc[0],
                "colour": group["colour"].iloc[0],
                "stations": int(sel.sum()),
                "in_corridor": int((sel & inside.to_numpy()).sum()),
            }
        )
    lines_table = pd.DataFrame(per_line)
    lines_table = lines_table.sort_values("in_corridor", ascending=False, kind="stable")

    # Where the population is spread evenly over each city (areal weighting, one district
    # per city), the share of people within reach is the share of area: say so once and
    # show the number of people instead of a column that repeats another.
    cities = table["layer"] == "cities"
    repeats = bool(
        np.allclose(
            table.loc[cities, "population_share"], table.loc[cities, "area_share"], atol=5e-4
        )
    )
    shown_cols = ["name_zh", "name_en", "stations", "share_of_city", "axis_km"]
    shown_cols += ["stations_per_axis_km", "area_share", "covered_population_est"]
    if not repeats:
        shown_cols.append("population_share")
    shown = table[shown_cols].copy()
    people = (shown["covered_population_est"] / 100).round() * 100
    shown["covered_population_est"] = people.astype("Int64")
    shown = _rounded(
        shown,
        pct=("share_of_city", "area_share", "population_share"),
        digits={"axis_km": 1, "stations_per_axis_km": 2},
    )
    repeat_note = (
        ctx.tr(
            " Within each city the estimated population has one density (its district's, "
            "spread by land area), so the share of its people within reach equals the share "
            "of its area; the table gives the number of people (rounded to 100) instead, and "
            "the CSV both shares.",
            "各城的估算人口在城内只有一个密度（所在区的人口按土地面积均摊），因此步行可达"
            "范围内的人口占比等于面积占比；表中改列可达人口（取整到百位），两种占比均见 CSV。",
        )
        if repeats
        else ""
    )
    peak = profile.loc[profile["stations_per_km"].idxmax()] if len(profile) else None
    corridor_row = table.set_index("zone").loc["corridor"]
    fig_lang = ctx.figure_lang
    body = (
        f"<p>{_badge(ctx.say('real data'), real=True)} <span class='credit'>{esc(credit)}"
        "</span></p>"
        + ctx.tr(
            f"<p><strong>{int(corridor_row['stations'])}</strong> of the city's "
            f"{int(corridor_row['city_count'])} stations lie in the corridor "
            f"({_pct(corridor_row['share_of_city'])}), "
            f"{corridor_row['stations_per_axis_km']:.2f} per km of Binhai Avenue; "
            f"{_pct(corridor_row['area_share'])} of the corridor's area lies within "
            f"{radius:g} m of a station.</p>",
            f"<p>全市 {int(corridor_row['city_count'])} 座地铁站中，"
            f"<strong>{int(corridor_row['stations'])}</strong> 座位于走廊内"
            f"（全市占比 {_pct(corridor_row['share_of_city'])}），沿滨海大道每公里 "
            f"{corridor_row['stations_per_axis_km']:.2f} 座；走廊面积的 "
            f"{_pct(corridor_row['area_share'])} 位于车站 {radius:g} 米范围内。</p>",
        )
        + f"<h3>{ctx.tr('By city', '按城')}</h3>"
        + table_html(shown, lang=ctx.lang)
        + ctx.tr(
            f"<p class='note'>Within {radius:g} m: straight-line distance from a station "
            "(EPSG:4549), the usual walking catchment of a station; a walk along streets "
            f"reaches less. Population: {pop_text}.{repeat_note} Stations per km: stations "
            "inside each city over the length of Binhai Avenue through it (the avenue does "
            "not enter 青年科创城, which has none).</p>",
            f"<p class='note'>{radius:g} 米范围：距车站的直线距离（EPSG:4549），即车站通常的"
            "步行可达范围；沿街道实际步行可达的范围更小。"
            f"人口：{pop_text}。{repeat_note}每公里站点数：各城内的站点数除以滨海大道在该城"
            "境内的长度（滨海大道不经过青年科创城，该城无此值）。</p>",
        )
        + f"<h3>{ctx.tr('Stations per km along Binhai Avenue', '滨海大道沿线每公里站点数')}</h3>"
        + figure_html(
            plot_axis_profile(
                profile.rename(columns={"stations_per_km": "count_per_km"}),
                lang=fig_lang,
                ylabel=ctx.fig_tr("stations per km", "每公里站点数"),
            ),
            ctx.tr(
                f"Metro stations inside the corridor per km of axis, in {cfg.metro_bin_km:g} km "
                "chainage bins",
                f"走廊内地铁站点,按 {cfg.metro_bin_km:g} 公里里程分段",
            )
            + f" · {credit}",
        )
        + (
            ctx.tr(
                f"<p>Densest stretch: km {peak['start_km']:g}-{peak['end_km']:g}, "
                f"{int(peak['stations'])} stations ({peak['stations_per_km']:.2f} per km).</p>",
                f"<p>站点最密集路段：{peak['start_km']:g}–{peak['end_km']:g} 公里，"
                f"共 {int(peak['stations'])} 座站点（每公里 {peak['stations_per_km']:.2f} 座）。"
                "</p>",
            )
            if peak is not None and peak["stations"] > 0
            else ""
        )
        + ctx.tr(
            "<p class='note'>Stations outside the corridor are not on the profile: ",
            "<p class='note'>走廊外的站点不计入剖面：",
        )
        + _excluded_text(excluded, ctx.lang, unit_zh="座")
        + ctx.tr(".</p>", "。</p>")
        + f"<h3>{ctx.tr('Lines', '线路')}</h3>"
        + table_html(lines_table, lang=ctx.lang)
        + figure_html(
            _metro_figure(
                layout,
                lines,
                stations,
                credit=credit,
                lang=fig_lang,
                legend_title=ctx.fig_tr("Line", "线路"),
            ),
            ctx.tr("Metro lines in their colours", "地铁线路(按线路颜色)") + f" · {credit}",
        )
        + map_html(
            _metro_map(ctx, lines, stations, credit=credit),
            ctx.tr("interactive metro map", "交互式地铁地图"),
        )
    )
    return Section(
        "metro",
        "",
        body,
        {"by_city": table, "axis_profile": pd.DataFrame(profile), "lines": lines_table},
        {"stations": stations, "lines": lines},
        credits=(credit,),
    )


def _metro_figure(layout, lines, stations, *, credit: str, lang: str, legend_title: str):
    """The layout with the metro lines in their colours and the stations, attributed."""
    from matplotlib.lines import Line2D

    from ._styles import STATION_EDGE, STATION_FILL
    from .crs import ANALYSIS_CRS, to_crs
    from .plotting import cjk_font, plot_layout

    fig = plot_layout(layout, lang=lang, circles=False, labels=False, figsize=(6.5, 8))
    ax = fig.axes[0]
    legend = ax.get_legend()
    handles = []
    for _, row in to_crs(lines, ANALYSIS_CRS).drop_duplicates("line").iterrows():
        handles.append(Line2D([], [], color=row["colour"], lw=2, label=f"{row['line']}"))
    for _, row in to_crs(lines, ANALYSIS_CRS).iterrows():
        x, y = row.geometry.xy
        ax.plot(x, y, color=row["colour"], lw=1.8, zorder=6.5, solid_capstyle="round")
    pts = to_crs(stations, ANALYSIS_CRS)
    ax.scatter(
        pts.geometry.x,
        pts.geometry.y,
        s=9,
        c=STATION_FILL,
        edgecolors=STATION_EDGE,
        lw=0.6,
        zorder=7,
    )
    if legend is not None:
        ax.add_artist(legend)
    # Line names and the title may be Chinese: fall back to a CJK font for their glyphs.
    family = cjk_font()
    prop = {"family": ["DejaVu Sans", family], "size": 7} if family else {"size": 7}
    ax.legend(
        handles=handles,
        loc="center right",
        prop=prop,
        framealpha=0.9,
        title=legend_title,
        title_fontproperties={**prop, "size": 8},
    )
    # The credit the licence asks for, under the map (it travels with the image).
    fig.canvas.draw()  # the equal-aspect map's final frame, to put the credit under it
    frame = ax.get_position()
    fig.text(
        0.5,
        frame.y0 - 0.01,
        "\n".join(textwrap.wrap(credit, 130)),
        ha="center",
        va="top",
        fontsize=5.5,
        color="#333333",
    )
    return fig


def _add_attribution(m, text: str) -> None:
    """Write ``text`` into the Leaflet map's attribution control (escaped)."""
    from branca.element import MacroElement
    from jinja2 import Template

    class Attribution(MacroElement):
        _template = Template(
            "{% macro script(this, kwargs) %}"
            "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text }});"
            "{% endmacro %}"
        )

        def __init__(self, value: str) -> None:
            super().__init__()
            self._name = "Attribution"
            self.text = json.dumps(esc(value))

    m.add_child(Attribution(text))


def _for_map_datum(m, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from .crs import WGS84, to_crs, to_datum

    datum = getattr(m, "corridor_geo_datum", "WGS84")
    frame = to_crs(frame, WGS84)
    return frame if datum == "WGS84" else to_datum(frame, datum)


def _metro_map(ctx: ReportContext, lines, stations, *, credit: str):
    import folium

    from .maps import add_points, explore_layout

    m = explore_layout(
        ctx.layout,
        layers=("corridor", "axis"),
        height=480,
        lang=ctx.figure_lang,
        **ctx.map_options,
    )
    shown = _for_map_datum(m, lines)
    for line, group in shown.groupby("line", sort=False):
        colour = str(group["colour"].iloc[0])
        name = f"{ctx.tr('Line', '线路')} {line} {group['name_zh'].iloc[0]}"
        data = json.loads(group[["line", "name_zh", "geometry"]].to_json())
        folium.GeoJson(
            data,
            name=esc(name),
            style_function=lambda _f, c=colour: {"color": c, "weight": 4, "opacity": 0.9},
            tooltip=folium.GeoJsonTooltip(["name_zh"], labels=False),
        ).add_to(m)
        m.corridor_geo_legend.append(("line", colour, name))
    labelled = stations.assign(label=stations["name_zh"] + " (" + stations["line_names"] + ")")
    add_points(
        m,
        labelled,
        name=ctx.tr("metro stations", "地铁站点"),
        label_column="label",
        color="#333333",
        radius=3,
    )
    # The licence's credit, short on the map (in full beside it).
    _add_attribution(
        m,
        "Metro: East Asian metro dataset, Cheng, Verma, Cats (TU Delft), "
        f"{stations.attrs.get('licence', '')}",
    )
    return m


_CAMPUS = re.compile(r"\([^()]*校区[^()]*\)$")


def _institution(name: str) -> str:
    """The institution of a register row: its name without the bracketed campus."""
    return _CAMPUS.sub("", str(name))


def _register_rows(layout) -> gpd.GeoDataFrame:
    """The register's rows with the institution, corridor flags and distance to the edge."""
    import shapely

    from ._points import metric_points
    from .resources import institution_register
    from .zones import assign_zones

    reg = institution_register().accepted.reset_index(drop=True)
    zones = assign_zones(reg, layout=layout, layers=("corridor", "cities"))
    pts = metric_points(reg, what="register")
    corridor = layout.union("corridor")
    points = shapely.points(pts.x, pts.y)
    distance = shapely.distance(corridor.boundary, points)
    inside = zones["n_corridor"].to_numpy() > 0
    radius = pd.to_numeric(reg["accuracy_m"], errors="coerce").to_numpy(float)
    out = reg.copy()
    out["institution"] = out["name"].map(_institution)
    out["in_corridor"] = inside
    out["city"] = zones["cities"].to_numpy()
    out["edge_distance_m"] = np.where(inside, distance, -distance)  # + inside, - outside
    out["certain"] = inside & (distance > radius)
    out["possible"] = inside | (distance <= radius)
    return out


def _verdict(certain: int, possible: int, official: float | None) -> str:
    if official is None or official != official:
        return "no official count"
    if possible < official:
        return "register incomplete"
    if certain > official:
        return "more than official"
    return "consistent"


_POSITION_ZH = {
    "certainly inside": "确定在内",
    "inside, within its accuracy of the edge": "在内，距边界小于点位精度",
    "outside, within its accuracy of the edge": "在外，距边界小于点位精度",
}

CITY_WIDE_CATEGORIES = ("university",)
"""Register categories that cover the whole city (the MoE list of Qingdao's universities)."""


def _register_summary(ctx: ReportContext) -> pd.DataFrame:
    """Per category: rows, institutions, in the corridor, certain/possible, official, verdict."""

    def compute() -> pd.DataFrame:
        from .official import CORRIDOR_STOCK
        from .resources import category_registry

        reg = ctx.register()
        names = category_registry().set_index("key")
        cats = list(dict.fromkeys([*reg["category"], *CORRIDOR_STOCK]))
        rows = []
        for cat in cats:
            part = reg[reg["category"] == cat]
            stock = CORRIDOR_STOCK.get(cat, {})
            if part.empty and cat not in ("mfg_innovation_center",):
                continue  # firms and R&D institutions: out of the register's scope
            inst = part.groupby("institution")[["in_corridor", "certain", "possible"]].any()
            official = float(stock["count"]) if stock else np.nan  # type: ignore[arg-type]
            city_wide = cat in CITY_WIDE_CATEGORIES
            rows.append(
                {
                    "category": cat,
                    "name_zh": names["name_zh"].get(cat, cat),
                    "name_en": names["name_en"].get(cat, cat),
                    "register_rows": len(part),
                    "institutions": len(inst),
                    "in_corridor": int(inst["in_corridor"].sum()),
                    "certain": int(inst["certain"].sum()),
                    "possible": int(inst["possible"].sum()),
                    "official_corridor": official,
                    "official_counts": stock.get("name_en", ""),
                    "share_of_city": (
                        inst["in_corridor"].sum() / len(inst)
                        if city_wide and len(inst)
                        else np.nan
                    ),
                    "verdict": _verdict(
                        int(inst["certain"].sum()), int(inst["possible"].sum()), official
                    ),
                }
            )
        return pd.DataFrame(rows)

    return ctx.once("register_summary", compute)


def section_register(ctx: ReportContext) -> Section:
    """Universities and named institutions of the register, against the city's counts."""
    from ._styles import category_colors
    from .maps import add_points, explore_layout
    from .official import CORRIDOR_STOCK_SOURCE, CORRIDOR_STOCK_SOURCE_ZH

    reg = ctx.register()
    summary = _register_summary(ctx)
    uni = summary.set_index("category").loc["university"]
    label_col = "name_zh" if ctx.lang == "zh" else "name_en"
    inside = reg[reg["possible"]].copy()
    inside["campus"] = inside["name"]
    inside["position"] = np.select(
        [inside["certain"], inside["in_corridor"]],
        ["certainly inside", "inside, within its accuracy of the edge"],
        "outside, within its accuracy of the edge",
    )
    city_names = ctx.layout.cities.set_index("key")["name_zh" if ctx.lang == "zh" else "name_en"]
    inside["city"] = inside["city"].map(city_names)
    listed = inside.sort_values(["category", "institution"])[
        [
            "institution",
            "campus",
            "category",
            "city",
            "accuracy_m",
            "edge_distance_m",
            "position",
        ]
    ]
    shown = summary[
        [
            "category",
            label_col,
            "register_rows",
            "institutions",
            "in_corridor",
            "certain",
            "possible",
            "official_corridor",
            "share_of_city",
            "verdict",
        ]
    ]
    shown = _rounded(shown, pct=("share_of_city",))
    listed_shown = _rounded(listed, digits={"edge_distance_m": 0})
    if ctx.lang == "zh":  # the CSV keeps the English words
        listed_shown["position"] = listed_shown["position"].map(_POSITION_ZH)
    m = explore_layout(
        ctx.layout,
        layers=("corridor", "cities", "axis"),
        height=480,
        lang=ctx.figure_lang,
        **ctx.map_options,
    )
    cats = [str(c) for c in pd.unique(reg["category"])]
    accuracy = pd.to_numeric(reg["accuracy_m"], errors="coerce")
    labelled = reg.assign(
        label=reg["name"].astype(str)
        + " · "
        + reg["category_zh" if ctx.lang == "zh" else "category_en"].astype(str)
        + " · ±"
        + accuracy.map(lambda v: f"{v:,.0f}")
        + " m"
    )
    add_points(
        m,
        labelled,
        name=ctx.tr("register", "名录"),
        label_column="label",
        color_column="category",
        colors=category_colors(cats),
        radius=5,
    )
    credit = (
        "Institution register: corridor_geo, positions from Baidu POIs (whr810012/uni-soket-ai), "
        "Naptie/cn-university-geocoder (MPL-2.0) and metromancn/MetroMapOpenMiniProgram "
        "(MIT); see register/SOURCES.md"
    )
    _add_attribution(m, "Register: corridor_geo (positions cited per row)")
    verdict = f"<span class='verdict'>{esc(ctx.say(str(uni['verdict'])))}</span>"
    official = _fmt(float(uni["official_corridor"]))
    share = _pct(float(uni["share_of_city"]))
    body = (
        f"<p>{_badge(ctx.say('real data'), real=True)} "
        + ctx.tr(
            "<span class='note'>The bundled "
            f"register of real institutions: {len(reg)} rows, each with a cited position and "
            "its accuracy (a radius). It is <strong>not complete</strong>: it holds what open "
            "sources place (see register/SOURCES.md).</p>"
            f"<p><strong>{int(uni['in_corridor'])}</strong> universities have a campus in the "
            f"corridor in the register ({int(uni['certain'])} certainly, "
            f"{int(uni['possible'])} possibly, given each point's accuracy), against the "
            f"official <strong>{official}</strong>: {verdict}. The register "
            f"covers the city's universities ({int(uni['institutions'])} institutions, "
            f"{int(uni['register_rows'])} campuses; 康复大学 has no cited position), so the "
            f"corridor holds {share} of them.</p>",
            "<span class='note'>内置的真实机构名录：共 "
            f"{len(reg)} 条记录，每条均注明点位出处及其精度（以半径表示）。名录<strong>并不"
            "完整</strong>：仅收录公开来源能够定位的机构（见 register/SOURCES.md）。</span></p>"
            f"<p>名录中在走廊内设有校区的高校共 <strong>{int(uni['in_corridor'])}</strong> 所"
            f"（计入各点位精度，确定在内 {int(uni['certain'])} 所，可能在内 "
            f"{int(uni['possible'])} 所），官方数为 <strong>{official}</strong> 所：{verdict}。"
            f"名录覆盖全市高校（{int(uni['institutions'])} 所机构、"
            f"{int(uni['register_rows'])} 个校区；康复大学暂无可引用的点位），据此，走廊内高校"
            f"的全市占比为 {share}。</p>",
        )
        + table_html(shown, passed_column="verdict", lang=ctx.lang)
        + ctx.tr(
            "<p class='note'>An institution counts as in the corridor when one of its "
            "campus points is; <em>certain</em>: farther inside than the point's accuracy; "
            "<em>possible</em>: inside, or outside by less than its accuracy. Official counts: "
            f"{esc(CORRIDOR_STOCK_SOURCE)}. The share of the city is given where the register "
            "covers the whole city (universities); for the other categories it holds only the "
            "institutions a source places.</p>",
            "<p class='note'>机构只要有一个校区点位位于走廊内，即计为走廊内机构；"
            "<em>确定在内</em>：点位在走廊内，且距边界的距离大于点位精度；"
            "<em>可能在内</em>：点位在走廊内，或在走廊外但距边界小于点位精度。"
            f"官方数来源：{esc(CORRIDOR_STOCK_SOURCE_ZH)}。仅对名录覆盖全市的类别（高校）"
            "给出全市占比；其他类别的名录只收录有来源可定位的机构。</p>",
        )
        + f"<h3>{ctx.tr('In the corridor or within accuracy of it', '走廊内或在精度范围内')}"
        "</h3>"
        + table_html(listed_shown, lang=ctx.lang)
        + map_html(m, ctx.tr("register map", "名录地图"))
        + f"<p class='credit'>{esc(credit)}</p>"
    )
    layer = reg.drop(columns=[c for c in reg.columns if c.startswith("lon_") or c == "lat_source"])
    # The reader keeps the file's text; a GIS layer gets numbers (coordinates as the
    # source gives them, in ``datum``) and whole years, so they sort and filter as such.
    layer = layer.assign(
        lon=pd.to_numeric(layer["lon"], errors="coerce"),
        lat=pd.to_numeric(layer["lat"], errors="coerce"),
        founded=pd.to_numeric(layer["founded"], errors="coerce").round().astype("Int64"),
    )
    return Section(
        "register",
        "",
        body,
        {"summary": summary, "in_corridor": pd.DataFrame(listed)},
        {"institutions": layer},
        credits=(credit,),
    )


def _population_polygons(layout) -> tuple[gpd.GeoDataFrame, str]:
    """The finest census polygons with a method text that says which rows are estimates."""
    from .population import census_polygons

    polys = census_polygons(layout, level="finest")
    return polys, _population_method(polys, "en")


def _population_method(polys: pd.DataFrame, lang: str) -> str:
    """How the population of ``polys`` was made, in ``lang`` (the CSVs keep English)."""
    from .population import census_subdistricts

    zh = lang == "zh"
    if "status" not in polys.columns:
        if zh:
            return "2020 年人口普查各区（市）总数按面积分摊（各区内人口密度均匀）"
        return "2020 census district totals spread by area (uniform density in each)"
    n_census = int((polys["status"] == "census").sum())
    n_est = len(polys) - n_census
    none_cited = n_census == 0 and len(census_subdistricts()) > 0
    if zh:
        return (
            f"2020 年人口普查街道（镇）数据：{len(polys)} 个街道（镇）中 {n_census} 个为"
            f"普查数（注明出处），{n_est} 个由所在区（市）总数按土地面积估算；"
            "各街道（镇）内人口密度视为均匀"
            + ("（未找到可引用的街道级普查数，均为估算值）" if none_cited else "")
        )
    return (
        f"2020 census by sub-district (街道/镇): {n_census} of {len(polys)} counted "
        f"(cited), {n_est} estimated from their district total by land "
        "area; uniform density within each sub-district"
        + (" (no citable sub-district census counts were found: estimates)" if none_cited else "")
    )


_EXCLUDED_ZH = {
    "beyond an end of the axis": "超出轴线端点",
    "outside the corridor": "位于走廊外",
    "no category": "无类别",
}
_FARTHER = re.compile(r"farther than (\S+) m from the axis")


def _excluded_text(excluded: Mapping[str, int], lang: str, *, unit_zh: str) -> str:
    """``excluded`` of an axis profile (reason -> count) as a sentence part, escaped."""
    if lang != "zh":
        return esc(", ".join(f"{v:,} {k}" for k, v in excluded.items()) or "none")
    parts = []
    for reason, n in excluded.items():
        far = _FARTHER.fullmatch(reason)
        name = f"距轴线超过 {far.group(1)} 米" if far else _EXCLUDED_ZH.get(reason, reason)
        parts.append(f"{name} {n:,} {unit_zh}")
    return esc("、".join(parts) or "无")


def section_subdistricts(ctx: ReportContext) -> Section:
    """The sub-districts in the corridor: area, estimated population, stations, register."""
    import shapely

    from ._metric import true_area_m2
    from .population import census_subdistricts
    from .zones import share_of_city, zone_geometries

    layout = ctx.layout
    subs = layout["subdistricts"]
    zones, geoms = zone_geometries(layout, "subdistricts")
    corridor = layout.union("corridor")
    geoms = np.asarray(geoms, dtype=object)
    area = true_area_m2(geoms) / 1e6
    corr = true_area_m2(shapely.intersection(geoms, corridor)) / 1e6
    polys, pop_method = ctx.population_polygons()
    table = pd.DataFrame(zones[["zone", "name_zh", "name_en"]]).rename(
        columns={"zone": "key", "name_zh": "subdistrict"}
    )
    info = subs.set_index("key")
    table["district"] = table["key"].map(info["district_zh"]) if "district_zh" in info else ""
    table["area_km2"] = area
    table["corridor_km2"] = corr
    table["corridor_share"] = corr / np.where(area > 0, area, np.nan)
    if "key" in polys.columns and "status" in polys.columns:
        pop = polys.set_index("key")
        table["population_estimated"] = table["key"].map(pop["population"]).astype(float)
        table["population_status"] = table["key"].map(pop["status"])
    else:
        table["population_estimated"] = np.nan
        table["population_status"] = "not available at sub-district level"
    # Uniform density within each sub-district, as the library's areal weighting assumes.
    table["population_in_corridor_estimated"] = (
        table["population_estimated"] * table["corridor_share"]
    )
    stations = share_of_city(
        ctx.stations(), layout=layout, by=None, layers="subdistricts", weight=None
    ).set_index("zone")["count"]
    register = share_of_city(
        ctx.register(), layout=layout, by=None, layers="subdistricts", weight=None
    ).set_index("zone")["count"]
    table["stations"] = table["key"].map(stations).fillna(0).astype(int)
    table["register_rows"] = table["key"].map(register).fillna(0).astype(int)
    table["population_method"] = pop_method
    in_corr = table[table["corridor_km2"] >= 0.01].sort_values("corridor_km2", ascending=False)
    total = pd.DataFrame(
        [
            {
                "subdistrict": ctx.say("all"),
                "district": "",
                "area_km2": in_corr["area_km2"].sum(),
                "corridor_km2": in_corr["corridor_km2"].sum(),
                "corridor_share": in_corr["corridor_km2"].sum() / in_corr["area_km2"].sum(),
                "population_estimated": in_corr["population_estimated"].sum(),
                "population_in_corridor_estimated": in_corr[
                    "population_in_corridor_estimated"
                ].sum(),
                "stations": int(in_corr["stations"].sum()),
                "register_rows": int(in_corr["register_rows"].sum()),
            }
        ]
    )
    cols = [
        "subdistrict",
        "district",
        "area_km2",
        "corridor_km2",
        "corridor_share",
        "population_estimated",
        "population_in_corridor_estimated",
        "stations",
        "register_rows",
    ]
    shown = pd.concat([in_corr[cols], total[cols]], ignore_index=True)
    status = census_subdistricts()["status"].value_counts()
    n_est = int(status.get("estimated", 0))
    credit = str(subs["licence"].iloc[0]) if "licence" in subs.columns and len(subs) else ""
    layer = gpd.GeoDataFrame(
        table.drop(columns=["population_method"]).assign(
            population_method=pop_method, licence=credit
        ),
        geometry=subs.set_index("key").loc[table["key"]].geometry.to_numpy(),
        crs=subs.crs,
    )
    held = _fmt(float(in_corr["corridor_km2"].sum()))
    body = (
        f"<p>{_badge(ctx.tr('real boundaries', '真实边界'), real=True)} "
        f"{_badge(ctx.say('estimated'))} "
        + ctx.tr(
            "<span class='note'>Sub-districts (街道/镇) from "
            f"OpenStreetMap ({esc(credit)}), clipped to the bundled districts; population "
            f"<strong>estimated</strong>: {n_est} of {int(status.sum())} sub-district figures "
            "are the 2020 census district totals spread by land area (no citable census counts "
            "per sub-district were found).</span></p>"
            f"<p>{len(in_corr)} sub-districts overlap the corridor (at least 0.01 km²); "
            f"together they hold {held} km² of it.</p>",
            "<span class='note'>街道（镇）边界取自 OpenStreetMap"
            f"（<span class='credit'>{esc(credit)}</span>），并按内置区（市）边界裁切；人口为"
            f"<strong>估算</strong>值：{int(status.sum())} 个街道（镇）人口数据中，{n_est} 个由 "
            "2020 年人口普查区（市）总数按土地面积分摊得到（未找到可引用的街道级普查数）。"
            "</span></p>"
            f"<p>共有 {len(in_corr)} 个街道（镇）与走廊相交（相交面积不小于 0.01 km²），"
            f"合计覆盖走廊 {held} km²。</p>",
        )
        + table_html(
            _rounded(
                shown,
                pct=("corridor_share",),
                digits={
                    "area_km2": 2,
                    "corridor_km2": 2,
                    "population_estimated": 0,
                    "population_in_corridor_estimated": 0,
                },
            ),
            lang=ctx.lang,
        )
        + ctx.tr(
            "<p class='note'>Population in the corridor: the sub-district's estimate times "
            "the share of its area inside (uniform density). Stations: bundled metro stations "
            "inside the sub-district; register rows: bundled institution register rows (a "
            "university counts once per campus). Every sub-district is in the CSV and in the "
            "GeoPackage layer <code>subdistricts_figures</code>.</p>",
            "<p class='note'>走廊内人口：街道（镇）人口估算值乘以其位于走廊内的面积占比"
            "（假定人口密度均匀）。站点数：位于该街道（镇）内的内置地铁站点；名录条目：内置"
            "机构名录中的记录（高校按校区分别计数）。全部街道（镇）的数据见 CSV 及 GeoPackage "
            "图层 <code>subdistricts_figures</code>。</p>",
        )
    )
    return Section(
        "subdistricts",
        "",
        body,
        {"figures": table},
        {"figures": layer},
        credits=(f"Sub-districts: {credit}",) if credit else (),
    )


# --------------------------------------------------------------------------------------
# The caller's resources, or the synthetic set
# --------------------------------------------------------------------------------------
DEFAULT_SYNTHETIC_N = 4000
DEFAULT_SYNTHETIC_SEED = 2027
DEFAULT_BASE_SEED = 2024
KDE_BANDWIDTH_M = 1000.0
KDE_CELL_M = 100.0
ISOCHRONE_MINUTES = (5, 10, 15)
TRANSIT_MINUTES = (15, 30)
ISOCHRONE_BUFFER_M = 50.0  # streets of a real network; the schematic lattice uses 250 m


@dataclass
class _Inputs:
    """Resources resolved once for every analysis section."""

    current: gpd.GeoDataFrame
    base: gpd.GeoDataFrame | None
    points: gpd.GeoDataFrame  # what the maps show
    label: str  # "synthetic", "caller's data"
    banner: str
    rejected: pd.DataFrame | None


def _apply_labels(
    frame: gpd.GeoDataFrame, labels: Mapping[str, tuple[str | None, str | None]]
) -> gpd.GeoDataFrame:
    """A copy of ``frame`` with the configured labels of its categories."""
    if not labels or "category" not in frame.columns:
        return frame
    out = frame.copy()
    cats = out["category"].astype(str)
    for name, (zh, en) in labels.items():
        sel = (cats == str(name)).to_numpy()
        if "category_zh" in out.columns:
            sel = sel | (out["category_zh"].astype(str) == str(name)).to_numpy()
        if not sel.any():
            continue
        out.loc[sel, "category_zh"] = zh
        out.loc[sel, "category_en"] = en
    return out


def _resolve_inputs(layout, resources, datum, base, *, labels=None, lang: str = "en") -> _Inputs:
    from .resources import ResourceTable, read_resources, synthetic_resources

    def accepted(value, what: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame | None]:
        if isinstance(value, ResourceTable):
            return value.accepted, value.rejected
        if isinstance(value, gpd.GeoDataFrame):
            table = read_resources(value, layout=layout)
            return table.accepted, table.rejected
        table = read_resources(value, datum=datum, layout=layout)
        log.info("report: %s: %s", what, table.summary().splitlines()[0])
        return table.accepted, table.rejected

    if resources is None:
        current = synthetic_resources(
            DEFAULT_SYNTHETIC_N, seed=DEFAULT_SYNTHETIC_SEED, layout=layout
        )
        base_frame = synthetic_resources(
            int(DEFAULT_SYNTHETIC_N * 0.85), seed=DEFAULT_BASE_SEED, layout=layout
        )
        run = "<code>corridor-geo report --resources labs.csv --datum GCJ02</code>"
        banner = f"<p>{_badge(say('synthetic data', lang))} <span class='note'>" + (
            f"未提供资源数据文件，且专利、人才和企业均无公开数据集可用：本节数值来自按固定"
            f"随机种子生成的全市合成数据（{DEFAULT_SYNTHETIC_N:,} 项资源，种子 "
            f"{DEFAULT_SYNTHETIC_SEED}；基期快照种子 {DEFAULT_BASE_SEED}），仅用于演示分析"
            "方法，不反映青岛的实际情况（真实的高校和机构见“高校与重点机构”一节）。"
            f"如需分析自有数据，请运行 {run}。</span></p>"
            if lang == "zh"
            else "No resource file "
            "was given, and no open data set covers patents, talent or firms: the figures "
            "of this section come from a seeded synthetic city-wide data set "
            f"({DEFAULT_SYNTHETIC_N:,} resources, seed {DEFAULT_SYNTHETIC_SEED}; base "
            f"snapshot seed {DEFAULT_BASE_SEED}) that demonstrates the method. They say "
            "nothing about Qingdao (the real universities and institutions are in the "
            f"register section). Run with your own file ({run}).</span></p>"
        )
        current = _apply_labels(current, labels or {})
        # Synthetic points are not drawn on the maps: only real resources are.
        return _Inputs(current, base_frame, current.iloc[:0], "synthetic", banner, None)
    current, rejected = accepted(resources, "resources")
    n_rejected = 0 if rejected is None else len(rejected)
    if len(current) == 0:
        reasons = (
            ", ".join(f"{n} x {r}" for r, n in rejected["reason"].value_counts().head(4).items())
            if n_rejected
            else "the file has no rows"
        )
        raise InputError(
            f"no resource of {_describe(resources, '')} was accepted ({n_rejected} rejected: "
            f"{reasons}); see corridor_geo.read_resources for the rules"
        )
    current = _apply_labels(current, labels or {})
    base_frame = accepted(base, "base snapshot")[0] if base is not None else None
    if lang == "zh":
        banner = (
            f'<p class="note">资源数据：{esc(_describe(resources, "", lang="zh"))}，接受 '
            f"{len(current):,} 条，拒绝 {n_rejected:,} 条"
            + ("（被拒绝的行见“全市占比与2027年目标”一节）" if n_rejected else "")
            + "。</p>"
        )
    else:
        banner = (
            f'<p class="note">Resources: {esc(_describe(resources, ""))}, {len(current):,} '
            f"accepted, {n_rejected:,} rejected"
            + (" (see the rejected-rows table of the share section)" if n_rejected else "")
            + ".</p>"
        )
    return _Inputs(current, base_frame, current, "caller's data", banner, rejected)


def _category_labels(frame: pd.DataFrame, categories: pd.Series, lang_col: str) -> pd.Series:
    """Labels of ``categories``: the registry's, the data's own (a user category keeps its
    name, or the configured label), ``合计``/``all`` for the total row."""
    from .resources import category_registry

    names = category_registry().set_index("key")
    own = (
        frame.drop_duplicates("category").set_index("category")[lang_col]
        if lang_col in frame.columns and "category" in frame.columns
        else pd.Series(dtype=object)
    )
    total = "合计" if lang_col == "category_zh" else "all"
    out = []
    for cat in categories:
        if cat == "ALL":
            out.append(total)
        elif cat in own.index and isinstance(own[cat], str) and own[cat]:
            out.append(own[cat])
        elif cat in names.index:
            out.append(names.loc[cat, "name_zh" if lang_col == "category_zh" else "name_en"])
        else:
            out.append(str(cat))
    return pd.Series(out, index=categories.index)


def section_share(ctx: ReportContext) -> Section:
    """Share of the city's resources in the corridor and the plan's 2027 targets."""
    from .indicators import target_status
    from .plotting import plot_targets
    from .zones import share_of_city

    layout, inputs = ctx.layout, ctx.resources()
    shares = share_of_city(inputs.current, layout=layout, layers=("corridor", "cities"))
    status = target_status(inputs.current, layout=layout, base=inputs.base)
    corridor = shares[shares["layer"] == "corridor"].copy()
    corridor["order"] = (corridor["category"] != "ALL").astype(int)
    corridor = corridor.sort_values(["order", "share_count"], ascending=[True, False])
    corridor["category_zh"] = _category_labels(inputs.current, corridor["category"], "category_zh")
    corridor["category_en"] = _category_labels(inputs.current, corridor["category"], "category_en")
    shown = corridor[["category_zh", "category_en", "count", "city_count", "share_count"]].rename(
        columns={"share_count": "share of city"}
    )
    targets = status[
        [
            "name_zh",
            "name_en",
            "current",
            "city",
            "base",
            "value",
            "target",
            "gap",
            "met",
            "method",
        ]
    ]
    body = (
        inputs.banner
        + f"<h3>{ctx.tr('The plan' + chr(39) + 's targets for 2027', '规划2027年目标')}</h3>"
        + table_html(
            _rounded(
                targets.assign(met=targets["met"].astype(str)),
                pct=("value", "target", "gap"),
                digits={"current": 2, "base": 2},
            ),
            passed_column="met",
            lang=ctx.lang,
        )
        + figure_html(
            plot_targets(status, lang=ctx.figure_lang, figsize=(9, 3.4)),
            ctx.tr("The plan's targets for 2027", "2027年规划目标"),
        )
        + ctx.tr(
            "<p class='note'>Share: resources of the target's categories inside the corridor "
            "(<em>current</em>) over the city's (<em>city</em>). Growth: <em>current</em> over "
            "<em>base</em> minus one; <em>current</em> is a count, a sum of weights or a rate "
            "per 10,000 people as the <em>method</em> column says. Per 10,000 people: the "
            "finest census population bundled (see corridor_geo.population and the method "
            "column). A growth target without a base snapshot has no value: pass "
            "<code>--base</code>.</p>",
            "<p class='note'>占比：走廊内属于该目标类别的资源数（<em>当前</em>列）除以全市"
            "同类资源数（<em>城</em>列）。增长率：<em>当前</em>值除以<em>基期</em>值再减一；"
            "<em>当前</em>值依<em>方法</em>列所示，为计数、权重之和或每万人比率。每万人指标"
            "采用内置的最细一级人口普查数据（见 corridor_geo.population 及<em>方法</em>列）。"
            "没有基期快照的增长目标无法计算：请使用 <code>--base</code> 参数提供基期数据。</p>",
        )
        + f"<h3>{ctx.tr('Share of the city by category (corridor)', '各类别占全市比例(走廊)')}"
        "</h3>"
        + table_html(_rounded(shown, pct=("share of city", "share_of_city")), lang=ctx.lang)
    )
    tables = {"share_of_city": shares, "targets": status}
    if inputs.rejected is not None and len(inputs.rejected):
        # "line" there is the file's line number, not a metro line
        shown = pd.DataFrame(inputs.rejected).rename(columns={"line": "line_number"})
        body += f"<h3>{ctx.tr('Rejected rows', '被拒绝的行')}</h3>" + table_html(
            shown, max_rows=30, lang=ctx.lang
        )
        tables["rejected"] = pd.DataFrame(inputs.rejected)
    return Section("share", "", body, tables)


def section_density(ctx: ReportContext) -> Section:
    """Density per zone and a kernel density surface written as GeoTIFF."""
    from ._qgis import raster_qml
    from .density import density_by_zone, kernel_density
    from .io import write_text_atomic
    from .maps import add_points, add_raster, explore_layout
    from .plotting import plot_density

    layout, inputs, out = ctx.layout, ctx.resources(), ctx.out
    zones = density_by_zone(
        inputs.current, layout=layout, layers=("corridor", "cities", "districts")
    )
    kde = kernel_density(  # resources per km², as the section's table counts them
        inputs.current,
        bandwidth_m=KDE_BANDWIDTH_M,
        cell_size_m=KDE_CELL_M,
        layout=layout,
        weight=None,
    )
    tif = kde.to_geotiff(out / "density_kde.tif")
    write_text_atomic(raster_qml(tif), tif.with_suffix(".qml"))  # QGIS opens it styled
    # One row per zone: the "ALL" rows (every category), not their sum with the categories.
    group_col = "category" if "category" in zones.columns else "group"
    totals = zones.loc[
        zones[group_col] == "ALL", ["layer", "zone", "name_zh", "count", "area_km2"]
    ].copy()
    totals["per_km2"] = totals["count"] / totals["area_km2"]
    m = explore_layout(
        layout, layers=("corridor", "axis"), height=480, lang=ctx.figure_lang, **ctx.map_options
    )
    add_raster(
        m, tif, name=ctx.tr("kernel density (per km²)", "核密度（每平方公里）"), cmap="magma_r"
    )
    if 0 < len(inputs.points) <= 2000:
        add_points(
            m,
            inputs.points,
            name=ctx.tr("resources", "资源"),
            label_column="name",
            popup_columns=[
                c for c in ("name", "category_zh", "category_en") if c in inputs.points
            ],
        )
    body = (
        inputs.banner
        + ctx.tr(
            f"<p>Gaussian kernel, bandwidth {KDE_BANDWIDTH_M:g} m, {KDE_CELL_M:g} m cells, "
            f"EPSG:4549, resources per km²; written to <code>{esc(tif.name)}</code>.</p>",
            f"<p>高斯核密度估计，带宽 {KDE_BANDWIDTH_M:g} 米，栅格单元 {KDE_CELL_M:g} 米，"
            f"EPSG:4549，单位为每平方公里资源数；结果写入 <code>{esc(tif.name)}</code>。</p>",
        )
        + figure_html(
            plot_density(layout, tif, lang=ctx.figure_lang, figsize=(6.5, 8)),
            ctx.tr("Kernel density", "核密度"),
        )
        + map_html(m, ctx.tr("density map", "密度地图"))
        + f"<h3>{ctx.tr('Resources per km² by zone', '各区域每平方公里资源数')}</h3>"
        + table_html(
            _rounded(
                totals.sort_values(["layer", "per_km2"], ascending=[True, False]),
                digits={"area_km2": 2, "per_km2": 2},
            ),
            lang=ctx.lang,
        )
    )
    return Section("density", "", body, {"density_by_zone": zones}, rasters={"kde": tif})


def section_profile(ctx: ReportContext) -> Section:
    """Counts per km along the axis (the corridor strip chart)."""
    from .axis import axis_profile
    from .plotting import plot_axis_profile

    layout, inputs = ctx.layout, ctx.resources()
    profile = axis_profile(inputs.current, layout=layout, bin_km=1.0)
    excluded = profile.attrs.get("excluded", {})
    peak = profile.loc[profile["count_per_km"].idxmax()] if len(profile) else None
    by_city = profile.groupby("city", as_index=False)[["count", "length_km"]].sum()
    by_city["per_km"] = by_city["count"] / by_city["length_km"]
    city_zh = ctx.layout.cities.set_index("key")["name_zh"]
    by_city_shown = _rounded(by_city, digits={"length_km": 1, "per_km": 1})
    if ctx.lang == "zh":  # cities by their Chinese names (the CSV keeps the keys)
        by_city_shown["city"] = by_city_shown["city"].map(lambda c: city_zh.get(c, c))
    body = (
        inputs.banner
        + figure_html(
            plot_axis_profile(
                profile,
                lang=ctx.figure_lang,
                ylabel=ctx.fig_tr("resources per km", "每公里资源数"),
            ),
            ctx.tr(
                "Resources per km along Binhai Avenue, by the city each km lies in",
                "滨海大道沿线每公里资源数（按各公里段所在的城区分）",
            ),
        )
        + (
            ctx.tr(
                f"<p>Densest stretch: km {peak['start_km']:g}-{peak['end_km']:g} "
                f"({esc(_city_name(layout, peak['city'], 'en'))}), "
                f"{peak['count_per_km']:.0f} resources per km.</p>",
                f"<p>资源最密集路段：{peak['start_km']:g}–{peak['end_km']:g} 公里"
                f"（{esc(_city_name(layout, peak['city'], 'zh'))}），每公里 "
                f"{peak['count_per_km']:.0f} 项资源。</p>",
            )
            if peak is not None
            else ""
        )
        + table_html(
            _rounded(_named_cities(by_city, layout), digits={"length_km": 1, "per_km": 1}),
            lang=ctx.lang,
        )
        + ctx.tr(
            "<p class='note'>Resources inside the corridor, placed by their chainage along the "
            "axis. Each km bin is labelled with the city the axis runs through there; the axis "
            "does not enter 李沧区, so 青年科创城's resources count in the bins beside it. Not "
            "on the profile (outside the corridor): ",
            "<p class='note'>统计走廊内的资源，按其沿轴线的里程定位。每个 1 公里分段以轴线在"
            "该处穿越的城命名；轴线不经过李沧区，因此青年科创城的资源计入相邻的分段。"
            "未计入剖面的资源（走廊外）：",
        )
        + _excluded_text(excluded, ctx.lang, unit_zh="项")
        + ctx.tr(".</p>", "。</p>")
    )
    return Section("profile", "", body, {"axis_profile": profile})


_REASONS_ZH = {
    "beyond max_distance": "超出最大吸附距离",
    "across water": "需跨越水域",
    "no path to the axis (disconnected)": "无路径通达轴线（路网不连通）",
}
"""Why a resource was not routed to the axis (:func:`corridor_geo.access.time_to_axis`)."""


@dataclass
class _Network:
    graph: Any
    buffer_m: float
    note: str
    label: str


def _resolve_network(ctx: ReportContext) -> _Network:
    from .network import graph_from_graphml, graph_from_osm, schematic_network

    graph = ctx.inputs.get("graph")
    if graph is None:
        # The lattice is 500 m: buffering reachable streets by half of it fills the blocks
        # they enclose, so the isochrones read as areas rather than as a mesh.
        note = f"<p>{_badge(ctx.say('schematic network'))} <span class='note'>" + ctx.tr(
            "No road network "
            "was given: travel times use the built-in schematic network (Binhai Avenue at "
            "60 km/h with a junction every km, a 500 m lattice of local streets at 30 km/h). "
            "It is not a survey of real roads: the times are indicative. Run with "
            "<code>--osm extract.osm.pbf</code> for real answers. It covers the corridor "
            "only: points outside it lie beyond the snap distance and are reported as "
            "such.</span></p>",
            "未提供路网：出行时间按内置示意路网计算（滨海大道按车速 60 km/h 计，每公里设一处"
            "交叉口；地方道路为间距 500 米的方格网，按车速 30 km/h 计）。示意路网并非实测道路，"
            "所得时间仅供参考。如需实际结果，请使用 <code>--osm extract.osm.pbf</code> "
            "运行。示意路网仅覆盖走廊范围：走廊外的点超出吸附距离，将如实列出。</span></p>",
        )
        return _Network(schematic_network(ctx.layout), 250.0, note, "schematic (indicative)")
    if isinstance(graph, (str, os.PathLike)):
        path = Path(graph)
        G = graph_from_graphml(path) if path.suffix.lower() == ".graphml" else graph_from_osm(path)
        return _Network(
            G,
            ISOCHRONE_BUFFER_M,
            ctx.tr(
                f"<p class='note'>Road network: {esc(path.name)}.</p>",
                f"<p class='note'>路网：{esc(path.name)}。</p>",
            ),
            path.name,
        )
    label = _describe(graph, "the caller's graph")
    shown = esc(_describe(graph, "调用方提供的路网", lang="zh"))
    note = ctx.tr(
        f"<p class='note'>Road network: {esc(label)}.</p>", f"<p class='note'>路网：{shown}。</p>"
    )
    return _Network(graph, ISOCHRONE_BUFFER_M, note, label)


def _resolve_facilities(ctx: ReportContext) -> gpd.GeoDataFrame:
    """The facilities as WGS84 points with ``facility`` (a name) and ``attrs['label']``."""
    from .coverage import circle_anchors, read_facilities
    from .resources import institution_register

    given = ctx.inputs.get("facilities")
    if isinstance(given, gpd.GeoDataFrame):
        from .crs import WGS84, datum_of, to_crs

        datum_of(given)  # a missing CRS raises with the fix
        out = to_crs(given, WGS84).reset_index(drop=True)
        name_col = next((c for c in ("name", "name_zh", "名称") if c in out.columns), None)
        out["facility"] = out[name_col].astype(str) if name_col else out.index.astype(str)
        out.attrs["label"] = ctx.tr("the caller's facilities", "调用方提供的设施")
        return out
    spec: FacilitySpec = ctx.config.facilities
    if spec.source == "circles":
        out = circle_anchors(ctx.layout, kind=spec.kind)
        out["facility"] = out["site_zh"].astype(str)
        what = spec.kind or "all kinds"
        what_zh = "全部类型"
        if spec.kind and "kind_zh" in out.columns and len(out):
            what_zh = str(out["kind_zh"].iloc[0])  # the kind's Chinese name (环大学...)
        label = ctx.tr(f"circle sites ({what})", f"生态圈站点({what_zh})")
    elif spec.source == "register":
        reg = institution_register().accepted
        cats = sorted(pd.unique(reg["category"]).astype(str))
        if spec.kind:
            sel = (reg["category"] == spec.kind) | (reg["category_zh"] == spec.kind)
            if not sel.any():
                raise InputError(
                    f"facilities: the register has no category {spec.kind!r}; it has "
                    f"{', '.join(map(repr, cats))}"
                )
            reg = reg[sel]
        out = reg.reset_index(drop=True)
        out["facility"] = out["name"].astype(str)
        label = ctx.tr(
            f"register institutions ({spec.kind or 'all'})", f"名录机构({spec.kind or '全部'})"
        )
    elif spec.source == "metro":
        from .metro import metro_stations

        out = metro_stations(lines=spec.kind) if spec.kind else ctx.stations()
        out = out.reset_index(drop=True)
        out["facility"] = out["name_zh"].astype(str)
        label = ctx.tr(
            f"metro stations ({'line ' + spec.kind if spec.kind else 'all lines'})",
            f"地铁站点({spec.kind or '全部线路'})",
        )
    else:
        table = read_facilities(spec.path, datum=spec.datum, layout=ctx.layout)
        out = table.accepted.reset_index(drop=True)
        if len(table.rejected):
            log.warning(
                "report: %d of %d facilities in %s rejected",
                len(table.rejected),
                table.n_read,
                Path(str(spec.path)).name,
            )
        name_col = next((c for c in ("name", "name_zh", "名称") if c in out.columns), None)
        out["facility"] = out[name_col].astype(str) if name_col else out.index.astype(str)
        label = Path(str(spec.path)).name
    if not len(out):
        raise InputError(f"facilities {spec.describe()!r}: no facility to start from")
    out.attrs["label"] = label
    return out


def section_access(ctx: ReportContext) -> Section:
    """Travel time to the axis and isochrones around the chosen facilities."""
    from .access import isochrones, time_to_axis
    from .plotting import plot_isochrones
    from .zones import assign_zones

    layout, inputs = ctx.layout, ctx.resources()
    net = ctx.network()
    G = net.graph
    times = time_to_axis(inputs.current, G, layout=layout)
    cities = assign_zones(inputs.current, layout=layout, layers=("cities",))
    city_col = next(c for c in cities.columns if "cit" in c)
    ident = [c for c in ("id", "name", "category") if c in inputs.current.columns]
    joined = pd.concat(
        [
            inputs.current[ident].reset_index(drop=True),
            times.reset_index(drop=True),
            cities[[city_col]].reset_index(drop=True).rename(columns={city_col: "city"}),
        ],
        axis=1,
    )
    joined["city"] = joined["city"].fillna("outside the cities")
    located = gpd.GeoDataFrame(
        joined.assign(status=inputs.label),
        geometry=inputs.current.geometry.reset_index(drop=True).values,
        crs=inputs.current.crs,
    )
    reached = joined[joined["reachable"]]
    stats = (
        reached.groupby("city", dropna=False)["travel_time_min"]
        .agg(["count", "median", lambda x: float((x <= 10).mean())])
        .reset_index()
        .rename(
            columns={
                "count": "routed",
                "median": "median_min",
                "<lambda_0>": "share_within_10_min",
            }
        )
    )
    unreachable = joined.loc[~joined["reachable"], "reason"].value_counts()
    anchors = ctx.facilities()
    minutes = ctx.config.isochrone_minutes
    iso = isochrones(anchors, G, cutoffs=minutes, buffer_m=net.buffer_m)
    site = anchors.reset_index(drop=True)
    iso.insert(1, "facility", iso["point"].map(site["facility"]))
    for col in ("site_zh", "site_en"):
        if col in site.columns:
            iso.insert(2, col, iso["point"].map(site[col]))
    iso["network"] = net.label
    iso["buffer_m"] = net.buffer_m
    not_on = iso.loc[iso["reason"].fillna("").astype(str) != "", "point"].nunique()
    label = anchors.attrs.get("label", "facilities")
    bands = ctx.tr(", ", "、").join(f"{m:g}" for m in minutes)
    body = (
        net.note
        + inputs.banner
        + f"<h3>{ctx.tr('Travel time to Binhai Avenue, by city', '到滨海大道的出行时间(按城)')}"
        "</h3>"
        + table_html(
            _rounded(
                _named_cities(stats, layout, outside=ctx.tr("outside the cities", "三城以外")),
                pct=("share_within_10_min",),
                digits={"median_min": 1},
            ),
            lang=ctx.lang,
        )
        + ctx.tr(
            "<p class='note'>Resources not routed, by reason: "
            + esc(", ".join(f"{v:,} {k}" for k, v in unreachable.items()) or "none")
            + " (points farther than the snap distance from the network are reported, never "
            "snapped across water).</p>",
            "<p class='note'>未能计算路径的资源（按原因）："
            + esc(
                "、".join(f"{_REASONS_ZH.get(k, k)} {v:,} 项" for k, v in unreachable.items())
                or "无"
            )
            + "（距路网超过吸附距离的点如实列出，不会跨越水域吸附到路网上）。</p>",
        )
        + f"<h3>{ctx.tr('Isochrones around', '等时圈:')} {esc(label)}</h3>"
        + figure_html(
            plot_isochrones(layout, iso, origins=anchors, lang=ctx.figure_lang, figsize=(6.5, 8)),
            ctx.tr(
                f"Reachable street network within {bands} minutes, buffered by "
                f"{net.buffer_m:g} m, from {label}",
                f"自{label}出发 {bands} 分钟内可达的街道网络（缓冲 {net.buffer_m:g} 米）",
            ),
        )
        + (
            ctx.tr(
                f"<p class='note'>{not_on:,} of {len(anchors):,} facilities are not on the "
                "network (beyond the snap distance): their rows say why.</p>",
                f"<p class='note'>{len(anchors):,} 处设施中有 {not_on:,} 处不在路网上"
                "（超出吸附距离），原因见表中相应各行。</p>",
            )
            if not_on
            else ""
        )
        + table_html(_rounded(iso.drop(columns="geometry"), digits={"area_km2": 2}), lang=ctx.lang)
    )
    return Section(
        "access",
        "",
        body,
        {"time_to_axis": joined, "isochrones": pd.DataFrame(iso.drop(columns="geometry"))},
        {"isochrones": iso, "resources": located},
    )


def section_catchment(ctx: ReportContext) -> Section:
    """Share of each zone's area and population within reach of the chosen facilities."""
    from .coverage import coverage
    from .crs import ANALYSIS_CRS, to_crs
    from .plotting import plot_layout

    layout, cfg = ctx.layout, ctx.config
    fac = ctx.facilities()
    polys, pop_method = ctx.population_polygons()
    given = ctx.inputs.get("resources")
    resources = ctx.resources().current if given is not None else None
    cov = coverage(
        fac,
        layout=layout,
        radius_m=cfg.catchment_radius_m,
        layers=cfg.catchment_layers,
        population=polys,
        resources=resources,
    )
    cov["method"] = (
        f"within {cfg.catchment_radius_m:g} m (straight line, EPSG:4549) of {len(fac)} "
        f"facilities ({fac.attrs.get('label', '')}); population: {pop_method}"
    )
    cols = [
        c
        for c in (
            "layer",
            "name_zh",
            "name_en",
            "area_km2",
            "covered_km2",
            "area_share",
            "population",
            "covered_population",
            "population_share",
            "resources",
            "covered_resources",
            "resources_share",
        )
        if c in cov.columns
    ]
    fig = plot_layout(layout, lang=ctx.figure_lang, circles=False, labels=False, figsize=(6.5, 8))
    ax = fig.axes[0]
    covered = to_crs(cov[cov["zone"] == "ALL"].iloc[:1], ANALYSIS_CRS)
    covered.plot(ax=ax, color="#2b8cbe", alpha=0.35, zorder=6.5)
    pts = to_crs(fac, ANALYSIS_CRS)
    ax.scatter(pts.geometry.x, pts.geometry.y, s=10, c="#045a8d", zorder=7)
    label = fac.attrs.get("label", "facilities")
    radius = cfg.catchment_radius_m
    pop_text = esc(_population_method(polys, ctx.lang))
    body = (
        ctx.tr(
            f"<p>Within <strong>{radius:g} m</strong> (straight line) of "
            f"{len(fac):,} {esc(label)}. Population: {pop_text}"
            + (" Resources: the caller's." if resources is not None else "")
            + "</p>",
            f"<p>范围：{len(fac):,} 处{esc(label)}周边 <strong>{radius:g} 米</strong>"
            f"（直线距离）以内。人口：{pop_text}。"
            + ("资源：采用调用方提供的数据。" if resources is not None else "")
            + "</p>",
        )
        + table_html(
            _rounded(
                cov[cols],
                pct=("area_share", "population_share", "resources_share"),
                digits={
                    "area_km2": 2,
                    "covered_km2": 2,
                    "population": 0,
                    "covered_population": 0,
                },
            ),
            lang=ctx.lang,
        )
        + figure_html(
            fig,
            ctx.tr(
                f"Catchment: within {radius:g} m of {label}",
                f"服务范围：{label}周边 {radius:g} 米以内",
            ),
        )
    )
    return Section(
        "catchment",
        "",
        body,
        {"coverage": pd.DataFrame(cov.drop(columns="geometry"))},
        {"coverage": cov, "facilities": fac},
    )


def section_transit(ctx: ReportContext) -> Section:
    """Metro and walking: the share of each city within T minutes of Binhai Avenue."""
    from .transit import transit_access_by_city

    inputs = ctx.resources()
    bands = TRANSIT_MINUTES
    table = transit_access_by_city(ctx.layout, cutoffs=bands, resources=inputs.current)
    credit = str(table.attrs.get("attribution", "")).strip()
    summary = table.attrs.get("summary", {})
    not_routed = summary.get("resources", {}).get("not_routed", 0)
    cols = [
        c
        for c in (
            "city",
            "city_en",
            "minutes",
            "area_km2",
            "area_within_km2",
            "area_share",
            "resources",
            "resources_within",
            "resources_share",
        )
        if c in table.columns
    ]
    body = (
        inputs.banner
        + "<p>"
        + esc(
            ctx.tr(
                f"Every place of each city (a 100 m grid) and every resource timed to the "
                f"nearest metro station on Binhai Avenue by walking and metro, on the bundled "
                f"metro network: {table.attrs.get('network', '')}. Targets: "
                f"{table.attrs.get('targets', '')}.",
                "按 100 米网格计算各城每一处地点以及每项资源经步行和地铁到达滨海大道沿线最近"
                f"地铁站的时间（内置地铁网络：{_transit_network_zh(table)}）。"
                + _transit_targets_zh(table),
            )
        )
        + (
            " "
            + ctx.tr(
                f"{not_routed} resources could not be routed (per city: the column "
                "resources_not_routed of the CSV table).",
                f"{not_routed} 项资源无法计算路径"
                "（各城数量见 CSV 表的 resources_not_routed 列）。",
            )
            if not_routed
            else ""
        )
        + "</p>"
        + table_html(
            _rounded(
                table[cols],
                pct=("area_share", "resources_share"),
                digits={"area_km2": 2, "area_within_km2": 2},
            ),
            lang=ctx.lang,
        )
        + f'<p class="note">{esc(credit)}</p>'
    )
    return Section("transit", "", body, {"by_city": pd.DataFrame(table)}, credits=(credit,))


def _transit_network_zh(table: pd.DataFrame) -> str:
    """How :func:`corridor_geo.transit.transit_access_by_city` timed walks and rides."""
    p = table.attrs.get("network_parameters")
    if not p:
        return str(table.attrs.get("network", ""))
    walking = f"按直线距离乘以 {p['detour']:g} 计" if p["walking"] == "straight" else "沿街道"
    return (
        f"步行{walking}，步速 {p['walk_kph']:g} km/h；候车时间取发车间隔的 "
        f"{p['wait_factor']:g} 倍；从街面到站台 {p['station_min']:g} 分钟；每次换乘 "
        f"{p['transfer_min']:g} 分钟"
    )


_TARGETS = re.compile(
    r"(\d+) stations within (\S+) m of the axis( \(then on foot to the axis line\))?"
)


def _transit_targets_zh(table: pd.DataFrame) -> str:
    """The targets of the transit times in Chinese ("" when they are not stations)."""
    found = _TARGETS.fullmatch(str(table.attrs.get("targets", "")))
    if not found:
        return ""
    n, metres, on_foot = found.groups()
    return f"目标：距轴线 {metres} 米以内的 {n} 座地铁站" + (
        "（出站后再步行至轴线）。" if on_foot else "。"
    )


def section_monitoring(ctx: ReportContext) -> Section:
    """Every plan indicator year by year, the trend and the projection to 2027.

    Snapshots given as paths are read as the report reads its resources: with the
    report's ``datum`` and layout, ``inputs["snapshot_options"]`` (reader options of
    :func:`corridor_geo.resources.read_resources`) over them, and a snapshot's own
    options (``{year: {"path": ..., "datum": ...}}``) over both; tables and
    GeoDataFrames keep their own CRS.  The page shows the planner's table
    (:meth:`corridor_geo.monitoring.Monitoring.overview`); the full tables are the CSVs.
    """
    from .monitoring import NOT_ASSESSABLE, monitor

    snapshots = ctx.input("snapshots")
    options: dict[str, Any] = {}
    if ctx.inputs.get("datum") is not None:
        options["datum"] = ctx.inputs["datum"]
    options.update(ctx.inputs.get("snapshot_options") or {})
    m = monitor(snapshots, layout=ctx.layout, read_options=options or None)
    tr, zh = ctx.tr, ctx.lang == "zh"
    dash = "–"

    def num(value: Any, unit: str) -> str:
        if value is None or value is pd.NA or not np.isfinite(float(value)):
            return dash
        if unit == "share":
            return _pct(float(value))
        value = float(value)
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"

    def verdict(o: Mapping[str, Any], status: str, on_track: Any = None) -> str:
        """The verdict cell: a tick, a cross or the reason, in the report's language."""
        text = str(o[status + "_zh" if zh else status])
        if str(o[status]) != "ok":
            return text
        if on_track is True:
            return "✓ " + tr("on track", "有望达成")
        return "✗ " + tr("short", "未达") if on_track is False else dash

    method_names = {"linear": ("linear", "线性趋势"), "cagr": ("CAGR", "复合增长")}
    over = m.overview()
    rows = []
    for o in over.to_dict("records"):
        unit = o["unit"]
        if o["kind"] == "growth":
            target = f"+{100 * o['target']:.0f} %"
            if np.isfinite(o["target_value"]):
                target += f" (≥ {num(o['target_value'], unit)})"
        else:
            target = f"≥ {num(o['target_value'], unit)}"
        row = {
            tr("indicator", "指标"): o["name_zh"] if zh else o["name_en"],
            tr("zone", "区域"): o["zone_zh"] if zh else o["zone_en"],
            tr("base year", "基期年份"): str(int(o["base_year"])),
            tr("base value", "基期值"): num(o["base_value"], unit),
            tr("latest year", "最新年份"): str(int(o["latest_year"])),
            tr("latest value", "最新值"): num(o["latest_value"], unit),
            tr("target", "目标"): target,
        }
        verdicts = []
        for method in m.methods:
            en_name, zh_name = method_names.get(method, (method, method))
            name = tr(en_name, zh_name)
            cell = num(o[method], unit) if o[f"{method}_status"] == "ok" else dash
            if o[f"{method}_capped"] and cell != dash:
                capped = o[method] >= 1.0 and unit == "share"
                cell += tr(" (capped)", " (已封顶)") if capped else tr(" (floored)", " (已取下限)")
            row[f"{name} {m.target_year}"] = cell
            if o["status"] == "ok":
                verdicts.append(
                    f"{name}: {verdict(o, f'{method}_status', o[f'{method}_on_track'])}"
                )
        row[tr("status", "状态")] = (
            "; ".join(verdicts) if o["status"] == "ok" else verdict(o, "status")
        )
        rows.append(row)
    planner = pd.DataFrame(rows)

    yearly = []
    for t in m.targets.to_dict("records"):
        unit = t["unit"]
        change = (
            (f"{100 * t['growth']:+.1f} %" if np.isfinite(t["growth"]) else dash)
            if t["kind"] == "growth"
            else (num(t["change"], unit) if unit != "share" else _points(t["change"]))
        )
        met = t["met"]
        yearly.append(
            {
                tr("indicator", "指标"): t["name_zh"] if zh else t["name_en"],
                tr("year", "年份"): str(int(t["year"])),
                tr("value", "数值"): num(t["value"], unit),
                tr("change from the base year", "较基期变化"): change,
                tr("target level", "目标值"): num(t["target_value"], unit),
                tr("met", "达成"): dash if met is None or met is pd.NA else ("✓" if met else "✗"),
                tr("status", "状态"): verdict(t, "status")
                if str(t["status"]).startswith(NOT_ASSESSABLE)
                else "",
            }
        )
    years = ", ".join(str(y) for y in m.years)
    intro = tr(
        f"{len(m.years)} snapshots ({years}), base year {m.base_year}, projected to "
        f"{m.target_year} with the stated methods (linear least squares over the years "
        "observed; compound annual growth (CAGR) between the first and the last). A "
        "projection needs at least two years; the projection of a share is capped at "
        "100 % and no projection falls below 0. A growth target whose base value is 0 or "
        "missing, or an indicator without data, is not assessable: no tick, no cross.",
        f"{len(m.years)} 期数据 ({years}), 基期 {m.base_year} 年, 预测至 {m.target_year} 年 "
        "(线性趋势: 各年数值对年份的最小二乘; 复合增长: 首末两年的年均复合增长率)。"
        "预测至少需要两年数据; 比重的预测上限为 100 %, 任何预测不低于 0。"
        "基期值为 0 或缺失的增长目标, 以及没有数据的指标, 无法评估。",
    )
    note = tr(
        "All columns (trend, intercept, r², year reached, gap...) are in "
        "tables/monitoring_projection.csv and tables/monitoring_indicators.csv.",
        "完整数据 (趋势、截距、r²、达成年份、差距等) 见 tables/monitoring_projection.csv "
        "与 tables/monitoring_indicators.csv。",
    )
    caption = tr("The plan's indicators", "规划指标") + f", {m.years[0]}-{m.target_year}"
    fig = m.figure(lang=ctx.figure_lang)
    body = (
        f"<p>{esc(intro)}</p>"
        + figure_html(fig, caption)
        + f"<h3>{esc(tr('Projections against the targets', '预测与目标'))}</h3>"
        + table_html(planner, lang=ctx.lang)
        + f"<h3>{esc(tr('Year by year', '逐年指标'))}</h3>"
        + table_html(pd.DataFrame(yearly), max_rows=80, lang=ctx.lang)
        + f'<p class="note">{esc(note)}</p>'
    )
    return Section("monitoring", "", body, {"indicators": m.table, "projection": m.projection})


def _points(change: float) -> str:
    """A change of a share in percentage points (``–`` when missing)."""
    return "–" if change != change else f"{100 * change:+.1f} pp"


_SCENARIO_NOTES_ZH = {
    "area_km2: geodesic area of the zone (WGS 84 ellipsoid)": (
        "area_km2：区域的测地面积（WGS 84 椭球面）"
    ),
    "resources, weight, share_count, share_weight: corridor_geo.zones.share_of_city "
    "(city total: resources inside the layout's city layer)": (
        "resources、weight、share_count、share_weight：按 corridor_geo.zones.share_of_city "
        "计算（全市合计为布局中全市图层范围内的资源）"
    ),
    "count_per_km2, weight_per_km2: per km² of the zone's geodesic area": (
        "count_per_km2、weight_per_km2：按区域测地面积计算的每平方公里数值"
    ),
    "population, resources_per_10k: corridor_geo.population.population_by_zone "
    "(2020 census at the finest level, spread by area)": (
        "population、resources_per_10k：按 corridor_geo.population.population_by_zone 计算"
        "（2020 年人口普查最细一级数据，按面积分摊）"
    ),
    "population, resources_per_10k: corridor_geo.population.population_by_zone "
    "(caller's population)": (
        "population、resources_per_10k：按 corridor_geo.population.population_by_zone 计算"
        "（调用方提供的人口数据）"
    ),
    "axis_distance_km: median straight-line distance of the zone's resources to Binhai "
    "Avenue": "axis_distance_km：区域内资源到滨海大道直线距离的中位数",
}
"""The notes of :func:`corridor_geo.scenarios.compare` the report's comparison makes."""


_COVERAGE_NOTE = re.compile(
    r"coverage_\*: corridor_geo\.coverage\.coverage within (\S+) m \(straight line\) of "
    r"(each layout's ecosystem-circle anchors|the facilities given)"
)
_TIME_NOTE = re.compile(
    r"time_to_axis, within_cutoff_share: corridor_geo\.access\.time_to_axis on the graph "
    r"given \((.*)\), median per zone; share within (\S+)"
)


def _scenario_note(note: str, lang: str) -> str:
    """A note of the comparison in ``lang`` (a note without a translation stays as it is)."""
    if lang != "zh":
        return note
    if note in _SCENARIO_NOTES_ZH:
        return _SCENARIO_NOTES_ZH[note]
    cover = _COVERAGE_NOTE.fullmatch(note)
    if cover:
        what = "各布局生态圈的锚点" if cover.group(2).startswith("each") else "所给设施"
        return (
            f"coverage_*：按 corridor_geo.coverage.coverage 计算{what}周边 {cover.group(1)} 米"
            "（直线距离）以内的覆盖情况"
        )
    timed = _TIME_NOTE.fullmatch(note)
    if timed:
        return (
            "time_to_axis、within_cutoff_share：在所给路网上按 corridor_geo.access.time_to_axis "
            f"计算（{timed.group(1)}），取各区域中位数；within_cutoff_share 为不超过 "
            f"{timed.group(2)} 的占比"
        )
    return note


def section_scenario(ctx: ReportContext) -> Section:
    """The layout against a variant (an extended corridor, enclaves, a moved boundary)."""
    from .scenarios import compare

    other = ctx.input("scenario")
    inputs = ctx.resources()
    c = compare(ctx.layout, other, resources=inputs.current)
    corridor = c.table[c.table["layer"] == "corridor"]
    cols = ["metric", "unit", "a", "b", "difference", "rel_difference"]
    body = (
        inputs.banner
        + ctx.tr(
            f"<p>{esc(c.names[0])} (a) against {esc(c.names[1])} (b), on the same resources: "
            "differences per zone; the map shows the area that changed hands.</p>",
            f"<p>{esc(c.names[0])}（a）与 {esc(c.names[1])}（b）基于同一组资源对比："
            "列出各区域的差值；地图显示范围发生变化的区域。</p>",
        )
        + table_html(corridor[cols], lang=ctx.lang)
        + "<ul>"
        + "".join(f"<li>{esc(_scenario_note(n, ctx.lang))}</li>" for n in c.notes)
        + "</ul>"
        + map_html(
            c.explore(height=520, basemap=ctx.map_options.get("basemap", "blank")),
            ctx.tr("the area that changed hands", "范围发生变化的区域"),
        )
    )
    layers = {"changed": c.changed} if len(c.changed) else {}
    return Section("scenario", "", body, {"comparison": c.table}, layers)


# --------------------------------------------------------------------------------------
# The table of sections
# --------------------------------------------------------------------------------------
SECTIONS: dict[str, SectionSpec] = {
    "layout": SectionSpec(
        section_layout,
        "Layout against the plan",
        "空间布局与规划对照",
        needs=("layout",),
        data="the layout; the register's university count",
        required=True,
    ),
    "metro": SectionSpec(
        section_metro,
        "Metro stations along the corridor",
        "地铁站点",
        needs=("layout",),
        data="real: bundled metro network (CC BY 4.0)",
    ),
    "register": SectionSpec(
        section_register,
        "Universities and named institutions",
        "高校与重点机构",
        needs=("layout",),
        data="real: bundled institution register",
    ),
    "subdistricts": SectionSpec(
        section_subdistricts,
        "Sub-districts (街道/镇)",
        "街道(镇)",
        needs=("layout",),
        data="real boundaries (OSM, ODbL), estimated population",
    ),
    "share": SectionSpec(
        section_share,
        "Share of the city and the 2027 targets",
        "全市占比与2027年目标",
        needs=("layout", "resources", "base"),
        data="the caller's resources, else synthetic",
    ),
    "density": SectionSpec(
        section_density,
        "Density",
        "密度",
        needs=("layout", "resources"),
        data="the caller's resources, else synthetic",
    ),
    "profile": SectionSpec(
        section_profile,
        "Along Binhai Avenue",
        "滨海大道沿线分布",
        needs=("layout", "resources"),
        data="the caller's resources, else synthetic",
    ),
    "access": SectionSpec(
        section_access,
        "Accessibility along Binhai Avenue",
        "滨海大道可达性",
        needs=("layout", "resources", "graph", "facilities"),
        data="the caller's resources and network, else synthetic and schematic",
    ),
    "transit": SectionSpec(
        section_transit,
        "Metro and walking to Binhai Avenue",
        "地铁与步行至滨海大道",
        needs=("layout", "resources"),
        data="real: bundled metro network (CC BY 4.0); the caller's resources, else synthetic",
    ),
    "catchment": SectionSpec(
        section_catchment,
        "Catchments of the facilities",
        "设施服务范围",
        needs=("layout", "facilities"),
        default=False,
        data="the chosen facilities; estimated population",
    ),
    "monitoring": SectionSpec(
        section_monitoring,
        "Monitoring to 2027",
        "2027年目标监测",
        needs=("layout", "snapshots"),
        data="the caller's yearly snapshots (inputs={'snapshots': {year: file}})",
    ),
    "scenario": SectionSpec(
        section_scenario,
        "Scenario comparison",
        "情景比较",
        needs=("layout", "resources", "scenario"),
        data="a variant layout (inputs={'scenario': layout}); the caller's resources",
    ),
    "provenance": SectionSpec(
        section_provenance,
        "Data and provenance",
        "数据与来源",
        needs=(),
        data="what was used, attributions",
        required=True,
    ),
}
"""Every section the report can show, in the default order: key -> :class:`SectionSpec`.

Adding a section is one entry: ``SECTIONS["monitoring"] = SectionSpec(section_monitoring,
"Monitoring to 2027", "监测", needs=("layout", "snapshots"))``; the builder receives a
:class:`ReportContext` (``ctx.input("snapshots")`` for its own input, given as
``build_report(..., inputs={"snapshots": ...})``)."""


def default_sections() -> list[str]:
    """Keys of the sections the default report shows without extra inputs, in order.

    A default section that needs an input of its own (``monitoring``: snapshots,
    ``scenario``: a variant layout) joins them when :func:`build_report` is given it.

    Examples
    --------
    >>> default_sections()[:4]
    ['layout', 'metro', 'register', 'subdistricts']
    """
    return [
        k for k, s in SECTIONS.items() if s.default and all(n in BUILTIN_INPUTS for n in s.needs)
    ]


def read_config(path: str | os.PathLike[str]) -> ReportConfig:
    """Read and check a TOML report configuration (see ``docs/report.md``).

    Every key is checked; a wrong one raises :class:`~corridor_geo.InputError` naming the
    key and the values it accepts.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "report.toml"
    >>> _ = path.write_text('lang = "zh"\\nsections = ["metro", "register"]\\n'
    ...                     '[facilities]\\nsource = "metro"\\nkind = "11"\\n', encoding="utf-8")
    >>> cfg = read_config(path)
    >>> cfg.lang, cfg.sections, cfg.facilities.describe()
    ('zh', ('metro', 'register'), 'metro:11')
    >>> _ = path.write_text('sections = ["metro", "weather"]\\n', encoding="utf-8")
    >>> read_config(path)
    Traceback (most recent call last):
    ...
    corridor_geo._errors.InputError: report config report.toml: sections: unknown name ...
    """
    from .zones import ZONE_LAYERS

    return read_config_file(path, sections=tuple(SECTIONS), layers=ZONE_LAYERS)


def _resolve_config(
    config: ReportConfig | str | os.PathLike[str] | Mapping[str, Any] | None,
    *,
    sections: Sequence[str] | str | None,
    lang: str | None,
    crs: str | None,
    title: str | None,
    facilities: Any,
) -> ReportConfig:
    from .zones import ZONE_LAYERS

    names = tuple(SECTIONS)
    if config is None:
        cfg = ReportConfig()
    elif isinstance(config, ReportConfig):
        cfg = check_config(config, sections=names, layers=ZONE_LAYERS)
    elif isinstance(config, Mapping):
        cfg = parse_config(config, source="(mapping)", sections=names, layers=ZONE_LAYERS)
    elif isinstance(config, (str, os.PathLike)):
        cfg = read_config(config)
    else:
        raise InputError(
            "config must be a ReportConfig, a mapping or the path of a TOML file, got "
            f"{type(config).__name__}"
        )
    changes: dict[str, Any] = {}
    if sections is not None:
        changes["sections"] = sections
    if lang is not None:
        changes["lang"] = lang
    if crs is not None:
        changes["crs"] = crs
    if title is not None:
        changes["title"] = title
    if facilities is not None and not isinstance(facilities, gpd.GeoDataFrame):
        changes["facilities"] = check_facilities(facilities, source=ARGUMENTS)
    if changes:
        # Checked as a file would be, with the arguments named as the source.
        mapping = dict(changes)
        if "facilities" in mapping:
            fac = mapping.pop("facilities")
            cfg = replace(cfg, facilities=fac)
        cfg = parse_config(mapping, source=ARGUMENTS, sections=names, layers=ZONE_LAYERS, base=cfg)
    return cfg


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------
@dataclass
class Report:
    """What :func:`build_report` produced."""

    html_path: Path
    gpkg_path: Path
    tables: dict[str, Path]
    sections: list[str]
    seconds: float
    problems: dict[str, str] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)
    project_path: Path | None = None
    keys: list[str] = field(default_factory=list)
    config: ReportConfig | None = None

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{esc(s)}</li>" for s in self.sections)
        return (
            f"<p>report <code>{esc(self.html_path)}</code> ({self.seconds:.1f} s), layers in "
            f"<code>{esc(self.gpkg_path)}</code></p><ul>{items}</ul>"
        )


def build_report(
    out_dir: str | os.PathLike[str],
    *,
    layout=None,
    resources: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    datum: str | None = None,
    base: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    graph: Any = None,
    crs: str | None = None,
    progress: bool = False,
    title: str | None = None,
    neutralize_formulas: bool = True,
    config: ReportConfig | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    sections: Sequence[str] | str | None = None,
    lang: str | None = None,
    facilities: FacilitySpec | str | gpd.GeoDataFrame | None = None,
    inputs: Mapping[str, Any] | None = None,
    basemap: str = "blank",
    tianditu_key: str | None = None,
) -> Report:
    """Run the yearly analyses and write the HTML report, the GeoPackage and the tables.

    Parameters
    ----------
    out_dir : path-like
        Folder to write; it is replaced as a whole when the run completes, so a run that
        fails or is killed leaves the previous report intact.  It must be new, empty or
        an earlier corridor_geo output (a marker file says so): a folder holding other
        files is refused, never overwritten.  A second run into the same folder while
        one is running is refused.
    layout : CorridorLayout, optional
        Defaults to :func:`corridor_geo.load_layout`.
    resources : path or GeoDataFrame, optional
        Resources to analyse; without them the share, density, profile and access
        sections use a seeded synthetic data set, labelled as such.
    datum : str, optional
        Datum of the coordinates in ``resources`` (and ``base``) when it is a table
        (WGS84, CGCS2000, GCJ02, BD09).
    base : path or GeoDataFrame, optional
        The same resources at the base year, for the plan's +15 % growth targets.
    graph : path or networkx.MultiDiGraph, optional
        An OSM (``.osm``/``.pbf``) or GraphML road network, or a graph (e.g. from
        :func:`corridor_geo.online.graph_from_layout`); defaults to the schematic
        network (indicative).
    crs : str, optional
        CRS of the exported GeoPackage: ``"EPSG:4549"`` (the default; CGCS2000 /
        3-degree Gauss-Kruger CM 120E, metres), ``"WGS84"``, ``"CGCS2000"`` (EPSG:4490,
        degrees), ``"GCJ02"`` or any CRS pyproj knows.
    progress : bool
        Show a progress bar (tqdm) over the steps.
    title : str, optional
        Title of the page (escaped).
    neutralize_formulas : bool
        Quote text cells of the CSV tables that a spreadsheet would run as formulas
        (see :func:`corridor_geo.io.neutralize_formula`); the GeoPackage keeps them
        verbatim.
    config : ReportConfig, mapping or path of a TOML file, optional
        The report's configuration (see ``docs/report.md``); the keywords below and
        ``crs`` and ``title`` override it.
    sections : sequence of str or comma-separated str, optional
        The sections to show, by key of :data:`SECTIONS` (the layout and provenance
        are always shown); default :func:`default_sections`.
    lang : {"en", "zh"}, optional
        Language of the report: titles, badges, table headers and the explanatory text
        (default English; the CSV columns stay English).
    facilities : FacilitySpec, str or GeoDataFrame, optional
        Origins of the isochrones and centres of the catchments: ``"circles:university"``
        (the default: the 环大学 sites), ``"register:university"``, ``"metro"``,
        ``"metro:11"``, a points file, or points.
    inputs : mapping, optional
        Named inputs of sections that need more than the built-in ones (see
        :class:`SectionSpec`).
    basemap : str
        Tiles under the report's interactive maps (see :mod:`corridor_geo.maps`); the
        default ``"blank"`` keeps the report usable offline.
    tianditu_key : str, optional
        Key of the Tianditu basemaps; it is then written into ``report.html``.

    Returns
    -------
    Report
        Paths written (``project_path`` is the QGIS project), section titles and
        ``keys``, the run time, ``problems``: the sections the inputs could not support
        (by key, e.g. ``"access"`` for a road network that does not reach the axis),
        each with its error, also shown in the report in place of the section, and
        ``failed_checks``: the layout checks against the plan that failed.

    Examples
    --------
    >>> import tempfile
    >>> rep = build_report(tempfile.mkdtemp())
    >>> rep.html_path.name, rep.gpkg_path.name, rep.keys[:3]
    ('report.html', 'corridor_report.gpkg', ['layout', 'metro', 'register'])
    """
    from ._outdir import output_folder

    cfg = _resolve_config(
        config, sections=sections, lang=lang, crs=crs, title=title, facilities=facilities
    )
    named = dict(inputs or {})
    clash = sorted(set(named) & {"resources", "base", "graph", "datum", "facilities"})
    if clash:
        raise InputError(
            f"inputs {clash} are keywords of build_report: pass them as keywords, not in inputs"
        )
    named.update({"resources": resources, "datum": datum, "base": base, "graph": graph})
    if isinstance(facilities, gpd.GeoDataFrame):
        named["facilities"] = facilities
    with output_folder(out_dir, option="out_dir", command="report") as folder:
        report = _build(
            folder.path,
            layout=layout,
            config=cfg,
            inputs=named,
            progress=progress,
            neutralize_formulas=neutralize_formulas,
            map_options={"basemap": basemap, "tianditu_key": tianditu_key}
            if basemap != "blank"
            else {"basemap": "blank"},
        )
    return replace(
        report,
        html_path=folder.published(report.html_path),
        gpkg_path=folder.published(report.gpkg_path),
        tables={k: folder.published(v) for k, v in report.tables.items()},
        project_path=folder.published(report.project_path) if report.project_path else None,
    )


def _chosen(cfg: ReportConfig, inputs: Mapping[str, Any]) -> list[str]:
    """The section keys of the run: layout first, provenance last, the others as asked."""
    asked = cfg.sections
    if asked is None:
        keys = [
            k
            for k, spec in SECTIONS.items()
            if spec.default
            and all(n in BUILTIN_INPUTS or inputs.get(n) is not None for n in spec.needs)
        ]
    else:
        keys = list(asked)
    middle = [k for k in keys if not SECTIONS[k].required]
    return ["layout", *middle, "provenance"]


def _analysis_steps(ctx: ReportContext) -> list[tuple[str, Callable[[], Section]]]:
    """The sections between the layout and the provenance, as (key, build) in order."""
    steps = []
    for key in _chosen(ctx.config, ctx.inputs)[1:-1]:
        spec = SECTIONS[key]
        missing = [n for n in spec.needs if n not in BUILTIN_INPUTS and ctx.inputs.get(n) is None]
        if missing:

            def fail(missing=missing) -> Section:
                raise InputError(
                    f"needs the input(s) {missing}: pass build_report(..., inputs={{...}})"
                )

            steps.append((key, fail))
        else:
            steps.append((key, lambda spec=spec: spec.build(ctx)))
    return steps


def _describe_inputs(
    ctx: ReportContext, keys: Sequence[str], *, lang: str = "en"
) -> dict[str, str]:
    """Input -> what was used (the English one is the CSV; ``lang="zh"`` for the page)."""
    inputs, layout = ctx.inputs, ctx.layout

    def tr(en: str, zh: str) -> str:
        return zh if lang == "zh" else en

    used = {
        tr("layout", "空间布局"): tr("bundled indicative layers", "内置示意图层")
        if layout.sources.get("cities", "").startswith("bundled")
        else tr("caller's layers", "调用方提供的图层"),
    }
    if any("resources" in SECTIONS[k].needs for k in keys):
        used[tr("resources", "资源")] = _describe(
            inputs.get("resources"),
            tr(
                "seeded synthetic data set (no file given)", "固定随机种子的合成数据（未提供文件）"
            ),
            lang=lang,
        )
        used[tr("base snapshot", "基期快照")] = _describe(
            inputs.get("base"),
            tr("seeded synthetic data set", "固定随机种子的合成数据")
            if inputs.get("resources") is None
            else tr("none", "无"),
            lang=lang,
        )
    if any("graph" in SECTIONS[k].needs for k in keys):
        used[tr("road network", "路网")] = _describe(
            inputs.get("graph"),
            tr("schematic network (indicative)", "示意路网（仅供参考）"),
            lang=lang,
        )
    if any("facilities" in SECTIONS[k].needs for k in keys):
        given = inputs.get("facilities")
        used[tr("facilities", "设施")] = (
            tr("the caller's points", "调用方提供的点")
            if isinstance(given, gpd.GeoDataFrame)
            else ctx.config.facilities.describe()
        )
    if "metro" in keys or "subdistricts" in keys:
        used[tr("metro", "地铁")] = tr(
            "bundled metro network (East Asian metro dataset, CC BY 4.0)",
            "内置地铁网络（East Asian metro dataset，CC BY 4.0）",
        )
    if "register" in keys or "layout" in keys:
        used[tr("institutions", "机构")] = tr(
            "bundled institution register (cited, incomplete)", "内置机构名录（注明出处，不完整）"
        )
    if "subdistricts" in keys:
        used[tr("sub-districts", "街道（镇）")] = tr(
            "bundled OpenStreetMap sub-districts (ODbL)",
            "内置 OpenStreetMap 街道（镇）边界（ODbL）",
        )
    return used


def _build(
    out: Path,
    *,
    layout,
    config: ReportConfig,
    inputs: dict[str, Any],
    progress: bool,
    neutralize_formulas: bool,
    map_options: dict[str, Any] | None = None,
) -> Report:
    """Compute every section and write the files into ``out`` (a staging folder)."""
    import importlib.util

    # tqdm.auto draws a notebook widget, and warns when ipywidgets is missing: the text
    # bar then (and no bar at all without progress).
    if progress and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm

    from .io import write_bytes_atomic, write_layers, write_table_atomic, write_text_atomic
    from .layout import load_layout

    start = time.perf_counter()
    layout = layout if layout is not None else load_layout()
    ctx = ReportContext(
        layout, config, out, inputs, map_options=dict(map_options or {"basemap": "blank"})
    )
    keys = _chosen(config, inputs)
    ctx.cache["used_inputs"] = _describe_inputs(ctx, keys)
    ctx.cache["used_inputs_shown"] = _describe_inputs(ctx, keys, lang=config.lang)
    ctx.cache["credits"] = []
    steps: list[tuple[str, Callable[[], Section]]] = [("layout", lambda: section_layout(ctx))]
    steps += _analysis_steps(ctx)
    steps.append(("provenance", lambda: section_provenance(ctx)))

    sections: list[Section] = []
    bar = tqdm(steps, desc="corridor-geo report", unit="step", disable=not progress)
    problems: dict[str, str] = {}
    lang = config.lang
    for number, (key, make) in enumerate(bar, start=1):
        bar.set_postfix_str(key)
        t0 = time.perf_counter()
        spec = SECTIONS.get(key)
        title = spec.title(lang) if spec is not None else key
        if key != "provenance":
            title = f"{number}. {title}"
        try:
            section = make()
        except CorridorGeoError as exc:
            # One analysis the inputs cannot support (a road network that does not reach
            # the axis, say) must not cost the planner the rest of the report.
            if spec is not None and spec.required:
                raise
            log.warning("report: %s not computed: %s", key, exc)
            problems[key] = str(exc)
            section = Section(
                key,
                "",
                f'<p class="fail">{esc(say("Not computed", lang))}: {esc(exc)}</p>',
            )
            title = f"{title} ({say('not computed', lang)})"
        section.title = title
        ctx.cache["credits"].extend(section.credits)
        sections.append(section)
        log.info("report: %s in %.1f s", key, time.perf_counter() - t0)

    tables: dict[str, Path] = {}
    for section in sections:
        for name, table in section.tables.items():
            tables[f"{section.key}_{name}"] = write_table_atomic(
                table,
                out / "tables" / f"{section.key}_{name}.csv",
                neutralize_formulas=neutralize_formulas,
            )
    layers: dict[str, gpd.GeoDataFrame] = {}
    for section in sections:
        for name, frame in section.layers.items():
            layers[name if section.key == "layout" else f"{section.key}_{name}"] = frame
    crs = config.crs
    (gpkg,) = write_layers(layers, out / "corridor_report.gpkg", crs=crs)
    title = config.title or DEFAULT_TITLE
    project = _qgis_project(gpkg, layers, sections, title=title, write=write_bytes_atomic)
    elapsed = time.perf_counter() - start
    where = (
        f"{gpkg.name}（{crs}；QGIS 工程 {project.name}）"
        if lang == "zh"
        else f"{gpkg.name} ({crs}; QGIS project {project.name})"
    )
    credits = list(dict.fromkeys(ctx.cache["credits"]))
    page = _page(title, sections, elapsed=elapsed, gpkg=where, lang=lang, credits=credits)
    html_path = write_text_atomic(page, out / "report.html")
    validation = next(s.tables["validation"] for s in sections if s.key == "layout")
    failed = [
        f"{row.check} {row.subject}"
        for row in validation.itertuples()
        if getattr(row, "verdict", "pass") == "fail"
    ]
    return Report(
        html_path,
        gpkg,
        tables,
        [s.title for s in sections],
        elapsed,
        problems,
        failed_checks=failed,
        project_path=project,
        keys=[s.key for s in sections],
        config=config,
    )


def _qgis_project(gpkg: Path, layers, sections: list[Section], *, title: str, write) -> Path:
    """The QGIS project beside the GeoPackage: its layers and the rasters, styled."""
    from ._qgis import project_qgz

    rasters = [path for s in sections for path in s.rasters.values()]
    data = project_qgz(gpkg, layers, raster=rasters[0] if rasters else None, title=title)
    return write(data, gpkg.with_suffix(".qgz"))


def _describe(value: Any, default: str, *, lang: str = "en") -> str:
    zh = lang == "zh"
    if value is None:
        return default
    if isinstance(value, (str, os.PathLike)):
        return f"{'文件' if zh else 'file'} {Path(value).name}"
    meta = getattr(value, "graph", None)  # a road graph says where it comes from
    if isinstance(meta, dict) and meta.get("source"):
        return str(meta["source"])
    source = getattr(value, "source", None)  # a ResourceTable remembers its file
    if isinstance(source, str) and source:
        if os.sep in source:
            return f"{'文件' if zh else 'file'} {Path(source).name}"
        return source
    if zh:
        return f"调用方提供的 {type(value).__name__}"
    return f"{type(value).__name__} supplied by the caller"


def _page(
    title: str,
    sections: list[Section],
    *,
    elapsed: float,
    gpkg: str,
    lang: str,
    credits: Sequence[str] = (),
) -> str:
    nav = "".join(f'<a href="#{esc(s.key)}">{esc(s.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{esc(s.key)}"><h2>{esc(s.title)}</h2>{s.body}</section>' for s in sections
    )
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    credit_html = "".join(f"<br>{esc(c)}" for c in credits)
    return (
        f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head>"
        "<meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(say('generated', lang))} {esc(stamp)} · "
        f"{elapsed:.1f} s · {esc(say('layers in', lang))} {esc(gpkg)}</p></header>"
        f"<nav>{nav}</nav>{body}"
        f"<footer>{esc(say('footer', lang))}{credit_html}</footer>"
        "</body></html>"
    )
