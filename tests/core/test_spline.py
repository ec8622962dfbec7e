"""The spline method and the derivative of the interpolant: values checkable by hand."""

from __future__ import annotations

import os
import tracemalloc

import dask
import dask.array as da
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import ndimage as ndi

from napari_derivatives import BOUNDARY_MODES, gradient, gradient_outputs, line_profile
from napari_derivatives._core.boundary import source_positions
from napari_derivatives._core.spline import halo, reach

SPACINGS = [(1.0, 1.0), (0.5, 2.0), (3.0, 0.25)]


def cubic(y, x):
    """A cubic polynomial in physical units, and its two partial derivatives."""
    value = 0.02 * x**3 - 0.03 * y**2 * x + 0.01 * y**3 + 0.5 * x * y - 2.0 * y + 7.0
    d_y = -0.06 * y * x + 0.03 * y**2 + 0.5 * x - 2.0
    d_x = 0.06 * x**2 - 0.03 * y**2 + 0.5 * y
    return value, d_y, d_x


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("spacing", SPACINGS)
def test_exact_on_a_cubic_polynomial_away_from_the_border(spacing, dtype):
    rows, cols = np.mgrid[0:48, 0:52].astype(np.float64)
    value, d_y, d_x = cubic(rows * spacing[0], cols * spacing[1])
    got_y, got_x = gradient(value.astype(dtype), method="spline", spacing=spacing)
    # The border's influence on the spline falls by 0.268 per pixel: 1e-7 at 12 pixels.
    inside = (slice(12, -12),) * 2
    for got, want in ((got_y, d_y), (got_x, d_x)):
        error = np.abs(got[inside] - want[inside]).max() / np.abs(want[inside]).max()
        assert error < 1e-4
    if dtype == np.float64:
        # Float64 in: exact to the float32 of the result, not only to 1e-4.
        assert_allclose(got_x[inside], d_x[inside], rtol=1e-5, atol=1e-5 * np.abs(d_x).max())


@pytest.mark.parametrize("spacing", SPACINGS)
def test_a_ramp_is_exact_up_to_the_border_with_extrapolate(spacing):
    rows, cols = np.mgrid[0:9, 0:11].astype(np.float64)
    image = (3.0 * rows * spacing[0] - 2.0 * cols * spacing[1] + 50.0).astype(np.float32)
    d_row, d_col = gradient(image, method="spline", spacing=spacing)
    # float32 rounding of intensities near 100 per unit of spacing.
    atol = 4e-7 * 100 / min(spacing)
    assert_allclose(d_row, 3.0, rtol=1e-6, atol=atol)
    assert_allclose(d_col, -2.0, rtol=1e-6, atol=atol)


def reference(image, mode, spacing=(1.0, 1.0)):
    """The spline of the image extended by ``mode`` 80 pixels, by scipy, differentiated.

    scipy's own prefilter on the extended image (its border rule 80 pixels away, far
    past the rounding), then ``(c[k+1] - c[k-1]) / 2`` and ``(1, 4, 1) / 6``.
    """
    pad = 80
    if mode == "extrapolate":
        extended = np.pad(image, pad, mode="reflect", reflect_type="odd")
    else:
        rows = source_positions(np.arange(-pad, image.shape[0] + pad), image.shape[0], mode)
        cols = source_positions(np.arange(-pad, image.shape[1] + pad), image.shape[1], mode)
        extended = np.where((rows[:, None] >= 0) & (cols[None, :] >= 0), image[rows][:, cols], 0.0)
    coefficients = ndi.spline_filter(extended, 3, mode="mirror")
    smooth, difference = [1 / 6, 4 / 6, 1 / 6], [-0.5, 0.0, 0.5]
    d_row = ndi.correlate1d(ndi.correlate1d(coefficients, difference, axis=0), smooth, axis=1)
    d_col = ndi.correlate1d(ndi.correlate1d(coefficients, smooth, axis=0), difference, axis=1)
    inner = (slice(pad, -pad),) * 2
    return d_row[inner] / spacing[0], d_col[inner] / spacing[1]


@pytest.mark.parametrize("mode", BOUNDARY_MODES)
def test_every_mode_is_the_spline_of_the_image_extended_by_that_mode(mode, rng):
    image = rng.normal(100.0, 20.0, size=(13, 17))
    got = gradient(image, method="spline", mode=mode, spacing=(0.5, 2.0))
    for ours, want in zip(got, reference(image, mode, (0.5, 2.0)), strict=True):
        # float32 results of float64 work: their rounding, up to the border.
        assert_allclose(ours, want, rtol=0, atol=1e-6 * np.abs(want).max())


def test_the_modes_differ_only_near_the_border(rng):
    image = rng.normal(size=(40, 40))
    results = [gradient(image, method="spline", mode=mode)[1] for mode in BOUNDARY_MODES]
    inside = (slice(18, -18),) * 2
    for result in results[1:]:
        assert_allclose(result[inside], results[0][inside], atol=1e-6)
    # ... and do differ there: a ramp continues with 'extrapolate', flattens with 'nearest'.
    ramp = np.tile(np.arange(12.0), (5, 1))
    assert gradient(ramp, method="spline")[1][2, 0] == pytest.approx(1.0)
    assert gradient(ramp, method="spline", mode="nearest")[1][2, 0] < 0.9


def test_a_stack_is_differentiated_plane_by_plane(rng):
    stack = rng.normal(size=(4, 20, 23)).astype(np.float32)
    d_row, d_col = gradient(stack, method="spline", axes=(1, 2), spacing=(9.0, 0.5, 1.5))
    for plane, row, col in zip(stack, d_row, d_col, strict=True):
        want_row, want_col = gradient(plane, method="spline", spacing=(0.5, 1.5))
        assert_array_equal(row, want_row)
        assert_array_equal(col, want_col)


def test_sigma_is_not_read():
    image = np.arange(30.0).reshape(5, 6) ** 2
    plain = gradient(image, method="spline")
    for sigma in (0.0, -1.0, 1e9):
        for got, want in zip(gradient(image, method="spline", sigma=sigma), plain, strict=True):
            assert_array_equal(got, want)


def test_integers_never_wrap():
    # A uint8 step from 250 down to 5: negative slopes, in float, no wrap-around.
    image = np.full((12, 30), 250, dtype=np.uint8)
    image[:, 15:] = 5
    (d_col,) = gradient(image, method="spline", axes=1)
    assert d_col.dtype == np.float32
    assert d_col[:, 14].min() < -100
    want = gradient(image.astype(np.float64), method="spline", axes=1)[0]
    assert_allclose(d_col, want, atol=1e-4)


def test_the_halo_is_the_rounding_of_the_work_dtype():
    # 6 * 0.268 ** reach is below the epsilon; one pixel more for the 3-tap passes.
    assert (reach(np.dtype(np.float32)), halo(np.dtype(np.float32))) == (14, 15)
    assert (reach(np.dtype(np.float64)), halo(np.dtype(np.float64))) == (29, 30)
    pole = 2.0 - np.sqrt(3.0)
    assert 6 * pole**14 < np.finfo(np.float32).eps < 6 * pole**13


@pytest.mark.parametrize("mode", ["extrapolate", "nearest", "grid-wrap", "mirror"])
def test_lazy_blocks_much_smaller_than_the_line_equal_the_eager_values(mode, rng):
    # A 2000-pixel row cut in chunks of 20: every block starts its prefilter 15 pixels
    # away; the values equal the whole row's to float32 rounding.
    image = rng.normal(1000.0, 100.0, size=(6, 2000)).astype(np.float32)
    eager = gradient_outputs(image, ("gx", "gy", "magnitude"), method="spline", mode=mode)
    lazy = gradient_outputs(
        da.from_array(image, chunks=(3, 20)), ("gx", "gy", "magnitude"), method="spline", mode=mode
    )
    with dask.config.set(scheduler="synchronous"):
        for name, array in lazy.items():
            assert array.chunks == ((3, 3), (20,) * 100)
            assert_allclose(array.compute(), eager[name], rtol=0, atol=1e-6 * 1300, err_msg=name)


def test_a_nan_blanks_a_box_of_the_halo_lazy_as_eager(rng):
    image = rng.normal(size=(60, 70)).astype(np.float32)
    image[30, 35] = np.nan
    eager = gradient(image, method="spline")[1]
    blank = np.isnan(eager)
    box = np.zeros_like(blank)
    box[30 - 15 : 30 + 16, 35 - 15 : 35 + 16] = True
    assert_array_equal(blank, box)
    lazy = gradient(da.from_array(image, chunks=(20, 20)), method="spline")[1].compute()
    assert_array_equal(np.isnan(lazy), box)
    assert_allclose(lazy, eager, atol=1e-5)


@pytest.mark.parametrize("mode", ["constant", "extrapolate", "wrap"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_input_is_not_modified(rng, mode, dtype):
    image = rng.normal(size=(20, 20)).astype(dtype)
    image[3, 3] = np.nan
    copy = image.copy()
    gradient(image, method="spline", mode=mode)
    assert_array_equal(image, copy)


def test_the_coefficients_cost_one_image_beyond_the_outputs(rng, monkeypatch):
    # The first axis is filtered in place, its extension in two arrays freed before the
    # passes: no padded copy of the image (2 reach = 28 rows more in float32 work) lives
    # on beside the outputs. What is left over are one worker's few rows of buffers.
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    image = rng.integers(0, 65535, (64, 4096), dtype=np.uint16)
    gradient(image, method="spline")  # the loops load outside the measure
    tracemalloc.start()
    try:
        outputs = gradient(image, method="spline")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    row = 4096 * np.dtype(np.float32).itemsize
    floor = (len(outputs) + 1) * image.size * np.dtype(np.float32).itemsize
    assert peak - floor < 2 * reach(np.dtype(np.float32)) * row


# --- line profiles: the derivative of the interpolant -------------------------------------


def cubic_pixels(y, x):
    """A cubic polynomial of pixel coordinates and its gradient per pixel."""
    value = 0.001 * x**3 - 0.002 * y**2 * x + 0.0005 * y**3 + 0.01 * x * y + 2.0 * x
    d_y = -0.004 * y * x + 0.0015 * y**2 + 0.01 * x
    d_x = 0.003 * x**2 - 0.002 * y**2 + 0.01 * y + 2.0
    return value, d_y, d_x


@pytest.mark.parametrize("spacing", [(1.0, 1.0), (0.5, 2.0)])
@pytest.mark.parametrize("step", [0.37, 1.0, 2.5])
@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, 137.0, 200.0, 315.0])
def test_interpolant_of_order_3_is_the_analytic_directional_derivative(angle, step, spacing):
    rows, cols = np.mgrid[0:64, 0:64].astype(np.float64)
    image = cubic_pixels(rows, cols)[0]
    direction = np.array([np.sin(np.radians(angle)), np.cos(np.radians(angle))])
    centre = np.array([31.7, 32.2])
    path = [centre - 12 * direction, centre + 12 * direction]
    profile = line_profile(
        image, path, order=3, step=step, spacing=spacing, derivative_of="interpolant"
    )
    _, d_y, d_x = cubic_pixels(*profile.coords.T)
    physical = direction * np.asarray(spacing)
    want = (d_y * direction[0] + d_x * direction[1]) / np.linalg.norm(physical)
    assert_allclose(profile.derivative, want, rtol=0, atol=1e-6 * np.abs(want).max())


def test_interpolant_does_not_depend_on_step():
    rows, cols = np.mgrid[0:30, 0:30].astype(np.float64)
    image = np.sin(rows / 3.0) * np.cos(cols / 4.0) * 100
    path = [[5.0, 4.0], [17.0, 20.0]]  # 20 pixels long
    coarse = line_profile(image, path, order=3, step=1.0, derivative_of="interpolant")
    fine = line_profile(image, path, order=3, step=0.25, derivative_of="interpolant")
    # Every fourth fine sample is a coarse one.
    assert_allclose(fine.coords[::4], coarse.coords)
    assert_allclose(fine.derivative[::4], coarse.derivative, rtol=1e-12, atol=1e-12)
    # The samples' central differences do depend on it (they are not the derivative).
    samples = line_profile(image, path, order=3, step=1.0).derivative
    assert np.abs(samples - coarse.derivative).max() > 0.1


def test_bilinear_interpolant_by_hand():
    image = np.array([[0.0, 10.0, 40.0], [20.0, 50.0, 60.0]])
    # Along row 0 from x = 0 to 2: slopes 10 then 30 per pixel. On the pixel centres
    # (cell boundaries) the mean of the two one-sided slopes; at x = 0 and 2 one side is
    # the half-pixel border, flat with mode "nearest".
    profile = line_profile(image, [[0, 0], [0, 2]], step=0.5, derivative_of="interpolant")
    assert_allclose(profile.derivative, [5.0, 10.0, 20.0, 30.0, 15.0])
    # Along row 0.5 (between the rows): f = mean of the rows, slopes 20 then 20.
    profile = line_profile(image, [[0.5, 0.25], [0.5, 1.75]], step=0.75, spacing=0.5,
                           derivative_of="interpolant")  # fmt: skip
    assert_allclose(profile.derivative, [40.0, 40.0, 40.0])  # 20 per pixel, 0.5 per pixel
    # A diagonal inside the first cell, from (0.25, 0.25) to (0.75, 0.75): f = 10 x + 20 y
    # + 20 x y, so df/dx = 10 + 20 y, df/dy = 20 + 20 x, along (1, 1) / sqrt 2.
    profile = line_profile(image, [[0.25, 0.25], [0.75, 0.75]], step=0.25,
                           derivative_of="interpolant")  # fmt: skip
    y, x = profile.coords.T
    assert_allclose(profile.derivative, ((10 + 20 * y) + (20 + 20 * x)) / np.sqrt(2))


def test_interpolant_with_width_reduces_like_the_values():
    rows, cols = np.mgrid[0:20, 0:20].astype(np.float64)
    image = 2.0 * cols + 0.5 * rows * cols  # df/dx = 2 + 0.5 y
    path = [[10.0, 3.0], [10.0, 15.0]]  # along x, the width across rows 9, 10, 11
    mean = line_profile(image, path, width=3, derivative_of="interpolant")
    assert_allclose(mean.derivative, 2 + 0.5 * 10)
    biggest = line_profile(image, path, width=3, reduce="max", derivative_of="interpolant")
    assert_allclose(biggest.derivative, 2 + 0.5 * 11)
    smallest = line_profile(image, path, width=3, reduce="min", derivative_of="interpolant")
    assert_allclose(smallest.derivative, 2 + 0.5 * 9)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"order": 0}, "`order`"),
        ({"smooth": 1.5}, "`smooth`"),
        ({"derivative_of": "spline"}, "`derivative_of`"),
    ],
)
def test_interpolant_options_are_checked(options, name):
    options = {"derivative_of": "interpolant", **options}
    with pytest.raises(ValueError, match=name):
        line_profile(np.zeros((5, 5)), [[1, 1], [3, 3]], **options)


class RecordingArray:
    """A chunked array (one chunk size per axis) that records each read."""

    def __init__(self, data, chunks):
        self.data, self.chunks = data, tuple(chunks)
        self.shape, self.dtype, self.ndim = data.shape, data.dtype, data.ndim
        self.reads = []

    def __getitem__(self, key):
        part = self.data[key]
        if part.size:
            self.reads.append(tuple((k.start or 0, k.stop) for k in key))
        return part


@pytest.mark.parametrize("order", [1, 3])
def test_chunked_images_are_read_only_near_the_line_and_once(order, rng):
    image = rng.normal(size=(512, 512))
    recorder = RecordingArray(image, (64, 64))
    path = [[100.0, 30.0], [100.0, 480.0]]  # along row 100, 28 rows below a chunk edge
    profile = line_profile(recorder, path, order=order, derivative_of="interpolant")
    # Order 1 reads rows 99 to 101 on the pixel centres, order 3 16 pixels more.
    rows = {key[0] for key in recorder.reads}
    assert rows == {(64, 128)}
    assert len(recorder.reads) == len({key for key in recorder.reads})
    expected = line_profile(image, path, order=order, derivative_of="interpolant")
    assert_allclose(profile.derivative, expected.derivative, rtol=1e-6, atol=1e-6)
    lazy = line_profile(da.from_array(image, chunks=64), path, order=order,
                        derivative_of="interpolant")  # fmt: skip
    assert_allclose(lazy.derivative, expected.derivative, rtol=1e-6, atol=1e-6)
