"""Border modes: where the samples past an image's border come from.

The engine extends the input of each pass along the pass's axis by the mode before it
correlates (:func:`fill_block`, :func:`extend_ends`), so the passes read only real
samples and need no border logic; the lazy twin extends whole dask arrays by the same
rule for the wrap modes. scipy's modes copy samples (or zeros): :func:`source_positions`,
equal to the line extension of :mod:`scipy.ndimage` at any distance (checked in the
tests). 'extrapolate' combines them: the odd reflection about the border sample,
``I[-k] = 2 I[0] - I[k]``, as ``np.pad(mode="reflect", reflect_type="odd")`` at any
distance. Every mode repeats itself past the axis, so a kernel longer than the axis
folds onto it (:func:`fold`) and no extension need be longer than the axis.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt

from .arraytypes import AnyArray, FloatArray
from .choices import WRAP_MODES, ZERO_MODES
from .kernels import Weights

#: Positions along an axis, and the indices of the samples found there.
Indices = npt.NDArray[np.intp]


def source_positions(positions: Indices, size: int, mode: str) -> Indices:
    """Map positions along an axis of ``size`` samples onto it, as ``mode`` extends it.

    Parameters
    ----------
    positions : ndarray of int
        Positions, any distance before or past the ends.
    size : int
        Number of samples along the axis, >= 1.
    mode : str
        One of :data:`.choices.SAMPLING_MODES` (scipy's modes).

    Returns
    -------
    ndarray of int
        Indices in ``[0, size)``, or -1 where ``mode`` pads with zeros. Equal to the line
        extension of :mod:`scipy.ndimage` at any distance (checked in the tests).
    """
    if mode in ZERO_MODES:
        return np.where((positions >= 0) & (positions < size), positions, -1)
    if mode == "nearest":
        # Not np.clip: the same indices, without its overhead on a few positions.
        return np.minimum(np.maximum(positions, 0), size - 1)
    if mode in WRAP_MODES:
        return positions % size
    if mode in ("reflect", "grid-mirror"):
        # Period 2 * size: the edge sample is repeated (d c b a | a b c d | d c b a).
        folded = positions % (2 * size)
        return np.where(folded < size, folded, 2 * size - 1 - folded)
    # 'mirror', period 2 * size - 2: the edge sample is not repeated (d c b | a b c d | c b a).
    if size == 1:
        return np.zeros_like(positions)
    folded = positions % (2 * size - 2)
    return np.where(folded < size, folded, 2 * size - 2 - folded)


def axis_slice(ndim: int, axis: int, start: int | None, stop: int | None) -> tuple[slice, ...]:
    """Return the index of ``start:stop`` along ``axis`` of an ``ndim``-d array."""
    index = [slice(None)] * ndim
    index[axis] = slice(start, stop)
    return tuple(index)


def extend(source: AnyArray, axis: int, positions: Indices, mode: str, out: FloatArray) -> None:
    """Write the samples of ``source`` at ``positions`` along ``axis``, extended by ``mode``.

    ``positions`` lie outside the axis; ``out`` has the shape of ``source`` with
    ``len(positions)`` samples along ``axis``, and the work dtype.
    """
    if mode in ZERO_MODES:
        # Positions here all lie outside the axis: the whole region is zero.
        out.fill(0.0)
    elif positions.size <= _FEW and (mode != "extrapolate" or source.shape[axis] > 1):
        _extend_one_by_one(source, axis, positions.tolist(), mode, out)
    elif mode == "extrapolate":
        _extrapolate(source, axis, positions, out)
    else:
        indices = source_positions(positions, source.shape[axis], mode)
        np.copyto(out, np.take(source, indices, axis=axis), casting="unsafe")


# Up to this many positions (the 3x3 and 5-tap operators, small Gaussians) are filled one
# sample at a time: two numpy calls each, instead of a dozen for the whole region.
_FEW = 8


def _extend_one_by_one(
    source: AnyArray, axis: int, positions: list[int], mode: str, out: FloatArray
) -> None:
    """Do what :func:`extend` does, a position at a time, with the same arithmetic."""
    size = source.shape[axis]
    last = size - 1

    def at(array: AnyArray, index: int) -> AnyArray:
        return array[axis_slice(array.ndim, axis, index, index + 1)]

    if mode != "extrapolate":
        indices = source_positions(np.array(positions), size, mode).tolist()
        for place, index in enumerate(indices):
            np.copyto(at(out, place), at(source, index), casting="unsafe")
        return
    for place, position in enumerate(positions):
        target = at(out, place)
        if -last <= position <= 2 * last:
            # 2 I[pivot] - I[reflected], rounded in the work dtype as np.pad rounds it.
            pivot = 0 if position < 0 else last
            np.copyto(target, at(source, pivot), casting="unsafe")
            target *= 2
            target -= at(source, 2 * pivot - position).astype(target.dtype, copy=False)
        else:
            _extrapolate(source, axis, np.array([position]), target)


def _extrapolate(source: AnyArray, axis: int, positions: Indices, out: FloatArray) -> None:
    """Extend ``source`` by the odd reflection about its border samples (see :func:`extend`).

    Within one reflection ``I[-k] = 2 I[0] - I[k]`` and ``I[m + k] = 2 I[m] - I[m - k]``
    (``m`` the last index), rounded as numpy's ``np.pad`` rounds them. Farther out the
    reflections repeat, as ``np.pad`` repeats them: the line continues with period
    ``2 m``, shifted by ``2 (I[m] - I[0])`` per period. An axis of one sample is
    continued as a constant (``np.pad`` does the same).
    """
    last = source.shape[axis] - 1

    def values(indices: Indices) -> FloatArray:
        taken: FloatArray = np.take(source, indices, axis=axis).astype(out.dtype, copy=False)
        return taken

    if last == 0:
        np.copyto(out, values(np.zeros_like(positions)))
        return
    period = 2 * last
    cycles, phase = np.divmod(positions, period)
    near = (positions >= -last) & (positions <= 2 * last)
    # The nearer border sample is the pivot: the far one never enters near the border.
    pivot = np.where(positions < 0, 0, last)
    reflected = np.where(
        near, 2 * pivot - positions, np.where(phase > last, period - phase, phase)
    )
    odd = near | (phase > last)
    pivots = values(np.where(odd & ~near, last, pivot))
    taken = values(reflected)
    shape = [1] * out.ndim
    shape[axis] = positions.size
    result = np.where(odd.reshape(shape), 2 * pivots - taken, taken)
    if not near.all():
        slope = values(np.array([last])) - values(np.array([0]))
        shift = (2 * np.where(near, 0, cycles)).reshape(shape)
        result = np.where(shift != 0, result + shift * slope, result)
    np.copyto(out, result)


def extend_ends(padded: FloatArray, axis: int, pad: int, mode: str) -> None:
    """Fill the first and last ``pad`` samples along ``axis`` from the ones between them."""
    size = padded.shape[axis] - 2 * pad
    ndim = padded.ndim
    interior = padded[axis_slice(ndim, axis, pad, pad + size)]
    extend(interior, axis, np.arange(-pad, 0), mode, padded[axis_slice(ndim, axis, 0, pad)])
    extend(
        interior,
        axis,
        np.arange(size, size + pad),
        mode,
        padded[axis_slice(ndim, axis, pad + size, None)],
    )


def fold(weights: Weights, size: int, mode: str) -> tuple[Weights, float]:
    """Fold correlation weights that reach past an axis of ``size`` samples onto it.

    Past the axis every mode repeats itself: the copies of scipy's modes are periodic
    ('wrap' with period ``size``, 'reflect' and 'grid-mirror' ``2 size``, 'mirror'
    ``2 size - 2``) or constant ('nearest' and the zeros), and 'extrapolate' is periodic
    (``2 size - 2``) plus a step of ``2 (I[n-1] - I[0])`` per period. So a weight whose
    offset lies beyond the window ``+-(size - 1)`` or ``+-size`` (by the mode) reads the
    same sample as one within it, and adds onto it: the folded kernel is at most about
    twice the axis long, however wide the kernel, and the extension it needs is at most
    the axis long.

    Parameters
    ----------
    weights : ndarray of float64, odd length
        Correlation weights.
    size : int
        Number of samples along the axis, >= 2.
    mode : str
        One of :data:`.choices.BOUNDARY_MODES`.

    Returns
    -------
    weights : ndarray of float64
        ``weights`` itself if they fit the window, else the folded weights (symmetric or
        antisymmetric as ``weights`` are: each is the exactly rounded sum of its share).
    trend : float
        For 'extrapolate', the sum of the folded weights times their number of periods,
        which :func:`.correlation.add_trend` multiplies by the step; else 0.
    """
    radius = weights.size // 2
    periods = {"wrap": size, "grid-wrap": size, "reflect": 2 * size, "grid-mirror": 2 * size}
    period = periods.get(mode, 2 * size - 2 if mode in ("mirror", "extrapolate") else 0)
    # The window: the farthest offset that still differs from every nearer one.
    window = size - 1 if mode in ("wrap", "grid-wrap", "mirror", "extrapolate") else size
    if radius <= window:
        return weights, 0.0
    reach = np.arange(radius + 1)
    if period:
        # Offsets beyond the window move by whole periods into (window - period, window].
        phase = reach % period
        phase = np.where(phase > window, phase - period, phase)
        folded = np.where(reach > window, phase, reach)
        cycles = (reach - folded) // period
    else:
        folded = np.minimum(reach, window)
        cycles = np.zeros_like(reach)
    # A negative offset folds as the mirror image of its positive twin.
    offsets = np.concatenate([-folded[:0:-1], folded])
    counts = np.concatenate([-cycles[:0:-1], cycles])
    # Each folded weight is the exactly rounded sum of its share, so that a symmetric
    # kernel stays exactly symmetric (and an antisymmetric one antisymmetric).
    order = np.argsort(offsets, kind="stable")
    bounds = np.searchsorted(offsets[order], np.arange(-window, window + 2))
    result = np.array(
        [math.fsum(weights[order[low:high]]) for low, high in itertools.pairwise(bounds)]
    )
    trend = math.fsum(weights * counts) if mode == "extrapolate" else 0.0
    return result, trend


def fill_block(
    array: AnyArray, start: int, stop: int, pads: list[int], mode: str, out: FloatArray
) -> None:
    """Write rows ``start:stop`` of ``array`` into ``out`` (float), extended by ``mode``.

    ``out`` is larger than the rows by ``2 * pads[k]`` along every axis ``k``: halo rows of
    the neighbouring blocks along the first axis, and the extension by ``mode`` wherever
    the image ends. Along the other axes only the block's own rows are extended, each
    axis on its own: a pass along one axis reads the others unextended.
    """
    ndim = array.ndim
    inner = tuple(
        slice(pad, pad + size) for size, pad in zip(array.shape[1:], pads[1:], strict=True)
    )
    first = start - pads[0]
    low, high = max(first, 0), min(stop + pads[0], array.shape[0])
    np.copyto(out[(slice(low - first, high - first), *inner)], array[low:high], casting="unsafe")
    if low > first:
        extend(array, 0, np.arange(first, low), mode, out[(slice(0, low - first), *inner)])
    if high < stop + pads[0]:
        extend(
            array,
            0,
            np.arange(high, stop + pads[0]),
            mode,
            out[(slice(high - first, None), *inner)],
        )
    rows = slice(pads[0], pads[0] + stop - start)
    for axis in range(1, ndim):
        if pads[axis]:
            region = (rows, *inner[: axis - 1], slice(None), *inner[axis:])
            extend_ends(out[region], axis, pads[axis], mode)
