"""What the Line derivative panel listens to: the viewer and the layers chosen in it.

:class:`LayerWatch` keeps the panel's layer combo boxes in step with the viewer's
layers, follows the chosen image and Shapes layer (and lets go of the previous
ones), and reports every event after which the panel may show something else. Its
connections are kept in one :class:`~napari_derivatives._qt.connections.Connections`
registry, so that closing or undocking the panel leaves no handler behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._napari.panel_state import (
    AXES_EVENTS,
    DIMS_EVENTS,
    IMAGE_EVENTS,
    SHAPES_EVENTS,
    EdgeMarkers,
    ProfileCache,
)
from .connections import Connections

if TYPE_CHECKING:
    import napari.layers

    import napari

    from .panel_controls import PanelControls


class LayerWatch:
    """Follow a viewer's layers and the image and Shapes layer chosen in the controls.

    The groups of :attr:`connections` are ``"viewer"`` (the layer list, the theme,
    the dims), ``"names"`` (every layer's name, shown in the combo boxes),
    ``"image"`` and ``"shapes"`` (the events of the layers in use).

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        The viewer to follow.
    controls : PanelControls
        The controls whose combo boxes choose the layers.
    on_change : callable
        Called with no argument after any event that may change what the panel shows.
    on_theme : callable
        Called with the event when the viewer's theme changes.

    Attributes
    ----------
    image : napari.layers.Image or None
        The image in use; None while nothing is chosen or the watch is disconnected.
    shapes : napari.layers.Shapes or None
        The Shapes layer in use.
    cache : ProfileCache
        Planes and labels of ``image``, cleared when its data, its transforms or the
        viewer's sliced axes change.
    markers : EdgeMarkers
        The Points layer marking edges, removed when another Shapes layer is chosen.
    connections : Connections
        Every connection made, by group.
    """

    def __init__(
        self,
        viewer: napari.viewer.Viewer,
        controls: PanelControls,
        *,
        on_change: Callable[[], Any],
        on_theme: Callable[[Any], Any],
    ) -> None:
        self.viewer = viewer
        self.image: napari.layers.Image | None = None
        self.shapes: napari.layers.Shapes | None = None
        self.cache = ProfileCache()
        self.markers = EdgeMarkers(viewer)
        self.connections = Connections()
        # The selection last seen: napari's highlight event also fires on hover.
        self._selection: frozenset[int] = frozenset()
        self._controls = controls
        self._on_change = on_change
        self._on_theme = on_theme
        for combo in (controls.image, controls.shapes):
            combo.changed.connect(self._on_layer_choice_changed)

    @property
    def connected(self) -> bool:
        """Whether the watch listens to the viewer."""
        return self.connections.count("viewer") > 0

    def connect(self) -> None:
        """Listen to the viewer and to the chosen layers; refresh the layer choices."""
        if self.connected:
            return
        layer_events, connect = self.viewer.layers.events, self.connections.connect
        connect("viewer", layer_events.inserted, self._on_layers_inserted)
        connect("viewer", layer_events.removed, self._on_layers_removed)
        connect("viewer", layer_events.moved, self._on_layers_moved)
        connect("viewer", self.viewer.events.theme, self._on_theme)
        self.connections.connect_events(
            "viewer", self.viewer.dims.events, DIMS_EVENTS, self._on_dims_changed
        )
        self._watch_names()
        self._sync_layers()

    def disconnect(self) -> None:
        """Stop listening to anything; the layers in use are forgotten."""
        self.connections.disconnect_all()
        self.image = self.shapes = None

    # --- handlers -----------------------------------------------------------------------

    def _on_layer_choice_changed(self, *_: Any) -> None:
        image, shapes = self._controls.image.value, self._controls.shapes.value
        if image is not self.image:
            self.connections.disconnect("image")
            self.image = image
            self.cache.clear()
            if image is not None:
                self.connections.connect_events(
                    "image", image.events, IMAGE_EVENTS, self._on_image_changed
                )
        if shapes is not self.shapes:
            self.connections.disconnect("shapes")
            self.markers.remove()
            self.shapes = shapes
            if shapes is not None:
                self.connections.connect_events(
                    "shapes", shapes.events, SHAPES_EVENTS, self._on_shapes_changed
                )
                self.connections.connect("shapes", shapes.events.highlight, self._on_highlight)
                self._selection = frozenset(shapes.selected_data)
        self._on_change()

    def _on_layers_inserted(self, _event: Any = None) -> None:
        self._watch_names()
        self._sync_layers()

    def _on_layers_removed(self, event: Any) -> None:
        self._watch_names()
        if self.markers.forget(event.value):
            # The user deleted the markers: take it as switching them off.
            self._controls.mark_edges.value = False
        self._sync_layers()

    def _on_layers_moved(self, _event: Any = None) -> None:
        self._sync_layers()

    def _on_layer_name(self, _event: Any = None) -> None:
        self._sync_layers()
        if self.shapes is not None:
            self.markers.rename(self.shapes.name)

    def _on_image_changed(self, _event: Any = None) -> None:
        # New data or a new transform (which changes the pixel size kept in the cache).
        self.cache.clear()
        self._on_change()

    def _on_shapes_changed(self, _event: Any = None) -> None:
        self._on_change()

    def _on_highlight(self, _event: Any = None) -> None:
        # Selected curves stand out (and "only selected lines" plots them): only a new
        # selection changes the plot, not the hover highlights of the same event.
        selection = frozenset() if self.shapes is None else frozenset(self.shapes.selected_data)
        if selection != self._selection:
            self._selection = selection
            self._on_change()

    def _on_dims_changed(self, event: Any) -> None:
        if event.type in AXES_EVENTS:
            # The plane cache is keyed by the sliced axes' indices, which change meaning.
            self.cache.clear()
        self._on_change()

    # --- internals ----------------------------------------------------------------------

    def _sync_layers(self) -> None:
        self._controls.sync_layer_choices(self.image, self.shapes)
        self._on_layer_choice_changed()

    def _watch_names(self) -> None:
        # A renamed layer must be renamed in the combo boxes. Watched afresh as layers
        # come and go, so that a removed layer is no longer watched.
        self.connections.disconnect("names")
        for layer in self.viewer.layers:
            self.connections.connect("names", layer.events.name, self._on_layer_name)
