"""One 1-D pass of the engine: a correlation where the kernel fits, and its corrections.

:func:`correlate_valid` is every pass; :func:`add_trend` completes a pass whose kernel
was folded onto a short axis in the mode 'extrapolate' (:func:`.boundary.fold`), and
:func:`one_sided_ends` turns the ends of central differences into one-sided ones.
"""

from __future__ import annotations

import numpy as np

from . import compiled
from .arraytypes import Float32Array, FloatArray
from .boundary import axis_slice
from .kernels import Weights, kernel_symmetry


def correlate_valid(
    source: FloatArray,
    weights: Weights,
    axis: int,
    out: FloatArray,
    scratch: FloatArray,
    symmetry: int | None = None,
) -> None:
    """Correlate along ``axis`` where the kernel fits; ``out`` is ``2 * radius`` shorter.

    Symmetric and antisymmetric kernels (all those of the operators) pair their taps as
    :func:`scipy.ndimage.correlate1d` does, in float32 arithmetic: the results are within
    a few float32 ulps of correlate1d's float64 sums, and exact for integer images whose
    sums fit in 24 bits (Sobel, Scharr on uint16). Other kernels are summed in float64 in
    correlate1d's order, and equal it bit for bit. ``scratch`` has the shape of ``out``;
    ``symmetry`` is :func:`.kernels.kernel_symmetry` of ``weights``, given when known to
    save its cost on every block.
    """
    if symmetry is None:
        symmetry = kernel_symmetry(weights)
    if compiled.correlate(source, weights, axis, out, symmetry):
        return
    radius = weights.size // 2
    length = out.shape[axis]

    def tap(offset: int) -> FloatArray:
        return source[axis_slice(source.ndim, axis, radius + offset, radius + offset + length)]

    # Weights in the dtype of the samples: float64 images are filtered with float64 weights.
    real = source.dtype.type
    pairs = [(j, weights[radius + j]) for j in range(radius, 0, -1)]
    if symmetry == 1:
        np.multiply(tap(0), real(weights[radius]), out=out)
        for j, weight in pairs:
            if weight != 0:
                np.add(tap(-j), tap(j), out=scratch)
                scratch *= real(weight)
                out += scratch
    elif symmetry == -1:
        # The centre weight is zero; the outermost nonzero pair starts the sum in `out`.
        first = True
        for j, weight in pairs:
            if weight == 0:
                continue
            target = out if first else scratch
            np.subtract(tap(j), tap(-j), out=target)
            target *= real(weight)
            if not first:
                out += scratch
            first = False
        if first:
            out.fill(0.0)
    else:
        total = tap(radius) * weights[-1]
        for offset, weight in enumerate(weights[:-1], start=-radius):
            total += tap(offset) * weight
        np.copyto(out, total, casting="same_kind")


def add_trend(
    source: FloatArray, axis: int, ends: tuple[int, int], trend: float, out: FloatArray
) -> None:
    """Add ``trend * 2 * (I[n-1] - I[0])`` to ``out``, the pass of a folded kernel.

    'extrapolate' continues an axis with period ``2 (n - 1)``, shifted by
    ``2 (I[n-1] - I[0])`` per period; a kernel folded onto the axis reads a sample of
    the first period instead of one ``k`` periods away, and ``trend`` (the sum of the
    weights times their ``k``) adds back what it missed. ``ends`` are the indices of
    ``I[0]`` and ``I[n-1]`` along ``axis`` of ``source``, the pass's input.
    """
    first, last = ends
    shift = np.subtract(
        source[axis_slice(source.ndim, axis, last, last + 1)],
        source[axis_slice(source.ndim, axis, first, first + 1)],
    )
    shift *= 2.0 * trend
    out += shift


def one_sided_ends(
    view: FloatArray,
    axis: int,
    step: float,
    out: Float32Array,
    start: int,
    stop: int,
    shape: tuple[int, ...],
) -> None:
    """Overwrite the end samples of a central difference with one-sided ones, as numpy does.

    ``view`` holds the block padded by one sample along ``axis``; the ends lie in this
    block unless ``axis`` is the first axis and the block is inside the image.
    """
    ndim = view.ndim
    scale = np.float32(1.0 / step)

    def at(array: FloatArray, index: int) -> FloatArray:
        # Slices, not indices, so that a 1-D image still gives arrays to write into.
        return array[axis_slice(ndim, axis, index, index + 1 if index != -1 else None)]

    if axis != 0 or start == 0:
        target = at(out, 0)
        np.subtract(at(view, 2), at(view, 1), out=target)
        target *= scale
    if axis != 0 or stop == shape[0]:
        target = at(out, -1)
        np.subtract(at(view, -2), at(view, -3), out=target)
        target *= scale
