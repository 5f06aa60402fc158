"""``corridor-geo layout``: every layout layer and the validation table."""

from __future__ import annotations

import argparse

ORDER = 10


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from ._common import add_layout_arguments, add_out_argument

    p = sub.add_parser(
        "layout",
        help="write every layout layer and the validation table",
        description="Write the corridor, cities, circles, axis, districts and city layers "
        "and the validation table against the plan's official figures.",
        epilog="example: corridor-geo layout --out corridor-output --crs CGCS2000",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_out_argument(p)
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
    from .._outdir import check_target, output_folder
    from ..io import write_table_atomic
    from ._common import layout_from_args

    check_target(args.out, option="--out")
    layout = layout_from_args(args)
    with output_folder(args.out, option="--out", command="layout") as folder:
        out = folder.path
        if args.format == "gpkg":
            written = layout.to_file(out / "corridor_layout.gpkg", crs=args.crs)
        else:
            written = layout.to_file(out / "layers", crs=args.crs, fmt=args.format)
        table = layout.validate()
        written.append(
            write_table_atomic(
                table, out / "validation.csv", neutralize_formulas=not args.keep_formulas
            )
        )
        for name, checks in layout.reports.items():  # --replace-mode report
            written.append(
                write_table_atomic(
                    checks, out / f"replace_{name}.csv", neutralize_formulas=not args.keep_formulas
                )
            )
    if not args.quiet:
        print(layout.summary())
        print()
        for path in written:
            print(f"wrote {folder.published(path)}")
    return 0 if table["passed"].all() else 1
