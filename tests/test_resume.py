"""Coming back to a screen reloads its data only when something was written meanwhile."""

from __future__ import annotations

from incubator_tui.app import IncubatorApp
from incubator_tui.screens.dashboard_screen import DashboardScreen
from tests.helpers import make_org, score_month


async def _settle(app, pilot) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def test_dashboard_reloads_only_after_a_write(db, centre, monkeypatch) -> None:
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    org = make_org(db, centre, "晨光公益服务社")
    loads = []
    original = DashboardScreen.reload
    monkeypatch.setattr(DashboardScreen, "reload", lambda self: (loads.append(1), original(self))[1])
    app = IncubatorApp(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        first = len(loads)
        await pilot.press("c")
        await _settle(app, pilot)
        await pilot.press("d")
        await _settle(app, pilot)
        assert len(loads) == first  # nothing written: the dashboard shows what it had
        score_month(db, centre, org, "2026-11", "5")  # a write (e.g. another window, an import)
        await pilot.press("c")
        await _settle(app, pilot)
        await pilot.press("d")
        await _settle(app, pilot)
        assert len(loads) == first + 1
        from textual.widgets import Static

        shown = app.screen.query_one("#progress", Static).content
        assert "已完成 1" in str(getattr(shown, "plain", shown))  # the reload shows the new score
