"""Caches tied to the life of an object (private).

Analyses derive expensive things from an immutable input (a layout's metric layers, its
zone lookup index) and want them once per input, not once per call.  The input's class
may not have room for them (a frozen dataclass, a graph), so they live here, keyed by
the object's identity and dropped when the object is garbage-collected.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_CACHES: dict[int, dict[Any, Any]] = {}
_LOCK = threading.Lock()


def object_cache(obj: Any) -> dict[Any, Any]:
    """The cache dictionary of ``obj`` (created on first use, dropped with ``obj``)."""
    key = id(obj)
    with _LOCK:
        cache = _CACHES.get(key)
        if cache is None:
            cache = {}
            _CACHES[key] = cache
            weakref.finalize(obj, _CACHES.pop, key, None)
    return cache


def cached(obj: Any, key: Any, build: Callable[[], T]) -> T:
    """``build()`` once per ``obj`` and ``key``; later calls return the same value."""
    cache = object_cache(obj)
    try:
        return cache[key]
    except KeyError:
        value = build()
        cache[key] = value
        return value
