"""The compiled loops of the engine (numba), imported only by :mod:`.compiled`.

Each function works on flat C-contiguous buffers described by an offset and strides in
elements, so that numba sees contiguous rows and vectorises the loops over them, while
the engine hands it any view of its blocks (slices along several axes). The arithmetic
is the numpy engine's, operation by operation and in the same order (no fused
multiply-add, no reassociation): the values are identical bit for bit.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)


@_jit
def _row_offsets(
    row: int, shape: Any, s_off: int, s_strides: Any, o_off: int, o_strides: Any
) -> tuple[int, int]:
    """Offsets in source and output of the ``row``-th row (all axes but the last)."""
    so = s_off
    oo = o_off
    rest = row
    for d in range(shape.size - 2, -1, -1):
        index = rest % shape[d]
        rest //= shape[d]
        so += index * s_strides[d]
        oo += index * o_strides[d]
    return so, oo


@_jit
def correlate_rows(
    src: Any,
    s_off: int,
    s_strides: Any,
    out: Any,
    o_off: int,
    o_strides: Any,
    shape: Any,
    axis: int,
    w: Any,
    symmetry: int,
    first_row: int,
    stop_row: int,
) -> None:
    """Correlate rows ``first_row:stop_row`` of ``out`` (shape ``shape``) along ``axis``.

    ``src`` holds the input, ``2 * radius`` longer than ``out`` along ``axis``; ``w`` are
    the weights in the source's dtype; ``symmetry`` is 1 or -1 (the numpy engine's
    pairing of taps, :func:`..correlation.correlate_valid`).
    """
    ndim = shape.size
    n = shape[ndim - 1]
    r = w.size // 2
    last = axis == ndim - 1
    step = 1 if last else s_strides[axis]
    for row in range(first_row, stop_row):
        so, oo = _row_offsets(row, shape, s_off, s_strides, o_off, o_strides)
        o = out[oo : oo + n]
        if symmetry == 1:
            centre = src[so + r * step : so + r * step + n]
            c = w[r]
            for j in range(n):
                o[j] = centre[j] * c
            for k in range(r, 0, -1):
                wk = w[r + k]
                if wk != 0:
                    minus = src[so + (r - k) * step : so + (r - k) * step + n]
                    plus = src[so + (r + k) * step : so + (r + k) * step + n]
                    for j in range(n):
                        o[j] = o[j] + (minus[j] + plus[j]) * wk
        else:
            first = True
            for k in range(r, 0, -1):
                wk = w[r + k]
                if wk == 0:
                    continue
                minus = src[so + (r - k) * step : so + (r - k) * step + n]
                plus = src[so + (r + k) * step : so + (r + k) * step + n]
                if first:
                    for j in range(n):
                        o[j] = (plus[j] - minus[j]) * wk
                    first = False
                else:
                    for j in range(n):
                        o[j] = o[j] + (plus[j] - minus[j]) * wk
            if first:
                for j in range(n):
                    o[j] = 0


def signatures() -> list[tuple[np.dtype[Any], np.dtype[Any]]]:
    """Return the (source, output) dtypes the engine calls :func:`correlate_rows` with."""
    f32, f64 = np.dtype(np.float32), np.dtype(np.float64)
    return [(f32, f32), (f64, f64), (f64, f32)]


# The planes' path (:mod:`.planes`): every chain of passes along the last two axes of a
# stack of planes, read from the image's own dtype a row at a time. Extension codes of
# the positions past an axis's ends (``kind``): 0 a copy of sample ``index``, 1 zero,
# 2 the odd reflection ``2 I[pivot] - I[index]`` (rounded as the numpy engine rounds it).


@_jit
def _load_row(src: Any, plane: int, q: int, ends: Any, radius: int, dst: Any, tmp: Any) -> None:
    """Write row ``q`` of ``plane`` (extended by the mode past the ends) into ``dst``."""
    n = dst.size
    size = src.shape[1]
    if 0 <= q < size:
        row = src[plane, q]
        for j in range(n):
            dst[j] = row[j]
        return
    e = q + radius if q < 0 else radius + q - size
    kind, index, pivot = ends[0, e], ends[1, e], ends[2, e]
    if kind == 1:
        for j in range(n):
            dst[j] = 0
        return
    row = src[plane, index]
    for j in range(n):
        dst[j] = row[j]
    if kind == 2:
        for j in range(n):
            tmp[j] = dst[j]
        row = src[plane, pivot]
        for j in range(n):
            dst[j] = row[j]
        for j in range(n):
            dst[j] = dst[j] + dst[j]
        for j in range(n):
            dst[j] = dst[j] - tmp[j]


@_jit
def _extend_ends(line: Any, radius: int, ends: Any) -> None:
    """Fill the ``radius`` samples at each end of ``line`` from those between them."""
    for e in range(2 * radius):
        at = e if e < radius else line.size - 2 * radius + e
        kind, index, pivot = ends[0, e], ends[1, e], ends[2, e]
        if kind == 1:
            line[at] = 0
        elif kind == 0:
            line[at] = line[radius + index]
        else:
            value = line[radius + pivot]
            value = value + value
            line[at] = value - line[radius + index]


@_jit
def _pass_rows(ring: Any, first: int, w: Any, symmetry: int, dst: Any) -> None:
    """Pass along y: ``dst`` from the ring's rows ``first, first + 1, ...`` (cyclic)."""
    r = w.size // 2
    span = ring.shape[0]
    n = dst.size
    if symmetry == 1:
        centre = ring[(first + r) % span]
        c = w[r]
        for j in range(n):
            dst[j] = centre[j] * c
        for k in range(r, 0, -1):
            wk = w[r + k]
            if wk != 0:
                minus = ring[(first + r - k) % span]
                plus = ring[(first + r + k) % span]
                for j in range(n):
                    dst[j] = dst[j] + (minus[j] + plus[j]) * wk
        return
    started = False
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
    """Pass along x: ``dst`` from ``line``, ``2 * radius`` longer."""
    r = w.size // 2
    n = dst.size
    if symmetry == 1:
        centre = line[r : r + n]
        c = w[r]
        for j in range(n):
            dst[j] = centre[j] * c
        for k in range(r, 0, -1):
            wk = w[r + k]
            if wk != 0:
                minus = line[r - k : r - k + n]
                plus = line[r + k : r + k + n]
                for j in range(n):
                    dst[j] = dst[j] + (minus[j] + plus[j]) * wk
        return
    started = False
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
def chain_planes(
    src: Any,
    g0: int,
    g1: int,
    wy: Any,
    sym_y: int,
    yends: Any,
    wx: Any,
    sym_x: int,
    xends: Any,
    scale_y: Any,
    scale_x: Any,
    direct: bool,
    ring: Any,
    mid: Any,
    tmp: Any,
    out: Any,
) -> None:
    """One chain (a pass along y, then one along x; either may be absent) for rows g0:g1.

    ``src`` is the image as ``(planes, y, x)``; rows count through the planes, and
    ``out`` holds the rows ``g0:g1`` in float32. ``ring`` keeps the ``2 ry + 1`` rows the
    pass along y reads, in the work dtype; ``mid`` the row a pass along x reads, extended
    along x; ``tmp`` a row of the work dtype. ``yends``/``xends`` are the extension codes
    past each axis's ends. ``scale_y``/``scale_x`` > 0 make the end samples one-sided
    differences (central differences). ``direct``: the work dtype is float32.
    """
    size_y = src.shape[1]
    n = src.shape[2]
    ry = wy.size // 2
    rx = wx.size // 2
    span = ring.shape[0]
    inner = mid[rx : rx + n]
    g = g0
    while g < g1:
        plane = g // size_y
        ya = g - plane * size_y
        yb = min(size_y, ya + g1 - g)
        if wy.size:
            for q in range(ya - ry, ya + ry):
                _load_row(src, plane, q, yends, ry, ring[q % span], tmp)
        for y in range(ya, yb):
            o = out[g - g0 + y - ya]
            if wy.size:
                q = y + ry
                _load_row(src, plane, q, yends, ry, ring[q % span], tmp)
                if wx.size:
                    _pass_rows(ring, y - ry, wy, sym_y, inner)
                elif direct:
                    _pass_rows(ring, y - ry, wy, sym_y, o)
                else:
                    _pass_rows(ring, y - ry, wy, sym_y, tmp)
                    for j in range(n):
                        o[j] = tmp[j]
                if scale_y > 0 and (y == 0 or y == size_y - 1):
                    a = ring[(y + 1) % span] if y == 0 else ring[y % span]
                    b = ring[y % span] if y == 0 else ring[(y - 1) % span]
                    for j in range(n):
                        o[j] = a[j] - b[j]
                    for j in range(n):
                        o[j] = o[j] * scale_y
            else:
                _load_row(src, plane, y, yends, 0, inner, tmp)
            if wx.size:
                _extend_ends(mid, rx, xends)
                if direct:
                    _pass_line(mid, wx, sym_x, o)
                else:
                    _pass_line(mid, wx, sym_x, tmp)
                    for j in range(n):
                        o[j] = tmp[j]
                if scale_x > 0:
                    o[0] = mid[rx + 1] - mid[rx]
                    o[0] = o[0] * scale_x
                    o[n - 1] = mid[rx + n - 1] - mid[rx + n - 2]
                    o[n - 1] = o[n - 1] * scale_x
        g += yb - ya
