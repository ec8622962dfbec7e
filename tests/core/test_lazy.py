"""Lazy gradients of dask arrays: identical to the eager engine, block by block."""

from __future__ import annotations

import threading

import dask
import dask.array as da
import numpy as np
import pytest

import napari_derivatives as nd
from napari_derivatives import BOUNDARY_MODES, METHODS, OUTPUTS
from napari_derivatives._core.kernels import halo_depth
from napari_derivatives._core.lazy import differentiate as engine

ALL_2D = ("gx", "gy", "magnitude", "direction")


def assert_identical(lazy, eager, atol=0.0):
    """Compute every lazy output in one go and compare bit for bit (or to ``atol``).

    The spline method's prefilter is recursive over whole lines: a block starts it
    ``spline.halo`` pixels away, where its effect is below the rounding, so its values
    equal the eager ones to float32 rounding of the intensities (``atol``), not bit for
    bit. A direction is compared through the components it is the angle of.
    """
    assert list(lazy) == list(eager)
    for name, array in lazy.items():
        assert isinstance(array, da.Array), name
        assert array.dtype == np.float32
    computed = dask.compute(dict(lazy))[0]
    for name, array in computed.items():
        if not atol:
            np.testing.assert_array_equal(array, eager[name], err_msg=name)
        elif name == "direction":
            size = computed.get("magnitude", 1.0)
            for part in (np.cos, np.sin):
                np.testing.assert_allclose(
                    size * part(array), size * part(eager[name]), atol=4 * atol, err_msg=name
                )
        else:
            np.testing.assert_allclose(array, eager[name], rtol=0, atol=atol, err_msg=name)


def rounding(image, spacing, method):
    """Float32 rounding of ``image``'s intensities per unit of spacing, for the spline."""
    if method != "spline":
        return 0.0
    return 16 * np.finfo(np.float32).eps * float(np.abs(image).max()) / min(spacing)


@pytest.fixture
def stack(rng):
    return rng.normal(100.0, 20.0, size=(3, 23, 31)).astype(np.float32)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_and_mode_equals_the_eager_path_on_a_chunked_stack(method, stack):
    # Chunks of 5 x 7 are thinner than the Gaussian's radius (2 / 0.5 = 4 px sigma,
    # radius 16 along y), and planes are chunked one by one.
    source = da.from_array(stack, chunks=(1, 5, 7))
    for mode in BOUNDARY_MODES:
        options = {
            "method": method,
            "mode": mode,
            "axes": (1, 2),
            "spacing": (3.0, 0.5, 1.5),
            "sigma": 2.0,
        }
        lazy = nd.gradient_outputs(source, ALL_2D, **options)
        for array in lazy.values():
            assert array.chunks == source.chunks
        atol = rounding(stack, options["spacing"], method)
        assert_identical(lazy, nd.gradient_outputs(stack, ALL_2D, **options), atol)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant", "mirror"])
def test_volume_gradients_equal_the_eager_path(method, mode, rng):
    volume = rng.integers(0, 4000, size=(9, 10, 11), dtype=np.uint16)
    options = {"method": method, "mode": mode, "spacing": (2.0, 0.7, 1.0), "sigma": 1.2}
    outputs = ("gz", "gy", "gx", "magnitude", "direction")
    for chunks in ((2, 3, 4), (9, 10, 11), (4, 1, 11)):
        lazy = nd.gradient_outputs(da.from_array(volume, chunks=chunks), outputs, **options)
        assert_identical(lazy, nd.gradient_outputs(volume, outputs, **options))


def test_central_differences_are_one_sided_at_the_border_only(rng):
    image = rng.normal(size=(7, 9))
    source = da.from_array(image, chunks=(1, 2))
    d_row, d_col = (array.compute() for array in nd.gradient(source, spacing=(0.5, 2.0)))
    expected = np.gradient(image, 0.5, 2.0)
    np.testing.assert_allclose(d_row, expected[0], rtol=1e-5)
    np.testing.assert_allclose(d_col, expected[1], rtol=1e-5)
    np.testing.assert_array_equal(d_col, nd.gradient(image, spacing=(0.5, 2.0))[1])


def test_public_functions_return_dask_arrays_with_eager_values(rng):
    image = rng.integers(0, 255, size=(20, 24), dtype=np.uint8)
    source = da.from_array(image, chunks=(6, 7))
    options = {"method": "farid", "mode": "reflect", "spacing": (0.3, 0.4)}
    lazy = nd.gradient(source, **options)
    assert all(isinstance(array, da.Array) for array in lazy)
    for got, want in zip(lazy, nd.gradient(image, **options), strict=True):
        np.testing.assert_array_equal(got.compute(), want)
    magnitude = nd.gradient_magnitude(source, **options)
    np.testing.assert_array_equal(magnitude.compute(), nd.gradient_magnitude(image, **options))
    direction = nd.gradient_direction(source, **options)
    np.testing.assert_array_equal(direction.compute(), nd.gradient_direction(image, **options))


def test_one_dimensional_and_bool_images(rng):
    line = rng.normal(size=40)
    lazy = nd.gradient(da.from_array(line, chunks=3), method="gaussian", sigma=2.5)[0]
    np.testing.assert_array_equal(
        lazy.compute(), nd.gradient(line, method="gaussian", sigma=2.5)[0]
    )
    mask = rng.random((12, 13)) > 0.5
    lazy = nd.gradient_magnitude(da.from_array(mask, chunks=5), method="sobel")
    np.testing.assert_array_equal(lazy.compute(), nd.gradient_magnitude(mask, method="sobel"))


def test_shared_blocks_give_the_same_values(stack):
    source = da.from_array(stack, chunks=(1, 8, 8))
    common = {
        "axes": (1, 2),
        "spacing": (1.0, 0.5, 1.0),
        "method": "gaussian",
        "sigma": 1.0,
        "mode": "mirror",
    }
    flags = {"wanted": (1, 2), "keep": (1, 2), "magnitude": True, "direction": True}
    shared = engine(source, **common, **flags, shared=True)
    separate = engine(source, **common, **flags)
    assert set(shared) == {1, 2, "magnitude", "direction"}
    for key in shared:
        assert shared[key].chunks == source.chunks
        np.testing.assert_array_equal(shared[key].compute(), separate[key].compute())


def test_halo_depth_follows_the_kernels():
    unit = (1.0, 1.0, 1.0)
    assert halo_depth(3, (1, 2), unit, "sobel", 1.0, (1, 2)) == (0, 1, 1)
    assert halo_depth(3, (1, 2), unit, "farid", 1.0, (2,)) == (0, 2, 2)
    assert halo_depth(3, (1, 2), unit, "central", 1.0, (2,)) == (0, 0, 1)
    # Gaussian: radius int(4 * sigma_px + 0.5) per axis, sigma_px = sigma / spacing.
    assert halo_depth(3, (0, 1, 2), (1.0, 0.5, 2.0), "gaussian", 1.0, (2,)) == (4, 8, 2)


def test_nothing_is_computed_until_asked_and_a_plane_computes_only_its_blocks(rng):
    volume = rng.normal(size=(8, 16, 16)).astype(np.float32)
    calls = []
    lock = threading.Lock()

    def record(block, block_info=None):
        with lock:
            calls.append(tuple(block_info[0]["chunk-location"]))
        return block

    source = da.from_array(volume, chunks=(1, 8, 8)).map_blocks(record, dtype=np.float32)
    magnitude = nd.gradient_magnitude(source, method="sobel", axes=(1, 2))
    assert calls == []
    plane = magnitude[5].compute()
    np.testing.assert_array_equal(plane, nd.gradient_magnitude(volume[5], method="sobel"))
    assert {location[0] for location in calls} == {5}
    # 3D gradients read the neighbouring planes as halo, and no more.
    calls.clear()
    nd.gradient_magnitude(source, method="sobel")[5].compute()
    assert {location[0] for location in calls} == {4, 5, 6}


def test_results_store_to_zarr(tmp_path, stack):
    source = da.from_array(stack, chunks=(1, 12, 16))
    lazy = nd.gradient_outputs(source, ("gx", "magnitude"), method="scharr", axes=(1, 2))
    lazy["magnitude"].to_zarr(str(tmp_path / "magnitude.zarr"))
    stored = da.from_zarr(str(tmp_path / "magnitude.zarr")).compute()
    np.testing.assert_array_equal(
        stored, nd.gradient_magnitude(stack, method="scharr", axes=(1, 2))
    )


def test_bad_dask_input_is_rejected_without_computing():
    with pytest.raises(ValueError, match="real-valued"):
        nd.gradient(da.zeros((4, 4), dtype=np.complex64))
    with pytest.raises(TypeError, match="numeric"):
        nd.gradient(da.from_array(np.array([["a", "b"], ["c", "d"]])))
    with pytest.raises(ValueError, match="axes"):
        nd.gradient(da.zeros((1, 4)), axes=(0, 1))
    with pytest.raises(ValueError, match="outputs"):
        nd.gradient_outputs(da.zeros((4, 4)), ("gz",))
    assert set(OUTPUTS) >= set(ALL_2D)


# Thin stacks: axes shorter than the kernel (a few z planes, a few time points).
THIN_STACKS = {
    # shape: differentiated axes
    (1, 12, 13): (1, 2),
    (2, 12, 13): None,
    (3, 11, 14): None,
    (3, 2, 15): None,
}


@pytest.mark.parametrize("method", METHODS)
def test_axes_shorter_than_the_kernel_equal_the_eager_path(method, rng):
    # gaussian sigma 1.5 on z spacing 0.5: 3 px, a radius of 12 on 1 to 3 planes;
    # farid reaches 2 and 'mirror' needs a spare sample, so 2 planes are too few too.
    for shape, axes in THIN_STACKS.items():
        volume = rng.normal(50.0, 10.0, size=shape).astype(np.float32)
        names = ("gy", "direction") if axes else ("gz", "magnitude")
        options = {"method": method, "axes": axes, "spacing": (0.5, 1.0, 1.5), "sigma": 1.5}
        for mode in BOUNDARY_MODES:
            eager = nd.gradient_outputs(volume, names, mode=mode, **options)
            for chunks in ((1, 4, 5), (2, 12, 3), (1, -1, -1)):
                source = da.from_array(volume, chunks=chunks)
                lazy = nd.gradient_outputs(source, names, mode=mode, **options)
                for array in lazy.values():
                    assert array.chunks == source.chunks
                with dask.config.set(scheduler="synchronous"):
                    assert_identical(lazy, eager)


def test_the_issue_examples_on_thin_stacks(rng):
    # Five planes in chunks of one: the Gaussian of sigma 1.5 reaches 6 planes.
    volume = rng.normal(size=(5, 128, 128)).astype(np.float32)
    lazy = nd.gradient(da.from_array(volume, chunks=(1, 64, 64)), method="gaussian", sigma=1.5)
    eager = nd.gradient(volume, method="gaussian", sigma=1.5)
    for got, want in zip(lazy, eager, strict=True):
        np.testing.assert_array_equal(got.compute(), want)
    # Farid reaches 2 planes, and 'mirror' extends a block from 3 of its samples.
    pair = rng.normal(size=(2, 20, 20))
    lazy = nd.gradient(da.from_array(pair, chunks=(1, 10, 10)), method="farid", mode="mirror")
    eager = nd.gradient(pair, method="farid", mode="mirror")
    for got, want in zip(lazy, eager, strict=True):
        np.testing.assert_array_equal(got.compute(), want)
    # A short line in chunks of one sample: one block holds all of it.
    line = np.array([3.0, 1.0, 4.0])
    (lazy_line,) = nd.gradient(da.from_array(line, chunks=1), method="gaussian", sigma=2.0)
    np.testing.assert_array_equal(
        lazy_line.compute(), nd.gradient(line, method="gaussian", sigma=2.0)[0]
    )
