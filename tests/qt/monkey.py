"""A seeded monkey for the GUI: random user actions in a real viewer, each one checked.

Shared by ``tests/qt/test_monkey.py`` (a few hundred actions, in ``make test``) and
``tools/soak.py`` (thousands, ``make soak``). Both dock widgets are docked in one viewer;
:class:`Monkey` then draws actions from :data:`ACTIONS` with a seeded generator: layers
of every kind added, removed, renamed, reordered and transformed; shapes drawn, moved
and deleted through the Shapes API and through napari's mouse callbacks; sliders, 2D/3D,
dims order and theme; every control of both widgets set through Qt; CSV exports;
gradient runs, also while one is running in its worker thread.

After every action (and in the middle of every mouse drag) Qt runs until the panel has
no pending update, then :meth:`Monkey.check` asserts that nothing went wrong:

- no uncaught exception (``sys.excepthook``, ``threading.excepthook``), no error
  notification (napari's, and ``show_error`` of the plugin's Qt modules);
- each curve drawn on the plot equals a profile recomputed here, from the viewer's
  state alone, with :func:`napari_derivatives.line_profile` (:func:`reference_profiles`),
  never from what the panel keeps; no curve when no image or Shapes layer is chosen;
- each curve's legend label and colour are its shape's; the hint counts the lines not
  profiled; the edge markers are the edges of the recomputed profiles
  (``Profile.find_edges``), where they are in the world;
- an exported CSV holds exactly the drawn curves;
- the panel's choices are layers of the viewer, edge markers only while edges are
  marked, the gradient widget's button enabled exactly while no run is active.

A failure raises :class:`MonkeyFailure` (or, in a soak, is counted) with the seed and the
last actions, so that it can be replayed: the same seed gives the same actions (a
gradient run in the worker thread waits for the monkey's go, given at an action the seed
chooses). Known bugs of the plugin (:data:`KNOWN_BUGS`) are counted, not failures, so
that the monkey goes on to find the next ones; a few of napari's own are avoided (see
``Monkey.target_shapes``, ``Monkey.mouse_shapes`` and ``Monkey.act_mouse_draw``).
"""

from __future__ import annotations

import collections
import dataclasses
import re
import sys
import threading
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
from magicgui.widgets import CheckBox, ComboBox, FloatSpinBox, RadioButtons, SpinBox
from matplotlib.colors import to_rgba
from napari.layers import Image, Shapes
from napari.utils._test_utils import read_only_mouse_event
from napari.utils.interactions import (
    mouse_double_click_callbacks,
    mouse_move_callbacks,
    mouse_press_callbacks,
    mouse_release_callbacks,
)
from napari.utils.notifications import NotificationSeverity, notification_manager
from qtpy.QtCore import QCoreApplication, QPoint, Qt
from qtpy.QtWidgets import QRadioButton, QStyle

from napari_derivatives import line_profile, rgb_to_luminance
from napari_derivatives._qt import export_button, kymograph_panel, layers_widget, line_derivative
from napari_derivatives._qt.plot.figure import (
    DIMMED_ALPHA,
    DIMMED_WIDTH,
    PLAIN_WIDTH,
    SELECTED_WIDTH,
)

PLUGIN = "napari-derivatives"
SHAPE_TYPES = ("line", "path", "rectangle", "ellipse", "polygon")
#: The images added, by how their data is made (``Monkey.image_data``); "large" ones
#: are for gradient runs in the worker thread.
IMAGE_KINDS = (
    *("2d", "2d", "stack", "stack", "4d", "rgb 2d", "rgba 2d", "rgb stack"),
    *("multiscale 2d", "multiscale stack", "large", "large stack"),
)
#: Gradient runs of images above this many pixels (3-tap kernels) go to the worker
#: thread: most of the monkey's images, so that actions happen while a run is active.
THREAD_THRESHOLD = 1500
#: Beyond this many layers the monkey removes instead of adding.
MAX_LAYERS = 14
TIMEOUT_MS = 30_000
#: Modules whose RuntimeWarnings (numpy's "invalid value encountered") are not errors.
NAPARI_MODULES = r"(napari|vispy)\."
#: The drawn curves are the same computation as the reference, on the same data; only
#: the pixel size may differ in its last bits (napari's transforms against ``scale``).
RTOL, ATOL = 1e-9, 1e-12
#: But cubic interpolation of chunked (dask) data reads the chunks under the line with
#: a margin that holds all but ~1e-9 of the spline prefilter (``_core/sampling.py``):
#: the values may differ by that much of their magnitude, derivatives by that over
#: the distance between samples.
CHUNKED_CUBIC = 1e-8


@dataclasses.dataclass(frozen=True)
class KnownBug:
    """A bug of the plugin the monkey steps over, so that it finds the next ones.

    Each is pinned by a strict xfail test in ``tests/qt/test_monkey.py``: when that
    test passes, the bug is fixed; remove it here.

    Attributes
    ----------
    name : str
        What goes wrong.
    pattern : str
        A regular expression of the warning, error or exception it causes.
    warning : bool
        A warning (shown always, counted), rather than an error or exception.
    applies : callable, optional
        ``applies(monkey, reference profiles)``: whether the bug can strike now; only
        then are its errors forgiven. None: always.
    blanks_plot : bool
        When it strikes, the panel shows no curve at all (its update failed).
    """

    name: str
    pattern: str
    warning: bool = False
    applies: Callable[[Monkey, list], bool] | None = None
    blanks_plot: bool = False


KNOWN_BUGS = (
    KnownBug(
        "edge markers reach napari's private LayerList._activate_on_insert through the "
        "viewer proxy napari gives plugin widgets (FutureWarning; gone in napari 0.10)",
        r"Private attribute access \('LayerList\._activate_on_insert'\)",
        warning=True,
    ),
)


class MonkeyFailure(AssertionError):
    """A check failed after an action; the message says how to replay it."""


# --- the reference: profiles recomputed from the viewer's state ------------------------------


def world_vertex(viewer: Any, shapes: Shapes, vertex: np.ndarray) -> np.ndarray:
    """A vertex in world coordinates, its missing axes where the viewer's sliders are."""
    point = np.asarray(viewer.dims.point, dtype=float).copy()
    world = np.asarray(shapes.data_to_world(np.asarray(vertex, dtype=float)), dtype=float)
    point[point.size - world.size :] = world
    return point


def rectangle_axis_reference(corners: np.ndarray) -> tuple[np.ndarray, int]:
    """A rectangle's long axis (left to right, else top to bottom) and its short side, rounded.

    Written here again from ImageJ's rule, apart from the plugin's ``_core/shapes.py``.
    """
    side_a, side_b = corners[1] - corners[0], corners[3] - corners[0]
    length_a, length_b = np.linalg.norm(side_a), np.linalg.norm(side_b)
    along, across = (side_a, side_b) if length_a >= length_b else (side_b, side_a)
    axis = np.array([corners[0] + across / 2, corners[0] + across / 2 + along])
    if along[-1] < 0 or (along[-1] == 0 and along[-2] < 0):
        axis = axis[::-1]
    return axis, max(1, round(float(min(length_a, length_b))))


def reference_profiles(
    viewer: Any, image: Image, shapes: Shapes, options: dict, *, only_selected: bool = False
) -> list:
    """Return ``(shape index, Profile)`` of every line, path and rectangle, as the panel should.

    Computed from the layers' data and transforms and the viewer's dims only: vertices
    to world, the shape's missing axes from the sliders, to the image's pixels; the plane
    shown (sliced axes rounded as napari does; lines off the image skipped); sampled by
    :func:`napari_derivatives.line_profile` with the pixel size ``|scale|``, the step and
    smoothing typed in physical units converted to pixels along each line; a rectangle
    along its long axis, its short side wide (ImageJ's rule).
    """
    options = dict(options)
    physical = options.pop("lengths", "pixels") == "physical"
    offset = viewer.dims.ndim - image.ndim
    displayed = sorted(axis - offset for axis in viewer.dims.displayed if axis >= offset)
    if len(displayed) < 2:
        return []
    sliced = [axis for axis in range(image.ndim) if axis not in displayed]
    data = image.data[0] if image.multiscale else image.data
    spacing = tuple(abs(float(image.scale[axis])) for axis in displayed)
    indices = sorted(shapes.selected_data) if only_selected else range(len(shapes.data))
    profiles = []
    for index in indices:
        vertices, shape_type = shapes.data[index], shapes.shape_type[index]
        if shape_type not in ("line", "path", "rectangle"):
            continue
        pixels = np.array(
            [image.world_to_data(world_vertex(viewer, shapes, v)) for v in vertices], dtype=float
        )
        line_options = dict(options)
        if shape_type == "rectangle":
            if len(displayed) != 2:
                continue
            axis, line_options["width"] = rectangle_axis_reference(pixels[:, displayed])
            pixels = np.repeat(pixels[:1], 2, axis=0)
            pixels[:, displayed] = axis
        path = pixels[:, displayed]
        steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
        if not np.any(steps > 0):
            continue
        if physical:
            lengths = np.linalg.norm(np.diff(path, axis=0) * np.array(spacing), axis=1)
            for name in ("step", "smooth"):
                line_options[name] = line_options[name] * steps.sum() / lengths.sum()
        plane: list[Any] = [slice(None)] * image.ndim
        for axis in sliced:
            plane[axis] = int(np.round(pixels[0, axis]))
        if any(not 0 <= plane[axis] < data.shape[axis] for axis in sliced):
            continue
        values = np.asarray(data[tuple(plane)])
        if image.rgb:
            values = rgb_to_luminance(values)
        try:
            profile = line_profile(values, path, spacing=spacing, **line_options)
        except ValueError as error:
            if "`width` > 1 samples across the line" in str(error):
                # Along the stack (3D display) there is no "across": the panel skips it.
                continue
            raise
        # In the image's full data coordinates, as the panel's profiles (and edges) are.
        coords = np.empty((len(profile), image.ndim))
        coords[:, displayed] = profile.coords
        coords[:, sliced] = [plane[axis] for axis in sliced]
        profiles.append((index, dataclasses.replace(profile, coords=coords)))
    return profiles


# --- data a user might open --------------------------------------------------------------------


def smooth_field(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Ramps, a few blobs and a little noise: curves with slopes, peaks and edges."""
    grids = np.meshgrid(*[np.linspace(0.0, 1.0, n) for n in shape], indexing="ij")
    field = sum(rng.uniform(-1, 1) * grid for grid in grids)
    for _ in range(3):
        centre = [rng.uniform(0, 1) for _ in shape]
        width = rng.uniform(0.05, 0.3)
        r2 = sum((grid - c) ** 2 for grid, c in zip(grids, centre, strict=True))
        field = field + rng.uniform(-2, 2) * np.exp(-r2 / (2 * width**2))
    if rng.random() < 0.3:  # a sharp step
        field = field + (grids[-1] > rng.uniform(0.2, 0.8))
    return field + 0.02 * rng.standard_normal(shape)


def as_dtype(field: np.ndarray, dtype: str) -> np.ndarray:
    unit = (field - field.min()) / max(float(np.ptp(field)), 1e-12)
    if dtype == "uint8":
        return np.round(255 * unit).astype(np.uint8)
    if dtype == "uint16":
        return np.round(60_000 * unit).astype(np.uint16)
    return (1000 * unit - 200).astype(dtype)


# --- the monkey ------------------------------------------------------------------------------


@dataclasses.dataclass
class Tally:
    """What a run did and checked."""

    actions: int = 0
    checks: int = 0
    curve_checks: int = 0
    empty_checks: int = 0
    csv_checks: int = 0
    edge_checks: int = 0
    gradient_runs: int = 0
    mouse_drags: int = 0
    failures: list[str] = dataclasses.field(default_factory=list)
    kinds: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    known: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    def summary(self) -> str:
        return (
            f"{self.actions} actions, {self.checks} checks ({self.curve_checks} curve checks, "
            f"{self.empty_checks} empty-panel checks, {self.edge_checks} edge-marker checks, "
            f"{self.csv_checks} CSV checks), "
            f"{self.gradient_runs} gradient runs, {self.mouse_drags} mouse drags, "
            f"{len(self.failures)} failures"
            + "".join(f"\nknown bug seen {n} times: {bug}" for bug, n in self.known.items())
        )


class Monkey:
    """Random user actions in a viewer with both dock widgets, each followed by checks.

    Parameters
    ----------
    viewer : napari.Viewer
        An empty viewer; both dock widgets are docked in it here.
    qtbot : pytestqt.qtbot.QtBot or alike
        ``waitUntil(callback, timeout=...)`` and ``mouseClick(widget, button, pos=...)``.
    seed : int
        The seed of every random choice.
    folder : Path
        Where CSV files are exported.
    patch : callable
        ``patch(target, name, value)``, undone by the caller after the run
        (``monkeypatch.setattr``): records ``show_error``, the exception hooks, and
        the gradient widget's thread threshold.
    stop_on_failure : bool
        Raise at the first failure (a test), or count failures and go on (a soak).
    """

    def __init__(
        self,
        viewer: Any,
        qtbot: Any,
        *,
        seed: int,
        folder: Path,
        patch: Callable[[Any, str, Any], Any],
        stop_on_failure: bool = True,
    ) -> None:
        self.viewer, self.qtbot, self.seed, self.folder = viewer, qtbot, seed, Path(folder)
        self.rng = np.random.default_rng(seed)
        self.stop_on_failure = stop_on_failure
        self.tally = Tally()
        self.log: collections.deque[str] = collections.deque(maxlen=20)
        self.problems: list[str] = []  # errors and exceptions since the last check
        self.allowed_errors: tuple[str, ...] = ()
        self.reference_error = ""  # why line_profile refused a line, at the last check
        self.serial = 0
        patch(layers_widget, "THREAD_THRESHOLD", THREAD_THRESHOLD)
        # A run in the worker thread waits for the monkey's go: it lands at a moment the
        # seed decides, so that a replay is exact, and actions come while it is active.
        self.gates: list[threading.Event] = []
        self.release_in = 0
        patch(layers_widget, "create_worker", self._gated_worker(layers_widget.create_worker))
        for module in (line_derivative, layers_widget, export_button, kymograph_panel):
            patch(module, "show_error", self._on_show_error)
        patch(sys, "excepthook", self._on_exception)
        patch(threading, "excepthook", self._on_thread_exception)
        notification_manager.notification_ready.connect(self._on_notification)
        _, self.gradient = viewer.window.add_plugin_dock_widget(PLUGIN, "Gradient layers")
        _, self.panel = viewer.window.add_plugin_dock_widget(PLUGIN, "Line derivative")
        # matplotlib prints the exceptions of its draw callbacks (the plot's blit cache)
        # and goes on: record them.
        patch(self.panel.plot.canvas.callbacks, "exception_handler", self._on_plot_exception)
        self.actions = [(getattr(self, f"act_{name}"), weight) for name, weight in ACTIONS]
        weights = np.array([weight for _, weight in self.actions], dtype=float)
        self.weights = weights / weights.sum()

    # --- running ---------------------------------------------------------------------------

    def run(self, count: int) -> Tally:
        """Do ``count`` actions, each followed by the checks; then let runs finish."""
        try:
            with warnings.catch_warnings():
                # napari and vispy warn about degenerate shapes (a zero-length line)
                # while meshing them: theirs, not the plugin's.
                warnings.filterwarnings("ignore", category=RuntimeWarning, module=NAPARI_MODULES)
                for bug in KNOWN_BUGS:
                    if bug.warning:
                        warnings.filterwarnings("always", message=bug.pattern)
                warnings.showwarning = self._on_warning
                for _ in range(count):
                    self.step()
                    if len(self.tally.failures) >= 20:
                        break
                self.release_runs()
                self.settle_and_check("end")
        finally:
            for gate in self.gates:  # a run left waiting after a failure: let it go
                gate.set()
            notification_manager.notification_ready.disconnect(self._on_notification)
        return self.tally

    def step(self) -> None:
        """One action, chosen at random among those that apply, then the checks."""
        self.tally.actions += 1
        number = self.tally.actions
        if self.gates:
            if self.release_in <= 0:
                self.log.append(f"{number:5d} (gradient run allowed to finish)")
                self.release_runs()
                self.settle_and_check(number)
            self.release_in -= 1
        for _ in range(20):
            action, _ = self.actions[self.rng.choice(len(self.actions), p=self.weights)]
            # Not too long with nothing to profile: a user would open an image, draw lines.
            for kind, add in ((Image, self.act_add_image), (Shapes, self.act_add_shapes)):
                if not self.layers_of(kind) and self.rng.random() < 0.2:
                    action = add
            try:
                described = action()
            except Exception:
                self.fail(number, f"{action.__name__} raised\n{traceback.format_exc()}")
                return
            if described:
                break
        else:
            described = "nothing applied"
        self.tally.kinds[action.__name__] += 1
        self.log.append(f"{number:5d} {described}")
        self.settle_and_check(number)
        self.allowed_errors = ()

    def settle_and_check(self, number: int | str) -> None:
        try:
            self.settle()
            self.check()
        except Exception as error:
            text = "".join(traceback.format_exception_only(error)).strip()
            if not isinstance(error, AssertionError):
                text = traceback.format_exc()
            self.fail(number, text)

    def fail(self, number: int | str, message: str) -> None:
        self.problems.clear()
        report = (
            f"monkey seed {self.seed}, action {number}: {message}\n"
            f"last {len(self.log)} actions:\n" + "\n".join(self.log) + "\n"
            f"replay: tools/with-display.sh .venv/bin/python tools/soak.py "
            f"--seed {self.seed} --actions {number}"
        )
        self.tally.failures.append(report)
        if self.stop_on_failure:
            raise MonkeyFailure(report)

    def settle(self) -> None:
        """Let Qt run until the panel has drawn every change."""
        QCoreApplication.processEvents()
        self.qtbot.waitUntil(lambda: not self.panel.update_pending, timeout=TIMEOUT_MS)

    def release_runs(self) -> None:
        """Let the gated runs go, and wait until they have finished and landed."""
        for gate in self.gates:
            gate.set()
        self.gates.clear()
        self.wait_for_runs()

    def wait_for_runs(self) -> None:
        self.qtbot.waitUntil(lambda: self.gradient.worker is None, timeout=TIMEOUT_MS)
        self.settle()

    def _gated_worker(self, create_worker: Callable) -> Callable:
        def create(function: Callable, *args: Any, **kwargs: Any) -> Any:
            gate = threading.Event()

            def gated(*args: Any, **kwargs: Any) -> Any:
                gate.wait(TIMEOUT_MS / 1000)
                return (yield from function(*args, **kwargs))

            self.gates.append(gate)
            self.release_in = int(self.rng.integers(0, 5))
            return create_worker(gated, *args, **kwargs)

        return create

    # --- checks ----------------------------------------------------------------------------

    def check(self) -> None:
        """Assert that nothing went wrong and the plot shows the reference profiles."""
        self.tally.checks += 1
        viewer, panel = self.viewer, self.panel
        image, shapes = panel.image.value, panel.shapes.value
        expected = []
        self.reference_error = ""
        if image is not None and shapes is not None:
            try:
                expected = reference_profiles(
                    viewer,
                    image,
                    shapes,
                    panel.profile_options(),
                    only_selected=panel.only_selected.value,
                )
            except ValueError as error:  # a line line_profile refuses: see KNOWN_BUGS
                self.reference_error = str(error)
        striking = [bug for bug in KNOWN_BUGS if bug.applies and bug.applies(self, expected)]
        problems = []
        for problem in self.problems:
            bug = next((bug for bug in striking if re.search(bug.pattern, problem)), None)
            if bug is not None:
                self.tally.known[bug.name] += 1
            elif not any(allowed in problem for allowed in self.allowed_errors):
                problems.append(problem)
        self.problems.clear()
        assert not problems, "\n".join(problems)

        layers = list(viewer.layers)
        for chosen, kind in ((image, Image), (shapes, Shapes)):
            assert chosen is None or any(chosen is layer for layer in layers), chosen
            offered = [layer for layer in layers if isinstance(layer, kind)]
            assert (chosen is None) == (not offered), f"{kind.__name__} chosen: {chosen}"
        markers = panel.edges_layer
        assert markers is None or panel.mark_edges.value, "edge markers while not marked"
        assert markers is None or any(markers is layer for layer in layers)
        running = self.gradient.worker is not None
        assert self.gradient.call_button.enabled == (not running), "call button state"

        drawn = list(zip(panel.plot.intensity_lines, panel.plot.derivative_lines, strict=True))
        if image is None or shapes is None:
            assert drawn == [], f"{len(drawn)} curves drawn without an image and Shapes layer"
            self.tally.empty_checks += 1
            return
        if any(bug.blanks_plot for bug in striking) and not drawn:
            return  # the panel failed as the known bug does
        assert not self.reference_error, f"line_profile refused a line: {self.reference_error}"
        assert len(drawn) == len(expected), (
            f"{len(drawn)} curves drawn, {len(expected)} expected (lines "
            f"{[index for index, _ in expected]} of {shapes.name!r} over {image.name!r})"
        )
        options = panel.profile_options()
        data = image.data[0] if image.multiscale else image.data
        chunked = not isinstance(data, np.ndarray) and options["order"] == 3
        for (index, profile), (top, bottom) in zip(expected, drawn, strict=True):
            where = (
                f"shape {index} of {shapes.name!r} over {image.name!r} "
                f"({type(data).__name__} {data.dtype}, {options})"
            )
            magnitude = max(np.nanmax(np.abs(profile.values), initial=0.0), 1.0)
            sampled = np.diff(profile.distance)
            step = max(np.min(sampled, initial=np.inf), 1e-12)
            for name, actual, wanted, atol in (
                ("distance", top.get_xdata(), profile.distance, 0.0),
                ("intensity", top.get_ydata(), profile.values, magnitude),
                ("derivative distance", bottom.get_xdata(), profile.distance, 0.0),
                ("derivative", bottom.get_ydata(), profile.derivative, magnitude / step),
            ):
                scale = max(np.nanmax(np.abs(wanted), initial=0.0), 1.0)
                np.testing.assert_allclose(
                    np.asarray(actual, dtype=float),
                    wanted,
                    rtol=RTOL,
                    atol=max(ATOL * scale, CHUNKED_CUBIC * atol if chunked else 0.0),
                    equal_nan=True,
                    err_msg=f"{name} of {where}",
                )
            np.testing.assert_allclose(
                to_rgba(top.get_color()), shapes.edge_color[index], err_msg=f"colour of {where}"
            )
            self.check_label(top.get_label(), image, shapes, index, profile)
            self.check_style(top, bottom, shapes, index, [i for i, _ in expected])
            self.tally.curve_checks += 1
        if panel.show_curvature.value:
            curves = panel.plot.curvature_lines
            assert len(curves) == len(expected), f"{len(curves)} second-derivative curves"
            for (index, profile), curve in zip(expected, curves, strict=True):
                with np.errstate(invalid="ignore"):
                    wanted = np.gradient(profile.derivative, profile.distance)
                scale = max(np.nanmax(np.abs(wanted), initial=0.0), 1.0)
                np.testing.assert_allclose(
                    np.asarray(curve.get_ydata(), dtype=float),
                    wanted,
                    rtol=1e-6,
                    atol=1e-6 * scale,
                    equal_nan=True,
                    err_msg=f"second derivative of shape {index}",
                )
        chosen = sorted(shapes.selected_data) if panel.only_selected.value else None
        kinds = [shapes.shape_type[i] for i in chosen] if chosen is not None else shapes.shape_type
        lines = sum(kind in ("line", "path", "rectangle") for kind in kinds)
        skipped = lines - len(expected)
        note = f"{skipped} line{'s' if skipped > 1 else ''} not profiled"
        assert (note in panel.hint) if skipped else ("not profiled" not in panel.hint), (
            f"hint {panel.hint!r}, {skipped} lines skipped"
        )
        if panel.mark_edges.value and panel.edges_layer is not None:
            self.check_edges(image, expected, magnitude=max(np.abs(image.extent.world).max(), 1))

    def check_label(
        self, label: str, image: Image, shapes: Shapes, index: int, profile: Any
    ) -> None:
        """The legend names the shape and, over a stack, the plane it samples."""
        head = f"{shapes.shape_type[index]} {index}"
        offset = self.viewer.dims.ndim - image.ndim
        displayed = {axis - offset for axis in self.viewer.dims.displayed}
        sliced = [axis for axis in range(image.ndim) if axis not in displayed]
        if not sliced:
            assert label == head, f"label {label!r} of {head}"
            return
        assert label.startswith(head + " · "), label
        planes = [int(np.round(profile.coords[0, axis])) for axis in sliced]
        assert all(str(plane) in label for plane in planes), f"{label!r}, planes {planes}"
        point = np.asarray(self.viewer.dims.point, dtype=float)[-image.ndim :]
        shown = np.asarray(image.world_to_data(point), dtype=float)
        visible = all(
            int(np.round(shown[axis])) == p for axis, p in zip(sliced, planes, strict=True)
        )
        assert label.endswith("(not shown)") == (not visible), f"{label!r}, shown {shown}"

    def check_style(
        self, top: Any, bottom: Any, shapes: Shapes, index: int, plotted: list[int]
    ) -> None:
        """Selected shapes' curves are thicker; the others dimmed while one of them is."""
        selected = set(shapes.selected_data) & set(plotted)
        if not selected:
            wanted = (PLAIN_WIDTH, None)
        elif index in selected:
            wanted = (SELECTED_WIDTH, None)
        else:
            wanted = (DIMMED_WIDTH, DIMMED_ALPHA)
        for line in (top, bottom):
            actual = (line.get_linewidth(), line.get_alpha())
            assert actual == wanted, f"shape {index}: {actual}, not {wanted}; selected {selected}"

    def check_edges(self, image: Image, expected: list, *, magnitude: float) -> None:
        """The edge markers and table rows are the edges of the reference profiles."""
        markers = self.panel.edges_layer
        panel = self.panel
        options = {
            "threshold": float(panel.edge_threshold.value) or None,
            "polarity": panel.edge_polarity.value,
            "select": panel.edge_select.value,
        }
        count = int(panel.edge_count.value)
        edges = [
            (i, edge) for i, profile in expected for edge in profile.find_edges(count, **options)
        ]
        rows = panel.edge_table.content.rows
        assert len(rows) == len(edges), f"{len(rows)} rows in the edge table, {len(edges)} edges"
        for row, marker in zip(rows, panel.edge_table.content.markers, strict=True):
            index, edge = edges[marker]
            assert row[0] == index and row[2] == edge.distance, (row, index, edge.distance)
        assert len(markers.data) == len(edges), f"{len(markers.data)} markers, {len(edges)} edges"
        if edges:
            wanted = np.array([image.data_to_world(edge.coords) for _, edge in edges], dtype=float)
            marked = np.array([markers.data_to_world(point) for point in markers.data])
            np.testing.assert_allclose(
                marked, wanted, rtol=1e-6, atol=1e-6 * magnitude, err_msg="edge markers"
            )
            assert list(markers.features["line"]) == [index for index, _ in edges]
        self.tally.edge_checks += 1

    def check_csv(self, path: Path) -> None:
        table = np.genfromtxt(path, delimiter=",", names=True)
        table = np.atleast_1d(table)
        tops = self.panel.plot.intensity_lines
        bottoms = self.panel.plot.derivative_lines
        lines = sorted(set(table["line"].astype(int).tolist()))
        assert len(lines) == len(tops), f"{len(lines)} lines in the CSV, {len(tops)} drawn"
        # The distance and derivative columns carry their unit: distance_µm, derivative_per_µm.
        names = table.dtype.names
        distance = next(name for name in names if name.startswith("distance"))
        derivative = next(name for name in names if name.startswith("derivative"))
        for line, top, bottom in zip(lines, tops, bottoms, strict=True):
            rows = table[table["line"] == line]
            for column, curve in (
                (distance, top.get_xdata()),
                ("intensity", top.get_ydata()),
                (derivative, bottom.get_ydata()),
            ):
                np.testing.assert_array_equal(
                    rows[column], np.asarray(curve, dtype=float), err_msg=f"CSV {column}"
                )
        self.tally.csv_checks += 1

    # --- recording problems ----------------------------------------------------------------

    def _on_show_error(self, message: str, *args: Any, **kwargs: Any) -> None:
        # Called in an ``except`` block, as the panel does: where the error came from.
        cause = traceback.format_exc() if sys.exc_info()[0] is not None else ""
        self.problems.append(f"show_error: {message}\n{cause}".strip())

    def _on_warning(self, message: Any, category: type, *args: Any, **kwargs: Any) -> None:
        # Only warnings that are not errors come here: the known bugs' (see run).
        for bug in KNOWN_BUGS:
            if bug.warning and re.search(bug.pattern, str(message)):
                self.tally.known[bug.name] += 1
                return
        self.problems.append(f"warning: {category.__name__}: {message}")

    def _on_notification(self, notification: Any) -> None:
        if notification.severity == NotificationSeverity.ERROR:
            self.problems.append(f"error notification: {notification.message}")

    def _on_exception(self, kind: type, value: BaseException, tb: Any) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        self.problems.append(f"uncaught exception:\n{text}")

    def _on_plot_exception(self, error: BaseException) -> None:
        text = "".join(traceback.format_exception(error))
        self.problems.append(f"exception in a plot callback:\n{text}")

    def _on_thread_exception(self, args: Any) -> None:
        text = "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        )
        self.problems.append(f"uncaught exception in thread {args.thread}:\n{text}")

    # --- helpers ---------------------------------------------------------------------------

    def pick(self, items: list) -> Any:
        return items[int(self.rng.integers(len(items)))] if items else None

    def layers_of(self, kind: type) -> list:
        return [layer for layer in self.viewer.layers if isinstance(layer, kind)]

    def name(self, stem: str) -> str:
        self.serial += 1
        return f"{stem}{self.serial}"

    def click(self, widget: Any, pos: QPoint | None = None) -> None:
        if pos is None:
            self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        else:
            self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)

    def click_checkbox(self, checkbox: Any) -> None:
        # A QCheckBox takes clicks on its box and text only, not at its centre.
        size = checkbox.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
        self.click(checkbox, QPoint(max(size // 2, 2), checkbox.height() // 2))

    def draw_axes(self) -> list[int]:
        """World axes a user draws on: the two displayed (the last two in 3D)."""
        return sorted(self.viewer.dims.displayed)[-2:]

    def world_box(self) -> tuple[np.ndarray, np.ndarray]:
        """Low and high world corners on :meth:`draw_axes` around an image, with margins."""
        axes = self.draw_axes()
        images = self.layers_of(Image)
        image = self.panel.image.value if self.rng.random() < 0.8 else self.pick(images)
        if image is None:
            return np.zeros(2), np.full(2, 50.0)
        extent = np.asarray(image.extent.world, dtype=float)
        offset = self.viewer.dims.ndim - image.ndim
        columns = [axis - offset if axis >= offset else -1 for axis in axes]
        low, high = extent[0, columns], extent[1, columns]
        margin = 0.15 * (high - low) + 1
        return low - margin, high + margin

    def random_world_points(self, count: int, shape_type: str = "path") -> np.ndarray:
        """``count`` world points on the draw axes (``(count, 2)``), in the image's box."""
        low, high = self.world_box()
        if shape_type in ("rectangle", "ellipse"):
            a, b = self.rng.uniform(low, high), self.rng.uniform(low, high)
            return np.array([[a[0], a[1]], [a[0], b[1]], [b[0], b[1]], [b[0], a[1]]])
        points = self.rng.uniform(low, high, size=(count, 2))
        roll = self.rng.random()
        if roll < 0.04:
            points[1:] = points[0]  # zero length
        elif roll < 0.08:
            points = points + 3 * (high - low)  # off the image
        elif roll < 0.1:
            points = (points - points.mean(axis=0)) * 20 + points.mean(axis=0)  # huge
        return points

    def to_shapes_data(
        self, shapes: Shapes, world_points: np.ndarray, *, other_plane: bool = False
    ) -> np.ndarray:
        """World points on the draw axes to the data of ``shapes``.

        The other axes are where the sliders are or, with ``other_plane``, on a random
        plane (an ND shape drawn elsewhere in the stack).
        """
        ndim = max(self.viewer.dims.ndim, shapes.ndim)
        base = np.zeros(ndim)
        base[ndim - self.viewer.dims.ndim :] = self.viewer.dims.point
        axes = [axis + ndim - self.viewer.dims.ndim for axis in self.draw_axes()]
        if other_plane:
            for axis in set(range(ndim)) - set(axes):
                base[axis] = float(self.rng.integers(0, 4))
        vertices = []
        for point in world_points:
            world = base.copy()
            world[axes] = point
            vertices.append(shapes.world_to_data(world[ndim - shapes.ndim :]))
        return np.array(vertices, dtype=float)

    def random_shapes(
        self, shapes: Shapes, count: int, types: tuple[str, ...] = ("line", "path", *SHAPE_TYPES)
    ) -> list[tuple[np.ndarray, str]]:
        made = []
        other_plane = shapes.ndim > 2 and self.rng.random() < 0.3
        for _ in range(count):
            shape_type = str(self.pick(list(types)))
            n = {"line": 2, "path": int(self.rng.integers(2, 6))}.get(
                shape_type, int(self.rng.integers(3, 7))
            )
            points = self.random_world_points(n, shape_type)
            made.append((self.to_shapes_data(shapes, points, other_plane=other_plane), shape_type))
        return made

    def random_transform(self, ndim: int) -> dict[str, Any]:
        scale = self.rng.choice([0.5, 0.7, 1.0, 1.0, 1.0, 2.0, 3.0], size=ndim)
        if self.rng.random() < 0.05:
            scale[int(self.rng.integers(ndim))] *= -1
        translate = np.zeros(ndim)
        if self.rng.random() < 0.5:
            translate = np.round(self.rng.uniform(-30, 30, size=ndim), 1)
        return {"scale": tuple(scale.tolist()), "translate": tuple(translate.tolist())}

    def image_data(self, kind: str, dtype: str) -> tuple[Any, dict[str, Any]]:
        rng = self.rng
        h, w = (int(n) for n in rng.integers(12, 72, size=2))
        spatial = {
            "2d": (h, w),
            "stack": (int(rng.integers(2, 7)), h, w),
            "4d": (int(rng.integers(2, 4)), int(rng.integers(2, 5)), h, w),
            "large": (int(rng.integers(150, 300)), int(rng.integers(150, 300))),
            "large stack": (int(rng.integers(3, 6)), 128, 128),
        }
        base = kind.replace("rgb ", "").replace("rgba ", "").replace("multiscale ", "")
        shape = spatial[base]
        kwargs: dict[str, Any] = self.random_transform(len(shape))
        if kind.startswith(("rgb", "rgba")):
            channels = 4 if kind.startswith("rgba") else 3
            field = np.stack([smooth_field(rng, shape) for _ in range(channels)], axis=-1)
            data = as_dtype(field, "uint8") if dtype == "uint8" else as_dtype(field, "float32")
            if data.dtype != np.uint8:
                data = (data + 200) / 1000  # RGB floats in [0, 1]
            kwargs["rgb"] = True
        else:
            data = as_dtype(smooth_field(rng, shape), dtype)
            if data.dtype.kind == "f" and rng.random() < 0.4:
                data[rng.random(shape) < 0.02] = np.nan
                if rng.random() < 0.5:
                    data[..., : max(1, shape[-2] // 4), : max(1, shape[-1] // 5)] = np.nan
        if kind.startswith("multiscale"):
            data = [data, data[..., ::2, ::2], data[..., ::4, ::4]]
            kwargs["multiscale"] = True
        elif rng.random() < 0.3:
            chunks = tuple(int(rng.integers(1, max(2, n) + 1)) for n in data.shape)
            data = da.from_array(data, chunks=chunks)
        if rng.random() < 0.1:
            kwargs["units"] = ("um",) * len(shape)
        return data, kwargs

    def mouse(self, layer: Shapes, kind: str, position: np.ndarray, **kwargs: Any) -> None:
        event = read_only_mouse_event(
            type=kind,
            position=tuple(float(x) for x in position),
            dims_displayed=list(self.viewer.dims.displayed),
            **kwargs,
        )
        callbacks = {
            "mouse_press": mouse_press_callbacks,
            "mouse_move": mouse_move_callbacks,
            "mouse_release": mouse_release_callbacks,
            "mouse_double_click": mouse_double_click_callbacks,
        }
        callbacks[kind](layer, event)

    def check_midway(self, what: str) -> None:
        """A check in the middle of a drag: the panel follows the mouse."""
        self.log.append(f"      ... {what}")
        self.settle()
        self.check()

    # --- actions: layers -------------------------------------------------------------------

    def act_add_image(self) -> str | None:
        if len(self.viewer.layers) >= MAX_LAYERS:
            return None
        kind = str(self.pick(IMAGE_KINDS))
        dtype = str(self.pick(["uint8", "uint16", "float32", "float64"]))
        data, kwargs = self.image_data(kind, dtype)
        name = self.name("image")
        self.viewer.add_image(data, name=name, **kwargs)
        level = data[0] if isinstance(data, list) else data
        lazy = " dask" if isinstance(level, da.Array) else ""
        return f"add image {name!r}: {kind} {level.dtype}{lazy} {level.shape} {kwargs}"

    def act_add_shapes(self) -> str | None:
        if len(self.viewer.layers) >= MAX_LAYERS:
            return None
        ndim = 2 if self.rng.random() < 0.65 else max(3, min(self.viewer.dims.ndim, 4))
        transform = self.random_transform(ndim)
        images = self.layers_of(Image)
        if images and self.rng.random() < 0.5:  # drawn on an image, as users do
            image = self.pick(images)
            transform = {
                "scale": tuple(image.scale[-ndim:]),
                "translate": tuple(image.translate[-ndim:]),
            }
            if image.ndim < ndim:
                transform = self.random_transform(ndim)
        name = self.name("shapes")
        shapes = Shapes(ndim=ndim, name=name, **transform)
        made = self.random_shapes(shapes, int(self.rng.integers(0, 6)))
        if made:
            shapes.add([vertices for vertices, _ in made], shape_type=[kind for _, kind in made])
        self.viewer.add_layer(shapes)
        return f"add shapes {name!r} {ndim}D {transform}: {[kind for _, kind in made]}"

    def act_add_other(self) -> str | None:
        if len(self.viewer.layers) >= MAX_LAYERS:
            return None
        low, high = self.world_box()
        if self.rng.random() < 0.6:
            points = self.rng.uniform(low, high, size=(int(self.rng.integers(1, 8)), 2))
            self.viewer.add_points(points, name=self.name("points"))
            return f"add points {len(points)}"
        labels = (smooth_field(self.rng, (20, 30)) > 0.3).astype(np.uint8)
        self.viewer.add_labels(labels, name=self.name("labels"), **self.random_transform(2))
        return "add labels"

    def act_remove_layer(self) -> str | None:
        layer = self.pick(list(self.viewer.layers))
        if layer is None:
            return None
        self.viewer.layers.remove(layer)
        return f"remove layer {layer.name!r}"

    def act_rename_layer(self) -> str | None:
        layers = list(self.viewer.layers)
        layer = self.pick(layers)
        if layer is None:
            return None
        old = layer.name
        roll = self.rng.random()
        if roll < 0.3:
            new = self.pick(layers).name  # napari makes it unique
        elif roll < 0.4:
            new = f'µ-scan, {self.serial} / "x"'
        else:
            new = self.name("renamed")
        layer.name = new
        return f"rename {old!r} -> {layer.name!r}"

    def act_move_layer(self) -> str | None:
        n = len(self.viewer.layers)
        if n < 2:
            return None
        src, dst = (int(i) for i in self.rng.integers(0, n, size=2))
        self.viewer.layers.move(src, dst)
        return f"move layer {src} -> {dst}"

    def act_select_layer(self) -> str | None:
        layer = self.pick(list(self.viewer.layers))
        if layer is None:
            return None
        self.viewer.layers.selection.active = layer
        return f"select layer {layer.name!r}"

    def act_toggle_visible(self) -> str | None:
        layer = self.pick(list(self.viewer.layers))
        if layer is None:
            return None
        layer.visible = not layer.visible
        return f"layer {layer.name!r} visible={layer.visible}"

    def act_transform_layer(self) -> str | None:
        layer = self.pick(self.layers_of(Image) + self.layers_of(Shapes))
        if layer is None:
            return None
        transform = self.random_transform(layer.ndim)
        key = "scale" if self.rng.random() < 0.5 else "translate"
        setattr(layer, key, transform[key])
        return f"{layer.name!r}.{key} = {transform[key]}"

    def act_replace_image_data(self) -> str | None:
        images = [layer for layer in self.layers_of(Image) if not layer.multiscale]
        image = self.pick(images)
        if image is None:
            return None
        rng = self.rng
        shape = list(image.data.shape)
        spatial = len(shape) - (1 if image.rgb else 0)
        for axis in range(spatial - 2, spatial):
            shape[axis] = int(rng.integers(12, 72))
        field = smooth_field(rng, tuple(shape))
        if image.rgb:
            data = as_dtype(field, "uint8")
        else:
            data = as_dtype(field, str(self.pick(["uint8", "uint16", "float32", "float64"])))
        image.data = data
        return f"{image.name!r}.data = {data.dtype} {data.shape}"

    # --- actions: shapes through the API ------------------------------------------------------

    def target_shapes(self, *, edit: bool = False) -> Shapes | None:
        """The panel's Shapes layer, mostly, or another; None if there is none.

        With ``edit``, neither a 2D layer in 3D display nor a hidden layer: napari 0.9
        cannot set their data ("could not broadcast input array from shape (2,2) into
        shape (2,3)"; a hidden layer is not sliced again when 2D/3D is switched).
        """
        chosen = self.panel.shapes.value
        shapes = chosen if chosen is not None and self.rng.random() < 0.75 else None
        shapes = shapes or self.pick(self.layers_of(Shapes))
        hard = shapes is not None and (
            shapes.ndim < self.viewer.dims.ndisplay or not shapes.visible
        )
        return None if edit and hard else shapes

    def act_add_shape(self) -> str | None:
        shapes = self.target_shapes(edit=True)
        if shapes is None:
            return None
        shape_type = str(self.pick(["line", "line", "path", *SHAPE_TYPES]))
        made = self.random_shapes(shapes, int(self.rng.integers(1, 3)), (shape_type,))
        method = getattr(shapes, f"add_{shape_type}s")
        method([vertices for vertices, _ in made])
        return f"{shapes.name!r}.add_{shape_type}s({len(made)}) -> {shapes.nshapes} shapes"

    def act_replace_shapes(self) -> str | None:
        shapes = self.target_shapes(edit=True)
        if shapes is None:
            return None
        made = self.random_shapes(shapes, int(self.rng.integers(0, 5)))
        shapes.data = [(vertices, kind) for vertices, kind in made]
        return f"{shapes.name!r}.data = {[kind for _, kind in made]}"

    def act_move_shape(self) -> str | None:
        shapes = self.target_shapes(edit=True)
        if shapes is None or shapes.nshapes == 0:
            return None
        index = int(self.rng.integers(shapes.nshapes))
        data = [np.array(vertices, dtype=float) for vertices in shapes.data]
        axes = [axis - (self.viewer.dims.ndim - shapes.ndim) for axis in self.draw_axes()]
        axes = [axis for axis in axes if axis >= 0]
        shift = self.rng.normal(0, 5, size=len(axes))
        if self.rng.random() < 0.5:
            data[index][:, axes] += shift  # the whole shape
            what = "shape"
        else:
            vertex = int(self.rng.integers(len(data[index])))
            data[index][vertex, axes] += shift
            what = f"vertex {vertex} of shape"
        types = list(shapes.shape_type)
        shapes.data = list(zip(data, types, strict=True))
        return f"{shapes.name!r}: move {what} {index} by {np.round(shift, 2).tolist()}"

    def act_remove_shapes(self) -> str | None:
        shapes = self.target_shapes()
        if shapes is None or shapes.nshapes == 0:
            return None
        count = int(self.rng.integers(1, shapes.nshapes + 1))
        chosen = self.rng.choice(shapes.nshapes, size=min(count, 2), replace=False)
        shapes.selected_data = {int(i) for i in chosen}
        shapes.remove_selected()
        return f"{shapes.name!r}: remove shapes {sorted(chosen.tolist())}"

    # --- actions: shapes with the mouse -------------------------------------------------------

    def mouse_shapes(self, *, empty: bool = False) -> Shapes | None:
        """The Shapes layer to use the mouse on, made active; None in 3D or without one."""
        if self.viewer.dims.ndisplay != 2:
            return None
        shapes = self.target_shapes()
        if shapes is None or (shapes.nshapes == 0 and not empty):
            return None
        # napari 0.9 writes NaN vertices when a drag moves a layer shown along an axis it
        # does not have (dims rolled past a 2D layer); then the dims break for good.
        offset = self.viewer.dims.ndim - shapes.ndim
        if any(axis < offset for axis in self.viewer.dims.displayed):
            return None
        # It draws a shape where the sliders are in the layer's data, and cannot then
        # select it if that is between its planes (layers of other scales).
        point = np.asarray(self.viewer.dims.point, dtype=float)[-shapes.ndim :]
        planes = np.asarray(shapes.world_to_data(point), dtype=float)[:-2]
        if not np.allclose(planes, np.round(planes)):
            return None
        self.viewer.layers.selection.active = shapes
        return shapes

    def vertex_world(self, shapes: Shapes, vertex: np.ndarray) -> np.ndarray:
        return world_vertex(self.viewer, shapes, vertex)

    def drag(self, shapes: Shapes, start: np.ndarray, moves: int, what: str) -> None:
        """Press at ``start`` (world), move ``moves`` times with a check each, release."""
        self.mouse(shapes, "mouse_press", start)
        position = start.copy()
        axes = self.draw_axes()
        low, high = self.world_box()
        for _ in range(moves):
            position[axes] += self.rng.normal(0, 0.08, size=2) * (high - low)
            self.mouse(shapes, "mouse_move", position, is_dragging=True)
            self.check_midway(f"{what}: moved to {np.round(position[axes], 2).tolist()}")
        self.mouse(shapes, "mouse_release", position)
        self.tally.mouse_drags += 1

    def act_mouse_drag_vertex(self) -> str | None:
        shapes = self.mouse_shapes()
        if shapes is None:
            return None
        index = int(self.rng.integers(shapes.nshapes))
        vertex = int(self.rng.integers(len(shapes.data[index])))
        shapes.mode = "direct"
        shapes.selected_data = {index}
        start = self.vertex_world(shapes, shapes.data[index][vertex])
        hit = shapes.get_value(start, world=True)
        if hit is None or hit[0] is None or hit[1] is None:
            shapes.mode = "pan_zoom"
            return f"{shapes.name!r}: no vertex under the mouse at shape {index} (not shown)"
        if hit[1] >= len(shapes.data[hit[0]]):
            # napari 0.9, in a transposed view, reports a vertex the shape does not have
            # (and its drag raises IndexError): not the plugin's.
            shapes.mode = "pan_zoom"
            return f"{shapes.name!r}: napari reports vertex {hit[1]} of shape {hit[0]}; skipped"
        what = f"{shapes.name!r}: mouse drags vertex {hit[1]} of shape {hit[0]}"
        self.log.append(f"{self.tally.actions:5d} {what}")
        self.drag(shapes, start, int(self.rng.integers(1, 4)), what)
        shapes.mode = "pan_zoom"
        return f"{what}: released"

    def act_mouse_drag_shape(self) -> str | None:
        shapes = self.mouse_shapes()
        if shapes is None:
            return None
        index = int(self.rng.integers(shapes.nshapes))
        vertices = np.asarray(shapes.data[index], dtype=float)
        inside = vertices[:2].mean(axis=0) if len(vertices) < 4 else vertices.mean(axis=0)
        shapes.mode = "select"
        start = self.vertex_world(shapes, inside)
        hit = shapes.get_value(start, world=True)
        what = f"{shapes.name!r}: mouse drags at shape {index} (hit {hit})"
        self.log.append(f"{self.tally.actions:5d} {what}")
        self.drag(shapes, start, int(self.rng.integers(1, 4)), what)
        shapes.mode = "pan_zoom"
        return f"{what}: released"

    def act_mouse_draw(self) -> str | None:
        shapes = self.mouse_shapes(empty=True)
        if shapes is None:
            return None
        # napari's drawing tools: line, rectangle and ellipse are dragged; polyline (a
        # path) and polygon are clicked, vertex by vertex, and ended by a double click;
        # path is drawn freehand, a vertex every 10 screen pixels, ended by a click.
        tool = str(self.pick(["line", "line", "rectangle", "ellipse", "polyline", "polygon"]))
        tool = "path" if tool == "polyline" and self.rng.random() < 0.4 else tool
        shapes.mode = f"add_{tool}"
        axes = self.draw_axes()
        worlds = []
        # Not a polygon of two clicks: napari 0.9 deletes it but keeps its colours, and
        # warns at every later change of the layer's data.
        count = int(self.rng.integers(3 if tool == "polygon" else 2, 6))
        for point in self.random_world_points(count):
            world = np.asarray(self.viewer.dims.point, dtype=float).copy()
            world[axes] = point
            worlds.append(world)
        # Canvas pixels: far enough apart for napari to take each as a new vertex.
        pixels = [np.array([40.0 * k + 5, 30.0 * k + 5]) for k in range(len(worlds))]
        what = f"{shapes.name!r}: mouse draws with the {tool} tool"
        self.log.append(f"{self.tally.actions:5d} {what}")
        if tool in ("line", "rectangle", "ellipse"):
            self.mouse(shapes, "mouse_press", worlds[0], pos=pixels[0])
            for world, pos in zip(worlds[1:], pixels[1:], strict=True):
                self.mouse(shapes, "mouse_move", world, is_dragging=True, pos=pos)
                self.check_midway(f"{what}: dragged to {np.round(world[axes], 2).tolist()}")
            self.mouse(shapes, "mouse_release", worlds[-1], pos=pixels[-1])
        elif tool == "path":
            self.mouse(shapes, "mouse_press", worlds[0], pos=pixels[0])
            self.mouse(shapes, "mouse_release", worlds[0], pos=pixels[0])
            for world, pos in zip(worlds[1:], pixels[1:], strict=True):
                self.mouse(shapes, "mouse_move", world, pos=pos)
                self.check_midway(f"{what}: moved to {np.round(world[axes], 2).tolist()}")
            self.mouse(shapes, "mouse_press", worlds[-1], pos=pixels[-1])
            self.mouse(shapes, "mouse_release", worlds[-1], pos=pixels[-1])
        else:
            for world, pos in zip(worlds, pixels, strict=True):
                self.mouse(shapes, "mouse_move", world, pos=pos)
                self.mouse(shapes, "mouse_press", world, pos=pos)
                self.mouse(shapes, "mouse_release", world, pos=pos)
                self.check_midway(f"{what}: clicked {np.round(world[axes], 2).tolist()}")
            self.mouse(shapes, "mouse_double_click", worlds[-1], pos=pixels[-1])
        shapes.mode = "pan_zoom"
        self.tally.mouse_drags += 1
        return f"{what}: done, {shapes.nshapes} shapes"

    # --- actions: viewer -------------------------------------------------------------------

    def act_slider(self) -> str | None:
        dims = self.viewer.dims
        axes = list(dims.not_displayed) or list(range(dims.ndim))
        axis = int(self.pick(axes))
        step = int(self.rng.integers(0, max(dims.nsteps[axis], 1)))
        image = self.panel.image.value
        offset = dims.ndim - image.ndim if image is not None else dims.ndim
        if axis >= offset and self.rng.random() < 0.7:  # mostly within the image shown
            low, high = np.asarray(image.extent.world, dtype=float)[:, axis - offset]
            start, _, size = dims.range[axis]
            step = int(np.round((self.rng.uniform(low, high) - start) / size))
        dims.set_current_step(axis, step)
        return f"slider {axis} -> {step} (point {np.round(dims.point, 2).tolist()})"

    def act_ndisplay(self) -> str | None:
        if self.viewer.dims.ndisplay == 2 and self.rng.random() < 0.5:
            return None  # more time in 2D, where lines are drawn
        ndisplay = 5 - self.viewer.dims.ndisplay
        self.viewer.dims.ndisplay = ndisplay
        return f"ndisplay = {ndisplay}"

    def act_dims_order(self) -> str | None:
        dims = self.viewer.dims
        if self.rng.random() < 0.5:
            dims.transpose()
            return f"transpose dims: order {dims.order}"
        dims.roll()
        return f"roll dims: order {dims.order}"

    def act_theme(self) -> str | None:
        theme = "light" if self.viewer.theme == "dark" else "dark"
        self.viewer.theme = theme
        return f"theme {theme}"

    # --- actions: the Line derivative panel --------------------------------------------------

    def act_panel_option(self) -> str | None:
        panel = self.panel
        control = self.pick(
            [
                panel.image,
                panel.shapes,
                panel.step,
                panel.width,
                panel.interpolation,
                panel.smooth,
                panel.derivative,
                panel.show_intensity,
                panel.show_derivative,
                panel.show_curvature,
                panel.only_selected,
                panel.mark_edges,
                panel.edge_count,
                panel.edge_select,
                panel.edge_polarity,
                panel.edge_threshold,
            ]
        )
        return self.set_control(control, "panel")

    def act_select_shapes(self) -> str | None:
        shapes = self.panel.shapes.value
        if shapes is None or not len(shapes.data):
            return None
        count = int(self.rng.integers(0, min(len(shapes.data), 3) + 1))
        chosen = set(self.rng.choice(len(shapes.data), size=count, replace=False).tolist())
        shapes.selected_data = chosen
        return f"select shapes {sorted(chosen)} of {shapes.name!r}"

    def act_edge_row(self) -> str | None:
        view = self.panel.edge_table
        rows = len(view.content.rows)
        if not view.isVisibleTo(self.panel) or rows == 0:
            return None
        row = int(self.rng.integers(rows))
        view.select_row(row)
        markers = self.panel.edges_layer
        assert markers is None or markers.selected_data == {view.content.markers[row]}
        assert self.panel.plot.highlighted_edge is not None, "no ring on the selected edge"
        return f"edge table row {row}"

    def act_export_edges(self) -> str | None:
        path = self.folder / f"edges-{self.tally.actions}.csv"
        rows = list(self.panel.edge_table.content.rows)
        try:
            self.panel.export_edges(path)
        except ValueError as error:
            assert "nothing to export" in str(error) and not rows, error
            return "export edges: nothing to export"
        table = np.atleast_1d(np.genfromtxt(path, delimiter=",", names=True))
        np.testing.assert_array_equal(
            np.array(table.tolist(), dtype=float).reshape(len(rows), -1),
            np.array(rows, dtype=float).reshape(len(rows), -1),
        )
        path.unlink()
        path.with_suffix(".json").unlink()
        return f"export edges: {len(rows)} rows"

    def act_kymograph(self) -> str | None:
        panel = self.panel.kymograph
        if not panel.isVisibleTo(self.panel):
            return None
        image = self.panel.image.value
        try:
            panel.run()
        except ValueError as error:
            message = str(error)
            assert any(
                reason in message for reason in ("no line to sweep", "RGB", "`path`", "`width`")
            ), message
            return f"kymograph: {message}"
        axis = int(panel.axis.value)
        made, derivative = panel.layers
        assert made.data.shape[0] == image.data.shape[axis] if not image.multiscale else True
        assert made.data.shape == derivative.data.shape
        assert made in self.viewer.layers and derivative in self.viewer.layers
        return f"kymograph of {image.name!r} along axis {axis}: {made.data.shape}"

    def set_control(self, control: Any, owner: str) -> str | None:
        """Change a magicgui control through its Qt widget, as a user would."""
        native = control.native
        if not native.isEnabled() or native.isHidden():
            return None
        label = f"{owner} {control.name or control.label or control.text}"
        if isinstance(control, CheckBox):
            self.click_checkbox(native)
            return f"{label}: click -> {control.value}"
        if isinstance(control, RadioButtons):
            button = self.pick(native.findChildren(QRadioButton))
            self.click(button)
            return f"{label}: click {button.text()!r} -> {control.value}"
        if isinstance(control, ComboBox):
            if native.count() == 0:
                return None
            native.setCurrentIndex(int(self.rng.integers(native.count())))
            return f"{label}: {native.currentText()!r}"
        if isinstance(control, FloatSpinBox):
            values = {
                "step": [0.05, 0.3, 0.5, 1.0, 1.0, 1.7, 4.0],
                "smooth": [0.0, 0.0, 0.5, 1.0, 2.5, 8.0],
                "sigma": [0.001, 0.3, 1.0, 1.0, 2.5, 6.0],
            }.get(control.name, [native.minimum(), 1.0, 2.0])
            native.setValue(float(self.pick(values)))
            return f"{label}: {native.value()}"
        if isinstance(control, SpinBox):
            native.setValue(int(self.rng.integers(1, 8)))
            return f"{label}: {native.value()}"
        return None

    def act_export_csv(self) -> str | None:
        path = self.folder / f"profiles-{self.tally.actions}.csv"
        drawn = len(self.panel.plot.intensity_lines)
        try:
            self.panel.export_csv(path)
        except ValueError as error:
            assert "nothing to export" in str(error) and drawn == 0, error
            return "export CSV: nothing to export"
        assert drawn, "exported with no curve drawn"
        self.check_csv(path)
        path.unlink()
        return f"export CSV: {drawn} lines"

    # --- actions: the Gradient layers widget -------------------------------------------------

    def act_gradient_option(self) -> str | None:
        controls = [
            widget
            for widget in self.gradient
            if isinstance(widget, CheckBox | RadioButtons | ComboBox | FloatSpinBox | SpinBox)
        ]
        return self.set_control(self.pick(controls), "gradient")

    def expected_run_errors(self) -> tuple[str, ...]:
        gradient = self.gradient
        image = gradient.image.value
        if image is None:
            return ("choose an image layer",)
        volume = gradient.spatial_axes.value == "3D volume" and image.ndim >= 3
        ticked = [gradient[name].value for name in ("gx", "gy", "magnitude", "direction")]
        if not any(ticked) and not (volume and gradient.gz.value):
            return ("tick at least one output",)
        return ()

    def act_gradient_run(self) -> str | None:
        gradient = self.gradient
        self.allowed_errors = self.expected_run_errors()
        running = gradient.worker is not None
        self.click(gradient.call_button.native)
        image = gradient.image.value
        self.tally.gradient_runs += not running
        started = "worker started" if gradient.worker is not None and not running else "done"
        name = image.name if image is not None else None
        state = "ignored: a run is active" if running else started
        return f"gradient run of {name!r} ({gradient.method.value}): {state}"

    def act_gradient_run_twice(self) -> str | None:
        gradient = self.gradient
        self.allowed_errors = self.expected_run_errors()
        if gradient.worker is None:
            self.click(gradient.call_button.native)
            self.tally.gradient_runs += 1
        worker = gradient.worker
        self.click(gradient.call_button.native)  # disabled while a run is active
        returned = gradient() if worker is not None else None
        assert returned is None, f"a second run while one is active returned {returned}"
        assert gradient.worker is worker, "a second run replaced the active one"
        return f"gradient run clicked twice (active: {worker is not None})"

    def act_gradient_cancel(self) -> str | None:
        button = self.gradient.cancel_button.native
        if self.gradient.worker is None or button.isHidden() or not button.isEnabled():
            return None
        self.click(button)
        return "gradient cancel"


#: Every action, by name (a method ``act_<name>``), and how often it is drawn.
ACTIONS = (
    ("add_image", 6),
    ("add_shapes", 3),
    ("add_other", 1),
    ("remove_layer", 4),
    ("rename_layer", 2),
    ("move_layer", 2),
    ("select_layer", 1),
    ("toggle_visible", 1),
    ("transform_layer", 2),
    ("replace_image_data", 1),
    ("add_shape", 8),
    ("replace_shapes", 2),
    ("move_shape", 5),
    ("remove_shapes", 2),
    ("mouse_drag_vertex", 4),
    ("mouse_drag_shape", 3),
    ("mouse_draw", 4),
    ("slider", 5),
    ("ndisplay", 2),
    ("dims_order", 1),
    ("theme", 1),
    ("panel_option", 10),
    ("export_csv", 2),
    ("select_shapes", 3),
    ("edge_row", 2),
    ("export_edges", 1),
    ("kymograph", 1),
    ("gradient_option", 6),
    ("gradient_run", 5),
    ("gradient_run_twice", 1),
    ("gradient_cancel", 1),
)
