"""Hessian and orientation layers: an image layer's second order as new layers.

:func:`add_hessian_layers` and :func:`add_orientation_layers` serve scripts and macros
as :func:`napari_derivatives.add_gradient_layers` does, on the same glue
(:mod:`.layer_outputs`): spacing from the layer's ``scale``, outputs on the source's
transforms, multiscale in gives multiscale out, lazy stays lazy, and a run updates only
the plugin's own layers of its family.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._core.choices import DEFAULT_MODE
from .layer_outputs import (
    apply_layer_outputs,
    compute_layer_outputs,
    default_axes,
    resolve_image_layer,
)
from .ownership import LayerSettings

if TYPE_CHECKING:
    import napari.layers

    import napari

#: The outputs of :func:`add_hessian_layers` when none are given.
HESSIAN_DEFAULT_OUTPUTS = ("laplacian", "hessian_eigenvalue_1", "hessian_eigenvalue_2")

#: The outputs of :func:`add_orientation_layers` when none are given.
ORIENTATION_DEFAULT_OUTPUTS = ("orientation", "coherence", "colour_survey")


def add_hessian_layers(
    viewer: napari.Viewer,
    layer: napari.layers.Image | str,
    *,
    method: str = "gaussian",
    outputs: Sequence[str] = HESSIAN_DEFAULT_OUTPUTS,
    axes: Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
    lazy: bool | None = None,
    replace: bool = True,
) -> list[napari.layers.Image]:
    """Add Hessian layers of an image layer to a viewer, in physical units.

    The layers are named ``"<image> "`` plus the output id with spaces for its
    underscores: ``"cells Hyy"``, ``"cells laplacian"``, ``"cells hessian eigenvalue
    1"``. On ``I = a y^2 + b x y + c x^2`` they hold ``Hyy = 2a``, ``Hyx = b``,
    ``Hxx = 2c`` in intensity per physical unit squared, whatever the layer's scale.
    Every layer has a diverging colormap with contrast limits symmetric around zero
    (a bright ridge has a negative second derivative across it: blue; a dark valley
    red), keeps the source's transforms and records how it was made in its metadata,
    as gradient layers do.

    Running again replaces the plugin's Hessian layers of this image (never its
    gradient or orientation layers, never a user's layer); ``replace=False`` keeps
    them and names the new ones with their settings: ``"cells Hxx (gaussian 2 µm)"``.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer holding ``layer``; the outputs are added to it.
    layer : napari.layers.Image or str
        The source image layer, or its name. RGB(A) images are converted to luminance.
    method : str
        ``"gaussian"`` (derivatives of a Gaussian of ``sigma``) or ``"central"``
        (finite differences).
    outputs : sequence of str
        Among the Hessian components of the differentiated axes (``"Hzz"``,
        ``"Hzy"``, ``"Hzx"``, ``"Hyy"``, ``"Hyx"``, ``"Hxx"``), ``"laplacian"`` and
        ``"hessian_eigenvalue_1"`` to ``_3`` (descending per pixel: 1 is the largest).
    axes : sequence of int, optional
        Axes of the layer's data to differentiate. Default: the last two, each 2D
        plane of a stack; ``(-3, -2, -1)`` for a volume.
    sigma : float
        Scale of the Gaussian in the layer's physical units (Gaussian only).
    mode : str
        Border handling, one of :data:`napari_derivatives.BOUNDARY_MODES`.
    lazy : bool, optional
        As in :func:`napari_derivatives.add_gradient_layers`: dask layers computed
        as napari shows them, or everything now; None decides by the data.
    replace : bool
        True (default): replace the plugin's Hessian layers of this image made with
        other settings. False: keep them.

    Returns
    -------
    list of napari.layers.Image
        The layers added or updated, in the order of ``outputs``.

    Raises
    ------
    ValueError
        If a parameter is invalid; the message names it.

    Examples
    --------
    >>> import napari, napari_derivatives  # doctest: +SKIP
    >>> viewer = napari.Viewer()  # doctest: +SKIP
    >>> cells = viewer.add_image(image, scale=(0.2, 0.2))  # doctest: +SKIP
    >>> napari_derivatives.add_hessian_layers(viewer, cells, sigma=0.5)  # doctest: +SKIP
    """
    image = resolve_image_layer(viewer, layer)
    axes = default_axes(image.ndim) if axes is None else tuple(axes)
    results = compute_layer_outputs(
        image, outputs, axes=axes, lazy=lazy, method=method, sigma=sigma, mode=mode
    )
    settings = LayerSettings.of_run(method, sigma, mode, axes, image.ndim, kind="hessian")
    return apply_layer_outputs(viewer, image, results, settings, replace=replace)


def add_orientation_layers(
    viewer: napari.Viewer,
    layer: napari.layers.Image | str,
    *,
    outputs: Sequence[str] = ORIENTATION_DEFAULT_OUTPUTS,
    axes: Sequence[int] | None = None,
    sigma: float = 1.0,
    rho: float = 2.0,
    mode: str = DEFAULT_MODE,
    lazy: bool | None = None,
    replace: bool = True,
) -> list[napari.layers.Image]:
    """Add orientation layers (the structure tensor's) of an image layer to a viewer.

    The layers are named ``"<image> orientation"``, ``"<image> coherence"``,
    ``"<image> structure eigenvalue 1"``... and ``"<image> colour survey"``. The
    orientation (radians in (-pi/2, pi/2], the angle of the dominant gradient, in the
    sense of the gradient direction: 0 along +x, pi/2 along +y) has a cyclic colormap
    over pi whose hues are the colour survey's; the coherence runs from 0 (isotropic)
    to 1 (one direction); the eigenvalues (intensity^2 per unit^2) from 0. The colour
    survey is an RGB layer, as OrientationJ draws it: hue the orientation, saturation
    the coherence, brightness the image scaled by the source layer's contrast limits,
    so fibres of one direction share a colour at a glance.

    Running again replaces the plugin's orientation layers of this image, as
    :func:`add_hessian_layers` does its own.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer holding ``layer``; the outputs are added to it.
    layer : napari.layers.Image or str
        The source image layer, or its name. RGB(A) images are converted to luminance.
    outputs : sequence of str
        Among ``"orientation"``, ``"coherence"``, ``"colour_survey"`` (two axes
        only) and ``"structure_eigenvalue_1"`` to ``_3`` (descending).
    axes : sequence of int, optional
        Axes of the layer's data. Default: the last two (each plane of a stack).
    sigma : float
        Scale of the Gaussian derivatives, in the layer's physical units.
    rho : float
        Integration scale of the structure tensor (the window the gradients are
        averaged over), in the layer's physical units.
    mode : str
        Border handling, one of :data:`napari_derivatives.BOUNDARY_MODES`.
    lazy : bool, optional
        As in :func:`add_hessian_layers`.
    replace : bool
        As in :func:`add_hessian_layers`.

    Returns
    -------
    list of napari.layers.Image
        The layers added or updated, in the order of ``outputs``.

    Raises
    ------
    ValueError
        If a parameter is invalid; the message names it.
    """
    image = resolve_image_layer(viewer, layer)
    axes = default_axes(image.ndim) if axes is None else tuple(axes)
    results = compute_layer_outputs(
        image, outputs, axes=axes, lazy=lazy, sigma=sigma, rho=rho, mode=mode
    )
    settings = LayerSettings.of_run(
        "gaussian", sigma, mode, axes, image.ndim, kind="orientation", rho=rho
    )
    return apply_layer_outputs(viewer, image, results, settings, replace=replace)
