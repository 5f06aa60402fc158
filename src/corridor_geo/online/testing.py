"""Local stand-ins of the online services, for tests, demos and offline notebooks.

:class:`StandIn` starts a small HTTP server on ``127.0.0.1`` (a random free port, in a
background thread) that answers like the real services, in their documented formats:

========================  =====================================================
path                      stands in for
========================  =====================================================
``POST /api/interpreter``  Overpass API (what OSMnx asks; JSON ``elements``)
``GET /api/status``        Overpass API status (slots available: no pause)
``GET /v3/geocode/geo``    Amap Web Service geocoding v3 (GCJ-02)
``GET /v3/place/polygon``  Amap Web Service polygon search v3 (GCJ-02, 200 max)
``GET /geocoding/v3/``     Baidu geocoding v3 (BD-09)
``GET /geocoder``          Tianditu geocoder (CGCS2000)
========================  =====================================================

It knows only what it is given (answers by address, POIs, OSM elements) and can be told
to fail: the next requests to a service answer HTTP 429 or 500, answer too slowly, answer
malformed JSON, or refuse the key or the quota, each in the service's own format.  Every
request is recorded in :attr:`StandIn.requests`.

Answers from a stand-in are **not real data**: results computed on them only show that
the code runs.  Nothing here touches the network beyond ``127.0.0.1``.

Examples
--------
>>> import requests
>>> address = "青岛市崂山区松岭路238号"
>>> with StandIn(amap={address: amap_geocode_answer(120.49547, 36.16504, "门牌号")}) as s:
...     r = requests.get(s.url + "/v3/geocode/geo",
...                      params={"key": "k", "address": address}, timeout=5)
>>> r.json()["geocodes"][0]["location"], s.requests[0].service
('120.495470,36.165040', 'amap')
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

__all__ = [
    "DEMO_KEY",
    "FAULTS",
    "Request",
    "StandIn",
    "amap_geocode_answer",
    "amap_poi",
    "baidu_geocode_answer",
    "demo_addresses",
    "demo_standin",
    "osm_node",
    "osm_way",
    "overpass_elements_from_graph",
    "tianditu_geocode_answer",
]

FAULTS = ("429", "500", "slow", "malformed", "invalid_key", "quota", "qps")
"""Failures a stand-in can be told to answer with (see :meth:`StandIn.fail_next`)."""

_AMAP_MAX_RESULTS = 200


@dataclass(frozen=True)
class Request:
    """A request received by a stand-in: the service, the path and the parameters."""

    service: str
    path: str
    params: dict[str, str]
    body: str = ""


def amap_geocode_answer(
    lon: float, lat: float, level: str, *, formatted_address: str = "", adcode: str = "370212"
) -> dict[str, Any]:
    """An Amap geocoding answer (GCJ-02 ``lon``/``lat``) as the service formats it.

    Examples
    --------
    >>> amap_geocode_answer(120.1, 36.2, "兴趣点")["geocodes"][0]["level"]
    '兴趣点'
    """
    return {
        "status": "1",
        "info": "OK",
        "infocode": "10000",
        "count": "1",
        "geocodes": [
            {
                "formatted_address": formatted_address or "山东省青岛市",
                "country": "中国",
                "province": "山东省",
                "citycode": "0532",
                "city": "青岛市",
                "district": [],
                "township": [],
                "neighborhood": {"name": [], "type": []},
                "building": {"name": [], "type": []},
                "adcode": adcode,
                "street": [],
                "number": [],
                "location": f"{lon:.6f},{lat:.6f}",
                "level": level,
            }
        ],
    }


def baidu_geocode_answer(
    lon: float, lat: float, level: str, *, confidence: int = 80, precise: int = 1
) -> dict[str, Any]:
    """A Baidu geocoding v3 answer (BD-09 ``lon``/``lat``).

    Examples
    --------
    >>> baidu_geocode_answer(120.1, 36.2, "门址")["result"]["level"]
    '门址'
    """
    return {
        "status": 0,
        "result": {
            "location": {"lng": lon, "lat": lat},
            "precise": precise,
            "confidence": confidence,
            "comprehension": 100,
            "level": level,
        },
    }


def tianditu_geocode_answer(
    lon: float, lat: float, level: str, *, score: float | None = None
) -> dict[str, Any]:
    """A Tianditu geocoder answer (CGCS2000 ``lon``/``lat``).

    Examples
    --------
    >>> tianditu_geocode_answer(120.1, 36.2, "门址")["status"]
    '0'
    """
    location: dict[str, Any] = {"lon": f"{lon:.6f}", "lat": f"{lat:.6f}", "level": level}
    if score is not None:
        location["score"] = score
    return {"location": location, "status": "0", "msg": "ok", "searchVersion": "stand-in"}


def amap_poi(
    poi_id: str, name: str, lon: float, lat: float, *, typecode: str, type: str, address: str = ""
) -> dict[str, Any]:
    """One POI of an Amap polygon search (GCJ-02 ``lon``/``lat``).

    Examples
    --------
    >>> amap_poi("B0001", "某大学", 120.5, 36.2, typecode="141201",
    ...          type="科教文化服务;学校;高等院校")["location"]
    '120.500000,36.200000'
    """
    return {
        "id": poi_id,
        "name": name,
        "type": type,
        "typecode": typecode,
        "address": address or [],
        "location": f"{lon:.6f},{lat:.6f}",
        "pname": "山东省",
        "cityname": "青岛市",
        "adname": "崂山区",
    }


def osm_node(node_id: int, lon: float, lat: float, tags: Mapping[str, str] | None = None):
    """An OpenStreetMap node as Overpass JSON writes it.

    Examples
    --------
    >>> osm_node(1, 120.5, 36.2)
    {'type': 'node', 'id': 1, 'lat': 36.2, 'lon': 120.5}
    """
    out: dict[str, Any] = {"type": "node", "id": int(node_id), "lat": lat, "lon": lon}
    if tags:
        out["tags"] = dict(tags)
    return out


def osm_way(way_id: int, nodes: Sequence[int], tags: Mapping[str, str] | None = None):
    """An OpenStreetMap way (its node ids in order) as Overpass JSON writes it.

    Examples
    --------
    >>> osm_way(10, [1, 2], {"highway": "residential"})["nodes"]
    [1, 2]
    """
    out: dict[str, Any] = {"type": "way", "id": int(way_id), "nodes": [int(n) for n in nodes]}
    if tags:
        out["tags"] = dict(tags)
    return out


def overpass_elements_from_graph(G: Any, *, first_id: int = 1) -> list[dict[str, Any]]:
    """Overpass elements (nodes and two-node ways) of a road graph, e.g. the schematic one.

    Each edge pair (both directions) becomes one way, a lone direction a ``oneway=yes``
    way, with the edge's ``highway``, ``name`` and its ``speed_kph`` as ``maxspeed``;
    bends of an edge's geometry become nodes of the way.  Node positions are taken in
    WGS84 from ``G.graph["crs"]``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node(1, x=120.5, y=36.2); G.add_node(2, x=120.51, y=36.2)
    >>> _ = G.add_edge(1, 2, highway="primary", speed_kph=50.0)
    >>> [e["type"] for e in overpass_elements_from_graph(G)]
    ['node', 'node', 'way']
    """
    import shapely
    from pyproj import CRS, Transformer

    crs = CRS.from_user_input(G.graph["crs"])
    to_wgs = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    ids: dict[Any, int] = {}
    elements: list[dict[str, Any]] = []
    next_id = [int(first_id)]

    def new_node(x: float, y: float) -> int:
        lon, lat = to_wgs.transform(x, y)
        nid = next_id[0]
        next_id[0] += 1
        elements.append(osm_node(nid, round(float(lon), 7), round(float(lat), 7)))
        return nid

    for node, data in G.nodes(data=True):
        ids[node] = new_node(float(data["x"]), float(data["y"]))
    seen: set[tuple[Any, Any, Any]] = set()
    way_id = 10 ** (len(str(next_id[0])) + 1)
    ways = []
    for u, v, k, data in G.edges(keys=True, data=True):
        if (u, v, k) in seen:
            continue
        seen.add((u, v, k))
        back = G.has_edge(v, u, k)
        if back:
            seen.add((v, u, k))
        refs = [ids[u]]
        geom = data.get("geometry")
        if geom is not None:
            for x, y in shapely.get_coordinates(geom)[1:-1]:
                refs.append(new_node(float(x), float(y)))
        refs.append(ids[v])
        tags = {"oneway": "no" if back else "yes"}
        for tag in ("highway", "name"):
            if data.get(tag) is not None:
                tags[tag] = str(data[tag])
        if data.get("speed_kph") is not None:
            tags["maxspeed"] = f"{float(data['speed_kph']):g}"
        ways.append(osm_way(way_id, refs, tags))
        way_id += 1
    return elements + ways


def _amap_error(info: str, code: str) -> dict[str, str]:
    return {"status": "0", "info": info, "infocode": code}


_FAULT_ANSWERS: dict[str, dict[str, tuple[int, Any]]] = {
    "amap": {
        "invalid_key": (200, _amap_error("INVALID_USER_KEY", "10001")),
        "quota": (200, _amap_error("DAILY_QUERY_OVER_LIMIT", "10003")),
        "qps": (200, _amap_error("CUQPS_HAS_EXCEEDED_THE_LIMIT", "10019")),
    },
    "baidu": {
        "invalid_key": (200, {"status": 200, "message": "APP不存在，AK有误请检查再重试"}),
        "quota": (200, {"status": 302, "message": "天配额超限，限制访问"}),
        "qps": (200, {"status": 401, "message": "当前并发量已经超过约定并发配额，限制访问"}),
    },
    "tianditu": {
        "invalid_key": (403, {"msg": "权限验证失败", "status": "403"}),
    },
    "overpass": {},
}


_POLY = re.compile(r"poly:['\"]([^'\"]+)['\"]")
_TAG = re.compile(r"\[\s*'([^']+)'\s*(?:=\s*'([^']*)')?\s*\]")


def _overpass_select(elements: Sequence[Mapping[str, Any]], query: str, *, network: bool):
    """What Overpass would answer: elements inside the query's polygon (and its tags).

    A way is answered when one of its nodes is inside, with all its nodes (Overpass's
    ``>`` recursion); a features query keeps only elements carrying a requested tag.
    """
    match = _POLY.search(query)
    if match is None:
        return list(elements)
    v = [float(t) for t in match.group(1).split()]
    ring = list(zip(v[1::2], v[0::2]))
    wanted = [] if network else _TAG.findall(query)

    def tagged(e: Mapping[str, Any]) -> bool:
        tags = e.get("tags") or {}
        return not wanted or any(k in tags and (not val or tags[k] == val) for k, val in wanted)

    nodes = {e["id"]: e for e in elements if e["type"] == "node"}
    inside = {i for i, n in nodes.items() if _point_in_ring(n["lon"], n["lat"], ring)}
    ways = [
        e
        for e in elements
        if e["type"] == "way" and any(n in inside for n in e["nodes"]) and tagged(e)
    ]
    keep = {n for w in ways for n in w["nodes"]}
    if not network:
        keep |= {i for i in inside if nodes[i].get("tags") and tagged(nodes[i])}
    return [nodes[i] for i in sorted(keep) if i in nodes] + ways


def _point_in_ring(x: float, y: float, ring: Sequence[tuple[float, float]]) -> bool:
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


class StandIn:
    """A local HTTP server answering like Overpass, Amap, Baidu and Tianditu.

    Parameters
    ----------
    amap, baidu, tianditu : mapping, optional
        Geocoding answers by address (the full JSON answer, e.g. from
        :func:`amap_geocode_answer`); an unknown address gets the service's "no result".
        Tianditu receives the address as ``keyWord``.
    amap_pois : sequence of dict, optional
        POIs (:func:`amap_poi`) served by the polygon search: those inside the request's
        polygon whose ``typecode`` starts with a requested type (a ``xx0000`` or
        ``xxxx00`` type covers its sub-types), 200 at most per query as the service does.
    overpass : sequence of dict, optional
        OpenStreetMap elements (:func:`osm_node`, :func:`osm_way`) answered to network
        queries (those asking for ``["highway"]`` ways).
    overpass_features : sequence of dict, optional
        Elements answered to every other Overpass query (OSMnx ``features``).
    keys : iterable of str, optional
        Keys accepted; by default any non-empty key.
    quota : int, optional
        Requests each service answers before it answers "quota exceeded".
    slow_seconds : float
        How long a ``"slow"`` fault waits before answering.
    """

    def __init__(
        self,
        *,
        amap: Mapping[str, Any] | None = None,
        baidu: Mapping[str, Any] | None = None,
        tianditu: Mapping[str, Any] | None = None,
        amap_pois: Sequence[Mapping[str, Any]] | None = None,
        overpass: Sequence[Mapping[str, Any]] | None = None,
        overpass_features: Sequence[Mapping[str, Any]] | None = None,
        keys: Iterable[str] | None = None,
        quota: int | None = None,
        slow_seconds: float = 1.0,
    ) -> None:
        self.answers = {
            "amap": dict(amap or {}),
            "baidu": dict(baidu or {}),
            "tianditu": dict(tianditu or {}),
        }
        self.amap_pois = [dict(p) for p in amap_pois or ()]
        self.overpass = list(overpass or ())
        self.overpass_features = list(overpass_features or ())
        self.keys = None if keys is None else set(keys)
        self.quota = quota
        self.slow_seconds = float(slow_seconds)
        self.requests: list[Request] = []
        self._faults: dict[str, deque[str]] = defaultdict(deque)
        self._served: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -------------------------------------------------------------------
    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (the base URL to give the library)."""
        if self._server is None:
            raise RuntimeError("the stand-in is not running: use it in a with block or start()")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def overpass_url(self) -> str:
        """The Overpass endpoint (``<url>/api``), as OSMnx's ``overpass_url`` expects."""
        return self.url + "/api"

    def start(self) -> StandIn:
        handler = type("_Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, service: str, *faults: str) -> None:
        """Answer the next requests to ``service`` with these faults, in order.

        ``service`` is ``"amap"``, ``"baidu"``, ``"tianditu"`` or ``"overpass"``;
        faults are ``"429"``, ``"500"``, ``"slow"`` (answers after ``slow_seconds``),
        ``"malformed"`` (a 200 answer that is not JSON), ``"invalid_key"``, ``"quota"``
        and ``"qps"`` (in the service's own format, where it documents one).
        """
        for fault in faults:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}: use one of {', '.join(FAULTS)}")
            if fault in ("invalid_key", "quota", "qps") and fault not in _FAULT_ANSWERS[service]:
                raise ValueError(f"{service} documents no {fault!r} answer")
        with self._lock:
            self._faults[service].extend(faults)

    def count(self, service: str) -> int:
        """Requests received by a service so far (Overpass: queries, not status checks)."""
        return sum(r.service == service and not r.path.endswith("/status") for r in self.requests)

    # -- answers -------------------------------------------------------------------
    def _take_fault(self, service: str) -> str | None:
        with self._lock:
            queue = self._faults[service]
            return queue.popleft() if queue else None

    def answer(self, service: str, path: str, params: dict[str, str], body: str):
        """Status, headers and body of the answer to one request."""
        with self._lock:
            self.requests.append(Request(service, path, dict(params), body))
        # OSMnx asks /status before each query; faults are for the queries themselves
        status_check = service == "overpass" and path.endswith("/status")
        fault = None if status_check else self._take_fault(service)
        if fault == "slow":
            time.sleep(self.slow_seconds)
            fault = None
        if fault == "429":
            return 429, {"Retry-After": "0"}, "<html><body>429 Too Many Requests</body></html>"
        if fault == "500":
            return 500, {}, "<html><body>500 Internal Server Error</body></html>"
        if fault == "malformed":
            return 200, {}, "<html><body>502 Bad Gateway</body></html>"
        if fault is not None:
            status, payload = _FAULT_ANSWERS[service][fault]
            return status, {}, payload
        key_param = {"amap": "key", "baidu": "ak", "tianditu": "tk"}.get(service)
        if key_param is not None:
            key = params.get(key_param, "")
            refused = not key or (self.keys is not None and key not in self.keys)
            if refused and "invalid_key" in _FAULT_ANSWERS[service]:
                status, payload = _FAULT_ANSWERS[service]["invalid_key"]
                return status, {}, payload
            with self._lock:
                self._served[service] += 1
                over = self.quota is not None and self._served[service] > self.quota
            if over and "quota" in _FAULT_ANSWERS[service]:
                status, payload = _FAULT_ANSWERS[service]["quota"]
                return status, {}, payload
        return 200, {}, getattr(self, f"_answer_{service}")(path, params, body)

    def _answer_overpass(self, path: str, params: dict[str, str], body: str):
        if path.endswith("/status"):
            return (
                "Connected as: 0\nCurrent time: 2026-01-01T00:00:00Z\n"
                "Announced endpoint: none\nRate limit: 2\n2 slots available now.\n"
                "Currently running queries (pid, space limit, time limit, start time):\n"
            )
        query = parse_qs(body).get("data", [""])[0]
        network = '["highway"]' in query
        elements = self.overpass if network else self.overpass_features
        return {
            "version": 0.6,
            "generator": "corridor_geo stand-in (not real data)",
            "osm3s": {"timestamp_osm_base": "2026-01-01T00:00:00Z", "copyright": "stand-in"},
            "elements": _overpass_select(elements, query, network=network),
        }

    def _answer_amap(self, path: str, params: dict[str, str], body: str):
        if path.startswith("/v3/place/polygon"):
            return self._answer_amap_polygon(params)
        address = params.get("address", "")
        if address in self.answers["amap"]:
            return self.answers["amap"][address]
        return {"status": "1", "info": "OK", "infocode": "10000", "count": "0", "geocodes": []}

    def _answer_amap_polygon(self, params: dict[str, str]):
        pairs = [p.split(",") for p in params.get("polygon", "").split("|") if p]
        ring = [(float(x), float(y)) for x, y in pairs]
        if len(ring) == 2:  # a rectangle given by two corners
            (x0, y0), (x1, y1) = ring
            ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        wanted = [t for t in params.get("types", "").split("|") if t]

        def matches(code: str) -> bool:
            for t in wanted:
                prefix = t[:2] if t.endswith("0000") else t[:4] if t.endswith("00") else t
                if code.startswith(prefix):
                    return True
            return not wanted

        found = []
        for poi in self.amap_pois:
            x, y = (float(v) for v in str(poi["location"]).split(","))
            if _point_in_ring(x, y, ring) and matches(str(poi.get("typecode", ""))):
                found.append(poi)
        found = found[:_AMAP_MAX_RESULTS]
        size = max(1, min(int(params.get("offset", 20)), 25))
        page = max(1, int(params.get("page", 1)))
        chunk = found[(page - 1) * size : page * size]
        return {
            "status": "1",
            "info": "OK",
            "infocode": "10000",
            "count": str(len(found)),
            "suggestion": {"keywords": [], "cities": []},
            "pois": chunk,
        }

    def _answer_baidu(self, path: str, params: dict[str, str], body: str):
        address = params.get("address", "")
        if address in self.answers["baidu"]:
            return self.answers["baidu"][address]
        return {"status": 1, "msg": "Internal Service Error:无相关结果", "results": []}

    def _answer_tianditu(self, path: str, params: dict[str, str], body: str):
        try:
            word = json.loads(params.get("ds", "{}")).get("keyWord", "")
        except ValueError:
            return {"msg": "参数错误", "status": "404"}
        if word in self.answers["tianditu"]:
            return self.answers["tianditu"][word]
        return {"msg": "无结果", "status": "101", "searchVersion": "stand-in"}


_ROUTES = (
    ("/api/", "overpass"),
    ("/v3/", "amap"),
    ("/geocoding/v3", "baidu"),
    ("/geocoder", "tianditu"),
)


class _Handler(BaseHTTPRequestHandler):
    standin: StandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _route(self, body: str) -> None:
        parsed = urlparse(self.path)
        params = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        service = next((s for prefix, s in _ROUTES if parsed.path.startswith(prefix)), None)
        if service is None:
            status, headers, payload = 404, {}, {"error": "no such stand-in service"}
        else:
            status, headers, payload = self.standin.answer(service, parsed.path, params, body)
        if isinstance(payload, str):
            data = payload.encode("utf-8")
            ctype = "text/html; charset=utf-8" if payload.startswith("<") else "text/plain"
        else:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            ctype = "application/json; charset=utf-8"
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (time-out)
            pass

    def do_GET(self) -> None:
        self._route("")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        self._route(body)


# -- a demonstration: the bundled sample served as if it came from the services -------
DEMO_KEY = "stand-in-key"
"""The key a :func:`demo_standin` accepts (it accepts any; this one says what it is)."""

# Addresses of the bundled sample's institutions (data/samples/resources_sample.csv, its
# identity_source column), and the match level a geocoder gives such an address.
_DEMO_ADDRESSES = {
    "S01": ("山东省青岛市崂山区松岭路238号", "门牌号"),
    "S02": ("山东省青岛市即墨区滨海路72号", "门牌号"),
    "S03": ("山东省青岛市崂山区松岭路99号", "门牌号"),
    "S04": ("山东省青岛市即墨区鳌山卫街道", "乡镇"),
    "S05": ("山东省青岛市即墨区鳌山卫街道向阳庄村", "村庄"),
}


def demo_addresses() -> Any:
    """An address list made from the bundled sample: name, category and address.

    Examples
    --------
    >>> demo_addresses()[["name", "address"]].iloc[0].tolist()
    ['中国海洋大学(崂山校区)', '山东省青岛市崂山区松岭路238号']
    """
    from ..resources import sample_resources

    sample = sample_resources().accepted
    rows = sample.loc[sample["id"].isin(list(_DEMO_ADDRESSES))]
    import pandas as pd

    return pd.DataFrame(
        {
            "name": rows["name"].to_numpy(),
            "category": rows["category_zh"].to_numpy(),
            "address": [_DEMO_ADDRESSES[i][0] for i in rows["id"]],
        }
    )


def demo_standin(layout: Any = None) -> StandIn:
    """A stand-in serving the bundled sample and the schematic network: **not real data**.

    Amap answers :func:`demo_addresses` with the sample's cited positions (in GCJ-02, as
    Amap would); the "Overpass API" serves the layout's schematic network
    (:func:`corridor_geo.network.schematic_network`) as OpenStreetMap ways, and the
    sample's institutions as OpenStreetMap places.  Travel times computed on it are the
    schematic network's (indicative).  Start it with ``with demo_standin() as s:`` or
    ``s = demo_standin().start()``; use :data:`DEMO_KEY` as the key.

    Examples
    --------
    >>> with demo_standin() as s:
    ...     n = len(s.answers["amap"])
    >>> n
    5
    """
    from ..crs import transform_coords
    from ..layout import load_layout
    from ..network import schematic_network
    from ..resources import sample_resources

    lay = load_layout() if layout is None else layout
    sample = sample_resources().accepted.set_index("id")
    answers = {}
    features = []
    osm_kind = {"university": {"amenity": "university"}}
    for i, (sid, (address, level)) in enumerate(_DEMO_ADDRESSES.items()):
        row = sample.loc[sid]
        lon, lat = row.geometry.x, row.geometry.y
        gx, gy = transform_coords(lon, lat, source="WGS84", target="GCJ02")
        answers[address] = amap_geocode_answer(gx, gy, level, formatted_address=address)
        tags = dict(osm_kind.get(row["category"], {"amenity": "research_institute"}))
        tags["name"] = str(row["name"])
        features.append(osm_node(9_000_000 + i, round(lon, 7), round(lat, 7), tags))
    network = overpass_elements_from_graph(schematic_network(lay))
    return StandIn(amap=answers, overpass=network, overpass_features=features)
