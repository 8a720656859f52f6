"""Builders for the exchange tests: centre databases with data, their exports, file fingerprints."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date
from pathlib import Path

from incubator_tui.db import open_database
from incubator_tui.services.centres import create_centre
from incubator_tui.services.exchange import export_sqlite
from tests.helpers import score_month

PHONE = "13912345678"


def centre_db(path: Path, name: str, orgs: int = 3, months: tuple[str, ...] = ("2026-01", "2026-02"),
              phone: str = PHONE):
    """A centre's own database with ``orgs`` organisations scored in ``months``."""
    from incubator_tui.services.orgs import add_org

    db = open_database(path, create=True)
    with db.session() as s:
        centre = create_centre(s, name, "tester", category="community")
    org_ids = []
    for i in range(orgs):
        with db.session() as s:
            org, _ = add_org(s, centre.id, {"name": f"{name}组织{i}", "category": "community",
                                            "entry_date": date(2025, 1, 1), "contact": f"联系人{i}号",
                                            "phone": phone if i == 0 else f"1380000{i:04d}"}, "tester")
            org_ids.append(org.id)
    for org_id in org_ids:
        for m in months:
            score_month(db, centre, org_id, m, "8.5")
    return db, centre, org_ids


def export(db, out: Path, **kw) -> Path:
    export_sqlite(db, out, **kw)
    return out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def trace_statements(monkeypatch, module) -> list[str]:
    """Every SQL statement run on the connections ``module`` opens with ``sqlite3.connect`` from
    now on (parameters filled in), in order: how a test sees what a merge asked of SQLite."""
    statements: list[str] = []
    connect = sqlite3.connect

    def traced(*args, **kwargs):  # noqa: ANN002, ANN003
        con = connect(*args, **kwargs)
        con.set_trace_callback(statements.append)
        return con

    monkeypatch.setattr(module.sqlite3, "connect", traced)
    return statements


def district_rows(path: Path) -> dict[str, list]:
    """Every table's rows but the district's own merge log rows (stamped anew by each merge)."""
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"' if t != "exchange_log" else
                                                "SELECT * FROM exchange_log WHERE kind != 'merge'")))
                for t in tables}
    finally:
        con.close()
