"""The report's metro-and-walking section: the library's figures, with the data's credit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from corridor_geo import report
from corridor_geo.resources import synthetic_resources
from corridor_geo.transit import transit_access_by_city


def test_transit_section_shows_the_shares_of_each_city(tmp_path, layout):
    rep = report.build_report(tmp_path / "r", layout=layout, sections=["transit"])
    assert not rep.problems
    got = pd.read_csv(rep.tables["transit_by_city"], encoding="utf-8-sig")
    # What the section used: the report's seeded synthetic resources.
    synthetic = synthetic_resources(
        report.DEFAULT_SYNTHETIC_N, seed=report.DEFAULT_SYNTHETIC_SEED, layout=layout
    )
    direct = transit_access_by_city(layout, cutoffs=(15, 30), resources=synthetic)
    np.testing.assert_allclose(got["area_share"], direct["area_share"], rtol=1e-12)
    np.testing.assert_allclose(got["resources_share"], direct["resources_share"], rtol=1e-12)
    # More of every city within 30 minutes than within 15.
    for _, rows in got.groupby("city"):
        assert rows.sort_values("minutes")["area_share"].is_monotonic_increasing
    page = rep.html_path.read_text(encoding="utf-8")
    assert "Metro and walking to Binhai Avenue" in page and "CC BY 4.0" in page
