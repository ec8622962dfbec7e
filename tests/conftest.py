"""Shared fixtures: deterministic images with derivatives that can be checked by hand."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def ramp_2d():
    """I = 3*y + 5*x + 7 on a 40 x 50 grid: d/dy = 3, d/dx = 5 per pixel."""
    y, x = np.mgrid[0:40, 0:50].astype(np.float32)
    return 3.0 * y + 5.0 * x + 7.0


@pytest.fixture
def ramp_stack():
    """Three planes whose x slope is 1, 2 and 3 per pixel, y slope 0.5 everywhere."""
    y, x = np.mgrid[0:30, 0:40].astype(np.float32)
    return np.stack([0.5 * y + k * x for k in (1.0, 2.0, 3.0)])
