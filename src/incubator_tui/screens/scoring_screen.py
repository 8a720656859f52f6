"""The monthly scoring grid (月度考评): type a month of scores as fast as the keys go.

One row per organisation that belongs to the centre that month (pinyin order),
one column per checklist item in force, then the total and the low-month
streak.  Digits and ``.`` type into the cell under the cursor; Enter/Tab
commit and move on; every committed cell is saved at once in its own
transaction (``services.scoring.save_cells``), off the UI thread, in order.

Design notes (where the contract left the choice to us):

- A refused value (above the maximum, off the step) **stays typed**, marked
  invalid, with the rule's message on the message line and as an error toast:
  the user fixes it with Backspace or drops it with Esc.  Nothing is saved.
- ``n`` (N/A) behaves like typing a value and Enter: it marks the cell and
  moves to the next item.  ``f`` fills the org's blank items with their
  maximum (one transaction) and moves to the next organisation's first item.
- Moving on past an org's last item (Enter, Tab, ``n``, ``f``) passes over
  exempt orgs, which take no score; the arrows still go everywhere.
- Backspace/Delete on a committed cell clears its value and keeps its reason.
- ``x`` on a month whose rows are all complete (or exempt) closes it without
  asking; with incomplete rows it lists them and asks.
- All database work (loads, saves, exemptions, closing, pausing) goes through
  one ordered queue drained by a single thread worker (group ``save``), so a
  month loaded after a save always sees it.
- Saves are optimistic: the grid changes at once; a failed save puts back the
  last value known to be in the database and says so.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.types import NoActiveAppError
from textual.widgets import DataTable

from incubator_tui.collector import paused
from incubator_tui.widgets.key_bar import KeyBar
from incubator_tui.i18n import t
from incubator_tui.rules.errors import DomainError
from incubator_tui.rules.months import add_months
from incubator_tui.rules.scoring import NA, cents_to_text, format_total, month_result, parse_score
from incubator_tui.screens.base import BaseScreen
from incubator_tui.services.clock import current_month
from incubator_tui.services.scoring import Cell, Grid, GridRow
from incubator_tui.widgets.score_grid import ScoreGrid, StatusLine, item_label, name_cells

DIGITS = frozenset("0123456789.")
MAX_TYPED = 6  # "10.00" is the longest useful score
_EMPTY = Cell()


# -- jobs for the database thread ------------------------------------------------------------
@dataclass
class LoadJob:
    centre_id: str
    month: str
    seq: int


@dataclass
class SaveJob:
    centre_id: str
    org_id: str
    org_name: str
    month: str
    values: dict[str, Cell]  # item id -> the new cell
    gens: dict[str, int]  # item id -> the edit generation this save carries
    reason_only: bool = False


@dataclass
class OpJob:
    """exempt, lift, close, reopen, pause, resume."""

    kind: str
    centre_id: str
    month: str
    org_id: str | None = None
    org_name: str = ""
    reason: str = ""


@dataclass
class OpenedCase:
    org_id: str
    months: list[str] = field(default_factory=list)


class ScoringScreen(BaseScreen):
    """The scoring grid of one month (opens on the current month)."""

    CSS_PATH = "scoring_screen.tcss"
    AUTO_FOCUS = "#score-grid"

    # Every grid key is a *priority* binding: priority bindings run as the app takes
    # each key off its queue, so a fast typist's "2 Enter 1 Enter" keeps its order
    # (ordinary bindings run only after the key bubbled back up from the focused
    # table, which let digits overtake Enter).  Digits and '.' are bindings too,
    # for the same reason; only "0" carries the description, shown as "0-9 .".
    BINDINGS = [
        Binding("0", "type('0')", "scoring.key.type", id="scoring.type_0", show=False, key_display="0-9 .",
                priority=True),
        *(Binding(d, f"type('{d}')", "", id=f"scoring.type_{d}", show=False, priority=True) for d in "123456789"),
        Binding("full_stop", "type('.')", "", id="scoring.type_dot", show=False, priority=True),
        Binding("enter,tab", "commit_next", "scoring.key.commit", id="scoring.commit", show=False, priority=True),
        Binding("shift+tab", "prev_item", "scoring.key.prev_item", id="scoring.prev_item", show=False,
                priority=True),
        Binding("escape", "discard", "scoring.key.discard", id="scoring.discard", show=False, priority=True),
        Binding("backspace,delete", "clear", "scoring.key.clear", id="scoring.clear", show=False, priority=True),
        Binding("n", "na", "scoring.key.na", id="scoring.na", priority=True),
        Binding("f", "fill", "scoring.key.fill", id="scoring.fill", priority=True),
        Binding("m", "reason", "scoring.key.reason", id="scoring.reason", priority=True),
        Binding("e", "exempt", "scoring.key.exempt", id="scoring.exempt", priority=True),
        Binding("[", "month(-1)", "scoring.key.prev_month", id="scoring.prev_month", key_display="[", priority=True),
        Binding("]", "month(1)", "scoring.key.next_month", id="scoring.next_month", key_display="]", priority=True),
        Binding("x", "close", "scoring.key.close", id="scoring.close", priority=True),
        Binding("p", "pause", "scoring.key.pause", id="scoring.pause", priority=True),
        Binding("up,k", "move(-1, 0)", "scoring.key.up", id="scoring.up", show=False, priority=True),
        Binding("down,j", "move(1, 0)", "scoring.key.down", id="scoring.down", show=False, priority=True),
        Binding("left,h", "move(0, -1)", "scoring.key.left", id="scoring.left", show=False, priority=True),
        Binding("right,l", "move(0, 1)", "scoring.key.right", id="scoring.right", show=False, priority=True),
        Binding("g,ctrl+home", "first_row", "scoring.key.first_row", id="scoring.first_row", show=False,
                priority=True),
        Binding("G,ctrl+end", "last_row", "scoring.key.last_row", id="scoring.last_row", show=False, priority=True),
        Binding("pageup", "page(-1)", "scoring.key.page_up", id="scoring.page_up", show=False, priority=True),
        Binding("pagedown", "page(1)", "scoring.key.page_down", id="scoring.page_down", show=False, priority=True),
    ]

    class JobDone(Message):
        """A database job finished on the worker thread."""

        def __init__(self, job: Any, result: Any = None, error: str | None = None) -> None:
            super().__init__()
            self.job = job
            self.result = result
            self.error = error

    def __init__(self, month: str | None = None) -> None:
        super().__init__()
        self.month = month or current_month()
        self.grid: Grid | None = None
        self.centre_name = ""
        self._buffer: str | None = None  # the text being typed, if any
        self._edit_at: tuple[int, int] | None = None  # (row index, item index) it is typed into
        self._loading = False
        self._load_seq = 0
        self._keep: tuple[str | None, str | None, str | None, int, int] = (None, None, None, 0, 0)
        self._jobs: deque = deque()
        self._jobs_lock = threading.Lock()
        self._draining = False
        self._gen: dict[tuple[str, str, str], int] = {}  # (org, month, item) -> edit generation
        self._confirmed: dict[tuple[str, str, str], Cell] = {}  # last value known to be saved
        self._row_index: dict[str, int] = {}
        self._item_index: dict[str, int] = {}
        # Each row's progress (see _row_progress) and how many rows are in each, kept
        # up to date row by row: the header is repainted per saved cell, and
        # recounting thousands of rows each time would cost a keystroke's budget.
        self._progress: list[int] = []
        self._progress_counts: list[int] = [0, 0, 0, 0]
        self._left_mode = False
        self._shown_once = False
        self._last_notice: tuple[str, float] = ("", 0.0)
        # Start reading the month now, on the database thread, while Textual parses
        # the CSS and composes the screen (a district's month takes ~0.1 s to read).
        try:
            app = self.app
        except NoActiveAppError:  # made outside a running app: on_mount loads it
            app = None
        if app is not None:
            # Styled with the CSS in force when it mounts: without this, Textual's
            # first switch to the mode re-parses every stylesheet twice more (~30 ms).
            self._css_update_count = app._css_update_count
            if app.centre_id is not None:
                self._request_load(self.month)

    # -- composition ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusLine(id="scoring-header")
        yield StatusLine(id="scoring-banner")
        yield ScoreGrid(id="score-grid")
        yield StatusLine(id="scoring-detail")
        yield StatusLine(id="scoring-message")
        yield KeyBar()

    @property
    def table(self) -> ScoreGrid:
        return self.query_one("#score-grid", ScoreGrid)

    def _line(self, name: str) -> StatusLine:
        return self.query_one(f"#scoring-{name}", StatusLine)

    def on_mount(self) -> None:
        self._line("banner").display = False
        if not self._load_seq:
            self._request_load(self.month)
        elif self._loading:
            self._line("header").set(t("scoring.loading", month=self.month))
        if self._loading:
            self.table.expecting_rows()

    def on_screen_resume(self) -> None:
        # Back from another mode: the data may have changed (orgs added, an import): reload.
        # Back from a modal over this screen (ours, help, the palette): nothing changed here.
        if self._shown_once and self._left_mode and not self._loading and not self.unchanged_since_load():
            self._request_load(self.month, keep=self._current_keep())
        self._shown_once = True
        self._left_mode = False

    def on_screen_suspend(self) -> None:
        # A modal pushed over us stays in our mode's stack; another mode's screen does not.
        self._left_mode = self not in self.app.screen_stack
        if self._left_mode and self._buffer is not None:
            if not self._commit_buffer(quiet=True):
                self._discard_buffer()

    def on_resize(self, event: events.Resize) -> None:
        grid = self.grid
        if grid is None or self._loading:
            return
        from incubator_tui.widgets.score_grid import plan_layout

        if plan_layout(grid, self._table_width()) != self.table.layout_plan:
            self._refill(keep_cursor=True)

    def _table_width(self) -> int:
        width = self.size.width or self.app.size.width
        return max(width - 1, 40)  # the vertical scrollbar

    # -- the per-key path (also called directly by the benchmark) ---------------------------------
    _KEY_OPS = {
        "enter": "_op_commit_next",
        "tab": "_op_commit_next",
        "shift+tab": "_op_prev_item",
        "escape": "_op_discard",
        "backspace": "_op_backspace",
        "delete": "_op_backspace",
        "n": "_op_na",
        "f": "_op_fill",
        "g": "_op_first_row",
        "G": "_op_last_row",
    }
    _MOVES = {
        "up": (-1, 0), "k": (-1, 0), "down": (1, 0), "j": (1, 0),
        "left": (0, -1), "h": (0, -1), "right": (0, 1), "l": (0, 1),
    }

    def handle_grid_key(self, key: str, character: str | None = None) -> bool:
        """Handle one key of the grid by its default binding; True if it was a grid key.

        The keys the app binds (and users may remap) reach the same methods
        through the actions; this plain method is what the benchmark times.
        """
        if character is None:
            character = "." if key == "full_stop" else key if len(key) == 1 else None
        if character is not None and len(character) == 1:
            character = unicodedata.normalize("NFKC", character)
            if character in DIGITS:
                self._op_type(character)
                return True
        op = self._KEY_OPS.get(key)
        if op is not None:
            getattr(self, op)()
            return True
        move = self._MOVES.get(key)
        if move is not None:
            self._op_move(*move)
            return True
        return False

    def on_key(self, event: events.Key) -> None:
        # ASCII digits and '.' are bindings; this catches full-width ones (an IME left in 全角).
        char = event.character
        if char and len(char) == 1 and not char.isascii() and unicodedata.normalize("NFKC", char) in DIGITS:
            event.stop()
            event.prevent_default()
            self._op_type(unicodedata.normalize("NFKC", char))

    # -- actions (the bindings) -------------------------------------------------------------------
    def action_type(self, char: str) -> None:
        self._op_type(char)

    def action_commit_next(self) -> None:
        self._op_commit_next()

    def action_prev_item(self) -> None:
        self._op_prev_item()

    def action_discard(self) -> None:
        self._op_discard()

    def action_clear(self) -> None:
        self._op_backspace()

    def action_na(self) -> None:
        self._op_na()

    def action_fill(self) -> None:
        self._op_fill()

    def action_move(self, rows: int, items: int) -> None:
        self._op_move(rows, items)

    def action_first_row(self) -> None:
        self._op_first_row()

    def action_last_row(self) -> None:
        self._op_last_row()

    def action_page(self, direction: int) -> None:
        if not self._commit_buffer():
            return
        step = max(self.table.size.height - self.table.header_height - 1, 1)
        self._op_move(direction * step, 0)

    def action_month(self, delta: int) -> None:
        if not self._commit_buffer():
            return
        keep = self._keep if self._loading else self._current_keep()
        self._request_load(add_months(self.month, delta), keep=keep)

    def action_reason(self) -> None:
        grid, here = self._writable_here()
        if grid is None or not self._commit_buffer():
            return
        r, i = here
        row, item = grid.rows[r], grid.items[i]
        cell = row.cells.get(item.id) or _EMPTY
        from incubator_tui.screens.scoring_modals import ReasonModal

        def done(reason: str | None) -> None:
            if reason is None or self.grid is not grid:
                return
            current = row.cells.get(item.id) or _EMPTY
            self._set_cells(r, {item.id: Cell(current.value_cent, current.na, reason)}, reason_only=True)
            self._render_detail()

        self._push(
            ReasonModal(
                t("scoring.reason.title"),
                t("scoring.reason.subject", name=row.name, item=item_label(item), value=self._cell_shown(cell)),
                initial=cell.reason,
                placeholder=t("scoring.reason.placeholder"),
            ),
            done,
        )

    def action_exempt(self) -> None:
        grid = self.grid
        if grid is None or self._loading or not grid.rows:
            self._refuse(t("scoring.busy") if self._loading else t("scoring.no_rows"))
            return
        if not self._commit_buffer():
            return
        if grid.closed:
            self._refuse(t("scoring.readonly_closed", month=grid.month))
            return
        if grid.paused:
            self._refuse(t("scoring.readonly_paused", month=grid.month))
            return
        r, _i = self._pos()
        row = grid.rows[r]
        from incubator_tui.screens.scoring_modals import ConfirmModal, ReasonModal

        if row.exempt is None:
            def done(reason: str | None) -> None:
                if reason and self.grid is grid:
                    self._enqueue(OpJob("exempt", grid.centre_id, grid.month, row.org_id, row.name, reason))

            self._push(
                ReasonModal(
                    t("scoring.exempt.title"), t("scoring.exempt.subject", name=row.name, month=grid.month),
                    placeholder=t("scoring.exempt.placeholder"), required=True,
                ),
                done,
            )
        else:
            def lift(yes: bool | None) -> None:
                if yes and self.grid is grid:
                    self._enqueue(OpJob("lift", grid.centre_id, grid.month, row.org_id, row.name))

            self._push(
                ConfirmModal(
                    t("scoring.lift.title"),
                    [t("scoring.lift.body", name=row.name, month=grid.month, reason=row.exempt)],
                    confirm_label=t("scoring.button.lift"),
                ),
                lift,
            )

    def _month_action_grid(self) -> Grid | None:
        """The loaded grid, once what is being typed is committed; None (said why) otherwise."""
        grid = self.grid
        if grid is None or self._loading:
            self._refuse(t("scoring.busy"))
            return None
        if not self._commit_buffer():
            return None
        return grid

    def action_close(self) -> None:
        grid = self._month_action_grid()
        if grid is None:
            return
        from incubator_tui.screens.scoring_modals import ConfirmModal, ReasonModal

        if grid.closed:
            def reopen(reason: str | None) -> None:
                if reason and self.grid is grid:
                    self._enqueue(OpJob("reopen", grid.centre_id, grid.month, reason=reason))

            self._push(
                ReasonModal(
                    t("scoring.reopen.title", month=grid.month), self.centre_name,
                    placeholder=t("scoring.reopen.placeholder"), required=True,
                ),
                reopen,
            )
            return
        incomplete = [] if grid.paused else grid.incomplete_rows()
        if not incomplete:
            self._enqueue(OpJob("close", grid.centre_id, grid.month))
            return
        shown = 12
        lines = [t("scoring.close.incomplete", count=len(incomplete))]
        lines += [f"  {row.name}" for row in incomplete[:shown]]
        if len(incomplete) > shown:
            lines.append(t("scoring.close.more", count=len(incomplete)))
        lines += ["", t("scoring.close.note")]

        def close(yes: bool | None) -> None:
            if yes and self.grid is grid:
                self._enqueue(OpJob("close", grid.centre_id, grid.month))

        self._push(
            ConfirmModal(t("scoring.close.title", month=grid.month), lines, confirm_label=t("scoring.button.close")),
            close,
        )

    def action_pause(self) -> None:
        grid = self._month_action_grid()
        if grid is None:
            return
        if grid.closed:
            self._refuse(t("scoring.readonly_closed", month=grid.month))
            return
        if grid.paused:
            self._enqueue(OpJob("resume", grid.centre_id, grid.month))
            return
        if any(not c.blank for row in grid.rows for c in row.cells.values()):
            self._refuse(t("scoring.pause_has_scores", month=grid.month))
            return
        self._enqueue(OpJob("pause", grid.centre_id, grid.month))

    def _push(self, modal, callback) -> None:
        self.app.push_screen(modal, callback)

    # -- editing operations ---------------------------------------------------------------------
    def _pos(self) -> tuple[int, int]:
        coord = self.table.cursor_coordinate
        n = len(self.grid.items) if self.grid else 0
        return coord.row, min(max(coord.column - 1, 0), max(n - 1, 0))

    def _refusal(self, row: GridRow) -> str | None:
        grid = self.grid
        if grid is None or self._loading:
            return t("scoring.busy")
        if grid.closed:
            return t("scoring.readonly_closed", month=grid.month)
        if grid.paused:
            return t("scoring.readonly_paused", month=grid.month)
        if row.exempt is not None:
            return t("scoring.readonly_exempt", name=row.name, month=grid.month)
        return None

    def _writable_here(self) -> tuple[Grid | None, tuple[int, int]]:
        """The grid and cursor if the current cell may be changed, else (None, ...) with a message."""
        grid = self.grid
        if grid is None or self._loading or not grid.rows or not grid.items:
            self._refuse(t("scoring.busy") if self._loading or grid is None else t("scoring.no_rows"))
            return None, (0, 0)
        r, i = self._pos()
        msg = self._refusal(grid.rows[r])
        if msg:
            self._refuse(msg)
            return None, (r, i)
        return grid, (r, i)

    def _op_type(self, ch: str) -> None:
        if self._buffer is None:
            grid, here = self._writable_here()
            if grid is None:
                return
            self._buffer = ""
            self._edit_at = here
        if len(self._buffer) >= MAX_TYPED:
            return
        self._buffer += ch
        self._show_typing()

    def _show_typing(self) -> None:
        grid = self.grid
        r, i = self._edit_at
        row, item = grid.rows[r], grid.items[i]
        try:
            value = parse_score(self._buffer, item.max_cent, grid.step_cent)
            valid = True
        except DomainError:
            value, valid = None, False
        table = self.table
        table.set_item(r, i, table.editing_text(self._buffer, valid))
        if valid and value is not None:
            result = month_result(
                (it.max_cent, value if it.id == item.id else (NA if c.na else c.value_cent))
                for it in grid.items
                for c in (row.cells.get(it.id) or _EMPTY,)
            )
        else:
            result = grid.result(row)
        table.set_summary(r, row, grid, result)
        self._render_detail()

    def _commit_buffer(self, quiet: bool = False) -> bool:
        """Commit the text being typed (if any); False, with a message, if it is refused."""
        if self._buffer is None:
            return True
        grid = self.grid
        r, i = self._edit_at
        row, item = grid.rows[r], grid.items[i]
        try:
            value = parse_score(self._buffer, item.max_cent, grid.step_cent)
        except DomainError as err:
            if not quiet:
                self._refuse(t("scoring.refused", name=row.name, item=item_label(item), error=str(err)))
            return False
        self._buffer = None
        self._edit_at = None
        old = row.cells.get(item.id) or _EMPTY
        if value is None:
            new = old
        elif value is NA:
            new = Cell(None, True, old.reason)
        else:
            new = Cell(value, False, old.reason)
        self._set_cells(r, {item.id: new})
        self._clear_message()
        return True

    def _discard_buffer(self) -> None:
        if self._buffer is None:
            return
        r, i = self._edit_at
        self._buffer = None
        self._edit_at = None
        grid = self.grid
        row = grid.rows[r]
        self.table.set_item(r, i, self.table.value_text(row.cells.get(grid.items[i].id), row, grid))
        self.table.set_summary(r, row, grid)

    def _op_commit_next(self) -> None:
        if self.grid is None or not self.grid.rows:
            return
        at = self._edit_at
        if not self._commit_buffer():
            return
        r, i = at if at is not None else self._pos()
        self._go_next(r, i)

    def _go_next(self, r: int, i: int) -> None:
        """The next item; after the last one, the first item of the next org that takes scores."""
        grid = self.grid
        if i + 1 < len(grid.items):
            self._move_to(r, i + 1)
            return
        nxt = self._next_scored_row(r)
        if nxt is not None:
            self._move_to(nxt, 0)
        else:
            self._move_to(r, i)

    def _next_scored_row(self, r: int) -> int | None:
        rows = self.grid.rows
        for n in range(r + 1, len(rows)):
            if rows[n].exempt is None:  # exempt orgs take no score: passed over
                return n
        return None

    def _op_prev_item(self) -> None:
        if self.grid is None or not self.grid.rows or not self._commit_buffer():
            return
        r, i = self._pos()
        if i > 0:
            self._move_to(r, i - 1)
        elif r > 0:
            self._move_to(r - 1, len(self.grid.items) - 1)

    def _op_discard(self) -> None:
        if self._buffer is not None:
            self._discard_buffer()
            self._render_detail()
        self._clear_message()

    def _op_backspace(self) -> None:
        if self._buffer is not None:
            self._buffer = self._buffer[:-1]
            if self._buffer:
                self._show_typing()
            else:
                self._discard_buffer()
                self._render_detail()
            return
        grid, (r, i) = self._writable_here()
        if grid is None:
            return
        item = grid.items[i]
        old = grid.rows[r].cells.get(item.id) or _EMPTY
        if old.value_cent is not None or old.na:
            self._set_cells(r, {item.id: Cell(None, False, old.reason)})
            self._render_detail()

    def _op_na(self) -> None:
        if self._buffer is not None:
            self._discard_buffer()
        grid, (r, i) = self._writable_here()
        if grid is None:
            return
        item = grid.items[i]
        old = grid.rows[r].cells.get(item.id) or _EMPTY
        self._set_cells(r, {item.id: Cell(None, True, old.reason)})
        self._clear_message()
        self._go_next(r, i)

    def _op_fill(self) -> None:
        grid, (r, i) = self._writable_here()
        if grid is None or not self._commit_buffer():
            return
        row = grid.rows[r]
        values = {
            it.id: Cell(it.max_cent, False, (row.cells.get(it.id) or _EMPTY).reason)
            for it in grid.items
            if (row.cells.get(it.id) or _EMPTY).blank
        }
        if values:
            self._set_cells(r, values)
        self._clear_message()
        nxt = self._next_scored_row(r)
        if nxt is not None:
            self._move_to(nxt, 0)
        else:
            self._render_detail()

    def _op_move(self, rows: int, items: int) -> None:
        grid = self.grid
        if grid is None or not grid.rows or not self._commit_buffer():
            return
        r, i = self._pos()
        r = min(max(r + rows, 0), len(grid.rows) - 1)
        i = min(max(i + items, 0), len(grid.items) - 1)
        self._move_to(r, i)

    def _op_first_row(self) -> None:
        if self.grid is None or not self.grid.rows or not self._commit_buffer():
            return
        self._move_to(0, self._pos()[1])

    def _op_last_row(self) -> None:
        if self.grid is None or not self.grid.rows or not self._commit_buffer():
            return
        self._move_to(len(self.grid.rows) - 1, self._pos()[1])

    def _move_to(self, r: int, i: int) -> None:
        self.table.move_cursor(row=r, column=1 + i, animate=False)
        self._render_detail()

    def _set_cells(self, r: int, values: dict[str, Cell], reason_only: bool = False) -> None:
        """Change cells of row ``r`` in the grid at once, repaint them, queue the save."""
        grid = self.grid
        row = grid.rows[r]
        table = self.table
        changed: dict[str, Cell] = {}
        gens: dict[str, int] = {}
        for item_id, new in values.items():
            old = row.cells.get(item_id) or _EMPTY
            if (old.value_cent, old.na, old.reason) != (new.value_cent, new.na, new.reason):
                key = (row.org_id, grid.month, item_id)
                self._confirmed.setdefault(key, replace(old))
                gens[item_id] = self._gen[key] = self._gen.get(key, 0) + 1
                row.cells[item_id] = new
                changed[item_id] = replace(new)
            table.set_item(r, self._item_index[item_id], table.value_text(row.cells.get(item_id), row, grid))
        table.set_summary(r, row, grid)
        if changed:
            self._recount(r)
            self._render_header()
            self._enqueue(SaveJob(grid.centre_id, row.org_id, row.name, grid.month, changed, gens, reason_only))

    def _recount(self, r: int) -> None:
        """Row ``r`` changed: move it to its new place in the progress counts."""
        new = _row_progress(self.grid, self.grid.rows[r])
        old = self._progress[r]
        if new != old:
            self._progress[r] = new
            self._progress_counts[old] -= 1
            self._progress_counts[new] += 1

    # -- the database queue -----------------------------------------------------------------------
    def _enqueue(self, job: Any) -> None:
        start = False
        with self._jobs_lock:
            self._jobs.append(job)
            if not self._draining:
                self._draining = start = True
        if start:
            self._drain(self.app.db, self.app.operator)

    @work(thread=True, group="save", exclusive=False, exit_on_error=False, name="scoring-db")
    def _drain(self, db, operator: str) -> None:
        """Run the queued jobs one after another, in order, then stop (one drainer at a time)."""
        while True:
            with self._jobs_lock:
                if not self._jobs:
                    self._draining = False
                    return
                job = self._jobs.popleft()
            self.post_message(_run_job(db, operator, job))

    def on_scoring_screen_job_done(self, message: JobDone) -> None:
        job = message.job
        if isinstance(job, LoadJob):
            self._load_done(job, message)
        elif isinstance(job, SaveJob):
            self._save_done(job, message)
        else:
            self._op_done(job, message)

    def _request_load(self, month: str, keep: tuple | None = None) -> None:
        # Taken before the read is queued: older than the data read, so a change made
        # meanwhile is never missed (at worst one reload too many).
        self.data_stamp = self.iapp.change_stamp()
        centre_id = self.app.centre_id
        self.month = month
        if centre_id is None:
            self._show_banner(t("scoring.banner.no_centre"), "-closed")
            return
        if self._buffer is not None:
            self._discard_buffer()
        self._load_seq += 1
        self._loading = True
        if keep is not None:
            self._keep = keep
        if self.is_mounted:  # else on_mount says so
            self._line("header").set(t("scoring.loading", month=month))
        self._enqueue(LoadJob(centre_id, month, self._load_seq))

    def _current_keep(self) -> tuple:
        grid = self.grid
        if grid is None or not grid.rows:
            return self._keep
        r, i = self._pos()
        row = grid.rows[r]
        return (row.org_id, row.pinyin, grid.items[i].code if grid.items else None, r, i)

    def _load_done(self, job: LoadJob, message: JobDone) -> None:
        if job.seq != self._load_seq:
            return  # a later load is on its way
        self._loading = False
        if message.error:
            self.table.expecting_rows(False)
            if self.grid is not None:  # stay on the month shown
                self.month = self.grid.month
                self._render_header()
            self._refuse(t("scoring.action_failed", error=message.error))
            return
        grid, centre_name, progress = message.result
        self.grid = grid
        self._progress = progress
        counts = [0, 0, 0, 0]
        for state in progress:
            counts[state] += 1
        self._progress_counts = counts
        self.month = grid.month
        self.centre_name = centre_name
        self._gen.clear()
        self._confirmed.clear()
        self._buffer = None
        self._edit_at = None
        org_id, pinyin, code, r0, i0 = self._keep
        self._refill(keep_cursor=False)
        r = self._row_index.get(org_id) if org_id else None
        if r is None:
            if pinyin is not None and grid.rows:
                keys = [row.pinyin for row in grid.rows]
                r = min(bisect_left(keys, pinyin), len(grid.rows) - 1)
            else:
                r = min(r0, max(len(grid.rows) - 1, 0))
        codes = [it.code for it in grid.items]
        i = codes.index(code) if code in codes else min(i0, max(len(grid.items) - 1, 0))
        if grid.rows:
            self._move_to(r, i)
        else:
            self._render_detail()

    def _refill(self, keep_cursor: bool) -> None:
        """Fill the table from the grid (a load, a resize, pausing): clear() + add_rows."""
        grid = self.grid
        table = self.table
        here = self._pos() if keep_cursor and grid.rows else None
        self._row_index = {row.org_id: n for n, row in enumerate(grid.rows)}
        self._item_index = {it.id: n for n, it in enumerate(grid.items)}
        table.show(grid, self._table_width())
        self._render_header()
        self._render_banner()
        if here is not None:
            self._move_to(*here)

    def _save_done(self, job: SaveJob, message: JobDone) -> None:
        grid = self.grid
        if message.error:
            names = []
            if grid is not None and grid.month == job.month and job.org_id in self._row_index:
                r = self._row_index[job.org_id]
                row = grid.rows[r]
                for item_id in job.values:
                    key = (job.org_id, job.month, item_id)
                    names.append(item_label(grid.items[self._item_index[item_id]]))
                    if self._gen.get(key) == job.gens[item_id]:  # no newer edit of this cell is pending
                        row.cells[item_id] = self._confirmed.get(key, _EMPTY)
                        if self._edit_at != (r, self._item_index[item_id]):
                            self.table.set_item(
                                r, self._item_index[item_id], self.table.value_text(row.cells[item_id], row, grid)
                            )
                self.table.set_summary(r, row, grid)
                self._recount(r)
                self._render_header()
                self._render_detail()
            self._refuse(
                t("scoring.save_failed", name=job.org_name, item="、".join(names) or job.month, error=message.error)
            )
            return
        for item_id, cell in job.values.items():
            self._confirmed[(job.org_id, job.month, item_id)] = cell
        for case in message.result or ():
            self._case_opened(job.org_id, job.org_name, job.month, case)

    def _case_opened(self, org_id: str, name: str, month: str, case: OpenedCase) -> None:
        grid = self.grid
        threshold = grid.threshold_of(month) if grid is not None else 6
        shown = format_total(threshold, 1).removesuffix(".0")
        text = t("scoring.case_opened", name=name, count=len(case.months), threshold=shown)
        self._say(text, "warning", timeout=12)
        if grid is not None and grid.month == month and org_id in self._row_index:
            r = self._row_index[org_id]
            row = grid.rows[r]
            row.has_open_case = True
            self.table.set_row(r, row, grid)
            if self._edit_at is not None and self._edit_at[0] == r:
                self._show_typing()

    def _op_done(self, job: OpJob, message: JobDone) -> None:
        if message.error:
            self._refuse(t("scoring.action_failed", error=message.error))
            return
        grid = self.grid
        same = grid is not None and grid.month == job.month
        if job.kind in ("exempt", "lift"):
            if same and job.org_id in self._row_index:
                r = self._row_index[job.org_id]
                row = grid.rows[r]
                row.exempt = job.reason if job.kind == "exempt" else None
                self.table.set_row(r, row, grid)
                self._recount(r)
                self._render_header()
                self._render_detail()
            key = "scoring.exempt_done" if job.kind == "exempt" else "scoring.exempt_lifted"
            self._say(t(key, name=job.org_name, month=job.month), "information")
            for case in message.result or ():
                self._case_opened(job.org_id, job.org_name, job.month, case)
            return
        if same:
            if job.kind in ("close", "reopen"):
                grid.closed = job.kind == "close"
                self._render_header()
                self._render_banner()
                self._render_detail()
            else:
                grid.paused = job.kind == "pause"
                self._refill(keep_cursor=True)
        key = {
            "close": "scoring.closed_done", "reopen": "scoring.reopened",
            "pause": "scoring.paused_on", "resume": "scoring.paused_off",
        }[job.kind]
        self._say(t(key, month=job.month), "information")

    # -- header, banner, detail and messages --------------------------------------------------------
    def _render_header(self) -> None:
        grid = self.grid
        if grid is None:
            return
        done, partial, empty, exempt = self._progress_counts  # as grid.progress(), kept row by row
        state = "closed" if grid.closed else "paused" if grid.paused else "open"
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(t("scoring.title", month=grid.month), style="bold")
        text.append(" · ")
        text.append(t(f"scoring.state.{state}"), style="bold" if state != "open" else "")
        if not grid.paused:  # nobody is scored in a paused month: no progress to show
            text.append(" · " + t("scoring.progress", done=done, partial=partial, empty=empty))
        if exempt:
            text.append(t("scoring.progress_exempt", exempt=exempt))
        if self.centre_name:  # last: the first thing to go on a narrow terminal
            text.append(f" · {self.centre_name}")
        self._line("header").set(text)

    def _render_banner(self) -> None:
        grid = self.grid
        if grid.closed:
            self._show_banner(t("scoring.banner.closed", month=grid.month), "-closed")
        elif grid.paused:
            self._show_banner(t("scoring.banner.paused", month=grid.month), "-paused")
        elif not grid.rows:
            self._show_banner(t("scoring.banner.no_orgs", month=grid.month), "-info")
        else:
            self._show_banner("", "")

    def _show_banner(self, text: str, cls: str) -> None:
        banner = self._line("banner")
        banner.set_classes(cls)
        banner.set(text)
        banner.display = bool(text)

    def _cell_shown(self, cell: Cell) -> str:
        if cell.na:
            return t("scoring.na_short")
        if cell.value_cent is None:
            return t("scoring.detail.blank")
        return cents_to_text(cell.value_cent)

    def _render_detail(self) -> None:
        grid = self.grid
        line = self._line("detail")
        if grid is None or not grid.rows or not grid.items:
            line.set("")
            return
        if self._buffer is not None:
            line.set(t("scoring.detail.typing", text=self._buffer))
            return
        r, i = self._pos()
        row, item = grid.rows[r], grid.items[i]
        parts = [t("scoring.detail", name=row.name, item=item_label(item), max=cents_to_text(item.max_cent))]
        if row.exempt is not None:
            parts.append(t("scoring.detail.exempt", reason=row.exempt))
        else:
            cell = row.cells.get(item.id) or _EMPTY
            parts.append(t("scoring.detail.value", value=self._cell_shown(cell)))
            if cell.reason:
                parts.append(t("scoring.detail.reason", reason=cell.reason))
        line.set(" · ".join(parts))

    def _say(self, text: str, severity: str = "information", timeout: float | None = None) -> None:
        line = self._line("message")
        line.set_classes(f"-{severity}")
        line.set(text)
        last_text, last_at = self._last_notice
        now = time.monotonic()
        if text != last_text or now - last_at > 2:
            self.app.notify(text, severity=severity, timeout=timeout or (6 if severity == "error" else 4),
                            markup=False)
        self._last_notice = (text, now)

    def _refuse(self, text: str) -> None:
        self._say(text, "error")

    def _clear_message(self) -> None:
        self._line("message").set("")

    # -- mouse ----------------------------------------------------------------------------------------
    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        grid = self.grid
        if grid is None or not grid.items or not grid.rows:
            return
        # The event may be stale (clear() posts one for (0, 0)): trust the cursor as it is now.
        row, col = self.table.cursor_coordinate
        if self._edit_at is not None and self._edit_at != (row, col - 1):
            # moved by the mouse while typing: keep a valid value, drop an invalid one
            if not self._commit_buffer(quiet=True):
                self._discard_buffer()
        if not 1 <= col <= len(grid.items):
            self._move_to(row, min(max(col - 1, 0), len(grid.items) - 1))
        else:
            self._render_detail()

    # -- for tests and the benchmark -----------------------------------------------------------------
    def cell_text(self, org_id: str, item_code: str) -> str:
        """What the grid shows in one item cell."""
        r = self._row_index[org_id]
        i = next(n for n, it in enumerate(self.grid.items) if it.code == item_code)
        return self.table.get_cell_at(Coordinate(r, 1 + i)).plain

    def summary_text(self, org_id: str) -> tuple[str, str]:
        """(total, streak) as shown for one organisation."""
        r = self._row_index[org_id]
        n = len(self.grid.items)
        table = self.table
        return table.get_cell_at(Coordinate(r, 1 + n)).plain, table.get_cell_at(Coordinate(r, 2 + n)).plain


# -- the worker side (no Textual, no self) ---------------------------------------------------------
def _run_job(db, operator: str, job: Any) -> ScoringScreen.JobDone:
    from incubator_tui.errors import UserError

    try:
        result = _execute(db, operator, job)
    except (UserError, DomainError) as err:
        return ScoringScreen.JobDone(job, error=str(err))
    except Exception as err:  # noqa: BLE001 - reported to the user; the save is undone in the grid
        return ScoringScreen.JobDone(job, error=str(err) or type(err).__name__)
    return ScoringScreen.JobDone(job, result)


def _execute(db, operator: str, job: Any) -> Any:
    from incubator_tui.services import scoring

    if isinstance(job, LoadJob):
        with paused():  # see collector.paused: tens of thousands of objects live on in the Grid
            with db.reading() as s:  # SQL text only
                grid = scoring.load_grid(s, job.centre_id, job.month)
            # Counted here, off the UI thread (thousands of rows); then kept row by row.
            progress = [_row_progress(grid, row) for row in grid.rows]
            name_cells(grid)  # measured here too, for the column plan
        return grid, grid.centre_name, progress
    if isinstance(job, SaveJob):
        with db.session() as s:
            res = scoring.save_cells(
                s, job.centre_id, job.org_id, job.month, job.values, operator, reason_only=job.reason_only
            )
            return [OpenedCase(c.org_id, list(c.months or [])) for c in res.opened_cases]
    with db.session() as s:
        if job.kind == "exempt":
            scoring.set_exempt(s, job.centre_id, job.org_id, job.month, job.reason, operator)
        elif job.kind == "lift":
            from incubator_tui.services.cases import open_case_org_ids

            before = open_case_org_ids(s, [job.org_id])
            scoring.lift_exempt(s, job.centre_id, job.org_id, job.month, operator)
            if job.org_id not in before and open_case_org_ids(s, [job.org_id]):
                return [_latest_case(s, job.org_id)]
        elif job.kind == "close":
            scoring.close_month(s, job.centre_id, job.month, operator)
        elif job.kind == "reopen":
            scoring.reopen_month(s, job.centre_id, job.month, job.reason, operator)
        elif job.kind in ("pause", "resume"):
            scoring.set_paused(s, job.centre_id, job.month, job.kind == "pause", operator)
    return None


def _row_progress(grid: Grid, row: GridRow) -> int:
    """0 complete, 1 begun, 2 not started, 3 exempt: the row's part of ``Grid.progress``."""
    if row.exempt is not None:
        return 3
    if not row.cells:  # nothing entered (most rows early in a month): no result to work out
        return 2
    res = grid.result(row)
    return 0 if res.complete else 1 if res.scored or res.na else 2


def _latest_case(session, org_id: str) -> OpenedCase:
    from sqlalchemy import select

    from incubator_tui.models import OrgCase

    case = session.execute(
        select(OrgCase).where(OrgCase.org_id == org_id).order_by(OrgCase.opened_at.desc())
    ).scalars().first()
    return OpenedCase(org_id, list(case.months or []) if case else [])
