"""The review table pages its rows: a page at first, more as the cursor nears the end."""

from __future__ import annotations

from datetime import date

from textual.widgets import DataTable, Static

from incubator_tui.screens.review_screen import PAGE, PAGE_MARGIN, ReviewScreen
from incubator_tui.services.orgs import add_org
from incubator_tui.services.reviews import set_review_input
from tests.test_app import make_app, settle, text_of


async def test_review_table_adds_rows_a_page_at_a_time(db, centre, monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    n = PAGE * 2 + 5
    with db.session() as s:
        for i in range(n):
            org, _ = add_org(s, centre.id, {"name": f"组织{i:03d}", "category": "community",
                                            "entry_date": date(2024, 1, 1)}, "tester")
            set_review_input(s, org.id, 2025, "tester", party_cent=9000)
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        table = app.screen.query_one("#review-table", DataTable)
        assert table.row_count == PAGE and f"{n} 个组织" in text_of(app.screen.query_one("#review-summary", Static))
        widths = [c.get_render_width(table) for c in table.ordered_columns]
        for _ in range(PAGE - PAGE_MARGIN):
            await pilot.press("j")
        await pilot.pause()
        assert table.row_count == 2 * PAGE  # the cursor neared the end: the next page
        await pilot.press("G")
        await pilot.pause()
        assert table.row_count == n and table.cursor_row == n - 1
        assert table.get_row_at(n - 1)[0].plain == f"组织{n - 1:03d}"
        assert [c.get_render_width(table) for c in table.ordered_columns] == widths  # pages keep the widths
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert table.row_count == 0 and "2024" in text_of(app.screen.query_one("#review-summary", Static))
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert table.row_count >= PAGE and "2025" in text_of(app.screen.query_one("#review-summary", Static))
