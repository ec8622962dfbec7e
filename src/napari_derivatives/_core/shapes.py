"""Shapes other than polylines, as the panel profiles them; lengths typed in physical units.

A rectangle is profiled as ImageJ profiles one: along its long axis, from the middle
of one short side to the middle of the other, averaged across its short side (the
width, in pixels, is the short side's length). A length typed in physical units
(a step, a smoothing sigma) becomes the pixels along a path that ``line_profile``
takes, through the same pixel size that gives the profile's distances. The second
derivative of a profile is the derivative of its derivative along the line.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import checks
from .arraytypes import Float64Array


def rectangle_axis(corners: npt.ArrayLike) -> tuple[Float64Array, int]:
    """Return the long axis of a rectangle and its width in pixels, as ImageJ profiles it.

    Parameters
    ----------
    corners : array_like of float, shape (4, ndim)
        The corners in data (pixel) coordinates, in order around the rectangle (as
        napari's Shapes layer keeps them), ``ndim >= 2``.

    Returns
    -------
    path : numpy.ndarray of float64, shape (2, ndim)
        From the middle of one short side to the middle of the other. Of its two
        directions, the one going towards larger coordinates of the last axis (left
        to right in napari), or of the axis before it for a vertical rectangle.
    width : int
        The short side's length in pixels, rounded, at least 1: the number of samples
        averaged across the axis, one pixel apart.

    Raises
    ------
    ValueError
        If ``corners`` is not (4, ndim) and finite.

    Examples
    --------
    >>> path, width = rectangle_axis([[1, 1], [1, 9], [5, 9], [5, 1]])
    >>> print(path, width)
    [[3. 1.]
     [3. 9.]] 4
    """
    points = checks.path(corners)
    if points.shape[0] != 4:
        raise ValueError(f"`corners` must be 4 points, got {points.shape[0]}")
    side_a, side_b = points[1] - points[0], points[3] - points[0]
    length_a, length_b = float(np.linalg.norm(side_a)), float(np.linalg.norm(side_b))
    # Along the longer side: the ends are the middles of the two shorter sides.
    along, across = (side_a, side_b) if length_a >= length_b else (side_b, side_a)
    start = points[0] + across / 2
    path = np.array([start, start + along])
    # Towards the last axis' larger coordinates; a vertical axis downwards.
    for axis in (-1, -2):
        if along[axis] != 0:
            if along[axis] < 0:
                path = path[::-1].copy()
            break
    return path, max(1, round(min(length_a, length_b)))


def pixels_per_unit(path: npt.ArrayLike, spacing: float | npt.ArrayLike | None = None) -> float:
    """Return how many pixels along a path make one physical unit along it.

    A length typed in physical units (a step, a smoothing sigma) is this many
    pixels along the path: with square pixels it is ``1 / pixel size``; with
    rectangular, rotated or sheared pixels it depends on the path's direction, and
    is the ratio of its lengths in pixels and in physical units.

    Parameters
    ----------
    path : array_like of float, shape (N, ndim)
        The path's vertices in data (pixel) coordinates.
    spacing : float, sequence of float, or array_like of shape (ndim, ndim), optional
        The pixel size, as for :func:`napari_derivatives.line_profile`.

    Returns
    -------
    float
        Pixels per physical unit along the path.

    Raises
    ------
    ValueError
        If the path is not valid or has zero length, or the spacing is not.

    Examples
    --------
    >>> pixels_per_unit([[0, 0], [0, 10]], spacing=(2.0, 0.5))
    2.0
    """
    vertices = checks.path(path)
    size = checks.spacing(spacing, vertices.shape[1], matrix=True)
    steps = np.diff(vertices, axis=0)
    physical = steps @ size.T if size.ndim == 2 else steps * size
    pixels = float(np.sum(np.linalg.norm(steps, axis=1)))
    if pixels == 0:
        raise ValueError("`path` has zero length: all its vertices coincide")
    return pixels / float(np.sum(np.linalg.norm(physical, axis=1)))


def second_derivative(distance: npt.ArrayLike, derivative: npt.ArrayLike) -> Float64Array:
    """Return the derivative of a profile's derivative along the line (its curvature).

    Central differences on the real distances, one-sided at the ends, as
    :func:`napari_derivatives.line_profile` differentiates the values: in intensity
    per physical unit squared. It crosses zero where the derivative peaks, at the
    edges. NaN next to a NaN.

    Parameters
    ----------
    distance : array_like of float, shape (M,)
        ``Profile.distance``, increasing, ``M >= 2``.
    derivative : array_like of float, shape (M,)
        ``Profile.derivative``.

    Returns
    -------
    numpy.ndarray of float64, shape (M,)
        The second derivative.

    Examples
    --------
    >>> x = np.arange(5.0)
    >>> print(second_derivative(0.5 * x, 2 * x))  # slope rising 2 per pixel of 0.5 units
    [4. 4. 4. 4. 4.]
    """
    along = np.asarray(distance, dtype=np.float64)
    slope = np.asarray(derivative, dtype=np.float64)
    if along.ndim != 1 or slope.shape != along.shape or along.size < 2:
        raise ValueError(
            "`distance` and `derivative` must be 1-D of the same length >= 2, "
            f"got shapes {along.shape} and {slope.shape}"
        )
    with np.errstate(invalid="ignore"):
        curvature: Float64Array = np.gradient(slope, along)
    return curvature
