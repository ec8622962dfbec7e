"""The "Gradient layers" dock widget: controls and events only.

The computation is :func:`napari_derivatives._napari.gradient_layers.compute_gradient_outputs`
and the layer handling :func:`napari_derivatives._napari.gradient_layers.apply_gradient_outputs`;
this module only collects the settings, runs large or lazy images in a worker
thread that can be cancelled, and reports problems as napari notifications.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import napari.layers
import numpy as np
from magicgui import magic_factory
from magicgui.widgets import FunctionGui, PushButton
from napari.qt.threading import GeneratorWorker, create_worker
from napari.utils.notifications import show_error, show_info

import napari

from .._core.choices import METHODS, OUTPUTS
from .._core.kernels import passes
from .._napari.display import gradient_contrast_limits
from .._napari.gradient_layers import (
    apply_gradient_outputs,
    compute_gradient_outputs,
    wants_lazy,
)

#: Images with more pixels than this (for a 3-tap operator; wider kernels count
#: in proportion) are differentiated in a worker thread, so that the viewer stays
#: responsive; smaller ones finish in a fraction of a second.
THREAD_THRESHOLD = 2**22


def _kernel_taps(image: napari.layers.Image, method: str, sigma: float, axes) -> int:
    # The time per pixel grows with the kernel: a Gaussian of a few pixels has tens of
    # taps, so a 4 Mpixel image with a large sigma must not run on the main thread.
    # The widest pass, from the engine's own kernel definitions.
    axes = tuple(axis % image.ndim for axis in axes)
    spacing = tuple(abs(float(size)) or 1.0 for size in image.scale)
    return max(
        weights.size for axis in axes for _, weights in passes(axis, axes, spacing, method, sigma)
    )


SPATIAL_AXES = {"2D planes": (-2, -1), "3D volume": (-3, -2, -1)}


def _update_visibility(widget: FunctionGui) -> None:
    widget.sigma.visible = widget.method.value == "gaussian"
    image = widget.image.value
    is_volume = image is not None and image.ndim >= 3
    widget.spatial_axes.enabled = is_volume
    widget.gz.visible = is_volume and widget.spatial_axes.value == "3D volume"


def _call_button(widget: FunctionGui) -> PushButton:
    # magic_factory(call_button=...) always makes one; its type allows None.
    assert widget.call_button is not None
    return widget.call_button


def _on_worker_finished(widget: FunctionGui) -> None:
    widget.cancel_button.visible = False
    widget.cancel_button.enabled = True
    _call_button(widget).enabled = True


def _on_widget_called(widget: FunctionGui, result: Any) -> None:
    # The function returns its worker unstarted, so that `finished` is connected here
    # before it can fire. While it runs, the call button is disabled and Cancel offered.
    if isinstance(result, GeneratorWorker):
        _call_button(widget).enabled = False
        widget.cancel_button.visible = True
        widget.cancel_button.enabled = True
        widget.cancel_button.worker = result
        result.finished.connect(lambda: _on_worker_finished(widget))
        result.start()


def _on_cancel_clicked(widget: FunctionGui) -> None:
    worker = getattr(widget.cancel_button, "worker", None)
    if worker is not None:
        # The worker stops at its next step (one block or one output) and adds no layer.
        worker.quit()
        widget.cancel_button.enabled = False


def _init_widget(widget: FunctionGui) -> None:
    for name in ("method", "image", "spatial_axes"):
        getattr(widget, name).changed.connect(lambda _=None: _update_visibility(widget))
    cancel = PushButton(text="Cancel", visible=False, tooltip="Stop computing the gradients.")
    cancel.changed.connect(lambda _=None: _on_cancel_clicked(widget))
    widget.append(cancel)
    widget.cancel_button = cancel
    widget.called.connect(lambda result: _on_widget_called(widget, result))
    _update_visibility(widget)


def _materialise(data: Any) -> Generator[None, None, Any]:
    """Compute a lazy output (or a list of levels) block by block, yielding after each."""
    if isinstance(data, list):
        levels = []
        for level in data:
            levels.append((yield from _materialise(level)))
        return levels
    out = np.empty(data.shape, dtype=data.dtype)
    starts = [np.cumsum((0, *chunks[:-1])) for chunks in data.chunks]
    for index in np.ndindex(*data.numblocks):
        region = tuple(
            slice(start[i], start[i] + chunks[i])
            for start, chunks, i in zip(starts, data.chunks, index, strict=True)
        )
        out[region] = data.blocks[index].compute()
        yield
    return out


def _step_count(results: dict[str, Any], eager: bool) -> int:
    count = len(results)  # one step per output for its contrast limits
    if eager:
        for data in results.values():
            for level in data if isinstance(data, list) else [data]:
                count += int(np.prod(level.numblocks))
    return count


def _compute_in_steps(
    results: dict[str, Any], eager: bool
) -> Generator[None, None, tuple[dict[str, Any], dict[str, tuple[float, float]]]]:
    """Compute eager outputs block by block, then contrast limits, yielding between steps.

    Each yield is a point where napari's worker can stop (Cancel) and advances the
    progress bar by one.
    """
    computed = {}
    for name, data in results.items():
        computed[name] = (yield from _materialise(data)) if eager else data
    limits = {}
    for name, data in computed.items():
        limits.update(gradient_contrast_limits({name: data}))
        yield
    return computed, limits


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
    list of napari.layers.Image or napari.qt.threading.GeneratorWorker or None
        The layers added or updated; for large or lazy (dask, zarr) images the
        worker computing them, block by block, which the widget starts (the
        layers land when it finishes; the widget's Cancel button stops it, and
        its call button is disabled meanwhile); None when the settings were
        rejected (a notification says why).
    """
    if image is None or viewer is None:
        show_error("Gradient layers: choose an image layer first.")
        return None
    flags = {"gx": gx, "gy": gy, "gz": gz, "magnitude": magnitude, "direction": direction}
    volume = spatial_axes == "3D volume" and image.ndim >= 3
    outputs = [name for name in OUTPUTS if flags[name] and (name != "gz" or volume)]
    if not outputs:
        show_error("Gradient layers: tick at least one output.")
        return None
    options: dict[str, Any] = {
        "method": method,
        "outputs": outputs,
        "axes": SPATIAL_AXES["3D volume" if volume else "2D planes"],
        "sigma": sigma,
    }

    size = image.data[0].size if image.multiscale else image.data.size
    eager = not wants_lazy(image)
    taps = _kernel_taps(image, method, sigma, options["axes"])
    if eager and size * taps <= THREAD_THRESHOLD * 3:
        try:
            results = compute_gradient_outputs(image, **options)
        except (ValueError, TypeError) as error:
            show_error(f"Gradient layers: {error}")
            return None
        return apply_gradient_outputs(viewer, image, results, method=method)

    # Large or lazy: build the dask graphs here (instant, and it checks the settings),
    # then compute in a worker, block by block, so that the viewer never freezes and
    # Cancel takes effect within one block. Large in-memory images are computed in full
    # (lazy=False); lazy ones only get their contrast limits estimated there.
    try:
        results = compute_gradient_outputs(image, lazy=True, **options)
    except (ValueError, TypeError) as error:
        show_error(f"Gradient layers: {error}")
        return None
    worker = create_worker(
        _compute_in_steps,
        results,
        eager,
        _progress={"desc": f"Gradients of {image.name}", "total": _step_count(results, eager)},
        # Errors are reported below as one-line notifications, not re-raised as tracebacks.
        _ignore_errors=True,
    )
    worker.returned.connect(
        lambda returned: apply_gradient_outputs(
            viewer, image, returned[0], method=method, contrast_limits=returned[1]
        )
    )
    worker.errored.connect(lambda error: show_error(f"Gradient layers: {error}"))
    worker.aborted.connect(lambda: show_info(f"Gradient layers of {image.name}: cancelled."))
    # Started by `_on_widget_called`, once the widget is connected to it.
    return worker
