"""The panel's edge table, worked out without Qt, and its CSV.

:func:`edge_table` lays out the edges found on the panel's profiles as rows: the
line (its shape's index), the edge's number along the line, its position, slope,
intensity and widths, the distance to the next edge along the line, and its world
coordinates through the image's transforms. :func:`write_edges_csv` writes the same
table to a CSV file, with the JSON record of how it was made beside it, as the
profiles' CSV has.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.export import package_version, sidecar_path, write_json
from .line_profiles import coordinate_labels, world_units

if TYPE_CHECKING:
    import napari.layers

    from .._core.edges import Edge
    from .._core.profiles import Profile


@dataclasses.dataclass(frozen=True)
class EdgeTable:
    """The rows and columns of the edge table.

    Attributes
    ----------
    columns : list of str
        The column names, units in them: ``line, edge, position_<u>, slope_per_<u>,
        intensity, rise_width_<u>, fwhm_<u>, to_next_<u>``, then one world coordinate
        per image axis (``<label>_<unit>``).
    rows : list of tuple of float
        One per edge, by line, then in order along the line.
    markers : list of int
        Per row, the index of its point in the edge markers (the order of
        ``PanelState.edge_points``).
    lines : list of int
        Per row, the index of its profile in the panel's profiles.
    """

    columns: list[str] = dataclasses.field(default_factory=list)
    rows: list[tuple[float, ...]] = dataclasses.field(default_factory=list)
    markers: list[int] = dataclasses.field(default_factory=list)
    lines: list[int] = dataclasses.field(default_factory=list)


def _suffixed(name: str, unit: str) -> str:
    return f"{name}_{unit}" if unit else name


def edge_columns(image: napari.layers.Image, unit: str) -> list[str]:
    """Return the edge table's column names for an image whose distances are in ``unit``.

    Parameters
    ----------
    image : napari.layers.Image
        The profiled image, for its axis labels and world units.
    unit : str
        The distance unit (``"µm"``, ``"px"``), ``""`` if unknown.

    Returns
    -------
    list of str
        See :class:`EdgeTable`.
    """
    labels = coordinate_labels(image) or [f"axis_{axis}" for axis in range(image.ndim)]
    if coordinate_labels(image) is None and image.ndim <= 3:
        labels = ["z", "row", "col"][-image.ndim :]
    units = world_units(image) or ["px"] * image.ndim
    per = f"per_{unit}" if unit else ""
    return [
        "line",
        "edge",
        _suffixed("position", unit),
        _suffixed("slope", per),
        "intensity",
        _suffixed("rise_width", unit),
        _suffixed("fwhm", unit),
        _suffixed("to_next", unit),
        *(f"{label}_{axis_unit}" for label, axis_unit in zip(labels, units, strict=True)),
    ]


def edge_table(
    shape_indices: Sequence[int],
    profiles: Sequence[Profile],
    edges: Sequence[Sequence[Edge]],
    image: napari.layers.Image,
    unit: str,
) -> EdgeTable:
    """Lay out the edges of the panel's profiles as the rows of a table.

    Parameters
    ----------
    shape_indices : sequence of int
        The index of each profile's shape in the Shapes layer.
    profiles : sequence of Profile
        The profiles, whose ``edge_distances`` give the distance to the next edge.
    edges : sequence of sequence of Edge
        The edges found on each profile, in the order ``find_edges`` returned them.
    image : napari.layers.Image
        The profiled image: the edges' world coordinates are ``image.data_to_world``.
    unit : str
        The distance unit, for the column names.

    Returns
    -------
    EdgeTable
        Rows by line, in order along each line; ``edge`` counts from 0 along it.
    """
    table = EdgeTable(columns=edge_columns(image, unit))
    marker = 0
    for line, (index, profile, found) in enumerate(
        zip(shape_indices, profiles, edges, strict=True)
    ):
        order = sorted(range(len(found)), key=lambda k: found[k].distance)
        along = [found[k] for k in order]
        gaps = [*profile.edge_distances(along).tolist(), math.nan] if along else []
        for number, (k, edge, gap) in enumerate(zip(order, along, gaps, strict=True)):
            world = np.asarray(image.data_to_world(edge.coords), dtype=float)
            table.rows.append(
                (
                    float(index),
                    float(number),
                    float(edge.distance),
                    float(edge.derivative),
                    float(edge.intensity),
                    float(edge.rise_width),
                    float(edge.fwhm),
                    float(gap),
                    *world.tolist(),
                )
            )
            table.markers.append(marker + k)
            table.lines.append(line)
        marker += len(found)
    return table


def write_edges_csv(
    table: EdgeTable, path: str | os.PathLike[str], *, metadata: Mapping[str, Any] | None = None
) -> None:
    """Write the edge table to a CSV file, and what it means to a JSON file beside it.

    The CSV has one header row (the table's columns) and one row per edge, numbers
    in full precision, NaN as ``nan``: ``pandas.read_csv`` and spreadsheets read it
    with their default settings. The JSON file (same name, ``.json``) records the
    version, the columns and ``metadata`` (the image, the edge options...).

    Parameters
    ----------
    table : EdgeTable
        The table, with at least one row.
    path : str or os.PathLike
        The CSV file to write (overwritten), UTF-8.
    metadata : mapping, optional
        Entries of the JSON record.

    Raises
    ------
    ValueError
        If the table has no row.
    """
    if not table.rows:
        raise ValueError("path: nothing to export, no edge is marked")
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([str(int(v)) if i < 2 else repr(float(v)) for i, v in enumerate(row)])
    record = {
        **(metadata or {}),
        "napari_derivatives_version": package_version(),
        "columns": table.columns,
        "rows": len(table.rows),
    }
    write_json(record, sidecar_path(path))
