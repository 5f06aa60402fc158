"""Geocoding address lists against local stand-ins of Amap, Baidu and Tianditu.

Oracle: known WGS84 positions are turned into each provider's datum with the published
forward formulas transcribed in ``_oracles.py`` (not the library's code); the stand-in
answers those, and the library must come back to the WGS84 positions.  Levels, rejected
rows and their reasons are checked row by row.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from corridor_geo.online import geocode
from corridor_geo.online.testing import (
    StandIn,
    amap_geocode_answer,
    baidu_geocode_answer,
    tianditu_geocode_answer,
)

from . import _oracles
from ._online import SECRET, fake_time_fixture, offline_fixture  # noqa: F401 - fixtures

GEOD = Geod(ellps="WGS84")

# Positions in WGS84 (inside Qingdao), and the level each provider answers.
PLACES = {
    "青岛市崂山区松岭路238号": (120.490760, 36.167410),
    "青岛市即墨区滨海路72号": (120.673560, 36.366020),
    "青岛市李沧区九水东路": (120.437250, 36.173820),
    "青岛市崂山区": (120.468740, 36.107040),
}
LEVEL = {
    "amap": ["门牌号", "兴趣点", "道路", "区县"],
    "baidu": ["门址", "教育", "道路", "区县"],
    "tianditu": ["门址", "兴趣点", "道路", "区县"],
}


def table():
    return pd.DataFrame(
        {
            "名称": [
                "中国海洋大学",
                "山东大学(青岛)",
                "院士港",
                "崂山区政府",
                "无地址",
                "查无此处",
            ],
            "类别": ["高校", "高校", "科研院所", "科研院所", "高校", "高校"],
            "地址": [*PLACES, "", "青岛市不存在路999号"],
        }
    )


def answers(provider):
    out = {}
    for (address, (lon, lat)), level in zip(PLACES.items(), LEVEL[provider]):
        gx, gy = _oracles.wgs84_to_gcj02(lon, lat)
        if provider == "amap":
            out[address] = amap_geocode_answer(gx, gy, level, formatted_address=address)
        elif provider == "baidu":
            bx, by = _oracles.gcj02_to_bd09(gx, gy)
            out[address] = baidu_geocode_answer(bx, by, level, confidence=75)
        else:
            out[address] = tianditu_geocode_answer(lon, lat, level, score=90)
    return out


def run(provider, server, tmp_path, **kw):
    options = {
        "address": "地址",
        "provider": provider,
        "key": SECRET,
        "base_url": server.url,
        "cache_dir": tmp_path / "cache",
        "qps": 1000.0,
        "name": "名称",
    }
    options.update(kw)
    return geocode(table(), **options)


@pytest.mark.parametrize("provider", ["amap", "baidu", "tianditu"])
def test_results_are_wgs84_with_the_providers_level(offline, fake_time, provider):
    with StandIn(**{provider: answers(provider)}) as server:
        res = run(provider, server, offline, min_level="road")
    assert res.n_read == 6 and len(res.accepted) == 3 and len(res.rejected) == 3
    acc = res.accepted.set_index("name")
    expected = dict(zip(["中国海洋大学", "山东大学(青岛)", "院士港"], PLACES.values()))
    for name, (lon, lat) in expected.items():
        p = acc.loc[name, "geometry"]
        _, _, dist = GEOD.inv(p.x, p.y, lon, lat)
        # answers carry 6 decimals (about 0.1 m): back to the position within that
        assert dist < 0.15, (provider, name, dist)
    assert acc["geocode_level"].tolist() == LEVEL[provider][:3]
    assert acc["geocode_level_class"].tolist() == ["address", "poi", "road"]
    assert res.accepted.crs.to_epsg() == 4326
    assert set(acc["datum_source"]) == {
        {"amap": "GCJ02", "baidu": "BD09", "tianditu": "CGCS2000"}[provider]
    }
    assert set(acc["category"]) == {"university", "research_institute"}
    reasons = dict(zip(res.rejected["名称"], res.rejected["reason"]))
    assert reasons["无地址"] == "missing address"
    assert "no match" in reasons["查无此处"]
    assert reasons["崂山区政府"].startswith("match only at level 区县 (district)")
    assert "coarser than min_level 'road'" in reasons["崂山区政府"]


def test_amap_gcj02_is_really_converted(offline, fake_time):
    """The answer is 400-500 m east of the WGS84 position: taking it as WGS84 is wrong."""
    with StandIn(amap=answers("amap")) as server:
        res = run("amap", server, offline)
    row = res.accepted.iloc[0]
    _, _, shift = GEOD.inv(row["lon_source"], row["lat_source"], row.geometry.x, row.geometry.y)
    assert 350 < shift < 600


def test_default_min_level_rejects_roads(offline, fake_time):
    with StandIn(amap=answers("amap")) as server:
        res = run("amap", server, offline)
    assert res.accepted["name"].tolist() == ["中国海洋大学", "山东大学(青岛)"]
    road = res.rejected.set_index("名称").loc["院士港"]
    assert road["geocode_level"] == "道路"
    assert road["reason"] == "match only at level 道路 (road), coarser than min_level 'poi'"


def test_tianditu_puts_the_city_in_front_and_baidu_sends_it(offline, fake_time):
    with StandIn(tianditu={}, baidu={}) as server:
        run("tianditu", server, offline, city="青岛市")
        run("baidu", server, offline)
        sent_t = [r.params["ds"] for r in server.requests if r.service == "tianditu"]
        sent_b = [r.params for r in server.requests if r.service == "baidu"]
    assert '{"keyWord": "青岛市崂山区松岭路238号"}' in sent_t  # already starts with the city
    assert all(p["city"] == "青岛市" and p["output"] == "json" for p in sent_b)


def test_quota_mid_run_rejects_the_rest_without_requests(offline, fake_time):
    with StandIn(amap=answers("amap"), quota=2) as server:
        res = run("amap", server, offline)
        n = server.count("amap")
    assert n == 3  # two answered, the third got "quota exceeded", nothing after
    reasons = res.rejected.set_index("名称")["reason"]
    assert "DAILY_QUERY_OVER_LIMIT (10003)" in reasons["院士港"]
    assert reasons["崂山区政府"].startswith("not requested: Amap DAILY_QUERY_OVER_LIMIT")
    assert len(res.accepted) == 2


def test_quota_then_resume_tomorrow_asks_only_the_rest(offline, fake_time):
    with StandIn(amap=answers("amap"), quota=2) as server:
        run("amap", server, offline)
        server.quota = None  # a new day, a new quota
        server.requests.clear()
        res = run("amap", server, offline)
        asked = [r.params["address"] for r in server.requests]
    # the two answered before come from the cache; the refused one is asked again
    assert asked == ["青岛市李沧区九水东路", "青岛市崂山区", "青岛市不存在路999号"]
    assert res.accepted["geocode_cached"].tolist() == [True, True]


@pytest.mark.parametrize("provider", ["amap", "baidu", "tianditu"])
def test_invalid_key_rejects_every_row_and_never_shows_the_key(
    offline, fake_time, provider, caplog
):
    caplog.set_level(logging.DEBUG)
    with StandIn(**{provider: answers(provider)}, keys={"the-right-key"}) as server:
        res = run(provider, server, offline)
        n = server.count(provider)
    assert len(res.accepted) == 0 and n == 1
    reasons = res.rejected.set_index("名称")["reason"]
    assert reasons["无地址"] == "missing address"
    first = reasons["中国海洋大学"]
    assert {"amap": "INVALID_USER_KEY", "baidu": "status 200", "tianditu": "HTTP 403"}[
        provider
    ] in first
    assert reasons["山东大学(青岛)"].startswith("not requested:")
    dumped = res.rejected.to_csv() + res.accepted.to_csv() + res.summary() + caplog.text
    assert SECRET not in dumped


@pytest.mark.parametrize("provider", ["amap", "baidu"])
def test_qps_refusals_are_retried(offline, fake_time, provider):
    with StandIn(**{provider: answers(provider)}) as server:
        server.fail_next(provider, "qps", "429")
        res = run(provider, server, offline)
    assert len(res.accepted) == 2
    assert fake_time.sleeps.count(1.0) == 1 and fake_time.sleeps.count(2.0) == 1


def test_failures_after_retries_are_rejected_rows(offline, fake_time):
    with StandIn(amap=answers("amap")) as server:
        server.fail_next("amap", "500", "500", "malformed")
        res = run("amap", server, offline, retries=1)
    reasons = res.rejected.set_index("名称")["reason"]
    assert reasons["中国海洋大学"] == "HTTP 500 Internal Server Error (2 attempts)"
    assert reasons["山东大学(青岛)"] == "malformed answer from Amap (not JSON)"
    assert len(res.accepted) == 0 or "中国海洋大学" not in set(res.accepted["name"])


def test_repeated_addresses_are_asked_once(offline, fake_time):
    frame = pd.DataFrame(
        {"地址": ["青岛市崂山区松岭路238号"] * 3, "类别": ["高校"] * 3, "名称": ["a", "b", "c"]}
    )
    with StandIn(amap=answers("amap")) as server:
        res = geocode(
            frame, address="地址", key=SECRET, base_url=server.url, cache_dir=None, qps=1000
        )
        assert server.count("amap") == 1
    assert len(res.accepted) == 3


def test_rows_add_up_and_other_read_rules_still_apply(offline, fake_time):
    far = {"北京市天安门": amap_geocode_answer(116.397499, 39.908722, "兴趣点")}
    frame = pd.DataFrame({"地址": ["北京市天安门"], "类别": ["外星基地"]})
    with StandIn(amap=far) as server:
        res = geocode(
            frame,
            key=SECRET,
            base_url=server.url,
            cache_dir=None,
            city=None,
            strict_categories=True,  # passed on to read_resources
        )
    assert res.n_read == len(res.accepted) + len(res.rejected) == 1
    reason = res.rejected["reason"].iloc[0]
    assert "outside Qingdao" in reason and "unknown category '外星基地'" in reason


def test_file_input_and_default_category(offline, fake_time):
    path = offline / "labs.csv"
    pd.DataFrame({"address": list(PLACES)[:2]}).to_csv(path, index=False, encoding="gbk")
    with StandIn(amap=answers("amap")) as server:
        res = geocode(
            path, key=SECRET, base_url=server.url, cache_dir=None, default_category="高校"
        )
    assert len(res.accepted) == 2 and set(res.accepted["category"]) == {"university"}
    assert "labs.csv" in res.source


def test_key_from_the_environment_and_a_clear_error_without(offline, fake_time, monkeypatch):
    with pytest.raises(ValueError, match="AMAP_KEY"):
        geocode(table(), address="地址")
    monkeypatch.setenv("BAIDU_AK", SECRET)
    with StandIn(baidu=answers("baidu")) as server:
        res = geocode(table(), address="地址", provider="baidu", base_url=server.url)
        assert server.requests[0].params["ak"] == SECRET
    assert len(res.accepted) == 2


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown provider"):
        geocode(table(), provider="google", key="k")
    with pytest.raises(ValueError, match="unknown min_level"):
        geocode(table(), min_level="street", key="k")
    with pytest.raises(ValueError, match="address column"):
        geocode(pd.DataFrame({"x": ["a"]}), key="k")


def test_accepted_points_feed_the_analyses(offline, fake_time, layout):
    import corridor_geo as cg

    with StandIn(amap=answers("amap")) as server:
        res = run("amap", server, offline, min_level="road")
    share = cg.share_of_city(res, layout=layout)
    assert int(share.loc[share["category"] == "university", "count"].sum()) >= 2
    assert np.isfinite(cg.chainage(res.accepted, layout=layout)["chainage_km"]).all()
