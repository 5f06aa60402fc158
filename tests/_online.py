"""Shared guards of the online tests: nothing leaves 127.0.0.1, nothing is slept for real.

``offline`` (used by every ``test_online_*`` module) refuses any socket connection to an
address other than 127.0.0.1, keeps proxies out of the way, points every cache at the
test's temporary folder, and removes the service keys from the environment.
"""

from __future__ import annotations

import math
import socket

import pytest

from corridor_geo.online.testing import osm_node, osm_way

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


# -- a hand-made road network on the layout's axis --------------------------------------
R = 6_371_009.0
# Vertices 2-5 of the bundled axis (WGS84), so the avenue lies exactly on the axis.
A1 = (120.4757046, 36.1103197)
A2 = (120.4803354, 36.1240055)
A3 = (120.4804954, 36.1400242)
A4 = (120.4821964, 36.1479162)
B = (120.4754954, 36.1410242)  # the bend of the west road
L1 = (120.4704954, 36.1400242)  # end of the west road, about 900 m from the axis
L2 = (120.4883354, 36.1240055)  # end of the east road, about 720 m from the axis


def hav(p, q):
    (lon1, lat1), (lon2, lat2) = (map(math.radians, p)), (map(math.radians, q))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * R * math.asin(math.sqrt(a))


WEST_M = hav(L1, B) + hav(B, A3)
EAST_M = hav(L2, A2)
AVENUE_M = hav(A2, A3)


def hand_network():
    """Overpass elements of the hand-made network (see test_online_osm.py)."""
    nodes = {1: A1, 2: A2, 3: A3, 4: B, 5: L1, 6: L2, 7: A4}
    return [osm_node(i, lon, lat) for i, (lon, lat) in nodes.items()] + [
        osm_way(100, [1, 2, 3, 7], {"highway": "trunk", "name": "滨海大道", "maxspeed": "60"}),
        osm_way(101, [5, 4, 3], {"highway": "residential", "name": "西路"}),
        osm_way(102, [6, 2], {"highway": "secondary", "maxspeed": "40", "oneway": "yes"}),
    ]
