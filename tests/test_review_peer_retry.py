"""The peer dialog's saves that fail (the database locked past its busy timeout), by keys: the
typed rating stays marked ``!`` as on the review table, ``ctrl+r`` in the dialog saves it again,
and a dialog closed with unsaved ratings leaves them to the review (its table marks them, its
``ctrl+r`` saves them, finalising waits for them); each test ends by reading the database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from incubator_tui.screens.review_modals import FinaliseModal, PeerDialog
from incubator_tui.services.reviews import set_review_input
from tests.helpers import make_org
from tests.test_app import make_app
from tests.test_review_retry import Locked, key_bar, message
from tests.test_review_screen import YEAR, _today, open_review, org_with, wait_saved
from tests.waiting import wait_until

__all__ = ["_today"]  # the review tests' clock (autouse fixture)


def three_orgs(db, centre) -> tuple[str, str, str]:
    """阿尔法 with every input but its peer ratings (party, self, public 90; monthly 80), rated by
    贝塔社 and 查理社 (the dialog's two rows, in that order)."""
    a = org_with(db, centre, "阿尔法", "8", None)
    with db.session() as s:
        set_review_input(s, a, YEAR, "tester", party_cent=9000, self_cent=9000, public_cent=9000)
    return a, make_org(db, centre, "贝塔社", date(2024, 1, 1)), make_org(db, centre, "查理社", date(2024, 1, 1))


def peers(db, org_id: str) -> list[tuple]:
    with db.engine.connect() as c:
        return sorted(tuple(r) for r in c.execute(text(
            "SELECT rater_org_id, value_cent FROM peer_rating WHERE org_id = :o AND year = :y AND active"),
            {"o": org_id, "y": YEAR}))


def ratings(db, org_id: str) -> list[int]:
    with db.engine.connect() as c:
        return list(c.execute(text("SELECT stars FROM rating WHERE org_id = :o AND year = :y"),
                              {"o": org_id, "y": YEAR}).scalars())


async def open_peers(pilot, screen) -> PeerDialog:
    await pilot.press("p")
    await wait_until(lambda: isinstance(pilot.app.screen, PeerDialog) and pilot.app.screen.model is not None,
                     what="the peer dialog")
    await pilot.pause()
    return pilot.app.screen


def cell(dialog: PeerDialog, row: int) -> str:
    return dialog.query_one("#peer-table").cell(row, 1)


def said(dialog: PeerDialog) -> str:
    return dialog.query_one("#peer-message").plain


def summary(dialog: PeerDialog) -> str:
    return dialog.query_one("#peer-summary").plain


async def wait_failed(screen, dialog: PeerDialog) -> None:
    """Every save asked for is done and the dialog said one was not saved."""
    await wait_until(lambda: screen.db_queue.waiting == 0 and not dialog.model.waiting and "未保存" in said(dialog),
                     what="the failed peer saves")


async def test_a_failed_peer_save_stays_marked_and_ctrl_r_in_the_dialog_saves_it(db, db_path, centre):
    a, b, _c = three_orgs(db, centre)
    async with make_app(db).run_test(size=(160, 40)) as pilot:
        screen = await open_review(pilot)
        dialog = await open_peers(pilot, screen)
        locked = Locked(db_path)
        try:
            await pilot.press("8", "0", "enter")
            await wait_failed(screen, dialog)
            await pilot.pause()
            # The typed rating stays, marked as the table marks it, and the mean counts it.
            assert cell(dialog, 0) == "80!"
            assert dialog.model.row_view(0)[1].look == "failed"
            assert said(dialog).startswith("未保存（贝塔社的互评）")
            assert said(dialog).endswith("所填的值保留，按 ^r 重试")
            assert "80.0（1 人）" in summary(dialog) and "1 个评分未保存（^r 重试）" in summary(dialog)
            await pilot.press("ctrl+r")  # still locked: fails again, kept again
            await wait_until(lambda: said(dialog).startswith("未保存"), what="the retry's failure")
            await wait_failed(screen, dialog)
            assert cell(dialog, 0) == "80!" and len(screen.failed_peers) == 1
        finally:
            locked.release()
        assert peers(db, a) == []  # the database does not have it
        await pilot.press("ctrl+r")
        await wait_saved(screen)
        await wait_until(lambda: said(dialog) == "已保存（贝塔社的互评）", what="the retry's message")
        await pilot.pause()
        assert cell(dialog, 0) == "80" and not screen.failed_peers
        assert "未保存" not in summary(dialog)
        await pilot.press("escape")
        await wait_until(lambda: pilot.app.screen is screen, what="back on the table")
        await pilot.pause()
        assert screen.cell_text(a, "peer") == "80.0 (1)"
    assert peers(db, a) == [(b, 8000)]


async def test_closed_with_unsaved_ratings_the_review_keeps_them_and_finalising_waits(db, db_path, centre):
    a, b, c = three_orgs(db, centre)
    async with make_app(db).run_test(size=(160, 40)) as pilot:
        screen = await open_review(pilot)
        dialog = await open_peers(pilot, screen)
        locked = Locked(db_path)
        try:
            await pilot.press("8", "0", "enter", "9", "0", "enter")  # both fail
            await wait_failed(screen, dialog)
            assert (cell(dialog, 0), cell(dialog, 1)) == ("80!", "90!")
        finally:
            locked.release()
        await pilot.press("escape")  # closed with both unsaved: no question, the review keeps them
        await wait_until(lambda: pilot.app.screen is screen, what="back on the table")
        await pilot.pause()
        assert screen.cell_text(a, "peer") == "85.0 (2)!"  # as the dialog showed it, marked
        assert "未保存：互评" in screen.cell_text(a, "note")
        assert screen.cell_text(a, "composite") == "86.25"  # rated on the values shown
        assert message(screen).startswith("“阿尔法”有 2 个互评未保存，按 ^r 重试")
        assert "^r 重试保存" in key_bar(screen)
        await pilot.press("F")  # what would be rated is not what the screen shows: refused
        assert "2 个值未保存" in message(screen) and pilot.app.screen is screen
        await pilot.press("f5")  # the year read again: still shown, still marked
        await wait_until(lambda: not screen.reading, what="the year read again")
        await pilot.pause()
        assert screen.cell_text(a, "peer") == "85.0 (2)!" and screen.cell_text(a, "composite") == "86.25"
        dialog = await open_peers(pilot, screen)  # opened again: as they were left
        assert (cell(dialog, 0), cell(dialog, 1)) == ("80!", "90!")
        assert "2 个评分仍未保存" in said(dialog)
        await pilot.press("escape")
        await wait_until(lambda: pilot.app.screen is screen, what="back on the table")
        assert peers(db, a) == []
        await pilot.press("ctrl+r")  # the review's retry saves the dialog's too
        await wait_saved(screen)
        await wait_until(lambda: not screen.failed_peers and message(screen).startswith("已保存"),
                         what="the retries")
        await pilot.pause()
        assert screen.cell_text(a, "peer") == "85.0 (2)"
        assert "未保存" not in screen.cell_text(a, "note") and "重试保存" not in key_bar(screen)
        await pilot.press("F")  # now finalising is offered
        await wait_until(lambda: isinstance(pilot.app.screen, FinaliseModal) and pilot.app.screen.plan is not None,
                         what="the finalise dialog")
        await pilot.press("y")
        await wait_until(lambda: pilot.app.screen is screen, what="back on the table")
        await wait_saved(screen)
    assert peers(db, a) == sorted([(b, 8000), (c, 9000)])
    assert ratings(db, a) == [4]  # 86.25: the peer mean saved is the one rated


async def test_the_dialog_retries_with_the_review_key_as_remapped(db, db_path, centre):
    a, b, _c = three_orgs(db, centre)
    async with make_app(db, keys={"review.retry": "f6"}).run_test(size=(160, 40)) as pilot:
        screen = await open_review(pilot)
        dialog = await open_peers(pilot, screen)
        locked = Locked(db_path)
        try:
            await pilot.press("7", "5", "enter")
            await wait_failed(screen, dialog)
        finally:
            locked.release()
        assert said(dialog).endswith("按 f6 重试")
        await pilot.press("ctrl+r")  # not the key any more
        await pilot.pause()
        assert cell(dialog, 0) == "75!" and len(screen.failed_peers) == 1
        await pilot.press("f6")
        await wait_saved(screen)
        await wait_until(lambda: cell(dialog, 0) == "75", what="the retry")
    assert peers(db, a) == [(b, 7500)]
