"""Dialogs of the annual review: peer ratings, finalising, amending, the priority list.

Each reads what it shows through ``BaseModal.load`` (after the review's writes
asked for before it: the screen hands over its queue's mark) and returns its
value with ``dismiss``.  The peer dialog is typed as the review table is
(:class:`~incubator_tui.editing.review_model.PeerModel`), its saves going through
the review screen's ordered queue.  Names, reasons and paths are shown
literally (``safe_text``; ``Static``/``Label`` with ``markup=False``).
The veto, a request for review and its confirmation ask for one text:
``scoring_modals.ReasonModal``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from incubator_tui.editing.cell_typing import Notice, Outcome
from incubator_tui.editing.review_model import FailedPeers, PeerJob, PeerModel, number, stars_text
from incubator_tui.i18n import t
from incubator_tui.screens.base import BaseModal
from incubator_tui.screens.cell_keys import CellKeys, edit_binding as _edit, typing_bindings
from incubator_tui.screens.review_screen import RETRY_ID  # one binding id: a remap moves both keys
from incubator_tui.widgets.review_table import CellTable, Column, LEFT, RIGHT
from incubator_tui.widgets.safe_text import message, plain
from incubator_tui.widgets.status_line import StatusLine

_CSS = Path(__file__).with_name("review_screen.tcss")
_PEER_OPS = frozenset({"type", "commit_next", "backspace", "move", "first_row", "last_row", "goto"})


def _wait(mark: tuple) -> None:
    queue, n = mark
    if queue is not None:
        queue.wait_reported(n)


class PeerDialog(CellKeys, BaseModal):
    """``p``: the ratings the centre's other organisations of the year give one organisation.

    A rating whose save fails (a failure a retry may mend) stays, marked ``!``, with a message
    saying so; ``ctrl+r`` (the review's retry key, binding id ``review.retry``: remapped with it)
    saves this organisation's again.  Closed with some still unsaved, they stay in the review
    screen's registry (``failed``): its table marks them, its ``ctrl+r`` saves them and
    finalising waits for them."""

    CSS_PATH = _CSS
    BINDINGS = [
        *typing_bindings("review.peer", "review.key.type"),
        _edit("enter,tab", "'commit_next'", "review.key.commit_down", "review.peer.commit"),
        _edit("backspace,delete", "'backspace'", "review.key.clear", "review.peer.clear"),
        _edit("up,k", "'move', -1", "key.up", "review.peer.up"),
        _edit("down,j", "'move', 1", "key.down", "review.peer.down"),
        _edit("g", "'first_row'", "key.top", "review.peer.top"),
        _edit("G", "'last_row'", "key.bottom", "review.peer.bottom"),
        Binding("escape", "close", "review.key.close", id="review.peer.close", priority=True),
        Binding("ctrl+r", "retry", "review.key.retry", id=RETRY_ID, priority=True),
    ]

    def __init__(self, org_id: str, org: str, year: int, enqueue: Callable[[Any], None], mark: tuple,
                 failed: FailedPeers | None = None, retry_key: str = "ctrl+r") -> None:
        super().__init__(classes="review-modal")
        self.org_id, self.org, self.year = org_id, org, year
        self.enqueue = enqueue
        self.mark = mark
        self.failed = failed if failed is not None else FailedPeers()
        self.retry_key = retry_key
        self.model: PeerModel | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(t("review.peer.title", name=self.org, year=self.year)), classes="dialog-title",
                        markup=False)
            yield StatusLine(id="peer-summary")
            yield CellTable(id="peer-table")
            yield StatusLine(id="peer-message")
            yield Static(message("review.peer.hint"), classes="dialog-subject", markup=False)

    def on_mount(self) -> None:
        from incubator_tui.services.reviews import peer_sheet

        self.query_one("#peer-summary", StatusLine).set(t("review.ui.loading_short"))
        org_id, year, mark = self.org_id, self.year, self.mark

        def read(reads):  # noqa: ANN001, ANN202
            _wait(mark)
            return reads(peer_sheet, org_id, year)

        self.load(read, self.loaded)

    def loaded(self, sheet) -> None:  # noqa: ANN001 - a PeerSheet
        self.model = PeerModel(sheet, self.failed, self.retry_key)
        widest = max([cell_len(name) for _i, name, _v in sheet.raters] + [cell_len(t("review.peer.col.rater"))])
        columns = (Column(t("review.peer.col.rater"), min(max(widest, 12), 50), LEFT),
                   Column(t("review.peer.col.score"), max(cell_len(t("review.peer.col.score")), 7), RIGHT))
        table = self.query_one("#peer-table", CellTable)
        table.show(self.model, columns)
        table.focus()
        self.apply(Outcome())
        if not sheet.raters:
            self.say(Notice(t("review.peer.no_raters"), "warning"))
        elif unsaved := self.model.unsaved_count():  # left unsaved when it was last closed
            self.say(Notice(t("review.peer.still_unsaved", n=unsaved, key=self.retry_key), "error"))

    def apply(self, out: Outcome) -> None:
        for job in out.saves:
            self.enqueue(job)
        for notice in out.notices:
            self.say(notice)
        if out.clear_notice and not out.notices:
            self.query_one("#peer-message", StatusLine).set("")
        if self.model is None:
            return
        self.query_one("#peer-table", CellTable).sync()
        self.query_one("#peer-summary", StatusLine).set(self.model.summary())

    def say(self, notice: Notice) -> None:
        line = self.query_one("#peer-message", StatusLine)
        line.set_classes(f"-{notice.severity}")
        line.set(notice.text)

    def action_edit(self, op: str, first: Any = None, second: Any = None) -> None:
        if op not in _PEER_OPS:
            raise ValueError(op)
        if self.model is None:
            return
        args = tuple(a for a in (first, second) if a is not None)
        self.apply(getattr(self.model, op)(*args))

    def on_cell_table_clicked(self, event: CellTable.Clicked) -> None:
        event.stop()
        self.action_edit("goto", event.row, event.column)

    def action_close(self) -> None:
        """Esc: drop what is typed; with nothing typed, close (the mean goes back to the row)."""
        model = self.model
        if model is None:
            return self.dismiss(None)
        if model.buffer is not None:
            return self.apply(model.discard())
        self.dismiss(model.mean())

    def action_retry(self) -> None:
        """Save again every rating of this organisation whose save failed."""
        if self.model is not None:
            self.apply(self.model.retry())

    def owns(self, job: PeerJob) -> bool:
        """The result of ``job`` is this dialog's to show (its organisation and year, read)."""
        return self.model is not None and self.model.owns(job)

    def job_done(self, job: PeerJob, error: BaseException | None) -> None:
        if self.model is None:
            return
        self.apply(self.model.save_done(job) if error is None else self.model.save_failed(job, error))


class FinaliseModal(BaseModal):
    """``F``: who will be rated and who cannot be (with what is missing), then ``y`` to finalise."""

    CSS_PATH = _CSS
    BINDINGS = [
        Binding("y", "confirm", "review.key.finalise_yes", id="review.finalise.yes"),
        Binding("escape,n", "cancel", "review.key.cancel", id="review.finalise.no"),
    ]

    def __init__(self, centre_id: str, year: int, mark: tuple) -> None:
        super().__init__(classes="review-modal")
        self.centre_id, self.year, self.mark = centre_id, year, mark
        self.plan: Any = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(t("review.finalise.title", year=self.year)), classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Static(message("review.ui.loading_short"), id="finalise-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("review.finalise.button"), variant="warning", id="finalise-yes", disabled=True)
                yield Button(t("scoring.button.cancel"), id="finalise-no")

    def on_mount(self) -> None:
        from incubator_tui.services.reviews import finalise_plan

        centre_id, year, mark = self.centre_id, self.year, self.mark

        def read(reads):  # noqa: ANN001, ANN202
            _wait(mark)
            return reads(finalise_plan, centre_id, year)

        self.load(read, self.loaded)

    def loaded(self, plan) -> None:  # noqa: ANN001 - a FinalisePlan
        self.plan = plan
        self.query_one("#finalise-body", Static).update(plain("\n".join(finalise_lines(plan))))
        yes = self.query_one("#finalise-yes", Button)
        yes.disabled = not plan.rateable
        (yes if plan.rateable else self.query_one("#finalise-no", Button)).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "finalise-yes":
            self.action_confirm()
        else:
            self.dismiss(False)

    def action_confirm(self) -> None:
        if self.plan is not None and self.plan.rateable:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


def finalise_lines(plan) -> list[str]:  # noqa: ANN001 - a FinalisePlan
    """The confirmation's body: who will be rated (stars, and what follows), who cannot be and why."""
    lines = [t("review.finalise.will", n=len(plan.rateable))]
    for r in plan.rateable:
        follow = t("review.finalise.priority") if r.stars == 5 else t("review.finalise.case") if r.stars <= 3 else ""
        lines.append(f"  {r.org}  {stars_text(r.stars)}  {number(r.composite, 2)}{follow}")
    if plan.cannot:
        lines += ["", t("review.finalise.cannot", n=len(plan.cannot))]
        for r in plan.cannot:
            what = t("sep.enum").join(t(f"rules.component.{c}") for c in r.missing)
            lines.append(f"  {r.org}：{t('review.ui.missing', what=what)}")
    if plan.already:
        lines += ["", t("review.finalise.already", n=plan.already)]
    if not plan.rateable:
        lines += ["", t("review.finalise.nothing")]
    return lines


class AmendModal(BaseModal):
    """``A``: the new stars (1-5) and the reason (required); ctrl+s or Enter on the reason saves."""

    CSS_PATH = _CSS
    BINDINGS = [
        Binding("ctrl+s", "save", "review.key.save", id="review.amend.save"),
        Binding("escape", "cancel", "review.key.cancel", id="review.amend.cancel"),
    ]

    def __init__(self, org: str, year: int, stars: int, request: str = "") -> None:
        super().__init__(classes="review-modal")
        self.org, self.year, self.stars, self.request = org, year, stars, request

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(t("review.amend.title", name=self.org, year=self.year)), classes="dialog-title",
                        markup=False)
            subject = t("review.amend.subject", stars=stars_text(self.stars))
            if self.request:
                subject += "\n" + t("review.amend.request", text=self.request)
            yield Static(plain(subject), classes="dialog-subject", markup=False)
            yield Input(placeholder=t("review.amend.stars_placeholder"), id="amend-stars", max_length=1,
                        restrict=r"[1-5１-５]*")
            yield Input(placeholder=t("review.amend.reason_placeholder"), id="amend-reason", max_length=300)
            yield Static("", id="amend-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("scoring.button.ok"), variant="primary", id="amend-ok")
                yield Button(t("scoring.button.cancel"), id="amend-cancel")

    def on_mount(self) -> None:
        self.query_one("#amend-stars", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "amend-stars":
            self.query_one("#amend-reason", Input).focus()
        else:
            self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "amend-ok" else self.dismiss(None)

    def action_save(self) -> None:
        raw = unicodedata.normalize("NFKC", self.query_one("#amend-stars", Input).value.strip())
        reason = self.query_one("#amend-reason", Input).value.strip()
        error = self.query_one("#amend-error", Static)
        if not raw.isdigit() or not 1 <= int(raw) <= 5:
            return error.update(message("review.amend.stars_needed"))
        if int(raw) == self.stars:
            return error.update(message("review.amend_same", stars=self.stars))
        if not reason:
            return error.update(message("review.reason_required"))
        self.dismiss((int(raw), reason))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PriorityModal(BaseModal):
    """``P``: the year's five-star organisations with their composites; ``ctrl+e`` writes them as .xlsx."""

    CSS_PATH = _CSS
    BINDINGS = [
        Binding("ctrl+e", "export", "review.key.export_xlsx", id="review.priority.export", priority=True),
        Binding("escape", "close", "review.key.close", id="review.priority.close"),
    ]

    def __init__(self, centre_id: str, centre: str, year: int, mark: tuple) -> None:
        super().__init__(classes="review-modal")
        self.centre_id, self.centre, self.year, self.mark = centre_id, centre, year, mark
        self.rows: list | None = None
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(t("review.priority.title", centre=self.centre, year=self.year)),
                        classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Static(message("review.ui.loading_short"), id="priority-body", markup=False)
            yield StatusLine(id="priority-message")
            yield Static(message("review.priority.hint"), classes="dialog-subject", markup=False)

    def on_mount(self) -> None:
        from incubator_tui.services.reviews import priority_list

        centre_id, year, mark = self.centre_id, self.year, self.mark

        def read(reads):  # noqa: ANN001, ANN202
            _wait(mark)
            return reads(priority_list, centre_id, year)

        self.load(read, self.loaded)

    def loaded(self, rows: list) -> None:
        self.rows = rows
        if not rows:
            text = t("review.priority.empty", year=self.year)
        else:
            text = "\n".join(f"{n:>3}. {r.org}  {number(r.composite, 2)}  {stars_text(r.stars)}"
                             for n, r in enumerate(rows, start=1))
        self.query_one("#priority-body", Static).update(plain(text))

    def target(self) -> Path:
        import os

        from incubator_tui.screens.export_modal import default_folder, unique_path

        chosen = self.iapp.config.output_dir.strip()
        home = os.environ.get("INCUBATOR_TUI_HOME")
        folder = Path(chosen).expanduser() if chosen else Path(home) if home else default_folder()
        return unique_path(folder, t("review.priority.file", centre=self.centre, year=self.year), ".xlsx")

    def action_export(self) -> None:
        if self.rows is None:
            return
        line = self.query_one("#priority-message", StatusLine)
        line.set_classes("-information")
        line.set(t("review.priority.writing"))
        self.write_xlsx(self.rows, self.target())

    @work(thread=True, exclusive=True, group="priority-xlsx", exit_on_error=False)
    def write_xlsx(self, rows: list, out: Path) -> None:
        from incubator_tui.errors import UserError
        from incubator_tui.services.reviews import write_priority_xlsx

        try:
            if not out.parent.is_dir():
                from incubator_tui import paths

                paths.private_dir(out.parent)
            path = write_priority_xlsx(rows, out, year=self.year, centre=self.centre)
        except (UserError, OSError) as err:
            self.from_worker(self.said, t("review.priority.failed", error=str(err)), "-error")
            return
        self.from_worker(self.wrote, path)

    def wrote(self, path: Path) -> None:
        self.written = path
        self.said(t("review.priority.written", path=str(path)), "-information")

    def said(self, text: str, cls: str) -> None:
        line = self.query_one("#priority-message", StatusLine)
        line.set_classes(cls)
        line.set(text)
        self.app.notify(text, severity="error" if cls == "-error" else "information", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
