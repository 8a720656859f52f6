"""The scoring grid's columns: which fit a width, and how wide each is (no Textual).

Widths are display cells (``rich.cells.cell_len``), so Chinese names line up.
Planned once per load or resize; the widget draws what the plan says.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len

from incubator_tui.i18n import get_language, t
from incubator_tui.rules.scoring import cents_to_text

if TYPE_CHECKING:  # the review's table imports PADDING from here without the scoring service
    from incubator_tui.services.scoring import Grid

EDIT_MARK = "_"  # shown after the text being typed (ASCII: no ambiguous-width glyph)
PADDING = 1  # blank cells on each side of every column
NAME_MIN = 12  # the name column never gets narrower than this (6 CJK characters)
NOTE_MIN = 10


def item_label(item) -> str:
    """The item's column name: in English its ``name_en`` (any checklist version: migration
    0004 gave the default items theirs, imports and the settings screen give new ones
    theirs), else its own name."""
    if get_language() == "en" and getattr(item, "name_en", ""):
        return item.name_en
    return item.name


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def split_even(text: str, lines: int, fit: int | None = None) -> list[str]:
    """Split ``text`` into ``lines`` pieces of about equal display width.  Two lines break
    where a line may: at a space, after a hyphen, or between Chinese characters
    ("Party-" / "building", "工作" / "计划"); a Latin word is broken (with a hyphen:
    "Hygi-" / "ene") only when its lines would otherwise be wider than ``fit``."""
    if lines <= 1:
        return [text]
    if lines == 2:
        breaks = [i for i in range(1, len(text))
                  if text[i - 1] in " -" or _wide(text[i - 1]) or _wide(text[i])]
        parts = [(text[:i].rstrip(), text[i:].lstrip()) for i in breaks]
        natural = list(min(parts, key=lambda p: (max(cell_len(p[0]), cell_len(p[1])), cell_len(p[0])))) \
            if parts else [text]
        widest = max(cell_len(p) for p in natural)
        if fit is None or widest <= fit or len(text) < 2:
            return natural
        forced = _split_chars(text, 2)
        if forced[0][-1:].isascii() and forced[0][-1:].isalnum() and forced[1][:1].isascii() \
                and forced[1][:1].isalnum():
            forced[0] += "-"
        return forced if max(cell_len(p) for p in forced) < widest else natural
    return _split_chars(text, lines)


def _split_chars(text: str, lines: int) -> list[str]:
    target = cell_len(text) / lines
    out, cur = [], ""
    for ch in text:
        if cur and cell_len(cur + ch) > target + 0.5 and len(out) < lines - 1:
            out.append(cur)
            cur = ""
        cur += ch
    out.append(cur)
    return out


def name_cells(grid: Grid) -> int:
    """The widest organisation name of ``grid``, in display cells.

    Measured once per Grid (the loading worker asks, off the UI thread):
    thousands of CJK names take ~10 ms, and every resize replans.
    """
    cached = grid.__dict__.get("name_cells")
    if cached is None:
        # A name is at most two cells a character: measure the longest names first
        # and stop once no shorter one could be wider than the widest so far.
        widest = None
        for name in sorted({row.name for row in grid.rows}, key=len, reverse=True):
            if widest is not None and 2 * len(name) <= widest:
                break
            widest = max(cell_len(name), widest or 0)
        cached = grid.__dict__["name_cells"] = NAME_MIN if widest is None else widest
    return cached


@dataclass(frozen=True)
class Layout:
    """Column widths (content, without padding) and the header height for one width."""

    header_lines: int  # 1: "工作计划 2"; 2: name / max; 3: name in two lines / max
    name_width: int
    item_widths: tuple[int, ...]
    total_width: int
    streak_width: int
    note_width: int  # 0: no note column
    headers: tuple[tuple[str, str], ...] = ()  # each item's (label, max) as shown
    total_marks: bool = True  # a provisional total shows its count of blank items ("~7.5 缺2")
    label_lines: tuple[tuple[str, ...], ...] = ()  # each item's label as drawn, one piece per header line

    @property
    def widths(self) -> tuple[int, ...]:
        """Every column's content width, left to right (the name first)."""
        note = (self.note_width,) if self.note_width else ()
        return (self.name_width, *self.item_widths, self.total_width, self.streak_width, *note)


def plan_layout(grid: Grid, width: int) -> Layout:
    """Fit the columns into ``width`` cells: one-line headers when there is room,
    else two or three lines, and a note column only with room to spare."""
    labels = [item_label(it) for it in grid.items]
    maxes = [cents_to_text(it.max_cent) for it in grid.items]
    value_w = max(cell_len(t("scoring.na_short")), 4 + len(EDIT_MARK))  # "不适用", "1.5*", "10_"
    # the widest total: "10.0", "免考评", a provisional "~10.0", and with room its count of blank
    # items ("~10.0 缺5"); where that room would cut the names, the count is left to the detail line
    total_w = max(cell_len(t("scoring.col.total")), 5, cell_len(t("scoring.exempt_short")))
    missing = 1 + cell_len(t("grid.total.missing", missing=max(len(grid.items) - 1, 1)))
    streak_w = max(cell_len(t("scoring.col.streak")), 2)
    names = max(name_cells(grid), cell_len(t("scoring.col.org")))

    def widths(mode: int) -> tuple[int, ...]:
        out = []
        for label, mx in zip(labels, maxes):
            if mode == 1:
                w = cell_len(f"{label} {mx}")
            elif mode == 2:
                w = max(cell_len(label), cell_len(mx))
            else:
                w = max(max(cell_len(p) for p in split_even(label, 2, value_w)), cell_len(mx))
            out.append(max(w, value_w))
        return tuple(out)

    # The fewest header lines that leave the names whole; else the most room for them.
    plans = []
    for mode in (1, 2, 3):
        items = widths(mode)
        room = width - (total_w + 2 * PADDING) - (streak_w + 2 * PADDING) - sum(w + 2 * PADDING for w in items)
        plans.append((mode, items, room - 2 * PADDING))
    mode, items, room = next((p for p in plans if p[2] >= names), max(plans, key=lambda p: (p[2], -p[0])))
    extra = max(len("~10.0") + missing - total_w, 0)
    marks = room - extra >= names
    if marks:  # the count of blank items fits without cutting a name
        room -= extra
        total_w += extra
    name_w = max(min(names, room), min(NAME_MIN, names))
    note_w = room - name_w - 2 * PADDING
    if note_w < NOTE_MIN:
        note_w = 0
    parts = tuple(tuple(split_even(label, 2, value_w)) if mode == 3 else (label,) for label in labels)
    return Layout(mode, name_w, items, total_w, streak_w, note_w, tuple(zip(labels, maxes)), marks, parts)
