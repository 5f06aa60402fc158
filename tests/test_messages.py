"""Error messages read as text: no Python list or dict, option names as the user spells them.

Each case calls the library the way a user would get the message and checks its words:
names joined by ", " (quoted where they are column names), counts as "8 beyond
max_distance", and no ``[...]`` or ``{...}`` left from a Python repr.
"""

from __future__ import annotations

import re

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

import corridor_geo as cg
from corridor_geo import _text
from corridor_geo.access import isochrones, time_to_axis
from corridor_geo.axis import point_at_chainage
from corridor_geo.coverage import circle_anchors
from corridor_geo.density import kernel_density
from corridor_geo.indicators import plan_targets
from corridor_geo.measures import accessibility_sweep
from corridor_geo.network import multimodal_graph
from corridor_geo.report import build_report
from corridor_geo.resources import category_registry, synthetic_resources
from corridor_geo.scenarios import compare_boundaries, scenario
from corridor_geo.transit import transit_isochrones, transit_time_to_axis
from corridor_geo.zones import assign_polygons, share_of_city, zone_table

X0, Y0 = 540_000.0, 4_010_000.0
AXIS = gpd.GeoSeries([shapely.LineString([(X0, Y0), (X0, Y0 + 8000)])], crs=4549)


def _streets() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:4549")
    G.add_node("a", x=X0, y=Y0)
    G.add_node("b", x=X0, y=Y0 + 800)
    G.add_edge("a", "b", length=800.0, travel_time=60.0)
    G.add_edge("b", "a", length=800.0, travel_time=60.0)
    return G


def _metro() -> nx.MultiDiGraph:
    T = nx.MultiDiGraph(crs="EPSG:4549")
    T.add_node("A", x=X0, y=Y0 + 100, name="A")
    T.add_node("B", x=X0, y=Y0 + 4000, name="B")
    T.add_edge("A", "B", travel_time=300.0, route_id="r1", line="1", headway_min=6.0)
    T.add_edge("B", "A", travel_time=300.0, route_id="r1", line="1", headway_min=6.0)
    return T


def _far(n: int) -> gpd.GeoSeries:
    """Points 20 km from every node."""
    return gpd.GeoSeries(shapely.points(np.full((n, 2), [X0 + 20_000, Y0])), crs=4549)


def _pts(**cols) -> gpd.GeoDataFrame:
    n = len(next(iter(cols.values()))) if cols else 1
    xy = np.column_stack([np.full(n, X0), Y0 + 100 * np.arange(n)])
    return gpd.GeoDataFrame(cols, geometry=shapely.points(xy), crs=4549)


def _square(x: float, y: float, size: float = 100.0) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


SQ = shapely.box(0, 0, 1, 1)


def _table(**cols) -> pd.DataFrame:
    return pd.DataFrame({"名称": ["a"], "lon": [120.49], "lat": [36.16], **cols})


CASES = {
    # Counts of reasons, not a dict.
    "snap (access)": (
        lambda: time_to_axis(_far(8), _streets(), layout=AXIS, barriers=None),
        "none of the 8 points could be snapped to the network (8 beyond max_distance)",
    ),
    "snap (transit)": (
        lambda: transit_time_to_axis(
            _far(3), multimodal_graph(_streets(), transit=_metro()), layout=AXIS, barriers=None
        ),
        "none of the 3 points could be snapped to the street network (3 beyond max_distance)",
    ),
    # Choices and unknown names, joined by ", ".
    "circle kind": (
        lambda: circle_anchors(cg.load_layout(), kind="bank"),
        "unknown circle kind 'bank'; use one of innovation_source (科创策源), university "
        "(环大学), international_talent (国际人才), talent_cultivation (科创人才培育), finance "
        "(科技金融), future_industry (新兴产业和未来产业)",
    ),
    "layout circle kinds": (
        lambda: cg.layout._normalize_kinds(pd.Series(["bank", "finance", "zoo"]), "circles"),
        "circles: unknown circle kind(s) 'bank', 'zoo'; use one of innovation_source",
    ),
    "layout replace": (
        lambda: cg.load_layout(replace={"citys": "x.gpkg", "axes": "y.gpkg"}),
        "unknown layer name(s) 'axes', 'citys': use ",
    ),
    "layout datum without a file": (
        lambda: cg.load_layout(datums={"cities": "GCJ02", "axis": "WGS84"}),
        "a datum is declared for axis, cities but no replacement file is given for them: a "
        "layer in datums= needs its replacement in replace= too",
    ),
    "report option": (
        lambda: build_report("never-written", sections=["metro", "roads"]),
        "report option sections=...: unknown name 'roads'; the allowed values are 'layout', ",
    ),
    "layout cities": (
        lambda: cg.layout._match_cities(
            gpd.GeoDataFrame({"name_zh": ["海洋科技城", "火星城"]}, geometry=[SQ, SQ]),
            None,
        ),
        "unknown city name(s) '火星城' in column 'name_zh'",
    ),
    "layout city twice": (
        lambda: cg.layout._match_cities(
            gpd.GeoDataFrame({"key": ["ocean", "ocean", "youth"]}, geometry=[SQ] * 3), None
        ),
        "the cities layer names a city twice: ocean",
    ),
    "layout districts": (
        lambda: cg.layout._normalize_districts(
            gpd.GeoDataFrame({"name_zh": ["崂山区", "火星区"]}, geometry=[SQ, SQ]), None
        ),
        "unknown district name(s): '火星区'",
    ),
    "zone layers": (
        lambda: zone_table(cg.load_layout(), layers=["corridr", "cities"]),
        "unknown zone layer(s) corridr: use ",
    ),
    "zones frame": (
        lambda: zone_table(gpd.GeoDataFrame(geometry=[_square(X0, Y0)], crs=4549)),
        "a zones GeoDataFrame needs 'layer' and 'zone' columns; missing layer, zone",
    ),
    "measures": (
        lambda: accessibility_sweep(
            pd.DataFrame([[5.0]], index=["a"], columns=["x"]), measures=["gravity", "magic"]
        ),
        "unknown measures 'gravity', 'magic'; choose from cumulative, ",
    ),
    "synthetic categories": (
        lambda: synthetic_resources(10, categories={"bank": 1.0}),
        "unknown category keys 'bank'; see category_registry()",
    ),
    "registry columns": (
        lambda: category_registry(pd.DataFrame({"key": ["x"], "name_zh": ["x"]})),
        "the category registry is missing the column(s) name_en, ",
    ),
    "targets columns": (
        lambda: plan_targets(pd.DataFrame({"key": ["x"]})),
        "the targets table is missing the column(s) ",
    ),
    "scenario district": (
        lambda: scenario("s", districts=["火星区"]),
        "no district '火星区': name one by code or name_zh or name_en, e.g. 370202, ",
    ),
    "cutoffs (access)": (
        lambda: isochrones(_pts(), _streets(), cutoffs=[10, -5], barriers=None),
        "cutoffs must be positive, finite numbers, got 10, -5",
    ),
    "cutoffs (transit)": (
        lambda: transit_isochrones(
            _pts(), multimodal_graph(_streets(), transit=_metro()), cutoffs=[-1], barriers=None
        ),
        "must be positive, finite minutes, got -1",
    ),
    "chainage": (
        lambda: point_at_chainage([2.0, 11.5, 12.0], layout=AXIS),
        "chainage 11.5, 12 km is outside the axis (0 to 8.000 km)",
    ),
    # Column names, quoted and joined.
    "reader lon column": (
        lambda: cg.read_points(_table(), datum="WGS84", lon="经"),
        "no column '经' for the longitude; the table has '名称', 'lon', 'lat'",
    ),
    "reader no coordinates": (
        lambda: cg.read_points(pd.DataFrame({"名称": ["a"], "地址": ["x"]}), datum="WGS84"),
        "the table has '名称', '地址'",
    ),
    "reader id column": (
        lambda: cg.read_points(_table(), datum="WGS84", id="编号"),
        "no id column '编号'; the table has '名称', 'lon', 'lat'",
    ),
    "reader weight column": (
        lambda: cg.read_points(_table(), datum="WGS84", weight="专利数"),
        "no weight column '专利数'; the table has '名称', 'lon', 'lat'",
    ),
    "reader category column": (
        lambda: cg.read_resources(_table(), datum="WGS84"),
        "give default_category='...'; the table has '名称', 'lon', 'lat'",
    ),
    "points weight column": (
        lambda: kernel_density(_pts(kind=["lab"]), bandwidth_m=100.0, weight="staff"),
        "resources have no weight column 'staff'; they have 'kind', 'geometry'",
    ),
    "group column": (
        lambda: share_of_city(_pts(kind=["lab"]), by="类别"),
        "no column '类别' to group by; the resources have 'kind', 'geometry'",
    ),
    "match column": (
        lambda: compare_boundaries(
            gpd.GeoDataFrame({"k": ["a"]}, geometry=[_square(X0, Y0)], crs=4549),
            gpd.GeoDataFrame({"k": ["a"]}, geometry=[_square(X0, Y0)], crs=4549),
            on="key",
        ),
        "A has no column 'key' to match on; it has 'k', 'geometry'",
    ),
    # Row labels, joined, at most five then "and N more".
    "polygon weights": (
        lambda: assign_polygons(
            gpd.GeoDataFrame(
                {"w": [1.0, -1.0, np.nan] + [-2.0] * 5},
                geometry=[_square(X0 + 200 * i, Y0) for i in range(8)],
                crs=4549,
            ),
            weight="w",
        ),
        "has missing or negative values in rows 1, 2, 3, 4, 5 and 2 more",
    ),
    "boundary rows": (
        lambda: compare_boundaries(
            gpd.GeoDataFrame(geometry=[_square(X0, Y0), None], crs=4549),
            gpd.GeoDataFrame(geometry=[_square(X0, Y0)], crs=4549),
        ),
        "must hold non-empty polygons; rows 1 do not",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_messages_read_as_text(case):
    call, expected = CASES[case]
    with pytest.raises(Exception) as err:  # noqa: PT011 - the words are what is checked
        call()
    message = str(err.value)
    assert expected in message
    assert not re.search(r"[\[\]{}]", message), message


def test_the_words_of_lists_counts_and_options():
    assert _text.listing(["a", "b"]) == "a, b"
    assert _text.listing([3, 1, 4, 1, 5, 9, 2], limit=5) == "3, 1, 4, 1, 5 and 2 more"
    assert _text.listing(["名称", "x y"], quote=True) == "'名称', 'x y'"
    assert _text.counts_text(pd.Series(["far", "wet", "far"]).value_counts()) == "2 far, 1 wet"
    assert _text.option("fix_swapped") == "fix_swapped=True"
    assert _text.option("datum", "GCJ02") == "datum='GCJ02'"
    with _text.command_line():
        assert _text.option("fix_swapped") == "--fix-swapped"
        assert _text.option("header_row", 4) == "--header-row 4"
    assert not _text.on_command_line()  # switched off after the block, even on an error
    with pytest.raises(ValueError, match="a failing command"), _text.command_line():
        raise ValueError("a failing command")
    assert not _text.on_command_line()


def test_command_line_messages_name_the_flags(tmp_path, capsys):
    from corridor_geo import cli

    out = str(tmp_path / "out")
    assert cli.main(["report", "--out", out, "--sections", "metro,roads"]) == 2
    err = capsys.readouterr().err
    assert "error: report option --sections: unknown name 'roads'; the allowed values" in err
    assert cli.main(["layout", "--out", out, "--layer-datum", "cities=GCJ02"]) == 2
    err = capsys.readouterr().err
    assert (
        "a datum is declared for cities but no replacement file is given for it: a datum "
        "(--layer-datum LAYER=DATUM) goes with a replacement (--replace LAYER=FILE)" in err
    )
    assert not re.search(r"[\[\]{}]", err) and "the arguments" not in err
    assert not (tmp_path / "out").exists()


def test_monitor_without_its_year_column_names_the_files_columns_and_the_flags(tmp_path, capsys):
    from corridor_geo import cli

    path = tmp_path / "labs.csv"
    path.write_text(
        "编号,类别,经度,纬度\nL1,高校,120.4870,36.1620\nL2,孵化器,120.4420,36.1050\n",
        encoding="utf-8",
    )
    argv = ["monitor", "--resources", str(path), "--year-column", "年份", "--datum", "GCJ02"]
    assert cli.main([*argv, "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert (
        "one table of snapshots needs a year column '年份'; it has '编号', '类别', '经度', "
        "'纬度': name it with --year-column, or give one file per year with --snapshot "
        "YEAR=FILE" in err
    )
    assert "year_col" not in err and "source_row" not in err
