"""ProfilePlot alone: curves updated in place, hysteresis of the limits, theme, edges."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_hex

from napari_derivatives import Edge, Profile
from napari_derivatives._plot import ProfilePlot


def make_profile(distance, values, derivative=None):
    distance = np.asarray(distance, dtype=float)
    values = np.asarray(values, dtype=float)
    derivative = np.gradient(values, distance) if derivative is None else derivative
    coords = np.column_stack([np.zeros_like(distance), distance])
    return Profile(distance=distance, coords=coords, values=values, derivative=derivative)


@pytest.fixture
def plot(qtbot):
    widget = ProfilePlot()
    qtbot.addWidget(widget)
    widget.resize(400, 500)
    return widget


def test_curves_are_updated_in_place(plot):
    x = np.linspace(0, 10, 11)
    plot.set_profiles([make_profile(x, 2 * x), make_profile(x, x)], ["red", "blue"], ["a", "b"])
    top, bottom = plot.intensity_lines, plot.derivative_lines
    assert len(top) == len(bottom) == 2

    plot.set_profiles([make_profile(x, 3 * x), make_profile(x, -x)], ["green", "blue"], ["a", "c"])
    assert [id(line) for line in plot.intensity_lines] == [id(line) for line in top]
    assert [id(line) for line in plot.derivative_lines] == [id(line) for line in bottom]
    np.testing.assert_allclose(top[0].get_ydata(), 3 * x)
    np.testing.assert_allclose(bottom[1].get_ydata(), -1.0)
    assert to_hex(top[0].get_color()) == to_hex("green")
    assert top[1].get_label() == "c"
    legend = plot.intensity_axes.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == ["a", "c"]
    plot.canvas.draw()


def test_curves_are_added_and_removed_with_the_profiles(plot):
    x = np.arange(5.0)
    plot.set_profiles([make_profile(x, x)], ["red"], ["a"])
    first = plot.intensity_lines[0]
    plot.set_profiles([make_profile(x, x)] * 3, ["red", "green", "blue"], ["a", "b", "c"])
    assert len(plot.intensity_axes.lines) == 3
    assert plot.intensity_lines[0] is first
    plot.set_profiles([], [], [])
    assert len(plot.intensity_axes.lines) == len(plot.derivative_axes.lines) == 0
    assert plot.intensity_axes.get_legend() is None
    plot.canvas.draw()


def test_limits_follow_the_data_with_hysteresis(plot):
    x = np.linspace(0, 10, 11)
    plot.set_profiles([make_profile(x, 10 * x)], ["red"], ["a"])  # values 0..100
    low, high = plot.intensity_axes.get_ylim()
    assert low <= 0 and 100 <= high < 110
    assert plot.intensity_axes.get_xlim() == pytest.approx((-0.5, 10.5))

    # A small change inside the view keeps the limits: no jitter while dragging.
    plot.set_profiles([make_profile(x, 9 * x + 5)], ["red"], ["a"])
    assert plot.intensity_axes.get_ylim() == (low, high)

    # Data leaving the view widen it.
    plot.set_profiles([make_profile(x, 20 * x)], ["red"], ["a"])
    assert plot.intensity_axes.get_ylim()[1] >= 200

    # Data shrinking a lot narrow it again.
    plot.set_profiles([make_profile(x, x)], ["red"], ["a"])
    assert plot.intensity_axes.get_ylim()[1] < 11


def test_nan_samples_leave_gaps_without_warnings(plot):
    x = np.arange(6.0)
    values = np.array([np.nan, 1.0, 2.0, np.nan, 4.0, np.nan])
    derivative = np.full(6, np.nan)
    plot.set_profiles([make_profile(x, values, derivative)], ["red"], ["a"])
    plot.set_profiles([make_profile(x, np.full(6, np.nan), derivative)], ["red"], ["a"])
    plot.canvas.draw()
    assert np.isnan(plot.intensity_lines[0].get_ydata()).all()


def test_mismatched_colors_name_the_parameter(plot):
    with pytest.raises(ValueError, match="colors, labels"):
        plot.set_profiles([make_profile([0, 1], [0, 1])], [], ["a"])


def test_hiding_an_axes_moves_the_distance_label(plot):
    plot.set_distance_label("distance (µm)")
    plot.set_visible_axes(True, False)
    assert plot.intensity_axes.get_visible() and not plot.derivative_axes.get_visible()
    assert plot.intensity_axes.xaxis.label.get_visible()
    assert plot.intensity_axes.get_xlabel() == "distance (µm)"
    plot.set_visible_axes(True, True)
    assert not plot.intensity_axes.xaxis.label.get_visible()
    assert plot.derivative_axes.xaxis.label.get_visible()
    plot.canvas.draw()


def test_theme_colours_figure_axes_and_text(plot):
    plot.set_derivative_label("d intensity / d distance (per µm)")
    plot.set_theme("#262930", "#f0f1f2")
    assert to_hex(plot.figure.get_facecolor()) == "#262930"
    assert to_hex(plot.derivative_axes.get_facecolor()) == "#262930"
    assert to_hex(plot.derivative_axes.yaxis.label.get_color()) == "#f0f1f2"
    plot.set_theme("#ffffff", "#000000")
    assert to_hex(plot.figure.get_facecolor()) == "#ffffff"


def test_edges_are_marked_on_both_axes(plot):
    x = np.linspace(0, 10, 11)
    plot.set_profiles([make_profile(x, x), make_profile(x, -x)], ["red", "blue"], ["a", "b"])
    edges = [
        [Edge(4.5, np.zeros(2), 2.0)],
        [Edge(1.0, np.zeros(2), -1.0), Edge(7.0, np.zeros(2), -3.0)],
    ]
    plot.set_edges(edges, ["red", "blue"])
    markers = [line for line in plot.derivative_axes.lines if line.get_marker() == "o"]
    assert len(markers) == 2
    np.testing.assert_allclose(markers[1].get_xdata(), [1.0, 7.0])
    np.testing.assert_allclose(markers[1].get_ydata(), [-1.0, -3.0])
    guides = [line for line in plot.intensity_axes.lines if line.get_linestyle() == "--"]
    np.testing.assert_allclose(guides[0].get_xdata()[:2], [4.5, 4.5])
    plot.canvas.draw()
    # A refined edge above every sample stays in view.
    plot.set_edges([[Edge(4.5, np.zeros(2), 50.0)], []], ["red", "blue"])
    assert plot.derivative_axes.get_ylim()[1] >= 50.0
    plot.set_edges([], [])
    assert all(line.get_marker() != "o" for line in plot.derivative_axes.lines)


def test_hint_is_shown_over_the_figure(plot):
    plot.set_hint("No image layer")
    assert plot.hint == "No image layer"
    plot.set_hint("")
    assert plot.hint == ""
