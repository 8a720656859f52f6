"""The settings screen as a user drives it: `,` opens it, keys type and save, and the
result is read back through the `settings` command for months before and after."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.widgets import Input, Static, TabbedContent, TextArea

from incubator_tui.app import IncubatorApp
from incubator_tui.cli import main
from incubator_tui.config import Config
from incubator_tui.screens.scoring_modals import ConfirmModal
from incubator_tui.screens.settings_screen import SettingsScreen
from tests.helpers import make_org, score_month
from tests.waiting import wait_until

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-03-10")


def cli_json(capsys, db_path: Path, *args: str) -> dict:
    capsys.readouterr()
    assert main(["settings", "--db", str(db_path), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


async def open_settings(pilot) -> SettingsScreen:
    app = pilot.app
    await wait_until(lambda: app.centre_id is not None and app.screen.id != "_default", what="the dashboard")
    await pilot.press("comma")
    await wait_until(lambda: isinstance(app.screen, SettingsScreen) and app.screen.page is not None,
                     what="the settings loaded")
    await pilot.pause()
    return app.screen


async def show_tab(pilot, screen: SettingsScreen, section: str) -> None:
    screen.query_one("#settings-tabs", TabbedContent).active = f"tab-{section}"
    await pilot.pause()


async def type_into(pilot, screen: SettingsScreen, wid: str, value: str) -> None:
    """Focus a field as a click would, clear it with keys and type the value."""
    field = screen.query_one(f"#{wid}", Input)
    field.focus()
    await pilot.pause()
    await pilot.press("end", *(["backspace"] * len(field.value)))
    await pilot.press(*list(value))
    assert field.value == value


def dialog_lines(app) -> list[str]:
    """The lines the confirmation shows (what the change does)."""
    return str(app.screen.query_one("#confirm-body", Static).render()).splitlines()


async def save_and_confirm(pilot, screen: SettingsScreen) -> list[str]:
    app = pilot.app
    await pilot.press("ctrl+s")
    await wait_until(lambda: isinstance(app.screen, ConfirmModal), what="the confirmation")
    lines = dialog_lines(app)
    await pilot.press("y")
    await wait_until(lambda: app.screen is screen and not screen.busy and screen.page is not None
                     and "已保存" in str(screen.query_one("#settings-status", Static).render()), what="saved")
    return lines


def audit(db, table: str) -> list[tuple]:
    with db.reading() as c:
        return [tuple(r) for r in c.execute(text(
            "SELECT operator, field, old, new FROM audit WHERE table_name = :t ORDER BY rowid"), {"t": table})]


async def test_scheme_changes_by_keys_take_effect_from_their_month(capsys, db, centre, db_path) -> None:
    a = make_org(db, centre, "晨光公益服务社")
    for m in ("2025-12", "2026-01", "2026-02"):
        score_month(db, centre, a, m, "5.5")
    app = IncubatorApp(db, config=Config(operator="王主任"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await show_tab(pilot, screen, "scheme")
        await type_into(pilot, screen, "set-scheme-month", "2026-02")
        await type_into(pilot, screen, "set-threshold", "5")
        await type_into(pilot, screen, "set-weight-party", "40")
        await type_into(pilot, screen, "set-cutoff-5", "95")
        await type_into(pilot, screen, "set-publicity_days", "5")
        lines = await save_and_confirm(pilot, screen)
        assert "低分阈值由 6 改为 5（自 2026-02 起）" in lines
        assert "截至 2026-03：1 个组织的预警将解除（晨光公益服务社）" in lines
        # the history of the field under the cursor
        screen.query_one("#set-threshold", Input).focus()
        await pilot.pause()
        history = str(screen.query_one("#settings-history", Static).render())
        assert "王主任" in history and "自 2026-02 起" in history and "6 → 5" in history
    before, after = cli_json(capsys, db_path, "--as-of", "2026-01"), cli_json(capsys, db_path, "--as-of", "2026-02")
    assert (before["threshold"], before["weights"]["party"], before["cutoffs"][0],
            before["deadlines"]["publicity_days"]) == (6, 30, 90, 7)
    assert (after["threshold"], after["weights"]["party"], after["cutoffs"][0],
            after["deadlines"]["publicity_days"]) == (5, 40, 95, 5)
    assert sorted(r[:2] for r in audit(db, "setting")) == [("王主任", "publicity_days"), ("王主任", "star_cutoffs"),
                                                         ("王主任", "threshold"), ("王主任", "weights")]
    capsys.readouterr()
    assert main(["flags", "--db", str(db_path), "--as-of", "2026-02", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("wid,typed,error_id,message", [
    ("set-threshold", "11", "set-threshold-error", "阈值须在 0 到 10 分之间"),
    ("set-run_length", "0", "set-run_length-error", "连续月数须为不小于 1 的整数"),
    ("set-step", "0.3", "set-step-error", "步长须能整除 1 分"),
    ("set-cutoff-4", "90", "set-cutoffs-error", "星级分数线须从 5 星到 2 星依次降低"),
])
async def test_bad_scheme_values_are_refused_in_place_and_nothing_saved(db, centre, wid, typed, error_id, message):
    app = IncubatorApp(db, config=Config(operator="王主任"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await show_tab(pilot, screen, "scheme")
        await type_into(pilot, screen, wid, typed)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen  # no confirmation: refused
        assert message in str(screen.query_one(f"#{error_id}", Static).render())
        assert "未保存" in str(screen.query_one("#settings-status", Static).render())
    with db.reading() as c:
        assert c.execute(text("SELECT COUNT(*) FROM setting")).scalar() == 0


async def test_weights_all_zero_are_refused(db, centre) -> None:
    app = IncubatorApp(db, config=Config(operator="王主任"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await show_tab(pilot, screen, "scheme")
        for c in ("party", "monthly", "self", "peer", "public"):
            await type_into(pilot, screen, f"set-weight-{c}", "0")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "五项权重之和须大于 0" in str(screen.query_one("#set-weights-error", Static).render())
    with db.reading() as c:
        assert c.execute(text("SELECT COUNT(*) FROM setting")).scalar() == 0


async def test_centre_details_by_keys_and_escape_asks_before_dropping_typing(capsys, db, centre, db_path) -> None:
    app = IncubatorApp(db, config=Config(operator="王主任"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await type_into(pilot, screen, "set-address", "临淄区雪宫街道[b]二楼[/]")
        await type_into(pilot, screen, "set-notice_prefix", "雪宫孵")
        lines = await save_and_confirm(pilot, screen)
        assert lines[0] == "地址由“—”改为“临淄区雪宫街道[b]二楼[/]”"
        await type_into(pilot, screen, "set-phone", "0533")
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, ConfirmModal), what="asked before dropping")
        await pilot.press("n")
        await wait_until(lambda: app.screen is screen)
        assert screen.query_one("#set-phone", Input).value == "0533"
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_until(lambda: not isinstance(app.screen, (SettingsScreen, ConfirmModal)), what="left")
    data = cli_json(capsys, db_path)
    assert data["centre_details"]["address"] == "临淄区雪宫街道[b]二楼[/]"
    assert data["centre_details"]["notice_prefix"] == "雪宫孵" and data["centre_details"]["phone"] == ""
    assert ("王主任", "notice_prefix", "", "雪宫孵") in audit(db, "centre")


async def test_holidays_typed_and_pasted_for_a_year(capsys, db, centre, db_path) -> None:
    app = IncubatorApp(db, config=Config(operator="王主任"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        assert "2026、2027 年的法定节假日尚未设置" in str(screen.query_one("#settings-warning", Static).render())
        await show_tab(pilot, screen, "holidays")
        await type_into(pilot, screen, "set-year", "2027")
        area = screen.query_one("#set-holidays", TextArea)
        area.focus()
        await pilot.press(*list("2027-01-01"), "enter")
        app.copy_to_clipboard("2027/2/10，2027年2月11日")
        await pilot.press("ctrl+v")
        screen.query_one("#set-makeup_days", TextArea).focus()
        await pilot.press(*list("2027-02-08"))  # a Monday: refused
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "是工作日" in str(screen.query_one("#set-makeup_days-error", Static).render())
        await pilot.press(*(["backspace"] * 10), *list("2027-02-06"))
        lines = await save_and_confirm(pilot, screen)
        assert lines[0].startswith("2027 年：法定节假日 3 天，调休上班日 1 天")
        assert "2026 年" in str(screen.query_one("#settings-warning", Static).render())
    data = cli_json(capsys, db_path)
    assert data["holidays"] == {"2027": ["2027-01-01", "2027-02-10", "2027-02-11"]}
    assert data["makeup_days"] == {"2027": ["2027-02-06"]}


async def test_a_new_checklist_version_by_keys_with_the_running_total(capsys, db, centre, db_path) -> None:
    org = make_org(db, centre, "晨光公益服务社", date(2025, 1, 1))
    score_month(db, centre, org, "2026-02", "7")
    app = IncubatorApp(db, config=Config(operator="王主任"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await show_tab(pilot, screen, "checklist")
        total = screen.query_one("#checklist-total", Static)
        assert str(total.render()) == "合计 10 分 ✓"
        rows = list(screen.row_ids)
        await type_into(pilot, screen, f"item-{rows[1]}-max", "3")  # hygiene 3
        assert str(total.render()) == "合计 11 分（须为 10 分）"
        screen.query_one(f"#item-{rows[5]}-code", Input).focus()  # safety: removed
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert str(total.render()) == "合计 10 分 ✓"
        await pilot.press("ctrl+s")  # from March (the current month): February keeps its version
        await wait_until(lambda: isinstance(app.screen, ConfirmModal))
        lines = dialog_lines(app)
        await pilot.press("y")
        await wait_until(lambda: screen.page is not None and len(screen.page.versions) == 2, what="saved")
        assert "2026-03 以前各月仍按原版本计分，合计不变" in lines
    feb, mar = cli_json(capsys, db_path, "--as-of", "2026-02"), cli_json(capsys, db_path, "--as-of", "2026-03")
    assert [(i["code"], i["max"]) for i in feb["checklist"]][1] == ("hygiene", 2) and len(feb["checklist"]) == 6
    assert [(i["code"], i["max"]) for i in mar["checklist"]] == [
        ("plan", 2), ("hygiene", 3), ("party", 2), ("activity", 2), ("records", 1)]
    with db.reading() as c:
        assert c.execute(text("SELECT earned_cent, max_cent FROM month_result WHERE month = '2026-02'")).one() == (700, 1000)


async def test_checklist_refusals_are_shown_under_their_rows(db, centre) -> None:
    app = IncubatorApp(db, config=Config(operator="王主任"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await show_tab(pilot, screen, "checklist")
        rows = list(screen.row_ids)
        await type_into(pilot, screen, f"item-{rows[1]}-code", "plan")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "代码“plan”与第 1 项重复" in str(screen.query_one(f"#item-{rows[1]}-error", Static).render())
        assert app.screen is screen
    with db.reading() as c:
        assert c.execute(text("SELECT COUNT(*) FROM checklist_version")).scalar() == 1


async def test_this_installation_goes_to_the_config_file(db, centre) -> None:
    from incubator_tui.config import load_config

    app = IncubatorApp(db, config=Config(operator="王主任"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await show_tab(pilot, screen, "install")
        await type_into(pilot, screen, "set-operator", "李干事")
        await type_into(pilot, screen, "set-output_dir", "/tmp/通知书")
        await save_and_confirm(pilot, screen)
        assert app.operator == "李干事"
    config = load_config()
    assert (config.operator, config.output_dir) == ("李干事", "/tmp/通知书")


async def test_the_palette_finds_settings(db, centre) -> None:
    app = IncubatorApp(db, config=Config(operator="王主任"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.centre_id is not None and app.screen.id != "_default")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*list("设置"))
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, SettingsScreen), what="opened from the palette")
