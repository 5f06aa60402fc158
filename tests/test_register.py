"""The bundled institution register, checked against independent sources.

Oracles: the category registry; pyproj geodesic distances; Baidu's own district of each
POI against the bundled (Amap) district polygons; Amap's metro stations
(``../shared/reference/metro``, GCJ-02) for campuses named after a station and for the
datum of the Baidu points; the OpenStreetMap municipality boundary
(``../shared/sources/osm-admin``); the MetroMan stations of
``data/boundaries/axis_control_points.csv``; the house numbers of the rows that bracket a
street-level proxy; the sample institutions of ``data/samples``; a second point-in-polygon
count for the universities in the corridor, and one by category against the coverage table
of ``data/register/SOURCES.md``.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

import corridor_geo as cg
from corridor_geo import datasets
from corridor_geo.crs import transform_coords
from corridor_geo.resources import category_registry, institution_register

from .conftest import SHARED

GEOD = Geod(ellps="WGS84")
DATUMS = {"WGS84", "GCJ02", "BD09"}
# Corridor stock published by the city at the press conference of 2026-01-15.
OFFICIAL_UNIVERSITIES_IN_CORRIDOR = 8
OFFICIAL_IN_CORRIDOR = {
    "university": 8,
    "national_lab": 1,
    "state_key_lab": 8,
    "mfg_innovation_center": 2,
    "research_institute": 14,
}
# What the register finds with the bundled corridor (data/register/SOURCES.md).
REGISTER_UNIVERSITIES_IN_CORRIDOR = 7
SOURCE_REF = re.compile(r"^(https?://\S+|[\w.-]+/[\w.-]+@[0-9a-f]{40}:\S+)$")

# Campus rows and the Amap metro station named after the campus.
NAMED_STATIONS = {
    "U01": "海洋大学",
    "U05": "山东大学",
    "U07": "石油大学",
    "U08": "青岛科大",
    "U11": "农业大学",
    "U13": "扒山(滨海学院)",
    "U18": "毛家山(黄海学院)",
    "U22": "钱塘江路(青职学院)",
}


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(
        datasets.get_path("register/institutions.csv"), dtype=str, keep_default_na=False
    )


@pytest.fixture(scope="module")
def register():
    return institution_register()


@pytest.fixture(scope="module")
def points(register) -> gpd.GeoDataFrame:
    return register.accepted.set_index("id", drop=False)


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2], dtype=float)


def institution(name: str) -> str:
    """The institution of a campus row: the name without its bracketed campus."""
    return re.sub(r"\([^()]*校区[^()]*\)$", "", name)


def known_not_placed() -> pd.DataFrame:
    return pd.read_csv(
        datasets.get_path("register/known_not_placed.csv"), dtype=str, keep_default_na=False
    )


# --------------------------------------------------------------------------------------
# Every row: identity, category, source, accuracy
# --------------------------------------------------------------------------------------
def test_every_row_has_sources_accuracy_and_a_registry_category(raw):
    keys = set(category_registry()["key"])
    assert len(raw) >= 30
    assert raw["id"].str.len().gt(0).all() and raw["id"].is_unique
    assert set(raw["category"]) <= keys, set(raw["category"]) - keys
    assert set(raw["datum"]) <= DATUMS
    assert (raw["status"] == "register").all()
    for col in ("name_zh", "name_en", "position_of", "identity_source"):
        assert raw[col].str.strip().str.len().gt(0).all(), col
    bad = [s for s in raw["position_source"] if not SOURCE_REF.match(s)]
    assert not bad, bad
    accuracy = pd.to_numeric(raw["accuracy_m"])
    assert (accuracy > 0).all() and (accuracy <= 5000).all()
    proxies = raw["position_of"].str.contains("proxy")
    assert (accuracy[proxies] >= 2000).all()  # a town-level proxy is never precise


def test_founding_years_have_a_source(raw):
    dated = raw["founded"] != ""
    years = raw.loc[dated, "founded"].astype(int)
    assert dated.sum() >= 5
    assert years.between(1800, 2026).all()
    assert raw.loc[dated, "founded_source"].str.len().gt(0).all()
    assert (raw.loc[~dated, "founded_source"] == "").all()


def test_host_campus_rows_coincide_with_their_host_row(raw):
    table = raw.set_index("id")
    hosted = table[table["host"] != ""]
    labs = table[table["category"] == "state_key_lab"]
    assert len(labs) >= 1 and set(labs.index) <= set(hosted.index)  # every lab names a host
    for rid, row in hosted.iterrows():
        host = table.loc[row["host"].split()[0]]
        assert host["category"] in {"university", "research_institute", "national_lab"}, rid
        assert row["host"].split(maxsplit=1)[1] == host["name_zh"], rid  # the id names that row
        assert row["position_of"].startswith("host campus:"), rid
        assert (row["lon"], row["lat"], row["datum"]) == (host["lon"], host["lat"], host["datum"])
        assert row["position_source"] == host["position_source"], rid
        assert float(row["accuracy_m"]) >= float(host["accuracy_m"]), rid


def test_every_university_of_the_moe_list_is_placed_or_listed_as_missing(raw):
    # 所在地 青岛市 in the MoE list of 2025-06-20 (SOURCES.md): 25 institutions.
    moe = {
        "中国海洋大学", "山东科技大学", "中国石油大学(华东)", "青岛科技大学", "青岛理工大学",
        "青岛农业大学", "青岛滨海学院", "青岛大学", "青岛恒星科技学院", "青岛黄海学院",
        "青岛城市学院", "青岛工学院", "青岛电影学院", "康复大学", "青岛职业技术学院",
        "青岛飞洋职业技术学院", "山东外贸职业学院", "青岛酒店管理职业技术学院",
        "青岛港湾职业技术学院", "青岛求实职业技术学院", "山东文化产业职业学院",
        "青岛远洋船员职业学院", "青岛工程职业学院", "青岛幼儿师范高等专科学校",
        "青岛航空科技职业学院",
    }  # fmt: skip
    placed = {institution(n) for n in raw.loc[raw["category"] == "university", "name_zh"]}
    sources = datasets.get_path("register/SOURCES.md").read_text(encoding="utf-8")
    missing = moe - placed
    assert missing == {"康复大学"}
    assert all(name in sources.split("## Known but not placed")[1] for name in missing)
    unplaced = known_not_placed()
    listed = set(unplaced.loc[unplaced["category"] == "university", "name_zh"])
    assert missing <= listed


# --------------------------------------------------------------------------------------
# Reading: every row accepted, the per-row datum honoured
# --------------------------------------------------------------------------------------
def test_loader_accepts_every_row_and_honours_each_rows_datum(raw, register):
    assert register.n_read == len(raw) and len(register.rejected) == 0
    acc = register.accepted
    assert (acc["status"] == "register").all() and acc.crs.to_epsg() == 4326
    assert list(acc["id"]) == list(raw["id"])
    shift = metres(acc["lon_source"], acc["lat_source"], acc.geometry.x, acc.geometry.y)
    datum = acc["datum_source"].to_numpy()
    # Known sizes of the offsets in Qingdao: GCJ-02 about 430-470 m from WGS84, BD-09
    # a further ~0.0065 deg east and 0.006 deg north (about 1.2-1.3 km in all).
    assert (shift[datum == "WGS84"] == 0).all()
    assert ((shift[datum == "GCJ02"] > 400) & (shift[datum == "GCJ02"] < 500)).all()
    assert ((shift[datum == "BD09"] > 1100) & (shift[datum == "BD09"] < 1400)).all()
    assert set(datum) == DATUMS


def test_register_is_exported_lazily():
    assert cg.institution_register is institution_register
    assert "register" in datasets.FOLDERS


# --------------------------------------------------------------------------------------
# Positions against independent sources
# --------------------------------------------------------------------------------------
def test_positions_lie_in_the_district_the_source_names(points):
    districts = gpd.read_file(datasets.get_path("districts.geojson"))
    table = points.reset_index(drop=True)
    named = table[table["district"].notna() & (table["district"].astype(str) != "")]
    assert len(named) >= 20
    districts = districts[["name_zh", "geometry"]].rename(columns={"name_zh": "district_zh"})
    joined = gpd.sjoin(named, districts, predicate="within")
    assert len(joined) == len(named)
    wrong = joined.loc[
        joined["district"] != joined["district_zh"], ["id", "district", "district_zh"]
    ]
    assert wrong.empty, wrong


def test_positions_lie_in_qingdao_by_openstreetmap(points):
    path = SHARED / "sources" / "osm-admin" / "qingdao_admin_osm.geojson"
    if not path.is_file():
        pytest.skip(f"source data not available: {path}")
    osm = gpd.read_file(path)
    city = osm.loc[osm["admin_level"].astype(str) == "5"].to_crs(4549)
    assert len(city) == 1
    # OSM's coastal edges lie ~500 m off (its README): 600 m of tolerance at sea.
    land = shapely.buffer(city.geometry.iloc[0], 600.0)
    inside = shapely.contains(land, points.to_crs(4549).geometry.values)
    assert inside.all(), list(points.loc[~inside, "id"])


STATION_PROXY = re.compile(r"Metro Line 11 (\S+) station")


def test_station_proxies_are_the_axis_control_points(points, metro_reference):
    control = pd.read_csv(datasets.get_path("axis_control_points.csv")).set_index("name_zh")
    proxies = points[points["position_of"].map(lambda t: bool(STATION_PROXY.search(t)))]
    assert set(proxies["category"]) >= {"national_lab", "research_institute"}
    assert {"鳌山卫", "张村"} <= set(proxies["position_of"].str.extract(STATION_PROXY)[0])
    for rid, row in proxies.iterrows():
        name = STATION_PROXY.search(row["position_of"]).group(1)
        station = control.loc[f"{name}站"]
        assert (row["lon_source"], row["lat_source"]) == (station["lon"], station["lat"]), rid
        assert row["datum_source"] == station["datum"], rid
        assert row["position_source"] == station["source_ref"], rid
        # The same station in Amap's independent data set, both converted from GCJ-02:
        # a few tens of metres, up to ~110 m at an interchange (张村, Lines 4 and 11).
        d = float(metres(row.geometry.x, row.geometry.y, *_station_wgs84(metro_reference, name)))
        assert d < 150, (rid, name, round(d))


ADDRESS_NUMBER = re.compile(r"(?:^|[省市区县])([^\W\d_]{1,4}?路)(\d+)号")  # road, house number
BRACKET = re.compile(r"between .*?\(row (\w+)\) and .*?\(row (\w+)\)")
GROUNDS_M = 500.0  # the bracketed institute's own grounds, stated in its position_of


def test_bracketed_proxies_cover_the_rows_that_bracket_them(raw, points):
    """A street-level proxy between two campuses on the same numbered road.

    Oracles: the house numbers in the three rows' own addresses (same road, the proxied
    number between the two), and pyproj distances to the bracketing rows' points.
    """
    table = raw.set_index("id")
    bracketed = table[table["position_of"].map(lambda t: bool(BRACKET.search(t)))]
    assert len(bracketed) >= 1
    for rid, row in bracketed.iterrows():
        low, high = BRACKET.search(row["position_of"]).groups()
        numbers = {}
        for key in (low, rid, high):
            road, number = ADDRESS_NUMBER.search(table.loc[key, "address"]).groups()
            numbers[key] = (road, int(number))
        assert numbers[low][0] == numbers[rid][0] == numbers[high][0], numbers
        assert numbers[low][1] < numbers[rid][1] < numbers[high][1], numbers
        p = points.loc[rid]
        to, reach = [], []
        for key in (low, high):
            q = points.loc[key]
            d = float(metres(p.geometry.x, p.geometry.y, q.geometry.x, q.geometry.y))
            to.append(d)
            reach.append(d + float(q["accuracy_m"]))
        a, b = points.loc[low], points.loc[high]
        span = float(metres(a.geometry.x, a.geometry.y, b.geometry.x, b.geometry.y))
        assert max(to) < span, (rid, to, span)  # the proxy stands between the two rows
        bound = max(reach) + GROUNDS_M
        assert bound <= float(p["accuracy_m"]) < bound + 1000, (rid, round(bound))  # not padded
        assert "proxy" in row["position_of"] and float(p["accuracy_m"]) >= 2000


def _station_wgs84(metro_reference, name):
    row = metro_reference.loc[metro_reference["name"] == name].iloc[0]
    x, y = transform_coords(
        np.array([row["lng_gcj02"]]), np.array([row["lat_gcj02"]]), source="GCJ02", target="WGS84"
    )
    return float(x[0]), float(y[0])


def test_campuses_lie_near_the_stations_named_after_them(points, metro_reference):
    for rid, name in NAMED_STATIONS.items():
        sx, sy = _station_wgs84(metro_reference, name)
        row = points.loc[rid]
        d = float(metres(row.geometry.x, row.geometry.y, sx, sy))
        # the station stands at the campus edge: within the campus radius plus 300 m
        assert d <= row["accuracy_m"] + 300, (rid, name, round(d))


def test_baidu_points_fit_the_reference_best_as_bd09(points, metro_reference):
    rows = [r for r in NAMED_STATIONS if points.loc[r, "datum_source"] == "BD09"]
    assert len(rows) >= 5
    median = {}
    for hypothesis in ("BD09", "GCJ02", "WGS84"):
        d = []
        for rid in rows:
            row = points.loc[rid]
            x, y = transform_coords(
                np.array([row["lon_source"]]),
                np.array([row["lat_source"]]),
                source=hypothesis,
                target="WGS84",
            )
            d.append(
                float(metres(x[0], y[0], *_station_wgs84(metro_reference, NAMED_STATIONS[rid])))
            )
        median[hypothesis] = float(np.median(d))
    assert median["BD09"] < median["GCJ02"] < median["WGS84"], median


def test_sample_institutions_agree_with_their_register_rows(points):
    sample = cg.sample_resources().accepted.set_index("id")
    pairs = {"S01": "U01", "S02": "U05", "S03": "U08", "S04": "N01", "S05": "R01"}
    for sid, rid in pairs.items():
        s, r = sample.loc[sid], points.loc[rid]
        assert institution(s["name"]) == institution(r["name"]) or s["category"] == r["category"]
        d = float(metres(s.geometry.x, s.geometry.y, r.geometry.x, r.geometry.y))
        assert d <= s["accuracy_m"] + r["accuracy_m"], (sid, rid, round(d))


# --------------------------------------------------------------------------------------
# Universities in the corridor, against the city's count
# --------------------------------------------------------------------------------------
def test_universities_in_the_corridor_against_the_official_count(points, layout):
    unis = points[points["category"] == "university"]
    zones = cg.assign_zones(unis, layout=layout, layers="corridor")
    by_library = {institution(n) for n in unis.loc[zones["n_corridor"].to_numpy() > 0, "name"]}
    # Second implementation: shapely point-in-polygon in the metric CRS.
    corridor = shapely.union_all(layout.corridor.to_crs(4549).geometry.values)
    metric = unis.to_crs(4549).geometry.values
    inside = shapely.intersects(corridor, metric)
    by_shapely = {institution(n) for n in unis.loc[inside, "name"]}
    assert by_library == by_shapely
    assert len(by_library) == REGISTER_UNIVERSITIES_IN_CORRIDOR
    assert len(by_library) <= OFFICIAL_UNIVERSITIES_IN_CORRIDOR
    # Certain (point farther inside than its accuracy) and possible (within its accuracy).
    edge = shapely.distance(corridor.boundary, metric)
    radius = unis["accuracy_m"].to_numpy()
    certain = {institution(n) for n in unis.loc[inside & (edge > radius), "name"]}
    possible = {institution(n) for n in unis.loc[inside | (edge <= radius), "name"]}
    assert certain <= by_library <= possible
    assert (len(certain), len(possible)) == (2, 7)


# --------------------------------------------------------------------------------------
# Known but not placed, and coverage by category against the city's counts
# --------------------------------------------------------------------------------------
def test_known_but_not_placed_list_is_sourced_and_disjoint_from_the_register(raw):
    unplaced = known_not_placed()
    keys = set(category_registry()["key"])
    assert len(unplaced) >= 10 and unplaced["name_zh"].is_unique
    assert set(unplaced["category"]) - {""} <= keys  # blank: no registry category fits
    assert {"mfg_innovation_center", "state_key_lab", "research_institute"} <= set(
        unplaced["category"]
    )
    for col in ("name_zh", "name_en", "identity_source", "why_not_placed"):
        assert unplaced[col].str.strip().str.len().gt(0).all(), col
    dated = unplaced["founded"] != ""
    assert unplaced.loc[dated, "founded"].astype(int).between(1800, 2026).all()
    assert unplaced.loc[dated, "founded_source"].str.len().gt(0).all()
    assert not set(unplaced["name_zh"]) & set(raw["name_zh"])
    section = (
        datasets.get_path("register/SOURCES.md")
        .read_text(encoding="utf-8")
        .split("## Known but not placed")[1]
    )
    assert all(name in section for name in unplaced["name_zh"]), "list them in SOURCES.md too"


def _coverage_table() -> dict[str, tuple[int, int]]:
    """The coverage table of SOURCES.md: category -> (city's count, register rows inside)."""
    text = datasets.get_path("register/SOURCES.md").read_text(encoding="utf-8")
    section = text.split("## Coverage against the city")[1].split("\n## ")[0]
    table = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        key = re.search(r"\(`(\w+)`\)", cells[0]) if len(cells) >= 3 else None
        if key and cells[1].isdigit():
            table[key.group(1)] = (int(cells[1]), int(re.match(r"\d+", cells[2]).group()))
    return table


def test_corridor_counts_by_category_match_the_coverage_table(points, layout):
    corridor = shapely.union_all(layout.corridor.to_crs(4549).geometry.values)
    metric = points.to_crs(4549)
    inside = shapely.intersects(corridor, metric.geometry.values)
    found = {}
    for category in OFFICIAL_IN_CORRIDOR:
        rows = points[(points["category"] == category).to_numpy() & inside]
        found[category] = len({institution(n) for n in rows["name"]})  # institutions, not rows
    table = _coverage_table()
    assert set(table) == set(OFFICIAL_IN_CORRIDOR)
    for category, (official, stated) in table.items():
        assert official == OFFICIAL_IN_CORRIDOR[category], category
        assert stated == found[category] <= official, (category, stated, found[category])
    assert found["research_institute"] >= 2 and found["state_key_lab"] >= 1
    # Outside universities, no point lies farther inside than its stated accuracy: every
    # one of these rows is possibly, none certainly, inside (SOURCES.md says so).
    others = (points["category"] != "university").to_numpy()
    edge = shapely.distance(corridor.boundary, metric.geometry.values)
    certain = inside & others & (edge > points["accuracy_m"].to_numpy())
    assert not certain.any(), list(points.loc[certain, "id"])
