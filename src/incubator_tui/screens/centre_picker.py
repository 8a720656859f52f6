"""选择孵化中心: which centre, when the all-centres view (a district database) meets something
done for one centre (the scoring grid, settings, an export, the review's writes).

The dialog only collects: it lists the centres by name (names shown literally), the
centre last worked on under the cursor, and dismisses with the chosen id (None on Esc);
the app switches to it (``AppContract.choose_centre``).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from incubator_tui.i18n import t
from incubator_tui.widgets.safe_text import message, plain


class CentrePickerModal(ModalScreen[str | None]):
    """The centres by name; Enter chooses, Esc cancels."""

    DEFAULT_CSS = """
    CentrePickerModal { align: center middle; }
    #centre-picker { width: 60; }
    #centre-picker-list { height: auto; max-height: 12; }
    """
    BINDINGS = [Binding("escape", "cancel", "key.close", id="centre_picker.cancel")]

    def __init__(self, centres: dict[str, str], current: str | None, why: str) -> None:
        super().__init__()
        self.centres = sorted(centres.items(), key=lambda kv: (kv[1], kv[0]))
        self.current = current
        self.why = why

    def compose(self) -> ComposeResult:
        with Vertical(id="centre-picker", classes="dialog"):
            yield Static(message("district.pick.title"), classes="dialog-title", markup=False)
            yield Static(plain(self.why), classes="dialog-text", markup=False)
            yield OptionList(*(Option(plain(name), id=cid) for cid, name in self.centres),
                             id="centre-picker-list", compact=True)
            yield Static(message("district.pick.hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        options = self.query_one("#centre-picker-list", OptionList)
        ids = [cid for cid, _ in self.centres]
        options.highlighted = ids.index(self.current) if self.current in ids else 0
        options.focus()
        self.title = t("district.pick.title")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
