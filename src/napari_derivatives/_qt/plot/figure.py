"""What the profile plot's figure shows, without Qt: axes, curves, edge marks, legend, text.

:class:`ProfileFigure` holds the three axes of a matplotlib figure (intensity,
derivative, and the second derivative, hidden by default) and the animated
artists on them. Each change says whether it needs a full redraw of the
figure (new limits, legend, labels, layout) or whether drawing the curves again
over the cached background will do; the Qt view decides when to draw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from .autoscale import LIVE_SHRINK_THRESHOLD, SHRINK_THRESHOLD, finite_range, fit_axis
from .curves import FastCurve, resize_lines
from .legend import CurveLegend
from .marks import EdgeMarks

#: Line widths of the curves: the shapes selected in napari stand out, the others are
#: dimmed (their alpha) while some are selected.
PLAIN_WIDTH, SELECTED_WIDTH, DIMMED_WIDTH = 1.5, 2.8, 1.0
DIMMED_ALPHA = 0.35


def curve_style(selected: Sequence[bool]) -> list[tuple[float, float | None]]:
    """Return the (line width, alpha) of each curve, given which shapes are selected.

    Parameters
    ----------
    selected : sequence of bool
        Per curve, whether its shape is selected.

    Returns
    -------
    list of (float, float or None)
        :data:`SELECTED_WIDTH` for the selected curves and :data:`DIMMED_WIDTH`,
        :data:`DIMMED_ALPHA` for the others while any is selected; else
        :data:`PLAIN_WIDTH`, opaque (None).
    """
    if not any(selected):
        return [(PLAIN_WIDTH, None)] * len(selected)
    return [(SELECTED_WIDTH, None) if on else (DIMMED_WIDTH, DIMMED_ALPHA) for on in selected]


def _check_counts(
    profiles: Sequence[Any],
    colors: Sequence[Any],
    labels: Sequence[str],
    selected: Sequence[bool],
    curvatures: Sequence[Any] | None,
) -> None:
    if not len(profiles) == len(colors) == len(labels) == len(selected):
        raise ValueError(
            "colors, labels, selected: expected one per profile, got "
            f"{len(profiles)} profiles, {len(colors)} colors, {len(labels)} labels "
            f"and {len(selected)} selected"
        )
    if curvatures is not None and len(curvatures) != len(profiles):
        raise ValueError(f"curvatures: expected {len(profiles)}, got {len(curvatures)}")


def _colour_axes(axes: Axes, background: Any, foreground: Any) -> None:
    axes.set_facecolor(background)
    for spine in axes.spines.values():
        spine.set_color(foreground)
    axes.tick_params(colors=foreground, which="both")
    axes.xaxis.label.set_color(foreground)
    axes.yaxis.label.set_color(foreground)
    axes.grid(True, color=foreground, alpha=0.25)


class ProfileFigure:
    """The intensity profiles above their derivatives and second derivatives, on ``figure``.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        An empty figure; the axes are added to it.
    on_fit : callable, optional
        Called with no argument each time the axes were fitted to the data, for
        example to make the toolbar's "home" view the new one.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure drawn on.
    intensity_axes, derivative_axes, curvature_axes : matplotlib.axes.Axes
        The intensity, derivative and second-derivative axes, top to bottom, sharing x.
    marks : EdgeMarks
        The edge marks: dots, guides, the ring of the highlighted edge.
    intensity_lines, derivative_lines, curvature_lines : list of Line2D
        The curves, one per profile, in order (the lists themselves: read only); no
        second-derivative curves while they are not given.
    """

    def __init__(self, figure: Figure, *, on_fit: Callable[[], Any] = lambda: None) -> None:
        self.figure = figure
        self._on_fit = on_fit
        self.intensity_axes: Axes = figure.add_subplot(2, 1, 1)
        self.derivative_axes: Axes = figure.add_subplot(2, 1, 2, sharex=self.intensity_axes)
        self.curvature_axes: Axes = figure.add_subplot(2, 1, 2, sharex=self.intensity_axes)
        self.curvature_axes.set_visible(False)
        for axes in self._axes:
            axes.set_autoscale_on(False)
            axes.grid(True, alpha=0.25)
        self.intensity_axes.set_ylabel("intensity")
        self.intensity_axes.tick_params(labelbottom=False)
        self.intensity_lines: list[Line2D] = []
        self.derivative_lines: list[Line2D] = []
        self.curvature_lines: list[Line2D] = []
        self.marks = EdgeMarks(self.derivative_axes, self._axes)
        self._legend = CurveLegend(self._axes)
        self._rescale_all = True
        self._visible = (True, True, False)
        self._styles: list[tuple[float, float | None]] = []
        self._foreground: Any = "black"
        self._background: Any = "white"
        self._hint = figure.text(
            0.5, 0.5, "", ha="center", va="center", wrap=True, fontsize="medium"
        )

    @property
    def _axes(self) -> tuple[Axes, Axes, Axes]:
        return (self.intensity_axes, self.derivative_axes, self.curvature_axes)

    @property
    def _curves(self) -> tuple[list[Line2D], list[Line2D], list[Line2D]]:
        return (self.intensity_lines, self.derivative_lines, self.curvature_lines)

    @property
    def hint(self) -> str:
        """The text shown over the figure, ``""`` if none."""
        return self._hint.get_text()

    def set_profiles(
        self,
        profiles: Sequence[Any],
        colors: Sequence[Any],
        labels: Sequence[str],
        *,
        curvatures: Sequence[Any] | None = None,
        selected: Sequence[bool] | None = None,
    ) -> bool:
        """Show profiles in the curves, and fit the axes as a live update does.

        See :meth:`ProfilePlot.set_profiles`. Returns True when the figure needs
        a full redraw: curves added or removed, a new legend or new limits.
        """
        selected = [False] * len(profiles) if selected is None else list(selected)
        _check_counts(profiles, colors, labels, selected, curvatures)
        count_changed = len(profiles) != len(self.intensity_lines) or (
            len(self.curvature_lines) != (0 if curvatures is None else len(profiles))
        )
        resize_lines(self.intensity_lines, self.intensity_axes, len(profiles), kind=FastCurve)
        resize_lines(self.derivative_lines, self.derivative_axes, len(profiles), kind=FastCurve)
        curved = 0 if curvatures is None else len(profiles)
        resize_lines(self.curvature_lines, self.curvature_axes, curved, kind=FastCurve)
        styles = curve_style(selected)
        for index, (profile, color, label) in enumerate(
            zip(profiles, colors, labels, strict=True)
        ):
            extra = [] if curvatures is None else [curvatures[index]]
            ys = [profile.values, profile.derivative, *extra]
            for lines, y in zip(self._curves, ys, strict=False):
                lines[index].set_data(profile.distance, y)
                lines[index].set_color(color)
                lines[index].set_linewidth(styles[index][0])
                lines[index].set_alpha(styles[index][1])
            self.intensity_lines[index].set_label(label)
        legend_changed = self._update_legend(colors, labels, styles)
        rescaled = self.rescale(
            force=count_changed or self._rescale_all, shrink_below=LIVE_SHRINK_THRESHOLD
        )
        self._rescale_all = False
        return count_changed or legend_changed or rescaled

    def set_edges(self, edges: Sequence[Sequence[Any]], colors: Sequence[Any]) -> bool | None:
        """Mark edges; see :meth:`ProfilePlot.set_edges`.

        Returns None when nothing changed (no edges before or now), else whether
        the figure needs a full redraw (an edge left the view).
        """
        if not self.marks.set_edges(edges, colors, self._foreground):
            return None
        return self.rescale(force=False, shrink_below=LIVE_SHRINK_THRESHOLD)

    def highlight_edge(self, edge: Any) -> bool:
        """Ring one edge's marker, None for none; returns whether it changed."""
        return self.marks.highlight(edge, self._foreground)

    def set_hint(self, text: str) -> bool:
        """Show ``text`` over the figure; returns whether it changed."""
        changed = text != self._hint.get_text()
        self._hint.set_text(text)
        return changed

    def set_distance_label(self, label: str) -> bool:
        """Label the distance (x) axis; returns whether the label changed."""
        if all(axes.get_xlabel() == label for axes in self._axes):
            return False
        for axes in self._axes:
            axes.set_xlabel(label)
        self._place_x_labels()
        return True

    def set_derivative_label(self, label: str, curvature: str | None = None) -> bool:
        """Label the derivative axes (and the second derivative's); returns whether it changed."""
        before = (self.derivative_axes.get_ylabel(), self.curvature_axes.get_ylabel())
        self.derivative_axes.set_ylabel(label)
        self.curvature_axes.set_ylabel(before[1] if curvature is None else curvature)
        return before != (label, self.curvature_axes.get_ylabel())

    def set_visible_axes(self, intensity: bool, derivative: bool, curvature: bool = False) -> None:
        """Show or hide the axes (smaller y labels for three); see ``ProfilePlot``'s."""
        self._visible = (bool(intensity), bool(derivative), bool(curvature))
        shown = [axes for axes, show in zip(self._axes, self._visible, strict=True) if show]
        grid = self.figure.add_gridspec(max(len(shown), 1), 1)
        for row, axes in enumerate(shown):
            axes.set_subplotspec(grid[row, 0])
        for axes, show in zip(self._axes, self._visible, strict=True):
            axes.set_visible(show)
            axes.yaxis.label.set_fontsize("small" if len(shown) > 2 else "medium")
        self._place_x_labels()

    def set_theme(self, background: Any, foreground: Any) -> None:
        """Colour the figure; see :meth:`ProfilePlot.set_theme`."""
        self._background, self._foreground = background, foreground
        self.figure.set_facecolor(background)
        for axes in self._axes:
            _colour_axes(axes, background, foreground)
        self._hint.set_color(foreground)
        self.marks.set_edge_color(foreground)
        self._legend.forget()
        labels: list[Any] = [line.get_label() for line in self.intensity_lines]
        colors = [line.get_color() for line in self.intensity_lines]
        self._update_legend(colors, labels, self._styles)

    def rescale(self, *, force: bool, shrink_below: float = SHRINK_THRESHOLD) -> bool:
        """Fit the axes to the data when :mod:`.autoscale` says so, or always if ``force``.

        Returns True when the limits changed (the figure needs a full redraw).
        """
        lines = self.intensity_lines
        if not lines:
            self._rescale_all = True
            return False
        x_range = finite_range([line.get_xdata() for line in lines])
        changed = fit_axis(
            self.intensity_axes, "x", x_range, force=force, shrink_below=shrink_below
        )
        for axes, curves in (
            (self.intensity_axes, self.intensity_lines),
            # A refined edge can peak above the samples: keep its marker in view.
            (self.derivative_axes, self.derivative_lines + self.marks.markers),
            (self.curvature_axes, self.curvature_lines),
        ):
            y_range = finite_range([line.get_ydata() for line in curves])
            changed |= fit_axis(axes, "y", y_range, force=force, shrink_below=shrink_below)
        if changed:
            self._on_fit()
            legend = self.shown_legend()
            if legend is not None:
                legend.set_loc("best")
        return changed

    def draw_curves(self, *, legend: bool = True) -> None:
        """Draw the animated artists of the shown axes: curves, marks, then the legend.

        Parameters
        ----------
        legend : bool, optional
            Draw the legend over them too (a blit that puts back its pixels does not).
        """
        for axes, lines, shown in zip(self._axes, self._curves, self._visible, strict=True):
            if not shown:
                continue
            for line in [*lines, *self.marks.artists(axes)]:
                axes.draw_artist(line)
            shown_legend = axes.get_legend()
            if legend and shown_legend is not None:
                # Over the curves, as in a full draw.
                axes.draw_artist(shown_legend)

    def shown_boxes(self) -> list[Bbox]:
        """Return the display boxes of the shown axes, top first."""
        return [axes.bbox for axes, show in zip(self._axes, self._visible, strict=True) if show]

    def shown_legend(self) -> Legend | None:
        """Return the legend on a shown axes, ``None`` if there is none."""
        for axes, shown in zip(self._axes, self._visible, strict=True):
            if shown and axes.get_legend() is not None:
                return axes.get_legend()
        return None

    def _place_x_labels(self) -> None:
        # Only the lowest visible axes carries the distance ticks and label.
        shown = [axes for axes, show in zip(self._axes, self._visible, strict=True) if show]
        bottom = shown[-1] if shown else self.intensity_axes
        for axes in self._axes:
            axes.tick_params(labelbottom=axes is bottom)
            axes.xaxis.label.set_visible(axes is bottom)

    def _update_legend(
        self, colors: Sequence[Any], labels: Sequence[str], styles: Sequence[Any]
    ) -> bool:
        self._styles = list(styles)
        # On the top shown axes that has curves.
        shown = zip(self._axes, self._curves, self._visible, strict=True)
        axes, lines = next(
            ((axes, lines) for axes, lines, show in shown if show and (lines or not labels)),
            (self.intensity_axes, self.intensity_lines),
        )
        return self._legend.update(
            axes,
            lines,
            colors,
            labels,
            styles=self._styles,
            background=self._background,
            foreground=self._foreground,
        )


__all__ = ["ProfileFigure"]
