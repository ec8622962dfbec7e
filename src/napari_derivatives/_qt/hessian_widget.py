"""The "Hessian layers" dock widget: controls and events only.

Second derivatives of an image layer as layers, in intensity per physical unit squared:
the Hessian's components, the Laplacian and the eigenvalues. The computation and the
layers are :mod:`napari_derivatives._napari.layer_outputs`'s, the worker, Cancel and
notifications :mod:`.layers_widget`'s.
"""

from __future__ import annotations

from typing import Any

import napari.layers

import napari

from .._core.choices import BOUNDARY_MODES, DEFAULT_MODE, SECOND_ORDER_METHODS
from .._napari.ownership import LayerSettings
from . import layers_widget
from .layers_widget import (
    SPATIAL_AXES,
    LayersWidget,
    kernel_taps,
    run_layer_outputs,
    spatial_axes_of,
)

#: The check boxes of the volume's third axis, shown for "3D volume" only.
VOLUME_ONLY = ("Hzz", "Hzy", "Hzx", "hessian_eigenvalue_3")

#: The outputs, in the order of the check boxes.
HESSIAN_WIDGET_OUTPUTS = (
    "Hzz",
    "Hzy",
    "Hzx",
    "Hyy",
    "Hyx",
    "Hxx",
    "laplacian",
    "hessian_eigenvalue_1",
    "hessian_eigenvalue_2",
    "hessian_eigenvalue_3",
)

_EIGENVALUE_TIP = "Eigenvalues of the Hessian, descending per pixel: 1 is the largest."

#: The controls' labels and options, by parameter of :func:`hessian_layers`.
CONTROLS: dict[str, dict[str, Any]] = {
    "image": {"label": "Image"},
    "method": {
        "choices": SECOND_ORDER_METHODS,
        "label": "Operator",
        "tooltip": "Derivatives of a Gaussian of sigma, or finite differences ([1, -2, 1]).",
    },
    "sigma": {
        "label": "Sigma (physical units)",
        "min": 1e-3,
        "max": 1e6,
        "step": 0.1,
        "tooltip": "Scale of the Gaussian, in the image's physical units: about the "
        "radius of the blobs or half the width of the ridges to find.",
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
        "tooltip": "Each 2D plane of a stack on its own, or the last three axes as a volume.",
    },
    **{name: {"label": name} for name in ("Hzz", "Hzy", "Hzx", "Hyy", "Hyx", "Hxx")},
    "laplacian": {"label": "Laplacian", "tooltip": "The trace of the Hessian."},
    **{
        f"hessian_eigenvalue_{n}": {"label": f"eigenvalue {n}", "tooltip": _EIGENVALUE_TIP}
        for n in (1, 2, 3)
    },
    "keep_previous": {
        "label": "Keep previous layers",
        "tooltip": (
            "Keep this image's Hessian layers made with other settings, and name the new "
            "ones with their settings. Unticked, a run replaces them."
        ),
    },
}


def hessian_layers(
    image: napari.layers.Image,
    method: str = "gaussian",
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
    spatial_axes: str = "2D planes",
    Hzz: bool = False,  # the output ids, as the layers are named
    Hzy: bool = False,
    Hzx: bool = False,
    Hyy: bool = False,
    Hyx: bool = False,
    Hxx: bool = False,
    laplacian: bool = True,
    hessian_eigenvalue_1: bool = True,
    hessian_eigenvalue_2: bool = True,
    hessian_eigenvalue_3: bool = True,
    keep_previous: bool = False,
    viewer: napari.Viewer | None = None,
) -> Any:
    """Add Hessian layers of an image layer, in intensity per physical unit squared.

    The function behind :class:`HessianLayersWidget`, which calls it with the values of
    its controls; see :func:`napari_derivatives.add_hessian_layers` for the layers.

    Parameters
    ----------
    image : napari.layers.Image
        The source image layer; its ``scale`` is the pixel size.
    method : str
        ``"gaussian"`` or ``"central"``.
    sigma : float
        Scale of the Gaussian, in physical units (Gaussian only).
    mode : str
        Border mode, one of :data:`napari_derivatives.BOUNDARY_MODES`.
    spatial_axes : str
        ``"2D planes"`` (each plane of a stack) or ``"3D volume"``.
    Hzz, Hzy, Hzx, Hyy, Hyx, Hxx, laplacian, hessian_eigenvalue_1, hessian_eigenvalue_2, \
hessian_eigenvalue_3 : bool
        Which output layers to add or update (the z ones and the third eigenvalue for
        a volume only).
    keep_previous : bool
        False: the run replaces the plugin's Hessian layers of ``image`` made with
        other settings. True: they stay, and the new ones are named with their settings.
    viewer : napari.Viewer, optional
        The viewer, provided by napari.

    Returns
    -------
    list of napari.layers.Image or napari.qt.threading.GeneratorWorker or None
        As :func:`.layers_widget.run_layer_outputs` returns.
    """
    if image is None or viewer is None:
        layers_widget.show_error("Hessian layers: choose an image layer first.")
        return None
    flags = dict(zip(HESSIAN_WIDGET_OUTPUTS, (Hzz, Hzy, Hzx, Hyy, Hyx, Hxx), strict=False))
    flags |= {
        "laplacian": laplacian,
        "hessian_eigenvalue_1": hessian_eigenvalue_1,
        "hessian_eigenvalue_2": hessian_eigenvalue_2,
        "hessian_eigenvalue_3": hessian_eigenvalue_3,
    }
    axes = spatial_axes_of(image, spatial_axes)
    volume = len(axes) == 3
    outputs = [
        name
        for name in HESSIAN_WIDGET_OUTPUTS
        if flags[name] and (volume or name not in VOLUME_ONLY)
    ]
    if not outputs:
        layers_widget.show_error("Hessian layers: tick at least one output.")
        return None
    settings = LayerSettings.of_run(method, sigma, mode, axes, image.ndim, kind="hessian")
    options = {"axes": axes, "method": method, "sigma": sigma, "mode": mode}
    return run_layer_outputs(
        "Hessian layers",
        viewer,
        image,
        outputs,
        settings,
        options,
        replace=not keep_previous,
        # Three components (six in 3D) of second derivatives: about twice a gradient's work.
        taps=2 * kernel_taps(image, method, (sigma,), axes),
    )


class HessianLayersWidget(LayersWidget):
    """The "Hessian layers" dock widget: :func:`hessian_layers` with its controls.

    One run at a time, with Cancel (see :class:`.layers_widget.LayersWidget`).
    """

    def __init__(self) -> None:
        super().__init__(
            hessian_layers,
            title="Hessian layers",
            call_button="Add Hessian layers",
            controls=CONTROLS,
        )
        for name in ("method", "image", "spatial_axes"):
            self[name].changed.connect(self.update_controls)
        self.update_controls()

    def update_controls(self) -> None:
        """Show sigma for the Gaussian only, the third axis's outputs for volumes only."""
        self.sigma.visible = self.method.value == "gaussian"
        image = self.image.value
        self.spatial_axes.enabled = image is not None and image.ndim >= 3
        axes = spatial_axes_of(image, self.spatial_axes.value)
        for name in VOLUME_ONLY:
            self[name].visible = len(axes) == 3
        self.limit_sigma(image, axes)


def hessian_layers_widget() -> HessianLayersWidget:
    """Return a new "Hessian layers" widget: napari's command for the dock widget."""
    return HessianLayersWidget()
