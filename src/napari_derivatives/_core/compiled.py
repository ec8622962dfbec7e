"""The engine's compiled loops (numba): loaded when first needed, never on the GUI thread.

Two paths run them: the planes' path (:mod:`.planes`: each chain of passes along the
last two or three axes in one loop per block, read from the image's own dtype) and
the blocks' passes (:func:`.correlation.correlate_valid`, for what the planes' path
does not take). Both do the numpy engine's operations in its order, so the values are
identical bit for bit: the numpy engine is the fallback wherever numba is missing,
turned off or not loaded yet, and the tests compare the two.

Loading. ``import napari_derivatives`` does not import numba. The first call that
needs a loop imports numba and compiles the loop for the image's dtype and layout, or
reads it from numba's disk cache (the package's ``__pycache__``, or the user's cache
folder when that is read-only). The widgets call :func:`protect_main_thread` when they
open: a background thread then compiles the common dtypes (:func:`_start_warm_up`), and the
main thread (napari's GUI) runs the numpy engine for any loop not loaded yet, so a
click never waits for a compiler. :func:`unless_loading` does the same for a block of
code on any thread.

``NAPARI_DERIVATIVES_JIT=0`` in the environment turns the compiled loops off.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from types import ModuleType
from typing import Any

import numpy as np

from .arraytypes import FloatArray

#: Passes run by the compiled loops since the process started (the tests read it).
calls = 0

_lock = threading.Lock()
_start_lock = threading.Lock()
_loaded: ModuleType | None = None
_failed = False
_loading: threading.Thread | None = None
_no_wait: ContextVar[bool] = ContextVar("no_wait", default=False)
_protect_main = False
# Signatures (a name and dtypes) that have run once in this process: compiled or read
# from the cache, so they run at once from now on.
_ready: set[tuple[str, ...]] = set()


def enabled() -> bool:
    """Whether the compiled passes may run (numba importable, not turned off)."""
    return os.environ.get("NAPARI_DERIVATIVES_JIT", "1") != "0" and not _failed


def _load() -> ModuleType | None:
    """Import numba and the loops (each signature compiles, or loads, on its first call)."""
    global _loaded, _failed
    with _lock:
        if _loaded is None and not _failed:
            try:
                from . import _jit_kernels
            except ImportError:
                _failed = True
            else:
                _loaded = _jit_kernels
    return _loaded


#: What the warm-up runs once numba is imported: small runs of the engine's paths.
_warm_tasks: list[Callable[[], None]] = []


def add_warm_up(task: Callable[[], None]) -> None:
    """Run ``task`` (small inputs through compiled loops) in the background warm-up."""
    _warm_tasks.append(task)


def _warm() -> None:
    if _load() is None:
        return
    for task in _warm_tasks:
        task()


def _start_warm_up() -> None:
    """Load and compile the loops in a background thread, once (returns at once)."""
    global _loading
    if not enabled():
        return
    with _start_lock:
        if _loading is None:
            _loading = threading.Thread(target=_warm, name="napari-derivatives-jit", daemon=True)
            _loading.start()


def protect_main_thread() -> None:
    """From now on, never compile on the main thread (napari's GUI thread); warm up.

    On the main thread, a signature not loaded yet runs on the numpy engine (the same
    values) while the warm-up loads it in the background. The widgets call this when
    they open, so neither a click, nor napari drawing a lazy layer, nor a macro in the
    console waits for a compiler.
    """
    global _protect_main
    _protect_main = True
    _start_warm_up()


def read_only(array: np.ndarray) -> np.ndarray:
    """Return a read-only view of ``array``: what the loops read, one compiled variant.

    numba compiles a loop once for writeable and once more for read-only arrays (a
    zarr or memory-mapped block): viewed read-only, every image shares one variant, so
    neither a compile nor its wait follows the first read-only image.
    """
    view = array.view()
    view.flags.writeable = False
    return view


def ready(signature: tuple[str, ...]) -> None:
    """Record that ``signature`` has run once: it runs at once from now on."""
    _ready.add(signature)


@contextlib.contextmanager
def unless_loading() -> Iterator[None]:
    """Inside this block, use the numpy engine wherever a loop would compile first.

    For code on the GUI thread: a click never waits for a compiler. The loops load in
    the background (:func:`_start_warm_up`) meanwhile, and serve the next click.
    """
    token = _no_wait.set(True)
    try:
        yield
    finally:
        _no_wait.reset(token)


def count() -> None:
    """Count one pass (or chain) run by the compiled loops."""
    global calls
    calls += 1


def kernels(signature: tuple[str, ...]) -> ModuleType | None:
    """Return the compiled loops' module for ``signature``, or None: the numpy engine runs.

    Outside :func:`unless_loading` this imports numba and compiles the signature (or
    reads it from the disk cache) if needed; inside, it returns None until that has
    happened, and starts the warm-up.
    """
    if not enabled():
        return None
    waits = _no_wait.get() or (
        _protect_main and threading.current_thread() is threading.main_thread()
    )
    if waits and (_loaded is None or signature not in _ready):
        _start_warm_up()
        return None
    return _load()


def _flat(array: FloatArray) -> tuple[FloatArray, int, Any] | None:
    """Return ``(flat, offset, strides)`` describing ``array`` in elements, or None."""
    owner = array if array.base is None else array.base
    if (
        not isinstance(owner, np.ndarray)
        or owner.dtype != array.dtype
        or not owner.flags.c_contiguous
    ):
        return None
    itemsize = array.itemsize
    if array.strides[-1] != itemsize:
        return None
    start = array.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    strides = np.array(array.strides, dtype=np.int64) // itemsize
    return owner.reshape(-1), start // itemsize, strides


def correlate(
    source: FloatArray, weights: FloatArray, axis: int, out: FloatArray, symmetry: int
) -> bool:
    """Run one pass with the compiled loop; False (nothing done) where it cannot run.

    The arguments are those of :func:`.correlation.correlate_valid`.
    """
    if symmetry not in (1, -1) or out.size == 0 or source.dtype.kind != "f":
        return False
    signature = ("rows", source.dtype.str, out.dtype.str)
    loops = kernels(signature)
    if loops is None or not _run(loops, source, out, symmetry, weights, axis):
        return False
    ready(signature)
    count()
    return True


def _run(
    kernels: ModuleType,
    source: FloatArray,
    out: FloatArray,
    symmetry: int,
    weights: FloatArray,
    axis: int,
) -> bool:
    src = _flat(source)
    dst = _flat(out)
    if src is None or dst is None:
        return False
    axis %= out.ndim
    shape = np.array(out.shape, dtype=np.int64)
    rows = out.size // out.shape[-1]
    kernels.correlate_rows(
        *src, *dst, shape, axis, weights.astype(source.dtype), symmetry, 0, rows
    )
    return True


_second: ModuleType | None = None


def second_order(signature: tuple[str, ...]) -> ModuleType | None:
    """Return the second order's compiled loops (:mod:`._jit_second`), or None.

    As :func:`kernels` for the engine's loops: None where numba is missing or turned
    off, and where a compile could keep the GUI thread waiting (``signature`` not run
    yet in this process); the caller then runs the numpy path. Call :func:`ready` with
    ``signature`` once it has run.
    """
    global _second
    if not enabled():
        return None
    waits = _no_wait.get() or (
        _protect_main and threading.current_thread() is threading.main_thread()
    )
    if waits and (_second is None or signature not in _ready):
        _start_warm_up()
        return None
    if _second is None:
        with _lock:
            try:
                from . import _jit_second
            except ImportError:
                return None
            _second = _jit_second
    return _second
