"""Months and dates as centres write them (DOMAIN 9 formats)."""

from datetime import date, datetime

import pytest

from incubator_tui.rules import months as M
from incubator_tui.rules.errors import DateFormatError, DomainError, MonthFormatError


@pytest.mark.parametrize(
    "text",
    ["2024-03", "2024-3", "2024/3", "2024/03", "2024年3月", "2024年03月", " 2024-03 ", "２０２４年３月", "2024 年 3 月",
     date(2024, 3, 31), datetime(2024, 3, 1, 12, 0)],
)
def test_parse_month_accepts_the_usual_forms(text):
    assert M.parse_month(text) == "2024-03"


@pytest.mark.parametrize(
    "text", ["2024-13", "2024-0", "2024-00", "0000-01", "24-03", "2024-03-01", "2024.3", "2024年3", "march", "", None, 202403, "2024-3-"]
)
def test_parse_month_refuses_anything_else(text):
    with pytest.raises(MonthFormatError) as e:
        M.parse_month(text)
    assert e.value.key == "rules.month_format"
    assert e.value.params == {"text": str(text)}


def test_is_month_is_the_canonical_form_only():
    assert M.is_month("2024-03") and M.is_month("1999-12")
    for bad in ("2024-3", "2024/03", "2024-13", "2024-00", "0000-01", "２０２４-03", None, 202403):
        assert not M.is_month(bad)


@pytest.mark.parametrize(
    "text", ["2024-03-01", "2024-3-1", "2024/3/1", "2024/03/01", "2024年3月1日", "2024/3/1 0:00", "2024-03-01T00:00:00",
             date(2024, 3, 1), datetime(2024, 3, 1, 23, 59)],
)
def test_parse_date_accepts_the_usual_forms(text):
    assert M.parse_date(text) == date(2024, 3, 1)


@pytest.mark.parametrize("text", ["2024-02-30", "2023-02-29", "2024-03", "2024.3.1", "1/3/2024", "", None, "2024年3月1"])
def test_parse_date_refuses_anything_else(text):
    with pytest.raises(DateFormatError) as e:
        M.parse_date(text)
    assert isinstance(e.value, DomainError) and e.value.key == "rules.date_format"


def test_leap_day():
    assert M.parse_date("2024年2月29日") == date(2024, 2, 29)


def test_month_arithmetic_crosses_years():
    assert M.month_of(date(2024, 1, 31)) == "2024-01"
    assert M.month_index("2024-01") == 2024 * 12
    assert M.month_from_index(M.month_index("2023-12")) == "2023-12"
    assert M.previous_month("2024-01") == "2023-12"
    assert M.next_month("2023-12") == "2024-01"
    assert M.add_months("2024-11", 3) == "2025-02"
    assert M.add_months("2024-02", -14) == "2022-12"
    assert M.months_between("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert M.months_between("2024-02", "2024-02") == ["2024-02"]
    assert M.months_between("2024-03", "2024-02") == []
    assert M.first_day("2024-02") == date(2024, 2, 1)


def test_month_index_refuses_non_canonical():
    with pytest.raises(MonthFormatError):
        M.month_index("2024-3")


def test_canonical_months_sort_in_time_order():
    ms = [M.month_from_index(i) for i in range(M.month_index("1999-01"), M.month_index("2031-12"))]
    assert ms == sorted(ms)


def test_today_is_taken_in_the_centre_time_zone(monkeypatch):
    # 2024-03-31 20:00 UTC is already 1 April in Shanghai.
    class Fixed(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2024, 3, 31, 20, 0, tzinfo=M.timezone.utc).astimezone(tz)

    monkeypatch.setattr(M, "datetime", Fixed)
    assert M.today() == date(2024, 4, 1)
    assert M.current_month() == "2024-04"
    assert M.today("UTC") == date(2024, 3, 31)


def test_today_falls_back_to_utc_plus_8_without_tzdata(monkeypatch):
    import zoneinfo

    def missing(key):
        raise zoneinfo.ZoneInfoNotFoundError(key)

    monkeypatch.setattr(zoneinfo, "ZoneInfo", missing)
    assert M._tzinfo("Asia/Shanghai").utcoffset(None).total_seconds() == 8 * 3600


def test_stored_instants_are_shown_on_the_centres_clock() -> None:
    """Times are stored in UTC, naive once read back from SQLite: people read them in their zone."""
    from datetime import datetime, timezone

    from incubator_tui.rules.months import local_minute

    assert local_minute(datetime(2026, 1, 20, 1, 30)) == "2026-01-20 09:30"  # Beijing by default
    assert local_minute(datetime(2026, 1, 19, 23, 5, tzinfo=timezone.utc)) == "2026-01-20 07:05"
    assert local_minute(datetime(2026, 1, 20, 1, 30), "Asia/Urumqi") == "2026-01-20 07:30"
