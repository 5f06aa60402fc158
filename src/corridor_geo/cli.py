"""The ``corridor-geo`` command.

Examples
--------
Write every layer of the default layout and its validation table::

    corridor-geo layout --out corridor-output

The same in EPSG:4549 as Shapefiles, with the cities replaced by an authoritative file
exported from Amap (GCJ-02)::

    corridor-geo layout --out out --crs EPSG:4549 --format shp \\
        --replace cities=cities_amap.geojson --datum cities=GCJ02
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from ._errors import CorridorGeoError
from ._version import __version__

__all__ = ["main"]

log = logging.getLogger(__name__)

EPILOG = """examples:
  corridor-geo layout --out corridor-output
  corridor-geo layout --out out --crs EPSG:4549 --format shp
  corridor-geo layout --out out --replace cities=cities.gpkg --datum cities=GCJ02
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        self.exit(2, f"corridor-geo: error: {message} (see --help)\n")


def _pairs(values: Sequence[str] | None, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise CorridorGeoError(f"{what} takes LAYER=VALUE, got {item!r}")
        out[name.strip()] = value.strip()
    return out


def _cmd_layout(args: argparse.Namespace) -> int:
    from .io import write_table_atomic
    from .layout import load_layout

    replace = _pairs(args.replace, "--replace")
    datums = _pairs(args.datum, "--datum")
    for name, path in replace.items():
        if not Path(path).exists():
            raise CorridorGeoError(f"--replace {name}: no such file {path!r}")
    layout = load_layout(replace=replace, datums=datums)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fmt = args.format
    if fmt == "gpkg":
        written = layout.to_file(out / "corridor_layout.gpkg", crs=args.crs)
    else:
        written = layout.to_file(out / "layers", crs=args.crs, fmt=fmt)
    table = layout.validate()
    written.append(write_table_atomic(table, out / "validation.csv"))
    if not args.quiet:
        print(layout.summary())
        print()
        for path in written:
            print(f"wrote {path}")
    return 0 if table["passed"].all() else 1


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="corridor-geo",
        description="Geospatial analysis of the Qingdao Science and Technology Innovation "
        "Corridor (青岛科创大走廊).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"corridor-geo {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

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
    p.add_argument(
        "--replace",
        action="append",
        metavar="LAYER=FILE",
        help="replace a layer with an authoritative file (repeatable)",
    )
    p.add_argument(
        "--datum",
        action="append",
        metavar="LAYER=DATUM",
        help="declare the datum of a replacement file: WGS84, CGCS2000, GCJ02 or BD09",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_layout)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("corridor_geo").setLevel(logging.WARNING if args.quiet else logging.INFO)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            return int(args.func(args))
        except (CorridorGeoError, OSError) as exc:
            print(f"corridor-geo: error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:  # pragma: no cover
            print("corridor-geo: interrupted", file=sys.stderr)
            return 130


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"corridor-geo: warning: {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
