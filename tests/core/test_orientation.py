"""The structure tensor, orientation and coherence: ramps, gratings and noise."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import napari_derivatives as nd

SPACING = (0.6, 1.4)


def ramp(a, b, shape=(40, 44), spacing=SPACING):
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    return a * rows * spacing[0] + b * cols * spacing[1] + 7.0


@pytest.mark.parametrize(("a", "b"), [(3.0, 4.0), (-2.0, 0.5), (0.0, 1.0), (1.5, 0.0)])
def test_ramp_gives_the_exact_tensor_everywhere(a, b):
    image = ramp(a, b)
    j_yy, j_yx, j_xx = nd.structure_tensor(image, sigma=1.0, rho=2.0, spacing=SPACING)
    # 'extrapolate' continues the ramp and the window reflects a constant field: exact
    # up to the border.
    assert_allclose(j_yy, a * a, rtol=1e-5, atol=1e-5)
    assert_allclose(j_yx, a * b, rtol=1e-5, atol=1e-5)
    assert_allclose(j_xx, b * b, rtol=1e-5, atol=1e-5)
    eigen = nd.structure_tensor_eigenvalues(image, sigma=1.0, rho=2.0, spacing=SPACING)
    assert_allclose(eigen[0], a * a + b * b, rtol=1e-5)
    assert_allclose(eigen[1], 0.0, atol=1e-4 * (a * a + b * b))
    assert_allclose(nd.coherence(image, spacing=SPACING), 1.0, atol=1e-4)
    expected = np.arctan2(a, b)
    expected = expected - np.pi if expected > np.pi / 2 else expected
    expected = expected + np.pi if expected <= -np.pi / 2 else expected
    assert_allclose(nd.orientation(image, spacing=SPACING), expected, atol=1e-5)


def test_volume_ramp_tensor_and_eigenvalues():
    spacing = (2.0, 0.5, 1.0)
    z, y, x = (g * s for g, s in zip(np.mgrid[0:12, 0:14, 0:16], spacing, strict=True))
    image = 1.0 * z - 2.0 * y + 3.0 * x
    tensor = nd.structure_tensor(image, sigma=1.0, rho=1.5, spacing=spacing)
    gradient = np.array([1.0, -2.0, 3.0])
    expected = [gradient[i] * gradient[j] for i in range(3) for j in range(i, 3)]
    for component, value in zip(tensor, expected, strict=True):
        assert_allclose(component, value, rtol=1e-5, atol=1e-5)
    eigen = nd.structure_tensor_eigenvalues(image, sigma=1.0, rho=1.5, spacing=spacing)
    assert_allclose(eigen[0], 14.0, rtol=1e-5)
    assert_allclose(eigen[1:], 0.0, atol=1e-4)


def grating(angle, shape=(96, 96), wavelength=12.0, spacing=(1.0, 1.0)):
    """A sinusoid whose wave vector makes ``angle`` with +column, towards +row."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    phase = rows * spacing[0] * np.sin(angle) + cols * spacing[1] * np.cos(angle)
    return 100.0 + 50.0 * np.sin(2 * np.pi * phase / wavelength)


@pytest.mark.parametrize("degrees", [-89.0, -60.0, -30.0, -5.0, 0.0, 17.0, 45.0, 72.0, 90.0])
@pytest.mark.parametrize("spacing", [(1.0, 1.0), (0.5, 1.5)])
def test_grating_orientation_is_exact_to_half_a_degree(degrees, spacing):
    image = grating(np.deg2rad(degrees), spacing=spacing)
    options = {"sigma": 1.0, "rho": 4.0, "spacing": spacing}
    angle = np.rad2deg(nd.orientation(image, **options))
    core = (slice(30, -30), slice(30, -30))
    # Angles are modulo 180 degrees: 90 and -90 are one orientation, shown as +90.
    difference = (angle[core] - degrees + 90.0) % 180.0 - 90.0
    assert np.abs(difference).max() < 0.5
    assert (angle > -90.0).all() and (angle <= 90.0).all()
    assert nd.coherence(image, **options)[core].min() > 0.95


def test_orientation_has_the_sense_of_the_gradient_direction():
    # Wherever the gradient is strong, orientation is the gradient direction folded
    # onto (-pi/2, pi/2].
    image = grating(np.deg2rad(35.0))
    direction = nd.gradient_direction(image, method="gaussian", sigma=1.0)
    magnitude = nd.gradient_magnitude(image, method="gaussian", sigma=1.0)
    folded = (direction + np.pi / 2) % np.pi - np.pi / 2
    angle = nd.orientation(image, sigma=1.0, rho=4.0)
    strong = magnitude > 0.5 * magnitude.max()
    strong[:20] = strong[-20:] = False
    strong[:, :20] = strong[:, -20:] = False
    assert_allclose(angle[strong], folded[strong], atol=np.deg2rad(0.5))


def test_noise_has_low_coherence(rng):
    noise = rng.normal(size=(256, 256))
    values = nd.coherence(noise, sigma=1.0, rho=4.0)
    assert np.median(values) < 0.3
    assert values.min() >= 0.0 and values.max() <= 1.0


def test_flat_image_has_zero_coherence_and_orientation():
    flat = np.full((20, 20), 3.0)
    assert_array_equal(nd.coherence(flat), 0.0)
    assert_array_equal(nd.orientation(flat), 0.0)


def test_stack_planes_by_default_and_three_axes_refused(rng):
    stack = rng.normal(size=(3, 30, 30))
    per_plane = nd.orientation(stack)
    for index in range(3):
        assert_array_equal(per_plane[index], nd.orientation(stack[index]))
    assert_array_equal(nd.coherence(stack, axes=(-2, -1)), nd.coherence(stack))
    with pytest.raises(ValueError, match="`axes`"):
        nd.coherence(stack, axes=(0, 1, 2))
    with pytest.raises(ValueError, match="`axes`"):
        nd.orientation(np.zeros(10))


@pytest.mark.parametrize("mode", ["extrapolate", "nearest", "wrap", "mirror", "constant"])
def test_lazy_structure_outputs_equal_the_eager_ones(mode, rng):
    image = rng.integers(0, 1000, size=(2, 37, 41), dtype=np.uint16)
    source = da.from_array(image, chunks=(1, 9, 10))
    options = {"sigma": 1.2, "rho": 2.5, "spacing": (3.0, 0.9, 1.1), "mode": mode}
    for function in (nd.orientation, nd.coherence):
        lazy = function(source, **options)
        assert isinstance(lazy, da.Array) and lazy.chunks == source.chunks
        assert_array_equal(lazy.compute(), function(image, **options))
    lazy_tensor = nd.structure_tensor(source, axes=(1, 2), **options)
    for lazy_part, eager_part in zip(
        lazy_tensor, nd.structure_tensor(image, axes=(1, 2), **options), strict=True
    ):
        assert_array_equal(lazy_part.compute(), eager_part)
    eigen = nd.structure_tensor_eigenvalues(source, axes=(1, 2), **options)
    assert_array_equal(
        eigen.compute(), nd.structure_tensor_eigenvalues(image, axes=(1, 2), **options)
    )


def test_nan_spreads_only_over_the_derivative_and_window_reach(rng):
    image = rng.normal(size=(50, 50))
    spoiled = image.copy()
    spoiled[25, 25] = np.nan
    clean = nd.coherence(image, sigma=1.0, rho=1.0)
    dirty = nd.coherence(spoiled, sigma=1.0, rho=1.0)
    reach = 4 + 4  # gaussian radius of sigma plus that of rho, in pixels
    near = np.zeros(image.shape, dtype=bool)
    near[25 - reach : 26 + reach, 25 - reach : 26 + reach] = True
    assert np.isnan(dirty[25, 25])
    assert_array_equal(dirty[~near], clean[~near])


@pytest.mark.parametrize(
    "mode", ["extrapolate", "reflect", "mirror", "wrap", "grid-wrap", "constant"]
)
def test_blocks_of_rows_give_the_values_of_the_whole_image(mode, rng, monkeypatch):
    from napari_derivatives._core import second_engine

    image = rng.normal(size=(320, 37)).astype(np.float32)
    stack = rng.normal(size=(9, 20, 22)).astype(np.float32)
    options = {"sigma": 1.0, "rho": 1.5, "mode": mode, "spacing": (0.8, 1.1)}
    names = ("structure_eigenvalue_1", "structure_eigenvalue_2", "orientation", "coherence")
    monkeypatch.setattr(second_engine, "STRUCTURE_BLOCK_PIXELS", 1 << 40)
    whole = nd.second_order_outputs(image, names, **options)
    whole_tensor = nd.structure_tensor(image, **options)
    whole_stack = nd.coherence(stack, sigma=1.0, rho=1.5, mode=mode)
    # Halo rows: radius 5 (sigma 1.25 px) + 8 (rho 1.875 px) = 13; blocks of 8 * 13 = 104
    # rows: four blocks, the last one short.
    monkeypatch.setattr(second_engine, "STRUCTURE_BLOCK_PIXELS", 1)
    blocked = nd.second_order_outputs(image, names, **options)
    for name in names:
        assert_array_equal(blocked[name], whole[name], err_msg=name)
    for blocked_part, whole_part in zip(
        nd.structure_tensor(image, **options), whole_tensor, strict=True
    ):
        assert_array_equal(blocked_part, whole_part)
    # A stack's planes: blocks of planes without a halo.
    assert_array_equal(nd.coherence(stack, sigma=1.0, rho=1.5, mode=mode), whole_stack)
