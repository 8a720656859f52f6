"""A table of typed cells on the Line API: the annual review and its peer dialog draw their models with it.

Built as the scoring grid (``widgets/score_grid.py``) and Textual's own
``DataTable``: a :class:`~textual.scroll_view.ScrollView` whose
:meth:`CellTable.render_line` returns one :class:`~textual.strip.Strip` per
visible line, from public API only.  One header line, one line per row, the
first column fixed when the rest scrolls sideways.  The model (an
``editing.review_model`` model) says what each row shows (:meth:`row_view`: a
list of ``Shown``), where the cursor is (``row``, ``cursor_column``), and which
rows changed (``versions``, ``epoch``, ``take_dirty``); the widget only draws
and says where the user clicked.  Drawn lines are kept in an LRU keyed on what
they show, so a key redraws the one or two rows it touched, and a year of
5,000 organisations draws the thirty or so on screen.

On a narrow terminal the screen may show the model's columns in another order
(``Column.source``: which of the model's cells the column draws) and give the
first column a table of names as shown (``Column.shown``: ``format.fit_names``,
so that two names never read alike).  A column is drawn whole or not at all:
one that an edge would cut is left blank (``★★★★`` is not a cut
``★★★★★``, "finalis" is not a word).

Text is never markup: every cell is a ``rich.text.Text`` built from the string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from incubator_tui.widgets.cell_looks import PADDING, CellLooks

LEFT, CENTER, RIGHT = "left", "center", "right"


@dataclass(frozen=True)
class Column:
    label: str
    width: int  # content cells, without padding
    justify: str = LEFT
    source: int | None = None  # the model's cell this column draws (default: its own position)
    shown: Mapping[str, str] | None = None  # texts as shown (names cut apart), where they differ


def sources(columns: tuple[Column, ...]) -> list[int]:
    """The model's cell each column draws."""
    return [i if c.source is None else c.source for i, c in enumerate(columns)]


class CellTable(CellLooks, ScrollView, can_focus=True, inherit_bindings=False):
    """Rows of cells drawn from a model; no bindings of its own (the screen handles the keys)."""

    LOOK_PREFIX = "cell-table"
    COMPONENT_CLASSES = {
        "cell-table--header", "cell-table--fixed", "cell-table--even-row", "cell-table--odd-row",
        "cell-table--cursor",
        "cell-table--editing", "cell-table--invalid", "cell-table--muted", "cell-table--error",
        "cell-table--good", "cell-table--warn",
        "cell-table--failed",  # a value whose save failed: kept, not saved (the scoring grid's look and mark)
    }
    DEFAULT_CSS = """
    CellTable {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .cell-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .cell-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .cell-table--fixed { background: $secondary-muted; color: $foreground; }
        & > .cell-table--even-row { background: $surface-lighten-1 50%; }
        & > .cell-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .cell-table--editing { background: $accent 30%; text-style: bold; }
        & > .cell-table--invalid { background: $error 40%; color: $text-error; text-style: bold; }
        & > .cell-table--muted { color: $text-muted; }
        & > .cell-table--error { color: $text-error; }
        & > .cell-table--good { color: $text-success; }
        & > .cell-table--warn { color: $text-warning; }
    }
    """

    class Clicked(Message):
        def __init__(self, row: int, column: int) -> None:
            super().__init__()
            self.row = row
            self.column = column

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model: Any = None
        self.columns: tuple[Column, ...] = ()
        self.plan_version = 0
        self.strips: LRUCache = LRUCache(1024)
        self.looks: dict[tuple, Style] = {}
        self.lines_drawn = 0
        self.after_drawn: Any = None  # a callback for once the next lines drawn are on screen (when_drawn)

    # -- the model ---------------------------------------------------------------------------------
    def show(self, model: Any, columns: tuple[Column, ...]) -> None:
        self.model = model
        self.set_columns(columns)

    def when_drawn(self, callback: Any) -> None:
        """Call ``callback`` (no arguments) once the table's lines, as they are now, have been
        drawn and the screen refreshed: after the paint that shows them."""
        self.after_drawn = callback
        self.refresh()

    def set_columns(self, columns: tuple[Column, ...]) -> None:
        self.columns = tuple(columns)
        self.plan_version += 1
        self.strips.clear()
        rows = len(self.model.versions) if self.model is not None else 0
        self.virtual_size = Size(sum(c.width + 2 * PADDING for c in self.columns), 1 + rows)
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.model.versions) if self.model is not None else 0

    @property
    def page_rows(self) -> int:
        return max(self.size.height - 2, 1)

    def sync(self) -> None:
        """Redraw what the model changed since the last call, and keep its cursor in view."""
        model = self.model
        if model is None:
            return
        for r in model.take_dirty():
            self.refresh_line(1 + r)
        self.scroll_to_cursor()

    def display_column(self, column: int) -> int:
        """Where the model's column ``column`` is drawn."""
        order = sources(self.columns)
        return order.index(column) if column in order else column

    def scroll_to_cursor(self) -> None:
        model = self.model
        if model is None or not self.columns or not self.row_count:
            return
        widths = [c.width + 2 * PADDING for c in self.columns]
        column = self.display_column(model.cursor_column)
        region = Region(sum(widths[:column]), 1 + model.row, widths[column], 1)
        self.scroll_to_region(region, spacing=Spacing(1, 0, 0, widths[0]), animate=False, force=True,
                              immediate=True)

    # -- drawing (the styles: CellLooks) ------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        model = self.model
        if model is None or not self.columns:
            return Strip.blank(width, self.rich_style)
        if self.after_drawn is not None:  # this paint shows the lines: the callback once it is over
            self.call_after_refresh(self.after_drawn)
            self.after_drawn = None
        scroll_x, scroll_y = self.scroll_offset
        look = (width, scroll_x, self.plan_version, self.app.theme, self.has_focus)
        if y == 0:
            row, key = None, ("header", *look)
        else:
            row = y - 1 + scroll_y
            if row >= self.row_count:
                return Strip.blank(width, self.rich_style)
            cursor = model.cursor_column if model.row == row else -1
            key = (row, model.versions[row], model.epoch, cursor, *look)
        strip = self.strips.get(key)
        if strip is None:
            strip = self.strips[key] = self.draw_line(row, width, scroll_x)
        return strip

    def draw_line(self, row: int | None, width: int, scroll_x: int) -> Strip:
        self.lines_drawn += 1
        model = self.model
        if row is None:
            texts = [Text(c.label) for c in self.columns]
            row_style = fixed_style = self.table_style("header")
            cursor_at = -1
        else:
            view = model.row_view(row)
            texts = []
            for column, source in zip(self.columns, sources(self.columns)):
                shown = view[source]
                text = shown.text if column.shown is None else column.shown.get(shown.text, shown.text)
                cell = Text(text, style=self.cstyle(shown.look))
                if shown.mark:  # "!" after a value not saved, as the scoring grid draws it
                    cell.append(shown.mark, style=self.cstyle(shown.mark_look))
                texts.append(cell)
            row_style = self.table_style("odd-row" if row % 2 else "even-row")
            fixed_style = self.table_style("fixed")
            cursor_at = self.display_column(model.cursor_column) if model.row == row else -1
        first, *rest = self.columns
        fixed = Strip(self.cell_segments(texts[0], first.width, first.justify, fixed_style) if first.width > 0 else [])
        room = max(width - fixed.cell_length, 0)
        segments: list[Segment] = []
        x = 0
        for column, (text, col) in enumerate(zip(texts[1:], rest), start=1):
            base = row_style + self.table_style("cursor") if column == cursor_at else row_style
            cells = col.width + 2 * PADDING
            if x < scroll_x < x + cells or x < scroll_x + room < x + cells:  # cut by an edge: whole or not at all
                segments.append(Segment(" " * cells, row_style))
            elif col.width > 0:  # a column of no width draws nothing
                segments += self.cell_segments(text, col.width, col.justify, base)
            x += cells
        used = sum(c.width + 2 * PADDING for c in rest)
        if width > used:
            segments.append(Segment(" " * (width - used), row_style))
        scrolled = Strip(segments).crop(scroll_x, scroll_x + room)
        return Strip.join([fixed, scrolled]).adjust_cell_length(width, self.rich_style).simplify()

    # -- reading what is shown (tests) ------------------------------------------------------------------------
    def cell(self, row: int, column: int) -> str:
        """The text of the model's column ``column`` (whatever its place on screen), its mark included."""
        shown = self.model.row_view(row)[column]
        return shown.text + shown.mark

    # -- the mouse ----------------------------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if self.model is None or offset is None or offset.y < 1 or not self.columns:
            return
        row = offset.y - 1 + self.scroll_offset.y
        if row >= self.row_count:
            return
        edges = list(accumulate(c.width + 2 * PADDING for c in self.columns))
        x = offset.x if offset.x < edges[0] else offset.x + self.scroll_offset.x
        column = next((c for c, edge in enumerate(edges) if x < edge), len(edges) - 1)
        event.stop()
        self.post_message(self.Clicked(row, sources(self.columns)[column]))
