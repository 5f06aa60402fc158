"""The plan's official figures, names and targets, as data with their sources.

Source of every figure unless stated otherwise: 中共青岛市委办公厅、青岛市人民政府办公厅
《青岛科创大走廊建设实施方案》 (Implementation Plan of the Qingdao Science and Technology
Innovation Corridor), issued 2025-11-07, published 2025-12-01; section 一 (targets) and
section 二 (spatial layout).

Nothing here is computed: these are the figures the layout and the indicators are
checked against.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = [
    "AXIS",
    "CIRCLE_KINDS",
    "CITIES",
    "CORRIDOR",
    "CORRIDOR_STOCK",
    "CORRIDOR_STOCK_SOURCE",
    "CORRIDOR_STOCK_SOURCE_ZH",
    "DISTRICTS",
    "PLAN_SOURCE",
    "QINGDAO",
    "CircleKind",
    "City",
    "official_figures",
]

PLAN_SOURCE = (
    "青岛科创大走廊建设实施方案 (中共青岛市委办公厅 青岛市人民政府办公厅, 2025-11-07), "
    "第二部分 空间布局"
)


@dataclass(frozen=True)
class City:
    """One of the three "cities" (三城) of the plan."""

    key: str
    name_zh: str
    name_en: str
    area_km2: float
    district_code: str
    area_note_zh: str


@dataclass(frozen=True)
class CircleKind:
    """One of the six kinds of ecosystem circle (六类生态圈)."""

    key: str
    name_zh: str
    name_en: str


CORRIDOR = {
    "key": "corridor",
    "name_zh": "青岛科创大走廊",
    "name_en": "Qingdao Science and Technology Innovation Corridor",
    "area_km2": 190.71,
    "length_km": 53.0,
    "boundary_zh": {
        "north": ["大田路"],
        "south": ["香港东路"],
        "west": ["劲松五路", "黑龙江路"],
        "east": ["九水东路", "问海路", "青岛蓝谷东侧海岸线"],
    },
    "boundary_en": {
        "north": ["Datian Road"],
        "south": ["Xianggang East Road"],
        "west": ["Jinsong 5th Road", "Heilongjiang Road"],
        "east": ["Jiushui East Road", "Wenhai Road", "east coastline of Blue Valley"],
    },
}
"""一廊: the corridor as a whole (plan, section 二(一))."""

AXIS = {
    "key": "binhai_avenue",
    "name_zh": "滨海大道",
    "name_en": "Binhai Avenue",
    "length_km": 53.0,
    "south_end_zh": "香港东路",
    "north_end_zh": "大田路",
}
"""The axis (轴线): Binhai Avenue, 53 km north-south (plan, section 二(一))."""

CITIES: tuple[City, ...] = (
    City(
        "ocean", "海洋科技城", "Ocean Science and Technology City", 78.56, "370215", "位于青岛蓝谷"
    ),
    City("youth", "青年科创城", "Youth Science and Innovation City", 26.2, "370213", "位于李沧区"),
    City(
        "digital",
        "数智产业城",
        "Digital-Intelligence Industry City",
        85.95,
        "370212",
        "位于崂山区",
    ),
)
"""三城: the three cities, their official areas and host districts (plan, section 二(二)).

青岛蓝谷 (Blue Valley) is a functional zone inside 即墨区 (district code 370215)."""

CIRCLE_KINDS: tuple[CircleKind, ...] = (
    CircleKind("innovation_source", "科创策源", "Innovation source"),
    CircleKind("university", "环大学", "University ring"),
    CircleKind("international_talent", "国际人才", "International talent"),
    CircleKind("talent_cultivation", "科创人才培育", "S&T talent cultivation"),
    CircleKind("finance", "科技金融", "S&T finance"),
    CircleKind("future_industry", "新兴产业和未来产业", "Emerging and future industries"),
)
"""多圈: the six kinds of ecosystem circle (plan, section 二(三))."""

QINGDAO = {"code": "370200", "name_zh": "青岛市", "name_en": "Qingdao"}

DISTRICTS: dict[str, tuple[str, str]] = {
    "370202": ("市南区", "Shinan District"),
    "370203": ("市北区", "Shibei District"),
    "370211": ("黄岛区", "Huangdao District"),
    "370212": ("崂山区", "Laoshan District"),
    "370213": ("李沧区", "Licang District"),
    "370214": ("城阳区", "Chengyang District"),
    "370215": ("即墨区", "Jimo District"),
    "370281": ("胶州市", "Jiaozhou"),
    "370283": ("平度市", "Pingdu"),
    "370285": ("莱西市", "Laixi"),
}
"""The ten county-level divisions of Qingdao with their administrative codes."""


CORRIDOR_STOCK_SOURCE = (
    "Qingdao's press conference of 2026-01-15 on the corridor (青岛科创大走廊): the "
    "corridor's stock of institutions and firms as announced"
)
"""Where :data:`CORRIDOR_STOCK` comes from (a public figure, not in the plan)."""
CORRIDOR_STOCK_SOURCE_ZH = "2026年1月15日青岛科创大走廊新闻发布会公布的走廊内机构与企业存量"
""":data:`CORRIDOR_STOCK_SOURCE` in Chinese."""

CORRIDOR_STOCK: dict[str, dict[str, object]] = {
    "university": {"count": 8, "name_zh": "高校", "name_en": "universities"},
    "national_lab": {"count": 1, "name_zh": "国家实验室", "name_en": "national laboratory"},
    "state_key_lab": {
        "count": 8,
        "name_zh": "全国重点实验室",
        "name_en": "state key laboratories",
    },
    "mfg_innovation_center": {
        "count": 2,
        "name_zh": "国家制造业创新中心",
        "name_en": "national manufacturing innovation centres",
    },
    "research_institute": {
        "count": 14,
        "name_zh": "省级以上科研院所",
        "name_en": "research institutes of provincial level or above",
    },
    "new_rd_institution": {
        "count": 21,
        "name_zh": "省级新型研发机构",
        "name_en": "provincial new-type R&D institutions",
    },
    "listed_company": {"count": 20, "name_zh": "上市公司", "name_en": "listed companies"},
    "high_tech_enterprise": {
        "count": 998,
        "name_zh": "高新技术企业",
        "name_en": "high-tech enterprises",
    },
    "specialised_sme": {
        "count": 25,
        "name_zh": "专精特新“小巨人”",
        "name_en": "specialised 'little giant' firms",
    },
}
"""The corridor's stock of institutions and firms as the city published it on 2026-01-15.

Keyed by the category of the registry (``data/indicators/categories.csv``) the count
belongs to; ``name_zh``/``name_en`` say what the city counted, which can be narrower than
the category (``research_institute``: provincial level or above; ``specialised_sme``: the
national "little giants" only).  Public validation figures, not plan targets: the report
compares the bundled institution register with them (:data:`CORRIDOR_STOCK_SOURCE`)."""


def official_figures() -> pd.DataFrame:
    """The plan's spatial figures as a tidy table.

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``key``, ``name_zh``, ``name_en``, ``quantity``
        (``"area_km2"`` or ``"length_km"``), ``value`` and ``source``.

    Examples
    --------
    >>> figs = official_figures()
    >>> float(figs.set_index("key").loc["ocean", "value"])
    78.56
    >>> round(float(figs.query("quantity == 'area_km2' and key != 'corridor'")["value"].sum()), 2)
    190.71
    """
    rows = [
        (
            CORRIDOR["key"],
            CORRIDOR["name_zh"],
            CORRIDOR["name_en"],
            "area_km2",
            CORRIDOR["area_km2"],
        ),
        (AXIS["key"], AXIS["name_zh"], AXIS["name_en"], "length_km", AXIS["length_km"]),
    ]
    rows += [(c.key, c.name_zh, c.name_en, "area_km2", c.area_km2) for c in CITIES]
    df = pd.DataFrame(rows, columns=["key", "name_zh", "name_en", "quantity", "value"])
    df["source"] = PLAN_SOURCE
    return df
