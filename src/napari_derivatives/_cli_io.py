"""Files and the scheduler of the ``napari-derivatives`` command.

Every failure a user can cause here becomes a :class:`CommandError`, one line that names
the file: an input that cannot be read (also a corrupt chunk, found only when a dask task
reads it), an output that cannot be written (no permission, a full disk), a scheduler
that does not answer.

Outputs appear only when complete. They are written to a hidden sibling path,
``.NAME.partial-HOST-PID``, renamed to their name on success and removed on failure;
one left by a killed run (a dead process of this host) is removed by the next run for
the same output. An existing output is replaced only with ``--overwrite``, and only if
it is one this command writes (never a folder of other files).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._core.choices import OUTPUTS
from ._core.luminance import rgb_to_luminance

if TYPE_CHECKING:
    import dask.array as da
    import zarr
    from distributed import Client

_TIFF_SUFFIXES = (".tif", ".tiff")
_ZARR_METADATA = ("zarr.json", ".zarray", ".zgroup")

#: The attribute of a zarr output that marks it as one written by the command.
OUTPUT_ATTRIBUTE = "napari_derivatives"

#: What each kind of output is, for the message that refuses to replace something else.
OUTPUT_KINDS = {
    "zarr": "a zarr group written by napari-derivatives",
    "folder": "a folder of napari-derivatives outputs (gx.tif, magnitude.npy...)",
    "file": "a file",
}


class CommandError(Exception):
    """A problem with the input, options or files, reported as one line with exit code 2."""


def one_line(error: BaseException) -> str:
    """Return the first line of an error's message (an OSError's reason), or its type."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


# --- reading -----------------------------------------------------------------------------


def _box(key: Any) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return ", ".join(f"{p.start}:{p.stop}" if isinstance(p, slice) else "..." for p in parts)


class CheckedReads:
    """A zarr array for dask whose read failures name the file and the box read.

    A corrupt chunk is found only when a task reads it, while computing.
    """

    def __init__(self, array: zarr.Array, label: str) -> None:
        self.array = array
        self.label = label
        self.shape = array.shape
        self.dtype = array.dtype
        self.ndim = array.ndim
        self.chunks = array.chunks

    def __getitem__(self, key: Any) -> Any:
        try:
            return self.array[key]
        except Exception as error:
            message = f"cannot read {self.label} at [{_box(key)}]: {one_line(error)}"
            raise CommandError(message) from None


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
    return path.is_dir() and any((path / name).exists() for name in _ZARR_METADATA)


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
        The image; zarr chunks are kept, so nothing is read yet, and a chunk that
        cannot be read raises a CommandError naming the file when computed. An RGB(A)
        TIFF (photometric RGB) becomes its float32 Rec. 709 luminance
        (:func:`napari_derivatives.rgb_to_luminance`), without the colour axis.
    kind : str
        ``"zarr"``, ``"tif"`` or ``"npy"``.

    Raises
    ------
    CommandError
        If the path does not exist or cannot be read as an image.
    """
    import dask.array as da
    from dask.base import tokenize

    path = Path(path)
    if not path.exists():
        raise CommandError(f"cannot read {path}: no such file or directory")
    try:
        if _is_zarr(path):
            array = _open_zarr(path)
            name = "read-zarr-" + tokenize(array, str(path))
            meta = np.empty((0,) * array.ndim, dtype=array.dtype)
            lazy = da.from_array(
                CheckedReads(array, str(path)), chunks=array.chunks, name=name, meta=meta
            )
            return lazy, "zarr"
        if path.is_dir():
            raise CommandError(
                f"cannot read {path}: a folder that is not a zarr array or group "
                f"(it has no {', '.join(_ZARR_METADATA)})"
            )
        suffix = path.suffix.lower()
        if suffix in _TIFF_SUFFIXES:
            return da.from_array(_read_tiff(path)), "tif"
        if suffix == ".npy":
            return da.from_array(np.load(path, mmap_mode="r")), "npy"
    except CommandError:
        raise
    except Exception as error:
        raise CommandError(f"cannot read {path}: {one_line(error)}") from None
    raise CommandError(
        f"cannot read {path}: expected a .tif/.tiff or .npy file or a zarr array or group"
    )


# --- writing -----------------------------------------------------------------------------


@contextlib.contextmanager
def writing(label: object) -> Iterator[None]:
    """Report an OSError of the block (no permission, a full disk) as one line."""
    try:
        yield
    except OSError as error:
        reason = one_line(error)
        if error.errno is None:  # numpy's short write ("6720 requested and 218 written")
            reason += " (is the disk full?)"
        raise CommandError(f"cannot write {label}: {reason}") from None


class CheckedWrites:
    """A zarr array for :func:`dask.array.store` whose write failures name the output."""

    def __init__(self, array: zarr.Array, label: str) -> None:
        self.array = array
        self.label = label

    def __setitem__(self, key: Any, value: Any) -> None:
        with writing(self.label):
            self.array[key] = value

    def __dask_tokenize__(self) -> object:
        from dask.base import normalize_token

        return (type(self).__name__, self.label, normalize_token(self.array))


def write_zarr(
    results: Mapping[str, da.Array],
    target: Path,
    label: Path,
    chunks: tuple[int, ...],
    attributes: Mapping[str, Any],
) -> Any:
    """Create a zarr group at ``target`` and return the dask graph that fills it."""
    import dask.array as da
    import zarr

    with writing(label):
        group = zarr.open_group(str(target), mode="w")
        group.attrs[OUTPUT_ATTRIBUTE] = dict(attributes)
        arrays: list[Any] = [
            CheckedWrites(
                group.create_array(name, shape=data.shape, chunks=chunks, dtype="float32"),
                str(label),
            )
            for name, data in results.items()
        ]
    # dask annotates `targets` as numpy array-likes, but it needs only __setitem__.
    return da.store(list(results.values()), arrays, lock=False, compute=False)


def write_files(computed: Mapping[str, np.ndarray], target: Path, label: Path, kind: str) -> None:
    """Write one ``.tif`` or ``.npy`` file per output in a new folder ``target``."""
    with writing(label):
        target.mkdir()
        for name, data in computed.items():
            if kind == "tif":
                import tifffile

                tifffile.imwrite(target / f"{name}.tif", data)
            else:
                np.save(target / f"{name}.npy", data)


def _replaceable(path: Path, kind: str) -> bool:
    if kind == "file":
        return path.is_file()
    if not path.is_dir() or path.is_symlink():
        return False
    entries = list(path.iterdir())
    if kind == "folder":
        names = {f"{name}{suffix}" for name in OUTPUTS for suffix in (".tif", ".npy")}
        return all(entry.name in names for entry in entries)
    try:
        metadata = json.loads((path / "zarr.json").read_text(encoding="utf-8"))
        return not entries or OUTPUT_ATTRIBUTE in metadata["attributes"]
    except (OSError, ValueError, KeyError, TypeError):
        return not entries


def check_output(path: Path, overwrite: bool, kind: str) -> None:
    """Raise a CommandError now, before any work, if ``path`` cannot be written.

    ``kind`` is ``"zarr"``, ``"folder"`` or ``"file"`` (see :data:`OUTPUT_KINDS`).
    """
    parent = path.parent
    if not parent.is_dir():
        reason = "is not a folder" if parent.exists() else "does not exist"
        raise CommandError(f"cannot write {path}: {parent} {reason}")
    if not (path.exists() or path.is_symlink()):
        return
    if not overwrite:
        raise CommandError(f"{path} exists; pass --overwrite to replace it")
    if not _replaceable(path, kind):
        raise CommandError(
            f"{path} exists and is not {OUTPUT_KINDS[kind]}: --overwrite replaces only "
            "such an output; remove or rename it yourself"
        )


_HOST = socket.gethostname()


def _sibling(path: Path, role: str) -> Path:
    return path.parent / f".{path.name}.{role}-{_HOST}-{os.getpid()}"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def _remove_stale(path: Path) -> None:
    """Remove the hidden siblings of ``path`` left by killed runs on this host."""
    prefixes = [f".{path.name}.{role}-{_HOST}-" for role in ("partial", "replaced")]
    for entry in path.parent.iterdir():
        for prefix in prefixes:
            pid = entry.name.removeprefix(prefix)
            if pid != entry.name and pid.isdigit() and not _running(int(pid)):
                _remove(entry)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


@contextlib.contextmanager
def atomic_output(path: Path, overwrite: bool, kind: str) -> Iterator[Path]:
    """Yield a hidden sibling path to write to; rename it to ``path`` on success only.

    At every moment ``path`` holds either the old output or the new, complete one: the
    old one is moved aside, the new one renamed in, and then the old one removed.
    """
    check_output(path, overwrite, kind)
    with writing(path):
        _remove_stale(path)
    temporary = _sibling(path, "partial")
    replaced = _sibling(path, "replaced")
    try:
        yield temporary
        with writing(path):
            if path.exists() or path.is_symlink():
                path.rename(replaced)
                try:
                    temporary.rename(path)
                except BaseException:
                    replaced.rename(path)
                    raise
            else:
                temporary.rename(path)
    finally:
        _remove(temporary)
        _remove(replaced)


# --- computing ---------------------------------------------------------------------------


@contextlib.contextmanager
def scheduler(address: str | None) -> Iterator[Client | None]:
    """Connect to a dask.distributed scheduler for the duration, or do nothing."""
    if address is None:
        yield None
        return
    try:
        from distributed import Client
        from distributed.comm import parse_address, parse_host_port
    except ImportError:
        # dask.distributed is an extra: the plain install runs on this machine only.
        raise CommandError(
            "--scheduler needs dask.distributed: pip install 'napari-derivatives[distributed]'"
        ) from None

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls"):
            host, port = parse_host_port(location)
            if not 0 < int(port) < 2**16:
                raise ValueError(f"port {port} is not in 1-65535")
            # A closed port refuses at once, where the client would retry until its timeout.
            socket.create_connection((host, port), timeout=5).close()
        # Not set as default: a client that fails to connect would stay dask's scheduler.
        client = Client(address, timeout="5s", set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError, OverflowError) as error:
        reason = one_line(error)
        raise CommandError(f"cannot connect to the scheduler at {address}: {reason}") from None
    # The client is the current one for the duration: dask.compute and persist, also
    # inside line_profile, and the progress bar use it.
    with client, client.as_current():
        yield client


def compute(work: Any, client: Client | None, quiet: bool) -> Any:
    """Compute a dask collection here or on the cluster, with a progress bar on stderr.

    The progress bar is shown only on a terminal (so that a failure in a log is one
    line). ``work`` is any dask collection (a dict of arrays, a delayed store), and so
    is what comes back computed: dask has no one type for them.
    """
    import dask

    show = not quiet and sys.stderr.isatty()
    if client is not None:
        if show:
            from distributed import progress

            work = dask.persist(work)[0]
            with contextlib.redirect_stdout(sys.stderr):
                progress(work)
            print(file=sys.stderr)
        return dask.compute(work)[0]
    if not show:
        return dask.compute(work)[0]
    from dask.diagnostics import ProgressBar

    with ProgressBar(out=sys.stderr):
        return dask.compute(work)[0]
