"""Roads and places from OpenStreetMap through OSMnx.

:func:`graph_from_layout` and :func:`graph_from_polygon` fetch the drive, walk or bike
network around the corridor (or any zone or polygon, with a buffer) with
:func:`osmnx.graph_from_polygon`, and add speeds and travel times with OSMnx's own
:func:`osmnx.add_edge_speeds` and :func:`osmnx.add_edge_travel_times`: an edge's
``maxspeed`` where tagged, otherwise the default of its road class from
:data:`corridor_geo.network.DEFAULT_SPEEDS_KPH` (the design speeds of China's urban road
code CJJ 37-2012, see :mod:`corridor_geo.network`), and 30 km/h for classes that table
does not list and the graph never tags.  Walk and bike networks get the library's walking
(4.8 km/h) and cycling (15 km/h) speeds on every edge.  ``speed_source`` says which.

The graph stays in OSMnx's convention (``G.graph["crs"]``, node ``x``/``y``, edge
``length``/``speed_kph``/``travel_time``/``geometry``), so it goes straight into
:func:`corridor_geo.access.time_to_axis` and the other routing functions, into
:func:`corridor_geo.network.graph_to_graphml` (and back with
:func:`~corridor_geo.network.graph_from_graphml`) and into OSMnx itself.

:func:`features_from_layout` and :func:`features_from_polygon` fetch places with
:func:`osmnx.features_from_polygon` and return them as a
:class:`~corridor_geo.resources.ResourceTable` (:data:`OSM_PLACE_TAGS` says which tags
make which category); polygons are reduced to a representative point (a point inside
the polygon), and OSM ids are kept.

Every answer of the Overpass API is cached on disk by OSMnx (``cache_dir``, by default
``$CORRIDOR_GEO_CACHE/osmnx``): the same call a second time runs offline.  OSMnx's
settings (and the socket resolver it changes) are restored after each call.  Data ©
OpenStreetMap contributors, under the Open Database Licence (ODbL): credit it when you
publish results.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .._errors import InputError
from .._text import listing
from .._version import __version__
from . import _http
from ._http import ServiceError, default_cache_dir
from ._places import place_registry, zone_polygon

__all__ = [
    "FALLBACK_KPH",
    "OSM_PLACE_TAGS",
    "PLACE_CATEGORIES",
    "features_from_layout",
    "features_from_polygon",
    "graph_from_layout",
    "graph_from_polygon",
]

log = logging.getLogger(__name__)

FALLBACK_KPH = 30.0
"""Speed (km/h) of road classes absent from the default table and never tagged in the graph."""

ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"

OSM_PLACE_TAGS: dict[str, dict[str, list[str]]] = {
    "university": {"amenity": ["university", "college"]},
    "research_institute": {"amenity": ["research_institute"], "office": ["research"]},
    "laboratory": {"amenity": ["research_institute"], "office": ["research"]},
    "hospital": {"amenity": ["hospital"]},
    "school": {"amenity": ["school"]},
    "metro_station": {"station": ["subway"], "subway": ["yes"]},
}
"""The OpenStreetMap tags asked for each category (any of them), as OSMnx takes them.

A feature is then given the first category, in this order, whose rule it meets:

* ``metro_station``: ``railway=station`` or ``public_transport=station``, with
  ``station=subway`` or ``subway=yes`` (entrances and stop positions are not stations);
* ``hospital``: ``amenity=hospital`` (not clinics or doctors);
* ``university``: ``amenity=university`` or ``amenity=college`` (Chinese 高等学校
  include the 高职/专科 colleges that OSM tags ``college``);
* ``laboratory``: a research feature (``amenity=research_institute`` or
  ``office=research``) whose name has 实验室 or "laborator" - its level (national,
  state key, provincial) is not in OSM, so it counts towards no plan target;
* ``research_institute``: the other research features;
* ``school``: ``amenity=school`` (primary and secondary schools).
"""

PLACE_CATEGORIES = tuple(OSM_PLACE_TAGS)
"""Categories :func:`features_from_polygon` can fetch (all by default)."""


def _is_station(t: Mapping[str, Any]) -> bool:
    station = t.get("railway") == "station" or t.get("public_transport") == "station"
    return station and (t.get("station") == "subway" or t.get("subway") == "yes")


def _is_research(t: Mapping[str, Any]) -> bool:
    return t.get("amenity") == "research_institute" or t.get("office") == "research"


_LAB = re.compile(r"实验室|laborator", re.IGNORECASE)


def _is_lab(t: Mapping[str, Any]) -> bool:
    names = " ".join(str(t.get(k) or "") for k in ("name", "name:zh", "name:en"))
    return _is_research(t) and bool(_LAB.search(names))


_RULES: tuple[tuple[str, Callable[[Mapping[str, Any]], bool]], ...] = (
    ("metro_station", _is_station),
    ("hospital", lambda t: t.get("amenity") == "hospital"),
    ("university", lambda t: t.get("amenity") in ("university", "college")),
    ("laboratory", _is_lab),
    ("research_institute", _is_research),
    ("school", lambda t: t.get("amenity") == "school"),
)


def _osmnx():
    try:
        import osmnx
    except ImportError as exc:
        raise ImportError(
            'OpenStreetMap downloads need OSMnx: pip install "corridor-geo[online]"'
        ) from exc
    return osmnx


_SETTINGS = ("overpass_url", "use_cache", "cache_folder", "requests_timeout")


@contextlib.contextmanager
def _osmnx_settings(
    ox: Any, *, overpass_url: str | None, cache_dir: Any, timeout: float
) -> Iterator[str]:
    """OSMnx configured for one call, restored afterwards (settings and the resolver)."""
    settings = ox.settings
    saved = {name: getattr(settings, name) for name in _SETTINGS}
    resolver = socket.getaddrinfo
    folder = default_cache_dir("osmnx") if cache_dir is True else (cache_dir or None)
    try:
        if overpass_url:
            settings.overpass_url = str(overpass_url).rstrip("/")
        settings.use_cache = folder is not None
        if folder is not None:
            settings.cache_folder = str(Path(folder).expanduser())
        settings.requests_timeout = float(timeout)
        yield settings.overpass_url
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)
        # OSMnx pins the Overpass host's address by replacing socket.getaddrinfo for the
        # whole process; put the resolver back.
        socket.getaddrinfo = resolver


# OSMnx's exceptions about the Overpass API's answer (both subclass ValueError).
_OSMNX_ANSWERS = ("InsufficientResponseError", "ResponseStatusCodeError")


def _transient(exc: BaseException) -> bool:
    import requests

    if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
        return True
    return type(exc).__name__ == "ResponseStatusCodeError"


def _call_overpass(
    fn: Callable[[], Any], *, what: str, url: str, retries: int, backoff: float
) -> Any:
    """Run an OSMnx download, retrying transient failures, as a ServiceError otherwise."""
    import requests

    for attempt in range(retries + 1):
        failure: str | None = None
        try:
            return fn()
        except (requests.RequestException, ValueError) as exc:
            name = type(exc).__name__
            if not isinstance(exc, requests.RequestException) and name not in _OSMNX_ANSWERS:
                raise  # a ValueError of our own making, not the server's answer
            if name == "InsufficientResponseError":
                raise ServiceError(
                    f"{what}: the Overpass API at {url} sent no usable data ({exc})"
                ) from None
            if not _transient(exc) or attempt == retries:
                failure = f"{name}: {exc}"
            else:
                log.info("%s: %s; retrying", what, name)
        if failure is not None:
            raise ServiceError(
                f"{what}: the Overpass API at {url} failed after {attempt + 1} attempt(s) "
                f"({failure}); what was fetched is cached, so running it again resumes; "
                "or pass overpass_url= to use a mirror"
            )
        _http.sleep(min(backoff * 2**attempt, 60.0))
    raise AssertionError("unreachable")  # pragma: no cover


def _polygon_arg(polygon: Any, buffer_m: float) -> Any:
    if hasattr(polygon, "layers"):
        raise InputError("graph_from_polygon takes polygons; for a layout use graph_from_layout")
    return zone_polygon(polygon, zone="", buffer_m=buffer_m)


def graph_from_polygon(
    polygon: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    network_type: str = "drive",
    buffer_m: float = 0.0,
    simplify: bool = True,
    retain_all: bool = False,
    speeds: Mapping[str, float] | None = None,
    overpass_url: str | None = None,
    cache_dir: str | os.PathLike[str] | bool | None = True,
    timeout: float = 180.0,
    retries: int = 2,
) -> nx.MultiDiGraph:
    """The OpenStreetMap road network inside polygons, with speeds and travel times.

    Parameters
    ----------
    polygon : GeoDataFrame or GeoSeries
        Polygons with a CRS (any CRS, GCJ-02 and BD-09 included); their union is used.
    network_type : {"drive", "walk", "bike", "all", "drive_service", "all_public"}
        OSMnx's network types.
    buffer_m : float
        Widen the area by this many metres (roads just outside the boundary often carry
        the fastest route).
    simplify, retain_all : bool
        As in :func:`osmnx.graph_from_polygon` (``retain_all=False`` keeps the largest
        weakly connected component).
    speeds : mapping, optional
        Default speed (km/h) by ``highway`` class, overriding
        :data:`corridor_geo.network.DEFAULT_SPEEDS_KPH` where ``maxspeed`` is absent.
    overpass_url : str, optional
        An Overpass API endpoint (a mirror or an intranet server); OSMnx's default
        otherwise.
    cache_dir : path, True or None/False
        OSMnx's answer cache; ``True``: ``$CORRIDOR_GEO_CACHE/osmnx``.
    timeout, retries : float, int
        Seconds to wait for the Overpass API; extra attempts after a time-out, a dropped
        connection or an HTTP error.

    Returns
    -------
    networkx.MultiDiGraph
        In OSMnx's convention (``G.graph["crs"] == "epsg:4326"``), edges with
        ``speed_kph``, ``speed_source`` and ``travel_time`` (s); ``G.graph["source"]``
        credits OpenStreetMap.

    Raises
    ------
    ServiceError
        If the Overpass API fails after the retries, or sends no road.

    Examples
    --------
    A hand-made road inside the corridor, served by a local stand-in of Overpass:

    >>> import geopandas as gpd, shapely
    >>> from corridor_geo.online.testing import StandIn, osm_node, osm_way
    >>> road = [osm_node(1, 120.470, 36.130), osm_node(2, 120.480, 36.130),
    ...         osm_way(10, [1, 2], {"highway": "residential"})]
    >>> area = gpd.GeoSeries([shapely.box(120.46, 36.12, 120.49, 36.14)], crs=4326)
    >>> with StandIn(overpass=road) as server:
    ...     G = graph_from_polygon(area, overpass_url=server.overpass_url, cache_dir=None)
    >>> e = G.edges[1, 2, 0]
    >>> e["speed_kph"], e["speed_source"], round(e["travel_time"], 1)
    (30.0, 'default for road class', 107.8)
    """
    area = _polygon_arg(polygon, buffer_m)
    ox = _osmnx()
    with _osmnx_settings(
        ox, overpass_url=overpass_url, cache_dir=cache_dir, timeout=timeout
    ) as url:
        G = _call_overpass(
            lambda: ox.graph_from_polygon(
                area, network_type=network_type, simplify=simplify, retain_all=retain_all
            ),
            what=f"{network_type} network",
            url=url,
            retries=retries,
            backoff=2.0,
        )
        G = _add_speeds(ox, G, network_type=network_type, speeds=speeds)
    G.graph.update(
        {
            "created_with": f"corridor_geo {__version__} with OSMnx {ox.__version__}",
            "source": f"OpenStreetMap through the Overpass API at {url}, {ATTRIBUTION}",
            "network_type": network_type,
            "buffer_m": float(buffer_m),
        }
    )
    log.info(
        "%s network from OpenStreetMap: %d nodes, %d edges",
        network_type,
        G.number_of_nodes(),
        G.number_of_edges(),
    )
    return G


def _add_speeds(
    ox: Any, G: nx.MultiDiGraph, *, network_type: str, speeds: Mapping[str, float] | None
) -> nx.MultiDiGraph:
    from ..network import BIKE_SPEED_KPH, DEFAULT_SPEEDS_KPH, WALK_SPEED_KPH, parse_maxspeed

    if network_type in ("walk", "bike"):
        value = WALK_SPEED_KPH if network_type == "walk" else BIKE_SPEED_KPH
        nx.set_edge_attributes(G, value, "speed_kph")
        nx.set_edge_attributes(G, f"{network_type} speed", "speed_source")
    else:
        table = {**DEFAULT_SPEEDS_KPH, **(speeds or {})}
        G = ox.add_edge_speeds(G, hwy_speeds=table, fallback=FALLBACK_KPH)
        source = {
            (u, v, k): "maxspeed"
            if np.isfinite(parse_maxspeed(d.get("maxspeed")))
            else "default for road class"
            for u, v, k, d in G.edges(keys=True, data=True)
        }
        nx.set_edge_attributes(G, source, "speed_source")
    return ox.add_edge_travel_times(G)


def graph_from_layout(
    layout: Any = None,
    *,
    zone: str = "corridor",
    network_type: str = "drive",
    buffer_m: float = 2000.0,
    **options: Any,
) -> nx.MultiDiGraph:
    """The OpenStreetMap road network around a zone of the layout (the corridor by default).

    Parameters
    ----------
    layout : CorridorLayout, optional
        The bundled layout by default.
    zone : str
        A layer of the layout (``"corridor"``, ``"cities"``, ``"districts"``,
        ``"city"``), or ``"layer:value"`` for some of its rows (``"cities:ocean"``,
        ``"districts:崂山区"``).
    network_type : str
        ``"drive"``, ``"walk"``, ``"bike"``... (OSMnx's types).
    buffer_m : float
        Widen the zone by this many metres (default 2 km, so that routes leaving and
        re-entering the corridor are found).
    **options
        Passed to :func:`graph_from_polygon` (``speeds``, ``overpass_url``,
        ``cache_dir``, ``timeout``, ``simplify``, ``retain_all``, ``retries``).

    Returns
    -------
    networkx.MultiDiGraph
        As :func:`graph_from_polygon`.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> from corridor_geo.online.testing import StandIn, osm_node, osm_way
    >>> road = [osm_node(1, 120.470, 36.130), osm_node(2, 120.480, 36.130),
    ...         osm_way(10, [1, 2], {"highway": "primary", "maxspeed": "60"})]
    >>> with StandIn(overpass=road) as server:
    ...     G = graph_from_layout(load_layout(), overpass_url=server.overpass_url,
    ...                           cache_dir=None)
    >>> G.edges[1, 2, 0]["speed_kph"], G.graph["network_type"]
    (60.0, 'drive')
    """
    area = zone_polygon(layout, zone=zone, buffer_m=buffer_m)
    G = graph_from_polygon(
        gpd.GeoSeries([area], crs="EPSG:4326"), network_type=network_type, **options
    )
    G.graph["zone"] = zone
    G.graph["buffer_m"] = float(buffer_m)
    return G


def _tags_union(categories: Sequence[str]) -> dict[str, list[str]]:
    union: dict[str, list[str]] = {}
    for cat in categories:
        for key, values in OSM_PLACE_TAGS[cat].items():
            union.setdefault(key, [])
            union[key] += [v for v in values if v not in union[key]]
    return union


def _classify(tags: Mapping[str, Any], categories: Sequence[str]) -> str | None:
    for cat, rule in _RULES:
        if cat in categories and rule(tags):
            return cat
    return None


def features_from_polygon(
    polygon: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    categories: Sequence[str] = PLACE_CATEGORIES,
    buffer_m: float = 0.0,
    layout: Any = None,
    overpass_url: str | None = None,
    cache_dir: str | os.PathLike[str] | bool | None = True,
    timeout: float = 180.0,
    retries: int = 2,
):
    """Universities, research institutes, laboratories, hospitals, schools and metro stations.

    Parameters
    ----------
    polygon : GeoDataFrame or GeoSeries
        Polygons with a CRS; features intersecting their union are kept.
    categories : sequence of str
        Which of :data:`PLACE_CATEGORIES` to fetch (tags in :data:`OSM_PLACE_TAGS`).
    buffer_m : float
        Widen the area by this many metres.
    layout : CorridorLayout, optional
        Whose ``city`` layer decides what is in Qingdao (features outside are rejected).
    overpass_url, cache_dir, timeout, retries
        As in :func:`graph_from_polygon`.

    Returns
    -------
    ResourceTable
        One point per feature (a polygon's representative point, inside it), WGS84,
        ``status = "openstreetmap"``, with ``osm_type``, ``osm_id``, ``id``
        (``"way/123"``), ``name``, ``name_en``, ``osm_tag`` (the tag that matched),
        ``osm_geometry`` (the feature's geometry type), ``source`` (the ODbL credit)
        and categories from :func:`~corridor_geo.online.place_registry` (the plan's
        registry plus hospital, school, metro_station and laboratory).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from corridor_geo.online.testing import StandIn, osm_node, osm_way
    >>> campus = [osm_node(1, 120.490, 36.160), osm_node(2, 120.500, 36.160),
    ...           osm_node(3, 120.500, 36.170), osm_node(4, 120.490, 36.170),
    ...           osm_way(20, [1, 2, 3, 4, 1], {"amenity": "university",
    ...                                       "name": "中国海洋大学(崂山校区)"})]
    >>> area = gpd.GeoSeries([shapely.box(120.45, 36.10, 120.55, 36.20)], crs=4326)
    >>> with StandIn(overpass_features=campus) as server:
    ...     res = features_from_polygon(area, overpass_url=server.overpass_url, cache_dir=None)
    >>> row = res.accepted.iloc[0]
    >>> row["id"], row["category"], row["osm_geometry"]
    ('way/20', 'university', 'Polygon')
    """
    unknown = [c for c in categories if c not in OSM_PLACE_TAGS]
    if unknown or not categories:
        raise InputError(
            f"unknown categories {listing(unknown, quote=True)}: use some of "
            f"{', '.join(PLACE_CATEGORIES)}"
        )
    area = _polygon_arg(polygon, buffer_m)
    ox = _osmnx()
    tags = _tags_union(categories)
    with _osmnx_settings(
        ox, overpass_url=overpass_url, cache_dir=cache_dir, timeout=timeout
    ) as url:
        try:
            gdf = _call_overpass(
                lambda: ox.features_from_polygon(area, tags=tags),
                what="OpenStreetMap features",
                url=url,
                retries=retries,
                backoff=2.0,
            )
        except ServiceError as exc:
            if "no usable data" not in str(exc):
                raise
            log.info("no OpenStreetMap feature of %s in the area", ", ".join(categories))
            gdf = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    return _places_table(gdf, categories, layout, url)


def _places_table(gdf: gpd.GeoDataFrame, categories: Sequence[str], layout: Any, url: str):
    from ..resources import read_resources

    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    if isinstance(gdf.index, pd.MultiIndex):
        osm_type = gdf.index.get_level_values(0).astype(str)
        osm_id = gdf.index.get_level_values(1).astype("int64")
    else:
        osm_type = pd.Index(["node"] * len(gdf))
        osm_id = pd.Index(np.zeros(len(gdf), dtype="int64"))
    geoms = gdf.geometry.values
    points = shapely.point_on_surface(geoms) if len(geoms) else np.array([], dtype=object)
    records = frame.to_dict("records")
    cats = [
        _classify({k: v for k, v in r.items() if isinstance(v, str)}, categories) for r in records
    ]

    def tag_of(r: Mapping[str, Any], cat: str | None) -> str | None:
        if cat is None:
            return None
        for key, values in OSM_PLACE_TAGS[cat].items():
            if r.get(key) in values:
                return f"{key}={r[key]}"
        return None

    def pick(r: Mapping[str, Any], *keys: str) -> str | None:
        for key in keys:
            v = r.get(key)
            if isinstance(v, str) and v.strip():
                return v.strip()
        return None

    table = pd.DataFrame(
        {
            "id": [f"{t}/{i}" for t, i in zip(osm_type, osm_id)],
            "osm_type": list(osm_type),
            "osm_id": np.asarray(osm_id, dtype="int64"),
            "name": [pick(r, "name:zh", "name") for r in records],
            "name_en": [pick(r, "name:en") for r in records],
            "category": cats,
            "osm_tag": [tag_of(r, c) for r, c in zip(records, cats)],
            "osm_geometry": [g.geom_type for g in geoms],
            "lon": shapely.get_x(points) if len(points) else [],
            "lat": shapely.get_y(points) if len(points) else [],
            "source": ATTRIBUTION,
        }
    )
    res = read_resources(
        table,
        lon="lon",
        lat="lat",
        datum="WGS84",
        id="id",
        name="name",
        category="category",
        categories=place_registry(),
        layout=layout,
        status="openstreetmap",
        check_datum=False,
    )
    from dataclasses import replace

    rejected = res.rejected.copy()
    if len(rejected):
        rejected["reason"] = rejected["reason"].str.replace(
            "missing category",
            "its OSM tags meet no rule of the requested categories (see OSM_PLACE_TAGS)",
            regex=False,
        )
    notes = (*res.notes, f"OpenStreetMap features from {url}, {ATTRIBUTION}")
    return replace(
        res, rejected=rejected, source=f"OpenStreetMap ({', '.join(categories)})", notes=notes
    )


def features_from_layout(
    layout: Any = None,
    *,
    zone: str = "corridor",
    categories: Sequence[str] = PLACE_CATEGORIES,
    buffer_m: float = 0.0,
    **options: Any,
):
    """The places of :func:`features_from_polygon` inside a zone of the layout.

    Parameters
    ----------
    layout : CorridorLayout, optional
        The bundled layout by default.
    zone : str
        A layer of the layout, or ``"layer:value"`` (see :func:`graph_from_layout`).
    categories : sequence of str
        Which of :data:`PLACE_CATEGORIES` to fetch.
    buffer_m : float
        Widen the zone by this many metres.
    **options
        Passed to :func:`features_from_polygon` (``overpass_url``, ``cache_dir``,
        ``timeout``, ``retries``).

    Returns
    -------
    ResourceTable

    Examples
    --------
    >>> from corridor_geo.online.testing import StandIn, osm_node
    >>> station = [osm_node(5, 120.4687, 36.1080, {"railway": "station", "station": "subway",
    ...                                          "name": "青岛科技大学"})]
    >>> with StandIn(overpass_features=station) as server:
    ...     res = features_from_layout(overpass_url=server.overpass_url, cache_dir=None,
    ...                                categories=["metro_station"])
    >>> res.accepted[["id", "category", "osm_tag"]].values.tolist()
    [['node/5', 'metro_station', 'station=subway']]
    """
    from ..layout import load_layout

    lay = load_layout() if layout is None else layout
    area = zone_polygon(lay, zone=zone, buffer_m=buffer_m)
    return features_from_polygon(
        gpd.GeoSeries([area], crs="EPSG:4326"), categories=categories, layout=lay, **options
    )
