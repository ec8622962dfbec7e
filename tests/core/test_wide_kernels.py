"""A large sigma: kernels longer than the image, computed exactly within the memory budget."""

from __future__ import annotations

import tracemalloc

import dask.array as da
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from napari_derivatives import BOUNDARY_MODES, METHODS, gradient, gradient_outputs
from napari_derivatives._core import engine
from napari_derivatives._core.boundary import extend_ends, fold
from napari_derivatives._core.kernels import gaussian_radius, max_sigma, passes

MEBIBYTE = 2**20


def reference(image, spacing, sigma, mode, correlate1d):
    """The Gaussian's passes, unfolded, over the image extended by ``mode`` (float64)."""
    axes = tuple(range(image.ndim))
    results = []
    for axis in axes:
        current = np.asarray(image, dtype=np.float64)
        for other, weights in passes(axis, axes, spacing, "gaussian", sigma):
            current = correlate1d(current, weights, other, mode=mode)
        results.append(current)
    return results


# --- the limit --------------------------------------------------------------------------------


def test_max_sigma_by_hand():
    # The longest axis has 4096 samples: kernels of at most 40960 taps, a radius of at most
    # 20479 pixels, so 4 sigma_px + 0.5 < 20480: sigma_px < 5119.875.
    limit = max_sigma((64, 4096))
    assert limit < 5119.875
    assert limit == pytest.approx(5119.875, rel=1e-15)
    assert gaussian_radius(limit) == 20479
    assert gaussian_radius(np.nextafter(limit, np.inf)) == 20480
    # The finest spacing sets the limit, in physical units.
    assert max_sigma((64, 4096), (0.5, 100.0)) == pytest.approx(2559.9375, rel=1e-15)
    assert max_sigma((64, 4096), 2.0) == pytest.approx(10239.75, rel=1e-15)
    # Only the differentiated axes count: planes of 64 x 64 in a stack of 1000.
    assert max_sigma((1000, 64, 64), None, (1, 2)) == pytest.approx(79.875, rel=1e-15)
    assert max_sigma((1000, 64, 64), None, -1) == pytest.approx(79.875, rel=1e-15)
    assert gaussian_radius(0.01) == 1
    assert gaussian_radius(1.5) == 6


def test_a_larger_sigma_is_refused_by_name_with_the_limit():
    image = np.zeros((64, 4096), dtype=np.float32)
    with pytest.raises(ValueError, match=r"`sigma` must be at most 5119\.87 .* got 5120\.0"):
        gradient(image, method="gaussian", sigma=5120.0)
    # In physical units: the limit scales with the finest spacing.
    with pytest.raises(ValueError, match=r"`sigma` must be at most 2559\.93"):
        gradient(image, method="gaussian", sigma=2560.0, spacing=(0.5, 100.0))
    for sigma in (1e11, 1e300, np.inf):
        with pytest.raises(ValueError, match="sigma"):
            gradient(image, method="gaussian", sigma=sigma)
    with pytest.raises(ValueError, match="sigma"):
        gradient(image, method="gaussian", spacing=1e-300)


def test_the_refusal_allocates_nothing():
    # It was a MemoryError for terabytes, after the weights had been sampled.
    image = np.zeros((64, 4096), dtype=np.float32)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="sigma"):
            gradient(image, method="gaussian", sigma=40000.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEBIBYTE


def test_the_largest_sigma_is_computed():
    image = np.random.default_rng(0).normal(size=(6, 40))
    limit = max_sigma(image.shape)
    for got in gradient(image, method="gaussian", sigma=limit):
        assert np.all(np.isfinite(got))


@pytest.mark.parametrize("method", [m for m in METHODS if m != "gaussian"])
def test_sigma_is_ignored_by_the_other_methods(method):
    image = np.random.default_rng(1).normal(size=(9, 11))
    expected = gradient(image, method=method)
    for sigma in (0.0, -1.0, np.nan, "1", None, 1e300):
        for got, want in zip(gradient(image, method=method, sigma=sigma), expected, strict=True):
            assert_array_equal(got, want)


# --- folding ---------------------------------------------------------------------------------


def test_fold_by_hand():
    # Five ones on two samples [a, b] wrapped: a b [a] b a reads a three times, b twice;
    # folded onto one sample either side, the weights are 1, 3, 1 (b, a, b).
    weights, trend = fold(np.ones(5), 2, "wrap")
    assert_array_equal(weights, [1.0, 3.0, 1.0])
    assert trend == 0.0
    # Beyond the axis 'nearest' repeats the border sample: the tails add onto +-size.
    weights, _ = fold(np.arange(1.0, 8.0), 2, "nearest")
    assert_array_equal(weights, [1.0 + 2.0, 3.0, 4.0, 5.0, 6.0 + 7.0])
    # Kernels that fit are returned as they are.
    kernel = np.array([-0.5, 0.0, 0.5])
    assert fold(kernel, 2, "extrapolate")[0] is kernel


@pytest.mark.parametrize("mode", BOUNDARY_MODES)
def test_a_folded_kernel_equals_the_long_one(mode, correlate1d):
    from napari_derivatives._core.correlation import add_trend, correlate_valid

    rng = np.random.default_rng(2)
    for size in (2, 3, 5):
        line = rng.normal(size=size)
        for radius in (size, 2 * size + 1, 7 * size):
            half = rng.normal(size=radius)
            for weights in (
                np.concatenate([half[::-1], [rng.normal()], half]),
                np.concatenate([-half[::-1], [0.0], half]),
            ):
                folded, trend = fold(weights, size, mode)
                reach = folded.size // 2
                assert reach <= size
                padded = np.zeros(size + 2 * reach)
                padded[reach : reach + size] = line
                extend_ends(padded, 0, reach, mode)
                got = np.empty(size)
                correlate_valid(padded, folded, 0, got, np.empty(size))
                if trend:
                    add_trend(padded, 0, (reach, reach + size - 1), trend, got)
                want = correlate1d(line, weights, 0, mode=mode)
                # The paired taps multiply by float32 weights: a few float32 ulps.
                assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=f"{size=} {radius=}")


# --- wide Gaussians: correct, eager and lazy ---------------------------------------------------

WIDE = [
    # shape, spacing, sigma: kernels longer than some axis, up to the limit
    ((2, 17, 19), (0.5, 1.0, 1.0), 3.0),
    ((3, 9, 30), (1.0, 1.0, 2.0), 7.0),
    ((5, 40), (1.0, 2.0), 20.0),
    ((12,), (1.0,), 14.0),
]


@pytest.mark.parametrize("mode", BOUNDARY_MODES)
def test_wide_gaussians_equal_the_long_kernels_eager_and_lazy(mode, correlate1d):
    rng = np.random.default_rng(3)
    for shape, spacing, sigma in WIDE:
        assert sigma <= max_sigma(shape, spacing)
        image = rng.normal(100.0, 10.0, size=shape)
        options = {"method": "gaussian", "sigma": sigma, "spacing": spacing, "mode": mode}
        eager = gradient(image, **options)
        expected = reference(image, spacing, sigma, mode, correlate1d)
        for got, want in zip(eager, expected, strict=True):
            # float32 passes: errors of float32 rounding of the intensities.
            assert_allclose(got, want, rtol=1e-5, atol=1e-8 * np.abs(image).max())
        lazy = gradient(da.from_array(image, chunks=(1,) * (len(shape) - 1) + (4,)), **options)
        for got, want in zip(lazy, eager, strict=True):
            assert_array_equal(got.compute(), want)


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_wide_gaussians_are_exact_on_ramps(lazy):
    # 'extrapolate' continues the ramp however far the kernel reaches.
    for shape, spacing, _ in WIDE:
        grids = np.indices(shape, dtype=np.float64)
        slopes = (3.0, -2.0, 0.5)[: len(shape)]
        image = 7.0 + sum(s * h * g for s, h, g in zip(slopes, spacing, grids, strict=True))
        source = da.from_array(image, chunks=2) if lazy else image
        sigma = max_sigma(shape, spacing)
        for got, slope in zip(
            gradient(source, method="gaussian", sigma=sigma, spacing=spacing), slopes, strict=True
        ):
            assert_allclose(np.asarray(got), slope, rtol=1e-4)


@pytest.mark.parametrize("mode", ["extrapolate", "reflect", "wrap", "constant"])
def test_the_first_axis_apart_changes_no_value(mode, monkeypatch):
    # Wide halos along the first axis: the first pass runs over the whole image first.
    rng = np.random.default_rng(4)
    outputs = ("gx", "gy", "magnitude", "direction")
    for image in (
        rng.normal(size=(7, 30)).astype(np.float32),
        (rng.random((5, 6, 9)) * 255).astype(np.uint8),
        rng.normal(size=(9, 8)) + 1e6,
    ):
        names = outputs if image.ndim == 2 else ("gz", *outputs)
        options = {"method": "gaussian", "sigma": 2.5, "mode": mode}
        blocks = gradient_outputs(image, names, **options)
        magnitude = gradient_outputs(image, ("magnitude",), **options)
        direction = gradient_outputs(image, ("direction",), **options)
        monkeypatch.setattr(engine, "HALO_BYTES", 0)
        monkeypatch.setattr(engine, "HALO_SHARE", 0.0)
        assert_array_equal_dicts(gradient_outputs(image, names, **options), blocks)
        assert_array_equal_dicts(gradient_outputs(image, ("magnitude",), **options), magnitude)
        assert_array_equal_dicts(gradient_outputs(image, ("direction",), **options), direction)
        monkeypatch.undo()


def assert_array_equal_dicts(got, want):
    assert list(got) == list(want)
    for name in want:
        assert_array_equal(got[name], want[name], err_msg=name)


# --- memory ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(64, 4096), (64, 16384)])
def test_a_wide_kernel_stays_within_the_memory_budget(shape):
    # sigma 5000 px along the 64 rows (a kernel of 40001 taps) and 5 px along the rows
    # of pixels 1000 times wider: the outputs plus one float32 image, and some blocks.
    image = np.random.default_rng(5).normal(size=shape).astype(np.float32)
    tracemalloc.start()
    try:
        d_row, d_col = gradient(image, method="gaussian", sigma=5000.0, spacing=(1.0, 1000.0))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    budget = 3 * image.nbytes + 8 * MEBIBYTE
    assert peak < budget, f"{peak / MEBIBYTE:.1f} MiB"
    assert np.all(np.isfinite(d_row)) and np.all(np.isfinite(d_col))
