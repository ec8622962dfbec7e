"""The Line derivative panel's edge options, edge table, its CSV and the line features.

On a band blurred by a Gaussian (an erf rising edge and an erf falling edge a known
distance apart), in a real viewer.
"""

from __future__ import annotations

import json
from unittest.mock import Mock

import numpy as np
import pandas as pd
import pytest
from scipy.special import erf

from napari_derivatives import line_profile
from napari_derivatives._qt import line_derivative as _panel_module
from napari_derivatives._qt.line_derivative import LineDerivativeWidget

TIMEOUT = 3000
PIXEL = 0.5  # µm
RISE, FALL, SIGMA = 15.3, 35.3, 3.0  # pixels


def band(shape=(30, 60)):
    x = np.arange(shape[1], dtype=float)
    rise = (1 + erf((x - RISE) / (SIGMA * np.sqrt(2)))) / 2
    fall = (1 + erf((x - FALL) / (SIGMA * np.sqrt(2)))) / 2
    return np.tile(100.0 * (rise - fall), (shape[0], 1))


@pytest.fixture
def errors(monkeypatch):
    mock = Mock()
    monkeypatch.setattr(_panel_module, "show_error", mock)
    yield mock
    assert mock.call_args_list == [], "unexpected error notifications"


@pytest.fixture
def scene(viewer, errors, qtbot):
    image = viewer.add_image(
        band(), scale=(PIXEL, PIXEL), translate=(10.0, 0.0), units=("µm", "µm"), name="band"
    )
    path = np.array([[10.0 + 12 * PIXEL, 2 * PIXEL], [10.0 + 12 * PIXEL, 55 * PIXEL]])
    shapes = viewer.add_shapes([path], shape_type="line", name="cut")
    widget = LineDerivativeWidget(viewer)
    viewer.window.add_dock_widget(widget, area="right", name="Line derivative")
    widget.mark_edges.value = True
    widget.edge_select.value = "all"
    qtbot.waitUntil(lambda: len(widget.edge_table.content.rows) == 2, timeout=TIMEOUT)
    return image, shapes, widget


def reference(count=None, **options):
    profile = line_profile(band(), [[12, 2], [12, 55]], spacing=PIXEL)
    return profile, profile.find_edges(count, **options)


def test_the_table_lists_find_edges_in_order_along_the_line(scene):
    image, _, widget = scene
    table = widget.edge_table.content
    assert table.columns == [
        "line",
        "edge",
        "position_µm",
        "slope_per_µm",
        "intensity",
        "rise_width_µm",
        "fwhm_µm",
        "to_next_µm",
        "row_µm",
        "col_µm",
    ]
    _profile, edges = reference(select="all")
    rows = np.array(table.rows)
    np.testing.assert_array_equal(rows[:, :2], [[0, 0], [0, 1]])
    np.testing.assert_allclose(rows[:, 2], [edge.distance for edge in edges])
    np.testing.assert_allclose(rows[:, 3], [edge.derivative for edge in edges])
    # The true edges: 13.3 and 33.3 px from the line's start, slopes of opposite signs,
    # 10 µm apart; an erf step of sigma 3 px: FWHM 2.3548 s, 10-90 % 2.5631 s.
    np.testing.assert_allclose(rows[:, 2], [13.3 * PIXEL, 33.3 * PIXEL], atol=0.05 * PIXEL)
    assert rows[0, 3] > 0 > rows[1, 3]
    assert rows[0, 7] == pytest.approx(10.0, abs=0.05) and np.isnan(rows[1, 7])
    np.testing.assert_allclose(rows[:, 6], 2.3548 * SIGMA * PIXEL, rtol=0.03)
    np.testing.assert_allclose(rows[:, 5], 2.5631 * SIGMA * PIXEL, rtol=0.03)
    # World coordinates through the image's transforms (translated by 10 µm in rows).
    world = [image.data_to_world(edge.coords) for edge in edges]
    np.testing.assert_allclose(rows[:, 8:], world)
    assert widget.edge_table.table.rowCount() == 2
    assert widget.edge_table.table.item(1, 1).text() == "1"


def test_selecting_a_row_highlights_its_marker(scene, qtbot):
    _, _, widget = scene
    assert widget.plot.highlighted_edge is None
    widget.edge_table.select_row(1)
    [_, falling] = widget.edges[0]
    assert widget.plot.highlighted_edge == pytest.approx((falling.distance, falling.derivative))
    markers = widget.edges_layer
    assert markers.selected_data == {1}
    np.testing.assert_allclose(
        markers.data_to_world(markers.data[1]),
        widget.edge_table.content.rows[1][8:],
    )
    widget.edge_table.select_row(None)
    assert widget.plot.highlighted_edge is None


def test_edge_options_reach_find_edges(scene, qtbot):
    _, _, widget = scene
    widget.edge_polarity.value = "falling"
    qtbot.waitUntil(lambda: len(widget.edge_table.content.rows) == 1, timeout=TIMEOUT)
    assert widget.edge_table.content.rows[0][3] < 0
    widget.edge_polarity.value = "both"
    _, edges = reference(select="all")
    steepest = max(abs(edge.derivative) for edge in edges)
    widget.edge_threshold.value = steepest * 1.5
    qtbot.waitUntil(lambda: widget.edge_table.content.rows == [], timeout=TIMEOUT)
    widget.edge_threshold.value = 0.0
    widget.edge_select.value = "last"
    qtbot.waitUntil(lambda: len(widget.edge_table.content.rows) == 1, timeout=TIMEOUT)
    assert widget.edge_table.content.rows[0][3] < 0  # the falling edge is last
    assert widget.edge_count.enabled
    widget.edge_select.value = "all"
    assert not widget.edge_count.enabled
    widget.mark_edges.value = False
    qtbot.waitUntil(lambda: not widget.edge_table.isVisibleTo(widget), timeout=TIMEOUT)


def test_export_edges_writes_the_table_and_its_record(scene, tmp_path):
    _, _, widget = scene
    path = tmp_path / "edges.csv"
    widget.export_edges(path)
    table = pd.read_csv(path)
    assert list(table.columns) == widget.edge_table.content.columns
    np.testing.assert_allclose(table.to_numpy(dtype=float), widget.edge_table.content.rows)
    record = json.loads((tmp_path / "edges.json").read_text(encoding="utf-8"))
    assert record["image"] == "band" and record["shapes"] == "cut"
    assert record["edges"]["select"] == "all" and record["length_unit"] == "µm"
    assert record["columns"] == widget.edge_table.content.columns


def test_line_summaries_go_to_the_shapes_features(scene, qtbot):
    _, shapes, _widget = scene
    features = shapes.features
    _profile, edges = reference(select="all")
    assert features["derivatives_length"][0] == pytest.approx(53 * PIXEL)
    assert features["derivatives_edges"][0] == 2
    steepest = max(edges, key=lambda edge: abs(edge.derivative))
    assert features["derivatives_max_slope"][0] == pytest.approx(steepest.derivative)
    assert features["derivatives_max_slope_at"][0] == pytest.approx(steepest.distance)

    # A second line counts as well.
    shapes.add([np.array([[13.0, 1.0], [13.0, 8.0]])], shape_type="line")
    qtbot.waitUntil(lambda: len(shapes.features) == 2, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: shapes.features["derivatives_edges"][1] == 0, timeout=TIMEOUT)
    assert shapes.features["derivatives_length"][1] == pytest.approx(7.0)  # world units


def test_a_users_column_of_the_plugins_name_is_left_alone(viewer, scene, qtbot):
    _, _, widget = scene
    path = np.array([[10.0 + 12 * PIXEL, 2 * PIXEL], [10.0 + 12 * PIXEL, 55 * PIXEL]])
    mine = viewer.add_shapes(
        [path], shape_type="line", name="mine", features={"derivatives_edges": ["user"]}
    )
    widget.shapes.value = mine
    qtbot.waitUntil(lambda: "derivatives_edges_1" in mine.features, timeout=TIMEOUT)
    assert list(mine.features["derivatives_edges"]) == ["user"]
    assert list(mine.features["derivatives_edges_1"]) == [2]
    # The plugin's column stays its own (recorded), updated in place on the next update.
    widget.edge_select.value = "strongest"
    qtbot.waitUntil(lambda: list(mine.features["derivatives_edges_1"]) == [1], timeout=TIMEOUT)
    assert list(mine.features["derivatives_edges"]) == ["user"]
    assert "derivatives_edges_2" not in mine.features
