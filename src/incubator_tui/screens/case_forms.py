"""The case's forms, each a modal over the case's page: the interview (with its
rectification items), an extension, the review, an objection and its decision,
the exit, a withdrawal, an item ticked off, and the notices.

Every form works the same way: Tab / Shift+Tab between fields, ``ctrl+s`` saves,
Esc cancels (asking first when something was typed).  The fields are checked by
the same functions the services use (``rules.cases.check_*``): a problem is
shown beside its field and nothing is saved.  The save runs the service in one
transaction in a worker; a refusal from the service (the case changed meanwhile)
is shown in the form.  The form closes with a short message for the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from incubator_tui.i18n import t
from incubator_tui.screens.base import BaseModal

if TYPE_CHECKING:
    from incubator_tui.rules.errors import DomainError
    from incubator_tui.services.cases import CasePage, ItemRow

_CSS = "case_page.tcss"


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str = "text"  # text | date | datetime | choice
    required: bool = False
    initial: str = ""
    placeholder: str = ""
    max_length: int = 500


def now_text(day: date) -> str:
    """The date given (today, perhaps pinned) with the current time in the centre's time zone."""
    from incubator_tui.rules.months import local_time

    return f"{day.isoformat()} {local_time(datetime.now(timezone.utc)).strftime('%H:%M')}"


def parse_day(raw: str) -> tuple[date | None, str | None]:
    """A typed date: (date, None), (None, problem) or (None, None) when blank."""
    from incubator_tui.rules.errors import DomainError
    from incubator_tui.rules.months import parse_date

    text = (raw or "").strip()
    if not text:
        return None, None
    try:
        return parse_date(text), None
    except DomainError as err:
        return None, str(err)


def problem_texts(problems: dict[str, DomainError]) -> dict[str, str]:
    return {field: str(err) for field, err in problems.items()}


class ConfirmDiscard(BaseModal):
    """Something was typed: leave it?  ``y`` leaves, ``n``/Esc goes back to the form."""

    CSS_PATH = _CSS
    BINDINGS = [
        Binding("y", "yes", "caseform.key.discard", id="caseform.discard.yes"),
        Binding("escape,n", "no", "caseform.key.keep", id="caseform.discard.no"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(t("caseform.discard_title"), classes="dialog-title", markup=False)
            yield Static(t("caseform.discard_text"), markup=False)

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class CaseForm(BaseModal):
    """A form of named fields; subclasses say which, how they are checked and what saving does."""

    CSS_PATH = _CSS
    BINDINGS = [
        Binding("ctrl+s", "save", "caseform.key.save", id="caseform.save", priority=True),
        Binding("escape", "cancel", "caseform.key.cancel", id="caseform.cancel"),
    ]
    title_key = ""

    def __init__(self, page: CasePage) -> None:
        from incubator_tui.services.clock import today

        super().__init__()
        self.page = page
        self.today = today()  # when the form opens (the page may have been read days ago)
        self.saving = False
        self.fields = self.make_fields()

    # -------------------------------------------------------------- what subclasses give

    def make_fields(self) -> list[FormField]:
        return []

    def subject(self) -> str:
        return f"{self.page.org} · {t(f'case_kind.{self.page.kind}')} · {t(f'case_state.{self.page.state}')}"

    def compose_extra(self) -> ComposeResult:
        """Widgets after the fields (notes, the items table)."""
        return iter(())

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        """(values, problems by field) from the typed text."""
        return dict(raw), {}

    def save(self, values: dict[str, Any]) -> str:
        """Run the service (in a worker thread); returns the message for the page."""
        raise NotImplementedError

    def changed(self, name: str) -> None:
        """A field was edited (live notes)."""

    # -------------------------------------------------------------- the form

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog case-form"):
            yield Label(t(self.title_key), classes="dialog-title", markup=False)
            yield Static(self.subject(), classes="dialog-text", markup=False)
            with VerticalScroll(id="form-fields"):
                for f in self.fields:
                    with Horizontal(classes="cf-line"):
                        yield Label(t(f"caseform.field.{f.name}") + ("*" if f.required else ""), classes="cf-label",
                                    markup=False)
                        yield Input(value=f.initial, placeholder=f.placeholder, id=f"f-{f.name}", compact=True,
                                    max_length=f.max_length, select_on_focus=False)
                    line = Static("", classes="cf-msg", id=f"m-{f.name}", markup=False)
                    line.display = False  # shown with a problem only
                    yield line
                yield from self.compose_extra()
            yield Static("", id="form-error", markup=False)
            yield Static(t("caseform.hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#f-{self.fields[0].name}", Input).focus()
        for f in self.fields:
            self.changed(f.name)

    def raw(self) -> dict[str, str]:
        return {f.name: self.query_one(f"#f-{f.name}", Input).value for f in self.fields}

    def dirty(self) -> bool:
        return any(self.raw()[f.name].strip() != f.initial.strip() for f in self.fields)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("f-")
        if any(f.name == name for f in self.fields):
            line = self.query_one(f"#m-{name}", Static)
            line.update("")
            line.display = False
            event.input.remove_class("-invalid")
            self.changed(name)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def show_problems(self, problems: dict[str, str]) -> None:
        first = None
        for f in self.fields:
            message = problems.get(f.name, "")
            line = self.query_one(f"#m-{f.name}", Static)
            line.update(message)
            line.display = bool(message)
            widget = self.query_one(f"#f-{f.name}", Input)
            widget.set_class(bool(message), "-invalid")
            if message and first is None:
                first = widget
        others = [m for k, m in problems.items() if not any(f.name == k for f in self.fields)]
        self.query_one("#form-error", Static).update("\n".join(others))
        if first is not None:
            first.focus()

    def action_save(self) -> None:
        if self.saving:
            return
        values, problems = self.check(self.raw())
        self.show_problems(problems)
        if problems:
            return
        self.saving = True
        self._save(values)

    @work(thread=True, exclusive=True, group="case-form-save")
    def _save(self, values: dict[str, Any]) -> None:
        from incubator_tui.errors import UserError
        from incubator_tui.rules.errors import DomainError

        try:
            message = self.save(values)
        except (UserError, DomainError) as err:
            self.from_worker(self._refused, str(err))
            return
        self.from_worker(self.dismiss, message or "")

    def _refused(self, message: str) -> None:
        self.saving = False
        self.query_one("#form-error", Static).update(message)

    def action_cancel(self) -> None:
        if not self.dirty():
            self.dismiss(None)
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.dismiss(None)

        self.app.push_screen(ConfirmDiscard(), answered)

    # -------------------------------------------------------------- helpers

    def write(self, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from incubator_tui.services.access import write

        return write(self.iapp.db, service, *args, **kwargs)

    def note(self, widget_id: str, text: str | Text) -> None:
        widget = self.query_one(f"#{widget_id}", Static)
        widget.update(text)
        widget.display = bool(text.plain if isinstance(text, Text) else text)


# ------------------------------------------------------------------ the interview


class ItemsTable(DataTable):
    """The interview's rectification items: ``a`` adds, Delete removes, Enter edits."""

    BINDINGS = [
        Binding("a", "add_item", "caseform.key.add_item", id="caseform.items.add"),
        Binding("delete", "remove_item", "caseform.key.remove_item", id="caseform.items.remove"),
    ]

    class Edit(Message):
        def __init__(self, index: int | None) -> None:
            super().__init__()
            self.index = index  # None: a new item

    class Remove(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def action_add_item(self) -> None:
        self.post_message(self.Edit(None))

    def action_remove_item(self) -> None:
        if self.row_count:
            self.post_message(self.Remove(self.cursor_row))


@dataclass
class DraftItem:
    description: str
    owner: str
    deadline: date | None


class InterviewForm(CaseForm):
    """约谈: date and time (now), place, interviewers, attendees, problems, commitments, then the items."""

    title_key = "caseform.title.interview"

    def __init__(self, page: CasePage) -> None:
        from incubator_tui.services.cases import suggested_items

        super().__init__(page)
        self.items = [DraftItem(s.description, s.owner, s.deadline) for s in suggested_items(page, self.today)]
        self.items_touched = False

    def make_fields(self) -> list[FormField]:
        planned = self.page.planned or {}
        when = planned.get("time") or now_text(self.today)
        return [
            FormField("time", "datetime", True, when, "2026-12-03 14:30"),
            FormField("place", required=True, initial=planned.get("place", "")),
            FormField("interviewers", required=True, initial=planned.get("interviewers", "")),
            FormField("attendees", initial=self.page.org_contact),
            FormField("problems", max_length=2000),
            FormField("commitments", max_length=2000),
        ]

    def compose_extra(self) -> ComposeResult:
        yield Label(t("caseform.items_title"), classes="cf-note", markup=False)
        yield ItemsTable(id="form-items", cursor_type="row", zebra_stripes=True)
        yield Static(t("caseform.items_hint"), classes="cf-note", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(ItemsTable)
        for col in ("deadline", "owner", "description"):  # the long text last: it may run off the edge
            table.add_column(t(f"casepage.items.{col}"), key=col)
        self.fill_items()
        super().on_mount()

    def fill_items(self) -> None:
        table = self.query_one(ItemsTable)
        keep = table.cursor_row
        table.clear()
        for item in self.items:
            table.add_row(Text(item.deadline.isoformat() if item.deadline else "—"), Text(item.owner),
                          Text(item.description))
        if self.items:
            table.move_cursor(row=min(max(keep, 0), len(self.items) - 1))

    def dirty(self) -> bool:
        return self.items_touched or super().dirty()

    def interview_day(self) -> date | None:
        from incubator_tui.rules.cases import parse_date_time
        from incubator_tui.rules.errors import DomainError

        try:
            return parse_date_time(self.raw()["time"])[0]
        except DomainError:
            return None

    @on(ItemsTable.Edit)
    def _edit_item(self, event: ItemsTable.Edit) -> None:
        index = event.index
        item = self.items[index] if index is not None else DraftItem("", self.page.org_contact,
                                                                     self.page.default_deadline_on(self.interview_day() or self.today))

        def done(result: DraftItem | None) -> None:
            if result is None:
                return
            if index is None:
                self.items.append(result)
            else:
                self.items[index] = result
            self.items_touched = True
            self.fill_items()
            if index is None:
                self.query_one(ItemsTable).move_cursor(row=len(self.items) - 1)

        self.app.push_screen(ItemForm(self.page, item, self.interview_day()), done)

    @on(DataTable.RowSelected, "#form-items")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(ItemsTable.Edit(event.cursor_row))

    @on(ItemsTable.Remove)
    def _remove_item(self, event: ItemsTable.Remove) -> None:
        if 0 <= event.index < len(self.items):
            del self.items[event.index]
            self.items_touched = True
            self.fill_items()

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        from incubator_tui.rules.cases import check_interview, parse_date_time
        from incubator_tui.rules.errors import DomainError

        problems: dict[str, str] = {}
        on_day, clock = None, ""
        if raw["time"].strip():
            try:
                on_day, clock = parse_date_time(raw["time"])
            except DomainError as err:
                problems["time"] = str(err)
        found = check_interview(on_day, self.page.opened_on, self.today, raw["place"], raw["interviewers"],
                                [(i.description, i.deadline) for i in self.items])
        for field, err in found.items():
            field = "time" if field == "date" else field
            if field.startswith("item."):
                n = int(field.split(".")[1])
                problems.setdefault("items", "")
                problems["items"] += t("caseform.item_problem", n=n + 1, problem=str(err)) + "\n"
            else:
                problems.setdefault(field, str(err))
        if "items" in problems:
            problems["items"] = problems["items"].strip()
        values = {k: v.strip() for k, v in raw.items()}
        values.update(on=on_day, clock=clock)
        return values, problems

    def save(self, values: dict[str, Any]) -> str:
        from incubator_tui.services.cases import ItemSpec, record_interview

        self.write(record_interview, self.page.id, self.iapp.operator, on=values["on"], time=values["clock"],
                   place=values["place"], interviewers=values["interviewers"], attendees=values["attendees"],
                   problems=values["problems"], commitments=values["commitments"],
                   items=[ItemSpec(i.description.strip(), i.owner.strip(), i.deadline) for i in self.items])
        return t("caseform.saved.interview")


class ItemForm(CaseForm):
    """One rectification item of the interview form (not saved until the interview is)."""

    title_key = "caseform.title.item"

    def __init__(self, page: CasePage, item: DraftItem, interview: date | None) -> None:
        self.item, self.interview = item, interview
        super().__init__(page)

    def make_fields(self) -> list[FormField]:
        return [
            FormField("description", required=True, initial=self.item.description, max_length=1000),
            FormField("owner", initial=self.item.owner),
            FormField("deadline", "date", True, self.item.deadline.isoformat() if self.item.deadline else ""),
        ]

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        from incubator_tui.rules.cases import check_item

        deadline, bad = parse_day(raw["deadline"])
        problems = problem_texts(check_item(raw["description"], deadline, self.interview))
        if bad:
            problems["deadline"] = bad
        return {"item": DraftItem(raw["description"].strip(), raw["owner"].strip(), deadline)}, problems

    def action_save(self) -> None:  # nothing to write: hand the item back to the interview form
        values, problems = self.check(self.raw())
        self.show_problems(problems)
        if not problems:
            self.dismiss(values["item"])


# ------------------------------------------------------------------ extension


class ExtensionForm(CaseForm):
    """延期: the item under the cursor (1) or every open item of the case (2), a later date, a reason."""

    title_key = "caseform.title.extend"

    def __init__(self, page: CasePage, item: ItemRow | None) -> None:
        self.item = item if item is not None and not item.done else None
        super().__init__(page)

    def make_fields(self) -> list[FormField]:
        fields = []
        if self.item is not None:
            fields.append(FormField("scope", "choice", True, "1"))
        return fields + [FormField("deadline", "date", True, placeholder="2026-12-31"),
                         FormField("reason", required=True, max_length=1000)]

    def compose_extra(self) -> ComposeResult:
        yield Static("", id="extend-note", classes="cf-note", markup=False)

    def changed(self, name: str) -> None:
        if name not in ("scope", "deadline"):
            return
        scope = self.raw().get("scope", "2").strip()
        if self.item is not None and scope == "1":
            text = t("caseform.extend_item", item=self.item.description, date=self.item.deadline.isoformat())
        else:
            latest = max((i.deadline for i in self.page.items), default=None)
            text = t("caseform.extend_case", date=latest.isoformat() if latest else "—")
        self.note("extend-note", text)

    def current(self, scope: str) -> date | None:
        if self.item is not None and scope == "1":
            return self.item.deadline
        return max((i.deadline for i in self.page.items), default=None)

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        from incubator_tui.rules.cases import check_extension

        scope = raw.get("scope", "2").strip()
        problems: dict[str, str] = {}
        if self.item is not None and scope not in ("1", "2"):
            problems["scope"] = t("caseform.choose_1_2")
        deadline, bad = parse_day(raw["deadline"])
        problems.update(problem_texts(check_extension(self.current(scope), deadline, raw["reason"])))
        if bad:
            problems["deadline"] = bad
        return {"scope": scope, "deadline": deadline, "reason": raw["reason"].strip()}, problems

    def save(self, values: dict[str, Any]) -> str:
        from incubator_tui.services.cases import extend, extend_item

        if self.item is not None and values["scope"] == "1":
            self.write(extend_item, self.page.id, self.item.id, self.iapp.operator, new_deadline=values["deadline"],
                       reason=values["reason"])
        else:
            self.write(extend, self.page.id, self.iapp.operator, new_deadline=values["deadline"],
                       reason=values["reason"])
        return t("caseform.saved.extend", date=values["deadline"].isoformat())


# ------------------------------------------------------------------ review


class ReviewForm(CaseForm):
    """复查: result first (1 rectified, 2 not rectified → the exit order at once), date, findings."""

    title_key = "caseform.title.review"

    def make_fields(self) -> list[FormField]:
        all_done = bool(self.page.items) and self.page.done_count == len(self.page.items)
        return [
            FormField("result", "choice", True, "1" if all_done else "", t("caseform.result_hint")),
            FormField("date", "date", True, self.today.isoformat()),
            FormField("findings", max_length=2000),
        ]

    def compose_extra(self) -> ComposeResult:
        page = self.page
        done = t("caseform.items_done", done=page.done_count, total=len(page.items))
        if page.items and page.done_count == len(page.items):
            done += "  " + t("caseform.all_done")
        yield Static(done, classes="cf-note", markup=False, id="review-done")
        yield Static("", id="review-order", classes="cf-note", markup=False)
        yield Static("", id="review-warning", classes="cf-warning", markup=False)

    def changed(self, name: str) -> None:
        if name not in ("result", "date"):
            return
        raw = self.raw()
        day, _bad = parse_day(raw["date"])
        if raw["result"].strip() == "2" and day is not None:
            handover, objection, missing = self.page.exit_order_preview(day)
            self.note("review-order", t("caseform.exit_order_preview", notice=day.isoformat(),
                                        handover=handover.isoformat(), days=self.page.handover_days,
                                        objection=objection.isoformat()))
            self.note("review-warning", t("rules.holidays_missing", years="、".join(map(str, missing)))
                      if missing else "")
        elif raw["result"].strip() == "1":
            self.note("review-order", t("caseform.rectified_preview"))
            self.note("review-warning", "")
        else:
            self.note("review-order", "")
            self.note("review-warning", "")

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        from incubator_tui.rules.cases import check_review

        result = raw["result"].strip()
        passed = {"1": True, "2": False}.get(result)
        day, bad = parse_day(raw["date"])
        problems = problem_texts(check_review(passed, day, self.page.interview_date, self.today))
        if result and passed is None:
            problems["result"] = t("caseform.choose_1_2")
        if bad:
            problems["date"] = bad
        return {"passed": passed, "date": day, "findings": raw["findings"].strip()}, problems

    def save(self, values: dict[str, Any]) -> str:
        from incubator_tui.services.cases import record_review

        case = self.write(record_review, self.page.id, self.iapp.operator, on=values["date"],
                          passed=values["passed"], findings=values["findings"])
        if values["passed"]:
            return t("caseform.saved.rectified", org=self.page.org)
        return t("caseform.saved.exit_ordered", org=self.page.org, handover=case.handover_deadline.isoformat(),
                 objection=case.objection_deadline.isoformat())


# ------------------------------------------------------------------ objection


class ObjectionForm(CaseForm):
    """申诉: the date (within the objection period) and what the organisation objects to."""

    title_key = "caseform.title.objection"

    def make_fields(self) -> list[FormField]:
        return [FormField("date", "date", True, self.today.isoformat()),
                FormField("objection", required=True, max_length=2000)]

    def compose_extra(self) -> ComposeResult:
        until = self.page.objection_deadline
        yield Static(t("caseform.objection_until", date=until.isoformat() if until else "—"), classes="cf-note",
                     markup=False)

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        from incubator_tui.rules.cases import check_objection

        day, bad = parse_day(raw["date"])
        problems = problem_texts(check_objection(day, self.page.notice_date, self.today, raw["objection"],
                                                 self.page.objection_days))
        if bad:
            problems["date"] = bad
        return {"date": day, "objection": raw["objection"].strip()}, problems

    def save(self, values: dict[str, Any]) -> str:
        from incubator_tui.services.cases import file_objection

        self.write(file_objection, self.page.id, self.iapp.operator, on=values["date"], objection=values["objection"])
        return t("caseform.saved.objection")


class DecisionForm(CaseForm):
    """The decision on the objection: 1 upheld (the exit order stands), 2 accepted (back to rectifying)."""

    title_key = "caseform.title.decision"

    def make_fields(self) -> list[FormField]:
        return [FormField("decision_result", "choice", True, "", t("caseform.decision_hint")),
                FormField("date", "date", True, self.today.isoformat()),
                FormField("decision", max_length=2000),
                FormField("new_deadline", "date", placeholder=t("caseform.new_deadline_hint"))]

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        from incubator_tui.rules.cases import check_decision

        result = raw["decision_result"].strip()
        accepted = {"1": False, "2": True}.get(result)
        day, bad = parse_day(raw["date"])
        deadline, bad_deadline = parse_day(raw["new_deadline"])
        problems = problem_texts(check_decision(accepted, day, self.page.objected_on, self.today, deadline))
        if "result" in problems:
            problems["decision_result"] = problems.pop("result")
        if result and accepted is None:
            problems["decision_result"] = t("caseform.choose_1_2")
        if "deadline" in problems:
            problems["new_deadline"] = problems.pop("deadline")
        if bad:
            problems["date"] = bad
        if bad_deadline:
            problems["new_deadline"] = bad_deadline
        return {"accepted": accepted, "date": day, "decision": raw["decision"].strip(), "deadline": deadline}, problems

    def save(self, values: dict[str, Any]) -> str:
        from incubator_tui.services.cases import decide_objection

        self.write(decide_objection, self.page.id, self.iapp.operator, on=values["date"],
                   accepted=values["accepted"], decision=values["decision"],
                   new_deadline=values["deadline"] if values["accepted"] else None)
        return t("caseform.saved.accepted" if values["accepted"] else "caseform.saved.upheld")


# ------------------------------------------------------------------ exit, withdrawal, item done


class ExitForm(CaseForm):
    """退出: the date; the organisation becomes 已退出 and leaves the grid from the next month."""

    title_key = "caseform.title.exit"

    def make_fields(self) -> list[FormField]:
        return [FormField("date", "date", True, self.today.isoformat())]

    def compose_extra(self) -> ComposeResult:
        yield Static(t("caseform.exit_note", org=self.page.org), classes="cf-note", markup=False)

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        from incubator_tui.rules.cases import check_exit

        day, bad = parse_day(raw["date"])
        problems = problem_texts(check_exit(day, self.page.notice_date, self.today))
        if bad:
            problems["date"] = bad
        return {"date": day}, problems

    def save(self, values: dict[str, Any]) -> str:
        from incubator_tui.services.cases import record_exit

        self.write(record_exit, self.page.id, self.iapp.operator, on=values["date"])
        return t("caseform.saved.exited", org=self.page.org, date=values["date"].isoformat())


class WithdrawForm(CaseForm):
    """撤销: a reason (e.g. a scoring error)."""

    title_key = "caseform.title.withdraw"

    def make_fields(self) -> list[FormField]:
        return [FormField("reason", required=True, max_length=1000)]

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        from incubator_tui.rules.cases import check_withdraw

        return {"reason": raw["reason"].strip()}, problem_texts(check_withdraw(raw["reason"]))

    def save(self, values: dict[str, Any]) -> str:
        from incubator_tui.services.cases import withdraw

        self.write(withdraw, self.page.id, self.iapp.operator, reason=values["reason"], on=self.today)
        return t("caseform.saved.withdrawn")


class ItemDoneForm(CaseForm):
    """An item done: the date (today) and a line of evidence."""

    title_key = "caseform.title.item_done"

    def __init__(self, page: CasePage, item: ItemRow) -> None:
        self.item = item
        super().__init__(page)

    def subject(self) -> str:
        return self.item.description

    def make_fields(self) -> list[FormField]:
        return [FormField("date", "date", True, self.today.isoformat()),
                FormField("evidence", placeholder=t("caseform.evidence_hint"), max_length=1000)]

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        from incubator_tui.rules.cases import check_item_done

        day, bad = parse_day(raw["date"])
        problems = problem_texts(check_item_done(day, self.page.interview_date, self.today))
        if bad:
            problems["date"] = bad
        return {"date": day, "evidence": raw["evidence"].strip()}, problems

    def save(self, values: dict[str, Any]) -> str:
        from incubator_tui.services.cases import set_item_done

        self.write(set_item_done, self.page.id, self.item.id, self.iapp.operator, on=values["date"],
                   evidence=values["evidence"])
        return ""


# ------------------------------------------------------------------ notices


def start_notice(screen, page: CasePage) -> None:  # noqa: ANN001 - the case's page
    """``n``: read what the notice needs; when the centre's or the organisation's details are
    missing, ask for them first (saved to their records); then the notice form."""
    from incubator_tui.services.notices import notice_draft

    kind = page.notices[0]

    def ready(draft) -> None:  # noqa: ANN001 - a NoticeDraft
        if draft.missing:
            def saved(result: object) -> None:
                if result is not None:
                    screen.load(lambda reads: reads(notice_draft, page.id, kind), ready)

            screen.app.push_screen(DetailsForm(page, draft), saved)
            return

        def written(result: object) -> None:
            if isinstance(result, str) and result:
                screen.notify(result, markup=False, timeout=15)
            if result is not None:
                screen.reload()

        screen.app.push_screen(NoticeForm(page, draft), written)

    screen.load(lambda reads: reads(notice_draft, page.id, kind), ready)


class DetailsForm(CaseForm):
    """The centre's or the organisation's details a notice needs and that are missing."""

    title_key = "caseform.title.details"

    def __init__(self, page: CasePage, draft) -> None:  # noqa: ANN001 - a NoticeDraft
        self.draft = draft
        super().__init__(page)

    def make_fields(self) -> list[FormField]:
        return [FormField(name, required=True, max_length=300) for name in self.draft.missing]

    def compose_extra(self) -> ComposeResult:
        names = "、".join(t(f"caseform.field.{n}") for n in self.draft.missing)
        yield Static(t("caseform.details_missing", fields=names), classes="cf-note", markup=False)

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        problems = {k: t("casework.required") for k, v in raw.items() if not v.strip()}
        return {k: v.strip() for k, v in raw.items()}, problems

    def save(self, values: dict[str, Any]) -> str:
        from incubator_tui.services.notices import save_notice_details

        self.write(save_notice_details, self.draft.centre_id, self.draft.org_id, values, self.iapp.operator)
        return t("caseform.saved.details")


class NoticeForm(CaseForm):
    """A notice: its preview, what the interview notice needs (time, place, interviewers, what
    to bring) and the folder; ctrl+s writes the .docx."""

    title_key = "caseform.title.notice"

    def __init__(self, page: CasePage, draft) -> None:  # noqa: ANN001 - a NoticeDraft
        self.draft = draft
        super().__init__(page)

    def subject(self) -> str:
        return f"{self.page.org} · {t(f'notice.kind.{self.draft.kind}')}"

    def make_fields(self) -> list[FormField]:
        from incubator_tui.services.notices import default_folder

        fields = []
        if self.draft.kind == "interview":
            planned = self.page.planned or {}
            fields += [
                FormField("time", "datetime", True, planned.get("time", ""), "2026-12-03 14:30"),
                FormField("place", required=True, initial=planned.get("place", "")),
                FormField("interviewers", required=True, initial=planned.get("interviewers", "")),
                FormField("bring", initial=planned.get("bring", t("notice.default_bring")), max_length=1000),
            ]
        output_dir = getattr(self.iapp.config, "output_dir", "") or ""
        fields.append(FormField("folder", required=True, initial=str(default_folder(output_dir)), max_length=1000))
        return fields

    def compose_extra(self) -> ComposeResult:
        with VerticalScroll(id="notice-preview"):
            yield Static("", id="notice-text", markup=False)

    def changed(self, name: str) -> None:
        from incubator_tui.services.notices import notice_paragraphs

        values, _problems = self.check(self.raw())
        lines = notice_paragraphs(self.draft, values.get("extra", {}))
        self.query_one("#notice-text", Static).update("\n".join(lines))

    def check(self, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        from incubator_tui.rules.cases import parse_date_time
        from incubator_tui.rules.errors import DomainError

        problems: dict[str, str] = {}
        extra: dict[str, Any] = {}
        if self.draft.kind == "interview":
            try:
                day, clock = parse_date_time(raw["time"]) if raw["time"].strip() else (None, "")
            except DomainError as err:
                day, clock = None, ""
                problems["time"] = str(err)
            if day is None and "time" not in problems:
                problems["time"] = t("casework.required")
            elif day is not None and day < self.page.opened_on:
                problems["time"] = t("casework.before_opened", date=day.isoformat(),
                                     other=self.page.opened_on.isoformat())
            extra = {"date": day.isoformat() if day else "", "clock": clock,
                     "time": f"{day.isoformat()} {clock}".strip() if day else "",
                     "place": raw["place"].strip(), "interviewers": raw["interviewers"].strip(),
                     "bring": raw["bring"].strip()}
            for name in ("place", "interviewers"):
                if not extra[name]:
                    problems[name] = t("casework.required")
        if not raw["folder"].strip():
            problems["folder"] = t("casework.required")
        return {"extra": extra, "folder": raw["folder"].strip()}, problems

    def save(self, values: dict[str, Any]) -> str:
        from pathlib import Path

        from incubator_tui.services.notices import write_notice

        path = self.write(write_notice, self.page.id, self.draft.kind, self.iapp.operator,
                          folder=Path(values["folder"]).expanduser(), extra=values["extra"], on=self.today)
        return t("caseform.saved.notice", path=str(path))
