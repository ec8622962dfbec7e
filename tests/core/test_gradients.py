"""Tests of the pure gradient engine: values checkable by hand, not shapes."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import ndimage as ndi

from napari_derivatives import (
    BOUNDARY_MODES,
    METHODS,
    SAMPLING_MODES,
    gradient,
    gradient_direction,
    gradient_magnitude,
    gradient_outputs,
    rgb_to_luminance,
)
from napari_derivatives._core.boundary import source_positions
from napari_derivatives._core.kernels import (
    DIFFERENCE_WEIGHTS,
    FARID_DERIVATIVE,
    FARID_SMOOTH,
    PREWITT_SMOOTH,
    SCHARR_SMOOTH,
    SOBEL_SMOOTH,
    passes,
)
from napari_derivatives._core.spline import halo

RTOL = 1e-4
# Wide enough for the largest kernel used below: a Gaussian of sigma 1 on spacing 0.25
# reaches 16 pixels.
MARGIN = 17

SPACINGS = [None, 0.5, (0.5, 2.0), (3.0, 0.25)]


def ramp(shape, slopes, spacing=None, offset=7.0, dtype=np.float32):
    """Return offset + sum_i slopes[i] * x_i with x_i in physical units."""
    if spacing is None:
        spacing = 1.0
    spacing = np.broadcast_to(spacing, (len(shape),))
    grids = np.indices(shape, dtype=np.float64)
    image = offset + sum(s * h * g for s, h, g in zip(slopes, spacing, grids, strict=True))
    return image.astype(dtype)


def interior(ndim, margin=MARGIN):
    return (slice(margin, -margin),) * ndim


# --- the kernels -------------------------------------------------------------


def first_moment(weights):
    return float(np.dot(weights, np.arange(weights.size) - weights.size // 2))


def test_kernel_constants_are_gain_free():
    assert_array_equal(DIFFERENCE_WEIGHTS, [-0.5, 0.0, 0.5])
    assert_array_equal(SOBEL_SMOOTH, [0.25, 0.5, 0.25])
    assert_allclose(SCHARR_SMOOTH, [3 / 16, 10 / 16, 3 / 16], rtol=1e-15)
    assert_allclose(PREWITT_SMOOTH, [1 / 3] * 3, rtol=1e-15)
    for smooth in (SOBEL_SMOOTH, SCHARR_SMOOTH, PREWITT_SMOOTH, FARID_SMOOTH):
        assert smooth.sum() == pytest.approx(1.0, abs=1e-15)
    for derivative in (DIFFERENCE_WEIGHTS, FARID_DERIVATIVE):
        assert first_moment(derivative) == pytest.approx(1.0, abs=1e-15)
    # The published Farid derivative has a first moment of 0.99180 (a 0.8 % gain).
    assert FARID_DERIVATIVE[-1] == pytest.approx(0.109603762960254 / 0.99179702875213)


def test_methods_tuple():
    assert METHODS == ("central", "sobel", "scharr", "prewitt", "farid", "gaussian", "spline")


# --- the units contract: ramps -------------------------------------------------


@pytest.mark.parametrize("spacing", SPACINGS)
@pytest.mark.parametrize("method", METHODS)
def test_ramp_2d_gives_slopes(method, spacing):
    a, b = 3.0, -2.0  # intensity per unit of spacing along rows and columns
    image = ramp((48, 52), (a, b), spacing)
    d_row, d_col = gradient(image, method=method, spacing=spacing)
    assert d_row.dtype == np.float32
    assert d_col.dtype == np.float32
    inside = interior(2)
    assert_allclose(d_row[inside], a, rtol=RTOL)
    assert_allclose(d_col[inside], b, rtol=RTOL)
    magnitude = gradient_magnitude(image, method=method, spacing=spacing)
    assert magnitude.dtype == np.float32
    assert_allclose(magnitude[inside], np.hypot(a, b), rtol=RTOL)


@pytest.mark.parametrize("spacing", SPACINGS)
def test_central_ramp_is_exact_at_the_border_too(spacing):
    image = ramp((9, 11), (3.0, -2.0), spacing)
    d_row, d_col = gradient(image, spacing=spacing)
    assert_allclose(d_row, 3.0, rtol=1e-6)
    assert_allclose(d_col, -2.0, rtol=1e-6)


def test_central_matches_numpy_gradient():
    rng = np.random.default_rng(0)
    image = rng.normal(size=(13, 17)).astype(np.float32)
    ours = gradient(image, spacing=(0.5, 2.0))
    expected = np.gradient(image.astype(np.float64), 0.5, 2.0)
    for got, want in zip(ours, expected, strict=True):
        assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("method", "gain"),
    [("sobel", 2.0), ("scharr", 2.0), ("prewitt", 2.0), ("farid", 0.99179702875213)],
)
def test_kernel_operators_are_skimage_without_gain(method, gain):
    # skimage convolves with [1, 0, -1] (gain 2) or the published Farid kernel (gain
    # 0.9918) and smooths along the other axis exactly as we do.
    from skimage import filters

    rng = np.random.default_rng(1)
    image = rng.normal(size=(20, 23))
    ours = gradient(image, method=method, mode="reflect")
    for axis in (0, 1):
        theirs = getattr(filters, method)(image, axis=axis, mode="reflect")
        assert_allclose(ours[axis], theirs / gain, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", BOUNDARY_MODES)
@pytest.mark.parametrize("taps", [3, 5, 11, 13])
def test_fast_pass_equals_correlate1d(taps, mode, correlate_along, correlate1d):
    # Short kernels along a non-last axis take ndi.correlate; it must agree with correlate1d.
    rng = np.random.default_rng(8)
    volume = rng.normal(size=(7, 9, 11)).astype(np.float32)
    weights = rng.normal(size=taps)
    for axis in range(3):
        out = np.empty_like(volume)
        correlate_along(volume, weights, axis, mode, out)
        expected = correlate1d(volume, weights, axis=axis, mode=mode)
        assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


def test_gaussian_matches_scipy_up_to_its_normalisation():
    # scipy scales the derivative of Gaussian by 1/sigma^2; we scale it so that its first
    # moment is one, i.e. by 1/(sampled variance), which differs once truncated at 4 sigma.
    rng = np.random.default_rng(2)
    image = rng.normal(size=(40, 45))
    sigma, spacing = 1.5, (0.5, 1.0)
    d_row, d_col = gradient(image, method="gaussian", sigma=sigma, spacing=spacing, mode="nearest")
    for axis, ours in ((0, d_row), (1, d_col)):
        sigma_px = np.array([sigma / h for h in spacing])
        radius = int(4 * sigma_px[axis] + 0.5)
        x = np.arange(-radius, radius + 1)
        g = np.exp(-0.5 * (x / sigma_px[axis]) ** 2)
        variance = (x**2 * g).sum() / g.sum()
        order = [0, 0]
        order[axis] = 1
        theirs = ndi.gaussian_filter(image, sigma_px, order=order, mode="nearest")
        expected = theirs * sigma_px[axis] ** 2 / variance / spacing[axis]
        assert_allclose(ours, expected, rtol=1e-4, atol=1e-5)


def test_gaussian_with_tiny_sigma_is_a_central_difference():
    # 1e-3 pixel: the sampled Gaussian underflows; it must tend to [-1/2, 0, 1/2], not NaN.
    rng = np.random.default_rng(3)
    image = rng.normal(size=(10, 12)).astype(np.float32)
    ours = gradient(image, method="gaussian", sigma=1e-3)
    central = gradient(image)
    for got, want in zip(ours, central, strict=True):
        assert_allclose(got[1:-1, 1:-1], want[1:-1, 1:-1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_ramp_3d_volume(method):
    gz, gy, gx = 1.5, -4.0, 2.5
    spacing = (2.0, 0.5, 1.0)
    volume = ramp((40, 44, 42), (gz, gy, gx), spacing)
    d_z, d_y, d_x = gradient(volume, method=method, spacing=spacing)
    inside = interior(3)
    assert_allclose(d_z[inside], gz, rtol=RTOL)
    assert_allclose(d_y[inside], gy, rtol=RTOL)
    assert_allclose(d_x[inside], gx, rtol=RTOL)
    magnitude = gradient_magnitude(volume, method=method, spacing=spacing)
    assert_allclose(magnitude[inside], np.sqrt(gz**2 + gy**2 + gx**2), rtol=RTOL)
    direction = gradient_direction(volume, method=method, spacing=spacing)
    assert_allclose(direction[inside], np.arctan2(gy, gx), rtol=RTOL)


# --- integer, bool and float64 images --------------------------------------------


@pytest.mark.parametrize(("dtype", "high", "low"), [(np.uint8, 200, 10), (np.uint16, 60000, 100)])
def test_integer_step_does_not_wrap(dtype, high, low):
    image = np.array([[high] * 4 + [low] * 4] * 3, dtype=dtype)
    d_row, d_col = gradient(image)
    assert d_col.dtype == np.float32
    step = (low - high) / 2  # -95 for uint8: central difference across the edge
    expected = np.zeros(8, dtype=np.float32)
    expected[3:5] = step
    assert_array_equal(d_col, np.broadcast_to(expected, (3, 8)))
    assert_array_equal(d_row, 0.0)
    # Sobel uses the same difference, and its smoothing along the rows of a
    # row-independent image changes nothing.
    _, sobel_col = gradient(image, method="sobel")
    assert_array_equal(sobel_col, np.broadcast_to(expected, (3, 8)))


def test_bool_image_counts_as_zero_one():
    image = np.zeros((3, 6), dtype=bool)
    image[:, 3:] = True
    _, d_col = gradient(image)
    assert_array_equal(d_col[0], [0, 0, 0.5, 0.5, 0, 0])


def test_float64_input_returns_float32():
    image = ramp((6, 7), (1.0, 2.0), dtype=np.float64)
    assert all(c.dtype == np.float32 for c in gradient(image, method="farid"))
    assert gradient_magnitude(image).dtype == np.float32
    assert gradient_direction(image).dtype == np.float32


# --- stacks: axes left alone are never mixed ------------------------------------


@pytest.mark.parametrize("axes", [(1, 2), (-2, -1)])
@pytest.mark.parametrize("method", METHODS)
def test_stack_planes_are_independent(method, axes):
    rng = np.random.default_rng(4)
    planes = []
    for t in range(4):
        # The slope changes from plane to plane; any mixing along t would show.
        plane = ramp((30, 32), (t + 1.0, -2.0 * t)) + rng.normal(size=(30, 32))
        planes.append(plane.astype(np.float32))
    stack = np.stack(planes)
    options = dict(method=method, mode="constant", sigma=1.3)
    stacked = gradient(stack, axes=axes, **options)
    assert len(stacked) == 2
    magnitude = gradient_magnitude(stack, axes=axes, **options)
    for t, plane in enumerate(planes):
        alone = gradient(plane, **options)
        assert_allclose(stacked[0][t], alone[0], rtol=1e-6, atol=1e-6)
        assert_allclose(stacked[1][t], alone[1], rtol=1e-6, atol=1e-6)
        assert_allclose(magnitude[t], gradient_magnitude(plane, **options), rtol=1e-6, atol=1e-6)
    # Without the noise, each plane's own slope comes back.
    clean = np.stack([ramp((30, 32), (t + 1.0, -2.0 * t)) for t in range(4)])
    d_y, d_x = gradient(clean, axes=axes, method=method)
    for t in range(4):
        assert_allclose(d_y[t][interior(2, 6)], t + 1.0, rtol=RTOL)
        assert_allclose(d_x[t][interior(2, 6)], -2.0 * t, rtol=RTOL, atol=1e-5)


def test_axes_order_is_kept():
    image = ramp((8, 9), (3.0, 5.0))
    d_col, d_row = gradient(image, axes=(1, 0))
    assert_allclose(d_col, 5.0)
    assert_allclose(d_row, 3.0)
    (only_col,) = gradient(image, axes=-1)
    assert_allclose(only_col, 5.0)


def test_mode_reaches_the_kernel_operators():
    ones = np.ones((5, 5), dtype=np.float32)
    _, nearest = gradient(ones, method="sobel")
    assert_array_equal(nearest, 0.0)
    _, constant = gradient(ones, method="sobel", mode="constant")
    # Zero outside: (1 - 0) / 2 at the left and right columns, and at the corners
    # the row smoothing sees (0 + 2 + 1) / 4 of it.
    assert constant[2, 0] == 0.5
    assert constant[2, -1] == -0.5
    assert constant[0, 0] == 0.375
    assert_array_equal(constant[:, 1:-1], 0.0)
    # central ignores mode
    assert_array_equal(gradient(ones, mode="constant")[1], 0.0)


# --- smooth functions -------------------------------------------------------------


def test_sine_derivative_is_cosine():
    h = 0.01
    x = np.arange(0.0, 4 * np.pi, h)
    image = np.broadcast_to(np.sin(x), (24, x.size))
    inside = (slice(None), slice(20, -20))
    # Central: truncation error h^2/6 |f'''| <= 1.7e-5; float32 rounding of the samples
    # (6e-8) divided by 2h adds 3e-6. So 1e-4 is a safe bound.
    d_row, d_col = gradient(image, method="central", spacing=h)
    assert_allclose(d_col[inside], np.broadcast_to(np.cos(x), image.shape)[inside], atol=1e-4)
    assert_array_equal(d_row, 0.0)
    # Gaussian of sigma 0.02 (2 pixels): it differentiates sin smoothed by the Gaussian,
    # whose amplitude is exp(-sigma^2/2) = 1 - 2e-4; plus the float32 term, 1e-3 is safe.
    _, d_col = gradient(image, method="gaussian", sigma=0.02, spacing=h)
    assert_allclose(d_col[inside], np.broadcast_to(np.cos(x), image.shape)[inside], atol=1e-3)


# --- direction ----------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("slopes", "angle"),
    [((0.0, 1.0), 0.0), ((1.0, 0.0), np.pi / 2), ((0.0, -1.0), np.pi), ((-1.0, 0.0), -np.pi / 2)],
    ids=["right", "down", "left", "up"],
)
def test_direction_of_ramps(method, slopes, angle):
    image = ramp((20, 20), slopes)
    direction = gradient_direction(image, method=method)
    assert direction.dtype == np.float32
    assert_allclose(direction[interior(2, 6)], np.float32(angle), rtol=1e-6, atol=1e-6)


def test_direction_never_returns_minus_pi():
    # Column 0 holds -1e-30 * row; column 1 adds -1e-20. So dI/d(row) is a tiny
    # negative number and dI/d(col) is negative: atan2 rounds to -pi in float32.
    image = np.zeros((5, 3), dtype=np.float32)
    image[:, 0] = -1e-30 * np.arange(5)
    image[:, 1:] = -1e-20
    d_row, d_col = gradient(image)
    assert np.arctan2(d_row[2, 0], d_col[2, 0]) == -np.float32(np.pi)
    direction = gradient_direction(image)
    assert direction[2, 0] == np.float32(np.pi)
    rng = np.random.default_rng(5)
    noisy = gradient_direction(rng.integers(0, 3, size=(50, 50)).astype(np.uint8))
    assert noisy.min() > -np.float32(np.pi)
    assert noisy.max() <= np.float32(np.pi)


def test_direction_uses_last_two_axes_and_spacing():
    # A 45 degree ramp in pixels is not 45 degrees once the columns are 2 units wide.
    image = ramp((10, 10), (1.0, 1.0))
    direction = gradient_direction(image, spacing=(1.0, 2.0))
    assert_allclose(direction, np.arctan2(1.0, 0.5), rtol=1e-6)
    volume = np.stack([image * k for k in (1, 2, 3)])
    assert_allclose(gradient_direction(volume, axes=(1, 2)), np.pi / 4, rtol=1e-6)


# --- inputs are left alone ------------------------------------------------------------


@pytest.mark.parametrize("function", [gradient, gradient_magnitude, gradient_direction])
@pytest.mark.parametrize("method", METHODS)
def test_input_is_not_modified(function, method):
    rng = np.random.default_rng(6)
    for dtype in (np.float32, np.float64, np.uint8):
        image = (rng.random((12, 13)) * 200).astype(dtype)
        before = image.copy()
        result = function(image, method=method)
        assert_array_equal(image, before)
        for array in result if isinstance(result, tuple) else (result,):
            assert not np.shares_memory(array, image)


@pytest.mark.parametrize("method", METHODS)
def test_read_only_input(method):
    image = ramp((20, 20), (2.0, 3.0))
    image.setflags(write=False)
    d_row, _ = gradient(image, method=method)
    assert_allclose(d_row[interior(2, 6)], 2.0, rtol=RTOL)
    gradient_magnitude(image, method=method)
    gradient_direction(image, method=method)


def test_array_likes():
    class Wrapped:
        def __init__(self, data):
            self.data = data

        def __array__(self, dtype=None, copy=None):
            return np.asarray(self.data, dtype=dtype)

    image = ramp((6, 7), (1.0, 2.0))
    _, d_col = gradient(Wrapped(image))
    assert_allclose(d_col, 2.0)
    _, d_col = gradient(image.tolist())
    assert_allclose(d_col, 2.0)


def test_dask_array():
    # Dask in, dask out (lazy, for batch runs): the values are the eager path's.
    da = pytest.importorskip("dask.array")
    image = ramp((16, 18), (1.0, 2.0))
    lazy = gradient(da.from_array(image, chunks=(8, 9)), method="sobel")
    eager = gradient(image, method="sobel")
    for got, want in zip(lazy, eager, strict=True):
        assert isinstance(got, da.Array)
        assert_array_equal(got.compute(), want)
    assert_allclose(lazy[1][1:-1, 1:-1].compute(), 2.0)


@pytest.mark.parametrize("method", METHODS)
def test_nan_stays_local(method):
    a, b = 3.0, -2.0
    image = ramp((60, 60), (a, b))
    image[5, 5] = np.nan
    components = gradient(image, method=method)
    magnitude = gradient_magnitude(image, method=method)
    # The widest footprint of the filters is the Gaussian's radius of 4 pixels (sigma 1);
    # the spline's recursive prefilter makes a box of spline.halo pixels NaN (see .spline).
    footprint = halo(np.dtype(np.float32)) if method == "spline" else 4
    far = (slice(6 + footprint, -5), slice(6 + footprint, -5))
    assert_allclose(components[0][far], a, rtol=RTOL)
    assert_allclose(components[1][far], b, rtol=RTOL)
    assert_allclose(magnitude[far], np.hypot(a, b), rtol=RTOL)
    rows, cols = np.nonzero(np.isnan(magnitude))
    assert rows.size > 0
    assert np.all(np.abs(rows - 5) <= footprint)
    assert np.all(np.abs(cols - 5) <= footprint)
    if method == "spline":
        # The whole box, and nothing more.
        assert rows.size == (6 + footprint) ** 2


# --- validation -------------------------------------------------------------------------

BAD_OPTIONS = [
    (dict(method="sobol"), "method"),
    (dict(method="Sobel"), "method"),
    (dict(spacing=(1.0, 2.0, 3.0)), "spacing"),
    (dict(spacing=(1.0,)), "spacing"),
    (dict(spacing=0.0), "spacing"),
    (dict(spacing=(1.0, -1.0)), "spacing"),
    (dict(spacing=(1.0, np.nan)), "spacing"),
    (dict(spacing=np.inf), "spacing"),
    (dict(spacing="wide"), "spacing"),
    (dict(axes=(2,)), "axes"),
    (dict(axes=(-3,)), "axes"),
    (dict(axes=(0, 0)), "axes"),
    (dict(axes=(1, -1)), "axes"),
    (dict(axes=()), "axes"),
    (dict(axes=(0.5,)), "axes"),
    (dict(method="gaussian", sigma=0.0), "sigma"),
    (dict(method="gaussian", sigma=-1.0), "sigma"),
    (dict(method="gaussian", sigma=np.nan), "sigma"),
    (dict(method="gaussian", sigma="1"), "sigma"),
    (dict(method="gaussian", sigma=1e6), "sigma"),
    (dict(mode="nearst"), "mode"),
    (dict(mode="edge"), "mode"),
]


@pytest.mark.parametrize("function", [gradient, gradient_magnitude, gradient_direction])
@pytest.mark.parametrize(("options", "name"), BAD_OPTIONS)
def test_bad_options_name_the_parameter(function, options, name):
    image = np.zeros((5, 6), dtype=np.float32)
    with pytest.raises(ValueError, match=name):
        function(image, **options)


def test_unknown_method_lists_the_allowed_ones():
    with pytest.raises(ValueError, match="method") as error:
        gradient(np.zeros((3, 3)), method="canny")
    for method in METHODS:
        assert method in str(error.value)


def test_axis_with_one_sample_cannot_be_differentiated():
    with pytest.raises(ValueError, match="axes"):
        gradient(np.zeros((1, 5)))
    (d_col,) = gradient(np.zeros((1, 5)), axes=(1,))
    assert_array_equal(d_col, 0.0)


@pytest.mark.parametrize("function", [gradient, gradient_magnitude, gradient_direction])
@pytest.mark.parametrize(
    ("image", "error"),
    [
        (np.float32(3.0), ValueError),
        (np.zeros((4, 4), dtype=np.complex64), ValueError),
        (np.array([["a", "b"], ["c", "d"]]), TypeError),
        (np.array([[1, None], [2, 3]], dtype=object), TypeError),
    ],
    ids=["0-d", "complex", "strings", "objects"],
)
def test_bad_images_name_the_parameter(function, image, error):
    with pytest.raises(error, match="image"):
        function(image)


@pytest.mark.parametrize("axes", [(0,), (-1,)])
def test_direction_needs_two_axes(axes):
    with pytest.raises(ValueError, match="axes"):
        gradient_direction(np.zeros((4, 4)), axes=axes)
    with pytest.raises(ValueError, match="axes"):
        gradient_direction(np.zeros(6))


def test_one_dimensional_signal():
    (d_x,) = gradient(np.array([0, 1, 4, 9, 16], dtype=np.int16), spacing=0.5)
    # one-sided at the ends: (1-0)/0.5 and (16-9)/0.5; central inside: (4-0)/1 ...
    assert_array_equal(d_x, [2.0, 4.0, 8.0, 12.0, 14.0])
    assert_array_equal(gradient_magnitude(np.array([3.0, 1.0, 0.0])), [2.0, 1.5, 1.0])


# --- luminance --------------------------------------------------------------------------


def test_luminance_weights_on_pure_colours():
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], dtype=np.uint8)
    luminance = rgb_to_luminance(pixels)
    assert luminance.dtype == np.float32
    assert luminance.shape == (1, 4)
    # Integers are not rescaled: 0.2125 * 255 = 54.1875, and white stays 255.
    assert_allclose(luminance[0], [54.1875, 182.427, 18.3855, 255.0], rtol=1e-6)
    unit = np.eye(3)
    assert_allclose(rgb_to_luminance(unit), [0.2125, 0.7154, 0.0721], rtol=1e-6)


def test_luminance_ignores_alpha_and_matches_skimage():
    from skimage.color import rgb2gray

    rng = np.random.default_rng(7)
    rgb = rng.random((5, 6, 3))
    rgba = np.concatenate([rgb, rng.random((5, 6, 1))], axis=-1)
    assert_allclose(rgb_to_luminance(rgba), rgb_to_luminance(rgb))
    assert_allclose(rgb_to_luminance(rgb), rgb2gray(rgb), rtol=1e-6)


@pytest.mark.parametrize(
    ("image", "error"),
    [
        (np.zeros((4, 4, 2)), ValueError),
        (np.zeros((4, 5)), ValueError),
        (np.float64(1.0), ValueError),
        (np.zeros((4, 4, 3), dtype=complex), ValueError),
        (np.full((2, 3), "x"), TypeError),
    ],
)
def test_luminance_bad_images(image, error):
    with pytest.raises(error, match="image"):
        rgb_to_luminance(image)


@pytest.mark.parametrize("method", METHODS)
def test_gradient_outputs_equal_the_single_functions(method):
    rng = np.random.default_rng(3)
    image = rng.random((3, 20, 24)).astype(np.float32) * 100
    options = {"method": method, "spacing": (1.0, 0.5, 2.0), "axes": (1, 2), "sigma": 1.5}
    result = gradient_outputs(image, ("direction", "gx", "magnitude", "gy"), **options)
    assert list(result) == ["direction", "gx", "magnitude", "gy"]
    d_row, d_col = gradient(image, **options)
    assert_array_equal(result["gy"], d_row)
    assert_array_equal(result["gx"], d_col)
    assert_allclose(result["magnitude"], gradient_magnitude(image, **options), rtol=1e-6)
    assert_array_equal(result["direction"], gradient_direction(image, **options))


def test_gradient_outputs_names_count_from_the_last_axis():
    z, y, x = np.mgrid[0:6, 0:7, 0:8].astype(np.float32)
    result = gradient_outputs(4.0 * z + 2.0 * y + 1.0 * x, ("gz", "gy", "gx"))
    assert_allclose(result["gz"], 4.0)
    assert_allclose(result["gy"], 2.0)
    assert_allclose(result["gx"], 1.0)
    # Only what is asked for, smoothing still across every differentiated axis.
    (only,) = gradient_outputs(x, ("gx",), method="sobel").values()
    assert_allclose(only[:, :, 1:-1], 1.0, rtol=1e-6)


@pytest.mark.parametrize(
    ("outputs", "axes"),
    [
        ((), None),
        (("gx", "gx"), None),
        (("laplacian",), None),
        (("gz",), None),  # a 2D image has no third-to-last axis
        (("gy",), (1,)),  # rows not differentiated
        (("direction",), (1,)),
    ],
)
def test_gradient_outputs_bad_outputs(outputs, axes):
    with pytest.raises(ValueError, match="outputs"):
        gradient_outputs(np.zeros((5, 6)), outputs, axes=axes)


# --- the blocked engine: equal to the simple path, whatever the blocks and threads ----------


@pytest.mark.parametrize("mode", SAMPLING_MODES)
def test_border_extension_equals_scipy_at_any_distance(mode):
    # A delta kernel at offset k reads sample i + k - r of scipy's extended line, even
    # where the kernel is longer than the line (reflections repeat, wraps wrap again).
    for size in range(1, 7):
        line = np.arange(1.0, size + 1.0)
        for radius in range(12):
            for k in range(2 * radius + 1):
                delta = np.zeros(2 * radius + 1)
                delta[k] = 1.0
                expected = ndi.correlate1d(line, delta, mode=mode)
                indices = source_positions(np.arange(size) + k - radius, size, mode)
                got = np.where(indices >= 0, line[np.maximum(indices, 0)], 0.0)
                assert_array_equal(got, expected, err_msg=f"{size=} {radius=} {k=}")


def sequential_correlate1d(image, method, mode, spacing, sigma, correlate1d):
    """The engine's passes run over whole images by scipy: the simple path."""
    source = np.asarray(image, dtype=np.float32)
    results = []
    for axis in range(source.ndim):
        current = source
        for other, weights in passes(axis, tuple(range(source.ndim)), spacing, method, sigma):
            current = correlate1d(current, weights, other, output=np.float32, mode=mode)
        results.append(current)
    return results


@pytest.mark.parametrize("mode", BOUNDARY_MODES)
@pytest.mark.parametrize("method", ["sobel", "scharr", "prewitt", "farid", "gaussian"])
def test_engine_equals_sequential_correlate1d_in_every_mode(method, mode, correlate1d):
    rng = np.random.default_rng(9)
    image = rng.normal(size=(23, 19)).astype(np.float32)
    spacing = (0.5, 1.5)
    # sigma 1.2 on spacing 0.5 gives a 21-tap kernel, longer than the 19 columns.
    ours = gradient(image, method=method, mode=mode, spacing=spacing, sigma=1.2)
    expected = sequential_correlate1d(image, method, mode, spacing, 1.2, correlate1d)
    for got, want in zip(ours, expected, strict=True):
        # Float32 sums instead of scipy's float64: a few ulps of the image's scale.
        assert_allclose(got, want, rtol=1e-6, atol=1e-6 * np.abs(want).max())


@pytest.mark.parametrize("mode", BOUNDARY_MODES)
def test_sobel_on_uint16_is_exact_in_every_mode(mode, correlate1d):
    # Sums of 16-bit integers times quarters fit in float32's 24 bits: no rounding at all.
    rng = np.random.default_rng(10)
    image = rng.integers(0, 2**16, size=(17, 21), dtype=np.uint16)
    ours = gradient(image, method="sobel", mode=mode)
    expected = sequential_correlate1d(image, "sobel", mode, (1.0, 1.0), 1.0, correlate1d)
    for got, want in zip(ours, expected, strict=True):
        assert_array_equal(got, want)


def everything(image, method, mode):
    options = dict(method=method, mode=mode, sigma=1.3)
    results = list(gradient(image, **options))
    results.append(gradient_magnitude(image, **options))
    if image.ndim >= 2:
        results.append(gradient_direction(image, **options))
        names = ("gx", "gy", "magnitude", "direction")
        results.extend(gradient_outputs(image, names, **options).values())
    return results


def blocked_shapes():
    rng = np.random.default_rng(11)
    big = rng.normal(size=(40, 30)).astype(np.float32) * 50
    read_only = big[:9, :12].copy()
    read_only.setflags(write=False)
    return {
        "tiny": big[:2, :2].copy(),
        "odd": big[:7, :13].copy(),
        "1-D": big[0, :17].copy(),
        "3-D": rng.normal(size=(5, 6, 7)).astype(np.float32),
        "strided": big[::3, ::-2],
        "transposed": big.T,
        "read-only": read_only,
        "uint8": (big[:11, :10] + 128).clip(0, 255).astype(np.uint8),
        "float64": big[:10, :9].astype(np.float64) / 7,
    }


@pytest.mark.parametrize("mode", ["nearest", "constant", "wrap", "mirror"])
@pytest.mark.parametrize("method", METHODS)
def test_blocks_and_threads_change_nothing(method, mode, monkeypatch):
    # One block on one thread is the simple path; one row per block on every core is
    # the most the blocking can do. Each pixel sees the same sums: equal bit for bit.
    import napari_derivatives._core.engine as engine
    from napari_derivatives._core import threads

    for name, image in blocked_shapes().items():
        before = np.array(image, copy=True)
        monkeypatch.setattr(engine, "BLOCK_BYTES", 2**40)
        monkeypatch.setattr(threads, "PARALLEL_MIN_PIXELS", 2**40)
        simple = everything(image, method, mode)
        monkeypatch.setattr(engine, "BLOCK_BYTES", 1)
        monkeypatch.setattr(threads, "PARALLEL_MIN_PIXELS", 0)
        monkeypatch.setattr(threads, "worker_count", lambda n_blocks, n_pixels: 2)
        blocked = everything(image, method, mode)
        for got, want in zip(blocked, simple, strict=True):
            assert got.dtype == np.float32
            assert got.flags.c_contiguous
            assert_array_equal(got, want, err_msg=name)
        assert_array_equal(image, before)


def test_worker_errors_reach_the_caller(monkeypatch):
    import napari_derivatives._core.engine as engine
    from napari_derivatives._core import planes, threads

    def broken(*args, **kwargs):
        raise RuntimeError("pass failed")

    monkeypatch.setattr(engine, "BLOCK_BYTES", 1)
    monkeypatch.setattr(threads, "PARALLEL_MIN_PIXELS", 0)
    # Both paths of the engine: the blocks' passes and the compiled planes' path.
    monkeypatch.setattr(engine, "correlate_valid", broken)
    monkeypatch.setattr(planes.Planes, "run", broken)
    with pytest.raises(RuntimeError, match="pass failed"):
        gradient(np.zeros((8, 8)), method="sobel")


@pytest.mark.parametrize(
    ("image", "slope"),
    [
        # Large values, small variations: float32 would round 1e6 + 0.01 x to steps of 1/16.
        (1e6 + 0.01 * np.arange(40.0), 0.01),
        ((4_000_000_000 + 3 * np.arange(40)).astype(np.uint32), 3.0),
        ((2**40 + 5 * np.arange(40)).astype(np.int64), 5.0),
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_wide_types_keep_small_differences_of_large_values(image, slope, method):
    plane = np.tile(image, (12, 1))
    (d_col,) = gradient(plane, method=method, axes=1)
    assert d_col.dtype == np.float32
    assert_allclose(d_col[:, 5:-5], slope, rtol=1e-4)


# --- missing data ----------------------------------------------------------------------------


def masked_ramp(cols=10, at=5):
    """I = 5 + 0.1 x with a masked 1000 at (3, at): the hidden value is not data."""
    data = 5.0 + 0.1 * np.tile(np.arange(float(cols)), (7, 1))
    data[3, at] = 1000.0
    return np.ma.array(data, mask=data == 1000.0)


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("method", METHODS)
def test_masked_pixels_are_missing_data_not_values(method, lazy):
    import dask.array as da

    # The spline blanks a box of spline.halo pixels around a missing one (30 for this
    # float64 image): a wider image.
    cols, at = (100, 50) if method == "spline" else (10, 5)
    image = masked_ramp(cols, at)
    if lazy:
        image = da.ma.masked_array(da.from_array(image.data, chunks=(4, 5)), mask=image.mask)
    d_row, d_col = (np.asarray(g) for g in gradient(image, method=method, mode="nearest"))
    # Treated as NaN: the outputs whose footprint covers the pixel are NaN, never 999 or so.
    nan_input = masked_ramp(cols, at).filled(np.nan)
    want_row, want_col = gradient(nan_input, method=method, mode="nearest")
    assert_array_equal(d_col, want_col)
    assert_array_equal(d_row, want_row)
    assert np.isnan(d_col[3, at - 1]) and np.isnan(d_col[3, at + 1])
    # Everywhere else at most the ramp's slope (less only where "nearest" flattens the
    # border), never the hidden value's 99.5 per pixel. The spline through a ramp
    # flattened past the border overshoots near it (by 13 % on the border pixel): it is
    # the ramp's slope from 10 pixels in.
    inner = (slice(None), slice(10, -10)) if method == "spline" else (slice(None),) * 2
    assert np.nanmax(np.abs(d_col[inner])) == pytest.approx(0.1, rel=1e-4)
    band = d_col[:, at - 2 : at + 3]
    assert_allclose(band[np.isfinite(band)], 0.1, rtol=1e-4)
    assert np.nanmax(np.abs(d_row)) < 1e-4
    magnitude = np.asarray(gradient_magnitude(image, method=method, mode="nearest"))
    assert np.nanmax(magnitude) < 0.2


def test_masked_integers_give_nan_without_wrapping():
    data = np.tile(np.arange(0, 50, 5, dtype=np.uint8), (4, 1))
    image = np.ma.array(data, mask=np.zeros_like(data, dtype=bool))
    image.mask[1, 4] = True
    (d_col,) = gradient(image, axes=1)
    assert d_col.dtype == np.float32
    assert np.isnan(d_col[1, 3]) and np.isnan(d_col[1, 5])
    assert_allclose(d_col[0], 5.0)
    # Nothing masked: the same as the plain array.
    assert_array_equal(gradient(np.ma.array(data))[1], gradient(data)[1])
