"""Open napari with the plugin at work: ``make demo`` (``python -m napari_derivatives._demo``).

The sample image gets gradient layers, a line is drawn across the bright square's
edge and the line-derivative panel is docked. On a virtual display (no screen), a
screenshot is written to demo.png instead of opening an interactive window.
"""

from __future__ import annotations

import os
from pathlib import Path

import napari
import numpy as np

from napari_derivatives import add_gradient_layers
from napari_derivatives._sample_data import make_synthetic_sample


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
    from napari_derivatives._profile_widget import LineDerivativeWidget

    viewer = napari.Viewer(title="napari-derivatives demo", show=show)
    ((data, kwargs, _),) = make_synthetic_sample()
    image = viewer.add_image(data, **kwargs)
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
    widget = LineDerivativeWidget(viewer)
    widget.mark_edges.value = True
    viewer.window.add_dock_widget(widget, name="Line derivative", area="right")
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
