"""A case from the flag to its end, by keys as a manager would (DOMAIN 5).

Path 1: flag → interview → items done → rectified (the org back to 在孵).
Path 2: flag → interview → not rectified → exit order → objection upheld → exited.
Each checks the screen, the database, the organisation's status and the audit rows.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text
from textual.widgets import DataTable, Input, Static

from incubator_tui.models import AuditEntry, CaseEvent, Organisation, OrgCase, RectificationItem
from incubator_tui.screens.case_forms import (
    CaseForm,
    ConfirmDiscard,
    DecisionForm,
    ExitForm,
    InterviewForm,
    ItemDoneForm,
    ObjectionForm,
    ReviewForm,
)
from incubator_tui.screens.case_page import CasePageScreen
from tests.helpers import make_org, score_month
from tests.test_app import make_app, settle


async def until(pilot, condition, tries: int = 60) -> None:
    """Wait (pausing, letting workers finish) until ``condition()`` holds."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    assert condition(), "the state waited for never came"


async def type_text(pilot, value: str) -> None:
    for ch in value:
        await pilot.press(ch if ch != " " else "space")


def flagged(db, centre, monkeypatch, name: str = "晨光公益服务社") -> str:
    """An org whose August-October 2026 are low: its monthly case opens on 2026-11-02."""
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-02")
    org = make_org(db, centre, name)
    for m in ("2026-08", "2026-09", "2026-10"):
        score_month(db, centre, org, m, "5")
    return org


def case_of(db, org_id: str) -> OrgCase:
    with db.session() as s:
        return s.execute(select(OrgCase).where(OrgCase.org_id == org_id)).scalars().one()


def shown(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_page(pilot) -> CasePageScreen:
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, CasePageScreen) and pilot.app.screen.page is not None)
    return pilot.app.screen


async def reloaded(pilot, page_screen: CasePageScreen, state: str) -> None:
    await until(pilot, lambda: pilot.app.screen is page_screen and page_screen.page is not None
                and page_screen.page.state == state)


async def record_interview(pilot, page_screen) -> None:
    await pilot.press("i")
    await until(pilot, lambda: isinstance(pilot.app.screen, InterviewForm))
    form = pilot.app.screen
    assert form.query_one("#f-time", Input).value.startswith("2026-11-05 ")  # prefilled now
    await pilot.press("tab")
    await type_text(pilot, "二楼会议室")
    await pilot.press("tab")
    await type_text(pilot, "王主任")
    await pilot.press("ctrl+s")
    await reloaded(pilot, page_screen, "rectifying")


async def test_flag_interview_items_done_rectified(db, centre, monkeypatch):
    org = flagged(db, centre, monkeypatch)
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-05")
    app = make_app(db)
    async with app.run_test(size=(140, 44)) as pilot:
        page_screen = await open_page(pilot)
        page = page_screen.page
        assert page.state == "to_interview"
        # The reason: the low months with their totals and the items that lost points.
        reason = shown(app, "#case-reason")
        assert "2026-08" in reason and "5.0" in reason and "党建工作" in reason
        # Only the legal keys are offered.
        assert page_screen.check_action("interview", ()) and page_screen.check_action("withdraw", ())
        for action in ("review", "extend", "exit", "objection", "toggle_item"):
            assert not page_screen.check_action(action, ())
        await pilot.press("v")  # not offered: nothing happens
        await settle(pilot)
        assert app.screen is page_screen

        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, InterviewForm))
        form = app.screen
        # One item per checklist item that lost points, owned by the contact, due in 30 days.
        assert [i.description.split("（")[0] for i in form.items] == ["党建工作", "服务活动", "制度台账", "安全规范"]
        assert {i.deadline for i in form.items} == {date(2026, 12, 5)}
        # Required fields are refused in place and nothing is saved.
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert str(form.query_one("#m-place", Static).render()) == "必填"
        assert str(form.query_one("#m-interviewers", Static).render()) == "必填"
        assert case_of(db, org).state == "to_interview"
        # A date before the case opened is refused in place too.
        form.query_one("#f-time", Input).value = "2026-11-01 10:00"
        form.query_one("#f-place", Input).focus()
        await type_text(pilot, "二楼会议室")
        await pilot.press("tab")
        await type_text(pilot, "王主任")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "早于立案日期" in str(form.query_one("#m-time", Static).render())
        form.query_one("#f-time", Input).value = "2026-11-05 14:30"
        # Remove the last suggested item (Delete in the items table), then save.
        form.query_one("#form-items", DataTable).focus()
        await pilot.press("end")
        await pilot.press("delete")
        await settle(pilot)
        assert len(form.items) == 3
        await pilot.press("ctrl+s")
        await reloaded(pilot, page_screen, "rectifying")

        with db.session() as s:
            case = s.execute(select(OrgCase).where(OrgCase.org_id == org)).scalars().one()
            assert (case.interview_date, case.interview_place, case.interviewers) == \
                (date(2026, 11, 5), "二楼会议室", "王主任")
            items = s.execute(select(RectificationItem).where(RectificationItem.case_id == case.id)
                              .order_by(RectificationItem.position)).scalars().all()
            assert len(items) == 3 and all(i.done_on is None for i in items)
        assert page_screen.query_one("#case-items", DataTable).row_count == 3
        assert "整改期限 2026-12-05" in shown(app, "#case-status")

        # Tick every item off with a date and a line of evidence (space on the item).
        monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-20")
        table = page_screen.query_one("#case-items", DataTable)
        table.focus()
        for n in range(3):
            table.move_cursor(row=n)
            await pilot.press("space")
            await until(pilot, lambda: isinstance(app.screen, ItemDoneForm))
            assert app.screen.query_one("#f-date", Input).value == "2026-11-20"
            await pilot.press("tab")
            await type_text(pilot, f"OK{n}")
            await pilot.press("ctrl+s")
            await until(pilot, lambda n=n: app.screen is page_screen and page_screen.page.done_count == n + 1)
        assert "已完成 3/3 项" in shown(app, "#case-items-summary")

        # The review: all done suggests 1 (rectified); the date is prefilled today.
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ReviewForm))
        review = app.screen
        assert review.query_one("#f-result", Input).value == "1"
        assert review.query_one("#f-date", Input).value == "2026-11-20"
        assert "3/3" in str(review.query_one("#review-done", Static).render())
        await pilot.press("tab", "tab")
        await type_text(pilot, "all good")
        await pilot.press("ctrl+s")
        await reloaded(pilot, page_screen, "rectified")
        for action in ("interview", "review", "extend", "exit", "objection", "withdraw", "toggle_item"):
            assert not page_screen.check_action(action, ())
        events = page_screen.query_one("#case-events", DataTable)
        assert events.row_count == 1 + 1 + 3 + 1  # opened, interview, 3 items, review

    with db.session() as s:
        case = s.execute(select(OrgCase).where(OrgCase.org_id == org)).scalars().one()
        assert (case.state, case.review_date, case.closed_on) == ("rectified", date(2026, 11, 20), date(2026, 11, 20))
        assert s.get(Organisation, org).status == "incubating"
        items = s.execute(select(RectificationItem).where(RectificationItem.case_id == case.id)
                          .order_by(RectificationItem.position)).scalars().all()
        assert [(i.done_on, i.evidence) for i in items] == [(date(2026, 11, 20), f"OK{n}") for n in range(3)]
        actions = [e.action for e in s.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                               .order_by(CaseEvent.at)).scalars()]
        assert actions == ["open", "record_interview", "item_done", "item_done", "item_done", "record_review_pass"]
        audit = s.execute(select(AuditEntry).where(AuditEntry.table_name == "org_case",
                                                   AuditEntry.row_id == case.id).order_by(AuditEntry.at)).scalars().all()
        assert [(a.field, a.old, a.new) for a in audit if a.field == "state"] == [
            ("state", None, "to_interview"), ("state", "to_interview", "rectifying"), ("state", "rectifying", "rectified")]
        assert {a.operator for a in audit} == {"tester"}
        done_audit = s.execute(select(AuditEntry).where(AuditEntry.table_name == "rectification_item",
                                                        AuditEntry.field == "done_on")).scalars().all()
        assert len(done_audit) == 3 and {a.operator for a in done_audit} == {"tester"}


async def test_flag_interview_not_rectified_exit_order_objection_upheld_exited(db, centre, monkeypatch):
    from incubator_tui.services.centres import set_setting

    org = flagged(db, centre, monkeypatch)
    # A holiday list for 2026 (31 Dec off); none for 2027 (warned about).
    with db.session() as s:
        set_setting(s, centre.id, "holidays", "2026-01", {"2026": ["2026-12-31"]}, "tester")
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-05")
    app = make_app(db)
    async with app.run_test(size=(140, 44)) as pilot:
        page_screen = await open_page(pilot)
        await record_interview(pilot, page_screen)

        # The review, not rectified: the exit order is issued at once.
        monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-12-10")
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ReviewForm))
        review = app.screen
        assert review.query_one("#f-result", Input).value == ""  # nothing done: no suggestion
        await pilot.press("2")
        await settle(pilot)
        # 15 working days from Thu 2026-12-10: the 14th is Wed 30 Dec, 31 Dec is a listed holiday,
        # so Fri 1 Jan 2027 (a year without a list: warned about).
        preview = str(review.query_one("#review-order", Static).render())
        assert "2027-01-01" in preview and "2026-12-20" in preview
        assert "2027" in str(review.query_one("#review-warning", Static).render())
        # a review dated before the interview is refused in place
        review.query_one("#f-date", Input).value = "2026-11-04"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "早于约谈日期" in str(review.query_one("#m-date", Static).render())
        review.query_one("#f-date", Input).value = "2026-12-10"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await reloaded(pilot, page_screen, "exit_ordered")
        page = page_screen.page
        assert (page.notice_date, page.handover_deadline, page.objection_deadline) == \
            (date(2026, 12, 10), date(2027, 1, 1), date(2026, 12, 20))
        assert "申诉期至 2026-12-20" in shown(app, "#case-status")

        # An objection within the period, then its decision: upheld.
        monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-12-15")
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, ObjectionForm))
        await pilot.press("tab")
        await type_text(pilot, "too strict")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is page_screen and page_screen.page.pending_objection)
        # while the objection waits for its decision, the exit cannot be recorded
        assert not page_screen.check_action("exit", ()) and page_screen.check_action("objection", ())
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, DecisionForm))
        await pilot.press("1")
        await pilot.press("tab", "tab")
        await type_text(pilot, "upheld")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is page_screen and not page_screen.page.pending_objection
                    and len(page_screen.page.events) == 5)
        assert page_screen.page.state == "exit_ordered"

        # The exit: not before the order; the org becomes 已退出.
        monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2027-01-04")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ExitForm))
        exit_form = app.screen
        exit_form.query_one("#f-date", Input).value = "2026-12-09"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "早于责令退出通知日期" in str(exit_form.query_one("#m-date", Static).render())
        exit_form.query_one("#f-date", Input).value = "2027-01-04"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await reloaded(pilot, page_screen, "exited")

    with db.session() as s:
        case = s.execute(select(OrgCase).where(OrgCase.org_id == org)).scalars().one()
        assert (case.state, case.exit_date) == ("exited", date(2027, 1, 4))
        o = s.get(Organisation, org)
        assert (o.status, o.end_date) == ("exited", date(2027, 1, 4))
        actions = [(e.action, e.to_state, e.text) for e in s.execute(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at)).scalars()]
        assert [a for a, _, _ in actions] == ["open", "record_interview", "record_review_fail", "object",
                                              "object_upheld", "record_exit"]
        assert actions[3][2] == "too strict" and actions[4][2] == "upheld"
        rows = s.execute(text("SELECT field, old, new, operator FROM audit WHERE row_id IN (:c, :o) "
                              "ORDER BY rowid"), {"c": case.id, "o": org}).all()
        fields = [(f, old, new) for f, old, new, _ in rows]
        assert ("state", "rectifying", "exit_ordered") in fields and ("state", "exit_ordered", "exited") in fields
        assert ("event.object", None, "too strict") in fields and ("status", "incubating", "exited") in fields
        assert {op for *_, op in rows} == {"tester"}


async def test_esc_asks_only_when_something_was_typed(db, centre, monkeypatch):
    org = flagged(db, centre, monkeypatch)
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-05")
    app = make_app(db)
    async with app.run_test(size=(140, 44)) as pilot:
        page_screen = await open_page(pilot)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, CaseForm))
        await pilot.press("escape")  # nothing typed: closes at once
        await until(pilot, lambda: app.screen is page_screen)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, CaseForm))
        await type_text(pilot, "oops")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDiscard))
        await pilot.press("n")  # back to the form, the text kept
        await until(pilot, lambda: isinstance(app.screen, CaseForm))
        assert app.screen.query_one("#f-reason", Input).value == "oops"
        await pilot.press("ctrl+s")  # the withdrawal with its reason
        await reloaded(pilot, page_screen, "withdrawn")
    assert case_of(db, org).state == "withdrawn"
