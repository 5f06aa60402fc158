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

A (Geo)Parquet **path** is the fastest input: it is read with pyarrow directly, row
group by row group, only the needed columns, and the points' coordinates without
building geometries (GeoArrow ``point`` columns as arrays; WKB points decoded with
numpy), then projected once to EPSG:4549.  :func:`write_synthetic_parquet` writes
GeoArrow point encoding.  A dask-geopandas GeoDataFrame is used as dask gives its
partitions.

``benchmarks/bench_dask.py`` runs ten million points from GeoParquet through
:func:`~corridor_geo.zones.share_of_city` and reports peak memory and how the time
scales with partitions and workers.

Needs the ``scale`` extra: ``pip install "corridor-geo[scale]"``.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import clean_stale, dir_mode, temporary_name
from ._compat import renamed_function
from ._errors import InputError
from ._partition import (
    PARQUET_SUFFIXES,
    as_partitioned,
    map_partitions_shared,
    read_parquet_frame,
    require_dask,
    shared_key,
)
from ._synthetic import STATUS_SYNTHETIC, synthetic_setup
from .crs import ANALYSIS_CRS, WGS84

__all__ = [
    "PARQUET_SUFFIXES",
    "as_partitioned",
    "map_partitions_shared",
    "map_reduce",
    "read_parquet_points",
    "read_points",
    "write_synthetic_parquet",
]

log = logging.getLogger(__name__)


def read_parquet_points(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
    index: str | None = None,
    split_row_groups: bool | int | str = "infer",
    crs: Any = None,
    xy: tuple[str, str] | None = None,
) -> Any:
    """Open (Geo)Parquet points as a partitioned dask-geopandas GeoDataFrame (lazy).

    The analyses take the path itself (faster: they read only what they need, without
    building geometries); use this for your own dask work on the points.

    Parameters
    ----------
    path : path-like
        A Parquet file or a folder of them (a partitioned dataset).  GeoParquet carries
        its geometry and CRS; plain Parquet needs coordinate columns and ``crs``.
    columns : sequence of str, optional
        Columns to read (the geometry is always read); all by default.
    index : str, optional
        A column to use as the index (else the stored index, or 0.. per partition).
    split_row_groups : bool, int or "infer"
        Partitioning (dask's ``read_parquet``): ``True`` one partition per row group,
        an integer that many row groups per partition, ``"infer"`` dask's choice.
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
    >>> frame = read_parquet_points(path, columns=["category"], split_row_groups=True)
    >>> frame.npartitions, list(frame.columns), frame.crs.to_epsg()
    (4, ['category', 'geometry'], 4326)
    """
    return read_parquet_frame(
        path, columns=columns, index=index, split_row_groups=split_row_groups, crs=crs, xy=xy
    )


read_points = renamed_function(read_parquet_points, "read_points")


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------
def _fold(combine: Callable[[Any, Any], Any], items: list[Any]) -> Any:
    import functools

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
    require_dask()
    import dask

    if split_every < 2:
        raise InputError(f"split_every must be at least 2, got {split_every}")
    parts = frame.to_delayed()
    ref = client.scatter(shared, broadcast=True, hash=False) if client is not None else None
    try:
        task = dask.delayed(func)
        key = ref if ref is not None else shared_key(shared)  # one key, not one copy per task
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
    Points are stored with GeoArrow ``point`` encoding (GeoParquet 1.1), which the
    analyses read without decoding geometries.

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
        :func:`read_parquet_points` can give).
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
    >>> frame = read_parquet_points(path)
    >>> len(frame), frame.crs.to_epsg(), int(frame.index.max().compute())
    (2500, 4326, 2499)
    """
    import geopandas as gpd
    import pandas as pd
    import shapely
    from pyproj import Transformer

    from .layout import load_layout
    from .resources import category_registry

    if n < 0:
        raise InputError(f"n must be >= 0, got {n}")
    if rows_per_file < 1 or row_group_size < 1:
        raise InputError("rows_per_file and row_group_size must be positive")
    target = Path(path)
    if target.exists() and not overwrite:
        raise InputError(f"{str(target)!r} exists: pass overwrite=True to replace it")
    lay = load_layout() if layout is None else layout
    reg, cats = synthetic_setup(category_registry(), categories, corridor_share)
    keys = np.array(list(cats), dtype=object)
    prob = np.array([cats[k] for k in keys], dtype=float)
    prob /= prob.sum()
    name_zh = reg["name_zh"].reindex(keys).to_numpy(dtype=object)
    name_en = reg["name_en"].reindex(keys).to_numpy(dtype=object)
    corridor = lay.union("corridor")
    city = lay.union("city")
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
                tmp / f"part.{k:05d}.parquet",
                index=True,
                row_group_size=row_group_size,
                geometry_encoding="geoarrow",
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
