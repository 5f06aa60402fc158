"""Shared guards of the online tests: nothing leaves 127.0.0.1, nothing is slept for real.

``offline`` (used by every ``test_online_*`` module) refuses any socket connection to an
address other than 127.0.0.1, keeps proxies out of the way, points every cache at the
test's temporary folder, and removes the service keys from the environment.
"""

from __future__ import annotations

import socket

import pytest

KEYS = ("AMAP_KEY", "BAIDU_AK", "TIANDITU_TK")
SECRET = "SECRET-KEY-0123456789abcdef"  # a key whose every appearance is a leak


class NetworkGuardError(AssertionError):
    """A test tried to reach an address other than 127.0.0.1."""


@pytest.fixture(name="offline")
def offline_fixture(monkeypatch, tmp_path):
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(address):
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise NetworkGuardError(f"a test tried to connect to {address!r}")

    def connect(self, address):
        check(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("CORRIDOR_GEO_CACHE", str(tmp_path / "cache"))
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    return tmp_path


class FakeTime:
    """A clock that only moves when slept on: sleeps are recorded, never waited."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(name="fake_time")
def fake_time_fixture(monkeypatch):
    from corridor_geo.online import _http

    clock = FakeTime()
    monkeypatch.setattr(_http, "monotonic", clock.monotonic)
    monkeypatch.setattr(_http, "sleep", clock.sleep)
    return clock
