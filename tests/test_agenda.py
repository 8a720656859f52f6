"""The dashboard's agenda (issue #9): what falls due in the next 7 days and what is overdue
on the open cases; the flag, case and agenda lines lead somewhere (issue #13); the warning
about a year without a holiday list (issue #12).  The service, then the screen by keys."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from textual.widgets import Static

from incubator_tui.models import OrgCase
from incubator_tui.screens.case_page import CasePageScreen
from incubator_tui.screens.dashboard_screen import DashboardScreen, EntryList
from incubator_tui.screens.org_page import OrgPageScreen
from incubator_tui.services import cases as cs
from incubator_tui.services.dashboard import load_dashboard
from incubator_tui.services.orgs import add_org
from tests.helpers import make_org, score_month
from tests.test_app import make_app, settle
from tests.waiting import wait_until

TODAY = date(2026, 11, 15)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", TODAY.isoformat())


def veto(s, centre, name: str, opened: date) -> str:
    org, _ = add_org(s, centre.id, {"name": name, "category": "community", "entry_date": date(2024, 1, 1),
                                    "contact": "陈晨"}, "tester")
    return cs.open_case(s, org, "veto", "消防通道堆放杂物", "tester", year=2026, on=opened).id


@pytest.fixture
def agenda_data(db, centre):
    """Cases as of 2026-11-15, one per thing the agenda lists (and two it leaves out)."""
    ids = {}
    with db.session() as s:
        # rectifying: one item overdue (11-10), one due 11-20, so the review is due 11-20
        c = ids["晨光公益服务社"] = veto(s, centre, "晨光公益服务社", date(2026, 11, 2))
        cs.record_interview(s, c, "tester", on=date(2026, 11, 5), place="二楼", interviewers="王主任",
                            items=[cs.ItemSpec("清理消防通道", "陈晨", date(2026, 11, 10)),
                                   cs.ItemSpec("补齐台账", "陈晨", date(2026, 11, 20))])
        # waiting for its interview, none planned: to arrange now
        ids["阳光助老协会"] = veto(s, centre, "阳光助老协会", date(2026, 11, 10))
        # exit ordered on 11-12: the objection period ends 11-22; the hand-over (15 working days) is later
        c = ids["爱心互助会"] = veto(s, centre, "爱心互助会", date(2026, 11, 2))
        cs.record_interview(s, c, "tester", on=date(2026, 11, 3), place="二楼", interviewers="王主任")
        cs.record_review(s, c, "tester", on=date(2026, 11, 12), passed=False)
        # exit ordered on 10-01: the hand-over deadline has passed
        c = ids["北辰读书会"] = veto(s, centre, "北辰读书会", date(2026, 9, 1))
        cs.record_interview(s, c, "tester", on=date(2026, 9, 2), place="二楼", interviewers="王主任")
        cs.record_review(s, c, "tester", on=date(2026, 10, 1), passed=False)
        # exit ordered, an objection waits for its decision
        c = ids["绿洲环保社"] = veto(s, centre, "绿洲环保社", date(2026, 11, 2))
        cs.record_interview(s, c, "tester", on=date(2026, 11, 3), place="二楼", interviewers="王主任")
        cs.record_review(s, c, "tester", on=date(2026, 11, 12), passed=False)
        cs.file_objection(s, c, "tester", on=date(2026, 11, 13), objection="复查时材料未齐")
        # rectifying, due in December: not in the agenda
        c = ids["墨韵书画社"] = veto(s, centre, "墨韵书画社", date(2026, 11, 2))
        cs.record_interview(s, c, "tester", on=date(2026, 11, 5), place="二楼", interviewers="王主任",
                            items=[cs.ItemSpec("整改", "陈晨", date(2026, 12, 30))])
        # closed: not in the agenda
        c = veto(s, centre, "启明社区服务中心", date(2026, 11, 2))
        cs.withdraw(s, c, "tester", reason="误报", on=date(2026, 11, 3))
    return ids


def test_the_agenda_lists_what_falls_due_within_7_days_and_what_is_overdue(db, centre, agenda_data):
    with db.session() as s:
        d = load_dashboard(s, centre.id)
    ids = agenda_data
    got = [(a.org, a.what, a.due, a.overdue, a.detail) for a in d.agenda]
    assert got == [
        ("北辰读书会", "handover", date(2026, 10, 22), True, ""),
        ("晨光公益服务社", "item", date(2026, 11, 10), True, "清理消防通道"),
        ("绿洲环保社", "objection_decide", None, False, ""),  # things to do now: in pinyin order
        ("阳光助老协会", "interview", None, False, ""),
        ("晨光公益服务社", "item", date(2026, 11, 20), False, "补齐台账"),
        ("晨光公益服务社", "review", date(2026, 11, 20), False, ""),
        ("爱心互助会", "objection_ends", date(2026, 11, 22), False, ""),
    ]
    assert {a.case_id for a in d.agenda} == {ids[n] for n in ("北辰读书会", "晨光公益服务社", "阳光助老协会",
                                                            "绿洲环保社", "爱心互助会")}


def test_a_planned_interview_is_due_on_its_day_and_a_done_item_is_not_listed(db, centre, agenda_data):
    from incubator_tui.services.cases import _event

    with db.session() as s:
        case = s.get(OrgCase, agenda_data["阳光助老协会"])
        _event(s, case, "notice", case.state, case.state, "tester", "约谈通知书",
               {"kind": "interview", "time": "2026-11-18 14:30", "place": "三楼会议室"})
        cs.set_item_done(s, agenda_data["晨光公益服务社"],
                         s.execute(select(cs.RectificationItem.id).where(
                             cs.RectificationItem.description == "清理消防通道")).scalar_one(),
                         "tester", on=date(2026, 11, 14), evidence="已清理")
    with db.session() as s:
        d = load_dashboard(s, centre.id)
    lines = {(a.org, a.what): a for a in d.agenda}
    assert (lines[("阳光助老协会", "interview")].due, lines[("阳光助老协会", "interview")].detail) == \
        (date(2026, 11, 18), "三楼会议室")
    assert [a.detail for a in d.agenda if a.what == "item"] == ["补齐台账"]
    with db.session() as s:  # a week later: the planned interview has passed without being held
        late = {(a.org, a.what): a for a in load_dashboard(s, centre.id, today=date(2026, 11, 19)).agenda}
    assert late[("阳光助老协会", "interview")].overdue


def test_years_without_a_holiday_list_are_reported(db, centre):
    from incubator_tui.services.settings import write_calendars

    with db.session() as s:
        assert load_dashboard(s, centre.id).holidays_missing == (2026, 2027)
        write_calendars(s, centre.id, {2026: ([date(2026, 10, 1)], [])}, "tester")
    with db.session() as s:
        assert load_dashboard(s, centre.id).holidays_missing == (2027,)


async def test_lines_lead_to_the_org_page_and_the_case_pages_by_keys(db, centre, agenda_data):
    flagged = make_org(db, centre, "星火志愿服务队")
    for m in ("2026-08", "2026-09", "2026-10"):
        score_month(db, centre, flagged, m, "5")
    with db.session() as s:
        monthly = s.execute(select(OrgCase.id).where(OrgCase.org_id == flagged)).scalar_one()
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        flags, agenda, cases = (screen.query_one(f"#{n}", EntryList) for n in ("flags", "agenda", "cases"))
        assert flags.has_focus  # the first list has the focus, its cursor on the first line
        agenda_text = str(agenda.render())
        assert "逾期 10-22" in agenda_text and "移交期限" in agenda_text
        assert "清理消防通道" in agenda_text and "申诉期截止" in agenda_text and "待安排" in agenda_text
        assert "墨韵书画社" not in agenda_text and "启明社区服务中心" not in agenda_text
        assert str(screen.query_one("#agenda-panel").border_title).startswith("待办（7 天内及逾期）8 项（逾期 2）")

        # A flag: Enter opens the organisation's page.
        assert flags.cursor_key == ("org", flagged)
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, OrgPageScreen), what="the org page")
        assert app.screen.org_id == flagged
        await settle(pilot)
        await pilot.press("escape")
        await wait_until(lambda: app.screen is screen)

        # The agenda: Tab to it, down to the second line (晨光's overdue item), Enter opens its case.
        await pilot.press("tab")
        assert agenda.has_focus
        await pilot.press("j")
        assert agenda.cursor_key == ("case", agenda_data["晨光公益服务社"])
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, CasePageScreen) and app.screen.page is not None,
                         what="the case page")
        assert app.screen.case_id == agenda_data["晨光公益服务社"]
        await pilot.press("escape")
        await wait_until(lambda: app.screen is screen)

        # The open cases: Tab to them, k back up from the second to the first, Enter.
        await pilot.press("tab")
        assert cases.has_focus
        first = cases.entries()[0][0]
        await pilot.press("down", "k")
        assert cases.cursor_key == first
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, CasePageScreen), what="the case page")
        assert ("case", app.screen.case_id) == first
        assert first[1] in {monthly, *agenda_data.values()}


async def test_the_dashboard_warns_about_a_year_without_holidays(db, centre):
    from incubator_tui.services.settings import write_calendars

    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        warning = app.screen.query_one("#dash-warning", Static)
        assert warning.display
        assert "2026、2027 年未录入节假日" in str(warning.render())
        with db.session() as s:
            write_calendars(s, centre.id, {2026: ([date(2026, 10, 1)], []), 2027: ([date(2027, 1, 1)], [])},
                            "tester")
        await pilot.press("f5")
        await settle(pilot)
        assert not warning.display


async def test_a_click_selects_a_line_and_a_double_click_opens_it(db, centre, agenda_data):
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        agenda = screen.query_one("#agenda", EntryList)
        await pilot.click("#agenda", offset=(10, 1))  # the second line: 晨光's overdue item
        await settle(pilot)
        assert app.screen is screen and agenda.has_focus
        assert agenda.cursor_key == ("case", agenda_data["晨光公益服务社"])
        await pilot.double_click("#agenda", offset=(10, 0))  # the first: 北辰's hand-over
        await wait_until(lambda: isinstance(app.screen, CasePageScreen), what="the case page")
        assert app.screen.case_id == agenda_data["北辰读书会"]
