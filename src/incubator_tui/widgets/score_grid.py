"""The monthly score grid: a DataTable that shows a :class:`~incubator_tui.services.scoring.Grid`.

Rows are organisations, columns the name, the checklist items in force, the
total, the low-month streak and (when there is room) a note.  The widget only
presents: the scoring screen owns the editing and calls :meth:`ScoreGrid.set_item`
and :meth:`ScoreGrid.set_summary` to repaint one cell and its row's summary
per keystroke; :meth:`ScoreGrid.show` fills the whole table once per load.

Thousands of rows: :meth:`ScoreGrid.show` gives the table every row at once (so
the cursor, ``row_count``, scrolling and every key reach them all) but makes
nothing per row: DataTable's row bookkeeping is replaced by views over the
Grid's org ids (:class:`_RowPlaces`, :class:`_RowsView`, :class:`_Lines`,
:class:`_OrderedRows`), and a row's cells are made from the in-memory Grid when
it is first drawn or read (:class:`_RowCells`).  Opening a month costs about
the same for 50 organisations as for 5,000, and memory holds the rows shown,
not the whole month.  Rows come only from :meth:`ScoreGrid.show` (no add_row).

Colours come from component classes styled in ``screens/scoring_screen.tcss``
with theme variables, so themes apply.  Widths are display cells
(``rich.cells.cell_len``), so Chinese names line up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.renderables.styled import Styled
from textual.widget import Widget
from textual.widgets import DataTable
from textual.widgets._data_table import CellDoesNotExist, ColumnKey, Row, RowKey

from incubator_tui.i18n import get_language, t
from incubator_tui.rules.scoring import MonthResult, cents_to_text, format_total
from incubator_tui.rules.streaks import Streak
from incubator_tui.services.scoring import Cell, Grid, GridRow

_ELSEWHERE = Coordinate(-2, -2)  # a cursor in no row (see ScoreGrid._render_line_in_row)
NAME_KEY = "name"
TOTAL_KEY = "total"
STREAK_KEY = "streak"
NOTE_KEY = "note"
EDIT_MARK = "_"  # shown after the text being typed (ASCII: no ambiguous-width glyph)
REASON_MARK = "*"  # shown after a value that carries a reason for lost points
PADDING = 1  # DataTable cell_padding, on each side
NAME_MIN = 12  # the name column never gets narrower than this (6 CJK characters)
NOTE_MIN = 10


def item_label(item) -> str:
    """The item's column name: its own name, or a short English one for the default checklist."""
    if get_language() == "en":
        from incubator_tui.services.centres import DEFAULT_CHECKLIST

        for code, name_zh, *_rest in DEFAULT_CHECKLIST:
            if code == item.code and name_zh == item.name:
                return t(f"scoring.item.{code}")
    return item.name


def _split_even(text: str, lines: int) -> list[str]:
    """Split ``text`` into ``lines`` pieces of about equal display width."""
    if lines <= 1:
        return [text]
    target = cell_len(text) / lines
    out, cur = [], ""
    for ch in text:
        if cur and cell_len(cur + ch) > target + 0.5 and len(out) < lines - 1:
            out.append(cur)
            cur = ""
        cur += ch
    out.append(cur)
    return out


def name_cells(grid: Grid) -> int:
    """The widest organisation name of ``grid``, in display cells.

    Measured once per Grid (the screen asks on the database thread, right after
    the load): thousands of CJK names take ~10 ms, and every resize replans.
    """
    cached = grid.__dict__.get("_name_cells")
    if cached is None:
        # A name is at most two cells a character: measure the longest names first
        # and stop once no shorter one could be wider than the widest so far.
        widest = None
        for name in sorted({row.name for row in grid.rows}, key=len, reverse=True):
            if widest is not None and 2 * len(name) <= widest:
                break
            widest = max(cell_len(name), widest or 0)
        cached = grid.__dict__["_name_cells"] = NAME_MIN if widest is None else widest
    return cached


@dataclass(frozen=True)
class Layout:
    """Column widths (content, without padding) and the header height for one width."""

    header_lines: int  # 1: "工作计划 2"; 2: name / max; 3: name in two lines / max
    name_width: int
    item_widths: tuple[int, ...]
    total_width: int
    streak_width: int
    note_width: int  # 0: no note column


def plan_layout(grid: Grid, width: int) -> Layout:
    """Fit the columns into ``width`` cells: one-line headers when there is room,
    else two or three lines, and a note column only with room to spare."""
    labels = [item_label(it) for it in grid.items]
    maxes = [cents_to_text(it.max_cent) for it in grid.items]
    value_w = max(cell_len(t("scoring.na_short")), 4 + len(EDIT_MARK))  # "不适用", "1.5*", "10_"
    total_w = max(cell_len(t("scoring.col.total")), 4, cell_len(t("scoring.exempt_short")))
    streak_w = max(cell_len(t("scoring.col.streak")), 2)
    names = max(name_cells(grid), cell_len(t("scoring.col.org")))
    fixed = (total_w + 2 * PADDING) + (streak_w + 2 * PADDING)

    def widths(mode: int) -> tuple[int, ...]:
        out = []
        for label, mx in zip(labels, maxes):
            if mode == 1:
                w = cell_len(f"{label} {mx}")
            elif mode == 2:
                w = max(cell_len(label), cell_len(mx))
            else:
                w = max(max(cell_len(p) for p in _split_even(label, 2)), cell_len(mx))
            out.append(max(w, value_w))
        return tuple(out)

    chosen = None
    for mode in (1, 2, 3):
        items = widths(mode)
        room = width - fixed - sum(w + 2 * PADDING for w in items) - 2 * PADDING
        if room >= min(NAME_MIN, names) or mode == 3:
            chosen = (mode, items, room)
            break
    mode, items, room = chosen
    name_w = max(min(names, room), min(NAME_MIN, names))
    note_w = room - name_w - 2 * PADDING
    if note_w < NOTE_MIN:
        note_w = 0
    return Layout(mode, name_w, items, total_w, streak_w, note_w)


class _IndexedCache(LRUCache):
    """An LRUCache that can drop every entry of one cell, row or line at once.

    DataTable keys its render caches on an update counter that every
    ``update_cell`` bumps, so one changed cell re-renders the whole visible
    table (~300 cells, tens of ms).  The grid instead drops only the entries
    of the cell that changed (see :meth:`ScoreGrid.update_cell`).
    """

    def __init__(self, maxsize: int, index) -> None:
        super().__init__(maxsize)
        self._index_of = index
        self._by: dict = {}
        self._indexed = 0

    def set(self, key, value) -> None:
        new = key not in self._cache
        super().set(key, value)
        if new:
            self._by.setdefault(self._index_of(key), []).append(key)
            self._indexed += 1
            if self._indexed > 4 * self._maxsize:  # evicted keys linger in the index: rebuild it
                self._by = {}
                for k in self._cache:
                    self._by.setdefault(self._index_of(k), []).append(k)
                self._indexed = len(self._cache)

    __setitem__ = set

    def purge(self, index) -> None:
        for key in self._by.pop(index, ()):
            self.discard(key)

    def clear(self) -> None:
        super().clear()
        self._by = {}
        self._indexed = 0


class _RowCells(dict):
    """DataTable's ``_data`` (row key -> {column key: cell}), made row by row on demand.

    A row asked for is made from the Grid (``build``) and remembered in a small
    LRU (drawing reads a row once per line, ``get_cell_at`` once per cursor move);
    a row whose cells are changed (:meth:`keep`) is stored for good, so that
    what the screen put there (the text being typed...) stays until it changes it.
    """

    def __init__(self, build, count, recent: int = 256) -> None:
        super().__init__()
        self._build = build
        self._count = count
        self._recent: LRUCache = LRUCache(recent)

    def __missing__(self, key):
        cells = self._recent.get(key)
        if cells is None:
            cells = self._build(key)  # KeyError for a row that is not in the table
            self._recent[key] = cells
        return cells

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __len__(self) -> int:  # DataTable asks len(_data) for "has rows"
        return self._count()

    def keep(self, key) -> dict:
        """The row's cells, stored from now on (to be changed in place)."""
        cells = dict.get(self, key)
        if cells is None:
            cells = self[key]
            dict.__setitem__(self, key, cells)
            self._recent.discard(key)
        return cells

    def forget_made(self) -> None:
        """Drop the rows made but not changed (their styles changed)."""
        self._recent.clear()

    def clear(self) -> None:
        super().clear()
        self._recent.clear()


class _RowPlaces:
    """DataTable's ``_row_locations`` (row key <-> row index) over the grid's org ids.

    A key is the org id; RowKey objects are made when asked for (they hash and
    compare as their string), so a month of thousands of rows costs one list and
    one dict, not a RowKey, a Row and two dict entries per row.
    """

    __slots__ = ("_ids", "_index")

    def __init__(self, ids: list[str] | None = None) -> None:
        self._ids = ids or []
        self._index = {org_id: n for n, org_id in enumerate(self._ids)}

    def get(self, key) -> int | None:
        return self._index.get(key)

    def get_key(self, index: int) -> RowKey | None:
        return RowKey(self._ids[index]) if 0 <= index < len(self._ids) else None

    def contains_value(self, index: int) -> bool:
        return 0 <= index < len(self._ids)

    def __contains__(self, key) -> bool:
        return key in self._index

    def __iter__(self):
        return (RowKey(org_id) for org_id in self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class _RowsView:
    """DataTable's ``rows`` (row key -> Row) for rows that are all one line high."""

    __slots__ = ("_places",)

    def __init__(self, places: _RowPlaces) -> None:
        self._places = places

    def __len__(self) -> int:
        return len(self._places)

    def __contains__(self, key) -> bool:
        return key in self._places

    def __getitem__(self, key) -> Row:
        if key not in self._places:
            raise KeyError(key)
        return Row(key if isinstance(key, RowKey) else RowKey(key), 1)

    def get(self, key, default=None):
        return self[key] if key in self._places else default

    def __iter__(self):
        return iter(self._places)

    keys = __iter__

    def values(self):
        return (Row(key, 1) for key in self._places)

    def items(self):
        return ((key, Row(key, 1)) for key in self._places)

    def clear(self) -> None:
        self._places = _RowPlaces()


class _Lines:
    """DataTable's ``_y_offsets`` for rows one line high: line y is row y.

    DataTable builds a list of every line of the table (and the list of every
    row it comes from) again after each resize or load; here it is a view.
    """

    __slots__ = ("_table",)

    def __init__(self, table: DataTable) -> None:
        self._table = table

    def __len__(self) -> int:
        return len(self._table.rows)

    def __getitem__(self, y: int) -> tuple[RowKey, int]:
        key = self._table._row_locations.get_key(y) if y >= 0 else None
        if key is None:
            raise IndexError(y)
        return key, 0

    def clear(self) -> None:
        """DataTable.clear() calls this; the view has no state of its own to drop."""


class _OrderedRows(Sequence):
    """DataTable's ``ordered_rows`` as a view (DataTable lists every row anew after each change)."""

    __slots__ = ("_table",)

    def __init__(self, table: DataTable) -> None:
        self._table = table

    def __len__(self) -> int:
        return len(self._table.rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        key = self._table._row_locations.get_key(index) if index >= 0 else None
        if key is None:
            raise IndexError(index)
        return self._table.rows[key]


class ScoreGrid(DataTable, inherit_bindings=False):
    """The grid of one month's scores.  No bindings of its own: the screen handles the keys."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        "score-grid--max",  # the item's maximum in the header
        "score-grid--editing",  # the text being typed
        "score-grid--invalid",  # ... when it is not a valid score for the item
        "score-grid--na",
        "score-grid--muted",  # exempt/paused placeholders, running totals of incomplete months
        "score-grid--exempt",
        "score-grid--low",  # a complete month below the threshold
        "score-grid--red",  # streak at the run length or more
        "score-grid--amber",  # one short of it
        "score-grid--case",  # the note of an org with an open case
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="cell", fixed_columns=1, zebra_stripes=True, **kwargs)
        self.layout_plan: Layout | None = None
        self._styles: dict[str, Style] = {}
        self._item_keys: list[str] = []
        # Render caches that can forget one cell (DataTable's are keyed by a global counter).
        self._cell_render_cache = _IndexedCache(10000, lambda k: (k[0], k[1]))
        self._row_render_cache = _IndexedCache(1000, lambda k: k[0])
        self._line_cache = _IndexedCache(1000, lambda k: k[0])
        # Rows are registered by show() and their cells made when first needed.
        self._grid: Grid | None = None
        self._column_keys: list[ColumnKey] = []
        self._data = _RowCells(self._make_row, lambda: len(self.rows))
        # Rendered cells by what they show (see _render_cell): most cells repeat.
        self._look_cache: LRUCache = LRUCache(4096)
        self._plain_styles: dict[Style, tuple[Style, dict]] = {}
        self._lines = _Lines(self)
        self._ordered = _OrderedRows(self)

    # -- rows made on demand (see _RowCells) ------------------------------------------------
    @property
    def _y_offsets(self) -> _Lines:
        return self._lines

    @property
    def ordered_rows(self) -> _OrderedRows:
        return self._ordered

    def add_row(self, *cells, height: int | None = 1, key: str | None = None, label=None) -> RowKey:
        # Rows are views of the in-memory Grid, never added one by one.
        raise TypeError("ScoreGrid rows come from show(grid)")

    def _make_row(self, row_key: RowKey) -> dict:
        index = self._row_locations.get(row_key)
        grid = self._grid
        if index is None or grid is None:
            raise KeyError(row_key)
        return dict(zip(self._column_keys, self.row_cells(grid.rows[index], grid)))

    def _render_cell(self, row_index, column_index, base_style, width, cursor=False, hover=False):
        """DataTable._render_cell, rendering each distinct look of a cell once.

        DataTable renders every cell on its own (~75 µs each through rich), as its
        segments carry the cell's position for the mouse.  Here a data cell is
        rendered by rich once per (content, width, styles), without the position,
        which is then added to the segments' styles, as DataTable would have it.
        """
        if row_index < 0 or column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        cache_key = (
            row_key, self._column_locations.get_key(column_index), base_style, cursor, hover,
            self._show_hover_cursor, self._update_count, self._pseudo_class_state,
        )
        lines = self._cell_render_cache.get(cache_key)
        if lines is not None:
            return lines
        cell = self._get_row_renderables(row_index).cells[column_index]
        if not isinstance(cell, Text) or self.rows[row_key].height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, row_index < self.fixed_rows or column_index < self.fixed_columns, hover, cursor,
            self.show_cursor, self._show_hover_cursor, self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        plain = self._plain_styles.get(base_style)
        if plain is None:  # the row style without its meta (the fixed columns carry some)
            plain = self._plain_styles[base_style] = (base_style.clear_meta_and_links(), base_style.meta)
        plain_style, base_meta = plain
        pre_style = plain_style + component_style
        look = (
            cell.plain, tuple(cell.spans), cell.style, cell.justify, cell.overflow, cell.no_wrap, cell.end,
            width, pre_style, post_style,
        )
        plain_lines = self._look_cache.get(look)
        if plain_lines is None:
            options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
            plain_lines = self.app.console.render_lines(
                Styled(Padding(cell, (0, self.cell_padding)), pre_style=pre_style, post_style=post_style), options
            )
            self._look_cache[look] = plain_lines
        # The meta DataTable puts first (base_style + {"row", "column"}), then the rest.
        meta = Style.from_meta({**base_meta, "row": row_index, "column": column_index})
        lines = [
            [Segment(text, None if control else meta + style if style else meta, control)
             for text, style, control in line]
            for line in plain_lines
        ]
        self._cell_render_cache[cache_key] = lines
        return lines

    def _get_cell_region(self, coordinate: Coordinate) -> Region:
        # Every row is one line high: the row index is the line (DataTable sums the
        # heights of all the rows above, per cell refreshed).
        if not self.is_valid_coordinate(coordinate):
            return Region(0, 0, 0, 0)
        row_index, column_index = coordinate
        columns = self.ordered_columns
        x = sum(column.get_render_width(self) for column in columns[:column_index]) + self._row_label_column_width
        y = row_index + (self.header_height if self.show_header else 0)
        return Region(x, y, columns[column_index].get_render_width(self), 1)

    def _get_row_region(self, row_index: int) -> Region:
        if not self.is_valid_row_index(row_index):
            return Region(0, 0, 0, 0)
        width = sum(column.get_render_width(self) for column in self.columns.values()) + self._row_label_column_width
        y = row_index + (self.header_height if self.show_header else 0)
        return Region(0, y, max(self.size.width, width), 1)

    def _render_line_in_row(self, row_key, line_no, base_style, cursor_location, hover_location):
        # With a cell cursor a row looks the same wherever the cursor is, unless the
        # cursor is in it: key the row cache on "elsewhere" so that moving the cursor
        # re-renders two rows, not every visible one.
        row_index = self._row_locations.get(row_key)
        if row_index is None:
            row_index = -1  # the header
        if cursor_location.row != row_index:
            cursor_location = _ELSEWHERE
        if hover_location.row != row_index:
            hover_location = _ELSEWHERE
        return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)

    def update_cell(self, row_key, column_key, value, *, update_width: bool = False) -> None:
        """Change one cell and repaint only its row (the columns have fixed widths)."""
        row_key = RowKey(row_key) if isinstance(row_key, str) else row_key
        column_key = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        row_index = self._row_locations.get(row_key)
        if row_index is None or column_key not in self._column_locations:
            raise CellDoesNotExist(f"No cell exists for row_key={row_key!r}, column_key={column_key!r}.")
        cells = self._data.keep(row_key)
        if update_width:
            super().update_cell(row_key, column_key, value, update_width=True)
            return
        cells[column_key] = value
        self._row_renderable_cache.discard((self._update_count, row_index))
        self._cell_render_cache.purge((row_key, column_key))
        self._row_render_cache.purge(row_key)
        # every row is one line high, so the row's virtual line is its index below the header
        self._line_cache.purge(row_index + (self.header_height if self.show_header else 0))
        self.refresh_row(row_index)

    # -- styles -------------------------------------------------------------------------
    def cstyle(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(f"score-grid--{name}", partial=True)
        return style

    def notify_style_update(self) -> None:
        self._styles = {}
        self._data.forget_made()
        self._look_cache.clear()
        self._plain_styles = {}
        super().notify_style_update()

    # -- what a cell shows --------------------------------------------------------------------
    def value_text(self, cell: Cell | None, row: GridRow, grid: Grid) -> Text:
        if row.exempt is not None or grid.paused:
            return Text("-", style=self.cstyle("muted"), justify="center")
        if cell is None or cell.blank:
            text = Text("", justify="center")
        elif cell.na:
            text = Text(t("scoring.na_short"), style=self.cstyle("na"), justify="center")
        else:
            text = Text(cents_to_text(cell.value_cent), justify="center")
        if cell is not None and cell.reason:
            text.append(REASON_MARK, style=self.cstyle("muted"))
        return text

    def editing_text(self, typed: str, valid: bool = True) -> Text:
        return Text(typed + EDIT_MARK, style=self.cstyle("editing" if valid else "invalid"), justify="center")

    def total_text(self, row: GridRow, grid: Grid, result: MonthResult) -> Text:
        if row.exempt is not None:
            return Text(t("scoring.exempt_short"), style=self.cstyle("exempt"), justify="right")
        total = result.total
        if total is None:
            return Text("", justify="right")
        shown = format_total(total)
        if not result.complete:
            return Text(shown, style=self.cstyle("muted"), justify="right")
        if total < grid.threshold_of(grid.month):
            return Text(shown, style=self.cstyle("low"), justify="right")
        return Text(shown, justify="right")

    def streak_text(self, streak: Streak, level: str | None) -> Text:
        if streak.count == 0:
            return Text("", justify="center")
        style = self.cstyle(level) if level else Style()
        return Text(str(streak.count), style=style, justify="center")

    def note_text(self, row: GridRow) -> Text:
        if row.exempt is not None:
            return Text(t("scoring.note.exempt", reason=row.exempt), style=self.cstyle("exempt"), overflow="ellipsis")
        if row.has_open_case:
            return Text(t("scoring.note.case"), style=self.cstyle("case"), overflow="ellipsis")
        return Text("")

    def row_cells(self, row: GridRow, grid: Grid) -> list[Text]:
        result = grid.result(row)
        streak = grid.streak(row)
        cells: list[Text] = [Text(row.name, overflow="ellipsis", no_wrap=True)]
        cells += [self.value_text(row.cells.get(it.id), row, grid) for it in grid.items]
        cells.append(self.total_text(row, grid, result))
        cells.append(self.streak_text(streak, grid.level(streak)))
        if self.layout_plan is not None and self.layout_plan.note_width:
            cells.append(self.note_text(row))
        return cells

    # -- filling and repainting ---------------------------------------------------------------
    def _header(self, label: str, mx: str, lines: int) -> Text:
        max_style = self.cstyle("max")
        if lines == 1:
            return Text.assemble(label, " ", (mx, max_style))
        parts = [label] if lines == 2 else _split_even(label, 2)
        return Text.assemble(*(p + "\n" for p in parts), (mx, max_style))

    def show(self, grid: Grid, width: int) -> None:
        """Show ``grid``: clear(), columns planned for ``width``, then every row
        registered, its cells made when first drawn (not add_rows: that makes and
        measures every cell of every row, ~0.2 ms a row)."""
        plan = plan_layout(grid, width)
        self.layout_plan = plan
        self._grid = grid
        self.clear(columns=True)
        self.header_height = 1 if plan.header_lines == 1 else plan.header_lines
        self.add_column(Text(t("scoring.col.org")), width=plan.name_width, key=NAME_KEY)
        self._item_keys = [it.id for it in grid.items]
        for it, w in zip(grid.items, plan.item_widths):
            label = self._header(item_label(it), cents_to_text(it.max_cent), plan.header_lines)
            label.justify = "center"
            self.add_column(label, width=w, key=it.id)
        self.add_column(Text(t("scoring.col.total"), justify="right"), width=plan.total_width, key=TOTAL_KEY)
        self.add_column(Text(t("scoring.col.streak"), justify="center"), width=plan.streak_width, key=STREAK_KEY)
        if plan.note_width:
            self.add_column(Text(t("scoring.col.note")), width=plan.note_width, key=NOTE_KEY)
        self._column_keys = [column.key for column in self.ordered_columns]
        # What add_rows would do, without making the cells: every row one line high;
        # the column widths are fixed, so no cell needs measuring.
        places = _RowPlaces([row.org_id for row in grid.rows])
        self._row_locations = places
        self.rows = _RowsView(places)
        self._update_count += 1
        # The virtual size now, not on idle: nothing to measure, and the cursor can
        # be scrolled to at once (not after another refresh).
        self._require_update_dimensions = False
        self._new_rows.clear()
        self._update_dimensions(())
        self.styles.clear_rule("overflow_y")  # see expecting_rows
        self._refresh_scrollbars()  # in this layout pass, not in the next frames
        if len(places) and self._column_keys and self.show_cursor:
            self._highlight_cursor()  # as add_row does when the first row arrives
        self.check_idle()

    def expecting_rows(self, yes: bool = True) -> None:
        """While the first rows load, keep the vertical scrollbar's place (overflow-y: scroll).

        A scrollbar that appears with the rows takes Textual another layout pass,
        a frame after them; shown from the start, it is simply there.  show() (or
        ``expecting_rows(False)``, when nothing is to come) puts overflow back as
        the stylesheet has it.
        """
        if yes:
            if not len(self.rows):
                self.styles.overflow_y = "scroll"
        elif self.styles.clear_rule("overflow_y"):
            self.refresh(layout=True)

    def set_item(self, row_index: int, item_index: int, value: Text) -> None:
        """Repaint one item cell."""
        self.update_cell_at_fast(row_index, 1 + item_index, value)

    def set_summary(self, row_index: int, row: GridRow, grid: Grid, result: MonthResult | None = None) -> None:
        """Repaint the row's total and streak (``result`` may be a tentative one, while typing)."""
        n = len(self._item_keys)
        result = result if result is not None else grid.result(row)
        self.update_cell_at_fast(row_index, 1 + n, self.total_text(row, grid, result))
        streak = _streak_with(grid, row, result)
        self.update_cell_at_fast(row_index, 2 + n, self.streak_text(streak, grid.level(streak)))

    def set_row(self, row_index: int, row: GridRow, grid: Grid) -> None:
        """Repaint a whole row (after an exemption, a load of its state...)."""
        for col, value in enumerate(self.row_cells(row, grid)):
            self.update_cell_at_fast(row_index, col, value)

    def update_cell_at_fast(self, row_index: int, column_index: int, value: Text) -> None:
        """update_cell by position, without the key checks (the grid owns the positions)."""
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:
            return
        self.update_cell(row_key, column_key, value)


def _streak_with(grid: Grid, row: GridRow, result: MonthResult) -> Streak:
    """The row's streak as if this month were ``result`` (the value being typed included)."""
    from incubator_tui.rules.streaks import MonthKind, MonthState, streak_as_of

    if row.exempt is not None or grid.paused:
        return grid.streak(row)
    if result.complete:
        state = MonthState(MonthKind.COMPLETE, result.total)
    elif result.scored or result.na:
        state = MonthState(MonthKind.INCOMPLETE)
    else:
        return streak_as_of(row.history, grid.month, row.entry_month, grid.threshold_of)
    return streak_as_of({**row.history, grid.month: state}, grid.month, row.entry_month, grid.threshold_of)


class StatusLine(Widget):
    """One line of text (header, banner, detail, message), repainted without a layout pass."""

    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._text = Text()

    @property
    def plain(self) -> str:
        return self._text.plain

    def set(self, text: Text | str) -> None:
        text = Text(text, overflow="ellipsis", no_wrap=True) if isinstance(text, str) else text
        if text == self._text:
            return
        self._text = text
        self.refresh()

    def render(self) -> Text:
        return self._text
