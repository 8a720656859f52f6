"""The monthly score grid: a Line API widget that draws a :class:`~incubator_tui.editing.grid_model.GridModel`.

Built as Textual builds its own large widgets (``DataTable``, ``Log``): a
:class:`~textual.scroll_view.ScrollView` whose :meth:`ScoreGrid.render_line`
returns one :class:`~textual.strip.Strip` per visible line, from public API
only.  Rows are one line high, under a header of one to three lines (see
:func:`~incubator_tui.editing.grid_layout.plan_layout`); the organisation
column stays put when the rest scrolls sideways.  What a row shows (values,
the text being typed, totals, streaks, notes) comes from the model, which the
screen edits; the widget only draws it and says where the user clicked.

Only the lines on screen are drawn, and each drawn line is kept in an LRU
keyed on everything it shows: the row's version in the model (bumped by every
change to the row, typing included), the model's epoch (a change to every
row), the cursor's item on that row, the width, the horizontal scroll, the
theme and the focus.  A keystroke redraws the one or two rows it touched;
opening a month of 5,000 organisations draws the thirty or so on screen.

The look is DataTable's (its component classes' colours under our own names:
header, fixed column, zebra rows, cursor), plus the grid's own looks styled in
``screens/scoring_screen.tcss`` with theme variables, so themes apply.  Widths
are display cells (``rich.cells.cell_len``), so Chinese names line up.
"""

from __future__ import annotations

from itertools import accumulate

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from incubator_tui.editing.grid_layout import PADDING, Layout, item_label, plan_layout
from incubator_tui.editing.grid_model import GridModel, RowView, Shown
from incubator_tui.i18n import t
from incubator_tui.widgets.cell_looks import CellLooks
from incubator_tui.widgets.status_line import StatusLine

__all__ = ["ScoreGrid", "StatusLine", "item_label", "plan_layout"]

LEFT, CENTER, RIGHT = "left", "center", "right"


class ScoreGrid(CellLooks, ScrollView, can_focus=True, inherit_bindings=False):
    """The grid of one month's scores.  No bindings of its own: the screen handles the keys."""

    LOOK_PREFIX = "score-grid"
    COMPONENT_CLASSES = {
        # the table (DataTable's look)
        "score-grid--header",
        "score-grid--fixed",  # the organisation column
        "score-grid--even-row",
        "score-grid--odd-row",
        "score-grid--cursor",
        # what a cell shows
        "score-grid--max",  # the item's maximum in the header
        "score-grid--editing",  # the text being typed
        "score-grid--invalid",  # ... when it is not a valid score for the item
        "score-grid--failed",  # a value whose save failed: kept, not saved
        "score-grid--na",
        "score-grid--muted",  # exempt/paused placeholders, running totals of incomplete months
        "score-grid--exempt",
        "score-grid--low",  # a complete month below the threshold
        "score-grid--red",  # streak at the run length or more
        "score-grid--amber",  # one short of it
        "score-grid--case",  # the note of an org with an open case
    }
    # DataTable's own look (textual/widgets/_data_table.py), under the grid's names.
    DEFAULT_CSS = """
    ScoreGrid {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .score-grid--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .score-grid--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark {
            & > .score-grid--even-row {
                background: $surface-darken-1 40%;
            }
        }
        & > .score-grid--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .score-grid--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .score-grid--fixed {
            background: $secondary-muted;
            color: $foreground;
        }
        & > .score-grid--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .score-grid--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class Clicked(Message):
        """The user clicked row ``row`` at item ``item`` (clamped to the items by the model)."""

        def __init__(self, row: int, item: int) -> None:
            super().__init__()
            self.row = row
            self.item = item

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model: GridModel | None = None
        self.layout_plan: Layout | None = None
        self.plan_version = 0
        self.strips: LRUCache = LRUCache(1024)  # drawn lines, keyed on what they show
        self.looks: dict[tuple, Style] = {}  # component styles, until the styles change
        self.lines_drawn = 0  # lines drawn (not taken from the cache): what a test can count
        self.drawn_epoch = 0  # the model's epoch when its rows were last all redrawn

    # -- the model ------------------------------------------------------------------------------
    def show(self, model: GridModel | None, width: int) -> None:
        """Draw ``model`` (a month just loaded, or None: nothing) with columns planned for ``width``."""
        self.model = model
        self.drawn_epoch = model.epoch if model is not None else 0
        self.layout_plan = None  # planned anew: a new month may have other items and names
        self.replan(width)

    def replan(self, width: int) -> bool:
        """Plan the columns for ``width``; True if the plan changed (and the grid was redrawn)."""
        model = self.model
        plan = plan_layout(model.grid, width) if model is not None else None
        if plan == self.layout_plan and plan is not None:
            return False  # (a None plan is set again: show(None) clears the grid)
        self.layout_plan = plan
        self.plan_version += 1
        self.strips.clear()
        if plan is None:
            self.virtual_size = Size(0, 0)
        else:
            self.virtual_size = Size(sum(w + 2 * PADDING for w in plan.widths),
                                     plan.header_lines + len(model.grid.rows))
        self.refresh()
        return True

    @property
    def header_height(self) -> int:
        return self.layout_plan.header_lines if self.layout_plan is not None else 0

    @property
    def row_count(self) -> int:
        return len(self.model.grid.rows) if self.model is not None else 0

    @property
    def page_rows(self) -> int:
        """Rows a page key moves: the rows on screen, less one (kept in view)."""
        return max(self.size.height - self.header_height - 1, 1)

    def sync(self) -> None:
        """Redraw what the model changed since the last call, and keep its cursor in view."""
        model = self.model
        if model is None or self.layout_plan is None:
            return
        if model.epoch != self.drawn_epoch:
            self.drawn_epoch = model.epoch
            self.refresh()
        top = self.header_height
        for r in model.take_dirty():
            self.refresh_line(top + r)
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        model, plan = self.model, self.layout_plan
        if model is None or plan is None or not model.grid.rows:
            return
        widths = [w + 2 * PADDING for w in plan.widths]
        column = 1 + model.item
        x = sum(widths[:column])
        region = Region(x, plan.header_lines + model.row, widths[column] if column < len(widths) else 1, 1)
        self.scroll_to_region(region, spacing=Spacing(plan.header_lines, 0, 0, widths[0]), animate=False,
                              force=True, immediate=True)

    # -- styles (cstyle, table_style: CellLooks) -------------------------------------------------
    def cursor_styles(self) -> tuple[Style, Style]:
        """The cursor's style and what goes on top of a cell's own style: the cursor's text
        colour wins, a cell's own background (typing, a red streak) stays (DataTable's defaults)."""
        key = ("cursor",)
        styles = self.looks.get(key)
        if styles is None:
            cursor = self.get_component_rich_style("score-grid--cursor")
            post = Style.from_color(color=cursor.color)
            styles = self.looks[key] = (cursor, post)
        return styles

    def extend_style(self, row_style: Style) -> Style:
        """The style of the blank beyond the last column (DataTable fades the row's background)."""
        key = ("extend", row_style)
        style = self.looks.get(key)
        if style is None:
            if row_style.bgcolor is not None:
                faded = Color.from_rich_color(row_style.bgcolor).blend(self.background_colors[1], factor=0.25)
                style = Style.from_color(color=row_style.color, bgcolor=faded.rich_color)
            else:
                style = Style.from_color(row_style.color, row_style.bgcolor)
            self.looks[key] = style
        return style

    # -- what a cell shows ----------------------------------------------------------------------------
    def shown_text(self, shown: Shown) -> Text:
        text = Text(shown.text, style=self.cstyle(shown.look))
        if shown.mark:
            text.append(shown.mark, style=self.cstyle(shown.mark_look))
        return text

    def row_texts(self, view: RowView) -> list[tuple[Text, str]]:
        """(text, justify) of each column of a row, left to right."""
        cells = [(Text(view.name), LEFT)]
        plan = self.layout_plan
        widths = plan.item_widths if plan is not None else ()
        # A value never loses a character to its mark: where both do not fit ("不适用*" in six
        # cells), the mark goes (the line under the grid says what it stood for).
        cells += [(self.shown_text(Shown(s.text, s.look) if s.mark and w and cell_len(s.text + s.mark) > w else s),
                   CENTER) for s, w in zip(view.items, widths or (0,) * len(view.items))]
        total = view.total
        if self.layout_plan is not None and not self.layout_plan.total_marks and total.mark:
            total = Shown(total.text, total.look)  # no room for the count: the detail line says it
        cells += [(self.shown_text(total), RIGHT), (self.shown_text(view.streak), CENTER)]
        if self.layout_plan is not None and self.layout_plan.note_width:
            cells.append((self.shown_text(view.note), LEFT))
        return cells

    def header_texts(self, line: int) -> list[tuple[Text, str]]:
        """(text, justify) of each column on header line ``line``."""
        plan = self.layout_plan
        first = line == 0
        cells = [(Text(t("scoring.col.org") if first else ""), LEFT)]
        for n, (label, mx) in enumerate(plan.headers):
            if plan.header_lines == 1:
                text = Text.assemble(label, " ", (mx, self.cstyle("max")))
            else:
                parts = plan.label_lines[n] if n < len(plan.label_lines) else (label,)
                if line < len(parts):
                    text = Text(parts[line])
                elif line == len(parts):
                    text = Text(mx, style=self.cstyle("max"))
                else:
                    text = Text("")
            cells.append((text, CENTER))
        cells += [(Text(t("scoring.col.total") if first else ""), RIGHT),
                  (Text(t("scoring.col.streak") if first else ""), CENTER)]
        if plan.note_width:
            cells.append((Text(t("scoring.col.note") if first else ""), LEFT))
        return cells

    # -- drawing ----------------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        model, plan = self.model, self.layout_plan
        if model is None or plan is None:
            return Strip.blank(width, self.rich_style)
        scroll_x, scroll_y = self.scroll_offset
        look = (width, scroll_x, self.plan_version, self.app.theme, self.has_focus)
        if y < plan.header_lines:
            key = ("header", y, *look)
            row = None
        else:
            row = y - plan.header_lines + scroll_y
            if row >= len(model.grid.rows):
                return Strip.blank(width, self.rich_style)
            cursor = model.item if model.row == row else -1
            key = (row, model.versions[row], model.epoch, cursor, *look)
        strip = self.strips.get(key)
        if strip is None:
            strip = self.draw_line(row, y, width, scroll_x)
            self.strips[key] = strip
        return strip

    def draw_line(self, row: int | None, header_line: int, width: int, scroll_x: int) -> Strip:
        """Line ``header_line`` of the header (``row`` None) or data row ``row``, cropped to the view."""
        self.lines_drawn += 1
        model, plan = self.model, self.layout_plan
        if row is None:
            cells = self.header_texts(header_line)
            row_style = fixed_style = self.table_style("header")
            cursor_at = -1
        else:
            cells = self.row_texts(model.row_view(row))
            row_style = self.table_style("odd-row" if row % 2 else "even-row")
            fixed_style = self.table_style("fixed")
            cursor_at = 1 + model.item if model.row == row else -1
        widths = plan.widths
        (name, justify), *rest = cells
        fixed = Strip(self.cell_segments(name, widths[0], justify, fixed_style, None))
        segments: list[Segment] = []
        for column, ((text, justify), w) in enumerate(zip(rest, widths[1:]), start=1):
            if column == cursor_at:
                cursor, post = self.cursor_styles()
                segments += self.cell_segments(text, w, justify, row_style + cursor, post)
            else:
                segments += self.cell_segments(text, w, justify, row_style, None)
        used = sum(w + 2 * PADDING for w in widths[1:])
        if width > used:
            segments.append(Segment(" " * (width - used), self.extend_style(row_style)))
        scrolled = Strip(segments).crop(scroll_x, scroll_x + max(width - fixed.cell_length, 0))
        return Strip.join([fixed, scrolled]).adjust_cell_length(width, self.rich_style).simplify()

    # -- reading what is shown (tests, the screen's helpers) -----------------------------------------
    def column_labels(self) -> list[str]:
        """Each column's header as one line of text (the header lines joined with a space)."""
        plan = self.layout_plan
        if plan is None:
            return []
        lines = [self.header_texts(y) for y in range(plan.header_lines)]
        return [" ".join(line[c][0].plain for line in lines if line[c][0].plain) for c in range(len(lines[0]))]

    def cell(self, row: int, column: int) -> Text:
        """The text drawn in one cell (column 0: the name; then items, total, streak, note)."""
        return self.row_texts(self.model.row_view(row))[column][0]

    # -- the mouse ---------------------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        model, plan = self.model, self.layout_plan
        offset = event.get_content_offset(self)
        if model is None or plan is None or offset is None or offset.y < plan.header_lines:
            return
        row = offset.y - plan.header_lines + self.scroll_offset.y
        if row >= len(model.grid.rows):
            return
        edges = list(accumulate(w + 2 * PADDING for w in plan.widths))
        x = offset.x if offset.x < edges[0] else offset.x + self.scroll_offset.x
        column = next((c for c, edge in enumerate(edges) if x < edge), len(edges) - 1)
        event.stop()
        self.post_message(self.Clicked(row, column - 1))
