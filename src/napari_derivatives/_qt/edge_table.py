"""The Line derivative panel's edge table: a row per edge, the selected one highlighted.

:class:`EdgeTableView` shows an :class:`~napari_derivatives._napari.edge_table.EdgeTable`
under the plot, with an "Export edges" button. Selecting a row calls back with the
row, so that the panel highlights its marker on the plot and on the canvas.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from qtpy.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from .._napari.edge_table import EdgeTable
from .export_button import ExportButton

#: Rows shown before the table scrolls: it shares the dock with the plot.
VISIBLE_ROWS = 6


def _text(value: float, column: int) -> str:
    if column < 2:
        return str(int(value))
    return "" if math.isnan(value) else f"{value:.4g}"


class EdgeTableView(QWidget):
    """The edge table and its export button, shown while edges are marked.

    Parameters
    ----------
    export : callable
        Writes the table to the CSV file it is given.
    on_select : callable
        Called with the selected row's index, or None when no row is selected.
    parent : QWidget, optional
        The parent widget.

    Attributes
    ----------
    table : QTableWidget
        The rows, read only, selected a whole row at a time.
    export_button : ExportButton
        "Export edges…".
    """

    def __init__(
        self,
        *,
        export: Callable[[str], Any],
        on_select: Callable[[int | None], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._content = EdgeTable()
        self._on_select = on_select
        self.table = QTableWidget(0, 0, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.verticalHeader()
        if header is not None:
            header.setVisible(False)
        self.table.itemSelectionChanged.connect(self._on_table_selection)
        self.export_button = ExportButton(
            export=export,
            ready=lambda: bool(self._content.rows),
            text="Export edges…",
            title="Export edges",
            file_name="edges.csv",
            nothing="no edge is marked",
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.export_button.native)
        row_height = header.defaultSectionSize() if header is not None else 24
        self.table.setMaximumHeight(row_height * (VISIBLE_ROWS + 1) + 4)

    @property
    def content(self) -> EdgeTable:
        """The table shown."""
        return self._content

    def selected_row(self) -> int | None:
        """Return the index of the selected row, None if none is."""
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        return rows[0].row() if rows else None

    def set_table(self, content: EdgeTable) -> None:
        """Show ``content``, keeping the selected row while the table keeps its shape.

        Parameters
        ----------
        content : EdgeTable
            The columns and rows.
        """
        previous, self._content = self._content, content
        same_shape = previous.columns == content.columns and len(previous.rows) == len(
            content.rows
        )
        selected = self.selected_row() if same_shape else None
        with _blocked(self.table):
            if not same_shape:
                self.table.clearSelection()
                self.table.setColumnCount(len(content.columns))
                self.table.setHorizontalHeaderLabels(content.columns)
                self.table.setRowCount(len(content.rows))
            for row, values in enumerate(content.rows):
                for column, value in enumerate(values):
                    text = _text(value, column)
                    item = self.table.item(row, column)
                    if item is None:
                        self.table.setItem(row, column, QTableWidgetItem(text))
                    elif item.text() != text:
                        item.setText(text)
        if not same_shape:
            self.table.resizeColumnsToContents()
            self._on_select(None)
        elif selected is not None:
            self._on_select(selected)

    def select_row(self, row: int | None) -> None:
        """Select ``row`` (None: clear the selection), as a click on it would.

        Parameters
        ----------
        row : int or None
            The row's index.
        """
        if row is None:
            self.table.clearSelection()
        else:
            self.table.selectRow(row)

    def _on_table_selection(self) -> None:
        self._on_select(self.selected_row())


class _blocked:
    # Qt's signals of the table blocked while its items are filled in.
    def __init__(self, widget: QWidget) -> None:
        self._widget = widget

    def __enter__(self) -> None:
        self._was = self._widget.blockSignals(True)

    def __exit__(self, *_: object) -> None:
        self._widget.blockSignals(self._was)
