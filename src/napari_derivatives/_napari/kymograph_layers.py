"""The panel's kymographs: a line swept along a stack's axis, shown as two image layers.

:func:`kymograph_axes` says which axes a line over an image can be swept along (those
not displayed) and which is the default (the slider moved last);
:func:`compute_kymograph` samples the line in every frame along it with
:func:`napari_derivatives.kymograph`, in the image's physical units;
:func:`apply_kymograph_layers` adds or updates ``"<image> kymograph"`` and
``"<image> kymograph derivative"``, recorded as the plugin's (``ownership``): running
it again updates them, never a user's layer of the same name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.kymograph import Kymograph, kymograph
from .._core.shapes import pixels_per_unit
from .compat import keep_active_layer
from .display import OUTPUT_COLORMAPS
from .line_profiles import shape_path
from .ownership import METADATA_KEY, find_made_layer, made_layer_record
from .transforms import image_displayed_axes, physical_unit

if TYPE_CHECKING:
    import napari.layers

    import napari

#: What the plugin's kymograph layers hold, and the suffix of their names.
KYMOGRAPH_OUTPUTS = {"values": "kymograph", "derivative": "kymograph derivative"}


def kymograph_axes(viewer: napari.Viewer, image: napari.layers.Image) -> tuple[list[int], int]:
    """Return the axes of ``image`` a line can be swept along, and the default one.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer, for the displayed axes and the slider used last.
    image : napari.layers.Image
        The stack.

    Returns
    -------
    axes : list of int
        The image's axes that are not displayed, in order; empty for a 2D view of a
        2D image.
    default : int
        The axis of the slider moved last, if it is one of them, else the first; -1
        when there is none.
    """
    displayed = image_displayed_axes(viewer, image)
    axes = [axis for axis in range(image.ndim) if axis not in displayed]
    last = viewer.dims.last_used - (viewer.dims.ndim - image.ndim)
    default = last if last in axes else (axes[0] if axes else -1)
    return axes, default


def compute_kymograph(
    viewer: napari.Viewer,
    image: napari.layers.Image,
    shapes: napari.layers.Shapes,
    index: int,
    axis: int,
    **options: Any,
) -> Kymograph:
    """Sweep shape ``index`` of ``shapes`` along ``axis`` of the image.

    The line lies on the plane the viewer shows (or, for a Shapes layer with the
    stack's dimensions, the plane it was drawn on) for the other sliced axes.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer showing both layers.
    image : napari.layers.Image
        The stack (its finest level if multiscale; not RGB).
    shapes : napari.layers.Shapes
        The layer holding the line.
    index : int
        The line, path or rectangle to sweep.
    axis : int
        The image axis swept, one of :func:`kymograph_axes`.
    **options
        ``step`` and ``smooth`` in the image's physical units, ``width``, ``order``.

    Returns
    -------
    Kymograph
        Frames along ``axis`` at ``|scale[axis]|`` apart, in its unit.

    Raises
    ------
    ValueError
        Naming what is wrong: an RGB image, an axis that is displayed, a shape that
        is not profiled.
    """
    axes, _ = kymograph_axes(viewer, image)
    if axis not in axes:
        raise ValueError(f"`axis` must be one of the axes not displayed {axes}, got {axis}")
    if image.rgb:
        raise ValueError("`image` is RGB: a kymograph needs a stack of scalar planes")
    displayed = image_displayed_axes(viewer, image)
    found = shape_path(viewer, image, shapes, index, displayed)
    if found is None:
        raise ValueError(f"shape {index} is not a line, a path or a rectangle")
    path, shape_options = found
    spacing = [abs(float(size)) or 1.0 for size in image.scale]
    scale = pixels_per_unit(path[:, displayed], [spacing[a] for a in displayed])
    options = {**options, **shape_options}
    options.pop("lengths", None)
    # A kymograph differentiates its samples: the interpolant's derivative is a profile's.
    options.pop("derivative_of", None)
    for name in ("step", "smooth"):
        if name in options:
            options[name] = float(options[name]) * scale
    names = [physical_unit(image, [a]) for a in range(image.ndim)]
    data = image.data[0] if image.multiscale else image.data
    return kymograph(
        data,
        path,
        axis=axis,
        spacing=spacing,
        units=names if all(names) else None,
        **options,
    )


def apply_kymograph_layers(
    viewer: napari.Viewer, image: napari.layers.Image, result: Kymograph
) -> list[napari.layers.Image]:
    """Add or update the kymograph and its derivative as image layers of the viewer.

    Each has the scale (frame interval, step along the line) and the units (the
    swept axis', the distance's), so napari's scale bar and cursor read physical
    values; rows are frames, columns distance along the line.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer to add them to.
    image : napari.layers.Image
        The source stack, for the names.
    result : Kymograph
        What to show.

    Returns
    -------
    list of napari.layers.Image
        ``"<image> kymograph"`` and ``"<image> kymograph derivative"``.
    """
    from napari.layers import Image

    distance_step = float(np.diff(result.distance).mean()) if result.distance.size > 1 else 1.0
    frame_step = float(np.diff(result.positions).mean()) if result.positions.size > 1 else 1.0
    units = (result.axis_unit or "pixel", result.units or "pixel")
    made = []
    for output, suffix in KYMOGRAPH_OUTPUTS.items():
        data = np.asarray(getattr(result, output), dtype=np.float32)
        name = f"{image.name} {suffix}"
        layer = find_made_layer(viewer.layers, "kymograph", image.name, output)
        finite = data[np.isfinite(data)]
        limits = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if limits[0] == limits[1]:
            limits = (limits[0] - 1.0, limits[1] + 1.0)
        if output == "derivative":
            reach = max(abs(limits[0]), abs(limits[1]))
            limits = (-reach, reach)
        if layer is None:
            layer = Image(
                data,
                name=name,
                scale=(frame_step, distance_step),
                units=units,
                colormap="gray" if output == "values" else OUTPUT_COLORMAPS["gx"],
                contrast_limits=limits,
                metadata={METADATA_KEY: made_layer_record("kymograph", image.name, output, name)},
            )
            with keep_active_layer(viewer):
                viewer.layers.append(layer)
        else:
            layer.data = data
            layer.scale = (frame_step, distance_step)
            layer.units = units
            layer.contrast_limits = limits
        made.append(layer)
    return made
