"""``corridor_geo.show_versions()``: what to paste into a bug report."""

from __future__ import annotations

import importlib
import platform
import sys

__all__ = ["show_versions", "versions"]

_DEPENDENCIES = (
    "numpy",
    "pandas",
    "shapely",
    "pyproj",
    "geopandas",
    "pyogrio",
    "numba",
    "scipy",
    "networkx",
    "rasterio",
    "h3",
    "osmium",
    "matplotlib",
    "folium",
    "openpyxl",
    "tqdm",
    "dask",
    "dask_geopandas",
    "distributed",
    "pyarrow",
)


def versions() -> dict[str, dict[str, str | None]]:
    """Versions of Python, corridor_geo, its dependencies and the C libraries they use.

    Examples
    --------
    >>> info = versions()
    >>> sorted(info)
    ['dependencies', 'libraries', 'system']
    >>> info["dependencies"]["numpy"] is not None
    True
    """
    from ._version import __version__

    system = {
        "python": sys.version.replace("\n", " "),
        "executable": sys.executable,
        "machine": platform.platform(),
        "corridor_geo": __version__,
    }
    deps: dict[str, str | None] = {}
    for name in _DEPENDENCIES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            deps[name] = None
            continue
        version = getattr(module, "__version__", None)
        if version is None:
            from importlib.metadata import PackageNotFoundError
            from importlib.metadata import version as dist_version

            try:
                version = dist_version({"osmium": "osmium"}.get(name, name.replace("_", "-")))
            except PackageNotFoundError:
                version = "installed"
        deps[name] = str(version)
    libs: dict[str, str | None] = {}
    try:
        import pyproj

        libs["PROJ"] = pyproj.proj_version_str
        libs["PROJ data"] = pyproj.datadir.get_data_dir()
    except ImportError:  # pragma: no cover - core dependency
        libs["PROJ"] = None
    try:
        import shapely

        libs["GEOS"] = shapely.geos_version_string
    except ImportError:  # pragma: no cover
        libs["GEOS"] = None
    try:
        import pyogrio

        libs["GDAL (pyogrio)"] = pyogrio.__gdal_version_string__
    except (ImportError, AttributeError):  # pragma: no cover
        libs["GDAL (pyogrio)"] = None
    try:
        import rasterio

        libs["GDAL (rasterio)"] = rasterio.__gdal_version__
    except (ImportError, AttributeError):  # pragma: no cover
        libs["GDAL (rasterio)"] = None
    return {"system": system, "dependencies": deps, "libraries": libs}


def show_versions() -> None:
    """Print :func:`versions` for bug reports (the one function here that prints).

    Examples
    --------
    >>> show_versions()  # doctest: +ELLIPSIS
    <BLANKLINE>
    SYSTEM
    ------
    python: ...
    """
    info = versions()
    for title, section in (
        ("SYSTEM", info["system"]),
        ("DEPENDENCIES", info["dependencies"]),
        ("C LIBRARIES", info["libraries"]),
    ):
        print(f"\n{title}\n{'-' * len(title)}")
        for key, value in section.items():
            print(f"{key}: {value if value is not None else 'not installed'}")
