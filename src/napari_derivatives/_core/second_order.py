"""Named second-order outputs, and the checks every second-order function shares.

:func:`second_order_outputs` is what the napari layers and the command line use:
Hessian components, the Laplacian, the Hessian's and the structure tensor's
eigenvalues, orientation and coherence, by name (:data:`.choices.SECOND_ORDER_OUTPUTS`),
computed together so that each component is computed once (:mod:`.second_engine`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from . import checks
from .arraytypes import Float32Array
from .choices import AXIS_LETTERS, DEFAULT_MODE, SECOND_ORDER_METHODS, SECOND_ORDER_OUTPUTS
from .gradients import prepare as prepare_gradient
from .second_engine import Key, pairs, run

if TYPE_CHECKING:
    import dask.array as da

    Result = Float32Array | da.Array
    _Spacing = float | Sequence[float] | None
    _Axes = int | Sequence[int] | None

__all__ = ["second_order_outputs"]

#: Eigenvalues exist in closed form for at most this many axes.
MAX_EIGEN_AXES = 3


class _Prepared:
    """A checked image and its normalised options, as :func:`prepare` returns them."""

    def __init__(
        self,
        array: Any,
        axes: tuple[int, ...],
        spacing: tuple[float, ...],
        method: str,
        sigma: float,
        rho: float,
        mode: str,
    ) -> None:
        self.array = array
        self.axes = axes
        self.options: dict[str, Any] = {
            "axes": axes,
            "spacing": spacing,
            "method": method,
            "sigma": sigma,
            "rho": rho,
            "mode": mode,
        }

    def run(self, keys: tuple[Key, ...], shared: bool = False) -> dict[Key, Result]:
        """Return the results of ``keys`` (numpy, or lazy dask for a dask image)."""
        return run(self.array, keys, shared=shared, **self.options)


def prepare(
    image: Any,
    *,
    method: str = "gaussian",
    sigma: object = 1.0,
    rho: object = None,
    spacing: _Spacing = None,
    axes: _Axes = None,
    mode: str = DEFAULT_MODE,
    plane: bool = False,
    eigen: bool = False,
) -> _Prepared:
    """Check the image and every option of a second-order function.

    ``method`` is one of :data:`.choices.SECOND_ORDER_METHODS` (``sigma`` checked for
    the Gaussian only); ``rho`` is checked unless None. ``plane``: exactly two axes,
    by default the last two (orientation, coherence). ``eigen``: at most three axes.
    """
    if plane and axes is None:
        axes = (-2, -1) if np.ndim(image) >= 2 else None
    array, normalised, steps, width = prepare_gradient(
        image,
        method,
        spacing,
        axes,
        sigma,
        mode,
        SECOND_ORDER_METHODS,
    )
    if plane and len(normalised) != 2:
        raise ValueError(
            f"`axes` must name exactly two axes (a plane) for orientation and coherence, "
            f"got {normalised} of a {array.ndim}-d image"
        )
    if eigen and len(normalised) > MAX_EIGEN_AXES:
        raise ValueError(
            f"`axes` must name at most {MAX_EIGEN_AXES} axes for eigenvalues, got {normalised}"
        )
    window = 0.0 if rho is None else checks.sigma(rho, array.shape, steps, normalised, "rho")
    return _Prepared(array, normalised, steps, method, width, window, mode)


def _output_keys(names: tuple[str, ...], ndim: int, axes: tuple[int, ...]) -> list[Key]:
    """Return the key of each named output; raise a ValueError naming ``outputs``."""
    letters = {axis: AXIS_LETTERS.get(axis - ndim) for axis in axes}
    triangle = {frozenset((row, col)): (row, col) for row, col in pairs(axes)}
    keys: list[Key] = []
    for name in names:
        if name.startswith("H"):
            chosen = [
                next((axis for axis, letter in letters.items() if letter == char), None)
                for char in name[1:]
            ]
            found = [axis for axis in chosen if axis is not None]
            if len(found) != len(chosen):
                raise ValueError(
                    f"`outputs` asks for {name!r}, whose axes are not differentiated "
                    f"(axes={axes} of a {ndim}-d image)"
                )
            keys.append(("H", *triangle[frozenset(found)]))
        elif name.startswith(("hessian_eigenvalue_", "structure_eigenvalue_")):
            kind, number = name.rsplit("_", 1)
            if int(number) > len(axes):
                raise ValueError(
                    f"`outputs` asks for {name!r}, but {len(axes)} axes have only "
                    f"{len(axes)} eigenvalue(s)"
                )
            keys.append((kind, int(number) - 1))
        else:
            keys.append((name,))
    return keys


@overload
def second_order_outputs(
    image: da.Array,
    outputs: Sequence[str] = ...,
    *,
    method: str = ...,
    sigma: float = ...,
    rho: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
    shared: bool = ...,
) -> dict[str, da.Array]: ...
@overload
def second_order_outputs(
    image: npt.ArrayLike,
    outputs: Sequence[str] = ...,
    *,
    method: str = ...,
    sigma: float = ...,
    rho: float = ...,
    spacing: _Spacing = ...,
    axes: _Axes = ...,
    mode: str = ...,
    shared: bool = ...,
) -> dict[str, Float32Array]: ...


def second_order_outputs(
    image: da.Array | npt.ArrayLike,
    outputs: Sequence[str] = ("Hyy", "Hyx", "Hxx"),
    *,
    method: str = "gaussian",
    sigma: float = 1.0,
    rho: float = 2.0,
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    mode: str = DEFAULT_MODE,
    shared: bool = False,
) -> Mapping[str, Result]:
    """Return named second-order outputs, computing what they share once.

    This is what the napari layers and batch runs use.

    Parameters
    ----------
    image : array_like, shape (M, N[, ...])
        Real image; see :func:`napari_derivatives.gradient`.
    outputs : sequence of str, optional
        Any of :data:`napari_derivatives.SECOND_ORDER_OUTPUTS`: ``"Hzz"``, ``"Hzy"``,
        ``"Hzx"``, ``"Hyy"``, ``"Hyx"``, ``"Hxx"`` (Hessian components of the last
        three axes, z y x, each axis in ``axes``), ``"laplacian"``,
        ``"hessian_eigenvalue_1"`` to ``"_3"`` and ``"structure_eigenvalue_1"`` to
        ``"_3"`` (largest first, at most one per axis in ``axes``), ``"orientation"``
        and ``"coherence"`` (which need exactly two axes).
    method : {'gaussian', 'central'}, optional
        Of the Hessian outputs, as :func:`napari_derivatives.hessian`; the structure
        tensor's are always Gaussian.
    sigma, rho, spacing, mode
        As :func:`napari_derivatives.hessian` and
        :func:`napari_derivatives.structure_tensor`: physical units of ``spacing``.
    axes : int or sequence of int, optional
        The axes of the Hessian and the structure tensor; default every axis.
    shared : bool, optional
        For a dask ``image``: False (default), each output is its own graph; True,
        one graph computes all (for ``dask.array.store``).

    Returns
    -------
    dict of str to ndarray of float32, or to dask.array.Array
        One array of ``image.shape`` per output, in the order requested, with the
        values of the single functions; lazy for a dask ``image``.

    Raises
    ------
    ValueError
        If ``outputs`` is empty, repeats or names an unknown output or one that the
        axes do not have, or an option is invalid (the message names it).

    Examples
    --------
    >>> import numpy as np
    >>> rows, cols = np.mgrid[0:20, 0:20].astype(float)
    >>> result = second_order_outputs(rows**2 + 3 * cols**2, ("Hyy", "Hxx", "laplacian"))
    >>> [round(float(result[name][10, 10]), 4) for name in result]
    [2.0, 6.0, 8.0]
    """
    names = checks.distinct_choices(outputs, SECOND_ORDER_OUTPUTS, "outputs")
    structure = any(
        name.startswith("structure") or name in ("orientation", "coherence") for name in names
    )
    prepared = prepare(
        image,
        method=method,
        sigma=sigma,
        rho=rho if structure else None,
        spacing=spacing,
        axes=axes,
        mode=mode,
        eigen=any("eigenvalue" in name for name in names),
    )
    if structure and method != "gaussian":
        # The structure tensor is Gaussian even when the Hessian is not: check its sigma.
        gaussian = prepare(image, sigma=sigma, rho=rho, spacing=spacing, axes=axes, mode=mode)
        prepared.options["sigma"] = gaussian.options["sigma"]
    if {"orientation", "coherence"} & set(names) and len(prepared.axes) != 2:
        raise ValueError(
            f"`axes` must name exactly two axes for orientation and coherence, got {prepared.axes}"
        )
    keys = _output_keys(names, prepared.array.ndim, prepared.axes)
    computed = prepared.run(tuple(keys), shared=shared)
    return {name: computed[key] for name, key in zip(names, keys, strict=True)}
