"""Zones: which corridor, city, circle and district each resource lies in; share of city.

The zone layers of a :class:`~corridor_geo.CorridorLayout` are gathered by
:func:`zone_table` (one row per zone with a ``layer`` and a ``zone`` identifier):

========================  ==========================================================
layer                     zones (identifier)
========================  ==========================================================
``corridor``              the corridor (``"corridor"``)
``cities``                the three cities (``"ocean"``, ``"youth"``, ``"digital"``)
``circles``               each ecosystem-circle site (``"<kind>/<site_zh>"``); a point
                          may lie in several circles
``circle_kinds``          the six kinds, each the union of its sites (``"<kind>"``)
``districts``             Qingdao's ten districts (administrative code, ``"370212"``)
``subdistricts``          Qingdao's 135 sub-districts, 街道/镇 (``"<district code>/<name_zh>"``,
                          e.g. ``"370212/金家岭街道"``; most have no published code)
``city``                  the municipality (``"370200"``)
========================  ==========================================================

Boundary rule
-------------
Membership is decided in the analysis CRS, EPSG:4549 (polygon edges are the straight
segments between their projected vertices; points come in through
:mod:`corridor_geo._points`, projected once, and EPSG:4549 input is used as it is), with
GEOS predicates, so results equal ``geopandas.sjoin`` on the same data in EPSG:4549:

* ``boundary="include"`` (default): a zone is a closed set; a point on its boundary
  (edge or vertex) belongs to it, and a point on the shared boundary of two districts
  belongs to both (``sjoin(predicate="intersects")``);
* ``boundary="exclude"``: only interior points belong (``sjoin(predicate="within")``).

How it is fast
--------------
Each zone gets a lookup grid over its bounding box (cells of about 100 m).  The index of a
layout's zones is built once per layout and set of layers, and reused by every call.  Every cell
touched by an edge of the zone (found exactly, with a small safety margin) is a
*boundary cell*; every other cell is wholly inside or wholly outside the zone and is
classified once by a scanline fill at its centre.  A point in an inside or outside cell
is decided by one array lookup (compiled with numba); only points in boundary cells are
tested exactly, with GEOS, against the zone.  ``tests/test_zones.py`` checks equality with
``geopandas.sjoin`` on random points and on points placed exactly on edges and vertices;
``benchmarks/bench_zones.py`` measures the speed-up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numba
import numpy as np
import pandas as pd
import shapely

from ._cache import cached
from ._compat import keyword_only
from ._errors import InputError
from ._metric import true_area_m2
from ._partition import (
    as_partitioned,
    map_partitions_shared,
    point_source,
    reduce_points,
    source_columns,
)
from ._points import MetricPoints, frame_of, metric_geometries, metric_points, role_column
from ._text import listing
from ._validate import check_geometries
from .crs import WGS84, datum_of, geodesic_area, to_crs

__all__ = [
    "DEFAULT_LAYERS",
    "ZONE_LAYERS",
    "ZoneIndex",
    "assign_points",
    "assign_polygons",
    "assign_zones",
    "share_of_city",
    "zone_geometries",
    "zone_index",
    "zone_table",
]

log = logging.getLogger(__name__)

ZONE_LAYERS = (
    "corridor",
    "cities",
    "circles",
    "circle_kinds",
    "districts",
    "subdistricts",
    "city",
)
"""Every zone layer :func:`zone_table` can build."""

DEFAULT_LAYERS = ("corridor", "cities", "circles", "districts")
"""The zone layers used when none are named."""

_BOUNDARY = ("include", "exclude")


# --------------------------------------------------------------------------------------
# Zones
# --------------------------------------------------------------------------------------
def zone_table(layout: Any, *, layers: Sequence[str] | str = DEFAULT_LAYERS) -> gpd.GeoDataFrame:
    """One row per zone of the chosen layers: ``layer``, ``zone``, names, area.

    Parameters
    ----------
    layout : CorridorLayout or GeoDataFrame
        A layout (see the module notes for the layers), or a GeoDataFrame of zones of
        your own with ``layer`` and ``zone`` columns (any CRS; it is passed through,
        converted to WGS84).
    layers : str or sequence of str
        Names of :data:`ZONE_LAYERS`, in the order wanted.

    Returns
    -------
    GeoDataFrame
        WGS84; columns ``layer``, ``zone``, ``name_zh``, ``name_en``, ``area_km2``
        (geodesic) and ``geometry``, indexed 0..n-1.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> zones = zone_table(load_layout(), layers=["corridor", "cities"])
    >>> zones[["layer", "zone", "name_zh"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['corridor', 'corridor', '青岛科创大走廊'], ['cities', 'ocean', '海洋科技城'],
     ['cities', 'youth', '青年科创城'], ['cities', 'digital', '数智产业城']]
    """
    if isinstance(layout, gpd.GeoDataFrame):
        missing = [c for c in ("layer", "zone") if c not in layout.columns]
        if missing:
            raise InputError(
                "a zones GeoDataFrame needs 'layer' and 'zone' columns; missing "
                + listing(missing)
            )
        datum_of(layout)  # MissingCRSError
        frame = to_crs(layout, WGS84).reset_index(drop=True)
        for col in ("name_zh", "name_en"):
            if col not in frame.columns:
                frame[col] = frame["zone"].astype(str)
        if "area_km2" not in frame.columns:
            frame["area_km2"] = (geodesic_area(frame) / 1e6).to_numpy()
        frame["layer"] = frame["layer"].astype(str)
        frame["zone"] = frame["zone"].astype(str)
        return frame
    names = [layers] if isinstance(layers, str) else list(layers)
    unknown = [n for n in names if n not in ZONE_LAYERS]
    if unknown:
        raise InputError(f"unknown zone layer(s) {listing(unknown)}: use {', '.join(ZONE_LAYERS)}")
    if not hasattr(layout, "layers"):
        raise InputError(
            "layout must be a CorridorLayout (corridor_geo.load_layout()) or a GeoDataFrame "
            f"of zones with 'layer' and 'zone' columns, got {type(layout).__name__}"
        )
    return cached(layout, ("zone_table", tuple(names)), lambda: _zone_table(layout, names)).copy()


def _zone_table(layout: Any, names: list[str]) -> gpd.GeoDataFrame:
    parts = []
    for name in names:
        if name == "corridor":
            f = layout.corridor
            rows = pd.DataFrame(
                {"zone": f["key"], "name_zh": f["name_zh"], "name_en": f["name_en"]}
            )
        elif name == "cities":
            f = layout.cities
            rows = pd.DataFrame(
                {"zone": f["key"], "name_zh": f["name_zh"], "name_en": f["name_en"]}
            )
        elif name == "circles":
            f = layout.circles
            en = f["site_en"] if "site_en" in f else f["site_zh"]
            rows = pd.DataFrame(
                {
                    "zone": f["kind"].astype(str) + "/" + f["site_zh"].astype(str),
                    "name_zh": f["kind_zh"].astype(str) + " " + f["site_zh"].astype(str),
                    "name_en": f["kind_en"].astype(str) + ": " + en.astype(str),
                }
            )
        elif name == "circle_kinds":
            c = layout.circles
            f = c.dissolve(by="kind", sort=False, as_index=False, aggfunc="first")
            rows = pd.DataFrame(
                {"zone": f["kind"], "name_zh": f["kind_zh"], "name_en": f["kind_en"]}
            )
        elif name == "districts":
            f = layout.districts
            rows = pd.DataFrame(
                {"zone": f["code"].astype(str), "name_zh": f["name_zh"], "name_en": f["name_en"]}
            )
        elif name == "subdistricts":
            f = layout.subdistricts
            rows = pd.DataFrame(
                {"zone": f["key"], "name_zh": f["name_zh"], "name_en": f["name_en"]}
            )
        else:  # city
            f = layout.city
            rows = pd.DataFrame(
                {"zone": f["code"].astype(str), "name_zh": f["name_zh"], "name_en": f["name_en"]}
            )
        rows.insert(0, "layer", name)
        g = gpd.GeoDataFrame(
            rows.reset_index(drop=True), geometry=list(f.geometry.values), crs=f.crs
        )
        parts.append(to_crs(g, WGS84))
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=WGS84)
    out.insert(4, "area_km2", (geodesic_area(out) / 1e6).to_numpy())
    return out


# --------------------------------------------------------------------------------------
# The compiled engine
# --------------------------------------------------------------------------------------
@numba.njit(cache=True)
def _mark_boundary(sx0, sy0, sx1, sy1, x0, y0, inv_dx, inv_dy, nx, ny, state, pad):
    for s in range(sx0.shape[0]):
        u0 = (sx0[s] - x0) * inv_dx
        v0 = (sy0[s] - y0) * inv_dy
        u1 = (sx1[s] - x0) * inv_dx
        v1 = (sy1[s] - y0) * inv_dy
        vmin = min(v0, v1)
        vmax = max(v0, v1)
        r0 = max(int(np.floor(vmin - pad)), 0)
        r1 = min(int(np.floor(vmax + pad)), ny - 1)
        for r in range(r0, r1 + 1):
            lo = max(vmin, r - pad)
            hi = min(vmax, r + 1 + pad)
            if v1 != v0:
                ua = u0 + (lo - v0) * (u1 - u0) / (v1 - v0)
                ub = u0 + (hi - v0) * (u1 - u0) / (v1 - v0)
            else:
                ua = u0
                ub = u1
            umin = min(ua, ub)
            umax = max(ua, ub)
            c0 = max(int(np.floor(umin - pad)), 0)
            c1 = min(int(np.floor(umax + pad)), nx - 1)
            for c in range(c0, c1 + 1):
                state[r, c] = 2


@numba.njit(cache=True)
def _fill_inside(sx0, sy0, sx1, sy1, x0, y0, dx, dy, nx, ny, state):
    buf = np.empty(sx0.shape[0], dtype=np.float64)
    for r in range(ny):
        yc = y0 + (r + 0.5) * dy
        k = 0
        for s in range(sx0.shape[0]):
            ya = sy0[s]
            yb = sy1[s]
            if (ya > yc) != (yb > yc):
                buf[k] = sx0[s] + (yc - ya) * (sx1[s] - sx0[s]) / (yb - ya)
                k += 1
        if k < 2:
            continue
        xs = np.sort(buf[:k])
        for p in range(0, k - 1, 2):
            c0 = int(np.ceil((xs[p] - x0) / dx - 0.5))
            c1 = int(np.floor((xs[p + 1] - x0) / dx - 0.5))
            c0 = max(c0, 0)
            c1 = min(c1, nx - 1)
            for c in range(c0, c1 + 1):
                if state[r, c] == 0:
                    state[r, c] = 1


@numba.njit(cache=True)
def _coarse_lists(bx0, by0, bx1, by1, cx0, cy0, inv_dx, inv_dy, nx, ny):
    """For each cell of a coarse grid, the zones whose box may touch it (CSR, ascending)."""
    nz = bx0.shape[0]
    lo_c = np.empty(nz, dtype=np.int64)
    hi_c = np.empty(nz, dtype=np.int64)
    lo_r = np.empty(nz, dtype=np.int64)
    hi_r = np.empty(nz, dtype=np.int64)
    counts = np.zeros(nx * ny + 1, dtype=np.int64)
    for z in range(nz):
        if not (bx0[z] <= bx1[z] and by0[z] <= by1[z]):  # empty zone: NaN box
            lo_c[z], hi_c[z], lo_r[z], hi_r[z] = 0, -1, 0, -1
            continue
        # One cell of margin: rounding can never leave out a zone whose box holds a point.
        lo_c[z] = max(int(np.floor((bx0[z] - cx0) * inv_dx)) - 1, 0)
        hi_c[z] = min(int(np.floor((bx1[z] - cx0) * inv_dx)) + 1, nx - 1)
        lo_r[z] = max(int(np.floor((by0[z] - cy0) * inv_dy)) - 1, 0)
        hi_r[z] = min(int(np.floor((by1[z] - cy0) * inv_dy)) + 1, ny - 1)
        for r in range(lo_r[z], hi_r[z] + 1):
            for c in range(lo_c[z], hi_c[z] + 1):
                counts[r * nx + c + 1] += 1
    ptr = np.cumsum(counts)
    zones = np.empty(ptr[-1], dtype=np.int32)
    fill = ptr[:-1].copy()
    for z in range(nz):
        for r in range(lo_r[z], hi_r[z] + 1):
            for c in range(lo_c[z], hi_c[z] + 1):
                k = r * nx + c
                zones[fill[k]] = z
                fill[k] += 1
    return ptr, zones


@numba.njit(cache=True)
def _grow(arr, size):
    out = np.empty(max(2 * arr.shape[0], size), dtype=arr.dtype)
    out[: arr.shape[0]] = arr
    return out


@numba.njit(cache=True, nogil=True)
def _lookup(
    px,
    py,
    bx0,
    by0,
    bx1,
    by1,
    gx0,
    gy0,
    ginv_dx,
    ginv_dy,
    gnx,
    gny,
    goff,
    states,
    cx0,
    cy0,
    cx1,
    cy1,
    cinv_dx,
    cinv_dy,
    cnx,
    cny,
    cptr,
    czones,
):
    n = px.shape[0]
    # One pass; each point checks only the zones listed for its coarse cell, in
    # ascending order, so pairs come out sorted by point then zone.
    in_pt = np.empty(n + 16, dtype=np.int64)
    in_z = np.empty(n + 16, dtype=np.int32)
    ca_pt = np.empty(n // 8 + 16, dtype=np.int64)
    ca_z = np.empty(n // 8 + 16, dtype=np.int32)
    a = 0
    b = 0
    for i in range(n):
        x = px[i]
        y = py[i]
        if not (x >= cx0 and x <= cx1 and y >= cy0 and y <= cy1):
            continue  # outside every zone's box (or NaN)
        cc = min(int(np.floor((x - cx0) * cinv_dx)), cnx - 1)
        cr = min(int(np.floor((y - cy0) * cinv_dy)), cny - 1)
        k = cr * cnx + cc
        for j in range(cptr[k], cptr[k + 1]):
            z = czones[j]
            if x < bx0[z] or x > bx1[z] or y < by0[z] or y > by1[z]:
                continue
            c = int(np.floor((x - gx0[z]) * ginv_dx[z]))
            r = int(np.floor((y - gy0[z]) * ginv_dy[z]))
            if c < 0 or r < 0 or c >= gnx[z] or r >= gny[z]:
                s = 2
            else:
                s = states[goff[z] + r * gnx[z] + c]
            if s == 1:
                if a == in_pt.shape[0]:
                    in_pt = _grow(in_pt, a + 1)
                    in_z = _grow(in_z, a + 1)
                in_pt[a] = i
                in_z[a] = z
                a += 1
            elif s == 2:
                if b == ca_pt.shape[0]:
                    ca_pt = _grow(ca_pt, b + 1)
                    ca_z = _grow(ca_z, b + 1)
                ca_pt[b] = i
                ca_z[b] = z
                b += 1
    return in_pt[:a].copy(), in_z[:a].copy(), ca_pt[:b].copy(), ca_z[:b].copy()


def _coarse(bounds: np.ndarray) -> tuple[Any, ...]:
    """A coarse grid over all the zones' boxes listing, per cell, the zones to check.

    Without it every point is checked against every zone's box: fine for a few zones,
    slow for the hundreds of cells of a grid (see :func:`~corridor_geo.density.
    aggregate_to_grid`).  About ``16 x zones`` cells, at most 2048 a side.
    """
    ok = np.isfinite(bounds).all(axis=1) if len(bounds) else np.zeros(0, bool)
    if not ok.any():
        return (0.0, 0.0, -1.0, -1.0, 1.0, 1.0, 1, 1, np.zeros(2, np.int64), np.zeros(0, np.int32))
    x0, y0 = bounds[ok, 0].min(), bounds[ok, 1].min()
    x1, y1 = bounds[ok, 2].max(), bounds[ok, 3].max()
    side = int(min(max(4 * np.sqrt(ok.sum()), 4), 2048))
    w, h = max(x1 - x0, 1e-12), max(y1 - y0, 1e-12)
    inv_dx, inv_dy = side / w, side / h
    b = np.ascontiguousarray
    ptr, zones = _coarse_lists(
        b(bounds[:, 0]), b(bounds[:, 1]), b(bounds[:, 2]), b(bounds[:, 3]),
        x0, y0, inv_dx, inv_dy, side, side,
    )  # fmt: skip
    return (x0, y0, x1, y1, inv_dx, inv_dy, side, side, ptr, zones)


def _segments(geom: Any) -> tuple[np.ndarray, ...]:
    rings = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings.append(poly.exterior)
        rings.extend(poly.interiors)
    if not rings:
        e = np.empty(0)
        return e, e, e, e
    xs0, ys0, xs1, ys1 = [], [], [], []
    for ring in rings:
        xy = np.asarray(ring.coords)[:, :2]
        xs0.append(xy[:-1, 0])
        ys0.append(xy[:-1, 1])
        xs1.append(xy[1:, 0])
        ys1.append(xy[1:, 1])
    return (
        np.ascontiguousarray(np.concatenate(xs0)),
        np.ascontiguousarray(np.concatenate(ys0)),
        np.ascontiguousarray(np.concatenate(xs1)),
        np.ascontiguousarray(np.concatenate(ys1)),
    )


@dataclass(frozen=True)
class ZoneIndex:
    """A compiled lookup structure for many point-in-zone queries (see the module notes).

    Build it once with :meth:`build` and query it with :meth:`query`; :func:`assign_points`
    does both.  It can be pickled (to dask workers) and queried from several threads at
    once: GEOS builds a prepared geometry's search structures lazily, on first use, and
    two threads doing so on the same geometry crash the process, so each thread other
    than the one that built (or unpickled) the index tests points against its own
    prepared copy of the zones.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> idx = ZoneIndex.build([shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)], cell=0.25)
    >>> pts, zones = idx.query(np.array([0.5, 1.5, 2.0, 5.0]), np.array([0.5, 1.5, 1.0, 5.0]))
    >>> sorted(zip(pts.tolist(), zones.tolist()))
    [(0, 0), (1, 0), (1, 1), (2, 0), (2, 1)]
    """

    geoms: np.ndarray
    bounds: np.ndarray
    grid: tuple[np.ndarray, ...]
    states: np.ndarray
    boundary: str
    coarse: tuple[Any, ...]
    _owner: int = field(init=False, repr=False, compare=False)
    _local: threading.local = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_owner", threading.get_ident())
        object.__setattr__(self, "_local", threading.local())

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_owner", "_local")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled on a dask worker: shapely does not pickle the prepared state, and the
        # exact tests of boundary cells need it to stay fast.
        self.__dict__.update(state)
        self.__post_init__()
        for g in self.geoms:
            shapely.prepare(g)

    def _thread_geoms(self) -> np.ndarray:
        """The prepared zones for exact tests, private to the calling thread."""
        if threading.get_ident() == self._owner:
            return self.geoms
        geoms = getattr(self._local, "geoms", None)
        if geoms is None:
            geoms = shapely.transform(self.geoms, lambda c: c, include_z=None)  # copies
            for g in geoms:
                shapely.prepare(g)
            self._local.geoms = geoms
        return geoms

    @classmethod
    def build(
        cls,
        geoms: Sequence[Any],
        *,
        cell: float | None = None,
        max_cells: int = 4_000_000,
        boundary: str = "include",
    ) -> ZoneIndex:
        """Build the index of polygons (coordinates in any one CRS, ``cell`` in its units).

        ``cell`` is the lookup cell size; by default 1/256 of the median side of the
        zones' boxes (about 100-200 m for the corridor's zones in EPSG:4549).  A zone
        whose box would need more than ``max_cells`` cells gets coarser cells.  The
        result does not depend on it, only the speed.
        """
        if boundary not in _BOUNDARY:
            raise InputError(f"boundary must be 'include' or 'exclude', got {boundary!r}")
        geoms = np.asarray(list(geoms), dtype=object)
        bad = [i for i, g in enumerate(geoms) if g is None or shapely.get_dimensions(g) != 2]
        if bad:
            raise InputError(f"zones must be polygons; zone(s) {listing(bad, limit=5)} are not")
        nz = len(geoms)
        bounds = np.asarray(shapely.bounds(geoms), dtype=float).reshape(nz, 4)
        if cell is None:
            sides = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
            sides = sides[np.isfinite(sides) & (sides > 0)]
            cell = float(np.median(sides)) / 256.0 if len(sides) else 1.0
        if not (np.isfinite(cell) and cell > 0):
            raise InputError(f"cell must be a positive size, got {cell!r}")
        gx0 = np.empty(nz)
        gy0 = np.empty(nz)
        gdx = np.empty(nz)
        gdy = np.empty(nz)
        gnx = np.empty(nz, dtype=np.int64)
        gny = np.empty(nz, dtype=np.int64)
        goff = np.empty(nz, dtype=np.int64)
        chunks = []
        offset = 0
        for z, geom in enumerate(geoms):
            x0, y0, x1, y1 = bounds[z]
            size = float(cell)
            w, h = max(x1 - x0, size), max(y1 - y0, size)
            while (w / size + 3) * (h / size + 3) > max_cells:
                size *= 1.5
            nx = int(np.ceil(w / size)) + 2
            ny = int(np.ceil(h / size)) + 2
            ox, oy = x0 - size, y0 - size
            state = np.zeros((ny, nx), dtype=np.uint8)
            seg = _segments(geom)
            if len(seg[0]):
                _mark_boundary(*seg, ox, oy, 1.0 / size, 1.0 / size, nx, ny, state, 1e-3)
                _fill_inside(*seg, ox, oy, size, size, nx, ny, state)
            gx0[z], gy0[z], gdx[z], gdy[z] = ox, oy, size, size
            gnx[z], gny[z], goff[z] = nx, ny, offset
            chunks.append(state.ravel())
            offset += nx * ny
        states = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.uint8)
        for g in geoms:
            shapely.prepare(g)
        grid = (gx0, gy0, 1.0 / gdx, 1.0 / gdy, gnx, gny, goff)
        return cls(
            geoms=geoms,
            bounds=bounds,
            grid=grid,
            states=states,
            boundary=boundary,
            coarse=_coarse(bounds),
        )

    def query(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs ``(point position, zone position)`` of every point in every zone.

        Sorted by point, then zone.  NaN coordinates belong to no zone.
        """
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        b = self.bounds
        in_pt, in_z, ca_pt, ca_z = _lookup(
            x,
            y,
            np.ascontiguousarray(b[:, 0]),
            np.ascontiguousarray(b[:, 1]),
            np.ascontiguousarray(b[:, 2]),
            np.ascontiguousarray(b[:, 3]),
            *self.grid,
            self.states,
            *self.coarse,
        )
        keep_pt = [in_pt]
        keep_z = [in_z]
        test = shapely.intersects_xy if self.boundary == "include" else shapely.contains_xy
        if len(ca_pt):
            geoms = self._thread_geoms()
            order = np.argsort(ca_z, kind="stable")
            ca_pt, ca_z = ca_pt[order], ca_z[order]
            cuts = np.flatnonzero(np.diff(ca_z)) + 1
            for pts, zs in zip(np.split(ca_pt, cuts), np.split(ca_z, cuts)):
                hit = test(geoms[zs[0]], x[pts], y[pts])
                keep_pt.append(pts[hit])
                keep_z.append(zs[hit])
        pt = np.concatenate(keep_pt)
        zn = np.concatenate(keep_z)
        if len(keep_pt) == 1:
            return pt, zn  # the lookup's own order: by point, then zone
        # One int64 key and a stable sort (timsort: the pairs are mostly in order
        # already) instead of a two-key lexsort, about 5x faster; same order.
        order = np.argsort(pt * len(self.geoms) + zn, kind="stable")
        return pt[order], zn[order]


# --------------------------------------------------------------------------------------
# Assignment
# --------------------------------------------------------------------------------------
def _layer_names(layers: Sequence[str] | str) -> tuple[str, ...]:
    return (layers,) if isinstance(layers, str) else tuple(layers)


def zone_geometries(layout: Any, layers: Sequence[str] | str) -> tuple[gpd.GeoDataFrame, Any]:
    """The zone table (WGS84) and its geometries in EPSG:4549, cached per layout.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> zones, metric = zone_geometries(load_layout(), "cities")
    >>> len(zones), round(sum(g.area for g in metric) / 1e6)
    (3, 191)
    """
    if isinstance(layout, gpd.GeoDataFrame):  # a zones table: ``layers`` does not apply
        zones = zone_table(layout)
        # Straight from the caller's CRS to EPSG:4549: EPSG:4549 zones stay bit for bit.
        return zones, metric_geometries(layout.reset_index(drop=True))
    names = _layer_names(layers)

    def build() -> tuple[gpd.GeoDataFrame, Any]:
        zones = zone_table(layout, layers=list(names))
        return zones, metric_geometries(zones)

    zones, geoms = cached(layout, ("zone_geometries", names), build)
    return zones.copy(), geoms


def zone_index(
    layout: Any, layers: Sequence[str] | str, *, boundary: str = "include"
) -> tuple[ZoneIndex, gpd.GeoDataFrame]:
    """The compiled :class:`ZoneIndex` of a layout's zones (EPSG:4549) and the zone table.

    Built once per layout, layers and boundary rule, and shared by every later call.

    Examples
    --------
    >>> import numpy as np
    >>> from corridor_geo import load_layout
    >>> lay = load_layout()
    >>> index, zones = zone_index(lay, "corridor")
    >>> index is zone_index(lay, "corridor")[0]
    True
    """
    if boundary not in _BOUNDARY:
        raise InputError(f"boundary must be 'include' or 'exclude', got {boundary!r}")
    if isinstance(layout, gpd.GeoDataFrame):
        zones, geoms = zone_geometries(layout, layers)
        return ZoneIndex.build(geoms, boundary=boundary), zones
    names = _layer_names(layers)
    zones, geoms = zone_geometries(layout, names)
    index = cached(
        layout, ("zone_index", names, boundary), lambda: ZoneIndex.build(geoms, boundary=boundary)
    )
    return index, zones


def _default_layout(layout: Any) -> Any:
    if layout is None:
        from .layout import load_layout

        return load_layout()
    return layout


@keyword_only("layout")
def assign_points(
    points: Any,
    *,
    layout: Any = None,
    layers: Sequence[str] | str = DEFAULT_LAYERS,
    boundary: str = "include",
) -> pd.DataFrame:
    """Every (point, zone) pair: which zones of each layer every point lies in.

    Parameters
    ----------
    points : GeoDataFrame, GeoSeries, ResourceTable, dask-geopandas GeoDataFrame or path
        Points in any CRS (GCJ-02/BD-09 converted exactly; EPSG:4549 used as it is); a
        CRS is required.  A dask-geopandas GeoDataFrame or a (Geo)Parquet path (see
        :func:`corridor_geo.scale.read_parquet_points`) is processed partition by
        partition.
    layout : CorridorLayout or GeoDataFrame, optional
        The layout (the bundled one by default), or zones with ``layer`` and ``zone``
        columns (see :func:`zone_table`).
    layers : str or sequence of str
        Zone layers (:data:`ZONE_LAYERS`); default corridor, cities, circles, districts.
    boundary : {"include", "exclude"}
        Points on a zone's boundary belong to it (``"include"``, closed zones, as
        ``sjoin(predicate="intersects")``) or not (``"exclude"``, as
        ``predicate="within"``).  See the module notes.

    Returns
    -------
    DataFrame
        Columns ``point`` (the input's index label), ``layer`` and ``zone``
        (categoricals), one row per pair, sorted by point position then zone order.
        Points in no zone have no row.  For partitioned input, a lazy dask DataFrame
        with the pairs of each partition (the lookup index is built once and shared by
        every task); ``.compute()`` gives the in-memory result.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from corridor_geo import load_layout
    >>> pts = gpd.GeoSeries([shapely.Point(120.49, 36.165), shapely.Point(120.0, 36.3)],
    ...                     crs="EPSG:4326", index=["ouc", "far"])
    >>> lay = load_layout()
    >>> pairs = assign_points(pts, layout=lay, layers=["corridor", "cities", "districts"])
    >>> pairs.astype(str).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['ouc', 'corridor', 'corridor'], ['ouc', 'cities', 'digital'],
     ['ouc', 'districts', '370212'], ['far', 'districts', '370281']]
    """
    layout = _default_layout(layout)
    frame = as_partitioned(points)
    index_, zones = zone_index(layout, layers, boundary=boundary)
    if frame is not None:
        return _map_shared(frame, _pairs_partition, (index_, _zone_labels(zones)))
    pts = metric_points(points)
    pt, zn = index_.query(pts.x, pts.y)
    return _pairs_frame(pt, zn, zones, pts.index)


def _zone_labels(zones: pd.DataFrame) -> pd.DataFrame:
    """The zone table without geometries: what tasks need beside the index."""
    return pd.DataFrame(zones.drop(columns=zones.geometry.name))


def _map_shared(frame: Any, func: Any, shared: Any) -> Any:
    """Lazy ``map_partitions`` of ``func(partition, shared)``; meta from the empty frame."""
    return map_partitions_shared(frame, func, shared, meta=func(frame._meta, shared))


def _pairs_partition(part: gpd.GeoDataFrame, shared: tuple[ZoneIndex, pd.DataFrame]) -> Any:
    index_, zones = shared
    pts = metric_points(part)
    pt, zn = index_.query(pts.x, pts.y)
    return _pairs_frame(pt, zn, zones, pts.index)


def _pairs_frame(
    pt: np.ndarray, zn: np.ndarray, zones: pd.DataFrame, index: pd.Index
) -> pd.DataFrame:
    layer_cats = pd.unique(zones["layer"])
    layer_codes = pd.Categorical(zones["layer"], categories=layer_cats).codes
    zone_cats = pd.unique(zones["zone"])
    zone_codes = pd.Categorical(zones["zone"], categories=zone_cats).codes
    return pd.DataFrame(
        {
            "point": index.take(pt),
            "layer": pd.Categorical.from_codes(layer_codes[zn], categories=layer_cats),
            "zone": pd.Categorical.from_codes(zone_codes[zn], categories=zone_cats),
        }
    )


@keyword_only("layout")
def assign_zones(
    points: Any,
    *,
    layout: Any = None,
    layers: Sequence[str] | str = DEFAULT_LAYERS,
    boundary: str = "include",
) -> pd.DataFrame:
    """One row per point and one column per layer: the zone(s) each point lies in.

    Parameters are those of :func:`assign_points` (which also lists the partitioned
    inputs accepted).

    Returns
    -------
    DataFrame
        Aligned to the input index; for each layer a column of zone identifiers, several
        joined with ``"|"`` (circles overlap; a point on a shared boundary lies in both
        districts), ``None`` when in none; plus ``n_<layer>`` counts.  For partitioned
        input, a lazy dask DataFrame partitioned (and indexed) as the input.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from corridor_geo import load_layout
    >>> pts = gpd.GeoSeries([shapely.Point(120.49, 36.165)], crs="EPSG:4326")
    >>> assign_zones(pts, layout=load_layout(), layers=["cities", "districts"]).to_dict("records")
    [{'cities': 'digital', 'n_cities': 1, 'districts': '370212', 'n_districts': 1}]
    """
    layout = _default_layout(layout)
    frame = as_partitioned(points)
    index_, zones = zone_index(layout, layers, boundary=boundary)
    if frame is not None:
        return _map_shared(frame, _wide_partition, (index_, _zone_labels(zones)))
    pts = metric_points(points)
    pt, zn = index_.query(pts.x, pts.y)
    return _wide_frame(pt, zn, zones, pts.index)


def _wide_partition(part: gpd.GeoDataFrame, shared: tuple[ZoneIndex, pd.DataFrame]) -> Any:
    index_, zones = shared
    pts = metric_points(part)
    pt, zn = index_.query(pts.x, pts.y)
    return _wide_frame(pt, zn, zones, pts.index)


def _wide_frame(pt: np.ndarray, zn: np.ndarray, zones: pd.DataFrame, index: pd.Index) -> Any:
    out = pd.DataFrame(index=index)
    for layer in pd.unique(zones["layer"]):
        sel = np.isin(zn, np.flatnonzero(zones["layer"].to_numpy() == layer))
        ids = zones["zone"].to_numpy()[zn[sel]]
        joined = pd.Series(ids).groupby(pt[sel]).agg("|".join)
        col = np.full(len(index), None, dtype=object)
        col[joined.index.to_numpy()] = joined.to_numpy()
        count = np.bincount(pt[sel], minlength=len(index))
        out[layer] = col
        out[f"n_{layer}"] = count
    return out


@keyword_only("layout")
def assign_polygons(
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    layout: Any = None,
    layers: Sequence[str] | str = DEFAULT_LAYERS,
    weight: str | None = None,
) -> pd.DataFrame:
    """Share of each polygon's area in each zone (areal weighting).

    Parameters
    ----------
    polygons : GeoDataFrame or GeoSeries
        Polygons in any CRS (a CRS is required), e.g. parcels, campuses, census tracts.
    layout : CorridorLayout or GeoDataFrame, optional
        The layout (the bundled one by default) or a zones table (see :func:`zone_table`).
    layers : str or sequence of str
    weight : str, optional
        A column of counts to split by area share (``weight_in_zone``).

    Returns
    -------
    DataFrame
        One row per polygon and zone it overlaps: ``polygon`` (input index label),
        ``layer``, ``zone``, ``area_km2`` (true area of the overlap), ``area_share``
        (of the polygon's area) and, with ``weight``, ``weight_in_zone``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from corridor_geo import load_layout
    >>> lay = load_layout()
    >>> c = lay.union("corridor").centroid
    >>> box = gpd.GeoSeries([shapely.Point(c.x, c.y).buffer(100)], crs="EPSG:4549")
    >>> out = assign_polygons(box, layout=lay, layers="corridor")
    >>> out["zone"].tolist(), round(float(out["area_share"].iloc[0]), 3)
    (['corridor'], 1.0)
    """
    if isinstance(polygons, gpd.GeoSeries):
        polygons = gpd.GeoDataFrame(geometry=polygons)
    if not isinstance(polygons, gpd.GeoDataFrame):
        raise InputError(
            f"polygons must be a GeoDataFrame or GeoSeries, got {type(polygons).__name__}"
        )
    datum_of(polygons)  # MissingCRSError, naming the fix
    # A missing, empty or invalid polygon would lose its count silently, or fail in GEOS.
    check_geometries(polygons, "the polygon layer", types=("Polygon", "MultiPolygon"))
    zones, zg = zone_geometries(_default_layout(layout), layers)
    pg = metric_geometries(polygons)
    tree = shapely.STRtree(zg)
    p_idx, z_idx = tree.query(pg, predicate="intersects")
    inter = shapely.intersection(pg[p_idx], zg[z_idx])
    area = true_area_m2(inter)
    total = true_area_m2(pg)
    keep = area > 0
    p_idx, z_idx, area = p_idx[keep], z_idx[keep], area[keep]
    out = pd.DataFrame(
        {
            "polygon": polygons.index.take(p_idx),
            "layer": zones["layer"].to_numpy()[z_idx],
            "zone": zones["zone"].to_numpy()[z_idx],
            "area_km2": area / 1e6,
            "area_share": area / np.where(total[p_idx] > 0, total[p_idx], np.nan),
        }
    )
    if weight is not None:
        if weight not in polygons.columns:
            raise InputError(f"no weight column {weight!r} in the polygons")
        w = pd.to_numeric(polygons[weight], errors="coerce").to_numpy(float)
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            raise InputError(
                f"weight column {weight!r} has missing or negative values in rows "
                f"{listing(polygons.index[bad], limit=5)}"
            )
        out["weight_in_zone"] = w[p_idx] * out["area_share"].to_numpy()
    return out.sort_values(["polygon", "layer"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Share of city
# --------------------------------------------------------------------------------------
ALL = "ALL"
"""The ``by`` value of the rows that total every group."""


@keyword_only("layout")
def share_of_city(
    resources: Any,
    *,
    layout: Any = None,
    by: str | None = "category",
    layers: Sequence[str] | str = DEFAULT_LAYERS,
    weight: str | None = "weight",
    boundary: str = "include",
    city_totals: Mapping[Any, float] | None = None,
    total: bool = True,
    client: Any = None,
) -> pd.DataFrame:
    """Counts and weights of resources in each zone, and their share of the city's.

    The city total of a group is the number (and weight) of its resources inside the
    layout's ``city`` layer (:func:`~corridor_geo.resources.read_resources` has already
    rejected those outside Qingdao), unless ``city_totals`` gives official city-wide
    figures (e.g. when the file lists only the corridor's resources).

    Parameters
    ----------
    resources : ResourceTable, GeoDataFrame, GeoSeries, dask-geopandas GeoDataFrame or path
        Points with a CRS; ``by`` and ``weight`` columns as named.  A dask-geopandas
        GeoDataFrame or a (Geo)Parquet path is counted partition by partition (a path is
        read with pyarrow: only the needed columns, coordinates without geometries) and
        the partial counts summed: the result equals the in-memory one.
    layout : CorridorLayout or GeoDataFrame, optional
        The layout (the bundled one by default) or a zones table (see :func:`zone_table`).
    by : str or None
        Column to group by (``"category"``, ``"category_zh"``, ``"status"``...);
        ``None`` for no grouping.
    layers : str or sequence of str
        Zone layers (:data:`ZONE_LAYERS`).  With a zones table: by default every layer
        of the table; named layers select among the table's.
    weight : str or None
        Column of non-negative weights (patents, people); ``None``: weight 1.  The
        default column ``"weight"`` missing from a GeoDataFrame also weighs each point 1;
        a named column that is missing, and any NaN or negative weight, raises.
    boundary : {"include", "exclude"}
        See the module notes.
    city_totals : mapping, optional
        ``{group: city-wide count}`` replacing the counted city totals (the weight
        totals are then scaled in proportion); groups not given keep the counted total.
    total : bool
        Add rows with ``by == "ALL"`` summing every group.
    client : dask.distributed.Client, optional
        For partitioned input: run on this cluster (the lookup index is scattered to
        every worker once); by default dask's current scheduler (a default
        ``Client`` when one exists, else threads).

    Returns
    -------
    DataFrame
        Tidy: one row per zone and group (zeros included): ``layer``, ``zone``,
        ``name_zh``, ``name_en``, ``<by>`` (or ``group``), ``count``, ``weight``,
        ``city_count``, ``city_weight``, ``share_count``, ``share_weight`` (NaN where the
        city total is 0).  ``attrs["n_outside_city"]`` counts resources outside the city
        layer (in no total; logged as a warning).

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> from corridor_geo.resources import synthetic_resources
    >>> lay = load_layout()
    >>> pts = synthetic_resources(200, seed=3, corridor_share=0.45,
    ...                           categories={"state_key_lab": 1, "new_rd_institution": 1})
    >>> table = share_of_city(pts, layout=lay, layers="corridor")
    >>> row = table.query("category == 'ALL'").iloc[0]
    >>> int(row["city_count"]), bool(0.3 < row["share_count"] < 0.6)
    (200, True)
    """
    layout = _default_layout(layout)
    wanted = list(_layer_names(layers))
    if isinstance(layout, gpd.GeoDataFrame) and layers is DEFAULT_LAYERS:
        # A zones table by default counts in all its zones (as assign_points does), not
        # in the layout's default layer names, which it may not have.
        wanted = [str(v) for v in pd.unique(layout["layer"].astype(str))]
    if city_totals is not None:
        for g, v in city_totals.items():
            if not (np.isfinite(float(v)) and float(v) >= 0):
                raise InputError(f"city_totals[{g!r}] must be a finite count >= 0, got {v!r}")
    names = wanted if "city" in wanted else [*wanted, "city"]
    index_, zones = zone_index(layout, names, boundary=boundary)
    source = point_source(resources)
    if source is None:
        frame = frame_of(resources, "resources")
        if by is not None and role_column(frame, by) not in frame.columns:
            raise InputError(
                f"no column {by!r} to group by; the resources have "
                f"{listing(frame.columns, quote=True)} (by=None counts every point)"
            )
        pts = metric_points(resources, columns=[by], weight=weight, what="resources")
        part = _group_counts(pts, index_, by=by)
    else:
        if by is not None and by not in source_columns(source):
            raise InputError(
                f"no column {by!r} to group by in the partitioned resources; they have "
                f"{source_columns(source)} (by=None counts every point)"
            )
        part = reduce_points(
            source,
            _group_counts,
            _GroupCounts.merge,
            columns=[by] if by is not None else [],
            weight=weight,
            shared=index_,
            client=client,
            by=by,
        )
    return _share_table(part, zones, wanted, by=by, city_totals=city_totals, total=total)


@dataclass
class _GroupCounts:
    """Counts and weights of points per zone and group: a partial result, mergeable."""

    labels: list[Any]  # groups, in order of first appearance
    counts: np.ndarray  # int64, zones x groups
    weights: np.ndarray  # float64, zones x groups
    n_grouped: int  # points with a group (in a zone or not)

    def merge(self, other: _GroupCounts) -> _GroupCounts:
        """Sum two partial results (``self`` first: group order is kept)."""
        labels = list(self.labels)
        seen = {g: j for j, g in enumerate(labels)}
        for g in other.labels:
            if g not in seen:
                seen[g] = len(labels)
                labels.append(g)
        n_z = self.counts.shape[0]
        counts = np.zeros((n_z, len(labels)), dtype=np.int64)
        weights = np.zeros((n_z, len(labels)))
        for part in (self, other):
            cols = [seen[g] for g in part.labels]
            counts[:, cols] += part.counts
            weights[:, cols] += part.weights
        return _GroupCounts(labels, counts, weights, self.n_grouped + other.n_grouped)


def _group_counts(pts: MetricPoints, index_: ZoneIndex, *, by: str | None) -> _GroupCounts:
    """Counts and weights per zone and group of metric points."""
    pt, zn = index_.query(pts.x, pts.y)
    w = pts.data["__weight__"]
    if by is None:
        codes = np.zeros(len(pts), dtype=np.int64)
        uniq = [ALL]  # one group, the total, even with no points (zero counts)
    else:
        # Codes in order of first appearance, -1 for missing values.
        codes, found = pd.factorize(pts.data[by], use_na_sentinel=True)
        uniq = pd.Index(found).tolist()
    n_g = len(uniq)
    n_z = len(index_.geoms)
    valid = codes[pt] >= 0
    flat = zn[valid] * n_g + codes[pt][valid]
    counts = np.bincount(flat, minlength=n_z * n_g).reshape(n_z, n_g).astype(np.int64)
    weights = np.bincount(flat, weights=w[pt][valid], minlength=n_z * n_g).reshape(n_z, n_g)
    return _GroupCounts(list(uniq), counts, weights, int((codes >= 0).sum()))


def _share_table(
    part: _GroupCounts,
    zones: gpd.GeoDataFrame,
    wanted: list[str],
    *,
    by: str | None,
    city_totals: Mapping[Any, float] | None,
    total: bool,
) -> pd.DataFrame:
    group_col = by if by is not None else "group"
    uniq = part.labels
    counts = part.counts.astype(float)
    weights = part.weights
    city_rows = np.flatnonzero(zones["layer"].to_numpy() == "city")
    city_count = counts[city_rows].sum(axis=0)
    city_weight = weights[city_rows].sum(axis=0)
    n_outside = int(part.n_grouped - city_count.sum())
    if n_outside:
        log.warning("%d resources lie outside the city layer and count in no total", n_outside)
    if city_totals:
        for j, g in enumerate(uniq):
            if g in city_totals:
                official = float(city_totals[g])
                city_weight[j] = (
                    city_weight[j] * official / city_count[j] if city_count[j] else np.nan
                )
                city_count[j] = official
    keep_z = np.array([layer in wanted for layer in zones["layer"]])
    zsel = np.flatnonzero(keep_z)
    g_labels = list(uniq)
    # Without grouping the one group already is the total: never add it twice.
    if total and by is not None:
        counts = np.column_stack([counts, counts.sum(axis=1)])
        weights = np.column_stack([weights, weights.sum(axis=1)])
        city_count = np.append(city_count, city_count.sum())
        city_weight = np.append(city_weight, np.nansum(city_weight))
        g_labels.append(ALL)
    n_gl = len(g_labels)
    rep = np.repeat(zsel, n_gl)
    tile = np.tile(np.arange(n_gl), len(zsel))
    out = pd.DataFrame(
        {
            "layer": zones["layer"].to_numpy()[rep],
            "zone": zones["zone"].to_numpy()[rep],
            "name_zh": zones["name_zh"].to_numpy()[rep],
            "name_en": zones["name_en"].to_numpy()[rep],
            group_col: np.asarray(g_labels, dtype=object)[tile],
            "count": counts[rep, tile],
            "weight": weights[rep, tile],
            "city_count": city_count[tile],
            "city_weight": city_weight[tile],
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_count"] = np.where(
            out["city_count"] > 0,
            out["count"] / out["city_count"].where(out["city_count"] > 0),
            np.nan,
        )
        out["share_weight"] = np.where(
            out["city_weight"] > 0,
            out["weight"] / out["city_weight"].where(out["city_weight"] > 0),
            np.nan,
        )
    out["count"] = out["count"].astype(int)
    out.attrs["n_outside_city"] = n_outside
    return out
