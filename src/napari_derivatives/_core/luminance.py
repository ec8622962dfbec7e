"""Colour images as one intensity: the Rec. 709 luminance."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .arraytypes import Float32Array
from .checks import real_image

#: Luminance weights of Rec. 709, as in :func:`skimage.color.rgb2gray`.
LUMINANCE_WEIGHTS = (0.2125, 0.7154, 0.0721)


def rgb_to_luminance(image: npt.ArrayLike) -> Float32Array:
    """Return the Rec. 709 luminance of an RGB or RGBA image.

    Parameters
    ----------
    image : array_like, shape (..., 3) or (..., 4)
        Real RGB(A) image; the alpha channel is ignored. Integers are not
        rescaled: a uint8 image gives luminance in 0-255.

    Returns
    -------
    ndarray of float32, shape ``image.shape[:-1]``
        ``0.2125 R + 0.7154 G + 0.0721 B``, the weights of
        :func:`skimage.color.rgb2gray`.

    Raises
    ------
    ValueError
        If the last axis of ``image`` does not have 3 or 4 channels, or ``image``
        is complex.
    TypeError
        If ``image`` is not numeric.
    """
    array = real_image(image)
    if array.shape[-1] not in (3, 4):
        raise ValueError(
            f"`image` must have 3 (RGB) or 4 (RGBA) channels on its last axis, "
            f"got shape {array.shape}"
        )
    weights = [np.float32(weight) for weight in LUMINANCE_WEIGHTS]
    luminance: Float32Array = np.multiply(array[..., 0], weights[0], dtype=np.float32)
    channel = np.empty_like(luminance)
    for index in (1, 2):
        np.multiply(array[..., index], weights[index], out=channel, dtype=np.float32)
        luminance += channel
    return luminance
