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


# -- the rest of the month cannot be read (the read raises) ------------------------------------------------------------
@pytest.fixture
def rest_fails_once(monkeypatch: pytest.MonkeyPatch, gate) -> list[str]:
    """The rest's first read fails as a disk I/O error does, inside the read (the database
    turns it into its message); any later read of the rest works.  Its months are recorded."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from incubator_tui.services import scoring

    real = scoring.grid_rest
    calls: list[str] = []

    def grid_rest(connection, grid):
        calls.append(grid.month)
        if len(calls) == 1:
            raise OperationalError("SELECT ... FROM score", {}, sqlite3.OperationalError("disk I/O error"))
        return real(connection, grid)

    monkeypatch.setattr(scoring, "grid_rest", grid_rest)
    return calls


def key_bar(screen: ScoringScreen) -> str:
    from incubator_tui.widgets.key_bar import KeyBar

    return screen.query_one(KeyBar).render().plain


async def test_keys_held_when_the_rest_cannot_be_read_are_reported_and_keys_needing_it_refused(
        db, centre, orgs, items, gate, rest_fails_once):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_partial(pilot, centre)
        await pilot.press("G", "up", "2", "enter", "5")  # on the second to last org, not read: 3 keys kept
        assert len(screen.held) == 3 and "按键已记下" in message(screen)
        gate.open()  # ... and the read of the rest fails
        await wait_until(lambda: "记下的 3 个按键未执行，未保存任何内容" in message(screen),
                         what="the keys held said not run")
        await pilot.pause()
        assert rest_fails_once == [MONTH] and not screen.held and screen.partial
        assert "本月其余 46 家组织的分数未能读取" in message(screen) and "按 ^r 重新读取本月" in message(screen)
        assert "其余 46 家组织的分数未能读取（^r 重新读取）" in header(screen)  # no longer "reading"
        assert "正在读取" not in header(screen) and "完成" not in header(screen)
        assert "^r 重新读取本月" in key_bar(screen)
        assert shown(screen, N_ORGS - 2) == ["?"] * 8  # not known, and not being read any more
        assert "该组织本月的分数未能读取" in screen.query_one("#scoring-detail").plain
        # A key on a row not read is refused, saying how to read the month again: never held again.
        await pilot.press("3")
        assert not screen.held and "请先按 ^r 重新读取本月" in message(screen)
        await pilot.press("x")  # closing looks at every row: refused the same way
        assert "请先按 ^r 重新读取本月" in message(screen) and pilot.app.screen is screen
        # Rows read keep working and saving.
        await pilot.press("g", "2", "enter")  # the first org, its first item
        await wait_until(lambda: stored(db, orgs[0]).get(items[0]) == 200, what="a score typed in a row read saved")
        assert shown(screen, 0)[0] == "2"
    # Nothing from the keys held reached the database: the org's cells are as they were.
    assert stored(db, orgs[-2]) == {item: 100 for item in items}
    assert stored(db, orgs[0]) == {**{item: 100 for item in items}, items[0]: 200}


async def test_the_retry_key_reads_the_month_again_on_the_same_org_and_keeps_failed_saves(
        db, db_path, centre, orgs, items, gate, rest_fails_once):
    import sqlite3

    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_partial(pilot, centre)
        other = sqlite3.connect(db_path, isolation_level=None)  # another program holds the database
        other.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("down", "2", "enter")  # row 1, read: its save fails (locked past the timeout)
            await wait_until(lambda: screen.cell_text(orgs[1], items_code(screen, 0)) == "2!",
                             what="the save failed, the value kept and marked")
            gate.open()  # the read of the rest fails too
            await wait_until(lambda: "本月其余 46 家组织的分数未能读取；按 ^r 重新读取本月" in message(screen),
                             what="the rest's read failed, said with the key that reads it again")
            await pilot.press("G")  # the last org, not read
            assert screen.grid.rows[screen.model.row].org_id == orgs[-1] and shown(screen, N_ORGS - 1) == ["?"] * 8
            await pilot.press("ctrl+r")  # the failed save tried again (still locked: fails again), month re-read
            await wait_until(lambda: not screen.reading and not screen.partial and bool(screen.failed_saves)
                             and screen.cell_text(orgs[1], items_code(screen, 0)) == "2!",
                             what="the month read again, the save failed again")
            await pilot.pause()
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert rest_fails_once == [MONTH, MONTH]
        # The whole month is in, the cursor on the same org, its real cells shown; the unsaved value kept.
        assert screen.grid.rows[screen.model.row].org_id == orgs[-1]
        assert shown(screen, N_ORGS - 1) == ["1"] * 6 + ["6.0", ""]
        assert screen.cell_text(orgs[1], items_code(screen, 0)) == "2!" and "未保存 1" in header(screen)
        assert "完成 5 · 未完成 3 · 未开始 61" in header(screen)  # the value kept counts, as typed
        assert "重新读取" not in key_bar(screen) and "^r 重试保存" in key_bar(screen)
        # Typing there saves; ctrl+r is the plain retry again and saves the value kept.
        assert screen.model.item == 1  # the item kept too
        await pilot.press("backspace")
        await wait_until(lambda: stored(db, orgs[-1]) == {**{item: 100 for item in items}, items[1]: None},
                         what="the cell cleared on the org the cursor stayed on")
        await pilot.press("ctrl+r")
        await wait_until(lambda: stored(db, orgs[1]) == {items[0]: 200}, what="the failed save saved at last")
        await pilot.pause()
        assert screen.cell_text(orgs[1], items_code(screen, 0)) == "2" and not screen.failed_saves
    assert rest_fails_once == [MONTH, MONTH]  # no third read: the month was complete


def items_code(screen: ScoringScreen, i: int) -> str:
    return screen.grid.items[i].code


async def test_the_retry_key_remapped_reads_the_month_again_and_the_messages_name_it(
        db, centre, orgs, items, gate, rest_fails_once):
    app = IncubatorApp(db, config=Config(operator="tester", keys={"scoring.retry": "f5"}))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_partial(pilot, centre)
        gate.open()
        await wait_until(lambda: "按 f5 重新读取本月" in message(screen), what="the failure said with the key as bound")
        await pilot.pause()
        assert "f5 重新读取本月" in key_bar(screen) and "^r" not in key_bar(screen)
        await pilot.press("G", "ctrl+r")  # no longer bound: nothing happens
        await pilot.pause()
        assert screen.partial and not screen.reading
        await pilot.press("f5")
        await wait_until(lambda: not screen.reading and not screen.partial, what="the month read again")
        assert screen.grid.rows[screen.model.row].org_id == orgs[-1] and rest_fails_once == [MONTH, MONTH]
