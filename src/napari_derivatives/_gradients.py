"""Image gradients in physical units: operators, units and validation.

Every operator here is normalised so that it measures a derivative, not an edge
strength: on a linear ramp ``I = a*y + b*x + c`` every method returns exactly
``a`` and ``b`` (intensity per unit of ``spacing``) away from the border.

The kernel operators are separable. Along the differentiated axis they apply a
derivative kernel whose first moment is one (its response to a unit ramp is
one); along each of the *other differentiated* axes they apply a smoothing
kernel whose sum is one. Axes that are not differentiated are never touched, so
a ``(t, y, x)`` stack differentiated with ``axes=(1, 2)`` gives the same result
as each plane on its own.

Kernels are stored as correlation weights, the order in which
:func:`scipy.ndimage.correlate1d` applies them: weight ``k`` multiplies the
sample at offset ``k - len(kernel) // 2``. A derivative kernel therefore reads
``[-1/2, 0, 1/2]``, the textbook ``[1, 0, -1]`` convolution kernel reversed.
"""

from __future__ import annotations

import math
import numbers
import operator
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from queue import Empty, SimpleQueue
from typing import Any

import numpy as np

__all__ = [
    "METHODS",
    "gradient",
    "gradient_direction",
    "gradient_magnitude",
    "rgb_to_luminance",
]

METHODS = ("central", "sobel", "scharr", "prewitt", "farid", "gaussian")

#: Named outputs of :func:`gradient_outputs`: the derivatives along the last,
#: second-to-last and third-to-last axes, the magnitude and the direction.
OUTPUTS = ("gx", "gy", "gz", "magnitude", "direction")

# Component names of the last three axes, counted from the end: -1 is x.
_COMPONENT_NAMES = {-1: "gx", -2: "gy", -3: "gz"}

BOUNDARY_MODES = (
    "reflect",
    "constant",
    "nearest",
    "mirror",
    "wrap",
    "grid-constant",
    "grid-mirror",
    "grid-wrap",
)


def _unit_first_moment(weights: np.ndarray) -> np.ndarray:
    """Scale correlation weights so that their response to a unit ramp is one."""
    weights = np.asarray(weights, dtype=np.float64)
    offsets = np.arange(weights.size) - weights.size // 2
    return weights / np.dot(weights, offsets)


def _unit_sum(weights: np.ndarray) -> np.ndarray:
    """Scale weights so that they preserve a constant (and, if symmetric, a ramp)."""
    weights = np.asarray(weights, dtype=np.float64)
    return weights / weights.sum()


# Central difference (correlation order), shared by Sobel, Scharr and Prewitt.
DIFFERENCE_WEIGHTS = _unit_first_moment([-1.0, 0.0, 1.0])
SOBEL_SMOOTH = _unit_sum([1.0, 2.0, 1.0])
SCHARR_SMOOTH = _unit_sum([3.0, 10.0, 3.0])
PREWITT_SMOOTH = _unit_sum([1.0, 1.0, 1.0])

# Farid & Simoncelli (2004), Table 1, 5-tap pair, with the digits scikit-image uses.
# The published derivative is a convolution kernel; reversed here to correlation order.
# Renormalised: the prefilter sums to 1 + 2e-16 and the derivative's first moment
# is 0.9918, which would otherwise leave a 0.8 % gain in the results.
FARID_SMOOTH = _unit_sum(
    [
        0.0376593171958126,
        0.249153396177344,
        0.426374573253687,
        0.249153396177344,
        0.0376593171958126,
    ]
)
FARID_DERIVATIVE = _unit_first_moment(
    [-0.109603762960254, -0.276690988455557, 0.0, 0.276690988455557, 0.109603762960254]
)

# Gaussian kernels are sampled out to this many standard deviations.
GAUSSIAN_TRUNCATE = 4.0

# (derivative, smoothing) correlation weights of each fixed-size operator.
_SEPARABLE_KERNELS = {
    "sobel": (DIFFERENCE_WEIGHTS, SOBEL_SMOOTH),
    "scharr": (DIFFERENCE_WEIGHTS, SCHARR_SMOOTH),
    "prewitt": (DIFFERENCE_WEIGHTS, PREWITT_SMOOTH),
    "farid": (FARID_DERIVATIVE, FARID_SMOOTH),
}

# Luminance weights of Rec. 709, as in skimage.color.rgb2gray.
LUMINANCE_WEIGHTS = (0.2125, 0.7154, 0.0721)


def _gaussian_kernels(sigma_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the sampled derivative-of-Gaussian and Gaussian kernels.

    Parameters
    ----------
    sigma_px : float
        Standard deviation in pixels, > 0.

    Returns
    -------
    derivative, smooth : ndarray of float64, shape (2 * radius + 1,)
        Correlation weights; ``derivative`` has a first moment of one and
        ``smooth`` sums to one, with ``radius = max(1, int(4 * sigma_px + 0.5))``.
    """
    radius = max(1, int(GAUSSIAN_TRUNCATE * sigma_px + 0.5))
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    smooth = np.exp(-0.5 * (offsets / sigma_px) ** 2)
    # The derivative is scaled relative to the samples at +-1, not at 0, so that a
    # sigma far below one pixel does not underflow to 0/0: it tends to [-1/2, 0, 1/2].
    relative = np.exp(-0.5 * (np.maximum(offsets**2, 1.0) - 1.0) / sigma_px**2)
    return _unit_first_moment(offsets * relative), _unit_sum(smooth)


def _as_real_array(image: Any) -> np.ndarray:
    """Return ``image`` as a real numeric array of any dtype, without converting it."""
    array = np.asarray(image)
    kind = array.dtype.kind
    if kind == "c":
        raise ValueError(
            f"`image` must be real-valued, got a complex array ({array.dtype}); "
            "take its abs, real or imag part first"
        )
    if kind not in "biuf":
        raise TypeError(f"`image` must be a numeric array, got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError("`image` must have at least one axis, got a 0-d array")
    return array


def _normalise_axes(axes: int | Sequence[int] | None, shape: tuple[int, ...]) -> tuple[int, ...]:
    ndim = len(shape)
    if axes is None:
        normalised = tuple(range(ndim))
    else:
        if isinstance(axes, numbers.Integral):
            axes = (axes,)
        try:
            requested = [operator.index(axis) for axis in axes]
        except TypeError:
            raise ValueError(f"`axes` must be None or a sequence of ints, got {axes!r}") from None
        normalised = []
        for axis in requested:
            if not -ndim <= axis < ndim:
                raise ValueError(
                    f"`axes` entry {axis} is out of range for an image with {ndim} axes"
                )
            normalised.append(axis % ndim)
        normalised = tuple(normalised)
        if len(set(normalised)) != len(normalised):
            raise ValueError(f"`axes` must not repeat an axis, got {tuple(requested)}")
        if not normalised:
            raise ValueError("`axes` must name at least one axis")
    for axis in normalised:
        if shape[axis] < 2:
            raise ValueError(
                f"`axes` includes axis {axis}, which has {shape[axis]} sample(s); "
                "a derivative needs at least 2 (leave that axis out of `axes`)"
            )
    return normalised


def _normalise_spacing(spacing: float | Sequence[float] | None, ndim: int) -> tuple[float, ...]:
    if spacing is None:
        return (1.0,) * ndim
    try:
        values = np.asarray(spacing, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"`spacing` must be None, a number or one number per axis, got {spacing!r}"
        ) from None
    if values.ndim == 0:
        values = np.full(ndim, values)
    elif values.ndim != 1 or values.size != ndim:
        raise ValueError(
            f"`spacing` must be a number or have one entry per image axis ({ndim}), "
            f"got {spacing!r}"
        )
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise ValueError(f"`spacing` must be finite and > 0, got {spacing!r}")
    return tuple(float(value) for value in values)


def _check_options(method: str, sigma: float, mode: str) -> None:
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}, got {method!r}")
    if (
        isinstance(sigma, bool)
        or not isinstance(sigma, numbers.Real)
        or not math.isfinite(sigma)
        or sigma <= 0
    ):
        raise ValueError(f"`sigma` must be a finite number > 0, got {sigma!r}")
    if mode not in BOUNDARY_MODES:
        raise ValueError(f"`mode` must be one of {BOUNDARY_MODES}, got {mode!r}")


# --- the engine ------------------------------------------------------------------------
#
# Every operator is a chain of 1-D correlations, one per differentiated axis. Run over
# the whole image, each pass reads and writes 64 MB for a 4096 x 4096 image, and a float32
# copy of the input plus a scratch image come on top of the outputs. Instead the engine
# cuts the first axis into blocks small enough for the per-core cache: it converts each
# block to float32 with its borders already extended by `mode` (so the passes read only
# real samples and need no border logic), applies the passes as shifted-slice arithmetic,
# and writes the last pass straight into the outputs. Peak extra memory is the outputs
# plus a few blocks per worker. numpy releases the GIL inside its loops, so blocks run on
# a thread per core. Timings and memory: docs/performance.md (benchmarks/bench_gradients.py).

# Bytes of float32 in one padded block. A worker holds five buffers of about this size;
# on the 2-core EPYC machines we measure on (1 MiB L2 per core, 32 MiB L3), 512 KiB to
# 1 MiB blocks were fastest for Sobel, central and Gaussian alike: smaller blocks pay
# Python overhead per numpy call (and GIL hand-overs between threads), larger ones spill.
_BLOCK_BYTES = 1 << 19

# Below this many pixels, starting threads costs more than it saves (~0.2 ms).
_PARALLEL_MIN_PIXELS = 1 << 18

# Modes that extend an axis with zeros instead of with samples of the image.
_ZERO_MODES = ("constant", "grid-constant")


def _source_positions(positions: np.ndarray, size: int, mode: str) -> np.ndarray:
    """Map positions along an axis of ``size`` samples onto it, as ``mode`` extends it.

    Parameters
    ----------
    positions : ndarray of int
        Positions, any distance before or past the ends.
    size : int
        Number of samples along the axis, >= 1.
    mode : str
        One of `BOUNDARY_MODES`.

    Returns
    -------
    ndarray of int
        Indices in ``[0, size)``, or -1 where ``mode`` pads with zeros. Equal to the line
        extension of :mod:`scipy.ndimage` at any distance (checked in the tests).
    """
    if mode in _ZERO_MODES:
        return np.where((positions >= 0) & (positions < size), positions, -1)
    if mode == "nearest":
        return np.clip(positions, 0, size - 1)
    if mode in ("wrap", "grid-wrap"):
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


def _axis_slice(ndim: int, axis: int, start: int, stop: int) -> tuple[slice, ...]:
    index = [slice(None)] * ndim
    index[axis] = slice(start, stop)
    return tuple(index)


def _extend(source: np.ndarray, axis: int, positions: np.ndarray, mode: str, out: np.ndarray):
    """Write the samples of ``source`` at ``positions`` along ``axis``, extended by ``mode``."""
    indices = _source_positions(positions, source.shape[axis], mode)
    if mode in _ZERO_MODES:
        # Positions here all lie outside the axis: the whole region is zero.
        out.fill(0.0)
    else:
        np.copyto(out, np.take(source, indices, axis=axis), casting="unsafe")


def _symmetry(weights: np.ndarray) -> int:
    """Return 1 for a symmetric kernel, -1 for an antisymmetric one, else 0."""
    if np.array_equal(weights, weights[::-1]):
        return 1
    return -1 if np.array_equal(weights, -weights[::-1]) else 0


def _correlate_valid(
    source: np.ndarray,
    weights: np.ndarray,
    axis: int,
    out: np.ndarray,
    scratch: np.ndarray,
    symmetry: int | None = None,
) -> None:
    """Correlate along ``axis`` where the kernel fits; ``out`` is ``2 * radius`` shorter.

    Symmetric and antisymmetric kernels (all those of the operators) pair their taps as
    :func:`scipy.ndimage.correlate1d` does, in float32 arithmetic: the results are within
    a few float32 ulps of correlate1d's float64 sums, and exact for integer images whose
    sums fit in 24 bits (Sobel, Scharr on uint16). Other kernels are summed in float64 in
    correlate1d's order, and equal it bit for bit. ``scratch`` has the shape of ``out``;
    ``symmetry`` is :func:`_symmetry` of ``weights``, given when known to save its cost
    on every block.
    """
    if symmetry is None:
        symmetry = _symmetry(weights)
    radius = weights.size // 2
    length = out.shape[axis]

    def tap(offset: int) -> np.ndarray:
        return source[_axis_slice(source.ndim, axis, radius + offset, radius + offset + length)]

    pairs = [(j, weights[radius + j]) for j in range(radius, 0, -1)]
    if symmetry == 1:
        np.multiply(tap(0), np.float32(weights[radius]), out=out)
        for j, weight in pairs:
            if weight != 0:
                np.add(tap(-j), tap(j), out=scratch)
                scratch *= np.float32(weight)
                out += scratch
    elif symmetry == -1:
        # The centre weight is zero; the outermost nonzero pair starts the sum in `out`.
        first = True
        for j, weight in pairs:
            if weight == 0:
                continue
            target = out if first else scratch
            np.subtract(tap(j), tap(-j), out=target)
            target *= np.float32(weight)
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


def _correlate_along(
    source: np.ndarray, weights: np.ndarray, axis: int, mode: str, out: np.ndarray
) -> None:
    """Correlate a whole array with 1-D ``weights`` along ``axis`` into ``out``.

    The engine's pass on its own: the axis is extended by ``mode`` once, then
    :func:`_correlate_valid` reads only the extended copy.
    """
    radius = weights.size // 2
    size = source.shape[axis]
    positions = np.arange(-radius, size + radius)
    padded = np.take(source, _source_positions(positions, size, mode), axis=axis)
    padded = padded.astype(np.float32, copy=False)
    if mode in _ZERO_MODES:
        padded[_axis_slice(source.ndim, axis, 0, radius)] = 0.0
        padded[_axis_slice(source.ndim, axis, radius + size, None)] = 0.0
    _correlate_valid(padded, weights, axis, out, np.empty_like(out))


def _passes(
    axis: int,
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
) -> list[tuple[int, np.ndarray]]:
    """Return the ``(axis, weights)`` passes of the derivative along ``axis``, by axis.

    The first axis comes first: it is the one cut into blocks, and its pass consumes
    the blocks' halo rows before any other pass has to process them.
    """
    if method == "central":
        return [(axis, DIFFERENCE_WEIGHTS / spacing[axis])]
    if method == "gaussian":
        kernels = {other: _gaussian_kernels(sigma / spacing[other]) for other in axes}
    else:
        kernels = dict.fromkeys(axes, _SEPARABLE_KERNELS[method])
    # Folding 1/spacing into the derivative weights saves a pass over the image.
    return [
        (other, kernels[other][0] / spacing[other] if other == axis else kernels[other][1])
        for other in sorted(axes)
    ]


def _buffer(flat: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Return a C-contiguous view of ``shape`` at the start of the 1-D buffer ``flat``."""
    return flat[: math.prod(shape)].reshape(shape)


def _worker_count(n_blocks: int, n_pixels: int) -> int:
    if n_pixels < _PARALLEL_MIN_PIXELS:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, n_blocks))


def _engine(
    array: np.ndarray,
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
    mode: str,
    *,
    wanted: tuple[int, ...],
    keep: tuple[int, ...] = (),
    magnitude: bool = False,
    direction: bool = False,
) -> dict[int | str, np.ndarray]:
    """Compute gradient components and the outputs made of them, block by block.

    Parameters
    ----------
    array : ndarray
        Validated real image of any dtype; converted to the work dtype (float32, or
        float64 for wide types: see :func:`_work_dtype`) a block at a time.
    axes, spacing, method, sigma, mode
        Normalised options, as :func:`gradient` takes them.
    wanted : tuple of int
        Axes whose derivative is computed (smoothing always spans all of ``axes``).
    keep : tuple of int
        Axes of ``wanted`` whose derivative is returned as a full image.
    magnitude : bool
        Return the length of the gradient over ``wanted`` under ``"magnitude"``.
    direction : bool
        Return the angle of the last two axes of ``axes`` under ``"direction"``.

    Returns
    -------
    dict
        Float32 arrays of ``array.shape``: the kept components keyed by axis, and
        ``"magnitude"`` and ``"direction"`` when asked for.
    """
    shape = array.shape
    if method == "central":
        # One-sided differences replace the two end samples, so the extension is unused.
        mode = "nearest"
    passes = {axis: _passes(axis, axes, spacing, method, sigma) for axis in wanted}
    symmetries = {
        axis: [_symmetry(weights) for _, weights in chain] for axis, chain in passes.items()
    }
    pads = [0] * array.ndim
    for chain in passes.values():
        for axis, weights in chain:
            pads[axis] = max(pads[axis], weights.size // 2)
    work_dtype = _work_dtype(array.dtype)
    padded_row = math.prod(size + 2 * pad for size, pad in zip(shape[1:], pads[1:], strict=True))
    rows = min(shape[0], max(1, _BLOCK_BYTES // (work_dtype.itemsize * padded_row)))
    blocks = [(start, min(start + rows, shape[0])) for start in range(0, shape[0], rows)]
    padded_size = (rows + 2 * pads[0]) * padded_row
    block_size = rows * math.prod(shape[1:])

    results: dict[int | str, np.ndarray] = {
        axis: np.empty(shape, dtype=np.float32) for axis in keep
    }
    if magnitude:
        results["magnitude"] = np.empty(shape, dtype=np.float32)
    if direction:
        results["direction"] = np.empty(shape, dtype=np.float32)
    n_temporary = len(wanted) - len(keep)

    def run_block(start: int, stop: int, buffers: list[np.ndarray]) -> None:
        padded_flat, ping, pong, scratch, *component_flats = buffers
        padded_shape = (
            stop - start + 2 * pads[0],
            *(s + 2 * p for s, p in zip(shape[1:], pads[1:], strict=True)),
        )
        padded = _buffer(padded_flat, padded_shape)
        _fill_block(array, start, stop, pads, mode, padded)
        components = {}
        temporaries = iter(component_flats)
        for axis in wanted:
            if axis in keep:
                target = results[axis][start:stop]
            else:
                target = _buffer(next(temporaries), (stop - start, *shape[1:]))
            chain = passes[axis]
            # Crop the padding of axes this component does not filter along.
            filtered = {other for other, _ in chain}
            view = padded[
                tuple(
                    slice(None) if other in filtered else slice(pad, padded.shape[other] - pad)
                    for other, pad in enumerate(pads)
                )
            ]
            current = view
            for index, (other, weights) in enumerate(chain):
                out_shape = list(current.shape)
                out_shape[other] -= 2 * (weights.size // 2)
                last = index == len(chain) - 1
                out = (
                    target if last else _buffer(ping if index % 2 == 0 else pong, tuple(out_shape))
                )
                _correlate_valid(
                    current,
                    weights,
                    other,
                    out,
                    _buffer(scratch, tuple(out_shape)),
                    symmetries[axis][index],
                )
                current = out
            if method == "central":
                _one_sided_ends(view, axis, spacing[axis], target, start, stop, shape)
            components[axis] = target
        if magnitude:
            total = results["magnitude"][start:stop]
            square = _buffer(scratch, total.shape)
            for index, component in enumerate(components.values()):
                np.multiply(component, component, out=total if index == 0 else square)
                if index:
                    total += square
            np.sqrt(total, out=total)
        if direction:
            _direction(
                components[axes[-2]], components[axes[-1]], out=results["direction"][start:stop]
            )

    def work(queue: SimpleQueue) -> None:
        buffers = [np.empty(padded_size, dtype=work_dtype) for _ in range(4)]
        buffers += [np.empty(block_size, dtype=np.float32) for _ in range(n_temporary)]
        while True:
            try:
                start, stop = queue.get_nowait()
            except Empty:
                return
            run_block(start, stop, buffers)

    # A shared queue, not a fixed share per thread: on a busy machine a core may stall.
    queue: SimpleQueue = SimpleQueue()
    for block in blocks:
        queue.put(block)
    workers = _worker_count(len(blocks), array.size)
    if workers == 1:
        work(queue)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(work, queue) for _ in range(workers)]:
                future.result()
    return results


def _work_dtype(dtype: np.dtype) -> np.dtype:
    """Return the dtype the passes work in for an image of ``dtype``.

    float32 holds integers exactly only up to 2**24 and keeps 7 digits: an image of
    wide integers, or of float64 values large next to their variations (1e6 + 0.01 x),
    would lose its differences in the cast. Those are read and filtered in float64;
    8- and 16-bit and float32 images in float32 (twice as fast). Results are float32.
    """
    dtype = np.dtype(dtype)
    wide = (dtype.kind == "f" and dtype.itemsize > 4) or (
        dtype.kind in "iu" and dtype.itemsize > 2
    )
    return np.dtype(np.float64 if wide else np.float32)


def _fill_block(
    array: np.ndarray, start: int, stop: int, pads: list[int], mode: str, out: np.ndarray
) -> None:
    """Write rows ``start:stop`` of ``array`` into ``out`` (float), extended by ``mode``.

    ``out`` is larger than the rows by ``2 * pads[k]`` along every axis ``k``: halo rows of
    the neighbouring blocks along the first axis, and the extension by ``mode`` wherever
    the image ends. Extending one axis after the other fills the corners as the
    successive 1-D passes of :mod:`scipy.ndimage` would see them.
    """
    ndim = array.ndim
    inner = tuple(
        slice(pad, pad + size) for size, pad in zip(array.shape[1:], pads[1:], strict=True)
    )
    first = start - pads[0]
    low, high = max(first, 0), min(stop + pads[0], array.shape[0])
    np.copyto(out[(slice(low - first, high - first), *inner)], array[low:high], casting="unsafe")
    if low > first:
        _extend(array, 0, np.arange(first, low), mode, out[(slice(0, low - first), *inner)])
    if high < stop + pads[0]:
        _extend(
            array,
            0,
            np.arange(high, stop + pads[0]),
            mode,
            out[(slice(high - first, None), *inner)],
        )
    for axis in range(1, ndim):
        pad, size = pads[axis], array.shape[axis]
        if pad == 0:
            continue
        interior = out[_axis_slice(ndim, axis, pad, pad + size)]
        _extend(interior, axis, np.arange(-pad, 0), mode, out[_axis_slice(ndim, axis, 0, pad)])
        _extend(
            interior,
            axis,
            np.arange(size, size + pad),
            mode,
            out[_axis_slice(ndim, axis, pad + size, None)],
        )


def _one_sided_ends(
    view: np.ndarray,
    axis: int,
    step: float,
    out: np.ndarray,
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

    def at(array: np.ndarray, index: int) -> np.ndarray:
        # Slices, not indices, so that a 1-D image still gives arrays to write into.
        return array[_axis_slice(ndim, axis, index, index + 1 if index != -1 else None)]

    if axis != 0 or start == 0:
        target = at(out, 0)
        np.subtract(at(view, 2), at(view, 1), out=target)
        target *= scale
    if axis != 0 or stop == shape[0]:
        target = at(out, -1)
        np.subtract(at(view, -2), at(view, -3), out=target)
        target *= scale


def _is_dask(image: Any) -> bool:
    # A dask array exists only once its caller imported dask, so numpy users never load it.
    dask_array = sys.modules.get("dask.array")
    return dask_array is not None and isinstance(image, dask_array.Array)


def _engine_for(array: Any):
    """Return the engine for ``array``: the eager one, or its lazy twin for dask arrays."""
    if _is_dask(array):
        from ._lazy import engine

        return engine
    return _engine


def _prepare(image, method, spacing, axes, sigma, mode):
    _check_options(method, sigma, mode)
    if _is_dask(image):
        from ._lazy import as_real_dask

        array = as_real_dask(image)
    else:
        array = _as_real_array(image)
    axes = _normalise_axes(axes, array.shape)
    spacing = _normalise_spacing(spacing, array.ndim)
    return array, axes, spacing


def gradient(
    image: Any,
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = "nearest",
) -> tuple[np.ndarray, ...]:
    """Return the partial derivatives of an image, in intensity per unit of spacing.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image of any dimension (numeric or bool; bool counts as 0/1). Integer
        images are converted to floating point before differencing, so they never
        wrap and are not rescaled: 8- and 16-bit and float32 images are filtered in
        float32, wider integers and float64 in float64 (so that large values keep
        their small differences). Never modified.
    method : {'central', 'sobel', 'scharr', 'prewitt', 'farid', 'gaussian'}, optional
        ``'central'``: central differences inside and one-sided first-order
        differences at the border, as :func:`numpy.gradient` (exact on a ramp
        everywhere; ``mode`` does not apply). ``'sobel'``, ``'scharr'``,
        ``'prewitt'``, ``'farid'``: the classic operators with their gains removed.
        ``'gaussian'``: derivative of a Gaussian of standard deviation ``sigma``.
    spacing : float or sequence of float, optional
        Pixel size, one number for every axis or one per axis of ``image``
        (``len(spacing) == image.ndim``), each finite and > 0. Default 1.
    axes : int or sequence of int, optional
        Axes to differentiate, negatives allowed, no repeats; each needs at
        least 2 samples. Default: every axis. Kernel operators smooth only along
        the other axes in ``axes``; axes left out are never mixed.
    sigma : float, optional
        Standard deviation of the Gaussian in the units of ``spacing`` (so
        ``sigma / spacing[i]`` pixels along axis ``i``), truncated at 4 sigma.
        Used only by ``method='gaussian'`` but always checked to be > 0.
    mode : str, optional
        Border handling of the kernel operators, as in :mod:`scipy.ndimage`:
        'reflect', 'constant', 'nearest', 'mirror', 'wrap', 'grid-constant',
        'grid-mirror' or 'grid-wrap'. Ignored by ``method='central'``.

    Returns
    -------
    tuple of ndarray of float32
        One array of ``image.shape`` per entry of ``axes``, in that order: the
        derivative along that axis, in intensity per unit of ``spacing``. A NaN
        pixel affects only outputs within the operator's footprint.

    Raises
    ------
    ValueError
        If ``method``, ``spacing``, ``axes``, ``sigma`` or ``mode`` is invalid, or
        ``image`` is 0-d or complex. The message names the parameter.
    TypeError
        If ``image`` is not numeric (strings, objects).

    See Also
    --------
    gradient_magnitude, gradient_direction

    Examples
    --------
    A ramp rising by 3 per row and 2 per column, sampled every 0.5 units:

    >>> import numpy as np
    >>> rows, cols = np.mgrid[0:5, 0:6]
    >>> image = 3.0 * rows + 2.0 * cols
    >>> d_row, d_col = gradient(image, spacing=0.5)
    >>> print(d_row.dtype, float(d_row[2, 3]), float(d_col[2, 3]))
    float32 6.0 4.0
    >>> d_row, d_col = gradient(image, method="sobel", spacing=(0.5, 2.0))
    >>> print(round(float(d_row[2, 3]), 4), round(float(d_col[2, 3]), 4))
    6.0 1.0
    """
    array, axes, spacing = _prepare(image, method, spacing, axes, sigma, mode)
    results = _engine_for(array)(array, axes, spacing, method, sigma, mode, wanted=axes, keep=axes)
    return tuple(results[axis] for axis in axes)


def gradient_magnitude(
    image: Any,
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = "nearest",
) -> np.ndarray:
    """Return the length of the gradient over the differentiated axes.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`gradient`.
    method, spacing, axes, sigma, mode
        As in :func:`gradient`.

    Returns
    -------
    ndarray of float32, shape ``image.shape``
        ``sqrt(sum_i (dI/dx_i)**2)`` over the axes in ``axes`` only, in intensity
        per unit of ``spacing``.

    Raises
    ------
    ValueError
        As :func:`gradient`.
    TypeError
        As :func:`gradient`.
    """
    array, axes, spacing = _prepare(image, method, spacing, axes, sigma, mode)
    results = _engine_for(array)(
        array, axes, spacing, method, sigma, mode, wanted=axes, magnitude=True
    )
    return results["magnitude"]


def gradient_direction(
    image: Any,
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = "nearest",
) -> np.ndarray:
    """Return the direction of steepest ascent in the plane of the last two axes.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`gradient`.
    method, spacing, axes, sigma, mode
        As in :func:`gradient`. ``axes`` must hold at least two axes; the last
        two entries are the row and the column axis of the angle. Kernel
        operators still smooth along every axis in ``axes``.

    Returns
    -------
    ndarray of float32, shape ``image.shape``
        ``atan2(dI/d(row), dI/d(column))`` in radians, in ``(-pi, pi]``: 0 where
        intensity grows towards +column (right), ``+pi/2`` towards +row (down,
        in image display), ``pi`` towards -column (never ``-pi``), ``-pi/2``
        towards -row. Flat regions give 0; the angle uses physical units, so
        it accounts for anisotropic ``spacing``.

    Raises
    ------
    ValueError
        If fewer than two axes are differentiated (message names ``axes``), or
        as :func:`gradient`.
    TypeError
        As :func:`gradient`.
    """
    array, axes, spacing = _prepare(image, method, spacing, axes, sigma, mode)
    if len(axes) < 2:
        raise ValueError(f"`axes` must hold at least two axes for a direction, got {axes}")
    results = _engine_for(array)(
        array, axes, spacing, method, sigma, mode, wanted=axes[-2:], direction=True
    )
    return results["direction"]


def _direction(d_row: np.ndarray, d_col: np.ndarray, out: np.ndarray) -> np.ndarray:
    direction = np.arctan2(d_row, d_col, out=out)
    # atan2(-0.0, x < 0) is -pi, and float32 rounding can reach it too: fold it onto +pi.
    half_turn = np.float32(np.pi)
    np.copyto(direction, half_turn, where=direction <= -half_turn)
    return direction


def gradient_outputs(
    image: Any,
    outputs: Sequence[str] = ("gx", "gy", "magnitude"),
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = "nearest",
) -> dict[str, np.ndarray]:
    """Return named gradient outputs, sharing the components between them.

    This is what the napari layers and batch runs use: each component is
    computed once, however many of the outputs need it.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`gradient`.
    outputs : sequence of str, optional
        Any of ``"gx"`` (derivative along the last axis, columns), ``"gy"``
        (second-to-last axis, rows), ``"gz"`` (third-to-last axis, planes),
        ``"magnitude"`` (over all differentiated axes) and ``"direction"`` (see
        :func:`gradient_direction`). A component's axis must be in ``axes``.
    method, spacing, axes, sigma, mode
        As in :func:`gradient`.

    Returns
    -------
    dict of str to ndarray of float32
        One array of ``image.shape`` per requested output, in the order requested,
        with the same values as :func:`gradient`, :func:`gradient_magnitude` and
        :func:`gradient_direction`.

    Raises
    ------
    ValueError
        If ``outputs`` is empty, repeats a name, names an unknown output or a
        component whose axis is not differentiated (the message names
        ``outputs``), or as :func:`gradient`.
    TypeError
        As :func:`gradient`.

    Examples
    --------
    >>> import numpy as np
    >>> rows, cols = np.mgrid[0:5, 0:6]
    >>> result = gradient_outputs(3.0 * rows + 4.0 * cols, ("gx", "magnitude"))
    >>> print(list(result), float(result["gx"][2, 2]), float(result["magnitude"][2, 2]))
    ['gx', 'magnitude'] 4.0 5.0
    """
    if isinstance(outputs, str):
        outputs = (outputs,)
    outputs = tuple(outputs)
    unknown = [name for name in outputs if name not in OUTPUTS]
    if not outputs or unknown or len(set(outputs)) != len(outputs):
        raise ValueError(f"`outputs` must be distinct names among {OUTPUTS}, got {outputs}")
    array, axes, spacing = _prepare(image, method, spacing, axes, sigma, mode)
    plan, axis_of = _plan_outputs(outputs, array.ndim, axes)
    computed = _engine_for(array)(array, axes, spacing, method, sigma, mode, **plan)
    return {name: computed[axis_of.get(name, name)] for name in outputs}


def _plan_outputs(
    outputs: tuple[str, ...], ndim: int, axes: tuple[int, ...]
) -> tuple[dict[str, Any], dict[str, int]]:
    """Return the engine's keywords for ``outputs``, and the axis of each component name.

    ``outputs`` holds distinct known names; ``axes`` is normalised. Raises the
    `ValueError` of :func:`gradient_outputs` for components that are not differentiated.
    """
    names = {axis: _COMPONENT_NAMES.get(axis - ndim) for axis in axes}
    missing = [name for name in outputs if name.startswith("g") and name not in names.values()]
    if missing:
        raise ValueError(
            f"`outputs` asks for {missing}, whose axes are not differentiated "
            f"(axes={axes} of a {ndim}-d image)"
        )
    if "direction" in outputs and len(axes) < 2:
        raise ValueError(f"`outputs`: a direction needs at least two axes, got axes={axes}")
    keep = tuple(axis for axis in axes if names[axis] in outputs)
    if "magnitude" in outputs:
        wanted = axes
    elif "direction" in outputs:
        wanted = tuple(axis for axis in axes if axis in {*keep, *axes[-2:]})
    else:
        wanted = keep
    plan = {
        "wanted": wanted,
        "keep": keep,
        "magnitude": "magnitude" in outputs,
        "direction": "direction" in outputs,
    }
    return plan, {name: axis for axis, name in names.items()}


def rgb_to_luminance(image: Any) -> np.ndarray:
    """Return the Rec. 709 luminance of an RGB or RGBA image.

    Parameters
    ----------
    image : array_like, shape (..., 3) or (..., 4)
        Real RGB(A) image; the alpha channel is ignored. Integers are not
        rescaled: a uint8 image gives luminance in 0-255.

    Returns
    -------
    ndarray of float32, shape ``image.shape[:-1]``
        ``0.2125 R + 0.7154 G + 0.0721 B``, the weights of
        :func:`skimage.color.rgb2gray`.

    Raises
    ------
    ValueError
        If the last axis of ``image`` does not have 3 or 4 channels, or ``image``
        is complex.
    TypeError
        If ``image`` is not numeric.
    """
    array = np.asarray(image)
    if array.dtype.kind == "c":
        raise ValueError(f"`image` must be real-valued, got a complex array ({array.dtype})")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"`image` must be a numeric array, got dtype {array.dtype}")
    if array.ndim == 0 or array.shape[-1] not in (3, 4):
        raise ValueError(
            f"`image` must have 3 (RGB) or 4 (RGBA) channels on its last axis, "
            f"got shape {array.shape}"
        )
    weights = [np.float32(weight) for weight in LUMINANCE_WEIGHTS]
    luminance = np.multiply(array[..., 0], weights[0], dtype=np.float32)
    channel = np.empty_like(luminance)
    for index in (1, 2):
        np.multiply(array[..., index], weights[index], out=channel, dtype=np.float32)
        luminance += channel
    return luminance
