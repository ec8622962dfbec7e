"""Invariants of the pure API, checked on examples that hypothesis draws.

The examples are derandomized (the profile in conftest.py): every run, here and in CI,
checks the same ones. Image contents come from numpy generators seeded by a drawn
integer, which is quick and keeps the examples small to print.
"""

from __future__ import annotations

from functools import partial

import dask
import dask.array as da
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from napari_derivatives import (
    BOUNDARY_MODES,
    METHODS,
    SAMPLING_MODES,
    gradient,
    gradient_direction,
    gradient_magnitude,
    gradient_outputs,
    line_profile,
)
from napari_derivatives._core.kernels import halo_depth, max_sigma
from napari_derivatives._core.spline import halo

SPACINGS = st.sampled_from([0.25, 0.5, 1.0, 1.5, 3.0])
SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def options(draw, shape, axes=None, sigma_px=(0.3, 3.0)):
    """Draw a method, a mode, a spacing per axis and a sigma the image takes."""
    method = draw(st.sampled_from(METHODS))
    mode = draw(st.sampled_from(BOUNDARY_MODES))
    spacing = tuple(draw(SPACINGS) for _ in shape)
    sigma = draw(st.floats(*sigma_px)) * min(spacing)
    differentiated = tuple(range(len(shape))) if axes is None else axes
    sigma = min(sigma, max_sigma(shape, spacing, differentiated))
    return {"method": method, "mode": mode, "spacing": spacing, "sigma": sigma, "axes": axes}


def shapes(ndim=None, side=None):
    """Draw shapes of 2 or 3 axes (``ndim``), each of 2 to 9 samples (``side``)."""
    ndim = st.integers(2, 3) if ndim is None else ndim
    side = st.integers(2, 9) if side is None else side
    return ndim.flatmap(lambda n: st.tuples(*[side] * n))


def reach(shape, settings):
    """How far the operator reaches from each pixel, per axis (0 where it does not)."""
    axes = tuple(range(len(shape))) if settings["axes"] is None else settings["axes"]
    if settings["method"] == "spline":
        # The prefilter reaches to the rounding of float32 (see .spline), on every axis
        # it runs along.
        return tuple(halo(np.dtype(np.float32)) if k in axes else 0 for k in range(len(shape)))
    return halo_depth(
        len(shape), axes, settings["spacing"], settings["method"], settings["sigma"], axes
    )


# --- linearity -------------------------------------------------------------------------------


@given(st.data())
def test_gradients_are_linear(data):
    shape = data.draw(shapes())
    settings = data.draw(options(shape))
    a, b = data.draw(st.floats(-4, 4)), data.draw(st.floats(-4, 4))
    rng = np.random.default_rng(data.draw(SEEDS))
    first, second = rng.normal(size=(2, *shape))
    combined = gradient(a * first + b * second, **settings)
    for got, one, two in zip(
        combined, gradient(first, **settings), gradient(second, **settings), strict=True
    ):
        expected = a * one.astype(np.float64) + b * two.astype(np.float64)
        # float64 inside, float32 out: each result is rounded once to float32.
        scale = abs(a) * np.abs(one).max() + abs(b) * np.abs(two).max() + 1e-30
        assert_allclose(got, expected, rtol=0, atol=4e-7 * scale)


# --- translation, flips, rotations ----------------------------------------------------------


@given(st.data())
def test_translation_moves_the_results_away_from_the_border(data):
    shape = data.draw(shapes(side=st.integers(6, 14)))
    settings = data.draw(options(shape, sigma_px=(0.3, 1.2)))
    radius = reach(shape, settings)
    shift = tuple(data.draw(st.integers(0, 4)) for _ in shape)
    rng = np.random.default_rng(data.draw(SEEDS))
    large = rng.normal(size=tuple(n + s for n, s in zip(shape, shift, strict=True)))
    large = large.astype(np.float32)
    here = large[tuple(slice(0, n) for n in shape)]
    there = large[tuple(slice(s, s + n) for n, s in zip(shape, shift, strict=True))]
    # The pixels whose footprint holds only real samples in both windows.
    inside = tuple(slice(r, n - r - s) for n, r, s in zip(shape, radius, shift, strict=True))
    moved = tuple(slice(r + s, n - r) for n, r, s in zip(shape, radius, shift, strict=True))
    for got, want in zip(gradient(there, **settings), gradient(here, **settings), strict=True):
        assert_array_equal(got[inside], want[moved])


@given(st.data())
def test_a_flip_negates_its_own_component_only(data):
    shape = data.draw(shapes())
    settings = data.draw(options(shape))
    axis = data.draw(st.integers(0, len(shape) - 1))
    rng = np.random.default_rng(data.draw(SEEDS))
    image = rng.normal(size=shape).astype(np.float32)
    flipped = np.flip(image, axis=axis)
    originals = gradient(image, **settings)
    # The spline's recursive prefilter runs forwards then backwards along each line, so a
    # flip changes the order of its roundings: equal to float32 rounding, not bit for bit.
    same = (
        partial(
            assert_allclose, rtol=0, atol=1e-5 * np.abs(image).max() / min(settings["spacing"])
        )
        if settings["method"] == "spline"
        else assert_array_equal
    )
    for index, (got, want) in enumerate(
        zip(gradient(flipped, **settings), originals, strict=True)
    ):
        sign = -1 if index == axis else 1
        same(got, sign * np.flip(want, axis=axis))
    same(
        gradient_magnitude(flipped, **settings),
        np.flip(gradient_magnitude(image, **settings), axis=axis),
    )


@given(st.data())
def test_a_transpose_swaps_the_components(data):
    shape = data.draw(shapes(ndim=st.just(2)))
    settings = data.draw(options(shape))
    rng = np.random.default_rng(data.draw(SEEDS))
    image = rng.normal(size=shape).astype(np.float32)
    d_row, d_col = gradient(image, **settings)
    swapped = dict(settings, spacing=settings["spacing"][::-1])
    t_row, t_col = gradient(image.T, **swapped)
    # The passes run in axis order, so their rounding may differ: float32 ulps of the
    # intensities, per unit of spacing.
    scale = np.abs(image).max() / min(settings["spacing"])
    assert_allclose(t_row, d_col.T, rtol=0, atol=1e-6 * scale)
    assert_allclose(t_col, d_row.T, rtol=0, atol=1e-6 * scale)


@given(st.data())
def test_a_quarter_turn_turns_the_gradient(data):
    shape = data.draw(shapes(ndim=st.just(2)))
    settings = data.draw(options(shape))
    rng = np.random.default_rng(data.draw(SEEDS))
    image = rng.normal(size=shape).astype(np.float32)
    d_row, d_col = gradient(image, **settings)
    # np.rot90: turned[i, j] = image[j, m - 1 - i], so d/di = -d/dx and d/dj = d/dy.
    turned = dict(settings, spacing=settings["spacing"][::-1])
    r_row, r_col = gradient(np.rot90(image), **turned)
    scale = np.abs(image).max() / min(settings["spacing"])
    assert_allclose(r_row, -np.rot90(d_col), rtol=0, atol=1e-6 * scale)
    assert_allclose(r_col, np.rot90(d_row), rtol=0, atol=1e-6 * scale)


# --- ramps -----------------------------------------------------------------------------------

DTYPES = [np.uint8, np.uint16, np.int32, np.float32, np.float64]


@given(st.data())
def test_ramps_are_exact_wherever_the_mode_continues_them(data):
    shape = data.draw(shapes(side=st.integers(2, 12)))
    dtype = data.draw(st.sampled_from(DTYPES))
    settings = data.draw(options(shape, sigma_px=(0.3, 40.0)))
    spacing = settings["spacing"]
    # Whole intensity steps per pixel, small enough for uint8 over the image.
    steps = [data.draw(st.integers(-3, 3)) for _ in shape]
    grids = np.indices(shape)
    ramp = sum(step * grid for step, grid in zip(steps, grids, strict=True))
    image = (ramp - ramp.min() + data.draw(st.integers(0, 10))).astype(dtype)
    results = gradient(image, **settings)
    # 'extrapolate' continues a ramp, and central differences are one-sided at the
    # border: exact everywhere. The other modes bend it within the kernel's reach.
    exact_everywhere = settings["mode"] == "extrapolate" or settings["method"] == "central"
    radius = (0,) * len(shape) if exact_everywhere else reach(shape, settings)
    if any(2 * r >= n for r, n in zip(radius, shape, strict=True)):
        return
    inside = tuple(slice(r, n - r) for r, n in zip(radius, shape, strict=True))
    slopes = [step / h for step, h in zip(steps, spacing, strict=True)]
    # float32 sums of intensities up to about 50: a few ulps of those, per unit of spacing.
    tolerance = 2e-6 * max(float(image.max()), 1.0) / min(spacing)
    for got, slope in zip(results, slopes, strict=True):
        assert_allclose(got[inside], slope, rtol=1e-4, atol=tolerance)


# --- lazy equals eager -----------------------------------------------------------------------


@st.composite
def lazy_cases(draw):
    shape = draw(shapes(side=st.integers(2, 8)))
    ndim = len(shape)
    axes = draw(
        st.sampled_from(
            [None, *[(k,) for k in range(ndim)], *[(k, ndim - 1) for k in range(ndim - 1)]]
        )
    )
    chunks = tuple(draw(st.integers(1, n)) for n in shape)
    return shape, axes, chunks, draw(options(shape, axes=axes, sigma_px=(0.3, 6.0)))


@given(lazy_cases(), SEEDS)
def test_lazy_results_equal_the_eager_ones(case, seed):
    # Axes of 2 or 3 samples with kernels reaching 24 pixels: thinner than the halo.
    shape, axes, chunks, settings = case
    image = np.random.default_rng(seed).normal(50.0, 10.0, size=shape).astype(np.float32)
    source = da.from_array(image, chunks=chunks)
    eager = [*gradient(image, **settings), gradient_magnitude(image, **settings)]
    lazy = [*gradient(source, **settings), gradient_magnitude(source, **settings)]
    if axes is None or len(axes) >= 2:
        eager.append(gradient_direction(image, **settings))
        lazy.append(gradient_direction(source, **settings))
    with dask.config.set(scheduler="synchronous"):
        computed = dask.compute(*lazy)
    for got, want in zip(computed, eager, strict=True):
        assert_array_equal(got, want)


# --- line profiles ---------------------------------------------------------------------------


@given(st.data())
def test_a_reversed_line_gives_the_reversed_profile_and_the_negated_slope(data):
    shape = data.draw(st.tuples(st.integers(4, 16), st.integers(4, 16)))
    rng = np.random.default_rng(data.draw(SEEDS))
    image = rng.normal(size=shape)
    count = data.draw(st.integers(2, 4))
    path = rng.uniform(0, np.array(shape) - 1, size=(count, 2))
    if np.all(np.ptp(path, axis=0) < 0.5):
        return
    settings = {
        "step": data.draw(st.sampled_from([0.5, 1.0, 1.7])),
        "order": data.draw(st.sampled_from([1, 3])),
        "smooth": data.draw(st.sampled_from([0.0, 1.5])),
        "mode": data.draw(st.sampled_from(SAMPLING_MODES)),
        "spacing": (data.draw(SPACINGS), data.draw(SPACINGS)),
    }
    forward = line_profile(image, path, **settings)
    backward = line_profile(image, path[::-1], **settings)
    assert len(forward) == len(backward)
    assert_allclose(backward.distance[-1], forward.distance[-1], rtol=1e-12)
    assert_allclose(backward.coords, forward.coords[::-1], atol=1e-9)
    assert_allclose(backward.values, forward.values[::-1], atol=1e-9)
    assert_allclose(backward.derivative, -forward.derivative[::-1], atol=1e-7)


# --- inputs are never modified ---------------------------------------------------------------


@given(st.data())
def test_no_input_is_modified(data):
    shape = data.draw(shapes())
    dtype = data.draw(st.sampled_from([*DTYPES, np.bool_]))
    settings = data.draw(options(shape))
    rng = np.random.default_rng(data.draw(SEEDS))
    image = (rng.random(shape) * 100).astype(dtype)
    if data.draw(st.booleans()):
        image = np.ma.array(image, mask=rng.random(shape) < 0.2)
    if data.draw(st.booleans()):
        image.setflags(write=False)
    before = image.copy()
    names = ("gx", "gy", "magnitude", "direction")
    gradient(image, **settings)
    gradient_magnitude(image, **settings)
    gradient_direction(image, **settings)
    gradient_outputs(image, names if len(shape) == 2 else ("gz", *names), **settings)
    path = np.array([[0.0] * len(shape), [n - 1.0 for n in shape]])
    path_before = path.copy()
    line_profile(image, path, mode=data.draw(st.sampled_from(SAMPLING_MODES)))
    assert_array_equal(np.ma.getdata(image), np.ma.getdata(before))
    assert_array_equal(np.ma.getmaskarray(image), np.ma.getmaskarray(before))
    assert image.dtype == before.dtype
    assert_array_equal(path, path_before)
