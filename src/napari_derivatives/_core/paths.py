"""Where to sample along a line or polyline, and how far along it each sample is.

Coordinates are the image's data (pixel) coordinates, one per axis in array order
(``(y, x)`` for a 2-D image); pixel centres are at integer coordinates. Samples are
spaced evenly in *pixels* along the path; distances are in *physical* units, through
per-axis pixel sizes or a data -> physical matrix.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from . import checks
from .arraytypes import Float64Array, IndexArray

# Rounding in ``length / step`` (0.9 / 0.3 = 3.0000000000000004) must not add an
# interval, so a quotient within this relative tolerance of an integer counts as it.
_STEP_TOLERANCE = 1e-9

#: A guard for a live panel: a mistyped ``step`` must fail at once, not fill the memory.
MAX_SAMPLES = 10_000_000


def _segment_lengths(path: Float64Array) -> Float64Array:
    deltas = np.diff(path, axis=0)
    # einsum is typed to return Any.
    lengths: Float64Array = np.sqrt(np.einsum("ij,ij->i", deltas, deltas))
    return lengths


def _sample_segments(path: Float64Array, step: float) -> tuple[Float64Array, IndexArray]:
    """Evenly spaced samples along a validated path, and the segment of each."""
    deltas = np.diff(path, axis=0)
    lengths = _segment_lengths(path)
    # Zero-length segments carry no arc length; samples are placed on the others only.
    moving = np.flatnonzero(lengths > 0)
    if moving.size == 0:
        raise ValueError("`path` has zero length: all its vertices coincide")
    ends = np.cumsum(lengths[moving])
    total = ends[-1]
    quotient = total / step
    intervals = max(1, math.ceil(quotient - _STEP_TOLERANCE * max(quotient, 1.0)))
    if intervals + 1 > MAX_SAMPLES:
        raise ValueError(
            f"`step` {step!r} is too small for a path {total:.6g} pixels long: it would need "
            f"{intervals + 1} samples (at most {MAX_SAMPLES})"
        )
    arc = np.linspace(0.0, total, intervals + 1)
    starts = ends - lengths[moving]
    # A sample on a vertex belongs to the segment that starts there.
    which = np.minimum(np.searchsorted(ends, arc, side="right"), moving.size - 1)
    # take() rather than fancy indexing: several times faster on these short rows.
    segment = moving.take(which)
    fraction = (arc - starts.take(which)) / lengths.take(segment)
    coords = path.take(segment, axis=0) + fraction[:, None] * deltas.take(segment, axis=0)
    coords[0] = path[0]
    coords[-1] = path[-1]
    return coords, segment


def sample_path(path: npt.ArrayLike, step: float = 1.0) -> Float64Array:
    """Return evenly spaced sample coordinates along a polyline.

    Parameters
    ----------
    path : array_like of float, shape (N, ndim)
        Vertices of the polyline in data (pixel) coordinates, in the order drawn;
        ``N >= 2``. Zero-length segments are skipped.
    step : float, optional
        Largest distance between consecutive samples, in pixels along the path.

    Returns
    -------
    numpy.ndarray of float64, shape (M, ndim)
        Sample coordinates. The first is exactly ``path[0]`` and the last exactly
        ``path[-1]``; the ``M - 1 = ceil(L / step)`` intervals (``M >= 2``) all have
        the same length ``L / (M - 1)`` along the path, where ``L`` is the path's
        length in pixels.

    Raises
    ------
    ValueError
        If ``path`` is not an (N, ndim) array of at least two finite vertices or
        has zero length, or if ``step`` is not finite and > 0.

    Examples
    --------
    >>> import numpy as np
    >>> print(sample_path([[0, 0], [0, 3], [4, 3]], step=2.0))
    [[0.   0.  ]
     [0.   1.75]
     [0.5  3.  ]
     [2.25 3.  ]
     [4.   3.  ]]
    """
    vertices = checks.path(path)
    coords, _ = _sample_segments(vertices, checks.positive_real(step, "step"))
    return coords


def _to_physical(steps: Float64Array, spacing: Float64Array) -> Float64Array:
    """Physical vectors of data steps (rows): scaled per axis, or ``M @ step`` each."""
    physical: Float64Array = steps @ spacing.T if spacing.ndim == 2 else steps * spacing
    return physical


def _physical_distance(
    path: Float64Array, coords: Float64Array, segment: IndexArray, spacing: Float64Array
) -> Float64Array:
    """Arc length along the path from ``path[0]`` to each sample, in physical units."""
    physical = _to_physical(np.diff(path, axis=0), spacing)
    lengths = np.sqrt(np.einsum("ij,ij->i", physical, physical))
    before = np.concatenate(([0.0], np.cumsum(lengths)))
    # Measured along the path, so a corner between two samples is not cut short.
    along = _to_physical(coords - path.take(segment, axis=0), spacing)
    distance: Float64Array = before.take(segment) + np.sqrt(np.einsum("ij,ij->i", along, along))
    return distance


def samples_across(path: Float64Array) -> bool:
    """Return whether a path can be sampled ``width > 1`` samples across.

    Samples across the line lie in the plane of the last two axes: every segment of
    the path that moves must move in that plane (a segment along a stack cannot).
    """
    if path.shape[1] < 2:
        return False
    deltas = np.diff(path, axis=0)
    moving = _segment_lengths(path) > 0
    return not bool(np.any(moving & (np.hypot(deltas[:, -2], deltas[:, -1]) == 0)))


def _across(
    path: Float64Array, coords: Float64Array, segment: IndexArray, width: int
) -> Float64Array:
    """All sample points, ``width`` across the line per sample, shape (ndim, M, width)."""
    if width == 1:
        return np.ascontiguousarray(coords.T[:, :, None])
    if path.shape[1] < 2:
        raise ValueError("`width` > 1 needs an image with at least two axes, got 1")
    if not samples_across(path):
        raise ValueError(
            "`width` > 1 samples across the line in the plane of the last two axes, but a "
            "segment of the path does not move in that plane; use width=1"
        )
    deltas = np.diff(path, axis=0)
    moving = _segment_lengths(path) > 0
    in_plane = np.hypot(deltas[:, -2], deltas[:, -1])
    # The unit normal of each segment in the plane of the last two axes (the
    # direction of travel turned by 90 degrees), then of each sample's segment.
    normals = np.zeros_like(deltas)
    np.divide(deltas[:, -1], in_plane, out=normals[:, -2], where=moving)
    np.divide(-deltas[:, -2], in_plane, out=normals[:, -1], where=moving)
    normal = normals.take(segment, axis=0)
    offsets = np.arange(width) - (width - 1) / 2
    points: Float64Array = coords.T[:, :, None] + normal.T[:, :, None] * offsets
    return points


class LineSamples(NamedTuple):
    """Where a line is sampled: the geometry :func:`line_samples` computes once."""

    #: Sample positions in data coordinates, shape (M, ndim).
    coords: Float64Array
    #: Physical distance of each sample from the path's start, shape (M,).
    distance: Float64Array
    #: Every point read, ``width`` across each sample, shape (ndim, M, width).
    points: Float64Array
    #: Samples with a point outside the image's pixel extent, shape (M,).
    outside: npt.NDArray[np.bool_]
    #: Distance between samples in pixels along the path.
    interval: float
    #: The index of the segment each sample lies on, shape (M,).
    segment: IndexArray


def line_samples(
    vertices: Float64Array,
    step: float,
    spacing: Float64Array,
    width: int,
    shape: tuple[int, ...],
) -> LineSamples:
    """Return the samples of a validated path in an image of ``shape``.

    ``spacing`` is per axis or a data -> physical matrix; a sample is outside when any
    of its ``width`` points lies outside ``[-0.5, shape - 0.5]`` on some axis.
    """
    coords, segment = _sample_segments(vertices, step)
    distance = _physical_distance(vertices, coords, segment, spacing)
    points = _across(vertices, coords, segment, width)
    # The points across a sample lie on a segment: its two ends are the extremes.
    extremes = points[:, :, :: max(width - 1, 1)]
    upper = (np.asarray(shape) - 0.5)[:, None, None]
    outside = np.any((extremes < -0.5) | (extremes > upper), axis=(0, 2))
    interval = float(_segment_lengths(vertices).sum() / (len(coords) - 1))
    return LineSamples(coords, distance, points, outside, interval, segment)
