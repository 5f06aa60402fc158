"""The ``corridor-geo`` command.

Each subcommand lives in a module ``corridor_geo.cli.<name>`` exposing ``ORDER`` (its
place in ``--help``), ``add_parser(subparsers)`` (which sets ``func``) and the function it
runs; this module finds them, parses the arguments and turns user mistakes into one
clear line on stderr and exit code 2 (``--debug`` shows the traceback as well).

Exit codes: 0 done; 1 done, but checks failed or some rows could not be used (the output
says which); 2 bad input or options (one line on stderr); 3 an unexpected error, which is
a bug or an input corridor_geo does not check yet (one line; ``--debug`` for the
traceback, to report).

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
import traceback
import warnings
from collections.abc import Sequence

from .._errors import CorridorGeoError, MissingCRSError
from .._text import command_line
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
  corridor-geo monitor --snapshot 2024=labs_2024.csv --snapshot 2025=labs.csv --datum GCJ02 --out m
  corridor-geo compare --resources labs.csv --datum GCJ02 --buffer 1000 --out c
  corridor-geo spillover --resources labs.csv --datum GCJ02 --out s
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
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in _command_modules():
        p = module.add_parser(sub)
        # Also after the command name; SUPPRESS keeps the global flag when not repeated.
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    return parser


DEBUG_HELP = "on an error, print the Python traceback too (for bug reports)"

# Errors of the readers underneath (GDAL, openpyxl, the XML parser, pandas' CSV parser,
# pyproj, H3...) are about the user's files or options, not about corridor_geo's code.
_INPUT_MODULES = (
    "pyogrio",
    "fiona",
    "rasterio",
    "openpyxl",
    "zipfile",
    "xml",
    "pandas.errors",
    "pyproj",
    "shapely.errors",
    "h3",
    "osmium",
    "networkx",
    "json",
    "csv",
)


def error_line(exc: BaseException) -> tuple[str, int]:
    """One line for stderr and the exit code for an exception a command raised.

    Examples
    --------
    >>> error_line(LookupError("unknown encoding: nosuch"))
    ('unknown encoding: nosuch', 2)
    >>> error_line(MemoryError("Unable to allocate 10.3 PiB"))[0][:36]
    'not enough memory for this run: Unab'
    """
    text = " ".join(str(exc).split()) or type(exc).__name__
    module = type(exc).__module__ or ""
    if isinstance(exc, CorridorGeoError):
        if isinstance(exc, MissingCRSError):
            text += (
                " (on the command line: --datum WGS84|CGCS2000|GCJ02|BD09 for resources, "
                "--layer-datum LAYER=DATUM for a --replace file)"
            )
        return text, 2
    if isinstance(exc, MemoryError):
        return (
            f"not enough memory for this run: {text} (a grid, raster or network this large "
            "does not fit: use coarser cells, a larger --cell-size or a smaller area)",
            2,
        )
    if isinstance(exc, OSError):
        if exc.strerror and exc.filename:
            return f"{exc.strerror}: {exc.filename!r}", 2
        return text, 2
    if isinstance(exc, UnicodeError):
        return f"{text}: the text is not in the encoding assumed; name it with --encoding", 2
    if isinstance(exc, (ValueError, OverflowError, SyntaxError)) or (
        isinstance(exc, LookupError) and not isinstance(exc, (KeyError, IndexError))
    ):
        return f"{text}{_where(exc)}", 2
    if module.split(".")[0] in {m.split(".")[0] for m in _INPUT_MODULES} and not isinstance(
        exc, (TypeError, AttributeError, NameError, AssertionError)
    ):
        return f"{type(exc).__name__}: {text}{_where(exc)}", 2
    return (
        f"unexpected {type(exc).__name__}: {text}{_where(exc)}; this is a bug or an input "
        "corridor_geo does not check yet: run again with --debug and report the traceback",
        3,
    )


def _where(exc: BaseException) -> str:
    """`` (in corridor_geo.x.f)``: the innermost corridor_geo function the error came from."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_globals.get("__name__", "")
        if name.startswith("corridor_geo") and not name.startswith("corridor_geo.cli"):
            where = f"{name}.{tb.tb_frame.f_code.co_name}"
        tb = tb.tb_next
    return f" (in {where})" if where else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 checks failed, 2 user error).

    Examples
    --------
    >>> main(["layout", "--out", "out", "--replace", "cities=missing.gpkg"])  # error line
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or one line about a bad option
        return exc.code if isinstance(exc.code, int) else 2
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
            with command_line():  # messages name options as flags: --fix-swapped
                return int(args.func(args))
        except KeyboardInterrupt:  # pragma: no cover
            print("corridor-geo: interrupted", file=sys.stderr)
            return 130
        except Exception as exc:
            message, code = error_line(exc)
            if getattr(args, "debug", False):
                traceback.print_exc(file=sys.stderr)
            print(f"corridor-geo: error: {message}", file=sys.stderr)
            return code


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"corridor-geo: warning: {message}", file=sys.stderr)
