"""Screens' reads never take the write lock: with writes beginning IMMEDIATE, a read
through a write session would wait behind an import (or time out) for nothing."""

from __future__ import annotations

import sqlite3
from datetime import date

from incubator_tui.services.access import Reads, reads_orm, reads_sql
from tests.helpers import make_org


@reads_orm
def _orm_names(session) -> list[str]:  # noqa: ANN001
    from sqlalchemy import text

    return [r[0] for r in session.execute(text("SELECT name FROM organisation"))]


@reads_sql
def _sql_names(conn) -> list[str]:  # noqa: ANN001
    from sqlalchemy import text

    return [r[0] for r in conn.execute(text("SELECT name FROM organisation"))]


def test_reads_of_both_kinds_go_on_while_another_process_holds_the_write_lock(
    db, centre, db_path, monkeypatch
) -> None:
    make_org(db, centre, "晨光公益服务社", date(2025, 1, 1))
    monkeypatch.setenv("INCUBATOR_TUI_BUSY_MS", "200")
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer (an import) holds the lock
    try:
        with Reads(db) as reads:
            assert reads(_orm_names) == ["晨光公益服务社"]
            assert reads(_sql_names) == ["晨光公益服务社"]
    finally:
        other.execute("ROLLBACK")
        other.close()
