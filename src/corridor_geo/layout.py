"""The corridor's layout: corridor, cities, circles, axis, districts, sub-districts, city.

:func:`load_layout` returns a :class:`CorridorLayout` built from the bundled,
*indicative* layers (see ``data/boundaries/SOURCES.md`` via
:func:`corridor_geo.datasets.sources_text`), optionally with any layer replaced by an
authoritative file.  Every layer is a GeoDataFrame in WGS84 with Chinese and English
names and the plan's official figures joined.

The functions that *construct* the default layers are public too, so the rule can be
checked and re-run on better inputs:

* :func:`axis_from_control_points` - Binhai Avenue through cited control points;
* :func:`cities_from_axis` - the three cities as bands around the axis, clipped to their
  host districts and calibrated to the official areas;
* :func:`circles_from_sites` - ecosystem circles as geodesic circles around anchors.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import Geod

from . import datasets, official
from ._errors import GeometryError, InputError, LayoutError, LayoutWarning
from ._validate import check_columns, check_geometries, warn_if_gcj02_mislabel
from .crs import (
    ANALYSIS_CRS,
    WGS84,
    datum_of,
    geodesic_area,
    geodesic_length,
    normalize_datum,
    set_datum,
    to_analysis_crs,
    to_datum,
    transform_coords,
)

__all__ = [
    "LAYER_NAMES",
    "CorridorLayout",
    "axis_from_control_points",
    "circles_from_sites",
    "cities_from_axis",
    "load_layout",
]

log = logging.getLogger(__name__)

LAYER_NAMES = ("corridor", "cities", "circles", "axis", "districts", "subdistricts", "city")
"""The layers of a :class:`CorridorLayout`, in drawing order."""

STATUS_INDICATIVE = "indicative"
AREA_TOLERANCE = 0.005  # 0.5 %: the bar for the three cities and the corridor
LENGTH_TOLERANCE = 0.05  # 5 %: the plan's 53 km is a rounded north-south length
CONTAINMENT_TOLERANCE = 0.001  # share of a city's area allowed outside its district
TILING_TOLERANCE = 0.001  # sub-districts' area sum against their district's area (0.1 %)
_GEOD = Geod(ellps="WGS84")


# --------------------------------------------------------------------------------------
# Construction of the default layers
# --------------------------------------------------------------------------------------
def _read_table(source: str | os.PathLike[str] | pd.DataFrame, what: str) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{what}: no such file {str(path)!r}")
    return pd.read_csv(path, encoding="utf-8")


def _points_from_table(table: pd.DataFrame, what: str) -> gpd.GeoDataFrame:
    check_columns(table, ["lon", "lat", "datum"], what)
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
    >>> axis, pts = axis_from_control_points(datasets.get_path("axis_control_points.csv"))
    >>> axis.geometry.iloc[0].geom_type, len(pts) >= 2
    ('LineString', True)
    """
    table = _read_table(source, "axis control points")
    check_columns(table, ["seq"], "axis control points")
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
    >>> lay = load_layout()
    >>> built, report = cities_from_axis(lay.axis, lay.districts)
    >>> (report["rel_error"].abs() < 1e-4).all()
    np.True_
    """
    check_columns(districts, ["code"], "districts")
    axis_m = shapely.line_merge(shapely.union_all(to_analysis_crs(axis).geometry.values))
    if axis_m.is_empty:
        raise GeometryError("the axis is empty")
    dist_m = to_analysis_crs(districts)
    link_lines: dict[str, shapely.LineString] = {}
    link_places: dict[str, str] = {}
    if links is not None:
        places = _points_from_table(_read_table(links, "city links"), "city links")
        check_columns(places, ["city"], "city links")
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
    >>> circles = circles_from_sites(datasets.get_path("circle_sites.csv"))
    >>> sorted(circles["kind"].unique())[:2]
    ['finance', 'future_industry']
    """
    table = _read_table(source, "circle sites")
    check_columns(table, ["kind", "site_zh", "radius_m"], "circle sites")
    table["kind"] = _normalize_kinds(table["kind"], "circle sites")
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


def _normalize_kinds(values: pd.Series, what: str) -> pd.Series:
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


# --------------------------------------------------------------------------------------
# The layout object
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CorridorLayout:
    """The corridor's layers, each a GeoDataFrame in WGS84.

    Build it with :func:`load_layout`.  Attributes ``corridor``, ``cities``, ``circles``,
    ``axis``, ``districts``, ``subdistricts`` (街道/镇) and ``city`` (the municipality) give
    the layers; the object is immutable: :meth:`replace` returns a new one.
    """

    layers: Mapping[str, gpd.GeoDataFrame]
    sources: Mapping[str, str] = field(default_factory=dict)

    # Layer access ---------------------------------------------------------------------
    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        return self.layer(name)

    def layer(self, name: str) -> gpd.GeoDataFrame:
        """A copy of one layer by name (see :data:`LAYER_NAMES`)."""
        if name not in LAYER_NAMES:
            raise LayoutError(f"unknown layer name {name!r}: use one of {', '.join(LAYER_NAMES)}")
        return self.layers[name].copy()

    corridor = property(lambda self: self.layer("corridor"), doc="The corridor (一廊).")
    cities = property(lambda self: self.layer("cities"), doc="The three cities (三城).")
    circles = property(lambda self: self.layer("circles"), doc="Ecosystem-circle sites (多圈).")
    axis = property(lambda self: self.layer("axis"), doc="Binhai Avenue (滨海大道).")
    districts = property(lambda self: self.layer("districts"), doc="Qingdao's 10 districts.")
    subdistricts = property(
        lambda self: self.layer("subdistricts"), doc="Qingdao's 135 sub-districts (街道/镇)."
    )
    city = property(lambda self: self.layer("city"), doc="Qingdao municipality (青岛市).")

    def __repr__(self) -> str:
        parts = ", ".join(f"{n}={len(self.layers[n])}" for n in LAYER_NAMES)
        return f"CorridorLayout({parts})"

    # Replacement ----------------------------------------------------------------------
    def replace(
        self,
        name: str,
        data: str | os.PathLike[str] | gpd.GeoDataFrame | gpd.GeoSeries,
        *,
        datum: str | None = None,
        layer: str | None = None,
    ) -> CorridorLayout:
        """Return a new layout with one layer replaced by an authoritative file or frame.

        Parameters
        ----------
        name : str
            One of :data:`LAYER_NAMES`.
        data : path, GeoDataFrame or GeoSeries
            Any format geopandas reads, in any CRS.  Data without a CRS need ``datum``.
        datum : str, optional
            Declare the coordinates' datum (``"GCJ02"`` for Amap/Tencent exports,
            ``"BD09"`` for Baidu, ``"WGS84"``, ``"CGCS2000"``), overriding any CRS.
        layer : str, optional
            Layer to read from a multi-layer file (GeoPackage).

        Returns
        -------
        CorridorLayout
            Re-validated: structural problems (a city outside its district, invalid
            geometry, unknown names) raise :class:`~corridor_geo.LayoutError` or
            :class:`~corridor_geo.GeometryError`; differences from the official
            figures beyond tolerance give a :class:`~corridor_geo.LayoutWarning`.
            Replacing ``cities`` rebuilds ``corridor`` as their union.

        Examples
        --------
        >>> lay = load_layout()
        >>> same = lay.replace("cities", lay.cities)
        >>> round(float(same.cities["area_km2"].sum()), 2)
        190.71
        """
        if name not in LAYER_NAMES:
            raise LayoutError(f"unknown layer name {name!r}: use one of {', '.join(LAYER_NAMES)}")
        frame, source = _read_layer(data, layer=layer)
        frame = _declare(frame, datum, what=f"the {name} layer")
        check_geometries(frame, f"the {name} layer")
        declared = datum is not None and normalize_datum(datum) in ("GCJ02", "BD09")
        if not declared:
            reference = self.layers["axis"] if name == "axis" else self.layers["city"]
            warn_if_gcj02_mislabel(frame, reference, f"the {name} layer")
        frame = to_datum(frame, "WGS84") if datum_of(frame) != "WGS84" else frame.copy()
        frame = _NORMALIZERS[name](frame, self)
        layers = dict(self.layers)
        layers[name] = frame
        if name == "cities":
            layers["corridor"] = _corridor_from_cities(frame, status=_status_of(frame))
        sources = dict(self.sources)
        sources[name] = source
        new = CorridorLayout(layers, sources)
        new._check(raise_structural=True)
        return new

    # Validation -----------------------------------------------------------------------
    def validate(self) -> pd.DataFrame:
        """Every official figure and rule of the layout against what the layers measure.

        Returns
        -------
        DataFrame
            One row per check: ``check``, ``subject``, ``official``, ``measured``,
            ``unit``, ``difference``, ``rel_difference``, ``tolerance``, ``passed``,
            ``note``.  Areas and lengths are geodesic (WGS 84 ellipsoid).

        Examples
        --------
        >>> table = load_layout().validate()
        >>> bool(table["passed"].all())
        True
        """
        return self._check(raise_structural=False)

    def _check(self, *, raise_structural: bool) -> pd.DataFrame:
        rows: list[dict[str, Any]] = []

        def add(check, subject, official_v, measured, unit, tol, passed, note="", rel=True):
            diff = None if official_v is None or measured is None else measured - official_v
            rel_d = None if diff is None or not official_v else diff / official_v
            rows.append(
                {
                    "check": check,
                    "subject": subject,
                    "official": official_v,
                    "measured": measured,
                    "unit": unit,
                    "difference": diff,
                    "rel_difference": rel_d if rel else None,
                    "tolerance": tol,
                    "passed": bool(passed),
                    "note": note,
                }
            )

        layers = self.layers
        for name in LAYER_NAMES:
            frame = layers[name]
            ok = (
                len(frame) > 0
                and frame.geometry.notna().all()
                and not frame.geometry.is_empty.any()
                and frame.geometry.is_valid.all()
            )
            add(
                "valid geometries",
                name,
                None,
                float(len(frame)),
                "features",
                None,
                ok,
                "present, non-empty and valid",
                rel=False,
            )

        cities = layers["cities"]
        corridor = layers["corridor"]

        def add_figure(subject, official_v, measured, unit, tol, check="area", note=""):
            passed = abs(measured - official_v) <= tol * official_v
            add(check, subject, official_v, measured, unit, tol, passed, note)

        city_areas = geodesic_area(cities) / 1e6
        for (_, row), area in zip(cities.iterrows(), city_areas):
            subject = f"{row['name_zh']} {row['name_en']}"
            add_figure(
                subject, float(row["official_area_km2"]), float(area), "km2", AREA_TOLERANCE
            )
        corridor_area = float(geodesic_area(corridor).sum() / 1e6)
        add_figure(
            f"{official.CORRIDOR['name_zh']} corridor",
            official.CORRIDOR["area_km2"],
            corridor_area,
            "km2",
            AREA_TOLERANCE,
        )
        add_figure(
            "三城 = 一廊",
            corridor_area,
            float(city_areas.sum()),
            "km2",
            AREA_TOLERANCE,
            check="sum of the cities",
            note="the three cities make up the corridor",
        )
        add_figure(
            f"{official.AXIS['name_zh']} {official.AXIS['name_en']}",
            official.AXIS["length_km"],
            float(geodesic_length(layers["axis"]).sum() / 1000),
            "km",
            LENGTH_TOLERANCE,
            check="length",
            note="plan: 南北向长53公里, a rounded figure",
        )

        cm = to_analysis_crs(cities)
        dm = to_analysis_crs(layers["districts"])
        corr_m = shapely.union_all(to_analysis_crs(corridor).geometry.values)
        structural: list[str] = []
        for (_, row), geom in zip(cities.iterrows(), cm.geometry):
            host = dm.loc[dm["code"].astype(str) == str(row["district_code"])]
            host_geom = shapely.union_all(host.geometry.values) if len(host) else shapely.Polygon()
            outside = shapely.difference(geom, host_geom).area / geom.area if geom.area else 1.0
            ok = outside <= CONTAINMENT_TOLERANCE
            dname = official.DISTRICTS.get(
                str(row["district_code"]), (str(row["district_code"]),)
            )[0]
            add(
                "inside its district",
                f"{row['name_zh']} in {dname}",
                0.0,
                outside,
                "share of area outside",
                CONTAINMENT_TOLERANCE,
                ok,
                rel=False,
            )
            if not ok:
                structural.append(
                    f"{row['name_zh']} lies {outside:.1%} outside its district {dname} "
                    f"({row['district_code']})"
                )
            out_c = shapely.difference(geom, corr_m).area / geom.area if geom.area else 1.0
            add(
                "inside the corridor",
                row["name_zh"],
                0.0,
                out_c,
                "share of area outside",
                CONTAINMENT_TOLERANCE,
                out_c <= CONTAINMENT_TOLERANCE,
                rel=False,
            )
        geoms = list(cm.geometry)
        overlap = 0.0
        for i in range(len(geoms)):
            for j in range(i + 1, len(geoms)):
                overlap += shapely.intersection(geoms[i], geoms[j]).area
        overlap_share = overlap / max(sum(g.area for g in geoms), 1.0)
        add(
            "no overlaps",
            "三城",
            0.0,
            overlap_share,
            "share of area",
            CONTAINMENT_TOLERANCE,
            overlap_share <= CONTAINMENT_TOLERANCE,
            "the cities do not overlap",
            rel=False,
        )
        if overlap_share > CONTAINMENT_TOLERANCE:
            structural.append(f"the cities overlap ({overlap_share:.1%} of their area)")
        parts = [p for p in shapely.get_parts(corr_m) if p.area > 1.0]
        add(
            "one connected band",
            "corridor",
            1.0,
            float(len(parts)),
            "polygons",
            0,
            len(parts) == 1,
            "the union of the cities is one polygon",
            rel=False,
        )

        axis_m = shapely.line_merge(
            shapely.union_all(to_analysis_crs(layers["axis"]).geometry.values)
        )
        ends = shapely.get_coordinates(axis_m)
        south, north = (ends[0], ends[-1]) if ends[0][1] <= ends[-1][1] else (ends[-1], ends[0])
        for end, code, label in (
            (south, "370212", "south end in 崂山区"),
            (north, "370215", "north end in 即墨区"),
        ):
            host = dm.loc[dm["code"].astype(str) == code]
            d = (
                float(
                    shapely.distance(shapely.Point(end), shapely.union_all(host.geometry.values))
                )
                if len(host)
                else float("inf")
            )
            add("axis ends", label, 0.0, d, "m from district", 0.0, d == 0.0, rel=False)

        kinds = set(layers["circles"]["kind"]) if "kind" in layers["circles"] else set()
        expected = {k.key for k in official.CIRCLE_KINDS}
        add(
            "six circle kinds",
            "circles",
            6.0,
            float(len(kinds & expected)),
            "kinds",
            0,
            expected <= kinds,
            ", ".join(sorted(expected - kinds)) or "all six present",
            rel=False,
        )

        city_geom = shapely.union_all(to_analysis_crs(layers["city"]).geometry.values)
        out_city = shapely.difference(corr_m, city_geom).area / max(corr_m.area, 1.0)
        add(
            "inside Qingdao",
            "corridor",
            0.0,
            out_city,
            "share of area outside",
            CONTAINMENT_TOLERANCE,
            out_city <= CONTAINMENT_TOLERANCE,
            rel=False,
        )

        rows.extend(_subdistrict_checks(layers["subdistricts"], layers["districts"]))
        table = pd.DataFrame(rows)
        if raise_structural:
            if structural:
                raise LayoutError("; ".join(structural))
            failed = table.loc[~table["passed"]]
            if len(failed):
                warnings.warn(
                    "the layout differs from the plan's official figures: "
                    + "; ".join(
                        f"{r.check} {r.subject}: {r.measured!r} vs {r.official!r}"
                        for r in failed.itertuples()
                    ),
                    LayoutWarning,
                    stacklevel=3,
                )
        return table

    # Reporting ------------------------------------------------------------------------
    def summary(self) -> str:
        """A one-screen text summary: layers, areas against the plan, validation.

        Examples
        --------
        >>> print(load_layout().summary().splitlines()[0])
        青岛科创大走廊 Qingdao Science and Technology Innovation Corridor
        """
        table = self.validate()
        lines = [f"{official.CORRIDOR['name_zh']} {official.CORRIDOR['name_en']}", ""]
        areas = table[table["check"].isin(["area", "length"])]
        lines.append(f"{'':42s}{'official':>10s}{'measured':>10s}{'diff':>8s}")
        for r in areas.itertuples():
            lines.append(
                f"{r.subject[:41]:42s}{r.official:10.2f}{r.measured:10.2f}"
                f"{100 * r.rel_difference:+7.2f}%  {r.unit}"
            )
        lines.append("")
        lines.append("layers: " + ", ".join(f"{n} ({len(self.layers[n])})" for n in LAYER_NAMES))
        statuses = sorted({s for n in LAYER_NAMES for s in _status_values(self.layers[n])})
        lines.append(
            "status: " + ", ".join(statuses) + "  (see corridor_geo.datasets.sources_text())"
        )
        n_ok = int(table["passed"].sum())
        lines.append(f"validation: {n_ok}/{len(table)} checks passed")
        for r in table.loc[~table["passed"]].itertuples():
            lines.append(f"  FAILED {r.check}: {r.subject} ({r.measured!r} vs {r.official!r})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Jupyter display: the figures against the plan and the layers, as a table."""
        from .maps import esc

        table = self.validate()
        figures = table[table["check"].isin(["area", "length"])]
        rows = "".join(
            f"<tr><td>{esc(r.subject)}</td><td style='text-align:right'>{r.official:.2f}</td>"
            f"<td style='text-align:right'>{r.measured:.2f}</td><td>{esc(r.unit)}</td>"
            f"<td>{'✓' if r.passed else '✗'}</td></tr>"
            for r in figures.itertuples()
        )
        layers = ", ".join(f"{esc(n)} ({len(self.layers[n])})" for n in LAYER_NAMES)
        passed = int(table["passed"].sum())
        return (
            f"<div><strong>{esc(official.CORRIDOR['name_zh'])} "
            f"{esc(official.CORRIDOR['name_en'])}</strong>"
            "<table><thead><tr><th></th><th>official</th><th>measured</th><th>unit</th>"
            f"<th></th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p>layers: {layers}<br>validation: {passed}/{len(table)} checks passed; "
            "status: indicative (see <code>corridor_geo.datasets.sources_text()</code>)</p>"
            "</div>"
        )

    def explore(self, **kwargs: Any):
        """An interactive folium map of the layout (see :func:`corridor_geo.maps.explore_layout`).

        Examples
        --------
        >>> m = load_layout().explore(basemap="blank")
        >>> type(m).__name__
        'Map'
        """
        from .maps import explore_layout

        return explore_layout(self, **kwargs)

    # Export ---------------------------------------------------------------------------
    def to_file(
        self,
        path: str | os.PathLike[str],
        *,
        crs: str = "WGS84",
        fmt: str | None = None,
    ) -> list[Path]:
        """Write every layer: into one GeoPackage, or one file per layer in a folder.

        Parameters
        ----------
        path : path-like
            ``*.gpkg`` for a GeoPackage; otherwise a folder for GeoJSON or Shapefile
            (``fmt="geojson"`` or ``"shp"``).
        crs : str
            ``"WGS84"`` (default), ``"CGCS2000"`` (EPSG:4490) or ``"EPSG:4549"``;
            ``"GCJ02"`` for overlays on Chinese web maps.
        fmt : {"gpkg", "geojson", "shp"}, optional
            Format; taken from the suffix when omitted.

        Returns
        -------
        list of pathlib.Path
            Files written.  Each is written to a temporary file and renamed, so a
            failure never leaves a half-written file.

        Examples
        --------
        >>> import tempfile, pathlib, geopandas as gpd
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "corridor.gpkg"
        >>> _ = load_layout().to_file(out, crs="EPSG:4549")
        >>> gpd.read_file(out, layer="cities").crs.to_epsg()
        4549
        """
        from .io import write_layers

        path = Path(path)
        if fmt is None and path.suffix.lower() not in (".gpkg",):
            if path.suffix:
                raise InputError(
                    f"{path.name!r}: give a .gpkg file, or a folder with fmt='geojson'/'shp'"
                )
            fmt = "geojson"
        return write_layers({n: self.layers[n] for n in LAYER_NAMES}, path, fmt=fmt, crs=crs)


def _status_values(frame: pd.DataFrame) -> list[str]:
    return (
        [str(s) for s in frame["status"].dropna().unique()]
        if "status" in frame
        else ["user-supplied"]
    )


def _status_of(frame: pd.DataFrame) -> str:
    values = _status_values(frame)
    return values[0] if len(values) == 1 else "mixed"


def _read_layer(data: Any, *, layer: str | None) -> tuple[gpd.GeoDataFrame, str]:
    if isinstance(data, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=data), "GeoSeries supplied by the caller"
    if isinstance(data, gpd.GeoDataFrame):
        return data.copy(), "GeoDataFrame supplied by the caller"
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.exists():
            raise InputError(f"no such file: {str(path)!r}")
        try:
            frame = gpd.read_file(path, layer=layer)
        except Exception as exc:
            raise InputError(f"cannot read {str(path)!r} as a vector layer: {exc}") from exc
        return frame, str(path)
    raise InputError(
        f"a layer must be a file path, GeoDataFrame or GeoSeries, got {type(data).__name__}"
    )


def _declare(frame: gpd.GeoDataFrame, datum: str | None, *, what: str) -> gpd.GeoDataFrame:
    if datum is not None:
        return set_datum(frame, datum)
    datum_of(frame)  # raises MissingCRSError, naming the fix
    return frame


def _match_cities(frame: gpd.GeoDataFrame, _lay: CorridorLayout) -> gpd.GeoDataFrame:
    check_geometries(frame, "the cities layer", types=("Polygon", "MultiPolygon"))
    lookup = {}
    for c in official.CITIES:
        for v in (c.key, c.name_zh, c.name_en):
            lookup[v.lower()] = c
    col = next((c for c in ("key", "name_zh", "name_en", "name") if c in frame.columns), None)
    if col is None:
        raise LayoutError(
            "the cities layer needs a column 'key', 'name_zh', 'name_en' or 'name' naming "
            "each city (海洋科技城, 青年科创城, 数智产业城)"
        )
    found = frame[col].astype(str).str.strip().str.lower().map(lookup)
    unknown = sorted(set(frame.loc[found.isna(), col].astype(str)))
    if unknown:
        raise LayoutError(
            f"unknown city name(s) {unknown} in column {col!r}: expected "
            + ", ".join(f"{c.key}/{c.name_zh}/{c.name_en}" for c in official.CITIES)
        )
    keys = [c.key for c in found]
    if len(set(keys)) != len(keys):
        raise LayoutError(f"the cities layer names a city twice: {keys}")
    out = gpd.GeoDataFrame(
        {
            "key": keys,
            "name_zh": [c.name_zh for c in found],
            "name_en": [c.name_en for c in found],
            "district_code": [c.district_code for c in found],
            "district_zh": [official.DISTRICTS[c.district_code][0] for c in found],
            "location_zh": [c.area_note_zh for c in found],
            "official_area_km2": [c.area_km2 for c in found],
        },
        geometry=frame.geometry.values,
        crs=frame.crs,
    )
    out["area_km2"] = geodesic_area(out) / 1e6
    for extra in ("half_width_m", "status", "method", "source"):
        if extra in frame.columns:
            out[extra] = frame[extra].to_numpy()
    if "status" not in out:
        out["status"] = "user-supplied"
    return out


def _normalize_corridor(frame: gpd.GeoDataFrame, _lay: CorridorLayout) -> gpd.GeoDataFrame:
    check_geometries(frame, "the corridor layer", types=("Polygon", "MultiPolygon"))
    geom = shapely.union_all(frame.geometry.values)
    out = _corridor_frame(geom, status=_status_of(frame) if "status" in frame else "user-supplied")
    return out


def _normalize_axis(frame: gpd.GeoDataFrame, _lay: CorridorLayout) -> gpd.GeoDataFrame:
    check_geometries(frame, "the axis layer", types=("LineString", "MultiLineString"))
    line = shapely.line_merge(shapely.union_all(frame.geometry.values))
    if line.geom_type != "LineString":
        raise GeometryError(
            "the axis layer must form one continuous line; its parts do not join up "
            f"({len(shapely.get_parts(line))} pieces)"
        )
    out = gpd.GeoDataFrame(
        {
            "key": [official.AXIS["key"]],
            "name_zh": [official.AXIS["name_zh"]],
            "name_en": [official.AXIS["name_en"]],
            "official_length_km": [official.AXIS["length_km"]],
        },
        geometry=[line],
        crs=frame.crs,
    )
    out["length_km"] = geodesic_length(out) / 1000
    out["status"] = _status_of(frame) if "status" in frame else "user-supplied"
    return out


def _normalize_circles(frame: gpd.GeoDataFrame, _lay: CorridorLayout) -> gpd.GeoDataFrame:
    check_geometries(frame, "the circles layer", types=("Polygon", "MultiPolygon"))
    check_columns(frame, ["kind"], "the circles layer")
    out = frame.copy()
    out["kind"] = _normalize_kinds(out["kind"], "the circles layer").to_numpy()
    kinds = {k.key: k for k in official.CIRCLE_KINDS}
    out["kind_zh"] = [kinds[k].name_zh for k in out["kind"]]
    out["kind_en"] = [kinds[k].name_en for k in out["kind"]]
    if "status" not in out:
        out["status"] = "user-supplied"
    return out


def _normalize_districts(frame: gpd.GeoDataFrame, _lay: CorridorLayout) -> gpd.GeoDataFrame:
    check_geometries(frame, "the districts layer", types=("Polygon", "MultiPolygon"))
    out = frame.copy()
    if "code" not in out.columns:
        by_name = {zh: code for code, (zh, _en) in official.DISTRICTS.items()}
        col = next((c for c in ("name_zh", "name") if c in out.columns), None)
        if col is None:
            raise LayoutError("the districts layer needs a 'code' (370212...) or 'name_zh' column")
        out["code"] = out[col].map(by_name)
        if out["code"].isna().any():
            raise LayoutError(
                f"unknown district name(s): {sorted(out.loc[out['code'].isna(), col])}"
            )
    out["code"] = out["code"].astype(str)
    out["name_zh"] = out["code"].map(lambda c: official.DISTRICTS.get(c, (None, None))[0])
    out["name_en"] = out["code"].map(lambda c: official.DISTRICTS.get(c, (None, None))[1])
    if "status" not in out:
        out["status"] = "user-supplied"
    return out


def _normalize_city(frame: gpd.GeoDataFrame, _lay: CorridorLayout) -> gpd.GeoDataFrame:
    check_geometries(frame, "the city layer", types=("Polygon", "MultiPolygon"))
    out = gpd.GeoDataFrame(
        {k: [v] for k, v in official.QINGDAO.items()},
        geometry=[shapely.union_all(frame.geometry.values)],
        crs=frame.crs,
    )
    out["status"] = _status_of(frame) if "status" in frame else "user-supplied"
    return out


def _normalize_subdistricts(frame: gpd.GeoDataFrame, lay: CorridorLayout) -> gpd.GeoDataFrame:
    check_geometries(frame, "the subdistricts layer", types=("Polygon", "MultiPolygon"))
    col = next((c for c in ("name_zh", "name") if c in frame.columns), None)
    if col is None:
        raise LayoutError(
            "the subdistricts layer needs a 'name_zh' or 'name' column (金家岭街道...)"
        )
    out = frame.copy()
    out["name_zh"] = out[col].astype(str).str.strip()
    districts = lay.layers["districts"]
    codes = set(districts["code"].astype(str))
    if "district_code" in out.columns:
        out["district_code"] = out["district_code"].astype(str)
    else:  # the district each sub-district overlaps most
        sub_m = to_analysis_crs(out).geometry.values
        dist_m = to_analysis_crs(districts).geometry.values
        overlap = np.array([[shapely.intersection(a, b).area for b in dist_m] for a in sub_m])
        out["district_code"] = districts["code"].astype(str).to_numpy()[overlap.argmax(axis=1)]
    unknown = sorted(set(out["district_code"]) - codes)
    if unknown:
        raise LayoutError(
            f"the subdistricts layer names district code(s) {unknown} that the districts "
            f"layer does not have ({', '.join(sorted(codes))})"
        )
    out["key"] = out["district_code"] + "/" + out["name_zh"]
    twice = sorted(out.loc[out["key"].duplicated(), "key"])
    if twice:
        raise LayoutError(f"the subdistricts layer names a sub-district twice: {twice}")
    if "name_en" not in out.columns:
        out["name_en"] = out["name_zh"]
    if "kind" not in out.columns:
        out["kind"] = [
            next((k for k in ("街道", "镇", "乡") if n.endswith(k)), "") for n in out["name_zh"]
        ]
    out["district_zh"] = out["district_code"].map(
        lambda c: official.DISTRICTS.get(c, (None, None))[0]
    )
    out["area_km2"] = (geodesic_area(out) / 1e6).to_numpy()
    if "status" not in out:
        out["status"] = "user-supplied"
    return out


def _subdistrict_checks(subs: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> list[dict]:
    """Validation rows: each district's sub-districts tile it (areas) without overlaps."""
    rows = []
    sub_area = pd.Series(geodesic_area(subs).to_numpy() / 1e6, index=subs.index)
    dist_area = pd.Series(
        geodesic_area(districts).to_numpy() / 1e6, index=districts["code"].astype(str)
    )
    sub_m = to_analysis_crs(subs)
    codes = subs["district_code"].astype(str)
    for code in sorted(set(codes) | set(dist_area.index)):
        here = (codes == code).to_numpy()
        total = float(sub_area[here].sum())
        official_v = float(dist_area.get(code, 0.0))
        name = official.DISTRICTS.get(code, (code,))[0]
        passed = official_v > 0 and abs(total - official_v) <= TILING_TOLERANCE * official_v
        geoms = sub_m.geometry.values[here]
        union = shapely.union_all(geoms).area if len(geoms) else 0.0
        overlap = max(0.0, (float(shapely.area(geoms).sum()) - union) / max(union, 1.0))
        rows.append(
            {
                "check": "sub-districts tile their district",
                "subject": f"{name} ({int(here.sum())} sub-districts)",
                "official": official_v,
                "measured": total,
                "unit": "km2",
                "difference": total - official_v,
                "rel_difference": (total - official_v) / official_v if official_v else None,
                "tolerance": TILING_TOLERANCE,
                "passed": bool(passed and overlap <= TILING_TOLERANCE),
                "note": f"geodesic area sum against the district; overlap share {overlap:.1e}",
            }
        )
    return rows


_NORMALIZERS = {
    "subdistricts": _normalize_subdistricts,
    "cities": _match_cities,
    "corridor": _normalize_corridor,
    "axis": _normalize_axis,
    "circles": _normalize_circles,
    "districts": _normalize_districts,
    "city": _normalize_city,
}


def _corridor_frame(geom: Any, *, status: str) -> gpd.GeoDataFrame:
    out = gpd.GeoDataFrame(
        {
            "key": [official.CORRIDOR["key"]],
            "name_zh": [official.CORRIDOR["name_zh"]],
            "name_en": [official.CORRIDOR["name_en"]],
            "official_area_km2": [official.CORRIDOR["area_km2"]],
            "official_length_km": [official.CORRIDOR["length_km"]],
        },
        geometry=[geom],
        crs=WGS84,
    )
    out["area_km2"] = geodesic_area(out) / 1e6
    out["status"] = status
    return out


def _corridor_from_cities(cities: gpd.GeoDataFrame, *, status: str) -> gpd.GeoDataFrame:
    out = _corridor_frame(shapely.union_all(cities.geometry.values), status=status)
    out["source"] = "union of the cities layer"
    out["licence"] = "as the cities layer"
    out["datum"] = "WGS84"
    out["method"] = "union of the three cities (plan: 78.56 + 26.2 + 85.95 = 190.71 km²)"
    out["accuracy"] = "as the cities layer"
    return out


def _bundled(name: str) -> gpd.GeoDataFrame:
    frame = gpd.read_file(datasets.get_path(name))
    if frame.crs is None or datum_of(frame) != "WGS84":
        raise LayoutError(f"bundled layer {name} is not in WGS84")
    return frame


def load_layout(
    *,
    replace: Mapping[str, Any] | None = None,
    datums: Mapping[str, str] | None = None,
) -> CorridorLayout:
    """Load the corridor's layout: bundled indicative layers, optionally replaced.

    Parameters
    ----------
    replace : mapping, optional
        Layer name to a file path, GeoDataFrame or GeoSeries that replaces the bundled
        layer, e.g. ``{"cities": "authoritative_cities.gpkg"}``.  Applied in the order
        districts, subdistricts, city, axis, cities, corridor, circles, each re-validated (see
        :meth:`CorridorLayout.replace`).
    datums : mapping, optional
        Layer name to the declared datum of its replacement (``"GCJ02"`` ...).

    Returns
    -------
    CorridorLayout

    Examples
    --------
    >>> layout = load_layout()
    >>> dict(zip(layout.cities["name_zh"], layout.cities["official_area_km2"]))
    {'海洋科技城': 78.56, '青年科创城': 26.2, '数智产业城': 85.95}
    """
    replace = dict(replace or {})
    datums = dict(datums or {})
    unknown = sorted(set(replace) - set(LAYER_NAMES)) + sorted(set(datums) - set(replace))
    if unknown:
        raise LayoutError(
            f"unknown layer name(s) {unknown}: replace/datums take {', '.join(LAYER_NAMES)}"
        )
    districts = _bundled("districts.geojson")
    city = _bundled("city.geojson")
    axis = _bundled("axis.geojson")
    cities = _bundled("cities.geojson")
    circles = _bundled("circles.geojson")
    subdistricts = _bundled("subdistricts.geojson")
    corridor = _corridor_from_cities(cities, status=STATUS_INDICATIVE)
    # Measured values always describe the geometry as loaded (stored to 1e-7 degree).
    districts.insert(3, "area_km2", (geodesic_area(districts) / 1e6).to_numpy())
    cities["area_km2"] = (geodesic_area(cities) / 1e6).to_numpy()
    subdistricts["area_km2"] = (geodesic_area(subdistricts) / 1e6).to_numpy()
    axis["length_km"] = (geodesic_length(axis) / 1000).to_numpy()
    layers = {
        "corridor": corridor,
        "cities": cities,
        "circles": circles,
        "axis": axis,
        "districts": districts,
        "subdistricts": subdistricts,
        "city": city,
    }
    sources = dict.fromkeys(
        layers, "bundled (indicative); see corridor_geo.datasets.sources_text()"
    )
    layout = CorridorLayout(layers, sources)
    for name in ("districts", "subdistricts", "city", "axis", "cities", "corridor", "circles"):
        if name in replace:
            layout = layout.replace(name, replace[name], datum=datums.get(name))
    return layout
