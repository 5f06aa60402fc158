"""True (ellipsoidal) areas of polygons in the analysis CRS, fast (private).

EPSG:4549 is a Gauss-Krüger projection: not equal-area, but its areal scale factor
varies so slowly across Qingdao (1.0000 on the central meridian 120°E, about 1.0001 at
121°E) that dividing each polygon's planar area by the factor at its centroid gives the
ellipsoidal area to about 1e-7 for polygons up to a few km across.  This is what the grid
and coverage functions use for "each cell's true area"; ``tests/test_density.py`` checks it
against pyproj's geodesic areas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from pyproj import Proj, Transformer

from .crs import ANALYSIS_CRS, WGS84

_PROJ = Proj(ANALYSIS_CRS)
_TO_GEO = Transformer.from_crs(ANALYSIS_CRS, WGS84, always_xy=True)


def areal_scale(x: Any, y: Any) -> np.ndarray:
    """Areal scale factor of EPSG:4549 at projected points (metres)."""
    lon, lat = _TO_GEO.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(_PROJ.get_factors(lon, lat).areal_scale, dtype=float)


def true_area_m2(geoms: Any) -> np.ndarray:
    """Ellipsoidal area (m²) of polygons given in EPSG:4549."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms))
    if not len(geoms):
        return out
    planar = shapely.area(geoms)
    ok = planar > 0
    if ok.any():
        c = shapely.centroid(geoms[ok])
        out[ok] = planar[ok] / areal_scale(shapely.get_x(c), shapely.get_y(c))
    return out
