"""The npe2 manifest: napari finds the widgets, menus and sample data by name."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from npe2 import PluginManifest

from napari_derivatives._napari.sample_data import SYNTHETIC_PIXEL_SIZE, synthetic_edges

PLUGIN = "napari-derivatives"


def test_manifest_is_valid_and_contributes_menus():
    manifest = PluginManifest.from_distribution(PLUGIN)
    widgets = {w.display_name for w in manifest.contributions.widgets}
    assert widgets == {
        "Gradient layers",
        "Hessian layers",
        "Orientation layers",
        "Line derivative",
    }
    menus = manifest.contributions.menus
    assert [item.command for item in menus["napari/layers/filter"]] == [
        "napari-derivatives.gradient_layers",
        "napari-derivatives.hessian_layers",
        "napari-derivatives.orientation_layers",
    ]
    assert [item.command for item in menus["napari/layers/measure"]] == [
        "napari-derivatives.line_derivative"
    ]


def test_npe2_validates_the_manifest_and_imports_every_command():
    # What napari's plugin manager and the napari hub run: the schema, and (--imports) that
    # every python_name of a command, widget and sample resolves.
    result = subprocess.run(
        [sys.executable, "-m", "npe2", "validate", PLUGIN, "--imports"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid!" in result.stdout


@pytest.mark.parametrize(
    "name", ["Gradient layers", "Hessian layers", "Orientation layers", "Line derivative"]
)
def test_napari_docks_the_widgets_by_name(make_napari_viewer, name):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((8, 8)), name="image")
    dock, widget = viewer.window.add_plugin_dock_widget(PLUGIN, name)
    assert dock is not None
    assert widget is not None


def test_sample_data_is_deterministic_and_scaled(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.open_sample(PLUGIN, "edges")
    layer = viewer.layers["edges"]
    np.testing.assert_array_equal(layer.data, synthetic_edges())
    np.testing.assert_allclose(layer.scale, (SYNTHETIC_PIXEL_SIZE, SYNTHETIC_PIXEL_SIZE))
    # The background ramp rises by 2 counts per pixel to the right: 4 per µm.
    row = layer.data[5, 140:200].astype(float)
    slope = np.polyfit(np.arange(row.size) * SYNTHETIC_PIXEL_SIZE, row, 1)[0]
    assert slope == pytest.approx(4.0, abs=0.2)


def test_real_micrograph_sample_needs_no_download(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.open_sample(PLUGIN, "cell")
    layer = viewer.layers["cell"]
    assert layer.data.shape == (660, 550)
    np.testing.assert_allclose(layer.scale, (0.107, 0.107))


def test_the_time_lapse_sample_opens_with_its_scale_and_units(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.open_sample(PLUGIN, "time_lapse")
    layer = viewer.layers["time lapse"]
    assert layer.data.shape == (12, 24, 96, 128)
    np.testing.assert_allclose(layer.scale, (10.0, 1.0, 0.5, 0.5))
    assert [str(unit) for unit in layer.units] == [
        "second",
        "micrometer",
        "micrometer",
        "micrometer",
    ]
    assert tuple(layer.axis_labels) == ("t", "z", "y", "x")
