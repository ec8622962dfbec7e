"""Closed-form eigenvalues of symmetric 2x2 and 3x3 matrices, against numpy.linalg.eigvalsh."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import napari_derivatives as nd
from napari_derivatives._core.eigen import symmetric_eigenvalues

N = 20000


def _tensors(rng, eigenvalues):
    """Symmetric matrices Q diag(eigenvalues) Q^T with random rotations, as float32."""
    size = eigenvalues.shape[1]
    rotations = np.linalg.qr(rng.normal(size=(len(eigenvalues), size, size)))[0]
    matrices = (rotations * eigenvalues[:, np.newaxis, :]) @ rotations.transpose(0, 2, 1)
    return matrices.astype(np.float32)


def _ours(matrices):
    size = matrices.shape[1]
    upper = [matrices[:, row, col] for row in range(size) for col in range(row, size)]
    out = [np.empty(len(matrices), dtype=np.float32) for _ in range(size)]
    symmetric_eigenvalues(upper, out)
    return np.stack(out, axis=1)


def _cases(rng, size):
    scale = 10.0
    distinct = rng.normal(size=(N, size)) * scale
    repeated = distinct.copy()
    repeated[:, 1] = repeated[:, 0]
    near = distinct.copy()
    near[:, 1] = near[:, 0] + rng.normal(size=N) * 1e-4 * scale
    low_pair = distinct.copy()
    low_pair[:, -1] = low_pair[:, -2]
    triple = np.repeat(distinct[:, :1], size, axis=1)
    rank_one = np.zeros_like(distinct)
    rank_one[:, 0] = distinct[:, 0]
    return {
        "distinct": distinct,
        "repeated": repeated,
        "nearly repeated": near,
        "repeated lowest": low_pair,
        "all equal": triple,
        "rank one": rank_one,
        "negated": -repeated,
    }


@pytest.mark.parametrize("size", [2, 3])
def test_eigenvalues_match_eigvalsh_also_at_repeated_roots(size, rng):
    for name, eigenvalues in _cases(rng, size).items():
        matrices = _tensors(rng, eigenvalues)
        reference = np.linalg.eigvalsh(matrices.astype(np.float64))[:, ::-1]
        ours = _ours(matrices)
        assert ours.dtype == np.float32
        largest = np.abs(reference).max(axis=1, keepdims=True)
        error = np.abs(ours - reference) / np.where(largest > 0, largest, 1.0)
        assert error.max() < 1e-3, (name, error.max())
        assert (np.diff(ours, axis=1) <= 0).all(), name


def test_exact_cases_by_hand():
    # [[2, 1], [1, 2]] has eigenvalues 3 and 1; diag(5, -1, 2) is 5, 2, -1.
    two = _ours(np.array([[[2.0, 1.0], [1.0, 2.0]]], dtype=np.float32))
    assert_allclose(two, [[3.0, 1.0]], rtol=1e-6)
    three = _ours(np.diag([5.0, -1.0, 2.0]).astype(np.float32)[np.newaxis])
    assert_allclose(three, [[5.0, 2.0, -1.0]], atol=1e-5)
    zero = _ours(np.zeros((1, 3, 3), dtype=np.float32))
    assert_array_equal(zero, [[0.0, 0.0, 0.0]])


def test_output_may_share_memory_with_the_input(rng):
    matrices = _tensors(rng, rng.normal(size=(100, 2)))
    expected = _ours(matrices)
    a, b, c = (matrices[:, 0, 0].copy(), matrices[:, 0, 1].copy(), matrices[:, 1, 1].copy())
    symmetric_eigenvalues([a, b, c], [a, c])
    assert_array_equal(np.stack([a, c], axis=1), expected)


def test_nan_stays_at_its_pixel():
    matrices = np.tile(np.eye(3, dtype=np.float32), (4, 1, 1))
    matrices[2, 0, 1] = matrices[2, 1, 0] = np.nan
    ours = _ours(matrices)
    assert np.isnan(ours[2]).all()
    assert_allclose(ours[[0, 1, 3]], 1.0, atol=1e-6)


@pytest.mark.parametrize("method", ["gaussian", "central"])
def test_hessian_eigenvalues_are_those_of_the_hessian(method, rng):
    volume = rng.normal(size=(10, 12, 14)).astype(np.float32)
    components = nd.hessian(volume, method=method, sigma=1.0, spacing=(2.0, 1.0, 0.5))
    zz, zy, zx, yy, yx, xx = (component.astype(np.float64) for component in components)
    matrices = np.stack(
        [np.stack([zz, zy, zx], -1), np.stack([zy, yy, yx], -1), np.stack([zx, yx, xx], -1)], -2
    )
    reference = np.moveaxis(np.linalg.eigvalsh(matrices)[..., ::-1], -1, 0)
    ours = nd.hessian_eigenvalues(volume, method=method, sigma=1.0, spacing=(2.0, 1.0, 0.5))
    assert ours.shape == (3, *volume.shape)
    assert_allclose(ours, reference, atol=1e-3 * np.abs(reference).max())


def test_eigenvalues_of_a_bowl_are_its_curvatures():
    # I = 2 y^2 + 0.5 x^2 rotated by 30 degrees: the Hessian's eigenvalues are 4 and 1.
    rows, cols = np.mgrid[0:40, 0:40].astype(np.float64)
    angle = np.deg2rad(30.0)
    u = rows * np.cos(angle) + cols * np.sin(angle)
    v = -rows * np.sin(angle) + cols * np.cos(angle)
    image = 2 * u**2 + 0.5 * v**2
    eigen = nd.hessian_eigenvalues(image, sigma=1.5)
    assert_allclose(eigen[0, 10:-10, 10:-10], 4.0, rtol=1e-5)
    assert_allclose(eigen[1, 10:-10, 10:-10], 1.0, rtol=1e-5)
