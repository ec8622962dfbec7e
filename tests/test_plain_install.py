"""The plain install: `pip install napari-derivatives` (no extra) in a fresh virtual environment.

No napari and no Qt binding come with it (a plugin runs inside the user's napari), and the API
and the command line work there: the gradient of a ramp is its slope in intensity per physical
unit. The environment is built from a copy of the working tree with pip, wheels only, from pip's
cache or PyPI (about a minute with a warm cache). `make test` runs it; `make test-fast` leaves
it out (`-m "not install"`).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parent.parent
SPACING = (0.5, 2.0)  # y, x: the pixel size in physical units

# Run inside the plain environment: what is importable, and the API on the ramp of conftest
# (I = 3 y + 5 x per pixel: 3 / 0.5 = 6 and 5 / 2 = 2.5 per physical unit).
PROBE = """
import importlib, json, sys
import numpy as np
import napari_derivatives as nd

def importable(name):
    try:
        importlib.import_module(name)
    except Exception:
        return False
    return True

y, x = np.mgrid[0:40, 0:50].astype(np.float32)
image = 3.0 * y + 5.0 * x + 7.0
gy, gx = nd.gradient(image, spacing=(0.5, 2.0))
magnitude = nd.gradient_magnitude(image, spacing=(0.5, 2.0), method="sobel")
profile = nd.line_profile(image, [[5, 2], [5, 20]], spacing=(0.5, 2.0))
print(json.dumps({
    "importable": {m: importable(m) for m in
                   ("napari", "qtpy.QtCore", "PyQt5", "PyQt6", "PySide6", "distributed")},
    "gy": [float(gy.min()), float(gy.max())],
    "gx": [float(gx.min()), float(gx.max())],
    "magnitude": [float(magnitude.min()), float(magnitude.max())],
    "profile_derivative": [float(profile.derivative.min()), float(profile.derivative.max())],
    "profile_length": float(profile.distance[-1]),
}))
"""


def run(argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, timeout=1200, **kwargs)


@pytest.fixture(scope="module")
def plain_env(tmp_path_factory):
    """A fresh virtual environment with the project installed without extras."""
    base = tmp_path_factory.mktemp("plain")
    project = base / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(
        ROOT / "src",
        project / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"),
    )
    env = base / "env"
    created = run([sys.executable, "-m", "venv", str(env)])
    assert created.returncode == 0, created.stderr
    python = env / "bin" / "python"
    # Wheels only, as CI installs: nothing is compiled but the project itself (pure Python).
    pip = [str(python), "-m", "pip", "install", "--only-binary=:all:"]
    pip += ["--no-binary=napari-derivatives", str(project)]
    installed = run(pip, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return env


def test_the_plain_install_has_no_napari_and_no_qt_binding(plain_env):
    listed = run([str(plain_env / "bin" / "python"), "-m", "pip", "list", "--format=json"])
    names = {package["name"].lower() for package in json.loads(listed.stdout)}
    assert "napari-derivatives" in names
    assert {"numpy", "scipy", "scikit-image", "dask", "zarr", "tifffile"} <= names
    assert {"matplotlib", "magicgui", "qtpy"} <= names  # the widgets' own code, no binding
    assert names.isdisjoint({"napari", "pyqt5", "pyqt6", "pyside2", "pyside6", "distributed"})


def test_the_api_gives_slopes_per_physical_unit_without_napari_or_qt(plain_env):
    probe = run([str(plain_env / "bin" / "python"), "-c", PROBE], cwd=plain_env)
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout)
    assert result["importable"] == {
        "napari": False,
        "qtpy.QtCore": False,
        "PyQt5": False,
        "PyQt6": False,
        "PySide6": False,
        "distributed": False,
    }
    # Exact on the ramp on every pixel, border included (the default mode extrapolates).
    np.testing.assert_allclose(result["gy"], [6.0, 6.0], rtol=1e-6)
    np.testing.assert_allclose(result["gx"], [2.5, 2.5], rtol=1e-6)
    np.testing.assert_allclose(result["magnitude"], [6.5, 6.5], rtol=1e-6)  # hypot(6, 2.5)
    # Along y = 5 from x = 2 to 20: 18 pixels of 2 units, slope 5 / 2 per unit.
    np.testing.assert_allclose(result["profile_derivative"], [2.5, 2.5], rtol=1e-6)
    assert result["profile_length"] == pytest.approx(36.0)


def test_the_command_line_runs_and_names_the_extra_for_a_cluster(plain_env, tmp_path):
    command = str(plain_env / "bin" / "napari-derivatives")
    y, x = np.mgrid[0:40, 0:50].astype(np.float32)
    np.save(tmp_path / "ramp.npy", 3.0 * y + 5.0 * x + 7.0)
    spacing = ",".join(map(str, SPACING))
    gradient = [command, "gradient", "ramp.npy", "out", "--spacing", spacing, "--quiet"]
    done = run(gradient, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    np.testing.assert_allclose(np.load(tmp_path / "out" / "gy.npy"), 6.0, rtol=1e-6)
    np.testing.assert_allclose(np.load(tmp_path / "out" / "gx.npy"), 2.5, rtol=1e-6)
    np.testing.assert_allclose(np.load(tmp_path / "out" / "magnitude.npy"), 6.5, rtol=1e-6)

    profile = [command, "profile", "ramp.npy", "--line", "5,2,5,20", "--csv", "line.csv"]
    done = run([*profile, "--spacing", spacing, "--quiet"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "line.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 19
    assert [float(row["distance"]) for row in rows] == pytest.approx(np.arange(19) * 2.0)
    assert [float(row["derivative"]) for row in rows] == pytest.approx([2.5] * 19)

    # dask.distributed is the [distributed] extra: one line saying so, exit code 2.
    cluster = [*gradient[:3], "cluster-out", "--scheduler", "tcp://127.0.0.1:8786"]
    refused = run(cluster, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "napari-derivatives: error: --scheduler needs dask.distributed: "
        "pip install 'napari-derivatives[distributed]'"
    ]
    assert not (tmp_path / "cluster-out").exists()
