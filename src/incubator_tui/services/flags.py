"""Red and amber flags as of a month (DOMAIN 4), for one centre or all."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from sqlalchemy import text

from incubator_tui.rules.settings import threshold_for, value_in_force
from incubator_tui.rules.streaks import Streak, flag_level
from incubator_tui.services.centres import Checklists, setting_entries
from incubator_tui.services.monthly import OrgInfo, org_infos, streak_states

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Flag:
    centre_id: str
    org_id: str
    org: str
    level: str  # red | amber
    streak: Streak

    @property
    def months(self) -> tuple[str, ...]:
        return self.streak.months

    @property
    def totals(self) -> tuple[Fraction, ...]:
        return self.streak.totals


def latest_scored_month(session: Session, centre_id: str | None = None) -> str | None:
    """The latest month in which an org (of the centre, or of any centre) has a score or N/A.

    Read from ``month_result`` (one row per org-month, kept in step with the scores; a month
    whose cells were all cleared has a row with nothing scored or N/A), not from the score rows."""
    if centre_id is None:
        return session.execute(text("SELECT MAX(month) FROM month_result WHERE scored > 0 OR na_count > 0")).scalar()
    # One short backward search of month_result's key per org, instead of scanning every month.
    return session.execute(
        text(
            "SELECT MAX((SELECT r.month FROM month_result r WHERE r.org_id = o.id "
            "AND (r.scored > 0 OR r.na_count > 0) ORDER BY r.month DESC LIMIT 1)) "
            "FROM organisation o WHERE o.centre_id = :c"
        ),
        {"c": centre_id},
    ).scalar()


def default_as_of(session: Session, centre_id: str) -> str | None:
    """The month ``flags`` reports as of without ``--as-of``: the latest month with any score,
    but never after the current month (in the centre's time zone), whatever a score dated
    in the future says."""
    from incubator_tui.services.dates import centre_month

    latest = latest_scored_month(session, centre_id)
    return None if latest is None else min(latest, centre_month(session, centre_id))


def streaks_as_of(
    session: Session, centre_id: str, as_of: str, infos: dict[str, OrgInfo] | None = None
) -> dict[str, tuple[Streak, str | None]]:
    """``{org_id: (streak, level)}`` for every org that belongs to the centre in ``as_of``."""
    entries = setting_entries(session, centre_id)
    thr = threshold_for(entries)
    run_length = value_in_force(entries, "run_length", as_of)
    if infos is None:
        infos = org_infos(session, centre_id)
    # Flagged only while it belongs to the centre.
    members = {
        org_id: info for org_id, info in infos.items()
        if info.entry_month <= as_of and (info.end_month is None or info.end_month >= as_of)
    }
    _states, streaks = streak_states(session, centre_id, Checklists(session, centre_id), members, as_of, thr)
    out: dict[str, tuple[Streak, str | None]] = {}
    for org_id, streak in streaks.items():
        out[org_id] = (streak, flag_level(streak.count, run_length))
    return out


def compute_flags(session: Session, centre_id: str, as_of: str, *, include_amber: bool = True) -> list[Flag]:
    infos = org_infos(session, centre_id)
    flags = [
        Flag(centre_id, org_id, infos[org_id].name, level, streak)
        for org_id, (streak, level) in streaks_as_of(session, centre_id, as_of, infos).items()
        if level == "red" or (include_amber and level == "amber")
    ]
    flags.sort(key=lambda f: (f.level != "red", f.org))
    return flags


__all__ = ["Flag", "compute_flags", "default_as_of", "latest_scored_month", "streaks_as_of"]
