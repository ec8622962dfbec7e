"""The compiled loops of the engine (numba), imported only by :mod:`.compiled`.

:func:`chain_rows` runs a chain of passes along the last two or three axes for a range
of rows (:mod:`.planes`), reading the image in its own dtype; :func:`correlate_rows`
(from :mod:`._jit_blocks`) is the blocks' pass. The arithmetic is the numpy engine's,
operation by operation and in the same order (no fused multiply-add, no
reassociation): the values are identical bit for bit.
"""

from __future__ import annotations

from typing import Any

import numba
import numba.extending
import numpy as np

from ._jit_blocks import correlate_rows
from ._jit_blocks import loop as _jit
from ._jit_passes import extend

__all__ = ["chain_rows", "correlate_rows"]


# The planes' path (:mod:`.planes`): every chain of passes along the last two or three
# axes, read from the image's own dtype a row at a time. Extension codes of
# the positions past an axis's ends (``kind``): 0 a copy of sample ``index``, 1 zero,
# 2 the odd reflection ``2 I[pivot] - I[index]`` (rounded as the numpy engine rounds it).


@_jit
def _converted(src: Any, p: int, z: int, q: int, zends: Any, rz: int, dst: Any, tmp: Any) -> None:
    """Write row ``(z, q)`` of stack ``p`` in the work dtype, ``z`` extended by the mode."""
    n = dst.size
    size_z = src.shape[1]
    if 0 <= z < size_z:
        row = src[p, z, q]
        for j in range(n):
            dst[j] = row[j]
        return
    e = z + rz if z < 0 else rz + z - size_z
    kind, index, pivot = zends[0, e], zends[1, e], zends[2, e]
    if kind == 1:
        for j in range(n):
            dst[j] = 0
        return
    row = src[p, index, q]
    for j in range(n):
        dst[j] = row[j]
    if kind == 2:
        for j in range(n):
            tmp[j] = dst[j]
        row = src[p, pivot, q]
        for j in range(n):
            dst[j] = row[j]
        _reflect(dst, tmp)


@_jit
def _reflect(dst: Any, reflected: Any) -> None:
    """``dst = 2 dst - reflected``, rounded as the numpy engine rounds it."""
    for j in range(dst.size):
        dst[j] = dst[j] + dst[j]
    for j in range(dst.size):
        dst[j] = dst[j] - reflected[j]


def _as_work(w: Any, value: Any) -> Any:
    """``value`` converted to the dtype of the weights ``w`` (compiled: see below)."""
    return w.dtype.type(value)


@numba.extending.overload(_as_work)
def _as_work_compiled(w: Any, value: Any) -> Any:
    # Chosen when the types are known, so each signature compiles one conversion.
    def to_float32(w: Any, value: Any) -> Any:
        return np.float32(value)

    def to_float64(w: Any, value: Any) -> Any:
        return np.float64(value)

    return to_float32 if w.dtype == numba.float32 else to_float64


@_jit
def _direct(
    src: Any, p: int, z0: int, q0: int, dz: int, dy: int, w: Any, symmetry: int, dst: Any
) -> None:
    """Pass along z (``dz = 1``) or y (``dy = 1``) straight from the image's rows.

    The rows are ``src[p, z0 + k dz, q0 + k dy]`` for tap ``k``; each sample is
    converted to the weights' dtype as numpy converts it, then combined as
    :func:`_pass_rows` combines rows.
    """
    r = w.size // 2
    n = dst.size
    started = False
    if symmetry == 1:
        centre = src[p, z0 + r * dz, q0 + r * dy]
        c = w[r]
        for k in range(r, 0, -1):
            wk = w[r + k]
            if wk == 0:
                continue
            minus = src[p, z0 + (r - k) * dz, q0 + (r - k) * dy]
            plus = src[p, z0 + (r + k) * dz, q0 + (r + k) * dy]
            if not started:
                for j in range(n):
                    dst[j] = (
                        _as_work(w, centre[j]) * c
                        + (_as_work(w, minus[j]) + _as_work(w, plus[j])) * wk
                    )
                started = True
            else:
                for j in range(n):
                    dst[j] = dst[j] + (_as_work(w, minus[j]) + _as_work(w, plus[j])) * wk
        if not started:
            for j in range(n):
                dst[j] = _as_work(w, centre[j]) * c
        return
    for k in range(r, 0, -1):
        wk = w[r + k]
        if wk == 0:
            continue
        minus = src[p, z0 + (r - k) * dz, q0 + (r - k) * dy]
        plus = src[p, z0 + (r + k) * dz, q0 + (r + k) * dy]
        if not started:
            for j in range(n):
                dst[j] = (_as_work(w, plus[j]) - _as_work(w, minus[j])) * wk
            started = True
        else:
            for j in range(n):
                dst[j] = dst[j] + (_as_work(w, plus[j]) - _as_work(w, minus[j])) * wk
    if not started:
        for j in range(n):
            dst[j] = 0


@_jit
def _z_passed(
    src: Any,
    p: int,
    z: int,
    q: int,
    wz: Any,
    sym_z: int,
    zends: Any,
    zring: Any,
    dst: Any,
    tmp: Any,
) -> None:
    """Write row ``(z, q)`` after the pass along z (converted only, without one)."""
    rz = wz.size // 2
    if wz.size and rz <= z < src.shape[1] - rz:
        _direct(src, p, z - rz, q, 1, 0, wz, sym_z, dst)
        return
    if wz.size == 0:
        _converted(src, p, z, q, zends, 0, dst, tmp)
        return
    for k in range(2 * rz + 1):
        _converted(src, p, z - rz + k, q, zends, rz, zring[k], tmp)
    _pass_rows(zring, 0, wz, sym_z, dst)


@_jit
def _y_ring_row(
    src: Any,
    p: int,
    z: int,
    q: int,
    wz: Any,
    sym_z: int,
    zends: Any,
    yends: Any,
    ry: int,
    zring: Any,
    dst: Any,
    spare: Any,
) -> None:
    """Write row ``q`` the pass along y reads: the z-passed row, extended along y."""
    size_y = src.shape[2]
    if 0 <= q < size_y:
        _z_passed(src, p, z, q, wz, sym_z, zends, zring, dst, spare[0])
        return
    e = q + ry if q < 0 else ry + q - size_y
    kind, index, pivot = yends[0, e], yends[1, e], yends[2, e]
    if kind == 1:
        for j in range(dst.size):
            dst[j] = 0
    elif kind == 0:
        _z_passed(src, p, z, index, wz, sym_z, zends, zring, dst, spare[0])
    else:
        _z_passed(src, p, z, index, wz, sym_z, zends, zring, spare[1], spare[0])
        _z_passed(src, p, z, pivot, wz, sym_z, zends, zring, dst, spare[0])
        _reflect(dst, spare[1])


@_jit
def _pass_rows(ring: Any, first: int, w: Any, symmetry: int, dst: Any) -> None:
    """Pass along y: ``dst`` from the ring's rows ``first, first + 1, ...`` (cyclic).

    ``dst`` has the rows' dtype, so each value is rounded as the numpy engine rounds
    it: the centre's product, then each pair's, outermost first.
    """
    r = w.size // 2
    span = ring.shape[0]
    n = dst.size
    started = False
    if symmetry == 1:
        centre = ring[(first + r) % span]
        c = w[r]
        for k in range(r, 0, -1):
            wk = w[r + k]
            if wk == 0:
                continue
            minus = ring[(first + r - k) % span]
            plus = ring[(first + r + k) % span]
            if not started:
                for j in range(n):
                    dst[j] = centre[j] * c + (minus[j] + plus[j]) * wk
                started = True
            else:
                for j in range(n):
                    dst[j] = dst[j] + (minus[j] + plus[j]) * wk
        if not started:
            for j in range(n):
                dst[j] = centre[j] * c
        return
    for k in range(r, 0, -1):
        wk = w[r + k]
        if wk == 0:
            continue
        minus = ring[(first + r - k) % span]
        plus = ring[(first + r + k) % span]
        if not started:
            for j in range(n):
                dst[j] = (plus[j] - minus[j]) * wk
            started = True
        else:
            for j in range(n):
                dst[j] = dst[j] + (plus[j] - minus[j]) * wk
    if not started:
        for j in range(n):
            dst[j] = 0


@_jit
def _pass_line(line: Any, w: Any, symmetry: int, dst: Any) -> None:
    """Pass along x: ``dst`` from ``line``, ``2 * radius`` longer, as :func:`_pass_rows`."""
    r = w.size // 2
    n = dst.size
    started = False
    if symmetry == 1:
        centre = line[r : r + n]
        c = w[r]
        for k in range(r, 0, -1):
            wk = w[r + k]
            if wk == 0:
                continue
            minus = line[r - k : r - k + n]
            plus = line[r + k : r + k + n]
            if not started:
                for j in range(n):
                    dst[j] = centre[j] * c + (minus[j] + plus[j]) * wk
                started = True
            else:
                for j in range(n):
                    dst[j] = dst[j] + (minus[j] + plus[j]) * wk
        if not started:
            for j in range(n):
                dst[j] = centre[j] * c
        return
    for k in range(r, 0, -1):
        wk = w[r + k]
        if wk == 0:
            continue
        minus = line[r - k : r - k + n]
        plus = line[r + k : r + k + n]
        if not started:
            for j in range(n):
                dst[j] = (plus[j] - minus[j]) * wk
            started = True
        else:
            for j in range(n):
                dst[j] = dst[j] + (plus[j] - minus[j]) * wk
    if not started:
        for j in range(n):
            dst[j] = 0


@_jit
def _head(
    src: Any,
    p: int,
    z: int,
    y: int,
    wz: Any,
    sym_z: int,
    zends: Any,
    zring: Any,
    ring: Any,
    wy: Any,
    sym_y: int,
    dst: Any,
    tmp: Any,
) -> None:
    """Write row ``y`` after the passes along z and y (those there are) into ``dst``.

    The pass along y reads the image's rows themselves where it can (a plane, away from
    its ends), else the ring's rows.
    """
    if wy.size:
        ry = wy.size // 2
        if wz.size == 0 and ry <= y < src.shape[2] - ry:
            _direct(src, p, z, y - ry, 0, 1, wy, sym_y, dst)
        else:
            _pass_rows(ring, y - ry, wy, sym_y, dst)
    else:
        _z_passed(src, p, z, y, wz, sym_z, zends, zring, dst, tmp)


@_jit
def _one_sided(o: Any, a: Any, b: Any, scale: Any) -> None:
    """``o = (a - b) * scale``: an end of central differences, rounded as numpy rounds it."""
    for j in range(o.size):
        o[j] = a[j] - b[j]
    for j in range(o.size):
        o[j] = o[j] * scale


@_jit
def chain_rows(
    src: Any,
    g0: int,
    g1: int,
    passes: Any,
    symmetry: Any,
    ends: Any,
    scales: Any,
    direct: bool,
    zring: Any,
    ring: Any,
    mid: Any,
    spare: Any,
    out: Any,
) -> None:
    """One chain (passes along z, y, x; any may be absent) for the rows ``g0:g1``.

    ``src`` is the image as ``(stacks, z, y, x)``; rows count through stacks, z and y,
    and ``out`` holds the rows ``g0:g1`` in float32. ``passes`` are the weights along z,
    y and x (in the work dtype; empty for an absent pass), ``symmetry`` theirs, ``ends``
    the extension codes past each axis's ends, ``scales`` > 0 make the end samples of a
    one-pass chain one-sided differences (central differences). ``zring`` holds the
    rows the pass along z reads, ``ring`` the ``2 ry + 1`` rows the pass along y reads,
    ``mid`` the row the pass along x reads (extended along x), ``spare`` three rows;
    all in the work dtype. ``direct``: the work dtype is float32.
    """
    wz, wy, wx = passes
    sym_z, sym_y, sym_x = symmetry[0], symmetry[1], symmetry[2]
    zends, yends, xends = ends
    size_z, size_y, n = src.shape[1], src.shape[2], src.shape[3]
    ry = wy.size // 2
    rx = wx.size // 2
    span = ring.shape[0]
    inner = mid[rx : rx + n]
    result = spare[2]
    g = g0
    while g < g1:
        p = g // (size_z * size_y)
        z = (g // size_y) % size_z
        ya = g % size_y
        yb = min(size_y, ya + g1 - g)
        # Volumes keep a ring of z-passed rows; planes read their rows where they lie,
        # and fill the ring only for the rows near their ends.
        if wy.size and wz.size:
            for q in range(ya - ry, ya + ry):
                _y_ring_row(
                    src, p, z, q, wz, sym_z, zends, yends, ry, zring, ring[q % span], spare
                )
        for y in range(ya, yb):
            o = out[g - g0 + y - ya]
            if wy.size and wz.size:
                q = y + ry
                _y_ring_row(
                    src, p, z, q, wz, sym_z, zends, yends, ry, zring, ring[q % span], spare
                )
            elif wy.size and not ry <= y < size_y - ry:
                for q in range(y - ry, y + ry + 1):
                    _y_ring_row(
                        src, p, z, q, wz, sym_z, zends, yends, ry, zring, ring[q % span], spare
                    )
            if wx.size:
                _head(src, p, z, y, wz, sym_z, zends, zring, ring, wy, sym_y, inner, spare[0])
                extend(mid, rx, xends)
                if direct:
                    _pass_line(mid, wx, sym_x, o)
                else:
                    _pass_line(mid, wx, sym_x, result)
            elif direct:
                _head(src, p, z, y, wz, sym_z, zends, zring, ring, wy, sym_y, o, spare[0])
            else:
                _head(src, p, z, y, wz, sym_z, zends, zring, ring, wy, sym_y, result, spare[0])
            if not direct:
                for j in range(n):
                    o[j] = result[j]
            if scales[0] > 0 and (z == 0 or z == size_z - 1):
                if z == 0:
                    _one_sided(o, zring[2], zring[1], scales[0])
                else:
                    _one_sided(o, zring[1], zring[0], scales[0])
            if scales[1] > 0 and (y == 0 or y == size_y - 1):
                if y == 0:
                    _one_sided(o, ring[(y + 1) % span], ring[y % span], scales[1])
                else:
                    _one_sided(o, ring[y % span], ring[(y - 1) % span], scales[1])
            if scales[2] > 0:
                o[0] = mid[rx + 1] - mid[rx]
                o[0] = o[0] * scales[2]
                o[n - 1] = mid[rx + n - 1] - mid[rx + n - 2]
                o[n - 1] = o[n - 1] * scales[2]
        g += yb - ya
