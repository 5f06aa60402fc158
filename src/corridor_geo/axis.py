"""Linear referencing along Binhai Avenue (滨海大道), the corridor's axis.

Every position in the corridor can be described by two numbers: its **chainage**, the
distance along the axis from the axis's south end (香港东路 side) in km, and its signed
perpendicular **offset** from the axis in metres, negative on the west side and
positive on the east side.  "West" and "east" mean *left* and *right* of the axis when
travelling along it from south to north; where the axis turns east at its north end,
"west" is therefore its north-west side.

* :func:`chainage` - chainage, offset and nearest axis point of any points;
* :func:`axis_profile` - counts, weights and densities per km of axis, by category,
  with each bin's city: the data behind the classic corridor strip chart;
* :func:`axis_by_city` - the axis split into the stretches lying in each city;
* :func:`point_at_chainage` - the point at any chainage (and offset).

All geometry is computed in :data:`~corridor_geo.crs.ANALYSIS_CRS` (EPSG:4549, metres);
results are returned in WGS84.  The axis can be given as a
:class:`~corridor_geo.layout.CorridorLayout` or as any line layer with a CRS.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from ._cache import cached
from ._compat import keyword_only
from ._errors import GeometryError, InputError
from ._linref import Segments
from ._points import frame_of, metric_geometries, metric_points
from ._text import counts_text, listing
from ._validate import check_columns, check_geometries, check_has_crs
from .crs import ANALYSIS_CRS, WGS84, transform_xy

__all__ = [
    "axis_by_city",
    "axis_line",
    "axis_profile",
    "chainage",
    "point_at_chainage",
]

log = logging.getLogger(__name__)

# Points at most this far (m) beyond an end of the axis still count as "along" it.
_END_TOLERANCE_M = 0.5
# Stretches of axis shorter than this (m) between cities are numerical slivers.
_GAP_M = 0.5


# --------------------------------------------------------------------------------------
# The axis line
# --------------------------------------------------------------------------------------
def _default_layout(layout: Any) -> Any:
    if layout is None:
        from .layout import load_layout

        return load_layout()
    return layout


def axis_line(layout: Any) -> shapely.LineString:
    """The axis as one LineString in EPSG:4549 metres, oriented from south to north.

    Parameters
    ----------
    layout : CorridorLayout, GeoDataFrame, GeoSeries
        A layout (its ``axis`` layer is used) or a line layer with a CRS whose parts
        join up into one continuous line.

    Returns
    -------
    shapely.LineString
        Start at the south end (the end with the smaller northing), consecutive
        duplicate vertices removed.

    Raises
    ------
    MissingCRSError
        If a line layer has no CRS.
    GeometryError
        If the parts do not form one continuous line.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> line = axis_line(load_layout())
    >>> round(line.length / 1000, 1), line.coords[0][1] < line.coords[-1][1]
    (53.2, True)
    """
    if hasattr(layout, "layers") and "axis" in getattr(layout, "layers", {}):
        return cached(layout, "axis_line", lambda: _axis_line(layout.layers["axis"]))
    return _axis_line(_axis_frame(layout))


def _axis_line(frame: gpd.GeoDataFrame) -> shapely.LineString:
    check_has_crs(frame, "the axis")
    check_geometries(frame, "the axis", types=("LineString", "MultiLineString"))
    merged = shapely.line_merge(shapely.union_all(metric_geometries(frame)))
    if merged.geom_type != "LineString":
        raise GeometryError(
            "the axis must be one continuous line; its parts form "
            f"{len(shapely.get_parts(merged))} separate pieces"
        )
    xy = np.asarray(merged.coords)[:, :2]
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = np.any(np.diff(xy, axis=0) != 0.0, axis=1)
    xy = xy[keep]
    if len(xy) < 2:
        raise GeometryError("the axis has zero length")
    if xy[-1, 1] < xy[0, 1]:
        xy = xy[::-1]
    return shapely.LineString(xy)


def _axis_frame(layout: Any) -> gpd.GeoDataFrame:
    if hasattr(layout, "layers") and "axis" in getattr(layout, "layers", {}):
        return layout.layers["axis"]
    if isinstance(layout, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=layout)
    if isinstance(layout, gpd.GeoDataFrame):
        return layout
    raise InputError(
        "expected a CorridorLayout (corridor_geo.load_layout()) or an axis GeoDataFrame/"
        f"GeoSeries with a CRS, got {type(layout).__name__}"
    )


def _cities_frame(layout: Any) -> gpd.GeoDataFrame | None:
    if hasattr(layout, "layers") and "cities" in getattr(layout, "layers", {}):
        return layout.layers["cities"]
    return None


def _point_xy(points: Any, what: str) -> tuple[pd.Index, np.ndarray]:
    pts = metric_points(points, what=what)
    return pts.index, np.column_stack([pts.x, pts.y])


# --------------------------------------------------------------------------------------
# Chainage
# --------------------------------------------------------------------------------------
@keyword_only("layout")
def chainage(points: Any, *, layout: Any = None) -> gpd.GeoDataFrame:
    """Chainage along the axis, signed offset and nearest axis point of each point.

    Parameters
    ----------
    points : ResourceTable, GeoDataFrame or GeoSeries
        Points with a CRS (WGS84, CGCS2000, GCJ-02/BD-09 marked with
        :func:`corridor_geo.crs.set_datum`, or any projected CRS; EPSG:4549 is used as
        it is).  Polygons are refused: pass ``frame.representative_point()``.
    layout : CorridorLayout, GeoDataFrame or GeoSeries, optional
        The layout whose axis is used (the bundled one by default), or an axis line
        layer (see :func:`axis_line`).

    Returns
    -------
    GeoDataFrame
        Aligned to the input index, in WGS84, with columns

        ``chainage_km``
            distance along the axis from its south end to the nearest axis point;
        ``offset_m``
            perpendicular distance to the axis, negative west (left of the south-to-
            north direction), positive east, 0 on the axis;
        ``distance_m``
            ``abs(offset_m)``, the distance to the axis;
        ``side``
            ``"west"``, ``"east"`` or ``"on axis"``;
        ``position``
            ``"along"``, or ``"before_south_end"`` / ``"after_north_end"`` for points
            beyond an end (their chainage is then 0 or the axis length);
        ``geometry``
            the nearest point on the axis.

    Examples
    --------
    A straight north-south axis 10 km long, and a point 300 m east of its 4 km mark:

    >>> import geopandas as gpd, shapely
    >>> axis = gpd.GeoSeries([shapely.LineString([(500000, 4000000), (500000, 4010000)])],
    ...                      crs="EPSG:4549")
    >>> pts = gpd.GeoSeries([shapely.Point(500300, 4004000)], crs="EPSG:4549")
    >>> out = chainage(pts, layout=axis)
    >>> out[["chainage_km", "offset_m", "side"]].round(6).to_dict("records")
    [{'chainage_km': 4.0, 'offset_m': 300.0, 'side': 'east'}]
    """
    line = axis_line(_default_layout(layout))
    index, xy = _point_xy(points, "points")
    res = Segments(line).project(xy[:, 0], xy[:, 1])
    offset = res["offset_m"]
    side = np.where(offset < 0, "west", np.where(offset > 0, "east", "on axis"))
    lon, lat = transform_xy(res["qx"], res["qy"], source=ANALYSIS_CRS, target=WGS84)
    out = gpd.GeoDataFrame(
        {
            "chainage_km": res["along_m"] / 1000.0,
            "offset_m": offset,
            "distance_m": res["distance_m"],
            "side": side,
            "position": res["position"],
        },
        geometry=shapely.points(lon, lat),
        index=index,
        crs=WGS84,
    )
    n_beyond = int((res["position"] != "along").sum())
    if n_beyond:
        log.info("%d of %d points lie beyond an end of the axis", n_beyond, len(out))
    return out


@keyword_only("layout")
def point_at_chainage(
    chainage_km: float | Sequence[float] | np.ndarray,
    *,
    layout: Any = None,
    offset_m: float | Sequence[float] | np.ndarray = 0.0,
) -> gpd.GeoSeries:
    """The point at a chainage along the axis, optionally offset perpendicular to it.

    Parameters
    ----------
    chainage_km : float or array_like
        Distance along the axis from its south end, 0 to the axis length.
    layout : CorridorLayout, GeoDataFrame or GeoSeries
        See :func:`axis_line`.
    offset_m : float or array_like
        Perpendicular offset, negative west, positive east (the convention of
        :func:`chainage`, which inverts this function away from the axis's bends).

    Returns
    -------
    GeoSeries
        Points in WGS84, one per chainage (broadcast against ``offset_m``).

    Raises
    ------
    InputError
        If a chainage is outside the axis or not finite.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> axis = gpd.GeoSeries([shapely.LineString([(500000, 4000000), (500000, 4010000)])],
    ...                      crs="EPSG:4549")
    >>> p = point_at_chainage([2.5], layout=axis, offset_m=-100).to_crs("EPSG:4549")
    >>> round(float(p.x.iloc[0]), 6), round(float(p.y.iloc[0]), 6)
    (499900.0, 4002500.0)
    """
    line = axis_line(_default_layout(layout))
    segs = Segments(line)
    ch, off = np.broadcast_arrays(
        np.atleast_1d(np.asarray(chainage_km, dtype=float)),
        np.atleast_1d(np.asarray(offset_m, dtype=float)),
    )
    along = ch * 1000.0
    bad = (
        ~np.isfinite(along) | (along < -_END_TOLERANCE_M) | (along > segs.total + _END_TOLERANCE_M)
    )
    if bad.any():
        raise InputError(
            f"chainage {listing((f'{v:g}' for v in ch[bad]), limit=5)} km is outside the "
            "axis (0 to "
            f"{segs.total / 1000:.3f} km)"
        )
    if not np.isfinite(off).all():
        raise InputError("offset_m must be finite")
    along = np.clip(along, 0.0, segs.total)
    seg = np.clip(np.searchsorted(segs.start, along, side="right") - 1, 0, len(segs.a) - 1)
    t = (along - segs.start[seg]) / segs.len[seg]
    x = segs.a[seg, 0] + t * segs.d[seg, 0]
    y = segs.a[seg, 1] + t * segs.d[seg, 1]
    ux, uy = segs.unit[seg, 0].copy(), segs.unit[seg, 1].copy()
    # At a vertex, offset along the bisector normal.
    vertex = np.isclose(t, 0.0) & (seg > 0)
    ux[vertex] += segs.unit[seg[vertex] - 1, 0]
    uy[vertex] += segs.unit[seg[vertex] - 1, 1]
    norm = np.hypot(ux, uy)
    ux, uy = ux / norm, uy / norm
    # East (right of travel) is the normal (uy, -ux).
    x = x + off * uy
    y = y - off * ux
    return gpd.GeoSeries(shapely.points(x, y), crs=ANALYSIS_CRS).to_crs(WGS84)


# --------------------------------------------------------------------------------------
# The axis city by city
# --------------------------------------------------------------------------------------
def axis_by_city(layout: Any, *, cities: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The axis split into consecutive stretches, each labelled with the city it crosses.

    Parameters
    ----------
    layout : CorridorLayout, GeoDataFrame or GeoSeries
        The layout (its ``axis`` and ``cities`` layers), or an axis line layer together
        with ``cities``.
    cities : GeoDataFrame, optional
        City polygons with a ``key`` column (and optional ``name_zh``/``name_en``);
        defaults to the layout's cities.

    Returns
    -------
    GeoDataFrame
        One row per stretch, south to north, covering the whole axis without gaps:
        ``start_km``, ``end_km``, ``length_km``, ``city`` (a city key, or ``None``
        where the axis lies in no city), ``name_zh``, ``name_en`` and the stretch as a
        LineString in WGS84.

    Examples
    --------
    >>> from corridor_geo import load_layout
    >>> parts = axis_by_city(load_layout())
    >>> parts.loc[parts["city"].notna(), "city"].unique().tolist()
    ['digital', 'ocean']
    >>> bool(abs(parts["length_km"].sum() - parts["end_km"].iloc[-1]) < 1e-9)
    True
    """
    line = axis_line(layout)
    segs = Segments(line)
    if cities is None:
        cities = _cities_frame(layout)
    if cities is None:
        raise InputError("axis_by_city needs the city polygons: pass a layout or cities=")
    check_has_crs(cities, "cities")
    check_columns(cities, ["key"], "cities")
    cities_m = gpd.GeoDataFrame(
        cities.drop(columns=cities.geometry.name),
        geometry=list(metric_geometries(cities)),
        crs=ANALYSIS_CRS,
    )
    intervals: list[tuple[float, float, int]] = []
    for i, geom in enumerate(cities_m.geometry.values):
        lines = [
            g
            for g in shapely.get_parts(shapely.intersection(line, geom))
            if g.geom_type == "LineString" and g.length > 0
        ]
        if not lines:
            continue
        for part in shapely.get_parts(shapely.line_merge(shapely.MultiLineString(lines))):
            ends = np.asarray(part.coords)[[0, -1], :2]
            along = segs.project(ends[:, 0], ends[:, 1])["along_m"]
            intervals.append((float(along.min()), float(along.max()), i))
    intervals.sort()
    rows: list[dict[str, Any]] = []
    pos = 0.0

    def add(a: float, b: float, i: int | None) -> None:
        if b - a <= _GAP_M:  # a numerical sliver: the stretch before absorbs it
            if rows:
                rows[-1]["end_m"] = b
            return
        if rows and rows[-1]["_i"] == i and abs(rows[-1]["end_m"] - a) <= _GAP_M:
            rows[-1]["end_m"] = b
            return
        rows.append({"start_m": a, "end_m": b, "_i": i})

    for a, b, i in intervals:
        a = max(a, pos)
        if a > pos:
            add(pos, a, None)
        if b > a:
            add(a, b, i)
            pos = b
    if pos < segs.total:
        add(pos, segs.total, None)
    owner = [r.pop("_i") for r in rows]
    out = pd.DataFrame(rows)
    out["start_km"] = out["start_m"] / 1000.0
    out["end_km"] = out["end_m"] / 1000.0
    out["length_km"] = out["end_km"] - out["start_km"]

    def attr(col: str) -> list[Any]:
        if col not in cities_m.columns:
            return [None] * len(out)
        values = cities_m[col].to_numpy(dtype=object)
        return [None if i is None else values[i] for i in owner]

    out["city"] = attr("key")
    out["name_zh"] = attr("name_zh")
    out["name_en"] = attr("name_en")
    geoms = [shapely.ops.substring(line, a, b) for a, b in zip(out["start_m"], out["end_m"])]
    frame = gpd.GeoDataFrame(
        out[["start_km", "end_km", "length_km", "city", "name_zh", "name_en"]],
        geometry=geoms,
        crs=ANALYSIS_CRS,
    )
    return frame.to_crs(WGS84)


# --------------------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------------------
@keyword_only("layout")
def axis_profile(
    resources: Any,
    *,
    layout: Any = None,
    bin_km: float = 1.0,
    band_m: float | None = None,
    category: str | None = None,
    weight: str | None = "weight",
) -> pd.DataFrame:
    """Counts, weights and densities of resources per km of axis, by category.

    Each point is referenced by :func:`chainage` and falls in the bin of its chainage;
    bins are ``bin_km`` long from the south end (the last one may be shorter).

    Parameters
    ----------
    resources : ResourceTable, GeoDataFrame or GeoSeries
        Points with a CRS.
    layout : CorridorLayout, GeoDataFrame or GeoSeries
        The layout (gives each bin its city) or an axis line layer.
    bin_km : float
        Bin length along the axis, km.
    band_m : float, optional
        Count points within this distance of the axis.  By default (``None``) the
        points inside the layout's corridor polygon are counted (an axis layer alone
        then needs ``band_m``).
    category : str, optional
        Column whose values split the counts (one row per bin and category).
    weight : str or None
        Column of non-negative weights summed as ``weight`` (patents, people), as in
        :func:`~corridor_geo.zones.share_of_city`: by default the ``weight`` the reader
        read (``read_resources(..., weight="专利数")``); ``None``: weight 1.  The default
        column missing from a GeoDataFrame also weighs each point 1; a named column
        that is missing, and any NaN or negative weight, raises.

    Returns
    -------
    DataFrame
        One row per bin (and category), every bin present even when empty:
        ``bin``, ``start_km``, ``end_km``, ``mid_km``, ``length_km``, ``city`` (the
        city holding most of the bin's stretch of axis, ``None`` if none),
        ``category`` (when given), ``count``, ``weight``, ``count_per_km``,
        ``weight_per_km`` and, when ``band_m`` is given, ``count_per_km2`` and
        ``weight_per_km2`` over the band's area (bin length x 2 ``band_m``).
        ``attrs["excluded"]`` counts the points left out and why (outside the band or
        the corridor, beyond an end of the axis); none is dropped silently.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> axis = gpd.GeoSeries([shapely.LineString([(500000, 4000000), (500000, 4003000)])],
    ...                      crs="EPSG:4549")
    >>> pts = gpd.GeoDataFrame({"kind": ["lab", "lab", "firm"]},
    ...     geometry=[shapely.Point(500100, 4000500), shapely.Point(499900, 4002500),
    ...               shapely.Point(500050, 4002600)], crs="EPSG:4549")
    >>> prof = axis_profile(pts, layout=axis, band_m=500, category="kind")
    >>> prof.pivot(index="bin", columns="category", values="count").to_dict("list")
    {'firm': [0, 0, 1], 'lab': [1, 0, 1]}
    """
    layout = _default_layout(layout)
    if not bin_km > 0 or not np.isfinite(bin_km):
        raise InputError(f"bin_km must be a positive number, got {bin_km!r}")
    if band_m is not None and not (band_m > 0 and np.isfinite(band_m)):
        raise InputError(f"band_m must be a positive distance in metres, got {band_m!r}")
    pts = metric_points(resources, columns=[category], weight=weight, what="resources")
    original, resources = resources, frame_of(resources)
    if category is not None:
        check_columns(resources, [category], "resources")
    weights = pts.data["__weight__"]

    line = axis_line(layout)
    if line.length / (1000.0 * bin_km) > 1_000_000:
        raise InputError(f"bin_km={bin_km:g} would make over a million bins along the axis")
    total_km = line.length / 1000.0
    ref = chainage(original, layout=layout)
    keep = np.array(ref["position"] == "along", dtype=bool)
    excluded = {"beyond an end of the axis": int((~keep).sum())}
    if band_m is not None:
        inside = (ref["distance_m"] <= band_m).to_numpy()
        excluded[f"farther than {band_m:g} m from the axis"] = int((keep & ~inside).sum())
    else:
        if not (hasattr(layout, "layers") and "corridor" in layout.layers):
            raise InputError("give band_m, or a CorridorLayout whose corridor bounds the count")
        corridor = layout.union("corridor")
        inside = shapely.contains_xy(corridor, pts.x, pts.y)
        excluded["outside the corridor"] = int((keep & ~inside).sum())
    keep &= inside

    # Bins from the number of whole bins (rounding 2.1 / 0.3 = 7.000000000000001 to 7):
    # np.arange(0, 2.1, 0.3) has an eighth start at 2.1, a bin of length 0 (density inf).
    n_bins = max(int(np.ceil(round(total_km / bin_km, 9))), 1)
    edges = np.arange(n_bins) * bin_km
    ends = np.append(edges[1:], total_km)
    which = np.clip(np.floor(ref["chainage_km"].to_numpy() / bin_km).astype(int), 0, n_bins - 1)
    bins = pd.DataFrame(
        {
            "bin": np.arange(n_bins),
            "start_km": edges,
            "end_km": ends,
            "mid_km": 0.5 * (edges + ends),
            "length_km": ends - edges,
        }
    )
    bins["city"] = _bin_cities(layout, edges, ends)

    data = pd.DataFrame({"bin": which[keep], "weight": weights[keep]})
    if category is not None:
        data["category"] = resources[category].to_numpy()[keep]
        cats = pd.unique(resources[category].dropna())
        cats = sorted(cats, key=str)
        missing_cat = int(resources[category].isna().to_numpy()[keep].sum())
        if missing_cat:
            excluded["no category"] = missing_cat
            data = data.dropna(subset=["category"])
        grid = pd.MultiIndex.from_product([bins["bin"], cats], names=["bin", "category"])
        agg = data.groupby(["bin", "category"])["weight"].agg(["size", "sum"]).reindex(grid)
        agg = agg.fillna(0).reset_index()
        out = agg.merge(bins, on="bin")
    else:
        agg = data.groupby("bin")["weight"].agg(["size", "sum"]).reindex(bins["bin"]).fillna(0)
        out = bins.merge(agg.reset_index(), on="bin")
    out = out.rename(columns={"size": "count", "sum": "weight"})
    out["count"] = out["count"].astype(np.int64)
    out["count_per_km"] = out["count"] / out["length_km"]
    out["weight_per_km"] = out["weight"] / out["length_km"]
    if band_m is not None:
        band_km2 = out["length_km"] * 2.0 * band_m / 1000.0
        out["count_per_km2"] = out["count"] / band_km2
        out["weight_per_km2"] = out["weight"] / band_km2
    cols = ["bin", "start_km", "end_km", "mid_km", "length_km", "city"]
    cols += ["category"] if category is not None else []
    cols += [c for c in out.columns if c not in cols]
    out = out[cols].sort_values(cols[:1] + (["category"] if category else []), kind="stable")
    out = out.reset_index(drop=True)
    out.attrs["excluded"] = {k: v for k, v in excluded.items() if v}
    if out.attrs["excluded"]:
        log.info("axis_profile left out: %s", counts_text(out.attrs["excluded"]))
    return out


def _bin_cities(layout: Any, starts: np.ndarray, ends: np.ndarray) -> list[Any]:
    if _cities_frame(layout) is None:
        return [None] * len(starts)
    parts = axis_by_city(layout)
    a = parts["start_km"].to_numpy()
    b = parts["end_km"].to_numpy()
    city = parts["city"].to_numpy(dtype=object)
    out: list[Any] = []
    for s, e in zip(starts, ends):
        overlap = np.clip(np.minimum(b, e) - np.maximum(a, s), 0.0, None)
        share: dict[Any, float] = {}
        for c, o in zip(city, overlap):
            if o > 0 and c is not None:
                share[c] = share.get(c, 0.0) + float(o)
        out.append(max(share, key=share.get) if share else None)
    return out
