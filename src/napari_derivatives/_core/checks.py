"""Every parameter rule of the API, written once.

Each check names the parameter in backticks, shows the bad value and says what is
allowed: "`sigma` must be a finite number > 0, got 0.0". The gradient functions,
line profiles, the CSV export, the napari glue and the command line all call these,
so a rule and its message never drift apart.
"""

from __future__ import annotations

import math
import numbers
import operator
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

import numpy as np
import numpy.typing as npt

from . import kernels
from .arraytypes import AnyArray, ChunkedArray, Float64Array

if TYPE_CHECKING:
    import dask.array as da
    from typing_extensions import TypeIs

_Choice = TypeVar("_Choice")
_Chunked = TypeVar("_Chunked", bound=ChunkedArray)


# --- images ----------------------------------------------------------------------------------


def is_dask(image: object) -> TypeGuard[da.Array]:
    """Return whether ``image`` is a dask array, without importing dask."""
    # A dask array exists only once its caller imported dask, so numpy users never load it.
    dask_array = sys.modules.get("dask.array")
    return dask_array is not None and isinstance(image, dask_array.Array)


def is_chunked(image: object) -> TypeIs[ChunkedArray]:
    """Return whether ``image`` is a chunked array (dask, zarr...) rather than numpy.

    Such an array has ``shape``, ``dtype``, ``chunks`` (one entry per axis) and
    slicing, and is read only where it is needed.
    """
    return (
        not isinstance(image, np.ndarray)
        and all(hasattr(image, name) for name in ("shape", "dtype", "chunks", "__getitem__"))
        and len(image.chunks) == len(image.shape)  # type: ignore[attr-defined]
    )


def _check_image_type(dtype: np.dtype[Any], ndim: int) -> None:
    kind = dtype.kind
    if kind == "c":
        raise ValueError(
            f"`image` must be real-valued, got a complex array ({dtype}); "
            "take its abs, real or imag part first"
        )
    if kind not in "biuf":
        raise TypeError(f"`image` must be a numeric array, got dtype {dtype}")
    if ndim == 0:
        raise ValueError("`image` must have at least one axis, got a 0-d array")


def real_image(image: npt.ArrayLike) -> AnyArray:
    """Return ``image`` as a real numeric numpy array of any dtype, without converting it.

    Raises
    ------
    ValueError
        If ``image`` is complex or 0-d.
    TypeError
        If ``image`` is not numeric (bool counts as numeric).
    """
    array = np.asarray(image)
    _check_image_type(array.dtype, array.ndim)
    return array


def real_lazy_image(image: _Chunked) -> _Chunked:
    """Check a dask or other chunked image as :func:`real_image` does, without reading it.

    Returns
    -------
    The image itself.

    Raises
    ------
    ValueError
        If ``image`` is complex or 0-d, or a dask array of unknown chunk sizes.
    TypeError
        If ``image`` is not numeric.
    """
    _check_image_type(np.dtype(image.dtype), len(image.shape))
    if any(isinstance(size, float) and math.isnan(size) for size in image.shape):
        raise ValueError("`image` must have known chunk sizes; call `compute_chunk_sizes()`")
    return image


# --- numbers and choices ---------------------------------------------------------------------


def _real(value: object, name: str, rule: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"`{name}` must be {rule}, got {value!r}")
    return float(value)


def positive_real(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise a ValueError unless it is finite and > 0."""
    number = _real(value, name, "a finite number > 0")
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"`{name}` must be a finite number > 0, got {value!r}")
    return number


def non_negative_real(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise a ValueError unless it is finite and >= 0."""
    number = _real(value, name, "a finite number >= 0")
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}")
    return number


def contrast_limits(value: object, name: str = "contrast_limits") -> tuple[float, float]:
    """Return ``value`` as (low, high), or raise a ValueError unless finite with low < high."""
    try:
        values = [float(number) for number in value]  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        values = []
    if len(values) != 2 or not all(map(math.isfinite, values)) or not values[0] < values[1]:
        raise ValueError(f"`{name}` must be two finite numbers low < high, got {value!r}")
    return values[0], values[1]


def sigma(
    value: object,
    shape: tuple[int, ...],
    spacing: tuple[float, ...],
    axes: tuple[int, ...],
    name: str = "sigma",
) -> float:
    """Return the Gaussian's ``sigma`` as a float: finite, > 0 and within the image's limit.

    The limit is :func:`.kernels.max_sigma` of the image's ``shape``, normalised
    ``spacing`` and differentiated ``axes``; the message gives it, rounded down.
    ``name`` is the parameter's (``rho`` for the structure tensor's window).
    """
    number = positive_real(value, name)
    limit = kernels.max_sigma(shape, spacing, axes)
    if number > limit:
        longest = max(shape[axis] for axis in axes)
        raise ValueError(
            f"`{name}` must be at most {_rounded_down(limit)} for this image and spacing (a "
            f"Gaussian kernel of at most {kernels.MAX_KERNEL_RATIO} x {longest} taps, the "
            f"longest differentiated axis), got {value!r}"
        )
    return number


def _rounded_down(value: float, digits: int = 6) -> str:
    """Return ``value`` with ``digits`` significant digits, never more than ``value``."""
    quantum = 10.0 ** (math.floor(math.log10(value)) - digits + 1)
    shown = math.floor(value / quantum) * quantum
    while float(f"{shown:.{digits}g}") > value:
        shown -= quantum
    return f"{shown:.{digits}g}"


def positive_int(value: object, name: str) -> int:
    """Return ``value`` as an int, or raise a ValueError unless it is an integer >= 1.

    ``operator.index``, not ``int()``: 2.5, True or "1" are not counts.
    """
    try:
        if isinstance(value, bool | np.bool_):
            raise TypeError
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"`{name}` must be an integer >= 1, got {value!r}") from None
    if number < 1:
        raise ValueError(f"`{name}` must be an integer >= 1, got {value!r}")
    return number


def choice(value: _Choice, choices: Sequence[_Choice], name: str) -> _Choice:
    """Return ``value``, or raise a ValueError unless it is one of ``choices``."""
    if isinstance(value, bool | np.bool_) or value not in choices:
        raise ValueError(f"`{name}` must be one of {tuple(choices)}, got {value!r}")
    return value


def distinct_choices(
    values: str | Iterable[str], choices: Sequence[str], name: str
) -> tuple[str, ...]:
    """Return ``values`` (one name or several) as a tuple of distinct names among ``choices``."""
    names = (values,) if isinstance(values, str) else tuple(values)
    unknown = [value for value in names if value not in choices]
    if not names or unknown or len(set(names)) != len(names):
        raise ValueError(f"`{name}` must be distinct names among {tuple(choices)}, got {names}")
    return names


def integers(values: object, name: str) -> list[int]:
    """Return ``values`` as a list of ints, or raise a ValueError naming ``name``."""
    try:
        items = list(values)  # type: ignore[call-overload]
    except TypeError:
        raise ValueError(f"`{name}` must be a sequence of integers, got {values!r}") from None
    result = []
    for item in items:
        try:
            if isinstance(item, bool | np.bool_):
                raise TypeError
            # operator.index, not int(): 1.7 or "1" must not pass as an integer.
            result.append(operator.index(item))
        except TypeError:
            raise ValueError(f"`{name}` must hold integers, got {item!r}") from None
    return result


# --- geometry --------------------------------------------------------------------------------


def axes(value: int | Sequence[int] | None, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Return the axes to differentiate as distinct non-negative ints, each >= 2 samples long.

    ``None`` means every axis; negative axes count from the end.
    """
    ndim = len(shape)
    if value is None:
        normalised = tuple(range(ndim))
    else:
        requested_axes = (value,) if isinstance(value, numbers.Integral) else value
        try:
            requested = [operator.index(axis) for axis in requested_axes]  # type: ignore[union-attr]
        except TypeError:
            raise ValueError(f"`axes` must be None or a sequence of ints, got {value!r}") from None
        for axis in requested:
            if not -ndim <= axis < ndim:
                raise ValueError(
                    f"`axes` entry {axis} is out of range for an image with {ndim} axes"
                )
        normalised = tuple(axis % ndim for axis in requested)
        if len(set(normalised)) != len(normalised):
            raise ValueError(f"`axes` must not repeat an axis, got {tuple(requested)}")
        if not normalised:
            raise ValueError("`axes` must name at least one axis, got ()")
    for axis in normalised:
        if shape[axis] < 2:
            raise ValueError(
                f"`axes` includes axis {axis}, which has {shape[axis]} sample(s); "
                "a derivative needs at least 2 (leave that axis out of `axes`)"
            )
    return normalised


def spacing(value: object, ndim: int, *, matrix: bool = False) -> Float64Array:
    """Return pixel sizes: ``(ndim,)`` floats, each finite and > 0.

    ``None`` means 1 per axis and one number applies to every axis. With
    ``matrix=True`` an ``(ndim, ndim)`` data -> physical matrix, finite and
    invertible, is accepted too and returned as it is.
    """
    if value is None:
        return np.ones(ndim)
    allowed = "a number > 0, one per image axis" + (" or an (ndim, ndim) matrix" if matrix else "")
    try:
        values = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"`spacing` must be {allowed}, got {value!r}") from None
    if values.ndim == 0:
        values = np.full(ndim, float(values))
    if matrix and values.ndim == 2:
        if values.shape != (ndim, ndim):
            raise ValueError(
                f"`spacing` as a matrix must be ({ndim}, {ndim}), one row and column per "
                f"image axis, got shape {values.shape}"
            )
        if not np.all(np.isfinite(values)):
            raise ValueError(f"`spacing` must be finite, got {values.tolist()}")
        # A singular matrix would give some directions zero length: distances would repeat.
        if np.linalg.matrix_rank(values) < ndim:
            raise ValueError(f"`spacing` as a matrix must be invertible, got {values.tolist()}")
        return values
    if values.shape != (ndim,):
        raise ValueError(f"`spacing` must be {allowed} ({ndim} axes), got {value!r}")
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise ValueError(f"`spacing` must be finite and > 0 on every axis, got {value!r}")
    return values


def path(value: object, ndim: int | None = None) -> Float64Array:
    """Return the vertices of a line or polyline as a float ``(N, ndim)`` array, ``N >= 2``."""
    try:
        vertices = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"`path` must be an (N, ndim) array of numbers: {error}") from None
    if vertices.ndim != 2:
        raise ValueError(
            f"`path` must be a 2-D (N, ndim) array of vertices, got {vertices.ndim}-D"
        )
    if vertices.shape[0] < 2:
        raise ValueError(f"`path` needs at least two vertices, got {vertices.shape[0]}")
    if vertices.shape[1] < 1:
        raise ValueError("`path` vertices need at least one coordinate, got 0")
    if ndim is not None and vertices.shape[1] != ndim:
        raise ValueError(
            f"`path` vertices have {vertices.shape[1]} coordinates but the image has {ndim} axes"
        )
    if not np.all(np.isfinite(vertices)):
        raise ValueError("`path` vertices must be finite, got NaN or inf")
    return vertices


def derivative_order(value: object, ndim: int, method: str) -> tuple[int, ...]:
    """Return the derivative ``order`` per axis as a tuple of ``ndim`` ints >= 0.

    The Gaussian takes a total order of 1 to :data:`.kernels.MAX_GAUSSIAN_ORDER`;
    central differences 1 or more in total and at most
    :data:`.kernels.MAX_CENTRAL_ORDER` per axis.
    """
    orders = integers(value, "order")
    if len(orders) != ndim or any(order < 0 for order in orders):
        raise ValueError(
            f"`order` must hold one integer >= 0 per image axis ({ndim}), got {value!r}"
        )
    total = sum(orders)
    if method == "gaussian" and not 1 <= total <= kernels.MAX_GAUSSIAN_ORDER:
        raise ValueError(
            f"`order` must add up to 1 to {kernels.MAX_GAUSSIAN_ORDER} for "
            f"method='gaussian', got {tuple(orders)}"
        )
    if method == "central" and (total < 1 or max(orders) > kernels.MAX_CENTRAL_ORDER):
        raise ValueError(
            f"`order` must add up to at least 1 and be at most {kernels.MAX_CENTRAL_ORDER} "
            f"on every axis for method='central', got {tuple(orders)}"
        )
    return tuple(orders)


def interpolant_options(order: int, smooth: float) -> None:
    """Check the options a profile's derivative of the interpolant allows."""
    if order == 0:
        raise ValueError(
            "`order` must be 1 or 3 for the derivative of the interpolant (the nearest "
            "pixel's interpolant is a staircase), got 0"
        )
    if smooth > 0:
        raise ValueError(
            "`smooth` must be 0 for the derivative of the interpolant (it differentiates "
            f"the interpolant itself, not smoothed samples), got {smooth}"
        )


def units(value: object, ndim: int) -> tuple[str, ...] | None:
    """Return physical units, one per axis (one name applies to every axis), or None.

    A unit becomes part of CSV column names (``distance_µm``): a non-empty string
    without commas, quotes or line breaks.
    """
    if value is None:
        return None
    names = [value] * ndim if isinstance(value, str) else value
    try:
        names = list(names)  # type: ignore[call-overload]
    except TypeError:
        raise ValueError(
            f"`units` must be a unit name or one per image axis, got {value!r}"
        ) from None
    if len(names) != ndim:
        raise ValueError(f"`units` must be one name or one per image axis ({ndim}), got {value!r}")
    for name in names:
        if not isinstance(name, str) or not name.strip() or any(c in name for c in ',"\r\n'):
            raise ValueError(
                f"`units` must be non-empty names without commas, quotes or line breaks, "
                f"got {name!r}"
            )
    return tuple(name.strip() for name in names)


def distance_unit(axis_units: tuple[str, ...] | None, moving: Sequence[int]) -> str | None:
    """Return the unit of distances along a line moving along the axes ``moving``.

    They must share one unit: a distance mixing seconds and microns has none.
    """
    if axis_units is None:
        return None
    found = {axis_units[axis] for axis in moving}
    if len(found) > 1:
        raise ValueError(f"`units` of the axes a line moves along must agree, got {sorted(found)}")
    return found.pop() if found else axis_units[-1]
