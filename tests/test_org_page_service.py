"""services.org_page: what the organisation page and the fast list read (no Textual)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from fractions import Fraction

import pytest

from incubator_tui.errors import UserError
from incubator_tui.models import Rating, RatingAmendment
from incubator_tui.services.cases import list_cases
from incubator_tui.services.centres import Checklists
from incubator_tui.services.org_page import ScoreCell, load_org_page, org_fields, quick_overview
from incubator_tui.services.orgs import mark_left, overview, update_org
from incubator_tui.services.scoring import Cell, save_cells, set_exempt, set_paused
from tests.helpers import make_org, score_month


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")


def test_months_items_totals_and_reasons(db, centre, today):
    org = make_org(db, centre, "晨光公益服务社", date(2024, 3, 1), "charity")
    score_month(db, centre, org, "2026-08", "5.5")
    score_month(db, centre, org, "2026-09", "8.0", na=("safety",))
    with db.session() as s:
        items = {it.code: it.id for it in Checklists(s, centre.id).items_for("2026-10")}
        save_cells(s, centre.id, org, "2026-10", {items["plan"]: Cell(100, False, "计划迟交")}, "tester")

    with db.session() as s:
        page = load_org_page(s, org)

    assert page.as_of == "2026-11"
    months = [m.month for m in page.months]
    assert len(months) == 24 and months[0] == "2024-12" and months[-1] == "2026-11"  # the last 24, oldest first
    assert [it.code for it in page.items] == ["plan", "hygiene", "party", "activity", "records", "safety"]
    by_month = {m.month: m for m in page.months}
    aug, sep, oct_, nov = by_month["2026-08"], by_month["2026-09"], by_month["2026-10"], by_month["2026-11"]
    assert (aug.kind, aug.total, aug.low) == ("complete", Fraction(11, 2), True)
    # N/A leaves the denominator: 8 of 9 points scaled to 10.
    assert (sep.kind, sep.total, sep.low) == ("complete", Fraction(80, 9), False)
    assert sep.cells["safety"].na and sep.cells["safety"].value_cent is None
    assert (oct_.kind, oct_.total) == ("incomplete", None)
    assert oct_.cells["plan"] == ScoreCell(100, False, "计划迟交")
    assert nov.kind == "missing" and not nov.cells
    assert page.details.name == "晨光公益服务社" and page.details.status == "incubating"
    assert page.totals[-4:-1] == [("2026-08", Fraction(11, 2)), ("2026-09", Fraction(80, 9)), ("2026-10", None)]


def test_months_start_at_entry_and_end_when_the_org_left(db, centre, today):
    org = make_org(db, centre, "新芽创业团队", date(2026, 6, 10))
    with db.session() as s:
        assert [m.month for m in load_org_page(s, org).months] == \
            ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
        mark_left(s, org, "graduated", date(2026, 9, 30), "tester")
    with db.session() as s:
        page = load_org_page(s, org)
    assert [m.month for m in page.months] == ["2026-06", "2026-07", "2026-08", "2026-09"]
    assert page.details.status == "graduated" and page.details.end_date == date(2026, 9, 30)


def test_paused_exempt_streak_level_and_cases(db, centre, today):
    org = make_org(db, centre, "稷下学宫研学会", date(2025, 1, 1))
    other = make_org(db, centre, "阳光助老协会", date(2025, 1, 1))
    for m in ("2026-06", "2026-07"):
        score_month(db, centre, org, m, "8.0")
    with db.session() as s:
        set_paused(s, centre.id, "2026-08", True, "tester")
        set_exempt(s, centre.id, org, "2026-07", "装修停业", "tester")
    for m, total in (("2026-09", "5.0"), ("2026-10", "4.5"), ("2026-11", "5.5")):
        score_month(db, centre, org, m, total)  # the third low month opens a case
    for m, total in (("2026-09", "5.0"), ("2026-10", "4.5"), ("2026-11", "5.5")):
        score_month(db, centre, other, m, total)

    with db.session() as s:
        page = load_org_page(s, org)
    by_month = {m.month: m for m in page.months}
    assert by_month["2026-08"].kind == "paused"
    assert (by_month["2026-07"].kind, by_month["2026-07"].exempt_reason) == ("exempt", "装修停业")
    assert page.streak == 3 and page.level == "red"
    assert page.streak_months == ("2026-09", "2026-10", "2026-11")
    assert [c.org_id for c in page.cases] == [org]  # only this org's cases
    assert page.cases[0].months == ("2026-09", "2026-10", "2026-11")
    assert page.details.status == "to_interview"  # from the open case
    with db.session() as s:
        assert len(list_cases(s, centre.id)) == 2


def test_ratings_with_amendments(db, centre, today):
    org = make_org(db, centre, "书香社区读书会", date(2024, 1, 1))
    with db.session() as s:
        r = Rating(org_id=org, year=2025, composite="1697/20", stars=4, original_stars=5, priority=True)
        s.add(r)
        s.flush()
        s.add(RatingAmendment(rating_id=r.id, operator="tester", old_stars=5, new_stars=4, reason="安全检查不合格"))
    with db.session() as s:
        page = load_org_page(s, org)
    [rating] = page.ratings
    assert (rating.year, rating.stars, rating.original_stars, rating.priority) == (2025, 4, 5, True)
    assert rating.composite == Fraction(1697, 20)
    assert rating.amendments == ((5, 4, "安全检查不合格"),)
    assert rating.events == ("调整 5→4 星：安全检查不合格",)


def test_ratings_show_requests_for_review_and_their_decisions(db, centre, today):
    """The page tells a rating's whole story in time order: a request for review received in
    the publicity period and the decision that confirmed the rating."""
    from datetime import datetime, timezone

    from incubator_tui.models import Rating, RatingRequest

    org = make_org(db, centre, "书香社区读书会", date(2024, 1, 1))
    with db.session() as s:
        r = Rating(org_id=org, year=2025, composite="1697/20", stars=4, original_stars=4, priority=False)
        s.add(r)
        s.flush()
        s.add(RatingRequest(rating_id=r.id, received_on=date(2026, 1, 20), text="互评人数不足",
                            recorded_at=datetime(2026, 1, 20, 1, 30, tzinfo=timezone.utc), recorded_by="tester", decision="confirmed",
                            decision_reason="材料已核实", decided_at=datetime(2026, 1, 25, 8, 0, tzinfo=timezone.utc), decided_by="tester"))
    with db.session() as s:
        page = load_org_page(s, org)
    [rating] = page.ratings
    assert rating.events == ("2026-01-20 收到复核申请：互评人数不足", "复核维持原评：材料已核实")


def test_unknown_org_is_a_user_error(db, centre):
    with db.session() as s, pytest.raises(UserError):
        load_org_page(s, "nope")
    with db.session() as s, pytest.raises(UserError):
        org_fields(s, "nope")


def test_org_fields_are_the_stored_editable_values(db, centre):
    org = make_org(db, centre, "晨光公益服务社", date(2024, 3, 1), "charity")
    with db.session() as s:
        update_org(s, org, {"contact": "张三", "deposit_cent": 100050}, "tester")
    with db.session() as s:
        fields = org_fields(s, org)
    assert fields["name"] == "晨光公益服务社" and fields["contact"] == "张三"
    assert fields["deposit_cent"] == 100050 and fields["entry_date"] == date(2024, 3, 1)
    assert fields["status"] == "incubating"


def test_quick_overview_matches_overview_except_the_scores(db, centre, today):
    a = make_org(db, centre, "阳光助老协会", date(2025, 1, 1), "volunteer")
    b = make_org(db, centre, "爱心互助会", date(2025, 1, 1), "charity")
    make_org(db, centre, "晨光公益服务社", date(2025, 1, 1), "charity")
    for m, total in (("2026-08", "5.0"), ("2026-09", "4.5"), ("2026-10", "5.5")):
        score_month(db, centre, a, m, total)
    with db.session() as s:
        mark_left(s, b, "exited", date(2026, 5, 31), "tester")
        s.add(Rating(org_id=b, year=2025, stars=3, original_stars=3))
    with db.session() as s:
        quick = quick_overview(s, centre.id)
        full = overview(s, centre.id, "2026-11")
    assert [r.name for r in quick] == [r.name for r in full] == ["爱心互助会", "晨光公益服务社", "阳光助老协会"]
    for q, f in zip(quick, full):
        assert (q.id, q.pinyin, q.initials, q.category, q.status, q.stars, q.entry_date) == \
            (f.id, f.pinyin, f.initials, f.category, f.status, f.stars, f.entry_date)
        assert q.latest_total is None and q.streak == 0
    assert full[2].status == "to_interview" and full[2].streak == 3
    assert quick[0].status == "exited" and quick[0].stars == 3


def test_the_fast_list_does_not_import_the_table_classes():
    """quick_overview runs before the organisations screen's first frame: no models import (~120 ms)."""
    code = ("import sys, incubator_tui.services.org_page; "
            "assert 'incubator_tui.models' not in sys.modules and 'textual' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
