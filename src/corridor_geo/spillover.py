"""Spillover (辐射带动): the corridor's pull on the districts and sub-districts of the city.

The plan asks the corridor to "辐射带动" the city.  A gravity-type potential measures it:
each zone ``j`` of the city (a district, a sub-district) receives

.. math:: P_j = \\sum_s M_s \\, f(d_{sj})

from the corridor's resources, where ``M_s`` is the mass of source ``s`` (the count of
its resources, or the sum of their weights), ``d_sj`` the distance or travel time from
the source to the zone and ``f`` a distance decay:

``"exponential"``
    ``f(d) = exp(-beta d)``: ``beta`` per km (or per minute); the influence halves every
    ``ln 2 / beta``;
``"power"``
    ``f(d) = d ** -beta``: undefined at 0, so distances below ``min_distance`` (1 km or
    1 minute by default) are raised to it.

Sources (``sources=``): ``"cities"`` (default) - the corridor's resources grouped by the
three cities, each at its city's centre; ``"corridor"`` - all of them at the corridor's
centre; any other zone layer (``"subdistricts"``...) clipped to the corridor; or
``"points"`` - every resource at its own place.  Only resources inside the layout's
corridor count (``inside="corridor"``; ``None`` takes every resource given).

Centres (``centroid=``): ``"geometric"`` - the zone's centroid in EPSG:4549; or
``"population"`` - its population-weighted centroid, from population polygons (the 2020
census at the finest level by default: inside a sub-district the census assumes uniform
density, so a sub-district's population-weighted centre is its centroid; a district's is
pulled towards its populous sub-districts) or a raster of people per cell.

Distances: straight-line km between centres in EPSG:4549 (scale error below 1e-4 in
Qingdao), or, with a road graph ``G``, network times (``edge_weight="travel_time"``,
minutes) or lengths (``"length"``, reported in km) from
:func:`corridor_geo.access.travel_time_matrix`; a centre that cannot be snapped, or an
unreachable pair, contributes nothing (``f(inf) = 0``) and is counted in the attrs.

Outputs: :func:`spillover` gives one row per zone for one decay, :func:`spillover_sweep`
a tidy table over several decays and parameters (how robust the ranking is), which
:func:`corridor_geo.plotting.plot_spillover` draws.  The potential is an index of
accessibility to the corridor's resources, not a measured flow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import InputError
from ._points import metric_geometries, metric_points
from .crs import ANALYSIS_CRS, transform_xy

__all__ = ["DECAYS", "DEFAULT_SWEEP", "decay_function", "spillover", "spillover_sweep"]

log = logging.getLogger(__name__)

DECAYS = ("exponential", "power")
"""Distance-decay kinds (see the module notes)."""

DEFAULT_SWEEP: Mapping[str, tuple[float, ...]] = {
    "exponential": (0.05, 0.1, 0.2, 0.4),
    "power": (0.5, 1.0, 1.5, 2.0),
}
"""The decays and parameters :func:`spillover_sweep` varies by default (per km)."""

CENTROIDS = ("geometric", "population")


def decay_function(kind: str, beta: float, *, min_distance: float = 1.0) -> Callable:
    """The decay ``f(d)`` of a kind and parameter, vectorised (``f(inf) = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> f = decay_function("exponential", 0.1)
    >>> [round(float(v), 6) for v in f(np.array([0.0, 5.0, np.inf]))]  # exp(-0.5)
    [1.0, 0.606531, 0.0]
    >>> g = decay_function("power", 2.0)  # 1/d², d raised to at least 1 km
    >>> [float(v) for v in g(np.array([0.5, 2.0, 4.0]))]
    [1.0, 0.25, 0.0625]
    """
    if kind not in DECAYS:
        raise InputError(f"unknown decay {kind!r}: use one of {', '.join(DECAYS)}")
    if isinstance(beta, bool) or not (np.isfinite(beta) and beta > 0):
        raise InputError(f"the decay parameter beta must be a positive number, got {beta!r}")
    if not (np.isfinite(min_distance) and min_distance > 0):
        raise InputError(f"min_distance must be positive, got {min_distance!r}")
    if kind == "exponential":

        def f(d: np.ndarray) -> np.ndarray:
            d = np.asarray(d, dtype=float)
            return np.where(np.isfinite(d), np.exp(-beta * np.where(np.isfinite(d), d, 0)), 0.0)

    else:

        def f(d: np.ndarray) -> np.ndarray:
            d = np.asarray(d, dtype=float)
            safe = np.where(np.isfinite(d), np.maximum(d, min_distance), 1.0)
            return np.where(np.isfinite(d), safe**-beta, 0.0)

    return f


# --------------------------------------------------------------------------------------
# Set-up: sources, destinations, costs
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Setup:
    zones: pd.DataFrame  # layer, zone, name_zh, name_en, population
    sources: pd.DataFrame  # source, mass, x, y
    cost: np.ndarray  # sources x zones
    unit: str
    method: str
    attrs: dict[str, Any]


def _population_polygons(population: Any, layout: Any, population_col: str) -> Any:
    from .population import census_polygons
    from .raster import Raster, read_raster

    if isinstance(population, str) and population.lower().rsplit(".", 1)[-1] in (
        "tif",
        "tiff",
        "vrt",
        "img",
        "asc",
    ):
        population = read_raster(population)
    elif isinstance(population, str):
        population = gpd.read_file(population)
    if population is None:
        if not hasattr(layout, "layers"):
            raise InputError(
                "population-weighted centres need population= polygons or a raster when the "
                "zones are not a layout's"
            )
        return census_polygons(layout, level="finest"), "population"
    if isinstance(population, Raster):
        return population, None
    if isinstance(population, gpd.GeoDataFrame):
        if population_col not in population.columns:
            raise InputError(f"the population polygons have no column {population_col!r}")
        return population, population_col
    raise InputError(
        "population must be None (census), polygons with counts, a Raster or a path, got "
        f"{type(population).__name__}"
    )


def _weighted_centres(geoms: np.ndarray, population: Any, col: str | None) -> np.ndarray:
    """Population-weighted centres (x, y) of metric polygons; NaN where no one lives."""
    from .raster import Raster

    out = np.full((len(geoms), 2), np.nan)
    if isinstance(population, Raster):
        from .zones import ZoneIndex

        rows, cols = np.nonzero(population.valid())
        values = population.values[rows, cols].astype(float)
        keep = values > 0
        rows, cols, values = rows[keep], cols[keep], values[keep]
        t = population.transform
        x = t.c + (cols + 0.5) * t.a + (rows + 0.5) * t.b
        y = t.f + (cols + 0.5) * t.d + (rows + 0.5) * t.e
        mx, my = transform_xy(x, y, source=population.crs, target=ANALYSIS_CRS)
        pt, zn = ZoneIndex.build(list(geoms)).query(mx, my)
        w = np.bincount(zn, weights=values[pt], minlength=len(geoms))
        sx = np.bincount(zn, weights=values[pt] * mx[pt], minlength=len(geoms))
        sy = np.bincount(zn, weights=values[pt] * my[pt], minlength=len(geoms))
    else:
        counts = pd.to_numeric(population[col], errors="coerce").to_numpy(float)
        if not np.isfinite(counts).all() or (counts < 0).any():
            raise InputError(f"population column {col!r} has missing or negative counts")
        pg = metric_geometries(population)
        tree = shapely.STRtree(pg)
        z_idx, p_idx = tree.query(geoms, predicate="intersects")
        pieces = shapely.intersection(geoms[z_idx], pg[p_idx])
        area = shapely.area(pieces)
        share = np.divide(area, shapely.area(pg)[p_idx], out=np.zeros_like(area), where=area > 0)
        wpiece = counts[p_idx] * share
        c = shapely.centroid(pieces)
        cx = np.where(area > 0, shapely.get_x(c), 0.0)
        cy = np.where(area > 0, shapely.get_y(c), 0.0)
        w = np.bincount(z_idx, weights=wpiece, minlength=len(geoms))
        sx = np.bincount(z_idx, weights=wpiece * cx, minlength=len(geoms))
        sy = np.bincount(z_idx, weights=wpiece * cy, minlength=len(geoms))
    ok = w > 0
    out[ok, 0] = sx[ok] / w[ok]
    out[ok, 1] = sy[ok] / w[ok]
    return out


def _centres(geoms: np.ndarray, how: str, population: Any, col: str | None) -> np.ndarray:
    c = shapely.centroid(geoms)
    xy = np.column_stack([shapely.get_x(c), shapely.get_y(c)])
    if how == "population":
        weighted = _weighted_centres(geoms, population, col)
        found = np.isfinite(weighted[:, 0])
        if (~found).any():
            log.info("%d zone(s) without population: geometric centroid used", int((~found).sum()))
        xy[found] = weighted[found]
    return xy


def _setup(
    resources: Any,
    *,
    layout: Any,
    layers: Sequence[str] | str,
    zones: gpd.GeoDataFrame | None,
    sources: str,
    inside: str | None,
    centroid: str,
    population: Any,
    population_col: str,
    weight: str | None,
    categories: Iterable[str] | None,
    G: Any,
    edge_weight: str,
    max_distance: float,
) -> _Setup:
    from .layout import load_layout
    from .population import population_by_zone
    from .zones import ZONE_LAYERS, zone_geometries, zone_index

    if centroid not in CENTROIDS:
        raise InputError(f"centroid must be 'geometric' or 'population', got {centroid!r}")
    lay = load_layout() if layout is None else layout
    if zones is not None:
        dest, dgeoms = zone_geometries(zones, "zones")
    else:
        names = [layers] if isinstance(layers, str) else list(layers)
        dest, dgeoms = zone_geometries(lay, names)
    dgeoms = np.asarray(dgeoms, dtype=object)
    table = pd.DataFrame(dest[["layer", "zone", "name_zh", "name_en"]]).reset_index(drop=True)
    pop_source, pop_col = (None, None)
    if centroid == "population":
        pop_source, pop_col = _population_polygons(
            population, lay if zones is None else zones, population_col
        )
    try:
        pop = population_by_zone(
            lay if zones is None else zones,
            layers=None if zones is not None else table["layer"].unique().tolist(),
            population=population,
            population_col=population_col,
        )
        table = table.merge(pop[["layer", "zone", "population"]], on=["layer", "zone"], how="left")
    except InputError as exc:  # custom zones without population: no per-capita figure
        log.info("no population for the zones (%s)", exc)
        table["population"] = np.nan

    # Sources: the corridor's resources, as points or grouped by zones.
    columns = ["category"] if categories is not None else []
    pts = metric_points(resources, columns=columns, weight=weight, what="resources")
    keep = np.ones(len(pts), dtype=bool)
    if categories is not None:
        wanted = np.asarray([str(c) for c in categories], dtype=object)
        keep &= np.isin(pts.data["category"].astype(str), wanted)
    if inside is not None:
        index, _ = zone_index(lay, inside)
        pt, _zn = index.query(pts.x, pts.y)
        in_zone = np.zeros(len(pts), dtype=bool)
        in_zone[pt] = True
        keep &= in_zone
    x, y, w = pts.x[keep], pts.y[keep], pts.data["__weight__"][keep]
    attrs: dict[str, Any] = {"n_resources": int(keep.sum()), "n_given": len(pts)}
    if sources == "points":
        src = pd.DataFrame({"source": np.arange(len(x)).astype(str), "mass": w, "x": x, "y": y})
    else:
        if sources not in ZONE_LAYERS:
            raise InputError(
                f"sources must be 'points' or a zone layer ({', '.join(ZONE_LAYERS)}), "
                f"got {sources!r}"
            )
        szones, sgeoms = zone_geometries(lay, sources)
        sgeoms = np.asarray(sgeoms, dtype=object)
        if inside is not None:
            sgeoms = shapely.intersection(sgeoms, lay.union(inside))
        nonempty = ~shapely.is_empty(sgeoms)
        from .zones import ZoneIndex

        geoms_ok = sgeoms[nonempty]
        labels = szones["zone"].to_numpy()[nonempty]
        pt, zn = (
            ZoneIndex.build(list(geoms_ok)).query(x, y)
            if len(geoms_ok)
            else (np.zeros(0, int), np.zeros(0, int))
        )
        mass = np.bincount(zn, weights=w[pt], minlength=len(geoms_ok))
        assigned = np.zeros(len(x), dtype=bool)
        assigned[pt] = True
        attrs["n_unassigned"] = int((~assigned).sum())
        if attrs["n_unassigned"]:
            log.warning(
                "%d resource(s) in the corridor lie in no %s zone and are left out of the "
                "sources (sources='points' or 'corridor' counts them)",
                attrs["n_unassigned"],
                sources,
            )
        centres = _centres(geoms_ok, centroid, pop_source, pop_col)
        src = pd.DataFrame(
            {"source": labels, "mass": mass, "x": centres[:, 0], "y": centres[:, 1]}
        )
        src = src.loc[src["mass"] > 0].reset_index(drop=True)
    dxy = _centres(dgeoms, centroid, pop_source, pop_col)
    table["x"], table["y"] = dxy[:, 0], dxy[:, 1]
    if G is None:
        cost = (
            np.hypot(
                src["x"].to_numpy()[:, None] - dxy[None, :, 0],
                src["y"].to_numpy()[:, None] - dxy[None, :, 1],
            )
            / 1000.0
        )
        unit = "km"
        method = "straight-line km between centres (EPSG:4549)"
    else:
        from .access import travel_time_matrix

        o = gpd.GeoSeries(shapely.points(src["x"], src["y"]), crs=ANALYSIS_CRS)
        d = gpd.GeoSeries(shapely.points(dxy[:, 0], dxy[:, 1]), crs=ANALYSIS_CRS)
        wide = travel_time_matrix(
            o, d, G, edge_weight=edge_weight, output="wide", max_distance=max_distance, layout=lay
        )
        cost = wide.to_numpy(float)
        if edge_weight == "length":
            cost = cost / 1000.0
            unit, method = "km", "network length (km) between centres"
        else:
            unit, method = "minutes", f"network {edge_weight} (minutes) between centres"
        attrs.update(
            origins_not_snapped=wide.attrs.get("origins_not_snapped", 0),
            destinations_not_snapped=wide.attrs.get("destinations_not_snapped", 0),
            unreachable_pairs=wide.attrs.get("unreachable_pairs", 0),
        )
    how = "population-weighted" if centroid == "population" else "geometric"
    method += f"; {how} centres; sources: {sources}"
    method += "; mass: " + ("count of resources" if weight is None else f"sum of {weight!r}")
    return _Setup(table, src, cost, unit, method, attrs)


def _potential(setup: _Setup, kind: str, beta: float, min_distance: float) -> pd.DataFrame:
    f = decay_function(kind, beta, min_distance=min_distance)
    mass = setup.sources["mass"].to_numpy(float)
    pot = mass @ f(setup.cost) if len(mass) else np.zeros(len(setup.zones))
    out = setup.zones.drop(columns=["x", "y"]).copy()
    out["decay"] = kind
    out["beta"] = float(beta)
    out["potential"] = pot
    by_layer = out.groupby("layer")["potential"]
    total = by_layer.transform("sum")
    top = by_layer.transform("max")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(total > 0, out["potential"] / total, np.nan)
        out["index"] = np.where(top > 0, out["potential"] / top, np.nan)
        out["per_10k"] = np.where(
            out["population"] > 0, out["potential"] / out["population"] * 1e4, np.nan
        )
    out["rank"] = by_layer.rank(ascending=False, method="min").astype(int)
    out["unit"] = setup.unit
    out["method"] = setup.method + (
        f"; f(d) = exp(-{beta:g} d)"
        if kind == "exponential"
        else f"; f(d) = max(d, {min_distance:g})^-{beta:g}"
    )
    return out


def spillover(
    resources: Any,
    *,
    layout: Any = None,
    layers: Sequence[str] | str = ("districts", "subdistricts"),
    zones: gpd.GeoDataFrame | None = None,
    sources: str = "cities",
    inside: str | None = "corridor",
    decay: str = "exponential",
    beta: float = 0.1,
    centroid: str = "geometric",
    population: Any = None,
    population_col: str = "population",
    weight: str | None = "weight",
    categories: Iterable[str] | None = None,
    G: Any = None,
    edge_weight: str = "travel_time",
    max_distance: float = 2000.0,
    min_distance: float = 1.0,
) -> pd.DataFrame:
    """The corridor's spillover potential over the zones of the city, for one decay.

    Parameters
    ----------
    resources : ResourceTable, GeoDataFrame or GeoSeries
        Points with a CRS; ``weight`` column for the mass.
    layout : CorridorLayout, optional
        The bundled layout by default: its corridor selects the sources, its zones are
        the destinations.
    layers : str or sequence of str
        Destination zone layers; districts and sub-districts by default.
    zones : GeoDataFrame, optional
        Destination zones of your own (``layer`` and ``zone`` columns, any CRS) instead.
    sources : str
        ``"cities"``, ``"corridor"``, another zone layer, or ``"points"`` (see the notes).
    inside : str or None
        The layer whose zones hold the sources' resources (``"corridor"``); ``None`` takes
        every resource given.
    centroid : {"geometric", "population"}
    population, population_col
        Population polygons (counts in ``population_col``) or raster, for the
        population-weighted centres and the per-capita potential; the 2020 census by
        default.
    weight : str or None
        Mass: the sum of this column (``None``: count of resources).
    categories : iterable of str, optional
        Only resources of these categories.
    G : networkx.MultiDiGraph, optional
        Use network costs (:func:`corridor_geo.access.travel_time_matrix`).
    edge_weight : str
        ``"travel_time"`` (minutes, ``beta`` per minute) or ``"length"`` (km).
    max_distance : float
        Snapping limit of the centres to the graph, metres.
    min_distance : float
        Floor of the distance in the power decay (km, or minutes).

    Returns
    -------
    DataFrame
        One row per zone: ``layer``, ``zone``, ``name_zh``, ``name_en``, ``population``,
        ``decay``, ``beta``, ``potential`` (``sum_s M_s f(d_sj)``), ``share`` (of the
        layer's total potential), ``index`` (potential / the layer's largest), ``per_10k``
        (potential per 10,000 residents), ``rank`` (1 = strongest, within the layer),
        ``unit`` (of the distance) and ``method``.  ``attrs["sources"]`` holds the sources
        (``{"source": [...], "mass": [...], "x": [...], "y": [...]}``, EPSG:4549; as a
        table: ``pd.DataFrame(out.attrs["sources"])``) and ``attrs`` counts the resources
        used and left out.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> from corridor_geo.resources import synthetic_resources
    >>> pts = synthetic_resources(300, seed=5, corridor_share=0.6)
    >>> s = spillover(pts, layout=load_layout(), layers="districts", beta=0.1)
    >>> s.sort_values("rank")["name_zh"].iloc[0]  # the corridor's own district
    '崂山区'
    >>> round(float(s["share"].sum()), 6)
    1.0
    """
    setup = _setup(
        resources,
        layout=layout,
        layers=layers,
        zones=zones,
        sources=sources,
        inside=inside,
        centroid=centroid,
        population=population,
        population_col=population_col,
        weight=weight,
        categories=categories,
        G=G,
        edge_weight=edge_weight,
        max_distance=max_distance,
    )
    out = _potential(setup, decay, beta, min_distance)
    out.attrs.update(setup.attrs)
    out.attrs["sources"] = setup.sources.to_dict("list")
    return out


def spillover_sweep(
    resources: Any,
    *,
    decays: Mapping[str, Iterable[float]] | None = None,
    layout: Any = None,
    layers: Sequence[str] | str = ("districts", "subdistricts"),
    zones: gpd.GeoDataFrame | None = None,
    sources: str = "cities",
    inside: str | None = "corridor",
    centroid: str = "geometric",
    population: Any = None,
    population_col: str = "population",
    weight: str | None = "weight",
    categories: Iterable[str] | None = None,
    G: Any = None,
    edge_weight: str = "travel_time",
    max_distance: float = 2000.0,
    min_distance: float = 1.0,
) -> pd.DataFrame:
    """The spillover potential under several decays and parameters: a tidy table.

    The costs are computed once; each ``(decay, beta)`` of ``decays`` (by default
    :data:`DEFAULT_SWEEP`) adds one block of rows as :func:`spillover` returns them.
    ``rank_spread`` (the largest minus the smallest rank of a zone over the sweep) says
    how much the ranking depends on the choice.

    Parameters
    ----------
    resources : ResourceTable, GeoDataFrame or GeoSeries
        Points with a CRS; ``weight`` column for the mass.
    layout : CorridorLayout, optional
        The bundled layout by default: its corridor selects the sources, its zones are
        the destinations.
    layers : str or sequence of str
        Destination zone layers; districts and sub-districts by default.
    zones : GeoDataFrame, optional
        Destination zones of your own (``layer`` and ``zone`` columns, any CRS) instead.
    sources : str
        ``"cities"``, ``"corridor"``, another zone layer, or ``"points"`` (see the notes).
    inside : str or None
        The layer whose zones hold the sources' resources (``"corridor"``); ``None`` takes
        every resource given.
    centroid : {"geometric", "population"}
    population, population_col
        Population polygons (counts in ``population_col``) or raster, for the
        population-weighted centres and the per-capita potential; the 2020 census by
        default.
    weight : str or None
        Mass: the sum of this column (``None``: count of resources).
    categories : iterable of str, optional
        Only resources of these categories.
    G : networkx.MultiDiGraph, optional
        Use network costs (:func:`corridor_geo.access.travel_time_matrix`).
    edge_weight : str
        ``"travel_time"`` (minutes, ``beta`` per minute) or ``"length"`` (km).
    max_distance : float
        Snapping limit of the centres to the graph, metres.
    min_distance : float
        Floor of the distance in the power decay (km, or minutes).

    Returns
    -------
    DataFrame
        The rows of :func:`spillover` for every setting, with ``rank_spread``.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> from corridor_geo.resources import synthetic_resources
    >>> pts = synthetic_resources(300, seed=5, corridor_share=0.6)
    >>> t = spillover_sweep(pts, layout=load_layout(), layers="districts",
    ...                     decays={"exponential": [0.05, 0.2], "power": [1, 2]})
    >>> t.groupby(["decay", "beta"]).size().tolist()  # ten districts per setting
    [10, 10, 10, 10]
    """
    settings = DEFAULT_SWEEP if decays is None else decays
    for kind, betas in settings.items():
        for b in betas:
            decay_function(kind, b, min_distance=min_distance)  # checks before any work
    setup = _setup(
        resources,
        layout=layout,
        layers=layers,
        zones=zones,
        sources=sources,
        inside=inside,
        centroid=centroid,
        population=population,
        population_col=population_col,
        weight=weight,
        categories=categories,
        G=G,
        edge_weight=edge_weight,
        max_distance=max_distance,
    )
    blocks = [
        _potential(setup, kind, float(b), min_distance)
        for kind, betas in settings.items()
        for b in betas
    ]
    if not blocks:
        raise InputError("decays names no setting: give e.g. {'exponential': [0.1]}")
    out = pd.concat(blocks, ignore_index=True)
    ranks = out.groupby(["layer", "zone"])["rank"]
    out["rank_spread"] = (ranks.transform("max") - ranks.transform("min")).astype(int)
    out.attrs.update(setup.attrs)
    out.attrs["sources"] = setup.sources.to_dict("list")
    return out
