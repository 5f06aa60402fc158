"""Shared pieces of the resource subcommands (share, density, coverage) (private)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import CorridorGeoError


def add_resource_arguments(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    p.add_argument(
        "resources" if required else "--resources",
        metavar="RESOURCES",
        help="resources file: CSV (UTF-8 or GBK), XLSX, GeoJSON, GeoPackage or Shapefile",
    )
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


def read(args: argparse.Namespace, path: str | None = None) -> Any:
    from .resources import read_resources

    source = path if path is not None else args.resources
    if not Path(source).exists():
        raise CorridorGeoError(f"no such resources file: {source!r}")
    sheet: Any = args.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    table = read_resources(
        source,
        lon=args.lon,
        lat=args.lat,
        datum=args.datum,
        category=args.category,
        id=args.id_column,
        name=args.name_column,
        weight=args.weight,
        encoding=args.encoding,
        sheet=sheet,
        categories=args.categories,
    )
    if table.n_read and not len(table.accepted):
        reasons = table.rejected["reason"].value_counts().head(3)
        raise CorridorGeoError(
            f"none of the {table.n_read} rows of {Path(source).name} was accepted: "
            + "; ".join(f"{n} x {r}" for r, n in reasons.items())
        )
    return table


def write_table(table: pd.DataFrame, out: Path, stem: str, fmt: str) -> Path:
    from .io import write_table_atomic

    out.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(table)
    if "geometry" in frame.columns:
        frame = frame.drop(columns="geometry")
    return write_table_atomic(frame, out / f"{stem}.{fmt}")


def write_rejected(res: Any, out: Path, fmt: str, stem: str = "rejected") -> Path:
    return write_table(res.rejected, out, stem, fmt)
