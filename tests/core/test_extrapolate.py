"""The border mode 'extrapolate' (the default): every method exact on ramps up to the border."""

from __future__ import annotations

import inspect

import dask.array as da
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import napari_derivatives as nd
from napari_derivatives import (
    BOUNDARY_MODES,
    DEFAULT_MODE,
    METHODS,
    SAMPLING_MODES,
    gradient,
    gradient_direction,
    gradient_magnitude,
    gradient_outputs,
    line_profile,
)
from napari_derivatives._core.boundary import extend
from napari_derivatives._core.kernels import max_sigma

RTOL = 1e-4


def ramp(shape, slopes, spacing, offset=7.0):
    """Return offset + sum_i slopes[i] * x_i, x_i in physical units, as float64."""
    grids = np.indices(shape, dtype=np.float64)
    return offset + sum(s * h * g for s, h, g in zip(slopes, spacing, grids, strict=True))


def extended(line, pad):
    """The line and ``pad`` samples of 'extrapolate' on either side, by the engine's rule."""
    line = np.asarray(line, dtype=np.float64)
    left, right = np.empty(pad), np.empty(pad)
    extend(line, 0, np.arange(-pad, 0), "extrapolate", left)
    extend(line, 0, np.arange(line.size, line.size + pad), "extrapolate", right)
    return np.concatenate([left, line, right])


# --- the vocabulary and the default --------------------------------------------------------


def test_the_gradient_modes_are_scipys_plus_extrapolate_the_default():
    assert SAMPLING_MODES == (
        "reflect",
        "constant",
        "nearest",
        "mirror",
        "wrap",
        "grid-constant",
        "grid-mirror",
        "grid-wrap",
    )
    assert tuple(BOUNDARY_MODES) == (*SAMPLING_MODES, "extrapolate")
    assert DEFAULT_MODE == "extrapolate"
    assert {"DEFAULT_MODE", "SAMPLING_MODES", "BOUNDARY_MODES"} <= set(nd.__all__)
    for function in (gradient, gradient_magnitude, gradient_direction, gradient_outputs):
        assert inspect.signature(function).parameters["mode"].default == DEFAULT_MODE


def test_line_profiles_keep_scipys_sampling_modes():
    image = np.arange(20.0).reshape(4, 5)
    with pytest.raises(ValueError, match="mode") as error:
        line_profile(image, [(1, 0), (1, 4)], mode="extrapolate")
    assert str(SAMPLING_MODES) in str(error.value)


# --- the extension ----------------------------------------------------------------------


def test_odd_reflection_by_hand():
    # I[-k] = 2 I[0] - I[k] and I[3 + k] = 2 I[3] - I[3 - k].
    assert_array_equal(extended([1, 4, 2, 7], 3), [-5, 0, -2, 1, 4, 2, 7, 12, 10, 13])
    # Farther than the line is long, the reflections repeat (period 6, up 12 per period).
    assert_array_equal(extended([1, 4, 2, 7], 6)[:3], [-11, -8, -10])
    # One sample is continued as a constant; two as their line.
    assert_array_equal(extended([5], 2), [5, 5, 5, 5, 5])
    assert_array_equal(extended([3, 5], 4), [-5, -3, -1, 1, 3, 5, 7, 9, 11, 13])


@pytest.mark.parametrize("size", range(1, 8))
def test_extension_equals_numpys_odd_reflection_at_any_distance(size):
    rng = np.random.default_rng(size)
    line = rng.normal(size=size).astype(np.float32)
    for pad in range(25):
        padded = np.pad(line, pad, mode="reflect", reflect_type="odd")
        left = np.empty(pad, dtype=np.float32)
        right = np.empty(pad, dtype=np.float32)
        extend(line, 0, np.arange(-pad, 0), "extrapolate", left)
        extend(line, 0, np.arange(size, size + pad), "extrapolate", right)
        got = np.concatenate([left, line, right])
        # Within one reflection rounded as numpy rounds; beyond it numpy reflects its own
        # reflections again (rounding each time), we add whole periods: a few ulps apart.
        near = min(pad, max(size - 1, 1))
        inside = slice(pad - near, pad + size + near)
        assert_array_equal(got[inside], padded[inside], err_msg=f"{pad=}")
        assert_allclose(got, padded, rtol=1e-6, atol=1e-5, err_msg=f"{pad=}")


def test_integers_are_extended_in_floating_point():
    # 2 * 10 - 250 would wrap around in uint8.
    out = np.empty(2, dtype=np.float32)
    extend(np.array([10, 250, 40], dtype=np.uint8), 0, np.arange(-2, 0), "extrapolate", out)
    assert_array_equal(out, [-20.0, -230.0])


# --- exact on ramps up to the border ------------------------------------------------------


def test_border_slopes_by_hand():
    # A ramp rising 2 per column. 'nearest' repeats the border pixel: the 3x3 operators
    # see half the slope there, the Gaussian a fraction over its whole radius.
    image = np.tile(2.0 * np.arange(6.0), (5, 1))
    for method in ("sobel", "scharr", "prewitt", "farid", "gaussian"):
        _, nearest = gradient(image, method=method, mode="nearest")
        assert nearest[2, 0] < 1.5, method
        _, d_col = gradient(image, method=method)
        assert_allclose(d_col, 2.0, rtol=1e-6, err_msg=method)
    _, sobel = gradient(image, method="sobel", mode="nearest")
    assert_array_equal(sobel[2], [1.0, 2.0, 2.0, 2.0, 2.0, 1.0])


SHAPES_2D = [(48, 52), (7, 9), (2, 3)]


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
@pytest.mark.parametrize("method", METHODS)
def test_ramp_2d_is_exact_on_every_pixel(method, lazy):
    a, b = 3.0, -2.0
    spacing = (0.5, 2.0)
    for shape in SHAPES_2D:
        image = ramp(shape, (a, b), spacing)
        source = da.from_array(image, chunks=(20, 17)) if lazy else image
        # sigma 0.5 to 3 units: 1 to 6 px along rows, radius 4 to 24 px, so wider than
        # the small images (up to the widest kernel they take).
        for sigma in (0.5, 1.5, min(3.0, max_sigma(shape, spacing))):
            d_row, d_col = (
                np.asarray(g)
                for g in gradient(source, method=method, spacing=spacing, sigma=sigma)
            )
            assert_allclose(d_row, a, rtol=RTOL, err_msg=f"{shape=} {sigma=}")
            assert_allclose(d_col, b, rtol=RTOL, err_msg=f"{shape=} {sigma=}")
            magnitude = gradient_magnitude(source, method=method, spacing=spacing, sigma=sigma)
            assert_allclose(np.asarray(magnitude), np.hypot(a, b), rtol=RTOL)
            if method != "gaussian":
                break


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
@pytest.mark.parametrize("method", METHODS)
def test_ramp_3d_is_exact_on_every_pixel(method, lazy):
    slopes = (1.5, -4.0, 2.5)
    spacing = (2.0, 0.5, 1.0)
    for shape in ((12, 14, 13), (3, 10, 11), (2, 5, 4)):
        volume = ramp(shape, slopes, spacing)
        source = da.from_array(volume, chunks=(1, 6, 7)) if lazy else volume
        results = gradient(source, method=method, spacing=spacing, sigma=2.0)
        for got, slope in zip(results, slopes, strict=True):
            assert_allclose(np.asarray(got), slope, rtol=RTOL, err_msg=f"{shape=}")
        direction = gradient_direction(source, method=method, spacing=spacing, sigma=2.0)
        assert_allclose(np.asarray(direction), np.arctan2(slopes[1], slopes[2]), rtol=RTOL)


@pytest.mark.parametrize("method", METHODS)
def test_lazy_extrapolation_equals_the_eager_one_bit_for_bit(method):
    rng = np.random.default_rng(12)
    volume = rng.normal(100.0, 20.0, size=(3, 21, 26)).astype(np.float32)
    outputs = ("gz", "gy", "gx", "magnitude", "direction")
    options = {"method": method, "spacing": (1.0, 0.5, 1.5), "sigma": 1.3}
    eager = gradient_outputs(volume, outputs, **options)
    for chunks in ((1, 5, 7), (3, 11, 26), (2, 21, 4)):
        lazy = gradient_outputs(da.from_array(volume, chunks=chunks), outputs, **options)
        for name, array in lazy.items():
            assert_array_equal(array.compute(), eager[name], err_msg=f"{name} {chunks}")
