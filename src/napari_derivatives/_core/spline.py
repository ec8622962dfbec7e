"""The spline method: derivatives of the cubic B-spline interpolant at the pixel centres.

The cubic B-spline through the samples ``I[k]`` is ``s(x) = sum_j c[j] B3(x - j)``; its
coefficients ``c`` come from the samples by the recursive (IIR) prefilter of Unser
(1993), which :func:`scipy.ndimage.spline_filter1d` runs: a causal and an anticausal
first-order filter with the pole ``z = sqrt(3) - 2``. At a pixel centre,
``s(k) = (c[k-1] + 4 c[k] + c[k+1]) / 6`` and ``s'(k) = (c[k+1] - c[k-1]) / 2``: the
engine's ordinary separable passes (:func:`.kernels.passes`) applied to ``c`` instead of
the image. This module computes ``c``, along the differentiated axes only (a stack's
planes or time points never mix), then hands it to :func:`.engine.differentiate`.

The border. The prefilter is global: every coefficient depends on every sample of its
line, with a weight that falls by ``|z| = 0.268`` per pixel. Each line is extended by
:func:`reach` samples (:func:`.boundary.extend_ends`, the mode's own rule) before it is
filtered, so the coefficients are those of the spline through the image extended by
``mode`` to rounding (``|z| ** reach`` times the gain is below the work dtype's
epsilon). The modes whose extension of the image carries over to the coefficients
('extrapolate', 'mirror', 'reflect', 'grid-mirror', 'wrap', 'grid-wrap': odd, even or
periodic extensions) hand the engine the coefficients of the image itself, and the
engine extends them by the same mode; 'extrapolate' continues a ramp, so its spline is
that ramp and the derivative is exact up to the border. The others ('nearest',
'constant', 'grid-constant') keep one coefficient past each end and crop the outputs.

Missing data. A NaN (or infinite) pixel would spread through the recursion along its
whole line, then through the next axis's recursion over the whole image. Instead
non-finite pixels are read as 0 and every output within :func:`halo` pixels of one
(a box along the differentiated axes) is NaN: beyond that, what they were replaced
by changes the coefficients by less than the rounding.

The lazy twin (:mod:`.lazy`) gives each block a halo of :func:`halo` pixels along every
differentiated axis: 15 for float32 work, 30 for float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from . import blockwork, engine
from .arraytypes import AnyArray, Float32Array, FloatArray
from .boundary import axis_slice, extend, extend_ends
from .choices import WRAP_MODES
from .threads import worker_count

#: The pole of the cubic B-spline prefilter.
POLE = math.sqrt(3.0) - 2.0

#: Modes whose coefficients past the border are not the mode's extension of the
#: coefficients inside: their passes read coefficients computed one sample past each end.
_OUTER_MODES = ("nearest", "constant", "grid-constant")

# Lines of the last axis are filtered by scipy in groups of this many samples at least.
_LINES_PER_TASK = 1 << 16

# Bytes of one block of the in-place passes along the later axes (a buffer per thread).
_BLOCK_BYTES = 1 << 21


def reach(dtype: np.dtype[Any]) -> int:
    """Return how many samples the prefilter reads past a pixel to the ``dtype``'s rounding.

    The smallest ``k`` with ``6 |z| ** k`` below the epsilon of ``dtype`` (6, the
    prefilter's gain, bounds how much a sample can move a coefficient): 14 for float32,
    29 for float64.
    """
    return math.ceil(math.log(float(np.finfo(dtype).eps) / 6.0) / math.log(-POLE))


def halo(dtype: np.dtype[Any]) -> int:
    """Return how far the spline derivative at a pixel reads: :func:`reach` plus one.

    The coefficient one pixel away enters the 3-tap passes. The lazy twin gives each
    block this halo along every differentiated axis, and a non-finite pixel makes every
    output within it NaN.
    """
    return reach(dtype) + 1


def differentiate(
    array: AnyArray,
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
    mode: str,
    **plan: Any,
) -> dict[int | str, Float32Array]:
    """Return :func:`.engine.differentiate`'s outputs for ``method='spline'``.

    Parameters are those of :func:`.engine.differentiate`; ``array`` is never modified.
    """
    from scipy import ndimage

    dtype = blockwork.work_dtype(array.dtype)
    outer = 1 if mode in _OUTER_MODES else 0
    coefficients, missing = _coefficients(array, axes, mode, dtype, outer)
    # The coefficients past the border are in the array itself: any extension will do.
    results = engine.differentiate(
        coefficients, axes, spacing, method, sigma, "nearest" if outer else mode, **plan
    )
    if outer:
        crop = tuple(slice(1, -1) if axis in axes else slice(None) for axis in range(array.ndim))
        results = {key: np.ascontiguousarray(value[crop]) for key, value in results.items()}
    if missing is not None:
        # Every axis in `axes` is filtered: a missing pixel reaches this far along each.
        near = missing.view(np.uint8)
        for axis in axes:
            near = ndimage.maximum_filter1d(
                near,
                2 * halo(dtype) + 1,
                axis=axis,
                mode="wrap" if mode in WRAP_MODES else "constant",
            )
        blank = near.astype(bool)
        for value in results.values():
            value[blank] = np.nan
    return results


def _coefficients(
    array: AnyArray,
    axes: tuple[int, ...],
    mode: str,
    dtype: np.dtype[np.floating[Any]],
    outer: int,
) -> tuple[FloatArray, npt.NDArray[np.bool_] | None]:
    """Return the spline coefficients of ``array`` along ``axes`` and its missing pixels.

    The coefficients have ``outer`` more samples at both ends of every axis in ``axes``.
    """
    pad = reach(dtype)
    current: AnyArray = array
    missing = None
    if not outer and array.ndim > 1:
        # One copy in the work dtype, then every axis filtered in place a block at a time:
        # the coefficients cost one image beyond the outputs, and nothing more.
        coefficients = np.empty(array.shape, dtype=dtype)
        np.copyto(coefficients, array, casting="unsafe")
        missing = _missing(array, coefficients)
        for axis in sorted(axes):
            if axis == 0:
                _prefilter_first_in_place(coefficients, pad, mode)
            else:
                _prefilter_in_blocks(coefficients, axis, pad, mode)
        return coefficients, missing
    for index, axis in enumerate(sorted(axes)):
        size = current.shape[axis]
        shape = list(current.shape)
        shape[axis] = size + 2 * pad
        padded = np.empty(shape, dtype=dtype)
        inside = padded[axis_slice(padded.ndim, axis, pad, pad + size)]
        np.copyto(inside, current, casting="unsafe")
        if index == 0:
            missing = _missing(array, inside)
        extend_ends(padded, axis, pad, mode)
        _prefilter(padded, axis)
        current = padded[axis_slice(padded.ndim, axis, pad - outer, pad + size + outer)]
    result: FloatArray = current
    return result, missing


def _missing(array: AnyArray, copy: FloatArray) -> npt.NDArray[np.bool_] | None:
    """Return where ``copy`` (of ``array``) is not finite, those pixels set to 0; or None."""
    if array.dtype.kind not in "fc" or np.isfinite(copy.sum()):
        return None
    # A sum that overflows only costs this second look.
    missing = ~np.isfinite(copy)
    copy[missing] = 0.0
    return missing if missing.any() else None


def _prefilter_in_blocks(coefficients: FloatArray, axis: int, pad: int, mode: str) -> None:
    """Filter ``coefficients`` along ``axis`` (not the first) in place, in blocks of rows.

    Each block is copied with ``pad`` samples of extension by ``mode`` along ``axis``,
    filtered, and copied back: a thread per core, each with one buffer of the block.
    """
    size = coefficients.shape[axis]
    row = math.prod(coefficients.shape[1:]) // size * (size + 2 * pad)
    rows = max(1, _BLOCK_BYTES // (coefficients.itemsize * row))
    starts = range(0, coefficients.shape[0], rows)

    def run(start: int) -> None:
        block = coefficients[start : start + rows]
        shape = list(block.shape)
        shape[axis] += 2 * pad
        padded = np.empty(shape, dtype=block.dtype)
        inside = axis_slice(block.ndim, axis, pad, pad + size)
        padded[inside] = block
        extend_ends(padded, axis, pad, mode)
        _prefilter(padded, axis, threads=False)
        block[...] = padded[inside]

    workers = worker_count(len(starts), coefficients.size)
    if workers == 1:
        for start in starts:
            run(start)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, starts))


def _prefilter(padded: FloatArray, axis: int, *, threads: bool = True) -> None:
    """Replace the lines of ``padded`` along ``axis`` by their spline coefficients.

    Each line begins and ends with :func:`reach` samples of extension, so the filters
    start as if the line were constant before its first sample: the error this makes
    is below the rounding by the time they reach the image.
    """
    if axis == padded.ndim - 1:
        lines = padded.reshape(-1, padded.shape[-1])
        # scipy filters a contiguous line fast; its own border rule is never reached.
        step = max(1, _LINES_PER_TASK // max(1, lines.shape[1]))
        starts = range(0, lines.shape[0], step)

        def run(start: int) -> None:
            from scipy import ndimage

            part = lines[start : start + step]
            ndimage.spline_filter1d(part, 3, axis=1, output=part, mode="mirror")

        workers = worker_count(len(starts), padded.size) if threads else 1
        if workers == 1:
            for start in starts:
                run(start)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(run, starts))
        return
    # Along any other axis a line is a hyperplane of the array, and the recursion runs
    # over whole hyperplanes, contiguous in memory, one numpy call at a time.
    planes = np.moveaxis(padded, axis, 0)
    _recursion(planes.__getitem__, planes.shape[0], 0)


def _prefilter_first_in_place(coefficients: FloatArray, pad: int, mode: str) -> None:
    """Filter ``coefficients`` along the first axis in place.

    The ``pad`` planes of extension before and after are two arrays of their own, filled
    from the image before the recursion overwrites it; the values are :func:`_prefilter`'s on
    the padded array, without a padded copy of the image.
    """
    size = coefficients.shape[0]
    head = np.empty((pad, *coefficients.shape[1:]), dtype=coefficients.dtype)
    tail = np.empty_like(head)
    extend(coefficients, 0, np.arange(-pad, 0), mode, head)
    extend(coefficients, 0, np.arange(size, size + pad), mode, tail)

    def plane(k: int) -> FloatArray:
        if k < pad:
            view: FloatArray = head[k]
        elif k < pad + size:
            view = coefficients[k - pad]
        else:
            view = tail[k - pad - size]
        return view

    _recursion(plane, size + 2 * pad, pad)


def _recursion(plane: Callable[[int], FloatArray], count: int, stop: int) -> None:
    """Run the prefilter's recursion over the ``count`` hyperplanes ``plane(k)`` in place.

    The anticausal pass ends at hyperplane ``stop`` (those before it are extension).
    The state has the work dtype of the hyperplanes.
    """
    state = plane(0) * (1.0 / (1.0 - POLE))
    plane(0)[...] = state
    for k in range(1, count):
        state *= POLE
        state += plane(k)
        plane(k)[...] = state
    # The anticausal filter, with the gain 6 = (1 - z) (1 - 1 / z) of the prefilter.
    state *= -6.0 * POLE / (1.0 - POLE)
    plane(count - 1)[...] = state
    scratch = np.empty_like(state)
    for k in range(count - 2, stop - 1, -1):
        np.multiply(plane(k), 6.0, out=scratch)
        state -= scratch
        state *= POLE
        plane(k)[...] = state
