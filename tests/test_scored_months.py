"""Whether a month has any score, read from month_result (schema 0007 dropped the score table's covering
index that used to answer it): a score or an N/A counts, a cleared cell (its row kept) does not, and
another centre's months never count for this one."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from incubator_tui.errors import UserError
from incubator_tui.services.centres import Checklists
from incubator_tui.services.flags import default_as_of, latest_scored_month
from incubator_tui.services.scoring import Cell, save_cells, set_paused
from incubator_tui.services.settings import scored_months_from
from tests.helpers import assert_month_results_match_scores, make_org, score_month


def _first_item(db, centre, month: str) -> str:
    with db.session() as s:
        return Checklists(s, centre.id).items_for(month)[0].id


@pytest.fixture
def months(db, centre):
    """2026-01 scored, 2026-02 one N/A only, 2026-03 one cell typed then cleared (its row kept)."""
    org = make_org(db, centre, "晨光公益服务社")
    score_month(db, centre, org, "2026-01", "8")
    with db.session() as s:
        save_cells(s, centre.id, org, "2026-02", {_first_item(db, centre, "2026-02"): Cell(None, True)}, "t")
    item = _first_item(db, centre, "2026-03")
    with db.session() as s:
        save_cells(s, centre.id, org, "2026-03", {item: Cell(150)}, "t")
    with db.session() as s:
        save_cells(s, centre.id, org, "2026-03", {item: None}, "t")
    with db.session() as s:  # the cleared cell is still a row, and so is its month's result
        assert s.execute(text("SELECT value_cent, na FROM score WHERE month = '2026-03'")).all() == [(None, False)]
        assert s.execute(text("SELECT scored, na_count FROM month_result WHERE month = '2026-03'")).all() == [(0, 0)]
    assert_month_results_match_scores(db)
    return org


def test_the_latest_scored_month_counts_na_and_not_a_cleared_cell(db, centre, months) -> None:
    with db.session() as s:
        assert latest_scored_month(s, centre.id) == "2026-02"
        assert latest_scored_month(s) == "2026-02"
        assert default_as_of(s, centre.id) == "2026-02"  # what `flags` reports as of
        assert scored_months_from(s, centre.id, "2026-01") == "2026-02"
        assert scored_months_from(s, centre.id, "2026-02") == "2026-02"
        assert scored_months_from(s, centre.id, "2026-03") is None


def test_another_centres_months_do_not_count(db, centre, months) -> None:
    from incubator_tui.services.centres import create_centre

    with db.session() as s:
        other = create_centre(s, "稷下文化创客中心", "tester", category="culture")
    org = make_org(db, other, "稷下书社")
    score_month(db, other, org, "2026-05", "9")
    with db.session() as s:
        assert latest_scored_month(s, centre.id) == "2026-02"
        assert latest_scored_month(s, other.id) == "2026-05"
        assert latest_scored_month(s) == "2026-05"
        assert scored_months_from(s, centre.id, "2026-03") is None
        assert scored_months_from(s, other.id, "2026-03") == "2026-05"
    with db.session() as s:  # the other centre's scores do not stop this centre pausing that month
        set_paused(s, centre.id, "2026-05", True, "t")


def test_a_month_with_a_score_or_an_na_cannot_be_paused_one_with_a_cleared_cell_can(db, centre, months) -> None:
    for month in ("2026-01", "2026-02"):
        with pytest.raises(UserError) as err, db.session() as s:
            set_paused(s, centre.id, month, True, "t")
        assert err.value.key == "month.pause_has_scores"
    with db.session() as s:
        set_paused(s, centre.id, "2026-03", True, "t")
    with db.session() as s:
        assert s.execute(text("SELECT month FROM centre_month WHERE paused = 1")).scalars().all() == ["2026-03"]


def test_an_empty_database_has_no_scored_month(db, centre) -> None:
    with db.session() as s:
        assert latest_scored_month(s, centre.id) is None
        assert latest_scored_month(s) is None
        assert scored_months_from(s, centre.id, "2000-01") is None
