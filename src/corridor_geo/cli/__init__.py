"""The ``corridor-geo`` command.

Each subcommand lives in a module ``corridor_geo.cli.<name>`` exposing ``ORDER`` (its
place in ``--help``), ``add_parser(subparsers)`` (which sets ``func``) and the function it
runs; this module finds them, parses the arguments and turns user mistakes into one
clear line on stderr and exit code 2.

Examples
--------
Write every layer of the default layout and its validation table::

    corridor-geo layout --out corridor-output
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import warnings
from collections.abc import Sequence

from .._errors import CorridorGeoError, MissingCRSError
from .._version import __version__
from ._common import add_layout_arguments, key_value_pairs, layout_from_args

__all__ = ["add_layout_arguments", "build_parser", "key_value_pairs", "layout_from_args", "main"]

log = logging.getLogger(__name__)

EPILOG = """examples:
  corridor-geo report --out corridor-report
  corridor-geo report --out r --resources labs.csv --datum GCJ02 --osm qingdao.osm.pbf
  corridor-geo layout --out corridor-output
  corridor-geo layout --out out --crs EPSG:4549 --format shp
  corridor-geo layout --out out --replace cities=cities.gpkg --layer-datum cities=GCJ02
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        self.exit(2, f"corridor-geo: error: {message} (see --help)\n")


def _command_modules() -> list:
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    modules = [importlib.import_module(f"{__name__}.{n}") for n in names]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand.

    Examples
    --------
    >>> args = build_parser().parse_args(["layout", "--out", "out"])
    >>> args.command, args.out, args.crs
    ('layout', 'out', 'WGS84')
    """
    parser = _Parser(
        prog="corridor-geo",
        description="Geospatial analysis of the Qingdao Science and Technology Innovation "
        "Corridor (青岛科创大走廊).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"corridor-geo {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log what each step does (to stderr)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in _command_modules():
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 checks failed, 2 user error).

    Examples
    --------
    >>> main(["layout", "--out", "out", "--replace", "cities=missing.gpkg"])  # error line
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    quiet = bool(getattr(args, "quiet", False))
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    verbose = bool(getattr(args, "verbose", False))
    logging.getLogger("corridor_geo").setLevel(
        logging.INFO if verbose and not quiet else logging.WARNING
    )
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        # Deprecation notices of the libraries underneath are for developers, not users.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.showwarning = _show_warning
        try:
            return int(args.func(args))
        except (CorridorGeoError, OSError) as exc:
            message = str(exc)
            if isinstance(exc, MissingCRSError):
                message += (
                    " (on the command line: --datum WGS84|CGCS2000|GCJ02|BD09 for resources, "
                    "--layer-datum LAYER=DATUM for a --replace file)"
                )
            print(f"corridor-geo: error: {message}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:  # pragma: no cover
            print("corridor-geo: interrupted", file=sys.stderr)
            return 130


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"corridor-geo: warning: {message}", file=sys.stderr)
