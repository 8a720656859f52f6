"""Month states of organisations, read in one aggregate query.

Streaks, flags, case opening, the dashboard and the organisations table all
need, per organisation and month, whether the month is complete and its exact
total.  This computes it in SQL (integer sums grouped by org and month) and
hands plain :class:`MonthState` values to the rules; no ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import text
from sqlmodel import Session

from incubator_tui.rules.months import month_of
from incubator_tui.rules.streaks import MonthKind, MonthState
from incubator_tui.services.centres import Checklists

# Portable SQL: both SQLite and PostgreSQL run it.
_AGG = """
SELECT s.org_id, s.month,
       SUM(CASE WHEN s.value_cent IS NOT NULL THEN s.value_cent ELSE 0 END) AS earned,
       SUM(CASE WHEN s.value_cent IS NOT NULL THEN i.max_cent ELSE 0 END) AS maxsum,
       SUM(CASE WHEN s.value_cent IS NOT NULL THEN 1 ELSE 0 END) AS scored,
       SUM(CASE WHEN s.na THEN 1 ELSE 0 END) AS na_count
FROM score s
JOIN checklist_item i ON i.id = s.item_id
JOIN organisation o ON o.id = s.org_id
WHERE o.centre_id = :centre {org_filter} {month_filter}
GROUP BY s.org_id, s.month
"""


@dataclass
class OrgInfo:
    id: str
    name: str
    entry_month: str
    end_month: str | None
    status: str


def org_infos(session: Session, centre_id: str, org_ids: Iterable[str] | None = None) -> dict[str, OrgInfo]:
    sql = "SELECT id, name, entry_date, end_date, status FROM organisation WHERE centre_id = :centre"
    params: dict = {"centre": centre_id}
    if org_ids is not None:
        ids = list(org_ids)
        sql += " AND id IN (" + ",".join(f":o{i}" for i in range(len(ids))) + ")" if ids else " AND 1 = 0"
        params.update({f"o{i}": v for i, v in enumerate(ids)})
    out = {}
    for row in session.execute(text(sql), params):
        entry = row.entry_date if isinstance(row.entry_date, date) else date.fromisoformat(str(row.entry_date))
        end = row.end_date
        if end is not None and not isinstance(end, date):
            end = date.fromisoformat(str(end))
        out[row.id] = OrgInfo(row.id, row.name, month_of(entry), month_of(end) if end else None, row.status)
    return out


def paused_months(session: Session, centre_id: str) -> set[str]:
    rows = session.execute(
        text("SELECT month FROM centre_month WHERE centre_id = :c AND paused = :t"), {"c": centre_id, "t": True}
    )
    return {r[0] for r in rows}


def closed_months(session: Session, centre_id: str) -> set[str]:
    rows = session.execute(
        text("SELECT month FROM centre_month WHERE centre_id = :c AND closed = :t"), {"c": centre_id, "t": True}
    )
    return {r[0] for r in rows}


def exemptions(session: Session, centre_id: str, org_ids: Iterable[str] | None = None) -> set[tuple[str, str]]:
    rows = session.execute(
        text(
            "SELECT e.org_id, e.month FROM exemption e JOIN organisation o ON o.id = e.org_id "
            "WHERE o.centre_id = :c AND e.active = :t"
        ),
        {"c": centre_id, "t": True},
    )
    wanted = set(org_ids) if org_ids is not None else None
    return {(r[0], r[1]) for r in rows if wanted is None or r[0] in wanted}


def month_states(
    session: Session,
    centre_id: str,
    checklists: Checklists,
    org_ids: Iterable[str] | None = None,
    up_to: str | None = None,
) -> dict[str, dict[str, MonthState]]:
    """``{org_id: {month: MonthState}}`` for the centre's orgs (or those given)."""
    params: dict = {"centre": centre_id}
    org_filter = month_filter = ""
    wanted = None
    if org_ids is not None:
        wanted = list(org_ids)
        if not wanted:
            return {}
        org_filter = "AND s.org_id IN (" + ",".join(f":o{i}" for i in range(len(wanted))) + ")"
        params.update({f"o{i}": v for i, v in enumerate(wanted)})
    if up_to is not None:
        month_filter = "AND s.month <= :up_to"
        params["up_to"] = up_to
    sql = _AGG.format(org_filter=org_filter, month_filter=month_filter)

    n_items: dict[str, int] = {}
    out: dict[str, dict[str, MonthState]] = {}
    complete, incomplete = MonthKind.COMPLETE, MonthKind.INCOMPLETE
    for org_id, month, earned, maxsum, scored, na_count in session.execute(text(sql), params):
        n = n_items.get(month)
        if n is None:
            n = n_items[month] = len(checklists.items_for(month))
        if scored and scored + na_count == n:
            state = MonthState(complete, Fraction(10 * earned, maxsum))
        else:
            state = MonthState(incomplete)
        out.setdefault(org_id, {})[month] = state
    if wanted is not None:
        for org_id in wanted:
            out.setdefault(org_id, {})

    paused = paused_months(session, centre_id)
    exempt = exemptions(session, centre_id, wanted)
    if paused or exempt:
        paused_state, exempt_state = MonthState(MonthKind.PAUSED), MonthState(MonthKind.EXEMPT)
        for org_id, states in out.items():
            for m in paused:
                states[m] = paused_state
        for org_id, m in exempt:
            out.setdefault(org_id, {})[m] = exempt_state
    return out
