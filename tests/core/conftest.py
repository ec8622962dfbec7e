"""Fixtures of the core's tests: reference implementations to compare the engine with."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings
from scipy import ndimage as ndi

from napari_derivatives._core.boundary import axis_slice, source_positions
from napari_derivatives._core.choices import ZERO_MODES
from napari_derivatives._core.correlation import correlate_valid


def _correlate1d(source, weights, axis=-1, mode="reflect", output=np.float64):
    """:func:`scipy.ndimage.correlate1d`, and for 'extrapolate' the same on ``np.pad``'s extension.

    'extrapolate' is numpy's odd reflection (``np.pad(mode="reflect",
    reflect_type="odd")``), at any distance; scipy has no such mode.
    """
    if mode != "extrapolate":
        return ndi.correlate1d(source, weights, axis=axis, mode=mode, output=output)
    radius = np.asarray(weights).size // 2
    axis = axis % np.ndim(source)
    widths = [(0, 0)] * np.ndim(source)
    widths[axis] = (radius, radius)
    padded = np.pad(np.asarray(source, dtype=output), widths, mode="reflect", reflect_type="odd")
    full = ndi.correlate1d(padded, weights, axis=axis, mode="constant", output=output)
    return full[axis_slice(full.ndim, axis, radius, radius + np.shape(source)[axis])]


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
    if mode == "extrapolate":
        widths = [(0, 0)] * source.ndim
        widths[axis] = (radius, radius)
        padded = np.pad(source.astype(np.float32), widths, mode="reflect", reflect_type="odd")
        correlate_valid(padded, weights, axis, out, np.empty_like(out))
        return
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


@pytest.fixture
def correlate1d():
    """scipy's correlate1d, and numpy's odd reflection for 'extrapolate' (see above)."""
    return _correlate1d


# Property tests (hypothesis) check the same examples on every run, in CI too: seeded by
# each test's own code, no example database, no deadline (timings vary on shared machines).
settings.register_profile(
    "napari-derivatives",
    derandomize=True,
    database=None,
    max_examples=200,
    deadline=None,
    print_blob=False,
)
settings.load_profile("napari-derivatives")
