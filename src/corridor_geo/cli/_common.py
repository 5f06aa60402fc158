"""Pieces the subcommands share: layout, resource, CRS and output options (private)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._errors import CorridorGeoError


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
        "(Baidu); needed for tables without a 'datum' column",
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
    p.add_argument("--out", required=True, help="output folder (created if missing)")
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
        raise CorridorGeoError(f"no such file: {source!r}")
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
        "layout": layout,
    }
    if categories_required:
        table = read_resources(
            source, strict_categories=getattr(args, "strict_categories", False), **options
        )
    else:
        table = read_points(source, **options)
    if table.n_read and not len(table.accepted):
        reasons = table.rejected[table.column("reason")].value_counts().head(3)
        raise CorridorGeoError(
            f"none of the {table.n_read} rows of {Path(source).name} was accepted: "
            + "; ".join(f"{n} x {r}" for r, n in reasons.items())
        )
    return table


def write_table(table: pd.DataFrame, out: Path, stem: str, fmt: str) -> Path:
    from ..io import write_table_atomic

    out.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(table)
    if "geometry" in frame.columns:
        frame = frame.drop(columns="geometry")
    return write_table_atomic(frame, out / f"{stem}.{fmt}")


def write_rejected(res: Any, out: Path, fmt: str, stem: str = "rejected") -> Path:
    """The rejected rows with their reasons (every row read is accepted or here)."""
    return write_table(res.rejected, out, stem, fmt)


def key_value_pairs(values: Sequence[str] | None, option: str) -> dict[str, str]:
    """Parse repeated ``NAME=VALUE`` options into a dict, or raise a clear error.

    Examples
    --------
    >>> key_value_pairs(["cities=a.gpkg", "axis = b.geojson"], "--replace")
    {'cities': 'a.gpkg', 'axis': 'b.geojson'}
    """
    out: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise CorridorGeoError(f"{option} takes NAME=VALUE, got {item!r}")
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
    datums = key_value_pairs(args.layer_datum, "--layer-datum")
    return load_layout(replace=replace, datums=datums)
