"""Scenarios: layout variants, and what changes between two layouts or two boundaries.

The plan foresees the corridor growing ("远期向青岛市域及周边延伸拓展") and enclaves
("产业飞地/科创飞地").  This module builds such variants and compares them:

* :func:`scenario` - a named variant of a layout: the corridor widened by a buffer,
  extended by whole districts or sub-districts (街道/镇), with enclaves (飞地) outside it
  counted with it, a moved corridor boundary from a file, or moved city boundaries;
* :func:`compare` - two layouts on the same resources: per zone, the differences in area,
  resources, share of the city, density, population, coverage and access, as a tidy
  table, with the area that changed hands (a folium map: ``Comparison.explore()``) and
  the boundary comparison of the zones;
* :func:`compare_boundaries` - any two polygon layers (districts from two sources, a
  corridor before and after): area differences, intersection over union, Hausdorff
  distance, offsets segment by segment along the boundary, and whether the offset looks
  like the GCJ-02 shift (see :mod:`corridor_geo._boundary` for the method).

A variant's corridor keeps the zone identifier ``"corridor"``, so every analysis of the
library (:func:`~corridor_geo.zones.share_of_city`, :func:`~corridor_geo.indicators.
target_status`, :func:`~corridor_geo.monitoring.monitor`...) runs on it unchanged; its
``scenario`` column and ``layout.sources["corridor"]`` say what it is.  To replace a
layer by an authoritative file, tolerantly, see
:meth:`corridor_geo.layout.CorridorLayout.replace` (``tolerance=``, ``mode="report"``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._boundary import AGREE_M, MAX_OFFSET_M, SEGMENT_M, STEP_M, BoundaryResult, compare_polygons
from ._errors import InputError, LayoutError
from ._metric import true_area_m2
from ._points import frame_of, metric_points
from ._text import listing
from ._validate import check_geometries, warn_if_gcj02_mislabel
from .crs import ANALYSIS_CRS, WGS84, datum_of, geodesic_area, set_datum, to_crs

__all__ = [
    "BoundaryComparison",
    "Comparison",
    "compare",
    "compare_boundaries",
    "scenario",
]

log = logging.getLogger(__name__)

METRICS = {
    "area_km2": "km2",
    "resources": "count",
    "weight": "weight",
    "share_count": "share of the city",
    "share_weight": "share of the city",
    "count_per_km2": "per km2",
    "weight_per_km2": "per km2",
    "population": "people",
    "resources_per_10k": "per 10,000 people",
    "coverage_area_share": "share",
    "coverage_population_share": "share",
    "coverage_resources_share": "share",
    "axis_distance_km": "km (median)",
    "time_to_axis": "minutes (median)",
    "within_cutoff_share": "share",
}
"""Metrics of :func:`compare` and their units."""

SLIVER_M2 = 100.0
"""Changed parts smaller than this (m²) are slivers of the geometry operations, left out."""


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------
def _read_polygons(data: Any, *, datum: str | None, what: str, layout: Any) -> gpd.GeoDataFrame:
    """A polygon layer from a path, GeoDataFrame or GeoSeries, in WGS84 (checked)."""
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.exists():
            raise InputError(f"{what}: no such file {str(path)!r}")
        try:
            frame = gpd.read_file(path)
        except Exception as exc:
            raise InputError(f"{what}: cannot read {path.name!r} as a layer: {exc}") from exc
    elif isinstance(data, gpd.GeoSeries):
        frame = gpd.GeoDataFrame(geometry=data)
    elif isinstance(data, gpd.GeoDataFrame):
        frame = data.copy()
    else:
        raise InputError(
            f"{what} must be a file path, GeoDataFrame or GeoSeries, got {type(data).__name__}"
        )
    if datum is not None:
        frame = set_datum(frame, datum)
    else:
        datum_of(frame)  # MissingCRSError with the fix
        warn_if_gcj02_mislabel(frame, layout.layers["city"], what)
    check_geometries(frame, what, types=("Polygon", "MultiPolygon"))
    return to_crs(frame, WGS84)


def _pick(frame: gpd.GeoDataFrame, wanted: Iterable[str], columns: Sequence[str], what: str):
    """Rows of a layer named by any of the identifier columns (each name must be unique)."""
    out = []
    for name in wanted:
        name = str(name).strip()
        hits = np.zeros(len(frame), dtype=bool)
        for col in columns:
            if col in frame.columns:
                hits |= (frame[col].astype(str).str.strip() == name).to_numpy()
        if hits.sum() == 0:
            raise InputError(
                f"no {what} {name!r}: name one by {' or '.join(columns)}, e.g. "
                f"{listing(frame[columns[0]].astype(str).head(3))}"
            )
        if hits.sum() > 1:
            keys = frame.loc[hits, columns[0]].astype(str).tolist()
            raise InputError(
                f"{what} {name!r} is ambiguous: it names {listing(keys)}; use the key"
            )
        out.append(frame.loc[hits])
    return out


def scenario(
    name: str,
    *,
    layout: Any = None,
    buffer_m: float = 0.0,
    districts: Iterable[str] = (),
    subdistricts: Iterable[str] = (),
    enclaves: Any = None,
    corridor: Any = None,
    cities: Any = None,
    datum: str | None = None,
    clip_to_city: bool = True,
    tolerance: float | None = None,
) -> Any:
    """A named variant of a layout: the corridor extended, with enclaves, or moved.

    Applied in this order: ``cities`` (new city boundaries; the corridor becomes their
    union), ``corridor`` (a moved corridor boundary), then the extensions (``buffer_m``,
    ``districts``, ``subdistricts``, ``enclaves``), all unioned into the corridor.

    Parameters
    ----------
    name : str
        The scenario's name (kept in the corridor's ``scenario`` column).
    layout : CorridorLayout, optional
        The layout to start from; the bundled one by default.
    buffer_m : float
        Widen the corridor by this many metres (EPSG:4549), clipped to Qingdao's land
        (``clip_to_city``).
    districts, subdistricts : iterable of str
        Whole districts (code ``"370212"`` or name ``"崂山区"``) and sub-districts (key
        ``"370212/金家岭街道"`` or an unambiguous name ``"金家岭街道"``) added to the corridor.
    enclaves : path, GeoDataFrame or GeoSeries, optional
        Polygons outside the corridor counted with it (科创飞地, 产业飞地): any CRS; a
        ``datum`` declares GCJ-02/BD-09 data.  They are not clipped: an enclave outside
        Qingdao counts with the corridor, but the city totals of the shares count only
        what lies in the ``city`` layer (and the readers reject points outside Qingdao
        unless given a ``tolerance_m``).
    corridor : path, GeoDataFrame or GeoSeries, optional
        A moved corridor boundary replacing the corridor (before the extensions).
    cities : path, GeoDataFrame or GeoSeries, optional
        Moved city boundaries (:meth:`~corridor_geo.layout.CorridorLayout.replace` in
        report mode with ``tolerance``; its report stays in ``layout.reports``).
    datum : str, optional
        The datum of the files given (``"GCJ02"`` for Amap exports...).
    clip_to_city : bool
        Clip the extended corridor to the city layer (no sea counted as corridor).
    tolerance : float, optional
        Containment tolerance for ``cities`` (see ``replace``).

    Returns
    -------
    CorridorLayout
        The variant; its corridor has ``area_km2`` (geodesic), ``status = "scenario"``,
        ``scenario``, ``method`` and ``source`` saying how it was built.  The official
        figures no longer apply to it (``validate()`` shows where it departs).

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> lay = load_layout()
    >>> north = scenario("with 鳌山卫", layout=lay, subdistricts=["370215/鳌山卫街道"])
    >>> bool(north.corridor["area_km2"].iloc[0] > lay.corridor["area_km2"].iloc[0])
    True
    >>> north.corridor[["key", "scenario", "status"]].values.tolist()
    [['corridor', 'with 鳌山卫', 'scenario']]
    """
    from .layout import load_layout

    lay = load_layout() if layout is None else layout
    if not str(name).strip():
        raise InputError("a scenario needs a name")
    if not (np.isfinite(buffer_m) and buffer_m >= 0):
        raise InputError(f"buffer_m must be a distance >= 0 metres, got {buffer_m!r}")
    steps: list[str] = []
    if cities is not None:
        import warnings

        from ._errors import LayoutWarning

        with warnings.catch_warnings():
            # The variant departs from the plan's figures on purpose.
            warnings.simplefilter("ignore", LayoutWarning)
            lay = lay.replace("cities", cities, datum=datum, tolerance=tolerance, mode="report")
        steps.append(f"cities from {lay.sources['cities']}")
    geom = lay.union("corridor")
    if corridor is not None:
        frame = _read_polygons(corridor, datum=datum, what="the corridor", layout=lay)
        geom = shapely.union_all(to_crs(frame, ANALYSIS_CRS).geometry.values)
        steps.append(
            "moved boundary from "
            + (str(corridor) if isinstance(corridor, (str, os.PathLike)) else "a frame")
        )
    parts = [geom]
    if buffer_m > 0:
        parts.append(shapely.buffer(geom, buffer_m, quad_segs=16))
        steps.append(f"widened by {buffer_m:g} m")
    districts = [str(d) for d in districts]
    if districts:
        picked = _pick(
            lay.layers["districts"], districts, ("code", "name_zh", "name_en"), "district"
        )
        metric = lay.metric("districts")
        for rows in picked:
            parts.append(shapely.union_all(metric.loc[rows.index].geometry.values))
        steps.append("districts " + ", ".join(districts))
    subdistricts = [str(s) for s in subdistricts]
    if subdistricts:
        picked = _pick(
            lay.layers["subdistricts"], subdistricts, ("key", "name_zh"), "sub-district"
        )
        metric = lay.metric("subdistricts")
        for rows in picked:
            parts.append(shapely.union_all(metric.loc[rows.index].geometry.values))
        steps.append("sub-districts " + ", ".join(subdistricts))
    if enclaves is not None:
        frame = _read_polygons(enclaves, datum=datum, what="the enclaves", layout=lay)
        parts.append(shapely.union_all(to_crs(frame, ANALYSIS_CRS).geometry.values))
        steps.append(f"{len(frame)} enclave(s) (飞地) counted with the corridor")
    new = shapely.union_all(parts)
    if clip_to_city and (buffer_m > 0 or corridor is not None):
        new = shapely.intersection(new, lay.union("city"))
    new = shapely.make_valid(new)
    new = shapely.union_all([g for g in shapely.get_parts(new) if shapely.get_dimensions(g) == 2])
    if new.is_empty:
        raise LayoutError(f"scenario {name!r}: the corridor is empty")
    frame = lay.layers["corridor"].copy()
    frame = frame.set_geometry(to_crs(gpd.GeoSeries([new], crs=ANALYSIS_CRS), WGS84).values)
    frame["area_km2"] = (geodesic_area(frame) / 1e6).to_numpy()
    frame["status"] = "scenario"
    frame["scenario"] = str(name)
    description = "; ".join(steps) or "the corridor as it is"
    frame["method"] = f"scenario {name}: {description}"
    frame["source"] = f"corridor_geo.scenarios.scenario ({description})"
    layers = dict(lay.layers)
    layers["corridor"] = frame
    sources = dict(lay.sources)
    sources["corridor"] = f"scenario {name}: {description}"
    return type(lay)(layers, sources, lay.reports)


def scenario_name(layout: Any, default: str) -> str:
    """The scenario name of a layout (its corridor's ``scenario`` column), or ``default``.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> scenario_name(load_layout(), "bundled")
    'bundled'
    """
    corridor = layout.layers["corridor"]
    if "scenario" in corridor.columns and pd.notna(corridor["scenario"].iloc[0]):
        return str(corridor["scenario"].iloc[0])
    return default


# --------------------------------------------------------------------------------------
# Boundaries
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BoundaryComparison:
    """Two polygon layers compared (see :func:`compare_boundaries`).

    Attributes
    ----------
    features : DataFrame
        One row per feature (matched pair, or a feature only one layer has).
    segments : GeoDataFrame
        One row per boundary segment of the first layer's features (WGS84 lines).
    verdict : str
        What the comparison says, in words (GCJ-02-like offsets named).
    shares : dict
        Share of the boundary length in each segment class (``agrees``, ``b_gcj02``,
        ``a_gcj02``, ``differs``).
    names : (str, str)
    """

    features: pd.DataFrame
    segments: gpd.GeoDataFrame
    verdict: str
    shares: dict[str, float]
    names: tuple[str, str] = ("A", "B")

    def explore(self, **kwargs: Any) -> Any:
        """A folium map of the segments, coloured by class (see ``maps.explore_boundaries``).

        Examples
        --------
        >>> import geopandas as gpd, shapely
        >>> sq = gpd.GeoSeries([shapely.box(500000, 4000000, 502000, 4002000)], crs=4549)
        >>> bc = compare_boundaries(sq, sq.translate(300, 400))
        >>> type(bc.explore(basemap="blank")).__name__
        'Map'
        """
        from ._hooks import delegate

        return delegate("explore_boundaries", self, **kwargs)


def _layer_of(data: Any, what: str) -> gpd.GeoDataFrame:
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.exists():
            raise InputError(f"{what}: no such file {str(path)!r}")
        return gpd.read_file(path)
    if isinstance(data, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=data)
    if isinstance(data, gpd.GeoDataFrame):
        return data
    raise InputError(
        f"{what} must be a path, GeoDataFrame or GeoSeries, got {type(data).__name__}"
    )


def compare_boundaries(
    a: Any,
    b: Any,
    *,
    on: str | tuple[str, str] | None = None,
    name_col: str | None = None,
    names: tuple[str, str] = ("A", "B"),
    step_m: float = STEP_M,
    segment_m: float = SEGMENT_M,
    agree_m: float = AGREE_M,
    max_offset_m: float = MAX_OFFSET_M,
) -> BoundaryComparison:
    """Compare two polygon layers: areas, IoU, Hausdorff, offsets, GCJ-02 test.

    Compare-only: nothing is replaced.  Features are matched by ``on`` (a column both
    layers have, or ``(column of a, column of b)``), else each feature of ``a`` with the
    feature of ``b`` it overlaps most.  The method is in :mod:`corridor_geo._boundary`:
    in short, ``a``'s boundary is sampled every ``step_m`` metres, each sample's nearest
    point on ``b``'s boundary gives its offset, segments of ``segment_m`` report the
    median offset and offset vector beside the GCJ-02 displacement there (computed with
    :mod:`corridor_geo.crs`), and a segment is GCJ-02-like when moving its samples by the
    GCJ-02 shift brings them onto ``b``.

    Parameters
    ----------
    a, b : path, GeoDataFrame or GeoSeries
        Polygon layers with a CRS (any; GCJ-02/BD-09 marked data converted).
    on : str or (str, str), optional
        Matching key column(s).
    name_col : str, optional
        A column of ``a`` naming features in the output.
    names : (str, str)
        Labels of the two layers in the verdict.
    step_m, segment_m, agree_m, max_offset_m : float
        Sample spacing, segment length, offset under which boundaries agree, and the
        largest offset used to fit the translation (metres).

    Returns
    -------
    BoundaryComparison
        ``features``: ``key``, ``name``, ``status``, ``area_a_km2``, ``area_b_km2``
        (geodesic), ``area_diff_km2``, ``area_rel_diff``, ``only_a_km2``, ``only_b_km2``,
        ``iou``, ``hausdorff_m`` (of the boundaries), ``median_offset_m``,
        ``p90_offset_m``, ``boundary_km``, ``share_agrees``, ``share_b_gcj02``,
        ``share_a_gcj02``, ``share_differs``, ``offset_dx_m``/``offset_dy_m`` (the
        least-squares translation from ``a`` to ``b``), ``gcj02_part_dx_m``/``_dy_m``
        (the same fitted to the GCJ-02-like segments only), ``gcj02_dx_m``/``_dy_m``
        (the median GCJ-02 displacement there), ``n_samples``, ``n_fitted``;
        ``segments``: ``key``, ``segment``, ``length_m``, ``offset_m``, ``dx_m``,
        ``dy_m``, ``gcj02_dx_m``, ``gcj02_dy_m``, ``offset_if_b_gcj02_m``,
        ``offset_if_a_gcj02_m``, ``class``.

    Examples
    --------
    A 2 km square and the same square moved 300 m east and 400 m north: the overlap is
    1700 m x 1600 m, so IoU = 2.72 / (4 + 4 - 2.72) = 0.5152; the farthest corner is
    500 m away:

    >>> import geopandas as gpd, shapely
    >>> sq = gpd.GeoSeries([shapely.box(500000, 4000000, 502000, 4002000)], crs=4549)
    >>> bc = compare_boundaries(sq, sq.translate(300, 400))
    >>> row = bc.features.iloc[0]
    >>> round(float(row["iou"]), 4), round(float(row["hausdorff_m"]), 1)
    (0.5152, 500.0)
    >>> round(row["offset_dx_m"]), round(row["offset_dy_m"]), bc.shares["b_gcj02"]
    (300, 400, 0.0)
    """
    fa = _layer_of(a, "the first layer")
    fb = _layer_of(b, "the second layer")
    key_a = key_b = None
    if on is not None:
        col_a, col_b = (on, on) if isinstance(on, str) else on
        for frame, col, what in ((fa, col_a, names[0]), (fb, col_b, names[1])):
            if col not in frame.columns:
                raise InputError(
                    f"{what} has no column {col!r} to match on; it has "
                    f"{listing(frame.columns, quote=True)}"
                )
        key_a, key_b = fa[col_a].tolist(), fb[col_b].tolist()
    labels = None
    if name_col is not None:
        if name_col not in fa.columns:
            raise InputError(f"{names[0]} has no column {name_col!r}")
        labels = fa[name_col].tolist()
    result: BoundaryResult = compare_polygons(
        fa,
        fb,
        key_a=key_a,
        key_b=key_b,
        names=labels,
        step_m=step_m,
        segment_m=segment_m,
        agree_m=agree_m,
        max_offset_m=max_offset_m,
        labels=(str(names[0]), str(names[1])),
    )
    return BoundaryComparison(
        result.features, result.segments, result.verdict, result.shares, tuple(names)
    )


# --------------------------------------------------------------------------------------
# Two layouts
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """Two layouts compared on the same resources (see :func:`compare`).

    Attributes
    ----------
    table : DataFrame
        Tidy: ``layer``, ``zone``, ``name_zh``, ``name_en``, ``metric``, ``unit``, ``a``,
        ``b``, ``difference`` (b - a), ``rel_difference`` (b / a - 1).
    changed : GeoDataFrame
        The area that changed hands, WGS84: ``layer``, ``zone``, ``name_zh``,
        ``change`` (``"gained"``: in ``b`` only; ``"lost"``: in ``a`` only),
        ``area_km2``, ``resources`` and ``weight`` inside it.
    boundaries : BoundaryComparison or None
        The zones' boundaries compared (``a`` first).
    names : (str, str)
    notes : list of str
        How each metric was computed.
    """

    table: pd.DataFrame
    changed: gpd.GeoDataFrame
    boundaries: BoundaryComparison | None
    names: tuple[str, str]
    notes: list[str] = field(default_factory=list)
    layouts: tuple[Any, Any] | None = field(default=None, repr=False)

    def wide(self) -> pd.DataFrame:
        """The table with one row per zone and metric columns ``<metric>_a/_b/_diff``.

        Examples
        --------
        >>> c = compare(_demo_layouts()[0], _demo_layouts()[1], resources=_demo_points(),
        ...             facilities=None)
        >>> "area_km2_diff" in c.wide().columns
        True
        """
        out = self.table.pivot_table(
            index=["layer", "zone", "name_zh", "name_en"],
            columns="metric",
            values=["a", "b", "difference"],
            aggfunc="first",
            sort=False,
        )
        suffix = {"a": "a", "b": "b", "difference": "diff"}
        out.columns = [f"{m}_{suffix[k]}" for k, m in out.columns]
        return out.reset_index()

    def explore(self, **kwargs: Any) -> Any:
        """A folium map of the changed area, both corridors and the resources inside it.

        Delegates to :func:`corridor_geo.maps.explore_comparison`.

        Examples
        --------
        >>> a, b = _demo_layouts()
        >>> c = compare(a, b, resources=_demo_points(), facilities=None, layers="corridor")
        >>> type(c.explore(basemap="blank")).__name__
        'Map'
        """
        from ._hooks import delegate

        return delegate("explore_comparison", self, **kwargs)

    def to_html(self, **kwargs: Any) -> str:
        """A standalone HTML page: differences, changed area, boundaries, method.

        Examples
        --------
        >>> a, b = _demo_layouts()
        >>> c = compare(a, b, resources=_demo_points(), facilities=None, layers="corridor")
        >>> c.to_html().startswith("<!DOCTYPE html>")
        True
        """
        from ._hooks import delegate

        return delegate("comparison_page", self, **kwargs)

    def summary(self) -> str:
        """The corridor's differences, one line per metric.

        Examples
        --------
        >>> a, b = _demo_layouts()
        >>> c = compare(a, b, resources=_demo_points(), facilities=None, layers="corridor")
        >>> c.summary().splitlines()[0]
        'A -> +2 km: corridor'
        """
        a, b = self.names
        corr = self.table.loc[self.table["layer"] == "corridor"]
        lines = [f"{a} -> {b}: corridor"]
        for r in corr.itertuples():
            rel = "" if not np.isfinite(r.rel_difference) else f" ({r.rel_difference:+.1%})"
            lines.append(f"  {r.metric:28s} {r.a:14,.4g} {r.b:14,.4g}{rel}")
        return "\n".join(lines)


def _zone_metrics(
    layout: Any,
    res: gpd.GeoDataFrame,
    *,
    layers: list[str],
    weight: str | None,
    population: Any,
    population_col: str,
    facilities: Any,
    radius_m: float,
    G: Any,
    edge_weight: str,
    cutoff: float,
) -> pd.DataFrame:
    """One row per zone of one layout, one column per metric (see :data:`METRICS`)."""
    from .axis import chainage
    from .coverage import circle_anchors, coverage
    from .population import population_by_zone
    from .zones import assign_points, share_of_city, zone_table

    zones = pd.DataFrame(
        zone_table(layout, layers=layers)[["layer", "zone", "name_zh", "name_en", "area_km2"]]
    )
    share = share_of_city(res, layout=layout, by=None, layers=layers, weight=weight)
    share = share.rename(columns={"count": "resources"})
    out = zones.merge(
        share[["layer", "zone", "resources", "weight", "share_count", "share_weight"]],
        on=["layer", "zone"],
        how="left",
    )
    out["count_per_km2"] = out["resources"] / out["area_km2"]
    out["weight_per_km2"] = out["weight"] / out["area_km2"]
    pop = population_by_zone(
        layout, layers=layers, population=population, population_col=population_col
    )
    out = out.merge(pop[["layer", "zone", "population"]], on=["layer", "zone"], how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["resources_per_10k"] = np.where(
            out["population"] > 0, out["resources"] / out["population"] * 1e4, np.nan
        )
    if facilities is not None:
        fac = (
            circle_anchors(layout)
            if isinstance(facilities, str) and facilities == "circles"
            else facilities
        )
        cov = coverage(
            fac,
            layout=layout,
            radius_m=radius_m,
            layers=layers,
            population=population,
            population_col=population_col,
            resources=res,
            weight=weight,
        )
        cov = pd.DataFrame(cov.loc[cov["zone"] != "ALL"]).rename(
            columns={
                "area_share": "coverage_area_share",
                "population_share": "coverage_population_share",
                "resources_share": "coverage_resources_share",
            }
        )
        out = out.merge(
            cov[
                [
                    "layer",
                    "zone",
                    "coverage_area_share",
                    "coverage_population_share",
                    "coverage_resources_share",
                ]
            ],
            on=["layer", "zone"],
            how="left",
        )
    pairs = assign_points(res, layout=layout, layers=layers)
    pos = pairs["point"].to_numpy()
    keys = pairs["layer"].astype(str) + "\x00" + pairs["zone"].astype(str)
    zone_key = out["layer"].astype(str) + "\x00" + out["zone"].astype(str)
    if len(res):
        dist = chainage(res, layout=layout)["distance_m"].to_numpy(float) / 1000.0
        med = pd.Series(dist[pos]).groupby(keys.to_numpy()).median()
        out["axis_distance_km"] = zone_key.map(med).to_numpy(float)
    else:
        out["axis_distance_km"] = np.nan
    if G is not None:
        from .access import time_to_axis

        times = time_to_axis(res, G, layout=layout, edge_weight=edge_weight)
        col = "travel_time_min" if "travel_time_min" in times.columns else "distance_m"
        t = times[col].to_numpy(float)
        frame = pd.DataFrame({"key": keys.to_numpy(), "t": t[pos]})
        med = frame.loc[np.isfinite(frame["t"])].groupby("key")["t"].median()
        within = frame.assign(ok=frame["t"] <= cutoff).groupby("key")["ok"].mean()
        out["time_to_axis"] = zone_key.map(med).to_numpy(float)
        out["within_cutoff_share"] = zone_key.map(within).to_numpy(float)
    return out


def _changed(
    a: Any, b: Any, res: gpd.GeoDataFrame, *, layers: list[str], weight: str | None
) -> gpd.GeoDataFrame:
    from .zones import zone_geometries

    za, ga = zone_geometries(a, layers)
    zb, gb = zone_geometries(b, layers)
    ia = {(r.layer, r.zone): i for i, r in enumerate(za.itertuples())}
    ib = {(r.layer, r.zone): i for i, r in enumerate(zb.itertuples())}
    pts = metric_points(res, weight=weight, what="resources")
    w = pts.data["__weight__"]
    rows, geoms = [], []
    for key in list(ia) + [k for k in ib if k not in ia]:
        geom_a = ga[ia[key]] if key in ia else shapely.Polygon()
        geom_b = gb[ib[key]] if key in ib else shapely.Polygon()
        names = za.iloc[ia[key]] if key in ia else zb.iloc[ib[key]]
        for change, part in (
            ("gained", shapely.difference(geom_b, geom_a)),
            ("lost", shapely.difference(geom_a, geom_b)),
        ):
            area = float(true_area_m2([part])[0]) if not part.is_empty else 0.0
            if area < SLIVER_M2:
                continue
            inside = shapely.contains_xy(part, pts.x, pts.y) if len(pts) else np.zeros(0, bool)
            rows.append(
                {
                    "layer": key[0],
                    "zone": key[1],
                    "name_zh": names["name_zh"],
                    "name_en": names["name_en"],
                    "change": change,
                    "area_km2": area / 1e6,
                    "resources": int(inside.sum()),
                    "weight": float(w[inside].sum()),
                }
            )
            geoms.append(part)
    cols = ["layer", "zone", "name_zh", "name_en", "change", "area_km2", "resources", "weight"]
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry=geoms, crs=ANALYSIS_CRS)
    return to_crs(frame, WGS84)


def compare(
    layout_a: Any,
    layout_b: Any,
    *,
    resources: Any,
    layers: Sequence[str] | str = ("corridor", "cities"),
    names: tuple[str, str] | None = None,
    weight: str | None = "weight",
    population: Any = None,
    population_col: str = "population",
    facilities: Any = "circles",
    radius_m: float = 1000.0,
    G: Any = None,
    edge_weight: str = "travel_time",
    cutoff: float = 15.0,
    boundaries: bool = True,
) -> Comparison:
    """Compare two layouts on the same resources: what changes in each zone.

    Parameters
    ----------
    layout_a, layout_b : CorridorLayout
        E.g. the bundled layout and a :func:`scenario`, or a layout with a replaced layer.
    resources : ResourceTable, GeoDataFrame or GeoSeries
        The resources counted in both.
    layers : str or sequence of str
        Zone layers compared (zones matched by layer and identifier).
    names : (str, str), optional
        Labels; by default the scenario names (:func:`scenario`), else ``"A"``/``"B"``.
    weight : str or None
        The weight column.
    population, population_col
        Population for per-capita figures and coverage
        (:func:`corridor_geo.population.population_by_zone`).
    facilities : "circles", points or None
        Facilities for coverage within ``radius_m`` (straight line): ``"circles"``, the
        anchor points of each layout's ecosystem circles; ``None`` to skip coverage.
    radius_m : float
    G : networkx.MultiDiGraph, optional
        A road graph: adds each zone's median network time to Binhai Avenue
        (:func:`corridor_geo.access.time_to_axis`) and the share of its resources within
        ``cutoff`` (minutes for ``travel_time``, metres for ``length``).
    edge_weight, cutoff
        See :func:`corridor_geo.access.time_to_axis`.
    boundaries : bool
        Also compare the zones' boundaries (:func:`compare_boundaries`, 100 m samples).

    Returns
    -------
    Comparison
        With the metrics of :data:`METRICS`: ``axis_distance_km`` is the median straight-line
        distance of the zone's resources to the axis; the others as named.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> from corridor_geo.resources import synthetic_resources
    >>> lay = load_layout()
    >>> wide = scenario("+2 km", layout=lay, buffer_m=2000)
    >>> pts = synthetic_resources(300, seed=4, corridor_share=0.5)
    >>> c = compare(lay, wide, resources=pts, layers="corridor", facilities=None)
    >>> row = c.table.query("metric == 'resources'").iloc[0]
    >>> bool(row["b"] >= row["a"]), c.names
    (True, ('A', '+2 km'))
    >>> gained = c.changed.query("change == 'gained'")
    >>> int(gained["resources"].sum()) == int(row["b"] - row["a"])
    True
    """
    names_l = [layers] if isinstance(layers, str) else list(layers)
    res = frame_of(resources, "resources").reset_index(drop=True)
    label = names or (scenario_name(layout_a, "A"), scenario_name(layout_b, "B"))
    if label[0] == label[1]:
        label = (f"{label[0]} (A)", f"{label[1]} (B)")
    common = {
        "layers": names_l,
        "weight": weight,
        "population": population,
        "population_col": population_col,
        "facilities": facilities,
        "radius_m": radius_m,
        "G": G,
        "edge_weight": edge_weight,
        "cutoff": cutoff,
    }
    ma = _zone_metrics(layout_a, res, **common)
    mb = _zone_metrics(layout_b, res, **common)
    ids = ["layer", "zone"]
    metrics = [m for m in METRICS if m in ma.columns or m in mb.columns]
    la = ma.melt(
        id_vars=[*ids, "name_zh", "name_en"],
        value_vars=[m for m in metrics if m in ma],
        var_name="metric",
        value_name="a",
    )
    lb = mb.melt(
        id_vars=[*ids, "name_zh", "name_en"],
        value_vars=[m for m in metrics if m in mb],
        var_name="metric",
        value_name="b",
    )
    table = la.merge(lb, on=[*ids, "metric"], how="outer", suffixes=("", "_b"))
    for col in ("name_zh", "name_en"):
        table[col] = table[col].fillna(table[f"{col}_b"])
        table = table.drop(columns=f"{col}_b")
    table["a"] = pd.to_numeric(table["a"], errors="coerce")
    table["b"] = pd.to_numeric(table["b"], errors="coerce")
    table["unit"] = table["metric"].map(METRICS)
    table["difference"] = table["b"] - table["a"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["rel_difference"] = np.where(
            table["a"].abs() > 0, table["b"] / table["a"] - 1.0, np.nan
        )
    order = {m: i for i, m in enumerate(METRICS)}
    layer_order = {n: i for i, n in enumerate(names_l)}
    zone_order = {z: i for i, z in enumerate(pd.unique(pd.concat([ma["zone"], mb["zone"]])))}
    table = (
        table.assign(
            _l=table["layer"].map(layer_order),
            _z=table["zone"].map(zone_order),
            _m=table["metric"].map(order),
        )
        .sort_values(["_l", "_z", "_m"])
        .drop(columns=["_l", "_z", "_m"])
    )
    table = table[
        [
            "layer",
            "zone",
            "name_zh",
            "name_en",
            "metric",
            "unit",
            "a",
            "b",
            "difference",
            "rel_difference",
        ]
    ].reset_index(drop=True)
    changed = _changed(layout_a, layout_b, res, layers=names_l, weight=weight)
    bound = None
    if boundaries:
        from .zones import zone_table

        za = zone_table(layout_a, layers=names_l)
        zb = zone_table(layout_b, layers=names_l)
        result = compare_polygons(
            za,
            zb,
            key_a=(za["layer"] + ":" + za["zone"]).tolist(),
            key_b=(zb["layer"] + ":" + zb["zone"]).tolist(),
            names=za["name_zh"].tolist(),
            step_m=100.0,
            labels=label,
        )
        bound = BoundaryComparison(
            result.features, result.segments, result.verdict, result.shares, label
        )
    notes = [
        "area_km2: geodesic area of the zone (WGS 84 ellipsoid)",
        "resources, weight, share_count, share_weight: corridor_geo.zones.share_of_city "
        "(city total: resources inside the layout's city layer)",
        "count_per_km2, weight_per_km2: per km² of the zone's geodesic area",
        "population, resources_per_10k: corridor_geo.population.population_by_zone "
        + (
            "(2020 census at the finest level, spread by area)"
            if population is None
            else "(caller's population)"
        ),
        "axis_distance_km: median straight-line distance of the zone's resources to Binhai Avenue",
    ]
    if facilities is not None:
        notes.append(
            f"coverage_*: corridor_geo.coverage.coverage within {radius_m:g} m (straight line) of "
            + (
                "each layout's ecosystem-circle anchors"
                if isinstance(facilities, str)
                else "the facilities given"
            )
        )
    if G is not None:
        notes.append(
            f"time_to_axis, within_cutoff_share: corridor_geo.access.time_to_axis on the graph "
            f"given ({edge_weight}), median per zone; share within {cutoff:g}"
        )
    return Comparison(table, changed, bound, tuple(label), notes, (layout_a, layout_b))


def _demo_layouts() -> tuple[Any, Any]:
    """The bundled layout and the corridor widened by 2 km, for the examples."""
    from .layout import load_layout

    lay = load_layout()
    return lay, scenario("+2 km", layout=lay, buffer_m=2000)


def _demo_points() -> gpd.GeoDataFrame:
    from .resources import synthetic_resources

    return synthetic_resources(200, seed=4, corridor_share=0.5)
