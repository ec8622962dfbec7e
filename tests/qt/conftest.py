"""Fixtures shared by the Qt tests."""

from __future__ import annotations

import pytest

from napari_derivatives._qt.gradient_widget import gradient_layers_widget


class FrameCounter:
    """The frames a ProfilePlot put on the canvas since counting began.

    Counted through the plot's public ``frame_drawn`` signal, as a user could.

    Attributes
    ----------
    frames : int
        Every frame: full redraws plus blits.
    redraws : int
        Full redraws of the figure only (each caches the background).
    """

    def __init__(self, plot):
        self.frames = 0
        self.redraws = 0
        plot.frame_drawn.connect(self.count)

    def count(self, full: bool) -> None:
        self.frames += 1
        self.redraws += bool(full)


@pytest.fixture
def count_frames():
    """Start counting the frames of a plot: ``counter = count_frames(plot)``."""
    return FrameCounter


@pytest.fixture
def viewer(make_napari_viewer):
    """A real viewer (its window under Xvfb); Qt-free tests override it with a ViewerModel."""
    return make_napari_viewer()


@pytest.fixture
def widget(viewer):
    """The "Gradient layers" widget, docked in ``viewer``."""
    gui = gradient_layers_widget()
    viewer.window.add_dock_widget(gui, name="Gradient layers")
    return gui
