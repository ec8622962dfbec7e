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

from .._core import checks
from .._core.choices import LENGTH_UNITS
from .._core.export import check_axis_labels, default_axis_labels
from .._core.paths import samples_across
from .._core.profiles import Profile, line_profile
from .._core.shapes import pixels_per_unit, rectangle_axis
from .intensity import read_plane
from .transforms import (
    given_axis_labels,
    image_displayed_axes,
    path_in_image,
    physical_unit,
    plane_spacing,
    shown_plane,
)

if TYPE_CHECKING:
    import napari.layers

    import napari

#: Shape types that describe a path to profile along.
PATH_SHAPE_TYPES = ("line", "path")
#: Shape types the panel profiles: paths, and rectangles along their long axis.
PROFILED_SHAPE_TYPES = (*PATH_SHAPE_TYPES, "rectangle")


def profile_shapes(
    viewer: napari.Viewer,
    image: napari.layers.Image,
    shapes: napari.layers.Shapes,
    *,
    plane_cache: dict[tuple[int | str, ...], Any] | None = None,
    lengths: str = "pixels",
    indices: Sequence[int] | None = None,
    **options: Any,
) -> list[tuple[int, Profile]]:
    """Profile an image along every line, path and rectangle of a Shapes layer.

    For an image with more dimensions than the viewer displays, each line is
    sampled on one plane: a line of a Shapes layer with fewer dimensions than the
    image (a 2D layer over a stack) on the plane the viewer shows, so it follows
    the slider; a line of a layer with the stack's dimensions on the plane it was
    drawn on (its own coordinates on the sliced axes, rounded), where napari shows
    it, whatever the slider shows (see :func:`plane_label`). Only that plane is
    read. Of a chunked (dask, zarr) image only the chunks under the lines are read
    (RGB: their luminance; multiscale: the finest level), each once while its plane
    stays in ``plane_cache``.

    A rectangle is profiled as ImageJ profiles one: along its long axis, from the
    middle of one short side to the middle of the other (left to right, or top to
    bottom), averaged across its short side: ``width`` is the short side in pixels,
    rounded, whatever ``options`` say. Ellipses and polygons are skipped.

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
        The layer holding the lines.
    plane_cache : dict, optional
        Planes already read (or, for chunked data, the chunks read of them), keyed
        by the indices of the sliced axes, and the pixel size of the displayed
        plane; filled as they are computed. Pass the same dict between calls while
        the image's data and transforms are unchanged to avoid reading (or
        converting) a plane again.
    lengths : {"pixels", "physical"}, optional
        The unit of ``step`` and ``smooth`` in ``options``: pixels along the line
        (as ``line_profile`` takes them), or the image's physical units, converted
        for each line through its pixel size along that line.
    indices : sequence of int, optional
        Profile only these shapes; default all.
    **options
        Keyword arguments of :func:`napari_derivatives.line_profile`
        (``step``, ``order``, ``width``, ``smooth``, ``reduce``, ``mode``).

    Returns
    -------
    list of (int, Profile)
        The index of each profiled shape in ``shapes.data`` and its profile, whose
        ``coords`` are in the image's full data coordinates and whose ``units`` are
        the layer's along the displayed axes (None for pixels or mixed units). Lines
        of zero length, lines on a slice outside the image and, with ``width > 1``,
        lines with a segment that does not move in the plane of the last two axes
        (along a stack, in 3D display) are skipped; so are rectangles in 3D display.
    """
    lengths = checks.choice(lengths, LENGTH_UNITS, "lengths")
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
    units_key: tuple[int | str, ...] = ("units", *displayed)
    if units_key not in cache:
        # The profiles carry the image's unit (the CSV's column names), when it has one.
        unit, _ = length_unit(viewer, image)
        cache[units_key] = unit if unit not in ("", "pixels") else None
    unit = cache[units_key]
    chosen = range(len(shapes.shape_type)) if indices is None else indices
    profiles = []
    for index in chosen:
        found = shape_path(viewer, image, shapes, index, displayed)
        if found is None:
            continue
        path, line_options = found[0], {**options, **found[1]}
        plane_path = path[:, displayed]
        if not np.any(np.linalg.norm(np.diff(plane_path, axis=0), axis=1) > 0):
            continue
        if line_options.get("width", 1) > 1 and not samples_across(plane_path):
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
        if lengths == "physical":
            scale = pixels_per_unit(plane_path, spacing)
            for name in ("step", "smooth"):
                if name in line_options:
                    line_options[name] = float(line_options[name]) * scale
        profile = line_profile(cache[key], plane_path, spacing=spacing, units=unit, **line_options)
        coords = np.empty((len(profile), image.ndim))
        coords[:, displayed] = profile.coords
        coords[:, sliced] = key
        profiles.append((index, dataclasses.replace(profile, coords=coords)))
    return profiles


def shape_path(
    viewer: napari.Viewer,
    image: napari.layers.Image,
    shapes: napari.layers.Shapes,
    index: int,
    displayed: list[int],
) -> tuple[np.ndarray, dict[str, Any]] | None:
    """Return the path to profile shape ``index`` along, and the options it sets itself.

    Lines and paths give their vertices; a rectangle its long axis and its width
    (see :func:`profile_shapes`), only while two axes are displayed. In the image's
    full data coordinates. None for the shapes that are not profiled.
    """
    shape_type = shapes.shape_type[index]
    if shape_type in PATH_SHAPE_TYPES:
        return path_in_image(viewer, image, shapes, index), {}
    if shape_type != "rectangle" or len(displayed) != 2:
        return None
    corners = path_in_image(viewer, image, shapes, index)
    axis, width = rectangle_axis(corners[:, displayed])
    path = np.repeat(corners[:1], 2, axis=0)
    path[:, displayed] = axis
    return path, {"width": width}


def plane_label(viewer: napari.Viewer, image: napari.layers.Image, profile: Profile) -> str:
    """Name the plane a profile samples, for its legend entry; ``""`` for a 2D image.

    Each sliced axis is named by the image's axis label and the index of the plane
    sampled: ``"z 3"``, ``"t 2, z 3"``; with napari's placeholder labels (``"-3"``...)
    ``"plane 3"``, or ``"plane (2, 3)"`` for several sliced axes. A line of a Shapes
    layer with the stack's dimensions stays on the plane it was drawn on, where
    napari shows it (:func:`profile_shapes`): while the viewer shows another plane,
    the label ends with ``" (not shown)"``, so the panel never plots a plane the
    user cannot see named.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer, for the plane it shows.
    image : napari.layers.Image
        The profiled image.
    profile : Profile
        A profile of :func:`profile_shapes`, with coordinates in ``image``'s data.

    Returns
    -------
    str
        The plane's name.
    """
    displayed = image_displayed_axes(viewer, image)
    sliced = [axis for axis in range(image.ndim) if axis not in displayed]
    if not sliced:
        return ""
    sampled = [int(np.round(profile.coords[0, axis])) for axis in sliced]
    labels = given_axis_labels(image)
    if labels is not None:
        name = ", ".join(f"{labels[axis]} {k}" for axis, k in zip(sliced, sampled, strict=True))
    elif len(sampled) == 1:
        name = f"plane {sampled[0]}"
    else:
        name = f"plane ({', '.join(map(str, sampled))})"
    shown = shown_plane(viewer, image)
    visible = all(int(np.round(shown[axis])) == k for axis, k in zip(sliced, sampled, strict=True))
    return name + ("" if visible else " (not shown)")


def _unit_name(unit: Any) -> str:
    return format(unit, "~P") if unit is not None else ""


def length_unit(viewer: napari.Viewer, image: napari.layers.Image) -> tuple[str, float]:
    """Return the unit of lengths in the image's displayed plane, and its finest pixel.

    The unit is the one napari knows for the image's displayed axes
    (``image.units``, shown like ``"µm"``). Without a unit (napari's ``pixel``),
    lengths are in pixels only if the displayed axes have a scale of 1.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer, for which axes are displayed.
    image : napari.layers.Image
        The profiled image.

    Returns
    -------
    unit : str
        For example ``"µm"``, ``"pixels"``, or ``""`` when the unit is unknown.
    pixel : float
        The smallest physical length of a pixel step along a displayed axis.
    """
    displayed = image_displayed_axes(viewer, image) or list(range(image.ndim))
    spacing = np.asarray(plane_spacing(image, displayed), dtype=float)
    steps = np.linalg.norm(spacing, axis=0) if spacing.ndim == 2 else np.abs(spacing)
    pixel = float(np.min(steps))
    units = {_unit_name(image.units[axis]) for axis in displayed}
    if len(units) == 1 and units.isdisjoint({"pixel", "px", "", "dimensionless"}):
        (unit,) = units
        return unit, pixel
    if units <= {"pixel", "px", "", "dimensionless"} and all(
        float(image.scale[axis]) == 1.0 for axis in displayed
    ):
        return "pixels", pixel
    return "", pixel


def distance_axis_labels(
    viewer: napari.Viewer, image: napari.layers.Image
) -> tuple[str, str, str]:
    """Return the labels of a profile plot's distance, derivative and second-derivative axes.

    In the unit of :func:`length_unit`.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer, for which axes are displayed.
    image : napari.layers.Image
        The profiled image.

    Returns
    -------
    tuple of str
        For example ``("distance (µm)", "d intensity / d distance (per µm)",
        "d² intensity / d distance² (per µm²)")``, the same with ``pixel``, or
        ``("distance", "d intensity / d distance", "d² intensity / d distance²")``
        when the unit is unknown.
    """
    unit, _ = length_unit(viewer, image)
    if not unit:
        return "distance", "d intensity / d distance", "d² intensity / d distance²"
    per = "pixel" if unit == "pixels" else unit
    return (
        f"distance ({unit})",
        f"d intensity / d distance (per {per})",
        f"d² intensity / d distance² (per {per}²)",
    )


def world_units(image: napari.layers.Image) -> list[str] | None:
    """Return the unit of each world axis of an image for the CSV, or None for pixels.

    ``None`` when every axis is in pixels of size 1 with no offset (the world
    coordinates are the pixel ones); an axis without a unit is ``"world"``.

    Parameters
    ----------
    image : napari.layers.Image
        The profiled image.

    Returns
    -------
    list of str or None
        One unit per axis, like ``["s", "µm", "µm"]``.
    """
    names = [_unit_name(unit) for unit in image.units]
    plain = [name in ("pixel", "px", "", "dimensionless") for name in names]
    if all(plain) and np.all(np.asarray(image.scale) == 1) and not np.any(image.translate):
        return None
    return ["world" if flat else name for name, flat in zip(names, plain, strict=True)]


def coordinate_labels(image: napari.layers.Image) -> list[str] | None:
    """Return names for an image's coordinate columns, or None for the default ones.

    napari's placeholder labels (:func:`given_axis_labels`) and labels that cannot be
    CSV column names give None: :func:`napari_derivatives.profiles_to_csv` uses its own.

    Parameters
    ----------
    image : napari.layers.Image
        The profiled image.

    Returns
    -------
    list of str or None
        One name per axis of the image's data, or None.
    """
    labels = given_axis_labels(image)
    if labels is None:
        return None
    try:
        # The CSV's own rules for column names, so that the export never fails on them.
        return check_axis_labels(labels, image.ndim)
    except ValueError:
        return None


def ignored_shapes_hint(shape_types: Sequence[str]) -> str:
    """Say which shapes are not profiled: ellipses and polygons.

    Parameters
    ----------
    shape_types : sequence of str
        ``shapes.shape_type`` of a Shapes layer.

    Returns
    -------
    str
        For example ``"2 ellipses, 1 polygon ignored: only lines, paths and
        rectangles are profiled"``, or ``""`` if every shape is profiled.
    """
    counts: dict[str, int] = {}
    for shape_type in shape_types:
        if shape_type not in PROFILED_SHAPE_TYPES:
            counts[shape_type] = counts.get(shape_type, 0) + 1
    if not counts:
        return ""
    parts = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in counts.items())
    return f"{parts} ignored: only lines, paths and rectangles are profiled"


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
    image (name, scale, units, translate, the plane's axes) for the JSON beside it,
    whose axis names are the CSV's (or the user's labels that cannot be columns).

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
    names = labels or given_axis_labels(image) or default_axis_labels(image.ndim)
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
