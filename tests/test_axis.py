"""Linear referencing along Binhai Avenue: hand-computed cases and shapely as oracle."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.ops

from corridor_geo import GeometryError, InputError, MissingCRSError, crs
from corridor_geo.axis import axis_by_city, axis_line, axis_profile, chainage, point_at_chainage

X0, Y0 = 500_000.0, 4_000_000.0


def _line(coords):
    return gpd.GeoSeries([shapely.LineString(coords)], crs="EPSG:4549")


def _pts(xy, **cols):
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame(cols, geometry=shapely.points(xy), crs="EPSG:4549")


STRAIGHT = _line([(X0, Y0), (X0, Y0 + 10_000)])
# North 4 km, then east 3 km: the corner is at chainage 4 km.
BENT = _line([(X0, Y0), (X0, Y0 + 4000), (X0 + 3000, Y0 + 4000)])


def test_straight_axis_by_hand():
    pts = _pts(
        [
            [X0 + 300, Y0 + 4000],  # 300 m east at 4 km
            [X0 - 250, Y0 + 7500],  # 250 m west at 7.5 km
            [X0, Y0 + 2000],  # on the axis
            [X0 + 100, Y0 - 500],  # beyond the south end
            [X0 - 100, Y0 + 10_400],  # beyond the north end
        ]
    )
    out = chainage(pts, layout=STRAIGHT)
    np.testing.assert_allclose(out["chainage_km"], [4.0, 7.5, 2.0, 0.0, 10.0], atol=1e-9)
    np.testing.assert_allclose(
        out["offset_m"], [300.0, -250.0, 0.0, np.hypot(100, 500), -np.hypot(100, 400)], atol=1e-6
    )
    assert out["side"].tolist() == ["east", "west", "on axis", "east", "west"]
    assert out["position"].tolist() == [
        "along",
        "along",
        "along",
        "before_south_end",
        "after_north_end",
    ]
    assert out.crs.to_epsg() == 4326
    back = out.to_crs("EPSG:4549")
    np.testing.assert_allclose(back.geometry.x, [X0, X0, X0, X0, X0], atol=1e-6)
    np.testing.assert_allclose(back.geometry.y, Y0 + np.array([4000, 7500, 2000, 0, 10_000]))


def test_bent_axis_by_hand():
    pts = _pts(
        [
            [X0 - 200, Y0 + 4100],  # outside the corner (north-west): nearest is the corner
            [X0 + 100, Y0 + 3000],  # inside the corner, nearer the north-going leg
            [X0 + 1000, Y0 + 3900],  # inside, nearer the east-going leg (100 m south)
            [X0 + 2000, Y0 + 4500],  # north of the east-going leg: its left side, "west"
        ]
    )
    out = chainage(pts, layout=BENT)
    np.testing.assert_allclose(out["chainage_km"], [4.0, 3.0, 5.0, 6.0], atol=1e-9)
    np.testing.assert_allclose(
        out["offset_m"], [-np.hypot(200, 100), 100.0, 100.0, -500.0], atol=1e-6
    )


def test_orientation_is_south_to_north_whatever_the_input_order():
    reverse = _line([(X0, Y0 + 10_000), (X0, Y0)])
    pts = _pts([[X0 + 10, Y0 + 1234]])
    a = chainage(pts, layout=STRAIGHT)
    b = chainage(pts, layout=reverse)
    assert a["chainage_km"].iloc[0] == pytest.approx(1.234)
    assert b["chainage_km"].iloc[0] == pytest.approx(1.234)
    assert b["offset_m"].iloc[0] == pytest.approx(10.0)


def test_chainage_matches_shapely_on_the_real_axis(layout):
    line = axis_line(layout)
    rng = np.random.default_rng(4)
    x0, y0, x1, y1 = line.bounds
    xy = np.column_stack([rng.uniform(x0 - 3000, x1 + 3000, 3000), rng.uniform(y0, y1, 3000)])
    out = chainage(_pts(xy), layout=layout)
    geoms = shapely.points(xy)
    expected_along = shapely.line_locate_point(line, geoms)
    np.testing.assert_allclose(out["chainage_km"] * 1000, expected_along, atol=1e-6)
    np.testing.assert_allclose(out["distance_m"], shapely.distance(line, geoms), atol=1e-6)
    nearest = gpd.GeoSeries(out.geometry.values, crs=4326).to_crs(4549)
    expected_pt = shapely.line_interpolate_point(line, expected_along)
    np.testing.assert_allclose(nearest.x, shapely.get_x(expected_pt), atol=1e-4)
    np.testing.assert_allclose(nearest.y, shapely.get_y(expected_pt), atol=1e-4)


def test_side_matches_the_side_of_the_axis_polygon_split(layout):
    """Independent sign check: split a box by the (extended) axis and see which half."""
    line = axis_line(layout)
    xy = np.asarray(line.coords)
    start = xy[0] - 200_000 * (xy[1] - xy[0]) / np.hypot(*(xy[1] - xy[0]))
    end = xy[-1] + 200_000 * (xy[-1] - xy[-2]) / np.hypot(*(xy[-1] - xy[-2]))
    long_line = shapely.LineString(np.vstack([start, xy, end]))
    halves = shapely.get_parts(
        shapely.ops.split(shapely.box(*line.buffer(60_000).bounds), long_line)
    )
    assert len(halves) == 2
    # West half: the one holding a point far to the west of the axis's start.
    west_probe = shapely.Point(xy[0][0] - 30_000, xy[0][1])
    west = next(h for h in halves if h.contains(west_probe))
    rng = np.random.default_rng(5)
    along = rng.uniform(0.05, 0.95, 400) * line.length
    base = shapely.line_interpolate_point(line, along)
    pts_xy = np.column_stack([shapely.get_x(base), shapely.get_y(base)])
    pts_xy += rng.normal(0, 800, pts_xy.shape)
    out = chainage(_pts(pts_xy), layout=layout)
    in_west = shapely.contains_xy(west, pts_xy[:, 0], pts_xy[:, 1])
    keep = out["distance_m"].to_numpy() > 1.0
    assert ((out["offset_m"].to_numpy() < 0) == in_west)[keep].all()


def test_point_at_chainage_round_trip(layout):
    line = axis_line(layout)
    rng = np.random.default_rng(6)
    vertices = np.array([line.project(shapely.Point(c)) for c in line.coords])
    along = rng.uniform(0, line.length, 300)
    # Stay away from vertices, where an offset point's nearest axis point changes leg.
    along = along[np.min(np.abs(along[:, None] - vertices[None, :]), axis=1) > 200]
    offset = rng.uniform(-50, 50, len(along))
    pts = point_at_chainage(along / 1000, layout=layout, offset_m=offset)
    assert pts.crs.to_epsg() == 4326
    out = chainage(pts, layout=layout)
    np.testing.assert_allclose(out["chainage_km"], along / 1000, atol=1e-6)
    np.testing.assert_allclose(out["offset_m"], offset, atol=1e-4)
    on_axis = point_at_chainage(along / 1000, layout=layout).to_crs(4549)
    np.testing.assert_allclose(shapely.distance(line, on_axis.values), 0.0, atol=1e-6)


def test_point_at_chainage_rejects_chainage_off_the_axis():
    with pytest.raises(InputError, match="outside the axis"):
        point_at_chainage([11.0], layout=STRAIGHT)
    with pytest.raises(InputError, match="outside the axis"):
        point_at_chainage([float("nan")], layout=STRAIGHT)


def test_gcj02_points_are_converted_before_referencing(layout):
    wgs = point_at_chainage([5.0, 20.0, 40.0], layout=layout, offset_m=[100, -300, 0])
    gcj = crs.to_datum(wgs, "GCJ02")
    a = chainage(wgs, layout=layout)
    b = chainage(gcj, layout=layout)
    np.testing.assert_allclose(a["chainage_km"], b["chainage_km"], atol=1e-5)
    np.testing.assert_allclose(a["offset_m"], b["offset_m"], atol=0.01)
    # The same coordinates read as WGS84 land about 450 m off.
    wrong = chainage(gcj.set_crs(4326, allow_override=True), layout=layout)
    assert np.abs(wrong["offset_m"] - a["offset_m"]).max() > 100


def test_bad_inputs_are_refused():
    bare = gpd.GeoSeries([shapely.Point(X0, Y0)])
    with pytest.raises(MissingCRSError):
        chainage(bare, layout=STRAIGHT)
    polys = gpd.GeoSeries([shapely.box(X0, Y0, X0 + 10, Y0 + 10)], crs=4549)
    with pytest.raises(GeometryError, match="must be points; rows 0 are Polygon"):
        chainage(polys, layout=STRAIGHT)
    split = gpd.GeoSeries(
        [
            shapely.LineString([(X0, Y0), (X0, Y0 + 10)]),
            shapely.LineString([(X0, Y0 + 50), (X0, Y0 + 60)]),
        ],
        crs=4549,
    )
    with pytest.raises(GeometryError, match="continuous"):
        chainage(_pts([[X0, Y0]]), layout=split)
    with pytest.raises(InputError):
        chainage(_pts([[X0, Y0]]), layout="axis")


def test_axis_by_city_covers_the_axis_and_splits_at_the_district_border(layout):
    parts = axis_by_city(layout)
    assert parts.crs.to_epsg() == 4326
    assert parts["start_km"].iloc[0] == 0.0
    np.testing.assert_allclose(parts["start_km"].iloc[1:], parts["end_km"].iloc[:-1])
    line = axis_line(layout)
    assert parts["end_km"].iloc[-1] == pytest.approx(line.length / 1000)
    assert parts["city"].tolist() == ["digital", "ocean"]
    # Oracle: where the axis leaves 崂山区 (370212) for 即墨区 (370215).
    districts = crs.to_analysis_crs(layout.districts)
    laoshan = districts.loc[districts["code"] == "370212"].geometry.iloc[0]
    inside = shapely.intersection(line, laoshan)
    last_km = max(
        line.project(shapely.Point(p)) for g in shapely.get_parts(inside) for p in g.coords
    )
    assert parts["end_km"].iloc[0] == pytest.approx(last_km / 1000, abs=0.3)
    # Each stretch lies in its city.
    cities = crs.to_analysis_crs(layout.cities).set_index("key")
    for row in parts.to_crs(4549).itertuples():
        share = shapely.intersection(row.geometry, cities.geometry[row.city]).length
        assert share / row.geometry.length > 0.999


def test_axis_profile_by_hand():
    pts = _pts(
        [
            [X0 + 100, Y0 + 500],  # bin 0
            [X0 - 400, Y0 + 900],  # bin 0
            [X0 + 50, Y0 + 2500],  # bin 2
            [X0 + 900, Y0 + 2500],  # too far (band 500)
            [X0, Y0 - 100],  # beyond the south end
            [X0 + 10, Y0 + 9999],  # last bin
        ],
        kind=["lab", "firm", "lab", "lab", "lab", "firm"],
        staff=[10, 20, 30, 40, 50, 60],
    )
    prof = axis_profile(pts, layout=STRAIGHT, band_m=500, category="kind", weight="staff")
    assert len(prof) == 10 * 2  # every bin for every category, empty ones included
    labs = prof[prof["category"] == "lab"].set_index("bin")
    firms = prof[prof["category"] == "firm"].set_index("bin")
    assert labs["count"].tolist() == [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert firms["count"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert labs.loc[2, "weight"] == 30 and firms.loc[9, "weight"] == 60
    assert labs.loc[0, "count_per_km"] == 1.0
    # One point per km over a 1 km x 1 km band: one per km².
    assert labs.loc[0, "count_per_km2"] == pytest.approx(1.0)
    assert prof.attrs["excluded"] == {
        "beyond an end of the axis": 1,
        "farther than 500 m from the axis": 1,
    }
    assert prof["count"].sum() + sum(prof.attrs["excluded"].values()) == len(pts)


def test_axis_profile_short_last_bin_and_no_category():
    line = _line([(X0, Y0), (X0, Y0 + 2500)])
    pts = _pts([[X0, Y0 + 2400], [X0, Y0 + 2450]])
    prof = axis_profile(pts, layout=line, band_m=100)
    assert prof["length_km"].tolist() == [1.0, 1.0, 0.5]
    assert prof["count"].tolist() == [0, 0, 2]
    assert prof["count_per_km"].iloc[-1] == pytest.approx(4.0)
    assert "category" not in prof.columns


@pytest.mark.parametrize(("length_m", "bin_km"), [(2100, 0.3), (2100, 0.7), (2700, 0.3)])
def test_axis_profile_whole_number_of_bins(length_m, bin_km):
    """An axis a whole number of bins long has that many bins (no empty last bin)."""
    line = _line([(X0, Y0), (X0, Y0 + length_m)])
    # One point in the first bin, two in the last, one of them at the north end.
    pts = _pts([[X0 + 10, Y0 + 100], [X0 + 10, Y0 + length_m - 50], [X0, Y0 + length_m]])
    prof = axis_profile(pts, layout=line, band_m=500, bin_km=bin_km)
    n = round(length_m / 1000 / bin_km)  # hand count: 7, 3 and 9 bins
    assert len(prof) == n
    assert prof["length_km"].to_numpy() == pytest.approx(np.full(n, bin_km))
    assert prof["end_km"].iloc[-1] == pytest.approx(length_m / 1000)
    assert prof["count"].iloc[0] == 1 and prof["count"].iloc[-1] == 2
    assert prof["count_per_km"].iloc[-1] == pytest.approx(2 / bin_km)
    assert np.isfinite(prof["count_per_km"]).all()


def test_axis_profile_on_the_layout_counts_points_in_the_corridor(layout):
    rng = np.random.default_rng(7)
    corridor = crs.to_analysis_crs(layout.corridor).geometry.iloc[0]
    x0, y0, x1, y1 = corridor.bounds
    xy = np.column_stack([rng.uniform(x0, x1, 4000), rng.uniform(y0, y1, 4000)])
    pts = _pts(xy, kind=rng.choice(["lab", "firm", "talent"], 4000))
    prof = axis_profile(pts, layout=layout, bin_km=2.0, category="kind")
    inside = shapely.contains_xy(corridor, xy[:, 0], xy[:, 1])
    ref = chainage(pts, layout=layout)
    along = (ref["position"] == "along").to_numpy()
    assert prof["count"].sum() == int((inside & along).sum())
    by_kind = prof.groupby("category")["count"].sum()
    expected = pd.Series(pts["kind"][inside & along]).value_counts()
    assert by_kind.to_dict() == expected.to_dict()
    cities = prof.drop_duplicates("bin").set_index("bin")["city"]
    assert cities.iloc[0] == "digital" and cities.iloc[-1] == "ocean"
    assert set(cities) == {"digital", "ocean"}


def test_axis_profile_rejects_bad_weights_and_needs_a_band_without_layout():
    pts = _pts([[X0, Y0 + 10]], w=["many"])
    with pytest.raises(InputError, match="non-numeric"):
        axis_profile(pts, layout=STRAIGHT, band_m=100, weight="w")
    with pytest.raises(InputError, match="band_m"):
        axis_profile(pts, layout=STRAIGHT)
    with pytest.raises(InputError, match="bin_km"):
        axis_profile(pts, layout=STRAIGHT, band_m=100, bin_km=0)


def test_axis_profile_sums_the_weight_the_reader_read(layout, tmp_path):
    from corridor_geo import read_resources

    # Three labs on the avenue at known chainages, with patent counts (the weight).
    km = [2.3, 2.7, 5.5]
    patents = [3, 4, 10]
    on_axis = point_at_chainage(km, layout=layout).to_crs(4326)
    table = pd.DataFrame(
        {
            "名称": ["a", "b", "c"],
            "类别": ["高校"] * 3,
            "经度": on_axis.x.to_numpy(),
            "纬度": on_axis.y.to_numpy(),
            "专利数": patents,
        }
    )
    path = tmp_path / "labs.csv"
    table.to_csv(path, index=False)
    labs = read_resources(path, datum="WGS84", weight="专利数")
    assert len(labs.accepted) == 3
    prof = axis_profile(labs, layout=layout, band_m=200).set_index("bin")
    # By hand: bin 2 holds a and b (3 + 4 patents), bin 5 holds c (10).
    assert prof.loc[2, "count"] == 2 and prof.loc[2, "weight"] == 7.0
    assert prof.loc[5, "count"] == 1 and prof.loc[5, "weight"] == 10.0
    assert prof["weight"].sum() == sum(patents)
    assert prof.loc[2, "weight_per_km"] == pytest.approx(7.0 / prof.loc[2, "length_km"])
    # An explicit weight still wins: None counts each lab once.
    counted = axis_profile(labs, layout=layout, band_m=200, weight=None).set_index("bin")
    assert counted.loc[2, "weight"] == 2.0 and counted["weight"].sum() == 3.0
    # The same default as share_of_city: both see 17 patents.
    from corridor_geo.zones import share_of_city

    share = share_of_city(labs, layout=layout, by=None, layers="corridor")
    assert share["city_weight"].iloc[0] == sum(patents)
