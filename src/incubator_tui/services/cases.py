"""Cases: opening monthly cases after a save or import, transitions, listing.

The legal moves come from :mod:`incubator_tui.rules.cases`; this module
records them (state, event, audit) inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

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
from incubator_tui.services.access import reads_sql
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
    else:  # every event is audited, with the operator, even when the state stays (an objection, a notice)
        audit.record(session, operator, "org_case", case.id, f"event.{action}", None, text_ or action)


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
    time: str = "",
) -> OrgCase:
    case = _case(session, case_id)
    rules.next_state(case.state, Action.RECORD_INTERVIEW)  # an illegal move is refused before anything else
    default_deadline = default_deadline_for(session, case, on)
    specs = list(items or [ItemSpec(problems or "整改")])
    rules.refuse(rules.check_interview(
        on, case.opened_on, today_in_tz(), place, interviewers,
        [(spec.description, spec.deadline or default_deadline) for spec in specs],
    ))
    _move(session, case, Action.RECORD_INTERVIEW, operator, problems, {"time": time} if time else None)
    case.interview_date, case.interview_place, case.interviewers = on, place, interviewers
    case.attendees, case.problems, case.commitments = attendees, problems, commitments
    for position, spec in enumerate(specs):
        deadline = spec.deadline or default_deadline
        session.add(RectificationItem(case_id=case.id, description=spec.description.strip(), owner=spec.owner,
                                      deadline=deadline, original_deadline=deadline, position=position))
    session.flush()
    return case


def default_deadline_for(session: Session, case: OrgCase, on: date) -> date:
    """The default rectification deadline of an interview held ``on`` (DOMAIN 5, settings in force then)."""
    entries = setting_entries(session, case.centre_id)
    month = on.strftime("%Y-%m")
    return rules.default_rectification_deadline(
        rules.CaseKind(case.kind), on,
        days=value_in_force(entries, "deadline_days", month),
        months=value_in_force(entries, "deadline_months_annual", month),
    )


def extend(session: Session, case_id: str, operator: str, *, new_deadline: date, reason: str) -> OrgCase:
    case = _case(session, case_id)
    rules.next_state(case.state, Action.EXTEND)
    items = list(session.execute(select(RectificationItem).where(RectificationItem.case_id == case.id)).scalars())
    current = max((i.deadline for i in items), default=None)
    rules.refuse(rules.check_extension(current, new_deadline, reason))
    reason = reason.strip()
    _move(session, case, Action.EXTEND, operator, reason, {"new_deadline": new_deadline.isoformat()})
    for item in items:
        if item.deadline < new_deadline and item.done_on is None:
            audit.record(session, operator, "rectification_item", item.id, "deadline", item.deadline, new_deadline)
            item.deadline = new_deadline
            session.add(item)
    session.flush()
    return case


def record_review(
    session: Session, case_id: str, operator: str, *, on: date, passed: bool, findings: str = "",
) -> OrgCase:
    case = _case(session, case_id)
    rules.next_state(case.state, Action.RECORD_REVIEW_PASS if passed else Action.RECORD_REVIEW_FAIL)
    rules.refuse(rules.check_review(passed, on, case.interview_date, today_in_tz()))
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
    """An objection and its decision on the same day (as the demo tells it)."""
    file_objection(session, case_id, operator, on=on, objection=objection)
    return decide_objection(session, case_id, operator, on=on, accepted=accepted, decision=decision,
                            new_deadline=new_deadline)


def _objection_days(session: Session, case: OrgCase) -> int:
    month = (case.notice_date or today_in_tz()).strftime("%Y-%m")
    return value_in_force(setting_entries(session, case.centre_id), "objection_days", month)


def _actions(session: Session, case_id: str) -> list[CaseEvent]:
    return list(session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)
    ).scalars())


def file_objection(session: Session, case_id: str, operator: str, *, on: date, objection: str) -> OrgCase:
    """The org objects (申诉) to the exit order, within the objection period; decided later."""
    case = _case(session, case_id)
    rules.next_state(case.state, Action.OBJECT)
    problems = rules.check_objection(on, case.notice_date, today_in_tz(), objection, _objection_days(session, case))
    if "date" in problems and problems["date"].key == "rules.objection_late":
        raise UserError("case.objection_late", deadline=str(case.objection_deadline))
    rules.refuse(problems)
    _move(session, case, Action.OBJECT, operator, objection.strip(), {"date": on.isoformat()})
    session.flush()
    return case


def decide_objection(
    session: Session, case_id: str, operator: str, *, on: date, accepted: bool, decision: str = "",
    new_deadline: date | None = None,
) -> OrgCase:
    """Upheld: the exit order stands.  Accepted: back to rectifying, every open item due ``new_deadline``."""
    case = _case(session, case_id)
    action = Action.OBJECT_ACCEPTED if accepted else Action.OBJECT_UPHELD
    rules.next_state(case.state, action)
    events = _actions(session, case.id)
    rules.validate_decision_pending(rules.pending_objection(e.action for e in events))
    objected = max((date.fromisoformat(e.data["date"]) for e in events
                    if e.action == Action.OBJECT.value and (e.data or {}).get("date")), default=None)
    rules.refuse(rules.check_decision(accepted, on, objected, today_in_tz(), new_deadline))
    data = {"decision": decision, "date": on.isoformat()}
    if accepted:
        data["new_deadline"] = new_deadline.isoformat()
    _move(session, case, action, operator, decision.strip(), data)
    if accepted:
        for item in session.execute(select(RectificationItem).where(RectificationItem.case_id == case.id)).scalars():
            if item.done_on is not None:
                continue
            audit.record(session, operator, "rectification_item", item.id, "deadline", item.deadline, new_deadline)
            item.deadline = new_deadline
            session.add(item)
    session.flush()
    return case


def record_exit(session: Session, case_id: str, operator: str, *, on: date) -> OrgCase:
    case = _case(session, case_id)
    rules.next_state(case.state, Action.RECORD_EXIT)
    rules.validate_no_pending_objection(rules.pending_objection(e.action for e in _actions(session, case.id)))
    rules.refuse(rules.check_exit(on, case.notice_date, today_in_tz()))
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
    _move(session, case, Action.WITHDRAW, operator, reason.strip())
    case.closed_on = on or today_in_tz()
    session.flush()
    return case


def open_veto(session: Session, org_id: str, description: str, operator: str, on: date | None = None) -> OrgCase:
    """一票否决 from the organisation's page: a grave violation, with its description, opens a
    ``veto`` case at once (state 待约谈, the event and the audit row of its opening).

    It is the year's veto record too (DOMAIN 6: a veto recorded for the org that year makes it
    1 star, and opens the veto case): ``services.reviews.record_veto``, as the review screen's
    `v` (a finalised rating is amended to 1 star), so the rating and the case tell the same
    story.  One veto case per org and year: a second is refused, naming the first."""
    from incubator_tui.services.reviews import record_veto

    text_ = (description or "").strip()
    if not text_:
        raise UserError("case.veto_description_required")
    org = session.get(Organisation, org_id)
    if org is None:
        raise UserError("org.unknown", name=org_id)
    if org.status != "incubating":
        raise UserError("org.already_left", name=org.name)
    on = on or today_in_tz()
    existing = session.execute(
        select(OrgCase).where(OrgCase.org_id == org_id, OrgCase.kind == "veto", OrgCase.year == on.year)
    ).scalars().first()
    if existing is not None:
        raise UserError("case.veto_exists", name=org.name, year=on.year, opened=existing.opened_on.isoformat())
    case = record_veto(session, org_id, on.year, text_, operator).case
    if case is None:  # set_review_input found a veto case after all: never two
        raise UserError("case.veto_exists", name=org.name, year=on.year, opened=on.isoformat())
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
    pinyin: str = ""  # the org's stored pinyin sort key (screens sort by it; the CLI keeps code points)


@reads_sql
def list_cases(session: Session, centre_id: str | Sequence[str] | None = None, *,
               org_id: str | None = None) -> list[CaseRow]:
    """Every case, open and closed, sorted by org name (code points) then opening time: of one
    centre, of several (a list of ids: the app's all-centres view), or of all (None); with
    ``org_id``, only that organisation's (its page: through the org index, not the centre's ~900)."""
    sql = (
        "SELECT c.id, c.centre_id, ce.name AS centre, c.org_id, o.name AS org, c.kind, c.state, c.opened_on, "
        "c.opened_at, c.months, c.reason, o.pinyin, "
        "(SELECT MAX(r.deadline) FROM rectification_item r WHERE r.case_id = c.id) AS deadline "
        "FROM org_case c JOIN organisation o ON o.id = c.org_id JOIN centre ce ON ce.id = c.centre_id"
    )
    params = {}
    if centre_id is not None:
        from incubator_tui.services.centres import ids_in, scope_ids

        sql += " WHERE " + ids_in("c.centre_id", scope_ids(centre_id), params)
    if org_id is not None:
        sql += (" AND" if centre_id is not None else " WHERE") + " c.org_id = :org"
        params["org"] = org_id
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
                            str(r.opened_at), tuple(months or ()), r.reason, deadline, r.pinyin or ""))
    rows.sort(key=lambda c: (c.org, c.opened_at))
    return rows


# ---------------------------------------------------------------- rectification items


def _item(session: Session, case: OrgCase, item_id: str) -> RectificationItem:
    item = session.get(RectificationItem, item_id)
    if item is None or item.case_id != case.id:
        raise UserError("casework.unknown_item")
    return item


def set_item_done(
    session: Session, case_id: str, item_id: str, operator: str, *, on: date, evidence: str = "",
) -> RectificationItem:
    """Tick an item off (its date and a line of evidence); audited, an event on the case."""
    case = _case(session, case_id)
    if not rules.items_editable(case.state):
        raise UserError("casework.items_locked", state=case.state)
    item = _item(session, case, item_id)
    rules.refuse(rules.check_item_done(on, case.interview_date, today_in_tz()))
    evidence = evidence.strip()
    audit.record_changes(session, operator, "rectification_item", item.id,
                         {"done_on": item.done_on, "evidence": item.evidence}, {"done_on": on, "evidence": evidence})
    item.done_on, item.evidence = on, evidence
    session.add(item)
    text_ = item.description + (f"：{evidence}" if evidence else "")
    _event(session, case, "item_done", case.state, case.state, operator, text_,
           {"item": item.id, "date": on.isoformat(), "evidence": evidence})
    session.flush()
    return item


def reopen_item(session: Session, case_id: str, item_id: str, operator: str) -> RectificationItem:
    """Mark a done item open again (the old date and evidence stay in the audit trail)."""
    case = _case(session, case_id)
    if not rules.items_editable(case.state):
        raise UserError("casework.items_locked", state=case.state)
    item = _item(session, case, item_id)
    if item.done_on is None:
        return item
    audit.record_changes(session, operator, "rectification_item", item.id,
                         {"done_on": item.done_on, "evidence": item.evidence}, {"done_on": None, "evidence": ""})
    item.done_on, item.evidence = None, ""
    session.add(item)
    _event(session, case, "item_reopened", case.state, case.state, operator, item.description, {"item": item.id})
    session.flush()
    return item


def extend_item(
    session: Session, case_id: str, item_id: str, operator: str, *, new_deadline: date, reason: str,
) -> RectificationItem:
    """延期 of one item: a later date and a reason; an extension event on the case."""
    case = _case(session, case_id)
    rules.next_state(case.state, Action.EXTEND)
    item = _item(session, case, item_id)
    rules.refuse(rules.check_extension(item.deadline, new_deadline, reason))
    reason = reason.strip()
    _move(session, case, Action.EXTEND, operator, f"{item.description}：{reason}",
          {"item": item.id, "new_deadline": new_deadline.isoformat(), "reason": reason})
    audit.record(session, operator, "rectification_item", item.id, "deadline", item.deadline, new_deadline)
    item.deadline = new_deadline
    session.add(item)
    session.flush()
    return item


# ---------------------------------------------------------------- the case's page

PAGE_EVENT_ACTIONS = ("open", *(a.value for a in Action), "item_done", "item_reopened", "notice")


@dataclass(frozen=True)
class LostPoints:
    """A checklist item that lost points in a flagged month."""

    month: str
    code: str
    name: str
    earned_cent: int
    max_cent: int
    reason: str


@dataclass(frozen=True)
class ReasonMonth:
    month: str
    total: str  # exact fraction as stored ("27/5")
    lost: tuple[LostPoints, ...]


@dataclass(frozen=True)
class RatingReason:
    year: int
    stars: int
    composite: str | None  # exact fraction as text
    components: tuple[tuple[str, str | None], ...]  # (component code, exact value or None)
    weak: tuple[str, ...]  # the components the organisation must improve


@dataclass(frozen=True)
class ItemRow:
    id: str
    description: str
    owner: str
    deadline: date
    original_deadline: date
    done_on: date | None
    evidence: str

    @property
    def done(self) -> bool:
        return self.done_on is not None


@dataclass(frozen=True)
class EventRow:
    at: object  # datetime (UTC)
    operator: str
    action: str
    from_state: str | None
    to_state: str | None
    text: str
    data: dict


@dataclass(frozen=True)
class CasePage:
    id: str
    centre_id: str
    centre: str
    org_id: str
    org: str
    org_contact: str
    org_base_status: str
    kind: str
    state: str
    opened_on: date
    reason: str
    months: tuple[ReasonMonth, ...]
    rating: RatingReason | None
    interview_date: date | None
    interview_time: str
    interview_place: str
    interviewers: str
    attendees: str
    problems: str
    commitments: str
    review_date: date | None
    review_findings: str
    notice_date: date | None
    handover_deadline: date | None
    objection_deadline: date | None
    exit_date: date | None
    closed_on: date | None
    items: tuple[ItemRow, ...]
    events: tuple[EventRow, ...]
    today: date
    pending_objection: bool
    objected_on: date | None
    default_deadline: date  # for an interview held today
    handover_years_missing: tuple[int, ...]  # years a hand-over counted from today would cross without a list
    planned: dict  # the latest interview notice's time, place and interviewers (to prefill the interview)
    holidays: tuple[date, ...] = ()  # the calendar in force today, for the review form's exit-order preview
    makeup_days: tuple[date, ...] = ()
    handover_days: int = 15
    objection_days: int = 10

    def exit_order_preview(self, notice: date) -> tuple[date, date, tuple[int, ...]]:
        """(hand-over deadline, last day to object, years without a holiday list) of an exit order issued ``notice``."""
        from incubator_tui.rules.workdays import years_without_calendar

        handover = rules.handover_deadline(notice, self.handover_days, self.holidays, self.makeup_days)
        listed = {d.year for d in self.holidays} | {d.year for d in self.makeup_days} | set(self.listed_years)
        return (handover, rules.objection_deadline(notice, self.objection_days),
                tuple(years_without_calendar(notice, handover, listed)))

    listed_years: tuple[int, ...] = ()
    deadline_days: int = 30
    deadline_months: int = 3

    def default_deadline_on(self, day: date) -> date:
        """The default rectification deadline of an interview held ``day`` (settings read with the page)."""
        return rules.default_rectification_deadline(self.kind, day, days=self.deadline_days,
                                                    months=self.deadline_months)

    @property
    def next(self) -> tuple[str, date] | None:
        return rules.next_deadline(self.state, [i.deadline for i in self.items],
                                   objection_until=self.objection_deadline, handover=self.handover_deadline,
                                   pending=self.pending_objection, today=self.today)

    @property
    def overdue(self) -> bool:
        return rules.deadline_overdue(self.next, self.today)

    @property
    def actions(self) -> tuple[str, ...]:
        """The actions legal now (codes): the page offers exactly these keys."""
        out = [a.value for a in rules.allowed_actions(self.state)]
        if not self.pending_objection:
            out = [a for a in out if a not in (Action.OBJECT_UPHELD.value, Action.OBJECT_ACCEPTED.value)]
        else:  # one objection at a time, and no exit before it is decided
            out = [a for a in out if a not in (Action.OBJECT.value, Action.RECORD_EXIT.value)]
        if self.state == CaseState.EXIT_ORDERED.value and self.objection_deadline is not None \
                and self.today > self.objection_deadline:
            out = [a for a in out if a != Action.OBJECT.value]
        return tuple(out)

    @property
    def notices(self) -> tuple[str, ...]:
        return tuple(k.value for k in rules.notices_allowed(self.state))

    @property
    def done_count(self) -> int:
        return sum(1 for i in self.items if i.done)


def _d(value) -> date | None:  # noqa: ANN001 - SQLite hands back text, PostgreSQL dates
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _json(value):  # noqa: ANN001, ANN202
    import json

    if isinstance(value, str):
        return json.loads(value) if value else None
    return value


def _at(value):  # noqa: ANN001, ANN202
    from datetime import datetime

    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


@reads_sql
def load_case_page(session, case_id: str, today: date | None = None) -> CasePage:  # noqa: ANN001 - Session or Connection
    """Everything the case's page shows, read with SQL text (a Session or a plain reading connection)."""
    today = today or today_in_tz()
    c = session.execute(text(
        "SELECT c.*, o.name AS org, o.contact AS org_contact, o.status AS org_status, ce.name AS centre "
        "FROM org_case c JOIN organisation o ON o.id = c.org_id JOIN centre ce ON ce.id = c.centre_id "
        "WHERE c.id = :id"), {"id": case_id}).mappings().first()
    if c is None:
        raise UserError("case.unknown", id=case_id)
    months = tuple(_json(c["months"]) or ())
    totals = tuple(_json(c["totals"]) or ())
    reason_months = _reason_months(session, c["org_id"], months, totals) if c["kind"] == "monthly" else ()
    rating = _rating_reason(session, c["rating_id"]) if c["rating_id"] else None
    items = tuple(
        ItemRow(r.id, r.description, r.owner, _d(r.deadline), _d(r.original_deadline), _d(r.done_on), r.evidence or "")
        for r in session.execute(text(
            "SELECT id, description, owner, deadline, original_deadline, done_on, evidence FROM rectification_item "
            "WHERE case_id = :id ORDER BY position, created_at"), {"id": case_id})
    )
    events = tuple(
        EventRow(_at(r.at), r.operator, r.action, r.from_state, r.to_state, r.text or "", _json(r.data) or {})
        for r in session.execute(text(
            "SELECT at, operator, action, from_state, to_state, text, data FROM case_event WHERE case_id = :id "
            "ORDER BY at, id"), {"id": case_id})
    )
    pending = rules.pending_objection(e.action for e in events)
    objected = max((_d(e.data.get("date")) for e in events if e.action == Action.OBJECT.value and e.data.get("date")),
                   default=None)
    interview_time = next((e.data.get("time", "") for e in reversed(events)
                           if e.action == Action.RECORD_INTERVIEW.value), "")
    planned = next((e.data for e in reversed(events)
                    if e.action == "notice" and e.data.get("kind") == rules.NoticeKind.INTERVIEW.value), {})
    entries = setting_entries(session, c["centre_id"])
    month = today.strftime("%Y-%m")
    default_deadline = rules.default_rectification_deadline(
        c["kind"], today, days=value_in_force(entries, "deadline_days", month),
        months=value_in_force(entries, "deadline_months_annual", month))
    return CasePage(
        id=c["id"], centre_id=c["centre_id"], centre=c["centre"], org_id=c["org_id"], org=c["org"],
        org_contact=c["org_contact"] or "", org_base_status=c["org_status"], kind=c["kind"], state=c["state"],
        opened_on=_d(c["opened_on"]), reason=c["reason"] or "", months=reason_months, rating=rating,
        interview_date=_d(c["interview_date"]), interview_time=interview_time,
        interview_place=c["interview_place"] or "", interviewers=c["interviewers"] or "",
        attendees=c["attendees"] or "", problems=c["problems"] or "", commitments=c["commitments"] or "",
        review_date=_d(c["review_date"]), review_findings=c["review_findings"] or "",
        notice_date=_d(c["notice_date"]), handover_deadline=_d(c["handover_deadline"]),
        objection_deadline=_d(c["objection_deadline"]), exit_date=_d(c["exit_date"]), closed_on=_d(c["closed_on"]),
        items=items, events=events, today=today, pending_objection=pending, objected_on=objected,
        default_deadline=default_deadline,
        handover_years_missing=tuple(handover_years_missing(entries, today)),
        planned=dict(planned),
        holidays=tuple(d for days in (value_in_force(entries, "holidays", month) or {}).values() for d in days),
        makeup_days=tuple(d for days in (value_in_force(entries, "makeup_days", month) or {}).values() for d in days),
        handover_days=value_in_force(entries, "handover_working_days", month),
        objection_days=value_in_force(entries, "objection_days", month),
        deadline_days=value_in_force(entries, "deadline_days", month),
        deadline_months=value_in_force(entries, "deadline_months_annual", month),
        listed_years=tuple(int(y) for y in set((value_in_force(entries, "holidays", month) or {}).keys())
                           | set((value_in_force(entries, "makeup_days", month) or {}).keys())),
    )


def handover_years_missing(entries: list, notice: date) -> list[int]:
    """Years a hand-over deadline counted from ``notice`` crosses with no holiday list (warned about)."""
    from datetime import timedelta

    month = notice.strftime("%Y-%m")
    listed = set((value_in_force(entries, "holidays", month) or {}).keys()) | \
        set((value_in_force(entries, "makeup_days", month) or {}).keys())
    years = {int(y) for y in listed}
    # The deadline is at most a few weeks away: count generously (two calendar days per working day).
    end = notice + timedelta(days=2 * value_in_force(entries, "handover_working_days", month) + 14)
    return rules_years_without(notice, end, years)


def rules_years_without(start: date, end: date, years: set[int]) -> list[int]:
    from incubator_tui.rules.workdays import years_without_calendar

    return years_without_calendar(start, end, years)


def _reason_months(session, org_id: str, months: tuple[str, ...], totals: tuple[str, ...]) -> tuple[ReasonMonth, ...]:  # noqa: ANN001
    if not months:
        return ()
    params = {"o": org_id, **{f"m{i}": m for i, m in enumerate(months)}}
    marks = ", ".join(f":m{i}" for i in range(len(months)))
    rows = session.execute(text(
        "SELECT s.month, i.code, i.name, s.value_cent, i.max_cent, s.reason, i.position FROM score s "
        f"JOIN checklist_item i ON i.id = s.item_id WHERE s.org_id = :o AND s.month IN ({marks}) "
        "AND s.value_cent IS NOT NULL AND s.value_cent < i.max_cent ORDER BY s.month, i.position"), params).all()
    lost: dict[str, list[LostPoints]] = {}
    for r in rows:
        lost.setdefault(r.month, []).append(LostPoints(r.month, r.code, r.name, r.value_cent, r.max_cent, r.reason or ""))
    return tuple(ReasonMonth(m, totals[i] if i < len(totals) else "", tuple(lost.get(m, ())))
                 for i, m in enumerate(months))


WEAK_BELOW = 60  # a component under the pass mark is one the organisation must improve


def _rating_reason(session, rating_id: str) -> RatingReason | None:  # noqa: ANN001
    from fractions import Fraction

    from incubator_tui.rules.rating import COMPONENTS

    r = session.execute(text("SELECT year, stars, composite, inputs FROM rating WHERE id = :id"),
                        {"id": rating_id}).first()
    if r is None:
        return None
    inputs = _json(r.inputs) or {}
    comps = inputs.get("components", {})
    components = tuple((c, comps.get(c)) for c in COMPONENTS)
    present = [(c, Fraction(v)) for c, v in components if v is not None]
    weak = tuple(c for c, v in present if v < WEAK_BELOW)
    if not weak and present:  # none failed: the weakest one
        weak = (min(present, key=lambda p: p[1])[0],)
    return RatingReason(r.year, r.stars, r.composite, components, weak)


def suggested_items(page: CasePage, on: date | None = None) -> list[ItemSpec]:
    """The interview form's first rectification items (DOMAIN 5): one per checklist item that
    lost points in the flagged months, or the rating's weak components, or the violation;
    each owned by the organisation's contact and due on the default deadline."""
    from incubator_tui.i18n import t
    from incubator_tui.rules.scoring import format_total as fmt

    owner = page.org_contact
    deadline = page.default_deadline if on is None else page.default_deadline_on(on)
    if page.kind == "monthly":
        by_code: dict[str, list[LostPoints]] = {}
        for month in page.months:
            for lost in month.lost:
                by_code.setdefault(lost.code, []).append(lost)
        specs = []
        for code, losses in by_code.items():
            reasons = list(dict.fromkeys(x.reason for x in losses if x.reason))
            months = "、".join(x.month for x in losses)
            text_ = t("casework.item_from_checklist", name=losses[0].name, months=months)
            if reasons:
                text_ += "：" + "；".join(reasons)
            specs.append(ItemSpec(text_, owner, deadline))
        if specs:
            return specs
    if page.kind == "annual" and page.rating is not None:
        from fractions import Fraction

        values = dict(page.rating.components)
        specs = [ItemSpec(t("casework.item_from_component", component=t(f"rules.component.{c}"),
                            value=fmt(Fraction(values[c])) if values.get(c) else "—"), owner, deadline)
                 for c in page.rating.weak]
        if specs:
            return specs
    return [ItemSpec(page.reason or t("casework.item_default"), owner, deadline)]
