"""A Chinese report is Chinese prose: no English sentence left on the page, and the
translated sentences carry the numbers the run computed (the CSV tables are the oracle)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from corridor_geo import cli, load_layout

SECTIONS = (
    "layout,metro,register,subdistricts,share,density,profile,access,transit,catchment,scenario"
)

# Three or more English words in a row (identifiers such as corridor_geo.population or
# tables/x.csv count as one word; numbers and CJK text break a run).
WORD = r"[A-Za-z][A-Za-z0-9_.'’*/-]*"
ENGLISH_RUN = re.compile(rf"{WORD}(?:[ \t,;:()]+{WORD}){{2,}}")

ALLOWED = (
    # the default title is the corridor's bilingual name
    "Qingdao Science and Technology Innovation Corridor",
)


class _Visible(HTMLParser):
    """The text a reader sees, block by block, without data tables, code, maps, images,
    the bundled SOURCES.md (``<details>``) and attribution credits."""

    SKIP = frozenset({"style", "script", "table", "code", "details", "pre", "iframe", "title"})
    BLOCKS = frozenset(
        {"p", "li", "h1", "h2", "h3", "figcaption", "footer", "header", "nav", "br"}
    )
    VOID = frozenset({"br", "img", "meta", "link", "hr", "input"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.skipping = 0
        self.blocks: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.flush()
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        skip = tag in self.SKIP or "credit" in classes
        self.stack.append((tag, skip))
        self.skipping += skip

    def handle_endtag(self, tag):
        while self.stack:
            name, skip = self.stack.pop()
            self.skipping -= skip
            if name == tag:
                break
        if tag in self.BLOCKS:
            self.flush()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)

    def flush(self):
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []


def visible_blocks(page: str, credits: list[str]) -> list[str]:
    parser = _Visible()
    parser.feed(page)
    parser.flush()
    out = []
    for block in parser.blocks:
        for text in (*credits, *ALLOWED):
            block = block.replace(text, " ")
        out.append(block)
    return out


@pytest.fixture(scope="module")
def zh(tmp_path_factory):
    """``corridor-geo report --lang zh`` with every section that runs on bundled data."""
    out = tmp_path_factory.mktemp("zh_prose") / "out"
    argv = ["report", "--out", str(out), "--lang", "zh", "--quiet"]
    argv += ["--sections", SECTIONS, "--scenario-buffer", "500"]
    assert cli.main(argv) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    credits = [html.unescape(c) for c in re.findall(r"<li class='credit'>(.*?)</li>", page)]
    return out, page, credits


def table(out, name):
    return pd.read_csv(out / "tables" / f"{name}.csv", encoding="utf-8-sig")


def test_no_english_prose_left(zh):
    _, page, credits = zh
    assert credits, "the provenance section lists the credits"
    titles = re.findall(r"<h2>(.*?)</h2>", page)
    assert len(titles) == len(SECTIONS.split(",")) + 1, titles  # every section computed
    blocks = visible_blocks(page, credits)
    assert len(blocks) > 40
    english = [(m.group(0), b) for b in blocks for m in ENGLISH_RUN.finditer(b)]
    assert not english, "\n".join(f"{run!r} in {block[:160]!r}" for run, block in english)
    prose = "".join(blocks)
    for sentence in ("步行可达范围", "直线距离", "合成数据", "示意路网", "测地"):
        assert sentence in prose


def test_the_extractor_finds_english(zh):
    """The check above can fail: an English sentence in a paragraph is found."""
    page = "<p>走廊内 <strong>27</strong> stations lie in the corridor.</p><p>站点</p>"
    blocks = visible_blocks(page, [])
    assert [m.group(0) for b in blocks for m in ENGLISH_RUN.finditer(b)] == [
        "stations lie in the corridor."
    ]
    hidden = "<table><tr><td>lies in the corridor</td></tr></table><span class='credit'>a b c"
    assert not any(ENGLISH_RUN.search(b) for b in visible_blocks(hidden + "</span>", []))


def test_metro_sentence_carries_the_computed_numbers(zh):
    out, page, _ = zh
    row = table(out, "metro_by_city").set_index("zone").loc["corridor"]
    found = re.search(
        r"<p>全市 (\d+) 座地铁站中，<strong>(\d+)</strong> 座位于走廊内（全市占比 ([\d.]+) %），"
        r"沿滨海大道每公里 ([\d.]+) 座；走廊面积的 ([\d.]+) % 位于车站 (\d+) 米范围内。</p>",
        page,
    )
    assert found, "the metro paragraph"
    city, inside, share, per_km, area, radius = found.groups()
    assert int(city) == row["city_count"] and int(inside) == row["stations"]
    assert float(share) == pytest.approx(100 * row["stations"] / row["city_count"], abs=0.05)
    assert float(share) == pytest.approx(100 * row["share_of_city"], abs=0.05)
    assert float(per_km) == pytest.approx(row["stations_per_axis_km"], abs=0.005)
    assert float(area) == pytest.approx(100 * row["area_share"], abs=0.05)
    assert int(radius) == 800


def test_checks_register_and_subdistrict_sentences(zh):
    out, page, _ = zh
    validation = table(out, "layout_validation")
    judged = validation[validation["verdict"].isin(["pass", "fail"])]
    found = re.search(r"共 (\d+) 项检查，<strong>(\d+)</strong> 项通过", page)
    assert found and int(found[1]) == len(judged)
    assert int(found[2]) == int((judged["verdict"] == "pass").sum())

    uni = table(out, "register_summary").set_index("category").loc["university"]
    found = re.search(
        r"在走廊内设有校区的高校共 <strong>(\d+)</strong> 所（计入各点位精度，确定在内 (\d+) 所，"
        r"可能在内 (\d+) 所），官方数为 <strong>(\d+)</strong> 所",
        page,
    )
    assert found, "the register paragraph"
    assert [int(v) for v in found.groups()] == [
        int(uni["in_corridor"]),
        int(uni["certain"]),
        int(uni["possible"]),
        int(uni["official_corridor"]),
    ]

    subs = table(out, "subdistricts_figures")
    overlap = subs[subs["corridor_km2"] >= 0.01]
    found = re.search(r"共有 (\d+) 个街道（镇）与走廊相交.*?合计覆盖走廊 ([\d.,]+) km²", page)
    assert found and int(found[1]) == len(overlap)
    assert float(found[2].replace(",", "")) == pytest.approx(
        overlap["corridor_km2"].sum(), abs=0.01
    )


def test_places_are_named_in_chinese(zh):
    """The densest stretch of the profile names its city by its Chinese name."""
    out, page, _ = zh
    profile = table(out, "profile_axis_profile")
    peak = profile.loc[profile["count_per_km"].idxmax()]
    names = load_layout().cities.set_index("key")["name_zh"]
    expected = (
        f"资源最密集路段：{peak['start_km']:g}–{peak['end_km']:g} 公里（{names[peak['city']]}），"
        f"每公里 {peak['count_per_km']:.0f} 项资源。"
    )
    assert expected in page
    excluded = re.search(r"未计入剖面的资源（走廊外）：超出轴线端点 ([\d,]+) 项", page)
    assert excluded, "the profile note names what it leaves out"


def test_english_report_keeps_its_sentences(styled_report):
    """The English report says the same in English (its own CSV the oracle)."""
    rep = styled_report[0]
    page = rep.html_path.read_text(encoding="utf-8")
    row = table(rep.html_path.parent, "metro_by_city").set_index("zone").loc["corridor"]
    expected = (
        f"<p><strong>{int(row['stations'])}</strong> of the city's {int(row['city_count'])} "
        f"stations lie in the corridor ({100 * row['share_of_city']:.1f} %), "
        f"{row['stations_per_axis_km']:.2f} per km of Binhai Avenue; "
        f"{100 * row['area_share']:.1f} % of the corridor's area lies within 800 m of a "
        "station.</p>"
    )
    assert expected in page
    assert "checks passed. Areas and lengths are geodesic (WGS 84 ellipsoid)." in page
    assert "步行可达范围" not in page and "合成数据" not in page


def test_transit_sentence_states_the_network_parameters(zh):
    """The walking model is described from the metro network's own parameters."""
    from corridor_geo.network import multimodal_graph

    _, page, _ = zh
    g = multimodal_graph().graph
    found = re.search(r"（内置地铁网络：([^）]*)）。(目标：[^<]*)?", page)
    assert found, "the transit paragraph"
    text = found[1]
    assert f"步速 {g['walk_kph']:g} km/h" in text
    assert f"候车时间取发车间隔的 {g['wait_factor']:g} 倍" in text
    assert f"从街面到站台 {g['station_min']:g} 分钟" in text
    assert f"每次换乘 {g['transfer_min']:g} 分钟" in text
    assert found[2] and re.fullmatch(r"目标：距轴线 \d+ 米以内的 \d+ 座地铁站.*。", found[2])
