"""Options the routing analyses share: the default layout, barriers, limits (private).

Used by :mod:`corridor_geo.access` (road routing), :mod:`corridor_geo.transit` (walking
and metro) and :mod:`corridor_geo.measures`, so that ``layout=None``,
``barriers="auto"`` and ``cutoff=`` mean the same everywhere.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ._errors import InputError
from ._graph import Barrier
from ._text import listing
from .crs import ANALYSIS_CRS
from .network.schematic import sea_metric


def default_layout(layout: Any) -> Any:
    """The layout given, or the bundled one."""
    if layout is None:
        from .layout import load_layout

        return load_layout()
    return layout


def resolve_barriers(barriers: Any, layout: Any) -> Any:
    """``"auto"``: the sea of the layout (the bundled one when none is given)."""
    if isinstance(barriers, str):
        if barriers != "auto":
            raise InputError("barriers must be 'auto', None or a GeoDataFrame/GeoSeries")
        lay = default_layout(layout)
        has_city = hasattr(lay, "layers") and "city" in getattr(lay, "layers", {})
        return Barrier(sea_metric(lay), ANALYSIS_CRS) if has_city else None
    return barriers


def check_limit(cutoff: float | None, factor: float, name: str = "cutoff") -> float:
    """A positive finite limit times ``factor`` (inf for None), or one clear error."""
    if cutoff is None:
        return np.inf
    if isinstance(cutoff, bool) or not isinstance(cutoff, (int, float, np.number)):
        raise InputError(f"{name} must be a number, got {cutoff!r}")
    if not (math.isfinite(cutoff) and cutoff > 0):
        raise InputError(f"{name} must be a positive, finite number, got {cutoff!r}")
    return float(cutoff) * factor


class CostMatrix:
    """A travel-cost matrix with the labels of its rows and columns and why pairs are inf.

    ``values[i, j]`` is the cost from ``origins[i]`` to ``destinations[j]`` (inf when
    unreachable); ``origin_reason[i]`` / ``destination_reason[j]`` say why a whole row
    (column) could not be routed (``""`` when it could), as the long tables of the
    routing functions report it (``"origin beyond max_distance"``...).
    """

    __slots__ = ("destination_reason", "destinations", "origin_reason", "origins", "values")

    def __init__(
        self,
        values: np.ndarray,
        origins: pd.Index,
        destinations: pd.Index,
        origin_reason: np.ndarray,
        destination_reason: np.ndarray,
    ) -> None:
        self.values = values
        self.origins = origins
        self.destinations = destinations
        self.origin_reason = origin_reason
        self.destination_reason = destination_reason


def _whole_reason(table: pd.DataFrame, key: str, prefix: str) -> pd.Series:
    """Per ``key`` value: the reason its pairs share when they all carry ``prefix``."""
    marked = table["reason"].astype(str).str.startswith(prefix)
    grouped = marked.groupby(table[key], sort=False)
    whole = grouped.all()
    first = table.loc[marked, ["reason"]].groupby(table.loc[marked, key], sort=False).first()
    out = pd.Series("", index=whole.index, dtype=object)
    hit = whole[whole].index
    out.loc[hit] = first.loc[hit, "reason"].astype(str).to_numpy()
    return out


def read_cost(
    cost: pd.DataFrame,
    *,
    origins: pd.Index | None = None,
    destinations: pd.Index | None = None,
) -> CostMatrix:
    """A wide or long cost table as a :class:`CostMatrix` (aligned to the given labels).

    Wide: origins as the index, destinations as the columns.  Long: columns ``origin``,
    ``destination`` and one numeric cost column (``reachable`` aside), with an optional
    ``reason``; several rows of one pair keep the smallest cost.  Missing pairs and NaN
    count as unreachable.
    """
    if not isinstance(cost, pd.DataFrame):
        raise InputError(f"a cost table must be a DataFrame, got {type(cost).__name__}")
    o_reason = d_reason = None
    if {"origin", "destination"} <= set(cost.columns):
        value_cols = [c for c in cost.columns if c not in ("origin", "destination")]
        numeric = [c for c in value_cols if pd.api.types.is_numeric_dtype(cost[c])]
        numeric = [c for c in numeric if c != "reachable" and cost[c].dtype != bool]
        if len(numeric) != 1:
            raise InputError(
                "a long cost table needs 'origin', 'destination' and one numeric cost "
                f"column; found {numeric}"
            )
        wide = cost.pivot_table(
            index="origin",
            columns="destination",
            values=numeric[0],
            aggfunc="min",
            dropna=False,
        )
        # pivot_table leaves out origins or destinations whose costs are all NaN: put
        # them back (they are unroutable, not absent).
        wide = wide.reindex(
            index=pd.Index(pd.unique(cost["origin"])),
            columns=pd.Index(pd.unique(cost["destination"])),
        )
        if "reason" in cost.columns:
            o_reason = _whole_reason(cost, "origin", "origin ")
            d_reason = _whole_reason(cost, "destination", "destination ")
    else:
        wide = cost
        # A wide matrix from the routing functions names its unrouted rows in attrs.
        for attr, prefix, target in (
            ("origin_reasons", "origin ", "o"),
            ("destination_reasons", "destination ", "d"),
        ):
            named = cost.attrs.get(attr)
            if isinstance(named, dict) and named:
                series = pd.Series({k: f"{prefix}{v}" for k, v in named.items()}, dtype=object)
                if target == "o":
                    o_reason = series
                else:
                    d_reason = series
    if origins is None:
        origins = wide.index
    if destinations is None:
        destinations = pd.Index(wide.columns)
    missing_o = origins.difference(wide.index)
    missing_d = destinations.difference(wide.columns)
    if len(missing_o) or len(missing_d):
        raise InputError(
            "the cost table does not cover every demand and supply location: missing "
            f"demand {listing(missing_o, limit=5)}, supply {listing(missing_d, limit=5)} "
            "(the cost table's index/origins must be the demand's index, its "
            "columns/destinations the supply's index)"
        )
    try:
        matrix = wide.reindex(index=origins, columns=destinations).to_numpy(float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"the cost table must hold numbers: {exc}") from exc
    matrix = np.where(np.isnan(matrix), np.inf, matrix)
    if (matrix < 0).any():
        raise InputError("the cost table has negative costs")

    def aligned(reason: pd.Series | None, index: pd.Index) -> np.ndarray:
        if reason is None:
            return np.full(len(index), "", dtype=object)
        return reason.reindex(index).fillna("").to_numpy(dtype=object)

    return CostMatrix(
        matrix, origins, destinations, aligned(o_reason, origins), aligned(d_reason, destinations)
    )
