from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference"


@pytest.fixture(scope="session")
def layout():
    from corridor_geo import load_layout

    return load_layout()


@pytest.fixture(scope="session")
def metro_reference():
    """Qingdao metro stations from Amap (GCJ-02), third-party reference data for tests."""
    import pandas as pd

    path = REFERENCE / "metro" / "qingdao_metro_stations_amap.csv"
    if not path.is_file():
        pytest.skip(f"reference data not available: {path}")
    return pd.read_csv(path)


@pytest.fixture(scope="session")
def layout_builders():
    """The build-time layout builders, ``scripts/layout_builders.py`` of the source tree."""
    import importlib
    import sys

    scripts = ROOT / "scripts"
    if not (scripts / "layout_builders.py").is_file():
        pytest.skip("not a source checkout: scripts/layout_builders.py is absent")
    if str(scripts) not in sys.path:
        sys.path.insert(0, str(scripts))
    return importlib.import_module("layout_builders")
