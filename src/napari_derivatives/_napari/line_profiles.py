"""Line profiles of an image layer along the lines and paths of a Shapes layer.

The glue of the line derivative panel: vertices go to the image's data coordinates
through napari's transforms, the plane the viewer shows is read (only its chunks
under the lines, for chunked data), and :func:`napari_derivatives.line_profile`
samples it. Axis labels and CSV column names come from the layer's units and labels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.export import check_axis_labels
from .._core.paths import samples_across
from .._core.profiles import Profile, line_profile
from .intensity import read_plane
from .transforms import image_displayed_axes, path_in_image, physical_unit, plane_spacing

if TYPE_CHECKING:
    import napari.layers

    import napari

#: Shape types that describe a path to profile along.
PATH_SHAPE_TYPES = ("line", "path")


def profile_shapes(
    viewer: napari.Viewer,
    image: napari.layers.Image,
    shapes: napari.layers.Shapes,
    *,
    plane_cache: dict[tuple[int | str, ...], Any] | None = None,
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
        ``coords`` are in the image's full data coordinates and whose ``units`` are
        the layer's along the displayed axes (None for pixels or mixed units). Lines
        of zero length,
        lines on a slice outside the image and, with ``width > 1``, lines with a
        segment that does not move in the plane of the last two axes (along a
        stack, in 3D display) are skipped.
    """
    displayed = image_displayed_axes(viewer, image)
    if len(displayed) < 2:
        return []
    sliced = [axis for axis in range(image.ndim) if axis not in displayed]
    shape = image.level_shapes[0] if image.multiscale else image.data.shape[: image.ndim]
    cache = {} if plane_cache is None else plane_cache
    # Three trips through napari's transforms: worth keeping while a line is dragged.
    spacing_key: tuple[int | str, ...] = ("spacing", *displayed)
    if spacing_key not in cache:
        cache[spacing_key] = plane_spacing(image, displayed)
    spacing = cache[spacing_key]
    profiles = []
    for index, shape_type in enumerate(shapes.shape_type):
        if shape_type not in PATH_SHAPE_TYPES:
            continue
        path = path_in_image(viewer, image, shapes, index)
        plane_path = path[:, displayed]
        if not np.any(np.linalg.norm(np.diff(plane_path, axis=0), axis=1) > 0):
            continue
        if options.get("width", 1) > 1 and not samples_across(plane_path):
            # In 3D display a segment along the stack has no "across" in the plane of
            # the last two axes: that line is skipped, the others are still profiled.
            continue
        key = tuple(int(np.round(path[0, axis])) for axis in sliced)
        if any(not 0 <= k < shape[axis] for k, axis in zip(key, sliced, strict=True)):
            continue
        if key not in cache:
            plane_index: list[int | slice] = [slice(None)] * image.ndim
            for k, axis in zip(key, sliced, strict=True):
                plane_index[axis] = k
            cache[key] = read_plane(image, tuple(plane_index))
        unit = physical_unit(image, displayed) or None
        profile = line_profile(cache[key], plane_path, spacing=spacing, units=unit, **options)
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
    displayed = image_displayed_axes(viewer, image) or list(range(image.ndim))
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
    if labels == [str(axis) for axis in range(-image.ndim, 0)]:
        return None
    try:
        # The CSV's own rules for column names, so that the export never fails on them.
        return check_axis_labels(labels, image.ndim)
    except ValueError:
        return None


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


def _world_transform(image: napari.layers.Image) -> Callable[[np.ndarray], np.ndarray]:
    """Return the image's data -> world transform as napari has it, for many points at once."""
    origin = np.asarray(image.data_to_world(np.zeros(image.ndim)), dtype=float)
    steps = np.eye(image.ndim)
    matrix = np.column_stack(
        [np.asarray(image.data_to_world(step), dtype=float) - origin for step in steps]
    )

    def world(coords: np.ndarray) -> np.ndarray:
        result: np.ndarray = coords @ matrix.T + origin
        return result

    return world


def csv_options(
    viewer: napari.Viewer, image: napari.layers.Image, profiles: Sequence[Profile]
) -> dict[str, Any]:
    """Return the options of :func:`napari_derivatives.profiles_to_csv` for a layer.

    Column names after the layer's axis labels and units (``y_px``, ``y_µm``), world
    coordinates through its transforms, the plane each profile samples for a stack
    (the index of the non-displayed axes' position, C order), and the record of the
    image (name, scale, units, translate, the plane's axes) for the JSON beside it.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer, for which axes are displayed.
    image : napari.layers.Image
        The profiled image.
    profiles : sequence of Profile
        The profiles to write, from :func:`profile_shapes`.

    Returns
    -------
    dict
        ``axis_labels``, ``units``, ``world``, ``planes`` (None for a 2-D image)
        and ``metadata``.
    """
    labels = coordinate_labels(image)
    names = labels or [str(label) for label in image.axis_labels]
    units = []
    for axis in range(image.ndim):
        # An axis without a unit has world coordinates all the same (translated, scaled).
        units.append(physical_unit(image, [axis]) or "world")
    displayed = image_displayed_axes(viewer, image) or list(range(image.ndim))
    sliced = [axis for axis in range(image.ndim) if axis not in displayed]
    planes = None
    if sliced and profiles:
        shape = image.level_shapes[0] if image.multiscale else image.data.shape[: image.ndim]
        planes = [
            int(
                np.ravel_multi_index(
                    tuple(round(profile.coords[0, axis]) for axis in sliced),
                    tuple(int(shape[axis]) for axis in sliced),
                )
            )
            for profile in profiles
        ]
    metadata = {
        "image": image.name,
        "axis_labels": names,
        "scale": [float(v) for v in image.scale],
        "translate": [float(v) for v in image.translate],
        "units": units,
        "plane_axes": [names[axis] for axis in sliced],
    }
    return {
        "axis_labels": labels,
        "units": units,
        "world": _world_transform(image),
        "planes": planes,
        "metadata": metadata,
    }
