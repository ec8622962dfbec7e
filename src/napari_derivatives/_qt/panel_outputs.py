"""What the Line derivative panel writes and shows beside its plot.

:class:`PanelOutputs` holds the edge table (and the marker its selected row
highlights), the per-line summaries written to the Shapes layer's features, the
kymograph section, and the panel's CSV files: the profiles, the edges.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._core.export import profiles_to_csv
from .._napari.edge_table import EdgeTable, edge_table, write_edges_csv
from .._napari.line_features import line_summaries, write_line_features
from .._napari.line_profiles import csv_options
from .._napari.panel_state import PanelState
from .edge_table import EdgeTableView
from .kymograph_panel import KymographPanel

if TYPE_CHECKING:
    import napari

    from .layer_watch import LayerWatch
    from .panel_controls import PanelControls
    from .plot.view import ProfilePlot


class PanelOutputs:
    """The edge table, the line features, the kymograph and the CSV files of the panel.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        The viewer.
    watch : LayerWatch
        The layers in use, their cache and the edge markers.
    controls : PanelControls
        The settings.
    plot : ProfilePlot
        The plot, whose edge marker a selected row rings.
    state : callable
        Returns the panel's latest :class:`PanelState`.

    Attributes
    ----------
    edge_table : EdgeTableView
        The table of the edges, shown while edges are marked.
    kymograph : KymographPanel
        The kymograph section, shown over a stack.
    """

    def __init__(
        self,
        viewer: napari.viewer.Viewer,
        watch: LayerWatch,
        controls: PanelControls,
        plot: ProfilePlot,
        state: Callable[[], PanelState],
    ) -> None:
        self._viewer, self._watch, self._controls = viewer, watch, controls
        self._plot, self._state = plot, state
        self.edge_table = EdgeTableView(export=self.export_edges, on_select=self._on_edge_row)
        self.edge_table.setVisible(False)
        self.kymograph = KymographPanel(viewer, self._kymograph_source)
        self.kymograph.setVisible(False)

    def show(self, state: PanelState) -> None:
        """Show the edges of ``state`` in the table and the features; offer the kymograph."""
        image, shapes = self._watch.image, self._watch.shapes
        self.kymograph.sync(image)
        marked = state.edges is not None and image is not None and shapes is not None
        self.edge_table.setVisible(marked)
        if not marked or image is None or shapes is None or state.edges is None:
            self.edge_table.set_table(EdgeTable())
            return
        unit = self._watch.cache.unit(self._viewer, image)[0]
        unit = "px" if unit == "pixels" else unit
        self.edge_table.set_table(
            edge_table(state.shape_indices, state.profiles, state.edges, image, unit)
        )
        summaries = line_summaries(
            len(shapes.data), state.shape_indices, state.profiles, state.edges
        )
        write_line_features(shapes, summaries)

    def settings(self) -> dict[str, Any]:
        """Return the sampling settings for the JSON records: ``line_profile``'s, the unit."""
        return {**self._controls.profile_options(), "length_unit": self._controls.length_unit}

    def export_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the state's profiles and their JSON record; see the panel's ``export_csv``."""
        state, image = self._state(), self._watch.image
        if not state.profiles:
            raise ValueError("path: nothing to export, no line is profiled")
        options = csv_options(self._viewer, image, state.profiles) if image is not None else {}
        if options:
            options["metadata"] = {**options["metadata"], **self.settings()}
        profiles_to_csv(state.profiles, path, lines=state.shape_indices, **options)

    def export_edges(self, path: str | os.PathLike[str]) -> None:
        """Write the edge table and its JSON record; see the panel's ``export_edges``."""
        image, shapes = self._watch.image, self._watch.shapes
        names = {"image": getattr(image, "name", None), "shapes": getattr(shapes, "name", None)}
        settings = {**names, **self.settings(), "edges": self._controls.edge_options()}
        write_edges_csv(self.edge_table.content, path, metadata=settings)

    def _kymograph_source(self) -> tuple[Any, Any, int | None, dict[str, Any], Any]:
        state, shapes = self._state(), self._watch.shapes
        chosen = [i for i, on in zip(state.shape_indices, state.selected, strict=True) if on]
        candidates = chosen or state.shape_indices
        index = candidates[0] if candidates else None
        options = self._controls.profile_options()
        return self._watch.image, shapes, index, options, self._controls.edge_options()

    def _on_edge_row(self, row: int | None) -> None:
        edges, _ = self._state().edge_points()
        table = self.edge_table.content
        marker = None if row is None or row >= len(table.markers) else table.markers[row]
        edge = None if marker is None or marker >= len(edges) else edges[marker][1]
        self._plot.highlight_edge(edge)
        layer = self._watch.markers.layer
        if layer is not None and marker is not None and marker < len(layer.data):
            layer.selected_data = {marker}
