"""Scale-out: the heavy point work on partitioned data, with dask-geopandas.

Planners start with hundreds of institutions; analysts soon bring millions of rows
(enterprise registries, patent records, mobile-signalling points).  The functions doing
the heavy point work accept, besides in-memory GeoDataFrames, a **dask-geopandas
GeoDataFrame** or a **(Geo)Parquet path**, and then run partition by partition on dask:
threads by default, or any ``dask.distributed`` cluster passed as ``client=``.

================================================  =====================================
function                                          with partitioned input, returns
================================================  =====================================
:func:`~corridor_geo.zones.share_of_city`         the same DataFrame as in memory
:func:`~corridor_geo.density.density_by_zone`     the same DataFrame as in memory
:func:`~corridor_geo.density.aggregate_to_grid`   the same GeoDataFrame as in memory
:func:`~corridor_geo.density.kernel_density`      the same surface, to rounding
:func:`~corridor_geo.zones.assign_points`         a lazy dask DataFrame of the pairs
:func:`~corridor_geo.zones.assign_zones`          a lazy dask DataFrame, partitioned
                                                  as the input
================================================  =====================================

How
---
The lookup structure (:class:`~corridor_geo.zones.ZoneIndex`, a few MB) is built once, on
the caller's side, and shared: with a ``client`` it is scattered to every worker once
(``client.scatter(..., broadcast=True)``), otherwise it is one key of the task graph that
every task depends on.  It is never embedded in each task.  Each task reads one partition
(only the columns it needs), assigns its points and reduces them to small arrays (zones x
groups, grid cells, or the kernel density's binned nodes); these partial results are
summed in a tree.  Memory is therefore
bounded by a few partitions per worker, whatever the number of rows, and the counts equal
the in-memory path exactly (``tests/test_scale.py`` checks it on identical data, with the
threaded scheduler and with a ``LocalCluster``); weights are sums of floats added in a
different order, equal to rounding.

``benchmarks/bench_dask.py`` runs ten million points from GeoParquet through
:func:`~corridor_geo.zones.share_of_city` and reports peak memory and how the time
scales with partitions and workers.

Needs the ``scale`` extra: ``pip install "corridor-geo[scale]"``.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import clean_stale, dir_mode, temporary_name
from ._errors import DataFileError, InputError, MissingCRSError

__all__ = [
    "PARQUET_SUFFIXES",
    "as_partitioned",
    "map_partitions_shared",
    "map_reduce",
    "read_points",
    "write_synthetic_parquet",
]

log = logging.getLogger(__name__)

PARQUET_SUFFIXES = (".parquet", ".geoparquet", ".parq", ".pq")
"""File name endings read as (Geo)Parquet."""

_HINT = 'install the scale extra: pip install "corridor-geo[scale]"'
_XY_NAMES = (("lon", "lat"), ("lng", "lat"), ("longitude", "latitude"), ("x", "y"))


def _require_dask() -> None:
    try:
        import dask  # noqa: F401
        import dask_geopandas  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the test environment has them
        raise ImportError(f"partitioned data needs dask-geopandas: {_HINT}") from exc


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------
def _parquet_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.suffix.lower() in PARQUET_SUFFIXES and not p.name.startswith(".")
        )
    return [path] if path.suffix.lower() in PARQUET_SUFFIXES else []


def _is_parquet_path(obj: Any) -> bool:
    if not isinstance(obj, (str, os.PathLike)):
        return False
    path = Path(obj)
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return True
    return path.is_dir() and bool(_parquet_files(path))


def _crs_from(crs: Any) -> Any:
    """A pyproj CRS from a datum name (``"GCJ02"``...) or anything pyproj accepts."""
    from pyproj import CRS

    from .crs import DATUMS, normalize_datum

    if isinstance(crs, str):
        try:
            return DATUMS[normalize_datum(crs)]
        except InputError:
            pass
    return CRS.from_user_input(crs)


def read_points(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
    index: str | None = None,
    split_row_groups: bool | int | str = "infer",
    crs: Any = None,
    xy: tuple[str, str] | None = None,
) -> Any:
    """Open (Geo)Parquet points as a partitioned dask-geopandas GeoDataFrame (lazy).

    Parameters
    ----------
    path : path-like
        A Parquet file or a folder of them (a partitioned dataset).  GeoParquet carries
        its geometry and CRS; plain Parquet needs coordinate columns and ``crs``.
    columns : sequence of str, optional
        Columns to read (the geometry is always read); all by default.  The analyses
        read only the columns they need anyway.
    index : str, optional
        A column to use as the index.  Without it, the index stored in the files is
        used (``to_parquet(index=True)``, as :func:`write_synthetic_parquet` writes);
        data written without one is numbered from 0 within each partition.
    split_row_groups : bool, int or "infer"
        Partitioning (dask's ``read_parquet``): ``True`` one partition per row group,
        an integer that many row groups per partition, ``"infer"`` (default) dask's
        choice from the file sizes.
    crs : str, int or pyproj.CRS, optional
        CRS of plain Parquet coordinates (required there): ``"EPSG:4326"``, a datum name
        (``"GCJ02"`` for Amap coordinates)...  For GeoParquet it must match the file's
        CRS, or supply one when the file has none.
    xy : (str, str), optional
        Coordinate columns of plain Parquet; by default the first pair found among
        ``lon``/``lat``, ``lng``/``lat``, ``longitude``/``latitude``, ``x``/``y``.

    Returns
    -------
    dask_geopandas.GeoDataFrame

    Raises
    ------
    DataFileError
        If the path does not exist or holds no Parquet file.
    MissingCRSError
        If plain Parquet is read without ``crs`` (a CRS is never guessed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from corridor_geo.resources import synthetic_resources
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labs.parquet"
    >>> synthetic_resources(1000, seed=1).to_parquet(path, row_group_size=250)
    >>> frame = read_points(path, columns=["category"], split_row_groups=True)
    >>> frame.npartitions, list(frame.columns), frame.crs.to_epsg()
    (4, ['category', 'geometry'], 4326)
    """
    _require_dask()
    import dask.dataframe as dd
    import dask_geopandas
    import pyarrow.parquet as pq

    p = Path(path)
    if not p.exists():
        raise DataFileError(f"no such file or folder: {str(p)!r}")
    files = _parquet_files(p)
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
            wanted = _crs_from(crs)
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
        found = [(lower[a], lower[b]) for a, b in _XY_NAMES if a in lower and b in lower]
        if not found:
            raise InputError(
                f"{p.name} has no coordinate columns (lon/lat, longitude/latitude or x/y) "
                f"among {names}: name them with xy=('<x column>', '<y column>')"
            )
        xy = found[0]
    missing = [c for c in xy if c not in names]
    if missing:
        raise InputError(f"no column(s) {missing} in {p.name}; it has {names}")
    if cols is not None:
        cols = list(dict.fromkeys([*cols, *xy]))
    table = dd.read_parquet(str(p), columns=cols, index=index, split_row_groups=split_row_groups)
    target = _crs_from(crs)
    geometry = dask_geopandas.points_from_xy(table, xy[0], xy[1], crs=target)
    frame = dask_geopandas.from_dask_dataframe(table, geometry=geometry)
    return frame if frame.crs is not None else frame.set_crs(target)


def as_partitioned(obj: Any) -> Any:
    """The input as a dask-geopandas GeoDataFrame, if it is partitioned data; else None.

    A dask-geopandas GeoDataFrame is returned as is, a dask-geopandas GeoSeries as a
    one-column frame, a (Geo)Parquet path opened with :func:`read_points`.  Anything
    else (in-memory frames, other paths) gives ``None``, so the caller takes its
    in-memory path.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> as_partitioned(gpd.GeoSeries([shapely.Point(120, 36)], crs=4326)) is None
    True
    >>> as_partitioned("resources.csv") is None
    True
    """
    if _is_parquet_path(obj):
        return read_points(obj)
    module = type(obj).__module__
    if not (module.startswith("dask_geopandas") or module.startswith("dask.")):
        return None
    _require_dask()
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


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------
def _shared(obj: Any) -> Any:
    """One graph key holding ``obj`` (named, so that it is not hashed)."""
    import dask

    return dask.delayed(obj, name=f"corridor-geo-shared-{uuid.uuid4().hex}", traverse=False)


def _fold(combine: Callable[[Any, Any], Any], items: list[Any]) -> Any:
    return functools.reduce(combine, items)


def map_reduce(
    frame: Any,
    func: Callable[..., Any],
    combine: Callable[[Any, Any], Any],
    *,
    shared: Any = None,
    client: Any = None,
    split_every: int = 8,
    **kwargs: Any,
) -> Any:
    """``func(partition, shared, **kwargs)`` on every partition, results combined in a tree.

    Parameters
    ----------
    frame : dask DataFrame or dask-geopandas GeoDataFrame
        Select the needed columns first: only those are read.
    func : callable
        ``func(partition, shared, **kwargs) -> partial result``, small (its size must
        not grow with the partition).
    combine : callable
        ``combine(a, b) -> partial result``, associative; partials are combined in
        partition order (``a`` comes before ``b``).
    shared : object, optional
        Read-only data every task needs (a lookup index): scattered once to every
        worker with a client, otherwise one key of the graph.
    client : dask.distributed.Client, optional
        Run on this cluster; by default dask's current scheduler.
    split_every : int
        Fan-in of the tree of ``combine`` calls.

    Returns
    -------
    object
        The combined result, computed.

    Examples
    --------
    >>> import dask_geopandas, geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame({"w": [1.0, 2.0, 3.0]},
    ...                        geometry=shapely.points([(0, 0)] * 3), crs=4326)
    >>> frame = dask_geopandas.from_geopandas(pts, npartitions=2)
    >>> map_reduce(frame, lambda part, k: float(part["w"].sum()) * k,
    ...            lambda a, b: a + b, shared=10)
    60.0
    """
    _require_dask()
    import dask

    if split_every < 2:
        raise InputError(f"split_every must be at least 2, got {split_every}")
    parts = frame.to_delayed()
    ref = client.scatter(shared, broadcast=True, hash=False) if client is not None else None
    try:
        task = dask.delayed(func)
        key = ref if ref is not None else _shared(shared)  # one key, not one copy per task
        level = [task(p, key, **kwargs) for p in parts]
        fold = dask.delayed(_fold)
        while len(level) > 1:
            level = [
                fold(combine, level[i : i + split_every])
                for i in range(0, len(level), split_every)
            ]
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
    _require_dask()
    return frame.map_partitions(func, _shared(shared), meta=meta, **kwargs)


# --------------------------------------------------------------------------------------
# Test data at scale
# --------------------------------------------------------------------------------------
def _sampler(geom: Any, cell: float) -> tuple[Any, tuple[float, ...], float]:
    from .zones import ZoneIndex

    index = ZoneIndex.build([geom], cell=cell, boundary="exclude")
    x0, y0, x1, y1 = geom.bounds
    frac = max(geom.area / ((x1 - x0) * (y1 - y0)), 1e-3)
    return index, (x0, y0, x1, y1), frac


def _uniform(sampler: tuple[Any, tuple[float, ...], float], n: int, rng: Any) -> np.ndarray:
    """n points uniform in a metric polygon (rejection sampling with the zone index)."""
    index, (x0, y0, x1, y1), frac = sampler
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        m = int((n - got) / frac * 1.2) + 16
        x = rng.uniform(x0, x1, m)
        y = rng.uniform(y0, y1, m)
        pt, _ = index.query(x, y)
        pts = np.column_stack([x[pt], y[pt]])[: n - got]
        out.append(pts)
        got += len(pts)
    return np.vstack(out) if out else np.empty((0, 2))


def write_synthetic_parquet(
    path: str | os.PathLike[str],
    n: int,
    *,
    seed: int = 0,
    rows_per_file: int = 1_000_000,
    row_group_size: int = 250_000,
    layout: Any = None,
    corridor_share: float = 0.4,
    categories: Mapping[str, float] | None = None,
    weight_mean: Mapping[str, float] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``n`` synthetic resources as a partitioned GeoParquet dataset (a folder).

    The resources follow the rule and labelling of
    :func:`~corridor_geo.resources.synthetic_resources` (uniform in area inside the
    corridor with probability ``corridor_share``, over the rest of the city otherwise;
    the same columns, categories and ``status = "synthetic"``) but are drawn in chunks
    with a vectorised sampler, so ten million rows take seconds and little memory.  The
    random stream differs from :func:`synthetic_resources` (same seed, other points).

    Parameters
    ----------
    path : path-like
        Folder to create, holding ``part.00000.parquet``, ``part.00001.parquet``...
        (written to a temporary folder beside it, then renamed into place).
    n : int
        Number of resources.
    seed : int
        Same seed and ``rows_per_file``, same dataset.
    rows_per_file, row_group_size : int
        Rows per file and per Parquet row group (the finest partitioning
        :func:`read_points` can give).
    layout, corridor_share, categories, weight_mean
        As for :func:`~corridor_geo.resources.synthetic_resources`.
    overwrite : bool
        Replace an existing folder.

    Returns
    -------
    pathlib.Path
        The folder.  Rows are numbered 0..n-1 in the stored index.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "synthetic"
    >>> path = write_synthetic_parquet(folder, 2500, rows_per_file=1000, seed=1)
    >>> sorted(p.name for p in path.iterdir())
    ['part.00000.parquet', 'part.00001.parquet', 'part.00002.parquet']
    >>> frame = read_points(path)
    >>> len(frame), frame.crs.to_epsg(), int(frame.index.max().compute())
    (2500, 4326, 2499)
    """
    import geopandas as gpd
    import pandas as pd
    import shapely
    from pyproj import Transformer

    from .crs import ANALYSIS_CRS, WGS84, to_analysis_crs
    from .layout import load_layout
    from .resources import STATUS_SYNTHETIC, _synthetic_setup

    if n < 0:
        raise InputError(f"n must be >= 0, got {n}")
    if rows_per_file < 1 or row_group_size < 1:
        raise InputError("rows_per_file and row_group_size must be positive")
    target = Path(path)
    if target.exists() and not overwrite:
        raise InputError(f"{str(target)!r} exists: pass overwrite=True to replace it")
    lay = load_layout() if layout is None else layout
    reg, cats = _synthetic_setup(categories, corridor_share)
    keys = np.array(list(cats), dtype=object)
    prob = np.array([cats[k] for k in keys], dtype=float)
    prob /= prob.sum()
    name_zh = reg["name_zh"].reindex(keys).to_numpy(dtype=object)
    name_en = reg["name_en"].reindex(keys).to_numpy(dtype=object)
    corridor = shapely.union_all(to_analysis_crs(lay.corridor).geometry.values)
    city = shapely.union_all(to_analysis_crs(lay.city).geometry.values)
    inside = _sampler(corridor, 100.0)
    rest = _sampler(shapely.difference(city, corridor), 250.0)
    back = Transformer.from_crs(ANALYSIS_CRS, WGS84, always_xy=True)
    n_files = max(int(np.ceil(n / rows_per_file)), 1)
    streams = np.random.SeedSequence(seed).spawn(n_files)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target.parent)
    tmp = temporary_name(target, suffix="")
    tmp.mkdir(mode=0o700)
    try:
        for k in range(n_files):
            start = k * rows_per_file
            m = max(min(rows_per_file, n - start), 0)
            rng = np.random.default_rng(streams[k])
            n_in = int(rng.binomial(m, corridor_share)) if m else 0
            xy = np.vstack([_uniform(inside, n_in, rng), _uniform(rest, m - n_in, rng)])
            xy = xy[rng.permutation(m)]
            lon, lat = back.transform(xy[:, 0], xy[:, 1])
            pick = rng.choice(len(keys), size=m, p=prob)
            weights = np.ones(m)
            for key, mean in (weight_mean or {}).items():
                sel = keys[pick] == key
                weights[sel] = rng.poisson(mean, int(sel.sum()))
            rows = np.arange(start, start + m)
            frame = gpd.GeoDataFrame(
                {
                    "source_row": rows + 1,
                    "id": np.char.add("SYN", np.char.zfill(rows.astype(str), 9)).astype(object),
                    "name": np.char.add("synthetic ", rows.astype(str)).astype(object),
                    "category": keys[pick],
                    "category_zh": name_zh[pick],
                    "category_en": name_en[pick],
                    "weight": weights,
                    "status": STATUS_SYNTHETIC,
                },
                geometry=gpd.points_from_xy(lon, lat),
                crs=WGS84,
                index=pd.RangeIndex(start, start + m),
            )
            frame.to_parquet(
                tmp / f"part.{k:05d}.parquet", index=True, row_group_size=row_group_size
            )
            log.info("wrote part %d of %d (%d rows)", k + 1, n_files, m)
        os.chmod(tmp, dir_mode())  # private while written; now the mode os.mkdir gives
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
