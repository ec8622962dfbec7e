"""Border modes: where the samples past an image's border come from.

The engine extends each block by the mode before it correlates, so its passes read
only real samples and need no border logic; the lazy twin extends whole dask arrays by
the same rule. Both use :func:`source_positions`, equal to the line extension of
:mod:`scipy.ndimage` at any distance (checked in the tests).
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
        One of :data:`.choices.BOUNDARY_MODES`.

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
    """Write the samples of ``source`` at ``positions`` along ``axis``, extended by ``mode``."""
    indices = source_positions(positions, source.shape[axis], mode)
    if mode in ZERO_MODES:
        # Positions here all lie outside the axis: the whole region is zero.
        out.fill(0.0)
    else:
        np.copyto(out, np.take(source, indices, axis=axis), casting="unsafe")
