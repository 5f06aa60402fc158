"""What the Chinese map services answer, and what their answers mean (private).

Request and response formats follow each service's documentation:

* Amap (高德) Web Service API v3: ``/v3/geocode/geo`` (``key``, ``address``, ``city``,
  ``output=JSON``) answers ``{"status": "1", "info": "OK", "infocode": "10000",
  "count": "1", "geocodes": [{"formatted_address", "location": "lng,lat", "level",
  "adcode", ...}]}`` in GCJ-02; ``/v3/place/polygon`` (``polygon`` as ``lng,lat|lng,lat``,
  ``types``, ``offset`` up to 25, ``page``) answers ``{"status", "count", "pois":
  [{"id", "name", "type", "typecode", "address", "location", ...}]}``; paging stops
  at 200 results per request.  Errors: ``status "0"`` with ``info``/``infocode``
  (10001 INVALID_USER_KEY, 10003 DAILY_QUERY_OVER_LIMIT, 10004 ACCESS_TOO_FREQUENT...).
* Baidu (百度) geocoding v3: ``/geocoding/v3/`` (``ak``, ``address``, ``city``,
  ``output=json``) answers ``{"status": 0, "result": {"location": {"lng", "lat"},
  "precise", "confidence", "comprehension", "level"}}`` in BD-09; other ``status``
  values are errors (1 server error or no result, 2 invalid parameters, 101-261 key
  and permission errors, 301/302 quota, 401/402 concurrency).
* Tianditu (天地图) geocoder: ``/geocoder?ds={"keyWord": ...}&tk=...`` answers
  ``{"status": "0", "msg": "ok", "location": {"lon", "lat", "level", "score"}}`` in
  CGCS2000; ``status "101"`` means no result, ``"404"`` an error.  Its documentation
  names no key or quota codes: a refused key comes back as HTTP 403.

Match levels of the three services are put on one ladder (:data:`LEVELS`), coarse to
fine, so that ``min_level`` means the same for all of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._http import Verdict

__all__ = [
    "LEVELS",
    "PROVIDERS",
    "Match",
    "Provider",
    "amap_verdict",
    "level_rank",
]

LEVELS: tuple[str, ...] = (
    "unknown",
    "country",
    "province",
    "city",
    "district",
    "town",
    "road",
    "poi",
    "address",
)
"""The common ladder of match levels, coarse to fine.

``town`` covers towns, villages and business areas; ``road`` roads, intersections and
bridges; ``poi`` named places (a campus, a building, a station, a residential
compound); ``address`` a house number, a building unit or a full address.
"""

_AMAP_LEVELS = {
    "国家": "country",
    "省": "province",
    "市": "city",
    "区县": "district",
    "开发区": "district",
    "乡镇": "town",
    "村庄": "town",
    "热点商圈": "town",
    "道路": "road",
    "道路交叉路口": "road",
    "小巷": "road",
    "兴趣点": "poi",
    "公交地铁站点": "poi",
    "住宅区": "poi",
    "门牌号": "address",
    "门址": "address",
    "单元号": "address",
    "楼层": "address",
    "房间": "address",
    "未知": "unknown",
}
_BAIDU_LEVELS = {
    "国家": "country",
    "省份": "province",
    "城市": "city",
    "区县": "district",
    "乡镇": "town",
    "村庄": "town",
    "商圈": "town",
    "道路": "road",
    "交叉路口": "road",
    "桥": "road",
    "门址": "address",
    "UNKNOWN": "unknown",
}
# Every other Baidu level names a kind of place (地产小区, 商务大厦, 政府机构, 教育, 医疗,
# 工业园区, 火车站...): a named place, on the ``poi`` rung.
_BAIDU_POI_DEFAULT = "poi"
_TIANDITU_LEVELS = {
    "行政区划": "district",
    "省": "province",
    "市": "city",
    "区县": "district",
    "乡镇": "town",
    "道路": "road",
    "兴趣点": "poi",
    "门址": "address",
    # The documentation's example answer for a full address with a place name.
    "地名地址": "address",
}

# Amap infocodes (Web Service "错误码说明").
_AMAP_KEY = {"10001", "10002", "10005", "10006", "10007", "10008", "10009", "10012", "10013"}
_AMAP_QUOTA = {"10003", "10010", "10044", "10045"}
_AMAP_RETRY = {"10004", "10014", "10015", "10016", "10019", "10020", "10021", "10029"}
# Baidu status codes (Web service "状态码定义").
_BAIDU_KEY = {101, 102, 200, 201, 202, 203, 210, 211, 220, 230, 240, 250, 251, 252, 260, 261}
_BAIDU_QUOTA = {301, 302}
_BAIDU_RETRY = {401, 402}


def level_rank(level: str) -> int:
    """Position of a ladder level (0 for ``unknown``).

    Examples
    --------
    >>> level_rank("poi") > level_rank("road")
    True
    """
    try:
        return LEVELS.index(level)
    except ValueError:
        raise ValueError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}") from None


def amap_verdict(payload: Any, *, what: str, empty: bool) -> Verdict:
    """The meaning of an Amap v3 answer (``empty``: the answer holds no result)."""
    if not isinstance(payload, Mapping) or "status" not in payload:
        return Verdict("fail", "malformed answer from Amap (no status)")
    info = str(payload.get("info", ""))
    code = str(payload.get("infocode", ""))
    if str(payload["status"]) == "1" and code in ("10000", ""):
        return Verdict("empty", f"Amap found no {what}") if empty else Verdict("ok")
    reason = f"Amap {info} ({code})"
    if code in _AMAP_KEY:
        return Verdict("key", reason + ": the key is wrong, expired or lacks this service")
    if code in _AMAP_QUOTA:
        return Verdict("quota", reason + ": the daily quota is used up")
    if code in _AMAP_RETRY or code.startswith("3"):
        return Verdict("retry", reason)
    return Verdict("fail", reason)


@dataclass(frozen=True)
class Match:
    """One geocoding result in the provider's datum."""

    lon: float
    lat: float
    level: str
    level_class: str
    formatted: str | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class Provider:
    """A geocoding service: where it is, its key, its datum and how to read it."""

    name: str
    label: str
    base_url: str
    path: str
    key_param: str
    env: str
    datum: str

    def params(self, address: str, city: str | None) -> dict[str, str]:
        if self.name == "amap":
            out = {"address": address, "output": "JSON"}
            if city:
                out["city"] = city
            return out
        if self.name == "baidu":
            out = {"address": address, "output": "json"}
            if city:
                out["city"] = city
            return out
        # Tianditu has no city parameter: the city goes in front of the address.
        text = address if not city or address.startswith(city) else city + address
        return {"ds": json.dumps({"keyWord": text}, ensure_ascii=False)}

    def verdict(self, payload: Any) -> Verdict:
        if self.name == "amap":
            if not isinstance(payload, Mapping):
                return Verdict("fail", "malformed answer from Amap (not an object)")
            found = payload.get("geocodes") or []
            return amap_verdict(payload, what="match", empty=not found)
        if self.name == "baidu":
            if not isinstance(payload, Mapping) or "status" not in payload:
                return Verdict("fail", "malformed answer from Baidu (no status)")
            try:
                status = int(payload["status"])
            except (TypeError, ValueError):
                return Verdict(
                    "fail", f"malformed answer from Baidu (status {payload['status']!r})"
                )
            msg = str(payload.get("msg") or payload.get("message") or "")
            if status == 0:
                result = payload.get("result") or {}
                has = isinstance(result, Mapping) and result.get("location")
                return Verdict("ok") if has else Verdict("empty", "Baidu found no match")
            reason = f"Baidu status {status}" + (f" {msg}" if msg else "")
            if status == 1 and "无相关结果" in msg:
                return Verdict("empty", "Baidu found no match")
            if status in _BAIDU_KEY:
                return Verdict("key", reason + ": the ak is wrong or lacks this service")
            if status in _BAIDU_QUOTA:
                return Verdict("quota", reason + ": the quota is used up")
            if status in _BAIDU_RETRY or status == 1:
                return Verdict("retry", reason)
            return Verdict("fail", reason)
        if not isinstance(payload, Mapping) or "status" not in payload:
            return Verdict("fail", "malformed answer from Tianditu (no status)")
        status = str(payload["status"])
        if status == "0":
            loc = payload.get("location")
            return Verdict("ok") if loc else Verdict("empty", "Tianditu found no match")
        if status == "101":
            return Verdict("empty", "Tianditu found no match")
        return Verdict("fail", f"Tianditu status {status} {payload.get('msg', '')}".strip())

    def match(self, payload: Mapping[str, Any]) -> Match:
        if self.name == "amap":
            g = payload["geocodes"][0]
            lon, lat = (float(v) for v in str(g["location"]).split(","))
            level = _text(g.get("level")) or "未知"
            return Match(
                lon,
                lat,
                level,
                _AMAP_LEVELS.get(level, "unknown"),
                _text(g.get("formatted_address")),
            )
        if self.name == "baidu":
            r = payload["result"]
            level = _text(r.get("level")) or "UNKNOWN"
            klass = _BAIDU_LEVELS.get(level, _BAIDU_POI_DEFAULT)
            conf = r.get("confidence")
            return Match(
                float(r["location"]["lng"]),
                float(r["location"]["lat"]),
                level,
                klass,
                None,
                float(conf) if conf is not None else None,
            )
        loc = payload["location"]
        level = _text(loc.get("level")) or ""
        score = loc.get("score")
        return Match(
            float(loc["lon"]),
            float(loc["lat"]),
            level,
            _TIANDITU_LEVELS.get(level, "unknown"),
            None,
            float(score) if score not in (None, "") else None,
        )


def _text(value: Any) -> str | None:
    # Amap answers [] where a field is empty.
    if value is None or isinstance(value, (list, dict)):
        return None
    text = str(value).strip()
    return text or None


PROVIDERS: dict[str, Provider] = {
    "amap": Provider(
        "amap", "Amap", "https://restapi.amap.com", "/v3/geocode/geo", "key", "AMAP_KEY", "GCJ02"
    ),
    "baidu": Provider(
        "baidu", "Baidu", "https://api.map.baidu.com", "/geocoding/v3/", "ak", "BAIDU_AK", "BD09"
    ),
    "tianditu": Provider(
        "tianditu",
        "Tianditu",
        "https://api.tianditu.gov.cn",
        "/geocoder",
        "tk",
        "TIANDITU_TK",
        "CGCS2000",
    ),
}
"""The geocoding providers by name."""
