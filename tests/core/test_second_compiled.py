"""The second order's compiled loops: they run, and give the numpy path's values.

The structure tensor (planes, stacks, volumes), the Hessian of a volume and the
per-block eigenvalues run compiled where numba is there (:mod:`napari_derivatives.
_core.compiled` counts their calls); ``NAPARI_DERIVATIVES_JIT=0`` runs the numpy path.
Tensors and Hessian components are equal bit for bit; eigenvalues, orientation and
coherence to float32 rounding (libm's functions instead of numpy's).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import napari_derivatives as nd
from napari_derivatives._core import compiled

pytest.importorskip("numba")


def _both(monkeypatch, function):
    """Return (numpy path's result, compiled result, compiled calls made by the latter)."""
    monkeypatch.setenv("NAPARI_DERIVATIVES_JIT", "0")
    plain = function()
    monkeypatch.setenv("NAPARI_DERIVATIVES_JIT", "1")
    before = compiled.calls
    fast = function()
    return plain, fast, compiled.calls - before


def _close(plain, fast):
    scale = float(np.max(np.abs(plain))) or 1.0
    assert_allclose(fast, plain, rtol=0, atol=2e-6 * scale)


def test_ramp_tensor_is_exact_and_equal_to_the_numpy_path(monkeypatch):
    rows, cols = np.mgrid[0:40, 0:50].astype(np.float32)
    image = 3 * rows - 2 * cols
    plain, fast, calls = _both(monkeypatch, lambda: nd.structure_tensor(image, rho=1.5))
    assert calls >= 1
    for want, got, exact in zip(plain, fast, (9.0, -6.0, 4.0), strict=True):
        assert_array_equal(got, want)
        assert_allclose(got[15:25, 15:35], exact, rtol=1e-5)
    plain, fast, calls = _both(monkeypatch, lambda: nd.structure_tensor_eigenvalues(image))
    assert calls >= 1
    _close(plain, fast)
    assert_allclose(fast[0][15:25, 15:35], 13.0, rtol=1e-5)
    assert_allclose(fast[1][15:25, 15:35], 0.0, atol=1e-4)


@pytest.mark.parametrize("mode", ["extrapolate", "reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("dtype", [np.uint16, np.float32, np.float64])
def test_grating_orientation_and_coherence_equal_the_numpy_path(monkeypatch, mode, dtype):
    rows, cols = np.mgrid[0:48, 0:45].astype(np.float64)
    angle = np.deg2rad(30.0)
    grating = 1000 + 500 * np.sin(0.6 * (np.cos(angle) * cols + np.sin(angle) * rows))
    image = grating.astype(dtype)
    options = {"sigma": 1.2, "rho": 2.5, "spacing": (1.0, 1.1), "mode": mode}
    names = ("structure_eigenvalue_1", "structure_eigenvalue_2", "orientation", "coherence")
    plain, fast, calls = _both(
        monkeypatch, lambda: nd.second_order_outputs(image, names, **options)
    )
    assert calls >= 1
    for name in names:
        _close(plain[name], fast[name])
    tensor_plain, tensor_fast, _ = _both(
        monkeypatch, lambda: nd.structure_tensor(image, **options)
    )
    for want, got in zip(tensor_plain, tensor_fast, strict=True):
        assert_array_equal(got, want)


def test_stack_planes_and_volume_tensor(monkeypatch, rng):
    stack = rng.normal(size=(4, 30, 33)).astype(np.float32)
    plain, fast, calls = _both(monkeypatch, lambda: nd.coherence(stack, sigma=1.0, rho=1.5))
    assert calls >= 4
    _close(plain, fast)
    volume = rng.normal(size=(28, 24, 26)).astype(np.float32)
    options = {"sigma": 1.0, "rho": 1.5, "spacing": (2.0, 1.0, 1.0), "mode": "mirror"}
    plain, fast, calls = _both(monkeypatch, lambda: nd.structure_tensor(volume, **options))
    assert calls >= 1
    for want, got in zip(plain, fast, strict=True):
        assert_array_equal(got, want)
    plain, fast, _ = _both(monkeypatch, lambda: nd.structure_tensor_eigenvalues(volume, **options))
    _close(plain, fast)


@pytest.mark.parametrize("mode", ["extrapolate", "reflect", "wrap", "constant"])
def test_volume_hessian_of_a_quadratic(monkeypatch, mode):
    z, y, x = np.mgrid[0:24, 0:22, 0:26].astype(np.float64)
    volume = (0.5 * z**2 + 2 * z * y - 1.5 * x**2 + 3 * y * x + 4 * z).astype(np.float32)
    options = {"sigma": 1.0, "spacing": (1.0, 1.0, 1.0), "mode": mode}
    plain, fast, calls = _both(monkeypatch, lambda: nd.hessian(volume, **options))
    assert calls >= 1
    for want, got, exact in zip(plain, fast, (1.0, 2.0, 0.0, 0.0, 3.0, -3.0), strict=True):
        assert_array_equal(got, want)
        assert_allclose(got[8:16, 8:14, 8:18], exact, atol=2e-3)
    plain, fast, _ = _both(monkeypatch, lambda: nd.laplacian(volume, **options))
    assert_array_equal(fast, plain)
    assert_allclose(fast[8:16, 8:14, 8:18], -2.0, atol=2e-3)
    plain, fast, _ = _both(monkeypatch, lambda: nd.hessian_eigenvalues(volume, **options))
    _close(plain, fast)
    exact = np.linalg.eigvalsh(np.array([[1.0, 2, 0], [2, 0, 3], [0, 3, -3]]))[::-1]
    assert_allclose(fast[:, 12, 11, 13], exact, atol=2e-3)


def test_partial_outputs_and_wide_integers(monkeypatch, rng):
    volume = rng.integers(0, 2**31, size=(20, 18, 19)).astype(np.int64)
    names = ("Hzy", "laplacian")
    plain, fast, calls = _both(monkeypatch, lambda: nd.second_order_outputs(volume, names))
    assert calls >= 1
    for name in names:
        assert_array_equal(fast[name], plain[name])


def test_lazy_volume_gives_the_eager_values(monkeypatch, rng):
    da = pytest.importorskip("dask.array")
    volume = rng.normal(size=(40, 20, 21)).astype(np.float32)
    lazy = da.from_array(volume, chunks=(20, 20, 21))
    before = compiled.calls
    got = nd.hessian_eigenvalues(lazy, sigma=1.0).compute()
    tensor = nd.structure_tensor(lazy, sigma=1.0, rho=1.5)
    assert compiled.calls > before
    assert_array_equal(got, nd.hessian_eigenvalues(volume, sigma=1.0))
    for part, whole in zip(tensor, nd.structure_tensor(volume, sigma=1.0, rho=1.5), strict=True):
        assert_array_equal(part.compute(), whole)


def test_block_eigenvalues_run_compiled(monkeypatch, rng):
    image = rng.normal(size=(50, 60)).astype(np.float32)
    plain, fast, calls = _both(monkeypatch, lambda: nd.hessian_eigenvalues(image, sigma=1.5))
    assert calls >= 1
    _close(plain, fast)
