"""How output layers look: a colormap per output and contrast limits from the data."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np

from .._core.colour import hsv_to_rgb, orientation_hue
from .intensity import is_in_memory

#: Colormap per output: diverging for signed components, sequential for the
#: magnitude, cyclic for the direction (which wraps from pi to -pi). Outputs not named
#: here follow :func:`output_colormap`'s rules.
OUTPUT_COLORMAPS = {
    "gx": "RdBu_r",
    "gy": "RdBu_r",
    "gz": "RdBu_r",
    "magnitude": "magma",
    "direction": "twilight_shifted",
    "laplacian": "RdBu_r",
    "coherence": "viridis",
}

#: The orientation, in radians, spans half a turn: its contrast limits.
ORIENTATION_LIMITS = (-math.pi / 2, math.pi / 2)


@cache
def orientation_colormap() -> Any:
    """Return the cyclic colormap of orientation layers: the colour survey's hues.

    Over :data:`ORIENTATION_LIMITS`, so that an orientation layer and the colour
    survey show one orientation in one colour (0 red, +-pi/2 cyan).
    """
    from napari.utils.colormaps import Colormap

    angles = np.linspace(*ORIENTATION_LIMITS, 257)
    colours = hsv_to_rgb(orientation_hue(angles), 1.0, 1.0) / 255.0
    return Colormap(colours, name="orientation hue", display_name="orientation hue")


def output_colormap(output: str) -> Any:
    """Return the colormap of an output layer: a napari colormap name or object.

    Hessian components (``"Hyy"``...), the Laplacian and the Hessian's eigenvalues are
    signed: diverging, ``"RdBu_r"``. The structure tensor's eigenvalues are >= 0:
    sequential, ``"magma"``. The orientation is cyclic over pi
    (:func:`orientation_colormap`), the coherence sequential from 0 to 1.
    """
    if output in OUTPUT_COLORMAPS:
        return OUTPUT_COLORMAPS[output]
    if output == "orientation":
        return orientation_colormap()
    if output.startswith("structure_eigenvalue"):
        return "magma"
    return "RdBu_r"  # Hessian components and eigenvalues: signed


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


def output_contrast_limits(results: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Return the contrast limits the output layers get.

    Signed outputs (components, the Laplacian, the Hessian's eigenvalues) are symmetric
    around zero; the magnitude and the structure tensor's eigenvalues run from zero;
    the direction spans ``(-pi, pi)``, the orientation ``(-pi/2, pi/2)``, the
    coherence ``(0, 1)`` and colour pictures (uint8 RGB) ``(0, 255)``. Lazy outputs
    are estimated on a central plane of at most 1024 x 1024 pixels (multiscale: of
    the coarsest level), so this computes little; it may still read data, so the
    widgets run it in a worker.

    Parameters
    ----------
    results : mapping of str to array or list of array
        Output id to data, as the ``compute_*_outputs`` functions return it.

    Returns
    -------
    dict of str to (float, float)
        Contrast limits per output.
    """
    fixed = {
        "direction": (-np.pi, np.pi),
        "orientation": ORIENTATION_LIMITS,
        "coherence": (0.0, 1.0),
        "colour_survey": (0.0, 255.0),
        "direction_colour": (0.0, 255.0),
    }
    limits = {}
    for output, data in results.items():
        if output in fixed:
            limits[output] = fixed[output]
        elif output == "magnitude" or output.startswith("structure_eigenvalue"):
            limits[output] = _sequential_limits(_limits_sample(data))
        else:
            limits[output] = _symmetric_limits(_limits_sample(data))
    return limits


def _finite_range(data: np.ndarray) -> tuple[float, float] | None:
    """Return the smallest and largest finite values, None when there is none."""
    # min and max at once, without the masked copy, unless NaN or inf are in the way.
    if not data.size:
        return None
    low, high = float(np.min(data)), float(np.max(data))
    if not (math.isfinite(low) and math.isfinite(high)):
        finite = data[np.isfinite(data)]
        if not finite.size:
            return None
        low, high = float(np.min(finite)), float(np.max(finite))
    return low, high


def _symmetric_limits(data: np.ndarray) -> tuple[float, float]:
    found = _finite_range(data)
    peak = max(abs(found[0]), abs(found[1])) if found else 0.0
    peak = peak or 1.0
    return (-peak, peak)


def _sequential_limits(data: np.ndarray) -> tuple[float, float]:
    found = _finite_range(data)
    high = found[1] if found else 0.0
    return (0.0, high or 1.0)
