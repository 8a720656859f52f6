"""Working days for the hand-over deadline (DOMAIN 5): Monday-Friday, less the
public holidays, plus the make-up working days (调休上班) listed in the settings."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta


def is_working_day(d: date, holidays: Collection[date], makeup_days: Collection[date]) -> bool:
    """A listed holiday is never a working day, even if also listed as make-up
    (a contradictory calendar gives the org the extra day, not the centre)."""
    if d in holidays:
        return False
    return d.weekday() < 5 or d in makeup_days


def add_working_days(start: date, n: int, holidays: Iterable[date], makeup_days: Iterable[date]) -> date:
    """The n-th working day after ``start`` (start itself not counted; n=0 → start)."""
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    off, extra = frozenset(holidays), frozenset(makeup_days)
    d = start
    one = timedelta(days=1)
    while n:
        d += one
        if is_working_day(d, off, extra):
            n -= 1
    return d


def years_without_calendar(start: date, end: date, calendar_years: set[int]) -> list[int]:
    """Years from start to end (inclusive) that have no holiday list: a deadline
    counted across them may be wrong, so callers warn (rules.holidays_missing)."""
    return [y for y in range(start.year, end.year + 1) if y not in calendar_years]
