"""The lazy outputs' graph: one layer, tasks made only for the blocks a computation needs."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest

import napari_derivatives as nd
from napari_derivatives import BOUNDARY_MODES
from napari_derivatives._core import lazy
from napari_derivatives._core.halo import HaloLayer


def halo_layers(array):
    return [layer for layer in array.dask.layers.values() if isinstance(layer, HaloLayer)]


def test_a_plane_makes_the_task_of_its_block_only(rng):
    volume = rng.normal(size=(40, 12, 10)).astype(np.float32)
    magnitude = nd.gradient_magnitude(da.from_array(volume, chunks=(1, 12, 10)))
    (layer,) = halo_layers(magnitude)
    assert len(layer) == 40
    assert not layer.is_materialized()
    plane = magnitude[17]
    with dask.config.set({"optimization.fuse.active": False}):
        (graph,) = dask.optimize(plane)
        tasks = [key for key in dict(graph.dask) if key[0] == layer.name]
    assert tasks == [(layer.name, 17, 0, 0)]
    np.testing.assert_array_equal(plane.compute(), nd.gradient_magnitude(volume)[17])
    # Every task, as a batch run computes them all.
    assert len(dict(layer)) == 40


@pytest.mark.parametrize("mode", BOUNDARY_MODES)
def test_the_map_overlap_path_gives_the_same_values(mode, rng, monkeypatch):
    # The path of dask's expression-based arrays, which take no graph layer of ours.
    volume = rng.normal(100.0, 20.0, size=(6, 17, 19)).astype(np.float32)
    options = {"mode": mode, "spacing": (1.0, 0.5, 0.5), "sigma": 0.75}
    for method in ("sobel", "gaussian", "central"):
        eager = nd.gradient_outputs(volume, ("gz", "magnitude"), method=method, **options)
        source = da.from_array(volume, chunks=(2, 5, 7))
        monkeypatch.setattr(lazy, "HALO_LAYER", False)
        lazy_outputs = nd.gradient_outputs(source, ("gz", "magnitude"), method=method, **options)
        monkeypatch.setattr(lazy, "HALO_LAYER", True)
        assert not any(halo_layers(array) for array in lazy_outputs.values())
        for name, array in lazy_outputs.items():
            assert array.chunks == source.chunks
            np.testing.assert_array_equal(array.compute(), eager[name], err_msg=name)


def test_wrapped_blocks_read_the_opposite_end(rng):
    # Along y (3 blocks) the first block's halo past the top comes from the last block;
    # along x (one block) the block's halo past both ends comes from itself.
    image = rng.normal(size=(9, 8)).astype(np.float32)
    for mode in ("wrap", "grid-wrap"):
        source = da.from_array(image, chunks=(3, 8))
        gy, gx = nd.gradient(source, method="farid", mode=mode)
        (layer,) = halo_layers(gy)
        first = layer[(layer.name, 0, 0)]
        assert {dep[1:] for dep in first.dependencies} == {(0, 0), (1, 0), (2, 0)}
        expected = nd.gradient(image, method="farid", mode=mode)
        for got, want in zip((gy, gx), expected, strict=True):
            np.testing.assert_array_equal(got.compute(), want)
