"""The Line derivative panel's export button: asks for a CSV file and writes to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from magicgui.widgets import PushButton
from napari.utils.notifications import show_error
from qtpy.QtWidgets import QFileDialog


class ExportButton(PushButton):
    """A button that asks for a CSV file name, then has the profiles written to it.

    Problems are napari notifications, never exceptions in napari's event loop.

    Parameters
    ----------
    export : callable
        Writes the file, given its path; the ``OSError`` or ``ValueError`` it raises
        is shown as a notification.
    ready : callable
        Returns whether there is anything to export; if not, a notification says so
        instead of opening the dialog.
    text, title, file_name, nothing : str, optional
        The button's text, the dialog's title, the file name it proposes, and what
        the notification says when there is nothing to export.
    """

    def __init__(
        self,
        *,
        export: Callable[[str], Any],
        ready: Callable[[], bool],
        text: str = "Export CSV…",
        title: str = "Export line profiles",
        file_name: str = "line_profiles.csv",
        nothing: str = "no line is profiled",
    ) -> None:
        super().__init__(text=text)
        self._export = export
        self._ready = ready
        self._dialog = (title, file_name, nothing)
        self.changed.connect(self._on_clicked)

    def _on_clicked(self, _value: Any = None) -> None:
        title, file_name, nothing = self._dialog
        if not self._ready():
            show_error(f"Line derivative: nothing to export, {nothing}.")
            return
        path, _ = QFileDialog.getSaveFileName(self.native, title, file_name, "CSV files (*.csv)")
        if not path:
            return
        try:
            self._export(path)
        except (OSError, ValueError) as error:
            show_error(f"Line derivative: could not export to {path}: {error}")
