"""Intensity along a line or polyline, and its derivative per physical distance.

Where to sample and what is found there are computed apart, as in
scikit-image's ``measure/profile.py``: :func:`sample_path` returns coordinates
only, and :func:`line_profile` samples the image at them, reduces across the
line's width and differentiates along the line.

Conventions
-----------
- Coordinates are the image's data (pixel) coordinates, one per axis in array
  order (``(y, x)`` for a 2-D image). Pixel centres are at integer coordinates and
  pixel ``i`` covers ``[i - 0.5, i + 0.5]``, as napari draws it.
- Samples are spaced evenly in *pixels* along the path. Distances are reported
  in *physical* units (``spacing`` per pixel along each axis) and derivatives in
  intensity per physical unit.
- Values are interpolated in float64, so integer images never wrap around.
  Samples outside the image's pixel extent are NaN: no data is invented there.
- A chunked image that is not a numpy array (a dask or zarr array, or any object
  with ``shape``, ``dtype``, ``chunks`` and slicing) is not read whole: only the
  chunks under the samples' interpolation footprint are (see :func:`line_profile`).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import operator
import os
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import ndimage as ndi

__all__ = [
    "BOUNDARY_MODES",
    "ORDERS",
    "REDUCTIONS",
    "Edge",
    "Profile",
    "line_profile",
    "profiles_to_csv",
    "sample_path",
]

#: Interpolation orders: 0 nearest pixel, 1 (bi)linear, 3 cubic spline.
ORDERS = (0, 1, 3)

#: How the ``width`` samples across the line are combined into one value.
REDUCTIONS = ("mean", "median", "max", "min")

#: Boundary modes of :func:`scipy.ndimage.map_coordinates`.
BOUNDARY_MODES = (
    "nearest",
    "reflect",
    "mirror",
    "constant",
    "wrap",
    "grid-constant",
    "grid-mirror",
    "grid-wrap",
)

# Rounding in ``length / step`` (0.9 / 0.3 = 3.0000000000000004) must not add an
# interval, so a quotient within this relative tolerance of an integer counts as it.
_STEP_TOLERANCE = 1e-9

# A guard for a live panel: a mistyped ``step`` must fail at once, not fill the memory.
_MAX_SAMPLES = 10_000_000

_REDUCERS = {"mean": np.mean, "median": np.median, "max": np.max, "min": np.min}


# --- validation ------------------------------------------------------------------------------


def _as_image(image) -> np.ndarray:
    array = np.asarray(image)
    if np.iscomplexobj(array):
        raise ValueError("image must be real; take np.abs, .real or .imag of a complex image")
    if array.dtype != bool and not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"image must be numeric, got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError("image must have at least one axis, got a 0-d array")
    if array.dtype.kind == "f" and array.dtype.itemsize not in (4, 8):
        # scipy.ndimage interpolates neither float16 nor long double.
        array = array.astype(np.float64)
    return array


def _as_path(path, ndim: int | None = None) -> np.ndarray:
    try:
        vertices = np.asarray(path, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"path must be an (N, ndim) array of numbers: {error}") from None
    if vertices.ndim != 2:
        raise ValueError(f"path must be a 2-D (N, ndim) array of vertices, got {vertices.ndim}-D")
    if vertices.shape[0] < 2:
        raise ValueError(f"path needs at least two vertices, got {vertices.shape[0]}")
    if vertices.shape[1] < 1:
        raise ValueError("path vertices need at least one coordinate")
    if ndim is not None and vertices.shape[1] != ndim:
        raise ValueError(
            f"path vertices have {vertices.shape[1]} coordinates but the image has {ndim} axes"
        )
    if not np.all(np.isfinite(vertices)):
        raise ValueError("path vertices must be finite (no NaN or inf)")
    return vertices


def _as_positive_real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive real number, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return number


def _as_spacing(spacing, ndim: int) -> np.ndarray:
    """Return ``(ndim,)`` pixel sizes, or an ``(ndim, ndim)`` data -> physical matrix."""
    if spacing is None:
        return np.ones(ndim)
    try:
        values = np.asarray(spacing, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"spacing must be numbers, one per axis or an (ndim, ndim) matrix: {error}"
        ) from None
    if values.ndim == 0:
        values = np.full(ndim, float(values))
    if values.ndim == 2:
        if values.shape != (ndim, ndim):
            raise ValueError(
                f"spacing as a matrix must be ({ndim}, {ndim}), one row and column per "
                f"image axis, got {values.shape}"
            )
        if not np.all(np.isfinite(values)):
            raise ValueError(f"spacing must be finite, got {values.tolist()}")
        # A singular matrix would give some directions zero length: distances would repeat.
        if np.linalg.matrix_rank(values) < ndim:
            raise ValueError(f"spacing as a matrix must be invertible, got {values.tolist()}")
        return values
    if values.shape != (ndim,):
        raise ValueError(f"spacing needs one value per image axis ({ndim}), got {values.size}")
    if not np.all(np.isfinite(values) & (values > 0)):
        raise ValueError(f"spacing must be finite and > 0 on every axis, got {values.tolist()}")
    return values


def _as_choice(value, choices: tuple, name: str):
    if isinstance(value, bool) or value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def _as_positive_int(value, name: str) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        number = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be a positive integer, got {value!r}") from None
    if number < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return number


def _is_chunked(image) -> bool:
    return (
        not isinstance(image, np.ndarray)
        and all(hasattr(image, name) for name in ("shape", "dtype", "chunks", "__getitem__"))
        and len(image.chunks) == len(image.shape)
    )


def _check_lazy_image(image) -> None:
    dtype = np.dtype(image.dtype)
    if dtype.kind == "c":
        raise ValueError("image must be real; take np.abs, .real or .imag of a complex image")
    if dtype.kind != "b" and not np.issubdtype(dtype, np.number):
        raise TypeError(f"image must be numeric, got dtype {dtype}")
    if len(image.shape) == 0:
        raise ValueError("image must have at least one axis, got a 0-d array")


# --- where to sample -------------------------------------------------------------------------


def _segment_lengths(path: np.ndarray) -> np.ndarray:
    deltas = np.diff(path, axis=0)
    return np.sqrt(np.einsum("ij,ij->i", deltas, deltas))


def _sample_path(path: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced samples along a validated path, and the segment of each."""
    deltas = np.diff(path, axis=0)
    lengths = _segment_lengths(path)
    # Zero-length segments carry no arc length; samples are placed on the others only.
    moving = np.flatnonzero(lengths > 0)
    if moving.size == 0:
        raise ValueError("path has zero length: all its vertices coincide")
    ends = np.cumsum(lengths[moving])
    total = ends[-1]
    quotient = total / step
    intervals = max(1, math.ceil(quotient - _STEP_TOLERANCE * max(quotient, 1.0)))
    if intervals + 1 > _MAX_SAMPLES:
        raise ValueError(
            f"step {step!r} is too small for a path {total:.6g} pixels long: it would need "
            f"{intervals + 1} samples (at most {_MAX_SAMPLES})"
        )
    arc = np.linspace(0.0, total, intervals + 1)
    starts = ends - lengths[moving]
    # A sample on a vertex belongs to the segment that starts there.
    which = np.minimum(np.searchsorted(ends, arc, side="right"), moving.size - 1)
    # take() rather than fancy indexing: several times faster on these short rows.
    segment = moving.take(which)
    fraction = (arc - starts.take(which)) / lengths.take(segment)
    coords = path.take(segment, axis=0) + fraction[:, None] * deltas.take(segment, axis=0)
    coords[0] = path[0]
    coords[-1] = path[-1]
    return coords, segment


def sample_path(path, step: float = 1.0) -> np.ndarray:
    """Return evenly spaced sample coordinates along a polyline.

    Parameters
    ----------
    path : array_like of float, shape (N, ndim)
        Vertices of the polyline in data (pixel) coordinates, in the order drawn;
        ``N >= 2``. Zero-length segments are skipped.
    step : float, optional
        Largest distance between consecutive samples, in pixels along the path.

    Returns
    -------
    numpy.ndarray of float64, shape (M, ndim)
        Sample coordinates. The first is exactly ``path[0]`` and the last exactly
        ``path[-1]``; the ``M - 1 = ceil(L / step)`` intervals (``M >= 2``) all have
        the same length ``L / (M - 1)`` along the path, where ``L`` is the path's
        length in pixels.

    Raises
    ------
    ValueError
        If ``path`` is not an (N, ndim) array of at least two finite vertices or
        has zero length, or if ``step`` is not finite and > 0.

    Examples
    --------
    >>> import numpy as np
    >>> print(sample_path([[0, 0], [0, 3], [4, 3]], step=2.0))
    [[0.   0.  ]
     [0.   1.75]
     [0.5  3.  ]
     [2.25 3.  ]
     [4.   3.  ]]
    """
    vertices = _as_path(path)
    coords, _ = _sample_path(vertices, _as_positive_real(step, "step"))
    return coords


def _to_physical(steps: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    """Physical vectors of data steps (rows): scaled per axis, or ``M @ step`` each."""
    return steps @ spacing.T if spacing.ndim == 2 else steps * spacing


def _physical_distance(
    path: np.ndarray, coords: np.ndarray, segment: np.ndarray, spacing: np.ndarray
) -> np.ndarray:
    """Arc length along the path from ``path[0]`` to each sample, in physical units."""
    physical = _to_physical(np.diff(path, axis=0), spacing)
    lengths = np.sqrt(np.einsum("ij,ij->i", physical, physical))
    before = np.concatenate(([0.0], np.cumsum(lengths)))
    # Measured along the path, so a corner between two samples is not cut short.
    along = _to_physical(coords - path.take(segment, axis=0), spacing)
    return before.take(segment) + np.sqrt(np.einsum("ij,ij->i", along, along))


def _across(path: np.ndarray, coords: np.ndarray, segment: np.ndarray, width: int) -> np.ndarray:
    """All sample points, ``width`` across the line per sample, shape (ndim, M, width)."""
    if width == 1:
        return np.ascontiguousarray(coords.T[:, :, None])
    if path.shape[1] < 2:
        raise ValueError("width > 1 needs an image with at least two axes")
    deltas = np.diff(path, axis=0)
    moving = _segment_lengths(path) > 0
    in_plane = np.hypot(deltas[:, -2], deltas[:, -1])
    if np.any(moving & (in_plane == 0)):
        raise ValueError(
            "width > 1 samples across the line in the plane of the last two axes, but a "
            "segment of the path does not move in that plane; use width=1"
        )
    # The unit normal of each segment in the plane of the last two axes (the
    # direction of travel turned by 90 degrees), then of each sample's segment.
    normals = np.zeros_like(deltas)
    np.divide(deltas[:, -1], in_plane, out=normals[:, -2], where=moving)
    np.divide(-deltas[:, -2], in_plane, out=normals[:, -1], where=moving)
    normal = normals.take(segment, axis=0)
    offsets = np.arange(width) - (width - 1) / 2
    return coords.T[:, :, None] + normal.T[:, :, None] * offsets


def _smooth(values: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing (sigma in samples) of each run of finite values on its own."""
    finite = np.isfinite(values)
    if finite.all():
        return ndi.gaussian_filter1d(values, sigma, mode="nearest")
    # A run between missing samples is treated like a whole line: its ends are
    # extended ("nearest"), so missing data neither spreads nor is filled in.
    smoothed = values.copy()
    bounds = np.flatnonzero(np.diff(np.concatenate(([0], finite.view(np.int8), [0]))))
    for start, stop in bounds.reshape(-1, 2):
        smoothed[start:stop] = ndi.gaussian_filter1d(values[start:stop], sigma, mode="nearest")
    return smoothed


# --- edges -----------------------------------------------------------------------------------

# Differences of |derivative| below this fraction of its largest value are rounding noise:
# with linear interpolation the derivative is flat between pixel centres up to rounding,
# and noise must not split such a run into spurious peaks.
_FLAT_TOLERANCE = 1e-9


def _peak_runs(strength: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last index of each run of equal samples higher than both neighbours."""
    finite = strength[np.isfinite(strength)]
    if finite.size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    change = np.diff(strength)
    trend = np.sign(change)
    trend[np.abs(change) <= _FLAT_TOLERANCE * finite.max()] = 0
    # A rise followed, past any flat stretch, by a fall; a NaN between them (neither
    # a rise, a fall nor flat) breaks the pair, so a peak needs finite neighbours.
    turns = np.flatnonzero(trend != 0)
    kinds = trend[turns]
    pairs = np.flatnonzero((kinds[:-1] == 1) & (kinds[1:] == -1))
    return turns[pairs] + 1, turns[pairs + 1]


def _fit_neighbours(
    strength: np.ndarray, coords: np.ndarray, left: np.ndarray, right: np.ndarray, top
) -> tuple[np.ndarray, np.ndarray]:
    """Return the sample on either side of each peak run to fit its parabola through."""
    before, after = left - 1, right + 1
    arc = np.concatenate(([0.0], np.cumsum(np.linalg.norm(np.diff(coords, axis=0), axis=1))))
    last = arc.size - 1
    if not 0 < arc[-1] / last <= 0.5 + 1e-9:
        return before, after
    # Samples at most half a pixel apart: reach one pixel from the run's centre.
    centre = (arc[left] + arc[right]) / 2
    reach = 1.0 - 1e-9
    far_before = np.minimum(np.searchsorted(arc, centre - reach, side="right") - 1, before)
    far_after = np.maximum(np.searchsorted(arc, centre + reach, side="left"), after)
    missing = np.concatenate(([0], np.cumsum(~np.isfinite(strength))))
    inside = (far_before >= 0) & (far_after <= last)
    low, high = np.where(inside, far_before, before), np.where(inside, far_after, after)
    usable = (
        inside
        & (missing[high + 1] == missing[low])
        & (strength[low] < top)
        & (strength[high] < top)
    )
    return np.where(usable, low, before), np.where(usable, high, after)


def _parabola_vertex(x0, y0, x1, y1, x2, y2) -> tuple[np.ndarray, np.ndarray]:
    """Position and height of the vertex of the parabola through three points."""
    slope01 = (y1 - y0) / (x1 - x0)
    curvature = ((y2 - y1) / (x2 - x1) - slope01) / (x2 - x0)
    # The middle point is above both others, so the curvature is negative, never zero.
    vertex = (x0 + x1) / 2 - slope01 / (2 * curvature)
    return vertex, y0 + slope01 * (vertex - x0) + curvature * (vertex - x0) * (vertex - x1)


# --- results ---------------------------------------------------------------------------------


def _read_only(values, ndim: int, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got {array.ndim}-D")
    if array.flags.writeable:
        # A read-only view, so the caller's array keeps its own flags.
        array = array.view()
        array.flags.writeable = False
    return array


@dataclasses.dataclass(frozen=True, eq=False)
class Edge:
    """An edge of a profile: a local extremum of the derivative.

    Attributes
    ----------
    distance : float
        Position along the profile, in physical units from its start.
    coords : numpy.ndarray of float64, shape (ndim,)
        Position in data (pixel) coordinates, interpolated along the profile.
    derivative : float
        The derivative at the edge (refined peak value), in intensity per physical
        unit; positive for a rising edge, negative for a falling one.
    """

    distance: float
    coords: np.ndarray
    derivative: float


@dataclasses.dataclass(frozen=True, eq=False)
class Profile:
    """Intensity sampled along a line and its derivative along the line.

    Arrays are read-only. ``M`` is the number of samples.

    Attributes
    ----------
    distance : numpy.ndarray of float64, shape (M,)
        Distance along the path from its first vertex, in physical units.
    coords : numpy.ndarray of float64, shape (M, ndim)
        Sample positions in data (pixel) coordinates.
    values : numpy.ndarray of float64, shape (M,)
        Sampled intensity (reduced across the width, never smoothed); NaN outside
        the image.
    derivative : numpy.ndarray of float64, shape (M,)
        ``d values / d distance`` in intensity per physical unit (of the smoothed
        values when ``smooth > 0``); NaN next to a NaN value.
    spacing : tuple of float, or tuple of tuple of float, optional
        Physical size of a pixel along each sampled axis (default: 1 per axis);
        or, when :func:`line_profile` was given a matrix, that ``(ndim, ndim)``
        matrix ``M`` as a tuple of rows: a data step ``d`` is ``M @ d`` physically.
    """

    distance: np.ndarray
    coords: np.ndarray
    values: np.ndarray
    derivative: np.ndarray
    spacing: tuple[float, ...] | tuple[tuple[float, ...], ...] | None = None

    def __post_init__(self):
        distance = _read_only(self.distance, 1, "distance")
        coords = _read_only(self.coords, 2, "coords")
        values = _read_only(self.values, 1, "values")
        derivative = _read_only(self.derivative, 1, "derivative")
        size = distance.shape[0]
        if not coords.shape[0] == values.shape[0] == derivative.shape[0] == size:
            raise ValueError(
                "distance, coords, values and derivative must have the same number of samples"
            )
        spacing = (1.0,) * coords.shape[1] if self.spacing is None else self.spacing
        spacing = np.asarray(spacing, dtype=np.float64).tolist()
        object.__setattr__(self, "distance", distance)
        object.__setattr__(self, "coords", coords)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "derivative", derivative)
        object.__setattr__(
            self,
            "spacing",
            tuple(tuple(row) if isinstance(row, list) else row for row in spacing),
        )

    def __len__(self) -> int:
        return self.distance.shape[0]

    def find_edges(self, count: int | None = 1) -> list[Edge]:
        """Return the strongest edges: interior local extrema of ``|derivative|``.

        A peak is a sample, or a run of samples equal to within rounding
        (1e-9 of the largest ``|derivative|``), whose ``|derivative|`` is
        greater than that of the finite samples on both sides. So the first
        and last samples are never edges, nor is a sample next to a NaN (where
        the data ends, as at an end of the line), and a monotone or flat
        ``|derivative|`` has no edge. NaNs are otherwise ignored.

        Each peak is refined to sub-sample precision by the parabola, in
        distance, through ``|derivative|`` at the centre of the run and at one
        sample on either side of it: the adjacent samples; or, when samples are
        at most half a pixel apart, the first samples at least one pixel (in
        data coordinates, along the line) from the centre, if those are finite
        and lower. The wider fit is needed because with linear interpolation
        the derivative is constant between pixel centres: adjacent samples
        would only locate the pixel interval, to within half a pixel.

        Parameters
        ----------
        count : int or None, optional
            How many edges to return at most; None returns them all.

        Returns
        -------
        list of Edge
            Strongest first (largest refined ``|derivative|``), ties in order
            along the line.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.arange(20.0)
        >>> image = np.tile(100 / (1 + np.exp(-(x - 9.3))), (3, 1))  # rises at x=9.3
        >>> profile = line_profile(image, [[1, 0], [1, 19]])
        >>> [edge] = profile.find_edges()
        >>> print(round(edge.distance, 1), edge.coords.round(1))
        9.3 [1.  9.3]
        """
        if count is not None:
            count = _as_positive_int(count, "count")
        x, y = self.distance, np.abs(self.derivative)
        left, right = _peak_runs(y)
        if left.size == 0:
            return []
        centre = (x[left] + x[right]) / 2
        # The highest sample of each run, which is above the samples outside it.
        top = np.maximum.reduceat(y, np.column_stack([left, right + 1]).ravel())[::2]
        before, after = _fit_neighbours(y, self.coords, left, right, top)
        vertex, height = _parabola_vertex(x[before], y[before], centre, top, x[after], y[after])

        order = np.argsort(-height, kind="stable")[:count]
        signs = np.sign(self.derivative[(left + right) // 2])
        coords = np.column_stack(
            [np.interp(vertex, x, self.coords[:, axis]) for axis in range(self.coords.shape[1])]
        )
        return [
            Edge(
                distance=float(vertex[i]),
                coords=coords[i],
                derivative=float(signs[i] * height[i]),
            )
            for i in order
        ]

    def to_csv(self, path: str | os.PathLike, *, axis_labels: Sequence[str] | None = None):
        """Write the profile to a CSV file, as line 0 of :func:`profiles_to_csv`.

        Parameters
        ----------
        path : str or os.PathLike
            File to write (overwritten).
        axis_labels : sequence of str, optional
            Names of the coordinate columns, one per axis.
        """
        profiles_to_csv([self], path, axis_labels=axis_labels)


# --- sampling --------------------------------------------------------------------------------


def line_profile(
    image,
    path,
    *,
    spacing: float | Sequence[float] | Sequence[Sequence[float]] | None = None,
    step: float = 1.0,
    order: int = 1,
    width: int = 1,
    smooth: float = 0.0,
    reduce: str = "mean",
    mode: str = "nearest",
) -> Profile:
    """Sample an image along a line or polyline and differentiate along it.

    Parameters
    ----------
    image : array_like, shape (...)
        Real, numeric image of any number of axes (RGB must be converted before).
        Interpolated in float64, so integer images never wrap around.
    path : array_like of float, shape (N, image.ndim)
        Vertices of the line (``N = 2``) or polyline in the image's data (pixel)
        coordinates, in the order drawn; pixel centres are at integer coordinates.
        Zero-length segments are skipped.
    spacing : float, sequence of float, or array_like of shape (ndim, ndim), optional
        Physical size of a pixel along each axis (e.g. µm per pixel, napari's
        ``scale``); a single number applies to every axis. Default: 1 per axis,
        so distances are in pixels. A matrix ``M`` is the linear part of the
        data -> physical transform: a step ``d`` in pixels is ``M @ d`` physically,
        and its length ``|M @ d|`` (so shear and rotation are measured; a
        flip, a negative entry, changes no length). Per-axis sizes are the
        diagonal case. ``M`` must be finite and invertible.
    step : float, optional
        Largest distance between samples, in pixels along the path. The samples
        split the path, of length ``L`` pixels, into ``ceil(L / step)`` equal
        intervals; the first sample is ``path[0]``, the last ``path[-1]``.
    order : {0, 1, 3}, optional
        Interpolation: 0 nearest pixel, 1 linear (default), 3 cubic spline.
    width : int, optional
        Number of samples across the line, one pixel apart and centred on it,
        perpendicular to the segment each sample lies on in the plane of the
        image's last two axes (as in ImageJ and ``skimage.measure.profile_line``).
    smooth : float, optional
        Sigma, in pixels along the line, of a Gaussian applied to the values
        before differentiating; 0 (default) for plain central differences.
        ``Profile.values`` are never smoothed.
    reduce : {"mean", "median", "max", "min"}, optional
        How the ``width`` samples across the line are combined.
    mode : str, optional
        Boundary mode of :func:`scipy.ndimage.map_coordinates`, used only to
        interpolate within the half-pixel border of the image; one of
        :data:`BOUNDARY_MODES`.

    Returns
    -------
    Profile
        ``M`` samples: ``distance`` from ``path[0]`` along the path in physical
        units, ``coords`` in data coordinates, ``values`` and ``derivative``
        (intensity per physical unit, central differences on the real distances,
        one-sided at the ends).

    Raises
    ------
    ValueError
        Naming the parameter: a 0-d or complex ``image``; a ``path`` not
        (N, image.ndim), with fewer than two vertices, non-finite vertices or
        zero length; ``step`` or per-axis ``spacing`` not finite and > 0, or a
        ``spacing`` matrix not finite, invertible and (ndim, ndim); ``width`` not a
        positive integer, or ``width > 1`` with a segment that does not move in
        the plane of the last two axes; ``smooth < 0``; an unknown ``order``,
        ``reduce`` or ``mode``.
    TypeError
        If ``image`` is not numeric.

    Notes
    -----
    A chunked image that is not a numpy array (dask, zarr) is read chunk by chunk,
    and only where the samples need it: the chunks holding the pixels each point
    is interpolated from (``floor`` and ``floor + 1`` on each axis for orders 0
    and 1, plus the first two pixels when the point is in the half-pixel border).
    The values are then exactly those of the same image in memory. For order 3 the
    spline prefilter is global: each point is interpolated in a window reaching
    16 pixels past its 4 x 4 footprint (within the image), in which every chunk
    that window touches is read; the error of cutting the prefilter there is below
    ``0.27 ** 16``, about 1e-9, of the image's intensity range. A numpy image is
    interpolated the same way, cut in tiles of 64 pixels per axis: only the
    neighbourhood of the line is prefiltered, so the cost follows the line, not
    the image, and a NaN farther than the window from every sample does not reach
    the profile. The boundary modes ``"wrap"`` and ``"grid-wrap"`` reach across the
    image, so with them a chunked image is read whole and prefiltered whole.

    A sample is NaN if any of its ``width`` points lies outside the image's
    pixel extent, ``[-0.5, shape - 0.5]`` on some axis; the derivative next to a
    NaN is NaN. With ``smooth > 0`` each run of finite values is smoothed on its
    own, with its ends extended (``mode="nearest"``).

    With ``order=1`` the image is linear between pixel centres, so the derivative
    is constant there: samples finer than a pixel draw that staircase but add no
    information. ``order=3`` or ``smooth`` give a smooth derivative.

    Examples
    --------
    An image rising by 10 per pixel along x, with pixels of 0.5 µm:

    >>> import numpy as np
    >>> from napari_derivatives import line_profile
    >>> image = np.tile(10.0 * np.arange(6), (5, 1))
    >>> profile = line_profile(image, [[2, 1], [2, 4]], spacing=(0.5, 0.5))
    >>> print(profile.distance)
    [0.  0.5 1.  1.5]
    >>> print(profile.values)
    [10. 20. 30. 40.]
    >>> print(profile.derivative)  # intensity per µm
    [20. 20. 20. 20.]

    Sampling between pixel centres interpolates; on a diagonal the distance is
    measured along the line:

    >>> profile = line_profile(image, [[0, 0], [3, 4]], step=2.5)
    >>> print(profile.coords)
    [[0.  0. ]
     [1.5 2. ]
     [3.  4. ]]
    >>> print(profile.distance, profile.derivative)
    [0.  2.5 5. ] [8. 8. 8.]
    """
    if _is_chunked(image):
        _check_lazy_image(image)
    else:
        image = _as_image(image)
    vertices = _as_path(path, len(image.shape))
    spacing = _as_spacing(spacing, len(image.shape))
    step = _as_positive_real(step, "step")
    order = _as_choice(order, ORDERS, "order")
    width = _as_positive_int(width, "width")
    if isinstance(smooth, bool) or not isinstance(smooth, numbers.Real):
        raise ValueError(f"smooth must be a real number >= 0, got {smooth!r}")
    if not (math.isfinite(smooth) and smooth >= 0):
        raise ValueError(f"smooth must be finite and >= 0, got {smooth!r}")
    reduce = _as_choice(reduce, REDUCTIONS, "reduce")
    mode = _as_choice(mode, BOUNDARY_MODES, "mode")

    coords, segment = _sample_path(vertices, step)
    distance = _physical_distance(vertices, coords, segment, spacing)
    points = _across(vertices, coords, segment, width)

    # The points across a sample lie on a segment: its two ends are the extremes.
    extremes = points[:, :, :: max(width - 1, 1)]
    upper = (np.asarray(image.shape) - 0.5)[:, None, None]
    outside = np.any((extremes < -0.5) | (extremes > upper), axis=(0, 2))
    if isinstance(image, np.ndarray) and order < 3:
        sampled = ndi.map_coordinates(
            image, points, order=int(order), mode=mode, output=np.float64, prefilter=True
        )
    else:
        # Order 3 on an array too: the spline prefilter of the whole image would cost
        # the whole image per call, and spread one NaN anywhere to every sample.
        source = _Tiles(image) if isinstance(image, np.ndarray) else image
        sampled = _map_chunked(source, points, ~outside, order=int(order), mode=mode)
    values = sampled[:, 0] if width == 1 else _REDUCERS[reduce](sampled, axis=1)
    values[outside] = np.nan

    smoothed = values
    if smooth > 0:
        # The samples are evenly spaced in pixels along the path: sigma in samples.
        interval = _segment_lengths(vertices).sum() / (len(coords) - 1)
        smoothed = _smooth(values, smooth / interval)
    with np.errstate(invalid="ignore"):
        # inf - inf in an image holding infinities is NaN, as it should be, silently.
        derivative = np.gradient(smoothed, distance)
    return Profile(
        distance=distance,
        coords=coords,
        values=values,
        derivative=derivative,
        spacing=spacing.tolist(),
    )


# --- chunked images --------------------------------------------------------------------------

# The cubic spline prefilter's influence falls as (2 - sqrt 3) ** distance = 0.268 ** d:
# a window this many pixels past a point's own footprint holds all but ~1e-9 of it.
_SPLINE_MARGIN = 16

_WRAPPING_MODES = ("wrap", "grid-wrap")

# Tiles an in-memory image is cut into for order 3: each group of samples is
# interpolated in a window of at most this plus twice the margin per axis.
_ARRAY_TILE = 64


class _Tiles:
    """An in-memory array seen as a chunked one, of tiles read as views (no copy)."""

    def __init__(self, array: np.ndarray) -> None:
        self._array = array
        self.shape, self.dtype, self.ndim = array.shape, array.dtype, array.ndim
        self.chunks = (_ARRAY_TILE,) * array.ndim

    def __getitem__(self, box):
        return self._array[box]


def _chunk_edges(image) -> list[np.ndarray]:
    """Start of every chunk and the end of the last, per axis."""
    edges = []
    for size, chunks in zip(image.shape, image.chunks, strict=True):
        if isinstance(chunks, numbers.Integral):  # zarr: one chunk size per axis
            edge = np.append(np.arange(0, size, max(int(chunks), 1)), size)
        else:  # dask: the size of every chunk
            edge = np.concatenate(([0], np.cumsum(chunks)))
        edges.append(edge.astype(np.intp))
    return edges


def _read_boxes(image, boxes: list[tuple[slice, ...]]) -> list[np.ndarray]:
    if hasattr(image, "__dask_graph__"):
        import dask

        # One pass of the scheduler for all chunks, not one per chunk.
        return [np.asarray(block) for block in dask.compute(*(image[box] for box in boxes))]
    return [np.asarray(image[box]) for box in boxes]


def _buffer_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    # scipy.ndimage interpolates neither float16 nor long double (as in _as_image).
    return np.dtype(np.float64) if dtype.kind == "f" and dtype.itemsize not in (4, 8) else dtype


def _chunk_of(edges: list[np.ndarray], pixels: np.ndarray) -> np.ndarray:
    """Index of the chunk holding each pixel, per axis; ``pixels`` is (ndim, ...)."""
    return np.stack(
        [
            np.searchsorted(edge, row, side="right") - 1
            for edge, row in zip(edges, pixels, strict=True)
        ]
    )


def _assemble(blocks: dict, edges: list[np.ndarray], start, stop, dtype) -> np.ndarray:
    """Return the box ``[start, stop)`` of the image from the blocks read, zero elsewhere."""
    window = np.zeros(tuple(stop - start), dtype=dtype)
    first = _chunk_of(edges, np.asarray(start)[:, None])[:, 0]
    last = _chunk_of(edges, np.asarray(stop)[:, None] - 1)[:, 0]
    for offset in np.ndindex(*(last - first + 1)):
        key = tuple((first + offset).tolist())
        block = blocks.get(key)
        if block is None:
            continue
        source, target = [], []
        for axis, index in enumerate(key):
            chunk_start, chunk_stop = int(edges[axis][index]), int(edges[axis][index + 1])
            low, high = max(int(start[axis]), chunk_start), min(int(stop[axis]), chunk_stop)
            source.append(slice(low - chunk_start, high - chunk_start))
            target.append(slice(low - int(start[axis]), high - int(start[axis])))
        window[tuple(target)] = block[tuple(source)]
    return window


def _map_chunked(image, points: np.ndarray, valid: np.ndarray, *, order: int, mode: str):
    """``map_coordinates`` on a chunked image, reading only the chunks it needs.

    ``points`` has shape (ndim, M, width); ``valid`` (M,) marks the samples whose
    values are kept (the others are NaN). Returns float64 values of shape (M, width).
    """
    ndim, count, width = points.shape
    shape = np.asarray(image.shape, dtype=np.intp)
    dtype = _buffer_dtype(image.dtype)
    result = np.full(count * width, np.nan)
    keep = np.repeat(valid, width)
    used = points.reshape(ndim, -1)[:, keep]
    if used.shape[1] == 0:
        return result.reshape(count, width)
    if mode in _WRAPPING_MODES:
        whole = np.asarray(image[(slice(None),) * ndim]).astype(dtype, copy=False)
        return ndi.map_coordinates(
            whole, points, order=order, mode=mode, output=np.float64, prefilter=True
        )

    # The pixels each point is interpolated from, first and last per axis (inclusive).
    base = np.floor(used).astype(np.intp)
    last = shape[:, None] - 1
    if order <= 1:
        low, high = base, base + 1
        # In the half-pixel border the modes repeat or mirror the first two pixels.
        high = np.where(low < 0, np.maximum(high, np.minimum(1, last)), high)
        low = np.where(high > last, np.minimum(low, np.maximum(last - 1, 0)), low)
    else:
        low, high = base - 1 - _SPLINE_MARGIN, base + 2 + _SPLINE_MARGIN
    low, high = np.clip(low, 0, last), np.clip(high, 0, last)

    # Every chunk a point's footprint touches: the product of its ranges per axis.
    edges = _chunk_edges(image)
    first, final = _chunk_of(edges, low), _chunk_of(edges, high)
    touched = []
    for offset in np.ndindex(*((final - first).max(axis=1) + 1)):
        index = first + np.asarray(offset, dtype=np.intp)[:, None]
        touched.append(index[:, np.all(index <= final, axis=0)])
    chunks = np.unique(np.concatenate(touched, axis=1), axis=1).T.tolist()
    boxes = [
        tuple(slice(int(edge[i]), int(edge[i + 1])) for edge, i in zip(edges, chunk, strict=True))
        for chunk in chunks
    ]
    blocks = dict(zip(map(tuple, chunks), _read_boxes(image, boxes), strict=True))

    # Points are interpolated per chunk of their base pixel, each group in a small
    # window around its footprints assembled from the blocks read (zero elsewhere:
    # no point reads there, or for order 3 only farther away than the margin).
    home = _chunk_of(edges, np.clip(base, 0, last))
    groups, group_of = np.unique(home, axis=1, return_inverse=True)
    group_of = group_of.ravel()
    sampled = np.empty(used.shape[1])
    for group in range(groups.shape[1]):
        members = np.flatnonzero(group_of == group)
        start = low[:, members].min(axis=1)
        stop = high[:, members].max(axis=1) + 1
        window = _assemble(blocks, edges, start, stop, dtype)
        # Subtracting whole pixels from the coordinates is exact in float64, so
        # orders 0 and 1 give the very values of the whole image.
        sampled[members] = ndi.map_coordinates(
            window,
            used[:, members] - start[:, None],
            order=order,
            mode=mode,
            output=np.float64,
            prefilter=True,
        )
    result[keep] = sampled
    return result.reshape(count, width)


# --- export ----------------------------------------------------------------------------------

_FIXED_COLUMNS = ("line", "distance", "intensity", "derivative")


def _coordinate_labels(ndim: int, axis_labels: Sequence[str] | None) -> list[str]:
    if axis_labels is None:
        return list(("z", "y", "x")[-ndim:]) if ndim <= 3 else [f"axis_{i}" for i in range(ndim)]
    labels = list(axis_labels)
    if len(labels) != ndim:
        raise ValueError(f"axis_labels needs one name per axis ({ndim}), got {len(labels)}")
    for label in labels:
        if not isinstance(label, str) or not label or any(c in label for c in ',"\r\n'):
            raise ValueError(
                f"axis_labels must be non-empty strings without commas, quotes or line "
                f"breaks, got {label!r}"
            )
    if len(set(labels) | set(_FIXED_COLUMNS)) != ndim + len(_FIXED_COLUMNS):
        raise ValueError(
            f"axis_labels must be distinct and differ from {_FIXED_COLUMNS}, got {labels}"
        )
    return labels


def _as_line_numbers(lines) -> list[int]:
    try:
        lines = list(lines)
    except TypeError:
        raise ValueError(f"lines must be a sequence of integers, got {lines!r}") from None
    indices = []
    for number in lines:
        try:
            if isinstance(number, (bool, np.bool_)):
                raise TypeError
            # operator.index, not int(): 1.7 or "1" must not pass as a line number.
            indices.append(operator.index(number))
        except TypeError:
            raise ValueError(f"lines must hold integers, got {number!r}") from None
    return indices


def profiles_to_csv(
    profiles: Iterable[Profile],
    path: str | os.PathLike,
    *,
    axis_labels: Sequence[str] | None = None,
    lines: Sequence[int] | None = None,
) -> None:
    """Write profiles to one CSV file, a row per sample.

    The columns are ``line, distance, <one per axis>, intensity, derivative``,
    where ``line`` is the index of the profile in ``profiles``, or the number
    given for it in ``lines``. Numbers are
    written with full precision (shortest round-trip form), NaN as ``nan``; the
    file reads back with ``numpy.genfromtxt(path, delimiter=",", names=True)``.

    Parameters
    ----------
    profiles : iterable of Profile
        At least one profile; all with the same number of coordinates.
    path : str or os.PathLike
        File to write (overwritten), UTF-8.
    axis_labels : sequence of str, optional
        Names of the coordinate columns, one per axis. Default: the last
        ``ndim`` of ``("z", "y", "x")``, or ``axis_0, axis_1, ...`` beyond 3 axes.
    lines : sequence of int, optional
        The number written in the ``line`` column for each profile, for example
        the index of its shape in a napari Shapes layer. Default: 0, 1, 2, ...

    Raises
    ------
    ValueError
        If ``profiles`` is empty or mixes numbers of axes, ``lines`` does not
        have one integer per profile, or ``axis_labels`` has the wrong length,
        repeats a name or holds a comma, quote or newline.
    """
    profiles = list(profiles)
    if not profiles:
        raise ValueError("profiles must hold at least one Profile")
    lines = list(range(len(profiles))) if lines is None else _as_line_numbers(lines)
    if len(lines) != len(profiles):
        raise ValueError(f"lines must hold one number per profile, got {len(lines)}")
    ndim = profiles[0].coords.shape[1]
    if any(profile.coords.shape[1] != ndim for profile in profiles):
        raise ValueError("profiles must all have the same number of coordinate axes")
    labels = _coordinate_labels(ndim, axis_labels)
    header = ",".join(["line", "distance", *labels, "intensity", "derivative"])
    with open(os.fspath(path), "w", encoding="utf-8", newline="") as file:
        file.write(header + "\n")
        for line, profile in zip(lines, profiles, strict=True):
            table = np.column_stack(
                [profile.distance, profile.coords, profile.values, profile.derivative]
            )
            # repr of a Python float is its shortest exact form: 0.1, 1e-05, nan, inf.
            file.writelines(f"{line}," + ",".join(map(repr, row)) + "\n" for row in table.tolist())
