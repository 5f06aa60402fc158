"""Road graphs: from OpenStreetMap files, OSMnx GraphML, or the built-in schematic network.

The package is split as OSMnx splits its own: :mod:`~corridor_geo.network.osm` (reading
OpenStreetMap files), :mod:`~corridor_geo.network.graphml` (GraphML input/output),
:mod:`~corridor_geo.network.speeds` (speeds and travel times),
:mod:`~corridor_geo.network.projection` (projection, GeoDataFrames, snapping),
:mod:`~corridor_geo.network.components` and :mod:`~corridor_geo.network.schematic`
(the layout's schematic network and sea).  Everything public is importable from
``corridor_geo.network`` itself.

Every graph is a :class:`networkx.MultiDiGraph` in the **OSMnx convention**, so a graph
made by OSMnx works as input and ours work in OSMnx:

* nodes carry ``x`` and ``y`` in the graph's CRS (longitude/latitude for EPSG:4326);
* edges carry ``length`` (metres), ``travel_time`` (seconds), ``speed_kph``,
  ``oneway``, ``reversed``, ``highway`` and, where the road bends, ``geometry``;
* ``G.graph["crs"]`` names the CRS.  A graph without it is refused
  (:class:`~corridor_geo.MissingCRSError`): coordinates are never guessed.

Builders
--------
* :func:`graph_from_osm` reads an OSM PBF or XML file with pyosmium;
* :func:`graph_from_graphml` reads an OSMnx GraphML file (and our own, written by
  :func:`graph_to_graphml`);
* :func:`schematic_network` builds the **indicative** default network of the corridor:
  Binhai Avenue as an arterial with junctions, plus a regular lattice of local streets
  clipped to the corridor.  It is a stand-in that lets the analyses run without data:
  its travel times are indicative only (see its docstring); load a real OpenStreetMap
  extract for real answers.

Speeds
------
Edges without a usable ``maxspeed`` tag get the default speed of their road class
(:data:`DEFAULT_SPEEDS_KPH`), taken from the design speeds of China's urban road
design code CJJ 37-2012 (城市道路工程设计规范, table 3.2.1: 快速路 expressway 100/80/60,
主干路 arterial 60/50/40, 次干路 secondary 50/40/30, 支路 local 40/30/20 km/h), with
OSM's classes mapped onto them: ``motorway`` 100, ``trunk`` 80, ``primary`` 50,
``secondary`` 40, ``tertiary``/``unclassified``/``residential`` 30, ``living_street``
and ``service`` 20 km/h.  These are free-flow speeds: the travel times they give are
lower bounds, not congested peak-hour times.  Walking is 4.8 km/h, cycling 15 km/h.

Metric work
-----------
Snapping and geometry happen in :data:`~corridor_geo.crs.ANALYSIS_CRS` (EPSG:4549) for
graphs in and around Qingdao.  A graph outside that projection's zone (118.5-121.5 E,
widened by 1.5 degrees) is projected to its local UTM zone instead, and the log says so:
EPSG:4549 would distort it.
"""

from __future__ import annotations

from .components import component_summary, largest_component
from .graphml import graph_from_graphml, graph_to_graphml
from .osm import graph_from_osm
from .projection import graph_to_gdfs, metric_crs, nearest_nodes, project_graph
from .schematic import SCHEMATIC_NOTE, schematic_network, sea_from_layout
from .speeds import (
    BIKE_SPEED_KPH,
    DEFAULT_SPEEDS_KPH,
    NETWORK_TYPES,
    WALK_SPEED_KPH,
    add_travel_times,
    parse_maxspeed,
)

__all__ = [
    "BIKE_SPEED_KPH",
    "DEFAULT_SPEEDS_KPH",
    "NETWORK_TYPES",
    "SCHEMATIC_NOTE",
    "WALK_SPEED_KPH",
    "add_travel_times",
    "component_summary",
    "graph_from_graphml",
    "graph_from_osm",
    "graph_to_gdfs",
    "graph_to_graphml",
    "largest_component",
    "metric_crs",
    "nearest_nodes",
    "parse_maxspeed",
    "project_graph",
    "schematic_network",
    "sea_from_layout",
]
