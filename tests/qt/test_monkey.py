"""A seeded monkey drives the real GUI: random user actions, each one checked.

The driver is ``tests/qt/monkey.py`` (its docstring lists the actions and the checks);
``make soak`` runs thousands of actions with it (``tools/soak.py``). A failure prints
the seed, the last actions and how to replay them.

Below the monkey, the bugs it found, each reproduced as small as it goes and marked
``xfail(strict=True)``: when one passes, the bug is fixed; then remove the mark, and the
bug's entry in ``monkey.KNOWN_BUGS`` (which lets the monkey step over it meanwhile).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from napari_derivatives._qt import line_derivative
from napari_derivatives._qt.plot.curves import column_extremes

# The driver is shared with tools/soak.py; tests/ is no package (pytest's importlib mode).
sys.path.insert(0, str(Path(__file__).parent))
from monkey import PLUGIN, Monkey

#: A few hundred actions in ``make test``: the seeds, and the actions of each.
#: ``MONKEY_ACTIONS`` sets the actions per seed: ``make test-oldest`` runs fewer, as napari 0.6
#: takes about 10 times as long per action (25 minutes for the 300 of make test).
SEEDS = (1, 6)
ACTIONS_PER_SEED = int(os.environ.get("MONKEY_ACTIONS", "150"))


@pytest.mark.parametrize("seed", SEEDS)
def test_monkey(make_napari_viewer, qtbot, monkeypatch, tmp_path, seed):
    viewer = make_napari_viewer()
    monkey = Monkey(viewer, qtbot, seed=seed, folder=tmp_path, patch=monkeypatch.setattr)
    tally = monkey.run(ACTIONS_PER_SEED)
    print(f"seed {seed}: {tally.summary()}")
    assert tally.failures == []
    assert tally.curve_checks > 0 and tally.empty_checks > 0


# --- bugs the monkey found -------------------------------------------------------------------


@pytest.fixture
def docked(make_napari_viewer, qtbot):
    """A ramp, a line over it, and the panel docked as napari's Plugins menu does."""
    viewer = make_napari_viewer()
    viewer.add_image(np.tile(np.arange(50.0), (40, 1)), name="ramp")
    shapes = viewer.add_shapes([np.array([[20.0, 5.0], [20.0, 45.0]])], shape_type="line")
    _, panel = viewer.window.add_plugin_dock_widget(PLUGIN, "Line derivative")
    qtbot.waitUntil(lambda: not panel.update_pending)
    return panel, shapes


@pytest.mark.xfail(
    strict=True,
    reason="bug: the edge markers (_napari/compat.keep_active_layer) set napari's private "
    "LayerList._activate_on_insert through the viewer napari hands to plugin widgets, a "
    "PublicOnlyProxy: a FutureWarning each time the markers layer is made (an error under "
    "pytest's filterwarnings), and napari >= 0.10 will refuse it",
)
def test_marking_edges_in_a_panel_from_the_plugins_menu_warns_nothing(docked, qtbot):
    panel, _ = docked
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        panel.mark_edges.value = True
        qtbot.waitUntil(lambda: not panel.update_pending)
    assert panel.edges_layer is not None
    assert [str(w.message) for w in caught if "Private attribute" in str(w.message)] == []


def test_column_extremes_of_nan_only_keeps_every_sample():
    columns = np.floor(np.linspace(0.0, 10.0, 300))
    np.testing.assert_array_equal(column_extremes(columns, np.full(300, np.nan)), np.arange(300))


def test_a_long_line_off_the_image_is_drawn_with_the_others(docked, qtbot, monkeypatch):
    panel, shapes = docked
    errors = []
    monkeypatch.setattr(line_derivative, "show_error", errors.append)
    # Exceptions of matplotlib's draw callbacks are printed, not raised: record them.
    monkeypatch.setattr(panel.plot.canvas.callbacks, "exception_handler", errors.append)
    panel.plot.canvas.draw()  # shown once: later updates blit the curves
    with qtbot.capture_exceptions() as exceptions:
        # 400 pixels long, all of them 80 rows below the image: 401 NaN samples.
        shapes.add_lines([np.array([[100.0, 0.0], [100.0, 400.0]])])
        qtbot.waitUntil(lambda: not panel.update_pending)
        panel.plot.canvas.draw()
    assert errors == [] and exceptions == []
    assert len(panel.plot.intensity_lines) == 2


def sigmoid_edge(at, shape=(30, 50)):
    _, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    return 100.0 / (1.0 + np.exp(-(x - at)))


@pytest.mark.filterwarnings("ignore:Private attribute access:FutureWarning")  # the bug above
def test_hidden_edge_markers_follow_a_removed_line(make_napari_viewer, qtbot, monkeypatch):
    errors = []
    monkeypatch.setattr(line_derivative, "show_error", errors.append)
    viewer = make_napari_viewer()
    viewer.add_image(sigmoid_edge(20.3), name="edge")
    lines = [np.array([[row, 5.0], [row, 45.0]]) for row in (10.0, 20.0)]
    shapes = viewer.add_shapes(lines, shape_type="line")
    _, panel = viewer.window.add_plugin_dock_widget(PLUGIN, "Line derivative")
    panel.mark_edges.value = True
    qtbot.waitUntil(lambda: panel.edges_layer is not None and len(panel.edges_layer.data) == 2)
    panel.edges_layer.visible = False
    shapes.selected_data = {1}
    shapes.remove_selected()
    qtbot.waitUntil(lambda: not panel.update_pending)
    assert errors == []
    assert len(panel.plot.intensity_lines) == 1 and len(panel.edges_layer.data) == 1


def test_a_wide_profile_in_3d_display_still_shows_the_lines(
    make_napari_viewer, qtbot, monkeypatch
):
    errors = []
    monkeypatch.setattr(line_derivative, "show_error", errors.append)
    viewer = make_napari_viewer()
    viewer.add_image(np.tile(np.arange(40.0), (5, 30, 1)), name="stack")
    across = np.array([[2.0, 10.0, 5.0], [2.0, 10.0, 35.0]])  # in plane 2
    down = np.array([[0.0, 20.0, 20.0], [4.0, 20.0, 20.0]])  # down the stack
    viewer.add_shapes([across, down], shape_type="line", ndim=3)
    _, panel = viewer.window.add_plugin_dock_widget(PLUGIN, "Line derivative")
    panel.width.value = 3
    viewer.dims.ndisplay = 3
    qtbot.waitUntil(lambda: not panel.update_pending)
    assert errors == []
    assert len(panel.plot.intensity_lines) >= 1
