"""GeoTIFF round trips, fractional coverage and zonal statistics against brute force."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

from corridor_geo import crs
from corridor_geo._errors import InputError, MissingCRSError
from corridor_geo.raster import (
    Raster,
    coverage_fraction,
    read_raster,
    reproject_raster,
    write_geotiff,
    zonal_stats,
)

T = Affine(50, 0, 520_000, 0, -50, 4_010_000)


def _raster(seed=0, shape=(80, 100)):
    rng = np.random.default_rng(seed)
    return Raster(rng.uniform(0, 10, shape), T, crs.ANALYSIS_CRS, tags={"units": "people"})


def _brute_fraction(geom, raster):
    h, w = raster.shape
    out = np.zeros((h, w))
    for r in range(h):
        for c in range(w):
            x0, y1 = raster.transform * (c, r)
            x1, y0 = raster.transform * (c + 1, r + 1)
            out[r, c] = shapely.box(x0, y0, x1, y1).intersection(geom).area / raster.cell_area_m2
    return out


def test_geotiff_round_trip_atomic(tmp_path):
    r = _raster()
    vals = r.values.copy()
    vals[3, 4] = np.nan
    r = Raster(vals, T, "EPSG:4549", tags={"kernel": "quartic", "units": "per km2"})
    out = write_geotiff(r, tmp_path / "sub" / "r.tif")
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["r.tif"]  # no temp file
    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 4549 and src.nodata == -9999.0
        assert src.tags()["kernel"] == "quartic"
        assert src.read(1)[3, 4] == -9999.0
    back = read_raster(out)
    assert np.isnan(back.values[3, 4])
    assert np.allclose(
        back.values[~np.isnan(back.values)], vals[~np.isnan(vals)].astype("float32")
    )
    assert back.transform == T
    with pytest.raises(InputError, match=r"\.tif"):
        write_geotiff(r, tmp_path / "r.png")


def test_failed_write_leaves_old_file(tmp_path, monkeypatch):
    good = write_geotiff(_raster(), tmp_path / "r.tif")
    before = good.read_bytes()
    import rasterio.io

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rasterio.io.DatasetWriter, "write", boom)
    with pytest.raises(RuntimeError):
        write_geotiff(_raster(seed=1), tmp_path / "r.tif")
    assert good.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.tif"]


def test_missing_crs(tmp_path):
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", height=2, width=2, count=1, dtype="float32",
                       transform=T) as dst:  # fmt: skip
        dst.write(np.ones((2, 2), dtype="float32"), 1)
    with pytest.raises(MissingCRSError, match="crs="):
        read_raster(path)
    assert read_raster(path, crs="EPSG:4549").crs.to_epsg() == 4549
    with pytest.raises(MissingCRSError):
        Raster(np.ones((2, 2)), T, None)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coverage_fraction_equals_brute_force(seed):
    r = _raster(shape=(40, 50))
    rng = np.random.default_rng(seed)
    cx = 520_000 + rng.uniform(600, 1900)
    cy = 4_010_000 - rng.uniform(600, 1400)
    geom = shapely.Point(cx, cy).buffer(rng.uniform(200, 550), quad_segs=16)
    geom = geom.difference(shapely.Point(cx + 30, cy).buffer(90))  # with a hole
    window, frac = coverage_fraction(geom, r)
    full = np.zeros(r.shape)
    full[window] = frac
    assert np.allclose(full, _brute_fraction(geom, r), atol=1e-12)
    assert full.sum() * r.cell_area_m2 == pytest.approx(geom.area, rel=1e-12)


def test_zonal_stats_against_brute_force():
    r = _raster(seed=4)
    vals = r.values.copy()
    vals[10:12, 10:40] = np.nan  # no data in part of the zone
    r = Raster(vals, T, crs.ANALYSIS_CRS)
    zones = gpd.GeoDataFrame(
        {"layer": ["t", "t"], "zone": ["circle", "square"]},
        geometry=[
            shapely.Point(521_000, 4_008_500).buffer(700),
            shapely.box(523_010, 4_007_020, 524_000, 4_009_990),
        ],
        crs=crs.ANALYSIS_CRS,
    )  # fmt: skip
    got = zonal_stats(r, zones, stats=("sum", "mean", "count", "min", "max")).set_index("zone")
    ok = np.isfinite(vals)
    for name, geom in zip(zones["zone"], zones.geometry):
        f = _brute_fraction(geom, r) * ok
        s = (np.where(ok, vals, 0) * f).sum()
        assert got.loc[name, "sum"] == pytest.approx(s, rel=1e-12)
        assert got.loc[name, "count"] == pytest.approx(f.sum(), rel=1e-12)
        assert got.loc[name, "mean"] == pytest.approx(s / f.sum(), rel=1e-12)
        assert got.loc[name, "max"] == pytest.approx(np.where(f > 0, vals, -1).max())
    # Zones in WGS84 are brought to the raster's CRS.
    wgs = crs.to_datum(zones, "WGS84")
    again = zonal_stats(r, wgs).set_index("zone")
    assert again.loc["square", "sum"] == pytest.approx(got.loc["square", "sum"], rel=1e-6)
    centre = zonal_stats(r, zones, fractional=False).set_index("zone")
    assert centre.loc["square", "count"] == float(np.round(centre.loc["square", "count"]))


def test_zonal_stats_on_layout(layout):
    # A 1-person-per-cell raster over the corridor: the count of cells is its area.
    x0, y0, x1, y1 = crs.to_analysis_crs(layout.corridor).total_bounds
    t = Affine(100, 0, np.floor(x0 / 100) * 100, 0, -100, np.ceil(y1 / 100) * 100)
    h = int(np.ceil((t.f - y0) / 100))
    w = int(np.ceil((x1 - t.c) / 100))
    r = Raster(np.ones((h, w)), t, crs.ANALYSIS_CRS)
    got = zonal_stats(r, layout, layers=["corridor", "cities"]).set_index("zone")
    planar = crs.to_analysis_crs(layout.corridor).geometry.iloc[0].area
    assert got.loc["corridor", "sum"] * 1e4 == pytest.approx(planar, rel=1e-8)
    assert got.loc[["ocean", "youth", "digital"], "sum"].sum() == pytest.approx(
        got.loc["corridor", "sum"], rel=1e-7
    )


def test_reproject_keeps_values():
    r = Raster(np.full((60, 60), 3.0), Affine(0.001, 0, 120.40, 0, -0.001, 36.20), "EPSG:4326")
    out = reproject_raster(r, resolution=50.0)
    inner = out.values[5:-5, 5:-5]
    assert out.crs.to_epsg() == 4549 and np.allclose(inner[np.isfinite(inner)], 3.0)
    counts = Raster(np.full((60, 60), 1.0), r.transform, "EPSG:4326")
    summed = reproject_raster(counts, resolution=200.0, resampling="sum")
    assert np.nansum(summed.values) == pytest.approx(3600, rel=0.03)
    with pytest.raises(InputError, match="resampling"):
        reproject_raster(r, resampling="magic")
