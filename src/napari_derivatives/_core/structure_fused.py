"""The structure tensor in one compiled loop per range of slices, where numba is loaded.

:func:`compute` serves :mod:`.second_engine` for the common cases: a plane or a stack
of planes (the tensor over the last two axes) and a volume (over its three axes). It
streams the image along its first tensor axis through
:func:`._jit_second.structure_slices`: a ring of source slices, a ring of gradient
slices, and each output slice made of them by the window and, pixel by pixel, its
eigenvalues, orientation and coherence. The gradient and product images of the numpy
path never exist: its memory is the outputs plus a few rings of slices per worker
(about 20 MiB per worker for a 256^3 volume), and each pixel of the image is read
once per range of slices. The tensor equals the numpy path's bit for bit (the same
passes in the same order); the eigenvalues, orientation and coherence to float32
rounding (the closed forms of :mod:`.eigen`, with libm's transcendental functions).

It returns None where it does not apply (no numba, NAPARI_DERIVATIVES_JIT=0, a
kernel longer than its axis, other axes, a non-contiguous image...): the caller then
runs the numpy path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import compiled
from .arraytypes import AnyArray, Float32Array
from .blockwork import work_dtype
from .boundary import fold
from .eigen import symmetric_eigenvalues
from .engine import WARM_DTYPES
from .kernels import gaussian_kernel, kernel_symmetry, passes
from .planes import ends
from .threads import in_parallel, worker_count

Key = tuple[Any, ...]

_NO_ENDS = np.zeros((3, 0), dtype=np.int64)


def _kernels(
    axes: tuple[int, ...], spacing: tuple[float, ...], sigma: float
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Return (smoothing, derivative) of the gradient along each axis, as the engine has them."""
    chains = {axis: dict(passes(axis, axes, spacing, "gaussian", sigma)) for axis in axes}
    return {
        axis: (chains[axes[0] if axis != axes[0] else axes[1]][axis], chains[axis][axis])
        for axis in axes
    }


def fits(weights: np.ndarray, size: int, mode: str, symmetry: int) -> np.ndarray | None:
    """Return the extension codes of ``weights`` along an axis of ``size``, or None.

    None where the engine would change the kernel (folded onto a short axis, the
    trend of 'extrapolate') or ``mode`` has no codes there, or the kernel does not
    have ``symmetry``: the compiled loops then do not apply.
    """
    if size < 2 or weights.size // 2 >= size or kernel_symmetry(weights) != symmetry:
        return None
    folded, trend = fold(weights, size, mode)
    if folded is not weights or trend:
        return None
    return ends(size, weights.size // 2, mode)


def streamable(array: AnyArray) -> bool:
    """Whether the compiled loops can read ``array``: a C-contiguous real numpy array."""
    return (
        isinstance(array, np.ndarray)
        and array.dtype.kind in "biuf"
        and array.dtype != np.float16
        and array.flags.c_contiguous
        and array.size > 0
    )


def compute(
    array: AnyArray,
    keys: Sequence[Key],
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    sigma: float,
    rho: float,
    mode: str,
    window_mode: str,
) -> dict[Key, Float32Array] | None:
    """Return the float32 results of ``keys`` (the structure tensor's), or None.

    The arguments are those of :func:`.second_engine.compute`, with the mode of the
    window (``window_mode``).
    """
    ndim = array.ndim
    if not streamable(array):
        return None
    if axes == (ndim - 2, ndim - 1):
        size_z, size_x = array.shape[-2:]
        planes = array.reshape(-1, size_z, 1, size_x)
        tensor_axes: tuple[int | None, ...] = (ndim - 2, None, ndim - 1)
    elif ndim == 3 and axes == (0, 1, 2):
        planes = array[None]
        tensor_axes = (0, 1, 2)
    else:
        return None
    work = work_dtype(array.dtype)
    gradient = _kernels(axes, spacing, sigma)
    none = np.zeros(0, dtype=work)
    k: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    window: list[np.ndarray] = []
    window_codes: list[np.ndarray] = []
    for place, axis in enumerate(tensor_axes):
        if axis is None:
            k += [none, none]
            codes.append(_NO_ENDS)
            window.append(np.zeros(0, dtype=np.float32))
            window_codes.append(_NO_ENDS)
            continue
        size = array.shape[axis]
        smoothing, derivative = gradient[axis]
        table = fits(smoothing, size, mode, 1)
        if table is None or fits(derivative, size, mode, -1) is None:
            return None
        if derivative.size != smoothing.size:
            return None
        weights = gaussian_kernel(rho / spacing[axis], 0)
        window_table = fits(weights, size, window_mode, 1)
        if window_table is None or (place == 0 and (window_table[0] == 2).any()):
            return None
        k += [smoothing.astype(work), derivative.astype(work)]
        codes.append(table)
        window.append(weights.astype(np.float32))
        window_codes.append(window_table)
    signature = ("structure", array.dtype.str)
    loops = compiled.second_order(signature)
    if loops is None:
        return None
    results = _run(
        loops, array, compiled.read_only(planes), keys, axes, tuple(k), codes, window, window_codes
    )
    compiled.ready(signature)
    return results


def _run(
    loops: Any,
    array: AnyArray,
    planes: AnyArray,
    keys: Sequence[Key],
    axes: tuple[int, ...],
    k: tuple[np.ndarray, ...],
    codes: list[np.ndarray],
    window: list[np.ndarray],
    window_codes: list[np.ndarray],
) -> dict[Key, Float32Array]:
    count, size_z, size_y, size_x = planes.shape
    dims = len(axes)
    shape = array.shape
    m = dims * (dims + 1) // 2
    rows = count * size_z  # output slices, through the planes

    def output(wanted: bool, first: int) -> np.ndarray:
        if not wanted:
            return np.empty((0, 1, 1, 1), dtype=np.float32)
        return np.empty((first, *shape), dtype=np.float32)

    tensor = output(any(key[0] == "J" for key in keys), m)
    eig = output(any(key[0] == "structure_eigenvalue" for key in keys), dims)
    orient = output(("orientation",) in keys, 1)
    coher = output(("coherence",) in keys, 1)
    views = [
        out.reshape(out.shape[0], rows, size_y, size_x) if out.shape[0] else out
        for out in (tensor, eig, orient, coher)
    ]
    work = k[0].dtype
    reach = [weights.size // 2 for weights in k[::2]]
    window_reach = [weights.size // 2 for weights in window]
    workers = worker_count(count * max(1, size_z // 64), array.size)
    if size_y == 1:
        chunk = max(32, math.ceil(size_z / (4 * workers)))
    else:
        chunk = max(4 * window_reach[0], math.ceil(size_z / (2 * workers)))
    tasks = [
        (plane, start, min(start + chunk, size_z))
        for plane in range(count)
        for start in range(0, size_z, chunk)
    ]

    def buffers() -> list[Any]:
        span = 2 * reach[0] + 1
        window_span = 2 * window_reach[0] + 1
        return [
            np.empty((span, size_y, size_x), dtype=work),
            np.empty(span, dtype=np.int64),
            (
                np.empty((2, size_y + 2 * reach[1], size_x), dtype=work),
                np.empty(size_x + 2 * reach[2], dtype=work),
                np.empty(size_x, dtype=work),
            ),
            np.empty((window_span, dims, size_y, size_x), dtype=np.float32),
            np.empty(window_span, dtype=np.int64),
            (
                np.empty((m, size_y + 2 * window_reach[1], size_x), dtype=np.float32),
                np.empty(size_x + 2 * window_reach[2], dtype=np.float32),
                np.empty((m, size_y, size_x), dtype=np.float32),
            ),
        ]

    def run(task: tuple[int, int, int], own: list[Any]) -> None:
        plane, start, stop = task
        ring, tags, bufs, gring, gtags, wbufs = own
        loops.structure_slices(
            planes[plane],
            start,
            stop,
            k,
            tuple(codes),
            tuple(window),
            tuple(window_codes),
            ring,
            tags,
            bufs,
            gring,
            gtags,
            wbufs,
            *views,
            plane * size_z,
        )
        compiled.count()

    in_parallel(tasks, array.size, buffers, run)
    triangle = [(i, j) for i in range(dims) for j in range(i, dims)]
    results: dict[Key, Float32Array] = {}
    for key in keys:
        if key[0] == "J":
            pair = (axes.index(key[1]), axes.index(key[2]))
            results[key] = tensor[triangle.index(pair)]
        elif key[0] == "structure_eigenvalue":
            results[key] = eig[key[1]]
        else:
            results[key] = (orient if key == ("orientation",) else coher)[0]
    return results


def warm_up() -> None:
    """Run the common kinds of image through the compiled loops once (see .compiled)."""
    for name in WARM_DTYPES:
        plane = np.zeros((6, 7), dtype=name)
        compute(plane, (("J", 0, 0),), (0, 1), (1.0, 1.0), 1.0, 1.0, "reflect", "reflect")
    flat = [np.zeros(3, dtype=np.float32) for _ in range(9)]
    symmetric_eigenvalues(flat[:3], flat[6:8])
    symmetric_eigenvalues(flat[:6], flat[6:])


compiled.add_warm_up(warm_up)
