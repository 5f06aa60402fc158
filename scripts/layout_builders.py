"""Build-time construction of the bundled layout layers (``data/boundaries/``).

These functions make the *default* layers from their cited sources; the package never
imports them at run time (it loads the files they wrote).  They live beside
``scripts/build_boundaries.py``, which calls them, so that the rule can be read, checked
and re-run on better inputs from a source checkout:

* :func:`axis_from_control_points` - Binhai Avenue through cited control points;
* :func:`cities_from_axis` - the three cities as bands around the axis, clipped to their
  host districts and calibrated to the official areas;
* :func:`circles_from_sites` - ecosystem circles as geodesic circles around anchors.

Import it with ``scripts/`` on ``sys.path`` (``import layout_builders``).  Until the next
release, ``corridor_geo.layout.axis_from_control_points`` and the two others still
resolve here, with a ``FutureWarning``, in a source checkout.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import Geod

from corridor_geo import GeometryError, InputError, LayoutError, official
from corridor_geo.crs import (
    ANALYSIS_CRS,
    WGS84,
    geodesic_area,
    geodesic_length,
    normalize_datum,
    to_analysis_crs,
    to_datum,
    transform_coords,
)

__all__ = ["axis_from_control_points", "circles_from_sites", "cities_from_axis"]

STATUS_INDICATIVE = "indicative"
_GEOD = Geod(ellps="WGS84")


def _require_columns(frame: pd.DataFrame, required: list[str], what: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            f"{what} is missing the column(s) {', '.join(map(repr, missing))}; "
            f"it has {', '.join(map(repr, map(str, frame.columns)))}"
        )


def _kind_keys(values: pd.Series, what: str) -> pd.Series:
    """Circle kinds given by key, Chinese or English name (optionally with 生态圈)."""
    lookup: dict[str, str] = {}
    for k in official.CIRCLE_KINDS:
        for name in (k.key, k.name_zh, k.name_en, k.name_zh + "生态圈"):
            lookup[name.strip().lower()] = k.key
    keys = values.astype(str).str.strip().str.lower().map(lookup)
    unknown = sorted(set(values[keys.isna()].astype(str)))
    if unknown:
        choices = ", ".join(f"{k.key} ({k.name_zh})" for k in official.CIRCLE_KINDS)
        raise LayoutError(f"{what}: unknown circle kind(s) {unknown}; use one of {choices}")
    return keys


def _read_table(source: str | os.PathLike[str] | pd.DataFrame, what: str) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{what}: no such file {str(path)!r}")
    return pd.read_csv(path, encoding="utf-8")


def _points_from_table(table: pd.DataFrame, what: str) -> gpd.GeoDataFrame:
    _require_columns(table, ["lon", "lat", "datum"], what)
    lon = pd.to_numeric(table["lon"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(table["lat"], errors="coerce").to_numpy(float)
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        raise InputError(f"{what}: rows {np.flatnonzero(bad).tolist()} have no valid lon/lat")
    out_lon, out_lat = lon.copy(), lat.copy()
    for datum, idx in table.groupby(table["datum"].map(normalize_datum)).indices.items():
        out_lon[idx], out_lat[idx] = transform_coords(
            lon[idx], lat[idx], source=datum, target="WGS84"
        )
    frame = table.rename(columns={"lon": "lon_source", "lat": "lat_source"})
    frame = frame.rename(columns={"datum": "datum_source"})
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(out_lon, out_lat), crs=WGS84)


def axis_from_control_points(
    source: str | os.PathLike[str] | pd.DataFrame,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Build the Binhai Avenue axis as a LineString through ordered control points.

    Parameters
    ----------
    source : path or DataFrame
        A table with columns ``seq`` (order, south to north), ``lon``, ``lat`` and
        ``datum`` (any of WGS84, CGCS2000, GCJ02, BD09 per row), plus any descriptive
        columns (``name_zh``, ``source_ref``, ``accuracy_m``...).

    Returns
    -------
    axis : GeoDataFrame
        One row: the LineString in WGS84 with the axis's official names and length,
        the measured geodesic length and the provenance columns.
    points : GeoDataFrame
        The control points in WGS84 (original coordinates kept as ``lon_source``,
        ``lat_source``, ``datum_source``).

    Examples
    --------
    >>> from corridor_geo import datasets
    >>> axis, pts = axis_from_control_points(datasets.get_path("axis_control_points.csv"))
    >>> axis.geometry.iloc[0].geom_type, len(pts) >= 2
    ('LineString', True)
    """
    table = _read_table(source, "axis control points")
    _require_columns(table, ["seq"], "axis control points")
    table = table.sort_values("seq", kind="stable").reset_index(drop=True)
    points = _points_from_table(table, "axis control points")
    if len(points) < 2:
        raise InputError("the axis needs at least two control points")
    line = shapely.LineString(shapely.get_coordinates(points.geometry.values))
    refs = sorted(set(points.get("source_ref", pd.Series(dtype=str)).dropna().astype(str)))
    accuracy = pd.to_numeric(points.get("accuracy_m", pd.Series(dtype=float)), errors="coerce")
    axis = gpd.GeoDataFrame(
        {
            "key": [official.AXIS["key"]],
            "name_zh": [official.AXIS["name_zh"]],
            "name_en": [official.AXIS["name_en"]],
            "official_length_km": [official.AXIS["length_km"]],
            "length_km": [np.nan],
            "n_control_points": [len(points)],
            "status": [STATUS_INDICATIVE],
            "method": [
                "polyline through cited control points, south to north; source datums "
                "converted to WGS84 with corridor_geo.crs"
            ],
            "source": ["; ".join(refs) if refs else "user table"],
            "accuracy_m": [float(accuracy.max()) if accuracy.notna().any() else np.nan],
        },
        geometry=[line],
        crs=WGS84,
    )
    axis["length_km"] = geodesic_length(axis) / 1000.0
    return axis, points


def _band(
    axis_m: shapely.LineString,
    host_m: Any,
    half_width: float,
    min_share: float,
    link_m: shapely.LineString | None = None,
) -> Any:
    band = shapely.buffer(axis_m, half_width, cap_style="flat", join_style="round", quad_segs=16)
    if link_m is not None:
        band = shapely.union(band, shapely.buffer(link_m, half_width, quad_segs=16))
    piece = shapely.intersection(band, host_m)
    parts = [g for g in shapely.get_parts(piece) if g.geom_type == "Polygon"]
    if not parts:
        return shapely.Polygon()
    total = sum(p.area for p in parts)
    kept = [p for p in parts if p.area >= min_share * total]
    return shapely.union_all(kept)


def _geodesic_km2(geom_m: Any) -> float:
    if geom_m.is_empty:
        return 0.0
    return float(geodesic_area(geom_m, crs=ANALYSIS_CRS)) / 1e6


def cities_from_axis(
    axis: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    *,
    cities: tuple[official.City, ...] = official.CITIES,
    links: str | os.PathLike[str] | pd.DataFrame | None = None,
    min_part_share: float = 0.01,
    rel_tol: float = 1e-5,
    max_half_width_m: float = 30_000.0,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Build the three cities by the documented band rule, calibrated to official areas.

    The rule, for each city: take the axis (in EPSG:4549), buffer it by a half-width
    ``w`` with flat ends (so the band stops at the axis's ends, the boundary roads
    香港东路 in the south and 大田路 in the north), intersect it with the host
    district's land polygon (whose sea edge is the coastline), drop parts smaller than
    ``min_part_share`` of the result (islets and slivers), and solve for the ``w`` whose
    geodesic area equals the official figure (bisection to ``rel_tol``).  Each city
    therefore lies inside its district by construction, and the cities cannot overlap
    because the districts do not.  A city whose district the axis does not cross (青年科创城
    in 李沧区) gets a *link*: the shortest segment from the axis to a named place of that
    district (``links``), buffered by the same half-width (round ends).

    Parameters
    ----------
    axis : GeoDataFrame
        The axis (one or more lines, merged), any CRS.
    districts : GeoDataFrame
        Host districts with a ``code`` column (``"370212"``...), any CRS.
    cities : tuple of official.City
        The cities to build; defaults to the plan's three.
    links : path or DataFrame, optional
        Columns ``city`` (a city key), ``lon``, ``lat``, ``datum`` and optional
        ``place_zh``: the named place each such city's link reaches.
    min_part_share, rel_tol, max_half_width_m : float
        See the rule above.

    Returns
    -------
    cities : GeoDataFrame
        One row per city in WGS84: names, host district, official and measured area,
        the calibrated ``half_width_m`` and provenance.
    report : DataFrame
        The calibration: city, half-width, target and achieved area, iterations.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> lay = load_layout()
    >>> built, report = cities_from_axis(lay.axis, lay.districts)
    >>> (report["rel_error"].abs() < 1e-4).all()
    np.True_
    """
    _require_columns(districts, ["code"], "districts")
    axis_m = shapely.line_merge(shapely.union_all(to_analysis_crs(axis).geometry.values))
    if axis_m.is_empty:
        raise GeometryError("the axis is empty")
    dist_m = to_analysis_crs(districts)
    link_lines: dict[str, shapely.LineString] = {}
    link_places: dict[str, str] = {}
    if links is not None:
        places = _points_from_table(_read_table(links, "city links"), "city links")
        _require_columns(places, ["city"], "city links")
        places_m = to_analysis_crs(places)
        for key, place, pt in zip(
            places_m["city"], places_m.get("place_zh", places_m["city"]), places_m.geometry
        ):
            near = shapely.ops.nearest_points(axis_m, pt)[0]
            link_lines[str(key)] = shapely.LineString([near, pt])
            link_places[str(key)] = str(place)
    rows, report = [], []
    for c in cities:
        link_m = link_lines.get(c.key)
        host = dist_m.loc[dist_m["code"].astype(str) == c.district_code]
        if host.empty:
            raise LayoutError(f"district {c.district_code} hosting {c.name_zh} is missing")
        host_m = shapely.union_all(host.geometry.values)
        lo, hi = 0.0, max_half_width_m
        if _geodesic_km2(_band(axis_m, host_m, hi, min_part_share, link_m)) < c.area_km2:
            raise LayoutError(
                f"{c.name_zh}: even a {hi / 1000:.0f} km band around the axis holds less "
                f"than {c.area_km2} km² of district {c.district_code}"
            )
        it = 0
        area = 0.0
        geom = shapely.Polygon()
        while it < 80:
            it += 1
            mid = 0.5 * (lo + hi)
            geom = _band(axis_m, host_m, mid, min_part_share, link_m)
            area = _geodesic_km2(geom)
            if abs(area - c.area_km2) <= rel_tol * c.area_km2:
                break
            lo, hi = (mid, hi) if area < c.area_km2 else (lo, mid)
        rows.append(
            {
                "key": c.key,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "district_code": c.district_code,
                "district_zh": official.DISTRICTS[c.district_code][0],
                "location_zh": c.area_note_zh,
                "official_area_km2": c.area_km2,
                "half_width_m": round(mid, 1),
                "status": STATUS_INDICATIVE,
                "method": (
                    f"band of half-width {mid:.0f} m around the axis (flat ends)"
                    + (f" and its link to {link_places[c.key]}" if link_m is not None else "")
                    + ", "
                    f"clipped to the land of district {c.district_code}, parts under "
                    f"{min_part_share:.0%} dropped, half-width solved so that the "
                    "geodesic area equals the official figure"
                ),
                "geometry": geom,
            }
        )
        report.append(
            {
                "city": c.name_zh,
                "half_width_m": round(mid, 1),
                "official_area_km2": c.area_km2,
                "area_km2": round(area, 4),
                "rel_error": (area - c.area_km2) / c.area_km2,
                "iterations": it,
            }
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=ANALYSIS_CRS)
    frame = to_datum(frame, "WGS84")
    frame.insert(
        frame.columns.get_loc("official_area_km2") + 1, "area_km2", geodesic_area(frame) / 1e6
    )
    return frame, pd.DataFrame(report)


def circles_from_sites(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    n_vertices: int = 128,
) -> gpd.GeoDataFrame:
    """Ecosystem circles as geodesic circles of each site's radius around its anchor.

    Parameters
    ----------
    source : path or DataFrame
        Columns ``kind`` (a key of :data:`corridor_geo.official.CIRCLE_KINDS`, or its
        Chinese or English name), ``site_zh``, ``lon``, ``lat``, ``datum``,
        ``radius_m``; optional ``site_en``, ``anchor_zh``, ``source_ref``,
        ``accuracy_m``, ``rationale``.
    n_vertices : int
        Vertices of each circle (computed on the WGS 84 ellipsoid, so the radius is
        exact at every vertex).

    Returns
    -------
    GeoDataFrame
        One polygon per site, WGS84, with ``kind``, ``kind_zh``, ``kind_en``, site
        names, ``radius_m``, the anchor point's coordinates and provenance.

    Examples
    --------
    >>> from corridor_geo import datasets
    >>> circles = circles_from_sites(datasets.get_path("circle_sites.csv"))
    >>> sorted(circles["kind"].unique())[:2]
    ['finance', 'future_industry']
    """
    table = _read_table(source, "circle sites")
    _require_columns(table, ["kind", "site_zh", "radius_m"], "circle sites")
    table["kind"] = _kind_keys(table["kind"], "circle sites")
    radius = pd.to_numeric(table["radius_m"], errors="coerce")
    if not (radius > 0).all():
        bad = table.loc[~(radius > 0), "site_zh"].tolist()
        raise InputError(f"circle sites need a positive radius_m; check {bad}")
    points = _points_from_table(table, "circle sites")
    kinds = {k.key: k for k in official.CIRCLE_KINDS}
    az = np.linspace(0.0, 360.0, n_vertices, endpoint=False)
    polys = []
    for pt, r in zip(points.geometry, radius):
        lon, lat, _ = _GEOD.fwd(
            np.full(n_vertices, pt.x), np.full(n_vertices, pt.y), az, np.full(n_vertices, float(r))
        )
        polys.append(shapely.Polygon(np.column_stack([lon, lat])[::-1]))
    out = points.drop(columns="geometry")
    out.insert(1, "kind_zh", [kinds[k].name_zh for k in out["kind"]])
    out.insert(2, "kind_en", [kinds[k].name_en for k in out["kind"]])
    out["radius_m"] = radius.to_numpy(float)
    out["anchor_lon"] = points.geometry.x.to_numpy()
    out["anchor_lat"] = points.geometry.y.to_numpy()
    out["status"] = STATUS_INDICATIVE
    out["method"] = f"geodesic circle of radius_m around the anchor ({n_vertices} vertices)"
    return gpd.GeoDataFrame(out, geometry=polys, crs=WGS84)
