"""The app on a district database (#11), by keys: three small centres exported with the real
``export sqlite`` and merged with the real ``merge``.

The district opens on all centres: the dashboard per centre and overall, the organisations,
cases and review with a centre column; the palette switches to one centre (and back to all),
each screen then shows that centre's rows only; the grid needs one centre (it asks which) and
its scores are read-only (typing refused, saying why) unless the app was opened with
``--edit-district``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable

from incubator_tui.app import IncubatorApp
from incubator_tui.config import Config
from incubator_tui.db import open_database
from incubator_tui.screens.cases_screen import CasesScreen
from incubator_tui.screens.centre_picker import CentrePickerModal
from incubator_tui.screens.dashboard_screen import DashboardScreen
from incubator_tui.screens.orgs_screen import OrgsScreen
from incubator_tui.screens.review_screen import ReviewScreen
from incubator_tui.screens.scoring_screen import ScoringScreen
from incubator_tui.services.merge import merge
from tests.exchange_helpers import centre_db, export
from tests.helpers import score_month
from tests.waiting import wait_until

SIZE = (120, 36)
XD, JX, XG = "辛店街道中心", "稷下文化中心", "雪宫创新中心"  # in name order: 稷 < 辛 < 雪 (code points)
MONTHS = ("2026-01", "2026-02", "2026-03")


@pytest.fixture
def district(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """辛店 (3 orgs, one red: three low months, its monthly case open), 稷下 (3 orgs, all fine),
    雪宫 (2 orgs, one amber: two low months): exported and merged into district.sqlite."""
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-04-15")
    exports = []
    for name, orgs, low in ((XD, 3, MONTHS), (JX, 3, ()), (XG, 2, MONTHS[1:])):
        db, centre, org_ids = centre_db(tmp_path / f"{name}.sqlite", name, orgs=orgs, months=MONTHS)
        for month in low:
            score_month(db, centre, org_ids[0], month, "5")
        exports.append(export(db, tmp_path / f"{name}-export.sqlite"))
        db.dispose()
    path = tmp_path / "district.sqlite"
    merge(path, exports)
    return path


def app_on(path: Path, **kw) -> IncubatorApp:
    return IncubatorApp(open_database(path), config=Config(operator="区里"), **kw)


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def shown(pilot, kind: type, ready=lambda s: getattr(s, "loaded", False)) -> object:
    await wait_until(lambda: isinstance(pilot.app.screen, kind) and ready(pilot.app.screen), what=kind.__name__)
    await settle(pilot)
    return pilot.app.screen


async def palette(pilot, words: str, hit: str) -> None:
    """ctrl+p, type ``words``, wait for the first hit to say ``hit``, Enter."""
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await wait_until(lambda: CommandPalette.is_open(pilot.app), what="the palette")
    await pilot.press(*words)

    def first_hit() -> str:
        lists = pilot.app.screen.query(CommandList)
        if not lists or not lists.first().option_count:
            return ""
        return str(lists.first().get_option_at_index(0).prompt)

    await wait_until(lambda: hit in first_hit(), what=f"the palette's hit {hit}")
    await pilot.press("enter")
    await settle(pilot)


def lines(widget) -> list[str]:  # noqa: ANN001 - a dashboard EntryList
    return widget.content.plain.splitlines()


def table_rows(table: DataTable) -> list[list[str]]:
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)] for i in range(table.row_count)]


def scores_in(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT org_id, month, item_id, value_cent FROM score ORDER BY 1, 2, 3").fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- the dashboard


async def test_the_dashboard_per_centre_and_overall_then_one_centre(district: Path) -> None:
    app = app_on(district)
    async with app.run_test(size=SIZE) as pilot:
        dash = await shown(pilot, DashboardScreen)
        assert app.all_centres and len(app.scope) == 3
        assert "全部中心（3个）" in dash.sub_title
        centres = lines(dash.query_one("#centres"))
        assert [line.split()[0] for line in centres] == [JX, XD, XG]  # one line per centre, by name
        xd = next(line for line in centres if line.startswith(XD))
        assert "本月 0/3" in xd and "红1 黄0" in xd and "案件 1" in xd
        assert "红0 黄1" in next(line for line in centres if line.startswith(XG))
        assert "红0 黄0" in next(line for line in centres if line.startswith(JX)) and "案件 0" in centres[0]
        # Overall: every centre's members, flags and cases, each line led by its centre.
        assert "在孵组织 8 个" in dash.query_one("#progress").render().plain
        flags = lines(dash.query_one("#flags"))
        assert any(line.startswith("辛店") and f"{XD}组织0" in line and "红" in line for line in flags)
        assert any(line.startswith("雪宫") and f"{XG}组织0" in line and "黄" in line for line in flags)
        assert any(line.startswith("辛店") and f"{XD}组织0" in line for line in lines(dash.query_one("#cases")))
        # Enter on a centre's line: that centre's dashboard.
        for _ in range(6):
            if app.focused is not None and app.focused.id == "centres":
                break
            await pilot.press("shift+tab")
        assert app.focused.id == "centres"
        await pilot.press("down", "enter")  # 辛店 (the second line)
        await wait_until(lambda: app.scope != () and not app.all_centres, what="one centre")
        dash = await shown(pilot, DashboardScreen, lambda s: s.dashboard is not None and not s.dashboard.centres)
        assert app.centre_name == XD and dash.sub_title == XD
        assert not dash.query_one("#centres").display and dash.query_one("#trend").display
        assert "在孵组织 3 个" in dash.query_one("#progress").render().plain
        assert all(XG not in line for line in lines(dash.query_one("#flags")))
        # And back to all centres from the palette.
        await palette(pilot, "全部中心", "全部中心")
        await wait_until(lambda: app.all_centres, what="all centres again")
        dash = await shown(pilot, DashboardScreen, lambda s: s.dashboard is not None and bool(s.dashboard.centres))
        assert len(lines(dash.query_one("#centres"))) == 3


# ---------------------------------------------------------------- lists: all, then one


async def test_organisations_cases_and_review_all_centres_then_one(district: Path) -> None:
    app = app_on(district)
    async with app.run_test(size=SIZE) as pilot:
        await shown(pilot, DashboardScreen)
        await pilot.press("o")
        orgs = await shown(pilot, OrgsScreen, lambda s: s.complete)
        assert orgs.table.row_count == 8
        labels = [str(c.label) for c in orgs.table.columns.values()]
        assert labels[1] == "中心"
        rows = table_rows(orgs.table)
        assert {r[1][:2] for r in rows} == {"辛店", "稷下", "雪宫"}
        assert any(r[0] == f"{XG}组织1" and r[1].startswith("雪宫") for r in rows)
        await pilot.press("a")  # an organisation joins one centre: which?
        await shown(pilot, CentrePickerModal, lambda s: True)
        await pilot.press("escape")
        await wait_until(lambda: app.screen is orgs, what="back on the list")
        assert app.all_centres

        await pilot.press("c")
        cases = await shown(pilot, CasesScreen)
        table = cases.query_one("#cases-table", DataTable)
        assert [str(c.label) for c in table.columns.values()][1] == "中心"
        assert [(r[0], r[1]) for r in table_rows(table)] == [(f"{XD}组织0", XD)]

        await pilot.press("r")
        review = await shown(pilot, ReviewScreen, lambda s: s.model is not None and not s.partial)
        assert len(review.model.rows) == 8
        assert review.plan_columns()[1].label == "中心"
        assert review.table.cell(review.row_of(f"{JX}组织2"), 1) == JX
        await pilot.press("8")  # several centres: for reading only
        assert "切换到一个中心" in review.status("message").plain
        assert review.table.cell(review.model.row, 2) != "8_"

        # One centre (the palette): each screen afresh, that centre's rows only, no centre column.
        await palette(pilot, f"切换孵化中心：{JX}", JX)
        assert app.scope == (app.centre_id,) and app.centre_name == JX
        await pilot.press("o")
        orgs = await shown(pilot, OrgsScreen, lambda s: s.complete)
        assert sorted(r[0] for r in table_rows(orgs.table)) == [f"{JX}组织{i}" for i in range(3)]
        assert "中心" not in [str(c.label) for c in orgs.table.columns.values()]
        await pilot.press("c")
        cases = await shown(pilot, CasesScreen)
        assert cases.query_one("#cases-table", DataTable).row_count == 0
        await pilot.press("r")
        review = await shown(pilot, ReviewScreen, lambda s: s.model is not None and not s.partial)
        assert sorted(r.org for r in review.model.rows) == [f"{JX}组织{i}" for i in range(3)]
        assert review.plan_columns()[1].label != "中心"


# ---------------------------------------------------------------- the grid


async def test_the_grid_asks_for_a_centre_and_its_scores_are_read_only(district: Path) -> None:
    before = scores_in(district)
    app = app_on(district)
    async with app.run_test(size=SIZE) as pilot:
        await shown(pilot, DashboardScreen)
        await pilot.press("s")
        picker = await shown(pilot, CentrePickerModal, lambda s: True)
        assert "一次录一个中心" in picker.query("Static")[1].render().plain
        await pilot.press("down", "enter")  # 辛店
        grid = await shown(pilot, ScoringScreen, lambda s: s.grid is not None)
        assert app.centre_name == XD and not app.all_centres
        assert "只读" in grid.query_one("#scoring-banner").plain
        await pilot.press("5", "enter", "n", "f")
        message = grid.query_one("#scoring-message").plain
        assert XD in message and "--edit-district" in message
        assert grid.model.buffer is None  # nothing typed
        await pilot.press("x")  # closing the month is a write too
        assert "--edit-district" in grid.query_one("#scoring-message").plain
        await settle(pilot)
    assert scores_in(district) == before  # nothing written


async def test_edit_district_opens_the_scores_for_typing(district: Path) -> None:
    before = scores_in(district)
    app = app_on(district, edit_district=True)
    async with app.run_test(size=SIZE) as pilot:
        await shown(pilot, DashboardScreen)
        await pilot.press("s")
        await shown(pilot, CentrePickerModal, lambda s: True)
        await pilot.press("enter")  # 稷下, the first by name
        grid = await shown(pilot, ScoringScreen, lambda s: s.grid is not None)
        assert app.centre_name == JX
        assert "只读" not in grid.query_one("#scoring-banner").plain
        await pilot.press("2", "enter")
        await wait_until(lambda: len(scores_in(district)) == len(before) + 1, what="the saved score")
        await settle(pilot)
    (new,) = set(scores_in(district)) - set(before)
    assert new[1] == "2026-04" and new[3] == 200


async def test_the_review_of_a_merged_centre_is_read_only(district: Path) -> None:
    app = app_on(district)
    async with app.run_test(size=SIZE) as pilot:
        await shown(pilot, DashboardScreen)
        await palette(pilot, f"切换孵化中心：{XG}", XG)
        await pilot.press("r")
        review = await shown(pilot, ReviewScreen, lambda s: s.model is not None and not s.partial)
        await pilot.press("9")
        assert "--edit-district" in review.status("message").plain
        assert review.model.buffer is None
        await pilot.press("F")  # finalising writes ratings: refused the same way
        assert not isinstance(app.screen, CentrePickerModal) and app.screen is review
