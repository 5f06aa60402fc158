"""Reading resources: every row accounted for, datums converted, mislabels detected."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from corridor_geo import crs
from corridor_geo._errors import DatumMislabelWarning, InputError, MissingCRSError
from corridor_geo.resources import (
    ResourceTable,
    as_points,
    category_registry,
    extend_categories,
    read_resources,
    sample_resources,
    synthetic_resources,
    target_categories,
)

from . import _oracles

DATA = Path(__file__).parent / "data"
GBK_CSV = DATA / "resources_gbk_gcj02.csv"
GEOD = Geod(ellps="WGS84")


def _read_gbk(**kw):
    kw.setdefault("strict_categories", True)  # the file's '咖啡馆' row is rejected
    return read_resources(GBK_CSV, datum="GCJ02", id="编号", name="名称", weight="专利数", **kw)


def test_categories_outside_the_registry_are_user_categories_by_default():
    res = _read_gbk(strict_categories=False)
    assert res.n_read == 17 and len(res.rejected) == 6 and len(res.accepted) == 11
    cafe = res.accepted.set_index("id").loc["B05"]
    assert cafe["category"] == "咖啡馆" and cafe["category_zh"] == "咖啡馆"
    assert cafe["category_kind"] == "user"
    assert set(res.accepted.loc[res.accepted["id"] != "B05", "category_kind"]) == {"registry"}
    assert any("kept as user categories" in n and "'咖啡馆' (1)" in n for n in res.notes)
    assert "B05" not in set(res.rejected["编号"])


def test_gbk_csv_every_row_accounted_for():
    res = _read_gbk()
    assert res.encoding == "gb18030"
    assert res.n_read == 17
    assert len(res.accepted) + len(res.rejected) == res.n_read
    reasons = dict(zip(res.rejected["编号"], res.rejected["reason"]))
    assert reasons["B01"] == "missing coordinates"
    assert reasons["B02"].startswith("outside Qingdao; latitude and longitude look swapped")
    assert reasons["B04"] == "outside Qingdao"
    assert reasons["B05"].startswith("unknown category '咖啡馆'")
    assert reasons["B06"] == "bad weight '-3' (must be a finite number >= 0)"
    assert reasons["B07"].startswith("coordinates are not numbers")
    # The repeated id A03 rejects the later row, naming the first.
    assert "duplicate id 'A03' (first at row 3)" in reasons["A03"]
    assert sorted(res.rejected["source_row"]) == list(range(11, 18))
    assert len(res.accepted) == 10


def test_gbk_csv_gcj02_converted_exactly():
    res = _read_gbk()
    acc = res.accepted
    assert acc.crs.to_epsg() == 4326
    # Oracle: the WGS84 positions the GCJ-02 file was made from (check columns).
    _, _, dist = GEOD.inv(acc["check_lon"], acc["check_lat"], acc.geometry.x, acc.geometry.y)
    assert np.max(dist) < 0.05
    # And the plain published formula agrees with the source coordinates.
    for lo, la, g in zip(acc["check_lon"], acc["check_lat"], acc.itertuples()):
        glo, gla = _oracles.wgs84_to_gcj02(lo, la)
        assert abs(glo - g.lon_source) < 1e-6 and abs(gla - g.lat_source) < 1e-6
    assert acc["weight"].tolist() == [float(i) for i in range(10)]
    assert set(acc["datum_source"]) == {"GCJ02"}
    assert acc["id"].tolist() == [f"A{i:02d}" for i in range(1, 11)]


def test_explicit_encoding_and_utf8(tmp_path):
    raw = pd.read_csv(GBK_CSV, encoding="gbk", dtype=str, keep_default_na=False)
    utf = tmp_path / "utf8.csv"
    raw.to_csv(utf, index=False, encoding="utf-8-sig")
    a = read_resources(utf, datum="GCJ02", id="编号", weight="专利数")
    b = read_resources(GBK_CSV, datum="GCJ02", id="编号", weight="专利数", encoding="gbk")
    assert a.encoding == "utf-8-sig" and b.encoding == "gbk"
    assert a.accepted.geometry.equals(b.accepted.geometry)
    assert a.rejected["reason"].tolist() == b.rejected["reason"].tolist()


def test_xlsx_and_vector_formats_agree(tmp_path):
    ref = _read_gbk()
    raw = pd.read_csv(GBK_CSV, encoding="gbk", dtype=str, keep_default_na=False)
    xlsx = tmp_path / "r.xlsx"
    raw.to_excel(xlsx, index=False)
    x = read_resources(
        xlsx, datum="GCJ02", id="编号", name="名称", weight="专利数", strict_categories=True
    )
    assert len(x.accepted) == len(ref.accepted)
    assert x.rejected["reason"].tolist() == ref.rejected["reason"].tolist()
    assert np.allclose(x.accepted.geometry.x, ref.accepted.geometry.x, atol=1e-9)

    # GeoPackage, Shapefile and GeoJSON of the good rows in GCJ-02 marked with the CRS.
    good = raw.iloc[:10]
    gdf = gpd.GeoDataFrame(
        good.drop(columns=["经度", "纬度"]),
        geometry=gpd.points_from_xy(good["经度"].astype(float), good["纬度"].astype(float)),
        crs=crs.GCJ02,
    )
    for name in ("r.gpkg", "r.shp", "r.geojson"):
        path = tmp_path / name
        gdf.to_file(path, engine="pyogrio")
        kw = {"datum": "GCJ02"} if name == "r.geojson" else {}  # GeoJSON is WGS84 by spec
        out = read_resources(path, id="编号", weight="专利数", category="类别", **kw)
        assert len(out.accepted) == 10 and len(out.rejected) == 0, name
        assert np.allclose(out.accepted.geometry.x, ref.accepted.geometry.x, atol=1e-7), name


def test_geodataframe_in_projected_crs():
    pts = synthetic_resources(20, seed=3)
    metric = pts.to_crs(crs.ANALYSIS_CRS)
    res = read_resources(metric)
    assert len(res.accepted) == 20
    assert np.allclose(res.accepted.geometry.x, pts.geometry.x, atol=1e-8)
    assert any("projected" in n for n in res.notes)


def test_missing_datum_raises():
    table = pd.DataFrame({"lon": [120.5], "lat": [36.2], "category": ["高校"]})
    with pytest.raises(MissingCRSError, match="datum='WGS84'"):
        read_resources(table)
    with pytest.raises(MissingCRSError):
        read_resources(gpd.GeoDataFrame(table, geometry=gpd.points_from_xy([120.5], [36.2])))


def test_missing_column_is_named():
    table = pd.DataFrame({"x坐标": [120.5], "lat": [36.2], "category": ["高校"]})
    with pytest.raises(InputError, match="longitude"):
        read_resources(table, datum="WGS84")
    with pytest.raises(InputError, match="no column 'lng'"):
        read_resources(table, datum="WGS84", lon="lng")


def test_bd09_and_row_datums():
    w_lon, w_lat = 120.45, 36.15
    b_lon, b_lat = crs.wgs84_to_bd09(w_lon, w_lat)
    g_lon, g_lat = crs.wgs84_to_gcj02(w_lon, w_lat)
    table = pd.DataFrame(
        {
            "lon": [b_lon, g_lon, w_lon, w_lon],
            "lat": [b_lat, g_lat, w_lat, w_lat],
            "datum": ["baidu", "gcj-02", "WGS84", "mars"],
            "category": ["高校", "university", "University", "高校"],
        }
    )
    res = read_resources(table)
    assert np.allclose(res.accepted.geometry.x, w_lon, atol=1e-8)
    assert np.allclose(res.accepted.geometry.y, w_lat, atol=1e-8)
    assert res.rejected["reason"].tolist() == ["unknown datum 'mars'"]


def test_fix_swapped_and_tolerance():
    table = pd.DataFrame({"lon": [36.2, 120.5], "lat": [120.5, 36.2], "category": ["高校"] * 2})
    res = read_resources(table, datum="WGS84", fix_swapped=True)
    assert len(res.accepted) == 2 and len(res.rejected) == 0
    assert res.accepted["note"].iloc[0].startswith("longitude and latitude were swapped")
    assert np.allclose(res.accepted.geometry.x, [120.5, 120.5])
    # A point 300 m off the coast: rejected by default, accepted with a 1 km tolerance.
    lay_city = shapely.union_all(
        crs.to_analysis_crs(__import__("corridor_geo").load_layout().city).geometry.values
    )
    probe = shapely.Point(560_000, 4_000_000)
    near = shapely.ops.nearest_points(lay_city.boundary, probe)[0]
    direction = np.array([probe.x - near.x, probe.y - near.y])
    off = np.array([near.x, near.y]) + 300.0 * direction / np.linalg.norm(direction)
    assert not lay_city.contains(shapely.Point(off))
    pt = crs.to_datum(gpd.GeoSeries([shapely.Point(off)], crs=crs.ANALYSIS_CRS), "WGS84")
    sea = pd.DataFrame({"lon": pt.x, "lat": pt.y, "category": ["科研院所"]})
    assert read_resources(sea, datum="WGS84").rejected["reason"].tolist() == ["outside Qingdao"]
    assert len(read_resources(sea, datum="WGS84", tolerance_m=1000).accepted) == 1


def test_default_category_and_missing_values():
    table = pd.DataFrame({"lon": [120.5, 120.51], "lat": [36.2, 36.21]})
    res = read_resources(table, datum="WGS84", default_category="孵化器")
    assert res.accepted["category"].tolist() == ["incubator", "incubator"]
    table2 = pd.DataFrame(
        {"lon": [120.5, 120.51], "lat": [36.2, 36.21], "类别": ["", "高校"], "w": ["x", "2"]}
    )
    res2 = read_resources(table2, datum="WGS84", weight="w")
    assert res2.rejected["reason"].tolist() == [
        "missing category; bad weight 'x' (must be a finite number >= 0)"
    ]
    assert res2.accepted["weight"].tolist() == [2.0]


def test_mislabelled_gcj02_warns():
    # Points 50-400 m from the city's land boundary, in GCJ-02, labelled WGS84.
    lay = __import__("corridor_geo").load_layout()
    metric = crs.to_analysis_crs(lay.city).geometry.iloc[0]
    pts = crs.to_analysis_crs(synthetic_resources(4000, seed=4, corridor_share=0.0))
    d = shapely.distance(pts.geometry.values, metric.boundary)
    land = crs.to_datum(pts.loc[(d > 50) & (d < 400)], "WGS84").geometry
    assert len(land) > 30
    g_lon, g_lat = crs.wgs84_to_gcj02(land.x.to_numpy(), land.y.to_numpy())
    table = pd.DataFrame({"lon": g_lon, "lat": g_lat, "category": "高校"})
    with pytest.warns(DatumMislabelWarning, match="datum='GCJ02'"):
        res = read_resources(table, datum="WGS84")
    assert any("GCJ-02" in n for n in res.notes)
    # Declared correctly, all of them are accepted and nothing is said.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = read_resources(table, datum="GCJ02")
    assert len(ok.accepted) == len(table)
    # The true WGS84 positions raise nothing.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clean = read_resources(
            pd.DataFrame({"lon": land.x, "lat": land.y, "category": "高校"}), datum="WGS84"
        )
    assert len(clean.accepted) == len(land)


def test_mislabel_detected_from_reference_names():
    pts = synthetic_resources(6, seed=11, corridor_share=1.0)
    g_lon, g_lat = crs.wgs84_to_gcj02(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy())
    table = pd.DataFrame({"lon": g_lon, "lat": g_lat, "category": "高校", "n": pts["name"]})
    reference = gpd.GeoDataFrame({"name": pts["name"]}, geometry=pts.geometry, crs=crs.WGS84)
    with pytest.warns(DatumMislabelWarning, match="median"):
        read_resources(table, datum="WGS84", name="n", reference=reference)


def test_registry_is_data_and_extensible(tmp_path):
    reg = category_registry()
    assert {"state_key_lab", "new_rd_institution", "university", "incubator"} <= set(reg["key"])
    assert set(target_categories("key_resources_share")) == {
        "national_lab",
        "state_key_lab",
        "provincial_lab",
        "provincial_key_lab",
        "new_rd_institution",
    }
    # Changing the data changes what counts, without code.
    custom = reg.copy()
    custom.loc[custom["key"] == "mfg_innovation_center", "targets"] = "key_resources_share"
    path = tmp_path / "cats.csv"
    custom.to_csv(path, index=False)
    assert "mfg_innovation_center" in target_categories("key_resources_share", custom)
    table = pd.DataFrame({"lon": [120.5], "lat": [36.2], "类别": ["中试基地"]})
    assert len(read_resources(table, datum="WGS84", strict_categories=True).rejected) == 1
    assert read_resources(table, datum="WGS84").accepted["category_kind"].tolist() == ["user"]
    ext = extend_categories([{"key": "pilot", "name_zh": "中试基地", "name_en": "Pilot base"}])
    extended = read_resources(table, datum="WGS84", categories=ext, strict_categories=True)
    assert extended.accepted["category"].tolist() == ["pilot"]
    assert "pilot" not in set(category_registry()["key"])  # the bundled one is unchanged
    with pytest.raises(InputError, match="both"):
        extend_categories([{"key": "x", "name_zh": "高校", "name_en": "X"}])


def test_sample_is_labelled_and_cited():
    res = sample_resources()
    acc = res.accepted
    assert isinstance(res, ResourceTable) and len(res.rejected) == 0
    assert set(acc["status"]) == {"sample"}
    assert acc["position_source"].str.len().gt(10).all()
    assert acc["accuracy_m"].gt(0).all()
    # The OUC gate is on Binhai Avenue: within 300 m of the bundled axis.
    lay = __import__("corridor_geo").load_layout()
    axis = crs.to_analysis_crs(lay.axis).geometry.iloc[0]
    ouc = crs.to_analysis_crs(acc.loc[acc["id"] == "S01"]).geometry.iloc[0]
    assert axis.distance(ouc) < 300


def test_synthetic_is_seeded_and_inside():
    a = synthetic_resources(500, seed=5, corridor_share=0.5)
    b = synthetic_resources(500, seed=5, corridor_share=0.5)
    c = synthetic_resources(500, seed=6, corridor_share=0.5)
    assert a.geometry.equals(b.geometry) and not a.geometry.equals(c.geometry)
    lay = __import__("corridor_geo").load_layout()
    city = lay.city.geometry.iloc[0]
    corridor = lay.corridor.geometry.iloc[0]
    assert shapely.contains_xy(city, a.geometry.x, a.geometry.y).all()
    share = shapely.contains_xy(corridor, a.geometry.x, a.geometry.y).mean()
    assert 0.43 < share < 0.57  # binomial(500, 0.5): ~3 sigma
    w = synthetic_resources(300, seed=1, weight_mean={"invention_patents": 20.0})
    pats = w.loc[w["category"] == "invention_patents", "weight"]
    assert (
        15 < pats.mean() < 25
        and (w.loc[w["category"] != "invention_patents", "weight"] == 1).all()
    )


def test_as_points_converts_and_requires_crs():
    pts = synthetic_resources(5, seed=2)
    g = crs.to_datum(pts, "GCJ02")
    back = as_points(g)
    assert np.allclose(back.geometry.x, pts.geometry.x, atol=1e-9)
    with pytest.raises(MissingCRSError):
        as_points(gpd.GeoDataFrame(geometry=list(pts.geometry)))
    with pytest.raises(InputError):
        as_points(pd.DataFrame({"a": [1]}))


def test_header_only_csv_reads_as_empty(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("名称,类别,经度,纬度\n", encoding="utf-8")
    table = read_resources(path, datum="GCJ02")
    assert table.n_read == 0 and len(table.accepted) == 0 and len(table.rejected) == 0
    assert table.accepted.crs.to_epsg() == 4326
    assert repr(table) == "<ResourceTable: 0 rows read from empty.csv: 0 accepted, 0 rejected>"


def test_axis_and_routing_take_a_resource_table(layout):
    import corridor_geo as cg

    raw = pd.DataFrame(
        {
            "名称": ["海洋大学", "山东大学"],
            "类别": ["高校", "高校"],
            "经度": [120.495467, 120.678578],
            "纬度": [36.165035, 36.368982],
        }
    )
    table = read_resources(raw, datum="GCJ02")
    from_table = cg.chainage(table, layout=layout)
    from_frame = cg.chainage(table.accepted, layout=layout)
    assert from_table["chainage_km"].tolist() == from_frame["chainage_km"].tolist()
    G = cg.schematic_network(layout)
    times = cg.time_to_axis(table, G, layout=layout)
    assert times["reachable"].all() and (times["travel_time_min"] < 5).all()


def test_summary_says_when_a_row_fails_several_checks(layout):
    """Swapped coordinates also lie outside Qingdao: 3 rejected rows, 4 reasons, said so."""
    raw = pd.DataFrame(
        {
            "编号": ["L1", "L2", "L3", "L4", "L4"],
            "类别": ["高校", "高校", "高校", "高校", "咖啡馆"],
            "经度": [120.495467, None, 36.37, 120.678578, 120.68],
            "纬度": [36.165035, None, 120.68, 36.368982, 36.37],
        }
    )
    table = read_resources(raw, datum="GCJ02", id="编号", layout=layout)
    lines = table.summary().splitlines()
    assert lines[0].endswith("2 accepted, 3 rejected")
    reasons = [line for line in lines if line.startswith("  rejected: ")]
    assert sum(int(line.split()[1]) for line in reasons) == 4
    assert "  (4 reasons for 3 rejected rows: a row can fail more than one check)" in lines
    one = read_resources(raw.iloc[[0]], datum="GCJ02", id="编号", layout=layout)
    assert "reasons for" not in one.summary()
