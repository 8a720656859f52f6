"""A one-line footer: the keys that matter on the current screen.

Textual's Footer builds a widget per key and recomposes whenever bindings
change, which costs a noticeable slice of start-up and of every screen
switch.  This draws the same line (grouped keys, dimmed disabled ones, the
command palette key on the right, remapped keys as remapped) as one widget
that only repaints.  A click on a key presses it.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widget import Widget

from incubator_tui.i18n import has, t


def binding_label(description: str | None) -> str:
    """A binding's description as shown.  Bindings carry catalogue keys as descriptions,
    translated here in the language chosen at run time (the classes exist before it is
    chosen); any other text is shown as it is."""
    if not description:
        return ""
    return t(description) if has(description) else description


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

    def _entries(self) -> tuple[list[tuple[list[tuple[str, str, bool]], str]], tuple[str, str, str] | None]:
        """[(keys [(key, display, enabled)], label)], and the palette entry."""
        app = self.app
        active = self.screen.active_bindings
        by_action: dict[str, list] = defaultdict(list)
        for _key, binding, enabled, _tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled))
        entries = []
        for group, items in groupby(by_action.values(), lambda lst: lst[0][0].group):
            items = list(items)
            if group is not None and len(items) > 1:
                keys = [(b.key, app.get_key_display(b), en) for b, en in (lst[0] for lst in items)]
                entries.append((keys, binding_label(group.description)))
            else:
                for binding, enabled in (lst[0] for lst in items):
                    entries.append(([(binding.key, app.get_key_display(binding), enabled)],
                                    binding_label(binding.description)))
        palette = None
        if app.ENABLE_COMMAND_PALETTE:
            found = active.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _n, binding, _en, _tt = found
                palette = (binding.key, app.get_key_display(binding), binding_label(binding.description))
        return entries, palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        dim_style = self.get_component_rich_style("key-bar--disabled", partial=True)
        entries, palette = self._entries()
        line = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        for keys, label in entries:
            line.append(" ")
            for i, (key, display, enabled) in enumerate(keys):
                if i:
                    line.append(" ")
                start = cell_len(line.plain)
                line.append(display, style=key_style if enabled else dim_style)
                self._spans.append((start, cell_len(line.plain), key))
            if label:
                line.append(" " + label, style=None if all(k[2] for k in keys) else dim_style)
            line.append(" ")
        if palette is not None:
            key, display, label = palette
            right = f" {display} {label} "
            gap = self.size.width - cell_len(line.plain) - cell_len(right)
            if gap > 0:
                line.append(" " * gap)
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
