"""Checked inputs and uniform sampling of the synthetic generators (private).

Shared by :func:`corridor_geo.resources.synthetic_resources` and
:func:`corridor_geo.scale.write_synthetic_parquet`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import InputError
from ._text import listing
from .crs import ANALYSIS_CRS, WGS84, to_crs, to_datum

STATUS_SYNTHETIC = "synthetic"
"""The ``status`` of every synthetic row."""


def synthetic_setup(
    registry: pd.DataFrame, categories: Mapping[str, float] | None, corridor_share: float
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Checked inputs of the synthetic generators: the registry (by key) and weights."""
    if not (np.isfinite(corridor_share) and 0.0 <= corridor_share <= 1.0):
        raise InputError(f"corridor_share must be between 0 and 1, got {corridor_share}")
    reg = registry.set_index("key")
    cats = dict(categories) if categories else dict.fromkeys(reg.index, 1.0)
    unknown = sorted(set(cats) - set(reg.index))
    if unknown:
        raise InputError(
            f"unknown category keys {listing(unknown, quote=True)}; see category_registry()"
        )
    bad = [k for k, v in cats.items() if not (np.isfinite(v) and v >= 0)]
    if bad or not sum(cats.values()) > 0:
        raise InputError(
            f"category frequencies must be finite, >= 0 and not all 0; check {bad or cats}"
        )
    return reg, cats


def uniform_in(geom: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points uniform in a WGS84 polygon (uniform in area: sampled in EPSG:4549)."""
    if n == 0:
        return np.empty((0, 2))
    metric = to_crs(gpd.GeoSeries([geom], crs=WGS84), ANALYSIS_CRS).iloc[0]
    shapely.prepare(metric)
    x0, y0, x1, y1 = metric.bounds
    frac = max(metric.area / ((x1 - x0) * (y1 - y0)), 1e-3)
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        m = int((n - got) / frac * 1.2) + 16
        x = rng.uniform(x0, x1, m)
        y = rng.uniform(y0, y1, m)
        keep = shapely.contains_xy(metric, x, y)
        pts = np.column_stack([x[keep], y[keep]])[: n - got]
        out.append(pts)
        got += len(pts)
    xy = np.vstack(out)
    back = to_datum(
        gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=ANALYSIS_CRS), "WGS84"
    )
    return shapely.get_coordinates(back.values)
