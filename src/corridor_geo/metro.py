"""Qingdao's metro network: stations, lines and a routable graph, bundled and cited.

The whole network in operation on 2025-09-24 (8 lines in 9 routes, 177 stations, 376
directed links) from the East Asian metro dataset of Cheng, Verma and Cats (TU Delft),
licensed CC BY 4.0.  Three functions expose it in the conventions of OSMnx and geopandas:

* :func:`metro_stations`: stations as points (GeoDataFrame, WGS84);
* :func:`metro_lines`: routes as LineStrings through their stations, with name, colour,
  running time and service frequency;
* :func:`metro_graph`: a :class:`networkx.MultiDiGraph` in the OSMnx convention
  (``G.graph["crs"] == "EPSG:4326"``, node ``x``/``y`` = longitude/latitude, edge
  ``length`` in metres and ``travel_time`` in seconds), one edge per route and direction.

Provenance travels with every result: frames carry ``source`` and ``licence`` columns and
``attrs["attribution"]``; the graph carries ``G.graph["attribution"]``.  Show the
attribution wherever the data are shown (CC BY 4.0 asks for it).  The full record,
including the cross-check against an independent source, is in
``corridor_geo.datasets.get_path("metro/SOURCES.md")``.

What the numbers mean
---------------------
* ``travel_time``: in-vehicle seconds from departure at one station to departure at the
  next (running plus the dwell at the far end), read by the dataset's authors from the
  first- and last-train progressions Amap publishes, hence whole minutes.
* ``length``: geodesic distance between the two stations on the WGS 84 ellipsoid, a lower
  bound on the track length.
* ``trains_per_hour``: weekday departures per direction between 05:00 and 24:00 divided
  by 19 hours, from operator interval notices (``frequency_sources`` names them);
  ``headway_min`` = 60 / ``trains_per_hour``.  Half the headway is the expected wait of a
  passenger arriving at random, the convention of the source dataset.
* Interchange stations are one node shared by their lines: changing lines costs no time in
  the graph.  Add waiting (from ``headway_min``) and walking where a model needs them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import shapely

from . import datasets
from ._errors import DataFileError, InputError

__all__ = ["metro_graph", "metro_lines", "metro_stations"]

log = logging.getLogger(__name__)

_CRS = "EPSG:4326"


@dataclass(frozen=True)
class _Tables:
    stations: pd.DataFrame
    links: pd.DataFrame
    lines: pd.DataFrame
    meta: dict[str, Any]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    stations = pd.read_csv(
        datasets.get_path("metro/stations.csv"),
        dtype={"station_id": int, "lines": str, "route_ids": str},
        keep_default_na=False,
    )
    links = pd.read_csv(
        datasets.get_path("metro/links.csv"), dtype={"route_id": str}, keep_default_na=False
    )
    lines = pd.read_csv(
        datasets.get_path("metro/lines.csv"),
        dtype={"route_id": str, "line": str, "stations": str},
        keep_default_na=False,
    )
    meta = json.loads(datasets.get_path("metro/metadata.json").read_text(encoding="utf-8"))
    problems = []
    if len(stations) != meta["stations"] or len(links) != meta["links"]:
        problems.append(
            f"{len(stations)} stations and {len(links)} links where metadata.json records "
            f"{meta['stations']} and {meta['links']}"
        )
    known = set(stations["station_id"])
    if not (set(links["u"]) | set(links["v"])) <= known:
        problems.append("links refer to stations that are not in stations.csv")
    if not set(links["route_id"]) <= set(lines["route_id"]):
        problems.append("links refer to routes that are not in lines.csv")
    if problems:
        raise DataFileError(
            "the bundled metro data are inconsistent: "
            + "; ".join(problems)
            + ". Rebuild them with scripts/build_metro.py or reinstall corridor-geo."
        )
    return _Tables(stations, links, lines, meta)


def _provenance() -> dict[str, str]:
    meta = _tables().meta
    return {
        "attribution": meta["attribution"],
        "licence": meta["licence"],
        "licence_url": meta["licence_url"],
        "source": meta["source"],
        "reference_date": meta["reference_date"],
    }


def _route_ids(lines: str | int | Iterable[str | int] | None) -> list[str]:
    """Route ids of the requested lines (by line number, Chinese or English name)."""
    table = _tables().lines
    if lines is None:
        return table["route_id"].tolist()
    wanted = [lines] if isinstance(lines, (str, int)) else list(lines)
    chosen: list[str] = []
    for item in wanted:
        key = str(item).strip()
        hit = table[(table["line"] == key) | (table["name_zh"] == key) | (table["name_en"] == key)]
        if hit.empty:
            available = ", ".join(dict.fromkeys(table["line"]))
            raise InputError(
                f"no metro line {item!r} in Qingdao's network; give a line number "
                f"({available}) or a name such as '蓝谷快线'"
            )
        chosen.extend(r for r in hit["route_id"] if r not in chosen)
    return chosen


def metro_stations(*, lines: str | int | Iterable[str | int] | None = None) -> gpd.GeoDataFrame:
    """Qingdao's metro stations as points in WGS84.

    Parameters
    ----------
    lines : str, int or iterable of them, optional
        Keep only stations of these lines: line numbers (``"11"`` or ``11``) or names
        (``"蓝谷快线"``, ``"Line 3"``).  All stations by default.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per station, CRS EPSG:4326: ``station_id`` (the node key of
        :func:`metro_graph`), ``name_zh``, ``source_name`` (the name as the source gives
        it, with Amap's search decorations), ``lines`` (line numbers, ``"|"``-joined),
        ``line_names`` (Chinese names, ``"|"``-joined), ``route_ids``, ``lon``, ``lat``
        and the provenance columns ``datum``, ``accuracy_m``, ``source`` and ``licence``.
        ``attrs["attribution"]`` holds the credit line the licence asks for.  The source
        gives no English station names.

    Raises
    ------
    InputError
        If a requested line does not exist.

    Examples
    --------
    >>> stations = metro_stations()
    >>> len(stations), stations.crs.to_epsg()
    (177, 4326)
    >>> stations.loc[stations["name_zh"] == "青岛北站", "lines"].item()
    '1|3|8'
    >>> len(metro_stations(lines="蓝谷快线"))
    21
    >>> "CC BY 4.0" in stations.attrs["attribution"]
    True
    """
    tables = _tables()
    frame = tables.stations.copy()
    if lines is not None:
        routes = set(_route_ids(lines))
        keep = frame["route_ids"].str.split("|").map(lambda rs: bool(routes.intersection(rs)))
        frame = frame[keep].reset_index(drop=True)
    names = dict(zip(tables.lines["line"], tables.lines["name_zh"]))
    frame.insert(
        frame.columns.get_loc("route_ids"),
        "line_names",
        frame["lines"].map(lambda refs: "|".join(names[r] for r in refs.split("|"))),
    )
    out = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=_CRS
    )
    out.attrs.update(_provenance())
    return out


def metro_lines(*, lines: str | int | Iterable[str | int] | None = None) -> gpd.GeoDataFrame:
    """Qingdao's metro routes as LineStrings, with names, colours and frequencies.

    Line 8 appears as two routes (北段 胶州北站–青岛北站 and 南段 青岛北站–五四广场), as in
    the source; every other line is one route.

    Parameters
    ----------
    lines : str, int or iterable of them, optional
        Keep only these lines (numbers or names, as in :func:`metro_stations`).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per route, CRS EPSG:4326, geometry a straight-segment LineString through
        its stations in order: ``route_id``, ``line`` (number), ``name_zh``, ``name_en``,
        ``termini``, ``colour`` (hex), ``n_stations``, ``stations`` (station ids in order,
        ``"|"``-joined), ``length_m`` (geodesic, station to station, one direction),
        ``running_time_s`` (end to end, one direction, sum of the link times),
        ``trains_per_hour`` (weekday departures per direction, 05:00–24:00 average),
        ``headway_min`` (60 / ``trains_per_hour``), ``peak_headway_min`` and
        ``offpeak_headway_min`` (as published), ``frequency_basis``,
        ``frequency_sources`` (URLs), ``frequency_note`` and ``name_note`` (corrections
        and doubts), ``operator``, ``technology``, ``colour_source``, ``source`` and
        ``licence``; ``attrs["attribution"]`` as in :func:`metro_stations`.

    Raises
    ------
    InputError
        If a requested line does not exist.

    Examples
    --------
    >>> lines = metro_lines()
    >>> len(lines), sorted(set(lines["line"]), key=int)
    (9, ['1', '2', '3', '4', '6', '8', '11', '13'])
    >>> line11 = metro_lines(lines=11).iloc[0]
    >>> line11["name_zh"], float(line11["running_time_s"] / 60), float(line11["headway_min"])
    ('蓝谷快线', 57.0, 10.73)
    """
    tables = _tables()
    frame = tables.lines.copy()
    if lines is not None:
        frame = frame[frame["route_id"].isin(_route_ids(lines))].reset_index(drop=True)
    xy = tables.stations.set_index("station_id")[["lon", "lat"]]
    geoms = [
        shapely.LineString(xy.loc[[int(s) for s in seq.split("|")]].to_numpy())
        for seq in frame["stations"]
    ]
    out = gpd.GeoDataFrame(frame, geometry=geoms, crs=_CRS)
    out.attrs.update(_provenance())
    return out


def metro_graph(*, lines: str | int | Iterable[str | int] | None = None) -> nx.MultiDiGraph:
    """Qingdao's metro network as a routable graph in the OSMnx convention.

    Parameters
    ----------
    lines : str, int or iterable of them, optional
        Keep only these lines (numbers or names, as in :func:`metro_stations`); the
        graph then holds their stations only.

    Returns
    -------
    networkx.MultiDiGraph
        ``G.graph`` holds ``crs`` (``"EPSG:4326"``), ``name``, ``attribution``,
        ``licence``, ``licence_url``, ``source`` and ``reference_date``.  Nodes are keyed
        by ``station_id`` with ``x`` (longitude), ``y`` (latitude), ``name`` and
        ``lines``.  Every edge is one route in one direction, with ``length`` (geodesic,
        m), ``travel_time`` (s), ``route_id``, ``line``, ``line_name``, ``line_name_en``,
        ``colour``, ``direction_id`` (0 or 1, the source's), ``trains_per_hour``,
        ``headway_min`` and ``mode`` (``"metro"``).  Links two routes share become
        parallel edges, one per route.  Changing lines at an interchange costs no time.

    Raises
    ------
    InputError
        If a requested line does not exist.

    Examples
    --------
    >>> import networkx as nx
    >>> G = metro_graph()
    >>> G.graph["crs"], G.number_of_nodes(), G.number_of_edges()
    ('EPSG:4326', 177, 376)
    >>> stations = metro_stations().set_index("name_zh")["station_id"]
    >>> a, b = stations["苗岭路"], stations["钱谷山"]
    >>> nx.shortest_path_length(G, a, b, weight="travel_time") / 60  # Line 11, end to end
    57.0
    >>> metro_graph(lines=["1", "蓝谷快线"]).number_of_edges()
    120
    """
    tables = _tables()
    routes = _route_ids(lines)
    info = tables.lines.set_index("route_id").loc[routes]
    links = tables.links[tables.links["route_id"].isin(routes)]
    served = set(links["u"]) | set(links["v"])

    G = nx.MultiDiGraph()
    G.graph.update({"crs": _CRS, "name": "Qingdao metro"})
    G.graph.update(_provenance())
    for row in tables.stations.itertuples(index=False):
        if row.station_id in served:
            G.add_node(row.station_id, x=row.lon, y=row.lat, name=row.name_zh, lines=row.lines)
    for row in links.itertuples(index=False):
        line = info.loc[row.route_id]
        G.add_edge(
            row.u,
            row.v,
            length=float(row.length_m),
            travel_time=float(row.travel_time_s),
            route_id=row.route_id,
            line=line["line"],
            line_name=line["name_zh"],
            line_name_en=line["name_en"],
            colour=line["colour"],
            direction_id=int(row.direction_id),
            trains_per_hour=float(line["trains_per_hour"]),
            headway_min=float(line["headway_min"]),
            mode="metro",
        )
    log.debug("metro graph: %d stations, %d links", G.number_of_nodes(), G.number_of_edges())
    return G
