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
    assert run(A.RECORD_INTERVIEW, A.RECORD_REVIEW_FAIL, A.OBJECT_UPHELD, A.RECORD_EXIT) is S.EXITED


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
    assert allowed_actions("exit_ordered") == [A.OBJECT_UPHELD, A.OBJECT_ACCEPTED, A.RECORD_EXIT, A.WITHDRAW]


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
