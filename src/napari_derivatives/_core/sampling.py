"""Interpolating images at sample points, reading only the chunks the samples need.

A chunked image that is not a numpy array (a dask or zarr array, or any object with
``shape``, ``dtype``, ``chunks`` and slicing) is not read whole: only the chunks under
the samples' interpolation footprint are. Cubic interpolation of a numpy image goes the
same way, tile by tile, so its spline prefilter costs the neighbourhood of the line,
not the whole image.
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .arraytypes import AnyArray, ChunkedArray, Float64Array, IndexArray
from .choices import WRAP_MODES

# The cubic spline prefilter's influence falls as (2 - sqrt 3) ** distance = 0.268 ** d:
# a window this many pixels past a point's own footprint holds all but ~1e-9 of it.
_SPLINE_MARGIN = 16

# Tiles an in-memory image is cut into for order 3: each group of samples is
# interpolated in a window of at most this plus twice the margin per axis.
_ARRAY_TILE = 64


class Tiles:
    """An in-memory array seen as a chunked one, of tiles read as views (no copy)."""

    def __init__(self, array: AnyArray) -> None:
        self._array = array
        self.shape, self.dtype, self.ndim = array.shape, array.dtype, array.ndim
        self.chunks = (_ARRAY_TILE,) * array.ndim

    def __getitem__(self, box: tuple[slice, ...]) -> AnyArray:
        return self._array[box]


def chunk_edges(shape: tuple[Any, ...], chunks: Any) -> list[IndexArray]:
    """Return the start of every chunk and the end of the last, per axis.

    ``chunks`` is an array's ``chunks``: one size per axis (zarr) or every chunk's
    size per axis (dask).
    """
    edges = []
    for size, sizes in zip(shape, chunks, strict=True):
        if isinstance(sizes, numbers.Integral):  # zarr: one chunk size per axis
            edge = np.append(np.arange(0, size, max(int(sizes), 1)), size)
        else:  # dask: the size of every chunk
            edge = np.concatenate(([0], np.cumsum(sizes)))
        edges.append(edge.astype(np.intp))
    return edges


def read_boxes(image: ChunkedArray, boxes: list[tuple[slice, ...]]) -> list[AnyArray]:
    """Read boxes of a chunked image as numpy arrays; dask computes them in one pass."""
    if hasattr(image, "__dask_graph__"):
        import dask

        # One pass of the scheduler for all chunks, not one per chunk.
        return [np.asarray(block) for block in dask.compute(*(image[box] for box in boxes))]
    return [np.asarray(image[box]) for box in boxes]


def buffer_dtype(dtype: npt.DTypeLike) -> np.dtype[Any]:
    dtype = np.dtype(dtype)
    # scipy.ndimage interpolates neither float16 nor long double.
    return np.dtype(np.float64) if dtype.kind == "f" and dtype.itemsize not in (4, 8) else dtype


def _chunk_of(edges: list[IndexArray], pixels: IndexArray) -> IndexArray:
    """Index of the chunk holding each pixel, per axis; ``pixels`` is (ndim, ...)."""
    return np.stack(
        [
            np.searchsorted(edge, row, side="right") - 1
            for edge, row in zip(edges, pixels, strict=True)
        ]
    )


def _assemble(
    blocks: dict[tuple[int, ...], AnyArray],
    edges: list[IndexArray],
    start: IndexArray,
    stop: IndexArray,
    dtype: np.dtype[Any],
) -> AnyArray:
    """Return the box ``[start, stop)`` of the image from the blocks read, zero elsewhere."""
    window = np.zeros(tuple(stop - start), dtype=dtype)
    first = _chunk_of(edges, np.asarray(start)[:, None])[:, 0]
    last = _chunk_of(edges, np.asarray(stop)[:, None] - 1)[:, 0]
    for offset in np.ndindex(*(last - first + 1)):
        key = tuple((first + offset).tolist())
        block = blocks.get(key)
        if block is None:
            continue
        source, target = [], []
        for axis, index in enumerate(key):
            chunk_start, chunk_stop = int(edges[axis][index]), int(edges[axis][index + 1])
            low, high = max(int(start[axis]), chunk_start), min(int(stop[axis]), chunk_stop)
            source.append(slice(low - chunk_start, high - chunk_start))
            target.append(slice(low - int(start[axis]), high - int(start[axis])))
        window[tuple(target)] = block[tuple(source)]
    return window


class _Footprint(NamedTuple):
    """The chunks a set of points is interpolated from, and how to group the points."""

    #: Chunk boundaries per axis (:func:`chunk_edges`).
    edges: list[IndexArray]
    #: The index of every chunk read, per axis, and the box of the image it covers.
    chunks: list[tuple[int, ...]]
    boxes: list[tuple[slice, ...]]
    #: The points kept (ndim, K), and the first and last pixel each reads per axis.
    used: Float64Array
    low: IndexArray
    high: IndexArray
    base: IndexArray
    #: Which of the (M * width) points are kept.
    keep: npt.NDArray[np.bool_]


def footprint(
    shape: tuple[Any, ...],
    chunks: Any,
    points: Float64Array,
    valid: npt.NDArray[np.bool_],
    order: int,
) -> _Footprint:
    """Return the chunks of an image of ``shape`` and ``chunks`` that ``points`` read.

    ``points`` has shape (ndim, M, width); ``valid`` (M,) marks the samples whose
    values are kept. Orders 0 and 1 read the pixels ``floor`` and ``floor + 1`` of each
    point per axis (the first two in the half-pixel border); order 3 a window reaching
    the spline prefilter's margin past its 4 x 4 footprint.
    """
    ndim, _, width = points.shape
    size = np.asarray(shape, dtype=np.intp)
    keep = np.repeat(valid, width)
    used = points.reshape(ndim, -1)[:, keep]
    base = np.floor(used).astype(np.intp)
    last = size[:, None] - 1
    if order <= 1:
        low, high = base, base + 1
        # In the half-pixel border the modes repeat or mirror the first two pixels.
        high = np.where(low < 0, np.maximum(high, np.minimum(1, last)), high)
        low = np.where(high > last, np.minimum(low, np.maximum(last - 1, 0)), low)
    else:
        low, high = base - 1 - _SPLINE_MARGIN, base + 2 + _SPLINE_MARGIN
    low, high = np.clip(low, 0, last), np.clip(high, 0, last)

    # Every chunk a point's footprint touches: the product of its ranges per axis.
    edges = chunk_edges(shape, chunks)
    found: list[tuple[int, ...]] = []
    if used.shape[1]:
        first, final = _chunk_of(edges, low), _chunk_of(edges, high)
        touched = []
        for offset in np.ndindex(*((final - first).max(axis=1) + 1)):
            index = first + np.asarray(offset, dtype=np.intp)[:, None]
            touched.append(index[:, np.all(index <= final, axis=0)])
        found = [tuple(c) for c in np.unique(np.concatenate(touched, axis=1), axis=1).T.tolist()]
    boxes = [
        tuple(slice(int(edge[i]), int(edge[i + 1])) for edge, i in zip(edges, chunk, strict=True))
        for chunk in found
    ]
    return _Footprint(edges, found, boxes, used, low, high, base, keep)


def interpolate(
    plan: _Footprint,
    blocks: dict[tuple[int, ...], AnyArray],
    shape: tuple[int, int],
    *,
    dtype: np.dtype[Any],
    order: int,
    mode: str,
) -> Float64Array:
    """Interpolate the points of ``plan`` from the ``blocks`` read; NaN where not kept.

    Returns float64 values of ``shape`` (M, width).
    """
    from scipy import ndimage as ndi

    result = np.full(plan.keep.size, np.nan)
    if plan.used.shape[1] == 0:
        return result.reshape(shape)
    size = np.array([int(edge[-1]) for edge in plan.edges], dtype=np.intp)
    # Points are interpolated per chunk of their base pixel, each group in a small
    # window around its footprints assembled from the blocks read (zero elsewhere:
    # no point reads there, or for order 3 only farther away than the margin).
    home = _chunk_of(plan.edges, np.clip(plan.base, 0, size[:, None] - 1))
    groups, group_of = np.unique(home, axis=1, return_inverse=True)
    group_of = group_of.ravel()
    sampled = np.empty(plan.used.shape[1])
    for group in range(groups.shape[1]):
        members = np.flatnonzero(group_of == group)
        start = plan.low[:, members].min(axis=1)
        stop = plan.high[:, members].max(axis=1) + 1
        window = _assemble(blocks, plan.edges, start, stop, dtype)
        # Subtracting whole pixels from the coordinates is exact in float64, so
        # orders 0 and 1 give the very values of the whole image.
        sampled[members] = ndi.map_coordinates(
            window,
            plan.used[:, members] - start[:, None],
            order=order,
            mode=mode,
            output=np.float64,
            prefilter=True,
        )
    result[plan.keep] = sampled
    return result.reshape(shape)


def map_chunked(
    image: ChunkedArray,
    points: Float64Array,
    valid: npt.NDArray[np.bool_],
    *,
    order: int,
    mode: str,
) -> Float64Array:
    """``map_coordinates`` on a chunked image, reading only the chunks it needs.

    ``points`` has shape (ndim, M, width); ``valid`` (M,) marks the samples whose
    values are kept (the others are NaN). Returns float64 values of shape (M, width).
    """
    from scipy import ndimage as ndi

    ndim, count, width = points.shape
    dtype = buffer_dtype(image.dtype)
    if mode in WRAP_MODES and valid.any():
        whole = np.asarray(image[(slice(None),) * ndim]).astype(dtype, copy=False)
        wrapped: Float64Array = ndi.map_coordinates(
            whole, points, order=order, mode=mode, output=np.float64, prefilter=True
        )
        return wrapped
    plan = footprint(tuple(image.shape), image.chunks, points, valid, order)
    blocks = dict(zip(plan.chunks, read_boxes(image, plan.boxes), strict=True))
    return interpolate(plan, blocks, (count, width), dtype=dtype, order=order, mode=mode)
