"""corridor_geo: geospatial analysis for the Qingdao Science and Technology Innovation Corridor.

The corridor (青岛科创大走廊) is a 190.71 km², 53 km band along Binhai Avenue (滨海大道)
made of three "cities" and six kinds of "ecosystem circle".  corridor_geo encodes that
layout as validated geometries and computes what planners ask of it.

>>> import corridor_geo as cg
>>> layout = cg.load_layout()
>>> sorted(layout.layers)
['axis', 'circles', 'cities', 'city', 'corridor', 'districts']
"""

from __future__ import annotations

import logging

from . import crs, datasets, layout, official
from ._errors import (
    CorridorGeoError,
    CRSError,
    DataFileError,
    DatumMislabelWarning,
    GeometryError,
    InputError,
    LayoutError,
    LayoutWarning,
    MissingCRSError,
)
from ._show_versions import show_versions
from ._version import __version__
from .crs import ANALYSIS_CRS, CGCS2000, WGS84, to_analysis_crs, to_datum
from .layout import CorridorLayout, load_layout

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ANALYSIS_CRS",
    "CGCS2000",
    "WGS84",
    "CRSError",
    "CorridorGeoError",
    "CorridorLayout",
    "DataFileError",
    "DatumMislabelWarning",
    "GeometryError",
    "InputError",
    "LayoutError",
    "LayoutWarning",
    "MissingCRSError",
    "__version__",
    "crs",
    "datasets",
    "layout",
    "load_layout",
    "official",
    "show_versions",
    "to_analysis_crs",
    "to_datum",
]
