"""Zone assignment equals geopandas.sjoin; share of city equals hand counts."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from corridor_geo import crs
from corridor_geo._errors import InputError, MissingCRSError
from corridor_geo.resources import synthetic_resources
from corridor_geo.zones import (
    ZONE_LAYERS,
    ZoneIndex,
    assign_points,
    assign_polygons,
    assign_zones,
    share_of_city,
    zone_table,
)


def _sjoin_pairs(points: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, predicate: str) -> set:
    sj = gpd.sjoin(points, zones[["geometry"]], predicate=predicate, how="inner")
    return set(zip(sj.index.tolist(), sj["index_right"].tolist()))


def _random_points(layout, n, seed):
    x0, y0, x1, y1 = layout.city.total_bounds
    rng = np.random.default_rng(seed)
    # Half over the whole city box, half concentrated on the corridor's box.
    cx0, cy0, cx1, cy1 = layout.corridor.total_bounds
    x = np.concatenate([rng.uniform(x0, x1, n // 2), rng.uniform(cx0, cx1, n - n // 2)])
    y = np.concatenate([rng.uniform(y0, y1, n // 2), rng.uniform(cy0, cy1, n - n // 2)])
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=crs.WGS84)


@pytest.mark.parametrize(
    ("boundary", "predicate"), [("include", "intersects"), ("exclude", "within")]
)
def test_equals_sjoin_on_random_points(layout, boundary, predicate):
    zones = zone_table(layout, layers=ZONE_LAYERS)
    pts = _random_points(layout, 60_000, seed=1)
    idx = ZoneIndex.build(zones.geometry.values, boundary=boundary)
    pt, zn = idx.query(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy())
    ours = set(zip(pt.tolist(), zn.tolist()))
    assert len(ours) == len(pt)  # no duplicates
    assert ours == _sjoin_pairs(pts, zones, predicate)
    assert len(ours) > 30_000  # the test is not vacuous


def test_equals_sjoin_on_vertices_and_edges(layout):
    """Points exactly on vertices, on edge midpoints and a hair either side."""
    zones = zone_table(layout, layers=["corridor", "cities", "districts", "circles"])
    rng = np.random.default_rng(2)
    coords = []
    for g in zones.geometry:
        xy = shapely.get_coordinates(g)
        pick = rng.choice(len(xy) - 1, size=min(150, len(xy) - 1), replace=False)
        a, b = xy[pick], xy[pick + 1]
        coords += [a, 0.5 * (a + b), a + 1e-12, a - 1e-12]
    xy = np.vstack(coords)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs.WGS84)
    for boundary, predicate in (("include", "intersects"), ("exclude", "within")):
        idx = ZoneIndex.build(zones.geometry.values, boundary=boundary)
        pt, zn = idx.query(xy[:, 0], xy[:, 1])
        assert set(zip(pt.tolist(), zn.tolist())) == _sjoin_pairs(pts, zones, predicate)


def test_hand_cases_boundary_rule():
    a = shapely.box(0, 0, 2, 2)
    b = shapely.box(2, 0, 4, 2)
    holed = shapely.Polygon([(5, 0), (9, 0), (9, 4), (5, 4)], [[(6, 1), (8, 1), (8, 3), (6, 3)]])
    multi = shapely.MultiPolygon([shapely.box(10, 0, 11, 1), shapely.box(12, 0, 13, 1)])
    x = np.array([1.0, 2.0, 2.0, 0.0, 7.0, 5.5, 6.0, 10.5, 11.5, 12.5, np.nan, -1.0])
    y = np.array([1.0, 1.0, 2.0, 0.0, 2.0, 2.0, 2.0, 0.5, 0.5, 0.5, 1.0, 1.0])
    inc = ZoneIndex.build([a, b, holed, multi], cell=0.3, boundary="include")
    exc = ZoneIndex.build([a, b, holed, multi], cell=0.3, boundary="exclude")
    got_inc = sorted(zip(*[v.tolist() for v in inc.query(x, y)]))
    got_exc = sorted(zip(*[v.tolist() for v in exc.query(x, y)]))
    # point 1 (2,1) and point 2 (2,2) are on the shared edge: in both when included.
    assert got_inc == [
        (0, 0),
        (1, 0),
        (1, 1),
        (2, 0),
        (2, 1),
        (3, 0),
        (5, 2),
        (6, 2),
        (7, 3),
        (9, 3),
    ]
    assert got_exc == [(0, 0), (5, 2), (7, 3), (9, 3)]


def test_result_does_not_depend_on_cell_size(layout):
    zones = zone_table(layout)
    pts = _random_points(layout, 20_000, seed=3)
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    ref = ZoneIndex.build(zones.geometry.values, cell=0.001).query(x, y)
    for cell in (0.0003, 0.01, 0.2):
        got = ZoneIndex.build(zones.geometry.values, cell=cell).query(x, y)
        assert np.array_equal(got[0], ref[0]) and np.array_equal(got[1], ref[1])


def test_assign_points_tidy_and_crs(layout):
    pts = synthetic_resources(300, seed=4, corridor_share=0.5)
    pairs = assign_points(pts, layout=layout)
    assert list(pairs.columns) == ["point", "layer", "zone"]
    # Same answer from the points given in GCJ-02 or EPSG:4549.
    for other in (crs.to_datum(pts, "GCJ02"), pts.to_crs(crs.ANALYSIS_CRS)):
        again = assign_points(other, layout=layout)
        merged = pairs.astype(str).merge(again.astype(str), how="outer", indicator=True)
        # EPSG:4549 round trip moves points by ~1e-9 m: identical except exactly on edges.
        assert (merged["_merge"] == "both").mean() > 0.999
    with pytest.raises(MissingCRSError):
        assign_points(gpd.GeoDataFrame(geometry=list(pts.geometry)), layout=layout)
    with pytest.raises(InputError, match="unknown zone layer"):
        assign_points(pts, layout=layout, layers=["corridor", "blocks"])
    # Every point lies in exactly one district (none is on a district boundary).
    d = pairs.loc[pairs["layer"] == "districts"]
    assert d["point"].is_unique and len(d) == len(pts)


def test_assign_zones_wide(layout):
    pts = synthetic_resources(200, seed=5, corridor_share=0.6)
    wide = assign_zones(pts, layout=layout)
    pairs = assign_points(pts, layout=layout)
    assert wide.index.equals(pts.index)
    n_circ = pairs.loc[pairs["layer"] == "circles"].groupby("point").size()
    assert wide["n_circles"].sum() == n_circ.sum()
    assert (wide["n_corridor"] == wide["corridor"].notna()).all()
    # The corridor is the union of the cities.
    assert (wide["corridor"].notna() == wide["cities"].notna()).all()


def test_share_of_city_equals_hand_counts(layout):
    pts = synthetic_resources(
        3000,
        seed=6,
        corridor_share=0.45,
        categories={"state_key_lab": 2, "new_rd_institution": 1, "invention_patents": 1},
        weight_mean={"invention_patents": 12.0},
    )
    table = share_of_city(pts, layout=layout)
    zones = zone_table(layout)
    sj = gpd.sjoin(pts, zones, predicate="intersects", how="inner")
    hand = sj.groupby(["zone", "category"]).agg(count=("weight", "size"), weight=("weight", "sum"))
    got = table.loc[table["category"] != "ALL"].set_index(["zone", "category"])
    for key, row in hand.iterrows():
        assert got.loc[key, "count"] == row["count"]
        assert got.loc[key, "weight"] == pytest.approx(row["weight"])
    # Zeros are present: every zone x category.
    assert len(table) == len(zones) * 4
    city = pts.groupby("category").agg(n=("weight", "size"), w=("weight", "sum"))
    corr = table.loc[table["layer"] == "corridor"].set_index("category")
    for cat, row in city.iterrows():
        assert corr.loc[cat, "city_count"] == row["n"]
        assert corr.loc[cat, "share_count"] == pytest.approx(corr.loc[cat, "count"] / row["n"])
        assert corr.loc[cat, "share_weight"] == pytest.approx(corr.loc[cat, "weight"] / row["w"])
    assert corr.loc["ALL", "count"] == corr.drop("ALL")["count"].sum()
    # The three cities add up to the corridor.
    cities = table.loc[table["layer"] == "cities"].groupby("category")["count"].sum()
    assert (cities == corr["count"].reindex(cities.index)).all()


def test_share_of_city_options(layout):
    pts = synthetic_resources(400, seed=7, corridor_share=0.5, categories={"university": 1})
    t = share_of_city(pts, layout=layout, by=None, layers="corridor", total=False)
    assert list(t["group"]) == ["ALL"] and t["count"].iloc[0] == t["weight"].iloc[0]
    official = share_of_city(
        pts, layout=layout, layers="corridor", city_totals={"university": 1000}, total=False
    )
    row = official.iloc[0]
    assert row["city_count"] == 1000 and row["share_count"] == pytest.approx(row["count"] / 1000)
    with pytest.raises(InputError, match="group by"):
        share_of_city(pts, layout=layout, by="sector")


def test_assign_polygons_area_shares(layout):
    corridor_m = crs.to_analysis_crs(layout.corridor).geometry.iloc[0]
    c = corridor_m.representative_point()
    sq = shapely.box(c.x - 500, c.y - 500, c.x + 500, c.y + 500)
    # A square straddling the corridor's edge: its shares inside and outside add to 1.
    edge = shapely.ops.nearest_points(corridor_m.exterior, c)[0]
    straddle = shapely.box(edge.x - 400, edge.y - 400, edge.x + 400, edge.y + 400)
    polys = gpd.GeoDataFrame(
        {"people": [1000.0, 800.0]}, geometry=[sq, straddle], crs=crs.ANALYSIS_CRS
    )
    out = assign_polygons(polys, layout=layout, layers=["corridor", "districts"], weight="people")
    inner = out.loc[(out["polygon"] == 0) & (out["layer"] == "corridor")].iloc[0]
    assert sq.within(corridor_m)
    assert inner["area_share"] == pytest.approx(1.0, abs=1e-9)
    # Hand oracle: planar share in EPSG:4549 (the areal scale cancels across 800 m).
    hand = straddle.intersection(corridor_m).area / straddle.area
    got = out.loc[(out["polygon"] == 1) & (out["layer"] == "corridor"), "area_share"].iloc[0]
    assert got == pytest.approx(hand, rel=1e-6) and 0.05 < got < 0.95
    assert out.loc[out["polygon"] == 1, "weight_in_zone"].iloc[0] == pytest.approx(800 * hand)
    # True areas against pyproj's geodesic area.
    geod = crs.geodesic_area(gpd.GeoSeries([sq], crs=crs.ANALYSIS_CRS)).iloc[0]
    assert inner["area_km2"] * 1e6 == pytest.approx(geod, rel=1e-6)


def test_custom_zone_table():
    # Membership is decided in EPSG:4549 (the analysis CRS): a point on the edge two
    # zones share there lies in both, whatever CRS the zones came in.
    x0, y0 = 540_000.0, 4_000_000.0
    zones_m = gpd.GeoDataFrame(
        {"layer": ["blocks", "blocks"], "zone": ["a", "b"]},
        geometry=[
            shapely.box(x0, y0, x0 + 9000, y0 + 11000),
            shapely.box(x0 + 9000, y0, x0 + 18000, y0 + 11000),
        ],
        crs=crs.ANALYSIS_CRS,
    )
    zones = zones_m.to_crs(crs.WGS84)  # given in WGS84, projected back by the library
    pts_m = gpd.GeoSeries(
        gpd.points_from_xy([x0 + 4000, x0 + 9000, x0 + 30000], [y0 + 5000] * 3),
        crs=crs.ANALYSIS_CRS,
    )
    pairs = assign_points(pts_m, layout=zones_m)
    assert pairs.astype(str).values.tolist() == [
        ["0", "blocks", "a"],
        ["1", "blocks", "a"],
        ["1", "blocks", "b"],
    ]
    # The same zones and points given in WGS84: interior points land as before.
    inner = pts_m.iloc[[0, 2]].to_crs(4326)
    assert assign_points(inner, layout=zones).astype(str).values.tolist() == [["0", "blocks", "a"]]
    with pytest.raises(InputError, match="'layer' and 'zone'"):
        zone_table(zones.drop(columns="zone"))
    full = zone_table(pd.concat([zones]))
    assert full["area_km2"].tolist() == pytest.approx([99.0, 99.0], rel=2e-4)  # 9 x 11 km
    # share_of_city on the table counts in its own zones by default (hand counts: the
    # edge point lies in both blocks), none dropped for lacking the layout's layer names.
    share = share_of_city(pts_m, layout=zones_m, by=None)
    assert share[["layer", "zone", "count"]].values.tolist() == [
        ["blocks", "a", 2],
        ["blocks", "b", 1],
    ]
    assert share_of_city(pts_m, layout=zones_m, by=None, layers="blocks")["count"].tolist() == [
        2,
        1,
    ]


def test_ungrouped_tables_have_one_row_per_zone(layout):
    # by=None: the single group is the total; it must not be added a second time.
    import corridor_geo as cg

    pts = cg.synthetic_resources(400, seed=5, layout=layout)
    inside = cg.assign_zones(pts, layout=layout, layers=("cities",))
    col = next(c for c in inside.columns if "cit" in c)
    expected = inside[col].value_counts()
    for table in (
        cg.share_of_city(pts, layout=layout, layers="cities", by=None),
        cg.density_by_zone(pts, layout=layout, layers="cities", by=None),
    ):
        assert table["zone"].is_unique
        got = table.set_index("zone")["count"]
        for zone, n in expected.items():
            assert got[zone] == n
    empty = cg.share_of_city(pts.iloc[:0], layout=layout, layers="cities", by=None)
    assert len(empty) == 3 and (empty["count"] == 0).all()
