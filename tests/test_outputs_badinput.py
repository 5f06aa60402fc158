"""Outputs to places they cannot go: one error naming the place, nothing written.

A folder that cannot be written into used to surface as a PermissionError about a hidden
temporary name, or as GDAL's "sqlite3_open failed"; a format that contradicts the file's
suffix wrote a GeoPackage over a CSV.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from corridor_geo import io
from corridor_geo._errors import DataFileError, InputError

TABLE = pd.DataFrame({"a": [1, 2]})
LAYER = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(120.4, 36.1)], crs=4326)


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder this process cannot create files in (root ignores modes: use /sys)."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    sys_folder = Path("/sys")
    if not sys_folder.is_dir() or (os.access(sys_folder, os.W_OK) and _can_create(sys_folder)):
        pytest.skip("no folder this process cannot write into")
    yield sys_folder


def _can_create(folder: Path) -> bool:
    try:
        (folder / ".cg-probe").touch()
    except OSError:
        return False
    (folder / ".cg-probe").unlink()
    return True


@pytest.mark.parametrize(
    "write",
    [
        lambda folder: io.write_table_atomic(TABLE, folder / "t.csv"),
        lambda folder: io.write_table_atomic(TABLE, folder / "t.xlsx"),
        lambda folder: io.write_vector_atomic(LAYER, folder / "t.gpkg"),
        lambda folder: io.write_vector_atomic(LAYER, folder / "t.shp"),
        lambda folder: io.write_layers({"a": LAYER, "b": LAYER}, folder / "sub", fmt="geojson"),
    ],
)
def test_a_read_only_folder_is_named(read_only_folder, write):
    before = sorted(os.listdir(read_only_folder))
    with pytest.raises(DataFileError) as err:
        write(read_only_folder)
    message = str(err.value)
    assert (
        f"into {str(read_only_folder)!r}" in message or f"into '{read_only_folder}/sub'" in message
    )
    assert "choose another output folder" in message and "cgtmp" not in message
    assert sorted(os.listdir(read_only_folder)) == before


def test_a_file_in_the_way_of_the_folder_or_a_folder_in_the_way_of_the_file(tmp_path):
    blocker = tmp_path / "out.csv"
    blocker.write_text("keep me", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"'.*out\.csv' is a file, not a folder"):
        io.write_table_atomic(TABLE, blocker / "deeper" / "t.csv")
    assert blocker.read_text(encoding="utf-8") == "keep me"
    folder = tmp_path / "t.csv"
    folder.mkdir()
    with pytest.raises(DataFileError, match=r"t\.csv': it is a folder; name a file"):
        io.write_table_atomic(TABLE, folder)
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == [
        "out.csv",
        "t.csv",
    ]


@pytest.mark.parametrize(("name", "fmt"), [("labs.csv", "gpkg"), ("labs.csv", "geojson")])
def test_a_format_contradicting_the_suffix_never_overwrites_the_file(tmp_path, name, fmt):
    existing = tmp_path / name
    existing.write_text("name,lon,lat\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        io.write_layers({"labs": LAYER}, existing, fmt=fmt)
    assert f"'{name}' is named as a csv file but fmt='{fmt}' asks for {fmt}" in str(err.value)
    assert existing.read_text(encoding="utf-8") == "name,lon,lat\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]
    # A suffix that agrees, or none at all for a folder of files, is fine.
    assert io.write_layers({"labs": LAYER}, tmp_path / "labs.gpkg", fmt="gpkg")[0].is_file()
