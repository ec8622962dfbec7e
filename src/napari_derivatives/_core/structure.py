"""The structure tensor, its eigenvalues, orientation and coherence, in physical units.

The structure tensor ``J = G_rho * (grad I grad I^T)`` is the outer product of the
Gaussian gradient (scale ``sigma``) averaged over a Gaussian window (scale ``rho``),
both in the physical units of ``spacing``. On a ramp ``I = a*y + b*x`` it is exactly
``[[a**2, a*b], [a*b, b**2]]`` (intensity squared per unit squared), its
eigenvalues ``a**2 + b**2`` and 0, its coherence 1. The window continues the
tensor field past the border by ``mode``, except 'extrapolate', whose odd
reflection would make it negative: the window reflects it there ('reflect').
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, overload

import numpy.typing as npt

from .arraytypes import Float32Array
from .choices import DEFAULT_MODE
from .hessian import eigen_keys, stacked
from .second_engine import pairs
from .second_order import prepare

if TYPE_CHECKING:
    import dask.array as da

    Result = Float32Array | da.Array
    _Spacing = float | Sequence[float] | None
    _Axes = int | Sequence[int] | None

__all__ = ["coherence", "orientation", "structure_tensor", "structure_tensor_eigenvalues"]


@overload
def structure_tensor(
    image: da.Array,
    *,
    sigma: float = ...,
    rho: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> tuple[da.Array, ...]: ...
@overload
def structure_tensor(
    image: npt.ArrayLike,
    *,
    sigma: float = ...,
    rho: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> tuple[Float32Array, ...]: ...


def structure_tensor(
    image: da.Array | npt.ArrayLike,
    *,
    sigma: float = 1.0,
    rho: float = 2.0,
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    mode: str = DEFAULT_MODE,
) -> tuple[Result, ...]:
    """Return the structure tensor's upper triangle, in intensity**2 per unit**2.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`napari_derivatives.derivative`.
    sigma : float, optional
        Scale of the Gaussian gradient, in the units of ``spacing``.
    rho : float, optional
        Scale of the Gaussian integration window, in the units of ``spacing``
        (``rho / spacing[i]`` pixels along axis ``i``).
    spacing : float or sequence of float, optional
        Pixel size, one number or one per axis, each > 0. Default 1.
    axes : int or sequence of int, optional
        The axes of the tensor, default every axis; the Gaussians act along these only.
    mode : str, optional
        Border mode of the gradient (see :func:`napari_derivatives.gradient`) and of
        the window (with 'reflect' for 'extrapolate', which keeps the tensor positive).

    Returns
    -------
    tuple of ndarray of float32, or of dask.array.Array
        The upper triangle in row-major order over ``axes``, as
        :func:`napari_derivatives.hessian`: ``(Jyy, Jyx, Jxx)`` in 2-D, with
        ``Jij = G_rho * (dI/di dI/dj)``. Lazy for a dask ``image``, with a halo of
        the gradient's radius plus the window's.

    Raises
    ------
    ValueError
        If ``sigma`` or ``rho`` is not > 0 (or too large for the image), or
        ``spacing``, ``axes`` or ``mode`` is invalid, or ``image`` is 0-d or complex.

    Examples
    --------
    >>> import numpy as np
    >>> rows, cols = np.mgrid[0:30, 0:30].astype(float)
    >>> j_yy, j_yx, j_xx = structure_tensor(3 * rows + 4 * cols)
    >>> [round(float(j[15, 15]), 4) for j in (j_yy, j_yx, j_xx)]
    [9.0, 12.0, 16.0]
    """
    prepared = prepare(image, sigma=sigma, rho=rho, spacing=spacing, axes=axes, mode=mode)
    keys = tuple(("J", *pair) for pair in pairs(prepared.axes))
    results = prepared.run(keys)
    return tuple(results[key] for key in keys)


@overload
def structure_tensor_eigenvalues(
    image: da.Array,
    *,
    sigma: float = ...,
    rho: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> da.Array: ...
@overload
def structure_tensor_eigenvalues(
    image: npt.ArrayLike,
    *,
    sigma: float = ...,
    rho: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> Float32Array: ...


def structure_tensor_eigenvalues(
    image: da.Array | npt.ArrayLike,
    *,
    sigma: float = 1.0,
    rho: float = 2.0,
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    mode: str = DEFAULT_MODE,
) -> Result:
    """Return the structure tensor's eigenvalues, sorted descending per pixel.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`structure_tensor`.
    sigma, rho, spacing, axes, mode
        As :func:`structure_tensor`; at most three axes.

    Returns
    -------
    ndarray of float32, or dask.array.Array, shape ``(k, *image.shape)``
        ``k = len(axes)`` eigenvalues ``l1 >= l2 (>= l3) >= 0`` (up to rounding), in
        intensity squared per unit squared: the mean squared slope along the
        principal directions. ``a**2 + b**2`` and 0 on a ramp ``a*y + b*x``.

    Raises
    ------
    ValueError
        As :func:`structure_tensor`, or if ``axes`` names more than three axes.
    """
    prepared = prepare(
        image, sigma=sigma, rho=rho, spacing=spacing, axes=axes, mode=mode, eigen=True
    )
    return stacked(prepared.run(eigen_keys("structure_eigenvalue", len(prepared.axes))))


@overload
def orientation(
    image: da.Array,
    *,
    sigma: float = ...,
    rho: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> da.Array: ...
@overload
def orientation(
    image: npt.ArrayLike,
    *,
    sigma: float = ...,
    rho: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> Float32Array: ...


def orientation(
    image: da.Array | npt.ArrayLike,
    *,
    sigma: float = 1.0,
    rho: float = 2.0,
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    mode: str = DEFAULT_MODE,
) -> Result:
    """Return the angle of the dominant gradient in a plane, in radians in (-pi/2, pi/2].

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`structure_tensor`.
    sigma, rho, spacing, mode
        As :func:`structure_tensor`.
    axes : sequence of two int, optional
        The (row, column) axes of the plane; default the last two, so each plane of
        a stack on its own.

    Returns
    -------
    ndarray of float32, or dask.array.Array, shape ``image.shape``
        ``0.5 * atan2(2 Jyx, Jxx - Jyy)``: the direction of the structure tensor's
        largest eigenvector, the wave vector of a grating (perpendicular to its
        stripes, to fibres), in the sense of
        :func:`napari_derivatives.gradient_direction` (0 along +column, ``pi/2``
        along +row, down in image display) folded into ``(-pi/2, pi/2]``: a
        gradient and its opposite give the same angle. In physical units, so
        anisotropic ``spacing`` is accounted for. 0 where the image is flat.

    Raises
    ------
    ValueError
        As :func:`structure_tensor`, or if ``axes`` does not name exactly two axes.
    """
    prepared = prepare(
        image, sigma=sigma, rho=rho, spacing=spacing, axes=axes, mode=mode, plane=True
    )
    return prepared.run((("orientation",),))[("orientation",)]


@overload
def coherence(
    image: da.Array,
    *,
    sigma: float = ...,
    rho: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> da.Array: ...
@overload
def coherence(
    image: npt.ArrayLike,
    *,
    sigma: float = ...,
    rho: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> Float32Array: ...


def coherence(
    image: da.Array | npt.ArrayLike,
    *,
    sigma: float = 1.0,
    rho: float = 2.0,
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    mode: str = DEFAULT_MODE,
) -> Result:
    """Return how strongly oriented the image is in a plane, from 0 to 1.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`structure_tensor`.
    sigma, rho, spacing, axes, mode
        As :func:`orientation`.

    Returns
    -------
    ndarray of float32, or dask.array.Array, shape ``image.shape``
        ``(l1 - l2) / (l1 + l2)`` of the structure tensor's eigenvalues
        (OrientationJ's definition), dimensionless: 1 on a ramp or a grating, near 0
        on isotropic texture (noise), 0 where both eigenvalues are 0 (flat).

    Raises
    ------
    ValueError
        As :func:`orientation`.
    """
    prepared = prepare(
        image, sigma=sigma, rho=rho, spacing=spacing, axes=axes, mode=mode, plane=True
    )
    return prepared.run((("coherence",),))[("coherence",)]
