"""Partitioned points: dask-geopandas frames and (Geo)Parquet files, partition by partition.

The machinery behind :mod:`corridor_geo.scale` (private).  A partitioned input is turned
into a list of tasks, each giving one partition as :class:`~corridor_geo._points.MetricPoints`
(EPSG:4549 coordinates and the columns the analysis needs); the analysis reduces each to
a small partial result and the partials are combined in a tree, on dask's current
scheduler or on a ``dask.distributed`` client.

A (Geo)Parquet path is read with pyarrow directly, row group by row group: only the
needed columns, and the point coordinates without building geometries - GeoArrow
``point`` columns are read as arrays, WKB points are decoded with numpy (a 2-D point is
21 bytes: byte order, type, x, y), anything else falls back to shapely.  A
dask-geopandas GeoDataFrame is used partition by partition as dask gives them.
"""

from __future__ import annotations

import functools
import json
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import DataFileError, InputError, MissingCRSError
from ._points import MetricPoints, metric_points, weights
from ._text import listing
from .crs import ANALYSIS_CRS, DATUMS, normalize_datum, transform_xy

PARQUET_SUFFIXES = (".parquet", ".geoparquet", ".parq", ".pq")
"""File name endings read as (Geo)Parquet."""

HINT = 'install the scale extra: pip install "corridor-geo[scale]"'
XY_NAMES = (("lon", "lat"), ("lng", "lat"), ("longitude", "latitude"), ("x", "y"))
ROWS_PER_TASK = 2_000_000  # Parquet row groups are batched into tasks of about this many rows


def require_dask() -> None:
    """Raise an ImportError with the install hint when dask-geopandas is missing."""
    try:
        import dask  # noqa: F401
        import dask_geopandas  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the test environment has them
        raise ImportError(f"partitioned data needs dask-geopandas: {HINT}") from exc


def parquet_files(path: Path) -> list[Path]:
    """The Parquet files of a file or folder (hidden files left out), sorted."""
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.suffix.lower() in PARQUET_SUFFIXES and not p.name.startswith(".")
        )
    return [path] if path.suffix.lower() in PARQUET_SUFFIXES else []


def is_parquet_path(obj: Any) -> bool:
    """Whether ``obj`` is a path to a Parquet file or a folder holding Parquet files."""
    if not isinstance(obj, (str, os.PathLike)):
        return False
    path = Path(obj)
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return True
    return path.is_dir() and bool(parquet_files(path))


def crs_from(crs: Any) -> Any:
    """A pyproj CRS from a datum name (``"GCJ02"``...) or anything pyproj accepts."""
    from pyproj import CRS

    if isinstance(crs, str):
        try:
            return DATUMS[normalize_datum(crs)]
        except InputError:
            pass
    return CRS.from_user_input(crs)


def is_dask(obj: Any) -> bool:
    """Whether ``obj`` is a dask collection (by its module, without importing dask)."""
    module = type(obj).__module__
    return module.startswith("dask_geopandas") or module.startswith("dask.")


# --------------------------------------------------------------------------------------
# Parquet, read directly
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParquetPoints:
    """A (Geo)Parquet dataset of points, described once from its first file's schema."""

    path: Path
    files: tuple[Path, ...]
    crs: Any
    geometry: str | None  # GeoParquet geometry column, or None for x/y columns
    encoding: str  # "WKB", "point" or "xy"
    xy: tuple[str, str] | None
    columns: tuple[str, ...]

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, crs: Any = None) -> ParquetPoints:
        """Describe a Parquet file or folder; plain Parquet needs ``crs`` for its x/y."""
        import pyarrow.parquet as pq

        p = Path(path)
        if not p.exists():
            raise DataFileError(f"no such file or folder: {str(p)!r}")
        files = parquet_files(p)
        if not files:
            raise DataFileError(
                f"{str(p)!r} holds no Parquet file (names ending {', '.join(PARQUET_SUFFIXES)})"
            )
        try:
            schema = pq.read_schema(files[0])
        except Exception as exc:
            raise DataFileError(f"cannot read {files[0].name!r} as Parquet: {exc}") from exc
        meta = schema.metadata or {}
        names = tuple(schema.names)
        if b"geo" in meta:
            geo = json.loads(meta[b"geo"])
            name = geo.get("primary_column", "geometry")
            info = geo.get("columns", {}).get(name, {})
            encoding = str(info.get("encoding", "WKB"))
            if encoding not in ("WKB", "point"):
                raise InputError(
                    f"{p.name}: geometry encoding {encoding!r} is not points; corridor_geo "
                    "reads GeoParquet points encoded as WKB or GeoArrow 'point'"
                )
            file_crs: Any
            if "crs" not in info:
                file_crs = DATUMS["WGS84"]  # the GeoParquet default: OGC:CRS84
            elif info["crs"] is None:
                file_crs = None
            else:
                from pyproj import CRS

                file_crs = CRS.from_user_input(info["crs"])
            if crs is not None:
                wanted = crs_from(crs)
                if file_crs is not None and not file_crs.equals(wanted):
                    raise InputError(
                        f"{p.name} is in {file_crs.name!r}, not {wanted.name!r}: leave crs out "
                        "to use the file's CRS"
                    )
                file_crs = wanted
            if file_crs is None:
                raise MissingCRSError(
                    f"{p.name} has no CRS: pass crs='EPSG:4326' (or a datum name such as "
                    "'GCJ02') to say which it is"
                )
            others = tuple(n for n in names if n != name)
            return cls(p, tuple(files), file_crs, name, encoding, None, others)
        if crs is None:
            raise MissingCRSError(
                f"{p.name} is plain Parquet (no GeoParquet metadata): pass crs='EPSG:4326' "
                "(or 'CGCS2000', 'GCJ02', 'BD09', any EPSG code) for its coordinates"
            )
        lower = {n.lower(): n for n in names}
        found = [(lower[a], lower[b]) for a, b in XY_NAMES if a in lower and b in lower]
        if not found:
            raise InputError(
                f"{p.name} has no coordinate columns (lon/lat, longitude/latitude or x/y) "
                f"among {listing(names, quote=True)}"
            )
        xy = found[0]
        others = tuple(n for n in names if n not in xy)
        return cls(p, tuple(files), crs_from(crs), None, "xy", xy, others)

    def pieces(self, rows_per_task: int = ROWS_PER_TASK) -> list[tuple[Path, tuple[int, ...]]]:
        """Tasks: (file, row groups) batches of about ``rows_per_task`` rows each."""
        import pyarrow.parquet as pq

        out: list[tuple[Path, tuple[int, ...]]] = []
        for f in self.files:
            meta = pq.ParquetFile(f).metadata
            batch: list[int] = []
            rows = 0
            for g in range(meta.num_row_groups):
                batch.append(g)
                rows += meta.row_group(g).num_rows
                if rows >= rows_per_task:
                    out.append((f, tuple(batch)))
                    batch, rows = [], 0
            if batch or meta.num_row_groups == 0:
                out.append((f, tuple(batch)))
        return out

    def read(
        self, piece: tuple[Path, tuple[int, ...]], columns: Sequence[str], weight: str | None
    ) -> MetricPoints:
        """One task's points in EPSG:4549 with the needed columns."""
        import pyarrow.parquet as pq

        path, groups = piece
        wanted = [c for c in dict.fromkeys(columns) if c in self.columns]
        if weight is not None and weight in self.columns and weight not in wanted:
            wanted.append(weight)
        geom_cols = [self.geometry] if self.geometry else list(self.xy or ())
        # Group columns come as dictionaries (categoricals): no Python string per row.
        text = [c for c in columns if c in self.columns]
        table = pq.ParquetFile(path, read_dictionary=text).read_row_groups(
            list(groups), columns=[*wanted, *geom_cols]
        )
        if self.encoding == "xy":
            assert self.xy is not None
            sx = _column_floats(table.column(self.xy[0]))
            sy = _column_floats(table.column(self.xy[1]))
        elif self.encoding == "point":
            sx, sy = _geoarrow_xy(table.column(self.geometry))
        else:
            sx, sy = _wkb_xy(table.column(self.geometry))
        x, y = transform_xy(sx, sy, source=self.crs, target=ANALYSIS_CRS)
        frame = table.select(wanted).to_pandas() if wanted else pd.DataFrame(index=range(len(x)))
        data: dict[str, Any] = {
            c: (
                frame[c].array
                if isinstance(frame[c].dtype, pd.CategoricalDtype)
                else frame[c].to_numpy(dtype=object)
            )
            for c in columns
        }
        data["__weight__"] = weights(frame, weight, what=f"{path.name}")
        bad = ~(np.isfinite(x) & np.isfinite(y))
        if bad.any():
            raise InputError(
                f"{path.name}: {int(bad.sum())} rows have missing or non-finite coordinates"
            )
        return MetricPoints(x, y, pd.RangeIndex(len(x)), data)


def _column_floats(col: Any) -> np.ndarray:
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)


def _geoarrow_xy(col: Any) -> tuple[np.ndarray, np.ndarray]:
    import pyarrow as pa

    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    xs, ys = [], []
    for chunk in chunks:
        if chunk.null_count:
            raise InputError("the GeoParquet point column has missing geometries")
        xs.append(np.asarray(chunk.field("x").to_numpy(zero_copy_only=False), dtype=float))
        ys.append(np.asarray(chunk.field("y").to_numpy(zero_copy_only=False), dtype=float))
    if not xs:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ys)


def _wkb_xy(col: Any) -> tuple[np.ndarray, np.ndarray]:
    """x/y of WKB points; 2-D little-endian points decoded with numpy, others by shapely."""
    import pyarrow as pa

    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    xs, ys = [], []
    for chunk in chunks:
        x, y = _wkb_chunk_xy(chunk)
        xs.append(x)
        ys.append(y)
    if not xs:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ys)


def _wkb_chunk_xy(chunk: Any) -> tuple[np.ndarray, np.ndarray]:
    n = len(chunk)
    if n == 0:
        return np.empty(0), np.empty(0)
    if chunk.null_count == 0 and chunk.type in (_pa_binary(), _pa_large_binary()):
        buffers = chunk.buffers()
        offset_type = np.int64 if chunk.type == _pa_large_binary() else np.int32
        offsets = np.frombuffer(buffers[1], dtype=offset_type)[chunk.offset : chunk.offset + n + 1]
        start = int(offsets[0])
        if np.all(np.diff(offsets) == 21):
            raw = np.frombuffer(buffers[2], dtype=np.uint8)[start : start + 21 * n].reshape(n, 21)
            header = raw[:, :5]
            # byte order 1 (little-endian), geometry type 1 (Point, 2-D) as uint32 LE
            if (header == np.array([1, 1, 0, 0, 0], dtype=np.uint8)).all():
                coords = np.ascontiguousarray(raw[:, 5:]).view("<f8").reshape(n, 2)
                return coords[:, 0].astype(float), coords[:, 1].astype(float)
    import shapely

    geoms = shapely.from_wkb(np.asarray(chunk.to_numpy(zero_copy_only=False), dtype=object))
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise InputError(f"{int(missing.sum())} rows of the GeoParquet file have no geometry")
    if (shapely.get_type_id(geoms) != 0).any():
        raise InputError("the GeoParquet geometries must be points")
    return np.asarray(shapely.get_x(geoms), float), np.asarray(shapely.get_y(geoms), float)


@functools.cache
def _pa_binary() -> Any:
    import pyarrow as pa

    return pa.binary()


@functools.cache
def _pa_large_binary() -> Any:
    import pyarrow as pa

    return pa.large_binary()


# --------------------------------------------------------------------------------------
# Parquet as a lazy dask-geopandas frame
# --------------------------------------------------------------------------------------
def read_parquet_frame(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
    index: str | None = None,
    split_row_groups: bool | int | str = "infer",
    crs: Any = None,
    xy: tuple[str, str] | None = None,
) -> Any:
    """Open (Geo)Parquet points as a partitioned dask-geopandas GeoDataFrame (lazy).

    The implementation of :func:`corridor_geo.scale.read_parquet_points` (its docstring
    has the parameters); raises ``DataFileError`` for a missing path and
    ``MissingCRSError`` for plain Parquet without ``crs``.
    """
    require_dask()
    import dask.dataframe as dd
    import dask_geopandas
    import pyarrow.parquet as pq

    p = Path(path)
    if not p.exists():
        raise DataFileError(f"no such file or folder: {str(p)!r}")
    files = parquet_files(p)
    if not files:
        raise DataFileError(
            f"{str(p)!r} holds no Parquet file (names ending {', '.join(PARQUET_SUFFIXES)})"
        )
    schema = pq.read_schema(files[0])
    meta = schema.metadata or {}
    cols = None if columns is None else list(dict.fromkeys(columns))
    if b"geo" in meta:
        import json

        geo_name = json.loads(meta[b"geo"]).get("primary_column", "geometry")
        if cols is not None and geo_name not in cols:
            cols.append(geo_name)
        frame = dask_geopandas.read_parquet(
            str(p), columns=cols, index=index, split_row_groups=split_row_groups
        )
        if crs is not None:
            wanted = crs_from(crs)
            if frame.crs is None:
                frame = frame.set_crs(wanted)
            elif not frame.crs.equals(wanted):
                raise InputError(
                    f"{p.name} is in {frame.crs.name!r}, not {wanted.name!r}: leave crs out to "
                    "use the file's CRS, or relabel it with frame.set_crs(..., "
                    "allow_override=True) when the file is mislabelled"
                )
        if frame.crs is None:
            raise MissingCRSError(
                f"{p.name} has no CRS: pass crs='EPSG:4326' (or a datum name such as "
                "'GCJ02') to say which it is"
            )
        return frame
    if crs is None:
        raise MissingCRSError(
            f"{p.name} is plain Parquet (no GeoParquet metadata): pass crs='EPSG:4326' "
            "(or 'CGCS2000', 'GCJ02', 'BD09', any EPSG code) for its coordinates"
        )
    names = list(schema.names)
    if xy is None:
        lower = {n.lower(): n for n in names}
        found = [(lower[a], lower[b]) for a, b in XY_NAMES if a in lower and b in lower]
        if not found:
            raise InputError(
                f"{p.name} has no coordinate columns (lon/lat, longitude/latitude or x/y) "
                f"among {listing(names, quote=True)}: name them with xy=('<x column>', "
                "'<y column>')"
            )
        xy = found[0]
    missing = [c for c in xy if c not in names]
    if missing:
        raise InputError(
            f"no column(s) {listing(missing, quote=True)} in {p.name}; it has "
            f"{listing(names, quote=True)}"
        )
    if cols is not None:
        cols = list(dict.fromkeys([*cols, *xy]))
    table = dd.read_parquet(str(p), columns=cols, index=index, split_row_groups=split_row_groups)
    target = crs_from(crs)
    geometry = dask_geopandas.points_from_xy(table, xy[0], xy[1], crs=target)
    frame = dask_geopandas.from_dask_dataframe(table, geometry=geometry)
    return frame if frame.crs is not None else frame.set_crs(target)


# --------------------------------------------------------------------------------------
# Tasks and the reduction tree
# --------------------------------------------------------------------------------------
def as_partitioned_frame(obj: Any) -> Any:
    """A dask-geopandas GeoDataFrame if ``obj`` is a dask collection of points; else None."""
    if not is_dask(obj):
        return None
    require_dask()
    import dask_geopandas

    if isinstance(obj, dask_geopandas.GeoSeries):
        return obj.to_frame()
    if isinstance(obj, dask_geopandas.GeoDataFrame):
        return obj
    raise InputError(
        f"a dask {type(obj).__name__} without geometry: make it a dask-geopandas "
        "GeoDataFrame, e.g. dask_geopandas.from_dask_dataframe(df, geometry="
        "dask_geopandas.points_from_xy(df, 'lon', 'lat', crs='EPSG:4326'))"
    )


def as_partitioned(obj: Any) -> Any:
    """The input as a dask-geopandas GeoDataFrame, if it is partitioned data; else None.

    A dask-geopandas GeoDataFrame is returned as is, a dask-geopandas GeoSeries as a
    one-column frame, a (Geo)Parquet path opened with :func:`read_parquet_frame`.
    Anything else (in-memory frames, other paths) gives ``None``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> as_partitioned(gpd.GeoSeries([shapely.Point(120, 36)], crs=4326)) is None
    True
    >>> as_partitioned("resources.csv") is None
    True
    """
    if is_parquet_path(obj):
        return read_parquet_frame(obj)
    return as_partitioned_frame(obj)


def point_source(obj: Any) -> Any:
    """A :class:`ParquetPoints` or a dask-geopandas frame for partitioned input; else None."""
    if is_parquet_path(obj):
        return ParquetPoints.open(obj)
    return as_partitioned_frame(obj)


def source_columns(source: Any) -> list[str]:
    """The attribute columns of a partitioned source (geometry excluded)."""
    if isinstance(source, ParquetPoints):
        return list(source.columns)
    return [c for c in source.columns if c != source.geometry.name]


def _dask_partition_points(
    part: Any, columns: Sequence[str], weight: str | None, what: str
) -> MetricPoints:
    return metric_points(part, columns=columns, weight=weight, what=what)


def shared_key(obj: Any) -> Any:
    """One graph key holding ``obj`` (named, so that it is not hashed)."""
    import dask

    return dask.delayed(obj, name=f"corridor-geo-shared-{uuid.uuid4().hex}", traverse=False)


def _fold(combine: Callable[[Any, Any], Any], items: list[Any]) -> Any:
    return functools.reduce(combine, items)


def reduce_points(
    source: Any,
    func: Callable[..., Any],
    combine: Callable[[Any, Any], Any],
    *,
    columns: Sequence[str] = (),
    weight: str | None = None,
    shared: Any = None,
    client: Any = None,
    split_every: int = 8,
    **kwargs: Any,
) -> Any:
    """``func(points, shared, **kwargs)`` on every partition's MetricPoints, combined.

    ``source`` is a :class:`ParquetPoints` or a dask-geopandas GeoDataFrame (see
    :func:`point_source`).  ``shared`` (a lookup index) is scattered once to every worker
    with a client, otherwise one key of the task graph.  Partials are combined in
    partition order, ``split_every`` at a time.
    """
    require_dask()
    import dask

    if split_every < 2:
        raise InputError(f"split_every must be at least 2, got {split_every}")
    columns = [c for c in dict.fromkeys(columns) if c is not None]
    what = "the partitioned points"
    if isinstance(source, ParquetPoints):
        missing = [c for c in columns if c not in source.columns]
        if missing:
            raise InputError(f"{source.path.name} has no column(s) {listing(missing, quote=True)}")
        readers = [dask.delayed(source.read)(piece, columns, weight) for piece in source.pieces()]
    else:
        have = source_columns(source)
        missing = [c for c in columns if c not in have]
        if missing:
            raise InputError(
                f"the partitioned points have no column(s) {listing(missing, quote=True)}"
            )
        keep = list(columns)
        if weight is not None and weight in have and weight not in keep:
            keep.append(weight)
        parts = source[[*keep, source.geometry.name]].to_delayed()
        readers = [dask.delayed(_dask_partition_points)(p, columns, weight, what) for p in parts]
    ref = client.scatter(shared, broadcast=True, hash=False) if client is not None else None
    try:
        key = ref if ref is not None else shared_key(shared)
        task = dask.delayed(func)
        level = [task(r, key, **kwargs) for r in readers]
        fold = dask.delayed(_fold)
        while len(level) > 1:
            level = [
                fold(combine, level[i : i + split_every])
                for i in range(0, len(level), split_every)
            ]
        if not level:
            raise InputError("the partitioned input has no partition")
        if client is not None:
            return client.compute(level[0]).result()
        return level[0].compute()
    finally:
        if ref is not None:
            ref.release()


def map_partitions_shared(
    frame: Any, func: Callable[..., Any], shared: Any, *, meta: Any, **kwargs: Any
) -> Any:
    """Lazy ``frame.map_partitions(func, shared)`` with ``shared`` one key of the graph.

    The result is computed by the caller (``.compute()``, ``.to_parquet(...)``), on
    whatever scheduler is current.

    Examples
    --------
    >>> import dask_geopandas, geopandas as gpd, pandas as pd, shapely
    >>> pts = gpd.GeoDataFrame({"w": [1.0, 2.0, 3.0]},
    ...                        geometry=shapely.points([(0, 0)] * 3), crs=4326)
    >>> frame = dask_geopandas.from_geopandas(pts, npartitions=2)
    >>> out = map_partitions_shared(frame, lambda part, k: part["w"] * k, 10,
    ...                             meta=pd.Series(dtype=float, name="w"))
    >>> out.compute().tolist()
    [10.0, 20.0, 30.0]
    """
    require_dask()
    return frame.map_partitions(func, shared_key(shared), meta=meta, **kwargs)
