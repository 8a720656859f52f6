"""`merge`: all or nothing, keyed by ids; every bad input refused with the district database untouched."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from incubator_tui.cli import main
from incubator_tui.services.exchange import export_sqlite
from incubator_tui.services.merge import MergeRefused, merge
from tests.exchange_helpers import centre_db, dump, sha
from tests.helpers import score_month


@pytest.fixture
def two_centres(tmp_path: Path):
    a = centre_db(tmp_path / "a.sqlite", "雪宫中心")
    b = centre_db(tmp_path / "b.sqlite", "稷下中心", orgs=2)
    yield a, b
    a[0].dispose()
    b[0].dispose()


def _count(path: Path, sql: str, *params) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


def _merged(two_centres, tmp_path: Path) -> tuple[Path, Path, Path]:
    (da, _ca, _), (dbb, _cb, _) = two_centres
    ea, eb = tmp_path / "ea.sqlite", tmp_path / "eb.sqlite"
    export_sqlite(da, ea)
    export_sqlite(dbb, eb)
    district = tmp_path / "district.sqlite"
    merge(district, [ea, eb])
    return district, ea, eb


def test_two_centres_side_by_side_and_remerging_changes_nothing(two_centres, tmp_path: Path, capsys) -> None:
    district, ea, eb = _merged(two_centres, tmp_path)
    assert _count(district, "SELECT COUNT(*) FROM centre") == 2
    assert _count(district, "SELECT COUNT(*) FROM organisation") == 5
    assert _count(district, "SELECT COUNT(*) FROM score") == 5 * 12
    assert _count(district, "PRAGMA quick_check") == "ok"
    assert _count(district, "PRAGMA page_size") == 32768  # a new district's pages (fewer to build)
    # The schema is the app's own, indexes included (a new district builds them after its rows).
    def schema(path: Path) -> set:
        con = sqlite3.connect(path)
        try:
            return set(con.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        finally:
            con.close()

    (da, _ca, _), _b = two_centres
    assert schema(district) == schema(da.path)
    before = sha(district)
    assert main(["merge", str(district), str(ea), str(eb)]) == 0
    out = capsys.readouterr().out
    assert "已合并过，无变化" in out
    assert sha(district) == before  # not even rewritten
    # The app opens the district database and sees both centres.
    from incubator_tui.db import open_database
    from incubator_tui.services.centres import list_centres

    opened = open_database(district)
    with opened.reading() as conn:
        assert [c.name for c in list_centres(conn)] == ["稷下中心", "雪宫中心"]
    opened.dispose()


def test_a_newer_export_replaces_the_centres_rows_and_an_older_one_is_refused(two_centres, tmp_path: Path,
                                                                            capsys) -> None:
    district, ea, _eb = _merged(two_centres, tmp_path)
    (da, ca, orgs_a), _b = two_centres
    score_month(da, ca, orgs_a[0], "2026-02", "5")  # a changed month: 6 score rows, its total, audit rows
    score_month(da, ca, orgs_a[1], "2026-03", "9")  # a new month
    newer = tmp_path / "ea2.sqlite"
    export_sqlite(da, newer)
    assert main(["merge", str(district), str(newer)]) == 0
    out = capsys.readouterr().out
    assert "替换第 1 号" in out
    assert _count(district, "SELECT COUNT(*) FROM organisation") == 5  # the other centre is untouched
    assert _count(district, "SELECT SUM(value_cent) FROM score WHERE org_id = ? AND month = '2026-02'",
                  orgs_a[0]) == 500
    assert _count(district, "SELECT COUNT(*) FROM score WHERE month = '2026-03'") == 6
    line = next(x for x in out.splitlines() if "雪宫中心" in x)
    assert "修改 " in line and "新增 0 行" not in line
    # The older export now: refused, district unchanged; with --force it goes back.
    before = sha(district)
    assert main(["merge", str(district), str(ea)]) == 1
    assert "早于已合并的第 2 号" in capsys.readouterr().err
    assert sha(district) == before
    assert main(["merge", str(district), str(ea), "--force"]) == 0
    assert _count(district, "SELECT COUNT(*) FROM score WHERE month = '2026-03'") == 0


def _bad_files(tmp_path: Path, good: Path) -> dict[str, Path]:
    bad: dict[str, Path] = {}
    data = good.read_bytes()
    bad["truncated"] = tmp_path / "truncated.sqlite"
    bad["truncated"].write_bytes(data[: len(data) // 2])
    bad["random"] = tmp_path / "random.sqlite"
    bad["random"].write_bytes(os.urandom(8192))
    bad["foreign"] = tmp_path / "foreign.sqlite"
    con = sqlite3.connect(bad["foreign"])
    con.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
    con.commit()
    con.close()
    bad["newer"] = tmp_path / "newer.sqlite"
    shutil.copyfile(good, bad["newer"])
    con = sqlite3.connect(bad["newer"])
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.execute("UPDATE export_meta SET schema_version = '9999', app_version = '9.0.0'")
    con.commit()
    con.close()
    bad["altered"] = tmp_path / "altered.sqlite"
    shutil.copyfile(good, bad["altered"])
    con = sqlite3.connect(bad["altered"])
    assert con.execute("UPDATE score SET value_cent = value_cent - 50 WHERE rowid = "
                       "(SELECT MIN(rowid) FROM score WHERE value_cent >= 50)").rowcount == 1
    con.commit()
    con.close()
    return bad


@pytest.mark.parametrize("kind, words", [
    ("truncated", "被截断"), ("random", "不是 SQLite"), ("foreign", "其他程序"), ("newer", "更新版本"),
    ("altered", "校验和不符"), ("app_database", "不是导出文件"),
])
def test_each_bad_input_is_refused_with_one_line_and_nothing_merged(two_centres, tmp_path: Path, capsys, kind,
                                                                    words) -> None:
    district, ea, _eb = _merged(two_centres, tmp_path)
    (da, ca, orgs_a), (dbb, _cb, _) = two_centres
    score_month(da, ca, orgs_a[0], "2026-03", "9")
    good_newer = tmp_path / "good-newer.sqlite"
    export_sqlite(da, good_newer)
    bad = _bad_files(tmp_path, ea)
    bad["app_database"] = dbb.path
    before = dump(district), sha(district)
    rc = main(["merge", str(district), str(good_newer), str(bad[kind])])
    err = capsys.readouterr().err
    assert rc == 1
    lines = err.strip().splitlines()
    assert len(lines) == 2 and str(bad[kind]) in lines[0] and words in lines[0]
    assert "Traceback" not in err
    assert (dump(district), sha(district)) == before  # the good file was not merged either


def test_refusals_in_english_name_the_file(two_centres, tmp_path: Path, capsys) -> None:
    district, ea, _eb = _merged(two_centres, tmp_path)
    bad = _bad_files(tmp_path, ea)
    assert main(["--lang", "en", "merge", str(district), str(bad["altered"])]) == 1
    assert f"{bad['altered']}: its content was altered after export" in capsys.readouterr().err


def test_district_path_that_cannot_be_written(two_centres, tmp_path: Path, capsys) -> None:
    (da, _ca, _), _b = two_centres
    ea = tmp_path / "ea.sqlite"
    export_sqlite(da, ea)
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    assert main(["merge", str(blocker / "district.sqlite"), str(ea)]) == 1
    assert "不存在" in capsys.readouterr().err
    folder = tmp_path / "adir"
    folder.mkdir()
    assert main(["merge", str(folder), str(ea)]) == 1
    assert "是文件夹" in capsys.readouterr().err
    assert list(folder.iterdir()) == []
    with pytest.raises(SystemExit) as usage:
        main(["merge", str(tmp_path / "d.sqlite")])  # no input: a usage error
    assert usage.value.code == 2


def test_district_that_is_not_ours_is_refused_untouched(two_centres, tmp_path: Path, capsys) -> None:
    (da, _ca, _), _b = two_centres
    ea = tmp_path / "ea.sqlite"
    export_sqlite(da, ea)
    foreign = tmp_path / "foreign.sqlite"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = sha(foreign)
    assert main(["merge", str(foreign), str(ea)]) == 1
    assert "不是本软件的数据库" in capsys.readouterr().err
    assert sha(foreign) == before


def test_more_files_than_sqlite_attaches_at_once(tmp_path: Path) -> None:
    exports = []
    for n in range(12):
        db, _centre, _orgs = centre_db(tmp_path / f"c{n}.sqlite", f"中心{n:02d}", orgs=1, months=("2026-01",))
        exports.append(tmp_path / f"e{n}.sqlite")
        export_sqlite(db, exports[-1])
        db.dispose()
    district = tmp_path / "district.sqlite"
    report = merge(district, exports)
    assert [r.action for r in report.results] == ["new"] * 12
    assert _count(district, "SELECT COUNT(*) FROM centre") == 12
    assert _count(district, "SELECT COUNT(*) FROM exchange_log WHERE kind = 'merge'") == 12
    # Many files are checked in parallel: a bad one among them is still named, and nothing merged.
    bad = _bad_files(tmp_path, exports[0])["altered"]
    before = sha(district)
    with pytest.raises(MergeRefused) as err:
        merge(district, [*exports[1:], bad])
    assert len(err.value.lines) == 1 and str(bad) in err.value.lines[0] and "校验和不符" in err.value.lines[0]
    assert sha(district) == before


def test_older_exports_are_upgraded_in_a_copy(two_centres, tmp_path: Path) -> None:
    """An export whose schema is older than the app's is merged through a migrated copy; the file stays as it was.
    Made here as the format-1 code path (0.2.0) wrote it: its checksum over the rows."""
    (da, _ca, _), _b = two_centres
    ea = tmp_path / "ea.sqlite"
    export_sqlite(da, ea)
    # Make it look like an export of the previous schema: what 0005 added is not there yet.
    con = sqlite3.connect(ea)
    con.execute("DROP TABLE exchange_log")
    con.execute("DROP TABLE rating_request")  # and what 0006 added (#10)
    con.execute("ALTER TABLE rating DROP COLUMN publicity_until")
    con.execute("DROP INDEX ix_audit_batch")  # and 0008's index (its score table is rebuilt either way)
    con.execute("UPDATE alembic_version SET version_num = '0004'")
    con.commit()
    from incubator_tui.services.exchange import content_checksum, row_counts

    meta = dict(zip(("format", "centre_id", "centre_name", "sequence", "exported_at", "schema_version",
                     "app_version", "redacted"), con.execute(
        "SELECT 1, centre_id, centre_name, sequence, exported_at, '0004', app_version, redacted "
        "FROM export_meta").fetchone()))
    meta["redacted"] = bool(meta["redacted"])
    meta["row_counts"] = row_counts(con)
    import json

    con.execute("UPDATE export_meta SET format = 1, schema_version = '0004', row_counts = ?, checksum = ?",
                (json.dumps(meta["row_counts"], sort_keys=True), content_checksum(con, meta)))
    con.commit()
    con.close()
    before = sha(ea)
    district = tmp_path / "district.sqlite"
    report = merge(district, [ea])
    assert report.results[0].action == "new"
    assert sha(ea) == before
    assert _count(district, "SELECT COUNT(*) FROM organisation") == 3
    assert _count(district, "SELECT version_num FROM alembic_version") is not None


KILLER = textwrap.dedent("""
    import sys, time
    from incubator_tui.services.merge import merge

    def progress(step):
        print("STEP", step, flush=True)
        time.sleep(0.2)  # widen each step so the test's kill lands inside it

    merge(sys.argv[1], sys.argv[2:], progress=progress)
    print("DONE", flush=True)
""")


@pytest.mark.parametrize("kill_after", [1, 3, 4])  # checks: 1-2; merging: 3-4
def test_a_merge_killed_half_way_leaves_the_district_as_it_was(two_centres, tmp_path: Path, kill_after) -> None:
    district, ea, eb = _merged(two_centres, tmp_path)
    (da, ca, orgs_a), (dbb, cb, orgs_b) = two_centres
    score_month(da, ca, orgs_a[0], "2026-03", "9")
    score_month(dbb, cb, orgs_b[0], "2026-03", "4")
    na, nb = tmp_path / "na.sqlite", tmp_path / "nb.sqlite"
    export_sqlite(da, na)
    export_sqlite(dbb, nb)
    before = sha(district)
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(district), str(na), str(nb)],
                            stdout=subprocess.PIPE, text=True)
    steps = 0
    for line in proc.stdout:
        if line.startswith("STEP"):
            steps += 1
            if steps == kill_after:
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert sha(district) == before
    # The next merge cleans the scratch copy up and goes through.
    report = merge(district, [na, nb])
    assert [r.action for r in report.results] == ["replaced", "replaced"]
    assert not list(tmp_path.glob(".district.sqlite.merge-*"))


def test_refused_merge_reports_every_bad_file(two_centres, tmp_path: Path) -> None:
    district, ea, _eb = _merged(two_centres, tmp_path)
    bad = _bad_files(tmp_path, ea)
    with pytest.raises(MergeRefused) as err:
        merge(district, [bad["random"], ea, bad["altered"]])
    assert len(err.value.lines) == 2


def _many_exports(tmp_path: Path, n: int = 5) -> list[Path]:
    exports = []
    for i in range(n):
        db, _centre, _orgs = centre_db(tmp_path / f"m{i}.sqlite", f"多中心{i:02d}", orgs=2, months=("2026-01",))
        exports.append(tmp_path / f"me{i}.sqlite")
        export_sqlite(db, exports[-1])
        db.dispose()
    return exports


def _content(path: Path) -> list:
    """The district's rows, but for what each merge stamps anew (its log row's id and time)."""
    con = sqlite3.connect(path)
    try:
        rows = []
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            if table == "exchange_log":
                rows.append(sorted(con.execute("SELECT centre_id, kind, sequence, exported_at, checksum, summary "
                                               "FROM exchange_log")))
            else:
                rows.append(sorted(con.execute(f'SELECT * FROM "{table}"'), key=repr))
        schema = sorted(con.execute("SELECT type, name, sql FROM sqlite_master"), key=repr)
        return [schema, rows]
    finally:
        con.close()


def test_many_files_merge_while_they_are_checked_with_the_same_result(tmp_path: Path, monkeypatch) -> None:
    """With several files and cores the merge into the scratch copy starts while the files are checked
    (from what they say of themselves); the district is what checking first and merging after makes."""
    exports = _many_exports(tmp_path)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    steps: list[str] = []
    early = tmp_path / "early.sqlite"
    report = merge(early, exports, progress=steps.append)
    assert [r.action for r in report.results] == ["new"] * 5
    # A centre was merged before the last file's check came back: the two overlapped.
    assert steps.index("多中心00") < steps.index(str(exports[-1]))
    monkeypatch.setattr(os, "cpu_count", lambda: 1)  # one core: every check first, then the merge
    steps.clear()
    after = tmp_path / "after.sqlite"
    merge(after, exports, progress=steps.append)
    assert steps.index(str(exports[-1])) < steps.index("多中心00")
    assert _content(early) == _content(after)
    assert _count(early, "PRAGMA quick_check") == "ok"
    assert not list(tmp_path.glob(".*.part*"))


@pytest.mark.parametrize("existing", [False, True])
def test_a_file_refused_by_its_check_while_merging_early_leaves_nothing(tmp_path: Path, monkeypatch,
                                                                       existing: bool) -> None:
    """A file whose metadata reads well but whose content was altered is merged early along with the
    others, then refused by its check: nothing is created or changed, no scratch copy is left."""
    exports = _many_exports(tmp_path)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    district = tmp_path / "district.sqlite"
    if existing:
        merge(district, exports[:1])
        before = (dump(district), sha(district))
    altered = _bad_files(tmp_path, exports[-1])["altered"]
    with pytest.raises(MergeRefused) as err:
        merge(district, [*exports[:-1], altered])
    assert len(err.value.lines) == 1 and str(altered) in err.value.lines[0] and "校验和不符" in err.value.lines[0]
    if existing:
        assert (dump(district), sha(district)) == before
    else:
        assert not district.exists()
    assert not list(tmp_path.glob(".district.sqlite.merge-*"))


KILL_EARLY = textwrap.dedent("""
    import os, sys, time
    from incubator_tui.services.merge import merge

    os.cpu_count = lambda: 2  # several cores: the merge overlaps the checks

    def progress(step):
        print("STEP", step, flush=True)
        time.sleep(0.2)

    merge(sys.argv[1], sys.argv[2:], progress=progress)
    print("DONE", flush=True)
""")


def test_a_merge_killed_while_merging_early_leaves_the_district_as_it_was(tmp_path: Path) -> None:
    exports = _many_exports(tmp_path)
    district = tmp_path / "district.sqlite"
    merge(district, exports[:2])
    before = sha(district)
    proc = subprocess.Popen([sys.executable, "-c", KILL_EARLY, str(district), *map(str, exports)],
                            stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("STEP 多中心03"):  # merging the copy, its checks not all back
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert sha(district) == before
    report = merge(district, exports)
    assert [r.action for r in report.results] == ["unchanged", "unchanged", "new", "new", "new"]
    assert not list(tmp_path.glob(".district.sqlite.merge-*"))


def test_the_merge_imports_no_orm(two_centres, tmp_path: Path) -> None:
    """The merge of exports at the app's schema is plain sqlite3 (SQLAlchemy and alembic take ~0.1 s to
    import): they are imported only to upgrade an older export or district."""
    (da, _ca, _), (dbb, _cb, _) = two_centres
    ea, eb = tmp_path / "ea.sqlite", tmp_path / "eb.sqlite"
    export_sqlite(da, ea)
    export_sqlite(dbb, eb)
    district = tmp_path / "district.sqlite"
    code = ("import sys\nfrom incubator_tui.cli import main\n"
            "assert main(['merge', sys.argv[1], sys.argv[2], sys.argv[3]]) == 0\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'alembic'))\n"
            "print('HEAVY', heavy)\n")
    for _ in range(2):  # a new district, then one to merge into
        proc = subprocess.run([sys.executable, "-c", code, str(district), str(ea), str(eb)], capture_output=True,
                              text=True, env={**os.environ, "INCUBATOR_TUI_HOME": str(tmp_path / "home")})
        assert proc.returncode == 0, proc.stderr
        assert "HEAVY []" in proc.stdout
    assert _count(district, "SELECT COUNT(*) FROM centre") == 2


def test_a_district_open_in_the_app_is_not_merged_into(two_centres, tmp_path: Path) -> None:
    """The app's connections would go on using the old file and, closing, delete the -wal and -shm
    beside it by name, whichever file they then belong to: the merge asks to close it first."""
    from incubator_tui.db import open_database
    from incubator_tui.services.centres import list_centres
    from incubator_tui.services.exchange import ExchangeError

    district, ea, _eb = _merged(two_centres, tmp_path)
    (da, ca, orgs_a), _b = two_centres
    score_month(da, ca, orgs_a[1], "2026-03", "9")
    newer = tmp_path / "ea2.sqlite"
    export_sqlite(da, newer)
    opened = open_database(district)  # the app on the district database
    with opened.reading() as conn:
        assert len(list_centres(conn)) == 2
    before = dump(district)
    with pytest.raises(ExchangeError) as refused:
        merge(district, [newer])
    assert refused.value.key == "merge.district_busy" and "正在使用中" in str(refused.value)
    assert dump(district) == before
    opened.dispose()  # closed: now it merges
    merge(district, [newer])
    assert _count(district, "SELECT COUNT(*) FROM score WHERE month = '2026-03'") == 6


def test_a_stale_log_beside_the_district_is_set_aside_not_replayed(two_centres, tmp_path: Path) -> None:
    """A district database deleted without its -wal (a file manager, a script): SQLite finds a log by
    its name and would replay it into the new file; the merge keeps it aside instead."""
    from incubator_tui.db import open_database
    from incubator_tui.services.centres import list_centres

    district, ea, eb = _merged(two_centres, tmp_path)
    app = open_database(district)  # in WAL mode, with a log of its own
    (da, ca, orgs_a), _b = two_centres
    with app.session() as s:
        s.execute(__import__("sqlalchemy").text("UPDATE centre SET address = '旧文件的日志'"))
    stale = Path(f"{district}-wal")
    kept = tmp_path / "stale-wal"
    shutil.copyfile(stale, kept)
    app.dispose()
    district.unlink()
    shutil.copyfile(kept, stale)  # the log of a file that is gone
    merge(district, [ea, eb])
    assert not stale.exists()
    [aside] = list(tmp_path.glob("district.sqlite-wal.stale-*"))
    assert aside.read_bytes() == kept.read_bytes()  # kept, out of SQLite's way
    opened = open_database(district)
    with opened.reading() as conn:
        assert len(list_centres(conn)) == 2
    opened.dispose()
    assert _count(district, "PRAGMA quick_check") == "ok"
    assert _count(district, "SELECT COUNT(*) FROM centre WHERE address = '旧文件的日志'") == 0
