"""The app as a user drives it: keys pressed with Pilot, then what is on screen and in the database."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import types
from datetime import date
from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from incubator_tui.app import IncubatorApp
from incubator_tui.config import Config
from incubator_tui.db import open_database
from incubator_tui.i18n import set_language
from incubator_tui.screens.case_page import CasePageScreen
from incubator_tui.screens.cases_screen import CasesScreen
from incubator_tui.screens.dashboard_screen import DashboardScreen
from incubator_tui.screens.export_modal import ExportModal
from incubator_tui.screens.first_run_screen import FirstRunScreen
from incubator_tui.screens.help_screen import HelpScreen
from incubator_tui.screens.review_screen import ReviewScreen
from incubator_tui.services.cases import list_cases, record_interview
from incubator_tui.services.centres import Checklists, create_centre
from incubator_tui.services.scoring import Cell, save_cells
from tests.helpers import make_org, score_month
from tests.waiting import wait_until

SIZE = (120, 36)
TODAY = "2026-11-15"


class StubScreen(Screen):
    """Stands in for the organisations and scoring screens (their owners test them)."""


class App(IncubatorApp):
    MODES = {**IncubatorApp.MODES, "orgs": StubScreen, "scoring": StubScreen}


def make_app(db, **kw) -> App:
    return App(db, config=Config(operator="tester", keys=kw.pop("keys", {})), **kw)


async def settle(pilot) -> None:
    """Let workers finish and their results be painted."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def palette_offers(app, text: str) -> bool:
    """The command palette lists a command whose title contains ``text``."""
    lists = app.screen.query(CommandList)
    return bool(lists) and any(text in str(getattr(o.prompt, "plain", o.prompt)) for o in lists.first().options)


def text_of(widget) -> str:
    """What a widget shows, as plain text."""
    return str(widget.render())


@pytest.fixture
def prepared(db, centre, monkeypatch):
    """A centre as of 2026-11-15: 晨光 red with an overdue case, 阳光 amber, progress 1/1/3."""
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-10-08")
    a = make_org(db, centre, "晨光志愿服务队", date(2025, 3, 1))
    b = make_org(db, centre, "阳光助老协会", date(2025, 3, 1))
    c = make_org(db, centre, "绿色家园环保社", date(2025, 3, 1))
    d = make_org(db, centre, "书香社区读书会", date(2025, 3, 1))
    make_org(db, centre, "新芽创业团队", date(2026, 9, 1))
    history = ("7.5", "8.0", "8.5", "7.0", "8.0", "9.0", "8.5", "7.5")
    for i, m in enumerate(("2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07")):
        score_month(db, centre, c, m, history[i])
        score_month(db, centre, d, m, history[-i - 1])
        score_month(db, centre, a, m, "7.0")
    for m, total in (("2026-08", "5.5"), ("2026-09", "5.0"), ("2026-10", "4.5")):
        score_month(db, centre, a, m, total)  # the third low month opens the case
    score_month(db, centre, b, "2026-08", "8.0")
    score_month(db, centre, b, "2026-09", "5.0")
    score_month(db, centre, b, "2026-10", "5.5")
    for m, total in (("2026-08", "8.0"), ("2026-09", "8.5"), ("2026-10", "9.0")):
        score_month(db, centre, c, m, total)
        score_month(db, centre, d, m, "7.0")
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-10-09")  # the interview is held that day
    with db.session() as s:
        case = list_cases(s, centre.id)[0]
        record_interview(s, case.id, "tester", on=date(2026, 10, 9), place="中心会议室", interviewers="王主任",
                         problems="台账缺失")
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", TODAY)
    score_month(db, centre, c, "2026-11", "9.0")
    with db.session() as s:
        item = Checklists(s, centre.id).items_for("2026-11")[0]
        save_cells(s, centre.id, d, "2026-11", {item.id: Cell(200)}, "tester")
    return {"red": a, "amber": b, "fine": c, "partial": d}


# ---------------------------------------------------------------- first run


async def test_empty_database_asks_for_the_centre_then_shows_the_dashboard(db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        assert app.screen.focused is app.screen.query_one("#centre-name", Input)
        await pilot.press("d", "o")  # letters type into the name field, they do not navigate
        assert isinstance(app.screen, FirstRunScreen)
        app.screen.query_one("#centre-name", Input).value = ""
        await pilot.press(*"雪宫中心")
        await pilot.press("tab", "enter", "down", "enter")  # category: the one after 社区服务
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.current_mode == "dashboard"
        assert app.centre_name == "雪宫中心"
    with db.session() as s:
        from incubator_tui.services.centres import list_centres

        centres = list_centres(s)
    assert [(c.name, c.category) for c in centres] == [("雪宫中心", "volunteer")]


async def test_first_run_refuses_an_empty_name(db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        assert "请填写孵化中心名称" in text_of(app.screen.query_one("#first-run-message", Static))
        await pilot.press("c", "ctrl+e")  # no centre yet: nothing to go to or export
        assert isinstance(app.screen, FirstRunScreen)
    with db.session() as s:
        assert s.execute(__import__("sqlalchemy").text("SELECT COUNT(*) FROM centre")).scalar() == 0


async def test_first_run_demo_button_loads_the_demo_in_a_worker(db, monkeypatch):
    calls = []

    def create_demo(database, **kwargs):
        calls.append(database)
        with database.session() as s:
            create_centre(s, "演示孵化中心", "demo")

    monkeypatch.setitem(sys.modules, "incubator_tui.services.demo",
                        types.SimpleNamespace(create_demo=create_demo))
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert calls == [db]
        assert isinstance(app.screen, DashboardScreen)
        assert app.centre_name == "演示孵化中心"


# ---------------------------------------------------------------- global keys


async def test_each_global_key_switches_to_its_screen(prepared, db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen) and app.current_mode == "dashboard"
        await pilot.press("c")
        assert app.current_mode == "cases" and isinstance(app.screen, CasesScreen)
        await pilot.press("r")
        assert app.current_mode == "review" and isinstance(app.screen, ReviewScreen)
        await pilot.press("o")
        assert app.current_mode == "orgs"
        await pilot.press("s")
        assert app.current_mode == "scoring"
        await pilot.press("d")
        assert app.current_mode == "dashboard" and isinstance(app.screen, DashboardScreen)
        await pilot.press("ctrl+e")
        assert isinstance(app.screen, ExportModal)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_the_app_keeps_the_contract_the_screens_rely_on(prepared, db):
    """Screens reach the app through screens.contract.AppContract, not by importing it."""
    from incubator_tui.screens.contract import AppContract

    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app, AppContract)
        assert app.screen.iapp is app and app.change_stamp() == app.change_stamp()


def test_mode_factories_name_the_real_screens():
    """The orgs and scoring modes build the screens their owners write (once written)."""
    from incubator_tui import app as app_module

    for factory, module, cls in ((app_module._orgs, "orgs_screen", "OrgsScreen"),
                                 (app_module._scoring, "scoring_screen", "ScoringScreen")):
        mod = pytest.importorskip(f"incubator_tui.screens.{module}")
        assert type(factory()).__name__ == cls == getattr(mod, cls).__name__


async def test_help_lists_the_keys_of_the_current_screen(prepared, db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = text_of(app.screen.query_one("#help-list", Static))
        assert "f5" in shown and "刷新" in shown  # the dashboard's own key
        for key, label in (("d", "总览"), ("c", "案件"), ("^e", "导出"), ("^p", "命令"), ("^q", "退出")):
            assert any(line.split() == [key, label] for line in shown.splitlines()), (key, shown)
        assert "查看记录" not in shown  # a key of the cases screen, not of this one
        await pilot.press("escape")
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("question_mark")
        shown = text_of(app.screen.query_one("#help-list", Static))
        assert "查看记录" in shown and "全部/未结" in shown
        assert "Focus Next" not in shown  # Textual's own undescribed keys stay out


async def test_remapped_keys_work_and_show_in_the_help(prepared, db):
    app = make_app(db, keys={"nav.cases": "x", "app.help": "f1"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        assert app.current_mode == "dashboard"  # c no longer goes to the cases
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        shown = text_of(app.screen.query_one("#help-list", Static))
        assert any(line.split() == ["x", "案件"] for line in shown.splitlines())
        assert not any(line.split() == ["c", "案件"] for line in shown.splitlines())
        await pilot.press("escape", "x")
        assert app.current_mode == "cases"


async def test_command_palette_goes_to_a_screen(prepared, db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        assert CommandPalette.is_open(app)
        await pilot.press(*"打开案件")
        await wait_until(lambda: palette_offers(app, "打开案件"), what="the palette's hit")
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "cases" and isinstance(app.screen, CasesScreen)


async def test_command_palette_switches_centre(prepared, db, centre):
    with db.session() as s:
        other = create_centre(s, "稷下文化创客中心", "tester", category="culture")
    make_org(db, other, "稷下青年书画社")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.centre_name == "测试孵化中心"  # the first by name
        await pilot.press("c")
        await settle(pilot)
        assert len(app.screen.query_one("#cases-table", DataTable).rows) == 1
        await pilot.press("ctrl+p")
        await pilot.press(*"切换孵化中心")
        await wait_until(lambda: palette_offers(app, "稷下文化创客中心"), what="the palette's hit")
        await pilot.press("enter")
        await settle(pilot)
        assert app.centre_id == other.id and app.centre_name == "稷下文化创客中心"
        assert isinstance(app.screen, DashboardScreen)
        assert "在孵组织 1 个" in text_of(app.screen.query_one("#progress", Static))
        assert "没有预警" in text_of(app.screen.query_one("#flags"))
        await pilot.press("c")
        await settle(pilot)
        assert len(app.screen.query_one("#cases-table", DataTable).rows) == 0  # a fresh screen for the centre


# ---------------------------------------------------------------- dashboard


async def test_dashboard_shows_progress_flags_and_open_cases(prepared, db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        progress = text_of(screen.query_one("#progress", Static))
        assert "2026-11" in progress and "在孵组织 5 个" in progress
        assert "已完成 1" in progress and "未完成 1" in progress and "未开始 3" in progress
        assert "上月 2026-10：已完成 4 / 5" in progress
        flags = text_of(screen.query_one("#flags"))
        red_line = next(line for line in flags.splitlines() if "晨光志愿服务队" in line)
        assert "红" in red_line and "连续3月" in red_line and "2026-08~10" in red_line and "5.5 5.0 4.5" in red_line
        assert "黄" in next(line for line in flags.splitlines() if "阳光助老协会" in line)
        assert "绿色家园环保社" not in flags
        assert screen.query_one("#flags-panel").border_title == "预警（截至 2026-11）红 1 · 黄 1"
        cases = text_of(screen.query_one("#cases"))
        assert "晨光志愿服务队" in cases and "整改中" in cases and "已逾期 2026-11-08" in cases
        assert screen.query_one("#cases-panel").border_title == "未结案件 1（逾期 1）"
        trend = screen.query_one("#trend")
        assert [p.month for p in trend.points][-1] == "2026-11" and len(trend.points) == 12


async def test_overdue_case_is_highlighted(prepared, db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#cases-panel")
        assert panel.has_class("-overdue")
        content = app.screen.query_one("#cases").content
        overdue_styles = {str(span.style) for span in content.spans
                          if "已逾期" in content.plain[span.start:span.end]}
        assert any("$error" in s for s in overdue_styles)
        await pilot.press("c")
        await settle(pilot)
        table = app.screen.query_one("#cases-table", DataTable)
        error = app.get_css_variables()["error"].lower()
        row = table.get_row_at(0)
        assert row[0].plain == "晨光志愿服务队" and "已逾期" in row[3].plain
        assert error in str(row[0].style).lower()


async def test_dashboard_refreshes_when_shown_again(prepared, db, centre):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "阳光助老协会" in text_of(app.screen.query_one("#flags"))
        await pilot.press("c")
        await settle(pilot)
        score_month(db, centre, prepared["amber"], "2026-11", "5.0")  # the amber org's third low month
        await pilot.press("d")
        await settle(pilot)
        flags = text_of(app.screen.query_one("#flags"))
        assert "红" in next(line for line in flags.splitlines() if "阳光助老协会" in line)
        assert app.screen.query_one("#cases-panel").border_title == "未结案件 2（逾期 1）"


async def test_english_mode_speaks_english(prepared, db):
    set_language("en")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.title == "Dashboard"
        progress = text_of(app.screen.query_one("#progress", Static))
        assert "done 1" in progress and "not started 3" in progress and "4/5 done" in progress
        assert "red" in text_of(app.screen.query_one("#flags"))
        assert "OVERDUE 2026-11-08" in text_of(app.screen.query_one("#cases"))
        await pilot.press("question_mark")
        shown = text_of(app.screen.query_one("#help-list", Static))
        assert any(line.split() == ["c", "cases"] for line in shown.splitlines())
        await pilot.press("escape", "c")
        await settle(pilot)
        assert app.screen.title == "Cases"
        table = app.screen.query_one("#cases-table", DataTable)
        assert [c.label.plain for c in table.columns.values()][:3] == ["Organisation", "Kind", "State"]
        assert table.get_row_at(0)[2].plain == "rectifying"


# ---------------------------------------------------------------- cases and review


async def test_cases_screen_lists_cases_and_shows_their_events(prepared, db):
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        table = app.screen.query_one("#cases-table", DataTable)
        row = [cell.plain for cell in table.get_row_at(0)]
        assert row == ["晨光志愿服务队", "月度", "整改中", "2026-11-08 已逾期", "2026-10-08", "2026-08~10"]
        assert "共 1 件，未结 1 件，逾期 1 件" in text_of(app.screen.query_one("#cases-summary", Static))
        await pilot.press("enter")  # the case's page, with its timeline (the case page's own tests check it)
        await settle(pilot)
        assert isinstance(app.screen, CasePageScreen)
        assert app.screen.query_one("#case-events", DataTable).row_count >= 2  # opened; interview recorded
        await pilot.press("escape")
        assert isinstance(app.screen, CasesScreen)


async def test_review_screen_lists_the_years_ratings(prepared, db, centre):
    from incubator_tui.services.reviews import set_peer_ratings, set_review_input

    for m in ("2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11"):
        score_month(db, centre, prepared["fine"], m, "9.0")  # enough complete months for the monthly component
    with db.session() as s:
        set_review_input(s, prepared["fine"], 2025, "tester", party_cent=9500, self_cent=9000, public_cent=9000)
        set_peer_ratings(s, prepared["fine"], 2025, [(None, 9000), (None, 9500), (None, 8500)], "tester")
        set_review_input(s, prepared["red"], 2025, "tester", party_cent=5000)
        set_review_input(s, prepared["amber"], 2026, "tester", veto="消防安全严重违规")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        from incubator_tui.editing.review_model import COLUMNS

        screen = app.screen

        def shown() -> dict[str, list[str]]:  # each row's cells as drawn (#10: every org of the year)
            return {screen.table.cell(i, 0): [screen.table.cell(i, c) for c in range(len(COLUMNS))]
                    for i in range(screen.table.row_count)}

        assert "2025" in screen.status("summary").plain  # the last complete year
        rows = shown()
        assert set(rows) == {"绿色家园环保社", "晨光志愿服务队", "阳光助老协会", "书香社区读书会"}
        assert rows["晨光志愿服务队"][7] == "—" and "缺" in rows["晨光志愿服务队"][9]
        assert rows["绿色家园环保社"][7].count("★") >= 1 and rows["绿色家园环保社"][6] != "—"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "2026" in screen.status("summary").plain
        rows = shown()
        assert rows["阳光助老协会"][7] == "★☆☆☆☆" and "一票否决" in rows["阳光助老协会"][9]


# ---------------------------------------------------------------- export and exit


async def test_exit_when_ready_exits_once_the_dashboard_is_painted(prepared, db):
    class Recording(App):
        painted = None

        def on_dashboard_screen_ready(self) -> None:
            self.painted = self.screen.dashboard
            super().on_dashboard_screen_ready()

    app = Recording(db, config=Config(operator="tester"), exit_when_ready=True)
    await asyncio.wait_for(app.run_async(headless=True, size=SIZE), timeout=20)
    assert app.return_code == 0
    assert app.painted is not None and app.painted.progress.complete == 1


async def test_exit_when_ready_on_an_empty_database(db):
    app = make_app(db, exit_when_ready=True)
    await asyncio.wait_for(app.run_async(headless=True, size=SIZE), timeout=20)
    assert app.return_code == 0


# ---------------------------------------------------------------- snapshot


def test_dashboard_snapshot(prepared, db, snap_compare):
    assert snap_compare(make_app(db), terminal_size=SIZE, run_before=settle)
