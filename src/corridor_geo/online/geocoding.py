"""Geocoding address lists with Amap, Baidu or Tianditu.

:func:`geocode` sends each address of a table to a Chinese geocoding service, converts
the answer to WGS84 with :mod:`corridor_geo.crs` (Amap answers in GCJ-02, Baidu in BD-09,
Tianditu in CGCS2000) and reads the result with
:func:`corridor_geo.resources.read_resources`, so it comes back as a
:class:`~corridor_geo.resources.ResourceTable` that every analysis takes.

Nothing is guessed.  A row is rejected, with the reason, when its address is empty, when
the service finds nothing, when the match is coarser than ``min_level`` (say only the
district is known), when the key or the quota fails, or when the service does not answer
after the retries.  Keys come from an argument or an environment variable (``AMAP_KEY``,
``BAIDU_AK``, ``TIANDITU_TK``) and are never written to a result, a cache file, a log line
or an error message.

Requests are rate-limited (``qps``), retried with exponential backoff on HTTP 429, 5xx,
time-outs and QPS refusals, and cached on disk (``cache_dir``; see
:func:`cache_dir_for`): the same address is never asked twice, and a run stopped by a
quota, a time-out or Ctrl-C resumes where it stopped.  ``base_url`` points the requests
at an intranet proxy of the service.

Match levels (``geocode_level`` keeps the provider's own word) are put on one ladder,
coarse to fine: ``unknown < country < province < city < district < town < road < poi <
address`` (see :data:`LEVELS`).  The default ``min_level="poi"`` keeps named places and
addresses and rejects matches to a road, a town or a district, which can be kilometres
off.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from .._text import listing
from ._http import Client, default_cache_dir, resolve_key
from ._providers import LEVELS, PROVIDERS, level_rank

__all__ = ["LEVELS", "PROVIDER_NAMES", "cache_dir_for", "geocode"]

log = logging.getLogger(__name__)

PROVIDER_NAMES = tuple(PROVIDERS)
"""The geocoding services: ``"amap"`` (GCJ-02), ``"baidu"`` (BD-09), ``"tianditu"`` (CGCS2000)."""

_ADDRESS_NAMES = ("address", "地址", "详细地址", "单位地址", "addr")


def cache_dir_for(provider: str) -> Path:
    """The default cache folder of a provider (``$CORRIDOR_GEO_CACHE/<provider>``).

    Examples
    --------
    >>> cache_dir_for("amap").name
    'amap'
    """
    if provider not in PROVIDERS and provider not in ("osmnx",):
        raise InputError(f"unknown provider {provider!r}: use one of {', '.join(PROVIDERS)}")
    return default_cache_dir(provider)


def _read_table(source: Any, encoding: str | None) -> tuple[pd.DataFrame, str, list[str]]:
    """The address table, read by the library's one reader (encodings, delimiters, XLSX)."""
    from .._readers import read_raw

    raw = read_raw(source, encoding=encoding, what="addresses")
    notes = list(raw.notes)
    if raw.bad:
        lines = ", ".join(str(b[1]) for b in raw.bad[:5])
        notes.append(f"{len(raw.bad)} lines of the file are not rows and were not read: {lines}")
        log.warning("%s: %s", raw.label, notes[-1])
    return pd.DataFrame(raw.frame).reset_index(drop=True), raw.label, notes


def _address_column(table: pd.DataFrame, address: str | None) -> str:
    if address is not None:
        if address not in table.columns:
            raise InputError(
                f"no address column {address!r}; the table has "
                f"{listing(table.columns, quote=True)}"
            )
        return address
    lowered = {str(c).strip().lower(): c for c in table.columns}
    for name in _ADDRESS_NAMES:
        if name in lowered:
            return lowered[name]
    raise InputError(
        f"cannot find the address column (tried {', '.join(_ADDRESS_NAMES)}); the table "
        f"has {listing(table.columns, quote=True)}: name it with address='...'"
    )


def geocode(
    table: pd.DataFrame | str | os.PathLike[str],
    *,
    address: str | None = None,
    provider: str = "amap",
    key: str | None = None,
    city: str | None = "青岛市",
    min_level: str = "poi",
    qps: float = 2.0,
    timeout: float = 10.0,
    retries: int = 3,
    cache_dir: str | os.PathLike[str] | bool | None = True,
    base_url: str | None = None,
    encoding: str | None = None,
    progress: bool = False,
    **read_options: Any,
):
    """Geocode the addresses of a table into a resource table (WGS84 points).

    Parameters
    ----------
    table : DataFrame or path
        A table with an address column (CSV in UTF-8 or GBK, XLSX, or a DataFrame).
    address : str, optional
        The address column; found by common names (``address``, ``地址``, ``详细地址``)
        when omitted.
    provider : {"amap", "baidu", "tianditu"}
        The geocoding service.
    key : str, optional
        The service's key; by default the environment variable ``AMAP_KEY``,
        ``BAIDU_AK`` or ``TIANDITU_TK``.  Never written anywhere.
    city : str or None
        City the addresses are in (Amap and Baidu restrict or rank by it; Tianditu gets
        it in front of the address unless already there).  ``None`` for all of China.
    min_level : str
        The coarsest match level accepted, on the ladder :data:`LEVELS`.
    qps : float
        Largest number of requests per second (check your key's quota).
    timeout, retries : float, int
        Seconds to wait for an answer; extra attempts after a 429, 5xx, time-out or a
        QPS refusal (with exponential backoff).
    cache_dir : path, True, or None/False
        Cache folder of the answers; ``True`` (default) for :func:`cache_dir_for`,
        ``None``/``False`` for no cache.
    base_url : str, optional
        Scheme and host of the service (or of an intranet proxy); the public service
        by default.
    encoding : str, optional
        Text encoding of a CSV (UTF-8 or GB18030 detected).
    progress : bool
        Show a progress bar (tqdm).
    **read_options
        Passed to :func:`corridor_geo.resources.read_resources`: ``category``,
        ``default_category``, ``id``, ``name``, ``weight``, ``categories``, ``layout``,
        ``tolerance_m``, ``status``.

    Returns
    -------
    ResourceTable
        ``accepted``: WGS84 points with the table's columns plus ``geocode_provider``,
        ``geocode_query`` (what was sent), ``geocode_level`` (the provider's level),
        ``geocode_level_class`` (on :data:`LEVELS`), ``geocode_address`` (Amap's
        formatted address), ``geocode_confidence`` (Baidu's confidence, Tianditu's
        score), ``geocode_cached`` and ``lon_source``/``lat_source``/``datum_source``
        (the answer in the provider's datum).  ``rejected``: the other rows with the
        reason.  ``accepted + rejected`` = rows of the table.

    Raises
    ------
    InputError
        If no key is given or set, the provider or ``min_level`` is unknown, or the
        address column is missing.

    Examples
    --------
    Against a local stand-in of Amap (see :mod:`corridor_geo.online.testing`):

    >>> import pandas as pd
    >>> from corridor_geo.online.testing import StandIn, amap_geocode_answer
    >>> table = pd.DataFrame({"name": ["中国海洋大学", "某区"], "类别": ["高校", "高校"],
    ...                       "地址": ["青岛市崂山区松岭路238号", "青岛市崂山区"]})
    >>> answers = {"青岛市崂山区松岭路238号": amap_geocode_answer(120.49547, 36.16504, "门牌号"),
    ...            "青岛市崂山区": amap_geocode_answer(120.46874, 36.10704, "区县")}
    >>> with StandIn(amap=answers) as server:
    ...     res = geocode(table, address="地址", key="demo", base_url=server.url,
    ...                   cache_dir=None)
    >>> len(res.accepted), res.accepted["geocode_level"].tolist()
    (1, ['门牌号'])
    >>> print(res.rejected["reason"].iloc[0])
    match only at level 区县 (district), coarser than min_level 'poi'
    """
    from ..resources import read_resources

    if provider not in PROVIDERS:
        raise InputError(f"unknown provider {provider!r}: use one of {', '.join(PROVIDERS)}")
    if min_level not in LEVELS:
        raise InputError(f"unknown min_level {min_level!r}: use one of {', '.join(LEVELS)}")
    spec = PROVIDERS[provider]
    secret = resolve_key(key, env=spec.env, service=spec.label)
    raw, label, read_notes = _read_table(table, encoding)
    col = _address_column(raw, address)
    folder = default_cache_dir(provider) if cache_dir is True else (cache_dir or None)
    n = len(raw)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    why = np.full(n, "", dtype=object)
    info: dict[str, list[Any]] = {
        k: [None] * n for k in ("query", "level", "level_class", "address", "confidence", "cached")
    }
    floor = level_rank(min_level)
    queries = raw[col].map(lambda v: "" if pd.isna(v) else " ".join(str(v).split()))
    rows: Any = range(n)
    if progress:
        from tqdm.auto import tqdm

        rows = tqdm(rows, desc=f"geocoding ({spec.label})", unit=" rows")
    memo: dict[str, Any] = {}
    with Client(
        spec.label,
        base_url=base_url or spec.base_url,
        key=secret,
        key_param=spec.key_param,
        qps=qps,
        timeout=timeout,
        retries=retries,
        cache_dir=folder,
    ) as client:
        for i in rows:
            q = queries.iloc[i]
            info["query"][i] = q or None
            if not q:
                why[i] = "missing address"
                continue
            if q not in memo:
                memo[q] = client.get(spec.path, spec.params(q, city), classify=spec.verdict)
            outcome = memo[q]
            info["cached"][i] = bool(outcome.from_cache)
            if not outcome.ok:
                why[i] = outcome.reason
                continue
            try:
                m = spec.match(outcome.payload)
            except (KeyError, IndexError, TypeError, ValueError):
                why[i] = f"malformed answer from {spec.label} (no usable location)"
                continue
            info["level"][i] = m.level
            info["level_class"][i] = m.level_class
            info["address"][i] = m.formatted
            info["confidence"][i] = m.confidence
            if level_rank(m.level_class) < floor:
                why[i] = (
                    f"match only at level {m.level} ({m.level_class}), coarser than "
                    f"min_level {min_level!r}"
                )
                continue
            lon[i], lat[i] = m.lon, m.lat
        traffic = (
            f"{spec.label}: {client.n_requests} requests sent, {client.n_cached} answers "
            "from the cache"
        )
        log.info("%s (%d rows)", traffic, n)
    frame = raw.copy()
    frame["geocode_provider"] = provider
    for k, values in info.items():
        frame[f"geocode_{k}"] = values
    frame["geocode_lon"] = lon
    frame["geocode_lat"] = lat
    options = {"status": "user-supplied", "check_datum": False, **read_options}
    result = read_resources(
        frame, lon="geocode_lon", lat="geocode_lat", datum=spec.datum, **options
    )
    return _with_geocode_reasons(result, why, provider, label, [*read_notes, traffic])


def _with_geocode_reasons(
    result: Any, why: np.ndarray, provider: str, label: str, extra: list[str]
):
    """Replace read_resources' "missing coordinates" by the geocoding reason."""
    from dataclasses import replace

    rejected = result.rejected.copy()
    if len(rejected):
        reasons = []
        for row, reason in zip(rejected["source_row"], rejected["reason"]):
            mine = why[int(row) - 1]
            parts = [p for p in str(reason).split("; ") if p != "missing coordinates"]
            reasons.append("; ".join([mine, *parts] if mine else parts))
        rejected["reason"] = reasons
        rejected = rejected.drop(columns=["geocode_lon", "geocode_lat"], errors="ignore")
    accepted = result.accepted.drop(columns=["geocode_lon", "geocode_lat"], errors="ignore")
    source = f"{label}, geocoded by {PROVIDERS[provider].label}"
    notes = (*result.notes, *extra)
    return replace(result, accepted=accepted, rejected=rejected, source=source, notes=notes)
