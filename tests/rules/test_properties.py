"""Property tests (hypothesis) of the domain rules against plain brute-force references
written here, differently from the rules: month totals with N/A and blanks, streaks with
paused and exempt months and entry/exit, the flag, stars with the party gate and the veto.

Deterministic in CI: derandomized, no example database, modest example counts."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from incubator_tui.rules.membership import member_in
from incubator_tui.rules.months import add_months, months_between
from incubator_tui.rules.rating import COMPONENTS, DEFAULT_CUTOFFS, rate
from incubator_tui.rules.scoring import NA, format_total, month_result
from incubator_tui.rules.streaks import MonthKind, MonthState, flag_level, streak_as_of

CI = settings(derandomize=True, database=None, max_examples=300, deadline=None)

# ---------------------------------------------------------------- month totals

item_max = st.integers(min_value=1, max_value=20).map(lambda n: n * 50)  # 0.5 .. 10 points


@st.composite
def cells(draw):
    maxima = draw(st.lists(item_max, min_size=1, max_size=8))
    out = []
    for m in maxima:
        kind = draw(st.sampled_from(["blank", "na", "score", "score", "score"]))
        if kind == "blank":
            out.append((m, None))
        elif kind == "na":
            out.append((m, NA))
        else:
            out.append((m, draw(st.integers(min_value=0, max_value=m // 50)) * 50))
    return out


@CI
@given(cells())
def test_month_total_against_a_plain_reference(items):
    result = month_result(items)
    scored = [(m, v) for m, v in items if v is not None and v is not NA]
    blanks = [1 for _m, v in items if v is None]
    assert result.complete == (not blanks and len(scored) > 0)
    if not scored:
        assert result.total is None
        return
    # Reference: the total as a decimal to 60 places, then the rule's exact value compared.
    earned = sum(v for _m, v in scored)
    possible = sum(m for m, _v in scored)
    assert result.total == Fraction(10 * earned, possible)
    with localcontext() as ctx:
        ctx.prec = 60
        shown = (Decimal(10 * earned) / Decimal(possible)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert format_total(result.total) == f"{shown:f}"  # half up on the exact value


# ---------------------------------------------------------------- streaks and the flag

START = "2024-09"  # the timelines cross a year boundary
TOTALS = [Fraction(n, 2) for n in range(0, 21)] + [Fraction(59, 10), Fraction(6), Fraction(601, 100),
                                                     Fraction(50, 9)]


@st.composite
def timelines(draw):
    n = draw(st.integers(min_value=1, max_value=14))
    months = months_between(START, add_months(START, n - 1))
    states: dict[str, MonthState] = {}
    for m in months:
        kind = draw(st.sampled_from(["missing", "incomplete", "paused", "exempt", "complete", "complete",
                                     "complete", "complete"]))
        if kind == "complete":
            states[m] = MonthState(MonthKind.COMPLETE, draw(st.sampled_from(TOTALS)))
        elif kind != "missing":
            states[m] = MonthState(MonthKind(kind))
    entry = draw(st.integers(min_value=0, max_value=n - 1))
    leaves = draw(st.booleans())
    exit_ = draw(st.integers(min_value=entry, max_value=n - 1)) if leaves else None
    as_of = draw(st.integers(min_value=0, max_value=n + 1))
    # Thresholds by month: 6, lowered to 5 from some month on in some centres.
    change = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=n - 1)))
    run_length = draw(st.integers(min_value=1, max_value=4))
    return months, states, entry, exit_, as_of, change, run_length


def reference_streak(months, states, entry_month, as_of_month, threshold) -> list[str]:
    """The low months counted, by another route: each month from entry to the latest complete
    one at or before as_of becomes a letter, and the streak is the L's of the longest tail
    made only of L (low) and S (skipped: paused or exempt)."""
    window = [m for m in months if entry_month <= m <= as_of_month]
    completes = [m for m in window if m in states and states[m].kind is MonthKind.COMPLETE]
    if not completes:
        return []
    anchor = completes[-1]
    letters, kept = "", []
    for m in window:
        if m > anchor:
            break
        s = states.get(m)
        if s is None or s.kind is MonthKind.INCOMPLETE:
            letters += "X"
        elif s.kind in (MonthKind.PAUSED, MonthKind.EXEMPT):
            letters += "S"
        elif s.total < threshold(m):
            letters += "L"
        else:
            letters += "H"
        kept.append(m)
    tail = re.search(r"[LS]*$", letters).group()
    tail_months = kept[len(kept) - len(tail):]
    return [m for m, c in zip(tail_months, tail) if c == "L"]


@CI
@given(timelines())
def test_streaks_and_flags_against_a_plain_reference(timeline):
    months, states, entry, exit_, as_of, change, run_length = timeline
    entry_date = date(int(months[entry][:4]), int(months[entry][5:]), 15)
    exit_date = None if exit_ is None else date(int(months[exit_][:4]), int(months[exit_][5:]), 3)
    as_of_month = add_months(START, as_of)
    # An org has no scores outside its membership: drop them as the database would hold none.
    states = {m: s for m, s in states.items() if member_in(m, entry_date, exit_date) or s.kind is MonthKind.PAUSED}

    def threshold(m: str) -> Fraction:
        return Fraction(5) if change is not None and m >= months[change] else Fraction(6)

    streak = streak_as_of(states, as_of_month, months[entry], threshold)
    expected = reference_streak(months, states, months[entry], as_of_month, threshold)
    assert list(streak.months) == expected
    assert streak.count == len(expected)
    assert list(streak.totals) == [states[m].total for m in expected]

    # The flag as of a month: only for an org that belongs to the centre then.
    level = flag_level(streak.count, run_length) if member_in(as_of_month, entry_date, exit_date) else None
    if not member_in(as_of_month, entry_date, exit_date):
        ref_level = None
    elif len(expected) >= run_length:
        ref_level = "red"
    elif run_length >= 2 and len(expected) == run_length - 1:
        ref_level = "amber"
    else:
        ref_level = None
    assert level == ref_level


# ---------------------------------------------------------------- stars

component = st.one_of(st.none(), st.integers(min_value=0, max_value=200).map(lambda n: Fraction(n, 2)))
weight = st.sampled_from([0, 0, 5, 10, 15, 30, 40])


@CI
@given(st.fixed_dictionaries({c: component for c in COMPONENTS}),
       st.fixed_dictionaries({c: weight for c in COMPONENTS}), st.booleans())
def test_stars_with_party_gate_and_veto_against_a_plain_reference(components, weights, vetoed):
    result = rate(components, weights, vetoed=vetoed)
    needed = [c for c in COMPONENTS if weights[c] > 0]
    missing = [c for c in needed if components[c] is None]
    composite = None
    if not missing and needed:
        composite = Fraction(sum(weights[c] * components[c] for c in needed)) / sum(weights[c] for c in needed)
    assert result.composite == composite
    assert list(result.missing) == missing
    if vetoed:
        expected = 1  # whatever else is missing
    elif composite is None:
        expected = None
    else:
        expected = 1 + sum(1 for cut in DEFAULT_CUTOFFS if composite >= cut)
        if components["party"] is not None and components["party"] < 60:
            expected = min(expected, 3)  # the party gate caps at 3 stars
    assert result.stars == expected
