"""The benchmark suite: every headline operation against its peer, in one run, one table.

=====================================  ==================================  ====================
operation                              peer                                target (full size)
=====================================  ==================================  ====================
GCJ-02 -> WGS84, 1,000,000 points      per-point ``eviltransform`` loop     >= 1000x, accuracy
zone assignment, 1,000,000 points      ``geopandas.sjoin``                  >= 5x, < 1 GB, equal
kernel density, 200,000 points, 50 m   scikit-learn ``KernelDensity``       >= 100x, <= 1 % error
kernel density, same grid              KDEpy ``FFTKDE``                     >= 1x any CRS, <= 1 %
point analyses on EPSG:4549 input      the same on WGS84 input              <= 1.15x the time
time to axis, 250,000-node graph       networkx multi-source Dijkstra       >= 20x, equal
travel-time matrix 2,000 x 100         pandana (build + query)              >= 10x, equal
share of city, 10,000,000 points       geopandas in memory                  < 4 GB, equal
the same from the path                 the same on a dask-geopandas frame   >= 2x
=====================================  ==================================  ====================

Each benchmark (``bench_*.py`` beside this file) runs in its own fresh process, so the
memory column is its own: the peak resident memory (``VmHWM``) of that process, which
runs ours and the peer, except where ours is measured alone (zone assignment: a process
doing only ours; 10M share of city: the summed RSS of the process tree running the dask
job, sampled every 20 ms).  Times are ours and the peer's in the same run on the same
data; peers too slow to run whole are timed on a sample and scaled (stated per row).

A benchmark whose peer is not installed (``pip install ".[bench]"`` installs them all) is
reported as not run (SKIP), as is the matrix target with ``--skip-pandana``; the summary
line counts them.

Run: ``python benchmarks/run.py`` (about 8 minutes with pandana, whose contraction
hierarchy takes 4-5 of them; ``--skip-pandana`` leaves it out and does not check the
matrix target).  Exits 1 when any target is missed or any result disagrees with its peer.
``--smoke`` runs tiny sizes in about 20 seconds (two benchmarks at a time): speed ratios
mean nothing there, so only agreement with the peers is checked (exit 0 when everything
agrees).
``--markdown`` also prints the table as Markdown, with the machine it ran on.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMES = ("gcj02", "zones", "kde", "kdepy", "input_crs", "access", "dask")
_MARK = "@@RESULT@@ "
# What each benchmark cannot run without (peers come with ``pip install ".[bench]"``).
NEEDS = {
    "gcj02": ("eviltransform",),
    "zones": (),
    "kde": ("sklearn",),
    "kdepy": ("KDEpy",),
    "input_crs": (),
    "access": (),
    "dask": ("dask_geopandas", "distributed", "psutil"),
}
OPERATIONS = {
    "gcj02": ("GCJ-02 -> WGS84",),
    "zones": ("zone assignment",),
    "kde": ("kernel density",),
    "kdepy": ("KDE vs KDEpy",),
    "input_crs": ("EPSG:4549 input",),
    "access": ("time to axis", "travel-time matrix"),
    "dask": ("share of city, dask", "dask: path vs frame"),
}


def missing_peers(name: str) -> list[str]:
    """The modules a benchmark needs that are not installed."""
    import importlib.util

    return [m for m in NEEDS[name] if importlib.util.find_spec(m) is None]


# --------------------------------------------------------------------------------------
# One benchmark, in a child process
# --------------------------------------------------------------------------------------
def peak_rss_mb() -> float:
    """Peak resident memory of this process, MB.

    Linux's ``VmHWM`` (of this process's own memory map), not ``ru_maxrss``: a process
    started from a big one inherits the parent's peak as the floor of its ``ru_maxrss``
    (fork and exec carry it over), which would charge the parent's memory to the child.
    """
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _zones_ours_only(n: int) -> float:
    """Peak memory of a fresh process that makes the points and assigns them once."""
    sys.path.insert(0, str(HERE))
    import bench_zones
    from corridor_geo import load_layout
    from corridor_geo.zones import ZONE_LAYERS, assign_points

    layout = load_layout()
    assign_points(bench_zones._points(layout, n), layout=layout, layers=ZONE_LAYERS)
    return peak_rss_mb()


def _run_one(name: str, smoke: bool, pandana: bool) -> dict:
    sys.path.insert(0, str(HERE))
    if name == "gcj02":
        import bench_gcj02 as bench

        res = bench.run(20_000, 2_000, repeat=1) if smoke else bench.run()
    elif name == "zones":
        import bench_zones as bench

        res = bench.run(20_000, repeat=1) if smoke else bench.run()
    elif name == "kde":
        import bench_kde as bench

        res = bench.run(10_000, 1_000, 1_000, repeat=1) if smoke else bench.run()
    elif name == "kdepy":
        import bench_kdepy as bench

        res = bench.run(20_000, 200, repeat=1) if smoke else bench.run()
    elif name == "input_crs":
        import bench_input_crs as bench

        res = bench.run(20_000, 5_000, 300, repeat=1) if smoke else bench.run()
    elif name == "access":
        import bench_access as bench

        sizes = (
            {"side": 40, "n_origins": 60, "n_destinations": 10, "n_points": 300}
            if smoke
            else {"side": 500, "n_origins": 2000, "n_destinations": 100, "n_points": 2000}
        )
        res = bench.run(**sizes, pandana=pandana)
        res.update(sizes)
    elif name == "dask":
        import bench_dask as bench

        res = bench.run(20_000, smoke=True) if smoke else bench.run()
    else:
        raise SystemExit(f"unknown benchmark {name!r}")
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        bench.report(res)
    return {
        "name": name,
        "result": res,
        "detail": text.getvalue(),
        "max_rss_mb": peak_rss_mb(),
    }


def _spawn(name: str, smoke: bool, pandana: bool) -> dict:
    argv = [sys.executable, __file__, "--one", name]
    if smoke:
        argv.append("--smoke")
    if not pandana:
        argv.append("--skip-pandana")
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    at = proc.stdout.rfind(_MARK)  # peers (pandana) print progress without newlines
    if proc.returncode != 0 or at < 0:
        return {"name": name, "error": (proc.stderr or proc.stdout)[-4000:], "wall_s": wall}
    out = json.loads(proc.stdout[at + len(_MARK) :].splitlines()[0])
    out["wall_s"] = wall
    if name == "zones":
        # Ours alone, in a process started from this small one (see peak_rss_mb).
        n = str(int(out["result"]["n"]))
        rss = subprocess.run(
            [sys.executable, __file__, "--zones-rss", n], capture_output=True, text=True
        )
        if rss.returncode == 0:
            out["ours_only_rss_mb"] = float(rss.stdout.strip().splitlines()[-1])
    return out


# --------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------
def _row(op, size, ours, peer, ratio, target, peak, ok_target, agree, note=""):
    return {
        "operation": op,
        "size": size,
        "ours_s": ours,
        "peer": peer,
        "ratio": ratio,
        "target": target,
        "peak_mb": peak,
        "ok_target": ok_target,
        "agree": agree,
        "note": note,
    }


def rows_of(outcome: dict) -> list[dict]:
    """Table rows (one, or two for routing) from one benchmark's outcome."""
    name = outcome["name"]
    if "missing" in outcome:
        note = f"not run: {', '.join(outcome['missing'])} not installed (pip install '.[bench]')"
        return [
            _row(op, "", None, None, None, "", None, None, None, note) for op in OPERATIONS[name]
        ]
    if "error" in outcome:
        return [_row(name, "", None, None, None, "", None, False, False, "crashed")]
    r = outcome["result"]
    rss = outcome["max_rss_mb"]
    if name == "gcj02":
        return [
            _row(
                "GCJ-02 -> WGS84",
                f"{r['n']:,} points",
                r["corridor_geo_s"],
                ("eviltransform loop (scaled)", r["eviltransform_s"]),
                r["ratio"],
                ">= 1000x",
                rss,
                r["ratio"] >= 1000,
                r["corridor_geo_max_error_deg"] <= r["eviltransform_max_error_deg"],
                f"max error {r['corridor_geo_max_error_deg']:.0e} deg vs "
                f"{r['eviltransform_max_error_deg']:.0e}",
            )
        ]
    if name == "zones":
        ours_rss = outcome.get("ours_only_rss_mb", r["ours_process_rss_mb"])
        return [
            _row(
                "zone assignment",
                f"{r['n']:,} points x {r['zones']} zones",
                r["corridor_geo_s"],
                ("geopandas.sjoin", r["sjoin_s"]),
                r["ratio"],
                ">= 5x, < 1 GB",
                ours_rss,
                r["ratio"] >= 5 and r["peak_mb"] < 1024 and ours_rss < 1024,
                bool(r["equal"]),
                f"{r['pairs']:,} pairs identical to sjoin; memory: a process doing only ours",
            )
        ]
    if name == "kde":
        err = max(r["max_error_of_peak"], r["max_rel_error_above_1pct"])
        return [
            _row(
                "kernel density",
                f"{r['n']:,} points, 50 m cells ({r['cells']:,})",
                r["corridor_geo_s"],
                ("sklearn KernelDensity (scaled)", r["sklearn_scaled_s"]),
                r["ratio"],
                ">= 100x, <= 1% error",
                rss,
                r["ratio"] >= 100,
                err <= 0.01,
                f"max error {err:.2%} vs exact; sklearn on {r['sample_points']:,} points x "
                f"{r['sample_cells']:,} cells, scaled",
            )
        ]
    if name == "kdepy":
        return [
            _row(
                "KDE vs KDEpy",
                f"{r['n']:,} points, same 50 m grid ({r['cells']:,})",
                max(r["ours_metric_s"], r["ours_wgs84_s"]),
                ("KDEpy FFTKDE (metres given)", r["kdepy_s"]),
                min(r["ratio_metric"], r["ratio_wgs84"]),
                ">= 1x any input CRS, <= 1% error",
                rss,
                min(r["ratio_metric"], r["ratio_wgs84"]) >= 1.0 and r["ours_error"] <= 0.01,
                r["wgs84_equals_metric"] == 1.0,
                f"EPSG:4549 input {r['ours_metric_s'] * 1e3:.0f} ms, WGS84 "
                f"{r['ours_wgs84_s'] * 1e3:.0f} ms; error vs exact: ours {r['ours_error']:.2%}, "
                f"KDEpy {r['kdepy_error']:.2%} (its Gaussian is truncated)",
            )
        ]
    if name == "input_crs":
        worst = max(r["rows"], key=lambda x: x["ratio"])
        return [
            _row(
                "EPSG:4549 input",
                "zones, density, coverage, axis",
                worst["epsg4549_s"],
                ("same, WGS84 input", worst["wgs84_s"]),
                worst["wgs84_s"] / worst["epsg4549_s"],
                ">= 0.87x (4549 <= 1.15 x WGS84)",
                rss,
                all(x["ratio"] <= 1.15 for x in r["rows"]),
                all(x["equal"] for x in r["rows"]),
                "; ".join(f"{x['name']} {x['ratio']:.2f}" for x in r["rows"])
                + " (4549 time / WGS84 time)",
            )
        ]
    if name == "access":
        full = r["nodes"] >= 250_000
        axis_agree = (
            r["axis_max_abs_diff_min"] < 1e-9
            and r["axis_unreachable_agree"] == 1.0
            and r["cold_equals_warm"] == 1.0
        )
        rows = [
            _row(
                "time to axis",
                f"{r['nodes']:,} nodes, {r['n_points']:,} points",
                r["axis_warm_s"],
                ("networkx multi-source Dijkstra", r["networkx_s"]),
                r["axis_ratio"],
                ">= 20x",
                r["peak_mb_after_axis"],
                r["axis_ratio"] >= 20 or not full,
                axis_agree,
                f"engine cached; first call with the build {r['axis_cold_s']:.2f} s "
                f"({r['axis_ratio_cold']:.1f}x)",
            )
        ]
        if "pandana_s" in r:
            rows.append(
                _row(
                    "travel-time matrix",
                    f"{r['n_origins']:,} x {r['n_destinations']:,} on {r['nodes']:,} nodes",
                    r["matrix_s"],
                    ("pandana build + query", r["pandana_s"]),
                    r["matrix_ratio"],
                    ">= 10x",
                    r["peak_mb"],
                    r["matrix_ratio"] >= 10,
                    r["pandana_max_rel_diff"] < 1e-3 and r["pandana_unreachable_agree"] == 1.0,
                    f"both build + query; pandana contraction {r['pandana_build_s']:.1f} s",
                )
            )
        else:
            rows.append(
                _row(
                    "travel-time matrix",
                    f"{r['n_origins']:,} x {r['n_destinations']:,} on {r['nodes']:,} nodes",
                    r["matrix_s"],
                    ("pandana skipped", None),
                    None,
                    ">= 10x",
                    r["peak_mb"],
                    None,
                    None,
                    "not measured (--skip-pandana, or pandana not installed)",
                )
            )
        return rows
    if name == "dask":
        sys.path.insert(0, str(HERE))
        import bench_dask

        head = r["runs"][0]
        mem = r["memory"]
        gain = bench_dask.speedup(r)
        frame = next((x for x in r["runs"] if x.get("source") == "frame"), None)
        rows = [
            _row(
                "share of city, dask",
                f"{r['n']:,} points, GeoParquet",
                head["seconds"],
                ("geopandas in memory", mem["seconds"]),
                mem["seconds"] / head["seconds"],
                "peak < 4 GB",
                head["peak_tree_mb"],
                head["peak_tree_mb"] < 4096,
                all(x["equal"] for x in r["runs"]),
                f"{head['partitions']} partitions, {_dask_setting(head)}; "
                f"in memory peaks at {mem['peak_tree_mb']:.0f} MB",
            )
        ]
        if frame is not None and gain is not None:
            rows.append(
                _row(
                    "dask: path vs frame",
                    f"{r['n']:,} points, GeoParquet",
                    head["seconds"],
                    ("dask-geopandas frame (WKB)", frame["seconds"]),
                    gain,
                    ">= 2x",
                    head["peak_tree_mb"],
                    gain >= 2.0 or r["n"] < 1_000_000,
                    bool(frame["equal"] and head["equal"]),
                    "coordinates read from the columns, projected once; the frame run "
                    "decodes WKB into geometries (the pipeline before)",
                )
            )
        return rows
    raise ValueError(name)


def _dask_setting(run: dict) -> str:
    if run["mode"] == "threads":
        return f"threaded scheduler, {run['threads']} threads"
    return f"LocalCluster of {run['workers']} processes x {run['threads']} thread(s)"


def _verdict(row: dict, smoke: bool) -> str:
    if row["agree"] is None:
        return "SKIP"  # the peer did not run: nothing compared
    if not row["agree"]:
        return "FAIL"
    if smoke:
        return "PASS"  # agreement only
    if row["ok_target"] is None:
        return "SKIP"
    return "PASS" if row["ok_target"] else "FAIL"


def _fmt_s(v) -> str:
    if v is None:
        return "-"
    return f"{v * 1e3:.1f} ms" if v < 1 else f"{v:.2f} s"


def _cells(row: dict, smoke: bool) -> list[str]:
    peer_name, peer_s = row["peer"] if row["peer"] else ("-", None)
    return [
        row["operation"],
        row["size"],
        _fmt_s(row["ours_s"]),
        f"{peer_name}: {_fmt_s(peer_s)}" if peer_s is not None else peer_name,
        "-" if row["ratio"] is None else f"{row['ratio']:,.1f}x",
        row["target"],
        "-" if row["peak_mb"] is None else f"{row['peak_mb']:,.0f} MB",
        _verdict(row, smoke),
    ]


HEADER = ["operation", "size", "ours", "peer", "ratio", "target", "peak memory", "result"]


def machine() -> dict:
    """The machine and versions, read without importing the libraries.

    (Importing them would grow this process, and every benchmark process started from it
    inherits its peak memory as a floor of ``ru_maxrss``.)
    """
    from importlib.metadata import PackageNotFoundError, version

    model = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    ram = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) / 2**20
    if not ram:
        with contextlib.suppress(ImportError):
            import psutil

            ram = psutil.virtual_memory().total / 2**30
    versions = {}
    for dist in (
        "numpy",
        "shapely",
        "geopandas",
        "pyproj",
        "numba",
        "scipy",
        "networkx",
        "dask",
        "dask-geopandas",
        "distributed",
        "scikit-learn",
        "pandana",
        "eviltransform",
    ):
        with contextlib.suppress(PackageNotFoundError):
            versions[dist] = version(dist)
    try:
        ours = version("corridor-geo")
    except PackageNotFoundError:
        ours = "(not installed)"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_gb": ram,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "corridor_geo": ours,
        "versions": versions,
    }


def print_table(rows: list[dict], smoke: bool, markdown: bool) -> None:
    cells = [_cells(r, smoke) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(HEADER)]
    line = "  ".join(h.ljust(w) for h, w in zip(HEADER, widths))
    print(line)
    print("-" * len(line))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths)))
    for r in rows:
        if r["note"]:
            print(f"  * {r['operation']}: {r['note']}")
    if markdown:
        print()
        print("| " + " | ".join(HEADER) + " |")
        print("|" + "|".join("---" for _ in HEADER) + "|")
        for c in cells:
            print("| " + " | ".join(v.replace("|", "/") for v in c) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, agreement only")
    parser.add_argument("--skip-pandana", action="store_true", help="leave pandana out")
    parser.add_argument("--only", nargs="+", choices=NAMES, help="run these benchmarks only")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument("--quiet", action="store_true", help="no per-benchmark details")
    parser.add_argument(
        "--jobs",
        type=int,
        help="benchmarks run at once (default 1; 2 with --smoke, where times do not count)",
    )
    parser.add_argument("--one", choices=NAMES, help=argparse.SUPPRESS)
    parser.add_argument("--zones-rss", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.zones_rss:
        print(_zones_ours_only(args.zones_rss))
        return 0
    pandana = not args.skip_pandana
    if pandana:
        try:
            import pandana as _  # noqa: F401
        except ImportError:
            print("pandana is not installed: the matrix peer is skipped", file=sys.stderr)
            pandana = False
    if args.one:
        out = _run_one(args.one, args.smoke, pandana)
        print("\n" + _MARK + json.dumps(out, default=float))
        return 0

    info = machine()
    mode = "smoke (tiny sizes: agreement only)" if args.smoke else "full"
    print(f"corridor_geo {info['corridor_geo']} benchmark suite, {mode}")
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']:.0f} GB RAM, "
        f"Python {info['python']}, {info['os']}, {info['date']}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    rows: list[dict] = []
    names = args.only or NAMES
    jobs = args.jobs or (2 if args.smoke else 1)

    def one(name: str) -> dict:
        missing = missing_peers(name)
        if missing:
            return {"name": name, "missing": missing}
        return _spawn(name, args.smoke, pandana)

    with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        outcomes = list(pool.map(one, names))
    for name, out in zip(names, outcomes):
        if "missing" in out:
            print(f"\n== {name}: NOT RUN, {', '.join(out['missing'])} not installed ==")
        elif "error" in out:
            print(f"\n== {name}: FAILED TO RUN ==\n{out['error']}")
        elif not args.quiet:
            print(f"\n== {name} ({out['wall_s']:.0f} s) ==\n{out['detail'].rstrip()}")
        rows.extend(rows_of(out))
    print()
    print_table(rows, args.smoke, args.markdown)
    verdicts = [_verdict(r, args.smoke) for r in rows]
    failed = verdicts.count("FAIL")
    skipped = verdicts.count("SKIP")
    print()
    if failed:
        print(f"{failed} FAILED")
    else:
        print("ALL PASS" + (f" ({skipped} target(s) not measured)" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
