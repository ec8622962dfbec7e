"""Sample data: a synthetic image with known derivatives, and a real micrograph."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: Pixel size of the synthetic image, in micrometres.
SYNTHETIC_PIXEL_SIZE = 0.5


def synthetic_edges(shape: tuple[int, int] = (256, 256)) -> np.ndarray:
    """Return a deterministic uint16 test image with ramps, step edges and a blurred disk.

    The image has a background ramp rising by 2 counts per pixel to the right,
    a bright square with sharp step edges (+1500 counts) in the top left, and a
    disk of radius ``shape[0] / 6`` blurred with a Gaussian of sigma 3 pixels
    (+2500 counts) in the bottom right. Noise is seeded, so every call returns the
    same image.

    Parameters
    ----------
    shape : tuple of int
        ``(rows, columns)`` of the image, at least 32 x 32.

    Returns
    -------
    numpy.ndarray
        A uint16 array of ``shape``.

    Examples
    --------
    >>> image = synthetic_edges()
    >>> image.dtype, image.shape
    (dtype('uint16'), (256, 256))
    """
    rows, cols = shape
    if rows < 32 or cols < 32:
        raise ValueError(f"shape: expected at least (32, 32), got {shape}")
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    image = 200.0 + 2.0 * x
    square = (y >= rows // 8) & (y < rows * 3 // 8) & (x >= cols // 8) & (x < cols * 3 // 8)
    image += 1500.0 * square
    disk = (y - rows * 0.65) ** 2 + (x - cols * 0.65) ** 2 <= (rows / 6) ** 2
    image += 2500.0 * ndimage.gaussian_filter(disk.astype(np.float64), sigma=3.0)
    image += np.random.default_rng(0).normal(0.0, 8.0, size=shape)
    return np.clip(np.round(image), 0, 65535).astype(np.uint16)


def make_synthetic_sample() -> list[tuple]:
    """Return the synthetic edges image as napari layer data, 0.5 µm pixels.

    Returns
    -------
    list of tuple
        One ``(data, kwargs, "image")`` layer data tuple.
    """
    pixel = SYNTHETIC_PIXEL_SIZE
    return [
        (
            synthetic_edges(),
            {"name": "edges", "scale": (pixel, pixel), "units": ("um", "um")},
            "image",
        )
    ]


def make_cell_sample() -> list[tuple]:
    """Return scikit-image's ``cell`` phase image, with its 0.107 µm pixel size.

    The image ships with scikit-image, so nothing is downloaded.

    Returns
    -------
    list of tuple
        One ``(data, kwargs, "image")`` layer data tuple.
    """
    from skimage import data

    return [
        (
            data.cell(),
            {"name": "cell", "scale": (0.107, 0.107), "units": ("um", "um")},
            "image",
        )
    ]
