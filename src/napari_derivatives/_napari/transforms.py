"""Layers' positions through napari's own transforms, never by hand.

Output layers copy their source's transform so that they sit exactly on it; a
vertex of a Shapes layer is taken to an image's data coordinates through
``data_to_world`` then ``world_to_data``; distances are measured through the linear
part of an image's data -> world transform.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import napari.layers

    import napari


# What an output layer copies from its source to sit exactly on it.
TRANSFORM_KEYS = ("scale", "translate", "rotate", "shear", "affine", "units", "axis_labels")


def transform_settings(image: napari.layers.Image) -> dict[str, Any]:
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


def given_axis_labels(image: napari.layers.Image) -> list[str] | None:
    """Return the axis labels of ``image`` as strings, or None for napari's placeholders.

    napari names the axes nobody labelled by their negative index: ``"-2", "-1"``
    since napari 0.7, ``"axis -2", "axis -1"`` before (napari/napari#8566). Both
    are placeholders, so that what the plugin names and writes does not depend on
    the napari version.
    """
    labels = [str(label) for label in image.axis_labels]
    indices = range(-image.ndim, 0)
    if labels in ([str(i) for i in indices], [f"axis {i}" for i in indices]):
        return None
    return labels


def physical_unit(image: napari.layers.Image, axes: Sequence[int]) -> str:
    """Return the unit of ``image`` along ``axes``, as a name shows it (``"µm"``).

    ``""`` when the layer has none (napari's default, pixels) or the axes disagree.
    """
    units = {format(image.units[axis], "~P") for axis in axes}
    if len(units) != 1:
        return ""
    (unit,) = units
    return "" if unit in ("pixel", "px") else unit


def world_point(
    viewer: napari.Viewer, shapes: napari.layers.Shapes, vertex: np.ndarray
) -> np.ndarray:
    # A shape vertex only fixes the world axes of its layer; the other axes are
    # taken where the viewer is, so a 2D line over a 3D stack samples the slice shown.
    point = np.asarray(viewer.dims.point, dtype=float)
    world = np.asarray(shapes.data_to_world(vertex), dtype=float)
    point[point.size - world.size :] = world
    return point


def image_displayed_axes(viewer: napari.Viewer, image: napari.layers.Image) -> list[int]:
    # In array order: ``dims.displayed`` follows the display order (a transposed
    # view gives (1, 0)), but the plane sampled keeps the image's axes in order.
    offset = viewer.dims.ndim - image.ndim
    return sorted(axis - offset for axis in viewer.dims.displayed if axis - offset >= 0)


def shown_plane(viewer: napari.Viewer, image: napari.layers.Image) -> np.ndarray:
    """Return the viewer's position in the image's data coordinates (the plane it shows)."""
    point = np.asarray(viewer.dims.point, dtype=float)[-image.ndim :]
    return np.asarray(image.world_to_data(point), dtype=float)


def plane_spacing(image: napari.layers.Image, displayed: list[int]) -> Any:
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
    return np.array([image.world_to_data(world_point(viewer, shapes, v)) for v in vertices])
