"""``corridor-geo share``: share of the city's resources in each zone, and the targets."""

from __future__ import annotations

import argparse

from ..zones import ZONE_LAYERS
from . import _common as common

ORDER = 20


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "share",
        help="share of the city's resources in the corridor, cities, circles and districts",
        description="Read a resources file, count resources and weights in every zone by "
        "category and as a share of the city's, and check the plan's 2027 targets. Writes "
        "OUT/share_of_city, OUT/targets and OUT/rejected (rows not read, with the reason).",
        epilog="examples:\n"
        "  corridor-geo share labs.csv --datum GCJ02 --out out\n"
        "  corridor-geo share labs_2025.xlsx --datum WGS84 --base labs_2023.xlsx "
        "--weight patents --out out --format xlsx",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common.add_resource_arguments(p)
    p.add_argument(
        "--base",
        help="base-year resources file (same columns and datum) for the +15%% growth targets",
    )
    p.add_argument(
        "--layers",
        default="corridor,cities,circles,districts",
        help=f"comma-separated zone layers ({', '.join(ZONE_LAYERS)})",
    )
    p.add_argument("--by", default="category", help="column to group by (default category)")
    common.add_layout_arguments(p)
    common.add_output_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from .._outdir import check_target, output_folder
    from ..indicators import target_status
    from ..zones import share_of_city

    check_target(args.out, option="--out")
    layout = common.layout_from_args(args)
    res = common.read(args, layout=layout)
    base = common.read(args, args.base, layout=layout) if args.base else None
    layers = [s.strip() for s in args.layers.split(",") if s.strip()]
    table = share_of_city(res, layout=layout, by=args.by, layers=layers)
    status = target_status(
        res, layout=layout, base=base.accepted if base else None, categories=args.categories
    )
    keep = args.keep_formulas
    with output_folder(args.out, option="--out", command="share") as folder:
        out = folder.path
        written = [
            common.write_table(table, out, "share_of_city", args.format, keep_formulas=keep),
            common.write_table(status, out, "targets", args.format, keep_formulas=keep),
            common.write_rejected(res, out, args.format, keep_formulas=keep),
        ]
        if base is not None:
            written.append(
                common.write_rejected(base, out, args.format, "rejected_base", keep_formulas=keep)
            )
    written = [folder.published(p) for p in written]
    if not args.quiet:
        print(res.summary())
        if base is not None:
            print(base.summary())
        corr = table.loc[(table["layer"] == "corridor")]
        if len(corr):
            print("\nshare of the city in the corridor:")
            for r in corr.itertuples():
                label = getattr(r, args.by) if args.by else r.group
                share = "n/a" if r.share_count != r.share_count else f"{r.share_count:6.1%}"
                print(f"  {label!s:24s} {r.count:6d} of {r.city_count:6.0f}  {share}")
        print("\nplan targets:")
        for r in status.itertuples():
            met = (
                "n/a" if r.met is None or str(r.met) == "<NA>" else ("met" if r.met else "NOT met")
            )
            value = "n/a" if r.value != r.value else f"{r.value:.1%}"
            print(f"  {r.name_zh[:24]:26s} {value:>8s} (target {r.target:.0%}) {met}")
        print()
        for path in written:
            print(f"wrote {path}")
    return 0
