"""Rasters: GeoTIFF writing (atomic), reading and reprojecting, zonal statistics.

A :class:`Raster` is a 2-D array with its affine transform, CRS, nodata value and tags;
kernel density surfaces (:mod:`corridor_geo.density`) are Rasters, and user rasters
(population grids such as WorldPop, land use) are read into one with :func:`read_raster`.
A raster must carry a CRS (or be given one with ``crs=``): it is never guessed.

:func:`zonal_stats` sums, averages and counts cell values in any zone layer with
**fractional cell coverage**: a cell cut by a zone's edge counts with the share of its
area inside the zone (exact polygon-box intersections for the cells an edge touches), so a
population grid of 100 m cells gives the right total for a 1 km circle.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from pyproj import CRS

from ._atomic import write_atomic
from ._errors import InputError, MissingCRSError
from .crs import ANALYSIS_CRS, datum_of, to_datum

__all__ = [
    "Raster",
    "coverage_fraction",
    "read_raster",
    "reproject_raster",
    "write_geotiff",
    "zonal_stats",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Raster:
    """A single-band raster: values, transform, CRS, nodata and tags.

    Attributes
    ----------
    values : numpy.ndarray
        2-D array, row 0 at the top (north), as in GeoTIFF.
    transform : affine.Affine
        Pixel to CRS coordinates (``rasterio`` convention).
    crs : pyproj.CRS
    nodata : float or None
        The value of cells without data (NaN is always treated as no data as well).
    tags : mapping
        Metadata written as GeoTIFF tags (kernel, bandwidth, units...).

    Examples
    --------
    >>> from affine import Affine
    >>> r = Raster(np.ones((2, 3)), Affine(50, 0, 500000, 0, -50, 4000100), ANALYSIS_CRS)
    >>> r.shape, r.bounds, r.cell_area_m2
    ((2, 3), (500000.0, 4000000.0, 500150.0, 4000100.0), 2500.0)
    """

    values: np.ndarray
    transform: Affine
    crs: CRS
    nodata: float | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.crs is None:
            raise MissingCRSError("a Raster needs a CRS, e.g. crs='EPSG:4549'")
        object.__setattr__(self, "crs", CRS.from_user_input(self.crs))
        if np.ndim(self.values) != 2:
            raise InputError(f"a Raster holds a 2-D array, got {np.ndim(self.values)}-D")

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.values.shape)  # type: ignore[return-value]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in the raster's CRS."""
        h, w = self.shape
        xs, ys = zip(*(self.transform * (c, r) for c, r in ((0, 0), (w, 0), (0, h), (w, h))))
        return (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)))

    @property
    def cell_area_m2(self) -> float:
        """Planar area of one cell in CRS units squared (m² for EPSG:4549)."""
        return float(
            abs(self.transform.a * self.transform.e - self.transform.b * self.transform.d)
        )

    def valid(self) -> np.ndarray:
        """Mask of cells with data."""
        v = np.asarray(self.values, dtype=float)
        ok = np.isfinite(v)
        if self.nodata is not None and np.isfinite(self.nodata):
            ok &= v != self.nodata
        return ok

    def explore(self, *, layout: Any = None, name: str = "raster", **kwargs: Any) -> Any:
        """A folium map of the raster over the layout (see :func:`corridor_geo.maps.add_raster`).

        Delegates to :mod:`corridor_geo.maps` through the documented hook
        (:mod:`corridor_geo._hooks`), as geopandas' ``explore`` does.

        Examples
        --------
        >>> from affine import Affine
        >>> r = Raster(np.arange(16.0).reshape(4, 4),
        ...            Affine(500, 0, 545000, 0, -500, 4010000), "EPSG:4549")
        >>> type(r.explore(basemap="blank")).__name__
        'Map'
        """
        from ._hooks import delegate

        return delegate("explore", self, layout=layout, name=name, **kwargs)

    def _repr_html_(self) -> str:
        """Jupyter display: shape, cell size, CRS, value range and tags."""
        from ._html import esc

        valid = self.valid()
        values = np.asarray(self.values, dtype=float)[valid]
        lo, hi = (float(values.min()), float(values.max())) if values.size else (np.nan, np.nan)
        tags = ", ".join(f"{esc(k)}={esc(v)}" for k, v in self.tags.items())
        return (
            f"<div><strong>Raster</strong> {self.shape[0]}×{self.shape[1]} cells of "
            f"{abs(self.transform.a):g}×{abs(self.transform.e):g}, {esc(self.crs.name)}; "
            f"values {lo:.4g} to {hi:.4g}; {esc(tags)}</div>"
        )

    def to_geotiff(self, path: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write to a GeoTIFF atomically (see :func:`write_geotiff`)."""
        return write_geotiff(self, path, **kwargs)


def write_geotiff(
    raster: Raster,
    path: str | os.PathLike[str],
    *,
    dtype: str = "float32",
    compress: str = "deflate",
) -> Path:
    """Write a :class:`Raster` to a GeoTIFF, atomically.

    The file is written next to its target under a temporary name and renamed when
    complete, so a failure never leaves a half-written file.  NaN cells are written as
    the nodata value (-9999 when the raster has none).

    Examples
    --------
    >>> import tempfile, pathlib, rasterio
    >>> from affine import Affine
    >>> r = Raster(np.arange(6.0).reshape(2, 3), Affine(50, 0, 500000, 0, -50, 4000100),
    ...            "EPSG:4549", tags={"units": "per km2"})
    >>> out = write_geotiff(r, pathlib.Path(tempfile.mkdtemp()) / "r.tif")
    >>> with rasterio.open(out) as src:
    ...     src.crs.to_epsg(), src.nodata, src.tags()["units"], float(src.read(1)[1, 2])
    (4549, -9999.0, 'per km2', 5.0)
    """
    import rasterio

    path = Path(path)
    if path.suffix.lower() not in (".tif", ".tiff"):
        raise InputError(f"write_geotiff writes .tif files; got {path.name!r}")
    nodata = -9999.0 if raster.nodata is None or not np.isfinite(raster.nodata) else raster.nodata
    data = np.where(raster.valid(), raster.values, nodata).astype(dtype)

    def write(tmp: Path) -> None:
        with rasterio.open(
            tmp,
            "w",
            driver="GTiff",
            height=data.shape[0],
            width=data.shape[1],
            count=1,
            dtype=dtype,
            crs=raster.crs.to_wkt(),
            transform=raster.transform,
            nodata=nodata,
            compress=compress,
        ) as dst:
            dst.write(data, 1)
            if raster.tags:
                dst.update_tags(**{str(k): str(v) for k, v in raster.tags.items()})

    write_atomic(path, write)
    return path


def read_raster(
    source: str | os.PathLike[str] | Raster, *, band: int = 1, crs: Any = None
) -> Raster:
    """Read one band of a raster file (GeoTIFF or anything GDAL reads).

    Parameters
    ----------
    source : path or Raster
    band : int
    crs : optional
        Declare the CRS of a file that has none (or override a wrong one).

    Raises
    ------
    MissingCRSError
        If the file has no CRS and ``crs`` is not given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from affine import Affine
    >>> r = Raster(np.ones((2, 2)), Affine(100, 0, 500000, 0, -100, 4000200), "EPSG:4549")
    >>> path = r.to_geotiff(pathlib.Path(tempfile.mkdtemp()) / "ones.tif")
    >>> back = read_raster(path)
    >>> back.crs.to_epsg(), float(back.values.sum())
    (4549, 4.0)
    """
    if isinstance(source, Raster):
        return source if crs is None else replace(source, crs=CRS.from_user_input(crs))
    import rasterio

    path = Path(source)
    if not path.is_file():
        raise InputError(f"no such raster file: {str(path)!r}")
    with rasterio.open(path) as src:
        values = src.read(band).astype(float)
        file_crs = src.crs
        transform = src.transform
        nodata = src.nodata
        tags = src.tags()
    if crs is None:
        if file_crs is None:
            raise MissingCRSError(
                f"{path.name!r} has no CRS: pass crs='EPSG:4326' (or the right one) to read_raster"
            )
        crs = CRS.from_wkt(file_crs.to_wkt())
    if nodata is not None:
        values = np.where(values == nodata, np.nan, values)
    return Raster(values, transform, CRS.from_user_input(crs), nodata=np.nan, tags=tags)


def reproject_raster(
    raster: Raster | str | os.PathLike[str],
    *,
    crs: Any = ANALYSIS_CRS,
    resolution: float | None = None,
    resampling: str = "bilinear",
) -> Raster:
    """Reproject a raster (default to EPSG:4549) with GDAL.

    Parameters
    ----------
    raster : Raster or path
    crs : optional
        Target CRS.
    resolution : float, optional
        Target cell size in target units; GDAL's choice when omitted.
    resampling : str
        A ``rasterio.enums.Resampling`` name: ``"bilinear"`` for densities,
        ``"sum"`` for counts (people per cell) so totals are kept, ``"nearest"`` for
        classes.

    Examples
    --------
    >>> from affine import Affine
    >>> r = Raster(np.ones((20, 20)), Affine(0.001, 0, 120.4, 0, -0.001, 36.2), "EPSG:4326")
    >>> out = reproject_raster(r, resolution=50.0)
    >>> out.crs.to_epsg(), out.transform.a
    (4549, 50.0)
    """
    from rasterio.enums import Resampling
    from rasterio.warp import calculate_default_transform, reproject

    src = read_raster(raster)
    if datum_of(src.crs) in ("GCJ02", "BD09"):
        raise InputError(
            "GCJ-02/BD-09 rasters cannot be reprojected exactly by GDAL: convert the "
            "source to WGS84 first"
        )
    dst_crs = CRS.from_user_input(crs)
    try:
        method = Resampling[resampling]
    except KeyError:
        raise InputError(f"unknown resampling {resampling!r}") from None
    h, w = src.shape
    kwargs = {"resolution": resolution} if resolution else {}
    transform, width, height = calculate_default_transform(
        src.crs.to_wkt(), dst_crs.to_wkt(), w, h, *src.bounds, **kwargs
    )
    out = np.full((height, width), np.nan)
    values = np.where(src.valid(), src.values, np.nan).astype(float)
    reproject(
        values,
        out,
        src_transform=src.transform,
        src_crs=src.crs.to_wkt(),
        src_nodata=np.nan,
        dst_transform=transform,
        dst_crs=dst_crs.to_wkt(),
        dst_nodata=np.nan,
        resampling=method,
    )
    return Raster(out, transform, dst_crs, nodata=np.nan, tags=dict(src.tags))


def coverage_fraction(geom: Any, raster: Raster) -> tuple[tuple[slice, slice], np.ndarray]:
    """Share of each cell's area inside a polygon (in the raster's CRS).

    Returns the window ``(rows, cols)`` of the raster that the polygon's box covers and
    the fraction array for that window: 1 for cells wholly inside, 0 outside, the exact
    share (polygon-box intersection) for cells an edge touches.

    Examples
    --------
    >>> from affine import Affine
    >>> r = Raster(np.ones((4, 4)), Affine(1, 0, 0, 0, -1, 4), "EPSG:4549")
    >>> window, frac = coverage_fraction(shapely.box(0.5, 0.5, 2.0, 4.0), r)
    >>> window
    (slice(0, 4, None), slice(0, 3, None))
    >>> frac.tolist()
    [[0.5, 1.0, 0.0], [0.5, 1.0, 0.0], [0.5, 1.0, 0.0], [0.25, 0.5, 0.0]]
    """
    from rasterio.features import rasterize

    t = raster.transform
    if t.b != 0 or t.d != 0:
        raise InputError("rotated rasters are not supported; reproject the raster first")
    h, w = raster.shape
    if geom is None or geom.is_empty:
        return (slice(0, 0), slice(0, 0)), np.zeros((0, 0))
    inv = ~t
    x0, y0, x1, y1 = geom.bounds
    cols = [c for c, _ in (inv * (x0, y0), inv * (x1, y1))]
    rows = [r for _, r in (inv * (x0, y0), inv * (x1, y1))]
    c0 = max(int(np.floor(min(cols))) - 1, 0)
    c1 = min(int(np.ceil(max(cols))) + 1, w)
    r0 = max(int(np.floor(min(rows))) - 1, 0)
    r1 = min(int(np.ceil(max(rows))) + 1, h)
    window = (slice(r0, max(r1, r0)), slice(c0, max(c1, c0)))
    wh, ww = max(r1 - r0, 0), max(c1 - c0, 0)
    if wh == 0 or ww == 0 or geom.is_empty:
        return window, np.zeros((wh, ww))
    wt = t * Affine.translation(c0, r0)
    center = rasterize([(geom, 1)], out_shape=(wh, ww), transform=wt, all_touched=False)
    edge = rasterize(
        [(geom.boundary, 1)], out_shape=(wh, ww), transform=wt, all_touched=True
    ).astype(bool)
    # One more cell around every edge cell: nothing cut by an edge is missed.
    grown = edge.copy()
    grown[1:, :] |= edge[:-1, :]
    grown[:-1, :] |= edge[1:, :]
    grown[:, 1:] |= grown[:, :-1].copy()
    grown[:, :-1] |= grown[:, 1:].copy()
    frac = np.where(grown, 0.0, center.astype(float))
    rr, cc = np.nonzero(grown)
    if len(rr):
        ax, ay = wt * (cc, rr)
        bx, by = wt * (cc + 1, rr + 1)
        boxes = shapely.box(
            np.minimum(ax, bx), np.minimum(ay, by), np.maximum(ax, bx), np.maximum(ay, by)
        )
        prepared = geom
        shapely.prepare(prepared)
        inter = shapely.area(shapely.intersection(boxes, prepared))
        frac[rr, cc] = inter / raster.cell_area_m2
    return window, np.clip(frac, 0.0, 1.0)


def zonal_stats(
    raster: Raster | str | os.PathLike[str],
    zones: Any,
    *,
    layers: Sequence[str] | str | None = None,
    stats: Sequence[str] = ("sum", "mean", "count"),
    fractional: bool = True,
) -> pd.DataFrame:
    """Sum, mean and count of a raster's cells in each zone.

    Parameters
    ----------
    raster : Raster or path
        Any CRS; the zones are brought into it (GCJ-02 handled).
    zones : CorridorLayout, GeoDataFrame or GeoSeries
        A layout (with ``layers``), a zones table with ``layer``/``zone`` columns, or any
        polygons with a CRS.
    layers : str or sequence of str, optional
        Zone layers of a layout; default corridor, cities, circles, districts.
    stats : sequence of {"sum", "mean", "count", "min", "max"}
    fractional : bool
        Weight each cell by the share of its area inside the zone (default); otherwise
        count the cells whose centre is inside, wholly.

    Returns
    -------
    DataFrame
        One row per zone: the zone's identifying columns, then one column per statistic.
        ``count`` is the (fractional) number of cells with data; ``sum`` adds
        value x fraction; ``mean`` is ``sum / count``; ``min``/``max`` look at cells with
        a positive fraction.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from affine import Affine
    >>> r = Raster(np.ones((4, 4)), Affine(1, 0, 0, 0, -1, 4), "EPSG:4549")
    >>> zones = gpd.GeoDataFrame({"layer": ["x"], "zone": ["a"]},
    ...                          geometry=[shapely.box(0.5, 0.5, 2.0, 4.0)], crs="EPSG:4549")
    >>> zonal_stats(r, zones)[["zone", "sum", "mean", "count"]].values.tolist()
    [['a', 5.25, 1.0, 5.25]]
    """
    rast = read_raster(raster)
    frame = _zone_frame(zones, layers)
    geoms = _to_crs_of(frame, rast.crs)
    valid = rast.valid()
    values = np.where(valid, rast.values, 0.0).astype(float)
    rows = []
    for geom in geoms:
        if fractional:
            win, frac = coverage_fraction(geom, rast)
        else:
            win, frac = _center_mask(geom, rast)
        v = values[win]
        ok = valid[win]
        f = frac * ok
        row: dict[str, float] = {}
        cnt = float(f.sum())
        total = float((v * f).sum())
        for s in stats:
            if s == "sum":
                row["sum"] = total
            elif s == "count":
                row["count"] = cnt
            elif s == "mean":
                row["mean"] = total / cnt if cnt > 0 else np.nan
            elif s == "min":
                row["min"] = float(v[f > 0].min()) if (f > 0).any() else np.nan
            elif s == "max":
                row["max"] = float(v[f > 0].max()) if (f > 0).any() else np.nan
            else:
                raise InputError(f"unknown statistic {s!r}: use sum, mean, count, min, max")
        rows.append(row)
    id_cols = [c for c in ("layer", "zone", "name_zh", "name_en") if c in frame.columns]
    out = (
        pd.DataFrame(frame[id_cols]).reset_index(drop=True)
        if id_cols
        else pd.DataFrame(index=range(len(frame)))
    )
    return pd.concat([out, pd.DataFrame(rows)], axis=1)


def _center_mask(geom: Any, raster: Raster) -> tuple[tuple[slice, slice], np.ndarray]:
    from rasterio.features import rasterize

    h, w = raster.shape
    mask = rasterize([(geom, 1)], out_shape=(h, w), transform=raster.transform)
    return (slice(0, h), slice(0, w)), mask.astype(float)


def _zone_frame(zones: Any, layers: Sequence[str] | str | None) -> gpd.GeoDataFrame:
    from .layout import CorridorLayout
    from .zones import DEFAULT_LAYERS, zone_table

    if isinstance(zones, CorridorLayout):
        return zone_table(zones, layers=DEFAULT_LAYERS if layers is None else layers)
    if isinstance(zones, gpd.GeoSeries):
        zones = gpd.GeoDataFrame(geometry=zones)
    if not isinstance(zones, gpd.GeoDataFrame):
        raise InputError(
            "zones must be a CorridorLayout, GeoDataFrame or GeoSeries, got "
            f"{type(zones).__name__}"
        )
    datum_of(zones)  # MissingCRSError
    return zones


def _to_crs_of(frame: gpd.GeoDataFrame, target: CRS) -> list[Any]:
    src = datum_of(frame)
    if src in ("GCJ02", "BD09"):
        frame = to_datum(frame, "WGS84")
    tgt = datum_of(target)
    if tgt in ("GCJ02", "BD09"):
        return list(to_datum(frame, tgt).geometry.values)
    return list(frame.to_crs(target).geometry.values)
