"""Benchmark: GCJ-02 -> WGS84 for 1,000,000 points, against a per-point eviltransform loop.

Target (issue "Foundation"): at least 1000x faster than looping over
``eviltransform.gcj2wgs_exact``, at equal or better accuracy.  Both are timed in this
run: eviltransform on a subsample (its cost per point is constant), scaled to the full
size.  Accuracy of each is measured against the WGS84 points the GCJ-02 input was made
from, each with its own forward rule (eviltransform uses a = 6378137 m, the published
rule 6378245 m).

Run: ``python benchmarks/bench_gcj02.py [--n 1000000] [--sample 20000]``; exits 1 when
the ratio or the accuracy misses its target.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

TARGET_RATIO = 1000.0


def _points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    # Mainland China's extent, as in the accuracy tests.
    rng = np.random.default_rng(seed)
    return rng.uniform(73.5, 134.8, n), rng.uniform(18.0, 53.6, n)


def run(n: int = 1_000_000, sample: int = 20_000, repeat: int = 5) -> dict[str, float]:
    import eviltransform

    from corridor_geo import crs

    w_lon, w_lat = _points(n)
    g_lon, g_lat = crs.wgs84_to_gcj02(w_lon, w_lat)
    crs.gcj02_to_wgs84(g_lon[:10], g_lat[:10])  # compile outside the timing

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        o_lon, o_lat = crs.gcj02_to_wgs84(g_lon, g_lat)
        times.append(time.perf_counter() - t0)
    ours_s = min(times)
    ours_err = float(np.maximum(np.abs(o_lon - w_lon), np.abs(o_lat - w_lat)).max())

    # eviltransform: its own forward, then its exact inverse, one point at a time.
    m = min(sample, n)
    ev_g = [eviltransform.wgs2gcj(b, a) for a, b in zip(w_lon[:m], w_lat[:m])]
    t0 = time.perf_counter()
    ev_w = [eviltransform.gcj2wgs_exact(la, lo) for la, lo in ev_g]
    ev_s = (time.perf_counter() - t0) * n / m
    ev_w = np.asarray(ev_w)
    ev_err = float(
        np.maximum(np.abs(ev_w[:, 1] - w_lon[:m]), np.abs(ev_w[:, 0] - w_lat[:m])).max()
    )
    return {
        "n": n,
        "corridor_geo_s": ours_s,
        "eviltransform_s": ev_s,
        "ratio": ev_s / ours_s,
        "corridor_geo_max_error_deg": ours_err,
        "eviltransform_max_error_deg": ev_err,
    }


def report(res: dict[str, float]) -> bool:
    ok = res["ratio"] >= TARGET_RATIO and (
        res["corridor_geo_max_error_deg"] <= res["eviltransform_max_error_deg"]
    )
    print(f"GCJ-02 -> WGS84, {res['n']:,} points")
    print(f"  corridor_geo          {res['corridor_geo_s'] * 1e3:10.1f} ms")
    print(f"  eviltransform loop    {res['eviltransform_s'] * 1e3:10.1f} ms (scaled)")
    print(f"  ratio                 {res['ratio']:10.0f}x  (target >= {TARGET_RATIO:.0f}x)")
    print(f"  max error corridor_geo  {res['corridor_geo_max_error_deg']:.1e} deg")
    print(f"  max error eviltransform {res['eviltransform_max_error_deg']:.1e} deg")
    print("  PASS" if ok else "  FAIL")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args(argv)
    return 0 if report(run(args.n, args.sample)) else 1


if __name__ == "__main__":
    sys.exit(main())
