"""The edge marks of the profile plot: a dot on the derivative curve, a dashed line across.

Each profile's edges are drawn by one dot marker line and, on every axes, one
NaN-separated polyline of vertical guides: three artists per profile however
many edges it has, updated in place like the curves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from .curves import resize_lines


class EdgeMarks:
    """The marks of the edges found on each profile.

    Parameters
    ----------
    derivative_axes : matplotlib.axes.Axes
        Where the dots go, at each edge's distance and derivative.
    axes : sequence of matplotlib.axes.Axes
        Every axes that gets a vertical dashed guide at each edge's distance.
    """

    def __init__(self, derivative_axes: Axes, axes: Sequence[Axes]) -> None:
        self._derivative_axes = derivative_axes
        self._markers: list[Line2D] = []
        self._guides: dict[Axes, list[Line2D]] = {each: [] for each in axes}
        # The edge of the selected row of the edge table: a larger ring around its dot,
        # on the axes only while an edge is highlighted.
        self._highlight: Line2D | None = None

    @property
    def markers(self) -> list[Line2D]:
        """The dot lines, one per profile, on the derivative axes."""
        return self._markers

    def artists(self, axes: Axes) -> list[Line2D]:
        """Return the marks drawn on ``axes``: its guides, then the dots if they are on it.

        Parameters
        ----------
        axes : matplotlib.axes.Axes
            One of the axes given at construction.

        Returns
        -------
        list of Line2D
            The animated lines to draw over the curves of ``axes``, in order.
        """
        ring = [] if self._highlight is None else [self._highlight]
        dots = [*self._markers, *ring] if axes is self._derivative_axes else []
        return [*self._guides[axes], *dots]

    @property
    def highlighted(self) -> tuple[float, float] | None:
        """The (distance, derivative) of the highlighted edge, None if none is."""
        if self._highlight is None:
            return None
        x = np.asarray(self._highlight.get_xdata(), dtype=float)
        y = np.asarray(self._highlight.get_ydata(), dtype=float)
        return float(x[0]), float(y[0])

    def highlight(self, edge: Any, color: Any) -> bool:
        """Ring one edge's dot (None: no edge); returns whether anything changed.

        Parameters
        ----------
        edge : Edge or None
            An object with ``distance`` and ``derivative``.
        color : color
            The ring's colour (the theme's foreground).
        """
        point = None if edge is None else (float(edge.distance), float(edge.derivative))
        if point == self.highlighted:
            return False
        if self._highlight is not None:
            self._highlight.remove()
            self._highlight = None
        if point is not None:
            self._highlight = Line2D(
                [point[0]],
                [point[1]],
                marker="o",
                markersize=16,
                linestyle="",
                fillstyle="none",
                markeredgewidth=2.5,
                markeredgecolor=color,
                animated=True,
            )
            self._derivative_axes.add_line(self._highlight)
        return True

    def set_edges(
        self, edges: Sequence[Sequence[Any]], colors: Sequence[Any], edge_color: Any
    ) -> bool:
        """Mark ``edges``, updating the marks in place.

        Parameters
        ----------
        edges : sequence of sequence of Edge
            Per profile, objects with ``distance`` and ``derivative`` attributes;
            an empty sequence removes all marks.
        colors : sequence of color
            One colour per profile: the dots' face and the guides.
        edge_color : color
            The dots' outline (the theme's foreground).

        Returns
        -------
        bool
            False when there were no marks and there are none now: nothing changed.
        """
        count = len(edges)
        if count == 0 and not self._markers:
            return False
        if count == 0:
            self.highlight(None, edge_color)
        resize_lines(self._markers, self._derivative_axes, count, marker="o", linestyle="")
        for axes, guides in self._guides.items():
            resize_lines(
                guides,
                axes,
                count,
                linestyle="--",
                linewidth=0.8,
                transform=axes.get_xaxis_transform(),
            )
        for index, (line_edges, color) in enumerate(zip(edges, colors, strict=True)):
            distance = np.array([edge.distance for edge in line_edges], dtype=float)
            derivative = np.array([edge.derivative for edge in line_edges], dtype=float)
            marker = self._markers[index]
            marker.set_data(distance, derivative)
            marker.set_markerfacecolor(color)
            marker.set_markeredgecolor(edge_color)
            # One NaN-separated polyline draws every vertical guide of a profile.
            guide_x = np.repeat(distance, 3)
            guide_x[2::3] = np.nan
            guide_y = np.tile([0.0, 1.0, np.nan], distance.size)
            for guides in self._guides.values():
                guides[index].set_data(guide_x, guide_y)
                guides[index].set_color(color)
        return True

    def set_edge_color(self, color: Any) -> None:
        """Outline the dots in ``color``, for example a new theme's foreground.

        Parameters
        ----------
        color : color
            A matplotlib colour.
        """
        for marker in self._markers:
            marker.set_markeredgecolor(color)


__all__ = ["EdgeMarks"]
