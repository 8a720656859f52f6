"""The district exchange's rows of the benchmark table (called by ``bench.py``; also runs alone).

    python benchmarks/bench_exchange.py [--quick]

- ``export``: ``incubator-tui export sqlite`` of a centre with 100 organisations and
  5 years of scores, the whole process; floor: a bare sqlite3 online-backup copy of
  the same database in a Python process.
- ``merge``: ``incubator-tui merge`` of 50 centres' exports (100 organisations ×
  24 months each) into a new district database, the whole process, checks
  included (their share is in the row's text: the checks alone, in a process of
  their own; in the merge they run beside the copy); floor: a bare sqlite3 process
  making the tables, attaching the files 9 at a time, copying their rows and
  building the indexes at the end (sorted in parts by two threads, as the merge does
  since 0.4.0), at the district's page size (no check, no sync, no copy renamed into
  place).  Each export weighs what the app's schema makes of
  12,424 score rows (three 32-character ids, a batch id and two timestamps per row,
  and the table's two keys): ~5 MB, 85% of it the score table.
- ``merge.random-ids``: the same, on the same exports with every id random as the app
  makes them (UUID4), instead of one block per centre: the rows land all over the keys.
- ``merge.again``: the district's monthly merge: the ``merge`` row's district (its 50
  exports merged into a new database), then every centre's next export (a sequence
  higher) merged into it, each centre's rows replaced; the whole process, each run on a
  fresh copy of that district; floor: a bare sqlite3 backup copy of the district (the
  merge writes the district anew beside it).

The 50 centres are one demo centre copied with every id rewritten (so they merge
side by side as 50 real centres would), each exported by the app.  Built once per
schema revision in ``out/``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CLI = str(BIN / "incubator-tui")
PY = str(BIN / "python")

FULL = {"export": (100, 60), "merge": (50, 100, 24), "repeat": 3}
QUICK = {"export": (10, 6), "merge": (5, 5, 3), "repeat": 1}
ID_COLUMNS = {"id", "centre_id", "org_id", "item_id", "version_id", "case_id", "rating_id", "batch_id", "row_id",
              "previous_id", "rater_org_id"}

BARE_MERGE = r"""
import sqlite3, sys
page, dist, files = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
src = sqlite3.connect(files[0])
schema = src.execute("SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL AND name != 'export_meta' "
                     "ORDER BY type = 'index', rowid").fetchall()
tables = [r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                    "AND name NOT IN ('export_meta', 'alembic_version')")]
src.close()
d = sqlite3.connect(dist, isolation_level=None)
d.execute(f"PRAGMA page_size = {page}")
d.execute("PRAGMA journal_mode = OFF"); d.execute("PRAGMA synchronous = OFF"); d.execute("PRAGMA cache_size = -16384")
d.execute("BEGIN")
for kind, sql in schema:
    if kind != "index":
        d.execute(sql)
d.execute("COMMIT")
for b in range(0, len(files), 9):
    batch = files[b:b + 9]
    for j, f in enumerate(batch):
        d.execute(f"ATTACH DATABASE ? AS s{j}", (f,))
    d.execute("BEGIN")
    for j in range(len(batch)):
        for t in tables:
            d.execute(f"INSERT INTO main.{t} SELECT * FROM s{j}.{t}")
    d.execute("COMMIT")
    for j in range(len(batch)):
        d.execute(f"DETACH DATABASE s{j}")
d.execute("PRAGMA cache_size = -2048"); d.execute("PRAGMA threads = 1")  # sorted in parts, two threads
d.execute("BEGIN")
for kind, sql in schema:
    if kind == "index":
        d.execute(sql)
d.execute("COMMIT")
d.close()
"""

CHECKS_ONLY = r"""
import sys
from pathlib import Path
from incubator_tui.services.merge import check_all
assert all(outcome[0] == "ok" for _path, outcome in check_all([Path(f) for f in sys.argv[1:]], lambda step: None))
"""


def _page_size() -> int:
    from incubator_tui.services.merge import DISTRICT_PAGE_SIZE

    return DISTRICT_PAGE_SIZE


def _env(out: Path) -> dict:
    env = {**os.environ, "INCUBATOR_TUI_HOME": str(out / "home"), "INCUBATOR_TUI_TODAY": "2026-11-15"}
    env.pop("INCUBATOR_TUI_DB", None)
    return env


def _run(args: list[str], out: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(args, env=_env(out), capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args[:4])}…\n{proc.stderr}")
    return elapsed


def _schema() -> str:
    from incubator_tui.schema import HEAD

    return HEAD


def _checksum_tag() -> str:
    """Exports are rebuilt when the checksum's definition or the export format changes (an export
    made before would be checked by the other definition, or not be what the app writes now)."""
    import inspect

    from incubator_tui.services.exchange import FORMAT, content_checksum, meta_row_whole, page_checksum

    source = "".join(inspect.getsource(f) for f in (content_checksum, page_checksum, meta_row_whole))
    return hashlib.sha256(f"{FORMAT}\n{source}".encode()).hexdigest()[:8]


def _demo(out: Path, orgs: int, months: int) -> Path:
    path = out / f"exchange-demo-{orgs}x{months}-s{_schema()}.sqlite"
    if not path.exists():
        part = path.with_name(path.name + ".part")
        for p in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
            p.unlink(missing_ok=True)
        _run([CLI, "demo", "--db", str(part), "--orgs", str(orgs), "--months", str(months)], out)
        con = sqlite3.connect(part)
        con.execute("PRAGMA journal_mode = DELETE")
        con.close()
        part.rename(path)
    return path


def _random_id(value: str | None, centre: int) -> str | None:
    """An id as the app makes them (a random UUID4 hex), the same for the same id of one copy."""
    if value is None:
        return None
    return hashlib.md5(f"{centre}/{value}".encode()).hexdigest()


def _exports(out: Path, centres: int, orgs: int, months: int, ids: str = "blocks") -> list[Path]:
    """``centres`` exports of distinct centres (one demo centre, ids rewritten per copy).

    ``ids="blocks"``: the copy's number replaces an id's first two characters, so each centre's
    ids are one block in id order, and the demo's score ids count up within it: a merge then
    appends to every index.  ``ids="random"``: every id random, as the app makes them (UUID4),
    so each centre's rows land all over the district's indexes."""
    from incubator_tui.db import open_database
    from incubator_tui.services.exchange import export_sqlite

    tag = "" if ids == "blocks" else f"-{ids}"
    folder = out / f"exchange-{centres}x{orgs}x{months}-s{_schema()}-{_checksum_tag()}{tag}"
    files = [folder / f"centre-{i:02d}.sqlite" for i in range(centres)]
    if folder.is_dir() and all(f.exists() for f in files):
        return files
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    demo = _demo(out, orgs, months)
    for i, target in enumerate(files):
        copy = folder / f"db-{i:02d}.sqlite"
        _centre_copy(demo, copy, i, ids)
        db = open_database(copy)
        export_sqlite(db, target)
        db.dispose()
        _fresh(copy)
    return files


def _centre_copy(demo: Path, copy: Path, i: int, ids: str) -> None:
    """Copy ``i`` of the demo centre, every id rewritten (see ``_exports``): the same ids every time."""
    shutil.copyfile(demo, copy)
    con = sqlite3.connect(copy, isolation_level=None)
    con.create_function("random_id", 1, lambda v, i=i: _random_id(v, i), deterministic=True)
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("BEGIN")
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                "AND name != 'alembic_version'").fetchall():
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] in ID_COLUMNS]
        if cols:
            rewrite = "random_id({c})" if ids == "random" else "printf('%02d', {i}) || substr({c}, 3)"
            sets = ", ".join(f"{c} = " + rewrite.format(c=c, i=i) for c in cols)
            con.execute(f"UPDATE {table} SET {sets}")
    con.execute("UPDATE centre SET name = name || ?", (f"{i:02d}",))
    con.execute("COMMIT")
    con.close()


def _again(out: Path, centres: int, orgs: int, months: int) -> tuple[Path, list[Path]]:
    """The district the ``merge`` row makes (the first exports merged into a new database), and
    each centre's next export (``merge.again``): the same copy exported twice, so its sequence is
    one higher and its export log one row longer, as a centre's next month's file is (same rows
    otherwise).  Kept in a folder of its own, rebuilt when the schema or checksum tag changes."""
    from incubator_tui.db import open_database
    from incubator_tui.services.exchange import export_sqlite

    first = _exports(out, centres, orgs, months)
    folder = out / f"exchange-again-{centres}x{orgs}x{months}-s{_schema()}-{_checksum_tag()}"
    district = folder / "district.sqlite"
    files = [folder / f"centre-{i:02d}.sqlite" for i in range(centres)]
    if district.exists() and all(f.exists() for f in files):
        return district, files
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    demo = _demo(out, orgs, months)
    for i, target in enumerate(files):
        copy, once = folder / f"db-{i:02d}.sqlite", folder / f"once-{i:02d}.sqlite"
        _centre_copy(demo, copy, i, "blocks")
        db = open_database(copy)
        export_sqlite(db, once)  # the export the district holds (sequence 1) ...
        export_sqlite(db, target)  # ... and the next one (sequence 2)
        db.dispose()
        _fresh(copy)
        _fresh(once)
    part = folder / "district.part.sqlite"
    _run([CLI, "merge", str(part), *map(str, first)], out)
    part.rename(district)
    return district, files


def _in_cache(files: list[str]) -> None:
    """Read the exports through, as files just copied from a USB stick or a mail are: this machine
    drops a file's cache within minutes (see bench.in_cache), so the merge would otherwise read
    whatever part of 261 MB the last run left cached from the disk."""
    for f in files:
        with open(f, "rb") as fh, open(os.devnull, "wb") as sink:
            shutil.copyfileobj(fh, sink, 1 << 20)


def _fresh(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        p.unlink(missing_ok=True)


def export_row(out: Path, quick: bool) -> dict:
    sizes = QUICK if quick else FULL
    orgs, months = sizes["export"]
    demo = _demo(out, orgs, months)
    db = out / f"exchange-export-{orgs}x{months}.sqlite"
    shutil.copyfile(demo, db)
    target, floor_target = out / "exchange-export-out.sqlite", out / "exchange-export-floor.sqlite"
    ours, floor = [], []
    for _ in range(sizes["repeat"]):
        _fresh(target)
        ours.append(_run([CLI, "export", "sqlite", str(target), "--db", str(db)], out))
        _fresh(floor_target)
        floor.append(_run([PY, "-c", "import sqlite3, sys; s = sqlite3.connect(sys.argv[1]); "
                           "o = sqlite3.connect(sys.argv[2]); s.backup(o); o.close()", str(db), str(floor_target)], out))
    return {"id": "export", "what": f"district export (export sqlite), {orgs} orgs x {months} months, whole process",
            "value": statistics.median(ours), "unit": "s", "floor_what": "python + sqlite3 backup API copy",
            "floor": statistics.median(floor), "target": "<= 0.5 s"}


def merge_row(out: Path, quick: bool, ids: str = "blocks") -> dict:
    sizes = QUICK if quick else FULL
    centres, orgs, months = sizes["merge"]
    files = [str(f) for f in _exports(out, centres, orgs, months, ids)]
    district, bare = out / "exchange-district.sqlite", out / "exchange-district-floor.sqlite"
    ours, floor, checks = [], [], []
    for _ in range(sizes["repeat"]):
        _in_cache(files)
        _fresh(district)
        ours.append(_run([CLI, "merge", str(district), *files], out))
        checks.append(_run([PY, "-c", CHECKS_ONLY, *files], out))
        _fresh(bare)
        floor.append(_run([PY, "-c", BARE_MERGE, str(_page_size()), str(bare), *files], out))
    total, check = statistics.median(ours), statistics.median(checks)
    mb = sum(Path(f).stat().st_size for f in files) / 1e6
    how = ("ids in one block per centre" if ids == "blocks"
           else "random ids, as the app makes them: each centre's rows land all over the indexes")
    return {"id": "merge" if ids == "blocks" else f"merge.{ids}-ids",
            "what": f"district merge of {centres} centres ({orgs} orgs x {months} months, {_weight(files[0])}; "
                    f"{how}; "
                    f"{mb:.0f} MB of exports) into a new database, whole process; checks alone {check:.2f} s "
                    f"({100 * check / total:.0f}% of the whole, run beside the merge)",
            "value": total, "unit": "s",
            "floor_what": "python + bare sqlite3: tables, ATTACH 9 at a time, INSERT ... SELECT *, indexes at the end "
                          "(two sort threads, the same page size; no checks, no sync or rename)",
            "floor": statistics.median(floor), "target": "<= 1 s"}


def again_row(out: Path, quick: bool) -> dict:
    """The district's monthly merge: every centre it holds replaced by its next export."""
    sizes = QUICK if quick else FULL
    centres, orgs, months = sizes["merge"]
    first, again = _again(out, centres, orgs, months)
    files = [str(f) for f in again]
    district, floor_copy = out / "exchange-again-district.sqlite", out / "exchange-again-floor.sqlite"
    ours, floor = [], []
    for _ in range(sizes["repeat"]):
        _fresh(district)
        shutil.copyfile(first, district)
        _in_cache(files)
        ours.append(_run([CLI, "merge", str(district), *files], out))
        _fresh(floor_copy)
        floor.append(_run([PY, "-c", "import sqlite3, sys; s = sqlite3.connect(sys.argv[1]); "
                           "o = sqlite3.connect(sys.argv[2]); s.backup(o); o.close()", str(district), str(floor_copy)],
                          out))
    _fresh(floor_copy)
    mb = Path(first).stat().st_size / 1e6
    return {"id": "merge.again",
            "what": f"a district's monthly merge: the {centres} centres of the merge row's district ({mb:.0f} MB) "
                    f"each replaced by its next export (a sequence higher), whole process, checks included",
            "value": statistics.median(ours), "unit": "s",
            "floor_what": "python + sqlite3 backup API copy of the district (the merge writes a new copy)",
            "floor": statistics.median(floor), "target": "(monthly; no target)"}


def _weight(export: str) -> str:
    """What one export holds and weighs: its score rows and the share of the file they take."""
    con = sqlite3.connect(f"file:{export}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT COUNT(*) FROM score").fetchone()[0]
        try:  # dbstat is not in every SQLite build
            share = con.execute("SELECT SUM(pgsize) * 1.0 / (SELECT SUM(pgsize) FROM dbstat) FROM dbstat WHERE name IN "
                                "(SELECT name FROM sqlite_master WHERE tbl_name = 'score')").fetchone()[0]
        except sqlite3.Error:
            share = None
    finally:
        con.close()
    size = Path(export).stat().st_size / 1e6
    return f"{rows} score rows, {size:.1f} MB each" + (f", {100 * share:.0f}% of it score" if share else "")


def rows(out: Path, quick: bool) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    return [export_row(out, quick), merge_row(out, quick), merge_row(out, quick, "random"), again_row(out, quick)]


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for row in rows(ROOT / "out", quick):
        floor = row["floor"]
        print(f"{row['id']}: {row['value']:.3f} {row['unit']} (floor {floor:.3f}, x{row['value'] / floor:.1f}) "
              f"target {row['target']} — {row['what']}")
