"""The default report's real-data sections, each figure against an independent computation.

Oracles: the metro stations and the corridor projected with pyproj directly and counted
with shapely (stations per km by ``LineString.project``, the stations' share by
point-in-polygon); the area within 800 m of a station as the union of geodesic circles
drawn with ``pyproj.Geod`` and measured on the ellipsoid; the register's universities by
a second point-in-polygon and the names ``data/register/SOURCES.md`` lists; the
sub-districts' part in the corridor by geodesic areas of shapely intersections in WGS84.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from corridor_geo import datasets
from corridor_geo.metro import metro_stations
from corridor_geo.population import census_subdistricts
from corridor_geo.resources import institution_register

GEOD = pyproj.Geod(ellps="WGS84")
TO_GK = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)

# The city's corridor stock, press conference of 2026-01-15 (shared/plan/FACTS.md).
OFFICIAL_UNIVERSITIES = 8
# data/register/SOURCES.md: the universities with a campus point in the bundled corridor,
# and the two farther inside than their accuracy.
REGISTER_UNIVERSITIES = {
    "中国海洋大学",
    "山东大学",
    "青岛科技大学",
    "青岛大学",
    "青岛恒星科技学院",
    "山东外贸职业学院",
    "青岛酒店管理职业技术学院",
}
CERTAIN_UNIVERSITIES = {"青岛恒星科技学院", "青岛酒店管理职业技术学院"}


@pytest.fixture(scope="module")
def rep(styled_report):
    return styled_report[0]  # the session's default report (tests/conftest.py)


@pytest.fixture(scope="module")
def page(rep) -> str:
    return rep.html_path.read_text(encoding="utf-8")


def table(rep, name: str) -> pd.DataFrame:
    return pd.read_csv(rep.tables[name], encoding="utf-8-sig")


def gk(geom):
    """A WGS84 shapely geometry in EPSG:4549, through pyproj alone."""
    return shapely.transform(geom, lambda xy: np.column_stack(TO_GK.transform(*xy.T)))


@pytest.fixture(scope="module")
def corridor_wgs(layout):
    return shapely.union_all(layout.corridor.to_crs(4326).geometry.values)


@pytest.fixture(scope="module")
def stations():
    return metro_stations()


def geodesic_area_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


# --------------------------------------------------------------------------------------
# Metro
# --------------------------------------------------------------------------------------
def test_stations_per_km_along_the_axis(rep, layout, stations, corridor_wgs):
    profile = table(rep, "metro_axis_profile")
    bin_km = rep.config.metro_bin_km
    axis = gk(layout.axis.to_crs(4326).geometry.iloc[0])
    corridor = gk(corridor_wgs)
    x, y = TO_GK.transform(stations["lon"].to_numpy(), stations["lat"].to_numpy())
    pts = shapely.points(x, y)
    inside = pts[shapely.contains(corridor, pts)]
    chainage = np.array([axis.project(p) for p in inside])
    counts = np.bincount((chainage // (bin_km * 1000)).astype(int), minlength=len(profile))
    assert profile["stations"].tolist() == counts.tolist()
    assert profile["stations_per_km"].to_numpy() == pytest.approx(
        counts / profile["length_km"].to_numpy()
    )
    assert profile["end_km"].iloc[-1] == pytest.approx(axis.length / 1000, abs=1e-6)


def test_stations_share_of_the_city(rep, layout, stations, corridor_wgs):
    by_city = table(rep, "metro_by_city").set_index("zone")
    xy = stations[["lon", "lat"]].to_numpy()
    assert by_city.loc["corridor", "stations"] == shapely.contains_xy(corridor_wgs, *xy.T).sum()
    for _, city in layout.cities.to_crs(4326).iterrows():
        n = int(shapely.contains_xy(city.geometry, *xy.T).sum())
        assert by_city.loc[city["key"], "stations"] == n
        assert by_city.loc[city["key"], "share_of_city"] == pytest.approx(n / len(stations))
    assert (by_city["city_count"] == len(stations)).all()  # every station is in Qingdao
    # Stations per km of axis: the axis' length through each city, from the layout.
    assert by_city.loc["corridor", "stations_per_axis_km"] == pytest.approx(
        by_city.loc["corridor", "stations"] / by_city.loc["corridor", "axis_km"]
    )
    assert np.isnan(by_city.loc["youth", "stations_per_axis_km"])  # the axis misses 李沧区


def test_share_within_800_m_against_geodesic_circles(rep, layout, stations, corridor_wgs):
    by_city = table(rep, "metro_by_city").set_index("zone")
    radius = rep.config.metro_radius_m
    az = np.linspace(0, 360, 181)[:-1]
    circles = []
    for lon, lat in stations[["lon", "lat"]].to_numpy():
        n = az.size
        lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius))
        circles.append(shapely.Polygon(np.column_stack([lons, lats])))
    reach = shapely.union_all(circles)
    zones = {"corridor": corridor_wgs}
    zones.update(dict(zip(layout.cities["key"], layout.cities.to_crs(4326).geometry)))
    for zone, geom in zones.items():
        share = geodesic_area_km2(geom.intersection(reach)) / geodesic_area_km2(geom)
        # Planar buffers in EPSG:4549 against geodesic circles: within a part in 1,000.
        assert by_city.loc[zone, "area_share"] == pytest.approx(share, rel=1e-3), zone
    assert 0.2 < by_city.loc["corridor", "area_share"] < 0.35


def test_people_within_reach_shown_where_the_shares_would_repeat(rep, page):
    """With one estimated density per city, population share == area share: not repeated."""
    by_city = table(rep, "metro_by_city").set_index("zone")
    cities = by_city.loc[by_city["layer"] == "cities"]
    # Areal weighting from district totals: each city lies in one district, one density.
    assert cities["population_share"].to_numpy() == pytest.approx(
        cities["area_share"].to_numpy(), abs=1e-5
    )
    section = re.search(r'<section id="metro">(.*?)</section>', page, flags=re.S).group(1)
    shown = section[section.index("<table") : section.index("</table>")]
    headers = re.findall(r"<th[^>]*>(.*?)</th>", shown)
    assert "covered_population_est" in headers and "population_share" not in headers
    assert "equals the share of its area" in section
    for zone, row in by_city.iterrows():  # people within reach, rounded to 100
        cells = re.findall(r"<td[^>]*>(.*?)</td>", shown.split(html.escape(row["name_en"]))[1])
        people = int(round(row["covered_population_est"] / 100) * 100)
        assert f"{people:,}" in cells[: len(headers)], zone


def test_metro_attribution_wherever_the_metro_is_shown(rep, page, stations):
    credit = stations.attrs["attribution"]
    section = re.search(r'<section id="metro">(.*?)</section>', page, flags=re.S).group(1)
    escaped = credit.replace("&", "&amp;").replace("'", "&#x27;")
    assert escaped in section  # beside the figures
    assert section.count("CC BY 4.0") >= 3  # text, both figure captions
    # In the interactive map's own attribution control (inside the iframe's srcdoc).
    assert "attributionControl.addAttribution" in section and "CC BY 4.0" in section
    footer = page[page.index("<footer>") :]
    assert escaped in footer
    assert "OpenStreetMap contributors" in footer  # the sub-districts' ODbL credit
    # The GeoPackage layers carry their licence in their columns.
    import geopandas as gpd

    layer = gpd.read_file(rep.gpkg_path, layer="metro_stations")
    assert len(layer) == len(stations) and set(layer["licence"]) == {"CC BY 4.0"}


# --------------------------------------------------------------------------------------
# Register
# --------------------------------------------------------------------------------------
def institution(name: str) -> str:
    # The institution of a campus row, as data/register/SOURCES.md names them.
    return next((u for u in REGISTER_UNIVERSITIES if name.startswith(u)), name)


def test_register_universities_against_a_second_point_in_polygon(rep, layout):
    reg = institution_register().accepted
    unis = reg[reg["category"] == "university"]
    corridor = gk(shapely.union_all(layout.corridor.to_crs(4326).geometry.values))
    x, y = TO_GK.transform(unis.geometry.x.to_numpy(), unis.geometry.y.to_numpy())
    pts = shapely.points(x, y)
    inside = shapely.contains(corridor, pts)
    found = {institution(n) for n in unis.loc[inside, "name"]}
    assert found == REGISTER_UNIVERSITIES
    edge = shapely.distance(corridor.boundary, pts)
    certain = {institution(n) for n in unis.loc[inside & (edge > unis["accuracy_m"]), "name"]}
    assert certain == CERTAIN_UNIVERSITIES

    summary = table(rep, "register_summary").set_index("category")
    row = summary.loc["university"]
    assert row["in_corridor"] == len(REGISTER_UNIVERSITIES)
    assert row["certain"] == len(CERTAIN_UNIVERSITIES)
    assert row["official_corridor"] == OFFICIAL_UNIVERSITIES
    assert row["verdict"] == "register incomplete"  # 7 possible < 8 official
    n_institutions = len({re.sub(r"\([^()]*校区[^()]*\)$", "", n) for n in unis["name"]})
    assert row["institutions"] == n_institutions == 26
    assert row["share_of_city"] == pytest.approx(len(REGISTER_UNIVERSITIES) / n_institutions)
    # Categories the register covers only in part have no share of the city.
    assert summary.drop(index="university")["share_of_city"].isna().all()
    listed = table(rep, "register_in_corridor")
    unis_listed = listed[listed["category"] == "university"]
    inside_listed = unis_listed[~unis_listed["position"].str.startswith("outside")]
    assert set(inside_listed["institution"]) == REGISTER_UNIVERSITIES


def test_validation_row_is_judged_not_failed(rep, page):
    validation = table(rep, "layout_validation")
    row = validation[validation["check"] == "register count"].iloc[0]
    assert (row["official"], row["measured"]) == (OFFICIAL_UNIVERSITIES, 7)
    assert row["verdict"] == "register incomplete" and pd.isna(row["passed"])
    assert rep.failed_checks == []  # judged rows never fail the run
    assert '<td class="verdict">register incomplete</td>' in page


# --------------------------------------------------------------------------------------
# Sub-districts
# --------------------------------------------------------------------------------------
def test_subdistricts_in_the_corridor(rep, layout, stations, corridor_wgs):
    figures = table(rep, "subdistricts_figures").set_index("key")
    subs = layout.subdistricts.to_crs(4326).set_index("key")
    assert len(figures) == len(subs) == 135
    # The parts in the corridor add up to the corridor (the plan's 190.71 km²).
    assert figures["corridor_km2"].sum() == pytest.approx(190.71, abs=0.02)
    top = figures.sort_values("corridor_km2", ascending=False).head(6)
    for key, row in top.iterrows():
        geom = subs.loc[key, "geometry"]
        assert row["corridor_km2"] == pytest.approx(
            geodesic_area_km2(geom.intersection(corridor_wgs)), rel=2e-3
        )
        assert row["area_km2"] == pytest.approx(geodesic_area_km2(geom), rel=2e-3)
        n = int(shapely.contains_xy(geom, *stations[["lon", "lat"]].to_numpy().T).sum())
        assert row["stations"] == n
    census = census_subdistricts().set_index("key")
    assert figures["population_estimated"].to_numpy() == pytest.approx(
        census.loc[figures.index, "population"].to_numpy()
    )
    assert (figures["population_status"] == census.loc[figures.index, "status"]).all()
    inside = figures["population_in_corridor_estimated"]
    share = figures["corridor_km2"] / figures["area_km2"]
    assert inside.to_numpy() == pytest.approx((figures["population_estimated"] * share).to_numpy())


def test_subdistrict_population_is_labelled_as_estimated(rep, page):
    section = re.search(r'<section id="subdistricts">(.*?)</section>', page, flags=re.S).group(1)
    assert '<span class="badge">estimated</span>' in section
    assert "population_in_corridor_estimated" in section
    n_est = int((census_subdistricts()["status"] == "estimated").sum())
    assert f"{n_est} of 135" in section


def test_register_sources_are_cited_in_the_bundle():
    text = datasets.get_path("register/SOURCES.md").read_text(encoding="utf-8")
    assert "2026-01-15" in text  # the official counts the report compares with
