"""Membership in time, DOMAIN 2: an org belongs to the centre from its entry
month through the month of its exit or graduation date, inclusive.  Only those
months show it in the grid, count in its streak, make it a peer rater or put it
in a year's review."""

from __future__ import annotations

from datetime import date

from incubator_tui.rules.months import month_of


def member_in(month: str, entry_date: date | None, end_date: date | None) -> bool:
    """Whether the org belongs to the centre in ``month``; no entry date → never."""
    if entry_date is None:
        return False
    return month_of(entry_date) <= month and (end_date is None or month <= month_of(end_date))


def membership_months(entry_date: date | None, end_date: date | None, until_month: str) -> tuple[str, str] | None:
    """(first, last) month of membership up to ``until_month``; None when there is none
    (no entry date, or the org enters after ``until_month``)."""
    if entry_date is None:
        return None
    first = month_of(entry_date)
    last = until_month if end_date is None else min(month_of(end_date), until_month)
    return (first, last) if first <= last else None


def member_in_year(year: int, entry_date: date | None, end_date: date | None) -> bool:
    """Whether the org belongs to the centre in any month of ``year`` (annual review, peer raters)."""
    if entry_date is None:
        return False
    return entry_date.year <= year and (end_date is None or end_date.year >= year)
