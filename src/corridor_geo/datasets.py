"""The bundled data files: one accessor, provenance in ``SOURCES.md``.

The layout's default layers live in ``data/boundaries/`` of the source tree and are
copied into the wheel as ``corridor_geo/_data/boundaries/``.  Further folders hold the
resource category registry and the plan's targets (``data/indicators/``), the census
population of the districts and sub-districts (``data/population/``), a small sample of real
institutions (``data/samples/``), Qingdao's metro network (``data/metro/``) and the cited
register of real institutions (``data/register/``); each has its own ``SOURCES.md``.
Code reads every
file only through :func:`get_path`, which looks in the installed package first and falls
back to the source tree (editable installs and a plain checkout on ``PYTHONPATH``).
A bare file name is looked up in ``boundaries`` first, then in the other folders in the
order of :data:`FOLDERS`; ``"folder/name"`` names one folder's file (``"samples/SOURCES.md"``).
"""

from __future__ import annotations

from pathlib import Path

from ._errors import DataFileError

__all__ = ["FOLDERS", "available", "get_path", "sources_text"]

FOLDERS = ("boundaries", "indicators", "population", "samples", "metro", "register")
"""The bundled data folders, in lookup order."""

_PACKAGE_ROOT = Path(__file__).resolve().parent / "_data"
_SOURCE_TREE_ROOT = Path(__file__).resolve().parents[2] / "data"
_PACKAGE_DIR = _PACKAGE_ROOT / "boundaries"
_SOURCE_TREE_DIR = _SOURCE_TREE_ROOT / "boundaries"


def _folder_dir(folder: str) -> Path:
    for root in (_PACKAGE_ROOT, _SOURCE_TREE_ROOT):
        candidate = root / folder
        if (candidate / "SOURCES.md").is_file():
            return candidate
    raise DataFileError(
        f"the bundled {folder} data are missing: looked in "
        f"{_PACKAGE_ROOT / folder} and {_SOURCE_TREE_ROOT / folder}. Reinstall corridor-geo "
        "(pip install --force-reinstall corridor-geo)."
    )


def _data_dir() -> Path:
    return _folder_dir("boundaries")


def _extra_dirs() -> list[Path]:
    out = []
    for folder in FOLDERS[1:]:
        try:
            out.append(_folder_dir(folder))
        except DataFileError:
            continue
    return out


def available() -> list[str]:
    """Names of the bundled data files.

    Examples
    --------
    >>> "SOURCES.md" in available()
    True
    >>> "census_2020_districts.csv" in available()
    True
    >>> "subdistricts.geojson" in available()
    True
    """
    names = {p.name for p in _data_dir().iterdir() if p.is_file()}
    for folder in _extra_dirs():
        names.update(p.name for p in folder.iterdir() if p.is_file())
    return sorted(names)


def get_path(name: str) -> Path:
    """Path of a bundled data file.

    Parameters
    ----------
    name : str
        File name, e.g. ``"districts.geojson"`` (see :func:`available`), or
        ``"folder/name"`` for a file of one folder of :data:`FOLDERS`.

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
    >>> get_path("samples/SOURCES.md").parent.name
    'samples'
    """
    folder, sep, base = name.partition("/")
    if sep and folder in FOLDERS:
        candidates = [_folder_dir(folder) / base]
    else:
        candidates = [_data_dir() / name] + [d / name for d in _extra_dirs()]
    for path in candidates:
        if path.is_file():
            return path
    raise DataFileError(
        f"no bundled data file named {name!r}; available: {', '.join(available())}"
    )


def sources_text() -> str:
    """The provenance of every bundled layer (``SOURCES.md``), as text.

    Examples
    --------
    >>> "Licence" in sources_text() or "licence" in sources_text()
    True
    """
    return get_path("SOURCES.md").read_text(encoding="utf-8")
