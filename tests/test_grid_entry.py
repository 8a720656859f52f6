"""Entry at spreadsheet speed (issue 13): each entry key pressed as a user would (Pilot), then
what the grid shows, what the database holds and what the audit trail says; and a typical
month typed with ``R`` and a few corrections, its keystrokes counted."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from incubator_tui.i18n import set_language
from incubator_tui.models import AuditEntry, Exemption
from incubator_tui.screens.help_screen import HelpScreen
from incubator_tui.screens.scoring_modals import ConfirmModal, ReasonModal, SearchModal
from incubator_tui.screens.scoring_screen import ScoringScreen
from incubator_tui.services.centres import Checklists
from incubator_tui.services.scoring import Cell, save_cells, set_exempt, set_paused
from tests.helpers import make_org
from tests.test_scoring_screen import audits, cursor, make_app, message, open_grid, score_id, scores, settle

SIZE = (120, 36)
TODAY = "2025-03-15"
MONTH = "2025-03"
LAST = "2025-02"
CODES = ("plan", "hygiene", "party", "activity", "records", "safety")
# Pinyin order: 爱心 (ai) < 彩虹 (cai) < 晨光 (chen) < 阳光 (yang)
NAMES = ("爱心助老服务队", "彩虹青少年成长营", "晨光社工服务中心", "阳光志愿者协会")


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", TODAY)


@pytest.fixture
def orgs(db, centre) -> list[str]:
    """Four organisations (entered June 2024), their ids in grid (pinyin) order."""
    return [make_org(db, centre, name, date(2024, 6, 1)) for name in NAMES]


@pytest.fixture
def items(db, centre) -> dict[str, str]:
    with db.session() as s:
        return {it.code: it.id for it in Checklists(s, centre.id).items_for(MONTH)}


def save(db, centre, org_id: str, month: str, cells: dict[str, Cell], items: dict[str, str]) -> None:
    with db.session() as s:
        save_cells(s, centre.id, org_id, month, {items[code]: cell for code, cell in cells.items()}, "tester")


def month_of(*values) -> dict[str, Cell]:
    """A whole month: one value per item (cents), "na" for N/A, (cents, reason) for a reason."""
    out = {}
    for code, v in zip(CODES, values):
        if v == "na":
            out[code] = Cell(None, True)
        elif isinstance(v, tuple):
            out[code] = Cell(v[0], False, v[1])
        else:
            out[code] = Cell(v)
    return out


def audit_rows(db, org_id: str, month: str = MONTH) -> list[tuple]:
    """(field, old, new) of every audit entry on the org-month's score rows, oldest first."""
    with db.session() as s:
        from incubator_tui.models import Score

        ids = list(s.execute(select(Score.id).where(Score.org_id == org_id, Score.month == month)).scalars())
        rows = s.execute(select(AuditEntry).where(AuditEntry.table_name == "score", AuditEntry.row_id.in_(ids))
                         .order_by(AuditEntry.at)).scalars()
        return [(a.field, a.old, a.new) for a in rows]


def detail(screen: ScoringScreen) -> str:
    return screen.query_one("#scoring-detail").plain


# -- undo and redo ------------------------------------------------------------------------------------------
async def test_ctrl_z_and_u_undo_committed_cells_across_organisations_and_ctrl_y_redoes(db, centre, orgs, items):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        await pilot.press("2", "enter", "1", "enter")  # 爱心: plan 2, hygiene 1
        await pilot.press("down", "n")  # 彩虹: party N/A
        await settle(pilot)
        assert scores(db, orgs[1]) == {items["party"]: (None, True, "")}

        await pilot.press("ctrl+z")  # the last change: 彩虹's N/A
        await settle(pilot)
        assert message(screen) == "已撤销：彩虹青少年成长营 · 党建工作 不适用 → 未评"
        assert cursor(screen) == (1, 2)  # on the cell undone
        assert screen.cell_text(orgs[1], "party") == ""
        await pilot.press("u")  # `u` too: the change before, on another organisation
        await settle(pilot)
        assert message(screen) == "已撤销：爱心助老服务队 · 卫生清洁 1 → 未评"
        assert cursor(screen) == (0, 1)
        await pilot.press("ctrl+y")  # redo the hygiene
        await settle(pilot)
        assert message(screen) == "已重做：爱心助老服务队 · 卫生清洁 未评 → 1"
        assert screen.cell_text(orgs[0], "hygiene") == "1"
        await pilot.press("ctrl+y")  # and the N/A
        await settle(pilot)
        assert screen.cell_text(orgs[1], "party") == "不适用"
        await pilot.press("ctrl+y")
        assert message(screen) == "没有可重做的修改"
        await pilot.press("u", "u", "u")  # everything, in order
        await settle(pilot)
        assert screen.cell_text(orgs[0], "plan") == ""
        await pilot.press("u")
        assert message(screen) == "本月没有可撤销的修改"
        await settle(pilot)
    # each undo and redo is a saved change with its audit entry
    assert scores(db, orgs[0]) == {items["plan"]: (None, False, ""), items["hygiene"]: (None, False, "")}
    assert scores(db, orgs[1]) == {items["party"]: (None, False, "")}
    assert audits(db, score_id(db, orgs[0], items["hygiene"])) == [
        ("value", None, "1", "tester"), ("value", "1", None, "tester"), ("value", None, "1", "tester"),
        ("value", "1", None, "tester"),
    ]
    assert audits(db, score_id(db, orgs[1], items["party"])) == [
        ("value", None, "N/A", "tester"), ("value", "N/A", None, "tester"), ("value", None, "N/A", "tester"),
        ("value", "N/A", None, "tester"),
    ]


async def test_undo_of_f_restores_every_item_it_filled_and_a_new_change_forgets_the_redo(db, centre, orgs, items):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        await pilot.press("1", "enter", "f")  # plan 1, the rest at their maximum
        await settle(pilot)
        assert len(scores(db, orgs[0])) == 6
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert message(screen) == "已撤销：爱心助老服务队 的 5 项（卫生清洁、党建工作、服务活动、制度台账、安全规范）"
        assert cursor(screen) == (0, 1)
        await pilot.press("2", "enter")  # a new change: nothing left to redo
        await pilot.press("ctrl+y")
        assert message(screen) == "没有可重做的修改"
        await settle(pilot)
    assert {k: v for k, v in scores(db, orgs[0]).items() if v[0] is not None} == {
        items["plan"]: (100, False, ""), items["hygiene"]: (200, False, ""),
    }


async def test_ctrl_z_while_typing_drops_the_typing_only(db, centre, orgs, items):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        await pilot.press("2", "enter", "1", ".")
        assert screen.cell_text(orgs[0], "hygiene") == "1._"
        await pilot.press("ctrl+z")
        assert screen.cell_text(orgs[0], "hygiene") == "" and screen.model.buffer is None
        assert screen.cell_text(orgs[0], "plan") == "2"  # the committed cell stays
        await settle(pilot)
    assert scores(db, orgs[0]) == {items["plan"]: (200, False, "")}


async def test_undo_refuses_a_cell_changed_since_and_a_closed_month(db, centre, orgs, items):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        await pilot.press("2", "enter")
        await settle(pilot)
        await pilot.press("d")  # away; someone else changes the cell meanwhile
        await settle(pilot)
        save(db, centre, orgs[0], MONTH, {"plan": Cell(50)}, items)
        await pilot.press("s")
        await settle(pilot)
        assert screen.cell_text(orgs[0], "plan") == "0.5"
        await pilot.press("ctrl+z")
        assert message(screen) == "爱心助老服务队 的这处修改之后又被改过，不能撤销"
        await pilot.press("1", "enter")
        await settle(pilot)
        await pilot.press("x", "y")  # close the month (incomplete rows listed, confirmed)
        await settle(pilot)
        await pilot.press("ctrl+z")
        assert message(screen) == "2025-03 已关账，不能修改；按 x 重新开放"
        await settle(pilot)
    assert scores(db, orgs[0]) == {items["plan"]: (50, False, ""), items["hygiene"]: (100, False, "")}


# -- copy from last month ------------------------------------------------------------------------------------
async def test_quote_copies_the_cell_from_last_month_and_moves_on(db, centre, orgs, items):
    save(db, centre, orgs[0], LAST, month_of(150, "na", (100, "记录不全"), 200, 100), items)  # safety blank
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        assert "上月（2025-02）1.5" in detail(screen)
        await pilot.press("quotation_mark")
        assert cursor(screen) == (0, 1)  # as Enter does
        await pilot.press("quotation_mark", "quotation_mark")  # N/A, and a value with its reason
        assert cursor(screen) == (0, 3)
        await pilot.press("right", "right", "quotation_mark")  # safety was not scored last month
        assert message(screen) == "爱心助老服务队 · 安全规范 上月（2025-02）未评，没有可复制的值"
        assert cursor(screen) == (0, 5)
        await pilot.press("down", "quotation_mark")  # 彩虹 has nothing last month
        assert "彩虹青少年成长营 · 安全规范 上月（2025-02）未评" in message(screen)
        await settle(pilot)
        assert [screen.cell_text(orgs[0], c) for c in CODES[:3]] == ["1.5", "不适用", "1*"]
    assert scores(db, orgs[0]) == {
        items["plan"]: (150, False, ""), items["hygiene"]: (None, True, ""), items["party"]: (100, False, "记录不全"),
    }
    assert audits(db, score_id(db, orgs[0], items["party"])) == [
        ("value", None, "1", "tester"), ("reason", "", "记录不全", "tester"),
    ]
    assert scores(db, orgs[1]) == {}


async def test_R_fills_the_empty_items_from_last_month_never_overwriting_and_moves_to_the_next_org(
        db, centre, orgs, items):
    save(db, centre, orgs[0], LAST, month_of(150, "na", (100, "记录不全"), 200, 100, 100), items)
    save(db, centre, orgs[2], LAST, month_of(200, 200, 200, 200, 100, 100), items)
    save(db, centre, orgs[3], LAST, month_of(200, 200), items)  # half entered last month
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        await pilot.press("right", "right", "2")  # party: 2 typed (committed by R), not overwritten
        await pilot.press("R")
        assert cursor(screen) == (1, 0)  # the next organisation's first item, as f does
        await settle(pilot)
        assert screen.summary_text(orgs[0]) == ("9.4", "")  # 1.5+2+2+1+1 of 8 (N/A left out): 9.375, half up
        await pilot.press("R")  # 彩虹: nothing last month: stays, says so
        assert cursor(screen) == (1, 0)
        assert message(screen) == "彩虹青少年成长营：工作计划、卫生清洁、党建工作、服务活动、制度台账、安全规范 上月（2025-02）未评，请补录"
        await pilot.press("down", "R")  # 晨光: all of it
        assert cursor(screen) == (3, 0)
        await pilot.press("R")  # 阳光: two items; the cursor stops on the first still blank
        assert cursor(screen) == (3, 2)
        assert "阳光志愿者协会：党建工作、服务活动、制度台账、安全规范 上月（2025-02）未评" in message(screen)
        await settle(pilot)
        assert screen.summary_text(orgs[3])[0] == "~10.0 缺4"
    assert scores(db, orgs[0]) == {
        items["plan"]: (150, False, ""), items["hygiene"]: (None, True, ""), items["party"]: (200, False, ""),
        items["activity"]: (200, False, ""), items["records"]: (100, False, ""), items["safety"]: (100, False, ""),
    }
    assert audits(db, score_id(db, orgs[0], items["party"])) == [("value", None, "2", "tester")]
    assert len(scores(db, orgs[2])) == 6 and scores(db, orgs[1]) == {}
    assert scores(db, orgs[3]) == {items["plan"]: (200, False, ""), items["hygiene"]: (200, False, "")}


async def test_R_after_a_paused_month_copies_the_month_before_it_and_skips_an_org_exempt_then(
        db, centre, orgs, items):
    save(db, centre, orgs[0], "2025-01", month_of(200, 200, 200, 200, (50, "灭火器过期"), 100), items)
    save(db, centre, orgs[1], "2025-01", month_of(200, 200, 200, 200, 100, 100), items)
    with db.session() as s:
        set_exempt(s, centre.id, orgs[1], "2025-01", "外出培训", "tester")
        set_paused(s, centre.id, LAST, True, "tester")  # the Spring Festival: nobody scored
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        await pilot.press("R")
        assert cursor(screen) == (1, 0)
        await pilot.press("R")
        assert cursor(screen) == (1, 0)
        assert message(screen) == "彩虹青少年成长营 上月（2025-01）免考评，没有可复制的分数"
        await settle(pilot)
        assert screen.cell_text(orgs[0], "records") == "0.5*"
    assert scores(db, orgs[0])[items["records"]] == (50, False, "灭火器过期")
    assert scores(db, orgs[1]) == {}


# -- fill down ----------------------------------------------------------------------------------------------
async def test_ctrl_d_copies_the_value_above_and_moves_down_filling_a_column(db, centre, orgs, items):
    with db.session() as s:
        set_exempt(s, centre.id, orgs[2], MONTH, "外出培训", "tester")
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        await pilot.press("ctrl+d")  # nothing above the first row
        assert message(screen) == "上方没有 工作计划 的分数可复制" and cursor(screen) == (0, 0)
        await pilot.press("1", ".", "5", "down")
        await pilot.press("ctrl+d")
        assert cursor(screen) == (3, 0)  # moved down, over the exempt org
        await pilot.press("ctrl+d")  # held: the exempt row is passed over, the value comes from above it
        await settle(pilot)
        assert [screen.cell_text(o, "plan") for o in orgs] == ["1.5", "1.5", "-", "1.5"]
    for org in (orgs[0], orgs[1], orgs[3]):
        assert scores(db, org) == {items["plan"]: (150, False, "")}
    assert scores(db, orgs[2]) == {}
    assert audits(db, score_id(db, orgs[3], items["plan"])) == [("value", None, "1.5", "tester")]


# -- finding an organisation -------------------------------------------------------------------------------------
async def test_slash_finds_by_name_initials_or_pinyin_and_slash_enter_goes_to_the_next_match(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        await pilot.press("slash")
        modal = pilot.app.screen
        assert isinstance(modal, SearchModal)
        await pilot.press(*"服务")  # in two names
        assert str(modal.query_one("#search-preview").content) == "2 个匹配 · Enter 到：晨光社工服务中心"
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen and cursor(screen) == (2, 0)
        await pilot.press("slash", "enter")  # the same query again: the next match, wrapping round
        await settle(pilot)
        assert cursor(screen) == (0, 0)
        await pilot.press("right", "slash", *"cg", "enter")  # initials (typing replaces the last query)
        await settle(pilot)
        assert cursor(screen) == (2, 0)
        await pilot.press("slash", *"yangguang", "enter")  # full pinyin
        await settle(pilot)
        assert cursor(screen) == (3, 0)
        await pilot.press("slash", *"caihong qing", "enter")  # pinyin with spaces
        await settle(pilot)
        assert cursor(screen) == (1, 0)
        await pilot.press("slash", *"xyz")
        assert str(pilot.app.screen.query_one("#search-preview").content) == "没有找到“xyz”"
        await pilot.press("enter")
        await settle(pilot)
        assert cursor(screen) == (1, 0) and message(screen) == "没有找到“xyz”"
        await pilot.press("slash", "escape")  # cancelled: nothing moves
        await settle(pilot)
        assert pilot.app.screen is screen and cursor(screen) == (1, 0)


async def test_slash_commits_a_valid_value_being_typed_before_it_goes(db, centre, orgs, items):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        await pilot.press("1", "slash", *"ygzy", "enter")
        await settle(pilot)
        assert cursor(screen) == (3, 0)
    assert scores(db, orgs[0]) == {items["plan"]: (100, False, "")}


# -- how rows read ------------------------------------------------------------------------------------------------
async def test_a_half_entered_row_shows_a_provisional_total_with_the_count_missing(db, centre, orgs, items):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        await pilot.press("2", "enter", "1", "enter")
        await settle(pilot)
        total = screen.table.cell(0, len(CODES) + 1)
        assert total.plain == "~7.5 缺4"
        assert total.style == screen.table.cstyle("muted")  # dimmed
        assert "暂计 7.5，尚缺 4 项" in detail(screen)
        await pilot.press("f")
        await settle(pilot)
        assert screen.summary_text(orgs[0])[0] == "9.0"  # complete (2+1+2+2+1+1): a plain total
    async with make_app(db).run_test(size=(80, 24)) as pilot:  # no room for the count: names stay whole
        screen = await open_grid(pilot, centre)
        await pilot.press("down", "2", "enter")
        await settle(pilot)
        assert screen.summary_text(orgs[1])[0] == "~10.0"  # the count is in the line under the grid
        assert not screen.table.layout_plan.total_marks
        assert "暂计 10.0，尚缺 5 项" in detail(screen)


async def test_an_exempt_row_says_so_keeps_its_scores_dimmed_and_e_asks_first_on_a_scored_row(
        db, centre, orgs, items):
    save(db, centre, orgs[0], MONTH, month_of(200, 150), items)
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        await pilot.press("e")
        modal = pilot.app.screen
        assert isinstance(modal, ConfirmModal)  # scores entered: asked first
        assert "免考评后这些分数保留" in str(modal.query_one("#confirm-body").content)
        await pilot.press("n")  # cancelled: not exempt
        await settle(pilot)
        assert pilot.app.screen is screen
        await pilot.press("e", "y")
        assert isinstance(pilot.app.screen, ReasonModal)
        await pilot.press(*"外出培训", "enter")
        await settle(pilot)
        assert screen.summary_text(orgs[0])[0] == "免考评"
        assert screen.cell_text(orgs[0], "plan") == "2" and screen.cell_text(orgs[0], "hygiene") == "1.5"
        assert screen.table.cell(0, 1).style == screen.table.cstyle("muted")
        assert screen.cell_text(orgs[0], "party") == "-"
        await pilot.press("down", "e")  # no scores: straight to the reason
        assert isinstance(pilot.app.screen, ReasonModal)
        await pilot.press("escape")
        await settle(pilot)
    with db.session() as s:
        assert s.execute(select(Exemption.reason).where(Exemption.org_id == orgs[0])).scalar_one() == "外出培训"
        assert s.execute(select(Exemption).where(Exemption.org_id == orgs[1])).first() is None
    assert len(scores(db, orgs[0])) == 2  # kept


async def test_the_grid_help_is_titled_with_the_grid_and_does_not_say_tab_moves_between_fields(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        await open_grid(pilot, centre)
        await pilot.press("question_mark")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        assert str(help_screen.query_one(".dialog-title").content) == "按键帮助：月度考评"
        hint = str(help_screen.query_one(".dialog-hint").content)
        assert "Enter/Tab 确认并到下一项" in hint and "在控件间移动" not in hint
        keys = str(help_screen.query_one("#help-list").content)
        for shown in ("余项同上月", "同上月", "向下填充", "撤销", "重做", "查找组织"):
            assert shown in keys


async def test_english_item_labels_come_from_name_en_for_any_checklist_version(db, centre, orgs):
    from incubator_tui.rules.settings import ChecklistItemValue
    from incubator_tui.services.settings import write_version

    version = [ChecklistItemValue("plan", "工作计划", "Planning", 300, 0),
               ChecklistItemValue("green", "绿色办公", "Green office", 300, 1),
               ChecklistItemValue("party", "党建工作", "", 400, 2)]
    with db.session() as s:
        write_version(s, centre.id, MONTH, version, "tester")
    set_language("en")
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, centre)
        labels = screen.table.column_labels()
        assert labels[1:4] == ["Planning 3", "Green office 3", "党建工作 4"]  # no English name: its own
        assert pilot.app.screen is screen


# -- a typical month, counted -----------------------------------------------------------------------------------
class Keys:
    """Presses keys through Pilot and counts them, as a manager's keystrokes."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.count = 0

    async def __call__(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)


async def test_a_typical_month_of_40_organisations_mostly_as_last_month_takes_under_150_keystrokes(db, centre, items):
    """40 organisations, last month entered; this month most score the same: `R` for each,
    a few corrections typed first, one N/A, one newcomer typed in full, one exemption."""
    names = [f"组织{n:02d}" for n in range(40)]
    ids = [make_org(db, centre, name, date(2024, 6, 1)) for name in names]
    newcomer = make_org(db, centre, "组织40新", date(2025, 3, 1))  # joined this month: no last month
    ids.append(newcomer)
    lasts = {}
    for n, org in enumerate(ids[:40]):
        cells = month_of(200, 200 - 50 * (n % 3), "na" if n % 7 == 0 else 200, 200,
                         (50, "台账缺页") if n % 5 == 0 else 100, 100)
        save(db, centre, org, LAST, cells, items)
        lasts[org] = cells
    async with make_app(db).run_test(size=SIZE) as pilot:
        press = Keys(pilot)
        await pilot.pause()
        pilot.app.centre_id = pilot.app.centre_id or centre.id
        await press("s")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ScoringScreen) and [row.org_id for row in screen.grid.rows] == ids
        corrections = {3: ("plan", "1"), 11: ("hygiene", "0.5"), 25: ("activity", "1.5")}
        for n in range(len(screen.grid.rows)):
            org = screen.grid.rows[n].org_id
            assert cursor(screen) == (n, 0)
            if org == newcomer:
                await press("2", "enter", "2", "enter", "1", "enter", "2", "enter", "1", "enter", "1", "enter")
            elif n in corrections:
                code, value = corrections[n]
                await press(*["right"] * CODES.index(code), *value, "R")  # typed, then the rest as last month
            elif n == 17:
                await press("right", "right", "n", "R")  # N/A this time, the rest as last month
            elif n == 30:
                await press("e")  # away this month: exempt
                await pilot.pause()
                assert isinstance(pilot.app.screen, ReasonModal)
                await press(*"外出", "enter")
                await settle(pilot)
                await press("j")
            else:
                await press("R")
        await settle(pilot)
        await press("ctrl+z")  # one slip undone: the last org's last item
        await settle(pilot)
        await press("ctrl+y")
        await press("x")  # every org complete: closes at once
        await settle(pilot)
        assert screen.grid.closed
        header = screen.query_one("#scoring-header").plain
        assert "完成 40" in header and "免考评 1" in header
    assert press.count < 150, press.count
    # the database holds the month as the manager meant it
    for n, org in enumerate(ids[:40]):
        expected = {items[c]: (cell.value_cent, cell.na, cell.reason) for c, cell in lasts[org].items()}
        if n in corrections:
            code, value = corrections[n]
            expected[items[code]] = (int(float(value) * 100), False, "")  # typed: last month's reason not taken
        if n == 17:
            expected[items["party"]] = (None, True, "")
        if n == 30:
            expected = {}
        assert scores(db, org) == expected, names[n]
    assert scores(db, newcomer) == {items[c]: (v, False, "") for c, v in zip(CODES, (200, 200, 100, 200, 100, 100))}
