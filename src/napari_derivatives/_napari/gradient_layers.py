"""Gradient layers: an image layer's gradients as new layers, in its physical units.

:func:`compute_gradient_outputs` turns a layer into arrays (touching no viewer, so it
can run in a worker thread) and :func:`apply_gradient_outputs` turns arrays into
layers; :func:`add_gradient_layers` does both, for scripts and macros. Which layers a
run may update, and how they are named, is :mod:`.ownership`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

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


def compute_gradient_outputs(
    image: napari.layers.Image,
    *,
    method: str = "central",
    outputs: Sequence[str] = ("gx", "gy", "magnitude"),
    axes: Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
    lazy: bool | None = None,
) -> dict[str, Any]:
    """Compute gradient outputs of an image layer, in its physical units.

    This touches no viewer, so it can run in a worker thread.

    Parameters
    ----------
    image : napari.layers.Image
        The source layer. The absolute value of its ``scale`` is the pixel size
        used for the units: a negative scale (a flipped axis) gives the same
        values as a positive one, components along the data axes.
    method : str
        One of :data:`napari_derivatives.METHODS`.
    outputs : sequence of str
        Names among ``"gx"``, ``"gy"``, ``"gz"``, ``"magnitude"``, ``"direction"``
        and ``"direction_colour"`` (an RGB picture: hue the direction, brightness the
        magnitude over a robust maximum of it, so flat regions are dark).
    axes : sequence of int, optional
        Axes of the layer's data to differentiate. Default: the last two
        (each 2D plane of a stack).
    sigma : float
        Gaussian scale for ``method="gaussian"``, in the layer's physical units.
    mode : str
        Border mode of the kernel operators, one of
        :data:`napari_derivatives.BOUNDARY_MODES`; default: the core's.
    lazy : bool, optional
        True: return dask arrays that compute a block when it is read. False:
        compute numpy arrays now. None (default): lazy when the layer's data is
        not a numpy array (dask, zarr, ...) or has more than
        :data:`.layer_outputs.LAZY_THRESHOLD` pixels. Both give the same values.

    Returns
    -------
    dict of str to array or list of array
        One array per requested output, in the order requested: float32, or uint8
        RGB for ``"direction_colour"`` (numpy, or dask when lazy). For a multiscale
        layer, a list with one array per level: each level is differentiated with
        its own pixel size, ``scale`` times the level's ``downsample_factors``, so all
        levels agree in physical units. Coarse levels with fewer than two samples
        along a differentiated axis are left out.
    """
    return compute_layer_outputs(
        image, outputs, axes=axes, lazy=lazy, method=method, sigma=sigma, mode=mode
    )


def apply_gradient_outputs(
    viewer: napari.Viewer,
    image: napari.layers.Image,
    results: Mapping[str, Any],
    *,
    method: str = "central",
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
    axes: Sequence[int] | None = None,
    replace: bool = True,
    contrast_limits: Mapping[str, tuple[float, float]] | None = None,
) -> list[napari.layers.Image]:
    """Add the computed gradient outputs to the viewer, or update the plugin's layers.

    :func:`.layer_outputs.apply_layer_outputs` for gradient layers, with the settings
    the results were computed with (as passed to :func:`compute_gradient_outputs`),
    recorded in the layers' metadata. Only gradient layers the plugin made are
    updated or removed; see :func:`add_gradient_layers`.
    """
    settings = LayerSettings.of_run(
        method, sigma, mode, default_axes(image.ndim) if axes is None else axes, image.ndim
    )
    return apply_layer_outputs(
        viewer, image, results, settings, replace=replace, contrast_limits=contrast_limits
    )


def add_gradient_layers(
    viewer: napari.Viewer,
    layer: napari.layers.Image | str,
    *,
    method: str = "central",
    outputs: Sequence[str] = ("gx", "gy", "magnitude"),
    axes: Sequence[int] | None = None,
    sigma: float = 1.0,
    mode: str = DEFAULT_MODE,
    lazy: bool | None = None,
    replace: bool = True,
) -> list[napari.layers.Image]:
    """Add gradient layers of an image layer to a viewer, in physical units.

    The layers are named ``"<image> gx"``, ``"<image> gy"``, ``"<image> gz"``,
    ``"<image> magnitude"``, ``"<image> direction"`` and ``"<image> direction
    colour"``. They keep the source's
    scale, translate, rotate, shear and affine, so they overlay it exactly.
    Components use a diverging colormap with contrast limits symmetric around
    zero, the magnitude a sequential one, the direction a cyclic one from -pi
    to pi; the direction colour is an RGB layer (hue the direction, brightness the
    magnitude over its 99th percentile, so flat regions, where the direction is
    noise, are dark). Each layer records how it was made in its metadata, under
    ``"napari_derivatives"``: source, output, method, sigma (physical units, as
    passed; None but for the Gaussian), mode, axes and the name the plugin gave it.

    Running again replaces the plugin's layers of this image: its outputs are
    updated in place and the plugin's layers of the image made with other settings
    are removed, so the plain names never mix settings (``replace=False`` keeps them,
    and names the new layers with their settings: ``"cells gx (gaussian 2 µm)"``,
    ``"cells gx (sobel)"``). Only layers the plugin made are ever updated or
    removed: a user's layer named ``"cells gx"`` stays, and the new layer gets a
    free name (``"cells gx [1]"``).

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer holding ``layer``; the outputs are added to it.
    layer : napari.layers.Image or str
        The source image layer, or its name. RGB(A) images are converted to
        luminance first (see :func:`napari_derivatives.rgb_to_luminance`).
    method : str
        ``"central"``, ``"sobel"``, ``"scharr"``, ``"prewitt"``, ``"farid"`` or
        ``"gaussian"``.
    outputs : sequence of str
        Which layers to add: any of ``"gx"`` (d/d last axis), ``"gy"`` (d/d
        second-to-last axis), ``"gz"`` (d/d third-to-last axis), ``"magnitude"``,
        ``"direction"`` and ``"direction_colour"``.
    axes : sequence of int, optional
        Axes of the layer's data to differentiate. Default: the last two, so
        each 2D plane of a stack is differentiated on its own; pass
        ``(-3, -2, -1)`` for 3D gradients of a volume.
    sigma : float
        Scale of the derivative of Gaussian in the layer's physical units
        (``method="gaussian"`` only).
    mode : str
        Border handling of the kernel operators, one of
        :data:`napari_derivatives.BOUNDARY_MODES` (ignored by ``"central"``).
        Default: the default of :func:`napari_derivatives.gradient`.
    lazy : bool, optional
        True: the layers hold dask arrays, computed block by block as napari
        shows them (instant, and fit for images larger than memory). False:
        compute everything now. None (default): lazy when the layer's data is
        dask, zarr or another array not in memory, or has more than
        :data:`.layer_outputs.LAZY_THRESHOLD` pixels. A multiscale layer gives multiscale
        gradient layers, each level differentiated with its own pixel size.
    replace : bool
        True (default): replace the plugin's layers of this image made with other
        settings. False: keep them, and name the new layers with their settings
        (the mode and axes only when they are not the default ones; the unit from
        the layer's ``units``, none when it has none).

    Returns
    -------
    list of napari.layers.Image
        The layers added or updated, in the order of ``outputs``. Their values
        are in intensity per physical unit of the layer's ``scale`` (radians
        for the direction). A negative scale (a flipped axis) counts by its
        absolute value: components are along the data axes, per physical unit,
        and the output layers are flipped like the source.

    Raises
    ------
    ValueError
        If a parameter is invalid; the message names it.

    Examples
    --------
    >>> import napari, napari_derivatives  # doctest: +SKIP
    >>> viewer = napari.Viewer()  # doctest: +SKIP
    >>> cells = viewer.add_image(image, scale=(0.2, 0.2))  # doctest: +SKIP
    >>> napari_derivatives.add_gradient_layers(
    ...     viewer, cells, method="sobel", outputs=("magnitude",)
    ... )  # doctest: +SKIP
    """
    image = resolve_image_layer(viewer, layer)
    results = compute_gradient_outputs(
        image, method=method, outputs=outputs, axes=axes, sigma=sigma, mode=mode, lazy=lazy
    )
    return apply_gradient_outputs(
        viewer, image, results, method=method, sigma=sigma, mode=mode, axes=axes, replace=replace
    )
