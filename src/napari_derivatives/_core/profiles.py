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
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from . import along, checks, edge_model, export, interpolant, paths
from . import edges as edge_finding
from .arraytypes import ChunkedArray, Float64Array
from .choices import DERIVATIVE_SOURCES
from .edges import Edge

__all__ = ["Edge", "Profile", "line_profile"]


def _read_only(values: npt.ArrayLike, ndim: int, name: str) -> Float64Array:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got {array.ndim}-D")
    if array.flags.writeable:
        # A read-only view, so the caller's array keeps its own flags.
        array = array.view()
        array.flags.writeable = False
    return array


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
    units : str, optional
        The unit of ``distance`` (e.g. ``"µm"``), as given to :func:`line_profile`;
        None when unknown (then distances are in pixels if ``spacing`` is 1).
    settings : dict, optional
        The sampling options :func:`line_profile` was called with (``step``,
        ``order``, ``width``, ``smooth``, ``reduce``, ``mode``), for the record
        :func:`profiles_to_csv` writes beside the CSV.
    """

    distance: Float64Array
    coords: Float64Array
    values: Float64Array
    derivative: Float64Array
    spacing: tuple[float, ...] | tuple[tuple[float, ...], ...] | None = None
    units: str | None = None
    settings: Mapping[str, Any] | None = None

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

    def find_edges(
        self,
        count: int | None = 1,
        *,
        threshold: float | None = None,
        polarity: str = "both",
        select: str = "strongest",
    ) -> list[Edge]:
        """Return edges of the profile, each with its position, slope and widths.

        **Candidates.** An edge is an interior local extremum of ``|derivative|``:
        a sample, or a run of samples equal to within rounding (1e-9 of the largest
        ``|derivative|``), whose ``|derivative|`` is greater than that of the finite
        samples on both sides. So the first and last samples are never edges, nor
        is a sample next to a NaN (where the data ends, as at an end of the line),
        and a monotone or flat ``|derivative|`` has no edge.

        **Measurement.** Each chosen edge is measured on the intensity across it:
        from its derivative peak out to where the slope falls below 2 % of the peak
        (or rises again towards the next edge), plus a quarter more on each side,
        the samples are fitted by a step that is a ramp of width ``w`` blurred by a
        Gaussian of sigma ``s`` (an erf step and a sharp ramp are its two ends).
        ``distance`` is the fitted step's middle; ``rise_width`` (10-90 % of the
        step) and ``fwhm`` (of the derivative peak) are the fitted step's, so they
        are free of the blur that interpolation and central differences add to the
        samples and of the profile's ``smooth``: an erf step of sigma ``s`` gives
        ``fwhm`` = 2.3548 s and ``rise_width`` = 2.5631 s (within 3 % for
        s >= 3 pixels), a straight ramp over ``w`` pixels ``rise_width`` = 0.8 w
        and ``fwhm`` = w. With ``order`` 0 or 1 and ``width`` 1 the step is taken at
        the pixel centres each sample was interpolated from, and interpolated as it
        was (the line assumed normal to the edge), so this holds down to w = 2
        pixels; else (cubic splines, wider lines) from w = 5 or so. Widths are NaN
        when fewer than 5 finite samples cross the edge or the fit fails; then
        ``distance`` is the parabola vertex of ``|derivative|`` through the peak
        and its neighbours (or the samples a pixel away, when samples are at most
        half a pixel apart).
        ``derivative`` and ``intensity`` are the plotted curves (linear between
        samples) at ``distance``, so a marker drawn there sits on the curve.

        Widths are measured along the line: a line crossing an edge at an angle
        ``phi`` (90 degrees: at a right angle) sees them divided by ``sin(phi)``.

        Parameters
        ----------
        count : int or None, optional
            How many edges to return at most; None returns them all. Ignored when
            ``select="all"``.
        threshold : float, optional
            The smallest ``|derivative|`` of an edge, in intensity per physical unit.
        polarity : {"both", "rising", "falling"}, optional
            Keep rising edges (positive slope), falling ones or both.
        select : {"strongest", "first", "last", "all"}, optional
            ``"strongest"``: the ``count`` steepest, steepest first (ties in order
            along the line); ``"first"`` / ``"last"``: the first or last ``count``
            along the line, in order along it; ``"all"``: every edge that passes,
            in order along the line.

        Returns
        -------
        list of Edge

        Raises
        ------
        ValueError
            Naming the parameter: ``count`` not None or an integer >= 1,
            ``threshold`` not None or a finite number >= 0, an unknown
            ``polarity`` or ``select``.

        Examples
        --------
        >>> import numpy as np
        >>> from scipy.special import erf
        >>> x = np.arange(40.0)
        >>> image = np.tile(100 * (1 + erf((x - 19.3) / (3 * np.sqrt(2)))) / 2, (3, 1))
        >>> profile = line_profile(image, [[1, 0], [1, 39]])  # an erf step, sigma 3
        >>> [edge] = profile.find_edges()
        >>> print(round(edge.distance, 2), edge.coords.round(2), round(edge.intensity, 1))
        19.3 [ 1.  19.3] 50.0
        >>> print(round(edge.fwhm / 3, 2), round(edge.rise_width / 3, 2))  # 2.3548, 2.5631
        2.35 2.56
        """
        return edge_finding.find_edges(
            self.distance,
            self.coords,
            self.values,
            self.derivative,
            count=count,
            threshold=threshold,
            polarity=polarity,
            select=select,
            pixels=edge_model.footprint(self.coords, self.spacing, self.settings),
        )

    def edge_distances(self, edges: Sequence[Edge]) -> Float64Array:
        """Return the distances between consecutive edges, in order along the line.

        For example a membrane's thickness (between its rising and its falling edge)
        or a cell's width.

        Parameters
        ----------
        edges : sequence of Edge
            Edges of this profile, as :meth:`find_edges` returns them, in any order.

        Returns
        -------
        numpy.ndarray of float64, shape (len(edges) - 1,)
            Physical distances, each >= 0; empty for fewer than two edges.

        Raises
        ------
        ValueError
            If ``edges`` holds something other than an Edge, or an edge beyond the
            profile's ends.

        Examples
        --------
        >>> import numpy as np
        >>> image = np.zeros((3, 30))
        >>> image[:, 10:20] = 100.0  # a band 10 pixels wide
        >>> profile = line_profile(image, [[1, 0], [1, 29]], spacing=0.5)
        >>> print(profile.edge_distances(profile.find_edges(select="all")))
        [5.]
        """
        return edge_finding.edge_distances(edges, float(self.distance[-1]))

    def to_csv(
        self,
        path: str | os.PathLike[str],
        *,
        axis_labels: Sequence[str] | None = None,
        units: str | Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Write the profile to a CSV file, as line 0 of :func:`profiles_to_csv`.

        The settings go to a JSON file beside it (``p.json`` for ``p.csv``).

        Parameters
        ----------
        path : str or os.PathLike
            File to write (overwritten).
        axis_labels : sequence of str, optional
            Names of the axes, one per coordinate (``row`` gives ``row_px``).
        units : str or sequence of str, optional
            Units of the world coordinates, one or one per axis; default
            :attr:`units`.
        metadata : mapping, optional
            Entries added to the JSON record, e.g. ``{"image": "cells"}``.
        """
        export.profiles_to_csv(
            [self], path, axis_labels=axis_labels, units=units, metadata=metadata
        )


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
    units: str | Sequence[str] | None = None,
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
    units : str or sequence of str, optional
        The physical unit of ``spacing`` (e.g. ``"µm"``), one for every axis or
        one per axis; recorded as the profile's ``units`` (the unit of its
        distances: the axes the path moves along must share it) and used in the
        CSV's column names (``distance_µm``). Default: unknown.

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
        with ``order=0`` (naming ``order``) or ``smooth > 0`` (naming ``smooth``);
        ``units`` not one name or one per axis, or differing between the axes the
        path moves along.
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
    image = along.prepared_image(image)
    vertices = checks.path(path, len(image.shape))
    pixel_size = checks.spacing(spacing, len(image.shape), matrix=True)
    options = along.sampling_options(step, order, width, smooth, reduce, mode)
    derivative_of = checks.choice(derivative_of, DERIVATIVE_SOURCES, "derivative_of")
    if derivative_of == "interpolant":
        checks.interpolant_options(options.order, options.smooth)
    axis_units = checks.units(units, len(image.shape))
    moving = np.flatnonzero(np.ptp(vertices, axis=0) > 0).tolist()
    unit = checks.distance_unit(axis_units, moving)

    line = paths.line_samples(vertices, options.step, pixel_size, width, tuple(image.shape))

    def sample(at: Float64Array) -> Float64Array:
        return along.sample(image, at, line.outside, options)

    if derivative_of == "interpolant":
        sampled, derivative = interpolant.profile_derivative(
            sample, line, vertices, pixel_size, options.order, options.reduce
        )
        values = along.reduce_across(sampled, options.reduce, line.outside)
    else:
        values = along.reduce_across(sample(line.points), options.reduce, line.outside)
        # The samples are evenly spaced in pixels along the path: sigma in samples.
        derivative = along.differentiate(values, line.distance, options.smooth / line.interval)
    settings = options.settings() | {"derivative_of": derivative_of}
    return Profile(
        line.distance, line.coords, values, derivative, pixel_size.tolist(), unit, settings
    )
