"""The Line derivative dock widget in a real viewer (Qt, under Xvfb when headless).

The images are ramps and steps whose derivatives can be checked by hand.
"""

from __future__ import annotations

import json
from unittest.mock import Mock

import numpy as np
import pytest
from matplotlib.colors import to_hex
from napari.utils._test_utils import read_only_mouse_event
from napari.utils.interactions import (
    mouse_move_callbacks,
    mouse_press_callbacks,
    mouse_release_callbacks,
)
from napari.utils.theme import get_theme

from napari_derivatives._napari import panel_state
from napari_derivatives._qt import line_derivative as _profile_widget
from napari_derivatives._qt.line_derivative import LineDerivativeWidget

TIMEOUT = 3000


def x_ramp(shape=(40, 50), slope=3.0):
    """I = slope * x (column index)."""
    _, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    return slope * x


def horizontal(row, start, stop):
    return np.array([[row, start], [row, stop]], dtype=float)


@pytest.fixture
def errors(monkeypatch):
    """Error notifications shown by the panel; a test expecting none leaves it empty."""
    mock = Mock()
    monkeypatch.setattr(_profile_widget, "show_error", mock)
    yield mock
    assert mock.call_args_list == [], "unexpected error notifications"


@pytest.fixture
def dock(viewer, errors):
    def make():
        widget = LineDerivativeWidget(viewer)
        viewer.window.add_dock_widget(widget, area="right", name="Line derivative")
        return widget

    return make


@pytest.fixture
def ramp_scene(viewer):
    """I = 3x with 2-unit pixels, and a horizontal line 40 px (80 units) long."""
    image = viewer.add_image(x_ramp(), name="ramp", scale=(2, 2))
    shapes = viewer.add_shapes(
        [horizontal(20, 5, 45)], shape_type="line", name="lines", scale=(2, 2)
    )
    return image, shapes


def derivatives_are(widget, *expected):
    if len(widget.profiles) != len(expected):
        return False
    return all(
        np.allclose(profile.derivative, value)
        for profile, value in zip(widget.profiles, expected, strict=True)
    )


# --- values --------------------------------------------------------------------------------


def test_ramp_gives_its_slope_per_physical_unit(ramp_scene, dock):
    image, shapes = ramp_scene
    widget = dock()
    assert widget.image.value is image and widget.shapes.value is shapes
    [profile] = widget.profiles
    np.testing.assert_allclose(profile.derivative, 1.5)  # 3 per pixel / 2 units per pixel
    assert profile.distance[0] == 0 and profile.distance[-1] == pytest.approx(80.0)
    np.testing.assert_allclose(profile.values, 3 * profile.coords[:, 1])
    assert widget.shape_indices == [0]
    # No unit known and a scale of 2: the distance is physical but unnamed.
    assert widget.plot.derivative_axes.get_xlabel() == "distance"
    assert widget.plot.hint == ""
    line = widget.plot.derivative_lines[0]
    np.testing.assert_allclose(line.get_ydata(), 1.5)
    assert to_hex(line.get_color()) == to_hex(tuple(shapes.edge_color[0]))


def test_new_scale_and_units_reach_the_profile_and_labels(ramp_scene, dock, qtbot):
    # The pixel size and the labels are kept between updates while a line is
    # dragged: a change of the image's transform or units must still show.
    image, shapes = ramp_scene
    widget = dock()
    assert derivatives_are(widget, 1.5)
    image.scale = shapes.scale = (4, 4)
    qtbot.waitUntil(lambda: derivatives_are(widget, 0.75), timeout=3000)
    assert widget.profiles[0].distance[-1] == pytest.approx(160.0)
    image.units = ("mm", "mm")
    qtbot.waitUntil(
        lambda: widget.plot.derivative_axes.get_xlabel() == "distance (mm)", timeout=3000
    )
    assert widget.plot.derivative_axes.get_ylabel() == "d intensity / d distance (per mm)"


def test_axis_labels_name_the_unit(viewer, dock):
    viewer.add_image(x_ramp(), scale=(0.5, 0.5), units=("um", "um"))
    viewer.add_shapes([horizontal(5, 2, 40)], shape_type="line", scale=(0.5, 0.5))
    widget = dock()
    assert widget.plot.derivative_axes.get_xlabel() == "distance (µm)"
    assert widget.plot.derivative_axes.get_ylabel() == "d intensity / d distance (per µm)"
    np.testing.assert_allclose(widget.profiles[0].derivative, 6.0)


def test_pixel_image_is_labelled_in_pixels(viewer, dock):
    viewer.add_image(x_ramp())
    viewer.add_shapes([horizontal(5, 2, 40)], shape_type="line")
    widget = dock()
    assert widget.plot.derivative_axes.get_xlabel() == "distance (pixels)"
    assert widget.plot.derivative_axes.get_ylabel() == "d intensity / d distance (per pixel)"


def test_settings_reach_the_sampling(ramp_scene, dock, qtbot):
    widget = dock()
    # Lengths are typed in the image's units: the step starts at one pixel, 2 units.
    assert widget.step.value == 2.0 and len(widget.profiles[0]) == 41
    widget.step.value = 4.0
    qtbot.waitUntil(lambda: len(widget.profiles[0]) == 21, timeout=TIMEOUT)
    np.testing.assert_allclose(np.diff(widget.profiles[0].distance), 4.0)
    widget.interpolation.value = "nearest"
    widget.width.value = 3
    widget.smooth.value = 2.0
    qtbot.waitUntil(
        lambda: (
            widget.profile_options()
            == {
                "step": 4.0,
                "width": 3,
                "order": 0,
                "smooth": 2.0,
                "derivative_of": "samples",
                "lengths": "physical",
            }
        ),
        timeout=TIMEOUT,
    )
    qtbot.waitUntil(lambda: derivatives_are(widget, 1.5), timeout=TIMEOUT)


def test_scaled_and_translated_layers_meet_in_world_coordinates(viewer, dock):
    image = viewer.add_image(x_ramp(), scale=(0.5, 0.25), translate=(10, 20))
    # World (12, 22) -> (12, 30) is image pixel (4, 8) -> (4, 40); in the Shapes
    # layer's own frame (scale 2, translate (2, 4)) it is (5, 9) -> (5, 13).
    viewer.add_shapes(
        [np.array([[5, 9], [5, 13]], dtype=float)],
        shape_type="line",
        scale=(2, 2),
        translate=(2, 4),
    )
    widget = dock()
    [profile] = widget.profiles
    np.testing.assert_allclose(profile.coords[0], [4, 8], atol=1e-9)
    np.testing.assert_allclose(profile.coords[-1], [4, 40], atol=1e-9)
    assert profile.distance[-1] == pytest.approx(8.0)  # 32 px of 0.25 units
    np.testing.assert_allclose(profile.derivative, 12.0)  # 3 per px / 0.25
    assert widget.image.value is image


def test_rgb_image_is_profiled_as_luminance(viewer, dock):
    ramp = x_ramp()
    viewer.add_image(np.stack([ramp, ramp, ramp], axis=-1), rgb=True, scale=(2, 2))
    viewer.add_shapes([horizontal(20, 5, 45)], shape_type="line", scale=(2, 2))
    widget = dock()
    np.testing.assert_allclose(widget.profiles[0].derivative, 1.5, rtol=1e-5)  # float32


# --- live updates --------------------------------------------------------------------------


def test_moving_a_line_updates_the_derivative(ramp_scene, dock, qtbot):
    _, shapes = ramp_scene
    widget = dock()
    # Diagonal at 45 degrees: 3 per pixel along x is 3 cos 45 per pixel along the line.
    shapes.data = [np.array([[0, 0], [30, 30]], dtype=float)]
    expected = 3 * np.cos(np.pi / 4) / 2
    qtbot.waitUntil(lambda: derivatives_are(widget, expected), timeout=TIMEOUT)
    # Vertical: constant intensity.
    shapes.data = [np.array([[0, 10], [30, 10]], dtype=float)]
    qtbot.waitUntil(lambda: derivatives_are(widget, 0.0), timeout=TIMEOUT)


def test_dragging_a_vertex_updates_during_the_drag(ramp_scene, dock, qtbot):
    _, shapes = ramp_scene
    widget = dock()
    viewer = widget.viewer
    viewer.layers.selection.active = shapes
    shapes.mode = "direct"
    shapes.selected_data = {0}
    # The end vertex, world (40, 90), dragged down to (70, 90): pixel (20, 45) moves
    # to (35, 45), so the line runs 40 px along x for 15 down.
    start, end = (40.0, 90.0), (70.0, 90.0)
    assert shapes.get_value(start, world=True) == (0, 1)
    mouse_press_callbacks(shapes, read_only_mouse_event(type="mouse_press", position=start))
    mouse_move_callbacks(
        shapes,
        read_only_mouse_event(type="mouse_move", is_dragging=True, position=end),
    )
    # Not released yet: the panel follows the drag.
    along_x = 40 / np.hypot(15, 40)
    qtbot.waitUntil(lambda: derivatives_are(widget, 1.5 * along_x), timeout=TIMEOUT)
    assert widget.profiles[0].distance[-1] == pytest.approx(2 * np.hypot(15, 40))
    mouse_release_callbacks(shapes, read_only_mouse_event(type="mouse_release", position=end))


def test_drawing_a_new_line_is_profiled_while_drawn(viewer, dock, qtbot):
    viewer.add_image(x_ramp(), scale=(2, 2))
    shapes = viewer.add_shapes(scale=(2, 2), name="drawn")
    widget = dock()
    assert widget.shapes.value is shapes and widget.profiles == []
    assert "Draw a line" in widget.plot.hint
    shapes.mode = "add_line"
    mouse_press_callbacks(shapes, read_only_mouse_event(type="mouse_press", position=(40, 10)))
    mouse_move_callbacks(
        shapes,
        read_only_mouse_event(type="mouse_move", is_dragging=True, position=(40, 50)),
    )
    # napari starts a new line with a small offset, so the end is not exactly on row 40.
    qtbot.waitUntil(
        lambda: (
            len(widget.profiles) == 1
            and widget.profiles[0].distance[-1] == pytest.approx(40, abs=0.01)
        ),
        timeout=TIMEOUT,
    )
    mouse_move_callbacks(
        shapes,
        read_only_mouse_event(type="mouse_move", is_dragging=True, position=(40, 90)),
    )
    qtbot.waitUntil(
        lambda: widget.profiles[0].distance[-1] == pytest.approx(80, abs=0.01), timeout=TIMEOUT
    )
    mouse_release_callbacks(shapes, read_only_mouse_event(type="mouse_release", position=(40, 90)))
    np.testing.assert_allclose(widget.profiles[0].derivative, 1.5, rtol=1e-3)
    assert widget.plot.hint == ""


def test_lines_added_and_removed(ramp_scene, dock, qtbot):
    _, shapes = ramp_scene
    widget = dock()
    shapes.add(np.array([[0, 10], [30, 10]], dtype=float), shape_type="line")
    qtbot.waitUntil(lambda: derivatives_are(widget, 1.5, 0.0), timeout=TIMEOUT)
    assert len(widget.plot.intensity_lines) == 2
    legend = widget.plot.intensity_axes.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == ["line 0", "line 1"]
    shapes.selected_data = {0}
    shapes.remove_selected()
    qtbot.waitUntil(lambda: derivatives_are(widget, 0.0), timeout=TIMEOUT)
    assert widget.shape_indices == [0]
    assert len(widget.plot.intensity_lines) == 1


def test_paths_are_profiled_along_their_corners(viewer, dock):
    viewer.add_image(x_ramp())
    path = np.array([[10, 5], [10, 25], [30, 25]], dtype=float)
    viewer.add_shapes([path], shape_type="path")
    widget = dock()
    [profile] = widget.profiles
    assert profile.distance[-1] == pytest.approx(40.0)
    np.testing.assert_allclose(profile.derivative[:15], 3.0)
    np.testing.assert_allclose(profile.derivative[-15:], 0.0)


def test_slider_samples_the_plane_shown(viewer, dock, qtbot, ramp_stack):
    viewer.add_image(ramp_stack, scale=(1, 2, 2))
    viewer.add_shapes([horizontal(10, 2, 30)], shape_type="line", scale=(2, 2))
    viewer.dims.current_step = (0, 0, 0)
    widget = dock()
    np.testing.assert_allclose(widget.profiles[0].derivative, 0.5)  # slope 1 / 2 units
    for plane, slope in ((1, 2.0), (2, 3.0), (0, 1.0)):
        viewer.dims.set_current_step(0, plane)
        qtbot.waitUntil(lambda s=slope: derivatives_are(widget, s / 2), timeout=TIMEOUT)
        assert widget.profiles[0].coords[0, 0] == plane


def test_changing_the_image_data_is_seen(ramp_scene, dock, qtbot):
    image, _ = ramp_scene
    widget = dock()
    image.data = x_ramp(slope=5.0)
    qtbot.waitUntil(lambda: derivatives_are(widget, 2.5), timeout=TIMEOUT)


def test_a_burst_of_changes_costs_one_redraw(ramp_scene, dock, qtbot):
    _, shapes = ramp_scene
    widget = dock()
    redraw = Mock(wraps=widget.plot.set_profiles)
    widget.plot.set_profiles = redraw
    for stop in range(26, 46):
        shapes.data = [horizontal(20, 5, stop)]
    assert redraw.call_count == 0  # nothing before the event loop turns
    qtbot.waitUntil(lambda: redraw.call_count >= 1, timeout=TIMEOUT)
    qtbot.wait(100)
    assert redraw.call_count == 1
    assert widget.profiles[0].distance[-1] == pytest.approx(80.0)


def test_an_update_runs_before_the_window_repaints(ramp_scene, dock, qtbot):
    # Qt repaints a window on a low-priority UpdateRequest, posted when napari
    # redraws the moved line. The panel's update must come first, so that its
    # curves are painted in that same repaint, not one repaint later.
    from qtpy.QtCore import QCoreApplication, QEvent, QObject, Qt

    _, shapes = ramp_scene
    widget = dock()
    order = []

    class Window(QObject):
        def event(self, event):
            if event.type() == QEvent.Type.UpdateRequest:
                order.append("repaint")
                return True
            return super().event(event)

    window = Window()
    qtbot.waitUntil(lambda: not widget.update_pending, timeout=TIMEOUT)
    qtbot.wait(50)
    low = int(getattr(Qt.EventPriority.LowEventPriority, "value", -1))
    QCoreApplication.postEvent(window, QEvent(QEvent.Type.UpdateRequest), low)
    update = widget.update_profiles
    widget.update_profiles = lambda: (order.append("update"), update())
    shapes.data = [horizontal(20, 5, 30)]
    assert widget.update_pending
    qtbot.waitUntil(lambda: len(order) == 2, timeout=TIMEOUT)
    assert order == ["update", "repaint"]
    assert not widget.update_pending
    assert widget.profiles[0].distance[-1] == pytest.approx(50.0)


def test_a_drag_within_the_limits_is_blitted_once_per_burst(ramp_scene, dock, count_frames, qtbot):
    _, shapes = ramp_scene
    widget = dock()
    drawn = count_frames(widget.plot)
    plot = widget.plot
    qtbot.waitUntil(lambda: drawn.redraws >= 1, timeout=TIMEOUT)
    qtbot.wait(100)
    redraws, frames = drawn.redraws, drawn.frames
    for stop in range(26, 46):
        shapes.data = [horizontal(20, 5, stop)]
    qtbot.waitUntil(lambda: drawn.frames > frames, timeout=TIMEOUT)
    qtbot.wait(100)
    # One frame for the burst, and a blit: the last line is the first one again.
    assert drawn.frames == frames + 1
    assert drawn.redraws == redraws
    np.testing.assert_allclose(plot.intensity_lines[0].get_xdata(), np.arange(41) * 2.0)


def test_choosing_another_image_disconnects_the_first(viewer, ramp_scene, dock, qtbot):
    first, _ = ramp_scene
    second = viewer.add_image(x_ramp(slope=7.0), scale=(2, 2), name="steeper")
    widget = dock()
    widget.image.value = first
    qtbot.waitUntil(lambda: derivatives_are(widget, 1.5), timeout=TIMEOUT)
    widget.image.value = second
    qtbot.waitUntil(lambda: derivatives_are(widget, 3.5), timeout=TIMEOUT)
    redraw = Mock(wraps=widget.plot.set_profiles)
    widget.plot.set_profiles = redraw
    first.data = x_ramp(slope=1.0)
    qtbot.wait(100)
    assert redraw.call_count == 0


class RecordingArray:
    """An array that records the parts read of it."""

    def __init__(self, data):
        self.data, self.shape, self.dtype, self.ndim = data, data.shape, data.dtype, data.ndim
        self.reads = []

    def __getitem__(self, key):
        part = self.data[key]
        if part.size:
            self.reads.append(key)
        return part


@pytest.mark.parametrize("rgb", [False, True])
def test_lazy_image_is_read_only_under_the_lines_and_once(viewer, dock, qtbot, rgb):
    da = pytest.importorskip("dask.array")
    ramp = x_ramp(shape=(256, 256))
    source = RecordingArray(np.stack([ramp] * 3, axis=-1) if rgb else ramp)
    chunks = (32, 32, 3) if rgb else (32, 32)
    # Hidden, so that napari does not read it to draw it: the reads are the panel's.
    image = viewer.add_image(
        da.from_array(source, chunks=chunks, asarray=False), rgb=rgb, visible=False
    )
    shapes = viewer.add_shapes([horizontal(100, 10, 200)], shape_type="line")
    widget = dock()
    widget.image.value = image
    qtbot.waitUntil(lambda: len(widget.profiles) == 1, timeout=TIMEOUT)
    # RGB luminance is float32.
    np.testing.assert_allclose(widget.profiles[0].values, 3 * np.arange(10, 201), rtol=1e-6)
    np.testing.assert_allclose(widget.profiles[0].derivative, 3.0, rtol=1e-4)
    # Row 100 is in chunk row 3 (96..127); columns 10..201 in chunk columns 0..6.
    read = {(key[0].start, key[1].start) for key in source.reads}
    assert read == {(96, 32 * column) for column in range(7)}
    reads = len(source.reads)

    shapes.data = [horizontal(101, 10, 200)]  # the same chunks: nothing read again
    qtbot.waitUntil(lambda: widget.profiles[0].coords[0, 0] == 101, timeout=TIMEOUT)
    assert len(source.reads) == reads
    shapes.data = [horizontal(140, 10, 40)]  # one new chunk row
    qtbot.waitUntil(lambda: widget.profiles[0].coords[0, 0] == 140, timeout=TIMEOUT)
    assert {(key[0].start, key[1].start) for key in source.reads[reads:]} == {(128, 0), (128, 32)}


# --- robustness ----------------------------------------------------------------------------


def test_empty_viewer_shows_a_hint(viewer, dock, qtbot):
    widget = dock()
    assert widget.profiles == [] and "No image layer" in widget.plot.hint
    # Layers added after the panel are picked up.
    viewer.add_image(x_ramp(), scale=(2, 2))
    qtbot.waitUntil(lambda: "No Shapes layer" in widget.plot.hint, timeout=TIMEOUT)
    viewer.add_shapes([horizontal(20, 5, 45)], shape_type="line", scale=(2, 2))
    qtbot.waitUntil(lambda: derivatives_are(widget, 1.5), timeout=TIMEOUT)


def test_removing_and_renaming_layers_while_docked(viewer, ramp_scene, dock, qtbot):
    image, shapes = ramp_scene
    widget = dock()
    image.name = "renamed"
    assert widget.image.native.currentText() == "renamed"
    assert widget.image.value is image

    viewer.layers.remove(image)
    qtbot.waitUntil(lambda: widget.profiles == [], timeout=TIMEOUT)
    assert widget.image.value is None
    assert "No image layer" in widget.plot.hint
    assert len(widget.plot.intensity_lines) == 0
    shapes.data = [horizontal(3, 1, 20)]  # no longer connected to anything that fails

    viewer.add_image(x_ramp(), scale=(2, 2))
    qtbot.waitUntil(lambda: len(widget.profiles) == 1, timeout=TIMEOUT)
    viewer.layers.remove(shapes)
    qtbot.waitUntil(lambda: widget.profiles == [], timeout=TIMEOUT)
    assert "No Shapes layer" in widget.plot.hint
    widget.plot.canvas.draw()


def test_zero_length_line_is_skipped_with_a_hint(ramp_scene, dock, qtbot):
    _, shapes = ramp_scene
    widget = dock()
    shapes.data = [np.array([[10, 10], [10, 10]], dtype=float)]
    qtbot.waitUntil(lambda: widget.profiles == [], timeout=TIMEOUT)
    assert "1 line not profiled" in widget.hint
    assert widget.plot.hint


def test_ellipses_and_polygons_are_ignored_with_a_hint(viewer, dock):
    # Rectangles were ignored too before issue 12; they are profiled now.
    viewer.add_image(x_ramp())
    rectangle = np.array([[1, 1], [1, 5], [5, 5], [5, 1]], dtype=float)
    viewer.add_shapes(
        [rectangle, horizontal(10, 2, 30), rectangle + 10],
        shape_type=["ellipse", "line", "polygon"],
    )
    widget = dock()
    assert widget.shape_indices == [1]
    assert widget.hint == (
        "1 ellipse, 1 polygon ignored: only lines, paths and rectangles are profiled"
    )
    assert widget.hint_label.isVisibleTo(widget)


def test_lines_partly_outside_give_nan_gaps(ramp_scene, dock, qtbot):
    _, shapes = ramp_scene
    widget = dock()
    shapes.data = [horizontal(20, -20, 20)]
    qtbot.waitUntil(lambda: np.isnan(widget.profiles[0].values).any(), timeout=TIMEOUT)
    values = widget.profiles[0].values
    assert np.isnan(values[:20]).all() and np.isfinite(values[21:]).all()
    widget.plot.canvas.draw()


def test_huge_line_is_profiled(ramp_scene, dock, qtbot):
    _, shapes = ramp_scene
    widget = dock()
    shapes.data = [horizontal(20, -50_000, 50_000)]
    qtbot.waitUntil(lambda: len(widget.profiles[0]) == 100_001, timeout=TIMEOUT)
    widget.plot.canvas.draw()


def test_a_failure_is_a_notification_not_a_traceback(ramp_scene, dock, errors, monkeypatch):
    widget = dock()

    def broken(*args, **kwargs):
        raise ValueError("step must be finite")

    monkeypatch.setattr(panel_state, "profile_shapes", broken)
    widget.update_profiles()
    widget.update_profiles()  # the same error again is not shown twice
    assert errors.call_count == 1
    assert "step must be finite" in errors.call_args.args[0]
    assert widget.profiles == []
    errors.reset_mock()


def test_theme_follows_the_viewer(viewer, dock, qtbot):
    widget = dock()
    viewer.theme = "light"
    light = get_theme("light").background.as_hex()
    assert to_hex(widget.plot.figure.get_facecolor()) == to_hex(light)
    viewer.theme = "dark"
    dark = get_theme("dark").background.as_hex()
    assert to_hex(widget.plot.figure.get_facecolor()) == to_hex(dark)


def test_closing_the_panel_stops_listening(ramp_scene, dock, qtbot):
    _, shapes = ramp_scene
    widget = dock()
    redraw = Mock(wraps=widget.plot.set_profiles)
    widget.plot.set_profiles = redraw
    widget.close()
    shapes.data = [horizontal(20, 5, 30)]
    qtbot.wait(100)
    assert redraw.call_count == 0


def test_removing_the_dock_stops_listening(ramp_scene, dock, qtbot):
    _, shapes = ramp_scene
    widget = dock()
    widget.viewer.window.remove_dock_widget(widget)
    redraw = Mock(wraps=widget.plot.set_profiles)
    widget.plot.set_profiles = redraw
    shapes.data = [horizontal(20, 5, 30)]
    qtbot.wait(100)
    assert redraw.call_count == 0
    widget.viewer.window.add_dock_widget(widget, area="right")
    shapes.data = [horizontal(20, 5, 25)]
    qtbot.waitUntil(lambda: widget.profiles[0].distance[-1] == 40, timeout=TIMEOUT)


# --- edges ---------------------------------------------------------------------------------


def sigmoid_edge(at=20.3, shape=(30, 50)):
    _, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    return 100.0 / (1.0 + np.exp(-(x - at)))


def test_edges_are_marked_on_plot_and_canvas(viewer, dock, qtbot):
    image = viewer.add_image(sigmoid_edge(20.3), scale=(2, 2), translate=(100, 0))
    shapes = viewer.add_shapes(
        [horizontal(10, 5, 45)], shape_type="line", scale=(2, 2), translate=(100, 0), name="cut"
    )
    widget = dock()
    viewer.layers.selection.active = shapes
    widget.mark_edges.value = True
    qtbot.waitUntil(lambda: widget.edges_layer is not None, timeout=TIMEOUT)
    [[edge]] = widget.edges
    # The edge is at x = 20.3 px: 15.3 px from the line's start, 2 units per pixel.
    assert edge.distance == pytest.approx(30.6, abs=0.05)
    np.testing.assert_allclose(edge.coords, [10, 20.3], atol=0.03)
    # The marker sits on the plotted curve (linear between samples), a little below the
    # central differences over +-1 px at the peak: 100 (s(1) - s(-1)) / 2 = 50 tanh(1/2)
    # per pixel, halved for 2-unit pixels.
    profile = widget.profiles[0]
    on_curve = np.interp(edge.distance, profile.distance, profile.derivative)
    assert edge.derivative == pytest.approx(on_curve, rel=1e-12)
    assert edge.derivative == pytest.approx(50 * np.tanh(0.5) / 2, rel=0.05)

    points = widget.edges_layer
    assert points.name == "cut edges"
    assert points.units == image.units
    assert viewer.layers.selection.active is shapes  # the markers did not steal it
    # In world coordinates: row 10 -> 100 + 20, column 20.3 -> 40.6.
    np.testing.assert_allclose(points.data, [[120.0, 40.6]], atol=0.06)
    np.testing.assert_allclose(
        image.world_to_data(points.data_to_world(points.data[0])), [10, 20.3], atol=0.03
    )
    assert list(points.features["line"]) == [0]
    markers = [
        line
        for line in widget.plot.derivative_axes.lines
        if line.get_marker() == "o" and len(line.get_xdata())  # not the empty ring (issue 12)
    ]
    np.testing.assert_allclose(markers[0].get_xdata(), [edge.distance])
    np.testing.assert_allclose(markers[0].get_ydata(), [on_curve])

    # Moving the line moves the marker, in place.
    shapes.data = [horizontal(4, 5, 45)]
    qtbot.waitUntil(lambda: np.allclose(points.data[0, 0], 108.0), timeout=TIMEOUT)
    assert widget.edges_layer is points

    shapes.name = "renamed"
    assert points.name == "renamed edges"

    widget.mark_edges.value = False
    qtbot.waitUntil(lambda: widget.edges_layer is None, timeout=TIMEOUT)
    assert "renamed edges" not in viewer.layers
    assert all(
        line.get_marker() != "o" or not len(line.get_xdata())
        for line in widget.plot.derivative_axes.lines
    )


def test_deleting_the_edge_layer_turns_marking_off(viewer, dock, qtbot):
    viewer.add_image(sigmoid_edge(20.3))
    viewer.add_shapes([horizontal(10, 5, 45)], shape_type="line")
    widget = dock()
    widget.mark_edges.value = True
    widget.edge_count.value = 2
    qtbot.waitUntil(lambda: widget.edges_layer is not None, timeout=TIMEOUT)
    viewer.layers.remove(widget.edges_layer)
    assert not widget.mark_edges.value
    qtbot.wait(50)
    assert widget.edges_layer is None and "Shapes edges" not in viewer.layers


# --- export --------------------------------------------------------------------------------


def test_csv_round_trip_numbers_lines_by_shape_index(viewer, ramp_scene, dock, tmp_path):
    _, shapes = ramp_scene
    ellipse = np.array([[1, 1], [1, 5], [5, 5], [5, 1]], dtype=float)
    shapes.add(
        [ellipse, np.array([[0, 10], [30, 10]], dtype=float)], shape_type=["ellipse", "line"]
    )
    widget = dock()
    widget.update_profiles()
    path = tmp_path / "profiles.csv"
    widget.export_csv(path)
    table = np.genfromtxt(path, delimiter=",", names=True)
    # 2-unit pixels without a unit: distances in an unnamed unit; napari's placeholder
    # axis labels give row and col, pixel coordinates beside the world ones.
    assert table.dtype.names == (
        "line", "distance", "row_px", "col_px", "row_world", "col_world", "intensity",
        "derivative",
    )  # fmt: skip
    assert sorted(set(table["line"].astype(int))) == [0, 2]
    first, third = table[table["line"] == 0], table[table["line"] == 2]
    assert len(first) == len(widget.profiles[0]) and len(third) == len(widget.profiles[1])
    np.testing.assert_allclose(first["derivative"], 1.5)
    np.testing.assert_allclose(first["distance"], widget.profiles[0].distance)
    np.testing.assert_allclose(first["col_px"], np.arange(5, 46))
    np.testing.assert_allclose(first["col_world"], 2 * np.arange(5, 46))
    np.testing.assert_allclose(first["intensity"], 3 * first["col_px"])
    np.testing.assert_allclose(third["derivative"], 0.0)
    np.testing.assert_allclose(third["col_px"], 10)
    record = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert record["image"] == "ramp" and record["scale"] == [2.0, 2.0]
    assert [line["line"] for line in record["lines"]] == [0, 2]


def test_export_with_nothing_plotted_names_the_problem(viewer, dock, tmp_path):
    widget = dock()
    with pytest.raises(ValueError, match="nothing to export"):
        widget.export_csv(tmp_path / "empty.csv")


def test_default_image_is_the_top_visible_one(make_napari_viewer):
    from napari_derivatives._qt.line_derivative import LineDerivativeWidget

    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((5, 5)), name="bottom")
    viewer.add_image(np.ones((5, 5)), name="hidden", visible=False)
    viewer.add_shapes([[[1, 1], [3, 3]]], shape_type="line", name="lines")
    widget = LineDerivativeWidget(viewer)
    assert widget.image.value.name == "bottom"
    assert widget.shapes.value.name == "lines"


def test_derivative_of_the_interpolant_in_a_real_viewer(viewer, dock, qtbot, errors):
    # I = x**2 on 2-unit pixels: dI/d(distance) = 2 x / 2 = x per unit at column x.
    _, x = np.mgrid[0:40, 0:80].astype(np.float64)
    viewer.add_image(x**2, scale=(2, 2))
    viewer.add_shapes([horizontal(20, 10, 60)], shape_type="line", scale=(2, 2))
    widget = dock()
    widget.interpolation.value = "cubic"
    # The samples' central differences are one-sided at the ends: (121 - 100) / 2 at x=10.
    qtbot.waitUntil(lambda: widget.profile_options()["order"] == 3, timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: len(widget.profiles) == 1 and np.isclose(widget.profiles[0].derivative[0], 10.5),
        timeout=TIMEOUT,
    )
    widget.derivative.value = "of the interpolant"
    qtbot.waitUntil(
        lambda: widget.profile_options()["derivative_of"] == "interpolant", timeout=TIMEOUT
    )

    def exact():
        profile = widget.profiles[0]
        return np.allclose(profile.derivative, profile.coords[:, 1], rtol=1e-6)

    qtbot.waitUntil(exact, timeout=TIMEOUT)
    assert widget.profiles[0].derivative[0] == pytest.approx(10.0, rel=1e-6)
    # The plot draws what the profile holds.
    curve = widget.plot.derivative_axes.lines[0]
    np.testing.assert_allclose(np.asarray(curve.get_ydata(), float)[:3], [10.0, 11.0, 12.0])
