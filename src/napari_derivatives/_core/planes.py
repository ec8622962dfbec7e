"""The engine's compiled path for planes: every chain along the last two axes in one loop.

Most images are planes or stacks of planes: 2-D images, and the 2-D-planes option on
stacks and time-lapses. There every chain of the engine is a pass along y, then one
along x (either may be absent). :func:`plan` recognises such chains; :meth:`Planes.run`
computes one chain for a block of rows in one compiled loop
(:func:`._jit_kernels.chain_planes`): each image row is read once from the image's own
dtype into a ring of rows, the pass along y combines the ring's rows into one row,
extended along x by the mode, and the pass along x writes the output row. Nothing else
is read or written: the block never exists as a float32 copy, and the arithmetic is
the numpy engine's, operation by operation (the values are identical bit for bit).

Other chains (volumes, 1-D images, kernels folded in the mode 'extrapolate') run
through the engine's blocks, whose passes are compiled too (:mod:`.compiled`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from . import compiled
from .arraytypes import AnyArray, Float32Array, FloatArray
from .blockwork import work_dtype
from .boundary import source_positions
from .choices import ZERO_MODES

#: Extension codes of the positions past an axis's ends: kind, index, pivot (3 x 2r).
Ends = npt.NDArray[np.int64]


class _Step(Protocol):
    axis: int
    weights: npt.NDArray[np.float64]
    symmetry: int
    trend: float


def ends(size: int, radius: int, mode: str) -> Ends | None:
    """Return how ``mode`` fills ``radius`` samples past each end of an axis of ``size``.

    Row 0: 0 copies sample ``index`` (row 1), 1 writes zero, 2 writes ``2 I[pivot] -
    I[index]`` (row 2), the odd reflection of 'extrapolate'. None where 'extrapolate'
    reaches past one reflection (the blocks handle it).
    """
    positions = np.concatenate([np.arange(-radius, 0), np.arange(size, size + radius)])
    table = np.zeros((3, positions.size), dtype=np.int64)
    if mode in ZERO_MODES:
        table[0] = 1
    elif mode == "extrapolate":
        last = size - 1
        if positions.size and (last == 0 or positions.min() < -last or positions.max() > 2 * last):
            return None
        table[0] = 2
        table[2] = np.where(positions < 0, 0, last)
        table[1] = 2 * table[2] - positions
    else:
        table[1] = source_positions(positions, size, mode)
    return table


@dataclass(frozen=True)
class _Chain:
    wy: FloatArray
    sym_y: int
    yends: Ends
    wx: FloatArray
    sym_x: int
    xends: Ends
    scale_y: np.float32
    scale_x: np.float32


@dataclass(frozen=True)
class Planes:
    """The chains of one call, ready to run a block of rows at a time."""

    kernels: ModuleType
    source: AnyArray  # the image as (planes, y, x)
    rows_per_index: int  # rows of planes per index along the image's first axis
    chains: dict[Any, _Chain]
    work: np.dtype[Any]
    ring_rows: int
    line: int

    def buffers(self) -> list[FloatArray]:
        """One worker's buffers: the ring of rows, the extended row, a spare row."""
        width = self.source.shape[2]
        return [
            np.empty((self.ring_rows, width), dtype=self.work),
            np.empty(self.line, dtype=self.work),
            np.empty(width, dtype=self.work),
        ]

    def run(
        self, key: Any, start: int, stop: int, out: Float32Array, own: list[FloatArray]
    ) -> None:
        """Write chain ``key`` for rows ``start:stop`` of the image's first axis into ``out``."""
        chain = self.chains[key]
        ring, mid, tmp = own[:3]
        width = self.source.shape[2]
        span = max(1, chain.wy.size)
        self.kernels.chain_planes(
            self.source,
            start * self.rows_per_index,
            stop * self.rows_per_index,
            chain.wy,
            chain.sym_y,
            chain.yends,
            chain.wx,
            chain.sym_x,
            chain.xends,
            chain.scale_y,
            chain.scale_x,
            self.work == np.float32,
            ring[:span],
            mid[: width + chain.wx.size - (1 if chain.wx.size else 0)],
            tmp,
            out.reshape(-1, width),
        )
        compiled.count()


def plan(
    source: AnyArray,
    chains: Mapping[Any, list[Any]],
    mode: str,
    central: dict[int, float] | None,
) -> Planes | None:
    """Return the planes' path for ``chains`` over ``source``, or None where it does not apply.

    ``chains`` are the engine's built passes (``axis``, ``weights``, ``symmetry``,
    ``trend``); ``central`` the pixel sizes of central differences, as the engine has them.
    """
    ndim = source.ndim
    if ndim < 2 or not isinstance(source, np.ndarray) or source.dtype.kind not in "biuf":
        return None
    if source.dtype == np.float16 or source.size == 0:
        return None
    y_axis, x_axis = ndim - 2, ndim - 1
    size_y, size_x = source.shape[-2:]
    if ndim == 2:
        planes: AnyArray = source[None]
    elif ndim == 3:
        planes = source
    elif source.flags.c_contiguous:
        planes = source.reshape(-1, size_y, size_x)
    else:
        return None
    work = work_dtype(source.dtype)
    built: dict[Any, _Chain] = {}
    none = np.zeros(0, dtype=work)
    no_ends = np.zeros((3, 0), dtype=np.int64)
    for key, steps in chains.items():
        if [step.axis for step in steps] not in ([y_axis, x_axis], [y_axis], [x_axis]):
            return None
        if any(step.trend or step.symmetry not in (1, -1) for step in steps):
            return None
        by_axis = {step.axis: step for step in steps}
        parts: list[Any] = []
        for axis, size in ((y_axis, size_y), (x_axis, size_x)):
            step = by_axis.get(axis)
            if step is None:
                parts += [none, 1, no_ends]
                continue
            table = ends(size, step.weights.size // 2, mode)
            if table is None:
                return None
            parts += [step.weights.astype(work), step.symmetry, table]
        scales = [np.float32(0.0), np.float32(0.0)]
        if central is not None:
            axis = steps[0].axis
            if min(size_y, size_x) < 2:
                return None
            scales[axis - y_axis] = np.float32(1.0 / central[key])
        built[key] = _Chain(*parts, *scales)
    kernels = compiled.kernels()
    if kernels is None or not built:
        return None
    return Planes(
        kernels=kernels,
        source=planes,
        rows_per_index=math.prod(source.shape[1:-1]),
        chains=built,
        work=work,
        ring_rows=max(max(c.wy.size for c in built.values()), 1),
        line=size_x + max(c.wx.size for c in built.values()),
    )
