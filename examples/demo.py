"""Open napari with the plugin at work: ``make demo`` (``python examples/demo.py``).

The sample image gets gradient layers, a line is drawn across the bright square's
edge and the line-derivative panel is docked. On a virtual display (no screen), a
screenshot is written to demo.png instead of opening an interactive window.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

import napari
from napari_derivatives import add_gradient_layers


def build_demo_viewer(show: bool = True) -> tuple[napari.Viewer, object]:
    """Return a viewer with the sample image, its gradient layers, a line and the panel.

    Parameters
    ----------
    show : bool
        Whether to show the viewer's window.

    Returns
    -------
    tuple
        The viewer and the docked line-derivative widget.
    """
    viewer = napari.Viewer(title="napari-derivatives demo", show=show)
    (image,) = viewer.open_sample("napari-derivatives", "edges")
    layers = add_gradient_layers(viewer, image, method="sobel", outputs=("gx", "magnitude"))
    for layer in layers:
        layer.visible = False
    # In world units (µm): a line across the bright square's left edge, and a
    # polyline from the background ramp across the blurred disk's edge.
    line = np.array([[40.0, 5.0], [40.0, 30.0]])
    path = np.array([[70.0, 40.0], [85.0, 55.0], [85.0, 75.0]])
    viewer.add_shapes(
        [line, path],
        shape_type=["line", "path"],
        edge_color=["yellow", "cyan"],
        edge_width=0.8,
        name="lines",
        units=image.units,
    )
    # As a user opens it from the menu: Layers > Measure > Line derivative.
    _, widget = viewer.window.add_plugin_dock_widget("napari-derivatives", "Line derivative")
    widget.mark_edges.value = True
    viewer.layers.selection.active = viewer.layers["lines"]
    return viewer, widget


def main() -> None:
    """Run the demo interactively, or save a screenshot on a virtual display."""
    virtual = os.environ.get("NAPARI_DERIVATIVES_VIRTUAL_DISPLAY") == "1"
    viewer, _ = build_demo_viewer(show=True)
    if virtual:
        from qtpy.QtWidgets import QApplication

        viewer.window.resize(1500, 900)
        for _ in range(10):
            QApplication.processEvents()
        # Fit the image to the canvas at its final size.
        viewer.reset_view()
        for _ in range(10):
            QApplication.processEvents()
        path = Path("demo.png").resolve()
        viewer.screenshot(str(path), canvas_only=False)
        print(f"No screen: wrote a screenshot of the demo to {path}")
        viewer.close()
    else:
        napari.run()


if __name__ == "__main__":
    main()
