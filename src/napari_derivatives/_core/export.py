"""CSV export of profiles: the columns, their names and units, and the JSON beside them.

A plain CSV with one header row (``pandas.read_csv`` and spreadsheets read it with
their defaults); units are in the column names (``distance_µm``,
``derivative_per_µm``, ``y_µm``); the settings that made the numbers go to a JSON
file of the same stem beside it (``profiles.json`` for ``profiles.csv``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from . import checks
from .arraytypes import Float64Array


class _ProfileLike(Protocol):
    """What the export reads of a :class:`napari_derivatives.Profile`.

    A protocol rather than the class itself: a Profile writes itself through this
    module (``Profile.to_csv``), which must then not depend on it.
    """

    @property
    def distance(self) -> Float64Array: ...

    @property
    def coords(self) -> Float64Array: ...

    @property
    def values(self) -> Float64Array: ...

    @property
    def derivative(self) -> Float64Array: ...

    @property
    def spacing(self) -> Any: ...

    @property
    def units(self) -> str | None: ...

    @property
    def settings(self) -> Mapping[str, Any] | None: ...


#: World coordinates of data coordinates: an (M, ndim) array to an (M, ndim) array.
WorldTransform = Callable[[Float64Array], Float64Array]

#: The columns every profile CSV has (their units aside), besides the coordinates.
FIXED_COLUMNS = ("line", "plane", "distance", "intensity", "derivative")

#: Characters a column name cannot hold in a plain CSV.
_FORBIDDEN = ',"\r\n'

#: The unit of a distance in pixels, in column names.
PIXEL_UNIT = "px"


def package_version() -> str:
    """Return the installed version of napari-derivatives, for the record of a file."""
    try:
        return version("napari-derivatives")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree, not installed
        return "unknown"


def default_axis_labels(ndim: int) -> list[str]:
    """Return the last ``ndim`` of ``("z", "row", "col")``, or ``axis_0, ...`` beyond 3 axes."""
    names = ("z", "row", "col")
    return list(names[-ndim:]) if ndim <= 3 else [f"axis_{i}" for i in range(ndim)]


def check_axis_labels(axis_labels: Sequence[str], ndim: int) -> list[str]:
    """Return ``axis_labels`` as a list, or raise a ValueError if they cannot be columns.

    Parameters
    ----------
    axis_labels : sequence of str
        One name per axis.
    ndim : int
        Number of axes.

    Returns
    -------
    list of str
        The names.

    Raises
    ------
    ValueError
        Naming ``axis_labels``: not one per axis, empty, not strings, holding a comma,
        quote or line break, repeated, or equal to one of :data:`FIXED_COLUMNS`.
    """
    labels = list(axis_labels)
    if len(labels) != ndim:
        raise ValueError(f"`axis_labels` needs one name per axis ({ndim}), got {labels}")
    for label in labels:
        if not isinstance(label, str) or not label or any(c in label for c in _FORBIDDEN):
            raise ValueError(
                f"`axis_labels` must be non-empty strings without commas, quotes or line "
                f"breaks, got {label!r}"
            )
    if len(set(labels) | set(FIXED_COLUMNS)) != ndim + len(FIXED_COLUMNS):
        raise ValueError(
            f"`axis_labels` must be distinct and differ from {FIXED_COLUMNS}, got {labels}"
        )
    return labels


def _per_axis_spacing(profile: _ProfileLike, ndim: int) -> Float64Array | None:
    """Return the profile's data -> physical matrix over all ``ndim`` axes, if it has one."""
    spacing = np.asarray(profile.spacing if profile.spacing is not None else np.ones(ndim))
    if spacing.ndim == 1 and spacing.shape == (ndim,):
        return np.diag(spacing.astype(np.float64))
    if spacing.shape == (ndim, ndim):
        return spacing.astype(np.float64)
    return None


def _is_pixels(profile: _ProfileLike) -> bool:
    spacing = np.asarray(profile.spacing if profile.spacing is not None else 1.0)
    return spacing.ndim <= 1 and bool(np.all(spacing == 1.0))


def _distance_unit(profiles: list[_ProfileLike], units: Sequence[str] | None) -> str | None:
    found = {profile.units for profile in profiles}
    if len(found) > 1:
        raise ValueError(f"`profiles` must share one distance unit, got {sorted(map(str, found))}")
    (unit,) = found
    if unit is None and units is not None and len(set(units)) == 1 and units[0] != "world":
        unit = units[0]
    if unit is None and all(_is_pixels(profile) for profile in profiles):
        unit = PIXEL_UNIT
    return unit


def _world_units(
    units: Sequence[str] | None, ndim: int, unit: str | None, transformed: bool
) -> list[str] | None:
    """Return the unit of each world coordinate column, or None when there are none to write."""
    if units is not None:
        return list(units)
    if unit == PIXEL_UNIT and not transformed:
        return None  # world coordinates are the pixel coordinates
    if unit is not None and unit != PIXEL_UNIT:
        return [unit] * ndim
    return ["world"] * ndim


def _suffixed(name: str, unit: str | None) -> str:
    return name if unit is None else f"{name}_{unit}"


def _csv_columns(
    axis_labels: Sequence[str],
    *,
    distance_unit: str | None,
    world_units: Sequence[str] | None,
    planes: bool,
) -> list[str]:
    """Return the header of a profile CSV.

    Parameters
    ----------
    axis_labels : sequence of str
        One name per data axis.
    distance_unit : str or None
        The unit of distances (``"px"`` in pixels), None if unknown.
    world_units : sequence of str or None
        The unit of each world coordinate, or None for no world columns.
    planes : bool
        Whether there is a ``plane`` column.

    Returns
    -------
    list of str
        ``line, [plane], distance_<unit>, <label>_px..., [<label>_<unit>...],
        intensity, derivative_per_<unit>``.
    """
    columns = ["line", *(["plane"] if planes else []), _suffixed("distance", distance_unit)]
    columns += [f"{label}_{PIXEL_UNIT}" for label in axis_labels]
    if world_units is not None:
        columns += [_suffixed(label, u) for label, u in zip(axis_labels, world_units, strict=True)]
    per = None if distance_unit is None else f"per_{distance_unit}"
    columns += ["intensity", _suffixed("derivative", per)]
    if len(set(columns)) != len(columns):
        raise ValueError(f"`axis_labels` give repeated column names: {columns}")
    return columns


def _column_notes(columns: list[str], ndim: int, planes: bool) -> dict[str, str]:
    notes = {"line": "the number of the line (the index of its shape in a Shapes layer)"}
    if planes:
        notes["plane"] = "the index of the plane (or time point) the line samples"
    first = len(notes)
    notes[columns[first]] = "distance along the line from its first vertex"
    for column in columns[first + 1 : first + 1 + ndim]:
        notes[column] = "pixel (data) coordinate of the sample; pixel centres are integers"
    for column in columns[first + 1 + ndim : -2]:
        notes[column] = "world coordinate of the sample"
    notes["intensity"] = "intensity sampled (interpolated, reduced across the width)"
    notes[columns[-1]] = "derivative of the intensity along the line, per unit of distance"
    return notes


def _json_ready(value: Any) -> Any:
    """Plain JSON values: tuples as lists, numpy numbers as Python ones, NaN as None."""
    if isinstance(value, Mapping):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_ready(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """Return the JSON file beside a CSV: the same name, ``.json`` for its suffix.

    A file already named ``.json`` gets a second suffix (``a.json.json``), never itself.
    """
    csv = Path(os.fspath(path))
    beside = csv.with_suffix(".json")
    return beside if beside != csv else csv.with_name(csv.name + ".json")


def write_json(record: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a record (the settings beside a CSV) as UTF-8 JSON, indented."""
    with open(os.fspath(path), "w", encoding="utf-8") as file:
        json.dump(_json_ready(record), file, indent=2, ensure_ascii=False, allow_nan=False)
        file.write("\n")


def profiles_to_csv(
    profiles: Iterable[_ProfileLike],
    path: str | os.PathLike[str],
    *,
    axis_labels: Sequence[str] | None = None,
    lines: Sequence[int] | None = None,
    units: str | Sequence[str] | None = None,
    world: WorldTransform | None = None,
    planes: Sequence[int] | None = None,
    metadata: Mapping[str, Any] | None = None,
    sidecar: str | os.PathLike[str] | bool = True,
) -> None:
    """Write profiles to one CSV file, a row per sample, and their settings beside it.

    The columns, with units in their names, are::

        line, [plane], distance_<u>, <label>_px..., [<label>_<unit>...],
        intensity, derivative_per_<u>

    ``line`` is the index of the profile in ``profiles`` (or its number in ``lines``);
    ``plane`` the index of the plane each samples (with ``planes``); ``<u>`` is the
    distance unit (the profiles' ``units``, else ``px`` when their spacing is 1,
    else none: ``distance``, ``derivative``); ``<label>_px`` the pixel (data)
    coordinates and ``<label>_<unit>`` the world coordinates, one per axis. Numbers
    are written with full precision (shortest round-trip form), NaN as ``nan``; the
    file reads back with ``pandas.read_csv(path)`` or
    ``numpy.genfromtxt(path, delimiter=",", names=True)``. Column names are UTF-8
    (``µm``).

    The JSON file beside it (the same name with ``.json``) records what the numbers
    mean and how they were made: the version of napari-derivatives, every column,
    the distance unit and, per line, its plane, length, pixel size and the sampling
    settings of :func:`napari_derivatives.line_profile` (interpolation ``order``,
    ``width``, ``step``, ``smooth``, ``reduce``, ``mode``), with ``metadata`` (for
    example the image's name) added at the top.

    Parameters
    ----------
    profiles : iterable of Profile
        At least one profile; all with the same number of coordinates and unit.
    path : str or os.PathLike
        File to write (overwritten), UTF-8.
    axis_labels : sequence of str, optional
        Names of the axes, one per coordinate. Default: the last ``ndim`` of
        ``("z", "row", "col")``, or ``axis_0, axis_1, ...`` beyond 3 axes.
    lines : sequence of int, optional
        The number written in the ``line`` column for each profile, for example
        the index of its shape in a napari Shapes layer. Default: 0, 1, 2, ...
    units : str or sequence of str, optional
        The unit of the world coordinates, one for all axes or one per axis
        (e.g. ``("s", "µm", "µm")``). Default: the profiles' distance unit.
    world : callable, optional
        Maps an (M, ndim) array of data coordinates to world coordinates (e.g.
        through a napari layer's transforms). Default: the profiles' ``spacing``
        (per axis, or a matrix) applied to the data coordinates, without an
        offset. No world columns are written when neither gives them or when
        distances are in pixels.
    planes : sequence of int, optional
        The plane index of each profile, for a ``plane`` column.
    metadata : mapping, optional
        Entries added to the JSON record, e.g. ``{"image": "cells"}``.
    sidecar : str, os.PathLike or bool, optional
        Where to write the JSON record: True (default) beside ``path``, False
        not at all, or a path.

    Raises
    ------
    ValueError
        Naming the parameter: ``profiles`` empty, mixing numbers of axes or
        distance units; ``lines`` or ``planes`` not one integer per profile;
        ``axis_labels`` of the wrong length, repeated or holding a comma, quote or
        newline; ``units`` not one name or one per axis.
    """
    profiles = list(profiles)
    if not profiles:
        raise ValueError("`profiles` must hold at least one Profile, got none")
    count = len(profiles)
    numbers = list(range(count)) if lines is None else checks.integers(lines, "lines")
    if len(numbers) != count:
        raise ValueError(f"`lines` must hold one number per profile ({count}), got {len(numbers)}")
    plane_numbers = None if planes is None else checks.integers(planes, "planes")
    if plane_numbers is not None and len(plane_numbers) != count:
        raise ValueError(
            f"`planes` must hold one number per profile ({count}), got {len(plane_numbers)}"
        )
    ndim = profiles[0].coords.shape[1]
    if any(profile.coords.shape[1] != ndim for profile in profiles):
        raise ValueError("`profiles` must all have the same number of coordinate axes")
    labels = default_axis_labels(ndim) if axis_labels is None else axis_labels
    labels = check_axis_labels(labels, ndim)
    axis_units = checks.units(units, ndim)
    unit = _distance_unit(profiles, axis_units)
    world_units = _world_units(axis_units, ndim, unit, world is not None)
    matrices = [_per_axis_spacing(profile, ndim) for profile in profiles]
    if world is None and any(matrix is None for matrix in matrices):
        world_units = None  # a plane's spacing only: the other axes' sizes are unknown
    columns = _csv_columns(
        labels, distance_unit=unit, world_units=world_units, planes=plane_numbers is not None
    )
    with open(os.fspath(path), "w", encoding="utf-8", newline="") as file:
        file.write(",".join(columns) + "\n")
        for i, profile in enumerate(profiles):
            parts = [profile.distance[:, None], profile.coords]
            if world_units is not None:
                matrix = matrices[i]
                parts.append(
                    np.asarray(world(profile.coords), dtype=np.float64)
                    if world is not None
                    else profile.coords @ np.asarray(matrix).T
                )
            parts += [profile.values[:, None], profile.derivative[:, None]]
            table = np.column_stack(parts)
            first = f"{numbers[i]}," + ("" if plane_numbers is None else f"{plane_numbers[i]},")
            # repr of a Python float is its shortest exact form: 0.1, 1e-05, nan, inf.
            file.writelines(first + ",".join(map(repr, row)) + "\n" for row in table.tolist())
    if sidecar is False:
        return
    record: dict[str, Any] = {
        "napari_derivatives_version": package_version(),
        "csv": Path(os.fspath(path)).name,
        **(metadata or {}),
        "distance_unit": unit,
        "columns": _column_notes(columns, ndim, plane_numbers is not None),
        "lines": [
            {
                "line": numbers[i],
                **({} if plane_numbers is None else {"plane": plane_numbers[i]}),
                "length": float(profile.distance[-1]),
                "samples": len(profile.distance),
                "spacing": profile.spacing,
                "units": profile.units,
                **(profile.settings or {}),
            }
            for i, profile in enumerate(profiles)
        ],
    }
    write_json(record, sidecar_path(path) if sidecar is True else sidecar)
