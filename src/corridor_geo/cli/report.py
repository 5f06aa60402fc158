"""``corridor-geo report``: the main job, one self-contained HTML report plus every layer."""

from __future__ import annotations

import argparse
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

from .._errors import CorridorGeoError

ORDER = 5

CONFIG_EXAMPLE = """\
  # report.toml (every key optional; see docs/report.md)
  sections = ["metro", "register", "subdistricts", "access", "catchment"]
  lang = "zh"                      # en | zh
  crs = "EPSG:4549"                # EPSG:4549 | WGS84 | CGCS2000 | GCJ02 | any EPSG code
  title = "青岛科创大走廊 2026"
  [facilities]                     # isochrones and catchments start here
  source = "register"              # circles | register | metro | file
  kind = "university"              # circle kind, register category or metro line
  [isochrones]
  minutes = [5, 10, 15]
  [catchment]
  radius_m = 1000
  layers = ["corridor", "cities", "districts"]
  [metro]
  radius_m = 800                   # walking reach of a station, straight line
  bin_km = 5                       # chainage bins of stations per km
  [categories."咖啡馆"]            # labels of your own categories
  zh = "咖啡馆"
  en = "Cafés"
"""


class _Given(argparse.Action):
    """Store the value and remember that it was given (a default does not override a config)."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        setattr(namespace, f"{self.dest}_given", True)


def _sections_help() -> str:
    from ..report import SECTIONS

    lines = []
    for key, spec in SECTIONS.items():
        flag = "always" if spec.required else ("default" if spec.default else "on request")
        text = f"{key:<13} {spec.title_en} [{flag}]: {spec.data}"
        lines.append(textwrap.fill(text, 88, initial_indent="  ", subsequent_indent=" " * 16))
    return "\n".join(lines)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from .._report import FACILITY_SOURCES, LANGUAGES
    from ._common import (
        add_layout_arguments,
        add_out_argument,
        add_resource_arguments,
        positive_float,
    )
    from ._online import add_basemap_arguments, add_network_arguments

    p = sub.add_parser(
        "report",
        help="the yearly job: HTML report, every layer in one GeoPackage, tables",
        description=textwrap.fill(
            "Run the analyses and write OUT/report.html (self-contained, opens "
            "offline), OUT/corridor_report.gpkg (every layer, styled for QGIS, in EPSG:4549 "
            "unless --crs says otherwise), OUT/corridor_report.qgz (a QGIS project of those "
            "layers) and OUT/tables/*.csv. The metro, register and sub-district sections run on "
            "the bundled real data; without --resources the share, density, profile and "
            "access sections use a seeded synthetic data set, labelled as such; without "
            "--osm/--graphml/--network osm the travel times use the schematic network "
            "(indicative).",
            width=88,
        )
        + "\n\nsections (--sections, or sections = [...] in --config):\n"
        + _sections_help(),
        epilog="examples:\n"
        "  corridor-geo report --out corridor-report\n"
        "  corridor-geo report --out r2026 --resources labs_2026.csv --base labs_2024.csv "
        "--datum GCJ02 --osm qingdao.osm.pbf\n"
        "  corridor-geo report --out r --replace cities=cities_bureau.gpkg\n"
        "  corridor-geo report --out r --crs WGS84   # the GeoPackage in longitude/latitude\n"
        "  corridor-geo report --out r --resources geocoded/geocoded.csv --network osm\n"
        "  corridor-geo report --out r --lang zh --sections metro,register,subdistricts\n"
        "  corridor-geo report --out r --facilities metro:11 --sections access,catchment\n"
        "  corridor-geo report --out r --config report.toml\n\n"
        "a configuration file (TOML; flags override it):\n" + CONFIG_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_out_argument(p, default="corridor-report")
    add_resource_arguments(p, required=False)
    p.add_argument("--base", help="the same resources at the base year (for the +15%% targets)")
    net = p.add_mutually_exclusive_group()
    net.add_argument("--osm", help="OpenStreetMap extract (.osm.pbf, .osm) for travel times")
    net.add_argument("--graphml", help="road graph saved by OSMnx or corridor_geo")
    add_network_arguments(p, net)
    add_layout_arguments(p)
    add_basemap_arguments(p)
    p.add_argument(
        "--crs",
        default="EPSG:4549",
        action=_Given,
        help="CRS of the exported GeoPackage: EPSG:4549 (default; CGCS2000 / 3-degree "
        "Gauss-Kruger CM 120E, metres, as Chinese GIS desks use), WGS84, CGCS2000 "
        "(EPSG:4490, degrees) or GCJ02",
    )
    p.set_defaults(crs_given=False)
    p.add_argument(
        "--config", metavar="FILE", help="a TOML configuration of the report (see below)"
    )
    p.add_argument(
        "--sections",
        metavar="LIST",
        help="comma-separated section keys to show, in order (layout and provenance are "
        "always shown), e.g. metro,register,access",
    )
    p.add_argument("--lang", choices=LANGUAGES, help="language of titles and labels (en)")
    p.add_argument(
        "--facilities",
        metavar="SPEC",
        help="where isochrones and catchments start: "
        + ", ".join(f"{s}[:KIND]" for s in FACILITY_SOURCES if s != "file")
        + " or a points file (default circles:university, the 环大学 sites)",
    )
    p.add_argument(
        "--facilities-datum",
        metavar="DATUM",
        help="datum of a facilities file without one (WGS84, CGCS2000, GCJ02, BD09)",
    )
    p.add_argument(
        "--catchment-radius",
        type=positive_float,
        metavar="M",
        help="reach of the catchment section, metres, straight line (800)",
    )
    p.add_argument(
        "--snapshot",
        action="append",
        metavar="YEAR=FILE",
        help="a yearly snapshot of the resources (repeatable; read with --datum and the "
        "other reader options): adds the monitoring section (trend and projection to 2027)",
    )
    p.add_argument(
        "--scenario-replace",
        action="append",
        metavar="LAYER=FILE",
        help="a variant layout: this layer replaced (repeatable); adds the scenario "
        "comparison section",
    )
    p.add_argument(
        "--scenario-buffer",
        type=positive_float,
        metavar="M",
        help="a variant layout: the corridor widened by M metres; adds the scenario section",
    )
    p.add_argument("--title", help="title of the report page")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(func=run)
    return p


def _config(args: argparse.Namespace):
    """The report configuration: the --config file, then the flags over it."""
    from .._report import ReportConfig, check_facilities
    from ..report import read_config

    cfg = read_config(args.config) if args.config else ReportConfig()
    if args.facilities:
        spec = check_facilities(args.facilities)
        if spec.source == "file":
            if not Path(str(spec.path)).exists():
                raise CorridorGeoError(f"--facilities: no such file {spec.path!r}")
            spec = replace(spec, datum=args.facilities_datum)
        cfg = replace(cfg, facilities=spec)
    elif args.facilities_datum:
        if cfg.facilities.source != "file":
            raise CorridorGeoError("--facilities-datum needs --facilities FILE")
        cfg = replace(cfg, facilities=replace(cfg.facilities, datum=args.facilities_datum))
    if args.catchment_radius is not None:
        cfg = replace(cfg, catchment_radius_m=args.catchment_radius)
    return cfg


def _extra_inputs(args: argparse.Namespace, layout) -> dict:
    """Snapshots (monitoring) and a variant layout (scenario), when asked for."""
    from ._common import key_value_pairs, read

    inputs: dict = {}
    if args.snapshot:
        snaps = {}
        for year, path in key_value_pairs(args.snapshot, "--snapshot").items():
            if not year.isdigit():
                raise CorridorGeoError(f"--snapshot takes YEAR=FILE, got {year!r} as a year")
            if not Path(path).exists():
                raise CorridorGeoError(f"--snapshot {year}: no such file {path!r}")
            snaps[int(year)] = read(args, path=path, layout=layout)
        inputs["snapshots"] = snaps
    if args.scenario_replace or args.scenario_buffer:
        from ..layout import load_layout
        from ..scenarios import scenario

        base = layout
        if args.scenario_replace:
            replace_ = key_value_pairs(args.scenario_replace, "--scenario-replace")
            for name, path in replace_.items():
                if not Path(path).exists():
                    raise CorridorGeoError(f"--scenario-replace {name}: no such file {path!r}")
            base = load_layout(replace=replace_)
        inputs["scenario"] = scenario("variant", layout=base, buffer_m=args.scenario_buffer or 0.0)
    return inputs


def run(args: argparse.Namespace) -> int:
    from .._outdir import check_target
    from ..report import build_report
    from ._common import layout_from_args, read
    from ._online import osm_graph, tianditu_key

    check_target(args.out, option="--out")  # before the inputs are read

    for option in ("osm", "graphml", "base", "config"):
        value = getattr(args, option)
        if value is not None and not Path(value).exists():
            raise CorridorGeoError(f"--{option}: no such file {value!r}")
    if args.base and not args.resources:
        raise CorridorGeoError("--base needs --resources (the current snapshot)")
    config = _config(args)  # a wrong key fails here, before anything is read or written
    layout = layout_from_args(args)
    key = tianditu_key(args)
    resources = read(args, layout=layout) if args.resources else None
    base = read(args, path=args.base, layout=layout) if args.base else None
    graph = args.osm
    if args.graphml:  # a bad file is the user's input: one line and exit 2, not a section
        from ..network import graph_from_graphml

        graph = graph_from_graphml(args.graphml)
    if args.network == "osm":
        graph, _ = osm_graph(args, layout)
    inputs = _extra_inputs(args, layout)
    report = build_report(
        args.out,
        layout=layout,
        resources=resources,
        base=base,
        graph=graph,
        basemap=args.basemap,
        tianditu_key=key,
        crs=args.crs if args.crs_given or not args.config else None,
        progress=not args.quiet,
        neutralize_formulas=not args.keep_formulas,
        config=config,
        sections=args.sections,
        lang=args.lang,
        title=args.title,
        inputs=inputs,
    )
    if not args.quiet:
        print(f"report: {report.html_path} ({report.seconds:.1f} s)")
        print(f"layers: {report.gpkg_path}")
        print(f"tables: {len(report.tables)} CSV files in {report.html_path.parent / 'tables'}")
        for title in report.sections:
            print(f"  - {title}")
    if report.failed_checks:
        # As `layout` does: the layout does not match the plan's figures.
        print(
            f"corridor-geo: {len(report.failed_checks)} layout check(s) failed: "
            + "; ".join(report.failed_checks[:5])
            + ("; ..." if len(report.failed_checks) > 5 else "")
            + " (see the report's section 1)",
            file=sys.stderr,
        )
    # Sections the inputs could not support were logged as warnings; say it in the code.
    return 1 if report.problems or report.failed_checks else 0
