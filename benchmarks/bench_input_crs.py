"""Benchmark: every point analysis on EPSG:4549 input against the same on WGS84 input.

Target (issue "One way through"): points are projected once, where they enter, and input
already in the analysis CRS (EPSG:4549) is never round-tripped through WGS84; so every
point analysis on EPSG:4549 input is no slower than on WGS84 input (within 15 %).

The same synthetic points (70 % in the corridor) are given once as a WGS84 GeoDataFrame
and once as an EPSG:4549 one; each analysis runs on both in the same process, warmed up
(zone indexes, the routing engine and compiled kernels are built before timing), best of
``repeat``; the results must be equal (to the projection's rounding).

* zones: ``share_of_city`` of ``n_zones`` points over corridor, cities, circles, districts;
* density: ``kernel_density`` of ``n_density`` points (Gaussian 500 m, 50 m cells);
* coverage: ``coverage`` of the 环大学 sites, counting ``n_density`` resources within 1 km;
* time to axis: ``time_to_axis`` of ``n_axis`` points on the schematic network.

Run: ``python benchmarks/bench_input_crs.py`` (``--smoke`` for small sizes); exits 1 when
a target is missed or the results differ.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

TARGET = 1.15


def _best(func, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run(
    n_zones: int = 1_000_000, n_density: int = 200_000, n_axis: int = 5_000, repeat: int = 3
) -> dict:
    import pandas as pd

    import corridor_geo as cg
    from corridor_geo.coverage import circle_anchors, coverage
    from corridor_geo.crs import ANALYSIS_CRS

    layout = cg.load_layout()
    big = cg.synthetic_resources(n_zones, seed=11, corridor_share=0.7, layout=layout)
    big_m = big.to_crs(ANALYSIS_CRS)
    small, small_m = big.iloc[:n_density], big_m.iloc[:n_density]
    axis_pts = cg.synthetic_resources(n_axis, seed=12, corridor_share=1.0, layout=layout)
    axis_m = axis_pts.to_crs(ANALYSIS_CRS)
    G = cg.schematic_network(layout)
    sites = circle_anchors(layout, kind="环大学")
    layers = ("corridor", "cities", "circles", "districts")

    ops = {
        "zones": (
            lambda p: cg.share_of_city(p, layout=layout, layers=layers),
            big,
            big_m,
            f"share_of_city, {n_zones:,} points",
        ),
        "density": (
            lambda p: cg.kernel_density(p, bandwidth_m=500.0, cell_size_m=50.0, layout=layout),
            small,
            small_m,
            f"kernel_density, {n_density:,} points",
        ),
        "coverage": (
            lambda p: coverage(sites, layout=layout, radius_m=1000.0, resources=p),
            small,
            small_m,
            f"coverage with {n_density:,} resources",
        ),
        "time to axis": (
            lambda p: cg.time_to_axis(p, G, layout=layout),
            axis_pts,
            axis_m,
            f"time_to_axis, {n_axis:,} points",
        ),
    }
    out: dict = {"rows": []}
    for name, (func, wgs, metric, label) in ops.items():
        func(wgs.iloc[:100])  # warm: indexes, engines, compiled kernels
        func(metric.iloc[:100])
        t_wgs, a = _best(lambda f=func, p=wgs: f(p), repeat)
        t_m, b = _best(lambda f=func, p=metric: f(p), repeat)
        if isinstance(a, pd.DataFrame):
            num = a.select_dtypes("number").columns
            equal = np.allclose(
                a[num].to_numpy(float),
                b[num].to_numpy(float),
                rtol=1e-6,
                atol=1e-9,
                equal_nan=True,
            )
        else:  # a Raster
            equal = np.allclose(a.values, b.values, rtol=1e-6, atol=1e-9, equal_nan=True)
        out["rows"].append(
            {
                "name": name,
                "label": label,
                "wgs84_s": t_wgs,
                "epsg4549_s": t_m,
                "ratio": t_m / t_wgs,
                "equal": bool(equal),
            }
        )
    return out


def report(res: dict) -> bool:
    ok = True
    print("point analyses: EPSG:4549 input against WGS84 input (same points, best of runs)")
    print(f"  {'analysis':36s} {'WGS84':>10s} {'EPSG:4549':>10s} {'4549/WGS84':>11s}  equal")
    for r in res["rows"]:
        fine = r["ratio"] <= TARGET and r["equal"]
        ok &= fine
        print(
            f"  {r['label']:36s} {r['wgs84_s'] * 1e3:8.1f}ms {r['epsg4549_s'] * 1e3:8.1f}ms "
            f"{r['ratio']:10.2f}x  {r['equal']}{'' if fine else '  <- FAIL'}"
        )
    print(f"  target: EPSG:4549 input at most {TARGET:.2f}x the WGS84 time")
    print("  PASS" if ok else "  FAIL")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, one repeat")
    args = parser.parse_args(argv)
    res = run(20_000, 5_000, 300, repeat=1) if args.smoke else run()
    return 0 if report(res) else 1


if __name__ == "__main__":
    sys.exit(main())
