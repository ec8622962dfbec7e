"""Border modes: where the samples past an image's border come from.

The engine extends the input of each pass along the pass's axis by the mode before it
correlates, so the passes read only real samples and need no border logic; the lazy
twin extends whole dask arrays by the same rule for the wrap modes. scipy's modes copy
samples (or zeros): :func:`source_positions`, equal to the line extension of
:mod:`scipy.ndimage` at any distance (checked in the tests). 'extrapolate' combines
them: the odd reflection about the border sample, ``I[-k] = 2 I[0] - I[k]``, as
``np.pad(mode="reflect", reflect_type="odd")`` at any distance.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .arraytypes import AnyArray, FloatArray
from .choices import WRAP_MODES, ZERO_MODES

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
        return np.clip(positions, 0, size - 1)
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
    if mode == "extrapolate":
        _extrapolate(source, axis, positions, out)
        return
    indices = source_positions(positions, source.shape[axis], mode)
    if mode in ZERO_MODES:
        # Positions here all lie outside the axis: the whole region is zero.
        out.fill(0.0)
    else:
        np.copyto(out, np.take(source, indices, axis=axis), casting="unsafe")


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
