"""Benchmark: share of the city for 10,000,000 points from GeoParquet through dask-geopandas.

Targets: the run stays under 4 GB of memory on a 2-core, 24 GB machine, its result equals
the in-memory path, and (issue "One way through") the path-based run, which reads the
points' coordinates straight from the Parquet columns (GeoArrow points as arrays, WKB
decoded with numpy) and projects them once, is at least 2x faster than the same job on a
dask-geopandas frame (WKB decoded into shapely geometries partition by partition: the
library's pipeline before this change) on the same scheduler.

* Data: ``n`` synthetic resources (:func:`corridor_geo.scale.write_synthetic_parquet`:
  40 % in the corridor, every category, Poisson weights for patents and firms) written
  as GeoParquet, 1,000,000 rows per file, 250,000 per row group, to a temporary folder.
* Ours: :func:`corridor_geo.zones.share_of_city` on the path (corridor, cities, circles,
  districts and the city; every category), run in a fresh process.  The headline run uses
  a ``dask.distributed`` LocalCluster of 2 worker processes with 1 thread each; the
  baseline run is the same job on ``read_parquet_points(path, split_row_groups=1)`` (a
  dask-geopandas frame, 40 partitions) on the same cluster; ``--sweep`` also measures
  other partitionings, the threaded scheduler and 1 worker x 2 threads.
* Peer: the same call in memory on the whole GeoDataFrame read with
  ``geopandas.read_parquet`` (the columns needed only), in a fresh process.
* Memory: the peak of the summed resident memory (RSS) of the process running the job
  and all its children (scheduler, nannies, workers), sampled every 20 ms with psutil.
  Summing RSS counts shared pages more than once, so it overstates real use.
* Agreement: every run's table equals the in-memory one (counts exactly, weights to
  1e-9 relative).

Run: ``python benchmarks/bench_dask.py [--n 10000000] [--sweep]`` (``--smoke`` for a
quick run on 40,000 points); exits 1 when the memory bound or the agreement fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TARGET_PEAK_MB = 4096.0
ROW_GROUP = 250_000
WEIGHTS = {"invention_patents": 4.0, "high_tech_enterprise": 2.0, "st_talent": 3.0}
LAYERS = ("corridor", "cities", "circles", "districts")
HEADLINE = {"mode": "distributed", "workers": 2, "threads": 1, "row_groups": 1, "source": "path"}
BASELINE = {**HEADLINE, "source": "frame"}
TARGET_SPEEDUP = 2.0


# --------------------------------------------------------------------------------------
# The job, in a child process
# --------------------------------------------------------------------------------------
def _job(spec: dict) -> dict:
    import geopandas as gpd

    from corridor_geo import load_layout
    from corridor_geo.scale import read_parquet_points
    from corridor_geo.zones import share_of_city

    layout = load_layout()
    out: dict = {}
    path = spec["path"]
    if spec["mode"] == "memory":
        t0 = time.perf_counter()
        frame = gpd.read_parquet(path, columns=["category", "weight", "geometry"])
        out["read_s"] = time.perf_counter() - t0
        table = share_of_city(frame, layout=layout, layers=LAYERS)
        out["seconds"] = time.perf_counter() - t0
        out["partitions"] = 1
    elif spec["mode"] == "threads":
        import dask

        t0 = time.perf_counter()
        with dask.config.set(scheduler="threads", num_workers=spec["threads"]):
            data = _source(spec, read_parquet_points, out)
            table = share_of_city(data, layout=layout, layers=LAYERS)
        out["seconds"] = time.perf_counter() - t0
    else:
        from distributed import Client, LocalCluster

        t0 = time.perf_counter()
        with (
            LocalCluster(
                n_workers=spec["workers"],
                threads_per_worker=spec["threads"],
                processes=True,
                dashboard_address=None,
                memory_limit=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            out["cluster_start_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            data = _source(spec, read_parquet_points, out)
            table = share_of_city(data, layout=layout, layers=LAYERS, client=client)
            out["seconds"] = time.perf_counter() - t0
    table.to_pickle(spec["result"])
    return out


def _source(spec: dict, read_parquet_points, out: dict):
    """The input of one run: the path itself, or a dask-geopandas frame of it."""
    if spec.get("source", "path") == "path":
        from corridor_geo._partition import ParquetPoints

        out["partitions"] = len(ParquetPoints.open(spec["path"]).pieces())
        return spec["path"]
    frame = read_parquet_points(spec["path"], split_row_groups=spec["row_groups"])
    out["partitions"] = frame.npartitions
    return frame


def _tree_rss(proc) -> float:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total / 2**20


def _measure(spec: dict) -> dict:
    """Run one job in a fresh process, sampling its process tree's memory."""
    import psutil

    child = subprocess.Popen(
        [sys.executable, __file__, "--job", json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc = psutil.Process(child.pid)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = child.communicate()
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise RuntimeError(f"benchmark job {spec} failed:\n{stderr[-3000:]}")
    res = json.loads(stdout.strip().splitlines()[-1])
    res.update(spec)
    res["peak_tree_mb"] = peak[0]
    return res


def _equal(a_path: str, b_path: str) -> bool:
    import numpy as np
    import pandas as pd

    a = pd.read_pickle(a_path)
    b = pd.read_pickle(b_path)
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    exact = [c for c in a.columns if c not in ("weight", "city_weight", "share_weight")]
    if not a[exact].equals(b[exact]):
        return False
    return all(
        np.allclose(a[c], b[c], rtol=1e-9, atol=0, equal_nan=True)
        for c in ("weight", "city_weight", "share_weight")
    )


# --------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------
def _settings(sweep: bool, smoke: bool) -> list[dict]:
    if smoke:
        return [
            {"mode": "threads", "workers": 1, "threads": 2, "row_groups": 1, "source": "path"},
            {"mode": "threads", "workers": 1, "threads": 2, "row_groups": 1, "source": "frame"},
            {"mode": "distributed", "workers": 2, "threads": 1, "row_groups": 2, "source": "path"},
        ]
    runs = [dict(HEADLINE), dict(BASELINE)]
    if sweep:
        # A path is read one file per partition (row_groups applies to frames only).
        for rg in (1, 4):
            runs.append(
                {
                    "mode": "distributed",
                    "workers": 1,
                    "threads": 2,
                    "row_groups": rg,
                    "source": "frame",
                }
            )
        runs.append(
            {"mode": "threads", "workers": 1, "threads": 2, "row_groups": 1, "source": "path"}
        )
        for rg in (1, 4):
            runs.append(
                {
                    "mode": "threads",
                    "workers": 1,
                    "threads": 2,
                    "row_groups": rg,
                    "source": "frame",
                }
            )
        runs.append(
            {"mode": "threads", "workers": 1, "threads": 1, "row_groups": 1, "source": "path"}
        )
    return runs


def run(
    n: int = 10_000_000,
    *,
    sweep: bool = False,
    smoke: bool = False,
    data_dir: str | None = None,
) -> dict:
    """Write the data, run the settings and the in-memory peer; each in a fresh process."""
    import pyarrow.parquet as pq

    from corridor_geo.scale import write_synthetic_parquet

    work = Path(tempfile.mkdtemp(prefix="corridor-geo-bench-dask-"))
    try:
        path = Path(data_dir) if data_dir else work / "points"
        rows_per_file = 1_000_000 if not smoke else 10_000
        row_group = ROW_GROUP if not smoke else 2_500
        t0 = time.perf_counter()
        if not (data_dir and path.exists()):
            write_synthetic_parquet(
                path,
                n,
                seed=2027,
                rows_per_file=rows_per_file,
                row_group_size=row_group,
                weight_mean=WEIGHTS,
                overwrite=True,
            )
        write_s = time.perf_counter() - t0
        files = sorted(path.rglob("*.parquet"))
        size_mb = sum(f.stat().st_size for f in files) / 2**20
        n = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        runs = []
        for k, spec in enumerate(_settings(sweep, smoke)):
            spec = {**spec, "path": str(path), "result": str(work / f"run{k}.pkl")}
            runs.append(_measure(spec))
        memory = _measure({"mode": "memory", "path": str(path), "result": str(work / "mem.pkl")})
        for r in runs:
            r["equal"] = _equal(r["result"], memory["result"])
        import pandas as pd

        table = pd.read_pickle(memory["result"])
        row = table.query("layer == 'corridor' and category == 'ALL'").iloc[0]
        return {
            "n": n,
            "write_s": write_s,
            "dataset_mb": size_mb,
            "runs": runs,
            "memory": memory,
            "corridor_share": float(row["share_count"]),
            "city_count": float(row["city_count"]),
            "smoke": smoke,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _label(r: dict) -> str:
    src = "path" if r.get("source", "path") == "path" else "dask-geopandas frame"
    if r["mode"] == "threads":
        return f"{src}, threads x{r['threads']}"
    return f"{src}, LocalCluster {r['workers']} proc x {r['threads']} thr"


def speedup(res: dict) -> float | None:
    """Path run over the frame run on the same scheduler (the first pair of runs)."""
    runs = res["runs"]
    path = runs[0]
    frame = next(
        (
            r
            for r in runs
            if r.get("source") == "frame"
            and r["mode"] == path["mode"]
            and r["workers"] == path["workers"]
            and r["threads"] == path["threads"]
        ),
        None,
    )
    return None if frame is None else frame["seconds"] / path["seconds"]


def report(res: dict) -> bool:
    head = res["runs"][0]
    mem = res["memory"]
    print(
        f"share of the city, {res['n']:,} points from GeoParquet ({res['dataset_mb']:.0f} MB, "
        f"written in {res['write_s']:.1f} s); corridor share {res['corridor_share']:.4f} of "
        f"{res['city_count']:,.0f}"
    )
    print(f"  {'setting':52s} {'partitions':>10s} {'time':>9s} {'peak RSS':>10s}  equal")
    for r in res["runs"]:
        print(
            f"  {_label(r):52s} {r['partitions']:10d} {r['seconds']:8.1f}s "
            f"{r['peak_tree_mb']:8.0f}MB  {r['equal']}"
        )
    print(
        f"  {'in memory (geopandas, 1 process)':52s} {1:10d} {mem['seconds']:8.1f}s "
        f"{mem['peak_tree_mb']:8.0f}MB  (reference; read {mem['read_s']:.1f} s)"
    )
    ok = all(r["equal"] for r in res["runs"])
    gain = speedup(res)
    if gain is not None:
        print(
            f"  path against dask-geopandas frame on the same scheduler: {gain:.2f}x "
            f"(target >= {TARGET_SPEEDUP:.0f}x at full size)"
        )
    if not res["smoke"]:
        ok &= head["peak_tree_mb"] < TARGET_PEAK_MB
        ok &= gain is not None and gain >= TARGET_SPEEDUP
        print(
            f"  headline ({_label(head)}, {head['partitions']} partitions): peak "
            f"{head['peak_tree_mb']:.0f} MB (target < {TARGET_PEAK_MB:.0f} MB, summed RSS of "
            "the process tree)"
        )
    else:
        print("  smoke size: memory target not checked, agreement checked")
    print("  PASS" if ok else "  FAIL")
    return bool(ok)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--sweep", action="store_true", help="partitions x workers table")
    parser.add_argument("--smoke", action="store_true", help="40,000 points")
    parser.add_argument("--data", help="reuse (or keep) the GeoParquet folder here")
    parser.add_argument("--job", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.job:
        print(json.dumps(_job(json.loads(args.job))))
        return 0
    n = 40_000 if args.smoke else args.n
    res = run(n, sweep=args.sweep, smoke=args.smoke, data_dir=args.data)
    return 0 if report(res) else 1


if __name__ == "__main__":
    sys.exit(main())
