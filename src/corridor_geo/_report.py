"""The report's configuration and its words in two languages (private to :mod:`report`).

A report is configured by a :class:`ReportConfig`: built in Python, or read from a small
TOML file by :func:`read_config` (``corridor-geo report --config report.toml``).  Every
key is checked; a wrong one raises :class:`~corridor_geo.InputError` naming the key and
the values it accepts.  The file format is documented in ``docs/report.md``.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ._errors import CorridorGeoError, InputError
from ._text import on_command_line

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LANGUAGES = ("en", "zh")
"""Languages of the report's titles and labels."""
FACILITY_SOURCES = ("circles", "register", "metro", "file")
"""Where the facilities of the isochrones and catchments come from."""
DEFAULT_CRS = "EPSG:4549"


@dataclass(frozen=True)
class FacilitySpec:
    """The facilities isochrones and catchments start from.

    ``source``: ``"circles"`` (the anchor sites of the layout's ecosystem circles,
    ``kind`` a circle kind such as ``"university"``/``"环大学"``, all kinds when empty),
    ``"register"`` (the bundled institution register, ``kind`` a category key such as
    ``"university"``), ``"metro"`` (the metro stations, ``kind`` a line such as ``"11"``
    or ``"蓝谷快线"``, every line when empty) or ``"file"`` (a points file at ``path``,
    coordinates in ``datum`` unless the file says).
    """

    source: str = "circles"
    kind: str | None = "university"
    path: str | None = None
    datum: str | None = None

    def describe(self) -> str:
        """The spec as written on the command line (``source:kind`` or the path).

        Examples
        --------
        >>> FacilitySpec().describe(), FacilitySpec("file", None, "a.csv").describe()
        ('circles:university', 'a.csv')
        """
        if self.source == "file":
            return str(self.path)
        return f"{self.source}:{self.kind}" if self.kind else self.source


@dataclass(frozen=True)
class ReportConfig:
    """What the report contains and how it says it.

    Parameters
    ----------
    sections : tuple of str, optional
        The sections, in order, by key (see ``corridor_geo.report.SECTIONS``); ``None``
        for the default ones.  The layout (its checks decide the exit code) and the data
        and provenance section (the data's attribution) are always included.
    lang : {"en", "zh"}
        Language of the report: section titles, badges, table headers and the
        explanatory text.
    crs : str
        CRS of the GeoPackage: ``"EPSG:4549"`` (default), ``"WGS84"``, ``"CGCS2000"``,
        ``"GCJ02"`` or any CRS pyproj knows.
    title : str, optional
        Title of the page.
    facilities : FacilitySpec
        Origins of the isochrones (access section) and centres of the catchments.
    isochrone_minutes : tuple of float
        The isochrone bands.
    catchment_radius_m : float
        Reach of the catchment section, metres, straight line.
    catchment_layers : tuple of str
        Zone layers the catchment section reports on.
    metro_radius_m : float
        Walking reach of a metro station in the metro section, metres, straight line.
    metro_bin_km : float
        Length of the chainage bins of the stations-per-km profile.
    categories : mapping
        ``{category: (label_zh, label_en)}``: labels of categories (the caller's own, or
        the registry's to rename them); a category without a label shows its own name.
    """

    sections: tuple[str, ...] | None = None
    lang: str = "en"
    crs: str = DEFAULT_CRS
    title: str | None = None
    facilities: FacilitySpec = field(default_factory=FacilitySpec)
    isochrone_minutes: tuple[float, ...] = (5.0, 10.0, 15.0)
    catchment_radius_m: float = 800.0
    catchment_layers: tuple[str, ...] = ("corridor", "cities", "districts")
    metro_radius_m: float = 800.0
    metro_bin_km: float = 5.0
    categories: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def updated(self, **changes: Any) -> ReportConfig:
        """A copy with the given fields changed (``None`` values leave a field as it is).

        Examples
        --------
        >>> ReportConfig().updated(lang="zh", crs=None).lang
        'zh'
        """
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


# --------------------------------------------------------------------------------------
# Reading and checking a configuration
# --------------------------------------------------------------------------------------
_TOP_KEYS = ("sections", "lang", "crs", "title")
_TABLES: dict[str, tuple[str, ...]] = {
    "facilities": ("source", "kind", "path", "datum"),
    "isochrones": ("minutes",),
    "catchment": ("radius_m", "layers"),
    "metro": ("radius_m", "bin_km"),
    "categories": (),  # one sub-table per category, keys zh and en
}
_CATEGORY_KEYS = ("zh", "en")


def _allowed(values: Sequence[str]) -> str:
    return ", ".join(repr(v) for v in values)


ARGUMENTS = "the arguments"
"""The source of options given as ``build_report`` keywords or command-line flags."""


class _Checker:
    """Checks values of one configuration, naming its source in every message."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> InputError:
        if self.source == ARGUMENTS:  # named as the user gave it: a flag or a keyword
            where = f"--{key.replace('_', '-')}" if on_command_line() else f"{key}=..."
            return InputError(f"report option {where}: {problem}")
        return InputError(f"report config {self.source}: {key}: {problem}")

    def text(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty text, got {value!r}")
        return value.strip()

    def choice(self, key: str, value: Any, allowed: Sequence[str]) -> str:
        if not isinstance(value, str) or value.strip() not in allowed:
            raise self.fail(key, f"{value!r} is not allowed; use one of {_allowed(allowed)}")
        return value.strip()

    def positive(self, key: str, value: Any, unit: str) -> float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not math.isfinite(float(value)) or float(value) <= 0:
            raise self.fail(key, f"must be a positive number ({unit}), got {value!r}")
        return float(value)

    def names(self, key: str, value: Any, allowed: Sequence[str] | None) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not value:
            raise self.fail(key, f"must be a non-empty list of names, got {value!r}")
        out = []
        for item in value:
            name = self.text(key, item)
            if allowed is not None and name not in allowed:
                raise self.fail(
                    key, f"unknown name {name!r}; the allowed values are {_allowed(allowed)}"
                )
            if name not in out:
                out.append(name)
        return tuple(out)

    def table(self, key: str, value: Any, allowed: Sequence[str]) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, f"must be a table ([{key}]), got {value!r}")
        unknown = [k for k in value if k not in allowed]
        if unknown and allowed:
            raise self.fail(
                f"{key}.{unknown[0]}", f"unknown key; the keys of [{key}] are {_allowed(allowed)}"
            )
        return dict(value)


def check_facilities(value: Any, *, source: str = ARGUMENTS) -> FacilitySpec:
    """A :class:`FacilitySpec` from a mapping or from ``source[:kind]`` / a path.

    Examples
    --------
    >>> check_facilities("metro:11")
    FacilitySpec(source='metro', kind='11', path=None, datum=None)
    >>> check_facilities("sites.csv").path
    'sites.csv'
    >>> check_facilities("bus")
    Traceback (most recent call last):
    ...
    corridor_geo._errors.InputError: report option facilities=...: 'bus' is ...
    """
    c = _Checker(source)
    if isinstance(value, FacilitySpec):
        return value
    if isinstance(value, (str, os.PathLike)):
        text = os.fspath(value).strip()
        head, _, kind = text.partition(":")
        if head in FACILITY_SOURCES and head != "file":
            return FacilitySpec(head, kind.strip() or None)
        if Path(text).suffix:
            return FacilitySpec("file", None, text)
        raise c.fail(
            "facilities",
            f"{text!r} is neither a source ({_allowed(FACILITY_SOURCES[:3])}, optionally "
            "followed by :kind, e.g. circles:university, register:university, metro:11) "
            "nor a points file (e.g. sites.csv)",
        )
    table = c.table("facilities", value, _TABLES["facilities"])
    src = c.choice("facilities.source", table.get("source", "circles"), FACILITY_SOURCES)
    kind = c.text("facilities.kind", table["kind"]) if "kind" in table else None
    path = c.text("facilities.path", table["path"]) if "path" in table else None
    datum = c.text("facilities.datum", table["datum"]) if "datum" in table else None
    if src == "file" and path is None:
        raise c.fail("facilities.path", "is required with source = 'file' (a points file)")
    if src != "file" and path is not None:
        raise c.fail("facilities.path", f"applies to source = 'file' only, not {src!r}")
    if src == "circles" and "kind" not in table:
        kind = "university"
    return FacilitySpec(src, kind, path, datum)


def parse_config(
    data: Mapping[str, Any],
    *,
    source: str = "(mapping)",
    sections: Sequence[str],
    layers: Sequence[str],
    base: ReportConfig | None = None,
) -> ReportConfig:
    """A :class:`ReportConfig` from the mapping a TOML file holds, every key checked.

    ``sections`` and ``layers`` are the names allowed for ``sections`` and
    ``catchment.layers``; keys not given keep the values of ``base``.

    Examples
    --------
    >>> cfg = parse_config({"lang": "zh", "catchment": {"radius_m": 500}},
    ...                    sections=["metro"], layers=["cities"])
    >>> cfg.lang, cfg.catchment_radius_m
    ('zh', 500.0)
    >>> parse_config({"lang": "fr"}, sections=[], layers=[])
    Traceback (most recent call last):
    ...
    corridor_geo._errors.InputError: report config (mapping): lang: 'fr' is not allowed; ...
    """
    c = _Checker(source)
    cfg = base or ReportConfig()
    if not isinstance(data, Mapping):
        raise c.fail("(top level)", f"must be a table of keys, got {type(data).__name__}")
    allowed = (*_TOP_KEYS, *_TABLES)
    for key in data:
        if key not in allowed:
            raise c.fail(key, f"unknown key; the allowed keys are {_allowed(allowed)}")
    changes: dict[str, Any] = {}
    if "sections" in data:
        changes["sections"] = c.names("sections", data["sections"], list(sections))
    if "lang" in data:
        changes["lang"] = c.choice("lang", data["lang"], LANGUAGES)
    if "crs" in data:
        from .crs import resolve_crs

        text = c.text("crs", data["crs"])
        try:
            resolve_crs(text)
        except CorridorGeoError:
            raise c.fail(
                "crs",
                f"{text!r} is not a CRS; use one of 'EPSG:4549', 'WGS84', 'CGCS2000', "
                "'GCJ02' or another EPSG code",
            ) from None
        changes["crs"] = text
    if "title" in data:
        changes["title"] = c.text("title", data["title"])
    if "facilities" in data:
        changes["facilities"] = check_facilities(data["facilities"], source=source)
    if "isochrones" in data:
        table = c.table("isochrones", data["isochrones"], _TABLES["isochrones"])
        if "minutes" in table:
            minutes = table["minutes"]
            if not isinstance(minutes, list) or not minutes:
                raise c.fail("isochrones.minutes", f"must be a list of minutes, got {minutes!r}")
            changes["isochrone_minutes"] = tuple(
                sorted({c.positive("isochrones.minutes", m, "minutes") for m in minutes})
            )
    if "catchment" in data:
        table = c.table("catchment", data["catchment"], _TABLES["catchment"])
        if "radius_m" in table:
            changes["catchment_radius_m"] = c.positive(
                "catchment.radius_m", table["radius_m"], "metres"
            )
        if "layers" in table:
            changes["catchment_layers"] = c.names("catchment.layers", table["layers"], layers)
    if "metro" in data:
        table = c.table("metro", data["metro"], _TABLES["metro"])
        if "radius_m" in table:
            changes["metro_radius_m"] = c.positive("metro.radius_m", table["radius_m"], "metres")
        if "bin_km" in table:
            changes["metro_bin_km"] = c.positive("metro.bin_km", table["bin_km"], "km")
    if "categories" in data:
        table = c.table("categories", data["categories"], ())
        labels: dict[str, tuple[str | None, str | None]] = dict(cfg.categories)
        for name, value in table.items():
            key = f"categories.{name}"
            if isinstance(value, str):  # one label for both languages
                text = c.text(key, value)
                labels[str(name)] = (text, text)
                continue
            entry = c.table(key, value, _CATEGORY_KEYS)
            if not entry:
                raise c.fail(key, "give zh and/or en labels, e.g. {zh = '咖啡馆', en = 'Cafés'}")
            zh = c.text(f"{key}.zh", entry["zh"]) if "zh" in entry else None
            en = c.text(f"{key}.en", entry["en"]) if "en" in entry else None
            labels[str(name)] = (zh or en, en or zh)
        changes["categories"] = labels
    return cfg.updated(**changes)


def read_config_file(
    path: str | os.PathLike[str], *, sections: Sequence[str], layers: Sequence[str]
) -> ReportConfig:
    """Read and check a TOML report configuration (see :func:`parse_config`)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"report config: no such file {str(p)!r}")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"report config {p.name}: not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"report config {p.name}: not valid TOML: {exc}") from None
    return parse_config(data, source=p.name, sections=sections, layers=layers)


def config_to_mapping(cfg: ReportConfig) -> dict[str, Any]:
    """The configuration as the mapping a TOML file holds (the inverse of :func:`parse_config`).

    Examples
    --------
    >>> m = config_to_mapping(ReportConfig(lang="zh", categories={"cafe": ("咖啡馆", "Cafés")}))
    >>> m["lang"], m["categories"]
    ('zh', {'cafe': {'zh': '咖啡馆', 'en': 'Cafés'}})
    """
    if not isinstance(cfg.facilities, FacilitySpec):
        raise InputError(
            f"ReportConfig.facilities must be a FacilitySpec, got {type(cfg.facilities).__name__}"
        )
    fac = {
        k: v
        for k, v in (
            ("source", cfg.facilities.source),
            ("kind", cfg.facilities.kind),
            ("path", cfg.facilities.path),
            ("datum", cfg.facilities.datum),
        )
        if v is not None
    }
    out: dict[str, Any] = {
        "lang": cfg.lang,
        "crs": cfg.crs,
        "facilities": fac,
        "isochrones": {"minutes": list(cfg.isochrone_minutes)},
        "catchment": {"radius_m": cfg.catchment_radius_m, "layers": list(cfg.catchment_layers)},
        "metro": {"radius_m": cfg.metro_radius_m, "bin_km": cfg.metro_bin_km},
    }
    if cfg.sections is not None:
        out["sections"] = list(cfg.sections)
    if cfg.title is not None:
        out["title"] = cfg.title
    if cfg.categories:
        if not isinstance(cfg.categories, Mapping):
            raise InputError("ReportConfig.categories must map a category to (label_zh, label_en)")
        cats: dict[str, Any] = {}
        for name, labels in cfg.categories.items():
            if isinstance(labels, str):
                cats[str(name)] = labels
                continue
            if not isinstance(labels, (tuple, list)) or len(labels) != 2:
                raise InputError(
                    f"ReportConfig.categories[{name!r}] must be (label_zh, label_en), "
                    f"got {labels!r}"
                )
            cats[str(name)] = {k: v for k, v in zip(("zh", "en"), labels) if v is not None}
        out["categories"] = cats
    return out


def check_config(
    cfg: ReportConfig, *, sections: Sequence[str], layers: Sequence[str]
) -> ReportConfig:
    """A :class:`ReportConfig` built in Python, checked as a file would be.

    Examples
    --------
    >>> check_config(ReportConfig(lang="fr"), sections=[], layers=[])
    Traceback (most recent call last):
    ...
    corridor_geo._errors.InputError: report config ReportConfig: lang: 'fr' is not allowed; ...
    """
    if not isinstance(cfg, ReportConfig):
        raise InputError(f"config must be a ReportConfig, got {type(cfg).__name__}")
    return parse_config(
        config_to_mapping(cfg), source="ReportConfig", sections=sections, layers=layers
    )


def config_fields() -> list[str]:
    """Names of the :class:`ReportConfig` fields (for messages and docs).

    Examples
    --------
    >>> config_fields()[:3]
    ['sections', 'lang', 'crs']
    """
    return [f.name for f in fields(ReportConfig)]


# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------
TEXT: dict[str, tuple[str, str]] = {
    # (English, Chinese)
    "synthetic data": ("synthetic data", "合成数据"),
    "schematic network": ("schematic network", "示意路网"),
    "real data": ("real data", "真实数据"),
    "estimated": ("estimated", "估算"),
    # the status of a layout layer
    "indicative": ("indicative", "示意"),
    "user-supplied": ("user-supplied", "用户提供"),
    "not computed": ("not computed", "未计算"),
    "Not computed": ("Not computed", "未计算"),
    "all": ("all", "合计"),
    "generated": ("corridor_geo report · generated", "corridor_geo 报告 · 生成于"),
    "layers in": ("layers in", "图层见"),
    "QGIS project": ("QGIS project", "QGIS 工程"),
    "footer": (
        "All figures computed by corridor_geo in this run. Bundled layers are indicative; "
        "replace them with authoritative files for official use.",
        "所有数值均由 corridor_geo 在本次运行中计算。内置图层为示意性数据；"
        "正式使用请替换为权威数据。",
    ),
    "register incomplete": ("register incomplete", "名录不完整"),
    "consistent": ("consistent within accuracy", "在精度范围内一致"),
    "more than official": ("more than the official count", "多于官方数"),
    "pass": ("pass", "通过"),
    "fail": ("fail", "未通过"),
}

COLUMNS_ZH: dict[str, str] = {
    "check": "检查项",
    "subject": "对象",
    "official": "官方数值",
    "measured": "测量值",
    "unit": "单位",
    "tolerance": "容差",
    "passed": "结果",
    "category": "类别",
    "category_label": "类别",
    "count": "数量",
    "city_count": "全市数量",
    "share of city": "占全市比例",
    "share_of_city": "占全市比例",
    "name_zh": "名称",
    "name_en": "英文名称",
    "zone": "区域",
    "layer": "图层",
    "city": "城",
    "area_km2": "面积(km²)",
    "covered_km2": "覆盖面积(km²)",
    "area_share": "面积占比",
    "population": "人口",
    "covered_population": "覆盖人口",
    "population_share": "人口占比",
    "stations": "站点数",
    "stations_per_km": "每公里站点数",
    "length_km": "长度(km)",
    "per_km": "每公里",
    "per_km2": "每平方公里",
    "line": "线路",
    "institution": "机构",
    "campus_rows": "校区条目",
    "institutions": "机构数",
    "in_corridor": "走廊内",
    "certain": "确定在内",
    "possible": "可能在内",
    "official_corridor": "官方走廊数",
    "city_wide": "全市",
    "verdict": "判断",
    "district": "区(市)",
    "subdistrict": "街道/镇",
    "corridor_km2": "走廊内面积(km²)",
    "corridor_share": "走廊内面积占比",
    "population_estimated": "人口(估算)",
    "population_in_corridor_estimated": "走廊内人口(估算)",
    "register_rows": "名录条目",
    "universities": "高校校区",
    "median_min": "中位时间(分钟)",
    "routed": "可达数量",
    "share_within_10_min": "10分钟内占比",
    "facility": "设施",
    "minutes": "分钟",
    "accuracy_m": "精度(米)",
    "target": "目标",
    "value": "数值",
    "met": "达成",
    "current": "当前",
    "base": "基期",
    "gap": "差距",
    "method": "方法",
    "input": "输入",
    "used": "使用的数据",
    "axis_km": "滨海大道长度(km)",
    "stations_per_axis_km": "每公里站点数",
    "colour": "颜色",
    "campus": "校区",
    "edge_distance_m": "距边界(米)",
    "position": "位置",
    "population_est": "人口(估算)",
    "covered_population_est": "覆盖人口(估算)",
    "line_number": "文件行号",
    "source_row": "源数据行",
    "reason": "原因",
    "category_zh": "类别(中文)",
    "category_en": "类别(英文)",
    "resources": "资源数",
    "covered_resources": "覆盖资源数",
    "resources_within": "可达资源数",
    "resources_share": "资源占比",
    "area_within_km2": "可达面积(km²)",
    "city_en": "城(英文)",
    "name": "名称",
    "kind": "类型(键)",
    "kind_zh": "类型",
    "weight": "权重",
    "share": "占比",
    "density": "密度",
    "year": "年份",
    "on_track": "是否可达成",
    "status": "状态",
    "note": "说明",
    "source": "来源",
    "difference": "差值",
    "rel_difference": "相对差值",
    "station": "站点",
    "stations_within": "范围内站点数",
    "total": "合计",
    "buffer_m": "缓冲(米)",
    "n_edges": "路段数",
    "network": "路网",
    "point": "点",
    "site_zh": "站点名称",
    "site_en": "站点(英文)",
}


def say(key: str, lang: str) -> str:
    """The report's word for ``key`` in ``lang`` (``key`` itself if it has none).

    Examples
    --------
    >>> say("synthetic data", "zh"), say("synthetic data", "en"), say("other", "zh")
    ('合成数据', 'synthetic data', 'other')
    """
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]


def column_label(column: str, lang: str) -> str:
    """The header of a table column in ``lang`` (the column name in English).

    Examples
    --------
    >>> column_label("count", "zh"), column_label("count", "en")
    ('数量', 'count')
    """
    return COLUMNS_ZH.get(column, column) if lang == "zh" else column
