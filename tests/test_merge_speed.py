"""What makes the merge fast without changing what it checks or writes: the build's page cache sized
from what is merged, and the copy handed to the disk batch by batch (then synced before the rename)."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest

from incubator_tui.services import merge as merge_module
from incubator_tui.services.exchange import export_sqlite
from incubator_tui.services.merge import (
    CACHE_MAX_KIB, CACHE_MIN_KIB, NEW_DISTRICT_CACHE_KIB, SORT_CACHE_KIB, SYNC_FILE_RANGE_WRITE, merge,
)
from incubator_tui.db import open_database
from tests.exchange_helpers import centre_db, district_rows, trace_statements

CENTRES = 10  # more than one batch of attached files (9)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("speed")
    files = []
    for i in range(CENTRES):
        db, _centre, _orgs = centre_db(folder / f"c{i}.sqlite", f"快中心{i:02d}", orgs=1, months=("2026-01",))
        files.append(folder / f"e{i}.sqlite")
        export_sqlite(db, files[-1])
        db.dispose()
    return files


def _count(path: Path, sql: str):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_the_build_cache_is_a_quarter_of_what_is_merged_within_bounds(tmp_path: Path) -> None:
    def sized(name: str, size: int) -> Path:
        path = tmp_path / name
        with path.open("wb") as fh:
            fh.truncate(size)  # sparse: only the size counts
        return path

    part = sized("part", 40 << 20)
    small = [(None, sized(f"s{i}", 1 << 20), None) for i in range(3)]
    assert merge_module._cache_kib(part, small) == CACHE_MIN_KIB == 32 * 1024  # 43 MiB merged: the floor
    medium = [(None, sized(f"m{i}", 100 << 20), None) for i in range(2)]
    assert merge_module._cache_kib(part, medium) == (240 << 20) // 4 // 1024  # 240 MiB merged: 60 MiB
    large = [(None, sized(f"l{i}", 500 << 20), None) for i in range(2)]
    assert merge_module._cache_kib(part, large) == CACHE_MAX_KIB == 200 * 1024  # the ceiling
    assert merge_module._cache_kib(tmp_path / "gone", [(None, tmp_path / "none", None)]) == CACHE_MIN_KIB


@pytest.mark.parametrize(("cores", "threads"), [(1, 0), (2, 1), (8, 1)])
def test_the_build_runs_with_that_cache_and_sorts_the_new_districts_indexes_at_the_end(
        exports: list[Path], tmp_path: Path, monkeypatch, cores: int, threads: int) -> None:
    statements = trace_statements(monkeypatch, merge_module)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    merge(tmp_path / "district.sqlite", exports)
    caches = [s for s in statements if s.startswith("PRAGMA cache_size")]
    # A new district's rows with a small cache (only small tables' keys are kept meanwhile); the
    # indexes' sorts with a smaller one, in parts a second thread sorts where there is a second core.
    assert caches == [f"PRAGMA cache_size = -{NEW_DISTRICT_CACHE_KIB}", f"PRAGMA cache_size = -{SORT_CACHE_KIB}"]
    assert [s for s in statements if s.startswith("PRAGMA threads")] == [f"PRAGMA threads = {threads}"]
    sort_at = statements.index(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
    inserts = [i for i, s in enumerate(statements) if s.startswith("INSERT INTO main.score")]
    keys = [i for i, s in enumerate(statements) if s.startswith("CREATE UNIQUE INDEX uq_score_")]
    # Score's two keys (indexes of their own since 0008) are each built once, after every row is in.
    assert len(inserts) == len(exports) and len(keys) == 2
    assert max(inserts) < sort_at < min(keys)


def test_an_existing_districts_build_keeps_the_share_of_the_bytes(exports: list[Path], tmp_path: Path,
                                                                    monkeypatch) -> None:
    """Centres merged into a district that has its keys: the share of the bytes (small files: the
    floor), no index built at the end."""
    district = tmp_path / "district.sqlite"
    merge(district, exports[:5])
    statements = trace_statements(monkeypatch, merge_module)
    merge(district, exports[5:])
    assert [s for s in statements if s.startswith("PRAGMA cache_size")] == [f"PRAGMA cache_size = -{CACHE_MIN_KIB}"]
    assert not any(s.startswith(("PRAGMA threads", "CREATE UNIQUE INDEX", "CREATE INDEX")) for s in statements)


@pytest.mark.parametrize("cores", [1, 2])
def test_each_batch_is_handed_to_the_disk_and_the_copy_synced_before_the_rename(
        exports: list[Path], tmp_path: Path, monkeypatch, cores: int) -> None:
    events: list[tuple] = []

    def start_writing(fd: int, offset: int, length: int, flags: int) -> int:
        events.append(("writeback", os.fstat(fd).st_ino, offset, length, flags))  # the file, by its inode
        return 0

    fsync_file, replace = merge_module.fsync_file, os.replace

    def fsync_recorded(path: Path) -> None:
        events.append(("fsync", str(Path(path).resolve())))
        fsync_file(path)

    def replace_recorded(src, dst) -> None:
        events.append(("replace", str(Path(src).resolve()), str(Path(dst).resolve())))
        replace(src, dst)

    monkeypatch.setattr(merge_module, "WRITEBACK", True)  # as on Linux, wherever the test runs
    monkeypatch.setattr(merge_module, "_sync_file_range", lambda: start_writing)
    monkeypatch.setattr(merge_module, "fsync_file", fsync_recorded)
    monkeypatch.setattr(os, "replace", replace_recorded)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)  # 2: merged early, beside the checks
    district = tmp_path / "district.sqlite"
    report = merge(district, exports)
    assert [r.action for r in report.results] == ["new"] * CENTRES
    part = str((tmp_path / f".district.sqlite.merge-{os.getpid()}.part").resolve())
    # One request per batch (9 files, then 1): the whole file's dirty pages, start writing, do not wait.
    copy = os.stat(district).st_ino  # the scratch copy, renamed into place: the same file
    assert [e for e in events if e[0] == "writeback"] == [("writeback", copy, 0, 0, SYNC_FILE_RANGE_WRITE)] * 2
    # The one fsync that makes the copy durable comes after them and before the rename, as before.
    kinds = [e[0] for e in events]
    assert kinds.index("fsync") > max(i for i, k in enumerate(kinds) if k == "writeback")
    assert events[kinds.index("fsync")] == ("fsync", part)
    assert events[kinds.index("replace")] == ("replace", part, str(district.resolve()))
    assert kinds.index("fsync") < kinds.index("replace")
    assert _count(district, "SELECT COUNT(*) FROM centre") == CENTRES
    assert _count(district, "PRAGMA quick_check") == "ok"
    assert _count(district, "PRAGMA journal_mode") == "delete"
    assert not list(tmp_path.glob(".district.sqlite*"))  # no scratch copy, no journal left


@pytest.mark.parametrize("how", ["fails", "missing", "not linux"])
def test_without_the_writeback_the_merge_is_the_same(exports: list[Path], tmp_path: Path, monkeypatch,
                                                     how: str) -> None:
    """A writeback that fails (-1), a C library without it, another system: only the final fsync writes."""
    calls: list[int] = []

    def failing(fd: int, offset: int, length: int, flags: int) -> int:
        calls.append(fd)
        return -1

    if how == "fails":
        monkeypatch.setattr(merge_module, "_sync_file_range", lambda: failing)
    elif how == "missing":
        monkeypatch.setattr(merge_module, "_sync_file_range", lambda: None)
    else:
        monkeypatch.setattr(merge_module, "WRITEBACK", False)  # as on Windows and macOS
        monkeypatch.setattr(merge_module, "_sync_file_range", lambda: failing)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    district = tmp_path / "district.sqlite"
    report = merge(district, exports)
    assert [r.action for r in report.results] == ["new"] * CENTRES
    assert _count(district, "SELECT COUNT(*) FROM centre") == CENTRES
    assert _count(district, "PRAGMA quick_check") == "ok"
    assert len(calls) == (2 if how == "fails" and sys.platform.startswith("linux") else 0)
    assert not list(tmp_path.glob(".district.sqlite*"))


def test_replacing_a_centre_finds_its_rows_by_the_indexes(exports: list[Path], tmp_path: Path, monkeypatch) -> None:
    """A district's monthly merge replaces centres it holds: their score and month rows are found through
    the indexes, not by reading every centre's rows for each one (50 centres: ~20 s -> ~5 s)."""
    from incubator_tui.db import open_database

    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    district = tmp_path / "district.sqlite"
    merge(district, exports)
    db = open_database(exports[0].with_name("c0.sqlite"))
    try:
        newer = tmp_path / "newer.sqlite"
        export_sqlite(db, newer)  # the same centre's next export: sequence 2
    finally:
        db.dispose()
    statements = trace_statements(monkeypatch, merge_module)
    report = merge(district, [newer])
    monkeypatch.undo()
    # Nothing changed but the export's own log row, which travels with the centre: one row added.
    assert [(r.action, r.added, r.changed, r.removed) for r in report.results] == [("replaced", 1, 0, 0)]
    assert _count(district, "SELECT COUNT(*) FROM centre") == CENTRES
    # Every statement that finds the centre's score and month rows in the district: how SQLite runs it,
    # asked of the district afterwards.
    scoped = [s for s in statements if any(s.startswith(f"{verb} main.{table} ") for table in ("score", "month_result")
                                           for verb in ("INSERT INTO temp.merge_rows SELECT rowid FROM",
                                                        "SELECT COUNT(*) FROM", "DELETE FROM"))]
    assert len(scoped) == 4  # per table: the rowids found once, then deleted by them
    centre_id = report.results[0].centre_id
    con = sqlite3.connect(district)
    try:
        con.execute("CREATE TEMP TABLE merge_rows (r INTEGER PRIMARY KEY)")
        for sql in scoped:
            plan = [row[3].replace("main.", "") for row in con.execute(f"EXPLAIN QUERY PLAN {sql}")]
            assert not any(step.startswith(("SCAN score", "SCAN month_result")) for step in plan), (sql, plan)
            assert any(step.startswith(("SEARCH score USING", "SEARCH month_result USING")) for step in plan)
        finding = [s for s in scoped if s.startswith("INSERT INTO temp.merge_rows")]
        assert len(finding) == 2 and all(f"'{centre_id}'" in s for s in finding)  # the traced text has :c filled in
    finally:
        con.close()


def test_replaced_centres_hold_exactly_their_newest_exports_rows(tmp_path: Path) -> None:
    """Found once, counted, compared and deleted table by table: a district whose centres were replaced
    holds what a new district merged from the same newest exports holds, and the counts are right."""
    from tests.helpers import score_month

    (da, ca, orgs_a) = centre_db(tmp_path / "a.sqlite", "雪宫中心")
    (db, cb, orgs_b) = centre_db(tmp_path / "b.sqlite", "稷下中心", orgs=2)
    first = [tmp_path / "ea.sqlite", tmp_path / "eb.sqlite"]
    export_sqlite(da, first[0])
    export_sqlite(db, first[1])
    score_month(da, ca, orgs_a[0], "2026-02", "5")  # changed: 6 scores, the month's result
    score_month(da, ca, orgs_a[1], "2026-03", "9")  # added: a month
    score_month(db, cb, orgs_b[0], "2026-01", "3")
    newer = [tmp_path / "ea2.sqlite", tmp_path / "eb2.sqlite"]
    export_sqlite(da, newer[0])
    export_sqlite(db, newer[1])
    da.dispose()
    db.dispose()
    district = tmp_path / "district.sqlite"
    merge(district, first)
    report = merge(district, newer)
    counts = [(r.centre, r.action, r.added, r.changed, r.removed) for r in report.results]
    assert counts == [("雪宫中心", "replaced", 17, 4, 0), ("稷下中心", "replaced", 5, 5, 0)]
    fresh = tmp_path / "fresh.sqlite"
    merge(fresh, newer)
    assert district_rows(district) == district_rows(fresh)
    back = merge(district, first[:1], force=True)  # the older export again: the month it lacks is removed
    assert [(r.action, r.added, r.changed, r.removed) for r in back.results] == [("replaced", 0, 4, 17)]
    fresh_back = tmp_path / "fresh-back.sqlite"
    merge(fresh_back, [first[0], newer[1]])
    assert district_rows(district) == district_rows(fresh_back)


def test_whole_rows_are_copied_only_from_tables_made_by_the_same_statement(tmp_path: Path, monkeypatch) -> None:
    """``INSERT ... SELECT *`` (SQLite copies the stored records) is used where the export's table was
    made by the district's statement; a table whose columns stand in another order is copied column
    by column, by name, so every value lands in its own column."""
    first, _c1, _o1 = centre_db(tmp_path / "a.sqlite", "甲中心", orgs=1, months=("2026-01",))
    other, centre, _o2 = centre_db(tmp_path / "b.sqlite", "乙中心", orgs=1, months=("2026-01",))
    first.dispose()
    other.dispose()
    # Centre b's database has its centre table with the same columns in another order.
    con = sqlite3.connect(tmp_path / "b.sqlite", isolation_level=None)
    info = con.execute("PRAGMA table_info(centre)").fetchall()
    cols = [r[1] for r in info]
    reordered = [*cols[1:], cols[0]]
    defs = {name: f"{name} {kind}{' NOT NULL' if notnull else ''}{'' if default is None else ' DEFAULT ' + default}"
            for _cid, name, kind, notnull, default, _pk in info}
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("BEGIN")
    con.execute("ALTER TABLE centre RENAME TO centre_old")
    con.execute("CREATE TABLE centre (" + ", ".join(defs[c] for c in reordered) + ", PRIMARY KEY (id))")
    con.execute(f"INSERT INTO centre ({', '.join(reordered)}) SELECT {', '.join(reordered)} FROM centre_old")
    con.execute("DROP TABLE centre_old")
    con.execute("COMMIT")
    expected = dict(zip(cols, con.execute(f"SELECT {', '.join(cols)} FROM centre").fetchone()))
    con.close()
    exports = []
    for name in ("a", "b"):
        db = open_database(tmp_path / f"{name}.sqlite")
        exports.append(tmp_path / f"e-{name}.sqlite")
        export_sqlite(db, exports[-1])
        db.dispose()
    statements = trace_statements(monkeypatch, merge_module)
    district = tmp_path / "district.sqlite"
    merge(district, exports)  # a's statements make the district's tables
    con = sqlite3.connect(district)
    try:
        got = dict(zip(cols, con.execute(f"SELECT {', '.join(cols)} FROM centre WHERE id = ?",
                                         (centre.id,)).fetchone()))
    finally:
        con.close()
    assert got == expected and got["name"] == "乙中心"
    whole = [s for s in statements if s.startswith("INSERT INTO main.") and " SELECT * FROM " in s]
    by_name = [s for s in statements if s.startswith("INSERT INTO main.centre (")]
    assert "INSERT INTO main.score SELECT * FROM src0.score" in whole
    assert "INSERT INTO main.score SELECT * FROM src1.score" in whole
    assert by_name == [f"INSERT INTO main.centre ({', '.join(chr(34) + c + chr(34) for c in cols)}) "
                       f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols)} FROM src1.centre"]
