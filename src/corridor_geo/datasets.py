"""The bundled data files: one accessor, provenance in ``SOURCES.md``.

The layout's default layers live in ``data/boundaries/`` of the source tree and are
copied into the wheel as ``corridor_geo/_data/boundaries/``.  Code reads them only
through :func:`get_path`, which looks in the installed package first and falls back to
the source tree (editable installs and a plain checkout on ``PYTHONPATH``).
"""

from __future__ import annotations

from pathlib import Path

from ._errors import DataFileError

__all__ = ["available", "get_path", "sources_text"]

_PACKAGE_DIR = Path(__file__).resolve().parent / "_data" / "boundaries"
_SOURCE_TREE_DIR = Path(__file__).resolve().parents[2] / "data" / "boundaries"


def _data_dir() -> Path:
    for candidate in (_PACKAGE_DIR, _SOURCE_TREE_DIR):
        if (candidate / "SOURCES.md").is_file():
            return candidate
    raise DataFileError(
        "the bundled boundary data are missing: looked in "
        f"{_PACKAGE_DIR} and {_SOURCE_TREE_DIR}. Reinstall corridor-geo "
        "(pip install --force-reinstall corridor-geo)."
    )


def available() -> list[str]:
    """Names of the bundled data files.

    Examples
    --------
    >>> "SOURCES.md" in available()
    True
    """
    return sorted(p.name for p in _data_dir().iterdir() if p.is_file())


def get_path(name: str) -> Path:
    """Path of a bundled data file.

    Parameters
    ----------
    name : str
        File name, e.g. ``"districts.geojson"`` (see :func:`available`).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataFileError
        If no such file is bundled.

    Examples
    --------
    >>> get_path("districts.geojson").name
    'districts.geojson'
    """
    path = _data_dir() / name
    if not path.is_file():
        raise DataFileError(
            f"no bundled data file named {name!r}; available: {', '.join(available())}"
        )
    return path


def sources_text() -> str:
    """The provenance of every bundled layer (``SOURCES.md``), as text.

    Examples
    --------
    >>> "Licence" in sources_text() or "licence" in sources_text()
    True
    """
    return get_path("SOURCES.md").read_text(encoding="utf-8")
