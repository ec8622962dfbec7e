"""Gradient layers: an image layer's gradients as new layers, in its physical units.

:func:`compute_gradient_outputs` turns a layer into arrays (touching no viewer, so it
can run in a worker thread) and :func:`apply_gradient_outputs` turns arrays into
layers; :func:`add_gradient_layers` does both, for scripts and macros. Which layers a
run may update, and how they are named, is :mod:`.ownership`'s.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.gradients import gradient, gradient_outputs
from .._core.luminance import rgb_to_luminance
from .compat import refresh_deferred
from .display import OUTPUT_COLORMAPS, gradient_contrast_limits
from .intensity import is_in_memory, lazy_intensity
from .ownership import METADATA_KEY, GradientRecord, GradientSettings, plan_layers
from .transforms import TRANSFORM_KEYS, physical_unit, transform_settings

if TYPE_CHECKING:
    import napari.layers

    import napari

#: The border mode when none is given: the core's own default, read from the signature
#: of :func:`napari_derivatives.gradient` so that the layers follow the core.
DEFAULT_MODE: str = inspect.signature(gradient).parameters["mode"].default


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
    return size > LAZY_THRESHOLD or not all(is_in_memory(level) for level in levels)


def compute_gradient_outputs(
    image: napari.layers.Image,
    *,
    method: str = "central",
    outputs: Sequence[str] = ("gx", "gy", "magnitude"),
    axes: Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
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
    mode : str
        Border mode of the kernel operators, one of
        :data:`napari_derivatives.BOUNDARY_MODES`; default: the core's.
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
            data = lazy_intensity(data, image.rgb)
        else:
            data = np.asarray(data)
            data = rgb_to_luminance(data) if image.rgb else data
        shape = data.shape
        if level and any(shape[axis] < 2 for axis in axes):
            break
        spacing = tuple(float(s) for s in scale * factor)
        per_level.append(
            gradient_outputs(
                data, outputs, method=method, spacing=spacing, axes=axes, sigma=sigma, mode=mode
            )
        )
    if not image.multiscale:
        return per_level[0]
    return {name: [level[name] for level in per_level] for name in per_level[0]}


def apply_gradient_outputs(
    viewer: napari.Viewer,
    image: napari.layers.Image,
    results: Mapping[str, Any],
    *,
    method: str = "central",
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
    axes: Sequence[int] | None = None,
    replace: bool = True,
    contrast_limits: Mapping[str, tuple[float, float]] | None = None,
) -> list[napari.layers.Image]:
    """Add the computed outputs to the viewer, or update the plugin's layers already there.

    Only layers the plugin made are updated or removed: it records them in their
    metadata (see :mod:`.ownership`), so a user's layer that shares a name is left
    alone and the new layer gets a free name (``"cells gx [1]"``), while a plugin's
    layer the user renamed is still the plugin's. A plugin's layer of ``image`` and
    the same output made with the same settings is updated in place (data,
    transforms, colormap, contrast limits); napari cannot turn a layer into a
    multiscale one or back, so such a layer is replaced instead, at the same place in
    the layer list.

    With ``replace`` (the default) the run replaces the plugin's layers of ``image``:
    an output without a layer of these settings updates the one the plugin named
    ``"<image> <output>"``, and every other plugin's layer of ``image`` made with other
    settings is removed, so the plain names always hold one run's settings. Without
    it, those layers are kept and the new ones are named with their settings,
    ``"<image> gx (gaussian 2 µm)"``.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer to add the layers to.
    image : napari.layers.Image
        The source layer; output layers copy its transforms.
    results : mapping of str to array or list of array
        Output name to data, as returned by :func:`compute_gradient_outputs`
        (numpy or dask arrays; a list of levels for a multiscale layer).
    method, sigma, mode, axes
        The settings the results were computed with, as passed to
        :func:`compute_gradient_outputs`: recorded in the layers' metadata.
    replace : bool
        True: replace the plugin's layers of ``image`` made with other settings.
        False: keep them, and name the new layers with their settings.
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
    usual_axes = default_gradient_axes(image.ndim)
    settings = GradientSettings.of_run(
        method, sigma, mode, usual_axes if axes is None else axes, image.ndim
    )
    label = settings.label(
        physical_unit(image, settings.axes), usual_mode=DEFAULT_MODE, usual_axes=usual_axes
    )
    # The source itself is never touched, even a plugin's layer renamed to its source's name.
    others = [layer for layer in viewer.layers if layer is not image]
    plan = plan_layers(others, image.name, results, settings, replace=replace, label=label)
    for layer in plan.remove:
        viewer.layers.remove(layer)
    layers = []
    for output, data in results.items():
        multiscale = isinstance(data, list)
        looks = {
            **transform_settings(image),
            "colormap": OUTPUT_COLORMAPS[output],
            "contrast_limits": contrast_limits[output],
        }
        existing = plan.targets.get(output)
        name = plan.names.get(output, "" if existing is None else existing.name)
        if (
            isinstance(existing, Image)
            and not existing.rgb
            and existing.multiscale == multiscale
            and existing.ndim == image.ndim
        ):
            # The events stay live: the viewer recomputes its dims range from the
            # transform and data events. Only slicing waits for the refresh below, so
            # that lazy data is not computed once per setter.
            with refresh_deferred(existing):
                for key in TRANSFORM_KEYS:
                    setattr(existing, key, looks[key])
                existing.data = data
                existing.colormap = looks["colormap"]
            existing.contrast_limits = looks["contrast_limits"]
            if existing.name != name:
                existing.name = name  # napari keeps names unique: may become "name [1]"
            existing.refresh()
            layer = existing
        else:
            position = None
            if existing is not None:
                position = viewer.layers.index(existing)
                viewer.layers.remove(existing)
            record = GradientRecord(image.name, output, settings, name=name)
            metadata = {METADATA_KEY: record.as_metadata()}
            layer = viewer.add_image(
                data, name=name, metadata=metadata, multiscale=multiscale, **looks
            )
            if position is not None:
                viewer.layers.move(viewer.layers.index(layer), position)
        # The name napari gave it (de-duplicated), so that a rename by the user shows.
        record = GradientRecord(image.name, output, settings, name=layer.name)
        layer.metadata[METADATA_KEY] = record.as_metadata()
        layers.append(layer)
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
            raise ValueError(f"`layer` must name a layer of the viewer, got {layer!r}")
        layer = viewer.layers[layer]
    if not isinstance(layer, Image):
        raise ValueError(f"`layer` must be an image layer, got a {type(layer).__name__} layer")
    return layer


def add_gradient_layers(
    viewer: napari.Viewer,
    layer: napari.layers.Image | str,
    *,
    method: str = "central",
    outputs: Sequence[str] = ("gx", "gy", "magnitude"),
    axes: Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
    lazy: bool | None = None,
    replace: bool = True,
) -> list[napari.layers.Image]:
    """Add gradient layers of an image layer to a viewer, in physical units.

    The layers are named ``"<image> gx"``, ``"<image> gy"``, ``"<image> gz"``,
    ``"<image> magnitude"`` and ``"<image> direction"``. They keep the source's
    scale, translate, rotate, shear and affine, so they overlay it exactly.
    Components use a diverging colormap with contrast limits symmetric around
    zero, the magnitude a sequential one, the direction a cyclic one from -pi
    to pi. Each layer records how it was made in its metadata, under
    ``"napari_derivatives"``: source, output, method, sigma (physical units, as
    passed; None but for the Gaussian), mode, axes and the name the plugin gave it.

    Running again replaces the plugin's layers of this image: its outputs are
    updated in place and the plugin's layers of the image made with other settings
    are removed, so the plain names never mix settings (``replace=False`` keeps them,
    and names the new layers with their settings: ``"cells gx (gaussian 2 µm)"``,
    ``"cells gx (sobel)"``). Only layers the plugin made are ever updated or
    removed: a user's layer named ``"cells gx"`` stays, and the new layer gets a
    free name (``"cells gx [1]"``).

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
    mode : str
        Border handling of the kernel operators, one of
        :data:`napari_derivatives.BOUNDARY_MODES` (ignored by ``"central"``).
        Default: the default of :func:`napari_derivatives.gradient`.
    lazy : bool, optional
        True: the layers hold dask arrays, computed block by block as napari
        shows them (instant, and fit for images larger than memory). False:
        compute everything now. None (default): lazy when the layer's data is
        dask, zarr or another array not in memory, or has more than
        :data:`LAZY_THRESHOLD` pixels. A multiscale layer gives multiscale
        gradient layers, each level differentiated with its own pixel size.
    replace : bool
        True (default): replace the plugin's layers of this image made with other
        settings. False: keep them, and name the new layers with their settings
        (the mode and axes only when they are not the default ones; the unit from
        the layer's ``units``, none when it has none).

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
        image, method=method, outputs=outputs, axes=axes, sigma=sigma, mode=mode, lazy=lazy
    )
    return apply_gradient_outputs(
        viewer, image, results, method=method, sigma=sigma, mode=mode, axes=axes, replace=replace
    )
