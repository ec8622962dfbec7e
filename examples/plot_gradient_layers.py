"""
Gradient layers from a script
=============================

The macro use: open an image in napari, add its gradient layers with one call of
:func:`napari_derivatives.add_gradient_layers`, and read numbers from them.

The synthetic sample (**File > Open Sample > napari derivatives > Synthetic edges**) has
0.5 µm pixels and a background that rises by 2 counts per pixel to the right, so on the
background ``gx`` is 2 / 0.5 = **4 counts per µm** and ``gy`` is 0, whatever the operator.
"""

import matplotlib.pyplot as plt
from qtpy.QtWidgets import QApplication

import napari
import napari_derivatives as nd

viewer = napari.Viewer()
(image,) = viewer.open_sample("napari-derivatives", "edges")
layers = nd.add_gradient_layers(
    viewer, image, method="sobel", outputs=("gx", "gy", "magnitude", "direction")
)
for layer in layers:
    print(f"{layer.name:16} {layer.data.dtype}  pixel size {layer.scale.tolist()} µm")

# %%
# The background (rows 2-28, columns 110-250 avoid the square and the disk): the mean
# of ``gx`` is the ramp's slope in counts per µm, and ``gy`` averages to 0 (the noise of
# the sample has a standard deviation of 8 counts).
background = (slice(2, 28), slice(110, 250))
gx = viewer.layers["edges gx"].data[background]
gy = viewer.layers["edges gy"].data[background]
print(f"gx on the background: {gx.mean():.2f} counts per µm (the ramp: 4)")
print(f"gy on the background: {gy.mean():.2f} counts per µm (the ramp: 0)")

# %%
# The viewer in grid mode: the image, ``gx`` and ``gy`` (red where the intensity grows
# along the axis, blue where it falls), the magnitude and the direction.
viewer.grid.enabled = True
viewer.grid.shape = (2, 3)
QApplication.processEvents()  # let the window draw, then picture its canvas
figure = viewer.export_figure(flash=False)
viewer.close()

fig, ax = plt.subplots(figsize=(9, 6))
ax.imshow(figure)
ax.set_axis_off()
plt.show()
