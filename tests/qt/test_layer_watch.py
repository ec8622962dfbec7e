"""The connection registry and the layer watch of the Line derivative panel.

A ViewerModel (no window) and the panel's controls; ``on_change`` is a Mock that
stands for the panel's ``schedule_update``.
"""

from __future__ import annotations

from unittest.mock import Mock

import numpy as np
import pytest
from napari.components import ViewerModel

from napari_derivatives._qt.connections import Connections
from napari_derivatives._qt.layer_watch import LayerWatch
from napari_derivatives._qt.panel_controls import PanelControls


def horizontal(row, start, stop):
    return np.array([[row, start], [row, stop]], dtype=float)


@pytest.fixture
def viewer():
    return ViewerModel()


@pytest.fixture
def scene(viewer):
    image = viewer.add_image(np.zeros((20, 30)), name="image")
    shapes = viewer.add_shapes([horizontal(5, 2, 20)], shape_type="line", name="lines")
    return image, shapes


@pytest.fixture
def controls(viewer, qapp):
    return PanelControls(viewer)


@pytest.fixture
def on_change():
    return Mock()


@pytest.fixture
def watch(viewer, scene, controls, on_change):
    """A watch connected to the scene, ``on_change`` reset."""
    watch = LayerWatch(viewer, controls, on_change=on_change, on_theme=Mock())
    watch.connect()
    on_change.reset_mock()
    return watch


# --- the registry ----------------------------------------------------------------------------


def test_groups_are_disconnected_one_at_a_time_or_all(viewer, scene):
    image, shapes = scene
    calls = Mock()
    connections = Connections()
    connections.connect_events("image", image.events, ("data", "scale"), calls.image)
    connections.connect_events("shapes", shapes.events, ("data", "no_such_event"), calls.shapes)
    assert (connections.count("image"), connections.count("shapes")) == (2, 1)

    connections.disconnect("image")
    image.data = np.ones((20, 30))
    shapes.data = [horizontal(6, 2, 20)]
    # napari announces new shapes data twice, as it changes and once changed.
    shapes_calls = calls.shapes.call_count
    assert calls.image.call_count == 0 and shapes_calls >= 1
    assert connections.count("image") == 0

    connections.disconnect_all()
    shapes.data = [horizontal(7, 2, 20)]
    assert calls.shapes.call_count == shapes_calls
    connections.disconnect_all()  # nothing left: nothing to do


# --- the watch -------------------------------------------------------------------------------


def test_the_watch_follows_the_chosen_layers(watch, scene, on_change):
    image, shapes = scene
    assert watch.image is image and watch.shapes is shapes
    shapes.data = [horizontal(6, 2, 20)]
    assert on_change.call_count >= 1
    on_change.reset_mock()
    image.scale = (2, 2)
    assert on_change.call_count >= 1


def test_a_layer_event_after_disconnect_all_schedules_no_update(viewer, watch, scene, on_change):
    image, shapes = scene
    watch.cache.axis_labels = ("kept", "kept")
    watch.connections.disconnect_all()
    shapes.data = [horizontal(6, 2, 20)]
    image.data = np.ones((20, 30))
    viewer.dims.ndisplay = 3
    viewer.add_image(np.zeros((4, 4)))
    image.name = "renamed"
    assert on_change.call_count == 0
    assert watch.cache.axis_labels == ("kept", "kept")  # the image event did not clear it


def test_disconnect_forgets_the_layers_and_connect_takes_them_again(watch, scene):
    image, shapes = scene
    watch.disconnect()
    assert not watch.connected and watch.image is None and watch.shapes is None
    watch.connect()
    assert watch.connected and watch.image is image and watch.shapes is shapes
    watch.connect()  # twice: still one connection per event
    assert watch.connections.count("viewer") == 4 + 4  # layer list and theme, dims


def test_a_new_image_clears_the_cache_and_disconnects_the_old_one(
    viewer, watch, scene, controls, on_change
):
    first, _ = scene
    watch.cache.axis_labels = ("old", "old")
    second = viewer.add_image(np.zeros((20, 30)), name="second")
    controls.image.value = second
    assert watch.image is second and watch.cache.axis_labels is None
    on_change.reset_mock()
    first.data = np.ones((20, 30))
    assert on_change.call_count == 0


def test_only_the_layers_in_the_viewer_have_their_names_watched(viewer, watch, scene, controls):
    image, _ = scene
    assert watch.connections.count("names") == 2
    viewer.layers.remove(image)
    assert watch.connections.count("names") == 1
    assert watch.image is None
    image.name = "gone"  # no longer watched: no choice to refresh
    assert controls.image.choices == ()
