"""Today and the current month in the centre's time zone (DOMAIN 7).

``INCUBATOR_TUI_TODAY=YYYY-MM-DD`` pins the date, so that tests, snapshots
and demonstrations do not depend on when they run.
"""

from __future__ import annotations

import os
from datetime import date

from incubator_tui.rules import months


def today(tz: str = "Asia/Shanghai") -> date:
    pinned = os.environ.get("INCUBATOR_TUI_TODAY")
    if pinned:
        return date.fromisoformat(pinned)
    return months.today(tz)


def current_month(tz: str = "Asia/Shanghai") -> str:
    return months.month_of(today(tz))
