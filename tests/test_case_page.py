"""The case's page and its services: every illegal move refused by the rules (nothing
changed), the keys offered per state, and `cases --json` reporting every state."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from incubator_tui.errors import UserError
from incubator_tui.models import AuditEntry, CaseEvent, OrgCase, RectificationItem
from incubator_tui.rules.errors import DomainError, IllegalTransition
from incubator_tui.services import cases as cs
from incubator_tui.services.orgs import add_org
from tests.helpers import make_org, score_month

OPENED = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2027-03-01")


def veto_case(db, centre, name: str) -> str:
    with db.session() as s:
        org, _ = add_org(s, centre.id, {"name": name, "category": "community", "entry_date": date(2024, 1, 1),
                                        "contact": "陈晨"}, "tester")
        return cs.open_case(s, org, "veto", "消防通道堆放杂物", "tester", year=2026, on=OPENED).id


def drive(db, case_id: str, to: str) -> None:
    """Move a case by the services to the state ``to``."""
    steps = {
        "rectifying": ["interview"],
        "rectified": ["interview", "pass"],
        "exit_ordered": ["interview", "fail"],
        "exited": ["interview", "fail", "exit"],
        "withdrawn": ["withdraw"],
        "to_interview": [],
    }[to]
    with db.session() as s:
        for step in steps:
            if step == "interview":
                cs.record_interview(s, case_id, "tester", on=date(2026, 11, 5), place="二楼", interviewers="王主任",
                                    items=[cs.ItemSpec("清理消防通道", "陈晨")])
            elif step == "pass":
                cs.record_review(s, case_id, "tester", on=date(2026, 12, 6), passed=True)
            elif step == "fail":
                cs.record_review(s, case_id, "tester", on=date(2026, 12, 7), passed=False, findings="未清理")
            elif step == "exit":
                cs.record_exit(s, case_id, "tester", on=date(2027, 1, 4))
            elif step == "withdraw":
                cs.withdraw(s, case_id, "tester", reason="误报", on=date(2026, 11, 3))


# Each move, as the services make it, with arguments that would be fine in its own state.
MOVES = {
    "interview": lambda s, c: cs.record_interview(s, c, "t", on=date(2027, 2, 1), place="p", interviewers="i",
                                                  items=[cs.ItemSpec("x", "o")]),
    "extend": lambda s, c: cs.extend(s, c, "t", new_deadline=date(2027, 6, 1), reason="r"),
    "review_pass": lambda s, c: cs.record_review(s, c, "t", on=date(2027, 2, 1), passed=True),
    "review_fail": lambda s, c: cs.record_review(s, c, "t", on=date(2027, 2, 1), passed=False),
    "object": lambda s, c: cs.file_objection(s, c, "t", on=date(2027, 2, 1), objection="o"),
    "exit": lambda s, c: cs.record_exit(s, c, "t", on=date(2027, 2, 1)),
    "withdraw": lambda s, c: cs.withdraw(s, c, "t", reason="r"),
}
LEGAL = {
    "to_interview": {"interview", "withdraw"},
    "rectifying": {"extend", "review_pass", "review_fail", "withdraw"},
    "exit_ordered": {"object", "exit", "withdraw"},
    "rectified": set(), "exited": set(), "withdrawn": set(),
}


def snapshot(db, case_id: str):
    with db.session() as s:
        case = s.get(OrgCase, case_id)
        return (case.state, s.execute(select(func.count()).select_from(CaseEvent)).scalar_one(),
                s.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
                s.execute(select(func.count()).select_from(RectificationItem)).scalar_one())


@pytest.mark.parametrize("state", list(LEGAL))
def test_every_illegal_move_is_refused_and_changes_nothing(db, centre, state):
    case_id = veto_case(db, centre, "晨光公益服务社")
    drive(db, case_id, state)
    before = snapshot(db, case_id)
    for move, call in MOVES.items():
        if move in LEGAL[state]:
            continue
        with pytest.raises(IllegalTransition), db.session() as s:
            call(s, case_id)
        assert snapshot(db, case_id) == before, move


def test_a_decision_needs_an_objection_and_the_exit_waits_for_the_decision(db, centre):
    case_id = veto_case(db, centre, "晨光公益服务社")
    drive(db, case_id, "exit_ordered")
    with pytest.raises(DomainError) as e, db.session() as s:
        cs.decide_objection(s, case_id, "t", on=date(2026, 12, 9), accepted=False)
    assert e.value.key == "casework.no_objection"
    with db.session() as s:
        cs.file_objection(s, case_id, "t", on=date(2026, 12, 8), objection="扣分过严")
    before = snapshot(db, case_id)
    with pytest.raises(DomainError) as e, db.session() as s:
        cs.record_exit(s, case_id, "t", on=date(2027, 1, 4))
    assert e.value.key == "casework.objection_pending" and snapshot(db, case_id) == before
    with pytest.raises(DomainError) as e, db.session() as s:  # accepted needs a new deadline
        cs.decide_objection(s, case_id, "t", on=date(2026, 12, 9), accepted=True)
    assert e.value.key == "casework.required" and snapshot(db, case_id) == before
    with db.session() as s:
        cs.decide_objection(s, case_id, "t", on=date(2026, 12, 9), accepted=True, decision="采纳",
                            new_deadline=date(2027, 1, 31))
        case = s.get(OrgCase, case_id)
        items = s.execute(select(RectificationItem).where(RectificationItem.case_id == case_id)).scalars().all()
    assert case.state == "rectifying" and {i.deadline for i in items} == {date(2027, 1, 31)}


def test_a_late_objection_is_refused(db, centre):
    case_id = veto_case(db, centre, "晨光公益服务社")
    drive(db, case_id, "exit_ordered")  # notice 2026-12-07: objections until 2026-12-17
    with pytest.raises(UserError) as e, db.session() as s:
        cs.file_objection(s, case_id, "t", on=date(2026, 12, 18), objection="晚了")
    assert e.value.key == "case.objection_late"


def test_items_are_ticked_and_extended_only_while_rectifying(db, centre):
    case_id = veto_case(db, centre, "晨光公益服务社")
    drive(db, case_id, "rectifying")
    with db.session() as s:
        item = s.execute(select(RectificationItem).where(RectificationItem.case_id == case_id)).scalars().one()
        assert item.deadline == date(2026, 12, 5)  # 30 days after the interview
        with pytest.raises(DomainError):  # done before the interview
            cs.set_item_done(s, case_id, item.id, "t", on=date(2026, 11, 4))
    with db.session() as s:
        cs.set_item_done(s, case_id, item.id, "t", on=date(2026, 11, 20), evidence="已清理")
        cs.reopen_item(s, case_id, item.id, "t")
        cs.extend_item(s, case_id, item.id, "t", new_deadline=date(2026, 12, 20), reason="施工")
        with pytest.raises(DomainError) as e:
            cs.extend_item(s, case_id, item.id, "t", new_deadline=date(2026, 12, 19), reason="x")
        assert e.value.key == "rules.extension_not_later"
    with db.session() as s:
        item = s.get(RectificationItem, item.id)
        assert (item.done_on, item.evidence, item.deadline, item.original_deadline) == \
            (None, "", date(2026, 12, 20), date(2026, 12, 5))
        cs.record_review(s, case_id, "t", on=date(2026, 12, 21), passed=True)
    with pytest.raises(UserError) as e, db.session() as s:
        cs.set_item_done(s, case_id, item.id, "t", on=date(2026, 12, 21))
    assert e.value.key == "casework.items_locked"


def test_the_page_offers_exactly_the_legal_actions(db, centre):
    # today is 2027-03-01: the exit order's objection period (10 days from 2026-12-07) is over
    expected = {
        "to_interview": ("record_interview", "withdraw"),
        "rectifying": ("extend", "record_review_pass", "record_review_fail", "withdraw"),
        "exit_ordered": ("record_exit", "withdraw"),
        "rectified": (), "exited": (), "withdrawn": (),
    }
    for i, (state, actions) in enumerate(expected.items()):
        case_id = veto_case(db, centre, f"组织{i}")
        drive(db, case_id, state)
        with db.reading() as conn:
            page = cs.load_case_page(conn, case_id)
        assert page.state == state and page.actions == actions


def test_cases_json_reports_every_state(db, centre, capsys, db_path):
    from incubator_tui.cli import main

    for i, state in enumerate(LEGAL):
        drive(db, veto_case(db, centre, f"组织{i}"), state)
    org = make_org(db, centre, "阳光志愿服务队")
    for m in ("2026-08", "2026-09", "2026-10"):
        score_month(db, centre, org, m, "5")
    db.dispose()
    assert main(["cases", "--json", "--db", str(db_path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["org"], r["state"]) for r in rows if r["kind"] == "veto"} == {
        (f"组织{i}", state) for i, state in enumerate(LEGAL)}
    monthly = [r for r in rows if r["kind"] == "monthly"]
    assert monthly == [{"org": "阳光志愿服务队", "kind": "monthly", "state": "to_interview", "opened": "2027-03-01",
                        "months": ["2026-08", "2026-09", "2026-10"], "centre": "测试孵化中心"}]
    assert [r["org"] for r in rows] == sorted(r["org"] for r in rows)


async def test_an_overdue_case_page_says_so_and_its_keys(db, centre):
    from textual.widgets import DataTable

    from incubator_tui.widgets.key_bar import KeyBar
    from tests.test_case_flows import open_page, shown

    from tests.test_app import make_app

    case_id = veto_case(db, centre, "晨光<b>[bold]服务社[/]")
    drive(db, case_id, "rectifying")  # due 2026-12-05, today 2027-03-01
    app = make_app(db)
    async with app.run_test(size=(140, 44)) as pilot:
        page_screen = await open_page(pilot)
        assert "整改期限 2026-12-05（已逾期）" in shown(app, "#case-status")
        assert "晨光<b>[bold]服务社[/]" in shown(app, "#case-title")  # user text shown literally
        assert "消防通道堆放杂物" in shown(app, "#case-reason")
        items = page_screen.query_one("#case-items", DataTable)
        assert [str(c) for c in items.get_row_at(0)][4] == "已逾期"
        bar = str(page_screen.query_one(KeyBar).render())
        for label in ("延期", "复查", "撤销", "完成/未完成", "通知书"):
            assert label in bar
        for label in ("约谈", "申诉", "退出"):
            assert label not in bar.replace("通知书", "")
