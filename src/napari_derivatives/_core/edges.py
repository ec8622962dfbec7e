"""Edges along a profile: local extrema of the derivative, their position and width.

Candidates are the interior local extrema of ``|derivative|``, refined to sub-sample
precision by a parabola; the options of :meth:`napari_derivatives.Profile.find_edges`
(polarity, threshold, selection) choose among them; each chosen edge is then measured
by fitting :mod:`.edge_model` to the intensity across it: its middle, its 10-90 %
rise and the FWHM of its derivative peak, free of the blur that interpolation and
central differences add to the samples.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

import numpy as np

from . import checks, edge_model
from .arraytypes import Float64Array, IndexArray
from .choices import EDGE_SELECTIONS, POLARITIES

# Differences of |derivative| below this fraction of its largest value are rounding noise:
# with linear interpolation the derivative is flat between pixel centres up to rounding,
# and noise must not split such a run into spurious peaks.
_FLAT_TOLERANCE = 1e-9

# The samples fitted across an edge reach out to where its slope falls below this
# fraction of the peak (2.9 sigma of a Gaussian blur), plus a quarter more on each side
# for the plateaus; past half the peak, a rise of the slope is the next edge's.
_WINDOW_FLOOR = 0.02

# An edge whose 10-90 % rise spans fewer sample intervals than this is not resolved
# by the samples: its position is the derivative's peak, not the fitted middle.
_RESOLVED = 2.0


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
    """An edge of a profile: where the intensity steps, with its slope and width.

    Attributes
    ----------
    distance : float
        Position along the profile, in physical units from its start: the middle of
        the step fitted across the edge (see :meth:`Profile.find_edges`).
    coords : numpy.ndarray of float64, shape (ndim,)
        Position in data (pixel) coordinates, interpolated along the profile.
    derivative : float
        The slope at the edge in intensity per physical unit: the profile's
        derivative curve, as plotted (linear between samples), at ``distance``;
        positive for a rising edge, negative for a falling one.
    intensity : float
        The intensity at the edge (the profile's values, linear between samples).
    rise_width : float
        The 10-90 % rise distance of the intensity across the edge, in physical
        units; NaN if it could not be measured (too few samples across the edge).
    fwhm : float
        The full width at half maximum of the derivative peak, in physical units;
        NaN if it could not be measured.

    Notes
    -----
    Widths are measured along the line: a line crossing an edge at an angle ``phi``
    (90 degrees: at a right angle) sees them divided by ``sin(phi)``, i.e. wider.
    """

    distance: float
    coords: Float64Array
    derivative: float
    intensity: float = math.nan
    rise_width: float = math.nan
    fwhm: float = math.nan


def _window(derivative: Float64Array, peak: int, sign: float) -> tuple[int, int]:
    """First and last sample (inclusive) of the fit window around the peak sample."""
    slope = sign * derivative
    top = slope[peak]
    last = slope.size - 1

    def walk(direction: int) -> int:
        index = peak
        while 0 <= index + direction <= last:
            following = slope[index + direction]
            if not following > _WINDOW_FLOOR * top:  # also stops at NaN
                break
            if following < top / 2 and following > slope[index]:
                break  # the slope rises again: the next edge begins
            index += direction
        return index

    low, high = walk(-1), walk(1)
    margin = max(2, (high - low) // 4)
    finite = np.isfinite(derivative)
    while low > 0 and margin and finite[low - 1]:
        low, margin = low - 1, margin - 1
    margin = max(2, (high - low) // 4)
    while high < last and margin and finite[high + 1]:
        high, margin = high + 1, margin - 1
    return low, high


def _measure(
    distance: Float64Array,
    values: Float64Array,
    derivative: Float64Array,
    peak: int,
    position: float,
    pixels: tuple[Float64Array, Float64Array] | None,
) -> tuple[float, float, float]:
    """Fit the edge around sample ``peak``: its middle, 10-90 % rise and FWHM."""
    sign = float(np.sign(derivative[peak]))
    low, high = _window(derivative, peak, sign)
    x, y = distance[low : high + 1], values[low : high + 1]
    usable = np.isfinite(y)
    x, y = x[usable], y[usable]
    if pixels is not None:
        pixels = (pixels[0][low : high + 1][usable], pixels[1][low : high + 1][usable])
    above = x[sign * derivative[low : high + 1][usable] >= abs(derivative[peak]) / 2]
    guess = float(above[-1] - above[0]) if above.size > 1 else 0.0
    guess = max(guess, float(np.median(np.diff(x))) if x.size > 1 else 1.0)
    fitted = edge_model.fit(x, y, position, guess, sign, pixels) if x.size else None
    if fitted is None:
        return position, math.nan, math.nan
    middle, width, blur = fitted
    rise, fwhm = edge_model.widths(float(width), float(blur))
    if rise < _RESOLVED * float(np.median(np.diff(x))):
        # A step within a sample or two fits equally well anywhere in that interval:
        # its middle is where the derivative peaks, between the samples around it.
        return position, rise, fwhm
    return float(middle), rise, fwhm


def _candidates(
    x: Float64Array, coords: Float64Array, derivative: Float64Array
) -> tuple[Float64Array, IndexArray]:
    """Refined position and peak sample of every local extremum of ``|derivative|``."""
    y = np.abs(derivative)
    left, right = _peak_runs(y)
    if left.size == 0:
        return np.empty(0), np.empty(0, dtype=np.intp)
    centre = (x[left] + x[right]) / 2
    # The highest sample of each run, which is above the samples outside it.
    top = np.maximum.reduceat(y, np.column_stack([left, right + 1]).ravel())[::2]
    before, after = _fit_neighbours(y, coords, left, right, top)
    vertex, _ = _parabola_vertex(x[before], y[before], centre, top, x[after], y[after])
    return vertex, (left + right) // 2


def _on_curve(position: Float64Array, x: Float64Array, curve: Float64Array) -> Float64Array:
    """Return the curve drawn through the samples (linear between them) at ``position``."""
    finite = np.isfinite(curve)
    if not finite.any():
        return np.full(np.shape(position), np.nan)
    result: Float64Array = np.interp(position, x[finite], curve[finite])
    return result


def find_edges(
    distance: Float64Array,
    coords: Float64Array,
    values: Float64Array,
    derivative: Float64Array,
    *,
    count: int | None,
    threshold: float | None,
    polarity: str,
    select: str,
    pixels: tuple[Float64Array, Float64Array] | None = None,
) -> list[Edge]:
    """Return the edges of a profile chosen by the options, each measured.

    The rules are those of :meth:`napari_derivatives.Profile.find_edges`; the options
    are checked here, ``distance``, ``coords``, ``values`` and ``derivative`` are its
    arrays; ``pixels``, when given, is :func:`.edge_model.footprint` of the profile.
    """
    if count is not None:
        count = checks.positive_int(count, "count")
    if threshold is not None:
        threshold = checks.non_negative_real(threshold, "threshold")
    polarity = checks.choice(polarity, POLARITIES, "polarity")
    select = checks.choice(select, EDGE_SELECTIONS, "select")
    if select == "all":
        count = None
    x = distance
    vertex, peak = _candidates(x, coords, derivative)
    strength = np.abs(_on_curve(vertex, x, derivative))
    signs = np.sign(derivative[peak])
    keep = np.ones(vertex.size, dtype=bool)
    if polarity == "rising":
        keep &= signs > 0
    elif polarity == "falling":
        keep &= signs < 0
    if threshold is not None:
        keep &= strength >= threshold
    chosen = np.flatnonzero(keep)
    if select == "strongest":
        chosen = chosen[np.argsort(-strength[chosen], kind="stable")][:count]
    elif select == "first":
        chosen = chosen[:count]
    elif select == "last":
        chosen = chosen[len(chosen) - (len(chosen) if count is None else count) :]
    found = []
    for i in chosen.tolist():
        middle, rise, fwhm = _measure(
            x, values, derivative, int(peak[i]), float(vertex[i]), pixels
        )
        where = np.array(
            [np.interp(middle, x, coords[:, axis]) for axis in range(coords.shape[1])]
        )
        found.append(
            Edge(
                distance=middle,
                coords=where,
                derivative=float(_on_curve(np.array([middle]), x, derivative)[0]),
                intensity=float(_on_curve(np.array([middle]), x, values)[0]),
                rise_width=rise,
                fwhm=fwhm,
            )
        )
    if select == "strongest":
        # Measured at their fitted middles, the slopes set the order (ties along the line).
        found.sort(key=lambda edge: -abs(edge.derivative))
    return found


def edge_distances(edges: Iterable[Edge], length: float) -> Float64Array:
    """Return the distances between consecutive edges, in order along the line.

    The rules are those of :meth:`napari_derivatives.Profile.edge_distances`, for a
    profile ``length`` long.
    """
    items = list(edges)
    for edge in items:
        if not isinstance(edge, Edge):
            raise ValueError(f"`edges` must hold Edge objects, got {edge!r}")
        if not 0 <= edge.distance <= length:
            raise ValueError(
                f"`edges` must lie on the profile (distance 0 to {length!r}), got an edge "
                f"at {edge.distance!r}"
            )
    along = np.sort(np.array([edge.distance for edge in items], dtype=np.float64))
    result: Float64Array = np.diff(along)
    return result
