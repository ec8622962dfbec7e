"""One run of the Gradient layers widget at a time (a real viewer, Qt).

A run in a worker thread is forced by a tiny ``THREAD_THRESHOLD``. Its signals reach the
widget through Qt's event loop, which none of the calls below turns: a run started by the
first click is still active at the second, however fast the thread is.
"""

from __future__ import annotations

import numpy as np
import pytest
from qtpy.QtCore import Qt, QThreadPool

from napari_derivatives._qt import layers_widget as _layers_widget

KEY = "napari_derivatives"


@pytest.fixture
def workers(monkeypatch):
    """Every worker the widget creates, in order; runs go to a worker from 100 pixels up."""
    created = []
    create = _layers_widget.create_worker

    def counting(*args, **kwargs):
        worker = create(*args, **kwargs)
        created.append(worker)
        return worker

    monkeypatch.setattr(_layers_widget, "create_worker", counting)
    monkeypatch.setattr(_layers_widget, "THREAD_THRESHOLD", 100)
    return created


@pytest.fixture
def warnings(monkeypatch):
    messages = []
    monkeypatch.setattr(_layers_widget, "show_warning", messages.append)
    return messages


@pytest.fixture
def cells(viewer, ramp_2d):
    """I = 3y + 5x + 7, scale (0.5, 2): gy = 6, gx = 2.5 per unit, magnitude 6.5."""
    return viewer.add_image(ramp_2d, name="cells", scale=(0.5, 2.0))


def interior(a, margin=2):
    return a[(Ellipsis, *[slice(margin, -margin)] * 2)]


def click(qtbot, button):
    qtbot.mouseClick(button.native, Qt.MouseButton.LeftButton)


# --- one run at a time ------------------------------------------------------------------------


def test_a_double_click_during_a_run_starts_one_run(viewer, widget, qtbot, workers, cells):
    widget.method.value = "prewitt"
    click(qtbot, widget.call_button)
    assert len(workers) == 1
    assert not widget.call_button.enabled
    # A second click while the first run is active, with other settings, does nothing.
    widget.method.value = "sobel"
    click(qtbot, widget.call_button)
    qtbot.waitUntil(lambda: widget.call_button.enabled, timeout=10_000)
    assert len(workers) == 1
    # The layers are those of the run that finished, and say so.
    assert viewer.layers["cells gx"].metadata[KEY]["method"] == "prewitt"
    np.testing.assert_allclose(interior(viewer.layers["cells gx"].data), 2.5, rtol=1e-5)
    # Once it finished, the button runs the new settings.
    click(qtbot, widget.call_button)
    qtbot.waitUntil(lambda: widget.call_button.enabled, timeout=10_000)
    assert len(workers) == 2
    assert viewer.layers["cells gx"].metadata[KEY]["method"] == "sobel"


def test_a_call_from_a_script_during_a_run_is_refused(
    viewer, widget, qtbot, workers, warnings, cells
):
    first = widget()
    assert first is workers[0]
    assert widget() is None
    assert warnings and "a run is in progress" in warnings[-1]
    # Nor may a small image run on the main thread meanwhile.
    small = viewer.add_image(np.zeros((4, 4), dtype=np.float32), name="small")
    widget.image.value = small
    assert widget() is None
    assert len(warnings) == 2
    assert "small gx" not in viewer.layers
    qtbot.waitUntil(lambda: widget.call_button.enabled, timeout=10_000)
    assert len(workers) == 1
    np.testing.assert_allclose(interior(viewer.layers["cells magnitude"].data), 6.5, rtol=1e-5)


def test_cancel_after_the_worker_returned_adds_no_layer(
    viewer, widget, qtbot, workers, cells, monkeypatch
):
    messages = []
    monkeypatch.setattr(_layers_widget, "show_info", messages.append)
    widget()
    # The thread is done, but its results wait in the event loop when Cancel is pressed.
    assert QThreadPool.globalInstance().waitForDone(10_000)
    click(qtbot, widget.cancel_button)
    qtbot.waitUntil(lambda: widget.call_button.enabled, timeout=10_000)
    assert [layer.name for layer in viewer.layers] == ["cells"]
    assert messages and "cancelled" in messages[-1]
