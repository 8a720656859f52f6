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


async def test_peer_ratings_by_keys_never_the_org_itself(db, centre):
    a = org_with(db, centre, "阿尔法", "8", None)
    b = make_org(db, centre, "贝塔社", date(2024, 1, 1))
    c = make_org(db, centre, "查理社", date(2024, 1, 1))
    make_org(db, centre, "后来社", date(2026, 1, 1))  # not a member in 2025: cannot rate
    app = make_app(db)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_review(pilot)
        assert screen.cursor_at()[0] == "阿尔法"
        await pilot.press("right", "right")  # the peer column: typed in its dialog, not here
        await pilot.press("8")
        assert "按 p" in screen.status("message").plain and screen.model.buffer is None
        await pilot.press("p")
        from incubator_tui.screens.review_modals import PeerDialog

        await wait_until(lambda: isinstance(app.screen, PeerDialog) and app.screen.model is not None,
                         what="the peer dialog")
        dialog = app.screen
        raters = [name for _i, name, _v in dialog.model.sheet.raters]
        assert raters == ["贝塔社", "查理社"]  # never itself, never a non-member
        await pilot.press("8", "0")
        assert "80.0（1 人）" in dialog.query_one("#peer-summary").plain  # the mean as you type
        await pilot.press("enter", "9", "1")
        assert "85.5（2 人）" in dialog.query_one("#peer-summary").plain
        await pilot.press("enter")
        await pilot.press("escape")
        await wait_until(lambda: app.screen is screen, what="back on the table")
        await wait_saved(screen)
        assert screen.cell_text(a, "peer") == "85.5 (2)" and "互评仅 2 人" in screen.cell_text(a, "note")
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT rater_org_id, value_cent FROM peer_rating WHERE org_id = :o AND active"),
                            {"o": a}).all()
    assert sorted(rows) == sorted([(b, 8000), (c, 9100)])
    from incubator_tui.errors import UserError
    from incubator_tui.services.reviews import set_peer_rating

    with pytest.raises(UserError, match="不能给自己互评"), db.session() as s:
        set_peer_rating(s, a, YEAR, a, 9000, "tester")


async def test_veto_by_keys_one_star_and_one_case(db, centre):
    org = org_with(db, centre, "违规社", "9", 90)
    app = make_app(db)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_review(pilot)
        for typed in ("消防严重违规", ""):  # the second time the dialog shows the description: Enter again
            await pilot.press("v")
            await wait_until(lambda: app.screen is not screen, what="the veto dialog")
            await pilot.press(*typed, "enter")
            await wait_until(lambda: app.screen is screen, what="back")
            await wait_saved(screen)
        assert screen.cell_text(org, "stars") == "★☆☆☆☆" and screen.cell_text(org, "state") == "否决"
        assert "一票否决" in screen.cell_text(org, "note")
    with db.engine.connect() as conn:
        kinds = conn.execute(text("SELECT kind FROM org_case WHERE org_id = :o"), {"o": org}).scalars().all()
    assert kinds == ["veto"] and stored(db, org)[3] == "消防严重违规"


async def finalise_by_keys(pilot, screen) -> str:
    from incubator_tui.screens.review_modals import FinaliseModal

    await pilot.press("F")
    await wait_until(lambda: isinstance(pilot.app.screen, FinaliseModal) and pilot.app.screen.plan is not None,
                     what="the finalise dialog")
    body = str(pilot.app.screen.query_one("#finalise-body").render())
    await pilot.press("y")
    await wait_until(lambda: pilot.app.screen is screen, what="back")
    await wait_saved(screen)
    await wait_until(lambda: not screen.reading, what="the year read again")
    await pilot.pause()
    return body


async def test_finalise_then_amend_by_keys(db, centre, tmp_path):
    five = org_with(db, centre, "五星社", "9.5", 95)
    four = org_with(db, centre, "四星社", "8.5", 85)
    three = org_with(db, centre, "三星社", "7", 70)
    missing = org_with(db, centre, "缺评社", "9", 90)
    app = make_app(db)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_review(pilot)
        for name, value in (("五星社", "95"), ("四星社", "85"), ("三星社", "70")):
            await goto(pilot, screen, name)
            await type_values(pilot, value, value, value)
        await wait_saved(screen)
        body = await finalise_by_keys(pilot, screen)
        assert "将定级 3 个组织" in body and "缺评社：缺党建落实、自评、群众评" in body
        assert "暂不能定级 1 个组织" in body
        assert screen.cell_text(five, "state") == "已定级" and screen.cell_text(missing, "state") == "实时"
        assert "公示至 2026-01-26" in screen.cell_text(five, "note")  # 7 days, the day of finalising the first
        # A finalised row takes no typing: it is amended.
        await goto(pilot, screen, "四星社")
        await pilot.press("5")
        assert "已定级" in screen.status("message").plain
        # Amend 四星社 down to 3 stars: a reason is required, an annual case opens.
        await pilot.press("A")
        await wait_until(lambda: app.screen is not screen, what="the amend dialog")
        await pilot.press("3", "enter", "enter")
        assert "原因" in str(app.screen.query_one("#amend-error").render())  # no reason: refused
        await pilot.press(*"复查发现台账造假", "enter")
        await wait_until(lambda: app.screen is screen, what="back")
        await wait_saved(screen)
        await wait_until(lambda: screen.cell_text(four, "state") == "已修改", what="amended shown")
        assert screen.cell_text(four, "stars") == "★★★☆☆"
        # Finalising again rates only those not finalised yet.
        await goto(pilot, screen, "缺评社")
        await type_values(pilot, "90", "90", "90")
        body = await finalise_by_keys(pilot, screen)
        assert "将定级 1 个组织" in body and "已定级 3 个组织" in body
        # The priority list shows the five-star orgs; ctrl+e writes it as .xlsx (0600).
        await pilot.press("P")
        from incubator_tui.screens.review_modals import PriorityModal

        await wait_until(lambda: isinstance(app.screen, PriorityModal) and app.screen.rows is not None,
                         what="the priority list")
        assert [r.org for r in app.screen.rows] == ["缺评社", "五星社"]
        assert "95.00" in str(app.screen.query_one("#priority-body").render())
        await pilot.press("ctrl+e")
        await wait_until(lambda: app.screen.written is not None, what="the xlsx")
        written = app.screen.written
        assert written.suffix == ".xlsx" and (written.stat().st_mode & 0o777) == 0o600
        from openpyxl import load_workbook

        sheet = load_workbook(written).active
        assert [sheet.cell(r, 2).value for r in (3, 4)] == ["缺评社", "五星社"]
    with db.engine.connect() as conn:
        ratings = dict(conn.execute(text("SELECT org_id, stars FROM rating")).all())
        original = dict(conn.execute(text("SELECT org_id, original_stars FROM rating")).all())
        priority = set(conn.execute(text("SELECT org_id FROM rating WHERE priority")).scalars())
        cases = conn.execute(text("SELECT org_id, kind FROM org_case ORDER BY opened_at")).all()
        amendments = conn.execute(text("SELECT old_stars, new_stars, reason FROM rating_amendment")).all()
        until = conn.execute(text("SELECT publicity_until FROM rating WHERE org_id = :o"), {"o": five}).scalar()
    assert ratings == {five: 5, four: 3, three: 3, missing: 5} and original[four] == 4
    assert priority == {five, missing}
    assert sorted(cases) == sorted([(three, "annual"), (four, "annual")])
    assert amendments == [(4, 3, "复查发现台账造假")] and str(until) == "2026-01-26"


async def test_publicity_request_recorded_then_confirmed_with_a_reason(db, centre):
    org = org_with(db, centre, "申请社", "8", 80)
    app = make_app(db)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_review(pilot)
        await type_values(pilot, "80", "80", "80")
        await wait_saved(screen)
        await finalise_by_keys(pilot, screen)
        await goto(pilot, screen, "申请社")
        await pilot.press("q")
        await wait_until(lambda: app.screen is not screen, what="the request dialog")
        await pilot.press(*"党建材料漏报", "enter")
        await wait_until(lambda: app.screen is screen, what="back")
        await wait_saved(screen)
        await wait_until(lambda: "复核申请待决定" in screen.cell_text(org, "note"), what="the request shown")
        await pilot.press("q")  # waiting for its decision: q confirms it, with a reason
        await wait_until(lambda: app.screen is not screen, what="the decision dialog")
        await pilot.press(*"材料已核实，维持", "enter")
        await wait_until(lambda: app.screen is screen, what="back")
        await wait_saved(screen)
        await wait_until(lambda: "复核申请待决定" not in screen.cell_text(org, "note"), what="decided")
    from incubator_tui.services.access import read
    from incubator_tui.services.reviews import rating_history

    history = read(db, rating_history, org)
    assert [h.year for h in history] == [YEAR] and history[0].stars == 4
    assert [kind for _w, _o, kind, _t in history[0].events] == ["request", "confirmed"]
    assert "材料已核实" in history[0].events[1][3]
