"""Coordinate reference systems and Chinese datums done right.

China's official datum is CGCS2000 (EPSG:4490), within about a metre of WGS84
(EPSG:4326).  Most Chinese web maps (Amap/Gaode, Tencent) publish coordinates in
**GCJ-02**, an obfuscated WGS84 that lies 430-460 m east and 15-30 m north of WGS84 in
Qingdao; Baidu publishes **BD-09**, a further offset of GCJ-02.  Neither has an EPSG
code or a PROJ transformation, so this module provides:

* constants :data:`WGS84`, :data:`CGCS2000`, :data:`ANALYSIS_CRS` (EPSG:4549, CGCS2000 /
  3-degree Gauss-Kruger CM 120E, metres), :data:`GCJ02` and :data:`BD09`;
* vectorised array transforms in every direction between WGS84, GCJ-02 and BD-09
  (:func:`wgs84_to_gcj02`, :func:`gcj02_to_wgs84`, ...);
* :func:`to_datum` for shapely geometries, GeoSeries and GeoDataFrames (every geometry
  type, holes, multi-parts and Z kept);
* :func:`to_analysis_crs`, :func:`geodesic_area` and :func:`geodesic_length`.

How GCJ-02 and BD-09 data are marked
------------------------------------
A GeoSeries or GeoDataFrame in GCJ-02 or BD-09 carries the custom geographic CRS
:data:`GCJ02` or :data:`BD09`: a WKT2 ``GEOGCRS`` named ``"GCJ-02"`` / ``"BD-09"`` whose
datum is named ``"GCJ-02 (Chinese obfuscation of World Geodetic System 1984)"`` /
``"BD-09 (Baidu offset of GCJ-02)"`` and which has no EPSG code.  The name survives a
round trip through GeoPackage and Shapefile (``.prj``), and :func:`datum_of` recognises
it.  Never call ``GeoDataFrame.to_crs`` on such data: PROJ knows no transformation and
silently treats it as WGS84.  Use :func:`to_datum` or :func:`to_analysis_crs`, which do.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import _gcj
from ._errors import CRSError, InputError, MissingCRSError

__all__ = [
    "ANALYSIS_CRS",
    "BD09",
    "CGCS2000",
    "DATUMS",
    "GCJ02",
    "WGS84",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "datum_of",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "geodesic_area",
    "geodesic_length",
    "normalize_datum",
    "out_of_china",
    "resolve_crs",
    "set_datum",
    "to_analysis_crs",
    "to_crs",
    "to_datum",
    "transform_coords",
    "transform_xy",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

log = logging.getLogger(__name__)

WGS84: CRS = CRS.from_epsg(4326)
"""WGS 84 geographic coordinates (EPSG:4326): the storage CRS of corridor_geo."""

CGCS2000: CRS = CRS.from_epsg(4490)
"""China Geodetic Coordinate System 2000 (EPSG:4490), China's official datum."""

ANALYSIS_CRS: CRS = CRS.from_epsg(4549)
"""CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549), metres: all metric work."""

_DEG = 'ANGLEUNIT["degree",0.0174532925199433]'


def _custom_geogcrs(name: str, datum: str, remark: str) -> CRS:
    return CRS.from_wkt(
        f'GEOGCRS["{name}",'
        f'DATUM["{datum}",ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]]],'
        f'PRIMEM["Greenwich",0,{_DEG}],CS[ellipsoidal,2],'
        f'AXIS["geodetic longitude (Lon)",east,ORDER[1],{_DEG}],'
        f'AXIS["geodetic latitude (Lat)",north,ORDER[2],{_DEG}],'
        f'REMARK["{remark}"]]'
    )


GCJ02: CRS = _custom_geogcrs(
    "GCJ-02",
    "GCJ-02 (Chinese obfuscation of World Geodetic System 1984)",
    "Not in EPSG or PROJ. Marks GCJ-02 (Amap/Gaode, Tencent) coordinates in corridor_geo; "
    "convert with corridor_geo.crs.to_datum, never with to_crs.",
)
"""Marker CRS of GCJ-02 data (no EPSG code exists); see the module notes."""

BD09: CRS = _custom_geogcrs(
    "BD-09",
    "BD-09 (Baidu offset of GCJ-02)",
    "Not in EPSG or PROJ. Marks BD-09 (Baidu) coordinates in corridor_geo; "
    "convert with corridor_geo.crs.to_datum, never with to_crs.",
)
"""Marker CRS of BD-09 data (no EPSG code exists); see the module notes."""

Datum = Literal["WGS84", "CGCS2000", "GCJ02", "BD09"]

DATUMS: dict[str, CRS] = {"WGS84": WGS84, "CGCS2000": CGCS2000, "GCJ02": GCJ02, "BD09": BD09}
"""The datums corridor_geo reads and writes, by canonical name."""

_ALIASES = {
    "WGS84": "WGS84",
    "EPSG4326": "WGS84",
    "4326": "WGS84",
    "CGCS2000": "CGCS2000",
    "EPSG4490": "CGCS2000",
    "4490": "CGCS2000",
    "GCJ02": "GCJ02",
    "GCJ": "GCJ02",
    "AMAP": "GCJ02",
    "GAODE": "GCJ02",
    "BD09": "BD09",
    "BD09LL": "BD09",
    "BAIDU": "BD09",
}

# Tolerances of the iterative inverses, in degrees.
_BD_TOL = 1e-12
_BD_MAX_ITER = 20


def normalize_datum(datum: str) -> Datum:
    """Return the canonical name of a datum given in any common spelling.

    Parameters
    ----------
    datum : str
        ``"WGS84"``, ``"CGCS2000"``, ``"GCJ02"`` or ``"BD09"``; case, hyphens, spaces,
        underscores and colons are ignored (``"gcj-02"``, ``"EPSG:4326"``, ``"bd09ll"``),
        and ``"amap"``/``"gaode"``/``"baidu"`` name the datum their maps use.

    Returns
    -------
    str
        One of ``"WGS84"``, ``"CGCS2000"``, ``"GCJ02"``, ``"BD09"``.

    Raises
    ------
    InputError
        If the name is not a known datum.

    Examples
    --------
    >>> normalize_datum("gcj-02")
    'GCJ02'
    >>> normalize_datum("EPSG:4490")
    'CGCS2000'
    """
    if not isinstance(datum, str):
        raise InputError(f"datum must be a string such as 'WGS84' or 'GCJ02', got {datum!r}")
    key = "".join(ch for ch in datum.upper() if ch.isalnum())
    try:
        return _ALIASES[key]  # type: ignore[return-value]
    except KeyError:
        raise InputError(
            f"unknown datum {datum!r}: use one of 'WGS84', 'CGCS2000', 'GCJ02' "
            "(Amap/Gaode, Tencent) or 'BD09' (Baidu)"
        ) from None


def datum_of(crs: Any) -> Datum | None:
    """Tell which of the four supported datums a CRS (or a geo-object's CRS) is in.

    Parameters
    ----------
    crs : pyproj.CRS, str, int, GeoSeries or GeoDataFrame
        A CRS in any form pyproj accepts, or an object with a ``.crs``.

    Returns
    -------
    str or None
        ``"GCJ02"`` or ``"BD09"`` for the marker CRSs (see the module notes),
        ``"CGCS2000"`` for CGCS2000 and CRSs based on it (EPSG:4490, EPSG:4549...),
        ``"WGS84"`` for WGS 84 and CRSs based on it, ``None`` for anything else.

    Raises
    ------
    MissingCRSError
        If ``crs`` is ``None`` or an object without a CRS.

    Examples
    --------
    >>> datum_of("EPSG:4549")
    'CGCS2000'
    >>> datum_of(GCJ02)
    'GCJ02'
    """
    if hasattr(crs, "crs"):
        crs = crs.crs
    if crs is None:
        raise MissingCRSError(
            "the data has no CRS: set one with .set_crs('EPSG:4326') for WGS84, or "
            "corridor_geo.crs.set_datum(obj, 'GCJ02') for Amap/Tencent (GCJ-02) coordinates"
        )
    crs = CRS.from_user_input(crs)
    names = f"{crs.name} {crs.datum.name if crs.datum else ''}".upper().replace("_", "-")
    # BD-09 first: its datum name mentions GCJ-02.
    if "BD-09" in names or "BD09" in names:
        return "BD09"
    if "GCJ-02" in names or "GCJ02" in names:
        return "GCJ02"
    geodetic = crs.geodetic_crs
    if geodetic is None:
        return None
    dname = (geodetic.datum.name if geodetic.datum else "").upper()
    if geodetic.to_epsg() == 4490 or "CHINA GEODETIC COORDINATE SYSTEM 2000" in dname:
        return "CGCS2000"
    if geodetic.to_epsg() in (4326, 4979, 4978) or "WORLD GEODETIC SYSTEM 1984" in dname:
        return "WGS84"
    return None


# --------------------------------------------------------------------------------------
# Array transforms
# --------------------------------------------------------------------------------------
def _run(kernel: Callable[..., None], lon: Any, lat: Any, *extra: Any) -> tuple[Any, Any]:
    lo, la, shape = _gcj.as_float_pair(lon, lat)
    out_lon = np.empty_like(lo)
    out_lat = np.empty_like(la)
    if lo.size:
        kernel(lo, la, out_lon, out_lat, *extra)
    if shape == ():
        return float(out_lon[0]), float(out_lat[0])
    return out_lon.reshape(shape), out_lat.reshape(shape)


def out_of_china(lon: Any, lat: Any) -> np.ndarray:
    """Boolean mask of the points the published GCJ-02 rule leaves unchanged.

    The rule uses a box: longitude 72.004-137.8347 E, latitude 0.8293-55.8271 N.  NaN
    coordinates count as outside (they pass through every transform unchanged).

    Examples
    --------
    >>> out_of_china([120.4, 2.35], [36.1, 48.85]).tolist()
    [False, True]
    """
    lo, la, shape = _gcj.as_float_pair(lon, lat)
    inside = (
        (lo >= _gcj.LON_MIN) & (lo <= _gcj.LON_MAX) & (la >= _gcj.LAT_MIN) & (la <= _gcj.LAT_MAX)
    )
    return (~inside).reshape(shape)


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Convert WGS84 longitude/latitude to GCJ-02 with the published closed formula.

    The formula is the widely published one with the Krasovsky ellipsoid
    (a = 6378245 m, e² = 0.00669342162296594323).  Some ports (e.g. ``eviltransform``)
    put the WGS 84 radius 6378137 m in it: their offsets are 1.7e-5 of ours smaller,
    at most 2e-7 degree (2 cm) apart.

    Parameters
    ----------
    lon, lat : float or array_like
        WGS84 degrees; broadcast against each other.

    Returns
    -------
    lon, lat : float or numpy.ndarray
        GCJ-02 degrees, same shape as the broadcast input (floats for scalar input).
        Points outside China (:func:`out_of_china`) and NaN pass through unchanged.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(120.4, 36.1)
    >>> round(lon, 6), round(lat, 6)
    (120.405136, 36.100292)
    """
    return _run(_gcj.wgs84_to_gcj02_kernel, lon, lat)


def gcj02_to_wgs84(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Convert GCJ-02 longitude/latitude to WGS84 with an exact iterative inverse.

    The forward rule has no closed inverse; a one-step inverse leaves metre-level error.
    This one solves ``wgs84_to_gcj02(w) == g`` by a Newton step and two chord steps:
    the maximum error is below 1e-7 degree (about 1 cm) everywhere in mainland China
    and in practice about 1e-11 degree (tested against a converged fixed-point
    iteration and against ``eviltransform`` on random points across China).  Within
    about 0.01 degree of the rule's box edges (far out at sea or abroad) a point and its
    GCJ-02 image can fall on different sides of the edge; there the rule itself is
    discontinuous and the input passes through.

    Parameters
    ----------
    lon, lat : float or array_like
        GCJ-02 degrees; broadcast against each other.

    Returns
    -------
    lon, lat : float or numpy.ndarray
        WGS84 degrees.  Points outside China and NaN pass through unchanged.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(120.4, 36.1))
    >>> abs(lon - 120.4) < 1e-9 and abs(lat - 36.1) < 1e-9
    True
    """
    return _run(_gcj.gcj02_to_wgs84_kernel, lon, lat)


def gcj02_to_bd09(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Convert GCJ-02 to BD-09 (Baidu) with Baidu's published formula.

    The BD-09 offset is applied everywhere (it has no "outside China" rule); NaN stays
    NaN.

    Examples
    --------
    >>> lon, lat = gcj02_to_bd09(120.405136, 36.100292)
    >>> round(lon, 6), round(lat, 6)
    (120.411697, 36.10603)
    """
    return _run(_gcj.gcj02_to_bd09_kernel, lon, lat)


def bd09_to_gcj02(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Convert BD-09 (Baidu) to GCJ-02 with an exact iterative inverse.

    Baidu's one-step inverse leaves errors up to about 1e-6 degree; this function
    iterates on the forward formula until the residual is below 1e-12 degree.

    Examples
    --------
    >>> lon, lat = bd09_to_gcj02(*gcj02_to_bd09(120.405136, 36.100292))
    >>> round(lon, 9), round(lat, 9)
    (120.405136, 36.100292)
    """
    return _run(_gcj.bd09_to_gcj02_kernel, lon, lat, _BD_TOL, _BD_MAX_ITER)


def wgs84_to_bd09(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Convert WGS84 to BD-09 (through GCJ-02).

    Examples
    --------
    >>> lon, lat = wgs84_to_bd09(120.4, 36.1)
    >>> round(lon, 6), round(lat, 6)
    (120.411697, 36.10603)
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Convert BD-09 to WGS84 (through GCJ-02), both inverses exact.

    Examples
    --------
    >>> lon, lat = bd09_to_wgs84(*wgs84_to_bd09(120.4, 36.1))
    >>> round(lon, 9), round(lat, 9)
    (120.4, 36.1)
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_PAIRS: dict[tuple[str, str], Callable[[Any, Any], tuple[Any, Any]]] = {
    ("WGS84", "GCJ02"): wgs84_to_gcj02,
    ("GCJ02", "WGS84"): gcj02_to_wgs84,
    ("GCJ02", "BD09"): gcj02_to_bd09,
    ("BD09", "GCJ02"): bd09_to_gcj02,
    ("WGS84", "BD09"): wgs84_to_bd09,
    ("BD09", "WGS84"): bd09_to_wgs84,
}


def _offset_family(datum: str) -> str:
    # CGCS2000 and WGS84 agree to about a metre: GCJ-02 is defined on top of either.
    return "WGS84" if datum == "CGCS2000" else datum


def transform_coords(lon: Any, lat: Any, *, source: str, target: str) -> tuple[Any, Any]:
    """Convert coordinates between any two of WGS84, CGCS2000, GCJ-02 and BD-09.

    WGS84 and CGCS2000 are treated as identical (they agree to about a metre, below the
    accuracy of any GCJ-02 source); use pyproj for sub-metre work between them.

    Examples
    --------
    >>> lon, lat = transform_coords(120.4, 36.1, source="wgs84", target="bd-09")
    >>> round(lon, 6), round(lat, 6)
    (120.411697, 36.10603)
    """
    src = _offset_family(normalize_datum(source))
    dst = _offset_family(normalize_datum(target))
    if src == dst:
        lo, la, shape = _gcj.as_float_pair(lon, lat)
        if shape == ():
            return float(lo[0]), float(la[0])
        return lo.reshape(shape).copy(), la.reshape(shape).copy()
    return _PAIRS[(src, dst)](lon, lat)


# --------------------------------------------------------------------------------------
# Geometries, GeoSeries and GeoDataFrames
# --------------------------------------------------------------------------------------
GeoT = TypeVar("GeoT", shapely.Geometry, gpd.GeoSeries, gpd.GeoDataFrame)


def _transform_geoms(geoms: np.ndarray, fn: Callable[[Any, Any], tuple[Any, Any]]) -> np.ndarray:
    def apply(coords: np.ndarray) -> np.ndarray:
        out = coords.copy()
        out[:, 0], out[:, 1] = fn(coords[:, 0], coords[:, 1])
        return out

    return shapely.transform(geoms, apply, include_z=None)


def _require_geo(obj: Any) -> None:
    if not isinstance(obj, (shapely.Geometry, gpd.GeoSeries, gpd.GeoDataFrame)):
        raise InputError(
            f"expected a shapely geometry, GeoSeries or GeoDataFrame, got {type(obj).__name__}"
        )


def set_datum(obj: GeoT, datum: str) -> GeoT:
    """Declare the datum of data whose coordinates are right but whose CRS is missing or wrong.

    This relabels, it does not move anything: use it for a table of Amap coordinates that
    was loaded as EPSG:4326, then :func:`to_datum` to convert.

    Parameters
    ----------
    obj : GeoSeries or GeoDataFrame
    datum : str
        ``"WGS84"``, ``"CGCS2000"``, ``"GCJ02"`` or ``"BD09"`` (see
        :func:`normalize_datum`).

    Returns
    -------
    GeoSeries or GeoDataFrame
        A copy carrying the datum's CRS (:data:`GCJ02`/:data:`BD09` markers for the
        Chinese web datums).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> amap = gpd.GeoSeries([shapely.Point(120.405136, 36.100292)])
    >>> set_datum(amap, "GCJ02").crs.name
    'GCJ-02'
    """
    if not isinstance(obj, (gpd.GeoSeries, gpd.GeoDataFrame)):
        raise InputError(f"set_datum needs a GeoSeries or GeoDataFrame, got {type(obj).__name__}")
    return obj.set_crs(DATUMS[normalize_datum(datum)], allow_override=True)


def to_datum(obj: GeoT, datum: str, *, source: str | None = None) -> GeoT:
    """Convert geometries to WGS84, CGCS2000, GCJ-02 or BD-09.

    Parameters
    ----------
    obj : shapely.Geometry, GeoSeries or GeoDataFrame
        Any geometry type; holes, multi-parts, Z values, empty and missing geometries
        are kept.  A GeoSeries/GeoDataFrame must carry a CRS (any CRS pyproj knows, or
        the :data:`GCJ02`/:data:`BD09` markers); a bare shapely geometry needs
        ``source``.
    datum : str
        Target datum, see :func:`normalize_datum`.
    source : str, optional
        Datum of a bare shapely geometry.  For a GeoSeries/GeoDataFrame it overrides
        the CRS (it must then be geographic coordinates of that datum).

    Returns
    -------
    same type as ``obj``
        A new object; GeoSeries/GeoDataFrames carry the target CRS, so GCJ-02 and BD-09
        results are marked with :data:`GCJ02`/:data:`BD09`.  The input is not modified.

    Raises
    ------
    MissingCRSError
        If a GeoSeries/GeoDataFrame has no CRS and ``source`` is not given.
    CRSError
        If the CRS is not one of the four datums and cannot be projected to WGS84.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoSeries([shapely.Point(120.4, 36.1)], crs="EPSG:4326")
    >>> amap = to_datum(pts, "GCJ02")
    >>> amap.crs.name, round(float(amap.x.iloc[0]), 6)
    ('GCJ-02', 120.405136)
    >>> round(float(to_datum(amap, "WGS84").x.iloc[0]), 9)
    120.4
    """
    _require_geo(obj)
    dst = normalize_datum(datum)
    if isinstance(obj, shapely.Geometry):
        if source is None:
            raise MissingCRSError(
                "a bare shapely geometry has no CRS: pass source='WGS84', 'GCJ02' or 'BD09'"
            )
        src = normalize_datum(source)
        return _convert_array(np.array([obj], dtype=object), src, dst)[0]

    if source is not None:
        src = normalize_datum(source)
        frame = obj.set_crs(DATUMS[src], allow_override=True)
    else:
        src_maybe = datum_of(obj)
        frame = obj
        if src_maybe is None or not frame.crs.is_geographic:
            # Any other CRS: let PROJ take it to WGS84 first.
            try:
                frame = frame.to_crs(WGS84)
            except Exception as exc:  # pragma: no cover - depends on PROJ
                raise CRSError(f"cannot project {obj.crs.name!r} to WGS84: {exc}") from exc
            src_maybe = "WGS84"
        src = src_maybe
    geoms = _convert_array(np.asarray(frame.geometry.values, dtype=object), src, dst)
    if isinstance(frame, gpd.GeoDataFrame):
        out = frame.copy()
        out[frame.geometry.name] = gpd.GeoSeries(geoms, index=frame.index, crs=DATUMS[dst])
        return out.set_crs(DATUMS[dst], allow_override=True)
    return gpd.GeoSeries(geoms, index=frame.index, crs=DATUMS[dst], name=frame.name)


def _convert_array(geoms: np.ndarray, src: str, dst: str) -> np.ndarray:
    a, b = _offset_family(src), _offset_family(dst)
    if a == b:
        return shapely.transform(geoms, lambda c: c, include_z=None)  # a copy
    return _transform_geoms(geoms, _PAIRS[(a, b)])


def resolve_crs(crs: Any) -> CRS:
    """A pyproj CRS from any spelling corridor_geo accepts.

    Datum names (``"WGS84"``, ``"CGCS2000"``, ``"GCJ02"``, ``"BD09"`` in any spelling
    :func:`normalize_datum` knows, giving :data:`WGS84`, :data:`CGCS2000` and the
    :data:`GCJ02`/:data:`BD09` markers), ``"analysis"`` for :data:`ANALYSIS_CRS`, and
    anything pyproj accepts (``"EPSG:4549"``, ``4490``, WKT, a ``pyproj.CRS``).

    Raises
    ------
    CRSError
        If the value names no CRS.

    Examples
    --------
    >>> resolve_crs("gcj-02").name, resolve_crs("analysis").to_epsg(), resolve_crs(4490).name
    ('GCJ-02', 4549, 'China Geodetic Coordinate System 2000')
    """
    if isinstance(crs, CRS):
        return crs
    if crs is None:
        raise MissingCRSError("no CRS given: name one, e.g. 'EPSG:4326', 'CGCS2000' or 'GCJ02'")
    if isinstance(crs, str):
        if crs.strip().lower() == "analysis":
            return ANALYSIS_CRS
        key = "".join(ch for ch in crs.upper() if ch.isalnum())
        if key in _ALIASES:
            return DATUMS[_ALIASES[key]]
    try:
        return CRS.from_user_input(crs)
    except Exception as exc:
        raise CRSError(
            f"unknown CRS {crs!r}: use an EPSG code ('EPSG:4549'), a datum name ('WGS84', "
            "'CGCS2000', 'GCJ02', 'BD09') or 'analysis' (EPSG:4549)"
        ) from exc


@functools.lru_cache(maxsize=64)
def _transformer(source_wkt: str, target_wkt: str) -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(CRS.from_wkt(source_wkt), CRS.from_wkt(target_wkt), always_xy=True)


def transform_xy(x: Any, y: Any, *, source: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays between any two CRSs or datums, without geometries.

    The array counterpart of :func:`to_crs`: GCJ-02/BD-09 on either side go through
    WGS84 with the exact transforms of this module, everything else through PROJ
    (transformers are built once and cached).  When ``source`` and ``target`` are the
    same CRS the input comes back as float arrays, unchanged: coordinates already in the
    analysis CRS are never round-tripped.

    Parameters
    ----------
    x, y : array_like
        Coordinates in ``source`` (longitude/latitude order for geographic CRSs).
    source, target : CRS, str or int
        Anything :func:`resolve_crs` accepts.

    Returns
    -------
    x, y : numpy.ndarray
        Float arrays; NaN stays NaN.

    Examples
    --------
    >>> x, y = transform_xy([120.405136], [36.100292], source="GCJ02", target="EPSG:4549")
    >>> round(float(x[0]), 1), round(float(y[0]), 1)  # the WGS84 point (120.4, 36.1)
    (536020.0, 3996712.8)
    """
    src = resolve_crs(source)
    dst = resolve_crs(target)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if src.equals(dst):
        return x, y
    src_datum, dst_datum = datum_of(src), datum_of(dst)
    if src_datum in ("GCJ02", "BD09"):
        x, y = (
            np.asarray(v, dtype=float)
            for v in transform_coords(x, y, source=src_datum, target="WGS84")
        )
        src = WGS84
    if dst_datum in ("GCJ02", "BD09"):
        if not src.equals(WGS84):
            x, y = _transformer(src.to_wkt(), WGS84.to_wkt()).transform(x, y)
        out = transform_coords(x, y, source="WGS84", target=dst_datum)
        return np.asarray(out[0], dtype=float), np.asarray(out[1], dtype=float)
    if src.equals(dst):
        return x, y
    if not len(np.atleast_1d(x)):
        return x.copy(), y.copy()
    tx, ty = _transformer(src.to_wkt(), dst.to_wkt()).transform(x, y)
    return np.asarray(tx, dtype=float), np.asarray(ty, dtype=float)


def to_crs(obj: GeoT, crs: Any) -> GeoT:
    """Project or convert a GeoSeries/GeoDataFrame to any CRS or datum: the one entry point.

    Like ``GeoDataFrame.to_crs``, but GCJ-02 and BD-09 are handled on both sides (through
    WGS84 with this module's exact transforms, where ``to_crs`` alone would silently treat
    them as WGS84), datum names are accepted as targets, and data already in the target
    CRS is returned as a copy without any transformation.

    Parameters
    ----------
    obj : GeoSeries or GeoDataFrame
        With a CRS (a CRS is never guessed).
    crs : CRS, str or int
        Anything :func:`resolve_crs` accepts: ``"EPSG:4549"``, ``"CGCS2000"``,
        ``"GCJ02"``, ``"analysis"``...

    Returns
    -------
    same type as ``obj``
        A new object; the input is not modified.

    Raises
    ------
    MissingCRSError
        If the object has no CRS.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoSeries([shapely.Point(120.405136, 36.100292)], crs=GCJ02)
    >>> m = to_crs(pts, "EPSG:4549")
    >>> m.crs.to_epsg(), round(float(m.x.iloc[0]), 1)  # the WGS84 point (120.4, 36.1)
    (4549, 536020.0)
    >>> bool(to_crs(m, "analysis").x.iloc[0] == m.x.iloc[0])  # already there: no round trip
    True
    """
    if not isinstance(obj, (gpd.GeoSeries, gpd.GeoDataFrame)):
        raise InputError(f"to_crs needs a GeoSeries or GeoDataFrame, got {type(obj).__name__}")
    target = resolve_crs(crs)
    src = datum_of(obj)  # raises MissingCRSError
    if obj.crs.equals(target):
        return obj.copy()
    dst = datum_of(target)
    if src in ("GCJ02", "BD09") or dst in ("GCJ02", "BD09"):
        wgs = to_datum(obj, "WGS84")
        if dst in ("GCJ02", "BD09"):
            return to_datum(wgs, dst)
        return wgs.to_crs(target)
    return obj.to_crs(target)


def to_analysis_crs(obj: GeoT) -> GeoT:
    """Project a GeoSeries/GeoDataFrame to :data:`ANALYSIS_CRS` (EPSG:4549, metres).

    ``to_crs(obj, ANALYSIS_CRS)`` (see :func:`to_crs`): GCJ-02 and BD-09 input is first
    converted to WGS84 with the exact inverse, so the result is right where ``to_crs``
    alone would be about 450 m off; data already in EPSG:4549 is copied, not transformed.

    Raises
    ------
    MissingCRSError
        If the object has no CRS (a CRS is never guessed).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoSeries([shapely.Point(120.0, 36.0)], crs="EPSG:4326")
    >>> p = to_analysis_crs(pts)
    >>> p.crs.to_epsg(), round(float(p.x.iloc[0]), 3)
    (4549, 500000.0)
    """
    if not isinstance(obj, (gpd.GeoSeries, gpd.GeoDataFrame)):
        raise InputError(
            f"to_analysis_crs needs a GeoSeries or GeoDataFrame, got {type(obj).__name__}"
        )
    return to_crs(obj, ANALYSIS_CRS)


# --------------------------------------------------------------------------------------
# Geodesic measures (checks against the plan's official figures)
# --------------------------------------------------------------------------------------
def _geodesic_input(obj: Any, crs: Any) -> tuple[np.ndarray, Any, pd.Index | None]:
    _require_geo(obj)
    if isinstance(obj, shapely.Geometry):
        if crs is None:
            raise MissingCRSError("a bare shapely geometry has no CRS: pass crs='EPSG:4326'")
        obj = gpd.GeoSeries([obj], crs=crs)
        index = None
    else:
        if crs is not None:
            obj = obj.set_crs(crs, allow_override=True)
        index = obj.index
    if datum_of(obj) in ("GCJ02", "BD09"):
        obj = to_datum(obj, "WGS84")
    if not obj.crs.is_geographic:
        obj = obj.to_crs(obj.crs.geodetic_crs)
    return np.asarray(obj.geometry.values, dtype=object), obj.crs.get_geod(), index


def _ring_area(geod: Any, ring: Any) -> float:
    xy = np.asarray(ring.coords)
    if len(xy) < 4:
        return 0.0
    area, _ = geod.polygon_area_perimeter(xy[:, 0], xy[:, 1])
    return abs(area)


def _polygon_area(geod: Any, geom: Any) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    if isinstance(geom, shapely.Polygon):
        return _ring_area(geod, geom.exterior) - sum(_ring_area(geod, r) for r in geom.interiors)
    if hasattr(geom, "geoms"):
        return sum(_polygon_area(geod, g) for g in geom.geoms)
    return 0.0


def _line_length(geod: Any, geom: Any) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    if isinstance(geom, (shapely.LineString, shapely.LinearRing)):
        xy = np.asarray(geom.coords)
        return float(geod.line_length(xy[:, 0], xy[:, 1]))
    if isinstance(geom, shapely.Polygon):
        return _line_length(geod, geom.exterior) + sum(
            _line_length(geod, r) for r in geom.interiors
        )
    if hasattr(geom, "geoms"):
        return sum(_line_length(geod, g) for g in geom.geoms)
    return 0.0


def geodesic_area(obj: Any, *, crs: Any = None) -> float | pd.Series:
    """Area on the ellipsoid, in m², of polygons in any CRS.

    The ellipsoid is the CRS's own (GRS 80 for CGCS2000, WGS 84 otherwise); projected
    data is unprojected first, GCJ-02/BD-09 converted.  Holes are subtracted;
    non-polygonal geometries have area 0.

    Parameters
    ----------
    obj : shapely.Geometry, GeoSeries or GeoDataFrame
    crs : optional
        Required for a bare shapely geometry; overrides the CRS otherwise.

    Returns
    -------
    float or pandas.Series
        A float for a geometry, a Series aligned to the input index otherwise.

    Examples
    --------
    >>> import shapely
    >>> cell = shapely.box(120.0, 36.0, 120.01, 36.01)
    >>> round(geodesic_area(cell, crs="EPSG:4326") / 1e6, 4)
    1.0004
    """
    geoms, geod, index = _geodesic_input(obj, crs)
    values = [_polygon_area(geod, g) for g in geoms]
    if index is None:
        return float(values[0])
    return pd.Series(values, index=index, name="geodesic_area_m2", dtype=float)


def geodesic_length(obj: Any, *, crs: Any = None) -> float | pd.Series:
    """Length on the ellipsoid, in metres, of lines (perimeter of polygons).

    Examples
    --------
    >>> import shapely
    >>> line = shapely.LineString([(120.0, 36.0), (120.0, 37.0)])
    >>> round(geodesic_length(line, crs="EPSG:4326"))
    110968
    """
    geoms, geod, index = _geodesic_input(obj, crs)
    values = [_line_length(geod, g) for g in geoms]
    if index is None:
        return float(values[0])
    return pd.Series(values, index=index, name="geodesic_length_m", dtype=float)
