"""What the Line derivative panel draws, worked out without Qt (a ViewerModel, no window).

The images are ramps and a sigmoid step whose derivatives can be checked by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from napari.components import ViewerModel

from napari_derivatives._napari.panel_state import (
    PLANE_CACHE_SIZE,
    EdgeMarkers,
    PanelState,
    ProfileCache,
    compute_panel_state,
    default_image,
    default_shapes,
    image_choices,
    shapes_choices,
)

RECTANGLE = np.array([[1, 1], [1, 5], [5, 5], [5, 1]], dtype=float)


def x_ramp(shape=(40, 50), slope=3.0):
    """I = slope * x (column index)."""
    _, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    return slope * x


def sigmoid_edge(at=20.3, shape=(30, 50)):
    _, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    return 100.0 / (1.0 + np.exp(-(x - at)))


def horizontal(row, start, stop):
    return np.array([[row, start], [row, stop]], dtype=float)


@pytest.fixture
def viewer():
    return ViewerModel()


@pytest.fixture
def ramp_scene(viewer):
    """I = 3x with 2-unit pixels, and a horizontal line 40 px (80 units) long."""
    image = viewer.add_image(x_ramp(), name="ramp", scale=(2, 2))
    shapes = viewer.add_shapes(
        [horizontal(20, 5, 45)], shape_type="line", name="lines", scale=(2, 2)
    )
    return image, shapes


# --- profiles, colours, labels ------------------------------------------------------------


def test_ramp_gives_its_slope_per_physical_unit(viewer, ramp_scene):
    image, shapes = ramp_scene
    state = compute_panel_state(viewer, image, shapes, step=1.0)
    [profile] = state.profiles
    np.testing.assert_allclose(profile.derivative, 1.5)  # 3 per pixel / 2 units per pixel
    assert profile.distance[-1] == pytest.approx(80.0)
    assert state.shape_indices == [0]
    assert state.labels == ["line 0"]
    assert state.colors == [tuple(shapes.edge_color[0])]
    # A scale of 2 and no unit: the distance is physical but unnamed.
    assert state.axis_labels == (
        "distance",
        "d intensity / d distance",
        "d² intensity / d distance²",
    )
    assert state.hint == "" and state.plot_hint == ""
    assert state.edges is None


def test_options_reach_the_sampling(viewer, ramp_scene):
    image, shapes = ramp_scene
    state = compute_panel_state(viewer, image, shapes, step=2.0, order=0, width=3, smooth=0.0)
    # 40 px sampled every 2 px: 21 samples, 4 units apart.
    np.testing.assert_allclose(state.profiles[0].distance, np.arange(21) * 4.0)
    np.testing.assert_allclose(state.profiles[0].derivative, 1.5)


def test_labels_and_colours_follow_the_shape_indices(viewer, ramp_scene):
    image, shapes = ramp_scene
    path = np.array([[0, 10], [30, 10], [30, 20]], dtype=float)
    shapes.add([RECTANGLE, path], shape_type=["ellipse", "path"], edge_color=["red", "blue"])
    state = compute_panel_state(viewer, image, shapes)
    assert state.shape_indices == [0, 2]
    assert state.labels == ["line 0", "path 2"]
    assert state.colors[1] == (0.0, 0.0, 1.0, 1.0)


# --- hints -----------------------------------------------------------------------------------


def test_ellipses_and_polygons_are_ignored_with_a_hint(viewer):
    # Rectangles used to be ignored too (issue 12): they are profiled now.
    image = viewer.add_image(x_ramp())
    shapes = viewer.add_shapes(
        [RECTANGLE, horizontal(10, 2, 30), RECTANGLE + 10, RECTANGLE + 20],
        shape_type=["ellipse", "line", "ellipse", "polygon"],
    )
    state = compute_panel_state(viewer, image, shapes)
    assert state.shape_indices == [1]
    assert state.hint == (
        "2 ellipses, 1 polygon ignored: only lines, paths and rectangles are profiled"
    )
    assert state.plot_hint == ""


@pytest.mark.parametrize("flip", [False, True])
def test_a_rectangle_is_profiled_along_its_long_axis_averaged_across(viewer, flip):
    # I = 3 x + 100 in rows 0..19, and 0 below: a rectangle over pixel rows 4..11 (its
    # sides on their borders, 8 pixels high, 24 long) averages those 8 rows (ImageJ's
    # rectangle profile): the slope is the ramp's, per unit of 0.5.
    data = x_ramp() + 100.0
    data[20:] = 0.0
    image = viewer.add_image(data, scale=(0.5, 0.5))
    corners = np.array([[3.5, 10], [3.5, 34], [11.5, 34], [11.5, 10]])
    shapes = viewer.add_shapes(
        [corners[::-1] if flip else corners], shape_type="rectangle", scale=(0.5, 0.5)
    )
    state = compute_panel_state(viewer, image, shapes, step=1.0)
    [profile] = state.profiles
    # Left to right along the long side, through the middle of the short sides.
    np.testing.assert_allclose(profile.coords[[0, -1]], [[7.5, 10], [7.5, 34]])
    assert profile.distance[-1] == pytest.approx(12.0)  # 24 px of 0.5
    np.testing.assert_allclose(profile.derivative, 6.0)  # 3 per pixel / 0.5
    np.testing.assert_allclose(profile.values, 3.0 * np.arange(10, 35) + 100.0)
    assert state.labels == ["rectangle 0"]

    # Over rows 16..23, 4 of ramp and 4 of zeros: half the slope.
    shapes.data = [corners + np.array([12.0, 0.0])]
    [profile] = compute_panel_state(viewer, image, shapes).profiles
    np.testing.assert_allclose(profile.derivative, 3.0)


def test_a_tall_rectangle_runs_top_to_bottom(viewer):
    # I = 2 y: a rectangle 4 wide and 20 high is profiled downwards, slope 2 per pixel.
    image = viewer.add_image(2.0 * np.mgrid[0:40, 0:30][0])
    shapes = viewer.add_shapes(
        [np.array([[25, 5], [25, 9], [5, 9], [5, 5]], dtype=float)], shape_type="rectangle"
    )
    [profile] = compute_panel_state(viewer, image, shapes).profiles
    np.testing.assert_allclose(profile.coords[[0, -1]], [[5, 7], [25, 7]])
    np.testing.assert_allclose(profile.derivative, 2.0)


def test_zero_length_lines_are_skipped_and_counted(viewer, ramp_scene):
    image, shapes = ramp_scene
    shapes.data = [np.array([[10, 10], [10, 10]], dtype=float)]
    state = compute_panel_state(viewer, image, shapes)
    assert state.profiles == []
    assert state.hint == "1 line not profiled: zero length, or off the image's shown slice"
    assert state.plot_hint == "No line to profile on the shown slice."

    shapes.data = [horizontal(3, 4, 4), horizontal(20, 5, 45), horizontal(7, 1, 1)]
    state = compute_panel_state(viewer, image, shapes)
    assert state.shape_indices == [1]
    assert state.hint.startswith("2 lines not profiled")
    assert state.plot_hint == ""


def test_missing_layers_say_what_to_add(viewer):
    state = compute_panel_state(viewer, None, None)
    assert state.plot_hint == "No image layer: open or add an image to profile."
    assert state.axis_labels is None and state.profiles == []
    image = viewer.add_image(x_ramp(), name="ramp")
    state = compute_panel_state(viewer, image, None, edge_count=1)
    assert state.plot_hint == "No Shapes layer: add one and draw a line or a path on it."
    assert state.axis_labels[:2] == ("distance (pixels)", "d intensity / d distance (per pixel)")
    assert state.edges is None  # nothing to find edges on
    shapes = viewer.add_shapes(name="lines")
    state = compute_panel_state(viewer, image, shapes)
    assert state.plot_hint == "Draw a line or a path on 'lines' to profile 'ramp'."
    assert state.hint == ""


# --- the cache -------------------------------------------------------------------------------


def test_axis_labels_are_kept_until_the_cache_is_cleared(viewer, ramp_scene):
    image, shapes = ramp_scene
    cache = ProfileCache()
    compute_panel_state(viewer, image, shapes, cache=cache)
    assert cache.axis_labels[:2] == ("distance", "d intensity / d distance")
    image.units = ("mm", "mm")
    # Kept: the caller clears the cache when the image's transforms or units change.
    assert compute_panel_state(viewer, image, shapes, cache=cache).axis_labels[0] == "distance"
    cache.clear()
    state = compute_panel_state(viewer, image, shapes, cache=cache)
    assert state.axis_labels == (
        "distance (mm)",
        "d intensity / d distance (per mm)",
        "d² intensity / d distance² (per mm²)",
    )


def test_the_plane_cache_keeps_a_few_planes(viewer):
    # Plane z rises by z per pixel along x: each plane read is seen in the derivative.
    stack = np.stack([z * x_ramp(slope=1.0) for z in range(12)])
    image = viewer.add_image(stack)
    shapes = viewer.add_shapes([horizontal(10, 2, 30)], shape_type="line")
    cache = ProfileCache()
    for z in range(12):
        viewer.dims.set_current_step(0, z)
        state = compute_panel_state(viewer, image, shapes, cache=cache)
        np.testing.assert_allclose(state.profiles[0].derivative, z)
        assert len(cache.planes) <= PLANE_CACHE_SIZE
    # The newest planes are kept, the oldest dropped (besides the pixel-size entry).
    planes = [key for key in cache.planes if key[0] != "spacing"]
    assert (11,) in planes and (0,) not in planes


# --- edges -----------------------------------------------------------------------------------


@pytest.fixture
def edge_scene(viewer):
    image = viewer.add_image(sigmoid_edge(20.3), scale=(2, 2), translate=(100, 0))
    shapes = viewer.add_shapes(
        [horizontal(10, 5, 45), horizontal(20, 5, 45)],
        shape_type="line",
        scale=(2, 2),
        translate=(100, 0),
        name="cut",
        edge_color=["red", "blue"],
    )
    return image, shapes


def test_edges_are_found_per_line_and_flattened_with_their_colours(viewer, edge_scene):
    image, shapes = edge_scene
    state = compute_panel_state(viewer, image, shapes, edge_count=1)
    [[first], [second]] = state.edges
    # At x = 20.3 px: 15.3 px from each line's start, 2 units per pixel.
    assert first.distance == pytest.approx(30.6, abs=0.05)
    assert second.distance == pytest.approx(30.6, abs=0.05)
    edges, colors = state.edge_points()
    assert [index for index, _ in edges] == [0, 1]
    assert colors == [(1.0, 0.0, 0.0, 1.0), (0.0, 0.0, 1.0, 1.0)]


def test_no_edges_when_not_asked(viewer, edge_scene):
    image, shapes = edge_scene
    state = compute_panel_state(viewer, image, shapes)
    assert state.edges is None
    assert state.edge_points() == ([], [])


def test_edge_markers_are_made_moved_renamed_and_removed(viewer, edge_scene):
    image, shapes = edge_scene
    # A user's layer that happens to have the markers' name is never touched.
    users = viewer.add_points([[0, 0]], name="cut edges")
    markers = EdgeMarkers(viewer)
    markers.update(compute_panel_state(viewer, image, shapes, edge_count=1), image, shapes)
    layer = markers.layer
    assert layer is not None and layer is not users and layer in viewer.layers
    # World row: 100 + 2 * 10 and 100 + 2 * 20; column 2 * 20.3.
    np.testing.assert_allclose(layer.data, [[120.0, 40.6], [140.0, 40.6]], atol=0.06)
    assert list(layer.features["line"]) == [0, 1]

    shapes.data = [horizontal(4, 5, 45)]
    markers.update(compute_panel_state(viewer, image, shapes, edge_count=1), image, shapes)
    assert markers.layer is layer  # moved in place
    np.testing.assert_allclose(layer.data, [[108.0, 40.6]], atol=0.06)

    markers.rename("renamed")
    assert layer.name == "renamed edges"
    markers.update(compute_panel_state(viewer, image, shapes), image, shapes)
    assert markers.layer is None and layer not in viewer.layers
    assert users in viewer.layers and users.name == "cut edges"


def test_edge_markers_let_go_of_a_layer_the_user_removed(viewer, edge_scene):
    image, shapes = edge_scene
    markers = EdgeMarkers(viewer)
    markers.update(compute_panel_state(viewer, image, shapes, edge_count=1), image, shapes)
    layer = markers.layer
    assert not markers.forget(image)
    viewer.layers.remove(layer)
    assert markers.forget(layer)
    assert markers.layer is None
    assert not markers.forget(layer)


def test_an_empty_state_draws_nothing():
    state = PanelState()
    assert state.profiles == [] and state.edges is None and state.hint == ""


# --- layer choices ---------------------------------------------------------------------------


def test_choices_are_listed_top_first_and_the_defaults_picked(viewer):
    assert default_image(viewer) is None and default_shapes(viewer) is None
    bottom = viewer.add_image(np.zeros((5, 5)), name="bottom")
    hidden = viewer.add_image(np.ones((5, 5)), name="hidden", visible=False)
    lines = viewer.add_shapes([horizontal(1, 1, 3)], shape_type="line", name="lines")
    other = viewer.add_shapes([horizontal(2, 1, 3)], shape_type="line", name="other")
    assert image_choices(viewer) == [("hidden", hidden), ("bottom", bottom)]
    assert shapes_choices(viewer) == [("other", other), ("lines", lines)]
    assert default_image(viewer) is bottom  # the top visible one
    viewer.layers.selection.active = lines
    assert default_shapes(viewer) is lines  # the active one
    viewer.layers.selection.active = bottom
    assert default_shapes(viewer) is other  # else the top one
