"""The array types of the core's annotations, named once.

numpy arrays are named by what their dtype is known to be; an image the API accepts
may have any real dtype (bool, integer or float), hence :data:`AnyArray`. A chunked
array is not a class: dask, zarr and :class:`.sampling.Tiles` share only the few
attributes of :class:`ChunkedArray`, which is what the code reads of them.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

#: An image of any dtype, as :func:`.checks.real_image` returns it.
AnyArray = npt.NDArray[Any]

#: The work dtype of the engine's passes: float32, or float64 for wide images.
FloatArray = npt.NDArray[np.floating[Any]]

#: The gradient outputs: derivatives, magnitudes and directions.
Float32Array = npt.NDArray[np.float32]

#: Coordinates, distances, profile values and kernel weights.
Float64Array = npt.NDArray[np.float64]

#: Indices along axes and into arrays.
IndexArray = npt.NDArray[np.intp]


class ChunkedArray(Protocol):
    """An array read in chunks (dask, zarr, :class:`.sampling.Tiles`), never as a whole.

    Its attributes are read by name only: their types differ between libraries (dask's
    shape holds NaN for unknown chunk sizes, zarr's chunks are one size per axis and
    dask's every chunk's size), so they are ``Any`` here.
    """

    @property
    def shape(self) -> tuple[Any, ...]:
        """Size of every axis."""

    @property
    def dtype(self) -> Any:
        """Anything :class:`numpy.dtype` accepts."""

    @property
    def chunks(self) -> Any:
        """The chunk sizes, one entry per axis."""

    def __getitem__(self, index: Any, /) -> Any:
        """Read a box of the array, as anything :func:`numpy.asarray` accepts."""
