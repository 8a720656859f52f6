"""One case's page (cases screen, Enter): its reason, state and next deadline, the
rectification items with their status, and a timeline of every event.

The keys offered are exactly the moves the rules allow in the case's state
(``CasePage.actions``); the rules refuse an illegal one anyway.  Each key opens
a form (``screens.case_forms``) whose save runs the service in one transaction;
the page then reads the case again.  User text (names, reasons, notes) is shown
as text, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Label, Static

from incubator_tui.i18n import t
from incubator_tui.rules.months import local_minute
from incubator_tui.screens.base import BaseScreen
from incubator_tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from incubator_tui.services.cases import CasePage

STYLE_NAMES = ("error", "warning", "success", "muted")

# key action → the rules' action codes that make it legal (any of them)
ACTION_NEEDS: dict[str, tuple[str, ...]] = {
    "interview": ("record_interview",),
    "extend": ("extend",),
    "review": ("record_review_pass", "record_review_fail"),
    "objection": ("object", "object_upheld", "object_accepted"),
    "exit": ("record_exit",),
    "withdraw": ("withdraw",),
}




def fraction_text(value: str | None) -> str:
    """An exact value stored as text ("27/5") shown with one decimal, half up."""
    from incubator_tui.rules.scoring import format_total

    if not value:
        return "—"
    return format_total(Fraction(value))


def reason_lines(page: CasePage) -> list[Text]:
    """The case's reason: the low months with totals and the items that lost points;
    the rating with its components; or the violation."""
    lines: list[Text] = []
    if page.kind == "monthly" and page.months:
        for m in page.months:
            line = Text(t("casepage.reason_month", month=m.month, total=fraction_text(m.total)), style="bold")
            lines.append(line)
            for lost in m.lost:
                item = Text("    ")
                item.append(t("casepage.reason_lost", name=lost.name, earned=lost.earned_cent / 100,
                              max=lost.max_cent / 100))
                if lost.reason:
                    item.append("  ")
                    item.append(lost.reason)  # user text: a Text span, never markup
                lines.append(item)
    elif page.kind == "annual" and page.rating is not None:
        r = page.rating
        lines.append(Text(t("casepage.reason_rating", year=r.year, stars="★" * r.stars,
                            composite=fraction_text(r.composite)), style="bold"))
        parts = Text("    ")
        for code, value in r.components:
            style = "bold" if code in r.weak else ""
            parts.append(f"{t(f'rules.component.{code}')} {fraction_text(value)}", style=style)
            parts.append("  ")
        lines.append(parts)
        if page.reason:
            lines.append(Text(page.reason))
    else:
        lines.append(Text(page.reason or "—"))
    return lines


class CasePageScreen(BaseScreen):
    """Pushed from the cases screen; Esc or Backspace returns."""

    CSS_PATH = "case_page.tcss"
    COMPONENT_CLASSES = {f"casepage--{name}" for name in STYLE_NAMES}
    BINDINGS = [
        Binding("i", "interview", "casepage.key.interview", id="case.interview"),
        Binding("t", "extend", "casepage.key.extend", id="case.extend"),
        Binding("v", "review", "casepage.key.review", id="case.review"),
        Binding("b", "objection", "casepage.key.objection", id="case.objection"),
        Binding("x", "exit", "casepage.key.exit", id="case.exit"),
        Binding("w", "withdraw", "casepage.key.withdraw", id="case.withdraw"),
        Binding("space", "toggle_item", "casepage.key.toggle", id="case.toggle", key_display="space"),
        Binding("n", "notice", "casepage.key.notice", id="case.notice"),
        Binding("escape", "back", "casepage.key.back", id="case.back"),
        Binding("backspace", "back", "casepage.key.back", id="case.back2", show=False),
    ]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.page: CasePage | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="case-page"):
            yield Static("", id="case-title", markup=False)
            yield Static("", id="case-status", markup=False)
            yield Label(t("casepage.section.reason"), classes="section", markup=False)
            yield Static("", id="case-reason", markup=False)
            yield Label(t("casepage.section.interview"), classes="section", markup=False, id="case-interview-label")
            yield Static("", id="case-interview", markup=False)
            yield Label(t("casepage.section.items"), classes="section", markup=False)
            yield DataTable(id="case-items", cursor_type="row", zebra_stripes=True)
            yield Static("", id="case-items-summary", markup=False)
            yield Label(t("casepage.section.timeline"), classes="section", markup=False)
            yield DataTable(id="case-events", cursor_type="row", zebra_stripes=True, show_cursor=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = t("casepage.title")
        self.query_one("#case-page").loading = True
        items = self.query_one("#case-items", DataTable)
        for col in ("no", "description", "owner", "deadline", "status"):
            items.add_column(t(f"casepage.items.{col}"), key=col)
        events = self.query_one("#case-events", DataTable)
        for col in ("at", "operator", "action", "change", "text"):
            events.add_column(t(f"cases.events.col.{col}"), key=col)
        self.reload()

    def reload(self) -> None:
        from incubator_tui.services.cases import load_case_page

        case_id = self.case_id
        self.load(lambda reads: reads(load_case_page, case_id), self._show, failed=lambda _m: self.action_back())

    # ------------------------------------------------------------------ showing

    def _styles(self) -> dict[str, Style]:
        return {name: self.get_component_rich_style(f"casepage--{name}", partial=True) for name in STYLE_NAMES}

    def _show(self, page: CasePage) -> None:
        self.page = page
        st = self._styles()
        self.sub_title = page.org
        title = Text(page.org, style="bold")
        title.append("  ")
        title.append(t("casepage.kind_case", kind=t(f"case_kind.{page.kind}")))
        title.append("  ")
        state_style = st["error"] if page.state == "exit_ordered" else st["warning"] if page.state in (
            "to_interview", "rectifying") else st["muted"]
        title.append(f" {t(f'case_state.{page.state}')} ", style=state_style + Style(reverse=True))
        self.query_one("#case-title", Static).update(title)
        self.query_one("#case-status", Static).update(self._status(page, st))
        reason = Text("\n").join(reason_lines(page))
        self.query_one("#case-reason", Static).update(reason)
        interview = self._interview(page)
        self.query_one("#case-interview", Static).update(interview)
        self.query_one("#case-interview", Static).display = bool(interview.plain)
        self.query_one("#case-interview-label", Label).display = bool(interview.plain)
        self._fill_items(page, st)
        self._fill_events(page)
        self.query_one("#case-page").loading = False
        self.refresh_bindings()
        items = self.query_one("#case-items", DataTable)
        if items.row_count:
            items.focus()

    def _status(self, page: CasePage, st: dict[str, Style]) -> Text:
        out = Text()
        nxt = page.next
        if nxt is not None:
            kind, when = nxt
            label = t(f"casepage.next.{kind}", date=when.isoformat())
            if page.overdue:
                out.append(t("casepage.overdue", what=label), style=st["error"] + Style(bold=True))
            else:
                out.append(label, style="bold")
            out.append("\n")
        facts = [("opened", page.opened_on), ("interview", page.interview_date), ("review", page.review_date),
                 ("notice", page.notice_date), ("handover", page.handover_deadline),
                 ("objection_until", page.objection_deadline), ("exit", page.exit_date), ("closed", page.closed_on)]
        parts = [t(f"casepage.fact.{key}", date=value.isoformat()) for key, value in facts if value is not None]
        out.append("   ".join(parts), style=st["muted"])
        if page.pending_objection:
            out.append("\n")
            out.append(t("casepage.objection_pending", date=page.objected_on.isoformat() if page.objected_on else "—"),
                       style=st["warning"])
        if page.review_findings:
            out.append("\n")
            out.append(t("casepage.findings") + "：")
            out.append(page.review_findings)
        return out

    def _interview(self, page: CasePage) -> Text:
        if page.interview_date is None:
            return Text()
        rows = [
            ("time", f"{page.interview_date.isoformat()} {page.interview_time}".strip()),
            ("place", page.interview_place), ("interviewers", page.interviewers), ("attendees", page.attendees),
            ("problems", page.problems), ("commitments", page.commitments),
        ]
        out = Text()
        for key, value in rows:
            if not value:
                continue
            if out.plain:
                out.append("\n")
            out.append(t(f"caseform.field.{key}") + "：", style="bold")
            out.append(value)
        return out

    def _fill_items(self, page: CasePage, st: dict[str, Style]) -> None:
        table = self.query_one("#case-items", DataTable)
        keep = table.cursor_row
        table.clear()
        for n, item in enumerate(page.items, 1):
            if item.done:
                status = Text(t("casepage.item_done", date=item.done_on.isoformat()), style=st["success"])
                if item.evidence:
                    status.append(" ")
                    status.append(item.evidence)
            elif page.state == "rectifying" and page.today > item.deadline:
                status = Text(t("casepage.item_overdue"), style=st["error"] + Style(bold=True))
            else:
                status = Text(t("casepage.item_open"))
            deadline = Text(item.deadline.isoformat())
            if item.deadline != item.original_deadline:
                deadline.append(" " + t("casepage.extended_from", date=item.original_deadline.isoformat()),
                                style=st["muted"])
            table.add_row(Text(str(n)), Text(item.description), Text(item.owner), deadline, status, key=item.id)
        if page.items:
            table.move_cursor(row=min(max(keep, 0), len(page.items) - 1))
        summary = self.query_one("#case-items-summary", Static)
        summary.update(t("casepage.items_summary", done=page.done_count, total=len(page.items))
                       if page.items else t("casepage.no_items"))

    def _fill_events(self, page: CasePage) -> None:
        table = self.query_one("#case-events", DataTable)
        table.clear()
        for e in page.events:
            change = ""
            if e.to_state and e.from_state != e.to_state:
                change = f"{t(f'case_state.{e.from_state}') if e.from_state else '—'} → {t(f'case_state.{e.to_state}')}"
            table.add_row(Text(local_minute(e.at)), Text(e.operator), Text(t(f"cases.action.{e.action}")),
                          Text(change), Text((e.text or "").replace("\n", " ")))

    # ------------------------------------------------------------------ keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        page = self.page
        if action in ACTION_NEEDS:
            return page is not None and any(a in page.actions for a in ACTION_NEEDS[action])
        if action == "toggle_item":
            return page is not None and page.state == "rectifying" and bool(page.items)
        if action == "notice":
            return page is not None and bool(page.notices)
        return True

    def action_back(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()

    def current_item(self):  # noqa: ANN201 - an ItemRow or None
        table = self.query_one("#case-items", DataTable)
        if self.page is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((i for i in self.page.items if i.id == key), None)

    def _open(self, form, done: Callable[[object], None] | None = None) -> None:  # noqa: ANN001
        def closed(result: object) -> None:
            if result is not None:
                if done is not None:
                    done(result)
                self.reload()

        self.app.push_screen(form, closed)

    def action_interview(self) -> None:
        from incubator_tui.screens.case_forms import InterviewForm

        if self.check_action("interview", ()):
            self._open(InterviewForm(self.page))

    def action_extend(self) -> None:
        from incubator_tui.screens.case_forms import ExtensionForm

        if self.check_action("extend", ()):
            self._open(ExtensionForm(self.page, self.current_item()))

    def action_review(self) -> None:
        from incubator_tui.screens.case_forms import ReviewForm

        if self.check_action("review", ()):
            self._open(ReviewForm(self.page), self._say_saved)

    def action_objection(self) -> None:
        from incubator_tui.screens.case_forms import DecisionForm, ObjectionForm

        if not self.check_action("objection", ()):
            return
        self._open(DecisionForm(self.page) if self.page.pending_objection else ObjectionForm(self.page))

    def action_exit(self) -> None:
        from incubator_tui.screens.case_forms import ExitForm

        if self.check_action("exit", ()):
            self._open(ExitForm(self.page), self._say_saved)

    def action_withdraw(self) -> None:
        from incubator_tui.screens.case_forms import WithdrawForm

        if self.check_action("withdraw", ()):
            self._open(WithdrawForm(self.page))

    def action_toggle_item(self) -> None:
        from incubator_tui.screens.case_forms import ItemDoneForm

        item = self.current_item()
        if item is None or not self.check_action("toggle_item", ()):
            return
        if item.done:
            self._reopen(item.id)
        else:
            self._open(ItemDoneForm(self.page, item))

    @work(thread=True, exclusive=True, group="case-write")
    def _reopen(self, item_id: str) -> None:
        from incubator_tui.errors import UserError
        from incubator_tui.rules.errors import DomainError
        from incubator_tui.services.access import write
        from incubator_tui.services.cases import reopen_item

        try:
            write(self.iapp.db, reopen_item, self.case_id, item_id, self.iapp.operator)
        except (UserError, DomainError) as err:
            self.from_worker(self.notify, str(err), severity="error", markup=False)
            return
        self.from_worker(self.reload)

    def action_notice(self) -> None:
        from incubator_tui.screens.case_forms import start_notice

        if self.check_action("notice", ()):
            start_notice(self, self.page)

    def _say_saved(self, result: object) -> None:
        if isinstance(result, str) and result:
            self.notify(result, markup=False, timeout=8)


def open_case_page(app, case_id: str) -> None:  # noqa: ANN001 - the app
    """Show a case's page (from the cases screen, and later the dashboard's agenda)."""
    app.push_screen(CasePageScreen(case_id))
