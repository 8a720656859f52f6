"""The scoring grid opens with its first screenful and reads the rest of the month after (session 6).

The rest is held back by a gate in its read (``read_rest``, wrapped here), so each test sees the
partial state for as long as it needs, presses keys through Pilot as a user would, then lets the
rest in and checks what the grid shows and what the database holds.  Nothing waits on a fixed
sleep: every wait is on a state (``wait_until``)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from incubator_tui.app import IncubatorApp
from incubator_tui.config import Config
from incubator_tui.editing import grid_jobs
from incubator_tui.models import Score
from incubator_tui.screens import scoring_screen
from incubator_tui.screens.scoring_modals import SearchModal
from incubator_tui.screens.scoring_screen import ScoringScreen
from incubator_tui.services.access import reads_sql
from incubator_tui.services.centres import Checklists
from incubator_tui.services.orgs import add_org
from incubator_tui.services.scoring import Cell, load_grid, save_cells, set_exempt
from tests.waiting import wait_until

SIZE = (110, 24)  # 24 lines: the rows within 24 of the cursor are read first
TODAY = "2025-03-15"
MONTH = "2025-03"
N_ORGS = 70


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", TODAY)


@pytest.fixture
def items(db, centre) -> list[str]:
    """The item ids of the checklist in force, in the grid's column order."""
    with db.session() as s:
        return [it.id for it in Checklists(s, centre.id).items_for(MONTH)]


@pytest.fixture
def orgs(db, centre, items) -> list[str]:
    """70 organisations, their ids in grid (pinyin) order; the first and the last four scored in
    full, two in the middle begun, org 50 exempt."""
    with db.session() as s:
        ids = [add_org(s, centre.id, {"name": f"测试组织{n:02d}", "category": "community",
                                       "entry_date": date(2024, 6, 1)}, "tester")[0].id for n in range(N_ORGS)]
    with db.session() as s:
        full = {item: Cell(100) for item in items}  # 1 point each: a complete month of 6.0
        for org_id in (ids[0], *ids[-4:]):
            save_cells(s, centre.id, org_id, MONTH, full, "tester")
        for org_id in (ids[40], ids[41]):
            save_cells(s, centre.id, org_id, MONTH, {items[0]: Cell(50)}, "tester")
        set_exempt(s, centre.id, ids[50], MONTH, "外出培训", "tester")
    return ids


class Gate:
    """Holds the rest of the month back until :meth:`open` (and records the order of the reads)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.order: list[tuple[str, int]] = []  # (read, rows whose cells it read)

    def open(self) -> None:
        self.event.set()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch):
    gate = Gate()
    read_month, read_rest = grid_jobs.read_month, grid_jobs.read_rest

    @reads_sql
    def first(connection, *args):
        loaded = read_month(connection, *args)
        gate.order.append(("first", sum(row.cells_read for row in loaded.grid.rows)))
        return loaded

    @reads_sql
    def rest(connection, grid):
        gate.event.wait(20)
        got = read_rest(connection, grid)
        gate.order.append(("rest", len(got.rows.cells)))
        return got

    monkeypatch.setattr(scoring_screen, "read_month", first)
    monkeypatch.setattr(scoring_screen, "read_rest", rest)
    yield gate
    gate.open()  # never leave a worker waiting


def make_app(db) -> IncubatorApp:
    return IncubatorApp(db, config=Config(operator="tester"))


async def open_partial(pilot, centre) -> ScoringScreen:
    """``s``, then wait until the grid shows its first screenful (the rest held at the gate)."""
    await pilot.pause()
    if pilot.app.centre_id is None:
        pilot.app.centre_id = centre.id
    await pilot.press("s")
    await wait_until(lambda: isinstance(pilot.app.screen, ScoringScreen) and pilot.app.screen.model is not None,
                     what="the first screenful shown")
    screen = pilot.app.screen
    await pilot.pause()
    return screen


def shown(screen: ScoringScreen, r: int) -> list[str]:
    """What row ``r`` shows: its items, total and streak."""
    n = len(screen.grid.items)
    return [screen.table.cell(r, c).plain for c in range(1, n + 3)]


def header(screen: ScoringScreen) -> str:
    return screen.query_one("#scoring-header").plain


def message(screen: ScoringScreen) -> str:
    return screen.query_one("#scoring-message").plain


def stored(db, org_id: str) -> dict[str, int | None]:
    with db.session() as s:
        rows = s.execute(select(Score.item_id, Score.value_cent).where(Score.org_id == org_id,
                                                                         Score.month == MONTH)).all()
    return dict(rows)


def full_month_progress(db, centre) -> str:
    with db.session() as s:
        done, partial, empty = load_grid(s, centre.id, MONTH).progress()
    return f"完成 {done} · 未完成 {partial} · 未开始 {empty}"


async def test_the_first_screenful_is_shown_before_the_rest_is_read(db, centre, orgs, gate):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_partial(pilot, centre)
        # Shown, with only the rows within a screen's height of the cursor read; the rest not read yet.
        assert gate.order == [("first", SIZE[1])]
        assert screen.partial
        assert shown(screen, 0) == ["1"] * 6 + ["6.0", ""]  # read: its real cells
        assert shown(screen, 1) == [""] * 6 + ["", ""]  # read, not scored: blank
        assert shown(screen, 69) == ["…"] * 8  # not read: never blank as if unscored
        assert shown(screen, 50)[6] == "免考评"  # exemptions are known for every row from the start
        # The header never counts the first rows as the month's.
        assert "正在读取其余 46 家组织的分数" in header(screen) and "完成" not in header(screen)
        gate.open()
        await wait_until(lambda: not screen.partial, what="the rest of the month")
        await pilot.pause()
        assert gate.order == [("first", SIZE[1]), ("rest", N_ORGS - SIZE[1])]
        assert shown(screen, 69) == ["1"] * 6 + ["6.0", ""]
        assert shown(screen, 40)[0] == "0.5" and shown(screen, 40)[6] == "~2.5 缺5"
        assert full_month_progress(db, centre) == "完成 5 · 未完成 2 · 未开始 62"
        assert "完成 5 · 未完成 2 · 未开始 62" in header(screen) and "免考评 1" in header(screen)


async def test_a_score_typed_into_the_first_rows_meanwhile_is_saved_to_its_cell(db, centre, orgs, items, gate):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_partial(pilot, centre)
        await pilot.press("down", "2", "enter", "1", ".", "5", "enter")  # row 1: plan 2, hygiene 1.5
        await pilot.press("down", "n")  # row 2, party (the cursor moved on to the third item): N/A
        await wait_until(lambda: stored(db, orgs[1]) == {items[0]: 200, items[1]: 150},
                         what="row 1's two cells saved while the rest is still being read")
        await wait_until(lambda: len(stored(db, orgs[2])) == 1, what="row 2's N/A saved")
        assert screen.partial  # all of it before the rest came in
        gate.open()
        await wait_until(lambda: not screen.partial, what="the rest of the month")
        await pilot.pause()
        # The rest did not overwrite what was typed in the rows read first (its read began before).
        assert shown(screen, 1)[:2] == ["2", "1.5"] and shown(screen, 2)[2] == "不适用"
        assert screen.model.counts[:3] == [5, 4, 60]
    assert stored(db, orgs[1]) == {items[0]: 200, items[1]: 150}
    with db.session() as s:
        na = s.execute(select(Score.na).where(Score.org_id == orgs[2], Score.item_id == items[2])).scalar_one()
    assert na is True and stored(db, orgs[0]) == {item: 100 for item in items}  # the rows around untouched


async def test_keys_on_rows_not_read_wait_for_them_and_land_on_the_right_org(db, centre, orgs, items, gate):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_partial(pilot, centre)
        await pilot.press("G")  # the last org: moving needs no cells, it is there at once
        assert screen.grid.rows[screen.model.row].org_id == orgs[-1]
        assert "正在读取该组织本月的分数" in screen.query_one("#scoring-detail").plain
        await pilot.press("up", "2", "enter", "backspace")  # second to last: plan 2, then clear hygiene
        assert screen.held and "按键已记下" in message(screen)  # kept, not typed into unknown cells
        await pilot.press("x")  # closing looks at every row: refused until they are read, said why
        assert "正在读取本月其余组织的分数" in message(screen) and pilot.app.screen is screen
        assert stored(db, orgs[-2]) == {item: 100 for item in items}  # nothing saved meanwhile
        gate.open()
        await wait_until(lambda: not screen.partial and not screen.held and not screen.model.waiting,
                         what="the rest read and the keys held run and saved")
        await pilot.pause()
        # As if typed once the month was in: on the second to last org, its real cells around the change.
        assert screen.grid.rows[screen.model.row].org_id == orgs[-2] and screen.model.item == 1
        assert shown(screen, N_ORGS - 2) == ["2", ""] + ["1"] * 4 + ["~7.5 缺1", ""]
        assert shown(screen, N_ORGS - 1) == ["1"] * 6 + ["6.0", ""]
        assert "完成 4 · 未完成 3 · 未开始 62" in header(screen)
    assert stored(db, orgs[-2]) == {items[0]: 200, items[1]: None, **{item: 100 for item in items[2:]}}


async def test_finding_an_org_not_read_yet_lands_on_it_with_its_cells_once_read(db, centre, orgs, items, gate):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_partial(pilot, centre)
        await pilot.press("slash")  # names are read for every row: the search works at once
        assert isinstance(pilot.app.screen, SearchModal)
        await pilot.press(*"测试组织67", "enter")
        await wait_until(lambda: pilot.app.screen is screen, what="the search closed")
        assert screen.grid.rows[screen.model.row].org_id == orgs[67] and screen.partial
        assert shown(screen, 67) == ["…"] * 8
        await pilot.press("e")  # its cells decide whether to ask first: not before they are read
        assert "正在读取本月其余组织的分数" in message(screen) and pilot.app.screen is screen
        gate.open()
        await wait_until(lambda: not screen.partial, what="the rest of the month")
        await pilot.pause()
        assert screen.grid.rows[screen.model.row].org_id == orgs[67]
        assert shown(screen, 67) == ["1"] * 6 + ["6.0", ""]
        assert "完成 5 · 未完成 2 · 未开始 62" in header(screen)
