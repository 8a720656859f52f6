"""Values no centre can have (issue 7, point 9): future months and entry dates, names with
control or format characters, names that differ only by invisible characters; and `flags`
never reports as of a month after the current one."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select, text

from incubator_tui.cli import main
from incubator_tui.errors import UserError
from incubator_tui.i18n import t
from incubator_tui.models import Organisation, PeerRating, Score
from incubator_tui.services.centres import Checklists
from incubator_tui.services.imports import ImportFileError, import_orgs, import_reviews, import_scores
from incubator_tui.services.orgs import add_org, update_org
from incubator_tui.services.scoring import Cell, save_cells

from tests.helpers import make_org, score_month
from tests.test_imports import snapshot, write_csv, write_xlsx

TODAY = "2026-11-05"


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", TODAY)


def org_names(db) -> list[str]:
    with db.session() as s:
        return sorted(s.execute(select(Organisation.name)).scalars())


# ---------------------------------------------------------------- the future


def test_a_score_month_after_the_current_month_is_refused_with_line_and_column(db, centre, tmp_path):
    make_org(db, centre, "晨光公益服务社")
    before = snapshot(db)
    path = write_csv(tmp_path / "s.csv", [["名称", "月份", "plan"], ["晨光公益服务社", "2026-11", "2"],
                                          ["晨光公益服务社", "2026-12", "2"], ["晨光公益服务社", "2031/1", "1"]])
    with pytest.raises(ImportFileError) as exc:
        import_scores(db, path, None, "me")
    assert [(p.line, p.letter, p.key) for p in exc.value.problems] == [
        (3, "B", "rules.month_future"), (4, "B", "rules.month_future")]
    assert str(exc.value.problems[0]) == t("import.at_cell", line=3, column="月份", letter="B",
                                           what=t("rules.month_future", month="2026-12", current="2026-11"))
    assert snapshot(db) == before


def test_the_grid_save_service_refuses_a_future_month(db, centre):
    org = make_org(db, centre, "晨光公益服务社")
    with db.session() as s:
        item = Checklists(s, centre.id).items_for("2026-11")[0]
    with db.session() as s:  # the current month is fine
        save_cells(s, centre.id, org, "2026-11", {item.id: Cell(100)}, "me")
    for kwargs in ({}, {"reason_only": True}):
        with pytest.raises(UserError) as exc, db.session() as s:
            save_cells(s, centre.id, org, "2026-12", {item.id: Cell(100, reason="x")}, "me", **kwargs)
        assert exc.value.key == "rules.month_future" and exc.value.params == {"month": "2026-12",
                                                                               "current": "2026-11"}
    with db.session() as s:
        assert s.execute(select(Score.month)).scalars().all() == ["2026-11"]


def test_an_entry_date_after_today_is_refused_in_an_import(db, tmp_path):
    path = write_xlsx(tmp_path / "orgs.xlsx", [["名称", "类别", "入驻日期"], ["晨光", "社区服务", "2026-11-05"],
                                               ["稷下", "社区服务", date(2026, 11, 6)]])
    with pytest.raises(ImportFileError) as exc:
        import_orgs(db, path, None, "me")
    assert [(p.line, p.letter) for p in exc.value.problems] == [(3, "C")]
    assert exc.value.problems[0].params == {"date": "2026-11-06", "today": "2026-11-05"}
    assert org_names(db) == []


# ---------------------------------------------------------------- names


def test_an_import_with_a_bom_or_invisible_characters_updates_the_org_instead_of_a_twin(db, centre, tmp_path):
    make_org(db, centre, "晨光公益服务社")
    make_org(db, centre, "Café 社")  # composed é
    path = tmp_path / "orgs.csv"
    # A BOM on the first name (as a second file pasted in front leaves), zero-width and
    # full-width spaces around the second, a decomposed é in the third.
    path.write_text("名称,联系电话\n\ufeff晨光公益服务社,13800000001\n\u200b\u3000Cafe\u0301 社 \u200d,13800000002\n",
                    encoding="utf-8")
    report = import_orgs(db, path, None, "me")
    assert (report.added, report.changed) == (0, 2)
    assert org_names(db) == ["Café 社", "晨光公益服务社"]
    scores = write_csv(tmp_path / "s.csv", [["名称", "月份", "plan"], ["\ufeff晨光公益服务社\u2060", "2026-10", "2"]])
    assert import_scores(db, scores, None, "me").added == 1


@pytest.mark.parametrize("bad, code", [
    ("晨光\u202e社务服益公", "U+202E"),  # right-to-left override: the name would read backwards
    ("晨光\u2066社", "U+2066"),  # left-to-right isolate
    ("晨光\u200b公益", "U+200B"),  # zero-width space inside
    ("晨光\u0085公益", "U+0085"),  # C1 next line
    ("晨光\u00ad公益", "U+00AD"),  # soft hyphen
    ("晨光\u2028公益", "U+2028"),  # line separator
])
def test_names_with_control_or_format_characters_are_refused_with_line_and_column(db, centre, tmp_path, bad, code):
    make_org(db, centre, "晨光公益服务社")
    before = snapshot(db)
    orgs = write_xlsx(tmp_path / "o.xlsx", [["名称", "类别", "入驻日期"], [bad, "社区服务", "2025-01-01"]])
    with pytest.raises(ImportFileError) as exc:
        import_orgs(db, orgs, None, "me")
    problem = exc.value.problems[0]
    assert (problem.line, problem.letter, problem.key, problem.params["code"]) == (2, "A", "rules.name_control", code)
    reviews = write_xlsx(tmp_path / "r.xlsx", [["名称", "年度", "互评"], ["晨光公益服务社", 2025, f"{bad}:80"]])
    with pytest.raises(ImportFileError) as exc:
        import_reviews(db, reviews, None, "me")
    assert (exc.value.problems[0].letter, exc.value.problems[0].key) == ("C", "rules.name_control")
    assert snapshot(db) == before


def test_the_org_service_normalises_names_and_refuses_control_characters(db, centre):
    with db.session() as s:
        org, _ = add_org(s, centre.id, {"name": " \ufeff晨光公益服务社\u200b ", "category": "community",
                                        "entry_date": date(2025, 1, 1)}, "me")
        org_id = org.id
    assert org_names(db) == ["晨光公益服务社"]
    with pytest.raises(UserError) as exc, db.session() as s:  # the same name again is the same org
        add_org(s, centre.id, {"name": "晨光公益服务社\ufeff", "category": "community",
                               "entry_date": date(2025, 1, 1)}, "me")
    assert exc.value.key == "org.duplicate_name"
    for bad in ("晨光\x07", "晨光\u202e社", "\x1b[31m晨光"):
        with pytest.raises(UserError) as exc, db.session() as s:
            add_org(s, centre.id, {"name": bad, "category": "community", "entry_date": date(2025, 1, 1)}, "me")
        assert exc.value.key == "rules.name_control"
        with pytest.raises(UserError) as exc, db.session() as s:
            update_org(s, org_id, {"name": bad}, "me")
        assert exc.value.key == "rules.name_control"
    assert org_names(db) == ["晨光公益服务社"]


def test_a_peer_rater_named_with_a_bom_is_the_org(db, centre, tmp_path, monkeypatch):
    a = make_org(db, centre, "晨光公益服务社")
    make_org(db, centre, "稷下青年书画社")
    path = write_csv(tmp_path / "r.csv", [["名称", "年度", "互评"], ["稷下青年书画社", "2025", "\ufeff晨光公益服务社 :88"]])
    assert import_reviews(db, path, None, "me").added == 1
    with db.session() as s:
        assert s.execute(select(PeerRating.rater_org_id, PeerRating.value_cent)).all() == [(a, 8800)]


# ---------------------------------------------------------------- flags


def test_flags_without_as_of_never_reports_after_the_current_month(db, centre, db_path, capsys):
    org = make_org(db, centre, "晨光公益服务社")
    for month in ("2026-07", "2026-08", "2026-09", "2026-10"):
        score_month(db, centre, org, month, "5")
    # A score dated in the future, as an older version or another program could have stored it (its month
    # results written as every writer of scores writes them: what the latest scored month is read from, 0007).
    from incubator_tui.services.monthly import refresh_results

    with db.session() as s:
        s.execute(text("UPDATE score SET month = '2027-03' WHERE month = '2026-07' AND item_id = "
                       "(SELECT MIN(item_id) FROM score)"))
        refresh_results(s, [org])
    from incubator_tui.services.flags import latest_scored_month

    with db.session() as s:
        assert latest_scored_month(s, centre.id) == "2027-03"  # the future month is in the data
    assert main(["flags", "--db", str(db_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(f["org"], f["as_of"]) for f in out] == [("晨光公益服务社", "2026-11")]  # not as of 2027-03
    assert main(["flags", "--db", str(db_path), "--json", "--as-of", "2026-10"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["as_of"] == "2026-10"
