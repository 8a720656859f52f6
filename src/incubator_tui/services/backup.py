"""Backups of the database: daily with rotation, on demand, and a checked restore.

The app calls :func:`daily_backup` in a worker once the first screen shows its
data, so start-up never waits for it.  A backup is a consistent copy through
SQLite's online backup API (``Database.backup_to``), written to a temporary
name and renamed, so a half-written file never looks like a backup.

Rotation (DOMAIN 2: it drops old backup files) keeps the daily copies of the
newest 14 days and, for each of the newest 12 months, the first copy made in
that month (the monthly).  Copies made on demand (``backup``) and those kept
before a restore are named apart and never rotated: someone asked for them.

:func:`restore` checks the file as the merge checks an export (SQLite, intact,
this app's database, a schema this app can read), keeps the current database
as a backup, then renames a consistent copy of the file into place.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from incubator_tui.db import Database
from incubator_tui.services.exchange import (
    APP_TABLES, META_TABLE, ExchangeError, check_sqlite_file, connect_ro, fsync_dir, fsync_file, private_new_file,
    remove_quietly, tables_of,
)

KEEP = 14  # daily copies kept
KEEP_MONTHLY = 12  # monthly copies kept (the first of each month)
_DAILY = re.compile(r"^(?P<day>\d{4}-\d{2}-\d{2})$")


def backup_name(db_path: Path, day: date) -> str:
    return f"{db_path.stem}-{day.isoformat()}{db_path.suffix or '.sqlite'}"


def _stamped_name(db_path: Path, when: datetime, kind: str) -> str:
    return f"{db_path.stem}-{when.strftime('%Y-%m-%d-%H%M%S')}-{kind}{db_path.suffix or '.sqlite'}"


def daily_copies(folder: Path, db_path: Path) -> dict[date, Path]:
    """The daily backups of ``db_path`` in ``folder``, by day (copies on demand are not daily)."""
    suffix = db_path.suffix or ".sqlite"
    prefix = f"{db_path.stem}-"
    out: dict[date, Path] = {}
    for p in folder.glob(f"{prefix}*{suffix}"):
        middle = p.name[len(prefix):len(p.name) - len(suffix)]
        m = _DAILY.match(middle)
        if m:
            try:
                out[date.fromisoformat(m["day"])] = p
            except ValueError:
                continue
    return out


def to_keep(days: list[date], keep: int = KEEP, keep_monthly: int = KEEP_MONTHLY) -> set[date]:
    """The newest ``keep`` days, and the first day of each of the newest ``keep_monthly`` months."""
    ordered = sorted(days)
    kept = set(ordered[-keep:]) if keep > 0 else set()
    first_of_month: dict[tuple[int, int], date] = {}
    for d in ordered:
        first_of_month.setdefault((d.year, d.month), d)
    months = sorted(first_of_month)[-keep_monthly:] if keep_monthly > 0 else []
    kept.update(first_of_month[m] for m in months)
    return kept


def rotate(folder: Path, db_path: Path, keep: int = KEEP, keep_monthly: int = KEEP_MONTHLY) -> list[Path]:
    """Remove the daily copies rotation drops; returns them."""
    copies = daily_copies(folder, db_path)
    keep_days = to_keep(list(copies), keep, keep_monthly)
    dropped = [p for d, p in sorted(copies.items()) if d not in keep_days]
    for p in dropped:
        p.unlink()
    return dropped


def daily_backup(db: Database, folder: Path, today: date, keep: int = KEEP) -> Path | None:
    """Back up ``db`` once per day into ``folder``, then rotate (14 daily, 12 monthly).

    Returns the new file, or None when today's copy already exists.
    """
    from incubator_tui.paths import private_dir

    private_dir(folder, fix_existing=True)  # 0700: the copies hold the same personal data (files 0600: backup_to)
    target = folder / backup_name(db.path, today)
    if target.exists():
        return None
    _copy(db, target)
    rotate(folder, db.path, keep)
    return target


def _copy(db: Database, target: Path) -> None:
    tmp = target.with_name(target.name + ".part")
    try:
        db.backup_to(tmp)
        tmp.replace(target)
    finally:
        if tmp.exists():
            tmp.unlink()


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int


def backup_now(db: Database, folder: Path, now: datetime | None = None) -> BackupResult:
    """A backup on demand (``backup``, the palette): kept until the user removes it."""
    from incubator_tui.paths import private_dir

    private_dir(folder, fix_existing=True)
    now = now or datetime.now()
    target = folder / _stamped_name(db.path, now, "manual")
    n = 2
    while target.exists():
        target = folder / _stamped_name(db.path, now, f"manual{n}")
        n += 1
    _copy(db, target)
    return BackupResult(target, target.stat().st_size)


# --------------------------------------------------------------------------- restore


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    target: Path
    kept: Path | None  # the database as it was, kept as a backup (None when there was none)


def check_restorable(path: Path) -> str:
    """The file is a database of this app, intact, with a schema this app reads; its revision."""
    from incubator_tui import db as dbmod
    from incubator_tui.schema import SCHEMA_REVISIONS

    wal = check_sqlite_file(path)
    try:
        con = connect_ro(path, immutable=not wal)
    except sqlite3.Error as exc:
        raise ExchangeError("exchange.damaged", path=str(path)) from exc
    try:
        try:
            if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ExchangeError("exchange.damaged", path=str(path))
            tables = set(tables_of(con))
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise ExchangeError("exchange.damaged", path=str(path)) from exc
        if META_TABLE in tables:
            raise ExchangeError("restore.is_export", path=str(path))
        if not APP_TABLES <= tables:
            raise ExchangeError("restore.foreign", path=str(path))
        rows = con.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        con.close()
    revision = rows[0][0] if len(rows) == 1 else None
    if revision not in SCHEMA_REVISIONS:
        raise ExchangeError("restore.newer", path=str(path), revision=str(revision))
    ours = getattr(dbmod, "APPLICATION_ID", None)
    legacy = getattr(dbmod, "LEGACY_REVISIONS", ("0001",))
    if ours is not None and revision not in legacy and app_id != ours:
        raise ExchangeError("restore.foreign", path=str(path))
    return revision


def restore(source: Path | str, target: Path | str, folder: Path, now: datetime | None = None) -> RestoreResult:
    """Replace the database at ``target`` by a checked copy of ``source`` (see the module doc).

    Nothing changes when the file is refused.  The database must not be open
    elsewhere meanwhile (the app closes its connections first).
    """
    from incubator_tui.paths import private_dir

    source = Path(source).expanduser()
    target = Path(target).expanduser()
    check_restorable(source)
    if target.exists() and source.resolve() == target.resolve():
        raise ExchangeError("restore.same_file", path=str(source))
    if not target.is_file():
        # DOMAIN 10: only the app, demo and import create a database.
        raise ExchangeError("restore.no_database", path=str(target))
    part = target.with_name(f".{target.name}.restore-{os.getpid()}.part")
    remove_quietly(part)
    kept: Path | None = None
    try:
        # A consistent copy of the file, made first: the current database is touched only once it exists.
        private_new_file(part)
        src = sqlite3.connect(source.absolute().as_uri() + "?mode=ro", uri=True)
        out = sqlite3.connect(part, isolation_level=None)
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode = DELETE")
        finally:
            out.close()
            src.close()
        fsync_file(part)
        if target.exists() and target.stat().st_size > 0:
            private_dir(folder, fix_existing=True)
            kept = folder / _stamped_name(target, now or datetime.now(), "before-restore")
            _keep_current(target, kept)
        os.replace(part, target)
        fsync_dir(target.parent)
    except OSError as exc:
        raise ExchangeError("exchange.write_failed", path=str(target), detail=exc.strerror or str(exc)) from exc
    finally:
        remove_quietly(part)
    return RestoreResult(source, target, kept)


def _keep_current(target: Path, kept: Path) -> None:
    """Copy the current database aside (consistently when it can be read, byte for byte when
    it is damaged: that may be why it is restored), leaving it in rollback-journal mode so
    that no -wal outlives it once it is replaced."""
    import shutil

    private_new_file(kept)
    try:
        con = sqlite3.connect(target, isolation_level=None, timeout=2)
        try:
            if con.execute("PRAGMA journal_mode = DELETE").fetchone()[0] != "delete":
                raise ExchangeError("restore.busy", path=str(target))
            out = sqlite3.connect(kept)
            try:
                con.backup(out)
            finally:
                out.close()
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            remove_quietly(kept)
            raise ExchangeError("restore.busy", path=str(target)) from exc
        shutil.copyfile(target, kept)
    except sqlite3.DatabaseError:
        shutil.copyfile(target, kept)
    except BaseException:
        remove_quietly(kept)
        raise
    for sidecar in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        if sidecar.exists():
            sidecar.unlink()
