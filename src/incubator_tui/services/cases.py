"""Cases: opening monthly cases after a save or import, transitions, listing.

The legal moves come from :mod:`incubator_tui.rules.cases`; this module
records them (state, event, audit) inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from incubator_tui.errors import UserError
from incubator_tui.models import CaseEvent, Organisation, OrgCase, RectificationItem
from incubator_tui.rules import cases as rules
from incubator_tui.rules.cases import Action, CaseState
from incubator_tui.services.clock import today as today_in_tz
from incubator_tui.rules.scoring import format_total
from incubator_tui.rules.settings import threshold_for, value_in_force
from incubator_tui.rules.streaks import MonthKind, case_streak, should_open_case
from incubator_tui.services import audit
from incubator_tui.services.centres import Checklists, setting_entries
from incubator_tui.services.monthly import month_states, org_infos

OPEN_STATES = tuple(s.value for s in rules.OPEN_STATES)


def open_case_org_ids(session: Session, org_ids: Iterable[str] | None = None) -> set[str]:
    stmt = select(OrgCase.org_id).where(OrgCase.state.in_(OPEN_STATES))
    if org_ids is not None:
        stmt = stmt.where(OrgCase.org_id.in_(list(org_ids)))
    return set(session.execute(stmt).scalars())


def _last_case_months(session: Session, org_ids: Sequence[str]) -> dict[str, str]:
    rows = session.execute(
        select(OrgCase.org_id, OrgCase.months).where(OrgCase.kind == "monthly", OrgCase.org_id.in_(org_ids))
    ).all()
    out: dict[str, str] = {}
    for org_id, months in rows:
        if months:
            last = max(months)
            if last > out.get(org_id, ""):
                out[org_id] = last
    return out


def open_monthly_cases(
    session: Session, centre_id: str, org_ids: Iterable[str], operator: str, on: date | None = None
) -> list[OrgCase]:
    """DOMAIN 4: open a monthly case for each touched org whose new run reached the run length."""
    touched = [o for o in dict.fromkeys(org_ids)]
    if not touched:
        return []
    already = open_case_org_ids(session, touched)
    candidates = [o for o in touched if o not in already]
    if not candidates:
        return []
    infos = org_infos(session, centre_id, candidates)
    entries = setting_entries(session, centre_id)
    thr = threshold_for(entries)
    states = month_states(session, centre_id, Checklists(session, centre_id), candidates)
    last_months = _last_case_months(session, candidates)
    opened: list[OrgCase] = []
    for org_id in candidates:
        info = infos.get(org_id)
        if info is None or info.status != "incubating":
            continue
        org_states = states.get(org_id, {})
        complete = [m for m, s in org_states.items() if s.kind is MonthKind.COMPLETE and m >= info.entry_month]
        if not complete:
            continue
        latest = max(complete)
        streak = case_streak(org_states, latest, info.entry_month, thr, last_months.get(org_id))
        if not should_open_case(streak, value_in_force(entries, "run_length", latest)):
            continue
        case = OrgCase(
            centre_id=centre_id,
            org_id=org_id,
            kind="monthly",
            state=CaseState.TO_INTERVIEW.value,
            opened_on=on or today_in_tz(),
            reason="；".join(f"{m} {format_total(t)}" for m, t in zip(streak.months, streak.totals)),
            months=list(streak.months),
            totals=[str(t) for t in streak.totals],
        )
        session.add(case)
        session.flush()
        _event(session, case, "open", None, case.state, operator, case.reason)
        opened.append(case)
    return opened


def open_case(
    session: Session, org: Organisation, kind: str, reason: str, operator: str,
    *, year: int | None = None, rating_id: str | None = None, on: date | None = None,
) -> OrgCase:
    case = OrgCase(
        centre_id=org.centre_id, org_id=org.id, kind=kind, state=CaseState.TO_INTERVIEW.value,
        opened_on=on or today_in_tz(), reason=reason, year=year, rating_id=rating_id,
    )
    session.add(case)
    session.flush()
    _event(session, case, "open", None, case.state, operator, reason)
    return case


def _event(
    session: Session, case: OrgCase, action: str, old: str | None, new: str | None, operator: str, text_: str = "",
    data: dict | None = None,
) -> None:
    session.add(
        CaseEvent(case_id=case.id, operator=operator, action=action, from_state=old, to_state=new, text=text_,
                  data=data or {})
    )
    if old != new:
        audit.record(session, operator, "org_case", case.id, "state", old, new)


def _move(session: Session, case: OrgCase, action: Action, operator: str, text_: str = "", data: dict | None = None):
    old = case.state
    new = rules.next_state(CaseState(old), action).value
    case.state = new
    session.add(case)
    _event(session, case, action.value, old, new, operator, text_, data)
    return old, new


def _case(session: Session, case_id: str) -> OrgCase:
    case = session.get(OrgCase, case_id)
    if case is None:
        raise UserError("case.unknown", id=case_id)
    return case


@dataclass(frozen=True)
class ItemSpec:
    description: str
    owner: str = ""
    deadline: date | None = None


def record_interview(
    session: Session, case_id: str, operator: str, *, on: date, place: str = "", interviewers: str = "",
    attendees: str = "", problems: str = "", commitments: str = "", items: Sequence[ItemSpec] = (),
) -> OrgCase:
    case = _case(session, case_id)
    entries = setting_entries(session, case.centre_id)
    month = on.strftime("%Y-%m")
    default_deadline = rules.default_rectification_deadline(
        rules.CaseKind(case.kind), on,
        days=value_in_force(entries, "deadline_days", month),
        months=value_in_force(entries, "deadline_months_annual", month),
    )
    _move(session, case, Action.RECORD_INTERVIEW, operator, problems)
    case.interview_date, case.interview_place, case.interviewers = on, place, interviewers
    case.attendees, case.problems, case.commitments = attendees, problems, commitments
    for position, spec in enumerate(items or [ItemSpec(problems or "整改")]):
        deadline = spec.deadline or default_deadline
        session.add(RectificationItem(case_id=case.id, description=spec.description, owner=spec.owner,
                                      deadline=deadline, original_deadline=deadline, position=position))
    session.flush()
    return case


def extend(session: Session, case_id: str, operator: str, *, new_deadline: date, reason: str) -> OrgCase:
    case = _case(session, case_id)
    items = list(session.execute(select(RectificationItem).where(RectificationItem.case_id == case.id)).scalars())
    current = max((i.deadline for i in items), default=None)
    if current is not None:
        rules.validate_extension(current, new_deadline, reason)
    _move(session, case, Action.EXTEND, operator, reason, {"new_deadline": new_deadline.isoformat()})
    for item in items:
        if item.deadline < new_deadline:
            audit.record(session, operator, "rectification_item", item.id, "deadline", item.deadline, new_deadline)
            item.deadline = new_deadline
            session.add(item)
    session.flush()
    return case


def record_review(
    session: Session, case_id: str, operator: str, *, on: date, passed: bool, findings: str = "",
) -> OrgCase:
    case = _case(session, case_id)
    case.review_date, case.review_findings = on, findings
    if passed:
        _move(session, case, Action.RECORD_REVIEW_PASS, operator, findings)
        case.closed_on = on
    else:
        _move(session, case, Action.RECORD_REVIEW_FAIL, operator, findings)
        _issue_exit_order(session, case, on)
    session.flush()
    return case


def _issue_exit_order(session: Session, case: OrgCase, notice: date) -> None:
    entries = setting_entries(session, case.centre_id)
    month = notice.strftime("%Y-%m")
    holidays_by_year = value_in_force(entries, "holidays", month) or {}
    makeup_by_year = value_in_force(entries, "makeup_days", month) or {}
    # coerce() already turned the stored ISO strings into dates.
    holidays = [d for days in holidays_by_year.values() for d in days]
    makeup = [d for days in makeup_by_year.values() for d in days]
    case.notice_date = notice
    case.handover_deadline = rules.handover_deadline(
        notice, value_in_force(entries, "handover_working_days", month), holidays, makeup
    )
    case.objection_deadline = rules.objection_deadline(notice, value_in_force(entries, "objection_days", month))


def record_objection(
    session: Session, case_id: str, operator: str, *, on: date, objection: str, accepted: bool, decision: str = "",
    new_deadline: date | None = None,
) -> OrgCase:
    case = _case(session, case_id)
    if case.notice_date and not rules.objection_in_time(
        case.notice_date, on, value_in_force(setting_entries(session, case.centre_id), "objection_days", on.strftime("%Y-%m"))
    ):
        raise UserError("case.objection_late", deadline=str(case.objection_deadline))
    data = {"objection": objection, "decision": decision, "date": on.isoformat()}
    if accepted:
        _move(session, case, Action.OBJECT_ACCEPTED, operator, decision, data)
        if new_deadline is None:
            raise UserError("case.deadline_required")
        for item in session.execute(select(RectificationItem).where(RectificationItem.case_id == case.id)).scalars():
            audit.record(session, operator, "rectification_item", item.id, "deadline", item.deadline, new_deadline)
            item.deadline = new_deadline
            session.add(item)
    else:
        _move(session, case, Action.OBJECT_UPHELD, operator, decision, data)
    session.flush()
    return case


def record_exit(session: Session, case_id: str, operator: str, *, on: date) -> OrgCase:
    case = _case(session, case_id)
    _move(session, case, Action.RECORD_EXIT, operator, "", {"date": on.isoformat()})
    case.exit_date = case.closed_on = on
    org = session.get(Organisation, case.org_id)
    audit.record_changes(session, operator, "organisation", org.id,
                         {"status": org.status, "end_date": org.end_date}, {"status": "exited", "end_date": on})
    org.status, org.end_date = "exited", on
    session.add(org)
    session.flush()
    return case


def withdraw(session: Session, case_id: str, operator: str, *, reason: str, on: date | None = None) -> OrgCase:
    if not reason.strip():
        raise UserError("case.reason_required")
    case = _case(session, case_id)
    _move(session, case, Action.WITHDRAW, operator, reason)
    case.closed_on = on or today_in_tz()
    session.flush()
    return case


@dataclass(frozen=True)
class CaseRow:
    id: str
    centre_id: str
    centre: str
    org_id: str
    org: str
    kind: str
    state: str
    opened_on: date
    opened_at: object
    months: tuple[str, ...]
    reason: str
    deadline: date | None


def list_cases(session: Session, centre_id: str | None = None) -> list[CaseRow]:
    """Every case, open and closed, sorted by org name (code points) then opening time."""
    sql = (
        "SELECT c.id, c.centre_id, ce.name AS centre, c.org_id, o.name AS org, c.kind, c.state, c.opened_on, "
        "c.opened_at, c.months, c.reason, "
        "(SELECT MAX(r.deadline) FROM rectification_item r WHERE r.case_id = c.id) AS deadline "
        "FROM org_case c JOIN organisation o ON o.id = c.org_id JOIN centre ce ON ce.id = c.centre_id"
    )
    params = {}
    if centre_id is not None:
        sql += " WHERE c.centre_id = :c"
        params["c"] = centre_id
    stmt = text(sql).columns()
    rows = []
    import json

    for r in session.execute(stmt, params):
        months = r.months
        if isinstance(months, str):
            months = json.loads(months)
        opened_on = r.opened_on if isinstance(r.opened_on, date) else date.fromisoformat(str(r.opened_on))
        deadline = r.deadline
        if deadline is not None and not isinstance(deadline, date):
            deadline = date.fromisoformat(str(deadline))
        rows.append(CaseRow(r.id, r.centre_id, r.centre, r.org_id, r.org, r.kind, r.state, opened_on,
                            str(r.opened_at), tuple(months or ()), r.reason, deadline))
    rows.sort(key=lambda c: (c.org, c.opened_at))
    return rows
