"""The Gradient layers dock widget in a real viewer (Qt, under Xvfb when headless)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import napari_derivatives as nd
from napari_derivatives import BOUNDARY_MODES
from napari_derivatives._qt import layers_widget as _layers_widget


def shown(control):
    # `visible` reports on-screen visibility, and the test viewer is not shown.
    return not control.native.isHidden()


def test_calling_the_widget_adds_layers_in_physical_units(viewer, widget, ramp_2d):
    viewer.add_image(ramp_2d, name="ramp", scale=(0.5, 0.5))
    widget.method.value = "prewitt"
    widget()
    names = [layer.name for layer in viewer.layers]
    assert names == ["ramp", "ramp gx", "ramp gy", "ramp magnitude"]
    gx = viewer.layers["ramp gx"].data
    np.testing.assert_allclose(gx[2:-2, 2:-2], 10.0, rtol=1e-5)  # 5 per px / 0.5
    # Again, with other settings: the same layers are updated, not duplicated.
    widget.method.value = "gaussian"
    widget.sigma.value = 1.0
    widget.direction.value = True
    widget()
    assert len(viewer.layers) == 5
    direction = viewer.layers["ramp direction"].data
    # sigma is 2 px here, so the kernel reaches 8 px: stay clear of the border.
    np.testing.assert_allclose(direction[9:-9, 9:-9], np.arctan2(3.0, 5.0), rtol=1e-4)


def test_sigma_is_shown_only_for_the_gaussian(viewer, widget, ramp_2d):
    viewer.add_image(ramp_2d, name="ramp")
    widget.method.value = "sobel"
    assert not shown(widget.sigma)
    widget.method.value = "gaussian"
    assert shown(widget.sigma)
    # The spline has no sigma either.
    widget.method.value = "spline"
    assert not shown(widget.sigma)


def test_the_spline_operator_runs_from_the_widget(viewer, widget, ramp_2d):
    viewer.add_image(ramp_2d, name="ramp", scale=(0.5, 0.5))
    assert "spline" in widget.method.choices
    widget.method.value = "spline"
    widget()
    # 5 per pixel over 0.5 units, up to the border ('extrapolate', the default mode), to
    # the float32 rounding of intensities up to ~300 that the recursive prefilter adds.
    np.testing.assert_allclose(viewer.layers["ramp gx"].data, 10.0, rtol=1e-4)
    np.testing.assert_allclose(viewer.layers["ramp gy"].data, 6.0, rtol=1e-4)


def test_volume_option_offers_gz(viewer, widget):
    z, _, x = np.mgrid[0:8, 0:9, 0:10].astype(np.float32)
    viewer.add_image(4.0 * z + x, name="vol")
    widget.image.value = viewer.layers["vol"]
    assert widget.spatial_axes.enabled
    assert not shown(widget.gz)
    widget.spatial_axes.value = "3D volume"
    assert shown(widget.gz)
    widget.gz.value = True
    widget()
    gz = viewer.layers["vol gz"].data
    np.testing.assert_allclose(gz[2:-2, 2:-2, 2:-2], 4.0, rtol=1e-5)


def test_bad_settings_give_a_notification_not_a_traceback(viewer, widget, ramp_2d, monkeypatch):
    viewer.add_image(ramp_2d, name="ramp")
    messages = []
    monkeypatch.setattr(_layers_widget, "show_error", messages.append)
    for name in ("gx", "gy", "magnitude"):
        getattr(widget, name).value = False
    assert widget() is None
    assert "at least one output" in messages[-1]
    assert len(viewer.layers) == 1


def test_large_images_run_in_a_worker(viewer, widget, qtbot, monkeypatch):
    monkeypatch.setattr(_layers_widget, "THREAD_THRESHOLD", 100)
    x = np.tile(np.arange(64, dtype=np.float32), (64, 1))
    viewer.add_image(2.0 * x, name="big")
    worker = widget()
    assert worker is not None and not isinstance(worker, list)
    qtbot.waitUntil(lambda: "big magnitude" in viewer.layers, timeout=5_000)
    np.testing.assert_allclose(viewer.layers["big gx"].data[2:-2, 2:-2], 2.0, rtol=1e-5)


def test_wide_gaussians_count_their_taps_towards_the_worker(viewer, widget, qtbot, monkeypatch):
    # 64 x 64 = 4096 pixels: on the main thread for Sobel (3 taps), but a Gaussian of
    # sigma 4 px has 2 * 16 + 1 = 33 taps, so 11 times the work: in a worker.
    monkeypatch.setattr(_layers_widget, "THREAD_THRESHOLD", 4096)
    x = np.tile(np.arange(64, dtype=np.float32), (64, 1))
    viewer.add_image(3.0 * x, name="ramp")
    widget.method.value = "sobel"
    assert isinstance(widget(), list)
    widget.method.value = "gaussian"
    widget.sigma.value = 4.0
    worker = widget()
    assert worker is not None and not isinstance(worker, list)
    qtbot.waitUntil(
        lambda: (
            viewer.layers["ramp magnitude"].metadata["napari_derivatives"]["method"] == "gaussian"
        ),
        timeout=5_000,
    )
    np.testing.assert_allclose(viewer.layers["ramp gx"].data[20:-20, 20:-20], 3.0, rtol=1e-4)


# --- lazy images, cancelling, errors in the worker ----------------------------------------


def test_lazy_images_give_lazy_layers_from_a_worker(viewer, widget, qtbot, ramp_stack):
    import dask.array as da

    viewer.add_image(da.from_array(ramp_stack, chunks=(1, 10, 40)), name="lazy")
    widget.image.value = viewer.layers["lazy"]
    worker = widget()
    assert worker is not None and not isinstance(worker, list)
    qtbot.waitUntil(lambda: "lazy magnitude" in viewer.layers, timeout=5_000)
    gx = viewer.layers["lazy gx"].data
    assert isinstance(gx, da.Array)
    for plane, slope in enumerate((1.0, 2.0, 3.0)):
        np.testing.assert_allclose(np.asarray(gx[plane, 2:-2, 2:-2]), slope, rtol=1e-5)
    qtbot.waitUntil(lambda: widget.call_button.enabled, timeout=5_000)
    assert not shown(widget.cancel_button)


def test_cancel_stops_the_worker_and_adds_no_layer(viewer, widget, qtbot, monkeypatch):
    from napari_derivatives._napari import intensity

    monkeypatch.setattr(_layers_widget, "THREAD_THRESHOLD", 100)
    monkeypatch.setattr(intensity, "BLOCK_PIXELS", 64)  # one row per block: many steps
    messages = []
    monkeypatch.setattr(_layers_widget, "show_info", messages.append)
    x = np.tile(np.arange(64, dtype=np.float32), (96, 1))
    viewer.add_image(x, name="big")
    worker = widget()
    assert shown(widget.cancel_button)
    assert not widget.call_button.enabled
    widget.cancel_button.clicked.emit()
    qtbot.waitUntil(lambda: widget.call_button.enabled, timeout=10_000)
    assert worker.abort_requested
    assert [layer.name for layer in viewer.layers] == ["big"]
    assert messages and "cancelled" in messages[-1]
    assert widget.call_button.enabled
    assert not shown(widget.cancel_button)
    # The widget works again afterwards, and runs to the end when left alone.
    widget()
    qtbot.waitUntil(lambda: widget.call_button.enabled, timeout=20_000)
    np.testing.assert_allclose(viewer.layers["big gx"].data[2:-2, 2:-2], 1.0, rtol=1e-5)
    assert isinstance(viewer.layers["big gx"].data, np.ndarray)


def test_errors_in_the_worker_become_notifications(viewer, widget, qtbot, monkeypatch):
    import dask.array as da

    def fail(results):
        raise OSError("disk on fire")

    monkeypatch.setattr(_layers_widget, "output_contrast_limits", fail)
    messages = []
    monkeypatch.setattr(_layers_widget, "show_error", messages.append)
    viewer.add_image(da.zeros((16, 16), chunks=8), name="lazy")
    widget()
    # The worker may finish before a signal could be awaited: wait for its effect.
    qtbot.waitUntil(lambda: widget.call_button.enabled, timeout=5_000)
    assert messages == ["Gradient layers: disk on fire"]
    assert len(viewer.layers) == 1


# --- the border mode and "keep previous layers" -----------------------------------------------


def test_the_mode_choice_offers_the_cores_modes_and_default(viewer, widget, ramp_2d):
    # I = 3y + 5x + 7 with scale (0.5, 2): gx = 5 / 2 = 2.5 per unit inside.
    viewer.add_image(ramp_2d, name="cells", scale=(0.5, 2.0))
    assert tuple(widget.mode.choices) == tuple(BOUNDARY_MODES)
    assert widget.mode.value == inspect.signature(nd.gradient).parameters["mode"].default
    # Sobel at column 0 with "mirror" reads I[-1] = I[1]: no slope there.
    widget.method.value = "sobel"
    widget.mode.value = "mirror"
    widget()
    gx = viewer.layers["cells gx"]
    np.testing.assert_allclose(gx.data[:, 0], 0.0, atol=1e-5)
    np.testing.assert_allclose(gx.data[2:-2, 2:-2], 2.5, rtol=1e-5)
    assert gx.metadata["napari_derivatives"]["mode"] == "mirror"


def test_keep_previous_layers_adds_variants_named_by_their_settings(viewer, widget, ramp_2d):
    viewer.add_image(ramp_2d, name="cells", scale=(0.5, 2.0), units=("um", "um"))
    widget.method.value = "sobel"
    widget()
    widget.method.value = "gaussian"
    widget.sigma.value = 2.0
    widget.gy.value = widget.magnitude.value = False
    widget.keep_previous.value = True
    widget()
    assert [layer.name for layer in viewer.layers] == [
        "cells",
        "cells gx",
        "cells gy",
        "cells magnitude",
        "cells gx (gaussian 2 µm)",
    ]
    # Unticked: the Gaussian run replaces the Sobel layers, under the plain names.
    widget.keep_previous.value = False
    widget()
    assert [layer.name for layer in viewer.layers] == ["cells", "cells gx"]
    assert viewer.layers["cells gx"].metadata["napari_derivatives"]["method"] == "gaussian"


def test_the_sigma_box_never_reaches_zero_and_offers_only_what_the_gaussian_takes(
    viewer, widget, qtbot
):
    from qtpy.QtCore import Qt

    from napari_derivatives._core.kernels import max_sigma

    # 100 x 120 pixels of 0.5 x 0.25 µm: the smallest sigma is a tenth of 0.25 µm.
    y, x = np.mgrid[0:100, 0:120].astype(np.float32)
    viewer.add_image(3.0 * y + 5.0 * x, name="ramp", scale=(0.5, 0.25))
    widget.method.value = "gaussian"
    box = widget.sigma.native
    assert box.minimum() == pytest.approx(0.025)
    assert box.textFromValue(box.minimum()) != box.textFromValue(0.0)
    # Typed as a user would: 0.004 is below the minimum, so the box keeps a valid value;
    # before, it showed 2 decimals and read 0.004 as 0.
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "0.004")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert widget.sigma.value >= box.minimum() > 0
    box.setValue(0.004)
    assert widget.sigma.value == pytest.approx(0.025)
    # The largest value is the core's limit for this image, and it is computed.
    limit = max_sigma((100, 120), (0.5, 0.25), (0, 1))
    assert box.maximum() == pytest.approx(limit, rel=1e-3)
    box.setValue(1e6)
    assert widget.sigma.value == pytest.approx(limit, rel=1e-3)
    widget.sigma.value = 1.0
    widget()
    gx = viewer.layers["ramp gx"].data
    np.testing.assert_allclose(gx, 20.0, rtol=1e-4)  # 5 per pixel / 0.25 µm, to the border


def test_other_operators_ignore_sigma(viewer, widget, ramp_2d):
    # Sobel's sigma box is hidden: whatever it holds must not stop it.
    viewer.add_image(ramp_2d, name="ramp")
    widget.method.value = "sobel"
    widget.sigma.native.setValue(widget.sigma.native.minimum())
    widget()
    np.testing.assert_allclose(viewer.layers["ramp gx"].data, 5.0, rtol=1e-5)
