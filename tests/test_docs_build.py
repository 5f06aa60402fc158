"""The API reference builds from the docstrings with warnings as errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mkdocs_builds_strict(tmp_path):
    pytest.importorskip("mkdocstrings")
    if not (ROOT / "mkdocs.yml").is_file():
        pytest.skip("not a source checkout")
    site = tmp_path / "site"
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    page = (site / "api" / "crs" / "index.html").read_text(encoding="utf-8")
    assert "gcj02_to_wgs84" in page and "Newton step" in page
