"""Make the pictures of the documentation: ``make docs-images``.

Every picture in ``docs/images/`` comes from this script, so that they follow the
code. Viewer screenshots need a display; ``make docs-images`` provides Xvfb when
there is none.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage

import napari_derivatives as nd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import second_order_figures

IMAGES = Path(__file__).resolve().parent / "images"


def _settle(viewer) -> None:
    from qtpy.QtWidgets import QApplication

    for _ in range(20):
        QApplication.processEvents()


def gradient_layers_screenshot() -> Path:
    """Screenshot the sample image, its Sobel gradient layers and the widget."""
    import napari
    from napari_derivatives._napari.sample_data import make_synthetic_sample
    from napari_derivatives._qt.gradient_widget import gradient_layers_widget

    viewer = napari.Viewer(show=True)
    ((data, kwargs, _),) = make_synthetic_sample()
    viewer.add_image(data, **kwargs)
    widget = gradient_layers_widget()
    viewer.window.add_dock_widget(widget, name="Gradient layers", area="right")
    widget.method.value = "sobel"
    widget.direction.value = True
    widget()
    viewer.canvas.grid.enabled = True
    viewer.window.resize(1500, 900)
    _settle(viewer)
    viewer.reset_view()
    _settle(viewer)
    path = IMAGES / "gradient_layers.png"
    viewer.screenshot(str(path), canvas_only=False)
    viewer.close()
    return path


def line_derivative_screenshot() -> Path:
    """Screenshot the demo: a line and a path over the sample, the panel docked."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
    from demo import build_demo_viewer

    viewer, _ = build_demo_viewer(show=True)
    viewer.window.resize(1500, 900)
    _settle(viewer)
    viewer.reset_view()
    _settle(viewer)
    path = IMAGES / "line_derivative_panel.png"
    viewer.screenshot(str(path), canvas_only=False)
    viewer.close()
    return path


def direction_convention() -> Path:
    """Draw the direction around a dark hole, with arrows at 0, +pi/2, pi and -pi/2."""
    y, x = np.mgrid[0:201, 0:201]
    disk = ((y - 100) ** 2 + (x - 100) ** 2 <= 60**2).astype(float)
    image = ndimage.gaussian_filter(disk, 8) * 100.0
    # The gradient of a bright disk points inwards; use its negative (a dark
    # hole) so that each arrow points away from the centre, like the angle.
    direction = nd.gradient_direction(-image, method="sobel")
    magnitude = nd.gradient_magnitude(image, method="sobel")
    shown = np.ma.masked_where(magnitude < 0.05 * magnitude.max(), direction)

    fig, ax = plt.subplots(figsize=(6.2, 5.2), layout="constrained")
    ax.imshow(image, cmap="gray", alpha=0.35)
    mesh = ax.imshow(shown, cmap="twilight_shifted", vmin=-np.pi, vmax=np.pi)
    for angle, label in [
        (0.0, "0\n(+x, right)"),
        (np.pi / 2, "+π/2\n(+y, down)"),
        (np.pi, "π\n(−x, left)"),
        (-np.pi / 2, "−π/2\n(−y, up)"),
    ]:
        dy, dx = np.sin(angle), np.cos(angle)
        start = np.array([100 + 62 * dy, 100 + 62 * dx])
        ax.annotate(
            "",
            xy=(start[1] + 24 * dx, start[0] + 24 * dy),
            xytext=(start[1], start[0]),
            arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5},
        )
        ax.text(100 + 92 * dx, 100 + 92 * dy, label, ha="center", va="center", fontsize=9)
    ax.set_xlim(-5, 205)
    ax.set_ylim(205, -5)
    ax.set_xlabel("x (column) →")
    ax.set_ylabel("← y (row)")
    ax.set_title("gradient_direction = atan2(d/dy, d/dx); y points down")
    fig.colorbar(mesh, ax=ax, label="direction (radians)", ticks=[-np.pi, 0, np.pi])
    path = IMAGES / "direction_convention.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def orientation_convention() -> Path:
    """Draw the orientation of concentric rings, with the stripes of 0, +-pi/4 and pi/2."""
    y, x = np.mgrid[0:201, 0:201].astype(float)
    radius = np.hypot(y - 100, x - 100)
    image = np.where(radius <= 80, 100.0 + 50.0 * np.cos(2 * np.pi * radius / 14.0), 100.0)
    angle = nd.orientation(image, sigma=1.5, rho=4.0)
    strength = nd.coherence(image, sigma=1.5, rho=4.0)
    shown = np.ma.masked_where((radius < 12) | (radius > 74) | (strength < 0.5), angle)

    fig, ax = plt.subplots(figsize=(6.2, 5.2), layout="constrained")
    ax.imshow(image, cmap="gray", alpha=0.35)
    mesh = ax.imshow(shown, cmap="twilight", vmin=-np.pi / 2, vmax=np.pi / 2)
    for value, label in [
        (0.0, "0: wave\nalong x\n(vertical\nstripes)"),
        (np.pi / 2, "+π/2: wave along y (horizontal stripes)"),
        (np.pi / 4, "+π/4"),
        (-np.pi / 4, "−π/4"),
    ]:
        dy, dx = np.sin(value), np.cos(value)
        ax.annotate(
            "",
            xy=(100 + 98 * dx, 100 + 98 * dy),
            xytext=(100 + 62 * dx, 100 + 62 * dy),
            arrowprops={"arrowstyle": "<|-|>", "color": "black", "lw": 1.5},
        )
        ax.text(100 + 122 * dx, 100 + 118 * dy, label, ha="center", va="center", fontsize=8)
    ax.set_xlim(-30, 250)
    ax.set_ylim(240, -40)
    ax.set_xlabel("x (column) →")
    ax.set_ylabel("← y (row)")
    ax.set_title("orientation of concentric rings, in (−π/2, π/2]; y points down", fontsize=10)
    fig.colorbar(mesh, ax=ax, label="orientation (radians)", ticks=[-np.pi / 2, 0, np.pi / 2])
    path = IMAGES / "orientation_convention.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def operator_gains() -> Path:
    """Plot each operator on a ramp of slope 1: ours give 1, raw kernels do not."""
    from skimage import filters

    ramp = np.tile(np.arange(64, dtype=np.float32), (64, 1))
    inner = (slice(8, -8), slice(8, -8))
    ours = {m: float(np.median(nd.gradient(ramp, method=m)[1][inner])) for m in nd.METHODS}
    raw = {
        "scipy.ndimage.sobel": float(np.median(ndimage.sobel(ramp, axis=1)[inner])),
        "scipy.ndimage.prewitt": float(np.median(ndimage.prewitt(ramp, axis=1)[inner])),
        "skimage sobel_v": float(np.median(filters.sobel_v(ramp)[inner])),
        "skimage scharr_v": float(np.median(filters.scharr_v(ramp)[inner])),
        "skimage farid_v": float(np.median(filters.farid_v(ramp)[inner])),
        "skimage sobel (magnitude)": float(np.median(filters.sobel(ramp)[inner])),
    }
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    names = [f"napari_derivatives\n{m}" for m in ours] + list(raw)
    values = list(ours.values()) + list(raw.values())
    colors = ["tab:blue"] * len(ours) + ["tab:gray"] * len(raw)
    bars = ax.barh(names, values, color=colors)
    ax.bar_label(bars, fmt="%.3g", padding=3, fontsize=8)
    ax.axvline(1.0, color="black", lw=0.8, ls="--")
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("d/dx reported on a ramp I = x (true slope: 1 per pixel)")
    ax.set_title("Operator gains: ours are removed")
    path = IMAGES / "operator_gains.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def tutorial_profile() -> Path:
    """Plot what the tutorial computes: intensity and derivative along a line."""
    from napari_derivatives._napari.sample_data import SYNTHETIC_PIXEL_SIZE, synthetic_edges

    image = synthetic_edges()
    pixel = SYNTHETIC_PIXEL_SIZE
    # Obliquely across the blurred disk's edge, where intensity changes gradually.
    path = np.array([[150.0, 80.0], [175.0, 150.0]])
    nearest = nd.line_profile(image, path, spacing=pixel, step=0.25, order=0)
    linear = nd.line_profile(image, path, spacing=pixel, step=0.25, order=1)
    smooth = nd.line_profile(image, path, spacing=pixel, step=0.25, order=1, smooth=1.5)
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 5), layout="constrained")
    top.plot(nearest.distance, nearest.values, label="nearest (order=0)", lw=1)
    top.plot(linear.distance, linear.values, label="linear (order=1)", lw=1)
    top.set_ylabel("intensity (counts)")
    top.legend(fontsize=8)
    bottom.plot(nearest.distance, nearest.derivative, label="nearest: 0 or a spike", lw=0.8)
    bottom.plot(linear.distance, linear.derivative, label="linear", lw=1)
    bottom.plot(smooth.distance, smooth.derivative, label="linear, smooth=1.5 px", lw=1.5)
    for edge in smooth.find_edges(count=1):
        bottom.axvline(edge.distance, color="black", ls=":", lw=1)
    bottom.set_ylabel("d intensity / d distance\n(counts per µm)")
    bottom.set_xlabel("distance along the line (µm)")
    bottom.legend(fontsize=8)
    out = IMAGES / "tutorial_profile.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def three_ways() -> Path:
    """Plot the tutorial's three ways to the slope along a line, on the disk's edge."""
    from napari_derivatives._napari.sample_data import SYNTHETIC_PIXEL_SIZE, synthetic_edges

    image = synthetic_edges()
    pixel = SYNTHETIC_PIXEL_SIZE
    path = np.array([[150.0, 80.0], [175.0, 150.0]])
    options = {"spacing": pixel, "step": 0.25}
    nearest = nd.line_profile(image, path, order=0, **options)
    linear = nd.line_profile(image, path, order=1, **options)
    spline = nd.line_profile(image, path, order=3, derivative_of="interpolant", **options)
    # The Sobel gradient (in counts per µm) sampled on the line, dotted with its direction.
    d_row, d_col = nd.gradient(image, method="sobel", spacing=pixel)
    unit = (path[1] - path[0]) / np.linalg.norm(path[1] - path[0])
    sobel = unit[0] * nd.line_profile(d_row, path, order=1, **options).values
    sobel = sobel + unit[1] * nd.line_profile(d_col, path, order=1, **options).values
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    ax.plot(nearest.distance, nearest.derivative, lw=0.6, color="0.7", label="nearest samples")
    ax.plot(linear.distance, linear.derivative, lw=1, label="linear samples")
    ax.plot(linear.distance, sobel, lw=1.5, label="Sobel gradient . line direction")
    ax.plot(spline.distance, spline.derivative, lw=1.5, ls="--", label="cubic spline derivative")
    ax.set_xlim(15, 32)
    ax.set_ylim(-150, 800)
    ax.set_xlabel("distance along the line (µm)")
    ax.set_ylabel("d intensity / d distance\n(counts per µm)")
    ax.set_title("Three ways to the slope across the disk's edge")
    ax.legend(fontsize=8, loc="upper left")
    out = IMAGES / "three_ways.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv: list[str]) -> None:
    """Write every picture (and the comparison table), or only those named.

    With no names, each picture is made in a fresh process: napari remembers the
    window and dock layout of a closed viewer, which would leak into the next one.
    """
    makers = {
        "direction": direction_convention,
        "orientation": orientation_convention,
        "gains": operator_gains,
        "tutorial": tutorial_profile,
        "three-ways": three_ways,
        "gradient": gradient_layers_screenshot,
        "panel": line_derivative_screenshot,
        "second-order": second_order_figures.outputs_gallery,
        "survey": second_order_figures.colour_survey_convention,
        "hessian-widget": second_order_figures.hessian_screenshot,
        "orientation-widget": second_order_figures.orientation_screenshot,
        "direction-colour": second_order_figures.direction_colour_screenshot,
        "comparison": second_order_figures.comparison_table,
    }
    IMAGES.mkdir(exist_ok=True)
    if not argv:
        for name in makers:
            subprocess.run([sys.executable, __file__, name], check=True)
        return
    for name in argv:
        print(makers[name]())


if __name__ == "__main__":
    main(sys.argv[1:])
