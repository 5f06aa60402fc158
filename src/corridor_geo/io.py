"""Writing layers and tables atomically, in the formats and CRSs GIS staff ask for.

Every writer here writes to a temporary file in the destination folder and renames it
into place, so an interrupted or failed export never leaves a half-written file and
never destroys the previous one.  A Shapefile's parts (``.shp``, ``.shx``, ``.dbf``,
``.prj``, ``.cpg`` and the ``.fields.csv`` beside them) are written into a temporary
folder and moved in as a set: a failure part-way puts the whole old set back, and an
old spatial index (``.qix``, ``.sbn``...) is never left beside a new ``.shp``.  Every
file gets the mode a plain ``open()`` gives (``0o644`` under the usual umask).

Names
-----
Layer names become file names for every format but GeoPackage.  A name that is not a
plain file name is refused with :class:`~corridor_geo.InputError` rather than changed
(a silently renamed layer is a lost layer, and two names could map to one file):
empty names, ``.`` and ``..``, a leading dot, path separators (``/``, ``\\``), control
characters (NUL included), the characters Windows forbids (``<>:"|?*``), a trailing
space or dot, Windows' reserved device names (``CON``, ``NUL``, ``COM1``...) and names
longer than 200 bytes in UTF-8.  Two layers whose names differ only in case are refused
too (they would be one file on Windows and macOS).  GeoPackage layer names are table
names inside the file: only empty names and control characters are refused there.

Spreadsheet injection
---------------------
CSV and XLSX exports neutralise text cells (and column names) that a spreadsheet would
run as a formula: a text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading single quote, as OWASP's CSV-injection guidance recommends
(``neutralize_formulas=True``, the default).  Numbers are never touched, negative ones
included.  XLSX cells are always stored as values, never as live formulas, even with
``neutralize_formulas=False``.  GeoPackage, GeoJSON, Shapefile and GeoParquet keep the
text verbatim: GIS software does not evaluate it.

Numbers
-------
GeoPackage, GeoJSON and Shapefile get no infinite values: ``inf`` (an unreachable travel
time, a share of nothing) is written as NULL, as GeoJSON can hold no other value and QGIS
classifies and sums such a field only without them.  GeoParquet and CSV keep ``inf``.

Formats
-------
``gpkg``
    GeoPackage, any number of layers in one file.
``geojson``
    GeoJSON, one layer per file: RFC 7946 (WGS84) unless another CRS is asked for.
``shp``
    ESRI Shapefile, one layer per set of files, with a ``.cpg`` declaring UTF-8.
    Field names longer than 10 characters are shortened; the mapping is written to a
    ``<name>.fields.csv`` beside the ``.shp``.
``parquet``
    GeoParquet (needs ``pyarrow``: ``pip install "corridor-geo[scale]"``).
``csv``
    Points as ``lon``/``lat`` columns (``x``/``y`` in a projected CRS), other geometries
    as WKT in a ``wkt`` column; UTF-8 with a byte-order mark, so Excel shows Chinese, and
    CRLF line ends (RFC 4180), so that a field holding a line break is always quoted.

CRS
---
``crs=`` takes a datum name (``"WGS84"``, ``"CGCS2000"``, ``"GCJ02"``, ``"BD09"``) or
anything pyproj accepts (``"EPSG:4549"``).  Files in GCJ-02 or BD-09 (for overlays on
Chinese web maps) are named so that nobody mistakes them for WGS84: ``_gcj02`` /
``_bd09`` is appended to the file name unless it already says so, and the layers carry the
marker CRS of :mod:`corridor_geo.crs`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from pyproj.exceptions import CRSError

from . import _atomic
from ._errors import InputError
from ._qgis import store_styles, style_files
from .crs import datum_of, normalize_datum, to_datum

__all__ = [
    "FORMATS",
    "export_raster",
    "geometry_to_columns",
    "neutralize_formula",
    "shapefile_field_names",
    "write_bytes_atomic",
    "write_layers",
    "write_table_atomic",
    "write_text_atomic",
    "write_vector_atomic",
]

log = logging.getLogger(__name__)

FORMATS = {
    "gpkg": "GPKG",
    "geojson": "GeoJSON",
    "shp": "ESRI Shapefile",
    "parquet": "GeoParquet",
    "csv": "CSV",
}
_SUFFIX = {
    ".gpkg": "gpkg",
    ".geojson": "geojson",
    ".json": "geojson",
    ".shp": "shp",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".csv": "csv",
}
_EXTENSION = {
    "gpkg": ".gpkg",
    "geojson": ".geojson",
    "shp": ".shp",
    "parquet": ".parquet",
    "csv": ".csv",
}
_SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
# Companions other software leaves beside a .shp; stale ones must go with the old set.
_SHP_COMPANIONS = (".qix", ".sbn", ".sbx", ".fix", ".shp.xml", ".aih", ".ain", ".atx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{i}" for d in ("COM", "LPT") for i in range(10)}
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_MAX_NAME_BYTES = 200


def _format_of(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        key = fmt.lower().lstrip(".")
        if key == "json":
            key = "geojson"
        if key not in FORMATS:
            raise InputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        return key
    try:
        return _SUFFIX[path.suffix.lower()]
    except KeyError:
        raise InputError(
            f"cannot tell the format of {path.name!r} from its suffix: use .gpkg, "
            ".geojson or .shp, or pass fmt="
        ) from None


def _head(text: str, size: int) -> str:
    """The longest start of ``text`` that is at most ``size`` bytes in UTF-8 (whole characters)."""
    encoded = text.encode("utf-8")[:size]
    return encoded.decode("utf-8", errors="ignore")


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Map column names to unique Shapefile field names of at most 10 bytes in UTF-8.

    A dBASE field name holds 10 bytes: a Chinese character takes 3, so ``研发投入万元``
    becomes ``研发投`` (cut between characters, never inside one).

    Examples
    --------
    >>> shapefile_field_names(["name_zh", "official_area_km2", "official_area_m2"])
    {'name_zh': 'name_zh', 'official_area_km2': 'official_a', 'official_area_m2': 'officia_01'}
    >>> shapefile_field_names(["研发投入万元", "研发投入万元2"])
    {'研发投入万元': '研发投', '研发投入万元2': '研发_01'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = _head(str(col), 10)
        n = 0
        while name.lower() in used:
            n += 1
            suffix = f"_{n:02d}"
            name = _head(str(col), 10 - len(suffix)) + suffix
        used.add(name.lower())
        out[col] = name
    return out


def neutralize_formula(value: Any) -> Any:
    """Quote a text a spreadsheet would run as a formula; anything else is returned as is.

    A ``str`` beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote (OWASP's advice against CSV injection); removing that quote gives
    the text back.  Numbers, negative ones included, are not text and are not touched.

    Examples
    --------
    >>> print(neutralize_formula('=HYPERLINK("http://x","y")'))
    '=HYPERLINK("http://x","y")
    >>> neutralize_formula("-2+3"), neutralize_formula(-2), neutralize_formula("市南区")
    ("'-2+3", -2, '市南区')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _neutralized(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with formula-like text cells and column names quoted."""
    out = pd.DataFrame(table, copy=True)
    out.columns = [neutralize_formula(c) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype == object or isinstance(col.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            values = col.astype(object).map(neutralize_formula)
            if isinstance(col.dtype, pd.StringDtype):
                values = values.astype(col.dtype)
            out.isetitem(i, values)
    return out


def _check_layer_names(names: list[Any], *, files: bool) -> None:
    """Refuse layer names that cannot be plain file names (see the module notes)."""
    seen: dict[str, str] = {}
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"layer name {name!r}: give a non-empty text name")
        if not files:
            if re.search(r"[\x00-\x1f\x7f]", name):
                raise InputError(f"layer name {name!r} contains a control character")
            continue
        problem = None
        if name in (".", "..") or name.startswith("."):
            problem = "begins with a dot"
        elif _FORBIDDEN.search(name):
            problem = 'contains a path separator, a control character or one of <>:"|?*'
        elif name[-1] in " .":
            problem = "ends with a space or a dot"
        elif name.split(".")[0].strip().upper() in _RESERVED:
            problem = "is a device name reserved by Windows"
        elif len(name.encode("utf-8")) > _MAX_NAME_BYTES:
            problem = f"is longer than {_MAX_NAME_BYTES} bytes"
        if problem:
            raise InputError(
                f"layer name {name!r} {problem}: layers are written as files named after "
                "them, so use letters, digits, '_' and '-' (rename the layer)"
            )
        key = name.casefold()
        if key in seen:
            raise InputError(
                f"layer names {seen[key]!r} and {name!r} differ only in case: they would be "
                "one file on Windows and macOS; rename one"
            )
        seen[key] = name


def _prepare(frame: gpd.GeoDataFrame, crs_target: str | None) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"expected a GeoDataFrame, got {type(frame).__name__}")
    if frame.crs is None:
        raise InputError("the layer has no CRS; set one before writing")
    if crs_target is None:
        return frame
    try:
        datum = normalize_datum(crs_target)
    except InputError:
        datum = None
    if datum is not None:
        return to_datum(frame, datum)
    try:
        target = CRS.from_user_input(crs_target)
    except CRSError as exc:
        raise InputError(
            f"unknown CRS {crs_target!r}: use WGS84, CGCS2000, GCJ02, BD09 or an EPSG code "
            "such as EPSG:4549"
        ) from exc
    if datum_of(frame) in ("GCJ02", "BD09"):
        frame = to_datum(frame, "WGS84")
    return frame.to_crs(target)


def write_vector_atomic(
    frame: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    fmt: str | None = None,
    crs: str | None = None,
    precision: int | None = None,
    neutralize_formulas: bool = True,
) -> Path:
    """Write one layer to GeoPackage, GeoJSON or Shapefile, atomically.

    Parameters
    ----------
    frame : GeoDataFrame
        Must have a CRS.
    path : path-like
        Destination; its suffix gives the format unless ``fmt`` is given.  An
        existing file is replaced only once the new one is complete.
    layer : str, optional
        Layer name (GeoPackage); defaults to the file stem.
    fmt : {"gpkg", "geojson", "shp"}, optional
    crs : str, optional
        Write in this CRS: a datum name (``"WGS84"``, ``"CGCS2000"``, ``"GCJ02"``,
        ``"BD09"``) or anything pyproj accepts (``"EPSG:4549"``).
    precision : int, optional
        Decimal places of coordinates in GeoJSON.
    neutralize_formulas : bool
        For CSV output: quote text cells a spreadsheet would run as formulas (see the
        module notes).  Other formats keep the text verbatim.

    Returns
    -------
    pathlib.Path
        The written path.

    Examples
    --------
    >>> import geopandas as gpd, shapely, tempfile, pathlib
    >>> gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(120.4, 36.1)],
    ...                        crs="EPSG:4326")
    >>> out = write_vector_atomic(gdf, pathlib.Path(tempfile.mkdtemp()) / "a.geojson")
    >>> gpd.read_file(out)["name"].tolist()
    ['a']
    """
    return write_layers(
        {layer or Path(path).stem: frame},
        path,
        fmt=fmt,
        crs=crs,
        precision=precision,
        neutralize_formulas=neutralize_formulas,
    )[0]


def _datum_tag(frame: gpd.GeoDataFrame) -> str | None:
    datum = datum_of(frame)
    return {"GCJ02": "gcj02", "BD09": "bd09"}.get(datum or "")


def _tagged(path: Path, tag: str | None) -> Path:
    """``name.ext`` -> ``name_gcj02.ext`` for GCJ-02/BD-09 output, once."""
    if tag is None or tag in path.stem.lower():
        return path
    return path.with_name(f"{path.stem}_{tag}{path.suffix}")


def write_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    crs: str | None = None,
    precision: int | None = None,
    neutralize_formulas: bool = True,
) -> list[Path]:
    """Write several layers: into one GeoPackage, or one file per layer otherwise.

    For GeoJSON, Shapefile, GeoParquet and CSV, ``path`` is a folder and each layer goes
    to ``<folder>/<layer>.<suffix>`` (a single layer may also be given a file name); for
    GeoPackage it is the file.  See :func:`write_vector_atomic` for the other parameters
    and the module notes for how GCJ-02/BD-09 files are named and which layer names are
    refused (a name is never allowed to lead outside the folder).

    Returns
    -------
    list of pathlib.Path
        The files written (for Shapefile, the ``.shp`` of each layer).

    Examples
    --------
    >>> import geopandas as gpd, shapely, tempfile, pathlib
    >>> pts = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(120.4, 36.1)],
    ...                        crs="EPSG:4326")
    >>> lines = gpd.GeoDataFrame({"name": ["b"]},
    ...     geometry=[shapely.LineString([(120.4, 36.1), (120.5, 36.2)])], crs="EPSG:4326")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "both.gpkg"
    >>> _ = write_layers({"points": pts, "lines": lines}, out, crs="EPSG:4549")
    >>> gpd.read_file(out, layer="lines").crs.to_epsg()
    4549
    >>> [p.name for p in write_layers({"points": pts}, out.parent / "amap", fmt="csv",
    ...                               crs="GCJ02")]
    ['points_gcj02.csv']
    """
    path = Path(path)
    if not layers:
        raise InputError("no layers to write")
    single = len(layers) == 1 and path.suffix.lower() in _SUFFIX
    kind = _format_of(path, fmt) if (fmt is not None or path.suffix) else None
    if kind is None:
        raise InputError(
            f"cannot tell the format of {path.name!r}: give a file suffix or fmt= "
            f"({', '.join(FORMATS)})"
        )
    names = list(layers)
    _check_layer_names(names, files=kind != "gpkg" and not single)
    prepared = {name: _prepare(frame, crs) for name, frame in layers.items()}
    if kind in ("gpkg", "geojson", "shp"):
        prepared = {name: _without_infinities(name, frame) for name, frame in prepared.items()}
    tag = _datum_tag(next(iter(prepared.values())))
    if kind == "gpkg":
        target = _tagged(path, tag)

        def write_gpkg(tmp: Path) -> None:
            from pyogrio.errors import DataLayerError

            for name, frame in prepared.items():
                try:
                    frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
                except DataLayerError as exc:
                    raise InputError(f"layer name {name!r}: GDAL refuses it ({exc})") from exc
            store_styles(tmp, prepared)  # QGIS opens each layer styled (layer_styles table)

        return [_atomic.write_atomic(target, write_gpkg)]
    suffix = _EXTENSION[kind]
    targets = (
        {next(iter(prepared)): path}
        if single
        else {name: path / f"{name}{suffix}" for name in prepared}
    )
    written = []
    for name, frame in prepared.items():
        target = _tagged(targets[name], tag)
        if kind == "geojson":
            _write_geojson(frame, target, precision=precision)
        elif kind == "shp":
            _write_shapefile(frame, target, neutralize_formulas=neutralize_formulas)
        elif kind == "parquet":
            _write_parquet(frame, target)
        else:
            write_table_atomic(
                geometry_to_columns(frame), target, neutralize_formulas=neutralize_formulas
            )
        written.append(target)
        if kind in ("geojson", "shp"):  # QGIS loads <name>.qml beside the file as its style
            columns = [c for c in frame.columns if c != frame.geometry.name]
            fields = shapefile_field_names(columns) if kind == "shp" else None
            for suffix, text in style_files(name, frame, fields=fields).items():
                write_text_atomic(text, target.with_suffix(suffix))
    return written


def _without_infinities(name: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with infinite floats as missing values (NULL in GIS files; see the notes)."""
    columns = [
        c
        for c in frame.columns
        if c != frame.geometry.name
        and pd.api.types.is_float_dtype(frame[c])
        and np.isinf(frame[c].to_numpy(dtype=float, na_value=np.nan)).any()
    ]
    if not columns:
        return frame
    out = frame.copy()
    for column in columns:
        values = out[column].to_numpy(dtype=float, na_value=np.nan)
        log.info(
            "layer %s: %d infinite values of %s written as NULL",
            name,
            int(np.isinf(values).sum()),
            column,
        )
        out[column] = np.where(np.isinf(values), np.nan, values)
    return out


def _write_geojson(frame: gpd.GeoDataFrame, target: Path, *, precision: int | None) -> None:
    options = {}
    if datum_of(frame) == "WGS84" and frame.crs.is_geographic:
        options["RFC7946"] = "YES"
    if precision is not None:
        options["COORDINATE_PRECISION"] = str(precision)
    _atomic.write_atomic(
        target,
        lambda tmp: frame.to_file(
            tmp, driver="GeoJSON", engine="pyogrio", layer=target.stem, layer_options=options
        ),
    )


def _write_parquet(frame: gpd.GeoDataFrame, target: Path) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise ImportError('GeoParquet needs pyarrow: pip install "corridor-geo[scale]"') from exc
    _atomic.write_atomic(target, lambda tmp: frame.to_parquet(tmp, index=False))


def geometry_to_columns(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """A plain table: points as lon/lat (x/y if projected), other geometries as WKT.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(120.4, 36.1)],
    ...                        crs="EPSG:4326")
    >>> geometry_to_columns(pts).to_dict("records")
    [{'name': 'a', 'lon': 120.4, 'lat': 36.1}]
    """
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    geoms = frame.geometry
    if len(geoms) and geoms.geom_type.eq("Point").all():
        xname, yname = (
            ("lon", "lat") if frame.crs is None or frame.crs.is_geographic else ("x", "y")
        )
        table[xname] = geoms.x.to_numpy()
        table[yname] = geoms.y.to_numpy()
    else:
        table["wkt"] = geoms.to_wkt(rounding_precision=-1).to_numpy()
    return table


def _write_shapefile(
    frame: gpd.GeoDataFrame, target: Path, *, neutralize_formulas: bool = True
) -> None:
    """Write the parts into a temporary folder, then move them in as one set."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    mapping = shapefile_field_names(columns)
    renamed = frame.rename(columns=mapping)
    stem = target.name[: -len(target.suffix)]
    fields = pd.DataFrame({"column": list(mapping), "shapefile_field": list(mapping.values())})
    with _atomic.staged_folder(target) as staged:
        shp = staged / f"{stem}.shp"
        renamed.to_file(
            shp, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8", layer=stem
        )
        if not shp.with_suffix(".cpg").exists():
            shp.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
        write_table_atomic(
            fields, staged / f"{stem}.fields.csv", neutralize_formulas=neutralize_formulas
        )
        parts = {
            f"{stem}{part}": target.with_name(f"{stem}{part}")
            for part in (*_SHP_PARTS, ".fields.csv")
            if (staged / f"{stem}{part}").exists()
        }
        old_only = tuple(
            target.with_name(f"{stem}{part}")
            for part in (*_SHP_PARTS, *_SHP_COMPANIONS, ".fields.csv")
            if f"{stem}{part}" not in parts
        )
        _atomic.replace_file_set(staged, parts, extra=old_only)


def write_table_atomic(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    neutralize_formulas: bool = True,
) -> Path:
    """Write a DataFrame to CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX, atomically.

    Parameters
    ----------
    table : DataFrame
    path : path-like
        A ``.csv`` or ``.xlsx`` file.
    neutralize_formulas : bool
        Quote text cells and column names that a spreadsheet would run as formulas
        (leading ``=``, ``+``, ``-``, ``@``, tab, carriage return; see
        :func:`neutralize_formula`).  Default True; numbers are never changed.  XLSX cells
        are stored as values, never as live formulas, either way.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> p = write_table_atomic(pd.DataFrame({"a": [1, -2], "b": ["=1+1", "x"]}), out)
    >>> p.read_text(encoding="utf-8-sig").splitlines()
    ['a,b', "1,'=1+1", '-2,x']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"write_table_atomic writes .csv or .xlsx; got {path.name!r}")
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"write_table_atomic writes a DataFrame, got {type(table).__name__}")
    frame = _neutralized(table) if neutralize_formulas else table
    if suffix == ".csv":
        # CRLF line ends (RFC 4180), so that a field holding a lone carriage return is
        # quoted: unquoted, spreadsheets start a new row there, and a new cell with it.
        return _atomic.write_atomic(
            path,
            lambda tmp: frame.to_csv(
                tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n"
            ),
        )
    return _atomic.write_atomic(path, lambda tmp: _write_xlsx(frame, tmp))


def _write_xlsx(table: pd.DataFrame, path: Path) -> None:
    """XLSX with every cell a value: openpyxl would store text beginning with '=' as a
    formula, so such cells are turned back into text."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        table.to_excel(writer, index=False)
        for sheet in writer.sheets.values():
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"


def write_bytes_atomic(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write bytes to ``path`` through a temporary file and a rename.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_bytes_atomic(b"abc", pathlib.Path(tempfile.mkdtemp()) / "x.bin")
    >>> p.read_bytes()
    b'abc'
    """
    return _atomic.write_atomic(path, lambda tmp: tmp.write_bytes(data))


def write_text_atomic(text: str, path: str | os.PathLike[str]) -> Path:
    """Write UTF-8 text to ``path`` through a temporary file and a rename.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_text_atomic("青岛", pathlib.Path(tempfile.mkdtemp()) / "x.txt")
    >>> p.read_text(encoding="utf-8")
    '青岛'
    """
    return write_bytes_atomic(text.encode("utf-8"), path)


def export_raster(
    raster: Any,
    path: str | os.PathLike[str],
    *,
    crs: str = "EPSG:4549",
    resolution: float | None = None,
) -> Path:
    """Write a raster (a :class:`~corridor_geo.raster.Raster` or a GeoTIFF path) in any CRS.

    Parameters
    ----------
    raster : Raster or path
    path : path-like
        A ``.tif`` file; for GCJ-02/BD-09 output ``_gcj02``/``_bd09`` is appended to the
        name (see the module notes).
    crs : str
        ``"EPSG:4549"`` (default), ``"WGS84"``, ``"CGCS2000"``, ``"GCJ02"``, ``"BD09"`` or
        any CRS pyproj knows.  GDAL cannot warp into GCJ-02/BD-09 (they are not map
        projections), so those are resampled here: the raster is reprojected to WGS84,
        then every output cell centre is converted to WGS84 with the exact inverse and
        sampled bilinearly.
    resolution : float, optional
        Output cell size in the target CRS's units.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import numpy as np, rasterio, tempfile, pathlib
    >>> from affine import Affine
    >>> from corridor_geo.raster import Raster
    >>> r = Raster(np.ones((40, 40)), Affine(100, 0, 540000, 0, -100, 4010000), "EPSG:4549")
    >>> out = export_raster(r, pathlib.Path(tempfile.mkdtemp()) / "r.tif", crs="GCJ02")
    >>> out.name
    'r_gcj02.tif'
    >>> with rasterio.open(out) as src:
    ...     "GCJ-02" in src.crs.to_wkt()
    True
    """
    from .raster import Raster, read_raster, reproject_raster, write_geotiff

    path = Path(path)
    try:
        datum = normalize_datum(crs)
    except InputError:
        datum = None
    source = read_raster(raster) if not isinstance(raster, Raster) else raster
    if datum in ("GCJ02", "BD09"):
        wgs = reproject_raster(source, crs="EPSG:4326", resolution=resolution)
        out = _warp_to_offset_datum(wgs, datum)
        return write_geotiff(out, _tagged(path, datum.lower()))
    target = {"WGS84": "EPSG:4326", "CGCS2000": "EPSG:4490"}.get(datum or "", crs)
    try:
        target_crs = CRS.from_user_input(target)
    except CRSError as exc:
        raise InputError(f"unknown CRS {crs!r} for the raster") from exc
    if source.crs.equals(target_crs) and resolution is None:
        return write_geotiff(source, path)
    return write_geotiff(reproject_raster(source, crs=target_crs, resolution=resolution), path)


def _warp_to_offset_datum(wgs: Any, datum: str) -> Any:
    """Resample a WGS84 raster onto a regular GCJ-02/BD-09 grid (exact per cell centre)."""
    import numpy as np
    from affine import Affine
    from scipy.ndimage import map_coordinates

    from .crs import DATUMS, transform_coords
    from .raster import Raster

    h, w = wgs.shape
    t = wgs.transform
    west, north = t.c, t.f
    east, south = west + w * t.a, north + h * t.e
    corners_lon, corners_lat = transform_coords(
        np.array([west, east, west, east]),
        np.array([north, north, south, south]),
        source="WGS84",
        target=datum,
    )
    g_west, g_east = float(corners_lon.min()), float(corners_lon.max())
    g_south, g_north = float(corners_lat.min()), float(corners_lat.max())
    width = max(1, round((g_east - g_west) / t.a))
    height = max(1, round((g_north - g_south) / -t.e))
    transform = Affine(t.a, 0.0, g_west, 0.0, t.e, g_north)
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    lon_g = g_west + cols * t.a
    lat_g = g_north + rows * t.e
    lon_w, lat_w = transform_coords(lon_g, lat_g, source=datum, target="WGS84")
    src_col = (lon_w - west) / t.a - 0.5
    src_row = (lat_w - north) / t.e - 0.5
    values = np.where(wgs.valid(), wgs.values, np.nan).astype(float)
    out = map_coordinates(values, [src_row, src_col], order=1, mode="constant", cval=np.nan)
    return Raster(out, transform, DATUMS[datum], nodata=wgs.nodata, tags=dict(wgs.tags))
