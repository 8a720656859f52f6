"""Formatting shared by the screens and widgets: widths in display cells, stars, month spans.

Widths are display cells (``rich.cells.cell_len``), never ``len()``: a Chinese
character takes two cells, so names line up only when measured this way.
Plain Python on strings (no Textual): tested directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from os.path import commonprefix

from rich.cells import cell_len

ELLIPSIS = "…"


def fit(text: str, width: int, *, pad: bool = False) -> str:
    """``text`` cut to at most ``width`` display cells, with ``…`` when cut.

    ``pad``: filled with spaces to exactly ``width`` cells (aligned columns in one
    line of text); without it a short text is returned as it is.
    """
    cells = cell_len(text)
    if cells <= width:
        return text + " " * (width - cells) if pad else text
    if width <= 0:
        return ""
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    cut = "".join(out) + ELLIPSIS
    return cut + " " * (width - 1 - used) if pad else cut


def word(key: str, short: bool = False) -> str:
    """The catalogue's word ``key``, or its short form (``short.<key>``) on a narrow screen."""
    from incubator_tui.i18n import has, t

    return t(f"short.{key}") if short and has(f"short.{key}") else t(key)


def stars_text(stars: int | None, missing: str = "") -> str:
    """★★★☆☆ for 3 of 5 stars; ``missing`` when not rated."""
    return missing if stars is None else "★" * stars + "☆" * (5 - stars)


def span_text(months: Sequence[str], short: bool = False) -> str:
    """A run of months: 2026-08~10 within a year, 2025-11~2026-01 across years.

    ``short`` (narrow screens): the century goes, the years stay whole: 26-08~10,
    25-11~26-01, 26-08 (never 2025-11~20, which reads as a month 20).
    """
    if not months:
        return ""
    first, last = months[0], months[-1]
    if short:
        first, last = first[2:], last[2:]
    if first == last:
        return first
    year = len(first) - 3  # YYYY or YY
    return f"{first}~{last[year + 1:]}" if first[:year] == last[:year] else f"{first}~{last}"


def date_text(day: date | None, short: bool = False) -> str:
    """2026-02-06, or 26-02-06 on a narrow screen (the year stays: dates of other years are listed too)."""
    if day is None:
        return ""
    return day.isoformat()[2:] if short else day.isoformat()


def name_width(rows: Sequence[Sequence[str]], headers: Sequence[str], width: int, last_cap: int = 16) -> int:
    """Cells for the name (first) column so that the whole table fits ``width`` when it can.

    Each column takes its widest cell plus 2 of padding; the last column counts at
    most ``last_cap`` (it may run off the edge); the name gets the rest, at least 10.
    """
    widest = [max([cell_len(h)] + [cell_len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    if len(widest) > 1:
        widest[-1] = min(widest[-1], last_cap)
    others = sum(w + 2 for w in widest[1:])
    return max(10, min(widest[0], (width or 200) - 2 - others - 2))


def _tail_text(name: str, start: int, width: int) -> str:
    """The middle cut: the name's first characters, ``…``, then the name from ``start`` on
    (cut at its end with ``…`` if it is still too long), in ``width`` cells."""
    rest = name[start:]
    head_room = min(HEAD_CELLS, width // 3)
    head, used = [], 0
    for ch in name[:start]:
        w = cell_len(ch)
        if used + w > head_room:
            break
        head.append(ch)
        used += w
    room = width - used - 1
    if room < 1:
        return fit(name, width)
    return "".join(head) + ELLIPSIS + fit(rest, room)


HEAD_CELLS = 4  # a middle cut keeps up to two Chinese characters (the place: 牛山…)


def fit_names(names: Iterable[str], width: int) -> dict[str, str]:
    """Each name as shown in ``width`` cells, never two different names alike.

    The rule (docs/decisions.md, "Screens at 80×24"): a name that fits is shown
    whole; a longer one is cut at its end (``牛山社区便民服…``).  When that would
    make two different names of the same list read the same, those names are cut
    in the middle instead: their first characters (up to ``HEAD_CELLS``), ``…``,
    then the name from where it differs from the others (``牛山…便民服务队``,
    ``牛山…儿童关爱服…``), repeated on what still collides.  Only a width too
    small to show one distinguishing character can leave two alike.
    """
    unique = list(dict.fromkeys(names))
    shown = {n: fit(n, width) for n in unique}
    start = {n: 0 for n in unique}
    for _round in range(8):
        groups: dict[str, list[str]] = {}
        for n in unique:
            groups.setdefault(shown[n], []).append(n)
        clashes = [g for g in groups.values() if len(g) > 1]
        if not clashes:
            break
        changed = False
        for group in clashes:
            common = len(commonprefix(group))
            for n in group:
                s = max(common, start[n] + 1) if start[n] else common
                s = min(s, len(n))
                new = _tail_text(n, s, width)
                if new != shown[n]:
                    shown[n], start[n], changed = new, s, True
        if not changed:
            break
    return shown
