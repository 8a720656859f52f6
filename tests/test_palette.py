"""The palette does what it promises (#13), typed as a user types.

Its placeholder offers 导出、案件、切换: each of those words, and every screen's and every
action's name in both languages, finds the command as the first hit, in the Chinese and in the
English app; a word that finds nothing says so in the app's language; importing a file works
from the palette (a path, the report, the cases opened), and the database shows it.
"""

from __future__ import annotations

import csv
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from textual.command import CommandInput, CommandList, CommandPalette
from textual.screen import Screen
from textual.widgets import Input, OptionList

from incubator_tui.app import IncubatorApp
from incubator_tui.commands import PaletteCommand, rank
from incubator_tui.config import Config
from incubator_tui.i18n import set_language, t
from incubator_tui.screens.cases_screen import CasesScreen
from incubator_tui.screens.import_modal import ImportModal
from incubator_tui.services.centres import create_centre
from tests.helpers import make_org
from tests.waiting import wait_until

SIZE = (120, 36)
OTHER = "稷下文化创客中心"


class StubScreen(Screen):
    """Stands in for the organisations and scoring screens (their owners test them)."""


class App(IncubatorApp):
    MODES = {**IncubatorApp.MODES, "orgs": StubScreen, "scoring": StubScreen}


@pytest.fixture
def district(db, centre, monkeypatch):
    """Two centres (so that switching centre is offered), a few organisations in the first."""
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-04-10")
    with db.session() as s:
        other = create_centre(s, OTHER, "tester", category="culture")
    make_org(db, other, "稷下青年书画社", date(2025, 1, 1))
    for name in ("晨光公益服务社", "阳光助老协会"):
        make_org(db, centre, name, date(2025, 1, 1))
    return db


# The words typed, and the command each must find first: (word, catalogue key of its title).
SWITCH = "app.cmd.switch_centre"
WORDS = [
    ("导出", "palette.export"), ("export", "palette.export"),
    ("导入", "palette.import"), ("import", "palette.import"),
    ("案件", "app.cmd.goto.cases"), ("cases", "app.cmd.goto.cases"),
    ("切换", SWITCH), ("切换中心", SWITCH), ("switch", SWITCH), ("switch centre", SWITCH),
    ("设置", "app.command.settings"), ("settings", "app.command.settings"),
    ("月度考评", "app.cmd.goto.scoring"), ("monthly scoring", "app.cmd.goto.scoring"),
    ("组织", "app.cmd.goto.orgs"), ("organisations", "app.cmd.goto.orgs"),
    ("年度考评", "app.cmd.goto.review"), ("annual review", "app.cmd.goto.review"),
    ("备份", "exchange.cmd.backup"), ("backup", "exchange.cmd.backup"),
    ("恢复", "exchange.cmd.restore"), ("restore", "exchange.cmd.restore"),
    ("帮助", "app.cmd.help"), ("help", "app.cmd.help"),
    ("主题", "app.cmd.theme"), ("theme", "app.cmd.theme"),
    ("退出", "app.cmd.quit"), ("quit", "app.cmd.quit"),
]
# Offered from any screen but the dashboard itself.
DASHBOARD_WORDS = [("总览", "app.cmd.goto.dashboard"), ("dashboard", "app.cmd.goto.dashboard")]


def _keys(word: str) -> list[str]:
    return ["space" if ch == " " else ch for ch in word]


def first_hit(app) -> str | None:
    """The text of the palette's first hit, once there is one."""
    lists = app.screen.query(CommandList)
    if not lists or not lists.first().option_count:
        return None
    return str(lists.first().get_option_at_index(0).hit.text)


def shown(app) -> list[str]:
    lists = app.screen.query(CommandList)
    return [str(o.prompt) for o in lists.first().options] if lists else []


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_in_palette(pilot, word: str, expected: str) -> None:
    """Type ``word`` into the open palette (after erasing what was there): ``expected`` comes first."""
    app = pilot.app
    await pilot.press("ctrl+u", *_keys(word))
    await wait_until(lambda: app.screen.query_one(CommandInput).value == word, what=f"{word!r} typed")
    await wait_until(lambda: first_hit(app) == expected, timeout=5,
                     what=f"{word!r} → {expected!r} first (got {first_hit(app)!r}; {shown(app)})")


async def open_palette(pilot) -> None:
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_until(lambda: isinstance(app.screen, CommandPalette), what="the palette")


async def close_palette(pilot) -> None:
    await pilot.press("escape")
    await wait_until(lambda: not CommandPalette.is_open(pilot.app), what="the palette closed")


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_name_in_both_languages_finds_its_command_first(district, lang: str) -> None:
    set_language(lang)
    app = App(district, config=Config(operator="tester", language=lang))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.centre_id is not None and app.current_mode == "dashboard", what="dashboard")
        await settle(pilot)
        await open_palette(pilot)
        for word, key in WORDS:
            await type_in_palette(pilot, word, t(key, name=OTHER) if key == SWITCH else t(key))
        await close_palette(pilot)
        await pilot.press("c")
        await wait_until(lambda: isinstance(app.screen, CasesScreen), what="the cases screen")
        await open_palette(pilot)
        for word, key in DASHBOARD_WORDS:
            await type_in_palette(pilot, word, t(key))
        await close_palette(pilot)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_placeholder_and_no_match_speak_the_apps_language(district, lang: str) -> None:
    set_language(lang)
    app = App(district, config=Config(operator="tester", language=lang))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.centre_id is not None, what="dashboard")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_until(lambda: isinstance(app.screen, CommandPalette), what="the palette")
        assert app.screen.query_one(CommandInput).placeholder == t("app.palette.placeholder")
        await pilot.press(*"qqxz")
        await wait_until(lambda: first_hit(app) == t("palette.no_matches"), what="the no-match line")
        await wait_until(lambda: app.screen.has_class("-ready"), what="the search finished")
        assert len(shown(app)) == 1 and "No matches found" not in "".join(shown(app))
        await pilot.press("enter")  # choosing it does nothing but close the palette
        await wait_until(lambda: not CommandPalette.is_open(app), what="the palette closed")
        assert app.current_mode == "dashboard"


def test_the_placeholders_words_name_commands() -> None:
    """The words the placeholder offers are among those the test above types."""
    typed = {w for w, _ in WORDS}
    for lang, sep in (("zh", "、"), ("en", ", ")):
        set_language(lang)
        offered = t("app.palette.placeholder").split("：" if lang == "zh" else ": ", 1)[1].rstrip("…").split(sep)
        assert offered and set(offered) <= typed, offered
    set_language("zh")


def test_rank_puts_a_whole_name_before_a_part_and_a_part_before_a_fuzzy_match() -> None:
    def cmd(title: str, *names: str, first: bool = False) -> PaletteCommand:
        return PaletteCommand(title, "", lambda: None, names, first)

    def fuzzy(candidate: str) -> float:
        return 1.0 if "x" in candidate else 0.0

    assert rank("export", cmd("导出与备份…", "导出", "export"), fuzzy) > rank("export", cmd("Export later"), fuzzy)
    assert rank("exp", cmd("Export"), fuzzy) > rank("exp", cmd("A", "next export"), fuzzy)
    assert rank("exp", cmd("A", "next export"), fuzzy) > rank("exp", cmd("xyz"), fuzzy) > 0
    assert rank("切换", cmd("Switch centre: 稷下", "切换中心", first=True), fuzzy) > \
        rank("切换", cmd("Open the cases", "切换页面"), fuzzy)
    assert rank("zzz", cmd("Quit", "leave"), fuzzy) == 0 and rank("  ", cmd("Quit"), fuzzy) == 0


# ---------------------------------------------------------------- importing from the palette


def _scores_file(tmp_path: Path) -> Path:
    """Three low months for 晨光 (a case opens), one good month for 阳光."""
    path = tmp_path / "评分 [b]三月[red].csv"  # brackets in a path: text, never markup
    rows = [["名称", "月份", "plan", "hygiene", "party", "activity", "records", "safety"]]
    for month in ("2026-01", "2026-02", "2026-03"):
        rows.append(["晨光公益服务社", month, "1", "1", "1", "1", "0.5", "0.5"])
    rows.append(["阳光助老协会", "2026-03", "2", "2", "2", "2", "1", "1"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _report(app) -> str:
    return app.screen.report_text() if isinstance(app.screen, ImportModal) else ""


async def _open_import(pilot) -> ImportModal:
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_until(lambda: isinstance(app.screen, CommandPalette), what="the palette")
    await pilot.press(*"导入")
    await wait_until(lambda: first_hit(app) == t("palette.import"), what="the import command")
    await pilot.press("enter")
    await wait_until(lambda: isinstance(app.screen, ImportModal), what="the import dialog")
    screen = app.screen
    assert screen.focused is screen.query_one("#import-path", Input)
    return screen


async def test_importing_a_file_from_the_palette(district, db_path: Path, tmp_path: Path) -> None:
    path = _scores_file(tmp_path)
    app = App(district, config=Config(operator="王干事"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.centre_id is not None, what="dashboard")
        await settle(pilot)
        screen = await _open_import(pilot)
        await pilot.press(*str(tmp_path / "nowhere.csv"), "enter")  # a path that is not there
        await wait_until(lambda: "找不到文件" in _report(app), what="the missing file named")
        assert screen.focused is screen.query_one("#import-path", Input)
        await pilot.press("ctrl+u", *str(path), "enter")
        await wait_until(lambda: screen.focused is screen.query_one("#import-kinds", OptionList),
                         what="the kinds, once the path is there")
        await pilot.press("down", "enter")  # scores
        await wait_until(lambda: not screen.busy and "已导入" in _report(app), what="the report")
        report = _report(app)
        assert path.name in report and "新增分数24项" in report
        assert "已对“晨光公益服务社”立案（连续低分：2026-01、2026-02、2026-03）" in report
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ImportModal), what="the dialog closed")
    con = sqlite3.connect(db_path)
    try:
        cells = con.execute("SELECT COUNT(*) FROM score s JOIN organisation o ON o.id = s.org_id "
                            "WHERE o.name IN ('晨光公益服务社', '阳光助老协会')").fetchone()[0]
        cases = con.execute("SELECT o.name, c.kind, c.months FROM org_case c JOIN organisation o ON o.id = c.org_id"
                            ).fetchall()
        batch = con.execute("SELECT operator, filename FROM import_batch").fetchall()
    finally:
        con.close()
    assert cells == 24
    assert [(n, k) for n, k, _ in cases] == [("晨光公益服务社", "monthly")]
    assert batch == [("王干事", path.name)]


async def test_a_refused_file_names_line_and_column_and_changes_nothing(district, db_path: Path,
                                                                        tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("名称,月份,plan\n晨光公益服务社,2026-03,九\n", encoding="utf-8")
    set_language("en")
    app = App(district, config=Config(operator="tester", language="en"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.centre_id is not None, what="dashboard")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_until(lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"import")
        await wait_until(lambda: first_hit(app) == t("palette.import"), what="the import command")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ImportModal), what="the import dialog")
        screen = app.screen
        await pilot.press(*str(path), "enter", "down", "enter")
        await wait_until(lambda: not screen.busy and "nothing was imported" in _report(app), what="the refusal")
        assert "line 2" in _report(app) and "“plan”" in _report(app)
        assert screen.query_one("#import-message").has_class("-error")
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("SELECT COUNT(*) FROM score").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM import_batch").fetchone()[0] == 0
    finally:
        con.close()
