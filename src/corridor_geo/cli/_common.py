"""Pieces the subcommands share: layout, resource, CRS and output options (private)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._errors import CorridorGeoError, InputError

OUT_HELP = (
    "output folder: created, or replaced as a whole when the run completes (only a "
    "folder an earlier run wrote, or an empty one; see docs/reliability.md)"
)
KEEP_FORMULAS_HELP = (
    "write text beginning with = + - @ (or a tab or CR) as it is in CSV/XLSX tables; by "
    "default it gets a leading ' so that spreadsheets do not run it as a formula"
)


def positive_float(text: str) -> float:
    """An argparse type: a finite number greater than zero.

    Examples
    --------
    >>> positive_float("500")
    500.0
    >>> positive_float("nan")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: 'nan' is not a finite positive number
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite positive number")
    return value


def h3_resolution(text: str) -> int:
    """An argparse type: an H3 resolution, 0 to 15.

    Examples
    --------
    >>> h3_resolution("8")
    8
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 15:
        raise argparse.ArgumentTypeError(f"H3 resolutions run from 0 to 15, got {value}")
    return value


def add_out_argument(p: argparse.ArgumentParser, *, default: str | None = None) -> None:
    """``--out`` and ``--keep-formulas``, the same in every command."""
    if default is None:
        p.add_argument("--out", required=True, help=OUT_HELP)
    else:
        p.add_argument("--out", default=default, help=f"{OUT_HELP}; default {default}")
    p.add_argument("--keep-formulas", action="store_true", help=KEEP_FORMULAS_HELP)


def add_resource_arguments(
    p: argparse.ArgumentParser, *, required: bool = True, flag: bool = False
) -> None:
    """The options of the one reader: file, datum, columns, encoding, delimiter..."""
    help_text = (
        "points file: CSV/TSV/TXT (UTF-8, GBK, Big5...), XLSX, GeoJSON, GeoPackage, "
        "Shapefile or GeoParquet"
    )
    if flag or not required:
        p.add_argument("--resources", metavar="RESOURCES", required=required, help=help_text)
    else:
        p.add_argument("resources", metavar="RESOURCES", help=help_text)
    p.add_argument(
        "--datum",
        help="datum of the coordinates: WGS84, CGCS2000, GCJ02 (Amap, Tencent) or BD09 "
        "(Baidu); needed for tables without a 'datum' column. A GIS file's own CRS is "
        "used: --datum relabels a file in longitude/latitude (Amap coordinates saved as "
        "WGS84) and is refused where it contradicts the file's CRS (a projected file)",
    )
    p.add_argument("--lon", help="longitude column (found by common names otherwise)")
    p.add_argument("--lat", help="latitude column (found by common names otherwise)")
    p.add_argument("--category", help="category column (found by common names otherwise)")
    p.add_argument("--id", dest="id_column", help="identifier column (duplicates rejected)")
    p.add_argument("--name", dest="name_column", help="name column")
    p.add_argument("--weight", help="weight column (patents, people...); 1 per row otherwise")
    p.add_argument("--encoding", help="text encoding of a CSV (detected: UTF-8 or GB18030)")
    p.add_argument("--sheet", default=0, help="sheet of an XLSX file (name or number)")
    p.add_argument("--categories", help="category registry CSV replacing the bundled one")
    p.add_argument(
        "--strict-categories",
        action="store_true",
        help="reject rows whose category is not in the registry (by default they are kept "
        "as user categories under their own name)",
    )
    p.add_argument(
        "--fix-swapped",
        action="store_true",
        help="swap longitude and latitude where that puts a point inside Qingdao (the "
        "row's note says so); by default such rows are rejected as swapped",
    )
    p.add_argument("--delimiter", help="delimiter of a text file (sniffed otherwise)")
    p.add_argument(
        "--header-row",
        type=int,
        metavar="N",
        help="1-based row of the header (by default found: title rows above it are skipped)",
    )


CRS_HELP = (
    "CRS of the written layers and rasters: WGS84 (default for layers), CGCS2000, EPSG:4549 "
    "(default for rasters) or GCJ02 for Amap overlays (files named *_gcj02)"
)


def add_crs_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--crs", default=None, help=CRS_HELP)


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    add_out_argument(p)
    p.add_argument(
        "--format",
        choices=["csv", "xlsx"],
        default="csv",
        help="format of the tables (default csv, UTF-8 with BOM for Excel)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing on success")


def read(
    args: argparse.Namespace,
    path: str | None = None,
    *,
    layout: Any = None,
    categories_required: bool = True,
) -> Any:
    """The resources (or, without required categories, any points) of the command line.

    Every command reads through the library's one reader, with the same options; the
    layout (with any ``--replace`` layers) decides what counts as inside Qingdao.
    """
    from ..resources import read_points, read_resources

    source = path if path is not None else args.resources
    if not Path(source).exists():
        raise CorridorGeoError(missing_file(source))
    sheet: Any = getattr(args, "sheet", 0)
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    options: dict[str, Any] = {
        "lon": args.lon,
        "lat": args.lat,
        "datum": args.datum,
        "category": getattr(args, "category", None),
        "id": getattr(args, "id_column", None),
        "name": getattr(args, "name_column", None),
        "weight": getattr(args, "weight", None),
        "encoding": getattr(args, "encoding", None),
        "sheet": sheet,
        "categories": getattr(args, "categories", None),
        "delimiter": getattr(args, "delimiter", None),
        "header_row": getattr(args, "header_row", None),
        "fix_swapped": getattr(args, "fix_swapped", False),
        "layout": layout,
    }
    if categories_required:
        table = read_resources(
            source, strict_categories=getattr(args, "strict_categories", False), **options
        )
    else:
        table = read_points(source, **options)
    if not table.n_read:
        raise CorridorGeoError(
            f"{Path(source).name} has no data rows (a header only): nothing to compute; "
            "check that the file holds the rows you meant"
        )
    if not len(table.accepted):
        reasons = table.rejected[table.column("reason")].value_counts().head(3)
        raise CorridorGeoError(
            f"none of the {table.n_read} rows of {Path(source).name} was accepted: "
            + "; ".join(f"{n} x {r}" for r, n in reasons.items())
        )
    return table


def write_table(
    table: pd.DataFrame, out: Path, stem: str, fmt: str, *, keep_formulas: bool = False
) -> Path:
    from ..io import write_table_atomic

    frame = pd.DataFrame(table)
    if "geometry" in frame.columns:
        frame = frame.drop(columns="geometry")
    return write_table_atomic(frame, out / f"{stem}.{fmt}", neutralize_formulas=not keep_formulas)


def write_rejected(
    res: Any, out: Path, fmt: str, stem: str = "rejected", *, keep_formulas: bool = False
) -> Path:
    """The rejected rows with their reasons (every row read is accepted or here)."""
    return write_table(res.rejected, out, stem, fmt, keep_formulas=keep_formulas)


PAIR_FORMS: dict[str, tuple[str, str]] = {
    "--snapshot": ("YEAR=FILE", "2024=labs_2024.csv"),
    "--replace": ("LAYER=FILE", "cities=cities.gpkg"),
    "--layer-datum": ("LAYER=DATUM", "cities=GCJ02"),
    "--scenario-replace": ("LAYER=FILE", "cities=cities.gpkg"),
    "--b-replace": ("LAYER=FILE", "cities=cities.gpkg"),
    "--b-layer-datum": ("LAYER=DATUM", "cities=GCJ02"),
    "--decay": ("KIND=BETAS", "exponential=0.05,0.1"),
    "--headway": ("LINE=MINUTES", "11=6"),
}
"""What each ``NAME=VALUE`` option takes, and an example, for its error message."""


def missing_file(path: Any) -> str:
    """The message for a file that does not exist: where it was looked for, what is close.

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> open(os.path.join(folder, "labs.csv"), "w").close()
    >>> missing_file(os.path.join(folder, "labs.txt")).split(": ", 1)[1].split("; ")[1:]
    ["did you mean 'labs.csv'?", 'check the name or give the full path']
    """
    import difflib

    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    where = folder.resolve()
    try:
        names = sorted(e.name for e in where.iterdir() if not e.name.startswith("."))
    except OSError:
        names = []
    close = difflib.get_close_matches(p.name, names, n=3, cutoff=0.6)
    if not where.is_dir():
        hint = f"the folder {str(where)!r} does not exist either"
    elif close:
        hint = f"did you mean {' or '.join(repr(n) for n in close)}?"
    else:
        hint = f"nothing with a similar name in {str(where)!r}"
    return f"no such file: {str(path)!r}; {hint}; check the name or give the full path"


def key_value_pairs(values: Sequence[str] | None, option: str) -> dict[str, str]:
    """Parse repeated ``NAME=VALUE`` options into a dict, or raise a clear error.

    Examples
    --------
    >>> key_value_pairs(["cities=a.gpkg", "axis = b.geojson"], "--replace")
    {'cities': 'a.gpkg', 'axis': 'b.geojson'}
    >>> key_value_pairs(["2024labs.csv"], "--snapshot")
    Traceback (most recent call last):
    ...
    corridor_geo._errors.CorridorGeoError: --snapshot takes YEAR=FILE, e.g. --snapshot \
2024=labs_2024.csv; got '2024labs.csv'
    """
    out: dict[str, str] = {}
    form, example = PAIR_FORMS.get(option, ("NAME=VALUE", ""))
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            hint = f", e.g. {option} {example}" if example else ""
            raise CorridorGeoError(f"{option} takes {form}{hint}; got {item!r}")
        out[name.strip()] = value.strip()
    return out


def add_layout_arguments(p: argparse.ArgumentParser, *, datum_alias: bool = False) -> None:
    """The options that replace layout layers: ``--replace`` and ``--layer-datum``.

    ``datum_alias`` also accepts ``--datum LAYER=DATUM``, the first spelling in ``layout``
    (elsewhere ``--datum`` is the datum of a resources file).

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_layout_arguments(p)
    >>> p.parse_args(["--replace", "cities=c.gpkg", "--layer-datum", "cities=GCJ02"]).layer_datum
    ['cities=GCJ02']
    """
    p.add_argument(
        "--replace",
        action="append",
        metavar="LAYER=FILE",
        help="replace a layout layer with an authoritative file (repeatable)",
    )
    p.add_argument(
        "--layer-datum",
        *(["--datum"] if datum_alias else []),
        dest="layer_datum",
        action="append",
        metavar="LAYER=DATUM",
        help="declare the datum of a --replace file: WGS84, CGCS2000, GCJ02 or BD09",
    )
    p.add_argument(
        "--replace-mode",
        choices=("strict", "report"),
        default="strict",
        help="strict (default): a --replace file that fails a structural check (a city "
        "outside its district, overlapping cities...) is refused; report: it is used, with "
        "a warning, and its checks are written (layout: replace_LAYER.csv; report: "
        "tables/layout_replace_LAYER.csv and its layout section)",
    )
    p.add_argument(
        "--replace-tolerance",
        type=float,
        metavar="SHARE",
        help="share of area the containment checks of a --replace file allow "
        "(default 0.001, i.e. 0.1 %%)",
    )


def layout_from_args(args: argparse.Namespace):
    """The layout with the ``--replace`` files of the command line, checked first.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_layout_arguments(p)
    >>> layout_from_args(p.parse_args([])).layers["cities"].shape[0]
    3
    """
    from ..layout import load_layout

    replace = key_value_pairs(args.replace, "--replace")
    for name, path in replace.items():
        if not Path(path).exists():
            raise CorridorGeoError(f"--replace {name}: no such file {path!r}")
        check_vector_file(path, f"--replace {name}")
    datums = key_value_pairs(args.layer_datum, "--layer-datum")
    tolerance = getattr(args, "replace_tolerance", None)
    if tolerance is not None and not 0 <= tolerance < 1:  # also refuses nan
        raise CorridorGeoError(
            f"--replace-tolerance must be a share of area in [0, 1), got {tolerance!r}"
        )
    return load_layout(
        replace=replace,
        datums=datums,
        tolerance=tolerance,
        mode=getattr(args, "replace_mode", "strict"),
    )


def check_vector_file(path: str, what: str) -> None:
    """Refuse, with one clear line, a file that is not a readable layer with geometries.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> table = pathlib.Path(tempfile.mkdtemp()) / "cities.csv"
    >>> _ = table.write_text("name,lon,lat\\nA,120.4,36.1\\n")
    >>> check_vector_file(str(table), "--replace cities")
    Traceback (most recent call last):
    ...
    corridor_geo._errors.InputError: --replace cities: cities.csv is a table without ...
    """
    import pyogrio

    name = Path(path).name
    if Path(path).is_dir() and not any(Path(path).glob("*.shp")):
        raise InputError(f"{what}: {path!r} is a folder, not a layer file")
    try:
        info = pyogrio.read_info(path)
    except Exception as exc:  # GDAL's reasons are many; say which file and why
        raise InputError(
            f"{what}: cannot read {name} as a layer ({' '.join(str(exc).split())}): give a "
            "GeoPackage, GeoJSON or Shapefile"
        ) from exc
    if info.get("geometry_type") in (None, "None"):
        raise InputError(
            f"{what}: {name} is a table without geometries: give a GeoPackage, GeoJSON or "
            "Shapefile layer"
        )
