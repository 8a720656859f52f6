"""Export format 2 (a checksum over the file's pages) beside format 1 (0.2.0's, over the rows): what each
detects, what a write that changes nothing does, and that every 0.2.0 export still verifies and merges."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from incubator_tui.services import exchange
from incubator_tui.services.exchange import ExchangeError, check_export, export_sqlite
from incubator_tui.services.merge import merge
from tests.exchange_helpers import centre_db, sha

DATA = Path(__file__).parent / "data"
META_KEYS = ("format", "centre_id", "centre_name", "sequence", "exported_at", "schema_version", "app_version")


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("INCUBATOR_TUI_BUSY_MS", "5000")
    db, centre, orgs = centre_db(tmp_path / "a.sqlite", "雪宫中心")
    out = tmp_path / "e.sqlite"
    export_sqlite(db, out)
    yield db, centre, out
    db.dispose()


def _meta(path: Path) -> dict:
    """The metadata as the module doc defines it (the row's values but its checksum), and the checksum."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute(f"SELECT {', '.join(META_KEYS)}, redacted, row_counts, checksum FROM export_meta").fetchone()
    finally:
        con.close()
    meta = dict(zip(META_KEYS, row[:7]))
    meta["redacted"] = bool(row[7])
    meta["row_counts"] = json.loads(row[8])
    return {"meta": meta, "checksum": row[9]}


def _canonical(meta: dict) -> bytes:
    return json.dumps(meta, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _rootpage(path: Path, name: str) -> int:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
    finally:
        con.close()


def _documented_page_checksum(path: Path) -> str:
    """Format 2 recomputed from the module doc alone: hashlib and the file's bytes."""
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    data[24:28] = bytes(4)
    data[92:100] = bytes(8)
    n = _rootpage(path, "export_meta")
    assert data[(n - 1) * page_size] == 0x0D  # a table leaf page
    data[(n - 1) * page_size:n * page_size] = bytes(page_size)
    return hashlib.sha256(_canonical(_meta(path)["meta"]) + bytes(data)).hexdigest()


def _documented_row_checksum(path: Path, meta: dict) -> str:
    """Format 1 recomputed from the module doc alone: per table in name order, its name between NULs, its
    rows in primary-key order, values as text joined by U+001F (NULL as U+0001), rows joined by U+001E."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        h = hashlib.sha256(_canonical(meta))
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite_%' AND name != 'export_meta' ORDER BY name")]
        for table in tables:
            info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
            pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])] or [r[1] for r in info]
            rows = []
            for row in con.execute(f'SELECT * FROM "{table}" ORDER BY {", ".join(pk)}'):
                assert not any(isinstance(v, (float, bytes)) for v in row)  # else SQLite's own text form
                rows.append("\x1f".join("\x01" if v is None else str(v) for v in row))
            h.update(b"\x00" + table.encode() + b"\x00" + "\x1e".join(rows).encode())
        return h.hexdigest()
    finally:
        con.close()


def _as_format_1(path: Path) -> str:
    """Turn an export into what the format-1 code path wrote: format 1, the row checksum computed here."""
    meta = _meta(path)["meta"]
    meta["format"] = 1
    checksum = _documented_row_checksum(path, meta)
    con = sqlite3.connect(path)
    con.execute("UPDATE export_meta SET format = 1, checksum = ?", (checksum,))
    con.commit()
    con.close()
    return checksum


def _refused(path: Path) -> str:
    with pytest.raises(ExchangeError) as err:
        check_export(path)
    assert str(path) in str(err.value)
    return err.value.key


def _page(path: Path, n: int) -> tuple[int, int]:
    """(offset, size) of page ``n``."""
    data = path.read_bytes()
    size = exchange.page_size_of(data)
    return (n - 1) * size, size


def _free_byte(path: Path, n: int) -> int:
    """The offset of a byte in the unused gap of leaf page ``n`` (between its cell pointers and cells)."""
    start, size = _page(path, n)
    page = path.read_bytes()[start:start + size]
    assert page[0] in (0x0D, 0x0A)  # a table or index leaf
    first_free = 8 + 2 * int.from_bytes(page[3:5], "big")
    content = int.from_bytes(page[5:7], "big") or 65536
    assert content - first_free > 16
    return start + (first_free + content) // 2


def _poke(path: Path, offset: int, value: int) -> None:
    data = bytearray(path.read_bytes())
    assert data[offset] != value
    data[offset] = value
    path.write_bytes(bytes(data))


# ---------------------------------------------------------------------------------------------- format 2


def test_the_checksum_is_the_documented_one_over_the_pages(exported) -> None:
    _db, _centre, out = exported
    stored = _meta(out)
    assert stored["meta"]["format"] == exchange.FORMAT == 2
    assert stored["checksum"] == _documented_page_checksum(out) == check_export(out).checksum
    assert exchange.PLACEHOLDER.encode() not in out.read_bytes()  # the placeholder was overwritten in place
    # What is hashed is the file: the row's values count through the canonical JSON, the rest byte by byte.
    assert stored["checksum"] != exchange.content_checksum(sqlite3.connect(out), stored["meta"])


def test_a_redacted_export_of_a_database_with_deletions_verifies_too(exported, tmp_path: Path) -> None:
    """The path with a VACUUM after export_meta is written (deleted rows, redaction)."""
    db, _centre, _out = exported
    out = tmp_path / "r.sqlite"
    export_sqlite(db, out, redact=True)
    assert _meta(out)["checksum"] == _documented_page_checksum(out) == check_export(out).checksum
    assert check_export(out).redacted


def _edit_value(path: Path) -> None:
    con = sqlite3.connect(path)
    assert con.execute("UPDATE score SET value_cent = value_cent - 50 WHERE rowid = "
                       "(SELECT MIN(rowid) FROM score WHERE value_cent BETWEEN 150 AND 200)").rowcount == 1
    con.commit()
    con.close()


def _table_byte(path: Path) -> None:
    """One digit of an organisation's name, in the organisation table's page only (not in its indexes)."""
    start, size = _page(path, _rootpage(path, "organisation"))
    data = path.read_bytes()
    at = data.index("中心组织1".encode(), start, start + size)
    _poke(path, at + len("中心组织".encode()), ord("7"))


def _table_free_byte(path: Path) -> None:
    _poke(path, _free_byte(path, _rootpage(path, "organisation")), 0x5A)


def _index_byte(path: Path) -> None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    index = con.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'organisation' "
                        "AND sql IS NOT NULL ORDER BY name").fetchone()[0]
    con.close()
    _poke(path, _free_byte(path, _rootpage(path, index)), 0x5A)


def _meta_field(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("UPDATE export_meta SET sequence = sequence + 1")
    con.commit()
    con.close()


def _meta_byte(path: Path) -> None:
    """A byte of the metadata's row itself (its page is left out of the bytes hashed; its values are not)."""
    start, size = _page(path, _rootpage(path, "export_meta"))
    data = path.read_bytes()
    at = data.index(b'"score": ', start, start + size)
    _poke(path, at + len(b'"score": '), ord("9"))


def _stored_checksum(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("UPDATE export_meta SET checksum = ?", ("f" * 64,))
    con.commit()
    con.close()


def _appended_page(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data + bytes(exchange.page_size_of(data)))


def _wal_mode(path: Path) -> None:
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    con.close()


@pytest.mark.parametrize("change", [_edit_value, _table_byte, _table_free_byte, _index_byte, _meta_field, _meta_byte,
                                    _stored_checksum, _appended_page, _wal_mode])
def test_any_changed_byte_is_an_altered_file(exported, tmp_path: Path, change) -> None:
    _db, _centre, out = exported
    copy = tmp_path / "changed.sqlite"
    shutil.copyfile(out, copy)
    check_export(copy)
    change(copy)
    con = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    assert con.execute("PRAGMA quick_check").fetchone()[0] == "ok"  # SQLite finds nothing wrong: the checksum must
    con.close()
    assert _refused(copy) == "exchange.altered"


def test_a_wal_beside_the_file_is_an_altered_file(exported, tmp_path: Path) -> None:
    """A -wal beside an export (whose header says rollback journal) is read by SQLite as part of it."""
    _db, _centre, out = exported
    other, copy = tmp_path / "other.sqlite", tmp_path / "copy.sqlite"
    shutil.copyfile(out, other)
    shutil.copyfile(out, copy)
    con = sqlite3.connect(other)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("UPDATE organisation SET name = name || '改' WHERE rowid = (SELECT MIN(rowid) FROM organisation)")
    con.commit()
    shutil.copyfile(f"{other}-wal", f"{copy}-wal")  # before the connection's close checkpoints it away
    con.close()
    assert copy.read_bytes() == out.read_bytes() and Path(f"{copy}-wal").stat().st_size > 0
    # What any SQLite tool shows of copy + its -wal is the changed name (checked on a copy of both).
    seen, seen_wal = tmp_path / "seen.sqlite", tmp_path / "seen.sqlite-wal"
    shutil.copyfile(copy, seen)
    shutil.copyfile(f"{copy}-wal", seen_wal)
    con = sqlite3.connect(seen)
    assert con.execute("SELECT COUNT(*) FROM organisation WHERE name LIKE '%改'").fetchone()[0] == 1
    con.close()
    assert _refused(copy) == "exchange.altered"
    Path(f"{copy}-wal").write_bytes(b"")  # an empty one adds nothing: the file is what it was
    assert check_export(copy).checksum == _meta(out)["checksum"]


def test_a_write_that_changes_nothing_keeps_the_file_verifying(exported, tmp_path: Path) -> None:
    """Opening an export in a SQLite tool and writing (a value changed and changed back) bumps the header's
    change counter: that alone is no change of content."""
    _db, _centre, out = exported
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(out, copy)
    con = sqlite3.connect(copy, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("COMMIT")
    for step in (1, -1):
        con.execute("UPDATE score SET value_cent = value_cent + ? WHERE rowid = (SELECT MIN(rowid) FROM score)", (step,))
    con.close()
    before, after = out.read_bytes(), copy.read_bytes()
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(before) == len(after) and changed and set(changed) <= set(range(24, 28)) | set(range(92, 100))
    assert check_export(copy).checksum == _meta(out)["checksum"]


def test_an_export_that_would_not_verify_is_never_written(exported, tmp_path: Path, monkeypatch) -> None:
    """Should the checksum's update change more than it may (a future SQLite, a bug), the export fails loudly
    and leaves no file: simulated by a checksum computed over bytes that are not the file's."""
    db, _centre, _out = exported
    real = exchange.page_checksum

    def off_by_one_byte(data, meta, page):
        changed = bytearray(data)
        changed[150] ^= 1  # a byte of page 1 (sqlite_schema), counted
        monkeypatch.setattr(exchange, "page_checksum", real)  # only the export's own hashing is wrong
        return real(bytes(changed), meta, page)

    monkeypatch.setattr(exchange, "page_checksum", off_by_one_byte)
    out = tmp_path / "never.sqlite"
    with pytest.raises(RuntimeError, match="does not verify"):
        export_sqlite(db, out)
    assert sorted(p.name for p in tmp_path.iterdir() if "never" in p.name) == []


def test_a_centre_name_too_long_for_the_metadata_page_is_refused_clearly(exported, tmp_path: Path) -> None:
    """The metadata row must fit on its page (else its checksum would sit on another, hashed page): a name
    within the 200 characters settings allow always does; one longer, typed into an import, may not."""
    db, centre, _out = exported
    con = sqlite3.connect(db.path)
    con.execute("UPDATE centre SET name = ? WHERE id = ?", ("雪宫" * 1500, centre.id))
    con.commit()
    con.close()
    out = tmp_path / "long.sqlite"
    with pytest.raises(ExchangeError) as err:
        export_sqlite(db, out)
    assert err.value.key == "exchange.meta_too_large" and "3000" in str(err.value)
    assert not any("long" in p.name for p in tmp_path.iterdir())
    con = sqlite3.connect(db.path)
    con.execute("UPDATE centre SET name = ? WHERE id = ?", ("雪" * 200, centre.id))
    con.commit()
    con.close()
    export_sqlite(db, out)
    assert check_export(out).centre_name == "雪" * 200


def test_a_newer_format_is_refused_as_newer(exported, tmp_path: Path) -> None:
    _db, _centre, out = exported
    con = sqlite3.connect(out)
    con.execute("UPDATE export_meta SET format = 3")
    con.commit()
    con.close()
    assert _refused(out) == "exchange.newer"


# ---------------------------------------------------------------------------------------------- format 1


def test_format_1_still_verifies_by_its_row_checksum_and_detects_changes(exported, tmp_path: Path) -> None:
    _db, _centre, out = exported
    old = tmp_path / "format1.sqlite"
    shutil.copyfile(out, old)
    checksum = _as_format_1(old)
    info = check_export(old)
    assert info.checksum == checksum and _meta(old)["meta"]["format"] == 1
    # Format 1 hashes the rows, not the bytes: a VACUUM (every page rewritten) is no change to it...
    con = sqlite3.connect(old)
    con.execute("VACUUM")
    con.close()
    assert check_export(old).checksum == checksum
    # ...a changed value is.
    _edit_value(old)
    assert _refused(old) == "exchange.altered"


def test_a_0_2_0_export_verifies_and_merges_beside_a_format_2_one(exported, tmp_path: Path) -> None:
    """tests/data/export-0.2.0.sqlite.gz was written by the released 0.2.0 (`incubator-tui demo --orgs 3
    --months 2`, then `export sqlite --redact-contacts`): its format-1 checksum must keep verifying."""
    _db, centre, out = exported
    old = tmp_path / "export-0.2.0.sqlite"
    old.write_bytes(gzip.decompress((DATA / "export-0.2.0.sqlite.gz").read_bytes()))
    before = sha(old)
    info = check_export(old)
    assert (info.app_version, info.sequence, info.redacted, _meta(old)["meta"]["format"]) == ("0.2.0", 1, True, 1)
    assert info.checksum == _documented_row_checksum(old, _meta(old)["meta"])
    district = tmp_path / "district.sqlite"
    report = merge(district, [old, out])
    assert sorted(r.action for r in report.results) == ["new", "new"]
    con = sqlite3.connect(district)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM centre")}
        merged = dict(con.execute("SELECT centre_id, checksum FROM exchange_log WHERE kind = 'merge'").fetchall())
        orgs = con.execute("SELECT COUNT(*) FROM organisation WHERE centre_id = ?", (info.centre_id,)).fetchone()[0]
    finally:
        con.close()
    assert names == {info.centre_name, centre.name} and orgs == 3
    assert merged == {info.centre_id: info.checksum, centre.id: check_export(out).checksum}
    assert sha(old) == before  # checked and merged (through an upgraded copy when older), never touched
    again = merge(district, [old, out])
    assert [r.action for r in again.results] == ["unchanged", "unchanged"]
