"""Second derivatives in physical units: quadratics, cubics and quartics checkable by hand."""

from __future__ import annotations

import math

import dask.array as da
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import napari_derivatives as nd
from napari_derivatives import BOUNDARY_MODES, SECOND_ORDER_METHODS
from napari_derivatives._core.kernels import gaussian_kernel, order_passes

SPACING = (0.7, 1.3)
A, B, C = 1.5, -0.8, 0.3  # I = A y^2 + B x y + C x^2 + linear terms


def quadratic(shape=(48, 40), spacing=SPACING, dtype=np.float64, offset=5.0):
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    y, x = rows * spacing[0], cols * spacing[1]
    image = A * y**2 + B * x * y + C * x**2 + 2.0 * y - 3.0 * x + offset
    return image.astype(dtype)


def inside(margin, ndim=2):
    return (slice(margin, -margin),) * ndim


# --- kernels ---------------------------------------------------------------------------------


@pytest.mark.parametrize("order", range(5))
@pytest.mark.parametrize("sigma_px", [0.01, 0.2, 0.5, 1.0, 2.3, 7.0, 40.0])
def test_gaussian_kernels_have_exact_moments(order, sigma_px):
    weights = gaussian_kernel(sigma_px, order)
    radius = weights.size // 2
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    for power in range(order + 1):
        moment = np.sum(weights * offsets**power) / math.factorial(power)
        scale = np.sum(np.abs(weights * offsets**power)) / math.factorial(power)
        assert abs(moment - (power == order)) <= 1e-12 * max(scale, 1.0), (power, moment)
    if order >= 3:
        assert radius >= 2
    # The parity of the order: the engine pairs the taps of (anti)symmetric kernels.
    assert_array_equal(weights, (-1) ** order * weights[::-1])


def test_tiny_sigma_gives_the_finite_differences():
    assert_allclose(gaussian_kernel(0.01, 2), [1.0, -2.0, 1.0], atol=1e-12)
    assert_allclose(gaussian_kernel(0.01, 4), [1.0, -4.0, 6.0, -4.0, 1.0], atol=1e-9)


def test_central_passes_are_the_textbook_stencils():
    passes = order_passes((2, 1), (0, 1), (0.5, 2.0), "central", 1.0)
    assert [axis for axis, _ in passes] == [0, 1]
    assert_allclose(passes[0][1], np.array([1.0, -2.0, 1.0]) / 0.25)
    assert_allclose(passes[1][1], np.array([-0.5, 0.0, 0.5]) / 2.0)


# --- the units contract ----------------------------------------------------------------------


@pytest.mark.parametrize("method", SECOND_ORDER_METHODS)
@pytest.mark.parametrize("mode", BOUNDARY_MODES)
def test_quadratic_gives_exact_hessian_for_every_method_and_mode(method, mode):
    image = quadratic()
    h_yy, h_yx, h_xx = nd.hessian(image, method=method, sigma=1.5, spacing=SPACING, mode=mode)
    # Away from the border: 4 sigma / finest pixel, plus one.
    core = inside(10)
    assert_allclose(h_yy[core], 2 * A, rtol=1e-4)
    assert_allclose(h_yx[core], B, rtol=1e-4)
    assert_allclose(h_xx[core], 2 * C, rtol=1e-4)
    lap = nd.laplacian(image, method=method, sigma=1.5, spacing=SPACING, mode=mode)
    assert_allclose(lap[core], 2 * A + 2 * C, rtol=1e-4)


@pytest.mark.parametrize("method", SECOND_ORDER_METHODS)
def test_float32_quadratic_is_exact_to_float32_rounding(method):
    image = quadratic(dtype=np.float32)
    h_yy, h_yx, h_xx = nd.hessian(image, method=method, sigma=1.0, spacing=SPACING)
    # Rounding of the samples, amplified by the second difference: eps * |I| / h^2.
    tolerance = 16 * np.finfo(np.float32).eps * np.abs(image).max() / min(SPACING) ** 2
    core = inside(8)
    assert_allclose(h_yy[core], 2 * A, atol=tolerance)
    assert_allclose(h_yx[core], B, atol=tolerance)
    assert_allclose(h_xx[core], 2 * C, atol=tolerance)
    assert h_yy.dtype == np.float32


def test_float64_keeps_small_curvatures_on_large_values():
    # 1e6 + a gentle bowl: float32 samples would lose the curvature in the offset.
    image = quadratic(offset=1e6)
    h_yy, h_yx, h_xx = nd.hessian(image, method="central", spacing=SPACING)
    core = inside(2)
    assert_allclose(h_yy[core], 2 * A, rtol=1e-4)
    assert_allclose(h_yx[core], B, rtol=1e-4)
    assert_allclose(h_xx[core], 2 * C, rtol=1e-4)


def test_volume_hessian_with_anisotropic_spacing_and_every_cross_term():
    spacing = (2.0, 0.5, 0.8)
    z, y, x = (grid * step for grid, step in zip(np.mgrid[0:24, 0:26, 0:28], spacing, strict=True))
    coefficients = {"zz": 0.3, "zy": -0.4, "zx": 0.25, "yy": 1.1, "yx": 0.6, "xx": -0.7}
    image = (
        coefficients["zz"] * z**2
        + coefficients["zy"] * z * y
        + coefficients["zx"] * z * x
        + coefficients["yy"] * y**2
        + coefficients["yx"] * y * x
        + coefficients["xx"] * x**2
        + z
        - y
    )
    expected = [
        2 * coefficients["zz"],
        coefficients["zy"],
        coefficients["zx"],
        2 * coefficients["yy"],
        coefficients["yx"],
        2 * coefficients["xx"],
    ]
    for method in SECOND_ORDER_METHODS:
        # Kernel radii: 2, 8 and 5 pixels along z, y, x.
        components = nd.hessian(image, method=method, sigma=1.0, spacing=spacing)
        assert len(components) == 6
        core = (slice(3, -3), slice(9, -9), slice(6, -6))
        for component, value in zip(components, expected, strict=True):
            assert_allclose(component[core], value, rtol=1e-4, atol=1e-6)


def test_planes_of_a_stack_are_differentiated_on_their_own():
    planes = np.stack([quadratic(), 2 * quadratic(), -quadratic()])
    per_stack = nd.hessian(planes, sigma=1.2, spacing=(5.0, *SPACING), axes=(1, 2))
    for index in range(3):
        alone = nd.hessian(planes[index], sigma=1.2, spacing=SPACING)
        for stacked, single in zip(per_stack, alone, strict=True):
            assert_array_equal(stacked[index], single)


@pytest.mark.parametrize("method", SECOND_ORDER_METHODS)
def test_derivative_of_any_order_on_polynomials(method):
    rows, cols = np.mgrid[0:40, 0:44].astype(np.float64)
    y, x = rows * 0.5, cols * 1.5
    core = inside(12)
    # d3/dy2dx of y^2 x = 2, d2/dydx of x y = 1.
    assert_allclose(
        nd.derivative(y**2 * x, (2, 1), method=method, spacing=(0.5, 1.5))[core], 2.0, rtol=1e-5
    )
    assert_allclose(
        nd.derivative(x * y + y, (1, 1), method=method, spacing=(0.5, 1.5))[core], 1.0, rtol=1e-5
    )
    if method == "gaussian":
        # Orders 3 and 4 along one axis: x^3 -> 6, x^4 / 24 -> 1, with the lower terms.
        cubic = x**3 - 2 * x**2 + y
        assert_allclose(nd.derivative(cubic, (0, 3), spacing=(0.5, 1.5))[core], 6.0, rtol=1e-4)
        quartic = x**4 / 24 + x**3 + y**2
        assert_allclose(nd.derivative(quartic, (0, 4), spacing=(0.5, 1.5))[core], 1.0, rtol=1e-3)


def test_derivative_matches_the_hessian_component():
    image = quadratic()
    h_yy, h_yx, _ = nd.hessian(image, sigma=1.3, spacing=SPACING)
    assert_array_equal(nd.derivative(image, (2, 0), sigma=1.3, spacing=SPACING), h_yy)
    assert_array_equal(nd.derivative(image, (1, 1), sigma=1.3, spacing=SPACING), h_yx)


def test_gaussian_hessian_matches_scipy_gaussian_filter_in_physical_units(rng):
    # On an isotropic grid, scipy's derivative of Gaussian differs only by its kernels'
    # normalisation (sampled, not moment-normalised): agreement to a fraction of a percent.
    from scipy import ndimage as ndi

    image = ndi.gaussian_filter(rng.normal(size=(80, 80)), 4.0) * 100
    h_yy, h_yx, h_xx = nd.hessian(image, sigma=2.0, spacing=0.5, mode="reflect")
    sigma_px = 4.0
    for component, order in zip((h_yy, h_yx, h_xx), ((2, 0), (1, 1), (0, 2)), strict=True):
        reference = ndi.gaussian_filter(image, sigma_px, order=order, mode="reflect") / 0.25
        core = inside(20)
        scale = np.abs(reference[core]).max()
        assert_allclose(component[core], reference[core], atol=0.01 * scale)


# --- dtypes, NaN, dask -----------------------------------------------------------------------


def test_uint16_never_wraps():
    image = np.zeros((30, 30), dtype=np.uint16)
    image[:, 15:] = 65535
    as_float = image.astype(np.float64)
    for method in SECOND_ORDER_METHODS:
        for wide, narrow in zip(
            nd.hessian(as_float, method=method), nd.hessian(image, method=method), strict=True
        ):
            assert_allclose(narrow, wide, atol=65535 * 1e-6)
        # The step's second derivative has both signs, as large as the step allows.
        h_xx = nd.hessian(image, method=method)[2]
        assert h_xx.max() > 1000 and h_xx.min() < -1000


@pytest.mark.parametrize("method", SECOND_ORDER_METHODS)
def test_nan_affects_only_its_neighbourhood(method, rng):
    image = rng.normal(size=(40, 40))
    spoiled = image.copy()
    spoiled[20, 20] = np.nan
    sigma = 1.0
    radius = 1 if method == "central" else 4
    clean = nd.hessian_eigenvalues(image, method=method, sigma=sigma)
    dirty = nd.hessian_eigenvalues(spoiled, method=method, sigma=sigma)
    near = np.zeros(image.shape, dtype=bool)
    near[20 - radius : 21 + radius, 20 - radius : 21 + radius] = True
    assert np.isnan(dirty[:, 20, 20]).all()
    assert not np.isnan(dirty[:, ~near]).any()
    assert_array_equal(dirty[:, ~near], clean[:, ~near])


@pytest.mark.parametrize("mode", ["extrapolate", "reflect", "wrap", "mirror", "constant"])
@pytest.mark.parametrize("method", SECOND_ORDER_METHODS)
def test_dask_gives_dask_with_the_same_values(method, mode, rng):
    image = rng.normal(100, 20, size=(3, 29, 33)).astype(np.float32)
    source = da.from_array(image, chunks=(1, 6, 7))
    options = {"method": method, "sigma": 1.5, "spacing": (4.0, 0.8, 1.2), "mode": mode}
    for function in (nd.hessian, nd.laplacian, nd.hessian_eigenvalues):
        lazy = function(source, axes=(1, 2), **options)
        eager = function(image, axes=(1, 2), **options)
        for lazy_part, eager_part in zip(
            lazy if isinstance(lazy, tuple) else [lazy],
            eager if isinstance(eager, tuple) else [eager],
            strict=True,
        ):
            assert isinstance(lazy_part, da.Array)
            assert_array_equal(lazy_part.compute(), eager_part)
    lazy = nd.derivative(source, (0, 2, 1), **options)
    assert_array_equal(lazy.compute(), nd.derivative(image, (0, 2, 1), **options))
    assert nd.laplacian(source, axes=(1, 2), **options).chunks == source.chunks


def test_volume_of_uint16_lazy_equals_eager(rng):
    volume = rng.integers(0, 4000, size=(12, 13, 14), dtype=np.uint16)
    source = da.from_array(volume, chunks=5)
    lazy = nd.hessian_eigenvalues(source, sigma=1.0, spacing=(2.0, 1.0, 1.0))
    assert lazy.shape == (3, 12, 13, 14)
    assert_array_equal(
        lazy.compute(), nd.hessian_eigenvalues(volume, sigma=1.0, spacing=(2.0, 1.0, 1.0))
    )


def test_inputs_are_never_modified(rng):
    image = rng.integers(0, 255, size=(20, 21)).astype(np.uint8)
    copy = image.copy()
    nd.hessian(image)
    nd.hessian_eigenvalues(image)
    nd.structure_tensor_eigenvalues(image)
    nd.second_order_outputs(image, ("Hxx", "orientation", "coherence"))
    assert_array_equal(image, copy)


# --- named outputs ---------------------------------------------------------------------------


def test_named_outputs_equal_the_single_functions(rng):
    image = rng.normal(size=(31, 29))
    options = {"sigma": 1.2, "spacing": SPACING}
    names = (
        "Hxx",
        "Hyx",
        "Hyy",
        "laplacian",
        "hessian_eigenvalue_2",
        "hessian_eigenvalue_1",
        "structure_eigenvalue_1",
        "structure_eigenvalue_2",
        "orientation",
        "coherence",
    )
    result = nd.second_order_outputs(image, names, rho=3.0, **options)
    assert list(result) == list(names)
    h_yy, h_yx, h_xx = nd.hessian(image, **options)
    assert_array_equal(result["Hyy"], h_yy)
    assert_array_equal(result["Hyx"], h_yx)
    assert_array_equal(result["Hxx"], h_xx)
    assert_array_equal(result["laplacian"], nd.laplacian(image, **options))
    eigen = nd.hessian_eigenvalues(image, **options)
    assert_array_equal(result["hessian_eigenvalue_1"], eigen[0])
    assert_array_equal(result["hessian_eigenvalue_2"], eigen[1])
    structure = nd.structure_tensor_eigenvalues(image, rho=3.0, **options)
    assert_array_equal(result["structure_eigenvalue_1"], structure[0])
    assert_array_equal(result["structure_eigenvalue_2"], structure[1])
    assert_array_equal(result["orientation"], nd.orientation(image, rho=3.0, **options))
    assert_array_equal(result["coherence"], nd.coherence(image, rho=3.0, **options))


def test_named_outputs_of_a_volume_and_of_its_planes(rng):
    volume = rng.normal(size=(6, 20, 22))
    result = nd.second_order_outputs(volume, ("Hzz", "Hzx", "hessian_eigenvalue_3"), sigma=1.0)
    h_zz, _, h_zx, *_ = nd.hessian(volume, sigma=1.0)
    assert_array_equal(result["Hzz"], h_zz)
    assert_array_equal(result["Hzx"], h_zx)
    assert_array_equal(
        result["hessian_eigenvalue_3"], nd.hessian_eigenvalues(volume, sigma=1.0)[2]
    )
    planes = nd.second_order_outputs(volume, ("Hyy", "orientation"), axes=(1, 2))
    assert_array_equal(planes["orientation"], nd.orientation(volume))
    with pytest.raises(ValueError, match="`outputs`"):
        nd.second_order_outputs(volume, ("Hzz",), axes=(1, 2))
    with pytest.raises(ValueError, match="`outputs`"):
        nd.second_order_outputs(volume, ("hessian_eigenvalue_3",), axes=(1, 2))
    with pytest.raises(ValueError, match="`axes`"):
        nd.second_order_outputs(volume, ("coherence",))


def test_named_outputs_of_dask_shared_or_not(rng):
    image = rng.normal(size=(30, 34)).astype(np.float32)
    source = da.from_array(image, chunks=(8, 9))
    names = ("Hyx", "laplacian", "hessian_eigenvalue_1", "coherence", "structure_eigenvalue_2")
    eager = nd.second_order_outputs(image, names, sigma=1.1, rho=2.5)
    for shared in (False, True):
        lazy = nd.second_order_outputs(source, names, sigma=1.1, rho=2.5, shared=shared)
        for name in names:
            assert lazy[name].chunks == source.chunks
            assert_array_equal(lazy[name].compute(), eager[name], err_msg=name)


def test_central_hessian_with_structure_outputs_uses_the_gaussian_for_the_tensor(rng):
    image = rng.normal(size=(25, 25))
    result = nd.second_order_outputs(image, ("Hxx", "coherence"), method="central", sigma=1.5)
    assert_array_equal(result["Hxx"], nd.hessian(image, method="central")[2])
    assert_array_equal(result["coherence"], nd.coherence(image, sigma=1.5))


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda image: nd.derivative(image, (2,)), "order"),
        (lambda image: nd.derivative(image, (1, 2, 0)), "order"),
        (lambda image: nd.derivative(image, (3, 2)), "order"),
        (lambda image: nd.derivative(image, (0, 0)), "order"),
        (lambda image: nd.derivative(image, (-1, 2)), "order"),
        (lambda image: nd.derivative(image, (1.5, 0)), "order"),
        (lambda image: nd.derivative(image, (3, 0), method="central"), "order"),
        (lambda image: nd.derivative(image, (1, 0), method="sobel"), "method"),
        (lambda image: nd.hessian(image, method="farid"), "method"),
        (lambda image: nd.hessian(image, sigma=0.0), "sigma"),
        (lambda image: nd.laplacian(image, sigma=-1.0), "sigma"),
        (lambda image: nd.hessian(image, axes=(0, 2)), "axes"),
        (lambda image: nd.hessian(image, mode="bogus"), "mode"),
        (lambda image: nd.structure_tensor(image, rho=0.0), "rho"),
        (lambda image: nd.structure_tensor_eigenvalues(image, rho=float("nan")), "rho"),
        (lambda image: nd.coherence(image, sigma=float("inf")), "sigma"),
        (lambda image: nd.orientation(image, axes=(0,)), "axes"),
        (lambda image: nd.hessian(image, spacing=(1.0, 0.0)), "spacing"),
        (lambda image: nd.second_order_outputs(image, ("Hqq",)), "outputs"),
        (lambda image: nd.second_order_outputs(image, ()), "outputs"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        call(np.zeros((16, 16)))


def test_bad_images_and_axes_counts():
    with pytest.raises(ValueError, match="`image`"):
        nd.hessian(np.float64(3.0))
    with pytest.raises(ValueError, match="`image`"):
        nd.laplacian(np.zeros((8, 8), dtype=complex))
    with pytest.raises(ValueError, match="`axes`"):
        nd.orientation(np.zeros((6, 8, 8)), axes=(0, 1, 2))
    with pytest.raises(ValueError, match="`axes`"):
        nd.hessian_eigenvalues(np.zeros((3, 4, 5, 6)))
    with pytest.raises(ValueError, match="`rho`"):
        nd.structure_tensor(np.zeros((8, 8)), rho=1e6)


def test_kernels_longer_than_the_image_lazy_equals_eager(rng):
    # sigma 6 px: radius 24, longer than the 20-sample axes (folded onto them).
    image = rng.normal(size=(20, 20)).astype(np.float32)
    source = da.from_array(image, chunks=(7, 6))
    for mode in ("extrapolate", "reflect", "wrap"):
        options = {"sigma": 6.0, "mode": mode}
        assert_array_equal(
            nd.hessian_eigenvalues(source, **options).compute(),
            nd.hessian_eigenvalues(image, **options),
        )
        assert_array_equal(
            nd.coherence(source, rho=8.0, **options).compute(),
            nd.coherence(image, rho=8.0, **options),
        )


def test_wide_gaussian_on_a_periodic_wave_has_the_gaussian_gain():
    # 'wrap' continues a periodic image exactly, so even a kernel wider than the image
    # sees a smooth function: cos(2 pi x / 64) has d2/dx2 = -(2 pi / 64)^2 cos(...) times
    # the kernel's gain, which for a moment-normalised Gaussian is exp(-(k sigma)^2 / 2).
    cols = np.arange(64, dtype=np.float64)
    wave = 2 * np.pi / 64
    image = np.tile(np.cos(wave * cols), (8, 1))
    sigma = 3.0
    h_xx = nd.derivative(image, (0, 2), sigma=sigma, mode="wrap")
    expected = -(wave**2) * np.exp(-((wave * sigma) ** 2) / 2) * np.cos(wave * cols)
    assert_allclose(h_xx[4], expected, atol=2e-3 * wave**2)
