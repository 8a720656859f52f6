"""SIGKILL at random moments (#7, CI): during ``import scores`` and during the grid's saves.

Afterwards the database passes ``PRAGMA integrity_check``, every save that was
acknowledged is there, and each import is wholly in or wholly out.  A fixed seed
makes the moments the same on every run.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import make_org
from tests.trust_helpers import EXE, TODAY, write_scores

ORGS = 40
KILLS = 20
SEED = 20261130
MONTHS = ("2025-10", "2025-11", "2025-12")

# The grid's save, as the scoring screen makes it: save_cells in db.session(), one
# cell per transaction; "ACK" is printed once the commit returned (what the grid shows
# as saved).  Each cell is saved once, so every ACK names a value that must be there.
# The line goes out in one write: print() writes its pieces one by one when Python is
# unbuffered (PYTHONUNBUFFERED, as CI has it), and a kill between them left "ACK <org>"
# with no item, which an earlier version of this test read as a save that was lost.
GRID = """
import sys
from incubator_tui.db import open_database
from incubator_tui.services.centres import Checklists
from incubator_tui.services.scoring import Cell, save_cells

db = open_database(sys.argv[1])
month = sys.argv[2]
with db.reading() as c:
    centre = c.exec_driver_sql("SELECT id FROM centre").scalar()
    orgs = [r[0] for r in c.exec_driver_sql("SELECT id FROM organisation ORDER BY name")]
with db.session() as s:
    items = [it.id for it in Checklists(s, centre).items_for(month)]
print("READY", flush=True)
for item in items:
    for org in orgs:
        with db.session() as s:
            save_cells(s, centre, org, month, {item: Cell(100)}, "grid")
        sys.stdout.write(f"ACK {org} {item}\\n")
        sys.stdout.flush()
print("DONE", flush=True)
"""


@pytest.fixture
def centre_db(db, centre, monkeypatch) -> Path:
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", TODAY)
    monkeypatch.setenv("INCUBATOR_TUI_BUSY_MS", "5000")
    for i in range(ORGS):
        make_org(db, centre, f"测试组织{i:02d}", date(2024, 1, 1))
    db.dispose()
    return db.path


def integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def plan_values(path: Path) -> tuple[set, int]:
    """The distinct plan values of the imported cells, and the number of import batches."""
    con = sqlite3.connect(path)
    try:
        values = {r[0] for r in con.execute(
            "SELECT s.value_cent FROM organisation o CROSS JOIN (SELECT ? AS m UNION SELECT ? UNION SELECT ?) ms "
            "LEFT JOIN checklist_item i ON i.code = 'plan' "
            "LEFT JOIN score s ON s.org_id = o.id AND s.month = ms.m AND s.item_id = i.id", MONTHS)}
        return values, con.execute("SELECT COUNT(*) FROM import_batch").fetchone()[0]
    finally:
        con.close()


def test_killed_imports_are_wholly_in_or_out(centre_db: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    names = [f"测试组织{i:02d}" for i in range(ORGS)]
    env = {**os.environ}
    # How long a whole import takes here: the kills fall between its start and its end.
    first = write_scores(tmp_path / "first.csv", [(n, m, (2, 2, 2, 2, 1, 1)) for n in names for m in MONTHS])
    started = time.monotonic()
    assert subprocess.run([str(EXE), "import", "scores", str(first), "--db", str(centre_db)], env=env,
                          capture_output=True, timeout=120).returncode == 0
    duration = time.monotonic() - started
    state, batches = plan_values(centre_db)
    assert state == {200} and batches == 1
    outcomes = {"in": 0, "out": 0}
    for k in range(KILLS):
        # a value the cells do not have yet, so that "in" and "out" differ
        value = [v for v in ("1.5", "1", "0.5") if {int(float(v) * 100)} != state][k % 2]
        cents = int(float(value) * 100)
        f = write_scores(tmp_path / f"k{k}.csv", [(n, m, (value, 2, 2, 2, 1, 1)) for n in names for m in MONTHS])
        proc = subprocess.Popen([str(EXE), "import", "scores", str(f), "--db", str(centre_db)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.4, 1.1) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert integrity(centre_db) == "ok"
        values, now = plan_values(centre_db)
        if values == {cents}:  # wholly in: one more batch
            assert now == batches + 1
            outcomes["in"] += 1
            state, batches = values, now
        else:  # wholly out: exactly as before
            assert (values, now) == (state, batches), f"kill {k}: a partial import {values}"
            outcomes["out"] += 1
    assert outcomes["out"] >= 3, outcomes  # the kills did land during imports


def acknowledged(out: str) -> list[tuple[str, str]]:
    """The (org, item) of every whole ACK line; a line the kill cut short is no acknowledgement."""
    cells = []
    for line in out.splitlines(keepends=True):
        fields = line.split()
        if line.endswith("\n") and len(fields) == 3 and fields[0] == "ACK":
            cells.append((fields[1], fields[2]))
    return cells


def test_acknowledged_reads_whole_lines_only() -> None:
    out = "ACK o1 i1\nACK o2 i1\nACK o3"
    assert acknowledged(out) == [("o1", "i1"), ("o2", "i1")]
    assert acknowledged("ACK\n") == []


def test_killed_grid_saves_keep_every_acknowledged_save(centre_db: Path) -> None:
    rng = random.Random(SEED + 1)
    interrupted = 0
    for k in range(KILLS):
        month = f"{2024 + k // 12}-{k % 12 + 1:02d}"  # a fresh month each time: every cell saved once
        proc = subprocess.Popen([sys.executable, "-c", GRID, str(centre_db), month], env={**os.environ},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "READY", proc.stderr.read()
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        # read() after readline(): what readline() already buffered is kept (communicate()
        # reads the pipe itself and would drop it); the child is dead, so no pipe can fill.
        out = proc.stdout.read()
        proc.stdout.close()
        proc.stderr.close()
        acked = set(acknowledged(out))
        interrupted += "DONE" not in out
        assert integrity(centre_db) == "ok"
        con = sqlite3.connect(centre_db)
        try:
            saved = {(org, item): v for org, item, v in con.execute(
                "SELECT org_id, item_id, value_cent FROM score WHERE month = ?", (month,))}
        finally:
            con.close()
        assert all(saved.get(cell) == 100 for cell in acked), f"kill {k}: an acknowledged save is missing"
        # At most one save committed that the kill kept from being acknowledged.
        assert len(acked) <= len(saved) <= len(acked) + 1
    assert interrupted == KILLS  # every kill landed in the middle of the saves
