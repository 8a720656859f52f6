"""Names as users and files type them (DOMAIN 2: unique among the centre's orgs).

One function decides what a name *is* before it is compared or stored
(:func:`normalise_name`), one what a name may not hold (:func:`check_name`);
imports, the organisation form's service and peer raters' names all go
through both, so ``\\ufeff晨光公益服务社`` pasted from a file finds
晨光公益服务社 instead of creating a twin.

- Normalised: Unicode NFC (a composed and a decomposed é are one name), the
  invisible characters a file or a paste leaves at either end (a byte-order
  mark, zero-width spaces and joiners, the word joiner) and surrounding
  white space (full-width and no-break spaces included) removed.
- Refused, wherever they stand after that: control characters (C0, DEL, C1),
  every format character (Unicode category Cf: the bidirectional overrides
  and isolates such as U+202E that make a name read backwards, zero-width
  characters inside a name, soft hyphens, invisible operators, tags), line
  and paragraph separators, and lone surrogates.  None of them belongs in
  an organisation's name, and each can make two names look alike or a
  printed notice read differently from what is stored.
  Private-use characters stay allowed: some rare Chinese characters (生僻字)
  are only encoded there.
"""

from __future__ import annotations

import unicodedata

from incubator_tui.rules.errors import DomainError

# Invisible characters removed at either end of a name (not refused there).
EDGE_INVISIBLES = "\ufeff\u200b\u200c\u200d\u2060\u180e"
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


class NameTextError(DomainError):
    """A name holding a character no name may hold."""


def normalise_name(text: object) -> str:
    """The name as compared and stored: NFC, invisible characters and spaces at both ends removed."""
    if text is None:
        return ""
    name = unicodedata.normalize("NFC", str(text))
    previous = None
    while previous != name:  # ' \ufeff 晨光 ' : spaces and invisibles in any order
        previous = name
        name = name.strip().strip(EDGE_INVISIBLES)
    return name


def refused_char(name: str) -> tuple[int, str] | None:
    """(1-based position, character) of the first character a name may not hold, else None."""
    for i, ch in enumerate(name, start=1):
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return i, ch
    return None


def check_name(text: object) -> str:
    """The normalised name; raises :class:`NameTextError` naming the first refused character."""
    name = normalise_name(text)
    bad = refused_char(name)
    if bad is not None:
        position, ch = bad
        raise NameTextError("rules.name_control", code=f"U+{ord(ch):04X}", position=position)
    return name
