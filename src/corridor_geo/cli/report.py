"""``corridor-geo report``: the main job, one self-contained HTML report plus every layer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._errors import CorridorGeoError

ORDER = 5


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from ._common import add_layout_arguments, add_out_argument, add_resource_arguments
    from ._online import add_basemap_arguments, add_network_arguments

    p = sub.add_parser(
        "report",
        help="the yearly job: HTML report, every layer in one GeoPackage, tables",
        description="Run every analysis (layout against the plan, share of the city and the "
        "2027 targets, density, the axis profile, accessibility along Binhai Avenue) and "
        "write OUT/report.html (self-contained, opens offline), OUT/corridor_report.gpkg "
        "(every layer, styled for QGIS, in EPSG:4549 unless --crs says otherwise), "
        "OUT/corridor_report.qgz (a QGIS project of those layers) and OUT/tables/*.csv. "
        "Without --resources the quantitative sections use a "
        "seeded synthetic data set, labelled as such; without --osm/--graphml/--network osm "
        "the travel times use the schematic network (indicative).",
        epilog="examples:\n"
        "  corridor-geo report --out corridor-report\n"
        "  corridor-geo report --out r2026 --resources labs_2026.csv --base labs_2024.csv "
        "--datum GCJ02 --osm qingdao.osm.pbf\n"
        "  corridor-geo report --out r --replace cities=cities_bureau.gpkg\n"
        "  corridor-geo report --out r --crs WGS84   # the GeoPackage in longitude/latitude\n"
        "  corridor-geo report --out r --resources geocoded/geocoded.csv --network osm",
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
        help="CRS of the exported GeoPackage: EPSG:4549 (default; CGCS2000 / 3-degree "
        "Gauss-Kruger CM 120E, metres, as Chinese GIS desks use), WGS84, CGCS2000 "
        "(EPSG:4490, degrees) or GCJ02",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from .._outdir import check_target
    from ..report import build_report
    from ._common import layout_from_args, read
    from ._online import osm_graph, tianditu_key

    check_target(args.out, option="--out")  # before the inputs are read

    for option in ("osm", "graphml", "base"):
        value = getattr(args, option)
        if value is not None and not Path(value).exists():
            raise CorridorGeoError(f"--{option}: no such file {value!r}")
    if args.base and not args.resources:
        raise CorridorGeoError("--base needs --resources (the current snapshot)")
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
    report = build_report(
        args.out,
        layout=layout,
        resources=resources,
        base=base,
        graph=graph,
        crs=args.crs,
        progress=not args.quiet,
        basemap=args.basemap,
        tianditu_key=key,
        neutralize_formulas=not args.keep_formulas,
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
