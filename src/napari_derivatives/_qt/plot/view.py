"""The matplotlib view of the line-derivative panel: knows nothing of napari.

:class:`ProfilePlot` draws intensity profiles (top) and their derivatives
(bottom) on two axes sharing the distance axis (:mod:`.figure`). It is built for
live updates: the curves are animated :class:`~matplotlib.lines.Line2D` artists
updated in place with ``set_data`` (:mod:`.curves`), and the axes are rescaled
only when the data leave the view or shrink a lot (:mod:`.autoscale`). A full
redraw of the figure (ticks, labels, legend, text layout: tens of milliseconds)
happens only when something other than the curves changes: limits, legend,
labels, hint, visible axes, theme, size. It caches the figure without the curves
(:mod:`.blit`); every other update restores that background, draws the curves
over it and blits the axes to the screen (a millisecond or two). Both are
coalesced to one per turn of the Qt event loop, however many updates came in,
and each is announced by the signal ``ProfilePlot.frame_drawn``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from qtpy.QtCore import Qt, QTimer, Signal
from qtpy.QtWidgets import QVBoxLayout, QWidget

from .autoscale import SETTLE_MS
from .blit import BlitCache
from .figure import ProfileFigure
from .legend import pin_legend


class _LiveCanvas(QWidget):
    # The figure's canvas and toolbar, and when to blit or redraw: the machinery under
    # ProfilePlot's content methods (which are its public face).

    frame_drawn = Signal(bool)

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
        # The toolbar's "home" view is the latest fit, not a stale one.
        self._content = ProfileFigure(self.figure, on_fit=self.toolbar.update)
        self.intensity_axes = self._content.intensity_axes
        self.derivative_axes = self._content.derivative_axes
        self.curvature_axes = self._content.curvature_axes
        self._blit = BlitCache(self.canvas)
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
        self._content.rescale(force=True)
        self._request_frame(full=True)

    # --- internals ----------------------------------------------------------------------

    def _request_frame(self, *, full: bool) -> None:
        """Put the current curves on screen on the next turn of the event loop."""
        if full:
            self._full_redraw_pending = True
            self.canvas.draw_idle()
        elif not self._blit_timer.isActive():
            self._blit_timer.start()

    def _on_settled(self) -> None:
        if self._content.rescale(force=False):
            self._request_frame(full=True)

    def _on_canvas_draw(self, _event: Any) -> None:
        # Every full draw, ours or matplotlib's (resize, toolbar zoom), lands here.
        if self.canvas.is_saving():
            return
        self._full_redraw_pending = False
        # What a blit can change: the shown axes, and markers overhanging them.
        self._blit.save_background(self._content.shown_boxes())
        self._content.draw_curves()
        legend = self._content.shown_legend()
        if legend is not None:
            box = legend.get_window_extent()
            self._blit.save_legend(legend.get_frame(), box)
            pin_legend(legend, box)
        self.frame_drawn.emit(True)

    def _blit_curves(self) -> None:
        if self._full_redraw_pending:
            self.canvas.draw_idle()
            return
        if not self._blit.fits(getattr(self.canvas, "renderer", None)):
            self._request_frame(full=True)
            return
        self._blit.restore_background()
        self._content.draw_curves(legend=not self._blit.has_legend)
        self._blit.restore_legend()
        self._blit.repaint(self._content.shown_boxes())
        self.frame_drawn.emit(False)


class ProfilePlot(_LiveCanvas):
    """A docked figure with the intensity profiles above their derivatives.

    The figure holds axes sharing the distance (x) axis: intensity on top, its
    derivative along the line below, and optionally the second derivative. A
    navigation toolbar gives zoom, pan and saving the figure.

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
    intensity_axes, derivative_axes, curvature_axes : matplotlib.axes.Axes
        The intensity (top), derivative and second-derivative (hidden by default) axes.
    frame_drawn : Signal(bool)
        Emitted each time the curves were put on the canvas: ``True`` after a full
        redraw of the figure (ours, or matplotlib's on a resize or toolbar zoom),
        ``False`` after a blit of the curves alone. Counting the emissions tells
        what an interaction costs. Slots run inside the drawing: keep them quick.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_distance_label("distance")
        self.set_derivative_label("d intensity / d distance")

    @property
    def intensity_lines(self) -> list[Line2D]:
        """The intensity curves, one per profile, in order."""
        return list(self._content.intensity_lines)

    @property
    def derivative_lines(self) -> list[Line2D]:
        """The derivative curves, one per profile, in order."""
        return list(self._content.derivative_lines)

    @property
    def curvature_lines(self) -> list[Line2D]:
        """The second-derivative curves, one per profile while that axes is shown."""
        return list(self._content.curvature_lines)

    @property
    def hint(self) -> str:
        """The text shown over the figure, ``""`` if none."""
        return self._content.hint

    # --- content ------------------------------------------------------------------------

    def set_profiles(
        self,
        profiles: Sequence[Any],
        colors: Sequence[Any],
        labels: Sequence[str],
        *,
        curvatures: Sequence[Any] | None = None,
        selected: Sequence[bool] | None = None,
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
        curvatures : sequence of numpy.ndarray, optional
            The second derivative of each profile, for the third axes; None draws none.
        selected : sequence of bool, optional
            Per profile, whether its shape is selected: while any is, the selected
            curves are drawn thicker and the others dimmed (:func:`.figure.curve_style`).
        """
        full = self._content.set_profiles(
            profiles, colors, labels, curvatures=curvatures, selected=selected
        )
        self._request_frame(full=full)
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
        full = self._content.set_edges(edges, colors)
        if full is not None:
            self._request_frame(full=full)

    def highlight_edge(self, edge: Any) -> None:
        """Ring one edge's marker on the derivative axes (the edge table's selected row).

        Parameters
        ----------
        edge : Edge or None
            An object with ``distance`` and ``derivative``; None removes the ring.
        """
        if self._content.highlight_edge(edge):
            self._request_frame(full=False)

    @property
    def highlighted_edge(self) -> tuple[float, float] | None:
        """The (distance, derivative) of the ringed edge marker, None if none is."""
        return self._content.marks.highlighted

    def set_hint(self, text: str) -> None:
        """Show ``text`` in the middle of the figure (``""`` hides it).

        Parameters
        ----------
        text : str
            For example why nothing is plotted.
        """
        if self._content.set_hint(text):
            self._request_frame(full=True)

    # --- appearance ---------------------------------------------------------------------

    def set_distance_label(self, label: str) -> None:
        """Label the distance (x) axis.

        Parameters
        ----------
        label : str
            For example ``"distance (µm)"``.
        """
        if self._content.set_distance_label(label):
            self._request_frame(full=True)

    def set_derivative_label(self, label: str, curvature: str | None = None) -> None:
        """Label the derivative axes, and the second derivative's.

        Parameters
        ----------
        label : str
            For example ``"d intensity / d distance (per µm)"``.
        curvature : str, optional
            For example ``"d² intensity / d distance² (per µm²)"``; None keeps it.
        """
        if self._content.set_derivative_label(label, curvature):
            self._request_frame(full=True)

    def set_visible_axes(self, intensity: bool, derivative: bool, curvature: bool = False) -> None:
        """Show or hide the intensity, derivative and second-derivative axes.

        The visible axes share the figure's height, top to bottom in this order.

        Parameters
        ----------
        intensity : bool
            Show the intensity (upper) axes.
        derivative : bool
            Show the derivative axes.
        curvature : bool, optional
            Show the second-derivative (lowest) axes; its curves come with
            ``set_profiles(..., curvatures=...)``.
        """
        self._content.set_visible_axes(intensity, derivative, curvature)
        self.canvas.setMinimumHeight(390 if intensity and derivative and curvature else 260)
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
        self._content.set_theme(background, foreground)
        self._request_frame(full=True)


__all__ = ["ProfilePlot"]
