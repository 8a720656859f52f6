"""The cases screen by keys (issues #9, #13): names in pinyin order by default (not code
points: 北 before 凤), `t` sorts by deadline, `f` filters by state, `1`-`3` by kind, and
Enter opens the case shown on the row."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from textual.widgets import DataTable, Static

from incubator_tui.models import OrgCase
from incubator_tui.screens.case_page import CasePageScreen
from incubator_tui.screens.cases_screen import CasesScreen
from tests.helpers import make_org, score_month
from tests.test_app import make_app, settle
from tests.test_case_page import drive, veto_case
from tests.waiting import wait_until

PINYIN = ["北辰读书会", "晨光公益服务社", "凤凰志愿服务队", "太阳花助老协会", "小桔灯公益社"]


@pytest.fixture
def cases(db, centre, monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2027-03-01")
    ids = {}
    for name, state in (("凤凰志愿服务队", "to_interview"), ("北辰读书会", "rectifying"),
                        ("太阳花助老协会", "exit_ordered"), ("晨光公益服务社", "withdrawn")):
        ids[name] = veto_case(db, centre, name)
        drive(db, ids[name], state)
    org = make_org(db, centre, "小桔灯公益社")
    for m in ("2026-11", "2026-12", "2027-01"):
        score_month(db, centre, org, m, "5")
    with db.session() as s:
        ids["小桔灯公益社"] = s.execute(select(OrgCase.id).where(OrgCase.org_id == org)).scalar_one()
    return ids


def shown_names(screen: CasesScreen) -> list[str]:
    table = screen.query_one("#cases-table", DataTable)
    return [table.get_row_at(i)[0].plain for i in range(table.row_count)]


def summary(screen: CasesScreen) -> str:
    return str(screen.query_one("#cases-summary", Static).render())


async def test_cases_sort_by_pinyin_or_deadline_and_filter_by_state_and_kind(db, centre, cases):
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CasesScreen)
        assert shown_names(screen) == PINYIN  # code points would put 凤 (U+51E4) before 北 (U+5317)
        assert "排序：拼音" in summary(screen) and "显示" not in summary(screen)

        await pilot.press("t")  # by deadline: the open cases' deadlines, then undated, then closed
        assert shown_names(screen) == ["北辰读书会", "太阳花助老协会", "凤凰志愿服务队", "小桔灯公益社", "晨光公益服务社"]
        assert "排序：期限" in summary(screen)
        await pilot.press("t")
        assert shown_names(screen) == PINYIN

        await pilot.press("f")  # open
        assert shown_names(screen) == ["北辰读书会", "凤凰志愿服务队", "太阳花助老协会", "小桔灯公益社"]
        assert "状态：未结" in summary(screen)
        await pilot.press("f")  # to interview
        assert shown_names(screen) == ["凤凰志愿服务队", "小桔灯公益社"]
        await pilot.press("1")  # monthly cases only
        assert shown_names(screen) == ["小桔灯公益社"]
        assert "类型：月度" in summary(screen) and "显示 1 件" in summary(screen)
        await pilot.press("3")  # veto cases only
        assert shown_names(screen) == ["凤凰志愿服务队"]
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, CasePageScreen) and app.screen.page is not None,
                         what="the case page")
        assert app.screen.case_id == cases["凤凰志愿服务队"]
        await pilot.press("escape")
        await wait_until(lambda: app.screen is screen)
        assert shown_names(screen) == ["凤凰志愿服务队"]  # the filters stay

        await pilot.press("0")  # every kind again
        for _ in range(5):  # rectifying, rectified, exit ordered, exited, withdrawn
            await pilot.press("f")
        assert "状态：已撤销" in summary(screen)
        assert shown_names(screen) == ["晨光公益服务社"]
        await pilot.press("f")  # back to all
        assert shown_names(screen) == PINYIN
        await pilot.press("a")  # open only, as before
        assert "晨光公益服务社" not in shown_names(screen) and screen.open_only
