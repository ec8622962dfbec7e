"""The "Line derivative" dock widget: controls and events only.

The panel profiles an image layer along every line and path of a Shapes layer
and plots the intensity and its derivative live, while lines are drawn and
dragged. This top widget composes the parts and draws: what to draw comes from
:func:`~napari_derivatives._napari.panel_state.compute_panel_state`, the settings
from :class:`~napari_derivatives._qt.panel_controls.PanelControls`, the events from
:class:`~napari_derivatives._qt.layer_watch.LayerWatch`; the plot is
:class:`~napari_derivatives._qt.plot.view.ProfilePlot`.

Every event that can change the plot (a vertex dragged, a shape added, the slider
moved, a setting changed...) only asks for an update; the update runs once on the
next turn of the Qt event loop, however many events came in between, and before
Qt repaints the window: the new curves reach the screen with the moved line.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from napari.utils.notifications import show_error
from napari.utils.theme import get_theme
from qtpy.QtCore import QCoreApplication, QEvent, Qt
from qtpy.QtWidgets import QLabel, QVBoxLayout, QWidget

from .._napari.panel_state import PanelState, compute_panel_state
from .export_button import ExportButton
from .layer_watch import LayerWatch
from .panel_controls import PanelControls
from .panel_outputs import PanelOutputs
from .plot.view import ProfilePlot

if TYPE_CHECKING:
    import napari.layers

    import napari

    from .._core.edges import Edge
    from .._core.profiles import Profile

#: The event :meth:`LineDerivativeWidget.schedule_update` posts, and its priority:
#: ahead of Qt's repaint of the window (``UpdateRequest``, low priority).
_UPDATE_EVENT = QEvent.Type(QEvent.registerEventType())
_UPDATE_PRIORITY = int(getattr(Qt.EventPriority.HighEventPriority, "value", 1))


class _ScheduledPanel(QWidget):
    # Updates on the next turn of the event loop, and listening while docked: the
    # machinery under LineDerivativeWidget, whose docstring describes it.

    _watch: LayerWatch
    _update_pending: bool

    @property
    def update_pending(self) -> bool:
        """Whether an update was asked for and has not run yet."""
        return self._update_pending

    def schedule_update(self, *_: Any) -> None:
        """Ask for an update on the next turn of the event loop; bursts cost one update.

        The update is a posted event of high priority: it runs before Qt's repaint
        of the window (a low-priority event, posted when napari redraws the moved
        line), so that the plot is painted in the same frame as the line.
        """
        if not self._update_pending:
            self._update_pending = True
            QCoreApplication.postEvent(self, QEvent(_UPDATE_EVENT), _UPDATE_PRIORITY)

    def update_profiles(self) -> None:
        """Profile the lines and redraw now."""
        raise NotImplementedError

    # --- listening ----------------------------------------------------------------------

    def connect_viewer(self) -> None:
        """Listen to the viewer again: the plot follows the lines live (done when docked)."""
        self._watch.connect()

    def disconnect_viewer(self) -> None:
        """Stop listening to the viewer; the plot keeps its curves (done when undocked)."""
        # The posted event may still come: it finds nothing pending.
        self._update_pending = False
        self._watch.disconnect()

    # --- Qt -----------------------------------------------------------------------------

    def closeEvent(self, event: Any) -> None:
        """Stop listening to the viewer when the panel is closed (Qt's handler)."""
        self.disconnect_viewer()
        super().closeEvent(event)

    def event(self, event: QEvent | None) -> bool:
        """Run a scheduled update; stop listening when undocked, again when docked.

        Qt's event handler: True for the update event, Qt's own answer for the others.
        """
        kind = None if event is None else event.type()
        if kind == _UPDATE_EVENT:
            if self._update_pending:
                self.update_profiles()
            return True
        # Qt may report a parent change from within QWidget.__init__, before the handlers exist.
        if kind == QEvent.Type.ParentChange and hasattr(self, "_watch"):
            if self.parent() is None:
                self.disconnect_viewer()
            else:
                self.connect_viewer()
        return super().event(event)


class LineDerivativeWidget(_ScheduledPanel):
    """Plot intensity and its derivative along the lines of a Shapes layer, live.

    Every line and path shape of the chosen Shapes layer is profiled over the
    chosen image; other shape types are ignored. Distances are in the image's
    physical units (its ``scale`` and ``units``), derivatives in intensity per
    physical unit. For an image with more dimensions than displayed, each line
    samples the slice the viewer shows.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        The viewer whose layers are profiled.
    parent : QWidget, optional
        The parent widget.

    Attributes
    ----------
    viewer : napari.viewer.Viewer
        The viewer.
    plot : ProfilePlot
        The figure: intensity above, derivative below.
    image, shapes, step, width, interpolation, smooth, derivative : ValueWidget
        The layers profiled and the sampling settings: step and smoothing in the
        image's physical units, width in pixels; ``derivative``: of the samples or
        of the interpolant.
    show_intensity, show_derivative, show_curvature : magicgui.widgets.ValueWidget
        Which axes are shown: intensity, derivative, second derivative.
    only_selected : magicgui.widgets.ValueWidget
        Plot only the shapes selected in the Shapes layer.
    mark_edges, edge_count, edge_select, edge_polarity, edge_threshold : ValueWidget
        Whether edges are marked, and which (``Profile.find_edges``' options). These
        are the :class:`~napari_derivatives._qt.panel_controls.PanelControls`.
    export_button : magicgui.widgets.PushButton
        Opens a file dialog and writes the plotted profiles to CSV.
    edge_table : EdgeTableView
        While edges are marked: a row per edge (line, edge number along it, position,
        slope, intensity, widths, distance to the next edge, world coordinates);
        selecting a row rings its marker on the plot and selects it on the canvas.
        Its button writes the table to CSV.
    kymograph : KymographPanel
        Over a stack: the axis to sweep the selected (or first) line along, the
        "Kymograph" button, the edge track's plot with its velocity, its export.
    hint_label : QLabel
        Says what is not profiled, and why.
    """

    def __init__(self, viewer: napari.viewer.Viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self._state = PanelState()
        self._last_error = ""
        # A burst of events posts one update event; it runs when the burst is over.
        self._update_pending = False

        self._controls = controls = PanelControls(viewer)
        self.image, self.shapes = controls.image, controls.shapes
        self.step, self.smooth = controls.step, controls.smooth
        self.derivative = controls.derivative
        # The public setting shadows QWidget.width(), as it always has: it is the API.
        self.width = controls.width  # type: ignore[method-assign,assignment]
        self.interpolation, self.edge_count = controls.interpolation, controls.edge_count
        self.show_intensity = controls.show_intensity
        self.show_derivative = controls.show_derivative
        self.show_curvature, self.only_selected = controls.show_curvature, controls.only_selected
        self.mark_edges = controls.mark_edges
        self.edge_threshold, self.edge_polarity = controls.edge_threshold, controls.edge_polarity
        self.edge_select = controls.edge_select
        self.export_button = ExportButton(
            export=lambda path: self.export_csv(path), ready=lambda: bool(self._state.profiles)
        )
        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)
        self.plot = ProfilePlot(self)

        layout = QVBoxLayout(self)
        layout.addWidget(controls.native)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.plot, stretch=1)
        layout.addWidget(self.export_button.native)

        self._watch = LayerWatch(
            viewer, controls, on_change=self.schedule_update, on_theme=self._on_viewer_theme
        )
        self._outputs = PanelOutputs(viewer, self._watch, controls, self.plot, lambda: self._state)
        self.edge_table, self.kymograph = self._outputs.edge_table, self._outputs.kymograph
        layout.insertWidget(layout.indexOf(self.export_button.native), self.edge_table)
        layout.addWidget(self.kymograph)
        for widget in (*controls.sampling, self.mark_edges):
            widget.changed.connect(self.schedule_update)
        for widget in (self.show_intensity, self.show_derivative):
            widget.changed.connect(self._on_visible_axes_changed)
        # The second derivative is computed only while shown: its box also updates.
        self.show_curvature.changed.connect(self._on_visible_axes_changed)
        self.show_curvature.changed.connect(self.schedule_update)

        self.connect_viewer()
        self._on_viewer_theme()
        self.plot.set_visible_axes(True, True)
        self.update_profiles()

    # --- public API ---------------------------------------------------------------------

    @property
    def profiles(self) -> list[Profile]:
        """The profiles plotted, one per line or path, in shape order."""
        return list(self._state.profiles)

    @property
    def shape_indices(self) -> list[int]:
        """The index in the Shapes layer of the shape of each profile."""
        return list(self._state.shape_indices)

    @property
    def edges(self) -> list[list[Edge]]:
        """The edges marked on each profile; empty lists when ``mark_edges`` is off."""
        return [list(line_edges) for line_edges in self._state.edges or []]

    @property
    def edges_layer(self) -> napari.layers.Points | None:
        """The Points layer marking the edges on the canvas, if ``mark_edges`` is on."""
        return self._watch.markers.layer

    @property
    def hint(self) -> str:
        """The text of the hint label: what is not profiled and why."""
        return self.hint_label.text()

    def profile_options(self) -> dict[str, Any]:
        """Return the keyword arguments of ``profile_shapes`` the settings stand for.

        Returns
        -------
        dict
            ``step`` and ``smooth`` (sigma) in the image's physical units, with
            ``lengths="physical"``; ``width`` (pixels) and ``order`` (0, 1 or 3).
        """
        return self._controls.profile_options()

    def update_profiles(self) -> None:
        """Profile the lines and redraw now (events call :meth:`schedule_update` instead)."""
        self._update_pending = False
        try:
            watch = self._watch
            if watch.image is not None:
                # Lengths are typed in the image's unit: label them before they are read.
                self._controls.set_length_unit(*watch.cache.unit(self.viewer, watch.image))
            state = compute_panel_state(
                self.viewer,
                watch.image,
                watch.shapes,
                cache=watch.cache,
                edge_options=self._controls.edge_options(),
                only_selected=bool(self.only_selected.value),
                curvature=bool(self.show_curvature.value),
                **self.profile_options(),
            )
            self._draw(state)
        except Exception as error:  # a panel must never raise in napari's event loop
            self._state = PanelState()
            self.plot.set_profiles([], [], [])
            self.plot.set_edges([], [])
            message = f"Line derivative: {error}"
            self._show_hint(message, plot_hint="Cannot profile the lines: see the notification.")
            if message != self._last_error:
                self._last_error = message
                show_error(message)
        else:
            self._last_error = ""

    def export_csv(self, path: str | os.PathLike) -> None:
        """Write the plotted profiles to one CSV file, a row per sample.

        The columns are ``line`` (the shape's index in the Shapes layer),
        ``plane`` for a stack, ``distance_<unit>``, the pixel and world coordinates
        named after the layer's axis labels and units (``y_px``, ``y_µm``),
        ``intensity`` and ``derivative_per_<unit>``; the settings go to a JSON file
        beside it (:func:`napari_derivatives.profiles_to_csv`).

        Parameters
        ----------
        path : str or os.PathLike
            File to write (overwritten).

        Raises
        ------
        ValueError
            If nothing is plotted.
        """
        if self._update_pending:
            self.update_profiles()
        self._outputs.export_csv(path)

    def export_edges(self, path: str | os.PathLike) -> None:
        """Write the edge table to one CSV file, a row per edge, and its JSON record.

        Parameters
        ----------
        path : str or os.PathLike
            File to write (overwritten).

        Raises
        ------
        ValueError
            If no edge is marked.
        """
        if self._update_pending:
            self.update_profiles()
        self._outputs.export_edges(path)

    # --- drawing ------------------------------------------------------------------------

    def _draw(self, state: PanelState) -> None:
        self._state = state
        if state.axis_labels is not None:
            self.plot.set_distance_label(state.axis_labels[0])
            self.plot.set_derivative_label(state.axis_labels[1], state.axis_labels[2])
        self.plot.set_profiles(
            state.profiles,
            state.colors,
            state.labels,
            curvatures=state.curvatures,
            selected=state.selected,
        )
        # Edges not marked (None) or none found: no colours either.
        self.plot.set_edges(state.edges or [], state.colors if state.edges else [])
        self._watch.markers.update(state, self._watch.image, self._watch.shapes)
        self._outputs.show(state)
        self._show_hint(state.hint, plot_hint=state.plot_hint)
        # One blit for the curves, edges and hint, now, so that it reaches the screen
        # with napari's own repaint of the moved line.
        self.plot.flush()

    def _show_hint(self, text: str, *, plot_hint: str) -> None:
        self.hint_label.setText(text)
        self.hint_label.setVisible(bool(text))
        self.plot.set_hint(plot_hint)

    # --- event handlers -----------------------------------------------------------------

    def _on_viewer_theme(self, _event: Any = None) -> None:
        theme = get_theme(self.viewer.theme)
        self.plot.set_theme(theme.background.as_hex(), theme.text.as_hex())

    def _on_visible_axes_changed(self, _value: Any = None) -> None:
        self.plot.set_visible_axes(
            self.show_intensity.value, self.show_derivative.value, self.show_curvature.value
        )


__all__ = ["LineDerivativeWidget"]
