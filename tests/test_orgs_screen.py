"""The organisations screen, its form and the organisation page, driven with keys as a user would."""

from __future__ import annotations

import threading
from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import insert, select
from textual.widgets import DataTable, Input, Select, Static

from incubator_tui.app import IncubatorApp
from incubator_tui.config import Config
from incubator_tui.i18n import t
from incubator_tui.models import AuditEntry, Organisation
from incubator_tui.models.base import new_id
from incubator_tui.screens.org_form import LeaveModal, OrgFormModal
from incubator_tui.screens.org_page import OrgPageScreen
from incubator_tui.screens.orgs_screen import OrgsScreen
from incubator_tui.screens.paged import PAGE
from incubator_tui.services.orgs import mark_left, pinyin_keys
from incubator_tui.widgets.trend_chart import TrendChart
from incubator_tui.services.access import reads_sql
from tests.waiting import wait_until
from tests.helpers import make_org, score_month

SIZE = (120, 36)
PINYIN_ORDER = ["爱心互助会", "北辰读书会", "晨光公益服务社", "绿洲环保社", "阳光助老协会"]


def make_app(db) -> IncubatorApp:
    return IncubatorApp(db, config=Config(operator="tester"))


async def settle(pilot) -> None:
    """Let workers finish and their results be painted."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_orgs(pilot, centre=None) -> OrgsScreen:
    await settle(pilot)
    if centre is not None:
        pilot.app.centre_id = centre.id
    await pilot.press("o")
    screen = pilot.app.screen
    assert isinstance(screen, OrgsScreen)
    await wait_until(lambda: screen.complete, what="the totals")  # their worker starts after the first frame
    await settle(pilot)
    return screen


def names(screen: OrgsScreen) -> list[str]:
    """The names the table shows, top to bottom."""
    table = screen.table
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def row_of(screen: OrgsScreen, name: str) -> list[str]:
    i = names(screen).index(name)
    return [str(c) for c in screen.table.get_row_at(i)]


def bar(screen) -> str:
    return str(screen.query_one("#orgs-bar", Static).render())


async def go_to(pilot, screen: OrgsScreen, name: str) -> None:
    """Move the cursor to ``name`` with j/k, as a user would."""
    target = names(screen).index(name)
    while screen.table.cursor_row < target:
        await pilot.press("j")
    while screen.table.cursor_row > target:
        await pilot.press("k")
    assert screen.current_row().name == name


def org_by_name(db, name: str) -> Organisation | None:
    with db.session() as s:
        org = s.execute(select(Organisation).where(Organisation.name == name)).scalars().first()
        if org is not None:
            s.expunge(org)
        return org


def audit_of(db, org_id: str) -> dict[str, tuple[str | None, str | None]]:
    with db.session() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.row_id == org_id).order_by(AuditEntry.at)).scalars()
        return {r.field: (r.old, r.new) for r in rows}


def msg(form, field: str) -> Static:
    return form.query_one(f"#m-{field}", Static)


@pytest.fixture
def orgs(db, centre, monkeypatch):
    """Five orgs as of 2026-11-15: 晨光 has three low months (a case), 北辰 graduated."""
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    ids = {
        "阳光助老协会": make_org(db, centre, "阳光助老协会", date(2025, 1, 1), "volunteer"),
        "晨光公益服务社": make_org(db, centre, "晨光公益服务社", date(2024, 3, 1), "charity"),
        "爱心互助会": make_org(db, centre, "爱心互助会", date(2025, 6, 1), "charity"),
        "北辰读书会": make_org(db, centre, "北辰读书会", date(2023, 9, 1), "culture"),
        "绿洲环保社": make_org(db, centre, "绿洲环保社", date(2026, 2, 1), "community"),
    }
    for m, total in (("2026-06", "8.0"), ("2026-07", "7.0"), ("2026-08", "5.5"), ("2026-09", "5.0"),
                     ("2026-10", "4.5")):
        score_month(db, centre, ids["晨光公益服务社"], m, total)
    score_month(db, centre, ids["阳光助老协会"], "2026-10", "9.0")
    score_month(db, centre, ids["爱心互助会"], "2026-10", "7.5")
    with db.session() as s:
        mark_left(s, ids["北辰读书会"], "graduated", date(2026, 5, 31), "tester")
    return ids


# ---------------------------------------------------------------- the list


async def test_list_is_sorted_by_pinyin_and_t_cycles_the_sorts(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        assert names(screen) == PINYIN_ORDER
        cg = row_of(screen, "晨光公益服务社")
        assert cg[1:5] == ["公益慈善", "约谈中", "4.5 26-10", "3 ●"]
        assert row_of(screen, "北辰读书会")[2] == "已出壳"
        assert "5 / 5" in bar(screen) and "拼音" in bar(screen)

        await pilot.press("t")  # latest total, weakest first; orgs without a total last
        assert names(screen) == ["晨光公益服务社", "爱心互助会", "阳光助老协会", "北辰读书会", "绿洲环保社"]
        await pilot.press("t")  # longest low run first
        assert names(screen)[0] == "晨光公益服务社"
        await pilot.press("t", "t")  # stars, then entry date (newest first)
        assert names(screen) == ["绿洲环保社", "爱心互助会", "阳光助老协会", "晨光公益服务社", "北辰读书会"]
        await pilot.press("t")
        assert names(screen) == PINYIN_ORDER


async def test_search_by_initials_full_pinyin_and_name(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        await pilot.press("slash", "c", "g")
        assert isinstance(pilot.app.focused, Input)
        assert names(screen) == ["晨光公益服务社"]
        assert "cg" in bar(screen)
        await pilot.press("escape")  # closes the search and shows everything again
        assert names(screen) == PINYIN_ORDER
        assert screen.query_one("#orgs-searchbar").has_class("hidden")
        assert isinstance(pilot.app.focused, DataTable)

        await pilot.press("slash", *"chenguang")
        assert names(screen) == ["晨光公益服务社"]
        await pilot.press("escape", "slash", *"chen", "space", *"guang")
        assert names(screen) == ["晨光公益服务社"]
        await pilot.press("escape", "slash", "晨", "光")
        assert names(screen) == ["晨光公益服务社"]
        await pilot.press("escape", "slash", *"huzhu")  # full pinyin of a later part of the name
        assert names(screen) == ["爱心互助会"]
        await pilot.press("enter")  # keeps the filter, back to the list
        assert isinstance(pilot.app.focused, DataTable) and names(screen) == ["爱心互助会"]
        await pilot.press("escape")
        assert names(screen) == PINYIN_ORDER


async def test_filters_by_status_and_category(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        await pilot.press("f")  # current: not left
        assert names(screen) == ["爱心互助会", "晨光公益服务社", "绿洲环保社", "阳光助老协会"]
        await pilot.press("f")  # with an open case
        assert names(screen) == ["晨光公益服务社"]
        await pilot.press("f")  # exited
        assert names(screen) == []
        await pilot.press("f")  # graduated
        assert names(screen) == ["北辰读书会"]
        assert "已出壳" in bar(screen)
        await pilot.press("f")  # all
        assert names(screen) == PINYIN_ORDER

        await pilot.press("1")  # charity
        assert names(screen) == ["爱心互助会", "晨光公益服务社"]
        assert "公益慈善" in bar(screen)
        await pilot.press("1")  # again: all categories
        assert names(screen) == PINYIN_ORDER
        await pilot.press("2")
        assert names(screen) == ["北辰读书会"]
        await pilot.press("f")  # culture among the current ones: none (北辰 graduated)
        assert names(screen) == []
        await pilot.press("0")  # all categories, still current only
        assert len(names(screen)) == 4


async def test_the_list_is_shown_before_the_totals_are_computed(db, centre, orgs, monkeypatch):
    """Thousands of orgs: the names come at once, totals and streaks when the slow overview is done."""
    from incubator_tui.services import orgs as orgs_service

    release = threading.Event()
    real = orgs_service.overview

    def slow_overview(*args, **kw):
        release.wait(10)
        return real(*args, **kw)

    monkeypatch.setattr(orgs_service, "overview", reads_sql(slow_overview))
    async with make_app(db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.centre_id = centre.id
        await pilot.press("o")
        screen = pilot.app.screen
        await wait_until(lambda: screen.loaded and not screen.partial, what="the whole list")
        await pilot.pause()
        assert screen.loaded and not screen.partial and not screen.complete
        assert names(screen) == PINYIN_ORDER
        assert row_of(screen, "晨光公益服务社")[3] == "…"
        assert t("orgs.loading_totals") in bar(screen)
        await pilot.press("slash", "c", "g")  # search works already
        assert names(screen) == ["晨光公益服务社"]
        release.set()
        await settle(pilot)
        assert screen.complete
        assert row_of(screen, "晨光公益服务社")[3] == "4.5 26-10"


async def test_a_long_list_is_filled_a_page_at_a_time(db, centre, monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    rows = []
    for i in range(450):
        name = f"测试组织{i:03d}"
        py, ini = pinyin_keys(name)
        rows.append({"id": new_id(), "centre_id": centre.id, "name": name, "category": "community",
                     "entry_date": date(2025, 1, 1), "pinyin": py, "initials": ini, "evidence": []})
    with db.session() as s:
        s.execute(insert(Organisation), rows)
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        table = screen.table
        assert table.row_count == PAGE and len(screen.visible_rows()) == 450
        table.move_cursor(row=PAGE - 5)  # near the end: the next page comes
        await pilot.pause()
        assert table.row_count == 2 * PAGE
        await pilot.press("G")  # the last row
        assert table.row_count == 450 and table.cursor_row == 449
        assert screen.current_row().name == "测试组织449"
        await pilot.press("slash", "4", "4", "8")  # search covers all rows, not only those shown
        assert names(screen) == ["测试组织448"]


# ---------------------------------------------------------------- the form


async def choose(pilot, down: int) -> None:
    """Open the focused Select and pick the option ``down`` below the first."""
    await pilot.press("enter", *["down"] * down, "enter")


async def test_add_an_org_through_the_form(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        await pilot.press("a")
        form = pilot.app.screen
        assert isinstance(form, OrgFormModal)
        await pilot.press(*"新芽创业团队")
        await pilot.press("tab")
        await choose(pilot, 2)  # the blank prompt, 公益慈善, 文化艺术
        assert form.query_one("#f-category", Select).value == "culture"
        await pilot.press("tab", "tab", *"52370000MJ00000095")  # legal form (kept), then the credit code
        assert not msg(form, "credit_code").display  # a valid code: nothing to say
        await pilot.press("tab", *"备-001", "tab", *"李四", "tab", *"13800000000")
        await pilot.press("tab", "tab", *"2024/3/1")  # party form (kept), then the entry date
        assert str(msg(form, "entry_date").render()) == "2024-03-01"  # how the date was read
        await pilot.press("tab", "tab", "tab", "tab", *"2000")  # agreement no/start/end, deposit
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert pilot.app.screen is screen
        org = org_by_name(db, "新芽创业团队")
        assert org is not None
        assert (org.category, org.legal_form, org.entry_date, org.contact, org.phone, org.filing_no) == \
            ("culture", "startup", date(2024, 3, 1), "李四", "13800000000", "备-001")
        assert (org.deposit_cent, org.credit_code, org.credit_code_warning) == (200000, "52370000MJ00000095", False)
        assert org.status == "incubating" and org.pinyin == "xin ya chuang ye tuan dui"
        audit = audit_of(db, org.id)
        assert audit["name"] == (None, "新芽创业团队") and audit["category"] == (None, "culture")
        assert "新芽创业团队" in names(screen)
        assert screen.current_row().name == "新芽创业团队"  # the cursor is on the new org


async def test_a_missing_required_field_blocks_the_save(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        await open_orgs(pilot, centre)
        await pilot.press("a")
        form = pilot.app.screen
        await pilot.press("tab")
        await choose(pilot, 1)
        await pilot.click("#f-entry_date")
        await pilot.press(*"2024-03-01", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form  # still open
        assert str(msg(form, "name").render()) == t("org.name_required")
        assert msg(form, "name").has_class("-error") and msg(form, "name").display
        assert t("orgs.form.fix_errors", count=1) in str(form.query_one("#form-msg", Static).render())
        assert pilot.app.focused is form.query_one("#f-name")
        with db.session() as s:
            assert len(s.execute(select(Organisation)).all()) == 5

        await pilot.press(*"晨光公益服务社", "ctrl+s")  # a name already incubating: the service says no
        await settle(pilot)
        assert pilot.app.screen is form
        assert str(msg(form, "name").render()) == t("org.duplicate_name", name="晨光公益服务社")
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, OrgsScreen)
        with db.session() as s:
            assert len(s.execute(select(Organisation)).all()) == 5


async def test_a_wrong_check_character_warns_but_saves(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        await pilot.press("a")
        form = pilot.app.screen
        await pilot.press(*"老兵志愿服务队", "tab")
        await choose(pilot, 4)
        await pilot.click("#f-credit_code")
        await pilot.press(*"52370000MJ0000000X")  # the check character should be 9
        warning = msg(form, "credit_code")
        assert warning.display and warning.has_class("-warning")
        assert "校验位" in str(warning.render()) and "“9”" in str(warning.render())
        await pilot.click("#f-entry_date")
        await pilot.press(*"2025-01-01", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        org = org_by_name(db, "老兵志愿服务队")
        assert org.credit_code == "52370000MJ0000000X" and org.credit_code_warning
        assert org.category == "volunteer"


async def test_a_credit_code_of_the_wrong_length_blocks(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        await open_orgs(pilot, centre)
        await pilot.press("a")
        form = pilot.app.screen
        await pilot.press(*"老兵志愿服务队", "tab")
        await choose(pilot, 4)
        await pilot.click("#f-credit_code")
        await pilot.press(*"5237000")
        error = msg(form, "credit_code")
        assert error.has_class("-error") and "18" in str(error.render())
        assert form.query_one("#f-credit_code", Input).has_class("-invalid")
        await pilot.click("#f-entry_date")
        await pilot.press(*"2025-01-01", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form
        assert org_by_name(db, "老兵志愿服务队") is None


async def test_a_bad_date_is_shown_as_typed_and_blocks(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        await open_orgs(pilot, centre)
        await pilot.press("a")
        form = pilot.app.screen
        await pilot.click("#f-entry_date")
        await pilot.press(*"2024-02-30")
        assert msg(form, "entry_date").has_class("-error")
        assert "2024-02-30" in str(msg(form, "entry_date").render())


async def test_edit_changes_a_field_with_its_audit(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        await go_to(pilot, screen, "阳光助老协会")
        await pilot.press("e")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, OrgFormModal)
        assert form.query_one("#f-name", Input).value == "阳光助老协会"
        assert form.query_one("#f-category", Select).value == "volunteer"
        assert form.query_one("#f-entry_date", Input).value == "2025-01-01"
        for _ in range(5):
            await pilot.press("tab")
        assert pilot.app.focused is form.query_one("#f-contact")
        await pilot.press(*"王五", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        org = org_by_name(db, "阳光助老协会")
        assert org.contact == "王五"
        assert audit_of(db, org.id)["contact"] == ("", "王五")
        assert screen.current_row().name == "阳光助老协会"


# ---------------------------------------------------------------- graduated / exited


async def test_mark_graduated_with_a_date_and_a_confirmation(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        await go_to(pilot, screen, "爱心互助会")
        await pilot.press("g")
        modal = pilot.app.screen
        assert isinstance(modal, LeaveModal)
        assert modal.query_one("#leave-date", Input).value == "2026-11-15"  # today, selected: typing replaces it
        await pilot.press(*"2026/10/31", "enter")
        confirm = modal.query_one("#leave-confirm", Static)
        assert confirm.display and "2026-10-31" in str(confirm.render())
        assert org_by_name(db, "爱心互助会").status == "incubating"  # not before the confirmation
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        org = org_by_name(db, "爱心互助会")
        assert (org.status, org.end_date) == ("graduated", date(2026, 10, 31))
        assert audit_of(db, org.id)["status"] == ("incubating", "graduated")
        assert row_of(screen, "爱心互助会")[2] == "已出壳"

        await pilot.press("g")  # already left: refused, no prompt
        assert pilot.app.screen is screen


async def test_mark_exited_refuses_a_date_before_entry_and_can_be_cancelled(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        await go_to(pilot, screen, "绿洲环保社")
        await pilot.press("x")
        modal = pilot.app.screen
        await pilot.press(*"2025-12-31", "enter")  # entered 2026-02-01
        assert modal.query_one("#leave-msg", Static).display
        assert not modal.query_one("#leave-confirm", Static).display
        await pilot.press("escape")
        assert pilot.app.screen is screen
        assert org_by_name(db, "绿洲环保社").status == "incubating"


# ---------------------------------------------------------------- the page


async def test_enter_opens_the_page_with_months_totals_chart_and_cases(db, centre, orgs):
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        await go_to(pilot, screen, "晨光公益服务社")
        await pilot.press("enter")
        await settle(pilot)
        page = pilot.app.screen
        assert isinstance(page, OrgPageScreen)

        scores = page.query_one("#page-scores", DataTable)
        months = [str(c.label) for c in scores.ordered_columns][1:]
        assert len(months) == 24 and months[0] == "2024-12" and months[-1] == "2026-11"
        total = [str(c) for c in scores.get_row_at(scores.row_count - 1)]
        assert total[0] == "月度总分"
        assert total[-6:] == ["8.0", "7.0", "5.5", "5.0", "4.5", "未评"]
        assert [str(c) for c in scores.get_row_at(0)][-3:-1] == ["2", "2"]  # 工作计划 in Sep, Oct

        chart = page.query_one("#page-chart", TrendChart)
        assert chart.low_months == ["2026-08", "2026-09", "2026-10"]
        drawn = chart.render().plain
        assert "█" in drawn and "╌" in drawn and "6┤" in drawn

        details = str(page.query_one("#page-details").render())
        assert "公益慈善" in details and "2024-03-01" in details
        assert "约谈中" in str(page.query_one("#page-name", Static).render())
        assert "3" in str(page.query_one("#page-streak", Static).render())
        cases = page.query_one("#page-cases", DataTable)
        assert cases.row_count == 1 and str(cases.get_row_at(0)[1]) == "月度"

        await pilot.press("escape")
        assert pilot.app.screen is screen


async def test_the_page_in_english_names_the_default_items_in_english(db, centre, orgs):
    from incubator_tui.i18n import set_language

    set_language("en")
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        await go_to(pilot, screen, "晨光公益服务社")
        await pilot.press("enter")
        await settle(pilot)
        scores = pilot.app.screen.query_one("#page-scores", DataTable)
        items = [str(scores.get_row_at(i)[0]) for i in range(scores.row_count)]
        # The items' English names, as the scoring grid shows them (name_en, migration 0004).
        assert items == ["Work plan", "Hygiene", "Party-building", "Service activities", "Records", "Safety",
                         t("orgs.page.total")]


# ---------------------------------------------------------------- snapshots


@pytest.fixture
def snap_data(db, centre, monkeypatch):
    """A small centre built with the services, deterministic (ids aside, which are not shown).

    Not the demo generator: its data changes as it grows, and these pictures would with it.
    """
    from incubator_tui.models import Rating, RatingAmendment
    from incubator_tui.services.centres import Checklists
    from incubator_tui.services.scoring import Cell, save_cells, set_exempt, set_paused

    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    ids = {name: make_org(db, centre, name, entry, cat) for name, entry, cat in (
        ("晨光公益服务社", date(2024, 3, 1), "charity"),
        ("阳光助老协会", date(2025, 1, 1), "volunteer"),
        ("爱心互助会", date(2025, 6, 1), "charity"),
        ("北辰读书会", date(2023, 9, 1), "culture"),
        ("绿洲环保社", date(2026, 2, 1), "community"),
        ("墨韵书画社", date(2024, 5, 1), "culture"),
        ("星火志愿服务队", date(2026, 9, 1), "volunteer"),
        ("启明社区服务中心", date(2024, 8, 1), "community"),
    )}
    with db.session() as s:
        set_paused(s, centre.id, "2026-02", True, "tester")
        set_exempt(s, centre.id, ids["晨光公益服务社"], "2025-06", "活动室装修", "tester")
    # 2024-12 … 2026-10 but 2025-06 (exempt) and 2026-02 (paused): the last three low.
    months = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)]
    months = [m for m in months if "2024-12" <= m <= "2026-10" and m not in ("2025-06", "2026-02")]
    totals = ("8.0", "8.5", "7.5", "9.0", "8.0", "7.0", "8.5", "9.0", "9.5", "8.0", "7.5",
              "8.0", "7.0", "9.0", "8.5", "7.0", "8.0", "6.5", "5.5", "5.0", "4.5")
    assert len(months) == len(totals)
    for month, total in zip(months, totals):
        score_month(db, centre, ids["晨光公益服务社"], month, total)
    with db.session() as s:
        items = {it.code: it.id for it in Checklists(s, centre.id).items_for("2026-10")}
        for month, code, value, reason in (("2026-10", "hygiene", 50, "活动室杂物堆放"),
                                           ("2026-09", "plan", 100, "月度计划迟交"),
                                           ("2026-08", "records", 0, "台账缺失")):
            save_cells(s, centre.id, ids["晨光公益服务社"], month, {items[code]: Cell(value, False, reason)}, "tester")
    for name, scores in (("阳光助老协会", (("2026-08", "8.0"), ("2026-09", "5.0"), ("2026-10", "5.5"))),
                         ("爱心互助会", (("2026-10", "7.5"),)), ("北辰读书会", (("2026-04", "9.0"),)),
                         ("绿洲环保社", (("2026-10", "9.5"),)), ("墨韵书画社", (("2025-11", "4.5"),)),
                         ("启明社区服务中心", (("2026-09", "6.0"), ("2026-10", "6.0")))):
        for month, total in scores:
            score_month(db, centre, ids[name], month, total)
    with db.session() as s:
        mark_left(s, ids["北辰读书会"], "graduated", date(2026, 5, 31), "tester")
        mark_left(s, ids["墨韵书画社"], "exited", date(2025, 12, 31), "tester")
        rating = Rating(org_id=ids["晨光公益服务社"], year=2025, composite="1697/20", stars=4, original_stars=4)
        s.add(rating)
        s.add(Rating(org_id=ids["阳光助老协会"], year=2025, composite="93", stars=5, original_stars=5, priority=True))
        s.flush()
        s.add(RatingAmendment(rating_id=rating.id, operator="tester", old_stars=5, new_stars=4, reason="消防检查不合格"))
    return db


def test_snapshot_of_the_organisations_table(snap_data, snap_compare):
    async def run_before(pilot) -> None:
        await open_orgs(pilot)

    assert snap_compare(make_app(snap_data), terminal_size=SIZE, run_before=run_before)


def test_snapshot_of_an_organisation_page(snap_data, snap_compare):
    async def run_before(pilot) -> None:
        screen = await open_orgs(pilot)
        await go_to(pilot, screen, "晨光公益服务社")
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(snap_data), terminal_size=SIZE, run_before=run_before)


async def test_coming_back_from_another_screen_reads_the_totals_again(db, centre, orgs, monkeypatch):
    from incubator_tui.services import orgs as orgs_service

    calls = []
    real = orgs_service.overview
    monkeypatch.setattr(orgs_service, "overview", reads_sql(lambda *a, **kw: calls.append(1) or real(*a, **kw)))
    async with make_app(db).run_test(size=SIZE) as pilot:
        screen = await open_orgs(pilot, centre)
        assert len(calls) == 1
        await go_to(pilot, screen, "晨光公益服务社")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")  # back from its own page: nothing to read again
        await settle(pilot)
        assert len(calls) == 1 and screen.current_row().name == "晨光公益服务社"

        score_month(db, centre, orgs["绿洲环保社"], "2026-10", "3.0")  # as the scoring screen would
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert pilot.app.screen is screen and len(calls) == 2
        assert row_of(screen, "绿洲环保社")[3] == "3.0 26-10"
        assert screen.current_row().name == "晨光公益服务社"  # the cursor stayed


# ---------------------------------------------------------------- pure parts


def test_search_matching_and_sorting_rules():
    from incubator_tui.screens.orgs_screen import SearchKey, longest_name, matches, sort_rows, status_matches
    from incubator_tui.services.org_page import ListRow

    key = SearchKey("晨光公益服务社", "cggyfws", "chen guang gong yi fu wu she", "chenguanggongyifuwushe")
    for q in ("cg", "CG", "chenguang", "chen guang", " guang gong ", "公益", "fws", ""):
        assert matches(key, q), q
    for q in ("yg", "chenguangx", "阳光"):
        assert not matches(key, q), q
    assert status_matches("rectifying", "current") and status_matches("rectifying", "case")
    assert not status_matches("graduated", "current") and status_matches("graduated", "graduated")

    rows = [ListRow(str(i), n, "", "", "charity", "incubating", None, total, streak, None, stars, date(2024, i, 1))
            for i, (n, total, streak, stars) in enumerate(
                [("甲", None, 0, None), ("乙", Fraction(11, 2), 2, 3), ("丙", Fraction(9), 0, 5)], start=1)]
    order = {r.id: i for i, r in enumerate(rows)}
    assert [r.name for r in sort_rows(rows, order, "total")] == ["乙", "丙", "甲"]
    assert [r.name for r in sort_rows(rows, order, "streak")] == ["乙", "甲", "丙"]
    assert [r.name for r in sort_rows(rows, order, "stars")] == ["丙", "乙", "甲"]
    assert [r.name for r in sort_rows(rows, order, "entry")] == ["丙", "乙", "甲"]
    assert longest_name(rows + [ListRow("x", "Long ASCII name", "", "", "", "", None, None, 0, None, None, None)]) == 15


def test_form_field_checks():
    from incubator_tui.screens.org_form import SPECS, check_field

    assert check_field(SPECS["entry_date"], "2024/3/1").value == date(2024, 3, 1)
    assert check_field(SPECS["entry_date"], "2024/3/1").hint == "2024-03-01"
    assert check_field(SPECS["entry_date"], "").error == t("org.entry_date_required")
    assert check_field(SPECS["agreement_start"], "").value is None  # optional
    bad_end = check_field(SPECS["agreement_end"], "2024-01-01", {"agreement_start": "2024-06-01"})
    assert bad_end.error == t("org.agreement_dates")
    assert check_field(SPECS["deposit_cent"], "1,000.50").value == 100050
    assert check_field(SPECS["deposit_cent"], "").value == 0
    assert check_field(SPECS["deposit_cent"], "1.005").error and check_field(SPECS["deposit_cent"], "-1").error
    ok = check_field(SPECS["credit_code"], "52370000MJ00000095")
    assert ok.value == "52370000MJ00000095" and not ok.error and not ok.warning
    warn = check_field(SPECS["credit_code"], "52370000mj0000000x")
    assert warn.value == "52370000MJ0000000X" and warn.warning and not warn.error
    assert check_field(SPECS["credit_code"], "52370000MJ000000O9").error  # O is not allowed
    assert check_field(SPECS["credit_code"], " ").value is None  # blank is valid
    assert check_field(SPECS["name"], "  ").error == t("org.name_required")
    assert check_field(SPECS["name"], "x" * 201).error


def test_trend_chart_draws_bars_the_threshold_and_low_months():
    from incubator_tui.widgets.trend_chart import TrendPoint, render_chart

    points = [TrendPoint("2026-07", Fraction(8)), TrendPoint("2026-08", Fraction(11, 2)),
              TrendPoint("2026-09", None, mark="-"), TrendPoint("2026-10", Fraction(0)),
              TrendPoint("2026-11", Fraction(10))]
    styles = {"bar": "green", "low": "red", "line": "yellow", "axis": "", "missing": "dim"}
    chart = render_chart(points, 40, 10, styles=styles)
    lines = chart.plain.split("\n")
    assert len(lines) == 10 and all(len(line) <= 40 for line in lines)
    assert lines[0].startswith("10┤") and lines[-1].startswith("   26-07")
    threshold_row = next(line for line in lines if line.startswith(" 6┤"))
    assert "╌" in threshold_row
    bottom = lines[7]  # the lowest row of bars: every complete month shows, even a 0
    assert bottom.count("█") + bottom.count("▁") >= 4 * 2 and "-" in bottom
    red = {chart.plain[s.start:s.end] for s in chart.spans if s.style == "red"}
    assert red and all(set(x) <= set(" ▁▂▃▄▅▆▇█") for x in red)
    # Too narrow for every month: the latest ones are shown.
    narrow = render_chart(points, 6, 6).plain.split("\n")
    assert narrow[3] == "  │-▁█" and len(narrow[0]) == 6  # Sep (no total), Oct (0), Nov (10)
    assert render_chart([], 30, 5, empty="暂无").plain == "暂无"
