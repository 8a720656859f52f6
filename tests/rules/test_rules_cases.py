"""Cases (DOMAIN 5): the state machine, its deadlines, and the org's status."""

from datetime import date

import pytest

from incubator_tui.rules.cases import (
    OPEN_STATES,
    Action,
    CaseKind,
    CaseState,
    add_calendar_months,
    allowed_actions,
    default_rectification_deadline,
    handover_deadline,
    is_open,
    is_overdue,
    next_state,
    objection_deadline,
    objection_in_time,
    org_status,
    require_reason,
    validate_extension,
    validate_objection,
)
from incubator_tui.rules.errors import DomainError, IllegalTransition

S, A = CaseState, Action

# DOMAIN 5 written out independently of the module's table: (state, action) → new state.
ALLOWED = {
    (S.TO_INTERVIEW, A.RECORD_INTERVIEW): S.RECTIFYING,
    (S.RECTIFYING, A.EXTEND): S.RECTIFYING,
    (S.RECTIFYING, A.RECORD_REVIEW_PASS): S.RECTIFIED,
    (S.RECTIFYING, A.RECORD_REVIEW_FAIL): S.EXIT_ORDERED,
    (S.EXIT_ORDERED, A.OBJECT): S.EXIT_ORDERED,
    (S.EXIT_ORDERED, A.OBJECT_UPHELD): S.EXIT_ORDERED,
    (S.EXIT_ORDERED, A.OBJECT_ACCEPTED): S.RECTIFYING,
    (S.EXIT_ORDERED, A.RECORD_EXIT): S.EXITED,
    (S.TO_INTERVIEW, A.WITHDRAW): S.WITHDRAWN,
    (S.RECTIFYING, A.WITHDRAW): S.WITHDRAWN,
    (S.EXIT_ORDERED, A.WITHDRAW): S.WITHDRAWN,
}


def run(*actions, state=S.TO_INTERVIEW):
    for a in actions:
        state = next_state(state, a)
    return state


def test_codes_are_the_documented_ones():
    assert [s.value for s in S] == ["to_interview", "rectifying", "rectified", "exit_ordered", "exited", "withdrawn"]
    assert [k.value for k in CaseKind] == ["monthly", "annual", "veto"]
    assert OPEN_STATES == {S.TO_INTERVIEW, S.RECTIFYING, S.EXIT_ORDERED}


def test_rectified_path():
    assert run(A.RECORD_INTERVIEW, A.EXTEND, A.EXTEND, A.RECORD_REVIEW_PASS) is S.RECTIFIED


def test_exit_path_with_an_objection_upheld():
    assert run(A.RECORD_INTERVIEW, A.RECORD_REVIEW_FAIL, A.OBJECT, A.OBJECT_UPHELD, A.RECORD_EXIT) is S.EXITED


def test_objection_accepted_goes_back_to_rectifying():
    state = run(A.RECORD_INTERVIEW, A.RECORD_REVIEW_FAIL, A.OBJECT_ACCEPTED)
    assert state is S.RECTIFYING
    assert run(A.RECORD_REVIEW_PASS, state=state) is S.RECTIFIED


@pytest.mark.parametrize("state", sorted(OPEN_STATES))
def test_any_open_case_can_be_withdrawn(state):
    assert next_state(state, A.WITHDRAW) is S.WITHDRAWN


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_transition_is_allowed_or_refused_exactly_as_documented(state, action):
    if (state, action) in ALLOWED:
        assert next_state(state, action) is ALLOWED[(state, action)]
        assert next_state(state.value, action.value) is ALLOWED[(state, action)]  # codes from the database
        assert action in allowed_actions(state)
    else:
        with pytest.raises(IllegalTransition) as e:
            next_state(state, action)
        assert e.value.key == "rules.illegal_transition"
        assert e.value.params == {"state": state.value, "action": action.value}
        assert action not in allowed_actions(state)


def test_closed_cases_allow_nothing():
    for state in (S.RECTIFIED, S.EXITED, S.WITHDRAWN):
        assert allowed_actions(state) == [] and not is_open(state)


def test_allowed_actions_in_order():
    assert allowed_actions(S.RECTIFYING) == [A.EXTEND, A.RECORD_REVIEW_PASS, A.RECORD_REVIEW_FAIL, A.WITHDRAW]
    assert allowed_actions("exit_ordered") == [A.OBJECT, A.OBJECT_UPHELD, A.OBJECT_ACCEPTED, A.RECORD_EXIT, A.WITHDRAW]


def test_unknown_codes_are_illegal():
    with pytest.raises(IllegalTransition) as e:
        next_state("closed", "record_exit")
    assert e.value.params == {"state": "closed", "action": "record_exit"}
    with pytest.raises(IllegalTransition):
        next_state(S.RECTIFYING, "reopen")
    assert allowed_actions("nonsense") == []


def test_illegal_transition_message_names_state_and_action():
    from incubator_tui.i18n import get_language, set_language

    err = pytest.raises(IllegalTransition, next_state, S.RECTIFIED, A.EXTEND).value
    lang = get_language()
    try:
        set_language("zh")
        assert str(err) == "案件处于“整改到位”状态，不能延期"
        set_language("en")
        assert str(err) == "A case in the state “rectified” cannot extend the deadline"
    finally:
        set_language(lang)


# ------------------------------------------------------------------ deadlines


def test_default_rectification_deadline():
    assert default_rectification_deadline(CaseKind.MONTHLY, date(2024, 3, 10)) == date(2024, 4, 9)
    assert default_rectification_deadline("veto", date(2024, 12, 15)) == date(2025, 1, 14)
    assert default_rectification_deadline(CaseKind.ANNUAL, date(2024, 1, 15)) == date(2024, 4, 15)
    assert default_rectification_deadline(CaseKind.MONTHLY, date(2024, 3, 10), days=15) == date(2024, 3, 25)
    assert default_rectification_deadline(CaseKind.ANNUAL, date(2024, 1, 15), months=6) == date(2024, 7, 15)


def test_annual_deadline_is_clamped_to_month_end():
    assert default_rectification_deadline(CaseKind.ANNUAL, date(2024, 11, 30)) == date(2025, 2, 28)
    assert default_rectification_deadline(CaseKind.ANNUAL, date(2023, 11, 30)) == date(2024, 2, 29)
    assert default_rectification_deadline(CaseKind.ANNUAL, date(2024, 1, 31)) == date(2024, 4, 30)
    assert add_calendar_months(date(2024, 12, 31), -1) == date(2024, 11, 30)


def test_handover_deadline_counts_working_days_with_the_holiday_calendar():
    # 2024 National Day: 1-7 Oct off; Sunday 29 Sep and Saturday 12 Oct worked instead.
    holidays = [date(2024, 10, d) for d in range(1, 8)]
    makeup = [date(2024, 9, 29), date(2024, 10, 12)]
    assert handover_deadline(date(2024, 9, 27), 15, holidays, makeup) == date(2024, 10, 23)
    # Without a calendar, 15 working days are three weeks.
    assert handover_deadline(date(2024, 9, 27), 15, [], []) == date(2024, 10, 18)


def test_objection_period_includes_its_last_day():
    notice = date(2024, 5, 1)
    assert objection_deadline(notice) == date(2024, 5, 11)
    assert objection_in_time(notice, date(2024, 5, 11), 10)
    assert not objection_in_time(notice, date(2024, 5, 12), 10)
    assert objection_in_time(notice, date(2024, 5, 12), 11)
    validate_objection(notice, date(2024, 5, 1))
    with pytest.raises(DomainError) as e:
        validate_objection(notice, date(2024, 5, 12))
    assert e.value.key == "rules.objection_late" and e.value.params["deadline"] == date(2024, 5, 11)
    with pytest.raises(DomainError) as e:
        validate_objection(notice, date(2024, 4, 30))
    assert e.value.key == "rules.objection_before_notice"


def test_extension_needs_a_later_deadline_and_a_reason():
    cur = date(2024, 4, 9)
    assert validate_extension(cur, date(2024, 4, 10), "  场地装修  ") == "场地装修"
    for reason in (None, "", "   "):
        with pytest.raises(DomainError) as e:
            validate_extension(cur, date(2024, 5, 1), reason)
        assert e.value.key == "rules.reason_required"
    for new in (cur, date(2024, 4, 8)):
        with pytest.raises(DomainError) as e:
            validate_extension(cur, new, "理由")
        assert e.value.key == "rules.extension_not_later"


def test_require_reason():
    assert require_reason(" 评分录入错误 ") == "评分录入错误"
    with pytest.raises(DomainError):
        require_reason("\n")


def test_overdue_once_the_latest_item_deadline_has_passed():
    deadlines = [date(2024, 4, 1), date(2024, 4, 9)]
    assert not is_overdue(deadlines, date(2024, 4, 5))
    assert not is_overdue(deadlines, date(2024, 4, 9))  # the deadline day itself is in time
    assert is_overdue(deadlines, date(2024, 4, 10))
    assert not is_overdue([], date(2030, 1, 1))
    assert is_overdue(iter(deadlines), date(2024, 4, 10))  # any iterable


# ------------------------------------------------------------------ org status


def test_org_status_from_the_most_serious_open_case():
    assert org_status("incubating", []) == "incubating"
    assert org_status("incubating", [S.TO_INTERVIEW]) == "to_interview"
    assert org_status("incubating", [S.TO_INTERVIEW, S.RECTIFYING]) == "rectifying"
    assert org_status("incubating", ["rectifying", "exit_ordered", "to_interview"]) == "exit_ordered"
    assert org_status("incubating", [S.RECTIFIED, S.WITHDRAWN]) == "incubating"  # closed cases don't count


def test_exited_and_graduated_win():
    assert org_status("exited", [S.EXIT_ORDERED]) == "exited"
    assert org_status("graduated", [S.RECTIFYING]) == "graduated"


# ------------------------------------------------------------------ recording events (form and service checks)

from incubator_tui.rules.cases import (  # noqa: E402
    NoticeKind,
    check_decision,
    check_exit,
    check_extension,
    check_interview,
    check_item,
    check_item_done,
    check_objection,
    check_review,
    check_withdraw,
    chinese_date,
    deadline_overdue,
    default_notice_prefix,
    items_editable,
    next_deadline,
    notice_number,
    notices_allowed,
    parse_date_time,
    pending_objection,
    refuse,
)

TODAY = date(2026, 12, 10)
OPENED = date(2026, 11, 2)


def keys(problems):
    return {field: err.key for field, err in problems.items()}


def test_interview_needs_date_place_interviewers_and_sane_item_deadlines():
    ok = check_interview(date(2026, 11, 20), OPENED, TODAY, "二楼", "王主任", [("补齐台账", date(2026, 12, 20))])
    assert ok == {}
    problems = check_interview(None, OPENED, TODAY, " ", "", [])
    assert keys(problems) == {"date": "casework.required", "place": "casework.required",
                              "interviewers": "casework.required", "items": "casework.items_required"}
    assert keys(check_interview(date(2026, 11, 1), OPENED, TODAY, "a", "b", [("x", date(2026, 12, 1))])) == \
        {"date": "casework.before_opened"}
    assert keys(check_interview(date(2026, 12, 11), OPENED, TODAY, "a", "b", [("x", date(2026, 12, 31))])) == \
        {"date": "casework.date_future"}
    # a deadline before the interview, an item without text, an item without a deadline
    problems = check_interview(date(2026, 11, 20), OPENED, TODAY, "a", "b",
                               [("x", date(2026, 11, 19)), ("", date(2026, 12, 1)), ("y", None)])
    assert keys(problems) == {"item.0": "casework.deadline_before_interview",
                              "item.1": "casework.item_description_required",
                              "item.2": "casework.item_deadline_required"}
    # the interview day itself is a possible deadline
    assert check_interview(date(2026, 11, 20), OPENED, TODAY, "a", "b", [("x", date(2026, 11, 20))]) == {}
    assert keys(check_item("", date(2026, 11, 1), date(2026, 11, 20))) == \
        {"description": "casework.required", "deadline": "casework.deadline_before_interview"}


def test_review_needs_a_result_and_a_date_not_before_the_interview():
    interview = date(2026, 11, 20)
    assert check_review(True, date(2026, 12, 1), interview, TODAY) == {}
    assert check_review(False, interview, interview, TODAY) == {}
    assert keys(check_review(None, None, interview, TODAY)) == {"result": "casework.result_required",
                                                                "date": "casework.required"}
    assert keys(check_review(True, date(2026, 11, 19), interview, TODAY)) == {"date": "casework.review_before_interview"}
    assert keys(check_review(True, date(2026, 12, 11), interview, TODAY)) == {"date": "casework.date_future"}


def test_extension_item_done_exit_withdraw_checks():
    assert check_extension(date(2026, 12, 1), date(2026, 12, 2), "培训") == {}
    assert keys(check_extension(date(2026, 12, 1), date(2026, 12, 1), " ")) == \
        {"reason": "casework.required", "deadline": "rules.extension_not_later"}
    assert keys(check_extension(date(2026, 12, 1), None, "x")) == {"deadline": "casework.required"}
    interview = date(2026, 11, 20)
    assert check_item_done(interview, interview, TODAY) == {}
    assert keys(check_item_done(date(2026, 11, 19), interview, TODAY)) == {"date": "casework.done_before_interview"}
    notice = date(2026, 12, 1)
    assert check_exit(notice, notice, TODAY) == {}
    assert keys(check_exit(date(2026, 11, 30), notice, TODAY)) == {"date": "casework.exit_before_order"}
    assert keys(check_withdraw("  ")) == {"reason": "casework.required"}
    assert check_withdraw("评分录入错误") == {}
    with pytest.raises(DomainError) as e:
        refuse(check_exit(date(2026, 11, 30), notice, TODAY))
    assert e.value.key == "casework.exit_before_order"
    refuse({})  # nothing to refuse


def test_objection_and_its_decision():
    notice = date(2026, 12, 1)
    assert check_objection(date(2026, 12, 5), notice, TODAY, "扣分过严", 10) == {}
    assert keys(check_objection(date(2026, 12, 5), notice, TODAY, "", 10)) == {"objection": "casework.required"}
    assert keys(check_objection(date(2026, 11, 30), notice, TODAY, "x", 10)) == {"date": "rules.objection_before_notice"}
    assert keys(check_objection(date(2026, 12, 12), notice, date(2026, 12, 20), "x", 10)) == \
        {"date": "rules.objection_late"}
    objected = date(2026, 12, 5)
    assert check_decision(False, date(2026, 12, 6), objected, TODAY, None) == {}
    assert check_decision(True, date(2026, 12, 6), objected, TODAY, date(2027, 1, 6)) == {}
    assert keys(check_decision(True, date(2026, 12, 6), objected, TODAY, None)) == {"deadline": "casework.required"}
    assert keys(check_decision(True, date(2026, 12, 6), objected, TODAY, date(2026, 12, 6))) == \
        {"deadline": "casework.deadline_not_after"}
    assert keys(check_decision(None, date(2026, 12, 4), objected, TODAY, None)) == \
        {"result": "casework.result_required", "date": "casework.decision_before_objection"}
    assert not pending_objection([])
    assert pending_objection(["open", "record_interview", "record_review_fail", "object"])
    assert not pending_objection(["object", "object_upheld"])
    assert pending_objection(["object", "object_upheld", "object"])


def test_items_editable_only_while_rectifying():
    assert [s for s in S if items_editable(s)] == [S.RECTIFYING]


def test_next_deadline_and_overdue():
    items = [date(2026, 12, 1), date(2026, 12, 20)]
    nxt = next_deadline(S.RECTIFYING, items, today=TODAY)
    assert nxt == ("rectify", date(2026, 12, 20)) and not deadline_overdue(nxt, TODAY)
    assert deadline_overdue(nxt, date(2026, 12, 21))
    assert next_deadline(S.TO_INTERVIEW, items, today=TODAY) is None
    kw = dict(objection_until=date(2026, 12, 11), handover=date(2026, 12, 22))
    assert next_deadline(S.EXIT_ORDERED, [], today=TODAY, **kw) == ("objection", date(2026, 12, 11))
    # an objection waiting for its decision, or the period over: the hand-over is next
    assert next_deadline(S.EXIT_ORDERED, [], today=TODAY, pending=True, **kw) == ("handover", date(2026, 12, 22))
    late = next_deadline(S.EXIT_ORDERED, [], today=date(2026, 12, 23), **kw)
    assert late == ("handover", date(2026, 12, 22)) and deadline_overdue(late, date(2026, 12, 23))
    assert not deadline_overdue(("objection", date(2026, 12, 1)), TODAY)
    assert next_deadline(S.EXITED, items, today=TODAY) is None


def test_notices_by_state_and_their_numbers_and_dates():
    assert notices_allowed(S.TO_INTERVIEW) == [NoticeKind.INTERVIEW]
    assert notices_allowed(S.RECTIFYING) == [NoticeKind.RECTIFICATION]
    assert notices_allowed(S.EXIT_ORDERED) == notices_allowed(S.EXITED) == [NoticeKind.EXIT]
    assert notices_allowed(S.WITHDRAWN) == notices_allowed(S.RECTIFIED) == []
    assert notice_number("雪宫孵", NoticeKind.INTERVIEW, 2026, 3) == "雪宫孵约〔2026〕3号"
    assert notice_number("稷下孵", "exit", 2027, 12) == "稷下孵退〔2027〕12号"
    assert notice_number("X", "rectification", 2026, 1) == "X改〔2026〕1号"
    assert default_notice_prefix("雪宫社会组织创新发展中心") == "雪宫孵"
    assert chinese_date(date(2026, 12, 3)) == "2026年12月3日"
    assert chinese_date(date(2027, 1, 31)) == "2027年1月31日"


def test_parse_date_time():
    assert parse_date_time("2026-12-03 14:30") == (date(2026, 12, 3), "14:30")
    assert parse_date_time("２０２６年１２月３日 9：05") == (date(2026, 12, 3), "09:05")
    assert parse_date_time("2026/12/3") == (date(2026, 12, 3), "")
    for bad in ("2026-12-03 25:00", "2026-02-30 10:00", "明天", ""):
        with pytest.raises(DomainError):
            parse_date_time(bad)


def test_working_days_across_a_weekend_a_holiday_and_a_makeup_day():
    # Notice on Thursday 2026-09-24; Mid-Autumn/National Day 2026: 1-7 Oct off (Thu-Wed);
    # Sunday 27 Sep and Saturday 10 Oct worked instead.
    holidays = [date(2026, 10, d) for d in range(1, 8)]
    makeup = [date(2026, 9, 27), date(2026, 10, 10)]
    # 25 Fri(1), 27 Sun make-up(2), 28 Mon(3), 29(4), 30(5), [1-7 off, 3-4 weekend], 8 Thu(6), 9 Fri(7), 10 Sat(8)
    assert handover_deadline(date(2026, 9, 24), 8, holidays, makeup) == date(2026, 10, 10)
    assert handover_deadline(date(2026, 9, 24), 6, holidays, makeup) == date(2026, 10, 8)
    # without the list the weekend is skipped and the holiday counted
    assert handover_deadline(date(2026, 9, 24), 6, [], []) == date(2026, 10, 2)
