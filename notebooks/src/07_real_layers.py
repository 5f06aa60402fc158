# %% [markdown]
# # 07 · The real layers: metro, institutions, sub-districts, population
#
# corridor_geo bundles real, openly licensed layers of Qingdao beside the corridor's
# layout. This notebook shows a planner what each holds, what it says about the corridor,
# and how far it can be trusted:
#
# - the **metro**: 177 stations and 8 lines (East Asian metro dataset, TU Delft, CC BY 4.0);
# - the **institution register**: universities (one row per campus) and the institutions
#   the plan names, each with a cited position and its accuracy; *not* complete;
# - the **sub-districts** (街道/镇): 135 boundaries from OpenStreetMap (ODbL);
# - the **population** by sub-district: the 2020 census, estimated from district totals
#   where no sub-district count could be cited.
#
# Everything runs offline.

# %%
import corridor_geo as cg
from corridor_geo import maps, official, plotting
from corridor_geo.metro import metro_graph, metro_lines, metro_stations

layout = cg.load_layout()
stations = metro_stations()
lines = metro_lines()
print(stations.attrs["attribution"])  # the credit the licence asks for, wherever shown
lines[["line", "name_zh", "name_en", "n_stations", "headway_min", "colour"]]

# %% [markdown]
# ## Metro stations in the corridor, and per km of Binhai Avenue
#
# Stations are counted where they lie inside the corridor, by their chainage along the
# axis (5 km bins).

# %%
profile = cg.axis_profile(stations, layout=layout, bin_km=5)
print("stations in the corridor:", int(profile["count"].sum()), "of", len(stations))
profile[["start_km", "end_km", "city", "count", "count_per_km"]]

# %%
fig = plotting.plot_axis_profile(profile, lang="both", ylabel="stations per km")

# %% [markdown]
# ## Within walking reach: 800 m of a station (straight line)
#
# The share of each city's area, and of its population (estimated, see below), within
# 800 m of a station. Straight-line reach: a walk along streets reaches less.

# %%
from corridor_geo.coverage import coverage
from corridor_geo.population import census_polygons

people = census_polygons(layout, level="finest")
reach = coverage(
    stations, layout=layout, radius_m=800, layers=("corridor", "cities"), population=people
)
reach[reach["zone"] != "ALL"][["name_zh", "area_km2", "area_share", "population_share"]]

# %% [markdown]
# ## The metro as a graph (OSMnx convention)
#
# Travel time in the vehicle between two stations, on the graph's `travel_time` (seconds).

# %%
import networkx as nx

G = metro_graph()
by_name = stations.set_index("name_zh")["station_id"]
minutes = nx.shortest_path_length(G, by_name["苗岭路"], by_name["钱谷山"], weight="travel_time")
print(f"苗岭路 to 钱谷山 (Line 11, end to end): {minutes / 60:.0f} min in the vehicle")

# %% [markdown]
# ## Universities and named institutions: the register against the city's count
#
# The city counted 8 universities in the corridor (press conference of 2026-01-15). The
# register places campuses with an accuracy (a radius): a university counts as in the
# corridor when one of its campus points is, *certainly* when the point lies farther
# inside than its accuracy.

# %%
register = cg.institution_register().accepted
unis = register[register["category"] == "university"].copy()
unis["institution"] = unis["name"].str.replace(r"\([^()]*校区[^()]*\)$", "", regex=True)
unis["in_corridor"] = cg.assign_zones(unis, layout=layout, layers="corridor")["n_corridor"] > 0
inside = sorted(unis.loc[unis["in_corridor"], "institution"].unique())
official_count = official.CORRIDOR_STOCK["university"]["count"]
print(f"register: {len(inside)} universities in the corridor; the city: {official_count}")
print(f"city-wide: {unis['institution'].nunique()} universities in the register")
inside

# %%
m = maps.explore_layout(layout, basemap="blank", layers=("corridor", "cities", "axis"), height=450)
maps.add_points(m, register, name="register", label_column="name")

# %% [markdown]
# ## Sub-districts and their population (estimated)
#
# The 2020 census population of each sub-district. No citable count per sub-district was
# found: the `status` column says `estimated` (the district's total spread by land area).

# %%
census = cg.population.census_subdistricts()
print(census["status"].value_counts().to_dict())
pop = cg.population_by_zone(layout, layers="subdistricts")
pop["method"].iloc[0]

# %% [markdown]
# The sub-districts the corridor overlaps, with the part of their area inside it, and
# the stations and register rows each holds.

# %%
from corridor_geo.crs import geodesic_area

stations_in = cg.share_of_city(
    stations, layout=layout, by=None, layers="subdistricts", weight=None
).set_index("zone")["count"]
register_in = cg.share_of_city(
    register, layout=layout, by=None, layers="subdistricts", weight=None
).set_index("zone")["count"]
parts = layout.subdistricts[["key", "name_zh", "district_zh", "geometry"]].overlay(
    layout.corridor[["geometry"]], how="intersection", keep_geom_type=True
)
parts["corridor_km2"] = geodesic_area(parts).to_numpy() / 1e6
parts["population_estimated"] = parts["key"].map(pop.set_index("zone")["population"])
parts["stations"] = parts["key"].map(stations_in)
parts["register_rows"] = parts["key"].map(register_in)
columns = ["name_zh", "district_zh", "corridor_km2", "population_estimated", "stations"]
parts = parts[parts["corridor_km2"] >= 0.01]  # slivers along shared borders left out
parts[[*columns, "register_rows"]].sort_values("corridor_km2", ascending=False).round(2)

# %% [markdown]
# ## The same in the report
#
# `corridor-geo report` shows these layers in its metro, register and sub-district
# sections (with the official comparison in the validation table); a configuration picks
# sections, language, facilities and the GeoPackage's CRS (see `docs/report.md`).

# %%
import tempfile

from corridor_geo.report import build_report

rep = build_report(
    tempfile.mkdtemp() + "/report",
    sections=["metro", "register", "subdistricts"],
    lang="zh",
    crs="WGS84",
)
rep.sections
