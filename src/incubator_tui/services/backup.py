"""Daily backups of the database, with rotation (DOMAIN 2: rotation drops old backup files).

The app calls :func:`daily_backup` in a worker once the first screen shows its
data, so start-up never waits for it.  A backup is a consistent copy through
SQLite's online backup API (``Database.backup_to``), written to a temporary
name and renamed, so a half-written file never looks like a backup.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from incubator_tui.db import Database

KEEP = 14  # daily copies kept


def backup_name(db_path: Path, day: date) -> str:
    return f"{db_path.stem}-{day.isoformat()}{db_path.suffix or '.sqlite'}"


def daily_backup(db: Database, folder: Path, today: date, keep: int = KEEP) -> Path | None:
    """Back up ``db`` once per day into ``folder``; keep the newest ``keep`` copies.

    Returns the new file, or None when today's copy already exists.
    """
    from incubator_tui.paths import private_dir

    private_dir(folder, fix_existing=True)  # 0700: the copies hold the same personal data (files 0600: backup_to)
    target = folder / backup_name(db.path, today)
    if target.exists():
        return None
    tmp = target.with_name(target.name + ".part")
    try:
        db.backup_to(tmp)
        tmp.replace(target)
    finally:
        if tmp.exists():
            tmp.unlink()
    prefix = f"{db.path.stem}-"
    copies = sorted(p for p in folder.glob(f"{prefix}*{target.suffix}") if p.name[len(prefix):][:4].isdigit())
    for old in copies[:-keep]:
        old.unlink()
    return target
