"""The app backs the database up once a day, after the first screen has its data."""

from __future__ import annotations

from incubator_tui import paths
from incubator_tui.app import IncubatorApp


async def test_backup_is_made_after_the_dashboard_shows(db, centre, monkeypatch) -> None:
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    app = IncubatorApp(db)
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(20):
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if list(paths.backup_dir().glob("*.sqlite")):
                break
    assert [p.name for p in paths.backup_dir().glob("*.sqlite")] == ["test-2026-11-15.sqlite"]
