"""The napari private attributes the plugin relies on, each in one place.

napari offers no public way to do these two things. They are used directly, not
behind ``getattr`` guards, and ``tests/napari/test_compat.py`` fails as soon as a
napari release removes or renames one, instead of the plugin degrading in silence.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import napari.layers

    import napari


def refresh_deferred(layer: napari.layers.Layer) -> contextlib.AbstractContextManager[None]:
    """Hold back a layer's slicing (not its events) until the caller refreshes it.

    Setting the data and each transform of a layer slices it again every time; for
    lazy data each slice computes. napari's own guard (``Layer._block_refresh``,
    napari >= 0.5) holds that back.
    """
    return layer._block_refresh()


@contextlib.contextmanager
def keep_active_layer(viewer: napari.Viewer) -> Iterator[None]:
    """Insert layers without making them the active one.

    Inserting a layer makes it the active one, and deselecting a Shapes layer ends the
    line being drawn on it: a derived layer must not steal the selection. napari's
    ``LayerList._activate_on_insert`` switches that off.
    """
    layers = viewer.layers
    previous = layers._activate_on_insert
    layers._activate_on_insert = False
    try:
        yield
    finally:
        layers._activate_on_insert = previous
