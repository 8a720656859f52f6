"""Text is text (#7.1): names, reasons, notes, case texts and centre names that look like markup
are shown literally on every screen and dialog, and never act.

The database is filled with what an attacker (or an unlucky office) would type:
``闭合组织[/]`` (crashed the exit dialog and the case history with a MarkupError),
``[bold]粗体[/bold]``, ``[@click=app.quit]点我[/]`` (became a clickable quit) and ``[link=x]``.
Each test opens screens and dialogs by keys, then reads what the terminal shows (the
screenshot's text) and clicks where such a name is drawn: the app must still be running.
"""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from rich.cells import cell_len
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input

from incubator_tui.app import IncubatorApp
from incubator_tui.config import Config
from incubator_tui.screens.case_page import CasePageScreen
from incubator_tui.screens.cases_screen import CasesScreen
from incubator_tui.screens.dashboard_screen import DashboardScreen
from incubator_tui.screens.help_screen import HelpScreen
from incubator_tui.screens.org_form import LeaveModal, OrgFormModal
from incubator_tui.screens.org_page import OrgPageScreen
from incubator_tui.screens.orgs_screen import OrgsScreen
from incubator_tui.screens.review_screen import ReviewScreen
from incubator_tui.services.cases import list_cases, record_interview
from incubator_tui.services.centres import Checklists, create_centre
from incubator_tui.services.orgs import add_org, mark_left
from incubator_tui.services.reviews import set_review_input
from incubator_tui.services.scoring import Cell, save_cells
from tests.helpers import score_month
from tests.waiting import wait_until

SIZE = (160, 44)
CLOSER = "闭合组织[/]"
BOLD = "[bold]粗体[/bold]"
CLICK = "[@click=app.quit]点我[/]"
LINK = "[link=x]"
NAMES = (CLOSER, BOLD, CLICK, LINK)
CENTRE = "[@click=app.quit]中心[/]"
OTHER_CENTRE = "[bold]粗体中心[/bold]"
REASON = "[@click=app.quit]扣分[/]"
NOTE = "闭合备注[/]"
PROBLEMS = "[bold]台账缺失[/bold]"
VETO = "[@click=app.quit]违规[/]"


@pytest.fixture
def hostile(db, monkeypatch):
    """A centre and orgs named like markup; a case for 闭合组织[/] with such texts; a veto; reasons."""
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    with db.session() as s:
        centre = create_centre(s, CENTRE, "tester", category="community")
        create_centre(s, OTHER_CENTRE, "tester", category="culture")
    ids = {}
    for name in NAMES:
        with db.session() as s:
            org, _ = add_org(s, centre.id, {"name": name, "category": "community", "entry_date": date(2025, 1, 1),
                                            "note": NOTE, "contact": BOLD}, "tester")
            ids[name] = org.id
    for month in ("2026-08", "2026-09", "2026-10"):  # three low months: a case opens for 闭合组织[/]
        score_month(db, centre, ids[CLOSER], month, "5.0")
        score_month(db, centre, ids[BOLD], month, "8.0")
    with db.session() as s:
        item = Checklists(s, centre.id).items_for("2026-11")[0]
        save_cells(s, centre.id, ids[CLICK], "2026-11", {item.id: Cell(100, reason=REASON)}, "tester")
    with db.session() as s:
        case = next(c for c in list_cases(s, centre.id) if c.org == CLOSER)
        record_interview(s, case.id, "tester", on=date(2026, 11, 15), place=CLICK, interviewers=BOLD,
                         problems=PROBLEMS)
        set_review_input(s, ids[CLICK], 2025, "tester", party_cent=9000, veto=VETO)
        mark_left(s, ids[LINK], "exited", date(2026, 10, 31), "tester")
    return {"centre": centre, "ids": ids}


def make_app(db) -> IncubatorApp:
    return IncubatorApp(db, config=Config(operator="tester"))


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_lines(app) -> list[str]:
    """What the terminal shows, line by line (the screenshot's text)."""
    svg = app.export_screenshot()
    lines: dict[int, list[str]] = {}
    for number, text in re.findall(r'<text [^>]*clip-path="url\(#terminal-\d+-line-(\d+)\)"[^>]*>([^<]*)</text>', svg):
        lines.setdefault(int(number), []).append(html.unescape(text).replace("\xa0", " "))
    return ["".join(lines.get(i, [])) for i in range(max(lines, default=-1) + 1)]


def times_shown(app, text: str) -> int:
    return sum(line.count(text) for line in screen_lines(app))


def shows(app, text: str) -> bool:
    return any(text in line for line in screen_lines(app))


def assert_shows(app, *texts: str) -> None:
    lines = screen_lines(app)
    for text in texts:
        assert any(text in line for line in lines), f"{text!r} not shown literally:\n" + "\n".join(lines)


async def click_on(pilot, text: str) -> None:
    """Click where ``text`` is drawn (its first character), then check that the app still runs."""
    for row, line in enumerate(screen_lines(pilot.app)):
        at = line.find(text)
        if at >= 0:
            await pilot.click(offset=(cell_len(line[:at]), row))
            await pilot.pause()
            assert pilot.app.is_running and pilot.app.return_code is None, f"clicking {text!r} acted"
            return
    raise AssertionError(f"{text!r} is not on the screen")


async def test_dashboard_title_flags_and_cases(hostile, db):
    app = make_app(db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert_shows(app, CENTRE, CLOSER)  # the header's centre name; the red flag; the open case
        assert times_shown(app, CLOSER) >= 2
        await click_on(pilot, CENTRE)
        await click_on(pilot, CLOSER)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("f5")
        await settle(pilot)
        assert_shows(app, CENTRE, CLOSER)


async def test_organisations_list_form_page_and_leave_dialogs(hostile, db):
    app = make_app(db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("o")
        screen = app.screen
        assert isinstance(screen, OrgsScreen)
        await wait_until(lambda: screen.complete, what="the organisations' totals")
        await settle(pilot)
        assert_shows(app, *NAMES)
        await click_on(pilot, CLICK)

        # The search box takes a name as typed and the bar shows the query literally.
        await pilot.press("slash", *"[b")
        await settle(pilot)
        assert_shows(app, "[b")
        await pilot.press("escape")
        await settle(pilot)

        # The edit form: the name in its field, as stored.
        screen.table.move_cursor(row=next(i for i, r in enumerate(screen.visible_rows()) if r.name == CLOSER))
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, OrgFormModal)
        assert app.screen.query_one("#f-name", Input).value == CLOSER
        assert app.screen.query_one("#f-note", Input).value == NOTE
        await pilot.press("escape")
        await settle(pilot)

        # The exit dialog (x) and the graduation dialog (g): the name, and the question after the date.
        for key in ("x", "g"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, LeaveModal)
            assert_shows(app, CLOSER)
            await pilot.press("enter")  # today's date: the question, with the name
            await settle(pilot)
            assert times_shown(app, CLOSER) >= 2
            await click_on(pilot, CLOSER)
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen

        # The org's page: name, contact, note, the case's reason, the monthly scores.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrgPageScreen)
        assert_shows(app, CLOSER, NOTE, BOLD)
        await click_on(pilot, CLOSER)
        await pilot.press("escape")
        await settle(pilot)

        # The page of the org with a reason for lost points (and a veto in its ratings).
        screen.table.move_cursor(row=next(i for i, r in enumerate(screen.visible_rows()) if r.name == CLICK))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrgPageScreen)
        assert_shows(app, CLICK, REASON)
        await click_on(pilot, REASON)
        await click_on(pilot, CLICK)
        await pilot.press("escape")
        await settle(pilot)


async def test_notifications_show_names_literally(hostile, db):
    app = make_app(db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("o")
        screen = app.screen
        await wait_until(lambda: screen.complete, what="the organisations' totals")
        await settle(pilot)
        screen.table.move_cursor(row=next(i for i, r in enumerate(screen.visible_rows()) if r.name == LINK))
        await pilot.press("x")  # it has left already: a notification names it
        await settle(pilot)
        await wait_until(lambda: shows(app, f"「{LINK}」"), what="the notification")
        await click_on(pilot, LINK)


async def test_cases_and_a_cases_page_with_its_history(hostile, db):
    app = make_app(db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CasesScreen)
        assert_shows(app, CLOSER, CLICK)  # the monthly case and the veto's case
        table = screen.query_one("#cases-table", DataTable)
        table.move_cursor(row=next(i for i in range(table.row_count) if table.get_row_at(i)[0].plain == CLOSER))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CasePageScreen)
        assert_shows(app, CLOSER, PROBLEMS)
        await click_on(pilot, CLOSER)
        await pilot.press("escape")
        table.move_cursor(row=next(i for i in range(table.row_count) if table.get_row_at(i)[0].plain == CLICK))
        await pilot.press("enter")
        await settle(pilot)
        assert_shows(app, CLICK, VETO)  # the veto's description is the case's reason
        await click_on(pilot, VETO)
        await pilot.press("escape")


async def test_review(hostile, db):
    app = make_app(db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert_shows(app, CLICK)
        await click_on(pilot, CLICK)


async def test_the_palette_and_switching_centre(hostile, db):
    app = make_app(db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        assert CommandPalette.is_open(app)
        await pilot.press(*"粗体中心")

        def offered() -> bool:
            lists = app.screen.query(CommandList)
            return bool(lists) and any(OTHER_CENTRE in str(getattr(o.prompt, "plain", o.prompt))
                                       for o in lists.first().options)

        await wait_until(offered, what="the palette's hit")
        await settle(pilot)
        assert_shows(app, OTHER_CENTRE)
        await pilot.press("enter")
        await settle(pilot)
        assert app.centre_name == OTHER_CENTRE
        assert_shows(app, OTHER_CENTRE)  # the header, and the notification
        assert times_shown(app, OTHER_CENTRE) >= 2
        await click_on(pilot, OTHER_CENTRE)


async def test_first_run_with_such_a_centre_name(db):
    app = make_app(db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press(*CENTRE)
        assert_shows(app, CENTRE)  # typed into the field
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen) and app.centre_name == CENTRE
        assert_shows(app, CENTRE)
        await click_on(pilot, CENTRE)



async def test_scoring_grid(hostile, db):
    app = make_app(db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert app.current_mode == "scoring"
        assert_shows(app, CLOSER, BOLD, CLICK)
        await click_on(pilot, CLICK)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")


async def test_export_dialog(hostile, db):
    app = make_app(db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert times_shown(app, CENTRE) >= 2  # the dialog's text names the centre; so does the file name
        await click_on(pilot, CENTRE)
        await pilot.press("escape")
