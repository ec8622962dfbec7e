"""Per-line summaries of the panel, written to the Shapes layer's ``features``.

napari's own features table and other plugins read a layer's ``features``: the
panel writes there, for every shape, the length of its profile, the number of
edges marked, the strongest slope and its position, in columns of its own prefix
(:data:`FEATURE_PREFIX`). A column of that name that the user made is never
overwritten: the plugin's column takes a free name (``derivatives_length_1``),
and the names it owns are recorded in the layer's metadata.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import napari.layers

    from .._core.edges import Edge
    from .._core.profiles import Profile

#: The prefix of the plugin's feature columns.
FEATURE_PREFIX = "derivatives_"
#: What each column holds, by its name without the prefix.
SUMMARIES = ("length", "edges", "max_slope", "max_slope_at")
#: The metadata entry listing the feature columns the plugin made (its own, to update);
#: apart from the record of the layers the plugin made (``ownership``): this layer is
#: the user's.
FEATURES_KEY = "napari_derivatives_features"


def line_summaries(
    count: int,
    shape_indices: Sequence[int],
    profiles: Sequence[Profile],
    edges: Sequence[Sequence[Edge]],
) -> dict[str, np.ndarray]:
    """Return the summaries of each shape: NaN for a shape not profiled.

    Parameters
    ----------
    count : int
        The number of shapes in the layer.
    shape_indices : sequence of int
        The shape of each profile.
    profiles : sequence of Profile
        The profiles, for their lengths (physical units).
    edges : sequence of sequence of Edge
        The edges marked on each profile.

    Returns
    -------
    dict of str to numpy.ndarray
        ``length`` (the profile's last distance), ``edges`` (how many were marked),
        ``max_slope`` (the edge of largest ``|derivative|``, signed) and
        ``max_slope_at`` (its distance along the line), each of ``count`` values.
    """
    table = {name: np.full(count, math.nan) for name in SUMMARIES}
    for index, profile, found in zip(shape_indices, profiles, edges, strict=True):
        table["length"][index] = float(profile.distance[-1])
        table["edges"][index] = len(found)
        if found:
            strongest = max(found, key=lambda edge: abs(edge.derivative))
            table["max_slope"][index] = strongest.derivative
            table["max_slope_at"][index] = strongest.distance
    return table


def _owned(shapes: napari.layers.Shapes) -> dict[str, str]:
    owned = shapes.metadata.get(FEATURES_KEY)
    return dict(owned) if isinstance(owned, dict) else {}


def feature_columns(shapes: napari.layers.Shapes) -> dict[str, str]:
    """Return the plugin's feature column of each summary, choosing free names for new ones.

    Parameters
    ----------
    shapes : napari.layers.Shapes
        The layer.

    Returns
    -------
    dict of str to str
        Per summary (``"length"``...), the column: ``derivatives_<summary>`` unless a
        column of that name is the user's, then the first free ``_1``, ``_2``...
    """
    owned = _owned(shapes)
    taken = set(shapes.features.columns)
    columns: dict[str, str] = {}
    for name in SUMMARIES:
        column = owned.get(name)
        if column is None or (column in taken and column not in owned.values()):
            column, number = f"{FEATURE_PREFIX}{name}", 0
            while column in taken or column in columns.values():
                number += 1
                column = f"{FEATURE_PREFIX}{name}_{number}"
        columns[name] = column
    return columns


def write_line_features(shapes: napari.layers.Shapes, summaries: dict[str, Any]) -> bool:
    """Write the summaries to the layer's features, only in the plugin's own columns.

    Nothing is written when the values are already there (a live update of the
    panel costs no new table then).

    Parameters
    ----------
    shapes : napari.layers.Shapes
        The layer, whose ``features`` has one row per shape.
    summaries : dict
        :func:`line_summaries` of the layer's shapes.

    Returns
    -------
    bool
        Whether the features changed.
    """
    columns = feature_columns(shapes)
    features = shapes.features
    if len(features) != len(shapes.data):
        return False  # napari is between a shape's removal and its features'
    unchanged = all(
        column in features
        and np.array_equal(
            np.asarray(features[column], dtype=float), summaries[name], equal_nan=True
        )
        for name, column in columns.items()
    )
    if unchanged:
        return False
    table = features.copy()
    for name, column in columns.items():
        table[column] = summaries[name]
    shapes.features = table
    if _owned(shapes) != columns:
        shapes.metadata = {**shapes.metadata, FEATURES_KEY: columns}
    return True
