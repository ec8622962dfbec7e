"""The Line derivative panel's views of stacks, selections and the second derivative.

In a real viewer (Qt, under Xvfb when headless), on ramps and quadratics whose
derivatives can be checked by hand.
"""

from __future__ import annotations

from unittest.mock import Mock

import numpy as np
import pytest

from napari_derivatives._qt import line_derivative as _panel_module
from napari_derivatives._qt.line_derivative import LineDerivativeWidget
from napari_derivatives._qt.plot.figure import DIMMED_ALPHA, PLAIN_WIDTH, SELECTED_WIDTH

TIMEOUT = 3000


@pytest.fixture
def errors(monkeypatch):
    """Error notifications shown by the panel; none are expected."""
    mock = Mock()
    monkeypatch.setattr(_panel_module, "show_error", mock)
    yield mock
    assert mock.call_args_list == [], "unexpected error notifications"


@pytest.fixture
def panel(viewer, errors):
    def make():
        widget = LineDerivativeWidget(viewer)
        viewer.window.add_dock_widget(widget, area="right", name="Line derivative")
        return widget

    return make


def legend_texts(widget):
    legend = widget.plot.intensity_axes.get_legend()
    return [text.get_text() for text in legend.get_texts()] if legend else []


def test_the_legend_names_the_plane_and_follows_the_slider(viewer, panel, qtbot):
    # Plane z of the stack is I = (z + 1) x.
    x = np.arange(30.0)
    stack = np.stack([np.tile((z + 1) * x, (20, 1)) for z in range(4)])
    viewer.add_image(stack, axis_labels=("z", "y", "x"))
    viewer.add_shapes([np.array([[5.0, 2.0], [5.0, 20.0]])], shape_type="line")
    viewer.dims.set_current_step(0, 2)
    widget = panel()
    np.testing.assert_allclose(widget.profiles[0].derivative, 3.0)
    assert legend_texts(widget) == ["line 0 · z 2"]
    viewer.dims.set_current_step(0, 0)
    qtbot.waitUntil(lambda: legend_texts(widget) == ["line 0 · z 0"], timeout=TIMEOUT)
    np.testing.assert_allclose(widget.profiles[0].derivative, 1.0)


def test_a_line_on_its_own_plane_is_named_not_shown(viewer, panel, qtbot):
    x = np.arange(30.0)
    stack = np.stack([np.tile((z + 1) * x, (20, 1)) for z in range(4)])
    viewer.add_image(stack)
    viewer.add_shapes([np.array([[1.0, 5.0, 2.0], [1.0, 5.0, 20.0]])], shape_type="line", ndim=3)
    viewer.dims.set_current_step(0, 1)
    widget = panel()
    assert legend_texts(widget) == ["line 0 · plane 1"]
    viewer.dims.set_current_step(0, 3)
    qtbot.waitUntil(
        lambda: legend_texts(widget) == ["line 0 · plane 1 (not shown)"], timeout=TIMEOUT
    )
    np.testing.assert_allclose(widget.profiles[0].derivative, 2.0)


def test_selected_curves_stand_out_and_can_be_plotted_alone(viewer, panel, qtbot):
    viewer.add_image(np.tile(np.arange(40.0), (30, 1)))
    shapes = viewer.add_shapes(
        [np.array([[row, 2.0], [row, 30.0]]) for row in (5.0, 10.0, 15.0)], shape_type="line"
    )
    widget = panel()
    lines = widget.plot.intensity_lines
    assert [line.get_linewidth() for line in lines] == [PLAIN_WIDTH] * 3
    shapes.selected_data = {2}
    qtbot.waitUntil(lambda: lines[2].get_linewidth() == SELECTED_WIDTH, timeout=TIMEOUT)
    assert lines[0].get_linewidth() < PLAIN_WIDTH < lines[2].get_linewidth()
    assert lines[0].get_alpha() == DIMMED_ALPHA and lines[2].get_alpha() is None
    derivative = widget.plot.derivative_lines
    assert derivative[2].get_linewidth() > derivative[1].get_linewidth()
    widget.only_selected.value = True
    qtbot.waitUntil(lambda: widget.shape_indices == [2], timeout=TIMEOUT)
    np.testing.assert_allclose(widget.profiles[0].derivative, 1.0)
    shapes.selected_data = set()
    qtbot.waitUntil(lambda: widget.profiles == [], timeout=TIMEOUT)
    assert widget.plot.hint.startswith("No shape selected")


def test_the_second_derivative_axes(viewer, panel, qtbot):
    # I = x^2 with pixels of 0.5 µm: 8 per µm² between the ends.
    x = np.arange(40.0)
    viewer.add_image(np.tile(x**2, (10, 1)), scale=(0.5, 0.5), units=("µm", "µm"))
    viewer.add_shapes([np.array([[2.5, 2.5], [2.5, 17.5]])], shape_type="line")
    widget = panel()
    assert not widget.plot.curvature_axes.get_visible() and widget.plot.curvature_lines == []
    widget.show_curvature.value = True
    qtbot.waitUntil(lambda: len(widget.plot.curvature_lines) == 1, timeout=TIMEOUT)
    assert widget.plot.curvature_axes.get_visible()
    np.testing.assert_allclose(widget.plot.curvature_lines[0].get_ydata()[2:-2], 8.0)
    assert widget.plot.curvature_axes.get_ylabel() == "d² intensity / d distance² (per µm²)"
    # Only the lowest axes carries the distance ticks.
    assert widget.plot.curvature_axes.xaxis.label.get_visible()
    assert not widget.plot.derivative_axes.xaxis.label.get_visible()
    widget.show_curvature.value = False
    qtbot.waitUntil(lambda: widget.plot.curvature_lines == [], timeout=TIMEOUT)
    assert not widget.plot.curvature_axes.get_visible()


def test_a_rectangle_over_a_ramp_gives_the_ramp_slope(viewer, panel):
    viewer.add_image(np.tile(3.0 * np.arange(50.0), (40, 1)), scale=(2, 2), units=("nm", "nm"))
    viewer.add_shapes(
        [np.array([[10.0, 10.0], [10.0, 70.0], [30.0, 70.0], [30.0, 10.0]])],
        shape_type="rectangle",
    )
    widget = panel()
    [profile] = widget.profiles
    np.testing.assert_allclose(profile.derivative, 1.5)  # 3 per pixel of 2 nm
    assert profile.distance[-1] == pytest.approx(60.0)
    assert widget.step.label == "step (nm)" and widget.step.value == 2.0
    assert widget.hint == ""
