"""The passes of the second order's compiled loops (numba), used by :mod:`._jit_second`.

One 1-D correlation at a time, with the numpy engine's arithmetic operation by
operation and in its order (:func:`.correlation.correlate_valid`): the centre tap
first, then pairs of taps from the outermost, zero weights skipped, no fused
multiply-add. Along z they read a ring of slices, along y the rows of a block
extended along y, along x a line extended along x; the extensions take the codes of
:func:`.planes.ends` (0 a copy, 1 zero, 2 the odd reflection of 'extrapolate').
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._jit_blocks import loop as _jit


@_jit
def f32(value: Any) -> Any:
    return np.float32(value)


@_jit
def hypot(x: Any, y: Any) -> Any:
    # Exact squares and a sum rounded once in float64: hypotf's value, without its call.
    wide = np.float64(x)
    high = np.float64(y)
    return f32(math.sqrt(wide * wide + high * high))


@_jit
def load_slice(src: Any, q: int, ends: Any, radius: int, dst: Any) -> None:
    """Write slice ``q`` of ``src`` (extended along z by the mode's codes) into ``dst``."""
    size = src.shape[0]
    rows, cols = dst.shape
    kind, index, pivot = 0, q, q
    if q < 0 or q >= size:
        e = q + radius if q < 0 else radius + q - size
        kind, index, pivot = ends[0, e], ends[1, e], ends[2, e]
    for i in range(rows):
        o = dst[i]
        if kind == 1:
            for j in range(cols):
                o[j] = 0
            continue
        row = src[index, i]
        for j in range(cols):
            o[j] = row[j]
        if kind == 2:
            centre = src[pivot, i]
            for j in range(cols):
                value = o[j]
                o[j] = centre[j]
                doubled = o[j] + o[j]
                o[j] = doubled - value


@_jit
def extend(line: Any, radius: int, ends: Any) -> None:
    """Fill the ``radius`` samples at each end of the 1-D ``line`` from those between."""
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
def extend_rows(block: Any, radius: int, ends: Any) -> None:
    """Fill the ``radius`` rows at each end of ``block`` from those between them."""
    cols = block.shape[1]
    for e in range(2 * radius):
        at = e if e < radius else block.shape[0] - 2 * radius + e
        kind, index, pivot = ends[0, e], ends[1, e], ends[2, e]
        if kind == 1:
            for j in range(cols):
                block[at, j] = 0
        elif kind == 0:
            for j in range(cols):
                block[at, j] = block[radius + index, j]
        else:
            for j in range(cols):
                value = block[radius + pivot, j]
                value = value + value
                block[at, j] = value - block[radius + index, j]


@_jit
def pass_ring(ring: Any, centre: int, w: Any, symmetry: int, dst: Any, top: int) -> None:
    """Pass along z: rows ``top:top + Y`` of ``dst`` from the ring's slices about ``centre``."""
    for i in range(ring.shape[1]):
        o = dst[top + i]
        if symmetry == 1:
            _pair_sum(ring, centre, i, w, o)
        else:
            _pair_difference(ring, centre, i, w, o)


@_jit
def _pair_sum(ring: Any, centre: int, i: int, w: Any, o: Any) -> None:
    r = w.size // 2
    span = ring.shape[0]
    n = o.size
    mid = ring[centre % span, i]
    c = w[r]
    for j in range(n):
        o[j] = mid[j] * c
    for k in range(r, 0, -1):
        wk = w[r + k]
        if wk != 0:
            minus = ring[(centre - k) % span, i]
            plus = ring[(centre + k) % span, i]
            for j in range(n):
                o[j] = o[j] + (minus[j] + plus[j]) * wk


@_jit
def _pair_difference(ring: Any, centre: int, i: int, w: Any, o: Any) -> None:
    r = w.size // 2
    span = ring.shape[0]
    n = o.size
    started = False
    for k in range(r, 0, -1):
        wk = w[r + k]
        if wk == 0:
            continue
        minus = ring[(centre - k) % span, i]
        plus = ring[(centre + k) % span, i]
        if started:
            for j in range(n):
                o[j] = o[j] + (plus[j] - minus[j]) * wk
        else:
            for j in range(n):
                o[j] = (plus[j] - minus[j]) * wk
        started = True
    if not started:
        for j in range(n):
            o[j] = 0


@_jit
def pass_y(src: Any, i: int, w: Any, symmetry: int, o: Any) -> None:
    """Pass along y for row ``i``: ``o`` from rows ``i:i + 2 * radius + 1`` of ``src``."""
    r = w.size // 2
    cols = o.size
    if symmetry == 1:
        centre = src[i + r]
        c = w[r]
        for j in range(cols):
            o[j] = centre[j] * c
        for k in range(r, 0, -1):
            wk = w[r + k]
            if wk != 0:
                minus = src[i + r - k]
                plus = src[i + r + k]
                for j in range(cols):
                    o[j] = o[j] + (minus[j] + plus[j]) * wk
        return
    started = False
    for k in range(r, 0, -1):
        wk = w[r + k]
        if wk == 0:
            continue
        minus = src[i + r - k]
        plus = src[i + r + k]
        if started:
            for j in range(cols):
                o[j] = o[j] + (plus[j] - minus[j]) * wk
        else:
            for j in range(cols):
                o[j] = (plus[j] - minus[j]) * wk
        started = True
    if not started:
        for j in range(cols):
            o[j] = 0


@_jit
def pass_x(line: Any, w: Any, symmetry: int, dst: Any) -> None:
    """Pass along x: ``dst`` from ``line``, ``2 * radius`` longer."""
    r = w.size // 2
    n = dst.size
    if symmetry == 1:
        c = w[r]
        centre = line[r : r + n]
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
        if started:
            for j in range(n):
                dst[j] = dst[j] + (plus[j] - minus[j]) * wk
        else:
            for j in range(n):
                dst[j] = (plus[j] - minus[j]) * wk
        started = True
    if not started:
        for j in range(n):
            dst[j] = 0
