# %% [markdown]
# # 04 · Accessibility along Binhai Avenue
#
# The corridor is a 53 km band strung along one road. This notebook places resources along
# the axis, draws the strip chart, and computes network travel times.
#
# Road network: the built-in **schematic** network (Binhai Avenue at 60 km/h, a 500 m street
# lattice at 30 km/h): results on it are **indicative**. With a real OpenStreetMap extract,
# use `cg.graph_from_osm(path)` instead; the last cells show it on a small real-format file.

# %%
import corridor_geo as cg
from corridor_geo import plotting

layout = cg.load_layout()
labs = cg.synthetic_resources(2000, seed=11, layout=layout, corridor_share=0.9)

# %% [markdown]
# ## Chainage: km from the south end, offset west (−) or east (+)

# %%
ch = cg.chainage(labs, layout=layout)
ch[["chainage_km", "offset_m", "side"]].describe()

# %%
profile = cg.axis_profile(labs, layout=layout, bin_km=1.0)
fig = plotting.plot_axis_profile(profile, lang="both", ylabel="resources per km")

# %% [markdown]
# ## Travel time to the axis

# %%
G = cg.schematic_network(layout)
print(G.graph["status"], G.number_of_nodes(), "nodes", G.number_of_edges(), "edges")
times = cg.time_to_axis(labs, G, layout=layout)
times["reason"].value_counts()

# %%
times.loc[times["reachable"], "travel_time_min"].describe()

# %% [markdown]
# ## Isochrones around the university sites (reachable streets, buffered; never hulls)

# %%
sites = cg.circle_anchors(layout, kind="环大学")
iso = cg.isochrones(sites, G, cutoffs=(5, 10, 15), buffer_m=250)
fig = plotting.plot_isochrones(layout, iso, origins=sites, lang="both", figsize=(6, 7.5))
iso.drop(columns="geometry")

# %% [markdown]
# ## Two-step floating catchment (2SFCA) from a travel-time matrix

# %%
inside = labs[cg.assign_zones(labs, layout=layout, layers=("corridor",))["corridor"].notna()].head(
    300
)
matrix = cg.travel_time_matrix(inside, sites, G, output="wide")
supply = sites.assign(capacity=[30, 20, 10])
demand = inside.assign(people=1.0)
acc = cg.two_step_fca(
    demand, supply, matrix, cutoff=15, demand_col="people", supply_col="capacity"
)
acc["accessibility"].describe()

# %% [markdown]
# ## A real OpenStreetMap file
#
# `graph_from_osm` reads `.osm`/`.osm.pbf` with pyosmium into an OSMnx-style graph (edge
# `length` in metres, `travel_time` in seconds, speeds from `maxspeed` or road-class
# defaults). Here a tiny extract written in OSM XML on the spot (not real data: three
# ways, one of them one-way); a downloaded `.osm.pbf` is read the same way.

# %%
import tempfile
from pathlib import Path

OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="corridor_geo tutorial (not real data)">
  <node id="1" lat="36.150" lon="120.480"/>
  <node id="2" lat="36.150" lon="120.482"/>
  <node id="3" lat="36.150" lon="120.484"/>
  <node id="4" lat="36.152" lon="120.482"/>
  <node id="5" lat="36.160" lon="120.490"/>
  <node id="6" lat="36.160" lon="120.492"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="primary"/><tag k="maxspeed" v="60"/><tag k="name" v="滨海大道"/></way>
  <way id="11"><nd ref="2"/><nd ref="4"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
  <way id="12"><nd ref="5"/><nd ref="6"/><tag k="highway" v="service"/></way>
</osm>
"""
osm = Path(tempfile.mkdtemp()) / "tiny.osm"
osm.write_text(OSM_XML, encoding="utf-8")
small = cg.graph_from_osm(osm)
print(small.number_of_nodes(), "nodes,", small.number_of_edges(), "edges,", small.graph["crs"])
