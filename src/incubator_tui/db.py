"""Opening the database: the one module that knows it is SQLite.

Everything SQLite-specific lives here: PRAGMAs (WAL, foreign keys, busy
timeout), explicit BEGIN so a transaction really is one (``BEGIN IMMEDIATE``
for writes, so that writers wait for each other), the file checks that refuse
foreign or corrupt files untouched, the schema-version gate, read-only
opening, the change stamp and the online backup API.  Models and queries
elsewhere stay portable SQL.

A file is the app's only when its header carries the app's
``PRAGMA application_id`` (:data:`APPLICATION_ID`), or, for databases made
before revision 0002, when its ``user_version`` is 0 and it has an
``alembic_version`` table holding one known revision and the app's tables.
Anything else is refused with nothing written, not even a -wal or -shm file.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.pool import NullPool

from incubator_tui import paths
from incubator_tui.errors import DatabaseError, UserError

# Every released schema revision, oldest first, and HEAD (what this app writes): kept in
# schema.py, which imports nothing, so `--version` names it without SQLAlchemy.
from incubator_tui.schema import HEAD, SCHEMA_REVISIONS  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# Revisions released before the application id existed (0002 sets it).
LEGACY_REVISIONS = ("0001",)

# The app's mark in the SQLite header (PRAGMA application_id, offset 68):
# the ASCII bytes of "ICBT" (InCuBaTor), 0x49434254 = 1229144660.
APPLICATION_ID = int.from_bytes(b"ICBT", "big")
# Tables every database of the app has had since 0001: with alembic_version,
# how a database from before 0002 is recognised.
APP_TABLES = frozenset({"alembic_version", "centre", "organisation", "checklist_version", "checklist_item",
                        "score", "audit", "import_batch"})

SQLITE_MAGIC = b"SQLite format 3\x00"
DEFAULT_BUSY_MS = 5000
_WRITE = "incubator_write"  # execution option: this transaction writes (BEGIN IMMEDIATE)
_AFTER_LOCK = "incubator_after_lock"  # execution option: called once a write's BEGIN IMMEDIATE holds the lock

# How a file is opened: read-write; read-only through its WAL (mode=ro);
# read-only with no WAL to read and none to create (a read-only folder).
RW, RO, IMMUTABLE = "rw", "ro", "immutable"


def _busy_ms() -> int:
    return int(os.environ.get("INCUBATOR_TUI_BUSY_MS", DEFAULT_BUSY_MS))


def _seconds(ms: int) -> str:
    return f"{ms / 1000:g}"


def _sidecars(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def _raw_connect(path: Path, mode: str = RW, *, timeout_ms: int | None = None) -> sqlite3.Connection:
    """A bare sqlite3 connection in autocommit mode (isolation_level None)."""
    timeout = (_busy_ms() if timeout_ms is None else timeout_ms) / 1000
    if mode == RW:
        return sqlite3.connect(str(path), timeout=timeout, check_same_thread=False, isolation_level=None)
    uri = path.absolute().as_uri() + ("?mode=ro&immutable=1" if mode == IMMUTABLE else "?mode=ro")
    return sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False, isolation_level=None)


class Database:
    """An open, schema-checked database."""

    def __init__(self, path: Path, engine: Engine, *, mode: str = RW, created: bool = False,
                 adopted: bool = False, sidecars_before: frozenset[Path] = frozenset()) -> None:
        self.path = path
        self.engine = engine
        self.mode = mode
        # This run made the file (created), or made a 0-byte file of the user's a
        # database (adopted): a refused import then undoes exactly that.
        self.created = created
        self.adopted = adopted
        self._sidecars_before = sidecars_before
        self._writer = engine.execution_options(**{_WRITE: True, _AFTER_LOCK: self._check_after_lock})
        self._stamp_con: sqlite3.Connection | None = None
        self._stamp_lock = threading.Lock()
        # Which file is open: a district merge or a restore renames a new file over the path
        # while the app may hold the old one open (see :meth:`_follow_replacement`).
        self._identity = _identity(path)

    def _check_after_lock(self) -> None:
        """Called once a write transaction holds the write lock (``BEGIN IMMEDIATE``): is the
        file under it still the one at the path?  A merge renames its copy into place while
        it holds the old file's lock, so a save that waited for that lock gets it on the old
        file, where whatever it wrote would be lost with it."""
        with self._stamp_lock:
            if self._follow_replacement():
                raise DatabaseError("db.replaced", path=str(self.path))

    def _follow_replacement(self) -> bool:
        """True (and every pooled connection dropped, so the next ones open the new file)
        when the file at ``path`` is no longer the one this object opened: ``merge`` and
        ``restore`` rename a new file into place.  An open connection would otherwise go on
        reading, and worse writing, the old file, which is gone once it is closed."""
        now = _identity(self.path)
        if now is None or now == self._identity:
            return False
        self._identity = now
        if self._stamp_con is not None:
            self._stamp_con.close()
            self._stamp_con = None
        self.engine.dispose()
        return True

    @property
    def read_only(self) -> bool:
        return self.mode != RW

    def _failure(self, exc: BaseException) -> DatabaseError | None:
        """What the user must be told about ``exc`` raised in a transaction, or None."""
        if isinstance(exc, OperationalError):
            return translate_operational_error(exc, self.path)
        if isinstance(exc, IntegrityError) or isinstance(exc, UserError):
            return None
        # A damaged page surfaces as whatever its bytes decode to: "malformed",
        # undecodable text, a date that does not parse.  Only then is the file checked.
        if isinstance(exc, (SADatabaseError, sqlite3.Error, UnicodeError, ValueError)) and not self.healthy():
            return DatabaseError("db.corrupt", path=str(self.path))
        return None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One write transaction (``BEGIN IMMEDIATE``: it waits up to the busy timeout
        for another writer, instead of failing later on the first write): committed on
        success, rolled back on any error."""
        from sqlalchemy.orm import Session  # the ORM is ~40 ms to import: not before a write needs it

        with Session(self._writer, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException as exc:
                session.rollback()
                failure = self._failure(exc)
                if failure is not None:
                    raise failure from exc
                raise

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """An ORM session in a read transaction (deferred ``BEGIN``), never committed:
        for reads that need the ORM; it never waits for a writer (WAL)."""
        from sqlalchemy.orm import Session

        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            except BaseException as exc:
                failure = self._failure(exc)
                if failure is not None:
                    raise failure from exc
                raise
            finally:
                session.rollback()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One read-only transaction on a plain connection, for the reads that use SQL
        text only (``.execute(text(...))``, as a Session offers it too): start-up and
        the read-only commands need not import the ORM."""
        try:
            with self.engine.connect() as conn:
                with conn.begin():
                    yield conn
        except BaseException as exc:
            failure = self._failure(exc)
            if failure is not None:
                raise failure from exc
            raise

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
        """A value that changes whenever anything is committed, by this process or
        another: ``PRAGMA data_version`` of one long-lived connection that never
        writes, so every commit (the app's own pool connections included) is one by
        "another connection" for it.  It reads the WAL index header only: cheap
        enough for every screen switch.  Screens compare it to skip reloading."""
        with self._stamp_lock:
            try:
                self._follow_replacement()  # a file renamed into place: read the new one from now on
                if self._stamp_con is None:
                    self._stamp_con = _raw_connect(self.path, self.mode)
                return (self._stamp_con.execute("PRAGMA data_version").fetchone()[0], self._identity)
            except sqlite3.OperationalError as exc:
                raise _translate_sqlite(exc, self.path) from exc
            except sqlite3.Error as exc:
                raise DatabaseError("db.corrupt", path=str(self.path)) from exc

    def healthy(self) -> bool:
        """SQLite's ``quick_check`` passes (run only after something went wrong)."""
        try:
            con = _raw_connect(self.path, self.mode)
            try:
                return con.execute("PRAGMA quick_check(1)").fetchone()[0] == "ok"
            finally:
                con.close()
        except sqlite3.OperationalError as exc:  # locked or gone: not a sign of damage
            text_ = str(exc)
            return "malformed" not in text_ and "not a database" not in text_
        except sqlite3.Error:
            return False

    def backup_to(self, dest: Path) -> None:
        """A consistent copy through SQLite's online backup API, even while writing.
        The copy is private (0600, a new folder 0700): it holds the same personal data."""
        paths.private_dir(dest.parent)
        paths.private_file(dest)
        src = _raw_connect(self.path, self.mode)
        try:
            out = sqlite3.connect(dest)
            try:
                src.backup(out)
            finally:
                out.close()
        finally:
            src.close()

    def discard_if_new(self) -> bool:
        """Closes the database; if this run created the file, removes it (and the
        -wal/-shm/-journal files it made), if it filled a 0-byte file, empties it
        again.  Nothing else is ever removed.  True when something was undone."""
        self.dispose()
        if self.created:
            remove_created(self.path, self._sidecars_before)
        elif self.adopted:
            undo_creation(self.path, self._sidecars_before)
        else:
            return False
        return True

    def dispose(self) -> None:
        with self._stamp_lock:
            if self._stamp_con is not None:
                self._stamp_con.close()
                self._stamp_con = None
        self.engine.dispose()


def _identity(path: Path) -> tuple[int, int] | None:
    """The file at ``path`` (device, inode), or None when it cannot be told."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if st.st_ino else None  # no inode numbers: nothing to compare


def _translate_text(text_: str, path: Path) -> DatabaseError:
    if "locked" in text_ or "busy" in text_:
        return DatabaseError("db.locked", path=str(path), seconds=_seconds(_busy_ms()))
    if "disk is full" in text_ or "database or disk is full" in text_:
        return DatabaseError("db.disk_full", path=str(path))
    if "readonly" in text_ or "read-only" in text_:
        return DatabaseError("db.readonly", path=str(path))
    if "malformed" in text_ or "not a database" in text_:
        return DatabaseError("db.corrupt", path=str(path))
    if "unable to open" in text_:
        return DatabaseError("db.unreadable", path=str(path), detail=text_)
    return DatabaseError("db.error", path=str(path), detail=text_)


def translate_operational_error(exc: OperationalError, path: Path) -> DatabaseError:
    return _translate_text(str(exc.orig) if exc.orig is not None else str(exc), path)


def _translate_sqlite(exc: sqlite3.Error, path: Path) -> DatabaseError:
    return _translate_text(str(exc), path)


def _make_engine(path: Path, mode: str = RW) -> Engine:
    busy = _busy_ms()
    engine = create_engine(
        URL.create("sqlite", database=str(path)),  # picks the file pool; the creator connects
        creator=lambda: _raw_connect(path, mode, timeout_ms=busy),
        poolclass=NullPool if os.environ.get("INCUBATOR_TUI_NULLPOOL") else None,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        # Let us issue BEGIN ourselves so reads and writes share one transaction.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {busy}")
        if mode == RW:
            cur.execute("PRAGMA journal_mode = WAL")  # readers never wait for the writer
            cur.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, much faster commits
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        # A write takes the write lock at BEGIN, where SQLite's busy timeout applies;
        # a deferred transaction upgrading later would fail at once ("locked").
        options = conn.get_execution_options()
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(_WRITE) else "BEGIN")
        check = options.get(_AFTER_LOCK)
        if check is not None:
            try:
                check()
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")  # the lock let go: nothing was written
                raise

    return engine


def _check_file(path: Path, create: bool) -> tuple[str, bytes]:
    """Refuse what must not be opened: ("missing" | "empty" | "sqlite", header)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise DatabaseError("db.not_regular", path=str(path)) from None
        if not create:
            raise DatabaseError("db.missing", path=str(path)) from None
        if not path.parent.is_dir():
            raise DatabaseError("db.folder_missing", path=str(path), folder=str(path.parent)) from None
        return "missing", b""
    except OSError as exc:
        raise DatabaseError("db.unreadable", path=str(path), detail=exc.strerror or str(exc)) from exc
    if stat.S_ISDIR(st.st_mode):
        raise DatabaseError("db.is_directory", path=str(path))
    if not stat.S_ISREG(st.st_mode):  # a device (/dev/null), a pipe, a socket: never opened
        raise DatabaseError("db.not_regular", path=str(path))
    if st.st_size == 0:
        # An empty file becomes a database only through a command that may create one.
        if not create:
            raise DatabaseError("db.empty", path=str(path))
        return "empty", b""
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except PermissionError as exc:
        raise DatabaseError("db.no_permission", path=str(path)) from exc
    except OSError as exc:
        raise DatabaseError("db.unreadable", path=str(path), detail=exc.strerror or str(exc)) from exc
    if not header.startswith(SQLITE_MAGIC):
        raise DatabaseError("db.not_sqlite", path=str(path))
    if len(header) < 100:
        raise DatabaseError("db.corrupt", path=str(path))
    return "sqlite", header


def _write_problem(path: Path, *, exists: bool) -> str | None:
    """The catalogue key saying why this process cannot write the database, or None.
    SQLite needs the folder too (-wal, -shm, a journal)."""
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return "db.readonly_folder"
    if exists and not os.access(path, os.W_OK):
        return "db.readonly_file"
    return None


def _identify(path: Path, header: bytes, mode: str) -> str | None:
    """The schema revision of the app's database at ``path``; None when it is the
    app's but has no tables yet (a creation that was interrupted).  Anything that
    is not the app's raises ``db.foreign``.

    The header is judged first; only a file with no application id and user
    version 0 (an app database from before 0002, or a foreign one) is queried,
    read-only, and without a -wal to read, as ``immutable``: SQLite then creates no
    -wal/-shm and takes no lock, so a foreign file is left exactly as it was.
    """
    app_id = int.from_bytes(header[68:72], "big")
    user_version = int.from_bytes(header[60:64], "big")
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and user_version != 0):
        raise DatabaseError("db.foreign", path=str(path))
    if app_id != APPLICATION_ID and mode == RW:
        mode = RO if Path(f"{path}-wal").exists() else IMMUTABLE
    try:
        con = _raw_connect(path, mode)
    except sqlite3.Error as exc:
        raise DatabaseError("db.unreadable", path=str(path), detail=str(exc)) from exc
    try:
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        user_version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if app_id == APPLICATION_ID:
            if not tables:
                return None
            if "alembic_version" not in tables:
                raise DatabaseError("db.corrupt", path=str(path))
            rows = con.execute("SELECT version_num FROM alembic_version").fetchall()
            if len(rows) != 1:
                raise DatabaseError("db.corrupt", path=str(path))
            return str(rows[0][0])
        if app_id != 0 or user_version != 0 or not APP_TABLES <= tables:
            raise DatabaseError("db.foreign", path=str(path))
        rows = con.execute("SELECT version_num FROM alembic_version").fetchall()
        if len(rows) != 1 or rows[0][0] not in LEGACY_REVISIONS:
            raise DatabaseError("db.foreign", path=str(path))
        return str(rows[0][0])
    except sqlite3.OperationalError as exc:
        err = _translate_sqlite(exc, path)
        if err.key in ("db.error", "db.readonly"):
            err = DatabaseError("db.corrupt", path=str(path))
        raise err from exc
    except sqlite3.Error as exc:
        raise DatabaseError("db.corrupt", path=str(path)) from exc
    finally:
        con.close()


def _initialise(path: Path) -> None:
    """Mark a new (empty) file as the app's before anything else is written, so an
    interrupted creation still leaves a file recognisably ours; then WAL."""
    con = _raw_connect(path)
    try:
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        con.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError as exc:
        raise _translate_sqlite(exc, path) from exc
    finally:
        con.close()


def _migrate(engine: Engine, path: Path) -> None:
    # Alembic is imported only here: opening an up-to-date database never pays for it.
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.execution_options(**{_WRITE: True}).connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()
    _compact_after_migration(path)


COMPACT_SHARE = 0.2  # after a migration, free pages above this share of the file are given back


def _compact_after_migration(path: Path) -> None:
    """A migration that rebuilt a table (0008: score, the largest) leaves the old table's pages
    free inside the file, which every backup would copy: given back once, by ``VACUUM`` (outside
    any transaction, so on a connection of its own; the engine's is idle)."""
    con = _raw_connect(path)
    try:
        free, pages = (con.execute(f"PRAGMA {name}").fetchone()[0] for name in ("freelist_count", "page_count"))
        if free > pages * COMPACT_SHARE:
            con.execute("VACUUM")
    finally:
        con.close()


def remove_created(path: Path, sidecars_before: set[Path] | frozenset[Path] = frozenset()) -> None:
    """Remove a database file this run created, and the -wal/-shm/-journal files
    that were not there before it (never anything else)."""
    for p in [path, *_sidecars(path)]:
        if p in sidecars_before:
            continue
        try:
            if p.is_file() and not p.is_symlink():
                p.unlink()
        except OSError:
            pass


def open_database(path: Path | str, *, create: bool = False, read_only: bool = False) -> Database:
    """Open (and if allowed create) a database, migrating an older schema.

    Raises :class:`DatabaseError` with nothing changed on disk when the file is
    missing (and ``create`` is false), is not SQLite, belongs to another
    program, is corrupt, or was written by a newer version of the app.  Only a
    missing path or a 0-byte file becomes a new database, and only with
    ``create``.  ``read_only`` (reading commands): a database this process may
    not write (a read-only file or folder) is opened read-only instead of refused.
    """
    path = Path(path).expanduser()
    state, header = _check_file(path, create)
    mode = RW
    created = False
    if state == "sqlite":
        problem = _write_problem(path, exists=True)
        if problem is not None:
            if not read_only:
                raise DatabaseError(problem, path=str(path), folder=str(path.parent))
            mode = RO if Path(f"{path}-wal").exists() else IMMUTABLE
        revision = _identify(path, header, mode)
        if revision is None and not create:
            raise DatabaseError("db.empty", path=str(path))
        if revision is not None and revision not in SCHEMA_REVISIONS:
            raise DatabaseError("db.newer_schema", path=str(path), revision=revision)
        if revision != HEAD and problem is not None:
            raise DatabaseError(problem, path=str(path), folder=str(path.parent))
        if mode == RW:  # ours: its files lose the group's and others' bits
            for p in (path, *_sidecars(path)):
                paths.tighten_file(p)
    else:
        problem = _write_problem(path, exists=state == "empty")
        if problem is not None:
            raise DatabaseError(problem, path=str(path), folder=str(path.parent))
        revision = None
    sidecars_before = {p for p in _sidecars(path) if p.exists()}
    if state == "missing":
        try:
            created = paths.private_file(path, exclusive=True)
        except FileExistsError:  # made by another process meanwhile: judge it afresh
            return open_database(path, create=create, read_only=read_only)
        except OSError as exc:
            raise DatabaseError("db.unreadable", path=str(path), detail=exc.strerror or str(exc)) from exc
    elif state == "empty":
        paths.tighten_file(path)
    engine: Engine | None = None
    try:
        if state != "sqlite":
            _initialise(path)
        engine = _make_engine(path) if mode == RW else _make_engine(path, mode)
        if revision == HEAD:
            return Database(path, engine, mode=mode)
        if revision is not None:
            backup_before_migration(path, revision)
        try:
            _migrate(engine, path)
        except OperationalError as exc:
            raise translate_operational_error(exc, path) from exc
        return Database(path, engine, mode=mode, created=created, adopted=state == "empty",
                        sidecars_before=frozenset(sidecars_before))
    except BaseException:
        if engine is not None:
            engine.dispose()
        if created:
            remove_created(path, sidecars_before)
        elif state == "empty":
            undo_creation(path, sidecars_before)
        raise


def undo_creation(path: Path, sidecars_before: set[Path] | frozenset[Path] = frozenset()) -> None:
    """A 0-byte file this run turned into a database goes back to 0 bytes (it was
    the user's: it is kept), without the -wal/-shm/-journal this run made."""
    try:
        os.truncate(path, 0)
    except OSError:
        pass
    for p in _sidecars(path):
        if p not in sidecars_before and p.is_file():
            try:
                p.unlink()
            except OSError:
                pass


def backup_before_migration(path: Path, revision: str) -> Path:
    """Copy an older database aside before upgrading it (kept, never rotated)."""
    dest = path.with_name(f"{path.stem}.before-{HEAD}-from-{revision}{path.suffix}")
    paths.private_file(dest)
    src = _raw_connect(path)
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()
    return dest
