"""OME-Zarr (NGFF) image metadata for the command line: axes, units, scale and translation.

The command writes each output as an OME-Zarr image group inside the output store
(``out.zarr/gx/`` holding its array at ``out.zarr/gx/0``), with the ``multiscales``
metadata of NGFF 0.5 (zarr v3, under the ``ome`` attribute): the axes with their names,
types and units, and the pixel size (``scale``) and origin (``translation``) of the
array. OME-Zarr readers (napari's ``napari-ome-zarr``, Fiji's MoBIE, neuroglancer...)
then show a gradient at its physical size, on top of its source.

It reads the same metadata from OME-Zarr inputs, versions 0.4 (zarr v2, ``multiscales``
at the top of the attributes) and 0.5: the full-resolution level is differentiated,
with its pixel size as the spacing and along its space axes, unless the options say
otherwise. Nothing here needs the ``ome-zarr`` package: the metadata is plain JSON.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

#: The NGFF version written.
NGFF_VERSION = "0.5"

#: The path, inside each image group, of its only (full-resolution) array.
LEVEL = "0"

_SPACE_UNITS = (
    "angstrom", "attometer", "centimeter", "decimeter", "exameter", "femtometer", "foot",
    "gigameter", "hectometer", "inch", "kilometer", "megameter", "meter", "micrometer", "mile",
    "millimeter", "nanometer", "parsec", "petameter", "picometer", "terameter", "yard",
    "yoctometer", "yottameter", "zeptometer", "zettameter",
)  # fmt: skip
_TIME_UNITS = (
    "attosecond", "centisecond", "day", "decisecond", "exasecond", "femtosecond", "gigasecond",
    "hectosecond", "hour", "kilosecond", "megasecond", "microsecond", "millisecond", "minute",
    "nanosecond", "petasecond", "picosecond", "second", "terasecond", "yoctosecond",
    "yottasecond", "zeptosecond", "zettasecond",
)  # fmt: skip
#: Short names a user (or napari's ``layer.units``) writes, and their NGFF names.
_ABBREVIATIONS = {
    "um": "micrometer", "µm": "micrometer", "μm": "micrometer", "micron": "micrometer",
    "nm": "nanometer", "mm": "millimeter", "cm": "centimeter", "m": "meter", "Å": "angstrom",
    "s": "second", "sec": "second", "ms": "millisecond", "us": "microsecond",
    "µs": "microsecond", "min": "minute", "h": "hour",
}  # fmt: skip


@dataclass(frozen=True)
class Axes:
    """The axes of an image: names, NGFF types and units, pixel size and origin.

    ``types`` and ``units`` hold ``None`` where the metadata says nothing.
    ``scale`` and ``translation`` are in the units of each axis.
    """

    names: tuple[str, ...]
    types: tuple[str | None, ...]
    units: tuple[str | None, ...]
    scale: tuple[float, ...]
    translation: tuple[float, ...]

    @property
    def space(self) -> tuple[int, ...]:
        """The indices of the space axes (all, if no axis has a type)."""
        if all(kind is None for kind in self.types):
            return tuple(range(len(self.names)))
        return tuple(i for i, kind in enumerate(self.types) if kind == "space")


def unit_name(text: str) -> str:
    """Return the NGFF name of a unit (``"um"`` -> ``"micrometer"``).

    Raises
    ------
    ValueError
        If the unit is neither an NGFF space or time unit nor a known abbreviation.
    """
    name = _ABBREVIATIONS.get(text.strip(), text.strip().lower())
    if name not in _SPACE_UNITS + _TIME_UNITS:
        raise ValueError(
            f"`units` must be NGFF unit names such as micrometer, nanometer, second "
            f"(or um, nm, s), got {text!r}"
        )
    return name


def _unit_type(unit: str | None) -> str | None:
    if unit in _SPACE_UNITS:
        return "space"
    if unit in _TIME_UNITS:
        return "time"
    return None


def default_axes(
    ndim: int, spacing: Sequence[float] | None = None, units: Sequence[str] | None = None
) -> Axes:
    """Axes for an array without metadata: ``..., t, z, y, x`` in NGFF's order.

    The last three axes (at most) are space; a fourth from the end is time and a fifth
    a channel, unless ``units`` says otherwise (a space or time unit gives that type).
    """
    canonical = ("c", "t", "z", "y", "x")
    names = tuple(canonical[-ndim:]) if ndim <= 5 else tuple(f"dim_{i}" for i in range(ndim))
    kinds = {"c": "channel", "t": "time", "z": "space", "y": "space", "x": "space"}
    types: list[str | None] = [kinds.get(name) for name in names]
    unit_list: list[str | None] = [None] * ndim
    for i, unit in enumerate(units or ()):
        unit_list[i] = unit
        types[i] = _unit_type(unit) or types[i]
    return Axes(
        names=names,
        types=tuple(types),
        units=tuple(unit_list),
        scale=tuple(float(s) for s in spacing) if spacing is not None else (1.0,) * ndim,
        translation=(0.0,) * ndim,
    )


def with_options(axes: Axes, spacing: Sequence[float] | None, units: Sequence[str] | None) -> Axes:
    """Return ``axes`` with the pixel sizes and units the user gave instead of the file's."""
    if spacing is not None:
        axes = replace(axes, scale=tuple(float(s) for s in spacing))
    if units is not None:
        types = tuple(_unit_type(u) or t for u, t in zip(units, axes.types, strict=True))
        axes = replace(axes, units=tuple(units), types=types)
    return axes


def with_channel(axes: Axes) -> Axes:
    """Return ``axes`` with a channel axis ``c`` (an RGB picture's colours) in front."""
    return Axes(
        names=("c", *axes.names),
        types=("channel", *axes.types),
        units=(None, *axes.units),
        scale=(1.0, *axes.scale),
        translation=(0.0, *axes.translation),
    )


def image_attributes(axes: Axes, name: str) -> dict[str, Any]:
    """Return the attributes of an NGFF 0.5 image group, its one array at :data:`LEVEL`."""
    entries = []
    for axis, kind, unit in zip(axes.names, axes.types, axes.units, strict=True):
        entry = {"name": axis}
        if kind is not None:
            entry["type"] = kind
        if unit is not None:
            entry["unit"] = unit
        entries.append(entry)
    transformations: list[dict[str, Any]] = [{"type": "scale", "scale": list(axes.scale)}]
    if any(axes.translation):
        transformations.append({"type": "translation", "translation": list(axes.translation)})
    multiscale = {
        "name": name,
        "axes": entries,
        "datasets": [{"path": LEVEL, "coordinateTransformations": transformations}],
    }
    return {"ome": {"version": NGFF_VERSION, "multiscales": [multiscale]}}


def _multiscale(attributes: Mapping[str, Any]) -> Mapping[str, Any] | None:
    ome = attributes.get("ome", attributes)  # 0.5 nests under "ome"; 0.4 does not
    multiscales = ome.get("multiscales") if isinstance(ome, Mapping) else None
    if isinstance(multiscales, list) and multiscales and isinstance(multiscales[0], Mapping):
        return multiscales[0]
    return None


def _transform(transformations: Any, kind: str, ndim: int, neutral: float) -> list[float]:
    values = [neutral] * ndim
    for transformation in transformations or ():
        if transformation.get("type") == kind:
            given = [float(v) for v in transformation[kind]]
            if len(given) != ndim:
                raise ValueError(f"its {kind} has {len(given)} values for {ndim} axes")
            values = given
    return values


def read_image_metadata(attributes: Mapping[str, Any]) -> tuple[str, Axes] | None:
    """Return the path of the full-resolution array and its axes, for an NGFF image group.

    ``None`` if the attributes hold no ``multiscales`` (not an OME-Zarr image).

    Raises
    ------
    ValueError
        If the metadata is there but malformed (says what is wrong).
    """
    multiscale = _multiscale(attributes)
    if multiscale is None:
        return None
    try:
        axes = [
            {"name": axis} if isinstance(axis, str) else dict(axis) for axis in multiscale["axes"]
        ]
        level = multiscale["datasets"][0]
        ndim = len(axes)
        scale = _transform(level.get("coordinateTransformations"), "scale", ndim, 1.0)
        shift = _transform(level.get("coordinateTransformations"), "translation", ndim, 0.0)
        # A transformation of the whole multiscale applies after the level's own.
        overall = multiscale.get("coordinateTransformations")
        factor = _transform(overall, "scale", ndim, 1.0)
        offset = _transform(overall, "translation", ndim, 0.0)
        units = [unit_name(axis["unit"]) if axis.get("unit") else None for axis in axes]
        result = Axes(
            names=tuple(str(axis["name"]) for axis in axes),
            types=tuple(axis.get("type") for axis in axes),
            units=tuple(units),
            scale=tuple(s * f for s, f in zip(scale, factor, strict=True)),
            translation=tuple(t * f + o for t, f, o in zip(shift, factor, offset, strict=True)),
        )
        path = str(level["path"])
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as error:
        raise ValueError(f"its OME-Zarr multiscales metadata is malformed: {error}") from None
    if not all(math.isfinite(s) and s > 0 for s in result.scale):
        raise ValueError(f"its OME-Zarr scale must be finite and > 0, got {list(result.scale)}")
    return path, result


def value_unit(axes: Axes, differentiated: Sequence[int]) -> str:
    """Name the unit of derivatives along ``differentiated``: ``intensity per micrometer``."""
    units = {axes.units[i] for i in differentiated}
    if len(units) == 1 and None not in units:
        return f"intensity per {units.pop()}"
    return "intensity per unit of each axis's scale"
