"""The napari glue for gradient layers, on a headless ViewerModel."""

from __future__ import annotations

import numpy as np
import pytest
from napari.components import ViewerModel

from napari_derivatives import add_gradient_layers


@pytest.fixture
def viewer():
    return ViewerModel()


def interior(a, margin=2):
    return a[(Ellipsis, *[slice(margin, -margin)] * 2)]


def test_values_are_per_physical_unit_of_the_layer_scale(viewer, ramp_2d):
    image = viewer.add_image(ramp_2d, name="ramp", scale=(0.5, 2.0))
    gx, gy, magnitude = add_gradient_layers(viewer, image, method="sobel")
    # d/dy = 3 per pixel over 0.5 units; d/dx = 5 per pixel over 2 units.
    np.testing.assert_allclose(interior(gy.data), 6.0, rtol=1e-5)
    np.testing.assert_allclose(interior(gx.data), 2.5, rtol=1e-5)
    np.testing.assert_allclose(interior(magnitude.data), np.hypot(6.0, 2.5), rtol=1e-5)
    assert [layer.name for layer in (gx, gy, magnitude)] == [
        "ramp gx",
        "ramp gy",
        "ramp magnitude",
    ]
    assert gx.data.dtype == np.float32


def test_the_spline_method_gives_a_cubic_per_physical_unit(viewer):
    # I = x**3 / 100 (x the column) on pixels 0.5 units tall and 2 units wide: along x
    # 3 x**2 / 100 per pixel, so 1.5 x**2 / 100 per unit, exact away from the border.
    rows, cols = np.mgrid[0:30, 0:40].astype(np.float64)
    image = viewer.add_image(cols**3 / 100 + 2 * rows, name="cubic", scale=(0.5, 2.0))
    gx, gy, _ = add_gradient_layers(viewer, image, method="spline", sigma=-1.0)
    inside = (slice(12, -12), slice(12, -12))
    np.testing.assert_allclose(gx.data[inside], 1.5 * cols[inside] ** 2 / 100, rtol=1e-5)
    np.testing.assert_allclose(gy.data, 4.0, rtol=1e-5)  # a ramp: up to the border


def test_a_flipped_axis_counts_by_its_absolute_pixel_size(viewer, ramp_2d):
    image = viewer.add_image(ramp_2d, name="ramp", scale=(1.0, -0.5))
    gx, gy = add_gradient_layers(viewer, image, outputs=("gx", "gy"))
    # Along the data axes, per physical unit: 5 per pixel over 0.5 units, 3 over 1.
    np.testing.assert_allclose(interior(gx.data), 10.0, rtol=1e-5)
    np.testing.assert_allclose(interior(gy.data), 3.0, rtol=1e-5)
    np.testing.assert_allclose(gx.scale, (1.0, -0.5))
    np.testing.assert_allclose(gx.data_to_world((3, 4)), image.data_to_world((3, 4)))


def test_outputs_keep_the_source_transforms(viewer, ramp_2d):
    image = viewer.add_image(
        ramp_2d,
        name="ramp",
        scale=(0.5, 2.0),
        translate=(10.0, -4.0),
        rotate=30.0,
        shear=[0.2],
        units=("um", "um"),
    )
    (gx,) = add_gradient_layers(viewer, "ramp", outputs=("gx",))
    np.testing.assert_allclose(gx.scale, image.scale)
    np.testing.assert_allclose(gx.translate, image.translate)
    np.testing.assert_allclose(gx.rotate, image.rotate)
    np.testing.assert_allclose(gx.shear, image.shear)
    np.testing.assert_allclose(gx.affine.affine_matrix, image.affine.affine_matrix)
    assert gx.units == image.units
    # The same pixel lands at the same world position.
    np.testing.assert_allclose(gx.data_to_world((3, 4)), image.data_to_world((3, 4)))


def test_colormaps_and_contrast_limits(viewer, ramp_2d):
    image = viewer.add_image(-ramp_2d, name="ramp")
    gx, magnitude, direction = add_gradient_layers(
        viewer, image, outputs=("gx", "magnitude", "direction")
    )
    # Components: diverging and symmetric around zero; here every gx is -5.
    low, high = gx.contrast_limits
    assert low == pytest.approx(-5.0, rel=1e-5)
    assert high == pytest.approx(5.0, rel=1e-5)
    assert gx.colormap.name == "RdBu_r"
    assert magnitude.contrast_limits[0] == 0.0
    assert magnitude.contrast_limits[1] == pytest.approx(np.hypot(3, 5), rel=1e-5)
    np.testing.assert_allclose(direction.contrast_limits, (-np.pi, np.pi))
    # Intensity falls to the right and downwards: the direction points up-left.
    np.testing.assert_allclose(interior(direction.data), np.arctan2(-3.0, -5.0), rtol=1e-5)


def test_running_again_updates_the_layers_in_place(viewer, ramp_2d):
    image = viewer.add_image(ramp_2d, name="ramp")
    first = add_gradient_layers(viewer, image)
    count = len(viewer.layers)
    image.scale = (2.0, 2.0)
    second = add_gradient_layers(viewer, image, method="scharr")
    assert len(viewer.layers) == count
    assert all(a is b for a, b in zip(first, second, strict=True))
    np.testing.assert_allclose(interior(second[0].data), 2.5, rtol=1e-5)
    np.testing.assert_allclose(second[0].scale, (2.0, 2.0))
    assert second[0].metadata["napari_derivatives"]["method"] == "scharr"


def test_running_again_moves_the_dims_range_with_the_new_transforms(viewer, ramp_2d):
    image = viewer.add_image(ramp_2d, name="ramp")
    add_gradient_layers(viewer, image)
    image.scale = (1.0, 10.0)
    image.translate = (0.0, 100.0)
    layers = add_gradient_layers(viewer, image)
    # Every layer now spans x = 100 ... 590 in steps of 10: so must the slider.
    np.testing.assert_allclose(viewer.dims.range[1], (100.0, 590.0, 10.0))
    np.testing.assert_allclose(viewer.dims.range[0], (0.0, 39.0, 1.0))
    for layer in layers:
        np.testing.assert_allclose(layer.extent.world, image.extent.world)


def test_stack_default_differentiates_each_plane(viewer, ramp_stack):
    image = viewer.add_image(ramp_stack, name="stack", scale=(4.0, 1.0, 1.0))
    gx, gy = add_gradient_layers(viewer, image, outputs=("gx", "gy"))
    for plane, slope in enumerate((1.0, 2.0, 3.0)):
        np.testing.assert_allclose(interior(gx.data[plane]), slope, rtol=1e-5)
        np.testing.assert_allclose(interior(gy.data[plane]), 0.5, rtol=1e-5)


def test_volume_gradient_has_gz(viewer):
    z, y, x = np.mgrid[0:12, 0:14, 0:16].astype(np.float32)
    image = viewer.add_image(2.0 * z + 1.0 * y - 1.0 * x, name="vol", scale=(2.0, 1.0, 1.0))
    gz, gy, gx = add_gradient_layers(viewer, image, outputs=("gz", "gy", "gx"), axes=(-3, -2, -1))
    np.testing.assert_allclose(gz.data[2:-2, 2:-2, 2:-2], 1.0, rtol=1e-5)
    np.testing.assert_allclose(gy.data[2:-2, 2:-2, 2:-2], 1.0, rtol=1e-5)
    np.testing.assert_allclose(gx.data[2:-2, 2:-2, 2:-2], -1.0, rtol=1e-5)
    assert gz.name == "vol gz"


def test_rgb_is_differentiated_as_luminance(viewer):
    x = np.tile(np.arange(32, dtype=np.float32), (24, 1))
    rgb = np.zeros((24, 32, 3), dtype=np.float32)
    rgb[..., 1] = 10.0 * x  # green only: luminance = 0.7154 * 10 * x
    image = viewer.add_image(rgb, name="rgb", rgb=True)
    (gx,) = add_gradient_layers(viewer, image, outputs=("gx",))
    assert gx.data.shape == (24, 32)
    np.testing.assert_allclose(interior(gx.data), 7.154, rtol=1e-4)


def test_integer_steps_do_not_wrap(viewer):
    data = np.full((10, 10), 200, dtype=np.uint8)
    data[:, 5:] = 10
    image = viewer.add_image(data, name="step")
    (gx,) = add_gradient_layers(viewer, image, outputs=("gx",))
    np.testing.assert_allclose(gx.data[:, 4], -95.0)
    np.testing.assert_allclose(gx.data[:, 5], -95.0)


def test_source_data_is_not_modified(viewer, ramp_2d):
    original = ramp_2d.copy()
    image = viewer.add_image(ramp_2d, name="ramp")
    add_gradient_layers(viewer, image, method="gaussian", sigma=2.0)
    np.testing.assert_array_equal(image.data, original)


def test_bad_input_names_the_parameter(viewer, ramp_2d):
    viewer.add_image(ramp_2d, name="ramp")
    viewer.add_points([[1, 1]], name="points")
    with pytest.raises(ValueError, match="method"):
        add_gradient_layers(viewer, "ramp", method="laplace")
    with pytest.raises(ValueError, match="layer"):
        add_gradient_layers(viewer, "nope")
    with pytest.raises(ValueError, match="layer"):
        add_gradient_layers(viewer, "points")
    with pytest.raises(ValueError, match="outputs"):
        add_gradient_layers(viewer, "ramp", outputs=("gz",))
    with pytest.raises(ValueError, match="sigma"):
        add_gradient_layers(viewer, "ramp", method="gaussian", sigma=0.0)
    assert len(viewer.layers) == 2


# --- lazy and multiscale gradient layers --------------------------------------------------


def ramp_pyramid(levels=3):
    """A 64 x 80 ramp (3 per row, 5 per column) and its 2x-downsampled levels."""
    y, x = np.mgrid[0:64, 0:80].astype(np.float32)
    base = 3.0 * y + 5.0 * x
    return [base[:: 2**level, :: 2**level] for level in range(levels)]


def test_dask_source_gives_lazy_layers_with_the_eager_values(viewer, ramp_stack, rng):
    import dask.array as da

    data = ramp_stack + rng.normal(size=ramp_stack.shape).astype(np.float32)
    lazy_source = viewer.add_image(da.from_array(data, chunks=(2, 7, 9)), name="lazy")
    eager_source = viewer.add_image(data, name="eager", scale=(1, 1, 1))
    options = {"method": "gaussian", "sigma": 1.5, "outputs": ("gx", "gy", "magnitude")}
    lazy = add_gradient_layers(viewer, lazy_source, **options)
    eager = add_gradient_layers(viewer, eager_source, **options)
    for got, want in zip(lazy, eager, strict=True):
        assert isinstance(got.data, da.Array)
        assert isinstance(want.data, np.ndarray)
        np.testing.assert_array_equal(np.asarray(got.data), want.data)
        # One plane per chunk along the sliced axis: showing a plane computes that plane.
        assert got.data.chunks[0] == (1, 1, 1)
    # Thin chunks within the plane are merged (up to ~4 Mpixels) to keep the graph small.
    assert lazy[0].data.chunks[1:] == ((30,), (40,))


def test_lazy_is_a_choice_and_follows_a_size_threshold(viewer, ramp_2d, monkeypatch):
    import dask.array as da

    from napari_derivatives._napari import layer_outputs as _layers

    image = viewer.add_image(ramp_2d, name="ramp", scale=(0.5, 2.0))
    (gx,) = add_gradient_layers(viewer, image, outputs=("gx",), lazy=True)
    assert isinstance(gx.data, da.Array)
    np.testing.assert_allclose(interior(np.asarray(gx.data)), 2.5, rtol=1e-5)
    (gx,) = add_gradient_layers(viewer, image, outputs=("gx",))
    assert isinstance(gx.data, np.ndarray)
    monkeypatch.setattr(_layers, "LAZY_THRESHOLD", ramp_2d.size - 1)
    (gx,) = add_gradient_layers(viewer, image, outputs=("gx",))
    assert isinstance(gx.data, da.Array)
    (gx,) = add_gradient_layers(viewer, image, outputs=("gx",), lazy=False)
    assert isinstance(gx.data, np.ndarray)


def test_lazy_rgb_is_differentiated_as_luminance(viewer):
    x = np.tile(np.arange(32, dtype=np.float32), (24, 1))
    rgb = np.zeros((24, 32, 3), dtype=np.float32)
    rgb[..., 1] = 10.0 * x
    image = viewer.add_image(rgb, name="rgb", rgb=True)
    (gx,) = add_gradient_layers(viewer, image, outputs=("gx",), lazy=True)
    assert gx.data.shape == (24, 32)
    np.testing.assert_allclose(interior(np.asarray(gx.data)), 7.154, rtol=1e-4)


@pytest.mark.parametrize("method", ["central", "sobel", "farid", "gaussian", "spline"])
@pytest.mark.parametrize("lazy", [True, False])
def test_multiscale_levels_agree_in_physical_units(viewer, method, lazy):
    image = viewer.add_image(ramp_pyramid(), name="pyramid", multiscale=True, scale=(0.5, 2.0))
    np.testing.assert_allclose(image.downsample_factors[2], (4.0, 4.0))
    gx, gy, magnitude = add_gradient_layers(viewer, image, method=method, sigma=0.5, lazy=lazy)
    for layer in (gx, gy, magnitude):
        assert layer.multiscale
        assert len(layer.data) == 3
        np.testing.assert_allclose(layer.scale, image.scale)
    for level in range(3):
        # Level k has 2**k times the slope per pixel and 2**k times the pixel size.
        margin = 5 if method == "gaussian" else 2  # sigma: 1 px along y at level 0
        np.testing.assert_allclose(interior(np.asarray(gy.data[level]), margin), 6.0, rtol=1e-4)
        np.testing.assert_allclose(interior(np.asarray(gx.data[level]), margin), 2.5, rtol=1e-4)
        np.testing.assert_allclose(
            interior(np.asarray(magnitude.data[level]), margin), np.hypot(6.0, 2.5), rtol=1e-4
        )
    assert magnitude.contrast_limits[1] == pytest.approx(np.hypot(6.0, 2.5), rel=1e-4)


def test_multiscale_level_equals_the_plain_gradient_of_that_level(viewer):
    import napari_derivatives as nd

    pyramid = ramp_pyramid()
    pyramid = [level + np.sin(level) for level in pyramid]
    image = viewer.add_image(pyramid, name="pyramid", multiscale=True, scale=(0.5, 2.0))
    (gx,) = add_gradient_layers(viewer, image, method="sobel", outputs=("gx",), lazy=True)
    for level, data in enumerate(pyramid):
        expected = nd.gradient(data, method="sobel", spacing=(0.5 * 2**level, 2.0 * 2**level))[1]
        np.testing.assert_array_equal(np.asarray(gx.data[level]), expected)


def test_multiscale_levels_too_small_to_differentiate_are_left_out(viewer):
    pyramid = [np.ones((8, 8)), np.ones((4, 4)), np.ones((2, 2)), np.ones((1, 1))]
    image = viewer.add_image(pyramid, name="tiny", multiscale=True)
    (gx,) = add_gradient_layers(viewer, image, outputs=("gx",))
    assert len(gx.data) == 3


def test_switching_between_multiscale_and_plain_replaces_the_layer(viewer, ramp_2d):
    plain = viewer.add_image(ramp_pyramid()[0], name="ramp")
    first = add_gradient_layers(viewer, plain, outputs=("gx", "magnitude"))
    order = [layer.name for layer in viewer.layers]
    # The same name now belongs to a multiscale source: the outputs must follow.
    viewer.layers.remove(plain)
    pyramid = viewer.add_image(ramp_pyramid(), name="ramp", multiscale=True)
    viewer.layers.move(viewer.layers.index(pyramid), 0)
    second = add_gradient_layers(viewer, pyramid, outputs=("gx", "magnitude"))
    assert all(layer.multiscale for layer in second)
    assert all(a is not b for a, b in zip(first, second, strict=True))
    assert [layer.name for layer in viewer.layers] == order
    # Multiscale again, other settings: now updated in place.
    third = add_gradient_layers(viewer, pyramid, outputs=("gx", "magnitude"), method="sobel")
    assert all(a is b for a, b in zip(second, third, strict=True))
    assert third[0].metadata["napari_derivatives"]["method"] == "sobel"
    # And back to a plain source: replaced by a plain layer.
    viewer.layers.remove(pyramid)
    plain = viewer.add_image(ramp_2d, name="ramp")
    fourth = add_gradient_layers(viewer, plain, outputs=("gx",))
    assert not fourth[0].multiscale
    np.testing.assert_allclose(interior(fourth[0].data), 5.0, rtol=1e-5)


def test_running_again_follows_new_axis_labels(viewer, ramp_2d):
    image = viewer.add_image(ramp_2d, name="ramp", axis_labels=("y", "x"))
    (gx,) = add_gradient_layers(viewer, image, outputs=("gx",))
    assert tuple(gx.axis_labels) == ("y", "x")
    image.axis_labels = ("row", "column")
    (again,) = add_gradient_layers(viewer, image, outputs=("gx",))
    assert again is gx
    assert tuple(gx.axis_labels) == ("row", "column")
