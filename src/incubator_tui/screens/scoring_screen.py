"""The monthly scoring grid (月度考评): type a month of scores as fast as the keys go.

One row per organisation that belongs to the centre that month (pinyin order),
one column per checklist item in force, then the total and the low-month
streak.  Digits and ``.`` type into the cell under the cursor; Enter/Tab
commit and move on; every committed cell is saved at once in its own
transaction (``services.scoring.save_cells``), off the UI thread, in order.

The screen binds keys and draws.  What is typed, committed, refused, waiting
or failed is :class:`~incubator_tui.editing.grid_model.GridModel`'s; writes
(saves, exemptions, closing, pausing) go through one ordered
:class:`~incubator_tui.editing.save_queue.OrderedQueue`, and a month is read
through ``BaseScreen.load`` once the writes asked for before it are done (so it
sees them); :class:`~incubator_tui.widgets.score_grid.ScoreGrid` draws.

Design notes (docs/decisions.md, "The app" and "The scoring grid"): a refused value
stays typed, marked invalid, with the rule's message; ``n`` is N/A and Enter, ``f``
fills the org's blank items with their maximum; moving on passes over exempt orgs;
saves are optimistic, a save refused by the rules puts the saved value back, one
that failed otherwise (the database busy, the disk full) keeps the value, marked
"not saved", for ``ctrl+r``; a month after the current one is read-only.
"""

from __future__ import annotations

import threading
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.worker import get_current_worker

from incubator_tui.editing.grid_jobs import (
    Loaded, LoadedRest, OpJob, SaveJob, execute, read_last_month, read_month, read_rest,
)
from incubator_tui.editing.grid_layout import item_label
from incubator_tui.editing.grid_model import (
    EMPTY, EditHistory, FailedSaves, GridModel, Notice, Outcome, error_text, refused,
)
from incubator_tui.i18n import t
from incubator_tui.rules.months import add_months
from incubator_tui.screens.base import BaseScreen, LoadCancelled
from incubator_tui.screens.cell_keys import CellKeys, CellMessages, edit_binding as _edit, typing_bindings
from incubator_tui.screens.queued_writes import JobDone, QueuedWrites
from incubator_tui.services.clock import current_month
from incubator_tui.widgets.key_bar import KeyBar
from incubator_tui.widgets.safe_text import plain
from incubator_tui.widgets.score_grid import ScoreGrid, StatusLine

RETRY_ID = "scoring.retry"
FIRST_PAINT_WAIT = 1.0  # seconds the rest of the month waits at most for its first screenful's paint
# refused while nothing is loaded
_WRITES = frozenset({"type", "backspace", "na", "fill", "copy_last", "fill_last", "fill_down", "undo", "redo"})
_OPS = _WRITES | {"commit_next", "prev_item", "discard", "move", "first_row", "last_row", "goto"}


class ScoringScreen(CellKeys, CellMessages, QueuedWrites, BaseScreen):
    """The scoring grid of one month (opens on the current month)."""

    CSS_PATH = "scoring_screen.tcss"
    AUTO_FOCUS = "#score-grid"

    # Every grid key is a *priority* binding (why: :mod:`~incubator_tui.screens.cell_keys`).
    BINDINGS = [
        *typing_bindings("scoring", "scoring.key.type"),
        _edit("enter,tab", "'commit_next'", "scoring.key.commit", "scoring.commit"),
        _edit("shift+tab", "'prev_item'", "scoring.key.prev_item", "scoring.prev_item"),
        _edit("escape", "'discard'", "scoring.key.discard", "scoring.discard"),
        _edit("backspace,delete", "'backspace'", "scoring.key.clear", "scoring.clear"),
        Binding("n", "edit('na')", "scoring.key.na", id="scoring.na", priority=True),
        Binding("f", "edit('fill')", "scoring.key.fill", id="scoring.fill", priority=True),
        # Entry at spreadsheet speed (issue 13): last month, fill down, undo, find.
        Binding("R", "edit('fill_last')", "grid.key.fill_last", id="grid.fill_last", key_display="R", priority=True),
        _edit("quotation_mark", "'copy_last'", "grid.key.copy_last", "grid.copy_last", key_display='"'),
        _edit("ctrl+d", "'fill_down'", "grid.key.fill_down", "grid.fill_down"),
        _edit("ctrl+z,u", "'undo'", "grid.key.undo", "grid.undo"),
        _edit("ctrl+y", "'redo'", "grid.key.redo", "grid.redo"),
        Binding("slash", "search", "grid.key.search", id="grid.search", key_display="/", priority=True),
        Binding("m", "reason", "scoring.key.reason", id="scoring.reason", priority=True),
        Binding("e", "exempt", "scoring.key.exempt", id="scoring.exempt", priority=True),
        Binding("[", "month(-1)", "scoring.key.prev_month", id="scoring.prev_month", key_display="[", priority=True),
        Binding("]", "month(1)", "scoring.key.next_month", id="scoring.next_month", key_display="]", priority=True),
        Binding("x", "close", "scoring.key.close", id="scoring.close", priority=True),
        Binding("p", "pause", "scoring.key.pause", id="scoring.pause", priority=True),
        # Shown (footer and help) while some cell is not saved: the one time it matters.
        Binding("ctrl+r", "retry", "grid.key.retry", id=RETRY_ID, priority=True),
        # The same key, labelled for what it does while the read of the month's rest has failed: it reads
        # the month again.  One id with the retry (as the review's dialog does): a remap moves both.
        Binding("ctrl+r", "retry('month')", "grid.key.reread", id=RETRY_ID, priority=True),
        _edit("up,k", "'move', -1, 0", "scoring.key.up", "scoring.up"),
        _edit("down,j", "'move', 1, 0", "scoring.key.down", "scoring.down"),
        _edit("left,h", "'move', 0, -1", "scoring.key.left", "scoring.left"),
        _edit("right,l", "'move', 0, 1", "scoring.key.right", "scoring.right"),
        _edit("g,ctrl+home", "'first_row'", "scoring.key.first_row", "scoring.first_row"),
        _edit("G,ctrl+end", "'last_row'", "scoring.key.last_row", "scoring.last_row"),
        Binding("pageup", "page(-1)", "scoring.key.page_up", id="scoring.page_up", show=False, priority=True),
        Binding("pagedown", "page(1)", "scoring.key.page_down", id="scoring.page_down", show=False, priority=True),
    ]

    EXECUTE = staticmethod(execute)  # the writes' queue (QueuedWrites)
    QUEUE_WORKER = "scoring-db"
    RETRY_ID = RETRY_ID

    HELP_HINT = "grid.help.hint"  # the help's last line: in the grid Tab commits, it does not move between fields

    def __init__(self, month: str | None = None) -> None:
        super().__init__()
        self.month = month or current_month()
        self.model: GridModel | None = None
        self.failed_saves = FailedSaves()  # handed from each month's model to the next
        self.histories: dict[str, EditHistory] = {}  # each month's undo and redo, kept across reloads
        self.last_query = ""  # the last search (``/`` Enter again goes to the next match)
        self.centre_name = ""
        self.reading = False  # a month is being read
        self.keep_at: tuple = (None, None, None, 0, 0)  # where the cursor goes in the month being read
        self.db_queue = None  # made on the first write (QueuedWrites)
        self.left_mode = False
        self.shown_once = False
        self.failed_shown = 0  # failed saves when the bindings were last refreshed
        self.last_notice: tuple[str, float] = ("", 0.0)
        # Keys that need rows not read yet (and every key after them), run in order once they are.
        self.held: list[tuple[Any, tuple]] = []

    # -- composition ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Start reading the month now, while Textual composes and lays out the screen
        # (a district's month takes ~0.1 s to read); attached already, so the result lands.
        if not self.loads_data:
            self.request_load(self.month)
        yield StatusLine(id="scoring-header")
        yield StatusLine(id="scoring-banner")
        yield ScoreGrid(id="score-grid")
        yield StatusLine(id="scoring-detail")
        yield StatusLine(id="scoring-message")
        yield KeyBar()

    @property
    def table(self) -> ScoreGrid:
        return self.query_one("#score-grid", ScoreGrid)

    @property
    def grid(self):
        """The month shown (None until the first one is read)."""
        return self.model.grid if self.model is not None else None

    @property
    def partial(self) -> bool:
        """The month shown has only its first screenful's cells; the rest are being read."""
        return self.model is not None and not self.model.complete

    def status(self, name: str) -> StatusLine:
        return self.query_one(f"#scoring-{name}", StatusLine)

    def on_mount(self) -> None:
        self.title = t("grid.title")  # the help (?) is titled with the grid's name
        self.status("banner").display = False
        if self.reading:
            self.status("header").set(t("scoring.loading", month=self.month))

    def on_screen_resume(self) -> None:
        # Back from another mode: the data may have changed (orgs added, an import): the
        # base reloads if anything was written since.  Back from a modal over this screen
        # (ours, help, the palette): nothing changed here but our own saves.
        came_back = self.shown_once and self.left_mode
        self.shown_once, self.left_mode = True, False
        if came_back and not self.reading:
            super().on_screen_resume()
        else:
            self.showing.set()

    def on_screen_suspend(self) -> None:
        super().on_screen_suspend()
        # A modal pushed over us stays in our mode's stack; another mode's screen does not.
        self.left_mode = self not in self.app.screen_stack
        if self.left_mode and self.model is not None:
            self.apply(self.model.leave())

    def on_resize(self, event: events.Resize) -> None:
        if self.model is not None and not self.reading and self.table.replan(self.table_width()):
            self.table.scroll_to_cursor()

    def table_width(self) -> int:
        width = self.size.width or self.app.size.width
        return max(width - 1, 40)  # the vertical scrollbar

    # -- keys -----------------------------------------------------------------------------------------
    KEY_OPS = {
        "enter": ("commit_next",), "tab": ("commit_next",), "shift+tab": ("prev_item",), "escape": ("discard",),
        "backspace": ("backspace",), "delete": ("backspace",), "n": ("na",), "f": ("fill",),
        "R": ("fill_last",), "quotation_mark": ("copy_last",), "ctrl+d": ("fill_down",), "ctrl+z": ("undo",),
        "u": ("undo",), "ctrl+y": ("redo",),
        "g": ("first_row",), "G": ("last_row",),
        "up": ("move", -1, 0), "k": ("move", -1, 0), "down": ("move", 1, 0), "j": ("move", 1, 0),
        "left": ("move", 0, -1), "h": ("move", 0, -1), "right": ("move", 0, 1), "l": ("move", 0, 1),
    }

    handle_grid_key = CellKeys.handle_cell_key  # one grid key by its default binding (the benchmark's)

    def on_score_grid_clicked(self, event: ScoreGrid.Clicked) -> None:
        event.stop()
        self.action_edit("goto", event.row, event.item)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            if parameters:  # the month read again: offered once the read of its rest failed
                return self.model is not None and self.model.rest_failed
            return bool(self.failed_saves)  # hidden while nothing failed
        return True

    # -- actions --------------------------------------------------------------------------------------
    def action_edit(self, op: str, first: Any = None, second: Any = None) -> None:
        """Forward one editing operation to the model and draw what it says.  (Two named
        arguments, not ``*args``: Textual passes an action as many values as its signature names.)"""
        if op not in _OPS:
            raise ValueError(op)
        args = tuple(a for a in (first, second) if a is not None)
        if op in _WRITES and self.read_only():
            return
        if self.model is None:
            if op in _WRITES:
                self.apply(refused(t("scoring.busy")))
            return
        if self.held or self.model.waits_for_rest(op, *args):
            if self.model.rest_failed:  # the rows it needs will not come: refused, saying how to read them
                return self.apply(refused(self.model.rest_refusal_text()))
            return self.hold(self.action_edit, op, first, second)
        self.apply(getattr(self.model, op)(*args))

    def hold(self, action: Any, *args: Any) -> None:
        """Keep ``action(*args)`` until the rest of the month is read (see ``GridModel.waits_for_rest``):
        then the keys held run in the order typed, on the whole month, as they would have."""
        if not self.held:
            self.say(Notice(t("grid.keys_held")))
        self.held.append((action, args))

    def run_held(self) -> None:
        held, self.held = self.held, []
        for action, args in held:
            action(*args)

    def rest_refusal(self, here: bool = True) -> bool:
        """A dialog (or a whole-month action) cannot open on cells not read yet, nor before keys
        held: refused, saying so (keys typed for a dialog not open yet would land on the grid)."""
        model = self.model
        if model is not None and (self.held or (model.needs_rest_here() if here else not model.complete)):
            self.apply(refused(model.rest_refusal_text()))
            return True
        return False

    def read_only(self) -> bool:
        """A district database's merged centre (#11): scores are typed in the centre's own
        database; refused here, saying why, unless the app was opened with --edit-district."""
        reason = self.iapp.scores_read_only()
        if reason is not None:
            self.apply(refused(reason))
        return reason is not None

    def action_page(self, direction: int) -> None:
        self.action_edit("move", direction * self.table.page_rows, 0)

    def action_month(self, delta: int) -> None:
        if self.held:
            return self.hold(self.action_month, delta)
        model = self.model
        if model is not None:
            out = model.commit_typing()
            self.apply(out)
            if not out.ok:
                return
        keep = self.keep_at if self.reading or model is None else model.position()
        self.request_load(add_months(self.month, delta), keep=keep)

    def action_retry(self, _what: str = "") -> None:
        """``ctrl+r``: the saves that failed, saved again; once the read of the month's rest failed,
        that too, then the month read again (``_what``: which binding, for ``check_action`` only)."""
        if self.model is not None and self.model.rest_failed:
            return self.reread()
        if self.model is not None and (self.held or self.partial):  # its cells may be in rows not read
            return self.hold(self.action_retry)
        if self.model is not None:
            self.apply(self.model.retry())

    def reread(self) -> None:
        """The month whose rest could not be read, read again, the cursor kept on its organisation:
        what is typed committed and the failed saves queued first (the read waits for them, so it
        sees them; one that fails again stays marked, see ``GridModel.save_failed``)."""
        model = self.model
        if self.reading:
            return self.apply(refused(t("scoring.busy")))
        out = model.commit_typing()
        self.apply(out)
        if not out.ok:
            return  # an invalid value stays typed, with the rule's message
        if self.failed_saves:
            self.apply(model.retry())
        else:
            self.say(Notice(t("grid.rereading")))
        self.request_load(self.month, keep=model.position())

    def action_reason(self) -> None:
        if self.read_only():
            return
        model = self.model
        if model is None:
            return self.apply(refused(t("scoring.busy")))
        if self.rest_refusal():
            return
        out, row, item = model.reason_target()
        self.apply(out)
        if row is None:
            return
        cell = row.cells.get(item.id) or EMPTY
        from incubator_tui.screens.scoring_modals import ReasonModal

        def done(reason: str | None) -> None:
            if reason is not None and self.model is model:
                self.apply(model.set_reason(row.org_id, item.id, reason))

        subject = t("scoring.reason.subject", name=row.name, item=item_label(item), value=model.cell_shown(cell))
        self.app.push_screen(ReasonModal(t("scoring.reason.title"), subject, initial=cell.reason,
                                         placeholder=t("scoring.reason.placeholder")), done)

    def action_search(self) -> None:
        """``/``: find an organisation (name, initials, full pinyin); Enter lands on its first item.
        The box opens with the last query, so ``/`` Enter goes to the next match."""
        model = self.model
        if model is None or not model.has_rows:
            return self.apply(refused(t("scoring.busy") if model is None else t("scoring.no_rows")))
        if self.held:  # the search lands where the keys held would have moved first: wait for them
            return self.apply(refused(t("grid.rest_loading")))
        from incubator_tui.screens.scoring_modals import SearchModal

        def done(query: str | None) -> None:
            if query is not None and query.strip() and self.model is model:
                self.last_query = query
                self.apply(model.search(query))

        self.app.push_screen(SearchModal(t("grid.search.title"), self.last_query, model.search_preview,
                                         placeholder=t("grid.search.placeholder")), done)

    def action_exempt(self) -> None:
        if self.read_only():
            return
        model = self.model
        if model is None:
            return self.apply(refused(t("scoring.busy")))
        if self.rest_refusal():
            return
        out, row = model.exempt_target()
        self.apply(out)
        if row is None:
            return
        from incubator_tui.screens.scoring_modals import ConfirmModal, ReasonModal

        month = model.grid.month
        if row.exempt is None:
            def exempt(reason: str | None) -> None:
                if reason and self.model is model:
                    self.enqueue(model.op("exempt", row, reason))

            def ask_reason(yes: bool | None = True) -> None:
                if yes and self.model is model:
                    self.app.push_screen(ReasonModal(
                        t("scoring.exempt.title"), t("scoring.exempt.subject", name=row.name, month=month),
                        placeholder=t("scoring.exempt.placeholder"), required=True), exempt)

            if any(not c.blank for c in row.cells.values()):  # scores entered: ask first
                self.app.push_screen(ConfirmModal(
                    t("grid.exempt.scored.title", name=row.name), [t("grid.exempt.scored.body", month=month)],
                    confirm_label=t("grid.button.continue")), ask_reason)
            else:
                ask_reason()
        else:
            def lift(yes: bool | None) -> None:
                if yes and self.model is model:
                    self.enqueue(model.op("lift", row))

            self.app.push_screen(ConfirmModal(
                t("scoring.lift.title"), [t("scoring.lift.body", name=row.name, month=month, reason=row.exempt)],
                confirm_label=t("scoring.button.lift")), lift)

    def month_model(self) -> GridModel | None:
        """The model, once nothing is loading and what is typed is committed; else None (said why)."""
        if self.model is None or self.reading:
            self.apply(refused(t("scoring.busy")))
            return None
        if self.rest_refusal(here=False):  # closing and pausing look at every row
            return None
        out = self.model.month_action()
        self.apply(out)
        return self.model if out.ok else None

    def action_close(self) -> None:
        if self.read_only():
            return
        model = self.month_model()
        if model is None:
            return
        grid = model.grid
        from incubator_tui.screens.scoring_modals import ConfirmModal, ReasonModal

        if grid.closed:
            def reopen(reason: str | None) -> None:
                if reason and self.model is model:
                    self.enqueue(model.op("reopen", reason=reason))

            self.app.push_screen(ReasonModal(t("scoring.reopen.title", month=grid.month), self.centre_name,
                                             placeholder=t("scoring.reopen.placeholder"), required=True), reopen)
            return
        if (msg := model.close_refusal()) is not None:
            return self.apply(refused(msg))
        incomplete = [] if grid.paused else grid.incomplete_rows()
        if not incomplete:
            return self.enqueue(model.op("close"))
        shown = 12
        lines = [t("scoring.close.incomplete", count=len(incomplete))]
        lines += [f"  {row.name}" for row in incomplete[:shown]]
        if len(incomplete) > shown:
            lines.append(t("scoring.close.more", count=len(incomplete)))
        lines += ["", t("scoring.close.note")]

        def close(yes: bool | None) -> None:
            if yes and self.model is model:
                self.enqueue(model.op("close"))

        self.app.push_screen(ConfirmModal(t("scoring.close.title", month=grid.month), lines,
                                          confirm_label=t("scoring.button.close")), close)

    def action_pause(self) -> None:
        if self.read_only():
            return
        model = self.month_model()
        if model is None:
            return
        if (msg := model.pause_refusal()) is not None:
            return self.apply(refused(msg))
        self.enqueue(model.op("resume" if model.grid.paused else "pause"))

    # -- drawing what the model says ---------------------------------------------------------------------
    def apply(self, out: Outcome) -> None:
        """Queue the outcome's saves, show its message, redraw what changed."""
        self.take_outcome(out)
        if self.model is None:
            return
        self.table.sync()
        self.status("detail").set(self.model.detail())
        self.render_header()
        if len(self.failed_saves) != self.failed_shown:
            self.failed_shown = len(self.failed_saves)
            self.refresh_bindings()  # ctrl+r shown or hidden

    def render_header(self) -> None:
        if self.model is not None:
            pieces = self.model.header(self.centre_name)  # the centre's name among them: literal
            line = Content.assemble(*(plain(piece, "bold" if bold else "") for piece, bold in pieces))
            self.status("header").set(line)

    def show_banner(self, text: str, cls: str) -> None:
        banner = self.status("banner")
        banner.set_classes(cls)
        banner.set(text)
        banner.display = bool(text)

    # -- the database queue's results (QueuedWrites) ------------------------------------------------------------
    def job_done(self, message: JobDone) -> None:
        if isinstance(message.job, SaveJob):
            self.save_done(message.job, message)
        else:
            self.op_done(message.job, message)

    def reload(self) -> None:
        self.request_load(self.month, keep=self.model.position() if self.model is not None else None)

    def request_load(self, month: str, keep: tuple | None = None) -> None:
        """Read ``month`` through the base's loading (change stamp, plain connection, reload
        on return), once every write asked for before is done: a month read after a save sees it."""
        centre_id = self.iapp.centre_id
        self.month = month
        if centre_id is None:
            return self.show_banner(t("scoring.banner.no_centre"), "-closed")
        if self.model is not None:
            self.model.discard_typing()
            self.model.busy = True
        self.reading = True
        if keep is not None:
            self.keep_at = keep
        if self.is_mounted:  # else on_mount says so
            self.status("header").set(t("scoring.loading", month=month))
        queue, mark = self.queue_mark()
        keep, page = self.keep_at, self.app.size.height  # the rows around the cursor: a screenful each way

        def read(reads):
            if queue is not None:
                queue.wait_reported(mark)
            loaded = reads(read_month, centre_id, month, keep, page)  # the first screenful's cells
            worker = get_current_worker()
            if worker.is_cancelled:
                raise LoadCancelled  # another month was asked for meanwhile
            painted = threading.Event()
            self.from_worker(self.load_done, loaded, painted)  # shown now; the rest follows,
            painted.wait(FIRST_PAINT_WAIT)  # once the grid is painted (not competing with its first paint)
            if not loaded.grid.complete:
                rest = reads(read_rest, loaded.grid)  # the same snapshot: the rows read first are passed over
                if worker.is_cancelled:
                    raise LoadCancelled
                self.from_worker(self.rest_done, rest)
            return reads(read_last_month, centre_id, month)

        self.load(read, self.last_month_done, failed=self.load_failed)

    def rest_done(self, rest: LoadedRest) -> None:
        """The rest of the month's cells: in their rows, then the keys held run."""
        model = self.model
        if model is None or model.grid is not rest.grid:
            return  # another month (or the same one read again) is shown meanwhile
        failed = model.rest_failed  # it came after all (its read had begun before one that failed)
        self.apply(model.fill_rest(rest))
        if failed:
            self.refresh_bindings()
        self.run_held()

    def last_month_done(self, last) -> None:
        """Last month's cells (for ``"`` and ``R``), read right after the month was shown."""
        if self.model is not None and self.model.grid.month == last.of_month:
            self.model.set_last(last.last)
            self.status("detail").set(self.model.detail())

    def load_failed(self, _message: str) -> None:
        """The month could not be read (the base said why): stay on the month shown.  If that is
        partial, its rest will not come (this load was reading it, or replaced the one that was):
        the keys held are dropped, and the message line says how many (nothing saved from them)
        and how to read the month again; keys needing its rows not read are refused from now on."""
        self.reading = False
        kept, self.held = len(self.held), []
        model = self.model
        if model is None:
            return
        model.busy = False
        self.month = model.grid.month
        if model.complete:
            return self.render_header()
        model.rest_lost()
        key = model.retry_key
        text = (t("grid.rest_failed.keys", count=model.unread, keys=kept, key=key) if kept
                else t("grid.rest_failed", count=model.unread, key=key))
        self.apply(Outcome(notices=[Notice(text, "error", 10)]))
        self.refresh_bindings()  # the key that reads the month again

    def load_done(self, loaded: Loaded, painted: threading.Event | None = None) -> None:
        if painted is not None:
            self.call_after_refresh(painted.set)
        if loaded.grid.month != self.month:
            return  # another month was asked for meanwhile: its read is on its way
        self.reading = False
        history = self.histories.setdefault(loaded.grid.month, EditHistory())
        model = GridModel(loaded.grid, current_month=loaded.current_month, failed=self.failed_saves,
                          progress=loaded.progress, history=history)
        model.retry_key = self.retry_key()
        model.place(self.keep_at)
        if self.model is not None and self.model.rest_failed:
            self.refresh_bindings()  # the key that read the month again goes with the month it read
        self.model = model
        self.centre_name = loaded.grid.centre_name
        self.table.show(model, self.table_width())
        self.show_banner(*self.model.banner())
        if not self.model.banner()[0] and self.iapp.scores_read_only() is not None:
            self.show_banner(t("district.read_only_banner"), "-closed")
        self.apply(Outcome())

    def save_done(self, job: SaveJob, message: JobDone) -> None:
        model = self.model
        if message.error is not None:
            return self.apply(model.save_failed(job, message.error))
        model.save_done(job)
        notices = [model.case_opened(job.org_id, job.org_name, job.month, len(c.months)) for c in message.result or ()]
        if job.retry:
            notices.insert(0, Notice(t("grid.retry_saved", name=job.org_name, item=model.item_names(job))))
        self.apply(Outcome(notices=notices))

    def op_done(self, job: OpJob, message: JobDone) -> None:
        model = self.model
        if message.error is not None:
            return self.say(Notice(t("scoring.action_failed", error=error_text(message.error)), "error"))
        notices = [model.op_done(job)]
        notices += [model.case_opened(job.org_id, job.org_name, job.month, len(c.months)) for c in message.result or ()]
        self.show_banner(*model.banner())
        self.apply(Outcome(notices=notices))

    # -- for tests and the benchmark -----------------------------------------------------------------------
    def cell_text(self, org_id: str, item_code: str) -> str:
        """What the grid shows in one item cell."""
        r = self.model.row_of[org_id]
        i = next(n for n, it in enumerate(self.grid.items) if it.code == item_code)
        return self.table.cell(r, 1 + i).plain

    def summary_text(self, org_id: str) -> tuple[str, str]:
        """(total, streak) as shown for one organisation."""
        r = self.model.row_of[org_id]
        n = len(self.grid.items)
        return self.table.cell(r, 1 + n).plain, self.table.cell(r, 2 + n).plain
