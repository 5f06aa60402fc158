"""Layout replacements that are not what they claim: named before any check runs.

A layer with longitude and latitude swapped used to fail the containment checks with
"lies nan% outside its district" and a screen of RuntimeWarnings; a Shapefile without its
.prj gave the generic "the data has no CRS" without naming the layer or the file.
"""

from __future__ import annotations

import pytest
import shapely

import corridor_geo as cg
from corridor_geo._errors import GeometryError, MissingCRSError


def test_swapped_longitude_and_latitude_are_named(layout):
    swapped = layout.cities.copy()
    swapped.geometry = shapely.transform(swapped.geometry.values, lambda c: c[:, ::-1])
    with pytest.raises(GeometryError) as err:
        layout.replace("cities", swapped)
    message = str(err.value)
    assert message.startswith("the cities layer is labelled longitude/latitude (WGS 84)")
    x0, y0, x1, y1 = swapped.total_bounds
    assert f"x from {x0:g} to {x1:g}, y from {y0:g} to {y1:g}" in message
    assert "longitude and latitude look swapped" in message and "nan" not in message
    # The fix the message gives restores the layer (the oracle: the bundled cities).
    fixed = swapped.copy()
    fixed.geometry = shapely.transform(fixed.geometry.values, lambda c: c[:, ::-1])
    again = layout.replace("cities", fixed)
    assert again.cities["area_km2"].tolist() == pytest.approx(layout.cities["area_km2"].tolist())


def test_metres_labelled_as_degrees_are_named(layout):
    metres = layout.cities.to_crs(4549).set_crs(4326, allow_override=True)
    with pytest.raises(GeometryError, match=r"projected coordinates \(metres\?\) labelled as"):
        layout.replace("cities", metres)


def test_a_shapefile_without_its_prj_names_the_layer_and_the_file(layout, tmp_path):
    layout.cities[["key", "name_zh", "geometry"]].to_file(tmp_path / "cities.shp")
    (tmp_path / "cities.prj").unlink()
    with pytest.raises(MissingCRSError) as err:
        cg.load_layout(replace={"cities": tmp_path / "cities.shp"})
    message = str(err.value)
    assert message.startswith(
        "the cities layer (cities.shp) has no CRS (a Shapefile without its .prj)"
    )
    assert "datums={'cities': 'WGS84'} in load_layout" in message
    replaced = cg.load_layout(
        replace={"cities": tmp_path / "cities.shp"}, datums={"cities": "WGS84"}
    )
    assert replaced.cities["key"].tolist() == layout.cities["key"].tolist()
