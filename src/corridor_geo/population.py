"""Population for per-capita indicators and coverage: census totals, grids or polygons.

Three sources, one function (:func:`population_by_zone`):

* **default** - the 2020 census (七普) resident population at the finest level bundled
  (``level="finest"``): the 135 sub-districts (街道/镇) of :func:`census_subdistricts`
  where the layout's ``subdistricts`` layer matches them, otherwise the ten districts of
  :func:`census_population` (both cited in ``data/population/SOURCES.md``), spread into
  zones **by area**: a zone gets each unit's population times the share of the unit's
  area it covers (uniform density inside each unit).  Sub-district rows are either
  counts from a cited census bulletin (``status == "census"``) or estimates from the
  district total (``status == "estimated"``, the district total spread by land area); the
  output's ``method`` and ``source`` say which level was used and how many rows of each
  kind.  ``level="districts"`` gives the district-level default of earlier versions;
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
from ._readers import read_polygon_file
from ._text import listing
from ._validate import check_counts

__all__ = [
    "LEVELS",
    "METHOD_CENSUS_AREA",
    "census_polygons",
    "census_population",
    "census_subdistricts",
    "population_by_zone",
]

log = logging.getLogger(__name__)

METHOD_CENSUS_AREA = (
    "2020 census district totals spread by area (uniform density within each district)"
)
LEVELS = ("finest", "subdistricts", "districts")
"""Census levels of the default population: ``finest`` picks sub-districts when it can."""
SOURCE_DISTRICTS = "population/census_2020_districts.csv (青岛市第七次全国人口普查公报)"
SOURCE_SUBDISTRICTS = (
    "population/census_2020_subdistricts.csv (2020 census; counted rows cite their district "
    "bulletin, estimated rows spread the district total of census_2020_districts.csv by area)"
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


def census_subdistricts() -> pd.DataFrame:
    """Resident population of Qingdao's 135 sub-districts (街道/镇) at the 2020 census.

    Returns
    -------
    DataFrame
        ``key`` (``"<district code>/<name_zh>"``, the sub-district's zone identifier),
        ``code`` (division code where published), ``name_zh``, ``name_en``, ``kind``,
        ``district_code``, ``population``, ``status`` (``"census"``: counted by the census
        and cited; ``"estimated"``: the district total spread by land area), ``year``,
        ``reference_date``, ``method`` and ``source`` (one per row, see
        ``data/population/SOURCES.md``).

    Examples
    --------
    >>> sub = census_subdistricts()
    >>> len(sub), int(sub["population"].sum())  # the ten district totals add up
    (135, 10071722)
    >>> sorted(sub["status"].unique())[0] in ("census", "estimated")
    True
    """
    return pd.read_csv(
        datasets.get_path("census_2020_subdistricts.csv"),
        dtype={"code": str, "district_code": str},
    )


def census_polygons(layout: Any, *, level: str = "districts") -> gpd.GeoDataFrame:
    """The layout's districts or sub-districts with their 2020 census population (WGS84).

    Parameters
    ----------
    layout : CorridorLayout
    level : {"districts", "subdistricts", "finest"}
        ``"finest"``: sub-districts when the layout's ``subdistricts`` layer matches the
        bundled table (every ``key`` found), else districts.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> d = census_polygons(load_layout())
    >>> int(d["population"].sum()), d.crs.to_epsg()
    (10071722, 4326)
    >>> s = census_polygons(load_layout(), level="subdistricts")
    >>> len(s), int(s["population"].sum())
    (135, 10071722)
    """
    return _census_level(layout, level)[0]


def _census_level(layout: Any, level: str) -> tuple[gpd.GeoDataFrame, str, str]:
    """(polygons with ``population``, method, source) of a census level."""
    if level not in LEVELS:
        raise InputError(f"unknown census level {level!r}: use one of {', '.join(LEVELS)}")
    if level != "districts":
        subs = layout.subdistricts
        table = census_subdistricts()
        keys = subs["key"].astype(str) if "key" in subs.columns else pd.Series(dtype=str)
        missing = sorted(set(keys) - set(table["key"])) if len(keys) else ["(no key column)"]
        if not missing:
            polys = subs[["key", "name_zh", "district_code", "geometry"]].merge(
                table[["key", "population", "status"]], on="key", how="left"
            )
            polys = gpd.GeoDataFrame(polys, geometry="geometry", crs=subs.crs)
            n_census = int((polys["status"] == "census").sum())
            method = (
                f"2020 census by sub-district (街道/镇): {n_census} of {len(polys)} counted "
                f"(cited), {len(polys) - n_census} estimated from their district total by "
                "area; spread by area (uniform density within each sub-district)"
            )
            return polys, method, SOURCE_SUBDISTRICTS
        if level == "subdistricts":
            raise InputError(
                "no bundled census population for sub-district(s) "
                f"{listing(missing, limit=5)} of the layout's subdistricts layer: pass "
                "level='districts' or population= polygons"
            )
        log.info("sub-district census does not match the layout's subdistricts; using districts")
    census = census_population()
    d = layout.districts[["code", "name_zh", "geometry"]].copy()
    d["code"] = d["code"].astype(str)
    polys = d.merge(census[["code", "population"]], on="code", how="left")
    missing = polys.loc[polys["population"].isna(), "code"].tolist()
    if missing:
        raise InputError(f"no census population for district code(s) {listing(missing)}")
    polys = gpd.GeoDataFrame(polys, geometry="geometry", crs=layout.districts.crs)
    return polys, METHOD_CENSUS_AREA, SOURCE_DISTRICTS


@renamed_keywords(column="population_col")
def population_by_zone(
    layout: Any,
    *,
    layers: Sequence[str] | str | None = None,
    population: Any = None,
    population_col: str = "population",
    level: str = "finest",
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
        ``None``: the 2020 census at ``level``, spread by area (the default, see the
        module notes).  A GeoDataFrame: polygons with a count ``population_col``, spread by
        area.  A :class:`~corridor_geo.raster.Raster` or raster file of people per cell: zonal
        sums with fractional cell coverage.  A path to a vector file is read as polygons.
    population_col : str
        The count column of polygons (formerly ``column``).
    level : {"finest", "subdistricts", "districts"}
        Census level of the default (``population=None``): ``"finest"`` uses the
        sub-districts (街道/镇) when the layout's layer matches the bundled table.

    Returns
    -------
    DataFrame
        ``layer``, ``zone``, ``name_zh``, ``name_en``, ``population``, ``method`` (how,
        at which census level) and ``source`` (which data).

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> pop = population_by_zone(load_layout(), layers=["districts"])
    >>> abs(float(pop["population"].sum()) - 10071722) < 1  # the census city total
    True
    >>> pop["method"].iloc[0].startswith("2020 census by sub-district")
    True
    >>> old = population_by_zone(load_layout(), layers=["districts"], level="districts")
    >>> old["method"].iloc[0].startswith("2020 census district totals spread by area")
    True
    """
    from .raster import Raster, zonal_stats
    from .zones import DEFAULT_LAYERS, assign_polygons, zone_table

    if level not in LEVELS:
        raise InputError(f"unknown census level {level!r}: use one of {', '.join(LEVELS)}")
    zones = zone_table(layout, layers=DEFAULT_LAYERS if layers is None else layers)
    base = pd.DataFrame(zones[["layer", "zone", "name_zh", "name_en"]])
    if isinstance(population, (str, os.PathLike)):
        suffix = str(population).lower().rsplit(".", 1)[-1]
        if suffix in ("tif", "tiff", "vrt", "img", "asc"):
            population = _read_raster(population)
        else:
            population = read_polygon_file(population, "population polygons")
    if population is None:
        if not hasattr(layout, "districts"):
            raise InputError(
                "the census default needs a CorridorLayout (for its districts); with a "
                "zones table pass population= polygons or a raster"
            )
        polys, method, source = _census_level(layout, level)
        values = _areal(polys, zones, "population", assign_polygons)
    elif isinstance(population, Raster):
        stats = zonal_stats(population, zones, stats=("sum",))
        values = stats["sum"].to_numpy()
        method = "raster of people per cell: zonal sum with fractional cell coverage at edges"
        source = "caller's raster"
    elif isinstance(population, gpd.GeoDataFrame):
        check_counts(population, population_col, "the population layer")
        values = _areal(population, zones, population_col, assign_polygons)
        method = "caller's polygons with counts spread by area (uniform density in each)"
        source = "caller's polygons"
    else:
        raise InputError(
            "population must be None (census default), a GeoDataFrame of polygons with "
            f"counts, a Raster or a raster path; got {type(population).__name__}"
        )
    base["population"] = values
    base["method"] = method
    base["source"] = source
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
