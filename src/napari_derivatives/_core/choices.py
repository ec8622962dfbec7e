"""Every value an option can take, named once for the API, the widgets and the CLI."""

from __future__ import annotations

#: Derivative operators of the gradient functions.
METHODS = ("central", "sobel", "scharr", "prewitt", "farid", "gaussian", "spline")

#: Named outputs of :func:`napari_derivatives.gradient_outputs`: the derivatives along
#: the last, second-to-last and third-to-last axes, the magnitude and the direction.
OUTPUTS = ("gx", "gy", "gz", "magnitude", "direction")

#: Component output of the last three axes, counted from the end: -1 is x.
COMPONENT_NAMES = {-1: "gx", -2: "gy", -3: "gz"}

#: Border modes of line profiles, as :mod:`scipy.ndimage` names them: how the
#: interpolation reads the half-pixel border.
SAMPLING_MODES = (
    "reflect",
    "constant",
    "nearest",
    "mirror",
    "wrap",
    "grid-constant",
    "grid-mirror",
    "grid-wrap",
)

#: Border modes of the gradient operators: how the image is extended past its border.
#: scipy's modes, plus 'extrapolate': the odd reflection about the border sample,
#: ``I[-k] = 2 I[0] - I[k]`` (numpy's ``np.pad(mode="reflect", reflect_type="odd")``),
#: which continues a ramp exactly.
BOUNDARY_MODES = (*SAMPLING_MODES, "extrapolate")

#: The border mode of the gradient functions, the gradient widget and the command line:
#: every operator is exact on a ramp up to the border.
DEFAULT_MODE = "extrapolate"

#: Modes that extend an axis with zeros instead of with samples of the image.
ZERO_MODES = ("constant", "grid-constant")

#: Modes whose extension at one end of an axis takes samples from the other end.
WRAP_MODES = ("wrap", "grid-wrap")

#: Interpolation orders of line profiles: 0 nearest pixel, 1 (bi)linear, 3 cubic spline.
ORDERS = (0, 1, 3)

#: The interpolation orders by the names the panel and the CLI show.
INTERPOLATION_ORDERS = {"nearest": 0, "linear": 1, "cubic": 3}

#: What the derivative of a line profile differentiates: central differences of the
#: sampled values, or the interpolating function itself (order 1 or 3).
DERIVATIVE_SOURCES = ("samples", "interpolant")

#: The derivative sources by the names the panel shows.
DERIVATIVE_SOURCE_NAMES = {"of the samples": "samples", "of the interpolant": "interpolant"}

#: How the ``width`` samples across a line are combined into one value.
REDUCTIONS = ("mean", "median", "max", "min")

#: Derivative operators of the second-order functions (``derivative``, ``hessian``...):
#: kernels of any order exist only for these two.
SECOND_ORDER_METHODS = ("gaussian", "central")

#: The letter of each of the last three axes, counted from the end: -1 is x.
AXIS_LETTERS = {-1: "x", -2: "y", -3: "z"}

#: Hessian components among the named outputs: those of the differentiated axes.
HESSIAN_COMPONENTS = ("Hzz", "Hzy", "Hzx", "Hyy", "Hyx", "Hxx")

#: Named outputs of :func:`napari_derivatives.second_order_outputs`.
SECOND_ORDER_OUTPUTS = (
    *HESSIAN_COMPONENTS,
    "laplacian",
    "hessian_eigenvalue_1",
    "hessian_eigenvalue_2",
    "hessian_eigenvalue_3",
    "structure_eigenvalue_1",
    "structure_eigenvalue_2",
    "structure_eigenvalue_3",
    "orientation",
    "coherence",
)

#: Colour pictures among the named outputs (uint8 RGB, see :mod:`.colour`): the
#: structure tensor's colour survey and the gradient's direction colour.
COLOUR_OUTPUTS = ("colour_survey", "direction_colour")

#: The second-order outputs of the structure tensor (the others are the Hessian's).
STRUCTURE_OUTPUTS = tuple(
    name
    for name in SECOND_ORDER_OUTPUTS
    if name.startswith("structure") or name in ("orientation", "coherence")
)

#: The units of the lengths typed in the line derivative panel (its step and smoothing):
#: pixels along the line, or the image's physical units.
LENGTH_UNITS = ("pixels", "physical")

#: Which edges of a profile ``Profile.find_edges`` keeps, by the sign of their slope.
POLARITIES = ("both", "rising", "falling")

#: Which of them it returns: the strongest, the first or last along the line, or all.
EDGE_SELECTIONS = ("strongest", "first", "last", "all")
