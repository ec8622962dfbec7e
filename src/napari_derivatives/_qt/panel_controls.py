"""The settings of the Line derivative panel: layer choices, sampling, what is shown.

:class:`PanelControls` builds the magicgui controls and reads them back as the
keyword arguments of :func:`napari_derivatives.line_profile`. Which layers are
offered, and which is picked when the user has chosen none, is
:mod:`napari_derivatives._napari.panel_state`'s to say; the controls only show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magicgui.widgets import CheckBox, ComboBox, Container, FloatSpinBox, SpinBox

from .._core.choices import DERIVATIVE_SOURCE_NAMES, INTERPOLATION_ORDERS
from .._napari.panel_state import default_image, default_shapes, image_choices, shapes_choices

if TYPE_CHECKING:
    import napari.layers
    from qtpy.QtWidgets import QWidget

    import napari


class PanelControls:
    """The Line derivative panel's controls, in one magicgui Container.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        The viewer whose layers the combo boxes offer.

    Attributes
    ----------
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
    derivative : magicgui.widgets.ComboBox
        ``"of the samples"`` (central differences of the sampled values) or ``"of the
        interpolant"`` (the exact derivative of the linear or cubic interpolant along
        the line). The latter offers only linear and cubic interpolation, and
        disables ``smooth``.
    show_intensity, show_derivative : magicgui.widgets.CheckBox
        Which axes are shown.
    mark_edges : magicgui.widgets.CheckBox
        Mark the strongest derivative extrema on the plot and in a Points layer.
    edge_count : magicgui.widgets.SpinBox
        Number of edges marked per line; enabled while ``mark_edges`` is checked.
    container : magicgui.widgets.Container
        All of the above, in this order.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        self._viewer = viewer
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
        self.derivative = ComboBox(
            label="derivative", choices=tuple(DERIVATIVE_SOURCE_NAMES), value="of the samples"
        )
        self.show_intensity = CheckBox(text="show intensity", value=True)
        self.show_derivative = CheckBox(text="show derivative", value=True)
        self.mark_edges = CheckBox(text="mark edges", value=False)
        self.edge_count = SpinBox(label="edges per line", value=1, min=1, max=100, enabled=False)
        for widget, tooltip in (
            (self.image, "The image sampled along the lines."),
            (self.shapes, "The Shapes layer whose lines and paths are profiled."),
            (self.step, "Distance between samples along the line, in image pixels."),
            (self.width, "Samples across the line, one pixel apart, averaged."),
            (self.smooth, "Gaussian smoothing before differentiating, sigma in pixels."),
            (
                self.derivative,
                "of the samples: central differences of the sampled values.\n"
                "of the interpolant: the exact slope along the line of the linear or "
                "cubic interpolation of the image, whatever the step.",
            ),
            (self.edge_count, "How many of the strongest derivative extrema to mark per line."),
        ):
            widget.tooltip = tooltip
        self.container = Container(
            widgets=[
                self.image,
                self.shapes,
                self.step,
                self.width,
                self.interpolation,
                self.smooth,
                self.derivative,
                self.show_intensity,
                self.show_derivative,
                self.mark_edges,
                self.edge_count,
            ]
        )
        self.container.margins = (0, 0, 0, 0)
        self.mark_edges.changed.connect(self._on_mark_edges_changed)
        self.derivative.changed.connect(self._on_derivative_changed)

    @property
    def native(self) -> QWidget:
        """The Qt widget holding the controls, for a layout."""
        return self.container.native

    @property
    def sampling(self) -> tuple[Any, ...]:
        """The controls whose change alters the profiles or the edges found on them."""
        return (
            self.step,
            self.width,
            self.interpolation,
            self.smooth,
            self.derivative,
            self.edge_count,
        )

    def profile_options(self) -> dict[str, Any]:
        """Return the keyword arguments of ``line_profile`` the settings stand for.

        Returns
        -------
        dict
            ``step`` (pixels), ``width`` (pixels), ``order`` (0, 1 or 3),
            ``smooth`` (sigma in pixels; 0 for the derivative of the interpolant)
            and ``derivative_of``.
        """
        source = DERIVATIVE_SOURCE_NAMES[self.derivative.value]
        return {
            "step": float(self.step.value),
            "width": int(self.width.value),
            "order": INTERPOLATION_ORDERS[self.interpolation.value],
            "smooth": float(self.smooth.value) if source == "samples" else 0.0,
            "derivative_of": source,
        }

    def edges_to_mark(self) -> int | None:
        """Return how many edges to mark per line, or None when edges are not marked.

        Returns
        -------
        int or None
            ``edge_count`` while ``mark_edges`` is checked.
        """
        return int(self.edge_count.value) if self.mark_edges.value else None

    def sync_layer_choices(
        self, image: napari.layers.Image | None, shapes: napari.layers.Shapes | None
    ) -> None:
        """Refresh both layer lists, keeping the layers in use if they still exist.

        The combo boxes' ``changed`` signals are blocked: the caller compares the
        new values with the layers in use.

        Parameters
        ----------
        image, shapes : napari.layers.Layer or None
            The layers in use, not the combo boxes' values: a new combo box selects
            its first choice by itself, which is no choice of the user's. A layer
            gone from the viewer is replaced by the default one.
        """
        for combo, previous, default in (
            (self.image, image, default_image),
            (self.shapes, shapes, default_shapes),
        ):
            with combo.changed.blocked():
                combo.reset_choices()
                kept = previous is not None and any(c is previous for c in combo.choices)
                choice = previous if kept else default(self._viewer)
                if choice is not None:
                    combo.value = choice

    def _image_choices(self, _widget: Any = None) -> list[tuple[str, napari.layers.Image]]:
        return image_choices(self._viewer)

    def _shapes_choices(self, _widget: Any = None) -> list[tuple[str, napari.layers.Shapes]]:
        return shapes_choices(self._viewer)

    def _on_mark_edges_changed(self, value: bool) -> None:
        self.edge_count.enabled = bool(value)

    def _on_derivative_changed(self, value: str) -> None:
        # The interpolant of the nearest pixel is a staircase, and smoothing applies to
        # samples: neither goes with the derivative of the interpolant.
        of_samples = DERIVATIVE_SOURCE_NAMES[value] == "samples"
        self.smooth.enabled = of_samples
        names = tuple(
            name for name, order in INTERPOLATION_ORDERS.items() if of_samples or order > 0
        )
        current = self.interpolation.value
        with self.interpolation.changed.blocked():
            # Emptied first: magicgui appends new choices after the ones it keeps.
            self.interpolation.choices = ()
            self.interpolation.choices = names
            self.interpolation.value = current if current in names else "linear"
