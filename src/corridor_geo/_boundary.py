"""Two polygon layers compared: areas, IoU, Hausdorff, offsets along the boundary (private).

Shared by :meth:`corridor_geo.layout.CorridorLayout.replace` (its report mode and its
datum check) and :func:`corridor_geo.scenarios.compare_boundaries` (the public entry).

Method, for each pair of matched features ``A`` and ``B`` (EPSG:4549, metres):

* areas are geodesic (:func:`corridor_geo.crs.geodesic_area`); intersection over union is
  the planar ratio in EPSG:4549, whose areal scale factor varies by less than 1e-4 over
  Qingdao and cancels in the ratio;
* ``A``'s boundary is sampled every ``step_m`` metres (and at its vertices); each sample
  gets its nearest point on ``B``'s boundary (exactly, against ``B``'s edges), giving an
  offset vector and distance; ``B``'s boundary is sampled the same way against ``A``.
  The Hausdorff distance of the two boundaries is the largest of these distances: exact
  where the farthest point is a vertex, within ``step_m / 2`` otherwise;
* the samples are grouped into segments of ``segment_m`` metres along each ring; each
  segment reports its median offset, its median offset vector and the GCJ-02
  displacement at that place (:func:`corridor_geo.crs.transform_xy` to ``GCJ02``, about
  455 m east and 30 m north in Qingdao);
* the GCJ-02 test moves ``A``'s samples by the GCJ-02 shift and measures again: when
  ``B`` is GCJ-02 data labelled WGS84, the moved samples land on ``B``.  A segment is
  ``b_gcj02`` (``B`` looks GCJ-02-shifted: moved, the segment's offset falls below half
  of what it was and to a third or less, or under ``agree_m / 2``; an edge parallel to the
  shift that is off by its small cross component counts), ``a_gcj02`` (the same with
  ``A`` as the shifted one), else ``agrees`` (median offset within ``agree_m``) or
  ``differs``.
  A datum shift moves one layer one way: within a feature, GCJ-02-like segments of
  both directions in comparable lengths (a buffer looks shifted east on its east side
  and west on its west side) are both counted as ``differs``, else the minority is.
  A nearest-point offset measures a shift across the boundary only: an edge parallel to
  the displacement shows no offset, which is why the test moves the points instead of
  comparing vectors;
* the translation that best moves ``A`` onto ``B`` is fitted by least squares on the
  offsets across ``B``'s edges (point-to-line ICP, three iterations), over the samples
  within ``max_offset_m`` (farther ones are missing parts, islands, not offsets).  Along
  a single straight edge only the component across it is determined (the minimum-norm
  solution is given).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import GeometryError, InputError
from ._text import listing
from .crs import ANALYSIS_CRS, GCJ02, WGS84, datum_of, geodesic_area, to_crs, transform_xy

STEP_M = 50.0
"""Default spacing of the boundary samples, metres."""
SEGMENT_M = 1000.0
"""Default length of the boundary segments reported, metres."""
AGREE_M = 50.0
"""Default offset under which two boundaries agree, metres."""
CHANGED_IOU = 0.98
"""Below this IoU a matched feature is named as changed, whatever the pooled share says."""
MAX_OFFSET_M = 2000.0
"""Default largest offset used to fit the translation, metres."""
GCJ_RATIO = 1.0 / 3.0
"""A segment is GCJ-02-like when moving it by the shift leaves at most this share of its offset."""
CLASSES = ("agrees", "b_gcj02", "a_gcj02", "differs")
"""Segment classes (see the module notes)."""


@dataclass(frozen=True)
class BoundaryResult:
    """Per-feature table, per-segment table (WGS84 lines) and a one-paragraph verdict."""

    features: pd.DataFrame
    segments: gpd.GeoDataFrame
    verdict: str
    shares: dict[str, float]


def _polygons(frame: Any, what: str) -> gpd.GeoDataFrame:
    if isinstance(frame, gpd.GeoSeries):
        frame = gpd.GeoDataFrame(geometry=frame)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"{what} must be a GeoDataFrame or GeoSeries, got {type(frame).__name__}")
    datum_of(frame)  # MissingCRSError with the fix
    if not len(frame):
        raise InputError(f"{what} has no features")
    geoms = frame.geometry
    bad = geoms.isna() | geoms.is_empty | ~geoms.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        raise GeometryError(
            f"{what} must hold non-empty polygons; rows {listing(frame.index[bad], limit=5)} "
            "do not"
        )
    return frame


@dataclass(frozen=True)
class _Edges:
    a: np.ndarray  # (n, 2) edge starts
    b: np.ndarray  # (n, 2) edge ends
    tree: shapely.STRtree


def _rings(geom: Any) -> list[shapely.LineString]:
    out = []
    for part in shapely.get_parts(geom):
        for ring in [part.exterior, *part.interiors]:
            if ring.length > 0:
                out.append(shapely.LineString(ring.coords))
    return out


def _edges(geom: Any) -> _Edges:
    starts, ends = [], []
    for ring in _rings(geom):
        xy = shapely.get_coordinates(ring)
        starts.append(xy[:-1])
        ends.append(xy[1:])
    a = np.vstack(starts)
    b = np.vstack(ends)
    keep = np.any(a != b, axis=1)
    a, b = a[keep], b[keep]
    return _Edges(a, b, shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1))))


def _nearest(edges: _Edges, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Distance, nearest point (qx, qy) and unit normal (nx, ny) of the nearest edge."""
    if not len(x):
        empty = np.zeros(0)
        return empty, empty, empty, empty, empty
    pts = shapely.points(x, y)
    idx = edges.tree.query_nearest(pts, all_matches=False)
    order = np.argsort(idx[0], kind="stable")
    j = idx[1][order]
    a, b = edges.a[j], edges.b[j]
    ab = b - a
    p = np.column_stack([x, y])
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
    q = a + t[:, None] * ab
    d = np.hypot(q[:, 0] - x, q[:, 1] - y)
    length = np.hypot(ab[:, 0], ab[:, 1])
    nx, ny = -ab[:, 1] / length, ab[:, 0] / length
    return d, q[:, 0], q[:, 1], nx, ny


@dataclass(frozen=True)
class _Samples:
    x: np.ndarray
    y: np.ndarray
    segment: np.ndarray  # segment id of each sample
    seg_lines: list[shapely.LineString]  # metric
    seg_length: np.ndarray


def _along(xy: np.ndarray, cum: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Points at distances ``at`` along a polyline with cumulative lengths ``cum``."""
    return np.column_stack([np.interp(at, cum, xy[:, 0]), np.interp(at, cum, xy[:, 1])])


def _sample(geom: Any, step_m: float, segment_m: float) -> _Samples:
    xs, ys, seg_ids, lines, lengths = [], [], [], [], []
    for ring in _rings(geom):
        xy = shapely.get_coordinates(ring)
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
        length = float(cum[-1])
        n = max(int(np.ceil(length / step_m)), 4)
        at = (np.arange(n) + 0.5) * (length / n)
        pts = _along(xy, cum, at)
        n_seg = max(round(length / segment_m), 1)
        bounds = np.linspace(0.0, length, n_seg + 1)
        local = np.clip(np.searchsorted(bounds, at, side="right") - 1, 0, n_seg - 1)
        xs.append(pts[:, 0])
        ys.append(pts[:, 1])
        seg_ids.append(local + len(lines))
        ends = _along(xy, cum, bounds)
        inner = np.searchsorted(cum, bounds, side="right")
        for k in range(n_seg):
            middle = xy[inner[k] : np.searchsorted(cum, bounds[k + 1], side="left")]
            lines.append(shapely.linestrings(np.vstack([ends[k], middle, ends[k + 1]])))
            lengths.append(bounds[k + 1] - bounds[k])
    return _Samples(
        np.concatenate(xs),
        np.concatenate(ys),
        np.concatenate(seg_ids),
        lines,
        np.asarray(lengths, dtype=float),
    )


def _vertices(geom: Any) -> np.ndarray:
    return np.vstack([shapely.get_coordinates(r) for r in _rings(geom)])


def _gcj_moves(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Points read as WGS84 moved into GCJ-02 (forward) and read as GCJ-02 moved back."""
    lon, lat = transform_xy(x, y, source=ANALYSIS_CRS, target=WGS84)
    glon, glat = transform_xy(lon, lat, source=WGS84, target=GCJ02)
    fx, fy = transform_xy(glon, glat, source=WGS84, target=ANALYSIS_CRS)
    rx, ry = transform_xy(lon, lat, source=GCJ02, target=ANALYSIS_CRS)
    return fx, fy, rx, ry


def _fit_translation(
    edges: _Edges, x: np.ndarray, y: np.ndarray, max_offset_m: float, iterations: int = 3
) -> tuple[float, float, int]:
    """Least-squares translation moving the points onto the edges (point-to-line ICP)."""
    t = np.zeros(2)
    used = 0
    for _ in range(iterations):
        d, qx, qy, nx, ny = _nearest(edges, x + t[0], y + t[1])
        keep = d <= max_offset_m
        used = int(keep.sum())
        if used < 2:
            return float("nan"), float("nan"), used
        signed = (qx - x - t[0]) * nx + (qy - y - t[1]) * ny
        normals = np.column_stack([nx, ny])[keep]
        step, *_ = np.linalg.lstsq(normals, signed[keep], rcond=None)
        t = t + step
        if np.hypot(*step) < 0.01:
            break
    return float(t[0]), float(t[1]), used


def _classify(
    offset: np.ndarray, moved_b: np.ndarray, moved_a: np.ndarray, agree_m: float
) -> np.ndarray:
    out = np.full(len(offset), "differs", dtype=object)
    out[offset <= agree_m] = "agrees"
    explained = np.maximum(GCJ_RATIO * offset, 0.5 * agree_m)
    better_b = (moved_b <= explained) & (moved_b < 0.5 * offset)
    better_a = (moved_a <= explained) & (moved_a < 0.5 * offset) & (moved_a < moved_b)
    out[better_b] = "b_gcj02"
    out[better_a] = "a_gcj02"
    return out


def _one_direction(cls: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Keep GCJ-02-like segments of one direction per feature; the rest differ.

    A datum shift moves one layer one way everywhere.  A boundary that moved outward on
    every side (a buffer, a grown zone) looks GCJ-02-like on its east-facing edges in one
    direction and on its west-facing edges in the other: when both directions are
    comparable (the smaller above a quarter of the larger) neither is a datum shift;
    otherwise the smaller one is not.
    """
    out = cls.copy()
    sb = float(lengths[cls == "b_gcj02"].sum())
    sa = float(lengths[cls == "a_gcj02"].sum())
    if sa > 0 and sb > 0:
        if min(sa, sb) > 0.25 * max(sa, sb):
            out[np.isin(cls, ["b_gcj02", "a_gcj02"])] = "differs"
        else:
            out[cls == ("a_gcj02" if sa < sb else "b_gcj02")] = "differs"
    return out


def _match(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    ga: np.ndarray,
    gb: np.ndarray,
    key_a: Sequence[Any] | None,
    key_b: Sequence[Any] | None,
) -> tuple[list[tuple[int | None, int | None]], list[Any]]:
    """Pairs of positions (A, B) and their keys; unmatched features get None on one side."""
    if key_a is not None and key_b is not None:
        ka = [str(k) for k in key_a]
        kb = [str(k) for k in key_b]
        for keys, what in ((ka, "the first layer"), (kb, "the second layer")):
            twice = sorted({k for k in keys if keys.count(k) > 1})
            if twice:
                raise InputError(f"{what} has the key(s) {listing(twice, limit=5)} more than once")
        pos_b = {k: j for j, k in enumerate(kb)}
        pairs: list[tuple[int | None, int | None]] = [(i, pos_b.get(k)) for i, k in enumerate(ka)]
        keys: list[Any] = list(ka)
        for j, k in enumerate(kb):
            if k not in set(ka):
                pairs.append((None, j))
                keys.append(k)
        return pairs, keys
    # No keys: each feature of A with the feature of B it overlaps most (one to one).
    tree = shapely.STRtree(gb)
    ia, ib = tree.query(ga, predicate="intersects")
    overlap = shapely.area(shapely.intersection(ga[ia], gb[ib]))
    order = np.argsort(-overlap, kind="stable")
    taken_a: dict[int, int] = {}
    taken_b: set[int] = set()
    for k in order:
        i, j = int(ia[k]), int(ib[k])
        if overlap[k] > 0 and i not in taken_a and j not in taken_b:
            taken_a[i] = j
            taken_b.add(j)
    pairs = [(i, taken_a.get(i)) for i in range(len(ga))]
    pairs += [(None, j) for j in range(len(gb)) if j not in taken_b]
    keys = [str(a.index[i]) if i is not None else f"B:{b.index[j]}" for i, j in pairs]
    return pairs, keys


def compare_polygons(
    a: gpd.GeoDataFrame | gpd.GeoSeries,
    b: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    key_a: Sequence[Any] | None = None,
    key_b: Sequence[Any] | None = None,
    names: Sequence[Any] | None = None,
    step_m: float = STEP_M,
    segment_m: float = SEGMENT_M,
    agree_m: float = AGREE_M,
    max_offset_m: float = MAX_OFFSET_M,
    labels: tuple[str, str] = ("A", "B"),
) -> BoundaryResult:
    """Compare two polygon layers feature by feature (see the module notes)."""
    for value, what in (
        (step_m, "step_m"),
        (segment_m, "segment_m"),
        (agree_m, "agree_m"),
        (max_offset_m, "max_offset_m"),
    ):
        if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
            raise InputError(f"{what} must be a positive number of metres, got {value!r}")
    if segment_m < step_m:
        raise InputError(f"segment_m ({segment_m:g}) must be at least step_m ({step_m:g})")
    a = _polygons(a, f"layer {labels[0]}")
    b = _polygons(b, f"layer {labels[1]}")
    ga = np.asarray(to_crs(a, ANALYSIS_CRS).geometry.values, dtype=object)
    gb = np.asarray(to_crs(b, ANALYSIS_CRS).geometry.values, dtype=object)
    area_a = geodesic_area(a).to_numpy() / 1e6
    area_b = geodesic_area(b).to_numpy() / 1e6
    pairs, keys = _match(a, b, ga, gb, key_a, key_b)
    name_list = list(names) if names is not None else None
    rows: list[dict[str, Any]] = []
    seg_rows: list[dict[str, Any]] = []
    seg_geoms: list[Any] = []
    for (i, j), key in zip(pairs, keys):
        row: dict[str, Any] = {
            "key": key,
            "name": (name_list[i] if name_list is not None and i is not None else key),
            "status": "matched",
        }
        if i is None or j is None:
            row["status"] = f"only in {labels[0]}" if j is None else f"only in {labels[1]}"
            row["area_a_km2"] = area_a[i] if i is not None else np.nan
            row["area_b_km2"] = area_b[j] if j is not None else np.nan
            rows.append(row)
            continue
        pa, pb = ga[i], gb[j]
        inter = shapely.intersection(pa, pb).area
        union = shapely.union(pa, pb).area
        ea, eb = _edges(pa), _edges(pb)
        smp = _sample(pa, step_m, segment_m)
        d, qx, qy, _, _ = _nearest(eb, smp.x, smp.y)
        vx, vy = qx - smp.x, qy - smp.y
        fx, fy, rx, ry = _gcj_moves(smp.x, smp.y)
        d_fwd = _nearest(eb, fx, fy)[0]
        d_rev = _nearest(eb, rx, ry)[0]
        shift = np.hypot(fx - smp.x, fy - smp.y)
        # Hausdorff of the boundaries: both directions, samples and vertices.
        va = _vertices(pa)
        smp_b = _sample(pb, step_m, segment_m)
        vb = _vertices(pb)
        d_ab = max(float(d.max()), float(_nearest(eb, va[:, 0], va[:, 1])[0].max()))
        d_ba = max(
            float(_nearest(ea, smp_b.x, smp_b.y)[0].max()),
            float(_nearest(ea, vb[:, 0], vb[:, 1])[0].max()),
        )
        tx, ty, n_used = _fit_translation(eb, smp.x, smp.y, max_offset_m)
        # Segments.
        seg = smp.segment
        n_seg = len(smp.seg_lines)
        frame = pd.DataFrame(
            {"seg": seg, "d": d, "vx": vx, "vy": vy, "fwd": d_fwd, "rev": d_rev, "shift": shift}
        )
        frame["gx"] = fx - smp.x
        frame["gy"] = fy - smp.y
        med = frame.groupby("seg").median().reindex(range(n_seg))
        cls = _classify(med["d"].to_numpy(), med["fwd"].to_numpy(), med["rev"].to_numpy(), agree_m)
        cls = _one_direction(cls, smp.seg_length)
        lengths = smp.seg_length
        like = np.isin(cls, ["b_gcj02", "a_gcj02"])[seg]
        mx, my, _ = (
            _fit_translation(eb, smp.x[like], smp.y[like], max_offset_m)
            if like.sum() >= 2
            else (np.nan, np.nan, 0)
        )
        total = float(lengths.sum())
        shares = {c: float(lengths[cls == c].sum() / total) for c in CLASSES}
        gcj_dx = float(np.median(frame["gx"]))
        gcj_dy = float(np.median(frame["gy"]))
        row.update(
            area_a_km2=area_a[i],
            area_b_km2=area_b[j],
            area_diff_km2=area_b[j] - area_a[i],
            area_rel_diff=area_b[j] / area_a[i] - 1.0 if area_a[i] > 0 else np.nan,
            only_a_km2=max(pa.area - inter, 0.0) / 1e6,
            only_b_km2=max(pb.area - inter, 0.0) / 1e6,
            iou=inter / union if union > 0 else np.nan,
            hausdorff_m=max(d_ab, d_ba),
            median_offset_m=float(np.median(d)),
            p90_offset_m=float(np.quantile(d, 0.9)),
            boundary_km=total / 1000.0,
            share_agrees=shares["agrees"],
            share_b_gcj02=shares["b_gcj02"],
            share_a_gcj02=shares["a_gcj02"],
            share_differs=shares["differs"],
            offset_dx_m=tx,
            offset_dy_m=ty,
            gcj02_part_dx_m=mx,
            gcj02_part_dy_m=my,
            gcj02_dx_m=gcj_dx,
            gcj02_dy_m=gcj_dy,
            n_samples=len(d),
            n_fitted=n_used,
        )
        rows.append(row)
        for k in range(n_seg):
            seg_rows.append(
                {
                    "key": key,
                    "segment": k,
                    "length_m": lengths[k],
                    "offset_m": med["d"].iloc[k],
                    "dx_m": med["vx"].iloc[k],
                    "dy_m": med["vy"].iloc[k],
                    "gcj02_dx_m": med["gx"].iloc[k],
                    "gcj02_dy_m": med["gy"].iloc[k],
                    "offset_if_b_gcj02_m": med["fwd"].iloc[k],
                    "offset_if_a_gcj02_m": med["rev"].iloc[k],
                    "class": cls[k],
                }
            )
            seg_geoms.append(smp.seg_lines[k])
    features = pd.DataFrame(rows)
    for col in ("area_a_km2", "area_b_km2"):
        if col not in features:
            features[col] = np.nan
    seg_cols = [
        "key", "segment", "length_m", "offset_m", "dx_m", "dy_m", "gcj02_dx_m", "gcj02_dy_m",
        "offset_if_b_gcj02_m", "offset_if_a_gcj02_m", "class",
    ]  # fmt: skip
    segments = gpd.GeoDataFrame(
        pd.DataFrame(seg_rows, columns=seg_cols), geometry=seg_geoms, crs=ANALYSIS_CRS
    )
    segments = to_crs(segments, WGS84)
    lengths_all = segments["length_m"].to_numpy(float)
    total_all = float(lengths_all.sum())
    shares_all = {
        c: float(lengths_all[(segments["class"] == c).to_numpy()].sum() / total_all)
        if total_all > 0
        else 0.0
        for c in CLASSES
    }
    verdict = _verdict(features, segments, shares_all, agree_m, labels)
    return BoundaryResult(features, segments, verdict, shares_all)


def _vector(dx: float, dy: float) -> str:
    return f"({dx:+.0f} m east, {dy:+.0f} m north)"


def _verdict(
    features: pd.DataFrame,
    segments: gpd.GeoDataFrame,
    shares: dict[str, float],
    agree_m: float,
    labels: tuple[str, str],
) -> str:
    la, lb = labels
    matched = features.loc[features["status"] == "matched"]
    if matched.empty:
        return f"no feature of {la} matches a feature of {lb}: nothing to compare"
    parts = []
    iou = matched["iou"]
    parts.append(
        f"{len(matched)} matched feature(s): IoU {iou.min():.3f}"
        + (f"-{iou.max():.3f}" if len(matched) > 1 else "")
        + f", Hausdorff up to {matched['hausdorff_m'].max():,.0f} m, areas of {lb} "
        f"{matched['area_rel_diff'].min():+.1%}"
        + (f" to {matched['area_rel_diff'].max():+.1%}" if len(matched) > 1 else "")
        + f" against {la}."
    )
    unmatched = features.loc[features["status"] != "matched"]
    if len(unmatched):
        parts.append(f"{len(unmatched)} feature(s) unmatched ({', '.join(unmatched['status'])}).")
    agree, b_gcj, a_gcj = shares["agrees"], shares["b_gcj02"], shares["a_gcj02"]
    for shifted, share, other in ((lb, b_gcj, la), (la, a_gcj, lb)):
        cls = "b_gcj02" if shifted == lb else "a_gcj02"
        if share <= 0.0:
            continue
        part = matched[f"share_{cls}"] * matched["boundary_km"]
        has = part.to_numpy() > 0
        w = part.to_numpy()[has]
        pick = matched.loc[has]
        dx = float(np.average(pick["gcj02_part_dx_m"].fillna(0.0), weights=w))
        dy = float(np.average(pick["gcj02_part_dy_m"].fillna(0.0), weights=w))
        sel = (segments["class"] == cls).to_numpy()
        sw = segments.loc[sel, "length_m"].to_numpy(float)
        gx = float(np.average(segments.loc[sel, "gcj02_dx_m"], weights=sw))
        gy = float(np.average(segments.loc[sel, "gcj02_dy_m"], weights=sw))
        sign = 1.0 if shifted == lb else -1.0
        vec = (
            f"fitted offset {_vector(sign * dx, sign * dy)} against the GCJ-02 displacement "
            f"there {_vector(gx, gy)}"
        )
        if agree < 0.3 and share >= 0.5:
            parts.append(
                f"{shifted} looks like GCJ-02 (Amap/Tencent) data labelled WGS84: {share:.0%} "
                f"of the boundary length is offset from {other} as the GCJ-02 shift would "
                f"move it ({vec}), {agree:.0%} agrees within {agree_m:g} m. Declare it with "
                "datum='GCJ02'."
            )
        elif agree >= 0.3 and share >= 0.02:
            parts.append(
                f"Part of {shifted}'s boundary ({share:.0%} of its length, e.g. a coast or an "
                f"outer border) is offset from {other} as the GCJ-02 shift would move it "
                f"({vec}), while {agree:.0%} agrees within {agree_m:g} m: {shifted} is not "
                "GCJ-02 data as a whole (declaring datum='GCJ02' would move the borders that "
                "agree): its shifted edges were most likely digitised from GCJ-02 maps."
            )
        elif share >= 0.02:
            parts.append(
                f"{share:.0%} of the boundary length is offset as the GCJ-02 shift would move "
                f"{shifted} ({vec}), {agree:.0%} agrees within {agree_m:g} m and the rest "
                "differs otherwise: compare the segments before deciding on a datum."
            )
    # The pooled share can hide one feature that changed (a sub-district added to the
    # corridor moves a few km of a long boundary): name those features.
    changed = matched.loc[
        (matched["iou"] < CHANGED_IOU) | (matched["share_agrees"] < 0.95)
    ].sort_values("iou", kind="stable")
    if agree >= 0.95 and changed.empty:
        parts.append(f"The boundaries agree: {agree:.0%} of their length within {agree_m:g} m.")
    elif agree >= 0.95:
        names = changed["name"] if "name" in changed else changed["key"]
        listed = "; ".join(
            f"{name} (IoU {row.iou:.2f}, area {row.area_rel_diff:+.1%}, "
            f"{row.share_agrees:.0%} of its boundary within {agree_m:g} m)"
            for name, row in zip(names.astype(str), changed.itertuples())
        )
        parts.append(
            f"{agree:.0%} of the boundary length agrees within {agree_m:g} m, but "
            f"{len(changed)} feature(s) changed: {listed}."
        )
    elif max(b_gcj, a_gcj) < 0.02:
        parts.append(
            f"{agree:.0%} of the boundary agrees within {agree_m:g} m; the rest "
            f"({shares['differs']:.0%}) differs in a way the GCJ-02 shift does not explain."
        )
    return " ".join(parts)
