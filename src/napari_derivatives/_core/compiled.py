"""The engine's compiled passes: numba loops when numba is there, loaded off the GUI thread.

Every pass of the engine (:func:`.correlation.correlate_valid`, symmetric and
antisymmetric kernels: every operator's) runs as one compiled loop over contiguous rows
instead of a few numpy calls per pair of taps. The values are identical bit for bit:
the loops do the numpy engine's operations in its order. So the numpy engine stays as
the fallback where numba is missing, disabled or not loaded yet, and the tests compare
the two.

Loading. ``import napari_derivatives`` does not import numba. The first pass imports
numba and the compiled loops, which numba caches on disk (in the package's
``__pycache__``, or a user cache folder when that is read-only): about 1 s with a warm
cache, a few seconds the first time. :func:`warm_up` does it in a background thread
(the widgets call it when they open); code on the GUI thread runs inside
:func:`unless_loading`, which uses the numpy engine until the loops are loaded, so a
click never waits for a compiler.

``NAPARI_DERIVATIVES_JIT=0`` in the environment turns the compiled passes off.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from types import ModuleType
from typing import Any

import numpy as np

from .arraytypes import FloatArray

#: Passes run by the compiled loops since the process started (the tests read it).
calls = 0

_lock = threading.Lock()
_loaded: ModuleType | None = None
_failed = False
_loading: threading.Thread | None = None
_no_wait: ContextVar[bool] = ContextVar("no_wait", default=False)


def enabled() -> bool:
    """Whether the compiled passes may run (numba importable, not turned off)."""
    return os.environ.get("NAPARI_DERIVATIVES_JIT", "1") != "0" and not _failed


def _load() -> ModuleType | None:
    """Import numba and the loops, compiling each signature once (or reading the cache)."""
    global _loaded, _failed
    with _lock:
        if _loaded is None and not _failed:
            try:
                from . import _jit_kernels as kernels

                for source, out in kernels.signatures():
                    _run(kernels, np.zeros((2, 3), source), np.zeros((2, 1), out), 1)
            except ImportError:
                _failed = True
            else:
                _loaded = kernels
    return _loaded


def warm_up() -> None:
    """Load the compiled loops in a background thread, once (returns at once)."""
    global _loading
    if not enabled() or _loaded is not None:
        return
    with _lock:
        if _loading is None:
            _loading = threading.Thread(target=_load, name="napari-derivatives-jit", daemon=True)
            _loading.start()


def loaded() -> bool:
    return _loaded is not None


@contextlib.contextmanager
def unless_loading() -> Iterator[None]:
    """Run the numpy engine inside this block while the compiled loops are not loaded."""
    token = _no_wait.set(True)
    try:
        yield
    finally:
        _no_wait.reset(token)


def count() -> None:
    """Count one pass (or chain) run by the compiled loops."""
    global calls
    calls += 1


def kernels() -> ModuleType | None:
    """Return the compiled loops' module, or None where the numpy engine must run."""
    if _loaded is not None:
        return _loaded
    if not enabled():
        return None
    if _no_wait.get():
        warm_up()
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
    loops = kernels()
    if loops is None or not _run(loops, source, out, symmetry, weights, axis):
        return False
    count()
    return True


def _run(
    kernels: ModuleType,
    source: FloatArray,
    out: FloatArray,
    symmetry: int,
    weights: FloatArray | None = None,
    axis: int = -1,
) -> bool:
    if weights is None:
        weights = np.array([0.5, 0.0, -0.5]) if symmetry == -1 else np.array([1.0, 1.0, 1.0])
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
_second_ready = False
_second_lock = threading.Lock()
_second_loading: threading.Thread | None = None


def _load_second(warm: bool) -> None:
    """Import the second order's loops; ``warm``: compile the common signatures too."""
    global _second, _second_ready
    with _second_lock:
        if _second is None:
            try:
                from . import _jit_second
            except ImportError:
                return
            _second = _jit_second
        if warm and not _second_ready:
            _second.warm_up()
            _second_ready = True


def second_order() -> ModuleType | None:
    """Return the second order's compiled loops (:mod:`._jit_second`), or None.

    None where the numpy path must run: numba missing or turned off, or inside
    :func:`unless_loading` until a background thread has compiled the loops for the
    common dtypes (so a click never waits for the compiler). Elsewhere the loops are
    imported at once and compiled for the arguments they get (cached on disk).
    """
    global _second_loading
    if not enabled():
        return None
    if _second_ready:
        return _second
    if _no_wait.get():
        with _lock:
            if _second_loading is None:
                _second_loading = threading.Thread(
                    target=_load_second, args=(True,), name="napari-derivatives-jit-2", daemon=True
                )
                _second_loading.start()
        return None
    _load_second(False)
    return _second
