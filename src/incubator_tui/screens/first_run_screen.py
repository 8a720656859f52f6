"""首次使用: name the centre and pick its category, or load the demo data.

Keyboard first: the name field has focus, Enter creates, Tab reaches the
category and the two buttons.  Both paths write in a worker and end by
dismissing the screen with the centre (a ``CentreRef``); the app then shows
the dashboard.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static

from incubator_tui.widgets.key_bar import KeyBar
from incubator_tui.errors import UserError
from incubator_tui.i18n import t
from incubator_tui.screens.base import BaseScreen
from incubator_tui.services.centres import CATEGORIES


class FirstRunScreen(BaseScreen):
    """Shown when the database holds no centre yet."""

    BINDINGS = [
        Binding("ctrl+s", "create", "key.create", id="firstrun.create"),
        Binding("f2", "demo", "key.demo", id="firstrun.demo"),
    ]

    class Ready(Message):
        """The first-run form is on screen (``--exit-when-ready``)."""

    busy = False

    def compose(self) -> ComposeResult:
        with Center(id="first-run-box"):
            with Vertical(id="first-run"):
                yield Static(t("firstrun.title"), id="first-run-title", markup=False)
                yield Static(t("firstrun.intro"), id="first-run-intro", markup=False)
                yield Label(t("firstrun.name"), classes="field-label", markup=False)
                yield Input(placeholder=t("firstrun.name_placeholder"), id="centre-name", max_length=200)
                yield Label(t("firstrun.category"), classes="field-label", markup=False)
                yield Select(
                    [(t(f"category.{c}"), c) for c in CATEGORIES], value="community", allow_blank=False,
                    id="centre-category",
                )
                yield Static("", id="first-run-message", markup=False)
                with Horizontal(id="first-run-buttons"):
                    yield Button(t("firstrun.create"), id="create", variant="primary")
                    yield Button(t("firstrun.demo"), id="demo")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = t("firstrun.title")
        self.query_one("#centre-name", Input).focus()
        self.call_after_refresh(self.post_message, self.Ready())

    def _say(self, message: str, error: bool = False) -> None:
        msg = self.query_one("#first-run-message", Static)
        msg.update(message)
        msg.set_class(error, "-error")

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in self.query("Input, Select, Button"):
            widget.disabled = busy

    @on(Input.Submitted, "#centre-name")
    def _submitted(self) -> None:
        self.action_create()

    @on(Button.Pressed, "#create")
    def _create_pressed(self) -> None:
        self.action_create()

    @on(Button.Pressed, "#demo")
    def _demo_pressed(self) -> None:
        self.action_demo()

    def action_create(self) -> None:
        if self.busy:
            return
        name = self.query_one("#centre-name", Input).value.strip()
        if not name:
            self._say(t("firstrun.name_required"), error=True)
            self.query_one("#centre-name", Input).focus()
            return
        category = self.query_one("#centre-category", Select).value
        if category is Select.NULL:
            category = "community"
        self._set_busy(True)
        self._say(t("firstrun.creating"))
        self._create(name, str(category))

    def action_demo(self) -> None:
        if self.busy:
            return
        self._set_busy(True)
        self._say(t("firstrun.demo_loading"))
        self._demo()

    @work(thread=True, exclusive=True, group="first-run")
    def _create(self, name: str, category: str) -> None:
        from incubator_tui.services.centres import create_centre
        from incubator_tui.services.dashboard import CentreRef

        from incubator_tui.services.access import write

        try:
            centre = write(self.iapp.db, create_centre, name, self.iapp.operator, category=category)
            ref = CentreRef(centre.id, centre.name)
        except UserError as err:
            self.from_worker(self._failed, str(err))
            return
        self.from_worker(self.dismiss, ref)

    @work(thread=True, exclusive=True, group="first-run")
    def _demo(self) -> None:
        from incubator_tui.services.access import read
        from incubator_tui.services.dashboard import list_centres
        from incubator_tui.services.demo import create_demo

        try:
            create_demo(self.iapp.db)
            centres = read(self.iapp.db, list_centres)
        except UserError as err:
            self.from_worker(self._failed, str(err))
            return
        if not centres:  # pragma: no cover - the demo always makes a centre
            self.from_worker(self._failed, t("firstrun.demo_failed"))
            return
        self.from_worker(self.dismiss, centres[0])

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        self._say(message, error=True)
