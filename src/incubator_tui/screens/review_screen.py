"""年度考评 (r): the year's review, typed as the scoring grid is typed, finalised and amended by keys.

One row per organisation that belonged to the centre that year, in the
organisations list's pinyin order: party, self, peer (mean and raters),
public, monthly (with its complete months), composite, stars, state (live,
vetoed, finalised, amended) and the row's warnings.  ``[`` / ``]`` change the
year (default: the last complete year).

The screen binds and draws.  What is typed, committed and refused is
:class:`~incubator_tui.editing.review_model.ReviewModel`'s (each row is rated
again as the keys go); writes go through one ordered
:class:`~incubator_tui.editing.save_queue.OrderedQueue` drained by a thread
worker, one transaction each, audited; the year is read through
``BaseScreen.load`` once the writes asked for before it are done.
:class:`~incubator_tui.widgets.review_table.CellTable` draws (Line API: only
the rows on screen).  A district's year comes in two steps: the first
screenful (a few ms), then every row; the summary says which.

Keys: digits and ``.`` type, Enter commits and moves right (after public, the
next organisation), arrows move, Esc discards, Backspace clears; ``p`` peer
ratings, ``v`` veto, ``F`` finalise, ``A`` amend, ``q`` a request for review
(or its decision), ``P`` the priority list.  Decisions: docs/decisions.md,
"Annual review".
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding

from incubator_tui.editing.cell_typing import Notice, Outcome, Shown, refused
from incubator_tui.editing.review_model import (
    COLUMNS, CURSOR_COLUMNS, FailedPeers, FailedValues, PeerJob, ReviewModel, ReviewOp, ValueJob, execute, peer_done,
)
from incubator_tui.i18n import t
from incubator_tui.screens.base import BaseScreen, LoadCancelled
from incubator_tui.screens.cell_keys import CellKeys, CellMessages, edit_binding as _edit, typing_bindings
from incubator_tui.screens.queued_writes import JobDone, QueuedWrites
from incubator_tui.widgets.format import fit, fit_names
from incubator_tui.widgets.key_bar import KeyBar
from incubator_tui.widgets.review_table import CENTER, LEFT, RIGHT, CellTable, Column
from incubator_tui.widgets.safe_text import message
from incubator_tui.widgets.status_line import StatusLine

FIRST_PAGE = 60  # rows read first (a screenful and more), while the rest of the year is worked out
FIRST_PAINT_WAIT = 0.25  # seconds the rest of the year waits at most for the first page's paint
NAME_MIN, NOTE_MIN = 12, 16
_OPS = frozenset({"type", "commit_next", "discard", "backspace", "move", "first_row", "last_row", "goto"})
# Widest texts of the number columns, whatever the data: nothing moves as rows arrive.
_WIDEST = {"party": "100.00_", "self": "100.00_", "public": "100.00_", "peer": "100.0 (999)",
           "monthly": "100.0 (12)", "composite": "100.00", "stars": "★★★★★"}


RETRY_ID = "review.retry"
CENTRE_CELLS = 12  # the centre column of the all-centres view (longer names are cut)
_WRITE_OPS = frozenset({"type", "backspace"})


class ScopeReviewModel(ReviewModel):
    """The all-centres view of a year (a district database): the same rows with a centre column
    after the organisation; each row rated by its own centre's settings (``ReviewYear.by_centre``)."""

    def row_view(self, r: int) -> list[Shown]:
        cells = super().row_view(r)
        cells.insert(1, Shown(self.rows[r].centre, "muted"))
        return cells

    @property
    def cursor_column(self) -> int:
        return super().cursor_column + 1

    def goto(self, r: int, column: int) -> Outcome:
        return super().goto(r, max(column - 1, 0) if column >= 1 else column)


class ReviewScreen(CellKeys, CellMessages, QueuedWrites, BaseScreen):
    CSS_PATH = "review_screen.tcss"
    AUTO_FOCUS = "#review-table"
    EXECUTE = staticmethod(execute)  # the writes' queue (QueuedWrites)
    QUEUE_WORKER = "review-db"
    RETRY_ID = RETRY_ID

    BINDINGS = [
        *typing_bindings("review", "review.key.type"),
        _edit("enter,tab", "'commit_next'", "review.key.commit", "review.commit"),
        _edit("escape", "'discard'", "review.key.discard", "review.discard"),
        _edit("backspace,delete", "'backspace'", "review.key.clear", "review.clear"),
        _edit("up,k", "'move', -1, 0", "key.up", "review.up"),
        _edit("down,j", "'move', 1, 0", "key.down", "review.down"),
        _edit("left,h", "'move', 0, -1", "review.key.left", "review.left"),
        _edit("right,l", "'move', 0, 1", "review.key.right", "review.right"),
        _edit("g,ctrl+home", "'first_row'", "key.top", "review.top"),
        _edit("G,ctrl+end", "'last_row'", "key.bottom", "review.bottom"),
        Binding("pageup", "page(-1)", "review.key.page_up", id="review.page_up", show=False, priority=True),
        Binding("pagedown", "page(1)", "review.key.page_down", id="review.page_down", show=False, priority=True),
        Binding("p", "peer", "review.key.peer", id="review.peer"),
        Binding("v", "veto", "review.key.veto", id="review.veto"),
        Binding("F", "finalise", "review.key.finalise", id="review.finalise"),
        Binding("A", "amend", "review.key.amend", id="review.amend"),
        Binding("q", "request", "review.key.request", id="review.request"),
        Binding("P", "priority", "review.key.priority", id="review.priority"),
        Binding("left_square_bracket", "year(-1)", "key.year_prev", id="review.year_prev", key_display="["),
        Binding("right_square_bracket", "year(1)", "key.year_next", id="review.year_next", key_display="]"),
        Binding("f5", "reload", "key.reload", id="review.reload"),
        Binding("ctrl+r", "retry", "review.key.retry", id=RETRY_ID, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        # The first visit: Textual reads a new screen's CSS_PATH and re-parses every style
        # sheet, then re-parses them all again for the new screen anyway (refresh_css).  Read
        # here, before it looks, the style sheet is parsed once (as app._warm_up does at idle).
        stylesheet = self.app.stylesheet
        for path in self.css_path:
            if not stylesheet.has_source(str(path), ""):
                stylesheet.read(path)
        self.year = 0
        self.model: ReviewModel | None = None
        self.partial = False  # the table shows the year's first page; the rest is being worked out
        self.loaded = False
        self.reading = False
        self._complete_year = 0  # the year whose every row has been read
        self._name_cells = 0
        self.db_queue = None  # made on the first write (QueuedWrites)
        self.peer_dialog: Any = None  # the peer dialog while it is open (its saves' results go to it)
        self.last_notice: tuple[str, float] = ("", 0.0)
        self.failed_values = FailedValues()  # values whose save failed, handed from each model to the next
        self.failed_peers = FailedPeers()  # peer ratings whose save failed, shared with every peer dialog
        self.failed_shown = 0  # failed values when the bindings were last refreshed

    def compose(self) -> ComposeResult:
        yield StatusLine(id="review-summary")
        yield CellTable(id="review-table")
        yield StatusLine(id="review-detail")
        yield StatusLine(id="review-message")
        yield KeyBar()

    @property
    def table(self) -> CellTable:
        return self.query_one("#review-table", CellTable)

    def status(self, name: str) -> StatusLine:
        return self.query_one(f"#review-{name}", StatusLine)

    @property
    def rows(self) -> list:
        return self.model.rows if self.model is not None else []

    def on_mount(self) -> None:
        from incubator_tui.services.clock import today

        self.year = today().year - 1  # the last complete year
        self.title = t("review.ui.title_year", year=self.year)
        self.sub_title = self.iapp.scope_name
        self.status("summary").set(message("review.ui.loading", year=self.year))
        self.reload()

    def on_screen_suspend(self) -> None:
        super().on_screen_suspend()
        if self.model is not None and self not in self.app.screen_stack:  # another screen, not a dialog
            self.apply(self.model.leave())

    def on_resize(self, _event: events.Resize) -> None:
        if self.model is not None:
            self.table.set_columns(self.fit_columns(self.plan_columns()))
            self.table.scroll_to_cursor()

    # -- loading -------------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.reload()

    def action_year(self, step: int) -> None:
        if self.model is not None:
            out = self.model.commit_typing()
            self.apply(out)
            if not out.ok:
                return
        self.year += step
        self.status("summary").set(message("review.ui.loading", year=self.year))
        self.reload()

    def reload(self) -> None:
        """The year's first page first (a few ms) unless the year was read in full before, then
        every row; both after the writes asked for before (so that they are seen)."""
        from textual.worker import get_current_worker

        from incubator_tui.services.reviews import review_scope

        centre_id, year = self.iapp.scope, self.year  # one centre, or several (the all-centres view)
        if self.iapp.centre_id is None or not centre_id or not year:
            return
        first_page = self._complete_year != year
        queue, mark = self.queue_mark()
        self.reading = True

        def read(reads):  # noqa: ANN001, ANN202 - services.access.Reads
            if queue is not None:
                queue.wait_reported(mark)
            if first_page:
                data = reads(review_scope, centre_id, year, FIRST_PAGE)
                painted = threading.Event()
                self.from_worker(self._loaded, data, _widest_name(data.rows), painted.set)
                # The rest of the year once the first page is on screen: worked out meanwhile,
                # it would take the interpreter from the paint the user is waiting for.
                painted.wait(FIRST_PAINT_WAIT)
                if get_current_worker().is_cancelled:
                    raise LoadCancelled  # another year asked for meanwhile
            data = reads(review_scope, centre_id, year)
            return data, _widest_name(data.rows)

        self.load(read, lambda got: self._loaded(*got), failed=self._failed)

    def _failed(self, _message: str) -> None:
        self.reading = False
        self.show_summary()

    def _loaded(self, data, name_cells: int, painted: Callable[[], object] | None = None) -> None:  # noqa: ANN001
        """Show ``data`` (a ReviewYear: the first page or the whole year); ``painted`` is called
        once its lines are on screen (at once when it is not shown)."""
        if data.year != self.year or (not data.complete and self._complete_year == data.year):
            if painted is not None:
                painted()
            return  # another year was asked for meanwhile; or the whole year is there already
        self.partial = not data.complete
        if data.complete:
            self._complete_year = data.year
            self.reading = False
        model = (ScopeReviewModel if data.by_centre else ReviewModel)(data, self.iapp.centre_id, self.failed_values,
                                                                      self.failed_peers)
        model.retry_key = self.retry_key()
        if self.model is not None and self.model.year == data.year:
            model.adopt(self.model)
        self.model = model
        self._name_cells = max(self._name_cells if self.partial else 0, name_cells)
        self.loaded = True
        self.table.show(model, self.fit_columns(self.plan_columns()))
        if painted is not None:
            self.table.when_drawn(painted)
        self.title = t("review.ui.title_year", year=data.year)
        self.apply(Outcome())

    def plan_columns(self) -> tuple[Column, ...]:
        """Each column's width: numbers as wide as they can get, the name as wide as the widest
        name of the year (while only the first page is in: as wide as it may get), the note the rest."""
        labels = [t(f"review.ui.col.{c}") for c in COLUMNS]
        states = max(cell_len(t(f"review.state.{s}")) for s in ("live", "vetoed", "finalised", "amended"))
        widths = {c: max(cell_len(label), cell_len(_WIDEST.get(c, ""))) for c, label in zip(COLUMNS, labels)}
        widths["state"] = max(widths["state"], states)
        width = max((self.size.width or self.app.size.width) - 1, 60)
        fixed = sum(w + 2 for c, w in widths.items() if c not in ("org", "note"))
        room = width - fixed - 2 - (NOTE_MIN + 2)
        names = self._name_cells if not self.partial else max(self._name_cells, room)
        widths["org"] = max(min(max(names, cell_len(labels[0])), room), NAME_MIN)
        widths["note"] = max(width - fixed - (widths["org"] + 2) - 2, NOTE_MIN)
        justify = {"org": LEFT, "stars": LEFT, "state": LEFT, "note": LEFT, "party": RIGHT, "self": RIGHT,
                   "public": RIGHT, "composite": RIGHT}
        columns = [Column(label, widths[c], justify.get(c, CENTER)) for c, label in zip(COLUMNS, labels)]
        if isinstance(self.model, ScopeReviewModel):  # the all-centres view: the centre after the name
            widest = max((cell_len(r.centre) for r in self.model.rows), default=0)
            centre = max(min(CENTRE_CELLS, widest), cell_len(t("district.col.centre")))
            columns.insert(1, Column(t("district.col.centre"), centre, LEFT))
            columns[-1] = Column(columns[-1].label, max(columns[-1].width - centre - 2, NOTE_MIN), LEFT)
        return tuple(columns)

    def fit_columns(self, columns: tuple[Column, ...]) -> tuple[Column, ...]:
        """On a narrow terminal (80 columns), where the columns planned do not all fit: short
        labels, the monthly mean moved after the stars (name, inputs, composite and stars on
        screen; the rest scrolls in from the right, each column whole or not at all), the name
        given the room left, and names cut so that two never read alike (``format.fit_names``)."""
        width = max((self.size.width or self.app.size.width) - 1, 20)
        if self.model is None:
            return columns
        if sum(c.width + 2 for c in columns) <= width:  # all there: names cut apart where cut at all
            name = columns[0]
            if self._name_cells <= name.width:
                return columns
            shown = fit_names(sorted({r.org for r in self.model.rows}), name.width)
            return (Column(name.label, name.width, name.justify, 0, shown), *columns[1:])
        codes = {t(f"review.ui.col.{c}"): c for c in COLUMNS}
        shortened = []
        for n, column in enumerate(columns):
            code = codes.get(column.label)
            if code in _WIDEST:
                label = t(f"short.review.ui.col.{code}")
                column = Column(label, max(cell_len(label), cell_len(_WIDEST[code])), column.justify, n)
            else:
                column = Column(column.label, column.width, column.justify, n)
            shortened.append((code, column))
        monthly = next(i for i, (code, _c) in enumerate(shortened) if code == "monthly")
        moved = shortened.pop(monthly)
        stars = next(i for i, (code, _c) in enumerate(shortened) if code == "stars")
        shortened.insert(stars + 1, moved)
        head = sum(c.width + 2 for _code, c in shortened[1:stars + 1])
        name = shortened[0][1]
        widest = self._name_cells if not self.partial else width
        cells = max(min(width - head - 2, max(widest, cell_len(name.label))), NAME_MIN)
        names = {r.org for r in self.model.rows}
        shown = fit_names(sorted(names), cells) if self._name_cells > cells else None
        first = Column(name.label, cells, name.justify, 0, shown)
        return (first, *(c for _code, c in shortened[1:]))

    # -- drawing ------------------------------------------------------------------------------------------
    def show_summary(self) -> None:
        """The line above the table, true at every moment: loading, the first page, the whole year."""
        model = self.model
        if model is None or model.year != self.year:
            self.status("summary").set(message("review.ui.loading", year=self.year))
        elif self.partial:
            self.status("summary").set(message("review.ui.first_rows", year=self.year, n=len(model.rows)))
        elif not model.rows:
            self.status("summary").set(message("review.ui.empty", year=self.year))
        else:
            summary = message("review.ui.summary", year=self.year, **model.counts())
            if summary.cell_length > self.size.width - 2:  # 80 columns: the short form, whole
                summary = message("short.review.ui.summary", year=self.year, **model.counts())
            self.status("summary").set(summary)

    def apply(self, out: Outcome) -> None:
        self.take_outcome(out)
        if self.model is None:
            return
        self.table.sync()
        self.status("detail").set(fit(self.model.detail(), 400))
        self.show_summary()
        if (failed := len(self.failed_values) + len(self.failed_peers)) != self.failed_shown:
            self.failed_shown = failed
            self.refresh_bindings()  # ctrl+r shown or hidden

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return bool(self.failed_values or self.failed_peers)  # hidden while nothing failed
        return True

    def action_retry(self) -> None:
        """Save again every value whose save failed (of every year), as shown, in the order they failed."""
        if self.model is not None and not self.refuse_write():
            self.apply(self.model.retry())

    # -- keys ----------------------------------------------------------------------------------------------
    KEY_OPS = {
        "enter": ("commit_next",), "tab": ("commit_next",), "escape": ("discard",), "backspace": ("backspace",),
        "delete": ("backspace",), "up": ("move", -1, 0), "down": ("move", 1, 0), "left": ("move", 0, -1),
        "right": ("move", 0, 1), "g": ("first_row",), "G": ("last_row",),
    }

    handle_review_key = CellKeys.handle_cell_key  # one table key by its default binding (the benchmark's)

    def on_cell_table_clicked(self, event: CellTable.Clicked) -> None:
        event.stop()
        self.action_edit("goto", event.row, event.column)

    def action_edit(self, op: str, first: Any = None, second: Any = None) -> None:
        if op not in _OPS:
            raise ValueError(op)
        if self.model is None:
            if op == "type":
                self.apply(refused(t("review.ui.busy")))
            return
        if op in _WRITE_OPS and self.refuse_write():
            return
        args = tuple(a for a in (first, second) if a is not None)
        self.apply(getattr(self.model, op)(*args))

    def refuse_write(self, dialog: bool = False) -> bool:
        """True, having said why, when the year cannot be written from here: several centres are
        shown (a dialog key asks which centre, typing says to choose one), or the centre came
        from a district merge (``AppContract.scores_read_only``)."""
        if self.iapp.all_centres:
            if dialog:
                self.iapp.choose_centre("review", why=t("district.pick.review"))
            else:
                self.apply(refused(t("district.review.one_centre")))
            return True
        reason = self.iapp.scores_read_only()
        if reason is not None:
            self.apply(refused(reason))
            return True
        return False

    def action_page(self, direction: int) -> None:
        self.action_edit("move", direction * self.table.page_rows, 0)

    def target(self):  # noqa: ANN201 - a LiveRating or None
        if self.model is None:
            self.apply(refused(t("review.ui.busy")))
            return None
        out, row = self.model.target()
        self.apply(out)
        return row

    def dialog_target(self, not_finalised: str | None = None):  # noqa: ANN201 - a LiveRating or None
        """The organisation a dialog key works on, or None having said why: the year cannot be
        written from here, nothing to work on, what is typed refused, or (``not_finalised``: the
        message's key) its rating not finalised yet."""
        if self.refuse_write(dialog=True):
            return None
        row = self.target()
        if row is not None and not_finalised is not None and not row.finalised:
            self.say(Notice(t(not_finalised, name=row.org), "error"))
            return None
        return row

    # -- dialogs ----------------------------------------------------------------------------------------------
    def action_peer(self) -> None:
        row = self.dialog_target()
        if row is None:
            return
        from incubator_tui.screens.review_modals import PeerDialog

        model = self.model
        dialog = PeerDialog(row.org_id, row.org, self.year, self.enqueue, self.queue_mark(), self.failed_peers,
                            self.retry_key())
        self.peer_dialog = dialog
        year = self.year

        def closed(result: tuple | None) -> None:
            self.peer_dialog = None
            if result is not None and self.model is model:
                model.set_peer(row.org_id, *result)
                self.apply(Outcome())
            if unsaved := len(self.failed_peers.of(row.org_id, year)):  # left for ctrl+r here
                self.say(Notice(t("review.peer.closed_unsaved", name=row.org, n=unsaved, key=self.retry_key()),
                                "error", 10))

        self.app.push_screen(dialog, closed)

    def action_veto(self) -> None:
        row = self.dialog_target()
        if row is None:
            return
        from incubator_tui.screens.scoring_modals import ReasonModal

        def done(text: str | None) -> None:
            if text:
                self.enqueue(ReviewOp("veto", self.iapp.centre_id, self.year, row.org_id, row.org, text=text))

        self.app.push_screen(ReasonModal(
            t("review.veto.title", year=self.year), t("review.veto.subject", name=row.org),
            initial=row.veto, placeholder=t("review.veto.placeholder"), required=True), done)

    def action_finalise(self) -> None:
        if self.refuse_write(dialog=True):
            return
        if self.target() is None and self.model is None:
            return
        if self.model is not None and self.model.buffer is not None:
            return  # what is typed was refused: fixed first
        if unsaved := len(self.failed_values.in_year(self.year)) + len(self.failed_peers.in_year(self.year)):  # the screen would not be what is rated
            self.apply(refused(t("review.finalise.unsaved", count=unsaved, key=self.retry_key())))
            return
        from incubator_tui.screens.review_modals import FinaliseModal

        year = self.year

        def done(yes: bool | None) -> None:
            if yes:
                self.enqueue(ReviewOp("finalise", self.iapp.centre_id, year))

        self.app.push_screen(FinaliseModal(self.iapp.centre_id, year, self.queue_mark()), done)

    def action_amend(self) -> None:
        row = self.dialog_target("review.amend.not_finalised")
        if row is None:
            return
        from incubator_tui.screens.review_modals import AmendModal

        def done(result: tuple[int, str] | None) -> None:
            if result is not None:
                stars, reason = result
                self.enqueue(ReviewOp("amend", self.iapp.centre_id, self.year, row.org_id, row.org,
                                      rating_id=row.rating_id, stars=stars, text=reason))

        self.app.push_screen(AmendModal(row.org, self.year, row.stars, row.request), done)

    def action_request(self) -> None:
        row = self.dialog_target("review.request.not_finalised")
        if row is None:
            return
        from incubator_tui.screens.scoring_modals import ReasonModal

        if row.request:  # waiting for its decision: confirmed here with a reason (amending is A)
            def confirm(reason: str | None) -> None:
                if reason:
                    self.enqueue(ReviewOp("confirm", self.iapp.centre_id, self.year, row.org_id, row.org,
                                          rating_id=row.rating_id, text=reason))

            self.app.push_screen(ReasonModal(
                t("review.confirm.title"), t("review.confirm.subject", name=row.org, text=row.request,
                                             stars=row.stars),
                placeholder=t("review.confirm.placeholder"), required=True), confirm)
            return

        def request(text: str | None) -> None:
            if text:
                self.enqueue(ReviewOp("request", self.iapp.centre_id, self.year, row.org_id, row.org,
                                      rating_id=row.rating_id, text=text))

        until = row.publicity_until.isoformat() if row.publicity_until else "—"
        self.app.push_screen(ReasonModal(
            t("review.request.title"), t("review.request.subject", name=row.org, until=until),
            placeholder=t("review.request.placeholder"), required=True), request)

    def action_priority(self) -> None:
        from incubator_tui.screens.review_modals import PriorityModal

        if self.iapp.all_centres:  # a centre's own list
            self.iapp.choose_centre("review", why=t("district.pick.review"))
            return
        if self.model is not None:
            self.apply(self.model.leave())
        self.app.push_screen(PriorityModal(self.iapp.centre_id, self.iapp.centre_name, self.year,
                                           self.queue_mark()))

    # -- the database queue's results (QueuedWrites) ------------------------------------------------------------
    def job_done(self, msg: JobDone) -> None:
        job, model = msg.job, self.model
        if isinstance(job, PeerJob):
            dialog = self.peer_dialog
            if dialog is not None and dialog.owns(job):
                dialog.job_done(job, msg.error)
            else:  # its dialog closed (or still reading): the screen's registry keeps what failed
                out, stale = peer_done(self.failed_peers, job, msg.error, self.retry_key())
                if model is not None:
                    model.peer_changed(job.org_id, job.year)
                self.apply(out)
                if stale:  # refused: the row's mean had counted it
                    self.reload()
            return
        if isinstance(job, ValueJob):
            if model is None:
                if msg.error is not None:
                    self.say(Notice(str(msg.error), "error"))
                return
            if msg.error is not None:
                return self.apply(model.save_failed(job, msg.error))
            model.save_done(job)
            if job.retry:
                self.apply(Outcome(notices=[Notice(t("review.ui.retry_saved", name=job.org_name, year=job.year,
                                                     component=t(f"rules.component.{job.component}")))]))
            return
        self.op_done(job, msg.result, msg.error)

    def op_done(self, job: ReviewOp, result: Any, error: BaseException | None) -> None:
        if error is not None:
            return self.say(Notice(t("review.ui.action_failed", error=str(error) or type(error).__name__), "error"))
        notices = []
        if job.kind == "veto":
            if self.model is not None and self.model.year == job.year:
                self.model.set_veto(job.org_id, job.text)
            notices.append(Notice(t("review.veto.done", name=job.org_name), "warning"))
            if result.case_opened:
                notices.append(Notice(t("review.case_opened.veto", name=job.org_name), "warning", 10))
        elif job.kind == "finalise":
            res = result.finalised
            notices.append(Notice(t("review.finalise.done", year=job.year, rated=len(res.rated),
                                    cannot=len(res.not_rated), five=len(res.priority),
                                    cases=len(res.cases_opened)), "warning" if res.cases_opened else "information",
                                  12))
        elif job.kind == "amend":
            notices.append(Notice(t("review.amend.done", name=job.org_name, stars=job.stars)))
            if result.case_opened:
                notices.append(Notice(t("review.case_opened.annual", name=job.org_name), "warning", 10))
        elif job.kind == "request":
            notices.append(Notice(t("review.request.done", name=job.org_name)))
        elif job.kind == "confirm":
            notices.append(Notice(t("review.confirm.done", name=job.org_name)))
        self.apply(Outcome(notices=notices))
        if job.kind != "veto":  # the stored rating changed: read the year again (the cursor stays)
            self.reload()

    # -- for tests and the benchmark ------------------------------------------------------------------------
    def cell_text(self, org_id: str, column: str) -> str:
        shift = 1 if isinstance(self.model, ScopeReviewModel) and column != "org" else 0
        return self.table.cell(self.model.row_of[org_id], COLUMNS.index(column) + shift)

    def row_of(self, name: str) -> int:
        return next(n for n, r in enumerate(self.model.rows) if r.org == name)

    def cursor_at(self) -> tuple[str, str]:
        return self.model.rows[self.model.row].org, CURSOR_COLUMNS[self.model.col]


def _widest_name(rows: list) -> int:
    """The widest name in display cells (measured in the loading worker, not on the UI thread)."""
    widest = 0
    for name in sorted({r.org for r in rows}, key=len, reverse=True):
        if 2 * len(name) <= widest:
            break
        widest = max(widest, cell_len(name))
    return widest
