"""Static figures: content, scale bar, north arrow, fonts and file formats."""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from corridor_geo import plotting
from corridor_geo._errors import InputError


@pytest.fixture(scope="module")
def layout_figure(layout):
    fig = plotting.plot_layout(layout, lang="both")
    yield fig
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_layout_map_has_cities_axis_and_labels(layout_figure):
    ax = layout_figure.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert (
        any("海洋科技城" in t and "78.56 km²" in t for t in texts) or plotting.cjk_font() is None
    )
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("Binhai Avenue" in t for t in legend)
    assert "N" in texts  # north arrow
    assert any(t.endswith(" km") for t in texts)  # scale bar


def test_scale_bar_is_true_length(layout_figure):
    ax = layout_figure.axes[0]
    bars = [p for p in ax.patches if p.get_height() > 0 and p.get_zorder() == 20]
    assert len(bars) == 2
    length_m = sum(p.get_width() for p in bars)
    label = next(t.get_text() for t in ax.texts if t.get_text().endswith(" km"))
    assert length_m == pytest.approx(float(label.split()[0]) * 1000)
    # The map is in EPSG:4549: x is metres east, so the bar is true to within the GK
    # scale factor (< 1.0001 this close to the central meridian).
    x0, x1 = ax.get_xlim()
    assert 100_000 > x1 - x0 > 20_000


def test_north_arrow_follows_meridian_convergence(layout):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_xlim(540_000, 580_000)
    ax.set_ylim(3_990_000, 4_040_000)
    got = plotting._north_arrow(ax)
    # Independent: the grid bearing of a short step due north, via pyproj.
    cx, cy = 540_000 + 0.92 * 40_000, 3_990_000 + 0.88 * 50_000
    to_geo = Transformer.from_crs(4549, 4326, always_xy=True)
    to_grid = Transformer.from_crs(4326, 4549, always_xy=True)
    lon, lat = to_geo.transform(cx, cy)
    nx, ny = to_grid.transform(lon, lat + 0.01)
    bearing = math.degrees(math.atan2(nx - cx, ny - cy))  # clockwise from grid north
    assert got == pytest.approx(-bearing, abs=0.01)
    assert 0.2 < abs(got) < 0.6
    plt.close(fig)


def test_fallback_to_english_without_cjk_font(layout, monkeypatch, caplog):
    monkeypatch.setattr(plotting, "cjk_font", lambda: None)
    monkeypatch.setitem(plotting._warned, "no_cjk_font", False)  # warned once per process
    with caplog.at_level(logging.WARNING, logger="corridor_geo.plotting"):
        fig = plotting.plot_layout(layout, lang="zh", labels=True, circles=False)
    assert "no Chinese font found" in caplog.text
    title = fig.axes[0].get_title()
    assert title == "Qingdao S&T Innovation Corridor"
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_isochrones_and_density(layout, tmp_path):
    import matplotlib.pyplot as plt
    import rasterio
    from affine import Affine

    iso = gpd.GeoDataFrame(
        {"minutes": [5, 10, 15]},
        geometry=[shapely.Point(120.5, 36.2).buffer(r) for r in (0.01, 0.02, 0.03)],
        crs="EPSG:4326",
    )
    fig = plotting.plot_isochrones(layout, iso, lang="en")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "≤ 5 min",
        "≤ 10 min",
        "≤ 15 min",
    ]
    plt.close(fig)
    path = tmp_path / "d.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=10,
        height=10,
        count=1,
        dtype="float32",
        crs="EPSG:4549",
        nodata=-1,
        transform=Affine(1000, 0, 545000, 0, -1000, 4020000),
    ) as dst:
        dst.write(np.arange(100, dtype="float32").reshape(1, 10, 10))
        dst.update_tags(units="per km2")
    fig = plotting.plot_density(layout, path, lang="en")
    assert fig.axes[1].get_ylabel() == "per km2"
    image = fig.axes[0].images[0]
    assert float(np.nanmax(image.get_array())) == 99.0
    plt.close(fig)
    with pytest.raises(InputError, match="no column 'band'"):
        plotting.plot_isochrones(layout, iso, band_column="band")


def test_density_raster_in_wgs84_is_drawn_where_it_lies(layout, tmp_path):
    """A longitude/latitude raster is reprojected onto a metric grid, not read as metres."""
    import matplotlib.pyplot as plt
    import rasterio
    from affine import Affine

    path = tmp_path / "wgs.tif"
    rows, cols = np.mgrid[0:50, 0:50]
    values = (rows * 50 + cols).astype("float32")  # a value that says its cell
    with rasterio.open(
        path, "w", driver="GTiff", width=50, height=50, count=1, dtype="float32",
        crs="EPSG:4326", nodata=-1, transform=Affine(0.01, 0, 120.3, 0, -0.01, 36.5),
    ) as dst:  # fmt: skip
        dst.write(values[None])
    fig = plotting.plot_density(layout, path, lang="en")
    image = fig.axes[0].images[0]
    x0, x1, y0, y1 = image.get_extent()
    to_gk = Transformer.from_crs(4326, 4549, always_xy=True)
    t = np.linspace(0.0, 0.5, 51)
    lon = np.r_[120.3 + t, np.full(51, 120.8), 120.8 - t, np.full(51, 120.3)]
    lat = np.r_[np.full(51, 36.0), 36.0 + t, np.full(51, 36.5), 36.5 - t]
    gx, gy = to_gk.transform(lon, lat)  # the raster's outline, densified
    # The drawn grid covers the raster's footprint in EPSG:4549 (GDAL's envelope).
    assert x0 == pytest.approx(min(gx), abs=1000) and x1 == pytest.approx(max(gx), abs=1000)
    assert y0 == pytest.approx(min(gy), abs=1000) and y1 == pytest.approx(max(gy), abs=1000)
    grid = np.ma.filled(image.get_array(), np.nan)
    assert np.isfinite(grid).mean() > 0.9
    # The value drawn at the centre of source cell (row 20, col 30) is that cell's.
    cx, cy = to_gk.transform(120.3 + 0.305, 36.5 - 0.205)
    h, w = grid.shape
    r = int((y1 - cy) / (y1 - y0) * h)
    c = int((cx - x0) / (x1 - x0) * w)
    assert grid[r, c] == pytest.approx(20 * 50 + 30, abs=51)  # within a row of cells
    plt.close(fig)


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG"), (".pdf", b"%PDF"), (".svg", b"<?xml")]
)
def test_save_figure_formats(layout_figure, tmp_path, suffix, magic):
    path = plotting.save_figure(layout_figure, tmp_path / f"layout{suffix}", dpi=40)
    assert path.read_bytes()[:5].startswith(magic)
    with pytest.raises(InputError, match=r"writes \.png, \.svg or \.pdf"):
        plotting.save_figure(layout_figure, tmp_path / "x.jpg")


def test_axis_profile_bars_are_the_profile(layout):
    import matplotlib.pyplot as plt

    import corridor_geo as cg

    pts = cg.synthetic_resources(800, seed=3, layout=layout, corridor_share=1.0)
    profile = cg.axis_profile(pts, layout=layout, bin_km=2.0)
    fig = plotting.plot_axis_profile(profile, lang="en")
    bars = [p for p in fig.axes[0].patches if p.get_width() > 0 and p.get_height() > 0]
    heights = {round(b.get_x(), 6): b.get_height() for b in bars}
    nonzero = profile[profile["count_per_km"] > 0]
    assert len(heights) == len(nonzero)
    for _, row in nonzero.iterrows():
        assert heights[round(row["start_km"], 6)] == pytest.approx(row["count_per_km"])
    colors = {plotting.CITY_COLORS[c] for c in profile["city"].dropna().unique()}
    assert len(colors) >= 2  # at least two cities shaded along the axis
    plt.close(fig)
    with pytest.raises(InputError, match="no column 'city'"):
        plotting.plot_axis_profile(profile.drop(columns="city"))


def test_targets_bars_are_values_against_targets():
    import matplotlib.pyplot as plt
    import pandas as pd

    status = pd.DataFrame(
        {
            "name_zh": ["占比", "增长", "无基期"],
            "name_en": ["share", "growth", "no base"],
            "value": [0.39, 0.20, float("nan")],
            "target": [0.45, 0.15, 0.15],
            "met": [False, True, None],
        }
    )
    fig = plotting.plot_targets(status, lang="en")
    ax = fig.axes[0]
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == [20.0, 39.0]  # per cent
    colors = {round(p.get_width()): p.get_facecolor()[:3] for p in ax.patches}
    assert colors[39][0] > colors[39][1]  # red: not met
    assert colors[20][1] > colors[20][0]  # green: met
    assert any("no base snapshot" in t.get_text() for t in ax.texts)
    plt.close(fig)
