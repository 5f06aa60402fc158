"""The shared HTTP plumbing: rate limit, retries, cache, resumption, key redaction.

Every request goes to a stand-in server on 127.0.0.1 started by the test; sleeps go to a
fake clock (``fake_time``) except where real time is the point (the time-out and one
real-time rate check), which use fractions of a second.
"""

from __future__ import annotations

import itertools
import json
import logging
import time

import pytest

from corridor_geo.online import _http
from corridor_geo.online._http import Client, RateLimiter, Redactor, ResponseCache, Verdict
from corridor_geo.online.testing import StandIn, amap_geocode_answer

from ._online import SECRET, fake_time_fixture, offline_fixture  # noqa: F401 - fixtures

ADDRESS = "青岛市崂山区松岭路238号"
ANSWERS = {ADDRESS: amap_geocode_answer(120.49547, 36.16504, "门牌号")}


def verdict(payload):
    if payload.get("status") == "1":
        return Verdict("ok") if payload.get("geocodes") else Verdict("empty", "none")
    code = payload.get("infocode")
    if code == "10001":
        return Verdict("key", "Amap INVALID_USER_KEY (10001)")
    if code == "10003":
        return Verdict("quota", "Amap DAILY_QUERY_OVER_LIMIT (10003)")
    if code == "10019":
        return Verdict("retry", "Amap QPS (10019)")
    return Verdict("fail", "other")


def client(server, tmp_path, **kw):
    options = {
        "base_url": server.url,
        "key": SECRET,
        "key_param": "key",
        "qps": 1000.0,
        "timeout": 5.0,
        "retries": 3,
        "backoff": 0.5,
        "cache_dir": tmp_path / "c",
    }
    options.update(kw)
    return Client("Amap", **options)


def get(c, address=ADDRESS):
    return c.get("/v3/geocode/geo", {"address": address}, classify=verdict)


# -- rate limit ------------------------------------------------------------------------
def test_rate_limiter_waits_exactly_the_interval_and_no_more():
    t = {"now": 0.0}
    slept = []

    def sleep(s):
        slept.append(s)
        t["now"] += s

    lim = RateLimiter(4.0, clock=lambda: t["now"], sleep=sleep)
    starts = []
    for i in range(5):
        if i == 2:
            t["now"] += 1.0  # the caller was busy for a second: no wait is owed
        lim.wait()
        starts.append(t["now"])
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps[0] == pytest.approx(0.25)
    assert gaps[1] >= 0.25 and slept.count(0.25) == 3
    assert min(gaps) >= 0.25 - 1e-12
    assert sum(slept) == pytest.approx(0.75)  # 3 waits of 1/qps, none for the busy gap


def test_rate_limit_in_requests_with_a_fake_clock(offline, fake_time):
    with StandIn(amap=ANSWERS) as server, client(server, offline, qps=2.0, cache_dir=None) as c:
        for _ in range(5):
            assert get(c).ok
    assert fake_time.sleeps == [0.5] * 4
    assert server.count("amap") == 5


def test_rate_limit_in_real_time_is_bounded(offline):
    with StandIn(amap=ANSWERS) as server, client(server, offline, qps=20.0, cache_dir=None) as c:
        start = time.perf_counter()
        for _ in range(5):
            assert get(c).ok
        elapsed = time.perf_counter() - start
    assert 4 / 20 - 0.01 <= elapsed < 1.5


def test_bad_qps_is_refused():
    with pytest.raises(ValueError, match="qps"):
        RateLimiter(0)


# -- retries ---------------------------------------------------------------------------
def test_429_and_500_are_retried_with_exponential_backoff(offline, fake_time):
    with StandIn(amap=ANSWERS) as server, client(server, offline, qps=1000.0) as c:
        server.fail_next("amap", "429", "500", "qps")
        out = get(c)
    assert out.ok and out.attempts == 4
    # 429 carries Retry-After: 0 (backoff wins), then 2x each time
    backoffs = [s for s in fake_time.sleeps if s >= 0.5]
    assert backoffs == [0.5, 1.0, 2.0]
    assert server.count("amap") == 4


def test_gives_up_after_the_retries_with_the_reason(offline, fake_time):
    with StandIn(amap=ANSWERS) as server, client(server, offline, retries=2) as c:
        server.fail_next("amap", "500", "500", "500", "500")
        out = get(c)
    assert out.kind == "fail"
    assert out.reason.startswith("HTTP 500") and "(3 attempts)" in out.reason
    assert server.count("amap") == 3


def test_a_slow_answer_beyond_the_time_out_is_retried(offline):
    with (
        StandIn(amap=ANSWERS, slow_seconds=1.0) as server,
        client(server, offline, timeout=0.2, retries=1, backoff=0.01) as c,
    ):
        server.fail_next("amap", "slow")
        start = time.perf_counter()
        out = get(c)
        elapsed = time.perf_counter() - start
    assert out.ok and out.attempts == 2
    assert elapsed < 1.0  # the client did not wait for the slow answer


def test_time_out_on_every_attempt_is_a_reason(offline):
    with (
        StandIn(amap=ANSWERS, slow_seconds=0.6) as server,
        client(server, offline, timeout=0.1, retries=1, backoff=0.01) as c,
    ):
        server.fail_next("amap", "slow", "slow")
        out = get(c)
    assert out.kind == "fail"
    assert out.reason == "no answer within the time-out of 0.1 s (2 attempts)"


def test_malformed_json_is_not_retried_nor_cached(offline, fake_time):
    with StandIn(amap=ANSWERS) as server, client(server, offline) as c:
        server.fail_next("amap", "malformed")
        out = get(c)
        assert out.kind == "fail" and "not JSON" in out.reason
        assert server.count("amap") == 1
        assert get(c).ok  # asked again: nothing bad was cached
    assert server.count("amap") == 2


# -- cache and resumption --------------------------------------------------------------
def test_cache_answers_the_second_time_without_a_request(offline, fake_time):
    with StandIn(amap=ANSWERS) as server:
        with client(server, offline) as c:
            first = get(c)
            empty = get(c, "无此地址")
        with client(server, offline) as c2:
            again = get(c2)
            again_empty = get(c2, "无此地址")
            assert c2.n_requests == 0 and c2.n_cached == 2
    assert server.count("amap") == 2
    assert not first.from_cache and again.from_cache
    assert again.payload == first.payload
    assert empty.kind == again_empty.kind == "empty"


def test_cache_key_and_files_hold_no_key(offline, fake_time):
    with StandIn(amap=ANSWERS) as server, client(server, offline) as c:
        get(c)
    files = list((offline / "c").rglob("*.json"))
    assert len(files) == 1
    text = files[0].read_text(encoding="utf-8")
    assert SECRET not in text
    record = json.loads(text)
    assert record["params"] == {"address": ADDRESS}
    # the same request with another key hits the same cache entry
    with StandIn(amap=ANSWERS) as server, client(server, offline, key="OTHER") as c:
        # a different port is a different base URL: the entry is per service URL
        assert c.cache.request_id(server.url + "/v3/geocode/geo", {"address": ADDRESS}) == (
            ResponseCache.request_id(server.url + "/v3/geocode/geo", {"address": ADDRESS})
        )


def test_interrupted_run_resumes_without_repeating_requests(offline, fake_time, monkeypatch):
    addresses = [f"地址{i}" for i in range(6)]
    answers = {
        a: amap_geocode_answer(120.4 + i / 100, 36.1, "门牌号") for i, a in enumerate(addresses)
    }
    calls = {"n": 0}
    real_sleep = fake_time.sleep

    def interrupting_sleep(seconds):
        calls["n"] += 1
        if calls["n"] == 3:  # Ctrl-C while waiting for the 4th request
            raise KeyboardInterrupt
        real_sleep(seconds)

    with StandIn(amap=answers) as server:
        monkeypatch.setattr(_http, "sleep", interrupting_sleep)
        with client(server, offline, qps=1.0) as c, pytest.raises(KeyboardInterrupt):  # noqa: PT012
            for a in addresses:
                get(c, a)
        assert server.count("amap") == 3
        monkeypatch.setattr(_http, "sleep", real_sleep)
        with client(server, offline, qps=1.0) as c:
            outs = [get(c, a) for a in addresses]
        asked = [r.params["address"] for r in server.requests]
    assert all(o.ok for o in outs)
    assert asked == addresses  # each address asked exactly once over both runs
    assert [o.from_cache for o in outs] == [True] * 3 + [False] * 3


def test_a_half_written_cache_file_is_never_read(offline):
    cache = ResponseCache(offline / "c")
    rid = cache.request_id("http://x/y", {"a": "1"})
    path = cache.path(rid)
    path.parent.mkdir(parents=True)
    path.write_text('{"url": "http://x/y", "payl', encoding="utf-8")
    assert cache.get(rid) is None
    cache.put(rid, "http://x/y", {"a": "1"}, {"ok": True})
    assert cache.get(rid) == {"ok": True}
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".part-")]


# -- key and quota errors stop the run -------------------------------------------------
@pytest.mark.parametrize(("fault", "kind"), [("invalid_key", "key"), ("quota", "quota")])
def test_key_and_quota_errors_stop_further_requests(offline, fake_time, fault, kind):
    with StandIn(amap=ANSWERS) as server, client(server, offline) as c:
        server.fail_next("amap", fault)
        first = get(c)
        second = get(c, "another address")
    assert first.kind == second.kind == kind
    assert second.reason.startswith("not requested:")
    assert server.count("amap") == 1


def test_http_403_is_a_key_error(offline, fake_time):
    with StandIn(tianditu={}) as server:
        c = Client(
            "Tianditu",
            base_url=server.url,
            key=SECRET,
            key_param="tk",
            qps=100,
            timeout=5,
            retries=2,
            cache_dir=None,
        )
        server.fail_next("tianditu", "invalid_key")
        out = c.get("/geocoder", {"ds": "{}"}, classify=lambda p: Verdict("ok"))
    assert out.kind == "key" and "HTTP 403" in out.reason


# -- the key never leaks ---------------------------------------------------------------
def test_key_is_in_the_request_and_nowhere_else(offline, fake_time, caplog):
    caplog.set_level(logging.DEBUG)  # everything, urllib3's request lines included
    with StandIn(amap=ANSWERS, slow_seconds=0.5) as server:
        with client(server, offline, timeout=0.1, retries=1, backoff=0.01) as c:
            ok = get(c)
            server.fail_next("amap", "slow", "slow")
            late = get(c, "另一个地址")
            server.fail_next("amap", "malformed")
            bad = get(c, "第三个地址")
            text = repr(c) + repr(ok) + repr(late) + repr(bad)
        sent = [r.params.get("key") for r in server.requests]
    assert sent and set(sent) == {SECRET}  # the service did get the key
    assert '"GET /v3/geocode/geo?' in caplog.text  # urllib3's request line, redacted
    assert "key=***" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in text
    for path in (offline / "c").rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8")


def test_connection_errors_do_not_leak_the_key(offline, fake_time):
    import socket

    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = Client(
        "Amap",
        base_url=f"http://127.0.0.1:{port}",
        key=SECRET,
        key_param="key",
        qps=100,
        timeout=1,
        retries=1,
        cache_dir=None,
    )
    out = get(c)
    assert out.kind == "fail" and out.reason.startswith("connection failed")
    assert SECRET not in out.reason


def test_redactor_covers_the_url_encoded_key():
    r = Redactor("a b/c")
    assert r("key=a+b%2Fc&x=1 and a b/c") == "key=***&x=1 and ***"
    assert Redactor(None)("nothing") == "nothing"


def test_missing_key_says_which_variable(monkeypatch):
    from corridor_geo.online._http import resolve_key

    monkeypatch.delenv("AMAP_KEY", raising=False)
    with pytest.raises(ValueError, match="AMAP_KEY"):
        resolve_key(None, env="AMAP_KEY", service="Amap")
    monkeypatch.setenv("AMAP_KEY", "from-env")
    assert resolve_key(None, env="AMAP_KEY", service="Amap") == "from-env"
    assert resolve_key("given", env="AMAP_KEY", service="Amap") == "given"


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CORRIDOR_GEO_CACHE", str(tmp_path))
    assert _http.default_cache_dir("amap") == tmp_path / "amap"


def test_importing_the_library_loads_no_online_code():
    import subprocess
    import sys

    code = (
        "import sys, corridor_geo as cg\n"
        "cg.load_layout(); cg.online.geocode; import corridor_geo.online.osm\n"
        "import corridor_geo.online.amap\n"
        "print(sorted(m for m in ('osmnx', 'requests', 'urllib3') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
