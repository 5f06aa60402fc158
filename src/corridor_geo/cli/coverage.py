"""``corridor-geo coverage``: share of each zone within reach of facilities."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import _common as common

ORDER = 24


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "coverage",
        help="share of each zone's area, population and resources near facilities",
        description="Share of each zone's area, population and (optionally) resources "
        "within a straight-line radius of facilities: a file of points (metro stations...) "
        "or the anchors of the layout's ecosystem circles. Writes OUT/coverage (table) and "
        "OUT/coverage.gpkg (the covered area of each zone).",
        epilog="examples:\n"
        "  corridor-geo coverage --circle-kind 环大学 --radius 1000 --out out\n"
        "  corridor-geo coverage --facilities metro.csv --facilities-datum GCJ02 "
        "--radius 800 --resources labs.csv --datum GCJ02 --population pop.tif --out out",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--facilities", help="facility points: CSV/XLSX with lon/lat, or vector file")
    src.add_argument(
        "--circle-kind",
        help="use the anchors of one kind of ecosystem circle (环大学, university, ...)",
    )
    p.add_argument("--facilities-datum", help="datum of a facilities table (WGS84, GCJ02...)")
    p.add_argument(
        "--radius", type=common.positive_float, default=1000.0, help="reach in metres (1000)"
    )
    p.add_argument(
        "--population",
        help="raster of people per cell (GeoTIFF) or polygons with a 'population' column; "
        "default: 2020 census districts spread by area",
    )
    p.add_argument(
        "--population-column",
        default="population",
        help="column of --population polygons holding the counts (default population)",
    )
    p.add_argument(
        "--layers",
        default="corridor,cities,circles,districts",
        help="comma-separated zone layers",
    )
    common.add_resource_arguments(p, required=False)
    common.add_layout_arguments(p)
    common.add_output_arguments(p)
    common.add_crs_argument(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from .._errors import CorridorGeoError
    from .._outdir import check_target, output_folder
    from ..coverage import circle_anchors, coverage
    from ..io import write_vector_atomic

    check_target(args.out, option="--out")
    layout = common.layout_from_args(args)
    if args.facilities:
        if not Path(args.facilities).exists():
            raise CorridorGeoError(f"no such facilities file: {args.facilities!r}")
        facilities = args.facilities
    else:
        facilities = circle_anchors(layout, kind=args.circle_kind)
    if args.population and not Path(args.population).exists():
        raise CorridorGeoError(f"no such population file: {args.population!r}")
    res = common.read(args, layout=layout) if args.resources else None
    layers = [s.strip() for s in args.layers.split(",") if s.strip()]
    cov = coverage(
        facilities,
        layout=layout,
        radius_m=args.radius,
        layers=layers,
        population=args.population,
        population_col=args.population_column,
        resources=res,
        datum=args.facilities_datum,
    )
    keep = args.keep_formulas
    with output_folder(args.out, option="--out", command="coverage") as folder:
        out = folder.path
        written = [
            common.write_table(cov, out, "coverage", args.format, keep_formulas=keep),
            write_vector_atomic(
                cov, out / "coverage.gpkg", layer="coverage", crs=args.crs or "WGS84"
            ),
        ]
        if res is not None:
            written.append(common.write_rejected(res, out, args.format, keep_formulas=keep))
    written = [folder.published(p) for p in written]
    if not args.quiet:
        if res is not None:
            print(res.summary())
        print(f"within {args.radius:g} m: {cov['method'].iloc[0]}")
        print(f"  {'zone':30s} {'area':>7s} {'people':>7s}" + ("  resources" if res else ""))
        for r in cov.itertuples():
            line = f"  {(r.layer + ' ' + str(r.name_zh))[:30]:30s} {r.area_share:7.1%}"
            line += (
                f" {r.population_share:7.1%}"
                if r.population_share == r.population_share
                else "     n/a"
            )
            if res is not None:
                s = r.resources_share
                line += f"  {s:9.1%}" if s == s else "        n/a"
            print(line)
        print()
        for path in written:
            print(f"wrote {path}")
    return 0
