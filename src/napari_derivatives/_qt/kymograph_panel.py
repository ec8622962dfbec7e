"""The Line derivative panel's kymograph: a line swept along a stack, its edge tracked.

:class:`KymographPanel` offers the axes a line can be swept along (those the viewer
does not display; the slider moved last by default) and a "Kymograph" button. A run
adds or updates the image layers ``"<image> kymograph"`` and ``"<image> kymograph
derivative"`` (:mod:`napari_derivatives._napari.kymograph_layers`), and plots the
edge followed through the frames with its fitted velocity in the legend; "Export
track" writes that track to CSV.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from magicgui.widgets import ComboBox, Container, PushButton
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from napari.utils.notifications import show_error
from napari.utils.theme import get_theme
from qtpy.QtWidgets import QVBoxLayout, QWidget

from .._napari.kymograph_layers import apply_kymograph_layers, compute_kymograph, kymograph_axes
from .._napari.transforms import given_axis_labels
from .export_button import ExportButton

if TYPE_CHECKING:
    import napari.layers

    import napari

    from .._core.kymograph import EdgeTrack


def velocity_label(track: EdgeTrack) -> str:
    """Return the legend of an edge track: its velocity with its standard error and units.

    Parameters
    ----------
    track : EdgeTrack
        The track.

    Returns
    -------
    str
        For example ``"edge: 0.6 ± 0.002 µm/s"``; ``"edge: no velocity"`` for fewer
        than two frames with an edge.
    """
    if math.isnan(track.velocity):
        return "edge: no velocity (fewer than two frames with an edge)"
    unit = f" {track.units or 'units'}/{track.axis_unit or 'frame'}"
    error = "" if math.isnan(track.velocity_stderr) else f" ± {track.velocity_stderr:.2g}"
    return f"edge: {track.velocity:.4g}{error}{unit}"


class KymographPanel(QWidget):
    """The kymograph controls, the edge-track plot and its export.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        The viewer.
    source : callable
        Returns ``(image, shapes, index, options, edge_options)``: the layers, the
        shape to sweep (None if none), the sampling options of the panel and its
        edge options (``threshold``, ``polarity``, ``select``), or None.
    parent : QWidget, optional
        The parent widget.

    Attributes
    ----------
    axis : magicgui.widgets.ComboBox
        The axis swept: the image axes not displayed.
    run_button : magicgui.widgets.PushButton
        "Kymograph".
    figure : matplotlib.figure.Figure
        The edge's distance along the line against the swept axis, and its fit.
    export_button : ExportButton
        "Export track…".
    track : EdgeTrack or None
        The last run's edge track.
    layers : list of napari.layers.Image
        The last run's layers.
    """

    def __init__(
        self,
        viewer: napari.viewer.Viewer,
        source: Callable[[], tuple[Any, Any, int | None, dict[str, Any], dict[str, Any] | None]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._viewer = viewer
        self._source = source
        self.track: EdgeTrack | None = None
        self.layers: list[napari.layers.Image] = []
        self.axis = ComboBox(label="sweep axis", choices=[])
        self.axis.tooltip = "The axis the line is swept along: time, or z (not displayed)."
        self.run_button = PushButton(text="Kymograph")
        self.run_button.tooltip = (
            "Sample the selected (or first) line in every frame along the axis: two image "
            "layers, and the edge followed through the frames."
        )
        self.run_button.changed.connect(self._on_run)
        self.figure = Figure(figsize=(4, 2), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(160)
        self.canvas.setVisible(False)
        self.export_button = ExportButton(
            export=lambda path: self.export_track(path),
            ready=lambda: self.track is not None and self.track.positions.size > 0,
            text="Export track…",
            title="Export edge track",
            file_name="edge_track.csv",
            nothing="no edge track",
        )
        self.export_button.visible = False
        controls = Container(widgets=[self.axis, self.run_button], layout="horizontal")
        controls.margins = (0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(controls.native)
        layout.addWidget(self.canvas)
        layout.addWidget(self.export_button.native)

    def sync(self, image: napari.layers.Image | None) -> None:
        """Offer the axes of ``image`` not displayed; hide the panel when there is none.

        Parameters
        ----------
        image : napari.layers.Image or None
            The panel's image.
        """
        axes, default = ([], -1) if image is None else kymograph_axes(self._viewer, image)
        labels = None if image is None else given_axis_labels(image)
        choices = [
            (f"axis {axis}" + (f" ({labels[axis]})" if labels else ""), axis) for axis in axes
        ]
        if [value for _, value in choices] != list(self.axis.choices):
            with self.axis.changed.blocked():
                self.axis.choices = choices
                if default >= 0:
                    self.axis.value = default
        self.setVisible(bool(axes))

    def run(self) -> None:
        """Compute the kymograph of the chosen line, show its layers and edge track.

        Raises
        ------
        ValueError
            If there is no image, no line, or the line cannot be swept.
        """
        image, shapes, index, options, edge_options = self._source()
        if image is None or shapes is None or index is None:
            raise ValueError("no line to sweep: draw or select a line over a stack")
        if self.axis.value is None:
            raise ValueError("`axis`: the image has no axis that is not displayed")
        result = compute_kymograph(
            self._viewer, image, shapes, index, int(self.axis.value), **options
        )
        self.layers = apply_kymograph_layers(self._viewer, image, result)
        track_options = dict(edge_options or {})
        track_options.pop("count", None)
        if track_options.get("select") == "all":
            track_options["select"] = "strongest"
        self.track = result.edge_track(**track_options)
        self._plot(self.track, f"{shapes.shape_type[index]} {index}")

    def export_track(self, path: str) -> None:
        """Write the last edge track to a CSV file (and its JSON record beside it).

        Parameters
        ----------
        path : str
            The file to write.

        Raises
        ------
        ValueError
            If there is no track.
        """
        if self.track is None:
            raise ValueError("path: nothing to export, no edge track")
        self.track.to_csv(path)

    def _plot(self, track: EdgeTrack, line: str) -> None:
        self.figure.clear()
        axes = self.figure.add_subplot()
        axes.plot(track.positions, track.distance, "o", markersize=3, label=velocity_label(track))
        if not math.isnan(track.velocity) and track.positions.size:
            intercept = float((track.distance - track.velocity * track.positions).mean())
            ends = track.positions[[0, -1]]
            axes.plot(ends, intercept + track.velocity * ends, "-", linewidth=1)
        axes.set_xlabel(f"position ({track.axis_unit or 'frames'})")
        axes.set_ylabel(f"{line} edge ({track.units or 'distance'})")
        theme = get_theme(self._viewer.theme)
        background, foreground = theme.background.as_hex(), theme.text.as_hex()
        self.figure.set_facecolor(background)
        axes.set_facecolor(background)
        axes.tick_params(colors=foreground)
        axes.xaxis.label.set_color(foreground)
        axes.yaxis.label.set_color(foreground)
        for spine in axes.spines.values():
            spine.set_edgecolor(foreground)
        axes.legend(loc="best", fontsize="small", facecolor=background, labelcolor=foreground)
        self.canvas.setVisible(True)
        self.export_button.visible = True
        self.canvas.draw_idle()

    def _on_run(self, _value: Any = None) -> None:
        try:
            self.run()
        except (ValueError, MemoryError) as error:
            show_error(f"Line derivative: kymograph: {error}")
