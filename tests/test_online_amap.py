"""Amap POIs by type inside the corridor, against a local stand-in of the polygon search.

Oracle: POIs are placed at known WGS84 positions and served in GCJ-02 computed with the
published forward formula (``_oracles.py``); which of them lie inside the corridor is
decided with shapely on the WGS84 positions.  The stand-in serves 200 results at most per
query, as Amap does, so a dense area must be split to get them all.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from corridor_geo.online import ServiceError
from corridor_geo.online.amap import amap_pois
from corridor_geo.online.testing import StandIn, amap_poi

from . import _oracles
from ._online import SECRET, fake_time_fixture, offline_fixture  # noqa: F401 - fixtures

UNI = ("141201", "科教文化服务;学校;高等院校")
INST = ("141300", "科教文化服务;科研机构;科研机构")
HOSP = ("090100", "医疗保健服务;综合医院;综合医院")
ODD = ("141207", "科教文化服务;学校;学校内部设施")


def poi(i, lon, lat, kind):
    gx, gy = _oracles.wgs84_to_gcj02(lon, lat)
    return amap_poi(f"B{i:05d}", f"place {i}", gx, gy, typecode=kind[0], type=kind[1])


def run(server, **kw):
    options = {"key": SECRET, "base_url": server.url, "cache_dir": None, "qps": 1000.0}
    options.update(kw)
    return amap_pois(**options)


def test_pois_inside_the_corridor_in_wgs84(offline, fake_time, layout):
    pois = [
        poi(1, 120.4907, 36.1674, UNI),  # inside, near the axis
        poi(2, 120.4731, 36.1226, INST),
        poi(3, 120.4766, 36.1279, HOSP),  # not a requested type
        poi(4, 120.3000, 36.0700, UNI),  # Qingdao, outside the corridor
        poi(5, 120.4800, 36.1400, ODD),  # requested (141200 covers it) but no category
    ]
    with StandIn(amap_pois=pois) as server:
        res = run(server, types=["141201", "141300", "141200"], layout=layout)
        req = next(r for r in server.requests if r.service == "amap")
    assert req.path == "/v3/place/polygon" and req.params["key"] == SECRET
    assert req.params["types"] == "141201|141300|141200" and req.params["offset"] == "25"
    ring = [tuple(map(float, p.split(","))) for p in req.params["polygon"].split("|")]
    assert ring[0] == ring[-1] and all(
        len(p.split(",")[0].split(".")[1]) <= 6 for p in req.params["polygon"].split("|")
    )
    acc = res.accepted.set_index("id")
    assert sorted(acc.index) == ["B00001", "B00002"]
    assert acc.loc["B00001", "category"] == "university"
    assert acc.loc["B00002", "category"] == "research_institute"
    geod = Geod(ellps="WGS84")
    for pid, (lon, lat) in {"B00001": (120.4907, 36.1674), "B00002": (120.4731, 36.1226)}.items():
        p = acc.loc[pid, "geometry"]
        assert geod.inv(p.x, p.y, lon, lat)[2] < 0.15  # 6 decimals in the answer
    assert set(acc["datum_source"]) == {"GCJ02"} and set(acc["status"]) == {"amap"}
    assert "学校内部设施" in res.rejected.set_index("id").loc["B00005", "reason"]
    assert res.n_read == 3


def test_the_query_polygon_is_in_gcj02_and_covers_the_corridor(offline, fake_time, layout):
    from corridor_geo.crs import to_datum

    with StandIn(amap_pois=[]) as server:
        run(server)
        req = server.requests[0]
    ring = [tuple(map(float, p.split(","))) for p in req.params["polygon"].split("|")]
    asked = shapely.Polygon(ring)
    corridor_gcj = to_datum(layout.corridor, "GCJ02").geometry.iloc[0]
    corridor_wgs = layout.corridor.geometry.iloc[0]
    assert asked.contains(corridor_gcj)
    # sent as WGS84 it would miss the eastern strip: GCJ-02 really was used
    assert not shapely.Polygon(ring).equals(shapely.Polygon(corridor_wgs.exterior))
    assert asked.difference(corridor_gcj).area < 0.1 * corridor_gcj.area


def test_pages_are_followed(offline, fake_time):
    rng = np.random.default_rng(0)
    lons = rng.uniform(120.475, 120.485, 60)
    lats = rng.uniform(36.125, 36.135, 60)
    pois = [poi(i, x, y, UNI) for i, (x, y) in enumerate(zip(lons, lats))]
    with StandIn(amap_pois=pois) as server:
        res = run(server, page_size=25)
        pages = [r.params["page"] for r in server.requests]
    assert pages == ["1", "2", "3"]
    assert len(res.accepted) == 60


def test_dense_areas_are_split_beyond_the_200_cap(offline, fake_time, layout):
    rng = np.random.default_rng(1)
    corridor = layout.corridor.geometry.iloc[0]
    pts = []
    while len(pts) < 450:
        x, y = rng.uniform(120.46, 120.50), rng.uniform(36.10, 36.17)
        if corridor.contains(shapely.Point(x, y)):
            pts.append((x, y))
    pois = [poi(i, x, y, UNI) for i, (x, y) in enumerate(pts)]
    with StandIn(amap_pois=pois) as server:
        res = run(server)
    assert len(res.accepted) == 450
    assert res.accepted["id"].is_unique
    with StandIn(amap_pois=pois) as server:
        capped = run(server, max_depth=0)
    assert len(capped.accepted) == 200
    assert any("200-result cap" in n for n in capped.notes)


def test_pages_come_from_the_cache_the_second_time(offline, fake_time):
    pois = [poi(1, 120.4907, 36.1674, UNI)]
    with StandIn(amap_pois=pois) as server:
        first = run(server, cache_dir=offline / "amap")
        second = run(server, cache_dir=offline / "amap")
        assert server.count("amap") == 1
    assert first.accepted["id"].tolist() == second.accepted["id"].tolist()


@pytest.mark.parametrize("fault", ["invalid_key", "quota"])
def test_key_and_quota_errors_raise_without_the_key(offline, fake_time, fault):
    with StandIn(amap_pois=[]) as server:
        server.fail_next("amap", fault)
        with pytest.raises(ServiceError) as info:
            run(server)
    text = str(info.value)
    assert {"invalid_key": "INVALID_USER_KEY", "quota": "DAILY_QUERY_OVER_LIMIT"}[fault] in text
    assert SECRET not in text and info.value.__cause__ is None


def test_transient_failures_are_retried(offline, fake_time):
    pois = [poi(1, 120.4907, 36.1674, UNI)]
    with StandIn(amap_pois=pois) as server:
        server.fail_next("amap", "500", "qps", "429")
        res = run(server)
    assert len(res.accepted) == 1


def test_one_category_for_all_and_a_zone(offline, fake_time, layout):
    pois = [poi(1, 120.6800, 36.3700, ODD)]  # in the Ocean S&T City (Blue Valley)
    with StandIn(amap_pois=pois) as server:
        res = run(server, where=layout, zone="cities:ocean", types=["141200"], category="高校")
    assert res.accepted["category"].tolist() == ["university"]


def test_key_is_required(offline):
    with pytest.raises(ValueError, match="AMAP_KEY"):
        amap_pois(cache_dir=None)
