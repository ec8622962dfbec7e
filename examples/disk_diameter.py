"""
The sample disk's diameter and edge widths
==========================================

From a script: ``find_edges`` and ``edge_distances``.

The synthetic sample (File > Open Sample > napari-derivatives > Synthetic edges) holds a disk
of radius 256 / 6 = 42.7 pixels, blurred by a Gaussian of sigma 3 pixels, with 0.5 µm pixels.
A vertical line through its centre crosses a rising and a falling edge: their distance is the
diameter, their widths those of the blur (FWHM 2.3548 x 1.5 µm, 10-90 % rise 2.5631 x 1.5 µm).
"""

from __future__ import annotations

import napari_derivatives as nd
from napari_derivatives._napari.sample_data import SYNTHETIC_PIXEL_SIZE, synthetic_edges

image = synthetic_edges()
line = [[100.0, 166.0], [235.0, 166.0]]  # (row, column): down through the disk's centre
profile = nd.line_profile(image, line, spacing=SYNTHETIC_PIXEL_SIZE, units="µm")

# Both edges of the disk, in order along the line; a threshold keeps out the noise.
edges = profile.find_edges(select="all", threshold=100.0)
for edge in edges:
    kind = "rising" if edge.derivative > 0 else "falling"
    print(
        f"{kind:7} edge at {edge.distance:6.2f} µm, slope {edge.derivative:6.0f} counts/µm, "
        f"FWHM {edge.fwhm:.2f} µm, 10-90 % rise {edge.rise_width:.2f} µm"
    )
[diameter] = profile.edge_distances(edges)
print(f"diameter {diameter:.2f} µm ({diameter / SYNTHETIC_PIXEL_SIZE:.1f} pixels)")
sigma = 3 * SYNTHETIC_PIXEL_SIZE  # the blur, in µm
print(f"true: diameter {2 * 256 / 6 * SYNTHETIC_PIXEL_SIZE:.2f} µm, ", end="")
print(f"FWHM {2.3548 * sigma:.2f} µm, rise {2.5631 * sigma:.2f} µm")
profile.to_csv("disk.csv", axis_labels=("y", "x"), metadata={"image": "synthetic edges"})
