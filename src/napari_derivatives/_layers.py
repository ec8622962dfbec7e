"""napari glue without Qt: image layers <-> arrays, transforms, names and colormaps.

Everything here converts between napari layers and the plain arrays of the pure
modules (:mod:`._gradients`, :mod:`._profiles`), using napari's own transforms.
Nothing here imports Qt, so it works in headless scripts as well as in the widgets.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._gradients import OUTPUTS, gradient_outputs, rgb_to_luminance
from ._profiles import Edge, Profile, line_profile

if TYPE_CHECKING:
    import napari
    import napari.layers

#: Colormap per output: diverging for signed components, sequential for the
#: magnitude, cyclic for the direction (which wraps from pi to -pi).
OUTPUT_COLORMAPS = {
    "gx": "RdBu_r",
    "gy": "RdBu_r",
    "gz": "RdBu_r",
    "magnitude": "magma",
    "direction": "twilight_shifted",
}

#: Shape types that describe a path to profile along.
PATH_SHAPE_TYPES = ("line", "path")

_METADATA_KEY = "napari_derivatives"


def output_layer_name(source_name: str, output: str) -> str:
    """Return the name of the layer that holds ``output`` of ``source_name``.

    Parameters
    ----------
    source_name : str
        Name of the source image layer.
    output : str
        One of ``"gx"``, ``"gy"``, ``"gz"``, ``"magnitude"``, ``"direction"``.

    Returns
    -------
    str
        ``"<source_name> <output>"``, for example ``"cells gx"``.
    """
    return f"{source_name} {output}"


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


def default_gradient_axes(ndim: int) -> tuple[int, ...]:
    """Return the axes differentiated by default: each 2D plane of a stack.

    Parameters
    ----------
    ndim : int
        Number of dimensions of the image layer (without an RGB channel axis).

    Returns
    -------
    tuple of int
        ``(ndim - 2, ndim - 1)`` for ``ndim >= 2``, ``(0,)`` for 1D data.
    """
    return tuple(range(max(ndim - 2, 0), ndim))


#: Images with more pixels than this get lazy (dask) gradient layers even when
#: they are in memory: each output is then computed a plane at a time as napari
#: shows it, instead of allocating ``4 bytes x pixels`` per output up front.
LAZY_THRESHOLD = 2**26

# Contrast limits of lazy outputs are estimated on at most this many pixels per axis
# of a central plane, so that adding the layers never computes the whole volume.
_LIMITS_SAMPLE = 1024

# Pixels per block of in-memory images computed lazily: small enough to cancel between
# blocks and to show a plane quickly, large enough for the engine's threads.
_BLOCK_PIXELS = 2**22


def _is_in_memory(data: Any) -> bool:
    return isinstance(data, np.ndarray)


def _lazy_intensity(data: Any, rgb: bool) -> Any:
    """Return a layer's level as a dask array, one chunk per plane napari slices through."""
    import dask.array as da

    if not isinstance(data, da.Array):
        chunks = getattr(data, "chunks", None)
        if not (isinstance(chunks, tuple) and all(isinstance(c, int) for c in chunks)):
            # In memory: blocks of whole rows, about 4 Mpixels (16 MB of float32 out).
            spatial = data.shape[:-1] if rgb else data.shape
            rows = max(1, _BLOCK_PIXELS // max(1, spatial[-1])) if len(spatial) > 1 else -1
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
    # _BLOCK_PIXELS), so that the graph of a large volume stays small.
    if data.ndim < 3:
        return data
    plane = data.chunks[-2:]
    target = {axis: 1 for axis in range(data.ndim - 2)}
    if max(plane[0]) * max(plane[1]) < _BLOCK_PIXELS:
        target[data.ndim - 2] = "auto"
        target[data.ndim - 1] = "auto"
    return data.rechunk(target, block_size_limit=_BLOCK_PIXELS * data.dtype.itemsize)


def wants_lazy(image: napari.layers.Image, lazy: bool | None = None) -> bool:
    """Return whether gradient layers of ``image`` are lazy, as ``lazy`` asks.

    Parameters
    ----------
    image : napari.layers.Image
        The source layer.
    lazy : bool, optional
        An explicit choice, returned as is; None decides by the data: lazy when
        any level is not a numpy array (dask, zarr, ...) or the finest level has
        more than :data:`LAZY_THRESHOLD` pixels.

    Returns
    -------
    bool
        True for dask (lazy) outputs.
    """
    if lazy is not None:
        return bool(lazy)
    levels = list(image.data) if image.multiscale else [image.data]
    finest = levels[0]
    size = int(np.prod(finest.shape[:-1] if image.rgb else finest.shape))
    return size > LAZY_THRESHOLD or not all(_is_in_memory(level) for level in levels)


def compute_gradient_outputs(
    image: napari.layers.Image,
    *,
    method: str = "central",
    outputs: Sequence[str] = ("gx", "gy", "magnitude"),
    axes: Sequence[int] | None = None,
    sigma: float = 1.0,
    lazy: bool | None = None,
) -> dict[str, Any]:
    """Compute gradient outputs of an image layer, in its physical units.

    This touches no viewer, so it can run in a worker thread.

    Parameters
    ----------
    image : napari.layers.Image
        The source layer. The absolute value of its ``scale`` is the pixel size
        used for the units: a negative scale (a flipped axis) gives the same
        values as a positive one, components along the data axes.
    method : str
        One of :data:`napari_derivatives.METHODS`.
    outputs : sequence of str
        Names among ``"gx"``, ``"gy"``, ``"gz"``, ``"magnitude"``, ``"direction"``.
    axes : sequence of int, optional
        Axes of the layer's data to differentiate. Default: the last two
        (each 2D plane of a stack).
    sigma : float
        Gaussian scale for ``method="gaussian"``, in the layer's physical units.
    lazy : bool, optional
        True: return dask arrays that compute a block when it is read. False:
        compute numpy arrays now. None (default): lazy when the layer's data is
        not a numpy array (dask, zarr, ...) or has more than
        :data:`LAZY_THRESHOLD` pixels. Both give the same values.

    Returns
    -------
    dict of str to array or list of array
        One float32 array (numpy, or dask when lazy) per requested output, in the
        order requested. For a multiscale layer, a list with one array per level:
        each level is differentiated with its own pixel size, ``scale`` times the
        level's ``downsample_factors``, so all levels agree in physical units.
        Coarse levels with fewer than two samples along a differentiated axis
        are left out.
    """
    lazy = wants_lazy(image, lazy)
    levels = list(image.data) if image.multiscale else [image.data]
    factors = (
        np.asarray(image.downsample_factors, dtype=float)
        if image.multiscale
        else np.ones((1, image.ndim))
    )
    # napari flips an axis with a negative scale; the pixel size is its magnitude, and
    # components stay along the data axes (the outputs carry the same flip).
    scale = np.abs(np.asarray(image.scale, dtype=float))
    if axes is None:
        axes = default_gradient_axes(image.ndim)
    per_level: list[dict[str, Any]] = []
    for level, (data, factor) in enumerate(zip(levels, factors, strict=True)):
        if lazy:
            data = _lazy_intensity(data, image.rgb)
        else:
            data = np.asarray(data)
            data = rgb_to_luminance(data) if image.rgb else data
        shape = data.shape
        if level and any(shape[axis] < 2 for axis in axes):
            break
        spacing = tuple(float(s) for s in scale * factor)
        per_level.append(
            gradient_outputs(data, outputs, method=method, spacing=spacing, axes=axes, sigma=sigma)
        )
    if not image.multiscale:
        return per_level[0]
    return {name: [level[name] for level in per_level] for name in per_level[0]}


def _limits_sample(data: Any) -> np.ndarray:
    """Return (a central plane of) the data that contrast limits are estimated on."""
    if isinstance(data, list):
        # The coarsest level of a pyramid stands for the whole image.
        data = data[-1]
    if _is_in_memory(data):
        return data
    index = [size // 2 for size in data.shape[:-2]]
    for size in data.shape[-2:]:
        start = max(0, (size - _LIMITS_SAMPLE) // 2)
        index.append(slice(start, start + _LIMITS_SAMPLE))
    return np.asarray(data[tuple(index)])


def gradient_contrast_limits(results: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Return the contrast limits the output layers get.

    Components are symmetric around zero, the magnitude runs from zero, the
    direction spans ``(-pi, pi)``. Lazy outputs are estimated on a central plane
    of at most 1024 x 1024 pixels (multiscale: of the coarsest level), so this
    computes little; it may still read data, so the widget runs it in a worker.

    Parameters
    ----------
    results : mapping of str to array or list of array
        Output name to data, as returned by :func:`compute_gradient_outputs`.

    Returns
    -------
    dict of str to (float, float)
        Contrast limits per output.
    """
    limits = {}
    for output, data in results.items():
        if output == "direction":
            limits[output] = (-np.pi, np.pi)
        elif output == "magnitude":
            limits[output] = _sequential_limits(_limits_sample(data))
        else:
            limits[output] = _symmetric_limits(_limits_sample(data))
    return limits


def _symmetric_limits(data: np.ndarray) -> tuple[float, float]:
    finite = data[np.isfinite(data)]
    peak = float(np.max(np.abs(finite))) if finite.size else 0.0
    peak = peak or 1.0
    return (-peak, peak)


def _sequential_limits(data: np.ndarray) -> tuple[float, float]:
    finite = data[np.isfinite(data)]
    high = float(np.max(finite)) if finite.size else 0.0
    return (0.0, high or 1.0)


# What an output layer copies from its source to sit exactly on it.
_TRANSFORM_KEYS = ("scale", "translate", "rotate", "shear", "affine", "units", "axis_labels")


def _transform_settings(image: napari.layers.Image) -> dict[str, Any]:
    # Output layers sit exactly on their source: same world transform, units and labels.
    return {
        "scale": image.scale,
        "translate": image.translate,
        "rotate": image.rotate,
        "shear": image.shear,
        "affine": image.affine.affine_matrix,
        "units": image.units,
        "axis_labels": image.axis_labels,
    }


def _refresh_deferred(layer: napari.layers.Layer) -> contextlib.AbstractContextManager:
    """Hold back a layer's slicing (not its events) until the caller refreshes it."""
    # napari's own guard (private, napari >= 0.5); without it each setter slices.
    block = getattr(layer, "_block_refresh", None)
    return block() if block is not None else contextlib.nullcontext()


def apply_gradient_outputs(
    viewer: napari.Viewer,
    image: napari.layers.Image,
    results: Mapping[str, Any],
    *,
    method: str = "central",
    contrast_limits: Mapping[str, tuple[float, float]] | None = None,
) -> list[napari.layers.Image]:
    """Add the computed outputs to the viewer, or update the layers already there.

    A layer named ``"<image> <output>"`` that already exists is updated in place
    (data, transforms, colormap and contrast limits), so running again with other
    settings does not pile up layers. napari cannot turn a layer into a
    multiscale one or back, so such a layer is replaced instead, at the same
    place in the layer list.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer to add the layers to.
    image : napari.layers.Image
        The source layer; output layers copy its transforms.
    results : mapping of str to array or list of array
        Output name to data, as returned by :func:`compute_gradient_outputs`
        (numpy or dask arrays; a list of levels for a multiscale layer).
    method : str
        The operator used, recorded in the layers' metadata.
    contrast_limits : mapping of str to (float, float), optional
        Contrast limits per output, as :func:`gradient_contrast_limits` returns
        them (computed here when not given).

    Returns
    -------
    list of napari.layers.Image
        The added or updated layers, in the order of ``results``.
    """
    from napari.layers import Image

    if contrast_limits is None:
        contrast_limits = gradient_contrast_limits(results)
    layers = []
    for output, data in results.items():
        multiscale = isinstance(data, list)
        name = output_layer_name(image.name, output)
        settings = {
            **_transform_settings(image),
            "colormap": OUTPUT_COLORMAPS[output],
            "contrast_limits": contrast_limits[output],
        }
        metadata = {_METADATA_KEY: {"source": image.name, "output": output, "method": method}}
        existing = next((layer for layer in viewer.layers if layer.name == name), None)
        if (
            isinstance(existing, Image)
            and not existing.rgb
            and existing.multiscale == multiscale
            and existing.ndim == image.ndim
        ):
            # The events stay live: the viewer recomputes its dims range from the
            # transform and data events. Only slicing waits for the refresh below, so
            # that lazy data is not computed once per setter.
            with _refresh_deferred(existing):
                for key in _TRANSFORM_KEYS:
                    setattr(existing, key, settings[key])
                existing.data = data
                existing.colormap = settings["colormap"]
                existing.metadata.update(metadata)
            existing.contrast_limits = settings["contrast_limits"]
            existing.refresh()
            layers.append(existing)
        else:
            position = None
            if existing is not None:
                position = viewer.layers.index(existing)
                viewer.layers.remove(existing)
            added = viewer.add_image(
                data, name=name, metadata=metadata, multiscale=multiscale, **settings
            )
            if position is not None:
                viewer.layers.move(viewer.layers.index(added), position)
            layers.append(added)
    return layers


def resolve_image_layer(
    viewer: napari.Viewer, layer: napari.layers.Image | str
) -> napari.layers.Image:
    """Return the image layer given as a layer or as a layer name.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer holding the layer.
    layer : napari.layers.Image or str
        The layer, or its name.

    Returns
    -------
    napari.layers.Image
        The image layer.

    Raises
    ------
    ValueError
        If ``layer`` names no layer of the viewer or is not an image layer.
    """
    from napari.layers import Image

    if isinstance(layer, str):
        if layer not in viewer.layers:
            raise ValueError(f"layer: the viewer has no layer named {layer!r}")
        layer = viewer.layers[layer]
    if not isinstance(layer, Image):
        raise ValueError(f"layer: expected an image layer, got {type(layer).__name__}")
    return layer


def add_gradient_layers(
    viewer: napari.Viewer,
    layer: napari.layers.Image | str,
    *,
    method: str = "central",
    outputs: Sequence[str] = ("gx", "gy", "magnitude"),
    axes: Sequence[int] | None = None,
    sigma: float = 1.0,
    lazy: bool | None = None,
) -> list[napari.layers.Image]:
    """Add gradient layers of an image layer to a viewer, in physical units.

    The layers are named ``"<image> gx"``, ``"<image> gy"``, ``"<image> gz"``,
    ``"<image> magnitude"`` and ``"<image> direction"``. They keep the source's
    scale, translate, rotate, shear and affine, so they overlay it exactly.
    Components use a diverging colormap with contrast limits symmetric around
    zero, the magnitude a sequential one, the direction a cyclic one from -pi
    to pi. Running again updates the existing layers in place.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer holding ``layer``; the outputs are added to it.
    layer : napari.layers.Image or str
        The source image layer, or its name. RGB(A) images are converted to
        luminance first (see :func:`napari_derivatives.rgb_to_luminance`).
    method : str
        ``"central"``, ``"sobel"``, ``"scharr"``, ``"prewitt"``, ``"farid"`` or
        ``"gaussian"``.
    outputs : sequence of str
        Which layers to add: any of ``"gx"`` (d/d last axis), ``"gy"`` (d/d
        second-to-last axis), ``"gz"`` (d/d third-to-last axis), ``"magnitude"``
        and ``"direction"``.
    axes : sequence of int, optional
        Axes of the layer's data to differentiate. Default: the last two, so
        each 2D plane of a stack is differentiated on its own; pass
        ``(-3, -2, -1)`` for 3D gradients of a volume.
    sigma : float
        Scale of the derivative of Gaussian in the layer's physical units
        (``method="gaussian"`` only).
    lazy : bool, optional
        True: the layers hold dask arrays, computed block by block as napari
        shows them (instant, and fit for images larger than memory). False:
        compute everything now. None (default): lazy when the layer's data is
        dask, zarr or another array not in memory, or has more than
        :data:`LAZY_THRESHOLD` pixels. A multiscale layer gives multiscale
        gradient layers, each level differentiated with its own pixel size.

    Returns
    -------
    list of napari.layers.Image
        The layers added or updated, in the order of ``outputs``. Their values
        are in intensity per physical unit of the layer's ``scale`` (radians
        for the direction). A negative scale (a flipped axis) counts by its
        absolute value: components are along the data axes, per physical unit,
        and the output layers are flipped like the source.

    Raises
    ------
    ValueError
        If a parameter is invalid; the message names it.

    Examples
    --------
    >>> import napari, napari_derivatives  # doctest: +SKIP
    >>> viewer = napari.Viewer()  # doctest: +SKIP
    >>> cells = viewer.add_image(image, scale=(0.2, 0.2))  # doctest: +SKIP
    >>> napari_derivatives.add_gradient_layers(
    ...     viewer, cells, method="sobel", outputs=("magnitude",)
    ... )  # doctest: +SKIP
    """
    image = resolve_image_layer(viewer, layer)
    results = compute_gradient_outputs(
        image, method=method, outputs=outputs, axes=axes, sigma=sigma, lazy=lazy
    )
    return apply_gradient_outputs(viewer, image, results, method=method)


# --- line profiles -------------------------------------------------------------------------


def _world_point(viewer: napari.Viewer, shapes: napari.layers.Shapes, vertex) -> np.ndarray:
    # A shape vertex only fixes the world axes of its layer; the other axes are
    # taken where the viewer is, so a 2D line over a 3D stack samples the slice shown.
    point = np.asarray(viewer.dims.point, dtype=float)
    world = np.asarray(shapes.data_to_world(vertex), dtype=float)
    point[point.size - world.size :] = world
    return point


def _image_displayed_axes(viewer: napari.Viewer, image: napari.layers.Image) -> list[int]:
    # In array order: ``dims.displayed`` follows the display order (a transposed
    # view gives (1, 0)), but the plane sampled keeps the image's axes in order.
    offset = viewer.dims.ndim - image.ndim
    return sorted(axis - offset for axis in viewer.dims.displayed if axis - offset >= 0)


def _plane_spacing(image: napari.layers.Image, displayed: list[int]) -> Any:
    """Physical size of a data step in the plane of ``displayed`` axes, for ``line_profile``.

    The columns are the world steps of one pixel along each displayed axis, through
    napari's own data -> world transform (scale, rotation, shear, affine), on the
    world axes of the plane. Without rotation or shear that matrix is diagonal and
    the per-axis pixel sizes are returned instead, unsigned (a flip changes no length).
    """
    origin = np.asarray(image.data_to_world(np.zeros(image.ndim)), dtype=float)
    columns = []
    for axis in displayed:
        unit = np.zeros(image.ndim)
        unit[axis] = 1.0
        columns.append(np.asarray(image.data_to_world(unit), dtype=float) - origin)
    matrix = np.column_stack(columns)[displayed]
    diagonal = np.diag(matrix)
    if np.array_equal(matrix, np.diag(diagonal)):
        return tuple(np.abs(diagonal).tolist())
    return matrix


#: Bytes of chunks a lazy plane keeps, so that dragging a line over a dask or
#: zarr image reads each chunk once, not on every move.
LAZY_PLANE_CACHE_BYTES = 64 * 2**20


class _LazyPlane:
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


def _plane(image: napari.layers.Image, index: tuple[int | slice, ...]) -> Any:
    """Return a plane of an image layer to profile: lazy for chunked data, else read."""
    data = image.data[0] if image.multiscale else image.data
    if not isinstance(data, np.ndarray) and hasattr(data, "chunks"):
        return _LazyPlane(data, index, rgb=image.rgb)
    return layer_intensity(image, index)


def path_in_image(
    viewer: napari.Viewer,
    image: napari.layers.Image,
    shapes: napari.layers.Shapes,
    index: int,
) -> np.ndarray:
    """Return the vertices of shape ``index`` in the image's data coordinates.

    The conversion goes through napari's transforms, ``shapes.data_to_world``
    then ``image.world_to_data``, so the scale, translate, rotation, shear and
    affine of both layers are honoured.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer, for the position of the axes the shape does not fix.
    image : napari.layers.Image
        The image to sample.
    shapes : napari.layers.Shapes
        The layer holding the line or path.
    index : int
        Index of the shape in ``shapes.data``.

    Returns
    -------
    numpy.ndarray
        ``(N, image.ndim)`` vertex coordinates in the image's data (pixel) frame.
    """
    vertices = np.asarray(shapes.data[index], dtype=float)
    return np.array([image.world_to_data(_world_point(viewer, shapes, v)) for v in vertices])


def profile_shapes(
    viewer: napari.Viewer,
    image: napari.layers.Image,
    shapes: napari.layers.Shapes,
    *,
    plane_cache: dict[tuple[int, ...], Any] | None = None,
    **options: Any,
) -> list[tuple[int, Profile]]:
    """Profile an image along every line and path shape of a Shapes layer.

    For an image with more dimensions than the viewer displays, each line is
    sampled on the slice the viewer shows (the nearest plane); only that plane
    is read. Of a chunked (dask, zarr) image only the chunks under the lines are
    read (RGB: their luminance; multiscale: the finest level), each once while
    its plane stays in ``plane_cache``.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer showing both layers.
    image : napari.layers.Image
        The image to sample. Distances are lengths in its world coordinates: a step
        between samples is measured through the linear part of its data -> world
        transform (scale, rotation, shear, affine) on the displayed axes, so the
        profile's ``spacing`` is the per-axis pixel size, or that matrix when the
        transform rotates or shears (see :func:`napari_derivatives.line_profile`).
    shapes : napari.layers.Shapes
        The layer holding the lines. Shapes that are not lines or paths are skipped.
    plane_cache : dict, optional
        Planes already read (or, for chunked data, the chunks read of them), keyed
        by the indices of the sliced axes, and the pixel size of the displayed
        plane; filled as they are computed. Pass the same dict between calls while
        the image's data and transforms are unchanged to avoid reading (or
        converting) a plane again.
    **options
        Keyword arguments of :func:`napari_derivatives.line_profile`
        (``step``, ``order``, ``width``, ``smooth``, ``reduce``, ``mode``).

    Returns
    -------
    list of (int, Profile)
        The index of each profiled shape in ``shapes.data`` and its profile, whose
        ``coords`` are in the image's full data coordinates. Lines of zero length
        and lines on a slice outside the image are skipped.
    """
    displayed = _image_displayed_axes(viewer, image)
    if len(displayed) < 2:
        return []
    sliced = [axis for axis in range(image.ndim) if axis not in displayed]
    shape = image.level_shapes[0] if image.multiscale else image.data.shape[: image.ndim]
    cache = {} if plane_cache is None else plane_cache
    # Three trips through napari's transforms: worth keeping while a line is dragged.
    spacing_key = ("spacing", *displayed)
    if spacing_key not in cache:
        cache[spacing_key] = _plane_spacing(image, displayed)
    spacing = cache[spacing_key]
    profiles = []
    for index, shape_type in enumerate(shapes.shape_type):
        if shape_type not in PATH_SHAPE_TYPES:
            continue
        path = path_in_image(viewer, image, shapes, index)
        plane_path = path[:, displayed]
        if not np.any(np.linalg.norm(np.diff(plane_path, axis=0), axis=1) > 0):
            continue
        key = tuple(int(np.round(path[0, axis])) for axis in sliced)
        if any(not 0 <= k < shape[axis] for k, axis in zip(key, sliced, strict=True)):
            continue
        if key not in cache:
            plane_index = [slice(None)] * image.ndim
            for k, axis in zip(key, sliced, strict=True):
                plane_index[axis] = k
            cache[key] = _plane(image, tuple(plane_index))
        profile = line_profile(cache[key], plane_path, spacing=spacing, **options)
        coords = np.empty((len(profile), image.ndim))
        coords[:, displayed] = profile.coords
        coords[:, sliced] = key
        profiles.append((index, dataclasses.replace(profile, coords=coords)))
    return profiles


def _unit_name(unit: Any) -> str:
    return format(unit, "~P") if unit is not None else ""


def distance_axis_labels(viewer: napari.Viewer, image: napari.layers.Image) -> tuple[str, str]:
    """Return the labels of a profile plot's distance and derivative axes.

    The unit is the one napari knows for the image's displayed axes
    (``image.units``, shown like ``"µm"``). Without a unit (napari's ``pixel``),
    distances are in pixels only if the displayed axes have a scale of 1.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer, for which axes are displayed.
    image : napari.layers.Image
        The profiled image.

    Returns
    -------
    tuple of str
        For example ``("distance (µm)", "d intensity / d distance (per µm)")``,
        ``("distance (pixels)", "d intensity / d distance (per pixel)")``, or
        ``("distance", "d intensity / d distance")`` when the unit is unknown.
    """
    displayed = _image_displayed_axes(viewer, image) or list(range(image.ndim))
    units = {_unit_name(image.units[axis]) for axis in displayed}
    if len(units) == 1 and units.isdisjoint({"pixel", "px", "", "dimensionless"}):
        (unit,) = units
        return f"distance ({unit})", f"d intensity / d distance (per {unit})"
    if units <= {"pixel", "px", "", "dimensionless"} and all(
        float(image.scale[axis]) == 1.0 for axis in displayed
    ):
        return "distance (pixels)", "d intensity / d distance (per pixel)"
    return "distance", "d intensity / d distance"


def coordinate_labels(image: napari.layers.Image) -> list[str] | None:
    """Return names for an image's coordinate columns, or None for the default ones.

    napari's placeholder labels (``"-2"``, ``"-1"``) and labels that cannot be CSV
    column names give None, so that :func:`napari_derivatives.profiles_to_csv`
    uses ``z, y, x``.

    Parameters
    ----------
    image : napari.layers.Image
        The profiled image.

    Returns
    -------
    list of str or None
        One name per axis of the image's data, or None.
    """
    labels = [str(label) for label in image.axis_labels]
    placeholders = [str(axis) for axis in range(-image.ndim, 0)]
    reserved = {"line", "distance", "intensity", "derivative"}
    if (
        labels == placeholders
        or len(set(labels)) != len(labels)
        or any(not label or set(label) & set(',"\r\n') or label in reserved for label in labels)
    ):
        return None
    return labels


def ignored_shapes_hint(shape_types: Sequence[str]) -> str:
    """Say which shapes are not profiled because they are not lines or paths.

    Parameters
    ----------
    shape_types : sequence of str
        ``shapes.shape_type`` of a Shapes layer.

    Returns
    -------
    str
        For example ``"2 rectangles, 1 ellipse ignored: only lines and paths are
        profiled"``, or ``""`` if every shape is a line or a path.
    """
    counts: dict[str, int] = {}
    for shape_type in shape_types:
        if shape_type not in PATH_SHAPE_TYPES:
            counts[shape_type] = counts.get(shape_type, 0) + 1
    if not counts:
        return ""
    parts = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in counts.items())
    return f"{parts} ignored: only lines and paths are profiled"


def edge_points_name(shapes_name: str) -> str:
    """Return the name of the Points layer marking the edges found along a Shapes layer.

    Parameters
    ----------
    shapes_name : str
        Name of the Shapes layer holding the lines.

    Returns
    -------
    str
        ``"<shapes_name> edges"``.
    """
    return f"{shapes_name} edges"


@contextlib.contextmanager
def _keep_active_layer(viewer: napari.Viewer) -> Iterator[None]:
    # Inserting a layer makes it the active one, and deselecting a Shapes layer
    # ends the line being drawn on it: a derived layer must not steal the selection.
    layers = viewer.layers
    previous = getattr(layers, "_activate_on_insert", None)
    if previous is not None:
        layers._activate_on_insert = False
    try:
        yield
    finally:
        if previous is not None:
            layers._activate_on_insert = previous


def update_edge_points(
    viewer: napari.Viewer,
    image: napari.layers.Image,
    edges: Sequence[tuple[int, Edge]],
    colors: Sequence[Any],
    *,
    name: str,
    layer: napari.layers.Points | None = None,
) -> napari.layers.Points:
    """Show edges as a Points layer over the image, creating or updating it in place.

    Edge coordinates are the image's data coordinates; they are placed with
    napari's transforms (``image.data_to_world`` then ``points.world_to_data``),
    so the points sit on the image whatever its scale, translation or rotation.
    A new layer has no transform of its own (its data are world coordinates) and
    is added without becoming the active layer.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer to add the layer to.
    image : napari.layers.Image
        The image the edges were found in.
    edges : sequence of (int, Edge)
        The index of the shape each edge lies on, and the edge.
    colors : sequence of color
        One colour per edge, for the marker's border.
    name : str
        Name of a new layer (see :func:`edge_points_name`); an existing layer is renamed.
    layer : napari.layers.Points, optional
        The layer to update. A new one is made if None, not in the viewer, or of
        another dimensionality than the image.

    Returns
    -------
    napari.layers.Points
        The layer, with features ``line`` (shape index) and ``derivative``.
    """
    from napari.layers import Points

    world = [image.data_to_world(edge.coords) for _, edge in edges]
    world = np.array(world, dtype=float).reshape(-1, image.ndim)
    features = {
        "line": np.array([index for index, _ in edges], dtype=int),
        "derivative": np.array([edge.derivative for _, edge in edges], dtype=float),
    }
    border = np.array([np.asarray(c, dtype=float) for c in colors]).reshape(-1, 4)
    if layer is None or layer not in viewer.layers or layer.ndim != image.ndim:
        if layer is not None and layer in viewer.layers:
            viewer.layers.remove(layer)
        # A marker a few pixels of the image across, whatever its physical pixel size.
        size = 6.0 * float(np.min(np.abs(image.scale[-2:])))
        layer = Points(
            world,
            ndim=image.ndim,
            name=name,
            size=size,
            symbol="disc",
            face_color="transparent",
            border_color=border if len(border) else "white",
            border_width=0.25,
            features=features,
            # Its data are the image's world coordinates, so it shares the image's units.
            units=image.units,
        )
        with _keep_active_layer(viewer):
            viewer.layers.append(layer)
        return layer
    data = np.array([layer.world_to_data(point) for point in world], dtype=float)
    layer.data = data.reshape(-1, layer.ndim)
    layer.features = features
    if len(border):
        layer.border_color = border
    if tuple(layer.units) != tuple(image.units):
        layer.units = image.units
    if layer.name != name:
        layer.name = name
    return layer


__all__ = [
    "OUTPUTS",
    "add_gradient_layers",
    "apply_gradient_outputs",
    "compute_gradient_outputs",
    "coordinate_labels",
    "distance_axis_labels",
    "edge_points_name",
    "ignored_shapes_hint",
    "layer_intensity",
    "output_layer_name",
    "path_in_image",
    "profile_shapes",
    "update_edge_points",
]
