"""The parts of the profile plot alone: the blit cache, the curves, the legend, the marks."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from napari_derivatives import Edge, Profile
from napari_derivatives._qt.plot.blit import BlitCache
from napari_derivatives._qt.plot.curves import FastCurve, resize_lines
from napari_derivatives._qt.plot.figure import PLAIN_WIDTH, SELECTED_WIDTH
from napari_derivatives._qt.plot.legend import MAX_LEGEND_ENTRIES, CurveLegend
from napari_derivatives._qt.plot.marks import EdgeMarks
from napari_derivatives._qt.plot.view import ProfilePlot


@pytest.fixture
def canvas(qtbot):
    """A 400 x 300 px canvas with one white axes."""
    figure = Figure(figsize=(4, 3), dpi=100, facecolor="white")
    canvas = FigureCanvasQTAgg(figure)
    qtbot.addWidget(canvas)
    figure.add_subplot().set_facecolor("white")
    return canvas


def pixels(canvas):
    return np.asarray(canvas.buffer_rgba()).copy()


# --- blit cache ----------------------------------------------------------------------------


def test_the_cache_fits_only_the_renderer_and_size_it_was_saved_with(canvas):
    cache = BlitCache(canvas)
    axes = canvas.figure.axes[0]
    assert not cache.fits(None)
    canvas.draw()
    assert not cache.fits(canvas.renderer)  # nothing saved yet
    cache.save_background([axes.bbox])
    assert cache.fits(canvas.renderer)
    canvas.draw()  # the same size: matplotlib reuses the renderer, the cache still holds
    assert cache.fits(canvas.renderer)
    canvas.figure.set_size_inches(5, 3)  # as a resize of the widget does
    canvas.draw()
    assert (canvas.renderer.width, canvas.renderer.height) == (500, 300)
    assert not cache.fits(canvas.renderer)
    cache.save_background([axes.bbox])
    assert cache.fits(canvas.renderer)


def test_restoring_puts_back_the_axes_without_the_curves(canvas):
    axes = canvas.figure.axes[0]
    (line,) = axes.plot([0, 1], [0, 1], color="red", linewidth=5, animated=True)
    canvas.draw()
    background = pixels(canvas)  # animated: the full draw leaves the line out
    cache = BlitCache(canvas)
    cache.save_background([axes.bbox])
    axes.draw_artist(line)
    assert (pixels(canvas) != background).any()
    cache.restore_background()
    np.testing.assert_array_equal(pixels(canvas), background)


@pytest.mark.parametrize("width", [PLAIN_WIDTH, SELECTED_WIDTH])
def test_the_legend_is_put_back_over_the_curves_as_drawing_it_shows_it(canvas, width):
    axes = canvas.figure.axes[0]
    axes.set(xlim=(0, 1), ylim=(0, 1))
    # As the plot's legend: the projecting caps of a selected curve's entry reach
    # within a few pixels of the frame's edge.
    (sample,) = axes.plot([], [], color="blue", linewidth=width, animated=True)
    legend = axes.legend([sample], ["a"], loc="center", fontsize="small", framealpha=1.0)
    legend.set_animated(True)
    canvas.draw()
    cache = BlitCache(canvas)
    cache.save_background([axes.bbox])
    assert not cache.has_legend
    axes.draw_artist(legend)
    cache.save_legend(legend.get_frame(), legend.get_window_extent())
    assert cache.has_legend

    # A thick red curve right across the legend and its corners: the blit's legend step
    # shows what drawing the legend over it shows, to the last pixel.
    (curve,) = axes.plot([0, 1], [0.5, 0.5], color="red", linewidth=40, animated=True)
    cache.restore_background()
    axes.draw_artist(curve)
    axes.draw_artist(legend)
    drawn = pixels(canvas)
    cache.restore_background()
    axes.draw_artist(curve)
    assert (pixels(canvas) != drawn).any()
    cache.restore_legend()
    np.testing.assert_array_equal(pixels(canvas), drawn)


def make_profile(values):
    values = np.asarray(values, dtype=float)
    distance = np.arange(values.size, dtype=float)
    coords = np.column_stack([np.zeros_like(distance), distance])
    return Profile(distance, coords, values, np.gradient(values, distance))


def test_after_a_save_replaced_the_renderer_the_next_frame_is_a_full_redraw(
    qtbot, count_frames, tmp_path
):
    # Saving draws with a renderer of its own (here at half the size) and leaves it
    # on the canvas: a blit of the cache saved for the old one would restore pixels
    # of the wrong size into it.
    plot = ProfilePlot()
    qtbot.addWidget(plot)
    plot.resize(400, 500)
    drawn = count_frames(plot)
    plot.show()
    qtbot.waitExposed(plot)
    values = 50 + 20 * np.sin(np.arange(200) / 7)
    plot.set_profiles([make_profile(values)], ["red"], ["a"])
    qtbot.waitUntil(lambda: drawn.redraws >= 1, timeout=3000)
    qtbot.wait(50)
    plot.figure.savefig(tmp_path / "small.png", dpi=plot.figure.dpi / 2)
    redraws, frames = drawn.redraws, drawn.frames
    plot.set_profiles([make_profile(values * 0.99)], ["red"], ["a"])  # within the limits
    plot.flush()
    qtbot.waitUntil(lambda: drawn.frames > frames, timeout=3000)
    qtbot.wait(50)
    assert (drawn.frames, drawn.redraws) == (frames + 1, redraws + 1)


# --- curves, legend, marks -----------------------------------------------------------------


def test_lines_are_added_and_removed_at_the_end_and_are_animated(canvas):
    axes = canvas.figure.axes[0]
    lines = []
    resize_lines(lines, axes, 3, kind=FastCurve)
    first = lines[0]
    assert len(axes.lines) == 3 and all(isinstance(line, FastCurve) for line in lines)
    assert all(line.get_animated() for line in lines)
    assert lines[0].get_solid_joinstyle() == "bevel"
    resize_lines(lines, axes, 1)
    assert lines == [first] and axes.lines[:] == [first]


def test_the_legend_is_remade_only_when_its_entries_change(canvas):
    axes = canvas.figure.axes[0]
    lines = [Line2D([], []) for _ in range(MAX_LEGEND_ENTRIES + 1)]
    legend = CurveLegend([axes])
    kwargs = {"background": "white", "foreground": "black"}
    assert legend.update(axes, lines[:2], ["red", "blue"], ["a", "b"], **kwargs)
    made = axes.get_legend()
    assert made.get_frame().get_alpha() == 1.0 and made.get_animated()
    assert not legend.update(axes, lines[:2], ["red", "blue"], ["a", "b"], **kwargs)
    assert axes.get_legend() is made
    legend.forget()
    assert legend.update(axes, lines[:2], ["red", "blue"], ["a", "b"], **kwargs)
    assert axes.get_legend() is not made
    # Too many entries would hide the plot: no legend.
    colors = ["red"] * len(lines)
    labels = [str(index) for index in range(len(lines))]
    assert legend.update(axes, lines, colors, labels, **kwargs)
    assert axes.get_legend() is None


def test_edge_marks_are_three_lines_per_profile_whatever_the_edges(canvas):
    top = canvas.figure.axes[0]
    bottom = canvas.figure.add_subplot(2, 1, 2)
    marks = EdgeMarks(bottom, [top, bottom])
    assert not marks.set_edges([], [], "black")  # nothing before, nothing now
    edges = [[Edge(1.0, np.zeros(2), 2.0), Edge(4.0, np.zeros(2), -3.0)], []]
    assert marks.set_edges(edges, ["red", "blue"], "black")
    assert len(marks.markers) == 2 and len(marks.artists(top)) == 2
    [dots, _] = marks.markers
    np.testing.assert_array_equal(dots.get_xdata(), [1.0, 4.0])
    np.testing.assert_array_equal(dots.get_ydata(), [2.0, -3.0])
    # Two vertical guides in one polyline, from the bottom to the top of the axes.
    guide = marks.artists(top)[0]
    np.testing.assert_array_equal(guide.get_xdata(), [1.0, 1.0, np.nan, 4.0, 4.0, np.nan])
    np.testing.assert_array_equal(guide.get_ydata(), [0.0, 1.0, np.nan, 0.0, 1.0, np.nan])
    assert marks.artists(bottom)[-2:] == marks.markers  # the dots over the guides
    marks.set_edge_color("white")
    assert dots.get_markeredgecolor() == "white"
    assert marks.set_edges([], [], "black")
    assert marks.markers == [] and top.lines[:] == bottom.lines[:] == []
