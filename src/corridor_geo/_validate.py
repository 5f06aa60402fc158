"""Shared input checks (private).

Each check raises an error that names the problem and says how to fix it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import DatumMislabelWarning, GeometryError, InputError
from ._text import listing
from .crs import ANALYSIS_CRS, datum_of, to_analysis_crs

__all__ = [
    "check_columns",
    "check_counts",
    "check_gcj02_mislabel",
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


def check_counts(frame: gpd.GeoDataFrame, column: str, what: str) -> None:
    """Polygons with a column of counts (people) that can be spread by area, or an error
    naming the rows: a point, a missing or an invalid polygon would lose its count."""
    if column not in frame.columns:
        raise InputError(
            f"{what} has no column {column!r}: pass population_col='...' "
            f"(--population-column); it has {listing(frame.columns, quote=True)}"
        )
    counts = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(counts) | (counts < 0)
    if bad.any():
        raise InputError(
            f"{what}: column {column!r} has missing, non-numeric or negative counts in rows "
            f"{listing(frame.index[bad], limit=5)}: fix them (a count of people is a number >= 0)"
        )
    check_geometries(frame, what, types=("Polygon", "MultiPolygon"))


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


@dataclass(frozen=True)
class MislabelCheck:
    """How a layer labelled WGS84 fits a reference, as labelled and read as GCJ-02.

    Distances are medians, in metres, from the layer's vertices to the reference's
    boundaries (a districts layer: internal borders and coast).  ``alternative`` is the
    best fit among the same displacement turned to five other directions: a layer whose
    fault is something else (wrong areas, another source) fits those about as well as
    the GCJ-02 reading, and is not called GCJ-02.
    """

    as_labelled: float
    as_gcj02: float
    alternative: float
    verdict: str  # "gcj02", "fits", "misfit"
    confidence: str  # "strong", "moderate" or "" (no verdict of GCJ-02)

    def describe(self) -> str:
        """One sentence for a message."""
        return (
            f"its vertices lie a median {self.as_labelled:.0f} m from the reference "
            f"boundaries as labelled, {self.as_gcj02:.0f} m if read as GCJ-02, and "
            f"{self.alternative:.0f} m at best for the same shift in another direction"
        )


MISFIT_M = 100.0
"""Median distance (m) beyond which a layer does not fit its reference as labelled."""


def check_gcj02_mislabel(
    frame: gpd.GeoDataFrame | gpd.GeoSeries,
    reference: gpd.GeoDataFrame | gpd.GeoSeries,
) -> MislabelCheck:
    """Tell GCJ-02 data labelled WGS84 from other misfits, and say how sure (see MislabelCheck).

    The reading as GCJ-02 must fit at least twice as well as the reading as labelled, and
    clearly better (by 40 %, "moderate"; by 70 %, "strong") than the same displacement
    applied in five other directions; otherwise the verdict is "misfit" (the layer does not
    follow the reference, for some other reason) or "fits".
    """
    from .crs import transform_xy

    ref = to_analysis_crs(reference)
    lines = shapely.union_all(shapely.boundary(np.asarray(ref.geometry.values, dtype=object)))
    shapely.prepare(lines)
    geographic = frame.to_crs(frame.crs.geodetic_crs) if not frame.crs.is_geographic else frame
    lonlat = _vertices(geographic)
    x, y = transform_xy(lonlat[:, 0], lonlat[:, 1], source=geographic.crs, target=ANALYSIS_CRS)
    gx, gy = transform_xy(lonlat[:, 0], lonlat[:, 1], source="GCJ02", target=ANALYSIS_CRS)
    dx, dy = gx - x, gy - y

    def fit(sx: np.ndarray, sy: np.ndarray) -> float:
        return float(np.median(shapely.distance(shapely.points(sx, sy), lines)))

    as_is = fit(x, y)
    as_gcj = fit(gx, gy)
    alternatives = []
    for deg in (60, 120, 180, 240, 300):
        c, s_ = np.cos(np.radians(deg)), np.sin(np.radians(deg))
        alternatives.append(fit(x + c * dx - s_ * dy, y + s_ * dx + c * dy))
    alt = min(alternatives)
    verdict, confidence = "fits", ""
    if as_is > MISFIT_M:
        verdict = "misfit"
        if as_gcj < 0.5 * as_is and as_gcj < 0.6 * alt:
            verdict = "gcj02"
            confidence = "strong" if as_gcj < 0.3 * alt else "moderate"
    return MislabelCheck(as_is, as_gcj, alt, verdict, confidence)


def warn_if_gcj02_mislabel(
    frame: gpd.GeoDataFrame | gpd.GeoSeries,
    reference: gpd.GeoDataFrame | gpd.GeoSeries,
    what: str,
) -> MislabelCheck | None:
    """Warn when data labelled WGS84/CGCS2000 fit the reference far better as GCJ-02.

    Only a GCJ-02 verdict warns, and the warning says how sure the check is; a layer
    that does not fit for another reason gets no GCJ-02 claim.
    """
    if datum_of(frame) not in ("WGS84", "CGCS2000"):
        return None
    check = check_gcj02_mislabel(frame, reference)
    if check.verdict == "gcj02":
        warnings.warn(
            f"{what} is labelled {frame.crs.name} but {check.describe()}: it is probably "
            f"Amap/Tencent (GCJ-02) data mislabelled as WGS84 ({check.confidence} evidence), "
            "about 450 m east of where it should be. Declare it with datum='GCJ02' (or "
            "corridor_geo.crs.set_datum(data, 'GCJ02')).",
            DatumMislabelWarning,
            stacklevel=3,
        )
    return check
