"""Months ('YYYY-MM') and dates as the centres write them.

A month is always passed around in its canonical form 'YYYY-MM': canonical
strings sort in time order, so code may compare them with ``<`` directly.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

from incubator_tui.rules.errors import DateFormatError, DomainError, MonthFormatError

DEFAULT_TZ = "Asia/Shanghai"

# After NFKC (full-width digits and punctuation become ASCII).
_MONTH_RE = re.compile(r"(\d{4})(?:-(\d{1,2})|/(\d{1,2})|\s*年\s*(\d{1,2})\s*月)", re.ASCII)
# A trailing time is dropped: spreadsheets writing a date column as text add '0:00'.
_DATE_RE = re.compile(
    r"(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?",
    re.ASCII,
)


def _clean(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def parse_month(text: object) -> str:
    """'2024-03', '2024-3', '2024/3', '2024年3月' or a date/datetime → '2024-03'."""
    if isinstance(text, date):  # datetime is a date too
        return month_of(text)
    if isinstance(text, str):
        m = _MONTH_RE.fullmatch(_clean(text))
        if m:
            year = int(m.group(1))
            month = int(m.group(2) or m.group(3) or m.group(4))
            if year >= 1 and 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
    raise MonthFormatError("rules.month_format", text=str(text))


def is_month(text: object) -> bool:
    """True for a canonical month 'YYYY-MM' (01-12); lenient forms go through parse_month."""
    return (
        isinstance(text, str)
        and len(text) == 7
        and text[4] == "-"
        and text[:4].isascii()
        and text[:4].isdigit()
        and text[5:].isascii()
        and text[5:].isdigit()
        and text[:4] != "0000"
        and 1 <= int(text[5:]) <= 12
    )


def parse_date(text: object) -> date:
    """'2024-03-01', '2024/3/1', '2024年3月1日' or a date/datetime → date."""
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if isinstance(text, str):
        m = _DATE_RE.fullmatch(_clean(text))
        if m:
            g = [x for x in m.groups()[1:] if x is not None]
            try:
                return date(int(m.group(1)), int(g[0]), int(g[1]))
            except ValueError:  # 2024-02-30 and the like
                pass
    raise DateFormatError("rules.date_format", text=str(text))


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def month_index(month: str) -> int:
    """'YYYY-MM' → year*12 + month-1, so consecutive months are consecutive integers."""
    if not is_month(month):
        raise MonthFormatError("rules.month_format", text=str(month))
    return int(month[:4]) * 12 + int(month[5:]) - 1


def month_from_index(i: int) -> str:
    year, m = divmod(i, 12)
    return f"{year:04d}-{m + 1:02d}"


def add_months(month: str, n: int) -> str:
    return month_from_index(month_index(month) + n)


def previous_month(month: str) -> str:
    return add_months(month, -1)


def next_month(month: str) -> str:
    return add_months(month, 1)


def months_between(a: str, b: str) -> list[str]:
    """Every month from a to b inclusive, ascending; empty when a is after b."""
    return [month_from_index(i) for i in range(month_index(a), month_index(b) + 1)]


def first_day(month: str) -> date:
    i = month_index(month)
    return date(i // 12, i % 12 + 1, 1)


def _tzinfo(tz: str):
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(tz)
    except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError: no tzdata here
        return timezone(timedelta(hours=8))


def local_time(at: datetime, tz: str = DEFAULT_TZ) -> datetime:
    """A stored instant in the centre's time zone: times are stored in UTC (naive when read
    back from SQLite), and people read them as the clock on their wall showed."""
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(_tzinfo(tz))


def local_minute(at: datetime, tz: str = DEFAULT_TZ) -> str:
    """``2026-01-20 09:30``: a stored instant as the centre's clock showed it, to the minute."""
    return local_time(at, tz).strftime("%Y-%m-%d %H:%M")


def today(tz: str = DEFAULT_TZ) -> date:
    """Today's date in the centre's time zone (DOMAIN 7), not the machine's."""
    return datetime.now(_tzinfo(tz)).date()


def current_month(tz: str = DEFAULT_TZ) -> str:
    return month_of(today(tz))


class FutureValueError(DomainError):
    """A month or a date after the current one (DOMAIN 7: a future month cannot be scored)."""


def check_not_future_month(month: str, current: str) -> str:
    """``month`` if it is not after ``current`` (both canonical), else FutureValueError."""
    if month > current:
        raise FutureValueError("rules.month_future", month=month, current=current)
    return month


def check_not_future_date(day: date, today: date) -> date:
    """``day`` if it is not after ``today``, else FutureValueError."""
    if day > today:
        raise FutureValueError("rules.date_future", date=day.isoformat(), today=today.isoformat())
    return day
