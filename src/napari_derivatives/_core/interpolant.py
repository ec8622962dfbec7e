"""The derivative along a path of the interpolating function itself, at each sample.

:func:`.profiles.line_profile` with ``derivative_of="interpolant"``. The interpolant
is the function the samples' values come from (``scipy.ndimage.map_coordinates`` of
order 1 or 3 with the profile's mode), and its partial derivatives are computed from
values of that same function, so they follow its border modes and read the same
chunks as the values do:

- Order 1 (multilinear): along axis ``a`` the interpolant is linear between two pixel
  centres ``k`` and ``k + 1``, so ``df/dx_a = f(.., k + 1, ..) - f(.., k, ..)``, the
  other coordinates kept. On a cell boundary (``x_a`` a whole number) the one-sided
  derivatives differ: the mean of the two is ``(f(x_a + 1) - f(x_a - 1)) / 2``. Across
  the other axes ``df/dx_a`` is continuous, so no other choice arises.
- Order 3 (cubic B-spline, C2): along axis ``a`` the spline is one cubic polynomial
  between ``k`` and ``k + 1``; its values at ``k``, ``k + 1/3``, ``k + 2/3`` and ``k + 1``
  give that cubic, which is differentiated at ``x_a`` exactly (Lagrange weights).

The gradient, in intensity per pixel along each axis, is dotted with the path's
direction per pixel of the sample's segment, and divided by that direction's physical
length: intensity per physical unit along the path, whatever ``step``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .arraytypes import Float64Array, IndexArray
from .paths import LineSamples

#: Reads the interpolant at points of shape (ndim, M, width): values of shape (M, width).
Sampler = Callable[[Float64Array], Float64Array]

# The nodes of the cubic piece, as a fraction of the pixel.
_NODES = np.array([0.0, 1.0, 2.0, 3.0]) / 3.0


def _lagrange_slopes(t: Float64Array) -> Float64Array:
    """Weights of the values at ``_NODES`` that give the cubic's derivative at ``t``.

    ``t`` of any shape; the result has one more trailing axis of 4 weights.
    """
    weights = []
    for j, node in enumerate(_NODES):
        others = [other for i, other in enumerate(_NODES) if i != j]
        denominator = np.prod([node - other for other in others])
        # d/dt prod_i (t - o_i) = sum_i prod_{k != i} (t - o_k)
        slope = sum(
            np.prod([t - other for k, other in enumerate(others) if k != i], axis=0)
            for i in range(3)
        )
        weights.append(slope / denominator)
    return np.stack(weights, axis=-1)


def _sample_with_partials(
    sample: Sampler, points: Float64Array, order: int
) -> tuple[Float64Array, Float64Array]:
    """Return the interpolant's values and its derivative along every axis at ``points``.

    Parameters
    ----------
    sample : callable
        The interpolant: values at points of shape (ndim, M, width). Called once, on
        the points and every node the derivatives need, so a chunked image is read once.
    points : ndarray of float64, shape (ndim, M, width)
        Where to sample and differentiate.
    order : {1, 3}
        The interpolation order ``sample`` uses.

    Returns
    -------
    values : ndarray of float64, shape (M, width)
    gradient : ndarray of float64, shape (ndim, M, width)
        ``df/dx_a`` in intensity per pixel along each axis ``a``.
    """
    ndim, _, width = points.shape
    moved = [points]
    spans = []
    for axis in range(ndim):
        coordinate = points[axis]
        base = np.floor(coordinate)
        if order == 1:
            low = np.where(coordinate == base, coordinate - 1.0, base)
            spans.append(base + 1.0 - low)
            nodes = [low, base + 1.0]
        else:
            nodes = [base + node for node in _NODES]
        for node in nodes:
            shifted = points.copy()
            shifted[axis] = node
            moved.append(shifted)
    found = sample(np.concatenate(moved, axis=2))
    parts = [found[:, k * width : (k + 1) * width] for k in range(len(moved))]
    gradient = np.empty_like(points)
    per_axis = 2 if order == 1 else 4
    for axis in range(ndim):
        values = parts[1 + axis * per_axis : 1 + (axis + 1) * per_axis]
        if order == 1:
            gradient[axis] = (values[1] - values[0]) / spans[axis]
        else:
            weights = _lagrange_slopes(points[axis] - np.floor(points[axis]))
            gradient[axis] = sum(weights[..., j] * values[j] for j in range(4))
    return parts[0], gradient


def _along_path(
    gradient: Float64Array,
    vertices: Float64Array,
    segment: IndexArray,
    pixel_size: Float64Array,
) -> Float64Array:
    """Return the gradient (ndim, M, width) dotted with each sample's segment direction.

    The direction is the segment's step in pixels over its physical length, so the
    result is in intensity per physical unit along the path.
    """
    steps = np.diff(vertices, axis=0).take(segment, axis=0)  # (M, ndim), in pixels
    physical = steps @ pixel_size.T if pixel_size.ndim == 2 else steps * pixel_size
    length = np.sqrt(np.einsum("ij,ij->i", physical, physical))
    direction = steps / length[:, None]
    along: Float64Array = np.einsum("aiw,ia->iw", gradient, direction)
    return along


def _reduce_like(values: Float64Array, derivatives: Float64Array, how: str) -> Float64Array:
    """Reduce the derivatives across the width as ``how`` reduced the values.

    The derivative of a mean is the mean of the derivatives; of a maximum, minimum or
    median, the derivative at the sample it picks (for an even width's median, the mean
    at the two middle ones).
    """
    if how == "mean":
        mean: Float64Array = derivatives.mean(axis=1)
        return mean
    # NaN sorts last, as np.max and np.median would let it poison the result anyway.
    order = np.argsort(values, axis=1, kind="stable")
    ranked = np.take_along_axis(derivatives, order, axis=1)
    width = values.shape[1]
    if how == "min":
        picked: Float64Array = ranked[:, 0]
    elif how == "max":
        picked = ranked[:, width - 1]
    else:
        picked = 0.5 * (ranked[:, (width - 1) // 2] + ranked[:, width // 2])
    # A NaN among the width makes the reduced value NaN: so is its derivative.
    return np.where(np.isnan(values).any(axis=1), np.nan, picked)


def profile_derivative(
    sample: Sampler,
    line: LineSamples,
    vertices: Float64Array,
    pixel_size: Float64Array,
    order: int,
    reduce: str,
) -> tuple[Float64Array, Float64Array]:
    """Return a line's samples (M, width) and the interpolant's derivative along it (M,).

    The derivative is in intensity per physical unit, reduced across the width as the
    values are, NaN at samples outside the image.
    """
    sampled, partials = _sample_with_partials(sample, line.points, order)
    with np.errstate(invalid="ignore"):
        slopes = _along_path(partials, vertices, line.segment, pixel_size)
        derivative = _reduce_like(sampled, slopes, reduce)
    derivative[line.outside] = np.nan
    return sampled, derivative
