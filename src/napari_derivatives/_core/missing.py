"""Missing data: masked pixels are NaN, so they are never read.

A masked array's hidden values are not data (a masked 1000 among values near 5 must
not give slopes of 999). Converted to NaN, a masked pixel affects only the outputs
whose footprint covers it, as a NaN pixel does, in the gradients and in line profiles.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import checks


def is_masked(image: Any) -> bool:
    """Return whether ``image`` is a masked array: numpy's, or dask's of masked blocks."""
    if isinstance(image, np.ma.MaskedArray):
        return True
    # dask keeps the type of its blocks in its meta (dask.array.ma makes masked ones).
    return checks.is_dask(image) and isinstance(getattr(image, "_meta", None), np.ma.MaskedArray)


def masked_as_nan(image: Any, dtype: np.dtype[Any] | type[np.floating[Any]]) -> Any:
    """Return a masked ``image`` as a plain array of the float ``dtype``, NaN where masked.

    Parameters
    ----------
    image : numpy.ma.MaskedArray or dask.array.Array
        A masked array (see :func:`is_masked`); a dask array stays lazy.
    dtype : float dtype
        The dtype of the result, wide enough for the image's values.

    Returns
    -------
    numpy.ndarray or dask.array.Array
        The unmasked values, converted; NaN at every masked pixel.

    Raises
    ------
    ValueError, TypeError
        As :func:`.checks.real_image`, for a complex or non-numeric image.
    """
    if checks.is_dask(image):
        import dask.array as da

        checks.real_lazy_image(image)
        return da.ma.filled(image.astype(dtype), np.nan)
    checks.real_image(np.ma.getdata(image))
    return np.ma.filled(image.astype(dtype), np.nan)
