"""Opening the database: the one module that knows it is SQLite.

Everything SQLite-specific lives here: PRAGMAs (WAL, foreign keys, busy
timeout), explicit BEGIN so a transaction really is one, the file checks that
refuse foreign or corrupt files untouched, the schema-version gate, and the
online backup API.  Models and queries elsewhere stay portable SQL.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from incubator_tui.errors import DatabaseError
# Every released schema revision, oldest first, and HEAD (what this app writes): kept in
# schema.py, which imports nothing, so `--version` names it without SQLAlchemy.
from incubator_tui.schema import HEAD, SCHEMA_REVISIONS  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SQLITE_MAGIC = b"SQLite format 3\x00"
DEFAULT_BUSY_MS = 5000


def _busy_ms() -> int:
    return int(os.environ.get("INCUBATOR_TUI_BUSY_MS", DEFAULT_BUSY_MS))


class Database:
    """An open, schema-checked database."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        from sqlalchemy.orm import Session  # the ORM is ~40 ms to import: not before a write needs it

        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise translate_operational_error(exc, self.path) from exc
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One read-only transaction on a plain connection, for the reads that use SQL
        text only (``.execute(text(...))``, as a Session offers it too): start-up and
        the read-only commands need not import the ORM."""
        with self.engine.connect() as conn:
            try:
                with conn.begin():
                    yield conn
            except OperationalError as exc:
                raise translate_operational_error(exc, self.path) from exc

    @contextmanager
    def bulk_session(self) -> Iterator[Session]:
        """A transaction for bulk writes (imports, demo): a 20 MB page cache while it
        runs, since they touch many index pages; the app's everyday connections keep
        SQLite's small default so that its memory stays low."""
        with self.session() as session:
            session.execute(text("PRAGMA cache_size = -20000"))
            yield session
            session.execute(text("PRAGMA cache_size = -2000"))  # after an error the pool's copy keeps it: harmless

    def change_stamp(self) -> tuple:
        """A value that changes whenever anything is written: every change is audited
        and every import leaves a batch, so their newest rowids say it (two index
        look-ups). Screens compare it to skip reloading data that has not changed."""
        with self.engine.connect() as conn:
            return tuple(conn.exec_driver_sql(
                "SELECT (SELECT MAX(rowid) FROM audit), (SELECT MAX(rowid) FROM import_batch), "
                "(SELECT COUNT(*) FROM centre)"
            ).one())

    def backup_to(self, dest: Path) -> None:
        """A consistent copy through SQLite's online backup API, even while writing."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(self.path, timeout=_busy_ms() / 1000)
        try:
            out = sqlite3.connect(dest)
            try:
                src.backup(out)
            finally:
                out.close()
        finally:
            src.close()

    def dispose(self) -> None:
        self.engine.dispose()


def translate_operational_error(exc: OperationalError, path: Path) -> DatabaseError:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    if "locked" in text or "busy" in text:
        return DatabaseError("db.locked", path=str(path))
    if "disk is full" in text or "database or disk is full" in text:
        return DatabaseError("db.disk_full", path=str(path))
    if "readonly" in text or "read-only" in text:
        return DatabaseError("db.readonly", path=str(path))
    if "malformed" in text or "not a database" in text:
        return DatabaseError("db.corrupt", path=str(path))
    return DatabaseError("db.error", path=str(path), detail=text)


def _make_engine(path: Path) -> Engine:
    busy = _busy_ms()
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": busy / 1000, "check_same_thread": False},
        poolclass=NullPool if os.environ.get("INCUBATOR_TUI_NULLPOOL") else None,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        # Let us issue BEGIN ourselves so reads and writes share one transaction.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {busy}")
        cur.execute("PRAGMA journal_mode = WAL")  # readers never wait for the writer
        cur.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, much faster commits
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        conn.exec_driver_sql("BEGIN")

    return engine


def _check_file(path: Path, create: bool) -> bool:
    """Refuse what must not be opened; True when a new database must be made."""
    if path.is_dir():
        raise DatabaseError("db.is_directory", path=str(path))
    if not path.exists():
        if not create:
            raise DatabaseError("db.missing", path=str(path))
        if not path.parent.is_dir():
            raise DatabaseError("db.folder_missing", path=str(path), folder=str(path.parent))
        return True
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise DatabaseError("db.unreadable", path=str(path), detail=str(exc)) from exc
    if len(header) == 0:
        # An empty file is what sqlite3 leaves after a failed first open: only
        # a command that may create a database adopts it.
        if not create:
            raise DatabaseError("db.missing", path=str(path))
        return True
    if not header.startswith(SQLITE_MAGIC):
        raise DatabaseError("db.not_sqlite", path=str(path))
    return False


def _read_revision(path: Path) -> str | None:
    """The schema revision with one query; None for a database with no tables.

    Read with a bare sqlite3 connection, before any PRAGMA of ours can touch
    the file, so a foreign or damaged file is refused exactly as it was.
    """
    try:
        con = sqlite3.connect(path, timeout=_busy_ms() / 1000)
    except sqlite3.Error as exc:
        raise DatabaseError("db.unreadable", path=str(path), detail=str(exc)) from exc
    try:
        tables = {
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if "alembic_version" not in tables:
            if tables:
                raise DatabaseError("db.foreign", path=str(path))
            return None
        if "organisation" not in tables:
            raise DatabaseError("db.foreign", path=str(path))
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseError("db.locked", path=str(path)) from exc
        raise DatabaseError("db.corrupt", path=str(path)) from exc
    except sqlite3.DatabaseError as exc:
        raise DatabaseError("db.corrupt", path=str(path)) from exc
    finally:
        con.close()


def _migrate(engine: Engine, path: Path) -> None:
    # Alembic is imported only here: opening an up-to-date database never pays for it.
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()


def open_database(path: Path | str, *, create: bool = False) -> Database:
    """Open (and if allowed create) a database, migrating an older schema.

    Raises :class:`DatabaseError` with nothing changed on disk when the file is
    missing (and ``create`` is false), is not SQLite, belongs to another
    program, is corrupt, or was written by a newer version of the app.
    """
    path = Path(path).expanduser()
    is_new = _check_file(path, create)
    revision = None if is_new else _read_revision(path)
    engine = _make_engine(path)
    try:
        if revision == HEAD:
            return Database(path, engine)
        if revision is not None and revision not in SCHEMA_REVISIONS:
            raise DatabaseError("db.newer_schema", path=str(path), revision=revision)
        if revision is not None:
            backup_before_migration(path, revision)
        try:
            _migrate(engine, path)
        except OperationalError as exc:
            raise translate_operational_error(exc, path) from exc
        return Database(path, engine)
    except BaseException:
        engine.dispose()
        if is_new and path.exists() and path.stat().st_size == 0:
            path.unlink()  # leave no empty file behind a failed creation
        raise


def backup_before_migration(path: Path, revision: str) -> Path:
    """Copy an older database aside before upgrading it (kept, never rotated)."""
    dest = path.with_name(f"{path.stem}.before-{HEAD}-from-{revision}{path.suffix}")
    src = sqlite3.connect(path)
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()
    return dest
