# %% [markdown]
# # 08 · Monitoring to 2027, scenarios and spillover
#
# Three questions a planner asks every year:
#
# 1. **Are we on track?** The plan's indicators for every year we have, the change from the
#    base year, the trend and its projection to 2027 against the targets.
# 2. **What if the corridor grows?** A variant of the layout (the corridor widened, a
#    sub-district added, an enclave 飞地 counted with it) compared with today's on the same
#    resources; and two boundary layers compared, with the GCJ-02 test.
# 3. **Whom does it pull along?** The corridor's spillover potential (辐射带动) over the
#    districts and sub-districts, under several distance decays.
#
# The resources here are **synthetic** (seeded and labelled): they show the method and say
# nothing about Qingdao. Use your own yearly tables (notebook 05 shows how to read them).

# %%
import geopandas as gpd
import shapely

import corridor_geo as cg
from corridor_geo import monitoring, plotting, scenarios, spillover

layout = cg.load_layout()
cats = {"state_key_lab": 1, "new_rd_institution": 1, "high_tech_enterprise": 2,
        "invention_patents": 1, "st_talent": 1}  # fmt: skip
means = {"invention_patents": 40, "st_talent": 25}
base = cg.synthetic_resources(
    1500, seed=2023, layout=layout, corridor_share=0.38, categories=cats, weight_mean=means
)

# %% [markdown]
# ## 1 · Monitoring
#
# Snapshots for 2023, 2024 and 2025: each year keeps the earlier resources, adds new ones
# (more of them in the corridor) and its patent and talent counts grow. Give files instead
# (`{2023: "labs_2023.xlsx", ...}`, with `read_options={"datum": "GCJ02"}`) or one table
# with a `year` column.

# %%
import pandas as pd

snapshots = {2023: base}
for i, year in enumerate((2024, 2025), start=1):
    grown = base.copy()
    counted = grown["category"].isin(["invention_patents", "st_talent"])
    grown.loc[counted, "weight"] *= 1.06**i
    new = cg.synthetic_resources(
        90 * i, seed=2023 + i, layout=layout, corridor_share=0.6, categories=cats,
        weight_mean=means,
    )  # fmt: skip
    new["id"] = new["id"].str.replace("SYN", f"N{year}", regex=False)
    snapshots[year] = pd.concat([grown, new], ignore_index=True)

result = monitoring.monitor(snapshots, layout=layout, layers=["corridor", "cities"])
print(result.summary())

# %% [markdown]
# Every indicator for every year and zone: the count or weight, the city's, the share of the
# city, the population (and how it was estimated), per 10,000 people, and the change from
# the base year. The target applies in its own zone (the corridor).

# %%
result.targets[["year", "name_zh", "amount", "city_amount", "share", "population",
                "per_10k", "value", "growth", "target_value", "met"]]  # fmt: skip

# %% [markdown]
# The projection to 2027, by two stated methods: linear least squares over the years
# observed, and compound annual growth between the first and the last year (shares are
# capped at 100 %). The planner's table has one row per target; a target the data cannot
# judge (no rows of its category, a base of 0) says "not assessable" and why, never
# "on track".

# %%
result.overview()[["name_zh", "zone", "base_value", "latest_value", "target_value",
                   "linear", "linear_on_track", "cagr", "cagr_on_track", "status"]]  # fmt: skip

# %% [markdown]
# Every projection in full: `year_reached` is the first year the trend reaches the target.

# %%
result.projection[["name_zh", "method", "last_value", "rate", "projected", "target_value",
                   "on_track", "capped", "year_reached"]]  # fmt: skip

# %%
fig = result.figure(lang="both")

# %% [markdown]
# One series by hand: with a single year nothing can be projected, and the function says so.

# %%
print(monitoring.project({2023: 100.0, 2025: 121.0}, method="cagr", target_year=2027))
print(monitoring.project({2025: 0.41})["status"])

# %% [markdown]
# ## 2 · Scenarios
#
# A variant: the corridor extended north by the sub-district 鳌山卫街道 and with an enclave
# (an illustrative 2 km square near 胶州, drawn here, not a real plan) counted with it. The
# variant keeps the zone identifier `corridor`, so every analysis runs on it unchanged.

# %%
enclave = gpd.GeoSeries([shapely.box(120.02, 36.27, 120.042, 36.288)], crs="EPSG:4326")
north = scenarios.scenario(
    "北延+飞地", layout=layout, subdistricts=["370215/鳌山卫街道"], enclaves=enclave
)
north.corridor[["scenario", "area_km2", "method"]]

# %%
now = snapshots[2025]
comparison = scenarios.compare(layout, north, resources=now, layers=["corridor", "cities"])
comparison.table.query("layer == 'corridor'")[
    ["metric", "unit", "a", "b", "difference", "rel_difference"]
]

# %% [markdown]
# The area that changed hands, with the resources inside it, and a map of it.

# %%
comparison.changed.drop(columns="geometry")

# %%
comparison.explore(basemap="blank")

# %% [markdown]
# The share target on the variant: the same function, another layout.

# %%
cg.target_status(now, layout=north, base=base).set_index("key").loc[
    "key_resources_share", ["current", "city", "value", "met"]
]

# %% [markdown]
# ## Two boundary layers, and the GCJ-02 test
#
# Boundaries from another source rarely match to the metre. `compare_boundaries` measures
# how far apart they are (areas, intersection over union, Hausdorff distance, offsets
# segment by segment) and whether the offset looks like the GCJ-02 shift of Amap/Tencent
# data. Here the cities, shifted into GCJ-02 and labelled WGS84 by mistake:

# %%
mislabelled = cg.to_datum(layout.cities, "GCJ02").set_crs("EPSG:4326", allow_override=True)
check = scenarios.compare_boundaries(layout.cities, mislabelled, on="key",
                                     names=("bundled", "Amap export"))  # fmt: skip
print(check.verdict)
check.features[["key", "iou", "hausdorff_m", "share_b_gcj02", "gcj02_part_dx_m",
                "gcj02_part_dy_m", "gcj02_dx_m", "gcj02_dy_m"]]  # fmt: skip

# %% [markdown]
# Replacing a layer is strict by default: a city outside its district raises. With
# `mode="report"` the layer is used anyway, one warning sums up what failed, and the
# report (checks and boundary comparison) stays with the layout; `tolerance=` widens the
# containment checks (0.1 % by default).

# %%
import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    tolerant = layout.replace("cities", mislabelled, mode="report")
print("\n\n".join(str(w.message)[:300] for w in caught))
report = tolerant.reports["cities"]
report.loc[~report["passed"], ["check", "subject", "measured", "note"]]

# %% [markdown]
# ## 3 · Spillover (辐射带动)
#
# A gravity-type potential: each zone receives `sum of M_s * f(d)` from the corridor's
# three cities (mass `M_s`: their resources), with `f(d) = exp(-beta d)` or `d^-beta`, `d`
# in km between centres (population-weighted here), or network minutes when a road graph
# is given.

# %%
one = spillover.spillover(now, layout=layout, layers="districts", decay="exponential",
                          beta=0.1, centroid="population", weight=None)  # fmt: skip
one.sort_values("rank")[["name_zh", "potential", "share", "per_10k", "rank"]]

# %% [markdown]
# How much does the ranking depend on the decay? A sweep gives a tidy table; `rank_spread`
# is how far each zone's rank moves across the settings.

# %%
sweep = spillover.spillover_sweep(now, layout=layout, layers=["districts", "subdistricts"],
                                  weight=None)  # fmt: skip
sweep.query("layer == 'districts'").groupby("name_zh")["rank_spread"].first().sort_values()

# %%
fig = plotting.plot_spillover(sweep, layer="districts", lang="both")

# %%
from corridor_geo import maps

subs = cg.zone_table(layout, layers="subdistricts").merge(
    sweep.query("layer == 'subdistricts' and decay == 'exponential' and beta == 0.1")[
        ["layer", "zone", "share"]
    ],
    on=["layer", "zone"],
)
m = maps.explore_layout(layout, basemap="blank", layers=("corridor", "cities"))
maps.add_zones(m, subs, "share", name="辐射带动 share (exp, β = 0.1 / km)",
               label_column="name_zh")  # fmt: skip

# %% [markdown]
# ## 4 · For the GIS desk and the yearly report
#
# Every GeoPackage the library writes carries its QGIS styles (QML and SLD in the
# GeoPackage's `layer_styles` table, the default style of each layer), so the cities,
# the axis and the circles open in QGIS in the report's colours. The layers here are in
# CGCS2000 / EPSG:4549, the CRS Chinese GIS desks work in.

# %%
import sqlite3
import tempfile
from pathlib import Path

folder = Path(tempfile.mkdtemp())
(gpkg,) = layout.to_file(folder / "corridor.gpkg", crs="EPSG:4549")
with sqlite3.connect(gpkg) as db:
    styles = pd.read_sql(
        "SELECT f_table_name AS layer, styleName, useAsDefault, length(styleQML) AS qml_chars "
        "FROM layer_styles",
        db,
    )
styles

# %% [markdown]
# The yearly report is configured by a small TOML file (or the same keys as flags of
# `corridor-geo report`): which sections, the language, the GeoPackage's CRS, the
# facilities that isochrones and catchments start from, labels for your own categories.
# Here: in Chinese, the layout and the monitoring of the three snapshots above. Beside
# `report.html` it writes the styled GeoPackage, a QGIS project (`.qgz`) that opens all
# its layers in order, and every table as CSV.

# %%
from corridor_geo import report

config = folder / "report.toml"
config.write_text('lang = "zh"\nsections = ["layout", "monitoring"]\n', encoding="utf-8")
rep = report.build_report(
    folder / "report", layout=layout, config=config, inputs={"snapshots": snapshots},
    progress=False,
)  # fmt: skip
print(rep.sections)
sorted(p.name for p in rep.html_path.parent.iterdir())
