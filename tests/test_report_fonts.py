"""Chinese text in the report's figures is drawn, never as empty boxes.

Matplotlib warns "Glyph ... missing from font(s)" when it draws a character its font
lacks; the test configuration turns warnings into errors, so building the figures is the
check.  Skipped where no CJK font is installed (the figures then fall back to English).
"""

from __future__ import annotations

import pytest

import corridor_geo as cg
from corridor_geo import plotting, report


@pytest.fixture(scope="module")
def cjk():
    family = plotting.cjk_font()
    if family is None:
        pytest.skip("no CJK font installed (e.g. Debian's fonts-noto-cjk)")
    return family


def test_zh_metro_section_draws_every_glyph(cjk, tmp_path):
    rep = report.build_report(tmp_path / "r", lang="zh", sections=["metro"], progress=False)
    assert rep.problems == {} and rep.sections[0].startswith("1.")


def test_chinese_user_categories_in_the_profile_legend(cjk, layout):
    points = cg.synthetic_resources(300, seed=5, corridor_share=1.0, layout=layout)
    points["category"] = ["实验室" if i % 2 else "孵化器" for i in range(len(points))]
    profile = cg.axis_profile(points, layout=layout, bin_km=2.0, category="category")
    fig = plotting.plot_axis_profile(profile, lang="en")
    fig.canvas.draw()  # the glyphs are looked up when the figure is drawn
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert sorted(labels) == ["孵化器", "实验室"]
