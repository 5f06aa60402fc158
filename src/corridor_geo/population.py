"""Population for per-capita indicators and coverage: census totals, grids or polygons.

Three sources, one function (:func:`population_by_zone`):

* **default** - the 2020 census (七普) resident population of Qingdao's ten districts
  (:func:`census_population`, cited in ``data/population/SOURCES.md``) spread into zones
  **by area**: a zone gets each district's population times the share of the district's
  area it covers (uniform density inside each district - a strong simplification where a
  district holds mountains, e.g. 崂山; the output says so in ``method``);
* **polygons with counts** (subdistricts, census tracts): the same areal weighting with the
  caller's finer polygons;
* **a raster of people per cell** (e.g. WorldPop): zonal sums with fractional cell
  coverage at zone edges (:func:`corridor_geo.raster.zonal_stats`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import datasets
from ._compat import renamed_keywords
from ._errors import InputError

__all__ = ["METHOD_CENSUS_AREA", "census_polygons", "census_population", "population_by_zone"]

log = logging.getLogger(__name__)

METHOD_CENSUS_AREA = (
    "2020 census district totals spread by area (uniform density within each district)"
)


def census_population() -> pd.DataFrame:
    """Resident population of Qingdao's ten districts at the 2020 census (七普).

    Returns
    -------
    DataFrame
        ``code``, ``name_zh``, ``name_en``, ``population``, ``year``, ``reference_date``,
        ``source`` (the citation, see ``data/population/SOURCES.md``).

    Examples
    --------
    >>> pop = census_population()
    >>> int(pop["population"].sum())  # the census bulletin's city total
    10071722
    >>> int(pop.set_index("name_zh").loc["崂山区", "population"])
    502370
    """
    table = pd.read_csv(datasets.get_path("census_2020_districts.csv"), dtype={"code": str})
    table["source"] = (
        "青岛市第七次全国人口普查公报 (2020-11-01), district figures as quoted by "
        "kjkxun.com/kb/36859.html; see corridor_geo.datasets.get_path('population/SOURCES.md')"
    )
    return table


def census_polygons(layout: Any) -> gpd.GeoDataFrame:
    """The layout's districts with their 2020 census population (WGS84).

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> d = census_polygons(load_layout())
    >>> int(d["population"].sum()), d.crs.to_epsg()
    (10071722, 4326)
    """
    census = census_population()
    d = layout.districts[["code", "name_zh", "geometry"]].copy()
    d["code"] = d["code"].astype(str)
    polys = d.merge(census[["code", "population"]], on="code", how="left")
    missing = polys.loc[polys["population"].isna(), "code"].tolist()
    if missing:
        raise InputError(f"no census population for district code(s) {missing}")
    return gpd.GeoDataFrame(polys, geometry="geometry", crs=layout.districts.crs)


@renamed_keywords(column="population_col")
def population_by_zone(
    layout: Any,
    *,
    layers: Sequence[str] | str | None = None,
    population: Any = None,
    population_col: str = "population",
) -> pd.DataFrame:
    """Population of each zone.

    Parameters
    ----------
    layout : CorridorLayout or GeoDataFrame
        A layout, or zones with ``layer`` and ``zone`` columns (see
        :func:`corridor_geo.zones.zone_table`).
    layers : str or sequence of str, optional
        Zone layers of a layout; default corridor, cities, circles, districts.
    population : None, GeoDataFrame, Raster or path to a raster
        ``None``: census district totals spread by area (the default, see the module
        notes).  A GeoDataFrame: polygons with a count ``population_col``, spread by area.  A
        :class:`~corridor_geo.raster.Raster` or raster file of people per cell: zonal
        sums with fractional cell coverage.  A path to a vector file is read as polygons.
    population_col : str
        The count column of polygons (formerly ``column``).

    Returns
    -------
    DataFrame
        ``layer``, ``zone``, ``name_zh``, ``name_en``, ``population`` and ``method``.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> pop = population_by_zone(load_layout(), layers=["districts"])
    >>> int(round(pop["population"].sum()))
    10071722
    >>> pop["method"].iloc[0].startswith("2020 census district totals spread by area")
    True
    """
    from .raster import Raster, zonal_stats
    from .zones import DEFAULT_LAYERS, assign_polygons, zone_table

    zones = zone_table(layout, layers=DEFAULT_LAYERS if layers is None else layers)
    base = pd.DataFrame(zones[["layer", "zone", "name_zh", "name_en"]])
    if isinstance(population, (str, os.PathLike)):
        suffix = str(population).lower().rsplit(".", 1)[-1]
        if suffix in ("tif", "tiff", "vrt", "img", "asc"):
            population = _read_raster(population)
        else:
            population = gpd.read_file(population)
    if population is None:
        if not hasattr(layout, "districts"):
            raise InputError(
                "the census default needs a CorridorLayout (for its districts); with a "
                "zones table pass population= polygons or a raster"
            )
        polys = census_polygons(layout)
        method = METHOD_CENSUS_AREA
        values = _areal(polys, zones, "population", assign_polygons)
    elif isinstance(population, Raster):
        stats = zonal_stats(population, zones, stats=("sum",))
        values = stats["sum"].to_numpy()
        method = "raster of people per cell: zonal sum with fractional cell coverage at edges"
    elif isinstance(population, gpd.GeoDataFrame):
        if population_col not in population.columns:
            raise InputError(
                f"the population polygons have no column {population_col!r}: pass "
                "population_col='...'"
            )
        counts = pd.to_numeric(population[population_col], errors="coerce")
        if counts.isna().any() or (counts < 0).any():
            raise InputError(
                f"population column {population_col!r} has missing or negative counts"
            )
        values = _areal(population, zones, population_col, assign_polygons)
        method = "caller's polygons with counts spread by area (uniform density in each)"
    else:
        raise InputError(
            "population must be None (census default), a GeoDataFrame of polygons with "
            f"counts, a Raster or a raster path; got {type(population).__name__}"
        )
    base["population"] = values
    base["method"] = method
    return base


def _read_raster(path: Any) -> Any:
    from .raster import read_raster

    return read_raster(path)


def _areal(
    polys: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, column: str, assign: Any
) -> np.ndarray:
    polys = polys.reset_index(drop=True)
    pairs = assign(polys, layout=zones, weight=column)
    key = zones["layer"].astype(str) + "\x00" + zones["zone"].astype(str)
    got = (pairs["layer"].astype(str) + "\x00" + pairs["zone"].astype(str)).to_numpy()
    sums = pd.Series(pairs["weight_in_zone"].to_numpy()).groupby(got).sum()
    return key.map(sums).fillna(0.0).to_numpy(float)
