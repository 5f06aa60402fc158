"""The single point reader: one contract for every table and layer of points (private).

Every public reader (:func:`corridor_geo.resources.read_resources`,
:func:`corridor_geo.resources.read_points`, :func:`corridor_geo.coverage.read_facilities`)
and every command of the CLI reads points through :func:`read_table`:

* **sources**: CSV/TSV/TXT (encoding detected, delimiter sniffed or given, title rows
  above the header found), XLSX (header rows skipped), GeoJSON/GeoPackage/Shapefile/
  FlatGeobuf/KML, GeoParquet, a DataFrame or a GeoDataFrame;
* **one column vocabulary** (:data:`LON_NAMES`, :data:`LAT_NAMES`, ...) in Chinese and
  English, including datum-suffixed names such as ``lng_gcj02`` or ``bd09_lat`` (the
  suffix declares the datum when nothing else does), and a per-row ``datum`` column;
* **one result**: accepted rows as WGS84 points with their EPSG:4549 coordinates
  computed once, and rejected rows with a reason; ``rows read = accepted + rejected``,
  always, ragged text lines included (rejected with their line number).

User columns are kept verbatim: number-like text keeps its leading zeros, and a library
column never overwrites a user column of the same name (the library's is renamed
``cg_<name>`` and the mapping recorded in ``accepted.attrs["corridor_geo_columns"]``,
which the analyses read).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import CRSError, DataFileError, DatumMislabelWarning, InputError, MissingCRSError
from ._points import ROLES_ATTR
from ._text import listing, on_command_line, option
from .crs import (
    ANALYSIS_CRS,
    WGS84,
    datum_of,
    normalize_datum,
    set_datum,
    to_crs,
    to_datum,
    transform_coords,
    transform_xy,
)

log = logging.getLogger(__name__)

LON_NAMES = ("lon", "lng", "long", "longitude", "经度", "經度", "东经", "東經", "x")
"""Longitude column names, without a datum suffix (case and spaces ignored).

``X坐标``/``Y坐标`` are deliberately absent: in Chinese survey tables they are projected
Gauss-Krüger coordinates, with X the northing.  Name such columns explicitly after
converting them, or read them as a GeoDataFrame with their CRS."""

LAT_NAMES = ("lat", "latitude", "纬度", "緯度", "北纬", "北緯", "y")
"""Latitude column names, without a datum suffix."""

DATUM_TOKENS = {
    "wgs84": "WGS84",
    "wgs": "WGS84",
    "gps": "WGS84",
    "cgcs2000": "CGCS2000",
    "cgcs": "CGCS2000",
    "gcj02": "GCJ02",
    "gcj": "GCJ02",
    "amap": "GCJ02",
    "gaode": "GCJ02",
    "高德": "GCJ02",
    "bd09": "BD09",
    "bd": "BD09",
    "baidu": "BD09",
    "百度": "BD09",
}
"""Name parts that declare a coordinate column's datum (``lng_gcj02``, ``bd_lat``...)."""

DATUM_NAMES = ("datum", "坐标系", "crs", "coord_sys", "coordinate_system")
"""Columns giving each row's datum."""

CATEGORY_NAMES = ("category", "类别", "類別", "类型", "類型", "资源类别", "type", "kind")
"""Category column names."""

NAME_NAMES = (
    "name",
    "名称",
    "名稱",
    "机构名称",
    "機構名稱",
    "单位名称",
    "單位名稱",
    "企业名称",
    "企業名稱",
    "name_zh",
    "site_zh",
    "title",
)
"""Display-name column names."""

LIBRARY_COLUMNS = (
    "source_row",
    "id",
    "name",
    "category",
    "category_zh",
    "category_en",
    "category_kind",
    "category_source",
    "weight",
    "status",
    "lon_source",
    "lat_source",
    "datum_source",
    "note",
)
"""Columns the reader adds to the accepted rows (renamed ``cg_<name>`` on a collision)."""

REJECTED_COLUMNS = ("source_row", "line", "reason")
"""Columns the reader adds to the rejected rows."""

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".kml")
PARQUET_SUFFIXES = (".parquet", ".geoparquet", ".parq", ".pq")
DELIMITERS = (",", "\t", ";", "|")
_CANDIDATE_ENCODINGS = ["utf_8", "gb18030", "big5", "utf_16", "utf_32", "shift_jis", "euc_kr"]

STATUS_USER = "user-supplied"


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResourceTable:
    """What a reader read: accepted points, rejected rows with reasons, provenance.

    Attributes
    ----------
    accepted : GeoDataFrame
        One point per accepted row, WGS84, with ``source_row`` (1-based data row of
        the source), ``id``, ``name``, ``category`` (a registry key, or the source's own
        text for a user category), ``category_zh``, ``category_en``,
        ``category_kind`` (``"registry"`` or ``"user"``), ``category_source``,
        ``weight``, ``status``, ``lon_source``, ``lat_source``, ``datum_source`` and
        every other column of the source, verbatim.  Where the source has a column of
        one of these names itself, the library's is called ``cg_<name>`` instead
        (:attr:`columns` says which).
    rejected : DataFrame
        The rejected rows as read, with ``source_row``, ``line`` (text files: the line
        number in the file) and ``reason``.
    n_read : int
        Rows read; always ``len(accepted) + len(rejected)``.
    source : str
        What was read (a path or a description).
    encoding : str or None
        The text encoding used for a text file.
    notes : tuple of str
        Notes of the reading (datum conversions, swaps fixed, user categories, warnings).
    columns : mapping
        Role (``"id"``, ``"weight"``, ``"status"``...) to the column holding it in
        ``accepted`` (and ``"reason"`` etc. in ``rejected``).
    metric_xy : numpy.ndarray
        The accepted points' EPSG:4549 coordinates, ``(n, 2)``, computed once by the
        reader and used by every analysis.  The table is a snapshot: to move points,
        edit a copy of ``accepted`` and pass that GeoDataFrame instead.
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    n_read: int
    source: str
    encoding: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    columns: Mapping[str, str] = field(default_factory=dict)
    metric_xy: np.ndarray | None = field(default=None, repr=False, compare=False)
    legacy_frame: str | None = field(default=None, repr=False, compare=False)
    """Set by readers that returned a GeoDataFrame in an earlier release: GeoDataFrame
    attribute access then reaches ``accepted`` for one release, with a FutureWarning."""

    def __post_init__(self) -> None:
        if len(self.accepted) + len(self.rejected) != self.n_read:  # pragma: no cover
            raise AssertionError("accepted + rejected must equal the rows read")
        if self.metric_xy is None:
            x, y = transform_xy(
                np.asarray(shapely.get_x(self.accepted.geometry.values), dtype=float),
                np.asarray(shapely.get_y(self.accepted.geometry.values), dtype=float),
                source=self.accepted.crs or WGS84,
                target=ANALYSIS_CRS,
            )
            object.__setattr__(self, "metric_xy", np.column_stack([x, y]))

    def __getattr__(self, name: str) -> Any:
        legacy = self.__dict__.get("legacy_frame")
        accepted = self.__dict__.get("accepted")
        if legacy and not name.startswith("__") and hasattr(accepted, name):
            from ._compat import warn

            warn(f"{legacy} now returns a ResourceTable: use .accepted.{name}", stacklevel=3)
            return getattr(accepted, name)
        raise AttributeError(f"'ResourceTable' object has no attribute {name!r}")

    def __getitem__(self, key: Any) -> Any:
        if not self.legacy_frame:
            raise TypeError(
                "'ResourceTable' is not subscriptable: use .accepted[...] or .rejected[...]"
            )
        from ._compat import warn

        warn(f"{self.legacy_frame} now returns a ResourceTable: use .accepted[...]")
        return self.accepted[key]

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        if not self.legacy_frame:
            raise TypeError(
                "len() of a ResourceTable is ambiguous: use n_read, len(.accepted) or "
                "len(.rejected)"
            )
        from ._compat import warn

        warn(f"{self.legacy_frame} now returns a ResourceTable: use len(.accepted)")
        return len(self.accepted)

    def column(self, role: str) -> str:
        """The column holding a role in ``accepted`` (or ``rejected`` for its own roles)."""
        return self.columns.get(role, role)

    def summary(self) -> str:
        """A short text: rows read, accepted, rejected by reason, counts by category.

        Examples
        --------
        >>> from corridor_geo.resources import sample_resources
        >>> print(sample_resources().summary().splitlines()[0])
        5 rows read from resources_sample.csv: 5 accepted, 0 rejected
        """
        name = Path(self.source).name if os.sep in self.source else self.source
        lines = [
            f"{self.n_read} rows read from {name}: {len(self.accepted)} accepted, "
            f"{len(self.rejected)} rejected"
        ]
        reason = self.columns.get("reason", "reason")
        if len(self.rejected):
            reasons = self.rejected[reason].astype(str).str.split("; ").explode()
            reasons = reasons.str.replace(r"\s*\(.*$|:.*$", "", regex=True)
            for text, n in reasons.value_counts().items():
                lines.append(f"  rejected: {n} x {text}")
            if len(reasons) > len(self.rejected):
                lines.append(
                    f"  ({len(reasons)} reasons for {len(self.rejected)} rejected rows: a row "
                    "can fail more than one check)"
                )
        label = self.column("category_zh")
        if len(self.accepted) and label in self.accepted.columns:
            counts = self.accepted.groupby(label, sort=True, dropna=True).size()
            if len(counts):
                lines.append(
                    "  accepted by category: " + ", ".join(f"{k} {v}" for k, v in counts.items())
                )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        first = self.summary().splitlines()[0]
        return f"<ResourceTable: {first}>"

    def _repr_html_(self) -> str:
        """Jupyter display: the summary, then the first rejected rows."""
        from ._html import esc

        head = "".join(f"<div>{esc(line)}</div>" for line in self.summary().splitlines())
        rejected = ""
        if len(self.rejected):
            rejected = "<p>rejected rows:</p>" + self.rejected.head(10).to_html(escape=True)
        return f"<div>{head}{rejected}</div>"

    def explore(self, *, layout: Any = None, **kwargs: Any) -> Any:
        """A folium map of the accepted points over the layout (:mod:`corridor_geo.maps`).

        Parameters
        ----------
        layout : CorridorLayout, optional
            Defaults to :func:`corridor_geo.load_layout`.
        **kwargs
            Passed to :func:`corridor_geo.maps.explore_layout` (``basemap``, ``lang``...).

        Examples
        --------
        >>> from corridor_geo.resources import sample_resources
        >>> m = sample_resources().explore(basemap="blank")
        >>> "resources" in m.get_root().render()
        True
        """
        from ._hooks import delegate

        return delegate("explore", self, layout=layout, **kwargs)


# --------------------------------------------------------------------------------------
# Reading raw rows
# --------------------------------------------------------------------------------------
@dataclass
class RawTable:
    """Rows as read, before any check: the frame, where each row came from, bad lines."""

    frame: pd.DataFrame
    label: str
    encoding: str | None = None
    lines: np.ndarray | None = None  # source line (text) or sheet row (XLSX) of each row
    bad: list[tuple[int, int, str, str]] = field(default_factory=list)
    # (position among all data rows, line, reason, raw text) of lines that are not rows
    notes: list[str] = field(default_factory=list)
    is_text: bool = False


def _check_encoding_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            f"unknown text encoding {encoding!r}: use e.g. 'utf-8', 'gb18030' (GBK), 'big5' "
            "or leave it out to detect it"
        ) from None


def decode_text(
    data: bytes,
    *,
    encoding: str | None,
    label: str,
    fits: Callable[[str], bool] | None = None,
) -> tuple[str, str, list[str]]:
    """Decode a text file: the given encoding (strict), UTF-8, or a detected one.

    Returns the text, the encoding used and notes.  A detected encoding that leaves the
    text garbled, or that is a close call between two, warns rather than guesses; but
    when ``fits`` (does the text name the columns a table of points needs?) rejects the
    best candidate and accepts another, that one is used, with a note: a short GBK file
    is otherwise as likely EUC-KR to a detector, and its header unreadable.
    """
    notes: list[str] = []
    if encoding is not None:
        _check_encoding_name(encoding)
        try:
            return data.decode(encoding), encoding, notes
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                f"{label} is not valid {encoding} text: byte {exc.start} (line {line}) cannot "
                "be decoded; check the encoding (e.g. 'gb18030' for GBK, 'big5', 'utf-8') or "
                "leave encoding out to detect it"
            ) from None
    try:
        return data.decode("utf-8-sig"), "utf-8-sig", notes
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    matches = charset_normalizer.from_bytes(data, cp_isolation=_CANDIDATE_ENCODINGS)
    best = matches.best()
    if best is None:
        raise InputError(
            f"cannot tell the text encoding of {label}: it decodes cleanly as none of "
            f"{', '.join(_CANDIDATE_ENCODINGS)}. If it is a text table, pass "
            "encoding='...' (--encoding); if it is a binary file (a workbook, a database, "
            "an image), export the table as CSV or give the file its own suffix"
        )
    used = _codec_of(best.encoding)
    text = data.decode(used)
    if fits is not None and not fits(text):
        for match in matches:
            other = _codec_of(match.encoding)
            if other == used:
                continue
            try:
                candidate = data.decode(other)
            except UnicodeDecodeError:
                continue
            if fits(candidate):
                notes.append(
                    f"encoding {other} used: read as {used}, the detector's first guess, "
                    "the header names no coordinate columns"
                )
                return candidate, other, notes
    others = [m for m in matches if codecs.lookup(m.encoding).name != codecs.lookup(used).name]
    close = [m.encoding for m in others if m.chaos <= best.chaos + 0.02]
    if best.chaos > 0.1:
        warnings.warn(
            f"{label}: decoded as {used}, but {best.chaos:.0%} of the text looks garbled; "
            "check the names in the result, or pass encoding='...'",
            UserWarning,
            stacklevel=4,
        )
        notes.append(f"decoded as {used} with {best.chaos:.0%} garbled text (warning raised)")
    elif close:
        warnings.warn(
            f"{label}: the text encoding is a close call between {used} and "
            f"{', '.join(close)}; read as {used}. Check the names in the result, or pass "
            "encoding='...'",
            UserWarning,
            stacklevel=4,
        )
        notes.append(f"encoding {used} detected, {', '.join(close)} also possible")
    else:
        notes.append(f"encoding {used} detected")
    return text, used, notes


def _codec_of(name: str) -> str:
    used = codecs.lookup(name).name
    return "gb18030" if used in ("gbk", "gb2312") else used  # a superset of GBK


def sniff_delimiter(text: str, *, suffix: str = "") -> str:
    """The delimiter of a delimited text: the one that splits its first lines consistently."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return "\t" if suffix in (".tsv", ".tab") else ","
    best, best_score = ("\t" if suffix in (".tsv", ".tab") else ","), -1.0
    for d in DELIMITERS:
        counts = []
        for ln in lines:
            try:
                counts.append(len(next(csv.reader([ln], delimiter=d))) - 1)
            except (csv.Error, StopIteration):
                counts.append(0)
        arr = np.asarray(counts)
        if arr.max(initial=0) == 0:
            continue
        mode = np.bincount(arr).argmax()
        if mode == 0:
            continue
        share = float((arr == mode).mean())
        score = share * 10 + min(mode, 50) / 50.0  # consistency first, then more fields
        if score > best_score:
            best, best_score = d, score
    return best


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _norm(name: Any) -> str:
    return re.sub(r"[\s()\[\]（）【】:：]+", "", str(name)).lower()


def coordinate_role(name: Any) -> tuple[str | None, str | None]:
    """``("lon"|"lat"|None, datum or None)`` a column name announces.

    Examples
    --------
    >>> coordinate_role("lng_gcj02"), coordinate_role("BD09_Lat"), coordinate_role("经度")
    (('lon', 'GCJ02'), ('lat', 'BD09'), ('lon', None))
    """
    n = _norm(name)
    if n in LON_NAMES:
        return "lon", None
    if n in LAT_NAMES:
        return "lat", None
    parts = [p for p in re.split(r"[_\-./]", n) if p]
    if len(parts) < 2:
        # Chinese forms such as 经度gcj02 / 高德经度
        for token, datum in DATUM_TOKENS.items():
            for base in (
                "lon",
                "lng",
                "longitude",
                "经度",
                "經度",
                "lat",
                "latitude",
                "纬度",
                "緯度",
            ):
                if n in (base + token, token + base):
                    return ("lon" if base in LON_NAMES else "lat"), datum
        return None, None
    datums = [DATUM_TOKENS[p] for p in parts if p in DATUM_TOKENS]
    rest = [p for p in parts if p not in DATUM_TOKENS]
    if len(datums) == 1 and len(rest) == 1:
        if rest[0] in LON_NAMES:
            return "lon", datums[0]
        if rest[0] in LAT_NAMES:
            return "lat", datums[0]
    return None, None


def _has_coordinate_columns(cells: Iterable[Any]) -> bool:
    roles = {coordinate_role(c)[0] for c in cells}
    return {"lon", "lat"} <= roles


def _header_index(
    rows: list[list[str]], header_row: int | None, *, n_rows: int, label: str
) -> tuple[int, list[str]]:
    """Index of the header and notes: the given row (of the ``n_rows`` non-blank rows of
    the source), or the first of ``rows`` (the first rows) that names coordinates (title
    rows above a header are common in exported spreadsheets)."""
    if header_row is not None:
        if not 1 <= header_row <= n_rows:
            raise InputError(
                f"{option('header_row', header_row)}: {label} has {n_rows} row(s) (blank "
                f"rows not counted), so the header cannot be row {header_row}; give a row "
                f"from 1 to {n_rows}, or leave it out to find the header"
            )
        return header_row - 1, [f"header taken from row {header_row} as asked"]
    if not rows or _has_coordinate_columns(rows[0]):
        return 0, []
    for i, row in enumerate(rows[1:11], start=1):
        if _has_coordinate_columns(row):
            skipped = "; ".join(" ".join(c for c in r if c)[:40] for r in rows[:i])
            return i, [f"{i} title row(s) above the header skipped: {skipped!r}"]
    return 0, []


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        n = n if n else f"column_{i + 1}"
        if n in seen:
            seen[n] += 1
            n = f"{n}.{seen[n]}"
        else:
            seen[n] = 0
        out.append(n)
    return out


def _read_text(
    path: Path, *, encoding: str | None, delimiter: str | None, header_row: int | None
) -> RawTable:
    label = path.name
    data = path.read_bytes()
    if not data.strip():
        raise InputError(
            f"{label} is empty ({len(data)} bytes): it holds no header and no rows; "
            "export the table again"
        )
    kind = _binary_kind(data)
    if kind is not None and encoding is None:
        raise InputError(
            f"{label} is not a text table: it is {kind[0]} under a {path.suffix} name; {kind[1]}"
        )
    text, used, notes = decode_text(
        data, encoding=encoding, label=label, fits=lambda t: _names_coordinates(t, delimiter)
    )
    if text.startswith("\ufeff"):
        text = text[1:]
    if delimiter is not None and len(delimiter) != 1:
        raise InputError(f"delimiter must be one character, got {delimiter!r}")
    delim = delimiter or sniff_delimiter(text, suffix=path.suffix.lower())
    if delimiter is None and delim != ",":
        notes.append(f"delimiter {delim!r} detected")
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    start = 1
    try:
        for fields in reader:
            if any(f.strip() for f in fields):
                records.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{label}: cannot parse line {reader.line_num}: {exc}") from None
    if not records:
        raise InputError(f"{label} has no header and no rows (only blank lines)")
    h, head_notes = _header_index(
        [r for _, r in records[:11]], header_row, n_rows=len(records), label=label
    )
    notes.extend(head_notes)
    header = _dedupe([c.strip() for c in records[h][1]])
    width = len(header)
    good: list[list[str]] = []
    lines: list[int] = []
    bad: list[tuple[int, int, str, str]] = []
    for pos, (line, fields) in enumerate(records[h + 1 :]):
        n = len(fields)
        if n > width and not any(f.strip() for f in fields[width:]):
            fields = fields[:width]  # trailing empty fields (an exporter's habit)
            n = width
        if n != width:
            reason = (
                f"line {line} has {n} fields where the header has {width} "
                f"(delimiter {delim!r}: a stray delimiter, an unquoted text or a cut line)"
            )
            bad.append((pos, line, reason, delim.join(fields)))
            continue
        good.append(fields)
        lines.append(line)
    frame = pd.DataFrame(good, columns=header, dtype=object) if good else None
    if frame is None:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in header})
    return RawTable(frame, str(path), used, np.asarray(lines, dtype=np.int64), bad, notes, True)


_MAGIC = (
    (
        b"PK\x03\x04",
        "a ZIP archive (an Excel .xlsx workbook?)",
        "rename it .xlsx if it is a workbook, or export the table from Excel as CSV",
    ),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel .xls workbook (or another Office file)",
        "rename it .xls, or save it from Excel as .xlsx or CSV",
    ),
    (b"%PDF", "a PDF document", "export the table from its source as CSV or XLSX"),
    (b"SQLite format 3\x00", "an SQLite database (a GeoPackage?)", "rename it .gpkg"),
    (b"\x89PNG", "a PNG image", "export the table as CSV or XLSX"),
    (b"\xff\xd8\xff", "a JPEG image", "export the table as CSV or XLSX"),
)


def _binary_kind(data: bytes) -> tuple[str, str] | None:
    """What a file that is not text is, and what to do, from its first bytes."""
    for magic, kind, fix in _MAGIC:
        if data.startswith(magic):
            return kind, fix
    return None


def _names_coordinates(text: str, delimiter: str | None) -> bool:
    """Whether one of the first lines of a text names longitude and latitude columns."""
    head = "\n".join(text.splitlines()[:12])
    delim = delimiter or sniff_delimiter(head)
    try:
        rows = list(csv.reader(io.StringIO(head, newline=""), delimiter=delim))
    except csv.Error:
        return False
    return any(_has_coordinate_columns(c.strip() for c in row) for row in rows[:11])


def _read_sheet(path: Path, *, sheet: str | int, header_row: int | None) -> RawTable:
    label = path.name
    with open(path, "rb") as fh:
        start = fh.read(16)
    workbook = b"PK\x03\x04" if path.suffix.lower() != ".xls" else _MAGIC[1][0]
    if not start.startswith(workbook):
        kind = _binary_kind(start)
        if not start.strip():
            what = f"empty ({path.stat().st_size} bytes)"
        elif kind is not None:
            what = f"{kind[0]}, not a {path.suffix} workbook"
        else:
            what = "not an Excel workbook: it looks like text (a CSV saved under this name?)"
        raise InputError(
            f"{label} is {what}; rename a text table .csv, or save the sheet from Excel "
            "again as .xlsx"
        )
    if path.suffix.lower() == ".xls":
        try:
            import xlrd  # noqa: F401
        except ImportError:
            raise InputError(
                f"{label} is an old Excel .xls file: save it as .xlsx, or pip install xlrd"
            ) from None
    try:
        grid = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object)
    except ValueError as exc:
        try:
            with pd.ExcelFile(path) as book:
                sheets = listing(book.sheet_names, quote=True)
        except Exception:  # the first error is the one to report
            sheets = "(unreadable)"
        raise InputError(
            f"{label}: {exc}; its sheets are {sheets}: name one ({option('sheet', 0)} is "
            "the first)"
        ) from None
    except Exception as exc:
        raise InputError(f"cannot read {label} as a spreadsheet: {exc}") from exc
    if grid.empty:
        raise InputError(f"{label} (sheet {sheet!r}) is empty: it holds no header and no rows")
    grid = grid.dropna(how="all")
    rows_text = [[_cell_text(v) for v in row] for row in grid.head(11).itertuples(index=False)]
    h, notes = _header_index(rows_text, header_row, n_rows=len(grid), label=label)
    header = _dedupe([_cell_text(v) for v in grid.iloc[h].tolist()])
    body = grid.iloc[h + 1 :].copy()
    body.columns = header
    # Drop columns with neither a header nor any value (Excel's used range).
    empty = [c for c in header if c.startswith("column_") and body[c].isna().all()]
    body = body.drop(columns=empty)
    excel_rows = (body.index.to_numpy() + 1).astype(np.int64)
    return RawTable(body.reset_index(drop=True), str(path), None, excel_rows, [], notes, False)


def _read_vector(path: Path, *, layer: str | int | None, encoding: str | None) -> RawTable:
    kwargs: dict[str, Any] = {"layer": layer} if layer is not None else {}
    if encoding:
        kwargs["encoding"] = _check_encoding_name(encoding)
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            frame = gpd.read_parquet(path)
        else:
            frame = gpd.read_file(path, **kwargs)
    except Exception as exc:
        raise InputError(f"cannot read {path.name!r} as a vector file: {exc}") from exc
    return RawTable(frame, str(path), encoding)


def read_polygon_file(path: str | os.PathLike[str], what: str) -> gpd.GeoDataFrame:
    """A vector file of polygons (population counts...), or an error naming what is wrong."""
    name = os.fspath(path)
    if not os.path.exists(name):
        raise InputError(f"no such file of {what}: {name!r}")
    if os.path.isdir(name):
        raise InputError(f"{name!r} is a folder: name the file of {what} in it")
    try:
        frame = gpd.read_file(name)
    except Exception as exc:
        raise InputError(
            f"cannot read {os.path.basename(name)!r} as {what} ({exc}): give a GeoPackage, "
            "GeoJSON or Shapefile of polygons with a count column, or a raster (.tif) of "
            "people per cell"
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
        raise InputError(
            f"{os.path.basename(name)!r} has no geometries: {what} must be a GeoPackage, "
            "GeoJSON or Shapefile (a table of counts needs its zones' polygons)"
        )
    return frame


def read_raw(
    source: Any,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int = 0,
    header_row: int | None = None,
    layer: str | int | None = None,
    what: str = "points",
) -> RawTable:
    """The rows of any source, as read (see the module notes)."""
    if isinstance(source, gpd.GeoSeries):
        return RawTable(gpd.GeoDataFrame(geometry=source), "GeoSeries supplied by the caller")
    if isinstance(source, gpd.GeoDataFrame):
        return RawTable(source.copy(), "GeoDataFrame supplied by the caller")
    if isinstance(source, pd.DataFrame):
        return RawTable(source.copy(), "DataFrame supplied by the caller")
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(
            f"{what}: read a path (CSV, TSV, XLSX, GeoJSON, GeoPackage, Shapefile, "
            f"GeoParquet), a DataFrame or a GeoDataFrame, got {type(source).__name__}"
        )
    path = Path(source)
    if str(source) == "":
        raise InputError(f"{what}: the file name is empty")
    if not path.exists():
        raise InputError(f"no such file: {str(path)!r}")
    if path.is_dir():
        raise InputError(f"{str(path)!r} is a folder, not a file of {what}")
    suffix = path.suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            return _read_text(path, encoding=encoding, delimiter=delimiter, header_row=header_row)
        if suffix in SHEET_SUFFIXES:
            return _read_sheet(path, sheet=sheet, header_row=header_row)
        if suffix in VECTOR_SUFFIXES or suffix in PARQUET_SUFFIXES:
            return _read_vector(path, layer=layer, encoding=encoding)
    except PermissionError as exc:
        raise DataFileError(f"cannot open {str(path)!r}: permission denied") from exc
    raise InputError(
        f"{path.name!r}: unknown file type {suffix!r}; use .csv/.tsv/.txt, .xlsx, .geojson, "
        ".gpkg, .shp, .fgb or .parquet"
    )


# --------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------
def find_column(
    table: pd.DataFrame, given: str | None, names: tuple[str, ...], what: str
) -> str | None:
    """A column by its given name (must exist) or by the vocabulary (``None`` if absent)."""
    if given is not None:
        if given not in table.columns:
            raise InputError(
                f"no column {given!r} for the {what}; the table has "
                f"{', '.join(map(repr, map(str, table.columns)))}"
            )
        return given
    lowered = {_norm(c): c for c in table.columns}
    for name in names:
        if _norm(name) in lowered:
            return lowered[_norm(name)]
    return None


def coordinate_columns(
    table: pd.DataFrame, lon: str | None, lat: str | None
) -> tuple[str, str, str | None]:
    """The longitude and latitude columns and the datum their names declare (if any)."""
    cols = listing(table.columns, quote=True)
    if lon is not None and lon not in table.columns:
        raise InputError(f"no column {lon!r} for the longitude; the table has {cols}")
    if lat is not None and lat not in table.columns:
        raise InputError(f"no column {lat!r} for the latitude; the table has {cols}")
    found: dict[str, list[tuple[str, str | None]]] = {"lon": [], "lat": []}
    for c in table.columns:
        role, datum = coordinate_role(c)
        if role is not None:
            found[role].append((c, datum))
    lon_col = lon or (found["lon"][0][0] if found["lon"] else None)
    lat_col = lat or (found["lat"][0][0] if found["lat"] else None)
    if lon_col is None or lat_col is None:
        missing = "longitude" if lon_col is None else "latitude"
        raise InputError(
            f"cannot tell which column holds the {missing}: name it (lon='...', lat='...'; "
            f"--lon/--lat on the command line); the table has {cols}"
        )
    if lon is None and len(found["lon"]) > 1 and lat is None:
        # Several datum-suffixed pairs (lng_wgs84 and lng_gcj02): take WGS84 if there.
        pairs = {d: c for c, d in found["lon"]}
        lat_pairs = {d: c for c, d in found["lat"]}
        for d in ("WGS84", "CGCS2000", "GCJ02", "BD09"):
            if d in pairs and d in lat_pairs:
                lon_col, lat_col = pairs[d], lat_pairs[d]
                break
    d_lon = coordinate_role(lon_col)[1]
    d_lat = coordinate_role(lat_col)[1]
    if d_lon and d_lat and d_lon != d_lat:
        raise InputError(
            f"the coordinate columns {lon_col!r} and {lat_col!r} name different datums"
        )
    return lon_col, lat_col, d_lon or d_lat


def _is_plain_number(text: str) -> bool:
    if not re.fullmatch(r"-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?", text):
        return False
    digits = re.sub(r"\D", "", text.split("e")[0].split("E")[0])
    return len(digits.lstrip("0")) <= 15


def infer_types(table: pd.DataFrame, skip: set[str]) -> pd.DataFrame:
    """Text columns of numbers become numbers, unless converting would change the text.

    ``053288880001`` (a leading zero), ``+86``, ``1,000`` and numbers of more than 15
    digits stay text: a phone number or an id must not lose digits.
    """
    out = table.copy()
    for col in out.columns:
        if col in skip or not (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            continue
        text = out[col].map(_cell_text)
        blank = text.eq("")
        if blank.all():
            out[col] = out[col].where(~blank, None)
            continue
        if text[~blank].map(_is_plain_number).all():
            out[col] = pd.to_numeric(text.where(~blank), errors="coerce")
        else:
            out[col] = out[col].where(~blank, None)
    return out


def _ascii_number(text: str) -> str:
    """Full-width digits, point and minus (``１２０．４``, ``－``) and the minus sign U+2212
    as ASCII (Unicode NFKC): the same number as typed by a Chinese input method."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()


def _to_float(values: pd.Series) -> np.ndarray:
    text = values.map(_cell_text).map(_ascii_number)
    return np.array(pd.to_numeric(text.where(text != ""), errors="coerce"), dtype=float)


_DMS = re.compile(r"[°º˚度′'’分″\"”秒]")
_DMS_SPACED = re.compile(r"[NSEW]?\s*\d{1,3}\s+\d{1,2}(\.\d+)?(\s+\d{1,2}(\.\d+)?)?\s*[NSEW]?")
_DECIMAL_COMMA = re.compile(r"-?\d+[,，。、]\d+")


def number_hint(value: Any) -> str:
    """Why a coordinate text is not a number, when it is a common way of writing one."""
    text = _ascii_number(_cell_text(value))
    if _DMS.search(text) and re.search(r"\d", text):
        return (
            "degrees, minutes and seconds: convert them to decimal degrees "
            "(120°30′36″ = 120 + 30/60 + 36/3600 = 120.51)"
        )
    if _DMS_SPACED.fullmatch(text):
        return (
            "degrees, minutes and seconds separated by spaces? Write decimal degrees "
            "(120 30 36 = 120 + 30/60 + 36/3600 = 120.51)"
        )
    if _DECIMAL_COMMA.fullmatch(text):
        return "a comma or 。 as the decimal point: write 120.49, not 120,49"
    return ""


def norm_name(value: Any) -> str:
    """A category spelling normalised for lookup (spaces removed, lower case)."""
    return "".join(str(value).split()).lower()


# --------------------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------------------
@dataclass
class _Rows:
    """Per-row state while checking: reasons, coordinates and datums of every data row."""

    n: int
    reasons: list[list[str]]

    def reject(self, mask: np.ndarray, reason: str | np.ndarray) -> None:
        for i in np.flatnonzero(mask):
            self.reasons[i].append(reason if isinstance(reason, str) else str(reason[i]))


def read_table(
    source: Any,
    *,
    lon: str | None = None,
    lat: str | None = None,
    datum: str | None = None,
    category: str | None = None,
    id: str | None = None,
    name: str | None = None,
    weight: str | None = None,
    default_category: str | None = None,
    require_category: bool = False,
    strict_categories: bool = False,
    registry: pd.DataFrame | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int = 0,
    header_row: int | None = None,
    layer: str | int | None = None,
    city: Any = None,
    fix_swapped: bool = False,
    status: str = STATUS_USER,
    reference: gpd.GeoDataFrame | None = None,
    admin: (
        Mapping[str, gpd.GeoDataFrame] | Callable[[], Mapping[str, gpd.GeoDataFrame] | None] | None
    ) = None,
    check_datum: bool = True,
    what: str = "points",
) -> ResourceTable:
    """Read any source of points into a :class:`ResourceTable` (see the module notes).

    ``city`` is the prepared WGS84 polygon of what counts as "in Qingdao" (the caller
    builds it from a layout); ``registry`` the category registry (``None``: categories
    are kept as given, no lookup); ``admin`` the WGS84 ``district``/``subdistrict``
    layers a district or 街道 column of the table is checked against (GCJ-02 test).
    """
    raw = read_raw(
        source,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        header_row=header_row,
        layer=layer,
        what=what,
    )
    label = raw.label
    notes = list(raw.notes)
    frame = raw.frame.reset_index(drop=True)
    n_good = len(frame)
    n = n_good + len(raw.bad)
    rows = _Rows(n_good, [[] for _ in range(n_good)])

    is_geo = isinstance(frame, gpd.GeoDataFrame)
    if is_geo:
        table, xs, ys, datums = _geo_coordinates(frame, datum, rows, notes, label)
        lon_col = lat_col = None
    else:
        table = frame
        lon_col, lat_col, suffix_datum = coordinate_columns(table, lon, lat)
        xs, ys, datums = _table_coordinates(
            table, lon_col, lat_col, datum, suffix_datum, rows, notes, label
        )

    finite = np.isfinite(xs) & np.isfinite(ys)
    valid_datum = np.array([d is not None for d in datums], dtype=bool)
    wlon, wlat, swlon, swlat = (np.full(n_good, np.nan) for _ in range(4))
    for d in sorted(set(datums[valid_datum])):
        idx = np.flatnonzero(finite & (datums == d))
        if len(idx):
            wlon[idx], wlat[idx] = transform_coords(xs[idx], ys[idx], source=d, target="WGS84")
            swlon[idx], swlat[idx] = transform_coords(ys[idx], xs[idx], source=d, target="WGS84")
            if d != "WGS84":
                notes.append(f"{len(idx)} rows converted from {d} to WGS84 (corridor_geo.crs)")
    range_bad = finite & ((np.abs(xs) > 180) | (np.abs(ys) > 90))
    if city is None:  # with a city, "outside Qingdao" (and "looks swapped") says more
        rows.reject(
            range_bad,
            np.array(
                [f"coordinates out of range ({a:g}, {b:g})" for a, b in zip(xs, ys)], dtype=object
            ),
        )
    checked = finite & valid_datum & (~range_bad if city is None else True)
    row_note = np.full(n_good, "", dtype=object)
    if city is not None:
        inside = np.zeros(n_good, dtype=bool)
        inside[checked] = shapely.intersects_xy(city, wlon[checked], wlat[checked])
        outside = checked & ~inside
        swapped_in = np.zeros(n_good, dtype=bool)
        if outside.any():
            swapped_in[outside] = shapely.intersects_xy(city, swlon[outside], swlat[outside])
        if fix_swapped and swapped_in.any():
            wlon[swapped_in], wlat[swapped_in] = swlon[swapped_in], swlat[swapped_in]
            xs[swapped_in], ys[swapped_in] = ys[swapped_in].copy(), xs[swapped_in].copy()
            row_note[swapped_in] = "longitude and latitude were swapped in the source; fixed"
            notes.append(f"{int(swapped_in.sum())} rows had longitude and latitude swapped; fixed")
            outside = outside & ~swapped_in
            swapped_in[:] = False
        rows.reject(
            outside & swapped_in,
            "outside Qingdao; latitude and longitude look swapped "
            f"(swap the columns or pass {option('fix_swapped')})",
        )
        not_degrees = outside & ~swapped_in & range_bad
        rows.reject(
            not_degrees,
            np.array(
                [
                    f"coordinates out of range for longitude/latitude ({a:g}, {b:g}): "
                    "projected coordinates such as metres? Read such a file with its own "
                    "CRS, or convert the columns to degrees first"
                    for a, b in zip(xs, ys)
                ],
                dtype=object,
            ),
        )
        rows.reject(outside & ~swapped_in & ~range_bad, "outside Qingdao")

    ids = _ids(table, id, rows)
    name_col = find_column(table, name, NAME_NAMES, "name")
    cat = _categories(
        table, category, default_category, registry, require_category, strict_categories, rows
    )
    notes.extend(cat.notes)
    w = _weights(table, weight, rows)

    ok = np.array([not r for r in rows.reasons], dtype=bool)
    # Every user column is kept verbatim, but for a column that is itself the source of
    # the library column of the same name (an "id" column read as the id...): that one
    # is replaced by its checked form (the category's text stays in category_source).
    same = {
        c
        for role, c in (
            ("id", id),
            ("name", name_col),
            ("weight", weight),
            ("category", cat.column),
        )
        if c == role
    }
    extra_cols = [c for c in table.columns if c not in same]
    extra = infer_types(table[extra_cols], set()) if raw.is_text else table[extra_cols]
    roles = {c: (f"cg_{c}" if c in extra_cols else c) for c in LIBRARY_COLUMNS}
    clashes = sorted(c for c, v in roles.items() if v != c)
    if clashes:
        notes.append(
            "the source has columns named like the library's "
            + ", ".join(clashes)
            + ": kept verbatim; the library's are "
            + ", ".join(roles[c] for c in clashes)
        )
    lib = {
        roles["source_row"]: np.arange(1, n_good + 1),
        roles["id"]: ids,
        roles["name"]: (
            table[name_col].map(_cell_text).replace("", None).to_numpy(dtype=object)
            if name_col is not None
            else np.full(n_good, None, dtype=object)
        ),
        roles["category"]: cat.keys,
        roles["category_zh"]: cat.zh,
        roles["category_en"]: cat.en,
        roles["category_kind"]: cat.kinds,
        roles["category_source"]: cat.given,
        roles["weight"]: w,
        roles["status"]: np.full(n_good, status, dtype=object),
        roles["lon_source"]: xs,
        roles["lat_source"]: ys,
        roles["datum_source"]: datums,
    }
    accepted = pd.DataFrame(lib)
    if row_note.any():
        accepted[roles["note"]] = row_note
    for col in extra_cols:
        accepted[col] = extra[col].to_numpy()
    # Keep source order: data rows are numbered in file order, bad lines included.
    order = _file_order(n_good, raw.bad)
    accepted[roles["source_row"]] = order[:n_good]
    acc = gpd.GeoDataFrame(
        accepted.loc[ok].reset_index(drop=True),
        geometry=gpd.points_from_xy(wlon[ok], wlat[ok]),
        crs=WGS84,
    )
    acc.attrs[ROLES_ATTR] = dict(roles)
    rejected = _rejected(frame, raw, rows, ok, order)
    if check_datum and city is not None:
        origin = set(datums[ok]) if ok.any() else set()
        if origin <= {"WGS84", "CGCS2000"} and (
            looks_like_gcj02(xs, ys, finite & valid_datum, city, label)
            or (reference is not None and matches_gcj02(acc, reference, label, roles))
            or (admin is not None and admin_says_gcj02(acc, admin, label, roles))
        ):
            notes.append("looks like GCJ-02 data labelled WGS84 (warning raised)")
    log.info(
        "read %d rows from %s: %d accepted, %d rejected", n, label, int(ok.sum()), len(rejected)
    )
    columns = dict(roles)
    columns.update(rejected.attrs.get(ROLES_ATTR, {}))
    metric = (
        np.column_stack(transform_xy(wlon[ok], wlat[ok], source=WGS84, target=ANALYSIS_CRS))
        if ok.any()
        else np.empty((0, 2))
    )
    return ResourceTable(
        accepted=acc,
        rejected=rejected,
        n_read=n,
        source=label,
        encoding=raw.encoding,
        notes=tuple(notes),
        columns=columns,
        metric_xy=metric,
    )


def _file_order(n_good: int, bad: list[tuple[int, int, str, str]]) -> np.ndarray:
    """1-based positions in the file of the good rows, then of the bad lines."""
    if not bad:
        return np.arange(1, n_good + 1)
    n = n_good + len(bad)
    bad_pos = np.array([b[0] for b in bad], dtype=np.int64)
    is_bad = np.zeros(n, dtype=bool)
    is_bad[bad_pos] = True
    positions = np.arange(1, n + 1)
    return np.concatenate([positions[~is_bad], positions[is_bad]])


def _rejected(
    frame: pd.DataFrame, raw: RawTable, rows: _Rows, ok: np.ndarray, order: np.ndarray
) -> pd.DataFrame:
    body = pd.DataFrame(frame)
    own = {c: (f"cg_{c}" if c in body.columns else c) for c in REJECTED_COLUMNS}
    bad_rows = body.loc[~ok].copy()
    n_good = len(frame)
    bad_rows.insert(0, own["source_row"], order[:n_good][~ok])
    if raw.lines is not None:
        bad_rows.insert(1, own["line"], np.asarray(raw.lines)[~ok])
    bad_rows[own["reason"]] = ["; ".join(r) for r, k in zip(rows.reasons, ~ok) if k]
    parts = [bad_rows]
    if raw.bad:
        lines = pd.DataFrame(
            {
                own["source_row"]: order[n_good:],
                own["line"]: [b[1] for b in raw.bad],
                own["reason"]: [b[2] for b in raw.bad],
                "raw_text": [b[3] for b in raw.bad],
            }
        )
        parts.append(lines)
    out = (
        pd.concat(parts, ignore_index=True) if len(parts) > 1 else bad_rows.reset_index(drop=True)
    )
    out = out.sort_values(own["source_row"], kind="stable").reset_index(drop=True)
    out.attrs[ROLES_ATTR] = dict(own)
    return out


def _describe_crs(crs: Any) -> str:
    code = crs.to_authority()
    return f"{crs.name} ({':'.join(code)})" if code else crs.name


def _declare_datum(
    frame: gpd.GeoDataFrame, datum: str | None, label: str, notes: list[str]
) -> gpd.GeoDataFrame:
    """The frame with a declared datum, unless its own CRS contradicts the declaration.

    A datum declares what longitude/latitude degrees are in.  It relabels a frame
    without a CRS, or one whose CRS is longitude/latitude of one of the four datums (the
    common case: Amap coordinates saved as "WGS84"); it is redundant for a CRS on the
    same datum (EPSG:3857 declared WGS84, EPSG:4549 declared CGCS2000: the file's CRS is
    used); it contradicts any other CRS (metres of a projection, another datum's
    degrees), which raises instead of moving the points by the wrong transform.
    """
    if datum is None:
        return frame
    d = normalize_datum(datum)
    crs = frame.crs
    if crs is None:
        return set_datum(frame, d)
    own = datum_of(crs)
    described = _describe_crs(crs)
    if crs.is_geographic and own is not None:
        if own != d:
            notes.append(f"the source's CRS {described} relabelled {d} as asked")
        return set_datum(frame, d)
    same = own == d or {own, d} <= {"WGS84", "CGCS2000"}
    if same:
        notes.append(f"datum {d} agrees with the source's CRS {described}: that CRS is used")
        return frame
    name = os.path.basename(label)
    if crs.is_projected:
        unit = crs.axis_info[0].unit_name if crs.axis_info else "metre"
        kind = f"projected coordinates ({'metres' if unit == 'metre' else unit})"
    elif crs.is_geographic:
        datum_name = crs.datum.name if crs.datum else "another"
        kind = f"longitude/latitude on the {datum_name} datum"
    else:
        kind = f"a {crs.type_name} CRS"
    given = option("datum", d)
    if on_command_line():
        relabel = (
            f"save it with the right CRS first (e.g. ogr2ogr -a_srs EPSG:4326 fixed.gpkg "
            f"{name}) and read that with {given}"
        )
    else:
        relabel = f"relabel it first: corridor_geo.crs.set_datum(frame, {d!r})"
    raise CRSError(
        f"{name} has its own CRS, {described}: {kind}; {given} declares {d} "
        f"longitude/latitude, which contradicts it. If that CRS is right, leave out {given} "
        f"(the points are projected from it); if the source is mislabelled and holds {d} "
        f"longitude/latitude, {relabel}"
    )


def _geo_coordinates(
    frame: gpd.GeoDataFrame, datum: str | None, rows: _Rows, notes: list[str], label: str
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    n = len(frame)
    declared = _declare_datum(frame, datum, label, notes)
    if declared.crs is None and os.path.exists(label):
        name = os.path.basename(label)
        prj = (
            f" (a Shapefile without its {Path(name).with_suffix('.prj').name})"
            if name.lower().endswith(".shp")
            else ""
        )
        raise MissingCRSError(
            f"{name} has no CRS{prj}: declare the datum of its longitude/latitude with "
            f"{option('datum', 'WGS84')} (or CGCS2000, GCJ02 for Amap/Tencent, BD09 for "
            "Baidu); a file in projected coordinates needs its CRS saved with it first "
            f"(e.g. ogr2ogr -a_srs EPSG:4549 fixed.gpkg {name})"
        )
    src = datum_of(declared)  # raises MissingCRSError
    if src is None or not declared.crs.is_geographic:
        notes.append(f"projected from {declared.crs.name} to WGS84 with PROJ")
        declared = to_crs(declared, WGS84)
        src = "WGS84"
    geoms = np.asarray(declared.geometry.values, dtype=object)
    missing = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    not_point = ~missing & (np.asarray(shapely.get_type_id(geoms)) != 0)
    rows.reject(missing, "missing geometry")
    types = np.asarray(declared.geometry.geom_type.astype(str))
    rows.reject(not_point, np.array([f"geometry is a {t}, not a point" for t in types], object))
    xs = np.full(n, np.nan)
    ys = np.full(n, np.nan)
    pts = ~missing & ~not_point
    xs[pts] = shapely.get_x(geoms[pts])
    ys[pts] = shapely.get_y(geoms[pts])
    bad = pts & ~(np.isfinite(xs) & np.isfinite(ys))
    rows.reject(bad, "coordinates are not finite numbers")
    n_z = int(np.asarray(shapely.has_z(geoms[pts])).sum()) if pts.any() else 0
    if n_z:
        notes.append(f"{n_z} points have a height (Z): dropped, the analyses are 2-D")
    table = pd.DataFrame(declared.drop(columns=declared.geometry.name))
    return table, xs, ys, np.full(n, src, dtype=object)


def _table_coordinates(
    table: pd.DataFrame,
    lon_col: str,
    lat_col: str,
    datum: str | None,
    suffix_datum: str | None,
    rows: _Rows,
    notes: list[str],
    label: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(table)
    xs = _to_float(table[lon_col])
    ys = _to_float(table[lat_col])
    datum_col = find_column(table, None, DATUM_NAMES, "datum")
    if datum is not None:
        d = normalize_datum(datum)
        if suffix_datum is not None and suffix_datum != d:
            warnings.warn(
                f"{label}: the columns {lon_col!r}/{lat_col!r} say {suffix_datum} but "
                f"datum={datum!r} was given; reading them as {d} as asked",
                DatumMislabelWarning,
                stacklevel=4,
            )
            notes.append(f"columns named {suffix_datum}, read as {d} as asked")
        datums = np.full(n, d, dtype=object)
    elif datum_col is not None:
        datums = np.empty(n, dtype=object)
        for i, value in enumerate(table[datum_col]):
            text = _cell_text(value)
            try:
                datums[i] = normalize_datum(text)
            except InputError:
                datums[i] = None
                rows.reasons[i].append(f"unknown datum {text!r}")
    elif suffix_datum is not None:
        datums = np.full(n, suffix_datum, dtype=object)
        notes.append(f"datum {suffix_datum} taken from the column names {lon_col!r}/{lat_col!r}")
    else:
        raise MissingCRSError(
            f"{label}: the table does not say which datum its coordinates are in: pass "
            "datum='WGS84' (GPS), 'CGCS2000', 'GCJ02' (Amap/Gaode, Tencent) or 'BD09' "
            "(Baidu), add a 'datum' column, or name the columns e.g. lng_gcj02/lat_gcj02"
        )
    blank = np.asarray(
        table[lon_col].map(_cell_text).eq("") | table[lat_col].map(_cell_text).eq("")
    )
    rows.reject(blank, "missing coordinates")
    bad_num = ~blank & ~(np.isfinite(xs) & np.isfinite(ys))
    shown = np.array(
        [
            f"coordinates are not numbers ({a!r}, {b!r})"
            + "".join(f": {h}" for h in dict.fromkeys((number_hint(a), number_hint(b))) if h)
            for a, b in zip(table[lon_col].tolist(), table[lat_col].tolist())
        ],
        dtype=object,
    )
    rows.reject(bad_num, shown)
    wide = ~blank & np.isfinite(xs) & np.isfinite(ys)
    wide &= np.asarray(
        [
            not (_cell_text(a).isascii() and _cell_text(b).isascii())
            for a, b in zip(table[lon_col].tolist(), table[lat_col].tolist())
        ],
        dtype=bool,
    )
    if wide.any():
        notes.append(
            f"{int(wide.sum())} rows have coordinates in full-width characters (１２０．４) or "
            "with a − sign: read as the same numbers in ASCII"
        )
    return xs, ys, datums


def _ids(table: pd.DataFrame, id: str | None, rows: _Rows) -> np.ndarray:
    n = rows.n
    if id is None:
        return np.array([f"R{i + 1}" for i in range(n)], dtype=object)
    if id not in table.columns:
        raise InputError(
            f"no id column {id!r}; the table has {listing(table.columns, quote=True)}"
        )
    column = table[id]
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(values)
    if (
        pd.api.types.is_float_dtype(column)
        and finite.any()
        and (values[finite] == np.round(values[finite])).all()
        and (np.abs(values[finite]) < 2**53).all()
    ):
        # Whole numbers in a float column (pandas' way of holding ints beside a blank):
        # the id 7 is "7", not "7.0".
        text = pd.Series(
            [str(int(v)) if ok else "" for v, ok in zip(values, finite)], index=column.index
        )
    else:
        text = column.map(_cell_text)
    blank = text.eq("").to_numpy()
    rows.reject(blank, "missing id")
    first: dict[str, int] = {}
    for i, v in enumerate(text):
        if not v:
            continue
        if v in first:
            rows.reasons[i].append(f"duplicate id {v!r} (first at row {first[v] + 1})")
        else:
            first[v] = i
    return np.where(blank, None, text.to_numpy(dtype=object))


@dataclass
class _Categories:
    column: str | None
    keys: np.ndarray
    zh: np.ndarray
    en: np.ndarray
    kinds: np.ndarray
    given: np.ndarray
    notes: list[str]


def registry_lookup(registry: pd.DataFrame) -> dict[str, str]:
    """Normalised spelling -> key; raises if one spelling names two categories."""
    lookup: dict[str, str] = {}
    for row in registry.itertuples():
        for spelling in {row.key, row.name_zh, row.name_en, *str(row.aliases).split("|")}:
            k = norm_name(spelling)
            if not k:
                continue
            if lookup.get(k, row.key) != row.key:
                raise InputError(
                    f"the category registry gives the spelling {spelling!r} to both "
                    f"{lookup[k]!r} and {row.key!r}"
                )
            lookup[k] = row.key
    return lookup


def _categories(
    table: pd.DataFrame,
    category: str | None,
    default_category: str | None,
    registry: pd.DataFrame | None,
    require: bool,
    strict: bool,
    rows: _Rows,
) -> _Categories:
    n = rows.n
    col = find_column(table, category, CATEGORY_NAMES, "category")
    if col is None and default_category is None and require:
        raise InputError(
            "cannot tell which column holds the category: name it (category='...'; "
            "--category on the command line) or give default_category='...'; the table has "
            f"{listing(table.columns, quote=True)}"
        )
    if col is not None:
        given = table[col].map(_cell_text).to_numpy(dtype=object)
    elif default_category is not None:
        given = np.full(n, str(default_category), dtype=object)
    else:
        nothing = np.full(n, None, dtype=object)
        return _Categories(None, nothing, nothing, nothing, nothing, nothing, [])
    keys = np.full(n, None, dtype=object)
    zh = np.full(n, None, dtype=object)
    en = np.full(n, None, dtype=object)
    kinds = np.full(n, None, dtype=object)
    notes: list[str] = []
    lookup = registry_lookup(registry) if registry is not None else {}
    by_key = registry.set_index("key") if registry is not None else None
    user: dict[str, int] = {}
    for i, v in enumerate(given):
        if not v:
            if require:
                rows.reasons[i].append("missing category")
            continue
        key = lookup.get(norm_name(v))
        if key is not None and by_key is not None:
            keys[i], zh[i], en[i], kinds[i] = (
                key,
                by_key.at[key, "name_zh"],
                by_key.at[key, "name_en"],
                "registry",
            )
        elif strict and registry is not None:
            rows.reasons[i].append(
                f"unknown category {v!r} (known: "
                + ", ".join(registry["name_zh"].tolist()[:6])
                + "... - see corridor_geo.resources.category_registry(), or extend it)"
            )
        else:
            keys[i], zh[i], en[i], kinds[i] = v, v, v, "user"
            user[v] = user.get(v, 0) + 1
    if user and registry is not None:
        shown = ", ".join(f"{k!r} ({c})" for k, c in sorted(user.items(), key=lambda t: -t[1])[:8])
        n_user = sum(user.values())
        notes.append(
            f"{n_user} {'row has a category' if n_user == 1 else 'rows have categories'} "
            "outside the registry, kept as user "
            f"categories under their own names: {shown}; pass strict_categories=True to "
            "reject them, or extend the registry (extend_categories)"
        )
    return _Categories(col, keys, zh, en, kinds, given, notes)


def _weights(table: pd.DataFrame, weight: str | None, rows: _Rows) -> np.ndarray:
    if weight is None:
        return np.ones(rows.n)
    if weight not in table.columns:
        raise InputError(
            f"no weight column {weight!r}; the table has {listing(table.columns, quote=True)}"
        )
    w = _to_float(table[weight])
    bad = ~np.isfinite(w) | (w < 0)
    rows.reject(
        bad,
        np.array(
            [
                f"bad weight {_cell_text(v)!r} (must be a finite number >= 0)"
                if _cell_text(v)
                else f"missing weight (column {weight!r} is blank; weights are numbers >= 0)"
                for v in table[weight]
            ],
            dtype=object,
        ),
    )
    return w


# --------------------------------------------------------------------------------------
# GCJ-02 labelled WGS84
# --------------------------------------------------------------------------------------
MISLABEL_ADVICE = (
    "it is probably Amap/Tencent (GCJ-02) data labelled WGS84, about 450 m east of where "
    "it should be. Declare it: datum='GCJ02' (--datum GCJ02 on the command line), or "
    "corridor_geo.crs.set_datum(data, 'GCJ02')."
)


def looks_like_gcj02(
    xs: np.ndarray, ys: np.ndarray, usable: np.ndarray, city: Any, label: str
) -> bool:
    """Warn when points labelled WGS84 fall off the coast but land ashore as GCJ-02."""
    idx = np.flatnonzero(usable)
    if len(idx) < 3:
        return False
    x, y = xs[idx], ys[idx]
    as_is = shapely.intersects_xy(city, x, y)
    gx, gy = transform_coords(x, y, source="GCJ02", target="WGS84")
    as_gcj = shapely.intersects_xy(city, gx, gy)
    fixed = int((~as_is & as_gcj).sum())
    broken = int((as_is & ~as_gcj).sum())
    if fixed >= 3 and fixed > 3 * max(broken, 1):
        confidence = "strong" if fixed >= 10 and broken == 0 else "moderate"
        warnings.warn(
            f"{label}: {fixed} points labelled WGS84 fall outside Qingdao's land (mostly "
            f"just off the coast) but inside it when read as GCJ-02 ({broken} the other way; "
            f"{confidence} evidence): " + MISLABEL_ADVICE,
            DatumMislabelWarning,
            stacklevel=4,
        )
        return True
    return False


# Columns that name the district or sub-district a row says it lies in (as users write them).
ADMIN_COLUMNS = {
    "district": (
        "区",
        "区县",
        "区(市)",
        "区市",
        "所在区",
        "所在区县",
        "所在区市",
        "行政区",
        "district",
        "county",
    ),
    "subdistrict": (
        "街道",
        "街道/镇",
        "镇街",
        "乡镇",
        "街镇",
        "所在街道",
        "subdistrict",
        "township",
        "street",
    ),
}


# Other names users write for a district, by its code.
ADMIN_ALIASES = {"西海岸新区": "370211", "青岛西海岸新区": "370211", "西海岸": "370211"}


def _admin_key(value: Any) -> str:
    """A name or code as written, reduced for matching (suffixes 区/市/街道/镇 dropped)."""
    text = re.sub(r"\s+", "", _cell_text(value)).lower()
    text = re.sub(r"^(\d+)\.0+$", r"\1", text)  # a code read as a float (370212.0)
    text = re.sub(r"(district|subdistrict|township|town|street)$", "", text)
    for suffix in ("街道办事处", "街道", "区", "市", "镇"):
        if len(text) > len(suffix) + 1 and text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def _admin_lookup(zones: gpd.GeoDataFrame) -> dict[str, int]:
    """Row position of each zone by its reduced Chinese/English name and its code."""
    out: dict[str, int] = {}
    for i, row in enumerate(zones.itertuples(index=False)):
        for value in (getattr(row, "name_zh", None), getattr(row, "name_en", None)):
            if value is not None and _cell_text(value):
                out.setdefault(_admin_key(value), i)
        code = getattr(row, "code", None)
        if code is not None and _cell_text(code):
            out.setdefault(_admin_key(code), i)
    for alias, code in ADMIN_ALIASES.items():
        if code in out:
            out.setdefault(_admin_key(alias), out[code])
    return out


def _zone_of(zones: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row position of the zone holding each point (-1: none)."""
    out = np.full(len(x), -1)
    for i, geom in enumerate(zones.geometry.values):
        out[(out < 0) & shapely.contains_xy(geom, x, y)] = i
    return out


def admin_column(columns: Iterable[Any], kind: str) -> str | None:
    """The column naming each row's district (``kind="district"``) or sub-district."""
    names = {n.lower() for n in ADMIN_COLUMNS[kind]}
    return next((c for c in columns if str(c).strip().lower() in names), None)


def admin_says_gcj02(
    accepted: gpd.GeoDataFrame,
    admin: Mapping[str, gpd.GeoDataFrame] | Callable[[], Mapping[str, gpd.GeoDataFrame] | None],
    label: str,
    roles: Mapping[str, str],
) -> bool:
    """Warn when the district/sub-district a row names fits far better read as GCJ-02.

    A row whose table names its district (or 街道/镇) is a reference of its own: a point
    within about 450 m of an internal border lies in a neighbouring district when
    GCJ-02 coordinates are taken for WGS84.  Rows that fit only one reading decide;
    the rest (most, far from any border) say nothing.  The evidence is "strong" with
    10 or more such rows and none the other way, else "moderate".
    """
    found = False
    columns = {kind: admin_column(accepted.columns, kind) for kind in ADMIN_COLUMNS}
    if not any(columns.values()) or not len(accepted):
        return False
    layers = admin() if callable(admin) else admin  # built only for a table that needs it
    for kind, zones in (layers or {}).items():
        column = columns.get(kind)
        if column is None or zones is None or not len(zones):
            continue
        lookup = _admin_lookup(zones)
        stated = np.array([lookup.get(_admin_key(v), -1) for v in accepted[column]])
        known = stated >= 0
        if known.sum() < 3:
            continue
        xs = pd.to_numeric(accepted[roles["lon_source"]], errors="coerce").to_numpy(float)
        ys = pd.to_numeric(accepted[roles["lat_source"]], errors="coerce").to_numpy(float)
        x, y = xs[known], ys[known]
        as_is = _zone_of(zones, x, y) == stated[known]
        gx, gy = transform_coords(x, y, source="GCJ02", target="WGS84")
        as_gcj = _zone_of(zones, gx, gy) == stated[known]
        fixed = int((~as_is & as_gcj).sum())
        broken = int((as_is & ~as_gcj).sum())
        if fixed >= 3 and fixed > 3 * max(broken, 1):
            confidence = "strong" if fixed >= 10 and broken == 0 else "moderate"
            unit = "district" if kind == "district" else "sub-district (街道/镇)"
            warnings.warn(
                f"{label}: {fixed} of {int(known.sum())} points lie outside the {unit} their "
                f"column {column!r} names as labelled, but inside it when read as GCJ-02 "
                f"({broken} the other way; {confidence} evidence, from the rows near "
                "internal borders): " + MISLABEL_ADVICE,
                DatumMislabelWarning,
                stacklevel=4,
            )
            found = True
            break
    return found


def matches_gcj02(
    accepted: gpd.GeoDataFrame, reference: gpd.GeoDataFrame, label: str, roles: Mapping[str, str]
) -> bool:
    """Warn when named points match a reference far better read as GCJ-02."""
    name = roles["name"]
    if "name" not in reference.columns or accepted[name].isna().all():
        return False
    ref = to_datum(reference, "WGS84")
    ref = ref.loc[ref["name"].isin(accepted[name])].drop_duplicates("name")
    if len(ref) < 2:
        return False
    acc = accepted.loc[accepted[name].isin(ref["name"])].drop_duplicates(name)
    acc = acc.set_index(name).loc[ref["name"]]
    rx, ry = transform_xy(ref.geometry.x, ref.geometry.y, source=WGS84, target=ANALYSIS_CRS)
    ax, ay = transform_xy(acc.geometry.x, acc.geometry.y, source=WGS84, target=ANALYSIS_CRS)
    gx, gy = transform_xy(
        acc[roles["lon_source"]], acc[roles["lat_source"]], source="GCJ02", target=ANALYSIS_CRS
    )
    d_is = float(np.median(np.hypot(ax - rx, ay - ry)))
    d_gcj = float(np.median(np.hypot(gx - rx, gy - ry)))
    if d_is > 150.0 and d_gcj < 0.5 * d_is:
        confidence = "strong" if len(ref) >= 5 and d_gcj < 0.25 * d_is else "moderate"
        warnings.warn(
            f"{label}: {len(ref)} named points sit a median {d_is:.0f} m from their reference "
            f"positions as labelled, {d_gcj:.0f} m if read as GCJ-02 ({confidence} "
            "evidence): " + MISLABEL_ADVICE,
            DatumMislabelWarning,
            stacklevel=4,
        )
        return True
    return False
