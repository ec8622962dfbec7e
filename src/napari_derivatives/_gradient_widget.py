"""The "Gradient layers" dock widget: controls and events only.

The computation is :func:`napari_derivatives._layers.compute_gradient_outputs`
and the layer handling :func:`napari_derivatives._layers.apply_gradient_outputs`;
this module only collects the settings, runs large images in a worker thread and
reports problems as napari notifications.
"""

from __future__ import annotations

from typing import Any

import napari
import napari.layers
from magicgui import magic_factory
from magicgui.widgets import FunctionGui
from napari.qt.threading import create_worker
from napari.utils.notifications import show_error

from ._gradients import METHODS
from ._layers import apply_gradient_outputs, compute_gradient_outputs

#: Images with more pixels than this are differentiated in a worker thread, so
#: that the viewer stays responsive; smaller ones finish in a fraction of a second.
THREAD_THRESHOLD = 2**22

SPATIAL_AXES = {"2D planes": (-2, -1), "3D volume": (-3, -2, -1)}
OUTPUT_CHOICES = ("gx", "gy", "gz", "magnitude", "direction")


def _update_visibility(widget: FunctionGui) -> None:
    widget.sigma.visible = widget.method.value == "gaussian"
    image = widget.image.value
    is_volume = image is not None and image.ndim >= 3
    widget.spatial_axes.enabled = is_volume
    widget.gz.visible = is_volume and widget.spatial_axes.value == "3D volume"


def _init_widget(widget: FunctionGui) -> None:
    for name in ("method", "image", "spatial_axes"):
        getattr(widget, name).changed.connect(lambda _=None: _update_visibility(widget))
    _update_visibility(widget)


@magic_factory(
    widget_init=_init_widget,
    call_button="Add gradient layers",
    image={"label": "Image"},
    method={"choices": METHODS, "label": "Operator"},
    sigma={
        "label": "Sigma (physical units)",
        "min": 1e-3,
        "max": 1e6,
        "step": 0.1,
        "tooltip": "Scale of the derivative of Gaussian, in the image's physical units.",
    },
    spatial_axes={
        "choices": tuple(SPATIAL_AXES),
        "label": "Differentiate",
        "widget_type": "RadioButtons",
        "tooltip": "Each 2D plane of a stack on its own, or the last three axes as a volume.",
    },
    gx={"label": "gx (d/dx)"},
    gy={"label": "gy (d/dy)"},
    gz={"label": "gz (d/dz)"},
    magnitude={"label": "magnitude"},
    direction={"label": "direction"},
)
def gradient_layers_widget(
    image: napari.layers.Image,
    method: str = "central",
    sigma: float = 1.0,
    spatial_axes: str = "2D planes",
    gx: bool = True,
    gy: bool = True,
    gz: bool = False,
    magnitude: bool = True,
    direction: bool = False,
    viewer: napari.Viewer | None = None,
) -> Any:
    """Add gradient layers of an image layer, in intensity per physical unit.

    Parameters
    ----------
    image : napari.layers.Image
        The source image layer; its ``scale`` is the pixel size.
    method : str
        The derivative operator, one of :data:`napari_derivatives.METHODS`.
    sigma : float
        Scale of the derivative of Gaussian, in physical units (Gaussian only).
    spatial_axes : str
        ``"2D planes"`` (each plane of a stack) or ``"3D volume"``.
    gx, gy, gz, magnitude, direction : bool
        Which output layers to add or update.
    viewer : napari.Viewer, optional
        The viewer, provided by napari.

    Returns
    -------
    list of napari.layers.Image or napari.qt.threading.FunctionWorker or None
        The layers added or updated; for large images the worker computing them
        (the layers land when it finishes); None when the settings were rejected
        (a notification says why).
    """
    if image is None or viewer is None:
        show_error("Gradient layers: choose an image layer first.")
        return None
    flags = {"gx": gx, "gy": gy, "gz": gz, "magnitude": magnitude, "direction": direction}
    volume = spatial_axes == "3D volume" and image.ndim >= 3
    outputs = [name for name in OUTPUT_CHOICES if flags[name] and (name != "gz" or volume)]
    if not outputs:
        show_error("Gradient layers: tick at least one output.")
        return None
    options = {
        "method": method,
        "outputs": outputs,
        "axes": SPATIAL_AXES["3D volume" if volume else "2D planes"],
        "sigma": sigma,
    }

    size = image.data[0].size if image.multiscale else image.data.size
    if size <= THREAD_THRESHOLD:
        try:
            results = compute_gradient_outputs(image, **options)
        except (ValueError, TypeError) as error:
            show_error(f"Gradient layers: {error}")
            return None
        return apply_gradient_outputs(viewer, image, results, method=method)

    worker = create_worker(
        compute_gradient_outputs,
        image,
        **options,
        _progress={"desc": f"Gradients of {image.name}"},
    )
    worker.returned.connect(
        lambda results: apply_gradient_outputs(viewer, image, results, method=method)
    )
    worker.errored.connect(lambda error: show_error(f"Gradient layers: {error}"))
    worker.start()
    return worker
