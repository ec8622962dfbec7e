"""The Points layer that marks, on the canvas, the edges found along the lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .compat import keep_active_layer

if TYPE_CHECKING:
    import napari.layers

    import napari

    from .._core.edges import Edge


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

    world_points = [image.data_to_world(edge.coords) for _, edge in edges]
    world = np.array(world_points, dtype=float).reshape(-1, image.ndim)
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
        with keep_active_layer(viewer):
            viewer.layers.append(layer)
        return layer
    data = np.array([layer.world_to_data(point) for point in world], dtype=float)
    # napari (0.9) cannot recolour a hidden Points layer that lost points (its slice is
    # stale: IndexError); the user may have hidden the markers, so show them meanwhile.
    hidden = not layer.visible
    if hidden:
        layer.visible = True
    try:
        layer.data = data.reshape(-1, layer.ndim)
        layer.features = features
        if len(border):
            layer.border_color = border
    finally:
        if hidden:
            layer.visible = False
    if tuple(layer.units) != tuple(image.units):
        layer.units = image.units
    if layer.name != name:
        layer.name = name
    return layer
