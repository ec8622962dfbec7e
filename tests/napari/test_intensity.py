"""A layer's lazy intensity: one chunk per plane, merged without importing dask.distributed."""

from __future__ import annotations

import subprocess
import sys


def test_lazy_planes_are_merged_without_importing_distributed():
    # Left to choose its rechunking method, dask imports distributed (0.4 s) first.
    code = (
        "import sys\n"
        "import dask.array as da\n"
        "from napari_derivatives._napari.intensity import lazy_intensity\n"
        "volume = lazy_intensity(da.zeros((4, 64, 64), chunks=(2, 32, 32)), rgb=False)\n"
        "assert volume.chunks == ((1, 1, 1, 1), (64,), (64,)), volume.chunks\n"
        "assert 'distributed' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
