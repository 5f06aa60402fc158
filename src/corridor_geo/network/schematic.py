"""The schematic default network of the corridor, and the sea around Qingdao."""

from __future__ import annotations

import logging
import math
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
import shapely.ops
from pyproj import Transformer

from .._cache import cached
from .._errors import InputError
from .._version import __version__
from ..crs import ANALYSIS_CRS, WGS84, to_crs
from .components import component_summary

log = logging.getLogger(__name__)


def sea_metric(layout: Any, *, margin_m: float = 20_000.0) -> Any:
    """The sea of :func:`sea_from_layout` as one EPSG:4549 geometry, cached per layout."""
    if not (np.isfinite(margin_m) and margin_m > 0):
        raise InputError(f"margin_m must be a positive distance in metres, got {margin_m!r}")

    def build() -> Any:
        if hasattr(layout, "layers"):
            land = layout.union("city")
        else:
            city = layout.layers["city"] if hasattr(layout, "layers") else layout
            land = shapely.union_all(to_crs(city, ANALYSIS_CRS).geometry.values)
        box = shapely.box(*land.buffer(margin_m).bounds)
        return shapely.difference(box, land)

    if hasattr(layout, "layers"):
        return cached(layout, ("sea", float(margin_m)), build)
    return build()


def sea_from_layout(layout: Any, *, margin_m: float = 20_000.0) -> gpd.GeoDataFrame:
    """The sea around Qingdao: a box around the city minus its land polygon.

    The layout's ``city`` layer is Qingdao's land boundary (coastline included), so
    everything outside it within ``margin_m`` of the city is water - the Yellow Sea
    and Jiaozhou Bay - or a neighbouring municipality (harmless as a barrier: no road
    leads there within the corridor).  Use it as ``barriers`` of
    :func:`nearest_nodes` so that no point is snapped across a bay.  Computed once per
    layout (the analyses use the EPSG:4549 geometry directly).

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> sea = sea_from_layout(load_layout())
    >>> sea.crs.to_epsg(), sea.geometry.iloc[0].geom_type in ("Polygon", "MultiPolygon")
    (4326, True)
    """
    sea = sea_metric(layout, margin_m=margin_m)
    out = gpd.GeoDataFrame(
        {"name": ["sea and land outside Qingdao"], "source": ["layout city layer"]},
        geometry=[sea],
        crs=ANALYSIS_CRS,
    )
    return to_crs(out, WGS84)


# --------------------------------------------------------------------------------------
# The schematic default network
# --------------------------------------------------------------------------------------
SCHEMATIC_NOTE = (
    "schematic: Binhai Avenue as an arterial through the layout's axis with junctions "
    "every junction_m, plus a regular lattice of local streets clipped to the corridor. "
    "Not a survey of real roads: travel times on it are indicative only. Load a real "
    "OpenStreetMap extract with corridor_geo.network.graph_from_osm for real answers."
)


def schematic_network(
    layout: Any,
    *,
    grid_m: float = 500.0,
    junction_m: float = 1000.0,
    arterial_kph: float = 60.0,
    local_kph: float = 30.0,
) -> nx.MultiDiGraph:
    """The embedded default road network: indicative, schematic, always available.

    Built in EPSG:4549 from the layout alone:

    * **Binhai Avenue** (滨海大道): the axis, cut into arterial edges between junctions
      every ``junction_m`` along it (and at both ends), both directions, at
      ``arterial_kph`` (default 60 km/h, the upper design speed of an arterial in
      CJJ 37-2012);
    * a **lattice of local streets** every ``grid_m`` (a square grid aligned to the
      CRS axes), keeping the street segments that lie inside the corridor polygon,
      both directions, at ``local_kph`` (default 30 km/h);
    * **connectors** from each junction to the nearest lattice node on each side of
      the avenue within ``grid_m``, at ``local_kph``.

    Every edge carries ``schematic=True`` and ``source="schematic"``, and
    ``G.graph["status"] == "schematic"`` with a note.  Results on it are **indicative
    only**: real streets are neither straight nor regular, speeds vary, and the
    lattice ignores rivers, hills and gated areas.  Load a real OpenStreetMap extract
    with :func:`graph_from_osm` for real answers.

    Parameters
    ----------
    layout : CorridorLayout
        Gives the axis and the corridor polygon.
    grid_m, junction_m : float
        Lattice spacing and junction spacing along the avenue, metres.
    arterial_kph, local_kph : float
        Stated speeds of the avenue and of local streets.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes keyed by integers with ``x``/``y`` (EPSG:4549 metres), ``lon``/``lat``
        and ``kind`` (``junction`` or ``lattice``; junctions also ``chainage_km``);
        edges with ``length``, ``speed_kph``, ``travel_time``, ``highway``
        (``trunk`` for the avenue, ``residential`` for the lattice, ``tertiary`` for
        connectors), ``name``, ``oneway`` False, ``reversed``, ``schematic`` True.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> G = schematic_network(load_layout())
    >>> G.graph["status"], G.graph["crs"]
    ('schematic', 'EPSG:4549')
    >>> all(d["schematic"] for _, _, d in G.edges(data=True))
    True
    """
    from ..axis import axis_line

    for name, value in (("grid_m", grid_m), ("junction_m", junction_m)):
        if not (value > 0 and math.isfinite(value)):
            raise InputError(f"{name} must be a positive distance in metres, got {value!r}")
    for name, value in (("arterial_kph", arterial_kph), ("local_kph", local_kph)):
        if not (value > 0 and math.isfinite(value)):
            raise InputError(f"{name} must be a positive speed in km/h, got {value!r}")
    if not (hasattr(layout, "layers") and "corridor" in layout.layers):
        raise InputError("schematic_network needs a CorridorLayout (corridor_geo.load_layout())")
    line = axis_line(layout)
    corridor = layout.union("corridor")
    shapely.prepare(corridor)
    inside_area = corridor.buffer(1.0)
    shapely.prepare(inside_area)

    G = nx.MultiDiGraph()
    G.graph.update(
        {
            "crs": "EPSG:4549",
            "created_with": f"corridor_geo {__version__}",
            "status": "schematic",
            "note": SCHEMATIC_NOTE,
            "grid_m": float(grid_m),
            "junction_m": float(junction_m),
            "arterial_kph": float(arterial_kph),
            "local_kph": float(local_kph),
            "simplified": True,
        }
    )
    to_wgs = Transformer.from_crs(ANALYSIS_CRS, WGS84, always_xy=True)

    def add_node(node: int, x: float, y: float, **attrs: Any) -> None:
        lon, lat = to_wgs.transform(x, y)
        G.add_node(node, x=float(x), y=float(y), lon=float(lon), lat=float(lat), **attrs)

    def add_both(u: int, v: int, length: float, speed: float, **attrs: Any) -> None:
        common = {
            "length": float(length),
            "speed_kph": float(speed),
            "speed_source": "schematic (stated)",
            "travel_time": float(length) / (speed / 3.6),
            "oneway": False,
            "schematic": True,
            "source": "schematic",
        }
        geom = attrs.pop("geometry", None)
        fwd = dict(common, **attrs, reversed=False)
        back = dict(common, **attrs, reversed=True)
        if geom is not None:
            fwd["geometry"] = geom
            back["geometry"] = geom.reverse()
        G.add_edge(u, v, **fwd)
        G.add_edge(v, u, **back)

    # The avenue.
    total = line.length
    marks = np.unique(np.append(np.arange(0.0, total, junction_m), total))
    if len(marks) >= 2 and marks[-1] - marks[-2] < 0.25 * junction_m:
        marks = np.delete(marks, -2)  # no stub junction just before the north end
    jpts = shapely.line_interpolate_point(line, marks)
    junctions = list(range(len(marks)))
    for j, (m, p) in enumerate(zip(marks, jpts)):
        add_node(j, p.x, p.y, kind="junction", chainage_km=float(m / 1000.0))
    for j in range(len(marks) - 1):
        piece = shapely.ops.substring(line, marks[j], marks[j + 1])
        attrs = {
            "highway": "trunk",
            "name": "滨海大道 Binhai Avenue (schematic)",
        }
        if len(piece.coords) > 2:
            attrs["geometry"] = piece
        add_both(j, j + 1, marks[j + 1] - marks[j], arterial_kph, **attrs)

    # The lattice.
    x0, y0, x1, y1 = corridor.bounds
    xs = np.arange(math.floor(x0 / grid_m) * grid_m, x1 + grid_m, grid_m)
    ys = np.arange(math.floor(y0 / grid_m) * grid_m, y1 + grid_m, grid_m)
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(inside_area, gx, gy)
    ids = np.full(gx.shape, -1, dtype=np.int64)
    ids[inside] = np.arange(inside.sum()) + len(junctions)
    for node, x, y in zip(ids[inside], gx[inside], gy[inside]):
        add_node(int(node), x, y, kind="lattice")
    pairs = []
    for (r0, c0), (r1, c1) in (((0, 0), (0, 1)), ((0, 0), (1, 0))):
        a = ids[r0 : ids.shape[0] - r1 + r0, c0 : ids.shape[1] - c1 + c0]
        b = ids[r1:, c1:]
        both = (a >= 0) & (b >= 0)
        pairs.append(np.column_stack([a[both], b[both]]))
    pairs_arr = np.concatenate(pairs)
    lattice_xy = {
        int(n): (float(x), float(y)) for n, x, y in zip(ids[inside], gx[inside], gy[inside])
    }
    segs = shapely.linestrings(
        np.array([[lattice_xy[int(u)], lattice_xy[int(v)]] for u, v in pairs_arr]).reshape(
            -1, 2, 2
        )
    )
    within = shapely.covered_by(segs, inside_area)
    for (u, v), ok in zip(pairs_arr, within):
        if ok:
            add_both(
                int(u),
                int(v),
                grid_m,
                local_kph,
                highway="residential",
                name="local street (schematic)",
            )

    # Connectors: nearest lattice node on each side of the avenue.
    if lattice_xy:
        from scipy.spatial import cKDTree

        from .._linref import Segments

        lat_ids = np.array(list(lattice_xy))
        lat_xy = np.array([lattice_xy[int(n)] for n in lat_ids])
        tree = cKDTree(lat_xy)
        side = np.sign(Segments(line).project(lat_xy[:, 0], lat_xy[:, 1])["offset_m"])
        for j, p in zip(junctions, jpts):
            near = tree.query_ball_point([p.x, p.y], r=grid_m)
            for s in (-1.0, 1.0):
                cand = [i for i in near if side[i] == s]
                if not cand:
                    continue
                d = np.hypot(lat_xy[cand, 0] - p.x, lat_xy[cand, 1] - p.y)
                best = cand[int(np.argmin(d))]
                link = shapely.LineString([(p.x, p.y), tuple(lat_xy[best])])
                if not shapely.covered_by(link, inside_area):
                    continue
                add_both(
                    j,
                    int(lat_ids[best]),
                    max(float(d.min()), 1.0),
                    local_kph,
                    highway="tertiary",
                    name="connector (schematic)",
                )
    isolated = [n for n in G.nodes if G.degree(n) == 0]
    G.remove_nodes_from(isolated)
    summary = component_summary(G)
    G.graph["n_weak_components"] = summary["n_weak_components"]
    if summary["n_weak_components"] > 1:
        log.info(
            "schematic network: %d separate pieces (lattice cells of the corridor not "
            "joined to the avenue); points there are reported unreachable",
            summary["n_weak_components"] - 1,
        )
    return G
