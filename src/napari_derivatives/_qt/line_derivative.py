"""The "Line derivative" dock widget: controls and events only.

The panel profiles an image layer along every line and path of a Shapes layer
and plots the intensity and its derivative live, while lines are drawn and
dragged. The sampling is :func:`napari_derivatives._napari.line_profiles.profile_shapes`, the
plot :class:`napari_derivatives._qt.plot.view.ProfilePlot`; this module connects napari's
events to them.

Every event that can change the plot (a vertex dragged, a shape added, the slider
moved, a setting changed...) only asks for an update; the update runs once on the
next turn of the Qt event loop, however many events came in between, and before
Qt repaints the window: the new curves reach the screen with the moved line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from magicgui.widgets import CheckBox, ComboBox, Container, FloatSpinBox, PushButton, SpinBox
from napari.layers import Image, Shapes
from napari.utils.notifications import show_error
from napari.utils.theme import get_theme
from qtpy.QtCore import QCoreApplication, QEvent, Qt
from qtpy.QtWidgets import QFileDialog, QLabel, QVBoxLayout, QWidget

from .._core.choices import INTERPOLATION_ORDERS
from .._core.export import profiles_to_csv
from .._napari.edge_points import edge_points_name, update_edge_points
from .._napari.line_profiles import (
    PATH_SHAPE_TYPES,
    coordinate_labels,
    distance_axis_labels,
    ignored_shapes_hint,
    profile_shapes,
)
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

#: Planes kept between updates, so that moving the slider back and forth over a
#: large stack reads each plane once without holding the whole stack in memory.
PLANE_CACHE_SIZE = 8

_TRANSFORM_EVENTS = ("scale", "translate", "rotate", "shear", "affine", "units")
_IMAGE_EVENTS = ("data", *_TRANSFORM_EVENTS)
# set_data fires on every refresh of the layer, so while a vertex or shape is
# dragged or a new line drawn; data fires when a shape is added, removed, or a
# drag ends.
_SHAPES_EVENTS = ("set_data", "data", "edge_color", *_TRANSFORM_EVENTS)
_DIMS_EVENTS = ("current_step", "point", "order", "ndisplay")


class LineDerivativeWidget(QWidget):
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
    image, shapes : magicgui.widgets.ComboBox
        The profiled image layer and the Shapes layer holding the lines.
    step : magicgui.widgets.FloatSpinBox
        Distance between samples, in pixels along the line.
    width : magicgui.widgets.SpinBox
        Number of samples across the line (averaged), one pixel apart.
    interpolation : magicgui.widgets.ComboBox
        ``"nearest"``, ``"linear"`` or ``"cubic"``.
    smooth : magicgui.widgets.FloatSpinBox
        Sigma of the Gaussian smoothing before differentiating, in pixels; 0 for none.
    show_intensity, show_derivative : magicgui.widgets.CheckBox
        Which axes are shown.
    mark_edges : magicgui.widgets.CheckBox
        Mark the strongest derivative extrema on the plot and in a Points layer.
    edge_count : magicgui.widgets.SpinBox
        Number of edges marked per line.
    export_button : magicgui.widgets.PushButton
        Opens a file dialog and writes the plotted profiles to CSV.
    hint_label : QLabel
        Says what is not profiled, and why.
    """

    def __init__(self, viewer: napari.viewer.Viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self._image: napari.layers.Image | None = None
        self._shapes: napari.layers.Shapes | None = None
        self._edges_layer: napari.layers.Points | None = None
        self._plane_cache: dict[tuple, Any] = {}
        # The plot's axis labels for the image, kept until its transforms change.
        self._axis_labels: tuple[str, str] | None = None
        self._indexed_profiles: list[tuple[int, Profile]] = []
        self._edges: list[list[Edge]] = []
        self._last_error = ""
        self._connections: list[tuple[Any, Callable]] = []
        self._layer_connections: dict[str, list[tuple[Any, Callable]]] = {
            "image": [],
            "shapes": [],
        }
        self._named_layers: dict[int, Any] = {}

        self.image = ComboBox(label="image", choices=self._image_choices)
        self.shapes = ComboBox(label="lines", choices=self._shapes_choices)
        self.step = FloatSpinBox(label="step (pixels)", value=1.0, min=0.01, max=1000.0, step=0.1)
        self.width = SpinBox(label="width (pixels)", value=1, min=1, max=999)
        self.interpolation = ComboBox(
            label="interpolation", choices=tuple(INTERPOLATION_ORDERS), value="linear"
        )
        self.smooth = FloatSpinBox(
            label="smooth σ (pixels)", value=0.0, min=0.0, max=1000.0, step=0.5
        )
        self.show_intensity = CheckBox(text="show intensity", value=True)
        self.show_derivative = CheckBox(text="show derivative", value=True)
        self.mark_edges = CheckBox(text="mark edges", value=False)
        self.edge_count = SpinBox(label="edges per line", value=1, min=1, max=100, enabled=False)
        self.export_button = PushButton(text="Export CSV…")
        for widget, tooltip in (
            (self.image, "The image sampled along the lines."),
            (self.shapes, "The Shapes layer whose lines and paths are profiled."),
            (self.step, "Distance between samples along the line, in image pixels."),
            (self.width, "Samples across the line, one pixel apart, averaged."),
            (self.smooth, "Gaussian smoothing before differentiating, sigma in pixels."),
            (self.edge_count, "How many of the strongest derivative extrema to mark per line."),
        ):
            widget.tooltip = tooltip
        controls = Container(
            widgets=[
                self.image,
                self.shapes,
                self.step,
                self.width,
                self.interpolation,
                self.smooth,
                self.show_intensity,
                self.show_derivative,
                self.mark_edges,
                self.edge_count,
            ]
        )
        controls.margins = (0, 0, 0, 0)
        self._controls = controls

        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)
        self.plot = ProfilePlot(self)

        layout = QVBoxLayout(self)
        layout.addWidget(controls.native)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.plot, stretch=1)
        layout.addWidget(self.export_button.native)

        # A burst of events posts one update event; it runs when the burst is over.
        self._update_pending = False

        for widget in (self.step, self.width, self.interpolation, self.smooth, self.edge_count):
            widget.changed.connect(self.schedule_update)
        for widget in (self.image, self.shapes):
            widget.changed.connect(self._on_layer_choice_changed)
        for widget in (self.show_intensity, self.show_derivative):
            widget.changed.connect(self._on_visible_axes_changed)
        self.mark_edges.changed.connect(self._on_mark_edges_changed)
        self.export_button.changed.connect(self._on_export_clicked)

        self._connect_viewer()
        self._on_viewer_theme()
        self.plot.set_visible_axes(True, True)
        self.update_profiles()

    # --- public API ---------------------------------------------------------------------

    @property
    def profiles(self) -> list[Profile]:
        """The profiles plotted, one per line or path, in shape order."""
        return [profile for _, profile in self._indexed_profiles]

    @property
    def shape_indices(self) -> list[int]:
        """The index in the Shapes layer of the shape of each profile."""
        return [index for index, _ in self._indexed_profiles]

    @property
    def edges(self) -> list[list[Edge]]:
        """The edges marked on each profile; empty lists when ``mark_edges`` is off."""
        return [list(line_edges) for line_edges in self._edges]

    @property
    def edges_layer(self) -> napari.layers.Points | None:
        """The Points layer marking the edges on the canvas, if ``mark_edges`` is on."""
        return self._edges_layer

    @property
    def hint(self) -> str:
        """The text of the hint label: what is not profiled and why."""
        return self.hint_label.text()

    def profile_options(self) -> dict[str, Any]:
        """Return the keyword arguments of ``line_profile`` the settings stand for.

        Returns
        -------
        dict
            ``step`` (pixels), ``width`` (pixels), ``order`` (0, 1 or 3) and
            ``smooth`` (sigma in pixels).
        """
        return {
            "step": float(self.step.value),
            "width": int(self.width.value),
            "order": INTERPOLATION_ORDERS[self.interpolation.value],
            "smooth": float(self.smooth.value),
        }

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
        """Profile the lines and redraw now (events call :meth:`schedule_update` instead)."""
        self._update_pending = False
        try:
            self._update_profiles()
        except Exception as error:  # a panel must never raise in napari's event loop
            self._indexed_profiles, self._edges = [], []
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
        ``distance`` (physical units), one coordinate per image data axis (pixels),
        ``intensity`` and ``derivative`` (intensity per physical unit).

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
        if not self._indexed_profiles:
            raise ValueError("path: nothing to export, no line is profiled")
        labels = coordinate_labels(self._image) if self._image is not None else None
        profiles_to_csv(self.profiles, path, axis_labels=labels, lines=self.shape_indices)

    # --- the update ---------------------------------------------------------------------

    def _update_profiles(self) -> None:
        image, shapes = self._image, self._shapes
        indexed: list[tuple[int, Profile]] = []
        notes = []
        plot_hint = ""
        if image is None:
            plot_hint = "No image layer: open or add an image to profile."
        elif shapes is None:
            plot_hint = "No Shapes layer: add one and draw a line or a path on it."
        else:
            indexed = profile_shapes(
                self.viewer,
                image,
                shapes,
                plane_cache=self._plane_cache,
                **self.profile_options(),
            )
            while len(self._plane_cache) > PLANE_CACHE_SIZE:
                del self._plane_cache[next(iter(self._plane_cache))]
            notes.append(ignored_shapes_hint(shapes.shape_type))
            paths = sum(shape_type in PATH_SHAPE_TYPES for shape_type in shapes.shape_type)
            skipped = paths - len(indexed)
            if skipped:
                notes.append(
                    f"{skipped} line{'s' if skipped > 1 else ''} not profiled: "
                    "zero length, or off the image's shown slice"
                )
            if not paths:
                plot_hint = f"Draw a line or a path on {shapes.name!r} to profile {image.name!r}."
            elif not indexed:
                plot_hint = "No line to profile on the shown slice."

        self._indexed_profiles = indexed
        profiles = self.profiles
        colors = [tuple(shapes.edge_color[index]) for index, _ in indexed] if indexed else []
        labels = [f"{shapes.shape_type[index]} {index}" for index, _ in indexed]
        if image is not None:
            if self._axis_labels is None:
                self._axis_labels = distance_axis_labels(self.viewer, image)
            distance_label, derivative_label = self._axis_labels
            self.plot.set_distance_label(distance_label)
            self.plot.set_derivative_label(derivative_label)
        self.plot.set_profiles(profiles, colors, labels)

        if self.mark_edges.value and image is not None and shapes is not None:
            count = int(self.edge_count.value)
            self._edges = [profile.find_edges(count) for profile in profiles]
            self.plot.set_edges(self._edges, colors)
            flat = [
                (index, edge)
                for (index, _), line_edges in zip(indexed, self._edges, strict=True)
                for edge in line_edges
            ]
            edge_colors = [
                color
                for color, line_edges in zip(colors, self._edges, strict=True)
                for _ in line_edges
            ]
            self._edges_layer = update_edge_points(
                self.viewer,
                image,
                flat,
                edge_colors,
                name=edge_points_name(shapes.name),
                layer=self._edges_layer,
            )
        else:
            self._edges = []
            self.plot.set_edges([], [])
            self._remove_edges_layer()
        self._show_hint(" · ".join(note for note in notes if note), plot_hint=plot_hint)
        # One blit for the curves, edges and hint, now, so that it reaches the screen
        # with napari's own repaint of the moved line.
        self.plot.flush()

    def _show_hint(self, text: str, *, plot_hint: str) -> None:
        self.hint_label.setText(text)
        self.hint_label.setVisible(bool(text))
        self.plot.set_hint(plot_hint)

    # --- layer choices ------------------------------------------------------------------

    def _image_choices(self, _widget: Any = None) -> list[tuple[str, Any]]:
        # Top layer first, as in napari's layer list.
        return [
            (layer.name, layer)
            for layer in reversed(list(self.viewer.layers))
            if isinstance(layer, Image)
        ]

    def _shapes_choices(self, _widget: Any = None) -> list[tuple[str, Any]]:
        return [
            (layer.name, layer)
            for layer in reversed(list(self.viewer.layers))
            if isinstance(layer, Shapes)
        ]

    def _default_image(self) -> napari.layers.Image | None:
        images = [layer for _, layer in self._image_choices()]
        visible = [layer for layer in images if layer.visible]
        return (visible or images or [None])[0]

    def _default_shapes(self) -> napari.layers.Shapes | None:
        active = self.viewer.layers.selection.active
        if isinstance(active, Shapes):
            return active
        return next((layer for _, layer in self._shapes_choices()), None)

    def _sync_layers(self) -> None:
        """Refresh both layer lists, keep the choices that still exist, reconnect."""
        # The layers in use, not the combos' values: a new combo selects its first
        # choice by itself, which is no choice of the user's.
        for combo, previous, default in (
            (self.image, self._image, self._default_image),
            (self.shapes, self._shapes, self._default_shapes),
        ):
            with combo.changed.blocked():
                combo.reset_choices()
                kept = previous is not None and any(c is previous for c in combo.choices)
                choice = previous if kept else default()
                if choice is not None:
                    combo.value = choice
        self._on_layer_choice_changed()

    def _on_layer_choice_changed(self, *_: Any) -> None:
        image, shapes = self.image.value, self.shapes.value
        if image is not self._image:
            self._disconnect_layer("image")
            self._image = image
            self._plane_cache.clear()
            self._axis_labels = None
            if image is not None:
                self._connect_layer("image", image, _IMAGE_EVENTS, self._on_image_event)
        if shapes is not self._shapes:
            self._disconnect_layer("shapes")
            self._remove_edges_layer()
            self._shapes = shapes
            if shapes is not None:
                self._connect_layer("shapes", shapes, _SHAPES_EVENTS, self.schedule_update)
        self.schedule_update()

    # --- event handlers -----------------------------------------------------------------

    def _on_layers_inserted(self, event: Any) -> None:
        self._watch_name(event.value)
        self._sync_layers()

    def _on_layers_removed(self, event: Any) -> None:
        layer = event.value
        self._unwatch_name(layer)
        if layer is self._edges_layer:
            # The user deleted the markers: take it as switching them off.
            self._edges_layer = None
            self.mark_edges.value = False
        self._sync_layers()

    def _on_layers_moved(self, _event: Any = None) -> None:
        self._sync_layers()

    def _on_layer_name(self, _event: Any = None) -> None:
        self._sync_layers()
        if self._edges_layer is not None and self._shapes is not None:
            self._edges_layer.name = edge_points_name(self._shapes.name)

    def _on_image_event(self, _event: Any) -> None:
        # New data or a new transform (which changes the pixel size kept there).
        self._plane_cache.clear()
        self._axis_labels = None
        self.schedule_update()

    def _on_dims_event(self, event: Any) -> None:
        if event.type in ("order", "ndisplay"):
            # The cache is keyed by the sliced axes' indices, which change meaning.
            self._plane_cache.clear()
            self._axis_labels = None
        self.schedule_update()

    def _on_viewer_theme(self, _event: Any = None) -> None:
        theme = get_theme(self.viewer.theme)
        self.plot.set_theme(theme.background.as_hex(), theme.text.as_hex())

    def _on_visible_axes_changed(self, _value: Any = None) -> None:
        self.plot.set_visible_axes(self.show_intensity.value, self.show_derivative.value)

    def _on_mark_edges_changed(self, value: bool) -> None:
        self.edge_count.enabled = bool(value)
        self.schedule_update()

    def _on_export_clicked(self, _value: Any = None) -> None:
        if not self._indexed_profiles:
            show_error("Line derivative: nothing to export, no line is profiled.")
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export line profiles", "line_profiles.csv", "CSV files (*.csv)"
        )
        if not path:
            return
        try:
            self.export_csv(path)
        except (OSError, ValueError) as error:
            show_error(f"Line derivative: could not export to {path}: {error}")

    # --- connections --------------------------------------------------------------------

    def _connect(self, emitter: Any, callback: Callable, bucket: list | None = None) -> None:
        emitter.connect(callback)
        (self._connections if bucket is None else bucket).append((emitter, callback))

    def _connect_viewer(self) -> None:
        if self._connections:
            return
        events = self.viewer.layers.events
        self._connect(events.inserted, self._on_layers_inserted)
        self._connect(events.removed, self._on_layers_removed)
        self._connect(events.moved, self._on_layers_moved)
        self._connect(self.viewer.events.theme, self._on_viewer_theme)
        for name in _DIMS_EVENTS:
            self._connect(getattr(self.viewer.dims.events, name), self._on_dims_event)
        for layer in self.viewer.layers:
            self._watch_name(layer)
        self._sync_layers()

    def _disconnect_viewer(self) -> None:
        # The posted event may still come: it finds nothing pending.
        self._update_pending = False
        for key in self._layer_connections:
            self._disconnect_layer(key)
        for layer in list(self._named_layers.values()):
            self._unwatch_name(layer)
        for emitter, callback in self._connections:
            emitter.disconnect(callback)
        self._connections = []
        self._image = self._shapes = None

    def _connect_layer(self, key: str, layer: Any, names: tuple[str, ...], callback) -> None:
        for name in names:
            emitter = getattr(layer.events, name, None)
            if emitter is not None:
                self._connect(emitter, callback, self._layer_connections[key])

    def _disconnect_layer(self, key: str) -> None:
        for emitter, callback in self._layer_connections[key]:
            emitter.disconnect(callback)
        self._layer_connections[key] = []

    def _watch_name(self, layer: Any) -> None:
        if id(layer) not in self._named_layers:
            self._named_layers[id(layer)] = layer
            layer.events.name.connect(self._on_layer_name)

    def _unwatch_name(self, layer: Any) -> None:
        if self._named_layers.pop(id(layer), None) is not None:
            layer.events.name.disconnect(self._on_layer_name)

    def _remove_edges_layer(self) -> None:
        layer, self._edges_layer = self._edges_layer, None
        if layer is not None and layer in self.viewer.layers:
            # Cleared first so that the removal is not taken for the user's.
            self.viewer.layers.remove(layer)

    # --- Qt -----------------------------------------------------------------------------

    def closeEvent(self, event: Any) -> None:
        """Stop listening to the viewer when the panel is closed.

        Parameters
        ----------
        event : QCloseEvent
            The close event.
        """
        self._disconnect_viewer()
        super().closeEvent(event)

    def event(self, event: QEvent) -> bool:
        """Run a scheduled update; stop listening when undocked, listen again when docked.

        Parameters
        ----------
        event : QEvent
            Any event of the widget.

        Returns
        -------
        bool
            Whether the event was handled.
        """
        if event.type() == _UPDATE_EVENT:
            if self._update_pending:
                self.update_profiles()
            return True
        # Qt may report a parent change from within QWidget.__init__, before the handlers exist.
        if event.type() == QEvent.Type.ParentChange and hasattr(self, "_update_pending"):
            if self.parent() is None:
                self._disconnect_viewer()
            else:
                self._connect_viewer()
        return super().event(event)


__all__ = ["LineDerivativeWidget"]
