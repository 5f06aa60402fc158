"""Words for messages: lists, counts and option names as a user reads them (private).

Messages never show a Python ``list`` or ``dict``: :func:`listing` writes names as
``a, b, c``, :func:`counts_text` writes ``{"beyond max_distance": 8}`` as ``8 beyond
max_distance``.  :func:`option` names an option the way the user gave it: the keyword
in Python (``fix_swapped=True``), the flag on the command line (``--fix-swapped``),
which the ``corridor-geo`` command switches on with :func:`command_line` for the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_ON_COMMAND_LINE: ContextVar[bool] = ContextVar("corridor_geo_command_line", default=False)


def listing(values: Iterable[Any], *, limit: int | None = None, quote: bool = False) -> str:
    """Values joined by ``", "``, at most ``limit`` of them then ``and N more``.

    Examples
    --------
    >>> listing(["finance", "university"])
    'finance, university'
    >>> listing(["名称", "lon", "lat"], quote=True)
    "'名称', 'lon', 'lat'"
    >>> listing(range(8), limit=5)
    '0, 1, 2, 3, 4 and 3 more'
    >>> listing([])
    '(none)'
    """
    items = [repr(str(v)) if quote else str(v) for v in values]
    if not items:
        return "(none)"
    more = len(items) - limit if limit is not None and len(items) > limit else 0
    shown = items[: len(items) - more]
    return ", ".join(shown) + (f" and {more} more" if more else "")


def counts_text(tally: Mapping[Any, Any]) -> str:
    """``{reason: n}`` as ``n reason, m other reason``, the largest first.

    Examples
    --------
    >>> counts_text({"beyond max_distance": 8})
    '8 beyond max_distance'
    >>> counts_text({"across water": 1, "beyond max_distance": 3})
    '3 beyond max_distance, 1 across water'
    """
    items = sorted(tally.items(), key=lambda kv: -int(kv[1]))
    return ", ".join(f"{int(n)} {k}" for k, n in items) if items else "(none)"


def on_command_line() -> bool:
    """Whether the code runs inside the ``corridor-geo`` command."""
    return _ON_COMMAND_LINE.get()


@contextmanager
def command_line() -> Iterator[None]:
    """Name options as command-line flags while the block runs (the CLI's ``main``).

    Examples
    --------
    >>> with command_line():
    ...     option("fix_swapped")
    '--fix-swapped'
    >>> option("fix_swapped")
    'fix_swapped=True'
    """
    token = _ON_COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _ON_COMMAND_LINE.reset(token)


def option(keyword: str, value: Any = True) -> str:
    """An option as the user spells it: ``datum='GCJ02'`` or ``--datum GCJ02``.

    The flag is the keyword with ``-`` for ``_`` (the CLI's convention); a ``True``
    value is a switch.

    Examples
    --------
    >>> option("datum", "GCJ02"), option("header_row", 3)
    ("datum='GCJ02'", 'header_row=3')
    >>> with command_line():
    ...     option("datum", "GCJ02"), option("header_row", 3)
    ('--datum GCJ02', '--header-row 3')
    """
    if on_command_line():
        flag = "--" + keyword.replace("_", "-")
        return flag if value is True else f"{flag} {value}"
    return f"{keyword}={value!r}"
