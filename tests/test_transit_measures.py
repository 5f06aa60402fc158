"""Accessibility measures on any travel-time matrix, against hand-computed cases."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from corridor_geo import InputError
from corridor_geo.access import step_decay, travel_time_matrix, two_step_fca
from corridor_geo.measures import (
    accessibility_sweep,
    cumulative_opportunities,
    exponential_decay,
    gravity_access,
    power_decay,
)

COST = pd.DataFrame(
    [[0.0, 12.0, 25.0], [8.0, np.inf, 40.0], [30.0, 5.0, 15.0]],
    index=pd.Index(["o1", "o2", "o3"]),
    columns=pd.Index(["d1", "d2", "d3"]),
)
JOBS = pd.DataFrame({"jobs": [100.0, 40.0, 10.0]}, index=["d1", "d2", "d3"])


def test_cumulative_by_hand():
    out = cumulative_opportunities(COST, cutoff=15, opportunities=JOBS, opportunity_col="jobs")
    assert out["accessibility"].tolist() == [140.0, 100.0, 50.0]
    assert out["n_within"].tolist() == [2, 1, 2]
    ones = cumulative_opportunities(COST, cutoff=25)
    assert ones["accessibility"].tolist() == [3.0, 1.0, 2.0]
    assert out.attrs["summary"]["not_routed"] == 0


def test_gravity_by_hand():
    e = gravity_access(
        COST, decay="exponential", beta=0.1, opportunities=JOBS, opportunity_col="jobs"
    )
    o1 = 100 * np.exp(0) + 40 * np.exp(-1.2) + 10 * np.exp(-2.5)
    o2 = 100 * np.exp(-0.8) + 10 * np.exp(-4.0)
    o3 = 100 * np.exp(-3.0) + 40 * np.exp(-0.5) + 10 * np.exp(-1.5)
    np.testing.assert_allclose(e["accessibility"], [o1, o2, o3], rtol=1e-12)
    p = gravity_access(COST, decay="power", beta=2.0, opportunities=JOBS, opportunity_col="jobs")
    # zero cost is capped at 1 minute: 100 / 1^2
    np.testing.assert_allclose(
        p["accessibility"],
        [100 + 40 / 144 + 10 / 625, 100 / 64 + 10 / 1600, 100 / 900 + 40 / 25 + 10 / 225],
        rtol=1e-12,
    )
    within = gravity_access(COST, decay="power", beta=1.0, cutoff=10)
    assert within["accessibility"].tolist() == [1.0, 1 / 8, 1 / 5]
    custom = gravity_access(COST, decay=lambda c: np.where(c < 10, 1.0, 0.5))
    assert custom["accessibility"].tolist() == [2.0, 1.5, 2.0]
    assert exponential_decay(np.log(2) / 10)(np.array([10.0]))[0] == pytest.approx(0.5)
    assert power_decay(1.0, min_cost=2.0)(np.array([1.0, 4.0])).tolist() == [0.5, 0.25]


def test_long_tables_and_unrouted_origins_keep_their_reason():
    long = COST.stack().rename("travel_time_min").reset_index()
    long.columns = ["origin", "destination", "travel_time_min"]
    long["reason"] = ""
    # o4 could not be snapped: every pair of it says so, and d3 neither
    extra = pd.DataFrame(
        {
            "origin": "o4",
            "destination": ["d1", "d2", "d3"],
            "travel_time_min": np.inf,
            "reason": "origin beyond max_distance",
        }
    )
    long = pd.concat([long, extra], ignore_index=True)
    out = cumulative_opportunities(long, cutoff=15)
    assert out.index.tolist() == ["o1", "o2", "o3", "o4"]
    assert np.isnan(out.loc["o4", "accessibility"]) and not out.loc["o4", "reachable"]
    assert out.loc["o4", "reason"] == "origin beyond max_distance"
    assert out.loc["o2", "accessibility"] == 1.0 and out.loc["o2", "reason"] == ""
    summary = out.attrs["summary"]
    assert summary["not_routed"] == 1 and summary["routed"] == 3
    assert summary["reasons"] == {"origin beyond max_distance": 1}


def test_a_road_matrix_names_its_unrouted_points(layout):
    from corridor_geo.network import schematic_network

    G = schematic_network(layout)
    from corridor_geo.axis import point_at_chainage

    inside = gpd.GeoSeries(point_at_chainage([5.0, 30.0], layout=layout).geometry.values, crs=4326)
    far = gpd.GeoSeries(shapely.points([[120.0, 36.6]]), crs=4326)
    origins = gpd.GeoDataFrame(geometry=pd.concat([inside, far], ignore_index=True))
    wide = travel_time_matrix(origins, inside, G, output="wide", layout=layout)
    assert wide.attrs["origin_reasons"] == {2: "beyond max_distance"}
    out = cumulative_opportunities(wide, cutoff=60)
    assert out["reachable"].tolist() == [True, True, False]
    assert out.loc[2, "reason"] == "origin beyond max_distance"
    # the 2SFCA rows are kept too, with the same reason
    sf = two_step_fca(origins, inside, G, cutoff=60, layout=layout)
    assert sf["reason"].tolist() == ["", "", "beyond max_distance"]
    assert np.isnan(sf["accessibility"].iloc[2])


def test_sweep_is_tidy_and_matches_each_measure():
    demand = pd.DataFrame({"pop": [1000.0, 500.0, 2000.0]}, index=COST.index)
    sweep = accessibility_sweep(
        COST,
        cutoffs=[10, 20, 30],
        exponential=[0.05, 0.1],
        power=[1.0],
        opportunities=JOBS,
        opportunity_col="jobs",
        demand=demand,
        demand_col="pop",
    )
    assert list(sweep.columns) == [
        "origin",
        "measure",
        "parameter",
        "value",
        "accessibility",
        "reachable",
        "reason",
    ]
    counts = sweep.groupby("measure").size().to_dict()
    assert counts == {
        "cumulative": 9,
        "gravity_exponential": 6,
        "gravity_power": 3,
        "2sfca": 9,
        "e2sfca": 9,
    }
    row = sweep[(sweep["measure"] == "cumulative") & (sweep["value"] == 20)]
    assert row["accessibility"].tolist() == [140.0, 100.0, 50.0]
    g = sweep[(sweep["measure"] == "gravity_exponential") & (sweep["value"] == 0.1)]
    ref = gravity_access(
        COST, decay="exponential", beta=0.1, opportunities=JOBS, opportunity_col="jobs"
    )
    np.testing.assert_allclose(g["accessibility"], ref["accessibility"], rtol=1e-12)
    sf = sweep[(sweep["measure"] == "2sfca") & (sweep["value"] == 20)]
    supply = JOBS.rename(columns={"jobs": "supply"})
    ref2 = two_step_fca(demand, supply, COST, cutoff=20, demand_col="pop", supply_col="supply")
    np.testing.assert_allclose(sf["accessibility"], ref2["accessibility"], rtol=1e-12)
    # 2SFCA by hand at 20 minutes: d1 is seen by o1 (0) and o2 (8): 100 / 1500;
    # d2 by o1 (12) and o3 (5): 40 / 3000; d3 by o3 (15): 10 / 2000
    r1, r2, r3 = 100 / 1500, 40 / 3000, 10 / 2000
    np.testing.assert_allclose(sf["accessibility"], [r1 + r2, r1, r2 + r3], rtol=1e-12)
    # E2SFCA at 30 minutes: Luo and Qi's weights over thirds of the catchment
    e = sweep[(sweep["measure"] == "e2sfca") & (sweep["value"] == 30)]
    ref3 = two_step_fca(
        demand,
        supply,
        COST,
        cutoff=30,
        demand_col="pop",
        supply_col="supply",
        decay=step_decay({10: 1.0, 20: 0.68, 30: 0.22}),
    )
    np.testing.assert_allclose(e["accessibility"], ref3["accessibility"], rtol=1e-12)


def test_sweep_plot_in_the_same_call():
    import matplotlib

    matplotlib.use("Agg")
    sweep, fig = accessibility_sweep(
        COST, cutoffs=[10, 20], exponential=[0.1], power=[1.0], plot=True
    )
    assert len(fig.axes) == 3 and sweep["measure"].nunique() == 3
    medians = fig.axes[0].lines[0].get_ydata().tolist()
    assert medians == [1.0, 2.0]  # cumulative within 10 and 20 min: [1, 1, 1], [2, 1, 2]
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_measure_errors():
    with pytest.raises(InputError, match="beta"):
        gravity_access(COST, decay="exponential")
    with pytest.raises(InputError, match="demand"):
        accessibility_sweep(COST, measures=["2sfca"])
    with pytest.raises(InputError, match="unknown measures"):
        accessibility_sweep(COST, measures=["nope"])
    with pytest.raises(InputError, match="opportunities lack"):
        cumulative_opportunities(
            COST, cutoff=5, opportunities=JOBS.iloc[:2], opportunity_col="jobs"
        )
    with pytest.raises(InputError, match="cutoff"):
        cumulative_opportunities(COST, cutoff=-1)


def test_measures_on_a_transit_matrix(layout):
    """Labs reaching the university sites by metro and walking: every measure runs."""
    from corridor_geo import synthetic_resources
    from corridor_geo.coverage import circle_anchors
    from corridor_geo.network import multimodal_graph
    from corridor_geo.transit import transit_travel_time_matrix

    labs = synthetic_resources(60, seed=4, layout=layout, corridor_share=0.9)
    sites = circle_anchors(layout)
    long = transit_travel_time_matrix(labs, sites, multimodal_graph(), layout=layout)
    sweep = accessibility_sweep(long, cutoffs=[20, 40, 60], exponential=[0.05], power=[])
    cum = sweep[sweep["measure"] == "cumulative"].pivot(
        index="origin", columns="value", values="accessibility"
    )
    assert (cum[20.0] <= cum[40.0]).all() and (cum[40.0] <= cum[60.0]).all()
    wide = long.pivot(index="origin", columns="destination", values="travel_time_min")
    assert cum[40.0].tolist() == (wide <= 40).sum(axis=1).astype(float).tolist()
