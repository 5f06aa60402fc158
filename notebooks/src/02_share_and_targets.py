# %% [markdown]
# # 02 · Share of the city and the 2027 targets
#
# The plan's first target: by 2027 the corridor holds **at least 45 %** of the city's key
# laboratories, new-type R&D institutions and similar resources. The others: invention
# patents per 10,000 people, S&T talent and high-tech enterprises each grow by **15 %**.
#
# This notebook reads a resource table the way offices export it, assigns every resource to
# the corridor, the cities, the circles and the districts, and checks the targets.
#
# The data here are **synthetic** (seeded and labelled): they demonstrate the method and say
# nothing about Qingdao. Replace them with your own tables (notebook 05).

# %%
import corridor_geo as cg
from corridor_geo import plotting

layout = cg.load_layout()
now = cg.synthetic_resources(3000, seed=2027, layout=layout)
base = cg.synthetic_resources(2600, seed=2024, layout=layout)
now[["id", "category", "category_zh", "weight", "status"]].head()

# %% [markdown]
# ## Reading a real export: every row accepted or rejected with a reason
#
# A small table as an office might send it: Chinese headers, GCJ-02 coordinates from Amap,
# a row without coordinates, swapped latitude/longitude, a duplicate id, an unknown category.

# %%
import pandas as pd

raw = pd.DataFrame(
    {
        "编号": ["L1", "L2", "L3", "L4", "L4", "L5"],
        "名称": [
            "中国海洋大学",
            "无坐标的单位",
            "颠倒的坐标",
            "山东大学(青岛)",
            "重复编号",
            "未知类别",
        ],
        "类别": ["高校", "高校", "省级重点实验室", "高校", "高校", "咖啡馆"],
        "经度": [120.495467, None, 36.37, 120.678578, 120.68, 120.5],
        "纬度": [36.165035, None, 120.68, 36.368982, 36.37, 36.2],
    }
)
table = cg.read_resources(raw, datum="GCJ02", id="编号", layout=layout)
print(table.summary())
table.rejected[["编号", "名称", "reason"]]

# %% [markdown]
# ## Share of the city, by zone and category

# %%
shares = cg.share_of_city(now, layout=layout, layers=("corridor", "cities"))
shares[shares["category"] == "ALL"][
    ["layer", "zone", "name_zh", "count", "city_count", "share_count"]
]

# %% [markdown]
# ## The targets
#
# Which categories count towards the 45 % is data (`data/indicators/categories.csv`), not
# code. Growth needs a base snapshot; per-capita figures use the 2020 census district totals
# spread by area unless you pass your own population.

# %%
status = cg.target_status(now, layout=layout, base=base)
status[["name_zh", "current", "base", "value", "target", "gap", "met", "method"]]

# %%
fig = plotting.plot_targets(status, lang="both", figsize=(9, 3.4))

# %% [markdown]
# ## Invention patents per 10,000 people, by district

# %%
cg.per_capita(now, layout=layout, layers=["districts"])[
    ["zone", "name_zh", "invention_patents", "population", "per_10k"]
].head(10)
