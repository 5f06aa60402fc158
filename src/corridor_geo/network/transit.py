"""Walking plus metro: one routable graph, from the bundled metro data or a GTFS feed.

:func:`multimodal_graph` joins a street graph (walked in both directions at
:data:`WALK_SPEED_KPH`) and a transit graph (:func:`corridor_geo.metro.metro_graph`, or
:func:`graph_from_gtfs` for a feed of your own) into one
:class:`networkx.MultiDiGraph` in the OSMnx convention, routed by the same compiled engine
as the road graphs (:func:`corridor_geo.access.routing_engine`).  Without a street graph,
walking is a straight line times a detour factor (:data:`DETOUR_FACTOR`).

The model
---------
Every station is a street-level **station node** plus one **platform node** per route
that calls there, so that a change of line is a move between platforms and costs what it
costs a passenger:

============  =======================  ==================================================
edge mode     from -> to               time
============  =======================  ==================================================
``walk``      street -> street         ``length / walk speed``, both directions of every
                                       street (one-way rules do not bind pedestrians)
``access``    street -> station        straight-line distance x ``detour`` / walk speed
``egress``    station -> street        the same
``board``     station -> platform      ``station_min`` + wait
``alight``    platform -> station      ``station_min``
``transfer``  platform -> platform     ``transfer_min`` + wait of the next route (a change
                                       between two routes of one line costs the wait only)
``metro``     platform -> platform     the running time of the link
============  =======================  ==================================================

* **Wait** = ``wait_factor`` x headway (0.5 by default: half the headway, the expected
  wait of a passenger who arrives at random on a regular service).  Headways come from
  the data (``headway_min`` on the transit edges: the bundled metro's weekday average,
  05:00-24:00; a GTFS feed's departures in the chosen time window), or per line from
  ``headways=``.
* **station_min** is the time between the street and a platform (entrances, security
  check, stairs), each way.  A passenger can always leave a station and come back in
  (platform -> station node -> platform): that costs ``2 x station_min`` plus the wait,
  so a change never costs more than ``min(transfer_min, 2 x station_min)`` plus the
  wait, and the log warns when ``transfer_min`` is larger.  The defaults (2 and 3
  minutes) keep the change inside.
* **Street links**: each station is linked to its nearest street node within
  ``link_m``.  A station farther from every street node than that has no street link
  (it is reachable by metro only); ``G.graph["stations_without_street_link"]`` lists
  such stations and the log says how many: nothing is dropped silently.
* **Straight-line walking** (``streets=None``): the graph holds stations and platforms
  only, plus ``walk`` edges between stations within ``link_m`` of each other; the
  analyses in :mod:`corridor_geo.transit` add the walk from each point to the stations
  (and straight to its destination) at query time, as straight lines times ``detour``.

Keys and attributes follow the OSMnx convention: ``G.graph["crs"]`` (the street graph's
CRS, or the transit graph's without one), node ``x``/``y``, edge ``length`` (m) and
``travel_time`` (s).  Street nodes keep their keys; station nodes are keyed
``"station:<id>"`` and platforms ``"platform:<id>:<route_id>"``.  Every node has ``mode``
(``"street"``, ``"station"`` or ``"platform"``), every edge ``mode`` as above.  The
metro data's attribution (CC BY 4.0) travels in ``G.graph["attribution"]``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .._errors import DataFileError, InputError
from .._graph import graph_geo, oriented
from .._text import listing, on_command_line
from ..crs import transform_xy
from .speeds import WALK_SPEED_KPH

__all__ = [
    "DETOUR_FACTOR",
    "STATION_MIN",
    "TRANSFER_MIN",
    "WAIT_FACTOR",
    "graph_from_gtfs",
    "multimodal_graph",
]

log = logging.getLogger(__name__)

DETOUR_FACTOR = 1.3
"""Walking distance over straight-line distance, for walks not on a street graph.

On a square street grid the ratio of the walked (Manhattan) distance to the straight
one is 1 along the streets and up to sqrt(2) on the diagonals, 4/pi = 1.27 on average
over all directions; real street networks measure 1.2 to 1.4.  1.3 is used for every walk
that is not on a street graph: from a point to its street node, from a station to its
street node, and every walk when no street graph is given.
"""

WAIT_FACTOR = 0.5
"""Expected wait as a share of the headway: half, for passengers arriving at random."""

STATION_MIN = 2.0
"""Minutes between the street and a platform, each way (entrance, security, stairs)."""

TRANSFER_MIN = 3.0
"""Minutes to change between lines at an interchange, on top of the wait for the next."""

LINK_M = 500.0
"""Longest link, metres, from a station to a street node (or between two stations)."""


def _check_positive(value: Any, name: str, *, zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise InputError(f"{name} must be a number, got {value!r}")
    ok = math.isfinite(value) and (value >= 0 if zero else value > 0)
    if not ok:
        raise InputError(
            f"{name} must be a finite number {'>= 0' if zero else '> 0'}, got {value!r}"
        )
    return float(value)


def _headway_lookup(
    transit: nx.MultiDiGraph, headways: Mapping[Any, float] | None
) -> dict[str, float]:
    """Headway (minutes) of every route of the transit graph."""
    routes: dict[str, dict[str, Any]] = {}
    for _, _, d in transit.edges(data=True):
        rid = d.get("route_id")
        if rid is None:
            raise InputError(
                "every transit edge needs a 'route_id' (as metro_graph and graph_from_gtfs "
                "give): the platforms of a station are one per route"
            )
        routes.setdefault(str(rid), d)
    given = {str(k).strip(): v for k, v in (headways or {}).items()}
    used = set()
    out = {}
    for rid, d in routes.items():
        keys = [
            rid,
            str(d.get("line", "")),
            str(d.get("line_name", "")),
            str(d.get("line_name_en", "")),
        ]
        hit = next((k for k in keys if k and k in given), None)
        if hit is not None:
            value = _check_positive(given[hit], f"headways[{hit!r}]")
            used.add(hit)
        else:
            value = d.get("headway_min")
            if value is None or not (
                isinstance(value, (int, float)) and math.isfinite(value) and value > 0
            ):
                raise InputError(
                    f"route {rid!r} has no headway: give it in headways={{{rid!r}: minutes}} "
                    "(the bundled metro and GTFS feeds carry theirs)"
                )
        out[rid] = float(value)
    unknown = sorted(set(given) - used)
    if unknown:
        raise InputError(
            f"{'--headway' if on_command_line() else 'headways='} names lines that are not "
            "in the transit graph: "
            f"{listing(unknown, quote=True)}; use line numbers, names or route ids such as "
            f"{listing(sorted(routes), limit=5)}"
        )
    return out


def multimodal_graph(
    streets: nx.MultiDiGraph | None = None,
    *,
    transit: nx.MultiDiGraph | None = None,
    walk_kph: float = WALK_SPEED_KPH,
    detour: float = DETOUR_FACTOR,
    headways: Mapping[Any, float] | None = None,
    wait_factor: float = WAIT_FACTOR,
    station_min: float = STATION_MIN,
    transfer_min: float = TRANSFER_MIN,
    link_m: float = LINK_M,
) -> nx.MultiDiGraph:
    """One routable graph of walking and metro (see the module notes for the model).

    Parameters
    ----------
    streets : networkx.MultiDiGraph, optional
        A street graph in the OSMnx convention with edge ``length`` (metres):
        :func:`~corridor_geo.network.graph_from_osm` (any ``network_type``; walking
        ignores one-way rules), :func:`~corridor_geo.network.graph_from_graphml` or
        :func:`~corridor_geo.network.schematic_network`.  Without one, walking is a
        straight line times ``detour``.
    transit : networkx.MultiDiGraph, optional
        Stations and route links as :func:`corridor_geo.metro.metro_graph` gives them
        (the default: Qingdao's metro) or :func:`graph_from_gtfs`: node ``x``/``y``,
        edges with ``travel_time`` (s), ``route_id`` and ``headway_min``.
    walk_kph : float
        Walking speed, km/h (default 4.8).
    detour : float
        Walking distance over straight-line distance for walks off the street graph
        (default :data:`DETOUR_FACTOR`, 1.3).
    headways : dict, optional
        Headway in minutes by line number, line name or route id, e.g.
        ``{"11": 8.0}``; lines not named keep the data's ``headway_min``.
    wait_factor : float
        Wait as a share of the headway (default 0.5).
    station_min, transfer_min : float
        Street-to-platform time each way and the change penalty, minutes (defaults
        2 and 3).
    link_m : float
        Longest station-to-street link (and, without streets, station-to-station
        walk), metres (default 500).

    Returns
    -------
    networkx.MultiDiGraph
        ``G.graph`` holds ``crs``, ``kind="multimodal"``, ``walking``
        (``"streets"`` or ``"straight"``), the parameters above, ``headways_min``
        (route id -> minutes), ``stations_without_street_link``, and the transit
        data's ``attribution``, ``licence``, ``source``; also ``street_status`` when
        the street graph is schematic.

    Raises
    ------
    InputError
        On a missing headway, a parameter out of range, or node keys that clash.

    Examples
    --------
    Straight-line walking with Qingdao's metro:

    >>> G = multimodal_graph()
    >>> G.graph["walking"], G.graph["crs"]
    ('straight', 'EPSG:4326')
    >>> sorted({d["mode"] for _, d in G.nodes(data=True)})
    ['platform', 'station']

    Boarding Line 11 (蓝谷快线, headway 10.73 minutes) at 苗岭路 costs the
    street-to-platform time plus half the headway:

    >>> from corridor_geo.metro import metro_stations
    >>> sid = metro_stations().set_index("name_zh").loc["苗岭路", "station_id"]
    >>> board = [d for _, _, d in G.out_edges(f"station:{sid}", data=True)
    ...          if d["mode"] == "board" and d["line"] == "11"]
    >>> round(board[0]["travel_time"] / 60, 3)  # 2 + 10.73 / 2
    7.365
    """
    walk_kph = _check_positive(walk_kph, "walk_kph")
    detour = _check_positive(detour, "detour")
    if detour < 1:
        raise InputError(f"detour is a walking/straight-line ratio, at least 1; got {detour}")
    wait_factor = _check_positive(wait_factor, "wait_factor", zero=True)
    station_s = _check_positive(station_min, "station_min", zero=True) * 60.0
    transfer_s = _check_positive(transfer_min, "transfer_min", zero=True) * 60.0
    link_m = _check_positive(link_m, "link_m")
    if transfer_s > 2 * station_s:
        log.warning(
            "transfer_min %g exceeds 2 x station_min (%g): leaving the station and coming "
            "back in is faster, so a change costs %g minutes plus the wait",
            transfer_s / 60,
            2 * station_s / 60,
            2 * station_s / 60,
        )
    if transit is None:
        from ..metro import metro_graph

        transit = metro_graph()
    if not isinstance(transit, nx.MultiDiGraph):
        raise InputError(f"transit must be a networkx MultiDiGraph, got {type(transit).__name__}")
    speed = walk_kph / 3.6  # m/s
    hw = _headway_lookup(transit, headways)
    tgeo = graph_geo(transit)

    G = nx.MultiDiGraph()
    if streets is not None:
        sgeo = graph_geo(streets)
        G.graph["crs"] = streets.graph["crs"]
        out_crs, metric = sgeo.crs, sgeo.metric_crs
    else:
        sgeo = None
        G.graph["crs"] = transit.graph["crs"]
        out_crs, metric = tgeo.crs, tgeo.metric_crs
    G.graph.update(
        {
            "name": "walking + " + str(transit.graph.get("name", "transit")),
            "kind": "multimodal",
            "walking": "streets" if streets is not None else "straight",
            "walk_kph": walk_kph,
            "detour": detour,
            "wait_factor": wait_factor,
            "station_min": station_s / 60.0,
            "transfer_min": transfer_s / 60.0,
            "link_m": link_m,
            "headways_min": hw,
        }
    )
    for key in ("attribution", "licence", "licence_url", "source", "reference_date"):
        if key in transit.graph:
            G.graph[key] = transit.graph[key]
    if streets is not None and streets.graph.get("status"):
        G.graph["street_status"] = streets.graph["status"]
        if "note" in streets.graph:
            G.graph["street_note"] = streets.graph["note"]

    # ---- walking on the streets ---------------------------------------------------
    if streets is not None:
        G.add_nodes_from((n, {**data, "mode": "street"}) for n, data in streets.nodes(data=True))
        _add_walk_edges(G, streets, sgeo, speed)

    # ---- stations and platforms ---------------------------------------------------
    # From the transit graph's own coordinates: never round-tripped through degrees.
    rx = np.array([float(transit.nodes[n]["x"]) for n in tgeo.nodes])
    ry = np.array([float(transit.nodes[n]["y"]) for n in tgeo.nodes])
    tx, ty = transform_xy(rx, ry, source=tgeo.crs, target=out_crs)
    mx, my = transform_xy(rx, ry, source=tgeo.crs, target=metric)
    station_key = {s: f"station:{s}" for s in tgeo.nodes}
    clash = [k for k in station_key.values() if k in G]
    if clash:
        raise InputError(f"the street graph already has nodes named like stations: {clash[:3]}")
    for i, s in enumerate(tgeo.nodes):
        data = transit.nodes[s]
        G.add_node(
            station_key[s],
            x=float(tx[i]),
            y=float(ty[i]),
            mode="station",
            station_id=s,
            name=data.get("name", str(s)),
            lines=data.get("lines", ""),
        )
    route_of: dict[str, dict[str, Any]] = {}
    platforms: dict[Any, list[str]] = {}
    for u, v, d in transit.edges(data=True):
        rid = str(d["route_id"])
        route_of.setdefault(rid, d)
        for s in (u, v):
            if rid not in platforms.setdefault(s, []):
                platforms[s].append(rid)
    for s, rids in platforms.items():
        i = tgeo.index[s]
        for rid in rids:
            p = f"platform:{s}:{rid}"
            info = route_of[rid]
            G.add_node(
                p,
                x=float(tx[i]),
                y=float(ty[i]),
                mode="platform",
                station_id=s,
                route_id=rid,
                line=str(info.get("line", rid)),
                name=G.nodes[station_key[s]]["name"],
            )
            wait = wait_factor * hw[rid] * 60.0
            G.add_edge(
                station_key[s],
                p,
                mode="board",
                length=0.0,
                travel_time=station_s + wait,
                wait_s=wait,
                route_id=rid,
                line=str(info.get("line", rid)),
            )
            G.add_edge(
                p, station_key[s], mode="alight", length=0.0, travel_time=station_s, route_id=rid
            )
        for a in rids:
            for b in rids:
                if a == b:
                    continue
                same_line = str(route_of[a].get("line", a)) == str(route_of[b].get("line", b))
                wait = wait_factor * hw[b] * 60.0
                G.add_edge(
                    f"platform:{s}:{a}",
                    f"platform:{s}:{b}",
                    mode="transfer",
                    length=0.0,
                    travel_time=(0.0 if same_line else transfer_s) + wait,
                    wait_s=wait,
                    route_id=b,
                    line=str(route_of[b].get("line", b)),
                )
    for u, v, d in transit.edges(data=True):
        t = d.get("travel_time")
        if t is None or not (isinstance(t, (int, float)) and math.isfinite(t) and t >= 0):
            raise InputError(f"transit edge {u}->{v} has no usable travel_time (s): {t!r}")
        rid = str(d["route_id"])
        attrs = {
            k: d[k]
            for k in (
                "route_id",
                "line",
                "line_name",
                "line_name_en",
                "colour",
                "direction_id",
                "headway_min",
                "trains_per_hour",
            )
            if k in d
        }
        attrs["route_id"] = rid
        attrs["headway_min"] = hw[rid]
        length = d.get("length")
        if length is None:
            a, b = tgeo.index[u], tgeo.index[v]
            length = float(math.hypot(mx[a] - mx[b], my[a] - my[b]))
        G.add_edge(
            f"platform:{u}:{rid}",
            f"platform:{v}:{rid}",
            mode="metro",
            travel_time=float(t),
            length=float(length),
            **attrs,
        )

    # ---- street links (or station-to-station walks) ---------------------------------
    unlinked: list[Any] = []
    if sgeo is not None:
        from scipy.spatial import cKDTree

        street_xy = sgeo.xy
        tree = cKDTree(street_xy)
        dist, idx = tree.query(np.column_stack([mx, my]), k=1)
        for i, s in enumerate(tgeo.nodes):
            if not dist[i] <= link_m:
                unlinked.append(s)
                continue
            node = sgeo.nodes[int(idx[i])]
            walk_m = float(dist[i]) * detour
            for a, b, mode in ((node, station_key[s], "access"), (station_key[s], node, "egress")):
                G.add_edge(a, b, mode=mode, length=walk_m, travel_time=walk_m / speed)
        if unlinked:
            names = [transit.nodes[s].get("name", s) for s in unlinked]
            log.info(
                "%d of %d stations are farther than %g m from every street node and have "
                "no street link (reachable by metro only), e.g. %s",
                len(unlinked),
                len(tgeo.nodes),
                link_m,
                names[:5],
            )
    else:
        from scipy.spatial import cKDTree

        tree = cKDTree(np.column_stack([mx, my]))
        for a, b in sorted(tree.query_pairs(link_m)):
            d_m = math.hypot(mx[a] - mx[b], my[a] - my[b]) * detour
            sa, sb = station_key[tgeo.nodes[a]], station_key[tgeo.nodes[b]]
            G.add_edge(sa, sb, mode="walk", length=d_m, travel_time=d_m / speed)
            G.add_edge(sb, sa, mode="walk", length=d_m, travel_time=d_m / speed)
    G.graph["stations_without_street_link"] = unlinked
    log.debug("multimodal graph: %d nodes", G.number_of_nodes())
    return G


def _add_walk_edges(G: nx.MultiDiGraph, streets: nx.MultiDiGraph, geo: Any, speed: float) -> None:
    """Every street edge both ways at walking speed (edges keep name and geometry)."""
    keep = ("name", "highway", "osmid", "geometry", "schematic", "source")
    missing = 0
    edges = []
    directed = streets.is_directed()
    succ = streets._succ if directed else streets._adj
    for u, v, data in streets.edges(data=True):
        length = data.get("length")
        if length is None or not (isinstance(length, (int, float)) and math.isfinite(length)):
            a, b = geo.xy[geo.index[u]], geo.xy[geo.index[v]]
            length = float(math.hypot(*(a - b)))
            missing += 1
        length = float(length)
        attrs = {k: data[k] for k in keep if k in data}
        attrs.update(mode="walk", length=length, travel_time=length / speed)
        if not directed and isinstance(attrs.get("geometry"), shapely.LineString):
            # One geometry per undirected edge, stored in either direction: from u to v.
            ends = [
                np.array([streets.nodes[n]["x"], streets.nodes[n]["y"]], float) for n in (u, v)
            ]
            attrs["geometry"] = oriented(attrs["geometry"], *ends)
        edges.append((u, v, attrs))
        # An undirected edge is listed once; a one-way street is walked both ways too.
        if not directed or u not in succ.get(v, ()):
            back = dict(attrs)
            if isinstance(back.get("geometry"), shapely.LineString):
                back["geometry"] = shapely.reverse(back["geometry"])
            edges.append((v, u, back))
    G.add_edges_from(edges)
    if missing:
        log.info(
            "%d street edges had no length: straight distance between their ends used", missing
        )


# --------------------------------------------------------------------------------------
# GTFS
# --------------------------------------------------------------------------------------
def _gtfs_kit() -> Any:
    try:
        import gtfs_kit
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            'reading GTFS feeds needs gtfs-kit: pip install "corridor-geo[transit]"'
        ) from exc
    return gtfs_kit


def _seconds(values: pd.Series) -> np.ndarray:
    """GTFS times (``H:MM:SS``, hours may pass 24) as seconds; NaN when empty."""
    text = values.astype("string").str.strip()
    parts = text.str.extract(r"^(\d+):(\d{1,2}):(\d{1,2})$")
    nums = parts.apply(pd.to_numeric).to_numpy(dtype=float)
    bad = text.notna().to_numpy() & (text != "").fillna(False).to_numpy() & np.isnan(nums[:, 0])
    if bad.any():
        raise DataFileError(
            f"GTFS times must read HH:MM:SS, got e.g. {listing(text[bad].head(3), quote=True)}"
        )
    return nums[:, 0] * 3600 + nums[:, 1] * 60 + nums[:, 2]


def graph_from_gtfs(
    feed: str | Path | Any,
    *,
    date: str | None = None,
    start: str = "07:00:00",
    end: str = "09:00:00",
) -> nx.MultiDiGraph:
    r"""A transit graph from a GTFS feed, in the format of :func:`~corridor_geo.metro.metro_graph`.

    Read with `gtfs-kit <https://pypi.org/project/gtfs-kit/>`_ (``pip install
    "corridor-geo[transit]"``), the maintained pandas reader of GTFS: it reads zipped or
    unzipped feeds into DataFrames, knows every optional table (``frequencies.txt``
    included) and calendars, and needs nothing beyond pandas and geopandas.  The graph
    then goes to :func:`multimodal_graph` as ``transit=``.

    * **Stations**: stops grouped by ``parent_station`` (a station's platforms are one
      station); coordinates of the parent station, else of the stop.
    * **Running times**: for every trip in service, from each stop's departure to the
      next stop's departure (running plus the dwell there, the convention of the bundled
      metro data and of urbanaccess: a rider through a stop is charged its dwell, one
      who alights there is too); each route's link in each direction gets the median over
      its trips.
    * **Headways**: departures per direction of each route in ``[start, end)`` (the
      first stop's departure of every trip, and every departure that
      ``frequencies.txt`` generates), averaged over the route's directions;
      ``headway_min`` = window length / departures.  A route with no departure in the
      window is left out, and the log names it.

    Parameters
    ----------
    feed : path or gtfs_kit.Feed
        A GTFS zip file or folder, or a feed already read with ``gtfs_kit.read_feed``.
    date : str, optional
        ``YYYYMMDD``: only trips running that day (calendar and calendar_dates);
        every trip when omitted.
    start, end : str
        The time window of the headways, ``HH:MM:SS`` (default 07:00 to 09:00, the
        morning peak).

    Returns
    -------
    networkx.MultiDiGraph
        Nodes keyed by station id with ``x``/``y`` (WGS84), ``name``, ``lines``;
        edges per route and direction with ``travel_time`` (s), ``length`` (geodesic,
        m), ``route_id``, ``line`` (``route_short_name``), ``line_name``, ``colour``,
        ``direction_id``, ``trains_per_hour``, ``headway_min`` and ``mode``.
        ``G.graph`` holds ``crs`` (``"EPSG:4326"``), ``name``, ``source`` and
        ``attribution`` (the agencies), and the window.

    Raises
    ------
    DataFileError
        If the feed lacks a required table or has unreadable times.
    InputError
        If no trip runs on ``date`` or no route has a departure in the window.

    Examples
    --------
    A feed of one line, two stations four minutes apart, two departures an hour:

    >>> import tempfile, pathlib
    >>> feed = pathlib.Path(tempfile.mkdtemp())
    >>> tables = {
    ...     "agency": "agency_name,agency_url,agency_timezone\nToy,http://example.org,Asia/Shanghai",
    ...     "stops": "stop_id,stop_name,stop_lat,stop_lon\nA,A,36.10,120.40\nB,B,36.12,120.42",
    ...     "routes": "route_id,route_short_name,route_type\nR,1,1",
    ...     "trips": "route_id,service_id,trip_id\nR,S,t1\nR,S,t2",
    ...     "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    ...     "t1,07:00:00,07:00:00,A,1\nt1,07:04:00,07:04:00,B,2\n"
    ...     "t2,07:30:00,07:30:00,A,1\nt2,07:34:00,07:34:00,B,2",
    ... }
    >>> for name, text in tables.items():
    ...     _ = (feed / f"{name}.txt").write_text(text + "\n")
    >>> G = graph_from_gtfs(feed, start="07:00:00", end="08:00:00")
    >>> [(u, v, d["travel_time"], d["headway_min"]) for u, v, d in G.edges(data=True)]
    [('A', 'B', 240.0, 30.0)]
    """
    gk = _gtfs_kit()
    if isinstance(feed, (str, Path)):
        path = Path(feed)
        if not path.exists():
            raise InputError(f"no GTFS feed at {path}")
        feed_obj = gk.read_feed(path, dist_units="km")
        source = path.name
    else:
        feed_obj = feed
        source = "a GTFS feed"
    for table in ("stops", "routes", "trips", "stop_times"):
        if getattr(feed_obj, table, None) is None or len(getattr(feed_obj, table)) == 0:
            raise DataFileError(f"the GTFS feed {source} has no {table}.txt (or it is empty)")
    t0 = _seconds(pd.Series([start]))[0]
    t1 = _seconds(pd.Series([end]))[0]
    if not (np.isfinite(t0) and np.isfinite(t1) and t1 > t0):
        raise InputError(f"start and end must be HH:MM:SS with end after start, got {start}-{end}")

    trips = feed_obj.trips.copy()
    if date is not None:
        active = feed_obj.get_trips(date=str(date))
        trips = trips[trips["trip_id"].isin(active["trip_id"])]
        if trips.empty:
            raise InputError(f"no trip of the GTFS feed {source} runs on {date}")
    if "direction_id" not in trips.columns:
        trips["direction_id"] = 0
    trips["direction_id"] = pd.to_numeric(trips["direction_id"], errors="coerce").fillna(0)

    stops = feed_obj.stops.copy()
    parent = stops.get("parent_station")
    if parent is None:
        parent = pd.Series(np.nan, index=stops.index)
    parent = parent.astype("string").str.strip().replace("", pd.NA)
    stops["station"] = parent.fillna(stops["stop_id"].astype("string"))
    coords = stops.set_index(stops["stop_id"].astype("string"))[
        ["stop_lon", "stop_lat", "stop_name"]
    ]
    station_of = dict(zip(stops["stop_id"].astype("string"), stops["station"]))

    st = feed_obj.stop_times.merge(trips[["trip_id", "route_id", "direction_id"]], on="trip_id")
    st = st.sort_values(["trip_id", "stop_sequence"], kind="stable")
    st["arr"] = _seconds(st["arrival_time"])
    st["dep"] = _seconds(st["departure_time"])
    st["arr"] = st["arr"].fillna(st["dep"])
    st["dep"] = st["dep"].fillna(st["arr"])
    st["station"] = st["stop_id"].astype("string").map(station_of)
    if st["station"].isna().any():
        bad = st.loc[st["station"].isna(), "stop_id"].head(3).tolist()
        raise DataFileError(
            f"stop_times refer to stops that are not in stops.txt: {listing(bad, quote=True)}"
        )
    nxt = st.groupby("trip_id", sort=False).shift(-1)
    links = pd.DataFrame(
        {
            "route_id": st["route_id"].astype(str),
            "direction_id": st["direction_id"].astype(int),
            "u": st["station"],
            "v": nxt["station"],
            "time": nxt["dep"] - st["dep"],
        }
    ).dropna(subset=["v", "time"])
    links = links[links["u"] != links["v"]]
    if (links["time"] < 0).any():
        raise DataFileError(f"the GTFS feed {source} has stop times that go back in time")
    links = (
        links.groupby(["route_id", "direction_id", "u", "v"], sort=False)["time"]
        .median()
        .reset_index()
    )

    # Departures in the window, per route and direction.
    first = st.groupby("trip_id", sort=False).first()
    deps = []
    freq = getattr(feed_obj, "frequencies", None)
    freq_trips: set[str] = set()
    if freq is not None and len(freq):
        freq = freq.merge(trips[["trip_id", "route_id", "direction_id"]], on="trip_id")
        freq_trips = set(freq["trip_id"])
        fs, fe = _seconds(freq["start_time"]), _seconds(freq["end_time"])
        # A frequency-based trip's own times are a template: it departs at start_time,
        # then every headway_secs until end_time.
        for (rid, did, h), a, b in zip(
            freq[["route_id", "direction_id", "headway_secs"]].itertuples(index=False), fs, fe
        ):
            times = np.arange(a, b, float(h))
            deps.append((str(rid), int(did), int(((times >= t0) & (times < t1)).sum())))
    plain = first[~first.index.isin(freq_trips)]
    for (rid, did), grp in plain.groupby(["route_id", "direction_id"]):
        deps.append((str(rid), int(did), int(((grp["dep"] >= t0) & (grp["dep"] < t1)).sum())))
    dep = pd.DataFrame(deps, columns=["route_id", "direction_id", "n"])
    per_dir = dep.groupby(["route_id", "direction_id"])["n"].sum()
    per_route = per_dir.groupby(level=0).mean()
    hours = (t1 - t0) / 3600.0
    served = per_route[per_route > 0]
    dropped = sorted(set(links["route_id"]) - set(served.index))
    if dropped:
        log.info(
            "GTFS routes with no departure between %s and %s left out: %s", start, end, dropped
        )
    links = links[links["route_id"].isin(served.index)]
    if links.empty:
        raise InputError(f"no route of the GTFS feed {source} departs between {start} and {end}")

    routes = feed_obj.routes.copy()
    routes["route_id"] = routes["route_id"].astype(str)
    routes = routes.set_index("route_id")
    G = nx.MultiDiGraph()
    agencies = getattr(feed_obj, "agency", None)
    credit = (
        ", ".join(agencies["agency_name"].astype(str))
        if agencies is not None and len(agencies)
        else "unknown agency"
    )
    G.graph.update(
        {
            "crs": "EPSG:4326",
            "name": f"GTFS {source}",
            "source": f"GTFS feed {source}",
            "attribution": f"Transit data: {credit} (GTFS feed {source})",
            "window": f"{start}-{end}",
            "date": date or "all trips",
        }
    )
    used = set(links["u"]) | set(links["v"])
    lines_at: dict[str, list[str]] = {}
    for rid, u, v in links[["route_id", "u", "v"]].itertuples(index=False):
        line = _route_name(routes, rid)[0]
        for s in (u, v):
            if line not in lines_at.setdefault(s, []):
                lines_at[s].append(line)
    for s in sorted(used):
        lon, lat, name = (
            coords.loc[s, ["stop_lon", "stop_lat", "stop_name"]]
            if s in coords.index
            else (np.nan, np.nan, s)
        )
        if not (np.isfinite(float(lon)) and np.isfinite(float(lat))):
            raise DataFileError(f"station {s!r} of the GTFS feed {source} has no coordinates")
        G.add_node(s, x=float(lon), y=float(lat), name=str(name), lines="|".join(lines_at[s]))
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    for row in links.itertuples(index=False):
        a, b = G.nodes[row.u], G.nodes[row.v]
        _, _, dist = geod.inv(a["x"], a["y"], b["x"], b["y"])
        line, name, colour = _route_name(routes, row.route_id)
        tph = float(served[row.route_id]) / float(hours)
        G.add_edge(
            row.u,
            row.v,
            travel_time=float(row.time),
            length=float(dist),
            route_id=row.route_id,
            line=line,
            line_name=name,
            colour=colour,
            direction_id=int(row.direction_id),
            trains_per_hour=tph,
            headway_min=60.0 / tph,
            mode="transit",
        )
    return G


def _text(value: Any) -> str:
    """A GTFS text field, "" when empty or missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _route_name(routes: pd.DataFrame, rid: str) -> tuple[str, str, str]:
    if rid not in routes.index:
        return rid, rid, ""
    row = routes.loc[rid]
    short = _text(row.get("route_short_name")) or rid
    long = _text(row.get("route_long_name")) or short
    colour = _text(row.get("route_color"))
    return short, long, f"#{colour}" if colour else ""
