"""Places of given Amap (高德) types inside the corridor, from the polygon search.

:func:`amap_pois` asks Amap's Web Service polygon search (``/v3/place/polygon``) for the
POIs of the given type codes (:data:`AMAP_TYPES`: 高等院校 141201, 科研机构 141300...)
inside the corridor or any polygon, page by page.  Amap serves at most 200 results per
query, so an area holding more is split into quarters, recursively (``max_depth``).  The
polygon is sent in GCJ-02, as Amap expects, slightly widened (about 100 m) and
simplified; the answers are converted back to WGS84 with :mod:`corridor_geo.crs` and only
those inside the exact area are kept.

Rate limit, retries, cache and key handling are those of
:func:`~corridor_geo.online.geocode` (the key from ``key=`` or ``AMAP_KEY``).  A request
that fails after the retries, or a key or quota error, raises
:class:`~corridor_geo.online.ServiceError`: the pages fetched before are cached, so the
same call resumes.

Each POI gets the category of the last part of its Amap type (``科教文化服务;学校;高等院校``
-> 高等院校 -> ``university``) through the registry's spellings
(:func:`~corridor_geo.online.place_registry`); types the registry does not know are
rejected with the reason, or pass ``category=`` to give every POI one category.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from .._errors import InputError
from ..crs import to_datum, transform_coords
from ._http import Client, ServiceError, default_cache_dir, resolve_key
from ._places import place_registry, zone_polygon
from ._providers import amap_verdict

__all__ = ["AMAP_TYPES", "amap_pois"]

log = logging.getLogger(__name__)

AMAP_TYPES: dict[str, str] = {
    "141201": "高等院校",
    "141300": "科研机构",
    "141202": "中学",
    "141203": "小学",
    "090100": "综合医院",
    "090200": "专科医院",
    "150500": "地铁站",
}
"""Amap POI type codes of the places the corridor counts (Amap's POI classification)."""

AMAP_URL = "https://restapi.amap.com"
_PATH = "/v3/place/polygon"
_MAX_RESULTS = 200
_WIDEN_DEG = 0.001  # about 100 m: the query polygon covers the area, then results are cut


def _query_polygon(part: Any) -> str:
    outer = shapely.simplify(shapely.buffer(part, _WIDEN_DEG), _WIDEN_DEG / 2)
    if outer.geom_type != "Polygon":
        outer = shapely.convex_hull(outer)
    coords = shapely.get_coordinates(outer.exterior)
    return "|".join(f"{x:.6f},{y:.6f}" for x, y in coords)


def _quarters(part: Any) -> list[Any]:
    x0, y0, x1, y1 = part.bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    out = []
    for box in (
        shapely.box(x0, y0, xm, ym),
        shapely.box(xm, y0, x1, ym),
        shapely.box(x0, ym, xm, y1),
        shapely.box(xm, ym, x1, y1),
    ):
        piece = shapely.intersection(part, box)
        for poly in getattr(piece, "geoms", [piece]):
            if poly.geom_type == "Polygon" and not poly.is_empty and poly.area > 0:
                out.append(poly)
    return out


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (list, dict)):
        return None
    text = str(value).strip()
    return text or None


def amap_pois(
    where: Any = None,
    *,
    types: Sequence[str] = ("141201", "141300"),
    zone: str = "corridor",
    key: str | None = None,
    keywords: str | None = None,
    category: str | None = None,
    layout: Any = None,
    qps: float = 2.0,
    timeout: float = 10.0,
    retries: int = 3,
    cache_dir: str | os.PathLike[str] | bool | None = True,
    base_url: str | None = None,
    page_size: int = 25,
    max_depth: int = 5,
):
    """Amap POIs of the given types inside the corridor (or a zone, or polygons).

    Parameters
    ----------
    where : CorridorLayout, GeoDataFrame or GeoSeries, optional
        A layout (with ``zone``) or polygons with a CRS; the bundled layout by default.
    types : sequence of str
        Amap type codes (:data:`AMAP_TYPES`); a middle or top class code covers its
        sub-classes.
    zone : str
        Layer of the layout, or ``"layer:value"`` (as in
        :func:`~corridor_geo.online.graph_from_layout`).
    key : str, optional
        The Amap Web Service key; ``AMAP_KEY`` by default.
    keywords : str, optional
        Amap's ``keywords`` filter (one keyword).
    category : str, optional
        Give every POI this category (a registry key or spelling) instead of its type's.
    layout : CorridorLayout, optional
        Whose ``city`` layer decides what is in Qingdao (default: ``where`` when it is a
        layout, else the bundled one).
    qps, timeout, retries, cache_dir, base_url
        As in :func:`~corridor_geo.online.geocode`.
    page_size : int
        POIs per page (Amap allows up to 25).
    max_depth : int
        How many times an area holding Amap's 200-result cap may be split in four.

    Returns
    -------
    ResourceTable
        WGS84 points, ``status = "amap"``, with ``id`` (Amap's POI id), ``name``,
        ``amap_type``, ``amap_typecode``, ``address`` and ``lon_source``/``lat_source``
        (GCJ-02 as answered).

    Raises
    ------
    ServiceError
        On a key or quota error, or when Amap does not answer after the retries.

    Examples
    --------
    >>> from corridor_geo.online.testing import StandIn, amap_poi
    >>> pois = [amap_poi("B0FFF", "中国海洋大学(崂山校区)", 120.49547, 36.16504,
    ...                  typecode="141201", type="科教文化服务;学校;高等院校")]
    >>> with StandIn(amap_pois=pois) as server:
    ...     res = amap_pois(key="demo", base_url=server.url, cache_dir=None)
    >>> res.accepted[["id", "category"]].values.tolist()
    [['B0FFF', 'university']]
    """
    from ..resources import read_resources

    if not types:
        raise InputError("types: give at least one Amap type code, e.g. ['141201']")
    if not 1 <= int(page_size) <= 25:
        raise InputError(f"page_size must be between 1 and 25, got {page_size}")
    secret = resolve_key(key, env="AMAP_KEY", service="Amap")
    area = zone_polygon(where, zone=zone, buffer_m=0.0)
    area_gcj = to_datum(gpd.GeoSeries([area], crs="EPSG:4326"), "GCJ02").iloc[0]
    folder = default_cache_dir("amap") if cache_dir is True else (cache_dir or None)
    base = {"types": "|".join(str(t) for t in types), "offset": str(int(page_size))}
    if keywords:
        base["keywords"] = keywords
    found: dict[str, dict[str, Any]] = {}
    capped = 0

    def classify(payload: Any):
        return amap_verdict(payload, what="POI", empty=not (payload or {}).get("pois"))

    with Client(
        "Amap",
        base_url=base_url or AMAP_URL,
        key=secret,
        key_param="key",
        qps=qps,
        timeout=timeout,
        retries=retries,
        cache_dir=folder,
    ) as client:

        def search(part: Any, depth: int) -> None:
            nonlocal capped
            page = 1
            got = 0
            while True:
                params = {**base, "polygon": _query_polygon(part), "page": str(page)}
                outcome = client.get(_PATH, params, classify=classify)
                if outcome.kind not in ("ok", "empty"):
                    raise ServiceError(f"Amap polygon search failed: {outcome.reason}")
                pois = list((outcome.payload or {}).get("pois") or [])
                total = int((outcome.payload or {}).get("count") or 0)
                for poi in pois:
                    found.setdefault(str(poi.get("id")), poi)
                got += len(pois)
                if page == 1 and total >= _MAX_RESULTS:
                    if depth < max_depth:
                        log.info("Amap: %d+ POIs in a cell; splitting it in four", total)
                        for piece in _quarters(part):
                            search(piece, depth + 1)
                        return
                    capped += 1
                if len(pois) < int(page_size) or got >= min(total, _MAX_RESULTS):
                    return
                page += 1

        parts = getattr(area_gcj, "geoms", [area_gcj])
        for part in parts:
            search(part, 0)
        log.info("Amap: %d requests, %d from the cache", client.n_requests, client.n_cached)

    rows = []
    for poi in found.values():
        try:
            x, y = (float(v) for v in str(poi["location"]).split(","))
        except (KeyError, ValueError):
            x = y = float("nan")
        kind = _text(poi.get("type")) or ""
        rows.append(
            {
                "id": _text(poi.get("id")),
                "name": _text(poi.get("name")),
                "amap_category": category or (kind.split(";")[-1] if kind else None),
                "amap_type": kind or None,
                "amap_typecode": _text(poi.get("typecode")),
                "address": _text(poi.get("address")),
                "lon": x,
                "lat": y,
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "id",
            "name",
            "amap_category",
            "amap_type",
            "amap_typecode",
            "address",
            "lon",
            "lat",
        ],
    )
    inside = table.index.to_series().map(lambda _: True).astype(bool)
    if len(table):
        wx, wy = transform_coords(
            table["lon"].to_numpy(float),
            table["lat"].to_numpy(float),
            source="GCJ02",
            target="WGS84",
        )
        inside = pd.Series(shapely.intersects_xy(area, wx, wy), index=table.index)
    n_outside = int((~inside).sum())
    table = table.loc[inside].reset_index(drop=True)
    lay = layout if layout is not None else (where if hasattr(where, "layers") else None)
    res = read_resources(
        table,
        lon="lon",
        lat="lat",
        datum="GCJ02",
        id="id",
        name="name",
        category="amap_category",
        categories=place_registry(),
        strict_categories=True,
        layout=lay,
        status="amap",
        check_datum=False,
    )
    from dataclasses import replace

    notes = list(res.notes)
    if n_outside:
        notes.append(
            f"{n_outside} POIs answered for the widened query area lie outside it: left out"
        )
    if capped:
        notes.append(
            f"{capped} cells still held Amap's {_MAX_RESULTS}-result cap at max_depth="
            f"{max_depth}: some POIs may be missing (raise max_depth)"
        )
    return replace(res, source=f"Amap POIs of types {base['types']}", notes=tuple(notes))
