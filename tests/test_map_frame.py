"""Maps that feel finished: the legend inside the map frame, maps fitted to the corridor,
and one missing-font warning per process.

The browser tests measure the page in headless Chromium: the legend's bounding box must
lie inside the map container's (and clear of Leaflet's attribution), and the corridor's
bounding box, projected to Web Mercator as Leaflet draws it, must fill most of the visible
map on its longer side.
"""

from __future__ import annotations

import json
import math
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from corridor_geo import maps, plotting, report
from corridor_geo._styles import band_colors

from ._browser import errors, inspect_page

FILL = 0.85  # the corridor's share of the frame on its limiting side


def _merc_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def corridor_share(view: dict, layout) -> tuple[float, float, bool]:
    """Shares of the map's width and height the corridor's bounds take; inside the view?"""
    west, south, east, north = layout.corridor.to_crs(4326).total_bounds
    s, w, n, e = view["bounds"]
    inside = w <= west and east <= e and s <= south and north <= n
    share_x = (east - west) / (e - w)
    share_y = (_merc_y(north) - _merc_y(south)) / (_merc_y(n) - _merc_y(s))
    return share_x, share_y, inside


def assert_legend_in_frame(view: dict) -> None:
    legend, frame, credit = view["legend"], view["box"], view["attribution"]
    assert legend is not None, view
    left, top, right, bottom = legend
    assert frame[0] <= left < right <= frame[2], (legend, frame)
    assert frame[1] <= top < bottom <= frame[3], (legend, frame)
    if credit is not None:  # above Leaflet's attribution, not over it
        overlaps_x = left < credit[2] and credit[0] < right
        assert not (overlaps_x and top < credit[3] and credit[1] < bottom), (legend, credit)


def _layered_map(layout, tmp_path, *, height=600, n_categories=4):
    import rasterio
    from affine import Affine

    m = maps.explore_layout(layout, basemap="blank", height=height)
    rng = np.random.default_rng(5)
    names = [f"lab {i}" for i in range(40)]
    pts = gpd.GeoDataFrame(
        {"name": names, "cat": [f"c{i % n_categories}" for i in range(40)]},
        geometry=shapely.points(rng.uniform(120.45, 120.7, 40), rng.uniform(36.1, 36.45, 40)),
        crs=4326,
    )
    colors = {f"c{i}": "#%06x" % (i * 40503 % 0xFFFFFF) for i in range(n_categories)}
    maps.add_points(m, pts, name="labs", label_column="name", color_column="cat", colors=colors)
    path = tmp_path / "kde.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=20,
        height=20,
        count=1,
        dtype="float32",
        crs="EPSG:4549",
        transform=Affine(500, 0, 545000, 0, -500, 4020000),
        nodata=-9999,
    ) as dst:
        dst.write(np.linspace(0, 1, 400, dtype="float32").reshape(1, 20, 20))
    maps.add_raster(m, path, name="density")
    iso = gpd.GeoDataFrame(
        {"minutes": [5, 10]},
        geometry=[shapely.Point(120.5, 36.2).buffer(r) for r in (0.01, 0.02)],
        crs=4326,
    )
    maps.add_isochrones(m, iso)
    maps.add_zones(m, layout.cities, "area_km2", name="area")
    return m


@pytest.mark.browser
@pytest.mark.parametrize(("height", "n_categories"), [(600, 4), (320, 40)])
def test_legend_inside_the_map_frame_and_the_corridor_fills_it(
    layout, tmp_path, height, n_categories
):
    m = _layered_map(layout, tmp_path, height=height, n_categories=n_categories)
    facts, logs = inspect_page(maps.save_map(m, tmp_path / "map.html"))
    assert errors(logs) == [], logs
    (view,) = facts["views"]
    assert view["size"][1] == height
    assert_legend_in_frame(view)
    # A long legend scrolls inside at most half the map rather than leaving the frame.
    legend_height = view["legend"][3] - view["legend"][1]
    assert legend_height <= max(80, 0.5 * height) + 1
    assert "labs: c1" in facts["legend"][0] and "isochrones: 5" in facts["legend"][0]
    share_x, share_y, inside = corridor_share(view, layout)
    assert inside and max(share_x, share_y) >= FILL, (share_x, share_y)


@pytest.mark.browser
def test_report_maps_keep_their_legend_inside_and_fit_the_corridor(styled_report, layout):
    rep, _ = styled_report
    facts, logs = inspect_page(rep.html_path, frames=True, settle=2.0)
    assert errors(logs) == [], logs
    views = [v for frame in facts["frames"] for v in frame["views"]]
    assert len(views) == 4  # the layout, metro, register and density maps
    for view in views:
        assert_legend_in_frame(view)
        share_x, share_y, inside = corridor_share(view, layout)
        assert inside and max(share_x, share_y) >= FILL, (view, share_x, share_y)


def test_legend_is_a_leaflet_control_with_escaped_labels(layout):
    pts = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(120.5, 36.2)], crs=4326)
    base = maps.explore_layout(layout, basemap="blank")
    m = maps.add_points(base, pts, name="<b>x</b></script>")
    page = m.get_root().render()
    assert page.count('L.control({position: "bottomright"})') == 1
    assert "<b>x</b>" not in page
    # The legend's HTML sits in a JavaScript string with no "<" that could close the
    # script; read back, it is the escaped label, in Chinese as written.
    literal = re.search(r"div\.innerHTML = (\".*?\");\n", page).group(1)
    assert "<" not in literal
    html = json.loads(literal)
    assert "<span>&lt;b&gt;x&lt;/b&gt;&lt;/script&gt;</span>" in html
    assert "科创大走廊 corridor" in html


def test_one_colour_per_isochrone_band_everywhere(layout):
    """Figures, maps and QGIS styles colour isochrone bands alike (shortest darkest)."""
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    iso = gpd.GeoDataFrame(
        {"minutes": [5, 10, 30]},
        geometry=[shapely.Point(120.5, 36.2).buffer(r) for r in (0.01, 0.02, 0.03)],
        crs=4326,
    )
    viridis_r = matplotlib.colormaps["viridis_r"]
    # By value: 5 at the top end, 30 at the bottom, 10 a fifth of the way down.
    expected = {5: to_hex(viridis_r(1.0)), 10: to_hex(viridis_r(0.8)), 30: to_hex(viridis_r(0.0))}
    assert band_colors([5, 10, 30]) == expected
    fig = plotting.plot_isochrones(layout, iso, lang="en")
    drawn = [to_hex(h.get_facecolor()) for h in fig.axes[0].get_legend().legend_handles]
    assert drawn == [expected[5], expected[10], expected[30]]
    plt.close(fig)
    page = maps.add_isochrones(maps.new_map(basemap="blank"), iso).get_root().render()
    for color in expected.values():
        assert color in page


def test_one_font_warning_per_process(layout, monkeypatch, caplog):
    import logging

    import matplotlib.pyplot as plt

    monkeypatch.setattr(plotting, "cjk_font", lambda: None)
    monkeypatch.setitem(plotting._warned, "no_cjk_font", False)
    with caplog.at_level(logging.WARNING, logger="corridor_geo.plotting"):
        for _ in range(3):
            plt.close(plotting.plot_layout(layout, lang="zh", circles=False))
        plt.close(plotting.plot_targets(_targets(), lang="both"))
    warnings = [r for r in caplog.records if "no Chinese font" in r.getMessage()]
    assert len(warnings) == 1


def _targets():
    import pandas as pd

    return pd.DataFrame(
        {
            "key": ["a"],
            "name_zh": ["甲"],
            "name_en": ["A"],
            "value": [0.5],
            "target": [0.6],
            "met": [False],
            "kind": ["share"],
        }
    )


def test_a_report_warns_once_about_the_font(styled_report):
    rep, messages = styled_report
    figures = rep.html_path.read_text(encoding="utf-8").count("<figure>")
    assert figures >= 4  # several figures were drawn...
    assert sum("no Chinese font" in m for m in messages) == 1  # ...one warning


@pytest.mark.browser
def test_report_map_frames_fit_their_maps_and_the_layer_list_spares_the_legend(tmp_path):
    # The metro map has 12 layers (corridor, axis, 9 routes, stations) and a 13-row legend:
    # open, its layer list ran into the legend, and the frame had a blank band below it.
    rep = report.build_report(tmp_path / "r", sections=["metro"], progress=False)
    facts, logs = inspect_page(rep.html_path, frames=True, settle=2.0)
    assert errors(logs) == [], logs
    frames = [v for frame in facts["frames"] for v in frame["views"]]
    assert len(frames) == len(facts["iframes"]) == 2  # the layout and the metro maps
    for view, (_, top, _, bottom) in zip(frames, facts["iframes"]):
        assert abs((bottom - top) - 2 - view["size"][1]) <= 1  # 1 px border above and below
        control, legend = view["control"], view["legend"]
        overlap = min(control[3], legend[3]) - max(control[1], legend[1])
        assert overlap <= 0, (control, legend)
