"""Hessian and orientation layers, on a headless ViewerModel.

The quadratic ``I = a Y^2 + b X Y + c X^2`` in physical coordinates (Y = 0.5 row,
X = 2 col: scale (0.5, 2)) has Hyy = 2a, Hyx = b, Hxx = 2c per unit^2 everywhere;
a sinusoidal grating whose wave vector makes the angle t with +x has orientation t
and coherence 1.
"""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
from matplotlib.colors import rgb_to_hsv
from napari.components import ViewerModel

import napari_derivatives as nd
from napari_derivatives import add_gradient_layers, add_hessian_layers, add_orientation_layers

KEY = "napari_derivatives"
A, B, C = 1.5, -0.75, 0.25
SCALE = (0.5, 2.0)
ANGLE = 0.6  # radians, the grating's wave vector from +x towards +y


@pytest.fixture
def viewer():
    return ViewerModel()


def quadratic(shape=(60, 48), scale=SCALE):
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    y, x = rows * scale[0], cols * scale[1]
    return A * y**2 + B * x * y + C * x**2 + 3 * x - y


def grating(shape=(96, 96), scale=(1.0, 1.0), period=8.0, angle=ANGLE):
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    y, x = rows * scale[0], cols * scale[1]
    return 100 + 50 * np.sin(2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / period)


def inner(data, margin):
    return np.asarray(data)[(Ellipsis, *[slice(margin, -margin)] * 2)]


# --- Hessian layers -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["gaussian", "central"])
def test_hessian_of_a_quadratic_is_2a_b_2c_per_physical_unit_squared(viewer, method):
    image = viewer.add_image(quadratic(), name="q", scale=SCALE)
    outputs = ("Hyy", "Hyx", "Hxx", "laplacian", "hessian_eigenvalue_1", "hessian_eigenvalue_2")
    layers = add_hessian_layers(viewer, image, method=method, sigma=1.0, outputs=outputs)
    assert [layer.name for layer in layers] == [
        "q Hyy",
        "q Hyx",
        "q Hxx",
        "q laplacian",
        "q hessian eigenvalue 1",
        "q hessian eigenvalue 2",
    ]
    low, high = np.linalg.eigvalsh([[2 * A, B], [B, 2 * C]])
    expected = (2 * A, B, 2 * C, 2 * A + 2 * C, high, low)
    for layer, value in zip(layers, expected, strict=True):
        assert layer.data.dtype == np.float32
        np.testing.assert_allclose(inner(layer.data, 12), value, rtol=1e-4, atol=1e-4)
        # Diverging, symmetric around zero, on the source's transforms.
        assert layer.colormap.name == "RdBu_r"
        assert layer.contrast_limits[0] == pytest.approx(-layer.contrast_limits[1])
        np.testing.assert_allclose(layer.scale, SCALE)
        assert layer.metadata[KEY]["kind"] == "hessian"


def test_a_hessian_run_updates_its_own_layers_only(viewer):
    image = viewer.add_image(quadratic(), name="q", scale=SCALE)
    mine = viewer.add_image(np.zeros((60, 48)), name="q laplacian")
    gx, magnitude = add_gradient_layers(viewer, image, outputs=("gx", "magnitude"))
    (laplacian,) = add_hessian_layers(viewer, image, outputs=("laplacian",))
    assert laplacian is not mine and laplacian.name == "q laplacian [1]"
    # Again with another sigma: the same layer, updated in place; nothing else touched.
    image.scale = (1.0, 1.0)
    (again,) = add_hessian_layers(viewer, image, outputs=("laplacian",), sigma=2.0)
    assert again is laplacian
    # In pixels now: Y = 0.5 row, X = 2 col, so d2/drow2 = 2a/4, d2/dcol2 = 2c*4.
    np.testing.assert_allclose(inner(again.data, 16), 2 * A / 4 + 2 * C * 4, rtol=1e-4)
    assert again.metadata[KEY]["sigma"] == 2.0
    assert [layer.name for layer in viewer.layers] == [
        "q",
        "q laplacian",
        "q gx",
        "q magnitude",
        "q laplacian [1]",
    ]
    assert viewer.layers["q gx"] is gx and viewer.layers["q magnitude"] is magnitude
    np.testing.assert_array_equal(mine.data, 0.0)
    assert KEY not in mine.metadata


def test_multiscale_in_gives_multiscale_out_in_the_same_units(viewer):
    data = quadratic((128, 96), scale=SCALE)
    image = viewer.add_image([data, data[::2, ::2]], name="q", scale=SCALE, multiscale=True)
    (hyy, hxx) = add_hessian_layers(viewer, image, outputs=("Hyy", "Hxx"), method="central")
    assert hyy.multiscale and len(hyy.data) == 2
    for level in range(2):
        np.testing.assert_allclose(inner(hyy.data[level], 4), 2 * A, rtol=1e-4)
        np.testing.assert_allclose(inner(hxx.data[level], 4), 2 * C, rtol=1e-4)


def test_lazy_stays_lazy_with_the_eager_values(viewer):
    data = quadratic()
    image = viewer.add_image(da.from_array(data, chunks=(20, 24)), name="q", scale=SCALE)
    (lazy,) = add_hessian_layers(viewer, image, outputs=("hessian_eigenvalue_1",))
    assert isinstance(lazy.data, da.Array)
    eager = nd.hessian_eigenvalues(data, sigma=1.0, spacing=SCALE)[0]
    np.testing.assert_allclose(np.asarray(lazy.data), eager, rtol=1e-6, atol=1e-6)


def test_volume_hessian_of_a_stack(viewer):
    z, y, x = np.mgrid[0:20, 0:24, 0:24].astype(np.float64)
    volume = 0.5 * z**2 + y * x
    image = viewer.add_image(volume, name="v", scale=(2.0, 1.0, 1.0))
    hzz, hyx = add_hessian_layers(
        viewer, image, outputs=("Hzz", "Hyx"), axes=(0, 1, 2), method="central"
    )
    # 0.5 z_px^2 = 0.5 (Z / 2)^2: d2/dZ2 = 0.25 per unit^2.
    np.testing.assert_allclose(np.asarray(hzz.data)[2:-2, 2:-2, 2:-2], 0.25, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(hyx.data)[2:-2, 2:-2, 2:-2], 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="`outputs`"):
        add_hessian_layers(viewer, image, outputs=("Hzz",))  # planes have no z


# --- orientation layers ---------------------------------------------------------------------


def test_orientation_of_a_grating_with_anisotropic_pixels(viewer):
    scale = (0.5, 1.0)
    image = viewer.add_image(grating((160, 96), scale=scale), name="g", scale=scale)
    orientation, coherence, survey = add_orientation_layers(viewer, image, sigma=1.0, rho=4.0)
    assert [layer.name for layer in (orientation, coherence, survey)] == [
        "g orientation",
        "g coherence",
        "g colour survey",
    ]
    np.testing.assert_allclose(inner(orientation.data, 30), ANGLE, atol=np.radians(0.5))
    assert inner(coherence.data, 30).min() > 0.95
    np.testing.assert_allclose(orientation.contrast_limits, (-np.pi / 2, np.pi / 2))
    np.testing.assert_allclose(coherence.contrast_limits, (0.0, 1.0))
    # The colour survey: one hue where it is bright enough to have one.
    assert survey.rgb and survey.data.dtype == np.uint8
    hsv = rgb_to_hsv(np.asarray(survey.data)[30:-30, 30:-30] / 255.0)
    bright = hsv[..., 2] > 0.3
    np.testing.assert_allclose(hsv[..., 0][bright], ANGLE / np.pi, atol=0.01)
    assert hsv[..., 1][bright].min() > 0.9
    # The orientation colormap shows that hue at that angle.
    position = (ANGLE + np.pi / 2) / np.pi
    colour = orientation.colormap.map(np.array([position]))[0, :3]
    np.testing.assert_allclose(rgb_to_hsv(colour)[0], ANGLE / np.pi, atol=0.01)


def test_a_flat_image_has_coherence_0_and_a_grey_survey(viewer):
    image = viewer.add_image(np.full((32, 32), 5.0), name="flat", contrast_limits=(0, 10))
    coherence, survey = add_orientation_layers(
        viewer, image, outputs=("coherence", "colour_survey")
    )
    np.testing.assert_array_equal(coherence.data, 0.0)
    assert np.all(survey.data == [128, 128, 128])


def test_orientation_and_hessian_runs_leave_each_other_alone(viewer):
    image = viewer.add_image(grating(), name="g")
    (orientation,) = add_orientation_layers(viewer, image, outputs=("orientation",))
    (laplacian,) = add_hessian_layers(viewer, image, outputs=("laplacian",))
    (again,) = add_orientation_layers(viewer, image, outputs=("orientation",), rho=3.0)
    assert again is orientation and again.metadata[KEY]["rho"] == 3.0
    assert viewer.layers["g laplacian"] is laplacian
    kept = add_orientation_layers(viewer, image, outputs=("coherence",), rho=5.0, replace=False)
    assert kept[0].name == "g coherence (gaussian 1, rho 5)"


def test_structure_eigenvalues_of_a_ramp(viewer):
    rows, cols = np.mgrid[0:40, 0:40].astype(np.float64)
    image = viewer.add_image(3 * rows + 4 * cols, name="ramp", scale=(0.5, 2.0))
    first, second = add_orientation_layers(
        viewer, image, outputs=("structure_eigenvalue_1", "structure_eigenvalue_2")
    )
    # gy = 6, gx = 2 per unit: [[36, 12], [12, 4]], eigenvalues 40 and 0.
    np.testing.assert_allclose(inner(first.data, 12), 40.0, rtol=1e-4)
    np.testing.assert_allclose(inner(second.data, 12), 0.0, atol=1e-3)
    assert first.colormap.name == "magma" and first.contrast_limits[0] == 0.0


def test_orientation_of_a_lazy_multiscale_layer(viewer):
    # A period of 16 and sigma 2: the coarse level (2 units a pixel) still resolves both.
    data = grating((128, 128), period=16.0)
    levels = [da.from_array(data, chunks=64), da.from_array(data[::2, ::2], chunks=32)]
    image = viewer.add_image(levels, name="g", multiscale=True)
    (orientation, survey) = add_orientation_layers(
        viewer, image, outputs=("orientation", "colour_survey"), sigma=2.0, rho=8.0
    )
    assert orientation.multiscale and isinstance(orientation.data[0], da.Array)
    assert survey.multiscale and survey.rgb and survey.data[1].shape == (64, 64, 3)
    np.testing.assert_allclose(inner(orientation.data[0], 30), ANGLE, atol=np.radians(0.5))
    np.testing.assert_allclose(inner(orientation.data[1], 15), ANGLE, atol=np.radians(0.5))


def test_bad_settings_name_the_parameter(viewer):
    image = viewer.add_image(grating(), name="g")
    with pytest.raises(ValueError, match="`rho`"):
        add_orientation_layers(viewer, image, rho=0.0)
    with pytest.raises(ValueError, match="`method`"):
        add_hessian_layers(viewer, image, method="sobel")
    with pytest.raises(ValueError, match="`outputs`"):
        add_hessian_layers(viewer, image, outputs=("gradient",))
    assert [layer.name for layer in viewer.layers] == ["g"]


# --- the direction colour of gradient layers -------------------------------------------------


def test_direction_colour_is_the_direction_hue_and_dark_where_flat(viewer):
    # A ramp 3 row + 5 col clipped at 0 (the intensity of the pixels past the line
    # 3 row + 5 col = 150): flat in the top-left corner, a plain ramp beyond.
    rows, cols = np.mgrid[0:40, 0:60].astype(np.float64)
    data = np.maximum(3 * rows + 5 * cols - 150, 0.0)
    image = viewer.add_image(data, name="half", scale=(0.5, 2.0))
    direction, colour = add_gradient_layers(
        viewer, image, outputs=("direction", "direction_colour"), method="sobel"
    )
    assert colour.name == "half direction colour" and colour.rgb
    ramp = (3 * rows + 5 * cols > 170)[1:-1, 1:-1]
    flat = (3 * rows + 5 * cols < 140)[1:-1, 1:-1]
    hsv = rgb_to_hsv(colour.data[1:-1, 1:-1] / 255.0)
    # gy = 6, gx = 2.5 per unit: the direction atan2(6, 2.5), its hue a turn's fraction,
    # at full brightness (most pixels are on the ramp: it is the 99th percentile).
    angle = np.arctan2(6.0, 2.5)
    np.testing.assert_allclose(np.asarray(direction.data)[1:-1, 1:-1][ramp], angle, rtol=1e-5)
    np.testing.assert_allclose(hsv[..., 0][ramp], angle / (2 * np.pi), atol=0.003)
    np.testing.assert_allclose(hsv[..., 2][ramp], 1.0)
    assert not colour.data[1:-1, 1:-1][flat].any()  # flat: black, whatever the direction


def test_direction_colour_of_a_pyramid_is_scaled_once(viewer):
    rows, cols = np.mgrid[0:64, 0:64].astype(np.float64)
    data = rows * cols / 8.0  # a magnitude growing away from the origin
    image = viewer.add_image([data, data[::2, ::2]], name="p", multiscale=True)
    (colour,) = add_gradient_layers(viewer, image, outputs=("direction_colour",))
    fine, coarse = (np.asarray(level, dtype=float) for level in colour.data)
    # One brightness scale for both levels: the same place has the same colour.
    np.testing.assert_allclose(coarse[4:-4, 4:-4], fine[8:-8:2, 8:-8:2], atol=3)
