"""The curve artists of the profile plot: dense polylines drawn through the samples that show.

A profile of thousands of samples spans a few hundred pixel columns: only the
first, lowest, highest and last sample of each column change what is drawn
(:func:`column_extremes`). :class:`FastCurve` keeps all of its data and draws
only those; :func:`resize_lines` creates and removes the plot's animated lines.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.path import Path
from matplotlib.transforms import IdentityTransform

#: A curve is drawn through its :func:`column_extremes` when they are at most this
#: fraction of its samples (about seven samples per pixel column, or more).
DENSE_FRACTION = 0.6


def column_extremes(columns: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return the samples that draw a dense polyline as all of its samples do.

    M4 aggregation (Jugel et al., VLDB 2014): of each run of consecutive samples
    in the same pixel column, a line through the first, the lowest, the highest
    and the last one covers the same pixels as a line through all of them: inside
    a column it spans the values' range, and it enters and leaves the column at
    the first and last sample. NaN samples are kept, so gaps stay gaps.

    Parameters
    ----------
    columns : numpy.ndarray
        The pixel column of each sample (integral floats), in drawing order; at
        least one sample.
    values : numpy.ndarray
        The value of each sample, NaN in a gap.

    Returns
    -------
    numpy.ndarray
        The increasing indices of the samples to draw, at most four per column
        plus the NaN samples.

    Examples
    --------
    >>> columns = np.repeat([0.0, 1.0], 8)
    >>> values = np.array([5.0, 9, 1, 7, 6, 2, 3, 4, 8, 8, 0, np.nan, 2, 9, 1, 5])
    >>> column_extremes(columns, values)
    array([ 0,  1,  2,  7,  8, 10, 11, 13, 15])
    """
    count = values.size
    starts = np.empty(count, dtype=bool)
    starts[0] = True
    np.not_equal(columns[1:], columns[:-1], out=starts[1:])
    first = np.flatnonzero(starts)
    group = np.cumsum(starts)
    group -= 1
    with warnings.catch_warnings():
        # A column of NaN only has no extremes: fmin/fmax give NaN, matching none.
        warnings.simplefilter("ignore", RuntimeWarning)
        low = np.fmin.reduceat(values, first)
        high = np.fmax.reduceat(values, first)
    keep = starts.copy()
    keep[first[1:] - 1] = True
    keep[-1] = True
    keep |= np.isnan(values)
    for extreme in (low, high):
        hits = np.flatnonzero(values == extreme[group])
        if hits.size == 0:
            # No finite sample at all (a line off the image): the NaNs are kept above.
            continue
        # The first hit of each column (hits are in order, and so their columns).
        hit_groups = group[hits]
        keep[hits[np.append(True, hit_groups[1:] != hit_groups[:-1])]] = True
    return np.flatnonzero(keep)


class FastCurve(Line2D):
    """A solid line drawn through :func:`column_extremes` of its samples when dense.

    Its data stay whole (``get_xdata``, ``get_ydata``, a saved figure at any DPI);
    only drawing uses the samples that show at the renderer's resolution. It looks
    the same: only anti-aliased edge pixels differ. A profile of thousands of noisy
    samples over a few hundred pixels draws in about a sixth less time. A plain
    line (solid, no markers, no effects: the panel's curves) also skips the steps
    of :meth:`Line2D.draw` it does not need; any other is drawn by it.
    """

    def _is_plain(self) -> bool:
        return (
            self.get_transform().is_affine
            and self.get_marker() in ("None", "", " ", None)
            and self.get_linestyle() == "-"
            and self.get_drawstyle() == "default"
            and not self.get_path_effects()
            and not self.get_rasterized()
            and self.get_sketch_params() is None
            and self.get_agg_filter() is None
            and self.get_clip_path() is None
        )

    def draw(self, renderer: Any) -> None:
        """Draw the line through the samples that show at this renderer's resolution."""
        if not self.get_visible():
            return
        if not self._is_plain():
            super().draw(renderer)
            return
        matrix = self.get_transform().get_matrix()
        if matrix[0, 1] != 0 or matrix[1, 0] != 0:
            super().draw(renderer)
            return
        # To display pixels, as Line2D.draw would through the same affine transform.
        x = np.asarray(self.get_xdata(), dtype=float) * matrix[0, 0] + matrix[0, 2]
        y = np.asarray(self.get_ydata(), dtype=float) * matrix[1, 1] + matrix[1, 2]
        if x.size > 256:
            keep = column_extremes(np.floor(x), y)
            if keep.size <= DENSE_FRACTION * x.size:
                x, y = x[keep], y[keep]
        gc = renderer.new_gc()
        # As Line2D.draw clips; the method is missing from matplotlib's type stubs.
        self._set_gc_clip(gc)  # type: ignore[attr-defined]
        gc.set_url(self.get_url())
        gc.set_gid(self.get_gid())
        gc.set_antialiased(self.get_antialiased())
        gc.set_foreground(to_rgba(self.get_color(), self.get_alpha()), isRGBA=True)
        gc.set_linewidth(self.get_linewidth())
        gc.set_joinstyle(self.get_solid_joinstyle())
        gc.set_capstyle(self.get_solid_capstyle())
        gc.set_snap(self.get_snap())
        renderer.open_group("line2d", self.get_gid())
        renderer.draw_path(gc, Path(np.column_stack([x, y])), IdentityTransform())
        renderer.close_group("line2d")
        gc.restore()
        self.stale = False


def resize_lines(
    lines: list[Line2D], axes: Axes, count: int, *, kind: type = Line2D, **style: Any
) -> None:
    """Add or remove animated lines at the end of ``lines`` until there are ``count``.

    The lines kept are left as they are, so that updating them in place costs no
    new artists.

    Parameters
    ----------
    lines : list of Line2D
        The lines of ``axes``, changed in place.
    axes : matplotlib.axes.Axes
        Where new lines are added.
    count : int
        How many lines there must be.
    kind : type, optional
        The :class:`~matplotlib.lines.Line2D` class of new lines, for example
        :class:`FastCurve`.
    **style
        Further properties of new lines, for example ``marker="o"``.
    """
    # Bevelled, not matplotlib's round joins: a noisy profile has a corner per
    # sample, and rounding thousands of them is a quarter of the time to draw it.
    while len(lines) > count:
        lines.pop().remove()
    while len(lines) < count:
        # Animated: a full redraw leaves it out of the cached background, and the
        # plot draws it on top (savefig draws it like any artist).
        line = kind([], [], animated=True, solid_joinstyle="bevel", **style)
        axes.add_line(line)
        lines.append(line)


__all__ = ["DENSE_FRACTION", "FastCurve", "column_extremes", "resize_lines"]
