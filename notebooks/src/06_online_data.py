# %% [markdown]
# # 06 · Online data: addresses, OpenStreetMap roads and places
#
# From an address list to the share of the city, the time to Binhai Avenue on real
# OpenStreetMap roads and a map, with `corridor_geo.online` (`pip install
# "corridor-geo[online]"`). With keys and the internet, the six lines are:
#
# ```python
# import corridor_geo as cg
# layout = cg.load_layout()
# labs = cg.online.geocode("labs.csv", address="地址", provider="amap")  # key in AMAP_KEY
# share = cg.share_of_city(labs, layout=layout)
# times = cg.time_to_axis(labs, cg.online.graph_from_layout(layout), layout=layout)
# labs.explore(layout=layout, basemap="osm")
# ```
#
# **This notebook runs offline by default.** Unless you set `CORRIDOR_GEO_LIVE=1` (and
# `AMAP_KEY`), it starts a local **stand-in** of Amap and of the Overpass API on
# 127.0.0.1 that answers in the services' formats with the bundled sample's cited
# positions and the **schematic** road network: the code is the real code, the data are
# **not real answers**, and travel times are the schematic network's (indicative).

# %%
import os

import corridor_geo as cg
from corridor_geo.online import testing

layout = cg.load_layout()
LIVE = os.environ.get("CORRIDOR_GEO_LIVE") == "1"
if LIVE:  # the real services: keys from the environment, answers cached on disk
    amap, osm = {}, {}
else:  # local stand-ins, clearly not real data
    standin = testing.demo_standin(layout).start()
    amap = {"key": testing.DEMO_KEY, "base_url": standin.url, "cache_dir": None}
    osm = {"overpass_url": standin.overpass_url, "cache_dir": None}
print("LIVE services" if LIVE else f"STAND-IN services at {standin.url}: NOT REAL DATA")

# %% [markdown]
# ## 1. Geocode an address list
#
# Amap answers in GCJ-02; the result is converted to WGS84 with the library's exact
# inverse. The provider's match level is kept, and matches coarser than `min_level`
# (default `"poi"`: a named place or a house number) are **rejected with the reason**,
# never guessed: here the two institutions known only by their town or village.

# %%
addresses = testing.demo_addresses()
labs = cg.online.geocode(addresses, address="address", provider="amap", **amap)
print(labs.summary())
labs.accepted[["name", "category", "geocode_level", "lon_source", "lat_source", "geometry"]]

# %%
labs.rejected[["name", "address", "geocode_level", "reason"]]

# %% [markdown]
# ## 2. Share of the city

# %%
share = cg.share_of_city(labs, layout=layout)
share.loc[share["layer"] == "corridor", ["category", "count", "city_count", "share_count"]]

# %% [markdown]
# ## 3. The road network from OpenStreetMap, and the time to Binhai Avenue
#
# `graph_from_layout` asks the Overpass API for the drive network of the corridor and
# 2 km around it through `osmnx.graph_from_polygon`, adds OSMnx's speeds and travel
# times (the library's CJJ 37-2012 defaults where `maxspeed` is missing) and caches the
# answers, so the same call a second time is offline. The graph is an ordinary OSMnx
# graph: the routing functions take it, and it saves as GraphML.

# %%
G = cg.online.graph_from_layout(layout, **osm)
print(G.graph["source"])
print(G.number_of_nodes(), "nodes", G.number_of_edges(), "edges")
times = cg.time_to_axis(labs, G, layout=layout)
times.assign(name=labs.accepted["name"])[["name", "travel_time_min", "access_chainage_km"]]

# %%
path = cg.network.graph_to_graphml(G, "corridor_drive.graphml")
H = cg.network.graph_from_graphml(path)
print(H.number_of_edges(), "edges read back from", path.name)

# %% [markdown]
# ## 4. Places from OpenStreetMap
#
# Universities, research institutes, laboratories, hospitals, schools and metro
# stations inside the corridor, as a resource table (polygons reduced to a point inside
# them, OSM ids kept; the tags of each category are in
# `corridor_geo.online.OSM_PLACE_TAGS`).

# %%
places = cg.online.features_from_layout(layout, **osm)
print(places.summary())
places.accepted[["id", "name", "category", "osm_tag"]]

# %% [markdown]
# ## 5. A map
#
# `basemap="osm"` draws OpenStreetMap tiles; `"amap"` shifts every layer into GCJ-02;
# `"tianditu"` needs a key written into the map's HTML (pass `tianditu_key=` to accept
# that; a key restricted to your domain is safest).

# %%
m = labs.explore(layout=layout, basemap="osm")
if LIVE and os.environ.get("TIANDITU_TK"):
    m = labs.explore(layout=layout, basemap="tianditu", tianditu_key=os.environ["TIANDITU_TK"])
m

# %% [markdown]
# ## 6. Keys, cache and the command line
#
# Keys come from an argument or from `AMAP_KEY`, `BAIDU_AK` and `TIANDITU_TK`, and are
# never written to a result, a cache file, a log or an error message. Answers are cached
# under `$CORRIDOR_GEO_CACHE` (see `cg.online.cache_dir_for("amap")`): a run stopped by a
# quota or a time-out resumes where it stopped. The same in three commands:
#
# ```bash
# corridor-geo geocode labs.csv --address 地址 --out geocoded
# corridor-geo report --resources geocoded/geocoded.csv --network osm --out report
# ```

# %%
if not LIVE:
    standin.stop()
cg.online.cache_dir_for("amap").name
