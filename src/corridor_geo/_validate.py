"""Shared input checks (private).

Each check raises an error that names the problem and says how to fix it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import DatumMislabelWarning, GeometryError, InputError
from .crs import datum_of, to_analysis_crs

__all__ = [
    "check_columns",
    "check_geometries",
    "check_has_crs",
    "gcj02_mislabel_score",
    "warn_if_gcj02_mislabel",
]


def check_has_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> None:
    datum_of(frame)  # raises MissingCRSError with the fix in its message
    del what


def check_columns(frame: pd.DataFrame, required: Iterable[str], what: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            f"{what} is missing the column(s) {', '.join(map(repr, missing))}; "
            f"it has {', '.join(map(repr, map(str, frame.columns)))}"
        )


def check_geometries(
    frame: gpd.GeoDataFrame | gpd.GeoSeries,
    what: str,
    *,
    types: tuple[str, ...] | None = None,
    label: pd.Series | None = None,
) -> None:
    """Raise on missing, empty, invalid or wrongly typed geometries, naming the rows."""
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    names = label if label is not None else pd.Series(geoms.index.astype(str), index=geoms.index)

    def rows(mask: np.ndarray) -> str:
        shown = [str(v) for v in names[mask].tolist()[:5]]
        more = "" if mask.sum() <= 5 else f" and {int(mask.sum()) - 5} more"
        return ", ".join(shown) + more

    missing = geoms.isna().to_numpy()
    if missing.any():
        raise GeometryError(f"{what} has missing geometries in rows: {rows(missing)}")
    empty = geoms.is_empty.to_numpy()
    if empty.any():
        raise GeometryError(f"{what} has empty geometries in rows: {rows(empty)}")
    invalid = ~geoms.is_valid.to_numpy()
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms.values[invalid])[:3]
        raise GeometryError(
            f"{what} has invalid geometries in rows: {rows(invalid)} "
            f"({'; '.join(reasons)}); repair them, e.g. with shapely.make_valid"
        )
    if types is not None:
        wrong = ~geoms.geom_type.isin(types).to_numpy()
        if wrong.any():
            found = sorted(set(geoms.geom_type[wrong]))
            raise GeometryError(
                f"{what} must hold {' or '.join(types)} geometries; rows {rows(wrong)} "
                f"are {', '.join(found)}"
            )


def _vertices(frame: gpd.GeoDataFrame | gpd.GeoSeries, limit: int = 4000) -> np.ndarray:
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    xy = shapely.get_coordinates(geoms.values)
    if len(xy) > limit:
        xy = xy[np.linspace(0, len(xy) - 1, limit).astype(int)]
    return xy


def gcj02_mislabel_score(
    frame: gpd.GeoDataFrame | gpd.GeoSeries,
    reference: gpd.GeoDataFrame | gpd.GeoSeries,
) -> tuple[float, float, str]:
    """How well ``frame`` fits ``reference`` as labelled, and as if it were GCJ-02.

    Polygons are scored by the share of their area outside the reference polygons (a
    450 m shift pushes coasts into the sea); lines and points by the median distance of
    their vertices to the reference geometry, in metres.  Returns ``(as_labelled,
    as_gcj02, unit)``.
    """
    from .crs import to_datum

    ref = shapely.union_all(to_analysis_crs(reference).geometry.values)
    polygonal = frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    ref_polygonal = shapely.get_dimensions(ref) == 2

    def score(data: gpd.GeoDataFrame | gpd.GeoSeries) -> float:
        projected = to_analysis_crs(data)
        if polygonal and ref_polygonal:
            geom = shapely.union_all(projected.geometry.values)
            return float(shapely.difference(geom, ref).area / max(geom.area, 1.0))
        pts = shapely.points(_vertices(projected))
        return float(np.median(shapely.distance(pts, ref)))

    # Reinterpret the geographic coordinates (not projected metres) as GCJ-02.
    geographic = frame.to_crs(frame.crs.geodetic_crs) if not frame.crs.is_geographic else frame
    shifted = to_datum(geographic, "WGS84", source="GCJ02")
    unit = "share of area" if polygonal and ref_polygonal else "m"
    return score(frame), score(shifted), unit


def warn_if_gcj02_mislabel(
    frame: gpd.GeoDataFrame | gpd.GeoSeries,
    reference: gpd.GeoDataFrame | gpd.GeoSeries,
    what: str,
) -> bool:
    """Warn when data labelled WGS84/CGCS2000 fit the reference far better as GCJ-02."""
    if datum_of(frame) not in ("WGS84", "CGCS2000"):
        return False
    as_is, as_gcj, unit = gcj02_mislabel_score(frame, reference)
    threshold = 0.002 if unit == "share of area" else 150.0
    if as_is > threshold and as_gcj < 0.5 * as_is:
        fit = (
            f"{as_is:.1%} of its area falls outside the reference boundaries, "
            f"{as_gcj:.1%} if read as GCJ-02"
            if unit == "share of area"
            else f"it sits {as_is:.0f} m from the reference, {as_gcj:.0f} m if read as GCJ-02"
        )
        warnings.warn(
            f"{what} is labelled {frame.crs.name} but {fit}: it is probably Amap/Tencent "
            "(GCJ-02) data mislabelled as WGS84, about 450 m east of where it should be. "
            "Declare it with datum='GCJ02' (or corridor_geo.crs.set_datum(data, 'GCJ02')).",
            DatumMislabelWarning,
            stacklevel=3,
        )
        return True
    return False
