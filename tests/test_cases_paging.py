"""The cases table pages its rows: a page at first, more as the cursor nears the end."""

from __future__ import annotations

from datetime import date

from textual.widgets import DataTable

from incubator_tui.screens.cases_screen import CasesScreen
from incubator_tui.screens.paged import PAGE
from incubator_tui.services.cases import open_case
from incubator_tui.services.orgs import add_org
from tests.test_app import make_app, settle


async def test_cases_table_adds_rows_a_page_at_a_time(db, centre, monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    n = PAGE * 2 + 5
    with db.session() as s:
        for i in range(n):
            org, _ = add_org(s, centre.id, {"name": f"组织{i:03d}", "category": "community",
                                            "entry_date": date(2024, 1, 1)}, "tester")
            open_case(s, org, "veto", "安全事故", "tester", year=2026, on=date(2026, 3, 1))
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)
        table = app.screen.query_one("#cases-table", DataTable)
        assert table.row_count == PAGE
        for _ in range(PAGE - 10):
            await pilot.press("j")
        await settle(pilot)
        assert table.row_count == 2 * PAGE
        await pilot.press("G")
        await settle(pilot)
        assert table.row_count == n and table.cursor_row == n - 1
