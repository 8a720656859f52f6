"""帮助 (?): every key of the screen you are on, then the app's, with what each does.

The list is read from the live binding maps (``Screen.active_bindings``, which
applies the user's ``[keys]`` remapping), so a remapped key shows as remapped
and a screen's new bindings appear without editing this file.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from incubator_tui.i18n import t
from incubator_tui.screens.base import BaseModal
from incubator_tui.widgets.key_bar import binding_label
from incubator_tui.widgets.safe_text import message


@dataclass(frozen=True)
class KeyEntry:
    scope: str  # "screen" (the screen and its widgets) or "app"
    keys: str  # as displayed, e.g. "j/↓" or "^e"
    description: str
    enabled: bool = True


def _ours(app: App, node: object, binding: Binding) -> bool:
    """Bindings this app declared (the app, its screens and widgets; every one has an id),
    not Textual's built-in ones (tab, copy...), which are undescribed in our language."""
    return binding.id is not None and (node is app or type(node).__module__.startswith("incubator_tui"))


def key_entries(app: App, screen: Screen) -> list[KeyEntry]:
    """The keys active on ``screen``: its own (and its focused widgets') first, then the app's."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    enabled: dict[tuple[str, str, str], bool] = {}
    declared: dict[tuple[str, str, str], int] = {}  # the app's keys in the order the app declares them
    app_ids = [b.id for b in type(app).BINDINGS if isinstance(b, Binding)]
    for _key, active in screen.active_bindings.items():
        node, binding = active.node, active.binding
        if not binding.description or not _ours(app, node, binding):
            continue
        scope = "app" if node is app else "screen"
        ident = (scope, binding.action, binding_label(binding.description))
        if scope == "app" and binding.id in app_ids:
            declared.setdefault(ident, app_ids.index(binding.id))
        shown = app.get_key_display(binding)
        if shown not in grouped.setdefault(ident, []):
            grouped[ident].append(shown)
        enabled[ident] = enabled.get(ident, False) or active.enabled
    # The screen's keys first (as they come), then the app's in the order the app declares them.
    order = sorted(grouped, key=lambda ident: (ident[0] != "screen", declared.get(ident, 0)))
    return [KeyEntry(scope, "/".join(grouped[(scope, action, desc)]), desc, enabled[(scope, action, desc)])
            for scope, action, desc in order]


def entries_content(entries: list[KeyEntry]) -> Content:
    width = max((cell_len(e.keys) for e in entries), default=1) + 2
    lines: list[Content] = []
    for scope in ("screen", "app"):
        mine = [e for e in entries if e.scope == scope]
        if not mine:
            continue
        if lines:
            lines.append(Content(""))
        lines.append(message(f"help.section.{scope}", "bold $text-primary"))
        for e in mine:
            keys = e.keys + " " * (width - cell_len(e.keys))
            lines.append(Content.assemble(
                ("  " + keys, "bold $accent"), (e.description, "" if e.enabled else "$text-muted"),
            ))
    if not lines:
        lines.append(message("help.none"))
    return Content("\n").join(lines)


class HelpScreen(BaseModal):
    """The keys of the current screen, in a box over it."""

    BINDINGS = [
        Binding("escape", "close", "key.close", id="help.close"),
        Binding("question_mark", "close", "key.close", id="help.close_again", key_display="?", show=False),
        Binding("q", "close", "key.close", id="help.close_q", show=False),
    ]

    def __init__(self, entries: list[KeyEntry], title: str = "", hint: str = "help.hint") -> None:
        super().__init__()
        self.entries = entries
        self.screen_title = title
        self.hint = hint  # the last line's catalogue key (a screen's HELP_HINT, e.g. the grid's: Tab commits there)

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            yield Static(message("help.title", screen=self.screen_title) if self.screen_title
                         else message("help.title_plain"), classes="dialog-title", markup=False)
            with VerticalScroll(id="help-keys"):
                yield Static(entries_content(self.entries), id="help-list", markup=False)
            yield Static(message(self.hint), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-keys").focus()

    def action_close(self) -> None:
        self.dismiss()
