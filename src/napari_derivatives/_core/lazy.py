"""Lazy gradients of dask arrays, with the same values as the eager engine.

Each output is a dask array of one graph layer (:mod:`.halo`): every block of the
source is handed to the eager engine (:func:`.engine.differentiate`) together with a
halo as deep as the operator reaches along each axis (the kernel radius of the same
kernel definitions, so 1 for the 3x3 operators and central differences, 2 for Farid,
``max(1, int(4 * sigma_px + 0.5))`` for the Gaussian, 0 on axes that are not
differentiated), and the halo is cropped from the result. The outputs have the chunks
of the source, so reading one plane computes only the blocks under it; the layer makes
the task of a block only when a computation needs it, so building the graph of a
thousand-plane volume costs nothing and showing a plane makes one task. dask's
expression-based arrays take no such layer: there :func:`dask.array.map_overlap`
builds the same blocks.

The image border is where the block-wise and the whole-image results could differ.
The eager engine extends the image by ``mode`` before correlating. A block whose end
is the image border does the same at that end, from the samples it holds (chunks are
merged until they hold the halo, plus the spare sample 'mirror' needs); only the wrap
modes read the opposite end of the image: the blocks at the ends get exactly the halo
depth of samples past the end by the same rule (:func:`.boundary.source_positions`),
read from the blocks at the opposite end (the map_overlap path extends the whole dask
array first).
An axis no longer than the halo (a thin z-stack, a few time points) is not cut at
all: every block holds the whole axis and extends it itself, as the engine does.
Every block then sees the same samples the engine would see for those pixels, and
the per-pixel arithmetic (float32, paired taps, passes in axis order) does not depend
on where a block starts, so the values are bit for bit those of the eager path.
Central differences do not extend the image: they switch to one-sided differences
at the border, which the engine already does at the ends of any array it is given;
so their blocks get no extension at the array border (``boundary="none"``) and keep
their outer ends, while inner ends are cropped with the halo.

This module is pure: it imports dask and numpy, never napari or Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypedDict

import dask.array as da
import numpy as np
from dask.array.overlap import ensure_minimum_chunksize

from . import blockwork, engine, halo, spline
from .arraytypes import AnyArray, Float32Array
from .boundary import source_positions
from .choices import WRAP_MODES, ZERO_MODES
from .kernels import halo_depth

#: Whether the halo is one graph layer of ours (:mod:`.halo`). dask's expression-based
#: arrays (its ``array.query-planning`` option) take no graph layer: there the halo
#: goes through :func:`dask.array.map_overlap`, with the same blocks and values.
HALO_LAYER = da.Array is da.core.Array


class _Options(TypedDict):
    """The options that every output of :func:`differentiate` shares."""

    axes: tuple[int, ...]
    spacing: tuple[float, ...]
    method: str
    sigma: float
    mode: str


def _extend(array: da.Array, depth: tuple[int, ...], mode: str) -> da.Array:
    """Extend ``array`` by ``depth[k]`` samples at both ends of every axis ``k``, by ``mode``.

    The extension is merged into the first and last chunk, so the chunks of the
    result are those of ``array`` with ``depth[k]`` added at either end.
    """
    for axis, pad in enumerate(depth):
        if pad == 0:
            continue
        size = array.shape[axis]
        ends = []
        for positions in (np.arange(-pad, 0), np.arange(size, size + pad)):
            if mode in ZERO_MODES:
                shape = list(array.shape)
                shape[axis] = pad
                ends.append(da.zeros(shape, dtype=array.dtype, chunks=-1))
            else:
                indices = source_positions(positions, size, mode)
                ends.append(da.take(array, indices, axis=axis))
        chunks = list(array.chunks[axis])
        extended = da.concatenate([ends[0], array, ends[1]], axis=axis)
        chunks[0] += pad
        chunks[-1] += pad
        array = extended.rechunk({axis: tuple(chunks)})
    return array


def _crop(
    location: tuple[int, ...],
    counts: tuple[int, ...],
    depth: tuple[int, ...],
    extended: tuple[bool, ...],
) -> tuple[slice, ...]:
    """Return the slices that remove the halo from a block's result."""
    index = []
    for place, count, pad, wrapped in zip(location, counts, depth, extended, strict=True):
        # Without an extension, the outer ends of the edge blocks are the image border.
        low = pad if wrapped or place > 0 else 0
        high = pad if wrapped or place < count - 1 else 0
        index.append(slice(low, -high if high else None))
    return tuple(index)


def _run_block(
    block: AnyArray,
    *,
    names: tuple[Hashable, ...],
    halo: tuple[int, ...],
    extended: tuple[bool, ...],
    compute: Callable[..., Mapping[Any, Float32Array]],
    options: dict[str, Any],
    block_info: dict[int | None, dict[str, Any]] | None = None,
) -> Float32Array:
    """Compute one block with its halo and return the requested outputs, cropped."""
    # dask passes `block_info` (keyed by the index of the input, None for the output) to
    # every function that takes it; the default only marks it as optional to dask.
    assert block_info is not None
    info = block_info[0]
    crop = _crop(tuple(info["chunk-location"]), tuple(info["num-chunks"]), halo, extended)
    computed = compute(np.asarray(block), **options)
    if len(names) == 1:
        return computed[names[0]][crop]
    return np.stack([computed[name][crop] for name in names])


def _lazy_outputs(
    array: da.Array,
    keys: tuple[int | str, ...],
    *,
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
    mode: str,
    wanted: tuple[int, ...],
    keep: tuple[int, ...],
    magnitude: bool,
    direction: bool,
) -> da.Array:
    """Return one dask array (one key) or a stack along a new first axis (several keys)."""
    options = {
        "axes": axes,
        "spacing": spacing,
        "method": method,
        "sigma": sigma,
        "mode": mode,
        "wanted": wanted,
        "keep": keep,
        "magnitude": magnitude,
        "direction": direction,
    }
    reach = halo_depth(array.ndim, axes, spacing, method, sigma, wanted)
    compute = engine.differentiate
    if method == "spline":
        # The prefilter runs along every differentiated axis (see .spline).
        deep = spline.halo(blockwork.work_dtype(array.dtype))
        reach = tuple(deep if axis in axes else 0 for axis in range(array.ndim))
        compute = spline.differentiate
    # Central differences are one-sided at the border and extend nothing.
    return map_with_halo(array, keys, compute, options, reach, mode, extends=method != "central")


def map_with_halo(
    array: da.Array,
    keys: tuple[Hashable, ...],
    compute: Callable[..., Mapping[Any, Float32Array]],
    options: dict[str, Any],
    reach: tuple[int, ...],
    mode: str,
    *,
    extends: bool = True,
) -> da.Array:
    """Return ``compute(block, **options)[key]`` of every block with its halo, lazily.

    Parameters
    ----------
    array : dask.array.Array
        Validated real image.
    keys : tuple
        The outputs of ``compute`` to return: one gives a dask array of
        ``array.shape`` and ``array.chunks``; several a stack along a new first axis.
    compute : callable
        An eager function of a numpy block (and ``options``) returning float32 arrays
        of the block's shape, whose value at a pixel depends only on the samples
        within ``reach`` of it, and which extends the block by ``mode`` past its ends
        (``extends``) as it would extend a whole image.
    reach : tuple of int
        How far the computation reaches along each axis, in pixels (the halo).
    """
    # A block that reaches the image border extends itself by `mode`, as the engine
    # extends the image; 'mirror' (which skips the edge sample) needs one sample more
    # than the halo for it.
    spare = 1 if extends and mode == "mirror" else 0
    # An axis as short as the halo (a thin z-stack, a few time points) is not cut: its
    # blocks hold all of it, exchange no halo and extend themselves at both ends, which
    # is exactly what the eager engine does with the whole image.
    whole = tuple(
        pad > 0 and pad + spare >= size for pad, size in zip(reach, array.shape, strict=True)
    )
    depth = tuple(0 if entire else pad for pad, entire in zip(reach, whole, strict=True))
    # Where a block's end is the image border, its own extension is the eager one as
    # long as it needs only samples near that border, which the block holds: every mode
    # but the wraps, which reach for the opposite end of the image. Only those extend the
    # whole array, along the axes that are cut (a rechunk of every chunk: seconds of
    # graph building on a big volume).
    wrapped = extends and mode in WRAP_MODES
    extended = tuple(wrapped and pad > 0 for pad in depth)
    # The wrap modes' extension is merged into the first and last chunk (see _extend).
    work_chunks = tuple(
        _padded(axis_chunks, pad) if padded else axis_chunks
        for axis_chunks, pad, padded in zip(array.chunks, depth, extended, strict=True)
    )
    # A halo may not be deeper than a chunk, nor than the samples a border block
    # extends itself from: merge chunks that are too thin.
    chunks = tuple(
        (sum(axis_chunks),)
        if entire
        else ensure_minimum_chunksize(pad + (0 if wrapped else spare), axis_chunks)
        if pad
        else axis_chunks
        for pad, entire, axis_chunks in zip(depth, whole, work_chunks, strict=True)
    )
    out_chunks = tuple(
        _padded(axis_chunks, -pad) if padded else axis_chunks
        for axis_chunks, pad, padded in zip(chunks, depth, extended, strict=True)
    )
    stacked = len(keys) > 1
    result: da.Array
    if HALO_LAYER:
        source = array if out_chunks == array.chunks else array.rechunk(out_chunks)
        result = halo.map_halo(source, depth, extended, mode, (compute, options, keys))
    else:
        work = _extend(array, depth, mode) if any(extended) else array
        if chunks != work.chunks:
            work = work.rechunk(chunks)
        result = _map_overlap(work, out_chunks, depth, extended, (compute, options, keys))
    if not stacked and result.chunks != array.chunks:
        result = result.rechunk(array.chunks)
    return result


def _padded(chunks: tuple[int, ...], pad: int) -> tuple[int, ...]:
    """Return ``chunks`` with ``pad`` samples more in the first and the last chunk."""
    sizes = list(chunks)
    sizes[0] += pad
    sizes[-1] += pad
    return tuple(sizes)


def _map_overlap(
    work: da.Array,
    out_chunks: tuple[tuple[int, ...], ...],
    depth: tuple[int, ...],
    extended: tuple[bool, ...],
    task: tuple[Callable[..., Mapping[Any, Float32Array]], dict[str, Any], tuple[Hashable, ...]],
) -> da.Array:
    """Return the blocks with their halo by :func:`dask.array.map_overlap` (expression arrays)."""
    compute, options, keys = task
    stacked = len(keys) > 1
    common = {
        "chunks": (((len(keys),),) if stacked else ()) + out_chunks,
        "new_axis": [0] if stacked else None,
        "dtype": np.float32,
        "meta": np.empty((0,) * (work.ndim + stacked), dtype=np.float32),
        "names": keys,
        "halo": depth,
        "extended": extended,
        "compute": compute,
        "options": options,
    }
    result: da.Array = da.map_overlap(
        _run_block,
        work,
        depth=dict(enumerate(depth)),
        boundary="none",
        trim=False,
        allow_rechunk=False,
        **common,
    )
    return result


def differentiate(
    array: da.Array,
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
    shared: bool = False,
) -> dict[int | str, da.Array]:
    """Return the outputs of :func:`.engine.differentiate` as lazy dask arrays.

    Parameters
    ----------
    array : dask.array.Array
        Validated real image of any dtype (see :func:`.checks.real_lazy_image`).
    axes, spacing, method, sigma, mode
        Normalised options, as :func:`napari_derivatives.gradient` takes them.
    wanted, keep, magnitude, direction
        As :func:`.engine.differentiate` takes them.
    shared : bool
        False (default): every output is its own graph that computes only the
        components it needs, block by block, so displaying one output never
        computes another. True: all outputs come from one graph whose blocks
        compute each component once; best when all outputs are computed
        together (``dask.array.store``), as batch runs do.

    Returns
    -------
    dict
        Float32 dask arrays of ``array.shape`` and ``array.chunks``, keyed as the
        eager engine keys them: the kept components by axis, ``"magnitude"``
        and ``"direction"`` when asked for.
    """
    common: _Options = {
        "axes": axes,
        "spacing": spacing,
        "method": method,
        "sigma": sigma,
        "mode": mode,
    }
    keys: list[int | str] = list(keep)
    if magnitude:
        keys.append("magnitude")
    if direction:
        keys.append("direction")
    if shared and len(keys) > 1:
        stacked = _lazy_outputs(
            array,
            tuple(keys),
            wanted=wanted,
            keep=keep,
            magnitude=magnitude,
            direction=direction,
            **common,
        )
        results: dict[int | str, da.Array] = {}
        for index, key in enumerate(keys):
            result = stacked[index]
            results[key] = (
                result if result.chunks == array.chunks else result.rechunk(array.chunks)
            )
        return results
    results = {}
    for axis in keep:
        results[axis] = _lazy_outputs(
            array,
            (axis,),
            wanted=(axis,),
            keep=(axis,),
            magnitude=False,
            direction=False,
            **common,
        )
    if magnitude:
        results["magnitude"] = _lazy_outputs(
            array,
            ("magnitude",),
            wanted=wanted,
            keep=(),
            magnitude=True,
            direction=False,
            **common,
        )
    if direction:
        results["direction"] = _lazy_outputs(
            array,
            ("direction",),
            wanted=axes[-2:],
            keep=(),
            magnitude=False,
            direction=True,
            **common,
        )
    return results
