"""``corridor-geo geocode``: an address list to WGS84 points with Amap, Baidu or Tianditu."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .._errors import CorridorGeoError

ORDER = 8

_ENV = {"amap": "AMAP_KEY", "baidu": "BAIDU_AK", "tianditu": "TIANDITU_TK"}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from ._common import add_output_arguments

    p = sub.add_parser(
        "geocode",
        help="geocode an address list (Amap, Baidu or Tianditu) into WGS84 points",
        description="Send each address of a CSV/XLSX table to a Chinese geocoding service, "
        "convert the answers to WGS84 (Amap GCJ-02, Baidu BD-09, Tianditu CGCS2000) and "
        "write OUT/geocoded.csv (the accepted rows with lon, lat and datum=WGS84, ready for "
        "--resources of the other commands) and OUT/rejected.csv (every other row with the "
        "reason: no match, a match coarser than --min-level, key or quota errors, no "
        "answer). The key is read from the environment (AMAP_KEY, BAIDU_AK, TIANDITU_TK, or "
        "the variable named by --key-env), never from the command line, and is written "
        "nowhere. Answers are cached: a second run, or a run stopped by the quota, asks "
        "only what it does not know yet. Exit code 1 when some rows are rejected.",
        epilog="examples:\n"
        "  export AMAP_KEY=...\n"
        "  corridor-geo geocode labs.csv --address 地址 --out geocoded\n"
        "  corridor-geo geocode labs.xlsx --provider tianditu --min-level road --out g\n"
        "  corridor-geo report --resources geocoded/geocoded.csv --network osm --out report",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("table", metavar="ADDRESSES", help="CSV (UTF-8 or GBK) or XLSX table")
    p.add_argument("--address", help="address column (found by common names otherwise)")
    p.add_argument(
        "--provider", choices=sorted(_ENV), default="amap", help="the service (default amap)"
    )
    p.add_argument(
        "--key-env",
        metavar="VAR",
        help="environment variable holding the key (default AMAP_KEY, BAIDU_AK or TIANDITU_TK)",
    )
    p.add_argument(
        "--city",
        default="青岛市",
        help="city of the addresses (default 青岛市); 'none' for all of China",
    )
    p.add_argument(
        "--min-level",
        default="poi",
        choices=["country", "province", "city", "district", "town", "road", "poi", "address"],
        help="coarsest match accepted (default poi: a named place or an address)",
    )
    p.add_argument("--qps", type=float, default=2.0, help="requests per second (default 2)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per answer (default 10)")
    p.add_argument("--retries", type=int, default=3, help="retries on 429/5xx/time-outs")
    p.add_argument("--base-url", help="the service's base URL (e.g. an intranet proxy)")
    cache = p.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache-dir", help="cache folder (default: $CORRIDOR_GEO_CACHE/<provider>)"
    )
    cache.add_argument("--no-cache", action="store_true", help="ask everything again")
    p.add_argument("--category", help="category column (found by common names otherwise)")
    p.add_argument("--default-category", help="category of every row (no category column)")
    p.add_argument("--id", dest="id_column", help="identifier column (duplicates rejected)")
    p.add_argument("--name", dest="name_column", help="name column")
    p.add_argument("--weight", help="weight column (patents, people...); 1 per row otherwise")
    p.add_argument("--encoding", help="text encoding of a CSV (detected: UTF-8 or GB18030)")
    add_output_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from .._outdir import check_target, output_folder
    from ..online.geocoding import geocode
    from ._common import missing_file, write_rejected, write_table

    check_target(args.out, option="--out")  # before any request is sent
    if not Path(args.table).is_file():
        raise CorridorGeoError(missing_file(args.table))
    env = args.key_env or _ENV[args.provider]
    key = os.environ.get(env)
    if not key:
        raise CorridorGeoError(
            f"{args.provider} needs a key: set the environment variable {env} "
            "(keys are not taken on the command line, where the shell history keeps them)"
        )
    res = geocode(
        args.table,
        address=args.address,
        provider=args.provider,
        key=key,
        city=None if str(args.city).lower() == "none" else args.city,
        min_level=args.min_level,
        qps=args.qps,
        timeout=args.timeout,
        retries=args.retries,
        cache_dir=None if args.no_cache else (args.cache_dir or True),
        base_url=args.base_url,
        encoding=args.encoding,
        progress=not args.quiet,
        category=args.category,
        default_category=args.default_category,
        id=args.id_column,
        name=args.name_column,
        weight=args.weight,
    )
    accepted = pd.DataFrame(res.accepted.drop(columns="geometry"))
    accepted.insert(0, "lat", res.accepted.geometry.y.to_numpy())
    accepted.insert(0, "lon", res.accepted.geometry.x.to_numpy())
    accepted["datum"] = "WGS84"
    keep = args.keep_formulas
    with output_folder(args.out, option="--out", command="geocode") as folder:
        written = [
            write_table(accepted, folder.path, "geocoded", args.format, keep_formulas=keep),
            write_rejected(res, folder.path, args.format, keep_formulas=keep),
        ]
    written = [folder.published(p) for p in written]
    n_bad = len(res.rejected)
    if not args.quiet or n_bad:
        print(res.summary())
        for path in written:
            print(f"wrote {path}")
    return 0 if n_bad == 0 else 1
