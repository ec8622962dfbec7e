"""The engine: every operator as separable passes over cache-sized blocks, on threads.

Every operator is a chain of 1-D correlations, one per differentiated axis (see
:mod:`.kernels`). Run over the whole image, each pass reads and writes 64 MB for a
4096 x 4096 image, and a float32 copy of the input plus a scratch image come on top of
the outputs. Instead the engine cuts the first axis into blocks small enough for the
per-core cache and runs every chain on a block before the next: it converts the block
to the work dtype with its halo rows (extended by the mode where the image ends), and
each pass writes into the next pass's input, which is extended along that pass's axis
by the mode (:mod:`.boundary`) before it runs; so every 1-D pass sees its input
continued past the border as :mod:`scipy.ndimage`'s successive 1-D filters see it, and
the passes read only real samples and need no border logic. The last pass writes
straight into the outputs. Peak extra memory is the outputs plus a few blocks per
worker. numpy releases the GIL inside its loops, so blocks run on a thread per core.
Timings and memory: docs/performance.md (benchmarks/bench_gradients.py).

:mod:`.lazy` is this engine's dask twin: it hands each block with its halo to
:func:`differentiate`.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from queue import Empty, SimpleQueue
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from .arraytypes import AnyArray, Float32Array, FloatArray
from .boundary import axis_slice, extend, extend_ends
from .kernels import Weights, kernel_symmetry, passes

_Scalar = TypeVar("_Scalar", bound=np.generic)

# Bytes of float32 in one padded block. A worker holds five buffers of about this size;
# on the 2-core EPYC machines we measure on (1 MiB L2 per core, 32 MiB L3), 512 KiB to
# 1 MiB blocks were fastest for Sobel, central and Gaussian alike: smaller blocks pay
# Python overhead per numpy call (and GIL hand-overs between threads), larger ones spill.
BLOCK_BYTES = 1 << 19

# Below this many pixels, starting threads costs more than it saves (~0.2 ms).
PARALLEL_MIN_PIXELS = 1 << 18


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
    radius = weights.size // 2
    length = out.shape[axis]

    def tap(offset: int) -> FloatArray:
        return source[axis_slice(source.ndim, axis, radius + offset, radius + offset + length)]

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


def _buffer(flat: npt.NDArray[_Scalar], shape: tuple[int, ...]) -> npt.NDArray[_Scalar]:
    """Return a C-contiguous view of ``shape`` at the start of the 1-D buffer ``flat``."""
    return flat[: math.prod(shape)].reshape(shape)


def worker_count(n_blocks: int, n_pixels: int) -> int:
    if n_pixels < PARALLEL_MIN_PIXELS:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, n_blocks))


class _Pass(NamedTuple):
    """One 1-D correlation of a chain: along ``axis``, by ``weights``."""

    axis: int
    weights: Weights
    symmetry: int  # of the weights, from kernel_symmetry, computed once per call

    @property
    def radius(self) -> int:
        return self.weights.size // 2


def differentiate(
    array: AnyArray,
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
) -> dict[int | str, Float32Array]:
    """Compute gradient components and the outputs made of them, block by block.

    Parameters
    ----------
    array : ndarray
        Validated real image of any dtype; converted to the work dtype (float32, or
        float64 for wide types: see :func:`work_dtype`) a block at a time.
    axes, spacing, method, sigma, mode
        Normalised options, as :func:`napari_derivatives.gradient` takes them.
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
    ndim = array.ndim
    if method == "central":
        # One-sided differences replace the two end samples, so the extension is unused.
        mode = "nearest"
    chains = {
        axis: [
            _Pass(other, weights, kernel_symmetry(weights))
            for other, weights in passes(axis, axes, spacing, method, sigma)
        ]
        for axis in wanted
    }
    # The block read from the image is extended along the first axis by the passes along
    # it (halo rows), and along another axis only where a chain starts with a pass along
    # it (central differences, stacks): every later pass extends its own input.
    pads = [0] * ndim
    reach = [0] * ndim
    for chain in chains.values():
        pads[chain[0].axis] = max(pads[chain[0].axis], chain[0].radius)
        for step in chain:
            reach[step.axis] = max(reach[step.axis], step.radius)
    dtype = work_dtype(array.dtype)
    padded_row = math.prod(size + 2 * pad for size, pad in zip(shape[1:], reach[1:], strict=True))
    rows = min(shape[0], max(1, BLOCK_BYTES // (dtype.itemsize * padded_row)))
    blocks = [(start, min(start + rows, shape[0])) for start in range(0, shape[0], rows)]
    block_size = rows * math.prod(shape[1:])
    fill_row = tuple(size + 2 * pad for size, pad in zip(shape[1:], pads[1:], strict=True))
    fill_size = (rows + 2 * pads[0]) * math.prod(fill_row)
    # The input of a later pass: the block, extended along that pass's axis.
    step_size = max(
        (
            block_size // shape[step.axis] * (shape[step.axis] + 2 * step.radius)
            for chain in chains.values()
            for step in chain[1:]
        ),
        default=0,
    )

    results: dict[int | str, Float32Array] = {
        axis: np.empty(shape, dtype=np.float32) for axis in keep
    }
    if magnitude:
        results["magnitude"] = np.empty(shape, dtype=np.float32)
    if direction:
        results["direction"] = np.empty(shape, dtype=np.float32)
    n_temporary = len(wanted) - len(keep)

    def run_block(start: int, stop: int, buffers: list[FloatArray]) -> None:
        fill_flat, ping, pong, scratch, *component_flats = buffers
        block_shape = (stop - start, *shape[1:])
        filled = _buffer(fill_flat, (stop - start + 2 * pads[0], *fill_row))
        _fill_block(array, start, stop, pads, mode, filled)
        components = {}
        temporaries = iter(component_flats)
        for axis in wanted:
            if axis in keep:
                target = results[axis][start:stop]
            else:
                target = _buffer(next(temporaries), block_shape)
            chain = chains[axis]
            # The first pass reads the filled block, extended along its own axis only.
            first = chain[0]
            current = filled[
                tuple(
                    slice(pad - first.radius, filled.shape[other] - pad + first.radius)
                    if other == first.axis
                    else slice(pad, filled.shape[other] - pad)
                    for other, pad in enumerate(pads)
                )
            ]
            view = current
            for index, step in enumerate(chain):
                if index == len(chain) - 1:
                    out = target
                else:
                    # Write straight into the middle of the next pass's extended input.
                    following = chain[index + 1]
                    extended_shape = list(block_shape)
                    extended_shape[following.axis] += 2 * following.radius
                    following_input = _buffer(
                        ping if index % 2 == 0 else pong, tuple(extended_shape)
                    )
                    out = following_input[
                        axis_slice(
                            ndim,
                            following.axis,
                            following.radius,
                            following.radius + block_shape[following.axis],
                        )
                    ]
                correlate_valid(
                    current,
                    step.weights,
                    step.axis,
                    out,
                    _buffer(scratch, block_shape),
                    step.symmetry,
                )
                if index < len(chain) - 1:
                    extend_ends(following_input, following.axis, following.radius, mode)
                    current = following_input
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

    def work(queue: SimpleQueue[tuple[int, int]]) -> None:
        buffers = [
            np.empty(size, dtype=dtype) for size in (fill_size, step_size, step_size, block_size)
        ]
        buffers += [np.empty(block_size, dtype=np.float32) for _ in range(n_temporary)]
        while True:
            try:
                start, stop = queue.get_nowait()
            except Empty:
                return
            run_block(start, stop, buffers)

    # A shared queue, not a fixed share per thread: on a busy machine a core may stall.
    queue: SimpleQueue[tuple[int, int]] = SimpleQueue()
    for block in blocks:
        queue.put(block)
    workers = worker_count(len(blocks), array.size)
    if workers == 1:
        work(queue)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(work, queue) for _ in range(workers)]:
                future.result()
    return results


def work_dtype(dtype: np.dtype[Any]) -> np.dtype[np.floating[Any]]:
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


def _one_sided_ends(
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


def _direction(d_row: Float32Array, d_col: Float32Array, out: Float32Array) -> Float32Array:
    direction: Float32Array = np.arctan2(d_row, d_col, out=out)
    # atan2(-0.0, x < 0) is -pi, and float32 rounding can reach it too: fold it onto +pi.
    half_turn = np.float32(np.pi)
    np.copyto(direction, half_turn, where=direction <= -half_turn)
    return direction
