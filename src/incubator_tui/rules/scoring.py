"""Monthly item scores and totals (月规范), DOMAIN 3.

Scores travel as int hundredths of a point ("cents": 1.5 points == 150) so
that every sum and comparison is exact; totals are Fractions.  Rounding is
for display only and is half up on the exact value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final, Union

from incubator_tui.rules.errors import ScoreError


class NotApplicable:
    """The N/A (不适用) mark: the item leaves the month's denominator.  A singleton."""

    _instance: NotApplicable | None = None

    def __new__(cls) -> NotApplicable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NA"

    def __reduce__(self):  # copies and pickles stay the singleton, so `is NA` holds
        return (NotApplicable, ())


NA: Final = NotApplicable()
Score = Union[int, NotApplicable, None]  # cents, N/A, or blank (not entered)

NA_TOKENS = frozenset({"n/a", "na", "不适用"})
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def exact_number(raw: object) -> Fraction | None:
    """The exact value of a number or of decimal text ('1.5', ' ２ ', '.5'); None if not one.

    No exponents, separators or NaN; a float (a spreadsheet or JSON number)
    is read through its shortest repr, which is what the user typed.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, Fraction)):
        return Fraction(raw)
    if isinstance(raw, float):
        return Fraction(Decimal(repr(raw))) if math.isfinite(raw) else None
    if isinstance(raw, Decimal):
        return Fraction(raw) if raw.is_finite() else None
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        return Fraction(Decimal(text)) if _NUMBER_RE.fullmatch(text) else None
    return None


def _cents(x: Fraction) -> int | None:
    """Points → int cents, None if finer than a cent."""
    c = x * 100
    return int(c) if c.denominator == 1 else None


def cents_to_text(c: int) -> str:
    """150 → '1.5', 200 → '2', 50 → '0.5', 125 → '1.25' (no trailing zeros)."""
    sign = "-" if c < 0 else ""
    whole, part = divmod(abs(c), 100)
    if part == 0:
        return f"{sign}{whole}"
    if part % 10 == 0:
        return f"{sign}{whole}.{part // 10}"
    return f"{sign}{whole}.{part:02d}"


def points_to_cents(value: Fraction | Decimal | int | str) -> int:
    """Exact points → cents; text as in parse_score.  Finer than a cent is an error."""
    d = exact_number(value)
    if d is None:
        raise ScoreError("rules.score_not_number", value=str(value))
    c = _cents(d)
    if c is None:
        raise ScoreError("rules.score_off_step", value=str(value), step="0.01")
    return c


def _check(cents: int | Fraction, max_cent: int, step_cent: int, shown: str) -> int:
    """Range first (the more useful message), then the step; a value finer than
    a cent is off any step."""
    if step_cent <= 0:
        raise ValueError(f"step_cent must be positive, got {step_cent}")
    if cents < 0:
        raise ScoreError("rules.score_negative", value=shown)
    if cents > max_cent:
        raise ScoreError("rules.score_above_max", value=shown, max=cents_to_text(max_cent))
    if cents % step_cent:
        raise ScoreError("rules.score_off_step", value=shown, step=cents_to_text(step_cent))
    return int(cents)


def validate_score_cents(value_cent: int, max_cent: int, step_cent: int = 50) -> int:
    """Check 0 ≤ value ≤ max and value a multiple of step; return the value."""
    return _check(value_cent, max_cent, step_cent, cents_to_text(value_cent))


def parse_score(text: object, max_cent: int, step_cent: int = 50) -> Score:
    """A cell as typed → cents, NA, or None for blank.

    Accepts '1.5', ' 2 ', full-width '１．５', numbers from a spreadsheet, and
    'N/A' / 'NA' / '不适用' in any case.  Raises ScoreError otherwise.
    """
    if text is None:
        return None
    if isinstance(text, str):
        clean = unicodedata.normalize("NFKC", text).strip()
        if not clean:
            return None
        if clean.casefold() in NA_TOKENS:
            return NA
        shown = clean
    else:
        shown = str(text)
    d = exact_number(text)
    if d is None:
        raise ScoreError("rules.score_not_number", value=shown)
    return _check(d * 100, max_cent, step_cent, shown)


@dataclass(frozen=True)
class MonthResult:
    """One org's month: whether it is complete, and the sums behind its total."""

    complete: bool
    earned_cent: int
    max_cent: int
    scored: int
    na: int
    blank: int

    @property
    def total(self) -> Fraction | None:
        """10 × earned / max over the scored items; None when nothing is scored."""
        return Fraction(10 * self.earned_cent, self.max_cent) if self.max_cent > 0 else None


def month_result(cells: Iterable[tuple[int, Score]]) -> MonthResult:
    """Cells are (item max in cents, value) for every item of the checklist version in force."""
    earned = maximum = scored = na = blank = 0
    for item_max, value in cells:
        if value is None:
            blank += 1
        elif value is NA:
            na += 1
        else:
            scored += 1
            earned += value
            maximum += item_max
    return MonthResult(blank == 0 and scored > 0, earned, maximum, scored, na, blank)


def is_low(total: Fraction, threshold: Fraction) -> bool:
    """Strictly below the threshold: exactly 6.0 is not low."""
    return total < threshold


def _exact(x: Fraction | Decimal | int) -> Fraction:
    if isinstance(x, float):  # a float here would already have lost exactness
        raise TypeError("round_half_up needs an exact value, not a float")
    return Fraction(x)


def round_half_up(x: Fraction | Decimal | int, places: int = 1) -> Decimal:
    """Round the exact value half up (away from zero, as Decimal's ROUND_HALF_UP).

    Done in integers, because a Fraction like 1/3 has no exact Decimal to quantize.
    """
    f = _exact(x)
    scale = 10**places
    q, r = divmod(abs(f.numerator) * scale, f.denominator)
    if 2 * r >= f.denominator:
        q += 1
    return Decimal(-q if f < 0 else q).scaleb(-places)


def format_total(x: Fraction | Decimal | int, places: int = 1) -> str:
    """'5.5', '10.0': always ``places`` decimals."""
    return f"{round_half_up(x, places):f}"
