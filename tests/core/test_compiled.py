"""The engine's compiled loops (numba): the numpy engine's values, and where they load.

Every test that compares runs the same call twice, with the compiled loops turned off
(``NAPARI_DERIVATIVES_JIT=0``, the numpy engine) and on, and asserts equality bit for
bit and that the compiled loops ran (their counter grew, and the planes' path was
taken where it applies).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import napari_derivatives as nd
from napari_derivatives._core import compiled, planes

pytest.importorskip("numba")

MODES = ("reflect", "nearest", "wrap", "constant", "mirror", "extrapolate", "grid-wrap")
# A copy, the odd reflection and zeros: each kind of extension the loops write.
FEW_MODES = ("mirror", "extrapolate", "constant")


@pytest.fixture
def planes_runs(monkeypatch):
    """Count the chains the planes' path runs."""
    runs = []
    original = planes.Planes.run

    def run(self, *args):
        runs.append(args[0])
        return original(self, *args)

    monkeypatch.setattr(planes.Planes, "run", run)
    return runs


def _both(monkeypatch, call):
    monkeypatch.setenv("NAPARI_DERIVATIVES_JIT", "0")
    expected = call()
    monkeypatch.setenv("NAPARI_DERIVATIVES_JIT", "1")
    before = compiled.calls
    got = call()
    assert compiled.calls > before, "the compiled loops did not run"
    return expected, got


def _assert_identical(expected, got):
    for want, have in zip(expected, got, strict=True):
        np.testing.assert_array_equal(have, want, strict=True)


_RNG = np.random.default_rng(14)
IMAGES = {
    # (image, axes, the planes' path applies)
    "uint16 plane": (_RNG.integers(0, 4096, (37, 41), dtype=np.uint16), None, True),
    "uint8 stack of planes": (_RNG.integers(0, 255, (3, 19, 23), dtype=np.uint8), (1, 2), True),
    "float32 volume": (_RNG.random((9, 11, 13), dtype=np.float32), None, True),
    "float64 large values": (1e6 + _RNG.random((21, 17)), None, True),
    "int32 4-d, 3 axes": (_RNG.integers(-9, 9, (2, 7, 8, 9), dtype=np.int32), (1, 2, 3), True),
    "crop (a view)": (_RNG.random((30, 40), dtype=np.float32)[3:-4, 5:-6], None, True),
    "read-only": (np.require(_RNG.random((15, 16)), requirements="C").copy(), None, True),
    "a line": (_RNG.random(50, dtype=np.float32), None, False),
    "bool": (_RNG.random((12, 14)) > 0.5, None, True),
    # numba reads native byte order only: the numpy engine takes a big-endian image.
    "big-endian": (_RNG.integers(0, 999, (10, 12)).astype(">u2"), None, False),
}
IMAGES["read-only"][0].setflags(write=False)


@pytest.mark.parametrize("name", IMAGES)
@pytest.mark.parametrize("method", nd.METHODS)
def test_gradients_equal_the_numpy_engine(monkeypatch, planes_runs, name, method):
    image, axes, on_planes = IMAGES[name]
    for mode in MODES if name == "uint16 plane" else FEW_MODES:
        expected, got = _both(
            monkeypatch,
            lambda mode=mode: nd.gradient(image, method=method, sigma=1.5, mode=mode, axes=axes),
        )
        _assert_identical(expected, got)
    # The spline's passes run on its coefficients: a native float32 image.
    assert bool(planes_runs) == (on_planes or (method == "spline" and image.ndim > 1))


@pytest.mark.parametrize("name", ["uint16 plane", "float32 volume", "float64 large values"])
def test_second_order_and_combined_outputs_equal_the_numpy_engine(monkeypatch, name):
    image, axes, _ = IMAGES[name]
    for method in ("gaussian", "central"):
        for mode in ("reflect", "extrapolate", "wrap"):
            expected, got = _both(
                monkeypatch,
                lambda method=method, mode=mode: (
                    *nd.hessian(image, method=method, sigma=1.2, mode=mode, axes=axes),
                    nd.laplacian(image, method=method, sigma=1.2, mode=mode, axes=axes),
                    nd.gradient_magnitude(image, method=method, mode=mode, axes=axes),
                    nd.gradient_direction(image, method=method, mode=mode),
                ),
            )
            _assert_identical(expected, got)


def test_a_wide_kernel_on_a_short_axis_equals_the_numpy_engine(monkeypatch):
    # sigma 6 px on 5 rows: the kernel is folded onto the axis (and 'extrapolate' adds its
    # trend): the blocks' compiled passes take it.
    image = _RNG.random((5, 40), dtype=np.float32)
    for mode in MODES:
        expected, got = _both(
            monkeypatch,
            lambda mode=mode: nd.gradient(image, method="gaussian", sigma=6.0, mode=mode),
        )
        _assert_identical(expected, got)


def test_values_are_true_derivatives_on_the_compiled_path(planes_runs):
    # A uint16 ramp rising 3 per row and falling 2 per column, pixels 0.5 by 0.25 units:
    # every method gives 6 and -8 per unit, away from the border.
    y, x = np.mgrid[0:40, 0:50]
    ramp = (3 * y - 2 * x + 200).astype(np.uint16)
    for method in nd.METHODS:
        gy, gx = nd.gradient(ramp, method=method, spacing=(0.5, 0.25))
        # float32 rounding of intensities near 300 (an ulp is 3e-5), over the taps.
        np.testing.assert_allclose(gy[10:-10, 10:-10], 6.0, rtol=3e-5)
        np.testing.assert_allclose(gx[10:-10, 10:-10], -8.0, rtol=3e-5)
    assert planes_runs


def _run_python(code, **env):
    environment = {**os.environ, **env}
    environment.pop("NAPARI_DERIVATIVES_JIT", None)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_main_thread_never_waits_for_a_compiler():
    # What the widgets do when they open: from then on the main thread runs the numpy
    # engine for a loop not loaded yet, and the warm-up loads the loops meanwhile.
    out = _run_python(
        """
        import numpy as np, napari_derivatives as nd
        from napari_derivatives._core import compiled
        image = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64)
        compiled.protect_main_thread()
        first = nd.gradient(image, method="sobel")
        print(compiled.calls)
        compiled._loading.join()
        before = compiled.calls
        again = nd.gradient(image, method="sobel")
        print(compiled.calls - before)
        print(all(np.array_equal(a, b) for a, b in zip(first, again)))
        """
    )
    assert out == ["0", "2", "True"]


def test_unless_loading_uses_the_numpy_engine_until_loaded():
    out = _run_python(
        """
        import numpy as np, napari_derivatives as nd
        from napari_derivatives._core import compiled
        image = np.ones((32, 32), dtype=np.float32)
        with compiled.unless_loading():
            nd.gradient(image)
        print(compiled.calls)
        nd.gradient(image)
        print(compiled.calls > 0)
        """
    )
    assert out == ["0", "True"]


def test_a_read_only_package_folder_caches_in_the_users_folder(tmp_path):
    # numba writes its cache beside the module; where it cannot (an installation owned
    # by another user), it falls back to the user's cache folder. Simulated here, since
    # root may write anywhere: the folder beside the module refuses.
    out = _run_python(
        """
        from numba.core import caching
        def refuse(self):
            raise PermissionError("read-only")
        locator = getattr(caching, "InTreeCacheLocator", None)
        locator = locator or caching._InTreeCacheLocator
        locator.ensure_cache_path = refuse
        import numpy as np, napari_derivatives as nd
        from napari_derivatives._core import compiled
        nd.gradient(np.ones((8, 8), dtype=np.int8))
        print(compiled.calls > 0)
        """,
        XDG_CACHE_HOME=str(tmp_path),
        HOME=str(tmp_path),
        NUMBA_CACHE_DIR="",
    )
    assert out == ["True"]
    assert list(tmp_path.rglob("*chain_rows*.nbi")), "no cache in the user's folder"


def test_a_read_only_image_runs_what_a_writeable_one_compiled(planes_runs):
    # numba compiles a loop anew for read-only arrays (zarr and memory-mapped blocks);
    # the loops read every image read-only, so one compiled variant serves both kinds.
    from napari_derivatives._core import _jit_kernels, _jit_second

    image = _RNG.integers(0, 4000, (40, 48), dtype=np.uint16)
    frozen = image.copy()
    frozen.setflags(write=False)
    gradients = nd.gradient(image, method="sobel")
    tensor = nd.structure_tensor(image, sigma=1.0, rho=2.0)
    loops = (_jit_kernels.chain_rows, _jit_second.structure_slices)
    variants = [len(loop.signatures) for loop in loops]
    before = compiled.calls
    _assert_identical(gradients, nd.gradient(frozen, method="sobel"))
    _assert_identical(tensor, nd.structure_tensor(frozen, sigma=1.0, rho=2.0))
    assert compiled.calls > before and planes_runs
    assert [len(loop.signatures) for loop in loops] == variants
