"""The "Gradient layers" dock widget: controls and events only.

The computation is :func:`napari_derivatives._napari.gradient_layers.compute_gradient_outputs`
and the layer handling :func:`napari_derivatives._napari.gradient_layers.apply_gradient_outputs`;
this module only collects the settings, runs large or lazy images in a worker
thread that can be cancelled, and reports problems as napari notifications.

One widget runs one computation at a time. While a worker runs, the call button is
disabled and any further call (a script's ``widget()``, or a click that got through)
is refused with the notification "a run is in progress", so the layers always come
from the last run that finished; Cancel stops the run, and a cancelled run adds no
layer, even when its results were already on their way.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any, NamedTuple

import napari.layers
import numpy as np
from magicgui.widgets import FunctionGui, PushButton
from napari.qt.threading import GeneratorWorker, create_worker
from napari.utils.notifications import show_error, show_info, show_warning

import napari

from .._core.choices import BOUNDARY_MODES, METHODS, OUTPUTS
from .._core.kernels import max_sigma, passes
from .._napari.display import gradient_contrast_limits
from .._napari.gradient_layers import (
    DEFAULT_MODE,
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

#: The smallest sigma the box offers, in pixels of the image's finest differentiated
#: axis: below about a third of a pixel the Gaussian derivative is central differences,
#: and a tenth keeps the box from ever reaching 0.
MIN_SIGMA_PIXELS = 0.1


def sigma_range(image: napari.layers.Image | None, axes: tuple[int, ...]) -> tuple[float, float]:
    """Return the range of the sigma box for ``image`` differentiated along ``axes``.

    From a tenth of the finest pixel (:data:`MIN_SIGMA_PIXELS`) to the largest sigma the
    gradient functions take for the image (:func:`napari_derivatives._core.kernels.max_sigma`:
    a kernel of at most 10 times the longest axis), both in the image's physical units.
    Without an image: (0.001, 1e6).
    """
    if image is None:
        return 1e-3, 1e6
    shape = image.level_shapes[0] if image.multiscale else image.data.shape[: image.ndim]
    spacing = tuple(abs(float(size)) or 1.0 for size in image.scale)
    chosen = tuple(axis % image.ndim for axis in axes if -image.ndim <= axis < image.ndim)
    low = MIN_SIGMA_PIXELS * min(spacing[axis] for axis in chosen)
    return low, max(low, max_sigma(shape, spacing, chosen))


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


class _Failure(NamedTuple):
    """An error of the worker, carried as its returned value (see _compute_or_fail)."""

    error: Exception


def _compute_or_fail(
    results: dict[str, Any], eager: bool
) -> Generator[None, None, tuple[dict[str, Any], dict[str, tuple[float, float]]] | _Failure]:
    """Run :func:`_compute_in_steps`, returning (not raising) the error it raises.

    An error travels in the worker's returned value, never through its ``errored``
    signal: napari's ``create_worker`` connects ``errored`` to a status slot that takes
    no argument, which PyQt calls without the error but PySide6 calls with it (a
    TypeError in the event loop, then a crash). A returned exception would be raised
    again by the worker, hence the wrapper.
    """
    try:
        return (yield from _compute_in_steps(results, eager))
    except Exception as error:  # any, as the errored signal would: a notification
        return _Failure(error)


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
    gx, gy, gz, magnitude, direction : bool
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
        show_error("Gradient layers: choose an image layer first.")
        return None
    flags = {"gx": gx, "gy": gy, "gz": gz, "magnitude": magnitude, "direction": direction}
    volume = spatial_axes == "3D volume" and image.ndim >= 3
    outputs = [name for name in OUTPUTS if flags[name] and (name != "gz" or volume)]
    if not outputs:
        show_error("Gradient layers: tick at least one output.")
        return None
    axes = SPATIAL_AXES["3D volume" if volume else "2D planes"]
    settings: dict[str, Any] = {"method": method, "axes": axes, "sigma": sigma, "mode": mode}
    replace = not keep_previous

    size = image.data[0].size if image.multiscale else image.data.size
    eager = not wants_lazy(image)
    taps = _kernel_taps(image, method, sigma, axes)
    if eager and size * taps <= THREAD_THRESHOLD * 3:
        try:
            results = compute_gradient_outputs(image, outputs=outputs, **settings)
        except (ValueError, TypeError) as error:
            show_error(f"Gradient layers: {error}")
            return None
        return apply_gradient_outputs(viewer, image, results, replace=replace, **settings)

    # Large or lazy: build the dask graphs here (instant, and it checks the settings),
    # then compute in a worker, block by block, so that the viewer never freezes and
    # Cancel takes effect within one block. Large in-memory images are computed in full
    # (lazy=False); lazy ones only get their contrast limits estimated there.
    try:
        results = compute_gradient_outputs(image, outputs=outputs, lazy=True, **settings)
    except (ValueError, TypeError) as error:
        show_error(f"Gradient layers: {error}")
        return None
    worker = create_worker(
        _compute_or_fail,
        results,
        eager,
        _progress={"desc": f"Gradients of {image.name}", "total": _step_count(results, eager)},
        # Errors come back as the returned value (_compute_or_fail): one-line notifications.
        _ignore_errors=True,
    )

    def on_returned(
        returned: tuple[dict[str, Any], dict[str, tuple[float, float]]] | _Failure,
    ) -> None:
        # Cancel pressed after the last step: the results were already queued. Drop them.
        if worker.abort_requested:
            show_info(f"Gradient layers of {image.name}: cancelled.")
            return
        if isinstance(returned, _Failure):
            show_error(f"Gradient layers: {returned.error}")
            return
        apply_gradient_outputs(
            viewer, image, returned[0], replace=replace, contrast_limits=returned[1], **settings
        )

    worker.returned.connect(on_returned)
    worker.aborted.connect(lambda: show_info(f"Gradient layers of {image.name}: cancelled."))
    return worker


class GradientLayersWidget(FunctionGui[..., Any]):
    """The "Gradient layers" dock widget: one run at a time, with Cancel.

    Calling it, by its button or as ``widget()`` from a script, runs
    :func:`gradient_layers` with the controls' values and returns what it returns.
    Small images finish within the call. Large or lazy ones run in a worker thread,
    started here: until it finishes the call button is disabled and Cancel is shown,
    and a further call is refused (the notification "a run is in progress", and
    None). So two runs of one widget never overlap, and the layers are always those
    of the last run that finished.

    Attributes
    ----------
    worker : napari.qt.threading.GeneratorWorker or None
        The run in progress, None when there is none.
    cancel_button : magicgui.widgets.PushButton
        Cancel, shown while a worker runs: it stops the worker at its next step.
    """

    def __init__(self) -> None:
        super().__init__(
            gradient_layers, call_button="Add gradient layers", param_options=CONTROLS
        )
        self.worker: GeneratorWorker | None = None
        self.cancel_button = PushButton(
            text="Cancel", visible=False, tooltip="Stop computing the gradients."
        )
        self.cancel_button.changed.connect(self._on_cancel_clicked)
        self.append(self.cancel_button)
        # magicgui re-enables its call button as soon as the function returns, while a
        # worker may still run: the button's state is the widget's own.
        self.run_button.changed.disconnect()
        self.run_button.changed.connect(self._on_call_button_clicked)
        for name in ("method", "image", "spatial_axes"):
            self[name].changed.connect(self._update_visibility)
        self._update_visibility()

    @property
    def run_button(self) -> PushButton:
        """The call button, "Add gradient layers"."""
        # FunctionGui(call_button=...) always makes one; its type allows None.
        assert self.call_button is not None
        return self.call_button

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run :func:`gradient_layers` with the controls' values, unless a run is active.

        Returns
        -------
        list of napari.layers.Image or napari.qt.threading.GeneratorWorker or None
            The layers added or updated; the started worker of a large or lazy image;
            None when the settings were rejected or a run is in progress (a
            notification says which).
        """
        if self.worker is not None:
            show_warning(
                "Gradient layers: a run is in progress; wait for it to finish or press Cancel."
            )
            return None
        result = super().__call__(*args, **kwargs)
        if isinstance(result, GeneratorWorker):
            self._start(result)
        return result

    def _start(self, worker: GeneratorWorker) -> None:
        self.worker = worker
        self.run_button.enabled = False
        self.cancel_button.visible = True
        self.cancel_button.enabled = True
        worker.finished.connect(lambda: self._on_worker_finished(worker))
        worker.start()

    def _on_call_button_clicked(self) -> None:
        self.run_button.enabled = False
        try:
            self()
        finally:
            self.run_button.enabled = self.worker is None

    def _on_worker_finished(self, worker: GeneratorWorker) -> None:
        if worker is not self.worker:
            return
        self.worker = None
        self.cancel_button.visible = False
        self.cancel_button.enabled = True
        self.run_button.enabled = True

    def _on_cancel_clicked(self) -> None:
        if self.worker is not None:
            # The worker stops at its next step (one block or one output) and adds no layer.
            self.worker.quit()
            self.cancel_button.enabled = False

    def _update_visibility(self) -> None:
        self.sigma.visible = self.method.value == "gaussian"
        image = self.image.value
        is_volume = image is not None and image.ndim >= 3
        self.spatial_axes.enabled = is_volume
        self.gz.visible = is_volume and self.spatial_axes.value == "3D volume"
        volume = is_volume and self.spatial_axes.value == "3D volume"
        self._limit_sigma(image, SPATIAL_AXES["3D volume" if volume else "2D planes"])

    def _limit_sigma(self, image: napari.layers.Image | None, axes: tuple[int, ...]) -> None:
        # The box offers only what the Gaussian takes, and shows enough decimals that its
        # minimum never displays (or is typed) as 0.
        low, high = sigma_range(image, axes)
        box = self.sigma.native
        box.setDecimals(max(2, 1 - math.floor(math.log10(low))))
        box.setRange(low, high)
        box.setSingleStep(10.0 ** math.floor(math.log10(max(low * 10, 1e-12))))


def gradient_layers_widget() -> GradientLayersWidget:
    """Return a new "Gradient layers" widget: napari's command for the dock widget."""
    return GradientLayersWidget()
