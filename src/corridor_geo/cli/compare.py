"""``corridor-geo compare``: two layouts on the same resources, or two boundary layers."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import _common as common
from ._online import add_basemap_arguments

ORDER = 42


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "compare",
        help="compare a scenario with the layout, or two boundary layers",
        description="Scenario mode (with --resources): build scenario B from the layout "
        "(A, with any --replace) - the corridor widened (--buffer), extended by districts "
        "or sub-districts, with enclaves (飞地), a moved corridor or city boundary, or "
        "layers replaced (--b-replace) - and compare both on the same resources: area, "
        "resources, share of the city, density, population, coverage and distance to the "
        "axis per zone. Writes OUT/comparison, OUT/comparison_wide, OUT/changed_area.gpkg, "
        "OUT/comparison_map.html, OUT/comparison.html and the boundary comparison "
        "(OUT/boundary_features, OUT/boundary_segments.gpkg). Boundary mode (--boundaries "
        "A B): compare two polygon layers only (areas, IoU, Hausdorff, offsets segment by "
        "segment, GCJ-02 test); writes the boundary files and OUT/boundaries.html.",
        epilog="examples:\n"
        "  corridor-geo compare --resources labs.csv --datum GCJ02 --scenario-name 北延 "
        "--add-subdistrict 370215/鳌山卫街道 --buffer 500 --out cmp\n"
        "  corridor-geo compare --resources labs.csv --datum WGS84 --b-replace "
        "districts=osm_districts.geojson --tolerance 0.05 --out cmp\n"
        "  corridor-geo compare --boundaries districts.gpkg osm_districts.geojson "
        "--on code,division_code --out boundaries",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--boundaries",
        nargs=2,
        metavar=("A", "B"),
        help="compare two polygon layers only (no resources needed)",
    )
    p.add_argument(
        "--on",
        help="with --boundaries: matching column, or COLUMN_A,COLUMN_B (default: by overlap)",
    )
    p.add_argument("--name-column", help="with --boundaries: column of A naming features")
    common.add_resource_arguments(p, required=False, flag=True)
    scen = p.add_argument_group("scenario B (built from the layout A)")
    scen.add_argument("--scenario-name", default="B", help="name of scenario B (default B)")
    scen.add_argument(
        "--buffer", type=float, default=0.0, metavar="METRES", help="widen the corridor"
    )
    scen.add_argument(
        "--add-district",
        action="append",
        default=[],
        metavar="CODE",
        help="add a whole district to the corridor (code or name; repeatable)",
    )
    scen.add_argument(
        "--add-subdistrict",
        action="append",
        default=[],
        metavar="KEY",
        help="add a sub-district (370212/金家岭街道, or an unambiguous name; repeatable)",
    )
    scen.add_argument("--enclave", help="polygons counted with the corridor (飞地)")
    scen.add_argument("--corridor", help="a moved corridor boundary (polygon file)")
    scen.add_argument("--cities", help="moved city boundaries (polygon file)")
    scen.add_argument(
        "--scenario-datum", help="datum of --enclave/--corridor/--cities: WGS84, GCJ02..."
    )
    scen.add_argument(
        "--b-replace",
        action="append",
        metavar="LAYER=FILE",
        help="replace a layer of B with a file (repeatable); see --tolerance",
    )
    scen.add_argument(
        "--b-layer-datum", action="append", metavar="LAYER=DATUM", help="datum of a --b-replace"
    )
    scen.add_argument(
        "--tolerance",
        type=float,
        help="share of area the containment checks of --b-replace/--cities allow "
        "(default 0.001); B's replacements are made in report mode",
    )
    p.add_argument(
        "--layers", default="corridor,cities", help="comma-separated zone layers compared"
    )
    p.add_argument(
        "--facilities",
        help="facility points for coverage (default: the ecosystem-circle anchors)",
    )
    p.add_argument("--facilities-datum", help="datum of the facilities' coordinates")
    p.add_argument("--no-coverage", action="store_true", help="leave coverage out")
    add_basemap_arguments(p, keyed=False)
    p.add_argument(
        "--radius", type=common.positive_float, default=1000.0, help="coverage reach, metres"
    )
    p.add_argument("--graphml", help="road graph (OSMnx GraphML) for the time to the axis")
    common.add_layout_arguments(p)
    common.add_output_arguments(p)
    p.set_defaults(func=run)
    return p


def _write_boundaries(bc: Any, out: Path, args: argparse.Namespace, stem: str) -> list[Path]:
    from ..io import write_vector_atomic

    keep = args.keep_formulas
    return [
        common.write_table(bc.features, out, f"{stem}_features", args.format, keep_formulas=keep),
        write_vector_atomic(bc.segments, out / f"{stem}_segments.gpkg", layer="segments"),
    ]


def _run_boundaries(args: argparse.Namespace) -> int:
    from .._errors import InputError
    from .._html import esc
    from .._outdir import check_target, output_folder
    from .._pages import page, table_html
    from ..io import write_text_atomic
    from ..maps import explore_boundaries, map_to_html
    from ..scenarios import compare_boundaries

    check_target(args.out, option="--out")
    a, b = args.boundaries
    for path in (a, b):
        if not Path(path).exists():
            raise InputError(f"--boundaries: no such file {path!r}")
        common.check_vector_file(path, "--boundaries")
    on: Any = None
    if args.on:
        parts = [s.strip() for s in args.on.split(",")]
        on = parts[0] if len(parts) == 1 else (parts[0], parts[1])
    bc = compare_boundaries(
        a, b, on=on, name_col=args.name_column, names=(Path(a).name, Path(b).name)
    )
    with output_folder(args.out, option="--out", command="compare") as folder:
        out = folder.path
        written = _write_boundaries(bc, out, args, "boundary")
        m = explore_boundaries(bc, basemap=args.basemap)
        body = (
            f"<p>{esc(bc.verdict)}</p>"
            + table_html(bc.features, list(bc.features.columns))
            + f'<h2>Map</h2><iframe srcdoc="{esc(map_to_html(m))}"></iframe>'
        )
        written.append(
            write_text_atomic(page("boundary comparison", body), out / "boundaries.html")
        )
    if not args.quiet:
        print(bc.verdict)
        print()
        for path in written:
            print(f"wrote {folder.published(path)}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.boundaries:
        return _run_boundaries(args)
    from .._errors import InputError
    from .._outdir import check_target, output_folder
    from .._pages import comparison_page
    from ..io import write_text_atomic, write_vector_atomic
    from ..maps import explore_comparison, map_to_html, save_map
    from ..scenarios import compare, scenario

    if not args.resources:
        raise InputError("give --resources (scenario mode) or --boundaries A B")
    check_target(args.out, option="--out")
    layout_a = common.layout_from_args(args)
    layout_b = layout_a
    replace = common.key_value_pairs(args.b_replace, "--b-replace")
    datums = common.key_value_pairs(args.b_layer_datum, "--b-layer-datum")
    for name, path in replace.items():
        if not Path(path).exists():
            raise InputError(f"--b-replace {name}: no such file {path!r}")
        common.check_vector_file(path, f"--b-replace {name}")
        layout_b = layout_b.replace(
            name, path, datum=datums.get(name), tolerance=args.tolerance, mode="report"
        )
    changes = (
        args.buffer
        or args.add_district
        or args.add_subdistrict
        or args.enclave
        or args.corridor
        or args.cities
    )
    if changes or not replace:
        layout_b = scenario(
            args.scenario_name,
            layout=layout_b,
            buffer_m=args.buffer,
            districts=args.add_district,
            subdistricts=args.add_subdistrict,
            enclaves=args.enclave,
            corridor=args.corridor,
            cities=args.cities,
            datum=args.scenario_datum,
            tolerance=args.tolerance,
        )
    res = common.read(args, layout=layout_a)
    facilities: Any = None if args.no_coverage else "circles"
    if args.facilities and not args.no_coverage:
        from ..coverage import read_facilities

        facilities = read_facilities(args.facilities, datum=args.facilities_datum, layout=layout_a)
    G = None
    if args.graphml:
        from ..network import graph_from_graphml

        G = graph_from_graphml(args.graphml)
    layers = [s.strip() for s in args.layers.split(",") if s.strip()]
    c = compare(
        layout_a,
        layout_b,
        resources=res,
        layers=layers,
        names=("A", args.scenario_name),
        facilities=facilities,
        radius_m=args.radius,
        G=G,
    )
    keep = args.keep_formulas
    with output_folder(args.out, option="--out", command="compare") as folder:
        out = folder.path
        written = [
            common.write_table(c.table, out, "comparison", args.format, keep_formulas=keep),
            common.write_table(c.wide(), out, "comparison_wide", args.format, keep_formulas=keep),
            write_vector_atomic(c.changed, out / "changed_area.gpkg", layer="changed_area"),
            common.write_rejected(res, out, args.format, keep_formulas=keep),
        ]
        m = explore_comparison(c, basemap=args.basemap)
        written.append(save_map(m, out / "comparison_map.html"))
        written.append(
            write_text_atomic(comparison_page(c, map_html=map_to_html(m)), out / "comparison.html")
        )
        if c.boundaries is not None:
            written += _write_boundaries(c.boundaries, out, args, "boundary")
        for name, report in layout_b.reports.items():
            written.append(
                common.write_table(report, out, f"replace_{name}", args.format, keep_formulas=keep)
            )
    written = [folder.published(p) for p in written]
    if not args.quiet:
        print(res.summary())
        print()
        print(c.summary())
        if c.boundaries is not None:
            print()
            print(c.boundaries.verdict)
        print()
        for path in written:
            print(f"wrote {path}")
    return 0
