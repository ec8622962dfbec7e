"""How output layers look: a colormap per output and contrast limits from the data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .intensity import is_in_memory

#: Colormap per output: diverging for signed components, sequential for the
#: magnitude, cyclic for the direction (which wraps from pi to -pi).
OUTPUT_COLORMAPS = {
    "gx": "RdBu_r",
    "gy": "RdBu_r",
    "gz": "RdBu_r",
    "magnitude": "magma",
    "direction": "twilight_shifted",
}


# Contrast limits of lazy outputs are estimated on at most this many pixels per axis
# of a central plane, so that adding the layers never computes the whole volume.
LIMITS_SAMPLE = 1024


def _limits_sample(data: Any) -> np.ndarray:
    """Return (a central plane of) the data that contrast limits are estimated on."""
    if isinstance(data, list):
        # The coarsest level of a pyramid stands for the whole image.
        data = data[-1]
    if is_in_memory(data):
        return data
    index = [size // 2 for size in data.shape[:-2]]
    for size in data.shape[-2:]:
        start = max(0, (size - LIMITS_SAMPLE) // 2)
        index.append(slice(start, start + LIMITS_SAMPLE))
    return np.asarray(data[tuple(index)])


def gradient_contrast_limits(results: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Return the contrast limits the output layers get.

    Components are symmetric around zero, the magnitude runs from zero, the
    direction spans ``(-pi, pi)``. Lazy outputs are estimated on a central plane
    of at most 1024 x 1024 pixels (multiscale: of the coarsest level), so this
    computes little; it may still read data, so the widget runs it in a worker.

    Parameters
    ----------
    results : mapping of str to array or list of array
        Output name to data, as returned by :func:`compute_gradient_outputs`.

    Returns
    -------
    dict of str to (float, float)
        Contrast limits per output.
    """
    limits = {}
    for output, data in results.items():
        if output == "direction":
            limits[output] = (-np.pi, np.pi)
        elif output == "magnitude":
            limits[output] = _sequential_limits(_limits_sample(data))
        else:
            limits[output] = _symmetric_limits(_limits_sample(data))
    return limits


def _symmetric_limits(data: np.ndarray) -> tuple[float, float]:
    finite = data[np.isfinite(data)]
    peak = float(np.max(np.abs(finite))) if finite.size else 0.0
    peak = peak or 1.0
    return (-peak, peak)


def _sequential_limits(data: np.ndarray) -> tuple[float, float]:
    finite = data[np.isfinite(data)]
    high = float(np.max(finite)) if finite.size else 0.0
    return (0.0, high or 1.0)
