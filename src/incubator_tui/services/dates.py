"""Dates as the database hands them back, and "today" in a centre's time zone.

``as_date`` is the one conversion of a stored date (SQLite returns text
through plain connections, PostgreSQL a date) that every service uses;
``as_datetime`` the same for a stored instant.
``centre_today`` / ``centre_month`` read the centre's time-zone setting
(DOMAIN 7) and ask ``services.clock``, which honours ``INCUBATOR_TUI_TODAY``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def as_date(value: Any) -> date | None:
    """A stored date (``date``, ISO text, or an ISO datetime's text) → date; None stays None."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_datetime(value: Any) -> datetime:
    """A stored instant (``datetime``, or ISO text as SQLite hands it back) → datetime, as stored (UTC)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def centre_timezone(session: Session, centre_id: str) -> str:
    """The centre's time zone in force this month (the default zone decides which month that is)."""
    from incubator_tui.rules.settings import value_in_force
    from incubator_tui.services import clock
    from incubator_tui.services.centres import setting_entries

    return value_in_force(setting_entries(session, centre_id), "timezone", clock.current_month())


def centre_today(session: Session, centre_id: str) -> date:
    from incubator_tui.services import clock

    return clock.today(centre_timezone(session, centre_id))


def centre_month(session: Session, centre_id: str) -> str:
    from incubator_tui.services import clock

    return clock.current_month(centre_timezone(session, centre_id))
