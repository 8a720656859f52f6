"""设置 (`,` anywhere; palette 设置/settings): the centre, the scheme, holidays, the
checklist and this installation, each a form.

Tab / Shift+Tab move between fields, ``ctrl+s`` saves the section shown, Esc
leaves (asking first when something was typed).  A change takes effect from
the month typed in the section's "effective from" field (default: the current
month).  Bad values are refused in place (the message under the field, nothing
saved); otherwise what the change does is shown first and saved once
confirmed.  Under the form, the history of the setting the cursor is on (who,
when, from which month, old → new).

The screen only collects and presents: reads go through ``BaseScreen.load``,
checks through ``rules.settings`` and writes through ``services.settings``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Input, Label, Select, Static, TabbedContent, TabPane, TextArea

from incubator_tui.i18n import get_language, t
from incubator_tui.rules import settings as rules
from incubator_tui.rules.months import local_minute
from incubator_tui.screens.base import BaseScreen
from incubator_tui.widgets.key_bar import KeyBar
from incubator_tui.widgets.safe_text import message, plain

SECTIONS = ("centre", "scheme", "holidays", "checklist", "install")
CENTRE_INPUTS = ("name", "address", "contact", "phone", "rules_title", "notice_prefix", "timezone")
SCHEME_GROUPS = (
    ("settings.group.flags", ("threshold", "run_length", "step")),
    ("settings.group.weights", rules.WEIGHT_FIELDS),
    ("settings.group.cutoffs", rules.CUTOFF_FIELDS),
    ("settings.group.gate", ("party_gate", "party_cap", "min_complete_months")),
    ("settings.group.deadlines", ("deadline_days", "deadline_months_annual", "handover_working_days",
                                  "objection_days", "publicity_days")),
)
SCHEME_KEY = dict(rules.SCHEME_FIELDS)  # field id → setting key
ITEM_COLUMNS = ("code", "name", "name_en", "max")
NEW_ROWS = 8  # empty item rows offered when the version in force has fewer


def _fid(field: str) -> str:
    """A widget id for a field id (ids may not contain '.')."""
    return "set-" + field.replace(".", "-")


def _label(field: str) -> str:
    if field.startswith("weight."):
        return t(f"settings.component.{field.split('.', 1)[1]}")
    if field.startswith("cutoff."):
        return t(f"settings.{field}")
    if field == "step":
        return t("settings.key.score_step_cent")
    if field in CENTRE_INPUTS or field in ("category", "operator", "language", "output_dir"):
        return t(f"settings.field.{field}")
    return t(f"settings.key.{field}")


class SettingsScreen(BaseScreen):
    """The settings: five sections, each a form saved on its own."""

    CSS_PATH = "settings_screen.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "settings.binding.save", id="settings.save", priority=True),
        Binding("escape", "cancel", "settings.binding.cancel", id="settings.cancel"),
        # priority: a text field would take ctrl+d (delete right) first
        Binding("ctrl+n", "add_item", "settings.binding.add_item", id="settings.add_item", priority=True),
        Binding("ctrl+d", "remove_item", "settings.binding.remove_item", id="settings.remove_item", priority=True),
    ]

    page: Any = None  # services.settings.SettingsPage once loaded
    baseline: dict[str, str]  # widget id → the text it was filled with (what "typed" is compared to)
    history_field: str | None = None
    busy = False  # a preview or a save in progress

    def __init__(self) -> None:
        super().__init__()
        self.baseline = {}
        self.item_rows = 0  # rows ever made (ids are never reused: a removed row may linger a moment)
        self.row_ids: list[int] = []  # the item rows shown, in order
        self.item_inputs: dict[int, dict[str, Input]] = {}  # row → column → its input (before it is mounted too)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="settings-body"):
            yield Static("", id="settings-warning", markup=False)
            with TabbedContent(id="settings-tabs"):
                with TabPane(t("settings.tab.centre"), id="tab-centre"), VerticalScroll():
                    for f in CENTRE_INPUTS[:1]:
                        yield from self._field(f)
                    yield Label(_label("category"), classes="set-label", markup=False)
                    from incubator_tui.services.centres import CATEGORIES

                    yield Select([(t(f"category.{c}"), c) for c in CATEGORIES], allow_blank=False,
                                 id=_fid("category"))
                    yield Static("", id=_fid("category") + "-error", classes="set-error", markup=False)
                    for f in CENTRE_INPUTS[1:]:
                        yield from self._field(f)
                with TabPane(t("settings.tab.scheme"), id="tab-scheme"), VerticalScroll():
                    yield from self._field("scheme-month", label=t("settings.effective"))
                    for title, fields in SCHEME_GROUPS:
                        yield Label(t(title), classes="set-group", markup=False)
                        with Horizontal(classes="set-row"):
                            for f in fields:
                                with Vertical(classes="set-cell"):
                                    yield from self._field(f)
                        group = {"settings.group.weights": "weights", "settings.group.cutoffs": "cutoffs"}.get(title)
                        if group:
                            yield Static("", id=_fid(group) + "-error", classes="set-error", markup=False)
                with TabPane(t("settings.tab.holidays"), id="tab-holidays"), VerticalScroll():
                    yield from self._field("year", label=t("settings.year"))
                    yield Static(t("settings.holidays_hint"), classes="set-hint", markup=False)
                    yield Label(t("settings.key.holidays"), classes="set-label", markup=False)
                    yield TextArea(id=_fid("holidays"), classes="set-dates")
                    yield Static("", id=_fid("holidays") + "-error", classes="set-error", markup=False)
                    yield Label(t("settings.key.makeup_days"), classes="set-label", markup=False)
                    yield TextArea(id=_fid("makeup_days"), classes="set-dates")
                    yield Static("", id=_fid("makeup_days") + "-error", classes="set-error", markup=False)
                with TabPane(t("settings.tab.checklist"), id="tab-checklist"), VerticalScroll(id="checklist-scroll"):
                    yield Label(t("settings.checklist.versions"), classes="set-group", markup=False)
                    yield Static("", id="checklist-versions", markup=False)
                    yield from self._field("checklist-month", label=t("settings.effective"))
                    yield Label(t("settings.checklist.new"), classes="set-group", markup=False)
                    with Horizontal(classes="item-head"):
                        for col in ITEM_COLUMNS:
                            yield Label(t(f"settings.col.{col}"), classes=f"item-{col}", markup=False)
                    yield Vertical(id="item-rows")
                    yield Static("", id="checklist-total", markup=False)
                    yield Static("", id=_fid("total") + "-error", classes="set-error", markup=False)
                with TabPane(t("settings.tab.install"), id="tab-install"), VerticalScroll():
                    yield Static(t("settings.install_note"), classes="set-hint", markup=False)
                    yield from self._field("operator")
                    yield Label(_label("language"), classes="set-label", markup=False)
                    yield Select([(t("settings.language.zh"), "zh"), (t("settings.language.en"), "en")],
                                 allow_blank=False, id=_fid("language"))
                    yield Static("", id=_fid("language") + "-error", classes="set-error", markup=False)
                    yield from self._field("output_dir")
            yield Static("", id="settings-status", markup=False)
            yield Static("", id="settings-history", markup=False)
        yield KeyBar()

    def _field(self, field: str, label: str | None = None) -> ComposeResult:
        yield Label(label or _label(field), classes="set-label", markup=False)
        yield Input(id=_fid(field), classes="set-input")
        yield Static("", id=_fid(field) + "-error", classes="set-error", markup=False)

    def on_mount(self) -> None:
        self.title = t("settings.title")
        self.sub_title = self.iapp.centre_name
        self.reload()

    # ------------------------------------------------------------------ loading and filling

    def reload(self) -> None:
        from incubator_tui.services.settings import settings_page

        centre_id = self.iapp.centre_id
        if centre_id is not None:
            self.load(lambda reads: reads(settings_page, centre_id), self._fill)

    def _fill(self, page: Any) -> None:
        """Put the settings in force in the forms (what was typed is replaced: called after a
        load, which happens on opening, after a save, or when data changed meanwhile)."""
        self.page = page
        view = page.view
        values = {f: getattr(view.centre, f) for f in CENTRE_INPUTS if f != "timezone"}
        values["timezone"] = view.values["timezone"]
        values["scheme-month"] = values["checklist-month"] = view.as_of
        values.update(rules.scheme_texts(view.values))
        config = self.iapp.config
        values.update(operator=self.iapp.operator, output_dir=getattr(config, "output_dir", ""))
        if not self.input(_fid("year")).value.strip():
            values["year"] = view.as_of[:4]
        for field, text in values.items():
            self.input(_fid(field)).value = text
        self.query_one("#" + _fid("category"), Select).value = view.centre.category
        self.query_one("#" + _fid("language"), Select).value = get_language()
        self._fill_year()
        self._fill_checklist()
        self._clear_errors()
        self.baseline = self._snapshot()
        self._show_warning()
        self._show_history()

    def _fill_year(self) -> None:
        year = self._year()
        if self.page is None or year is None:
            return
        values = self.page.view.values
        hol = values["holidays"].get(year, ())
        mk = values["makeup_days"].get(year, ())
        self.query_one("#" + _fid("holidays"), TextArea).text = "\n".join(d.isoformat() for d in hol)
        self.query_one("#" + _fid("makeup_days"), TextArea).text = "\n".join(d.isoformat() for d in mk)
        for fid in (_fid("holidays"), _fid("makeup_days")):
            self.baseline[fid] = self.query_one("#" + fid, TextArea).text

    def _fill_checklist(self) -> None:
        from incubator_tui.rules.scoring import cents_to_text
        from incubator_tui.services.settings import item_name

        versions = self.page.versions
        lines = [t("settings.checklist.version_line", number=v.number, month=v.effective_month,
                   items="、".join(f"{item_name(i)} {cents_to_text(i.max_cent)}" for i in v.items))
                 for v in versions]
        self.query_one("#checklist-versions", Static).update(plain("\n".join(lines)))
        current = self.page.view.checklist
        items = list(current.items) if current else []
        rows = self.query_one("#item-rows", Vertical)
        rows.remove_children()
        self.row_ids = []
        self.item_inputs = {}
        for it in items:
            self._add_row((it.code, it.name, it.name_en, cents_to_text(it.max_cent)))
        for _ in range(max(0, NEW_ROWS - len(items))):
            self._add_row(("", "", "", ""))
        self._update_total()

    def _add_row(self, texts: tuple[str, str, str, str], after: int | None = None) -> int:
        row = self.item_rows
        self.item_rows += 1
        inputs = {col: Input(text, id=f"item-{row}-{col}", classes=f"item-{col} item-input")
                  for col, text in zip(ITEM_COLUMNS, texts)}
        self.item_inputs[row] = inputs
        line = Horizontal(*inputs.values(), id=f"item-row-{row}", classes="item-row")
        error = Static("", id=f"item-{row}-error", classes="set-error", markup=False)
        rows = self.query_one("#item-rows", Vertical)
        if after is not None and after in self.row_ids:
            rows.mount(line, error, after=rows.query_one(f"#item-{after}-error"))
            self.row_ids.insert(self.row_ids.index(after) + 1, row)
        else:
            rows.mount(line, error)
            self.row_ids.append(row)
        return row

    def _snapshot(self) -> dict[str, str]:
        snap: dict[str, str] = {"items": repr(self._drafts())}
        for widget in self.query(Input):
            if widget.id and not widget.id.startswith("item-"):
                snap[widget.id] = widget.value
        for widget in self.query(TextArea):
            if widget.id:
                snap[widget.id] = widget.text
        for widget in self.query(Select):
            if widget.id:
                snap[widget.id] = str(widget.value)
        return snap

    def _show_warning(self) -> None:
        missing = self.page.missing_years if self.page else []
        text = t("settings.holidays_missing", years="、".join(map(str, missing))) if missing else ""
        self.query_one("#settings-warning", Static).update(plain(text))

    # ------------------------------------------------------------------ helpers

    def input(self, wid: str) -> Input:
        parts = wid.split("-")
        if parts[0] == "item" and len(parts) == 3 and parts[1].isdigit():
            return self.item_inputs[int(parts[1])][parts[2]]
        return self.query_one("#" + wid, Input)

    def section(self) -> str:
        active = self.query_one("#settings-tabs", TabbedContent).active or "tab-centre"
        return active.removeprefix("tab-")

    def _year(self) -> int | None:
        text = self.input(_fid("year")).value.strip()
        return int(text) if text.isdigit() and len(text) == 4 else None

    def dirty(self, section: str | None = None) -> list[str]:
        """Widget ids whose text differs from what they were filled with (in ``section``, or anywhere)."""
        now = self._snapshot()
        ids = [k for k, v in now.items() if self.baseline.get(k, "") != v]
        if section is None:
            return ids
        pane = self.query_one(f"#tab-{section}", TabPane)
        return [k for k in ids if (k == "items" and section == "checklist") or (k != "items" and pane.query(f"#{k}"))]

    def _clear_errors(self) -> None:
        for widget in self.query(".set-error"):
            if isinstance(widget, Static):
                widget.update("")
                widget.remove_class("-shown")
        for widget in self.query(".set-input, .item-input"):
            widget.remove_class("-refused")

    def show_errors(self, errors: dict[str, Any]) -> None:
        """Each refusal under its field (``errors``: widget id → message); the first focused."""
        self._clear_errors()
        first = None
        messages: dict[str, list[str]] = {}
        for wid, msg in errors.items():
            parts = wid.split("-")
            # an item's input shows its message under its row (several joined)
            target = f"item-{parts[1]}-error" if parts[0] == "item" and len(parts) == 3 else f"{wid}-error"
            messages.setdefault(target, []).append(str(msg))
        for target, texts in messages.items():
            found = self.query(f"#{target}")
            if found:
                static = found.first()
                assert isinstance(static, Static)
                static.update(plain("；".join(texts)))
                static.add_class("-shown")
        for wid in errors:
            field = self.query(f"#{wid}")
            if field:
                field.first().add_class("-refused")
                first = first or field.first()
        self.status(t("settings.refused", count=len(errors)), error=True)
        if first is not None and first.focusable:
            first.focus()

    def status(self, text: str, *, error: bool = False) -> None:
        static = self.query_one("#settings-status", Static)
        static.update(plain(text))
        static.set_class(error, "-error")

    # ------------------------------------------------------------------ as the user types

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        wid = event.input.id or ""
        if wid.startswith("item-"):
            self._update_total()
        elif wid == _fid("year"):
            if not self.dirty("holidays") or set(self.dirty("holidays")) == {wid}:
                self._fill_year()
            self._show_history()

    def _drafts(self) -> list[rules.DraftItem]:
        return [rules.DraftItem(*(self.input(f"item-{row}-{col}").value for col in ITEM_COLUMNS))
                for row in self.row_ids]

    def _update_total(self) -> None:
        total = rules.checklist_total(self._drafts())
        if total is None:
            text = t("settings.checklist.total_unknown")
        elif total == 10:
            text = t("settings.checklist.total_ok")
        else:
            from incubator_tui.rules.settings import _num_text

            text = t("settings.checklist.total_bad", total=_num_text(total))
        static = self.query_one("#checklist-total", Static)
        static.update(plain(text))
        static.set_class(total != 10, "-error")

    def on_descendant_focus(self, event: Any) -> None:
        wid = getattr(event.widget, "id", None) or ""
        field = self._history_key(wid)
        if field != self.history_field:
            self.history_field = field
            self._show_history()

    def _history_key(self, wid: str) -> str | None:
        """The history field (as services.settings.history names it) of a widget."""
        if wid.startswith("item-") or wid == _fid("checklist-month"):
            return "checklist"
        name = wid.removeprefix("set-").replace("-", ".", 1) if wid.startswith("set-weight") or \
            wid.startswith("set-cutoff") else wid.removeprefix("set-")
        if name in SCHEME_KEY:
            return SCHEME_KEY[name]
        if name in ("holidays", "makeup_days", "year"):
            year = self._year()
            return f"{'makeup_days' if name == 'makeup_days' else 'holidays'}:{year}" if year else None
        if name in CENTRE_INPUTS or name == "category":
            return name
        return None

    def _show_history(self) -> None:
        static = self.query_one("#settings-history", Static)
        field = self.history_field
        if self.page is None or field is None:
            static.update("")
            return
        if field.startswith("holidays:") or field.startswith("makeup_days:"):
            year = field.split(":")[1]
            rows = [h for h in self.page.history if h.field in (f"holidays:{year}", f"makeup_days:{year}")]
            label = f"{t('settings.key.holidays')} {year}"
        else:
            rows = [h for h in self.page.history if h.field == field]
            label = t(f"settings.key.{field}") if field in rules.DEFAULTS or field == "checklist" else _label(field)
        lines = [t("settings.history_of", label=label)]
        zone = self.page.view.values["timezone"]  # the centre's clock, as its people read it
        for h in rows[:6]:
            month = t("settings.history_month", month=h.effective_month) if h.effective_month else ""
            lines.append(t("settings.history_line", at=local_minute(h.at, zone), operator=h.operator or "—", month=month,
                           old=h.old if h.old not in (None, "") else "—", new=h.new if h.new not in (None, "") else "—"))
        if not rows:
            lines.append(t("settings.history_none"))
        static.update(plain("\n".join(lines)))

    # ------------------------------------------------------------------ keys

    def action_add_item(self) -> None:
        if self.section() != "checklist":
            return
        focused = self.focused.id if self.focused is not None and self.focused.id else ""
        after = int(focused.split("-")[1]) if focused.startswith("item-") and focused.split("-")[1].isdigit() else None
        row = self._add_row(("", "", "", ""), after=after)
        self.call_after_refresh(lambda: self.input(f"item-{row}-code").focus())

    def action_remove_item(self) -> None:
        focused = self.focused.id if self.focused is not None and self.focused.id else ""
        parts = focused.split("-")
        if self.section() != "checklist" or not (focused.startswith("item-") and parts[1].isdigit()):
            return
        row = int(parts[1])
        at = self.row_ids.index(row)
        self.row_ids.remove(row)
        nxt = self.row_ids[min(at, len(self.row_ids) - 1)] if self.row_ids else None
        self.item_inputs.pop(row, None)
        self.query_one(f"#item-row-{row}").remove()
        self.query_one(f"#item-{row}-error").remove()
        self._update_total()
        if nxt is not None:
            self.call_after_refresh(lambda: self.input(f"item-{nxt}-{parts[2]}").focus())

    def action_cancel(self) -> None:
        if self.busy:
            return
        if not self.dirty():
            self.app.pop_screen()
            return
        from incubator_tui.screens.scoring_modals import ConfirmModal

        def done(discard: bool | None) -> None:
            if discard:
                self.app.pop_screen()

        self.app.push_screen(ConfirmModal(t("settings.discard_title"), [], confirm_label=t("settings.discard_yes")),
                             done)

    def action_save(self) -> None:
        if self.busy or self.page is None:
            return
        section = self.section()
        plan = getattr(self, f"_plan_{section}")()
        if plan is None:
            return
        lines, save = plan
        if lines is None:  # a preview computed in a worker
            return
        self._confirm(lines, save)

    # ------------------------------------------------------------------ saving each section

    def _confirm(self, lines: list[str], save: Callable[[], Any]) -> None:
        from incubator_tui.screens.scoring_modals import ConfirmModal

        def done(ok: bool | None) -> None:
            if ok:
                self._run_save(save)
            else:
                self.busy = False

        self.busy = True
        self.app.push_screen(ConfirmModal(t("settings.confirm_title"), lines, confirm_label=t("settings.confirm_yes")),
                             done)

    @work(thread=True, exclusive=True, group="settings-save")
    def _run_save(self, save: Callable[[], Any]) -> None:
        from incubator_tui.errors import UserError
        from incubator_tui.services.settings import SettingsRefused

        try:
            what = save()
        except SettingsRefused as err:
            self.from_worker(self._refused, err)
            return
        except UserError as err:
            self.from_worker(self._failed, str(err))
            return
        self.from_worker(self._saved, what)

    def _refused(self, err: Any) -> None:
        self.busy = False
        self.show_errors(self._error_ids(err.errors))

    def _failed(self, text: str) -> None:
        self.busy = False
        self.status(text, error=True)

    def _saved(self, what: str) -> None:
        self.busy = False
        self.notify(t("settings.saved", what=what), markup=False)
        self.status(t("settings.saved", what=what))
        self.reload()

    def _error_ids(self, errors: dict[Any, Any]) -> dict[str, Any]:
        """Service/rules error keys → widget ids: ``(row, column)`` of the drafts → that row's input."""
        out = {}
        for key, err in errors.items():
            if isinstance(key, tuple):
                out[f"item-{self.row_ids[key[0]]}-{key[1]}"] = err
            elif key == "month":
                out[_fid("checklist-month")] = err
            else:
                out[_fid(key)] = err
        return out

    def _month(self, wid: str) -> str | None:
        from incubator_tui.rules.errors import DomainError
        from incubator_tui.rules.months import parse_month

        text = self.input(wid).value
        try:
            return parse_month(text)
        except DomainError:
            self.show_errors({wid: rules.SettingError("settings.bad.month", value=text)})
            return None

    def _plan_centre(self) -> tuple[list[str], Callable[[], Any]] | None:
        from incubator_tui.services import settings as service

        fields = {f: self.input(_fid(f)).value.strip() for f in CENTRE_INPUTS}
        fields["category"] = str(self.query_one("#" + _fid("category"), Select).value)
        errors = service.check_centre_fields(fields)
        if errors:
            self.show_errors({_fid(k): v for k, v in errors.items()})
            return None
        self._clear_errors()
        view = self.page.view
        old = {**view.centre.as_dict(), "timezone": view.values["timezone"]}
        changed = {f: v for f, v in fields.items() if (old.get(f) or "") != v}
        if not changed:
            self.status(t("settings.nothing_to_save"))
            return None
        shown = {f: (t(f"category.{v}") if f == "category" else v) for f, v in changed.items()}
        lines = [t("settings.preview.centre", label=_label(f), old=(t(f"category.{old[f]}") if f == "category"
                                                                     else old.get(f)) or "—", new=v or "—")
                 for f, v in shown.items()]
        db, centre_id, operator = self.iapp.db, self.iapp.centre_id, self.iapp.operator

        def save() -> str:
            service.save_centre(db, centre_id, changed, operator)
            if "name" in changed:
                self.app.call_from_thread(self._renamed, changed["name"])
            return "、".join(_label(f) for f in changed)

        return lines, save

    def _renamed(self, name: str) -> None:
        self.iapp.centre_name = name
        self.sub_title = name

    def _plan_scheme(self) -> tuple[list[str] | None, Callable[[], Any]] | None:
        fields = [f for f, _key in rules.SCHEME_FIELDS]
        texts = {f: self.input(_fid(f)).value for f in fields}
        values, errors = rules.parse_scheme(texts)
        month = self._month(_fid("scheme-month")) if not errors else None
        if errors:
            self.show_errors({_fid(k): v for k, v in errors.items()})
            return None
        if month is None:
            return None
        self._clear_errors()
        touched = {SCHEME_KEY[f] for f in fields if self.baseline.get(_fid(f), "") != texts[f]}
        changes = {k: v for k, v in values.items() if k in touched}
        if not changes:
            self.status(t("settings.nothing_to_save"))
            return None
        self.busy = True
        self._preview_scheme(changes, month)
        return None, lambda: None

    @work(thread=True, exclusive=True, group="settings-preview")
    def _preview_scheme(self, changes: dict[str, Any], month: str) -> None:
        from incubator_tui.errors import UserError
        from incubator_tui.services import settings as service

        db, centre_id, operator = self.iapp.db, self.iapp.centre_id, self.iapp.operator
        try:
            preview = service.preview_settings(db, centre_id, changes, month)
        except UserError as err:
            self.from_worker(self._failed, str(err))
            return

        def save() -> str:
            keys = service.save_settings(db, centre_id, changes, month, operator)
            return "、".join(t(f"settings.key.{k}") for k in keys) or t("settings.nothing_to_save")

        def ask() -> None:
            self.busy = False
            if preview.lines == [t("settings.preview.nothing")]:
                self.status(t("settings.nothing_to_save"))
                return
            self._confirm(preview.lines, save)

        self.from_worker(ask)

    def _plan_holidays(self) -> tuple[list[str], Callable[[], Any]] | None:
        from incubator_tui.services import settings as service

        year = self._year()
        if year is None:
            self.show_errors({_fid("year"): rules.SettingError("settings.bad.year",
                                                                value=self.input(_fid("year")).value)})
            return None
        hol_text = self.query_one("#" + _fid("holidays"), TextArea).text
        mk_text = self.query_one("#" + _fid("makeup_days"), TextArea).text
        hol, bad_h = rules.parse_date_list(hol_text, year)
        mk, bad_m = rules.parse_date_list(mk_text, year)
        errors: dict[str, Any] = {}
        if bad_h:
            errors[_fid("holidays")] = bad_h[0]
        if bad_m:
            errors[_fid("makeup_days")] = bad_m[0]
        if not errors:
            cal = rules.check_calendar(hol, mk)
            if cal:
                errors[_fid("makeup_days")] = cal[0]
        if errors:
            self.show_errors(errors)
            return None
        self._clear_errors()
        values = self.page.view.values
        old_h, old_m = values["holidays"].get(year, ()), values["makeup_days"].get(year, ())
        if list(old_h) == hol and list(old_m) == mk:
            self.status(t("settings.nothing_to_save"))
            return None
        lines = [t("settings.preview.calendar", year=year, holidays=len(hol), makeup=len(mk),
                   old_holidays=len(old_h), old_makeup=len(old_m)), t("settings.preview.calendar_kept")]
        db, centre_id, operator = self.iapp.db, self.iapp.centre_id, self.iapp.operator

        def save() -> str:
            service.save_year_calendar(db, centre_id, year, hol_text, mk_text, operator)
            return f"{t('settings.key.holidays')} {year}"

        return lines, save

    def _plan_checklist(self) -> tuple[list[str], Callable[[], Any]] | None:
        from incubator_tui.services import settings as service

        month = self._month(_fid("checklist-month"))
        if month is None:
            return None
        step = self.page.view.values["score_step_cent"]
        items, errors, whole = rules.check_checklist(self._drafts(), step)
        if errors or whole:
            self.show_errors(self._error_ids({**errors, **({"total": whole} if whole else {})}))
            return None
        self._clear_errors()
        current = self.page.view.checklist
        same = current is not None and [(i.code, i.name, i.name_en, i.max_cent) for i in current.items] == [
            (i.code, i.name, i.name_en, i.max_cent) for i in items]
        if same and "items" not in self.dirty("checklist"):
            self.status(t("settings.nothing_to_save"))
            return None
        lines = service.preview_checklist(self.iapp.db, self.iapp.centre_id, month, items).lines
        drafts = self._drafts()
        db, centre_id, operator = self.iapp.db, self.iapp.centre_id, self.iapp.operator

        def save() -> str:
            service.save_checklist_version(db, centre_id, month, drafts, operator)
            return t("settings.key.checklist")

        return lines, save

    def _plan_install(self) -> tuple[list[str], Callable[[], Any]] | None:
        from incubator_tui import paths
        from incubator_tui.services import settings as service

        operator = self.input(_fid("operator")).value.strip()
        language = str(self.query_one("#" + _fid("language"), Select).value)
        folder = self.input(_fid("output_dir")).value.strip()
        errors = service.check_installation(operator, language, folder)
        if errors:
            self.show_errors({_fid(k): v for k, v in errors.items()})
            return None
        self._clear_errors()
        config = self.iapp.config
        old = {"operator": self.iapp.operator, "language": get_language(), "output_dir": getattr(config, "output_dir", "")}
        new = {"operator": operator, "language": language, "output_dir": folder}
        changed = {k: v for k, v in new.items() if old[k] != v}
        if not changed:
            self.status(t("settings.nothing_to_save"))
            return None
        lines = [t("settings.preview.centre", label=_label(k), old=old[k] or "—", new=v or "—") for k, v in changed.items()]
        lines.append(t("settings.preview.install", path=str(paths.config_file())))

        def save() -> str:
            service.save_installation(operator, language, folder)
            self.app.call_from_thread(self._installed, operator, language, folder)
            return "、".join(_label(k) for k in changed)

        return lines, save

    def _installed(self, operator: str, language: str, folder: str) -> None:
        from dataclasses import replace

        from incubator_tui.i18n import set_language

        app = self.iapp
        app.operator = operator
        try:
            app.config = replace(app.config, operator=operator, language=language, output_dir=folder)
        except TypeError:  # a config without the folder field
            pass
        set_language(language)


__all__ = ["SettingsScreen"]
