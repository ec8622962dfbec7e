"""The pure API must load without Qt or napari."""

from __future__ import annotations

import subprocess
import sys


def test_import_loads_no_qt_and_no_napari():
    code = (
        "import sys, napari_derivatives as nd; "
        "nd.gradient, nd.line_profile; "
        "bad = sorted(m for m in ('qtpy', 'PyQt5', 'PyQt6', 'PySide6', 'napari', 'magicgui', "
        "'numba') "
        "if m in sys.modules); "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_lazy_glue_is_reachable():
    import napari_derivatives

    assert callable(napari_derivatives.add_gradient_layers)
    assert callable(napari_derivatives.profile_shapes)
