"""The organisation's page by keys: all 24 months, opening on the latest, its month table
scrolled by ←/→ or h/l (issue #13); its help lists every key it has; `v` opens a veto case
at once (issue #9), checked in the database, the org's status and the audit rows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from textual.widgets import DataTable, Input, Static

from incubator_tui.i18n import t
from incubator_tui.models import AuditEntry, CaseEvent, OrgCase, ReviewInput
from incubator_tui.screens.help_screen import HelpScreen
from incubator_tui.screens.org_form import VetoModal
from incubator_tui.screens.org_page import MonthTable, OrgPageScreen
from incubator_tui.widgets.key_bar import binding_label
from tests.test_orgs_screen import go_to, make_app, open_orgs, orgs, settle  # noqa: F401 - the fixture
from tests.waiting import wait_until


async def open_page(pilot, centre, name: str) -> OrgPageScreen:
    screen = await open_orgs(pilot, centre)
    await go_to(pilot, screen, name)
    await pilot.press("enter")
    await wait_until(lambda: isinstance(pilot.app.screen, OrgPageScreen) and pilot.app.screen.page is not None,
                     what="the page")
    await settle(pilot)
    return pilot.app.screen


def cell_line(page) -> str:
    return str(page.query_one("#page-cell", Static).render())


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_the_month_table_opens_on_the_latest_month_and_scrolls_by_keys(db, centre, orgs, size):
    async with make_app(db).run_test(size=size) as pilot:
        page = await open_page(pilot, centre, "晨光公益服务社")
        table = page.query_one("#page-scores", MonthTable)
        months = [str(c.label) for c in table.ordered_columns][1:]
        assert len(months) == 24 and (months[0], months[-1]) == ("2024-12", "2026-11")
        assert table.has_focus
        await wait_until(lambda: table.scroll_x == table.max_scroll_x, what="scrolled to the latest month")
        assert table.cursor_column == 24 and cell_line(page).startswith("2026-11")
        if size[0] == 80:
            assert table.max_scroll_x > 0  # not every month fits: the table scrolls

        await pilot.press("h")
        assert table.cursor_column == 23 and cell_line(page).startswith("2026-10")
        await pilot.press("left")
        assert cell_line(page).startswith("2026-09")
        for _ in range(25):  # past the first month: it stops there, the item column is never the cursor's
            await pilot.press("h")
        await settle(pilot)
        assert table.cursor_column == 1 and cell_line(page).startswith("2024-12")
        assert table.scroll_x == 0  # the first month is in view
        await pilot.press("l", "right")
        assert cell_line(page).startswith("2025-02")
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_column == 24 and table.scroll_x == table.max_scroll_x
        await pilot.press("home")
        assert cell_line(page).startswith("2024-12")
        await pilot.press("up")  # an item: the row above the total
        assert "安全规范" in cell_line(page)


async def test_the_help_lists_every_key_of_the_page(db, centre, orgs):
    async with make_app(db).run_test(size=(120, 36)) as pilot:
        page = await open_page(pilot, centre, "晨光公益服务社")
        await pilot.press("question_mark")
        await wait_until(lambda: isinstance(pilot.app.screen, HelpScreen), what="the help")
        shown = str(pilot.app.screen.query_one("#help-list", Static).render())
        for binding in (*OrgPageScreen.BINDINGS, *MonthTable.BINDINGS):
            assert binding_label(binding.description) in shown, shown
        lines = shown.splitlines()
        assert any("←/h" in line and "上一个月" in line for line in lines)
        assert any("→/l" in line and "下一个月" in line for line in lines)
        assert any(line.strip().startswith("v ") and "一票否决" in line for line in lines)
        await pilot.press("escape")
        assert pilot.app.screen is page


async def test_v_opens_a_veto_case_at_once(db, centre, orgs):
    org_id = orgs["阳光助老协会"]
    async with make_app(db).run_test(size=(120, 36)) as pilot:
        page = await open_page(pilot, centre, "阳光助老协会")
        assert page.query_one("#page-cases", DataTable).display is False  # no case yet
        await pilot.press("v")
        modal = pilot.app.screen
        assert isinstance(modal, VetoModal)
        await pilot.press("enter")  # nothing described: refused in place
        assert "请填写违规情况" in str(modal.query_one("#leave-msg", Static).render())
        await pilot.press(*"消防通道堆放杂物")
        await pilot.press("enter")
        question = str(modal.query_one("#leave-confirm", Static).render())
        assert "消防通道堆放杂物" in question and "一星" in question
        with db.session() as s:
            assert s.execute(select(OrgCase).where(OrgCase.org_id == org_id)).first() is None  # not yet
        await pilot.press("enter")
        await wait_until(lambda: pilot.app.screen is page, what="back on the page")
        await settle(pilot)
        cases = page.query_one("#page-cases", DataTable)
        assert cases.display and cases.row_count == 1
        assert [str(c) for c in cases.get_row_at(0)][1:3] == ["一票否决", "待约谈"]
        assert "约谈中" in str(page.query_one("#page-name", Static).render())

        # A second veto the same year is refused, naming the first; nothing is added.
        await pilot.press("v")
        modal = pilot.app.screen
        await pilot.press(*"再次违规", "enter", "enter")
        await wait_until(lambda: "已有一票否决案件" in str(modal.query_one("#leave-msg", Static).render()),
                         what="the refusal")
        await pilot.press("escape")

    with db.session() as s:
        case = s.execute(select(OrgCase).where(OrgCase.org_id == org_id)).scalars().one()
        assert (case.kind, case.state, case.reason, case.year, case.opened_on) == (
            "veto", "to_interview", "消防通道堆放杂物", 2026, date(2026, 11, 15))
        event = s.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalars().one()
        assert (event.action, event.to_state, event.operator, event.text) == (
            "open", "to_interview", "tester", "消防通道堆放杂物")
        audit = [(a.field, a.old, a.new, a.operator) for a in s.execute(
            select(AuditEntry).where(AuditEntry.row_id == case.id)).scalars()]
        assert audit == [("state", None, "to_interview", "tester")]
        review = s.execute(select(ReviewInput).where(ReviewInput.org_id == org_id)).scalars().one()
        assert (review.year, review.veto) == (2026, "消防通道堆放杂物")  # the year's veto record: 1 star


async def test_v_is_not_offered_for_an_org_that_has_left(db, centre, orgs):
    async with make_app(db).run_test(size=(120, 36)) as pilot:
        page = await open_page(pilot, centre, "北辰读书会")  # graduated
        assert not page.check_action("veto", ())
        await pilot.press("v")
        await settle(pilot)
        assert pilot.app.screen is page
    with db.session() as s:
        assert s.execute(select(OrgCase).where(OrgCase.org_id == orgs["北辰读书会"])).first() is None
    assert t("orgs.page.key.veto") == "一票否决"
