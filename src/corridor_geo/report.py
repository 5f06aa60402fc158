"""The main job: one self-contained HTML report of the corridor, plus every layer exported.

:func:`build_report` runs the analyses on the bundled default data (or on the caller's
resources, boundaries and road network) and writes into one folder:

``report.html``
    Self-contained (figures as embedded PNG, the interactive map with Leaflet inlined): it
    opens offline in any browser.  Sections: layout against the official figures,
    share-of-city and the plan's 2027 targets, density, the axis profile, accessibility
    along Binhai Avenue, data and provenance.
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

Every value in the report is computed in the run; user text (names, categories, file
names) is HTML-escaped.  Each section states the data it used and whether the inputs are
indicative (bundled), sample, synthetic or the caller's own.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ._errors import CorridorGeoError, InputError
from ._html import esc

__all__ = ["Report", "build_report"]

log = logging.getLogger(__name__)

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
th { background: #f0f3f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #1a7f37; font-weight: bold; } .fail { color: #cf222e; font-weight: bold; }
.note { color: #555; font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
         background: #fff3cd; color: #7a5b00; border: 1px solid #e6c35c; }
figure { margin: 8px 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 13px; color: #555; }
iframe { width: 100%; height: 560px; border: 1px solid #ccc; }
footer { padding: 16px 40px; font-size: 12px; color: #666; }
"""


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, float):
        if value != value:
            return ""
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return esc(value)


def table_html(
    table: pd.DataFrame, *, max_rows: int = 60, passed_column: str | None = None
) -> str:
    """An HTML table of a DataFrame, every cell escaped, numbers right-aligned.

    Examples
    --------
    >>> page = table_html(pd.DataFrame({"a": ["<b>"], "b": [1.5]}))
    >>> "<td>&lt;b&gt;</td>" in page, '<td class="num">1.5</td>' in page
    (True, True)
    """
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    rows = []
    for _, row in table.head(max_rows).iterrows():
        cells = []
        for col in table.columns:
            value = row[col]
            if col == passed_column and str(value) in ("True", "False"):
                ok = str(value) == "True"
                label = "pass" if ok else "fail"
                cells.append(f'<td class="{label}">{label}</td>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<td class="num">{_fmt(float(value))}</td>')
            else:
                cells.append(f"<td>{_fmt(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="note">first {max_rows} of {len(table)} rows; all rows in the CSV.</p>'
        if len(table) > max_rows
        else ""
    )
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
    return f'<iframe title="{esc(title)}" srcdoc="{html.escape(page, quote=True)}"></iframe>'


@dataclass
class Section:
    """One section of the report."""

    key: str
    title: str
    body: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    rasters: dict[str, Path] = field(default_factory=dict)


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

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{esc(s)}</li>" for s in self.sections)
        return (
            f"<p>report <code>{esc(self.html_path)}</code> ({self.seconds:.1f} s), layers in "
            f"<code>{esc(self.gpkg_path)}</code></p><ul>{items}</ul>"
        )


def section_layout(layout, *, maps: dict[str, Any] | None = None) -> Section:
    """The layout against the plan's official figures, with maps."""
    from .maps import explore_layout
    from .plotting import plot_layout

    table = layout.validate()
    shown = table[["check", "subject", "official", "measured", "unit", "tolerance", "passed"]]
    n_ok = int(table["passed"].sum())
    statuses = sorted(
        {
            str(s)
            for name in ("cities", "axis", "circles", "districts")
            for s in layout[name]["status"]
        }
    )
    body = (
        f'<p>Status of the layers: <span class="badge">{esc(", ".join(statuses))}</span> '
        "(bundled layers are indicative: the plan publishes figures and boundary roads, not "
        "geometry; see the provenance section).</p>"
        f"<p><strong>{n_ok} of {len(table)}</strong> checks passed. Areas and lengths are "
        "geodesic (WGS 84 ellipsoid).</p>"
        + table_html(shown, passed_column="passed")
        + figure_html(plot_layout(layout, lang="both", figsize=(7, 9)), "The layout (EPSG:4549)")
        + map_html(
            explore_layout(layout, height=540, **_map_options(maps)), "interactive layout map"
        )
        + '<p class="note">Interactive map: hover for names and figures; the layer control '
        + (
            "switches layers. No basemap tiles, so it works offline.</p>"
            if _map_options(maps)["basemap"] == "blank"
            else f"switches layers. Basemap: {esc(_map_options(maps)['basemap'])} (its tiles "
            "need the internet).</p>"
        )
    )
    layers = {
        name: layout[name]
        for name in ("corridor", "cities", "circles", "axis", "districts", "city")
    }
    return Section("layout", "1. Layout against the plan", body, {"validation": table}, layers)


def _map_options(maps: dict[str, Any] | None) -> dict[str, Any]:
    return {"basemap": "blank", **(maps or {})}


def section_provenance(layout, inputs: dict[str, str]) -> Section:
    """Which data were used, and where the bundled data come from."""
    from ._show_versions import versions
    from .datasets import sources_text

    rows = pd.DataFrame({"input": list(inputs), "used": list(inputs.values())})
    sources = sources_text()
    info = versions()
    deps = ", ".join(f"{k} {v}" for k, v in info["dependencies"].items() if v)
    body = (
        table_html(rows)
        + "<details><summary>Provenance of the bundled layers (SOURCES.md)</summary>"
        f"<pre style='white-space:pre-wrap;font-size:12px'>{esc(sources)}</pre></details>"
        f"<p class='note'>corridor_geo {esc(info['system']['corridor_geo'])}; {esc(deps)}</p>"
    )
    return Section("provenance", "Data and provenance", body, {"inputs": rows})


SectionBuilder = Callable[..., Section]


def build_report(
    out_dir: str | os.PathLike[str],
    *,
    layout=None,
    resources: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    datum: str | None = None,
    base: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    graph: str | os.PathLike[str] | Any = None,
    crs: str = "EPSG:4549",
    progress: bool = False,
    title: str = "青岛科创大走廊 · Qingdao Science and Technology Innovation Corridor",
    basemap: str = "blank",
    tianditu_key: str | None = None,
    neutralize_formulas: bool = True,
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
        Resources to analyse; defaults to the bundled sample of real institutions.
    datum : str, optional
        Datum of the coordinates in ``resources`` (and ``base``) when it is a table
        (WGS84, CGCS2000, GCJ02, BD09).
    base : path or GeoDataFrame, optional
        The same resources at the base year, for the plan's +15 % growth targets.
    graph : path or networkx.MultiDiGraph, optional
        An OSM (``.osm``/``.pbf``) or GraphML road network, or a graph (e.g. from
        :func:`corridor_geo.online.graph_from_layout`); defaults to the schematic
        network (indicative).
    crs : str
        CRS of the exported GeoPackage: ``"EPSG:4549"`` (default; CGCS2000 / 3-degree
        Gauss-Kruger CM 120E, metres), ``"WGS84"``, ``"CGCS2000"`` (EPSG:4490, degrees),
        ``"GCJ02"`` or any CRS pyproj knows.
    progress : bool
        Show a progress bar (tqdm) over the steps.
    title : str
    basemap : str
        Tiles under the report's interactive maps (see :mod:`corridor_geo.maps`); the
        default ``"blank"`` keeps the report usable offline.
    tianditu_key : str, optional
        Key of the Tianditu basemaps; it is then written into ``report.html``.
    neutralize_formulas : bool
        Quote text cells of the CSV tables that a spreadsheet would run as formulas
        (see :func:`corridor_geo.io.neutralize_formula`); the GeoPackage keeps them
        verbatim.

    Returns
    -------
    Report
        Paths written (``project_path`` is the QGIS project), section titles, the run
        time, ``problems``: the sections the inputs could not support (e.g. a road
        network that does not reach the axis), each with its error, also shown in the
        report in place of the section, and ``failed_checks``: the layout checks against
        the plan that failed.

    Examples
    --------
    >>> import tempfile
    >>> rep = build_report(tempfile.mkdtemp())
    >>> rep.html_path.name, rep.gpkg_path.name
    ('report.html', 'corridor_report.gpkg')
    """
    from ._outdir import output_folder

    with output_folder(out_dir, option="out_dir", command="report") as folder:
        report = _build(
            folder.path,
            layout=layout,
            resources=resources,
            datum=datum,
            base=base,
            graph=graph,
            crs=crs,
            progress=progress,
            title=title,
            neutralize_formulas=neutralize_formulas,
            maps={"basemap": basemap, "tianditu_key": tianditu_key}
            if basemap != "blank"
            else None,
        )
    return replace(
        report,
        html_path=folder.published(report.html_path),
        gpkg_path=folder.published(report.gpkg_path),
        tables={k: folder.published(v) for k, v in report.tables.items()},
        project_path=folder.published(report.project_path) if report.project_path else None,
    )


def _build(
    out: Path,
    *,
    layout,
    resources,
    datum,
    base,
    graph,
    crs: str,
    progress: bool,
    title: str,
    neutralize_formulas: bool,
    maps: dict[str, Any] | None = None,
) -> Report:
    """Compute every section and write the files into ``out`` (a staging folder)."""
    from tqdm.auto import tqdm

    from .io import write_bytes_atomic, write_layers, write_table_atomic, write_text_atomic
    from .layout import load_layout

    start = time.perf_counter()
    layout = layout if layout is not None else load_layout()
    inputs = {
        "layout": "bundled indicative layers"
        if layout.sources.get("cities", "").startswith("bundled")
        else "caller's layers",
        "resources": _describe(resources, "seeded synthetic data set (no file given)"),
        "base snapshot": _describe(
            base, "seeded synthetic data set" if resources is None else "none"
        ),
        "road network": _describe(graph, "schematic network (indicative)"),
    }
    steps: list[tuple[str, Callable[[], Section]]] = [
        ("layout", lambda: section_layout(layout, maps=maps))
    ]
    steps += _analysis_steps(
        layout, resources=resources, datum=datum, base=base, graph=graph, out=out, maps=maps
    )
    steps.append(("provenance", lambda: section_provenance(layout, inputs)))

    sections: list[Section] = []
    bar = tqdm(steps, desc="corridor-geo report", unit="step", disable=not progress)
    problems: dict[str, str] = {}
    for name, make in bar:
        bar.set_postfix_str(name)
        t0 = time.perf_counter()
        try:
            sections.append(make())
        except CorridorGeoError as exc:
            # One analysis the inputs cannot support (a road network that does not reach
            # the axis, say) must not cost the planner the rest of the report.
            if name in ("layout", "provenance"):
                raise
            log.warning("report: %s not computed: %s", name, exc)
            problems[name] = str(exc)
            sections.append(
                Section(
                    name.replace(" ", "_"),
                    f"{name[0].upper()}{name[1:]} (not computed)",
                    f'<p class="fail">Not computed: {esc(exc)}</p>',
                )
            )
        log.info("report: %s in %.1f s", name, time.perf_counter() - t0)

    tables: dict[str, Path] = {}
    for section in sections:
        for key, table in section.tables.items():
            tables[f"{section.key}_{key}"] = write_table_atomic(
                table,
                out / "tables" / f"{section.key}_{key}.csv",
                neutralize_formulas=neutralize_formulas,
            )
    layers: dict[str, gpd.GeoDataFrame] = {}
    for section in sections:
        for key, frame in section.layers.items():
            layers[key if section.key == "layout" else f"{section.key}_{key}"] = frame
    (gpkg,) = write_layers(layers, out / "corridor_report.gpkg", crs=crs)
    project = _qgis_project(gpkg, layers, sections, title=title, write=write_bytes_atomic)
    elapsed = time.perf_counter() - start
    where = f"{gpkg.name} ({crs}; QGIS project {project.name})"
    page = _page(title, sections, elapsed=elapsed, gpkg=where)
    html_path = write_text_atomic(page, out / "report.html")
    validation = next(s.tables["validation"] for s in sections if s.key == "layout")
    failed = [
        f"{row.check} {row.subject}" for row in validation.itertuples() if not bool(row.passed)
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
    )


def _qgis_project(gpkg: Path, layers, sections: list[Section], *, title: str, write) -> Path:
    """The QGIS project beside the GeoPackage: its layers and the rasters, styled."""
    from ._qgis import project_qgz

    rasters = [path for s in sections for path in s.rasters.values()]
    data = project_qgz(gpkg, layers, raster=rasters[0] if rasters else None, title=title)
    return write(data, gpkg.with_suffix(".qgz"))


def _describe(value: Any, default: str) -> str:
    if value is None:
        return default
    if isinstance(value, (str, os.PathLike)):
        return f"file {Path(value).name}"
    meta = getattr(value, "graph", None)  # a road graph says where it comes from
    if isinstance(meta, dict) and meta.get("source"):
        return str(meta["source"])
    source = getattr(value, "source", None)  # a ResourceTable remembers its file
    if isinstance(source, str) and source:
        return f"file {Path(source).name}" if os.sep in source else source
    return f"{type(value).__name__} supplied by the caller"


DEFAULT_SYNTHETIC_N = 4000
DEFAULT_SYNTHETIC_SEED = 2027
DEFAULT_BASE_SEED = 2024
KDE_BANDWIDTH_M = 1000.0
KDE_CELL_M = 100.0
ISOCHRONE_MINUTES = (5, 10, 15)
ISOCHRONE_BUFFER_M = 50.0  # streets of a real network; the schematic lattice uses 250 m


@dataclass
class _Inputs:
    """Resources and network resolved once for every analysis section."""

    current: gpd.GeoDataFrame
    base: gpd.GeoDataFrame | None
    points: gpd.GeoDataFrame  # what the maps show
    label: str  # "sample + synthetic", "caller's file", ...
    banner: str
    rejected: pd.DataFrame | None
    graph: Any = None
    graph_label: str = ""


def _resolve_inputs(layout, resources, datum, base) -> _Inputs:
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
        banner = (
            '<p class="badge">synthetic data</p> <span class="note">No resource file was '
            f"given: the figures of this section come from a seeded synthetic city-wide data "
            f"set ({DEFAULT_SYNTHETIC_N:,} resources, seed {DEFAULT_SYNTHETIC_SEED}; base "
            f"snapshot seed {DEFAULT_BASE_SEED}) that demonstrates the method. They say "
            "nothing about Qingdao. Run with your own file "
            "(<code>corridor-geo report --resources labs.csv --datum GCJ02</code>).</span>"
        )
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
    base_frame = accepted(base, "base snapshot")[0] if base is not None else None
    banner = (
        f'<p class="note">Resources: {esc(_describe(resources, ""))}, {len(current):,} '
        f"accepted, {n_rejected:,} rejected"
        + (" (see the rejected-rows table in section 2)" if n_rejected else "")
        + ".</p>"
    )
    return _Inputs(current, base_frame, current, "caller's data", banner, rejected)


def section_share(layout, inputs: _Inputs) -> Section:
    """Share of the city's resources in the corridor and the plan's 2027 targets."""
    from .indicators import target_status
    from .plotting import plot_targets
    from .zones import share_of_city

    shares = share_of_city(inputs.current, layout=layout, layers=("corridor", "cities"))
    status = target_status(inputs.current, layout=layout, base=inputs.base)
    from .resources import category_registry

    names = category_registry().set_index("key")
    corridor = shares[shares["layer"] == "corridor"].copy()
    corridor["order"] = (corridor["category"] != "ALL").astype(int)
    corridor = corridor.sort_values(["order", "share_count"], ascending=[True, False])
    corridor["category_zh"] = corridor["category"].map(names["name_zh"]).fillna("合计 all")
    corridor["category_en"] = corridor["category"].map(names["name_en"]).fillna("all")
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
        + "<h3>The plan's targets for 2027</h3>"
        + table_html(targets.assign(met=targets["met"].astype(str)), passed_column="met")
        + figure_html(plot_targets(status, lang="both", figsize=(9, 3.4)), "Targets")
        + "<p class='note'>Share: resources of the target's categories inside the corridor "
        "(<em>current</em>) over the city's (<em>city</em>). Growth: <em>current</em> over "
        "<em>base</em> minus one; <em>current</em> is a count, a sum of weights or a rate per "
        "10,000 people as the <em>method</em> column says. Per 10,000 people: 2020 census "
        "district totals spread by area (see corridor_geo.population). A growth target "
        "without a base snapshot has no value: pass <code>--base</code>.</p>"
        + "<h3>Share of the city by category (corridor)</h3>"
        + table_html(shown)
    )
    tables = {"share_of_city": shares, "targets": status}
    if inputs.rejected is not None and len(inputs.rejected):
        body += "<h3>Rejected rows</h3>" + table_html(inputs.rejected, max_rows=30)
        tables["rejected"] = pd.DataFrame(inputs.rejected)
    return Section("share", "2. Share of the city and the 2027 targets", body, tables)


def section_density(
    layout, inputs: _Inputs, out: Path, *, maps: dict[str, Any] | None = None
) -> Section:
    """Density per zone and a kernel density surface written as GeoTIFF."""
    from ._qgis import raster_qml
    from .density import density_by_zone, kernel_density
    from .io import write_text_atomic
    from .maps import add_points, add_raster, explore_layout
    from .plotting import plot_density

    zones = density_by_zone(
        inputs.current, layout=layout, layers=("corridor", "cities", "districts")
    )
    kde = kernel_density(
        inputs.current, bandwidth_m=KDE_BANDWIDTH_M, cell_size_m=KDE_CELL_M, layout=layout
    )
    tif = kde.to_geotiff(out / "density_kde.tif")
    write_text_atomic(raster_qml(tif), tif.with_suffix(".qml"))  # QGIS opens it styled
    # One row per zone: the "ALL" rows (every category), not their sum with the categories.
    group_col = "category" if "category" in zones.columns else "group"
    totals = zones.loc[
        zones[group_col] == "ALL", ["layer", "zone", "name_zh", "count", "area_km2"]
    ].copy()
    totals["per_km2"] = totals["count"] / totals["area_km2"]
    m = explore_layout(layout, layers=("corridor", "axis"), height=480, **_map_options(maps))
    add_raster(m, tif, name="kernel density (per km²)", cmap="magma_r")
    if 0 < len(inputs.points) <= 2000:
        add_points(
            m,
            inputs.points,
            name="resources",
            label_column="name",
            popup_columns=[
                c for c in ("name", "category_zh", "category_en") if c in inputs.points
            ],
        )
    body = (
        inputs.banner
        + f"<p>Gaussian kernel, bandwidth {KDE_BANDWIDTH_M:g} m, {KDE_CELL_M:g} m cells, "
        f"EPSG:4549, resources per km²; written to <code>{esc(tif.name)}</code>.</p>"
        + figure_html(plot_density(layout, tif, lang="both", figsize=(6.5, 8)), "Kernel density")
        + map_html(m, "density map")
        + "<h3>Resources per km² by zone</h3>"
        + table_html(totals.sort_values(["layer", "per_km2"], ascending=[True, False]))
    )
    return Section("density", "3. Density", body, {"density_by_zone": zones}, rasters={"kde": tif})


def section_profile(layout, inputs: _Inputs) -> Section:
    """Counts per km along the axis (the corridor strip chart)."""
    from .axis import axis_profile
    from .plotting import plot_axis_profile

    profile = axis_profile(inputs.current, layout=layout, bin_km=1.0)
    excluded = profile.attrs.get("excluded", {})
    peak = profile.loc[profile["count_per_km"].idxmax()] if len(profile) else None
    by_city = profile.groupby("city", as_index=False)[["count", "length_km"]].sum()
    by_city["per_km"] = by_city["count"] / by_city["length_km"]
    body = (
        inputs.banner
        + figure_html(
            plot_axis_profile(profile, lang="both", ylabel="resources per km"),
            "Resources per km along Binhai Avenue, by the city each km lies in",
        )
        + (
            f"<p>Densest stretch: km {peak['start_km']:g}-{peak['end_km']:g} "
            f"({esc(peak['city'])}), {peak['count_per_km']:.0f} resources per km.</p>"
            if peak is not None
            else ""
        )
        + table_html(by_city)
        + "<p class='note'>Resources inside the corridor, placed by their chainage along the "
        "axis. Each km bin is labelled with the city the axis runs through there; the axis "
        "does not enter 李沧区, so 青年科创城's resources count in the bins beside it. Not on "
        "the profile (outside the corridor): "
        + esc(", ".join(f"{v:,} {k}" for k, v in excluded.items()) or "none")
        + ".</p>"
    )
    return Section("profile", "4. Along Binhai Avenue", body, {"axis_profile": profile})


def section_access(layout, inputs: _Inputs, graph) -> Section:
    """Travel time to the axis and isochrones around the university sites."""
    from .access import isochrones, time_to_axis
    from .coverage import circle_anchors
    from .network import graph_from_graphml, graph_from_osm, schematic_network
    from .plotting import plot_isochrones
    from .zones import assign_zones

    buffer_m = ISOCHRONE_BUFFER_M
    if graph is None:
        G = schematic_network(layout)
        # The lattice is 500 m: buffering reachable streets by half of it fills the blocks
        # they enclose, so the isochrones read as areas rather than as a mesh.
        buffer_m = 250.0
        graph_note = (
            '<p class="badge">schematic network</p> <span class="note">No road network was '
            "given: travel times use the built-in schematic network (Binhai Avenue at 60 km/h "
            "with a junction every km, a 500 m lattice of local streets at 30 km/h). It is not "
            "a survey of real roads: the times are indicative. Run with "
            "<code>--osm extract.osm.pbf</code> for real answers. It covers the corridor "
            "only: resources outside it lie beyond the snap distance and are reported as "
            "such.</span>"
        )
    elif isinstance(graph, (str, os.PathLike)):
        path = Path(graph)
        G = graph_from_graphml(path) if path.suffix.lower() == ".graphml" else graph_from_osm(path)
        graph_note = f"<p class='note'>Road network: {esc(path.name)}.</p>"
    else:  # a graph object, e.g. from corridor_geo.online.graph_from_layout
        G = graph
        graph_note = f"<p class='note'>Road network: {esc(_describe(graph, ''))}.</p>"
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
    anchors = circle_anchors(layout, kind="university")
    iso = isochrones(anchors, G, cutoffs=ISOCHRONE_MINUTES, buffer_m=buffer_m)
    # Name the sites and say what network the isochrones come from.
    site = anchors.reset_index(drop=True)
    iso.insert(1, "site_zh", iso["point"].map(site["site_zh"]))
    iso.insert(2, "site_en", iso["point"].map(site["site_en"]))
    iso["network"] = (
        "schematic (indicative)"
        if graph is None
        else Path(graph).name
        if isinstance(graph, (str, os.PathLike))
        else _describe(graph, "")
    )
    iso["buffer_m"] = buffer_m
    body = (
        graph_note
        + inputs.banner
        + "<h3>Travel time to Binhai Avenue, by city</h3>"
        + table_html(stats)
        + "<p class='note'>Resources not routed, by reason: "
        + esc(", ".join(f"{v:,} {k}" for k, v in unreachable.items()) or "none")
        + " (points farther than the snap distance from the network are reported, never "
        "snapped across water).</p>"
        + "<h3>Isochrones around the university sites (环大学)</h3>"
        + figure_html(
            plot_isochrones(layout, iso, origins=anchors, lang="both", figsize=(6.5, 8)),
            f"Reachable street network within {', '.join(map(str, ISOCHRONE_MINUTES))} minutes"
            + f", buffered by {buffer_m:g} m",
        )
        + table_html(iso.drop(columns="geometry"))
    )
    return Section(
        "access",
        "5. Accessibility along Binhai Avenue",
        body,
        {"time_to_axis": joined, "isochrones": pd.DataFrame(iso.drop(columns="geometry"))},
        {"isochrones": iso, "resources": located},
    )


def _analysis_steps(
    layout, *, resources, datum, base, graph, out: Path, maps: dict[str, Any] | None = None
) -> list[tuple[str, Callable[[], Section]]]:
    """The analysis sections, in order; inputs are resolved once by the first step."""
    state: dict[str, Any] = {}

    def inputs() -> _Inputs:
        if "inputs" not in state:
            try:
                state["inputs"] = _resolve_inputs(layout, resources, datum, base)
            except CorridorGeoError as exc:
                state["inputs"] = exc
        if isinstance(state["inputs"], CorridorGeoError):
            raise state["inputs"]
        return state["inputs"]

    return [
        ("share of city", lambda: section_share(layout, inputs())),
        ("density", lambda: section_density(layout, inputs(), out, maps=maps)),
        ("axis profile", lambda: section_profile(layout, inputs())),
        ("accessibility", lambda: section_access(layout, inputs(), graph)),
    ]


def _page(title: str, sections: list[Section], *, elapsed: float, gpkg: str) -> str:
    nav = "".join(f'<a href="#{esc(s.key)}">{esc(s.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{esc(s.key)}"><h2>{esc(s.title)}</h2>{s.body}</section>' for s in sections
    )
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p>corridor_geo report · generated {esc(stamp)} in "
        f"{elapsed:.1f} s · layers in {esc(gpkg)}</p></header>"
        f"<nav>{nav}</nav>{body}"
        "<footer>All figures computed by corridor_geo in this run. Bundled layers are "
        "indicative; replace them with authoritative files for official use.</footer>"
        "</body></html>"
    )
