"""Profiles of image layers along Shapes layers, through napari's transforms (no Qt widget).

Each pixel's value names the pixel it was sampled from, so a wrong transform shows.
"""

from __future__ import annotations

import numpy as np
import pytest

from napari_derivatives import profile_shapes


@pytest.fixture
def viewer(make_napari_viewer):
    return make_napari_viewer()


# --- transforms ----------------------------------------------------------------------------


def row_col_image(shape=(30, 40)):
    """I = 1000 * row + column: each value names the pixel it was sampled from."""
    r, c = np.indices(shape, dtype=float)
    return 1000 * r + c


def test_a_transposed_view_samples_the_same_pixels(viewer):
    image = viewer.add_image(row_col_image(), scale=(1, 0.5))
    shapes = viewer.add_shapes([[[5, 2], [5, 12]]], shape_type="line")
    for transposed in (False, True):
        if transposed:
            viewer.dims.transpose()
            assert tuple(viewer.dims.displayed_order) != (0, 1)
        [(_, profile)] = profile_shapes(viewer, image, shapes, step=20.0)
        # World x 2..12 is column 4..24 of row 5: 10 units long, rising by 20.
        np.testing.assert_allclose(profile.values, [5004, 5024])
        np.testing.assert_allclose(profile.distance, [0, 10])
        np.testing.assert_allclose(profile.derivative, 2.0)


def test_a_reordered_stack_samples_the_plane_shown(viewer):
    stack = np.stack([row_col_image() + 100_000 * z for z in range(3)])
    image = viewer.add_image(stack, scale=(1, 1, 0.5))
    viewer.dims.set_current_step(0, 2)
    viewer.dims.order = (0, 2, 1)
    shapes = viewer.add_shapes([[[2, 5, 2], [2, 5, 12]]], shape_type="line", ndim=3)
    [(_, profile)] = profile_shapes(viewer, image, shapes, step=20.0)
    np.testing.assert_allclose(profile.values, [205004, 205024])
    np.testing.assert_allclose(profile.derivative, 2.0)
    np.testing.assert_allclose(profile.coords, [[2, 5, 4], [2, 5, 24]])


def test_a_flipped_image_measures_lengths_not_signed_steps(viewer):
    # Flipped columns: world x = -0.5 * column, so world x -2..-12 is column 4..24.
    image = viewer.add_image(row_col_image(), scale=(1, -0.5))
    shapes = viewer.add_shapes([[[5, -2], [5, -12]]], shape_type="line")
    [(_, profile)] = profile_shapes(viewer, image, shapes, step=20.0)
    np.testing.assert_allclose(profile.values, [5004, 5024])
    np.testing.assert_allclose(profile.distance, [0, 10])
    np.testing.assert_allclose(profile.derivative, 2.0)


def test_a_sheared_image_measures_world_lengths(viewer):
    # shear=[1]: world (y, x) = (row + column, column), so world [5, 0] -> [15, 10]
    # is row 5, columns 0 -> 10: 14.142 units long, rising by 10.
    image = viewer.add_image(row_col_image(), shear=[1.0])
    shapes = viewer.add_shapes([[[5, 0], [15, 10]]], shape_type="line")
    [(_, profile)] = profile_shapes(viewer, image, shapes, step=10.0)
    np.testing.assert_allclose(profile.values, [5000, 5010])
    assert profile.distance[-1] == pytest.approx(np.sqrt(200), rel=1e-9)
    np.testing.assert_allclose(profile.derivative, 10 / np.sqrt(200), rtol=1e-9)


def test_a_rotated_image_keeps_its_pixel_sizes(viewer):
    image = viewer.add_image(row_col_image(), scale=(1, 0.5), rotate=30)
    ends = [image.data_to_world(point) for point in ([5, 4], [5, 24])]
    shapes = viewer.add_shapes([ends], shape_type="line")
    [(_, profile)] = profile_shapes(viewer, image, shapes, step=20.0)
    # The Shapes layer keeps its vertices in float32: equal to about 1e-5.
    np.testing.assert_allclose(profile.values, [5004, 5024], rtol=1e-5)
    np.testing.assert_allclose(profile.distance, [0, 10], rtol=1e-4, atol=0)
    np.testing.assert_allclose(profile.derivative, 2.0, rtol=1e-4)
