"""Eigenvalues, orientation and coherence of symmetric 2x2 and 3x3 matrices, per pixel.

Closed forms in float32, a block at a time (the engine calls them on cache-sized
blocks), with no float64 copy of the tensor: the 2x2 case from the half-difference
and ``hypot``, the 3x3 case by the trigonometric method on the matrix shifted by its
mean eigenvalue and scaled to unit size (Smith 1961; no cube of the scale that could
overflow). Away from repeated roots the eigenvalues are accurate to float32 rounding;
at and near a repeated root the rounding of the angle's cosine (about 1e-7) moves the
pair by up to its square root times the spread: measured below 4e-4 of the largest
``|eigenvalue|`` (tests/core/test_eigen.py). A NaN entry gives NaN at that pixel only.

Where numba is loaded, :func:`symmetric_eigenvalues` runs the same closed forms compiled
(:mod:`._jit_second`), pixel by pixel, with libm's float64 functions for the angle: the
same values to float32 rounding, several times faster than these numpy calls.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import compiled
from .arraytypes import Float32Array, FloatArray

_THIRD = np.float32(1.0 / 3.0)
_HALF = np.float32(0.5)
_TWO = np.float32(2.0)


def symmetric_eigenvalues(upper: Sequence[FloatArray], out: Sequence[Float32Array]) -> None:
    """Write the eigenvalues of symmetric matrices into ``out``, descending, signed.

    Parameters
    ----------
    upper : sequence of arrays
        The upper triangle in row-major order, each entry an array of one shape:
        ``(a,)`` for 1x1, ``(a, b, c)`` for ``[[a, b], [b, c]]``, ``(a, d, e, b, f,
        c)`` for ``[[a, d, e], [d, b, f], [e, f, c]]``. Read before ``out`` is written,
        so ``out`` may share memory with them.
    out : sequence of float32 arrays
        One per eigenvalue (1, 2 or 3), largest first: ``l1 >= l2 >= l3``.
    """
    size = {1: 1, 3: 2, 6: 3}[len(upper)]
    if size > 1 and _compiled(upper, out):
        return
    if size == 1:
        np.copyto(out[0], upper[0], casting="same_kind")
    elif size == 2:
        a, b, c = upper
        _eigenvalues_2x2(a, b, c, out)
    else:
        a, d, e, b, f, c = upper
        _eigenvalues_3x3(a, d, e, b, f, c, out)


def _compiled(upper: Sequence[FloatArray], out: Sequence[Float32Array]) -> bool:
    """Run the compiled closed forms (:mod:`._jit_second`); False where they cannot."""
    if any(o.dtype != np.float32 or not o.flags.c_contiguous for o in out):
        return False
    signature = ("eigenvalues", str(len(out)))
    loops = compiled.second_order(signature)
    if loops is None:
        return False
    flat = [np.ascontiguousarray(entry, dtype=np.float32).reshape(-1) for entry in upper]
    outputs = [o.reshape(-1) for o in out]
    if len(out) == 2:
        loops.eigenvalues_2x2(*flat, *outputs)
    else:
        loops.eigenvalues_3x3(*flat, *outputs)
    compiled.ready(signature)
    compiled.count()
    return True


def _eigenvalues_2x2(
    a: FloatArray, b: FloatArray, c: FloatArray, out: Sequence[Float32Array]
) -> None:
    mean = np.add(a, c, dtype=np.float32)
    mean *= _HALF
    root = np.subtract(a, c, dtype=np.float32)
    root *= _HALF
    np.hypot(root, b, out=root, dtype=np.float32)
    np.add(mean, root, out=out[0])
    np.subtract(mean, root, out=out[1])


def _eigenvalues_3x3(
    a: FloatArray,
    d: FloatArray,
    e: FloatArray,
    b: FloatArray,
    f: FloatArray,
    c: FloatArray,
    out: Sequence[Float32Array],
) -> None:
    mean = np.add(a, b, dtype=np.float32)
    mean += c
    mean *= _THIRD
    # The shifted diagonal and the off-diagonal entries, float32 copies of a block.
    a1 = np.subtract(a, mean, dtype=np.float32)
    b1 = np.subtract(b, mean, dtype=np.float32)
    c1 = np.subtract(c, mean, dtype=np.float32)
    d1, e1, f1 = (np.asarray(entry, dtype=np.float32).copy() for entry in (d, e, f))
    # scale = sqrt(trace((A - mean I)^2) / 6): the spread of the eigenvalues about the mean.
    scale = a1 * a1
    scale += b1 * b1
    scale += c1 * c1
    off = d1 * d1
    off += e1 * e1
    off += f1 * f1
    off *= _TWO
    scale += off
    scale *= np.float32(1.0 / 6.0)
    np.sqrt(scale, out=scale)
    # All three eigenvalues equal: any unit scale gives the shifted matrix, zero, itself.
    safe = np.where(scale > 0, scale, np.float32(1.0))
    for entry in (a1, b1, c1, d1, e1, f1):
        entry /= safe
    # half the determinant of the unit matrix: cos(3 phi), in [-1, 1] up to rounding.
    cosine = b1 * c1
    cosine -= f1 * f1
    cosine *= a1
    term = d1 * c1
    term -= f1 * e1
    term *= d1
    cosine -= term
    np.multiply(d1, f1, out=term)
    term -= b1 * e1
    term *= e1
    cosine += term
    cosine *= _HALF
    np.clip(cosine, -1.0, 1.0, out=cosine)
    angle = np.arccos(cosine)
    angle *= _THIRD
    scale *= _TWO
    third_turn = np.float32(2.0 * np.pi / 3.0)
    for index, shift in enumerate((np.float32(0.0), -third_turn, third_turn)):
        np.add(angle, shift, out=term)
        np.cos(term, out=term)
        term *= scale
        np.add(mean, term, out=out[index])


def orientation_angle(
    j_rows: FloatArray, j_cross: FloatArray, j_cols: FloatArray, out: Float32Array
) -> None:
    """Write the angle of the dominant eigenvector of ``[[j_rows, j_cross], [j_cross, j_cols]]``.

    In radians in ``(-pi/2, pi/2]``, in the sense of the gradient direction: 0 for a
    gradient along +column, ``pi/2`` along the rows. ``out`` may share memory with
    the entries.
    """
    cross = np.multiply(j_cross, _TWO, dtype=np.float32)
    difference = np.subtract(j_cols, j_rows, dtype=np.float32)
    np.arctan2(cross, difference, out=out)
    out *= _HALF
    # atan2(-0.0, x < 0) is -pi: the fold onto (-pi/2, pi/2] takes -pi/2 to +pi/2.
    quarter_turn = np.float32(np.pi / 2)
    np.copyto(out, quarter_turn, where=out <= -quarter_turn)


def coherence_ratio(
    j_rows: FloatArray, j_cross: FloatArray, j_cols: FloatArray, out: Float32Array
) -> None:
    """Write ``(l1 - l2) / (l1 + l2)`` of the 2x2 tensors into ``out``, in [0, 1].

    0 where both eigenvalues are 0; NaN stays NaN. ``out`` may share memory with the
    entries.
    """
    trace = np.add(j_rows, j_cols, dtype=np.float32)
    spread = np.subtract(j_cols, j_rows, dtype=np.float32)
    np.hypot(spread, np.multiply(j_cross, _TWO, dtype=np.float32), out=spread)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(spread, trace, out=out)
    np.copyto(out, np.float32(0.0), where=trace == 0)
    np.clip(out, 0.0, 1.0, out=out)
