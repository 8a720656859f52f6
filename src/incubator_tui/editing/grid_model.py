"""The scoring grid's editing model: one month's grid as the user edits it, without a terminal.

It holds what is typed (the buffer and the cell it goes into), what is
committed (the grid's cells, changed at once: saves are optimistic), what is
refused and why (the message of each refused operation), what is waiting to
be saved (each edit carries a generation; a save's result is matched to it)
and what failed (:class:`FailedSaves`, kept across months and reloads until
saved).  Every operation returns an :class:`Outcome`: the saves to queue and
the message to show.  The screen forwards keys here and draws what the model
says: :meth:`GridModel.row_view` for a row, :meth:`GridModel.detail` for the
line under the grid; :attr:`GridModel.versions` and :attr:`GridModel.epoch`
tell the widget which drawn rows are out of date.

Two kinds of failed save (DOMAIN 3, issue 7.4):

- *refused by the rules* (the month closed meanwhile, the org exempt...): a
  retry cannot mend it, so the last value known to be saved comes back, and
  the message says why;
- *anything else* (the database busy past its timeout, the disk full...): the
  value stays, marked "not saved", and :meth:`GridModel.retry` saves it again
  without retyping.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from incubator_tui.editing.cell_typing import CellTyping, Notice, Outcome, Shown, refused
from incubator_tui.editing.cell_typing import error_text  # noqa: F401 - re-exported (shared with the review)
from incubator_tui.editing.failed_writes import FailedWrites, is_retryable  # noqa: F401 - re-exported
from incubator_tui.editing.grid_jobs import OpJob, SaveJob
from incubator_tui.editing.grid_layout import EDIT_MARK, item_label
from incubator_tui.i18n import t
from incubator_tui.rules.errors import DomainError
from incubator_tui.rules.scoring import NA, MonthResult, cents_to_text, format_total, month_result, parse_score
from incubator_tui.rules.org_search import SearchKey, matches, search_key
from incubator_tui.rules.streaks import MonthKind, MonthState, Streak, streak_as_of
from incubator_tui.services.scoring import Cell, Grid, GridRow, LastMonth

if TYPE_CHECKING:
    from incubator_tui.editing.grid_jobs import LoadedRest

REASON_MARK = "*"  # shown after a value that carries a reason for lost points
FAILED_MARK = "!"  # shown after a value whose save failed
PROVISIONAL_MARK = "~"  # before the total of a month half entered (some items blank)
READING_MARK = "…"  # in the cells of a row not read yet (never blank: blank means "not scored")
UNREAD_MARK = "?"  # instead, once the read of the rest failed: not being read, not known
FIRST_PAGE_MAX = 100  # rows read first on each side of the cursor, at most (the history reads ids by the 200)
EMPTY = Cell()
# Edit generations, unique across every model of the process: a save's result
# is matched to the edit it carries, even after the month was reloaded.
_generations = itertools.count(1)


def row_progress(grid: Grid, row: GridRow) -> int:
    """0 complete, 1 begun, 2 not started, 3 exempt: the row's part of ``Grid.progress``
    (2 for a row not read yet: it is counted once read, see :meth:`GridModel.fill_rest`)."""
    return progress_of(grid, row.exempt, row.cells)


def progress_of(grid: Grid, exempt: str | None, cells: dict[str, Cell]) -> int:
    """:func:`row_progress` of a row exempt for ``exempt`` (None: not) holding ``cells``."""
    if exempt is not None:
        return 3
    if not cells:  # nothing entered (most rows early in a month): no result to work out
        return 2
    res = grid.result_of(cells)
    return 0 if res.complete else 1 if res.scored or res.na else 2


def place_row(grid: Grid, keep: tuple | None) -> tuple[int, int]:
    """(row, item) where the cursor goes for ``keep`` (a :meth:`GridModel.position`, maybe of
    another month; None: the top): the same org and item, else the org next in pinyin order,
    else the same row."""
    from bisect import bisect_left

    if keep is None:
        return 0, 0
    org_id, pinyin, code, r0, i0 = keep
    r = next((n for n, row in enumerate(grid.rows) if row.org_id == org_id), None) if org_id else None
    if r is None:
        if pinyin is not None and grid.rows:
            r = min(bisect_left([row.pinyin for row in grid.rows], pinyin), len(grid.rows) - 1)
        else:
            r = min(r0, max(len(grid.rows) - 1, 0))
    codes = [it.code for it in grid.items]
    i = codes.index(code) if code in codes else min(i0, max(len(grid.items) - 1, 0))
    return r, i


def first_rows(grid: Grid, keep: tuple | None, page: int) -> range:
    """The rows read first: within ``page`` rows (a screen's height) of where the cursor goes,
    so that every row on screen is among them wherever the grid is scrolled to show the cursor."""
    page = max(1, min(page, FIRST_PAGE_MAX))
    r, _i = place_row(grid, keep)
    return range(max(r - page, 0), min(r + page, len(grid.rows)))


# -- what the model hands the screen -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RowView:
    name: str
    items: tuple[Shown, ...]
    total: Shown
    streak: Shown
    note: Shown


# -- failed saves ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FailedSave:
    centre_id: str
    org_id: str
    org_name: str
    month: str
    item_id: str
    cell: Cell  # the value the user gave, not in the database
    error: str


class FailedSaves(FailedWrites[FailedSave]):
    """Cells whose save failed for a reason a retry may mend, by (org, month, item), oldest first.

    One per screen, handed from model to model: a month left and come back to
    still shows its unsaved cells, and a retry saves those of every month.
    """

    def __init__(self) -> None:
        super().__init__(lambda f: (f.org_id, f.month, f.item_id))

    def in_month(self, month: str) -> list[FailedSave]:
        return self.where(lambda f: f.month == month)


def _group_saves(failed: Iterable[FailedSave]) -> list[tuple[FailedSave, dict[str, Cell]]]:
    """Failed cells grouped by org-month (one save each), in the order they failed."""
    groups: dict[tuple[str, str], tuple[FailedSave, dict[str, Cell]]] = {}
    for f in failed:
        groups.setdefault((f.org_id, f.month), (f, {}))[1][f.item_id] = f.cell
    return list(groups.values())


# -- undo and redo ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One committed change of one org's cells (a value typed, ``n``, ``f``, ``R``...): what each
    cell was before and after.  Undoing saves ``before`` again; redoing saves ``after``."""

    org_id: str
    org_name: str
    before: dict[str, Cell]  # item id -> the cell before the change
    after: dict[str, Cell]  # item id -> the cell after it


class EditHistory:
    """The committed changes of one month, newest last, to undo and redo (``ctrl+z``/``u``,
    ``ctrl+y``).  One per month, kept by the screen across reloads and month changes."""

    LIMIT = 1000

    def __init__(self) -> None:
        self.undo: list[Step] = []
        self.redo: list[Step] = []

    def record(self, step: Step) -> None:
        self.undo.append(step)
        del self.undo[:-self.LIMIT]
        self.redo.clear()  # a new change forgets what was undone


# -- the model --------------------------------------------------------------------------------------------
class GridModel(CellTyping):
    """One month's grid being edited.  ``current_month`` (in the centre's time zone) makes
    later months read-only; ``failed`` carries the unsaved cells over from the last model."""

    def __init__(self, grid: Grid, *, current_month: str, failed: FailedSaves | None = None,
                 progress: list[int] | None = None, history: EditHistory | None = None,
                 last: LastMonth | None = None) -> None:
        self.grid = grid
        self.history = history if history is not None else EditHistory()
        self.last = last  # last month's cells (``"``, ``R``); None until read
        self._keys: list[SearchKey] | None = None  # the rows' search keys, made at the first search
        self.current_month = current_month
        self.future = grid.month > current_month
        self.failed = failed if failed is not None else FailedSaves()
        self.busy = False  # a new month is being read: nothing can change meanwhile
        self.retry_key = "ctrl+r"  # as the screen binds it (users may remap it)
        self.row = 0
        self.item = 0
        self.buffer: str | None = None  # the text being typed, if any
        self.edit_at: tuple[int, int] | None = None  # (row, item) it is typed into
        self.row_of = {row.org_id: n for n, row in enumerate(grid.rows)}
        self.item_of = {it.id: n for n, it in enumerate(grid.items)}
        self._gen: dict[tuple[str, str], int] = {}  # (org, item) -> generation of its latest edit
        self._confirmed: dict[tuple[str, str], Cell] = {}  # last value known to be in the database
        self.waiting: dict[tuple[str, str], int] = {}  # (org, item) -> generation being saved
        # Drawing: a row's version changes with what it shows; the epoch with every row.
        self.versions = [0] * len(grid.rows)
        self.epoch = 0
        self.dirty: set[int] = set()
        self.progress = progress if progress is not None else [row_progress(grid, row) for row in grid.rows]
        self.counts = [0, 0, 0, 0]
        for state in self.progress:
            self.counts[state] += 1
        # Rows whose cells are not read yet (the rest of the month, after its first screenful).
        self.unread = sum(1 for row in grid.rows if not row.cells_read)
        # The read of those rows failed: they stay unread (keys needing them are refused, not
        # held) until the month is read again (a new model).
        self.rest_failed = False
        self._show_failed(range(len(grid.rows)))

    def _show_failed(self, rows: range | set[int]) -> None:
        """This month's unsaved cells of ``rows`` (those read), shown again as the user left them."""
        grid = self.grid
        for f in self.failed.in_month(grid.month):
            r, i = self.row_of.get(f.org_id), self.item_of.get(f.item_id)
            if r is None or i is None or r not in rows or not grid.rows[r].cells_read:
                continue
            row = grid.rows[r]
            self._confirmed[(f.org_id, f.item_id)] = row.cells.get(f.item_id) or EMPTY
            row.cells[f.item_id] = f.cell
            self._recount(r)

    def set_last(self, last: LastMonth) -> None:
        """Last month's cells arrived (read after the month, not to delay its first paint)."""
        self.last = last

    # -- the month's first screenful, then the rest ----------------------------------------------------
    @property
    def complete(self) -> bool:
        """Every row's cells are read (False while only the first screenful is)."""
        return not self.unread

    def fill_rest(self, rest: LoadedRest) -> Outcome:
        """The cells and history of the rows not read with the first screenful arrived: put them
        in those rows (the rows read first keep theirs, typed over since or not), count them in
        the progress, show their unsaved cells, and draw every row again."""
        grid = self.grid
        filled = set()
        for r, row in enumerate(grid.rows):
            if row.cells_read:
                continue
            row.cells = rest.rows.cells.get(row.org_id, {})
            row.history = rest.rows.history.get(row.org_id, {})
            row.cells_read = True
            new = 3 if row.exempt is not None else rest.progress.get(row.org_id, 2)
            old = self.progress[r]
            if new != old:
                self.progress[r] = new
                self.counts[old] -= 1
                self.counts[new] += 1
            filled.add(r)
        self.unread = 0
        self.rest_failed = False  # a rest that came after all (its read had begun before the failure)
        self._show_failed(filled)
        self.epoch += 1  # every row shown may have changed
        return Outcome()

    def rest_lost(self) -> None:
        """The read of the rows not read yet failed: they show :data:`UNREAD_MARK`, and the keys
        that need them are refused (:meth:`rest_refusal_text`) until the month is read again."""
        if self.unread and not self.rest_failed:
            self.rest_failed = True
            self.epoch += 1  # every row not read shows it

    def rest_refusal_text(self) -> str:
        """Why a key needing rows not read cannot run now: they are being read, or could not be."""
        if self.rest_failed:
            return t("grid.rest_failed.refused", key=self.retry_key)
        return t("grid.rest_loading")

    def waits_for_rest(self, op: str, *args) -> bool:
        """Whether ``op`` needs a row not read yet (its cells, or the row above it that ``ctrl+d``
        copies, or the row of the change ``undo``/``redo`` would make): the screen then holds it,
        and every key after it, until the rest of the month is in (or refuses it, once that read
        failed: :attr:`rest_failed`).  Moving never waits: every row's org, exemption and place
        are known from the first read.  Nothing waits while another read replaces this month
        (``busy``): the operation refuses itself, as every edit does then."""
        if not self.unread or self.busy or op in ("move", "first_row", "last_row", "goto", "discard", "prev_item"):
            return False
        rows = self.grid.rows
        if op == "commit_next" or (op == "backspace" and self.buffer is not None):
            return False  # what is typed is in a row read (typing waits for its row)
        if op == "type":
            return self.buffer is None and bool(rows) and not rows[self.row].cells_read
        if op in ("undo", "redo"):
            if self.buffer is not None:
                return False  # drops the typing only
            stack = self.history.undo if op == "undo" else self.history.redo
            r = self.row_of.get(stack[-1].org_id) if stack else None
            return r is not None and not rows[r].cells_read
        if not rows:
            return False
        if not rows[self.row].cells_read:
            return True
        if op == "fill_down":
            above = next((n for n in range(self.row - 1, -1, -1) if rows[n].exempt is None), None)
            return above is not None and not rows[above].cells_read
        return False

    def needs_rest_here(self) -> bool:
        """The row under the cursor is not read yet (a dialog about its cells must wait)."""
        return bool(self.unread) and bool(self.grid.rows) and not self.grid.rows[self.row].cells_read

    # -- reading ------------------------------------------------------------------------------------
    @property
    def has_rows(self) -> bool:
        return bool(self.grid.rows) and bool(self.grid.items)

    def readonly_reason(self, r: int | None = None) -> str | None:
        """Why the month (or row ``r``) takes no score now; None if it does."""
        grid = self.grid
        if self.busy:
            return t("scoring.busy")
        if grid.closed:
            return t("scoring.readonly_closed", month=grid.month)
        if grid.paused:
            return t("scoring.readonly_paused", month=grid.month)
        if self.future:
            return t("grid.readonly_future", month=grid.month, current=self.current_month)
        if r is not None and grid.rows[r].exempt is not None:
            return t("scoring.readonly_exempt", name=grid.rows[r].name, month=grid.month)
        return None

    def failed_here(self) -> int:
        return len(self.failed.in_month(self.grid.month))

    def typed_valid(self) -> bool:
        if self.buffer is None or self.edit_at is None:
            return True
        try:
            parse_score(self.buffer, self.grid.items[self.edit_at[1]].max_cent, self.grid.step_cent)
        except DomainError:
            return False
        return True

    def value_shown(self, row: GridRow, item) -> Shown:
        grid = self.grid
        cell = row.cells.get(item.id) or EMPTY
        if (row.exempt is not None or grid.paused) and cell.blank:
            return Shown("-", "muted")
        if cell.blank:
            text, look = "", None
        elif cell.na:
            text, look = t("scoring.na_short"), "na"
        else:
            text, look = cents_to_text(cell.value_cent), None
        if row.exempt is not None or grid.paused:  # kept, not counted: shown dimmed
            return Shown(text, "muted", REASON_MARK if cell.reason else "", "muted")
        if self.failed and self.failed.get(row.org_id, grid.month, item.id) is not None:
            return Shown(text, "failed", FAILED_MARK, "failed")
        if cell.reason:
            return Shown(text, look, REASON_MARK, "muted")
        return Shown(text, look)

    def result_shown(self, r: int) -> MonthResult:
        """Row ``r``'s result, with a valid value being typed counted in."""
        grid = self.grid
        row = grid.rows[r]
        if self.edit_at is None or self.edit_at[0] != r:
            return grid.result(row)
        typed_item = grid.items[self.edit_at[1]]
        try:
            value = parse_score(self.buffer, typed_item.max_cent, grid.step_cent)
        except DomainError:
            value = None
        if value is None:
            return grid.result(row)
        return month_result(
            (it.max_cent, value if it.id == typed_item.id else (NA if c.na else c.value_cent))
            for it in grid.items
            for c in (row.cells.get(it.id) or EMPTY,)
        )

    def streak_shown(self, row: GridRow, result: MonthResult) -> Streak:
        """The row's streak as if this month were ``result`` (the value being typed included)."""
        grid = self.grid
        if row.exempt is not None or grid.paused:
            return grid.streak(row)
        if result.complete:
            state = MonthState(MonthKind.COMPLETE, result.total)
        elif result.scored or result.na:
            state = MonthState(MonthKind.INCOMPLETE)
        else:
            return streak_as_of(row.history, grid.month, row.entry_month, grid.threshold_of)
        return streak_as_of({**row.history, grid.month: state}, grid.month, row.entry_month, grid.threshold_of)

    def row_view(self, r: int) -> RowView:
        """Everything row ``r`` shows, as plain text and look names."""
        grid = self.grid
        row = grid.rows[r]
        if not row.cells_read:
            return self._unread_view(row)
        items = []
        for i, it in enumerate(grid.items):
            if self.edit_at == (r, i):
                items.append(Shown(self.buffer + EDIT_MARK, "editing" if self.typed_valid() else "invalid"))
            else:
                items.append(self.value_shown(row, it))
        result = self.result_shown(r)
        if row.exempt is not None:
            total = Shown(t("scoring.exempt_short"), "exempt")
        elif result.total is None:
            total = Shown()
        elif not result.complete:  # provisional: "~7.5" and " 缺2" (items blank), dimmed
            total = Shown(PROVISIONAL_MARK + format_total(result.total), "muted",
                          " " + t("grid.total.missing", missing=self.missing(r)), "muted")
        elif result.total < grid.threshold_of(grid.month):
            total = Shown(format_total(result.total), "low")
        else:
            total = Shown(format_total(result.total))
        streak = self.streak_shown(row, result)
        streak_text = Shown(str(streak.count), grid.level(streak)) if streak.count else Shown()
        if row.exempt is not None:
            note = Shown(t("scoring.note.exempt", reason=row.exempt), "exempt")
        elif row.has_open_case:
            note = Shown(t("scoring.note.case"), "case")
        else:
            note = Shown()
        return RowView(row.name, tuple(items), total, streak_text, note)

    def _unread_view(self, row: GridRow) -> RowView:
        """A row whose cells are not read yet: its name, its exemption and case (known), and a
        mark in every cell, total and streak, never a blank that would read as "not scored" or
        "no low months"."""
        reading = Shown(UNREAD_MARK if self.rest_failed else READING_MARK, "muted")
        if row.exempt is not None:
            total, note = Shown(t("scoring.exempt_short"), "exempt"), Shown(t("scoring.note.exempt", reason=row.exempt),
                                                                            "exempt")
        else:
            total = reading
            note = Shown(t("scoring.note.case"), "case") if row.has_open_case else Shown()
        return RowView(row.name, (reading,) * len(self.grid.items), total, reading, note)  # streak: history unread

    def missing(self, r: int) -> int:
        """Items of row ``r`` still blank (a valid value being typed counts as entered)."""
        cells = self.grid.rows[r].cells
        typed = self.edit_at[1] if self.edit_at is not None and self.edit_at[0] == r and self.typed_valid() else -1
        return sum(1 for i, it in enumerate(self.grid.items) if i != typed and (cells.get(it.id) or EMPTY).blank)

    def last_cell(self, row: GridRow, item) -> Cell | None:
        """The org's cell for ``item`` last month (see ``services.scoring.LastMonth``), if any."""
        return self.last.cell(row.org_id, item.code) if self.last is not None else None

    def cell_shown(self, cell: Cell) -> str:
        if cell.na:
            return t("scoring.na_short")
        if cell.value_cent is None:
            return t("scoring.detail.blank")
        return cents_to_text(cell.value_cent)

    def detail(self) -> str:
        """The line under the grid: the cell under the cursor, or what is being typed."""
        grid = self.grid
        if not self.has_rows:
            return ""
        if self.buffer is not None:
            return t("scoring.detail.typing", text=self.buffer)
        row, item = grid.rows[self.row], grid.items[self.item]
        parts = [t("scoring.detail", name=row.name, item=item_label(item), max=cents_to_text(item.max_cent))]
        if row.exempt is not None:
            parts.append(t("scoring.detail.exempt", reason=row.exempt))
            return " · ".join(parts)
        if not row.cells_read:
            parts.append(t("grid.detail.unread", key=self.retry_key) if self.rest_failed else t("grid.detail.reading"))
            return " · ".join(parts)
        cell = row.cells.get(item.id) or EMPTY
        parts.append(t("scoring.detail.value", value=self.cell_shown(cell)))
        failed = self.failed.get(row.org_id, grid.month, item.id) if self.failed else None
        if failed is not None:
            parts.append(t("grid.detail.failed", error=failed.error, key=self.retry_key))
        if cell.reason:
            parts.append(t("scoring.detail.reason", reason=cell.reason))
        last = self.last_cell(row, item)
        if last is not None:
            parts.append(t("grid.detail.last", month=self.last.month, value=self.cell_shown(last)))
        result = grid.result(row)
        if result.total is not None and not result.complete:
            parts.append(t("grid.detail.provisional", total=format_total(result.total), missing=self.missing(self.row)))
        return " · ".join(parts)

    def header(self, centre_name: str = "") -> list[tuple[str, bool]]:
        """The line above the grid, as (text, bold) pieces: month, state, progress, centre."""
        grid = self.grid
        done, partial, empty, exempt = self.counts
        if grid.closed or grid.paused:
            state = t("scoring.state.closed") if grid.closed else t("scoring.state.paused")
        else:
            state = t("grid.state.future") if self.future else t("scoring.state.open")
        out = [(t("scoring.title", month=grid.month), True), (" · ", False),
               (state, grid.closed or grid.paused or self.future)]
        if self.unread:  # counted once every row is read: never a count of the first rows as the month's
            if self.rest_failed:
                out.append((" · " + t("grid.progress.unread", count=self.unread, key=self.retry_key), True))
            else:
                out.append((" · " + t("grid.progress.reading", count=self.unread), False))
        elif not grid.paused:  # nobody is scored in a paused month: no progress to show
            out.append((" · " + t("scoring.progress", done=done, partial=partial, empty=empty), False))
        if exempt:
            out.append((t("scoring.progress_exempt", exempt=exempt), False))
        if failed := self.failed_here():
            out.append((t("grid.progress_failed", count=failed), True))
        if centre_name:  # last: the first thing to go on a narrow terminal
            out += [(" · ", False), (centre_name, False)]
        return out

    def banner(self) -> tuple[str, str]:
        """The banner's text and class ("" when there is nothing to say)."""
        grid = self.grid
        if grid.closed:
            return t("scoring.banner.closed", month=grid.month), "-closed"
        if grid.paused:
            return t("scoring.banner.paused", month=grid.month), "-paused"
        if self.future:
            return t("grid.banner.future", month=grid.month, current=self.current_month), "-future"
        if not grid.rows:
            return t("scoring.banner.no_orgs", month=grid.month), "-info"
        return "", ""

    def position(self) -> tuple:
        """Where the cursor is, to find the same place in another month (see :meth:`place`)."""
        grid = self.grid
        if not grid.rows:
            return (None, None, None, 0, 0)
        row = grid.rows[self.row]
        return (row.org_id, row.pinyin, grid.items[self.item].code if grid.items else None, self.row, self.item)

    def place(self, keep: tuple) -> None:
        """Put the cursor where ``keep`` (a :meth:`position`, maybe of another month) was:
        the same org and item, else the org next in pinyin order, else the same row."""
        org_id = keep[0]
        if org_id and (r := self.row_of.get(org_id)) is not None:  # the org's row, without a scan
            keep = (None, None, keep[2], r, keep[4])
        self.row, self.item = place_row(self.grid, keep)

    # -- drawing bookkeeping -----------------------------------------------------------------------------
    def _move_to(self, r: int, i: int) -> None:
        if (r, i) != (self.row, self.item):
            self.dirty.add(self.row)
            self.dirty.add(r)
        self.row, self.item = r, i

    def _recount(self, r: int) -> None:
        """Row ``r`` changed: move it to its new place in the progress counts."""
        new = row_progress(self.grid, self.grid.rows[r])
        old = self.progress[r]
        if new != old:
            self.progress[r] = new
            self.counts[old] -= 1
            self.counts[new] += 1

    # -- typing ------------------------------------------------------------------------------------------
    def _writable_here(self) -> str | None:
        if self.busy:
            return t("scoring.busy")
        if not self.has_rows:
            return t("scoring.no_rows")
        return self.readonly_reason(self.row)

    _refusal = _writable_here  # typing (:class:`CellTyping`) is refused where nothing can be written

    def _typing_at(self) -> tuple[int, int]:
        return self.row, self.item

    def commit_typing(self, quiet: bool = False) -> Outcome:
        """Commit the text being typed (if any); refused, with the rule's message unless
        ``quiet``, when it is not a valid score (it stays typed, to be fixed)."""
        if self.buffer is None:
            return Outcome()
        grid = self.grid
        r, i = self.edit_at
        row, item = grid.rows[r], grid.items[i]
        try:
            value = parse_score(self.buffer, item.max_cent, grid.step_cent)
        except DomainError as err:
            return refused(None if quiet else t("scoring.refused", name=row.name, item=item_label(item),
                                                    error=str(err)))
        self.buffer = None
        self.edit_at = None
        self._touch(r)
        old = row.cells.get(item.id) or EMPTY
        if value is None:
            new = old
        elif value is NA:
            new = Cell(None, True, old.reason)
        else:
            new = Cell(value, False, old.reason)
        out = self._set_cells(r, {item.id: new})
        out.clear_notice = True
        return out

    def commit_next(self) -> Outcome:
        """Enter/Tab: commit, then the next item (after the last, the next org that takes scores)."""
        if not self.grid.rows:
            return Outcome()
        at = self.edit_at
        out = self.commit_typing()
        if out.ok:
            self._go_next(*(at if at is not None else (self.row, self.item)))
        return out

    def _go_next(self, r: int, i: int) -> None:
        if i + 1 < len(self.grid.items):
            self._move_to(r, i + 1)
            return
        nxt = self._next_scored_row(r)
        self._move_to(nxt, 0) if nxt is not None else self._move_to(r, i)

    def _next_scored_row(self, r: int) -> int | None:
        rows = self.grid.rows
        for n in range(r + 1, len(rows)):
            if rows[n].exempt is None:  # exempt orgs take no score: passed over
                return n
        return None

    def prev_item(self) -> Outcome:
        if not self.grid.rows:
            return Outcome()
        out = self.commit_typing()
        if out.ok:
            if self.item > 0:
                self._move_to(self.row, self.item - 1)
            elif self.row > 0:
                self._move_to(self.row - 1, len(self.grid.items) - 1)
        return out

    def _clear_here(self) -> Outcome:
        """Backspace with nothing typed: the cell's value goes; its reason stays."""
        item = self.grid.items[self.item]
        old = self.grid.rows[self.row].cells.get(item.id) or EMPTY
        if old.blank:
            return Outcome()
        return self._set_cells(self.row, {item.id: Cell(None, False, old.reason)})

    def na(self) -> Outcome:
        """``n``: not applicable, then the next item (as a value and Enter)."""
        self.discard_typing()
        msg = self._writable_here()
        if msg:
            return refused(msg)
        r, i = self.row, self.item
        item = self.grid.items[i]
        old = self.grid.rows[r].cells.get(item.id) or EMPTY
        out = self._set_cells(r, {item.id: Cell(None, True, old.reason)})
        out.clear_notice = True
        self._go_next(r, i)
        return out

    def fill(self) -> Outcome:
        """``f``: the org's blank items at their maximum, then the next org that takes scores."""
        msg = self._writable_here()
        if msg:
            return refused(msg)
        out = self.commit_typing()
        if not out.ok:
            return out
        r = self.row
        row = self.grid.rows[r]
        values = {
            it.id: Cell(it.max_cent, False, (row.cells.get(it.id) or EMPTY).reason)
            for it in self.grid.items
            if (row.cells.get(it.id) or EMPTY).blank
        }
        if values:
            out.add(self._set_cells(r, values))
        out.clear_notice = not out.notices
        nxt = self._next_scored_row(r)
        if nxt is not None:
            self._move_to(nxt, 0)
        return out

    # -- entry at spreadsheet speed (issue 13) -----------------------------------------------------------------
    def _last_refusal(self) -> str | None:
        """Why last month cannot be copied at all (not read yet, or no month before)."""
        if self.last is None:
            return t("grid.last.loading")
        if self.last.month is None:
            return t("grid.last.none", month=self.grid.month)
        return None

    def _copyable(self, item, cell: Cell) -> bool:
        """Whether last month's ``cell`` is a valid value of ``item`` now (its maximum or the
        step may have changed since)."""
        if cell.value_cent is None:
            return True
        try:
            parse_score(cents_to_text(cell.value_cent), item.max_cent, self.grid.step_cent)
        except DomainError:
            return False
        return True

    def copy_last(self) -> Outcome:
        """``"``: the cell as it was last month for this org (value or N/A, with its reason),
        then the next item, as Enter does."""
        self.discard_typing()
        msg = self._writable_here() or self._last_refusal()
        if msg:
            return refused(msg)
        r, i = self.row, self.item
        row, item = self.grid.rows[r], self.grid.items[i]
        last = self.last_cell(row, item)
        if last is None:
            key = "grid.last.exempt_then" if row.org_id in self.last.exempt else "grid.last.blank"
            return refused(t(key, name=row.name, item=item_label(item), month=self.last.month))
        if not self._copyable(item, last):
            return refused(t("grid.last.invalid", name=row.name, item=item_label(item), month=self.last.month,
                             value=cents_to_text(last.value_cent), max=cents_to_text(item.max_cent)))
        out = self._set_cells(r, {item.id: last})
        out.clear_notice = True
        self._go_next(r, i)
        return out

    def fill_last(self) -> Outcome:
        """``R``: the org's blank items as last month (values, N/A and reasons; nothing already
        there is overwritten), saved as one change, then the next org's first item, as ``f``
        does.  Items last month cannot fill stay blank: the cursor stops on the first of them."""
        msg = self._writable_here() or self._last_refusal()
        if msg:
            return refused(msg)
        out = self.commit_typing()
        if not out.ok:
            return out
        r = self.row
        row = self.grid.rows[r]
        values = {}
        for it in self.grid.items:
            if not (row.cells.get(it.id) or EMPTY).blank:
                continue
            last = self.last_cell(row, it)
            if last is not None and self._copyable(it, last):
                values[it.id] = last
        if values:
            out.add(self._set_cells(r, values))
        still = [i for i, it in enumerate(self.grid.items) if (row.cells.get(it.id) or EMPTY).blank]
        if still:
            self._move_to(r, still[0])
            names = "、".join(item_label(self.grid.items[i]) for i in still)
            key = "grid.last.exempt_then" if row.org_id in self.last.exempt else "grid.last.some_blank"
            out.notices.append(Notice(t(key, name=row.name, item=names, month=self.last.month), "warning"))
            return out
        out.clear_notice = not out.notices
        nxt = self._next_scored_row(r)
        if nxt is not None:
            self._move_to(nxt, 0)
        return out

    def fill_down(self) -> Outcome:
        """``ctrl+d``: the value above (value or N/A; the cell's own reason stays) into this cell,
        then down one row, so holding it fills a column.  Exempt orgs are passed over."""
        self.discard_typing()
        msg = self._writable_here()
        if msg:
            return refused(msg)
        r, i = self.row, self.item
        item = self.grid.items[i]
        above = next((n for n in range(r - 1, -1, -1) if self.grid.rows[n].exempt is None), None)
        src = (self.grid.rows[above].cells.get(item.id) or EMPTY) if above is not None else EMPTY
        if src.blank:
            return refused(t("grid.fill_down.none", item=item_label(item)))
        old = self.grid.rows[r].cells.get(item.id) or EMPTY
        out = self._set_cells(r, {item.id: Cell(src.value_cent, src.na, old.reason)})
        out.clear_notice = True
        nxt = self._next_scored_row(r)
        if nxt is not None:
            self._move_to(nxt, i)
        return out

    def _step_text(self, step: Step, cells: dict[str, Cell], other: dict[str, Cell]) -> str:
        """What a step changes, as the notification says it: one item's old and new value
        (or its reason), else the items' names."""
        labels = [item_label(self.grid.items[self.item_of[i]]) for i in cells if i in self.item_of]
        if len(cells) == 1:
            (item_id, new), = cells.items()
            old = other[item_id]
            if (old.value_cent, old.na) == (new.value_cent, new.na):
                return t("grid.undo.reason", name=step.org_name, item="".join(labels))
            return t("grid.undo.one", name=step.org_name, item="".join(labels), old=self.cell_shown(old),
                     new=self.cell_shown(new))
        return t("grid.undo.many", name=step.org_name, count=len(cells), items="、".join(labels))

    def _replay(self, undo: bool) -> Outcome:
        if self.buffer is not None:  # ctrl+z while typing drops the typing (as Esc)
            self.discard_typing()
            return Outcome(clear_notice=True)
        if self.busy or not self.has_rows:
            return refused(t("scoring.busy") if self.busy else t("scoring.no_rows"))
        msg = self.readonly_reason()
        if msg:
            return refused(msg)
        stack = self.history.undo if undo else self.history.redo
        if not stack:
            return Outcome(notices=[Notice(t("grid.undo.nothing" if undo else "grid.redo.nothing"))])
        step = stack[-1]
        want, put = (step.after, step.before) if undo else (step.before, step.after)
        r = self.row_of.get(step.org_id)
        if r is not None and (msg := self.readonly_reason(r)):
            return refused(msg)  # e.g. exempt since: kept, to undo once lifted
        stack.pop()
        row = self.grid.rows[r] if r is not None else None
        if row is None or any((row.cells.get(i) or EMPTY) != cell for i, cell in want.items()):
            return refused(t("grid.undo.stale", name=step.org_name))  # changed since: dropped
        out = self._set_cells(r, dict(put), record=False)
        (self.history.redo if undo else self.history.undo).append(step)
        self._move_to(r, min(self.item_of[i] for i in put if i in self.item_of))
        text = self._step_text(step, put, want)
        out.notices.append(Notice(t("grid.undone" if undo else "grid.redone", what=text)))
        return out

    def undo(self) -> Outcome:
        """``ctrl+z``/``u``: the month's last committed change undone, saved (and audited) as
        any change is; the cursor goes to it, a message says what was undone."""
        return self._replay(True)

    def redo(self) -> Outcome:
        """``ctrl+y``: the last undone change made again."""
        return self._replay(False)

    # -- finding an organisation (``/``) ---------------------------------------------------------------------------
    def search_keys(self) -> list[SearchKey]:
        if self._keys is None:
            self._keys = [search_key(row.name, row.pinyin, row.initials) for row in self.grid.rows]
        return self._keys

    def matching_rows(self, query: str) -> list[int]:
        if not query.strip():
            return []
        return [n for n, key in enumerate(self.search_keys()) if matches(key, query)]

    def next_match(self, query: str) -> int | None:
        """The first row matching ``query`` after the cursor's row, wrapping round (so the same
        query again goes to the next match)."""
        found = self.matching_rows(query)
        if not found:
            return None
        return next((n for n in found if n > self.row), found[0])

    def search_preview(self, query: str) -> str:
        """What Enter in the search box would do, said as the user types."""
        if not query.strip():
            return t("grid.search.hint")
        found = self.matching_rows(query)
        if not found:
            return t("grid.search.none", query=query.strip())
        return t("grid.search.count", count=len(found), name=self.grid.rows[self.next_match(query)].name)

    def search(self, query: str) -> Outcome:
        """``/`` then Enter: the next org matching ``query`` (name, initials, full pinyin), on its
        first item; what is typed is committed (a valid value) or dropped first."""
        if not self.has_rows:
            return Outcome()
        r = self.next_match(query)
        if r is None:
            return refused(t("grid.search.none", query=query.strip()))
        out = self.leave()
        self._move_to(r, 0)
        out.clear_notice = not out.notices
        return out

    # -- moving ----------------------------------------------------------------------------------------------
    def move(self, rows: int, items: int) -> Outcome:
        """Arrows (and j/k/h/l, pages): commit a valid value being typed, then move."""
        if not self.grid.rows:
            return Outcome()
        out = self.commit_typing()
        if out.ok:
            r = min(max(self.row + rows, 0), len(self.grid.rows) - 1)
            i = min(max(self.item + items, 0), max(len(self.grid.items) - 1, 0))
            self._move_to(r, i)
        return out

    def first_row(self) -> Outcome:
        return self.move(-self.row, 0)

    def last_row(self) -> Outcome:
        return self.move(len(self.grid.rows) - 1 - self.row, 0)

    def goto(self, r: int, i: int) -> Outcome:
        """A click on row ``r``, item ``i`` (clamped to the items)."""
        if not self.has_rows:
            return Outcome()
        out = Outcome()
        if self.edit_at is not None and self.edit_at != (r, i):
            out = self.leave()
        r = min(max(r, 0), len(self.grid.rows) - 1)
        self._move_to(r, min(max(i, 0), len(self.grid.items) - 1))
        return out

    # -- reasons, exemptions and the month ------------------------------------------------------------------
    def reason_target(self) -> tuple[Outcome, GridRow | None, object]:
        """The cell ``m`` gives a reason to (what is typed committed first), or a refusal."""
        msg = self._writable_here()
        if msg:
            return refused(msg), None, None
        out = self.commit_typing()
        if not out.ok:
            return out, None, None
        return out, self.grid.rows[self.row], self.grid.items[self.item]

    def set_reason(self, org_id: str, item_id: str, reason: str) -> Outcome:
        r = self.row_of.get(org_id)
        if r is None:
            return Outcome()
        current = self.grid.rows[r].cells.get(item_id) or EMPTY
        return self._set_cells(r, {item_id: Cell(current.value_cent, current.na, reason)}, reason_only=True)

    def exempt_target(self) -> tuple[Outcome, GridRow | None]:
        """The org ``e`` exempts (or lifts), or a refusal."""
        if self.busy or not self.grid.rows:
            return refused(t("scoring.busy") if self.busy else t("scoring.no_rows")), None
        out = self.commit_typing()
        if not out.ok:
            return out, None
        grid = self.grid
        if grid.closed:
            return refused(t("scoring.readonly_closed", month=grid.month)), None
        if grid.paused:
            return refused(t("scoring.readonly_paused", month=grid.month)), None
        return out, grid.rows[self.row]

    def month_action(self) -> Outcome:
        """Before closing or pausing: nothing loading, what is typed committed."""
        if self.busy:
            return refused(t("scoring.busy"))
        return self.commit_typing()

    def close_refusal(self) -> str | None:
        if self.future and not self.grid.closed:
            return t("grid.close_future", month=self.grid.month)
        return None

    def pause_refusal(self) -> str | None:
        grid = self.grid
        if grid.closed:
            return t("scoring.readonly_closed", month=grid.month)
        if not grid.paused and any(not c.blank for row in grid.rows for c in row.cells.values()):
            return t("scoring.pause_has_scores", month=grid.month)
        return None

    def op(self, kind: str, row: GridRow | None = None, reason: str = "") -> OpJob:
        grid = self.grid
        return OpJob(kind, grid.centre_id, grid.month, row.org_id if row else None, row.name if row else "", reason)

    # -- saving ---------------------------------------------------------------------------------------------------
    def _set_cells(self, r: int, values: dict[str, Cell], reason_only: bool = False, record: bool = True) -> Outcome:
        """Change cells of row ``r`` at once (optimistic), and ask for their save; the change
        is one step of the month's history (``record``: not when it is an undo or a redo)."""
        grid = self.grid
        row = grid.rows[r]
        changed: dict[str, Cell] = {}
        gens: dict[str, int] = {}
        before: dict[str, Cell] = {}
        for item_id, new in values.items():
            old = row.cells.get(item_id) or EMPTY
            if old == new:
                continue
            before[item_id] = old
            key = (row.org_id, item_id)
            self._confirmed.setdefault(key, old)
            gens[item_id] = self._gen[key] = self.waiting[key] = next(_generations)
            row.cells[item_id] = new
            changed[item_id] = new
            self.failed.discard(row.org_id, grid.month, item_id)  # this edit replaces it
        self._touch(r)
        if not changed:
            return Outcome()
        self._recount(r)
        if record:
            self.history.record(Step(row.org_id, row.name, before, dict(changed)))
        return Outcome(saves=[SaveJob(grid.centre_id, row.org_id, row.name, grid.month, changed, gens, reason_only)])

    def _here(self, job) -> int | None:
        """The row of ``job``'s org if this model shows its month."""
        if job.month != self.grid.month:
            return None
        return self.row_of.get(job.org_id)

    def item_names(self, job: SaveJob) -> str:
        labels = [item_label(self.grid.items[self.item_of[i]]) for i in job.values if i in self.item_of]
        return "、".join(labels) or job.month

    def save_done(self, job: SaveJob) -> None:
        """``job`` is in the database."""
        r = self._here(job)
        if r is None:
            return
        for item_id, cell in job.values.items():
            key = (job.org_id, item_id)
            self._confirmed[key] = cell
            if self.waiting.get(key) == job.gens[item_id]:
                del self.waiting[key]

    def save_failed(self, job: SaveJob, error: BaseException) -> Outcome:
        """``job`` was not saved: kept as "not saved" if a retry may mend it, else undone."""
        r = self._here(job)
        text = error_text(error)
        if is_retryable(error):
            for item_id, cell in job.values.items():
                key = (job.org_id, item_id)
                if r is not None:
                    gen = self._gen.get(key)
                    if gen not in (None, job.gens[item_id]):
                        continue  # a newer edit of the cell is on its way: it carries the value
                    self.waiting.pop(key, None)
                    row = self.grid.rows[r]
                    if gen is None:  # the month was read again meanwhile: show the value given, again
                        self._confirmed.setdefault(key, row.cells.get(item_id) or EMPTY)
                        row.cells[item_id] = cell
                self.failed.add(FailedSave(job.centre_id, job.org_id, job.org_name, job.month, item_id, cell, text))
            if r is not None:
                self._touch(r)
                self._recount(r)
            return Outcome(notices=[Notice(t("grid.save_failed", name=job.org_name, item=self.item_names(job),
                                                error=text, key=self.retry_key), "error", 10)])
        if r is not None:
            row = self.grid.rows[r]
            for item_id in job.values:
                key = (job.org_id, item_id)
                if self._gen.get(key) == job.gens[item_id]:  # no newer edit of this cell is pending
                    row.cells[item_id] = self._confirmed.get(key, EMPTY)
                    self.waiting.pop(key, None)
                    if self.edit_at == (r, self.item_of.get(item_id)):
                        self.discard_typing()
            self._touch(r)
            self._recount(r)
        return Outcome(notices=[Notice(t("scoring.save_failed", name=job.org_name, item=self.item_names(job),
                                            error=text), "error")])

    def retry(self) -> Outcome:
        """Save again every cell whose save failed (this month's and others'), as shown."""
        failed = self.failed.take_all()
        if not failed:
            return Outcome(notices=[Notice(t("grid.nothing_to_retry"))])
        out = Outcome(notices=[Notice(t("grid.retrying", count=len(failed)))])
        for first, values in _group_saves(failed):
            gens = {item_id: next(_generations) for item_id in values}
            job = SaveJob(first.centre_id, first.org_id, first.org_name, first.month, values, gens, retry=True)
            r = self._here(job)
            if r is not None:
                for item_id, gen in gens.items():
                    self._gen[(job.org_id, item_id)] = self.waiting[(job.org_id, item_id)] = gen
                self._touch(r)
            out.saves.append(job)
        return out

    # -- results of the month actions -------------------------------------------------------------------------------
    def case_opened(self, org_id: str, name: str, month: str, months: int) -> Notice:
        """A save or a lifted exemption opened a case for the org: its note, and the message."""
        r = self.row_of.get(org_id) if month == self.grid.month else None
        if r is not None:
            self.grid.rows[r].has_open_case = True
            self._touch(r)
        shown = format_total(self.grid.threshold_of(month), 1).removesuffix(".0")
        return Notice(t("scoring.case_opened", name=name, count=months, threshold=shown), "warning", 12)

    def op_done(self, job: OpJob) -> Notice:
        """A month or exemption action is in the database: show it, and say so."""
        if job.kind in ("exempt", "lift"):
            r = self.row_of.get(job.org_id) if job.month == self.grid.month else None
            if r is not None:
                self.grid.rows[r].exempt = job.reason if job.kind == "exempt" else None
                self._touch(r)
                self._recount(r)
            key = "scoring.exempt_done" if job.kind == "exempt" else "scoring.exempt_lifted"
            return Notice(t(key, name=job.org_name, month=job.month))
        if job.month == self.grid.month:
            if job.kind in ("close", "reopen"):
                self.grid.closed = job.kind == "close"
            else:
                self.grid.paused = job.kind == "pause"
                self.epoch += 1  # every row shows it
        key = {"close": "scoring.closed_done", "reopen": "scoring.reopened",
               "pause": "scoring.paused_on", "resume": "scoring.paused_off"}[job.kind]
        return Notice(t(key, month=job.month))
