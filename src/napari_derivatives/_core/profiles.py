"""Intensity along a line or polyline, and its derivative per physical distance.

Where to sample and what is found there are computed apart, as in scikit-image's
``measure/profile.py``: :mod:`.paths` gives coordinates and distances only,
:mod:`.sampling` interpolates the image there (reading only the chunks it needs), and
:func:`line_profile` reduces across the line's width and differentiates along it.
Edges are found by :mod:`.edges`, CSV files written by :mod:`.export`.

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
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage as ndi

from . import checks, edges, export, interpolant, missing, paths, sampling
from .arraytypes import ChunkedArray, Float64Array
from .choices import DERIVATIVE_SOURCES, ORDERS, REDUCTIONS, SAMPLING_MODES
from .edges import Edge

__all__ = ["Edge", "Profile", "line_profile"]

# numpy's reductions share no one overloaded type; each takes (array, axis=...).
_REDUCERS: dict[str, Callable[..., Any]] = {
    "mean": np.mean,
    "median": np.median,
    "max": np.max,
    "min": np.min,
}

# The sampling mode each boundary mode stands for: its grid version, where scipy has one.
_GRID_MODES = {"constant": "grid-constant", "wrap": "grid-wrap"}


def _read_only(values: npt.ArrayLike, ndim: int, name: str) -> Float64Array:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got {array.ndim}-D")
    if array.flags.writeable:
        # A read-only view, so the caller's array keeps its own flags.
        array = array.view()
        array.flags.writeable = False
    return array


def _smooth(values: Float64Array, sigma: float) -> Float64Array:
    """Gaussian smoothing (sigma in samples) of each run of finite values on its own."""
    finite = np.isfinite(values)
    if finite.all():
        smoothed_whole: Float64Array = ndi.gaussian_filter1d(values, sigma, mode="nearest")
        return smoothed_whole
    # A run between missing samples is treated like a whole line: its ends are
    # extended ("nearest"), so missing data neither spreads nor is filled in.
    smoothed = values.copy()
    bounds = np.flatnonzero(np.diff(np.concatenate(([0], finite.view(np.int8), [0]))))
    for start, stop in bounds.reshape(-1, 2):
        smoothed[start:stop] = ndi.gaussian_filter1d(values[start:stop], sigma, mode="nearest")
    return smoothed


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

    distance: Float64Array
    coords: Float64Array
    values: Float64Array
    derivative: Float64Array
    spacing: tuple[float, ...] | tuple[tuple[float, ...], ...] | None = None

    def __post_init__(self) -> None:
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
        return len(self.distance)

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
            count = checks.positive_int(count, "count")
        return edges.find_edges(self.distance, self.coords, self.derivative, count)

    def to_csv(
        self, path: str | os.PathLike[str], *, axis_labels: Sequence[str] | None = None
    ) -> None:
        """Write the profile to a CSV file, as line 0 of :func:`profiles_to_csv`.

        Parameters
        ----------
        path : str or os.PathLike
            File to write (overwritten).
        axis_labels : sequence of str, optional
            Names of the coordinate columns, one per axis.
        """
        export.profiles_to_csv([self], path, axis_labels=axis_labels)


def line_profile(
    image: npt.ArrayLike | ChunkedArray,
    path: npt.ArrayLike,
    *,
    spacing: float | Sequence[float] | Sequence[Sequence[float]] | None = None,
    step: float = 1.0,
    order: int = 1,
    width: int = 1,
    smooth: float = 0.0,
    reduce: str = "mean",
    mode: str = "nearest",
    derivative_of: str = "samples",
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
        How the interpolation reads past the image's border, as in
        :mod:`scipy.ndimage`; one of :data:`napari_derivatives.SAMPLING_MODES`.
        With orders 0 and 1 it matters only within the half-pixel border (a sample
        at ``x = -0.4`` lies on pixel 0): ``"constant"`` and ``"wrap"`` have the
        grid semantics of ``"grid-constant"`` (zeros beyond the border) and
        ``"grid-wrap"`` (the far border beyond it), as in
        :func:`skimage.measure.profile_line`. With ``order=3`` the mode also sets
        the boundary of the spline prefilter, so it changes values a few pixels
        from the border too.
    derivative_of : {"samples", "interpolant"}, optional
        ``"samples"`` (default): central differences of the sampled values along the
        distance. ``"interpolant"``: the exact derivative along the path of the
        interpolating function itself at each sample: the gradient of the
        (multi)linear (``order=1``) or cubic spline (``order=3``) interpolant dotted
        with the unit direction of the sample's segment, in intensity per physical
        unit; where ``order=1`` has a kink (a sample exactly on a pixel-cell
        boundary) the mean of the two one-sided derivatives. It does not depend on
        ``step``; with ``width > 1`` it is reduced as the values are (the mean of
        the derivatives; for max, min and median the derivative at the sample
        picked). Needs ``order`` 1 or 3 and ``smooth=0``.

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
        ``reduce``, ``mode`` or ``derivative_of``; ``derivative_of="interpolant"``
        with ``order=0`` (naming ``order``) or ``smooth > 0`` (naming ``smooth``).
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
    if missing.is_masked(image):
        # Masked pixels are missing data: NaN, as outside the image (float64, as sampled).
        image = missing.masked_as_nan(image, np.float64)
    if checks.is_chunked(image):
        checks.real_lazy_image(image)
    else:
        image = checks.real_image(image)
        if image.dtype != sampling.buffer_dtype(image.dtype):
            image = image.astype(sampling.buffer_dtype(image.dtype))
    vertices = checks.path(path, len(image.shape))
    pixel_size = checks.spacing(spacing, len(image.shape), matrix=True)
    step = checks.positive_real(step, "step")
    order = checks.choice(order, ORDERS, "order")
    width = checks.positive_int(width, "width")
    smooth = checks.non_negative_real(smooth, "smooth")
    reduce = checks.choice(reduce, REDUCTIONS, "reduce")
    mode = checks.choice(mode, SAMPLING_MODES, "mode")
    derivative_of = checks.choice(derivative_of, DERIVATIVE_SOURCES, "derivative_of")
    if derivative_of == "interpolant":
        checks.interpolant_options(order, smooth)
    # scipy's "constant" and "wrap" treat the half-pixel border as outside the grid
    # (x = -0.4 would read 0, or the far border); the grid modes read pixel 0 there.
    mode = _GRID_MODES.get(mode, mode)

    coords, segment = paths.sample_segments(vertices, step)
    distance = paths.physical_distance(vertices, coords, segment, pixel_size)
    points = paths.across(vertices, coords, segment, width)

    # The points across a sample lie on a segment: its two ends are the extremes.
    extremes = points[:, :, :: max(width - 1, 1)]
    upper = (np.asarray(image.shape) - 0.5)[:, None, None]
    outside = np.any((extremes < -0.5) | (extremes > upper), axis=(0, 2))

    def sample(at: Float64Array) -> Float64Array:
        if isinstance(image, np.ndarray) and order < 3:
            found: Float64Array = ndi.map_coordinates(
                image, at, order=int(order), mode=mode, output=np.float64, prefilter=True
            )
            return found
        # Order 3 on an array too: the spline prefilter of the whole image would cost
        # the whole image per call, and spread one NaN anywhere to every sample.
        source = sampling.Tiles(image) if isinstance(image, np.ndarray) else image
        return sampling.map_chunked(source, at, ~outside, order=int(order), mode=mode)

    if derivative_of == "interpolant":
        sampled, partials = interpolant.sample_with_partials(sample, points, int(order))
    else:
        sampled = sample(points)
    values: Float64Array = sampled[:, 0] if width == 1 else _REDUCERS[reduce](sampled, axis=1)
    values[outside] = np.nan

    smoothed = values
    if smooth > 0:
        # The samples are evenly spaced in pixels along the path: sigma in samples.
        interval = paths.segment_lengths(vertices).sum() / (len(coords) - 1)
        smoothed = _smooth(values, smooth / interval)
    with np.errstate(invalid="ignore"):
        if derivative_of == "interpolant":
            along = interpolant.along_path(partials, vertices, segment, pixel_size)
            derivative = interpolant.reduce_like(sampled, along, reduce)
            derivative[outside] = np.nan
        else:
            # inf - inf in an image holding infinities is NaN, as it should be, silently.
            derivative = np.gradient(smoothed, distance)
    return Profile(
        distance=distance,
        coords=coords,
        values=values,
        derivative=derivative,
        spacing=pixel_size.tolist(),
    )
