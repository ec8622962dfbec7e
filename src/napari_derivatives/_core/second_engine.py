"""Second derivatives and the structure tensor on the engine, eager and lazy.

Every result is keyed by a tuple (see :func:`compute`): Hessian components, the
Laplacian and the Hessian's eigenvalues come from one run of :func:`.engine.run_chains`
(a chain of separable passes per component, and a per-block combination into the
Laplacian and the eigenvalues, so the components a caller does not keep are only
ever blocks). The structure tensor takes two stages: the Gaussian gradient
(:func:`.engine.differentiate`), whose images become the products ``g_i * g_j`` in
place, then each product smoothed by the integration window, the last one with the
eigenvalues, orientation and coherence made block by block. An image of many rows
runs these stages on blocks of rows with a halo as deep as both reach (the same
values), so that its intermediate images are a few MiB; a short one (a 256^3 volume)
runs them whole, within the outputs plus the products not returned.

For a dask image, :func:`.lazy.map_with_halo` hands every block, with a halo as deep
as the kernels reach (for the structure tensor the derivative's plus the window's),
to :func:`compute`: the same values block by block.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import checks, engine, hessian_fused, structure_fused
from .arraytypes import AnyArray, Float32Array, FloatArray
from .boundary import source_positions
from .choices import WRAP_MODES
from .eigen import coherence_ratio, orientation_angle, symmetric_eigenvalues
from .kernels import gaussian_kernel, gaussian_radius, order_passes

if TYPE_CHECKING:
    import dask.array as da

#: A result of :func:`compute`: ``("H", i, j)`` the Hessian component of axes
#: ``i <= j``; ``("laplacian",)``; ``("hessian_eigenvalue", n)`` (n from 0, largest
#: first); ``("J", i, j)``, ``("structure_eigenvalue", n)``, ``("orientation",)``,
#: ``("coherence",)`` of the structure tensor; ``("derivative", *order)``.
Key = tuple[Any, ...]

#: Pixels in one block of rows of the structure tensor (with its halo rows on top): its
#: intermediate images (gradients, products) then hold a few MiB, not whole images.
STRUCTURE_BLOCK_PIXELS = 1 << 18

_HESSIAN = ("H", "laplacian", "hessian_eigenvalue")
_STRUCTURE = ("J", "structure_eigenvalue", "orientation", "coherence")


def pairs(axes: Sequence[int]) -> list[tuple[int, int]]:
    """Return the upper triangle of the axes' matrix in row-major order, in ``axes`` order."""
    return [(axes[row], axes[col]) for row in range(len(axes)) for col in range(row, len(axes))]


def _order(pair: Sequence[int], ndim: int) -> tuple[int, ...]:
    order = [0] * ndim
    for axis in pair:
        order[axis] += 1
    return tuple(order)


def _window_mode(mode: str) -> str:
    # The odd reflection would continue a tensor field of squares below zero: the
    # window reflects it instead (the same on a constant or a ramp's tensor).
    return "reflect" if mode == "extrapolate" else mode


def reach(
    keys: Sequence[Key],
    ndim: int,
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
    rho: float,
) -> tuple[int, ...]:
    """Return how far, in pixels along each axis, the results of ``keys`` reach."""
    depth = [0] * ndim
    chains = []
    for key in keys:
        if key[0] == "derivative":
            chains.append(order_passes(key[1:], axes, spacing, method, sigma))
        elif key[0] in _HESSIAN:
            chains.extend(
                order_passes(_order(pair, ndim), axes, spacing, method, sigma)
                for pair in pairs(axes)
            )
    for chain in chains:
        for axis, weights in chain:
            depth[axis] = max(depth[axis], weights.size // 2)
    if any(key[0] in _STRUCTURE for key in keys):
        for axis in axes:
            window = gaussian_radius(sigma / spacing[axis]) + gaussian_radius(rho / spacing[axis])
            depth[axis] = max(depth[axis], window)
    return tuple(depth)


def compute(
    array: AnyArray,
    keys: tuple[Key, ...],
    *,
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
    rho: float,
    mode: str,
) -> dict[Key, Float32Array]:
    """Return the float32 results of ``keys`` (see :data:`Key`) for a numpy image.

    ``array`` and the options are validated and normalised; ``method`` applies to
    derivatives and the Hessian, the structure tensor is always Gaussian.
    """
    results: dict[Key, Float32Array] = {}
    derivatives = [key for key in keys if key[0] == "derivative"]
    if derivatives:
        chains = {key: order_passes(key[1:], axes, spacing, method, sigma) for key in derivatives}
        results.update(engine.run_chains(array, chains, mode, keep=derivatives))
    hessian = [key for key in keys if key[0] in _HESSIAN]
    if hessian:
        results.update(_hessian(array, hessian, axes, spacing, method, sigma, mode))
    structure = [key for key in keys if key[0] in _STRUCTURE]
    if structure:
        results.update(_structure(array, structure, axes, spacing, sigma, rho, mode))
    return {key: results[key] for key in keys}


def _hessian(
    array: AnyArray,
    keys: list[Key],
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
    mode: str,
) -> dict[Key, Float32Array]:
    fused = hessian_fused.compute(array, keys, axes, spacing, method, sigma, mode)
    if fused is not None:
        return fused
    ndim = array.ndim
    triangle = [("H", *pair) for pair in pairs(axes)]
    diagonal = [("H", axis, axis) for axis in axes]
    eigen = any(key[0] == "hessian_eigenvalue" for key in keys)
    laplacian = ("laplacian",) in keys
    needed = [key for key in triangle if key in keys or eigen or (laplacian and key in diagonal)]
    chains = {
        key: order_passes(_order(key[1:], ndim), axes, spacing, method, sigma) for key in needed
    }
    kept = [key for key in needed if key in keys]
    made = _allocate([key for key in keys if key[0] != "H"], array.shape, len(axes))

    def combine(
        components: Mapping[Any, FloatArray], start: int, stop: int, scratch: FloatArray
    ) -> None:
        if laplacian:
            total = made[("laplacian",)][start:stop]
            np.copyto(total, components[diagonal[0]], casting="same_kind")
            for key in diagonal[1:]:
                total += components[key]
        if eigen:
            out = [
                made[("hessian_eigenvalue", n)][start:stop]
                if ("hessian_eigenvalue", n) in made
                else np.empty(scratch.shape, dtype=np.float32)
                for n in range(len(axes))
            ]
            symmetric_eigenvalues([components[key] for key in triangle], out)

    results = engine.run_chains(array, chains, mode, keep=kept, combine=combine)
    return {**{key: results[key] for key in kept}, **made}


def _allocate(keys: list[Key], shape: tuple[int, ...], count: int) -> dict[Key, Float32Array]:
    """Return an empty float32 image per key; all ``count`` eigenvalues of a kind in one array."""
    made: dict[Key, Float32Array] = {}
    for kind in ("hessian_eigenvalue", "structure_eigenvalue"):
        every = [(kind, number) for number in range(count)]
        if all(key in keys for key in every):
            # As hessian_eigenvalues returns them, with no copy.
            made.update(zip(every, np.empty((count, *shape), dtype=np.float32), strict=True))
    for key in keys:
        if key not in made:
            made[key] = np.empty(shape, dtype=np.float32)
    return made


def _structure(
    array: AnyArray,
    keys: list[Key],
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    sigma: float,
    rho: float,
    mode: str,
) -> dict[Key, Float32Array]:
    """Compute the structure tensor's results in blocks of rows with a halo, or whole.

    Each block of rows, with as many rows around it as the gradient and the window
    reach (for the wrap modes, taken across the border), goes through
    :func:`_structure_whole` and the halo is cropped: the values of the whole image,
    within the outputs plus a few blocks of memory. Images with few rows run whole.
    """
    fused = structure_fused.compute(
        array, keys, axes, spacing, sigma, rho, mode, _window_mode(mode)
    )
    if fused is not None:
        return fused
    shape = array.shape
    depth = gaussian_radius(sigma / spacing[0]) + gaussian_radius(rho / spacing[0])
    depth = depth if 0 in axes else 0
    step = max(8 * depth, STRUCTURE_BLOCK_PIXELS // max(1, math.prod(shape[1:])), 1)
    if shape[0] <= 2 * step:
        return _structure_whole(array, keys, axes, spacing, sigma, rho, mode)
    made = _allocate(keys, shape, len(axes))
    for start in range(0, shape[0], step):
        stop = min(start + step, shape[0])
        if depth and mode in WRAP_MODES:
            positions = source_positions(np.arange(start - depth, stop + depth), shape[0], mode)
            block, crop = np.take(array, positions, axis=0), depth
        else:
            low = max(start - depth, 0)
            block, crop = array[low : min(stop + depth, shape[0])], start - low
        part = _structure_whole(block, keys, axes, spacing, sigma, rho, mode)
        for key in keys:
            made[key][start:stop] = part[key][crop : crop + stop - start]
    return made


def _structure_whole(
    array: AnyArray,
    keys: list[Key],
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    sigma: float,
    rho: float,
    mode: str,
) -> dict[Key, Float32Array]:
    triangle = [("J", *pair) for pair in pairs(axes)]
    gradients = engine.differentiate(
        array, axes, spacing, "gaussian", sigma, mode, wanted=axes, keep=axes
    )
    # The products, made in place where the square of a gradient is its last use.
    products: dict[Key, Float32Array] = {}
    for key in triangle:
        if key[1] != key[2]:
            products[key] = np.multiply(gradients[key[1]], gradients[key[2]])
    for axis in axes:
        square = gradients.pop(axis)
        square *= square
        products[("J", axis, axis)] = square
    window = _window_mode(mode)
    smoothing = [(axis, gaussian_kernel(rho / spacing[axis], 0)) for axis in sorted(axes)]
    last = triangle[-1]
    smoothed: dict[Key, Float32Array] = {}
    for key in triangle[:-1]:
        product = products.pop(key)
        smoothed[key] = engine.run_chains(product, {key: smoothing}, window, keep=[key])[key]
        del product
    derived = [key for key in keys if key[0] != "J"]
    # Outputs take the memory of tensor components that are not returned, once read.
    spare = [smoothed[key] for key in triangle[:-1] if key not in keys]
    made = {key: spare.pop() if spare else np.empty(array.shape, np.float32) for key in derived}
    size = len(axes)

    def combine(
        components: Mapping[Any, FloatArray], start: int, stop: int, scratch: FloatArray
    ) -> None:
        tensor = [smoothed[key][start:stop].copy() for key in triangle[:-1]]
        tensor.append(np.asarray(components[last], dtype=np.float32))
        if any(key[0] == "structure_eigenvalue" for key in derived):
            out = [
                made[("structure_eigenvalue", n)][start:stop]
                if ("structure_eigenvalue", n) in made
                else np.empty(scratch.shape, dtype=np.float32)
                for n in range(size)
            ]
            symmetric_eigenvalues(tensor, out)
        if ("orientation",) in made:
            orientation_angle(tensor[0], tensor[1], tensor[2], made[("orientation",)][start:stop])
        if ("coherence",) in made:
            coherence_ratio(tensor[0], tensor[1], tensor[2], made[("coherence",)][start:stop])

    kept = [last] if last in keys else []
    final = engine.run_chains(
        products.pop(last),
        {last: smoothing},
        window,
        keep=kept,
        combine=combine if derived else None,
    )
    smoothed.update(final)
    return {key: smoothed[key] if key[0] == "J" else made[key] for key in keys}


def run(
    array: Any,
    keys: tuple[Key, ...],
    *,
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
    rho: float,
    mode: str,
    shared: bool = False,
) -> dict[Key, Float32Array | da.Array]:
    """Return :func:`compute` of a numpy image, or its lazy twin for a dask image.

    For dask, each key is its own graph (reading one computes only it), unless
    ``shared``: then one graph computes every key at once, block by block.
    """
    options: dict[str, Any] = {
        "axes": axes,
        "spacing": spacing,
        "method": method,
        "sigma": sigma,
        "rho": rho,
        "mode": mode,
    }
    if not checks.is_dask(array):
        return dict(compute(array, keys, **options))
    from . import lazy

    def lazy_keys(group: tuple[Key, ...]) -> da.Array:
        depth = reach(group, array.ndim, axes, spacing, method, sigma, rho)
        return lazy.map_with_halo(array, group, compute, {"keys": group, **options}, depth, mode)

    if shared and len(keys) > 1:
        stacked = lazy_keys(keys)
        return {key: stacked[index].rechunk(array.chunks) for index, key in enumerate(keys)}
    return {key: lazy_keys((key,)) for key in keys}
