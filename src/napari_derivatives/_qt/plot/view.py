"""The matplotlib view of the line-derivative panel: knows nothing of napari.

:class:`ProfilePlot` draws intensity profiles (top) and their derivatives
(bottom) on two axes sharing the distance axis. It is built for live updates:
the curves are animated :class:`~matplotlib.lines.Line2D` artists updated in
place with ``set_data``, and the axes are rescaled only when the data leave the
view or shrink a lot. A full redraw of the figure (ticks, labels, legend, text
layout: tens of milliseconds) happens only when something other than the curves
changes: limits, legend, labels, hint, visible axes, theme, size. It caches the
figure without the curves; every other update restores that background, draws
the curves over it and blits the axes to the screen (a millisecond or two). Both
are coalesced to one per turn of the Qt event loop, however many updates came in.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.path import Path
from matplotlib.transforms import Bbox, IdentityTransform
from qtpy.QtCore import QRect, Qt, QTimer
from qtpy.QtWidgets import QVBoxLayout, QWidget

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

#: Pixels around the axes that a blit restores and repaints: edge markers at the
#: axes' edge overhang it.
BLIT_PADDING = 8.0

#: Above this many curves the legend would hide the plot, so it is left out.
MAX_LEGEND_ENTRIES = 12


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
        # The first hit of each column (hits are in order, and so their columns).
        hit_groups = group[hits]
        keep[hits[np.append(True, hit_groups[1:] != hit_groups[:-1])]] = True
    return np.flatnonzero(keep)


#: A curve is drawn through its :func:`column_extremes` when they are at most this
#: fraction of its samples (about seven samples per pixel column, or more).
DENSE_FRACTION = 0.6


class _Curve(Line2D):
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
        self._set_gc_clip(gc)
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


def _finite_range(arrays: Sequence[np.ndarray]) -> tuple[float, float] | None:
    finite = [a[np.isfinite(a)] for a in (np.asarray(x, dtype=float) for x in arrays)]
    finite = [a for a in finite if a.size]
    if not finite:
        return None
    return (min(float(a.min()) for a in finite), max(float(a.max()) for a in finite))


def _padded(low: float, high: float) -> tuple[float, float]:
    span = high - low
    if span <= 0:
        # A flat curve still needs a visible range around its value.
        pad = max(abs(low) * 0.1, 1.0)
        return (low - pad, high + pad)
    return (low - MARGIN * span, high + MARGIN * span)


def _needs_rescale(
    current: tuple[float, float], low: float, high: float, shrink_below: float
) -> bool:
    view_low, view_high = sorted(current)
    if low < view_low or high > view_high:
        return True
    data_span = high - low
    return data_span < shrink_below * (view_high - view_low)


class ProfilePlot(QWidget):
    """A docked figure with the intensity profiles above their derivatives.

    The figure holds two axes sharing the distance (x) axis: intensity on top,
    its derivative along the line below. A navigation toolbar gives zoom, pan
    and saving the figure.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure drawn on.
    canvas : FigureCanvasQTAgg
        The Qt canvas showing ``figure``.
    toolbar : NavigationToolbar2QT
        Zoom, pan and save-figure buttons for ``canvas``.
    intensity_axes, derivative_axes : matplotlib.axes.Axes
        The top (intensity) and bottom (derivative) axes.
    redraw_count : int
        Full redraws of the figure so far (each caches the background).
    frame_count : int
        Times the curves were put on screen so far: full redraws plus blits.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure = Figure(figsize=(4, 4), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(260)
        # The canvas paints every pixel of what it repaints from the figure: Qt need
        # not paint the dock and widgets behind it first, on every blit.
        self.canvas.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.toolbar = NavigationToolbar2QT(self.canvas, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.canvas)

        self.intensity_axes: Axes = self.figure.add_subplot(2, 1, 1)
        self.derivative_axes: Axes = self.figure.add_subplot(2, 1, 2, sharex=self.intensity_axes)
        for axes in self._axes:
            axes.set_autoscale_on(False)
            axes.grid(True, alpha=0.25)
        self.intensity_axes.set_ylabel("intensity")
        self.intensity_axes.tick_params(labelbottom=False)

        self._intensity_lines: list[Line2D] = []
        self._derivative_lines: list[Line2D] = []
        self._edge_markers: list[Line2D] = []
        self._edge_guides: dict[Axes, list[Line2D]] = {axes: [] for axes in self._axes}
        self._legend_key: tuple = ()
        self._rescale_all = True
        self._visible = (True, True)
        self._foreground = "black"
        self._background = "white"
        self._hint = self.figure.text(
            0.5, 0.5, "", ha="center", va="center", wrap=True, fontsize="medium"
        )
        self.redraw_count = 0
        self.frame_count = 0
        # The shown axes as last drawn without the curves, and the renderer they came from.
        self._cached_background: Any = None
        self._cached_renderer: Any = None
        self._cached_size: tuple[int, int] = (0, 0)
        self._cached_legend: Any = None
        self._full_redraw_pending = False
        # A zero-delay single-shot timer coalesces the blits of one event-loop turn.
        self._blit_timer = QTimer(self)
        self._blit_timer.setSingleShot(True)
        self._blit_timer.setInterval(0)
        self._blit_timer.timeout.connect(self._blit_curves)
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(SETTLE_MS)
        self._settle_timer.timeout.connect(self._on_settled)
        self.canvas.mpl_connect("draw_event", self._on_canvas_draw)
        self.set_distance_label("distance")
        self.set_derivative_label("d intensity / d distance")

    @property
    def _axes(self) -> tuple[Axes, Axes]:
        return (self.intensity_axes, self.derivative_axes)

    @property
    def intensity_lines(self) -> list[Line2D]:
        """The intensity curves, one per profile, in order."""
        return list(self._intensity_lines)

    @property
    def derivative_lines(self) -> list[Line2D]:
        """The derivative curves, one per profile, in order."""
        return list(self._derivative_lines)

    @property
    def hint(self) -> str:
        """The text shown over the figure, ``""`` if none."""
        return self._hint.get_text()

    # --- content ------------------------------------------------------------------------

    def set_profiles(
        self,
        profiles: Sequence[Any],
        colors: Sequence[Any],
        labels: Sequence[str],
    ) -> None:
        """Show profiles, updating the existing curves in place.

        Curves are created or removed only when the number of profiles changes;
        otherwise their data, colour and label are replaced.

        Parameters
        ----------
        profiles : sequence of Profile
            Objects with 1D arrays ``distance`` (physical units), ``values``
            (intensity) and ``derivative`` (intensity per physical unit), such as
            :class:`napari_derivatives.Profile`. NaN samples leave gaps.
        colors : sequence of color
            One matplotlib colour per profile.
        labels : sequence of str
            One legend label per profile.
        """
        if not len(profiles) == len(colors) == len(labels):
            raise ValueError(
                "colors, labels: expected one per profile, got "
                f"{len(profiles)} profiles, {len(colors)} colors and {len(labels)} labels"
            )
        count_changed = len(profiles) != len(self._intensity_lines)
        self._resize(self._intensity_lines, self.intensity_axes, len(profiles), kind=_Curve)
        self._resize(self._derivative_lines, self.derivative_axes, len(profiles), kind=_Curve)
        for profile, color, label, top, bottom in zip(
            profiles,
            colors,
            labels,
            self._intensity_lines,
            self._derivative_lines,
            strict=True,
        ):
            top.set_data(profile.distance, profile.values)
            bottom.set_data(profile.distance, profile.derivative)
            for line in (top, bottom):
                line.set_color(color)
            top.set_label(label)
        legend_changed = self._update_legend(colors, labels)
        rescaled = self._rescale(
            force=count_changed or self._rescale_all, shrink_below=LIVE_SHRINK_THRESHOLD
        )
        self._rescale_all = False
        self._request_frame(full=count_changed or legend_changed or rescaled)
        self._settle_timer.start()

    def set_edges(self, edges: Sequence[Sequence[Any]], colors: Sequence[Any]) -> None:
        """Mark edges: a dot on the derivative curve and a dashed line across both axes.

        Parameters
        ----------
        edges : sequence of sequence of Edge
            Per profile, objects with ``distance`` (physical units) and
            ``derivative`` attributes, such as :class:`napari_derivatives.Edge`.
            An empty sequence removes all marks.
        colors : sequence of color
            One matplotlib colour per profile.
        """
        count = len(edges)
        if count == 0 and not self._edge_markers:
            return
        self._resize(self._edge_markers, self.derivative_axes, count, marker="o", linestyle="")
        for axes, guides in self._edge_guides.items():
            self._resize(
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
            marker = self._edge_markers[index]
            marker.set_data(distance, derivative)
            marker.set_markerfacecolor(color)
            marker.set_markeredgecolor(self._foreground)
            # One NaN-separated polyline draws every vertical guide of a profile.
            guide_x = np.repeat(distance, 3)
            guide_x[2::3] = np.nan
            guide_y = np.tile([0.0, 1.0, np.nan], distance.size)
            for guides in self._edge_guides.values():
                guides[index].set_data(guide_x, guide_y)
                guides[index].set_color(color)
        self._request_frame(full=self._rescale(force=False, shrink_below=LIVE_SHRINK_THRESHOLD))

    def set_hint(self, text: str) -> None:
        """Show ``text`` in the middle of the figure (``""`` hides it).

        Parameters
        ----------
        text : str
            For example why nothing is plotted.
        """
        if text != self._hint.get_text():
            self._hint.set_text(text)
            self._request_frame(full=True)

    # --- appearance ---------------------------------------------------------------------

    def set_distance_label(self, label: str) -> None:
        """Label the distance (x) axis.

        Parameters
        ----------
        label : str
            For example ``"distance (µm)"``.
        """
        if all(axes.get_xlabel() == label for axes in self._axes):
            return
        for axes in self._axes:
            axes.set_xlabel(label)
        self._place_x_labels()
        self._request_frame(full=True)

    def set_derivative_label(self, label: str) -> None:
        """Label the derivative (lower) axis.

        Parameters
        ----------
        label : str
            For example ``"d intensity / d distance (per µm)"``.
        """
        if self.derivative_axes.get_ylabel() == label:
            return
        self.derivative_axes.set_ylabel(label)
        self._request_frame(full=True)

    def set_visible_axes(self, intensity: bool, derivative: bool) -> None:
        """Show or hide the intensity and derivative axes.

        A single visible axes takes the whole figure.

        Parameters
        ----------
        intensity : bool
            Show the intensity (upper) axes.
        derivative : bool
            Show the derivative (lower) axes.
        """
        self._visible = (bool(intensity), bool(derivative))
        shown = [axes for axes, show in zip(self._axes, self._visible, strict=True) if show]
        grid = self.figure.add_gridspec(max(len(shown), 1), 1)
        for row, axes in enumerate(shown):
            axes.set_subplotspec(grid[row, 0])
        for axes, show in zip(self._axes, self._visible, strict=True):
            axes.set_visible(show)
        self._place_x_labels()
        self._request_frame(full=True)

    def set_theme(self, background: Any, foreground: Any) -> None:
        """Colour the figure like the application around it.

        Parameters
        ----------
        background : color
            Figure and axes background, for example napari's theme background.
        foreground : color
            Text, ticks, spines, grid and legend text.
        """
        self._background, self._foreground = background, foreground
        self.figure.set_facecolor(background)
        for axes in self._axes:
            axes.set_facecolor(background)
            for spine in axes.spines.values():
                spine.set_color(foreground)
            axes.tick_params(colors=foreground, which="both")
            axes.xaxis.label.set_color(foreground)
            axes.yaxis.label.set_color(foreground)
            axes.grid(True, color=foreground, alpha=0.25)
        self._hint.set_color(foreground)
        for marker in self._edge_markers:
            marker.set_markeredgecolor(foreground)
        self._legend_key = ()
        self._update_legend(
            [line.get_color() for line in self._intensity_lines],
            [line.get_label() for line in self._intensity_lines],
        )
        self._request_frame(full=True)

    def flush(self) -> None:
        """Put the latest curves on screen now rather than on the next event-loop turn.

        A caller that changes several things in one go (curves, edges, hint) calls
        this once at the end, so that they cost one blit. A pending full redraw is
        left to the event loop.
        """
        if self._blit_timer.isActive():
            self._blit_timer.stop()
            self._blit_curves()

    def autoscale(self) -> None:
        """Fit the axes to the data now, as the next update would after a reset."""
        self._rescale(force=True)
        self._request_frame(full=True)

    # --- internals ----------------------------------------------------------------------

    @staticmethod
    def _resize(
        lines: list[Line2D], axes: Axes, count: int, *, kind: type = Line2D, **style: Any
    ) -> None:
        # Bevelled, not matplotlib's round joins: a noisy profile has a corner per
        # sample, and rounding thousands of them is a quarter of the time to draw it.
        while len(lines) > count:
            lines.pop().remove()
        while len(lines) < count:
            # Animated: a full redraw leaves it out of the cached background, and
            # _draw_curves puts it on top (savefig draws it like any artist).
            line = kind([], [], animated=True, solid_joinstyle="bevel", **style)
            axes.add_line(line)
            lines.append(line)

    def _request_frame(self, *, full: bool) -> None:
        """Put the current curves on screen on the next turn of the event loop."""
        if full:
            self._full_redraw_pending = True
            self.canvas.draw_idle()
        elif not self._blit_timer.isActive():
            self._blit_timer.start()

    def _on_settled(self) -> None:
        if self._rescale(force=False):
            self._request_frame(full=True)

    def _on_canvas_draw(self, _event: Any) -> None:
        # Every full draw, ours or matplotlib's (resize, toolbar zoom), lands here.
        if self.canvas.is_saving():
            return
        self._full_redraw_pending = False
        # What a blit can change: the shown axes, and markers overhanging them.
        self._cached_renderer = self.canvas.get_renderer()
        self._cached_size = (self._cached_renderer.width, self._cached_renderer.height)
        self._cached_background = [
            self.canvas.copy_from_bbox(axes.bbox.padded(BLIT_PADDING))
            for axes, shown in zip(self._axes, self._visible, strict=True)
            if shown
        ]
        self._draw_curves()
        legend = self._shown_legend()
        self._cached_legend = None
        if legend is not None:
            # Laying out the legend's text costs as much as drawing a curve. Its frame
            # is opaque, so what is inside does not depend on the curves under it: kept
            # and put back by each blit over the frame, until the next full redraw.
            box = legend.get_window_extent()
            frame = legend.get_frame()
            # Inside the frame's line and its rounded corners.
            inset = frame.get_linewidth() * self.figure.dpi / 72 + 2.0
            self._cached_legend = (frame, self.canvas.copy_from_bbox(box.padded(-inset)))
            # The "best" place is found again only when the view changes (a new
            # legend, new limits), so that it does not jump while a line is dragged.
            anchor = legend.get_bbox_to_anchor()
            if anchor.width > 0 and anchor.height > 0:
                legend.set_loc(
                    ((box.x0 - anchor.x0) / anchor.width, (box.y0 - anchor.y0) / anchor.height)
                )
        self.redraw_count += 1
        self.frame_count += 1

    def _draw_curves(self, *, legend: bool = True) -> None:
        for axes, shown in zip(self._axes, self._visible, strict=True):
            if not shown:
                continue
            if axes is self.intensity_axes:
                curves = [*self._intensity_lines, *self._edge_guides[axes]]
            else:
                curves = [*self._derivative_lines, *self._edge_guides[axes], *self._edge_markers]
            for line in curves:
                axes.draw_artist(line)
            if legend and axes.get_legend() is not None:
                # Over the curves, as in a full draw.
                axes.draw_artist(axes.get_legend())

    def _shown_legend(self) -> Any:
        for axes, shown in zip(self._axes, self._visible, strict=True):
            if shown and axes.get_legend() is not None:
                return axes.get_legend()
        return None

    def _blit_curves(self) -> None:
        if self._full_redraw_pending:
            self.canvas.draw_idle()
            return
        renderer = getattr(self.canvas, "renderer", None)
        if (
            self._cached_background is None
            or renderer is None
            or renderer is not self._cached_renderer
            or (renderer.width, renderer.height) != self._cached_size
        ):
            self._request_frame(full=True)
            return
        for region in self._cached_background:
            self.canvas.restore_region(region)
        self._draw_curves(legend=self._cached_legend is None)
        if self._cached_legend is not None:
            frame, inside = self._cached_legend
            frame.draw(renderer)
            self.canvas.restore_region(inside)
        shown = [axes.bbox for axes, show in zip(self._axes, self._visible, strict=True) if show]
        if shown:
            # Markers at the axes' edge overhang it by a few pixels. update(), not
            # the synchronous repaint() of canvas.blit: Qt then paints it together
            # with napari's canvas, one composition of the window instead of two.
            ratio = self.canvas.device_pixel_ratio
            left, bottom, right, top = Bbox.union(shown).padded(BLIT_PADDING).extents / ratio
            height = self.canvas.rect().height()
            self.canvas.update(
                QRect(
                    math.floor(left),
                    math.floor(height - top),
                    math.ceil(right - left) + 1,
                    math.ceil(top - bottom) + 1,
                )
            )
        self.frame_count += 1

    def _place_x_labels(self) -> None:
        # Only the lowest visible axes carries the distance ticks and label.
        bottom = self.derivative_axes if self._visible[1] else self.intensity_axes
        for axes in self._axes:
            axes.tick_params(labelbottom=axes is bottom)
            axes.xaxis.label.set_visible(axes is bottom)

    def _update_legend(self, colors: Sequence[Any], labels: Sequence[str]) -> bool:
        key = (tuple(map(str, colors)), tuple(labels))
        if key == self._legend_key:
            return False
        self._legend_key = key
        for axes in self._axes:
            legend = axes.get_legend()
            if legend is not None:
                legend.remove()
        if not labels or len(labels) > MAX_LEGEND_ENTRIES:
            return True
        axes = self.intensity_axes if self._visible[0] else self.derivative_axes
        lines = self._intensity_lines if axes is self.intensity_axes else self._derivative_lines
        legend = axes.legend(
            lines,
            labels,
            loc="best",
            fontsize="small",
            frameon=True,
            # Opaque, so that a blit can put back its cached pixels over any curve.
            framealpha=1.0,
            facecolor=self._background,
            edgecolor=self._foreground,
            labelcolor=self._foreground,
        )
        # Drawn after the animated curves, so that it stays over them.
        legend.set_animated(True)
        return True

    def _rescale(self, *, force: bool, shrink_below: float = SHRINK_THRESHOLD) -> bool:
        lines = self._intensity_lines
        if not lines:
            self._rescale_all = True
            return False
        changed = False
        x_range = _finite_range([line.get_xdata() for line in lines])
        changed |= self._fit(self.intensity_axes, "x", x_range, force, shrink_below)
        for axes, curves in (
            (self.intensity_axes, self._intensity_lines),
            # A refined edge can peak above the samples: keep its marker in view.
            (self.derivative_axes, self._derivative_lines + self._edge_markers),
        ):
            changed |= self._fit(
                axes,
                "y",
                _finite_range([line.get_ydata() for line in curves]),
                force,
                shrink_below,
            )
        if changed:
            # The toolbar's "home" view is the latest fit, not a stale one.
            self.toolbar.update()
            legend = self._shown_legend()
            if legend is not None:
                legend.set_loc("best")
        return changed

    @staticmethod
    def _fit(
        axes: Axes,
        which: str,
        data_range: tuple[float, float] | None,
        force: bool,
        shrink_below: float,
    ) -> bool:
        if data_range is None:
            return False
        get_limits = axes.get_xlim if which == "x" else axes.get_ylim
        set_limits = axes.set_xlim if which == "x" else axes.set_ylim
        current = get_limits()
        if not (force or _needs_rescale(current, *data_range, shrink_below)):
            return False
        low, high = data_range
        view_low, view_high = sorted(current)
        if not force and which == "y" and (low < view_low or high > view_high):
            # Data leaving the view widen it to hold both, so that a line dragged
            # over a textured image soon stops changing the limits (each change is
            # a full redraw), unless the data would then fill too little of it.
            union = (min(low, view_low), max(high, view_high))
            if high - low >= SHRINK_THRESHOLD * (union[1] - union[0]):
                low, high = union
        limits = _padded(low, high)
        if np.allclose(limits, current):
            return False
        set_limits(*limits)
        return True


__all__ = ["ProfilePlot"]
