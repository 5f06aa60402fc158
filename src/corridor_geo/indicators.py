"""The plan's 2027 targets, checked: value, target, gap, met.

The targets are data (``data/indicators/targets.csv``, :func:`plan_targets`), and so is
which resource categories count towards each (the ``targets`` column of the category
registry, :func:`corridor_geo.resources.category_registry`).  The plan (section 一):

* key laboratories, new-type R&D institutions and similar resources in the corridor at
  least **45%** of the city's (``kind = share``);
* invention patents in force per 10,000 people, S&T talent and high-tech enterprises each
  up at least **15%** (``kind = growth``), measured between a base snapshot and a current
  one that the caller supplies (the plan gives no base year).

Per-capita figures need a population: by default the 2020 census district totals spread
into the zone by area (:mod:`corridor_geo.population`); pass ``population=`` (a raster of
people per cell or polygons with counts) to use better data.  The method used is written
in every row's ``method`` column.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import datasets
from ._compat import keyword_only
from ._errors import InputError
from ._points import MetricPoints, frame_of, metric_points, role_column
from ._text import listing

__all__ = ["MET_TOL", "per_capita", "plan_targets", "target_status"]

log = logging.getLogger(__name__)

MET_TOL = 1e-9
"""Values this close below a target count as meeting it (floating-point rounding)."""

_TARGET_COLUMNS = (
    "key",
    "name_zh",
    "name_en",
    "kind",
    "measure",
    "threshold",
    "zone_layer",
    "zone",
)


def plan_targets(source: str | os.PathLike[str] | pd.DataFrame | None = None) -> pd.DataFrame:
    """The plan's targets as a table (bundled ``targets.csv`` or your own).

    Returns
    -------
    DataFrame
        ``key``, ``name_zh``, ``name_en``, ``kind`` (``share``/``growth``), ``measure``
        (``count``/``weight``/``per_10k_people``), ``threshold``, ``zone_layer``, ``zone``,
        ``target_year``, ``source``.

    Examples
    --------
    >>> t = plan_targets().set_index("key")
    >>> float(t.loc["key_resources_share", "threshold"]), t.loc["patents_per_10k_growth", "kind"]
    (0.45, 'growth')
    """
    if source is None:
        table = pd.read_csv(datasets.get_path("targets.csv"), dtype={"zone": str})
    elif isinstance(source, pd.DataFrame):
        table = source.copy()
    else:
        table = pd.read_csv(source, dtype={"zone": str})
    missing = [c for c in _TARGET_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"the targets table is missing the column(s) {listing(missing)}")
    bad = sorted(set(table["kind"]) - {"share", "growth", "level"})
    if bad:
        raise InputError(f"target kind must be share, growth or level; got {listing(bad)}")
    bad_m = sorted(set(table["measure"]) - {"count", "weight", "per_10k_people"})
    if bad_m:
        raise InputError(
            f"target measure must be count, weight or per_10k_people; got {listing(bad_m)}"
        )
    table["threshold"] = pd.to_numeric(table["threshold"], errors="raise").astype(float)
    return table


def _zone_mask(pts: MetricPoints, layout: Any, layer: str, zone: str) -> np.ndarray:
    """Which points lie in one zone (the layout's cached zone index)."""
    from .zones import zone_index

    index, zones = zone_index(layout, [layer])
    rows = np.flatnonzero(zones["zone"].astype(str).to_numpy() == str(zone))
    if not len(rows):
        raise InputError(
            f"no zone {zone!r} in layer {layer!r}; it has {listing(zones['zone'], quote=True)}"
        )
    pt, zn = index.query(pts.x, pts.y)
    mask = np.zeros(len(pts), dtype=bool)
    mask[pt[np.isin(zn, rows)]] = True
    return mask


def _in_city(pts: MetricPoints, layout: Any) -> np.ndarray:
    """Which points lie in the layout's city layer (the municipality)."""
    from .zones import zone_index

    index, _ = zone_index(layout, ["city"])
    pt, _ = index.query(pts.x, pts.y)
    mask = np.zeros(len(pts), dtype=bool)
    mask[pt] = True
    return mask


def _snapshot(obj: Any, what: str) -> MetricPoints:
    pts = metric_points(obj, columns=["category"], weight="weight", what=what)
    return pts


def _zone_population(layout: Any, layer: str, zone: str, population: Any) -> tuple[float, str]:
    from .population import population_by_zone

    pop = population_by_zone(layout, layers=[layer], population=population)
    row = pop.loc[pop["zone"].astype(str) == str(zone)]
    if row.empty:
        raise InputError(f"no zone {zone!r} in layer {layer!r} for the population")
    return float(row["population"].iloc[0]), str(row["method"].iloc[0])


def _measure(
    points: MetricPoints,
    layout: Any,
    target: pd.Series,
    cats: list[str],
    population: Any,
    city_totals: Mapping[str, float] | None,
) -> tuple[float, float, str]:
    """(value in the zone, city value, method) of one target on one snapshot."""
    chosen = np.isin(points.data["category"].astype(object), np.asarray(cats, dtype=object))
    inside = _zone_mask(points, layout, target["zone_layer"], target["zone"])[chosen]
    # The city's totals count the resources inside the layout's city layer only, as
    # share_of_city does: a resource elsewhere is in no share of this city.
    in_city = _in_city(points, layout)[chosen]
    w = points.data["__weight__"][chosen]
    measure = target["measure"]
    if measure == "count":
        zone_v, city_v = float(inside.sum()), float(in_city.sum())
        method = "count of resources"
    elif measure == "weight":
        zone_v, city_v = float(w[inside].sum()), float(w[in_city].sum())
        method = "sum of weights"
    else:
        people, pmethod = _zone_population(
            layout, target["zone_layer"], target["zone"], population
        )
        zone_v = float(w[inside].sum()) / people * 1e4 if people > 0 else np.nan
        city_v = np.nan
        method = f"sum of weights per 10,000 people; population: {pmethod}"
    if city_totals and measure != "per_10k_people":
        given = [c for c in cats if c in city_totals]
        if given:
            # Category by category, as share_of_city: an official count replaces the
            # counted one of its category (weights scaled in proportion); the categories
            # not given keep their counted totals.
            cat_of = np.where(in_city, points.data["category"].astype(object)[chosen], None)
            city_v = 0.0
            for c in cats:
                mine = cat_of == c
                counted = float(mine.sum()) if measure == "count" else float(w[mine].sum())
                if c not in city_totals:
                    city_v += counted
                elif measure == "count":
                    city_v += float(city_totals[c])
                else:
                    n = float(mine.sum())
                    city_v += counted * float(city_totals[c]) / n if n else np.nan
            method += "; city total from city_totals"
    return zone_v, city_v, method


@keyword_only("layout")
def target_status(
    current: Any,
    *,
    layout: Any = None,
    base: Any = None,
    targets: pd.DataFrame | str | os.PathLike[str] | None = None,
    categories: pd.DataFrame | str | os.PathLike[str] | None = None,
    population: Any = None,
    base_population: Any = None,
    city_totals: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Check the plan's targets: value, target, gap and met for each.

    Parameters
    ----------
    current : ResourceTable or GeoDataFrame
        The current snapshot of resources (``category`` keys of the registry, ``weight``
        for counts such as patents or talent).
    layout : CorridorLayout, optional
        The bundled layout by default.
    base : ResourceTable or GeoDataFrame, optional
        The base snapshot for the growth targets; without it their value is NaN and
        ``met`` is missing (``<NA>``).
    targets : DataFrame or path, optional
        The targets (:func:`plan_targets`); the bundled ones by default.
    categories : DataFrame or path, optional
        The category registry deciding which categories count towards which target.
    population, base_population : optional
        Population for per-capita targets in the current and the base year: ``None``
        (census districts by area), polygons with counts or a raster (see
        :func:`corridor_geo.population.population_by_zone`).  ``base_population``
        defaults to ``population``.
    city_totals : mapping, optional
        ``{category key: official city-wide count}`` for the share targets, when the
        snapshot does not list the whole city's resources.  As in
        :func:`~corridor_geo.zones.share_of_city`, each given count replaces the counted
        total of its category only; the categories not given keep their counted totals.

    Returns
    -------
    DataFrame
        One row per target: ``key``, ``name_zh``, ``name_en``, ``kind``, ``zone``,
        ``categories``, ``current`` (the zone's measure now), ``base``, ``city``
        (city-wide measure, for shares: the resources inside the layout's city
        layer), ``value`` (the share, or the growth ``current / base - 1``),
        ``target``, ``gap`` (``value - target``; negative means short), ``met``
        (boolean, ``value >= target`` up to :data:`MET_TOL`; ``<NA>`` when it cannot be
        computed) and ``method``.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> from corridor_geo.resources import synthetic_resources
    >>> lay = load_layout()
    >>> labs = {"state_key_lab": 1, "new_rd_institution": 1, "high_tech_enterprise": 2}
    >>> before = synthetic_resources(400, seed=1, corridor_share=0.40, categories=labs)
    >>> now = synthetic_resources(460, seed=2, corridor_share=0.50, categories=labs)
    >>> status = target_status(now, layout=lay, base=before).set_index("key")
    >>> bool(status.loc["key_resources_share", "met"])
    True
    >>> round(float(status.loc["key_resources_share", "target"]), 2)
    0.45
    """
    from .layout import load_layout
    from .resources import target_categories

    lay = load_layout() if layout is None else layout
    table = plan_targets(targets)
    cur = _snapshot(current, "the current snapshot")
    old = _snapshot(base, "the base snapshot") if base is not None else None
    rows = []
    for _, t in table.iterrows():
        cats = target_categories(str(t["key"]), categories)
        row: dict[str, Any] = {
            "key": t["key"],
            "name_zh": t["name_zh"],
            "name_en": t["name_en"],
            "kind": t["kind"],
            "zone": f"{t['zone_layer']}:{t['zone']}",
            "categories": "|".join(cats),
            "target": float(t["threshold"]),
        }
        if not cats:
            row.update(
                current=np.nan,
                base=np.nan,
                city=np.nan,
                value=np.nan,
                met=pd.NA,
                method="no category of the registry counts towards this target",
            )
            rows.append(row)
            continue
        zone_now, city_now, method = _measure(cur, lay, t, cats, population, city_totals)
        row["current"] = zone_now
        row["city"] = city_now
        row["base"] = np.nan
        if t["kind"] == "share":
            row["value"] = zone_now / city_now if city_now > 0 else np.nan
            row["method"] = f"share of the city: {method}"
        elif t["kind"] == "level":
            row["value"] = zone_now
            row["method"] = method
        else:
            if old is None:
                row["value"] = np.nan
                row["method"] = f"growth needs a base snapshot (base=...); current: {method}"
            else:
                bpop = population if base_population is None else base_population
                zone_then, _, bmethod = _measure(old, lay, t, cats, bpop, None)
                row["base"] = zone_then
                row["value"] = zone_now / zone_then - 1.0 if zone_then > 0 else np.nan
                row["method"] = f"growth current/base - 1: {method}"
                if bmethod != method:
                    row["method"] += f" (base: {bmethod})"
        value = row["value"]
        # A tolerance of 1e-9 so that 5750 / 5000 - 1 = 0.1499999999999999 meets 15%.
        row["met"] = pd.NA if not np.isfinite(value) else bool(value >= row["target"] - MET_TOL)
        rows.append(row)
    out = pd.DataFrame(rows)
    out["gap"] = out["value"] - out["target"]
    out["met"] = out["met"].astype("boolean")
    cols = [
        "key", "name_zh", "name_en", "kind", "zone", "categories", "current", "base",
        "city", "value", "target", "gap", "met", "method",
    ]  # fmt: skip
    return out[cols]


@keyword_only("layout")
def per_capita(
    resources: Any,
    *,
    layout: Any = None,
    category: str = "invention_patents",
    per: float = 10_000.0,
    layers: Any = None,
    population: Any = None,
) -> pd.DataFrame:
    """A count (sum of weights) of one category per ``per`` residents, for every zone.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from corridor_geo import load_layout
    >>> pts = gpd.GeoDataFrame({"category": ["invention_patents"], "weight": [502.37]},
    ...                        geometry=[shapely.Point(120.49, 36.165)], crs="EPSG:4326")
    >>> t = per_capita(pts, layout=load_layout(), layers=["districts"]).set_index("zone")
    >>> round(float(t.loc["370212", "per_10k"]), 4)  # 502.37 / 502,370 people * 10,000
    10.0
    """
    from .layout import load_layout
    from .population import population_by_zone
    from .zones import DEFAULT_LAYERS, share_of_city

    lay = load_layout() if layout is None else layout
    frame = frame_of(resources, "resources")
    col = role_column(frame, "category")
    if col not in frame.columns:
        raise InputError(f"the resources have no {col!r} column to select {category!r}")
    pts = frame.loc[frame[col] == category]
    lays = DEFAULT_LAYERS if layers is None else layers
    share = share_of_city(pts, layout=lay, by=None, layers=lays, total=False)
    pop = population_by_zone(lay, layers=lays, population=population)
    out = share[["layer", "zone", "name_zh", "name_en", "weight"]].merge(
        pop[["layer", "zone", "population", "method"]], on=["layer", "zone"], how="left"
    )
    label = f"per_{int(per / 1000)}k" if per % 1000 == 0 else f"per_{per:g}"
    with np.errstate(divide="ignore", invalid="ignore"):
        out[label] = np.where(
            out["population"] > 0, out["weight"] / out["population"] * per, np.nan
        )
    out = out.rename(columns={"weight": category})
    return out
