"""What the dashboard shows, as plain data (no Textual).

One call, :func:`load_dashboard`, reads everything for one centre with a few
small queries, each bounded to the months it shows: the organisations, the
flags (:func:`services.flags.streaks_as_of`, which reads a window of months, so
they are the flags ``compute_flags`` gives), the trend's twelve months summed in
SQL from ``month_result``, the progress of this month and the last, and the
open cases.  Nothing reads every score or every month of a centre's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from sqlalchemy import text

from incubator_tui.services.access import reads_sql
from incubator_tui.rules import cases as case_rules
from incubator_tui.rules.months import add_months, month_of, months_between
from incubator_tui.rules.settings import threshold_for, value_in_force
from incubator_tui.services import clock
from incubator_tui.services.centres import Checklists, ids_in, scope_ids, setting_entries
from incubator_tui.services.flags import streaks_as_of
from incubator_tui.services.monthly import OrgInfo, paused_months
from incubator_tui.services.dates import as_date

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

TREND_MONTHS = 12


@dataclass(frozen=True)
class CentreRef:
    id: str
    name: str


@dataclass(frozen=True)
class Progress:
    """The month's scoring progress among the orgs that belong to the centre that month."""

    month: str
    members: int
    complete: int
    incomplete: int  # some items entered, not all
    not_started: int
    exempt: int
    paused: bool
    closed: bool


@dataclass(frozen=True)
class FlagLine:
    org_id: str
    org: str
    level: str  # red | amber
    months: tuple[str, ...]
    totals: tuple[Fraction, ...]
    centre: str = ""  # the centre's name, in the all-centres view


@dataclass(frozen=True)
class CaseLine:
    id: str
    org_id: str
    org: str
    kind: str
    state: str
    opened_on: date
    months: tuple[str, ...]
    deadline: date | None  # rectification (latest item) or, once exit ordered, the hand-over deadline
    overdue: bool
    centre: str = ""  # the centre's name, in the all-centres view


@dataclass(frozen=True)
class AgendaLine:
    """Something to do on an open case, due within the agenda's days or overdue."""

    case_id: str
    org_id: str
    org: str
    what: str  # interview | item | review | objection_decide | objection_ends | handover
    due: date | None  # None: an interview with no planned date (to hold now)
    overdue: bool
    detail: str = ""  # the item's description, the interview's planned place
    centre: str = ""  # the centre's name, in the all-centres view


AGENDA_DAYS = 7
_AGENDA_ORDER = ("interview", "item", "review", "objection_decide", "objection_ends", "handover")


@dataclass(frozen=True)
class TrendPoint:
    month: str
    average: Fraction | None  # mean of the complete totals that month; None without any
    count: int  # how many complete totals
    threshold: Fraction
    paused: bool


@dataclass(frozen=True)
class CentreSummary:
    """One centre's line in the all-centres dashboard."""

    centre: CentreRef
    progress: Progress
    red: int
    amber: int
    open_cases: int
    overdue: int


@dataclass(frozen=True)
class Dashboard:
    centre: CentreRef
    today: date
    month: str  # the current month: flags are as of it, progress is of it
    progress: Progress
    previous: Progress  # last month's, often the one still being finished early in a month
    flags: tuple[FlagLine, ...]  # red first, then amber; by org name
    cases: tuple[CaseLine, ...]  # open cases: overdue first, then by deadline
    trend: tuple[TrendPoint, ...]  # the last TREND_MONTHS months, oldest first
    run_length: int
    agenda: tuple[AgendaLine, ...] = ()  # overdue first, then by due date
    holidays_missing: tuple[int, ...] = ()  # of this year and next, those without a holiday list
    agenda_days: int = AGENDA_DAYS
    # The all-centres view (a district database): the centres shown, one summary line each;
    # the fields above are then the overall figures (every centre's lines, with their centre).
    scope: tuple[str, ...] = ()
    centres: tuple[CentreSummary, ...] = ()

    @property
    def red(self) -> tuple[FlagLine, ...]:
        return tuple(f for f in self.flags if f.level == "red")

    @property
    def amber(self) -> tuple[FlagLine, ...]:
        return tuple(f for f in self.flags if f.level == "amber")

    @property
    def overdue(self) -> tuple[CaseLine, ...]:
        return tuple(c for c in self.cases if c.overdue)


@reads_sql
def list_centres(session: Session) -> list[CentreRef]:
    """Every centre, by name (code points): the app opens the first."""
    rows = session.execute(text("SELECT id, name FROM centre ORDER BY name, id")).all()
    return [CentreRef(r.id, r.name) for r in rows]


def complete_month_filter(
    checklists: Checklists, months: list[str], paused: set[str], params: dict, alias: str = "r",
) -> str:
    """SQL conditions on ``month_result <alias>`` (within ``months``) for a complete month, as
    ``services.monthly.month_states`` counts it: every item in force scored or n/a, at least one
    scored; not exempt (an active exemption); the month not paused.  Adds its bind parameters
    to ``params`` (``:t`` must be bound to True)."""
    counts = [len(checklists.items_for(m)) for m in months]
    if len(set(counts)) <= 1:
        params["cn"] = counts[0] if counts else 0
        n_items = ":cn"
    else:
        n_items = f"CASE {alias}.month " + " ".join(f"WHEN :cm{i} THEN :cn{i}" for i in range(len(months))) + " END"
        params.update({f"cm{i}": m for i, m in enumerate(months)})
        params.update({f"cn{i}": n for i, n in enumerate(counts)})
    sql = f"{alias}.scored > 0 AND {alias}.scored + {alias}.na_count = {n_items}"
    skipped = sorted(m for m in paused if m in set(months))
    if skipped:
        sql += f" AND {alias}.month NOT IN (" + ",".join(f":cp{i}" for i in range(len(skipped))) + ")"
        params.update({f"cp{i}": m for i, m in enumerate(skipped)})
    return sql + (f" AND NOT EXISTS (SELECT 1 FROM exemption e WHERE e.org_id = {alias}.org_id"
                  f" AND e.month = {alias}.month AND e.active = :t)")


def flag_candidates(
    session: Session, centre_id: str, as_of: str, checklists: Checklists, paused: set[str], threshold_of,
    window: int = 6,
) -> set[str]:
    """The centre's orgs whose streak as of ``as_of`` may be more than nothing.

    A streak counts back from the org's latest complete month (rules.streaks.streak_as_of);
    when that month is in the last ``window`` months and not low, the streak is nothing,
    whatever came before.  Those orgs, nearly all of a district, are left out here with one
    query, so that only the rest have their months read and walked.
    """
    months = months_between(add_months(as_of, -(window - 1)), as_of)
    params: dict = {"c": centre_id, "lo": months[0], "hi": as_of, "t": True}
    complete = complete_month_filter(checklists, months, paused, params, alias="r2")
    # Not low: 10 × earned / max ≥ that month's threshold num/den, in integers.
    thresholds = [Fraction(threshold_of(m)) for m in months]
    if len(set(thresholds)) == 1:
        params["tn"], params["td"] = thresholds[0].numerator, thresholds[0].denominator
        num, den = ":tn", ":td"
    else:
        num = "CASE r.month " + " ".join(f"WHEN :tm{i} THEN :tn{i}" for i in range(len(months))) + " END"
        den = "CASE r.month " + " ".join(f"WHEN :tm{i} THEN :td{i}" for i in range(len(months))) + " END"
        params.update({f"tm{i}": m for i, m in enumerate(months)})
        params.update({f"tn{i}": x.numerator for i, x in enumerate(thresholds)})
        params.update({f"td{i}": x.denominator for i, x in enumerate(thresholds)})
    rows = session.execute(
        text(
            "SELECT o.id FROM organisation o WHERE o.centre_id = :c AND NOT EXISTS ("
            "SELECT 1 FROM month_result r WHERE r.org_id = o.id AND r.month = ("
            f"SELECT MAX(r2.month) FROM month_result r2 WHERE r2.org_id = o.id AND r2.month >= :lo "
            f"AND r2.month <= :hi AND {complete}) "
            f"AND 10 * r.earned_cent * {den} >= {num} * r.max_cent)"
        ),
        params,
    ).all()
    return {r[0] for r in rows}


def light_infos(session: Session, centre_id: str) -> dict[str, OrgInfo]:
    """``services.monthly.org_infos`` for the whole centre, months cut from the stored dates' text."""
    out = {}
    for org_id, name, entry, end, status in session.execute(
        text("SELECT id, name, entry_date, end_date, status FROM organisation WHERE centre_id = :c"),
        {"c": centre_id},
    ).all():
        entry, end = _iso(entry), _iso(end)
        out[org_id] = OrgInfo(org_id, name, entry[:7], end[:7] if end else None, status)
    return out


def _iso(value) -> str | None:  # noqa: ANN001 - SQLite hands back text, PostgreSQL dates
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def progress_of(
    session: Session, centre_id: str, month: str, checklists: Checklists, infos: dict[str, OrgInfo],
) -> Progress:
    """The month's progress, counted as the scoring grid counts it (``Grid.progress``).

    From ``month_result`` (one row per org-month, kept in step with the scores)."""
    members = [i for i in infos.values()
               if i.entry_month <= month and (i.end_month is None or month <= i.end_month)]
    member_ids = {i.id for i in members}
    exempt = {
        r[0] for r in session.execute(
            text("SELECT e.org_id FROM exemption e JOIN organisation o ON o.id = e.org_id "
                 "WHERE o.centre_id = :c AND e.month = :m AND e.active = :t"),
            {"c": centre_id, "m": month, "t": True},
        )
    } & member_ids
    centre_month = session.execute(
        text("SELECT closed, paused FROM centre_month WHERE centre_id = :c AND month = :m"),
        {"c": centre_id, "m": month},
    ).first()
    n_items = len(checklists.items_for(month))
    complete = incomplete = 0
    for org_id, scored, na in session.execute(
        text(
            "SELECT r.org_id, r.scored, r.na_count FROM organisation o JOIN month_result r ON r.org_id = o.id "
            "WHERE o.centre_id = :c AND r.month = :m AND (r.scored > 0 OR r.na_count > 0)"
        ),
        {"c": centre_id, "m": month},
    ).all():
        if org_id not in member_ids or org_id in exempt:
            continue
        if scored and scored + na == n_items:
            complete += 1
        else:
            incomplete += 1
    scored_members = len(member_ids) - len(exempt)
    return Progress(
        month=month, members=len(member_ids), complete=complete, incomplete=incomplete,
        not_started=scored_members - complete - incomplete, exempt=len(exempt),
        paused=bool(centre_month and centre_month.paused), closed=bool(centre_month and centre_month.closed),
    )


def trend_of(
    session: Session, centre_id: str, window: list[str], checklists: Checklists, paused: set[str], threshold_of,
) -> tuple[TrendPoint, ...]:
    """Each month's mean of the complete totals (10 × earned / max), summed in SQL per month and max."""
    params: dict = {"c": centre_id, "lo": window[0], "hi": window[-1], "t": True}
    complete = complete_month_filter(checklists, window, paused, params)
    sums: dict[str, Fraction] = {}
    counts: dict[str, int] = {}
    for m, max_cent, earned, n in session.execute(
        text(
            "SELECT r.month, r.max_cent, SUM(r.earned_cent), COUNT(*) FROM organisation o "
            "JOIN month_result r ON r.org_id = o.id "
            f"WHERE o.centre_id = :c AND r.month >= :lo AND r.month <= :hi AND {complete} "
            "GROUP BY r.month, r.max_cent"
        ),
        params,
    ).all():
        sums[m] = sums.get(m, Fraction(0)) + Fraction(10 * earned, max_cent)
        counts[m] = counts.get(m, 0) + n
    return tuple(
        TrendPoint(m, sums[m] / counts[m] if counts.get(m) else None, counts.get(m, 0), threshold_of(m), m in paused)
        for m in window
    )


def open_cases(session: Session, centre_id: str, today: date) -> list[CaseLine]:
    """The centre's open cases with their deadlines; overdue first, then by deadline and name."""
    import json

    open_states = tuple(s.value for s in case_rules.OPEN_STATES)
    marks = ",".join(f":s{i}" for i in range(len(open_states)))
    params: dict = {"c": centre_id, **{f"s{i}": s for i, s in enumerate(open_states)}}
    rows = session.execute(
        text(
            "SELECT c.id, c.org_id, o.name AS org, c.kind, c.state, c.opened_on, c.months, c.handover_deadline, "
            "(SELECT MAX(r.deadline) FROM rectification_item r WHERE r.case_id = c.id) AS deadline "
            f"FROM org_case c JOIN organisation o ON o.id = c.org_id WHERE c.centre_id = :c AND c.state IN ({marks})"
        ),
        params,
    )
    out = []
    for r in rows:
        months = r.months
        if isinstance(months, str):
            months = json.loads(months)
        deadline = as_date(r.deadline)
        if r.state == case_rules.CaseState.EXIT_ORDERED.value and r.handover_deadline is not None:
            deadline = as_date(r.handover_deadline)
        elif r.state == case_rules.CaseState.TO_INTERVIEW.value:
            deadline = None  # no deadline until the interview sets the rectification items
        overdue = deadline is not None and case_rules.is_overdue([deadline], today)
        out.append(CaseLine(r.id, r.org_id, r.org, r.kind, r.state, as_date(r.opened_on),
                            tuple(months or ()), deadline, overdue))
    out.sort(key=lambda c: (not c.overdue, c.deadline is None, c.deadline or date.max, c.org, c.opened_on))
    return out


def agenda_of(session: Session, centre_id: str, today: date, days: int = AGENDA_DAYS) -> list[AgendaLine]:
    """What falls due on the centre's open cases within ``days`` days of ``today``, and what is overdue.

    - an interview to hold (待约谈): at the time an interview notice planned, else now;
    - each open rectification item whose deadline comes, and the review, due with the latest
      item deadline (overdue the day after, as the case's page says);
    - an objection waiting for its decision (now), an objection period ending (never overdue: it ends);
    - the hand-over deadline of an exit order (overdue the day after).
    """
    import json
    from datetime import timedelta

    horizon = today + timedelta(days=days)
    cases = session.execute(
        text("SELECT c.id, c.org_id, o.name AS org, o.pinyin, c.state, c.handover_deadline, c.objection_deadline "
             "FROM org_case c JOIN organisation o ON o.id = c.org_id WHERE c.centre_id = :c "
             "AND c.state IN ('to_interview','rectifying','exit_ordered')"), {"c": centre_id}
    ).all()
    if not cases:
        return []
    by_id = {c.id: c for c in cases}
    items: dict[str, list] = {}
    for r in session.execute(
        text("SELECT r.case_id, r.description, r.deadline, r.done_on FROM rectification_item r "
             "JOIN org_case c ON c.id = r.case_id WHERE c.centre_id = :c AND c.state = 'rectifying' "
             "ORDER BY r.case_id, r.position, r.created_at"), {"c": centre_id}
    ):
        items.setdefault(r.case_id, []).append((r.description, as_date(r.deadline), r.done_on is not None))
    events: dict[str, list] = {}
    for r in session.execute(
        text("SELECT e.case_id, e.action, e.data FROM case_event e JOIN org_case c ON c.id = e.case_id "
             "WHERE c.centre_id = :c AND c.state IN ('to_interview','exit_ordered') "
             "AND e.action IN ('notice','object','object_upheld','object_accepted') ORDER BY e.at, e.id"),
        {"c": centre_id},
    ):
        data = json.loads(r.data) if isinstance(r.data, str) and r.data else (r.data or {})
        events.setdefault(r.case_id, []).append((r.action, data))

    out: list[AgendaLine] = []

    def add(c, what: str, due: date | None, overdue: bool, detail: str = "") -> None:  # noqa: ANN001
        out.append(AgendaLine(c.id, c.org_id, c.org, what, due, overdue, detail))

    for c in cases:
        if c.state == case_rules.CaseState.TO_INTERVIEW.value:
            planned = next((d for a, d in reversed(events.get(c.id, []))
                            if a == "notice" and d.get("kind") == case_rules.NoticeKind.INTERVIEW.value), {})
            when = None
            if planned.get("time"):
                try:
                    when = case_rules.parse_date_time(planned["time"])[0]
                except Exception:  # noqa: BLE001 - a planned time that no longer parses: to hold now
                    when = None
            if when is None or when <= horizon:
                add(c, "interview", when, when is not None and when < today, planned.get("place", ""))
        elif c.state == case_rules.CaseState.RECTIFYING.value:
            case_items = items.get(c.id, [])
            for description, deadline, done in case_items:
                if not done and deadline is not None and deadline <= horizon:
                    add(c, "item", deadline, today > deadline, description)
            latest = max((d for _, d, _ in case_items if d is not None), default=None)
            if latest is not None and latest <= horizon:
                add(c, "review", latest, case_rules.is_overdue([latest], today))
        else:  # exit ordered
            actions = [a for a, _ in events.get(c.id, [])]
            objection_until = as_date(c.objection_deadline)
            if case_rules.pending_objection(actions):  # to decide now
                add(c, "objection_decide", None, False)
            elif objection_until is not None and today <= objection_until <= horizon:
                add(c, "objection_ends", objection_until, False)
            handover = as_date(c.handover_deadline)
            if handover is not None and handover <= horizon:
                add(c, "handover", handover, today > handover)
    out.sort(key=lambda a: (not a.overdue, a.due or today, by_id[a.case_id].pinyin or "", a.org,
                            _AGENDA_ORDER.index(a.what)))
    return out


def years_without_holidays(entries, today: date) -> list[int]:  # noqa: ANN001 - SettingEntry rows
    """Of the current and next year, those with no list of public holidays, from the centre's
    setting entries already read (as ``services.settings.years_without_holidays`` says it; that
    module, 800 lines, is not imported at start-up for this)."""
    known = value_in_force(entries, "holidays", "9999-12")
    return [y for y in (today.year, today.year + 1) if not known.get(y)]


@reads_sql
def load_dashboard(session: Session, centre_id: str, *, today: date | None = None) -> Dashboard:
    name = session.execute(text("SELECT name FROM centre WHERE id = :c"), {"c": centre_id}).scalar_one()
    today = today or clock.today()
    month = month_of(today)
    entries = setting_entries(session, centre_id)
    threshold_of = threshold_for(entries)
    run_length = value_in_force(entries, "run_length", month)
    checklists = Checklists(session, centre_id)
    infos = light_infos(session, centre_id)
    paused = paused_months(session, centre_id)

    # Flags as of the current month: each org's streak anchors at its latest
    # complete month at or before it (a month still being entered is passed over).
    # Counted as compute_flags counts them, for the orgs that may have a streak.
    candidates = flag_candidates(session, centre_id, month, checklists, paused, threshold_of)
    flags = [
        FlagLine(org_id, infos[org_id].name, level, streak.months, streak.totals)
        for org_id, (streak, level) in streaks_as_of(
            session, centre_id, month, {o: infos[o] for o in candidates if o in infos}
        ).items()
        if level is not None
    ]
    flags.sort(key=lambda f: (f.level != "red", f.org))

    window = months_between(add_months(month, -(TREND_MONTHS - 1)), month)
    trend = trend_of(session, centre_id, window, checklists, paused, threshold_of)

    return Dashboard(
        centre=CentreRef(centre_id, name),
        today=today,
        month=month,
        progress=progress_of(session, centre_id, month, checklists, infos),
        previous=progress_of(session, centre_id, add_months(month, -1), checklists, infos),
        flags=tuple(flags),
        cases=tuple(open_cases(session, centre_id, today)),
        trend=trend,
        run_length=run_length,
        agenda=tuple(agenda_of(session, centre_id, today)),
        holidays_missing=tuple(years_without_holidays(entries, today)),
    )


@reads_sql
def handover_deadlines(session: Session, centre_ids: str | Sequence[str]) -> dict[str, date]:
    """Case id → hand-over deadline, for the cases whose exit was ordered (one centre or several)."""
    params: dict = {}
    rows = session.execute(
        text(f"SELECT id, handover_deadline FROM org_case WHERE {ids_in('centre_id', scope_ids(centre_ids), params)} "
             "AND handover_deadline IS NOT NULL"),
        params,
    )
    return {r[0]: as_date(r[1]) for r in rows}


# ---------------------------------------------------------------- the all-centres view (a district database)


def _sum_progress(parts: list[Progress]) -> Progress:
    """The centres' progress of one month added up: paused or closed when every centre is."""
    return Progress(
        month=parts[0].month, members=sum(p.members for p in parts), complete=sum(p.complete for p in parts),
        incomplete=sum(p.incomplete for p in parts), not_started=sum(p.not_started for p in parts),
        exempt=sum(p.exempt for p in parts), paused=all(p.paused for p in parts), closed=all(p.closed for p in parts),
    )


def _sum_trend(parts: list[tuple[TrendPoint, ...]]) -> tuple[TrendPoint, ...]:
    """Each month's mean over every centre's complete totals (weighted by their counts)."""
    out = []
    for points in zip(*parts):
        count = sum(p.count for p in points)
        total = sum((p.average * p.count for p in points if p.average is not None), Fraction(0))
        out.append(TrendPoint(points[0].month, total / count if count else None, count, points[0].threshold,
                              all(p.paused for p in points)))
    return tuple(out)


@reads_sql
def load_scope(session: Session, centre_ids: str | Sequence[str], *, today: date | None = None) -> Dashboard:
    """The dashboard of one centre (:func:`load_dashboard`) or of several: then the overall
    figures (progress added up, every centre's flags, open cases and agenda with their centre,
    the trend over every centre's complete totals) and one :class:`CentreSummary` per centre.

    Each centre is read with its own settings and checklist (DOMAIN 7: they are per centre),
    by the same bounded queries as one centre's dashboard."""
    from dataclasses import replace

    ids = scope_ids(centre_ids)
    if len(ids) == 1:
        return replace(load_dashboard(session, ids[0], today=today), scope=ids)
    today = today or clock.today()
    parts = [load_dashboard(session, c, today=today) for c in ids]
    parts.sort(key=lambda d: (d.centre.name, d.centre.id))
    flags = [replace(f, centre=d.centre.name) for d in parts for f in d.flags]
    flags.sort(key=lambda f: (f.level != "red", f.org, f.centre))
    cases = [replace(c, centre=d.centre.name) for d in parts for c in d.cases]
    cases.sort(key=lambda c: (not c.overdue, c.deadline is None, c.deadline or date.max, c.org, c.opened_on))
    agenda = [replace(a, centre=d.centre.name) for d in parts for a in d.agenda]
    agenda.sort(key=lambda a: (not a.overdue, a.due or today, a.org, _AGENDA_ORDER.index(a.what)))
    first = parts[0]
    return Dashboard(
        centre=CentreRef("", ""), today=today, month=first.month,
        progress=_sum_progress([d.progress for d in parts]), previous=_sum_progress([d.previous for d in parts]),
        flags=tuple(flags), cases=tuple(cases), trend=_sum_trend([d.trend for d in parts]),
        run_length=first.run_length, agenda=tuple(agenda),
        holidays_missing=tuple(sorted({y for d in parts for y in d.holidays_missing})), scope=ids,
        centres=tuple(CentreSummary(d.centre, d.progress, len(d.red), len(d.amber), len(d.cases), len(d.overdue))
                      for d in parts),
    )
