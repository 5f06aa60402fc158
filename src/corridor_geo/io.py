"""Writing layers and tables atomically, in the formats and CRSs GIS staff ask for.

Every writer here writes to a temporary file in the destination folder and renames it
into place, so an interrupted or failed export never leaves a half-written file and
never destroys the previous one.

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
    as WKT in a ``wkt`` column; UTF-8 with a byte-order mark, so Excel shows Chinese.

CRS
---
``crs=`` takes a datum name (``"WGS84"``, ``"CGCS2000"``, ``"GCJ02"``, ``"BD09"``) or
anything pyproj accepts (``"EPSG:4549"``).  Files in GCJ-02 or BD-09 (for overlays on
Chinese web maps) are named so that nobody mistakes them for WGS84: ``_gcj02`` /
``_bd09`` is appended to the file name unless it already says so, and the layers carry the
marker CRS of :mod:`corridor_geo.crs`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS
from pyproj.exceptions import CRSError

from ._errors import InputError
from ._qgis import store_styles, style_files
from .crs import datum_of, normalize_datum, to_datum

__all__ = [
    "FORMATS",
    "export_raster",
    "geometry_to_columns",
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


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Map column names to unique Shapefile field names of at most 10 characters.

    Examples
    --------
    >>> shapefile_field_names(["name_zh", "official_area_km2", "official_area_m2"])
    {'name_zh': 'name_zh', 'official_area_km2': 'official_a', 'official_area_m2': 'officia_01'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = col[:10]
        n = 0
        while name.lower() in used:
            n += 1
            suffix = f"_{n:02d}"
            name = col[: 10 - len(suffix)] + suffix
        used.add(name.lower())
        out[col] = name
    return out


@contextlib.contextmanager
def _temporary_sibling(path: Path, suffix: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # GDAL wants to create the file itself
    tmp_path = Path(tmp)
    try:
        yield tmp_path
    finally:
        for part in [tmp_path, *(tmp_path.with_suffix(s) for s in _SHP_PARTS)]:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()


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
        {layer or Path(path).stem: frame}, path, fmt=fmt, crs=crs, precision=precision
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
) -> list[Path]:
    """Write several layers: into one GeoPackage, or one file per layer otherwise.

    For GeoJSON, Shapefile, GeoParquet and CSV, ``path`` is a folder and each layer goes
    to ``<folder>/<layer>.<suffix>`` (a single layer may also be given a file name); for
    GeoPackage it is the file.  See :func:`write_vector_atomic` for the other parameters
    and the module notes for how GCJ-02/BD-09 files are named.

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
    prepared = {name: _prepare(frame, crs) for name, frame in layers.items()}
    tag = _datum_tag(next(iter(prepared.values())))
    if kind == "gpkg":
        target = _tagged(path, tag)
        with _temporary_sibling(target, ".gpkg") as tmp:
            for name, frame in prepared.items():
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
            store_styles(tmp, prepared)  # QGIS opens each layer styled (layer_styles table)
            os.replace(tmp, target)
        return [target]
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
            _write_shapefile(frame, target)
        elif kind == "parquet":
            _write_parquet(frame, target)
        else:
            write_table_atomic(geometry_to_columns(frame), target)
        written.append(target)
        if kind in ("geojson", "shp"):  # QGIS loads <name>.qml beside the file as its style
            columns = [c for c in frame.columns if c != frame.geometry.name]
            fields = shapefile_field_names(columns) if kind == "shp" else None
            for suffix, text in style_files(name, frame, fields=fields).items():
                write_text_atomic(text, target.with_suffix(suffix))
    return written


def _write_geojson(frame: gpd.GeoDataFrame, target: Path, *, precision: int | None) -> None:
    options = {}
    if datum_of(frame) == "WGS84" and frame.crs.is_geographic:
        options["RFC7946"] = "YES"
    if precision is not None:
        options["COORDINATE_PRECISION"] = str(precision)
    with _temporary_sibling(target, ".geojson") as tmp:
        frame.to_file(
            tmp, driver="GeoJSON", engine="pyogrio", layer=target.stem, layer_options=options
        )
        os.replace(tmp, target)


def _write_parquet(frame: gpd.GeoDataFrame, target: Path) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise ImportError('GeoParquet needs pyarrow: pip install "corridor-geo[scale]"') from exc
    with _temporary_sibling(target, ".parquet") as tmp:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)


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


def _write_shapefile(frame: gpd.GeoDataFrame, target: Path) -> None:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    mapping = shapefile_field_names(columns)
    renamed = frame.rename(columns=mapping)
    with _temporary_sibling(target, ".shp") as tmp:
        renamed.to_file(
            tmp, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8", layer=target.stem
        )
        cpg = tmp.with_suffix(".cpg")
        if not cpg.exists():
            cpg.write_text("UTF-8", encoding="ascii")
        for part in _SHP_PARTS:
            src = tmp.with_suffix(part)
            if src.exists():
                os.replace(src, target.with_suffix(part))
    table = pd.DataFrame({"column": list(mapping), "shapefile_field": list(mapping.values())})
    write_table_atomic(table, target.with_suffix(".fields.csv"))


def write_table_atomic(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a DataFrame to CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX, atomically.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> p = write_table_atomic(pd.DataFrame({"a": [1]}), out)
    >>> p.read_text(encoding="utf-8-sig").splitlines()
    ['a', '1']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"write_table_atomic writes .csv or .xlsx; got {path.name!r}")
    with _temporary_sibling(path, suffix) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            table.to_excel(tmp, index=False, engine="openpyxl")
        os.replace(tmp, path)
    return path


def write_bytes_atomic(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write bytes to ``path`` through a temporary file and a rename.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_bytes_atomic(b"abc", pathlib.Path(tempfile.mkdtemp()) / "x.bin")
    >>> p.read_bytes()
    b'abc'
    """
    path = Path(path)
    with _temporary_sibling(path, path.suffix or ".tmp") as tmp:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path


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
