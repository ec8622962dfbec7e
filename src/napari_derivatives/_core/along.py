"""Values along a line: the samples across it combined, and differentiated along it.

Shared by :func:`napari_derivatives.line_profile` (one line) and
:func:`napari_derivatives.kymograph` (one line per frame), so both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from . import checks, missing, sampling
from .arraytypes import AnyArray, ChunkedArray, Float64Array
from .choices import ORDERS, REDUCTIONS, SAMPLING_MODES

# The sampling mode each boundary mode stands for: its grid version, where scipy has one.
_GRID_MODES = {"constant": "grid-constant", "wrap": "grid-wrap"}

# numpy's reductions share no one overloaded type; each takes (array, axis=...).
_REDUCERS: dict[str, Callable[..., Any]] = {
    "mean": np.mean,
    "median": np.median,
    "max": np.max,
    "min": np.min,
}


def _smooth(values: Float64Array, sigma: float) -> Float64Array:
    """Gaussian smoothing (sigma in samples) of each run of finite values on its own."""
    from scipy import ndimage as ndi

    finite = np.isfinite(values)
    if finite.all():
        smoothed_whole: Float64Array = ndi.gaussian_filter1d(values, sigma, mode="nearest")
        return smoothed_whole
    # A run between missing samples is treated like a whole line: its ends are
    # extended ("nearest"), so missing data neither spreads nor is filled in.
    smoothed = values.copy()
    bounds = np.flatnonzero(np.diff(np.concatenate(([0], finite.view(np.int8), [0]))))
    for start, stop in bounds.reshape(-1, 2):
        smoothed[start:stop] = ndi.gaussian_filter1d(values[start:stop], sigma, mode="nearest")
    return smoothed


def differentiate(values: Float64Array, distance: Float64Array, smooth: float) -> Float64Array:
    """Return ``d values / d distance`` along the last axis, each row on its own.

    Parameters
    ----------
    values : numpy.ndarray of float64, shape (..., M)
        Samples along lines, NaN where missing.
    distance : numpy.ndarray of float64, shape (M,)
        Their distances along the line, in physical units.
    smooth : float
        Sigma of a Gaussian applied to each run of finite values first, in samples;
        0 for none.

    Returns
    -------
    numpy.ndarray of float64, shape (..., M)
        Central differences on the real distances, one-sided at the ends; NaN next
        to a NaN value.
    """
    smoothed = values
    if smooth > 0:
        rows = values.reshape(-1, values.shape[-1])
        smoothed = np.stack([_smooth(row, smooth) for row in rows]).reshape(values.shape)
    with np.errstate(invalid="ignore"):
        # inf - inf in an image holding infinities is NaN, as it should be, silently.
        derivative: Float64Array = np.gradient(smoothed, distance, axis=-1)
    return derivative


def reduce_across(
    sampled: Float64Array, reduce: str, outside: npt.NDArray[np.bool_]
) -> Float64Array:
    """Combine the ``width`` samples across a line (last axis); NaN where ``outside``."""
    values: Float64Array = (
        sampled[..., 0].copy() if sampled.shape[-1] == 1 else _REDUCERS[reduce](sampled, axis=-1)
    )
    values[..., outside] = np.nan
    return values


def prepared_image(image: npt.ArrayLike | ChunkedArray) -> AnyArray | ChunkedArray:
    """Return an image to sample: checked, masked pixels as NaN, in a dtype scipy reads.

    A chunked image (dask, zarr) stays chunked: it is checked, not read.
    """
    if missing.is_masked(image):
        # Masked pixels are missing data: NaN, as outside the image (float64, as sampled).
        image = missing.masked_as_nan(image, np.float64)
    if checks.is_chunked(image):
        return checks.real_lazy_image(image)
    array = checks.real_image(image)
    if array.dtype != sampling.buffer_dtype(array.dtype):
        array = array.astype(sampling.buffer_dtype(array.dtype))
    return array


class SamplingOptions(NamedTuple):
    """The checked sampling options of a line profile (see :func:`sampling_options`)."""

    step: float
    order: int
    width: int
    smooth: float
    reduce: str
    #: The mode as given, for the record.
    mode: str
    #: The mode scipy is called with: the grid version of ``"constant"`` and ``"wrap"``.
    scipy_mode: str

    def settings(self) -> dict[str, Any]:
        """Return the options as the user gave them, for the record of a CSV."""
        names = ("step", "order", "width", "smooth", "reduce", "mode")
        return {name: getattr(self, name) for name in names}


def sampling_options(
    step: object, order: object, width: object, smooth: object, reduce: object, mode: object
) -> SamplingOptions:
    """Return the sampling options of :func:`napari_derivatives.line_profile`, checked."""
    checked_mode = checks.choice(mode, SAMPLING_MODES, "mode")
    return SamplingOptions(
        step=checks.positive_real(step, "step"),
        order=int(checks.choice(order, ORDERS, "order")),  # type: ignore[call-overload]
        width=checks.positive_int(width, "width"),
        smooth=checks.non_negative_real(smooth, "smooth"),
        reduce=str(checks.choice(reduce, REDUCTIONS, "reduce")),
        mode=str(checked_mode),
        # scipy's "constant" and "wrap" treat the half-pixel border as outside the grid
        # (x = -0.4 would read 0, or the far border); the grid modes read pixel 0 there.
        scipy_mode=_GRID_MODES.get(str(checked_mode), str(checked_mode)),
    )


def sample(
    image: AnyArray | ChunkedArray,
    points: Float64Array,
    outside: npt.NDArray[np.bool_],
    options: SamplingOptions,
) -> Float64Array:
    """Interpolate an image at ``points`` (ndim, M, width), in float64; shape (M, width)."""
    from scipy import ndimage as ndi

    sampled: Float64Array
    if isinstance(image, np.ndarray) and options.order < 3:
        sampled = ndi.map_coordinates(
            image,
            points,
            order=options.order,
            mode=options.scipy_mode,
            output=np.float64,
            prefilter=True,
        )
        return sampled
    # Order 3 on an array too: the spline prefilter of the whole image would cost
    # the whole image per call, and spread one NaN anywhere to every sample.
    source = sampling.Tiles(image) if isinstance(image, np.ndarray) else image
    return sampling.map_chunked(
        source, points, ~outside, order=options.order, mode=options.scipy_mode
    )
