"""Hostile input to the one reader and the analyses: nothing lost, nothing guessed silently.

The reader half of the "hostile input" issue: every row read is accepted or rejected
with a reason (ragged lines with their line number), unreadable or empty inputs get one
clear error naming the file, encodings are detected or warned about, delimiters and
title rows are found, user columns are kept verbatim; numeric options are checked at the
boundary; layout replacements that are empty, incomplete or of the wrong kind are
refused naming what is missing; GCJ-02 is claimed only when the GCJ-02 shift explains
the misfit.
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corridor_geo as cg
from corridor_geo import crs
from corridor_geo._errors import CRSError, DatumMislabelWarning, InputError, LayoutError
from corridor_geo._readers import coordinate_role, decode_text, sniff_delimiter
from corridor_geo._validate import check_gcj02_mislabel

OUC = (120.49547, 36.16504)  # Ocean University of China, Laoshan campus (WGS84)
SDU = (120.67858, 36.36898)


def _csv(tmp_path, text: str, name="t.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------------------
# Files that cannot be read, or hold nothing
# --------------------------------------------------------------------------------------
def test_empty_and_blank_files_say_so(tmp_path):
    with pytest.raises(InputError, match=r"empty.csv is empty \(0 bytes\)"):
        cg.read_points(_csv(tmp_path, "", "empty.csv"), datum="WGS84")
    with pytest.raises(InputError, match="is empty"):
        cg.read_points(_csv(tmp_path, "\n\n  \n", "blank.csv"), datum="WGS84")
    with pytest.raises(InputError, match="unknown text encoding 'klingon'"):
        cg.read_points(_csv(tmp_path, "lon,lat\n120.5,36.2\n"), datum="WGS84", encoding="klingon")
    with pytest.raises(InputError, match="is a folder"):
        cg.read_points(tmp_path, datum="WGS84")
    with pytest.raises(InputError, match=r"unknown file type '\.docx'"):
        cg.read_points(_csv(tmp_path, "x", "a.docx"), datum="WGS84")


def test_a_wrong_encoding_names_the_line(tmp_path):
    path = _csv(tmp_path, "名称,lon,lat\n海洋大学,120.49,36.16\n", encoding="gb18030")
    with pytest.raises(InputError, match=r"not valid utf-8 text: byte \d+ \(line 1\)"):
        cg.read_points(path, datum="WGS84", encoding="utf-8")


# --------------------------------------------------------------------------------------
# Ragged lines, delimiters, title rows
# --------------------------------------------------------------------------------------
def test_ragged_lines_are_rejected_with_their_line_number(tmp_path):
    text = (
        "name,lon,lat\n"
        f"ouc,{OUC[0]},{OUC[1]}\n"
        f"cut,{SDU[0]}\n"  # a cut line: 2 fields
        f"comma,{OUC[0]},{OUC[1]},extra\n"  # an unquoted comma: 4 fields
        f"sdu,{SDU[0]},{SDU[1]},\n"  # a trailing empty field: kept
    )
    res = cg.read_points(_csv(tmp_path, text), datum="WGS84")
    assert res.n_read == 4 == len(res.accepted) + len(res.rejected)
    assert res.accepted["name"].tolist() == ["ouc", "sdu"]
    rej = res.rejected.set_index("line")
    assert set(rej.index) == {3, 4}
    assert rej.loc[3, "reason"].startswith("line 3 has 2 fields where the header has 3")
    assert rej.loc[4, "reason"].startswith("line 4 has 4 fields where the header has 3")
    assert res.rejected["source_row"].tolist() == [2, 3]  # in the file's order
    assert res.accepted["source_row"].tolist() == [1, 4]


@pytest.mark.parametrize(("sep", "name"), [(";", "t.csv"), ("\t", "t.tsv"), ("|", "t.txt")])
def test_delimiters_are_sniffed(tmp_path, sep, name):
    text = sep.join(["名称", "经度", "纬度"]) + "\n" + sep.join(["ouc", *map(str, OUC)]) + "\n"
    res = cg.read_points(_csv(tmp_path, text, name), datum="WGS84")
    assert len(res.accepted) == 1 and res.accepted["name"].iloc[0] == "ouc"
    assert sniff_delimiter(text) == sep


def test_title_rows_above_the_header_are_skipped(tmp_path):
    table = pd.DataFrame({"名称": ["ouc"], "经度": [OUC[0]], "纬度": [OUC[1]]})
    path = tmp_path / "titled.xlsx"
    with pd.ExcelWriter(path) as writer:
        table.to_excel(writer, startrow=2, index=False)
        sheet = writer.sheets["Sheet1"]
        sheet["A1"] = "青岛市科创资源统计表（2026年）"
        sheet.merge_cells("A1:C1")
    res = cg.read_points(path, datum="WGS84")
    assert len(res.accepted) == 1 and res.accepted["name"].iloc[0] == "ouc"
    assert any("title row(s) above the header skipped" in n for n in res.notes)
    csv = _csv(tmp_path, "青岛市科创资源统计表\n\n名称,经度,纬度\n" + f"ouc,{OUC[0]},{OUC[1]}\n")
    assert len(cg.read_points(csv, datum="WGS84").accepted) == 1
    explicit = cg.read_points(csv, datum="WGS84", header_row=2)  # blank lines are not rows
    assert explicit.accepted["name"].tolist() == ["ouc"]


def test_a_header_row_past_the_end_names_the_real_row_count(tmp_path):
    rows = "".join(f"p{i},{OUC[0] + i * 1e-4},{OUC[1]}\n" for i in range(60))
    csv = _csv(tmp_path, "name,lon,lat\n" + rows, "labs.csv")  # 61 rows: a header and 60
    with pytest.raises(InputError) as err:
        cg.read_points(csv, datum="WGS84", header_row=99)
    message = str(err.value)
    assert "labs.csv has 61 row(s)" in message and "from 1 to 61" in message
    assert message.startswith("header_row=99:") and "11 rows" not in message
    # A header below the first eleven rows is found where it is asked for.
    titled = _csv(tmp_path, "".join(f"title {i}\n" for i in range(14)) + "name,lon,lat\n" + rows)
    res = cg.read_points(titled, datum="WGS84", header_row=15)
    assert len(res.accepted) == 60 and res.accepted["name"].iloc[0] == "p0"


# --------------------------------------------------------------------------------------
# A declared datum against the file's own CRS
# --------------------------------------------------------------------------------------
def _points_3857(tmp_path, suffix):
    wgs = gpd.GeoDataFrame(
        {"name": ["ouc", "sdu"]}, geometry=gpd.points_from_xy(*zip(OUC, SDU)), crs=4326
    )
    path = tmp_path / f"labs_3857{suffix}"
    wgs.to_crs(3857).to_file(path)
    return wgs, path


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
@pytest.mark.parametrize("datum", ["GCJ02", "BD09"])
def test_a_datum_contradicting_a_projected_file_is_refused(tmp_path, suffix, datum):
    wgs, path = _points_3857(tmp_path, suffix)
    with pytest.raises(CRSError) as err:
        cg.read_points(path, datum=datum)
    message = str(err.value)
    assert f"labs_3857{suffix} has its own CRS, WGS 84 / Pseudo-Mercator (EPSG:3857)" in message
    assert "projected coordinates (metres)" in message
    assert f"leave out datum='{datum}'" in message and "set_datum(frame" in message
    # Without the datum, the file's CRS is used: the points come back where they were.
    res = cg.read_points(path)
    assert np.allclose(res.accepted.geometry.x, wgs.geometry.x, atol=1e-9)
    assert np.allclose(res.accepted.geometry.y, wgs.geometry.y, atol=1e-9)


def test_a_datum_agreeing_with_the_file_or_relabelling_degrees_keeps_working(tmp_path):
    wgs, path = _points_3857(tmp_path, ".gpkg")
    same = cg.read_points(path, datum="WGS84")  # EPSG:3857 is on WGS84: no contradiction
    assert np.allclose(same.accepted.geometry.x, wgs.geometry.x, atol=1e-9)
    assert any("agrees with the source's CRS" in n for n in same.notes)
    cgcs = cg.read_points(wgs.to_crs(4549), datum="WGS84")  # within a metre: agrees too
    assert np.allclose(cgcs.accepted.geometry.x, wgs.geometry.x, atol=1e-7)
    # Amap degrees saved as EPSG:4326 (the usual mislabel): relabelled, then converted.
    amap = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*zip(OUC, SDU)), crs=4326)
    path = tmp_path / "amap_as_4326.geojson"
    amap.to_file(path)
    res = cg.read_points(path, datum="GCJ02")
    lon, lat = crs.gcj02_to_wgs84(np.array([OUC[0], SDU[0]]), np.array([OUC[1], SDU[1]]))
    assert np.allclose(res.accepted.geometry.x, lon, atol=1e-9)
    assert np.allclose(res.accepted.geometry.y, lat, atol=1e-9)
    east_m = (OUC[0] - lon[0]) * 111320 * math.cos(math.radians(OUC[1]))
    assert 400 < east_m < 500  # the GCJ-02 shift in Qingdao: 430-460 m east
    assert any("EPSG:4326) relabelled GCJ02 as asked" in n for n in res.notes)


def test_a_datum_contradicting_another_datums_degrees_is_refused():
    beijing = gpd.GeoDataFrame(geometry=gpd.points_from_xy([OUC[0]], [OUC[1]]), crs=4214)
    with pytest.raises(CRSError, match=r"Beijing 1954 \(EPSG:4214\): longitude/latitude"):
        cg.read_points(beijing, datum="GCJ02")


# --------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------
def test_big5_is_detected_not_garbled_as_gb18030(tmp_path):
    names = ["國立海洋大學", "青島科技大學嶗山校區", "國家深海基地管理中心"]
    rows = [f"{n},{OUC[0] + i * 0.01},{OUC[1]}" for i, n in enumerate(names)]
    path = _csv(tmp_path, "名稱,經度,緯度\n" + "\n".join(rows) + "\n", encoding="big5")
    res = cg.read_points(path, datum="WGS84")
    assert res.encoding == "big5"
    assert res.accepted["name"].tolist() == names


def test_the_detected_encoding_is_said_and_undecodable_bytes_refused():
    data = "名称,经度,纬度\n中国海洋大学,120.49,36.16\n青岛科技大学,120.47,36.11\n".encode("gbk")
    text, used, notes = decode_text(data, encoding=None, label="x.csv")
    assert used == "gb18030" and text.startswith("名称") and "encoding gb18030 detected" in notes
    with pytest.raises(InputError, match=r"cannot tell the text encoding of y\.csv"):
        decode_text(bytes(range(128, 256)) * 4, encoding=None, label="y.csv")


# --------------------------------------------------------------------------------------
# User columns verbatim
# --------------------------------------------------------------------------------------
def test_user_columns_are_kept_verbatim(tmp_path):
    text = (
        "编号,name,lon,lat,status,weight,source_row,phone\n"
        f"001,ouc,{OUC[0]},{OUC[1]},在建,heavy,7,053288880001\n"
        f"002,sdu,{SDU[0]},{SDU[1]},运营,light,9,053288880002\n"
    )
    res = cg.read_points(_csv(tmp_path, text), datum="WGS84", id="编号")
    acc = res.accepted
    # The user's own status, weight and source_row columns are untouched...
    assert acc["status"].tolist() == ["在建", "运营"]
    assert acc["weight"].tolist() == ["heavy", "light"]
    assert acc["source_row"].tolist() == [7, 9]
    # ...the library's are beside them, renamed, and the table says where.
    assert acc["cg_status"].tolist() == ["user-supplied"] * 2
    assert acc["cg_weight"].tolist() == [1.0, 1.0]
    assert acc["cg_source_row"].tolist() == [1, 2]
    assert res.column("status") == "cg_status" and res.column("weight") == "cg_weight"
    # Number-like text keeps its leading zeros: ids, phone numbers.
    assert acc["id"].tolist() == ["001", "002"] and acc["编号"].tolist() == ["001", "002"]
    assert acc["phone"].tolist() == ["053288880001", "053288880002"]
    # The analyses resolve the roles: weight 1 each, not the user's text column.
    share = cg.share_of_city(res, by=None, layers="corridor")
    assert share["city_count"].iloc[0] == 2 and share["city_weight"].iloc[0] == 2.0


def test_datum_suffixed_columns_and_row_datums():
    assert coordinate_role("lng_gcj02") == ("lon", "GCJ02")
    assert coordinate_role("WGS84_Lat") == ("lat", "WGS84")
    assert coordinate_role("经度(百度)") == ("lon", "BD09")
    assert coordinate_role("X坐标") == (None, None)  # projected survey coordinates
    g = crs.wgs84_to_gcj02(*OUC)
    res = cg.read_points(pd.DataFrame({"lng_gcj02": [g[0]], "lat_gcj02": [g[1]]}))
    assert np.allclose([res.accepted.geometry.x.iloc[0], res.accepted.geometry.y.iloc[0]], OUC)
    with pytest.warns(DatumMislabelWarning, match="say GCJ02 but datum='WGS84'"):
        cg.read_points(pd.DataFrame({"lng_gcj02": [g[0]], "lat_gcj02": [g[1]]}), datum="WGS84")


# --------------------------------------------------------------------------------------
# Hypothesis: any text in any cell is read, kept and accounted for
# --------------------------------------------------------------------------------------
cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(cells, min_size=1, max_size=6), lon=st.lists(cells, min_size=1, max_size=6))
def test_any_text_is_accounted_for(tmp_path, names, lon):
    n = min(len(names), len(lon))
    frame = pd.DataFrame({"name": names[:n], "lon": lon[:n], "lat": [str(OUC[1])] * n})
    path = tmp_path / "fuzz.csv"
    frame.to_csv(path, index=False, encoding="utf-8")
    try:
        res = cg.read_points(path, datum="WGS84")
    except InputError:
        return  # a file the reader refuses as a whole, with a clear error, is fine
    assert res.n_read == len(res.accepted) + len(res.rejected)
    assert (res.rejected["reason"].astype(str).str.len() > 0).all()
    for value in res.accepted["lon_source"]:
        assert math.isfinite(value)


@settings(max_examples=50, deadline=None)
@given(
    x=st.floats(allow_nan=True, allow_infinity=True, width=64),
    y=st.floats(allow_nan=True, allow_infinity=True, width=64),
)
def test_any_number_is_accepted_inside_qingdao_or_rejected_with_a_reason(x, y):
    res = cg.read_points(pd.DataFrame({"lon": [x], "lat": [y]}), datum="WGS84")
    assert res.n_read == 1 == len(res.accepted) + len(res.rejected)
    if len(res.accepted):
        assert shapely.intersects_xy(cg.resources.city_polygon(), x, y)
    else:
        assert res.rejected["reason"].iloc[0]


# --------------------------------------------------------------------------------------
# Analyses: bad values in GeoDataFrames and bad options
# --------------------------------------------------------------------------------------
def test_bad_points_and_weights_in_a_geodataframe_are_named(layout):
    pts = cg.synthetic_resources(5, seed=1)
    holes = pts.copy()
    holes.loc[2, "geometry"] = None
    with pytest.raises(InputError, match=r"1 rows have no geometry \(rows 2\)"):
        cg.share_of_city(holes, layout=layout)
    heavy = pts.copy()
    heavy["weight"] = [1.0, np.nan, -91.0, 2.0, 3.0]
    with pytest.raises(InputError, match="rows 1, 2"):
        cg.share_of_city(heavy, layout=layout)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: cg.kernel_density(p, bandwidth_m=math.inf), "finite"),
        (lambda p: cg.kernel_density(p, bandwidth_m=500, cell_size_m=0.001), "GiB per array"),
        (lambda p: cg.kernel_density(p, bandwidth_m=500, cutoff=math.nan), "cutoff"),
        (lambda p: cg.hex_grid(resolution=99), "0 to 15"),
        (lambda p: cg.square_grid(cell_size_m=0.01), "limit is 50,000,000 cells"),
        (lambda p: cg.axis_profile(p, bin_km=math.nan), "bin_km"),
    ],
)
def test_numeric_options_are_checked_before_any_work(call, message):
    pts = cg.synthetic_resources(20, seed=2)
    with pytest.raises(InputError, match=message):
        call(pts)


# --------------------------------------------------------------------------------------
# Layout replacements
# --------------------------------------------------------------------------------------
def test_layout_replacements_that_cannot_serve_are_refused(layout, tmp_path):
    empty = layout.cities.iloc[:0]
    with pytest.raises(LayoutError, match="has no features"):
        layout.replace("cities", empty)
    two = layout.cities.iloc[:2]
    with pytest.raises(LayoutError, match=r"lacks 数智产业城 \(digital\)"):
        layout.replace("cities", two)
    table = tmp_path / "cities.csv"
    pd.DataFrame({"key": ["ocean"], "x": [1]}).to_csv(table, index=False)
    with pytest.raises(LayoutError, match="table without geometry"):
        layout.replace("cities", table)
    points = layout.metric("cities").centroid.to_crs(4326)
    with pytest.raises(cg.GeometryError, match="Polygon or MultiPolygon"):
        layout.replace("cities", layout.cities.assign(geometry=points.values))


def test_gcj02_is_claimed_only_when_the_shift_explains_the_misfit(layout):
    districts = layout.districts
    # GCJ-02 coordinates labelled WGS84: found, with strong evidence.
    shifted = crs.to_datum(districts, "GCJ02").set_crs(4326, allow_override=True)
    check = check_gcj02_mislabel(shifted, districts)
    assert check.verdict == "gcj02" and check.confidence == "strong"
    assert check.as_gcj02 < 1.0 < 200 < check.as_labelled
    # The same districts moved 450 m west: a misfit, but not GCJ-02.
    west = districts.to_crs(crs.ANALYSIS_CRS).translate(-450, 0).to_crs(4326)
    assert check_gcj02_mislabel(gpd.GeoDataFrame(geometry=west), districts).verdict == "misfit"
    # Wrong areas (grown by 400 m): not GCJ-02 either; no warning claims it is.
    grown = districts.to_crs(crs.ANALYSIS_CRS).buffer(400).to_crs(4326)
    assert check_gcj02_mislabel(gpd.GeoDataFrame(geometry=grown), districts).verdict != "gcj02"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layout.replace("districts", districts.assign(geometry=grown.values))
    kinds = {w.category for w in caught}
    assert cg.LayoutWarning in kinds  # the layout's own checks say what is wrong...
    assert DatumMislabelWarning not in kinds  # ...and nothing blames GCJ-02
    # Correct data fits.
    assert check_gcj02_mislabel(districts, districts).verdict == "fits"


# --- inland points: the table's own district / sub-district column as the reference ----
@pytest.fixture(scope="module")
def inland_points(layout):
    """600 synthetic points at least 2 km from the coast, with their district and 街道."""
    from ._oracles import wgs84_to_gcj02

    inner = shapely.buffer(layout.union("city"), -2000)
    pts = cg.synthetic_resources(3000, seed=1, layout=layout)
    metric = pts.to_crs(crs.ANALYSIS_CRS)
    keep = shapely.contains_xy(inner, metric.geometry.x, metric.geometry.y)
    pts = pts[keep].iloc[:600].reset_index(drop=True)
    zones = cg.assign_zones(pts, layout=layout, layers=("subdistricts", "districts"))
    sub = layout.subdistricts.set_index("key")["name_zh"]
    dis = layout.districts.set_index("code")["name_zh"]
    gcj = [wgs84_to_gcj02(x, y) for x, y in zip(pts.geometry.x, pts.geometry.y)]  # oracle
    return pd.DataFrame(
        {
            "名称": [f"p{i}" for i in range(len(pts))],
            "lon_wgs": pts.geometry.x,
            "lat_wgs": pts.geometry.y,
            "lon_gcj": [p[0] for p in gcj],
            "lat_gcj": [p[1] for p in gcj],
            "类别": pts["category"],
            "街道": zones["subdistricts"].map(sub),
            "区": zones["districts"].map(dis),
        }
    )


@pytest.mark.parametrize(("column", "unit"), [("街道", "sub-district"), ("区", "district")])
def test_inland_gcj02_labelled_wgs84_is_found_from_the_district_column(
    inland_points, column, unit
):
    table = inland_points[["名称", "lon_gcj", "lat_gcj", "类别", column]].rename(
        columns={"lon_gcj": "经度", "lat_gcj": "纬度"}  # names that do not tell the datum
    )
    with pytest.warns(DatumMislabelWarning, match=rf"outside the {unit}.*strong evidence"):
        res = cg.read_resources(table, datum="WGS84")
    assert len(res.accepted) == 600  # a warning, never a rejection
    assert any("GCJ-02" in note for note in res.notes)
    # No coastal point is involved: the coast test alone finds nothing here.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cg.read_resources(table.drop(columns=column), datum="WGS84")
    assert not [w for w in caught if issubclass(w.category, DatumMislabelWarning)]


def test_district_column_check_is_silent_on_correct_data(inland_points):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cg.read_resources(inland_points, lon="lon_wgs", lat="lat_wgs", datum="WGS84")
        cg.read_resources(inland_points, lon="lon_gcj", lat="lat_gcj", datum="GCJ02")
        # A few rows naming a wrong district (typos, addresses) are not a datum problem.
        noisy = inland_points.copy()
        noisy.loc[:9, "区"] = "市南区"
        cg.read_resources(noisy, lon="lon_wgs", lat="lat_wgs", datum="WGS84")
    assert not [w for w in caught if issubclass(w.category, DatumMislabelWarning)]


def test_district_column_as_codes_aliases_and_any_case(inland_points, layout):
    from corridor_geo._readers import _admin_key, _admin_lookup, admin_column

    lookup = _admin_lookup(layout.districts)
    codes = layout.districts.reset_index(drop=True)["code"]
    at = {c: i for i, c in enumerate(codes)}
    assert lookup[_admin_key(370212.0)] == at["370212"]  # a code read as a float
    assert lookup[_admin_key("青岛西海岸新区")] == at["370211"]  # 黄岛区's other name
    assert lookup[_admin_key("崂山")] == lookup[_admin_key("崂山区")] == at["370212"]
    assert admin_column(["名称", "District"], "district") == "District"
    # Codes in a numeric column find the mislabel as names do.
    names = layout.districts.set_index("name_zh")["code"].astype(float)
    table = inland_points[["名称", "lon_gcj", "lat_gcj", "类别"]].rename(
        columns={"lon_gcj": "经度", "lat_gcj": "纬度"}
    )
    table["DISTRICT"] = inland_points["区"].map(names)
    with pytest.warns(DatumMislabelWarning, match="outside the district"):
        cg.read_resources(table, datum="WGS84")
