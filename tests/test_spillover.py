"""Spillover (辐射带动): distance-decay potentials checked against hand-computed cases.

Zones and sources are placed on a 3-4-5 triangle (EPSG:4549 metres) so that every
distance is a whole number of kilometres and every potential can be written out; the
population-weighted centre of a square with two halves of known population, and a
three-node road graph with known travel times, complete the oracles.
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from corridor_geo._errors import InputError
from corridor_geo.spillover import DEFAULT_SWEEP, decay_function, spillover, spillover_sweep

X0, Y0 = 500000.0, 4000000.0


def _zones(centres: dict[str, tuple[float, float]], half: float = 500.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"layer": "test", "zone": list(centres)},
        geometry=[
            shapely.box(x - half, y - half, x + half, y + half) for x, y in centres.values()
        ],
        crs="EPSG:4549",
    )


@pytest.fixture(scope="module")
def triangle():
    zones = _zones({"a": (X0 + 3000, Y0), "b": (X0, Y0 + 4000), "c": (X0 + 3000, Y0 + 4000)})
    points = gpd.GeoDataFrame(
        {"weight": [2.0, 3.0]},
        geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 3000, Y0 + 4000)],
        crs="EPSG:4549",
    )
    return zones, points


def test_decay_functions_by_hand():
    e = decay_function("exponential", 0.2)
    assert e(np.array([0.0, 5.0, np.inf])).tolist() == pytest.approx([1.0, math.exp(-1.0), 0.0])
    p = decay_function("power", 1.5, min_distance=2.0)
    assert p(np.array([0.0, 2.0, 4.0])).tolist() == pytest.approx([2**-1.5, 2**-1.5, 4**-1.5])
    for bad in (0, -1, float("nan"), True):
        with pytest.raises(InputError, match="beta must be a positive"):
            decay_function("power", bad)
    with pytest.raises(InputError, match="unknown decay 'gaussian'"):
        decay_function("gaussian", 1.0)


def test_exponential_potential_by_hand(triangle, layout):
    zones, points = triangle
    out = spillover(
        points,
        layout=layout,
        zones=zones,
        sources="points",
        inside=None,
        decay="exponential",
        beta=0.2,
    ).set_index("zone")
    # Distances (km): source 1 (weight 2) to a, b, c: 3, 4, 5; source 2 (weight 3): 4, 3, 0.
    expected = {
        "a": 2 * math.exp(-0.6) + 3 * math.exp(-0.8),
        "b": 2 * math.exp(-0.8) + 3 * math.exp(-0.6),
        "c": 2 * math.exp(-1.0) + 3 * 1.0,
    }
    for zone, value in expected.items():
        assert out.loc[zone, "potential"] == pytest.approx(value, rel=1e-12)
    total = sum(expected.values())
    assert out["share"].to_dict() == pytest.approx({k: v / total for k, v in expected.items()})
    assert out["rank"].to_dict() == {"c": 1, "b": 2, "a": 3}
    assert out.loc["c", "index"] == 1.0
    assert out["unit"].eq("km").all() and out["population"].isna().all()


def test_power_potential_with_the_distance_floor(triangle, layout):
    zones, points = triangle
    out = spillover(
        points, layout=layout, zones=zones, sources="points", inside=None, decay="power", beta=2.0
    ).set_index("zone")
    # c holds source 2: d = 0 is raised to the 1 km floor, f = 1.
    assert out.loc["a", "potential"] == pytest.approx(2 / 9 + 3 / 16)
    assert out.loc["b", "potential"] == pytest.approx(2 / 16 + 3 / 9)
    assert out.loc["c", "potential"] == pytest.approx(2 / 25 + 3 / 1)
    half = spillover(
        points,
        layout=layout,
        zones=zones,
        sources="points",
        inside=None,
        decay="power",
        beta=2.0,
        min_distance=0.5,
    ).set_index("zone")
    assert half.loc["c", "potential"] == pytest.approx(2 / 25 + 3 / 0.25)
    counts = spillover(
        points,
        layout=layout,
        zones=zones,
        sources="points",
        inside=None,
        decay="power",
        beta=2.0,
        weight=None,
    ).set_index("zone")
    assert counts.loc["a", "potential"] == pytest.approx(1 / 9 + 1 / 16)


def test_population_weighted_centre_by_hand(layout):
    # A 2 km square whose west half holds 1,000 people and east half 3,000: its
    # population-weighted centre is 1,250 m from its west edge (geometric: 1,000 m).
    x, y = 600000.0, 4000000.0
    zone = gpd.GeoDataFrame(
        {"layer": ["test"], "zone": ["p"]},
        geometry=[shapely.box(x, y, x + 2000, y + 2000)],
        crs="EPSG:4549",
    )
    people = gpd.GeoDataFrame(
        {"population": [1000.0, 3000.0]},
        geometry=[
            shapely.box(x, y, x + 1000, y + 2000),
            shapely.box(x + 1000, y, x + 2000, y + 2000),
        ],
        crs="EPSG:4549",
    )
    source = gpd.GeoDataFrame(
        {"weight": [1.0]}, geometry=[shapely.Point(x + 1250 + 5000, y + 1000)], crs="EPSG:4549"
    )
    common = {"layout": layout, "zones": zone, "sources": "points", "inside": None}
    common.update(beta=0.1, population=people)
    weighted = spillover(source, centroid="population", **common).iloc[0]
    assert weighted["potential"] == pytest.approx(math.exp(-0.5), rel=1e-12)
    assert weighted["population"] == pytest.approx(4000.0)
    assert weighted["per_10k"] == pytest.approx(math.exp(-0.5) / 4000 * 1e4, rel=1e-12)
    geometric = spillover(source, centroid="geometric", **common).iloc[0]
    assert geometric["potential"] == pytest.approx(math.exp(-0.525), rel=1e-12)


def test_network_times_by_hand(layout):
    # Three nodes 1 km apart on a line, one minute per edge both ways.
    G = nx.MultiDiGraph(crs="EPSG:4549")
    for n in range(3):
        G.add_node(n, x=X0 + 1000 * n, y=Y0)
    for a, b in [(0, 1), (1, 0), (1, 2), (2, 1)]:
        G.add_edge(a, b, travel_time=60.0, length=1000.0)
    zones = _zones({"one": (X0 + 1000, Y0), "two": (X0 + 2000, Y0)}, half=100)
    source = gpd.GeoDataFrame({"weight": [4.0]}, geometry=[shapely.Point(X0, Y0)], crs=4549)
    out = spillover(
        source, layout=layout, zones=zones, sources="points", inside=None, G=G, beta=0.5
    ).set_index("zone")
    assert out.loc["one", "potential"] == pytest.approx(4 * math.exp(-0.5))
    assert out.loc["two", "potential"] == pytest.approx(4 * math.exp(-1.0))
    assert out["unit"].eq("minutes").all()
    km = spillover(
        source,
        layout=layout,
        zones=zones,
        sources="points",
        inside=None,
        G=G,
        edge_weight="length",
        decay="power",
        beta=1.0,
    ).set_index("zone")
    assert km.loc["two", "potential"] == pytest.approx(4 / 2.0)
    # A centre that cannot reach the network contributes nothing, and is counted.
    far = _zones({"one": (X0 + 1000, Y0), "far": (X0 + 30000, Y0)}, half=100)
    cut = spillover(source, layout=layout, zones=far, sources="points", inside=None, G=G)
    assert cut.set_index("zone").loc["far", "potential"] == 0.0
    assert cut.attrs["destinations_not_snapped"] == 1


@pytest.fixture(scope="module")
def resources(layout):
    from corridor_geo.resources import synthetic_resources

    return synthetic_resources(400, seed=12, layout=layout, corridor_share=0.6)


def test_sources_are_the_corridor_cities_and_their_masses(layout, resources):
    out = spillover(resources, layout=layout, layers="districts", beta=0.1, weight=None)
    sources = pd.DataFrame(out.attrs["sources"]).set_index("source")
    # Masses: a second count with geopandas, resources within each city.
    joined = gpd.sjoin(resources, layout.cities[["key", "geometry"]], predicate="intersects")
    assert sources["mass"].to_dict() == joined["key"].value_counts().to_dict()
    # Potentials: recomputed with geopandas' centroids of the districts (EPSG:4549).
    centres = layout.districts.to_crs(4549).centroid
    cities = layout.cities.to_crs(4549).set_index("key").centroid
    expected = np.zeros(len(centres))
    for key, mass in sources["mass"].items():
        d = centres.distance(cities[key]).to_numpy() / 1000
        expected += mass * np.exp(-0.1 * d)
    got = out.set_index("zone").loc[layout.districts["code"], "potential"].to_numpy()
    assert got == pytest.approx(expected, rel=1e-9)
    assert out["share"].sum() == pytest.approx(1.0)
    assert out.attrs["n_resources"] == int(
        resources.within(layout.union("corridor", crs="EPSG:4326")).sum()
    )


def test_every_source_kind_and_both_layers(layout, resources):
    both = spillover(resources, layout=layout, sources="points", beta=0.2)
    assert both.groupby("layer").size().to_dict() == {"districts": 10, "subdistricts": 135}
    assert both.groupby("layer")["share"].sum().to_numpy() == pytest.approx([1.0, 1.0])
    whole = spillover(resources, layout=layout, layers="districts", sources="corridor")
    assert len(whole.attrs["sources"]["source"]) == 1
    subs = spillover(resources, layout=layout, layers="districts", sources="subdistricts")
    total = sum(subs.attrs["sources"]["mass"]) + subs.attrs.get("n_unassigned", 0)
    assert total == pytest.approx(
        resources.loc[resources.within(layout.union("corridor", crs="EPSG:4326")), "weight"].sum()
    )
    pop = spillover(resources, layout=layout, layers="districts", centroid="population")
    assert pop["per_10k"].notna().all() and "population-weighted" in pop["method"].iloc[0]


def test_sweep_is_tidy_and_matches_single_runs(layout, resources):
    decays = {"exponential": [0.05, 0.2], "power": [1.0, 2.0]}
    sweep = spillover_sweep(resources, layout=layout, layers="districts", decays=decays)
    assert sweep.groupby(["decay", "beta"]).size().to_dict() == {
        ("exponential", 0.05): 10,
        ("exponential", 0.2): 10,
        ("power", 1.0): 10,
        ("power", 2.0): 10,
    }
    for kind, betas in decays.items():
        for b in betas:
            one = spillover(resources, layout=layout, layers="districts", decay=kind, beta=b)
            block = sweep.loc[(sweep["decay"] == kind) & (sweep["beta"] == b)]
            assert block["potential"].to_numpy() == pytest.approx(one["potential"].to_numpy())
    spread = sweep.groupby("zone")["rank"].agg(lambda r: r.max() - r.min())
    assert sweep.groupby("zone")["rank_spread"].first().to_dict() == spread.to_dict()
    default = spillover_sweep(resources, layout=layout, layers="districts")
    assert len(default) == 10 * sum(len(v) for v in DEFAULT_SWEEP.values())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sources": "moon"}, "sources must be 'points' or a zone layer"),
        ({"centroid": "median"}, "centroid must be 'geometric' or 'population'"),
        ({"decay": "linear"}, "unknown decay 'linear'"),
        ({"beta": 0}, "beta must be a positive"),
    ],
)
def test_spillover_errors(layout, resources, kwargs, message):
    with pytest.raises(InputError, match=message):
        spillover(resources, layout=layout, layers="districts", **kwargs)


def test_sweep_checks_every_setting_first(layout, resources):
    with pytest.raises(InputError, match="beta must be a positive"):
        spillover_sweep(resources, layout=layout, decays={"power": [1.0, -2.0]})
    with pytest.raises(InputError, match="names no setting"):
        spillover_sweep(resources, layout=layout, layers="districts", decays={})


def test_plot_spillover_draws_the_shares(layout, resources):
    import matplotlib.pyplot as plt

    from corridor_geo.plotting import plot_spillover

    sweep = spillover_sweep(
        resources, layout=layout, layers="districts", decays={"exponential": [0.05, 0.1, 0.2]}
    )
    fig = plot_spillover(sweep, lang="en", top=3)
    try:
        lines = fig.axes[0].lines
        assert len(lines) == 3
        best = sweep.groupby("zone")["share"].mean().sort_values(ascending=False).index[:3]
        for line in lines:
            zone = sweep.loc[sweep["name_en"] == line.get_label(), "zone"].iloc[0]
            assert zone in set(best)
            rows = sweep.loc[sweep["zone"] == zone].sort_values("beta")
            assert list(line.get_ydata()) == pytest.approx((rows["share"] * 100).tolist())
    finally:
        plt.close(fig)
