"""A configurable report: the TOML file and flags, their errors, language, facilities,
categories, the output CRS, escaping, and sections added to the table or failing."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from corridor_geo import cli, report
from corridor_geo._errors import InputError
from corridor_geo.cli import report as report_cmd
from corridor_geo.metro import metro_stations
from corridor_geo.resources import institution_register

DATA = Path(__file__).parent / "data"
PAYLOAD = '<img src=x onerror="window.__xss=1">'
TO_GK = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)


def parse(data):
    from corridor_geo.zones import ZONE_LAYERS

    return report.parse_config(data, sections=tuple(report.SECTIONS), layers=ZONE_LAYERS)


# --------------------------------------------------------------------------------------
# Validation: every wrong key named, with the values it accepts
# --------------------------------------------------------------------------------------
BAD = [
    ({"lang": "fr"}, "lang: 'fr' is not allowed; use one of 'en', 'zh'"),
    ({"language": "zh"}, "language: unknown key; the allowed keys are 'sections', 'lang'"),
    ({"sections": ["metro", "weather"]}, "sections: unknown name 'weather'; the allowed values"),
    ({"sections": []}, "sections: must be a non-empty list of names"),
    ({"crs": 4549}, "crs: must be a non-empty text, got 4549"),
    ({"crs": "EPSG:999999"}, "crs: 'EPSG:999999' is not a CRS; use one of 'EPSG:4549', 'WGS84'"),
    ({"catchment": {"radius_m": "far"}}, "catchment.radius_m: must be a positive number"),
    ({"catchment": {"radius_m": -5}}, "catchment.radius_m: must be a positive number (metres)"),
    ({"catchment": {"radius_m": True}}, "catchment.radius_m: must be a positive number"),
    ({"catchment": {"layers": ["towns"]}}, "catchment.layers: unknown name 'towns'"),
    ({"catchment": 800}, "catchment: must be a table ([catchment])"),
    (
        {"facilities": {"source": "bus"}},
        "facilities.source: 'bus' is not allowed; use one of 'circles', 'register', 'metro'",
    ),
    ({"facilities": {"source": "file"}}, "facilities.path: is required with source = 'file'"),
    ({"facilities": {"source": "metro", "path": "a.csv"}}, "facilities.path: applies to"),
    ({"facilities": {"where": "x"}}, "facilities.where: unknown key; the keys of [facilities]"),
    ({"isochrones": {"minutes": 5}}, "isochrones.minutes: must be a list of minutes"),
    ({"isochrones": {"minutes": [5, 0]}}, "isochrones.minutes: must be a positive number"),
    ({"metro": {"walk": 800}}, "metro.walk: unknown key; the keys of [metro] are 'radius_m'"),
    ({"metro": {"bin_km": float("inf")}}, "metro.bin_km: must be a positive number (km)"),
    ({"categories": {"cafe": {"fr": "x"}}}, "categories.cafe.fr: unknown key"),
    ({"categories": {"cafe": {}}}, "categories.cafe: give zh and/or en labels"),
    ({"categories": {"cafe": 3}}, "categories.cafe: must be a table"),
]


@pytest.mark.parametrize(("data", "message"), BAD, ids=[str(d)[:40] for d, _ in BAD])
def test_config_errors_name_the_key_and_the_allowed_values(data, message):
    with pytest.raises(InputError) as err:
        parse(data)
    assert message in str(err.value)
    assert str(err.value).startswith("report config (mapping): ")


def test_config_values_and_defaults():
    cfg = parse(
        {
            "sections": ["register", "metro"],
            "lang": "zh",
            "crs": "WGS84",
            "facilities": {"source": "register", "kind": "university"},
            "isochrones": {"minutes": [15, 5, 10, 5]},
            "catchment": {"radius_m": 1000, "layers": ["cities"]},
            "metro": {"radius_m": 500, "bin_km": 2},
            "categories": {"咖啡馆": {"zh": "咖啡馆", "en": "Cafés"}, "lab": "实验室"},
        }
    )
    assert cfg.sections == ("register", "metro") and cfg.lang == "zh" and cfg.crs == "WGS84"
    assert cfg.facilities == report.FacilitySpec("register", "university")
    assert cfg.isochrone_minutes == (5.0, 10.0, 15.0)
    assert (cfg.catchment_radius_m, cfg.catchment_layers) == (1000.0, ("cities",))
    assert (cfg.metro_radius_m, cfg.metro_bin_km) == (500.0, 2.0)
    assert cfg.categories == {"咖啡馆": ("咖啡馆", "Cafés"), "lab": ("实验室", "实验室")}
    default = parse({})
    assert default == report.ReportConfig()
    assert (default.lang, default.crs, default.facilities.describe()) == (
        "en",
        "EPSG:4549",
        "circles:university",
    )


def test_config_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('lang = "zh"\nsections = metro\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"report config bad.toml: not valid TOML: .*line 2"):
        report.read_config(bad)
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes('title = "青岛"\n'.encode("gbk"))
    with pytest.raises(InputError, match=r"report config gbk\.toml: not UTF-8 text"):
        report.read_config(gbk)
    with pytest.raises(InputError, match="report config: no such file"):
        report.read_config(tmp_path / "missing.toml")
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("[catchment]\nradius = 800\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"wrong.toml: catchment.radius: unknown key"):
        report.read_config(wrong)


def test_the_example_in_the_help_and_the_docs_is_a_valid_config(tmp_path):
    example = "\n".join(line[2:] for line in report_cmd.CONFIG_EXAMPLE.splitlines())
    path = tmp_path / "report.toml"
    path.write_text(example, encoding="utf-8")
    cfg = report.read_config(path)
    assert cfg.lang == "zh" and cfg.facilities.describe() == "register:university"
    assert cfg.categories["咖啡馆"] == ("咖啡馆", "Cafés")
    docs = Path(__file__).resolve().parents[1] / "docs" / "report.md"
    block = re.search(r"```toml\n(.*?)```", docs.read_text(encoding="utf-8"), flags=re.S)
    path.write_text(block.group(1), encoding="utf-8")
    assert report.read_config(path).sections is not None


def test_a_config_built_in_python_is_checked_too(tmp_path):
    with pytest.raises(InputError, match="lang: 'fr' is not allowed"):
        report.build_report(tmp_path / "r", config=report.ReportConfig(lang="fr"))
    # Keywords are named as keywords (on the command line, as flags: --sections).
    with pytest.raises(InputError, match=re.escape("option sections=...: unknown name 'nope'")):
        report.build_report(tmp_path / "r", sections="metro,nope")
    with pytest.raises(InputError, match=re.escape("option facilities=...: 'bus' is neither")):
        report.build_report(tmp_path / "r", facilities="bus")
    assert not (tmp_path / "r").exists()  # refused before anything is written


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sections", "metro,weather"], "sections: unknown name 'weather'"),
        (["--facilities", "bus:1"], "facilities: 'bus:1' is neither a source"),
        (["--facilities", "missing.csv"], "--facilities: no such file 'missing.csv'"),
        (["--facilities-datum", "GCJ02"], "--facilities-datum needs --facilities FILE"),
        (["--config", "missing.toml"], "--config: no such file 'missing.toml'"),
        (["--lang", "fr"], "argument --lang: invalid choice: 'fr'"),
        (["--catchment-radius", "-1"], "'-1' is not a finite positive number"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["report", "--out", "r", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("corridor-geo: error: ") and message in err[0]
    assert not (tmp_path / "r").exists()


def test_cli_bad_config_key(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("r.toml").write_text('lang = "zh"\n[metro]\nwalk_m = 800\n', encoding="utf-8")
    assert cli.main(["report", "--out", "r", "--config", "r.toml"]) == 2
    err = capsys.readouterr().err.strip()
    assert "report config r.toml: metro.walk_m: unknown key" in err and "'radius_m'" in err
    assert not Path("r").exists()


# --------------------------------------------------------------------------------------
# The configured report: language, CRS, sections, facilities, categories, escaping
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def zh_report(tmp_path_factory):
    """``corridor-geo report --config`` with a Chinese, WGS84, metro-only configuration."""
    folder = tmp_path_factory.mktemp("zh")
    config = folder / "zh.toml"
    config.write_text(
        'lang = "zh"\ncrs = "WGS84"\nsections = ["metro"]\ntitle = "走廊 <b>2026</b>"\n'
        "[metro]\nbin_km = 10\n",
        encoding="utf-8",
    )
    out = folder / "out"
    assert cli.main(["report", "--out", str(out), "--config", str(config), "--quiet"]) == 0
    return out


def test_language_switch(zh_report, styled_report):
    page = (zh_report / "report.html").read_text(encoding="utf-8")
    assert "<html lang='zh-CN'>" in page
    titles = re.findall(r"<h2>(.*?)</h2>", page)
    assert titles == ["1. 空间布局与规划对照", "2. 地铁站点", "数据与来源"]
    assert "<th>站点数</th>" in page and "<th>占全市比例</th>" in page
    assert '<span class="badge real">真实数据</span>' in page
    assert "走廊 &lt;b&gt;2026&lt;/b&gt;" in page and "<b>2026</b>" not in page
    english = styled_report[0].html_path.read_text(encoding="utf-8")
    assert (
        "<html lang='en'>" in english
        and "<h2>2. Metro stations along the corridor</h2>" in english
    )
    assert "<th>stations</th>" in english and "真实数据" not in english
    profile = pd.read_csv(zh_report / "tables" / "metro_axis_profile.csv", encoding="utf-8-sig")
    assert profile["length_km"].iloc[0] == 10  # metro.bin_km from the file


def test_crs_on_request_and_only_the_chosen_sections(zh_report):
    import pyogrio

    names = {name for name, _ in pyogrio.list_layers(zh_report / "corridor_report.gpkg")}
    assert {"metro_stations", "metro_lines", "cities"} <= names
    assert not any(n.startswith(("access_", "register_", "subdistricts_")) for n in names)
    assert pyogrio.read_info(zh_report / "corridor_report.gpkg", layer="cities")["crs"] == (
        "EPSG:4326"
    )
    assert sorted(p.name for p in (zh_report / "tables").iterdir()) == [
        "layout_validation.csv",
        "metro_axis_profile.csv",
        "metro_by_city.csv",
        "metro_lines.csv",
        "provenance_inputs.csv",
    ]


@pytest.fixture(scope="module")
def own_report(tmp_path_factory):
    """The caller's resources with categories of their own, labels, facilities and a title."""
    rng = np.random.default_rng(7)
    n = 60
    lon = rng.uniform(120.45, 120.70, n)
    lat = rng.uniform(36.12, 36.42, n)
    categories = np.array(["咖啡馆", "书店", PAYLOAD, "高校"])[np.arange(n) % 4]
    resources = gpd.GeoDataFrame(
        {"id": [f"r{i}" for i in range(n)], "name": [PAYLOAD] * n, "category": categories},
        geometry=shapely.points(lon, lat),
        crs="EPSG:4326",
    )
    facilities = gpd.GeoDataFrame(
        {"name": [PAYLOAD, "站点"]},
        geometry=[shapely.Point(120.47, 36.12), shapely.Point(120.68, 36.37)],
        crs="EPSG:4326",
    )
    out = tmp_path_factory.mktemp("own") / "r"
    rep = report.build_report(
        out,
        resources=resources,
        facilities=facilities,
        sections=["share", "catchment"],
        title=PAYLOAD,
        config={
            "categories": {"咖啡馆": {"zh": "咖啡馆 <i>café</i>", "en": "Cafés"}},
            "catchment": {"radius_m": 1500, "layers": ["corridor", "cities"]},
        },
    )
    return rep, resources, facilities


def test_user_text_is_escaped_everywhere(own_report):
    rep, _, _ = own_report
    page = rep.html_path.read_text(encoding="utf-8")
    assert PAYLOAD not in page and "<i>café</i>" not in page
    assert "&lt;img src=x onerror=" in page  # shown, as text
    assert "咖啡馆 &lt;i&gt;café&lt;/i&gt;" in page


def test_categories_keep_their_own_labels(own_report):
    rep, resources, _ = own_report
    page = rep.html_path.read_text(encoding="utf-8")
    section = re.search(r'<section id="share">(.*?)</section>', page, flags=re.S).group(1)
    section = section[section.index("Share of the city by category") :]
    rows = re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td><td class=\"num\">([\d,]+)</td>", section
    )
    labels = {(zh, en): int(count.replace(",", "")) for zh, en, count in rows}
    inside = shapely.contains_xy(
        shapely.union_all(rep_layout().corridor.to_crs(4326).geometry.values),
        resources.geometry.x,
        resources.geometry.y,
    )
    by_cat = pd.Series(inside).groupby(resources["category"].to_numpy()).sum()
    assert labels[("合计", "all")] == int(inside.sum())
    assert labels[("咖啡馆 &lt;i&gt;café&lt;/i&gt;", "Cafés")] == by_cat["咖啡馆"]  # configured
    assert labels[("书店", "书店")] == by_cat["书店"]  # a user category: its own name
    assert labels[("高校", "University")] == by_cat["高校"]  # the registry's names
    assert sum(1 for zh, _ in labels if zh.startswith("合计")) == 1  # never beside others
    assert not any("合计 all" in zh for zh, _ in labels)


def rep_layout():
    from corridor_geo import load_layout

    return load_layout()


def test_catchment_of_the_callers_facilities(own_report, layout):
    rep, resources, facilities = own_report
    cov = pd.read_csv(rep.tables["catchment_coverage"], encoding="utf-8-sig")
    x, y = TO_GK.transform(facilities.geometry.x.to_numpy(), facilities.geometry.y.to_numpy())
    reach = shapely.union_all(shapely.buffer(shapely.points(x, y), 1500, quad_segs=64))
    for _, city in layout.cities.iterrows():
        geom = shapely.transform(city.geometry, lambda xy: np.column_stack(TO_GK.transform(*xy.T)))
        share = geom.intersection(reach).area / geom.area  # planar: the ratio is what counts
        row = cov[(cov["layer"] == "cities") & (cov["zone"] == city["key"])].iloc[0]
        assert row["area_share"] == pytest.approx(share, rel=1e-3)
    # The caller's resources within reach, counted a second way.
    rx, ry = TO_GK.transform(resources.geometry.x.to_numpy(), resources.geometry.y.to_numpy())
    corridor = rep_layout().union("corridor")
    pts = shapely.points(rx, ry)
    total = cov[(cov["layer"] == "corridor") & (cov["zone"] == "corridor")].iloc[0]
    assert total["covered_resources"] == int(
        (shapely.contains(corridor, pts) & shapely.contains(reach, pts)).sum()
    )
    assert "1500 m" in total["method"] and "estimated" in total["method"]


def test_facilities_from_the_register_and_the_metro(layout, tmp_path):
    ctx = report.ReportContext(
        layout,
        report.ReportConfig(facilities=report.FacilitySpec("register", "university")),
        tmp_path,
    )
    unis = institution_register().accepted
    unis = unis[unis["category"] == "university"]
    assert sorted(ctx.facilities()["facility"]) == sorted(unis["name"])
    ctx = report.ReportContext(
        layout, report.ReportConfig(facilities=report.FacilitySpec("metro", "蓝谷快线")), tmp_path
    )
    assert len(ctx.facilities()) == len(metro_stations(lines="11")) == 21
    ctx = report.ReportContext(
        layout, report.ReportConfig(facilities=report.FacilitySpec("register", "cafés")), tmp_path
    )
    with pytest.raises(InputError, match="the register has no category 'cafés'; it has"):
        ctx.facilities()


def test_isochrones_start_from_the_chosen_facilities(tmp_path):
    rep = report.build_report(
        tmp_path / "r",
        sections=["access"],
        facilities="metro:2",
        config={"isochrones": {"minutes": [10]}},
    )
    iso = pd.read_csv(rep.tables["access_isochrones"], encoding="utf-8-sig")
    line2 = metro_stations(lines="2")
    assert sorted(iso["facility"]) == sorted(line2["name_zh"])
    assert set(iso["minutes"]) == {10}
    # On the schematic network (the corridor only): the stations inside the corridor get an
    # area; those farther than the snap distance (500 m) from it none, and say why.
    corridor = rep_layout().union("corridor")
    x, y = TO_GK.transform(line2["lon"].to_numpy(), line2["lat"].to_numpy())
    distance = shapely.distance(corridor, shapely.points(x, y))  # 0 inside
    iso = iso.set_index("facility").loc[line2["name_zh"]]
    reached = iso["area_km2"].to_numpy() > 0
    assert reached[distance == 0].all() and not reached[distance > 1000].any()
    assert (distance == 0).sum() >= 3 and (distance > 1000).sum() >= 10
    assert iso["reason"].notna().to_numpy()[distance > 1000].all()
    page = rep.html_path.read_text(encoding="utf-8")
    assert "Isochrones around metro stations (line 2)" in page


# --------------------------------------------------------------------------------------
# The table of sections: one entry adds a section; a failing one is shown, not fatal
# --------------------------------------------------------------------------------------
def test_a_section_is_one_entry_and_a_failing_one_is_not_computed(tmp_path, monkeypatch):
    def section_snapshots(ctx):
        years = ctx.input("snapshots")
        body = report.table_html(pd.DataFrame({"year": years}), lang=ctx.lang)
        return report.Section("snapshots", "", body, {"years": pd.DataFrame({"year": years})})

    sections = dict(report.SECTIONS)
    sections["snapshots"] = report.SectionSpec(
        section_snapshots, "Snapshots", "年度数据", needs=("layout", "snapshots")
    )
    monkeypatch.setattr(report, "SECTIONS", sections)
    cfg = report.ReportConfig()
    # By default only when its input is given.
    assert "snapshots" not in report._chosen(cfg, {})
    assert "snapshots" in report._chosen(cfg, {"snapshots": [2024]})
    rep = report.build_report(
        tmp_path / "a",
        sections=["snapshots", "catchment"],
        facilities="register:cafés",  # no such category: the catchment cannot be computed
    )
    assert set(rep.problems) == {"snapshots", "catchment"}
    assert "needs the input(s) ['snapshots']" in rep.problems["snapshots"]
    assert rep.sections == [
        "1. Layout against the plan",
        "2. Snapshots (not computed)",
        "3. Catchments of the facilities (not computed)",
        "Data and provenance",
    ]
    page = rep.html_path.read_text(encoding="utf-8")
    assert "Not computed: facilities: the register has no category" in page.replace("&#x27;", "'")
    rep = report.build_report(
        tmp_path / "b", sections=["snapshots"], inputs={"snapshots": [2024, 2025]}
    )
    assert rep.problems == {}
    assert pd.read_csv(rep.tables["snapshots_years"])["year"].tolist() == [2024, 2025]
    with pytest.raises(InputError, match="keywords of build_report"):
        report.build_report(tmp_path / "c", inputs={"resources": None})


def test_cli_exit_code_when_a_section_is_not_computed(tmp_path, capsys):
    rc = cli.main(
        [
            "report",
            "--out",
            str(tmp_path / "r"),
            "--sections",
            "catchment",
            "--facilities",
            "register:cafés",
            "--quiet",
        ]
    )
    assert rc == 1  # written, but a section could not be computed
    assert (tmp_path / "r" / "report.html").is_file()


def test_zh_tables_have_chinese_headers_and_line_numbers_are_not_metro_lines(tmp_path):
    out = tmp_path / "zh"
    argv = ["report", "--out", str(out), "--lang", "zh", "--sections", "share,access"]
    argv += ["--resources", str(DATA / "resources_gbk_gcj02.csv"), "--datum", "GCJ02"]
    argv += ["--id", "编号", "--name", "名称", "--category", "类别", "--quiet"]
    assert cli.main(argv) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    headers = set(re.findall(r"<th>(.*?)</th>", page))
    own = set(pd.read_csv(DATA / "resources_gbk_gcj02.csv", encoding="gbk", nrows=0).columns)
    english = {h for h in headers - own if re.fullmatch(r"[\x00-\x7f]+", h)}
    assert headers and not english  # the file's own column names stay as written
    rejected = re.search(r"<h3>被拒绝的行</h3>(.*?)</table>", page, flags=re.S).group(1)
    assert "<th>文件行号</th>" in rejected and "线路" not in rejected
    assert "生态圈站点(环大学)" in page  # the isochrones' facilities, named in Chinese
