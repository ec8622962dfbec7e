"""The compiled pass of the engine's blocks (numba), imported by :mod:`._jit_kernels`.

One pass over any view of a block: the buffers are flat and C-contiguous, described by
an offset and strides in elements, so that numba sees contiguous rows and vectorises
the loops over them. The arithmetic is the numpy engine's, operation by operation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numba

#: The decorator of every compiled loop (this module's, and :mod:`._jit_passes`',
#: :mod:`._jit_kernels`' and :mod:`._jit_second`'s). The loops allocate nothing, so they
#: run without numba's reference counting (``_nrt=False``): with it, each array argument
#: of a call and each row taken as a view counted a reference with an atomic operation:
#: half of the time on a volume of 64-pixel rows (``perf``), which now runs three times
#: as fast.
if TYPE_CHECKING:  # numba's type stubs do not list `_nrt`
    loop = numba.njit(cache=True, nogil=True, boundscheck=False)
else:
    loop = numba.njit(cache=True, nogil=True, boundscheck=False, _nrt=False)
_jit = loop


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
