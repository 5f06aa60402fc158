"""Old spellings keep working for one release, with a FutureWarning, and give the same answer."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

import corridor_geo as cg
from corridor_geo import access, coverage, density, indicators, population, zones
from corridor_geo.network import nearest_nodes, schematic_network
from corridor_geo.resources import synthetic_resources


@pytest.fixture(scope="module")
def pts():
    return synthetic_resources(300, seed=8, corridor_share=0.6)


def _same(old, new):
    if isinstance(new, pd.DataFrame):
        pd.testing.assert_frame_equal(
            pd.DataFrame(old).reset_index(drop=True), pd.DataFrame(new).reset_index(drop=True)
        )
    else:
        assert old == new


@pytest.mark.parametrize(
    "func",
    [
        zones.share_of_city,
        zones.assign_points,
        zones.assign_zones,
        density.density_by_zone,
        indicators.target_status,
    ],
)
def test_positional_layout_warns_and_agrees(func, pts, layout):
    with pytest.warns(FutureWarning, match="pass layout=... by keyword"):
        old = func(pts, layout)
    _same(old, func(pts, layout=layout))


def test_renamed_keywords_warn_and_agree(pts, layout):
    G = schematic_network(layout)
    sample = pts.iloc[:20]
    with pytest.warns(FutureWarning, match="'weight' is now called 'edge_weight'"):
        old = access.time_to_axis(sample, G, layout=layout, weight="length")
    _same(old, access.time_to_axis(sample, G, layout=layout, edge_weight="length"))
    site = cg.point_at_chainage([10.0], layout=layout)
    with pytest.warns(FutureWarning, match="'minutes' is now called 'cutoffs'"):
        old = access.isochrones(site, G, minutes=(5,), layout=layout)
    new = access.isochrones(site, G, cutoffs=(5,), layout=layout)
    assert old.geometry.iloc[0].equals(new.geometry.iloc[0])
    demand = pd.DataFrame({"p": [1.0, 2.0]}, index=["a", "b"])
    supply = pd.DataFrame({"s": [3.0]}, index=["x"])
    cost = pd.DataFrame([[5.0], [25.0]], index=["a", "b"], columns=["x"])
    with pytest.warns(FutureWarning, match="'threshold' is now called 'cutoff'"):
        old = access.two_step_fca(demand, supply, cost, threshold=10, demand_col="p")
    _same(old, access.two_step_fca(demand, supply, cost, cutoff=10, demand_col="p"))
    with pytest.warns(FutureWarning, match="'column' is now called 'population_col'"):
        old = population.population_by_zone(layout, layers="districts", column="population")
    _same(old, population.population_by_zone(layout, layers="districts"))
    sites = coverage.circle_anchors(layout, kind="环大学")
    with pytest.warns(FutureWarning, match="'population_column' is now called 'population_col'"):
        old = coverage.coverage(sites, layout=layout, layers="corridor", population_column="x")
    new = coverage.coverage(sites, layout=layout, layers="corridor", population_col="x")
    _same(old.drop(columns="geometry"), new.drop(columns="geometry"))
    with pytest.raises(TypeError, match="both"):
        access.isochrones(site, G, minutes=(5,), cutoffs=(5,))


def test_nearest_nodes_old_argument_order(pts):
    G = nx.MultiDiGraph(crs="EPSG:4549")
    G.add_node("a", x=500000.0, y=4000000.0)
    p = gpd.GeoSeries([shapely.Point(500010, 4000000)], crs="EPSG:4549")
    with pytest.warns(FutureWarning, match="pass the graph first"):
        old = nearest_nodes(p, G, barriers=None)
    _same(old, nearest_nodes(G, p, barriers=None))


def test_read_points_parquet_alias_and_read_facilities_frame(tmp_path, pts):
    path = tmp_path / "p.parquet"
    pts.to_parquet(path)
    from corridor_geo import scale

    with pytest.warns(FutureWarning, match="read_parquet_points"):
        frame = scale.read_points(path)
    assert len(frame) == len(pts)
    with pytest.warns(FutureWarning, match="read_parquet_points"):
        frame = cg.read_points(path, split_row_groups=True)
    assert len(frame) == len(pts)
    fac = coverage.read_facilities(pts.iloc[:3])
    with pytest.warns(FutureWarning, match="now returns a ResourceTable"):
        xs = fac.geometry.x
    np.testing.assert_array_equal(xs.to_numpy(), fac.accepted.geometry.x.to_numpy())
    with pytest.warns(FutureWarning, match="now returns a ResourceTable"):
        assert len(fac) == 3
    with pytest.raises(TypeError, match="ambiguous"):
        len(cg.read_points(pts.iloc[:3]))
