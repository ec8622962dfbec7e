"""Image derivatives for napari, in physical units.

The public API is plain functions on arrays (numpy, scipy; dask in gives dask out)
plus napari glue that is imported lazily, so ``import napari_derivatives`` never
loads napari or Qt.

Pure functions
--------------
gradient, gradient_magnitude, gradient_direction, gradient_outputs
    Partial derivatives, their magnitude and the direction of steepest ascent,
    in intensity per physical unit.
derivative, hessian, hessian_eigenvalues, laplacian
    Derivatives of any order (up to 4), the Hessian, its eigenvalues and its
    trace, in intensity per physical unit to the order.
structure_tensor, structure_tensor_eigenvalues, orientation, coherence
    The structure tensor (intensity squared per unit squared), the angle of the
    dominant gradient (radians) and how oriented the image is (0 to 1).
second_order_outputs
    Named second-order outputs, computed together (for layers and batch runs).
line_profile, profiles_to_csv
    Intensity along a line or polyline and its derivative along the line; its
    edges (``Profile.find_edges``), their widths and the distances between them.
kymograph
    One line through every frame of a stack (time or z), and an edge's velocity.
BOUNDARY_MODES, DEFAULT_MODE, SAMPLING_MODES, METHODS, OUTPUTS
    The values the options take: border modes of the gradient functions (and
    their default) and of line profiles, operators, named outputs.
SECOND_ORDER_METHODS, SECOND_ORDER_OUTPUTS
    The operators and named outputs of the second-order functions.
rgb_to_luminance
    The Rec. 709 luminance of a colour image.

napari glue (imports napari on first use)
-----------------------------------------
add_gradient_layers, add_hessian_layers, add_orientation_layers
    Add (or update) gradient, Hessian or orientation layers for an image layer of a
    viewer.
profile_shapes
    Profile an image layer along the lines of a Shapes layer.

The package is three rings, as folders: ``_core`` (numpy, scipy, dask), ``_napari``
(layers <-> arrays, without Qt) and ``_qt`` (widgets and the plot); see
``docs/architecture.md``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from ._core.choices import (
    BOUNDARY_MODES,
    DEFAULT_MODE,
    METHODS,
    OUTPUTS,
    SAMPLING_MODES,
    SECOND_ORDER_METHODS,
    SECOND_ORDER_OUTPUTS,
)
from ._core.export import profiles_to_csv
from ._core.gradients import gradient, gradient_direction, gradient_magnitude, gradient_outputs
from ._core.hessian import derivative, hessian, hessian_eigenvalues, laplacian
from ._core.kymograph import EdgeTrack, Kymograph, kymograph
from ._core.luminance import rgb_to_luminance
from ._core.profiles import Edge, Profile, line_profile
from ._core.second_order import second_order_outputs
from ._core.structure import (
    coherence,
    orientation,
    structure_tensor,
    structure_tensor_eigenvalues,
)

if TYPE_CHECKING:
    from ._napari.gradient_layers import add_gradient_layers
    from ._napari.line_profiles import profile_shapes
    from ._napari.second_order_layers import add_hessian_layers, add_orientation_layers

try:
    # The version is written once, in pyproject.toml; the installed metadata carries it.
    __version__ = version("napari-derivatives")
except PackageNotFoundError:  # pragma: no cover - run from a source tree, not installed
    __version__ = "unknown"

_LAZY = {
    "add_gradient_layers": "._napari.gradient_layers",
    "add_hessian_layers": "._napari.second_order_layers",
    "add_orientation_layers": "._napari.second_order_layers",
    "profile_shapes": "._napari.line_profiles",
}

__all__ = [
    "BOUNDARY_MODES",
    "DEFAULT_MODE",
    "METHODS",
    "OUTPUTS",
    "SAMPLING_MODES",
    "SECOND_ORDER_METHODS",
    "SECOND_ORDER_OUTPUTS",
    "Edge",
    "EdgeTrack",
    "Kymograph",
    "Profile",
    "__version__",
    "add_gradient_layers",
    "add_hessian_layers",
    "add_orientation_layers",
    "coherence",
    "derivative",
    "gradient",
    "gradient_direction",
    "gradient_magnitude",
    "gradient_outputs",
    "hessian",
    "hessian_eigenvalues",
    "kymograph",
    "laplacian",
    "line_profile",
    "orientation",
    "profile_shapes",
    "profiles_to_csv",
    "rgb_to_luminance",
    "second_order_outputs",
    "structure_tensor",
    "structure_tensor_eigenvalues",
]


def __getattr__(name: str) -> Any:
    # The napari glue is loaded on first use so that the pure API stays light.
    if name in _LAZY:
        import importlib

        module = importlib.import_module(_LAZY[name], __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
