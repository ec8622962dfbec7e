"""Derivatives of any order, the Hessian, its eigenvalues and the Laplacian, in physical units.

The units contract: on ``I = a*y**2 + b*x*y + c*x**2`` plus any linear terms, every
method returns exactly ``Hyy = 2a``, ``Hyx = b``, ``Hxx = 2c`` (intensity per unit of
``spacing`` squared) away from the border, whatever the spacing: the Gaussian kernels
are normalised by their moments (:func:`.kernels.gaussian_kernel`), central
differences are ``[1, -2, 1]`` and products of central first differences. The
computation is :mod:`.second_engine` on the blocked engine; a dask image gives lazy
results with the same values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from . import checks
from .arraytypes import Float32Array
from .choices import DEFAULT_MODE, SECOND_ORDER_METHODS
from .second_engine import pairs
from .second_order import prepare

if TYPE_CHECKING:
    import dask.array as da

    Result = Float32Array | da.Array
    _Spacing = float | Sequence[float] | None
    _Axes = int | Sequence[int] | None

__all__ = ["derivative", "hessian", "hessian_eigenvalues", "laplacian"]


@overload
def derivative(
    image: da.Array,
    order: Sequence[int],
    *,
    method: str = ...,
    sigma: float = ...,
    spacing: _Spacing = ...,
    mode: str = ...,
) -> da.Array: ...
@overload
def derivative(
    image: npt.ArrayLike,
    order: Sequence[int],
    *,
    method: str = ...,
    sigma: float = ...,
    spacing: _Spacing = ...,
    mode: str = ...,
) -> Float32Array: ...


def derivative(
    image: da.Array | npt.ArrayLike,
    order: Sequence[int],
    *,
    method: str = "gaussian",
    sigma: float = 1.0,
    spacing: float | Sequence[float] | None = None,
    mode: str = DEFAULT_MODE,
) -> Result:
    """Return a partial derivative of any order per axis, in intensity per unit**order.

    Parameters
    ----------
    image : array_like, shape (M[, N, ...])
        Real image of any dtype; never modified. 8- and 16-bit and float32 images are
        filtered in float32, wider integers and float64 in float64 (with float64
        weights); integers never wrap and are not rescaled.
    order : sequence of int
        The derivative order along each axis of ``image``, e.g. ``(0, 2, 1)`` for
        d3I / dy2 dx of a (z, y, x) volume: a total of 1 to 4 for the Gaussian, at
        most 2 per axis for central differences.
    method : {'gaussian', 'central'}, optional
        ``'gaussian'`` (default): the derivative of a Gaussian of standard deviation
        ``sigma``, applied along every axis of more than one sample (order 0, the
        smoothing, along the others). ``'central'``: finite differences along the
        differentiated axes only: ``[-1/2, 0, 1/2]`` for order 1, ``[1, -2, 1]`` for
        order 2, products of them for mixed orders.
    sigma : float, optional
        Standard deviation of the Gaussian in the units of ``spacing``
        (``sigma / spacing[i]`` pixels along axis ``i``, truncated at 4 sigma); read
        only by the Gaussian.
    spacing : float or sequence of float, optional
        Pixel size, one number or one per axis, each > 0. Default 1.
    mode : str, optional
        How the image continues past its border, one of
        :data:`napari_derivatives.BOUNDARY_MODES` (default ``'extrapolate'``, as
        :func:`napari_derivatives.gradient`); central differences use it too.

    Returns
    -------
    ndarray of float32, or dask.array.Array, shape ``image.shape``
        In intensity per unit of ``spacing`` to the total order: exact on any
        polynomial of that degree away from the border (the kernels' moments are
        exact). A NaN pixel affects only the kernel's footprint. A dask ``image``
        gives a lazy result with its chunks and the same values.

    Raises
    ------
    ValueError
        If ``order`` has the wrong length or is too high for the method, or
        ``method``, ``sigma``, ``spacing`` or ``mode`` is invalid, or ``image`` is 0-d
        or complex; the message names the parameter.

    Examples
    --------
    >>> import numpy as np
    >>> rows, cols = np.mgrid[0:20, 0:20].astype(float)
    >>> y, x = rows * 0.5, cols * 0.5  # pixels of 0.5 units
    >>> result = derivative(y**2 * x, (2, 1), spacing=0.5)
    >>> round(float(result[10, 10]), 4)
    2.0
    """
    shape = tuple(image.shape) if checks.is_dask(image) else checks.real_image(image).shape
    checks.choice(method, SECOND_ORDER_METHODS, "method")
    orders = checks.derivative_order(order, len(shape), method)
    axes = tuple(
        axis
        for axis in range(len(shape))
        if orders[axis] or (method == "gaussian" and shape[axis] > 1)
    )
    prepared = prepare(image, method=method, sigma=sigma, spacing=spacing, axes=axes, mode=mode)
    key = ("derivative", *orders)
    return prepared.run((key,))[key]


@overload
def hessian(
    image: da.Array,
    *,
    method: str = ...,
    sigma: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> tuple[da.Array, ...]: ...
@overload
def hessian(
    image: npt.ArrayLike,
    *,
    method: str = ...,
    sigma: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> tuple[Float32Array, ...]: ...


def hessian(
    image: da.Array | npt.ArrayLike,
    *,
    method: str = "gaussian",
    sigma: float = 1.0,
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    mode: str = DEFAULT_MODE,
) -> tuple[Result, ...]:
    """Return the Hessian's upper triangle, in intensity per unit of ``spacing`` squared.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`derivative`.
    method, sigma, spacing, mode
        As :func:`derivative`.
    axes : int or sequence of int, optional
        The axes of the Hessian, negatives allowed; default every axis. The Gaussian
        smooths along these only, so ``axes=(-2, -1)`` of a stack gives each plane's
        Hessian.

    Returns
    -------
    tuple of ndarray of float32, or of dask.array.Array
        The upper triangle in row-major order over ``axes``: ``(Hyy, Hyx, Hxx)`` in
        2-D, ``(Hzz, Hzy, Hzx, Hyy, Hyx, Hxx)`` in 3-D; ``Hij = d2I / di dj``. On
        ``a*y**2 + b*x*y + c*x**2`` (plus linear terms) exactly ``(2a, b, 2c)`` away
        from the border, whatever the spacing.

    Raises
    ------
    ValueError
        As :func:`derivative`, or if ``axes`` is out of range or repeats an axis.

    Examples
    --------
    >>> import numpy as np
    >>> rows, cols = np.mgrid[0:20, 0:20].astype(float) * 0.5
    >>> h_yy, h_yx, h_xx = hessian(rows**2 - 3 * rows * cols + cols, spacing=0.5)
    >>> [round(float(h[10, 10]), 4) + 0.0 for h in (h_yy, h_yx, h_xx)]
    [2.0, -3.0, 0.0]
    """
    prepared = prepare(image, method=method, sigma=sigma, spacing=spacing, axes=axes, mode=mode)
    keys = tuple(("H", *pair) for pair in pairs(prepared.axes))
    results = prepared.run(keys)
    return tuple(results[key] for key in keys)


@overload
def hessian_eigenvalues(
    image: da.Array,
    *,
    method: str = ...,
    sigma: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> da.Array: ...
@overload
def hessian_eigenvalues(
    image: npt.ArrayLike,
    *,
    method: str = ...,
    sigma: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> Float32Array: ...


def hessian_eigenvalues(
    image: da.Array | npt.ArrayLike,
    *,
    method: str = "gaussian",
    sigma: float = 1.0,
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    mode: str = DEFAULT_MODE,
) -> Result:
    """Return the eigenvalues of the Hessian, signed and sorted descending per pixel.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`derivative`.
    method, sigma, spacing, axes, mode
        As :func:`hessian`; at most three axes.

    Returns
    -------
    ndarray of float32, or dask.array.Array, shape ``(k, *image.shape)``
        ``k = len(axes)`` eigenvalues, ``l1 >= l2 (>= l3)``, in intensity per unit
        squared (the curvatures along the principal directions: a bright ridge has
        one large negative eigenvalue, a bright blob all negative). Computed in
        closed form in float32 a block at a time, the Hessian never held whole.

    Raises
    ------
    ValueError
        As :func:`hessian`, or if ``axes`` names more than three axes.
    """
    prepared = prepare(
        image, method=method, sigma=sigma, spacing=spacing, axes=axes, mode=mode, eigen=True
    )
    return stacked(prepared.run(eigen_keys("hessian_eigenvalue", len(prepared.axes))))


@overload
def laplacian(
    image: da.Array,
    *,
    method: str = ...,
    sigma: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> da.Array: ...
@overload
def laplacian(
    image: npt.ArrayLike,
    *,
    method: str = ...,
    sigma: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
) -> Float32Array: ...


def laplacian(
    image: da.Array | npt.ArrayLike,
    *,
    method: str = "gaussian",
    sigma: float = 1.0,
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    mode: str = DEFAULT_MODE,
) -> Result:
    """Return the Laplacian, the trace of the Hessian, in intensity per unit squared.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`derivative`.
    method, sigma, spacing, axes, mode
        As :func:`hessian`.

    Returns
    -------
    ndarray of float32, or dask.array.Array, shape ``image.shape``
        ``sum_i d2I / di2`` over ``axes``: ``2a + 2c`` on ``a*y**2 + c*x**2``. Unlike
        :func:`scipy.ndimage.gaussian_laplace` it honours anisotropic ``spacing``.

    Raises
    ------
    ValueError
        As :func:`hessian`.
    """
    prepared = prepare(image, method=method, sigma=sigma, spacing=spacing, axes=axes, mode=mode)
    return prepared.run((("laplacian",),))[("laplacian",)]


def eigen_keys(kind: str, count: int) -> tuple[tuple[str, int], ...]:
    return tuple((kind, number) for number in range(count))


def stacked(results: Mapping[Any, Result]) -> Result:
    """Stack the eigenvalue images of ``results`` along a new first axis."""
    values = list(results.values())
    if checks.is_dask(values[0]):
        import dask.array as da

        lazy: da.Array = da.stack(values)
        return lazy
    arrays = [value for value in values if isinstance(value, np.ndarray)]
    base = arrays[0].base
    if isinstance(base, np.ndarray) and base.shape == (len(values), *values[0].shape):
        return base  # the engine wrote them into one array already
    together: Float32Array = np.stack(arrays)
    return together
