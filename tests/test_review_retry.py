"""The annual review's saves that fail (the database locked past its busy timeout), by keys:
the typed value stays on screen marked not saved, as in the scoring grid, and ctrl+r saves it
again once the cause is gone; each test ends by reading the database."""

from __future__ import annotations

import sqlite3

from sqlalchemy import text
from textual.widgets import Static

from incubator_tui.services.reviews import set_review_input
from incubator_tui.widgets.key_bar import KeyBar
from tests.test_app import make_app, settle
from tests.test_review_screen import YEAR, _today, goto, open_review, org_with, stored, type_values, wait_saved
from tests.waiting import wait_until

__all__ = ["_today"]  # the review tests' clock (autouse fixture)


def key_bar(screen) -> str:
    return screen.query_one(KeyBar).render().plain


def message(screen) -> str:
    return screen.status("message").plain


def party_audits(db, org_id: str) -> list[tuple]:
    with db.engine.connect() as c:
        return [tuple(r) for r in c.execute(text(
            "SELECT a.old, a.new, a.operator FROM audit a JOIN review_input i ON a.row_id = i.id "
            "WHERE a.table_name = 'review_input' AND a.field = 'party_cent' AND i.org_id = :o "
            "AND i.year = :y ORDER BY a.at, a.rowid"), {"o": org_id, "y": YEAR})]


class Locked:
    """Another program holding the database's write lock (past the tests' 0.3 s busy timeout)."""

    def __init__(self, path) -> None:  # noqa: ANN001
        self.other = sqlite3.connect(path, isolation_level=None)
        self.other.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.other.execute("ROLLBACK")
        self.other.close()


async def wait_failed(screen, count: int) -> None:
    await wait_until(lambda: len(screen.failed_values) == count and screen.db_queue.waiting == 0,
                     what="the failed saves")


async def test_a_failed_review_save_keeps_the_value_marked_and_ctrl_r_saves_it(db, db_path, centre):
    org = org_with(db, centre, "甲九十", "9", 90)
    with db.session() as s:
        set_review_input(s, org, YEAR, "tester", party_cent=7000, self_cent=9000, public_cent=9000)
    async with make_app(db).run_test(size=(160, 40)) as pilot:
        screen = await open_review(pilot)
        assert "重试保存" not in key_bar(screen)  # nothing to retry: the key is not offered
        before = screen.cell_text(org, "composite")
        assert before == "84.00" and screen.cell_text(org, "stars") == "★★★★☆"  # party 70
        locked = Locked(db_path)
        try:
            await type_values(pilot, "85")
            await wait_failed(screen, 1)
            await pilot.pause()
            # The typed value stays, marked as the grid marks it; the rating counts what is shown.
            assert screen.cell_text(org, "party") == "85!"
            assert screen.model.row_view(0)[1].look == "failed"
            assert screen.cell_text(org, "composite") == "88.50"  # party 85 counted, as shown
            assert "未保存：党建落实" in screen.cell_text(org, "note")
            assert message(screen).startswith("未保存（甲九十 · 党建落实）")
            assert message(screen).endswith("所填的值保留，按 ^r 重试")
            assert "^r 重试保存" in key_bar(screen)
            await pilot.press("left")  # back on party: the line under the table says why
            assert "未保存：" in screen.status("detail").plain
            await pilot.press("F")  # finalising would rate what the screen does not show: refused
            assert "1 个值未保存" in message(screen) and pilot.app.screen is screen
            await pilot.press("ctrl+r")  # still locked: fails again, kept again
            await wait_failed(screen, 1)
            assert screen.cell_text(org, "party") == "85!"
        finally:
            locked.release()
        assert stored(db, org)[:3] == (7000, 9000, 9000)  # the database still has the old value
        await pilot.press("ctrl+r")
        await wait_saved(screen)
        await wait_until(lambda: message(screen).startswith("已保存"), what="the retry's message")
        await pilot.pause()
        assert screen.cell_text(org, "party") == "85"
        assert "未保存" not in screen.cell_text(org, "note")
        assert message(screen) == "已保存（甲九十 · 2025 党建落实）"
        assert "重试保存" not in key_bar(screen)
    assert stored(db, org)[:3] == (8500, 9000, 9000)
    # audited as any save: one row for the value saved, none for the attempts that failed
    assert party_audits(db, org) == [(None, "7000", "tester"), ("7000", "8500", pilot.app.operator)]


async def test_unsaved_values_survive_a_change_of_year_and_retyping_clears_the_mark(db, db_path, centre):
    org = org_with(db, centre, "甲九十", "9", 90)
    async with make_app(db).run_test(size=(160, 40)) as pilot:
        screen = await open_review(pilot)
        locked = Locked(db_path)
        try:
            await type_values(pilot, "80", "90")  # party, then self: both fail
            await wait_failed(screen, 2)
        finally:
            locked.release()
        await pilot.press("left_square_bracket")  # another year, then back, as the grid keeps months'
        await wait_until(lambda: screen.year == YEAR - 1 and not screen.reading, what="the year before")
        assert "^r 重试保存" in key_bar(screen)  # still waiting, whatever the year shown
        await pilot.press("right_square_bracket")
        await wait_until(lambda: screen.year == YEAR and not screen.reading and screen.model.year == YEAR,
                         what="the year again")
        await pilot.pause()
        assert (screen.cell_text(org, "party"), screen.cell_text(org, "self")) == ("80!", "90!")
        assert stored(db, org) is None
        await goto(pilot, screen, "甲九十", "party")
        await type_values(pilot, "80")  # the same value typed again: saved, its mark gone
        await wait_saved(screen)
        await pilot.pause()
        assert (screen.cell_text(org, "party"), screen.cell_text(org, "self")) == ("80", "90!")
        await pilot.press("question_mark")  # the help lists the retry key (through the bindings)
        listed = str(pilot.app.screen.query_one("#help-list", Static).content)
        assert "重试保存" in listed
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+r")  # the other value, saved in its turn
        await wait_saved(screen)
        await wait_until(lambda: not screen.failed_values, what="nothing left to retry")
        await pilot.pause()
        assert screen.cell_text(org, "self") == "90"
    assert stored(db, org)[:2] == (8000, 9000)
