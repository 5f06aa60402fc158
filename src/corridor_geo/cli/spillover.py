"""``corridor-geo spillover``: the corridor's pull (辐射带动) on the city's zones."""

from __future__ import annotations

import argparse

from . import _common as common
from ._online import add_basemap_arguments

ORDER = 44


def _decays(values: list[str] | None) -> dict[str, list[float]] | None:
    """``--decay exponential=0.05,0.1 --decay power=1,2`` as a mapping, checked."""
    from .._errors import InputError

    if not values:
        return None
    out: dict[str, list[float]] = {}
    for kind, text in common.key_value_pairs(values, "--decay").items():
        try:
            betas = [float(b) for b in text.split(",") if b.strip()]
        except ValueError:
            raise InputError(f"--decay {kind}: {text!r} is not a list of numbers") from None
        out[kind] = betas
    return out


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "spillover",
        help="distance-decay potential of the corridor's resources over the city's zones",
        description="A gravity-type potential of the corridor's resources over every "
        "district and sub-district: the sum of each source's mass times a distance decay "
        "(exponential exp(-beta d) or power d^-beta, d in km between centres, or network "
        "minutes with --graphml), for every decay setting of a sweep. Writes "
        "OUT/spillover (tidy: one row per zone and setting), OUT/spillover.png (shares "
        "against beta) and OUT/spillover_map.html (the districts' share for the first "
        "setting).",
        epilog="examples:\n"
        "  corridor-geo spillover --resources labs.csv --datum GCJ02 --out spill\n"
        "  corridor-geo spillover --resources labs.csv --datum GCJ02 --decay "
        "exponential=0.05,0.1,0.2 --decay power=1,2 --centroid population --out spill",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common.add_resource_arguments(p, required=True, flag=True)
    add_basemap_arguments(p, keyed=False)
    p.add_argument(
        "--decay",
        action="append",
        metavar="KIND=BETAS",
        help="decay kind (exponential, power) and comma-separated parameters, repeatable; "
        "default exponential=0.05,0.1,0.2,0.4 and power=0.5,1,1.5,2",
    )
    p.add_argument("--layers", default="districts,subdistricts", help="destination zone layers")
    p.add_argument(
        "--sources",
        default="cities",
        help="cities (default), corridor, another zone layer, or points",
    )
    p.add_argument(
        "--centroid",
        choices=["geometric", "population"],
        default="geometric",
        help="where each zone sits when distances are measured: its geometric centroid "
        "(default) or its population-weighted centre (from --population, the 2020 census "
        "by default)",
    )
    p.add_argument("--population", help="population polygons or raster (default 2020 census)")
    p.add_argument(
        "--population-column",
        default="population",
        metavar="COLUMN",
        help="column of head counts in the --population polygons, used for the "
        "population-weighted centres and the potential per person (default population; "
        "ignored for a raster and the census)",
    )
    p.add_argument("--graphml", help="road graph (OSMnx GraphML): network minutes")
    p.add_argument(
        "--min-distance",
        type=common.positive_float,
        default=1.0,
        help="floor of d in the power decay (km or minutes, default 1)",
    )
    p.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help="labels of the chart (zh or en)"
    )
    common.add_layout_arguments(p)
    common.add_output_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from .._outdir import check_target, output_folder
    from ..maps import add_zones, explore_layout, save_map
    from ..plotting import plot_spillover, save_figure
    from ..spillover import spillover_sweep
    from ..zones import zone_table

    check_target(args.out, option="--out")
    decays = _decays(args.decay)
    layout = common.layout_from_args(args)
    res = common.read(args, layout=layout)
    G = None
    if args.graphml:
        from ..network import graph_from_graphml

        G = graph_from_graphml(args.graphml)
    layers = [s.strip() for s in args.layers.split(",") if s.strip()]
    table = spillover_sweep(
        res,
        decays=decays,
        layout=layout,
        layers=layers,
        sources=args.sources,
        centroid=args.centroid,
        population=args.population,
        population_col=args.population_column,
        G=G,
        min_distance=args.min_distance,
    )
    import matplotlib.pyplot as plt

    keep = args.keep_formulas
    first = table.iloc[0]
    setting = table.loc[(table["decay"] == first["decay"]) & (table["beta"] == first["beta"])]
    with output_folder(args.out, option="--out", command="spillover") as folder:
        out = folder.path
        written = [
            common.write_table(table, out, "spillover", args.format, keep_formulas=keep),
            common.write_rejected(res, out, args.format, keep_formulas=keep),
        ]
        fig = plot_spillover(table, lang=args.lang)
        try:
            written.append(save_figure(fig, out / "spillover.png"))
        finally:
            plt.close(fig)
        layer = layers[0]
        zones = zone_table(layout, layers=[layer]).merge(
            setting[["layer", "zone", "potential", "share", "rank"]], on=["layer", "zone"]
        )
        m = explore_layout(layout, layers=("corridor", "cities", "axis"), basemap=args.basemap)
        name = f"{layer}: share of the potential ({first['decay']}, beta {first['beta']:g})"
        add_zones(m, zones, "share", name=name, label_column="name_zh")
        written.append(save_map(m, out / "spillover_map.html"))
    written = [folder.published(p) for p in written]
    if not args.quiet:
        print(res.summary())
        print(f"\n{first['method']}")
        for lay_name, rows in setting.groupby("layer", sort=False):
            print(f"\n{lay_name}, strongest first ({first['decay']}, beta {first['beta']:g}):")
            for r in rows.sort_values("rank").head(10).itertuples():
                name = str(r.name_zh)[:16]
                print(f"  {r.rank:3d} {name:18s} {r.share:7.1%}  rank spread {r.rank_spread}")
        print()
        for path in written:
            print(f"wrote {path}")
    return 0
