"""What a reader of the report sees: words in the report's language, city names instead of
internal keys, percentages aligned and kept on one line."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from corridor_geo import load_layout, report

SECTIONS = ["share", "density", "profile", "access"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module", params=["en", "zh"])
def built(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"display_{request.param}") / "r"
    report.build_report(out, sections=SECTIONS, lang=request.param, progress=False)
    page = (out / "report.html").read_text(encoding="utf-8")
    page = re.sub(r'<iframe.*?</iframe>|src="data:[^"]*"', "", page, flags=re.S)
    return request.param, out, page


def _section(page: str, key: str) -> str:
    start = page.index(f'<section id="{key}"')
    return page[start : page.index("</section>", start)]


def _rows(html_table: str) -> list[list[str]]:
    body = html_table[html_table.index("<tbody>") : html_table.index("</tbody>")]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("<tr>")[1:]]


def test_badges_and_captions_are_in_the_report_language(built):
    lang, _, page = built
    badges = re.findall(r'<span class="badge[^"]*">(.*?)</span>', page)
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page, flags=re.S)
    assert badges and captions
    header = (
        "（EPSG:4549；QGIS 工程 corridor_report.qgz）"
        if lang == "zh"
        else "(EPSG:4549; QGIS project corridor_report.qgz)"
    )
    assert header in page  # the header's words
    if lang == "zh":
        assert [b for b in badges if not CJK.search(b)] == []  # "indicative" was left
        assert [c for c in captions if not CJK.search(c)] == []  # "Targets", "Kernel density"
    else:
        assert "indicative" in badges
        assert [b for b in badges if CJK.search(b)] == []


def test_travel_time_by_city_names_the_cities_and_counts_the_csv(built):
    lang, out, page = built
    layout = load_layout()
    section = _section(page, "access")
    table = section[section.index("<table>") : section.index("</table>") + 8]
    rows = _rows(table)
    # Oracle: the routed resources of the CSV, per city key, in the layout's order.
    csv = pd.read_csv(out / "tables" / "access_time_to_axis.csv", encoding="utf-8-sig")
    routed = csv[csv["reachable"]].groupby("city").size()
    keys = [k for k in layout.cities["key"] if k in routed.index]
    names = dict(zip(layout.cities["key"], layout.cities["name_zh"]))
    english = dict(zip(layout.cities["key"], layout.cities["name_en"]))
    assert [r[0] for r in rows[: len(keys)]] == [names[k] for k in keys]
    assert [r[1] for r in rows[: len(keys)]] == [english[k] for k in keys]
    assert [int(r[2].replace(",", "")) for r in rows[: len(keys)]] == [routed[k] for k in keys]
    outside = "三城以外" if lang == "zh" else "outside the cities"
    assert rows[-1][0] == outside and int(rows[-1][2]) == routed["outside the cities"]
    assert not set(layout.cities["key"]) & {c for r in rows for c in r}


def test_profile_by_city_names_the_cities(built):
    lang, out, page = built
    layout = load_layout()
    section = _section(page, "profile")
    table = section[section.index("<table>") : section.index("</table>") + 8]
    profile = pd.read_csv(out / "tables" / "profile_axis_profile.csv", encoding="utf-8-sig")
    counts = profile.groupby("city")["count"].sum()
    names = dict(zip(layout.cities["key"], layout.cities["name_zh"]))
    shown = {r[0]: int(r[2].replace(",", "")) for r in _rows(table)}
    assert shown == {names[k]: int(n) for k, n in counts.items()}
    peak = profile.loc[profile["count_per_km"].idxmax()]
    column = "name_zh" if lang == "zh" else "name_en"
    name = layout.cities.set_index("key").loc[peak["city"], column]
    stretch = (
        f"{peak['start_km']:g}–{peak['end_km']:g} 公里（{name}）"
        if lang == "zh"
        else f"km {peak['start_km']:g}-{peak['end_km']:g} ({name})"
    )
    assert stretch in section


def test_percentages_are_right_aligned_like_numbers(built):
    _, _, page = built
    cells = re.findall(r"<td([^>]*)>([^<]*%)</td>", _section(page, "share"))
    assert cells  # the targets' values, targets and gaps
    assert [text for attrs, text in cells if 'class="num"' not in attrs] == []
    css = re.search(r"td\.num \{([^}]*)\}", page).group(1)
    assert "white-space: nowrap" in css  # "38.4 %" never breaks before the sign
    # Nor do headers and verdicts ("当前", "未通过") break between their characters.
    for rule in (r"th \{([^}]*)\}", r"td\.pass, td\.fail \{([^}]*)\}"):
        assert "white-space: nowrap" in re.search(rule, page).group(1)
