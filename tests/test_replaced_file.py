"""A database file replaced under an open app (a district merge or a restore renames a new
file into place): nothing is written into the old file, where it would be lost, and the
app reads the new file from then on."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from incubator_tui.db import open_database
from incubator_tui.errors import DatabaseError
from incubator_tui.services.centres import create_centre


def _names(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in con.execute("SELECT name FROM centre"))
    finally:
        con.close()


def _hold_like_a_merge(db_path: Path) -> sqlite3.Connection:
    """The district's write lock as ``merge`` takes it: its log emptied into the file first,
    so that no stale ``-wal`` outlives the file it belonged to."""
    con = sqlite3.connect(db_path, isolation_level=None)
    assert con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    con.execute("BEGIN IMMEDIATE")
    return con


def _new_file_beside(db_path: Path, tmp_path: Path, name: str) -> Path:
    """What a merge or a restore brings: a consistent copy of the database with one more centre."""
    other = tmp_path / "incoming.sqlite"
    con = sqlite3.connect(db_path)
    out = sqlite3.connect(other)
    con.backup(out)
    out.close()
    con.close()
    incoming = open_database(other)
    with incoming.session() as s:
        create_centre(s, name, "district")
    incoming.dispose()
    for side in ("-wal", "-shm"):
        Path(f"{other}{side}").unlink(missing_ok=True)
    return other


def test_a_write_after_the_file_was_replaced_is_refused_and_the_next_goes_to_the_new_file(
        db, centre, db_path: Path, tmp_path: Path) -> None:
    stamp = db.change_stamp()
    incoming = _new_file_beside(db_path, tmp_path, "合并来的中心")
    lock = _hold_like_a_merge(db_path)
    os.replace(incoming, db_path)
    lock.execute("COMMIT")
    lock.close()

    with pytest.raises(DatabaseError) as refused:
        with db.session() as s:
            create_centre(s, "丢失的中心", "tester")
    assert refused.value.key == "db.replaced"
    assert "丢失的中心" not in _names(db_path)

    assert db.change_stamp() != stamp  # the screens reload, from the new file
    with db.reading() as conn:
        assert "合并来的中心" in [r[0] for r in conn.execute(text("SELECT name FROM centre"))]
    with db.session() as s:  # entered again, it is saved in the file now in place
        create_centre(s, "再次输入的中心", "tester")
    db.dispose()
    assert {"合并来的中心", "再次输入的中心"} <= set(_names(db_path))


def test_a_writer_waiting_for_the_merges_lock_does_not_write_into_the_old_file(
        db, centre, db_path: Path, tmp_path: Path, monkeypatch) -> None:
    """The merge holds the district's write lock while it renames its copy into place; the
    app's save waiting for that lock gets it on the old file, and must not write there."""
    monkeypatch.setenv("INCUBATOR_TUI_BUSY_MS", "10000")
    db.dispose()
    db = open_database(db_path)  # waits up to 10 s for a lock (the tests' default is short)
    incoming = _new_file_beside(db_path, tmp_path, "合并来的中心")
    with db.reading() as conn:  # the app has read: its pooled connection is on the old file
        conn.execute(text("SELECT 1")).all()
    merge_lock = _hold_like_a_merge(db_path)
    old = tmp_path / "old-file-still-open"
    outcome: dict = {}

    def save() -> None:
        try:
            with db.session() as s:
                create_centre(s, "等待中的修改", "tester")
            outcome["saved"] = True
        except DatabaseError as exc:
            outcome["refused"] = exc.key

    writer = threading.Thread(target=save)
    writer.start()
    time.sleep(0.3)  # the save is waiting for the lock now (on a loaded machine it may start later:
    # it then takes the lock after the merge let it go, on the same old file, and is refused all the same)
    os.link(db_path, old)  # keep the old file reachable, to look inside it afterwards
    os.replace(incoming, db_path)
    merge_lock.execute("COMMIT")
    merge_lock.close()
    writer.join(15)
    assert outcome == {"refused": "db.replaced"}
    db.dispose()
    assert "等待中的修改" not in _names(db_path)
    shutil.copyfile(old, tmp_path / "old-copy.sqlite")
    assert "等待中的修改" not in _names(tmp_path / "old-copy.sqlite")
