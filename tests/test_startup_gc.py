"""Start-up runs with the garbage collector off (it only rescans the long-lived objects start-up
makes); the app turns it back on once mounted, and the command leaves it as it found it."""

from __future__ import annotations

import gc

from incubator_tui.app import IncubatorApp
from incubator_tui.cli import main
from incubator_tui.config import Config
from tests.waiting import wait_until


async def test_the_app_turns_the_collector_back_on_once_mounted(db, centre) -> None:
    gc.disable()  # as cli.cmd_app leaves it
    try:
        app = IncubatorApp(db, config=Config(operator="tester", keys={}), resume_gc=True)
        async with app.run_test(size=(120, 36)):
            await wait_until(lambda: getattr(app.screen, "loaded", False), what="the dashboard")
            # on before the dashboard's load ran (collector.paused restores what it found)
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_an_app_not_told_leaves_the_collector_alone(db, centre) -> None:
    gc.disable()
    try:
        app = IncubatorApp(db, config=Config(operator="tester", keys={}))
        async with app.run_test(size=(120, 36)):
            await wait_until(lambda: getattr(app.screen, "loaded", False), what="the dashboard")
            assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_app_command_starts_with_the_collector_off_and_restores_it(db, centre, monkeypatch) -> None:
    seen = []

    def run(self, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003 - stands in for App.run
        seen.append((gc.isenabled(), self.resume_gc))

    monkeypatch.setattr(IncubatorApp, "run", run)
    assert gc.isenabled()
    assert main(["--db", str(db.path), "--exit-when-ready"]) == 0
    assert seen == [(False, True)]
    assert gc.isenabled()
