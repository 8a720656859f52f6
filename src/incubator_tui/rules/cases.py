"""Cases (约谈 → 整改 → 复查 → 结案, or 退出), DOMAIN 5: the state machine and
its deadlines, pure.  An illegal transition is refused here, not only hidden
by the app."""

from __future__ import annotations

import calendar
import re
import unicodedata
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
    OBJECT = "object"  # the org objects (申诉); its decision comes later
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
    (_S.EXIT_ORDERED, _A.OBJECT): _S.EXIT_ORDERED,
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


# ------------------------------------------------------------------ recording events
#
# Each check returns the problems it found by field ({field: DomainError}), so
# that a form can show each one beside its field; the services call the same
# checks and refuse the first problem, so nothing is saved half-way.

Problems = dict[str, DomainError]


def _required(problems: Problems, field: str, value: str | None) -> None:
    if not (value or "").strip():
        problems[field] = DomainError("casework.required")


def _dated(problems: Problems, field: str, on: date | None, *, not_before: date | None, before_key: str,
           today: date | None) -> None:
    """A date that must exist, not run backwards (before ``not_before``) and not lie in the future."""
    if on is None:
        problems.setdefault(field, DomainError("casework.required"))
        return
    if not_before is not None and on < not_before:
        problems[field] = DomainError(before_key, date=on.isoformat(), other=not_before.isoformat())
    elif today is not None and on > today:
        problems[field] = DomainError("casework.date_future", date=on.isoformat(), today=today.isoformat())


def check_interview(
    on: date | None, opened_on: date, today: date, place: str, interviewers: str,
    items: Iterable[tuple[str, date | None]],
) -> Problems:
    """The interview: date (not before the case opened, not in the future), place and
    interviewers required; each item needs a description and a deadline not before the
    interview.  Item problems are keyed ``item.N`` (N from 0)."""
    problems: Problems = {}
    _dated(problems, "date", on, not_before=opened_on, before_key="casework.before_opened", today=today)
    _required(problems, "place", place)
    _required(problems, "interviewers", interviewers)
    items = list(items)
    if not items:
        problems["items"] = DomainError("casework.items_required")
    for i, (description, deadline) in enumerate(items):
        if not (description or "").strip():
            problems[f"item.{i}"] = DomainError("casework.item_description_required")
        elif deadline is None:
            problems[f"item.{i}"] = DomainError("casework.item_deadline_required")
        elif on is not None and deadline < on:
            problems[f"item.{i}"] = DomainError("casework.deadline_before_interview", date=deadline.isoformat(),
                                                other=on.isoformat())
    return problems


def check_item(description: str, deadline: date | None, interview: date | None) -> Problems:
    """One rectification item as added or edited: a description and a deadline not before the interview."""
    problems: Problems = {}
    _required(problems, "description", description)
    if deadline is None:
        problems["deadline"] = DomainError("casework.required")
    elif interview is not None and deadline < interview:
        problems["deadline"] = DomainError("casework.deadline_before_interview", date=deadline.isoformat(),
                                           other=interview.isoformat())
    return problems


def check_review(passed: bool | None, on: date | None, interview: date | None, today: date) -> Problems:
    """The review: a result (rectified or not) and a date not before the interview."""
    problems: Problems = {}
    if passed is None:
        problems["result"] = DomainError("casework.result_required")
    _dated(problems, "date", on, not_before=interview, before_key="casework.review_before_interview", today=today)
    return problems


def check_extension(current: date | None, new: date | None, reason: str | None) -> Problems:
    """An extension (of one item or the whole case): a reason and a later date."""
    problems: Problems = {}
    _required(problems, "reason", reason)
    if new is None:
        problems["deadline"] = DomainError("casework.required")
    elif current is not None and new <= current:
        problems["deadline"] = DomainError("rules.extension_not_later", current=current, new=new)
    return problems


def check_item_done(on: date | None, interview: date | None, today: date) -> Problems:
    problems: Problems = {}
    _dated(problems, "date", on, not_before=interview, before_key="casework.done_before_interview", today=today)
    return problems


def check_objection(on: date | None, notice: date | None, today: date, objection: str, days: int) -> Problems:
    """An objection: what the org objects to, dated from the notice to the end of the objection period."""
    problems: Problems = {}
    _required(problems, "objection", objection)
    if on is None:
        problems["date"] = DomainError("casework.required")
    elif notice is not None:
        try:
            validate_objection(notice, on, days)
        except DomainError as err:
            problems["date"] = err
    if "date" not in problems and on is not None and on > today:
        problems["date"] = DomainError("casework.date_future", date=on.isoformat(), today=today.isoformat())
    return problems


def check_decision(accepted: bool | None, on: date | None, objected_on: date | None, today: date,
                   new_deadline: date | None) -> Problems:
    """The decision on an objection: upheld or accepted, dated not before the objection;
    accepted needs a new rectification deadline after the decision."""
    problems: Problems = {}
    if accepted is None:
        problems["result"] = DomainError("casework.result_required")
    _dated(problems, "date", on, not_before=objected_on, before_key="casework.decision_before_objection",
           today=today)
    if accepted:
        if new_deadline is None:
            problems["deadline"] = DomainError("casework.required")
        elif on is not None and new_deadline <= on:
            problems["deadline"] = DomainError("casework.deadline_not_after", date=new_deadline.isoformat(),
                                               other=on.isoformat())
    return problems


def check_exit(on: date | None, notice: date | None, today: date) -> Problems:
    """The exit: not before the exit order's notice."""
    problems: Problems = {}
    _dated(problems, "date", on, not_before=notice, before_key="casework.exit_before_order", today=today)
    return problems


def check_withdraw(reason: str | None) -> Problems:
    problems: Problems = {}
    _required(problems, "reason", reason)
    return problems


def refuse(problems: Problems) -> None:
    """Raise the first problem (services: nothing is written when a check fails)."""
    if problems:
        raise next(iter(problems.values()))


def pending_objection(actions: Iterable[str]) -> bool:
    """Is an objection waiting for its decision?  ``actions``: the case's event actions, oldest first."""
    pending = False
    for a in actions:
        if a == Action.OBJECT.value:
            pending = True
        elif a in (Action.OBJECT_UPHELD.value, Action.OBJECT_ACCEPTED.value):
            pending = False
    return pending


def validate_decision_pending(pending: bool) -> None:
    if not pending:
        raise DomainError("casework.no_objection")


def validate_no_pending_objection(pending: bool) -> None:
    """The exit is recorded once a pending objection has been decided."""
    if pending:
        raise DomainError("casework.objection_pending")


def items_editable(state: CaseState | str) -> bool:
    """Items are ticked off (done / open) and extended while the case is rectifying."""
    return _state(state) is CaseState.RECTIFYING


# ------------------------------------------------------------------ deadlines shown


def next_deadline(
    state: CaseState | str, item_deadlines: Iterable[date], *, objection_until: date | None = None,
    handover: date | None = None, pending: bool = False, today: date,
) -> tuple[str, date] | None:
    """What the case waits for next and by when: ('rectify', latest item deadline) while
    rectifying; once the exit is ordered, ('objection', last day) while the period runs and
    no objection waits, else ('handover', deadline).  None when nothing is due."""
    s = _state(state)
    if s is CaseState.RECTIFYING:
        latest = max(item_deadlines, default=None)
        return ("rectify", latest) if latest is not None else None
    if s is CaseState.EXIT_ORDERED:
        if objection_until is not None and today <= objection_until and not pending:
            return ("objection", objection_until)
        return ("handover", handover) if handover is not None else None
    return None


def deadline_overdue(kind_and_date: tuple[str, date] | None, today: date) -> bool:
    """Overdue: the day after the deadline (an objection period simply ends: not overdue)."""
    return kind_and_date is not None and kind_and_date[0] != "objection" and today > kind_and_date[1]


# ------------------------------------------------------------------ notices


class NoticeKind(str, Enum):
    INTERVIEW = "interview"  # 约谈通知书
    RECTIFICATION = "rectification"  # 整改通知书
    EXIT = "exit"  # 退出通知书


NOTICE_CODES = {NoticeKind.INTERVIEW: "约", NoticeKind.RECTIFICATION: "改", NoticeKind.EXIT: "退"}


def notices_allowed(state: CaseState | str) -> list[NoticeKind]:
    """The interview notice before the interview; the rectification notice once it was
    recorded and while rectifying; the exit notice once the exit is ordered (also after
    the exit, to print it again)."""
    s = _state(state)
    if s is CaseState.TO_INTERVIEW:
        return [NoticeKind.INTERVIEW]
    if s is CaseState.RECTIFYING:
        return [NoticeKind.RECTIFICATION]
    if s in (CaseState.EXIT_ORDERED, CaseState.EXITED):
        return [NoticeKind.EXIT]
    return []


def default_notice_prefix(centre_name: str) -> str:
    """雪宫社会组织创新发展中心 → 雪宫孵: the name's first two characters and 孵."""
    return (centre_name.strip()[:2] or "中心") + "孵"


def notice_number(prefix: str, kind: NoticeKind | str, year: int, seq: int) -> str:
    """雪宫孵约〔2026〕3号: per centre, kind and year."""
    return f"{prefix}{NOTICE_CODES[NoticeKind(kind)]}〔{year}〕{seq}号"


def chinese_date(d: date) -> str:
    """2026年12月3日 (no leading zeros, as official documents write it)."""
    return f"{d.year}年{d.month}月{d.day}日"


_TIME_RE = re.compile(r"(\d{1,2})[:：](\d{2})\s*$")


def parse_date_time(text: str) -> tuple[date, str]:
    """'2026-12-03 14:30' (any date form parse_date takes, the time optional) → (date, '14:30' or '')."""
    from incubator_tui.rules.months import parse_date

    raw = unicodedata.normalize("NFKC", text or "").strip()
    m = _TIME_RE.search(raw)
    clock = ""
    if m and len(raw) > len(m.group(0)):
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            raise DomainError("casework.bad_time", text=m.group(0).strip())
        clock = f"{hour:02d}:{minute:02d}"
        raw = raw[: m.start()].strip()
    return parse_date(raw), clock
