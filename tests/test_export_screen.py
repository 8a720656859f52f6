"""The export screen (ctrl+e) and the palette's backup and restore, pressed as a user would."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from textual.widgets import Input, OptionList, Static

from incubator_tui import paths
from incubator_tui.app import IncubatorApp
from incubator_tui.config import Config
from incubator_tui.screens.export_modal import ExportModal, RestoreModal
from incubator_tui.services.exchange import check_export
from tests.exchange_helpers import PHONE, sha
from tests.helpers import make_org, score_month
from tests.waiting import wait_until

SIZE = (120, 40)


@pytest.fixture
def centre_with_data(db, centre, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-03-10")
    from incubator_tui.services.orgs import add_org

    with db.session() as s:
        add_org(s, centre.id, {"name": "晨光[b]公益[/b]", "category": "community", "entry_date": date(2025, 1, 1),
                               "contact": "陈晨", "phone": PHONE}, "tester")
    org = make_org(db, centre, "稷下书画社", date(2025, 1, 1))
    score_month(db, centre, org, "2026-01", "8")
    folder = tmp_path / "出口 [red]folder[b]"  # brackets in a path: shown as text, never markup
    folder.mkdir()
    return db, folder


def _app(db) -> IncubatorApp:
    return IncubatorApp(db, config=Config(operator="tester"))


def _message(screen) -> str:
    return str(screen.query_one("#export-message", Static).render())


async def _open(pilot, folder: Path) -> ExportModal:
    app = pilot.app
    await wait_until(lambda: app.centre_id is not None, what="the dashboard")
    await pilot.press("ctrl+e")
    await wait_until(lambda: isinstance(app.screen, ExportModal), what="the export screen")
    screen = app.screen
    screen.query_one("#export-folder", Input).value = str(folder)
    assert screen.focused is screen.query_one("#export-kinds", OptionList)
    return screen


async def _done(pilot, screen) -> str:
    await wait_until(lambda: not screen.busy and _message(screen), what="the export's result")
    await pilot.pause()
    return _message(screen)


async def test_s_writes_the_district_export_and_says_where(centre_with_data) -> None:
    db, folder = centre_with_data
    app = _app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, folder)
        await pilot.press("s")
        text = await _done(pilot, screen)
        files = sorted(folder.glob("*.sqlite"))
        assert [f.name for f in files] == ["测试孵化中心-2026-03.sqlite"]
        assert str(files[0]) in text and "第 1 号" in text  # the path, brackets and all, as plain text
        assert screen.query_one("#export-progress").percentage == 1
        await pilot.press("r")  # redacted, beside it: nothing overwritten
        text = await _done(pilot, screen)
        assert "第 2 号" in text and "去除联系人" in text
        await pilot.press("s")
        await _done(pilot, screen)
        names = sorted(f.name for f in folder.glob("*.sqlite"))
        assert names == ["测试孵化中心-2026-03-2.sqlite", "测试孵化中心-2026-03-去联系人.sqlite",
                         "测试孵化中心-2026-03.sqlite"]
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ExportModal))
    redacted = folder / "测试孵化中心-2026-03-去联系人.sqlite"
    assert check_export(redacted).redacted and PHONE.encode() not in redacted.read_bytes()
    assert check_export(folder / "测试孵化中心-2026-03.sqlite").sequence == 1


async def test_x_and_i_write_the_report_and_the_sheet_for_the_typed_year_and_month(centre_with_data) -> None:
    db, folder = centre_with_data
    app = _app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, folder)
        screen.query_one("#export-year", Input).value = "2026"
        screen.query_one("#export-month", Input).value = "2026-01"
        await pilot.press("x")
        text = await _done(pilot, screen)
        report = folder / "测试孵化中心-2026-年度报表.xlsx"
        assert str(report) in text and report.exists()
        await pilot.press("i")
        await _done(pilot, screen)
        sheet = folder / "测试孵化中心-2026-01-检查表.xlsx"
        rows = list(openpyxl.load_workbook(sheet).active.iter_rows(values_only=True))
        assert sorted(r[1] for r in rows[3:]) == sorted(["晨光[b]公益[/b]", "稷下书画社"])
        # A month that is not one: refused on the screen, nothing written.
        screen.query_one("#export-month", Input).value = "2026-13"
        await pilot.press("i")
        await pilot.pause()
        assert "YYYY-MM" in _message(screen) and not screen.busy
    assert openpyxl.load_workbook(report).sheetnames[0] == "2026月度总分"


async def test_a_missing_folder_is_refused_and_b_backs_up_now(centre_with_data, tmp_path: Path) -> None:
    db, _folder = centre_with_data
    app = _app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, tmp_path / "nowhere")
        await pilot.press("s")
        await pilot.pause()
        assert "文件夹不存在" in _message(screen) and not list(tmp_path.glob("nowhere*"))
        await pilot.press("b")
        text = await _done(pilot, screen)
        made = list(paths.backup_dir().glob("*-manual.sqlite"))
        assert len(made) == 1 and str(made[0]) in text


async def test_the_palette_offers_backup_and_restore_and_restore_confirms(centre_with_data, tmp_path: Path) -> None:
    db, _folder = centre_with_data
    saved = tmp_path / "saved.sqlite"
    db.backup_to(saved)
    make_org(db, db_centre(db), "后来加入的组织", date(2026, 2, 1))
    before = sha(db.path)
    app = _app(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.centre_id is not None)
        await pilot.press("ctrl+p")
        await pilot.press(*"恢复")
        await wait_until(lambda: _offers(app, "从备份恢复数据库"), what="the palette's restore")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, RestoreModal), what="the restore dialog")
        modal = app.screen
        field = modal.query_one("#restore-path", Input)
        field.value = str(tmp_path / "random.sqlite")
        (tmp_path / "random.sqlite").write_bytes(b"\x00" * 4096)
        await pilot.press("enter")  # asks first
        assert "再按 Enter 确认" in str(modal.query_one("#restore-message", Static).render())
        await pilot.press("enter")  # confirmed: refused, nothing changed
        await wait_until(lambda: not modal.busy and "不是 SQLite" in str(
            modal.query_one("#restore-message", Static).render()), what="the refusal")
        assert sha(db.path) == before
        field.value = str(saved)
        await pilot.press("enter", "enter")
        await wait_until(lambda: modal.done, what="the restore")
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, RestoreModal))
    con = sqlite3.connect(db.path)
    assert con.execute("SELECT COUNT(*) FROM organisation WHERE name = '后来加入的组织'").fetchone() == (0,)
    con.close()
    assert list(paths.backup_dir().glob("*-before-restore.sqlite"))


def db_centre(db):
    from incubator_tui.services.centres import list_centres

    with db.reading() as conn:
        return list_centres(conn)[0]


def _offers(app, text: str) -> bool:
    from textual.command import CommandList

    lists = app.screen.query(CommandList)
    return bool(lists) and any(text in str(getattr(o.prompt, "plain", o.prompt)) for o in lists.first().options)


async def test_the_palettes_backup_now_opens_the_export_screen_and_backs_up(centre_with_data) -> None:
    db, _folder = centre_with_data
    app = _app(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.centre_id is not None)
        await pilot.press("ctrl+p")
        await pilot.press(*"立即备份")
        await wait_until(lambda: _offers(app, "立即备份数据库"), what="the palette's backup")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ExportModal), what="the export screen")
        text = await _done(pilot, app.screen)
        made = list(paths.backup_dir().glob("*-manual.sqlite"))
        assert len(made) == 1 and str(made[0]) in text
