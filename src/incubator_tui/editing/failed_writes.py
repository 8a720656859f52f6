"""Values typed on a table whose save failed for a reason a retry may mend, kept until saved.

One registry per screen, handed from model to model: a month or year left and come back to
still shows its unsaved values, and a retry saves those of every month or year, oldest first.
The scoring grid keys its cells by (org, month, item), the annual review by (year, org,
component); everything else is the same, and is here.  No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

F = TypeVar("F")


def is_retryable(error: BaseException) -> bool:
    """A failure that trying again may mend: the database (busy, full, unwritable, replaced) or
    the system, not a refusal by the rules."""
    from incubator_tui.errors import DatabaseError, UserError
    from incubator_tui.rules.errors import DomainError

    if isinstance(error, DatabaseError):
        return True
    return not isinstance(error, (UserError, DomainError))


class FailedWrites(Generic[F]):
    """Failed values by the key ``key_of`` gives each, oldest first (a new failure of the same
    cell replaces the old one and becomes the newest)."""

    def __init__(self, key_of: Callable[[F], Hashable]) -> None:
        self._key_of = key_of
        self._by: dict[Hashable, F] = {}

    def add(self, failed: F) -> None:
        key = self._key_of(failed)
        self._by.pop(key, None)
        self._by[key] = failed

    def get(self, *key: object) -> F | None:
        return self._by.get(key)

    def discard(self, *key: object) -> None:
        self._by.pop(key, None)

    def where(self, keep: Callable[[F], bool]) -> list[F]:
        return [f for f in self._by.values() if keep(f)]

    def take_all(self) -> list[F]:
        out = list(self._by.values())
        self._by.clear()
        return out

    def __len__(self) -> int:
        return len(self._by)

    def __bool__(self) -> bool:
        return bool(self._by)
