"""The scalar intensity of an image layer, whole, lazily, or one plane read on demand.

RGB(A) layers count by their Rec. 709 luminance; multiscale layers by their finest
level (the pyramid's other levels are for display). Chunked data (dask, zarr) is read
only where it is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.luminance import rgb_to_luminance

if TYPE_CHECKING:
    import napari.layers


def layer_intensity(
    image: napari.layers.Image, index: tuple[int | slice, ...] | None = None
) -> np.ndarray:
    """Return the full-resolution scalar intensity of an image layer, or part of it.

    RGB(A) layers are converted to luminance with :func:`rgb_to_luminance`;
    multiscale layers give their finest level. Lazy (dask, zarr) data is read,
    but only the part selected by ``index``.

    Parameters
    ----------
    image : napari.layers.Image
        The source layer.
    index : tuple of int or slice, optional
        One entry per axis of the layer (``image.ndim``, without the RGB channel
        axis) selecting the part to read. Default: all of it.

    Returns
    -------
    numpy.ndarray
        The selected part, in the layer's data coordinates.
    """
    data = image.data[0] if image.multiscale else image.data
    if index is not None:
        data = data[tuple(index)]
    data = np.asarray(data)
    if image.rgb:
        return rgb_to_luminance(data)
    return data


def is_in_memory(data: Any) -> bool:
    return isinstance(data, np.ndarray)


# Pixels per block of in-memory images computed lazily: small enough to cancel between
# blocks and to show a plane quickly, large enough for the engine's threads.
BLOCK_PIXELS = 2**22


def lazy_intensity(data: Any, rgb: bool) -> Any:
    """Return a layer's level as a dask array, one chunk per plane napari slices through."""
    import dask.array as da

    if not isinstance(data, da.Array):
        chunks = getattr(data, "chunks", None)
        if not (isinstance(chunks, tuple) and all(isinstance(c, int) for c in chunks)):
            # In memory: blocks of whole rows, about 4 Mpixels (16 MB of float32 out).
            spatial = data.shape[:-1] if rgb else data.shape
            rows = max(1, BLOCK_PIXELS // max(1, spatial[-1])) if len(spatial) > 1 else -1
            chunks = (*(1,) * (len(spatial) - 2), rows, -1)[-len(spatial) :]
            chunks = (*chunks, -1) if rgb else chunks
        data = da.from_array(data, chunks=chunks)
    if rgb:
        data = data.rechunk({-1: -1}).map_blocks(
            rgb_to_luminance,
            drop_axis=-1,
            dtype=np.float32,
            meta=np.empty((0,) * (data.ndim - 1), np.float32),
        )
    # napari shows the last two axes and slices through the others: one plane per
    # chunk there means showing a plane computes that plane (and its halo), not a slab.
    # Thin chunks of a thick-chunked store are merged within the plane (up to about
    # BLOCK_PIXELS), so that the graph of a large volume stays small.
    if data.ndim < 3:
        return data
    plane = data.chunks[-2:]
    target: dict[int, int | str] = {axis: 1 for axis in range(data.ndim - 2)}
    if max(plane[0]) * max(plane[1]) < BLOCK_PIXELS:
        target[data.ndim - 2] = "auto"
        target[data.ndim - 1] = "auto"
    return data.rechunk(target, block_size_limit=BLOCK_PIXELS * data.dtype.itemsize)


#: Bytes of chunks a lazy plane keeps, so that dragging a line over a dask or
#: zarr image reads each chunk once, not on every move.
LAZY_PLANE_CACHE_BYTES = 64 * 2**20


class LazyPlane:
    """One plane of a chunked (dask, zarr) layer, read chunk by chunk on demand.

    It has what :func:`napari_derivatives.line_profile` needs of a chunked image
    (``shape``, ``dtype``, ``chunks``, slicing), so only the chunks under a line
    are read: each once, kept up to :data:`LAZY_PLANE_CACHE_BYTES`. An RGB(A)
    plane gives the luminance of the part read.
    """

    def __init__(self, data: Any, index: tuple[int | slice, ...], *, rgb: bool) -> None:
        self._data, self._index, self._rgb = data, index, rgb
        kept = [axis for axis, entry in enumerate(index) if isinstance(entry, slice)]
        self.shape = tuple(int(data.shape[axis]) for axis in kept)
        self.chunks = tuple(data.chunks[axis] for axis in kept)
        self.ndim = len(self.shape)
        self.dtype = np.dtype(np.float32) if rgb else np.dtype(data.dtype)
        self._blocks: dict[tuple, np.ndarray] = {}
        self._bytes = 0

    def __getitem__(self, box: tuple[slice, ...]) -> np.ndarray:
        key = tuple((part.start, part.stop) for part in box)
        block = self._blocks.pop(key, None)
        if block is None:
            parts = iter(box)
            index = [next(parts) if isinstance(e, slice) else e for e in self._index]
            block = np.asarray(self._data[tuple(index) + ((slice(None),) if self._rgb else ())])
            if self._rgb:
                block = rgb_to_luminance(block)
            self._bytes += block.nbytes
        self._blocks[key] = block  # the most recently used last
        while self._bytes > LAZY_PLANE_CACHE_BYTES and len(self._blocks) > 1:
            self._bytes -= self._blocks.pop(next(iter(self._blocks))).nbytes
        return block


def read_plane(image: napari.layers.Image, index: tuple[int | slice, ...]) -> Any:
    """Return a plane of an image layer to profile: lazy for chunked data, else read."""
    data = image.data[0] if image.multiscale else image.data
    if not isinstance(data, np.ndarray) and hasattr(data, "chunks"):
        return LazyPlane(data, index, rgb=image.rgb)
    return layer_intensity(image, index)
