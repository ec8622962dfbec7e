"""The options of the ``napari-derivatives`` command, and their one-line errors.

Each option defaults to the Python API's own default (read from its signature), so a
default is written once, in the API.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from ._cli_io import CommandError
from ._core.choices import (
    BOUNDARY_MODES,
    DERIVATIVE_SOURCES,
    METHODS,
    ORDERS,
    REDUCTIONS,
    SAMPLING_MODES,
)
from ._core.gradients import gradient_outputs
from ._core.named_outputs import ALL_OUTPUTS, derivative_outputs
from ._core.profiles import line_profile

_Number = TypeVar("_Number", int, float)

RGB_HELP = (
    "An RGB(A) TIFF (photometric RGB) is converted to its Rec. 709 luminance, "
    "0.2125 R + 0.7154 G + 0.0721 B (alpha ignored), as the gradient widget does."
)


def default(function: Callable[..., object], name: str) -> Any:
    # The options default to the Python API's own defaults, written once, there.
    return inspect.signature(function).parameters[name].default


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, as every other error of the command."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{message} (see {self.prog} --help)")


def numbers(text: str, kind: type[_Number], option: str) -> list[_Number]:
    try:
        return [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError(
            f"{option} must be comma-separated {kind.__name__}s, got {text!r}"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="napari-derivatives",
        description="Image derivatives in physical units, for images larger than memory.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    common = OneLineParser(add_help=False)
    common.add_argument(
        "--spacing",
        help="pixel size: one number, or one per axis, comma-separated (default: an "
        "OME-Zarr input's scale, otherwise 1)",
    )
    common.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a dask.distributed scheduler to run on (default: this machine)",
    )
    common.add_argument("--quiet", action="store_true", help="no progress bar")
    common.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing output (only one this command wrote)",
    )

    gradient = commands.add_parser(
        "gradient",
        parents=[common],
        help="write gradients, Hessians, orientation and their colour pictures",
        description=(
            "Differentiate a TIFF, .npy or zarr image: gradient components, magnitude "
            "and direction; Hessian components, Laplacian and eigenvalues; the structure "
            "tensor's eigenvalues, orientation and coherence; the colour survey and the "
            "direction colour (uint8 RGB: the colour axis last in a TIFF or .npy, first, as "
            "the channel axis c, in OME-Zarr). A zarr input (an array, a group "
            "holding one array or one OME-Zarr image, or a path inside a store) gives an "
            "OUTPUT store (ending in .zarr) with one OME-Zarr image per output, "
            "OUTPUT/NAME, its float32 array at OUTPUT/NAME/0, computed chunk by chunk; an "
            "OME-Zarr input gives its pixel size, units and space axes as the defaults of "
            "--spacing, --units and --axes. A TIFF or .npy input gives a folder OUTPUT with "
            "one file per output in the input's format (or an OME-Zarr store if OUTPUT ends "
            "in .zarr). " + RGB_HELP
        ),
    )
    gradient.add_argument("input", metavar="INPUT")
    gradient.add_argument(
        "--units",
        help="unit of the spacing: one NGFF unit name (micrometer, nanometer, second; um, "
        "nm, s), or one per axis, comma-separated, written to the OME-Zarr outputs "
        "(default: an OME-Zarr input's units, otherwise none)",
    )
    gradient.add_argument("output", metavar="OUTPUT")
    gradient.add_argument("--method", default=default(gradient_outputs, "method"), choices=METHODS)
    default_outputs = ",".join(default(gradient_outputs, "outputs"))
    gradient.add_argument(
        "--outputs",
        default=default_outputs,
        help=f"comma-separated, among {', '.join(ALL_OUTPUTS)} (default {default_outputs})",
    )
    gradient.add_argument(
        "--axes",
        help="axes to differentiate, comma-separated; negatives need '=': --axes=-2,-1 "
        "(default: every axis, as the Python API)",
    )
    gradient.add_argument(
        "--sigma",
        type=float,
        default=default(gradient_outputs, "sigma"),
        help="Gaussian sigma in units of spacing",
    )
    gradient.add_argument(
        "--rho",
        type=float,
        default=default(derivative_outputs, "rho"),
        help="integration scale of the structure tensor (orientation, coherence, "
        "structure_eigenvalue_N, colour_survey) in units of spacing",
    )
    gradient.add_argument(
        "--contrast-limits",
        metavar="LOW,HIGH",
        help="intensities shown black and full brightness in colour_survey "
        "(default: the minimum and maximum of the central plane)",
    )
    gradient.add_argument(
        "--mode", default=default(gradient_outputs, "mode"), choices=BOUNDARY_MODES
    )

    profile = commands.add_parser(
        "profile",
        parents=[common],
        help="write line profiles and their derivative to CSV",
        description="Sample an image along lines or polylines and differentiate along them; "
        "writes the CSV of the line derivative panel. " + RGB_HELP,
    )
    profile.add_argument("input", metavar="IMAGE")
    profile.add_argument(
        "--line",
        action="append",
        required=True,
        help="vertices in pixel coordinates, 'y0,x0,y1,x1' for a line in 2D, more "
        "numbers for a polyline or more axes (image.ndim numbers per vertex); repeatable",
    )
    profile.add_argument("--csv", required=True, metavar="OUT.csv")
    profile.add_argument("--step", type=float, default=default(line_profile, "step"))
    profile.add_argument(
        "--order", type=int, default=default(line_profile, "order"), choices=ORDERS
    )
    profile.add_argument("--width", type=int, default=default(line_profile, "width"))
    profile.add_argument("--smooth", type=float, default=default(line_profile, "smooth"))
    profile.add_argument("--reduce", default=default(line_profile, "reduce"), choices=REDUCTIONS)
    profile.add_argument("--mode", default=default(line_profile, "mode"), choices=SAMPLING_MODES)
    profile.add_argument(
        "--derivative-of",
        default=default(line_profile, "derivative_of"),
        choices=DERIVATIVE_SOURCES,
        help="samples: central differences of the sampled values; interpolant: the exact "
        "derivative of the order 1 or 3 interpolant along the line (no --smooth)",
    )
    return parser
