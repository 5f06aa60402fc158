"""Road graphs from OpenStreetMap PBF/XML files, read with pyosmium."""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import Geod

from .._errors import GeometryError, InputError, MissingCRSError
from .._version import __version__
from ..crs import datum_of, to_datum
from . import components
from .speeds import DEFAULT_SPEEDS_KPH, NETWORK_TYPES, edge_speed

log = logging.getLogger(__name__)

_GEOD = Geod(ellps="WGS84")


# Which ways each network type keeps (after OSMnx's filters of the same name).
_NO_ROUTING = {"abandoned", "construction", "planned", "platform", "proposed", "raceway"}
_EXCLUDE = {
    "drive": _NO_ROUTING
    | {
        "bridleway",
        "bus_guideway",
        "corridor",
        "cycleway",
        "elevator",
        "escalator",
        "footway",
        "path",
        "pedestrian",
        "steps",
        "track",
        "busway",
        "bus_stop",
        "emergency_bay",
        "rest_area",
        "services",
        "via_ferrata",
    },
    "walk": _NO_ROUTING | {"bus_guideway", "motorway", "motorway_link", "busway"},
    "bike": _NO_ROUTING
    | {"bus_guideway", "corridor", "elevator", "escalator", "footway", "motorway"}
    | {"motorway_link", "steps", "busway"},
    "all": _NO_ROUTING,
}
_NO_ACCESS = {"no", "private"}
_DRIVE_SERVICE_EXCLUDED = {"parking", "parking_aisle", "driveway", "private", "emergency_access"}
_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_BACKWARD = {"-1", "reverse"}
_ONEWAY_NO = {"no", "false", "0", "reversible", "alternating"}
_KEPT_TAGS = ("highway", "name", "ref", "maxspeed", "lanes", "bridge", "tunnel", "junction")


# --------------------------------------------------------------------------------------
# Reading OSM files
# --------------------------------------------------------------------------------------
def _keeps(tags: Mapping[str, str], network_type: str) -> bool:
    hw = tags.get("highway")
    if hw is None or hw in _EXCLUDE[network_type]:
        return False
    if tags.get("area") == "yes":
        return False
    if network_type == "all":
        return True
    if tags.get("access") in _NO_ACCESS:
        return False
    if network_type == "drive":
        if tags.get("motor_vehicle") == "no" or tags.get("motorcar") == "no":
            return False
        if hw == "service" and tags.get("service") in _DRIVE_SERVICE_EXCLUDED:
            return False
    if network_type == "walk" and tags.get("foot") == "no":
        return False
    return not (network_type == "bike" and tags.get("bicycle") == "no")


def _direction(tags: Mapping[str, str], network_type: str) -> int:
    """+1 forward only, -1 backward only, 0 both ways."""
    if network_type == "walk":
        return 0
    oneway = tags.get("oneway", "").strip().lower()
    if oneway in _ONEWAY_FORWARD:
        return 1
    if oneway in _ONEWAY_BACKWARD:
        return -1
    if oneway in _ONEWAY_NO:
        return 0
    # Implied one-way (OSM wiki "Key:oneway"): roundabouts and motorways.
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway":
        return 1
    return 0


def _polygon_wgs84(polygon: Any) -> Any:
    if polygon is None:
        return None
    if isinstance(polygon, shapely.Geometry):
        raise MissingCRSError(
            "polygon is a bare shapely geometry without a CRS: pass a GeoDataFrame or "
            "GeoSeries, e.g. gpd.GeoSeries([poly], crs='EPSG:4326'), or layout.corridor"
        )
    if not isinstance(polygon, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise InputError(f"polygon must be a GeoDataFrame or GeoSeries, got {type(polygon)}")
    datum_of(polygon)  # MissingCRSError
    geom = shapely.union_all(to_datum(polygon, "WGS84").geometry.values)
    if geom.is_empty or shapely.get_dimensions(geom) != 2:
        raise GeometryError("polygon must hold polygons covering the area to keep")
    return geom


@dataclass
class _Ways:
    ids: list[int]
    tags: list[dict[str, str]]
    refs: list[np.ndarray]
    lon: list[np.ndarray]
    lat: list[np.ndarray]
    n_highway: int = 0
    n_missing: int = 0


def _read_ways(path: Path, network_type: str, progress: bool) -> _Ways:
    import osmium

    ways = _Ways([], [], [], [], [])
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        iterator: Iterable[Any] = fp
        if progress:
            from tqdm.auto import tqdm

            iterator = tqdm(fp, desc="reading ways", unit=" ways")
        for w in iterator:
            ways.n_highway += 1
            tags = {t.k: t.v for t in w.tags}
            if not _keeps(tags, network_type):
                continue
            n = len(w.nodes)
            refs = np.empty(n, dtype=np.int64)
            lon = np.full(n, np.nan)
            lat = np.full(n, np.nan)
            for i, nr in enumerate(w.nodes):
                refs[i] = nr.ref
                loc = nr.location
                if loc.valid():
                    lon[i] = loc.lon
                    lat[i] = loc.lat
            ways.ids.append(int(w.id))
            ways.tags.append({k: tags[k] for k in _KEPT_TAGS if k in tags} | {"_raw": tags})
            ways.refs.append(refs)
            ways.lon.append(lon)
            ways.lat.append(lat)
    except RuntimeError as exc:
        raise InputError(f"cannot read {str(path)!r} as an OSM file: {exc}") from exc
    return ways


def graph_from_osm(
    path: str | os.PathLike[str],
    *,
    network_type: str = "drive",
    polygon: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    largest_component: bool = False,
    simplify: bool = True,
    speeds: Mapping[str, float] | None = None,
    progress: bool = False,
) -> nx.MultiDiGraph:
    """Read the road network of an OpenStreetMap PBF or XML file (pyosmium).

    Parameters
    ----------
    path : path-like
        ``.osm.pbf``, ``.pbf``, ``.osm`` (XML), optionally compressed (``.osm.bz2``,
        ``.osm.gz``), e.g. an extract of Shandong from a mirror of OpenStreetMap.
    network_type : {"drive", "walk", "bike", "all"}
        Which ways to keep, as OSMnx defines the same names: ``drive`` keeps public
        roads for cars (no footways, tracks, private or parking-aisle service roads);
        ``walk`` everything walkable except motorways, every edge both ways; ``bike``
        everything cyclable; ``all`` every routable way.
    polygon : GeoDataFrame or GeoSeries, optional
        Keep only the network inside these polygons (any CRS, e.g. ``layout.corridor``
        buffered).  Ways are cut where they leave it.
    largest_component : bool
        Keep only the largest strongly connected component (every node can reach
        every other).  Otherwise the components are counted in the log and in
        :func:`component_summary`.
    simplify : bool
        Keep only junctions and dead ends as nodes (the intermediate vertices become
        the edge's ``geometry``), as OSMnx does.  ``False`` keeps every OSM node.
    speeds : mapping, optional
        Default speed (km/h) by ``highway`` class, overriding
        :data:`DEFAULT_SPEEDS_KPH` (used where ``maxspeed`` is absent).
    progress : bool
        Show a progress bar while reading.

    Returns
    -------
    networkx.MultiDiGraph
        OSMnx convention, ``G.graph["crs"] == "EPSG:4326"``; nodes keyed by OSM node
        id with ``x`` (longitude), ``y`` (latitude) and ``street_count``; edges with
        ``osmid`` (way id), ``highway``, ``name``, ``maxspeed``, ``oneway``,
        ``reversed``, ``length`` (geodesic, m), ``speed_kph``, ``speed_source``,
        ``travel_time`` (s) and ``geometry`` where the way bends.  ``G.graph`` also
        records ``osm_ways`` (ways kept), ``osm_missing_nodes`` (node references
        missing from the file, where ways are cut) and the ``network_type``.

    Raises
    ------
    InputError
        If the file does not exist, cannot be read, or holds no road of the network
        type.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> xml = '''<osm version="0.6">
    ...  <node id="1" lat="36.10" lon="120.40"/><node id="2" lat="36.10" lon="120.41"/>
    ...  <node id="3" lat="36.11" lon="120.41"/>
    ...  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    ...   <tag k="highway" v="primary"/><tag k="oneway" v="yes"/></way>
    ... </osm>'''
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.osm"
    >>> _ = path.write_text(xml)
    >>> G = graph_from_osm(path)
    >>> sorted(G.edges()), round(G.edges[1, 3, 0]["length"])
    ([(1, 3)], 2010)
    """
    if network_type not in NETWORK_TYPES:
        raise InputError(f"network_type must be one of {NETWORK_TYPES}, got {network_type!r}")
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such OSM file: {str(path)!r}")
    table = dict(DEFAULT_SPEEDS_KPH)
    table.update(speeds or {})
    clip = _polygon_wgs84(polygon)
    ways = _read_ways(path, network_type, progress)
    if not ways.ids:
        raise InputError(
            f"{path.name}: no roads of network type {network_type!r} in the file "
            f"({ways.n_highway} ways with a highway tag, none usable); is it the right "
            "extract, or did you mean network_type='all'?"
        )

    # Split each way into runs of usable nodes (located, and inside the polygon).
    runs: list[tuple[int, np.ndarray]] = []  # (way index, positions in the way)
    n_missing = 0
    n_outside = 0
    for wi, (lon, lat) in enumerate(zip(ways.lon, ways.lat)):
        ok = np.isfinite(lon)
        n_missing += int((~ok).sum())
        if clip is not None:
            inside = np.zeros(len(lon), dtype=bool)
            inside[ok] = shapely.contains_xy(clip, lon[ok], lat[ok])
            n_outside += int((ok & ~inside).sum())
            ok = inside
        if ok.all():
            runs.append((wi, np.arange(len(lon))))
            continue
        idx = np.flatnonzero(ok)
        if len(idx) == 0:
            continue
        breaks = np.flatnonzero(np.diff(idx) != 1) + 1
        for piece in np.split(idx, breaks):
            runs.append((wi, piece))
    runs = [(wi, p) for wi, p in runs if len(p) >= 2]
    if not runs:
        where = " inside the polygon" if clip is not None else ""
        raise InputError(
            f"{path.name}: the {len(ways.ids)} roads of network type {network_type!r} "
            f"have no usable stretch{where} (missing node locations: {n_missing})"
        )
    if n_missing:
        log.warning(
            "%s: %d node references of kept ways are missing from the file (ways cut at "
            "the extract's edge); the roads are split there",
            path.name,
            n_missing,
        )

    all_refs = np.concatenate([ways.refs[wi][p] for wi, p in runs])
    all_lon = np.concatenate([ways.lon[wi][p] for wi, p in runs])
    all_lat = np.concatenate([ways.lat[wi][p] for wi, p in runs])
    run_len = np.array([len(p) for _, p in runs])
    run_start = np.concatenate([[0], np.cumsum(run_len)[:-1]])
    # Nodes kept: run ends, nodes used more than once (junctions, loops), or all.
    uniq, inverse, counts = np.unique(all_refs, return_inverse=True, return_counts=True)
    is_end = np.zeros(len(all_refs), dtype=bool)
    is_end[run_start] = True
    is_end[run_start + run_len - 1] = True
    if simplify:
        kept_node = np.zeros(len(uniq), dtype=bool)
        kept_node[counts > 1] = True
        kept_node[inverse[is_end]] = True
    else:
        kept_node = np.ones(len(uniq), dtype=bool)
    kept_pos = kept_node[inverse]
    # Geodesic length of every consecutive pair (pairs across runs are ignored).
    _, _, seg = _GEOD.inv(all_lon[:-1], all_lat[:-1], all_lon[1:], all_lat[1:])
    seg = np.append(np.asarray(seg, dtype=float), 0.0)
    cum = np.concatenate([[0.0], np.cumsum(seg)])

    G = nx.MultiDiGraph()
    G.graph.update(
        {
            "crs": "EPSG:4326",
            "created_with": f"corridor_geo {__version__}",
            "simplified": bool(simplify),
            "network_type": network_type,
            "source": f"OpenStreetMap file {path.name} (ODbL, (c) OpenStreetMap contributors)",
            "osm_ways": len({wi for wi, _ in runs}),
            "osm_missing_nodes": int(n_missing),
            "osm_nodes_outside_polygon": int(n_outside),
        }
    )
    # Nodes: location of the first occurrence.
    first = np.full(len(uniq), -1)
    first[inverse[::-1]] = np.arange(len(all_refs))[::-1]
    for node_i in np.flatnonzero(kept_node):
        j = first[node_i]
        G.add_node(int(uniq[node_i]), x=float(all_lon[j]), y=float(all_lat[j]))

    street_ends: list[int] = []
    for (wi, _), start, n in zip(runs, run_start, run_len):
        tags = ways.tags[wi]
        direction = _direction(tags["_raw"], network_type)
        base = {k: v for k, v in tags.items() if k != "_raw"}
        base["osmid"] = ways.ids[wi]
        pos = start + np.flatnonzero(kept_pos[start : start + n])
        for a, b in itertools.pairwise(pos):
            u, v = int(all_refs[a]), int(all_refs[b])
            data = dict(base)
            data["length"] = float(cum[b] - cum[a])
            if b - a > 1:
                data["geometry"] = shapely.LineString(
                    np.column_stack([all_lon[a : b + 1], all_lat[a : b + 1]])
                )
            speed, source = edge_speed(data, network_type, table)
            data["speed_kph"] = speed
            data["speed_source"] = source
            data["travel_time"] = data["length"] / (speed / 3.6)
            street_ends += [u, v]
            if direction >= 0:
                G.add_edge(u, v, **data, oneway=direction != 0, reversed=False)
            if direction <= 0:
                back = dict(data)
                if "geometry" in back:
                    back["geometry"] = back["geometry"].reverse()
                G.add_edge(v, u, **back, oneway=direction != 0, reversed=direction == 0)
    ends = pd.Series(street_ends).value_counts()
    nx.set_node_attributes(G, {int(k): int(c) for k, c in ends.items()}, "street_count")
    summary = components.component_summary(G)
    log.info(
        "%s: %d nodes, %d edges, %d strongly connected components (largest %.1f%% of nodes)",
        path.name,
        G.number_of_nodes(),
        G.number_of_edges(),
        summary["n_strong_components"],
        100 * summary["largest_strong_share"],
    )
    if largest_component:
        G = components.largest_component(G)
    return G
