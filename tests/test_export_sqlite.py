"""`export sqlite`: the centre's data in the app's schema, with its metadata, sequence and checksum."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from incubator_tui.cli import main
from incubator_tui.db import HEAD, open_database
from incubator_tui.services.centres import create_centre
from incubator_tui.services.exchange import SCOPE, ExchangeError, check_export, export_sqlite
from tests.exchange_helpers import PHONE, centre_db
from tests.helpers import assert_month_results_match_scores, score_month


@pytest.fixture
def centre_a(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Writers wait for an export's snapshot as for any other writer: allow a loaded machine its moment.
    monkeypatch.setenv("INCUBATOR_TUI_BUSY_MS", "5000")
    db, centre, orgs = centre_db(tmp_path / "a.sqlite", "雪宫中心")
    yield db, centre, orgs
    db.dispose()


def _meta(path: Path) -> dict:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return dict(con.execute("SELECT * FROM export_meta").fetchone())
    finally:
        con.close()


def test_export_holds_the_centre_its_metadata_and_a_checksum_that_verifies(centre_a, tmp_path: Path) -> None:
    db, centre, _orgs = centre_a
    out = tmp_path / "out" / "雪宫.sqlite"
    out.parent.mkdir()
    report = export_sqlite(db, out, operator="王主任")
    meta = _meta(out)
    assert (meta["centre_id"], meta["centre_name"], meta["sequence"], meta["schema_version"]) == (
        centre.id, "雪宫中心", 1, HEAD)
    counts = json.loads(meta["row_counts"])
    assert counts["organisation"] == 3 and counts["score"] == 3 * 2 * 6 and counts["centre"] == 1
    assert report.counts == counts
    info = check_export(out)  # recomputes the checksum from the file's pages
    assert info.checksum == meta["checksum"] and len(info.checksum) == 64
    # A file in the app's schema: the app opens a copy of it as one of its databases.
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(out, copy)
    opened = open_database(copy)
    with opened.reading() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM score").scalar() == 36
    opened.dispose()
    # One self-contained file: no -wal beside it, rollback journal in the header.
    assert not Path(f"{out}-wal").exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["雪宫.sqlite"]


def test_sequence_increases_per_centre_and_lives_in_the_centre_database(centre_a, tmp_path: Path) -> None:
    db, centre, _orgs = centre_a
    for n in (1, 2, 3):
        export_sqlite(db, tmp_path / f"e{n}.sqlite")
        assert _meta(tmp_path / f"e{n}.sqlite")["sequence"] == n
    with db.reading() as conn:
        rows = conn.exec_driver_sql(
            "SELECT sequence FROM exchange_log WHERE centre_id = ? AND kind = 'export' ORDER BY sequence",
            (centre.id,)).all()
    assert [r[0] for r in rows] == [1, 2, 3]
    # The export carries its own log row too, so a district sees the history.
    con = sqlite3.connect(tmp_path / "e3.sqlite")
    assert [r[0] for r in con.execute("SELECT sequence FROM exchange_log ORDER BY sequence")] == [1, 2, 3]
    con.close()


def test_redacted_export_leaves_no_phone_anywhere_in_the_file(centre_a, tmp_path: Path) -> None:
    db, _centre, _orgs = centre_a
    plain, redacted = tmp_path / "plain.sqlite", tmp_path / "redacted.sqlite"
    export_sqlite(db, plain)
    export_sqlite(db, redacted, redact=True)
    assert PHONE.encode() in plain.read_bytes()  # the scan finds it when it is there
    data = redacted.read_bytes()
    assert PHONE.encode() not in data
    assert "联系人0号".encode() not in data
    con = sqlite3.connect(redacted)
    assert con.execute("SELECT COUNT(*) FROM organisation WHERE contact != '' OR phone != ''").fetchone() == (0,)
    assert con.execute("SELECT COUNT(*) FROM organisation").fetchone() == (3,)
    con.close()
    info = check_export(redacted)
    assert info.redacted


def test_a_database_with_several_centres_exports_one_and_nothing_of_the_others(centre_a, tmp_path: Path) -> None:
    db, centre, _orgs = centre_a
    with db.session() as s:
        other = create_centre(s, "稷下文化创客中心", "tester", category="culture")
    from tests.helpers import make_org

    other_org = make_org(db, other, "稷下书画社")
    score_month(db, other, other_org, "2026-01", "7")
    with pytest.raises(Exception) as err:
        export_sqlite(db, tmp_path / "x.sqlite")  # which centre? (exit 2 on the command line)
    assert getattr(err.value, "exit_code", None) == 2
    out = tmp_path / "jixia.sqlite"
    export_sqlite(db, out, centre="稷下文化创客中心")
    con = sqlite3.connect(out)
    assert con.execute("SELECT name FROM centre").fetchall() == [("稷下文化创客中心",)]
    assert con.execute("SELECT COUNT(*) FROM organisation").fetchone() == (1,)
    assert con.execute("SELECT COUNT(*) FROM score").fetchone() == (6,)
    con.close()
    data = out.read_bytes()
    assert "雪宫中心".encode() not in data and PHONE.encode() not in data  # not even in free pages
    assert check_export(out).centre_id == other.id


def test_snapshot_is_consistent_while_the_app_writes(centre_a, tmp_path: Path) -> None:
    db, centre, orgs = centre_a
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        months = [f"2025-{m:02d}" for m in range(1, 13)]
        i = 0
        try:
            while not stop.is_set():
                score_month(db, centre, orgs[i % 3], months[i % 12], ("6", "7.5", "9")[i % 3])
                i += 1
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        outs = [tmp_path / f"live{n}.sqlite" for n in range(3)]
        for out in outs:
            export_sqlite(db, out)
    finally:
        stop.set()
        thread.join()
    assert not errors
    for out in outs:
        check_export(out)
        copy = tmp_path / f"{out.stem}-copy.sqlite"
        shutil.copyfile(out, copy)
        snapshot = open_database(copy)
        assert_month_results_match_scores(snapshot)  # every score write came whole, with its totals
        snapshot.dispose()


def test_refuses_to_overwrite_what_is_not_an_export(centre_a, tmp_path: Path) -> None:
    db, _centre, _orgs = centre_a
    notes = tmp_path / "notes.sqlite"
    notes.write_bytes(b"not mine")
    with pytest.raises(ExchangeError) as err:
        export_sqlite(db, notes)
    assert err.value.key == "exchange.out_exists" and notes.read_bytes() == b"not mine"
    with pytest.raises(ExchangeError) as err:
        export_sqlite(db, db.path)
    assert err.value.key == "exchange.out_is_database"
    with pytest.raises(ExchangeError) as err:
        export_sqlite(db, tmp_path / "missing" / "x.sqlite")
    assert err.value.key == "exchange.out_no_folder"
    earlier = tmp_path / "monthly.sqlite"
    export_sqlite(db, earlier)
    export_sqlite(db, earlier)  # an earlier export is replaced
    assert _meta(earlier)["sequence"] == 2
    with db.reading() as conn:  # the refused attempts (checked before the snapshot) took no number
        assert conn.exec_driver_sql("SELECT MAX(sequence) FROM exchange_log").scalar() == 2


def test_scope_covers_every_table_of_the_schema(db) -> None:
    with db.reading() as conn:
        tables = {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    assert tables - {"alembic_version"} == {name for name, _ in SCOPE}


def test_cli_export_sqlite(centre_a, tmp_path: Path, capsys) -> None:
    db, _centre, _orgs = centre_a
    out = tmp_path / "cli.sqlite"
    assert main(["export", "sqlite", str(out), "--db", str(db.path), "--redact-contacts"]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "第 1 号" in printed
    assert check_export(out).redacted
    assert main(["export", "sqlite", str(tmp_path / "y.sqlite"), "--db", str(tmp_path / "none.sqlite")]) == 1
    assert not (tmp_path / "none.sqlite").exists()
    assert main(["--lang", "en", "export", "sqlite", str(tmp_path / "notes"), "--db", str(db.path),
                 "--month", "2026-01"]) == 2
    err = capsys.readouterr().err
    assert "takes neither" in err


def test_the_format_1_checksum_is_what_the_documented_definition_gives(centre_a, tmp_path: Path) -> None:
    """Format 1's checksum recomputed here in plain Python from the module doc (any tool can): SHA-256 of the
    metadata as canonical JSON, then per table in name order its name between NULs and its rows in primary-key
    order, values as text joined by U+001F (NULL as U+0001), rows joined by U+001E.  Exports made by earlier
    versions (0.2.0 shipped this definition) must keep verifying however the app computes it: the export is
    made a format-1 one with the checksum computed here, and the app's check must agree.  (Format 2, what
    this version writes: tests/test_export_format.py.)"""
    import hashlib

    db, _centre, _orgs = centre_a
    out = tmp_path / "e.sqlite"
    export_sqlite(db, out)
    meta = _meta(out)
    con = sqlite3.connect(out)
    try:
        h = hashlib.sha256()
        h.update(json.dumps({"format": 1, "centre_id": meta["centre_id"],
                             "centre_name": meta["centre_name"], "sequence": meta["sequence"],
                             "exported_at": meta["exported_at"], "schema_version": meta["schema_version"],
                             "app_version": meta["app_version"], "redacted": bool(meta["redacted"]),
                             "row_counts": json.loads(meta["row_counts"])},
                            sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite_%' AND name != 'export_meta' ORDER BY name")]
        nulls = texts = 0
        for table in tables:
            info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
            pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])] or [r[1] for r in info]
            rows = []
            for row in con.execute(f'SELECT * FROM "{table}" ORDER BY {", ".join(pk)}'):
                assert not any(isinstance(v, (float, bytes)) for v in row)  # else SQLite's own text form
                nulls += sum(v is None for v in row)
                texts += sum(isinstance(v, str) and not v.isascii() for v in row)
                rows.append("\x1f".join("\x01" if v is None else str(v) for v in row))
            h.update(b"\x00" + table.encode() + b"\x00" + "\x1e".join(rows).encode())
        assert nulls and texts  # the file has NULLs and Chinese text: both forms are covered
    finally:
        con.close()
    con = sqlite3.connect(out)
    con.execute("UPDATE export_meta SET format = 1, checksum = ?", (h.hexdigest(),))
    con.commit()
    con.close()
    assert check_export(out).checksum == h.hexdigest()
    con = sqlite3.connect(out)
    con.execute("UPDATE organisation SET name = name || '改' WHERE rowid = (SELECT MIN(rowid) FROM organisation)")
    con.commit()
    con.close()
    with pytest.raises(ExchangeError) as err:
        check_export(out)
    assert err.value.key == "exchange.altered"
