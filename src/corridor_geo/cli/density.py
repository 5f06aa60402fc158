"""``corridor-geo density``: densities per zone, per grid cell and a kernel density GeoTIFF."""

from __future__ import annotations

import argparse

from . import _common as common

ORDER = 22


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "density",
        help="resources per km² in every zone and grid cell, and a kernel density GeoTIFF",
        description="Read a resources file and write OUT/density_by_zone (counts and "
        "weights per km² by category), OUT/grid.gpkg (square cells in EPSG:4549 or H3 "
        "hexagons clipped to the corridor, with true areas and counts), OUT/kde.tif "
        "(kernel density per km², EPSG:4549) and OUT/rejected.",
        epilog="examples:\n"
        "  corridor-geo density labs.csv --datum GCJ02 --out out\n"
        "  corridor-geo density firms.gpkg --bandwidth 800 --kernel quartic --grid hex "
        "--resolution 9 --out out",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common.add_resource_arguments(p)
    p.add_argument(
        "--layers",
        default="corridor,cities,circles,districts",
        help="comma-separated zone layers for the per-zone table",
    )
    p.add_argument(
        "--grid",
        choices=["square", "hex", "none"],
        default="square",
        help="grid of cells: square (EPSG:4549, --cell-size), hex (H3, --resolution) or none",
    )
    p.add_argument(
        "--cell-size", type=common.positive_float, default=500.0, help="square cell side, m (500)"
    )
    p.add_argument(
        "--resolution", type=common.h3_resolution, default=8, help="H3 resolution, 0-15 (8)"
    )
    p.add_argument(
        "--bandwidth", type=common.positive_float, default=500.0, help="KDE bandwidth, m (500)"
    )
    p.add_argument(
        "--kernel",
        choices=["gaussian", "quartic"],
        default="gaussian",
        help="KDE kernel: gaussian (default) or quartic (biweight, zero beyond the bandwidth)",
    )
    p.add_argument(
        "--kde-cell", type=common.positive_float, default=50.0, help="KDE cell size, m (50)"
    )
    p.add_argument("--no-kde", action="store_true", help="do not write the KDE raster")
    common.add_layout_arguments(p)
    common.add_output_arguments(p)
    common.add_crs_argument(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from .._outdir import check_target, output_folder
    from .._qgis import raster_qml
    from ..density import aggregate_to_grid, density_by_zone, hex_grid, kernel_density, square_grid
    from ..io import export_raster, write_text_atomic, write_vector_atomic

    check_target(args.out, option="--out")
    layout = common.layout_from_args(args)
    res = common.read(args, layout=layout)
    layers = [s.strip() for s in args.layers.split(",") if s.strip()]
    table = density_by_zone(res, layout=layout, layers=layers)
    keep = args.keep_formulas
    with output_folder(args.out, option="--out", command="density") as folder:
        out = folder.path
        written = [
            common.write_table(table, out, "density_by_zone", args.format, keep_formulas=keep),
            common.write_rejected(res, out, args.format, keep_formulas=keep),
        ]
        if args.grid != "none":
            grid = (
                square_grid(cell_size_m=args.cell_size, layout=layout)
                if args.grid == "square"
                else hex_grid(resolution=args.resolution, layout=layout)
            )
            cells = aggregate_to_grid(res, grid, by="category")
            written.append(
                write_vector_atomic(
                    cells, out / "grid.gpkg", layer="grid", crs=args.crs or "WGS84"
                )
            )
        surf = None
        if not args.no_kde:
            surf = kernel_density(
                res,
                bandwidth_m=args.bandwidth,
                cell_size_m=args.kde_cell,
                kernel=args.kernel,
                weight="weight" if args.weight else None,
                layout=layout,
            )
            tif = export_raster(surf, out / "kde.tif", crs=args.crs or "EPSG:4549")
            # QGIS opens it in the report's ramp, not in grey.
            written += [tif, write_text_atomic(raster_qml(tif), tif.with_suffix(".qml"))]
    written = [folder.published(p) for p in written]
    if not args.quiet:
        print(res.summary())
        rows = table.loc[table["category"] == "ALL"]
        print("\nresources per km²:")
        for r in rows.itertuples():
            print(f"  {r.layer:10s} {str(r.name_zh)[:22]:24s} {r.count:6d} {r.count_per_km2:9.2f}")
        if surf is not None:
            peak = float(surf.values[surf.valid()].max(initial=0))
            print(
                f"\nkernel density: {args.kernel}, bandwidth {args.bandwidth:g} m, "
                f"{args.kde_cell:g} m cells, peak {peak:.1f} {surf.tags['units']}"
            )
        print()
        for path in written:
            print(f"wrote {path}")
    return 0
