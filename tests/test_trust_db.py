"""The user's files (#7): only the app's databases are written, the user's path is never
deleted, files are private, damage and permissions get the right message, and the app
sees other processes' writes."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest

from incubator_tui import paths
from incubator_tui.db import APPLICATION_ID, HEAD, open_database
from incubator_tui.errors import DatabaseError
from tests.helpers import make_org
from tests.trust_helpers import TODAY, cli, fingerprint, sidecars, write_scores

ORG = "晨光公益服务社"


def header_ids(path: Path) -> tuple[int, int]:
    """(application_id, user_version) as the file's header holds them."""
    head = path.read_bytes()[:100]
    return int.from_bytes(head[68:72], "big"), int.from_bytes(head[60:64], "big")


@pytest.fixture
def scores_csv(tmp_path: Path) -> Path:
    """A valid score file that creates nothing but scores for an existing org."""
    return write_scores(tmp_path / "scores.csv", [(ORG, "2026-02", (2, 2, 2, 2, 1, 1))])


@pytest.fixture
def app_db(db, centre, db_path: Path) -> Path:
    """A database of the app with a centre and one organisation, closed."""
    make_org(db, centre, ORG, date(2025, 1, 1))
    db.dispose()
    return db_path


# ------------------------------------------------------------------ point 2: positive identification

def test_a_new_database_carries_the_application_id(db_path: Path) -> None:
    open_database(db_path, create=True).dispose()
    assert APPLICATION_ID == 0x49434254 == int.from_bytes(b"ICBT", "big")
    assert header_ids(db_path) == (APPLICATION_ID, 0)  # in the file itself, before any checkpoint


def test_a_0001_database_is_recognised_upgraded_and_marked(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from tests.test_db import RELEASED_DATA, _alembic_config

    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    cfg = _alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.commit()
        for sql in RELEASED_DATA["0001"]:
            conn.exec_driver_sql(sql)
        conn.commit()
    engine.dispose()
    assert header_ids(path) == (0, 0)  # what every database made before 0002 looks like

    db = open_database(path)
    with db.reading() as conn:
        assert conn.exec_driver_sql("PRAGMA application_id").scalar() == APPLICATION_ID
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
        assert conn.exec_driver_sql("SELECT name FROM organisation WHERE id = 'o1'").scalar() == ORG
    db.dispose()
    assert path.with_name(f"old.before-{HEAD}-from-0001.sqlite").exists()


def _foreign_empty(path: Path, wal: bool) -> None:
    """Another program's SQLite database with no table at all (a valid header)."""
    con = sqlite3.connect(path)
    if wal:
        con.execute("PRAGMA journal_mode = WAL")
    else:
        con.execute("CREATE TABLE t (x)")
        con.execute("DROP TABLE t")
    con.commit()
    con.close()
    assert path.stat().st_size > 0 and not sidecars(path)


COMMANDS = {
    "cases": lambda p, csv: ("cases", "--db", str(p)),
    "flags": lambda p, csv: ("flags", "--db", str(p)),
    "ratings": lambda p, csv: ("ratings", "--year", "2025", "--db", str(p)),
    "import": lambda p, csv: ("import", "scores", str(csv), "--db", str(p)),
    "demo": lambda p, csv: ("demo", "--orgs", "2", "--months", "2", "--db", str(p)),
    "app": lambda p, csv: ("--db", str(p), "--exit-when-ready"),
}


@pytest.mark.parametrize("wal", [False, True], ids=["rollback", "wal"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_another_programs_empty_database_is_refused_byte_for_byte(tmp_path, scores_csv, command, wal) -> None:
    path = tmp_path / "other.db"
    _foreign_empty(path, wal)
    before = fingerprint(path)
    proc = cli(*COMMANDS[command](path, scores_csv))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "another program's SQLite database" in proc.stderr and str(path) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert fingerprint(path) == before
    assert sidecars(path) == []


@pytest.mark.parametrize("kind", ["other_application_id", "user_version", "empty_alembic_version",
                                  "unknown_revision_without_id"])
def test_files_that_only_look_like_ours_are_refused_as_foreign(tmp_path, scores_csv, kind) -> None:
    path = tmp_path / "look-alike.db"
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);"
        "INSERT INTO alembic_version VALUES ('0001');"
        + "".join(f"CREATE TABLE {t} (id TEXT);" for t in ("centre", "organisation", "checklist_version",
                                                             "checklist_item", "score", "audit", "import_batch"))
    )
    if kind == "other_application_id":
        con.execute("PRAGMA application_id = 1234")
    elif kind == "user_version":
        con.execute("PRAGMA user_version = 7")
    elif kind == "empty_alembic_version":
        con.execute("DELETE FROM alembic_version")
    else:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    before = fingerprint(path)
    for args in (("cases", "--db", str(path)), ("import", "scores", str(scores_csv), "--db", str(path))):
        proc = cli(*args)
        assert proc.returncode == 1
        assert "another program's SQLite database" in proc.stderr, proc.stderr
        assert "already exists" not in proc.stderr
    assert fingerprint(path) == before and sidecars(path) == []


def test_only_create_commands_make_a_0_byte_file_a_database(tmp_path: Path, centre, db, scores_csv) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    for args in (("cases",), ("flags",), ("ratings", "--year", "2025")):
        proc = cli(*args, "--db", str(path))
        assert proc.returncode == 1 and "empty file" in proc.stderr and str(path) in proc.stderr
        assert path.stat().st_size == 0 and sidecars(path) == []
    proc = cli("demo", "--orgs", "2", "--months", "2", "--db", str(path))
    assert proc.returncode == 0, proc.stderr
    assert header_ids(path)[0] == APPLICATION_ID


# ------------------------------------------------------------------ point 3: the user's path is never deleted

def test_a_read_only_empty_file_is_refused_and_kept(tmp_path: Path, scores_csv) -> None:
    path = tmp_path / "readonly.sqlite"
    path.touch()
    path.chmod(0o444)
    proc = cli("import", "scores", str(scores_csv), "--db", str(path), restricted=True)
    assert proc.returncode == 1
    assert "read-only" in proc.stderr and str(path) in proc.stderr
    assert path.exists() and path.stat().st_size == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_device_is_never_opened_nor_removed(tmp_path: Path, scores_csv) -> None:
    # A private copy of /dev/null (same device numbers): what `--db /dev/null` reaches.
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    for args in (("import", "scores", str(scores_csv)), ("demo",), ("cases",)):
        proc = cli(*args, "--db", str(node))
        assert proc.returncode == 1 and "not a regular file" in proc.stderr, proc.stderr
        assert stat.S_ISCHR(node.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "scores.csv"]


def test_a_refused_import_into_a_new_path_leaves_no_file(tmp_path: Path) -> None:
    bad = write_scores(tmp_path / "bad.csv", [("没有这个组织", "2026-02", (2, 2, 2, 2, 1, 1))])
    path = tmp_path / "new.sqlite"
    (tmp_path / "new.sqlite.bak").write_bytes(b"the user's")  # not this run's to remove
    proc = cli("import", "scores", str(bad), "--db", str(path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert not path.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "new.sqlite.bak"]


def test_a_refused_import_into_an_empty_file_leaves_it_empty(tmp_path: Path) -> None:
    bad = write_scores(tmp_path / "bad.csv", [("没有这个组织", "2026-02", (2, 2, 2, 2, 1, 1))])
    path = tmp_path / "empty.sqlite"
    path.touch()
    proc = cli("import", "scores", str(bad), "--db", str(path))
    assert proc.returncode == 1
    assert path.exists() and path.stat().st_size == 0 and sidecars(path) == []


def test_a_database_that_existed_survives_a_refused_import(app_db: Path, tmp_path: Path) -> None:
    bad = write_scores(tmp_path / "bad.csv", [("没有这个组织", "2026-02", (2, 2, 2, 2, 1, 1))])
    proc = cli("import", "scores", str(bad), "--db", str(app_db))
    assert proc.returncode == 1
    assert app_db.exists() and header_ids(app_db)[0] == APPLICATION_ID


# ------------------------------------------------------------------ point 5: private files

def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_database_backups_exports_and_crash_log_are_private(tmp_path: Path, monkeypatch, umask) -> None:
    from incubator_tui.cli import _log_crash, main
    from incubator_tui.services.backup import daily_backup

    monkeypatch.delenv("INCUBATOR_TUI_DB")  # the default place: the app's own data folder
    old = os.umask(umask)
    try:
        assert main(["demo", "--orgs", "2", "--months", "2"]) == 0
        data = paths.data_dir()
        db_file = paths.default_db_path()
        assert _mode(data) == 0o700 and _mode(db_file) == 0o600
        db = open_database(db_file)
        with db.reading() as conn:  # while it is open, its -wal and -shm exist
            conn.exec_driver_sql("SELECT 1").scalar()
            assert {p.name[-4:]: _mode(p) for p in sidecars(db_file)} == {"-wal": 0o600, "-shm": 0o600}
        backup = daily_backup(db, paths.backup_dir(), date(2026, 3, 1))
        assert _mode(paths.backup_dir()) == 0o700 and _mode(backup) == 0o600
        export = tmp_path / "Documents" / "centre-2026-03.sqlite"
        db.backup_to(export)
        assert _mode(export) == 0o600 and _mode(export.parent) == 0o700
        db.dispose()
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log = Path(_log_crash())
        assert log.name == "crash.log" and _mode(log) == 0o600
    finally:
        os.umask(old)


def test_an_existing_database_of_ours_becomes_private(app_db: Path) -> None:
    app_db.chmod(0o644)
    open_database(app_db).dispose()
    assert _mode(app_db) == 0o600


def test_the_copy_before_a_migration_is_private(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from tests.test_db import _alembic_config

    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    cfg = _alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.commit()
    engine.dispose()
    old = os.umask(0)
    try:
        open_database(path).dispose()
    finally:
        os.umask(old)
    assert _mode(path.with_name(f"old.before-{HEAD}-from-0001.sqlite")) == 0o600


# ------------------------------------------------------------------ points 7 and 8: the right diagnosis

@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    proc = cli("demo", "--orgs", "12", "--months", "14", "--db", str(path))
    assert proc.returncode == 0, proc.stderr
    return path


def damage(source: Path, path: Path) -> Path:
    """A copy of ``source`` with half its pages after the first third overwritten with
    random bytes (fixed seed): the schema's pages (the first ones) are left whole."""
    import random

    import sqlite3

    con = sqlite3.connect(source)  # the schema's own pages, wherever a growing schema put them (#10: 0006)
    schema_pages = {p for (p,) in con.execute("SELECT pageno FROM dbstat WHERE name = 'sqlite_schema'")}
    con.close()
    data = bytearray(source.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    pages = len(data) // page
    rng = random.Random(7)
    for n in range(pages // 3, pages):
        if rng.random() < 0.5 and n + 1 not in schema_pages:  # page numbers start at 1
            data[n * page:(n + 1) * page] = rng.randbytes(page)
    path.write_bytes(bytes(data))
    return path


READS = [("flags",), ("flags", "--json"), ("ratings", "--year", "2025"), ("ratings", "--year", "2025", "--json"),
         ("cases",), ("cases", "--json")]


def test_corrupt_pages_are_reported_as_corrupt_with_the_path(demo_db: Path, tmp_path: Path) -> None:
    path = damage(demo_db, tmp_path / "damaged.sqlite")
    for args in READS:
        proc = cli(*args, "--db", str(path))
        assert proc.returncode == 1, (args, proc.stdout)
        assert "corrupt" in proc.stderr and str(path) in proc.stderr, (args, proc.stderr)
        assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


async def test_the_app_on_a_corrupt_database_says_corrupt(demo_db: Path, tmp_path: Path) -> None:
    from incubator_tui.app import IncubatorApp
    from incubator_tui.config import Config

    path = damage(demo_db, tmp_path / "damaged.sqlite")
    db = open_database(path)  # the schema is whole: the damage shows when the screens read
    app = IncubatorApp(db, config=Config(operator="tester"))
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
    real_exit = app.exit

    def exit_(*args, **kwargs):  # noqa: ANN002, ANN003
        notes.append(str(kwargs.get("message", "")))
        real_exit(*args, **kwargs)

    app.exit = exit_  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(20):
                await pilot.pause(0.05)
                if notes or app.return_code is not None:
                    break
    finally:
        db.dispose()
    said = " ".join(notes)
    assert app.return_code in (None, 1)
    assert "损坏" in said or "corrupt" in said, said


def test_a_permission_error_names_the_file(app_db: Path) -> None:
    app_db.chmod(0o000)
    try:
        proc = cli("flags", "--db", str(app_db), restricted=True)
    finally:
        app_db.chmod(0o600)
    assert proc.returncode == 1 and "permission" in proc.stderr and str(app_db) in proc.stderr


@pytest.mark.parametrize("where", ["folder", "file"])
def test_a_healthy_read_only_database_is_read_and_writing_says_read_only(
        demo_db: Path, tmp_path: Path, scores_csv: Path, where) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "centre.sqlite"
    path.write_bytes(demo_db.read_bytes())
    expected = {args: cli(*args, "--db", str(path)).stdout for args in READS}
    assert all(expected.values())
    before = fingerprint(path)
    (path if where == "file" else folder).chmod(0o444 if where == "file" else 0o555)
    try:
        for args in READS:
            proc = cli(*args, "--db", str(path), restricted=True)
            assert proc.returncode == 0, (args, proc.stderr)
            assert proc.stdout == expected[args]
        proc = cli("import", "scores", str(scores_csv), "--db", str(path), restricted=True)
        assert proc.returncode == 1
        assert "corrupt" not in proc.stderr
        assert (f"folder {folder} is read-only" if where == "folder" else f"file {path} is read-only") in proc.stderr
    finally:
        folder.chmod(0o755)
        path.chmod(0o600)
    assert fingerprint(path) == before and sidecars(path) == []


# ------------------------------------------------------------------ point 10: other processes' writes

def test_the_change_stamp_sees_this_process_and_other_processes(app_db: Path, tmp_path: Path) -> None:
    db = open_database(app_db)
    try:
        first = db.change_stamp()
        assert db.change_stamp() == first
        csv = write_scores(tmp_path / "s.csv", [(ORG, "2026-02", (2, 2, 2, 2, 1, 1))])
        proc = cli("import", "scores", str(csv), "--db", str(app_db))
        assert proc.returncode == 0, proc.stderr
        second = db.change_stamp()
        assert second != first
        from incubator_tui.services.centres import list_centres, set_setting

        with db.session() as s:
            set_setting(s, list_centres(s)[0].id, "threshold", "2026-01", "6", "tester")
        assert db.change_stamp() != second
    finally:
        db.dispose()


async def test_the_grid_shows_what_an_import_in_another_process_wrote(app_db: Path, tmp_path, monkeypatch) -> None:
    from incubator_tui.app import IncubatorApp
    from incubator_tui.config import Config

    monkeypatch.setenv("INCUBATOR_TUI_TODAY", TODAY)
    month = TODAY[:7]
    first = write_scores(tmp_path / "first.csv", [(ORG, month, (1, 2, 2, 2, 1, 1))])
    assert cli("import", "scores", str(first), "--db", str(app_db)).returncode == 0
    db = open_database(app_db)
    try:
        async with IncubatorApp(db, config=Config(operator="tester")).run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("s")
            for _ in range(2):
                await pilot.pause()
                await pilot.app.workers.wait_for_complete()
            screen = pilot.app.screen
            org_id = screen.grid.rows[0].org_id
            assert screen.cell_text(org_id, "plan") == "1"
            await pilot.press("d")
            await pilot.app.workers.wait_for_complete()
            second = write_scores(tmp_path / "second.csv", [(ORG, month, (0.5, 2, 2, 2, 1, 1))])
            proc = cli("import", "scores", str(second), "--db", str(app_db))
            assert proc.returncode == 0, proc.stderr
            await pilot.press("s")
            for _ in range(2):
                await pilot.pause()
                await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            assert pilot.app.screen is screen
            assert screen.cell_text(org_id, "plan") == "0.5"
    finally:
        db.dispose()
