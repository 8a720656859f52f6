"""Typing into a table's cell, without a terminal: shared by the scoring grid and the annual review.

:class:`CellTyping` holds the text being typed (``buffer``) and the cell it goes
into (``edit_at``: row, column), and does what every such table does with it:
type a digit (full-width ones too, as an IME in 全角 sends them), take the last
one back, drop it, leave the cell; and marks the rows to draw again
(``versions``, ``dirty``).  A model built on it says why nothing can be typed
where the cursor is (``_refusal``), where typing goes (``_typing_at``) and how
the cell under the cursor is cleared when nothing is typed (``_clear_here``);
parsing and committing what is typed stay the model's own (a score, a rating).

:class:`Outcome` is what every operation of these models returns; :class:`Shown` what a
cell of their tables shows.
"""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

DIGITS = frozenset("0123456789.")
MAX_TYPED = 6  # "10.00", "100.00": the longest useful value


@dataclass(frozen=True)
class Notice:
    text: str
    severity: str = "information"  # information, warning, error
    timeout: float | None = None


@dataclass
class Outcome:
    """What an operation asks of the screen: saves to queue, a message to show (or to clear)."""

    ok: bool = True  # False: refused (what follows it, e.g. moving on, did not happen)
    saves: list[Any] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    clear_notice: bool = False

    def add(self, other: Outcome) -> Outcome:
        self.ok = self.ok and other.ok
        self.saves += other.saves
        self.notices += other.notices
        self.clear_notice = (self.clear_notice or other.clear_notice) and not self.notices
        return self


def refused(text: str | None) -> Outcome:
    return Outcome(ok=False, notices=[Notice(text, "error")] if text else [])


def error_text(error: BaseException) -> str:
    return str(error) or type(error).__name__


@dataclass(frozen=True, slots=True)
class Shown:
    """What one cell shows: its text, the name of its look (None: plain) and a mark after it."""

    text: str = ""
    look: str | None = None
    mark: str = ""
    mark_look: str | None = None


class CellTyping(ABC):
    """The text typed into one cell of a table, and the table's rows to draw again."""

    buffer: str | None = None  # the text being typed, if any
    edit_at: tuple[int, int] | None = None  # (row, column) it is typed into
    versions: list[int]  # a row's version changes with what it shows
    dirty: set[int]
    TYPE_CLEARS_NOTICE = False  # a key typed clears the message shown

    # -- what the model says ---------------------------------------------------------------------------
    @abstractmethod
    def _refusal(self) -> str | None:
        """Why nothing can be typed or cleared where the cursor is (None: it can)."""

    @abstractmethod
    def _typing_at(self) -> tuple[int, int]:
        """The cell typing starts in: the cursor's."""

    @abstractmethod
    def _clear_here(self) -> Outcome:
        """Backspace with nothing typed: clear the value under the cursor."""

    # -- drawing bookkeeping ---------------------------------------------------------------------------
    def _touch(self, r: int) -> None:
        self.versions[r] += 1
        self.dirty.add(r)

    def take_dirty(self) -> set[int]:
        dirty, self.dirty = self.dirty, set()
        return dirty

    # -- typing ------------------------------------------------------------------------------------------
    def type(self, char: str) -> Outcome:
        """A digit or '.' typed (full-width ones too, as an IME in 全角 sends them)."""
        char = unicodedata.normalize("NFKC", char)
        if char not in DIGITS:
            return Outcome(ok=False)
        if self.buffer is None:
            msg = self._refusal()
            if msg:
                return refused(msg)
            self.buffer, self.edit_at = "", self._typing_at()
        if len(self.buffer) < MAX_TYPED:
            self.buffer += char
            self._touch(self.edit_at[0])
        return Outcome(clear_notice=self.TYPE_CLEARS_NOTICE)

    @abstractmethod
    def commit_typing(self, quiet: bool = False) -> Outcome:
        """Save what is typed where it was typed (each table says how): what the screen shows next."""

    def discard_typing(self) -> None:
        if self.buffer is not None:
            self._touch(self.edit_at[0])
            self.buffer = None
            self.edit_at = None

    def leave(self) -> Outcome:
        """The user went elsewhere (another screen, a click on another cell): a valid value
        being typed is committed, an invalid one dropped."""
        out = self.commit_typing(quiet=True)
        if not out.ok:
            self.discard_typing()
            return Outcome()
        return out

    def discard(self) -> Outcome:
        """Esc: drop what is typed, and the message."""
        self.discard_typing()
        return Outcome(clear_notice=True)

    def backspace(self) -> Outcome:
        """The last character typed, or (nothing typed) the value under the cursor."""
        if self.buffer is not None:
            self.buffer = self.buffer[:-1]
            self._touch(self.edit_at[0])
            if not self.buffer:
                self.discard_typing()
            return Outcome()
        msg = self._refusal()
        if msg:
            return refused(msg)
        return self._clear_here()
