"""Working days (DOMAIN 5 hand-over deadline)."""

from datetime import date

import pytest

from incubator_tui.rules.workdays import add_working_days, is_working_day, years_without_calendar

MON = date(2024, 6, 3)


def test_plain_weeks():
    assert is_working_day(MON, (), ()) and not is_working_day(date(2024, 6, 8), (), ())
    assert add_working_days(MON, 0, [], []) == MON
    assert add_working_days(MON, 1, [], []) == date(2024, 6, 4)
    assert add_working_days(MON, 5, [], []) == date(2024, 6, 10)
    assert add_working_days(date(2024, 6, 8), 1, [], []) == date(2024, 6, 10)  # from a Saturday


def test_holidays_are_skipped_and_makeup_days_count():
    dragon_boat = date(2024, 6, 10)  # a Monday off
    assert add_working_days(date(2024, 6, 7), 1, [dragon_boat], []) == date(2024, 6, 11)
    sunday = date(2024, 6, 9)
    assert add_working_days(date(2024, 6, 7), 1, [dragon_boat], [sunday]) == sunday


def test_a_day_listed_both_ways_is_a_holiday():
    d = date(2024, 6, 10)
    assert not is_working_day(d, {d}, {d})


def test_negative_n_is_refused():
    with pytest.raises(ValueError):
        add_working_days(MON, -1, [], [])


def test_years_without_calendar():
    assert years_without_calendar(date(2024, 12, 20), date(2025, 1, 10), {2024}) == [2025]
    assert years_without_calendar(date(2024, 12, 20), date(2025, 1, 10), {2024, 2025}) == []
    assert years_without_calendar(date(2024, 3, 1), date(2024, 3, 20), set()) == [2024]
