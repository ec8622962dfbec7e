"""Edges along a profile: local extrema of the derivative, refined to sub-sample precision."""

from __future__ import annotations

import dataclasses

import numpy as np

from .arraytypes import Float64Array, IndexArray

# Differences of |derivative| below this fraction of its largest value are rounding noise:
# with linear interpolation the derivative is flat between pixel centres up to rounding,
# and noise must not split such a run into spurious peaks.
_FLAT_TOLERANCE = 1e-9


def _peak_runs(strength: Float64Array) -> tuple[IndexArray, IndexArray]:
    """First and last index of each run of equal samples higher than both neighbours."""
    finite = strength[np.isfinite(strength)]
    if finite.size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    change = np.diff(strength)
    trend = np.sign(change)
    trend[np.abs(change) <= _FLAT_TOLERANCE * finite.max()] = 0
    # A rise followed, past any flat stretch, by a fall; a NaN between them (neither
    # a rise, a fall nor flat) breaks the pair, so a peak needs finite neighbours.
    turns = np.flatnonzero(trend != 0)
    kinds = trend[turns]
    pairs = np.flatnonzero((kinds[:-1] == 1) & (kinds[1:] == -1))
    return turns[pairs] + 1, turns[pairs + 1]


def _fit_neighbours(
    strength: Float64Array,
    coords: Float64Array,
    left: IndexArray,
    right: IndexArray,
    top: Float64Array,
) -> tuple[IndexArray, IndexArray]:
    """Return the sample on either side of each peak run to fit its parabola through."""
    before, after = left - 1, right + 1
    arc = np.concatenate(([0.0], np.cumsum(np.linalg.norm(np.diff(coords, axis=0), axis=1))))
    last = arc.size - 1
    if not 0 < arc[-1] / last <= 0.5 + 1e-9:
        return before, after
    # Samples at most half a pixel apart: reach one pixel from the run's centre.
    centre = (arc[left] + arc[right]) / 2
    reach = 1.0 - 1e-9
    far_before = np.minimum(np.searchsorted(arc, centre - reach, side="right") - 1, before)
    far_after = np.maximum(np.searchsorted(arc, centre + reach, side="left"), after)
    missing = np.concatenate(([0], np.cumsum(~np.isfinite(strength))))
    inside = (far_before >= 0) & (far_after <= last)
    low, high = np.where(inside, far_before, before), np.where(inside, far_after, after)
    usable = (
        inside
        & (missing[high + 1] == missing[low])
        & (strength[low] < top)
        & (strength[high] < top)
    )
    return np.where(usable, low, before), np.where(usable, high, after)


def _parabola_vertex(
    x0: Float64Array,
    y0: Float64Array,
    x1: Float64Array,
    y1: Float64Array,
    x2: Float64Array,
    y2: Float64Array,
) -> tuple[Float64Array, Float64Array]:
    """Position and height of the vertex of the parabola through three points."""
    slope01 = (y1 - y0) / (x1 - x0)
    curvature = ((y2 - y1) / (x2 - x1) - slope01) / (x2 - x0)
    # The middle point is above both others, so the curvature is negative, never zero.
    vertex = (x0 + x1) / 2 - slope01 / (2 * curvature)
    return vertex, y0 + slope01 * (vertex - x0) + curvature * (vertex - x0) * (vertex - x1)


@dataclasses.dataclass(frozen=True, eq=False)
class Edge:
    """An edge of a profile: a local extremum of the derivative.

    Attributes
    ----------
    distance : float
        Position along the profile, in physical units from its start.
    coords : numpy.ndarray of float64, shape (ndim,)
        Position in data (pixel) coordinates, interpolated along the profile.
    derivative : float
        The derivative at the edge (refined peak value), in intensity per physical
        unit; positive for a rising edge, negative for a falling one.
    """

    distance: float
    coords: Float64Array
    derivative: float


def find_edges(
    distance: Float64Array, coords: Float64Array, derivative: Float64Array, count: int | None
) -> list[Edge]:
    """Return the ``count`` strongest edges of a profile (all if None), strongest first.

    The rules are those of :meth:`napari_derivatives.Profile.find_edges`, which
    checks ``count``; ``distance``, ``coords`` and ``derivative`` are its arrays.
    """
    x, y = distance, np.abs(derivative)
    left, right = _peak_runs(y)
    if left.size == 0:
        return []
    centre = (x[left] + x[right]) / 2
    # The highest sample of each run, which is above the samples outside it.
    top = np.maximum.reduceat(y, np.column_stack([left, right + 1]).ravel())[::2]
    before, after = _fit_neighbours(y, coords, left, right, top)
    vertex, height = _parabola_vertex(x[before], y[before], centre, top, x[after], y[after])

    order = np.argsort(-height, kind="stable")[:count]
    signs = np.sign(derivative[(left + right) // 2])
    where = np.column_stack(
        [np.interp(vertex, x, coords[:, axis]) for axis in range(coords.shape[1])]
    )
    return [
        Edge(
            distance=float(vertex[i]),
            coords=where[i],
            derivative=float(signs[i] * height[i]),
        )
        for i in order
    ]
