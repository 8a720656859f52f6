"""Month states of organisations, read in one aggregate query.

Streaks, flags, case opening, the dashboard and the organisations table all
need, per organisation and month, whether the month is complete and its exact
total.  This computes it in SQL (integer sums grouped by org and month) and
hands plain :class:`MonthState` values to the rules; no ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from sqlalchemy import text

from incubator_tui.rules.months import month_of
from incubator_tui.rules.streaks import MonthKind, MonthState, Streak
from incubator_tui.services.centres import Checklists

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

CHECKPOINT_ROWS = 2000  # rows between two calls of a background caller's checkpoint

# Portable SQL: both SQLite and PostgreSQL run it.
_READ = """
SELECT r.org_id, r.month, r.earned_cent, r.max_cent, r.scored, r.na_count
FROM organisation o
JOIN month_result r ON r.org_id = o.id
WHERE o.centre_id = :centre {org_filter} {month_filter}
"""

_AGGREGATE = """
SELECT s.org_id, s.month,
       SUM(CASE WHEN s.value_cent IS NOT NULL THEN s.value_cent ELSE 0 END),
       SUM(CASE WHEN s.value_cent IS NOT NULL THEN i.max_cent ELSE 0 END),
       SUM(CASE WHEN s.value_cent IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.na THEN 1 ELSE 0 END)
FROM score s
JOIN checklist_item i ON i.id = s.item_id
WHERE s.org_id IN ({orgs}) {month_filter}
GROUP BY s.org_id, s.month
"""


def refresh_results(session: Session, org_ids: Iterable[str], months: Iterable[str] | None = None) -> None:
    """Recompute ``month_result`` for these orgs (and months) from their score rows.

    Every writer of scores calls this in its own transaction, after writing:
    the results are a cache of the scores and must never disagree with them.
    """
    ids = list(dict.fromkeys(org_ids))
    month_list = None if months is None else sorted(set(months))
    for start in range(0, len(ids), 400):  # keep bind parameters well under every engine's limit
        chunk = ids[start:start + 400]
        params: dict = {f"o{i}": v for i, v in enumerate(chunk)}
        orgs = ",".join(f":o{i}" for i in range(len(chunk)))
        month_filter = ""
        if month_list is not None:
            params.update({f"m{i}": m for i, m in enumerate(month_list)})
            month_filter = "AND month IN (" + ",".join(f":m{i}" for i in range(len(month_list))) + ")"
        session.execute(text(f"DELETE FROM month_result WHERE org_id IN ({orgs}) {month_filter}"), params)
        session.execute(
            text(
                "INSERT INTO month_result (org_id, month, earned_cent, max_cent, scored, na_count) "
                + _AGGREGATE.format(orgs=orgs, month_filter=month_filter.replace("month", "s.month", 1))
            ),
            params,
        )


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
    since: str | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> dict[str, dict[str, MonthState]]:
    """``{org_id: {month: MonthState}}`` for the centre's orgs (or those given),
    for months in [since, up_to] where given.

    ``checkpoint``, where given, is called every few thousand rows: background work
    passes one that waits while its screen is hidden (and raises to stop)."""
    params: dict = {"centre": centre_id}
    org_filter = month_filter = ""
    wanted = None
    if org_ids is not None:
        wanted = list(org_ids)
        if not wanted:
            return {}
        if len(wanted) <= 200:  # many ids: read the whole centre and filter here instead
            org_filter = "AND r.org_id IN (" + ",".join(f":o{i}" for i in range(len(wanted))) + ")"
            params.update({f"o{i}": v for i, v in enumerate(wanted)})
    if up_to is not None:
        month_filter = "AND r.month <= :up_to"
        params["up_to"] = up_to
    if since is not None:
        month_filter += " AND r.month >= :since"
        params["since"] = since
    sql = _READ.format(org_filter=org_filter, month_filter=month_filter)

    # month -> (one string for that month, its number of items): every org's states share the
    # month's string as their key (the driver makes a new string per row: 30,000 for a window of
    # 5,000 orgs, ~1.7 MB, where a dozen do).
    n_items: dict[str, tuple[str, int]] = {}
    out: dict[str, dict[str, MonthState]] = {}
    incomplete = MonthState(MonthKind.INCOMPLETE)
    # Totals repeat a great deal (10 points in half-point steps): share the states.
    complete: dict[tuple[int, int], MonthState] = {}
    keep = set(wanted) if wanted is not None and not org_filter else None
    for chunk in session.execute(text(sql), params).partitions(CHECKPOINT_ROWS):
        if checkpoint is not None:
            checkpoint()
        for org_id, month, earned, maxsum, scored, na_count in chunk:
            if keep is not None and org_id not in keep:
                continue
            known = n_items.get(month)
            if known is None:
                known = n_items[month] = (month, len(checklists.items_for(month)))
            month, n = known
            if scored and scored + na_count == n:
                state = complete.get((earned, maxsum))
                if state is None:
                    state = complete[(earned, maxsum)] = MonthState(MonthKind.COMPLETE, Fraction(10 * earned, maxsum))
            else:
                state = incomplete
            states = out.get(org_id)
            if states is None:
                states = out[org_id] = {}
            states[month] = state
    if wanted is not None:
        for org_id in wanted:
            out.setdefault(org_id, {})

    paused = {m for m in paused_months(session, centre_id)
              if (up_to is None or m <= up_to) and (since is None or m >= since)}
    exempt = {(o, m) for o, m in exemptions(session, centre_id, wanted)
              if (up_to is None or m <= up_to) and (since is None or m >= since)}
    if paused or exempt:
        paused_state, exempt_state = MonthState(MonthKind.PAUSED), MonthState(MonthKind.EXEMPT)
        for states in out.values():
            for m in paused:
                states[m] = paused_state
        for org_id, m in exempt:
            out.setdefault(org_id, {})[m] = exempt_state
    return out


def streak_states(
    session: Session,
    centre_id: str,
    checklists: Checklists,
    infos: dict[str, OrgInfo],
    as_of: str,
    threshold_of,
    after: dict[str, str] | None = None,
    window: int = 6,
    checkpoint: Callable[[], None] | None = None,
) -> tuple[dict[str, dict[str, MonthState]], dict[str, Streak]]:
    """Each org's streak as of ``as_of``, and month states sufficient to recount it.

    Most streaks stop within a month or two, so only the last ``window``
    months are read for everyone; the few orgs whose walk could run past the
    window (a long low run, paused months, or no complete month in it) are
    read again in full.  This keeps flags nearly free on ten years of data.
    """
    from incubator_tui.rules.months import add_months
    from incubator_tui.rules.streaks import streak_as_of

    after = after or {}
    since = add_months(as_of, -(window - 1))
    org_ids = list(infos)
    states = month_states(session, centre_id, checklists, org_ids, up_to=as_of, since=since, checkpoint=checkpoint)
    streaks: dict[str, Streak] = {}
    need_more = []
    for n_org, org_id in enumerate(org_ids):
        if checkpoint is not None and not n_org % (CHECKPOINT_ROWS // 4):
            checkpoint()
        info = infos[org_id]
        org_states = states.get(org_id, {})
        streak = streaks[org_id] = streak_as_of(org_states, as_of, info.entry_month, threshold_of, after.get(org_id))
        lower = info.entry_month
        if org_id in after and after[org_id] >= lower:
            lower = add_months(after[org_id], 1)
        if lower >= since:
            continue  # nothing before the window can count
        if streak.anchor is None:
            need_more.append(org_id)  # its latest complete month may be older
            continue
        # Did the walk reach the window's edge without meeting a stopper?
        month, ran_out = streak.anchor, True
        while month >= since:
            st = org_states.get(month)
            if st is None or st.kind is MonthKind.INCOMPLETE or (
                st.kind is MonthKind.COMPLETE and not st.total < threshold_of(month)
            ):
                ran_out = False
                break
            month = add_months(month, -1)
        if ran_out:
            need_more.append(org_id)
    if need_more:
        states.update(month_states(session, centre_id, checklists, need_more, up_to=as_of, checkpoint=checkpoint))
        for org_id in need_more:
            info = infos[org_id]
            streaks[org_id] = streak_as_of(states[org_id], as_of, info.entry_month, threshold_of, after.get(org_id))
    return states, streaks
