"""Formatting shared by the screens and widgets: widths in display cells, stars, month spans.

Widths are display cells (``rich.cells.cell_len``), never ``len()``: a Chinese
character takes two cells, so names line up only when measured this way.
Plain Python on strings (no Textual): tested directly.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def stars_text(stars: int | None, missing: str = "") -> str:
    """★★★☆☆ for 3 of 5 stars; ``missing`` when not rated."""
    return missing if stars is None else "★" * stars + "☆" * (5 - stars)


def span_text(months: Sequence[str]) -> str:
    """A run of months: 2026-08~10 within a year, 2025-11~2026-01 across years."""
    if not months:
        return ""
    first, last = months[0], months[-1]
    if first == last:
        return first
    return f"{first}~{last[5:]}" if first[:4] == last[:4] else f"{first}~{last}"


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
