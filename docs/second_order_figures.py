"""The pictures and the comparison table of ``docs/second_order.md``.

Called by ``docs/make_images.py`` (``make docs-images``); each function writes one file
and returns its path.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage

import napari_derivatives as nd
from napari_derivatives._core.colour import colour_survey, hsv_to_rgb, orientation_hue

DOCS = Path(__file__).resolve().parent
IMAGES = DOCS / "images"


def _settle() -> None:
    from qtpy.QtWidgets import QApplication

    for _ in range(20):
        QApplication.processEvents()


def _run_and_wait(widget) -> None:
    import time

    from qtpy.QtWidgets import QApplication

    widget()
    start = time.monotonic()
    while widget.worker is not None and time.monotonic() - start < 300:
        QApplication.processEvents()
        time.sleep(0.05)


def _cell_viewer():
    import napari
    from napari_derivatives._napari.sample_data import make_cell_sample

    viewer = napari.Viewer(show=True)
    ((data, kwargs, _),) = make_cell_sample()
    viewer.add_image(data, **kwargs)
    return viewer


def _save(viewer, name: str) -> Path:
    viewer.window.resize(1500, 900)
    _settle()
    viewer.reset_view()
    _settle()
    path = IMAGES / name
    viewer.screenshot(str(path), canvas_only=False)
    viewer.close()
    return path


def hessian_screenshot() -> Path:
    """Screenshot the cell sample, its Laplacian and Hessian eigenvalues, the widget docked."""
    from napari_derivatives._qt.hessian_widget import hessian_layers_widget

    viewer = _cell_viewer()
    widget = hessian_layers_widget()
    viewer.window.add_dock_widget(widget, name="Hessian layers", area="right")
    widget.sigma.value = 0.3
    _run_and_wait(widget)
    viewer.grid.enabled = True
    return _save(viewer, "hessian_layers.png")


def orientation_screenshot() -> Path:
    """Screenshot the cell sample's orientation layers and colour survey, the widget docked."""
    from napari_derivatives._qt.orientation_widget import orientation_layers_widget

    viewer = _cell_viewer()
    widget = orientation_layers_widget()
    viewer.window.add_dock_widget(widget, name="Orientation layers", area="right")
    widget.sigma.value = 0.2
    widget.rho.value = 1.0
    _run_and_wait(widget)
    viewer.grid.enabled = True
    return _save(viewer, "orientation_layers.png")


def direction_colour_screenshot() -> Path:
    """Screenshot the cell sample, its direction layer and its direction colour."""
    from napari_derivatives._qt.gradient_widget import gradient_layers_widget

    viewer = _cell_viewer()
    widget = gradient_layers_widget()
    viewer.window.add_dock_widget(widget, name="Gradient layers", area="right")
    widget.method.value = "gaussian"
    widget.sigma.value = 0.2
    for name in ("gx", "gy", "magnitude"):
        getattr(widget, name).value = False
    widget.direction.value = True
    widget.direction_colour.value = True
    _run_and_wait(widget)
    viewer.grid.enabled = True
    return _save(viewer, "direction_colour.png")


def _examples() -> dict[str, np.ndarray]:
    """Return a bright ridge, a bright blob and a field of fibres in four directions.

    Each with a little seeded noise, as a micrograph has: where nothing is oriented, the
    coherence is low.
    """
    y, x = np.mgrid[0:128, 0:128].astype(float)
    noise = np.random.default_rng(7).normal(0, 2.0, y.shape)
    ridge = 100 * np.exp(-((y - 64 - 0.3 * (x - 64)) ** 2) / (2 * 4.0**2))
    blob = 100 * np.exp(-((y - 64) ** 2 + (x - 64) ** 2) / (2 * 10.0**2))
    # Four patches of fibres: wave vectors at 0, pi/4 (top) and pi/2, -pi/4 (bottom).
    top, left = y < 64, x < 64
    angle = np.select(
        [top & left, top & ~left, ~top & left], [0.0, np.pi / 4, np.pi / 2], -np.pi / 4
    )
    fibres = 50 + 50 * np.cos(2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / 8)
    return {"ridge": ridge + noise, "blob": blob + noise, "fibre field": fibres + 4 * noise}


def outputs_gallery() -> Path:
    """Each output on a ridge, a blob and a fibre field: what it shows."""
    examples = _examples()
    columns = ["image", "Laplacian", "Hessian eigenvalue 1", "Hessian eigenvalue 2"]
    columns += ["coherence", "colour survey"]
    fig, axes = plt.subplots(3, 6, figsize=(13, 6.6), layout="constrained")
    for row, (name, image) in enumerate(examples.items()):
        sigma = 1.5 if name == "fibre field" else 3.0
        laplacian = nd.laplacian(image, sigma=sigma)
        eigen = nd.hessian_eigenvalues(image, sigma=sigma)
        angle = nd.orientation(image, sigma=1.0, rho=4.0)
        coherence = nd.coherence(image, sigma=1.0, rho=4.0)
        survey = colour_survey(angle, coherence, image, contrast_limits=(0, 100))
        peak = float(np.abs(eigen).max())
        panels = [
            (image, {"cmap": "gray"}),
            (laplacian, {"cmap": "RdBu_r", "vmin": -peak, "vmax": peak}),
            (eigen[0], {"cmap": "RdBu_r", "vmin": -peak, "vmax": peak}),
            (eigen[1], {"cmap": "RdBu_r", "vmin": -peak, "vmax": peak}),
            (coherence, {"cmap": "viridis", "vmin": 0, "vmax": 1}),
            (survey, {}),
        ]
        for column, (data, style) in enumerate(panels):
            ax = axes[row, column]
            ax.imshow(data, **style)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(columns[column], fontsize=10)
        axes[row, 0].set_ylabel(name, fontsize=11)
    fig.suptitle(
        "Red > 0, blue < 0: a bright ridge is blue across it (eigenvalue 2), a bright blob "
        "blue in both; the colour survey colours each fibre direction",
        fontsize=10,
    )
    path = IMAGES / "second_order_outputs.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def colour_survey_convention() -> Path:
    """Draw the colour survey of concentric rings, with the orientation at four places."""
    y, x = np.mgrid[0:201, 0:201].astype(float)
    radius = np.hypot(y - 100, x - 100)
    rings = 50 + 50 * np.cos(2 * np.pi * radius / 12)
    angle = nd.orientation(rings, sigma=1.0, rho=3.0)
    coherence = nd.coherence(rings, sigma=1.0, rho=3.0)
    survey = colour_survey(angle, coherence, rings, contrast_limits=(0, 100))
    fig, (ax, bar) = plt.subplots(
        1, 2, figsize=(7.4, 5.4), width_ratios=(12, 1), layout="constrained"
    )
    ax.imshow(survey)
    for value, label in [
        (0.0, "0 (+x)"),
        (np.pi / 4, "+π/4"),
        (np.pi / 2, "±π/2 (y)"),
        (-np.pi / 4, "−π/4"),
    ]:
        dy, dx = np.sin(value), np.cos(value)
        centre = np.array([100 + 70 * dy, 100 + 70 * dx])
        ax.annotate(
            "",
            xy=(centre[1] + 16 * dx, centre[0] + 16 * dy),
            xytext=(centre[1] - 16 * dx, centre[0] - 16 * dy),
            arrowprops={"arrowstyle": "<|-|>", "color": "white", "lw": 1.8},
        )
        ax.text(
            100 + 96 * dx,
            100 + 96 * dy,
            label,
            ha="center",
            va="center",
            fontsize=9,
            color="white",
            bbox={"facecolor": "black", "alpha": 0.6, "lw": 0},
        )
    ax.set_xlabel("x (column) →")
    ax.set_ylabel("← y (row)")
    ax.set_title("colour survey: hue = orientation, in (−π/2, π/2]; y points down", fontsize=10)
    angles = np.linspace(np.pi / 2, -np.pi / 2, 181)
    wheel = hsv_to_rgb(orientation_hue(angles), 1.0, 1.0)[:, None, :]
    bar.imshow(np.repeat(wheel, 12, axis=1), aspect="auto", extent=(0, 1, -90, 90))
    bar.set_xticks([])
    bar.yaxis.tick_right()
    bar.set_yticks([-90, -45, 0, 45, 90])
    bar.set_ylabel("orientation (degrees): hue of the survey and the orientation layer")
    bar.yaxis.set_label_position("right")
    path = IMAGES / "colour_survey_convention.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --- the comparison table, written into second_order.md -------------------------------------

#: The quadratic of the table, in physical units: Hyy 2, Hyx 0.5, Hxx 0.5 per unit^2.
A, B, C = 1.0, 0.5, 0.25
SPACING = (0.5, 2.0)
#: sigma: in physical units for us, in pixels (along every axis) for the peers, as a
#: user of theirs would pass it.
SIGMA = 2.0


def _comparison_rows() -> list[list[str]]:
    from skimage.feature import hessian_matrix, structure_tensor

    rows, cols = np.mgrid[0:80, 0:80].astype(np.float64)
    y, x = rows * SPACING[0], cols * SPACING[1]
    quadratic = A * y**2 + B * x * y + C * x**2
    centre = (40, 40)
    sigma_px = SIGMA
    ours = nd.hessian(quadratic, sigma=SIGMA, spacing=SPACING)
    ours_laplacian = nd.laplacian(quadratic, sigma=SIGMA, spacing=SPACING)
    skimage = hessian_matrix(quadratic, sigma=sigma_px, order="rc", use_gaussian_derivatives=True)
    scipy = [
        ndimage.gaussian_filter(quadratic, sigma_px, order=order)
        for order in ((2, 0), (1, 1), (0, 2))
    ]
    scipy_laplacian = ndimage.gaussian_laplace(quadratic, sigma_px)
    # The true values per µm^2, and per pixel^2: the derivative times the pixel sizes.
    pixel = {
        "Hyy": SPACING[0] ** 2,
        "Hyx": SPACING[0] * SPACING[1],
        "Hxx": SPACING[1] ** 2,
    }
    truths = {"Hyy": 2 * A, "Hyx": B, "Hxx": 2 * C}
    table = []
    for index, name in enumerate(("Hyy", "Hyx", "Hxx")):
        values = (float(skimage[index][centre]), float(scipy[index][centre]))
        table.append(
            _row(
                name, truths[name], float(ours[index][centre]), truths[name] * pixel[name], values
            )
        )
    laplacian = (
        float(skimage[0][centre] + skimage[2][centre]),
        float(scipy_laplacian[centre]),
    )
    per_pixel = truths["Hyy"] * pixel["Hyy"] + truths["Hxx"] * pixel["Hxx"]
    table.append(
        _row("laplacian", 2 * A + 2 * C, float(ours_laplacian[centre]), per_pixel, laplacian)
    )

    # The structure tensor of a ramp I = 3 Y + 4 X: [[9, 12], [12, 16]] per unit^2.
    ramp = 3 * y + 4 * x
    ours_tensor = nd.structure_tensor(ramp, sigma=1.0, rho=SIGMA, spacing=SPACING)
    # scikit-image's sigma is the integration window; its derivatives are Sobel's.
    skimage_tensor = structure_tensor(ramp, sigma=sigma_px, order="rc")
    for index, (name, truth) in enumerate((("Syy", 9.0), ("Syx", 12.0), ("Sxx", 16.0))):
        scale = pixel["H" + name[1:]]
        value = float(skimage_tensor[index][centre])
        table.append(
            _row(name, truth, float(ours_tensor[index][centre]), truth * scale, (value, None))
        )
    return table


def _row(
    name: str, truth: float, ours: float, per_pixel: float, peers: tuple[float | None, ...]
) -> list[str]:
    cells = [f"`{name}`", f"{truth:g}", f"{ours:.5g}", f"{per_pixel:g}"]
    for value in peers:
        cells.append("—" if value is None else f"{value:.4g} (gain {value / per_pixel:.3g})")
    return cells


def comparison_table() -> Path:
    """Write the peers' values on the quadratic into second_order.md, between markers."""
    header = [
        "output",
        "true value, per unit²",
        "napari-derivatives",
        "true value, per pixel²",
        "scikit-image",
        "scipy.ndimage",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in _comparison_rows()]
    page = DOCS / "second_order.md"
    text = page.read_text(encoding="utf-8")
    block = "<!-- comparison:start -->\n" + "\n".join(lines) + "\n<!-- comparison:end -->"
    new = re.sub(
        r"<!-- comparison:start -->.*?<!-- comparison:end -->", block, text, flags=re.DOTALL
    )
    page.write_text(new, encoding="utf-8")
    return page
