"""Compiled kernels of the GCJ-02 and BD-09 transforms (private; use :mod:`corridor_geo.crs`).

The published GCJ-02 rule (the "eviltransform" formula, a constant Krasovsky-ellipsoid
offset made of polynomial and sine terms in ``x = lon - 105`` and ``y = lat - 35``) is
evaluated in one fused, parallel loop.  The inverse (GCJ-02 to WGS84) is solved with
Newton's method on ``w + offset(w) = g``; the analytic Jacobian comes almost for free
because every sine term is produced together with its cosine.

Speed comes from doing four transcendental calls per point, whatever the number of
iterations: ``sin``/``cos`` of ``u = pi * x / 60`` and of ``t = pi * y / 180``.  All
other angles of the formula are integer multiples of these (``pi*x/30 = 2u`` ...
``6*pi*x = 360u``; ``pi*y/30 = 6t`` ... ``pi*y = 180t``; the latitude itself is
``t + 35 deg``), built by exact complex multiplication.  Between Newton iterations the
base angles are rotated by the (tiny) step with a short Taylor series instead of calling
``sin`` again.  The relative rounding error of a 360-fold angle built this way is about
``360 * 2**-53``, which moves the offset by less than 1e-15 degree.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

# Krasovsky 1940 ellipsoid, as the published rule uses it.
_A = 6378245.0
_EE = 0.00669342162296594323
_PI = math.pi
_D2R = _PI / 180.0
# e^(i * 35 deg): the latitude angle is t + 35 deg.
_C35 = math.cos(35.0 * _D2R)
_S35 = math.sin(35.0 * _D2R)
_X_PI = _PI * 3000.0 / 180.0
# Fast-math without "nnan"/"ninf": NaN and infinity must keep passing through unchanged.
_FASTMATH = {"contract", "arcp", "nsz", "afn"}

# The bounding box of the published "out of China" rule.
LON_MIN, LON_MAX = 72.004, 137.8347
LAT_MIN, LAT_MAX = 0.8293, 55.8271


@njit(inline="always", cache=True, error_model="numpy", fastmath=_FASTMATH)
def _cmul(ar, ai, br, bi):
    return ar * br - ai * bi, ar * bi + ai * br


@njit(inline="always", cache=True, error_model="numpy", fastmath=_FASTMATH)
def _csq(ar, ai):
    return ar * ar - ai * ai, 2.0 * ar * ai


@njit(inline="always", cache=True, error_model="numpy", fastmath=_FASTMATH)
def _rotate(cr, ci, eps):
    # (cr + i ci) * e^(i eps) for |eps| < 1e-2, to double precision.
    e2 = eps * eps
    ce = 1.0 - e2 * (0.5 - e2 * (1.0 / 24.0 - e2 * (1.0 / 720.0)))
    se = eps * (1.0 - e2 * (1.0 / 6.0 - e2 * (1.0 / 120.0 - e2 * (1.0 / 5040.0))))
    return cr * ce - ci * se, cr * se + ci * ce


@njit(inline="always", cache=True, error_model="numpy", fastmath=_FASTMATH)
def _offset(x, y, ucr, uci, tcr, tci, jac):
    """Offset (dlon, dlat) in degrees at x = lon - 105, y = lat - 35, and its Jacobian.

    ``(ucr, uci)`` is e^(i pi x / 60) and ``(tcr, tci)`` is e^(i pi y / 180).  When ``jac``
    is False the four Jacobian entries are returned as zeros.
    """
    # Multiples of u = pi x / 60.
    z2r, z2i = _csq(ucr, uci)
    z4r, z4i = _csq(z2r, z2i)
    z5r, z5i = _cmul(z4r, z4i, ucr, uci)
    z10r, z10i = _csq(z5r, z5i)
    z20r, z20i = _csq(z10r, z10i)
    z40r, z40i = _csq(z20r, z20i)
    z60r, z60i = _cmul(z40r, z40i, z20r, z20i)
    z120r, z120i = _csq(z60r, z60i)
    z240r, z240i = _csq(z120r, z120i)
    z360r, z360i = _cmul(z240r, z240i, z120r, z120i)
    # Multiples of t = pi y / 180.
    t2r, t2i = _csq(tcr, tci)
    t3r, t3i = _cmul(t2r, t2i, tcr, tci)
    t6r, t6i = _csq(t3r, t3i)
    t12r, t12i = _csq(t6r, t6i)
    t15r, t15i = _cmul(t12r, t12i, t3r, t3i)
    t30r, t30i = _csq(t15r, t15i)
    t60r, t60i = _csq(t30r, t30i)
    t120r, t120i = _csq(t60r, t60i)
    t180r, t180i = _cmul(t120r, t120i, t60r, t60i)
    # Latitude angle phi = t + 35 deg.
    cphi, sphi = _cmul(tcr, tci, _C35, _S35)

    k = 2.0 / 3.0
    ax = abs(x)
    sx = math.sqrt(ax)
    # Sine sums of the published rule.
    s_hi = k * (20.0 * z360i + 20.0 * z120i)  # sin(6 pi x), sin(2 pi x)
    s_lon = k * (20.0 * z60i + 40.0 * z20i + 150.0 * z5i + 300.0 * z2i)
    s_lat = k * (20.0 * t180i + 40.0 * t60i + 160.0 * t15i + 320.0 * t6i)
    tl = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + s_hi + s_lat
    tn = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + s_hi + s_lon

    m = 1.0 - _EE * sphi * sphi
    sm = math.sqrt(m)
    klat = 180.0 * m * sm / (_A * (1.0 - _EE) * _PI)
    klon = 180.0 * sm / (_A * cphi * _PI)
    dlon = tn * klon
    dlat = tl * klat
    if not jac:
        return dlon, dlat, 0.0, 0.0, 0.0, 0.0

    # d sqrt|x| / dx, kept finite at the cusp x = 0 (the Newton step stays tiny there).
    dsx = 0.0
    if ax > 1e-8:
        dsx = 0.5 / sx if x > 0.0 else -0.5 / sx
    p = _PI
    dhi = k * (20.0 * 6.0 * p * z360r + 20.0 * 2.0 * p * z120r)
    tl_x = 2.0 + 0.1 * y + 0.2 * dsx + dhi
    tl_y = (
        3.0
        + 0.4 * y
        + 0.1 * x
        + k
        * (
            20.0 * p * t180r
            + 40.0 * p / 3.0 * t60r
            + 160.0 * p / 12.0 * t15r
            + 320.0 * p / 30.0 * t6r
        )
    )
    tn_x = (
        1.0
        + 0.2 * x
        + 0.1 * y
        + 0.1 * dsx
        + dhi
        + k
        * (
            20.0 * p * z60r
            + 40.0 * p / 3.0 * z20r
            + 150.0 * p / 12.0 * z5r
            + 300.0 * p / 30.0 * z2r
        )
    )
    tn_y = 2.0 + 0.1 * x
    # d ln K / d lat (per degree) of the two scale factors.
    scp = sphi * cphi / m
    llat = _D2R * (-3.0 * _EE * scp)
    llon = _D2R * (sphi / cphi - _EE * scp)
    j11 = tn_x * klon  # d dlon / d lon
    j12 = (tn_y + tn * llon) * klon  # d dlon / d lat
    j21 = tl_x * klat  # d dlat / d lon
    j22 = (tl_y + tl * llat) * klat  # d dlat / d lat
    return dlon, dlat, j11, j12, j21, j22


@njit(inline="always", cache=True, error_model="numpy", fastmath=_FASTMATH)
def _cis_small(a):
    """(cos a, sin a) for |a| <= 0.45 by Taylor series to a**17 (error below 1e-20)."""
    a2 = a * a
    s = a * (
        1.0
        - a2
        / 6.0
        * (
            1.0
            - a2
            / 20.0
            * (
                1.0
                - a2
                / 42.0
                * (
                    1.0
                    - a2
                    / 72.0
                    * (
                        1.0
                        - a2 / 110.0 * (1.0 - a2 / 156.0 * (1.0 - a2 / 210.0 * (1.0 - a2 / 272.0)))
                    )
                )
            )
        )
    )
    c = 1.0 - a2 / 2.0 * (
        1.0
        - a2
        / 12.0
        * (
            1.0
            - a2
            / 30.0
            * (
                1.0
                - a2
                / 56.0
                * (1.0 - a2 / 90.0 * (1.0 - a2 / 132.0 * (1.0 - a2 / 182.0 * (1.0 - a2 / 240.0))))
            )
        )
    )
    return c, s


@njit(inline="always", cache=True, error_model="numpy", fastmath=_FASTMATH)
def _base(lon, lat):
    """e^(i pi x / 60) and e^(i pi y / 180) for a point inside the China box.

    Inside the box |pi x / 60| < 1.73 and |pi y / 180| < 0.6, so a quarter (a half) of the
    angle is below 0.45 and its Taylor series converges to double precision; squaring
    brings it back to the full angle.
    """
    ucr, uci = _cis_small((lon - 105.0) * (_PI / 240.0))
    ucr, uci = _csq(ucr, uci)
    ucr, uci = _csq(ucr, uci)
    tcr, tci = _cis_small((lat - 35.0) * (_D2R / 2.0))
    tcr, tci = _csq(tcr, tci)
    return ucr, uci, tcr, tci


@njit(inline="always", cache=True, error_model="numpy", fastmath=_FASTMATH)
def _inside_or_stand_in(lon, lat):
    """Whether the rule applies, and the point to compute on.

    Outside the box (and for NaN, which compares False) the arithmetic runs on a
    harmless stand-in whose result is discarded: the loop body stays branch-free.
    """
    inside = (lon >= LON_MIN) & (lon <= LON_MAX) & (lat >= LAT_MIN) & (lat <= LAT_MAX)
    return inside, (lon if inside else 105.0), (lat if inside else 35.0)


@njit(parallel=True, cache=True, error_model="numpy", fastmath=_FASTMATH)
def wgs84_to_gcj02_kernel(lon, lat, out_lon, out_lat):  # pragma: no cover - compiled
    for i in prange(lon.shape[0]):
        wl = lon[i]
        wa = lat[i]
        inside, cl, ca = _inside_or_stand_in(wl, wa)
        ucr, uci, tcr, tci = _base(cl, ca)
        dlon, dlat, _a, _b, _c, _d = _offset(cl - 105.0, ca - 35.0, ucr, uci, tcr, tci, False)
        out_lon[i] = cl + dlon if inside else wl
        out_lat[i] = ca + dlat if inside else wa


@njit(inline="always", cache=True, error_model="numpy", fastmath=_FASTMATH)
def _chord_step(wl, wa, gl, ga, s1, s2, ucr, uci, tcr, tci, b11, b12, b21, b22):
    # Move the base angles by the last step, evaluate the residual, step with J(g)^-1.
    ucr, uci = _rotate(ucr, uci, -s1 * (_PI / 60.0))
    tcr, tci = _rotate(tcr, tci, -s2 * _D2R)
    dlon, dlat, _a, _b, _c, _d = _offset(wl - 105.0, wa - 35.0, ucr, uci, tcr, tci, False)
    f1 = wl + dlon - gl
    f2 = wa + dlat - ga
    s1 = b11 * f1 + b12 * f2
    s2 = b21 * f1 + b22 * f2
    return wl - s1, wa - s2, s1, s2, ucr, uci, tcr, tci


@njit(parallel=True, cache=True, error_model="numpy", fastmath=_FASTMATH)
def gcj02_to_wgs84_kernel(lon, lat, out_lon, out_lat):  # pragma: no cover - compiled
    """Solve ``w + offset(w) = g`` for every GCJ-02 point ``g``.

    One Newton step from ``w0 = g`` with the Jacobian ``J(g)``, then two chord steps that
    reuse ``J(g)``.  Over the China box the offset is at most 0.0075 degree and its second
    derivative at most about 0.15 per degree, so the Newton step leaves at most
    ``0.5 * 0.15 * 0.0075**2 = 4e-6`` degree and each chord step multiplies the error by
    at most ``0.15 * 0.0075 = 1.1e-3``: the result is within about 5e-12 degree of the
    exact inverse (1e-7 degree is guaranteed and tested).  The loop body has no branch,
    so the compiler vectorises it.
    """
    for i in prange(lon.shape[0]):
        gl = lon[i]
        ga = lat[i]
        inside, cl, ca = _inside_or_stand_in(gl, ga)
        ucr, uci, tcr, tci = _base(cl, ca)
        dlon, dlat, j11, j12, j21, j22 = _offset(cl - 105.0, ca - 35.0, ucr, uci, tcr, tci, True)
        a11 = 1.0 + j11
        a22 = 1.0 + j22
        inv_det = 1.0 / (a11 * a22 - j12 * j21)
        b11 = a22 * inv_det
        b12 = -j12 * inv_det
        b21 = -j21 * inv_det
        b22 = a11 * inv_det
        # Newton step: F(g) = offset(g).
        s1 = b11 * dlon + b12 * dlat
        s2 = b21 * dlon + b22 * dlat
        wl = cl - s1
        wa = ca - s2
        # Two chord steps, written out: an inner loop would stop the vectoriser.
        wl, wa, s1, s2, ucr, uci, tcr, tci = _chord_step(
            wl, wa, cl, ca, s1, s2, ucr, uci, tcr, tci, b11, b12, b21, b22
        )
        wl, wa, s1, s2, ucr, uci, tcr, tci = _chord_step(
            wl, wa, cl, ca, s1, s2, ucr, uci, tcr, tci, b11, b12, b21, b22
        )
        out_lon[i] = wl if inside else gl
        out_lat[i] = wa if inside else ga


@njit(parallel=True, cache=True, error_model="numpy", fastmath=_FASTMATH)
def gcj02_to_bd09_kernel(lon, lat, out_lon, out_lat):  # pragma: no cover - compiled
    for i in prange(lon.shape[0]):
        x = lon[i]
        y = lat[i]
        z = math.sqrt(x * x + y * y) + 0.00002 * math.sin(y * _X_PI)
        theta = math.atan2(y, x) + 0.000003 * math.cos(x * _X_PI)
        out_lon[i] = z * math.cos(theta) + 0.0065
        out_lat[i] = z * math.sin(theta) + 0.006


@njit(parallel=True, cache=True, error_model="numpy", fastmath=_FASTMATH)
def bd09_to_gcj02_kernel(lon, lat, out_lon, out_lat, tol, max_iter):  # pragma: no cover
    """Exact inverse of :func:`gcj02_to_bd09_kernel` by fixed-point iteration.

    Baidu's published one-step inverse leaves up to about 1e-6 degree; iterating on the
    forward formula (contraction factor about 1e-3) converges to ``tol`` in 2-4 steps.
    """
    for i in prange(lon.shape[0]):
        bl = lon[i]
        ba = lat[i]
        if not (math.isfinite(bl) and math.isfinite(ba)):
            out_lon[i] = bl
            out_lat[i] = ba
            continue
        # Published one-step inverse as the starting point.
        x = bl - 0.0065
        y = ba - 0.006
        z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
        theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
        gl = z * math.cos(theta)
        ga = z * math.sin(theta)
        for _ in range(max_iter):
            z = math.sqrt(gl * gl + ga * ga) + 0.00002 * math.sin(ga * _X_PI)
            theta = math.atan2(ga, gl) + 0.000003 * math.cos(gl * _X_PI)
            el = z * math.cos(theta) + 0.0065 - bl
            ea = z * math.sin(theta) + 0.006 - ba
            gl -= el
            ga -= ea
            if abs(el) < tol and abs(ea) < tol:
                break
        out_lon[i] = gl
        out_lat[i] = ga


def as_float_pair(lon, lat) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Broadcast two coordinate inputs to flat, contiguous float64 arrays."""
    lo, la = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    shape = lo.shape
    return np.ascontiguousarray(lo).ravel(), np.ascontiguousarray(la).ravel(), shape
