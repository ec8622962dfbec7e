"""The legend of the profile plot: made again only when the curves' colours or labels change.

Laying out a legend costs as much as drawing a curve, and its "best" place is
searched over every curve: the plot makes it only when its entries change, and
pins it where it is while a line is dragged (:func:`pin_legend`), so that it
does not jump from one frame to the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

#: Above this many curves the legend would hide the plot, so it is left out.
MAX_LEGEND_ENTRIES = 12


class CurveLegend:
    """One legend of the curves, on one of several axes, remade when its entries change.

    Parameters
    ----------
    axes : sequence of matplotlib.axes.Axes
        Every axes the legend may be on; a new legend removes the others' one.
    """

    def __init__(self, axes: Sequence[Axes]) -> None:
        self._axes = tuple(axes)
        self._key: tuple = ()

    def forget(self) -> None:
        """Make the next :meth:`update` remake the legend, for example for new colours."""
        self._key = ()

    def update(
        self,
        axes: Axes,
        lines: Sequence[Line2D],
        colors: Sequence[Any],
        labels: Sequence[str],
        *,
        styles: Sequence[Any] = (),
        background: Any,
        foreground: Any,
    ) -> bool:
        """Remake the legend if ``colors`` or ``labels`` changed since the last time.

        Parameters
        ----------
        axes : matplotlib.axes.Axes
            Where the legend goes, one of the axes given at construction.
        lines : sequence of Line2D
            The curves of ``axes`` that the entries show.
        colors : sequence of color
            One colour per curve.
        labels : sequence of str
            One label per curve; none, or more than :data:`MAX_LEGEND_ENTRIES`,
            leaves the plot without a legend.
        styles : sequence, optional
            Per curve, what else the entries copy from it (its width, alpha): a
            change remakes the legend too.
        background, foreground : color
            The legend's face, and its frame and text.

        Returns
        -------
        bool
            True when the legend changed (the figure must be redrawn).
        """
        key = (tuple(map(str, colors)), tuple(labels), tuple(styles))
        if key == self._key:
            return False
        self._key = key
        for each in self._axes:
            legend = each.get_legend()
            if legend is not None:
                legend.remove()
        if not labels or len(labels) > MAX_LEGEND_ENTRIES:
            return True
        legend = axes.legend(
            lines,
            labels,
            loc="best",
            fontsize="small",
            frameon=True,
            # Opaque, so that a blit can put back its cached pixels over any curve.
            framealpha=1.0,
            facecolor=background,
            edgecolor=foreground,
            labelcolor=foreground,
        )
        # Drawn after the animated curves, so that it stays over them.
        legend.set_animated(True)
        return True


def pin_legend(legend: Legend, box: Bbox) -> None:
    """Keep ``legend`` at ``box``, where it was drawn, instead of searching the best place.

    The "best" place is searched again (``legend.set_loc("best")``) only when the
    view changes (a new legend, new limits), so that the legend does not jump
    while a line is dragged.

    Parameters
    ----------
    legend : matplotlib.legend.Legend
        A drawn legend.
    box : Bbox
        Its display box, ``legend.get_window_extent()``.
    """
    anchor = legend.get_bbox_to_anchor()
    if anchor.width > 0 and anchor.height > 0:
        legend.set_loc(((box.x0 - anchor.x0) / anchor.width, (box.y0 - anchor.y0) / anchor.height))


__all__ = ["MAX_LEGEND_ENTRIES", "CurveLegend", "pin_legend"]
