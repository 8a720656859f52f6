"""Writers wait for each other (#7 point 4): two imports at once, an import while the
grid saves, and a real time-out that says how long it waited."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from incubator_tui.db import open_database
from incubator_tui.services.centres import Checklists
from incubator_tui.services.scoring import Cell, save_cells
from tests.helpers import make_org
from tests.trust_helpers import EXE, TODAY, cli, write_scores

ORGS = 120


@pytest.fixture
def shared(db, centre, monkeypatch) -> tuple:
    """A centre with 120 organisations (an import of them all holds the write lock long
    enough for the grid's saves to meet it); writers wait up to 30 s for each other."""
    monkeypatch.setenv("INCUBATOR_TUI_BUSY_MS", "30000")
    names = [f"测试组织{i:02d}" for i in range(ORGS)]
    ids = [make_org(db, centre, n, date(2025, 1, 1)) for n in names]
    with db.session() as s:
        items = [it.id for it in Checklists(s, centre.id).items_for("2026-01")]
    db.dispose()
    return names, ids, items


def _start(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([str(EXE), *args, "--lang", "en"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def test_two_imports_at_once_both_succeed(shared, db_path: Path, tmp_path: Path) -> None:
    import os

    names = shared[0][:30]
    env = {**os.environ, "INCUBATOR_TUI_TODAY": TODAY}
    pairs = 10
    for i in range(pairs):
        # Each import changes every one of its cells (alternating values), so each must write.
        plan = "2" if i % 2 == 0 else "1.5"
        a = write_scores(tmp_path / f"a{i}.csv", [(n, "2026-01", (plan, 2, 2, 2, 1, 1)) for n in names])
        b = write_scores(tmp_path / f"b{i}.csv", [(n, "2026-02", (plan, 2, 2, 2, 1, 1)) for n in names])
        procs = [_start("import", "scores", str(f), "--db", str(db_path), env=env) for f in (a, b)]
        results = [p.communicate(timeout=120) for p in procs]
        for p, (out, err) in zip(procs, results):
            assert p.returncode == 0, f"pair {i}: {err}"
    con = sqlite3.connect(db_path)
    try:
        last = "150" if (pairs - 1) % 2 else "200"
        for month in ("2026-01", "2026-02"):
            values = con.execute(
                "SELECT DISTINCT s.value_cent FROM score s JOIN checklist_item i ON i.id = s.item_id "
                "WHERE s.month = ? AND i.code = 'plan'", (month,)).fetchall()
            assert values == [(int(last),)]
        assert con.execute("SELECT COUNT(*) FROM import_batch").fetchone()[0] == 2 * pairs
    finally:
        con.close()


def test_the_grid_saves_while_an_import_runs(shared, db_path: Path, tmp_path: Path) -> None:
    """The grid's own service call (``save_cells`` in ``db.session()``) in this process
    while an import writes from another: every save and the import succeed."""
    import os

    names, ids, items = shared
    env = {**os.environ, "INCUBATOR_TUI_TODAY": TODAY}
    db = open_database(db_path)
    centre_id = db_centre(db)
    saved: list[tuple] = []
    failed: list[BaseException] = []
    stop = threading.Event()

    def grid() -> None:
        n = 0
        while not stop.is_set() or n < 20:
            org, item = ids[n % ORGS], items[(n // ORGS) % len(items)]
            value = 50 if n % 2 else 100
            try:
                with db.session() as s:
                    save_cells(s, centre_id, org, "2026-03", {item: Cell(value)}, "tester")
                saved.append((org, item, value))
            except BaseException as exc:  # noqa: BLE001 - the test reports it
                failed.append(exc)
                return
            n += 1

    try:
        for round_ in range(3):
            plan = "2" if round_ % 2 == 0 else "1.5"
            f = write_scores(tmp_path / f"i{round_}.csv",
                             [(n, f"2025-{m:02d}", (plan, 2, 2, 2, 1, 1)) for n in names for m in range(1, 13)])
            stop.clear()
            saved.clear()
            worker = threading.Thread(target=grid)
            worker.start()
            proc = _start("import", "scores", str(f), "--db", str(db_path), env=env)
            out, err = proc.communicate(timeout=120)
            stop.set()
            worker.join(timeout=120)
            assert proc.returncode == 0, err
            assert not failed, failed
            assert len(saved) >= 20
        with db.reading() as conn:
            last = {}  # later saves of a cell overwrite earlier ones: the last one per cell
            for org, item, value in saved:
                last[(org, item)] = value
            for (org, item), value in last.items():
                got = conn.exec_driver_sql(
                    "SELECT value_cent FROM score WHERE org_id = ? AND item_id = ? AND month = '2026-03'",
                    (org, item)).scalar()
                assert got == value
    finally:
        stop.set()
        db.dispose()


def db_centre(db) -> str:
    with db.reading() as conn:
        return conn.exec_driver_sql("SELECT id FROM centre").scalar()


def test_a_real_time_out_says_how_long_it_waited(shared, db_path: Path, tmp_path: Path) -> None:
    names, _, _ = shared
    f = write_scores(tmp_path / "s.csv", [(names[0], "2026-01", (2, 2, 2, 2, 1, 1))])
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer that does not let go
    try:
        started = time.monotonic()
        proc = cli("import", "scores", str(f), "--db", str(db_path), env={"INCUBATOR_TUI_BUSY_MS": "700"})
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert proc.returncode == 1
    assert "waited 0.7 s" in proc.stderr and str(db_path) in proc.stderr, proc.stderr
    assert elapsed >= 0.7


def test_a_writer_waits_for_another_writer_that_finishes_in_time(db, centre, monkeypatch) -> None:
    """In one process: a save started while another connection holds the write lock
    waits for it (BEGIN IMMEDIATE under the busy timeout) instead of failing."""
    org = make_org(db, centre, "晨光公益服务社", date(2025, 1, 1))
    with db.session() as s:
        item = Checklists(s, centre.id).items_for("2026-01")[0].id
    holder = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
    # the grid's read-then-write: its read happens before the other writer commits
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE centre SET phone = '1'")
    timer = threading.Timer(0.15, lambda: (holder.execute("COMMIT")))
    timer.start()
    try:
        with db.session() as s:
            save_cells(s, centre.id, org, "2026-01", {item: Cell(100)}, "tester")
    finally:
        timer.join()
        holder.close()
    with db.reading() as conn:
        assert conn.exec_driver_sql("SELECT value_cent FROM score WHERE org_id = ?", (org,)).scalar() == 100
