"""The review table pages its rows: a page at first, more as the cursor nears the end."""

from __future__ import annotations

from datetime import date

from textual.widgets import DataTable, Static

from incubator_tui.screens.paged import PAGE, PAGE_MARGIN
from incubator_tui.screens.review_screen import ReviewScreen
from incubator_tui.services.orgs import add_org
from incubator_tui.services.reviews import set_review_input
from tests.test_app import make_app, settle, text_of
from incubator_tui.services.access import reads_sql
from tests.waiting import wait_until


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


def test_column_widths_are_those_of_every_rows_texts():
    """prepare() works the widths out from extremes; they equal the widths of every row's texts."""
    import random
    from fractions import Fraction

    from rich.cells import cell_len

    from incubator_tui.rules.rating import COMPONENTS
    from incubator_tui.screens.review_screen import TABLE_COLUMNS, prepare
    from incubator_tui.services.reviews import LiveRating

    rng = random.Random(11)

    def value(places: int):
        return rng.choice([None, Fraction(rng.randint(0, 10000), 100), Fraction(9996, 100), Fraction(100),
                           Fraction(rng.randint(0, 900), 100), Fraction(2, 3)])

    for _ in range(50):
        rows = []
        for i in range(rng.randint(1, 30)):
            comps = {c: value(1) for c in COMPONENTS}
            composite = value(2)
            missing = tuple(c for c in COMPONENTS if comps[c] is None)
            rows.append(LiveRating(
                "c", "中心", f"o{i}", "组织" * rng.randint(1, 12), 2025, comps, composite,
                rng.choice([None, 1, 3, 5]), missing, vetoed=rng.random() < 0.1, capped=rng.random() < 0.1,
                finalised=rng.random() < 0.3,
            ))
        prepared = prepare(rows)
        every = [prepared.texts(i) for i in range(len(rows))]
        assert [cell_len(w) for w in prepared.widest] == [
            max(cell_len(texts[k]) for texts in every) for k in range(len(TABLE_COLUMNS))
        ]


async def test_the_first_page_shows_while_the_rest_of_the_year_is_worked_out(db, centre, monkeypatch):
    import asyncio
    import threading

    from incubator_tui.services import reviews

    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    n = PAGE + 15
    with db.session() as s:
        for i in range(n):
            org, _ = add_org(s, centre.id, {"name": f"组织{i:03d}", "category": "community",
                                            "entry_date": date(2024, 1, 1)}, "tester")
            set_review_input(s, org.id, 2025, "tester", party_cent=9000)
    release, calls = threading.Event(), []
    real = reviews.ratings_for_year

    def held(session, centre_id, year, first=None):
        calls.append(first)
        if first is None:
            release.wait(5)  # the whole year: held until the test has looked at the first page
        return real(session, centre_id, year, first)

    monkeypatch.setattr(reviews, "ratings_for_year", reads_sql(held))
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        screen = app.screen
        await wait_until(lambda: screen.loaded, what="the first page")
        await pilot.pause()
        table = screen.query_one("#review-table", DataTable)
        summary = screen.query_one("#review-summary", Static)
        assert calls == [PAGE, None] and screen.partial
        assert table.row_count == PAGE and table.get_row_at(0)[0].plain == "组织000"
        assert f"已显示前 {PAGE} 个组织" in text_of(summary)
        release.set()
        await settle(pilot)
        assert not screen.partial and f"{n} 个组织" in text_of(summary)
        assert len(screen.rows) == n and table.row_count == PAGE  # still paged, now from the whole year
        await pilot.press("d", "r")  # back again, nothing changed: no first page this time
        await settle(pilot)
        assert calls == [PAGE, None] and not screen.partial


async def test_the_summary_tells_the_truth_once_a_small_year_is_in(db, centre, monkeypatch):
    """Fewer orgs than a page: the whole year equals its first page, and the summary must
    still stop saying the rest is being worked out (it stayed on it for ever)."""
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    with db.session() as s:
        for i in range(34):
            org, _ = add_org(s, centre.id, {"name": f"组织{i:03d}", "category": "community",
                                            "entry_date": date(2024, 1, 1)}, "tester")
            set_review_input(s, org.id, 2025, "tester", party_cent=9000)
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        summary = text_of(app.screen.query_one("#review-summary", Static))
        assert "其余正在计算" not in summary and "34 个组织" in summary
