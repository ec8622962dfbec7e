"""Fixtures of the core's tests: reference implementations to compare the engine with."""

from __future__ import annotations

import numpy as np
import pytest

from napari_derivatives._core.boundary import axis_slice, source_positions
from napari_derivatives._core.choices import ZERO_MODES
from napari_derivatives._core.engine import correlate_valid


def _correlate_along(
    source: np.ndarray, weights: np.ndarray, axis: int, mode: str, out: np.ndarray
) -> None:
    """Correlate a whole array with 1-D ``weights`` along ``axis`` into ``out``.

    The engine's pass on its own: the axis is extended by ``mode`` once, then
    :func:`correlate_valid` reads only the extended copy.
    """
    radius = weights.size // 2
    size = source.shape[axis]
    positions = np.arange(-radius, size + radius)
    padded = np.take(source, source_positions(positions, size, mode), axis=axis)
    padded = padded.astype(np.float32, copy=False)
    if mode in ZERO_MODES:
        padded[axis_slice(source.ndim, axis, 0, radius)] = 0.0
        padded[axis_slice(source.ndim, axis, radius + size, None)] = 0.0
    correlate_valid(padded, weights, axis, out, np.empty_like(out))


@pytest.fixture
def correlate_along():
    """The engine's single pass over a whole array, extended by a mode (see above)."""
    return _correlate_along
