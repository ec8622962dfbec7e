"""The Hessian layers and Orientation layers dock widgets in a real viewer (Qt, Xvfb).

The quadratic ``I = 1.5 Y^2 - 0.75 X Y + 0.25 X^2`` in physical coordinates (scale
(0.5, 2)) has Hyy = 3, Hyx = -0.75, Hxx = 0.5 per unit^2; a grating whose wave vector
makes 0.6 rad with +x has that orientation and coherence 1.
"""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest

from napari_derivatives._qt import layers_widget as _layers_widget
from napari_derivatives._qt.gradient_widget import gradient_layers_widget
from napari_derivatives._qt.hessian_widget import hessian_layers_widget
from napari_derivatives._qt.orientation_widget import orientation_layers_widget

SCALE = (0.5, 2.0)
ANGLE = 0.6


def shown(control):
    # `visible` reports on-screen visibility, and the test viewer is not shown.
    return not control.native.isHidden()


@pytest.fixture
def hessian(viewer):
    gui = hessian_layers_widget()
    viewer.window.add_dock_widget(gui, name="Hessian layers")
    return gui


@pytest.fixture
def orientation(viewer):
    gui = orientation_layers_widget()
    viewer.window.add_dock_widget(gui, name="Orientation layers")
    return gui


@pytest.fixture
def errors(monkeypatch):
    messages = []
    monkeypatch.setattr(_layers_widget, "show_error", messages.append)
    return messages


@pytest.fixture
def quadratic():
    rows, cols = np.mgrid[0:60, 0:48].astype(np.float64)
    y, x = rows * SCALE[0], cols * SCALE[1]
    return 1.5 * y**2 - 0.75 * x * y + 0.25 * x**2


@pytest.fixture
def grating():
    rows, cols = np.mgrid[0:96, 0:96].astype(np.float64)
    return 100 + 50 * np.sin(2 * np.pi * (cols * np.cos(ANGLE) + rows * np.sin(ANGLE)) / 8)


def test_hessian_widget_adds_layers_in_physical_units(viewer, hessian, quadratic):
    viewer.add_image(quadratic, name="q", scale=SCALE)
    for name in ("Hyy", "Hyx", "Hxx"):
        getattr(hessian, name).value = True
    hessian.sigma.value = 1.0
    hessian()
    names = [layer.name for layer in viewer.layers]
    assert names == [
        "q",
        "q Hyy",
        "q Hyx",
        "q Hxx",
        "q laplacian",
        "q hessian eigenvalue 1",
        "q hessian eigenvalue 2",
    ]
    for name, value in (("Hyy", 3.0), ("Hyx", -0.75), ("Hxx", 0.5), ("laplacian", 3.5)):
        data = viewer.layers[f"q {name}"].data
        np.testing.assert_allclose(data[12:-12, 12:-12], value, rtol=1e-4, atol=1e-4)
    # Finite differences, again: the same layers, updated; sigma is hidden.
    hessian.method.value = "central"
    assert not shown(hessian.sigma)
    hessian()
    assert len(viewer.layers) == 7
    assert viewer.layers["q Hxx"].metadata["napari_derivatives"]["method"] == "central"


def test_hessian_widget_offers_the_third_axis_for_volumes_only(viewer, hessian):
    z, y, x = np.mgrid[0:12, 0:14, 0:16].astype(np.float64)
    viewer.add_image(2.0 * z**2 + y * x, name="vol")
    hessian.image.value = viewer.layers["vol"]
    assert not shown(hessian.Hzz) and not shown(hessian.hessian_eigenvalue_3)
    hessian.spatial_axes.value = "3D volume"
    assert shown(hessian.Hzz) and shown(hessian.hessian_eigenvalue_3)
    hessian.method.value = "central"
    hessian.Hzz.value = True
    hessian()
    np.testing.assert_allclose(viewer.layers["vol Hzz"].data[2:-2, 2:-2, 2:-2], 4.0, rtol=1e-5)
    assert "vol hessian eigenvalue 3" in viewer.layers


def test_orientation_widget_adds_orientation_coherence_and_the_survey(
    viewer, orientation, grating
):
    viewer.add_image(grating, name="g")
    orientation.sigma.value = 1.0
    orientation.rho.value = 4.0
    orientation()
    assert [layer.name for layer in viewer.layers] == [
        "g",
        "g orientation",
        "g coherence",
        "g colour survey",
    ]
    angle = viewer.layers["g orientation"].data[30:-30, 30:-30]
    np.testing.assert_allclose(angle, ANGLE, atol=np.radians(0.5))
    assert viewer.layers["g coherence"].data[30:-30, 30:-30].min() > 0.95
    survey = viewer.layers["g colour survey"]
    assert survey.rgb and survey.data.shape == (96, 96, 3)
    assert viewer.layers["g orientation"].metadata["napari_derivatives"]["rho"] == 4.0


def test_orientation_widget_in_3d_offers_the_eigenvalues_only(viewer, orientation, errors):
    viewer.add_image(np.random.default_rng(0).normal(size=(6, 20, 20)), name="vol")
    orientation.image.value = viewer.layers["vol"]
    orientation.spatial_axes.value = "3D volume"
    # (FunctionGui.orientation is its layout's: the control is orientation["orientation"].)
    assert not shown(orientation["orientation"]) and not shown(orientation.colour_survey)
    assert shown(orientation.structure_eigenvalue_3)
    # Only plane outputs ticked: nothing to compute in 3D, said in a notification.
    assert orientation() is None
    assert errors == ["Orientation layers: tick at least one output."]
    orientation.structure_eigenvalue_1.value = True
    orientation()
    assert viewer.layers["vol structure eigenvalue 1"].data.shape == (6, 20, 20)


def test_bad_input_gives_a_notification_not_a_traceback(viewer, hessian, orientation, errors):
    assert hessian() is None
    assert errors[-1] == "Hessian layers: choose an image layer first."
    viewer.add_image(np.zeros((2, 40)), name="thin")
    # A sigma the box would not offer, as a script may pass it.
    assert orientation(sigma=1e4) is None
    assert errors[-1].startswith("Orientation layers: `sigma`")
    assert [layer.name for layer in viewer.layers] == ["thin"]


def test_cancel_stops_a_hessian_run_and_adds_no_layer(viewer, hessian, qtbot, monkeypatch):
    from napari_derivatives._napari import intensity

    monkeypatch.setattr(_layers_widget, "THREAD_THRESHOLD", 100)
    monkeypatch.setattr(intensity, "BLOCK_PIXELS", 64)  # one row per block: many steps
    messages = []
    monkeypatch.setattr(_layers_widget, "show_info", messages.append)
    viewer.add_image(np.tile(np.arange(64, dtype=np.float32) ** 2, (96, 1)), name="big")
    hessian.method.value = "central"
    hessian()
    assert shown(hessian.cancel_button) and not hessian.call_button.enabled
    hessian.cancel_button.clicked.emit()
    qtbot.waitUntil(lambda: hessian.call_button.enabled, timeout=10_000)
    assert [layer.name for layer in viewer.layers] == ["big"]
    assert "cancelled" in messages[-1] and messages[-1].startswith("Hessian layers of big")
    # Left alone, the next run lands: d2/dx2 of x^2 is 2.
    hessian()
    qtbot.waitUntil(lambda: "big laplacian" in viewer.layers, timeout=20_000)
    np.testing.assert_allclose(viewer.layers["big laplacian"].data[2:-2, 2:-2], 2.0)


def test_lazy_images_give_lazy_orientation_layers_from_a_worker(
    viewer, orientation, qtbot, grating
):
    viewer.add_image(da.from_array(grating, chunks=48), name="lazy")
    orientation.rho.value = 4.0
    worker = orientation()
    assert worker is not None and not isinstance(worker, list)
    qtbot.waitUntil(lambda: "lazy colour survey" in viewer.layers, timeout=10_000)
    angle = viewer.layers["lazy orientation"].data
    assert isinstance(angle, da.Array)
    np.testing.assert_allclose(np.asarray(angle)[30:-30, 30:-30], ANGLE, atol=np.radians(0.5))


def test_the_gradient_widget_offers_the_direction_colour(viewer, make_napari_viewer):
    rows, cols = np.mgrid[0:40, 0:50].astype(np.float32)
    viewer.add_image(3 * rows + 5 * cols, name="ramp", scale=SCALE)
    gradient = gradient_layers_widget()
    viewer.window.add_dock_widget(gradient, name="Gradient layers")
    assert not gradient.direction_colour.value
    gradient.direction_colour.value = True
    gradient()
    colour = viewer.layers["ramp direction colour"]
    assert colour.rgb and colour.data.dtype == np.uint8
    # One direction everywhere inside, at full brightness: one colour.
    inside = colour.data[2:-2, 2:-2].reshape(-1, 3)
    assert len(np.unique(inside, axis=0)) == 1 and inside.max() == 255
