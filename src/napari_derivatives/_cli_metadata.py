"""The pixel size an image file records, for the command line when ``--spacing`` is not given.

ImageJ and OME TIFFs record it (OME-Zarr metadata is read elsewhere). Nothing here imports
napari or Qt: the command line is a shell over the core.
"""

from __future__ import annotations

import os
from pathlib import Path

# How ImageJ and OME spell units, as the CSV's column names spell them.
_UNIT_NAMES = {"micron": "µm", "um": "µm", "\\u00B5m": "µm", "μm": "µm", "nanometer": "nm"}


def _unit_name(unit: object) -> str | None:
    text = str(unit).strip() if unit is not None else ""
    if not text or text.lower() in ("pixel", "pixels", "px"):
        return None
    return _UNIT_NAMES.get(text, text)


def _ome_sizes(xml: str) -> tuple[dict[str, float], str | None]:
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.fromstring(xml)
    pixels = next((node for node in root.iter() if node.tag.endswith("}Pixels")), None)
    if pixels is None:
        return {}, None
    sizes, units = {}, set()
    for axis in "XYZ":
        value = pixels.get(f"PhysicalSize{axis}")
        if value is not None:
            sizes[axis] = float(value)
            units.add(_unit_name(pixels.get(f"PhysicalSize{axis}Unit", "µm")))
    return sizes, units.pop() if len(units) == 1 else None


def tiff_pixel_size(path: str | os.PathLike[str]) -> tuple[list[float], str | None] | None:
    """Return the pixel size of a TIFF's first series per axis, and its unit, if recorded.

    OME-TIFF: ``PhysicalSizeX/Y/Z`` (and their units); ImageJ TIFF: the X and Y
    resolution tags (pixels per unit) with the ``unit`` and z ``spacing`` of its
    metadata. Axes without a size (time, channels) get 1. None when the file records
    no pixel size, or is not a TIFF.
    """
    path = Path(path)
    if path.suffix.lower() not in (".tif", ".tiff") or not path.is_file():
        return None
    import tifffile

    with tifffile.TiffFile(path) as tiff:
        series = tiff.series[0]
        axes = series.axes.replace("S", "") if "S" in series.axes else series.axes
        sizes: dict[str, float] = {}
        unit = None
        if tiff.is_ome and tiff.ome_metadata:
            sizes, unit = _ome_sizes(tiff.ome_metadata)
        elif tiff.is_imagej and tiff.imagej_metadata is not None:
            meta = tiff.imagej_metadata
            tags = series.keyframe.tags
            for axis, tag in (("X", "XResolution"), ("Y", "YResolution")):
                if tag in tags:
                    numerator, denominator = tags[tag].value
                    if numerator:
                        sizes[axis] = denominator / numerator
            if "spacing" in meta:
                sizes["Z"] = float(meta["spacing"])
            unit = _unit_name(meta.get("unit"))
        if not sizes or (all(value == 1.0 for value in sizes.values()) and unit is None):
            return None
        return [float(sizes.get(axis, 1.0)) for axis in axes], unit
