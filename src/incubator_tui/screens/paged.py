"""Tables that get their rows a page at a time (organisations, cases, review).

A district has thousands of rows and a DataTable's first layout costs ~90 µs a
row: a screen adds a page (more than a screenful) at once, and the next page
when the cursor comes near the end of what is there.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding
from textual.widgets import DataTable

PAGE = 60  # rows added at a time
PAGE_MARGIN = 20  # add the next page when the cursor comes this close to the end


def cursor_bindings(prefix: str) -> list[Binding]:
    """j k g G on a paged table (ids ``<prefix>.down`` etc., for remapping)."""
    return [
        Binding("j", "cursor('down')", "key.down", id=f"{prefix}.down", show=False),
        Binding("k", "cursor('up')", "key.up", id=f"{prefix}.up", show=False),
        Binding("g", "cursor('top')", "key.top", id=f"{prefix}.top", show=False),
        Binding("G", "cursor('bottom')", "key.bottom", id=f"{prefix}.bottom", show=False),
    ]


class PagedTable:
    """Mixin for a screen: its table shows ``paged_rows()[:_shown]``; the screen says
    which table, which rows, and how to add some of them."""

    _shown = 0  # rows added to the table so far

    def paged_table(self) -> DataTable:
        raise NotImplementedError

    def paged_rows(self) -> Sequence:
        raise NotImplementedError

    def add_paged_rows(self, table: DataTable, start: int, end: int) -> None:
        """Add ``paged_rows()[start:end]`` to ``table``."""
        raise NotImplementedError

    def restart_pages(self, keep: int = 0) -> None:
        """The table was cleared: the first pages again, enough to show row ``keep``."""
        self._shown = 0
        self._show_more(max(PAGE, keep + PAGE_MARGIN))

    def _show_more(self, count: int = PAGE) -> None:
        end = min(len(self.paged_rows()), self._shown + count)
        if end > self._shown:
            self.add_paged_rows(self.paged_table(), self._shown, end)
            self._shown = end

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if (event.data_table is self.paged_table() and event.cursor_row >= self._shown - PAGE_MARGIN
                and self._shown < len(self.paged_rows())):
            self._show_more()

    def action_cursor(self, where: str) -> None:
        table = self.paged_table()
        if where == "down":
            table.action_cursor_down()
        elif where == "up":
            table.action_cursor_up()
        elif where == "top":
            table.move_cursor(row=0)
        elif where == "bottom":
            self._show_more(len(self.paged_rows()))
            table.move_cursor(row=max(0, table.row_count - 1))
