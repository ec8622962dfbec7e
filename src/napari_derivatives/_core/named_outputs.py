"""Every named output in one call: gradients, second order, and the colour pictures.

The napari layers and the command line ask for outputs by their ids (``"gx"``,
``"Hyy"``, ``"coherence"``, ``"direction_colour"``...); :func:`derivative_outputs`
sends each to the function that computes it, sharing the work within each family, and
draws the colour pictures from what they need.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import checks
from .choices import (
    COLOUR_OUTPUTS,
    DEFAULT_MODE,
    OUTPUTS,
    SECOND_ORDER_OUTPUTS,
    STRUCTURE_OUTPUTS,
)
from .colour import brightness_scale, colour_survey, direction_colour, intensity_limits
from .gradients import gradient_outputs
from .second_order import second_order_outputs

#: Every output id, in the order of the layers and the command line's help.
ALL_OUTPUTS = (*OUTPUTS, *SECOND_ORDER_OUTPUTS, *COLOUR_OUTPUTS)


def derivative_outputs(
    image: Any,
    outputs: Sequence[str],
    *,
    method: str = "central",
    sigma: float = 1.0,
    rho: float = 2.0,
    spacing: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    mode: str = DEFAULT_MODE,
    contrast_limits: Sequence[float] | None = None,
    brightness: float | None = None,
    shared: bool = False,
) -> dict[str, Any]:
    """Return the named outputs of an image, each from the function that computes it.

    Parameters
    ----------
    image : array_like or dask.array.Array
        Real image, as :func:`napari_derivatives.gradient` takes it.
    outputs : sequence of str
        Ids among :data:`ALL_OUTPUTS`: the gradient's (``"gx"``, ``"gy"``, ``"gz"``,
        ``"magnitude"``, ``"direction"``), the second order's (``"Hyy"``...,
        ``"laplacian"``, ``"hessian_eigenvalue_1"``..., ``"structure_eigenvalue_1"``...,
        ``"orientation"``, ``"coherence"``) and the colour pictures
        (``"colour_survey"``, ``"direction_colour"``).
    method : str
        The derivative operator of the gradient and Hessian outputs (the structure
        tensor is always Gaussian).
    sigma, rho, spacing, axes, mode
        As in :func:`napari_derivatives.gradient` and
        :func:`napari_derivatives.structure_tensor`; ``rho`` is used only by the
        structure tensor's outputs, in the physical units of ``spacing``.
    contrast_limits : (float, float), optional
        The intensities shown black and full brightness in the colour survey (see
        :func:`.colour.colour_survey`). Default: the minimum and maximum of a sample of
        the image (:func:`.colour.intensity_limits`).
    brightness : float, optional
        The magnitude shown at full brightness in the direction colour. Default:
        :func:`.colour.brightness_scale` of this image's magnitude; pass one to colour
        several pieces (the levels of a pyramid) alike.
    shared : bool
        For dask input, as in :func:`napari_derivatives.gradient_outputs`.

    Returns
    -------
    dict of str to array
        One array per output, in the order requested: float32 values of the image's
        shape, uint8 RGB ``(*image.shape, 3)`` for the colour pictures. Dask for a dask
        image.

    Raises
    ------
    ValueError
        If ``outputs`` is empty, repeats or does not know an id (the message names
        ``outputs``), or as the functions that compute them.
    """
    names = checks.distinct_choices(outputs, ALL_OUTPUTS, "outputs")
    gradient_names = [name for name in names if name in OUTPUTS]
    second_names = [name for name in names if name in SECOND_ORDER_OUTPUTS]
    options: dict[str, Any] = {"spacing": spacing, "axes": axes, "mode": mode}
    computed: dict[str, Any] = {}
    if "direction_colour" in names:
        both = gradient_outputs(
            image, ("direction", "magnitude"), method=method, sigma=sigma, shared=True, **options
        )
        scale = brightness_scale(both["magnitude"]) if brightness is None else brightness
        computed["direction_colour"] = direction_colour(
            both["direction"], both["magnitude"], scale=scale
        )
    # The structure tensor is always Gaussian: a gradient operator's name (the command
    # line's --method) matters only to the Hessian outputs.
    hessian_wanted = any(name not in STRUCTURE_OUTPUTS for name in second_names)
    second_method = method if hessian_wanted else "gaussian"
    if "colour_survey" in names:
        survey = second_order_outputs(
            image, ("orientation", "coherence"), sigma=sigma, rho=rho, **options
        )
        limits = intensity_limits(image) if contrast_limits is None else contrast_limits
        computed["colour_survey"] = colour_survey(
            survey["orientation"], survey["coherence"], image, contrast_limits=limits
        )
    if gradient_names:
        computed |= gradient_outputs(
            image, gradient_names, method=method, sigma=sigma, shared=shared, **options
        )
    if second_names:
        computed |= second_order_outputs(
            image,
            second_names,
            method=second_method,
            sigma=sigma,
            rho=rho,
            shared=shared,
            **options,
        )
    return {name: computed[name] for name in names}
