"""CSV export of profiles: the columns and their rules, in one place."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Protocol

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


#: The columns every profile CSV has besides one coordinate column per axis.
FIXED_COLUMNS = ("line", "distance", "intensity", "derivative")

#: Characters a column name cannot hold in a plain CSV.
_FORBIDDEN = ',"\r\n'


def _default_axis_labels(ndim: int) -> list[str]:
    """Return the coordinate column names used when none are given.

    Parameters
    ----------
    ndim : int
        Number of axes.

    Returns
    -------
    list of str
        The last ``ndim`` of ``("z", "y", "x")``, or ``axis_0, axis_1, ...`` beyond 3 axes.
    """
    return list(("z", "y", "x")[-ndim:]) if ndim <= 3 else [f"axis_{i}" for i in range(ndim)]


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


def profiles_to_csv(
    profiles: Iterable[_ProfileLike],
    path: str | os.PathLike[str],
    *,
    axis_labels: Sequence[str] | None = None,
    lines: Sequence[int] | None = None,
) -> None:
    """Write profiles to one CSV file, a row per sample.

    The columns are ``line, distance, <one per axis>, intensity, derivative``,
    where ``line`` is the index of the profile in ``profiles``, or the number
    given for it in ``lines``. Numbers are
    written with full precision (shortest round-trip form), NaN as ``nan``; the
    file reads back with ``numpy.genfromtxt(path, delimiter=",", names=True)``.

    Parameters
    ----------
    profiles : iterable of Profile
        At least one profile; all with the same number of coordinates.
    path : str or os.PathLike
        File to write (overwritten), UTF-8.
    axis_labels : sequence of str, optional
        Names of the coordinate columns, one per axis. Default: the last
        ``ndim`` of ``("z", "y", "x")``, or ``axis_0, axis_1, ...`` beyond 3 axes.
    lines : sequence of int, optional
        The number written in the ``line`` column for each profile, for example
        the index of its shape in a napari Shapes layer. Default: 0, 1, 2, ...

    Raises
    ------
    ValueError
        If ``profiles`` is empty or mixes numbers of axes, ``lines`` does not
        have one integer per profile, or ``axis_labels`` has the wrong length,
        repeats a name or holds a comma, quote or newline.
    """
    profiles = list(profiles)
    if not profiles:
        raise ValueError("`profiles` must hold at least one Profile, got none")
    numbers = list(range(len(profiles))) if lines is None else checks.integers(lines, "lines")
    if len(numbers) != len(profiles):
        raise ValueError(
            f"`lines` must hold one number per profile ({len(profiles)}), got {len(numbers)}"
        )
    ndim = profiles[0].coords.shape[1]
    if any(profile.coords.shape[1] != ndim for profile in profiles):
        raise ValueError("`profiles` must all have the same number of coordinate axes")
    if axis_labels is None:
        labels = _default_axis_labels(ndim)
    else:
        labels = check_axis_labels(axis_labels, ndim)
    line, distance, intensity, derivative = FIXED_COLUMNS
    header = ",".join([line, distance, *labels, intensity, derivative])
    with open(os.fspath(path), "w", encoding="utf-8", newline="") as file:
        file.write(header + "\n")
        for number, profile in zip(numbers, profiles, strict=True):
            table = np.column_stack(
                [profile.distance, profile.coords, profile.values, profile.derivative]
            )
            # repr of a Python float is its shortest exact form: 0.1, 1e-05, nan, inf.
            file.writelines(
                f"{number}," + ",".join(map(repr, row)) + "\n" for row in table.tolist()
            )
