"""The ``napari-derivatives`` command: gradients and line profiles without a viewer.

``napari-derivatives gradient INPUT OUTPUT`` differentiates a TIFF, ``.npy`` or zarr
image with dask, chunk by chunk (a zarr volume is never loaded whole) and writes one
float32 array per output; ``napari-derivatives profile IMAGE --line ... --csv OUT``
writes the CSV of the line derivative panel. ``--scheduler ADDRESS`` runs the work on
an existing dask.distributed cluster. The values are those of the Python API. An RGB(A)
TIFF is first converted to its Rec. 709 luminance, as the gradient widget does.

Outputs appear only when complete: they are written to a hidden sibling path that is
renamed on success and removed on failure, and an existing output is replaced only
with ``--overwrite``. Bad input gives a one-line message and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ._core.choices import BOUNDARY_MODES, METHODS, ORDERS, OUTPUTS, REDUCTIONS
from ._core.export import profiles_to_csv
from ._core.gradients import gradient_outputs
from ._core.luminance import rgb_to_luminance
from ._core.profiles import line_profile

if TYPE_CHECKING:
    import dask.array as da
    import zarr
    from distributed import Client

_Number = TypeVar("_Number", int, float)

#: Exit code for bad input or options (as argparse uses for usage errors).
EXIT_USAGE = 2

_TIFF_SUFFIXES = (".tif", ".tiff")

_RGB_HELP = (
    "An RGB(A) TIFF (photometric RGB) is converted to its Rec. 709 luminance, "
    "0.2125 R + 0.7154 G + 0.0721 B (alpha ignored), as the gradient widget does."
)


class CommandError(Exception):
    """A problem with the input or options, reported as one line with exit code 2."""


def _default(function: Callable[..., object], name: str) -> Any:
    # The options default to the Python API's own defaults, written once, there.
    return inspect.signature(function).parameters[name].default


# --- parsing -----------------------------------------------------------------------------


def _numbers(text: str, kind: type[_Number], option: str) -> list[_Number]:
    try:
        return [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError(
            f"{option} must be comma-separated {kind.__name__}s, got {text!r}"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="napari-derivatives",
        description="Image derivatives in physical units, for images larger than memory.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--spacing",
        help="pixel size: one number, or one per axis, comma-separated (default 1)",
    )
    common.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a dask.distributed scheduler to run on (default: this machine)",
    )
    common.add_argument("--quiet", action="store_true", help="no progress bar")
    common.add_argument("--overwrite", action="store_true", help="replace an existing output")

    gradient = commands.add_parser(
        "gradient",
        parents=[common],
        help="write gradient components, magnitude and direction",
        description=(
            "Differentiate a TIFF, .npy or zarr image. A zarr input (an array, a group "
            "holding one array, or a path inside a store) gives a zarr group OUTPUT "
            "(ending in .zarr) with one float32 array per output, computed chunk by "
            "chunk; a TIFF or .npy input gives a folder OUTPUT with one file per output "
            "in the input's format (or a zarr group if OUTPUT ends in .zarr). " + _RGB_HELP
        ),
    )
    gradient.add_argument("input", metavar="INPUT")
    gradient.add_argument("output", metavar="OUTPUT")
    gradient.add_argument(
        "--method", default=_default(gradient_outputs, "method"), choices=METHODS
    )
    default_outputs = ",".join(_default(gradient_outputs, "outputs"))
    gradient.add_argument(
        "--outputs",
        default=default_outputs,
        help=f"comma-separated, among {', '.join(OUTPUTS)} (default {default_outputs})",
    )
    gradient.add_argument(
        "--axes",
        help="axes to differentiate, comma-separated; negatives need '=': --axes=-2,-1 "
        "(default: every axis, as the Python API)",
    )
    gradient.add_argument(
        "--sigma",
        type=float,
        default=_default(gradient_outputs, "sigma"),
        help="Gaussian sigma in units of spacing",
    )
    gradient.add_argument(
        "--mode", default=_default(gradient_outputs, "mode"), choices=BOUNDARY_MODES
    )

    profile = commands.add_parser(
        "profile",
        parents=[common],
        help="write line profiles and their derivative to CSV",
        description="Sample an image along lines or polylines and differentiate along them; "
        "writes the CSV of the line derivative panel. " + _RGB_HELP,
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
    profile.add_argument("--step", type=float, default=_default(line_profile, "step"))
    profile.add_argument(
        "--order", type=int, default=_default(line_profile, "order"), choices=ORDERS
    )
    profile.add_argument("--width", type=int, default=_default(line_profile, "width"))
    profile.add_argument("--smooth", type=float, default=_default(line_profile, "smooth"))
    profile.add_argument("--reduce", default=_default(line_profile, "reduce"), choices=REDUCTIONS)
    profile.add_argument("--mode", default=_default(line_profile, "mode"), choices=BOUNDARY_MODES)
    return parser


# --- reading -----------------------------------------------------------------------------


def _open_zarr(path: Path) -> zarr.Array:
    import zarr

    node = zarr.open(str(path), mode="r")
    if isinstance(node, zarr.Array):
        return node
    arrays = sorted(
        (name, member)
        for name, member in node.members(max_depth=None)
        if isinstance(member, zarr.Array)
    )
    if len(arrays) != 1:
        names = ", ".join(name for name, _ in arrays) or "none"
        raise CommandError(
            f"{path} is a zarr group with {len(arrays)} arrays ({names}); "
            f"give the path of one, for example {path / arrays[0][0]}"
            if arrays
            else f"{path} is a zarr group without arrays"
        )
    return arrays[0][1]


def _is_zarr(path: Path) -> bool:
    return path.is_dir() and any(
        (path / name).exists() for name in ("zarr.json", ".zarray", ".zgroup")
    )


def _read_tiff(path: Path) -> np.ndarray:
    """Read the first series of a TIFF; an RGB(A) one as its luminance, as the widget does."""
    import tifffile

    with tifffile.TiffFile(path) as tiff:
        series = tiff.series[0]
        data = series.asarray()
        if series.keyframe.photometric == tifffile.PHOTOMETRIC.RGB and "S" in series.axes:
            # Colour samples are not an axis to differentiate across.
            return rgb_to_luminance(np.moveaxis(data, series.axes.index("S"), -1))
    return data


def read_image(path: str | os.PathLike[str]) -> tuple[da.Array, str]:
    """Open an image lazily, as a dask array, and name its format.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.tif``/``.tiff`` or ``.npy`` file, or a zarr array, a zarr group
        holding exactly one array, or a path inside a zarr store.

    Returns
    -------
    image : dask.array.Array
        The image; zarr chunks are kept, so nothing is read yet. An RGB(A) TIFF
        (photometric RGB) becomes its float32 Rec. 709 luminance
        (:func:`napari_derivatives.rgb_to_luminance`), without the colour axis.
    kind : str
        ``"zarr"``, ``"tif"`` or ``"npy"``.

    Raises
    ------
    CommandError
        If the path does not exist or cannot be read as an image.
    """
    import dask.array as da

    path = Path(path)
    if not path.exists():
        raise CommandError(f"cannot read {path}: no such file or directory")
    try:
        if _is_zarr(path):
            array = _open_zarr(path)
            return da.from_zarr(array), "zarr"
        suffix = path.suffix.lower()
        if suffix in _TIFF_SUFFIXES:
            return da.from_array(_read_tiff(path)), "tif"
        if suffix == ".npy":
            return da.from_array(np.load(path, mmap_mode="r")), "npy"
    except CommandError:
        raise
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CommandError(f"cannot read {path}: {message}") from None
    raise CommandError(
        f"cannot read {path}: expected a .tif/.tiff or .npy file or a zarr array or group"
    )


# --- writing -----------------------------------------------------------------------------


@contextlib.contextmanager
def _atomic_output(path: Path, overwrite: bool) -> Iterator[Path]:
    """Yield a hidden sibling path to write to; rename it to ``path`` on success only."""
    if path.exists() and not overwrite:
        raise CommandError(f"{path} exists; pass --overwrite to replace it")
    if not path.parent.is_dir():
        raise CommandError(f"cannot write {path}: {path.parent} is not a directory")
    temporary = path.parent / f".{path.name}.partial-{os.getpid()}"
    _remove(temporary)
    try:
        yield temporary
        if path.exists():
            _remove(path)
        temporary.rename(path)
    finally:
        _remove(temporary)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


@contextlib.contextmanager
def _scheduler(address: str | None) -> Iterator[Client | None]:
    """Connect to a dask.distributed scheduler for the duration, or do nothing."""
    if address is None:
        yield None
        return
    from distributed import Client

    try:
        client = Client(address, timeout="5s", set_as_default=True)
    except (OSError, TimeoutError, ValueError) as error:
        raise CommandError(f"cannot connect to the scheduler at {address}: {error}") from None
    with client:
        yield client


def compute(work: Any, client: Client | None, quiet: bool) -> Any:
    """Compute a dask collection here or on the cluster, with a progress bar on stderr.

    ``work`` is any dask collection (a dict of arrays, a delayed store), and so is what
    comes back computed: dask has no one type for them.
    """
    import dask

    if client is not None:
        # The client is the default scheduler here: dask.persist/compute run on the cluster.
        if not quiet:
            from distributed import progress

            work = dask.persist(work)[0]
            with contextlib.redirect_stdout(sys.stderr):
                progress(work)
            print(file=sys.stderr)
        return dask.compute(work)[0]
    if quiet:
        return dask.compute(work)[0]
    from dask.diagnostics import ProgressBar

    with ProgressBar(out=sys.stderr):
        return dask.compute(work)[0]


def _gradient_command(args: argparse.Namespace) -> None:
    image, kind = read_image(args.input)
    output = Path(args.output)
    to_zarr = output.suffix == ".zarr"
    if kind == "zarr" and not to_zarr:
        raise CommandError(
            f"OUTPUT must end in .zarr for a zarr input (got {output}), "
            "so that the result is written chunk by chunk"
        )
    outputs = [name.strip() for name in args.outputs.split(",") if name.strip()]
    options = {
        "method": args.method,
        "spacing": None if args.spacing is None else _numbers(args.spacing, float, "--spacing"),
        "axes": None if args.axes is None else _numbers(args.axes, int, "--axes"),
        "sigma": args.sigma,
        "mode": args.mode,
    }
    if options["spacing"] is not None and len(options["spacing"]) == 1:
        options["spacing"] = options["spacing"][0]
    try:
        # One graph for all outputs: each block computes each component once.
        results = gradient_outputs(image, outputs, shared=True, **options)
    except (ValueError, TypeError) as error:
        raise CommandError(str(error)) from None

    with _scheduler(args.scheduler) as client, _atomic_output(output, args.overwrite) as target:
        if to_zarr:
            import dask.array as da
            import zarr

            group = zarr.open_group(str(target), mode="w")
            group.attrs["napari_derivatives"] = {
                "source": str(args.input),
                **{key: value for key, value in options.items()},
            }
            chunks = tuple(max(sizes) for sizes in image.chunks)
            # dask annotates `targets` as numpy array-likes, but it needs only their
            # __setitem__: zarr arrays are stores it documents (their __array__ is typed
            # to return another array-like than ndarray).
            arrays: list[Any] = [
                group.create_array(name, shape=image.shape, chunks=chunks, dtype="float32")
                for name in results
            ]
            work = da.store(list(results.values()), arrays, lock=False, compute=False)
            compute(work, client, args.quiet)
        else:
            computed = compute(results, client, args.quiet)
            target.mkdir()
            for name, data in computed.items():
                if kind == "tif":
                    import tifffile

                    tifffile.imwrite(target / f"{name}.tif", data)
                else:
                    np.save(target / f"{name}.npy", data)
    if not args.quiet:
        print(f"wrote {', '.join(results)} to {output}", file=sys.stderr)


def _profile_command(args: argparse.Namespace) -> None:
    image, _ = read_image(args.input)
    paths = []
    for text in args.line:
        numbers = _numbers(text, float, "--line")
        if len(numbers) < 2 * image.ndim or len(numbers) % image.ndim:
            raise CommandError(
                f"--line {text!r}: need at least two vertices of {image.ndim} coordinates "
                f"each (a multiple of {image.ndim} numbers)"
            )
        paths.append(np.reshape(numbers, (-1, image.ndim)))
    spacing = None if args.spacing is None else _numbers(args.spacing, float, "--spacing")
    csv_path = Path(args.csv)
    with _scheduler(args.scheduler), _atomic_output(csv_path, args.overwrite) as target:
        # line_profile reads only the chunks under the samples' footprint (cubic too),
        # on the default scheduler, which is the cluster's client when one is given.
        try:
            profiles = [
                line_profile(
                    image,
                    path,
                    spacing=spacing[0] if spacing is not None and len(spacing) == 1 else spacing,
                    step=args.step,
                    order=args.order,
                    width=args.width,
                    smooth=args.smooth,
                    reduce=args.reduce,
                    mode=args.mode,
                )
                for path in paths
            ]
        except (ValueError, TypeError) as error:
            raise CommandError(str(error)) from None
        profiles_to_csv(profiles, target)
    if not args.quiet:
        print(f"wrote {len(profiles)} profile(s) to {csv_path}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``napari-derivatives`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name. Default: ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 2 for bad input or options (a one-line message on stderr).
    """
    args = _parser().parse_args(argv)
    try:
        if args.command == "gradient":
            _gradient_command(args)
        else:
            _profile_command(args)
    except CommandError as error:
        print(f"napari-derivatives: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return 0


if __name__ == "__main__":
    sys.exit(main())
