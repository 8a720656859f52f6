"""The flag: consecutive low months (连续3个月得分低于6分), DOMAIN 4.

One backward walk over plain data.  The caller builds, per org, a mapping
month → MonthState with the centre's paused months already marked PAUSED
(they take precedence over anything the org has in that month), the org's
exemptions EXEMPT, and COMPLETE/INCOMPLETE from month_result; months with no
score at all are simply absent.  Only orgs that belong to the centre in the
month asked about should be flagged (membership.member_in): that filter is
the caller's, this module only counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Literal

from incubator_tui.rules.months import month_from_index, month_index, next_month


class MonthKind(str, Enum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"  # some items still blank, or all N/A
    PAUSED = "paused"  # the centre does not score this month (不考评)
    EXEMPT = "exempt"  # this org is not scored this month (免考评)


@dataclass(frozen=True)
class MonthState:
    kind: MonthKind
    total: Fraction | None = None  # set for COMPLETE months


@dataclass(frozen=True)
class Streak:
    count: int
    months: tuple[str, ...] = ()  # the low months counted, oldest first
    totals: tuple[Fraction, ...] = ()  # their totals, oldest first
    anchor: str | None = None  # the latest complete month the count started from


NO_STREAK = Streak(0)

# Month strings by index, built once each: the walk needs the previous month's
# key many thousands of times and formatting it anew each time would dominate.
_MONTH_TEXT: dict[int, str] = {}


def _month_text(i: int) -> str:
    text = _MONTH_TEXT.get(i)
    if text is None:
        text = _MONTH_TEXT[i] = month_from_index(i)
    return text


def latest_complete_month(
    states: Mapping[str, MonthState], as_of: str | None = None, since: str | None = None
) -> str | None:
    """The org's latest COMPLETE month, within [since, as_of] where given.

    No parsing: canonical 'YYYY-MM' strings sort in time order and compare as text.
    """
    best = None
    for month, state in states.items():
        if (
            state.kind is MonthKind.COMPLETE
            and (as_of is None or month <= as_of)
            and (since is None or month >= since)
            and (best is None or month > best)
        ):
            best = month
    return best


def streak_as_of(
    states: Mapping[str, MonthState],
    as_of: str,
    entry_month: str,
    threshold_for: Callable[[str], Fraction],
    after: str | None = None,
) -> Streak:
    """The org's streak as of month ``as_of``.

    Counted back from the latest complete month ≤ as_of (months after it are
    in progress and passed over).  Paused and exempt months are skipped; a low
    month (complete, strictly below that month's own threshold) adds one;
    anything else stops: a complete month at or above the threshold, a missing
    or incomplete month, a month before ``entry_month``, a month ≤ ``after``.
    """
    # The earliest month that may count: the entry month, and after `after`.
    lower = entry_month if after is None else max(entry_month, next_month(after))
    anchor = latest_complete_month(states, as_of, since=lower)
    if anchor is None:
        return NO_STREAK

    months: list[str] = []
    totals: list[Fraction] = []
    complete, paused, exempt = MonthKind.COMPLETE, MonthKind.PAUSED, MonthKind.EXEMPT
    i = month_index(anchor)
    month = anchor
    while month >= lower:
        state = states.get(month)
        if state is None:
            break
        kind = state.kind
        if kind is complete:
            total = state.total
            if total is None or not total < threshold_for(month):
                break
            months.append(month)
            totals.append(total)
        elif kind is not paused and kind is not exempt:
            break
        i -= 1
        month = _month_text(i)
    months.reverse()
    totals.reverse()
    return Streak(len(months), tuple(months), tuple(totals), anchor)


def flag_level(count: int, run_length: int) -> Literal["red", "amber"] | None:
    """Red at the run length or more; amber one short of it (never amber for run length 1)."""
    if run_length < 1:
        raise ValueError(f"run_length must be at least 1, got {run_length}")
    if count >= run_length:
        return "red"
    if run_length >= 2 and count == run_length - 1:
        return "amber"
    return None


def case_streak(
    states: Mapping[str, MonthState],
    latest_complete: str | None,
    entry_month: str,
    threshold_for: Callable[[str], Fraction],
    last_case_month: str | None,
) -> Streak:
    """The streak that may open a monthly case: as of the org's latest complete
    month, counting only months later than the last month recorded on its
    previous monthly case, so one run opens one case.  ``latest_complete``
    None means "work it out from states"."""
    as_of = latest_complete if latest_complete is not None else latest_complete_month(states)
    if as_of is None:
        return NO_STREAK
    return streak_as_of(states, as_of, entry_month, threshold_for, after=last_case_month)


def should_open_case(streak: Streak, run_length: int) -> bool:
    return streak.count >= run_length
