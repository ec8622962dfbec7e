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
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._core.named_outputs import ALL_OUTPUTS
from ._ngff import LEVEL, Axes, image_attributes, with_channel

if TYPE_CHECKING:
    import dask.array as da
    import zarr
    from distributed import Client

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
    axes: Axes,
) -> Any:
    """Create a zarr store at ``target`` and return the dask graph that fills it.

    Each output is an OME-Zarr image group, ``target/NAME``: its array at ``target/NAME/0``
    (``dimension_names`` set, as NGFF 0.5 asks), the ``multiscales`` metadata of ``axes``.
    Values are float32; a colour picture is uint8 with its RGB axis first, as the NGFF
    channel axis ``c`` (NGFF puts channels before space), one chunk along it.
    """
    import dask.array as da
    import zarr

    sources: list[da.Array] = []
    arrays: list[Any] = []
    with writing(label):
        group = zarr.open_group(str(target), mode="w")
        group.attrs[OUTPUT_ATTRIBUTE] = dict(attributes)
        for name, data in results.items():
            image_axes, image_chunks = axes, chunks
            if data.ndim > len(chunks):  # a colour picture: RGB last, written first
                data = da.moveaxis(data, -1, 0)
                image_axes = with_channel(axes)
                image_chunks = (data.shape[0], *chunks)
            image = group.create_group(name, attributes=image_attributes(image_axes, name))
            array = image.create_array(
                LEVEL,
                shape=data.shape,
                chunks=image_chunks,
                dtype=data.dtype,
                dimension_names=image_axes.names,
            )
            sources.append(data)
            arrays.append(CheckedWrites(array, str(label)))
    # dask annotates `targets` as numpy array-likes, but it needs only __setitem__.
    return da.store(sources, arrays, lock=False, compute=False)


def write_files(computed: Mapping[str, np.ndarray], target: Path, label: Path, kind: str) -> None:
    """Write one ``.tif`` or ``.npy`` file per output in a new folder ``target``.

    Colour pictures (uint8, RGB last) are RGB TIFFs.
    """
    with writing(label):
        target.mkdir()
        for name, data in computed.items():
            if kind == "tif":
                import tifffile

                colour = data.dtype == np.uint8
                tifffile.imwrite(
                    target / f"{name}.tif", data, photometric="rgb" if colour else None
                )
            else:
                np.save(target / f"{name}.npy", data)


def _replaceable(path: Path, kind: str) -> bool:
    if kind == "file":
        return path.is_file()
    if not path.is_dir() or path.is_symlink():
        return False
    entries = list(path.iterdir())
    if kind == "folder":
        names = {f"{name}{suffix}" for name in ALL_OUTPUTS for suffix in (".tif", ".npy")}
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
        # A failed dask computation raises while its other tasks may still be writing
        # chunks here: remove until the folder stays away (their writes end at once).
        deadline = time.monotonic() + 10.0
        while True:
            shutil.rmtree(path, ignore_errors=True)
            time.sleep(0.1)
            if not path.exists() or time.monotonic() > deadline:
                return
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
