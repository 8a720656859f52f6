"""Small builders for tests: organisations and whole months of scores through the services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from incubator_tui.services.centres import Checklists
from incubator_tui.services.orgs import add_org
from incubator_tui.services.scoring import Cell, save_cells


def make_org(db, centre, name: str, entry: date = date(2024, 1, 1), category: str = "community") -> str:
    with db.session() as s:
        org, _ = add_org(s, centre.id, {"name": name, "category": category, "entry_date": entry}, "tester")
        return org.id


def score_month(db, centre, org_id: str, month: str, earned: str, na: tuple[str, ...] = ()) -> list:
    """Score every item so the month earns ``earned`` points (items in ``na`` marked N/A).

    Without N/A items the total equals ``earned``.  One save per org-month.
    """
    target = int(Decimal(earned) * 100)
    with db.session() as s:
        items = Checklists(s, centre.id).items_for(month)
        values, left = {}, target
        for it in items:
            if it.code in na:
                values[it.id] = Cell(None, True)
                continue
            v = min(it.max_cent, left)
            values[it.id] = Cell(v)
            left -= v
        assert left == 0
        return save_cells(s, centre.id, org_id, month, values, "tester").opened_cases


def assert_month_results_match_scores(db) -> int:
    """The month_result cache equals a fresh aggregate of the score rows; returns its row count."""
    from sqlalchemy import text

    fresh_sql = (
        "SELECT s.org_id, s.month, "
        "SUM(CASE WHEN s.value_cent IS NOT NULL THEN s.value_cent ELSE 0 END), "
        "SUM(CASE WHEN s.value_cent IS NOT NULL THEN i.max_cent ELSE 0 END), "
        "SUM(CASE WHEN s.value_cent IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN s.na THEN 1 ELSE 0 END) "
        "FROM score s JOIN checklist_item i ON i.id = s.item_id GROUP BY s.org_id, s.month"
    )
    with db.session() as s:
        fresh = {tuple(r) for r in s.execute(text(fresh_sql))}
        cached = {tuple(r) for r in s.execute(text(
            "SELECT org_id, month, earned_cent, max_cent, scored, na_count FROM month_result"))}
    assert cached == fresh
    return len(cached)
