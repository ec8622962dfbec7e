"""The Line derivative panel's controls and its export button, without the panel."""

from __future__ import annotations

from unittest.mock import Mock

import numpy as np
import pytest
from napari.components import ViewerModel

from napari_derivatives._qt import export_button
from napari_derivatives._qt.export_button import ExportButton
from napari_derivatives._qt.panel_controls import PanelControls


@pytest.fixture
def viewer():
    return ViewerModel()


@pytest.fixture
def controls(viewer, qapp):
    return PanelControls(viewer)


# --- settings --------------------------------------------------------------------------------


def test_settings_are_the_options_of_line_profile(controls):
    # The step and smoothing are typed in the image's physical units (issue 12).
    physical = {"lengths": "physical"}
    assert controls.profile_options() == {
        "step": 1.0,
        "width": 1,
        "order": 1,
        "smooth": 0.0,
        "derivative_of": "samples",
        **physical,
    }
    controls.step.value = 0.5
    controls.width.value = 3
    controls.interpolation.value = "cubic"
    controls.smooth.value = 2.0
    assert controls.profile_options() == {
        "step": 0.5,
        "width": 3,
        "order": 3,
        "smooth": 2.0,
        "derivative_of": "samples",
        **physical,
    }
    assert set(controls.interpolation.choices) == {"nearest", "linear", "cubic"}


def test_the_derivative_of_the_interpolant_offers_only_its_options(controls):
    assert controls.derivative.choices == ("of the samples", "of the interpolant")
    controls.interpolation.value = "nearest"
    controls.smooth.value = 2.0
    controls.derivative.value = "of the interpolant"
    # Nearest has no derivative to speak of (a staircase), and smoothing is of samples.
    assert controls.interpolation.choices == ("linear", "cubic")
    assert not controls.smooth.enabled
    assert controls.profile_options() == {
        "step": 1.0,
        "width": 1,
        "order": 1,
        "smooth": 0.0,
        "derivative_of": "interpolant",
        "lengths": "physical",
    }
    controls.interpolation.value = "cubic"
    assert controls.profile_options()["order"] == 3
    controls.derivative.value = "of the samples"
    assert controls.interpolation.choices == ("nearest", "linear", "cubic")
    assert controls.interpolation.value == "cubic"
    assert controls.smooth.enabled
    assert controls.profile_options()["smooth"] == 2.0


def test_edges_are_counted_only_while_marked(controls):
    assert controls.edges_to_mark() is None
    assert not controls.edge_count.enabled
    controls.edge_count.value = 3
    controls.mark_edges.value = True
    assert controls.edge_count.enabled
    assert controls.edges_to_mark() == 3
    controls.mark_edges.value = False
    assert controls.edges_to_mark() is None and not controls.edge_count.enabled


def test_every_setting_has_a_place_in_the_container(controls):
    widgets = list(controls.container)
    assert controls.image in widgets and controls.edge_count in widgets
    assert all(widget in widgets for widget in controls.sampling)
    assert controls.native is controls.container.native


# --- layer choices ---------------------------------------------------------------------------


def test_sync_keeps_the_layers_in_use_and_replaces_those_gone(viewer, controls):
    first = viewer.add_image(np.zeros((5, 5)), name="first")
    lines = viewer.add_shapes([[[1, 1], [3, 3]]], shape_type="line", name="lines")
    controls.sync_layer_choices(None, None)
    assert controls.image.value is first and controls.shapes.value is lines

    changed = Mock()
    controls.image.changed.connect(changed)
    on_top = viewer.add_image(np.ones((5, 5)), name="on top")
    controls.sync_layer_choices(first, lines)
    # The new top image is offered, but the image in use stays chosen, silently.
    assert len(controls.image.choices) == 2 and on_top in controls.image.choices
    assert controls.image.value is first
    assert changed.call_count == 0

    viewer.layers.remove(first)
    controls.sync_layer_choices(first, lines)
    assert controls.image.value is on_top
    # Silently again: the caller compares the new value with the layer in use.
    assert changed.call_count == 0


# --- export ----------------------------------------------------------------------------------


@pytest.fixture
def dialog(monkeypatch):
    """The file dialog, answering with the path set on it ("" for Cancel)."""
    answer = Mock(return_value=("profiles.csv", "CSV files (*.csv)"))
    monkeypatch.setattr(export_button.QFileDialog, "getSaveFileName", answer)
    return answer


@pytest.fixture
def errors(monkeypatch):
    mock = Mock()
    monkeypatch.setattr(export_button, "show_error", mock)
    return mock


def test_export_writes_to_the_chosen_path(qapp, dialog, errors):
    export = Mock()
    button = ExportButton(export=export, ready=lambda: True)
    button.clicked()
    export.assert_called_once_with("profiles.csv")
    assert errors.call_count == 0
    dialog.return_value = ("", "")  # Cancel
    button.clicked()
    assert export.call_count == 1


def test_export_problems_are_notifications(qapp, dialog, errors):
    export = Mock(side_effect=OSError("disk full"))
    ExportButton(export=export, ready=lambda: True).clicked()
    assert "could not export to profiles.csv: disk full" in errors.call_args.args[0]

    nothing = Mock()
    ExportButton(export=nothing, ready=lambda: False).clicked()
    assert "nothing to export" in errors.call_args.args[0]
    assert nothing.call_count == 0 and dialog.call_count == 1


def test_lengths_are_labelled_in_the_image_unit_and_keep_their_pixels(controls):
    controls.step.value = 2.0  # 2 pixels
    controls.smooth.value = 3.0
    controls.set_length_unit("µm", 0.065)
    assert controls.step.label == "step (µm)" and controls.smooth.label == "smooth σ (µm)"
    assert controls.step.value == pytest.approx(0.13)  # still 2 pixels, shown exactly
    assert controls.smooth.value == pytest.approx(0.195)
    assert controls.step.min == pytest.approx(0.00065, rel=0.1)  # shown with 4 decimals
    controls.set_length_unit("", 2.0)
    assert controls.step.label == "step (physical units)"
    assert controls.step.value == pytest.approx(4.0)
