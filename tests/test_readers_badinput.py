"""Bad input as users make it: full-width digits, degrees-minutes-seconds, short GBK files,
workbooks under the wrong suffix, projected metres read as degrees, files without a CRS.

Every row is accepted or rejected with a reason naming the fix; a file that cannot be a
table of points is refused as a whole, naming what it is.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import corridor_geo as cg
from corridor_geo._errors import InputError, MissingCRSError

OUC = (120.49547, 36.16504)  # Ocean University of China, Laoshan campus (WGS84)
SDU = (120.67858, 36.36898)


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_full_width_digits_are_read_and_said():
    # A Chinese input method types １２０．４９５４７: the same number, not a new one.
    table = pd.DataFrame(
        {
            "name": ["fw", "mixed", "minus", "ascii"],
            "lon": ["１２０．４９５４７", "120．49547", "120.49547", str(SDU[0])],
            "lat": ["３６．１６５０４", "36.16504", "\u221236.16504", str(SDU[1])],
        }
    )
    res = cg.read_points(table, datum="WGS84")
    assert res.n_read == 4
    assert res.accepted["name"].tolist() == ["fw", "mixed", "ascii"]
    assert res.accepted.geometry.x.iloc[0] == pytest.approx(OUC[0], abs=1e-9)
    assert res.accepted.geometry.y.iloc[0] == pytest.approx(OUC[1], abs=1e-9)
    # U+2212 is a minus sign: -36.17 is a latitude far south of Qingdao, rejected as such.
    assert res.rejected["reason"].tolist() == ["outside Qingdao"]
    assert any(n.startswith("3 rows have coordinates in full-width characters") for n in res.notes)


def test_dms_and_decimal_commas_are_rejected_naming_the_fix(tmp_path):
    text = (
        "name,lon,lat\n"
        "dms,120°29′43.7″E,36°09′54.1″N\n"
        'dms_ascii,"120°29\'43.7""","36°9\'54.1"""\n'
        "spaced,120 29 43.7,36 9 54.1\n"
        'comma,"120,49547","36,16504"\n'
        "chinese_comma,120，49547,36，16504\n"
        f"ok,{OUC[0]},{OUC[1]}\n"
    )
    res = cg.read_points(_write(tmp_path, "dms.csv", text.encode("utf-8")), datum="WGS84")
    assert (res.n_read, len(res.accepted), len(res.rejected)) == (6, 1, 5)
    reasons = dict(zip(res.rejected["name"], res.rejected["reason"]))
    for key in ("dms", "dms_ascii"):
        assert reasons[key].startswith("coordinates are not numbers (")
        assert "degrees, minutes and seconds: convert them to decimal degrees" in reasons[key]
    assert "separated by spaces? Write decimal degrees" in reasons["spaced"]
    for key in ("comma", "chinese_comma"):
        assert "as the decimal point: write 120.49, not 120,49" in reasons[key]
    assert "rejected: 5 x coordinates are not numbers" in res.summary()


def test_a_short_gbk_file_is_not_read_as_korean(tmp_path):
    # Four Chinese characters decode as EUC-KR as well; only GB18030 gives a header
    # naming the coordinates (the detector's first guess was EUC-KR).
    data = f"名称,经度,纬度\n海大,{OUC[0]},{OUC[1]}\n".encode("gbk")
    res = cg.read_points(_write(tmp_path, "short.csv", data), datum="WGS84")
    assert res.encoding == "gb18030"
    assert (len(res.accepted), len(res.rejected)) == (1, 0)
    assert res.accepted["name"].tolist() == ["海大"]
    assert any("header names no coordinate columns" in n for n in res.notes)


def test_a_workbook_saved_as_csv_and_text_saved_as_xlsx_say_what_they_are(tmp_path):
    book = tmp_path / "real.xlsx"
    pd.DataFrame({"name": ["ouc"], "lon": [OUC[0]], "lat": [OUC[1]]}).to_excel(book, index=False)
    renamed = _write(tmp_path, "labs.csv", book.read_bytes())
    with pytest.raises(InputError) as err:
        cg.read_points(renamed, datum="WGS84")
    assert str(err.value).startswith("labs.csv is not a text table: it is a ZIP archive")
    assert "rename it .xlsx" in str(err.value)
    png = _write(tmp_path, "map.csv", b"\x89PNG\r\n\x1a\n" + bytes(200))
    with pytest.raises(InputError, match=r"map.csv is not a text table: it is a PNG image"):
        cg.read_points(png, datum="WGS84")
    text = _write(tmp_path, "labs.xlsx", f"name,lon,lat\nouc,{OUC[0]},{OUC[1]}\n".encode())
    with pytest.raises(InputError) as err:
        cg.read_points(text, datum="WGS84")
    message = str(err.value)
    assert message.startswith("labs.xlsx is not an Excel workbook: it looks like text")
    assert "rename a text table .csv" in message and "engine" not in message
    with pytest.raises(InputError, match=r"empty.xlsx is empty \(0 bytes\)"):
        cg.read_points(_write(tmp_path, "empty.xlsx", b""), datum="WGS84")
    with pytest.raises(InputError, match=r"its sheets are 'Sheet1': name one"):
        cg.read_points(book, datum="WGS84", sheet="Labs")


def test_binary_bytes_under_a_csv_name_are_not_blamed_on_the_encoding(tmp_path):
    path = _write(tmp_path, "bin.csv", bytes(range(128, 256)) * 8)
    with pytest.raises(InputError) as err:
        cg.read_points(path, datum="WGS84")
    assert "if it is a binary file (a workbook, a database, an image)" in str(err.value)


def test_projected_metres_read_as_degrees_are_named(tmp_path):
    # A Shapefile in EPSG:4549 whose .prj was lost, declared WGS84 by mistake.
    pts = gpd.GeoDataFrame(
        {"name": ["ouc", "sdu"]}, geometry=[shapely.Point(*OUC), shapely.Point(*SDU)], crs=4326
    ).to_crs(4549)
    x0, y0 = pts.geometry.x.iloc[0], pts.geometry.y.iloc[0]
    pts.to_file(tmp_path / "labs.shp")
    (tmp_path / "labs.prj").unlink()
    with pytest.raises(MissingCRSError) as err:
        cg.read_points(tmp_path / "labs.shp")
    message = str(err.value)
    assert message.startswith("labs.shp has no CRS (a Shapefile without its labs.prj)")
    assert "datum='WGS84'" in message and "ogr2ogr -a_srs EPSG:4549" in message
    res = cg.read_points(tmp_path / "labs.shp", datum="WGS84")
    assert (res.n_read, len(res.accepted), len(res.rejected)) == (2, 0, 2)
    first = res.rejected["reason"].iloc[0]
    assert first.startswith(f"coordinates out of range for longitude/latitude ({x0:g}, {y0:g})")
    assert "Read such a file with its own CRS" in first
    assert "rejected: 2 x coordinates out of range for longitude/latitude" in res.summary()
    # Longitude 500 in a table: out of range, not merely "outside Qingdao".
    table = pd.DataFrame({"lon": [500.0, OUC[0]], "lat": [OUC[1], OUC[1]]})
    reasons = cg.read_points(table, datum="WGS84").rejected["reason"].tolist()
    assert len(reasons) == 1 and reasons[0].startswith("coordinates out of range")


def test_analyses_given_a_path_or_a_plain_table_say_to_read_it_first(layout, tmp_path):
    csv = tmp_path / "labs.csv"
    csv.write_text(f"name,lon,lat\nouc,{OUC[0]},{OUC[1]}\n", encoding="utf-8")
    for call in (
        lambda src: cg.share_of_city(src, layout=layout),
        lambda src: cg.density.kernel_density(src, bandwidth_m=1000, layout=layout),
        lambda src: cg.zones.assign_points(src, layout=layout),
    ):
        with pytest.raises(InputError) as err:
            call(str(csv))
        assert f"'{csv}' is a file path; read it first with corridor_geo.read_resources" in str(
            err.value
        )
        with pytest.raises(InputError) as err:
            call(pd.read_csv(csv))
        assert "got a DataFrame without them: read it with corridor_geo.read_resources" in str(
            err.value
        )
    # What the message says to do works: one resource, in the city.
    read = cg.read_points(csv, datum="WGS84")
    table = cg.share_of_city(read, layout=layout, by=None, layers="city")
    assert table.loc[table["layer"] == "city", "count"].tolist() == [1]


def test_ids_weights_and_heights_of_a_geodataframe_are_reported_as_given():
    import numpy as np

    pts = gpd.GeoDataFrame(
        {
            "code": [7, 7, 8, None],  # a blank makes pandas hold the ids as floats
            "w": [1.0, 2.0, np.nan, 3.0],
        },
        geometry=[
            shapely.Point(*OUC),
            shapely.Point(*SDU),
            shapely.Point(OUC[0], OUC[1], 12.0),  # a height, as GPS exports have
            shapely.Point(*SDU),
        ],
        crs=4326,
    )
    res = cg.read_points(pts, id="code", weight="w")
    assert (res.n_read, len(res.accepted), len(res.rejected)) == (4, 1, 3)
    assert res.accepted["id"].tolist() == ["7"]
    reasons = res.rejected["reason"].tolist()
    assert reasons[0] == "duplicate id '7' (first at row 1)"
    assert reasons[1].startswith("missing weight (column 'w' is blank")
    assert reasons[2] == "missing id"
    assert "1 points have a height (Z): dropped, the analyses are 2-D" in res.notes
