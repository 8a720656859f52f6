"""The keys of a table one types values into: the scoring grid, the annual review and its peer dialog.

Every such key is a *priority* binding to ``edit(op, ...)``: priority bindings run
as the app takes each key off its queue, so a fast typist's "2 Enter 1 Enter"
keeps its order (ordinary bindings run only after the key bubbled back up from
the focused table, which let digits overtake Enter).  Digits and '.' are
bindings too, for the same reason; only "0" carries the description, shown as
"0-9 .".  :class:`CellKeys` adds what bindings cannot catch, the full-width
digits of an IME left in 全角, and the plain key routing the benchmark times;
:class:`CellMessages` shows what an operation of the model said.
"""

from __future__ import annotations

import time
import unicodedata
from typing import Any, ClassVar

from textual import events
from textual.binding import Binding

from incubator_tui.editing.cell_typing import DIGITS, Notice, Outcome


def edit_binding(key: str, op: str, description: str, ident: str, **kw: Any) -> Binding:
    """A priority binding of ``key`` to ``edit(op)``, kept out of the footer (the key bar shows it)."""
    return Binding(key, f"edit({op})", description, id=ident, show=False, priority=True, **kw)


def typing_bindings(prefix: str, description: str) -> list[Binding]:
    """0-9 and '.' typed into the cell under the cursor (ids ``<prefix>.type_0`` ... ``<prefix>.type_dot``)."""
    return [
        edit_binding("0", "'type', '0'", description, f"{prefix}.type_0", key_display="0-9 ."),
        *(edit_binding(d, f"'type', '{d}'", "", f"{prefix}.type_{d}") for d in "123456789"),
        edit_binding("full_stop", "'type', '.'", "", f"{prefix}.type_dot"),
    ]


class CellKeys:
    """For a screen or dialog whose ``action_edit(op, first, second)`` forwards to its model."""

    KEY_OPS: ClassVar[dict[str, tuple]] = {}  # a key's default binding: (op, *arguments)

    def handle_cell_key(self, key: str, character: str | None = None) -> bool:
        """Handle one key of the table by its default binding; True if it was a table key.

        The keys the app binds (and users may remap) reach the same model
        operations through the actions; this plain method is what the benchmark times.
        """
        if character is None:
            character = "." if key == "full_stop" else key if len(key) == 1 else None
        if character is not None and len(character) == 1 and unicodedata.normalize("NFKC", character) in DIGITS:
            self.action_edit("type", character)
            return True
        op = self.KEY_OPS.get(key)
        if op is not None:
            self.action_edit(*op)
        return op is not None

    def on_key(self, event: events.Key) -> None:
        # ASCII digits and '.' are bindings; this catches full-width ones (an IME left in 全角).
        char = event.character
        if char and len(char) == 1 and not char.isascii() and unicodedata.normalize("NFKC", char) in DIGITS:
            event.stop()
            event.prevent_default()
            self.action_edit("type", char)


class CellMessages:
    """For a screen with ``status(name)`` lines (``message`` among them), ``enqueue(job)`` and
    ``last_notice`` (text, time): what a model's :class:`Outcome` asks of it."""

    def take_outcome(self, out: Outcome) -> None:
        """Queue the outcome's saves, show its message (or clear the one shown)."""
        for job in out.saves:
            self.enqueue(job)
        for notice in out.notices:
            self.say(notice)
        if out.clear_notice and not out.notices:
            self.status("message").set("")

    def say(self, notice: Notice) -> None:
        """The message line, and a toast (not repeated within 2 s); the text is never markup."""
        line = self.status("message")
        line.set_classes(f"-{notice.severity}")
        line.set(notice.text)
        last_text, last_at = self.last_notice
        now = time.monotonic()
        if notice.text != last_text or now - last_at > 2:
            timeout = notice.timeout or (6 if notice.severity == "error" else 4)
            self.app.notify(notice.text, severity=notice.severity, timeout=timeout, markup=False)
        self.last_notice = (notice.text, now)
