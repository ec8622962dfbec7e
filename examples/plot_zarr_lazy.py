"""
A zarr volume with lazy gradient layers
=======================================

A volume on disk (here a small zarr array; the same holds for one of 16 GiB) opened
with dask is never loaded whole: :func:`napari_derivatives.add_gradient_layers` gives
it **lazy** layers, dask arrays that compute a block only when napari shows it, with
the halo the operator needs. The values equal those of the same volume in memory.

The volume is a ramp of 3 counts per pixel along x (0.5 µm pixels: ``gx`` = 6 counts per
µm) with a blurred bright ball in it, 2 µm between planes.
"""

import tempfile
import time
from pathlib import Path

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
import zarr
from qtpy.QtWidgets import QApplication
from scipy import ndimage

import napari
import napari_derivatives as nd

z, y, x = np.mgrid[0:48, 0:192, 0:192].astype(np.float32)
ball = ((z - 24) * 4) ** 2 + (y - 96) ** 2 + (x - 96) ** 2 <= 50**2
data = 100 + 3 * x + 800 * ndimage.gaussian_filter(ball.astype(np.float32), 3)
path = Path(tempfile.mkdtemp()) / "volume.zarr"
zarr.create_array(str(path), shape=data.shape, chunks=(8, 96, 96), dtype="float32")[:] = data

volume = da.from_zarr(str(path))  # nothing read yet
viewer = napari.Viewer()
layer = viewer.add_image(volume, scale=(2.0, 0.5, 0.5), units="um", name="volume")
start = time.perf_counter()
gx, magnitude = nd.add_gradient_layers(viewer, layer, method="sobel", outputs=("gx", "magnitude"))
print(f"layers added in {time.perf_counter() - start:.2f} s, nothing computed yet:")
print(
    f"gx is a {type(gx.data).__module__}.{type(gx.data).__name__} of {gx.data.npartitions} blocks"
)

# %%
# One plane is computed when it is shown, or asked for: plane 24, in the ball's middle.
start = time.perf_counter()
plane = np.asarray(gx.data[24])
print(f"plane 24 of gx computed in {time.perf_counter() - start:.2f} s")
print(f"gx far from the ball: {plane[:, :20].mean():.3f} counts per µm (the ramp: 6)")
eager = nd.gradient(data, method="sobel", spacing=(2.0, 0.5, 0.5), axes=(-2, -1))[1]
print(f"largest difference from the volume in memory: {np.abs(plane - eager[24]).max()}")

# %%
# The viewer at that plane, the magnitude over the volume: the ball's blurred surface.
viewer.dims.set_point(0, 24 * 2.0)
layer.visible = gx.visible = False
QApplication.processEvents()  # let the window draw, then picture its canvas
figure = viewer.export_figure(flash=False)
viewer.close()

fig, ax = plt.subplots(figsize=(5, 5))
ax.imshow(figure)
ax.set_axis_off()
plt.show()
