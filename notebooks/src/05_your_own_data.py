# %% [markdown]
# # 05 · Bringing your own data
#
# Three things planners bring: a resource table exported from Amap (GCJ-02), an
# OpenStreetMap extract, and an authoritative boundary file. corridor_geo checks each.

# %%
import tempfile
from pathlib import Path

import pandas as pd

import corridor_geo as cg
from corridor_geo import crs

layout = cg.load_layout()
work = Path(tempfile.mkdtemp())

# %% [markdown]
# ## 1. A GCJ-02 CSV from Amap, in GBK as Chinese offices export it
#
# Coordinates picked on Amap are GCJ-02: about 450 m east of WGS84 in Qingdao. Declare the
# datum and corridor_geo converts exactly.

# %%
amap = pd.DataFrame(
    {
        "名称": ["中国海洋大学(崂山校区)", "山东大学(青岛)", "青岛科技大学"],
        "类别": ["高校", "高校", "高校"],
        "经度": [120.495467, 120.678578, 120.485277],
        "纬度": [36.165035, 36.368982, 36.124178],
    }
)
path = work / "amap_export.csv"
amap.to_csv(path, index=False, encoding="gbk")
table = cg.read_resources(path, datum="GCJ02")
print(table.summary())
table.accepted[["name", "lon_source", "lat_source", "geometry"]]

# %% [markdown]
# Declared as WGS84 by mistake, the same points would sit about 450 m east of the truth:

# %%
wrong = cg.read_resources(path, datum="WGS84").accepted.to_crs(cg.ANALYSIS_CRS)
right = table.accepted.to_crs(cg.ANALYSIS_CRS)
wrong.distance(right, align=False).round(1).tolist()

# %% [markdown]
# ## 2. An authoritative boundary file replaces a bundled layer
#
# Any CRS works; GCJ-02 or BD-09 files are declared with `datums=`. The replacement is
# re-validated against the plan's figures.

# %%
bureau = work / "cities_from_bureau.gpkg"
layout.cities[["name_zh", "geometry"]].to_crs("EPSG:4549").to_file(bureau)
mine = cg.load_layout(replace={"cities": bureau})
mine.validate().query("check == 'area'")[["subject", "official", "measured", "passed"]]

# %%
amap_cities = work / "cities_amap.geojson"
crs.to_datum(layout.cities[["key", "geometry"]], "GCJ02").to_file(amap_cities)
declared = cg.load_layout(replace={"cities": amap_cities}, datums={"cities": "GCJ02"})
print(declared.summary().splitlines()[-1])

# %% [markdown]
# ## 3. An OpenStreetMap extract
#
# Download a regional `.osm.pbf` (e.g. Shandong) from an OpenStreetMap mirror, clip it to
# Qingdao with osmium, then read it; `largest_component=True` drops islands of the network.
# Here a tiny extract written in OSM XML on the spot stands in for it (not real data).
# `largest_component=True` keeps the largest part in which every node can reach every
# other: the service road on its own and the node at the end of the one-way street (no
# way back) are dropped, 6 nodes become 3.

# %%
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
osm = work / "tiny.osm"
osm.write_text(OSM_XML, encoding="utf-8")
G = cg.graph_from_osm(osm, largest_component=True)
print(G.graph["crs"], G.number_of_nodes(), "nodes,", G.number_of_edges(), "edges")

# %% [markdown]
# ## 4. Export for a desktop GIS or an Amap overlay
#
# GCJ-02 exports are named as such, so nobody mistakes them for WGS84.

# %%
written = mine.to_file(work / "for_amap", fmt="geojson", crs="GCJ02")
sorted(p.name for p in written)
