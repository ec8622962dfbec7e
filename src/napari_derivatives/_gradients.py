"""Image gradients in physical units: operators, units and validation.

Every operator here is normalised so that it measures a derivative, not an edge
strength: on a linear ramp ``I = a*y + b*x + c`` every method returns exactly
``a`` and ``b`` (intensity per unit of ``spacing``) away from the border.

The kernel operators are separable. Along the differentiated axis they apply a
derivative kernel whose first moment is one (its response to a unit ramp is
one); along each of the *other differentiated* axes they apply a smoothing
kernel whose sum is one. Axes that are not differentiated are never touched, so
a ``(t, y, x)`` stack differentiated with ``axes=(1, 2)`` gives the same result
as each plane on its own.

Kernels are stored as correlation weights, the order in which
:func:`scipy.ndimage.correlate1d` applies them: weight ``k`` multiplies the
sample at offset ``k - len(kernel) // 2``. A derivative kernel therefore reads
``[-1/2, 0, 1/2]``, the textbook ``[1, 0, -1]`` convolution kernel reversed.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from scipy import ndimage as ndi

__all__ = [
    "METHODS",
    "gradient",
    "gradient_direction",
    "gradient_magnitude",
    "rgb_to_luminance",
]

METHODS = ("central", "sobel", "scharr", "prewitt", "farid", "gaussian")

#: Named outputs of :func:`gradient_outputs`: the derivatives along the last,
#: second-to-last and third-to-last axes, the magnitude and the direction.
OUTPUTS = ("gx", "gy", "gz", "magnitude", "direction")

# Component names of the last three axes, counted from the end: -1 is x.
_COMPONENT_NAMES = {-1: "gx", -2: "gy", -3: "gz"}

BOUNDARY_MODES = (
    "reflect",
    "constant",
    "nearest",
    "mirror",
    "wrap",
    "grid-constant",
    "grid-mirror",
    "grid-wrap",
)


def _unit_first_moment(weights: np.ndarray) -> np.ndarray:
    """Scale correlation weights so that their response to a unit ramp is one."""
    weights = np.asarray(weights, dtype=np.float64)
    offsets = np.arange(weights.size) - weights.size // 2
    return weights / np.dot(weights, offsets)


def _unit_sum(weights: np.ndarray) -> np.ndarray:
    """Scale weights so that they preserve a constant (and, if symmetric, a ramp)."""
    weights = np.asarray(weights, dtype=np.float64)
    return weights / weights.sum()


# Central difference (correlation order), shared by Sobel, Scharr and Prewitt.
DIFFERENCE_WEIGHTS = _unit_first_moment([-1.0, 0.0, 1.0])
SOBEL_SMOOTH = _unit_sum([1.0, 2.0, 1.0])
SCHARR_SMOOTH = _unit_sum([3.0, 10.0, 3.0])
PREWITT_SMOOTH = _unit_sum([1.0, 1.0, 1.0])

# Farid & Simoncelli (2004), Table 1, 5-tap pair, with the digits scikit-image uses.
# The published derivative is a convolution kernel; reversed here to correlation order.
# Renormalised: the prefilter sums to 1 + 2e-16 and the derivative's first moment
# is 0.9918, which would otherwise leave a 0.8 % gain in the results.
FARID_SMOOTH = _unit_sum(
    [
        0.0376593171958126,
        0.249153396177344,
        0.426374573253687,
        0.249153396177344,
        0.0376593171958126,
    ]
)
FARID_DERIVATIVE = _unit_first_moment(
    [-0.109603762960254, -0.276690988455557, 0.0, 0.276690988455557, 0.109603762960254]
)

# Gaussian kernels are sampled out to this many standard deviations.
GAUSSIAN_TRUNCATE = 4.0

# (derivative, smoothing) correlation weights of each fixed-size operator.
_SEPARABLE_KERNELS = {
    "sobel": (DIFFERENCE_WEIGHTS, SOBEL_SMOOTH),
    "scharr": (DIFFERENCE_WEIGHTS, SCHARR_SMOOTH),
    "prewitt": (DIFFERENCE_WEIGHTS, PREWITT_SMOOTH),
    "farid": (FARID_DERIVATIVE, FARID_SMOOTH),
}

# Luminance weights of Rec. 709, as in skimage.color.rgb2gray.
LUMINANCE_WEIGHTS = (0.2125, 0.7154, 0.0721)


def _gaussian_kernels(sigma_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the sampled derivative-of-Gaussian and Gaussian kernels.

    Parameters
    ----------
    sigma_px : float
        Standard deviation in pixels, > 0.

    Returns
    -------
    derivative, smooth : ndarray of float64, shape (2 * radius + 1,)
        Correlation weights; ``derivative`` has a first moment of one and
        ``smooth`` sums to one, with ``radius = max(1, int(4 * sigma_px + 0.5))``.
    """
    radius = max(1, int(GAUSSIAN_TRUNCATE * sigma_px + 0.5))
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    smooth = np.exp(-0.5 * (offsets / sigma_px) ** 2)
    # The derivative is scaled relative to the samples at +-1, not at 0, so that a
    # sigma far below one pixel does not underflow to 0/0: it tends to [-1/2, 0, 1/2].
    relative = np.exp(-0.5 * (np.maximum(offsets**2, 1.0) - 1.0) / sigma_px**2)
    return _unit_first_moment(offsets * relative), _unit_sum(smooth)


def _as_float_image(image: Any) -> np.ndarray:
    """Return ``image`` as a float32 array, copying only when the dtype differs."""
    array = np.asarray(image)
    kind = array.dtype.kind
    if kind == "c":
        raise ValueError(
            f"`image` must be real-valued, got a complex array ({array.dtype}); "
            "take its abs, real or imag part first"
        )
    if kind not in "biuf":
        raise TypeError(f"`image` must be a numeric array, got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError("`image` must have at least one axis, got a 0-d array")
    return np.asarray(array, dtype=np.float32)


def _normalise_axes(axes: int | Sequence[int] | None, shape: tuple[int, ...]) -> tuple[int, ...]:
    ndim = len(shape)
    if axes is None:
        normalised = tuple(range(ndim))
    else:
        if isinstance(axes, numbers.Integral):
            axes = (axes,)
        try:
            requested = [operator.index(axis) for axis in axes]
        except TypeError:
            raise ValueError(f"`axes` must be None or a sequence of ints, got {axes!r}") from None
        normalised = []
        for axis in requested:
            if not -ndim <= axis < ndim:
                raise ValueError(
                    f"`axes` entry {axis} is out of range for an image with {ndim} axes"
                )
            normalised.append(axis % ndim)
        normalised = tuple(normalised)
        if len(set(normalised)) != len(normalised):
            raise ValueError(f"`axes` must not repeat an axis, got {tuple(requested)}")
        if not normalised:
            raise ValueError("`axes` must name at least one axis")
    for axis in normalised:
        if shape[axis] < 2:
            raise ValueError(
                f"`axes` includes axis {axis}, which has {shape[axis]} sample(s); "
                "a derivative needs at least 2 (leave that axis out of `axes`)"
            )
    return normalised


def _normalise_spacing(spacing: float | Sequence[float] | None, ndim: int) -> tuple[float, ...]:
    if spacing is None:
        return (1.0,) * ndim
    try:
        values = np.asarray(spacing, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"`spacing` must be None, a number or one number per axis, got {spacing!r}"
        ) from None
    if values.ndim == 0:
        values = np.full(ndim, values)
    elif values.ndim != 1 or values.size != ndim:
        raise ValueError(
            f"`spacing` must be a number or have one entry per image axis ({ndim}), "
            f"got {spacing!r}"
        )
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise ValueError(f"`spacing` must be finite and > 0, got {spacing!r}")
    return tuple(float(value) for value in values)


def _check_options(method: str, sigma: float, mode: str) -> None:
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}, got {method!r}")
    if (
        isinstance(sigma, bool)
        or not isinstance(sigma, numbers.Real)
        or not math.isfinite(sigma)
        or sigma <= 0
    ):
        raise ValueError(f"`sigma` must be a finite number > 0, got {sigma!r}")
    if mode not in BOUNDARY_MODES:
        raise ValueError(f"`mode` must be one of {BOUNDARY_MODES}, got {mode!r}")


def _central_difference(source: np.ndarray, axis: int, step: float, out: np.ndarray) -> None:
    """Write the derivative along ``axis`` as :func:`numpy.gradient` does (edge_order=1)."""
    source = np.moveaxis(source, axis, 0)
    target = np.moveaxis(out, axis, 0)
    np.subtract(source[2:], source[:-2], out=target[1:-1])
    target[1:-1] *= np.float32(0.5 / step)
    # Slices, not indices, so that a 1-D image still gives arrays to write into.
    np.subtract(source[1:2], source[:1], out=target[:1])
    np.subtract(source[-1:], source[-2:-1], out=target[-1:])
    target[:1] *= np.float32(1.0 / step)
    target[-1:] *= np.float32(1.0 / step)


# Up to this many taps, a pass along an axis other than the last is faster as an N-d
# correlation with a (..., k, ..., 1) kernel: correlate1d gathers each strided line into
# a buffer. On a 4096 x 4096 float32 image, along axis 0: 3 taps 0.25 s -> 0.075 s,
# 11 taps 0.29 s -> 0.17 s, 13 taps about even, longer kernels worse. Results are equal.
_STRIDED_PASS_MAX_TAPS = 11


def _correlate_along(
    source: np.ndarray, weights: np.ndarray, axis: int, mode: str, out: np.ndarray
) -> None:
    """Correlate ``source`` with 1-D ``weights`` along ``axis`` into ``out``."""
    if axis == source.ndim - 1 or weights.size > _STRIDED_PASS_MAX_TAPS:
        ndi.correlate1d(source, weights, axis=axis, output=out, mode=mode)
    else:
        shape = [1] * source.ndim
        shape[axis] = weights.size
        ndi.correlate(source, weights.reshape(shape), output=out, mode=mode)


def _separable_filter(
    source: np.ndarray,
    passes: list[tuple[int, np.ndarray]],
    mode: str,
    out: np.ndarray,
    scratch: np.ndarray | None,
) -> np.ndarray | None:
    """Apply 1-D correlations in turn, ending in ``out``; never filter in place.

    Returns the scratch buffer (allocated on first need) so callers can reuse it.
    """
    current = source
    for index, (axis, weights) in enumerate(passes):
        if (len(passes) - 1 - index) % 2 == 0:
            target = out
        else:
            if scratch is None:
                scratch = np.empty_like(out)
            target = scratch
        _correlate_along(current, weights, axis, mode, target)
        current = target
    return scratch


def _iter_components(
    source: np.ndarray,
    wanted: tuple[int, ...],
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
    mode: str,
    reuse: np.ndarray | None = None,
) -> Iterator[np.ndarray]:
    """Yield the derivative along each axis of ``wanted``, smoothing along ``axes``.

    With ``reuse`` given, every component is written into that buffer (the caller
    must consume it before asking for the next one); otherwise each is fresh.
    """
    scratch = None
    for axis in wanted:
        out = np.empty_like(source) if reuse is None else reuse
        if method == "central":
            _central_difference(source, axis, spacing[axis], out)
            yield out
            continue
        if method == "gaussian":
            kernels = {other: _gaussian_kernels(sigma / spacing[other]) for other in axes}
        else:
            kernels = dict.fromkeys(axes, _SEPARABLE_KERNELS[method])
        # Folding 1/spacing into the derivative weights saves a pass over the image.
        passes = [(axis, kernels[axis][0] / spacing[axis])]
        passes += [(other, kernels[other][1]) for other in axes if other != axis]
        scratch = _separable_filter(source, passes, mode, out, scratch)
        yield out


def _prepare(image, method, spacing, axes, sigma, mode):
    _check_options(method, sigma, mode)
    source = _as_float_image(image)
    axes = _normalise_axes(axes, source.shape)
    spacing = _normalise_spacing(spacing, source.ndim)
    return source, axes, spacing


def gradient(
    image: Any,
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = "nearest",
) -> tuple[np.ndarray, ...]:
    """Return the partial derivatives of an image, in intensity per unit of spacing.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image of any dimension (numeric or bool; bool counts as 0/1). Integer
        images are converted to float32 before differencing, so they never wrap
        and are not rescaled. Never modified.
    method : {'central', 'sobel', 'scharr', 'prewitt', 'farid', 'gaussian'}, optional
        ``'central'``: central differences inside and one-sided first-order
        differences at the border, as :func:`numpy.gradient` (exact on a ramp
        everywhere; ``mode`` does not apply). ``'sobel'``, ``'scharr'``,
        ``'prewitt'``, ``'farid'``: the classic operators with their gains removed.
        ``'gaussian'``: derivative of a Gaussian of standard deviation ``sigma``.
    spacing : float or sequence of float, optional
        Pixel size, one number for every axis or one per axis of ``image``
        (``len(spacing) == image.ndim``), each finite and > 0. Default 1.
    axes : int or sequence of int, optional
        Axes to differentiate, negatives allowed, no repeats; each needs at
        least 2 samples. Default: every axis. Kernel operators smooth only along
        the other axes in ``axes``; axes left out are never mixed.
    sigma : float, optional
        Standard deviation of the Gaussian in the units of ``spacing`` (so
        ``sigma / spacing[i]`` pixels along axis ``i``), truncated at 4 sigma.
        Used only by ``method='gaussian'`` but always checked to be > 0.
    mode : str, optional
        Border handling of the kernel operators, as in :mod:`scipy.ndimage`:
        'reflect', 'constant', 'nearest', 'mirror', 'wrap', 'grid-constant',
        'grid-mirror' or 'grid-wrap'. Ignored by ``method='central'``.

    Returns
    -------
    tuple of ndarray of float32
        One array of ``image.shape`` per entry of ``axes``, in that order: the
        derivative along that axis, in intensity per unit of ``spacing``. A NaN
        pixel affects only outputs within the operator's footprint.

    Raises
    ------
    ValueError
        If ``method``, ``spacing``, ``axes``, ``sigma`` or ``mode`` is invalid, or
        ``image`` is 0-d or complex. The message names the parameter.
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
    source, axes, spacing = _prepare(image, method, spacing, axes, sigma, mode)
    return tuple(_iter_components(source, axes, axes, spacing, method, sigma, mode))


def gradient_magnitude(
    image: Any,
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = "nearest",
) -> np.ndarray:
    """Return the length of the gradient over the differentiated axes.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`gradient`.
    method, spacing, axes, sigma, mode
        As in :func:`gradient`.

    Returns
    -------
    ndarray of float32, shape ``image.shape``
        ``sqrt(sum_i (dI/dx_i)**2)`` over the axes in ``axes`` only, in intensity
        per unit of ``spacing``.

    Raises
    ------
    ValueError
        As :func:`gradient`.
    TypeError
        As :func:`gradient`.
    """
    source, axes, spacing = _prepare(image, method, spacing, axes, sigma, mode)
    magnitude = next(_iter_components(source, axes[:1], axes, spacing, method, sigma, mode))
    np.multiply(magnitude, magnitude, out=magnitude)
    buffer = np.empty_like(magnitude) if len(axes) > 1 else None
    components = _iter_components(source, axes[1:], axes, spacing, method, sigma, mode, buffer)
    for component in components:
        np.multiply(component, component, out=component)
        magnitude += component
    return np.sqrt(magnitude, out=magnitude)


def gradient_direction(
    image: Any,
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = "nearest",
) -> np.ndarray:
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
    ndarray of float32, shape ``image.shape``
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
    source, axes, spacing = _prepare(image, method, spacing, axes, sigma, mode)
    if len(axes) < 2:
        raise ValueError(f"`axes` must hold at least two axes for a direction, got {axes}")
    d_row, d_col = _iter_components(source, axes[-2:], axes, spacing, method, sigma, mode)
    return _direction(d_row, d_col, out=d_row)


def _direction(d_row: np.ndarray, d_col: np.ndarray, out: np.ndarray) -> np.ndarray:
    direction = np.arctan2(d_row, d_col, out=out)
    # atan2(-0.0, x < 0) is -pi, and float32 rounding can reach it too: fold it onto +pi.
    half_turn = np.float32(np.pi)
    np.copyto(direction, half_turn, where=direction <= -half_turn)
    return direction


def gradient_outputs(
    image: Any,
    outputs: Sequence[str] = ("gx", "gy", "magnitude"),
    *,
    method: str = "central",
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = "nearest",
) -> dict[str, np.ndarray]:
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

    Returns
    -------
    dict of str to ndarray of float32
        One array of ``image.shape`` per requested output, in the order requested,
        with the same values as :func:`gradient`, :func:`gradient_magnitude` and
        :func:`gradient_direction`.

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
    if isinstance(outputs, str):
        outputs = (outputs,)
    outputs = tuple(outputs)
    unknown = [name for name in outputs if name not in OUTPUTS]
    if not outputs or unknown or len(set(outputs)) != len(outputs):
        raise ValueError(f"`outputs` must be distinct names among {OUTPUTS}, got {outputs}")
    source, axes, spacing = _prepare(image, method, spacing, axes, sigma, mode)
    names = {axis: _COMPONENT_NAMES.get(axis - source.ndim) for axis in axes}
    missing = [name for name in outputs if name.startswith("g") and name not in names.values()]
    if missing:
        raise ValueError(
            f"`outputs` asks for {missing}, whose axes are not differentiated "
            f"(axes={axes} of a {source.ndim}-d image)"
        )
    if "direction" in outputs and len(axes) < 2:
        raise ValueError(f"`outputs`: a direction needs at least two axes, got axes={axes}")
    wanted = [axis for axis in axes if names[axis] in outputs]
    if "magnitude" in outputs:
        wanted = list(axes)
    elif "direction" in outputs:
        wanted = sorted({*wanted, *axes[-2:]})
    components = dict(
        zip(
            wanted,
            _iter_components(source, tuple(wanted), axes, spacing, method, sigma, mode),
            strict=True,
        )
    )
    results = {}
    for name in outputs:
        if name == "magnitude":
            magnitude = np.zeros_like(source)
            for component in components.values():
                magnitude += component * component
            results[name] = np.sqrt(magnitude, out=magnitude)
        elif name == "direction":
            d_row, d_col = components[axes[-2]], components[axes[-1]]
            results[name] = _direction(d_row, d_col, out=np.empty_like(source))
        else:
            results[name] = next(c for axis, c in components.items() if names[axis] == name)
    return results


def rgb_to_luminance(image: Any) -> np.ndarray:
    """Return the Rec. 709 luminance of an RGB or RGBA image.

    Parameters
    ----------
    image : array_like, shape (..., 3) or (..., 4)
        Real RGB(A) image; the alpha channel is ignored. Integers are not
        rescaled: a uint8 image gives luminance in 0-255.

    Returns
    -------
    ndarray of float32, shape ``image.shape[:-1]``
        ``0.2125 R + 0.7154 G + 0.0721 B``, the weights of
        :func:`skimage.color.rgb2gray`.

    Raises
    ------
    ValueError
        If the last axis of ``image`` does not have 3 or 4 channels, or ``image``
        is complex.
    TypeError
        If ``image`` is not numeric.
    """
    array = np.asarray(image)
    if array.dtype.kind == "c":
        raise ValueError(f"`image` must be real-valued, got a complex array ({array.dtype})")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"`image` must be a numeric array, got dtype {array.dtype}")
    if array.ndim == 0 or array.shape[-1] not in (3, 4):
        raise ValueError(
            f"`image` must have 3 (RGB) or 4 (RGBA) channels on its last axis, "
            f"got shape {array.shape}"
        )
    weights = [np.float32(weight) for weight in LUMINANCE_WEIGHTS]
    luminance = np.multiply(array[..., 0], weights[0], dtype=np.float32)
    channel = np.empty_like(luminance)
    for index in (1, 2):
        np.multiply(array[..., index], weights[index], out=channel, dtype=np.float32)
        luminance += channel
    return luminance
