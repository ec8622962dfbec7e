"""The settings of the Line derivative panel: layer choices, sampling, what is shown.

:class:`PanelControls` builds the magicgui controls and reads them back as the
keyword arguments of :func:`napari_derivatives.line_profile`. Which layers are
offered, and which is picked when the user has chosen none, is
:mod:`napari_derivatives._napari.panel_state`'s to say; the controls only show it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from magicgui.widgets import CheckBox, ComboBox, Container, FloatSpinBox, SpinBox

from .._core.choices import (
    DERIVATIVE_SOURCE_NAMES,
    EDGE_SELECTIONS,
    INTERPOLATION_ORDERS,
    POLARITIES,
)
from .._napari.panel_state import default_image, default_shapes, image_choices, shapes_choices

if TYPE_CHECKING:
    import napari.layers
    from qtpy.QtWidgets import QWidget

    import napari


#: The controls' tooltips, by attribute.
TOOLTIPS = {
    "image": "The image sampled along the lines.",
    "shapes": "The Shapes layer whose lines, paths and rectangles are profiled.",
    "step": "Distance between samples along the line, in the image's units.",
    "width": "Samples across the line, one pixel apart, averaged (rectangles: their short side).",
    "smooth": "Gaussian smoothing before differentiating, sigma in the image's units.",
    "derivative": (
        "of the samples: central differences of the sampled values.\n"
        "of the interpolant: the exact slope along the line of the linear or "
        "cubic interpolation of the image, whatever the step."
    ),
    "only_selected": "Plot only the shapes selected in the Shapes layer.",
    "show_curvature": "A third axes: the derivative of the derivative, zero at the edges.",
    "edge_count": "How many edges to mark per line (not for 'all').",
    "edge_threshold": "Edges with a smaller |slope| (intensity per unit) are not marked; 0: any.",
    "edge_polarity": "Rising edges (positive slope), falling ones, or both.",
    "edge_select": "The steepest edges, the first or last along the line, or all.",
}


# The controls, top to bottom.
_LAYOUT = (
    "image",
    "shapes",
    "step",
    "width",
    "interpolation",
    "smooth",
    "derivative",
    "only_selected",
    "show_intensity",
    "show_derivative",
    "show_curvature",
    "mark_edges",
    "edge_count",
    "edge_select",
    "edge_polarity",
    "edge_threshold",
)


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
        Distance between samples along the line, in the image's physical units (its
        label names them, see :meth:`set_length_unit`).
    width : magicgui.widgets.SpinBox
        Number of samples across the line (averaged), one pixel apart.
    interpolation : magicgui.widgets.ComboBox
        ``"nearest"``, ``"linear"`` or ``"cubic"``.
    smooth : magicgui.widgets.FloatSpinBox
        Sigma of the Gaussian smoothing before differentiating, in the image's physical
        units; 0 for none.
    derivative : magicgui.widgets.ComboBox
        ``"of the samples"`` (central differences of the sampled values) or ``"of the
        interpolant"`` (the exact derivative of the linear or cubic interpolant along
        the line). The latter offers only linear and cubic interpolation, and
        disables ``smooth``.
    only_selected : magicgui.widgets.CheckBox
        Plot only the shapes selected in the Shapes layer.
    show_intensity, show_derivative, show_curvature : magicgui.widgets.CheckBox
        Which axes are shown: intensity, derivative, second derivative.
    mark_edges : magicgui.widgets.CheckBox
        Mark the strongest derivative extrema on the plot and in a Points layer.
    edge_count : magicgui.widgets.SpinBox
        Number of edges marked per line; enabled while ``mark_edges`` is checked.
    edge_threshold : magicgui.widgets.FloatSpinBox
        The smallest |slope| of an edge, in intensity per physical unit; 0 for any.
    edge_polarity : magicgui.widgets.ComboBox
        ``"both"``, ``"rising"`` or ``"falling"`` edges.
    edge_select : magicgui.widgets.ComboBox
        Which edges: ``"strongest"``, ``"first"``, ``"last"`` along the line, or ``"all"``.
    container : magicgui.widgets.Container
        All of the above, in this order.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        self._viewer = viewer
        self.image = ComboBox(label="image", choices=self._image_choices)
        self.shapes = ComboBox(label="lines", choices=self._shapes_choices)
        self.step = FloatSpinBox(label="step (pixels)", value=1.0, min=0.01, max=1000.0, step=0.1)
        # The pixel size the lengths were converted with: a new image keeps their pixels.
        self._unit: tuple[str, float] = ("pixels", 1.0)
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
        self.show_curvature = CheckBox(text="show second derivative", value=False)
        self.only_selected = CheckBox(text="only selected lines", value=False)
        self.mark_edges = CheckBox(text="mark edges", value=False)
        self.edge_count = SpinBox(label="edges per line", value=1, min=1, max=100, enabled=False)
        self.edge_threshold = FloatSpinBox(
            label="min |slope|", value=0.0, min=0.0, max=1e12, step=1.0, enabled=False
        )
        self.edge_polarity = ComboBox(
            label="polarity", choices=POLARITIES, value="both", enabled=False
        )
        self.edge_select = ComboBox(
            label="which edges", choices=EDGE_SELECTIONS, value="strongest", enabled=False
        )
        for name, tooltip in TOOLTIPS.items():
            getattr(self, name).tooltip = tooltip
        self.container = Container(widgets=[getattr(self, name) for name in _LAYOUT])
        self.container.margins = (0, 0, 0, 0)
        self.mark_edges.changed.connect(self._on_mark_edges_changed)
        self.derivative.changed.connect(self._on_derivative_changed)
        self.edge_select.changed.connect(self._on_edge_select_changed)

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
            self.edge_threshold,
            self.edge_polarity,
            self.edge_select,
            self.only_selected,
        )

    def profile_options(self) -> dict[str, Any]:
        """Return the keyword arguments of ``profile_shapes`` the settings stand for.

        Returns
        -------
        dict
            ``step`` and ``smooth`` (sigma) in physical units with ``lengths="physical"``
            (``smooth`` 0 for the derivative of the interpolant), ``width`` (pixels),
            ``order`` (0, 1 or 3) and ``derivative_of``.
        """
        source = DERIVATIVE_SOURCE_NAMES[self.derivative.value]
        return {
            "step": float(self.step.value),
            "width": int(self.width.value),
            "order": INTERPOLATION_ORDERS[self.interpolation.value],
            "smooth": float(self.smooth.value) if source == "samples" else 0.0,
            "derivative_of": source,
            "lengths": "physical",
        }

    @property
    def length_unit(self) -> str:
        """The unit the step and smoothing are typed in: ``"µm"``, ``"pixels"``, or ``""``."""
        return self._unit[0]

    def set_length_unit(self, unit: str, pixel: float) -> None:
        """Label the lengths with the image's unit, keeping the pixels they stand for.

        ``changed`` is not emitted: the caller is about to profile with the new values.

        Parameters
        ----------
        unit : str
            ``"µm"``, ``"pixels"``..., or ``""`` when unknown ("physical units").
        pixel : float
            The image's finest pixel in that unit: the step box runs from a hundredth
            of it, with as many decimals as that needs, and a step of one pixel stays
            one pixel.
        """
        if (unit, pixel) == self._unit:
            return
        ratio = pixel / self._unit[1]
        self._unit = (unit, pixel)
        name = unit or "physical units"
        decimals = max(2, 2 - math.floor(math.log10(pixel)))
        for box, label, low in ((self.step, "step", 0.01), (self.smooth, "smooth σ", 0.0)):
            with box.changed.blocked():
                value = float(box.value) * ratio
                box.native.setDecimals(decimals)
                box.native.setRange(low * pixel, 1000.0 * pixel)
                box.native.setSingleStep(10.0 ** math.floor(math.log10(pixel)) / 2)
                box.value = value
            box.label = f"{label} ({name})"

    def edges_to_mark(self) -> int | None:
        """Return how many edges to mark per line, or None when edges are not marked.

        Returns
        -------
        int or None
            ``edge_count`` while ``mark_edges`` is checked.
        """
        return int(self.edge_count.value) if self.mark_edges.value else None

    def edge_options(self) -> dict[str, Any] | None:
        """Return the keyword arguments of ``Profile.find_edges``, None when not marked.

        Returns
        -------
        dict or None
            ``count``, ``threshold`` (None for 0), ``polarity`` and ``select``, while
            ``mark_edges`` is checked.
        """
        if not self.mark_edges.value:
            return None
        threshold = float(self.edge_threshold.value)
        return {
            "count": int(self.edge_count.value),
            "threshold": threshold or None,
            "polarity": str(self.edge_polarity.value),
            "select": str(self.edge_select.value),
        }

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
        for widget in (self.edge_count, self.edge_threshold, self.edge_polarity, self.edge_select):
            widget.enabled = bool(value)
        self._on_edge_select_changed()

    def _on_edge_select_changed(self, *_: Any) -> None:
        # "all" returns every edge that passes: the count does not apply.
        self.edge_count.enabled = bool(self.mark_edges.value) and self.edge_select.value != "all"

    def _on_derivative_changed(self, value: str) -> None:
        # The interpolant of the nearest pixel is a staircase, and smoothing applies to
        # samples: neither goes with the derivative of the interpolant.
        of_samples = DERIVATIVE_SOURCE_NAMES[value] == "samples"
        self.smooth.enabled = of_samples
        _offer_interpolations(self.interpolation, of_samples)


def _offer_interpolations(box: ComboBox, of_samples: bool) -> None:
    """Offer every interpolation for the samples' derivative, linear and cubic otherwise."""
    names = tuple(name for name, order in INTERPOLATION_ORDERS.items() if of_samples or order > 0)
    current = box.value
    with box.changed.blocked():
        # Emptied first: magicgui appends new choices after the ones it keeps.
        box.choices = ()
        box.choices = names
        box.value = current if current in names else "linear"
