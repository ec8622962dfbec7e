"""Blocks with a halo as one dask graph layer: a task per block, made only when asked for.

:func:`dask.array.map_overlap` builds the halo exchange as layers of slices and
concatenations whose tasks dask materializes for the whole array as soon as a graph is
culled, before any block runs: about 0.2 s for the 2048 planes of a volume, paid again
for every displayed plane. :class:`HaloLayer` is one layer whose task for a block of the
result reads the source blocks that the block's extent and halo cover, assembles them
and computes; it makes the tasks of the blocks a computation asks for (culling) and
nothing when it is built. Its blocks see exactly the samples :func:`map_overlap` with
``boundary="none"`` would give them: the halo from the neighbours, nothing past the
image's ends, except along the axes it ``extends``, where the positions past the ends
are those of the mode (:func:`.boundary.source_positions`, the wrap modes).

This module is pure: it imports dask and numpy, never napari or Qt.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

import dask.array as da
import numpy as np
from dask._task_spec import Task, TaskRef
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph, Layer, MaterializedLayer
from dask.typing import Key

from .arraytypes import AnyArray, Float32Array
from .boundary import source_positions

#: One piece of a haloed block along one axis: a source block and the part of it read.
_Piece = tuple[int, slice]


def _runs(positions: np.ndarray, starts: list[int]) -> list[_Piece]:
    """Group image ``positions`` into runs of consecutive samples of one source block."""
    blocks = np.searchsorted(starts, positions, side="right") - 1
    breaks = np.flatnonzero((np.diff(positions) != 1) | (np.diff(blocks) != 0)) + 1
    bounds = [0, *breaks.tolist(), len(positions)]
    pieces: list[_Piece] = []
    for first, end in itertools.pairwise(bounds):
        block = int(blocks[first])
        base = starts[block]
        pieces.append(
            (block, slice(int(positions[first]) - base, int(positions[end - 1]) + 1 - base))
        )
    return pieces


def _compute_block(
    compute: Callable[..., Mapping[Any, Float32Array]],
    options: dict[str, Any],
    names: tuple[Any, ...],
    layout: tuple[tuple[slice, ...], ...],
    crop: tuple[slice, ...],
    dtype: np.dtype[Any],
    *parts: AnyArray,
) -> Float32Array:
    """Assemble a block with its halo from ``parts``, compute it, return its outputs cropped.

    ``layout`` holds, per axis, the part of each piece read (the pieces of the N-D block
    are the product of the axes' pieces, ``parts`` in that order).
    """
    if len(parts) == 1:
        block = np.asarray(parts[0])[tuple(pieces[0] for pieces in layout)]
    else:
        sizes = [[piece.stop - piece.start for piece in pieces] for pieces in layout]
        block = np.empty([sum(axis) for axis in sizes], dtype=dtype)
        offsets = [np.cumsum([0, *axis]) for axis in sizes]
        combos = itertools.product(*(range(len(pieces)) for pieces in layout))
        for part, combo in zip(parts, combos, strict=True):
            source = tuple(layout[axis][k] for axis, k in enumerate(combo))
            target = tuple(
                slice(offsets[axis][k], offsets[axis][k + 1]) for axis, k in enumerate(combo)
            )
            block[target] = np.asarray(part)[source]
    computed = compute(block, **options)
    if len(names) == 1:
        return computed[names[0]][crop]
    return np.stack([computed[name][crop] for name in names])


class HaloLayer(Layer):
    """The blocks of ``chunks`` computed with their halo from the blocks of a source array.

    Parameters
    ----------
    name : str
        The name of the result (the first item of its keys).
    source : str
        The name of the source array, whose chunks are ``chunks``.
    chunks : tuple of tuple of int
        The chunks of the source and of the result (before the stacking axis).
    depth : tuple of int
        The halo along each axis, in samples.
    extended : tuple of bool
        The axes whose halo past the image's ends comes from ``mode``; along the others
        the blocks at the ends have no halo there.
    mode : str
        The border mode of the ``extended`` axes.
    task : tuple
        ``(compute, options, names)`` of :func:`_compute_block`; several names stack
        the outputs along a new first axis of the result.
    dtype : numpy.dtype
        The source's dtype.
    """

    has_legacy_tasks = False

    def __init__(
        self,
        name: str,
        source: str,
        chunks: tuple[tuple[int, ...], ...],
        depth: tuple[int, ...],
        extended: tuple[bool, ...],
        mode: str,
        task: tuple[Callable[..., Mapping[Any, Float32Array]], dict[str, Any], tuple[Any, ...]],
        dtype: np.dtype[Any],
    ) -> None:
        super().__init__()
        self.name, self.source, self.chunks = name, source, chunks
        self.depth, self.extended, self.mode = depth, extended, mode
        self.task, self.dtype = task, dtype
        self.lead = (0,) if len(task[2]) > 1 else ()
        self.starts = [[0, *itertools.accumulate(axis)] for axis in chunks]
        self._keys: set[Key] | None = None

    def _pieces(self, axis: int, index: int) -> tuple[list[_Piece], slice]:
        """Return the pieces of block ``index`` along ``axis`` and the crop of its result."""
        starts, pad = self.starts[axis], self.depth[axis]
        start, stop = starts[index], starts[index + 1]
        if pad == 0:
            return [(index, slice(0, stop - start))], slice(0, stop - start)
        size = starts[-1]
        if self.extended[axis]:
            low, high = start - pad, stop + pad
            positions = source_positions(np.arange(low, high), size, self.mode)
        else:
            low, high = max(0, start - pad), min(size, stop + pad)
            positions = np.arange(low, high)
        return _runs(positions, starts[:-1]), slice(start - low, stop - low)

    def _task(self, key: Key) -> Task:
        assert isinstance(key, tuple)
        index = key[1 + len(self.lead) :]
        axes = [self._pieces(axis, int(i)) for axis, i in enumerate(index)]  # type: ignore[arg-type]
        layout = tuple(tuple(part for _, part in pieces) for pieces, _ in axes)
        crop = tuple(cut for _, cut in axes)
        refs = [
            TaskRef((self.source, *blocks))
            for blocks in itertools.product(*([block for block, _ in p] for p, _ in axes))
        ]
        compute, options, names = self.task
        return Task(key, _compute_block, compute, options, names, layout, crop, self.dtype, *refs)

    def _is_key(self, key: object) -> bool:
        return (
            isinstance(key, tuple)
            and len(key) == 1 + len(self.lead) + len(self.chunks)
            and key[0] == self.name
        )

    def __getitem__(self, key: Key) -> Task:
        if not self._is_key(key):
            raise KeyError(key)
        return self._task(key)

    def __iter__(self) -> Iterator[Key]:
        for index in itertools.product(*(range(len(axis)) for axis in self.chunks)):
            yield (self.name, *self.lead, *index)

    def __len__(self) -> int:
        return math.prod(len(axis) for axis in self.chunks)

    def is_materialized(self) -> bool:
        return False

    def get_output_keys(self) -> set[Key]:
        if self._keys is None:
            self._keys = set(iter(self))
        return self._keys

    def cull(
        self, keys: set[Key], all_hlg_keys: Collection[Key]
    ) -> tuple[Layer, Mapping[Key, set[Key]]]:
        """Return the tasks of the blocks in ``keys`` and the source blocks they read."""
        tasks = {key: self._task(key) for key in keys if self._is_key(key)}
        return MaterializedLayer(tasks, annotations=self.annotations), {
            key: set(task.dependencies) for key, task in tasks.items()
        }


def map_halo(
    source: da.Array,
    depth: tuple[int, ...],
    extended: tuple[bool, ...],
    mode: str,
    task: tuple[Callable[..., Mapping[Any, Float32Array]], dict[str, Any], tuple[Any, ...]],
) -> da.Array:
    """Return the blocks of ``source`` computed with their halo by ``task``, lazily.

    The result has the chunks of ``source`` (and a first axis for several names of
    ``task``, see :class:`HaloLayer`), float32.
    """
    name = "halo-" + tokenize(source.name, depth, extended, mode, task)
    layer = HaloLayer(name, source.name, source.chunks, depth, extended, mode, task, source.dtype)
    # dask's annotations of its own Array fail its DaskCollection protocol.
    graph = HighLevelGraph.from_collections(name, layer, dependencies=[source])  # type: ignore[list-item]
    stacked = len(task[2]) > 1
    chunks = (((len(task[2]),),) if stacked else ()) + source.chunks
    meta = np.empty((0,) * (source.ndim + stacked), dtype=np.float32)
    return da.Array(graph, name, chunks, meta=meta)
