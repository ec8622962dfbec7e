"""Profiles through time (or z): one line sampled in every frame of a stack.

The line's geometry is computed once; every frame is then sampled, reduced and
differentiated exactly as :func:`napari_derivatives.line_profile` would sample it.
A chunked stack (dask, zarr) is read one chunk along the swept axis at a time, and of
it only the chunks under the line, each once.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from . import along, checks, export, paths, sampling
from .arraytypes import AnyArray, ChunkedArray, Float64Array
from .choices import EDGE_SELECTIONS, WRAP_MODES
from .edges import Edge
from .profiles import Profile

__all__ = ["EdgeTrack", "Kymograph", "kymograph"]

# Frames read together from a chunked stack: whole chunks along the swept axis, at least
# this many frames per read when the chunks are thinner.
_SLAB_FRAMES = 32


@dataclasses.dataclass(frozen=True, eq=False)
class EdgeTrack:
    """One edge followed through the frames of a kymograph, and its velocity.

    Attributes
    ----------
    positions : numpy.ndarray of float64, shape (K,)
        The frames where an edge was found, in the swept axis' units (e.g. seconds).
    distance : numpy.ndarray of float64, shape (K,)
        The edge's distance along the line in each of them, in physical units.
    velocity : float
        The slope of the straight line fitted (least squares) to ``distance``
        against ``positions``: distance units per axis unit (e.g. µm/s); NaN for
        fewer than two frames with an edge.
    velocity_stderr : float
        The standard error of that slope; NaN for fewer than three frames.
    missing : numpy.ndarray of float64
        The frames without an edge, in the swept axis' units.
    edges : list of Edge
        The edge found in each frame of ``positions``, with its slope and widths.
    """

    positions: Float64Array
    distance: Float64Array
    velocity: float
    velocity_stderr: float
    missing: Float64Array
    edges: list[Edge]
    units: str | None = None
    axis_unit: str | None = None

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the track to a CSV, a row per frame with an edge, its fit in a JSON beside.

        The columns are ``position_<axis unit>, distance_<unit>,
        derivative_per_<unit>, intensity, rise_width_<unit>, fwhm_<unit>``.
        """
        unit, axis = self.units, self.axis_unit
        per = None if unit is None else f"per_{unit}"
        names = [f"position_{axis}" if axis else "position"]
        names += [f"{name}_{unit}" if unit else name for name in ("distance",)]
        names += [f"derivative_{per}" if per else "derivative", "intensity"]
        names += [f"{name}_{unit}" if unit else name for name in ("rise_width", "fwhm")]
        rows = [
            [p, e.distance, e.derivative, e.intensity, e.rise_width, e.fwhm]
            for p, e in zip(self.positions.tolist(), self.edges, strict=True)
        ]
        with open(os.fspath(path), "w", encoding="utf-8", newline="") as file:
            file.write(",".join(names) + "\n")
            file.writelines(",".join(map(repr, map(float, row))) + "\n" for row in rows)
        record = {
            "napari_derivatives_version": export.package_version(),
            "csv": os.path.basename(os.fspath(path)),
            "velocity": self.velocity,
            "velocity_stderr": self.velocity_stderr,
            "velocity_unit": f"{unit or 'distance'}/{axis or 'axis unit'}",
            "missing": self.missing,
        }
        export.write_json(record, export.sidecar_path(path))


def _straight_line(x: Float64Array, y: Float64Array) -> tuple[float, float]:
    """Return the least-squares slope of ``y`` against ``x`` and its standard error."""
    if x.size < 2 or np.ptp(x) == 0:
        return math.nan, math.nan
    centred = x - x.mean()
    spread = float(centred @ centred)
    slope = float(centred @ (y - y.mean())) / spread
    if x.size < 3:
        return slope, math.nan
    residuals = y - y.mean() - slope * centred
    return slope, math.sqrt(float(residuals @ residuals) / (x.size - 2) / spread)


@dataclasses.dataclass(frozen=True, eq=False)
class Kymograph:
    """A line sampled in every frame along one axis of a stack.

    ``T`` is the number of frames, ``M`` the number of samples along the line.

    Attributes
    ----------
    values : numpy.ndarray of float64, shape (T, M)
        The intensity along the line in each frame (NaN outside the image).
    derivative : numpy.ndarray of float64, shape (T, M)
        Its derivative along the line, in intensity per physical unit.
    distance : numpy.ndarray of float64, shape (M,)
        Distance along the line, in physical units.
    positions : numpy.ndarray of float64, shape (T,)
        Each frame's position along the swept axis, ``frame * spacing[axis]``.
    coords : numpy.ndarray of float64, shape (M, ndim)
        The samples in data coordinates; NaN along the swept ``axis``.
    axis : int
        The swept axis.
    spacing : tuple of float
        The pixel size of every axis, the swept one's being the frame interval.
    units : str or None
        The unit of distances along the line.
    axis_unit : str or None
        The unit of ``positions``.
    settings : dict
        The sampling options, as in :attr:`Profile.settings`.
    """

    values: Float64Array
    derivative: Float64Array
    distance: Float64Array
    positions: Float64Array
    coords: Float64Array
    axis: int
    spacing: tuple[float, ...]
    units: str | None = None
    axis_unit: str | None = None
    settings: Mapping[str, Any] | None = None

    def profile(self, frame: int) -> Profile:
        """Return the profile of one frame, as :func:`line_profile` gives it."""
        frame = checks.integers([frame], "frame")[0]
        if not -len(self.positions) <= frame < len(self.positions):
            raise ValueError(
                f"`frame` must be in [0, {len(self.positions)}), one of the frames, got {frame}"
            )
        frame %= len(self.positions)
        coords = self.coords.copy()
        coords[:, self.axis] = frame
        return Profile(
            distance=self.distance,
            coords=coords,
            values=self.values[frame],
            derivative=self.derivative[frame],
            spacing=self.spacing,
            units=self.units,
            settings=self.settings,
        )

    def edge_track(
        self,
        *,
        threshold: float | None = None,
        polarity: str = "both",
        select: str = "strongest",
    ) -> EdgeTrack:
        """Follow one edge through the frames and fit its velocity.

        In each frame the edge is the first of :meth:`Profile.find_edges` with
        these options (the steepest by default, or the first or last along the
        line); frames without one are ``missing``.

        Parameters
        ----------
        threshold, polarity, select
            As for :meth:`Profile.find_edges`; ``select`` is one of
            ``"strongest"``, ``"first"``, ``"last"``.

        Returns
        -------
        EdgeTrack
        """
        select = checks.choice(select, EDGE_SELECTIONS[:3], "select")
        found, missing, edges = [], [], []
        for frame, position in enumerate(self.positions.tolist()):
            edge = self.profile(frame).find_edges(
                1, threshold=threshold, polarity=polarity, select=select
            )
            if edge:
                found.append(position)
                edges.append(edge[0])
            else:
                missing.append(position)
        positions = np.array(found, dtype=np.float64)
        distance = np.array([edge.distance for edge in edges], dtype=np.float64)
        velocity, stderr = _straight_line(positions, distance)
        return EdgeTrack(
            positions=positions,
            distance=distance,
            velocity=velocity,
            velocity_stderr=stderr,
            missing=np.array(missing, dtype=np.float64),
            edges=edges,
            units=self.units,
            axis_unit=self.axis_unit,
        )


def _frame_of(image: AnyArray, axis: int, frame: int) -> AnyArray:
    index: list[int | slice] = [slice(None)] * image.ndim
    index[axis] = frame
    return image[tuple(index)]


def _sample_chunked(
    image: ChunkedArray,
    axis: int,
    points: Float64Array,
    outside: npt.NDArray[np.bool_],
    options: along.SamplingOptions,
) -> Float64Array:
    """Sample every frame of a chunked stack: each chunk under the line read once."""
    shape = tuple(int(n) for n in image.shape)
    frames, (_, count, width) = shape[axis], points.shape
    dtype = sampling.buffer_dtype(image.dtype)
    along_axis = sampling.chunk_edges(shape, image.chunks)[axis]
    chunks = [c for i, c in enumerate(image.chunks) if i != axis]
    frame_shape = shape[:axis] + shape[axis + 1 :]
    whole = options.scipy_mode in WRAP_MODES
    plan = sampling.footprint(frame_shape, chunks, points, ~outside, options.order)
    boxes = [(slice(None),) * len(frame_shape)] if whole else plan.boxes
    result = np.full((frames, count, width), np.nan)
    # Several chunks along the axis per read (zarr fetches them concurrently, dask in one
    # pass), still each chunk once; a slab holds at most the line's chunks of ~32 frames.
    bounds = along_axis.tolist()
    slabs, first = [], 0
    for index in range(1, len(bounds)):
        if bounds[index] - bounds[first] >= _SLAB_FRAMES or index == len(bounds) - 1:
            slabs.append((bounds[first], bounds[index]))
            first = index
    for start, stop in slabs:
        slab = [(*box[:axis], slice(start, stop), *box[axis:]) for box in boxes]
        blocks = sampling.read_boxes(image, slab) if boxes else []
        for frame in range(start, stop):
            planes = [np.take(block, frame - start, axis=axis) for block in blocks]
            if whole:
                result[frame] = along.sample(planes[0].astype(dtype), points, outside, options)
                continue
            result[frame] = sampling.interpolate(
                plan,
                dict(zip(plan.chunks, planes, strict=True)),
                (count, width),
                dtype=dtype,
                order=options.order,
                mode=options.scipy_mode,
            )
    return result


def kymograph(
    image: npt.ArrayLike | ChunkedArray,
    path: npt.ArrayLike,
    *,
    axis: int = 0,
    spacing: float | Sequence[float] | None = None,
    step: float = 1.0,
    order: int = 1,
    width: int = 1,
    smooth: float = 0.0,
    reduce: str = "mean",
    units: str | Sequence[str] | None = None,
    mode: str = "nearest",
) -> Kymograph:
    """Sample one line in every frame along an axis of a stack, and differentiate it.

    Parameters
    ----------
    image : array_like, shape (...)
        A stack of at least two axes: numpy, dask or zarr (read only where the line
        lies, each chunk once).
    path : array_like of float, shape (N, image.ndim)
        Vertices of the line or polyline, as for :func:`line_profile`; the
        coordinate along ``axis`` is ignored (the line is swept along it).
    axis : int, optional
        The axis swept (time, or z); negative counts from the end.
    spacing : float or sequence of float, optional
        The pixel size of every axis, as for :func:`line_profile` (not a matrix);
        the entry for ``axis`` is the interval between frames (e.g. seconds).
    step, order, width, smooth, reduce, mode
        Sampling along the line in each frame, as for :func:`line_profile`.
    units : str or sequence of str, optional
        The unit of distances (one name), or one per image axis, the entry for
        ``axis`` being the frames' unit (e.g. ``("s", "µm", "µm")``).

    Returns
    -------
    Kymograph
        ``values`` and ``derivative`` of shape (frames, samples): row ``t`` equals
        ``line_profile`` of frame ``t`` with the same options.

    Raises
    ------
    ValueError
        Naming the parameter, for the rules of :func:`line_profile`, an ``axis``
        out of range, or an ``image`` of fewer than two axes.

    Examples
    --------
    A front at 5 + 2 t pixels in frame t, sampled with 0.5 µm pixels and 0.1 s frames:

    >>> import numpy as np
    >>> from napari_derivatives import kymograph
    >>> t, x = np.mgrid[0:6, 0:40]
    >>> stack = np.repeat((x > 5 + 2 * t)[:, None, :] * 100.0, 3, axis=1)  # (t, y, x)
    >>> kymo = kymograph(stack, [[0, 1, 0], [0, 1, 39]], spacing=(0.1, 0.5, 0.5))
    >>> kymo.values.shape, kymo.positions
    ((6, 40), array([0. , 0.1, 0.2, 0.3, 0.4, 0.5]))
    >>> print(round(kymo.edge_track().velocity, 6))  # µm per s: 2 px x 0.5 µm / 0.1 s
    10.0
    """
    image = along.prepared_image(image)
    ndim = len(image.shape)
    if ndim < 2:
        raise ValueError(f"`image` must have at least two axes to sweep a line, got {ndim}")
    try:
        axis = checks.axes(axis, tuple(max(int(n), 2) for n in image.shape))[0]
    except ValueError:
        raise ValueError(
            f"`axis` must be an axis of the image (-{ndim} to {ndim - 1}), got {axis!r}"
        ) from None
    vertices = checks.path(path, ndim)
    pixel_size = checks.spacing(spacing, ndim)
    options = along.sampling_options(step, order, width, smooth, reduce, mode)
    axis_units = checks.units(units if not isinstance(units, str) else None, ndim)
    others = [i for i in range(ndim) if i != axis]
    plane = np.delete(vertices, axis, axis=1)
    moving = [others[i] for i in np.flatnonzero(np.ptp(plane, axis=0) > 0).tolist()]
    unit = units if isinstance(units, str) else checks.distance_unit(axis_units, moving)
    if isinstance(units, str):
        checks.units(units, 1)
    frame_shape = tuple(int(image.shape[i]) for i in others)
    line = paths.line_samples(plane, options.step, pixel_size[others], options.width, frame_shape)

    if isinstance(image, np.ndarray):
        sampled = np.stack(
            [
                along.sample(_frame_of(image, axis, t), line.points, line.outside, options)
                for t in range(image.shape[axis])
            ]
        )
    else:
        sampled = _sample_chunked(image, axis, line.points, line.outside, options)
    values = along.reduce_across(sampled, options.reduce, line.outside)
    derivative = along.differentiate(values, line.distance, options.smooth / line.interval)
    coords = np.insert(line.coords, axis, np.nan, axis=1)
    frames = np.arange(int(image.shape[axis]), dtype=np.float64)
    return Kymograph(
        values=values,
        derivative=derivative,
        distance=line.distance,
        positions=frames * pixel_size[axis],
        coords=coords,
        axis=axis,
        spacing=tuple(pixel_size.tolist()),
        units=unit,
        axis_unit=None if axis_units is None else axis_units[axis],
        settings=options.settings(),
    )
