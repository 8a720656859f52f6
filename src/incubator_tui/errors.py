"""Errors that reach the user: each carries a catalogue key and its params."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Something the user must fix; rendered from the message catalogue.

    ``exit_code`` follows DOMAIN 10: 1 = input or data rejected, 2 = usage.
    """

    exit_code = 1

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        from incubator_tui.i18n import t

        return t(self.key, **self.params)


class UsageError(UserError):
    exit_code = 2


class DatabaseError(UserError):
    """The database cannot be opened or written as asked; it was not changed."""
