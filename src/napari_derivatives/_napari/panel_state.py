"""What the Line derivative panel shows, worked out without Qt.

:func:`compute_panel_state` profiles the lines of a Shapes layer over an image and returns
everything the panel draws: the curves, their colours and legend labels, the axis
labels, the hints and the edges. The panel only draws it, so the same update can be
checked in a script or a test without a widget. :class:`EdgeMarkers` owns the
Points layer that marks the edges on the canvas; the ``*_EVENTS`` tuples name the
napari events after which the state may differ, and the ``*_choices`` and
``default_*`` functions say which layers the panel offers and picks.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from napari.layers import Image, Layer, Shapes

from .._core.shapes import second_derivative
from .edge_points import edge_points_name, update_edge_points
from .line_profiles import (
    PROFILED_SHAPE_TYPES,
    distance_axis_labels,
    ignored_shapes_hint,
    length_unit,
    plane_label,
    profile_shapes,
)

if TYPE_CHECKING:
    import napari.layers

    import napari

    from .._core.edges import Edge
    from .._core.profiles import Profile

#: Planes kept between updates, so that moving the slider back and forth over a
#: large stack reads each plane once without holding the whole stack in memory.
PLANE_CACHE_SIZE = 8

TRANSFORM_EVENTS = ("scale", "translate", "rotate", "shear", "affine", "units")
#: Events of the image layer that change its profiles (new data, a new pixel size).
IMAGE_EVENTS = ("data", *TRANSFORM_EVENTS)
#: Events of the Shapes layer that change the profiles or their colours. ``set_data``
#: fires on every refresh of the layer, so while a vertex or shape is dragged or a
#: new line drawn; ``data`` fires when a shape is added, removed, or a drag ends.
SHAPES_EVENTS = ("set_data", "data", "edge_color", *TRANSFORM_EVENTS)
#: Events of ``viewer.dims`` that change the slice the lines are sampled on.
DIMS_EVENTS = ("current_step", "point", "order", "ndisplay")
#: Of :data:`DIMS_EVENTS`, those that change which axes are sliced (so the meaning
#: of the plane cache's keys) or displayed (so the axis labels).
AXES_EVENTS = ("order", "ndisplay")


_Layer = TypeVar("_Layer", bound=Layer)


def _choices(viewer: napari.Viewer, kind: type[_Layer]) -> list[tuple[str, _Layer]]:
    # Top layer first, as in napari's layer list.
    return [
        (layer.name, layer) for layer in reversed(list(viewer.layers)) if isinstance(layer, kind)
    ]


def image_choices(viewer: napari.Viewer) -> list[tuple[str, napari.layers.Image]]:
    """Return the image layers the panel offers, top layer first as in napari's list.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer whose layers are offered.

    Returns
    -------
    list of (str, napari.layers.Image)
        Each layer's name and the layer.
    """
    return _choices(viewer, Image)


def shapes_choices(viewer: napari.Viewer) -> list[tuple[str, napari.layers.Shapes]]:
    """Return the Shapes layers the panel offers, top layer first as in napari's list.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer whose layers are offered.

    Returns
    -------
    list of (str, napari.layers.Shapes)
        Each layer's name and the layer.
    """
    return _choices(viewer, Shapes)


def default_image(viewer: napari.Viewer) -> napari.layers.Image | None:
    """Return the image to profile when the user has chosen none: the top visible one.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer.

    Returns
    -------
    napari.layers.Image or None
        The top visible image, else the top image, else None.
    """
    images = [layer for _, layer in image_choices(viewer)]
    visible = [layer for layer in images if layer.visible]
    return (visible or images or [None])[0]


def default_shapes(viewer: napari.Viewer) -> napari.layers.Shapes | None:
    """Return the Shapes layer to use when the user has chosen none.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer.

    Returns
    -------
    napari.layers.Shapes or None
        The active layer if it is a Shapes layer, else the top Shapes layer, else None.
    """
    active = viewer.layers.selection.active
    if isinstance(active, Shapes):
        return active
    return next((layer for _, layer in shapes_choices(viewer)), None)


@dataclasses.dataclass
class ProfileCache:
    """What one update keeps for the next while the image's data and transforms stay.

    Attributes
    ----------
    planes : dict
        The ``plane_cache`` of :func:`napari_derivatives.profile_shapes`, trimmed to
        :data:`PLANE_CACHE_SIZE` planes after each update.
    axis_labels : tuple of str, optional
        The distance, derivative and second-derivative axis labels of the image, once
        worked out.
    length_unit : tuple of (str, float), optional
        :func:`~napari_derivatives._napari.line_profiles.length_unit` of the image,
        once worked out.
    """

    planes: dict[tuple[int | str, ...], Any] = dataclasses.field(default_factory=dict)
    axis_labels: tuple[str, str, str] | None = None
    length_unit: tuple[str, float] | None = None

    def clear(self) -> None:
        """Forget everything: call it when the image's data, transforms or sliced axes change."""
        self.planes.clear()
        self.axis_labels = None
        self.length_unit = None

    def unit(self, viewer: napari.Viewer, image: napari.layers.Image) -> tuple[str, float]:
        """Return the image's length unit and finest pixel, worked out once until cleared.

        Parameters
        ----------
        viewer : napari.Viewer
            The viewer, for the displayed axes.
        image : napari.layers.Image
            The profiled image.

        Returns
        -------
        tuple of (str, float)
            See :func:`~napari_derivatives._napari.line_profiles.length_unit`.
        """
        if self.length_unit is None:
            self.length_unit = length_unit(viewer, image)
        return self.length_unit


@dataclasses.dataclass(frozen=True)
class PanelState:
    """What the panel draws after an update.

    Attributes
    ----------
    shape_indices : list of int
        The index in the Shapes layer of each profiled line or path.
    profiles : list of Profile
        Their profiles, in the same order.
    colors : list of tuple of float
        The RGBA edge colour of each profiled shape, for its curves.
    labels : list of str
        The legend label of each profile, like ``"line 0"``.
    hint : str
        What is not profiled and why, for the panel's hint label; ``""`` if nothing.
    plot_hint : str
        What to do to see a curve, shown on an empty plot; ``""`` when there are curves.
    axis_labels : tuple of str, optional
        Distance, derivative and second-derivative axis labels; None without an image
        (labels unchanged).
    edges : list of list of Edge, optional
        The edges found on each profile; None when edges are not marked.
    selected : list of bool
        Per profile, whether its shape is selected in the Shapes layer.
    curvatures : list of numpy.ndarray, optional
        The second derivative of each profile (intensity per physical unit squared);
        None when it is not shown.
    """

    shape_indices: list[int] = dataclasses.field(default_factory=list)
    profiles: list[Profile] = dataclasses.field(default_factory=list)
    colors: list[tuple[float, ...]] = dataclasses.field(default_factory=list)
    labels: list[str] = dataclasses.field(default_factory=list)
    hint: str = ""
    plot_hint: str = ""
    axis_labels: tuple[str, str, str] | None = None
    edges: list[list[Edge]] | None = None
    selected: list[bool] = dataclasses.field(default_factory=list)
    curvatures: list[Any] | None = None

    def edge_points(self) -> tuple[list[tuple[int, Edge]], list[tuple[float, ...]]]:
        """Return every edge with the index of its shape, and its colour, flattened.

        Both lists are empty when edges are not marked.

        Returns
        -------
        edges : list of (int, Edge)
            Per edge, the index of its shape in the Shapes layer, and the edge.
        colors : list of tuple of float
            Per edge, the colour of its shape.
        """
        if self.edges is None:
            return [], []
        edges = [
            (index, edge)
            for index, line_edges in zip(self.shape_indices, self.edges, strict=True)
            for edge in line_edges
        ]
        colors = [
            color
            for color, line_edges in zip(self.colors, self.edges, strict=True)
            for _ in line_edges
        ]
        return edges, colors


def compute_panel_state(
    viewer: napari.Viewer,
    image: napari.layers.Image | None,
    shapes: napari.layers.Shapes | None,
    *,
    cache: ProfileCache | None = None,
    edge_count: int | None = None,
    edge_options: dict[str, Any] | None = None,
    only_selected: bool = False,
    curvature: bool = False,
    **options: Any,
) -> PanelState:
    """Profile the lines of a Shapes layer over an image and say what to draw.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer showing both layers (for the slice shown and the displayed axes).
    image : napari.layers.Image or None
        The image to profile; None gives a hint to add one.
    shapes : napari.layers.Shapes or None
        The layer holding the lines and paths; None gives a hint to add one.
    cache : ProfileCache, optional
        Planes and labels kept from the previous update; pass the same one while the
        image's data, transforms and the viewer's sliced axes are unchanged.
    edge_count : int, optional
        Number of the strongest edges to find on each profile; None finds none
        (unless ``edge_options`` are given).
    edge_options : dict, optional
        Keyword arguments of :meth:`napari_derivatives.Profile.find_edges` (``count``,
        ``threshold``, ``polarity``, ``select``); edges are found when given.
    only_selected : bool, optional
        Profile only the shapes selected in ``shapes``.
    curvature : bool, optional
        Also compute each profile's second derivative.
    **options
        Keyword arguments of :func:`napari_derivatives.profile_shapes` (``lengths``)
        and :func:`napari_derivatives.line_profile` (``step``, ``width``, ``order``,
        ``smooth``...).

    Returns
    -------
    PanelState
        The profiles in shape order, their colours and labels, the hints and edges.
    """
    cache = ProfileCache() if cache is None else cache
    indexed: list[tuple[int, Profile]] = []
    colors: list[tuple[float, ...]] = []
    labels: list[str] = []
    notes: list[str] = []
    plot_hint = ""
    selected: set[int] = set()
    if image is None:
        plot_hint = "No image layer: open or add an image to profile."
    elif shapes is None:
        plot_hint = "No Shapes layer: add one and draw a line or a path on it."
    else:
        selection = sorted(shapes.selected_data)
        indexed = profile_shapes(
            viewer,
            image,
            shapes,
            plane_cache=cache.planes,
            indices=selection if only_selected else None,
            **options,
        )
        while len(cache.planes) > PLANE_CACHE_SIZE:
            del cache.planes[next(iter(cache.planes))]
        colors = [tuple(shapes.edge_color[index]) for index, _ in indexed]
        for index, profile in indexed:
            plane = plane_label(viewer, image, profile)
            labels.append(f"{shapes.shape_type[index]} {index}" + (f" · {plane}" if plane else ""))
        notes.append(ignored_shapes_hint(shapes.shape_type))
        chosen = selection if only_selected else range(len(shapes.shape_type))
        paths = sum(shapes.shape_type[index] in PROFILED_SHAPE_TYPES for index in chosen)
        skipped = paths - len(indexed)
        if skipped:
            notes.append(
                f"{skipped} line{'s' if skipped > 1 else ''} not profiled: "
                "zero length, or off the image's shown slice"
                + (", or along the stack with width > 1" if options.get("width", 1) > 1 else "")
            )
        if only_selected and not selection:
            plot_hint = f"No shape selected on {shapes.name!r}: select lines to plot them."
        elif not paths:
            plot_hint = f"Draw a line or a path on {shapes.name!r} to profile {image.name!r}."
        elif not indexed:
            plot_hint = "No line to profile on the shown slice."
        selected = {int(index) for index in selection}

    if image is not None and cache.axis_labels is None:
        cache.axis_labels = distance_axis_labels(viewer, image)
    profiles = [profile for _, profile in indexed]
    edges = None
    if edge_options is None and edge_count is not None:
        edge_options = {"count": edge_count}
    if edge_options is not None and image is not None and shapes is not None:
        edges = [profile.find_edges(**edge_options) for profile in profiles]
    return PanelState(
        shape_indices=[index for index, _ in indexed],
        profiles=profiles,
        colors=colors,
        labels=labels,
        hint=" · ".join(note for note in notes if note),
        plot_hint=plot_hint,
        axis_labels=cache.axis_labels if image is not None else None,
        edges=edges,
        selected=[index in selected for index, _ in indexed],
        curvatures=(
            [second_derivative(p.distance, p.derivative) for p in profiles] if curvature else None
        ),
    )


class EdgeMarkers:
    """The Points layer that marks the panel's edges on the canvas, made by the panel.

    Only the layer made here is ever updated or removed, never a user's layer that
    happens to have its name.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer the layer is added to.

    Attributes
    ----------
    layer : napari.layers.Points or None
        The layer, while the edges are marked.
    """

    def __init__(self, viewer: napari.Viewer) -> None:
        self.viewer = viewer
        self.layer: napari.layers.Points | None = None

    def update(
        self,
        state: PanelState,
        image: napari.layers.Image | None,
        shapes: napari.layers.Shapes | None,
    ) -> None:
        """Mark the edges of ``state``, making the layer or moving its points in place.

        Without edges in ``state`` (not marked), or without layers, the layer is removed.

        Parameters
        ----------
        state : PanelState
            The update whose edges are marked.
        image : napari.layers.Image or None
            The profiled image, whose transforms place the points.
        shapes : napari.layers.Shapes or None
            The layer holding the lines; the Points layer is named after it.
        """
        if state.edges is None or image is None or shapes is None:
            self.remove()
            return
        edges, colors = state.edge_points()
        self.layer = update_edge_points(
            self.viewer, image, edges, colors, name=edge_points_name(shapes.name), layer=self.layer
        )

    def rename(self, shapes_name: str) -> None:
        """Follow a new name of the Shapes layer.

        Parameters
        ----------
        shapes_name : str
            The Shapes layer's new name.
        """
        if self.layer is not None:
            self.layer.name = edge_points_name(shapes_name)

    def remove(self) -> None:
        """Remove the layer from the viewer, if it is still there."""
        layer, self.layer = self.layer, None
        if layer is not None and layer in self.viewer.layers:
            # Forgotten first, so that the removal is not taken for the user's.
            self.viewer.layers.remove(layer)

    def forget(self, layer: Any) -> bool:
        """Let go of the layer if ``layer`` is it (the user removed it).

        Parameters
        ----------
        layer : napari.layers.Layer
            A layer just removed from the viewer.

        Returns
        -------
        bool
            Whether it was the edge markers.
        """
        if self.layer is None or layer is not self.layer:
            return False
        self.layer = None
        return True
