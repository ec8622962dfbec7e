"""ProfilePlot alone: curves updated in place, hysteresis of the limits, theme, edges."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_hex

from napari_derivatives import Edge, Profile
from napari_derivatives._qt.plot.view import ProfilePlot


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


@pytest.fixture
def drawn(plot, count_frames):
    """The frames of ``plot`` since it was made (no event-loop turn before this)."""
    return count_frames(plot)


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


# --- blitting ------------------------------------------------------------------------------


def canvas_pixels(plot):
    return np.asarray(plot.canvas.buffer_rgba()).copy()


def noisy_profile(seed, noise=3.0, size=2000):
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 100, size)
    return make_profile(x, 50 + 20 * np.sin(x / 7) + rng.normal(0, noise, size))


def settle_layout(plot, draws=8):
    """Draw in full until constrained layout stops moving the axes.

    Each draw solves the layout again from where the last one left the axes, and the
    positions converge over a few draws (about 3e-3, 4e-7, 5e-11 pixels): a full
    redraw after two draws moves every curve by 4e-7 pixels, enough to round one
    anti-aliased pixel of 2000 noisy samples differently (matplotlib 3.8 and 3.11 alike).
    """
    for _ in range(draws):
        before = np.array([axes.bbox.extents for axes in plot.figure.axes])
        plot.canvas.draw()
        after = np.array([axes.bbox.extents for axes in plot.figure.axes])
        if np.abs(after - before).max() < 1e-9:
            return
    raise AssertionError(f"the layout still moves after {draws} draws: {after - before}")


@pytest.mark.parametrize("visible", [(True, True), (True, False), (False, True)])
def test_a_blit_shows_what_a_full_redraw_shows(plot, drawn, visible):
    plot.set_visible_axes(*visible)
    plot.set_profiles([noisy_profile(1), noisy_profile(2)], ["red", "blue"], ["a", "b"])
    plot.set_edges([[Edge(30.0, np.zeros(2), 5.0)], []], ["red", "blue"])
    settle_layout(plot)
    redraws, frames = drawn.redraws, drawn.frames
    both_axes = (plot.intensity_axes, plot.derivative_axes)
    limits = [axes.get_ylim() for axes in both_axes]

    # The same noise, scaled down: the curves stay within the limits, and do not
    # shrink much.
    plot.set_profiles([noisy_profile(1, 2.4), noisy_profile(2, 2.4)], ["red", "blue"], ["a", "b"])
    plot.set_edges([[Edge(60.0, np.zeros(2), 4.0)], []], ["red", "blue"])
    assert [axes.get_ylim() for axes in both_axes] == limits  # within the hysteresis
    plot.flush()
    assert drawn.redraws == redraws and drawn.frames == frames + 1
    blitted = canvas_pixels(plot)

    plot.canvas.draw()
    assert drawn.redraws == redraws + 1
    np.testing.assert_array_equal(blitted, canvas_pixels(plot))


def ink(plot):
    """Pixels of the canvas more than half covered by a curve (not white)."""
    return canvas_pixels(plot)[..., :3].min(axis=-1) < 128


def test_dense_curves_draw_the_pixels_of_all_their_samples(plot):
    from matplotlib.lines import Line2D

    # 20000 noisy samples in a few hundred pixels, with a gap: drawn through the
    # extremes of each pixel column, as every sample would draw them.
    profile = noisy_profile(1, noise=8.0, size=20000)
    values = profile.values.copy()
    values[9000:11000] = np.nan
    plot.set_theme("#ffffff", "#000000")
    plot.set_profiles(
        [make_profile(profile.distance, values, np.zeros_like(values))], ["black"], [""]
    )
    plot.set_visible_axes(True, False)
    plot.canvas.draw()
    [curve] = plot.intensity_lines
    np.testing.assert_array_equal(curve.get_ydata(), values)  # the data stay whole
    reduced = ink(plot)

    full = Line2D(curve.get_xdata(), values, color="black", solid_joinstyle="bevel")
    curve.set_visible(False)
    plot.intensity_axes.add_line(full)
    plot.canvas.draw()
    everything = ink(plot)
    assert everything.sum() > 5000
    assert (reduced != everything).sum() < 0.01 * everything.sum()
    # The gap is the same width: no column of it is inked by either.
    assert np.array_equal(reduced.any(axis=0), everything.any(axis=0))


@pytest.mark.parametrize("linestyle", ["-", "--"])
def test_a_sparse_curve_draws_as_matplotlib_draws_it(plot, linestyle):
    from matplotlib.lines import Line2D

    # Few samples: every one is drawn, the pixels are Line2D's own (dashed lines
    # are drawn by Line2D itself).
    profile = noisy_profile(3, noise=5.0, size=200)
    plot.set_theme("#ffffff", "#000000")
    plot.set_profiles([profile], ["black"], [""])
    plot.set_visible_axes(True, False)
    [curve] = plot.intensity_lines
    curve.set_linestyle(linestyle)
    plot.canvas.draw()
    ours = canvas_pixels(plot)
    reference = Line2D(
        curve.get_xdata(),
        curve.get_ydata(),
        color="black",
        linestyle=linestyle,
        solid_joinstyle="bevel",
    )
    curve.set_visible(False)
    plot.intensity_axes.add_line(reference)
    plot.canvas.draw()
    assert (ours[..., :3] < 128).any()
    np.testing.assert_array_equal(ours, canvas_pixels(plot))


def test_column_extremes_keep_each_columns_first_last_lowest_and_highest():
    from napari_derivatives._qt.plot.curves import column_extremes

    rng = np.random.default_rng(0)
    values = rng.normal(size=1000)
    columns = np.floor(np.linspace(0, 99.99, 1000))
    keep = column_extremes(columns, values)
    assert np.all(np.diff(keep) > 0)
    for column in range(100):
        inside = np.flatnonzero(columns == column)
        kept = np.intersect1d(keep, inside)
        expected = {inside[0], inside[-1], inside[np.argmin(values[inside])]}
        expected.add(inside[np.argmax(values[inside])])
        assert set(kept.tolist()) == expected


def test_updates_of_one_event_loop_turn_cost_one_frame(plot, drawn, qtbot):
    plot.set_profiles([noisy_profile(1, 4.0)], ["red"], ["a"])
    qtbot.waitUntil(lambda: drawn.redraws >= 1, timeout=3000)
    qtbot.wait(50)
    redraws, frames = drawn.redraws, drawn.frames
    for step in range(20):
        plot.set_profiles([noisy_profile(1, 3.0 + step * 0.02)], ["red"], ["a"])
        plot.set_edges([], [])
        plot.set_hint("")
    assert drawn.frames == frames  # nothing before the event loop turns
    qtbot.waitUntil(lambda: drawn.frames > frames, timeout=3000)
    qtbot.wait(50)
    assert drawn.frames == frames + 1
    assert drawn.redraws == redraws  # the curves stayed within the limits: a blit


def test_what_a_blit_cannot_show_is_a_full_redraw(plot, drawn, qtbot):
    plot.show()
    qtbot.waitExposed(plot)
    x = np.linspace(0, 10, 11)
    plot.set_profiles([make_profile(x, x)], ["red"], ["a"])
    qtbot.waitUntil(lambda: drawn.redraws >= 1, timeout=3000)
    for change in (
        lambda: plot.set_profiles([make_profile(x, 50 * x)], ["red"], ["a"]),  # limits
        lambda: plot.set_profiles([make_profile(x, 50 * x)], ["red"], ["b"]),  # legend
        lambda: plot.set_hint("a hint"),
        lambda: plot.set_distance_label("distance (mm)"),
        lambda: plot.set_theme("#000000", "#ffffff"),
        lambda: plot.resize(420, 480),
    ):
        redraws = drawn.redraws
        change()
        qtbot.waitUntil(lambda r=redraws: drawn.redraws > r, timeout=3000)
    # The same label again changes nothing and costs nothing.
    frames = drawn.frames
    plot.set_distance_label("distance (mm)")
    plot.set_derivative_label(plot.derivative_axes.get_ylabel())
    qtbot.wait(50)
    assert drawn.frames == frames


def test_saving_the_figure_draws_the_curves(plot, tmp_path):
    from matplotlib.image import imread

    plot.set_profiles([noisy_profile(1)], ["red"], ["a"])
    plot.set_theme("#ffffff", "#000000")
    path = tmp_path / "figure.png"
    plot.figure.savefig(path)
    pixels = imread(path)
    red = (pixels[..., 0] > 0.9) & (pixels[..., 1] < 0.2) & (pixels[..., 2] < 0.2)
    assert red.sum() > 500  # both curves, not only the legend's sample line


def test_limits_shrink_at_once_only_a_lot_and_fit_when_updates_pause(plot, qtbot):
    from napari_derivatives._qt.plot.autoscale import SETTLE_MS

    x = np.linspace(0, 10, 11)
    plot.set_profiles([make_profile(x, 10 * x)], ["red"], ["a"])  # values 0..100
    view = plot.intensity_axes.get_ylim()
    # A quarter of the view: while a line is dragged over texture, no jumping limits.
    plot.set_profiles([make_profile(x, 2.5 * x + 40)], ["red"], ["a"])
    assert plot.intensity_axes.get_ylim() == view
    # Once the updates pause, the view fits the data.
    qtbot.waitUntil(lambda: plot.intensity_axes.get_ylim()[1] < 70, timeout=SETTLE_MS + 3000)
    low, high = plot.intensity_axes.get_ylim()
    assert 38 < low <= 40 and 65 <= high < 67
