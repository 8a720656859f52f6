"""Background work of a hidden screen waits, so the screen the user went to is not slowed by it.

The organisations list computes every org's latest total and streak in a worker
after it has shown (a second or so for thousands of orgs); ``overview`` calls a
checkpoint between steps, and the screen's checkpoint waits while it is hidden.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import date

import pytest

from incubator_tui.app import IncubatorApp
from incubator_tui.config import Config
from incubator_tui.screens.orgs_screen import OrgsScreen
from incubator_tui.services import orgs as orgs_service
from incubator_tui.services.access import reads_sql
from tests.helpers import make_org, score_month
from tests.waiting import wait_until


@pytest.fixture
def scored(db, centre, monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    ids = [make_org(db, centre, f"测试组织{i:02d}", date(2025, 1, 1)) for i in range(6)]
    for i, org in enumerate(ids):
        for m in ("2026-08", "2026-09", "2026-10"):
            score_month(db, centre, org, m, "5.0" if i == 0 else "8.0")
    return ids


def test_overview_calls_the_checkpoint_and_gives_the_same_rows(db, centre, scored):
    calls = []
    with db.session() as s:
        plain = orgs_service.overview(s, centre.id, "2026-11")
        checked = orgs_service.overview(s, centre.id, "2026-11", checkpoint=lambda: calls.append(1))
    assert checked == plain
    assert plain[0].streak == 3  # the data is real: one red org
    assert len(calls) >= 3  # before the orgs, before the settings, in every step over rows


def test_a_checkpoint_that_raises_stops_the_overview(db, centre, scored):
    class Stop(Exception):
        pass

    def stop() -> None:
        raise Stop

    with db.session() as s, pytest.raises(Stop):
        orgs_service.overview(s, centre.id, "2026-11", checkpoint=stop)


async def test_the_organisations_totals_wait_while_another_screen_is_shown(db, centre, scored, monkeypatch):
    started, at_checkpoint = threading.Event(), threading.Event()
    progress: list[int] = []
    real_overview = orgs_service.overview

    def slow_overview(session, centre_id, as_of, checkpoint=None):
        # Many steps of work, each after a checkpoint (as the real one does every few rows).
        started.set()
        for step in range(20):
            at_checkpoint.set()
            checkpoint()
            at_checkpoint.clear()
            progress.append(step)
            threading.Event().wait(0.01)
        return real_overview(session, centre_id, as_of, checkpoint=checkpoint)

    monkeypatch.setattr(orgs_service, "overview", reads_sql(slow_overview))
    app = IncubatorApp(db, config=Config(operator="tester"))
    collections: list[int] = []
    app.collector._collect = lambda: collections.append(1)
    app.collector._pending = lambda: 1  # as if young collections had run meanwhile
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        orgs = app.screen
        assert isinstance(orgs, OrgsScreen)
        await wait_until(lambda: started.is_set() and progress, what="the totals started")
        await pilot.press("s")  # away while the totals are being worked out
        await wait_until(at_checkpoint.is_set, what="the worker waits at its next checkpoint")
        seen = len(progress)
        collections.clear()
        # Meanwhile the user pauses: a full collection runs (after 0.3 s without a key, during
        # which the hidden list's worker stayed at its checkpoint).
        await wait_until(lambda: collections, what="the idle collection")
        assert at_checkpoint.is_set() and len(progress) == seen < 20  # it waited while scoring was shown
        assert not orgs.complete
        # A hidden screen's waiting worker does not count as loading: the idle collection ran.
        assert collections
        await pilot.press("o")
        await wait_until(lambda: orgs.complete, what="the totals finished")
        assert orgs.complete and len(progress) == 20  # shown again: it went on and finished
        assert "测试组织00" in [str(orgs.table.get_row_at(i)[0]) for i in range(orgs.table.row_count)]


async def test_a_result_that_comes_after_quitting_is_dropped_not_a_crash(db, centre, scored, monkeypatch):
    """Quitting while a screen loads: the worker's late result is not handed to the torn-down screen."""
    from incubator_tui.screens.review_screen import ReviewScreen
    from incubator_tui.services import reviews

    release, started, read, shown = threading.Event(), threading.Event(), threading.Event(), []
    real = reviews.review_year  # what the review screen reads (#10)

    def slow(session, centre_id, year, first=None):
        started.set()
        release.wait(5)
        try:
            return real(session, centre_id, year, first)
        finally:
            read.set()

    monkeypatch.setattr(reviews, "review_year", reads_sql(slow))
    monkeypatch.setattr(ReviewScreen, "_loaded", lambda self, *a: shown.append(a))
    app = IncubatorApp(db, config=Config(operator="tester"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_until(started.is_set, what="the review's read started")
        app.exit()  # quit (as ctrl+q does) while the year's ratings are being read...
        release.set()  # ...and they come while the app is closing
        await wait_until(read.is_set, what="the read finished")
        await pilot.pause()  # the late result's delivery (if any) runs here
    assert read.is_set()
    assert shown == []  # handed to nobody; and run_test raised nothing
