"""Linear referencing on a polyline in metres: exact, vectorised (private).

Shared by the axis (chainage), the schematic network (sides of the avenue) and the
routing analyses (access nodes along the axis).
"""

from __future__ import annotations

import numpy as np
import shapely

_END_TOLERANCE_M = 0.5
_CHUNK = 2_000_000  # points x segments evaluated at once by the projection


class Segments:
    """The axis as arrays of segments, for exact vectorised projection."""

    def __init__(self, line: shapely.LineString) -> None:
        xy = np.asarray(line.coords)[:, :2]
        self.a = xy[:-1]
        self.d = np.diff(xy, axis=0)
        self.len = np.hypot(self.d[:, 0], self.d[:, 1])
        self.start = np.concatenate([[0.0], np.cumsum(self.len)[:-1]])
        self.total = float(self.len.sum())
        self.unit = self.d / self.len[:, None]

    def project(self, px: np.ndarray, py: np.ndarray) -> dict[str, np.ndarray]:
        """Nearest point on the line of each point: the first nearest segment wins ties."""
        n, m = len(px), len(self.a)
        seg = np.empty(n, dtype=np.int64)
        t = np.empty(n)
        step = max(1, _CHUNK // max(m, 1))
        l2 = self.len**2
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            rx = px[lo:hi, None] - self.a[None, :, 0]
            ry = py[lo:hi, None] - self.a[None, :, 1]
            tt = np.clip((rx * self.d[None, :, 0] + ry * self.d[None, :, 1]) / l2, 0.0, 1.0)
            qx = rx - tt * self.d[None, :, 0]
            qy = ry - tt * self.d[None, :, 1]
            k = np.argmin(qx * qx + qy * qy, axis=1)
            seg[lo:hi] = k
            t[lo:hi] = tt[np.arange(hi - lo), k]
        qx = self.a[seg, 0] + t * self.d[seg, 0]
        qy = self.a[seg, 1] + t * self.d[seg, 1]
        along = self.start[seg] + t * self.len[seg]
        # Tangent: the segment's direction, the bisector of both segments at a vertex.
        tx, ty = self.unit[seg, 0].copy(), self.unit[seg, 1].copy()
        at_end = (t >= 1.0) & (seg < m - 1)
        at_start = (t <= 0.0) & (seg > 0)
        tx[at_end] += self.unit[seg[at_end] + 1, 0]
        ty[at_end] += self.unit[seg[at_end] + 1, 1]
        tx[at_start] += self.unit[seg[at_start] - 1, 0]
        ty[at_start] += self.unit[seg[at_start] - 1, 1]
        ox, oy = px - qx, py - qy
        dist = np.hypot(ox, oy)
        cross = tx * oy - ty * ox  # > 0: left of the direction of travel (west)
        sign = np.where(cross > 0, -1.0, np.where(cross < 0, 1.0, 0.0))
        # Beyond the ends: how far past, along the end segment's direction.
        past_start = -(ox * self.unit[0, 0] + oy * self.unit[0, 1])
        past_end = ox * self.unit[-1, 0] + oy * self.unit[-1, 1]
        before = (seg == 0) & (t <= 0.0) & (past_start > _END_TOLERANCE_M)
        after = (seg == m - 1) & (t >= 1.0) & (past_end > _END_TOLERANCE_M)
        position = np.where(
            before, "before_south_end", np.where(after, "after_north_end", "along")
        )
        return {
            "along_m": along,
            "offset_m": sign * dist,
            "distance_m": dist,
            "qx": qx,
            "qy": qy,
            "position": position,
        }
