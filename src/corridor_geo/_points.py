"""Points in the analysis CRS: normalised once, carried onward (private).

Every point analysis (zones, density, coverage, the axis, access) starts here.  Whatever
the points came as - a :class:`~corridor_geo.resources.ResourceTable`, a GeoDataFrame or
GeoSeries in any CRS or Chinese datum - :func:`metric_points` gives their EPSG:4549
coordinates as arrays, plus the columns the analysis needs:

* a ResourceTable carries the coordinates its reader computed once (no work at all);
* data already in EPSG:4549 is read as it is (never round-tripped through WGS84);
* anything else is transformed as arrays (:func:`corridor_geo.crs.transform_xy`), no
  intermediate geometries.

Rows an analysis cannot use (missing or empty geometries, non-finite coordinates,
geometries that are not points, bad weights) raise an error that names them: nothing is
dropped silently.  Read tables with :func:`corridor_geo.resources.read_points` to have
such rows rejected with a reason instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import GeometryError, InputError
from ._text import listing
from .crs import ANALYSIS_CRS, datum_of, transform_xy

ROLES_ATTR = "corridor_geo_columns"
"""Key of ``GeoDataFrame.attrs`` holding the reader's role -> column mapping."""

WEIGHT_DEFAULT = "weight"
"""The default weight column: a frame without it weighs every point 1."""


@dataclass(frozen=True)
class MetricPoints:
    """Points as EPSG:4549 coordinate arrays with the columns an analysis asked for."""

    x: np.ndarray
    y: np.ndarray
    index: pd.Index
    data: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.x)

    def take(self, positions: np.ndarray) -> MetricPoints:
        """The points at these positions."""
        return MetricPoints(
            self.x[positions],
            self.y[positions],
            self.index.take(positions),
            {k: v[positions] for k, v in self.data.items()},
        )


def frame_of(obj: Any, what: str = "points") -> gpd.GeoDataFrame:
    """The GeoDataFrame behind a ResourceTable, GeoSeries or GeoDataFrame."""
    accepted = getattr(obj, "accepted", None)
    if isinstance(accepted, gpd.GeoDataFrame):
        return accepted
    if isinstance(obj, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=obj)
    if isinstance(obj, gpd.GeoDataFrame):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        raise InputError(
            f"{what}: {os.fspath(obj)!r} is a file path; read it first with "
            "corridor_geo.read_resources(path, datum=...) or read_points, which say which "
            "rows they reject and why, and pass the result"
        )
    if isinstance(obj, pd.DataFrame):
        raise InputError(
            f"{what} must have point geometries, got a DataFrame without them: read it with "
            "corridor_geo.read_resources(frame, datum=...) or read_points (its longitude and "
            "latitude columns are found), and pass the result"
        )
    raise InputError(
        f"{what} must be a ResourceTable (from read_resources/read_points), a GeoDataFrame or "
        f"a GeoSeries of points, got {type(obj).__name__}"
    )


def role_column(obj: Any, name: str | None) -> str | None:
    """The column holding a role (``weight``, ``category``...) of a reader's output.

    The reader renames its own columns when the source has columns of the same name
    (``cg_weight`` beside the user's ``weight``) and records the mapping; a role name is
    resolved through it, any other column name is taken as it is.
    """
    if name is None:
        return None
    frame = frame_of(obj) if not isinstance(obj, pd.DataFrame) else obj
    roles = frame.attrs.get(ROLES_ATTR) if hasattr(frame, "attrs") else None
    if isinstance(roles, Mapping) and name in roles and roles[name] in frame.columns:
        return str(roles[name])
    return name


def _rows(index: pd.Index, mask: np.ndarray) -> str:
    labels = [str(v) for v in index[mask][:5]]
    more = int(mask.sum()) - len(labels)
    return ", ".join(labels) + (f" and {more} more" if more > 0 else "")


def point_xy(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str = "points") -> tuple[Any, Any]:
    """Coordinates of point geometries in their own CRS, checked: errors name bad rows."""
    geoms = frame.geometry.values if isinstance(frame, gpd.GeoDataFrame) else frame.values
    arr = np.asarray(geoms, dtype=object)
    index = frame.index
    missing = np.asarray(shapely.is_missing(arr) | shapely.is_empty(arr), dtype=bool)
    if missing.any():
        raise InputError(
            f"{what}: {int(missing.sum())} rows have no geometry (rows {_rows(index, missing)}); "
            "drop them, or read the table with corridor_geo.read_points, which rejects such "
            "rows with a reason"
        )
    types = np.asarray(shapely.get_type_id(arr))
    if (types != 0).any():
        bad = types != 0
        found = sorted(set(np.asarray(shapely.get_type_id(arr[bad])).tolist()))
        names = {1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString"}
        raise GeometryError(
            f"{what} must be points; rows {_rows(index, bad)} are "
            + ", ".join(names.get(t, shapely.GeometryType(t).name) for t in found)
            + " (use representative points, e.g. frame.representative_point())"
        )
    x = np.asarray(shapely.get_x(arr), dtype=float)
    y = np.asarray(shapely.get_y(arr), dtype=float)
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        raise InputError(
            f"{what}: rows {_rows(index, bad)} have coordinates that are not finite numbers"
        )
    return x, y


def metric_points(
    obj: Any,
    *,
    columns: Iterable[str | None] = (),
    weight: str | None = None,
    what: str = "points",
) -> MetricPoints:
    """EPSG:4549 coordinates of points, and the named columns as arrays (see module notes).

    ``weight`` names a column of non-negative finite weights (resolved through the
    reader's role mapping), returned as ``data["__weight__"]``: the default column
    ``"weight"`` missing from the frame weighs every point 1; any other missing column,
    and any NaN, infinite or negative weight, raises naming the rows.  The other
    ``columns`` must exist.
    """
    frame = frame_of(obj, what)
    datum_of(frame)  # MissingCRSError, with the fix
    cached = getattr(obj, "metric_xy", None) if frame is not obj else None
    if isinstance(cached, np.ndarray) and cached.shape == (len(frame), 2):
        x, y = cached[:, 0], cached[:, 1]
    else:
        sx, sy = point_xy(frame, what)
        x, y = transform_xy(sx, sy, source=frame.crs, target=ANALYSIS_CRS)
    data: dict[str, np.ndarray] = {}
    for name in columns:
        col = role_column(frame, name)
        if col is None:
            continue
        if col not in frame.columns:
            raise InputError(
                f"{what} have no column {name!r}; they have {listing(frame.columns, quote=True)}"
            )
        data[name] = frame[col].to_numpy(dtype=object)
    data["__weight__"] = weights(frame, weight, what)
    return MetricPoints(x, y, frame.index, data)


def weights(frame: pd.DataFrame, weight: str | None, what: str = "points") -> np.ndarray:
    """Checked non-negative finite weights of a frame's rows (see :func:`metric_points`)."""
    col = role_column(frame, weight)
    if col is None or (col not in frame.columns and weight == WEIGHT_DEFAULT):
        return np.ones(len(frame))
    if col not in frame.columns:
        raise InputError(
            f"{what} have no weight column {weight!r}; they have "
            f"{listing(frame.columns, quote=True)} (weight=None counts each point once)"
        )
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise InputError(
            f"{what}: weight column {col!r} has missing, non-numeric, infinite or negative "
            f"values in rows {_rows(frame.index, bad)}; fix them, or read the table with "
            "corridor_geo.read_points(..., weight=...), which rejects such rows with a reason"
            + (
                f" (the column {col!r} is used by default, as the weight a reader reads; "
                "weight=None counts each point once)"
                if weight == WEIGHT_DEFAULT
                else ""
            )
        )
    return values


def metric_geometries(obj: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    """Geometries of a frame in EPSG:4549 as an object array (no copy when already there)."""
    from .crs import to_crs

    datum_of(obj)
    geoms = obj.geometry.values if isinstance(obj, gpd.GeoDataFrame) else obj.values
    if obj.crs.equals(ANALYSIS_CRS):
        return np.asarray(geoms, dtype=object)
    moved = to_crs(obj, ANALYSIS_CRS)
    values = moved.geometry.values if isinstance(moved, gpd.GeoDataFrame) else moved.values
    return np.asarray(values, dtype=object)


def required_columns(obj: Any, names: Sequence[str | None]) -> list[str]:
    """The columns among ``names`` (roles resolved) that the points have."""
    frame = frame_of(obj)
    out = []
    for name in names:
        col = role_column(frame, name)
        if col is not None and col in frame.columns:
            out.append(col)
    return out
