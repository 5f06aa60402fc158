"""Partitioned input (dask-geopandas, GeoParquet paths, a LocalCluster) equals in memory."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

dask_geopandas = pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("distributed")

from corridor_geo import crs  # noqa: E402
from corridor_geo._errors import DataFileError, InputError, MissingCRSError  # noqa: E402
from corridor_geo.density import (  # noqa: E402
    aggregate_to_grid,
    density_by_zone,
    kernel_density,
    square_grid,
)
from corridor_geo.resources import synthetic_resources  # noqa: E402
from corridor_geo.scale import (  # noqa: E402
    as_partitioned,
    map_reduce,
    read_parquet_points,
    write_synthetic_parquet,
)
from corridor_geo.zones import (  # noqa: E402
    ZONE_LAYERS,
    ZoneIndex,
    assign_points,
    assign_zones,
    share_of_city,
    zone_table,
)

WEIGHTS = ("weight", "city_weight", "share_weight", "weight_per_km2")


@pytest.fixture(scope="module")
def points(layout):
    """Synthetic resources plus points exactly on district vertices (shared boundaries)."""
    pts = synthetic_resources(
        12_000, seed=21, layout=layout, weight_mean={"invention_patents": 4, "st_talent": 2}
    )
    rng = np.random.default_rng(5)
    xy = shapely.get_coordinates(layout.districts.geometry.values)
    xy = xy[rng.choice(len(xy), 300, replace=False)]
    extra = pts.iloc[:300].copy()
    extra["geometry"] = shapely.points(xy)
    out = pd.concat([pts, extra], ignore_index=True)
    out["score"] = rng.random(len(out))  # non-integer weights: sums differ by rounding only
    out.loc[out.index[::97], "category"] = None  # some rows without a group
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs.WGS84)


@pytest.fixture(scope="module")
def parquet(points, tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "points.parquet"
    points.to_parquet(path, row_group_size=2_000)
    return path


def _assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal: every column exactly, except float sums of weights (to rounding)."""
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    exact = [c for c in a.columns if c not in WEIGHTS and not c.startswith("weight")]
    pd.testing.assert_frame_equal(a[exact], b[exact], check_exact=True)
    for c in a.columns:
        if c in WEIGHTS or c.startswith("weight"):
            np.testing.assert_allclose(a[c], b[c], rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"by": None, "layers": ZONE_LAYERS, "boundary": "exclude"},
        {"weight": "score", "city_totals": {"university": 500.0}, "total": False},
    ],
)
def test_share_of_city_partitioned_equals_in_memory(points, layout, options):
    frame = dask_geopandas.from_geopandas(points, npartitions=5)
    ours = share_of_city(frame, layout=layout, **options)
    ref = share_of_city(points, layout=layout, **options)
    _assert_same(ours, ref)
    assert ours["count"].sum() > len(points)  # not vacuous: points lie in several zones


def test_parquet_path_share_density_and_grid(points, parquet, layout):
    # A path is read partitioned (one partition per row group here).
    assert read_parquet_points(parquet, split_row_groups=True).npartitions == 7
    share = share_of_city(parquet, layout=layout, layers=["corridor", "districts"])
    _assert_same(share, share_of_city(points, layout=layout, layers=["corridor", "districts"]))
    # An independent oracle: geopandas.sjoin counts per district.
    districts = zone_table(layout, layers="districts")
    sj = gpd.sjoin(points, districts[["zone", "geometry"]], predicate="intersects")
    got = share.query("layer == 'districts' and category == 'ALL'").set_index("zone")["count"]
    want = sj.loc[sj["category"].notna()].groupby("zone").size()
    assert got.reindex(want.index).tolist() == want.tolist()
    dens = density_by_zone(parquet, layout=layout, layers="cities")
    _assert_same(dens, density_by_zone(points, layout=layout, layers="cities"))
    grid = square_grid(cell_size_m=3000.0, layout=layout)
    cells = aggregate_to_grid(read_parquet_points(parquet), grid, by="category", weight="score")
    ref = aggregate_to_grid(points, grid, by="category", weight="score")
    _assert_same(pd.DataFrame(cells.drop(columns="geometry")), ref.drop(columns="geometry"))
    assert cells.geometry.equals(ref.geometry) and cells.crs == ref.crs
    assert cells["count"].sum() > 1000
    # Kernel density: partitions binned apart and summed, one convolution.
    surf = kernel_density(parquet, bandwidth_m=1000.0, cell_size_m=200.0, weight="score")
    want = kernel_density(points, bandwidth_m=1000.0, cell_size_m=200.0, weight="score")
    np.testing.assert_allclose(surf.values, want.values, rtol=1e-12, atol=1e-12)
    assert surf.tags == want.tags and surf.transform == want.transform
    assert np.nanmax(surf.values) > 0


def test_local_cluster_runs_the_same_code(points, layout):
    frame = dask_geopandas.from_geopandas(points, npartitions=4)
    grid = square_grid(cell_size_m=5000.0, layout=layout)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        share = share_of_city(frame, layout=layout, by="category_en", client=client)
        cells = aggregate_to_grid(frame, grid, client=client)
        # The shared object reaches each worker once, not once per task.
        token = object()
        seen = map_reduce(frame, lambda part, s: {id(s)}, set.union, shared=token, client=client)
        assert len(seen) <= 2
    _assert_same(share, share_of_city(points, layout=layout, by="category_en"))
    ref = aggregate_to_grid(points, grid)
    assert cells["count"].tolist() == ref["count"].tolist()
    np.testing.assert_allclose(cells["weight"], ref["weight"], rtol=1e-12)


def test_threads_share_one_index_object(points):
    frame = dask_geopandas.from_geopandas(points, npartitions=6)
    token = object()
    seen = map_reduce(frame, lambda part, s: {id(s)}, set.union, shared=token, split_every=2)
    assert seen == {id(token)}
    # Partials are combined in partition order.
    order = map_reduce(frame, lambda part, s: [part.index[0]], lambda a, b: a + b, split_every=2)
    assert order == sorted(order) and len(order) == 6


def test_assign_points_and_zones_lazy(points, layout):
    frame = dask_geopandas.from_geopandas(points, npartitions=3)
    pairs = assign_points(frame, layout=layout, layers=ZONE_LAYERS)
    assert not isinstance(pairs, pd.DataFrame)  # lazy: dask
    pd.testing.assert_frame_equal(
        pairs.compute().reset_index(drop=True),
        assign_points(points, layout=layout, layers=ZONE_LAYERS),
    )
    wide = assign_zones(frame, layout=layout, layers=["cities", "districts"]).compute()
    pd.testing.assert_frame_equal(
        wide, assign_zones(points, layout=layout, layers=["cities", "districts"])
    )


def test_plain_parquet_with_coordinates_and_a_datum(points, layout, tmp_path):
    amap = crs.to_datum(points, "GCJ02")
    table = pd.DataFrame(
        {"category": amap["category"], "lng": amap.geometry.x, "lat": amap.geometry.y}
    )
    path = tmp_path / "amap.parquet"
    table.to_parquet(path)
    with pytest.raises(MissingCRSError, match="plain Parquet"):
        read_parquet_points(path)
    frame = read_parquet_points(path, crs="GCJ02")
    assert crs.datum_of(frame.crs) == "GCJ02" and frame.npartitions >= 1
    # Converted as in memory: the same table as the same GCJ-02 points in a GeoDataFrame.
    ours = share_of_city(frame, layout=layout, layers="cities", weight=None)
    mem = gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["lng"], table["lat"]), crs=crs.GCJ02
    )
    _assert_same(ours, share_of_city(mem, layout=layout, layers="cities", weight=None))
    # And, but for points exactly on a boundary (moved 1e-9 degree by the GCJ-02 round
    # trip), the same as the WGS84 points they were made from.
    ref = share_of_city(points, layout=layout, layers="cities", weight=None)
    assert np.abs(ours["count"] - ref["count"]).sum() <= 0.01 * ref["count"].sum()
    table.rename(columns={"lng": "a", "lat": "b"}).to_parquet(tmp_path / "ab.parquet")
    with pytest.raises(InputError, match="no coordinate columns"):
        read_parquet_points(tmp_path / "ab.parquet", crs=4326)
    assert (
        read_parquet_points(tmp_path / "ab.parquet", crs=4326, xy=("a", "b")).crs.to_epsg() == 4326
    )


def test_errors_say_what_to_do(points, layout, parquet, tmp_path):
    with pytest.raises(DataFileError, match="no such file"):
        share_of_city(tmp_path / "missing.parquet", layout=layout)
    with pytest.raises(MissingCRSError):
        share_of_city(
            dask_geopandas.from_geopandas(
                points.set_crs(None, allow_override=True), npartitions=2
            ),
            layout=layout,
        )
    with pytest.raises(InputError, match="no column 'sector'"):
        share_of_city(parquet, layout=layout, by="sector")
    with pytest.raises(InputError, match="no weight column 'patents'"):
        kernel_density(parquet, bandwidth_m=500.0, weight="patents")
    # A frame without category/weight columns: grouping by the missing category is an
    # error that says so (it never counts zero groups silently), in memory and
    # partitioned alike; by=None counts every point with weight 1 in both.
    bare = points[["geometry"]]
    frame = dask_geopandas.from_geopandas(bare, npartitions=3)
    for data in (bare, frame):
        with pytest.raises(InputError, match="no column 'category' to group by"):
            share_of_city(data, layout=layout)
    _assert_same(
        share_of_city(frame, layout=layout, by=None), share_of_city(bare, layout=layout, by=None)
    )
    with pytest.raises(InputError, match="without geometry"):
        as_partitioned(dask_geopandas.from_geopandas(points, npartitions=2)[["category"]])
    with pytest.raises(InputError, match="is in"):
        read_parquet_points(parquet, crs="EPSG:4549")
    assert as_partitioned(points) is None and as_partitioned("labs.csv") is None


def test_write_synthetic_parquet(layout, tmp_path):
    path = write_synthetic_parquet(tmp_path / "syn", 5_000, rows_per_file=2_000, seed=4)
    again = write_synthetic_parquet(tmp_path / "again", 5_000, rows_per_file=2_000, seed=4)
    with pytest.raises(InputError, match="exists"):
        write_synthetic_parquet(path, 10)
    frame = gpd.read_parquet(path)
    assert frame.equals(gpd.read_parquet(again))
    assert frame.index.tolist() == list(range(5_000)) and frame.crs == crs.WGS84
    assert list(frame.columns) == list(synthetic_resources(5, seed=1).columns)
    assert frame["id"].is_unique and set(frame["status"]) == {"synthetic"}
    # Every point inside the city; the corridor's share is binomial(n, 0.4).
    pairs = assign_points(frame, layout=layout, layers=["corridor", "city"])
    assert (pairs["layer"] == "city").sum() == 5_000
    share = (pairs["layer"] == "corridor").sum() / 5_000
    assert abs(share - 0.4) < 4 * np.sqrt(0.4 * 0.6 / 5_000)
    assert read_parquet_points(path).npartitions >= 1


def test_zone_index_pickles_and_serves_many_threads(layout):
    zones = zone_table(layout, layers=ZONE_LAYERS)
    index = ZoneIndex.build(zones.geometry.values)
    # Points on and near the zones' vertices: most need the exact GEOS test.
    rng = np.random.default_rng(8)
    xy = shapely.get_coordinates(zones.geometry.values)
    xy = xy[rng.choice(len(xy), 20_000)] + rng.normal(0, 1e-5, (20_000, 2))
    ref = index.query(xy[:, 0], xy[:, 1])
    copy = pickle.loads(pickle.dumps(index))
    for got in (copy.query(xy[:, 0], xy[:, 1]),):
        assert np.array_equal(got[0], ref[0]) and np.array_equal(got[1], ref[1])
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: copy.query(xy[:, 0], xy[:, 1]), range(8)))
    for got in results:
        assert np.array_equal(got[0], ref[0]) and np.array_equal(got[1], ref[1])
