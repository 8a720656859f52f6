"""One line of text above or below a table (header, banner, detail, message): the scoring grid's
and the annual review's, in a module of its own so that a screen showing one imports no grid."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from incubator_tui.widgets.safe_text import plain


class StatusLine(Widget):
    """One line of text (header, banner, detail, message), repainted without a layout pass.

    A plain string is shown literally (``widgets.safe_text.plain``: never read as
    markup, as names and reasons in it must not be); styled lines come as ``Content``.
    """

    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shown = Content("")

    @property
    def plain(self) -> str:
        return self.shown.plain

    def set(self, text: Content | str) -> None:
        content = plain(text) if isinstance(text, str) else text
        if content.is_same(self.shown):
            return
        self.shown = content
        self.refresh()

    def render(self) -> Content:
        return self.shown
