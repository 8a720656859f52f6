"""Modals of the scoring grid: a reason (lost points, exemption, re-open), a confirmation
and the search for an organisation.

Each returns its value with ``dismiss``: :class:`ReasonModal` the text typed
(``None`` when cancelled), :class:`ConfirmModal` ``True``/``False``,
:class:`SearchModal` the query (``None`` when cancelled).  Titles,
subjects and bodies carry names and reasons: shown literally (``safe_text.plain``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from incubator_tui.i18n import t
from incubator_tui.screens.base import BaseModal
from incubator_tui.widgets.safe_text import message, plain

_CSS = Path(__file__).with_name("scoring_screen.tcss")


class ReasonModal(BaseModal):
    """Ask for a short reason.  Enter saves, Esc cancels; ``required`` refuses a blank one."""

    CSS_PATH = _CSS
    BINDINGS = [Binding("escape", "cancel", "scoring.key.cancel", id="scoring.modal.cancel")]

    def __init__(self, title: str, subject: str, *, initial: str = "", placeholder: str = "",
                 required: bool = False) -> None:
        super().__init__(classes="scoring-modal")
        self.dialog_title = title
        self.subject = subject
        self.initial = initial
        self.placeholder = placeholder
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.dialog_title), classes="dialog-title", markup=False)
            yield Static(plain(self.subject), classes="dialog-subject", markup=False)
            # Prefilled to be edited: the cursor at the end, nothing selected (typing adds, not replaces).
            yield Input(value=self.initial, placeholder=self.placeholder, id="reason-input", max_length=200,
                        select_on_focus=False)
            yield Static("", id="reason-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("scoring.button.ok"), variant="primary", id="reason-ok")
                yield Button(t("scoring.button.cancel"), id="reason-cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def submit(self) -> None:
        value = self.query_one(Input).value.strip()
        if self.required and not value:
            self.query_one("#reason-error", Static).update(message("scoring.reason_required"))
            return
        self.dismiss(value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "reason-ok":
            self.submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(BaseModal):
    """Ask yes or no.  ``y`` (or Enter on the focused confirm button) confirms; ``n``/Esc cancels."""

    CSS_PATH = _CSS
    BINDINGS = [
        Binding("y", "confirm", "scoring.key.ok", id="scoring.modal.yes"),
        Binding("escape,n", "cancel", "scoring.key.cancel", id="scoring.modal.no"),
    ]

    def __init__(self, title: str, lines: list[str], *, confirm_label: str | None = None) -> None:
        super().__init__(classes="scoring-modal")
        self.dialog_title = title
        self.body_lines = lines
        self.confirm_label = confirm_label or t("scoring.button.ok")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.dialog_title), classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Static(plain("\n".join(self.body_lines)), id="confirm-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(plain(self.confirm_label), variant="warning", id="confirm-yes")
                yield Button(t("scoring.button.cancel"), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class SearchModal(BaseModal):
    """Find an organisation: a query (name, initials ``cg``, full pinyin), and under it what
    Enter would do (``describe(query)``, as the user types).  Opens with the last query,
    selected: Enter goes to the next match, typing replaces it.  Esc cancels."""

    CSS_PATH = _CSS
    BINDINGS = [Binding("escape", "cancel", "scoring.key.cancel", id="grid.search.cancel")]

    def __init__(self, title: str, initial: str, describe: Callable[[str], str], *, placeholder: str = "") -> None:
        super().__init__(classes="scoring-modal grid-search")
        self.dialog_title = title
        self.initial = initial
        self.describe = describe
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.dialog_title), classes="dialog-title", markup=False)
            yield Input(value=self.initial, placeholder=self.placeholder, id="search-input", max_length=100)
            yield Static(plain(self.describe(self.initial)), id="search-preview", classes="dialog-subject",
                         markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one("#search-preview", Static).update(plain(self.describe(event.value)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
