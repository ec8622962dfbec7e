"""Sample data: synthetic images with known derivatives, and a real micrograph.

No registry package ships a real 3D or time-lapse micrograph without a download
(scikit-image's ``cells3d`` is fetched from the network), so the 3D + time sample is
synthetic: a blurred front moving at a known velocity, and tubes.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.special import erf

#: Pixel size of the synthetic image, in micrometres.
SYNTHETIC_PIXEL_SIZE = 0.5

#: The time-lapse sample's pixel size (t, z, y, x): seconds between frames, then µm.
TIME_LAPSE_SCALE = (10.0, 1.0, 0.5, 0.5)

#: The velocity of the time-lapse sample's front along +x, in µm per second.
FRONT_VELOCITY = 0.2

#: Where the front is at t = 0 (µm along x), its blur (the sigma of its erf, in µm) and
#: its height (counts): the intensity falls from background + height to background.
FRONT_START, FRONT_WIDTH, FRONT_HEIGHT = 12.0, 1.5, 1000.0

#: The tubes: a point and a direction (z, y, x, in µm) of each axis; a Gaussian
#: cross-section of sigma TUBE_SIGMA µm and height TUBE_HEIGHT counts.
TUBES = (
    ((6.0, 12.0, 0.0), (0.0, 0.0, 1.0)),  # along x
    ((12.0, 0.0, 48.0), (0.0, 1.0, 0.0)),  # along y
    ((18.0, 8.0, 8.0), (0.0, 0.6, 0.8)),  # diagonal in the y-x plane
)
TUBE_SIGMA, TUBE_HEIGHT = 1.0, 600.0


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


def synthetic_time_lapse(shape: tuple[int, int, int, int] = (12, 24, 96, 128)) -> np.ndarray:
    """Return a deterministic uint16 (t, z, y, x) time lapse: a moving front and tubes.

    Pixels are :data:`TIME_LAPSE_SCALE` (10 s between frames, 1 µm between planes,
    0.5 µm in y and x). On a background of 100 counts:

    - a front, a plane across x, bright behind it (+1000 counts) and blurred as an
      erf of sigma 1.5 µm, at ``x = 12 µm + 0.2 µm/s * t``: it moves along +x at
      :data:`FRONT_VELOCITY` = 0.2 µm per second (2 µm, 4 pixels, per frame), so a
      kymograph along x shows a line of that slope. Its steepest slope along x is
      ``-1000 / (sqrt(2 pi) 1.5) = -266 counts per µm``, and ``d/dt`` at the front is
      ``+266 * 0.2 = 53 counts per second``;
    - three static tubes (:data:`TUBES`: along x, along y, and diagonal), each a
      Gaussian ridge of sigma 1 µm and +600 counts, for second-order (Hessian) features;
    - seeded Gaussian noise of 5 counts, so that every call returns the same array.

    Parameters
    ----------
    shape : tuple of int
        ``(frames, planes, rows, columns)``, at least ``(2, 4, 16, 16)``.

    Returns
    -------
    numpy.ndarray
        A uint16 array of ``shape``.

    Examples
    --------
    >>> movie = synthetic_time_lapse((3, 4, 16, 16))
    >>> movie.dtype, movie.shape
    (dtype('uint16'), (3, 4, 16, 16))
    """
    if len(shape) != 4 or any(n < m for n, m in zip(shape, (2, 4, 16, 16), strict=True)):
        raise ValueError(f"`shape` must be (t, z, y, x) of at least (2, 4, 16, 16), got {shape}")
    frames, planes, rows, cols = shape
    dt, dz, dy, dx = TIME_LAPSE_SCALE
    z, y, x = np.meshgrid(
        np.arange(planes) * dz, np.arange(rows) * dy, np.arange(cols) * dx, indexing="ij"
    )
    tubes = np.zeros((planes, rows, cols))
    for point, direction in TUBES:
        offset = np.stack([z - point[0], y - point[1], x - point[2]])
        along = np.tensordot(direction, offset, axes=1) / np.linalg.norm(direction)
        squared = (offset**2).sum(axis=0) - along**2
        tubes += TUBE_HEIGHT * np.exp(-squared / (2 * TUBE_SIGMA**2))
    times = np.arange(frames) * dt
    fronts = FRONT_START + FRONT_VELOCITY * times
    columns = np.arange(cols) * dx
    front = (
        0.5
        * FRONT_HEIGHT
        * (1 + erf((fronts[:, None] - columns[None, :]) / (np.sqrt(2) * FRONT_WIDTH)))
    )
    movie = 100.0 + tubes[None] + front[:, None, None, :]
    movie += np.random.default_rng(0).normal(0.0, 5.0, size=movie.shape)
    return np.clip(np.round(movie), 0, 65535).astype(np.uint16)


def make_time_lapse_sample() -> list[tuple]:
    """Return the synthetic time lapse as napari layer data: 10 s frames, 1 x 0.5 x 0.5 µm.

    Returns
    -------
    list of tuple
        One ``(data, kwargs, "image")`` layer data tuple; its metadata states the
        front's velocity.
    """
    return [
        (
            synthetic_time_lapse(),
            {
                "name": "time lapse",
                "scale": TIME_LAPSE_SCALE,
                "units": ("s", "um", "um", "um"),
                "axis_labels": ("t", "z", "y", "x"),
                "metadata": {
                    "front velocity (um/s)": FRONT_VELOCITY,
                    "description": "a blurred front moving along +x at 0.2 um/s, three tubes",
                },
            },
            "image",
        )
    ]
