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


# --- the CSV of the panel ------------------------------------------------------------------


def test_csv_of_a_stack_names_units_labels_planes_and_world(viewer, tmp_path):
    import json

    import pandas

    from napari_derivatives import profiles_to_csv
    from napari_derivatives._napari.line_profiles import csv_options

    t, _, x = np.mgrid[0:4, 0:20, 0:30].astype(float)
    image = viewer.add_image(
        3 * x + 10 * t,
        name="cells",
        scale=(5.0, 0.5, 0.5),
        translate=(0.0, 100.0, 0.0),
        units=("s", "µm", "µm"),
        axis_labels=("t", "y", "x"),
    )
    shapes = viewer.add_shapes(
        [np.array([[4, 1.0], [4, 11.0]])],
        shape_type="line",
        scale=(0.5, 0.5),
        translate=(100.0, 0.0),
    )
    viewer.dims.set_point(0, 10.0)  # t = 10 s: plane 2
    [(index, profile)] = profile_shapes(viewer, image, shapes)
    assert profile.units == "µm"
    path = tmp_path / "profiles.csv"
    profiles_to_csv([profile], path, lines=[index], **csv_options(viewer, image, [profile]))
    table = pandas.read_csv(path)
    assert list(table.columns) == [
        "line", "plane", "distance_µm", "t_px", "y_px", "x_px", "t_s", "y_µm", "x_µm",
        "intensity", "derivative_per_µm",
    ]  # fmt: skip
    assert (table["plane"] == 2).all() and (table["t_s"] == 10.0).all()
    np.testing.assert_allclose(table["derivative_per_µm"], 6.0)  # 3 per px of 0.5 µm
    np.testing.assert_allclose(table["y_µm"], 100 + 4 * 0.5)
    np.testing.assert_allclose(table["x_µm"], table["x_px"] * 0.5)
    np.testing.assert_allclose(table["intensity"], 3 * table["x_px"] + 20)
    record = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert record["image"] == "cells" and record["plane_axes"] == ["t"]
    assert record["units"] == ["s", "µm", "µm"] and record["scale"] == [5.0, 0.5, 0.5]


@pytest.mark.parametrize(
    "placeholders", [None, ("-3", "-2", "-1"), ("axis -3", "axis -2", "axis -1")]
)
def test_napari_placeholder_labels_of_any_version_give_the_same_names(viewer, placeholders):
    # napari names unlabelled axes "-3"... since 0.7 and "axis -3"... before: the CSV's
    # columns, its record and the legend must not change with the napari a user has.
    from napari_derivatives._napari.line_profiles import csv_options, plane_label

    image = viewer.add_image(np.zeros((3, 8, 8)), axis_labels=placeholders)
    shapes = viewer.add_shapes([np.array([[1.0, 1.0], [1.0, 6.0]])], shape_type="line")
    [(_, profile)] = profile_shapes(viewer, image, shapes)
    options = csv_options(viewer, image, [profile])
    assert options["axis_labels"] is None  # profiles_to_csv's own: z, row, col
    assert options["metadata"]["axis_labels"] == ["z", "row", "col"]
    assert options["metadata"]["plane_axes"] == ["z"]
    assert plane_label(viewer, image, profile) == "plane 1"
