"""The engine's compiled path: every chain along the last two or three axes in one loop.

Most images are planes, stacks of planes (the 2-D-planes option on stacks and
time-lapses) or volumes. There every chain of the engine is a pass along z, then y,
then x (any may be absent). :func:`plan` recognises such chains; :meth:`Planes.run`
computes one chain for a block of rows in one compiled loop
(:func:`._jit_kernels.chain_rows`). The passes along z and y read the image's rows in
its own dtype where their taps lie inside it (rows near an end are extended by the mode
in a small ring of rows); the pass along y of a volume reads a ring of z-passed rows;
the pass along x reads one row extended by the mode, and writes the output row. The
block never exists as a float32 copy, and the arithmetic is the numpy engine's,
operation by operation: the values are identical bit for bit.

Other chains (1-D images, kernels folded onto a short axis in the mode 'extrapolate',
images that are not numpy arrays) run through the engine's blocks, whose passes are
compiled too (:mod:`.compiled`).
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
    passes: tuple[FloatArray, FloatArray, FloatArray]  # weights along z, y, x (or empty)
    symmetry: npt.NDArray[np.int64]
    ends: tuple[Ends, Ends, Ends]
    scales: npt.NDArray[np.float32]  # > 0: one-sided ends of central differences


@dataclass(frozen=True)
class Planes:
    """The chains of one call, ready to run a block of rows at a time."""

    kernels: ModuleType
    source: AnyArray  # the image as (stacks, z, y, x)
    rows_per_index: int  # rows of planes per index along the image's first axis
    chains: dict[Any, _Chain]
    work: np.dtype[Any]

    def buffers(self) -> list[FloatArray]:
        """One worker's buffers: the rows the passes along z and y read, a line, spares."""
        width = self.source.shape[3]
        taps = [max(c.passes[axis].size for c in self.chains.values()) for axis in range(3)]
        return [
            np.empty((max(taps[0], 1), width), dtype=self.work),
            np.empty((max(taps[1], 1), width), dtype=self.work),
            np.empty(width + taps[2], dtype=self.work),
            np.empty((3, width), dtype=self.work),
        ]

    def run(
        self, key: Any, start: int, stop: int, out: Float32Array, own: list[FloatArray]
    ) -> None:
        """Write chain ``key`` for rows ``start:stop`` of the image's first axis into ``out``."""
        chain = self.chains[key]
        zring, ring, mid, spare = own[:4]
        width = self.source.shape[3]
        wz, wy, wx = chain.passes
        self.kernels.chain_rows(
            self.source,
            start * self.rows_per_index,
            stop * self.rows_per_index,
            chain.passes,
            chain.symmetry,
            chain.ends,
            chain.scales,
            self.work == np.float32,
            zring[: max(1, wz.size)],
            ring[: max(1, wy.size)],
            mid[: width + max(0, wx.size - 1)],
            spare,
            out.reshape(-1, width),
        )
        compiled.ready(signature(self.source, self.work))
        compiled.count()


def signature(stacks: AnyArray, work: np.dtype[Any]) -> tuple[str, ...]:
    """Return what numba compiles :func:`._jit_kernels.chain_rows` for (dtypes, layout...)."""
    layout = "C" if stacks.flags.c_contiguous else "A"
    return ("chain", stacks.dtype.str, work.str, layout)


#: Buffers of a worker before the engine's own (component blocks, scratch).
BUFFERS = 4


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
    if source.dtype == np.float16 or not source.dtype.isnative or source.size == 0:
        return None
    source = np.asarray(source)  # a memmap or other subclass: its plain ndarray view
    used = sorted({step.axis for steps in chains.values() for step in steps})
    volume = ndim >= 3 and used[0] == ndim - 3
    if used[0] < ndim - (3 if volume else 2):
        return None
    inner = 3 if volume else 2
    if ndim == inner:
        stacks: AnyArray = source[None]
    elif ndim == inner + 1:
        stacks = source
    elif source.flags.c_contiguous:
        stacks = source.reshape(-1, *source.shape[-inner:])
    else:
        return None
    if not volume:
        stacks = stacks[:, None]
    stacks = compiled.read_only(stacks)
    work = work_dtype(source.dtype)
    built: dict[Any, _Chain] = {}
    none = np.zeros(0, dtype=work)
    no_ends = np.zeros((3, 0), dtype=np.int64)
    first = ndim - 3
    for key, steps in chains.items():
        axes = [step.axis for step in steps]
        if axes != sorted(set(axes)) or any(step.trend for step in steps):
            return None
        if any(step.symmetry not in (1, -1) for step in steps):
            return None
        by_axis = {step.axis: step for step in steps}
        weights, symmetry, ends_of = [], [], []
        for axis in (first, first + 1, first + 2):
            step = by_axis.get(axis)
            if step is None:
                weights.append(none)
                symmetry.append(1)
                ends_of.append(no_ends)
                continue
            table = ends(source.shape[axis], step.weights.size // 2, mode)
            if table is None:
                return None
            weights.append(step.weights.astype(work))
            symmetry.append(step.symmetry)
            ends_of.append(table)
        scales = np.zeros(3, dtype=np.float32)
        if central is not None:
            if min(source.shape[axis] for axis in axes) < 2:
                return None
            scales[axes[0] - first] = np.float32(1.0 / central[key])
        built[key] = _Chain(
            (weights[0], weights[1], weights[2]),
            np.array(symmetry, dtype=np.int64),
            (ends_of[0], ends_of[1], ends_of[2]),
            scales,
        )
    kernels = compiled.kernels(signature(stacks, work))
    if kernels is None or not built:
        return None
    return Planes(
        kernels=kernels,
        source=stacks,
        rows_per_index=math.prod(source.shape[1:-1]),
        chains=built,
        work=work,
    )
