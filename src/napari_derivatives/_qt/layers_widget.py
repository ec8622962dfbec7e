"""What the "Gradient layers", "Hessian layers" and "Orientation layers" widgets share.

:func:`run_layer_outputs` computes a run's outputs: small images at once, large or lazy
ones in a worker thread, block by block, that can be cancelled; problems become napari
notifications, never tracebacks. :class:`LayersWidget` is the dock widget around a
function of controls: one run at a time (the call button is disabled while a worker
runs, and a further call is refused with the notification "a run is in progress"),
Cancel, and a sigma box limited to what the Gaussian takes for the chosen image.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any, NamedTuple

import napari.layers
import numpy as np
from magicgui.widgets import FunctionGui, PushButton
from napari.qt.threading import GeneratorWorker, create_worker
from napari.utils.notifications import show_error, show_info, show_warning

import napari

from .._core import compiled
from .._core.kernels import max_sigma, passes
from .._napari.display import output_contrast_limits
from .._napari.layer_outputs import apply_layer_outputs, compute_layer_outputs, wants_lazy
from .._napari.ownership import LayerSettings

#: Images with more pixels than this (for a 3-tap operator; wider kernels count
#: in proportion) are computed in a worker thread, so that the viewer stays
#: responsive; smaller ones finish in a fraction of a second.
THREAD_THRESHOLD = 2**22

#: The choices of the "Differentiate" buttons: the axes they stand for.
SPATIAL_AXES = {"2D planes": (-2, -1), "3D volume": (-3, -2, -1)}

#: The smallest sigma the box offers, in pixels of the image's finest differentiated
#: axis: below about a third of a pixel the Gaussian derivative is central differences,
#: and a tenth keeps the box from ever reaching 0.
MIN_SIGMA_PIXELS = 0.1


def kernel_taps(
    image: napari.layers.Image, method: str, scales: Sequence[float], axes: Sequence[int]
) -> int:
    """Return the taps of the widest pass of ``method`` at each of ``scales``, summed.

    The time per pixel grows with the kernels: a Gaussian of a few pixels has tens of
    taps, so a 4 Mpixel image with a large sigma must not run on the main thread. The
    structure tensor counts its integration window (``rho``) as a second scale.
    """
    axes = tuple(axis % image.ndim for axis in axes)
    spacing = tuple(abs(float(size)) or 1.0 for size in image.scale)
    return sum(
        max(weights.size for axis in axes for _, weights in passes(axis, axes, spacing, method, s))
        for s in scales
    )


def sigma_range(image: napari.layers.Image | None, axes: tuple[int, ...]) -> tuple[float, float]:
    """Return the range of the sigma box for ``image`` differentiated along ``axes``.

    From a tenth of the finest pixel (:data:`MIN_SIGMA_PIXELS`) to the largest sigma the
    core takes for the image (:func:`napari_derivatives._core.kernels.max_sigma`: a
    kernel of at most 10 times the longest axis), both in the image's physical units.
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
        limits.update(output_contrast_limits({name: data}))
        yield
    return computed, limits


class _Failure(NamedTuple):
    """An error of the worker, carried as its returned value (see _compute_or_fail)."""

    error: Exception


_Computed = tuple[dict[str, Any], dict[str, tuple[float, float]]]


def _compute_or_fail(results: dict[str, Any], eager: bool) -> Generator[None, None, Any]:
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


def run_layer_outputs(
    title: str,
    viewer: napari.Viewer,
    image: napari.layers.Image,
    outputs: Sequence[str],
    settings: LayerSettings,
    options: Mapping[str, Any],
    *,
    replace: bool,
    taps: int,
) -> Any:
    """Compute ``outputs`` of ``image`` and add or update their layers.

    Parameters
    ----------
    title : str
        The widget's name, which starts every notification ("Hessian layers: ...").
    viewer, image
        Where the layers go, and their source.
    outputs : sequence of str
        Output ids.
    settings : LayerSettings
        The run's settings, recorded in the layers (see :mod:`.._napari.ownership`).
    options : mapping
        The keywords of :func:`.._napari.layer_outputs.compute_layer_outputs`
        (``axes``, ``method``, ``sigma``, ``rho``, ``mode``).
    replace : bool
        Whether the run replaces the plugin's layers of ``image`` made with other
        settings.
    taps : int
        Taps of the run's kernels (:func:`kernel_taps`): with the image's size, what
        decides whether it runs in a worker.

    Returns
    -------
    list of napari.layers.Image or napari.qt.threading.GeneratorWorker or None
        The layers added or updated; for large or lazy (dask, zarr) images the
        worker computing them, block by block, unstarted (the widget starts it; the
        layers land when it finishes); None when the settings were rejected (a
        notification says why).
    """
    size = image.data[0].size if image.multiscale else image.data.size
    eager = not wants_lazy(image)
    if eager and size * taps <= THREAD_THRESHOLD * 3:
        try:
            results = compute_layer_outputs(image, outputs, **options)
        except (ValueError, TypeError) as error:
            show_error(f"{title}: {error}")
            return None
        return apply_layer_outputs(viewer, image, results, settings, replace=replace)

    # Large or lazy: build the dask graphs here (instant, and it checks the settings),
    # then compute in a worker, block by block, so that the viewer never freezes and
    # Cancel takes effect within one block. Large in-memory images are computed in full
    # (lazy=False); lazy ones only get their contrast limits estimated there.
    try:
        results = compute_layer_outputs(image, outputs, lazy=True, **options)
    except (ValueError, TypeError) as error:
        show_error(f"{title}: {error}")
        return None
    worker = create_worker(
        _compute_or_fail,
        results,
        eager,
        _progress={"desc": f"{title} of {image.name}", "total": _step_count(results, eager)},
        # Errors come back as the returned value (_compute_or_fail): one-line notifications.
        _ignore_errors=True,
    )

    def on_returned(returned: _Computed | _Failure) -> None:
        # Cancel pressed after the last step: the results were already queued. Drop them.
        if worker.abort_requested:
            show_info(f"{title} of {image.name}: cancelled.")
            return
        if isinstance(returned, _Failure):
            show_error(f"{title}: {returned.error}")
            return
        apply_layer_outputs(
            viewer, image, returned[0], settings, replace=replace, contrast_limits=returned[1]
        )

    worker.returned.connect(on_returned)
    worker.aborted.connect(lambda: show_info(f"{title} of {image.name}: cancelled."))
    return worker


class LayersWidget(FunctionGui[..., Any]):
    """A dock widget that adds output layers: one run at a time, with Cancel.

    Calling it, by its button or as ``widget()`` from a script, runs its function with
    the controls' values and returns what it returns. Small images finish within the
    call. Large or lazy ones run in a worker thread, started here: until it finishes
    the call button is disabled and Cancel is shown, and a further call is refused
    (the notification "a run is in progress", and None). So two runs of one widget
    never overlap, and the layers are always those of the last run that finished.

    Subclasses connect their controls to :meth:`update_controls` and override it.

    Attributes
    ----------
    title : str
        The widget's name, as notifications start.
    worker : napari.qt.threading.GeneratorWorker or None
        The run in progress, None when there is none.
    cancel_button : magicgui.widgets.PushButton
        Cancel, shown while a worker runs: it stops the worker at its next step.
    """

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        title: str,
        call_button: str,
        controls: Mapping[str, Mapping[str, Any]],
    ) -> None:
        super().__init__(
            function,
            call_button=call_button,
            param_options={k: dict(v) for k, v in controls.items()},
        )
        self.title = title
        # The engine's compiled loops load in the background, never during a click.
        compiled.protect_main_thread()
        self.worker: GeneratorWorker | None = None
        self.cancel_button = PushButton(
            text="Cancel", visible=False, tooltip="Stop the computation; no layer is added."
        )
        self.cancel_button.changed.connect(self._on_cancel_clicked)
        self.append(self.cancel_button)
        # magicgui re-enables its call button as soon as the function returns, while a
        # worker may still run: the button's state is the widget's own.
        self.run_button.changed.disconnect()
        self.run_button.changed.connect(self._on_call_button_clicked)

    @property
    def run_button(self) -> PushButton:
        """The call button."""
        # FunctionGui(call_button=...) always makes one; its type allows None.
        assert self.call_button is not None
        return self.call_button

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the function with the controls' values, unless a run is active.

        Returns
        -------
        list of napari.layers.Image or napari.qt.threading.GeneratorWorker or None
            The layers added or updated; the started worker of a large or lazy image;
            None when the settings were rejected or a run is in progress (a
            notification says which).
        """
        if self.worker is not None:
            show_warning(
                f"{self.title}: a run is in progress; wait for it to finish or press Cancel."
            )
            return None
        result = super().__call__(*args, **kwargs)
        if isinstance(result, GeneratorWorker):
            self._start(result)
        return result

    def update_controls(self) -> None:
        """Show the controls that apply to the chosen image and settings."""

    def limit_sigma(self, image: napari.layers.Image | None, axes: tuple[int, ...]) -> None:
        """Let the sigma box offer only what the Gaussian takes for ``image``.

        It shows enough decimals that its minimum never displays (or is typed) as 0.
        """
        low, high = sigma_range(image, axes)
        for name in ("sigma", "rho"):
            if name not in self.asdict():
                continue
            box = self[name].native
            box.setDecimals(max(2, 1 - math.floor(math.log10(low))))
            box.setRange(low, high)
            box.setSingleStep(10.0 ** math.floor(math.log10(max(low * 10, 1e-12))))

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


def spatial_axes_of(image: napari.layers.Image | None, choice: str) -> tuple[int, ...]:
    """Return the axes the "Differentiate" choice stands for on ``image``.

    "3D volume" is the last three axes of an image of 3 or more dimensions; otherwise
    (and without an image) each 2D plane.
    """
    volume = choice == "3D volume" and image is not None and image.ndim >= 3
    return SPATIAL_AXES["3D volume" if volume else "2D planes"]
