"""Live smoke tests against the real services: skipped unless you ask for them.

They are the only tests that leave 127.0.0.1, so they never run by default (nor in CI).
To run them, with the keys you have::

    export CORRIDOR_GEO_LIVE=1
    export AMAP_KEY=...  BAIDU_AK=...  TIANDITU_TK=...   # any of them
    python -m pytest tests/test_online_live.py -v

Each service's test is skipped when its key is not set; the OpenStreetMap tests need
only the network.  Answers are cached in a temporary folder, so nothing is left behind.
The checks are loose on purpose (real data change): Ocean University of China's Laoshan
campus (松岭路238号) must come back within 1.5 km of where it is, the corridor's
OpenStreetMap road network must reach Binhai Avenue, and Amap must know universities in
the corridor.
"""

from __future__ import annotations

import os

import pytest
from pyproj import Geod

pytestmark = pytest.mark.skipif(
    os.environ.get("CORRIDOR_GEO_LIVE") != "1",
    reason="live services: set CORRIDOR_GEO_LIVE=1 (and the keys) to run",
)

OUC = (120.4907, 36.1674)  # Ocean University of China, Laoshan campus (WGS84, approximate)


def needs(var):
    if not os.environ.get(var):
        pytest.skip(f"set {var} to test this service")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDOR_GEO_CACHE", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    ("provider", "var"), [("amap", "AMAP_KEY"), ("baidu", "BAIDU_AK"), ("tianditu", "TIANDITU_TK")]
)
def test_live_geocoding(provider, var, cache):
    import pandas as pd

    from corridor_geo.online import geocode

    needs(var)
    table = pd.DataFrame({"地址": ["山东省青岛市崂山区松岭路238号"], "类别": ["高校"]})
    res = geocode(table, address="地址", provider=provider, min_level="road")
    assert len(res.accepted) == 1, res.rejected.to_dict("records")
    p = res.accepted.geometry.iloc[0]
    assert Geod(ellps="WGS84").inv(p.x, p.y, *OUC)[2] < 1500


def test_live_osm_network_reaches_binhai_avenue(cache, layout):
    import geopandas as gpd

    import corridor_geo as cg
    from corridor_geo.online import graph_from_layout

    G = graph_from_layout(layout, zone="cities:digital", buffer_m=500)
    assert G.number_of_edges() > 100
    lab = gpd.GeoSeries(gpd.points_from_xy([OUC[0]], [OUC[1]]), crs=4326)
    out = cg.time_to_axis(lab, G, layout=layout)
    assert out["reachable"].iloc[0] and out["travel_time_min"].iloc[0] < 15


def test_live_osm_places(cache, layout):
    from corridor_geo.online import features_from_layout

    res = features_from_layout(layout, categories=["university", "metro_station"])
    assert (res.accepted["category"] == "university").sum() >= 2


def test_live_amap_pois(cache):
    from corridor_geo.online import amap_pois

    needs("AMAP_KEY")
    res = amap_pois(types=["141201"])
    assert (res.accepted["category"] == "university").sum() >= 3
