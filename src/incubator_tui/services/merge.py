"""The district merge (DOMAIN 9): many centres' exports into one district database, all or nothing.

1. Every input is checked (:func:`exchange.check_export`) and so is the district
   database (SQLite, intact, the app's, a schema we can read), and each export
   is compared with what the district already holds of its centre: a newer
   sequence replaces it, the same export changes nothing, an older one is
   refused unless ``force``.  One failure and nothing is merged.
2. The merge is made in a copy of the district database beside it (inputs
   ATTACHed at most 9 at a time), keyed by the stable ids: a centre's rows are
   replaced as a whole, other centres' rows are not touched.  The copy is
   synced and renamed over the district database in one step (``os.replace``),
   so a merge that fails or is killed half-way leaves it exactly as it was.

With several files and cores the two steps overlap: the files are checked in
other processes while this one merges into the scratch copy from what each
file says of itself (:func:`exchange.peek_export`).  The copy is renamed into
place only if every check passes and returns exactly the info it was made
from; otherwise it is thrown away (and, when the checks pass after all, made
again after them).  The district database is untouched until all is checked.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from incubator_tui.errors import UserError
from incubator_tui.schema import HEAD, SCHEMA_REVISIONS
from incubator_tui.services import exchange
from incubator_tui.services.exchange import (
    SCOPE, ExchangeError, ExportInfo, Progress, audit_scope_queries, check_sqlite_file, columns_of, fsync_dir,
    fsync_file, private_new_file, remove_quietly, scope_predicate, stored_time,
)

BATCH = 9  # SQLite attaches at most 10 databases; one slot stays free
# A new district database's pages: 32 KiB instead of SQLite's 4 KiB default, an eighth of the
# pages to build and balance for the same rows.  Measured, 50 centres (whole process): schema 0007,
# ids in blocks, 4 KiB 1.65 s, 16 KiB 1.04, 32 KiB 0.91, 64 KiB 0.88 s; schema 0008 (score's keys
# sorted at the end, in parts of 250 pages, see SORT_CACHE_KIB), the app's random ids: 16 KiB
# 0.94-0.96, 32 KiB 0.91-0.97, 64 KiB 0.98-1.00 s; ids in blocks alike at all three (0.80-0.83).
# The app on a district is as fast at 16, 32 and 64 KiB (its screens' first opens and grid keys),
# and a save writes whole pages to the log (a few hundred KB).  An existing district keeps its own.
DISTRICT_PAGE_SIZE = 32768
# SQLite's page cache while an existing district's copy is built (its keys are all there, centres
# replaced in them): a quarter of what is merged (the inputs, and the district copied first), at
# least 32 MiB and at most 200 MiB.  What the build reads again is the indexes (a quarter of an
# export's bytes; where rows land in them is random for the app's UUID ids); the rows' own pages
# are written once and not read back.  Every
# page SQLite keeps is fresh memory the kernel must fault in and zero, so a cache as large as the
# whole district (200 MiB: 62,000 page faults, 250 MB resident) cost the 50-centre build ~0.07 s
# of its ~0.75 s CPU for nothing (59 MiB: 25,000 faults, 100 MB).  With ids as random as the app's
# (the benchmark's are in order) 32, 50 and 64 MiB built as fast as 200 MiB and 20 MiB a quarter
# slower (the indexes no longer fit): a quarter of the bytes leaves twice that room.
CACHE_SHARE = 4
CACHE_MIN_KIB, CACHE_MAX_KIB = 32 * 1024, 200 * 1024
# A new district has, while its rows go in, only the small tables' keys to keep (score's and
# month_result's are built at the end, 0008): 16 MiB serve them as well as the share above
# (50 centres, random ids: 0.02 s quicker, 47 MB less memory, the kernel zeroing fewer pages).
NEW_DISTRICT_CACHE_KIB = 16 * 1024
# A new district's indexes are built once its rows are in (since 0008 score's two keys too): SQLite
# sorts each index's entries, in parts of at least 250 pages (8 MiB at 32 KiB) or of the page cache,
# whichever is larger, then merges the parts.  A small cache makes parts of 250 pages, which a second
# thread sorts (``PRAGMA threads``) while the first reads on; one part of the whole cache is sorted
# by one thread, through memory far larger than the CPU's caches.  50 centres, score's random ids
# (bare SQLite, 64 KiB pages): ``uq_score_id`` 0.46 s -> 0.26 s, the build 1.16 s -> 0.85-0.90 s.
SORT_CACHE_KIB = 2 * 1024


def _sort_threads() -> int:
    """Helper threads for the index sorts: one where there is a second core (measured on two)."""
    return 1 if (os.cpu_count() or 1) >= 2 else 0


class MergeRefused(UserError):
    """One or more inputs refused: ``lines`` holds one reason per file; nothing was merged."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("merge.refused", count=len(lines))
        self.lines = lines


@dataclass
class CentreResult:
    centre_id: str
    centre: str
    sequence: int
    exported_at: str
    file: str
    action: str  # new | replaced | unchanged | superseded
    added: int = 0
    changed: int = 0
    removed: int = 0
    previous: int | None = None


@dataclass
class MergeReport:
    district: Path
    created: bool
    results: list[CentreResult] = field(default_factory=list)
    check_seconds: float = 0.0
    merge_seconds: float = 0.0

    @property
    def changed_anything(self) -> bool:
        return any(r.action in ("new", "replaced") for r in self.results)


@dataclass(frozen=True)
class _District:
    path: Path
    exists: bool
    revision: str | None
    merged: dict[str, tuple[int, str]]  # centre id -> (sequence, checksum) of the export now in


def check_district(path: Path) -> _District:
    """The district database can be written, and if it exists it is the app's, intact, not newer."""
    if path.is_dir():
        raise ExchangeError("merge.district_is_folder", path=str(path))
    parent = path.parent
    if not parent.is_dir():
        raise ExchangeError("merge.district_no_folder", path=str(path), folder=str(parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExchangeError("merge.district_unwritable", path=str(path))
    if not path.exists():
        return _District(path, False, None, {})
    if not os.access(path, os.R_OK | os.W_OK):
        raise ExchangeError("merge.district_unwritable", path=str(path))
    if path.stat().st_size == 0:
        return _District(path, False, None, {})
    try:
        check_sqlite_file(path)
    except ExchangeError as exc:
        raise ExchangeError(f"merge.district_{exc.key.split('.')[-1]}", path=str(path)) from exc
    try:
        con = sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise ExchangeError("merge.district_damaged", path=str(path)) from exc
    try:
        try:
            if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise ExchangeError("merge.district_damaged", path=str(path))
            tables = set(exchange.tables_of(con))
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ExchangeError("merge.district_busy", path=str(path)) from exc
            raise ExchangeError("merge.district_damaged", path=str(path)) from exc
        except sqlite3.DatabaseError as exc:
            raise ExchangeError("merge.district_damaged", path=str(path)) from exc
        if exchange.META_TABLE in tables:
            raise ExchangeError("merge.district_is_export", path=str(path))
        if not exchange.APP_TABLES <= tables:
            raise ExchangeError("merge.district_foreign", path=str(path))
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = revision[0] if revision else None
        if revision not in SCHEMA_REVISIONS:
            raise ExchangeError("merge.district_newer", path=str(path), revision=str(revision))
        merged: dict[str, tuple[int, str]] = {}
        if "exchange_log" in tables:
            for centre_id, sequence, checksum in con.execute(
                "SELECT centre_id, sequence, checksum FROM exchange_log WHERE kind = 'merge' ORDER BY rowid"
            ):
                merged[centre_id] = (sequence, checksum)
    finally:
        con.close()
    return _District(path, True, revision, merged)


def plan(district: _District, infos: Sequence[ExportInfo], force: bool) -> tuple[list[CentreResult], list[str]]:
    """What each input will do, and the refusals (one line each)."""
    from incubator_tui.i18n import t

    results: list[CentreResult] = []
    refusals: list[str] = []
    by_centre: dict[str, list[ExportInfo]] = {}
    for info in infos:
        by_centre.setdefault(info.centre_id, []).append(info)
    for centre_id, files in by_centre.items():
        files.sort(key=lambda i: i.sequence)
        newest = files[-1]
        for info in files[:-1]:
            if info.sequence == newest.sequence and info.checksum != newest.checksum:
                refusals.append(t("merge.same_sequence_twice", path=str(info.path), other=str(newest.path),
                                  sequence=info.sequence))
            else:
                results.append(_result(info, "superseded"))
        current = district.merged.get(centre_id)
        result = _result(newest, "new")
        if current is not None:
            seq, checksum = current
            result.previous = seq
            if newest.sequence == seq and newest.checksum == checksum:
                result.action = "unchanged"
            elif newest.sequence > seq or force:
                result.action = "replaced"
            elif newest.sequence == seq:
                refusals.append(t("merge.same_sequence_differs", path=str(newest.path), sequence=seq))
            else:
                refusals.append(t("merge.older", path=str(newest.path), sequence=newest.sequence, merged=seq))
        results.append(result)
    return results, refusals


def _result(info: ExportInfo, action: str) -> CentreResult:
    return CentreResult(info.centre_id, info.centre_name, info.sequence, info.exported_at, str(info.path), action)


def merge(
    district_path: Path | str, inputs: Sequence[Path | str], *, force: bool = False, operator: str = "",
    progress: Progress | None = None,
) -> MergeReport:
    """Merge ``inputs`` into the district database (created if missing); see the module doc."""
    from incubator_tui.i18n import t

    say = progress or (lambda _step: None)
    started = time.perf_counter()
    district_path = Path(district_path).expanduser()
    district = check_district(district_path)
    refusals: list[str] = []
    infos: list[ExportInfo] = []
    paths: list[Path] = []
    seen: set[Path] = set()
    for raw in inputs:
        path = Path(raw).expanduser()
        if path.exists() and district.exists and path.resolve() == district_path.resolve():
            refusals.append(str(ExchangeError("merge.input_is_district", path=str(path))))
            continue
        key = path.resolve() if path.exists() else path
        if key in seen:
            continue  # the same file named twice merges once
        seen.add(key)
        paths.append(path)
    early: _Early | None = None
    try:
        outcomes = []
        for path, outcome in _checks(paths, say, district, force, operator, refusals):
            if isinstance(outcome, _Early):
                early = outcome
                continue
            outcomes.append((path, outcome))
        for path, outcome in outcomes:
            if outcome[0] == "ok":
                infos.append(outcome[1])
            else:
                refusals.append(str(ExchangeError(outcome[1], **outcome[2])))
        results, more = plan(district, infos, force) if not refusals else ([], [])
        refusals.extend(more)
        if refusals:
            raise MergeRefused(refusals)
        report = MergeReport(district_path, not district.exists, results)
        report.check_seconds = time.perf_counter() - started
        todo = [r for r in results if r.action in ("new", "replaced")]
        if not todo and district.exists:
            return report  # nothing new: the district database is not even rewritten
        started = time.perf_counter()
        if early is not None and early.infos == infos:
            # The copy made while the files were checked was made from exactly what the
            # checks returned: it is the merge.  (Its time ran beside the checks'.)
            report.results = early.results
            built, early = early.built, None
            _commit(built)
            report.merge_seconds = (built.seconds or 0.0) + time.perf_counter() - started
            return report
        if early is not None:  # made from what a file said of itself and its check did not: made again
            _discard(early.built)
            early = None
        info_by_file = {str(i.path): i for i in infos}
        import tempfile

        with tempfile.TemporaryDirectory(prefix="incubator-merge-") as tmp:
            sources: list[tuple[CentreResult, Path, ExportInfo]] = []
            for r in todo:
                info = info_by_file[r.file]
                path = info.path
                if info.needs_upgrade:
                    say(t("merge.progress_upgrade", path=r.file))
                    path = exchange.upgraded_copy(info, Path(tmp))
                sources.append((r, path, info))
            _commit(_build_copy(district, sources, operator, say))
        report.merge_seconds = time.perf_counter() - started
        return report
    finally:
        if early is not None:
            _discard(early.built)


def _check_one(path: str) -> tuple:
    """One file's checks, as plain data (a process pool hands it back)."""
    try:
        return ("ok", exchange.check_export(path))
    except ExchangeError as exc:
        return ("refused", exc.key, exc.params)


def _pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def _parallel(count: int) -> int:
    """How many processes check ``count`` files: 0 when they are checked here, one by one."""
    cpus = os.cpu_count() or 1
    return 0 if cpus < 2 or count < 4 else min(count, cpus)


def check_all(paths: list[Path], say: Progress):
    """(path, outcome) for each file, in order.  Many files are checked in parallel, one
    process per core: reading every row for the checksum is most of a merge's time."""
    workers = _parallel(len(paths))
    if not workers:
        for path in paths:
            say(str(path))
            yield path, _check_one(str(path))
        return
    with _pool(workers) as pool:
        for path, outcome in zip(paths, pool.map(_check_one, [str(p) for p in paths])):
            say(str(path))
            yield path, outcome


@dataclass
class _Built:
    """A merged copy beside the district database, not yet in place."""

    part: Path
    target: Path
    lock: sqlite3.Connection | None
    seconds: float | None = None
    syncing: _Sync | None = None
    writeback: _Writeback | None = None

    def sync_meanwhile(self) -> None:
        """Start writing the copy to disk now, in a thread: flushing it is waiting on the disk,
        not work, so it runs beside whatever this process does next (the remaining checks)."""
        writeback, self.writeback = self.writeback, None
        self.syncing = _Sync(self.part, writeback)

    def synced(self) -> None:
        """The copy is on disk (raises what the sync met)."""
        if self.syncing is None:
            writeback, self.writeback = self.writeback, None
            if writeback is not None:
                writeback.close()
            fsync_file(self.part)
            return
        syncing, self.syncing = self.syncing, None
        syncing.wait()


class _Sync:
    """``fsync`` of one file in a thread of its own (once the file's early writeback, if any, has
    been handed over); :meth:`wait` joins it and re-raises its error."""

    def __init__(self, path: Path, writeback: _Writeback | None = None) -> None:
        self.error: OSError | None = None
        self.thread = threading.Thread(target=self._run, args=(path, writeback), name="merge-sync", daemon=True)
        self.thread.start()

    def _run(self, path: Path, writeback: _Writeback | None) -> None:
        try:
            if writeback is not None:
                writeback.close()
            fsync_file(path)
        except OSError as exc:
            self.error = exc

    def wait(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


SYNC_FILE_RANGE_WRITE = 2  # <linux/fs.h>: start writing the range's dirty pages, do not wait
WRITEBACK = sys.platform.startswith("linux")  # where sync_file_range exists


class _Writeback:
    """The copy's pages handed to the disk while it is still being built (Linux only).

    After each batch is committed, a thread asks the kernel to start writing what is dirty
    (``sync_file_range`` with ``SYNC_FILE_RANGE_WRITE``: start, do not wait, no journal commit,
    nothing dropped from the cache), so the disk writes beside the build and the one ``fsync``
    before the rename finds little left (50 centres: its wait ~0.07-0.13 s -> ~2 ms, the build
    ~20 ms slower).  A hint, not a guarantee: its errors are ignored and that fsync is what makes
    the copy durable, as before.  (An ``fsync`` per batch was tried and is slower: ext4 makes the
    writes wait for it.  ``posix_fadvise(DONTNEED)`` also starts writing but drops the pages
    from the cache, which the index build then reads back from the disk.)  Elsewhere (Windows,
    macOS) it does nothing."""

    def __init__(self, path: Path) -> None:
        self.fd: int | None = None
        self.thread: threading.Thread | None = None
        self.again = False
        self.guard = threading.Lock()
        if not WRITEBACK:
            return
        try:
            self.fd = os.open(path, os.O_RDONLY)
        except OSError:
            self.fd = None

    def kick(self) -> None:
        """Start writing what the file has now (in a thread; one at a time, once more if asked meanwhile)."""
        if self.fd is None:
            return
        with self.guard:
            if self.thread is not None:
                self.again = True
                return
            self.thread = threading.Thread(target=self._run, name="merge-writeback", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        start = _sync_file_range()
        while True:
            if start is not None and self.fd is not None:
                start(self.fd, 0, 0, SYNC_FILE_RANGE_WRITE)  # 0, 0: the whole file; -1 (an error) is ignored
            with self.guard:
                if not self.again or start is None:
                    self.thread = None
                    return
                self.again = False

    def close(self) -> None:
        """Wait for the writing started here to be handed over, and let go of the file."""
        with self.guard:
            thread = self.thread
        if thread is not None:
            thread.join()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


@functools.cache
def _sync_file_range() -> Callable[..., int] | None:
    """Linux's ``sync_file_range`` (the C library's; Python's ``os`` has no such call), or None;
    looked up once."""
    try:
        import ctypes

        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (ImportError, OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


@dataclass
class _Early:
    """The merge made while the checks ran, from what the files say of themselves."""

    infos: list[ExportInfo]
    results: list[CentreResult]
    built: _Built


def _checks(paths: list[Path], say: Progress, district: _District, force: bool, operator: str,
            refusals: list[str]):
    """(path, outcome) for each file, in order, as :func:`check_all`; and, when many files are
    checked in other processes, one ``(None, _Early)`` first: the merge into a scratch copy
    made meanwhile from what the files say of themselves (:func:`exchange.peek_export`).

    That copy is used only if the checks then return exactly the same infos; otherwise (a
    file refused, an info that differs, anything that went wrong while merging early) it is
    thrown away and the merge is made again after the checks, as without it.  The district
    database itself is untouched until everything is checked, as ever."""
    workers = _parallel(len(paths))
    peeked = [exchange.peek_export(p) for p in paths] if workers and not refusals else []
    early_plan = None
    if peeked and all(i is not None and not i.needs_upgrade for i in peeked):
        results, refused = plan(district, peeked, force)
        todo = [r for r in results if r.action in ("new", "replaced")]
        if todo and not refused:
            early_plan = (peeked, results, todo)
            workers = max(1, workers - 1)  # this process merges meanwhile: one core is its own
    if not workers:
        yield from check_all(paths, say)
        return
    pool = _pool(workers)
    try:
        futures = [pool.submit(_check_one, str(p)) for p in paths]  # the workers start (fork) here
        outcomes: list[tuple | None] = [None] * len(paths)
        if early_plan is not None:
            early = _merge_early(district, *early_plan, futures, operator, say)
            if early is not None:
                yield None, early
            # Merged first: this process checks the files no worker has begun, from the last
            # one back, while the workers go on from the first (they meet in between).
            for i in reversed(range(len(paths))):
                if not futures[i].cancel():
                    break  # this one and all before it are running or done
                outcomes[i] = _check_one(str(paths[i]))
        for i, (path, future) in enumerate(zip(paths, futures)):
            outcome = outcomes[i] if outcomes[i] is not None else future.result()
            say(str(path))
            yield path, outcome
    finally:
        pool.shutdown(cancel_futures=True)


class _Stop(Exception):
    """A check refused a file while the early merge ran: it stops, its copy is thrown away."""


def _merge_early(district: _District, infos: list[ExportInfo], results: list[CentreResult],
                 todo: list[CentreResult], futures: list, operator: str, say: Progress) -> _Early | None:
    started = time.perf_counter()
    by_file = {str(i.path): i for i in infos}

    waiting = list(futures)  # the checks not yet seen passing

    def refused_yet() -> None:
        nonlocal waiting
        still = []
        for future in waiting:
            if not future.done():
                still.append(future)
            elif future.exception() is not None or future.result()[0] != "ok":
                raise _Stop
        waiting = still

    try:
        built = _build_copy(district, [(r, by_file[r.file].path, by_file[r.file]) for r in todo], operator, say,
                            refused_yet, wait=0)  # a busy district: the merge after the checks waits and says so
    except Exception:  # noqa: BLE001 - whatever it was, the merge after the checks says it properly
        return None
    built.seconds = time.perf_counter() - started
    built.sync_meanwhile()
    return _Early(infos, results, built)


def _build_copy(district: _District, sources: list[tuple[CentreResult, Path, ExportInfo]], operator: str,
                say: Progress, between: Callable[[], None] | None = None, wait: float = 5) -> _Built:
    """The merged copy of the district database, beside it (see the module doc), with the
    district's write lock held when it exists (waiting up to ``wait`` seconds for it).
    ``between`` is called before each centre."""
    target = district.path
    part = target.with_name(f".{target.name}.merge-{os.getpid()}.part")
    _remove_leftovers(target)
    remove_quietly(part)
    lock = None
    writeback: _Writeback | None = None
    later: list[str] = []  # a new district's indexes: built once its rows are in (faster than row by row)
    try:
        try:
            private_new_file(part)
        except OSError as exc:
            raise ExchangeError("merge.district_unwritable", path=str(target)) from exc
        if district.exists:
            lock = _lock_district(target, wait)
            # A consistent copy (the WAL's content included) through a second connection: a
            # reader is let in beside the lock's holder, and the lock keeps writers out meanwhile.
            reader = sqlite3.connect(target, isolation_level=None)
            out = sqlite3.connect(part, isolation_level=None)
            try:
                reader.backup(out)
            finally:
                out.close()
                reader.close()
            if district.revision != HEAD:
                from incubator_tui.db import open_database

                open_database(part).dispose()  # the copy is migrated, never the district file itself
        else:
            later = _new_district(part, sources[0][1])
        writeback = _Writeback(part)
        con = sqlite3.connect(part, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode = OFF")  # a scratch copy: on any failure it is thrown away
            con.execute("PRAGMA synchronous = OFF")
            con.execute("PRAGMA foreign_keys = OFF")
            con.execute("PRAGMA trusted_schema = OFF")  # an attached file's views and triggers run nothing
            con.execute(f"PRAGMA cache_size = -{NEW_DISTRICT_CACHE_KIB if later else _cache_kib(part, sources)}")
            tables = [name for name, _ in SCOPE]
            columns = {name: columns_of(con, name) for name in tables}
            ddl = _table_sql(con, "main")
            for start in range(0, len(sources), BATCH):
                batch = sources[start:start + BATCH]
                for n, (_r, path, _info) in enumerate(batch):
                    con.execute(f"ATTACH DATABASE ? AS src{n}", (path.absolute().as_uri() + "?mode=ro&immutable=1",))
                con.execute("BEGIN")
                for n, (result, _path, info) in enumerate(batch):
                    if between is not None:
                        between()
                    say(result.centre)
                    same = {t for t, sql in _table_sql(con, f"src{n}").items() if ddl.get(t) == sql}
                    _merge_one(con, f"src{n}", result, info, columns, operator, same)
                con.execute("COMMIT")  # of the scratch copy only: nothing is in place before the rename
                writeback.kick()
                for n in range(len(batch)):
                    con.execute(f"DETACH DATABASE src{n}")
            if later:
                # Each index one sort of its rows, sorted in parts by a second thread (see SORT_CACHE_KIB).
                con.execute(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
                con.execute(f"PRAGMA threads = {_sort_threads()}")
                con.execute("BEGIN")
                for sql in later:
                    con.execute(sql)
                con.execute("COMMIT")
            con.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.IntegrityError as exc:
            raise ExchangeError("merge.collision", path=str(target), detail=str(exc)) from exc
        finally:
            con.close()
    except BaseException as exc:
        _discard(_Built(part, target, lock, writeback=writeback))
        if isinstance(exc, OSError):
            raise ExchangeError("merge.write_failed", path=str(target), detail=exc.strerror or str(exc)) from exc
        raise
    return _Built(part, target, lock, writeback=writeback)


def _cache_kib(part: Path, sources: list[tuple[CentreResult, Path, ExportInfo]]) -> int:
    """The build's page cache in KiB (see ``CACHE_SHARE``): a share of the bytes merged."""
    total = 0
    for path in (part, *(path for _r, path, _info in sources)):
        try:
            total += path.stat().st_size
        except OSError:
            continue  # it is opened next, and says what is wrong then
    return max(CACHE_MIN_KIB, min(CACHE_MAX_KIB, total // CACHE_SHARE // 1024))


def _commit(built: _Built) -> None:
    """The copy synced and renamed over the district database in one step; the lock let go."""
    try:
        built.synced()
        _set_aside_stale_sidecars(built.target)
        os.replace(built.part, built.target)
        fsync_dir(built.target.parent)
    except OSError as exc:
        raise ExchangeError("merge.write_failed", path=str(built.target),
                            detail=exc.strerror or str(exc)) from exc
    finally:
        _discard(built)


def _discard(built: _Built) -> None:
    """The lock let go and the copy removed (nothing once it has been renamed into place)."""
    if built.syncing is not None:  # never remove a file while its sync runs
        try:
            built.synced()
        except OSError:
            pass  # it is thrown away anyway
    if built.writeback is not None:
        built.writeback.close()
        built.writeback = None
    if built.lock is not None:
        built.lock.close()
        built.lock = None
    remove_quietly(built.part)


def _set_aside_stale_sidecars(target: Path) -> None:
    """A ``-wal``, ``-shm`` or ``-journal`` still beside the district at this point is not the
    new file's: the district is in rollback-journal mode, its write lock held (or it does not
    exist: a database deleted without its sidecars).  SQLite finds such files by name and would
    replay a stale log into the new file, so they are set aside (kept, renamed) first."""
    stamp = time.strftime("%Y%m%d%H%M%S")
    for suffix in ("-wal", "-shm", "-journal"):
        side = Path(f"{target}{suffix}")
        try:
            if side.stat().st_size == 0:
                side.unlink()
            else:
                side.rename(side.with_name(f"{side.name}.stale-{stamp}"))
        except FileNotFoundError:
            continue


def _remove_leftovers(target: Path) -> None:
    """Scratch copies left by merges that were killed (their process is gone)."""
    for leftover in target.parent.glob(f".{target.name}.merge-*.part"):
        pid = leftover.name.rsplit("-", 1)[-1].removesuffix(".part")
        if pid.isdigit() and not _alive(int(pid)):
            remove_quietly(leftover)


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":  # elsewhere signal 0 is not a probe: keep the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _lock_district(path: Path, wait: float = 5) -> sqlite3.Connection:
    """Hold the district database's write lock for the merge, the file switched to rollback-
    journal mode first.  That switch needs the file to be open nowhere else: a merge never
    renames its copy over a database the app (or anything) has open, whose connections would
    go on using the old file and, closing, delete the ``-wal`` and ``-shm`` beside it by name,
    whichever file they then belong to.  Opened elsewhere: refused (close it, merge again)."""
    con = sqlite3.connect(path, isolation_level=None, timeout=wait)
    try:
        if con.execute("PRAGMA journal_mode = DELETE").fetchone()[0] != "delete":
            raise ExchangeError("merge.district_busy", path=str(path))
        con.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        con.close()
        raise ExchangeError("merge.district_busy", path=str(path)) from exc
    except BaseException:
        con.close()
        raise
    return con


def _new_district(part: Path, first: Path) -> list[str]:
    """An empty district database in the app's schema: the first export's schema (it is at
    HEAD, the app made it) without its rows and without export_meta.  Returns the indexes,
    which the caller creates once the rows are in."""
    src = exchange.connect_ro(first)
    try:
        app_id = src.execute("PRAGMA application_id").fetchone()[0]
        schema = src.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "ORDER BY type = 'index', rowid").fetchall()
        revision = src.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        src.close()
    con = sqlite3.connect(part, isolation_level=None)
    try:
        con.execute(f"PRAGMA page_size = {DISTRICT_PAGE_SIZE}")  # before anything is written
        con.execute("PRAGMA journal_mode = OFF")  # a scratch copy, as for the rows: no journal, no
        con.execute("PRAGMA synchronous = OFF")   # fsync for the schema's two commits either
        con.execute(f"PRAGMA application_id = {int(app_id)}")
        con.execute("BEGIN")
        for kind, name, sql in schema:
            if kind == "table" and name != exchange.META_TABLE:  # the app's schema has no views or triggers
                con.execute(sql)
        con.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (revision,))
        con.execute("COMMIT")
    finally:
        con.close()
    return [sql for kind, _name, sql in schema if kind == "index"]


def _table_sql(con: sqlite3.Connection, schema: str) -> dict[str, str]:
    """Each table's ``CREATE TABLE`` statement in ``schema``."""
    return dict(con.execute(f"SELECT name, sql FROM {schema}.sqlite_master WHERE type = 'table'"))


def _merge_one(con: sqlite3.Connection, src: str, result: CentreResult, info: ExportInfo,
               columns: dict[str, tuple[list[str], list[str]]], operator: str, same: set[str]) -> None:
    """Replace the centre's rows in main by the export's (attached as ``src``), counting what changed.
    ``same``: the tables made by the same statement in both (their columns in the same order)."""
    import json

    from incubator_tui.services.bulk import random_ids  # uuid4 ids without uuid's import (~2 ms)

    params = {"c": info.centre_id}
    added = changed = removed = 0
    if result.action == "replaced":
        # The centre's rows of each table are found once (by the indexes: the bare condition, see
        # scope_predicate) into a temporary list of rowids, then counted, compared and deleted by it:
        # the audit's condition names every id the centre has, too dear to evaluate three times.
        # Table by table in SCOPE's order, dependents first: each condition still finds the rows
        # it needs, as when every table was counted before any was deleted.
        con.execute("CREATE TEMP TABLE IF NOT EXISTS merge_rows (r INTEGER PRIMARY KEY)")
        mine = "rowid IN (SELECT r FROM temp.merge_rows)"
        for table, (cols, pk) in columns.items():
            col_list = ", ".join(f'"{c}"' for c in cols)
            same_key = " AND ".join(f'o."{c}" = n."{c}"' for c in pk)
            con.execute("DELETE FROM temp.merge_rows")
            if table == "audit":  # the same rows, found through ix_audit_row (see exchange.AUDIT_QUERIES)
                for query in audit_scope_queries("main"):
                    con.execute(f"INSERT OR IGNORE INTO temp.merge_rows {query}", params)
            else:
                con.execute(f"INSERT INTO temp.merge_rows SELECT rowid FROM main.{table} "
                            f"WHERE {scope_predicate(table, 'main', negatable=False)}", params)
            new_rows = con.execute(
                f"SELECT COUNT(*) FROM {src}.{table} n WHERE NOT EXISTS "
                f"(SELECT 1 FROM main.{table} o WHERE {same_key})").fetchone()[0]
            differing = con.execute(
                f"SELECT COUNT(*) FROM (SELECT {col_list} FROM {src}.{table} EXCEPT "
                f"SELECT {col_list} FROM main.{table} WHERE {mine})").fetchone()[0]
            old = con.execute("SELECT COUNT(*) FROM temp.merge_rows").fetchone()[0]
            total = info.counts.get(table, 0)
            added += new_rows
            changed += differing - new_rows
            removed += old - (total - new_rows)
            con.execute(f"DELETE FROM main.{table} WHERE {mine}")
        con.execute("DELETE FROM temp.merge_rows")
    else:
        added = sum(n for t, n in info.counts.items() if t in columns)
    for table, (cols, _pk) in columns.items():
        if table in same:
            # Whole rows, no column list: where main's table has no index (a new district's score
            # table, its keys built at the end) or is empty, SQLite then copies each row's record
            # as it is stored instead of decoding and encoding it again (its "transfer
            # optimisation"; foreign keys are off). 50 centres: the rows' copy ~0.46 s -> ~0.34 s.
            con.execute(f"INSERT INTO main.{table} SELECT * FROM {src}.{table}")
        else:
            col_list = ", ".join(f'"{c}"' for c in cols)
            con.execute(f"INSERT INTO main.{table} ({col_list}) SELECT {col_list} FROM {src}.{table}")
    result.added, result.changed, result.removed = added, changed, removed
    now = exchange.now_text()
    con.execute(
        "INSERT INTO exchange_log (id, centre_id, kind, sequence, exported_at, at, operator, file, checksum, "
        "redacted, summary) VALUES (?, ?, 'merge', ?, ?, ?, ?, ?, ?, ?, ?)",
        (random_ids(1)[0], info.centre_id, info.sequence, stored_time(info.exported_at), stored_time(now), operator,
         Path(result.file).name, info.checksum, int(info.redacted),
         json.dumps({"action": result.action, "added": added, "changed": changed, "removed": removed,
                     "previous": result.previous, "app_version": info.app_version, "schema": info.schema},
                    sort_keys=True)))
