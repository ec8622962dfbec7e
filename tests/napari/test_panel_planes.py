"""The panel over stacks, selections, lengths in physical units, the second derivative.

Without Qt (a ViewerModel): the plane each curve samples is named in its legend,
lines follow the slider or stay on the plane they were drawn on as napari shows
them, selected shapes are flagged, and typed lengths are physical.
"""

from __future__ import annotations

import numpy as np
import pytest
from napari.components import ViewerModel

from napari_derivatives._napari.panel_state import compute_panel_state


@pytest.fixture
def viewer():
    return ViewerModel()


def z_stack(planes=5, shape=(20, 30)):
    """Plane z is I = (z + 1) x: its slope along x names the plane sampled."""
    x = np.arange(shape[1], dtype=float)
    return np.stack([np.tile((z + 1) * x, (shape[0], 1)) for z in range(planes)])


def test_a_2d_line_over_a_stack_follows_the_slider_and_names_the_plane(viewer):
    image = viewer.add_image(z_stack())
    shapes = viewer.add_shapes([np.array([[5.0, 2.0], [5.0, 20.0]])], shape_type="line")
    assert shapes.ndim == 2
    viewer.dims.set_current_step(0, 3)
    state = compute_panel_state(viewer, image, shapes)
    np.testing.assert_allclose(state.profiles[0].derivative, 4.0)  # plane 3
    assert state.labels == ["line 0 · plane 3"]
    viewer.dims.set_current_step(0, 1)
    state = compute_panel_state(viewer, image, shapes)
    np.testing.assert_allclose(state.profiles[0].derivative, 2.0)
    assert state.labels == ["line 0 · plane 1"]


def test_a_line_drawn_on_a_plane_stays_there_and_says_when_it_is_not_shown(viewer):
    # What napari's new-shapes button makes over a stack: a 3D Shapes layer, the line
    # on the plane it was drawn on, which napari shows on that plane only.
    image = viewer.add_image(z_stack(), axis_labels=("z", "y", "x"))
    shapes = viewer.add_shapes(
        [np.array([[2.0, 5.0, 2.0], [2.0, 5.0, 20.0]])], shape_type="line", ndim=3
    )
    viewer.dims.set_current_step(0, 2)
    state = compute_panel_state(viewer, image, shapes)
    np.testing.assert_allclose(state.profiles[0].derivative, 3.0)
    assert state.labels == ["line 0 · z 2"]
    viewer.dims.set_current_step(0, 4)
    state = compute_panel_state(viewer, image, shapes)
    np.testing.assert_allclose(state.profiles[0].derivative, 3.0)  # still plane 2
    assert state.labels == ["line 0 · z 2 (not shown)"]


def test_several_sliced_axes_are_all_named(viewer):
    data = np.stack([z_stack(3) * (t + 1) for t in range(2)])
    image = viewer.add_image(data)
    shapes = viewer.add_shapes([np.array([[5.0, 2.0], [5.0, 20.0]])], shape_type="line")
    viewer.dims.set_current_step(0, 1)
    viewer.dims.set_current_step(1, 2)
    state = compute_panel_state(viewer, image, shapes)
    np.testing.assert_allclose(state.profiles[0].derivative, 6.0)  # (t + 1) (z + 1)
    assert state.labels == ["line 0 · plane (1, 2)"]


def test_selected_shapes_are_flagged_and_can_be_plotted_alone(viewer):
    image = viewer.add_image(z_stack(1)[0])
    lines = [np.array([[row, 2.0], [row, 20.0]]) for row in (3.0, 8.0, 13.0)]
    shapes = viewer.add_shapes(lines, shape_type="line")
    state = compute_panel_state(viewer, image, shapes)
    assert state.selected == [False, False, False]
    shapes.selected_data = {1}
    state = compute_panel_state(viewer, image, shapes)
    assert state.selected == [False, True, False]
    state = compute_panel_state(viewer, image, shapes, only_selected=True)
    assert state.shape_indices == [1] and state.selected == [True]
    np.testing.assert_allclose(state.profiles[0].values, np.arange(2.0, 21.0))
    shapes.selected_data = set()
    state = compute_panel_state(viewer, image, shapes, only_selected=True)
    assert state.profiles == []
    assert state.plot_hint.startswith("No shape selected")


def test_lengths_typed_in_physical_units(viewer):
    # Pixels of 0.25 µm along y and 0.5 µm along x; a horizontal line 20 px = 10 µm.
    image = viewer.add_image(z_stack(1)[0], scale=(0.25, 0.5), units=("µm", "µm"))
    shapes = viewer.add_shapes(
        [np.array([[1.25, 1.0], [1.25, 11.0]])], shape_type="line", scale=(1, 1)
    )
    state = compute_panel_state(viewer, image, shapes, step=2.0, lengths="physical")
    np.testing.assert_allclose(state.profiles[0].distance, np.arange(6) * 2.0)
    np.testing.assert_allclose(state.profiles[0].derivative, 2.0)  # 1 per pixel of 0.5 µm
    # Vertical, 40 px of 0.25 µm: 2 µm is 8 pixels there.
    shapes.data = [np.array([[0.0, 5.0], [10.0, 5.0]])]
    state = compute_panel_state(viewer, image, shapes, step=2.0, lengths="physical")
    np.testing.assert_allclose(state.profiles[0].distance, np.arange(6) * 2.0)
    # Smoothing by 1 µm along x is 2 pixels: the same as 2 pixels typed in pixels.
    shapes.data = [np.array([[1.25, 1.0], [1.25, 11.0]])]
    physical = compute_panel_state(viewer, image, shapes, smooth=1.0, lengths="physical")
    pixels = compute_panel_state(viewer, image, shapes, smooth=2.0)
    np.testing.assert_allclose(physical.profiles[0].derivative, pixels.profiles[0].derivative)
    with pytest.raises(ValueError, match="`lengths` must be one of"):
        compute_panel_state(viewer, image, shapes, lengths="inches")


def test_the_second_derivative_of_a_quadratic(viewer):
    # I = x^2 per pixel, pixels of 0.5: d2I/dd2 = 2 / 0.25 = 8 per unit squared, away
    # from the ends (one-sided differences there).
    x = np.arange(40.0)
    image = viewer.add_image(np.tile(x**2, (10, 1)), scale=(0.5, 0.5))
    shapes = viewer.add_shapes(
        [np.array([[2.5, 2.5], [2.5, 17.5]])], shape_type="line", scale=(0.5, 0.5)
    )
    state = compute_panel_state(viewer, image, shapes, curvature=True)
    [curvature] = state.curvatures
    np.testing.assert_allclose(curvature[2:-2], 8.0)
    assert compute_panel_state(viewer, image, shapes).curvatures is None


def test_the_second_derivative_crosses_zero_at_a_blurred_step(viewer):
    x = np.arange(60.0)
    image = viewer.add_image(np.tile(np.tanh((x - 30.4) / 3.0), (5, 1)))
    shapes = viewer.add_shapes([np.array([[2.0, 5.0], [2.0, 55.0]])], shape_type="line")
    state = compute_panel_state(viewer, image, shapes, curvature=True, order=3, step=0.25)
    [profile], [curvature] = state.profiles, state.curvatures
    inside = slice(8, -8)
    signs = np.flatnonzero(np.diff(np.sign(curvature[inside])))
    crossing = profile.coords[inside][signs, 1]
    assert crossing.size == 1 and crossing[0] == pytest.approx(30.4, abs=0.25)
