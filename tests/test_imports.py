"""Imports of organisations and monthly scores (DOMAIN 9, 10): files as centres keep them,
all-or-nothing with errors naming line and column, idempotent re-imports, cases opened."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlmodel import SQLModel

from incubator_tui.errors import UsageError, UserError
from incubator_tui.i18n import set_language
from incubator_tui.models import (
    AuditEntry, Centre, CentreMonth, ChecklistItem, ChecklistVersion, Exemption, ImportBatch, Organisation, OrgCase,
    Score,
)
from incubator_tui.services.imports import ImportFileError, import_orgs, import_scores
from incubator_tui.services.orgs import add_org
from incubator_tui.services.tabular import TableError, read_table

DATA = Path(__file__).parent / "data"  # copies of /work/shared/samples, so tests never depend on the layout
ITEMS_ZH = ["工作计划", "卫生清洁", "党建工作", "服务活动", "制度台账", "安全规范"]
ITEMS_CODE = ["plan", "hygiene", "party", "activity", "records", "safety"]


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-05")


def write_csv(path: Path, rows, encoding="utf-8", delimiter=",") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def add(db, centre, name, entry=date(2024, 1, 1), end=None, status="incubating"):
    with db.session() as s:
        org, _ = add_org(s, centre.id, {"name": name, "category": "community", "entry_date": entry}, "t")
        if end is not None:
            org.end_date, org.status = end, status
            s.add(org)
        return org.id


def snapshot(db) -> dict:
    """Every row of every table: 'unchanged' means unchanged in content, not just counts."""
    out = {}
    with db.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            out[table.name] = sorted(tuple(map(str, r)) for r in s.execute(table.select()))
    return out


def count(db, model, *where) -> int:
    with db.session() as s:
        return len(s.execute(select(model).where(*where)).all())


def cells(db, org_name, month) -> dict:
    with db.session() as s:
        rows = s.execute(text(
            "SELECT i.code, s.value_cent, s.na, s.reason FROM score s JOIN organisation o ON o.id = s.org_id "
            "JOIN checklist_item i ON i.id = s.item_id WHERE o.name = :n AND s.month = :m"), {"n": org_name, "m": month})
        return {r[0]: (r[1], bool(r[2]), r[3]) for r in rows}


def score_row(name, month, values, note=""):
    return [name, month, *values, note]


HEADER_ZH = ["名称", "月份", *ITEMS_ZH, "备注"]


# ---------------------------------------------------------------- the real sample files


def test_sample_orgs_gb18030_with_title_row_creates_the_centre(db, tmp_path):
    report = import_orgs(db, DATA / "orgs-gb18030.csv", None, "me")
    assert report.centre_created == "孵化中心" and report.centre == "孵化中心"
    assert (report.added, report.changed, report.unchanged) == (6, 0, 0)
    # line 4 = title, header, then the third org (the check character is wrong): a warning, not a block
    assert len(report.warnings) == 1 and "第4行" in report.warnings[0] and "51370303MJE3512345" in report.warnings[0]
    with db.session() as s:
        orgs = {o.name: o for o in s.execute(select(Organisation)).scalars()}
    assert orgs["辛店街道爱心助学协会"].entry_date == date(2024, 3, 15)  # 2024/3/15
    assert orgs["城际救援队临淄六支队"].entry_date == date(2022, 11, 20)  # 2022年11月20日
    assert orgs["城际救援队临淄六支队"].category == "volunteer" and orgs["城际救援队临淄六支队"].legal_form == "service_org"
    assert orgs["稷下青年书画社"].credit_code_warning is True
    assert orgs["辛店街道爱心助学协会"].phone == "0533-7123456"
    with db.session() as s:
        batch = s.execute(select(ImportBatch)).scalars().one()
    assert batch.kind == "orgs" and batch.filename == "orgs-gb18030.csv" and len(batch.sha256) == 64

    before = snapshot(db)
    again = import_orgs(db, DATA / "orgs-gb18030.csv", None, "me")
    assert (again.added, again.changed, again.unchanged, again.batch_id) == (0, 0, 6, None)
    assert again.centre_created is None
    assert snapshot(db) == before


def test_sample_scores_xlsx_by_item_name_with_na_and_note(db):
    import_orgs(db, DATA / "orgs-gb18030.csv", None, "me")
    report = import_scores(db, DATA / "scores-2026-10.xlsx", None, "me")
    assert (report.added, report.changed, report.unchanged) == (42, 0, 0) and report.rows == 7
    got = cells(db, "城际救援队临淄六支队", "2026-09")
    assert got["party"][:2] == (None, True)  # 不适用
    assert got["plan"][0] == 100 and got["safety"][0] == 50  # Excel floats 0.5 → exactly 50 cents
    got = cells(db, "牛山社区小扳手互助维修队", "2026-10")
    # the note goes to the items that lost points, not to those with full marks
    assert got["hygiene"] == (150, False, "卫生区域未清理")
    assert got["plan"] == (200, False, "")
    again = import_scores(db, DATA / "scores-2026-10.xlsx", None, "me")
    assert (again.added, again.changed, again.unchanged, again.batch_id) == (0, 0, 42, None)


# ---------------------------------------------------------------- encodings, delimiters, headers

ORG_ROWS = [
    ["某某中心入驻社会组织名册"],
    ["名称", "类别", "入驻日期", "联系人"],
    ["晨光志愿服务队", "志愿服务", "2024-03-01", "张三"],
    ["银龄互助会", "community", "2024/3/1", "李四"],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_encodings_and_delimiters(db, tmp_path, encoding, delimiter):
    path = write_csv(tmp_path / "orgs.csv", ORG_ROWS, encoding, delimiter)
    report = import_orgs(db, path, None, "me")
    assert report.added == 2
    with db.session() as s:
        org = s.execute(select(Organisation).where(Organisation.name == "晨光志愿服务队")).scalars().one()
    assert (org.category, org.contact, org.entry_date) == ("volunteer", "张三", date(2024, 3, 1))


def test_english_full_width_and_cased_headers(db, tmp_path):
    path = write_csv(tmp_path / "orgs.csv", [
        ["Ｎａｍｅ", " CATEGORY ", "Entry Date", "credit_code", "Phone"],
        ["晨光志愿服务队", "Volunteer", "2024年3月1日", "", "13800000000"],
    ])
    assert import_orgs(db, path, None, "me").added == 1
    with db.session() as s:
        org = s.execute(select(Organisation)).scalars().one()
    assert (org.category, org.entry_date, org.phone) == ("volunteer", date(2024, 3, 1), "13800000000")


def test_multi_line_cell_keeps_file_line_numbers(db, centre, tmp_path):
    add(db, centre, "甲")
    path = write_csv(tmp_path / "s.csv", [
        ["名称", "月份", "plan", "备注"],
        ["甲", "2026-01", "2", "第一行\n第二行"],  # lines 2-3
        ["甲", "2026-02", "9", ""],  # line 4
    ])
    with pytest.raises(ImportFileError) as exc:
        import_scores(db, path, None, "me")
    assert exc.value.problems[0].line == 4


def test_reader_refuses_binary_files_before_decoding(db, tmp_path):
    nul = tmp_path / "orgs.csv"
    nul.write_bytes("名称,类别\n".encode() + b"\x00\x01\x02")
    with pytest.raises(TableError, match="orgs.csv"):
        import_orgs(db, nul, None, "me")
    control = tmp_path / "ctrl.csv"
    control.write_bytes(b"name,category\n\x07\x08\x1b,x\n")
    with pytest.raises(TableError, match="ctrl.csv"):
        read_table(control)
    fake = tmp_path / "scores.xlsx"
    fake.write_text("名称,月份\n", encoding="utf-8")
    with pytest.raises(TableError, match="scores.xlsx"):
        read_table(fake)
    renamed = tmp_path / "book.csv"  # an xlsx saved under a .csv name: zip bytes hold NULs
    shutil.copy(DATA / "scores-2026-10.xlsx", renamed)
    with pytest.raises(TableError, match="book.csv"):
        read_table(renamed)
    with db.session() as s:  # a refused file created nothing, not even the centre
        assert s.execute(select(Centre)).first() is None


def test_no_header_row_and_unknown_extension(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["标题"], ["a", "b"]])
    with pytest.raises(TableError, match="名称"):
        read_table(path)
    other = tmp_path / "x.txt"
    other.write_text("名称\n甲\n", encoding="utf-8")
    with pytest.raises(TableError, match="x.txt"):
        read_table(other)
    with pytest.raises(TableError, match="nowhere.csv"):
        read_table(tmp_path / "nowhere.csv")


def test_line_numbers_count_title_and_blank_rows(db, centre, tmp_path):
    add(db, centre, "甲")
    path = write_csv(tmp_path / "s.csv", [["标题"], [], ["名称", "月份", "plan"], [], ["甲", "2026-01", "3"]])
    with pytest.raises(ImportFileError, match="第5行"):
        import_scores(db, path, None, "me")
    book = write_xlsx(tmp_path / "s.xlsx", [["标题"], ["名称", "月份", "plan"], [None, None, None],
                                             ["甲", "2026-01", 3]])
    with pytest.raises(ImportFileError, match="第4行“plan”列（C列）"):
        import_scores(db, book, None, "me")


def test_xlsx_date_cells_and_float_numbers(db, tmp_path):
    path = write_xlsx(tmp_path / "orgs.xlsx", [
        ["名单"], [], ["名称", "类别", "入驻日期", "联系电话"],
        ["晨光志愿服务队", "志愿服务", date(2023, 5, 6), 13805331234],
    ])
    assert import_orgs(db, path, None, "me").added == 1
    with db.session() as s:
        org = s.execute(select(Organisation)).scalars().one()
        centre = s.execute(select(Centre)).scalars().one()
    assert (org.entry_date, org.phone) == (date(2023, 5, 6), "13805331234")
    table = read_table(path)
    assert table.header_line == 3 and table.rows[0].line == 4
    assert type(table.rows[0].cells[2]) is date  # a date cell is a date, not a midnight datetime
    scores = write_xlsx(tmp_path / "s.xlsx", [
        ["名称", "月份", *ITEMS_CODE],
        ["晨光志愿服务队", date(2026, 3, 1), 2.0, 1.5, 2, 0.5, 1.0, 1],  # a month typed as a date cell
    ])
    assert import_scores(db, scores, centre.name, "me").added == 6
    got = cells(db, "晨光志愿服务队", "2026-03")
    assert {k: v[0] for k, v in got.items()} == {"plan": 200, "hygiene": 150, "party": 200, "activity": 50,
                                                  "records": 100, "safety": 100}


# ---------------------------------------------------------------- organisations


def test_existing_org_is_updated_not_duplicated_and_audited(db, tmp_path):
    import_orgs(db, write_csv(tmp_path / "a.csv", ORG_ROWS), None, "me")
    path = write_csv(tmp_path / "b.csv", [
        ["名称", "联系人", "类别"], ["晨光志愿服务队", "王五", ""], ["新来的协会", "赵六", "公益慈善"],
    ])
    with pytest.raises(ImportFileError, match="入驻日期"):  # a new org needs its entry date
        import_orgs(db, path, None, "me")
    path = write_csv(tmp_path / "b.csv", [["名称", "联系人", "类别"], ["晨光志愿服务队", "王五", ""]])
    report = import_orgs(db, path, None, "me")
    assert (report.added, report.changed) == (0, 1)
    assert count(db, Organisation) == 2
    with db.session() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.field == "contact", AuditEntry.old == "张三")).scalars().one()
    assert entry.new == "王五" and entry.batch_id == report.batch_id


def test_returning_org_is_a_new_record_linked_to_the_old(db, centre, tmp_path):
    old = add(db, centre, "晨光志愿服务队", end=date(2025, 1, 31), status="exited")
    path = write_csv(tmp_path / "a.csv", [["名称", "类别", "入驻日期"], ["晨光志愿服务队", "志愿服务", "2026-02-01"]])
    assert import_orgs(db, path, None, "me").added == 1
    with db.session() as s:
        new = s.execute(select(Organisation).where(Organisation.status == "incubating")).scalars().one()
    assert new.previous_id == old


@pytest.mark.parametrize("row, fragment", [
    (["甲", "艺术", "2024-01-01", ""], "“类别”列（B列）：“艺术”不是有效的类别"),
    (["甲", "公益慈善", "2024-02-30", ""], "“入驻日期”列（C列）：“2024-02-30”不是有效的日期"),
    (["甲", "公益慈善", "2024-01-01", "123"], "统一社会信用代码“123”应为18位"),
])
def test_org_row_errors_name_line_and_column(db, tmp_path, row, fragment):
    path = write_csv(tmp_path / "orgs.csv", [["名册"], ["名称", "类别", "入驻日期", "统一社会信用代码"], row])
    with pytest.raises(ImportFileError) as exc:
        import_orgs(db, path, None, "me")
    message = str(exc.value)
    assert "orgs.csv" in message and "第3行" in message and fragment in message
    assert exc.value.exit_code == 1


def test_duplicate_org_rows_in_one_file(db, tmp_path):
    path = write_csv(tmp_path / "o.csv", [["名称", "类别", "入驻日期"], ["甲", "公益慈善", "2024-01-01"],
                                           ["甲", "公益慈善", "2024-01-01"]])
    with pytest.raises(ImportFileError, match="第3行.*与第2行重复"):
        import_orgs(db, path, None, "me")


# ---------------------------------------------------------------- centres (DOMAIN 10)


def test_centre_rules(db, tmp_path):
    orgs = write_csv(tmp_path / "o.csv", [["名称", "类别", "入驻日期"], ["甲", "公益慈善", "2024-01-01"]])
    scores = write_csv(tmp_path / "s.csv", [["名称", "月份", "plan"], ["甲", "2026-01", "2"]])
    with pytest.raises(UserError, match="请先导入组织名册"):  # scores cannot create a centre
        import_scores(db, scores, None, "me")
    with pytest.raises(UserError, match="没有名为“乙中心”"):
        import_scores(db, scores, "乙中心", "me")
    report = import_orgs(db, orgs, "甲中心", "me")  # a new database's first centre named by --centre
    assert report.centre_created == "甲中心"
    assert import_scores(db, scores, None, "me").added == 1  # one centre: used without a name
    assert import_orgs(db, orgs, "乙中心", "me").centre_created == "乙中心"  # only orgs creates a centre
    with pytest.raises(UsageError) as exc:
        import_scores(db, scores, None, "me")
    assert exc.value.exit_code == 2 and "甲中心" in str(exc.value) and "乙中心" in str(exc.value)
    with pytest.raises(UsageError):
        import_orgs(db, orgs, None, "me")
    with pytest.raises(UserError) as exc:
        import_scores(db, scores, "丙中心", "me")
    assert exc.value.exit_code == 1 and not isinstance(exc.value, UsageError)
    report = import_scores(db, scores, "乙中心", "me")
    assert report.added == 1 and report.centre == "乙中心"


# ---------------------------------------------------------------- scores


@pytest.fixture
def three(db, centre):
    """甲 and 乙 members from 2024; 丙 left in 2026-02."""
    add(db, centre, "甲")
    add(db, centre, "乙")
    add(db, centre, "丙", end=date(2026, 2, 10), status="graduated")
    return centre


def test_scores_by_item_code_with_english_headers(db, three, tmp_path):
    path = write_csv(tmp_path / "s.csv", [
        ["Name", "Month", *ITEMS_CODE, "Note"],
        ["甲", "2026/1", "2", "1.5", "2", "2", "1", "n/a", "卫生差"],
        ["乙", "2026年1月", "2", "2", "2", "2", "1", "1", ""],
    ])
    report = import_scores(db, path, None, "me")
    assert (report.added, report.rows) == (12, 2)
    got = cells(db, "甲", "2026-01")
    assert got["safety"] == (None, True, "卫生差") and got["hygiene"] == (150, False, "卫生差")
    assert got["plan"] == (200, False, "")


ERR_HEADER = ["名称", "月份", "工作计划", "卫生清洁", "备注"]


@pytest.mark.parametrize("row, fragment", [
    (["丁", "2026-01", "2", "2", ""], "第3行“名称”列（A列）：本中心没有名为“丁”的组织"),
    (["甲", "2026-13", "2", "2", ""], "第3行“月份”列（B列）：“2026-13”不是有效的月份"),
    (["甲", "2026-01", "2.5", "2", ""], "第3行“工作计划”列（C列）：分数“2.5”超过该项满分2分"),
    (["甲", "2026-01", "1.3", "2", ""], "第3行“工作计划”列（C列）：分数“1.3”须以0.5分为单位"),
    (["甲", "2026-01", "2", "好", ""], "第3行“卫生清洁”列（D列）：“好”不是分数"),
    (["甲", "2026-01", "-1", "2", ""], "分数“-1”不能为负数"),
    (["丙", "2026-03", "2", "2", ""], "第3行“名称”列（A列）：“丙”2026-03不在本中心"),
    (["甲", "2023-12", "2", "2", ""], "“甲”2023-12不在本中心"),
    (["", "2026-01", "2", "2", ""], "第3行“名称”列（A列）：名称为空"),
])
def test_score_errors_name_file_line_column_and_write_nothing(db, three, tmp_path, row, fragment):
    path = write_csv(tmp_path / "bad.csv", [["2026年考评表"], ERR_HEADER, row])
    before = snapshot(db)
    with pytest.raises(ImportFileError) as exc:
        import_scores(db, path, None, "me")
    message = str(exc.value)
    assert message.startswith("文件“bad.csv”有1处错误，未导入任何数据")
    assert fragment in message, message
    assert snapshot(db) == before


def test_error_messages_in_english(db, three, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [ERR_HEADER, ["甲", "2026-01", "2.5", "2", ""]])
    set_language("en")
    with pytest.raises(ImportFileError) as exc:
        import_scores(db, path, None, "me")
    assert "“bad.csv” has 1 error(s)" in str(exc.value)
    assert "line 2, column “工作计划” (C): The score “2.5” is above the item's maximum of 2" in str(exc.value)


def test_missing_columns_and_duplicate_rows(db, three, tmp_path):
    with pytest.raises(ImportFileError, match="缺少必需的“月份/month”列"):
        import_scores(db, write_csv(tmp_path / "a.csv", [["名称", "plan"], ["甲", "2"]]), None, "me")
    with pytest.raises(ImportFileError, match="找不到考评项目列"):
        import_scores(db, write_csv(tmp_path / "b.csv", [["名称", "月份"], ["甲", "2026-01"]]), None, "me")
    with pytest.raises(ImportFileError, match="“工作计划”列重复"):
        import_scores(db, write_csv(tmp_path / "c.csv", [["名称", "月份", "plan", "工作计划"], ["甲", "2026-01", "2", "2"]]),
                      None, "me")
    dup = write_csv(tmp_path / "d.csv", [ERR_HEADER, ["甲", "2026-01", "2", "2", ""], ["甲", "2026/1", "1", "1", ""]])
    with pytest.raises(ImportFileError, match="第3行.*“甲”2026-01的数据与第2行重复"):
        import_scores(db, dup, None, "me")


def test_many_errors_are_listed_up_to_twenty(db, three, tmp_path):
    rows = [ERR_HEADER] + [["甲", f"2025-{m:02d}", "9", "2", ""] for m in range(1, 13)] + \
           [["乙", f"2025-{m:02d}", "2", "x", ""] for m in range(1, 13)]
    with pytest.raises(ImportFileError) as exc:
        import_scores(db, write_csv(tmp_path / "many.csv", rows), None, "me")
    assert exc.value.count == 24 and len(exc.value.problems) == 20
    assert "另有4处错误未列出" in str(exc.value)
    assert [p.line for p in exc.value.problems[:2]] == [2, 3]


def test_bad_last_row_leaves_database_unchanged(db, three, tmp_path):
    import_scores(db, write_csv(tmp_path / "first.csv", [HEADER_ZH, score_row("甲", "2026-01", [2] * 4 + [1, 1])]),
                  None, "me")
    rows = [HEADER_ZH] + [score_row(n, f"2026-{m:02d}", [1] * 6) for n in ("甲", "乙") for m in range(1, 10)]
    rows.append(score_row("乙", "2026-10", [1, 1, 1, 1, 1, 5]))  # the last row is wrong
    before = snapshot(db)
    with pytest.raises(ImportFileError, match="第20行"):
        import_scores(db, write_csv(tmp_path / "bad.csv", rows), None, "me")
    assert snapshot(db) == before


def test_empty_cells_never_overwrite_and_overwrites_are_audited(db, three, tmp_path):
    first = import_scores(db, write_csv(tmp_path / "a.csv", [
        HEADER_ZH, score_row("甲", "2026-01", [2, 2, 2, 2, 1, 1]),
    ]), None, "me")
    second = import_scores(db, write_csv(tmp_path / "b.csv", [
        HEADER_ZH, score_row("甲", "2026-01", ["", "", "1.5", "", "", "不适用"], "党建记录不全"),
    ]), None, "me")
    assert (second.added, second.changed, second.unchanged) == (0, 2, 0)
    got = cells(db, "甲", "2026-01")
    assert got["plan"] == (200, False, "") and got["records"] == (100, False, "")  # blanks left alone
    assert got["party"] == (150, False, "党建记录不全") and got["safety"] == (None, True, "党建记录不全")
    with db.session() as s:
        audits = s.execute(select(AuditEntry).where(AuditEntry.batch_id == second.batch_id)).scalars().all()
        batch = s.get(ImportBatch, second.batch_id)
    assert sorted((a.field, a.old, a.new) for a in audits) == [("value", "1", "N/A"), ("value", "2", "1.5")]
    assert (batch.kind, batch.filename, batch.added, batch.changed) == ("scores", "b.csv", 0, 2)
    assert batch.summary["unchanged"] == 0 and first.batch_id != second.batch_id
    # the first import's new cells are recorded by its batch, not one audit entry per cell
    assert count(db, AuditEntry, AuditEntry.batch_id == first.batch_id) == 0
    third = import_scores(db, write_csv(tmp_path / "c.csv", [
        HEADER_ZH, score_row("甲", "2026-01", ["", "", "1.5", "", "", ""], "党建活动未记录"),
    ]), None, "me")
    assert (third.changed, cells(db, "甲", "2026-01")["party"]) == (1, (150, False, "党建活动未记录"))
    with db.session() as s:
        audits = s.execute(select(AuditEntry).where(AuditEntry.batch_id == third.batch_id)).scalars().all()
    assert [(a.field, a.old, a.new) for a in audits] == [("reason", "党建记录不全", "党建活动未记录")]


def test_third_low_month_opens_one_case_listed_in_the_report(db, three, tmp_path):
    low = [1, 1, 1, 1, 0.5, 0.5]  # total 5.0
    first = import_scores(db, write_csv(tmp_path / "a.csv", [
        HEADER_ZH, score_row("甲", "2026-01", low), score_row("甲", "2026-02", low),
        score_row("乙", "2026-01", [2] * 4 + [1, 1]),
    ]), None, "me")
    assert first.cases_opened == []
    path = write_csv(tmp_path / "b.csv", [HEADER_ZH, score_row("甲", "2026-03", low)])
    second = import_scores(db, path, None, "me")
    assert second.cases_opened == [("甲", ["2026-01", "2026-02", "2026-03"])]
    with db.session() as s:
        case = s.execute(select(OrgCase)).scalars().one()
    assert case.kind == "monthly" and case.state == "to_interview"
    before = snapshot(db)
    again = import_scores(db, path, None, "me")
    assert again.cases_opened == [] and again.batch_id is None
    assert snapshot(db) == before
    assert count(db, OrgCase) == 1


def test_closed_paused_exempt_and_item_not_in_version(db, three, tmp_path):
    with db.session() as s:
        s.add(CentreMonth(centre_id=three.id, month="2026-01", closed=True))
        s.add(CentreMonth(centre_id=three.id, month="2026-02", paused=True))
        jia = s.execute(select(Organisation).where(Organisation.name == "甲")).scalars().one()
        s.add(Exemption(org_id=jia.id, month="2026-03", reason="装修"))
        version = ChecklistVersion(centre_id=three.id, number=2, effective_month="2026-06")
        s.add(version)
        s.flush()
        for pos, (code, name, mx) in enumerate([("plan", "工作计划", 500), ("innovation", "创新项目", 500)]):
            s.add(ChecklistItem(version_id=version.id, code=code, name=name, max_cent=mx, position=pos))
    rows = [["名称", "月份", "工作计划", "创新项目"],
            ["甲", "2026-01", "2", ""], ["乙", "2026-02", "2", ""], ["甲", "2026-03", "2", ""],
            ["乙", "2026-05", "1", "3"],  # 创新项目 is only in force from 2026-06
            ["乙", "2026-06", "4.5", "3"]]  # plan's max is 5 from 2026-06: valid
    with pytest.raises(ImportFileError) as exc:
        import_scores(db, write_csv(tmp_path / "m.csv", rows), None, "me")
    message = str(exc.value)
    assert "第2行“月份”列（B列）：2026-01已关闭" in message
    assert "第3行“月份”列（B列）：2026-02为不考评月份" in message
    assert "第4行“名称”列（A列）：“甲”2026-03免考评" in message
    assert "第5行“创新项目”列（D列）：2026-05适用的考评细则中没有这一项" in message
    assert exc.value.count == 4
    ok = import_scores(db, write_csv(tmp_path / "ok.csv", [rows[0], rows[5]]), None, "me")
    assert ok.added == 2 and cells(db, "乙", "2026-06")["innovation"][0] == 300


def test_unknown_columns_are_warned_about_not_imported(db, three, tmp_path):
    path = write_csv(tmp_path / "s.csv", [["序号", "名称", "月份", "plan", "合计"], ["1", "甲", "2026-01", "2", "2"]])
    report = import_scores(db, path, None, "me")
    assert report.added == 1
    assert any("序号" in w for w in report.warnings) and any("合计" in w for w in report.warnings)


# ---------------------------------------------------------------- speed


def test_a_year_of_scores_for_many_orgs_imports_in_bulk(db, centre, tmp_path):
    """Bulk writes, not a statement per cell: 100 orgs x 12 months (7,200 cells) go in a handful of
    executemany calls.  (Speed itself is measured by benchmarks/bench.py, not asserted here.)"""
    from sqlalchemy import event

    with db.session() as s:
        for i in range(100):
            add_org(s, centre.id, {"name": f"组织{i:03d}", "category": "community", "entry_date": date(2024, 1, 1)}, "t")
    rows = [HEADER_ZH] + [score_row(f"组织{i:03d}", f"2025-{m:02d}", [2, 1.5, 2, 2, 1, 0.5])
                          for i in range(100) for m in range(1, 13)]
    path = write_csv(tmp_path / "big.csv", rows)
    score_inserts = []

    def count_inserts(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO SCORE"):
            score_inserts.append(executemany)

    event.listen(db.engine, "before_cursor_execute", count_inserts)
    try:
        report = import_scores(db, path, None, "me")
    finally:
        event.remove(db.engine, "before_cursor_execute", count_inserts)
    assert report.added == 7200
    assert count(db, Score) == 7200
    assert 0 < len(score_inserts) <= 10 and all(score_inserts)
