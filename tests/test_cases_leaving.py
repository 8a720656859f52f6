"""Leaving by the organisations list agrees with the cases (issue #9), and the status
filter's 在孵（含约谈、整改） does not count an exit-ordered organisation (issue #13).

By keys (`o`, then `x`), checking the list, the database, the organisation's status,
the audit rows and `cases --json`."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from textual.widgets import Input, Static

from incubator_tui.errors import UserError
from incubator_tui.models import AuditEntry, CaseEvent, Organisation, OrgCase
from incubator_tui.screens.org_form import LeaveModal
from incubator_tui.services import cases as cs
from incubator_tui.services.orgs import mark_left
from tests.test_case_page import drive, veto_case
from tests.test_orgs_screen import SIZE, go_to, make_app, names, open_orgs, row_of, settle
from tests.waiting import wait_until

TODAY = date(2027, 3, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", TODAY.isoformat())


@pytest.fixture
def three(db, centre):
    """晨光 exit ordered, 阳光 rectifying, 爱心 incubating without a case."""
    ids = {}
    for name, state in (("晨光公益服务社", "exit_ordered"), ("阳光助老协会", "rectifying"), ("爱心互助会", None)):
        case_id = veto_case(db, centre, name)
        if state is None:
            drive(db, case_id, "withdrawn")
        else:
            drive(db, case_id, state)
        with db.session() as s:
            ids[name] = (s.get(OrgCase, case_id).org_id, case_id)
    return ids


def org_row(db, org_id: str) -> Organisation:
    with db.session() as s:
        org = s.get(Organisation, org_id)
        s.expunge(org)
        return org


def case_row(db, case_id: str) -> OrgCase:
    with db.session() as s:
        case = s.get(OrgCase, case_id)
        s.expunge(case)
        return case


def audits(db, row_id: str) -> list[tuple[str, str | None, str | None, str]]:
    with db.session() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.row_id == row_id).order_by(AuditEntry.at)).scalars()
        return [(r.field, r.old, r.new, r.operator) for r in rows]


def cases_json(db, db_path, capsys) -> dict[str, str]:
    from incubator_tui.cli import main

    db.dispose()
    capsys.readouterr()
    assert main(["cases", "--json", "--db", str(db_path)]) == 0
    return {r["org"]: r["state"] for r in json.loads(capsys.readouterr().out)}


async def test_x_on_an_exit_ordered_org_records_the_exit_on_its_case(db, centre, three, db_path, capsys):
    org_id, case_id = three["晨光公益服务社"]
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        assert row_of(screen, "晨光公益服务社")[2] == "责令退出"
        await go_to(pilot, screen, "晨光公益服务社")
        await pilot.press("x")
        modal = pilot.app.screen
        assert isinstance(modal, LeaveModal)
        await wait_until(lambda: modal.cases is not None, what="the open cases")
        info = str(modal.query_one("#leave-cases", Static).render())
        assert "责令退出的案件" in info
        assert not modal.query_one("#leave-reason-line").display  # nothing to withdraw: no reason asked
        await pilot.press("enter")  # the date (today, prefilled)
        confirm = str(modal.query_one("#leave-confirm", Static).render())
        assert "责令退出案件上记录退出" in confirm and "2027-03-01" in confirm
        assert case_row(db, case_id).state == "exit_ordered"  # not before the confirmation
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert row_of(screen, "晨光公益服务社")[2] == "已退出"

    case = case_row(db, case_id)
    assert (case.state, case.exit_date, case.closed_on) == ("exited", TODAY, TODAY)
    org = org_row(db, org_id)
    assert (org.status, org.end_date) == ("exited", TODAY)
    assert ("state", "exit_ordered", "exited", "tester") in audits(db, case_id)
    org_audit = audits(db, org_id)
    assert ("status", "incubating", "exited", "tester") in org_audit
    assert ("end_date", None, "2027-03-01", "tester") in org_audit
    with db.session() as s:
        last = s.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                         .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())).scalars().first()
        assert (last.action, last.operator, last.data["date"]) == ("record_exit", "tester", "2027-03-01")
    states = cases_json(db, db_path, capsys)
    assert states["晨光公益服务社"] == "exited"
    assert states["阳光助老协会"] == "rectifying"


async def test_x_with_another_open_case_asks_and_withdraws_it_with_the_reason(db, centre, three, db_path, capsys):
    org_id, case_id = three["阳光助老协会"]
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        await go_to(pilot, screen, "阳光助老协会")
        await pilot.press("x")
        modal = pilot.app.screen
        await wait_until(lambda: modal.cases is not None, what="the open cases")
        assert "整改中" in str(modal.query_one("#leave-cases", Static).render())
        assert modal.query_one("#leave-reason-line").display
        await pilot.press("enter")  # the date: on to the reason
        reason = modal.query_one("#leave-reason", Input)
        assert reason.has_focus and not modal.query_one("#leave-confirm").display
        await pilot.press("enter")  # no reason: refused in place
        assert "请填写撤销案件的原因" in str(modal.query_one("#leave-msg", Static).render())
        assert pilot.app.screen is modal
        await pilot.press(*"组织主动申请退出")
        await pilot.press("enter")
        confirm = str(modal.query_one("#leave-confirm", Static).render())
        assert "组织主动申请退出" in confirm and "2027-03-01" in confirm
        assert case_row(db, case_id).state == "rectifying"
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert row_of(screen, "阳光助老协会")[2] == "已退出"

    case = case_row(db, case_id)
    assert (case.state, case.closed_on) == ("withdrawn", TODAY)
    org = org_row(db, org_id)
    assert (org.status, org.end_date) == ("exited", TODAY)
    assert ("state", "rectifying", "withdrawn", "tester") in audits(db, case_id)
    assert ("status", "incubating", "exited", "tester") in audits(db, org_id)
    with db.session() as s:
        last = s.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                         .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())).scalars().first()
        assert (last.action, last.text) == ("withdraw", "组织主动申请退出")
    states = cases_json(db, db_path, capsys)
    assert states["阳光助老协会"] == "withdrawn"
    assert states["晨光公益服务社"] == "exit_ordered"


async def test_graduating_an_exit_ordered_org_is_refused_in_the_dialog(db, centre, three):
    org_id, case_id = three["晨光公益服务社"]
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        await go_to(pilot, screen, "晨光公益服务社")
        await pilot.press("g")
        modal = pilot.app.screen
        await wait_until(lambda: modal.cases is not None, what="the open cases")
        assert "不能标记出壳" in str(modal.query_one("#leave-msg", Static).render())
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert "不能标记出壳" in str(modal.query_one("#leave-msg", Static).render())
        await pilot.press("escape")
    assert org_row(db, org_id).status == "incubating"
    assert case_row(db, case_id).state == "exit_ordered"


def test_the_service_refuses_leaving_with_an_open_case_without_a_reason(db, centre, three):
    org_id, case_id = three["阳光助老协会"]
    before = audits(db, org_id), audits(db, case_id)
    with pytest.raises(UserError) as err, db.session() as s:
        mark_left(s, org_id, "exited", TODAY, "tester")
    assert err.value.key == "org.leave.reason_required"
    with pytest.raises(UserError) as err, db.session() as s:
        mark_left(s, three["晨光公益服务社"][0], "graduated", TODAY, "tester")
    assert err.value.key == "org.leave.exit_ordered_graduate"
    assert (audits(db, org_id), audits(db, case_id)) == before
    assert org_row(db, org_id).status == "incubating" and case_row(db, case_id).state == "rectifying"


def test_an_exit_before_the_exit_order_is_refused_and_nothing_changes(db, centre, three):
    org_id, case_id = three["晨光公益服务社"]
    with pytest.raises(UserError), db.session() as s:
        mark_left(s, org_id, "exited", date(2026, 12, 1), "tester")  # the notice was 2026-12-07
    assert org_row(db, org_id).status == "incubating" and case_row(db, case_id).state == "exit_ordered"


async def test_the_current_filter_leaves_out_exit_ordered_orgs(db, centre, three):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        assert set(names(screen)) == {"晨光公益服务社", "阳光助老协会", "爱心互助会"}
        await pilot.press("f")  # 在孵（含约谈、整改）
        assert screen.status_filter == "current"
        assert "在孵（含约谈、整改）" in str(screen.query_one("#orgs-bar", Static).render())
        assert set(names(screen)) == {"阳光助老协会", "爱心互助会"}
        await pilot.press("f")  # with an open case: the exit-ordered org is there
        assert set(names(screen)) == {"晨光公益服务社", "阳光助老协会"}
