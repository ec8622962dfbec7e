"""The Line derivative panel's kymograph of a synthetic moving front, in a real viewer.

A blurred front moves 1.5 pixels (0.3 µm) per frame of 0.5 s: 0.6 µm/s, which the
edge track must recover.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import erf

from napari_derivatives import kymograph
from napari_derivatives._qt.kymograph_panel import velocity_label
from napari_derivatives._qt.line_derivative import LineDerivativeWidget

FRAMES, SPEED = 20, 1.5  # pixels per frame


def moving_front():
    x = np.arange(80.0)
    front = [(1 + erf((x - 20 - SPEED * t) / (3 * np.sqrt(2)))) / 2 for t in range(FRAMES)]
    return np.stack([np.tile(100 * row, (30, 1)) for row in front])


@pytest.fixture
def scene(viewer):
    image = viewer.add_image(
        moving_front(), scale=(0.5, 0.2, 0.2), units=("s", "µm", "µm"), name="front"
    )
    shapes = viewer.add_shapes([np.array([[3.0, 1.0], [3.0, 15.0]])], shape_type="line")
    widget = LineDerivativeWidget(viewer)
    viewer.window.add_dock_widget(widget, area="right", name="Line derivative")
    return image, shapes, widget


def test_the_kymograph_layers_and_the_velocity(viewer, scene):
    image, _, widget = scene
    panel = widget.kymograph
    assert panel.isVisibleTo(widget) and panel.axis.value == 0
    panel.run_button.clicked()
    made, derivative = (
        viewer.layers["front kymograph"],
        viewer.layers["front kymograph derivative"],
    )
    expected = kymograph(
        image.data, [[0, 15, 5], [0, 15, 75]], axis=0, spacing=(0.5, 0.2, 0.2), step=1.0
    )
    np.testing.assert_allclose(made.data, expected.values, rtol=1e-6)
    np.testing.assert_allclose(derivative.data, expected.derivative, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(made.scale, [0.5, 0.2])
    assert [format(unit, "~") for unit in made.units] == ["s", "µm"]
    track = panel.track
    assert track.velocity == pytest.approx(0.6, rel=0.01)
    legend = panel.figure.axes[0].get_legend().get_texts()[0].get_text()
    assert legend == velocity_label(track) and legend.startswith("edge: 0.6")
    assert legend.endswith("µm/s")


def test_running_again_updates_the_plugins_layers_never_a_users(viewer, scene, tmp_path):
    _image, shapes, widget = scene
    mine = viewer.add_image(np.zeros((3, 3)), name="front kymograph")
    widget.kymograph.run_button.clicked()
    ours = widget.kymograph.layers
    assert ours[0] is not mine and np.all(mine.data == 0)
    count = len(viewer.layers)
    shapes.data = [np.array([[3.0, 2.0], [3.0, 12.0]])]
    widget.update_profiles()
    widget.kymograph.run_button.clicked()
    assert len(viewer.layers) == count
    assert widget.kymograph.layers[0] is ours[0]
    assert ours[0].data.shape == (FRAMES, 51)  # 10 µm at 0.2 µm
    path = tmp_path / "track.csv"
    widget.kymograph.export_track(path)
    table = pd.read_csv(path)
    assert list(table.columns[:2]) == ["position_s", "distance_µm"]
    np.testing.assert_allclose(table["position_s"], np.arange(FRAMES) * 0.5)
    slope = np.polyfit(table["position_s"], table["distance_µm"], 1)[0]
    assert slope == pytest.approx(0.6, rel=0.01)


def test_no_kymograph_on_a_2d_image(viewer):
    viewer.add_image(np.zeros((20, 20)))
    widget = LineDerivativeWidget(viewer)
    assert not widget.kymograph.isVisibleTo(widget)
