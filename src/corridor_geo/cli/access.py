"""``corridor-geo access``: travel time to Binhai Avenue and to the nearest facility."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .._errors import CorridorGeoError, InputError

ORDER = 30

log = logging.getLogger(__name__)

_LON = ("lon", "lng", "long", "longitude", "x", "经度")
_LAT = ("lat", "latitude", "y", "纬度")
_NAME = ("name", "name_zh", "名称", "site_zh", "title")
_TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xls"}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from ._online import add_network_arguments

    p = sub.add_parser(
        "access",
        help="travel time from resources to Binhai Avenue and to the nearest facility",
        description="Network travel time from each resource to the nearest access node of "
        "Binhai Avenue (with that node's chainage) and to the nearest facility, on an "
        "OpenStreetMap extract, an OSMnx GraphML file, OpenStreetMap fetched through OSMnx "
        "(--network osm), or the built-in schematic network (indicative only). Writes "
        "OUT/access.csv and, with --isochrones, OUT/isochrones.gpkg around the facilities. "
        "Exit code 1 when some resources cannot be routed (they are in the table, with the "
        "reason).",
        epilog="examples:\n"
        "  corridor-geo access --resources labs.csv --datum GCJ02 --out out\n"
        "  corridor-geo access --resources labs.gpkg --osm shandong.osm.pbf "
        "--facilities metro.csv --facilities-datum GCJ02 --out out --isochrones 5,10,15\n"
        "  corridor-geo access --resources geocoded/geocoded.csv --network osm --out out",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--resources",
        required=True,
        help="CSV/XLSX with lon/lat columns, or any vector file of points",
    )
    p.add_argument(
        "--datum",
        help="datum of the resources' coordinates: WGS84, CGCS2000, GCJ02 (Amap, Tencent) or "
        "BD09 (Baidu); needed for tables without a 'datum' column",
    )
    p.add_argument("--lon", help="longitude column (found by common names otherwise)")
    p.add_argument("--lat", help="latitude column (found by common names otherwise)")
    net = p.add_mutually_exclusive_group()
    net.add_argument("--osm", help="OpenStreetMap file (.osm.pbf, .osm) to build the network from")
    net.add_argument("--graphml", help="road graph saved by OSMnx (save_graphml) or corridor_geo")
    add_network_arguments(p, net)
    p.add_argument(
        "--network-type",
        choices=["drive", "walk", "bike", "all"],
        default="drive",
        help="ways kept from --osm or fetched by --network osm (default drive)",
    )
    p.add_argument(
        "--largest-component",
        action="store_true",
        help="keep only the largest strongly connected component of the network",
    )
    p.add_argument(
        "--facilities",
        help="facility points (same formats as --resources); default: the anchors of the "
        "layout's ecosystem circles",
    )
    p.add_argument("--facilities-datum", help="datum of the facilities' coordinates")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument(
        "--isochrones",
        metavar="MINUTES",
        help="comma-separated bands, e.g. 5,10,15: write isochrones around the facilities",
    )
    p.add_argument(
        "--max-snap",
        type=float,
        default=500.0,
        metavar="METRES",
        help="largest distance from a point to the network (default 500 m)",
    )
    p.add_argument(
        "--crs",
        default="WGS84",
        help="CRS of isochrones.gpkg: WGS84 (default), CGCS2000, EPSG:4549 or GCJ02",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=run)
    return p


def _find(columns: list[str], given: str | None, names: tuple[str, ...], what: str) -> str:
    if given is not None:
        if given not in columns:
            raise InputError(f"no column {given!r} for {what}; the table has {columns}")
        return given
    lower = {str(c).strip().lower(): c for c in columns}
    for n in names:
        if n in lower:
            return lower[n]
    raise InputError(
        f"cannot find the {what} column (tried {', '.join(names)}); the table has "
        f"{columns}: name it with --lon/--lat"
    )


def read_points(
    path: str, *, datum: str | None, lon: str | None = None, lat: str | None = None
) -> tuple[pd.DataFrame, gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """Read points: (table of every row, valid points in WGS84, their row numbers, reasons).

    Rows whose coordinates are missing or not numbers are kept in the table with a
    reason and left out of the points.
    """
    from ..crs import DATUMS, normalize_datum, to_datum, transform_coords

    source = Path(path)
    if not source.is_file():
        raise InputError(f"no such file: {path!r}")
    if datum is not None:
        datum = normalize_datum(datum)
    if source.suffix.lower() in _TABLE_SUFFIXES:
        try:
            if source.suffix.lower() in (".xlsx", ".xls"):
                table = pd.read_excel(source)
            else:
                table = pd.read_csv(source, encoding="utf-8-sig")
        except (UnicodeDecodeError, ValueError):
            table = pd.read_csv(source, encoding="gb18030")
        cols = [str(c) for c in table.columns]
        table.columns = cols
        lon_col = _find(cols, lon, _LON, "longitude")
        lat_col = _find(cols, lat, _LAT, "latitude")
        x = pd.to_numeric(table[lon_col], errors="coerce").to_numpy(float)
        y = pd.to_numeric(table[lat_col], errors="coerce").to_numpy(float)
        ok = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
        reasons = np.where(ok, "", "invalid lon/lat").astype(object)
        if datum is None:
            if "datum" not in table.columns:
                raise InputError(
                    f"{source.name}: say which datum the coordinates are in with --datum "
                    "(WGS84, CGCS2000, GCJ02 for Amap/Tencent, BD09 for Baidu) or a 'datum' "
                    "column"
                )
            datums = table["datum"].astype(str).map(normalize_datum).to_numpy()
        else:
            datums = np.full(len(table), datum, dtype=object)
        wx, wy = x.copy(), y.copy()
        for d in set(datums[ok]):
            sel = ok & (datums == d)
            wx[sel], wy[sel] = transform_coords(x[sel], y[sel], source=d, target="WGS84")
        rows = np.flatnonzero(ok)
        points = gpd.GeoDataFrame(
            {"row": rows},
            geometry=gpd.points_from_xy(wx[rows], wy[rows]),
            crs=DATUMS["WGS84"],
            index=rows,
        )
        return table, points, rows, reasons
    try:
        frame = gpd.read_file(source)
    except Exception as exc:
        raise InputError(f"cannot read {path!r} as a table or vector file: {exc}") from exc
    if datum is not None:
        frame = frame.set_crs(DATUMS[datum], allow_override=True)
    if frame.crs is None:
        raise InputError(f"{source.name} has no CRS: declare it with --datum")
    geoms = frame.geometry
    ok = (geoms.notna() & ~geoms.is_empty & (geoms.geom_type == "Point")).to_numpy()
    reasons = np.where(ok, "", "not a point geometry").astype(object)
    rows = np.flatnonzero(ok)
    points = to_datum(
        gpd.GeoDataFrame({"row": rows}, geometry=geoms.values[rows], crs=frame.crs, index=rows),
        "WGS84",
    )
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return table, points, rows, reasons


def _label_column(table: pd.DataFrame) -> pd.Series:
    lower = {str(c).strip().lower(): c for c in table.columns}
    for n in _NAME:
        if n in lower:
            return table[lower[n]].astype(str)
    return pd.Series([f"facility {i}" for i in range(len(table))], index=table.index)


def _load_graph(args: argparse.Namespace, layout: Any) -> tuple[Any, str]:
    from .. import network

    if args.osm:
        G = network.graph_from_osm(
            args.osm, network_type=args.network_type, largest_component=args.largest_component
        )
        return G, f"OpenStreetMap file {Path(args.osm).name} ({args.network_type})"
    if args.graphml:
        G = network.graph_from_graphml(args.graphml)
        if args.largest_component:
            G = network.largest_component(G)
        return G, f"GraphML file {Path(args.graphml).name}"
    if args.network == "osm":
        from ._online import osm_graph

        G, source = osm_graph(args, layout, network_type=args.network_type)
        if args.largest_component:
            G = network.largest_component(G)
        return G, source
    G = network.schematic_network(layout)
    return G, (
        "the built-in schematic network (indicative only: Binhai Avenue at "
        f"{G.graph['arterial_kph']:g} km/h plus a {G.graph['grid_m']:g} m lattice of local "
        f"streets at {G.graph['local_kph']:g} km/h; load a real network with --osm or "
        "--network osm)"
    )


def run(args: argparse.Namespace) -> int:
    from .. import access, network
    from ..axis import chainage
    from ..io import write_table_atomic, write_vector_atomic
    from ..layout import load_layout

    layout = load_layout()
    if args.max_snap <= 0:
        raise CorridorGeoError("--max-snap must be a positive distance in metres")
    bands = None
    if args.isochrones:
        try:
            bands = [float(v) for v in args.isochrones.split(",") if v.strip()]
        except ValueError:
            raise CorridorGeoError(
                f"--isochrones takes minutes such as 5,10,15, got {args.isochrones!r}"
            ) from None
        if not bands or min(bands) <= 0:
            raise CorridorGeoError("--isochrones needs positive minutes, e.g. 5,10,15")

    table, points, rows, reasons = read_points(
        args.resources, datum=args.datum, lon=args.lon, lat=args.lat
    )
    if args.facilities:
        f_table, facilities, _, f_reasons = read_points(
            args.facilities, datum=args.facilities_datum
        )
        if (f_reasons != "").any():
            log.warning(
                "%d facilities have no usable point and are ignored", (f_reasons != "").sum()
            )
        f_names = _label_column(f_table).to_numpy()[facilities["row"].to_numpy()]
        f_source = Path(args.facilities).name
    else:
        circles = layout.circles
        facilities = gpd.GeoDataFrame(
            {"row": np.arange(len(circles))},
            geometry=gpd.points_from_xy(circles["anchor_lon"], circles["anchor_lat"]),
            crs=4326,
        )
        f_names = circles["site_zh"].to_numpy()
        f_source = "the anchors of the layout's ecosystem circles"
    if len(facilities) == 0:
        raise CorridorGeoError("no facility has a usable point")

    G, graph_source = _load_graph(args, layout)
    summary = network.component_summary(G)
    sea = network.sea_from_layout(layout)

    n = len(table)
    axis_time = np.full(n, np.nan)
    access_km = np.full(n, np.nan)
    fac_time = np.full(n, np.nan)
    nearest = np.full(n, None, dtype=object)
    snap = np.full(n, np.nan)
    chain_km = np.full(n, np.nan)
    offset = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    reason = reasons.copy()
    f_unsnapped = 0
    if len(points):
        lon[rows] = points.geometry.x.to_numpy()
        lat[rows] = points.geometry.y.to_numpy()
        ref = chainage(points, layout)
        chain_km[rows] = ref["chainage_km"].to_numpy()
        offset[rows] = ref["offset_m"].to_numpy()
        to_axis = access.time_to_axis(points, G, layout, max_distance=args.max_snap, barriers=sea)
        axis_time[rows] = to_axis["travel_time_min"].to_numpy()
        access_km[rows] = to_axis["access_chainage_km"].to_numpy()
        snap[rows] = to_axis["snap_distance_m"].to_numpy()
        reason[rows] = to_axis["reason"].to_numpy()
        wide = access.travel_time_matrix(
            points, facilities, G, output="wide", max_distance=args.max_snap, barriers=sea
        )
        f_unsnapped = int(wide.attrs["destinations_not_snapped"])
        matrix = wide.to_numpy()
        best = np.argmin(np.where(np.isfinite(matrix), matrix, np.inf), axis=1)
        best_t = matrix[np.arange(len(matrix)), best]
        fac_time[rows] = best_t
        nearest[rows] = np.where(np.isfinite(best_t), f_names[best], None)
        no_fac = np.isinf(best_t) & (to_axis["reason"].to_numpy() == "")
        reason[rows[no_fac]] = "no path to a facility (disconnected)"

    out = table.copy()
    out["lon_wgs84"] = lon
    out["lat_wgs84"] = lat
    out["chainage_km"] = chain_km
    out["offset_m"] = offset
    out["axis_time_min"] = axis_time
    out["access_chainage_km"] = access_km
    out["facility_time_min"] = fac_time
    out["nearest_facility"] = nearest
    out["snap_distance_m"] = snap
    out["reason"] = reason.astype(str)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [write_table_atomic(out, out_dir / "access.csv")]
    if bands is not None:
        iso = access.isochrones(
            facilities, G, minutes=bands, max_distance=args.max_snap, barriers=sea
        )
        name_of = dict(zip(facilities.index, f_names))
        iso.insert(1, "facility", [name_of[p] for p in iso["point"]])
        written.append(
            write_vector_atomic(iso, out_dir / "isochrones.gpkg", layer="isochrones", crs=args.crs)
        )

    routed = np.isfinite(axis_time) & np.isfinite(fac_time)
    n_bad = int((~routed).sum())
    if not args.quiet or n_bad:
        lines = [
            f"network: {graph_source}",
            f"  {summary['n_nodes']} nodes, {summary['n_edges']} edges, "
            f"{summary['n_strong_components']} strongly connected components "
            f"({summary['outside_largest_strong']} nodes outside the largest)",
            f"facilities: {len(facilities)} from {f_source}"
            + (
                f" ({f_unsnapped} farther than {args.max_snap:g} m from the network, ignored)"
                if f_unsnapped
                else ""
            ),
            f"resources: {n} rows, {n - n_bad} routed, {n_bad} of {n} not routed",
        ]
        for why, count in pd.Series(reason[~routed]).value_counts().items():
            lines.append(f"  {count} x {why}")
        if routed.any():
            lines.append(
                f"  median time to Binhai Avenue {np.median(axis_time[routed]):.1f} min, "
                f"to the nearest facility {np.median(fac_time[routed]):.1f} min"
            )
        if G.graph.get("status") == "schematic":
            lines.append("  note: times on the schematic network are indicative only")
        lines += [f"wrote {p}" for p in written]
        print("\n".join(lines))
    return 0 if n_bad == 0 else 1
