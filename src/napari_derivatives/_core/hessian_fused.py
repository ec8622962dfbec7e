"""The Hessian of a volume in one compiled loop per range of slices, where numba is loaded.

:func:`compute` serves :mod:`.second_engine` for the Gaussian Hessian of a volume over
its three axes (planes go through the engine's own compiled path, :mod:`.planes`). It
streams the volume along z through :func:`._jit_second.hessian_slices`: each source
slice is read once into a ring, the passes along z of order 0, 1 and 2 are made once
per slice and shared by the components (3 passes along z instead of 6), then each
component's passes along y and x, the Laplacian and the eigenvalues, slice by slice.
The components are those of the engine bit for bit (the same passes in the same
order); the eigenvalues equal :mod:`.eigen`'s to float32 rounding. The memory is the
outputs plus a ring of slices per worker.

It returns None where it does not apply (another method or axes, no numba, a kernel
longer than its axis, some but not all eigenvalues...): the engine then runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import compiled
from .arraytypes import AnyArray, Float32Array
from .blockwork import work_dtype
from .engine import WARM_DTYPES
from .kernels import order_passes
from .structure_fused import fits, streamable
from .threads import in_parallel, worker_count

Key = tuple[Any, ...]


def compute(
    array: AnyArray,
    keys: Sequence[Key],
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
    mode: str,
) -> dict[Key, Float32Array] | None:
    """Return the float32 results of ``keys`` (Hessian components, Laplacian, eigenvalues)."""
    if method != "gaussian" or array.ndim != 3 or axes != (0, 1, 2) or not streamable(array):
        return None
    eigen = [key for key in keys if key[0] == "hessian_eigenvalue"]
    if eigen and len(eigen) != 3:
        return None
    triangle = [(i, j) for i in range(3) for j in range(i, 3)]
    laplacian = ("laplacian",) in keys
    needed = [
        pair
        for pair in triangle
        if ("H", *pair) in keys or eigen or (laplacian and pair[0] == pair[1])
    ]
    work = work_dtype(array.dtype)
    kernels: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for axis in range(3):
        by_order = []
        tables = []
        for order in range(3):
            single = [0, 0, 0]
            single[axis] = order
            weights = dict(order_passes(single, axes, spacing, method, sigma))[axis]
            table = fits(weights, array.shape[axis], mode, -1 if order == 1 else 1)
            if table is None:
                return None
            by_order.append(weights)
            tables.append(table)
        if len({weights.size for weights in by_order}) != 1:
            return None
        kernels += [weights.astype(work) for weights in by_order]
        codes.append(tables[0])
    signature = ("hessian", array.dtype.str)
    loops = compiled.second_order(signature)
    if loops is None:
        return None
    orders = np.zeros((len(needed), 3), dtype=np.int64)
    for index, (i, j) in enumerate(needed):
        orders[index, i] += 1
        orders[index, j] += 1
    kept_pairs = [pair for pair in needed if ("H", *pair) in keys]
    where = np.array(
        [kept_pairs.index(pair) if pair in kept_pairs else -1 for pair in needed], dtype=np.int64
    )
    shape = array.shape
    kept = np.empty((len(kept_pairs), *shape) if kept_pairs else (0, 1, 1, 1), np.float32)
    lap = np.empty((1, *shape) if laplacian else (0, 1, 1, 1), np.float32)
    eig = np.empty((3, *shape) if eigen else (0, 1, 1, 1), np.float32)
    radius = [kernels[3 * axis].size // 2 for axis in range(3)]
    size_z, size_y, size_x = shape
    workers = worker_count(max(1, size_z // 16), array.size)
    chunk = max(4 * radius[0], math.ceil(size_z / (2 * workers)))
    tasks = [(start, min(start + chunk, size_z)) for start in range(0, size_z, chunk)]

    def buffers() -> list[Any]:
        span = 2 * radius[0] + 1
        return [
            np.empty((span, size_y, size_x), dtype=work),
            np.empty(span, dtype=np.int64),
            (
                np.empty((3, size_y + 2 * radius[1], size_x), dtype=work),
                np.empty(size_x + 2 * radius[2], dtype=work),
                np.empty(size_x, dtype=work),
            ),
            np.empty((len(needed), size_y, size_x), dtype=np.float32),
        ]

    source = compiled.read_only(array)

    def run(task: tuple[int, int], own: list[Any]) -> None:
        ring, tags, bufs, comp = own
        loops.hessian_slices(
            source, task[0], task[1], tuple(kernels), tuple(codes), orders,
            ring, tags, bufs, comp, kept, where, lap, eig,
        )  # fmt: skip
        compiled.count()

    in_parallel(tasks, array.size, buffers, run)
    compiled.ready(signature)
    results: dict[Key, Float32Array] = {}
    for key in keys:
        if key[0] == "H":
            results[key] = kept[kept_pairs.index(key[1:])]
        elif key[0] == "laplacian":
            results[key] = lap[0]
        else:
            results[key] = eig[key[1]]
    return results


def warm_up() -> None:
    """Run the common kinds of volume through the compiled loop once (see .compiled)."""
    for name in WARM_DTYPES:
        volume = np.zeros((6, 6, 7), dtype=name)
        compute(volume, (("laplacian",),), (0, 1, 2), (1.0,) * 3, "gaussian", 1.0, "reflect")


compiled.add_warm_up(warm_up)
