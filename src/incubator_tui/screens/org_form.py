"""Add or edit an organisation (a modal form), and mark one graduated or exited.

Fields are checked as they are typed: required fields, dates (2024-03-01,
2024/3/1, 2024年3月1日), the deposit, and the unified social credit code,
whose wrong length or character blocks the save while a wrong check
character is only a warning, shown and saved (DOMAIN 2).  Saving goes
through services.orgs in a worker; a UserError it raises is shown in the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Input, Label, Select, Static

from incubator_tui.i18n import t
from incubator_tui.screens.base import BaseModal
from incubator_tui.services.centres import CATEGORIES
from incubator_tui.widgets.safe_text import message

LEGAL_FORMS = ("social_group", "service_org", "foundation", "community_filed", "startup")
PARTY_FORMS = ("independent", "joint", "instructor", "none")
FEE_RELIEFS = ("utilities", "service_for_rent", "none")


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the service's field name (deposit → deposit_cent)
    kind: str  # text | date | money | code | select
    required: bool = False
    max_length: int = 100
    options: tuple[str, ...] = ()  # select: the codes; labels are catalogue keys option_prefix.code
    option_prefix: str = ""
    default: str | None = None  # select: the value of a new org


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "text", required=True, max_length=200),
    FieldSpec("category", "select", required=True, options=CATEGORIES, option_prefix="category"),
    FieldSpec("legal_form", "select", options=LEGAL_FORMS, option_prefix="legal_form", default="startup"),
    FieldSpec("credit_code", "code"),
    FieldSpec("filing_no", "text"),
    FieldSpec("contact", "text"),
    FieldSpec("phone", "text", max_length=50),
    FieldSpec("party_form", "select", options=PARTY_FORMS, option_prefix="party_form", default="none"),
    FieldSpec("entry_date", "date", required=True),
    FieldSpec("agreement_no", "text"),
    FieldSpec("agreement_start", "date"),
    FieldSpec("agreement_end", "date"),
    FieldSpec("deposit_cent", "money"),
    FieldSpec("room", "text"),
    FieldSpec("fee_relief", "select", options=FEE_RELIEFS, option_prefix="fee_relief", default="none"),
    FieldSpec("note", "text", max_length=2000),
)
SPECS = {f.name: f for f in FIELDS}

# Which field a service error belongs to, to show it there.
ERROR_FIELDS = {
    "org.name_required": "name",
    "org.duplicate_name": "name",
    "org.bad_category": "category",
    "org.bad_legal_form": "legal_form",
    "org.entry_date_required": "entry_date",
    "org.agreement_dates": "agreement_end",
    "rules.credit_code_length": "credit_code",
    "rules.credit_code_char": "credit_code",
}


@dataclass
class Check:
    """One field's value as typed, checked."""

    value: Any = None
    error: str | None = None  # blocks the save
    warning: str | None = None  # shown, saved anyway
    hint: str | None = None  # e.g. how a date was read


def check_field(spec: FieldSpec, raw: str, others: dict[str, str] | None = None) -> Check:
    """Check one text field as typed (pure: the tests call it directly)."""
    from incubator_tui.rules.errors import DomainError

    text = raw.strip()
    if spec.kind == "code":
        from incubator_tui.rules.credit_code import check_credit_code

        result = check_credit_code(text)
        if result.error_key:
            return Check(None, error=t(result.error_key, **result.params))
        warning = t(result.warning_key, **result.params) if result.warning_key else None
        return Check(result.normalized, warning=warning)
    if not text:
        if spec.required:
            key = {"name": "org.name_required", "entry_date": "org.entry_date_required"}.get(spec.name)
            return Check(None, error=t(key) if key else t("orgs.form.required"))
        return Check(0 if spec.kind == "money" else None if spec.kind == "date" else "")
    if spec.kind == "date":
        from incubator_tui.rules.months import parse_date

        try:
            value = parse_date(text)
        except DomainError as err:
            return Check(None, error=t(err.key, **err.params))
        check = Check(value, hint=value.isoformat() if value.isoformat() != text else None)
        if spec.name == "agreement_end" and others:
            start = check_field(SPECS["agreement_start"], others.get("agreement_start", ""))
            if isinstance(start.value, date) and value < start.value:
                check.error = t("org.agreement_dates")
        return check
    if spec.kind == "money":
        from incubator_tui.rules.scoring import exact_number

        amount = exact_number(text.replace(",", "").replace("，", "").removesuffix("元"))
        cents = amount * 100 if amount is not None else None
        if cents is None or cents < 0 or cents.denominator != 1:
            return Check(None, error=t("orgs.form.bad_money", text=text))
        return Check(int(cents))
    if len(text) > spec.max_length:
        return Check(None, error=t("orgs.form.too_long", max=spec.max_length))
    return Check(text)


def money_text(cents: int | None) -> str:
    if not cents:
        return ""
    whole, part = divmod(cents, 100)
    return f"{whole}" if part == 0 else f"{whole}.{part:02d}"


class FieldValidator(Validator):
    """Lets the Input mark itself invalid (the -invalid class) from check_field."""

    def __init__(self, form: OrgFormModal, spec: FieldSpec) -> None:
        super().__init__()
        self.form, self.spec = form, spec

    def validate(self, value: str) -> ValidationResult:
        check = check_field(self.spec, value, self.form.raw_values())
        return self.failure(check.error) if check.error else self.success()


@dataclass
class SavedOrg:
    org_id: str
    name: str
    warnings: list[str] = field(default_factory=list)  # translated
    changed: int = 0


class OrgFormModal(BaseModal):
    """Add (no org id) or edit an organisation."""

    CSS_PATH = "org_form.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("ctrl+s", "save", "orgs.key.save", id="orgs.form.save", priority=True),
        Binding("escape", "cancel", "orgs.key.cancel", id="orgs.form.cancel"),
    ]

    def __init__(self, org_id: str | None = None) -> None:
        super().__init__()
        self.org_id = org_id
        self.saving = False
        self._shown: dict[str, tuple[str, str]] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="org-form", classes="dialog"):
            yield Label(t("orgs.form.title_edit" if self.org_id else "orgs.form.title_add"), id="org-form-title",
                        classes="dialog-title", markup=False)
            with VerticalScroll(id="org-fields"):
                with Grid(id="org-grid"):
                    for spec in FIELDS:
                        with Vertical(classes="orgf-field", id=f"field-{spec.name}"):
                            with Horizontal(classes="orgf-line"):
                                label = t(f"orgs.field.{spec.name}") + ("*" if spec.required else "")
                                yield Label(label, classes="orgf-label", markup=False)
                                yield self._widget(spec)
                            yield Static("", classes="orgf-msg", id=f"m-{spec.name}", markup=False)
            yield Static("", id="form-msg", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button(t("orgs.form.save"), id="form-save", variant="primary", compact=True)
                yield Button(t("orgs.form.cancel"), id="form-cancel", compact=True)

    def _widget(self, spec: FieldSpec):
        wid = f"f-{spec.name}"
        if spec.kind == "select":
            options = [(t(f"{spec.option_prefix}.{code}"), code) for code in spec.options]
            if spec.default is None:
                return Select(options, prompt=t("orgs.form.choose"), id=wid, compact=True)
            return Select(options, value=spec.default, allow_blank=False, id=wid, compact=True)
        placeholder = t(f"orgs.placeholder.{spec.kind}") if spec.kind in ("date", "code", "money") else ""
        return Input(placeholder=placeholder, id=wid, compact=True, validators=[FieldValidator(self, spec)],
                     validate_on=["changed", "blur"])

    def on_mount(self) -> None:
        for spec in FIELDS:
            self.query_one(f"#m-{spec.name}", Static).display = False
        self.query_one("#form-msg", Static).display = False
        if self.org_id:
            self.query_one("#org-form").loading = True
            self._load(self.org_id)
        self.query_one("#f-name").focus()

    def _load(self, org_id: str) -> None:
        from incubator_tui.services.org_page import org_fields

        self.load(lambda reads: reads(org_fields, org_id), self._fill, failed=self._show_form_error)

    def _fill(self, values: dict[str, Any]) -> None:
        for spec in FIELDS:
            value = values.get(spec.name)
            widget = self.query_one(f"#f-{spec.name}")
            if spec.kind == "select":
                if value in spec.options:
                    widget.value = value
            elif spec.kind == "date":
                widget.value = value.isoformat() if isinstance(value, date) else ""
            elif spec.kind == "money":
                widget.value = money_text(value)
            else:
                widget.value = value or ""
        self.query_one("#org-form").loading = False
        self.query_one("#f-name").focus()

    # ------------------------------------------------------------------ checking

    def raw_values(self) -> dict[str, str]:
        return {
            spec.name: self.query_one(f"#f-{spec.name}", Input).value
            for spec in FIELDS if spec.kind != "select"
        }

    def _show(self, name: str, check: Check) -> None:
        """The field's message under it: its error, else its warning, else a hint."""
        text, cls = (check.error, "-error") if check.error else (check.warning, "-warning") if check.warning \
            else (check.hint, "-hint") if check.hint else ("", "")
        if self._shown.get(name) == (text, cls):
            return  # unchanged: no new layout for every key typed
        self._shown[name] = (text, cls)
        msg = self.query_one(f"#m-{name}", Static)
        msg.remove_class("-error", "-warning", "-hint")
        msg.update(text or "")
        if cls:
            msg.add_class(cls)
        msg.display = bool(text)

    def _check_select(self, spec: FieldSpec) -> Check:
        value = self.query_one(f"#f-{spec.name}", Select).value
        if value is Select.NULL:
            return Check(None, error=t("orgs.form.choose_one") if spec.required else None)
        return Check(value)

    def check_all(self) -> tuple[dict[str, Any], dict[str, Check]]:
        raw = self.raw_values()
        checks: dict[str, Check] = {}
        for spec in FIELDS:
            checks[spec.name] = self._check_select(spec) if spec.kind == "select" \
                else check_field(spec, raw[spec.name], raw)
        return {name: c.value for name, c in checks.items()}, checks

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("f-")
        spec = SPECS.get(name)
        if spec is None:
            return
        raw = self.raw_values()
        self._show(name, check_field(spec, event.value, raw))
        if name == "agreement_start" and raw.get("agreement_end"):
            end = self.query_one("#f-agreement_end", Input)
            end.validate(end.value)
            self._show("agreement_end", check_field(SPECS["agreement_end"], end.value, raw))

    @on(Input.Blurred)
    def _blurred(self, event: Input.Blurred) -> None:
        name = (event.input.id or "").removeprefix("f-")
        if name in SPECS:
            self._show(name, check_field(SPECS[name], event.value, self.raw_values()))

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        name = (event.select.id or "").removeprefix("f-")
        if name in SPECS:
            self._show(name, self._check_select(SPECS[name]))

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    # ------------------------------------------------------------------ saving

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if self.saving:
            return
        values, checks = self.check_all()
        bad = [name for name, c in checks.items() if c.error]
        for name, check in checks.items():
            self._show(name, check)
            widget = self.query_one(f"#f-{name}")
            if isinstance(widget, Input):
                widget.validate(widget.value)
        if bad:
            self._show_form_error(t("orgs.form.fix_errors", count=len(bad)))
            self.query_one(f"#f-{bad[0]}").focus()
            return
        self._show_form_error("")
        self.saving = True
        self._save(values)

    @work(thread=True, exclusive=True, group="org-form-save")
    def _save(self, values: dict[str, Any]) -> None:
        from incubator_tui.errors import UserError
        from incubator_tui.services.orgs import add_org, update_org

        from incubator_tui.services.access import write

        app = self.iapp
        try:
            if self.org_id is None:
                org, warnings = write(app.db, add_org, app.centre_id, values, app.operator)
                changed = len(values)
            else:
                org, warnings, changed = write(app.db, update_org, self.org_id, values, app.operator)
            result = SavedOrg(org.id, org.name, [], changed)
        except UserError as err:
            self.from_worker(self._save_failed, err.key, str(err))
            return
        except Exception as err:  # noqa: BLE001 - shown in the form, never a crash
            self.from_worker(self._save_failed, "", t("orgs.form.save_failed", detail=str(err)))
            return
        result.warnings = [t(key, **checks_params(values, key)) for key in warnings]
        self.from_worker(self.dismiss, result)

    def _save_failed(self, key: str, message: str) -> None:
        self.saving = False
        name = ERROR_FIELDS.get(key)
        if name:
            self._show(name, Check(error=message))
            self.query_one(f"#f-{name}").focus()
        self._show_form_error(message)

    def _show_form_error(self, message: str) -> None:
        msg = self.query_one("#form-msg", Static)
        msg.update(message)
        msg.display = bool(message)


def checks_params(values: dict[str, Any], key: str) -> dict[str, Any]:
    """The parameters of a warning the service returned (only the credit code has one)."""
    if key.startswith("rules.credit_code"):
        from incubator_tui.rules.credit_code import check_credit_code

        return check_credit_code(values.get("credit_code")).params
    return {}


class LeaveModal(BaseModal):
    """Mark an org graduated (出壳) or exited (退出): a date, then a confirmation.

    Its open cases agree (``services.orgs.mark_left``): leaving by exit records the exit on
    an exit-ordered case; any other open case is withdrawn, so the dialog asks for the
    reason (Enter in the date goes to the reason, Enter there to the question)."""

    CSS_PATH = "org_form.tcss"
    BINDINGS = [Binding("escape", "cancel", "orgs.key.cancel", id="orgs.leave.cancel")]

    def __init__(self, org_id: str, name: str, status: str, entry_date: date | None) -> None:
        super().__init__()
        self.org_id, self.org_name, self.status, self.entry_date = org_id, name, status, entry_date
        self.on_date: date | None = None
        self.cases: list | None = None  # the org's open cases (services.orgs.OpenCase), once read

    def compose(self) -> ComposeResult:
        from incubator_tui.services.clock import today

        with Vertical(id="leave", classes=f"dialog -{self.status}"):
            yield Label(t(f"orgs.leave.title.{self.status}"), id="leave-title", classes="dialog-title", markup=False)
            yield Static(message("orgs.leave.org", name=self.org_name), id="leave-org", markup=False)
            yield Static("", id="leave-cases", markup=False)
            with Horizontal(classes="orgf-line"):
                yield Label(t("orgs.leave.date"), classes="orgf-label", markup=False)
                yield Input(today().isoformat(), placeholder=t("orgs.placeholder.date"), id="leave-date",
                            compact=True)
            with Horizontal(classes="orgf-line", id="leave-reason-line"):
                yield Label(t("orgs.leave.reason"), classes="orgf-label", markup=False)
                yield Input("", placeholder=t("orgs.leave.reason_placeholder"), id="leave-reason", compact=True,
                            max_length=500)
            yield Static("", id="leave-msg", classes="orgf-msg -error", markup=False)
            yield Static("", id="leave-confirm", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button(t(f"orgs.leave.confirm.{self.status}"), id="leave-ok", variant="error", compact=True)
                yield Button(t("orgs.form.cancel"), id="leave-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#leave-msg").display = False
        self.query_one("#leave-confirm").display = False
        self.query_one("#leave-cases").display = False
        self.query_one("#leave-reason-line").display = False
        self.query_one("#leave-date").focus()
        from incubator_tui.services.orgs import open_cases_of

        org_id = self.org_id
        self.load(lambda reads: reads(open_cases_of, org_id), self._cases_loaded)

    # ------------------------------------------------------------------ the org's open cases

    @property
    def exit_on_case(self) -> bool:
        """Leaving by exit with an exit-ordered case: the exit is recorded on the case."""
        return self.status == "exited" and any(c.state == "exit_ordered" for c in self.cases or ())

    @property
    def to_withdraw(self) -> list:
        return [c for c in self.cases or () if c.state != "exit_ordered"]

    def _cases_loaded(self, cases: list) -> None:
        self.cases = cases
        info = self.query_one("#leave-cases", Static)
        lines = []
        if any(c.state == "exit_ordered" for c in cases):
            if self.status == "graduated":
                self._failed(t("org.leave.exit_ordered_graduate", name=self.org_name))
            else:
                lines.append(t("orgs.leave.cases.exit_ordered", name=self.org_name))
        if self.to_withdraw:
            states = t("orgs.sep").join(t(f"case_state.{c.state}") for c in self.to_withdraw)
            lines.append(t("orgs.leave.cases.open", name=self.org_name, states=states))
            self.query_one("#leave-reason-line").display = True
        info.update("\n".join(lines))
        info.display = bool(lines)

    def _reason(self) -> str:
        return self.query_one("#leave-reason", Input).value.strip()

    # ------------------------------------------------------------------ the steps

    def _check_date(self) -> date | None:
        from incubator_tui.rules.errors import DomainError
        from incubator_tui.rules.months import parse_date

        raw = self.query_one("#leave-date", Input).value.strip()
        msg = self.query_one("#leave-msg", Static)
        try:
            on = parse_date(raw)
            if self.entry_date is not None and on < self.entry_date:
                raise ValueError(t("org.end_before_entry"))
        except DomainError as err:
            msg.update(t(err.key, **err.params))
            msg.display = True
            return None
        except ValueError as err:
            msg.update(str(err))
            msg.display = True
            return None
        msg.display = False
        return on

    @on(Input.Changed, "#leave-date")
    @on(Input.Changed, "#leave-reason")
    def _date_changed(self) -> None:
        self.on_date = None
        self.query_one("#leave-confirm").display = False

    @on(Input.Submitted, "#leave-date")
    @on(Input.Submitted, "#leave-reason")
    def _date_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self._accept_date()

    def _accept_date(self) -> None:
        """Show the question and move to the confirm button (the second step); with a case
        to withdraw, its reason first."""
        if self.cases is None:
            return  # the open cases are being read (a few ms): Enter again
        on = self._check_date()
        if on is None:
            return
        if self.to_withdraw and not self._reason():
            reason = self.query_one("#leave-reason", Input)
            if reason.has_focus:
                self._failed(t("orgs.leave.reason_needed"))
            reason.focus()
            return
        self.on_date = on
        confirm = self.query_one("#leave-confirm", Static)
        key = "orgs.leave.question.exit_on_case" if self.exit_on_case else f"orgs.leave.question.{self.status}"
        question = t(key, name=self.org_name, date=on.isoformat())
        if self.to_withdraw:
            question = t("orgs.leave.question.withdraw", reason=self._reason()) + "\n" + question
        confirm.update(question)  # markup=False: names and reasons are shown as typed
        confirm.display = True
        self.query_one("#leave-ok", Button).focus()

    @on(Button.Pressed, "#leave-ok")
    def _ok(self) -> None:
        if self.on_date is None:  # pressed without Enter in the date: ask the question first
            self._accept_date()
            return
        self._mark(self.on_date, self._reason())

    @on(Button.Pressed, "#leave-cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @work(thread=True, exclusive=True, group="org-leave")
    def _mark(self, on: date, reason: str) -> None:
        from incubator_tui.errors import UserError
        from incubator_tui.services.access import write
        from incubator_tui.services.orgs import mark_left

        app = self.iapp
        try:
            write(app.db, mark_left, self.org_id, self.status, on, app.operator, reason)
        except UserError as err:
            self.from_worker(self._failed, str(err))
            return
        self.from_worker(self.dismiss, True)

    def _failed(self, message: str) -> None:
        msg = self.query_one("#leave-msg", Static)
        msg.update(message)
        msg.display = True


class VetoModal(BaseModal):
    """一票否决 (v on the organisation's page): the violation's description, then a confirmation;
    saving opens a ``veto`` case at once (``services.cases.open_veto``).  Dismissed with the
    new case's id, or None."""

    CSS_PATH = "org_form.tcss"
    BINDINGS = [Binding("escape", "cancel", "orgs.key.cancel", id="orgs.veto.cancel")]

    def __init__(self, org_id: str, name: str) -> None:
        super().__init__()
        self.org_id, self.org_name = org_id, name
        self.asked = False

    def compose(self) -> ComposeResult:
        with Vertical(id="leave", classes="dialog -exited"):
            yield Label(t("orgs.veto.title"), classes="dialog-title", markup=False)
            yield Static(message("orgs.leave.org", name=self.org_name), id="leave-org", markup=False)
            with Horizontal(classes="orgf-line"):
                yield Label(t("orgs.veto.description"), classes="orgf-label", markup=False)
                yield Input("", placeholder=t("orgs.veto.placeholder"), id="veto-description", compact=True,
                            max_length=500)
            yield Static("", id="leave-msg", classes="orgf-msg -error", markup=False)
            yield Static("", id="leave-confirm", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button(t("orgs.veto.confirm"), id="veto-ok", variant="error", compact=True)
                yield Button(t("orgs.form.cancel"), id="veto-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#leave-msg").display = False
        self.query_one("#leave-confirm").display = False
        self.query_one("#veto-description").focus()

    def _description(self) -> str:
        return self.query_one("#veto-description", Input).value.strip()

    @on(Input.Changed, "#veto-description")
    def _changed(self) -> None:
        self.asked = False
        self.query_one("#leave-confirm").display = False

    @on(Input.Submitted, "#veto-description")
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self._ask()

    def _ask(self) -> None:
        if not self._description():
            self._failed(t("case.veto_description_required"))
            return
        self.query_one("#leave-msg").display = False
        confirm = self.query_one("#leave-confirm", Static)
        confirm.update(t("orgs.veto.question", name=self.org_name, description=self._description()))
        confirm.display = True
        self.asked = True
        self.query_one("#veto-ok", Button).focus()

    @on(Button.Pressed, "#veto-ok")
    def _ok(self) -> None:
        if not self.asked:
            self._ask()
            return
        self._open(self._description())

    @on(Button.Pressed, "#veto-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, group="org-veto")
    def _open(self, description: str) -> None:
        from incubator_tui.errors import UserError
        from incubator_tui.services.access import write
        from incubator_tui.services.cases import open_veto

        app = self.iapp
        try:
            case = write(app.db, lambda s: open_veto(s, self.org_id, description, app.operator).id)
        except UserError as err:
            self.from_worker(self._failed, str(err))
            return
        self.from_worker(self.dismiss, case)

    def _failed(self, text: str) -> None:
        msg = self.query_one("#leave-msg", Static)
        msg.update(text)
        msg.display = True
