"""``corridor-geo layout``: every layout layer and the validation table."""

from __future__ import annotations

import argparse
from pathlib import Path

ORDER = 10


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from ._common import add_layout_arguments

    p = sub.add_parser(
        "layout",
        help="write every layout layer and the validation table",
        description="Write the corridor, cities, circles, axis, districts and city layers "
        "and the validation table against the plan's official figures.",
        epilog="example: corridor-geo layout --out corridor-output --crs CGCS2000",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument(
        "--crs",
        default="WGS84",
        help="CRS of the written layers: WGS84 (default), CGCS2000, EPSG:4549, or GCJ02",
    )
    p.add_argument(
        "--format",
        choices=["gpkg", "geojson", "shp"],
        default="gpkg",
        help="gpkg: one GeoPackage (default); geojson/shp: one file per layer in OUT/layers",
    )
    add_layout_arguments(p, datum_alias=True)
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..io import write_table_atomic
    from ._common import layout_from_args

    layout = layout_from_args(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.format == "gpkg":
        written = layout.to_file(out / "corridor_layout.gpkg", crs=args.crs)
    else:
        written = layout.to_file(out / "layers", crs=args.crs, fmt=args.format)
    table = layout.validate()
    written.append(write_table_atomic(table, out / "validation.csv"))
    if not args.quiet:
        print(layout.summary())
        print()
        for path in written:
            print(f"wrote {path}")
    return 0 if table["passed"].all() else 1
