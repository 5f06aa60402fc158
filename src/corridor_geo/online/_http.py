"""HTTP plumbing shared by the online services (private).

One :class:`Client` per service and run: a ``requests`` session on a configurable base
URL, a rate limit (requests per second), retries with exponential backoff on HTTP 429,
5xx, time-outs and dropped connections, a disk cache of the answers keyed on the request
*without* the key, and key redaction: the key goes into the query string of the request
and nowhere else (not into the cache, a log line, an exception message or a result).

The provider decides what an answer means through a ``classify(payload)`` function that
returns a :class:`Verdict`.  Only final answers (``ok`` and ``empty``) are cached, so a
run interrupted by a time-out, a quota or Ctrl-C resumes from the cache without asking
again what it already knows.  After a ``key`` or ``quota`` verdict the client sends
nothing more in this run: every later request gets the same verdict without a request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from time import monotonic, sleep
from typing import Any
from urllib.parse import urlencode, urlparse

from .._errors import CorridorGeoError, InputError
from .._version import __version__

__all__ = [
    "FINAL",
    "STOPPING",
    "Client",
    "Outcome",
    "RateLimiter",
    "Redactor",
    "ResponseCache",
    "ServiceError",
    "Verdict",
    "default_cache_dir",
    "resolve_key",
]

log = logging.getLogger(__name__)

FINAL = ("ok", "empty")
"""Verdicts that are the service's last word on a request: cached, never retried."""

STOPPING = ("key", "quota")
"""Verdicts after which no further request is sent in the run."""

_CACHE_VERSION = 1
_USER_AGENT = f"corridor_geo/{__version__} (+https://github.com/corridor-geo/corridor_geo)"


class ServiceError(CorridorGeoError, OSError):
    """An online service failed: no answer after the retries, or a key or quota error.

    The message never contains the key.  What was fetched before the failure is in the
    cache, so running the same call again resumes where it stopped.
    """


@dataclass(frozen=True)
class Verdict:
    """What a provider's answer means.

    ``kind`` is ``"ok"`` (a usable answer), ``"empty"`` (the service's final word: no
    result), ``"retry"`` (a transient refusal such as a QPS limit: retried with
    backoff), ``"fail"`` (this request cannot succeed as sent: not retried, not
    cached), ``"key"`` or ``"quota"`` (stop the run).
    """

    kind: str
    reason: str = ""


@dataclass(frozen=True)
class Outcome:
    """The result of one request: the verdict, the payload and where it came from."""

    kind: str
    payload: Any = None
    reason: str = ""
    from_cache: bool = False
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def default_cache_dir(service: str) -> Path:
    """The cache folder of a service: ``$CORRIDOR_GEO_CACHE/<service>``.

    Without the environment variable: ``%LOCALAPPDATA%\\corridor_geo\\cache`` on
    Windows, ``~/Library/Caches/corridor_geo`` on macOS, ``$XDG_CACHE_HOME/corridor_geo``
    (default ``~/.cache/corridor_geo``) elsewhere.
    """
    root = os.environ.get("CORRIDOR_GEO_CACHE")
    if root:
        return Path(root).expanduser() / service
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "corridor_geo" / "cache" / service
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "corridor_geo" / service
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "corridor_geo" / service


def resolve_key(key: str | None, *, env: str, service: str) -> str:
    """The key given, else the one in the environment variable ``env``, else an error."""
    if key is None:
        key = os.environ.get(env)
    if key is None or not str(key).strip():
        raise InputError(
            f"{service} needs a key: pass key=... or set the environment variable {env} "
            f"(the key is sent to {service} only, never written to a file or a log)"
        )
    return str(key).strip()


class Redactor:
    """Replaces secrets (and their URL-encoded forms) in any text with ``***``."""

    def __init__(self, *secrets: str | None) -> None:
        forms: set[str] = set()
        for s in secrets:
            if s:
                forms.add(s)
                forms.add(urlencode({"": s})[1:])
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: Any) -> str:
        out = str(text)
        for form in self._forms:
            out = out.replace(form, "***")
        return out


class _RedactingFilter(logging.Filter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self._redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


# urllib3 logs every request line (with its query string, hence the key) at DEBUG.
_TRANSPORT_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry")


@contextlib.contextmanager
def _redacted_transport_logs(redact: Redactor) -> Iterator[None]:
    """Redact the key from urllib3's log records while our request is in flight."""
    filt = _RedactingFilter(redact)
    loggers = [logging.getLogger(name) for name in _TRANSPORT_LOGGERS]
    for lg in loggers:
        lg.addFilter(filt)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeFilter(filt)


class RateLimiter:
    """At most ``qps`` request starts per second: waits exactly as long as needed.

    Examples
    --------
    >>> t = [0.0]
    >>> lim = RateLimiter(2.0, clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    >>> for _ in range(3):
    ...     lim.wait()
    >>> t[0]
    1.0
    """

    def __init__(
        self,
        qps: float,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not qps or qps <= 0:
            raise InputError(f"qps must be a positive number of requests per second, got {qps}")
        self.interval = 1.0 / float(qps)
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None
        self.waited = 0.0

    def _now(self) -> float:
        return self._clock() if self._clock is not None else monotonic()

    def _pause(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            sleep(seconds)

    def wait(self) -> None:
        now = self._now()
        if self._next is not None and self._next > now:
            delay = self._next - now
            self.waited += delay
            self._pause(delay)
            now = self._next
        self._next = now + self.interval


class ResponseCache:
    """Answers on disk, one JSON file per request, written atomically.

    The file name is a SHA-256 of the request without its key; the file holds the
    request (without the key) and the answer, so it can be read and audited.
    """

    def __init__(self, folder: str | os.PathLike[str] | None) -> None:
        self.folder = None if folder is None else Path(folder).expanduser()

    @staticmethod
    def request_id(url: str, params: Mapping[str, Any]) -> str:
        text = json.dumps(
            [_CACHE_VERSION, url, sorted((str(k), str(v)) for k, v in params.items())],
            ensure_ascii=False,
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def path(self, rid: str) -> Path | None:
        return None if self.folder is None else self.folder / rid[:2] / f"{rid}.json"

    def get(self, rid: str) -> Any:
        path = self.path(rid)
        if path is None or not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))["payload"]
        except (ValueError, KeyError, OSError):
            log.warning("ignoring an unreadable cache file %s", path)
            return None

    def put(self, rid: str, url: str, params: Mapping[str, Any], payload: Any) -> None:
        path = self.path(rid)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"url": url, "params": dict(params), "payload": payload}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(record, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


class Client:
    """GET requests to one service with rate limit, retries, cache and key redaction.

    Parameters
    ----------
    service : str
        Name used in messages (``"Amap"``).
    base_url : str
        Scheme, host and optional path prefix (an intranet proxy works).
    key, key_param : str
        The key and the query parameter that carries it (``"key"``, ``"ak"``, ``"tk"``).
    qps : float
        Largest request rate.
    timeout : float
        Seconds to wait for an answer.
    retries : int
        Extra attempts after a 429, 5xx, time-out, dropped connection or ``retry``
        verdict.
    backoff : float
        First pause before a retry, doubled each time (a ``Retry-After`` header is
        honoured), never more than ``max_backoff``.
    cache_dir : path or None
        Cache folder; ``None`` disables the cache.
    """

    def __init__(
        self,
        service: str,
        *,
        base_url: str,
        key: str | None,
        key_param: str | None,
        qps: float,
        timeout: float,
        retries: int,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        cache_dir: str | os.PathLike[str] | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        import requests

        if not base_url or "://" not in base_url:
            raise InputError(f"{service}: base_url must start with http:// or https://")
        if timeout <= 0:
            raise InputError(f"{service}: timeout must be positive, got {timeout}")
        if retries < 0:
            raise InputError(f"{service}: retries must be >= 0, got {retries}")
        self.service = service
        self.base_url = base_url.rstrip("/")
        self._key = key
        self._key_param = key_param
        self.redact = Redactor(key)
        self.limiter = RateLimiter(qps, clock=clock, sleep=sleep)
        self._sleep = sleep
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.cache = ResponseCache(cache_dir)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = _USER_AGENT
        if urlparse(self.base_url).hostname in ("127.0.0.1", "localhost", "::1"):
            self.session.trust_env = False  # a local server is never reached through a proxy
        self.stopped: Outcome | None = None
        self.n_requests = 0
        self.n_cached = 0

    def __repr__(self) -> str:
        return f"<Client {self.service} {self.base_url}>"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pause(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            sleep(seconds)

    def _wait_before_retry(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff * (2**attempt)
        if retry_after is not None:
            with contextlib.suppress(ValueError):
                delay = max(delay, float(retry_after))
        delay = min(delay, self.max_backoff)
        log.info("%s: retrying in %.2g s", self.service, delay)
        self._pause(delay)

    def get(
        self,
        path: str,
        params: Mapping[str, Any],
        *,
        classify: Callable[[Any], Verdict],
        use_cache: bool = True,
    ) -> Outcome:
        """One GET request, answered from the cache when possible.

        Returns an :class:`Outcome`; never raises for a failed request (the reason says
        what happened) and never puts the key in the reason.
        """
        url = self.base_url + "/" + path.lstrip("/")
        params = {str(k): v for k, v in params.items()}
        rid = self.cache.request_id(url, params)
        if use_cache:
            cached = self.cache.get(rid)
            if cached is not None:
                verdict = classify(cached)
                if verdict.kind in FINAL:
                    self.n_cached += 1
                    return Outcome(verdict.kind, cached, verdict.reason, from_cache=True)
        if self.stopped is not None:
            return Outcome(
                self.stopped.kind,
                reason=f"not requested: {self.stopped.reason} (earlier in this run)",
            )
        outcome = self._fetch(url, params, classify)
        if outcome.kind in FINAL and use_cache:
            self.cache.put(rid, url, params, outcome.payload)
        if outcome.kind in STOPPING:
            self.stopped = outcome
            log.warning("%s: %s; no further requests in this run", self.service, outcome.reason)
        return outcome

    def _fetch(self, url: str, params: dict[str, Any], classify: Callable[[Any], Verdict]):
        import requests

        sent = dict(params)
        if self._key_param is not None and self._key is not None:
            sent[self._key_param] = self._key
        shown = self.redact(url + "?" + urlencode(params))
        transient = ""
        attempt = 0
        for attempt in range(self.retries + 1):
            self.limiter.wait()
            self.n_requests += 1
            log.info("%s: GET %s", self.service, shown)
            retry_after = None
            error: str | None = None
            response = None
            with _redacted_transport_logs(self.redact):
                try:
                    response = self.session.get(url, params=sent, timeout=self.timeout)
                except requests.Timeout:
                    error = f"no answer within the time-out of {self.timeout:g} s"
                except requests.ConnectionError as exc:
                    error = f"connection failed ({type(exc).__name__})"
                except requests.RequestException as exc:
                    return Outcome(
                        "fail",
                        reason=f"request failed ({type(exc).__name__})",
                        attempts=attempt + 1,
                    )
            if response is not None:
                status = response.status_code
                if status == 429 or status >= 500:
                    error = f"HTTP {status} {self.redact(response.reason or '')}".strip()
                    retry_after = response.headers.get("Retry-After")
                elif status in (401, 403):
                    return Outcome(
                        "key",
                        reason=f"{self.service} refused the key (HTTP {status})",
                        attempts=attempt + 1,
                    )
                elif status >= 400:
                    return Outcome(
                        "fail",
                        reason=f"{self.service} answered HTTP {status}",
                        attempts=attempt + 1,
                    )
                else:
                    try:
                        payload = response.json()
                    except ValueError:
                        return Outcome(
                            "fail",
                            reason=f"malformed answer from {self.service} (not JSON)",
                            attempts=attempt + 1,
                        )
                    verdict = classify(payload)
                    reason = self.redact(verdict.reason)
                    if verdict.kind != "retry":
                        return Outcome(verdict.kind, payload, reason, attempts=attempt + 1)
                    error = reason
            transient = error or "unknown error"
            log.info("%s: %s (attempt %d)", self.service, transient, attempt + 1)
            if attempt < self.retries:
                self._wait_before_retry(attempt, retry_after)
        n = attempt + 1
        return Outcome(
            "fail",
            reason=f"{transient} ({n} attempt{'s' if n > 1 else ''})",
            attempts=n,
        )
