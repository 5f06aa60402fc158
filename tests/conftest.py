from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
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
