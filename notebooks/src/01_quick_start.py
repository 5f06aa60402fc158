# %% [markdown]
# # 01 · Quick start
#
# corridor_geo encodes the layout of the Qingdao Science and Technology Innovation Corridor
# (青岛科创大走廊) as validated geometries. This notebook loads the layout, checks it against
# the plan's official figures, maps it and exports it.

# %%
import corridor_geo as cg
from corridor_geo import crs, plotting

layout = cg.load_layout()
layout

# %% [markdown]
# ## The official figures against the layers
#
# `validate()` returns one row per check: areas (geodesic), the axis length, containment,
# overlaps and connectivity. The bundled layers are *indicative*: see
# `cg.datasets.sources_text()` for how each was made and how accurate it is.

# %%
print(layout.summary())
table = layout.validate()
table[["check", "subject", "official", "measured", "passed"]]

# %%
layout.cities[["name_zh", "name_en", "official_area_km2", "area_km2", "half_width_m"]]

# %% [markdown]
# ## An interactive map
#
# `explore()` returns a folium map. With `basemap="amap"` every layer is shifted into GCJ-02
# to match Amap's tiles; `basemap="blank"` needs no network.

# %%
m = layout.explore(basemap="blank", height=450)
m

# %% [markdown]
# ## A static map for reports

# %%
fig = plotting.plot_layout(layout, lang="both", figsize=(6, 8))

# %% [markdown]
# ## Chinese coordinates
#
# Amap and Tencent publish GCJ-02, Baidu BD-09. The transforms are vectorised and the
# inverse is exact (below 1e-7 degree).

# %%
import numpy as np

lon, lat = crs.gcj02_to_wgs84(np.array([120.494734, 120.679265]), np.array([36.165073, 36.385226]))
lon, lat

# %% [markdown]
# ## Export every layer for a desktop GIS

# %%
import tempfile
from pathlib import Path

out = Path(tempfile.mkdtemp())
layout.to_file(out / "corridor.gpkg", crs="EPSG:4549")
layout.to_file(out / "shapefiles", fmt="shp", crs="CGCS2000")
sorted(p.name for p in out.rglob("*") if p.suffix in (".gpkg", ".shp"))
