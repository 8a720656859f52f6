"""A full disk: the user is told, and nothing already saved changes.

The disk is made "full" with SQLite's own limit (``PRAGMA max_page_count`` at the
file's current size): any write that needs one more page fails with SQLite's
real SQLITE_FULL ("database or disk is full"), as on a full disk.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event

from incubator_tui import db as db_module
from incubator_tui.cli import main
from incubator_tui.errors import DatabaseError
from incubator_tui.services.orgs import add_org
from tests.helpers import make_org, score_month


def cap_at_current_size(engine) -> None:
    """Every new connection of ``engine`` may not grow the file by a single page."""
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _cap(dbapi_conn, _record) -> None:  # noqa: ANN001
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")


def counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("organisation", "score", "month_result", "audit", "import_batch")}
    finally:
        con.close()


def test_a_write_on_a_full_disk_says_so_and_changes_nothing(db, centre):
    org = make_org(db, centre, "晨光公益服务社", date(2025, 1, 1))
    score_month(db, centre, org, "2026-09", "8.0")
    before = counts(db.path)
    cap_at_current_size(db.engine)
    with pytest.raises(DatabaseError) as err, db.session() as s:
        # One transaction that must grow the file: many organisations and their audit entries.
        for i in range(300):
            add_org(s, centre.id, {"name": f"新入驻社会组织{i:04d}", "category": "community",
                                   "entry_date": date(2026, 1, 1), "contact": "张三" * 10}, "tester")
    assert err.value.key == "db.disk_full"
    assert "磁盘已满" in str(err.value) and str(db.path) in str(err.value)
    assert counts(db.path) == before


def test_an_import_on_a_full_disk_exits_1_names_the_problem_and_writes_nothing(
        db, centre, db_path, tmp_path, monkeypatch, capsys):
    for i in range(3):
        make_org(db, centre, f"测试组织{i}", date(2025, 1, 1))
    db.dispose()
    before = counts(db_path)
    rows = ["名称,月份,工作计划,卫生清洁,党建工作,服务活动,制度台账,安全规范,备注"]
    rows += [f"测试组织{i},2026-{m:02d},2,2,2,2,1,1,{'台账齐全' * 10}" for i in range(3) for m in range(1, 11)]
    csv_file = tmp_path / "scores.csv"
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")

    make_engine = db_module._make_engine

    def capped_engine(path):
        engine = make_engine(path)
        cap_at_current_size(engine)
        return engine

    monkeypatch.setattr(db_module, "_make_engine", capped_engine)
    rc = main(["import", "scores", str(csv_file), "--db", str(db_path)])
    err = capsys.readouterr().err
    assert rc == 1
    assert "磁盘已满" in err and str(db_path) in err
    assert "Traceback" not in err
    assert counts(db_path) == before
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
