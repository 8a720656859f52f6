"""Services shared by the CLI and the app: saving scores, flags, cases, organisations."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from incubator_tui.errors import UserError
from incubator_tui.models import AuditEntry, OrgCase, Organisation, Score
from incubator_tui.rules.errors import DomainError
from incubator_tui.services import cases as case_service
from incubator_tui.services.centres import Checklists
from incubator_tui.services.flags import compute_flags
from incubator_tui.services.orgs import mark_left, overview, update_org
from incubator_tui.services.scoring import (
    Cell, close_month, load_grid, reopen_month, save_cells, set_exempt, set_paused,
)
from tests.helpers import make_org, score_month


def _items(db, centre, month="2026-01"):
    with db.session() as s:
        return Checklists(s, centre.id).items_for(month)


def test_saving_a_cell_writes_the_score_and_its_audit(db, centre) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    plan = _items(db, centre)[0]
    with db.session() as s:
        save_cells(s, centre.id, org, "2026-01", {plan.id: Cell(150)}, "王主任")
    with db.session() as s:
        save_cells(s, centre.id, org, "2026-01", {plan.id: Cell(200)}, "王主任")
    with db.session() as s:
        row = s.execute(select(Score).where(Score.org_id == org)).scalars().one()
        assert row.value_cent == 200
        trail = s.execute(
            select(AuditEntry.old, AuditEntry.new, AuditEntry.operator)
            .where(AuditEntry.row_id == row.id, AuditEntry.field == "value").order_by(AuditEntry.at)
        ).all()
    assert [tuple(t) for t in trail] == [(None, "1.5", "王主任"), ("1.5", "2", "王主任")]


def test_value_above_max_or_off_step_is_refused_and_nothing_saved(db, centre) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    safety = _items(db, centre)[-1]  # max 1
    for bad in (150, 30):
        with pytest.raises(DomainError):
            with db.session() as s:
                save_cells(s, centre.id, org, "2026-01", {safety.id: Cell(bad)}, "t")
    with db.session() as s:
        assert s.execute(select(Score)).scalars().all() == []


def test_three_low_months_open_one_case_with_months_and_totals(db, centre) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    assert score_month(db, centre, org, "2025-11", "5.5") == []
    assert score_month(db, centre, org, "2025-12", "5") == []
    opened = score_month(db, centre, org, "2026-01", "5.5")
    assert len(opened) == 1
    assert opened[0].months == ["2025-11", "2025-12", "2026-01"]
    # Still low: the same run opens no second case.
    assert score_month(db, centre, org, "2026-02", "4") == []
    with db.session() as s:
        assert len(s.execute(select(OrgCase)).scalars().all()) == 1


def test_a_new_case_needs_three_new_low_months_after_the_last_case(db, centre) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    for m in ("2025-10", "2025-11", "2025-12"):
        score_month(db, centre, org, m, "5")
    with db.session() as s:
        case = s.execute(select(OrgCase)).scalars().one()
        case_service.withdraw(s, case.id, "t", reason="评分录入错误", on=date(2026, 1, 5))
    assert score_month(db, centre, org, "2026-01", "5") == []
    assert score_month(db, centre, org, "2026-02", "5") == []
    opened = score_month(db, centre, org, "2026-03", "5")
    assert [c.months for c in opened] == [["2026-01", "2026-02", "2026-03"]]


def test_exactly_six_is_not_low(db, centre) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    for m in ("2025-11", "2025-12", "2026-01"):
        assert score_month(db, centre, org, m, "6") == []


def test_closed_month_refuses_until_reopened_with_a_reason(db, centre) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    plan = _items(db, centre)[0]
    with db.session() as s:
        close_month(s, centre.id, "2026-01", "t")
    with pytest.raises(UserError) as err, db.session() as s:
        save_cells(s, centre.id, org, "2026-01", {plan.id: Cell(100)}, "t")
    assert err.value.key == "month.closed"
    with pytest.raises(UserError), db.session() as s:
        reopen_month(s, centre.id, "2026-01", "  ", "t")
    with db.session() as s:
        reopen_month(s, centre.id, "2026-01", "补录漏评", "t")
        save_cells(s, centre.id, org, "2026-01", {plan.id: Cell(100)}, "t")


def test_pause_is_refused_once_the_month_has_scores(db, centre) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    score_month(db, centre, org, "2026-01", "8")
    with pytest.raises(UserError) as err, db.session() as s:
        set_paused(s, centre.id, "2026-01", True, "t")
    assert err.value.key == "month.pause_has_scores"
    with db.session() as s:
        set_paused(s, centre.id, "2026-02", True, "t")
    with pytest.raises(UserError), db.session() as s:
        plan = Checklists(s, centre.id).items_for("2026-02")[0]
        save_cells(s, centre.id, org, "2026-02", {plan.id: Cell(100)}, "t")


def test_paused_and_exempt_months_neither_count_nor_break(db, centre) -> None:
    a = make_org(db, centre, "甲组织")
    b = make_org(db, centre, "乙组织")
    with db.session() as s:
        set_paused(s, centre.id, "2026-02", True, "t")
        set_exempt(s, centre.id, b, "2026-03", "负责人住院", "t")
    for m in ("2026-01", "2026-03", "2026-04"):
        score_month(db, centre, a, m, "5")
    for m in ("2026-01", "2026-04", "2026-05"):
        score_month(db, centre, b, m, "5")
    with db.session() as s:
        flags = {f.org: f for f in compute_flags(s, centre.id, "2026-05")}
    assert flags["甲组织"].streak.count == 3 and flags["甲组织"].level == "red"
    assert flags["乙组织"].months == ("2026-01", "2026-04", "2026-05")


def test_exempt_org_cannot_be_scored(db, centre) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    with db.session() as s:
        set_exempt(s, centre.id, org, "2026-01", "外出集训", "t")
    with pytest.raises(UserError) as err, db.session() as s:
        save_cells(s, centre.id, org, "2026-01", {_items(db, centre)[0].id: Cell(100)}, "t")
    assert err.value.key == "org.exempt"


def test_grid_shows_only_members_of_the_month_in_pinyin_order(db, centre) -> None:
    make_org(db, centre, "张家社区服务队", date(2024, 1, 1))
    make_org(db, centre, "爱心助学协会", date(2024, 1, 1))
    late = make_org(db, centre, "晨光公益服务社", date(2026, 3, 15))
    with db.session() as s:
        grid = load_grid(s, centre.id, "2026-02")
        assert [r.name for r in grid.rows] == ["爱心助学协会", "张家社区服务队"]
        grid = load_grid(s, centre.id, "2026-03")
        assert [r.name for r in grid.rows] == ["爱心助学协会", "晨光公益服务社", "张家社区服务队"]
        mark_left(s, late, "graduated", date(2026, 5, 20), "t")
    with db.session() as s:
        assert "晨光公益服务社" in [r.name for r in load_grid(s, centre.id, "2026-05").rows]
        assert "晨光公益服务社" not in [r.name for r in load_grid(s, centre.id, "2026-06").rows]


def test_grid_streak_follows_typing(db, centre) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    score_month(db, centre, org, "2025-11", "5")
    score_month(db, centre, org, "2025-12", "5")
    with db.session() as s:
        grid = load_grid(s, centre.id, "2026-01")
    row = grid.rows[0]
    assert grid.level(grid.streak(row)) == "amber"
    for it in grid.items:
        row.cells[it.id] = Cell(min(it.max_cent, 50))
    assert grid.result(row).complete
    assert grid.level(grid.streak(row)) == "red"


def test_case_lifecycle_to_exit_marks_the_org_exited(db, centre, monkeypatch) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-01-02")  # the case opens on the day December is scored
    for m in ("2025-10", "2025-11", "2025-12"):
        score_month(db, centre, org, m, "4")
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-03-31")  # events are recorded when they have happened
    with db.session() as s:
        case = s.execute(select(OrgCase)).scalars().one()
        case_service.record_interview(s, case.id, "t", on=date(2026, 1, 5), place="二楼会议室", interviewers="王主任",
                                      problems="台账缺失", items=[case_service.ItemSpec("补齐台账", "李会长")])
    with db.session() as s:
        case = case_service.record_review(s, case.id, "t", on=date(2026, 2, 10), passed=False, findings="未整改")
        assert case.state == "exit_ordered"
        assert case.handover_deadline > date(2026, 2, 10)
        case_service.record_exit(s, case.id, "t", on=date(2026, 3, 1))
    with db.session() as s:
        org_row = s.get(Organisation, org)
        assert (org_row.status, org_row.end_date) == ("exited", date(2026, 3, 1))
        rows = case_service.list_cases(s, centre.id)
        assert [(r.state, r.months) for r in rows] == [("exited", ("2025-10", "2025-11", "2025-12"))]


def test_illegal_transition_is_refused_by_the_rules(db, centre) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    for m in ("2025-10", "2025-11", "2025-12"):
        score_month(db, centre, org, m, "4")
    with db.session() as s:
        case = s.execute(select(OrgCase)).scalars().one()
    with pytest.raises(DomainError), db.session() as s:
        case_service.record_exit(s, case.id, "t", on=date(2026, 1, 1))
    with db.session() as s:
        assert s.get(OrgCase, case.id).state == "to_interview"


def test_org_edit_is_audited_and_overview_shows_status(db, centre) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    with db.session() as s:
        _, warnings, n = update_org(s, org, {"phone": "13800000000", "credit_code": "51370303MJE3512345"}, "t")
    assert n == 2
    with db.session() as s:
        fields = set(s.execute(select(AuditEntry.field).where(AuditEntry.row_id == org)).scalars())
        assert {"phone", "credit_code", "name"} <= fields
    for m in ("2025-10", "2025-11", "2025-12"):
        score_month(db, centre, org, m, "4")
    with db.session() as s:
        rows = overview(s, centre.id, "2025-12")
    assert rows[0].status == "to_interview" and rows[0].level == "red" and rows[0].streak == 3


def test_month_results_follow_every_score_write(db, centre, tmp_path) -> None:
    from tests.helpers import assert_month_results_match_scores

    org = make_org(db, centre, "晨光公益服务社")
    other = make_org(db, centre, "稷下青年书画社")
    items = _items(db, centre)
    score_month(db, centre, org, "2026-01", "7")
    with db.session() as s:  # change, N/A, clear: the cache follows each
        save_cells(s, centre.id, org, "2026-01", {items[0].id: Cell(50), items[1].id: Cell(None, True)}, "t")
        save_cells(s, centre.id, org, "2026-01", {items[2].id: None}, "t")
    csv_path = tmp_path / "scores.csv"
    csv_path.write_text("名称,月份,plan,hygiene,party,activity,records,safety\n"
                        "稷下青年书画社,2026-01,2,2,2,2,1,1\n晨光公益服务社,2026-02,1,1,1,1,0.5,N/A\n", encoding="utf-8")
    from incubator_tui.services.imports import import_scores

    import_scores(db, csv_path, None, "t")
    assert assert_month_results_match_scores(db) == 3
    with db.session() as s:
        grid = load_grid(s, centre.id, "2026-03")
    row = next(r for r in grid.rows if r.org_id == org)
    assert not row.history["2026-01"].kind.value == "complete"  # a cleared item makes it incomplete
    assert row.history["2026-02"].total == 5  # 4.5 of 9 (safety N/A) x 10
    assert other in {r.org_id for r in grid.rows}


def test_month_results_match_the_demo_scores(db, monkeypatch) -> None:
    from incubator_tui.services.demo import create_demo
    from tests.helpers import assert_month_results_match_scores

    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")
    create_demo(db, orgs=12, months=14, seed=3)
    assert assert_month_results_match_scores(db) > 100


def test_warm_month_reads_the_cells_the_grid_reads(db, centre):
    """The warm-up's read (services.scoring.warm_month) goes over the same cells as the grid's:
    the centre's month, not another month's nor another centre's."""
    from incubator_tui.services.access import read
    from incubator_tui.services.centres import create_centre
    from incubator_tui.services.scoring import warm_month

    a = make_org(db, centre, "晨光公益服务社")
    b = make_org(db, centre, "夕阳红志愿队")
    score_month(db, centre, a, "2026-02", "8")
    score_month(db, centre, b, "2026-02", "4")
    score_month(db, centre, a, "2026-03", "9")
    with db.session() as s:
        other = create_centre(s, "另一中心", "tester")
    score_month(db, other, make_org(db, other, "别处的组织"), "2026-02", "7")
    with db.session() as s:
        shown = sum(len(row.cells) for row in load_grid(s, centre.id, "2026-02").rows)
    assert shown > 0
    assert read(db, warm_month, centre.id, "2026-02") == shown
    assert read(db, warm_month, centre.id, "2026-04") == 0


def test_list_cases_of_one_org_are_the_centres_cases_of_that_org(db, centre) -> None:
    """The organisation page asks for one org's cases (org_id=): the same rows as the centre's list
    filtered to that org, and none of its neighbours'."""
    a = make_org(db, centre, "晨光公益服务社")
    b = make_org(db, centre, "夕阳红志愿队")
    for org in (a, b):
        for m in ("2025-10", "2025-11", "2025-12"):
            score_month(db, centre, org, m, "4")
    with db.session() as s:
        case_service.open_veto(s, a, "违规收费", "t", on=date(2026, 1, 5))
    with db.session() as s:
        whole = case_service.list_cases(s, centre.id)
        assert {r.org_id for r in whole} == {a, b}
        for org in (a, b):
            assert case_service.list_cases(s, centre.id, org_id=org) == [r for r in whole if r.org_id == org]
        assert len(case_service.list_cases(s, centre.id, org_id=a)) == 2
        assert case_service.list_cases(s, org_id=b) == [r for r in whole if r.org_id == b]
