"""The online commands, end to end against local stand-ins: an address list to a report.

The three commands of the README (geocode, then report or access with --network osm)
run in-process against stand-ins of Amap and Overpass on 127.0.0.1.  Oracle: the two
labs are geocoded to the ends of the hand-made side roads (``_online.py``), so their
times to Binhai Avenue are the hand-computed ones.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from corridor_geo import cli
from corridor_geo.online.testing import StandIn, amap_geocode_answer

from . import _oracles
from ._online import (  # noqa: F401 - fixtures
    EAST_M,
    L1,
    L2,
    SECRET,
    WEST_M,
    fake_time_fixture,
    hand_network,
    offline_fixture,
)

pytest.importorskip("osmnx")

ADDRESSES = {"青岛市崂山区西路1号": L1, "青岛市崂山区东路2号": L2}


def amap_answers():
    out = {}
    for address, (lon, lat) in ADDRESSES.items():
        out[address] = amap_geocode_answer(*_oracles.wgs84_to_gcj02(lon, lat), "门牌号")
    return out


@pytest.fixture
def labs_csv(offline):
    path = offline / "labs.csv"
    pd.DataFrame(
        {
            "名称": ["西边实验室", "东边研究院", "无地址单位"],
            "类别": ["省级重点实验室", "科研院所", "高校"],
            "地址": [*ADDRESSES, ""],
        }
    ).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_geocode_command_writes_both_tables(offline, labs_csv, monkeypatch, capsys):
    monkeypatch.setenv("AMAP_KEY", SECRET)
    out = offline / "g"
    with StandIn(amap=amap_answers()) as server:
        rc = cli.main(
            ["geocode", str(labs_csv), "--out", str(out), "--base-url", server.url, "--qps", "50"]
        )
    printed = capsys.readouterr()
    assert rc == 1  # one row rejected
    ok = pd.read_csv(out / "geocoded.csv", encoding="utf-8-sig")
    bad = pd.read_csv(out / "rejected.csv", encoding="utf-8-sig")
    assert ok["name"].tolist() == ["西边实验室", "东边研究院"]
    assert ok["lon"].tolist() == pytest.approx([L1[0], L2[0]], abs=2e-6)
    assert ok["lat"].tolist() == pytest.approx([L1[1], L2[1]], abs=2e-6)
    assert set(ok["datum"]) == {"WGS84"} and set(ok["geocode_level"]) == {"门牌号"}
    assert bad["reason"].tolist() == ["missing address"]
    assert "3 rows read" in printed.out
    everything = printed.out + printed.err + (out / "geocoded.csv").read_text("utf-8-sig")
    assert SECRET not in everything + (out / "rejected.csv").read_text("utf-8-sig")


def test_geocode_command_needs_the_key_in_the_environment(offline, labs_csv, capsys):
    rc = cli.main(["geocode", str(labs_csv), "--out", str(offline / "g")])
    assert rc == 2
    assert "set the environment variable AMAP_KEY" in capsys.readouterr().err


def test_three_commands_from_addresses_to_a_report(offline, labs_csv, monkeypatch, capsys):
    monkeypatch.setenv("AMAP_KEY", SECRET)
    g, r, a = offline / "g", offline / "r", offline / "a"
    with StandIn(amap=amap_answers(), overpass=hand_network()) as server:
        cli.main(["geocode", str(labs_csv), "--out", str(g), "--base-url", server.url])
        geocoded = str(g / "geocoded.csv")
        osm = ["--network", "osm", "--overpass-url", server.overpass_url]
        rc_access = cli.main(["access", "--resources", geocoded, *osm, "--out", str(a)])
        rc_report = cli.main(["report", "--resources", geocoded, *osm, "--out", str(r), "--quiet"])
    capsys.readouterr()
    assert rc_access == 0
    times = pd.read_csv(a / "access.csv", encoding="utf-8-sig").set_index("name")
    assert times.loc["西边实验室", "axis_time_min"] == pytest.approx(
        WEST_M / (30 / 3.6) / 60, rel=1e-3
    )
    assert times.loc["东边研究院", "axis_time_min"] == pytest.approx(
        EAST_M / (40 / 3.6) / 60, rel=1e-3
    )
    # the report: share of the city, time to Binhai Avenue on the fetched roads, a map
    assert rc_report == 0
    html = (r / "report.html").read_text(encoding="utf-8")
    assert "Road network: OpenStreetMap through the Overpass API" in html
    assert "srcdoc" in html  # the interactive maps
    axis = pd.read_csv(r / "tables" / "access_time_to_axis.csv", encoding="utf-8-sig")
    assert axis.set_index("name")["travel_time_min"].to_dict() == pytest.approx(
        times["axis_time_min"].to_dict()
    )
    share = pd.read_csv(r / "tables" / "share_share_of_city.csv", encoding="utf-8-sig")
    corridor = share[(share["layer"] == "corridor") & (share["category"] == "ALL")].iloc[0]
    assert (corridor["count"], corridor["share_count"]) == (2, 1.0)


def test_network_osm_excludes_an_osm_file(offline, capsys):
    argv = ["access", "--resources", "x.csv", "--network", "osm", "--osm", "f.pbf", "--out", "o"]
    assert cli.main(argv) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_report_tianditu_basemap_asks_before_embedding_the_key(offline, monkeypatch, capsys):
    out = offline / "r"
    monkeypatch.setenv("TIANDITU_TK", SECRET)
    rc = cli.main(["report", "--out", str(out), "--basemap", "tianditu", "--quiet"])
    assert rc == 2
    assert "--embed-tianditu-key" in capsys.readouterr().err
    argv = ["report", "--out", str(out), "--basemap", "tianditu", "--embed-tianditu-key"]
    rc = cli.main([*argv, "--quiet"])
    assert "warning: the Tianditu key is written" in capsys.readouterr().err
    assert rc == 0
    assert f"tk={SECRET}" in (out / "report.html").read_text(encoding="utf-8")


def test_the_six_lines_of_python(offline, labs_csv, monkeypatch, layout):
    """The README's six lines, with the stand-ins' addresses as the only additions."""
    import corridor_geo as cg

    monkeypatch.setenv("AMAP_KEY", SECRET)
    with StandIn(amap=amap_answers(), overpass=hand_network()) as server:
        amap = {"base_url": server.url}
        osm = {"overpass_url": server.overpass_url}
        labs = cg.online.geocode(labs_csv, address="地址", provider="amap", **amap)
        share = cg.share_of_city(labs, layout=layout)
        times = cg.time_to_axis(labs, cg.online.graph_from_layout(layout, **osm), layout=layout)
        m = labs.explore(layout=layout, basemap="osm")
    corridor = share[(share["layer"] == "corridor") & (share["category"] == "ALL")].iloc[0]
    assert corridor["count"] == 2
    assert times["travel_time_min"].tolist() == pytest.approx(
        [WEST_M / (30 / 3.6) / 60, EAST_M / (40 / 3.6) / 60], rel=1e-3
    )
    page = m.get_root().render()
    assert "resources" in page and json.dumps("西边实验室")[1:-1] in page  # as JSON escapes
