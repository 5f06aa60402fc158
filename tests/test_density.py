"""Density: grids with true areas, aggregation, and the fast KDE against an exact sum."""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pytest
import rasterio
import shapely

from corridor_geo import crs
from corridor_geo._errors import InputError
from corridor_geo.density import (
    aggregate_to_grid,
    density_by_zone,
    hex_grid,
    kernel_density,
    square_grid,
)
from corridor_geo.resources import synthetic_resources
from corridor_geo.zones import zone_table


def exact_kde(x, y, w, cx, cy, kernel, h):
    """Direct sum over every point at every centre, per km² (the oracle)."""
    out = np.zeros(cx.shape)
    for xi, yi, wi in zip(x, y, w):
        r2 = (cx - xi) ** 2 + (cy - yi) ** 2
        if kernel == "gaussian":
            k = np.exp(-0.5 * r2 / h**2) / (2 * np.pi * h**2)
        else:
            k = 3 / (np.pi * h**2) * np.clip(1 - r2 / h**2, 0, None) ** 2
        out += wi * k
    return out * 1e6


def _centres(surf):
    h, w = surf.shape
    cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    return surf.transform * (cols, rows)


@pytest.mark.parametrize(
    ("kernel", "bandwidth", "weighted"),
    [("gaussian", 300.0, False), ("gaussian", 150.0, True), ("quartic", 600.0, True)],
)
def test_kde_within_one_percent_of_exact(kernel, bandwidth, weighted):
    rng = np.random.default_rng(7)
    n = 400
    # Clustered points, some outside the extent (they still count near its edge).
    centres = rng.uniform([501_000, 4_001_000], [504_000, 4_004_000], (5, 2))
    xy = centres[rng.integers(0, 5, n)] + rng.normal(0, 400, (n, 2))
    w = rng.uniform(0.5, 3.0, n) if weighted else np.ones(n)
    pts = gpd.GeoDataFrame(
        {"w": w}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs.ANALYSIS_CRS
    )
    box = (501_000.0, 4_001_000.0, 504_000.0, 4_004_000.0)
    surf = kernel_density(
        pts,
        bandwidth_m=bandwidth,
        cell_size_m=25.0,
        kernel=kernel,
        weight="w" if weighted else None,
        extent=box,
    )
    cx, cy = _centres(surf)
    exact = exact_kde(xy[:, 0], xy[:, 1], w, cx, cy, kernel, bandwidth)
    assert surf.shape == (120, 120)
    err = np.abs(surf.values - exact)
    peak = exact.max()
    assert err.max() <= 0.01 * peak
    big = exact >= 0.01 * peak
    assert (err[big] / exact[big]).max() <= 0.01


def test_kde_box_not_a_whole_number_of_cells_tall():
    """The raster's transform puts each value at the centre it was computed for."""
    rng = np.random.default_rng(3)
    x = 520_000 + rng.uniform(-300, 300, 20)
    y = 4_000_000 + rng.uniform(-300, 300, 20)
    pts = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=crs.ANALYSIS_CRS)
    # 2030 m tall: 40.6 cells of 50 m, rounded to 41 rows starting at the box's bottom.
    box = (519_000.0, 3_999_000.0, 521_000.0, 4_001_030.0)
    surf = kernel_density(pts, bandwidth_m=150.0, cell_size_m=50.0, extent=box, oversample=8)
    assert surf.shape == (41, 40)
    assert surf.bounds[:2] == (519_000.0, 3_999_000.0)
    cx, cy = _centres(surf)
    exact = exact_kde(x, y, np.ones(20), cx, cy, "gaussian", 150.0)
    assert np.abs(surf.values - exact).max() <= 1e-3 * exact.max()


def test_kde_mass_tags_and_geotiff(tmp_path, layout):
    pts = synthetic_resources(2000, seed=3, corridor_share=1.0, weight_mean={"st_talent": 50.0})
    options = {"bandwidth_m": 400.0, "cell_size_m": 100.0, "layout": layout, "weight": None}
    surf = kernel_density(pts, mask=False, **options)
    # No mask: integrates to the number of points (minus what leaks past the box edges).
    mass = np.nansum(surf.values) * 0.01
    assert 0.97 * len(pts) < mass <= len(pts) * 1.0001
    masked = kernel_density(pts, **options)
    assert np.isnan(masked.values).any() and np.isfinite(masked.values).sum() > 15_000
    assert np.nansum(masked.values) < np.nansum(surf.values)
    w = kernel_density(pts, bandwidth_m=400.0, cell_size_m=100.0, layout=layout, weight="weight")
    assert w.tags["units"] == "weight per km2"
    # The default is the weight the reader read, as in share_of_city.
    default = kernel_density(pts, bandwidth_m=400.0, cell_size_m=100.0, layout=layout)
    assert default.tags["units"] == "weight per km2"
    np.testing.assert_array_equal(default.values, w.values)
    path = masked.to_geotiff(tmp_path / "kde.tif")
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 4549
        assert src.nodata == -9999.0
        tags = src.tags()
        assert tags["kernel"] == "gaussian" and tags["bandwidth_m"] == "400"
        assert tags["units"] == "points per km2"
        band = src.read(1, masked=True)
        assert band.mask.any() and np.allclose(
            band.compressed(), masked.values[np.isfinite(masked.values)], rtol=1e-6
        )
    with pytest.raises(InputError, match="kernel"):
        kernel_density(pts, bandwidth_m=400.0, kernel="epanechnikov")


def test_kde_gcj02_input_is_converted():
    pts = synthetic_resources(50, seed=9, corridor_share=1.0)
    box = tuple(crs.to_analysis_crs(pts).total_bounds + np.array([-1000, -1000, 1000, 1000]))
    a = kernel_density(pts, bandwidth_m=300.0, cell_size_m=100.0, extent=box)
    b = kernel_density(
        crs.to_datum(pts, "GCJ02"), bandwidth_m=300.0, cell_size_m=100.0, extent=box
    )
    assert np.allclose(a.values, b.values, rtol=1e-6, atol=1e-9)


def test_square_grid_true_areas(layout):
    grid = square_grid(cell_size_m=1000.0, layout=layout)
    geod_total = crs.geodesic_area(layout.corridor).sum()
    assert grid["area_km2"].sum() * 1e6 == pytest.approx(geod_total, rel=1e-6)
    sample = grid.iloc[:: max(len(grid) // 40, 1)]
    geod = crs.geodesic_area(sample) / 1e6
    # (centroid areal scale vs pyproj's geodesic polygons: within 1e-6 for clipped slivers)
    assert np.allclose(sample["area_km2"], geod, rtol=1e-6)
    full = grid.loc[grid["full"]]
    assert len(full) > 50
    # Full cells: 1 km² on the map, slightly less on the ellipsoid east of 120°E.
    assert ((full["area_km2"] < 1.0) & (full["area_km2"] > 0.9995)).all()
    assert shapely.get_coordinates(grid.geometry.values).min(axis=0)[0] >= 0
    unclipped = square_grid(cell_size_m=1000.0, layout=layout, clip=False)
    assert len(unclipped) == len(grid) and unclipped["area_km2"].max() < 1.0
    assert (unclipped.geometry.bounds["minx"] % 1000 == 0).all()
    with pytest.raises(InputError):
        square_grid(cell_size_m=0)


def test_hex_grid_true_areas(layout):
    hexes = hex_grid(resolution=8, layout=layout)
    assert hexes["h3"].is_unique
    geod = crs.geodesic_area(hexes) / 1e6
    assert np.allclose(hexes["area_km2"], geod, rtol=1e-6)
    assert hexes["area_km2"].sum() * 1e6 == pytest.approx(
        crs.geodesic_area(layout.corridor).sum(), rel=1e-5
    )
    full = hexes.loc[hexes["full"]]
    # Peer check: h3's own (spherical) cell area agrees within its sphere/ellipsoid gap.
    h3_area = np.array([h3.cell_area(c, unit="km^2") for c in full["h3"]])
    assert np.allclose(full["area_km2"], h3_area, rtol=0.01)
    # Every cell overlapping the corridor is there: compare with a generous fill.
    corr = crs.to_analysis_crs(layout.corridor).geometry.iloc[0]
    union = shapely.union_all(crs.to_analysis_crs(hexes).geometry.values)
    assert union.symmetric_difference(corr).area < 1.0  # m², after the WGS84 round trip


def test_aggregate_to_grid_counts(layout):
    pts = synthetic_resources(
        3000, seed=12, corridor_share=0.8, weight_mean={"invention_patents": 5}
    )
    grid = square_grid(cell_size_m=1500.0, layout=layout)
    out = aggregate_to_grid(pts, grid, by="category")
    sj = gpd.sjoin(crs.to_analysis_crs(pts), grid[["cell_id", "geometry"]], predicate="within")
    hand = sj.groupby("cell_id").size()
    got = out.set_index("cell_id")["count"]
    assert (got.reindex(hand.index) == hand).all() and got.sum() == hand.sum()
    hand_w = sj.groupby("cell_id")["weight"].sum()
    assert np.allclose(out.set_index("cell_id")["weight"].reindex(hand_w.index), hand_w)
    assert np.allclose(out["count_per_km2"], out["count"] / out["area_km2"])
    cats = [c for c in out.columns if c.startswith("count_") and c != "count_per_km2"]
    assert (out[cats].sum(axis=1) == out["count"]).all()
    # A point on the edge shared by two cells counts once.
    edge = grid.loc[grid["full"]].iloc[0].geometry
    _, y0, x1, y1 = edge.bounds
    on_edge = gpd.GeoSeries([shapely.Point(x1, (y0 + y1) / 2)], crs=crs.ANALYSIS_CRS)
    assert aggregate_to_grid(on_edge, grid)["count"].sum() == 1


def test_density_by_zone(layout):
    pts = synthetic_resources(1000, seed=4, corridor_share=0.5)
    d = density_by_zone(pts, layout=layout, layers=["cities", "districts"])
    zones = zone_table(layout, layers=["cities", "districts"]).set_index("zone")
    row = d.loc[(d["zone"] == "ocean") & (d["category"] == "ALL")].iloc[0]
    assert row["area_km2"] == pytest.approx(zones.loc["ocean", "area_km2"])
    assert row["count_per_km2"] == pytest.approx(row["count"] / row["area_km2"])
    assert row["area_km2"] == pytest.approx(78.56, rel=0.005)


def test_kde_integrates_to_the_weight_the_reader_read(tmp_path):
    from corridor_geo import read_resources

    # Three labs 1 km apart near 海洋大学, far from the box edges: the surface integrates
    # to the read weight, 2 + 5 + 13 = 20 patents, by default; to 3 labs with weight=None.
    xy = np.array([[544_500.0, 4_004_000.0], [543_500.0, 4_004_000.0], [544_500.0, 4_005_000.0]])
    lon, lat = crs.transform_xy(xy[:, 0], xy[:, 1], source=crs.ANALYSIS_CRS, target=crs.WGS84)
    path = tmp_path / "labs.csv"
    path.write_text(
        "名称,类别,lon,lat,专利数\n"
        + "".join(
            f"{n},高校,{x:.9f},{y:.9f},{p}\n" for n, x, y, p in zip("abc", lon, lat, [2, 5, 13])
        ),
        encoding="utf-8",
    )
    labs = read_resources(path, datum="WGS84", weight="专利数")
    assert len(labs.accepted) == 3
    box = (540_000.0, 4_000_000.0, 549_000.0, 4_009_000.0)
    options = {"bandwidth_m": 300.0, "cell_size_m": 50.0, "extent": box}
    weighted = kernel_density(labs, **options)
    assert np.nansum(weighted.values) * 0.05**2 == pytest.approx(20.0, rel=1e-4)
    assert weighted.tags["units"] == "weight per km2"
    counted = kernel_density(labs, weight=None, **options)
    assert np.nansum(counted.values) * 0.05**2 == pytest.approx(3.0, rel=1e-4)
    assert counted.tags["units"] == "points per km2"
    # Read without a weight, every lab weighs 1: a density of points, so labelled.
    plain = kernel_density(read_resources(path, datum="WGS84"), **options)
    assert plain.tags["units"] == "points per km2"
    np.testing.assert_allclose(plain.values, counted.values, rtol=1e-12)
