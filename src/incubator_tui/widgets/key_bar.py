"""A one-line footer: the keys that matter on the current screen.

Textual's Footer builds a widget per key and recomposes whenever bindings
change, which costs a noticeable slice of start-up and of every screen
switch.  This draws the same line (grouped keys, dimmed disabled ones, the
command palette key on the right, remapped keys as remapped) as one widget
that only repaints.  A click on a key presses it.

On a narrow terminal (80 columns) every key shown keeps its label: the line
first takes the short labels (``short.<description>`` in the catalogue) and
single spaces, then gives up the palette key, the screen switcher ``d o s c r``
and the screen's last keys, in that order, until it fits; ``?`` always stays,
labelled "more" once something is left out (the help lists every key).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widget import Widget

from incubator_tui.i18n import has, t


def binding_label(description: str | None, short: bool = False) -> str:
    """A binding's description as shown.  Bindings carry catalogue keys as descriptions,
    translated here in the language chosen at run time (the classes exist before it is
    chosen); any other text is shown as it is.  ``short``: the footer's short label
    (``short.<key>``) where the catalogue has one."""
    if not description:
        return ""
    if short and has(f"short.{description}"):
        return t(f"short.{description}")
    return t(description) if has(description) else description


@dataclass(frozen=True)
class Entry:
    """One label of the footer: its keys [(key, display, enabled)], its labels, whose it is."""

    keys: tuple[tuple[str, str, bool], ...]
    label: str
    short: str
    kind: str = "screen"  # "screen" (the screen's own keys), "app" (d o s c r), "help" (?)


def entry_cells(entry: Entry, short: bool) -> int:
    """Cells of `` keys label`` (the space before it included, not the one after)."""
    label = entry.short if short else entry.label
    return (1 + sum(cell_len(d) for _k, d, _e in entry.keys) + len(entry.keys) - 1
            + (1 + cell_len(label) if label else 0))


def plan_line(entries: list[Entry], palette: Entry | None, width: int) -> tuple[list[Entry], bool, bool, bool]:
    """What the footer shows in ``width`` cells: (entries, short labels, tight, palette shown).
    Full labels two spaces apart; then short labels; then one space apart (tight); then
    without the palette, the app's keys, the screen's last keys (``?`` stays)."""

    def cells(shown: list[Entry], short: bool, tight: bool, with_palette: bool) -> int:
        used = sum(entry_cells(e, short) + (0 if tight else 1) for e in shown)
        return used + (entry_cells(palette, short) + 2 if with_palette and palette is not None else 0)

    for short, tight in ((False, False), (True, False), (True, True)):
        if cells(entries, short, tight, True) <= width:
            return entries, short, tight, palette is not None
    shown = list(entries)
    for kind in ("app", "screen"):
        while cells(shown, True, True, False) > width:
            last = next((i for i in range(len(shown) - 1, -1, -1) if shown[i].kind == kind), None)
            if last is None:
                break
            del shown[last]
    return shown, True, True, False


class KeyBar(Widget):
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--disabled"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    KeyBar > .key-bar--disabled {
        color: $footer-foreground 50%;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []  # (start, end, key) for clicks

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:  # noqa: ANN001
        if screen is self.screen:
            self.refresh()

    def entries(self) -> tuple[list[Entry], Entry | None]:
        """The footer's entries in the order the bindings are declared, and the palette's."""
        app = self.app
        active = self.screen.active_bindings
        by_action: dict[str, list] = defaultdict(list)
        for node, binding, enabled, _tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, node is app))
        entries = []
        for group, items in groupby(by_action.values(), lambda lst: lst[0][0].group):
            items = list(items)
            if group is not None and len(items) > 1:
                keys = tuple((b.key, app.get_key_display(b), en) for b, en, _a in (lst[0] for lst in items))
                kind = "app" if items[0][0][2] else "screen"
                entries.append(Entry(keys, binding_label(group.description),
                                     binding_label(group.description, short=True), kind))
            else:
                for binding, enabled, of_app in (lst[0] for lst in items):
                    kind = "help" if of_app and binding.action == "help" else "app" if of_app else "screen"
                    entries.append(Entry(((binding.key, app.get_key_display(binding), enabled),),
                                         binding_label(binding.description),
                                         binding_label(binding.description, short=True), kind))
        palette = None
        if app.ENABLE_COMMAND_PALETTE:
            found = active.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                binding = found.binding
                palette = Entry(((binding.key, app.get_key_display(binding), True),),
                                binding_label(binding.description), binding_label(binding.description, short=True))
        return entries, palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        dim_style = self.get_component_rich_style("key-bar--disabled", partial=True)
        entries, palette = self.entries()
        width = self.size.width or self.app.size.width
        shown, short, tight, with_palette = plan_line(entries, palette, width)
        left_out = len(shown) < len(entries)
        line = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        for entry in shown:
            line.append(" ")
            for i, (key, display, enabled) in enumerate(entry.keys):
                if i:
                    line.append(" ")
                start = cell_len(line.plain)
                line.append(display, style=key_style if enabled else dim_style)
                self._spans.append((start, cell_len(line.plain), key))
            label = entry.short if short else entry.label
            if entry.kind == "help" and left_out:
                label = t("short.key.more")
            if label:
                line.append(" " + label, style=None if all(k[2] for k in entry.keys) else dim_style)
            if not tight:
                line.append(" ")
        if with_palette and palette is not None:
            (key, display, _enabled), = palette.keys
            label = palette.short if short else palette.label
            right = f" {display} {label} "
            room = width - cell_len(line.plain) - cell_len(right)
            if room > 0:
                line.append(" " * room)
                start = cell_len(line.plain) + 1
                line.append(" ")
                line.append(display, style=key_style)
                line.append(f" {label} ")
                self._spans.append((start, start + cell_len(display), key))
        return line

    async def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                event.stop()
                await self.app.simulate_key(key)
                return
