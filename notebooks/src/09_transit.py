# %% [markdown]
# # 09 · Accessibility by metro and walking
#
# **Which share of 海洋科技城 is within 30 minutes of Binhai Avenue by metro and walking, and
# how does it change between 20 and 40 minutes?** Two calls answer it on the bundled
# Qingdao metro (177 stations, 8 lines; CC BY 4.0, Cheng, Verma and Cats, TU Delft).
#
# The model (see `docs/api/transit.md`): walking at 4.8 km/h in straight lines × 1.3 (or on
# a street graph), a wait of half the headway at each boarding, 2 minutes between street
# and platform, 3 minutes per change of line. "Binhai Avenue" is its metro stations: the
# 22 stations within 500 m of the axis (`target="axis"` for the avenue itself).

# %%
import corridor_geo as cg

layout = cg.load_layout()
table = cg.transit_access_by_city(layout, cutoffs=(20, 30, 40))
table[["city", "minutes", "area_km2", "area_within_km2", "area_share"]].round(3)

# %%
ocean = table[table["city"] == "海洋科技城"].set_index("minutes")["area_share"]
print(
    f"海洋科技城 within 30 min: {ocean[30]:.0%}; "
    f"from 20 to 40 min: {ocean[20]:.0%} -> {ocean[40]:.0%}"
)
print(table.attrs["network"])
print(table.attrs["targets"])

# %% [markdown]
# ## Checked by hand and against networkx
#
# From 苗岭路 to 钱谷山, the two ends of Line 11 (蓝谷快线): 2 minutes to the platform,
# half of Line 11's 10.73-minute headway, 57 minutes on the train, 2 minutes back to the
# street. networkx's Dijkstra on the same graph gives the same time.

# %%
import geopandas as gpd
import networkx as nx

G = cg.multimodal_graph()
stations = cg.metro_stations().set_index("name_zh")
a = gpd.GeoSeries([stations.geometry["苗岭路"]], crs=4326)
b = gpd.GeoSeries([stations.geometry["钱谷山"]], crs=4326)
ours = cg.transit_travel_time_matrix(a, b, G)["travel_time_min"].iloc[0]
by_hand = 2 + 10.73 / 2 + 57 + 2
ids = stations["station_id"]
by_networkx = (
    nx.shortest_path_length(
        G, f"station:{ids['苗岭路']}", f"station:{ids['钱谷山']}", weight="travel_time"
    )
    / 60
)
print(ours, by_hand, by_networkx)

# %% [markdown]
# ## How the share grows with the time allowed

# %%
sweep = cg.transit_access_by_city(layout, cutoffs=range(10, 65, 5), cell_m=200)
shares = sweep.pivot(index="minutes", columns="city_en", values="area_share")
ax = shares.plot(marker="o", figsize=(6, 3.5), ylabel="share of the city's area", grid=True)
ax.axvline(30, color="grey", lw=0.8)
shares.round(2).T

# %% [markdown]
# ## Walking on streets instead of straight lines
#
# On the schematic street lattice (indicative: a 500 m grid clipped to the corridor) walks
# follow the streets; load an OpenStreetMap extract with `cg.graph_from_osm` for real ones.
# Stations farther than 500 m from every street are reachable by metro only, and listed.

# %%
streets = cg.schematic_network(layout)
M = cg.multimodal_graph(streets)
print(len(M.graph["stations_without_street_link"]), "of 177 stations have no street link")
on_streets = cg.transit_access_by_city(layout, cutoffs=(20, 30, 40), G=M, cell_m=200)
on_streets.pivot(index="city", columns="minutes", values="area_share").round(2)

# %% [markdown]
# ## Station catchments: 5, 10, 15 minutes on foot, and what they cover

# %%
catchments = cg.station_catchments(G, cutoffs=(5, 10, 15), layout=layout)
cover = cg.catchment_coverage(G, layout.cities, cutoffs=(5, 10, 15), layout=layout)
cover.pivot(index="zone", columns="minutes", values="area_share").round(2)

# %% [markdown]
# ## An isochrone by metro and walking: islands around the stations reached

# %%
from corridor_geo import plotting

sites = cg.circle_anchors(layout, kind="环大学")
iso = cg.transit_isochrones(sites.iloc[[0]], G, cutoffs=(15, 30, 45), layout=layout)
fig = plotting.plot_isochrones(layout, iso, origins=sites.iloc[[0]], lang="en", figsize=(6, 7))
iso.drop(columns="geometry")

# %% [markdown]
# ## The measures planners compare, on a transit matrix
#
# Cumulative opportunities within T, gravity with exponential and power decay, 2SFCA and
# E2SFCA, swept over thresholds and decay parameters in one call. Labs are synthetic; the
# destinations are the ecosystem circles' anchors.

# %%
labs = cg.synthetic_resources(200, seed=11, layout=layout, corridor_share=0.9)
anchors = cg.circle_anchors(layout)
cost = cg.transit_travel_time_matrix(labs, anchors, G, layout=layout)
people = labs.assign(people=1.0)[["people"]]
result, fig = cg.accessibility_sweep(
    cost,
    cutoffs=(15, 30, 45, 60),
    exponential=(0.025, 0.05, 0.1),
    power=(1.0, 2.0),
    demand=people,
    demand_col="people",
    plot=True,
)
result.groupby(["measure", "value"])["accessibility"].median().round(3).to_frame("median")
