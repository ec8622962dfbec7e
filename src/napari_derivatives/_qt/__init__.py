"""Qt: the dock widgets and the plot. Controls and events only; they draw and listen.

The computation is in :mod:`napari_derivatives._core`, the layer handling in
:mod:`napari_derivatives._napari`; this ring collects settings, runs long work in
worker threads, and reports problems as napari notifications.
"""
