"""Finding an organisation as the user types: name, pinyin initials or full pinyin.

The organisations list (``/``) and the scoring grid (``/``) match the same way:
a query is found in the name (case-folded), in the initials stored with the org
(晨光 → ``cg``), or in its full pinyin with or without spaces (``chen guang``,
``chenguang``).  The keys are the org's stored sort and search columns
(``organisation.pinyin``, ``organisation.initials``), never worked out again here.
"""

from __future__ import annotations

from typing import NamedTuple


class SearchKey(NamedTuple):
    """What a query is matched against, computed once per org."""

    name: str  # lower-cased name
    initials: str  # 'cggyfws'
    pinyin: str  # 'chen guang gong yi fu wu she'
    compact: str  # 'chenguanggongyifuwushe'


def search_key(name: str, pinyin: str | None, initials: str | None) -> SearchKey:
    full = (pinyin or "").lower()
    return SearchKey(name.lower(), (initials or "").lower(), full, full.replace(" ", ""))


def matches(key: SearchKey, query: str) -> bool:
    """Name substring, pinyin initials, or full pinyin with or without spaces."""
    q = query.strip().lower()
    if not q:
        return True
    if q in key.name or q in key.initials or q in key.pinyin:
        return True
    compact = q.replace(" ", "")
    return bool(compact) and compact in key.compact
