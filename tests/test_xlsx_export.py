"""Excel exports read back with openpyxl: the year's report and the blank inspection sheet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from incubator_tui.cli import main
from incubator_tui.i18n import set_language
from incubator_tui.services.xlsx_export import LOW_FILL, display_width, write_inspection_sheet, write_workbook
from tests.helpers import make_org, score_month

LONG_NAME = "淄川区稷下街道社区青年志愿服务与文化艺术发展促进会"


@pytest.fixture
def year_2025(db, centre, monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-02-10")
    low = make_org(db, centre, "晨光公益服务社", entry=date(2024, 6, 1))
    fine = make_org(db, centre, LONG_NAME, entry=date(2024, 6, 1))
    late = make_org(db, centre, "爱心助学协会", entry=date(2025, 10, 1))
    for m, x in (("2025-09", "5.5"), ("2025-10", "5"), ("2025-11", "5.5"), ("2025-12", "9")):
        score_month(db, centre, low, m, x)
    for m in ("2025-09", "2025-10", "2025-11", "2025-12"):
        score_month(db, centre, fine, m, "8.5")
    score_month(db, centre, late, "2025-10", "7", na=("records",))
    return db, {"low": low, "fine": fine, "late": late}


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_report_sheets_hold_the_years_data(year_2025, tmp_path: Path) -> None:
    db, _orgs = year_2025
    out = tmp_path / "report.xlsx"
    report = write_workbook(db, out, year=2025)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["2025月度总分", "分项得分", "月度通报排名", "预警", "约谈整改", "2025评星"]
    assert report.sheets == tuple(wb.sheetnames)

    totals = wb["2025月度总分"]
    rows = _rows(totals)
    assert rows[0][:3] == ["组织名称", "1月", "2月"] and rows[0][-1] == "平均分"
    by_name = {r[0]: r for r in rows[1:]}
    assert sorted(by_name) == sorted(["晨光公益服务社", LONG_NAME, "爱心助学协会"])
    low = by_name["晨光公益服务社"]
    assert low[9:13] == [5.5, 5.0, 5.5, 9.0]  # September to December
    assert low[13] == 6.3  # (5.5 + 5 + 5.5 + 9) / 4 = 6.25, half up
    assert by_name["爱心助学协会"][10] == 7.8  # 7 of 9 points (records N/A) = 7.78
    # Below the threshold: coloured; at or above: not.
    row_no = next(i for i, r in enumerate(rows, start=1) if r[0] == "晨光公益服务社")
    fills = [totals.cell(row=row_no, column=c).fill.fgColor.rgb for c in (10, 11, 12, 13)]
    assert [f.endswith(LOW_FILL) for f in fills] == [True, True, True, False]
    # Wide enough for the long Chinese name: its display width, not its length.
    assert totals.column_dimensions["A"].width >= display_width(LONG_NAME) == 2 * len(LONG_NAME)

    items = _rows(wb["分项得分"])
    assert items[0][:8] == ["组织名称", "月份", "工作计划", "卫生清洁", "党建工作", "服务活动", "制度台账", "安全规范"]
    late_row = next(r for r in items if r[0] == "爱心助学协会")
    assert late_row[1] == "2025-10" and late_row[6] == "N/A" and late_row[8] == 7.8

    ranking = _rows(wb["月度通报排名"])
    october = [r for r in ranking[1:] if r[0] == "2025-10"]
    assert [(r[1], r[2], r[3]) for r in october] == [(1, LONG_NAME, 8.5), (2, "爱心助学协会", 7.8),
                                                     (3, "晨光公益服务社", 5.0)]
    assert {r[4] for r in october} == {7.1}  # (8.5 + 70/9 + 5) / 3 = 7.09
    assert october[2][5] == "是"

    flags = _rows(wb["预警"])
    assert flags[1:] == []  # December's 9 ended the run
    cases = _rows(wb["约谈整改"])
    assert len(cases) == 2 and cases[1][0] == "晨光公益服务社" and cases[1][1] == "月度" and cases[1][2] == "待约谈"
    assert cases[1][5] == "2025-09 5.5；2025-10 5.0；2025-11 5.5"


def test_report_in_english_and_flags_as_of_the_years_end(year_2025, tmp_path: Path) -> None:
    db, _orgs = year_2025
    set_language("en")
    out = tmp_path / "report-en.xlsx"
    write_workbook(db, out, year=2025)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Monthly totals 2025"
    assert _rows(wb["Item scores"])[0][2] == "Work plan"
    # The case's reason in the workbook's language, as the cases screen shows it, not the
    # sentence stored in Chinese the day it opened.
    [_header, case] = _rows(wb["Cases"])
    assert case[:3] == ["晨光公益服务社", "monthly", "to interview"]
    assert case[5] == "2025-09 5.5; 2025-10 5.0; 2025-11 5.5"


def test_inspection_sheet_is_blank_print_ready_and_lists_the_months_members(year_2025, tmp_path: Path) -> None:
    db, _orgs = year_2025
    out = tmp_path / "sheet.xlsx"
    write_inspection_sheet(db, out, "2025-09")
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    rows = _rows(ws)
    assert "2025-09" in rows[0][0] and "测试孵化中心" in rows[0][0]
    header = rows[2]
    assert header[:4] == ["序号", "组织名称", "工作计划（满分2）", "扣分原因"]
    assert "制度台账（满分1）" in header and header[-2:] == ["总分", "组织签字"]
    names = [r[1] for r in rows[3:]]
    assert names == sorted(["晨光公益服务社", LONG_NAME])  # 爱心助学协会 entered in October
    assert all(v in (None, "") for r in rows[3:] for v in r[2:])  # blank: to fill on paper
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$1:$3"  # the header rows repeat on every printed page
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage


def test_cli_exports_xlsx_and_sheet(year_2025, tmp_path: Path, capsys, db_path: Path) -> None:
    out = tmp_path / "cli.xlsx"
    assert main(["export", "xlsx", str(out), "--year", "2025", "--db", str(db_path)]) == 0
    assert str(out) in capsys.readouterr().out
    assert openpyxl.load_workbook(out).sheetnames[0] == "2025月度总分"
    sheet = tmp_path / "sheet.xlsx"
    assert main(["export", "sheet", str(sheet), "--month", "2025-10", "--db", str(db_path)]) == 0
    assert len(_rows(openpyxl.load_workbook(sheet).active)) == 3 + 3
    assert main(["export", "sheet", str(sheet), "--db", str(db_path)]) == 2  # no --month
    with pytest.raises(SystemExit) as usage:
        main(["export", "sheet", str(sheet), "--month", "2025-13", "--db", str(db_path)])
    assert usage.value.code == 2
    assert main(["export", "xlsx", str(tmp_path / "no" / "x.xlsx"), "--db", str(db_path)]) == 1
    assert "不存在" in capsys.readouterr().err
