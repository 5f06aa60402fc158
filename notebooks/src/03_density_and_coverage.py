# %% [markdown]
# # 03 · Density and coverage
#
# Where the corridor's resources are dense, and what share of each zone's area, people and
# resources lies within reach of the university sites. Data: **synthetic** (seeded,
# labelled).

# %%
import corridor_geo as cg
from corridor_geo import maps, plotting

layout = cg.load_layout()
labs = cg.synthetic_resources(3000, seed=7, layout=layout)

# %% [markdown]
# ## Density per zone (per km², true areas)

# %%
d = cg.density_by_zone(labs, layout=layout, layers="cities", by=None)
d[["zone", "name_zh", "count", "area_km2", "count_per_km2"]]

# %% [markdown]
# ## Grids: 1 km squares in EPSG:4549 and H3 hexagons, clipped to the corridor

# %%
squares = cg.aggregate_to_grid(labs, cg.square_grid(cell_size_m=1000.0, layout=layout))
hexes = cg.aggregate_to_grid(labs, cg.hex_grid(resolution=8, layout=layout))
print(
    f"{len(squares)} squares, {len(hexes)} hexagons; points counted:",
    int(squares["count"].sum()),
    int(hexes["count"].sum()),
)
squares.sort_values("count", ascending=False).head()

# %% [markdown]
# ## A kernel density surface, written as GeoTIFF

# %%
import tempfile
from pathlib import Path

out = Path(tempfile.mkdtemp())
kde = cg.kernel_density(labs, bandwidth_m=800, cell_size_m=100, layout=layout)
tif = kde.to_geotiff(out / "kde.tif")
print(kde.tags)
fig = plotting.plot_density(layout, tif, lang="both", figsize=(6, 7.5))

# %%
m = maps.explore_layout(layout, basemap="blank", layers=("corridor", "axis"), height=450)
maps.add_raster(m, tif, name="kernel density")
maps.add_zones(m, squares[squares["count"] > 0], "count", name="labs per 1 km cell")
m

# %% [markdown]
# ## Coverage: within 1 km of a university site (环大学)
#
# Population from the 2020 census district totals spread by area; resources counted by
# point-in-buffer. The covered area is returned as geometry.

# %%
sites = cg.circle_anchors(layout, kind="环大学")
cov = cg.coverage.coverage(sites, layout=layout, radius_m=1000, layers="cities", resources=labs)
cov[["layer", "zone", "name_zh", "area_share", "population_share", "resources_share"]]
