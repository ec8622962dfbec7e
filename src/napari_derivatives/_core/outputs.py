"""Named outputs: what the engine computes for a set of them.

``gradient_outputs`` takes names ("gx", "gy", "gz", "magnitude", "direction");
the engine takes the axes to differentiate and to return, and the combinations to
make of them. Each component is computed once, however many outputs need it.
"""

from __future__ import annotations

from typing import TypedDict

from .choices import COMPONENT_NAMES


class _Plan(TypedDict, total=False):
    """The engine's keywords for a set of outputs (``shared`` for dask only)."""

    wanted: tuple[int, ...]
    keep: tuple[int, ...]
    magnitude: bool
    direction: bool
    shared: bool


def plan_outputs(
    outputs: tuple[str, ...], ndim: int, axes: tuple[int, ...]
) -> tuple[_Plan, dict[str | None, int]]:
    """Return the engine's keywords for ``outputs``, and the axis of each component name.

    ``outputs`` holds distinct known names; ``axes`` is normalised. Raises the
    `ValueError` of :func:`.gradients.gradient_outputs` for components that are not differentiated.
    """
    names = {axis: COMPONENT_NAMES.get(axis - ndim) for axis in axes}
    missing = [name for name in outputs if name.startswith("g") and name not in names.values()]
    if missing:
        raise ValueError(
            f"`outputs` asks for {missing}, whose axes are not differentiated "
            f"(axes={axes} of a {ndim}-d image)"
        )
    if "direction" in outputs and len(axes) < 2:
        raise ValueError(f"`outputs`: a direction needs at least two axes, got axes={axes}")
    keep = tuple(axis for axis in axes if names[axis] in outputs)
    if "magnitude" in outputs:
        wanted = axes
    elif "direction" in outputs:
        wanted = tuple(axis for axis in axes if axis in {*keep, *axes[-2:]})
    else:
        wanted = keep
    plan: _Plan = {
        "wanted": wanted,
        "keep": keep,
        "magnitude": "magnitude" in outputs,
        "direction": "direction" in outputs,
    }
    return plan, {name: axis for axis, name in names.items()}
