"""Colour pictures of orientation and direction: the colour survey and the direction colour.

Both are RGB images (uint8, the colour axis last) drawn in HSV as OrientationJ draws its
colour survey: the hue is an angle, the saturation how much to trust it, the value
(brightness) how much there is to see.

- :func:`colour_survey`: hue = the structure tensor's orientation (over pi), saturation
  = coherence, value = the image scaled by contrast limits. Fibres of one direction share
  a colour; isotropic texture is grey; the background is dark.
- :func:`direction_colour`: hue = the gradient direction (over 2 pi), full saturation,
  value = the magnitude over a robust maximum of it (:func:`brightness_scale`, computed
  once for a whole image), so flat regions, where the direction is noise, are dark.

Hues agree between the two: a gradient towards +x (direction 0, orientation 0) is red,
towards +y (pi/2) cyan in the survey and yellow-green in the direction colour (a quarter
of the hue circle). Every pixel is computed from its own values only, so a dask input
gives a dask output coloured chunk by chunk, with the same values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from . import checks

if TYPE_CHECKING:
    import dask.array as da

#: The colour images: RGB, 0-255, the colour axis last.
RGBArray = npt.NDArray[np.uint8]

#: The percentile of the magnitude that is full brightness in :func:`direction_colour`.
BRIGHTNESS_PERCENTILE = 99.0

#: At most this many samples are read to estimate a robust maximum or contrast limits:
#: a strided subset of an in-memory image, a central plane of a chunked one.
SAMPLE_PIXELS = 2**20


#: Hues of the lookup table of :func:`hsv_to_rgb`: a multiple of 6, so that the primary
#: and secondary colours are exact; a step changes a channel by at most 1/256 of full scale.
HUE_STEPS = 1536

#: Pixels coloured at a time: the temporaries stay a few MB, whatever the image.
BLOCK_PIXELS = 2**18


def _hue_table() -> npt.NDArray[np.float32]:
    # The fully saturated, full-value colour of each hue: f(n) = 1 - max(0, min(k, 4 - k, 1)),
    # k = (n + 6 h) mod 6, for R, G, B with n = 5, 3, 1.
    sector = np.arange(HUE_STEPS, dtype=np.float64) * 6 / HUE_STEPS
    table = np.empty((HUE_STEPS, 3), dtype=np.float32)
    for channel, n in enumerate((5, 3, 1)):
        k = np.mod(n + sector, 6)
        table[:, channel] = 1 - np.clip(np.minimum(k, 4 - k), 0, 1)
    return table


_HUES = _hue_table()


def hsv_to_rgb(hue: npt.ArrayLike, saturation: npt.ArrayLike, value: npt.ArrayLike) -> RGBArray:
    """Return the RGB colours (uint8) of hue, saturation and value, each in [0, 1].

    ``hue`` wraps (1.25 is 0.25) and is rounded to 1/:data:`HUE_STEPS` of a turn;
    saturation and value are clipped to [0, 1]; NaN in any of them gives black. The
    arrays broadcast; the result has a last axis of 3.

    Examples
    --------
    >>> hsv_to_rgb([0.0, 1 / 3, 0.5], 1.0, 1.0).tolist()
    [[255, 0, 0], [0, 255, 0], [0, 255, 255]]
    >>> hsv_to_rgb(0.7, 0.0, 0.5).tolist()  # no saturation: grey whatever the hue
    [128, 128, 128]
    """
    h, s, v = np.broadcast_arrays(
        np.asarray(hue, dtype=np.float32),
        np.clip(np.asarray(saturation, dtype=np.float32), 0, 1),
        np.clip(np.asarray(value, dtype=np.float32), 0, 1),
    )
    bad = ~(np.isfinite(h) & np.isfinite(s) & np.isfinite(v))
    # The fractional part by floor, not np.mod: many times faster, and the same here.
    turns = np.where(bad, 0, h)
    index = np.rint((turns - np.floor(turns)) * HUE_STEPS).astype(np.intp)
    index = np.where(index == HUE_STEPS, 0, index)
    # v (1 - s w) with w = 1 - table: the grey part v (1 - s) plus the colour v s table.
    scale = np.float32(255)
    grey = np.where(bad, 0, v * (1 - s)) * scale
    chroma = np.where(bad, 0, v * s) * scale
    out = np.empty((*h.shape, 3), dtype=np.uint8)
    for channel in range(3):
        out[..., channel] = np.rint(grey + chroma * np.take(_HUES[:, channel], index))
    return out


def _turns(angle: npt.ArrayLike, period: float) -> npt.NDArray[np.float32]:
    turns = np.asarray(angle, dtype=np.float32) / np.float32(period)
    fraction: npt.NDArray[np.float32] = turns - np.floor(turns)
    return fraction


def orientation_hue(angle: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Return the hue in [0, 1] of an orientation in radians, cyclic over pi (0 is red)."""
    return _turns(angle, math.pi)


def _direction_hue(angle: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Return the hue in [0, 1] of a direction in radians, cyclic over 2 pi (0 is red)."""
    return _turns(angle, 2 * math.pi)


def _survey_block(
    orientation: npt.ArrayLike,
    coherence: npt.ArrayLike,
    image: npt.ArrayLike,
    low: float,
    high: float,
) -> RGBArray:
    brightness = (np.asarray(image, dtype=np.float32) - np.float32(low)) / np.float32(high - low)
    return hsv_to_rgb(orientation_hue(orientation), coherence, brightness)


def _direction_block(direction: npt.ArrayLike, magnitude: npt.ArrayLike, scale: float) -> RGBArray:
    brightness = np.asarray(magnitude, dtype=np.float32) / np.float32(scale)
    return hsv_to_rgb(_direction_hue(direction), 1.0, brightness)


def _colour_map(block: Any, arrays: Sequence[Any], *args: float) -> Any:
    """Apply ``block`` to aligned arrays: at once for numpy, chunk by chunk for dask."""
    shapes = {tuple(np.shape(array)) for array in arrays}
    if len(shapes) != 1:
        raise ValueError(f"the arrays to colour must have one shape, got {sorted(shapes)}")
    if not any(checks.is_dask(array) for array in arrays):
        arrays = [np.asarray(array) for array in arrays]
        first = arrays[0]
        if first.ndim == 0:
            return block(*arrays, *args)
        # A few rows (or planes) at a time: the temporaries stay small and in cache.
        out = np.empty((*first.shape, 3), dtype=np.uint8)
        rows = max(1, BLOCK_PIXELS // max(1, math.prod(first.shape[1:])))
        for start in range(0, first.shape[0], rows):
            part = slice(start, start + rows)
            out[part] = block(*(array[part] for array in arrays), *args)
        return out
    import dask.array as da

    # The chunks of the first dask input, for all: numpy inputs are cut to match.
    chunks = next(array.chunks for array in arrays if checks.is_dask(array))
    ndim = len(chunks)
    return da.map_blocks(
        block,
        *[da.asarray(array).rechunk(chunks) for array in arrays],
        *args,
        dtype=np.uint8,
        new_axis=ndim,
        chunks=(*chunks, (3,)),
        meta=np.empty((0,) * (ndim + 1), dtype=np.uint8),
    )


@overload
def colour_survey(
    orientation: da.Array,
    coherence: da.Array | npt.ArrayLike,
    image: da.Array | npt.ArrayLike,
    *,
    contrast_limits: Sequence[float],
) -> da.Array: ...
@overload
def colour_survey(
    orientation: npt.ArrayLike,
    coherence: da.Array | npt.ArrayLike,
    image: da.Array | npt.ArrayLike,
    *,
    contrast_limits: Sequence[float],
) -> RGBArray | da.Array: ...


def colour_survey(
    orientation: Any, coherence: Any, image: Any, *, contrast_limits: Sequence[float]
) -> Any:
    """Return OrientationJ's colour survey: hue orientation, saturation coherence.

    Parameters
    ----------
    orientation : array_like or dask.array.Array
        Orientation in radians, as :func:`napari_derivatives.orientation` returns it;
        the hue is cyclic over pi: 0 (a gradient along +x, stripes along y) is red,
        pi/6 yellow, pi/3 green, pi/2 (or -pi/2) cyan, -pi/3 blue, -pi/6 magenta.
    coherence : array_like or dask.array.Array
        Coherence in [0, 1]: the saturation. 0 (isotropic) is grey.
    image : array_like or dask.array.Array
        The intensity the brightness comes from, the same shape.
    contrast_limits : (float, float)
        The intensities shown black and full brightness, as a napari layer's contrast
        limits; values outside are clipped.

    Returns
    -------
    ndarray of uint8 or dask.array.Array, shape ``(*image.shape, 3)``
        RGB colours, 0-255; NaN anywhere gives black. Dask when any input is dask,
        coloured chunk by chunk.

    Raises
    ------
    ValueError
        If the arrays differ in shape, or ``contrast_limits`` are not two finite
        numbers with low < high.

    Examples
    --------
    >>> colour_survey([0.0, 0.0], [1.0, 0.0], [2.0, 2.0], contrast_limits=(0, 2)).tolist()
    [[255, 0, 0], [255, 255, 255]]
    """
    low, high = checks.contrast_limits(contrast_limits)
    return _colour_map(_survey_block, (orientation, coherence, image), low, high)


@overload
def direction_colour(
    direction: da.Array, magnitude: da.Array | npt.ArrayLike, *, scale: float
) -> da.Array: ...
@overload
def direction_colour(
    direction: npt.ArrayLike, magnitude: da.Array | npt.ArrayLike, *, scale: float
) -> RGBArray | da.Array: ...


def direction_colour(direction: Any, magnitude: Any, *, scale: float) -> Any:
    """Return the gradient direction as hue, darkened where the gradient is weak.

    Parameters
    ----------
    direction : array_like or dask.array.Array
        Gradient direction in radians, as :func:`napari_derivatives.gradient_direction`
        returns it; the hue is cyclic over 2 pi: 0 (towards +x) red, pi/2 (towards +y)
        yellow-green, pi cyan, -pi/2 violet.
    magnitude : array_like or dask.array.Array
        Gradient magnitude, the same shape: the brightness is ``magnitude / scale``,
        clipped to 1.
    scale : float
        The magnitude shown at full brightness, > 0; :func:`brightness_scale` gives a
        robust one, computed once for an image so that its planes and chunks agree.

    Returns
    -------
    ndarray of uint8 or dask.array.Array, shape ``(*direction.shape, 3)``
        RGB colours, 0-255, fully saturated; NaN gives black. Dask when any input is.

    Raises
    ------
    ValueError
        If the arrays differ in shape or ``scale`` is not a finite number > 0.

    Examples
    --------
    >>> direction_colour([0.0, np.pi], [2.0, 1.0], scale=2.0).tolist()
    [[255, 0, 0], [0, 128, 128]]
    """
    scale = checks.positive_real(scale, "scale")
    return _colour_map(_direction_block, (direction, magnitude), scale)


def intensity_sample(image: Any) -> npt.NDArray[Any]:
    """Return at most :data:`SAMPLE_PIXELS` values of ``image`` that stand for it all.

    An in-memory image gives an evenly strided subset of all its pixels; a chunked one
    (dask, zarr) its central plane (the last two axes, cropped to the central
    1024 x 1024), so that only the chunks there are read (and, for dask, computed).
    """
    if isinstance(image, np.ndarray) or not checks.is_chunked(image):
        flat = np.asarray(image).reshape(-1)
        step = max(1, -(-flat.size // SAMPLE_PIXELS))
        return np.asarray(flat[::step])
    side = math.isqrt(SAMPLE_PIXELS)
    index: list[int | slice] = [size // 2 for size in image.shape[:-2]]
    for size in image.shape[-2:]:
        start = max(0, (size - side) // 2)
        index.append(slice(start, start + side))
    return np.asarray(image[tuple(index)])


def brightness_scale(magnitude: Any, percentile: float = BRIGHTNESS_PERCENTILE) -> float:
    """Return a robust maximum of a magnitude: the scale of :func:`direction_colour`.

    Parameters
    ----------
    magnitude : array_like or chunked array (dask, zarr)
        The gradient magnitude of an image, or (a multiscale layer) of its coarsest
        level. Read as :func:`intensity_sample` reads it.
    percentile : float
        The percentile of the finite sampled values shown at full brightness, in
        (0, 100]: 99 (default) lets the brightest 1 % saturate, so a few strong
        edges do not leave the rest dark.

    Returns
    -------
    float
        The percentile, > 0; 1.0 when it is 0 or there is no finite value (an image
        without gradient stays black).
    """
    percentile = checks.positive_real(percentile, "percentile")
    if percentile > 100:
        raise ValueError(f"`percentile` must be in (0, 100], got {percentile!r}")
    sample = intensity_sample(magnitude).astype(np.float64, copy=False)
    finite = sample[np.isfinite(sample)]
    value = float(np.percentile(finite, percentile)) if finite.size else 0.0
    return value if value > 0 else 1.0


def intensity_limits(image: Any) -> tuple[float, float]:
    """Return the (minimum, maximum) of :func:`intensity_sample`: default contrast limits.

    A flat or empty image gives limits one apart, so that they can scale.
    """
    sample = intensity_sample(image).astype(np.float64, copy=False)
    finite = sample[np.isfinite(sample)]
    if not finite.size:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    return (low, high) if high > low else (low, low + 1.0)
