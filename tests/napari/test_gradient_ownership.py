"""Which layers a gradient run touches, and what each of its layers records.

The ramp ``I = 3y + 5x + 7`` with scale (0.5, 2) has gy = 3 / 0.5 = 6, gx = 5 / 2 = 2.5
and a magnitude of hypot(6, 2.5) = 6.5 per physical unit, for every operator.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from napari.components import ViewerModel

import napari_derivatives as nd
from napari_derivatives import add_gradient_layers

KEY = "napari_derivatives"
#: The border mode of the core when none is given (the core may change it).
CORE_MODE = inspect.signature(nd.gradient).parameters["mode"].default


@pytest.fixture
def viewer():
    return ViewerModel()


@pytest.fixture
def cells(viewer, ramp_2d):
    return viewer.add_image(ramp_2d, name="cells", scale=(0.5, 2.0))


def interior(a, margin=2):
    return a[(Ellipsis, *[slice(margin, -margin)] * 2)]


def names(viewer):
    return [layer.name for layer in viewer.layers]


# --- the plugin updates only the layers it made ---------------------------------------------


def test_a_users_points_layer_named_like_an_output_is_left_alone(viewer, cells):
    points = viewer.add_points([[1.0, 2.0]], name="cells gx")
    gx, _, _ = add_gradient_layers(viewer, cells)
    assert viewer.layers["cells gx"] is points
    np.testing.assert_array_equal(points.data, [[1.0, 2.0]])
    # The new layer gets a free name (napari's own de-duplication).
    assert gx.name == "cells gx [1]"
    np.testing.assert_allclose(interior(gx.data), 2.5, rtol=1e-5)
    # Running again updates the plugin's layer, still not the user's.
    (again,) = add_gradient_layers(viewer, cells, outputs=("gx",))
    assert again is gx
    assert viewer.layers["cells gx"] is points


def test_a_users_image_named_like_an_output_is_not_overwritten(viewer, cells):
    mine = viewer.add_image(np.zeros((40, 50), dtype=np.float32), name="cells magnitude")
    _, _, magnitude = add_gradient_layers(viewer, cells)
    assert magnitude is not mine
    assert magnitude.name == "cells magnitude [1]"
    np.testing.assert_allclose(interior(magnitude.data), 6.5, rtol=1e-5)
    np.testing.assert_array_equal(mine.data, 0.0)
    assert KEY not in mine.metadata
    assert mine.colormap.name == "gray"


def test_a_plugin_layer_the_user_renamed_is_still_updated_in_place(viewer, cells):
    (gx,) = add_gradient_layers(viewer, cells, outputs=("gx",))
    gx.name = "edges"
    cells.scale = (1.0, 1.0)
    (again,) = add_gradient_layers(viewer, cells, outputs=("gx",))
    assert again is gx
    assert names(viewer) == ["cells", "edges"]  # the user's name is kept
    np.testing.assert_allclose(interior(gx.data), 5.0, rtol=1e-5)  # 5 per px / 1


def test_the_source_is_never_updated_or_removed(viewer, cells):
    (gx,) = add_gradient_layers(viewer, cells, outputs=("gx",))
    # The user keeps only the plugin's layer, under its source's name, and differentiates it.
    viewer.layers.remove(cells)
    gx.name = "cells"
    before = np.array(gx.data)
    (gxx,) = add_gradient_layers(viewer, gx, method="sobel", outputs=("gx",))
    assert names(viewer) == ["cells", "cells gx"]
    assert viewer.layers["cells"] is gx
    np.testing.assert_array_equal(gx.data, before)
    np.testing.assert_allclose(interior(gxx.data), 0.0, atol=1e-5)  # gx of a constant 2.5


# --- every layer records how it was made ----------------------------------------------------


def test_every_layer_records_how_it_was_made(viewer, cells):
    gx, magnitude = add_gradient_layers(
        viewer, cells, method="gaussian", sigma=2.0, mode="reflect", outputs=("gx", "magnitude")
    )
    assert gx.metadata[KEY] == {
        "source": "cells",
        "output": "gx",
        "method": "gaussian",
        "sigma": 2.0,  # physical units, as passed (4 px along y, 1 px along x)
        "mode": "reflect",
        "axes": (0, 1),
        "kind": "gradient",  # the family: Hessian and orientation runs leave it alone
        "rho": None,  # the structure tensor's integration scale: orientation layers only
        "name": "cells gx",
    }
    assert magnitude.metadata[KEY]["output"] == "magnitude"


def test_sigma_is_recorded_only_for_the_gaussian(viewer, cells):
    (gx,) = add_gradient_layers(viewer, cells, method="sobel", sigma=3.0, outputs=("gx",))
    assert gx.metadata[KEY]["sigma"] is None
    assert gx.metadata[KEY]["method"] == "sobel"


def test_the_default_mode_is_the_cores(viewer, cells):
    for function in (nd.add_gradient_layers, nd.gradient_outputs):
        assert inspect.signature(function).parameters["mode"].default == CORE_MODE
    (gx,) = add_gradient_layers(viewer, cells, outputs=("gx",))
    assert gx.metadata[KEY]["mode"] == CORE_MODE


def test_mode_reaches_the_core(viewer, cells):
    # Sobel at column 0: (I[1] - I[-1]) / 2 per pixel, over 2 units per pixel. "mirror"
    # reads I[-1] = I[1]: 0. "nearest" reads I[-1] = I[0]: 5 / 2 / 2 = 1.25.
    (gx,) = add_gradient_layers(viewer, cells, method="sobel", mode="mirror", outputs=("gx",))
    np.testing.assert_allclose(gx.data[:, 0], 0.0, atol=1e-5)
    np.testing.assert_allclose(interior(gx.data), 2.5, rtol=1e-5)
    assert gx.metadata[KEY]["mode"] == "mirror"
    (gx,) = add_gradient_layers(viewer, cells, method="sobel", mode="nearest", outputs=("gx",))
    np.testing.assert_allclose(gx.data[:, 0], 1.25, rtol=1e-5)


# --- re-running: one set of settings under the plain names ----------------------------------


def test_a_run_with_other_settings_replaces_the_plugins_layers_of_that_image(viewer, cells):
    other = viewer.add_image(np.zeros((8, 8), dtype=np.float32), name="other")
    add_gradient_layers(viewer, other, outputs=("gx",))
    everything = ("gx", "gy", "magnitude", "direction")
    sobel = add_gradient_layers(viewer, cells, method="sobel", outputs=everything)
    sobel[3].name = "my direction"  # still the plugin's layer
    (gx,) = add_gradient_layers(viewer, cells, method="gaussian", sigma=2.0, outputs=("gx",))
    # No Sobel layer is left beside the Gaussian gx; the other image's layer stays.
    assert names(viewer) == ["cells", "other", "other gx", "cells gx"]
    assert gx is sobel[0]  # updated in place
    assert gx.metadata[KEY]["method"] == "gaussian"
    assert gx.metadata[KEY]["sigma"] == 2.0
    np.testing.assert_allclose(gx.data[20, 10:-10], 2.5, rtol=1e-4)


def test_a_run_with_the_same_settings_keeps_the_other_outputs(viewer, cells):
    add_gradient_layers(viewer, cells, method="sobel")
    add_gradient_layers(viewer, cells, method="sobel", outputs=("gx",))
    assert names(viewer) == ["cells", "cells gx", "cells gy", "cells magnitude"]


def test_keep_previous_layers_names_the_variants_by_their_settings(viewer, ramp_2d):
    cells = viewer.add_image(ramp_2d, name="cells", scale=(0.5, 2.0), units=("um", "um"))
    add_gradient_layers(viewer, cells, method="sobel")
    (gaussian,) = add_gradient_layers(
        viewer, cells, method="gaussian", sigma=2.0, outputs=("gx",), replace=False
    )
    assert gaussian.name == "cells gx (gaussian 2 µm)"
    (wrapped,) = add_gradient_layers(
        viewer, cells, method="sobel", mode="wrap", outputs=("gx",), replace=False
    )
    assert wrapped.name == "cells gx (sobel, wrap)"
    # The same settings again: updated in place, whatever the name.
    (sobel,) = add_gradient_layers(viewer, cells, method="sobel", outputs=("gx",), replace=False)
    assert sobel is viewer.layers["cells gx"]
    assert names(viewer) == [
        "cells",
        "cells gx",
        "cells gy",
        "cells magnitude",
        "cells gx (gaussian 2 µm)",
        "cells gx (sobel, wrap)",
    ]
    assert viewer.layers["cells gy"].metadata[KEY]["method"] == "sobel"
    np.testing.assert_allclose(interior(gaussian.data, 10), 2.5, rtol=1e-4)


def test_variant_names_have_no_unit_when_the_layer_has_none(viewer, cells):
    (gx,) = add_gradient_layers(
        viewer, cells, method="gaussian", sigma=0.5, outputs=("gx",), replace=False
    )
    assert gx.name == "cells gx (gaussian 0.5)"
    (gx3,) = add_gradient_layers(viewer, cells, method="sobel", outputs=("gx",), replace=False)
    assert gx3.name == "cells gx (sobel)"


def test_replacing_again_removes_the_kept_variants(viewer, cells):
    add_gradient_layers(viewer, cells, method="sobel", outputs=("gx", "gy"))
    (kept,) = add_gradient_layers(
        viewer, cells, method="gaussian", sigma=2.0, outputs=("gx",), replace=False
    )
    (gx,) = add_gradient_layers(viewer, cells, method="gaussian", sigma=2.0, outputs=("gx",))
    # The variant made with these settings takes the plain name; the Sobel layers go.
    assert gx is kept
    assert names(viewer) == ["cells", "cells gx"]
    assert gx.metadata[KEY]["name"] == "cells gx"
