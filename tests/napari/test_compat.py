"""The napari private attributes the plugin relies on (napari_derivatives._napari.compat).

napari offers no public way to do these two things. Each test fails as soon as a napari
release removes or changes the attribute, so that the plugin never degrades in silence.
"""

from __future__ import annotations

import numpy as np
import pytest

from napari_derivatives._napari.compat import keep_active_layer, refresh_deferred


@pytest.fixture
def viewer(make_napari_viewer):
    return make_napari_viewer()


def test_layer_block_refresh_exists_and_defers_slicing(viewer):
    import dask.array as da

    reads = []

    def counted(block):
        reads.append(block.shape)
        return block

    layer = viewer.add_image(np.zeros((4, 5)), name="image")
    # Pinned napari private attribute: Layer._block_refresh (napari >= 0.5).
    assert callable(layer._block_refresh)
    ones = da.from_array(np.ones((4, 5)), chunks=-1)
    lazy = ones.map_blocks(counted, dtype=float, meta=np.empty((0, 0)))
    with refresh_deferred(layer):
        layer.data = lazy
        # The setter did not slice the new data: nothing was computed.
        assert reads == []
    layer.refresh()
    assert reads == [(4, 5)]


def test_layer_list_activate_on_insert_exists_and_keeps_the_selection(viewer):
    shapes = viewer.add_shapes(name="lines")
    viewer.layers.selection.active = shapes
    # Pinned napari private attribute: LayerList._activate_on_insert.
    assert viewer.layers._activate_on_insert is True
    with keep_active_layer(viewer):
        viewer.add_points(np.zeros((1, 2)), name="markers")
    assert viewer.layers.selection.active is shapes
    assert viewer.layers._activate_on_insert is True
    # Without the guard, napari makes the new layer the active one: the guard is needed.
    viewer.add_points(np.zeros((1, 2)), name="more")
    assert viewer.layers.selection.active is viewer.layers["more"]
