"""Every screen at 80×24 and 120×36, in Chinese and English, on a pinned demo centre (issue 13).

Nothing important is cut until it becomes ambiguous: names keep their room
(other columns shrink: short words, 25-11~26-01, 26-02-06), two different
names never read alike (``format.fit_names``), the footer's keys keep their
labels, numbers stay whole.  The snapshots were looked at by eye; the
assertion tests say the same in words for every screen at 80×24.
"""

from __future__ import annotations

import os
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from rich.cells import cell_len

from incubator_tui.config import Config
from incubator_tui.db import open_database
from incubator_tui.i18n import set_language, t

TODAY = "2026-02-15"  # the demo's last complete month is 2026-01: a red run 2025-11~2026-01
SIZES = {"80x24": (80, 24), "120x36": (120, 36)}


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    """The demo centre (40 organisations, 24 months), made once for the module."""
    from incubator_tui.services.demo import create_demo

    path = tmp_path_factory.mktemp("narrow") / "demo.sqlite"
    before = os.environ.get("INCUBATOR_TUI_TODAY")
    os.environ["INCUBATOR_TUI_TODAY"] = TODAY
    try:
        db = open_database(path, create=True)
        create_demo(db, end_month="2026-01")
        db.dispose()
    finally:
        if before is None:
            del os.environ["INCUBATOR_TUI_TODAY"]
        else:
            os.environ["INCUBATOR_TUI_TODAY"] = before
    return path


@pytest.fixture
def demo(demo_file, tmp_path, monkeypatch):
    """A copy of the demo database for one test, today pinned."""
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", TODAY)
    monkeypatch.setenv("HOME", "/home/manager")  # the export screen's folder, the same on every machine
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_file, path)
    db = open_database(path)
    yield db
    db.dispose()


def make_app(db):
    from incubator_tui.app import IncubatorApp

    return IncubatorApp(db, config=Config(operator="tester"))


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_import(pilot) -> None:
    from incubator_tui.screens.import_modal import import_from_palette

    import_from_palette(pilot.app)


# Each screen: the keys a user presses from the dashboard (a callable for the palette's dialog).
SCREENS = {
    "dashboard": (),
    "orgs": ("o",),
    "org_page": ("o", "j", "j", "enter"),  # 崇文社区社区营造中心: a red run, a case, a rating
    "cases": ("c",),
    "case_page": ("c", "j", "enter"),  # 崇文社区社区营造中心's monthly case: 2025-11~2026-01
    "review": ("r",),
    "settings": ("comma",),
    "export": ("ctrl+e",),
    "import": (open_import,),
    "help": ("r", "question_mark"),
}


async def go(pilot, screen: str) -> None:
    from textual.widgets import Input

    await settle(pilot)
    for key in SCREENS[screen]:
        if callable(key):
            await key(pilot)
        else:
            await pilot.press(key)
        await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a snapshot must not catch the cursor half-way through a blink
    await settle(pilot)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_screen_at_both_sizes_in_both_languages(snap_compare, demo, screen, size, lang):
    set_language(lang)

    async def run_before(pilot) -> None:
        await go(pilot, screen)

    assert snap_compare(make_app(demo), terminal_size=SIZES[size], run_before=run_before)


# -- what the snapshots show, in words -----------------------------------------------------------------------


def screen_lines(app) -> list[str]:
    """The terminal's lines as drawn (from the app's own SVG screenshot, public API): each run
    of text put at its column (Rich writes x = column × 12.2 for its 20px font)."""
    svg = app.export_screenshot()
    size = app.size
    lines = [[] for _ in range(size.height)]
    pattern = r'<text [^>]*x="([\d.]+)"[^>]*clip-path="url\(#[\w-]+-line-(\d+)\)"[^>]*>(.*?)</text>'
    for x, number, body in re.findall(pattern, svg):
        lines[int(number)].append((round(float(x) / 12.2), unescape(body).replace("\xa0", " ")))
    out = []
    for runs in lines:
        line = ""
        for column, text in sorted(runs):
            line += " " * max(column - cell_len(line), 0) + text
        out.append(line)
    return out


CUT = re.compile(r"[^\s…]* ?…[^\s…]*(?:…[^\s…]*)*")  # Rich may leave a space before … after a wide character


def readings(token: str, names: set[str]) -> set[str]:
    """The names a text cut with ``…`` may stand for: it starts with the part before the first
    ``…``, holds the others in order, and ends with the last one unless the text ends with ``…``."""
    parts = token.replace(" …", "…").split("…")
    found = set()
    for name in names:
        if not name.startswith(parts[0]):
            continue
        at = len(parts[0])
        ok = True
        for n, part in enumerate(parts[1:], start=1):
            if n == len(parts) - 1 and part:  # the text ends with the name's end
                ok = name.endswith(part) and len(name) - len(part) >= at
                break
            where = name.find(part, at)
            if where < 0:
                ok = False
                break
            at = where + len(part)
        if ok:
            found.add(name)
    return found


def org_names(db) -> set[str]:
    from sqlalchemy import text

    with db.reading() as conn:
        return {row[0] for row in conn.execute(text("SELECT name FROM organisation"))}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("screen", ["dashboard", "orgs", "cases", "review", "org_page", "case_page"])
async def test_no_two_names_read_alike_at_80_columns(demo, screen, lang):
    """Every name cut on screen stands for exactly one organisation of the centre."""
    set_language(lang)
    names = org_names(demo)
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await go(pilot, screen)
        lines = screen_lines(app)
    assert len(lines) == 24
    seen = 0
    for line in lines:
        for token in CUT.findall(line):
            head = token.replace(" …", "…").split("…")[0]
            if cell_len(head) < 2 or not re.search(r"[\u4e00-\u9fff]", token):
                continue  # not a cut name (a note, a path)
            meant = readings(token, names)
            assert len(meant) <= 1, f"{screen}: {token!r} reads as {sorted(meant)}"
            seen += bool(meant)
    if screen in ("orgs", "review", "cases"):
        assert any(name in "".join(lines) for name in names)  # the names are there to be read


async def test_the_lists_cut_no_name_at_80_columns_on_the_demo(demo):
    """Where the other columns can shrink, the demo's names are shown whole: no cut at all on
    the organisations list and the dashboard, and on the cases list in Chinese."""
    set_language("zh")
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        for screen in ("dashboard", "orgs", "cases"):
            await go(pilot, screen)
            body = "\n".join(screen_lines(app)[1:-1])
            names_cut = [tok for tok in CUT.findall(body) if re.search(r"[\u4e00-\u9fff]{2}…", tok)]
            assert names_cut == [] if screen != "cases" else len(names_cut) <= 3, (screen, names_cut)
            await pilot.press("d")


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_months_and_footer_at_80_columns(demo, lang):
    """The cases list says 25-11~26-01 (never 2025-11~20), and every key in the footer keeps its
    label, `?` always there (labelled "more" when keys were left out)."""
    from incubator_tui.widgets.key_bar import KeyBar, plan_line

    set_language(lang)
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await go(pilot, "cases")
        text = "\n".join(screen_lines(app))
        assert "25-11~26-01" in text and "2025-11~20" not in text and "2025-11~2026-01" not in text
        for keys in (("d",), ("o",), ("c",), ("r",), ("s",), ("d", "comma")):
            await go(pilot, "dashboard")
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            bar = app.screen.query_one(KeyBar)
            entries, palette = bar.entries()
            shown, short, _tight, _palette = plan_line(entries, palette, 80)
            footer = screen_lines(app)[-1]
            assert cell_len(footer.rstrip()) <= 80
            assert any(e.kind == "help" for e in shown), keys
            for entry in shown:
                label = entry.short if short else entry.label
                if entry.kind == "help" and len(shown) < len(entries):
                    label = t("short.key.more")
                keys_text = " ".join(d for _k, d, _e in entry.keys)
                assert f"{keys_text} {label}" in footer, (keys, keys_text, label, footer)
            if len(shown) < len(entries):
                assert footer.rstrip().endswith(f"? {t('short.key.more')}")


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_search_prompt_fits_at_80_columns(demo, lang):
    from textual.widgets import Input

    set_language(lang)
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await go(pilot, "orgs")
        await pilot.press("slash")
        await settle(pilot)
        field = app.screen.query_one("#orgs-search", Input)
        assert cell_len(field.placeholder) <= field.size.width - 1
        assert field.placeholder == t("short.orgs.search.placeholder") or lang == "zh"
        assert field.placeholder in screen_lines(app)[0]
    async with make_app(demo).run_test(size=(120, 36)) as pilot:
        await go(pilot, "orgs")
        await pilot.press("slash")
        await settle(pilot)
        assert pilot.app.screen.query_one("#orgs-search", Input).placeholder == t("orgs.search.placeholder")


# -- the rule itself ------------------------------------------------------------------------------------------------


def test_fit_names_never_makes_two_names_alike():
    from incubator_tui.widgets.format import fit_names

    names = ["牛山社区便民服务队", "牛山社区儿童关爱服务中心", "牛山社区小扳手互助维修队", "北关社区居家养老服务社",
             "北关社区四点半课堂", "齐兴青年志愿者联合会", "齐兴青年志愿服务队", "齐兴助老志愿者协会", "晏婴摄影协会"]
    for width in range(8, 26):
        shown = fit_names(names, width)
        assert len(set(shown.values())) == len(names), (width, shown)
        assert all(cell_len(text) <= width for text in shown.values())
        for name, text in shown.items():
            assert readings(text, set(names)) == {name}, (width, text)
    shown = fit_names(names, 12)
    assert shown["晏婴摄影协会"] == "晏婴摄影协会"  # a name that fits is whole
    assert shown["北关社区居家养老服务社"] == "北关社区居…"  # cut at its end where that is enough
    assert shown["齐兴青年志愿者联合会"] == "齐兴…者联合…"  # in the middle where the end cut would clash
    assert fit_names(names, 10)["牛山社区便民服务队"] == "牛…便民服…"


def test_short_month_spans_keep_the_years():
    from incubator_tui.widgets.format import span_text

    assert span_text(["2025-11", "2025-12", "2026-01"], short=True) == "25-11~26-01"
    assert span_text(["2024-04", "2024-05", "2024-06"], short=True) == "24-04~06"
    assert span_text(["2025-11", "2025-12", "2026-01"]) == "2025-11~2026-01"
    assert span_text(["2024-04"], short=True) == "24-04"
