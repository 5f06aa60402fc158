"""Benchmark: kernel density of 200,000 points on a 50 m grid over the corridor.

Target (issue "Resources and indicators"): at least 100x faster than scikit-learn's
``KernelDensity`` on the same problem, and within 1% of an exact KDE.

* Ours: :func:`corridor_geo.density.kernel_density` on ``n`` synthetic points (70% in the
  corridor), Gaussian kernel, bandwidth 500 m, 50 m cells over the corridor's box, timed
  whole (projection, binning, FFT, masking).
* scikit-learn: ``KernelDensity(kernel="gaussian", bandwidth=500)`` fitted on a random
  subsample of ``sample_points`` points and scored at ``sample_cells`` random cell
  centres of the same grid, timed, then scaled to the full problem by
  ``(n / sample_points) * (cells / sample_cells)`` (its cost grows with points x cells;
  the scaling is stated in the output).  Counting only the cells inside the corridor
  (the rest are masked) is also shown.
* Accuracy: on the subsample, our surface against scikit-learn's exact values
  (``atol = rtol = 0``, multiplied by the number of points and by 1e6 to give points per
  km²) at the scored cells: the largest error relative to the peak, and the largest
  relative error among cells above 1% of the peak.

Run: ``python benchmarks/bench_kde.py [--n 200000]`` (``--smoke`` for a quick run); exits 1
when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

TARGET_RATIO = 100.0
TARGET_ERROR = 0.01
BANDWIDTH = 500.0
CELL = 50.0


def run(
    n: int = 200_000, sample_points: int = 20_000, sample_cells: int = 12_000, repeat: int = 3
) -> dict[str, float]:
    from sklearn.neighbors import KernelDensity

    from corridor_geo import load_layout
    from corridor_geo.crs import to_analysis_crs
    from corridor_geo.density import kernel_density
    from corridor_geo.resources import synthetic_resources

    layout = load_layout()
    pts = synthetic_resources(n, seed=42, corridor_share=0.7, layout=layout)
    kernel_density(pts.iloc[:50], bandwidth_m=BANDWIDTH, cell_size_m=CELL, layout=layout)

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        surf = kernel_density(pts, bandwidth_m=BANDWIDTH, cell_size_m=CELL, layout=layout)
        times.append(time.perf_counter() - t0)
    ours_s = min(times)
    cells = surf.values.size
    inside = int(np.isfinite(surf.values).sum())

    rng = np.random.default_rng(0)
    sub = pts.iloc[np.sort(rng.choice(n, size=min(sample_points, n), replace=False))]
    xy = np.column_stack(
        [to_analysis_crs(sub).geometry.x.to_numpy(), to_analysis_crs(sub).geometry.y.to_numpy()]
    )
    small = kernel_density(sub, bandwidth_m=BANDWIDTH, cell_size_m=CELL, layout=layout, mask=False)
    h, w = small.shape
    flat = rng.choice(h * w, size=min(sample_cells, h * w), replace=False)
    rows, cols = np.divmod(flat, w)
    cx, cy = small.transform * (cols + 0.5, rows + 0.5)
    query = np.column_stack([cx, cy])

    t0 = time.perf_counter()
    kde = KernelDensity(kernel="gaussian", bandwidth=BANDWIDTH).fit(xy)
    log_dens = kde.score_samples(query)
    sk_sub_s = time.perf_counter() - t0
    exact = np.exp(log_dens) * len(xy) * 1e6  # points per km²
    ours = small.values[rows, cols]
    err = np.abs(ours - exact)
    peak = exact.max()
    big = exact >= 0.01 * peak
    scale = (n / len(xy)) * (cells / len(query))
    return {
        "n": n,
        "cells": cells,
        "cells_inside": inside,
        "corridor_geo_s": ours_s,
        "sklearn_sample_s": sk_sub_s,
        "sample_points": len(xy),
        "sample_cells": len(query),
        "sklearn_scaled_s": sk_sub_s * scale,
        "ratio": sk_sub_s * scale / ours_s,
        "ratio_inside_cells": sk_sub_s * (n / len(xy)) * (inside / len(query)) / ours_s,
        "max_error_of_peak": float(err.max() / peak),
        "max_rel_error_above_1pct": float((err[big] / exact[big]).max()),
    }


def report(res: dict[str, float]) -> bool:
    ok = (
        res["ratio"] >= TARGET_RATIO
        and res["max_error_of_peak"] <= TARGET_ERROR
        and res["max_rel_error_above_1pct"] <= TARGET_ERROR
    )
    print(
        f"kernel density, {res['n']:,} points, Gaussian {BANDWIDTH:.0f} m, {CELL:.0f} m cells "
        f"({res['cells']:,} cells, {res['cells_inside']:,} inside the corridor)"
    )
    print(f"  corridor_geo.kernel_density {res['corridor_geo_s'] * 1e3:10.1f} ms")
    print(
        f"  sklearn KernelDensity        {res['sklearn_sample_s'] * 1e3:10.1f} ms for "
        f"{res['sample_points']:,} points x {res['sample_cells']:,} cells"
    )
    print(
        f"  sklearn scaled to the problem {res['sklearn_scaled_s']:9.1f} s "
        "(x points ratio x cells ratio)"
    )
    print(f"  ratio                        {res['ratio']:10.0f}x  (target >= {TARGET_RATIO:.0f}x)")
    print(f"  ratio, corridor cells only   {res['ratio_inside_cells']:10.0f}x")
    print(
        f"  error vs exact (sklearn, atol=rtol=0): max {res['max_error_of_peak']:.2%} of peak, "
        f"max {res['max_rel_error_above_1pct']:.2%} relative above 1% of peak "
        f"(target <= {TARGET_ERROR:.0%})"
    )
    print("  PASS" if ok else "  FAIL")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--sample-points", type=int, default=20_000)
    parser.add_argument("--sample-cells", type=int, default=12_000)
    parser.add_argument("--smoke", action="store_true", help="20,000 points, small sample")
    args = parser.parse_args(argv)
    if args.smoke:
        res = run(20_000, 2_000, 2_000, repeat=1)
    else:
        res = run(args.n, args.sample_points, args.sample_cells)
    return 0 if report(res) else 1


if __name__ == "__main__":
    sys.exit(main())
