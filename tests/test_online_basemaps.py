"""Tianditu basemaps: a key is needed, written into the page only when given, and no shift.

Oracle: the layer coordinates drawn over Tianditu tiles equal those drawn over
OpenStreetMap tiles (CGCS2000 tiles need no shift), while over Amap tiles they move by
the GCJ-02 offset (about 450 m in Qingdao); the tile URLs follow Tianditu's WMTS form.
"""

from __future__ import annotations

import json
import re

import pytest
from pyproj import Geod

from corridor_geo.maps import BASEMAPS, explore_layout, new_map

from ._online import SECRET

pytestmark = pytest.mark.filterwarnings("ignore:the Tianditu key is written:UserWarning")


def page(m):
    # folium writes URLs as JSON strings, with & as \u0026
    return m.get_root().render().replace("\\u0026", "&")


def corridor_coords(m):
    """Coordinates of the one GeoJSON layer of a map drawn with layers=("corridor",)."""
    html = m.get_root().render()
    found = [mt.end() for mt in re.finditer(r"geo_json_[0-9a-f]+_add\(", html)]
    assert len(found) == 1
    data, _ = json.JSONDecoder().raw_decode(html, found[0])
    return data["features"][0]["geometry"]["coordinates"]


@pytest.mark.parametrize("name", ["tianditu", "tianditu-satellite"])
def test_tianditu_needs_a_key_and_says_why(name, layout):
    with pytest.raises(ValueError, match="written into the map's HTML"):
        new_map(basemap=name)
    with pytest.raises(ValueError, match="tianditu_key"):
        explore_layout(layout, basemap=name)


def test_key_goes_into_the_page_only_when_given(layout, monkeypatch):
    monkeypatch.setenv("TIANDITU_TK", SECRET)  # the environment is never read for maps
    plain = explore_layout(layout, basemap="osm").get_root().render()
    assert SECRET not in plain
    with pytest.raises(ValueError, match="needs a Tianditu key"):
        explore_layout(layout, basemap="tianditu")
    with pytest.warns(UserWarning, match="written into this map's HTML"):
        m = explore_layout(layout, basemap="tianditu", tianditu_key=SECRET)
    html = m.get_root().render()
    assert html.count(f"tk={SECRET}") == 2  # the base layer and the labels


def test_wmts_urls_of_both_layers():
    m = new_map(basemap="tianditu-satellite", tianditu_key="k1")
    html = page(m)
    for layer in ("img", "cia"):
        assert (
            f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
            f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
            "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k1"
        ) in html
    assert '"subdomains": "01234567"' in html
    assert BASEMAPS["tianditu"]["attr"].endswith("(CGCS2000)")


def test_no_shift_on_tianditu_unlike_amap(layout):
    osm = corridor_coords(explore_layout(layout, basemap="osm", layers=("corridor",)))
    tdt = corridor_coords(
        explore_layout(layout, basemap="tianditu", tianditu_key="k", layers=("corridor",))
    )
    amap = corridor_coords(explore_layout(layout, basemap="amap", layers=("corridor",)))
    assert tdt == osm
    (x0, y0), (x1, y1) = osm[0][0], amap[0][0]
    shift = Geod(ellps="WGS84").inv(x0, y0, x1, y1)[2]
    assert 350 < shift < 600


def test_resource_maps_take_the_key_too(layout):
    from corridor_geo.resources import sample_resources

    m = sample_resources().explore(layout=layout, basemap="tianditu", tianditu_key="k2")
    assert "tk=k2" in m.get_root().render()
