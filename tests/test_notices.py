"""Notices (DOMAIN 5): each written as .docx and read back with python-docx."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.widgets import Input, Static

from incubator_tui.errors import UserError
from incubator_tui.models import CaseEvent, Centre, Organisation, OrgCase
from incubator_tui.services import cases as case_service
from incubator_tui.services.notices import default_folder, notice_draft, save_notice_details, write_notice
from tests.helpers import make_org, score_month

DETAILS = {"centre_address": "淄博市临淄区雪宫街道1号", "centre_contact": "王主任", "centre_phone": "0533-7000000",
           "rules_title": "雪宫社会组织创新发展中心入驻管理办法", "legal_rep": "陈晨", "agreement_no": "XG-2025-018"}


def docx_text(path: Path) -> tuple[str, list[list[str]]]:
    from docx import Document

    doc = Document(str(path))
    body = "\n".join(p.text for p in doc.paragraphs)
    tables = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)  # A4
    return body, tables


@pytest.fixture
def case_setup(db, monkeypatch):
    """雪宫 centre; 晨光 flagged (Aug-Oct 2026 low), its case opened 2026-11-02."""
    from incubator_tui.services.centres import create_centre

    with db.session() as s:
        centre = create_centre(s, "雪宫社会组织创新发展中心", "tester")
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-02")
    org = make_org(db, centre, "晨光公益服务社")
    for m in ("2026-08", "2026-09", "2026-10"):
        score_month(db, centre, org, m, "5")
    with db.session() as s:
        case = s.execute(select(OrgCase).where(OrgCase.org_id == org)).scalars().one()
    return centre, org, case.id


def fill_details(db, centre, org) -> None:
    with db.session() as s:
        save_notice_details(s, centre.id, org, DETAILS, "tester")


def test_missing_details_are_named_and_block_the_notice(db, case_setup, tmp_path):
    centre, org, case_id = case_setup
    with db.reading() as conn:
        draft = notice_draft(conn, case_id, "interview")
    assert set(draft.missing) == set(DETAILS)
    with pytest.raises(UserError) as e, db.session() as s:
        write_notice(s, case_id, "interview", "tester", folder=tmp_path / "out")
    assert e.value.key == "notice.details_missing"
    assert not (tmp_path / "out").exists()
    fill_details(db, centre, org)
    with db.reading() as conn:
        assert notice_draft(conn, case_id, "interview").missing == ()
    with db.session() as s:  # saved to the records, audited
        assert s.get(Centre, centre.id).rules_title == DETAILS["rules_title"]
        assert s.get(Organisation, org).legal_rep == "陈晨"
        from incubator_tui.models import AuditEntry

        fields = {a.field for a in s.execute(select(AuditEntry).where(AuditEntry.field.in_(
            ["address", "contact", "phone", "rules_title", "legal_rep", "agreement_no"]))).scalars()}
        assert fields == {"address", "contact", "phone", "rules_title", "legal_rep", "agreement_no"}


def test_the_three_notices_written_and_read_back(db, case_setup, tmp_path, monkeypatch):
    centre, org, case_id = case_setup
    fill_details(db, centre, org)
    folder = tmp_path / "notices"

    # 约谈通知书, before the interview
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-03")
    with db.session() as s:
        path = write_notice(s, case_id, "interview", "tester", folder=folder, extra={
            "date": "2026-11-05", "clock": "14:30", "time": "2026-11-05 14:30", "place": "中心二楼会议室",
            "interviewers": "王主任、李书记", "bring": "近三个月工作计划"})
    assert path.name == "晨光公益服务社-约谈通知书-2026-11-03.docx"
    body, _ = docx_text(path)
    assert "雪宫孵约〔2026〕1号" in body and "晨光公益服务社：" in body
    assert "2026年11月5日14:30" in body and "中心二楼会议室" in body and "王主任、李书记" in body
    assert "2026年8月（5.0分）" in body and "连续3个月低于6分" in body
    assert "《入驻协议》（协议编号：XG-2025-018）" in body and "《雪宫社会组织创新发展中心入驻管理办法》" in body
    assert "陈晨" in body and "0533-7000000" in body and "2026年11月3日" in body
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # Written again before the case moves on: same number, a new file (never overwrites).
    with db.session() as s:
        again = write_notice(s, case_id, "interview", "tester", folder=folder, extra={"place": "会议室"})
    assert again.name == "晨光公益服务社-约谈通知书-2026-11-03-2.docx" and path.exists()
    assert "雪宫孵约〔2026〕1号" in docx_text(again)[0]

    # 整改通知书, after the interview: the items with owners and deadlines
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-05")
    with db.session() as s:
        case_service.record_interview(s, case_id, "tester", on=date(2026, 11, 5), place="中心二楼会议室",
                                      interviewers="王主任", problems="党建活动记录缺失", commitments="一个月内补齐",
                                      items=[case_service.ItemSpec("补齐党建活动记录", "陈晨", date(2026, 12, 5)),
                                             case_service.ItemSpec("按时报送工作计划", "李四", date(2026, 11, 30))])
        path = write_notice(s, case_id, "rectification", "tester", folder=folder)
    body, rows = docx_text(path)
    assert "雪宫孵改〔2026〕1号" in body and "党建活动记录缺失" in body and "一个月内补齐" in body
    assert rows == [["序号", "整改事项", "责任人", "整改期限"], ["1", "补齐党建活动记录", "陈晨", "2026年12月5日"],
                    ["2", "按时报送工作计划", "李四", "2026年11月30日"]]
    assert "2026年12月5日后" in body and "责令你单位退出" in body

    # 退出通知书, after the review found it not rectified
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-12-10")
    with db.session() as s:
        org_row = s.get(Organisation, org)
        org_row.room, org_row.deposit_cent, org_row.fee_relief = "201室", 100000, "utilities"
        case_service.record_review(s, case_id, "tester", on=date(2026, 12, 10), passed=False, findings="工作计划仍未报送")
        path = write_notice(s, case_id, "exit", "tester", folder=folder)
    body, _ = docx_text(path)
    assert "雪宫孵退〔2026〕1号" in body and "工作计划仍未报送" in body
    assert "自2026年12月10日起生效" in body and "2026年12月31日前（15个工作日内）" in body
    assert "201室" in body and "1000元" in body and "水电费减免" in body and "2026年12月20日前" in body
    assert "2026年11月5日" in body  # the interview it followed

    with db.session() as s:
        notices = [e for e in s.execute(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                                CaseEvent.action == "notice")).scalars()]
    assert sorted(e.data["number"] for e in notices) == sorted(["雪宫孵约〔2026〕1号", "雪宫孵约〔2026〕1号",
                                                                "雪宫孵改〔2026〕1号", "雪宫孵退〔2026〕1号"])
    assert {e.operator for e in notices} == {"tester"}


def test_numbers_count_per_centre_kind_and_year(db, case_setup, tmp_path, monkeypatch):
    centre, org, case_id = case_setup
    fill_details(db, centre, org)
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-02")
    other = make_org(db, centre, "阳光志愿服务队")
    for m in ("2026-08", "2026-09", "2026-10"):
        score_month(db, centre, other, m, "5")
    with db.session() as s:
        save_notice_details(s, centre.id, other, {"legal_rep": "张三", "agreement_no": "XG-2025-020"}, "tester")
        other_case = s.execute(select(OrgCase).where(OrgCase.org_id == other)).scalars().one().id
        write_notice(s, case_id, "interview", "tester", folder=tmp_path)
        second = write_notice(s, other_case, "interview", "tester", folder=tmp_path)
    assert "雪宫孵约〔2026〕2号" in docx_text(second)[0]
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2027-01-04")  # a new year starts at 1
    with db.session() as s:
        third = write_notice(s, other_case, "interview", "tester", folder=tmp_path)
    assert "雪宫孵约〔2027〕1号" in docx_text(third)[0]


def test_a_notice_the_state_does_not_allow_is_refused(db, case_setup, tmp_path):
    centre, org, case_id = case_setup
    fill_details(db, centre, org)
    with pytest.raises(UserError) as e, db.session() as s:
        write_notice(s, case_id, "exit", "tester", folder=tmp_path)
    assert e.value.key == "notice.not_now"


def test_default_folder_is_under_the_home_override(tmp_path, monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_HOME", str(tmp_path / "h"))
    assert default_folder() == tmp_path / "h" / "notices"
    assert default_folder(str(tmp_path / "out")) == tmp_path / "out" / "notices"  # the settings' folder wins


async def test_n_asks_for_missing_details_then_writes_the_notice(db, case_setup, monkeypatch, tmp_path):
    from incubator_tui.screens.case_forms import DetailsForm, NoticeForm
    from tests.test_case_flows import open_page, type_text, until
    from tests.test_app import make_app

    centre, org, case_id = case_setup
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-03")
    app = make_app(db)
    async with app.run_test(size=(140, 44)) as pilot:
        page_screen = await open_page(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, DetailsForm))
        form = app.screen
        assert "中心地址" in str(form.query_one(".cf-note", Static).render())
        for value in ("雪宫街道1号", "王主任", "0533-7000000", "入驻管理办法", "陈晨", "XG-1"):
            await type_text(pilot, value)
            await pilot.press("tab")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, NoticeForm))
        notice = app.screen
        assert notice.query_one("#f-folder", Input).value == str(tmp_path / "home" / "notices")
        preview = str(notice.query_one("#notice-text", Static).render())
        assert "约谈通知书" in preview and "雪宫孵约〔2026〕1号" in preview
        await pilot.press("ctrl+s")  # time, place and interviewers are required for the interview notice
        await pilot.pause()
        assert "必填" in str(notice.query_one("#m-place", Static).render())
        await type_text(pilot, "2026-11-05 14:30")
        await pilot.press("tab")
        await type_text(pilot, "会议室")
        await pilot.press("tab")
        await type_text(pilot, "王主任")
        await pilot.pause()
        assert "2026年11月5日14:30" in str(notice.query_one("#notice-text", Static).render())
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is page_screen and any(e.action == "notice"
                                                                    for e in page_screen.page.events))
    written = list((tmp_path / "home" / "notices").iterdir())
    assert [p.name for p in written] == ["晨光公益服务社-约谈通知书-2026-11-03.docx"]
    assert "会议室" in docx_text(written[0])[0]
    with db.session() as s:
        assert s.get(Organisation, org).agreement_no == "XG-1"
        planned = s.execute(select(CaseEvent).where(CaseEvent.action == "notice")).scalars().one().data
    assert planned["place"] == "会议室" and planned["time"] == "2026-11-05 14:30"
