"""Membership in time (DOMAIN 2): entry month through exit month, inclusive."""

from datetime import date

from incubator_tui.rules.membership import member_in, member_in_year, membership_months


def test_member_from_entry_month_through_exit_month():
    entry, exit_ = date(2024, 3, 31), date(2024, 6, 1)
    assert not member_in("2024-02", entry, exit_)
    assert member_in("2024-03", entry, exit_)
    assert member_in("2024-06", entry, exit_)
    assert not member_in("2024-07", entry, exit_)


def test_no_end_date_means_still_a_member():
    assert member_in("2030-01", date(2024, 3, 1), None)


def test_no_entry_date_is_never_a_member():
    assert not member_in("2024-03", None, None)
    assert membership_months(None, None, "2024-12") is None


def test_membership_months():
    assert membership_months(date(2023, 11, 5), None, "2024-02") == ("2023-11", "2024-02")
    assert membership_months(date(2023, 11, 5), date(2024, 1, 9), "2024-02") == ("2023-11", "2024-01")
    assert membership_months(date(2024, 5, 1), None, "2024-02") is None


def test_member_in_year():
    assert member_in_year(2024, date(2024, 12, 31), None)
    assert member_in_year(2024, date(2020, 1, 1), date(2024, 1, 1))
    assert not member_in_year(2024, date(2020, 1, 1), date(2023, 12, 31))
    assert not member_in_year(2023, date(2024, 1, 1), None)
    assert not member_in_year(2024, None, None)
