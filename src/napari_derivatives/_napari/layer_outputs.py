"""Output layers of an image layer: the glue every family of layers shares.

A family (gradient, Hessian, orientation layers) computes its outputs of each level of
a layer with a core function; this module reads the levels (:func:`layer_levels`: the
intensity and its pixel size, lazily when asked), assembles multiscale results
(:func:`merge_levels`), and adds or updates the layers (:func:`apply_layer_outputs`),
with the source's transforms and only ever touching the plugin's own layers of that
family (:mod:`.ownership`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.choices import DEFAULT_MODE
from .._core.colour import brightness_scale
from .._core.gradients import gradient_outputs
from .._core.luminance import rgb_to_luminance
from .._core.named_outputs import derivative_outputs
from .compat import refresh_deferred
from .display import output_colormap, output_contrast_limits
from .intensity import is_in_memory, lazy_intensity
from .ownership import METADATA_KEY, LayerRecord, LayerSettings, plan_layers
from .transforms import TRANSFORM_KEYS, physical_unit, transform_settings

if TYPE_CHECKING:
    import napari.layers

    import napari

#: Images with more pixels than this get lazy (dask) output layers even when they are
#: in memory: each output is then computed a plane at a time as napari shows it,
#: instead of allocating ``4 bytes x pixels`` per output up front.
LAZY_THRESHOLD = 2**26


def default_axes(ndim: int) -> tuple[int, ...]:
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


def wants_lazy(image: napari.layers.Image, lazy: bool | None = None) -> bool:
    """Return whether output layers of ``image`` are lazy, as ``lazy`` asks.

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


def layer_levels(
    image: napari.layers.Image, axes: Sequence[int], lazy: bool
) -> list[tuple[Any, tuple[float, ...]]]:
    """Return the intensity and pixel size of every level of ``image`` worth computing.

    Parameters
    ----------
    image : napari.layers.Image
        The source layer. RGB(A) gives its luminance. The absolute value of its
        ``scale`` is the pixel size: a negative scale (a flipped axis) gives the same
        values as a positive one, components along the data axes (the outputs carry
        the same flip).
    axes : sequence of int
        The differentiated axes: coarse levels with fewer than two samples along one
        of them are left out.
    lazy : bool
        True: dask arrays (chunked as :func:`.intensity.lazy_intensity` chunks them).
        False: numpy arrays, read now.

    Returns
    -------
    list of (array, tuple of float)
        One ``(intensity, spacing)`` per level, finest first; a plain layer has one.
        Each level's spacing is ``scale`` times its ``downsample_factors``, so all
        levels agree in physical units.
    """
    levels = list(image.data) if image.multiscale else [image.data]
    factors = (
        np.asarray(image.downsample_factors, dtype=float)
        if image.multiscale
        else np.ones((1, image.ndim))
    )
    scale = np.abs(np.asarray(image.scale, dtype=float))
    kept: list[tuple[Any, tuple[float, ...]]] = []
    for level, (data, factor) in enumerate(zip(levels, factors, strict=True)):
        if lazy:
            data = lazy_intensity(data, image.rgb)
        else:
            data = np.asarray(data)
            data = rgb_to_luminance(data) if image.rgb else data
        if level and any(data.shape[axis] < 2 for axis in axes):
            break
        kept.append((data, tuple(float(s) for s in scale * factor)))
    return kept


def merge_levels(
    image: napari.layers.Image, per_level: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Return one level's outputs as they are, or a multiscale layer's as lists of levels."""
    if not image.multiscale:
        return dict(per_level[0])
    return {name: [level[name] for level in per_level] for name in per_level[0]}


def compute_layer_outputs(
    image: napari.layers.Image,
    outputs: Sequence[str],
    *,
    axes: Sequence[int] | None = None,
    lazy: bool | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Compute named outputs of an image layer, in its physical units.

    This touches no viewer, so it can run in a worker thread.

    Parameters
    ----------
    image : napari.layers.Image
        The source layer (see :func:`layer_levels`).
    outputs : sequence of str
        Output ids, as :func:`napari_derivatives._core.named_outputs.derivative_outputs`
        takes them.
    axes : sequence of int, optional
        Axes of the layer's data to differentiate. Default: the last two.
    lazy : bool, optional
        True: dask arrays, computed a block at a time when read; False: numpy arrays,
        computed now; None: as :func:`wants_lazy` decides. Both give the same values.
    **options
        ``method``, ``sigma``, ``rho``, ``mode``, as ``derivative_outputs`` takes them
        (physical units).

    Returns
    -------
    dict of str to array or list of array
        One array per output, in the order requested; for a multiscale layer a list
        with one per level. The colour survey's brightness is the layer's intensity
        scaled by its contrast limits; the direction colour's is the magnitude over a
        robust maximum computed once for the layer (on its coarsest level), so every
        plane, chunk and level is coloured alike.
    """
    axes = default_axes(image.ndim) if axes is None else tuple(axes)
    levels = layer_levels(image, axes, wants_lazy(image, lazy))
    if "direction_colour" in outputs and len(levels) > 1:
        # One scale for the whole pyramid, from its coarsest level (a single level
        # gets its own from derivative_outputs, without computing the magnitude twice).
        keys = ("method", "sigma", "mode")
        data, spacing = levels[-1]
        magnitude = gradient_outputs(
            data,
            ("magnitude",),
            spacing=spacing,
            axes=axes,
            **{key: options[key] for key in keys if key in options},
        )["magnitude"]
        options["brightness"] = brightness_scale(magnitude)
    options["contrast_limits"] = tuple(float(limit) for limit in image.contrast_limits)
    per_level = [
        derivative_outputs(data, outputs, spacing=spacing, axes=axes, **options)
        for data, spacing in levels
    ]
    return merge_levels(image, per_level)


def is_rgb_output(data: Any) -> bool:
    """Return whether an output (or the finest of its levels) is a colour picture."""
    finest = data[0] if isinstance(data, list) else data
    return bool(np.dtype(finest.dtype) == np.uint8)


def apply_layer_outputs(
    viewer: napari.Viewer,
    image: napari.layers.Image,
    results: Mapping[str, Any],
    settings: LayerSettings,
    *,
    replace: bool = True,
    contrast_limits: Mapping[str, tuple[float, float]] | None = None,
) -> list[napari.layers.Image]:
    """Add the computed outputs to the viewer, or update the plugin's layers already there.

    Only layers the plugin made, of the family ``settings.kind``, are updated or
    removed: it records them in their metadata (see :mod:`.ownership`), so a user's
    layer that shares a name is left alone and the new layer gets a free name
    (``"cells gx [1]"``), while a plugin's layer the user renamed is still the
    plugin's. A plugin's layer of ``image`` and the same output made with the same
    settings is updated in place (data, transforms, colormap, contrast limits);
    napari cannot turn a layer into a multiscale or RGB one or back, so such a layer
    is replaced instead, at the same place in the layer list.

    With ``replace`` (the default) the run replaces the plugin's layers of ``image``
    in its family: an output without a layer of these settings updates the one the
    plugin named ``"<image> <output>"``, and every other such layer made with other
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
        Output id to data (numpy or dask; a list of levels for a multiscale layer):
        float32 values, or uint8 RGB pictures (the colour axis last).
    settings : LayerSettings
        How the results were computed: recorded in the layers' metadata.
    replace : bool
        True: replace the plugin's layers of ``image`` made with other settings.
        False: keep them, and name the new layers with their settings.
    contrast_limits : mapping of str to (float, float), optional
        Contrast limits per output, as :func:`.display.output_contrast_limits` returns
        them (computed here when not given).

    Returns
    -------
    list of napari.layers.Image
        The added or updated layers, in the order of ``results``.
    """
    from napari.layers import Image

    if contrast_limits is None:
        contrast_limits = output_contrast_limits(results)
    usual_axes = default_axes(image.ndim)
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
        rgb = is_rgb_output(data)
        looks: dict[str, Any] = {
            **transform_settings(image),
            "contrast_limits": contrast_limits[output],
        }
        if not rgb:
            looks["colormap"] = output_colormap(output)
        existing = plan.targets.get(output)
        name = plan.names.get(output, "" if existing is None else existing.name)
        if (
            isinstance(existing, Image)
            and existing.rgb == rgb
            and existing.multiscale == multiscale
            and existing.ndim == image.ndim
        ):
            # The events stay live: the viewer recomputes its dims range from the
            # transform and data events. Only slicing waits for the refresh below, so
            # that lazy data is not computed once per setter.
            with refresh_deferred(existing):
                for key in TRANSFORM_KEYS:
                    # Each setter makes napari recompute the viewer's dims: skip the same.
                    if not _same_transform(existing, key, looks[key]):
                        setattr(existing, key, looks[key])
                existing.data = data
                if not rgb:
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
            record = LayerRecord(image.name, output, settings, name=name)
            metadata = {METADATA_KEY: record.as_metadata()}
            layer = viewer.add_image(
                data, name=name, metadata=metadata, multiscale=multiscale, rgb=rgb, **looks
            )
            if position is not None:
                viewer.layers.move(viewer.layers.index(layer), position)
        # The name napari gave it (de-duplicated), so that a rename by the user shows.
        record = LayerRecord(image.name, output, settings, name=layer.name)
        layer.metadata[METADATA_KEY] = record.as_metadata()
        layers.append(layer)
    return layers


def _same_transform(layer: napari.layers.Image, key: str, value: Any) -> bool:
    current = layer.affine.affine_matrix if key == "affine" else getattr(layer, key)
    if key in ("units", "axis_labels"):
        return tuple(current) == tuple(value)
    return bool(np.array_equal(np.asarray(current, dtype=float), np.asarray(value, dtype=float)))


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
