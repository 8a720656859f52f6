"""The district exchange file (DOMAIN 9): a centre's export, and the checks every such file passes.

An export is a standalone SQLite file in the app's own schema holding one
centre's whole data, plus one table found only in exports, ``export_meta``:
the centre's id and name, the export's sequence number (increasing per
centre, kept in the centre's own database in ``exchange_log``), the export
time, schema and app versions, the row counts per table and a checksum of the
content.  The format of the exchange *is* SQLite (DOMAIN 9), so this module
and :mod:`incubator_tui.services.merge` are the two places besides ``db.py``
that open SQLite files directly; everything they do is on exchange files and
on copies, never on a database the app has open through ``db.py``.

The checksum is SHA-256 over, first, the metadata as canonical JSON (UTF-8 of
``json.dumps(meta, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``, where
``meta`` holds ``format``, ``centre_id``, ``centre_name``, ``sequence``,
``exported_at``, ``schema_version``, ``app_version``, ``redacted`` (true/false) and
``row_counts`` (an object), the row's values but its checksum), then:

- **format 2** (exports of this version): the file's bytes, whole, with
  (a) the header's bytes 24-27 (the file change counter) and 92-99 (the
  version-valid-for number and SQLITE_VERSION_NUMBER) read as zeros, and
  (b) the whole of ``export_meta``'s page read as zeros: page number
  ``SELECT rootpage FROM sqlite_schema WHERE name = 'export_meta'`` (page n
  is bytes (n-1)*P to n*P, P the page size in header bytes 16-17, 1 meaning
  65536).  That page is a table leaf page (type byte 0x0D) holding the one
  row whole (no overflow page), so no other page belongs to the table; the
  exporter makes sure of it and the check refuses a file where it is not
  so.  The stored checksum lives on that page, so it is left out of what it
  covers; a write that changes nothing (it bumps only the header's counters)
  keeps the file verifying, any changed byte elsewhere does not.  A file in
  WAL mode, or with a non-empty ``-wal`` beside it, is not what its bytes
  say: refused as altered.  Hashing the bytes (~3 ms for a 5-6 MB export)
  is some seven times cheaper than reading every value back (~22 ms).
- **format 1** (0.2.0's exports, still read): table by table in name order,
  the table's name between NUL bytes and its rows in primary-key order, each
  row its values as SQLite's text joined by U+001F (NULL as U+0001), rows
  joined by U+001E (:func:`content_checksum`).

Any tool can recompute either.  It protects against accidental change (a file
edited or damaged on the way), not against someone who recomputes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from incubator_tui.errors import DatabaseError, UserError
from incubator_tui.schema import HEAD, SCHEMA_REVISIONS

if TYPE_CHECKING:
    from incubator_tui.db import Database

META_TABLE = "export_meta"
FORMAT = 2  # the export_meta layout and checksum this version writes; a later layout gets a new number
FORMATS = (1, 2)  # every one this version reads: 1 (0.2.0, over the rows), 2 (over the file's pages)
PLACEHOLDER = "0" * 64  # the checksum's stand-in while the file is hashed: the same length, so the same cell size
SQLITE_MAGIC = b"SQLite format 3\x00"
# Tables every database of the app has (since 0001): how an app database is recognised.
APP_TABLES = frozenset({"alembic_version", "centre", "organisation", "checklist_version", "checklist_item",
                        "score", "audit", "import_batch"})

Progress = Callable[[str], None]

# --------------------------------------------------------------------------- scope
# Which rows of each table belong to one centre (``:c``), as SQL over schema ``{s}``.
# Listed dependents first: deleting in this order never removes a row that a later
# predicate still needs.  A table added to the schema must be added here (a test
# compares this list with a new database's tables).
_ORGS = "SELECT id FROM {s}.organisation WHERE centre_id = :c"
_CASES = "SELECT id FROM {s}.org_case WHERE centre_id = :c"
_VERSIONS = "SELECT id FROM {s}.checklist_version WHERE centre_id = :c"
_RATINGS = "SELECT id FROM {s}.rating WHERE org_id IN (" + _ORGS + ")"
_BATCHES = "SELECT id FROM {s}.import_batch WHERE centre_id = :c"

SCOPE: tuple[tuple[str, str], ...] = (
    ("audit", ""),  # filled in below: rows about any of the centre's rows, or from its imports
    ("rating_amendment", "rating_id IN (" + _RATINGS + ")"),
    ("rating_request", "rating_id IN (" + _RATINGS + ")"),  # requests for review (#10, schema 0006)
    ("case_event", "case_id IN (" + _CASES + ")"),
    ("rectification_item", "case_id IN (" + _CASES + ")"),
    ("checklist_item", "version_id IN (" + _VERSIONS + ")"),
    ("score", "org_id IN (" + _ORGS + ")"),
    ("month_result", "org_id IN (" + _ORGS + ")"),
    ("exemption", "org_id IN (" + _ORGS + ")"),
    ("review_input", "org_id IN (" + _ORGS + ")"),
    ("peer_rating", "org_id IN (" + _ORGS + ")"),
    ("rating", "org_id IN (" + _ORGS + ")"),
    ("org_case", "centre_id = :c"),
    ("organisation", "centre_id = :c"),
    ("centre_month", "centre_id = :c"),
    ("checklist_version", "centre_id = :c"),
    ("setting", "centre_id = :c"),
    ("import_batch", "centre_id = :c"),
    # The centre's exports travel with it; a district's merge rows stay in the district.
    ("exchange_log", "centre_id = :c AND kind = 'export'"),
    ("centre", "id = :c"),
)
# Tables that belong to no centre: the schema's version (every file has its own).
GLOBAL_TABLES = frozenset({"alembic_version"})
_ID_TABLES = tuple(name for name, _ in SCOPE if name not in ("audit", "month_result"))
SCOPE = (
    ("audit", "row_id IN (" + " UNION ALL ".join(
        f"SELECT id FROM {{s}}.{name} WHERE {pred}" for name, pred in SCOPE if name in _ID_TABLES
    ) + ") OR batch_id IN (" + _BATCHES + ")"),
    *SCOPE[1:],
)
SCOPE_SQL = dict(SCOPE)
# The audit's condition above as queries of the audit rows' rowids that each find them through
# an index (``ix_audit_row`` leads with ``table_name``, which the one condition does not name, so
# SQLite read every audit row of the district for each centre): for each table, its rows of the
# centre joined to the audit rows naming that table and row (each row one look-up in the index;
# no list of the ids is built); the rows naming a table no id list is of, by any id of the
# centre as above (ranges of table names, empty in the app's data); and the rows of the centre's
# imports (through ``ix_audit_batch``, schema 0008; before it, read from every audit row).  Together they
# are the condition's rows wherever an audit row names the table of the row it is about, as
# services/audit.py always writes; a row may be found twice.
_ALL_IDS = " UNION ALL ".join(f"SELECT id FROM {{s}}.{name} WHERE {pred}" for name, pred in SCOPE
                              if name in _ID_TABLES)
_NAMES = sorted(_ID_TABLES)
_OTHER_NAMES = " OR ".join([f"table_name < '{_NAMES[0]}'",
                            *(f"(table_name > '{a}' AND table_name < '{b}')" for a, b in zip(_NAMES, _NAMES[1:])),
                            f"table_name > '{_NAMES[-1]}'"])
AUDIT_QUERIES: tuple[str, ...] = (
    *(f"SELECT a.rowid FROM (SELECT id FROM {{s}}.{name} WHERE {pred}) t "
      f"CROSS JOIN {{s}}.audit a ON a.table_name = '{name}' AND a.row_id = t.id" for name, pred in SCOPE
      if name in _ID_TABLES),
    f"SELECT rowid FROM {{s}}.audit WHERE ({_OTHER_NAMES}) AND row_id IN ({_ALL_IDS})",
    "SELECT rowid FROM {s}.audit WHERE batch_id IN (" + _BATCHES + ")",
)


def audit_scope_queries(schema: str = "main") -> list[str]:
    """Queries whose rowids together are the centre ``:c``'s audit rows in ``schema`` (see
    ``AUDIT_QUERIES``): the rows ``scope_predicate("audit")`` selects."""
    return [query.format(s=schema) for query in AUDIT_QUERIES]


def scope_predicate(table: str, schema: str = "main", *, negatable: bool = True) -> str:
    """The SQL condition selecting the centre ``:c``'s rows of ``table`` in ``schema``.

    ``negatable``: never NULL (a NULL id is "not the centre's"), so that ``NOT`` of it selects
    every other row, as the export deletes them.  Without, the bare condition: as good where
    rows are only selected, counted or deleted by it (NULL and false select alike), and SQLite
    answers ``org_id IN (...)`` from the tables' indexes instead of reading every row, which
    the merge's replacement of a centre in a district of many needs (50 centres: ~0.4 s a centre)."""
    sql = SCOPE_SQL[table].format(s=schema)
    return "COALESCE((" + sql + "), 0)" if negatable else "(" + sql + ")"


# --------------------------------------------------------------------------- errors


class ExchangeError(UserError):
    """A file refused by the exchange: ``path`` names it, nothing was changed."""


@dataclass(frozen=True)
class ExportInfo:
    """What an export says about itself (its ``export_meta`` row), once checked."""

    path: Path
    centre_id: str
    centre_name: str
    sequence: int
    exported_at: str
    schema: str
    app_version: str
    redacted: bool
    counts: dict[str, int]
    checksum: str

    @property
    def needs_upgrade(self) -> bool:
        return self.schema != HEAD


@dataclass
class ExportReport:
    path: Path
    centre: str
    sequence: int
    exported_at: str
    redacted: bool
    counts: dict[str, int] = field(default_factory=dict)
    size: int = 0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


# --------------------------------------------------------------------------- helpers


def now_text() -> str:
    """The export time: UTC, ISO 8601 to the second (the same text in the file and the log)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def stored_time(iso: str) -> str:
    """An ISO time as SQLAlchemy stores a DateTime in SQLite (so the ORM can read the log too)."""
    return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def private_new_file(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only (exports hold personal data)."""
    from incubator_tui import paths

    maker = getattr(paths, "private_file", None)
    if maker is not None:
        maker(path, exclusive=True)
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def remove_quietly(*files: Path) -> None:
    for f in files:
        for p in (f, Path(f"{f}-journal"), Path(f"{f}-wal"), Path(f"{f}-shm")):
            try:
                p.unlink()
            except OSError:  # gone already, or not ours to remove: nothing to undo
                pass


def connect_ro(path: Path, *, immutable: bool = True) -> sqlite3.Connection:
    """A read-only connection to a file handed to us (an export): no lock, no -wal/-shm made.
    A file in WAL mode (never an export, maybe an app database) is read through its WAL."""
    uri = Path(path).absolute().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
    return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)


def tables_of(con: sqlite3.Connection, schema: str = "main") -> list[str]:
    return [r[0] for r in con.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def columns_of(con: sqlite3.Connection, table: str, schema: str = "main") -> tuple[list[str], list[str]]:
    """(columns in declared order, the key's columns): the primary key's in key order; else those
    of a unique index (not partial) of NOT NULL columns, ``id`` alone first: score's and
    month_result's keys are such indexes since 0008; else all columns."""
    info = con.execute(f'PRAGMA {schema}.table_info("{table}")').fetchall()
    cols = [r[1] for r in info]
    pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
    if not pk:
        not_null = {r[1] for r in info if r[3]}
        keys = [key for key in _unique_indexes(con, table, schema) if set(key) <= not_null]
        pk = min(keys, key=lambda key: (key != ["id"], len(key)), default=[])
    return cols, pk or cols


def _unique_indexes(con: sqlite3.Connection, table: str, schema: str) -> list[list[str]]:
    """The columns of each unique index of ``table`` that is not partial."""
    return [[r[2] for r in con.execute(f'PRAGMA {schema}.index_info("{name}")')]
            for _seq, name, unique, _origin, partial in con.execute(f'PRAGMA {schema}.index_list("{table}")')
            if unique and not partial]


def content_checksum(con: sqlite3.Connection, meta: dict, schema: str = "main") -> str:
    """SHA-256 of ``meta`` (canonical JSON) and every table's rows but export_meta's (see module doc).

    Each row is its values as SQLite's text, joined by U+001F (NULL as U+0001), rows joined by
    U+001E in primary-key order: SQLite builds the row strings, so Python handles one object per
    row instead of one per value (a third faster than JSON arrays, on the merge's checks), and
    hands them over as their UTF-8 bytes (``CAST ... AS BLOB``: no decoding into Python strings
    and encoding back, a fifth less time; the same bytes, so the same checksum).  Most of what
    is left is SQLite reading the values (~115 ns each): an aggregate in SQL (``group_concat``)
    is hardly faster and would rely on an order SQLite does not promise."""
    h = hashlib.sha256(canonical_meta(meta))
    for table in tables_of(con, schema):
        if table == META_TABLE:
            continue
        cols, pk = columns_of(con, table, schema)
        expr = " || char(31) || ".join(f'coalesce("{c}", char(1))' for c in cols)
        order = ", ".join(f'"{c}"' for c in pk)
        rows = con.execute(f'SELECT CAST({expr} AS BLOB) FROM {schema}."{table}" ORDER BY {order}').fetchall()
        h.update(b"\x00" + table.encode() + b"\x00")
        h.update(b"\x1e".join([r[0] for r in rows]))
    return h.hexdigest()


def canonical_meta(meta: dict) -> bytes:
    """The metadata as both checksums begin: canonical JSON, UTF-8."""
    return json.dumps(meta, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def page_size_of(data: bytes | memoryview) -> int:
    """The page size a SQLite file's header gives (bytes 16-17; 1 means 65536)."""
    size = int.from_bytes(data[16:18], "big")
    return 65536 if size == 1 else size


def page_checksum(data: bytes | memoryview, meta: dict, meta_page: int) -> str:
    """Format 2's checksum of a file's bytes ``data`` (see the module doc): SHA-256 of ``meta`` as
    canonical JSON, then the bytes with the header's counters (24-27, 92-99) and the whole of
    page ``meta_page`` (export_meta's, 1-based) as zeros.  Slices of one buffer are hashed in
    place, no copy of the file is made."""
    size = page_size_of(data)
    start, end = (meta_page - 1) * size, meta_page * size
    if meta_page < 2 or end > len(data):
        raise ValueError(f"page {meta_page} is not a page after the header's of a {len(data)}-byte file")
    view = memoryview(data)
    h = hashlib.sha256(canonical_meta(meta))
    for chunk in (view[:24], bytes(4), view[28:92], bytes(8), view[100:start], bytes(size), view[end:]):
        h.update(chunk)
    return h.hexdigest()


def meta_row_whole(data: bytes | memoryview, meta_page: int) -> bool:
    """Page ``meta_page`` of the file ``data`` is a table leaf page (type 0x0D) holding one row
    whose record fits on it (no overflow page): then no other page belongs to export_meta."""
    size = page_size_of(data)
    usable = size - data[20]  # bytes reserved at the end of each page (header byte 20)
    start = (meta_page - 1) * size
    if meta_page < 2 or start + size > len(data) or usable < 480:
        return False
    page = data[start:start + size]
    if page[0] != 0x0D or int.from_bytes(page[3:5], "big") != 1:
        return False
    cell = int.from_bytes(page[8:10], "big")
    if not 8 < cell < usable:
        return False
    payload = 0
    for i in range(9):  # the cell begins with the record's length, a varint (at most 9 bytes)
        if cell + i >= usable:
            return False
        byte = page[cell + i]
        if i == 8:
            payload = (payload << 8) | byte
            break
        payload = (payload << 7) | (byte & 0x7F)
        if byte < 0x80:
            break
    return payload <= usable - 35  # SQLite's most a table leaf cell holds before it spills over


def _meta_page(con: sqlite3.Connection) -> int:
    row = con.execute("SELECT rootpage FROM main.sqlite_master WHERE type = 'table' AND name = ?",
                      (META_TABLE,)).fetchone()
    return int(row[0]) if row and isinstance(row[0], int) else 0


def _file_checksum(con: sqlite3.Connection, path: Path, meta: dict) -> str | None:
    """Format 2's checksum of the file at ``path`` (``con`` is open on it), or None when the file
    cannot have one: export_meta not on one leaf page of its own."""
    import mmap

    page = _meta_page(con)
    # Mapped, not read: what SQLite has just read for its check comes from the OS's cache, and a
    # big export costs no memory of its own (the same time as reading it, measured).
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if not meta_row_whole(data, page):
            return None
        return page_checksum(data, meta, page)


def row_counts(con: sqlite3.Connection, schema: str = "main") -> dict[str, int]:
    return {t: con.execute(f'SELECT COUNT(*) FROM {schema}."{t}"').fetchone()[0]
            for t in tables_of(con, schema) if t != META_TABLE}


# --------------------------------------------------------------------------- export


_LOG_INSERT = (
    "INSERT INTO exchange_log (id, centre_id, kind, sequence, exported_at, at, operator, file, checksum, redacted, "
    "summary) VALUES (:id, :centre_id, :kind, :sequence, :exported_at, :at, :operator, :file, :checksum, :redacted, "
    ":summary)")


def _busy_seconds() -> float:
    return int(os.environ.get("INCUBATOR_TUI_BUSY_MS", "5000")) / 1000


def _check_target(out: Path, db_path: Path) -> None:
    if out.is_dir():
        raise ExchangeError("exchange.out_is_folder", path=str(out))
    if not out.parent.is_dir():
        raise ExchangeError("exchange.out_no_folder", path=str(out), folder=str(out.parent))
    if out.exists():
        try:
            same = out.resolve() == db_path.resolve() or out.samefile(db_path)
        except OSError:
            same = False
        if same:
            raise ExchangeError("exchange.out_is_database", path=str(out))
        # Overwriting is fine for an earlier export (a monthly script writes the same name),
        # never for anything else: an app database or a stranger's file stays as it is.
        if not _is_export(out):
            raise ExchangeError("exchange.out_exists", path=str(out))


def _is_export(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            if fh.read(16) != SQLITE_MAGIC:
                return False
        con = connect_ro(path)
        try:
            return META_TABLE in tables_of(con)
        finally:
            con.close()
    except (OSError, sqlite3.Error):
        return False


def export_sqlite(
    db: Database, out: Path | str, *, centre: str | None = None, redact: bool = False, operator: str = "",
    progress: Progress | None = None,
) -> ExportReport:
    """Write the centre's export to ``out`` (see the module doc); returns what was written.

    The sequence number is taken in the centre's database in the same write
    transaction as the snapshot is made, so writers wait a moment and the file
    holds exactly the data as of that number.
    """
    import uuid

    from sqlalchemy import text

    from incubator_tui import __version__
    from incubator_tui.services.centres import resolve_centre

    say = progress or (lambda _step: None)
    out = Path(out).expanduser()
    _check_target(out, db.path)
    with db.reading() as conn:
        ref = resolve_centre(conn, centre, required_if_many=True)
        if ref is None:
            raise ExchangeError("exchange.no_centre", path=str(db.path))
        merged = conn.execute(text(
            "SELECT 1 FROM exchange_log WHERE centre_id = :c AND kind = 'merge' LIMIT 1"), {"c": ref.id}).first()
        if merged is not None:
            raise ExchangeError("exchange.export_merged_centre", centre=ref.name)
    part = out.with_name(f".{out.name}.part")
    remove_quietly(part)
    exported_at = now_text()
    say("snapshot")
    try:
        # One write transaction on a plain connection (the ORM is not needed for one row):
        # BEGIN IMMEDIATE takes the write lock, so the snapshot below is the data as of this
        # number, and writers wait only for the copy (~40 ms for 5 years of 100 orgs).
        con = sqlite3.connect(db.path, isolation_level=None, timeout=_busy_seconds())
        try:
            con.execute("BEGIN IMMEDIATE")
            sequence = con.execute(
                "SELECT COALESCE(MAX(sequence), 0) + 1 FROM exchange_log WHERE centre_id = ? AND kind = 'export'",
                (ref.id,)).fetchone()[0]
            log = {"id": uuid.uuid4().hex, "centre_id": ref.id, "kind": "export", "sequence": sequence,
                   "exported_at": stored_time(exported_at), "at": stored_time(exported_at), "operator": operator,
                   "file": out.name, "checksum": "", "redacted": int(redact), "summary": "{}"}
            con.execute(_LOG_INSERT, log)
            private_new_file(part)
            src = sqlite3.connect(db.path, isolation_level=None, timeout=_busy_seconds())
            try:
                src.execute("VACUUM INTO ?", (str(part),))
            finally:
                src.close()
            con.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise DatabaseError("db.locked", path=str(db.path)) from exc
            raise
        finally:
            if con.in_transaction:
                con.execute("ROLLBACK")
            con.close()
        # From here on only the new file is worked on.  Should it fail, the number stays
        # taken (numbers need only increase) and no file is left behind.
        say("scope")
        report = _finish_export(part, ref.id, ref.name, sequence, exported_at, redact, log, __version__)
        say("write")
        fsync_file(part)
        os.replace(part, out)
        fsync_dir(out.parent)
    except OSError as exc:
        raise ExchangeError("exchange.write_failed", path=str(out), detail=exc.strerror or str(exc)) from exc
    finally:
        remove_quietly(part)
    report.path = out
    report.size = out.stat().st_size
    return report


def _finish_export(part: Path, centre_id: str, centre_name: str, sequence: int, exported_at: str, redact: bool,
                   log: dict, app_version: str) -> ExportReport:
    """Reduce the snapshot to the centre, redact, add export_meta, compact; in place."""
    con = sqlite3.connect(part, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute("BEGIN")
        before = con.total_changes
        # Other centres' rows (a database may hold several) and the district's merge log go.
        for table, _ in SCOPE:
            con.execute(f"DELETE FROM main.{table} WHERE NOT {scope_predicate(table)}", {"c": centre_id})
        con.execute(_LOG_INSERT, log)
        removed = con.total_changes - before - 1
        if redact:
            # Contact persons and phones of the organisations, and their old values in the audit trail.
            con.execute("UPDATE organisation SET contact = '', phone = ''")
            con.execute("UPDATE audit SET old = NULL, new = NULL "
                        "WHERE table_name = 'organisation' AND field IN ('contact', 'phone')")
        schema = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        counts = row_counts(con)
        meta = {"format": FORMAT, "centre_id": centre_id, "centre_name": centre_name, "sequence": sequence,
                "exported_at": exported_at, "schema_version": schema, "app_version": app_version,
                "redacted": bool(redact), "row_counts": counts}
        con.execute(
            f"CREATE TABLE {META_TABLE} (format INTEGER NOT NULL, centre_id VARCHAR(32) NOT NULL, "
            "centre_name VARCHAR NOT NULL, sequence INTEGER NOT NULL, exported_at VARCHAR NOT NULL, "
            "schema_version VARCHAR NOT NULL, app_version VARCHAR NOT NULL, redacted BOOLEAN NOT NULL, "
            "row_counts VARCHAR NOT NULL, checksum VARCHAR(64) NOT NULL)")
        con.execute(
            f"INSERT INTO {META_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (FORMAT, centre_id, centre_name, sequence, exported_at, schema, app_version, int(redact),
             json.dumps(counts, sort_keys=True), PLACEHOLDER))
        con.execute("COMMIT")
        if removed or redact:
            # Deleted and blanked values would survive in free pages: rebuild the file without them.
            con.execute("VACUUM")
        # The file is final but for its checksum: hash its pages, then put the checksum in the
        # placeholder's place.  Same length, so SQLite rewrites the cell where it is: only
        # export_meta's page and the header's counters change, which the checksum leaves out.
        checksum = _file_checksum(con, part, meta)
        if checksum is None:
            raise ExchangeError("exchange.meta_too_large", centre=centre_name, size=len(centre_name))
        con.execute(f"UPDATE {META_TABLE} SET checksum = ?", (checksum,))
    finally:
        con.close()
    _verify_written(part)
    return ExportReport(path=part, centre=centre_name, sequence=sequence, exported_at=exported_at,
                        redacted=redact, counts=counts)


def _verify_written(part: Path) -> None:
    """The export just written verifies as :func:`check_export` will verify it: else a bug (or a
    SQLite that writes the checksum's update elsewhere) must stop the export, never ship it."""
    con = connect_ro(part)
    try:
        info, meta = _read_meta(con, part)
        if _file_checksum(con, part, meta) != info.checksum:
            raise RuntimeError(f"the export written to {part} does not verify: its checksum's update "
                               "changed more than export_meta's page and the header's counters")
    finally:
        con.close()


# --------------------------------------------------------------------------- checks


def check_sqlite_file(path: Path) -> bool:
    """The file is there, starts as SQLite does and is as long as its header says;
    True when its header says WAL mode."""
    if not path.exists():
        raise ExchangeError("exchange.missing", path=str(path))
    if not path.is_file():
        raise ExchangeError("exchange.not_a_file", path=str(path))
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise ExchangeError("exchange.unreadable", path=str(path), detail=exc.strerror or str(exc)) from exc
    if not header.startswith(SQLITE_MAGIC):
        if SQLITE_MAGIC.startswith(header) and header:
            raise ExchangeError("exchange.truncated", path=str(path))
        raise ExchangeError("exchange.not_sqlite", path=str(path))
    if len(header) < 100:
        raise ExchangeError("exchange.truncated", path=str(path))
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid_count = header[24:28] == header[92:96] and pages > 0
    if page_size < 512 or size % page_size or (valid_count and size < pages * page_size):
        raise ExchangeError("exchange.truncated", path=str(path))
    return header[18] == 2


def _integrity(con: sqlite3.Connection, path: Path) -> None:
    try:
        result = con.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ExchangeError("exchange.damaged", path=str(path)) from exc
    if result != "ok":
        raise ExchangeError("exchange.damaged", path=str(path))


def check_export(path: Path | str) -> ExportInfo:
    """Every check an export passes before it may touch a district database (or anything).

    SQLite header and length, SQLite's own check, an export of this app,
    a schema this app can read (older is fine: upgraded later in a copy),
    exactly its one centre, and a checksum that matches.  Raises
    :class:`ExchangeError` naming the file and the first thing wrong.
    """
    path = Path(path).expanduser()
    wal = check_sqlite_file(path)
    try:
        con = connect_ro(path, immutable=not wal)
    except sqlite3.Error as exc:
        raise ExchangeError("exchange.damaged", path=str(path)) from exc
    try:
        _integrity(con, path)
        info, meta = _read_meta(con, path)
        try:
            if meta["format"] == 1:
                checksum = content_checksum(con, meta)
            elif wal or _has_wal(path):
                checksum = None  # an export is written in rollback-journal mode: someone changed it
            else:
                checksum = _file_checksum(con, path, meta)
            if checksum != info.checksum:
                raise ExchangeError("exchange.altered", path=str(path))
            centres = con.execute("SELECT id FROM centre").fetchall()
        except sqlite3.DatabaseError as exc:
            raise ExchangeError("exchange.damaged", path=str(path)) from exc
        except (OSError, ValueError) as exc:  # gone or emptied since SQLite read it (mmap of 0 bytes)
            raise ExchangeError("exchange.unreadable", path=str(path),
                                detail=getattr(exc, "strerror", None) or str(exc)) from exc
        if [r[0] for r in centres] != [info.centre_id]:
            raise ExchangeError("exchange.altered", path=str(path))
    finally:
        con.close()
    return info


def _has_wal(path: Path) -> bool:
    """A non-empty ``-wal`` beside the file: SQLite would read pages from it that are not the file's."""
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def peek_export(path: Path | str) -> ExportInfo | None:
    """What a file *says* about itself (its ``export_meta``), without SQLite's check or the
    checksum: a few pages read, for planning work that is thrown away unless
    :func:`check_export` later returns the very same info.  None when it cannot be read."""
    path = Path(path).expanduser()
    try:
        wal = check_sqlite_file(path)
        con = connect_ro(path, immutable=not wal)
        try:
            return _read_meta(con, path)[0]
        finally:
            con.close()
    except (ExchangeError, sqlite3.Error):
        return None


def _read_meta(con: sqlite3.Connection, path: Path) -> tuple[ExportInfo, dict]:
    """The export's ``export_meta`` row, read and checked for form (not the checksum):
    (the info, the metadata the checksum covers)."""
    try:
        tables = set(tables_of(con))
    except sqlite3.DatabaseError as exc:
        raise ExchangeError("exchange.damaged", path=str(path)) from exc
    if META_TABLE not in tables:
        if APP_TABLES <= tables:
            raise ExchangeError("exchange.app_database_not_export", path=str(path))
        raise ExchangeError("exchange.foreign", path=str(path))
    if not APP_TABLES <= tables:
        raise ExchangeError("exchange.foreign", path=str(path))
    try:
        row = con.execute(
            f"SELECT format, centre_id, centre_name, sequence, exported_at, schema_version, app_version, "
            f"redacted, row_counts, checksum FROM {META_TABLE}").fetchall()
        revision = con.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError as exc:
        raise ExchangeError("exchange.altered", path=str(path)) from exc
    if len(row) != 1 or len(revision) != 1:
        raise ExchangeError("exchange.altered", path=str(path))
    (fmt, centre_id, centre_name, sequence, exported_at, schema, app_version, redacted, counts_text,
     checksum) = row[0]
    revision = revision[0][0]
    if type(fmt) is int and fmt > FORMAT or revision not in SCHEMA_REVISIONS:
        raise ExchangeError("exchange.newer", path=str(path), revision=str(revision), version=str(app_version))
    if type(fmt) is not int or fmt not in FORMATS or schema != revision:
        raise ExchangeError("exchange.altered", path=str(path))
    try:
        counts = json.loads(counts_text)
        number = int(sequence)
    except (TypeError, ValueError) as exc:
        raise ExchangeError("exchange.altered", path=str(path)) from exc
    if not isinstance(counts, dict):
        raise ExchangeError("exchange.altered", path=str(path))
    meta = {"format": fmt, "centre_id": centre_id, "centre_name": centre_name, "sequence": sequence,
            "exported_at": exported_at, "schema_version": schema, "app_version": app_version,
            "redacted": bool(redacted), "row_counts": counts}
    info = ExportInfo(path=path, centre_id=centre_id, centre_name=centre_name, sequence=number,
                      exported_at=exported_at, schema=schema, app_version=app_version, redacted=bool(redacted),
                      counts=counts, checksum=checksum)
    return info, meta


def upgraded_copy(info: ExportInfo, folder: Path) -> Path:
    """An export of an older schema, copied into ``folder`` and migrated there (the file
    itself is never touched); returns the copy, in rollback-journal mode like an export."""
    import shutil

    from incubator_tui.db import open_database

    copy = folder / f"upgrade-{info.centre_id}-{info.sequence}.sqlite"
    shutil.copyfile(info.path, copy)
    database = open_database(copy)  # migrates to HEAD (and keeps its own before-copy beside it, in folder)
    database.dispose()
    con = sqlite3.connect(copy, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = DELETE")
    finally:
        con.close()
    return copy
