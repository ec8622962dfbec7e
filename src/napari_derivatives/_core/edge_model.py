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
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize, special

from .arraytypes import Float64Array

# Below these fractions of the fit window, a width or a blur is zero for the model
# (a ramp and an erf are its two ends); the floors keep R defined.
_FLOOR = 1e-4

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)


def _cdf(t: Float64Array) -> Float64Array:
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


def fit(
    x: Float64Array, values: Float64Array, middle: float, guess: float, sign: float
) -> Float64Array | None:
    """Fit ``a + b R(x - x0; w, s)`` to the samples across one edge.

    ``a`` and ``b`` enter linearly and are solved for at every step (variable
    projection); the Levenberg-Marquardt search runs over ``x0``, ``w`` and ``s``.

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

    Returns
    -------
    numpy.ndarray of float64 or None
        ``(x0, w, s)``, or None when the fit fails, its middle leaves the samples or
        its step has the wrong sign (or none).
    """
    span = float(x[-1] - x[0])
    floor = _FLOOR * span

    def model(parameters: Float64Array) -> Float64Array:
        x0, width, blur = parameters
        return step(x - x0, abs(width) + floor, abs(blur) + floor)

    def linear_part(parameters: Float64Array) -> tuple[Float64Array, Float64Array]:
        shape = model(parameters)
        design = np.column_stack([np.ones_like(shape), shape])
        coefficients = np.linalg.lstsq(design, values, rcond=None)[0]
        return design, np.asarray(coefficients, dtype=np.float64)

    def residuals(parameters: Float64Array) -> Float64Array:
        design, coefficients = linear_part(parameters)
        error: Float64Array = design @ coefficients - values
        return error

    if x.size < 5:  # three parameters and the two of the linear part
        return None
    start = np.array([middle, guess / 2, guess / 2])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = optimize.least_squares(
                residuals, start, method="lm", x_scale=np.array([1.0, guess, guess])
            )
    except (ValueError, np.linalg.LinAlgError):
        return None
    x0, width, blur = result.x
    if not (result.success and np.all(np.isfinite(result.x)) and x[0] <= x0 <= x[-1]):
        return None
    height = linear_part(result.x)[1][1]
    scale = float(np.ptp(values))
    if not sign * height > 1e-9 * scale:
        return None
    return np.array([x0, abs(width) + floor, abs(blur) + floor])
