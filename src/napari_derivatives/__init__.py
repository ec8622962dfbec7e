"""Image derivatives for napari, in physical units.

The public API is plain functions on arrays (numpy/scipy only) plus napari glue that
is imported lazily, so ``import napari_derivatives`` never loads napari or Qt.

Pure functions
--------------
gradient, gradient_magnitude, gradient_direction, gradient_outputs
    Partial derivatives, their magnitude and the direction of steepest ascent,
    in intensity per physical unit.
line_profile
    Intensity along a line or polyline and its derivative along the line.

napari glue (imports napari on first use)
-----------------------------------------
add_gradient_layers
    Add (or update) gradient layers for an image layer of a viewer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._gradients import (
    METHODS,
    OUTPUTS,
    gradient,
    gradient_direction,
    gradient_magnitude,
    gradient_outputs,
    rgb_to_luminance,
)
from ._profiles import Edge, Profile, line_profile, profiles_to_csv

if TYPE_CHECKING:
    from ._layers import add_gradient_layers, profile_shapes

__version__ = "0.1.0"

_LAZY = {
    "add_gradient_layers": "._layers",
    "profile_shapes": "._layers",
}

__all__ = [
    "METHODS",
    "OUTPUTS",
    "Edge",
    "Profile",
    "__version__",
    "add_gradient_layers",
    "gradient",
    "gradient_direction",
    "gradient_magnitude",
    "gradient_outputs",
    "line_profile",
    "profile_shapes",
    "profiles_to_csv",
    "rgb_to_luminance",
]


def __getattr__(name: str) -> Any:
    # The napari glue is loaded on first use so that the pure API stays light.
    if name in _LAZY:
        import importlib

        module = importlib.import_module(_LAZY[name], __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
