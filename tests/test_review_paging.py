"""A district's year on the review screen: the first screenful first, then every row; the
summary tells the truth at every moment; only the lines on screen are drawn."""

from __future__ import annotations

import threading
from datetime import date

from incubator_tui.screens.review_screen import FIRST_PAGE, ReviewScreen
from incubator_tui.services.access import reads_sql
from incubator_tui.services.orgs import add_org
from incubator_tui.services.reviews import set_review_input
from tests.test_app import make_app, settle
from tests.waiting import wait_until


def _orgs(db, centre, n: int) -> None:
    with db.session() as s:
        for i in range(n):
            org, _ = add_org(s, centre.id, {"name": f"组织{i:03d}", "category": "community",
                                            "entry_date": date(2024, 1, 1)}, "tester")
            if i % 2 == 0:  # half of them with inputs: every member of the year is a row all the same
                set_review_input(s, org.id, 2025, "tester", party_cent=9000)


async def test_the_first_page_shows_while_the_rest_of_the_year_is_worked_out(db, centre, monkeypatch):
    from incubator_tui.services import reviews

    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    n = FIRST_PAGE + 15
    _orgs(db, centre, n)
    release, calls = threading.Event(), []
    real = reviews.review_year

    def held(session, centre_id, year, first=None):
        calls.append(first)
        if first is None:
            release.wait(5)  # the whole year: held until the test has looked at the first page
        return real(session, centre_id, year, first)

    monkeypatch.setattr(reviews, "review_year", reads_sql(held))
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await wait_until(lambda: screen.loaded, what="the first page")
        # The rest's read starts once the first page is painted (the worker's second call): waited for,
        # not assumed after one pause (on a loaded machine the paint comes later).
        await wait_until(lambda: calls == [FIRST_PAGE, None], what="the rest of the year asked for")
        await pilot.pause()
        assert calls == [FIRST_PAGE, None] and screen.partial
        assert len(screen.rows) == FIRST_PAGE and screen.table.cell(0, 0) == "组织000"
        assert f"已显示前 {FIRST_PAGE} 个组织，其余正在计算" in screen.status("summary").plain
        await pilot.press("1", "2")  # typing meanwhile is kept when the rest arrives
        release.set()
        await wait_until(lambda: not screen.partial, what="the whole year")
        await pilot.pause()
        summary = screen.status("summary").plain
        assert f"{n} 个组织" in summary and "其余正在计算" not in summary
        assert len(screen.rows) == n and screen.model.buffer == "12" and screen.cursor_at() == ("组织000", "party")
        await pilot.press("escape", "d", "r")  # back again, nothing changed: no first page, no read at all
        await settle(pilot)
        assert calls == [FIRST_PAGE, None] and not screen.partial


async def test_the_rest_of_the_year_is_worked_out_once_the_first_page_is_on_screen(db, centre, monkeypatch):
    """Worked out meanwhile, the rest would take the interpreter from the first page's paint (the
    key's wait): the whole year's read starts only once the first page's lines were drawn."""
    from incubator_tui.screens import review_screen
    from incubator_tui.services import reviews

    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    monkeypatch.setattr(review_screen, "FIRST_PAINT_WAIT", 10.0)  # a slow machine: the paint, not the bound
    _orgs(db, centre, FIRST_PAGE + 15)
    drawn_when_the_rest_began = []
    real = reviews.review_year
    app = make_app(db)

    def watched(session, centre_id, year, first=None):
        if first is None:
            drawn_when_the_rest_began.append(app.screen.table.lines_drawn)
        return real(session, centre_id, year, first)

    monkeypatch.setattr(reviews, "review_year", reads_sql(watched))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(lambda: drawn_when_the_rest_began, what="the whole year's read")
        await wait_until(lambda: not app.screen.partial, what="the whole year")
        assert drawn_when_the_rest_began[0] >= 30  # the first page's screenful, already drawn


async def test_the_summary_tells_the_truth_once_a_small_year_is_in(db, centre, monkeypatch):
    """Fewer orgs than a page: the whole year equals its first page, and the summary must
    still stop saying the rest is being worked out (it stayed on it for ever)."""
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    _orgs(db, centre, 34)
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        summary = app.screen.status("summary").plain
        assert "其余正在计算" not in summary and "34 个组织" in summary
        await pilot.press("left_square_bracket")  # 2024: every org belonged, none has inputs
        await settle(pilot)
        assert "2024 年度" in app.screen.status("summary").plain and "34 个组织" in app.screen.status("summary").plain


async def test_only_the_lines_on_screen_are_drawn(db, centre, monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    _orgs(db, centre, 300)
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        table = screen.table
        assert len(screen.rows) == 300
        assert table.lines_drawn < 80  # a screenful (and the first page's), never 300
        before = table.lines_drawn
        await pilot.press("9")
        await pilot.pause()
        assert table.lines_drawn - before <= 2  # a key redraws the row it touched
        await pilot.press("escape", "G")
        await pilot.pause()
        assert screen.cursor_at()[0] == "组织299" and table.scroll_offset.y > 0
