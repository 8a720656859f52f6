"""The annual review screen (r), by keys: DOMAIN 6's worked cases typed, peer ratings, vetoes,
finalising and amending, the priority list; each test ends by reading the database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from incubator_tui.screens.review_screen import ReviewScreen
from incubator_tui.services.reviews import set_peer_ratings
from tests.helpers import make_org, score_month
from tests.test_app import make_app, settle
from tests.waiting import wait_until

YEAR = 2025


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-01-20")


def org_with(db, centre, name: str, monthly: str, peer: int | None, months: int = 6) -> str:
    """An org of 2025 whose complete months total ``monthly`` each and whose three unnamed peers give ``peer``."""
    org_id = make_org(db, centre, name, date(2024, 1, 1))
    for m in range(1, months + 1):
        score_month(db, centre, org_id, f"{YEAR}-{m:02d}", monthly)
    if peer is not None:
        with db.session() as s:
            set_peer_ratings(s, org_id, YEAR, [(None, peer * 100)] * 3, "tester")
    return org_id


async def open_review(pilot) -> ReviewScreen:
    await settle(pilot)
    await pilot.press("r")
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    await wait_until(lambda: screen.model is not None and not screen.partial and not screen.reading,
                     what="the whole year")
    await pilot.pause()
    return screen


async def goto(pilot, screen: ReviewScreen, name: str, column: str = "party") -> None:
    """Move the cursor by keys to ``name``'s ``column``."""
    from incubator_tui.editing.review_model import CURSOR_COLUMNS

    target = screen.row_of(name)
    while screen.model.row != target:
        await pilot.press("down" if screen.model.row < target else "up")
    want = CURSOR_COLUMNS.index(column)
    while screen.model.col != want:
        await pilot.press("right" if screen.model.col < want else "left")


async def type_values(pilot, *values: str) -> None:
    for value in values:
        await pilot.press(*("full_stop" if ch == "." else ch for ch in value), "enter")


def stored(db, org_id: str) -> tuple:
    with db.engine.connect() as c:
        return c.execute(text("SELECT party_cent, self_cent, public_cent, veto FROM review_input "
                              "WHERE org_id = :o AND year = :y"), {"o": org_id, "y": YEAR}).first()


async def wait_saved(screen: ReviewScreen) -> None:
    await wait_until(lambda: screen.db_queue is None or screen.db_queue.waiting == 0, what="the saves")


async def test_worked_cases_typed_by_keys(db, centre):
    ids = {
        "甲九十": org_with(db, centre, "甲九十", "9", 90),
        "乙八十": org_with(db, centre, "乙八十", "8", 80),
        "丙差一点": org_with(db, centre, "丙差一点", "8", 80),
        "丁七十": org_with(db, centre, "丁七十", "7", 70),
        "戊六十": org_with(db, centre, "戊六十", "6", 60),
        "己党建": org_with(db, centre, "己党建", "10", 100),
        "庚月少": org_with(db, centre, "庚月少", "9", 90, months=5),
    }
    app = make_app(db)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_review(pilot)
        # Pinyin order (the organisations list's keys), not code-point order.
        names = [r.org for r in screen.model.rows]
        assert names == ["丙差一点", "丁七十", "庚月少", "己党建", "甲九十", "戊六十", "乙八十"]
        assert screen.cursor_at() == ("丙差一点", "party")  # the first org's party cell
        await type_values(pilot, "80", "79.9", "80")  # party, self, public: Enter moves right, then down
        assert screen.cursor_at() == ("丁七十", "party")
        assert screen.cell_text(ids["丙差一点"], "composite") == "79.99"
        assert screen.cell_text(ids["丙差一点"], "stars") == "★★★☆☆"
        await type_values(pilot, "70", "70", "70")
        await type_values(pilot, "90", "90", "90")  # 庚月少: five complete months only
        await type_values(pilot, "59.5", "100", "100")  # 己党建: composite 87.85, the party gate caps it
        await type_values(pilot, "90", "90", "90", "60", "60", "60", "80", "80", "80")
        await wait_saved(screen)
        cells = {name: (screen.cell_text(i, "composite"), screen.cell_text(i, "stars")) for name, i in ids.items()}
        assert cells["甲九十"] == ("90.00", "★★★★★")
        assert cells["乙八十"] == ("80.00", "★★★★☆")
        assert cells["丁七十"] == ("70.00", "★★★☆☆")
        assert cells["戊六十"] == ("60.00", "★★☆☆☆")
        assert cells["己党建"] == ("87.85", "★★★☆☆")
        assert "封顶" in screen.cell_text(ids["己党建"], "note")
        assert cells["庚月少"] == ("—", "—")
        assert screen.cell_text(ids["庚月少"], "monthly") == "— (5)"
        assert "完整月份 5 个" in screen.cell_text(ids["庚月少"], "note")
        # The party gate lifts as soon as party reaches 60: stars follow the keys.
        await goto(pilot, screen, "己党建", "party")
        await pilot.press("6", "0")
        assert screen.cell_text(ids["己党建"], "stars") == "★★★★☆"  # before Enter: live
        await pilot.press("enter")
        await wait_saved(screen)
        assert stored(db, ids["己党建"])[:3] == (6000, 10000, 10000)
        assert stored(db, ids["丙差一点"])[:3] == (8000, 7990, 8000)
        with db.engine.connect() as c:  # every commit audited
            audited = c.execute(text("SELECT COUNT(*) FROM audit WHERE table_name = 'review_input'")).scalar()
        assert audited >= 22
        summary = screen.status("summary").plain
        assert "7 个组织" in summary and "其余正在计算" not in summary


async def test_out_of_range_refused_in_place_esc_discards_backspace_clears(db, centre):
    org = org_with(db, centre, "晨光社", "8", 80)
    app = make_app(db)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_review(pilot)
        await pilot.press("1", "0", "1", "enter")
        assert screen.cursor_at() == ("晨光社", "party")  # refused: stays, typed
        assert screen.cell_text(org, "party") == "101_" and "0到100" in screen.status("message").plain
        await pilot.press("escape")
        assert screen.cell_text(org, "party") == "·"
        await type_values(pilot, "85")
        await wait_saved(screen)
        assert stored(db, org)[0] == 8500
        await pilot.press("left", "backspace")
        await wait_saved(screen)
        assert stored(db, org)[0] is None and screen.cell_text(org, "party") == "·"
