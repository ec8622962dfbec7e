"""When and how the profile plot refits its axes to the data: no Qt, no figure.

Every change of the limits is a full redraw of the figure (tens of
milliseconds), while an update inside them is a blit (a millisecond or two). So
the limits follow the data with hysteresis: they change at once when the data
leave the view, shrink at once only when the data fill a small part of it, and
fit the data once the updates pause (after :data:`SETTLE_MS`).

Examples
--------
Values 0..100 in a view of -5..105: a drag to 40..65 keeps the view while live,
and fits it once the updates pause.

>>> fitted_limits((-5.0, 105.0), (40.0, 65.0), force=False,
...               shrink_below=LIVE_SHRINK_THRESHOLD, widen=True) is None
True
>>> fitted_limits((-5.0, 105.0), (40.0, 65.0), force=False,
...               shrink_below=SHRINK_THRESHOLD, widen=True)
(38.75, 66.25)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes

#: Fraction of the data range added on each side when the axes are rescaled.
MARGIN = 0.05

#: The view is shrunk to the data only when the data span less than this
#: fraction of it; a smaller change keeps the limits, so the axes do not jitter
#: while a line is dragged.
SHRINK_THRESHOLD = 0.4

#: While updates keep coming (a line dragged), the view is shrunk at once only
#: when the data span less than this fraction of it: dragging over edges and
#: texture must not toggle the limits (a full redraw each time). Once updates
#: pause for :data:`SETTLE_MS`, the view is fitted with :data:`SHRINK_THRESHOLD`.
LIVE_SHRINK_THRESHOLD = 0.1

#: Milliseconds without an update after which the view is fitted to the data.
SETTLE_MS = 400


def finite_range(arrays: Sequence[Any]) -> tuple[float, float] | None:
    """Return the lowest and highest finite value of all ``arrays``.

    Parameters
    ----------
    arrays : sequence of array_like
        For example the y data of every curve of one axes; NaN and infinite
        values are left out.

    Returns
    -------
    tuple of float or None
        ``(low, high)``, or ``None`` when there is no finite value at all.
    """
    finite = [a[np.isfinite(a)] for a in (np.asarray(x, dtype=float) for x in arrays)]
    finite = [a for a in finite if a.size]
    if not finite:
        return None
    return (min(float(a.min()) for a in finite), max(float(a.max()) for a in finite))


def padded(low: float, high: float) -> tuple[float, float]:
    """Return the view limits that show ``low..high`` with a margin.

    Parameters
    ----------
    low, high : float
        The data range, ``low <= high``.

    Returns
    -------
    tuple of float
        The range widened by :data:`MARGIN` of its span on each side; a flat
        range (``low == high``) by a tenth of its value, at least 1, on each side.
    """
    span = high - low
    if span <= 0:
        # A flat curve still needs a visible range around its value.
        pad = max(abs(low) * 0.1, 1.0)
        return (low - pad, high + pad)
    return (low - MARGIN * span, high + MARGIN * span)


def needs_rescale(
    current: tuple[float, float], low: float, high: float, shrink_below: float
) -> bool:
    """Tell whether the data ``low..high`` call for other limits than ``current``.

    Parameters
    ----------
    current : tuple of float
        The view limits, in either order (an inverted axis).
    low, high : float
        The data range.
    shrink_below : float
        The view is shrunk when the data span less than this fraction of it.

    Returns
    -------
    bool
        True when the data leave the view or fill too little of it.
    """
    view_low, view_high = sorted(current)
    if low < view_low or high > view_high:
        return True
    data_span = high - low
    return data_span < shrink_below * (view_high - view_low)


def fitted_limits(
    current: tuple[float, float],
    data_range: tuple[float, float] | None,
    *,
    force: bool,
    shrink_below: float,
    widen: bool,
) -> tuple[float, float] | None:
    """Return the new limits of one axis for the data, or ``None`` to keep ``current``.

    Parameters
    ----------
    current : tuple of float
        The view limits now.
    data_range : tuple of float or None
        The data's ``(low, high)``, ``None`` when there are no finite data.
    force : bool
        Fit the data whatever the current view (a reset, new curves).
    shrink_below : float
        See :func:`needs_rescale`.
    widen : bool
        Data leaving the view widen it to hold both the view and the data, unless
        the data would fill less than :data:`SHRINK_THRESHOLD` of it. The value
        axes do; the distance axis follows the line exactly.

    Returns
    -------
    tuple of float or None
        The :func:`padded` limits, or ``None`` when the view stays (also when the
        new limits are within rounding of the current ones).
    """
    if data_range is None:
        return None
    if not (force or needs_rescale(current, *data_range, shrink_below)):
        return None
    low, high = data_range
    view_low, view_high = sorted(current)
    if not force and widen and (low < view_low or high > view_high):
        # Data leaving the view widen it to hold both, so that a line dragged
        # over a textured image soon stops changing the limits (each change is
        # a full redraw), unless the data would then fill too little of it.
        union = (min(low, view_low), max(high, view_high))
        if high - low >= SHRINK_THRESHOLD * (union[1] - union[0]):
            low, high = union
    limits = padded(low, high)
    if np.allclose(limits, current):
        return None
    return limits


def fit_axis(
    axes: Axes,
    which: Literal["x", "y"],
    data_range: tuple[float, float] | None,
    *,
    force: bool,
    shrink_below: float,
) -> bool:
    """Apply :func:`fitted_limits` to one axis of ``axes``; only y values widen.

    Parameters
    ----------
    axes : matplotlib.axes.Axes
        The axes whose limits may change.
    which : {"x", "y"}
        The axis.
    data_range, force, shrink_below
        As for :func:`fitted_limits`.

    Returns
    -------
    bool
        True when the limits changed (the figure must be redrawn).
    """
    if data_range is None:
        return False
    get_limits = axes.get_xlim if which == "x" else axes.get_ylim
    set_limits = axes.set_xlim if which == "x" else axes.set_ylim
    limits = fitted_limits(
        get_limits(), data_range, force=force, shrink_below=shrink_below, widen=which == "y"
    )
    if limits is None:
        return False
    set_limits(*limits)
    return True


__all__ = [
    "LIVE_SHRINK_THRESHOLD",
    "MARGIN",
    "SETTLE_MS",
    "SHRINK_THRESHOLD",
    "finite_range",
    "fit_axis",
    "fitted_limits",
    "needs_rescale",
    "padded",
]
