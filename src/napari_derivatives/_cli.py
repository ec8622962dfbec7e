"""The ``napari-derivatives`` command: gradients and line profiles without a viewer.

``napari-derivatives gradient INPUT OUTPUT`` differentiates a TIFF, ``.npy`` or zarr
image with dask, chunk by chunk (a zarr volume is never loaded whole) and writes one
float32 array per output, as an OME-Zarr image (``OUTPUT/gx/0``, its axes, units and
pixel size in ``OUTPUT/gx``: :mod:`napari_derivatives._ngff`), whose metadata it also
reads from OME-Zarr inputs; ``napari-derivatives profile IMAGE --line ... --csv OUT``
writes the CSV of the line derivative panel. ``--scheduler ADDRESS`` runs the work on
an existing dask.distributed cluster. The values are those of the Python API. An RGB(A)
TIFF is first converted to its Rec. 709 luminance, as the gradient widget does.

Outputs appear only when complete: they are written to a hidden sibling path that is
renamed on success and removed on failure, and an existing output is replaced only
with ``--overwrite`` (see :mod:`napari_derivatives._cli_io`). Every failure a user can
cause (a bad option, an unreadable or corrupt input, an output that cannot be written,
a full disk, an unreachable scheduler) gives one line on stderr naming the file or
option, and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from ._cli_io import (
    CommandError,
    atomic_output,
    check_output,
    compute,
    one_line,
    scheduler,
    write_files,
    write_zarr,
    writing,
)
from ._cli_metadata import tiff_pixel_size
from ._cli_options import build_parser, default, numbers
from ._cli_read import read_image
from ._core.checks import real_lazy_image
from ._core.export import profiles_to_csv, sidecar_path
from ._core.named_outputs import derivative_outputs
from ._core.profiles import line_profile
from ._ngff import Axes, default_axes, unit_name, value_unit, with_options

if TYPE_CHECKING:
    import dask.array as da

_Number = TypeVar("_Number", int, float)

#: Exit code for bad input or options, unreadable or unwritable files (as argparse uses).
EXIT_USAGE = 2

#: Exit code after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130

#: Errors the core raises for values it cannot work with; a bug raises others.
_VALUE_ERRORS = (ValueError, TypeError, ArithmeticError, MemoryError)

# --- the core's errors, in the command's words -------------------------------------------

_PARAMETER = re.compile(r"`(\w+)`")


@contextlib.contextmanager
def _core_errors(names: dict[str, str], context: str) -> Iterator[None]:
    """Report the core's errors about values as one line naming the option or file.

    A message of :mod:`napari_derivatives._core.checks` starts with the parameter in
    backticks, which ``names`` maps to its option or file ("`sigma` must be..." becomes
    "--sigma must be..."); any other (a kernel too large for memory, say) follows
    ``context``, which names the file and the options given.
    """
    try:
        yield
    except _VALUE_ERRORS as error:
        message = one_line(error)
        parameter = _PARAMETER.match(message)
        if parameter and parameter.group(1) in names:
            raise CommandError(names[parameter.group(1)] + message[parameter.end() :]) from None
        raise CommandError(f"{context}: {message}") from None


def _given(args: argparse.Namespace, function: Callable[..., object], names: Iterable[str]) -> str:
    """Show the options among ``names`` given values other than their defaults."""
    shown = []
    for name in names:
        value = getattr(args, name)
        if value is not None and value != default(function, name):
            option = "--" + name.replace("_", "-")
            shown.append(
                f"{option} {value:g}" if isinstance(value, float) else f"{option} {value}"
            )
    return " with " + " ".join(shown) if shown else ""


def _read(path: str, quiet: bool = True) -> tuple[da.Array, str, Axes | None]:
    """Open an image and check that the core can differentiate it (numeric, real, >= 1-D).

    Also return its axes as the file records them: an OME-Zarr image's metadata, or the
    pixel size (and unit) of an ImageJ or OME TIFF; None when it records nothing.
    """
    image, kind, axes = read_image(path)
    if axes is None and kind == "tif":
        axes = _tiff_axes(path, image.ndim, quiet)
    with _core_errors({"image": str(path)}, f"cannot read {path}"):
        real_lazy_image(image)
    if axes is not None and len(axes.names) != image.ndim:
        raise CommandError(
            f"cannot read {path}: its OME-Zarr metadata has {len(axes.names)} axes "
            f"for an array of shape {image.shape}"
        )
    return image, kind, axes


def _spacing(args: argparse.Namespace, axes: Axes | None) -> float | list[float] | None:
    """Return the --spacing given (one number or one per axis), else an OME-Zarr scale."""
    if args.spacing is None:
        return None if axes is None else list(axes.scale)
    spacing = numbers(args.spacing, float, "--spacing")
    return spacing[0] if len(spacing) == 1 else spacing


def _units(text: str | None, ndim: int) -> list[str] | None:
    if text is None:
        return None
    try:
        units = [unit_name(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise CommandError("--units" + str(error).removeprefix("`units`")) from None
    if len(units) not in (1, ndim):
        raise CommandError(
            f"--units must be one unit or {ndim} (one per axis), got {len(units)}: {text!r}"
        )
    return units * ndim if len(units) == 1 else units


# --- the commands ------------------------------------------------------------------------

# How the CSV's column names spell the NGFF units of a file's metadata.
_SHORT_UNITS = {"micrometer": "µm", "nanometer": "nm", "millimeter": "mm", "second": "s"}

_GRADIENT_OPTIONS = ("method", "spacing", "axes", "sigma", "rho", "mode")
_PROFILE_OPTIONS = (
    "spacing",
    "step",
    "order",
    "width",
    "smooth",
    "reduce",
    "mode",
    "derivative_of",
)


def _gradient_command(args: argparse.Namespace) -> None:
    output = Path(args.output)
    to_zarr = output.suffix == ".zarr"
    output_kind = "zarr" if to_zarr else "folder"
    check_output(output, args.overwrite, output_kind)  # before reading anything
    image, kind, file_axes = _read(args.input, args.quiet)
    if kind == "zarr" and not to_zarr:
        raise CommandError(
            f"OUTPUT must end in .zarr for a zarr input (got {output}), "
            "so that the result is written chunk by chunk"
        )
    units = _units(args.units, image.ndim)
    outputs = [name.strip() for name in args.outputs.split(",") if name.strip()]
    axes = None if args.axes is None else numbers(args.axes, int, "--axes")
    if axes is None and file_axes is not None and len(file_axes.space) < image.ndim:
        axes = list(file_axes.space)  # never across time or channels
    options = {
        "method": args.method,
        "spacing": _spacing(args, file_axes),
        "axes": axes,
        "sigma": args.sigma,
        "rho": args.rho,
        "mode": args.mode,
    }
    limits = None
    if args.contrast_limits is not None:
        limits = numbers(args.contrast_limits, float, "--contrast-limits")
    names = {"image": str(args.input), "outputs": "--outputs"}
    names |= {name: f"--{name}" for name in options}
    names["contrast_limits"] = "--contrast-limits"
    context = f"cannot differentiate {args.input} of shape {image.shape}"
    context += _given(args, derivative_outputs, _GRADIENT_OPTIONS)
    with _core_errors(names, context):
        # One graph for the gradient outputs: each block computes each component once.
        results = derivative_outputs(
            image, outputs, shared=True, contrast_limits=limits, **options
        )

    with (
        scheduler(args.scheduler) as client,
        atomic_output(output, args.overwrite, output_kind) as target,
        _core_errors(names, context),
    ):
        if to_zarr:
            chunks = tuple(max(sizes) for sizes in image.chunks)
            spacing = np.broadcast_to(np.asarray(options["spacing"] or 1.0, float), image.ndim)
            ome = with_options(file_axes or default_axes(image.ndim), spacing.tolist(), units)
            differentiated = range(image.ndim) if axes is None else axes
            attributes = {
                "source": str(args.input),
                **options,
                "units": ome.units,
                "value_unit": value_unit(ome, [i % image.ndim for i in differentiated]),
            }
            work = write_zarr(results, target, output, chunks, attributes, ome)
            compute(work, client, args.quiet)
        else:
            write_files(compute(results, client, args.quiet), target, output, kind)
    if not args.quiet:
        print(f"wrote {', '.join(results)} to {output}", file=sys.stderr)


def _tiff_axes(path: str, ndim: int, quiet: bool) -> Axes | None:
    """Return the axes of a TIFF that records its pixel size (ImageJ, OME), else None."""
    try:
        recorded = tiff_pixel_size(path)
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError):
        recorded = None  # unreadable metadata: the image itself was read, 1 per axis
    if recorded is None or len(recorded[0]) != ndim:
        return None
    spacing, unit = recorded
    if not quiet:
        shown = " ".join(f"{value:g}" for value in spacing)
        print(f"spacing from TIFF metadata: {shown} {unit or ''}".rstrip(), file=sys.stderr)
    try:
        units = None if unit is None else [unit_name(unit)] * ndim
    except ValueError:
        units = None  # a unit NGFF does not name: the numbers still apply
    return default_axes(ndim, spacing, units)


def _short_units(axes: Axes | None) -> list[str] | None:
    """Return the units of every axis as CSV column names spell them, or None if any lacks one."""
    if axes is None or any(unit is None for unit in axes.units):
        return None
    return [_SHORT_UNITS.get(str(unit), str(unit)) for unit in axes.units]


def _vertices(text: str, image: da.Array, source: str) -> np.ndarray:
    values = numbers(text, float, "--line")
    if len(values) < 2 * image.ndim or len(values) % image.ndim:
        raise CommandError(
            f"--line {text!r}: need at least two vertices of {image.ndim} coordinates each "
            f"(a multiple of {image.ndim} numbers) for {source}, an image of shape {image.shape}"
        )
    return np.reshape(values, (-1, image.ndim))


def _profile_command(args: argparse.Namespace) -> None:
    csv_path = Path(args.csv)
    check_output(csv_path, args.overwrite, "file")  # before reading anything
    image, kind, file_axes = _read(args.input, args.quiet)
    paths = [_vertices(text, image, args.input) for text in args.line]
    spacing_source = "--spacing" if args.spacing is not None else "default (1 per axis)"
    if args.spacing is None and file_axes is not None:
        spacing_source = "TIFF metadata" if kind == "tif" else "OME-Zarr metadata"
    unit = _short_units(file_axes) if args.spacing is None else None  # given: unit unknown
    options = {
        "spacing": _spacing(args, file_axes),
        "step": args.step,
        "order": args.order,
        "width": args.width,
        "smooth": args.smooth,
        "reduce": args.reduce,
        "mode": args.mode,
        "derivative_of": args.derivative_of,
    }
    given = _given(args, line_profile, _PROFILE_OPTIONS)
    with scheduler(args.scheduler), atomic_output(csv_path, args.overwrite, "file") as target:
        # line_profile reads only the chunks under the samples' footprint (cubic too),
        # on the default scheduler, which is the cluster's client when one is given.
        profiles = []
        for text, path in zip(args.line, paths, strict=True):
            names = {"image": str(args.input), "path": f"--line {text!r}"}
            names |= {name: "--" + name.replace("_", "-") for name in options}
            context = f"cannot profile {args.input} along --line {text!r}{given}"
            with _core_errors(names, context):
                profiles.append(line_profile(image, path, units=unit, **options))
        json_path = sidecar_path(csv_path)
        with (
            atomic_output(json_path, True, "file") as json_target,
            writing(csv_path),
            _core_errors({}, f"cannot write {csv_path}"),
        ):
            metadata = {
                "csv": csv_path.name,
                "image": str(args.input),
                "spacing_from": spacing_source,
            }
            profiles_to_csv(profiles, target, metadata=metadata, sidecar=json_target)
    if not args.quiet:
        print(f"wrote {len(profiles)} profile(s) to {csv_path}", file=sys.stderr)


# --- main ----------------------------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _collected_warnings() -> Iterator[list[str]]:
    """Hold back warnings and tifffile's log, to show them after a success only.

    A failure is then one line, and the warnings that led to it (a NaN in a kernel
    that could not be built, a TIFF's bad page offset) do not bury it.
    """
    messages: list[str] = []
    handler = _Collect(messages)
    logger = logging.getLogger("tifffile")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield messages
    finally:
        logger.removeHandler(handler)
    messages.extend(one_line(Warning(str(warning.message))) for warning in caught)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``napari-derivatives`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name. Default: ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success; 2 for bad input or options, or a file that cannot be read or
        written (one line on stderr naming it); 130 after Ctrl-C.
    """
    with _collected_warnings() as messages:
        try:
            args = build_parser().parse_args(argv)
            if args.command == "gradient":
                _gradient_command(args)
            else:
                _profile_command(args)
        except CommandError as error:
            print(f"napari-derivatives: error: {error}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("napari-derivatives: error: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
    for message in dict.fromkeys(messages):
        print(f"napari-derivatives: warning: {message}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
