"""Settings (DOMAIN 7, 9, 10): the `settings` command, changes from a month on, their
audit and history, what a change does, and the checklist and holidays imports."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import text

from incubator_tui.cli import main
from incubator_tui.rules.settings import DraftItem
from incubator_tui.services import settings as service
from incubator_tui.services.centres import Checklists, create_centre
from incubator_tui.services.settings_imports import import_checklist, import_holidays
from tests.helpers import make_org, score_month

DEFAULT_ITEMS = [("plan", "工作计划", 2), ("hygiene", "卫生清洁", 2), ("party", "党建工作", 2),
                 ("activity", "服务活动", 2), ("records", "制度台账", 1), ("safety", "安全规范", 1)]
HYGIENE_3 = [("plan", "工作计划", "Work plan", "2"), ("hygiene", "卫生清洁", "Hygiene", "3"),
             ("party", "党建工作", "Party-building", "2"), ("activity", "服务活动", "Service activities", "2"),
             ("records", "制度台账", "Records", "1")]


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-03-10")


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def settings_json(capsys, db_path: Path, *args: str) -> dict:
    rc, out, err = run_cli(capsys, "settings", "--db", str(db_path), "--json", *args)
    assert rc == 0, err
    return json.loads(out)


def audit_rows(db, table: str) -> list[tuple]:
    with db.reading() as c:
        return [tuple(r) for r in c.execute(text(
            "SELECT operator, field, old, new, batch_id FROM audit WHERE table_name = :t ORDER BY rowid"), {"t": table})]


# ---------------------------------------------------------------- the settings command


def test_settings_json_is_domain_10s_shape_with_the_defaults(capsys, db, centre, db_path: Path) -> None:
    data = settings_json(capsys, db_path, "--as-of", "2026-02")
    contract = {
        "centre": "测试孵化中心", "as_of": "2026-02", "threshold": 6, "run_length": 3, "step": 0.5,
        "weights": {"party": 30, "monthly": 30, "self": 10, "peer": 15, "public": 15},
        "cutoffs": [90, 80, 70, 60], "party_gate": {"below": 60, "cap": 3}, "min_complete_months": 6,
    }
    assert {k: data[k] for k in contract} == contract
    assert [(i["code"], i["name"], i["max"]) for i in data["checklist"]] == DEFAULT_ITEMS
    assert all(type(i["max"]) is int for i in data["checklist"])
    assert type(data["step"]) is float and type(data["threshold"]) is int
    assert data["deadlines"] == {"rectification_days": 30, "rectification_months_annual": 3,
                                 "handover_working_days": 15, "objection_days": 10, "publicity_days": 7}


def test_settings_default_month_is_the_current_one(capsys, db, centre, db_path: Path) -> None:
    assert settings_json(capsys, db_path)["as_of"] == "2026-03"


def test_settings_human_output_one_line_per_setting_in_either_language(capsys, db, centre, db_path: Path) -> None:
    rc, out, _ = run_cli(capsys, "settings", "--db", str(db_path))
    assert rc == 0
    assert "低分阈值：6（默认）" in out.splitlines()
    assert "  hygiene 卫生清洁：2 分" in out.splitlines()
    rc, out, _ = run_cli(capsys, "settings", "--db", str(db_path), "--lang", "en")
    assert "Low-score threshold: 6 (default)" in out.splitlines()
    assert "  hygiene Hygiene: max 2" in out.splitlines()  # "max 1", never "1 points"


def test_settings_centres_missing_database_and_bad_month(capsys, db, centre, db_path: Path, tmp_path: Path) -> None:
    with db.session() as s:
        create_centre(s, "稷下文化创客中心", "tester", category="culture")
    rc, _, err = run_cli(capsys, "settings", "--db", str(db_path))
    assert rc == 2 and "--centre" in err
    assert settings_json(capsys, db_path, "--centre", "稷下文化创客中心")["centre"] == "稷下文化创客中心"
    rc, _, err = run_cli(capsys, "settings", "--db", str(db_path), "--centre", "没有这个中心")
    assert rc == 1 and "没有这个中心" in err
    missing = tmp_path / "missing.sqlite"
    rc, _, _ = run_cli(capsys, "settings", "--db", str(missing))
    assert rc == 1 and not missing.exists()
    with pytest.raises(SystemExit) as exc:
        main(["settings", "--db", str(db_path), "--as-of", "2026-13"])
    assert exc.value.code == 2


# ---------------------------------------------------------------- changes from a month on


SCHEME_CHANGES = {
    # field as typed on the form → (JSON path, value before, value after)
    "threshold": ("5.5", ("threshold",), 6, 5.5),
    "run_length": ("2", ("run_length",), 3, 2),
    "step": ("0.25", ("step",), 0.5, 0.25),
    "weight.party": ("40", ("weights", "party"), 30, 40),
    "cutoff.5": ("95", ("cutoffs", 0), 90, 95),
    "party_gate": ("50", ("party_gate", "below"), 60, 50),
    "party_cap": ("2", ("party_gate", "cap"), 3, 2),
    "min_complete_months": ("8", ("min_complete_months",), 6, 8),
    "deadline_days": ("45", ("deadlines", "rectification_days"), 30, 45),
    "deadline_months_annual": ("2", ("deadlines", "rectification_months_annual"), 3, 2),
    "handover_working_days": ("20", ("deadlines", "handover_working_days"), 15, 20),
    "objection_days": ("15", ("deadlines", "objection_days"), 10, 15),
    "publicity_days": ("5", ("deadlines", "publicity_days"), 7, 5),
}


def _dig(data, path):
    for p in path:
        data = data[p]
    return data


def test_every_scheme_setting_saved_from_a_month_reads_back_before_and_after(capsys, db, centre, db_path) -> None:
    with db.reading() as c:
        texts = service.rules.scheme_texts(service.read_settings(c, centre.id, "2026-05").values)
    for fld, (typed, *_rest) in SCHEME_CHANGES.items():
        texts[fld] = typed
    changed = service.save_scheme_texts(db, centre.id, texts, "2026-05", "王主任")
    assert len(changed) == 13  # the five weights and the four cut-offs are one setting each
    before = settings_json(capsys, db_path, "--as-of", "2026-04")
    after = settings_json(capsys, db_path, "--as-of", "2026-05")
    later = settings_json(capsys, db_path, "--as-of", "2030-12")
    for fld, (_typed, path, old, new) in SCHEME_CHANGES.items():
        assert _dig(before, path) == old, fld
        assert _dig(after, path) == new and _dig(later, path) == new, fld
    assert after["effective"]["threshold"] == "2026-05" and "threshold" not in before["effective"]


def test_a_change_is_audited_with_who_old_and_new_and_listed_in_the_history(db, centre) -> None:
    service.save_settings(db, centre.id, {"threshold": Fraction(5)}, "2027-01", "王主任")
    service.save_settings(db, centre.id, {"threshold": Fraction(11, 2)}, "2027-06", "李干事")
    service.save_settings(db, centre.id, {"threshold": Fraction(11, 2)}, "2027-06", "李干事")  # same again: nothing
    assert audit_rows(db, "setting") == [("王主任", "threshold", "6", "5", None), ("李干事", "threshold", "5", '"5.5"', None)]
    with db.reading() as c:
        hist = service.history(c, centre.id)
    assert [(h.operator, h.field, h.effective_month, h.old, h.new) for h in hist][:2] == [
        ("李干事", "threshold", "2027-06", "5", '"5.5"'), ("王主任", "threshold", "2027-01", "6", "5")]


@pytest.mark.parametrize("field,typed,where", [
    ("threshold", "10.5", "threshold"), ("threshold", "-1", "threshold"), ("run_length", "0", "run_length"),
    ("step", "0.3", "step"), ("weight.party", "0", "weights"), ("cutoff.4", "91", "cutoffs"),
    ("threshold", "六", "threshold"),
])
def test_bad_values_are_refused_in_place_and_nothing_is_saved(db, centre, field, typed, where) -> None:
    with db.reading() as c:
        texts = service.rules.scheme_texts(service.read_settings(c, centre.id, "2026-05").values)
    texts[field] = typed
    if where == "weights":
        texts.update(dict.fromkeys(("weight.monthly", "weight.self", "weight.peer", "weight.public"), "0"))
    with pytest.raises(service.SettingsRefused) as exc:
        service.save_scheme_texts(db, centre.id, texts, "2026-05", "王主任")
    assert list(exc.value.errors) == [where]
    with db.reading() as c:
        assert c.execute(text("SELECT COUNT(*) FROM setting")).scalar() == 0
        assert c.execute(text("SELECT COUNT(*) FROM audit WHERE table_name = 'setting'")).scalar() == 0


@pytest.fixture
def low_orgs(db, centre):
    """晨光 5.5, 5.5, 5.5 (Dec-Feb): red under 6, fine under 5; 稷下 4, 4, 4: red under both."""
    a = make_org(db, centre, "晨光公益服务社")
    b = make_org(db, centre, "稷下青年书画社")
    for m in ("2025-12", "2026-01", "2026-02"):
        score_month(db, centre, a, m, "5.5")
        score_month(db, centre, b, m, "4")
    return a, b


def flag_orgs(capsys, db_path, as_of) -> list[str]:
    rc, out, _ = run_cli(capsys, "flags", "--db", str(db_path), "--as-of", as_of, "--json")
    return [f["org"] for f in json.loads(out)]


def test_a_threshold_change_alters_flags_from_its_month_only(capsys, db, centre, low_orgs, db_path) -> None:
    assert flag_orgs(capsys, db_path, "2026-02") == ["晨光公益服务社", "稷下青年书画社"]
    preview = service.preview_settings(db, centre.id, {"threshold": Fraction(5)}, "2026-02")
    assert preview.lines[0] == "低分阈值由 6 改为 5（自 2026-02 起）"
    assert "截至 2026-03：1 个组织的预警将解除（晨光公益服务社）" in preview.lines
    with db.reading() as c:  # the preview saved nothing
        assert c.execute(text("SELECT COUNT(*) FROM setting")).scalar() == 0
    service.save_settings(db, centre.id, {"threshold": Fraction(5)}, "2026-02", "王主任")
    # Feb is judged at 5 (5.5 is not low): 晨光's streak is broken from Feb only.
    assert flag_orgs(capsys, db_path, "2026-02") == ["稷下青年书画社"]
    # As of January the months are judged at 6 as before: 2 low months, amber, not red.
    with db.reading() as c:
        assert service.rules.value_in_force(service.setting_entries(c, centre.id), "threshold", "2026-01") == 6
    from incubator_tui.services.flags import compute_flags

    with db.reading() as c:
        jan = {f.org: f.level for f in compute_flags(c, centre.id, "2026-01")}
    assert jan == {"晨光公益服务社": "amber", "稷下青年书画社": "amber"}


def test_preview_of_a_change_after_every_scored_month_says_flags_stay(db, centre, low_orgs) -> None:
    lines = service.preview_settings(db, centre.id, {"threshold": Fraction(5)}, "2027-01").lines
    assert lines == ["低分阈值由 6 改为 5（自 2027-01 起）", "2027-01 及以后还没有评分，现有预警不变"]


# ---------------------------------------------------------------- the centre, holidays


def test_centre_details_and_time_zone_are_audited(capsys, db, centre, db_path) -> None:
    changed = service.save_centre(db, centre.id, {"address": "临淄区雪宫街道", "notice_prefix": "雪宫孵",
                                                  "timezone": "Asia/Urumqi"}, "王主任")
    assert changed == ["address", "notice_prefix", "timezone"]
    data = settings_json(capsys, db_path, "--as-of", "2001-01")
    assert data["centre_details"]["address"] == "临淄区雪宫街道" and data["timezone"] == "Asia/Urumqi"
    assert audit_rows(db, "centre")[-2:] == [("王主任", "address", "", "临淄区雪宫街道", None),
                                             ("王主任", "notice_prefix", "", "雪宫孵", None)]
    with pytest.raises(service.SettingsRefused) as exc:
        service.save_centre(db, centre.id, {"name": " ", "timezone": "Mars/Olympus"}, "王主任")
    assert set(exc.value.errors) == {"name", "timezone"}


def test_a_years_holidays_typed_in_any_form_replace_that_year_only(capsys, db, centre, db_path) -> None:
    assert service.save_year_calendar(db, centre.id, 2026, "2026-10-01 2026/10/2\n2026年10月3日", "", "王主任")
    assert service.save_year_calendar(db, centre.id, 2027, "2027-01-01，2027-02-10", "2027-02-06", "王主任")
    assert service.save_year_calendar(db, centre.id, 2026, "2026-10-01", "", "王主任")
    data = settings_json(capsys, db_path)
    assert data["holidays"] == {"2026": ["2026-10-01"], "2027": ["2027-01-01", "2027-02-10"]}
    assert data["makeup_days"] == {"2027": ["2027-02-06"]}
    assert ("王主任", "holidays:2026", "2026-10-01 2026-10-02 2026-10-03", "2026-10-01", None) in audit_rows(db, "setting")
    for bad_hol, bad_mk, where in (("2026-13-01", "", "holidays"), ("2025-10-01", "", "holidays"),
                                   ("", "2026-10-08", "makeup_days")):  # 8 Oct 2026 is a Thursday
        with pytest.raises(service.SettingsRefused) as exc:
            service.save_year_calendar(db, centre.id, 2026, bad_hol, bad_mk, "王主任")
        assert list(exc.value.errors) == [where]
    with db.reading() as c:
        assert service.years_without_holidays(c, centre.id, date(2026, 3, 10)) == []
        assert service.years_without_holidays(c, centre.id, date(2027, 3, 10)) == [2028]


# ---------------------------------------------------------------- checklist versions


def test_a_3_point_hygiene_version_keeps_old_months_and_scores_new_ones(capsys, db, centre, db_path) -> None:
    org = make_org(db, centre, "晨光公益服务社")
    score_month(db, centre, org, "2026-01", "7")  # v1: plan 2 hygiene 2 party 2 activity 1 → 7 of 10
    drafts = [DraftItem(*row) for row in HYGIENE_3]
    with pytest.raises(service.SettingsRefused) as exc:  # January is scored: it keeps its version
        service.save_checklist_version(db, centre.id, "2026-01", drafts, "王主任")
    assert exc.value.errors["month"].params["next"] == "2026-02"
    assert service.save_checklist_version(db, centre.id, "2026-02", drafts, "王主任")
    assert [(i["code"], i["max"]) for i in settings_json(capsys, db_path, "--as-of", "2026-01")["checklist"]] == [
        (c, m) for c, _n, m in DEFAULT_ITEMS]
    assert [(i["code"], i["max"]) for i in settings_json(capsys, db_path, "--as-of", "2026-02")["checklist"]] == [
        ("plan", 2), ("hygiene", 3), ("party", 2), ("activity", 2), ("records", 1)]
    score_month(db, centre, org, "2026-02", "7")  # v2: plan 2, hygiene 3, party 2 → 7 of 10
    from incubator_tui.services.scoring import load_grid

    with db.session() as s:
        jan, feb = load_grid(s, centre.id, "2026-01"), load_grid(s, centre.id, "2026-02")
        assert [(i.code, i.max_cent) for i in feb.items] == [("plan", 200), ("hygiene", 300), ("party", 200),
                                                              ("activity", 200), ("records", 100)]
        assert len(jan.items) == 6
        feb_cells = {next(i.code for i in feb.items if i.id == k): c.value_cent for k, c in feb.rows[0].cells.items()}
        assert feb_cells == {"plan": 200, "hygiene": 300, "party": 200, "activity": 0, "records": 0}
        totals = dict(s.execute(text("SELECT month, earned_cent FROM month_result WHERE org_id = :o"), {"o": org}).all())
    assert totals == {"2026-01": 700, "2026-02": 700}
    assert audit_rows(db, "checklist_version")[-1][:2] == ("王主任", "items")
    with db.reading() as c:
        hist = service.history(c, centre.id)
    assert hist[0].field == "checklist" and hist[0].effective_month == "2026-02" and "hygiene 卫生清洁 3" in hist[0].new


def test_a_checklist_that_does_not_sum_to_10_is_refused_with_its_rows(db, centre) -> None:
    drafts = [DraftItem("plan", "工作计划", "", "2"), DraftItem("plan", "", "", "2.3"),
              DraftItem("", "", "", ""), DraftItem("x y", "甲", "", "5")]
    with pytest.raises(service.SettingsRefused) as exc:
        service.save_checklist_version(db, centre.id, "2026-04", drafts, "王主任")
    assert {k: e.key for k, e in exc.value.errors.items()} == {
        (1, "code"): "settings.bad.code_duplicate", (1, "name"): "settings.bad.name_missing",
        (1, "max"): "settings.bad.item_step", (3, "code"): "settings.bad.code_chars"}
    with pytest.raises(service.SettingsRefused) as exc:
        service.save_checklist_version(db, centre.id, "2026-04", [DraftItem("plan", "工作计划", "", "9.5")], "王主任")
    assert str(exc.value.errors["total"]) == "各项满分合计为 9.5 分，须为 10 分"
    with db.reading() as c:
        assert c.execute(text("SELECT COUNT(*) FROM checklist_version")).scalar() == 1


# ---------------------------------------------------------------- imports


def write(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_text(content, encoding=encoding)
    return path


def test_import_checklist_writes_a_version_audited_as_a_batch(capsys, db, centre, db_path, tmp_path) -> None:
    rows = "\n".join(f"{c},{n},{e},{m},2027年1月" for c, n, e, m in HYGIENE_3)
    f = write(tmp_path / "细则.csv", "2027年考评细则\n代码,名称,英文名称,满分,生效月份\n" + rows + "\n", "gb18030")
    rc, out, err = run_cli(capsys, "import", "checklist", str(f), "--db", str(db_path))
    assert rc == 0, err
    assert "新版考评细则 5 项" in out
    data = settings_json(capsys, db_path, "--as-of", "2027-01", "--lang", "en")
    assert [(i["code"], i["name_en"], i["max"]) for i in data["checklist"]][1] == ("hygiene", "Hygiene", 3)
    with db.reading() as c:
        batch = c.execute(text("SELECT id, kind, filename, added FROM import_batch")).one()
    assert batch[1:] == ("checklist", "细则.csv", 5)
    assert audit_rows(db, "checklist_version")[-1][4] == batch[0]
    rc, out, _ = run_cli(capsys, "import", "checklist", str(f), "--db", str(db_path))  # the same file again
    assert rc == 0 and "未作任何修改" in out
    with db.reading() as c:
        assert c.execute(text("SELECT COUNT(*) FROM import_batch")).scalar() == 1


def test_import_checklist_errors_name_line_and_column_and_write_nothing(capsys, db, centre, db_path, tmp_path) -> None:
    f = write(tmp_path / "bad.csv", "code,name,max,effective\nplan,工作计划,2,2027-01\nplan,卫生,x,2027-02\n"
                                    "safety,安全,1.3,2027-01\n")
    rc, _, err = run_cli(capsys, "import", "checklist", str(f), "--db", str(db_path))
    assert rc == 1
    assert "第3行“effective”列（D列）：生效月份“2027-02”与第 2 行的“2027-01”不同（每行须相同）" in err
    assert "第3行“code”列（A列）：代码“plan”与第 2 行重复" in err
    assert "第3行“max”列（C列）：“x”不是数字" in err
    assert "第4行“max”列（C列）：满分“1.3”须为 0.5 分的整数倍" in err
    f = write(tmp_path / "nine.csv", "code,name,max,effective\nplan,工作计划,9,2027-01\n")
    rc, _, err = run_cli(capsys, "import", "checklist", str(f), "--db", str(db_path))
    assert rc == 1 and "各项满分合计为 9 分，须为 10 分" in err
    with db.reading() as c:
        assert c.execute(text("SELECT COUNT(*) FROM checklist_version")).scalar() == 1
        assert c.execute(text("SELECT COUNT(*) FROM import_batch")).scalar() == 0


def test_import_holidays_replaces_the_years_in_the_file(capsys, db, centre, db_path, tmp_path) -> None:
    service.save_year_calendar(db, centre.id, 2025, "2025-10-01", "", "王主任")
    service.save_year_calendar(db, centre.id, 2026, "2026-05-01 2026-05-04", "", "王主任")
    f = write(tmp_path / "假日.csv", "日期,类型,名称\n2026-10-01,节假日,国庆\n2026/10/10,调休上班,国庆\n"
                                     "2027年1月1日,holiday,元旦\n")
    rc, out, err = run_cli(capsys, "import", "holidays", str(f), "--db", str(db_path))
    assert rc == 0, err
    data = settings_json(capsys, db_path)
    assert data["holidays"] == {"2025": ["2025-10-01"], "2026": ["2026-10-01"], "2027": ["2027-01-01"]}
    assert data["makeup_days"] == {"2026": ["2026-10-10"]}
    with db.reading() as c:
        batch_id = c.execute(text("SELECT id FROM import_batch WHERE kind = 'holidays'")).scalar_one()
    assert ("", "holidays:2026", "2026-05-01 2026-05-04", "2026-10-01", batch_id) in [
        ("",) + r[1:] for r in audit_rows(db, "setting")]
    bad = write(tmp_path / "bad.csv", "date,kind\n2027-01-04,workday\n2027-01-05,rest day\n2027-01-04,holiday\n"
                                      "2027-02-30,holiday\n")
    rc, _, err = run_cli(capsys, "import", "holidays", str(bad), "--db", str(db_path))
    assert rc == 1
    assert "第3行“kind”列（B列）" in err and "第4行“date”列（A列）：2027-01-04 与第 2 行重复" in err
    assert "第2行“date”列（A列）：2027-01-04 是工作日" in err and "第5行“date”列（A列）" in err
    assert settings_json(capsys, db_path)["holidays"]["2027"] == ["2027-01-01"]


def test_import_checklist_from_xlsx(capsys, db, centre, db_path, tmp_path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["代码", "名称", "满分", "生效月份"])
    for code, name, _en, mx in HYGIENE_3:
        ws.append([code, name, float(mx), date(2027, 3, 1)])
    wb.save(tmp_path / "c.xlsx")
    rc, _, err = run_cli(capsys, "import", "checklist", str(tmp_path / "c.xlsx"), "--db", str(db_path))
    assert rc == 0, err
    assert settings_json(capsys, db_path, "--as-of", "2027-03")["checklist_effective"] == "2027-03"


def test_default_items_keep_their_english_names(db, centre) -> None:
    with db.session() as s:
        assert [i.code for i in Checklists(s, centre.id).items_for("2026-01")][:2] == ["plan", "hygiene"]
    with db.reading() as c:
        names = [i.name_en for i in service.checklist_versions(c, centre.id)[0].items]
    assert names[:2] == ["Work plan", "Hygiene"]


def test_upgrade_to_0004_names_the_default_items_in_english(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from incubator_tui.db import open_database

    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(service.__file__).parent.parent / "migrations"))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.commit()
        conn.exec_driver_sql("INSERT INTO centre (id, name, category, address, contact, phone, rules_title, "
                             "notice_prefix, created_at, updated_at) VALUES ('c1', '雪宫', 'community', '', '', '', "
                             "'', '', '2026-01-01', '2026-01-01')")
        conn.exec_driver_sql("INSERT INTO checklist_version (id, centre_id, number, effective_month, created_at) "
                             "VALUES ('v1', 'c1', 1, '2000-01', '2026-01-01')")
        for i, (code, name, mx) in enumerate([("plan", "工作计划", 500), ("hygiene", "环境卫生", 500)]):
            conn.exec_driver_sql("INSERT INTO checklist_item (id, version_id, code, name, description, max_cent, "
                                 f"position) VALUES ('i{i}', 'v1', '{code}', '{name}', '', {mx}, {i})")
        conn.commit()
    engine.dispose()
    db = open_database(path)
    with db.reading() as c:
        assert [(i.code, i.name_en) for i in service.checklist_versions(c, "c1")[0].items] == [
            ("plan", "Work plan"), ("hygiene", "")]  # a renamed item is not the default one
        assert c.execute(text("SELECT name_en FROM checklist_item ORDER BY position")).scalars().all() == ["Work plan", ""]
    db.dispose()


def test_preview_of_weights_counts_live_ratings_only(db, centre) -> None:
    from incubator_tui.services.reviews import finalise_year, set_review_input

    orgs = [make_org(db, centre, n, date(2024, 1, 1)) for n in ("晨光公益服务社", "稷下青年书画社")]
    for org in orgs:
        for m in range(1, 7):
            score_month(db, centre, org, f"2025-{m:02d}", "8")
    with db.session() as s:
        # party 95, monthly 80, self 95, public 95, peer weight 0: composite 87.5 (4 stars), 90.5 with monthly 0
        for org in orgs:
            set_review_input(s, org, 2025, "王主任", party_cent=9500, self_cent=9500, public_cent=9500)
    weights = {"party": 30, "monthly": 30, "self": 10, "peer": 0, "public": 15}
    service.save_settings(db, centre.id, {"weights": weights}, "2025-01", "王主任")
    lines = service.preview_settings(db, centre.id, {"weights": {**weights, "monthly": 0}}, "2025-01").lines
    assert "2025 年度（未定级）：2 个组织的星级将改变" in lines
    with db.session() as s:
        finalise_year(s, centre.id, 2025, "王主任")
    lines = service.preview_settings(db, centre.id, {"weights": {**weights, "monthly": 0}}, "2025-01").lines
    assert not any("未定级" in line for line in lines) and lines[-1] == "已定级的年度评星不变"
