"""The width of an edge: a model of its intensity fitted to the samples across it.

The samples of a profile are blurred by the pipeline that made them: linear
interpolation between pixel centres (up to a sixth of a pixel squared of variance
on a line that does not run through them) and, for the derivative, central
differences (a box two samples wide: a third of a sample squared). A blurred step
of sigma 3 pixels would read about 2 % too wide from the samples alone, a sharp one
far more. So the widths are not read off the sampled curves: the intensity across
the edge is fitted by a model that holds both a sharp ramp and a Gaussian blur,

    I(x) = a + b * R(x - x0),   R = (a ramp of width w) convolved with N(0, s^2),

evaluated at the sample distances themselves (no derivative is fitted, so central
differences add nothing), and the widths are those of the fitted model: ``rise``,
where ``R`` crosses 10 % and 90 %, and ``fwhm``, the full width at half maximum of
``R'``. An erf step of sigma ``s`` is ``w = 0``: FWHM ``2 sqrt(2 ln 2) s`` = 2.3548 s,
rise 2 x 1.2816 s = 2.5631 s; a straight ramp of width ``w`` is ``s = 0``: FWHM ``w``,
rise 0.8 w. Between the two, the model follows any blurred ramp.

The Gaussian soaks up a smooth blur well, but a narrow ramp's samples are not a
blurred ramp: the image holds the ramp at the pixel centres, and interpolating
between them cuts its corners by an amount that depends on where each sample falls
in its pixel cell (a 4-pixel ramp read 7.7 % too wide). So where the samples were
interpolated from pixel centres (:func:`footprint`: nearest or linear, one sample
across the line), the model is evaluated at those centres and interpolated with the
samples' own weights, which reproduces them exactly when the image is ``a + b R``
along a line normal to the edge. Ramps of 2 pixels or more are then measured within
a fraction of a percent at any angle. Below about 2 pixel spacings a ramp is not
resolved: only one or two pixel centres fall on it, which do not fix ``w`` and ``s``
apart (a 1-pixel ramp reads anywhere from 0.3 to 1 times its width), and the widths
reported there are not to be trusted.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np

from .arraytypes import Float64Array

# Below these fractions of the fit window, a width or a blur is zero for the model
# (a ramp and an erf are its two ends); the floors keep R defined.
_FLOOR = 1e-4

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)


def _cdf(t: Float64Array) -> Float64Array:
    from scipy import special  # on first use: scipy.special and optimize load slowly

    result: Float64Array = 0.5 * special.erfc(-t / _SQRT2)
    return result


def _ramp_integral(z: Float64Array, blur: float) -> Float64Array:
    """Return the integral of the blurred unit step up to ``z``: ``s (t Phi(t) + phi(t))``."""
    t = z / blur
    result: Float64Array = blur * (t * _cdf(t) + np.exp(-0.5 * t * t) / _SQRT2PI)
    return result


def step(x: Float64Array, width: float, blur: float) -> Float64Array:
    """Return the unit edge ``R``: 0 before, 1 after, a ramp of ``width`` blurred by ``blur``.

    Parameters
    ----------
    x : numpy.ndarray of float64
        Positions from the edge's middle.
    width, blur : float
        The ramp's width and the Gaussian's sigma, both > 0, in the units of ``x``.

    Returns
    -------
    numpy.ndarray of float64
        ``R(x)``, from 0 to 1, 0.5 at ``x = 0``.
    """
    half = width / 2
    rise: Float64Array = (_ramp_integral(x + half, blur) - _ramp_integral(x - half, blur)) / width
    return rise


def widths(width: float, blur: float) -> tuple[float, float]:
    """Return the 10-90 % rise and the FWHM of the derivative of the unit edge.

    Parameters
    ----------
    width, blur : float
        The ramp's width and the Gaussian's sigma, both > 0.

    Returns
    -------
    tuple of float
        ``(rise, fwhm)`` in the units of ``width`` and ``blur``.
    """
    from scipy import optimize

    half = width / 2
    reach = half + 10 * blur

    def above_90(x: float) -> float:
        return float(step(np.array([x]), width, blur)[0]) - 0.9

    # The edge is symmetric about its middle: each width is twice a half width.
    rise = 2 * optimize.brentq(above_90, 0.0, reach, xtol=1e-12 * reach)
    peak = 2 * float(_cdf(np.array([half / blur]))[0]) - 1

    def above_half_peak(x: float) -> float:
        ends = _cdf(np.array([(x + half) / blur, (x - half) / blur]))
        return float(ends[0] - ends[1]) - peak / 2

    fwhm = 2 * optimize.brentq(above_half_peak, 0.0, reach, xtol=1e-12 * reach)
    return rise, fwhm


def footprint(
    coords: Float64Array, spacing: object, settings: object
) -> tuple[Float64Array, Float64Array] | None:
    """Return the pixel centres each sample was interpolated from, as seen along the line.

    For ``order`` 0 or 1 and ``width`` 1, sample ``i`` is ``sum_k weights[i, k]
    image[p_ik]`` over the pixel centres ``p_ik`` around it (the nearest one, or the
    ``2**ndim`` corners of its cell); ``offsets[i, k]`` is the physical distance of
    ``p_ik`` from the sample along the line's local direction. Assuming the line
    crosses the edge at a right angle (the image varies along the line only), the
    sample of an edge ``I`` is then ``sum_k weights[i, k] I(x_i + offsets[i, k])``
    exactly. None for other settings (cubic splines, widths > 1): the model is then
    fitted at the sample distances alone.
    """
    if not isinstance(settings, Mapping) or settings.get("width") != 1:
        return None
    order = settings.get("order")
    size, ndim = coords.shape
    if order not in (0, 1) or size < 2:
        return None
    matrix = np.asarray(spacing, dtype=np.float64)
    matrix = np.diag(matrix) if matrix.ndim == 1 else matrix
    if matrix.shape != (ndim, ndim):
        # Coordinates in more axes than the pixel size describes (a plane's profile
        # placed back in its stack): where the samples came from is not known here.
        return None
    direction = np.gradient(coords, axis=0) @ matrix.T  # physical, per sample
    length = np.linalg.norm(direction, axis=1, keepdims=True)
    direction = direction / np.where(length > 0, length, 1.0)
    if order == 0:
        corners = np.rint(coords)[:, None, :]
        weights = np.ones((size, 1))
    else:
        cube = np.array(np.meshgrid(*[[0.0, 1.0]] * ndim, indexing="ij")).reshape(ndim, -1).T
        corners = np.floor(coords)[:, None, :] + cube[None]
        weights = np.prod(1.0 - np.abs(corners - coords[:, None, :]), axis=2)
    offsets = np.einsum("ikd,id->ik", (corners - coords[:, None, :]) @ matrix.T, direction)
    return offsets, weights


def fit(
    x: Float64Array,
    values: Float64Array,
    middle: float,
    guess: float,
    sign: float,
    pixels: tuple[Float64Array, Float64Array] | None = None,
) -> Float64Array | None:
    """Fit ``a + b R(x - x0; w, s)`` to the samples across one edge.

    ``a`` and ``b`` enter linearly and are solved for at every step (variable
    projection); the Levenberg-Marquardt search runs over ``x0``, ``w`` and ``s``.
    With ``pixels`` (the rows of :func:`footprint` for these samples) the model is
    evaluated at the pixel centres and interpolated as the samples were, so the
    corners that interpolation cuts off a sharp ramp are not read as blur.

    Parameters
    ----------
    x, values : numpy.ndarray of float64
        Distances and intensities of the samples across the edge, all finite.
    middle : float
        A first guess of the edge's middle (the peak of the derivative).
    guess : float
        A first guess of its width (> 0), in the units of ``x``.
    sign : float
        1 for a rising edge, -1 for a falling one: the step ``b`` must have it.
    pixels : tuple of numpy.ndarray of float64, optional
        ``(offsets, weights)``, each (len(x), K), or None.

    Returns
    -------
    numpy.ndarray of float64 or None
        ``(x0, w, s)``, or None when the fit fails, its middle leaves the samples or
        its step has the wrong sign (or none).
    """
    from scipy import optimize

    span = float(x[-1] - x[0])
    floor = _FLOOR * span

    def model(parameters: Float64Array) -> Float64Array:
        x0, width, blur = parameters
        if pixels is None:
            return step(x - x0, abs(width) + floor, abs(blur) + floor)
        offsets, weights = pixels
        shape = step((x - x0)[:, None] + offsets, abs(width) + floor, abs(blur) + floor)
        result: Float64Array = np.sum(weights * shape, axis=1)
        return result

    mean = float(np.mean(values))

    def linear_part(parameters: Float64Array) -> tuple[Float64Array, float, float]:
        # The least-squares line through (shape, values), in closed form.
        shape = model(parameters)
        level = float(np.mean(shape))
        centred = shape - level
        spread = float(centred @ centred)
        height = float(centred @ values) / spread if spread > 0 else 0.0
        return shape, mean - height * level, height

    def residuals(parameters: Float64Array) -> Float64Array:
        shape, intercept, height = linear_part(parameters)
        error: Float64Array = intercept + height * shape - values
        return error

    if x.size < 5:  # three parameters and the two of the linear part
        return None
    start = np.array([middle, guess / 2, guess / 2])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = optimize.least_squares(
                residuals,
                start,
                method="lm",
                x_scale=np.array([1.0, guess, guess]),
                xtol=1e-6,
                ftol=1e-6,
            )
    except (ValueError, np.linalg.LinAlgError):
        return None
    x0, width, blur = result.x
    if not (result.success and np.all(np.isfinite(result.x)) and x[0] <= x0 <= x[-1]):
        return None
    height = linear_part(result.x)[2]
    scale = float(np.ptp(values))
    if not sign * height > 1e-9 * scale:
        return None
    return np.array([x0, abs(width) + floor, abs(blur) + floor])
