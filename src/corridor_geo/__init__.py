"""corridor_geo: geospatial analysis for the Qingdao Science and Technology Innovation Corridor.

The corridor (青岛科创大走廊) is a 190.71 km², 53 km band along Binhai Avenue (滨海大道)
made of three "cities" and six kinds of "ecosystem circle".  corridor_geo encodes that
layout as validated geometries and computes what planners ask of it.

The analysis modules (``resources``, ``zones``, ``indicators``, ``density``, ``coverage``,
``raster``, ``population``, ``axis``, ``network``, ``metro``, ``access``, ``transit``,
``measures``, ``scale``, ``monitoring``, ``scenarios``, ``spillover``, ``maps``,
``plotting``, ``report``) and their main functions are available from the package and
imported on first use, so ``import corridor_geo`` stays fast.  ``corridor_geo.online``
(OpenStreetMap through OSMnx, Chinese geocoders and POIs) is loaded the same way and
touches the network only when one of its functions is called.

>>> import corridor_geo as cg
>>> layout = cg.load_layout()
>>> sorted(layout.layers)
['axis', 'circles', 'cities', 'city', 'corridor', 'districts', 'subdistricts']
>>> cg.share_of_city.__module__
'corridor_geo.zones'
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

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
from .crs import ANALYSIS_CRS, CGCS2000, WGS84, to_analysis_crs, to_crs, to_datum
from .layout import CorridorLayout, load_layout

logging.getLogger(__name__).addHandler(logging.NullHandler())

_LAZY_MODULES = (
    "access",
    "axis",
    "coverage",
    "density",
    "indicators",
    "io",
    "maps",
    "measures",
    "metro",
    "monitoring",
    "network",
    "online",
    "plotting",
    "population",
    "raster",
    "report",
    "resources",
    "scale",
    "scenarios",
    "spillover",
    "transit",
    "zones",
)
_LAZY_FUNCTIONS = {
    # resources
    "read_resources": "resources",
    "read_points": "resources",
    "sample_resources": "resources",
    "institution_register": "resources",
    "synthetic_resources": "resources",
    "category_registry": "resources",
    "ResourceTable": "resources",
    # zones and indicators
    "zone_table": "zones",
    "assign_points": "zones",
    "assign_zones": "zones",
    "assign_polygons": "zones",
    "share_of_city": "zones",
    "target_status": "indicators",
    "plan_targets": "indicators",
    "per_capita": "indicators",
    "population_by_zone": "population",
    # density, coverage, rasters
    "density_by_zone": "density",
    "kernel_density": "density",
    "square_grid": "density",
    "hex_grid": "density",
    "aggregate_to_grid": "density",
    "read_facilities": "coverage",
    "circle_anchors": "coverage",
    "Raster": "raster",
    "read_raster": "raster",
    "write_geotiff": "raster",
    "zonal_stats": "raster",
    # axis, networks, access
    "chainage": "axis",
    "axis_profile": "axis",
    "axis_by_city": "axis",
    "point_at_chainage": "axis",
    "graph_from_osm": "network",
    "graph_from_graphml": "network",
    "schematic_network": "network",
    "nearest_nodes": "network",
    "time_to_axis": "access",
    "travel_time_matrix": "access",
    "isochrones": "access",
    "two_step_fca": "access",
    "network_coverage": "access",
    # walking and metro, and the measures
    "multimodal_graph": "network",
    "graph_from_gtfs": "network",
    "transit_time_to_axis": "transit",
    "transit_travel_time_matrix": "transit",
    "transit_isochrones": "transit",
    "station_catchments": "transit",
    "catchment_coverage": "transit",
    "transit_access_by_city": "transit",
    "cumulative_opportunities": "measures",
    "gravity_access": "measures",
    "accessibility_sweep": "measures",
    # metro network
    "metro_stations": "metro",
    "metro_lines": "metro",
    "metro_graph": "metro",
    # scale-out
    "read_parquet_points": "scale",
    "write_synthetic_parquet": "scale",
    # monitoring, scenarios, spillover
    "monitor": "monitoring",
    "scenario": "scenarios",
    "compare": "scenarios",
    "compare_boundaries": "scenarios",
    "spillover_sweep": "spillover",
    # outputs
    "explore_layout": "maps",
    "plot_layout": "plotting",
    "build_report": "report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_FUNCTIONS:
        module = importlib.import_module(f".{_LAZY_FUNCTIONS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_LAZY_FUNCTIONS))


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
    "to_crs",
    "to_datum",
    *_LAZY_MODULES,
    *_LAZY_FUNCTIONS,
]
