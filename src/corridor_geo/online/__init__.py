"""Online data: real roads and places from OpenStreetMap, addresses and POIs from Chinese maps.

For users with internet access (and, for the Chinese services, a key):

* :mod:`~corridor_geo.online.osm`: road networks (:func:`graph_from_layout`,
  :func:`graph_from_polygon`) and places (:func:`features_from_layout`) from
  OpenStreetMap through OSMnx, cached so that a second call is offline;
* :mod:`~corridor_geo.online.geocoding`: :func:`geocode` turns an address list into
  WGS84 points with Amap (GCJ-02), Baidu (BD-09) or Tianditu (CGCS2000);
* :mod:`~corridor_geo.online.amap`: :func:`amap_pois`, places of given Amap types
  inside the corridor;
* :mod:`~corridor_geo.online.testing`: local stand-ins of these services, to test and
  demonstrate without the internet.

OSMnx is needed for the OpenStreetMap functions only: ``pip install
"corridor-geo[online]"``.  Importing this package imports neither OSMnx nor anything
that touches the network; the functions below are loaded on first use.

Keys are read from an argument or from ``AMAP_KEY``, ``BAIDU_AK`` and ``TIANDITU_TK``
and never written to a result, a cache, a log or an error message.  Answers are cached
in ``$CORRIDOR_GEO_CACHE`` (default: the user's cache folder, see
:func:`~corridor_geo.online.geocoding.cache_dir_for`).

>>> import corridor_geo.online as online
>>> online.geocode.__module__
'corridor_geo.online.geocoding'
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "geocode": "geocoding",
    "cache_dir_for": "geocoding",
    "LEVELS": "geocoding",
    "PROVIDER_NAMES": "geocoding",
    "amap_pois": "amap",
    "AMAP_TYPES": "amap",
    "graph_from_layout": "osm",
    "graph_from_polygon": "osm",
    "features_from_layout": "osm",
    "features_from_polygon": "osm",
    "OSM_PLACE_TAGS": "osm",
    "ServiceError": "_http",
    "place_registry": "_places",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = sorted(_LAZY)
