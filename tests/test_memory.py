"""What the app keeps in memory for a month of a large centre: one object where one will do.

A 5,000-org month is ~30,000 cells and as many month states: a new string per row read (a
month, an item code) or a whole month's rows fetched at once is megabytes more at the peak
(the benchmark's ``memory`` row).  These tests pin down what is shared and that a read in
parts gives the same month as one read at once; no timing and no memory threshold.
"""

from __future__ import annotations

import gc

from incubator_tui.services import scoring
from incubator_tui.services.centres import Checklists
from incubator_tui.services.monthly import month_states
from incubator_tui.services.scoring import Cell, last_month, load_grid, save_cells

from tests.helpers import make_org, score_month

MONTHS = ("2026-01", "2026-02", "2026-03")


def _scored(db, centre, n: int = 3) -> list[str]:
    orgs = [make_org(db, centre, f"机构{i}") for i in range(n)]
    for org_id in orgs:
        for month in MONTHS:
            score_month(db, centre, org_id, month, "8.5")
    return orgs


def test_every_orgs_month_states_share_one_string_per_month(db, centre) -> None:
    orgs = _scored(db, centre)
    with db.reading() as s:
        states = month_states(s, centre.id, Checklists(s, centre.id), orgs)
    keys = [list(states[org_id]) for org_id in orgs]
    assert all(sorted(k) == list(MONTHS) for k in keys)
    for month in MONTHS:
        first = next(k for k in keys[0] if k == month)
        assert all(next(k for k in other if k == month) is first for other in keys[1:])


def test_the_grids_rows_share_their_history_months(db, centre) -> None:
    _scored(db, centre)
    with db.reading() as s:
        grid = load_grid(s, centre.id, "2026-04")
    seen: dict[str, str] = {}
    for row in grid.rows:
        assert set(row.history) == set(MONTHS)
        for month in row.history:
            assert seen.setdefault(month, month) is month


def test_last_month_shares_one_string_per_item_code(db, centre) -> None:
    orgs = _scored(db, centre)
    with db.reading() as s:
        last = last_month(s, centre.id, "2026-04")
    assert last.month == "2026-03" and set(last.cells) == set(orgs)
    seen: dict[str, str] = {}
    for cells in last.cells.values():
        for code in cells:
            assert seen.setdefault(code, code) is code


def test_a_month_read_a_few_rows_at_a_time_is_the_month_read_at_once(db, centre, monkeypatch) -> None:
    orgs = _scored(db, centre, n=4)
    with db.session() as s:  # a reason and an N/A among the cells
        items = Checklists(s, centre.id).items_for("2026-03")
        save_cells(s, centre.id, orgs[1], "2026-03", {items[0].id: Cell(None, True, "停水"),
                                                     items[1].id: Cell(0, False, "未交")}, "tester")
    with db.reading() as s:
        whole = load_grid(s, centre.id, "2026-03"), last_month(s, centre.id, "2026-04")
    monkeypatch.setattr(scoring, "FETCH_ROWS", 2)
    with db.reading() as s:
        parts = load_grid(s, centre.id, "2026-03"), last_month(s, centre.id, "2026-04")
    assert [(r.org_id, r.cells, r.history) for r in parts[0].rows] == \
        [(r.org_id, r.cells, r.history) for r in whole[0].rows]
    assert parts[0].rows[1].cells[items[0].id] == Cell(None, True, "停水")
    assert parts[1] == whole[1] and parts[1].cells[orgs[1]]
    assert sum(len(c) for c in parts[1].cells.values()) > 2  # more rows than one part


def test_the_review_model_keeps_its_own_rows_not_the_rows_read() -> None:
    from fractions import Fraction

    from incubator_tui.editing.review_model import ReviewModel
    from incubator_tui.services.reviews import LiveRating
    from tests.test_reviews import _live, _year

    data = _year([_live("甲", monthly=80, peer=80), _live("乙", monthly=90, peer=90)], weights={"monthly": 50,
                                                                                              "peer": 50})
    model = ReviewModel(data, "c")
    del data
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, LiveRating) and o.org_id in ("id-甲", "id-乙")]
    assert len(alive) == 2 and all(any(o is row for row in model.rows) for o in alive)  # the rows read are gone
    assert [row.org for row in model.rows] == ["甲", "乙"]
    assert model.data.of_centre("c").weights == {"monthly": 50, "peer": 50}  # the year's settings stay
    model.type("8")
    model.commit_next()  # rated again with those settings
    assert model.rows[0].components["party"] == Fraction(8)


async def test_the_cases_table_makes_a_cells_text_only_when_its_page_is_added(db, centre, monkeypatch) -> None:
    from datetime import date

    from rich.text import Text
    from textual.widgets import DataTable

    from incubator_tui.screens.cases_screen import CasesScreen
    from incubator_tui.screens.paged import PAGE
    from incubator_tui.services.cases import open_case
    from incubator_tui.services.orgs import add_org
    from tests.test_app import make_app, settle

    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    names = {f"组织{i:03d}" for i in range(PAGE * 2 + 5)}
    with db.session() as s:
        for name in sorted(names):
            org, _ = add_org(s, centre.id, {"name": name, "category": "community",
                                            "entry_date": date(2024, 1, 1)}, "tester")
            open_case(s, org, "veto", "安全事故", "tester", year=2026, on=date(2026, 3, 1))
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)
        table = app.screen.query_one("#cases-table", DataTable)
        assert table.row_count == PAGE and len(app.screen.paged_rows()) == len(names)
        gc.collect()
        made = sum(1 for o in gc.get_objects() if isinstance(o, Text) and o.plain in names)
        assert 0 < made <= PAGE  # the names of the rows in the table, not of all the cases
        await pilot.press("G")
        await settle(pilot)
        assert table.row_count == len(names)
