"""The "Gradient layers" dock widget: controls and events only.

The computation and the layers are :mod:`napari_derivatives._napari.layer_outputs`'s,
the worker, Cancel and notifications :mod:`.layers_widget`'s; this module only names
the controls and turns their values into a run.

One widget runs one computation at a time. While a worker runs, the call button is
disabled and any further call (a script's ``widget()``, or a click that got through)
is refused with the notification "a run is in progress", so the layers always come
from the last run that finished; Cancel stops the run, and a cancelled run adds no
layer, even when its results were already on their way.
"""

from __future__ import annotations

from typing import Any

import napari.layers

import napari

from .._core.choices import BOUNDARY_MODES, DEFAULT_MODE, METHODS, OUTPUTS
from .._napari.ownership import LayerSettings
from . import layers_widget
from .layers_widget import (
    SPATIAL_AXES,
    LayersWidget,
    kernel_taps,
    run_layer_outputs,
    spatial_axes_of,
)

#: Every output the widget offers, in the order of its check boxes.
GRADIENT_WIDGET_OUTPUTS = (*OUTPUTS, "direction_colour")


#: The controls' labels and options, by parameter of :func:`gradient_layers`.
CONTROLS: dict[str, dict[str, Any]] = {
    "image": {"label": "Image"},
    "method": {"choices": METHODS, "label": "Operator"},
    "sigma": {
        "label": "Sigma (physical units)",
        "min": 1e-3,
        "max": 1e6,
        "step": 0.1,
        "tooltip": "Scale of the derivative of Gaussian, in the image's physical units.",
    },
    "mode": {
        "choices": BOUNDARY_MODES,
        "label": "Border",
        "tooltip": "How the image is extended past its border (ignored by central).",
    },
    "spatial_axes": {
        "choices": tuple(SPATIAL_AXES),
        "label": "Differentiate",
        "widget_type": "RadioButtons",
        "tooltip": "Each 2D plane of a stack on its own, or the last three axes as a volume.",
    },
    "gx": {"label": "gx (d/dx)"},
    "gy": {"label": "gy (d/dy)"},
    "gz": {"label": "gz (d/dz)"},
    "magnitude": {"label": "magnitude"},
    "direction": {"label": "direction"},
    "direction_colour": {
        "label": "direction colour",
        "tooltip": (
            "An RGB layer: hue the direction, brightness the magnitude (over its 99th "
            "percentile), so flat regions, where the direction is noise, are dark."
        ),
    },
    "keep_previous": {
        "label": "Keep previous layers",
        "tooltip": (
            "Keep this image's gradient layers made with other settings, and name the new "
            "ones with their settings. Unticked, a run replaces them."
        ),
    },
}


def gradient_layers(
    image: napari.layers.Image,
    method: str = "central",
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
    spatial_axes: str = "2D planes",
    gx: bool = True,
    gy: bool = True,
    gz: bool = False,
    magnitude: bool = True,
    direction: bool = False,
    direction_colour: bool = False,
    keep_previous: bool = False,
    viewer: napari.Viewer | None = None,
) -> Any:
    """Add gradient layers of an image layer, in intensity per physical unit.

    The function behind :class:`GradientLayersWidget`, which calls it with the values
    of its controls.

    Parameters
    ----------
    image : napari.layers.Image
        The source image layer; its ``scale`` is the pixel size.
    method : str
        The derivative operator, one of :data:`napari_derivatives.METHODS`.
    sigma : float
        Scale of the derivative of Gaussian, in physical units (Gaussian only).
    mode : str
        Border mode, one of :data:`napari_derivatives.BOUNDARY_MODES`; default the
        default of :func:`napari_derivatives.gradient`.
    spatial_axes : str
        ``"2D planes"`` (each plane of a stack) or ``"3D volume"``.
    gx, gy, gz, magnitude, direction, direction_colour : bool
        Which output layers to add or update.
    keep_previous : bool
        False: the run replaces the plugin's layers of ``image`` made with other
        settings. True: they stay, and the new layers are named with their settings
        (``"cells gx (gaussian 2 µm)"``).
    viewer : napari.Viewer, optional
        The viewer, provided by napari.

    Returns
    -------
    list of napari.layers.Image or napari.qt.threading.GeneratorWorker or None
        The layers added or updated; for large or lazy (dask, zarr) images the
        worker computing them, block by block, unstarted (the widget starts it; the
        layers land when it finishes); None when the settings were rejected (a
        notification says why).
    """
    if image is None or viewer is None:
        layers_widget.show_error("Gradient layers: choose an image layer first.")
        return None
    flags = {
        "gx": gx,
        "gy": gy,
        "gz": gz,
        "magnitude": magnitude,
        "direction": direction,
        "direction_colour": direction_colour,
    }
    axes = spatial_axes_of(image, spatial_axes)
    volume = len(axes) == 3
    outputs = [
        name for name in GRADIENT_WIDGET_OUTPUTS if flags[name] and (name != "gz" or volume)
    ]
    if not outputs:
        layers_widget.show_error("Gradient layers: tick at least one output.")
        return None
    settings = LayerSettings.of_run(method, sigma, mode, axes, image.ndim)
    options = {"axes": axes, "method": method, "sigma": sigma, "mode": mode}
    return run_layer_outputs(
        "Gradient layers",
        viewer,
        image,
        outputs,
        settings,
        options,
        replace=not keep_previous,
        taps=kernel_taps(image, method, (sigma,), axes),
    )


class GradientLayersWidget(LayersWidget):
    """The "Gradient layers" dock widget: :func:`gradient_layers` with its controls.

    One run at a time, with Cancel (see :class:`.layers_widget.LayersWidget`).
    """

    def __init__(self) -> None:
        super().__init__(
            gradient_layers,
            title="Gradient layers",
            call_button="Add gradient layers",
            controls=CONTROLS,
        )
        for name in ("method", "image", "spatial_axes"):
            self[name].changed.connect(self.update_controls)
        self.update_controls()

    def update_controls(self) -> None:
        """Show sigma for the Gaussian only, gz and the volume choice for volumes only."""
        self.sigma.visible = self.method.value == "gaussian"
        image = self.image.value
        self.spatial_axes.enabled = image is not None and image.ndim >= 3
        axes = spatial_axes_of(image, self.spatial_axes.value)
        self.gz.visible = len(axes) == 3
        self.limit_sigma(image, axes)


def gradient_layers_widget() -> GradientLayersWidget:
    """Return a new "Gradient layers" widget: napari's command for the dock widget."""
    return GradientLayersWidget()
