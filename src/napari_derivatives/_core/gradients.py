"""Image gradients in physical units: the public functions over the engine.

Every operator here is normalised so that it measures a derivative, not an edge
strength: on a linear ramp ``I = a*y + b*x + c`` every method returns exactly ``a``
and ``b`` (intensity per unit of ``spacing``), up to the border with the default
border mode ('extrapolate'). The kernels are in
:mod:`.kernels`, the blocked engine in :mod:`.engine` and its dask twin in :mod:`.lazy`:
a numpy image gives numpy results, a dask image lazy dask results with the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, overload

import numpy.typing as npt

from . import blockwork, checks, engine, missing, spline
from .arraytypes import AnyArray, Float32Array
from .choices import BOUNDARY_MODES, DEFAULT_MODE, METHODS, OUTPUTS
from .outputs import plan_outputs

if TYPE_CHECKING:
    import dask.array as da

    #: What the gradient functions return: float32 numpy arrays for any other input, dask
    #: arrays for a dask input. The overloads of each function tell a caller which.
    Result = Float32Array | da.Array
    _Spacing = float | Sequence[float] | None
    _Axes = int | Sequence[int] | None

__all__ = [
    "gradient",
    "gradient_direction",
    "gradient_magnitude",
    "gradient_outputs",
]


def _engine_for(
    array: AnyArray | da.Array, method: str
) -> Callable[..., Mapping[int | str, Result]]:
    """Return the engine for ``array``: the eager one, or its lazy twin for dask arrays.

    The spline method runs the eager engine on the spline's coefficients (:mod:`.spline`).
    """
    if checks.is_dask(array):
        # Imported here: dask is loaded only by those who pass dask arrays.
        from . import lazy

        return lazy.differentiate
    return spline.differentiate if method == "spline" else engine.differentiate


def prepare(
    image: da.Array | npt.ArrayLike,
    method: str,
    spacing: float | Sequence[float] | None,
    axes: int | Sequence[int] | None,
    sigma: object,
    mode: str,
    methods: Sequence[str] = METHODS,
) -> tuple[AnyArray | da.Array, tuple[int, ...], tuple[float, ...], float]:
    """Check every option; return the image (unread if lazy), its axes, spacing and sigma.

    ``method`` must be one of ``methods``; ``sigma`` is checked (and returned) only
    for the Gaussian, 0.0 otherwise. Masked pixels become NaN.
    """
    checks.choice(method, methods, "method")
    checks.choice(mode, BOUNDARY_MODES, "mode")
    array = checks.real_lazy_image(image) if checks.is_dask(image) else checks.real_image(image)
    if missing.is_masked(image):
        # np.asarray dropped the mask: start again from the masked array itself.
        array = missing.masked_as_nan(image, blockwork.work_dtype(array.dtype))
    normalised_axes = checks.axes(axes, array.shape)
    pixel_sizes = tuple(float(size) for size in checks.spacing(spacing, array.ndim))
    # Only the Gaussian has a sigma: the other methods never read it, whatever it is.
    width = (
        checks.sigma(sigma, array.shape, pixel_sizes, normalised_axes)
        if method == "gaussian"
        else 0.0
    )
    return array, normalised_axes, pixel_sizes, width


@overload
def gradient(
    image: da.Array,
    *,
    method: str = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    sigma: float = ...,
    mode: str = ...,
) -> tuple[da.Array, ...]: ...
@overload
def gradient(
    image: npt.ArrayLike,
    *,
    method: str = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    sigma: float = ...,
    mode: str = ...,
) -> tuple[Float32Array, ...]: ...


def gradient(
    image: da.Array | npt.ArrayLike,
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
) -> tuple[Result, ...]:
    """Return the partial derivatives of an image, in intensity per unit of spacing.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image of any dimension (numeric or bool; bool counts as 0/1). Integer
        images are converted to floating point before differencing, so they never
        wrap and are not rescaled: 8- and 16-bit and float32 images are filtered in
        float32, wider integers and float64 in float64 (so that large values keep
        their small differences). Never modified.
    method : {'central', 'sobel', 'scharr', 'prewitt', 'farid', 'gaussian', 'spline'}, optional
        ``'central'``: central differences inside and one-sided first-order
        differences at the border, as :func:`numpy.gradient` (exact on a ramp
        everywhere; ``mode`` does not apply). ``'sobel'``, ``'scharr'``,
        ``'prewitt'``, ``'farid'``: the classic operators with their gains removed.
        ``'gaussian'``: derivative of a Gaussian of standard deviation ``sigma``.
        ``'spline'``: derivative of the cubic B-spline interpolant at the pixel
        centres (its prefilter along the axes in ``axes`` only), exact on cubic
        polynomials away from the border; its prefilter reads 15 pixels along each
        axis (30 for float64 work), and a NaN pixel makes that box NaN (see
        :mod:`napari_derivatives._core.spline`).
    spacing : float or sequence of float, optional
        Pixel size, one number for every axis or one per axis of ``image``
        (``len(spacing) == image.ndim``), each finite and > 0. Default 1.
    axes : int or sequence of int, optional
        Axes to differentiate, negatives allowed, no repeats; each needs at
        least 2 samples. Default: every axis. Kernel operators smooth only along
        the other axes in ``axes``; axes left out are never mixed.
    sigma : float, optional
        Standard deviation of the Gaussian in the units of ``spacing`` (so
        ``sigma / spacing[i]`` pixels along axis ``i``), truncated at 4 sigma:
        ``2 * int(4 * sigma / spacing[i] + 0.5) + 1`` taps, which may be at most
        10 times the longest differentiated axis (a larger sigma raises an error
        that gives the largest one). Kernels longer than their axis are computed
        exactly, as the image extended by ``mode``. Only ``method='gaussian'``
        reads ``sigma``; the other methods ignore it.
    mode : str, optional
        How the kernel operators continue the image past its border, one of
        :data:`napari_derivatives.BOUNDARY_MODES`. ``'extrapolate'`` (default):
        the odd reflection about the border pixel, ``I[-k] = 2 I[0] - I[k]`` (as
        ``np.pad(mode="reflect", reflect_type="odd")``), continues a ramp, so on
        a ramp every method is exact up to the border. scipy's modes
        (:mod:`scipy.ndimage`) continue it with copies or zeros and are exact
        on a ramp only beyond the kernel's reach from the border (1 pixel for
        Sobel, Scharr and Prewitt, 2 for Farid, ``4 * sigma`` for the Gaussian):
        within it 'nearest', 'reflect' and 'grid-mirror' flatten the slope (a
        3x3 operator halves it on the border pixel), 'mirror' gives 0 on the
        border pixel, and zeros ('constant', 'grid-constant') and the wraps add
        a step as high as the border's values. Ignored by ``method='central'``,
        which is exact up to the border in any mode. For ``method='spline'``
        the spline is that of the image continued by ``mode`` (about 10 pixels
        of reach from the border for scipy's modes).

    Returns
    -------
    tuple of ndarray of float32, or of dask.array.Array
        One array of ``image.shape`` per entry of ``axes``, in that order: the
        derivative along that axis, in intensity per unit of ``spacing``. A NaN
        pixel affects only outputs within the operator's footprint. A dask
        ``image`` gives lazy dask arrays with its chunks and the same values,
        computed block by block (with a halo as deep as the kernel) when read
        (the spline's to float32 rounding, not bit for bit).

    Raises
    ------
    ValueError
        If ``method``, ``spacing``, ``axes``, ``mode`` or (for the Gaussian)
        ``sigma`` is invalid, or ``image`` is 0-d or complex. The message names
        the parameter.
    TypeError
        If ``image`` is not numeric (strings, objects).

    See Also
    --------
    gradient_magnitude, gradient_direction

    Examples
    --------
    A ramp rising by 3 per row and 2 per column, sampled every 0.5 units:

    >>> import numpy as np
    >>> rows, cols = np.mgrid[0:5, 0:6]
    >>> image = 3.0 * rows + 2.0 * cols
    >>> d_row, d_col = gradient(image, spacing=0.5)
    >>> print(d_row.dtype, float(d_row[2, 3]), float(d_col[2, 3]))
    float32 6.0 4.0
    >>> d_row, d_col = gradient(image, method="sobel", spacing=(0.5, 2.0))
    >>> print(round(float(d_row[2, 3]), 4), round(float(d_col[2, 3]), 4))
    6.0 1.0
    """
    array, axes, spacing, sigma = prepare(image, method, spacing, axes, sigma, mode)
    results = _engine_for(array, method)(
        array, axes, spacing, method, sigma, mode, wanted=axes, keep=axes
    )
    return tuple(results[axis] for axis in axes)


@overload
def gradient_magnitude(
    image: da.Array,
    *,
    method: str = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    sigma: float = ...,
    mode: str = ...,
) -> da.Array: ...
@overload
def gradient_magnitude(
    image: npt.ArrayLike,
    *,
    method: str = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    sigma: float = ...,
    mode: str = ...,
) -> Float32Array: ...


def gradient_magnitude(
    image: da.Array | npt.ArrayLike,
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
) -> Result:
    """Return the length of the gradient over the differentiated axes.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`gradient`.
    method, spacing, axes, sigma, mode
        As in :func:`gradient`.

    Returns
    -------
    ndarray of float32, or dask.array.Array, shape ``image.shape``
        Lazy for a dask ``image``, as :func:`gradient`.
        ``sqrt(sum_i (dI/dx_i)**2)`` over the axes in ``axes`` only, in intensity
        per unit of ``spacing``.

    Raises
    ------
    ValueError
        As :func:`gradient`.
    TypeError
        As :func:`gradient`.
    """
    array, axes, spacing, sigma = prepare(image, method, spacing, axes, sigma, mode)
    results = _engine_for(array, method)(
        array, axes, spacing, method, sigma, mode, wanted=axes, magnitude=True
    )
    return results["magnitude"]


@overload
def gradient_direction(
    image: da.Array,
    *,
    method: str = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    sigma: float = ...,
    mode: str = ...,
) -> da.Array: ...
@overload
def gradient_direction(
    image: npt.ArrayLike,
    *,
    method: str = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    sigma: float = ...,
    mode: str = ...,
) -> Float32Array: ...


def gradient_direction(
    image: da.Array | npt.ArrayLike,
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
) -> Result:
    """Return the direction of steepest ascent in the plane of the last two axes.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`gradient`.
    method, spacing, axes, sigma, mode
        As in :func:`gradient`. ``axes`` must hold at least two axes; the last
        two entries are the row and the column axis of the angle. Kernel
        operators still smooth along every axis in ``axes``.

    Returns
    -------
    ndarray of float32, or dask.array.Array, shape ``image.shape``
        Lazy for a dask ``image``, as :func:`gradient`.
        ``atan2(dI/d(row), dI/d(column))`` in radians, in ``(-pi, pi]``: 0 where
        intensity grows towards +column (right), ``+pi/2`` towards +row (down,
        in image display), ``pi`` towards -column (never ``-pi``), ``-pi/2``
        towards -row. Flat regions give 0; the angle uses physical units, so
        it accounts for anisotropic ``spacing``.

    Raises
    ------
    ValueError
        If fewer than two axes are differentiated (message names ``axes``), or
        as :func:`gradient`.
    TypeError
        As :func:`gradient`.
    """
    array, axes, spacing, sigma = prepare(image, method, spacing, axes, sigma, mode)
    if len(axes) < 2:
        raise ValueError(f"`axes` must hold at least two axes for a direction, got {axes}")
    results = _engine_for(array, method)(
        array, axes, spacing, method, sigma, mode, wanted=axes[-2:], direction=True
    )
    return results["direction"]


@overload
def gradient_outputs(
    image: da.Array,
    outputs: Sequence[str] = ...,
    *,
    method: str = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    sigma: float = ...,
    mode: str = ...,
    shared: bool = ...,
) -> dict[str, da.Array]: ...
@overload
def gradient_outputs(
    image: npt.ArrayLike,
    outputs: Sequence[str] = ...,
    *,
    method: str = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    sigma: float = ...,
    mode: str = ...,
    shared: bool = ...,
) -> dict[str, Float32Array]: ...


def gradient_outputs(
    image: da.Array | npt.ArrayLike,
    outputs: Sequence[str] = ("gx", "gy", "magnitude"),
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
    shared: bool = False,
) -> Mapping[str, Result]:  # a dict of one kind of array, as the overloads say
    """Return named gradient outputs, sharing the components between them.

    This is what the napari layers and batch runs use: each component is
    computed once, however many of the outputs need it.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`gradient`.
    outputs : sequence of str, optional
        Any of ``"gx"`` (derivative along the last axis, columns), ``"gy"``
        (second-to-last axis, rows), ``"gz"`` (third-to-last axis, planes),
        ``"magnitude"`` (over all differentiated axes) and ``"direction"`` (see
        :func:`gradient_direction`). A component's axis must be in ``axes``.
    method, spacing, axes, sigma, mode
        As in :func:`gradient`.
    shared : bool, optional
        For a dask ``image`` only. False (default): every output is its own graph
        that computes only what it needs, so reading one output (as napari shows
        a layer) never computes another. True: all outputs come from one graph
        whose blocks compute each component once, the cheaper way to compute or
        store them all together (``dask.array.store``), as batch runs do.

    Returns
    -------
    dict of str to ndarray of float32, or to dask.array.Array
        One array of ``image.shape`` per requested output, in the order requested,
        with the same values as :func:`gradient`, :func:`gradient_magnitude` and
        :func:`gradient_direction`; lazy for a dask ``image``.

    Raises
    ------
    ValueError
        If ``outputs`` is empty, repeats a name, names an unknown output or a
        component whose axis is not differentiated (the message names
        ``outputs``), or as :func:`gradient`.
    TypeError
        As :func:`gradient`.

    Examples
    --------
    >>> import numpy as np
    >>> rows, cols = np.mgrid[0:5, 0:6]
    >>> result = gradient_outputs(3.0 * rows + 4.0 * cols, ("gx", "magnitude"))
    >>> print(list(result), float(result["gx"][2, 2]), float(result["magnitude"][2, 2]))
    ['gx', 'magnitude'] 4.0 5.0
    """
    names = checks.distinct_choices(outputs, OUTPUTS, "outputs")
    array, axes, spacing, sigma = prepare(image, method, spacing, axes, sigma, mode)
    plan, axis_of = plan_outputs(names, array.ndim, axes)
    if shared and checks.is_dask(array):
        plan["shared"] = True
    computed = _engine_for(array, method)(array, axes, spacing, method, sigma, mode, **plan)
    return {name: computed[axis_of.get(name, name)] for name in names}
