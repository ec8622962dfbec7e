"""Derivative and smoothing kernels, normalised so that they measure derivatives.

Every operator is separable. Along the differentiated axis it applies a derivative
kernel whose first moment is one (its response to a unit ramp is one); along each of
the *other differentiated* axes a smoothing kernel whose sum is one. Axes that are not
differentiated are never touched, so a ``(t, y, x)`` stack differentiated with
``axes=(1, 2)`` gives the same result as each plane on its own.

Kernels are stored as correlation weights, the order in which
:func:`scipy.ndimage.correlate1d` applies them: weight ``k`` multiplies the sample at
offset ``k - len(kernel) // 2``. A derivative kernel therefore reads ``[-1/2, 0, 1/2]``,
the textbook ``[1, 0, -1]`` convolution kernel reversed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

#: Correlation weights, float64.
Weights = npt.NDArray[np.float64]


def _unit_first_moment(weights: Sequence[float] | Weights) -> Weights:
    """Scale correlation weights so that their response to a unit ramp is one."""
    weights = np.asarray(weights, dtype=np.float64)
    offsets = np.arange(weights.size) - weights.size // 2
    # np.dot is typed to return Any: the quotient is float64 weights all the same.
    scaled: Weights = weights / np.dot(weights, offsets)
    return scaled


def _unit_sum(weights: Sequence[float] | Weights) -> Weights:
    """Scale weights so that they preserve a constant (and, if symmetric, a ramp)."""
    weights = np.asarray(weights, dtype=np.float64)
    scaled: Weights = weights / weights.sum()
    return scaled


# Central difference (correlation order), shared by Sobel, Scharr and Prewitt.
DIFFERENCE_WEIGHTS = _unit_first_moment([-1.0, 0.0, 1.0])
SOBEL_SMOOTH = _unit_sum([1.0, 2.0, 1.0])
SCHARR_SMOOTH = _unit_sum([3.0, 10.0, 3.0])
PREWITT_SMOOTH = _unit_sum([1.0, 1.0, 1.0])

# The cubic B-spline at the integers, (1, 4, 1) / 6: the spline's value at a pixel centre
# from its coefficients (the spline method, see .spline).
SPLINE_SMOOTH = _unit_sum([1.0, 4.0, 1.0])

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

# The widest Gaussian kernel, in taps per sample of the image's longest differentiated
# axis (see max_sigma).
MAX_KERNEL_RATIO = 10

# (derivative, smoothing) correlation weights of each fixed-size operator.
_SEPARABLE_KERNELS = {
    "sobel": (DIFFERENCE_WEIGHTS, SOBEL_SMOOTH),
    "scharr": (DIFFERENCE_WEIGHTS, SCHARR_SMOOTH),
    "prewitt": (DIFFERENCE_WEIGHTS, PREWITT_SMOOTH),
    "farid": (FARID_DERIVATIVE, FARID_SMOOTH),
    # Run on the spline's coefficients, not on the image (see .spline).
    "spline": (DIFFERENCE_WEIGHTS, SPLINE_SMOOTH),
}


def gaussian_radius(sigma_px: float) -> int:
    """Return how far the Gaussian kernels of ``sigma_px`` pixels reach, in pixels.

    ``max(1, int(4 * sigma_px + 0.5))``: the kernels have ``2 * radius + 1`` taps.
    """
    return max(1, int(GAUSSIAN_TRUNCATE * sigma_px + 0.5))


def max_sigma(
    shape: Sequence[int],
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
) -> float:
    """Return the largest ``sigma`` of the Gaussian method for an image and its spacing.

    The Gaussian kernels along every differentiated axis may have at most
    :data:`MAX_KERNEL_RATIO` (10) times as many taps as the longest differentiated axis
    has samples: wider ones would weigh every pixel alike, and their weights alone
    would not fit in memory for a large enough sigma. The gradient functions refuse a
    larger ``sigma`` (naming it), and the gradient widget limits its sigma box to this.

    Parameters
    ----------
    shape : sequence of int
        Shape of the image.
    spacing : float or sequence of float, optional
        Pixel size as :func:`napari_derivatives.gradient` takes it (each > 0); default 1.
    axes : int or sequence of int, optional
        Differentiated axes, negatives allowed; default every axis.

    Returns
    -------
    float
        The largest ``sigma``, in the units of ``spacing``, whose kernels
        (``2 * gaussian_radius(sigma / spacing[k]) + 1`` taps along axis ``k``) fit.
    """
    ndim = len(shape)
    if axes is None:
        chosen = tuple(range(ndim))
    else:
        chosen = tuple(axis % ndim for axis in ((axes,) if isinstance(axes, int) else axes))
    steps = np.broadcast_to(np.asarray(1.0 if spacing is None else spacing, float), (ndim,))
    longest = max(shape[axis] for axis in chosen)
    finest = float(min(steps[axis] for axis in chosen))
    radius = (MAX_KERNEL_RATIO * longest - 1) // 2
    # radius(sigma) <= radius  <=>  4 sigma / finest + 0.5 < radius + 1, up to rounding.
    sigma = (radius + 0.5) * finest / GAUSSIAN_TRUNCATE
    while sigma > 0 and gaussian_radius(sigma / finest) > radius:
        sigma = float(np.nextafter(sigma, 0.0))
    while gaussian_radius(float(np.nextafter(sigma, np.inf)) / finest) <= radius:
        sigma = float(np.nextafter(sigma, np.inf))
    return sigma


def _gaussian_kernels(sigma_px: float) -> tuple[Weights, Weights]:
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
    radius = gaussian_radius(sigma_px)
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    smooth = np.exp(-0.5 * (offsets / sigma_px) ** 2)
    # The derivative is scaled relative to the samples at +-1, not at 0, so that a
    # sigma far below one pixel does not underflow to 0/0: it tends to [-1/2, 0, 1/2].
    relative = np.exp(-0.5 * (np.maximum(offsets**2, 1.0) - 1.0) / sigma_px**2)
    return _unit_first_moment(offsets * relative), _unit_sum(smooth)


def kernel_symmetry(weights: Weights) -> int:
    """Return 1 for a symmetric kernel, -1 for an antisymmetric one, else 0."""
    if np.array_equal(weights, weights[::-1]):
        return 1
    return -1 if np.array_equal(weights, -weights[::-1]) else 0


def passes(
    axis: int,
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
) -> list[tuple[int, Weights]]:
    """Return the ``(axis, weights)`` passes of the derivative along ``axis``, by axis.

    The first axis comes first: it is the one cut into blocks, and its pass consumes
    the blocks' halo rows before any other pass has to process them.
    """
    if method == "central":
        return [(axis, DIFFERENCE_WEIGHTS / spacing[axis])]
    if method == "gaussian":
        kernels = {other: _gaussian_kernels(sigma / spacing[other]) for other in axes}
    else:
        kernels = dict.fromkeys(axes, _SEPARABLE_KERNELS[method])
    # Folding 1/spacing into the derivative weights saves a pass over the image.
    return [
        (other, kernels[other][0] / spacing[other] if other == axis else kernels[other][1])
        for other in sorted(axes)
    ]


def halo_depth(
    ndim: int,
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
    wanted: Sequence[int],
) -> tuple[int, ...]:
    """Return how far, in pixels along each axis, the derivatives along ``wanted`` reach.

    Parameters
    ----------
    ndim : int
        Number of axes of the image.
    axes, spacing, method, sigma
        Normalised options, as :func:`napari_derivatives.gradient` takes them.
    wanted : sequence of int
        Axes whose derivative is computed.

    Returns
    -------
    tuple of int
        The kernel radius along every axis, from :func:`passes`: 0 on axes that are
        not differentiated.
    """
    depth = [0] * ndim
    for axis in wanted:
        for other, weights in passes(axis, axes, spacing, method, sigma):
            depth[other] = max(depth[other], weights.size // 2)
    return tuple(depth)


# Second derivative by finite differences (correlation order, symmetric).
SECOND_DIFFERENCE_WEIGHTS = np.array([1.0, -2.0, 1.0])

#: The highest total derivative order of the Gaussian, and per axis of central differences.
MAX_GAUSSIAN_ORDER = 4
MAX_CENTRAL_ORDER = 2


def _gaussian_order_radius(sigma_px: float, order: int) -> int:
    """Return the radius of the order-``order`` Gaussian kernel: at least ``(order + 1) // 2``.

    Orders 0 and 1 reach :func:`gaussian_radius`; orders 3 and 4 at least 2 taps each
    side, so that their moment conditions can hold at any sigma.
    """
    return max(gaussian_radius(sigma_px), (order + 1) // 2)


def gaussian_kernel(sigma_px: float, order: int) -> Weights:
    """Return the order-``order`` derivative-of-Gaussian correlation weights, float64.

    The kernel is a polynomial of the parity of ``order`` times the sampled Gaussian,
    with the polynomial chosen so that the moments are exact: applied to
    ``x**m / m!`` it gives 1 for ``m == order`` and 0 for every ``m < order``, so it
    returns the order-``order`` derivative of any polynomial of degree ``order``
    exactly (and of degree ``order + 1``, by parity). Orders 0 and 1 are the kernels
    of the gradients (unit sum, unit first moment). Below a quarter of the smallest
    radius, ``(order + 1) // 2`` pixels, the Gaussian is widened to that (its tails
    would underflow); the moments still hold, and the kernel tends to the finite
    difference ([1, -2, 1] for order 2, [1, -4, 6, -4, 1] for order 4).

    Parameters
    ----------
    sigma_px : float
        Standard deviation in pixels, > 0.
    order : int
        0 to :data:`MAX_GAUSSIAN_ORDER`.
    """
    smooth_weights, derivative_weights = _gaussian_kernels(sigma_px)[::-1]
    if order == 0:
        return smooth_weights
    if order == 1:
        return derivative_weights
    radius = _gaussian_order_radius(sigma_px, order)
    # Offsets in units of the Gaussian's width keep the moment equations well scaled.
    width = max(sigma_px, (order + 1) // 2 / 4.0)
    scaled = np.arange(-radius, radius + 1, dtype=np.float64) / width
    powers = np.arange(order % 2, order + 1, 2)
    monomials = scaled[np.newaxis, :] ** powers[:, np.newaxis]
    basis = np.exp(-0.5 * scaled**2) * monomials
    factorials = np.array([math.factorial(int(power)) for power in powers], dtype=np.float64)
    moments = (monomials / factorials[:, np.newaxis]) @ basis.T
    target = (powers == order).astype(np.float64) / width**order
    weights: Weights = np.linalg.solve(moments, target) @ basis
    # Exactly (anti)symmetric, so that the engine pairs its taps.
    parity = -1.0 if order % 2 else 1.0
    symmetric: Weights = 0.5 * (weights + parity * weights[::-1])
    return symmetric


def order_passes(
    order: Sequence[int],
    axes: tuple[int, ...],
    spacing: tuple[float, ...],
    method: str,
    sigma: float,
) -> list[tuple[int, Weights]]:
    """Return the ``(axis, weights)`` passes of the derivative of ``order`` (one per axis).

    ``method`` is 'gaussian' (a kernel of ``order[axis]`` along every axis in ``axes``,
    in axis order) or 'central' (a pass only along the axes differentiated:
    :data:`DIFFERENCE_WEIGHTS` for order 1, :data:`SECOND_DIFFERENCE_WEIGHTS` for order
    2). Weights are in physical units: divided by ``spacing[axis] ** order[axis]``.
    """
    if method == "central":
        by_order = {1: DIFFERENCE_WEIGHTS, 2: SECOND_DIFFERENCE_WEIGHTS}
        return [
            (axis, by_order[order[axis]] / spacing[axis] ** order[axis])
            for axis in sorted(axes)
            if order[axis]
        ]
    return [
        (axis, gaussian_kernel(sigma / spacing[axis], order[axis]) / spacing[axis] ** order[axis])
        for axis in sorted(axes)
    ]
