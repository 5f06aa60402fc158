"""Monitoring to 2027: the plan's indicators year by year, their trend and projection.

Planners run the indicators every year.  :func:`monitor` takes snapshots of the
resources for several years (a mapping ``{year: file, ResourceTable or GeoDataFrame}``,
or one table with a year column) and returns a :class:`Monitoring` with

* ``table``: every indicator of the plan's targets (:func:`corridor_geo.indicators.
  plan_targets`) for every year and zone: the count or weight of the categories that
  count towards it, the city's, the share of the city, the zone's population (its method
  stated) and the figure per 10,000 people, the indicator's ``value`` in the target's own
  terms, and the change from the base year; the target and whether it is met in the
  target's own zone;
* ``projection``: the trend of each indicator and zone and its projection to the target
  year (2027), by each method asked for, against the target;
* ``figure()``: a chart of the observed values, the projections and the targets
  (:func:`corridor_geo.plotting.plot_monitoring`), and ``to_html()``: a standalone page.

Projection methods (:func:`project`)
------------------------------------
``"linear"``
    Ordinary least squares of the value on the year, ``v(t) = a + b t``, over every year
    observed; the projection is ``a + b T``.  With two years this is the line through them.
``"cagr"``
    Compound annual growth between the first and the last year observed,
    ``g = (v_last / v_first) ** (1 / (t_last - t_first)) - 1``; the projection is
    ``v_last (1 + g) ** (T - t_last)``.  It needs a positive first value.

With fewer than two years observed (or values missing), the result says
``"not projectable"`` and gives no number.  A projection extends a trend; it is no
forecast of policy or economy, and with two or three points its uncertainty is large.

Bounds: a share cannot leave [0, 1] and a count, weight or per-capita figure cannot fall
below 0, while a trend does: the projection of a share is capped at 1 (100 %) and every
projection is floored at 0.  The ``capped`` column says when a bound was applied, the
``note`` says which ("projection capped at 100 %"), and ``on_track`` is judged on the
bounded value.  A share rising from 30 % to 60 % in a year projects to 100 %, not 120 %.

Targets that cannot be assessed: a growth target whose base value is 0 or missing (its
growth ``value / base - 1`` has no value), a share whose city total is 0 in every year, an
indicator no category of the registry counts towards, or a per-capita figure without
population.  Such a target is ``"not assessable: <reason>"`` in the ``status`` of the
yearly table and of the projection (e.g. ``"not assessable: base 0: no rows of category
invention_patents in corridor in 2024"``; ``status_zh`` says the same in Chinese,
``"无法评估：基期值为 0：2024年青岛科创大走廊内没有类别 invention_patents 的数据"``), its
``target_value``, ``met`` and ``on_track`` are missing, never True or False: as
:func:`corridor_geo.indicators.target_status` gives no value for the same target.

Growth targets (+15 %) compare a year with the **base year** (the first snapshot unless
``base_year`` says otherwise): the target level is ``base (1 + 0.15)``.  The share target
(45 %) compares the share with 0.45.  Resources are counted in zones exactly as
:func:`corridor_geo.zones.share_of_city` counts them (the city total is what lies inside
the layout's ``city`` layer, unless ``city_totals`` gives official figures), and
per-capita figures use :func:`corridor_geo.population.population_by_zone` (by default the
2020 census for every year: the ``population_method`` column says so).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ._errors import InputError
from ._html import esc
from ._points import frame_of, role_column
from ._text import listing, on_command_line
from .indicators import MET_TOL, plan_targets

__all__ = ["METHODS", "Monitoring", "monitor", "project"]

log = logging.getLogger(__name__)

METHODS = ("linear", "cagr")
"""Projection methods of :func:`project` (see the module notes)."""

NOT_PROJECTABLE = "not projectable"
NOT_ASSESSABLE = "not assessable"

_METHOD_TEXT = {
    "linear": "linear least squares of value on year, extended to {T}",
    "cagr": "compound annual growth between the first and last year, extended to {T}",
}


# --------------------------------------------------------------------------------------
# Projection
# --------------------------------------------------------------------------------------
def project(
    values: Mapping[Any, float] | pd.Series,
    *,
    target_year: int = 2027,
    method: str = "linear",
    target_value: float | None = None,
    share: bool = False,
    nonnegative: bool = False,
) -> dict[str, Any]:
    """The trend of one yearly series and its value in ``target_year``.

    Parameters
    ----------
    values : mapping or Series
        ``{year: value}``; missing (NaN) values are left out.
    target_year : int
        The year to project to.
    method : {"linear", "cagr"}
        See the module notes.
    target_value : float, optional
        A level to reach: the result then says whether the projection reaches it and in
        which year the trend first does.
    share : bool
        The values are shares: the projection is bounded by [0, 1] (capped at 100 %).
    nonnegative : bool
        The values cannot be negative (counts, weights): the projection is floored at 0.

    Returns
    -------
    dict
        ``method``, ``n_years``, ``first_year``, ``last_year``, ``last_value``, ``rate``
        (slope per year for ``linear``, annual growth rate for ``cagr``), ``intercept``
        (``linear``: the value the line gives in year 0; NaN for ``cagr``), ``r2``
        (``linear`` with three years or more), ``projected``, ``target_value``,
        ``on_track`` (``projected >= target_value``, or None), ``year_reached`` (the first
        year, from the last one observed, at which the trend reaches ``target_value``;
        the last year observed when it already does; None when it never does),
        ``capped`` (True when ``projected`` is the bound, not the trend's value),
        ``status`` (``"ok"`` or ``"not projectable: <why>"``), ``status_zh`` (the same in
        Chinese) and ``note`` (the formula, and the bound applied).

    Examples
    --------
    Growth from 100 to 121 in two years is 10 % a year; two more years give 146.41:

    >>> p = project({2023: 100.0, 2025: 121.0}, method="cagr", target_value=140.0)
    >>> round(p["rate"], 6), round(p["projected"], 2), p["on_track"], p["year_reached"]
    (0.1, 146.41, True, 2027)
    >>> p = project({2023: 10.0, 2024: 12.0, 2025: 13.0}, method="linear")
    >>> round(p["rate"], 6), round(p["projected"], 4)  # slope 1.5/yr, 11.6667 + 1.5 * 3
    (1.5, 16.1667)
    >>> project({2025: 3.0})["status"]
    'not projectable: needs values in at least 2 years, has 1'
    >>> project({2025: 3.0})["status_zh"]
    '无法预测：至少需要 2 年的数据，现有 1 年'

    A share from 30 % to 60 % in a year: the line gives 120 % in 2027, capped at 100 %:

    >>> p = project({2024: 0.3, 2025: 0.6}, share=True, target_value=0.45)
    >>> p["projected"], p["capped"], p["on_track"], p["note"].split("; ")[-1]
    (1.0, True, True, 'projection capped at 100 %')
    """
    if method not in METHODS:
        raise InputError(f"unknown projection method {method!r}: use one of {', '.join(METHODS)}")
    series = pd.Series(values, dtype=float)
    try:
        years = np.asarray([float(y) for y in series.index])
    except (TypeError, ValueError):
        raise InputError(
            f"the years must be numbers, got {listing(series.index, limit=5)}"
        ) from None
    vals = series.to_numpy(float)
    ok = np.isfinite(vals) & np.isfinite(years)
    years, vals = years[ok], vals[ok]
    order = np.argsort(years)
    years, vals = years[order], vals[order]
    out: dict[str, Any] = {
        "method": method,
        "n_years": len(np.unique(years)),
        "first_year": int(years[0]) if len(years) else None,
        "last_year": int(years[-1]) if len(years) else None,
        "last_value": float(vals[-1]) if len(vals) else math.nan,
        "rate": math.nan,
        "intercept": math.nan,
        "r2": math.nan,
        "projected": math.nan,
        "target_value": math.nan if target_value is None else float(target_value),
        "on_track": None,
        "year_reached": None,
        "capped": False,
        "status": "ok",
        "status_zh": "ok",
        "note": _METHOD_TEXT[method].format(T=target_year),
    }
    if out["n_years"] < 2:
        out["status"] = (
            f"{NOT_PROJECTABLE}: needs values in at least 2 years, has {out['n_years']}"
        )
        out["status_zh"] = f"无法预测：至少需要 2 年的数据，现有 {out['n_years']} 年"
        return out
    T = float(target_year)
    last_t, last_v = years[-1], vals[-1]
    if method == "linear":
        tm, vm = years.mean(), vals.mean()
        slope = float(((years - tm) * (vals - vm)).sum() / ((years - tm) ** 2).sum())
        intercept = float(vm - slope * tm)
        fitted = intercept + slope * years
        if out["n_years"] >= 3:
            ss_tot = float(((vals - vm) ** 2).sum())
            out["r2"] = 1.0 - float(((vals - fitted) ** 2).sum()) / ss_tot if ss_tot else 1.0
        out.update(rate=slope, intercept=intercept, projected=intercept + slope * T)
        level_at = lambda t: intercept + slope * t  # noqa: E731
        start_v = intercept + slope * last_t
    else:
        first_t, first_v = years[0], vals[0]
        if not first_v > 0 or last_v < 0:
            out["status"] = (
                f"{NOT_PROJECTABLE}: compound growth needs a positive first value and a "
                f"non-negative last one (got {first_v:g} and {last_v:g})"
            )
            out["status_zh"] = (
                f"无法预测：复合增长需要首年值为正、末年值非负（实为 {first_v:g} 和 {last_v:g}）"
            )
            return out
        g = (last_v / first_v) ** (1.0 / (last_t - first_t)) - 1.0
        out.update(rate=float(g), projected=float(last_v * (1.0 + g) ** (T - last_t)))
        level_at = lambda t: last_v * (1.0 + g) ** (t - last_t)  # noqa: E731
        start_v = last_v
    lower = 0.0 if share or nonnegative else -math.inf
    upper = 1.0 if share else math.inf
    trend_at = level_at
    level_at = lambda t: min(max(trend_at(t), lower), upper)  # noqa: E731
    if out["projected"] > upper:
        out["projected"], out["capped"] = upper, True
        out["note"] += "; projection capped at 100 %"
    elif out["projected"] < lower:
        out["projected"], out["capped"] = lower, True
        out["note"] += "; projection floored at 0 %" if share else "; projection floored at 0"
    if target_value is not None and np.isfinite(target_value):
        goal = float(target_value)
        out["on_track"] = bool(out["projected"] >= goal - MET_TOL * max(1.0, abs(goal)))
        if start_v >= goal - MET_TOL * max(1.0, abs(goal)):
            out["year_reached"] = int(last_t)
        else:
            out["year_reached"] = _first_year_reaching(level_at, last_t, goal)
    return out


def _first_year_reaching(level_at: Any, start: float, goal: float) -> int | None:
    """First whole year after ``start`` at which an increasing trend reaches ``goal``."""
    year = int(start)
    for _ in range(200):  # a trend that needs more than two centuries does not reach it
        year += 1
        if level_at(year) >= goal - MET_TOL * max(1.0, abs(goal)):
            return year
    return None


# --------------------------------------------------------------------------------------
# Snapshots
# --------------------------------------------------------------------------------------
def _year(value: Any) -> int:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise InputError(f"a snapshot year must be a whole number, got {value!r}") from None
    if not number.is_integer():
        raise InputError(f"a snapshot year must be a whole number, got {value!r}")
    return int(number)


def _snapshots(
    snapshots: Any, *, year_col: str, layout: Any, read_options: Mapping[str, Any] | None
) -> dict[int, Any]:
    """``{year: points}`` from a mapping of snapshots or one table with a year column."""
    from .resources import read_resources

    def read(obj: Any) -> Any:
        if isinstance(obj, (str, os.PathLike)):
            return read_resources(obj, layout=layout, **dict(read_options or {}))
        if isinstance(obj, Mapping) and not isinstance(obj, pd.DataFrame):
            # {"path": file, "datum": ..., other reader options}: its own over the shared
            if "path" not in obj:
                raise InputError(
                    f"a snapshot given as a mapping needs a 'path' (and reader options such "
                    f"as 'datum'), got the keys {listing(sorted(map(str, obj)), quote=True)}"
                )
            own = {str(k): v for k, v in obj.items() if k != "path"}
            return read_resources(obj["path"], layout=layout, **{**(read_options or {}), **own})
        frame_of(obj, "a snapshot")  # type check, with the fix in the message
        return obj

    if isinstance(snapshots, Mapping):
        if not snapshots:
            raise InputError("no snapshots: give {year: file or table, ...}")
        out: dict[int, Any] = {}
        for key, obj in snapshots.items():
            year = _year(key)
            if year in out:
                raise InputError(f"the year {year} is given twice")
            out[year] = read(obj)
        return dict(sorted(out.items()))
    table = read(snapshots)
    frame = frame_of(table, "the snapshots")
    col = role_column(frame, year_col)
    if col not in frame.columns:
        # The file's own columns: those the reader added (id, status...) are no candidates.
        added = set(frame.attrs.get("corridor_geo_columns", {}).values()) | {"geometry"}
        own = [c for c in frame.columns if c not in added] or list(frame.columns)
        fix = (
            "name it with --year-column, or give one file per year with --snapshot YEAR=FILE"
            if on_command_line()
            else "name it with year_col=..., or give a mapping {year: table}"
        )
        raise InputError(
            f"one table of snapshots needs a year column {year_col!r}; it has "
            f"{listing(own, quote=True)}: {fix}"
        )
    years = pd.to_numeric(frame[col], errors="coerce")
    bad = years.isna() | (years % 1 != 0)
    if bad.any():
        raise InputError(
            f"the year column {col!r} has missing or non-whole values in rows "
            f"{listing(frame.index[bad], limit=5)}"
        )
    return {int(y): frame.loc[(years == y).to_numpy()] for y in sorted(years.astype(int).unique())}


def _population_for(population: Any, year: int) -> Any:
    if isinstance(population, Mapping):
        return population.get(year, population.get(str(year)))
    return population


def _city_totals_for(city_totals: Any, year: int) -> Mapping[str, float] | None:
    if city_totals is None:
        return None
    if all(isinstance(v, Mapping) for v in city_totals.values()):
        by_year = {_year(k): v for k, v in city_totals.items()}
        return by_year.get(year)
    return city_totals


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Monitoring:
    """What :func:`monitor` found: the yearly table, the projections and the chart.

    Attributes
    ----------
    table : DataFrame
        One row per year, indicator and zone (see :func:`monitor`).
    projection : DataFrame
        One row per indicator, zone and method.
    years : tuple of int
        The snapshot years.
    base_year, target_year : int
    snapshots : mapping
        ``{year: what was read}`` (ResourceTables keep their rejected rows).
    """

    table: pd.DataFrame
    projection: pd.DataFrame
    years: tuple[int, ...]
    base_year: int
    target_year: int
    snapshots: Mapping[int, Any] = field(default_factory=dict, repr=False)

    @property
    def targets(self) -> pd.DataFrame:
        """The rows of :attr:`table` in each target's own zone (where a target applies).

        Examples
        --------
        >>> m = monitor(_demo_snapshots(), layers=["corridor"])
        >>> sorted(set(m.targets["zone"]))
        ['corridor']
        """
        return self.table.loc[self.table["target"].notna()].reset_index(drop=True)

    def figure(self, **kwargs: Any) -> Any:
        """A chart of the indicators, their projections and targets (matplotlib Figure).

        Delegates to :func:`corridor_geo.plotting.plot_monitoring` (keyword arguments
        are passed on) through the documented hook, as ``layout.explore()`` does.

        Examples
        --------
        >>> fig = monitor(_demo_snapshots(), layers=["corridor"]).figure(lang="en")
        >>> len(fig.axes) >= 4
        True
        """
        from ._hooks import delegate

        return delegate("plot_monitoring", self, **kwargs)

    def to_html(self, **kwargs: Any) -> str:
        """A standalone HTML page: summary, chart, projections and the yearly table.

        Every user string is escaped.  Keyword arguments go to the page builder
        (``title``, ``lang``).

        Examples
        --------
        >>> page = monitor(_demo_snapshots(), layers=["corridor"]).to_html()
        >>> page.startswith("<!DOCTYPE html>") and "2027" in page
        True
        """
        from ._hooks import delegate

        return delegate("monitoring_page", self, **kwargs)

    @property
    def methods(self) -> tuple[str, ...]:
        """The projection methods of :attr:`projection`, in order."""
        return tuple(dict.fromkeys(self.projection["method"].astype(str)))

    def overview(self) -> pd.DataFrame:
        """The planner's table: one row per target, in the target's own zone.

        Returns
        -------
        DataFrame
            ``key``, ``name_zh``, ``name_en``, ``kind``, ``unit``, ``layer``, ``zone``,
            ``zone_zh``, ``zone_en``, ``base_year``, ``base_value``, ``latest_year`` (the
            last snapshot), ``latest_value``, ``target`` (the threshold: a share, or a
            growth), ``target_value`` (the level to reach; missing when not assessable),
            for each method ``<method>`` (the projection to :attr:`target_year`),
            ``<method>_on_track``, ``<method>_capped``, ``<method>_status`` and
            ``<method>_status_zh``, ``status``: ``"ok"`` or ``"not assessable: <reason>"``
            and ``status_zh``, the same in Chinese (``"无法评估：<原因>"``).

        Examples
        --------
        >>> o = monitor(_demo_snapshots(), layers=["corridor"]).overview()
        >>> o["latest_year"].tolist()
        [2025, 2025, 2025, 2025]
        >>> row = o.set_index("key").loc["key_resources_share"]
        >>> float(row["target"]), row["status"], bool(row["linear_on_track"])
        (0.45, 'ok', True)
        """
        rows = []
        proj = self.projection.loc[self.projection["target"].notna()]
        targets = self.targets
        for (key, layer, zone), group in proj.groupby(["key", "layer", "zone"], sort=False):
            years = targets.loc[
                (targets["key"] == key) & (targets["layer"] == layer) & (targets["zone"] == zone)
            ].sort_values("year")
            base = years.loc[years["year"] == self.base_year]
            last = years.iloc[-1]
            first = group.iloc[0]
            status = str(first["status"])
            row: dict[str, Any] = {
                **_identity(first, key, layer, zone),
                "base_year": int(self.base_year),
                "base_value": float(base["value"].iloc[0]) if len(base) else math.nan,
                "latest_year": int(last["year"]),
                "latest_value": float(last["value"]),
                "target": float(first["target"]),
                "target_value": float(first["target_value"]),
            }
            for r in group.itertuples():
                row[r.method] = r.projected
                row[f"{r.method}_on_track"] = r.on_track
                row[f"{r.method}_capped"] = bool(r.capped)
                row[f"{r.method}_status"] = r.status
                row[f"{r.method}_status_zh"] = r.status_zh
            unassessed = status.startswith(NOT_ASSESSABLE)
            row["status"] = status if unassessed else "ok"
            row["status_zh"] = str(first["status_zh"]) if unassessed else "ok"
            rows.append(row)
        out = pd.DataFrame(rows)
        for method in self.methods:
            if f"{method}_on_track" in out:
                out[f"{method}_on_track"] = out[f"{method}_on_track"].astype("boolean")
        return out

    def summary(self) -> str:
        """One line per target: the latest value, the projections and the target.

        A target that cannot be assessed says so, with the reason, in place of a verdict.

        Examples
        --------
        >>> print(monitor(_demo_snapshots(), layers=["corridor"]).summary().splitlines()[0])
        monitoring 2023-2025 (base 2023), projected to 2027
        """
        lines = [
            f"monitoring {self.years[0]}-{self.years[-1]} (base {self.base_year}), "
            f"projected to {self.target_year}"
        ]
        for o in self.overview().to_dict("records"):
            unit = o["unit"]
            head = f"  {o['name_en']}: {_fmt(o['latest_value'], unit)} in {o['latest_year']}"
            if o["status"] != "ok":
                lines.append(f"{head}; {o['status']}")
                continue
            parts = []
            for method in self.methods:
                if o[f"{method}_status"] != "ok":
                    parts.append(f"{method}: {o[f'{method}_status']}")
                    continue
                verdict = _verdict(o[f"{method}_on_track"])
                if o[f"{method}_capped"]:
                    verdict += ", " + _bound_text(o[method], unit)
                parts.append(f"{method} {_fmt(o[method], unit)} ({verdict})")
            lines.append(f"{head}, target {_fmt(o['target_value'], unit)}; " + "; ".join(parts))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for o in self.overview().to_dict("records"):
            unit = o["unit"]
            for method in self.methods:
                judged = o["status"] == "ok" and o[f"{method}_status"] == "ok"
                if o["status"] != "ok":
                    cell = esc(o["status"])
                elif o[f"{method}_status"] != "ok":
                    cell = esc(o[f"{method}_status"])
                else:
                    on_track = o[f"{method}_on_track"]
                    cell = {"on track": "✓", "short": "✗"}.get(_verdict(on_track), "n/a")
                projected = _fmt(o[method], unit) if judged else "n/a"
                rows.append(
                    f"<tr><td>{esc(o['name_zh'])}<br><small>{esc(o['name_en'])}</small></td>"
                    f"<td>{esc(method)}</td><td>{esc(_fmt(o['latest_value'], unit))}</td>"
                    f"<td>{esc(projected)}</td>"
                    f"<td>{esc(_fmt(o['target_value'], unit))}</td><td>{cell}</td></tr>"
                )
        return (
            f"<div><strong>monitoring {self.years[0]}–{self.years[-1]}, projected to "
            f"{self.target_year}</strong><table><thead><tr><th>indicator</th><th>method</th>"
            f"<th>latest</th><th>{self.target_year}</th><th>target</th><th>on track</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )


def _verdict(on_track: Any) -> str:
    """``on track``, ``short`` or ``n/a`` (a missing verdict is never read as short)."""
    if on_track is None or on_track is pd.NA:
        return "n/a"
    return "on track" if bool(on_track) else "short"


def _bound_text(value: float, unit: str) -> str:
    if unit == "share":
        return "capped at 100 %" if value >= 1.0 else "floored at 0 %"
    return "floored at 0"


def _fmt(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    if unit == "share":
        return f"{value:.1%}"
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


# --------------------------------------------------------------------------------------
# The monitor
# --------------------------------------------------------------------------------------
_UNITS = {"count": "count", "weight": "weight", "per_10k_people": "per 10,000 people"}


def monitor(
    snapshots: Any,
    *,
    layout: Any = None,
    layers: Sequence[str] | str = ("corridor", "cities"),
    base_year: int | None = None,
    target_year: int | None = None,
    methods: Sequence[str] = METHODS,
    targets: pd.DataFrame | str | os.PathLike[str] | None = None,
    categories: pd.DataFrame | str | os.PathLike[str] | None = None,
    population: Any = None,
    population_col: str = "population",
    city_totals: Mapping[Any, Any] | None = None,
    weight: str = "weight",
    year_col: str = "year",
    read_options: Mapping[str, Any] | None = None,
) -> Monitoring:
    """Every plan indicator for every year and zone, its trend and its 2027 projection.

    Parameters
    ----------
    snapshots : mapping or table
        ``{year: path, ResourceTable or GeoDataFrame}``, or one ResourceTable,
        GeoDataFrame or path with a ``year_col`` column.  Paths are read with
        :func:`corridor_geo.resources.read_resources` (``read_options`` passed on, e.g.
        ``{"datum": "GCJ02"}``).  A year whose file needs other options is given as
        ``{"path": file, "datum": "BD09", ...}``: its own options over ``read_options``.
    layout : CorridorLayout, optional
        The bundled layout by default.
    layers : str or sequence of str
        Zone layers to report (:data:`corridor_geo.zones.ZONE_LAYERS`); each target's own
        layer (``corridor``) is always included.
    base_year : int, optional
        The year growth is measured from; the first snapshot by default.
    target_year : int, optional
        The year to project to; the targets' ``target_year`` (2027) by default.
    methods : sequence of str
        Projection methods (:data:`METHODS`).
    targets, categories : optional
        The targets table (:func:`corridor_geo.indicators.plan_targets`) and the category
        registry deciding what counts towards each target.
    population : optional
        For the per-capita figures: ``None`` (the 2020 census at the finest level, for
        every year), polygons with counts, a raster or a path
        (:func:`corridor_geo.population.population_by_zone`), or ``{year: population}``
        (years not in it use the census default).
    population_col : str
        Count column of population polygons.
    city_totals : mapping, optional
        Official city-wide counts by category (``{category: count}``), or by year
        (``{year: {category: count}}``), for the share of the city.
    weight : str
        The weight column (counts of patents, people).
    year_col : str
        The year column of a single table of snapshots.
    read_options : mapping, optional
        Options of :func:`~corridor_geo.resources.read_resources` for paths (every
        snapshot's, unless it gives its own).

    Returns
    -------
    Monitoring
        ``table``: ``year``, ``key``, ``name_zh``, ``name_en``, ``kind``, ``measure``,
        ``layer``, ``zone``, ``zone_zh``, ``zone_en``, ``categories``, ``count``,
        ``weight``, ``amount`` (count or weight, as the target measures), ``city_count``,
        ``city_amount``,
        ``share`` (of the city), ``population``, ``population_method``, ``per_10k``
        (amount per 10,000 people), ``value`` (the indicator: the share for a share
        target, the amount or per-10k figure otherwise), ``unit``, ``base_year``,
        ``base_value``, ``change`` (value - base value), ``growth`` (value / base value
        - 1), ``target`` (the threshold, in the target's own zone only), ``target_value``
        (the value to reach: the share, or base value times 1 + growth; missing when
        not assessable), ``met`` (missing when not assessable), ``status`` (``"ok"`` or
        ``"not assessable: <reason>"`` where a target applies), ``status_zh`` (the same in
        Chinese) and ``method``.
        ``projection``: ``key``, names, ``kind``, ``unit``, ``layer``, ``zone``,
        ``zone_zh``, ``zone_en``, the fields of :func:`project` (``capped``: the
        projection is the bound; ``status`` is the target's ``"not assessable: ..."``
        when it cannot be assessed, and ``on_track`` then missing), ``target_year``,
        ``base_value``, ``target``, ``projected_growth`` (growth targets) and
        ``projected_gap`` (projected - target value).

    Examples
    --------
    >>> from corridor_geo.resources import synthetic_resources
    >>> cats = {"state_key_lab": 1, "high_tech_enterprise": 2}
    >>> snaps = {2023: synthetic_resources(300, seed=1, corridor_share=0.40, categories=cats),
    ...          2024: synthetic_resources(330, seed=2, corridor_share=0.42, categories=cats),
    ...          2025: synthetic_resources(360, seed=3, corridor_share=0.44, categories=cats)}
    >>> m = monitor(snaps, layers=["corridor"])
    >>> share = m.targets.query("key == 'key_resources_share'")
    >>> share["year"].tolist(), bool(share["value"].between(0.3, 0.6).all())
    ([2023, 2024, 2025], True)
    >>> sorted(m.projection.query("key == 'key_resources_share'")["method"])
    ['cagr', 'linear']
    """
    from .layout import load_layout
    from .population import population_by_zone
    from .resources import target_categories
    from .zones import ZONE_LAYERS, share_of_city, zone_table

    lay = load_layout() if layout is None else layout
    table_t = plan_targets(targets)
    for m in methods:
        if m not in METHODS:
            raise InputError(f"unknown projection method {m!r}: use one of {', '.join(METHODS)}")
    names = [layers] if isinstance(layers, str) else list(layers)
    for layer in table_t["zone_layer"]:
        if layer not in names:
            names.insert(0, str(layer))
    unknown = [n for n in names if n not in ZONE_LAYERS]
    if unknown:
        raise InputError(f"unknown zone layer(s) {listing(unknown)}: use {', '.join(ZONE_LAYERS)}")
    snaps = _snapshots(snapshots, year_col=year_col, layout=lay, read_options=read_options)
    years = tuple(snaps)
    base = years[0] if base_year is None else _year(base_year)
    if base not in snaps:
        raise InputError(f"base_year {base} has no snapshot; the years are {listing(years)}")
    if target_year is None:
        given = pd.to_numeric(table_t.get("target_year"), errors="coerce").dropna()
        target_year = int(given.max()) if len(given) else 2027
    zones = pd.DataFrame(zone_table(lay, layers=names)[["layer", "zone", "name_zh", "name_en"]])
    zones = zones.rename(columns={"name_zh": "zone_zh", "name_en": "zone_en"})
    cats_of = {str(k): target_categories(str(k), categories) for k in table_t["key"]}
    needs_people = bool((table_t["measure"] == "per_10k_people").any())
    pop_cache: dict[int, pd.DataFrame] = {}

    def people(year: int) -> pd.DataFrame:
        source = _population_for(population, year)
        key = id(source)
        if key not in pop_cache:
            pop = population_by_zone(
                lay, layers=names, population=source, population_col=population_col
            )
            pop["population_method"] = pop["method"] + " (" + pop["source"] + ")"
            pop_cache[key] = pop[["layer", "zone", "population", "population_method"]]
        return pop_cache[key]

    rows = []
    for year, snap in snaps.items():
        counts = share_of_city(
            snap,
            layout=lay,
            by="category",
            layers=names,
            weight=weight,
            city_totals=_city_totals_for(city_totals, year),
            total=False,
        )
        pop = people(year) if needs_people else None
        for t in table_t.itertuples(index=False):
            cats = cats_of[str(t.key)]
            sel = counts.loc[counts["category"].astype(str).isin(cats)]
            sums = sel.groupby(["layer", "zone"], sort=False)[
                ["count", "weight", "city_count", "city_weight"]
            ].sum()
            part = zones.merge(sums.reset_index(), on=["layer", "zone"], how="left")
            part[["count", "weight", "city_count", "city_weight"]] = part[
                ["count", "weight", "city_count", "city_weight"]
            ].fillna(0.0)
            if pop is not None:
                part = part.merge(pop, on=["layer", "zone"], how="left")
            else:
                part["population"] = np.nan
                part["population_method"] = "not needed"
            by_count = t.measure == "count"
            part["amount"] = part["count"] if by_count else part["weight"]
            part["city_amount"] = part["city_count"] if by_count else part["city_weight"]
            with np.errstate(divide="ignore", invalid="ignore"):
                part["share"] = np.where(
                    part["city_amount"] > 0, part["amount"] / part["city_amount"], np.nan
                )
                part["per_10k"] = np.where(
                    part["population"] > 0, part["amount"] / part["population"] * 1e4, np.nan
                )
            if t.kind == "share":
                part["value"], unit = part["share"], "share"
            elif t.measure == "per_10k_people":
                part["value"], unit = part["per_10k"], _UNITS["per_10k_people"]
            else:
                part["value"], unit = part["amount"], _UNITS[str(t.measure)]
            part.insert(0, "year", year)
            part.insert(1, "key", t.key)
            part.insert(2, "name_zh", t.name_zh)
            part.insert(3, "name_en", t.name_en)
            part.insert(4, "kind", t.kind)
            part.insert(5, "measure", t.measure)
            part["categories"] = "|".join(cats)
            part["unit"] = unit
            own = (part["layer"] == str(t.zone_layer)) & (part["zone"] == str(t.zone))
            part["target"] = np.where(own, float(t.threshold), np.nan)
            part["method"] = _method_text(t, cats)
            rows.append(part)
    table = pd.concat(rows, ignore_index=True)
    table = _add_base(table, base)
    projection = _projections(
        table, target_year=int(target_year), methods=list(methods), base=base
    )
    log.info(
        "monitored %d indicators in %d zones over %d years", len(table_t), len(zones), len(years)
    )
    return Monitoring(table, projection, years, base, int(target_year), snaps)


def _method_text(t: Any, cats: list[str]) -> str:
    if not cats:
        return "no category of the registry counts towards this target"
    what = "count of resources" if t.measure == "count" else "sum of weights"
    if t.measure == "per_10k_people":
        what += " per 10,000 people"
    if t.kind == "share":
        return f"share of the city's {what} (city total inside the city layer)"
    if t.kind == "growth":
        return f"{what}; growth value / base value - 1"
    return what


def _add_base(table: pd.DataFrame, base: int) -> pd.DataFrame:
    ids = ["key", "layer", "zone"]
    base_rows = table.loc[table["year"] == base, [*ids, "value"]].rename(
        columns={"value": "base_value"}
    )
    out = table.merge(base_rows, on=ids, how="left")
    out["base_year"] = base
    out["change"] = out["value"] - out["base_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["growth"] = np.where(
            out["base_value"] > 0, out["value"] / out["base_value"] - 1.0, np.nan
        )
    growth = out["kind"] == "growth"
    out["target_value"] = np.where(
        growth, out["base_value"] * (1.0 + out["target"]), out["target"]
    )
    measured = np.where(growth, out["growth"], out["value"])
    known = out["target"].notna() & np.isfinite(measured)
    met = pd.array([pd.NA] * len(out), dtype="boolean")
    met[known.to_numpy()] = measured[known.to_numpy()] >= (
        out.loc[known, "target"].to_numpy() - MET_TOL
    )
    out["met"] = met
    out["status"], out["status_zh"] = _assessment(out, base)
    unassessed = out["status"].str.startswith(NOT_ASSESSABLE, na=False)
    out.loc[unassessed, "target_value"] = np.nan
    out.loc[unassessed, "met"] = pd.NA  # never True or False without a judgeable target
    cols = [
        "year", "key", "name_zh", "name_en", "kind", "measure", "layer", "zone", "zone_zh",
        "zone_en", "categories", "count", "weight", "amount", "city_count", "city_amount", "share",
        "population", "population_method", "per_10k", "value", "unit", "base_year",
        "base_value", "change", "growth", "target", "target_value", "met", "status",
        "status_zh", "method",
    ]  # fmt: skip
    out[["count", "city_count"]] = out[["count", "city_count"]].astype(int)
    return (
        out[cols]
        .sort_values(["key", "layer", "zone", "year"], kind="stable")
        .reset_index(drop=True)
    )


@dataclass(frozen=True)
class _Why:
    """Why a target cannot be assessed, said in English or in Chinese.

    ``code`` is ``no_category``, ``no_rows``, ``zero_weight`` or ``no_population``;
    ``base`` is ``"0"`` or ``"missing"`` when it is the base value of a growth target that
    has none; ``zone`` is empty for the city.  Reasons that differ only by their year are
    said once, with the years (:func:`_say`).
    """

    code: str
    base: str = ""
    categories: tuple[str, ...] = ()
    zone: str = ""
    zone_zh: str = ""
    years: tuple[int, ...] = ()

    def text(self, lang: str = "en") -> str:
        years = ", " if lang == "en" else "、"
        when = years.join(str(y) for y in self.years)
        cats = ", ".join(self.categories)
        if lang == "zh":
            where = f"{self.zone_zh or self.zone}内" if self.zone else "全市"
            body = {
                "no_category": "登记表中没有计入该目标的类别",
                "no_rows": f"{when}年{where}没有类别 {cats} 的数据",
                "zero_weight": f"{when}年{where}类别 {cats} 的数据权重为 0",
                "no_population": f"{when}年{where}没有人口数据",
            }[self.code]
            head = {"0": "基期值为 0：", "missing": "基期值缺失："}.get(self.base, "")
            return head + body
        what = f"categor{'ies' if len(self.categories) > 1 else 'y'} {cats}"
        where = self.zone or "the city"
        body = {
            "no_category": "no category of the registry counts towards this target",
            "no_rows": f"no rows of {what} in {where} in {when}",
            "zero_weight": f"the rows of {what} in {where} weigh 0 in {when}",
            "no_population": f"no population in {where} in {when}",
        }[self.code]
        return f"base {self.base}: {body}" if self.base else body


def _say(whys: Sequence[_Why], lang: str = "en") -> str:
    """``"not assessable: <reasons>"`` (or its Chinese), the years of equal reasons merged."""
    merged: dict[_Why, list[int]] = {}
    for why in whys:
        years = merged.setdefault(replace(why, years=()), [])
        years.extend(y for y in why.years if y not in years)
    parts = [why.text(lang) if not years else replace(why, years=tuple(years)).text(lang)
             for why, years in merged.items()]  # fmt: skip
    if lang == "zh":
        return "无法评估：" + "；".join(parts)
    return f"{NOT_ASSESSABLE}: " + "; ".join(parts)


def _why_no_value(row: Mapping[str, Any], *, city: bool) -> _Why:
    """Why a row's value is missing or 0: no rows, rows of weight 0, or no population."""
    cats = tuple(c for c in str(row["categories"]).split("|") if c)
    zone = {} if city else {"zone": str(row["zone"]), "zone_zh": str(row["zone_zh"])}
    n = row["city_count"] if city else row["count"]
    amount = row["city_amount"] if city else row["amount"]
    code = "no_rows" if not n > 0 else "zero_weight" if not amount > 0 else "no_population"
    return _Why(code, categories=cats, years=(int(row["year"]),), **zone)


def _why(row: Mapping[str, Any], base_row: Mapping[str, Any] | None) -> _Why | None:
    """Why a row that has a target cannot be assessed, or None when it can."""
    if not str(row["categories"]):
        return _Why("no_category")
    if row["kind"] == "growth" and not row["base_value"] > 0 and base_row is not None:
        state = "0" if base_row["value"] == 0 else "missing"
        return replace(_why_no_value(base_row, city=False), base=state)
    if not np.isfinite(row["value"]):
        return _why_no_value(row, city=row["kind"] == "share")
    return None


def _assessment(out: pd.DataFrame, base: int) -> tuple[pd.Series, pd.Series]:
    """The ``status`` and ``status_zh`` of each row that has a target, else NA.

    ``"ok"`` or ``"not assessable: <reason>"`` (in Chinese ``"无法评估：<原因>"``).  A
    target cannot be assessed, as in :func:`corridor_geo.indicators.target_status`, when
    no category counts towards it, when it measures growth and its base value is 0 or
    missing, or when its value is missing (a share without any resource in the city, a
    per-capita figure without population).
    """
    ids = ["key", "layer", "zone"]
    rows = out.to_dict("records")
    base_rows = {tuple(r[k] for k in ids): r for r in rows if r["year"] == base}
    en, zh = [], []
    for row in rows:
        if pd.isna(row["target"]):
            en.append(pd.NA)
            zh.append(pd.NA)
            continue
        why = _why(row, base_rows.get(tuple(row[k] for k in ids)))
        en.append("ok" if why is None else _say([why]))
        zh.append("ok" if why is None else _say([why], "zh"))
    return (
        pd.Series(en, index=out.index, dtype="string"),
        pd.Series(zh, index=out.index, dtype="string"),
    )


def _group_assessment(group: pd.DataFrame, base: int) -> tuple[str, str] | None:
    """The status of a target over its years (English, Chinese) when no year is assessable.

    Not assessable when no year is (a growth target whose base is 0 is so in every
    year); the years that have a value are projected otherwise.  Reasons that differ
    only by their year are said once, with the years.
    """
    rows = group.to_dict("records")
    if all(pd.isna(r["target"]) for r in rows):
        return None
    base_row = next((r for r in rows if r["year"] == base), None)
    whys = [_why(r, base_row) for r in rows]
    if any(w is None for w in whys):
        return None
    found = [w for w in whys if w is not None]
    return _say(found), _say(found, "zh")


def _identity(first: Mapping[str, Any], key: str, layer: str, zone: str) -> dict[str, Any]:
    """The columns that name a target in its zone, first in every per-target table."""
    return {
        "key": key,
        **{c: first[c] for c in ("name_zh", "name_en", "kind", "unit")},
        "layer": layer,
        "zone": zone,
        "zone_zh": first["zone_zh"],
        "zone_en": first["zone_en"],
    }


def _projections(
    table: pd.DataFrame, *, target_year: int, methods: list[str], base: int
) -> pd.DataFrame:
    rows = []
    ids = ["key", "layer", "zone"]
    for (key, layer, zone), group in table.groupby(ids, sort=False):
        first = group.iloc[0]
        series = pd.Series(group["value"].to_numpy(float), index=group["year"].to_numpy())
        target = first["target"]
        base_value = first["base_value"]
        goal = None
        unassessable = _group_assessment(group, base)
        if pd.notna(target) and unassessable is None:
            goal = float(base_value) * (1 + target) if first["kind"] == "growth" else target
            goal = goal if np.isfinite(goal) else None
        for method in methods:
            p = project(
                series,
                target_year=target_year,
                method=method,
                target_value=goal,
                share=first["unit"] == "share",
                nonnegative=True,
            )
            if unassessable is not None:
                p["status"], p["status_zh"] = unassessable
            row = {
                **_identity(first, key, layer, zone),
                **p,
                "target_year": target_year,
                "base_value": base_value,
                "target": target,
            }
            rows.append(row)
    out = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["projected_growth"] = np.where(
            (out["kind"] == "growth") & (out["base_value"] > 0),
            out["projected"] / out["base_value"] - 1.0,
            np.nan,
        )
    out["projected_gap"] = out["projected"] - out["target_value"]
    out["on_track"] = out["on_track"].astype("boolean")
    out["capped"] = out["capped"].astype(bool)
    out["year_reached"] = pd.array(
        [None if v is None or pd.isna(v) else int(v) for v in out["year_reached"]],
        dtype="Int64",
    )
    return out


def _demo_snapshots() -> dict[int, gpd.GeoDataFrame]:
    """Three growing synthetic snapshots for the examples (seeded, labelled synthetic).

    2023 is a seeded base; each later year keeps every resource and adds new ones, more of
    them in the corridor, with the patent and talent counts growing 8 % a year.
    """
    from .resources import synthetic_resources

    cats = {
        "state_key_lab": 1,
        "new_rd_institution": 1,
        "high_tech_enterprise": 2,
        "invention_patents": 1,
        "st_talent": 1,
    }
    means = {"invention_patents": 40, "st_talent": 25}
    base = synthetic_resources(
        300, seed=10, corridor_share=0.40, categories=cats, weight_mean=means
    )
    out = {2023: base}
    for i, year in enumerate((2024, 2025), start=1):
        grown = base.copy()
        counted = grown["category"].isin(["invention_patents", "st_talent"])
        grown.loc[counted, "weight"] = grown.loc[counted, "weight"] * 1.08**i
        new = synthetic_resources(
            30 * i, seed=20 + i, corridor_share=0.75, categories=cats, weight_mean=means
        )
        new["id"] = new["id"].str.replace("SYN", f"N{year}", regex=False)
        out[year] = pd.concat([grown, new], ignore_index=True)
    return out
