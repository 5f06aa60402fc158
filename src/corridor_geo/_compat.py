"""Deprecation shims: old spellings keep working for one release, with a FutureWarning (private).

Following OSMnx 2.0's migration: a renamed argument, a formerly positional option now
keyword-only, or a renamed function still works in this release and says what to write
instead; the next minor release removes the old spelling.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

REMOVED_IN = "0.3"
"""The release that drops the old spellings."""


def warn(message: str, *, stacklevel: int = 3) -> None:
    """Emit the FutureWarning of a deprecated spelling."""
    warnings.warn(
        f"{message} (the old spelling stops working in corridor_geo {REMOVED_IN})",
        FutureWarning,
        stacklevel=stacklevel,
    )


def keyword_only(*names: str) -> Callable[[F], F]:
    """Accept ``names`` positionally after the required arguments, for one more release.

    The decorated function declares them keyword-only; a call passing them by position
    (the old signature) still works, with a FutureWarning naming the keyword to use.
    """

    def decorate(func: F) -> F:
        sig = inspect.signature(func)
        n_pos = sum(
            p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in sig.parameters.values()
        )

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if len(args) > n_pos:
                extra = args[n_pos:]
                if len(extra) > len(names):
                    raise TypeError(
                        f"{func.__name__}() takes {n_pos} positional argument(s) but "
                        f"{len(args)} were given"
                    )
                for name, value in zip(names, extra):
                    if name in kwargs:
                        raise TypeError(f"{func.__name__}() got {name!r} twice")
                    kwargs[name] = value
                warn(
                    f"{func.__name__}: pass "
                    + ", ".join(f"{n}=..." for n in names[: len(extra)])
                    + " by keyword"
                )
                args = args[:n_pos]
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def renamed_keywords(**renames: str) -> Callable[[F], F]:
    """Accept old keyword names (``old="new"``) for one more release, with a FutureWarning."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{func.__name__}() got both {old!r} (old name) and {new!r}"
                        )
                    kwargs[new] = kwargs.pop(old)
                    warn(f"{func.__name__}: the argument {old!r} is now called {new!r}")
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def renamed_function(func: F, old: str) -> F:
    """``func`` under its old name ``old``, warning on each call."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warn(f"{old}() is now {func.__module__}.{func.__name__}()")
        return func(*args, **kwargs)

    wrapper.__name__ = old
    wrapper.__qualname__ = old
    wrapper.__doc__ = (
        f"Deprecated alias of :func:`{func.__module__}.{func.__name__}` (FutureWarning).\n\n"
        "Examples\n--------\n>>> callable(" + old + ")\nTrue\n"
    )
    return wrapper  # type: ignore[return-value]
