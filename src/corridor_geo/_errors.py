"""Exception and warning classes of corridor_geo.

Every error subclasses a built-in exception, so ``except ValueError`` keeps working for
callers who do not care about the details, and the message always says what was wrong
and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "CorridorGeoError",
    "DataFileError",
    "DatumMislabelWarning",
    "GeometryError",
    "InputError",
    "LayoutError",
    "LayoutWarning",
    "MissingCRSError",
]


class CorridorGeoError(Exception):
    """Base class of every error raised on purpose by corridor_geo."""


class InputError(CorridorGeoError, ValueError):
    """An argument or an input table is not what the function needs."""


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or unsuitable."""


class MissingCRSError(CRSError):
    """Data without a CRS was given where the CRS cannot be guessed."""


class GeometryError(InputError):
    """A geometry is invalid, empty, of the wrong type or in the wrong place."""


class LayoutError(InputError):
    """A layer of the corridor layout breaks a rule of the layout."""


class DataFileError(CorridorGeoError, OSError):
    """A bundled or user data file is missing or cannot be read."""


class DatumMislabelWarning(UserWarning):
    """Data labelled WGS84/CGCS2000 looks like GCJ-02 or BD-09 in disguise."""


class LayoutWarning(UserWarning):
    """A layout layer differs from the plan's official figures beyond tolerance."""
