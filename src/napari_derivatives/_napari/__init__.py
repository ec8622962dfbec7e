"""napari glue without Qt: layers <-> arrays, transforms, names, colormaps.

Everything here converts between napari layers and the plain arrays of the core
(:mod:`napari_derivatives._core`), through napari's own transforms. Nothing here
imports Qt, magicgui or matplotlib, so it serves headless scripts and macros as
well as the widgets of :mod:`napari_derivatives._qt`.
"""
