"""Coverage: what share of each zone's area, people and resources lies within reach.

"Within reach" is straight-line distance here: within ``radius_m`` of any facility
(e.g. 1 km of a 环大学 site, 800 m of a metro station).  Distances are measured in
EPSG:4549 (buffers with 64 segments per quarter circle; the projection's scale differs
from 1 by less than 1e-4 in Qingdao), areas are true ellipsoidal areas.  For travel
times over a road network see :mod:`corridor_geo.access`.

Population comes from the census default (district totals spread by area), a raster of
people per cell (fractional cell coverage at the edges of the covered area) or polygons
with counts (area weighting) - see :mod:`corridor_geo.population`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._compat import keyword_only, renamed_keywords
from ._errors import InputError
from ._metric import true_area_m2
from ._points import metric_geometries, metric_points
from ._readers import read_polygon_file
from ._text import counts_text, listing
from ._validate import check_counts
from .crs import ANALYSIS_CRS, WGS84, datum_of, to_crs
from .resources import ResourceTable, read_points

__all__ = ["circle_anchors", "coverage", "read_facilities"]

log = logging.getLogger(__name__)


def read_facilities(
    source: str | os.PathLike[str] | pd.DataFrame | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    datum: str | None = None,
    lon: str | None = None,
    lat: str | None = None,
    name: str | None = None,
    encoding: str | None = None,
    layout: Any = None,
    tolerance_m: float = 0.0,
) -> ResourceTable:
    """Facility points (stations, campuses...) from a file, a table or a GeoDataFrame.

    Read with the library's one point reader (:func:`corridor_geo.resources.read_points`):
    every row accepted or rejected with a reason (a facility list with holes is reported,
    row by row, not silently shortened); coordinate columns found by common names
    (``lon``/``lng_gcj02``/``经度``...) when not given; ``datum`` or a per-row ``datum``
    column, or datum-suffixed column names, for tables; a CRS for vector files and
    GeoDataFrames (``datum`` overrides it).

    Returns
    -------
    ResourceTable
        ``accepted`` points in WGS84 with the source's columns, ``rejected`` rows with a
        reason.  (Until corridor_geo 0.2 this returned the GeoDataFrame of points and
        raised on a bad row; GeoDataFrame access on the result keeps working for one
        release, with a FutureWarning.)

    Examples
    --------
    >>> import pandas as pd
    >>> st = pd.DataFrame({"name": ["苗岭路", "nowhere"], "lng_gcj02": [120.464755, None],
    ...                    "lat_gcj02": [36.100452, None]})
    >>> fac = read_facilities(st)
    >>> round(float(fac.accepted.geometry.x.iloc[0]), 4), fac.rejected["reason"].tolist()
    (120.4597, ['missing coordinates'])
    """
    if isinstance(source, gpd.GeoSeries):
        source = gpd.GeoDataFrame(geometry=source)
    table = read_points(
        source,
        datum=datum,
        lon=lon,
        lat=lat,
        name=name,
        encoding=encoding,
        layout=layout,
        tolerance_m=tolerance_m,
    )
    return dataclasses.replace(table, legacy_frame="read_facilities()")


def _facility_points(facilities: Any, datum: str | None, layout: Any) -> gpd.GeoDataFrame:
    """The facilities as WGS84 points; tables and paths through the one reader."""
    if isinstance(facilities, ResourceTable):
        return facilities.accepted
    if isinstance(facilities, gpd.GeoSeries):
        facilities = gpd.GeoDataFrame(geometry=facilities)
    if isinstance(facilities, gpd.GeoDataFrame) and datum is None:
        datum_of(facilities)  # MissingCRSError
        return facilities
    table = read_points(facilities, datum=datum, layout=layout)
    if len(table.rejected):
        log.warning(
            "%d of %d facilities rejected and left out: %s",
            len(table.rejected),
            table.n_read,
            counts_text(table.rejected[table.column("reason")].value_counts().head(3)),
        )
    return table.accepted


def circle_anchors(layout: Any, *, kind: str | None = None) -> gpd.GeoDataFrame:
    """The anchor points of the layout's ecosystem-circle sites (optionally of one kind).

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> anchors = circle_anchors(load_layout(), kind="环大学")
    >>> sorted(anchors["site_zh"])[:2]
    ['中国海洋大学崂山校区', '山东大学青岛校区']
    """
    from . import official

    circles = layout.circles
    if kind is not None:
        names = {k.key: {k.key, k.name_zh, k.name_en.lower()} for k in official.CIRCLE_KINDS}
        key = next((k for k, v in names.items() if kind in v or kind.lower() in v), None)
        if key is None:
            choices = listing(f"{k.key} ({k.name_zh})" for k in official.CIRCLE_KINDS)
            raise InputError(f"unknown circle kind {kind!r}; use one of {choices}")
        circles = circles.loc[circles["kind"] == key]
    cols = [c for c in ("kind", "kind_zh", "site_zh", "site_en", "anchor_zh") if c in circles]
    return gpd.GeoDataFrame(
        circles[cols].reset_index(drop=True),
        geometry=gpd.points_from_xy(circles["anchor_lon"], circles["anchor_lat"]),
        crs=WGS84,
    )


@renamed_keywords(population_column="population_col")
@keyword_only("layout")
def coverage(
    facilities: Any,
    *,
    layout: Any = None,
    radius_m: float | str = 1000.0,
    layers: Sequence[str] | str | None = None,
    population: Any = None,
    population_col: str = "population",
    resources: Any = None,
    weight: str | None = "weight",
    datum: str | None = None,
) -> gpd.GeoDataFrame:
    """Share of each zone's area, population and resources within reach of facilities.

    Parameters
    ----------
    facilities : GeoDataFrame, GeoSeries, path or DataFrame
        Facility points (see :func:`read_facilities`; ``datum`` for tables).
    layout : CorridorLayout or GeoDataFrame, optional
        The layout (the bundled one by default) or a zones table (see
        :func:`corridor_geo.zones.zone_table`).
    radius_m : float or str
        Reach in metres, or the name of a column of the facilities with each one's reach.
    layers : str or sequence of str, optional
        Zone layers; default corridor, cities, circles, districts.
    population : None, Raster, path or GeoDataFrame
        ``None``: census districts by area (needs a CorridorLayout); a raster of people
        per cell (fractional coverage); polygons with ``population_col`` counts.
    population_col : str
        The count column of population polygons (formerly ``population_column``).
    resources : ResourceTable or GeoDataFrame, optional
        Resources to count (and ``weight`` to sum) inside and within reach.
    datum : str, optional
        Datum of a facilities table.

    Returns
    -------
    GeoDataFrame
        WGS84, one row per zone plus one row per layer with ``zone == "ALL"`` (the union
        of the layer's zones, nothing counted twice): ``layer``, ``zone``, names,
        ``area_km2``, ``covered_km2``, ``area_share``, ``population``,
        ``covered_population``, ``population_share``, with ``resources``:
        ``resources``, ``covered_resources``, ``resources_share``, ``weight``,
        ``covered_weight``; ``method``; the geometry is the covered part of the zone.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> lay = load_layout()
    >>> sites = circle_anchors(lay, kind="环大学")
    >>> cov = coverage(sites, layout=lay, radius_m=1000, layers="corridor")
    >>> row = cov.iloc[0]
    >>> row["zone"], bool(0 < row["area_share"] < 0.1), cov.crs.to_epsg()
    ('corridor', True, 4326)
    """
    from .layout import load_layout
    from .population import census_polygons
    from .raster import Raster, read_raster, zonal_stats
    from .zones import DEFAULT_LAYERS, ZoneIndex, zone_geometries

    layout = load_layout() if layout is None else layout
    fac = _facility_points(facilities, datum, layout)
    if not len(fac):
        raise InputError(
            "there are no facilities to measure coverage from (the input has no usable "
            "point): check the facilities file and its reader report"
        )
    fac_m = metric_points(fac, what="facilities")
    if isinstance(radius_m, str):
        if radius_m not in fac.columns:
            raise InputError(f"no radius column {radius_m!r} in the facilities")
        radii = pd.to_numeric(fac[radius_m], errors="coerce").to_numpy(float)
    else:
        if isinstance(radius_m, bool) or not isinstance(radius_m, (int, float, np.number)):
            raise InputError(f"radius_m must be metres or a column name, got {radius_m!r}")
        radii = np.full(len(fac), float(radius_m))
    if not (np.isfinite(radii) & (radii > 0)).all():
        raise InputError("every facility needs a positive, finite reach (radius_m)")
    covered = shapely.union_all(
        shapely.buffer(shapely.points(fac_m.x, fac_m.y), radii, quad_segs=64)
    )
    zones, zgeoms = zone_geometries(layout, DEFAULT_LAYERS if layers is None else layers)
    geoms = list(zgeoms)
    rows = list(zones[["layer", "zone", "name_zh", "name_en"]].itertuples(index=False))
    for layer in pd.unique(zones["layer"]):
        sel = zones["layer"].to_numpy() == layer
        geoms.append(shapely.union_all(np.asarray(zgeoms, dtype=object)[sel]))
        rows.append((layer, "ALL", "全部", "all zones of the layer"))
    geoms_a = np.asarray(geoms, dtype=object)
    inter = shapely.intersection(geoms_a, covered)
    out = pd.DataFrame(rows, columns=["layer", "zone", "name_zh", "name_en"])
    out["area_km2"] = true_area_m2(geoms_a) / 1e6
    out["covered_km2"] = true_area_m2(inter) / 1e6
    out["area_share"] = out["covered_km2"] / out["area_km2"].where(out["area_km2"] > 0)

    # Population.
    if isinstance(population, (str, os.PathLike)):
        suffix = str(population).lower().rsplit(".", 1)[-1]
        population = (
            read_raster(population)
            if suffix in ("tif", "tiff", "vrt", "img", "asc")
            else read_polygon_file(population, "population polygons")
        )
    if population is None:
        if not hasattr(layout, "districts"):
            raise InputError("the census default needs a CorridorLayout; pass population=")
        population = census_polygons(layout)
        population_col = "population"
        pop_method = "population: 2020 census district totals spread by area"
    elif isinstance(population, Raster):
        pop_method = "population: raster of people per cell, fractional cell coverage"
    elif isinstance(population, gpd.GeoDataFrame):
        pop_method = "population: caller's polygons with counts, spread by area"
    else:
        raise InputError(
            "population must be None, a Raster, a raster path or a GeoDataFrame of polygons"
        )
    both = gpd.GeoDataFrame(
        {"layer": np.arange(2 * len(geoms_a)).astype(str), "zone": "z"},
        geometry=np.concatenate([geoms_a, inter]),
        crs=ANALYSIS_CRS,
    )
    if isinstance(population, Raster):
        people = zonal_stats(population, both, stats=("sum",))["sum"].to_numpy()
    else:
        people = _areal_sum(population, population_col, both)
    out["population"] = people[: len(geoms_a)]
    out["covered_population"] = people[len(geoms_a) :]
    out["population_share"] = out["covered_population"] / out["population"].where(
        out["population"] > 0
    )

    # Resources.
    if resources is not None:
        pts = metric_points(resources, weight=weight, what="resources")
        w = pts.data["__weight__"]
        pt, zn = ZoneIndex.build(geoms_a).query(pts.x, pts.y)
        cpt, _ = (
            ZoneIndex.build([covered]).query(pts.x, pts.y)
            if not covered.is_empty
            else (
                np.zeros(0, dtype=np.int64),
                None,
            )
        )
        in_cov = np.zeros(len(pts), dtype=bool)
        in_cov[cpt] = True
        nz = len(geoms_a)
        out["resources"] = np.bincount(zn, minlength=nz)
        out["covered_resources"] = np.bincount(zn[in_cov[pt]], minlength=nz)
        out["resources_share"] = out["covered_resources"] / out["resources"].where(
            out["resources"] > 0
        )
        out["weight"] = np.bincount(zn, weights=w[pt], minlength=nz)
        out["covered_weight"] = np.bincount(
            zn[in_cov[pt]], weights=w[pt][in_cov[pt]], minlength=nz
        )
    reach = (
        f"{radii[0]:g} m" if np.all(radii == radii[0]) else f"{radii.min():g}-{radii.max():g} m"
    )
    out["method"] = (
        f"within {reach} (straight line, EPSG:4549) of {len(fac)} facilities; {pop_method}"
    )
    result = gpd.GeoDataFrame(out, geometry=list(inter), crs=ANALYSIS_CRS)
    return to_crs(result, WGS84)


def _areal_sum(polys: gpd.GeoDataFrame, column: str, targets: gpd.GeoDataFrame) -> np.ndarray:
    check_counts(polys, column, "the population layer")
    counts = pd.to_numeric(polys[column], errors="coerce").to_numpy(float)
    pg = metric_geometries(polys)
    tg = metric_geometries(targets)
    tree = shapely.STRtree(pg)
    t_idx, p_idx = tree.query(tg, predicate="intersects")
    inter = shapely.intersection(tg[t_idx], pg[p_idx])
    share = true_area_m2(inter) / true_area_m2(pg)[p_idx]
    return np.bincount(t_idx, weights=counts[p_idx] * share, minlength=len(tg))
