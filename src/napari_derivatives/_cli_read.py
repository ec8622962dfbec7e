"""The inputs of the ``napari-derivatives`` command: TIFF, .npy and zarr (OME-Zarr too).

Every failure a user can cause here becomes a :class:`~._cli_io.CommandError`, one line
that names the file, also a corrupt chunk found only when a dask task reads it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._cli_io import CommandError, one_line
from ._core.luminance import rgb_to_luminance
from ._ngff import Axes, read_image_metadata

if TYPE_CHECKING:
    import dask.array as da
    import zarr

_TIFF_SUFFIXES = (".tif", ".tiff")
_ZARR_METADATA = ("zarr.json", ".zarray", ".zgroup")


def _box(key: Any) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return ", ".join(f"{p.start}:{p.stop}" if isinstance(p, slice) else "..." for p in parts)


class CheckedReads:
    """A zarr array for dask whose read failures name the file and the box read.

    A corrupt chunk is found only when a task reads it, while computing.
    """

    def __init__(self, array: zarr.Array, label: str) -> None:
        self.array = array
        self.label = label
        self.shape = array.shape
        self.dtype = array.dtype
        self.ndim = array.ndim
        self.chunks = array.chunks

    def __getitem__(self, key: Any) -> Any:
        try:
            return self.array[key]
        except Exception as error:
            message = f"cannot read {self.label} at [{_box(key)}]: {one_line(error)}"
            raise CommandError(message) from None


def _open_zarr(path: Path) -> tuple[zarr.Array, Axes | None]:
    """Open the array of a zarr path, with its OME-Zarr axes if it is (in) an NGFF image."""
    import zarr

    node = zarr.open(str(path), mode="r")
    if isinstance(node, zarr.Array):
        # A level inside an image group (out.zarr/gx/0): the group holds its metadata.
        parent = path.parent
        if _is_zarr(parent):
            found = read_image_metadata(zarr.open_group(str(parent), mode="r").attrs.asdict())
            if found is not None and found[0] == path.name:
                return node, found[1]
        return node, None
    found = read_image_metadata(node.attrs.asdict())
    if found is not None:
        level = node[found[0]]
        if not isinstance(level, zarr.Array):
            raise CommandError(f"{path}: its OME-Zarr level {found[0]} is not an array")
        return level, found[1]
    images = sorted(
        name
        for name, member in node.members(max_depth=None)
        if isinstance(member, zarr.Group) and read_image_metadata(member.attrs.asdict())
    )
    if len(images) == 1:
        return _open_zarr(path / images[0])
    if images:
        raise CommandError(
            f"{path} is a zarr group with {len(images)} OME-Zarr images "
            f"({', '.join(images)}); give the path of one, for example {path / images[0]}"
        )
    arrays = sorted(
        (name, member)
        for name, member in node.members(max_depth=None)
        if isinstance(member, zarr.Array)
    )
    if len(arrays) != 1:
        names = ", ".join(name for name, _ in arrays) or "none"
        raise CommandError(
            f"{path} is a zarr group with {len(arrays)} arrays ({names}); "
            f"give the path of one, for example {path / arrays[0][0]}"
            if arrays
            else f"{path} is a zarr group without arrays"
        )
    return arrays[0][1], None


def _is_zarr(path: Path) -> bool:
    return path.is_dir() and any((path / name).exists() for name in _ZARR_METADATA)


def _read_tiff(path: Path) -> np.ndarray:
    """Read the first series of a TIFF; an RGB(A) one as its luminance, as the widget does."""
    import tifffile

    with tifffile.TiffFile(path) as tiff:
        series = tiff.series[0]
        data = series.asarray()
        if series.keyframe.photometric == tifffile.PHOTOMETRIC.RGB and "S" in series.axes:
            # Colour samples are not an axis to differentiate across.
            return rgb_to_luminance(np.moveaxis(data, series.axes.index("S"), -1))
    return data


def read_image(path: str | os.PathLike[str]) -> tuple[da.Array, str, Axes | None]:
    """Open an image lazily, as a dask array, name its format, and read its OME-Zarr axes.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.tif``/``.tiff`` or ``.npy`` file, or a zarr array, a zarr group
        holding exactly one array or one OME-Zarr image, or a path inside a zarr store.

    Returns
    -------
    image : dask.array.Array
        The image; zarr chunks are kept, so nothing is read yet, and a chunk that
        cannot be read raises a CommandError naming the file when computed. An RGB(A)
        TIFF (photometric RGB) becomes its float32 Rec. 709 luminance
        (:func:`napari_derivatives.rgb_to_luminance`), without the colour axis.
    kind : str
        ``"zarr"``, ``"tif"`` or ``"npy"``.
    axes : Axes or None
        The axes of an OME-Zarr image (its full-resolution level is ``image``), or
        ``None`` for any other input.

    Raises
    ------
    CommandError
        If the path does not exist or cannot be read as an image.
    """
    import dask.array as da
    from dask.base import tokenize

    path = Path(path)
    if not path.exists():
        raise CommandError(f"cannot read {path}: no such file or directory")
    try:
        if _is_zarr(path):
            array, axes = _open_zarr(path)
            name = "read-zarr-" + tokenize(array, str(path))
            meta = np.empty((0,) * array.ndim, dtype=array.dtype)
            lazy = da.from_array(
                CheckedReads(array, str(path)), chunks=array.chunks, name=name, meta=meta
            )
            return lazy, "zarr", axes
        if path.is_dir():
            raise CommandError(
                f"cannot read {path}: a folder that is not a zarr array or group "
                f"(it has no {', '.join(_ZARR_METADATA)})"
            )
        suffix = path.suffix.lower()
        if suffix in _TIFF_SUFFIXES:
            return da.from_array(_read_tiff(path)), "tif", None
        if suffix == ".npy":
            return da.from_array(np.load(path, mmap_mode="r")), "npy", None
    except CommandError:
        raise
    except Exception as error:
        raise CommandError(f"cannot read {path}: {one_line(error)}") from None
    raise CommandError(
        f"cannot read {path}: expected a .tif/.tiff or .npy file or a zarr array or group"
    )
