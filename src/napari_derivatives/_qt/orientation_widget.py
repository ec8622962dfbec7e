"""The "Orientation layers" dock widget: controls and events only.

The structure tensor of an image layer as layers: orientation, coherence, the
eigenvalues, and OrientationJ's colour survey. The computation and the layers are
:mod:`napari_derivatives._napari.layer_outputs`'s, the worker, Cancel and notifications
:mod:`.layers_widget`'s.
"""

from __future__ import annotations

from typing import Any

import napari.layers

import napari

from .._core.choices import BOUNDARY_MODES, DEFAULT_MODE
from .._napari.ownership import LayerSettings
from . import layers_widget
from .layers_widget import (
    SPATIAL_AXES,
    LayersWidget,
    kernel_taps,
    run_layer_outputs,
    spatial_axes_of,
)

#: The outputs, in the order of the check boxes.
ORIENTATION_WIDGET_OUTPUTS = (
    "orientation",
    "coherence",
    "colour_survey",
    "structure_eigenvalue_1",
    "structure_eigenvalue_2",
    "structure_eigenvalue_3",
)

#: Outputs of two axes only: hidden for "3D volume".
PLANE_ONLY = ("orientation", "coherence", "colour_survey")

#: The output of the volume's third axis, shown for "3D volume" only.
VOLUME_ONLY = ("structure_eigenvalue_3",)

_EIGENVALUE_TIP = (
    "Eigenvalues of the structure tensor, descending: the squared gradient along the "
    "dominant direction (1) and across it (2), averaged over rho."
)

#: The controls' labels and options, by parameter of :func:`orientation_layers`.
CONTROLS: dict[str, dict[str, Any]] = {
    "image": {"label": "Image"},
    "sigma": {
        "label": "Sigma (physical units)",
        "min": 1e-3,
        "max": 1e6,
        "step": 0.1,
        "tooltip": "Scale of the Gaussian derivatives, in the image's physical units.",
    },
    "rho": {
        "label": "Rho (physical units)",
        "min": 1e-3,
        "max": 1e6,
        "step": 0.1,
        "tooltip": "Integration scale: the Gaussian window the gradients are averaged "
        "over, in physical units. About the size of the fibre patches to measure.",
    },
    "mode": {
        "choices": BOUNDARY_MODES,
        "label": "Border",
        "tooltip": "How the image is extended past its border.",
    },
    "spatial_axes": {
        "choices": tuple(SPATIAL_AXES),
        "label": "Differentiate",
        "widget_type": "RadioButtons",
        "tooltip": "Each 2D plane of a stack on its own, or the last three axes as a "
        "volume (eigenvalues only: orientation and coherence are of planes).",
    },
    "orientation": {
        "label": "orientation",
        "tooltip": "Angle of the dominant gradient, in (-pi/2, pi/2]: 0 along x, pi/2 along y.",
    },
    "coherence": {
        "label": "coherence",
        "tooltip": "(l1 - l2) / (l1 + l2): 0 isotropic, 1 one direction only.",
    },
    "colour_survey": {
        "label": "colour survey",
        "tooltip": "An RGB layer: hue the orientation, saturation the coherence, "
        "brightness the image within its contrast limits (as OrientationJ).",
    },
    **{
        f"structure_eigenvalue_{n}": {"label": f"eigenvalue {n}", "tooltip": _EIGENVALUE_TIP}
        for n in (1, 2, 3)
    },
    "keep_previous": {
        "label": "Keep previous layers",
        "tooltip": (
            "Keep this image's orientation layers made with other settings, and name the "
            "new ones with their settings. Unticked, a run replaces them."
        ),
    },
}


def orientation_layers(
    image: napari.layers.Image,
    sigma: float = 1.0,
    rho: float = 2.0,
    mode: str = DEFAULT_MODE,
    spatial_axes: str = "2D planes",
    orientation: bool = True,
    coherence: bool = True,
    colour_survey: bool = True,
    structure_eigenvalue_1: bool = False,
    structure_eigenvalue_2: bool = False,
    structure_eigenvalue_3: bool = False,
    keep_previous: bool = False,
    viewer: napari.Viewer | None = None,
) -> Any:
    """Add orientation layers (the structure tensor's) of an image layer.

    The function behind :class:`OrientationLayersWidget`, which calls it with the
    values of its controls; see :func:`napari_derivatives.add_orientation_layers` for
    the layers.

    Parameters
    ----------
    image : napari.layers.Image
        The source image layer; its ``scale`` is the pixel size.
    sigma, rho : float
        Derivative and integration scales, in physical units.
    mode : str
        Border mode, one of :data:`napari_derivatives.BOUNDARY_MODES`.
    spatial_axes : str
        ``"2D planes"`` (each plane of a stack) or ``"3D volume"`` (eigenvalues only).
    orientation, coherence, colour_survey, structure_eigenvalue_1, \
structure_eigenvalue_2, structure_eigenvalue_3 : bool
        Which output layers to add or update.
    keep_previous : bool
        False: the run replaces the plugin's orientation layers of ``image`` made with
        other settings. True: they stay, and the new ones are named with their settings.
    viewer : napari.Viewer, optional
        The viewer, provided by napari.

    Returns
    -------
    list of napari.layers.Image or napari.qt.threading.GeneratorWorker or None
        As :func:`.layers_widget.run_layer_outputs` returns.
    """
    if image is None or viewer is None:
        layers_widget.show_error("Orientation layers: choose an image layer first.")
        return None
    flags = dict(
        zip(
            ORIENTATION_WIDGET_OUTPUTS,
            (
                orientation,
                coherence,
                colour_survey,
                structure_eigenvalue_1,
                structure_eigenvalue_2,
                structure_eigenvalue_3,
            ),
            strict=True,
        )
    )
    axes = spatial_axes_of(image, spatial_axes)
    hidden = PLANE_ONLY if len(axes) == 3 else VOLUME_ONLY
    outputs = [name for name in ORIENTATION_WIDGET_OUTPUTS if flags[name] and name not in hidden]
    if not outputs:
        layers_widget.show_error("Orientation layers: tick at least one output.")
        return None
    settings = LayerSettings.of_run(
        "gaussian", sigma, mode, axes, image.ndim, kind="orientation", rho=rho
    )
    options = {"axes": axes, "sigma": sigma, "rho": rho, "mode": mode}
    return run_layer_outputs(
        "Orientation layers",
        viewer,
        image,
        outputs,
        settings,
        options,
        replace=not keep_previous,
        taps=kernel_taps(image, "gaussian", (sigma, rho), axes),
    )


class OrientationLayersWidget(LayersWidget):
    """The "Orientation layers" dock widget: :func:`orientation_layers` with its controls.

    One run at a time, with Cancel (see :class:`.layers_widget.LayersWidget`).
    """

    def __init__(self) -> None:
        super().__init__(
            orientation_layers,
            title="Orientation layers",
            call_button="Add orientation layers",
            controls=CONTROLS,
        )
        for name in ("image", "spatial_axes"):
            self[name].changed.connect(self.update_controls)
        self.update_controls()

    def update_controls(self) -> None:
        """Show the outputs of planes, or the third eigenvalue of a volume."""
        image = self.image.value
        self.spatial_axes.enabled = image is not None and image.ndim >= 3
        axes = spatial_axes_of(image, self.spatial_axes.value)
        volume = len(axes) == 3
        for name in PLANE_ONLY:
            self[name].visible = not volume
        for name in VOLUME_ONLY:
            self[name].visible = volume
        self.limit_sigma(image, axes)


def orientation_layers_widget() -> OrientationLayersWidget:
    """Return a new "Orientation layers" widget: napari's command for the dock widget."""
    return OrientationLayersWidget()
