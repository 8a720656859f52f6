"""What the app does while the user reads: full garbage collections, and warming up the other screens."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from incubator_tui import collector
from incubator_tui.app import IncubatorApp
from incubator_tui.collector import IdleCollector
from incubator_tui.config import Config
from incubator_tui.screens.orgs_screen import OrgsScreen
from tests.waiting import wait_until


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make_collector(pending: int = 3):
    clock, runs = FakeClock(), []
    state = {"pending": pending}
    idle = IdleCollector(clock=clock, collect=lambda: runs.append(clock.now), pending=lambda: state["pending"])
    return idle, clock, runs, state


def test_collects_only_once_the_user_has_paused():
    idle, clock, runs, _ = make_collector()
    idle.input()
    clock.now += collector.IDLE_SECONDS / 2
    assert idle.tick() is False and runs == []
    clock.now += collector.IDLE_SECONDS
    assert idle.tick() is True and runs == [clock.now]


def test_a_key_press_puts_the_collection_off_again():
    idle, clock, runs, _ = make_collector()
    clock.now += collector.IDLE_SECONDS * 2
    idle.input()
    clock.now += collector.IDLE_SECONDS / 2
    assert idle.tick() is False and runs == []


def test_nothing_to_collect_or_busy_means_no_collection():
    idle, clock, runs, state = make_collector(pending=0)
    clock.now += collector.IDLE_SECONDS * 2
    assert idle.tick() is False
    state["pending"] = 1
    assert idle.tick(busy=True) is False  # a worker is loading a screen: not now
    assert runs == []
    assert idle.tick() is True


def test_start_takes_full_collections_off_the_allocation_path_and_stop_restores():
    before = gc.get_threshold()
    idle = IdleCollector()
    try:
        idle.start()
        g0, g1, g2 = gc.get_threshold()
        assert (g0, g1) == before[:2] and g2 > 1_000_000  # young generations as before
    finally:
        idle.stop()
    assert gc.get_threshold() == before


async def test_the_app_warms_up_the_other_screens_when_idle_and_they_still_look_right(db, centre):
    before = gc.get_threshold()
    app = IncubatorApp(db, config=Config(operator="tester"))
    orgs_css = str((Path(__file__).parents[1] / "src/incubator_tui/screens/orgs_screen.tcss").resolve())
    async with app.run_test(size=(120, 36)) as pilot:
        # The dashboard, then a pause of the user's: the warm-up runs.
        await wait_until(lambda: app.stylesheet.has_source(orgs_css, ""), what="the warm-up")
        assert gc.get_threshold()[2] > 1_000_000  # full collections wait for pauses now
        await pilot.press("o")
        await wait_until(lambda: isinstance(app.screen, OrgsScreen) and app.screen.loaded, what="the list")
        await pilot.pause()
        # The organisations screen's own styles apply (its CSS was registered ahead).
        bar = app.screen.query_one("#orgs-bar")
        assert bar.styles.height is not None and bar.styles.height.value == 1
        assert bar.region.height == 1
    assert gc.get_threshold() == before  # the interpreter's own policy once the app is gone


async def test_the_idle_tick_during_shutdown_does_nothing(db, centre):
    """The idle timer may fire while the app closes, when no screen is left: no crash."""
    from textual.app import ScreenStackError

    app = IncubatorApp(db, config=Config(operator="tester"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
    with pytest.raises(ScreenStackError):  # no screen is left
        _ = app.screen
    app._collect_when_idle()  # as the interval would, between the screens going and the timer stopping


async def test_the_warm_up_takes_a_step_only_while_the_user_pauses(db, centre, monkeypatch):
    """The warm-up shares the interpreter with what a key starts: it imports one step at a time,
    and none while keys keep coming (a key pressed meanwhile waits for one step at most)."""
    import asyncio
    import importlib
    import time

    from incubator_tui import app as app_module

    steps = [f"step{i}" for i in range(4)]
    done: list[tuple[str, float]] = []
    monkeypatch.setattr(app_module, "WARM_STEPS", tuple(steps))
    monkeypatch.setattr(app_module, "WARM_MODULES", ())
    real_import = importlib.import_module

    def import_module(name, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if name in steps:
            return done.append((name, time.monotonic()))
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", import_module)
    app = IncubatorApp(db, config=Config(operator="tester"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app._warmed = True  # the idle tick starts it itself once; here the test does, at a chosen moment
        app.collector.input()  # a key: the user is busy
        app._warm_up()
        typing_until = time.monotonic() + 0.6
        while time.monotonic() < typing_until:  # keys keep coming: no step is taken
            app.collector.input()
            await asyncio.sleep(0.05)
        assert done == []
        await wait_until(lambda: len(done) == len(steps), what="every step once the user pauses")
        assert [name for name, _ in done] == steps
        assert done[0][1] >= typing_until + collector.IDLE_SECONDS - 0.1


async def test_the_warm_up_first_reads_the_month_the_grid_opens_on(db, centre, monkeypatch):
    """Its first step reads the cells of the month the scoring grid shows first, so that after a
    restart the grid's first open finds them in the OS cache (services.scoring.warm_month)."""
    from incubator_tui.screens.scoring_screen import ScoringScreen
    from incubator_tui.services import scoring
    from incubator_tui.services.access import reads_sql
    from tests.helpers import make_org, score_month

    org = make_org(db, centre, "晨光公益服务社")
    month = ScoringScreen().month  # the month the grid opens on
    score_month(db, centre, org, month, "7")
    read_ahead: list[tuple[str, str, int]] = []
    real = scoring.warm_month

    @reads_sql
    def warm_month(connection, centre_id, month_):  # noqa: ANN001
        cells = real(connection, centre_id, month_)
        read_ahead.append((centre_id, month_, cells))
        return cells

    monkeypatch.setattr(scoring, "warm_month", warm_month)
    app = IncubatorApp(db, config=Config(operator="tester"))
    orgs_css = str((Path(__file__).parents[1] / "src/incubator_tui/screens/orgs_screen.tcss").resolve())
    async with app.run_test(size=(120, 36)):
        await wait_until(lambda: app.stylesheet.has_source(orgs_css, ""), what="the warm-up")
    with db.session() as s:
        cells = sum(len(row.cells) for row in scoring.load_grid(s, centre.id, month).rows)
    assert cells > 0
    assert read_ahead == [(centre.id, month, cells)]  # once, over the cells the grid shows
