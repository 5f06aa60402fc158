"""``corridor-geo access``: travel time to Binhai Avenue and to the nearest facility.

``--mode road`` (the default) routes on a road graph; ``--mode transit`` on walking plus
the metro (:func:`corridor_geo.network.multimodal_graph`), and writes the share of each
city's area within the ``--minutes`` bands of the avenue
(:func:`corridor_geo.transit.transit_access_by_city`).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .._errors import CorridorGeoError
from .._text import counts_text
from . import _common as common

ORDER = 30

log = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from ._common import add_out_argument, positive_float
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
        "reason).\n\n"
        "--mode transit routes by metro and walking instead (the bundled Qingdao metro, or "
        "a GTFS feed with --gtfs; walking in straight lines x 1.3, on the schematic "
        "streets with --streets schematic, or on --osm/--graphml streets) and writes "
        "OUT/transit_by_city.csv: the share of each city's area (and of the resources) "
        "within each --minutes band of Binhai Avenue's metro stations (--target axis: of "
        "the avenue itself). --resources is optional in this mode.",
        epilog="examples:\n"
        "  corridor-geo access --resources labs.csv --datum GCJ02 --out out\n"
        "  corridor-geo access --resources labs.gpkg --osm shandong.osm.pbf "
        "--facilities metro.csv --facilities-datum GCJ02 --out out --isochrones 5,10,15\n"
        "  corridor-geo access --mode transit --minutes 20,30,40 --out out\n"
        "  corridor-geo access --mode transit --resources labs.csv --datum GCJ02 "
        "--gtfs qingdao_gtfs.zip --catchments 5,10,15 --out out\n"
        "  corridor-geo access --resources geocoded/geocoded.csv --network osm --out out",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--mode",
        choices=["road", "transit"],
        default="road",
        help="road network (default) or metro and walking",
    )
    common.add_resource_arguments(p, required=False, flag=True)
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
    add_out_argument(p)
    p.add_argument(
        "--isochrones",
        metavar="MINUTES",
        help="comma-separated bands, e.g. 5,10,15: write isochrones around the facilities",
    )
    p.add_argument(
        "--max-snap",
        type=positive_float,
        default=500.0,
        metavar="METRES",
        help="largest distance from a point to the network (default 500 m)",
    )
    p.add_argument(
        "--crs",
        default="WGS84",
        help="CRS of isochrones.gpkg: WGS84 (default), CGCS2000, EPSG:4549 or GCJ02",
    )
    t = p.add_argument_group("--mode transit")
    t.add_argument(
        "--minutes",
        default="15,30",
        help="bands of the city table, minutes, e.g. 20,30,40 (default 15,30)",
    )
    t.add_argument(
        "--target",
        choices=["stations", "axis"],
        default="stations",
        help="Binhai Avenue as its metro stations (default) or as the avenue itself",
    )
    t.add_argument(
        "--streets",
        choices=["straight", "schematic"],
        default="straight",
        help="walking in straight lines x 1.3 (default) or on the schematic streets; "
        "--osm, --graphml or --network osm give real streets",
    )
    t.add_argument("--gtfs", help="a GTFS feed (zip or folder) replacing the bundled metro")
    t.add_argument("--gtfs-date", metavar="YYYYMMDD", help="the day of the feed's services")
    t.add_argument(
        "--gtfs-window",
        default="07:00:00-09:00:00",
        metavar="HH:MM:SS-HH:MM:SS",
        help="time window of the feed's headways (default 07:00:00-09:00:00)",
    )
    t.add_argument(
        "--headway",
        action="append",
        metavar="LINE=MINUTES",
        help="a line's headway, e.g. 11=8 (repeatable; the data's otherwise)",
    )
    t.add_argument(
        "--station-min",
        type=float,
        default=2.0,
        help="minutes between street and platform, each way (default 2)",
    )
    t.add_argument(
        "--transfer-min",
        type=float,
        default=3.0,
        help="minutes to change lines, on top of the wait (default 3)",
    )
    t.add_argument(
        "--cell",
        type=positive_float,
        default=100.0,
        metavar="METRES",
        help="grid cell of the area shares (default 100 m)",
    )
    t.add_argument(
        "--catchments",
        metavar="MINUTES",
        help="comma-separated walking bands, e.g. 5,10,15: write every station's "
        "catchment to OUT/station_catchments.gpkg and their coverage of each city to "
        "OUT/catchment_coverage.csv",
    )
    common.add_layout_arguments(p)
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=run)
    return p


def _label_column(table: pd.DataFrame, name: str) -> pd.Series:
    if name in table.columns and table[name].notna().any():
        return table[name].fillna("").astype(str)
    return pd.Series([f"facility {i + 1}" for i in range(len(table))], index=table.index)


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


def _minutes(text: str, option: str = "--isochrones") -> list[float]:
    """``--isochrones 5,10,15`` as finite positive minutes, or one clear error."""
    try:
        bands = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise CorridorGeoError(f"{option} takes minutes such as 5,10,15, got {text!r}") from None
    if not bands or not all(np.isfinite(b) and b > 0 for b in bands):
        raise CorridorGeoError(
            f"{option} needs finite positive minutes, e.g. 5,10,15, got {text!r}"
        )
    return bands


def run(args: argparse.Namespace) -> int:
    from .. import access, network
    from .._outdir import check_target, output_folder
    from ..axis import chainage
    from ..io import write_table_atomic, write_vector_atomic
    from ..resources import read_points

    check_target(args.out, option="--out")
    if args.mode == "transit":
        return _run_transit(args)
    if not args.resources:
        raise CorridorGeoError("--resources is required (except with --mode transit)")
    layout = common.layout_from_args(args)
    if not (np.isfinite(args.max_snap) and args.max_snap > 0):
        raise CorridorGeoError("--max-snap must be a positive distance in metres")
    bands = _minutes(args.isochrones) if args.isochrones else None

    res = common.read(args, layout=layout, categories_required=False)
    points = res.accepted
    if args.facilities:
        fac = read_points(args.facilities, datum=args.facilities_datum, layout=layout)
        if len(fac.rejected):
            log.warning(
                "%d of %d facilities rejected and left out: %s",
                len(fac.rejected),
                fac.n_read,
                counts_text(fac.rejected[fac.column("reason")].value_counts().head(3)),
            )
        facilities = fac.accepted
        f_names = _label_column(facilities, fac.column("name")).to_numpy()
        f_source = Path(args.facilities).name
    else:
        circles = layout.circles
        facilities = gpd.GeoDataFrame(
            geometry=gpd.points_from_xy(circles["anchor_lon"], circles["anchor_lat"]), crs=4326
        )
        f_names = circles["site_zh"].to_numpy()
        f_source = "the anchors of the layout's ecosystem circles"
    if len(facilities) == 0:
        raise CorridorGeoError("no facility has a usable point")

    G, graph_source = _load_graph(args, layout)
    summary = network.component_summary(G)
    n = len(points)
    axis_time = np.full(n, np.nan)
    access_km = np.full(n, np.nan)
    fac_time = np.full(n, np.nan)
    nearest = np.full(n, None, dtype=object)
    snap = np.full(n, np.nan)
    chain_km = np.full(n, np.nan)
    offset = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    reason = np.full(n, "", dtype=object)
    rows = np.arange(n)
    f_unsnapped = 0
    if len(points):
        lon[rows] = points.geometry.x.to_numpy()
        lat[rows] = points.geometry.y.to_numpy()
        ref = chainage(res, layout=layout)
        chain_km[rows] = ref["chainage_km"].to_numpy()
        offset[rows] = ref["offset_m"].to_numpy()
        to_axis = access.time_to_axis(res, G, layout=layout, max_distance=args.max_snap)
        axis_time[rows] = to_axis["travel_time_min"].to_numpy()
        access_km[rows] = to_axis["access_chainage_km"].to_numpy()
        snap[rows] = to_axis["snap_distance_m"].to_numpy()
        reason[rows] = to_axis["reason"].to_numpy()
        wide = access.travel_time_matrix(
            res, facilities, G, output="wide", max_distance=args.max_snap, layout=layout
        )
        f_unsnapped = int(wide.attrs["destinations_not_snapped"])
        matrix = wide.to_numpy()
        best = np.argmin(np.where(np.isfinite(matrix), matrix, np.inf), axis=1)
        best_t = matrix[np.arange(len(matrix)), best]
        fac_time[rows] = best_t
        nearest[rows] = np.where(np.isfinite(best_t), f_names[best], None)
        no_fac = np.isinf(best_t) & (to_axis["reason"].to_numpy() == "")
        reason[rows[no_fac]] = "no path to a facility (disconnected)"

    out = pd.DataFrame(points.drop(columns=points.geometry.name))
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
    # Every row read is in the table: the rejected ones with the reader's reason.
    rejected = res.rejected.rename(columns={res.column("reason"): "reason"})
    rejected = rejected.drop(columns=[c for c in ("geometry",) if c in rejected.columns])
    source_row = res.column("source_row")
    out = pd.concat([out, rejected], ignore_index=True).sort_values(source_row, kind="stable")
    with output_folder(args.out, option="--out", command="access") as folder:
        written = [
            write_table_atomic(
                out, folder.path / "access.csv", neutralize_formulas=not args.keep_formulas
            )
        ]
        if bands is not None:
            iso = access.isochrones(
                facilities, G, cutoffs=bands, max_distance=args.max_snap, layout=layout
            )
            name_of = dict(zip(facilities.index, f_names))
            iso.insert(1, "facility", [name_of[p] for p in iso["point"]])
            written.append(
                write_vector_atomic(
                    iso, folder.path / "isochrones.gpkg", layer="isochrones", crs=args.crs
                )
            )
    written = [folder.published(p) for p in written]

    routed = np.isfinite(axis_time) & np.isfinite(fac_time)
    n_bad = int((~routed).sum()) + len(res.rejected)
    n = res.n_read
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
        whys = pd.concat(
            [pd.Series(reason[~routed]), res.rejected[res.column("reason")].astype(str)]
        )
        for why, count in whys.value_counts().items():
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


# --------------------------------------------------------------------------------------
# --mode transit
# --------------------------------------------------------------------------------------
def _transit_graph(args: argparse.Namespace, layout: Any) -> tuple[Any, str]:
    from .. import network

    transit = None
    source = "the bundled Qingdao metro (CC BY 4.0, Cheng, Verma and Cats, TU Delft)"
    if args.gtfs:
        if not Path(args.gtfs).exists():
            raise CorridorGeoError(f"no such GTFS feed: {args.gtfs!r}")
        start, sep, end = args.gtfs_window.partition("-")
        if not sep:
            raise CorridorGeoError(
                f"--gtfs-window takes HH:MM:SS-HH:MM:SS, got {args.gtfs_window!r}"
            )
        transit = network.graph_from_gtfs(args.gtfs, date=args.gtfs_date, start=start, end=end)
        source = f"GTFS feed {Path(args.gtfs).name} ({args.gtfs_window})"
    headways = {}
    for key, value in common.key_value_pairs(args.headway, "--headway").items():
        try:
            headways[key] = float(value)
        except ValueError:
            raise CorridorGeoError(
                f"--headway {key}={value!r}: minutes must be a number"
            ) from None
    if args.osm or args.graphml or args.network == "osm" or args.streets == "schematic":
        streets, street_source = _load_graph(args, layout)
    else:
        streets, street_source = None, "straight lines x 1.3 (no street graph)"
    G = network.multimodal_graph(
        streets,
        transit=transit,
        headways=headways or None,
        station_min=args.station_min,
        transfer_min=args.transfer_min,
    )
    return G, f"{source}; walking on {street_source}"


def _run_transit(args: argparse.Namespace) -> int:
    from .. import transit as tr
    from .._outdir import output_folder
    from ..io import write_table_atomic, write_vector_atomic

    layout = common.layout_from_args(args)
    if not (np.isfinite(args.max_snap) and args.max_snap > 0):
        raise CorridorGeoError("--max-snap must be a positive distance in metres")
    bands = _minutes(args.minutes, "--minutes")
    iso_bands = _minutes(args.isochrones) if args.isochrones else None
    catch_bands = _minutes(args.catchments, "--catchments") if args.catchments else None
    res = common.read(args, layout=layout, categories_required=False) if args.resources else None
    G, described = _transit_graph(args, layout)
    points = res.accepted if res is not None else None
    table = tr.transit_access_by_city(
        layout,
        cutoffs=bands,
        G=G,
        target=args.target,
        resources=points if points is not None and len(points) else None,
        cell_m=args.cell,
        max_distance=args.max_snap,
    )
    out = None
    n_bad = 0
    if res is not None:
        n = len(points)
        cols = {
            "axis_time_min": np.full(n, np.nan),
            "target": np.full(n, None, dtype=object),
            "target_chainage_km": np.full(n, np.nan),
            "walk_min": np.full(n, np.nan),
            "facility_time_min": np.full(n, np.nan),
            "nearest_facility": np.full(n, None, dtype=object),
            "reason": np.full(n, "", dtype=object),
        }
        if n:
            t = tr.transit_time_to_axis(
                res, G, layout=layout, target=args.target, max_distance=args.max_snap
            )
            for c in ("target", "target_chainage_km", "walk_min", "reason"):
                cols[c] = t[c].to_numpy()
            cols["axis_time_min"] = t["travel_time_min"].to_numpy()
            if args.facilities:
                from ..resources import read_points

                fac = read_points(args.facilities, datum=args.facilities_datum, layout=layout)
                names = _label_column(fac.accepted, fac.column("name")).to_numpy()
                wide = tr.transit_travel_time_matrix(
                    res,
                    fac.accepted,
                    G,
                    output="wide",
                    max_distance=args.max_snap,
                    layout=layout,
                ).to_numpy()
                best = np.argmin(np.where(np.isfinite(wide), wide, np.inf), axis=1)
                best_t = wide[np.arange(n), best]
                cols["facility_time_min"] = best_t
                cols["nearest_facility"] = np.where(np.isfinite(best_t), names[best], None)
        out = pd.DataFrame(points.drop(columns=points.geometry.name))
        if n:
            out["lon_wgs84"] = points.to_crs(4326).geometry.x.to_numpy()
            out["lat_wgs84"] = points.to_crs(4326).geometry.y.to_numpy()
        for c, v in cols.items():
            out[c] = v
        out["reason"] = out["reason"].astype(str)
        rejected = res.rejected.rename(columns={res.column("reason"): "reason"})
        rejected = rejected.drop(columns=[c for c in ("geometry",) if c in rejected.columns])
        out = pd.concat([out, rejected], ignore_index=True).sort_values(
            res.column("source_row"), kind="stable"
        )
        n_bad = int((~np.isfinite(cols["axis_time_min"])).sum()) + len(res.rejected)
    with output_folder(args.out, option="--out", command="access") as folder:
        keep = not args.keep_formulas
        written = [
            write_table_atomic(
                table, folder.path / "transit_by_city.csv", neutralize_formulas=keep
            )
        ]
        if out is not None:
            written.append(
                write_table_atomic(out, folder.path / "access.csv", neutralize_formulas=keep)
            )
        if iso_bands is not None:
            if args.facilities:
                from ..resources import read_points

                sites = read_points(
                    args.facilities, datum=args.facilities_datum, layout=layout
                ).accepted
            else:
                circles = layout.circles
                sites = gpd.GeoDataFrame(
                    {"name": circles["site_zh"].to_numpy()},
                    geometry=gpd.points_from_xy(circles["anchor_lon"], circles["anchor_lat"]),
                    crs=4326,
                )
            iso = tr.transit_isochrones(
                sites, G, cutoffs=iso_bands, max_distance=args.max_snap, layout=layout
            )
            written.append(
                write_vector_atomic(
                    iso, folder.path / "isochrones.gpkg", layer="isochrones", crs=args.crs
                )
            )
        if catch_bands is not None:
            catch = tr.station_catchments(G, cutoffs=catch_bands, layout=layout)
            written.append(
                write_vector_atomic(
                    catch,
                    folder.path / "station_catchments.gpkg",
                    layer="catchments",
                    crs=args.crs,
                )
            )
            cover = tr.catchment_coverage(
                G,
                layout.cities,
                cutoffs=catch_bands,
                cell_m=args.cell,
                max_distance=args.max_snap,
                layout=layout,
                resources=points if points is not None and len(points) else None,
            )
            written.append(
                write_table_atomic(
                    cover, folder.path / "catchment_coverage.csv", neutralize_formulas=keep
                )
            )
    written = [folder.published(p) for p in written]
    if not args.quiet or n_bad:
        lines = [
            f"network: {described}",
            f"  {table.attrs['network']}",
            f"  Binhai Avenue: {table.attrs['targets']}",
        ]
        lines.append("share of each city's area within reach of the avenue by metro and walking:")
        for city, part in table.groupby("city", sort=False):
            shares = ", ".join(
                f"{m:g} min {s:.0%}" for m, s in zip(part["minutes"], part["area_share"])
            )
            lines.append(f"  {city}: {shares}")
        summary = table.attrs["summary"]["cells"]
        if summary["not_routed"]:
            lines.append(
                f"  {summary['not_routed']} of {summary['rows']} cells not routed: "
                f"{summary['reasons']}"
            )
        if res is not None:
            n_all = res.n_read
            lines.append(
                f"resources: {n_all} rows, {n_all - n_bad} routed, {n_bad} of {n_all} not routed"
            )
            whys = out.loc[out["reason"].astype(str) != "", "reason"].astype(str)
            for why, count in whys.value_counts().items():
                lines.append(f"  {count} x {why}")
        lines += [f"wrote {p}" for p in written]
        print("\n".join(lines))
    return 0 if n_bad == 0 else 1
