"""The benchmark suite as CI smoke: tiny sizes, agreement with every peer; verdict logic."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "benchmarks" / "run.py"


def _load_run():
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_suite_smoke_agrees_with_every_peer():
    run = _load_run()
    proc = subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--quiet"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    lines = out.splitlines()
    ran = 0
    for name, ops in run.OPERATIONS.items():
        # Peers not installed here (scikit-learn, pandana come with ".[bench]") are
        # reported as not run; everything that runs must agree with its peer.
        expected = "SKIP" if run.missing_peers(name) else "PASS"
        for op in ops:
            row = [ln for ln in lines if ln.startswith(op)]
            assert len(row) == 1, f"no row for {op!r} in:\n{out}"
            verdict = row[0].rstrip().rsplit(None, 1)[-1]
            if op == "travel-time matrix" and importlib.util.find_spec("pandana") is None:
                expected = "SKIP"
            if op == "transit matrix" and not os.environ.get("CORRIDOR_GEO_PEER_PYTHON"):
                expected = "SKIP"  # urbanaccess needs pandas < 2: a Python of its own
            assert verdict == expected, row[0]
            ran += verdict == "PASS"
    assert ran >= 3  # zone assignment, time to axis and the dask run need no extra peer
    assert "ALL PASS" in out
    assert "cores" in out and "GB RAM" in out  # the machine is stated


def _gcj(ratio: float, ours_err: float = 1e-12) -> dict:
    return {
        "name": "gcj02",
        "max_rss_mb": 300.0,
        "result": {
            "n": 1_000_000,
            "corridor_geo_s": 0.02,
            "eviltransform_s": 0.02 * ratio,
            "ratio": ratio,
            "corridor_geo_max_error_deg": ours_err,
            "eviltransform_max_error_deg": 1e-6,
        },
    }


def _dask(peak_mb: float, equal: bool = True) -> dict:
    head = {
        "mode": "distributed",
        "workers": 2,
        "threads": 1,
        "partitions": 40,
        "seconds": 20.0,
        "peak_tree_mb": peak_mb,
        "equal": equal,
    }
    return {
        "name": "dask",
        "max_rss_mb": 100.0,
        "result": {
            "n": 10_000_000,
            "runs": [head],
            "memory": {"seconds": 26.0, "peak_tree_mb": 5600.0},
        },
    }


def test_verdicts_fail_on_a_regression_or_a_disagreement():
    run = _load_run()
    (ok,) = run.rows_of(_gcj(2000.0))
    (slow,) = run.rows_of(_gcj(500.0))
    (wrong,) = run.rows_of(_gcj(2000.0, ours_err=1e-3))
    assert run._verdict(ok, smoke=False) == "PASS"
    assert run._verdict(slow, smoke=False) == "FAIL"
    assert run._verdict(slow, smoke=True) == "PASS"  # smoke: agreement only
    assert run._verdict(wrong, smoke=True) == "FAIL"
    (fat,) = run.rows_of(_dask(5000.0))
    (lean,) = run.rows_of(_dask(1700.0))
    (unequal,) = run.rows_of(_dask(1700.0, equal=False))
    assert run._verdict(fat, smoke=False) == "FAIL"
    assert run._verdict(lean, smoke=False) == "PASS"
    assert run._verdict(unequal, smoke=False) == "FAIL"


def test_exit_code_is_one_when_a_target_regresses(monkeypatch, capsys):
    run = _load_run()
    outcomes = {"gcj02": _gcj(500.0), "dask": _dask(1700.0)}
    monkeypatch.setattr(run, "_spawn", lambda name, smoke, pandana: outcomes[name])
    monkeypatch.setattr(run, "machine", _fake_machine)
    assert run.main(["--only", "gcj02", "dask", "--skip-pandana", "--quiet"]) == 1
    assert "1 FAILED" in capsys.readouterr().out
    outcomes["gcj02"] = _gcj(2500.0)
    assert run.main(["--only", "gcj02", "dask", "--skip-pandana", "--quiet"]) == 0
    # A peer that is not installed: reported as not run, not as a pass.
    monkeypatch.setattr(run, "missing_peers", lambda name: ["sklearn"] if name == "kde" else [])
    assert run.main(["--only", "kde", "gcj02", "--skip-pandana", "--quiet"]) == 0
    out = capsys.readouterr().out
    row = next(ln for ln in out.splitlines() if ln.startswith("kernel density"))
    assert row.rstrip().endswith("SKIP") and "1 target(s) not measured" in out


def _fake_machine() -> dict:
    return {
        "cpu": "test",
        "cores": 2,
        "ram_gb": 24.0,
        "python": "3",
        "os": "test",
        "date": "today",
        "corridor_geo": "0",
        "versions": {},
    }
