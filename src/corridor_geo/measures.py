"""Accessibility measures on any travel-time matrix: cumulative, gravity, 2SFCA, and a sweep.

Every measure takes a cost table from the routing functions, by road
(:func:`corridor_geo.access.travel_time_matrix`), on foot or by metro and walking
(:func:`corridor_geo.transit.transit_travel_time_matrix`), or your own: wide (origins as
the index, destinations as the columns) or long (``origin``, ``destination``, one numeric
cost, optionally ``reason``).  Costs are minutes unless you say otherwise; unreachable
pairs are inf (or missing).

=============================  =====================================================
measure                        accessibility of origin i
=============================  =====================================================
cumulative opportunities       ``sum_j O_j`` over destinations with ``c_ij <= T``
gravity, exponential decay     ``sum_j O_j exp(-beta c_ij)``
gravity, power decay           ``sum_j O_j max(c_ij, c_min) ** -beta``
2SFCA / E2SFCA                 :func:`corridor_geo.access.two_step_fca` (supply per
                               unit of demand within a catchment, optionally decayed)
=============================  =====================================================

``O_j`` is the destination's opportunities (a column of ``opportunities``, or 1 each).
The power decay is capped at ``c_min`` (1 minute by default): ``c ** -beta`` is infinite
at zero cost, for an origin that is its own destination.

Nothing is dropped: an origin the cost table marks as not routed (its long rows all say
``"origin ..."``, or the matrix's ``attrs["origin_reasons"]`` names it) stays in the
result with ``reachable=False``, its reason and a NaN accessibility; an origin that was
routed but reaches nothing has accessibility 0.  ``attrs["summary"]`` says how many of
each, and which destinations could not be routed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._errors import InputError
from ._routing import CostMatrix, read_cost
from ._text import listing
from .access import gaussian_decay, step_decay, two_step_fca

__all__ = [
    "accessibility_sweep",
    "cumulative_opportunities",
    "exponential_decay",
    "gaussian_decay",
    "gravity_access",
    "power_decay",
    "step_decay",
]

log = logging.getLogger(__name__)

MEASURES = ("cumulative", "gravity_exponential", "gravity_power", "2sfca", "e2sfca")
"""The measures :func:`accessibility_sweep` can run."""

E2SFCA_STEPS = {10.0: 1.0, 20.0: 0.68, 30.0: 0.22}
"""Luo and Qi's (2009) E2SFCA weights for 10/20/30-minute zones, scaled to the catchment."""


# --------------------------------------------------------------------------------------
# Decay functions
# --------------------------------------------------------------------------------------
def _beta(beta: Any) -> float:
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.number)):
        raise InputError(f"beta must be a number, got {beta!r}")
    if not (math.isfinite(beta) and beta > 0):
        raise InputError(f"beta must be a positive, finite number, got {beta!r}")
    return float(beta)


def exponential_decay(beta: float) -> Callable[[np.ndarray], np.ndarray]:
    """Negative exponential distance decay ``exp(-beta c)`` (``beta`` per minute).

    ``beta = ln 2 / h`` halves the weight every ``h`` minutes: 0.0693 for 10 minutes.

    Examples
    --------
    >>> exponential_decay(0.1)(np.array([0.0, 10.0])).round(6).tolist()
    [1.0, 0.367879]
    """
    b = _beta(beta)
    return lambda cost: np.exp(-b * np.asarray(cost, dtype=float))


def power_decay(beta: float, *, min_cost: float = 1.0) -> Callable[[np.ndarray], np.ndarray]:
    """Power (inverse-distance) decay ``max(c, min_cost) ** -beta``.

    Capped at ``min_cost`` (1 minute by default), where ``c ** -beta`` would be
    infinite at zero cost.

    Examples
    --------
    >>> power_decay(2.0)(np.array([0.0, 1.0, 2.0, 10.0])).tolist()
    [1.0, 1.0, 0.25, 0.01]
    """
    b = _beta(beta)
    if not (math.isfinite(min_cost) and min_cost > 0):
        raise InputError(f"min_cost must be a positive number, got {min_cost!r}")
    return lambda cost: np.maximum(np.asarray(cost, dtype=float), min_cost) ** -b


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------
def _opportunities(
    table: CostMatrix, opportunities: Any, opportunity_col: str | None
) -> np.ndarray:
    dests = table.destinations
    if opportunities is None:
        if opportunity_col is not None:
            raise InputError(
                "opportunity_col needs opportunities= (a table indexed like the destinations)"
            )
        return np.ones(len(dests))
    if isinstance(opportunities, pd.Series):
        values = opportunities
    elif isinstance(opportunities, pd.DataFrame):
        if opportunity_col is None:
            return np.ones(len(dests))
        if opportunity_col not in opportunities.columns:
            raise InputError(f"opportunities have no column {opportunity_col!r}")
        values = opportunities[opportunity_col]
    else:
        raise InputError(
            "opportunities must be a DataFrame (with opportunity_col) or a Series indexed "
            f"like the destinations, got {type(opportunities).__name__}"
        )
    missing = dests.difference(values.index)
    if len(missing):
        raise InputError(
            f"opportunities lack destinations {listing(missing, limit=5)}: index them like the "
            "cost table's destinations"
        )
    out = pd.to_numeric(values.reindex(dests), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(out) | (out < 0)
    if bad.any():
        raise InputError(
            f"opportunities must be non-negative numbers; destinations "
            f"{listing(dests[bad], limit=5)} are missing or negative"
        )
    return out


def _table(cost: Any) -> CostMatrix:
    if not isinstance(cost, pd.DataFrame):
        raise InputError(
            "cost must be a travel-time table (DataFrame): wide, or long with origin, "
            f"destination and a cost column; got {type(cost).__name__}"
        )
    return read_cost(cost)


def _result(
    table: CostMatrix, access: np.ndarray, n_within: np.ndarray, measure: str
) -> pd.DataFrame:
    routed = table.origin_reason == ""
    out = pd.DataFrame(
        {
            "accessibility": np.where(routed, access, np.nan),
            "n_within": np.where(routed, n_within, 0).astype(np.int64),
            "reachable": routed,
            "reason": table.origin_reason.astype(str),
        },
        index=table.origins,
    )
    out.index.name = "origin"
    d_bad = table.destination_reason != ""
    out.attrs["measure"] = measure
    out.attrs["summary"] = {
        "origins": len(routed),
        "routed": int(routed.sum()),
        "not_routed": int((~routed).sum()),
        "reaching_nothing": int((routed & (n_within == 0)).sum()),
        "reasons": pd.Series(table.origin_reason[~routed]).value_counts().to_dict(),
        "destinations": len(d_bad),
        "destinations_not_routed": int(d_bad.sum()),
        "destinations_not_routed_labels": table.destinations[d_bad].tolist(),
    }
    if not routed.all() or d_bad.any():
        log.info(
            "%s: %d of %d origins and %d of %d destinations not routed",
            measure,
            int((~routed).sum()),
            len(routed),
            int(d_bad.sum()),
            len(d_bad),
        )
    return out


# --------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------
def cumulative_opportunities(
    cost: pd.DataFrame,
    *,
    cutoff: float,
    opportunities: Any = None,
    opportunity_col: str | None = None,
) -> pd.DataFrame:
    """Opportunities within ``cutoff`` of each origin (the isochronic measure).

    Parameters
    ----------
    cost : DataFrame
        A travel-time table, wide or long (see the module notes).
    cutoff : float
        The threshold T, in the cost's unit (minutes from the routing functions);
        ``c_ij <= T`` counts.
    opportunities : DataFrame or Series, optional
        Indexed like the destinations; 1 per destination when omitted.
    opportunity_col : str, optional
        The column of ``opportunities`` to sum (jobs, beds, labs...).

    Returns
    -------
    DataFrame
        Indexed by origin: ``accessibility`` (the sum; NaN for an origin not routed),
        ``n_within`` (destinations within T), ``reachable`` and ``reason``;
        ``attrs["summary"]`` counts the origins and destinations not routed.

    Examples
    --------
    >>> cost = pd.DataFrame([[5, 20, np.inf], [12, 8, 30]], index=["a", "b"],
    ...                     columns=["x", "y", "z"])
    >>> jobs = pd.DataFrame({"jobs": [100, 50, 10]}, index=["x", "y", "z"])
    >>> out = cumulative_opportunities(cost, cutoff=15, opportunities=jobs,
    ...                                opportunity_col="jobs")
    >>> out["accessibility"].tolist(), out["n_within"].tolist()
    ([100.0, 150.0], [1, 2])
    """
    table = _table(cost)
    o = _opportunities(table, opportunities, opportunity_col)
    limit = _cutoff(cutoff)
    inside = np.isfinite(table.values) & (table.values <= limit)
    return _result(table, inside.astype(float) @ o, inside.sum(axis=1), "cumulative")


def _cutoff(cutoff: Any, name: str = "cutoff") -> float:
    if isinstance(cutoff, bool) or not isinstance(cutoff, (int, float, np.number)):
        raise InputError(f"{name} must be a number, got {cutoff!r}")
    if not (math.isfinite(cutoff) and cutoff > 0):
        raise InputError(f"{name} must be a positive, finite number, got {cutoff!r}")
    return float(cutoff)


def gravity_access(
    cost: pd.DataFrame,
    *,
    decay: str | Callable[[np.ndarray], np.ndarray] = "exponential",
    beta: float | None = None,
    cutoff: float | None = None,
    opportunities: Any = None,
    opportunity_col: str | None = None,
) -> pd.DataFrame:
    """Gravity (Hansen) accessibility: opportunities weighted by a decay of the cost.

    ``A_i = sum_j O_j f(c_ij)`` over the reachable destinations (within ``cutoff`` when
    given).

    Parameters
    ----------
    cost : DataFrame
        A travel-time table, wide or long.
    decay : {"exponential", "power"} or callable
        :func:`exponential_decay` or :func:`power_decay` with ``beta``, or any
        vectorised function of the cost.
    beta : float
        The decay parameter (per minute for the exponential; the exponent for the
        power), required with a named decay.
    cutoff : float, optional
        Ignore destinations beyond it.
    opportunities, opportunity_col
        See :func:`cumulative_opportunities`.

    Returns
    -------
    DataFrame
        As :func:`cumulative_opportunities`; ``n_within`` counts the destinations
        weighed.

    Examples
    --------
    >>> cost = pd.DataFrame([[0.0, 10.0], [10.0, np.inf]], index=["a", "b"],
    ...                     columns=["x", "y"])
    >>> out = gravity_access(cost, decay="exponential", beta=0.1)
    >>> out["accessibility"].round(6).tolist()  # 1 + e^-1, e^-1
    [1.367879, 0.367879]
    >>> gravity_access(cost, decay="power", beta=1.0)["accessibility"].tolist()
    [1.1, 0.1]
    """
    table = _table(cost)
    o = _opportunities(table, opportunities, opportunity_col)
    if isinstance(decay, str):
        if beta is None:
            raise InputError(f"decay={decay!r} needs beta=")
        if decay == "exponential":
            f = exponential_decay(beta)
        elif decay == "power":
            f = power_decay(beta)
        else:
            raise InputError(f"decay must be 'exponential', 'power' or a function, got {decay!r}")
        name = f"gravity_{decay}"
    elif callable(decay):
        f, name = decay, "gravity"
    else:
        raise InputError(f"decay must be 'exponential', 'power' or a function, got {decay!r}")
    c = table.values
    inside = np.isfinite(c)
    if cutoff is not None:
        inside &= c <= _cutoff(cutoff)
    W = np.zeros(c.shape)
    if inside.any():
        W[inside] = np.asarray(f(c[inside]), dtype=float)
    return _result(table, W @ o, inside.sum(axis=1), name)


# --------------------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------------------
def accessibility_sweep(
    cost: pd.DataFrame,
    *,
    cutoffs: Sequence[float] = (10, 20, 30, 40, 50, 60),
    exponential: Sequence[float] = (0.025, 0.05, 0.1, 0.2),
    power: Sequence[float] = (0.5, 1.0, 1.5, 2.0),
    opportunities: Any = None,
    opportunity_col: str | None = None,
    demand: pd.DataFrame | None = None,
    demand_col: str | None = None,
    measures: Sequence[str] | None = None,
    plot: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, Any]:
    """Every measure over every threshold and decay parameter, in one tidy table.

    Cumulative opportunities and (with ``demand``) 2SFCA and E2SFCA run over
    ``cutoffs``; gravity runs over the ``exponential`` and ``power`` betas.  E2SFCA
    uses Luo and Qi's weights (1, 0.68, 0.22) over the first, second and last third of
    each catchment.

    Parameters
    ----------
    cost : DataFrame
        A travel-time table, wide or long (see the module notes).
    cutoffs : sequence of float
        Thresholds, in the cost's unit (minutes).
    exponential, power : sequence of float
        Betas of the exponential (per minute) and power decays; empty to skip.
    opportunities, opportunity_col
        The destinations' opportunities (see :func:`cumulative_opportunities`); they
        are the supply of 2SFCA.
    demand : DataFrame, optional
        Indexed like the origins: enables 2SFCA and E2SFCA, with ``demand_col``
        (population...; 1 each when omitted).
    measures : sequence of str, optional
        A subset of :data:`MEASURES`; all that apply by default.
    plot : bool
        Also draw :func:`corridor_geo.plotting.plot_accessibility_sweep` and return
        ``(table, figure)``.

    Returns
    -------
    DataFrame, or (DataFrame, matplotlib.figure.Figure) with ``plot=True``
        One row per origin, measure and parameter value: ``origin``, ``measure``,
        ``parameter`` (``"cutoff"`` or ``"beta"``), ``value``, ``accessibility``
        (NaN for an origin not routed), ``reachable`` and ``reason``.
        ``attrs["summary"]``: origins routed and not, with reasons.

    Examples
    --------
    >>> cost = pd.DataFrame([[5.0, 25.0], [15.0, np.inf]], index=["a", "b"],
    ...                     columns=["x", "y"])
    >>> sweep = accessibility_sweep(cost, cutoffs=[10, 30], exponential=[0.1],
    ...                             power=[])
    >>> table = sweep.pivot_table(index=["measure", "value"], columns="origin",
    ...                           values="accessibility").round(4)
    >>> for key, row in table.to_dict("index").items():  # gravity: e^-.5 + e^-2.5, e^-1.5
    ...     print(key, row)
    ('cumulative', 10.0) {'a': 1.0, 'b': 0.0}
    ('cumulative', 30.0) {'a': 2.0, 'b': 1.0}
    ('gravity_exponential', 0.1) {'a': 0.6886, 'b': 0.2231}
    """
    table = _table(cost)
    wanted = list(measures) if measures is not None else list(MEASURES)
    unknown = sorted(set(wanted) - set(MEASURES))
    if unknown:
        raise InputError(
            f"unknown measures {listing(unknown, quote=True)}; choose from {listing(MEASURES)}"
        )
    if demand is None:
        if measures is not None and ({"2sfca", "e2sfca"} & set(wanted)):
            raise InputError("2SFCA and E2SFCA need demand= (a table indexed like the origins)")
        wanted = [m for m in wanted if m not in ("2sfca", "e2sfca")]
    bands = sorted({_cutoff(c, "cutoffs") for c in cutoffs})
    frames = []

    def add(res: pd.DataFrame, measure: str, parameter: str, value: float) -> None:
        frames.append(
            pd.DataFrame(
                {
                    "origin": table.origins,
                    "measure": measure,
                    "parameter": parameter,
                    "value": float(value),
                    "accessibility": res["accessibility"].to_numpy(),
                    "reachable": res["reachable"].to_numpy(),
                    "reason": res["reason"].to_numpy(),
                }
            )
        )

    kw = {"opportunities": opportunities, "opportunity_col": opportunity_col}
    if "cumulative" in wanted:
        for t in bands:
            add(cumulative_opportunities(cost, cutoff=t, **kw), "cumulative", "cutoff", t)
    if "gravity_exponential" in wanted:
        for b in exponential:
            add(
                gravity_access(cost, decay="exponential", beta=b, **kw),
                "gravity_exponential",
                "beta",
                b,
            )
    if "gravity_power" in wanted:
        for b in power:
            add(gravity_access(cost, decay="power", beta=b, **kw), "gravity_power", "beta", b)
    if {"2sfca", "e2sfca"} & set(wanted):
        o = _opportunities(table, opportunities, opportunity_col)
        supply = pd.DataFrame({"supply": o}, index=table.destinations)
        wide = pd.DataFrame(table.values, index=table.origins, columns=table.destinations)
        if not isinstance(demand, pd.DataFrame):
            raise InputError(f"demand must be a DataFrame, got {type(demand).__name__}")
        dem = demand.reindex(table.origins)
        if len(demand.index.intersection(table.origins)) != len(table.origins):
            raise InputError("demand must be indexed like the cost table's origins")
        routed = table.origin_reason == ""
        for measure in ("2sfca", "e2sfca"):
            if measure not in wanted:
                continue
            for t in bands:
                steps = {k / 30.0 * t: w for k, w in E2SFCA_STEPS.items()}
                res = two_step_fca(
                    dem,
                    supply,
                    wide,
                    cutoff=t,
                    demand_col=demand_col,
                    supply_col="supply",
                    decay=step_decay(steps) if measure == "e2sfca" else None,
                )
                res = res.assign(
                    accessibility=np.where(routed, res["accessibility"], np.nan),
                    reachable=routed,
                    reason=table.origin_reason.astype(str),
                )
                add(res, measure, "cutoff", t)
    if not frames:
        raise InputError("nothing to sweep: give cutoffs or betas for at least one measure")
    out = pd.concat(frames, ignore_index=True)
    routed = table.origin_reason == ""
    out.attrs["summary"] = {
        "origins": len(routed),
        "routed": int(routed.sum()),
        "not_routed": int((~routed).sum()),
        "reasons": pd.Series(table.origin_reason[~routed]).value_counts().to_dict(),
        "destinations_not_routed": int((table.destination_reason != "").sum()),
    }
    if plot:
        from ._hooks import delegate

        return out, delegate("plot_sweep", out)
    return out
