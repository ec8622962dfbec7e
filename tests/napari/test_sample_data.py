"""The synthetic 3D + time sample: deterministic, scaled, and its front moves as stated."""

from __future__ import annotations

import numpy as np
import pytest

import napari_derivatives as nd
from napari_derivatives._napari.sample_data import (
    FRONT_HEIGHT,
    FRONT_VELOCITY,
    FRONT_WIDTH,
    TIME_LAPSE_SCALE,
    TUBE_HEIGHT,
    make_time_lapse_sample,
    synthetic_time_lapse,
)


@pytest.fixture(scope="module")
def sample():
    ((data, kwargs, kind),) = make_time_lapse_sample()
    return data, kwargs, kind


def test_it_is_deterministic_and_scaled(sample):
    data, kwargs, kind = sample
    assert kind == "image"
    assert data.dtype == np.uint16
    assert data.shape == (12, 24, 96, 128)
    np.testing.assert_array_equal(data, synthetic_time_lapse())
    assert kwargs["scale"] == (10.0, 1.0, 0.5, 0.5)
    assert kwargs["units"] == ("s", "um", "um", "um")
    assert kwargs["axis_labels"] == ("t", "z", "y", "x")
    assert kwargs["metadata"]["front velocity (um/s)"] == FRONT_VELOCITY == 0.2


def front_positions(data):
    """Where the front crosses half height, in µm along x, per frame (by hand)."""
    # The median over the planes and rows ignores the tubes (few pixels of each row).
    rows = np.median(data.astype(float), axis=(1, 2))  # (t, x)
    x = np.arange(data.shape[-1]) * TIME_LAPSE_SCALE[-1]
    half = 100 + FRONT_HEIGHT / 2
    positions = []
    for row in rows:
        i = np.flatnonzero((row[:-1] >= half) & (row[1:] < half))[0]
        positions.append(x[i] + (row[i] - half) / (row[i] - row[i + 1]) * (x[i + 1] - x[i]))
    return np.array(positions)


def test_the_front_moves_at_the_stated_velocity(sample):
    data, _, _ = sample
    times = np.arange(data.shape[0]) * TIME_LAPSE_SCALE[0]
    velocity, start = np.polyfit(times, front_positions(data), 1)
    assert velocity == pytest.approx(FRONT_VELOCITY, rel=0.01)
    assert start == pytest.approx(12.0, abs=0.1)


def test_the_front_and_the_tubes_have_the_stated_derivatives(sample):
    data, _, _ = sample
    frame = data[3].astype(np.float32)
    # Across the front, the steepest slope along x is -height / (sqrt(2 pi) width).
    gx = nd.gradient(frame, spacing=TIME_LAPSE_SCALE[1:], axes=(-1,))[0]
    steepest = np.median(gx.min(axis=-1))
    assert steepest == pytest.approx(-FRONT_HEIGHT / (np.sqrt(2 * np.pi) * FRONT_WIDTH), rel=0.03)
    # The tube along y at z = 12 µm, x = 48 µm (plane 12, column 96) peaks there.
    tube = frame[12, 40:60, 80:112].mean(axis=0)  # a cross-section along x
    assert np.argmax(tube) + 80 == 96
    assert tube.max() - np.median(frame[12, 40:60, 112:]) == pytest.approx(TUBE_HEIGHT, rel=0.03)


def test_too_small_a_shape_is_refused():
    with pytest.raises(ValueError, match=r"`shape` must be \(t, z, y, x\)"):
        synthetic_time_lapse((2, 2, 16, 16))
