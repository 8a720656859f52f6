"""The flag (DOMAIN 4): every worked example, plus the edges of the count."""

import time
from fractions import Fraction as F

import pytest

from incubator_tui.rules.months import add_months
from incubator_tui.rules.settings import SettingEntry, threshold_for
from incubator_tui.rules.streaks import (
    MonthKind,
    MonthState,
    Streak,
    case_streak,
    flag_level,
    latest_complete_month,
    should_open_case,
    streak_as_of,
)

SIX = lambda month: F(6)  # noqa: E731 - the default threshold for every month


def states(start, *cells):
    """Months from ``start``: a number is a complete month's total; None is missing;
    'P' paused, 'E' exempt, 'I' incomplete (half entered)."""
    out = {}
    for i, cell in enumerate(cells):
        month = add_months(start, i)
        if cell is None:
            continue
        if cell == "P":
            out[month] = MonthState(MonthKind.PAUSED)
        elif cell == "E":
            out[month] = MonthState(MonthKind.EXEMPT)
        elif cell == "I":
            out[month] = MonthState(MonthKind.INCOMPLETE, F(3))
        else:
            out[month] = MonthState(MonthKind.COMPLETE, F(cell))
    return out


def streak(st, as_of, entry="2000-01", threshold=SIX, after=None):
    return streak_as_of(st, as_of, entry, threshold, after)


def level(st, as_of, **kw):
    return flag_level(streak(st, as_of, **kw).count, 3)


# ------------------------------------------------------------------ DOMAIN 4 examples


def test_three_low_months_red_on_the_third():
    st = states("2024-01", "5.5", "5.0", "5.9")
    assert level(st, "2024-01") is None
    assert level(st, "2024-02") == "amber"
    s = streak(st, "2024-03")
    assert s == Streak(3, ("2024-01", "2024-02", "2024-03"), (F("5.5"), F(5), F("5.9")), "2024-03")
    assert flag_level(s.count, 3) == "red"


def test_a_month_at_or_above_threshold_breaks_the_run():
    st = states("2024-01", "5.5", "6.0", "5.0", "5.0")
    s = streak(st, "2024-04")
    assert s.count == 2 and s.months == ("2024-03", "2024-04")
    assert flag_level(s.count, 3) == "amber"


def test_a_missing_month_breaks_the_run():
    st = states("2024-01", "5.5", None, "5.0", "5.0")
    assert streak(st, "2024-04").count == 2
    assert level(st, "2024-04") == "amber"


def test_a_paused_month_is_skipped():
    st = states("2024-01", "5.5", "P", "5.0", "5.0")
    s = streak(st, "2024-04")
    assert s.count == 3 and s.months == ("2024-01", "2024-03", "2024-04")
    assert level(st, "2024-04") == "red"


def test_an_exempt_month_is_skipped():
    st = states("2024-01", "5.5", "E", "E", "5.0", "5.0")
    assert streak(st, "2024-05").count == 3


def test_half_entered_month_is_in_progress_and_passed_over():
    st = states("2024-01", "5.0", "5.0", "5.0", "I")
    s = streak(st, "2024-04")
    assert s.count == 3 and s.anchor == "2024-03"
    assert level(st, "2024-04") == "red"


def test_months_after_the_latest_complete_one_are_passed_over():
    st = states("2024-01", "5.0", "5.0", "5.0")
    assert streak(st, "2024-09").count == 3  # nothing since March yet: still red


def test_streak_crosses_the_year_boundary():
    st = states("2023-11", "5.0", "4.5", "5.5")
    s = streak(st, "2024-01")
    assert s.count == 3 and s.months == ("2023-11", "2023-12", "2024-01")


# ------------------------------------------------------------------ the edges


def test_exactly_six_is_not_low():
    st = states("2024-01", "5.0", "5.0", "6.0")
    assert streak(st, "2024-03") == Streak(0, (), (), "2024-03")
    assert streak(states("2024-01", "5.99", "5.99", "5.99"), "2024-03").count == 3


def test_exactly_six_stops_the_count_behind_it():
    st = states("2024-01", "5.0", "6", "5.0", "5.0", "5.0")
    assert streak(st, "2024-05").count == 3
    assert streak(st, "2024-02").count == 0


def test_an_incomplete_month_inside_the_run_stops_it():
    st = states("2024-01", "5.0", "I", "5.0", "5.0")
    assert streak(st, "2024-04").count == 2


def test_months_before_entry_do_not_count():
    st = states("2024-01", "5.0", "5.0", "5.0", "5.0")
    assert streak(st, "2024-04", entry="2024-03").count == 2
    assert streak(st, "2024-02", entry="2024-03").count == 0  # no complete month since entry


def test_paused_months_before_entry_do_not_carry_the_count_back():
    st = states("2024-01", "5.0", "P", "5.0")
    assert streak(st, "2024-03", entry="2024-02").count == 1


def test_as_of_limits_the_anchor():
    st = states("2024-01", "5.0", "5.0", "7.0")
    assert streak(st, "2024-02").count == 2
    assert streak(st, "2024-03").count == 0


def test_no_data_means_no_streak():
    assert streak({}, "2024-03") == Streak(0)
    assert streak(states("2024-01", "P", "E", "I"), "2024-03") == Streak(0)


def test_each_month_is_judged_by_its_own_threshold():
    # The threshold rises to 7 from 2024-03: 6.5 was not low before, is low after.
    entries = [SettingEntry("threshold", "2024-03", "7")]
    th = threshold_for(entries)
    st = states("2024-01", "6.5", "5.0", "6.5", "6.5")
    s = streak(st, "2024-04", threshold=th)
    assert s.count == 3 and s.months == ("2024-02", "2024-03", "2024-04")
    # Lowered to 5.5 from 2024-02: February's 5.5 is no longer low and stops the count.
    st = states("2024-01", "5.0", "5.5", "5.0")
    assert streak(st, "2024-03", threshold=threshold_for([SettingEntry("threshold", "2024-02", "5.5")])).count == 1


def test_a_complete_month_without_a_total_stops():
    st = {"2024-01": MonthState(MonthKind.COMPLETE, F(5)), "2024-02": MonthState(MonthKind.COMPLETE)}
    assert streak(st, "2024-02").count == 0


def test_latest_complete_month():
    st = states("2024-01", "5.0", "I", "7", "I")
    assert latest_complete_month(st) == "2024-03"
    assert latest_complete_month(st, as_of="2024-02") == "2024-01"
    assert latest_complete_month({}) is None


@pytest.mark.parametrize(
    "count,run,expected",
    [(0, 3, None), (1, 3, None), (2, 3, "amber"), (3, 3, "red"), (5, 3, "red"), (0, 1, None), (1, 1, "red"),
     (0, 2, None), (1, 2, "amber"), (2, 2, "red"), (3, 4, "amber")],
)
def test_flag_level(count, run, expected):
    assert flag_level(count, run) == expected


def test_flag_level_refuses_run_length_zero():
    with pytest.raises(ValueError):
        flag_level(0, 0)


# ------------------------------------------------------------------ opening cases


def test_one_run_opens_one_case_and_three_new_low_months_open_another():
    st = states("2024-01", "5.0", "5.0", "5.0")
    first = case_streak(st, "2024-03", "2024-01", SIX, last_case_month=None)
    assert should_open_case(first, 3) and first.months == ("2024-01", "2024-02", "2024-03")

    # The case records Jan-Mar.  Still low in April and May: no new case yet.
    st.update(states("2024-04", "5.0", "5.0"))
    again = case_streak(st, "2024-05", "2024-01", SIX, last_case_month="2024-03")
    assert again.count == 2 and not should_open_case(again, 3)

    # June is low too: three NEW low months past the last case's months.
    st.update(states("2024-06", "4.0"))
    second = case_streak(st, "2024-06", "2024-01", SIX, last_case_month="2024-03")
    assert should_open_case(second, 3) and second.months == ("2024-04", "2024-05", "2024-06")
    assert second.totals == (F(5), F(5), F(4))


def test_case_streak_defaults_to_latest_complete_month():
    st = states("2024-01", "5.0", "5.0", "5.0", "I")
    s = case_streak(st, None, "2024-01", SIX, None)
    assert s.count == 3 and s.anchor == "2024-03"
    assert case_streak({}, None, "2024-01", SIX, None).count == 0


def test_a_long_import_opens_a_case_recording_the_whole_run():
    st = states("2024-01", "5.0", "5.0", "5.0", "5.0")
    s = case_streak(st, "2024-04", "2024-01", SIX, None)
    assert should_open_case(s, 3) and s.count == 4


def test_case_streak_after_a_last_case_ending_in_a_pause():
    st = states("2024-01", "5.0", "5.0", "5.0", "P", "5.0", "5.0", "5.0")
    s = case_streak(st, "2024-07", "2024-01", SIX, last_case_month="2024-03")
    assert s.months == ("2024-05", "2024-06", "2024-07")


# ------------------------------------------------------------------ speed


def test_500_orgs_by_120_months_is_fast():
    th = threshold_for([SettingEntry("threshold", "2020-01", "6"), SettingEntry("threshold", "2025-01", "5.5")])
    orgs = []
    for o in range(500):
        # Mostly low months with a pause every year: the worst case walks far back.
        cells = ["P" if i % 12 == 1 else ("5" if (i + o) % 17 else "8") for i in range(120)]
        orgs.append(states("2016-01", *cells))
    t0 = time.perf_counter()
    for st in orgs:
        streak_as_of(st, "2025-12", "2016-01", th)
    elapsed = time.perf_counter() - t0
    assert elapsed < 0.25, elapsed  # ~10 ms on a laptop; generous for slow CI
