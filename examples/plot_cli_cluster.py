"""
The command line on a cluster
=============================

``napari-derivatives gradient`` differentiates a zarr volume chunk by chunk and writes
each output as an OME-Zarr image (``out.zarr/magnitude/0`` with its axes, units and
pixel size), so that napari (with ``napari-ome-zarr``) and other viewers open it at its
physical size. ``--scheduler ADDRESS`` runs the work on a dask.distributed cluster
whose workers see the files (a shared file system).

Here the cluster is a :class:`distributed.LocalCluster` on this machine; on a real one
the address is that of ``dask scheduler`` (or of a ``dask-jobqueue`` cluster), and the
command is the same. The values are those of the Python API.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import zarr
from distributed import LocalCluster

import napari_derivatives as nd

folder = Path(tempfile.mkdtemp())
z, y, x = np.mgrid[0:32, 0:128, 0:128].astype(np.float32)
shell = np.abs(np.sqrt(((z - 16) * 2) ** 2 + (y - 64) ** 2 + (x - 64) ** 2) - 40) < 6
volume = (100 + 400 * shell).astype(np.uint16)
zarr.create_array(str(folder / "volume.zarr"), shape=volume.shape, chunks=(8, 64, 64),
                  dtype="uint16")[:] = volume  # fmt: skip

command = Path(sys.executable).with_name("napari-derivatives")
with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://",
                  host="127.0.0.1", dashboard_address=":0") as cluster:  # fmt: skip
    run = subprocess.run(
        [command, "gradient", folder / "volume.zarr", folder / "out.zarr",
         "--method", "gaussian", "--sigma", "1", "--outputs", "gz,magnitude",
         "--spacing", "1,0.5,0.5", "--units", "um", "--scheduler", cluster.scheduler_address],
        capture_output=True, text=True,
    )  # fmt: skip
print(cluster.scheduler_address, run.stderr)
run.check_returncode()

# %%
# Each output is an image group with its NGFF metadata: axes, units, scale.
metadata = json.loads((folder / "out.zarr" / "magnitude" / "zarr.json").read_text())
multiscale = metadata["attributes"]["ome"]["multiscales"][0]
print("axes:", json.dumps(multiscale["axes"]))
print("datasets:", json.dumps(multiscale["datasets"]))

magnitude = zarr.open_array(str(folder / "out.zarr" / "magnitude" / "0"))
expected = nd.gradient_magnitude(volume, method="gaussian", sigma=1, spacing=(1, 0.5, 0.5))
print(f"largest difference from the Python API: {np.abs(magnitude[:] - expected).max()}")

# %%
# The middle plane of the magnitude, at its physical size (µm).
fig, ax = plt.subplots(figsize=(5, 5))
shown = ax.imshow(magnitude[16], extent=(0, 128 * 0.5, 128 * 0.5, 0), cmap="magma")
fig.colorbar(shown, ax=ax, label="gradient magnitude (counts per µm)")
ax.set_xlabel("x (µm)")
ax.set_ylabel("y (µm)")
plt.show()
