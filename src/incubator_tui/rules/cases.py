"""Cases (约谈 → 整改 → 复查 → 结案, or 退出), DOMAIN 5: the state machine and
its deadlines, pure.  An illegal transition is refused here, not only hidden
by the app."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from enum import Enum

from incubator_tui.rules.errors import DomainError, IllegalTransition
from incubator_tui.rules.workdays import add_working_days


class CaseState(str, Enum):
    TO_INTERVIEW = "to_interview"
    RECTIFYING = "rectifying"
    RECTIFIED = "rectified"
    EXIT_ORDERED = "exit_ordered"
    EXITED = "exited"
    WITHDRAWN = "withdrawn"


OPEN_STATES = frozenset({CaseState.TO_INTERVIEW, CaseState.RECTIFYING, CaseState.EXIT_ORDERED})
CLOSED_STATES = frozenset(CaseState) - OPEN_STATES


class CaseKind(str, Enum):
    MONTHLY = "monthly"
    ANNUAL = "annual"
    VETO = "veto"


class Action(str, Enum):
    RECORD_INTERVIEW = "record_interview"
    EXTEND = "extend"
    RECORD_REVIEW_PASS = "record_review_pass"
    RECORD_REVIEW_FAIL = "record_review_fail"  # not rectified: the exit order is issued at once
    OBJECT_UPHELD = "object_upheld"
    OBJECT_ACCEPTED = "object_accepted"
    RECORD_EXIT = "record_exit"
    WITHDRAW = "withdraw"


_S, _A = CaseState, Action
TRANSITIONS: dict[tuple[CaseState, Action], CaseState] = {
    (_S.TO_INTERVIEW, _A.RECORD_INTERVIEW): _S.RECTIFYING,
    (_S.RECTIFYING, _A.EXTEND): _S.RECTIFYING,
    (_S.RECTIFYING, _A.RECORD_REVIEW_PASS): _S.RECTIFIED,
    (_S.RECTIFYING, _A.RECORD_REVIEW_FAIL): _S.EXIT_ORDERED,
    (_S.EXIT_ORDERED, _A.OBJECT_UPHELD): _S.EXIT_ORDERED,
    (_S.EXIT_ORDERED, _A.OBJECT_ACCEPTED): _S.RECTIFYING,
    (_S.EXIT_ORDERED, _A.RECORD_EXIT): _S.EXITED,
    **{(s, _A.WITHDRAW): _S.WITHDRAWN for s in OPEN_STATES},
}


def _state(value: CaseState | str) -> CaseState | None:
    try:
        return CaseState(value)
    except ValueError:
        return None


def _action(value: Action | str) -> Action | None:
    try:
        return Action(value)
    except ValueError:
        return None


def next_state(state: CaseState | str, action: Action | str) -> CaseState:
    """The state after ``action``; IllegalTransition if DOMAIN 5 does not allow it."""
    s, a = _state(state), _action(action)
    result = TRANSITIONS.get((s, a)) if s is not None and a is not None else None
    if result is None:
        raise IllegalTransition(
            "rules.illegal_transition",
            state=getattr(state, "value", state),
            action=getattr(action, "value", action),
        )
    return result


def allowed_actions(state: CaseState | str) -> list[Action]:
    """The actions allowed in ``state``, in Action order (for menus)."""
    s = _state(state)
    return [a for a in Action if (s, a) in TRANSITIONS]


def is_open(state: CaseState | str) -> bool:
    return _state(state) in OPEN_STATES


def add_calendar_months(d: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (30 Nov + 3 → 28/29 Feb)."""
    i = d.year * 12 + d.month - 1 + months
    year, month = divmod(i, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def default_rectification_deadline(
    kind: CaseKind | str, interview_date: date, days: int = 30, months: int = 3
) -> date:
    """Annual cases get ``months`` calendar months; monthly and veto cases ``days`` days."""
    if CaseKind(kind) is CaseKind.ANNUAL:
        return add_calendar_months(interview_date, months)
    return interview_date + timedelta(days=days)


def handover_deadline(
    notice_date: date, working_days: int, holidays: Iterable[date], makeup: Iterable[date]
) -> date:
    """The ``working_days``-th working day after the exit notice."""
    return add_working_days(notice_date, working_days, holidays, makeup)


def objection_deadline(notice_date: date, days: int = 10) -> date:
    """The last day to object: ``days`` days after the notice date, that day included."""
    return notice_date + timedelta(days=days)


def objection_in_time(notice_date: date, objection_date: date, days: int = 10) -> bool:
    return objection_date <= objection_deadline(notice_date, days)


def validate_objection(notice_date: date, objection_date: date, days: int = 10) -> None:
    """Refuse an objection dated before the notice or after the objection period."""
    if objection_date < notice_date:
        raise DomainError("rules.objection_before_notice", date=objection_date, notice=notice_date)
    if not objection_in_time(notice_date, objection_date, days):
        raise DomainError(
            "rules.objection_late", date=objection_date, deadline=objection_deadline(notice_date, days)
        )


def require_reason(reason: str | None) -> str:
    """A reason must be given (extension, withdrawal, re-opening a closed month); returns it stripped."""
    text = (reason or "").strip()
    if not text:
        raise DomainError("rules.reason_required")
    return text


def validate_extension(current_deadline: date, new_deadline: date, reason: str | None) -> str:
    """An extension must move the deadline later and say why; returns the reason stripped."""
    text = require_reason(reason)
    if new_deadline <= current_deadline:
        raise DomainError("rules.extension_not_later", current=current_deadline, new=new_deadline)
    return text


def is_overdue(item_deadlines: Iterable[date], today: date) -> bool:
    """Overdue once the latest item deadline has passed (the deadline day itself is in time)."""
    latest = max(item_deadlines, default=None)
    return latest is not None and today > latest


# Most serious first: the org's status while cases are open.
_SEVERITY = (CaseState.EXIT_ORDERED, CaseState.RECTIFYING, CaseState.TO_INTERVIEW)
FINAL_ORG_STATUSES = frozenset({"exited", "graduated"})


def org_status(base_status: str, open_case_states: Iterable[CaseState | str]) -> str:
    """'exited'/'graduated' win; else the most serious open case's state; else 'incubating'."""
    if base_status in FINAL_ORG_STATUSES:
        return base_status
    present = {_state(s) for s in open_case_states}
    for s in _SEVERITY:
        if s in present:
            return s.value
    return "incubating"
