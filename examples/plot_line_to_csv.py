"""
A line across the image, to CSV, in ten lines
=============================================

The question this plugin started from: *"My line crosses the image; how do I get the
rate of change of the gray value along it, and write x, y, gray value and derivative to
a CSV?"* Here with scikit-image's ``cell`` (a quantitative phase image, 0.107 µm
pixels, shipped with scikit-image): :func:`napari_derivatives.line_profile` samples the
line between pixel centres and differentiates along it, per µm of distance.
"""

import tempfile
from pathlib import Path

from skimage import data

import napari_derivatives as nd

image = data.cell()  # (rows, columns), 0.107 µm pixels
line = [[330, 250], [410, 540]]  # (y, x) of the start and the end, in pixels
profile = nd.line_profile(image, line, spacing=0.107, units="µm")  # bilinear, 1 per pixel
csv = Path(tempfile.mkdtemp()) / "line.csv"  # line.json beside it: the settings
profile.to_csv(csv, axis_labels=("y", "x"))  # y_px, x_px, y_µm, x_µm, ..., derivative_per_µm
print("".join(csv.read_text().splitlines(keepends=True)[:4]))

# %%
# The same numbers, plotted against the distance along the line: the derivative peaks
# where the line crosses the cell's edges. ``find_edges`` gives the steepest points
# at sub-sample precision.
import matplotlib.pyplot as plt  # noqa: E402

edges = profile.find_edges(count=2)
for edge in edges:
    print(
        f"edge at {edge.distance:.2f} µm, (y, x) = {edge.coords.round(1)}, "
        f"slope {edge.derivative:.1f} per µm"
    )

fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 5))
top.plot(profile.distance, profile.values)
top.set_ylabel("gray value")
bottom.plot(profile.distance, profile.derivative, color="C1")
for edge in edges:
    bottom.axvline(edge.distance, color="0.6", linestyle="--")
bottom.set_ylabel("derivative (per µm)")
bottom.set_xlabel("distance along the line (µm)")
plt.show()
