"""Opening databases: creation, refusal of what is not ours, locks, migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from incubator_tui.db import HEAD, SCHEMA_REVISIONS, open_database
from incubator_tui.errors import DatabaseError
from incubator_tui.i18n import set_language


def test_new_database_is_wal_with_foreign_keys_at_head(db_path: Path) -> None:
    db = open_database(db_path, create=True)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
    db.dispose()


def test_missing_database_is_not_created_without_create(tmp_path: Path) -> None:
    path = tmp_path / "nothing.sqlite"
    with pytest.raises(DatabaseError) as err:
        open_database(path)
    assert err.value.key == "db.missing"
    assert not path.exists()


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "x.sqlite"
    with pytest.raises(DatabaseError) as err:
        open_database(path, create=True)
    assert err.value.key == "db.folder_missing"
    assert not path.parent.exists()


def test_text_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"name,score\nx,1\n")
    with pytest.raises(DatabaseError) as err:
        open_database(path, create=True)
    assert err.value.key == "db.not_sqlite"
    assert path.read_bytes() == b"name,score\nx,1\n"
    set_language("en")
    assert "not a SQLite database" in str(err.value)


def test_foreign_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO customers VALUES (1, 'x')")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError) as err:
        open_database(path, create=True)
    assert err.value.key == "db.foreign"
    assert path.read_bytes() == before


def test_truncated_database_is_refused(db_path: Path, tmp_path: Path) -> None:
    open_database(db_path, create=True).dispose()
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(db_path.read_bytes()[:1500])
    before = cut.read_bytes()
    with pytest.raises(DatabaseError) as err:
        open_database(cut)
    assert err.value.key in ("db.corrupt", "db.foreign")
    assert cut.read_bytes() == before


def test_newer_schema_is_refused_untouched(db_path: Path) -> None:
    open_database(db_path, create=True).dispose()
    con = sqlite3.connect(db_path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    before = db_path.read_bytes()
    with pytest.raises(DatabaseError) as err:
        open_database(db_path)
    assert err.value.key == "db.newer_schema"
    assert db_path.read_bytes() == before


def test_locked_database_gives_a_clear_error(db, centre) -> None:
    from incubator_tui.services.centres import set_setting

    blocker = sqlite3.connect(db.path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseError) as err:
            with db.session() as s:
                set_setting(s, centre.id, "threshold", "2026-01", "6", "tester")
        assert err.value.key == "db.locked"
    finally:
        blocker.rollback()
        blocker.close()
    with db.session() as s:  # nothing half-written: the setting is absent
        from incubator_tui.services.centres import setting_entries

        assert setting_entries(s, centre.id) == []


def _alembic_config():
    from alembic.config import Config

    import incubator_tui.db as dbmod

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(dbmod.__file__).parent / "migrations"))
    return cfg


# Data written with each released schema, in that schema's own SQL, so the test
# keeps checking old databases after the models move on.
RELEASED_DATA = {
    "0001": [
        "INSERT INTO centre (id, name, category, address, contact, phone, rules_title, created_at, updated_at) "
        "VALUES ('c1', '雪宫中心', 'community', '', '', '', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO checklist_version (id, centre_id, number, effective_month, created_at) "
        "VALUES ('v1', 'c1', 1, '2000-01', '2026-01-01 00:00:00')",
        "INSERT INTO checklist_item (id, version_id, code, name, description, max_cent, position) "
        "VALUES ('i1', 'v1', 'plan', '工作计划', '', 200, 0)",
        "INSERT INTO organisation (id, centre_id, name, category, legal_form, credit_code, credit_code_warning, "
        "filing_no, contact, phone, party_form, entry_date, agreement_no, deposit_cent, room, fee_relief, status, "
        "evidence, note, pinyin, initials, created_at, updated_at) VALUES ('o1', 'c1', '晨光公益服务社', 'charity', "
        "'startup', NULL, 0, '', '', '', 'none', '2025-01-01', '', 0, '', 'none', 'incubating', '[]', '', "
        "'chen guang', 'cg', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO score (id, org_id, month, item_id, value_cent, na, reason, created_at, updated_at) "
        "VALUES ('s1', 'o1', '2026-01', 'i1', 150, 0, '计划迟交', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO audit (id, at, operator, table_name, row_id, field, old, new) "
        "VALUES ('a1', '2026-01-01 00:00:00', 'x', 'score', 's1', 'value', NULL, '1.5')",
    ],
}


# 0003 (#9): items ticked off, notice details. 0001's rows still insert (the new columns have defaults).
RELEASED_DATA.setdefault("0002", RELEASED_DATA["0001"])  # 0002 (#7) changed no table
RELEASED_DATA["0003"] = [
    *RELEASED_DATA["0001"],
    "UPDATE centre SET notice_prefix = '雪宫孵' WHERE id = 'c1'",
    "UPDATE organisation SET legal_rep = '陈晨' WHERE id = 'o1'",
    "INSERT INTO org_case (id, centre_id, org_id, kind, state, opened_on, opened_at, reason, months, totals, "
    "interview_place, interviewers, attendees, problems, commitments, review_findings, updated_at) VALUES ('k1', "
    "'c1', 'o1', 'monthly', 'rectifying', '2026-04-01', '2026-04-01 00:00:00', '', '[]', '[]', '', '', '', '', "
    "'', '', '2026-04-01 00:00:00')",
    "INSERT INTO rectification_item (id, case_id, description, owner, deadline, original_deadline, position, "
    "done_on, evidence, created_at, updated_at) VALUES ('r1', 'k1', '补齐台账', '陈晨', '2026-05-01', "
    "'2026-05-01', 0, '2026-04-20', '已补齐台账', '2026-04-01 00:00:00', '2026-04-01 00:00:00')",
]

# 0004 (#12): checklist items' English names (tests/test_settings.py checks the upgrade fills the defaults').
RELEASED_DATA["0004"] = [
    *RELEASED_DATA["0003"],
    "UPDATE checklist_item SET name_en = 'Work plan' WHERE id = 'i1'",
]

# 0005 (#11): the exchange log (an export's sequence number; tests/test_export_sqlite.py checks it carries on).
RELEASED_DATA["0005"] = [
    *RELEASED_DATA["0004"],
    "INSERT INTO exchange_log (id, centre_id, kind, sequence, exported_at, at, operator, file, checksum, redacted, "
    "summary) VALUES ('x1', 'c1', 'export', 3, '2026-04-01 00:00:00', '2026-04-01 00:00:00', '', 'c1.sqlite', '', 0, "
    "'{}')",
]

# 0006 (#10): a finalised rating's publicity period and requests for review (tests/test_finalise.py checks a
# rating finalised before it keeps its stars and gets a publicity period counted from its date).
RELEASED_DATA["0006"] = [
    *RELEASED_DATA["0005"],
    "INSERT INTO rating (id, org_id, year, composite, stars, original_stars, priority, inputs, finalised_at, "
    "finalised_by, publicity_until) VALUES ('g1', 'o1', 2025, '87', 4, 4, 0, '{}', '2026-01-10 00:00:00', 'x', "
    "'2026-01-16')",
    "INSERT INTO rating_request (id, rating_id, received_on, text, recorded_at, recorded_by, decision, "
    "decision_reason, decided_by) VALUES ('q1', 'g1', '2026-01-12', '申请复核', '2026-01-12 00:00:00', 'x', '', '', '')",
]

# 0007 (#11) dropped the score table's covering index and changed no table: 0006's rows (0.2.0 released 0006).
RELEASED_DATA.setdefault("0007", RELEASED_DATA["0006"])
# 0008 (#11): the keys of score and month_result made unique indexes (tables rebuilt), the audit's imports indexed.
RELEASED_DATA.setdefault("0008", RELEASED_DATA["0007"])


def _rows(conn, tables: dict[str, list[str]]) -> dict[str, list[tuple]]:  # noqa: ANN001
    """Every row of these tables, read through these columns only, in a stable order."""
    out = {}
    for table, cols in tables.items():
        names = ", ".join(f'"{c}"' for c in cols)
        out[table] = sorted(tuple(map(str, r)) for r in conn.exec_driver_sql(f'SELECT {names} FROM "{table}"'))
    return out


def _schema_differences(conn) -> list:  # noqa: ANN001
    """What the models (SQLModel.metadata) declare that the database does not have, or the reverse."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import incubator_tui.models  # noqa: F401 (registers every table)

    return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)


def _database_at(path: Path, revision: str, *more: str) -> None:
    """A database at ``revision`` with that schema's released data and ``more`` statements, closed."""
    from alembic import command
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    cfg = _alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        for sql in (*RELEASED_DATA[revision], *more):
            conn.exec_driver_sql(sql)
        conn.commit()
    engine.dispose()


@pytest.mark.parametrize("revision", SCHEMA_REVISIONS)
def test_upgrade_from_every_released_schema_keeps_the_data(tmp_path: Path, revision: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    path = tmp_path / f"old-{revision}.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    cfg = _alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
        for sql in RELEASED_DATA[revision]:
            conn.exec_driver_sql(sql)
        conn.commit()
        tables = {t: [r[1] for r in conn.exec_driver_sql(f'PRAGMA table_info("{t}")')] for (t,) in
                  conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT IN ('alembic_version') AND name NOT LIKE 'sqlite_%'")}
        before = _rows(conn, tables)
    engine.dispose()
    # The rows are really there: one per INSERT of that schema's data.
    assert sum(map(len, before.values())) == sum(sql.startswith("INSERT") for sql in RELEASED_DATA[revision])

    db = open_database(path)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
        assert conn.exec_driver_sql("SELECT name FROM organisation WHERE id = 'o1'").scalar() == "晨光公益服务社"
        assert conn.exec_driver_sql("SELECT value_cent, reason FROM score WHERE id = 's1'").one() == (150, "计划迟交")
        assert conn.exec_driver_sql("SELECT new FROM audit WHERE id = 'a1'").scalar() == "1.5"
        assert _rows(conn, tables) == before  # every row of every table, each column it had, as it was
        # What the upgrade made is exactly what the models declare (0007: no covering index on score).
        assert _schema_differences(conn) == []
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_score_org_month'"
                                    ).scalar() == 0
    db.dispose()


def test_a_new_database_has_the_models_schema(db_path: Path) -> None:
    """Migrations and models say the same thing: a model changed without its migration (or the reverse)
    fails here, not on a centre's upgraded database."""
    db = open_database(db_path, create=True)
    with db.engine.connect() as conn:
        assert _schema_differences(conn) == []
        indexes = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE tbl_name = 'score' "
                                                      "AND type = 'index'")}
    db.dispose()
    # Only the two keys, each a unique index of its own (0008; no covering index since 0007).
    assert indexes == {"uq_score_id", "uq_score_org_month_item"}


def test_the_exchange_finds_each_tables_key(db_path: Path) -> None:
    """The merge counts and compares rows by their key: the primary key, or since 0008 the unique
    index that is the key (score: id, not its other unique key; month_result: org and month)."""
    from incubator_tui.services.exchange import columns_of

    open_database(db_path, create=True).dispose()
    con = sqlite3.connect(db_path)
    try:
        assert columns_of(con, "score")[1] == ["id"]
        assert columns_of(con, "month_result")[1] == ["org_id", "month"]
        assert columns_of(con, "organisation")[1] == ["id"]
        assert columns_of(con, "alembic_version")[1] == ["version_num"]
    finally:
        con.close()


@pytest.mark.parametrize("revision", ["0001", "0007"])
def test_0008_keeps_the_keys_of_score_and_month_result_unique(tmp_path: Path, revision: str) -> None:
    """The keys are indexes now, not constraints, and still refuse a second row with the same id
    or the same (org, month, item), or a second month result, on an upgraded database as on a new one."""
    path = tmp_path / "keys.sqlite"
    _database_at(path, revision)
    open_database(path).dispose()
    con = sqlite3.connect(path)
    try:
        insert = ("INSERT INTO score (id, org_id, month, item_id, value_cent, na, reason, created_at, updated_at) "
                  "VALUES (?, 'o1', ?, 'i1', 100, 0, '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
        with pytest.raises(sqlite3.IntegrityError, match="score.id"):
            con.execute(insert, ("s1", "2026-02"))
        with pytest.raises(sqlite3.IntegrityError, match="score.org_id, score.month, score.item_id"):
            con.execute(insert, ("s2", "2026-01"))
        con.execute(insert, ("s2", "2026-02"))  # a new id in a new month is a new row
        assert con.execute("SELECT COUNT(*) FROM score").fetchone()[0] == 2
        # The keys answer the look-ups (SQLite would otherwise read every row).
        plan = " ".join(r[3] for r in con.execute("EXPLAIN QUERY PLAN SELECT * FROM score WHERE id = 's1'"))
        assert "uq_score_id" in plan
        plan = " ".join(r[3] for r in con.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM score WHERE org_id = 'o1' AND month = '2026-01'"))
        assert "uq_score_org_month_item" in plan
        # month_result's key (org_id, month) likewise (0008).
        result = ("INSERT INTO month_result (org_id, month, earned_cent, max_cent, scored, na_count) "
                  "VALUES ('o1', ?, 150, 200, 1, 0)")
        con.execute(result, ("2026-03",))
        with pytest.raises(sqlite3.IntegrityError, match="month_result.org_id, month_result.month"):
            con.execute(result, ("2026-03",))
        plan = " ".join(r[3] for r in con.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM month_result WHERE org_id = 'o1' AND month = '2026-03'"))
        assert "uq_month_result_org_month" in plan
        plan = " ".join(r[3] for r in con.execute("EXPLAIN QUERY PLAN SELECT rowid FROM audit WHERE batch_id IN "
                                                  "(SELECT id FROM import_batch WHERE centre_id = 'c1')"))
        assert "ix_audit_batch" in plan
    finally:
        con.close()


@pytest.mark.parametrize(("before", "after"), [("0006", "0007"), ("0007", "0008")])
def test_a_downgrade_gives_the_schema_before_back_and_keeps_the_rows(tmp_path: Path, before: str, after: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    path = tmp_path / "round.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    cfg = _alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, before)
        for sql in RELEASED_DATA[before]:
            conn.exec_driver_sql(sql)
        schema_before = sorted(conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master").all())
        rows_before = conn.exec_driver_sql("SELECT * FROM score ORDER BY id").all()
        command.upgrade(cfg, after)
        assert conn.exec_driver_sql("SELECT * FROM score ORDER BY id").all() == rows_before
        command.downgrade(cfg, before)
        assert sorted(conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master").all()) == schema_before
        assert conn.exec_driver_sql("SELECT * FROM score ORDER BY id").all() == rows_before
        command.upgrade(cfg, "head")
        assert _schema_differences(conn) == []
        conn.commit()
    engine.dispose()


def test_every_released_revision_has_upgrade_data() -> None:
    assert set(RELEASED_DATA) == set(SCHEMA_REVISIONS)


def test_backup_copies_a_consistent_database(db, centre, tmp_path: Path) -> None:
    out = tmp_path / "copy.sqlite"
    db.backup_to(out)
    con = sqlite3.connect(out)
    assert con.execute("SELECT name FROM centre").fetchone() == ("测试孵化中心",)
    con.close()


def test_daily_backup_once_a_day_with_rotation(db, centre, tmp_path: Path) -> None:
    from datetime import date, timedelta

    from incubator_tui.services.backup import daily_backup

    folder = tmp_path / "backups"
    first = daily_backup(db, folder, date(2026, 11, 1), keep=3)
    assert first is not None and first.name == "test-2026-11-01.sqlite"
    assert daily_backup(db, folder, date(2026, 11, 1), keep=3) is None  # once a day
    for i in range(1, 5):
        daily_backup(db, folder, date(2026, 11, 1) + timedelta(days=i), keep=3)
    names = sorted(p.name for p in folder.iterdir())
    # The newest 3 days, and 1 November kept as the month's first copy (the monthly: #11).
    assert names == ["test-2026-11-01.sqlite", "test-2026-11-03.sqlite", "test-2026-11-04.sqlite",
                     "test-2026-11-05.sqlite"]
    con = sqlite3.connect(folder / names[-1])
    assert con.execute("SELECT name FROM centre").fetchone() == ("测试孵化中心",)
    con.close()


def test_an_upgrade_that_rebuilds_a_table_gives_its_old_pages_back(tmp_path: Path) -> None:
    """0008 rebuilds score: the old table's pages are not left free inside the file (every backup
    would copy them); the rows are all there."""
    path = tmp_path / "big-0007.sqlite"
    _database_at(path, "0007",
                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) "
                 "INSERT INTO score (id, org_id, month, item_id, value_cent, na, reason, created_at, updated_at) "
                 "SELECT printf('s%05d', i), 'o1', printf('%04d-02', i), 'i1', 100, 0, '材料齐全，按时提交', "
                 "'2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM n")
    open_database(path).dispose()
    con = sqlite3.connect(path)
    try:
        free, pages = (con.execute(f"PRAGMA {name}").fetchone()[0] for name in ("freelist_count", "page_count"))
        assert pages > 100 and free < pages * 0.05, (free, pages)
        assert con.execute("SELECT COUNT(*) FROM score").fetchone()[0] == 4001
    finally:
        con.close()
