"""``corridor-geo monitor``: the plan's indicators year by year, projected to 2027."""

from __future__ import annotations

import argparse
from typing import Any

from . import _common as common

ORDER = 40


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "monitor",
        help="the plan's indicators for several years, trend and projection to 2027",
        description="Read resource snapshots for several years (one file per year, or one "
        "file with a year column), compute every indicator of the plan's targets per year "
        "and zone, the change from the base year, the trend and its projection to the "
        "target year (linear least squares and compound annual growth) against the "
        "targets. Writes OUT/monitoring (the yearly table), OUT/projection, "
        "OUT/monitoring.png (the chart), OUT/monitoring.html (a page with both) and "
        "OUT/rejected_<year> (rows not read, with the reason).",
        epilog="examples:\n"
        "  corridor-geo monitor --snapshot 2023=labs_2023.csv --snapshot 2024=labs_2024.csv "
        "--snapshot 2025=labs_2025.csv --datum GCJ02 --out monitoring\n"
        "  corridor-geo monitor --resources labs_all_years.xlsx --year-column 年份 "
        "--datum WGS84 --layers corridor,cities,districts --out monitoring",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--snapshot",
        action="append",
        metavar="YEAR=FILE",
        help="the resources of one year (repeat for each year); same columns and options",
    )
    common.add_resource_arguments(p, required=False, flag=True)
    p.add_argument(
        "--year-column",
        default="year",
        help="with --resources: the column holding each row's year (default year)",
    )
    p.add_argument(
        "--layers",
        default="corridor,cities",
        help="comma-separated zone layers reported (the targets' corridor always is)",
    )
    p.add_argument("--base-year", type=int, help="year growth is measured from (the first)")
    p.add_argument("--target-year", type=int, help="year to project to (the targets': 2027)")
    p.add_argument(
        "--methods",
        default="linear,cagr",
        help="projection methods: linear (least squares), cagr (compound growth)",
    )
    p.add_argument(
        "--population",
        help="population for per-capita figures: raster (GeoTIFF) or polygons with counts; "
        "default the 2020 census at the finest level",
    )
    p.add_argument(
        "--population-column", default="population", help="count column of --population"
    )
    p.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help="labels of the chart (zh or en)"
    )
    common.add_layout_arguments(p)
    common.add_output_arguments(p)
    p.set_defaults(func=run)
    return p


def _snapshots(args: argparse.Namespace, layout: Any) -> dict[Any, Any]:
    from .._errors import InputError

    if bool(args.snapshot) == bool(args.resources):
        raise InputError(
            "give the snapshots either as --snapshot YEAR=FILE (repeated) or as one "
            "--resources FILE with a --year-column"
        )
    if args.snapshot:
        pairs = common.key_value_pairs(args.snapshot, "--snapshot")
        if len(pairs) != len(args.snapshot):
            raise InputError("--snapshot names the same year twice")
        return {year: common.read(args, path, layout=layout) for year, path in pairs.items()}
    return {"all": common.read(args, args.resources, layout=layout)}


def run(args: argparse.Namespace) -> int:
    from .._outdir import check_target, output_folder
    from .._pages import monitoring_page
    from ..io import write_text_atomic
    from ..monitoring import monitor
    from ..plotting import save_figure

    check_target(args.out, option="--out")
    layout = common.layout_from_args(args)
    read = _snapshots(args, layout)
    snapshots = read.get("all", read)
    layers = [s.strip() for s in args.layers.split(",") if s.strip()]
    methods = [s.strip() for s in args.methods.split(",") if s.strip()]
    result = monitor(
        snapshots,
        layout=layout,
        layers=layers,
        base_year=args.base_year,
        target_year=args.target_year,
        methods=methods,
        categories=args.categories,
        population=args.population,
        population_col=args.population_column,
        year_col=args.year_column,
    )
    keep = args.keep_formulas
    import matplotlib.pyplot as plt

    with output_folder(args.out, option="--out", command="monitor") as folder:
        out = folder.path
        written = [
            common.write_table(result.table, out, "monitoring", args.format, keep_formulas=keep),
            common.write_table(
                result.projection, out, "projection", args.format, keep_formulas=keep
            ),
        ]
        fig = result.figure(lang=args.lang)
        try:
            written.append(save_figure(fig, out / "monitoring.png"))
        finally:
            plt.close(fig)
        written.append(
            write_text_atomic(monitoring_page(result, lang=args.lang), out / "monitoring.html")
        )
        for year, table in read.items():
            stem = "rejected" if year == "all" else f"rejected_{year}"
            written.append(
                common.write_rejected(table, out, args.format, stem, keep_formulas=keep)
            )
    written = [folder.published(p) for p in written]
    if not args.quiet:
        for table in read.values():
            print(table.summary())
        print()
        print(result.summary())
        print()
        for path in written:
            print(f"wrote {path}")
    return 0
