"""The engine: every operator as separable passes over cache-sized blocks, on threads.

Every operator is a chain of 1-D correlations, one per axis (see :mod:`.kernels`).
Run over the whole image, each pass would read and write 64 MB for a 4096 x 4096
image. Instead the engine cuts the first axis into blocks small enough for the
per-core cache and runs every chain on a block before the next: it converts the block
to the work dtype with its halo rows (extended by the mode where the image ends), and
each pass writes into the next pass's input, extended along that pass's axis by the
mode (:mod:`.boundary`), as :mod:`scipy.ndimage`'s successive 1-D filters see it. The
last pass writes into the outputs (a combination of the chains, :data:`Combine`, too).
Peak extra memory is the outputs plus a few blocks per worker, on a thread per core
(numpy releases the GIL). Timings and memory: docs/performance.md.

Wide kernels. A kernel longer than its axis is folded onto it (:func:`.boundary.fold`),
so no pass reads more than about the axis's length past the border. When the halo
rows of the first axis would still make a block far larger than its own rows (a wide
Gaussian), the pass along the first axis runs on its own, over strips that hold the
whole axis, into one intermediate image, and the blocks run the other passes on it:
the same arithmetic on the same samples, so the same values, within the memory of the
outputs plus that image.

:mod:`.lazy` is this engine's dask twin: it hands each block with its halo to
:func:`differentiate`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

import numpy as np

from . import compiled
from .arraytypes import AnyArray, Float32Array, FloatArray
from .blockwork import (
    Combine,
    buffer,
    direction_angle,
    gradient_combine,
    work_dtype,
)
from .boundary import axis_slice, extend_ends, fill_block, fold
from .correlation import add_trend, correlate_valid, one_sided_ends
from .kernels import Weights, kernel_symmetry, passes
from .planes import BUFFERS, plan
from .threads import in_parallel

_Key = TypeVar("_Key", bound=Hashable)

# Bytes of float32 in one padded block. A worker holds five buffers of about this size;
# on the 2-core EPYC machines we measure on (1 MiB L2 per core, 32 MiB L3), 512 KiB to
# 1 MiB blocks were fastest for Sobel, central and Gaussian alike: smaller blocks pay
# Python overhead per numpy call (and GIL hand-overs between threads), larger ones spill.
BLOCK_BYTES = 1 << 19

# A block whose halo rows hold more bytes than this, and than this share of the image,
# is not made: the pass along the first axis runs over the whole image first (so the
# buffers of the workers stay below about one image; the values do not change).
HALO_BYTES = 1 << 20
HALO_SHARE = 0.125


class _Pass(NamedTuple):
    """One 1-D correlation of a chain: along ``axis``, by ``weights``."""

    axis: int
    weights: Weights
    symmetry: int  # of the weights, from kernel_symmetry, computed once per call
    trend: float  # of a kernel folded in the mode 'extrapolate' (add_trend), else 0

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
    central = method == "central"
    if central:
        # One-sided differences replace the two end samples, so the extension is unused.
        mode = "nearest"
    chains = _built(
        {axis: passes(axis, axes, spacing, method, sigma) for axis in wanted}, shape, mode
    )
    results: dict[int | str, Float32Array] = {
        axis: np.empty(shape, dtype=np.float32) for axis in keep
    }
    if magnitude:
        results["magnitude"] = np.empty(shape, dtype=np.float32)
    if direction:
        results["direction"] = np.empty(shape, dtype=np.float32)
    dtype = work_dtype(array.dtype)
    halo = 2 * max((chain[0].radius for chain in chains.values() if chain[0].axis == 0), default=0)
    halo_bytes = halo * dtype.itemsize * math.prod(shape[1:])
    apart = all(chain[0].axis == 0 for chain in chains.values())  # never for central
    if apart and halo_bytes > max(HALO_BYTES, HALO_SHARE * array.size * dtype.itemsize):
        _first_axis_apart(array, chains, mode, results, axes, wanted, keep, magnitude, direction)
        return results
    steps = {axis: spacing[axis] for axis in wanted} if central else None
    combine = gradient_combine(results, axes) if magnitude or direction else None
    _run_blocks(array, chains, mode, results, keep, combine, steps)
    return results


def run_chains(
    array: AnyArray,
    chains: Mapping[_Key, Sequence[tuple[int, Weights]]],
    mode: str,
    *,
    keep: Sequence[_Key] = (),
    combine: Combine | None = None,
) -> dict[_Key, Float32Array]:
    """Run chains of 1-D passes over blocks of ``array``, as :func:`differentiate` does.

    ``chains`` holds the ``(axis, weights)`` passes of each component (at least one),
    keyed by any name; each pass reads its input extended by ``mode`` along its axis.
    The components of ``keep`` are returned as float32 images of ``array.shape``;
    ``combine`` (see :data:`.blockwork.Combine`) makes other outputs of each block's
    components. Wide kernels make each block hold wide halo rows (no strips).
    """
    results = {key: np.empty(array.shape, dtype=np.float32) for key in keep}
    _run_blocks(
        array, _built(chains, array.shape, mode), mode, results, tuple(keep), combine, None
    )
    return results


def _built(
    chains: Mapping[_Key, Sequence[tuple[int, Weights]]], shape: tuple[int, ...], mode: str
) -> dict[_Key, list[_Pass]]:
    """Return the passes of each chain, with kernels longer than their axis folded onto it."""
    folded = {
        key: [(axis, *fold(w, shape[axis], mode)) for axis, w in c] for key, c in chains.items()
    }
    return {
        key: [_Pass(a, w, kernel_symmetry(w), t) for a, w, t in c] for key, c in folded.items()
    }


def _run_blocks(
    source: AnyArray,
    chains: Mapping[_Key, list[_Pass]],
    mode: str,
    results: Mapping[Any, Float32Array],
    keep: Sequence[_Key],
    combine: Combine | None,
    central: dict[int, float] | None,
) -> None:
    """Run every chain over blocks of rows of ``source`` into ``results`` (see the module).

    The kept components go to ``results``; ``combine`` makes outputs of every block's
    components. ``central`` holds the pixel size of each axis for central differences
    (chains keyed by axis), whose ends become one-sided; None for the other methods.
    """
    shape = source.shape
    ndim = source.ndim
    # The block read from the image is extended along the first axis by the passes along
    # it (halo rows), and along another axis only where a chain starts with a pass along
    # it (central differences, stacks): every later pass extends its own input.
    pads = [0] * ndim
    reach = [0] * ndim
    for chain in chains.values():
        pads[chain[0].axis] = max(pads[chain[0].axis], chain[0].radius)
        for step in chain:
            reach[step.axis] = max(reach[step.axis], step.radius)
    dtype = work_dtype(source.dtype)
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
    n_temporary = len(chains) - len(keep)

    if dtype != np.float32:
        step_size = max(step_size, block_size)
    planes = plan(source, chains, mode, central)
    if planes is not None:

        def planes_buffers() -> list[FloatArray]:
            own = planes.buffers()
            own += [np.empty(block_size, dtype=np.float32) for _ in range(n_temporary)]
            # The scratch block of the combine, in the work dtype.
            return [*own, np.empty(block_size if combine else 0, dtype=dtype)]

        def planes_block(block: tuple[int, int], own: list[FloatArray]) -> None:
            start, stop = block
            block_shape = (stop - start, *shape[1:])
            temporaries = iter(own[BUFFERS:])
            components: dict[Hashable, FloatArray] = {}
            for key in chains:
                if key in keep:
                    target = results[key][start:stop]
                else:
                    target = buffer(next(temporaries), block_shape)
                planes.run(key, start, stop, target, own)
                components[key] = target
            if combine is not None:
                combine(components, start, stop, buffer(own[BUFFERS + n_temporary], block_shape))

        in_parallel(blocks, source.size, planes_buffers, planes_block)
        return

    def buffers() -> list[FloatArray]:
        sizes = (fill_size, step_size, step_size, block_size)
        own = [np.empty(size, dtype=dtype) for size in sizes]
        return own + [np.empty(block_size, dtype=np.float32) for _ in range(n_temporary)]

    def run_block(block: tuple[int, int], buffers: list[FloatArray]) -> None:
        start, stop = block
        fill_flat, ping, pong, scratch, *component_flats = buffers
        block_shape = (stop - start, *shape[1:])
        filled = buffer(fill_flat, (stop - start + 2 * pads[0], *fill_row))
        fill_block(source, start, stop, pads, mode, filled)
        components: dict[Hashable, FloatArray] = {}
        temporaries = iter(component_flats)
        for axis, chain in chains.items():
            if axis in keep:
                target = results[axis][start:stop]
            else:
                target = buffer(next(temporaries), block_shape)
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
                following_input = None
                if index == len(chain) - 1:
                    # A float64 block is summed in float64 and rounded to float32 once.
                    wide = dtype != target.dtype
                    out = buffer(ping if index % 2 == 0 else pong, block_shape) if wide else target
                else:
                    # Write straight into the middle of the next pass's extended input.
                    following = chain[index + 1]
                    extended_shape = list(block_shape)
                    extended_shape[following.axis] += 2 * following.radius
                    following_input = buffer(
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
                    buffer(scratch, block_shape),
                    step.symmetry,
                )
                if step.trend:
                    # Where the image's ends lie in this pass's input.
                    lead = step.radius - (start if step.axis == 0 else 0)
                    ends = (lead, lead + shape[step.axis] - 1)
                    add_trend(current, step.axis, ends, step.trend, out)
                if following_input is not None:
                    extend_ends(following_input, following.axis, following.radius, mode)
                    current = following_input
                elif out is not target:
                    np.copyto(target, out, casting="same_kind")
            if central is not None:
                assert isinstance(axis, int)
                one_sided_ends(view, axis, central[axis], target, start, stop, shape)
            components[axis] = target
        if combine is not None:
            combine(components, start, stop, buffer(scratch, block_shape))

    in_parallel(blocks, source.size, buffers, run_block)


#: The image dtypes the background warm-up compiles the planes' loop for (C-contiguous,
#: writeable: what napari's layers and the readers hold). Other kinds compile when first
#: met, in a worker thread, while the main thread uses the numpy engine meanwhile. The
#: warm-up is kept short: while numba compiles, it holds the GIL for part of the time.
WARM_DTYPES = ("uint16", "uint8", "float32")


def _warm_up() -> None:
    """Run each common kind of image through the compiled loops once (see .compiled)."""
    for name in WARM_DTYPES:
        image = np.zeros((2, 6, 6), dtype=name)
        differentiate(
            image, (1, 2), (1.0, 1.0, 1.0), "sobel", 1.0, "reflect", wanted=(1, 2), keep=(1, 2)
        )


compiled.add_warm_up(_warm_up)


def _first_axis_apart(
    array: AnyArray,
    chains: dict[int, list[_Pass]],
    mode: str,
    results: dict[int | str, Float32Array],
    axes: tuple[int, ...],
    wanted: tuple[int, ...],
    keep: tuple[int, ...],
    magnitude: bool,
    direction: bool,
) -> None:
    """Compute each component with its pass along the first axis run over the whole image.

    Every chain starts along the first axis here. Components not kept are computed one
    at a time into one float32 image (the row derivative of a direction into the
    direction itself), the first passes into one image of the work dtype.
    """
    shape = array.shape
    spare: Float32Array | None = None
    intermediate: FloatArray | None = None
    for index, axis in enumerate(wanted):
        first, *rest = chains[axis]
        if axis in keep:
            target = results[axis]
        elif direction and axis == axes[-2]:
            target = results["direction"]
        else:
            spare = np.empty(shape, dtype=np.float32) if spare is None else spare
            target = spare
        if rest:
            if intermediate is None:
                intermediate = np.empty(shape, dtype=work_dtype(array.dtype))
            _first_pass_in_strips(array, first, mode, intermediate)
            component: dict[Hashable, Float32Array] = {axis: target}
            _run_blocks(intermediate, {axis: rest}, mode, component, (axis,), None, None)
        else:
            _first_pass_in_strips(array, first, mode, target)
        if magnitude:
            # In rows, with the arithmetic of the blocks, and no image of squares.
            total = results["magnitude"]
            rows = max(1, BLOCK_BYTES // (4 * math.prod(shape[1:])))
            square = np.empty((rows, *shape[1:]), dtype=np.float32)
            for start in range(0, shape[0], rows):
                part = slice(start, start + rows)
                size = len(range(*part.indices(shape[0])))
                if index == 0:
                    np.multiply(target[part], target[part], out=total[part])
                else:
                    np.multiply(target[part], target[part], out=square[:size])
                    total[part] += square[:size]
    if magnitude:
        np.sqrt(results["magnitude"], out=results["magnitude"])
    if direction:
        d_row = results.get(axes[-2], results["direction"])
        d_col = results[axes[-1]] if axes[-1] in keep else spare
        assert d_col is not None
        direction_angle(d_row, d_col, out=results["direction"])


def _first_pass_in_strips(array: AnyArray, step: _Pass, mode: str, out: FloatArray) -> None:
    """Run ``step`` (along the first axis) over the whole image, a strip of columns at once.

    Each strip holds the whole first axis, converted to the work dtype and extended by
    ``mode`` as the blocks extend it, so the values are those of the blocks.
    """
    shape = array.shape
    dtype = work_dtype(array.dtype)
    size, radius = shape[0], step.radius
    column = (size + 2 * radius) * math.prod(shape[2:]) * dtype.itemsize
    width = max(1, BLOCK_BYTES // column) if array.ndim > 1 else 1
    count = shape[1] if array.ndim > 1 else 1
    strips = [(start, min(start + width, count)) for start in range(0, count, width)]
    strip_size = (size + 2 * radius) * width * math.prod(shape[2:])

    def buffers() -> list[FloatArray]:
        return [np.empty(strip_size, dtype=dtype), np.empty(strip_size, dtype=dtype)]

    def run_strip(strip: tuple[int, int], buffers: list[FloatArray]) -> None:
        columns = (slice(None), slice(*strip)) if array.ndim > 1 else (slice(None),)
        part = out[columns]
        padded = buffer(buffers[0], (size + 2 * radius, *part.shape[1:]))
        np.copyto(padded[radius : radius + size], array[columns], casting="unsafe")
        extend_ends(padded, 0, radius, mode)
        scratch = buffer(buffers[1], part.shape)
        correlate_valid(padded, step.weights, 0, part, scratch, step.symmetry)
        if step.trend:
            add_trend(padded, 0, (radius, radius + size - 1), step.trend, part)

    in_parallel(strips, array.size, buffers, run_strip)
