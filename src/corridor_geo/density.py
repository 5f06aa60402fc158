"""Density: counts per km² in zones and grids, and kernel density surfaces.

* :func:`density_by_zone` - counts and weights per km² of every zone, by category;
* :func:`square_grid` - square cells in EPSG:4549 and :func:`hex_grid` - H3 hexagons,
  both clipped to the corridor (or any area) with each cell's true area;
* :func:`aggregate_to_grid` - counts and weights of resources in grid cells;
* :func:`kernel_density` - a kernel density surface (Gaussian or quartic kernel,
  bandwidth in metres, optional weights) as a :class:`~corridor_geo.raster.Raster` in
  EPSG:4549 in units **per km²**, ready for :meth:`~corridor_geo.raster.Raster.to_geotiff`.

Kernel density, how
-------------------
The density at a cell centre ``c`` is ``sum_i w_i K(|c - p_i|)`` with, for bandwidth
``h`` (metres), the Gaussian kernel ``K(r) = exp(-r²/2h²) / (2πh²)`` (``h`` is the standard
deviation; truncated at ``cutoff * h``, 5h by default, where it is below 4e-6 of its peak)
or the quartic (biweight, as in QGIS and ArcGIS) kernel
``K(r) = 3/(πh²) (1 - r²/h²)²`` for ``r < h``.  Points are binned with linear (bilinear)
weights onto nodes at the cell centres (refined ``oversample`` times when the cells are
coarse for the bandwidth) and the binned grid is convolved with the kernel sampled on the
nodes by FFT, which costs ``O(cells log cells)`` whatever the number of points.  The
error against the exact sum is second order in ``node spacing / h``: ``tests/test_density.py``
checks it against a direct sum over every point, and ``benchmarks/bench_kde.py`` against
scikit-learn's exact ``KernelDensity``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numba
import numpy as np
import pandas as pd
import shapely
from affine import Affine

from ._compat import keyword_only
from ._errors import InputError
from ._metric import true_area_m2
from ._partition import point_source, reduce_points, source_columns
from ._points import WEIGHT_DEFAULT, MetricPoints, metric_geometries, metric_points
from .crs import ANALYSIS_CRS, WGS84, to_crs
from .raster import Raster

__all__ = [
    "KERNELS",
    "aggregate_to_grid",
    "density_by_zone",
    "hex_grid",
    "kernel_density",
    "square_grid",
]

log = logging.getLogger(__name__)

MAX_CELLS = 50_000_000
"""Largest grid (cells, after oversampling and padding) a density may allocate: about
400 MB per float64 array; the FFT needs a few such arrays.  Larger requests are refused
before anything is allocated, with the numbers in the message."""

KERNELS = ("gaussian", "quartic")
"""Kernels of :func:`kernel_density`."""


# --------------------------------------------------------------------------------------
# Zones
# --------------------------------------------------------------------------------------
@keyword_only("layout")
def density_by_zone(
    resources: Any,
    *,
    layout: Any = None,
    by: str | None = "category",
    layers: Sequence[str] | str | None = None,
    weight: str | None = "weight",
    client: Any = None,
) -> pd.DataFrame:
    """Counts and weights of resources per km² of every zone, by category.

    Parameters are those of :func:`corridor_geo.zones.share_of_city`: ``resources`` may
    be a dask-geopandas GeoDataFrame or a (Geo)Parquet path, counted partition by
    partition (on ``client``'s cluster when given), see :mod:`corridor_geo.scale`.

    Returns
    -------
    DataFrame
        The columns of :func:`corridor_geo.zones.share_of_city` plus ``area_km2``
        (geodesic area of the zone), ``count_per_km2`` and ``weight_per_km2``.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> from corridor_geo.resources import synthetic_resources
    >>> pts = synthetic_resources(500, seed=1, categories={"high_tech_enterprise": 1})
    >>> d = density_by_zone(pts, layout=load_layout(), layers="cities", by=None)
    >>> bool((d["count_per_km2"] == d["count"] / d["area_km2"]).all())
    True
    """
    from .layout import load_layout
    from .zones import DEFAULT_LAYERS, share_of_city, zone_table

    layout = load_layout() if layout is None else layout
    lays = DEFAULT_LAYERS if layers is None else layers
    table = share_of_city(
        resources, layout=layout, by=by, layers=lays, weight=weight, client=client
    )
    zones = zone_table(layout, layers=lays)[["layer", "zone", "area_km2"]]
    out = table.merge(zones, on=["layer", "zone"], how="left")
    out["count_per_km2"] = out["count"] / out["area_km2"]
    out["weight_per_km2"] = out["weight"] / out["area_km2"]
    return out


# --------------------------------------------------------------------------------------
# Grids
# --------------------------------------------------------------------------------------
def _area_geometry(area: Any, layout: Any) -> Any:
    """The clipping area as one polygon in EPSG:4549 (a layout's layer: its cached union)."""
    if area is None or isinstance(area, str):
        from .layout import load_layout

        lay = load_layout() if layout is None else layout
        return lay.union("corridor" if area is None else area)
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        geom = shapely.union_all(metric_geometries(area))
        if geom.is_empty or shapely.get_dimensions(geom) != 2:
            raise InputError("area must hold polygons (it is empty or not polygonal)")
        return geom
    raise InputError(
        "area must be a layer name ('corridor', 'cities', 'city'...), a GeoDataFrame or "
        f"a GeoSeries, got {type(area).__name__}"
    )


def _check_grid(n_cells: float, what: str, hint: str) -> None:
    """Refuse a grid beyond :data:`MAX_CELLS` before allocating it."""
    if not np.isfinite(n_cells) or n_cells > MAX_CELLS:
        shown = "an unbounded number of" if not np.isfinite(n_cells) else f"{n_cells:,.0f}"
        raise InputError(
            f"{what} would need {shown} cells (about {8 * n_cells / 2**30:,.1f} GiB per "
            f"array); the limit is {MAX_CELLS:,} cells ({8 * MAX_CELLS / 2**20:,.0f} MiB per "
            f"array): {hint}"
        )


def square_grid(
    area: Any = None,
    *,
    cell_size_m: float = 500.0,
    layout: Any = None,
    clip: bool = True,
    origin: tuple[float, float] = (0.0, 0.0),
) -> gpd.GeoDataFrame:
    """Square cells in EPSG:4549 covering an area, clipped to it, with true areas.

    Parameters
    ----------
    area : str, GeoDataFrame or GeoSeries, optional
        The corridor by default; a layer name of the layout or polygons with a CRS.
    cell_size_m : float
        Side of the cells, metres.
    layout : CorridorLayout, optional
    clip : bool
        Clip cells to the area (the default); otherwise keep whole cells.
    origin : (float, float)
        Cells are aligned on multiples of ``cell_size_m`` from this EPSG:4549 point, so
        grids of the same size line up across runs.

    Returns
    -------
    GeoDataFrame
        EPSG:4549; ``cell_id`` (``"r<row>c<col>"``), ``row``, ``col``, ``full`` (the
        cell lies wholly inside the area), ``area_km2`` (true ellipsoidal area of the
        clipped cell) and the cell geometry.

    Examples
    --------
    >>> grid = square_grid(cell_size_m=1000.0)
    >>> grid.crs.to_epsg(), bool(grid["area_km2"].max() <= 1.0002)
    (4549, True)
    >>> round(float(grid["area_km2"].sum()), 1)  # the corridor, 190.71 km²
    190.7
    """
    if not (np.isfinite(cell_size_m) and cell_size_m > 0):
        raise InputError(f"cell_size_m must be a positive number of metres, got {cell_size_m}")
    geom = _area_geometry(area, layout)
    x0, y0, x1, y1 = geom.bounds
    _check_grid(
        np.ceil((x1 - x0) / cell_size_m + 1) * np.ceil((y1 - y0) / cell_size_m + 1),
        f"a square grid of {cell_size_m:g} m cells",
        "use larger cells or a smaller area",
    )
    ox, oy = origin
    c0 = int(np.floor((x0 - ox) / cell_size_m))
    c1 = int(np.ceil((x1 - ox) / cell_size_m))
    r0 = int(np.floor((y0 - oy) / cell_size_m))
    r1 = int(np.ceil((y1 - oy) / cell_size_m))
    cols, rows = np.meshgrid(np.arange(c0, c1), np.arange(r0, r1))
    cols, rows = cols.ravel(), rows.ravel()
    boxes = shapely.box(
        ox + cols * cell_size_m,
        oy + rows * cell_size_m,
        ox + (cols + 1) * cell_size_m,
        oy + (rows + 1) * cell_size_m,
    )
    shapely.prepare(geom)
    hit = shapely.intersects(geom, boxes)
    boxes, rows, cols = boxes[hit], rows[hit], cols[hit]
    full = shapely.contains(geom, boxes)
    cells = boxes.copy()
    if clip:
        part = ~full
        cells[part] = shapely.intersection(boxes[part], geom)
        keep = shapely.area(cells) > 0
        cells, rows, cols, full = cells[keep], rows[keep], cols[keep], full[keep]
    return gpd.GeoDataFrame(
        {
            "cell_id": [f"r{r}c{c}" for r, c in zip(rows, cols)],
            "row": rows,
            "col": cols,
            "full": full,
            "area_km2": true_area_m2(cells) / 1e6,
        },
        geometry=cells,
        crs=ANALYSIS_CRS,
    )


def hex_grid(
    area: Any = None,
    *,
    resolution: int = 8,
    layout: Any = None,
    clip: bool = True,
) -> gpd.GeoDataFrame:
    """H3 hexagons overlapping an area, clipped to it, with true areas.

    Parameters
    ----------
    area : str, GeoDataFrame or GeoSeries, optional
        The corridor by default.
    resolution : int
        H3 resolution (8: about 0.74 km² per cell, 9: about 0.11 km²).
    layout : CorridorLayout, optional
    clip : bool
        Clip cells to the area (default); otherwise whole hexagons.

    Returns
    -------
    GeoDataFrame
        WGS84 (H3's own coordinates); ``h3`` (cell index), ``full`` and ``area_km2``
        (true ellipsoidal area of the clipped cell).

    Examples
    --------
    >>> hexes = hex_grid(resolution=7)
    >>> hexes.crs.to_epsg(), round(float(hexes["area_km2"].sum()), 1)
    (4326, 190.7)
    """
    import h3

    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)):
        raise InputError(f"resolution must be an integer from 0 to 15, got {resolution!r}")
    if not 0 <= int(resolution) <= 15:
        raise InputError(f"H3 resolution must be from 0 to 15, got {resolution}")
    geom_m = _area_geometry(area, layout)
    # H3 cells: about 1.3e-10 of the Earth per cell at resolution 15, x7 per coarser level.
    n_est = geom_m.area / (0.895 * 7.0 ** (15 - int(resolution)))
    _check_grid(n_est, f"an H3 grid at resolution {resolution}", "use a coarser resolution")
    geom = to_crs(gpd.GeoSeries([geom_m], crs=ANALYSIS_CRS), WGS84).iloc[0]
    cells: set[str] = set()
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon":
            continue
        shape = h3.LatLngPoly(
            [(y, x) for x, y in poly.exterior.coords[:-1]],
            *[[(y, x) for x, y in ring.coords[:-1]] for ring in poly.interiors],
        )
        cells.update(h3.h3shape_to_cells_experimental(shape, resolution, contain="overlap"))
    ids = sorted(cells)
    hexes = np.array(
        [shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in ids],
        dtype=object,
    )
    frame = gpd.GeoDataFrame({"h3": ids}, geometry=hexes, crs=WGS84)
    hex_m = metric_geometries(frame)
    shapely.prepare(geom_m)
    hit = shapely.intersects(geom_m, hex_m) if len(hex_m) else np.zeros(0, bool)
    full = shapely.contains(geom_m, hex_m) if len(hex_m) else np.zeros(0, bool)
    out_m = hex_m.copy()
    if clip and len(hex_m):
        part = hit & ~full
        out_m[part] = shapely.intersection(hex_m[part], geom_m)
    area = true_area_m2(out_m) / 1e6
    keep = hit & (area > 0)
    result = gpd.GeoDataFrame(
        {"h3": np.asarray(ids, dtype=object)[keep], "full": full[keep], "area_km2": area[keep]},
        geometry=out_m[keep],
        crs=ANALYSIS_CRS,
    )
    return to_crs(result, WGS84).reset_index(drop=True)


def aggregate_to_grid(
    resources: Any,
    grid: gpd.GeoDataFrame,
    *,
    by: str | None = None,
    weight: str | None = "weight",
    client: Any = None,
) -> gpd.GeoDataFrame:
    """Counts and weights of resources in every cell of a grid (or any polygons).

    A point on an edge shared by two cells counts once, in the first of them (grid
    order); points outside every cell are not counted (see the log).

    Parameters
    ----------
    resources : ResourceTable, GeoDataFrame, GeoSeries, dask-geopandas GeoDataFrame or path
        Points with a CRS.  A dask-geopandas GeoDataFrame or a (Geo)Parquet path is
        counted partition by partition and the counts summed (equal to the in-memory
        result), see :mod:`corridor_geo.scale`.
    grid : GeoDataFrame
        Cells (:func:`square_grid`, :func:`hex_grid`) or any polygons, with a CRS.
    by : str, optional
        A column of groups: one ``count_<value>`` column per value.
    weight : str or None
        Column of weights; ``None`` or a missing column: weight 1.
    client : dask.distributed.Client, optional
        For partitioned input: run on this cluster.

    Returns
    -------
    GeoDataFrame
        The grid with ``count``, ``weight``, ``count_per_km2`` and ``weight_per_km2``
        (using the grid's ``area_km2``, or the true area when it has none), and with
        ``by``, one ``count_<value>`` column per group (rows without a group count in
        ``count`` only).

    Examples
    --------
    >>> from corridor_geo.resources import synthetic_resources
    >>> pts = synthetic_resources(300, seed=2, corridor_share=1.0)
    >>> grid = aggregate_to_grid(pts, square_grid(cell_size_m=2000.0))
    >>> int(grid["count"].sum())
    300
    """
    from .zones import ZoneIndex

    if not isinstance(grid, gpd.GeoDataFrame):
        raise InputError(f"grid must be a GeoDataFrame, got {type(grid).__name__}")
    gm = metric_geometries(grid)
    bounds = shapely.total_bounds(gm)
    typical = np.sqrt(np.median(shapely.area(gm))) if len(gm) else 1.0
    index = ZoneIndex.build(gm, cell=max(typical / 4, 1.0))
    source = point_source(resources)
    if source is None:
        pts = metric_points(resources, columns=[by], weight=weight, what="resources")
        part = _grid_counts(pts, index, by=by)
    else:
        if by is not None and by not in source_columns(source):
            raise InputError(f"no column {by!r} in the resources")
        part = reduce_points(
            source,
            _grid_counts,
            _GridCounts.merge,
            columns=[by] if by is not None else [],
            weight=weight,
            shared=index,
            client=client,
            by=by,
        )
    n_out = part.n_points - part.n_assigned
    if n_out:
        log.info("%d of %d points lie outside the grid %s", n_out, part.n_points, bounds)
    out = grid.copy()
    out["count"] = part.counts
    out["weight"] = part.weights
    area = out["area_km2"].to_numpy(float) if "area_km2" in out.columns else true_area_m2(gm) / 1e6
    with np.errstate(divide="ignore", invalid="ignore"):
        out["count_per_km2"] = np.where(area > 0, out["count"] / area, np.nan)
        out["weight_per_km2"] = np.where(area > 0, out["weight"] / area, np.nan)
    if by is not None:
        for g in sorted(part.groups):
            out[f"count_{g}"] = part.groups[g]
    return out


@dataclass
class _GridCounts:
    """Counts and weights of points per grid cell (and per group): mergeable partials."""

    counts: np.ndarray  # int64 per cell
    weights: np.ndarray  # float64 per cell
    groups: dict[str, np.ndarray]  # group -> int64 counts per cell
    n_points: int
    n_assigned: int

    def merge(self, other: _GridCounts) -> _GridCounts:
        groups = dict(self.groups)
        for g, c in other.groups.items():
            groups[g] = groups[g] + c if g in groups else c
        return _GridCounts(
            self.counts + other.counts,
            self.weights + other.weights,
            groups,
            self.n_points + other.n_points,
            self.n_assigned + other.n_assigned,
        )


def _grid_counts(pts: MetricPoints, index: Any, *, by: str | None) -> _GridCounts:
    """Per-cell counts of metric points."""
    n_cells = len(index.geoms)
    pt, zn = index.query(pts.x, pts.y)
    first = np.ones(len(pt), dtype=bool)
    first[1:] = pt[1:] != pt[:-1]  # sorted by point then cell: keep the first cell
    pt, zn = pt[first], zn[first]
    w = pts.data["__weight__"]
    groups: dict[str, np.ndarray] = {}
    if by is not None:
        values = pts.data[by][pt]
        has = pd.notna(values)  # rows without a group count in ``count`` only
        labels = values[has].astype(str)
        zn_has = zn[has]
        for g in sorted(set(labels)):
            groups[g] = np.bincount(zn_has[labels == g], minlength=n_cells)
    return _GridCounts(
        np.bincount(zn, minlength=n_cells),
        np.bincount(zn, weights=w[pt], minlength=n_cells),
        groups,
        len(pts),
        len(pt),
    )


# --------------------------------------------------------------------------------------
# Kernel density
# --------------------------------------------------------------------------------------
@dataclass
class _KdeBins:
    """Points linearly binned on the KDE's nodes: additive, so partitions can be summed."""

    grid: np.ndarray
    n_points: int
    n_left_out: int
    unit_weights: bool = True  # every weight is 1: a density of points

    def merge(self, other: _KdeBins) -> _KdeBins:
        return _KdeBins(
            self.grid + other.grid,
            self.n_points + other.n_points,
            self.n_left_out + other.n_left_out,
            self.unit_weights and other.unit_weights,
        )


def _kde_bins(pts: MetricPoints, nodes: tuple[Any, ...]) -> _KdeBins:
    """Bin metric points (weights checked) on the nodes."""
    cx0, cy0, d, pad, nxf, nyf = nodes
    u = (pts.x - cx0) / d + pad
    v = (pts.y - cy0) / d + pad
    binned = np.zeros((nyf, nxf))
    w = np.ascontiguousarray(pts.data["__weight__"], dtype=float)
    _linear_bin(u, v, w, nxf, nyf, binned)
    return _KdeBins(binned, len(pts), 0, bool((w == 1.0).all()))


@numba.njit(cache=True)
def _linear_bin(u, v, w, nx, ny, out):
    """Bilinear binning of points at fractional cell-centre coordinates (u, v)."""
    for i in range(u.shape[0]):
        fu = np.floor(u[i])
        fv = np.floor(v[i])
        c = int(fu)
        r = int(fv)
        a = u[i] - fu
        b = v[i] - fv
        if c >= 0 and r >= 0 and c < nx and r < ny:
            out[r, c] += w[i] * (1 - a) * (1 - b)
        if c + 1 >= 0 and r >= 0 and c + 1 < nx and r < ny:
            out[r, c + 1] += w[i] * a * (1 - b)
        if c >= 0 and r + 1 >= 0 and c < nx and r + 1 < ny:
            out[r + 1, c] += w[i] * (1 - a) * b
        if c + 1 >= 0 and r + 1 >= 0 and c + 1 < nx and r + 1 < ny:
            out[r + 1, c + 1] += w[i] * a * b


def _fast_len(n: int) -> int:
    """The smallest 5-smooth integer >= n (FFT lengths that are fast)."""
    m = max(int(n), 1)
    while True:
        k = m
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        if k == 1:
            return m
        m += 1


def _fft_convolve_same(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """2-D linear convolution of ``a`` with ``k``, the central part of ``a``'s shape.

    What ``scipy.signal.fftconvolve(a, k, mode="same")`` computes (real FFTs of 5-smooth
    lengths), without importing ``scipy.signal`` (most of a second on first use).
    """
    full = [a.shape[i] + k.shape[i] - 1 for i in (0, 1)]
    shape = [_fast_len(n) for n in full]
    spec = np.fft.rfft2(a, shape) * np.fft.rfft2(k, shape)
    conv = np.fft.irfft2(spec, shape)
    r0 = (full[0] - a.shape[0]) // 2
    c0 = (full[1] - a.shape[1]) // 2
    return conv[r0 : r0 + a.shape[0], c0 : c0 + a.shape[1]]


def _kernel_values(r2: np.ndarray, kernel: str, h: float) -> np.ndarray:
    """Kernel per m² at squared distances r2 (m²)."""
    if kernel == "gaussian":
        return np.exp(-0.5 * r2 / (h * h)) / (2.0 * np.pi * h * h)
    q = np.clip(1.0 - r2 / (h * h), 0.0, None)
    return 3.0 / (np.pi * h * h) * q * q


def _grid_extent(extent: Any, layout: Any, cell: float) -> tuple[Any, tuple[float, ...]]:
    if isinstance(extent, tuple):
        box = np.asarray(extent, dtype=float) if len(extent) == 4 else np.full(4, np.nan)
        if not (np.isfinite(box).all() and box[2] > box[0] and box[3] > box[1]):
            raise InputError(
                f"extent must be (minx, miny, maxx, maxy) in EPSG:4549 metres, got {extent!r}"
            )
        return None, tuple(float(v) for v in box)
    geom = _area_geometry(extent, layout)
    x0, y0, x1, y1 = geom.bounds
    return geom, (
        np.floor(x0 / cell) * cell,
        np.floor(y0 / cell) * cell,
        np.ceil(x1 / cell) * cell,
        np.ceil(y1 / cell) * cell,
    )


def kernel_density(
    resources: Any,
    *,
    bandwidth_m: float,
    cell_size_m: float = 50.0,
    kernel: str = "gaussian",
    weight: str | None = "weight",
    extent: Any = None,
    layout: Any = None,
    mask: bool = True,
    cutoff: float = 5.0,
    oversample: int | None = None,
    client: Any = None,
) -> Raster:
    """A kernel density surface in resources (or weight) per km², EPSG:4549.

    Parameters
    ----------
    resources : ResourceTable, GeoDataFrame, GeoSeries, dask-geopandas GeoDataFrame or path
        Points with a CRS (GCJ-02/BD-09 converted exactly).  A dask-geopandas
        GeoDataFrame or a (Geo)Parquet path is binned partition by partition (binning
        is additive; each task returns the binned grid) and convolved once: the same
        surface as in memory, to rounding (see :mod:`corridor_geo.scale`).
    bandwidth_m : float
        The Gaussian's standard deviation, or the quartic kernel's radius, in metres.
    cell_size_m : float
        Cell size of the surface, metres.
    kernel : {"gaussian", "quartic"}
    weight : str or None
        Column of non-negative weights (patents, people), as in
        :func:`~corridor_geo.zones.share_of_city`: by default the ``weight`` the reader
        read (``read_resources(..., weight="专利数")``); ``None``: each point counts 1.
        The default column missing from a GeoDataFrame also counts each point 1.
    extent : str, GeoDataFrame, GeoSeries or (minx, miny, maxx, maxy), optional
        The area of the surface: the corridor by default, a layer name, polygons, or an
        EPSG:4549 box.  Points outside it still contribute near its edge.
    layout : CorridorLayout, optional
    mask : bool
        Set cells whose centre is outside the extent's polygons to no data (NaN).
    cutoff : float
        Truncate the Gaussian at ``cutoff * bandwidth_m`` (ignored for quartic).
    oversample : int, optional
        Bin the points on nodes this many times finer than the cells (the result is
        still sampled at the cell centres).  By default the smallest factor (at most 8)
        that keeps the node spacing below a tenth of the bandwidth (Gaussian) or a
        thirtieth (quartic): 1 for a 500 m Gaussian on 50 m cells.
    client : dask.distributed.Client, optional
        For partitioned input: run on this cluster.

    Returns
    -------
    Raster
        Values per km², NaN where masked; tags ``kernel``, ``bandwidth_m``,
        ``cell_size_m``, ``units`` (``"<weight column> per km2"``, or ``"points per km2"``
        for points all weighing 1), ``n_points``,
        ``method``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoSeries([shapely.Point(520_000, 4_000_000)], crs="EPSG:4549")
    >>> box = (519_000.0, 3_999_000.0, 521_000.0, 4_001_000.0)
    >>> surf = kernel_density(pts, bandwidth_m=200.0, cell_size_m=50.0, extent=box)
    >>> total = float(surf.values.sum()) * 50 * 50 / 1e6   # integrates to one point
    >>> round(total, 4), surf.tags["units"], surf.crs.to_epsg()
    (1.0, 'points per km2', 4549)
    """
    if kernel not in KERNELS:
        raise InputError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    for label, value in (("bandwidth_m", bandwidth_m), ("cell_size_m", cell_size_m)):
        if isinstance(value, bool) or not (
            isinstance(value, (int, float, np.number)) and np.isfinite(value) and value > 0
        ):
            raise InputError(f"{label} must be a positive, finite number of metres, got {value!r}")
    if not (np.isfinite(cutoff) and cutoff > 0):
        raise InputError(f"cutoff must be a positive number of bandwidths, got {cutoff!r}")
    source = point_source(resources)
    if (
        source is not None
        and weight not in (None, WEIGHT_DEFAULT)
        and weight not in source_columns(source)
    ):
        raise InputError(f"no weight column {weight!r} in the resources")
    geom, (x0, y0, x1, y1) = _grid_extent(extent, layout, cell_size_m)
    nx = int(np.rint((x1 - x0) / cell_size_m))
    ny = int(np.rint((y1 - y0) / cell_size_m))
    if nx <= 0 or ny <= 0:
        raise InputError("the extent is empty")
    radius = cutoff * bandwidth_m if kernel == "gaussian" else bandwidth_m
    if oversample is None:
        # Binning error is second order in spacing / bandwidth: keep it below 1/10
        # (Gaussian) or 1/30 (quartic, whose edge is sharper) of the bandwidth.
        ratio = 10.0 if kernel == "gaussian" else 30.0
        oversample = int(min(max(np.ceil(ratio * cell_size_m / bandwidth_m), 1), 8))
    if isinstance(oversample, bool) or not (float(oversample).is_integer() and oversample >= 1):
        raise InputError(f"oversample must be a whole number >= 1, got {oversample!r}")
    k = int(oversample)
    d = cell_size_m / k
    pad = int(np.ceil(radius / d)) + 1
    nxf = (nx - 1) * k + 1 + 2 * pad
    nyf = (ny - 1) * k + 1 + 2 * pad
    _check_grid(
        float(nxf) * float(nyf),
        f"a kernel density of {nx} x {ny} cells of {cell_size_m:g} m, binned {k}x finer and "
        f"padded by the kernel's reach ({radius:g} m)",
        "use larger cells, a smaller extent or a smaller bandwidth",
    )
    # Binning nodes: the output's cell centres, refined k times, padded by the kernel
    # radius; node (pad, pad) is the centre of the south-west output cell; row 0 south.
    nodes = (x0 + 0.5 * cell_size_m, y0 + 0.5 * cell_size_m, d, pad, nxf, nyf)
    if source is None:
        pts = metric_points(resources, weight=weight, what="resources")
        part = _kde_bins(pts, nodes)
    else:
        part = reduce_points(
            source,
            _kde_bins,
            _KdeBins.merge,
            weight=weight,
            shared=nodes,
            client=client,
            split_every=4,
        )
    if part.n_left_out:
        log.warning("%d points without coordinates or weight are left out", part.n_left_out)
    binned = part.grid
    offs = np.arange(-pad, pad + 1) * d
    r2 = offs[None, :] ** 2 + offs[:, None] ** 2
    kern = _kernel_values(r2, kernel, bandwidth_m)
    if kernel == "gaussian":
        kern[r2 > radius * radius] = 0.0
    full = _fft_convolve_same(binned, kern)
    dens = full[pad : pad + (ny - 1) * k + 1 : k, pad : pad + (nx - 1) * k + 1 : k]
    dens = np.clip(dens, 0.0, None) * 1e6  # per km²; FFT round-off can leave -1e-17
    dens = dens[::-1]  # north up
    # The cells start at (x0, y0); their top edge is y0 + ny cells, which is y1 only when
    # the extent's height is a whole number of cells (a box given as a tuple may not be).
    transform = Affine(cell_size_m, 0, x0, 0, -cell_size_m, y0 + ny * cell_size_m)
    if mask and geom is not None:
        from rasterio.features import rasterize

        inside = rasterize([(geom, 1)], out_shape=(ny, nx), transform=transform).astype(bool)
        dens = np.where(inside, dens, np.nan)
    # The default weight column of unweighted points (each 1) gives a density of points.
    weighted = weight is not None and (weight != WEIGHT_DEFAULT or not part.unit_weights)
    units = f"{weight if weighted else 'points'} per km2"
    tags = {
        "kernel": kernel,
        "bandwidth_m": f"{bandwidth_m:g}",
        "cell_size_m": f"{cell_size_m:g}",
        "units": units,
        "n_points": str(part.n_points),
        "crs": "EPSG:4549",
        "method": (
            f"linear binning on nodes {k}x finer than the cells, FFT convolution with the "
            "kernel"
            + (f" truncated at {cutoff:g} bandwidths" if kernel == "gaussian" else "")
            + ", sampled at the cell centres"
        ),
        "software": "corridor_geo.density.kernel_density",
    }
    return Raster(dens, transform, ANALYSIS_CRS, nodata=np.nan, tags=tags)
