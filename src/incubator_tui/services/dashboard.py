"""What the dashboard shows, as plain data (no Textual).

One call, :func:`load_dashboard`, reads everything for one centre with a few
small queries: the organisations, one aggregate of month states (shared by the
flags and the trend), the current month's progress, and the open cases.  The
flags are counted with the same rules as :func:`services.flags.compute_flags`
(a test holds them equal) but from the one set of month states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import text
from sqlalchemy.orm import Session

from incubator_tui.rules import cases as case_rules
from incubator_tui.rules.months import add_months, month_of, months_between
from incubator_tui.rules.settings import threshold_for, value_in_force
from incubator_tui.rules.streaks import MonthKind, flag_level, streak_as_of
from incubator_tui.services import clock
from incubator_tui.services.centres import Checklists, setting_entries
from incubator_tui.services.monthly import OrgInfo, month_states, org_infos, paused_months

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


@dataclass(frozen=True)
class TrendPoint:
    month: str
    average: Fraction | None  # mean of the complete totals that month; None without any
    count: int  # how many complete totals
    threshold: Fraction
    paused: bool


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

    @property
    def red(self) -> tuple[FlagLine, ...]:
        return tuple(f for f in self.flags if f.level == "red")

    @property
    def amber(self) -> tuple[FlagLine, ...]:
        return tuple(f for f in self.flags if f.level == "amber")

    @property
    def overdue(self) -> tuple[CaseLine, ...]:
        return tuple(c for c in self.cases if c.overdue)


def list_centres(session: Session) -> list[CentreRef]:
    """Every centre, by name (code points): the app opens the first."""
    rows = session.execute(text("SELECT id, name FROM centre ORDER BY name, id")).all()
    return [CentreRef(r.id, r.name) for r in rows]


def _as_date(value) -> date | None:  # noqa: ANN001 - SQLite hands back text, PostgreSQL dates
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def progress_of(
    session: Session, centre_id: str, month: str, checklists: Checklists, infos: dict[str, OrgInfo],
) -> Progress:
    """The month's progress, counted as the scoring grid counts it (``Grid.progress``)."""
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
            "SELECT s.org_id, SUM(CASE WHEN s.value_cent IS NOT NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN s.na THEN 1 ELSE 0 END) "
            "FROM score s JOIN organisation o ON o.id = s.org_id "
            "WHERE o.centre_id = :c AND s.month = :m GROUP BY s.org_id"
        ),
        {"c": centre_id, "m": month},
    ):
        if org_id not in member_ids or org_id in exempt:
            continue
        if scored and scored + na == n_items:
            complete += 1
        elif scored or na:
            incomplete += 1
    scored_members = len(member_ids) - len(exempt)
    return Progress(
        month=month, members=len(member_ids), complete=complete, incomplete=incomplete,
        not_started=scored_members - complete - incomplete, exempt=len(exempt),
        paused=bool(centre_month and centre_month.paused), closed=bool(centre_month and centre_month.closed),
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
        deadline = _as_date(r.deadline)
        if r.state == case_rules.CaseState.EXIT_ORDERED.value and r.handover_deadline is not None:
            deadline = _as_date(r.handover_deadline)
        elif r.state == case_rules.CaseState.TO_INTERVIEW.value:
            deadline = None  # no deadline until the interview sets the rectification items
        overdue = deadline is not None and case_rules.is_overdue([deadline], today)
        out.append(CaseLine(r.id, r.org_id, r.org, r.kind, r.state, _as_date(r.opened_on),
                            tuple(months or ()), deadline, overdue))
    out.sort(key=lambda c: (not c.overdue, c.deadline is None, c.deadline or date.max, c.org, c.opened_on))
    return out


def load_dashboard(session: Session, centre_id: str, *, today: date | None = None) -> Dashboard:
    name = session.execute(text("SELECT name FROM centre WHERE id = :c"), {"c": centre_id}).scalar_one()
    today = today or clock.today()
    month = month_of(today)
    entries = setting_entries(session, centre_id)
    threshold_of = threshold_for(entries)
    run_length = value_in_force(entries, "run_length", month)
    checklists = Checklists(session, centre_id)
    infos = org_infos(session, centre_id)
    states = month_states(session, centre_id, checklists, up_to=month)

    # Flags as of the current month: each org's streak anchors at its latest
    # complete month at or before it (a month still being entered is passed over).
    flags: list[FlagLine] = []
    for org_id, info in infos.items():
        if info.entry_month > month or (info.end_month is not None and info.end_month < month):
            continue
        org_states = states.get(org_id)
        if not org_states:
            continue
        streak = streak_as_of(org_states, month, info.entry_month, threshold_of)
        level = flag_level(streak.count, run_length)
        if level is not None:
            flags.append(FlagLine(org_id, info.name, level, streak.months, streak.totals))
    flags.sort(key=lambda f: (f.level != "red", f.org))

    window = months_between(add_months(month, -(TREND_MONTHS - 1)), month)
    sums: dict[str, Fraction] = {}
    counts: dict[str, int] = {}
    paused = paused_months(session, centre_id)
    first = window[0]
    for org_states in states.values():
        for m, state in org_states.items():
            if m < first:
                continue
            if state.kind is MonthKind.COMPLETE:
                sums[m] = sums.get(m, Fraction(0)) + state.total
                counts[m] = counts.get(m, 0) + 1
    trend = tuple(
        TrendPoint(m, sums[m] / counts[m] if counts.get(m) else None, counts.get(m, 0), threshold_of(m), m in paused)
        for m in window
    )

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
    )


def handover_deadlines(session: Session, centre_id: str) -> dict[str, date]:
    """Case id → hand-over deadline, for the cases whose exit was ordered."""
    rows = session.execute(
        text("SELECT id, handover_deadline FROM org_case WHERE centre_id = :c AND handover_deadline IS NOT NULL"),
        {"c": centre_id},
    )
    return {r[0]: _as_date(r[1]) for r in rows}
