"""Online options shared by ``access`` and ``report``: ``--network osm`` and basemaps (private).

Nothing here imports OSMnx or touches the network until a command asks for it.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from .._errors import CorridorGeoError

NETWORKS = ("schematic", "osm")
BASEMAP_CHOICES = ("blank", "osm", "amap", "amap-satellite", "tianditu", "tianditu-satellite")


def add_network_arguments(p: argparse.ArgumentParser, group: Any) -> None:
    """``--network schematic|osm``, in the group of ``--osm``/``--graphml``, and its options."""
    group.add_argument(
        "--network",
        choices=NETWORKS,
        help="schematic (default without --osm/--graphml) or osm: fetch the OpenStreetMap "
        "road network around the corridor through OSMnx (needs the internet the first "
        'time, then the cache; pip install "corridor-geo[online]")',
    )
    p.add_argument(
        "--buffer",
        type=float,
        default=2000.0,
        metavar="METRES",
        help="with --network osm: fetch roads this far beyond the corridor (default 2000)",
    )
    p.add_argument(
        "--overpass-url",
        metavar="URL",
        help="with --network osm: an Overpass API endpoint (a mirror or an intranet server)",
    )


def osm_graph(args: argparse.Namespace, layout: Any, *, network_type: str = "drive"):
    """The OpenStreetMap network of ``--network osm`` and a line describing it."""
    from ..online.osm import graph_from_layout

    if args.buffer < 0:
        raise CorridorGeoError("--buffer must be >= 0 metres")
    G = graph_from_layout(
        layout,
        network_type=network_type,
        buffer_m=args.buffer,
        overpass_url=args.overpass_url,
    )
    return G, (
        f"OpenStreetMap through OSMnx ({network_type}, the corridor and {args.buffer:g} m "
        "around it; © OpenStreetMap contributors, ODbL)"
    )


def add_basemap_arguments(p: argparse.ArgumentParser, *, keyed: bool = True) -> None:
    """``--basemap`` (default blank, so the pages open offline) and, with ``keyed``,
    ``--embed-tianditu-key`` and the Tianditu basemaps that need it."""
    p.add_argument(
        "--basemap",
        choices=BASEMAP_CHOICES if keyed else BASEMAP_CHOICES[:4],
        default="blank",
        help="tiles under the maps (default blank: the pages open offline; any other "
        "needs the internet to show tiles)",
    )
    if not keyed:
        return
    p.add_argument(
        "--embed-tianditu-key",
        action="store_true",
        help="with --basemap tianditu*: accept that the key in TIANDITU_TK is written into "
        "report.html (every tile URL carries it); use a key restricted to your domain",
    )


def tianditu_key(args: argparse.Namespace) -> str | None:
    """The Tianditu key for the report's maps, only when the user accepted to embed it."""
    if not args.basemap.startswith("tianditu"):
        return None
    key = os.environ.get("TIANDITU_TK")
    if not key:
        raise CorridorGeoError(f"--basemap {args.basemap} needs a key in TIANDITU_TK")
    if not args.embed_tianditu_key:
        raise CorridorGeoError(
            f"--basemap {args.basemap} writes the Tianditu key into report.html (every tile "
            "URL carries it): add --embed-tianditu-key to accept that"
        )
    return key
