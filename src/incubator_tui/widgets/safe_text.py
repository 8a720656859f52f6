"""Text is text: what users and files typed is shown literally, never read as markup.

Rich and Textual read ``[bold]``, ``[/]`` or ``[@click=app.quit]`` in a *string* as
markup wherever a widget takes a ``str`` (``Static``, ``Label``, ``notify``, a
``DataTable`` cell, a palette hit...).  An organisation named ``闭合组织[/]`` then
crashes the app and ``[@click=app.quit]点我[/]`` becomes a live action.  So the
screens never hand such a string over: they build ``Content`` (or Rich ``Text``)
with the helpers below, and every ``Static``/``Label`` they make has
``markup=False`` (``tests/test_text_is_text.py`` scans ``src/`` for both).

- :func:`plain`: a string, literally, optionally in one style.
- :func:`message`: a catalogue message with its parameters, literally: the
  message is formatted with the parameters first, then nothing of the result is
  parsed (the catalogue holds no markup).
- :func:`escape_markup`: for the few Textual APIs that only take a markup string
  (a command palette hit's help line): the text with its brackets escaped.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.markup import escape

from incubator_tui.i18n import t

__all__ = ["plain", "message", "escape_markup"]


def plain(text: object, style: str = "") -> Content:
    """``text`` shown as it is (``str(text)``; ``None`` shows nothing), in ``style``."""
    literal = "" if text is None else str(text)
    return Content.styled(literal, style) if style else Content(literal)


def message(key: str, /, style: str = "", **params: Any) -> Content:
    """The catalogue message ``key`` with ``params`` put in literally (``t`` then :func:`plain`)."""
    return plain(t(key, **params), style)


def escape_markup(text: object) -> str:
    """``text`` as markup that reads back as exactly ``text`` (only where an API wants markup)."""
    return escape("" if text is None else str(text))
