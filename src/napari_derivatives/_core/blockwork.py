"""The engine's per-block arithmetic: the work dtype, buffers, magnitude and direction.

Small pieces shared by the engine (:mod:`.engine`) and the operators built on it
(second derivatives, structure tensor): they run on one block at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .arraytypes import Float32Array, FloatArray

_Scalar = TypeVar("_Scalar", bound=np.generic)

#: What combines a block's components into outputs: called with the components of the
#: block (keyed as their chains), its first and last row + 1, and a scratch block of the
#: work dtype; it writes into the rows of its outputs.
Combine = Callable[[Mapping[Any, FloatArray], int, int, FloatArray], None]


def buffer(flat: npt.NDArray[_Scalar], shape: tuple[int, ...]) -> npt.NDArray[_Scalar]:
    """Return a C-contiguous view of ``shape`` at the start of the 1-D buffer ``flat``."""
    return flat[: math.prod(shape)].reshape(shape)


def _add_square_roots(
    components: list[Float32Array], out: Float32Array, square: FloatArray
) -> None:
    """Write the square root of the sum of the squares of ``components`` into ``out``."""
    for index, component in enumerate(components):
        np.multiply(component, component, out=out if index == 0 else square)
        if index:
            out += square
    np.sqrt(out, out=out)


def work_dtype(dtype: np.dtype[Any]) -> np.dtype[np.floating[Any]]:
    """Return the dtype the passes work in for an image of ``dtype``.

    float32 holds integers exactly only up to 2**24 and keeps 7 digits: an image of
    wide integers, or of float64 values large next to their variations (1e6 + 0.01 x),
    would lose its differences in the cast. Those are read and filtered in float64;
    8- and 16-bit and float32 images in float32 (twice as fast). Results are float32.
    """
    dtype = np.dtype(dtype)
    wide = (dtype.kind == "f" and dtype.itemsize > 4) or (
        dtype.kind in "iu" and dtype.itemsize > 2
    )
    return np.dtype(np.float64 if wide else np.float32)


def direction_angle(d_row: Float32Array, d_col: Float32Array, out: Float32Array) -> Float32Array:
    direction: Float32Array = np.arctan2(d_row, d_col, out=out)
    # atan2(-0.0, x < 0) is -pi, and float32 rounding can reach it too: fold it onto +pi.
    half_turn = np.float32(np.pi)
    np.copyto(direction, half_turn, where=direction <= -half_turn)
    return direction


def gradient_combine(results: Mapping[int | str, Float32Array], axes: tuple[int, ...]) -> Combine:
    """Return what writes a block's ``"magnitude"`` and ``"direction"`` into ``results``.

    Each is written when ``results`` holds it: the magnitude of every component, the
    direction of the components of the last two ``axes``.
    """

    def combine(
        components: Mapping[Any, FloatArray], start: int, stop: int, scratch: FloatArray
    ) -> None:
        if "magnitude" in results:
            _add_square_roots(list(components.values()), results["magnitude"][start:stop], scratch)
        if "direction" in results:
            direction_angle(
                components[axes[-2]], components[axes[-1]], out=results["direction"][start:stop]
            )

    return combine
