"""The project's benchmark: one table, every speed and memory target of the issues.

    python benchmarks/bench.py            # the full table (~15-25 min on a 2-core machine, mostly building data)
    python benchmarks/bench.py --quick    # every row once on small data: proves the benchmark runs (CI)

Each row is measured beside its floor, in the same run and interleaved with it
so that load on the machine hits both alike: what Textual, SQLModel, SQLite or
openpyxl cost on their own for the same kind of work.  The ratio is ours / floor.
Figures are printed, not asserted (a shared 2-core machine is noisy); the table
is Markdown, ready for the README.  Whole-process timings run the real console
script, medians of several runs.  Databases are built by ``incubator-tui demo``
and kept in benchmarks/out/ (git-ignored), named by schema revision.

Export and district merge come from ``benchmarks/bench_exchange.py`` when it is
there: its ``rows(out: Path, quick: bool) -> list[dict]`` returns rows with the
keys of ``Row`` below (``id, what, value, unit, floor_what, floor, target``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
BIN = Path(sys.executable).parent
CLI = str(BIN / "incubator-tui")
PY = str(BIN / "python")
ENV = {**os.environ, "INCUBATOR_TUI_HOME": str(OUT / "home"), "INCUBATOR_TUI_TODAY": "2026-11-15"}
ENV.pop("INCUBATOR_TUI_DB", None)
# The app runs as ``pip install .`` leaves it: byte-compiled (see ``compiled_like_an_install``).
# A shell that says PYTHONDONTWRITEBYTECODE would otherwise make every run of an editable
# checkout compile our ~60 start-up modules again (~40 ms), which no user's install does.
ENV.pop("PYTHONDONTWRITEBYTECODE", None)


def compiled_like_an_install() -> None:
    """Byte-compile the package once, as pip does when it installs it (the libraries in the
    venv already are): the start-up measured is the one a centre has, not a first run's."""
    import compileall

    import incubator_tui

    compileall.compile_dir(str(Path(incubator_tui.__file__).parent), quiet=1)

# Sizes: the issues' figures, and the quick run's small stand-ins.
FULL = {"keys": (200, 5000), "flags": (500, 120), "imports": (500, 24), "screens": 5000, "startup": 40, "repeat": 5}
QUICK = {"keys": (20, 50), "flags": (20, 12), "imports": (20, 3), "screens": 50, "startup": 20, "repeat": 1}


@dataclass
class Row:
    id: str  # stable: the quick test checks every one is printed
    what: str
    value: float | None
    unit: str  # "ms", "s" or "MB"
    floor_what: str = "—"
    floor: float | None = None
    target: str = ""

    def cells(self) -> list[str]:
        def fmt(v: float | None) -> str:
            if v is None:
                return "—"
            return f"{v:.2f}" if self.unit == "s" else f"{v:.1f}" if v < 20 else f"{v:.0f}"

        ratio = f"{self.value / self.floor:.2f}" if self.value is not None and self.floor else "—"
        unit = f" {self.unit}" if self.value is not None else ""
        floor_unit = f" {self.unit}" if self.floor is not None else ""
        return [self.id, self.what, fmt(self.value) + unit, self.floor_what, fmt(self.floor) + floor_unit, ratio,
                self.target]


def use_out(path: Path) -> None:
    """Work in ``path`` (the quick test uses a temporary folder)."""
    global OUT
    OUT = path.resolve()
    ENV["INCUBATOR_TUI_HOME"] = str(OUT / "home")


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, env=ENV, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stderr}")
    return proc


def timed(args: list[str], setup=None) -> float:
    if setup:
        setup()
    t0 = time.perf_counter()
    run(args)
    return time.perf_counter() - t0


def pair(ours, floor, repeat: int) -> tuple[float, float]:
    """Medians of ``ours()`` and ``floor()``, run alternately."""
    a, b = [], []
    for _ in range(repeat):
        a.append(ours())
        b.append(floor())
    return statistics.median(a), statistics.median(b)


def schema() -> str:
    from incubator_tui.schema import HEAD

    return HEAD


def demo_db(orgs: int, months: int) -> Path:
    """A demo centre of that size, built once per schema revision (only a finished one is reused)."""
    path = OUT / f"demo-{orgs}x{months}-s{schema()}.sqlite"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        tmp = path.with_suffix(".building")
        for p in OUT.glob(tmp.name + "*"):
            p.unlink()
        t0 = time.perf_counter()
        run([CLI, "demo", "--db", str(tmp), "--orgs", str(orgs), "--months", str(months), "--seed", "1"])
        tmp.rename(path)
        print(f"(built {path.name} in {time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return path


# --- start-up on a real terminal (pty) ------------------------------------------------------

def in_pty(args: list[str]) -> tuple[float, int]:
    """Run ``args`` on a pseudo-terminal; (wall seconds, peak RSS in MB)."""
    import pty
    import select as sel

    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.environ.update(ENV)
        os.environ["TERM"] = "xterm-256color"
        os.environ["COLUMNS"], os.environ["LINES"] = "120", "36"
        os.execv(args[0], args)
    done = 0
    while not done:  # drain the output so the child never blocks on a full pty
        ready, _, _ = sel.select([fd], [], [], 0.02)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                pass
        done, status, usage = os.wait4(pid, os.WNOHANG)
    elapsed = time.perf_counter() - t0
    os.close(fd)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed in pty: {' '.join(args)}")
    return elapsed, usage.ru_maxrss // 1024


def bench_startup(size: dict) -> tuple[list[Row], int]:
    db = demo_db(size["startup"], 24)
    base_db = OUT / "baseline.sqlite"
    in_pty([PY, str(ROOT / "baseline_app.py"), str(base_db)])  # its data made outside the timing
    ours, base, mem = [], [], []
    for _ in range(max(size["repeat"], 1) + (2 if size["repeat"] > 1 else 0)):
        ours.append(in_pty([CLI, "--db", str(db), "--exit-when-ready"])[0])
        t, m = in_pty([PY, str(ROOT / "baseline_app.py"), str(base_db)])
        base.append(t)
        mem.append(m)
    row = Row("startup", f"start-up to the dashboard's data, pty, {size['startup']}-org demo",
              statistics.median(ours) * 1000, "ms", "Textual + SQLModel app, 500-row table",
              statistics.median(base) * 1000, "ratio <= 1.0")
    return [row], max(mem)


# --- flags ----------------------------------------------------------------------------------

def bench_flags(size: dict) -> list[Row]:
    orgs, months = size["flags"]
    db = demo_db(orgs, months)
    ours, floor = pair(lambda: timed([CLI, "flags", "--db", str(db)]), lambda: timed([PY, "-c", "import sqlmodel"]),
                       size["repeat"] + 2 * (size["repeat"] > 1))
    return [Row("flags", f"`flags` on {orgs} orgs x {months} months", ours * 1000, "ms",
                "`python -c \"import sqlmodel\"`", floor * 1000, "ratio <= 1.3")]


# --- import ---------------------------------------------------------------------------------

ITEMS = (("工作计划", 2), ("卫生清洁", 2), ("党建工作", 2), ("服务活动", 2), ("制度台账", 1), ("安全规范", 1))


def make_import_files(n_orgs: int, n_months: int) -> tuple[Path, Path, Path]:
    OUT.mkdir(exist_ok=True)
    rng = random.Random(7)
    names = [f"测试社会组织{i:04d}号" for i in range(n_orgs)]
    orgs_csv = OUT / f"orgs-{n_orgs}.csv"
    with orgs_csv.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["名称", "类别", "组织形式", "入驻日期"])
        for name in names:
            w.writerow([name, "社区服务", "初创团队", "2020-01-01"])
    months = [f"{2024 + (m // 12)}-{m % 12 + 1:02d}" for m in range(n_months)]
    rows = []
    for name in names:
        for month in months:
            vals = [mx - rng.choice((0, 0, 0, 0.5)) for _, mx in ITEMS]
            rows.append([name, month, *[f"{v:g}" for v in vals], ""])
    header = ["名称", "月份", *[n for n, _ in ITEMS], "备注"]
    scores_csv = OUT / f"scores-{n_orgs}x{n_months}.csv"
    with scores_csv.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    from openpyxl import Workbook

    scores_xlsx = OUT / f"scores-{n_orgs}x{n_months}.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for r in rows:
        ws.append([r[0], r[1], *[float(v) for v in r[2:8]], r[8]])
    wb.save(scores_xlsx)
    return orgs_csv, scores_csv, scores_xlsx


# The floor of an import: read the same file and insert every cell into SQLite in one
# transaction, with nothing checked, nothing audited, no month results: the bare I/O.
RAW_IMPORT = r"""
import csv, sqlite3, sys
path, db = sys.argv[1], sys.argv[2]
if path.endswith(".xlsx"):
    from openpyxl import load_workbook
    wb = load_workbook(path, read_only=True, data_only=True)
    rows = [[("" if v is None else str(v)) for v in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
else:
    with open(path, encoding="gb18030", newline="") as fh:
        rows = list(csv.reader(fh))
header, body = rows[0], rows[1:]
con = sqlite3.connect(db)
con.execute("CREATE TABLE IF NOT EXISTS cell (org TEXT, month TEXT, item TEXT, value_cent INTEGER)")
with con:
    con.executemany("INSERT INTO cell VALUES (?, ?, ?, ?)",
                    ((r[0], r[1], header[i], round(float(r[i]) * 100)) for r in body for i in range(2, 8)))
con.close()
"""


def bench_import(size: dict) -> list[Row]:
    n_orgs, n_months = size["imports"]
    orgs_csv, scores_csv, scores_xlsx = make_import_files(n_orgs, n_months)
    base = OUT / f"import-base-{n_orgs}-s{schema()}.sqlite"
    for p in OUT.glob(base.name + "*"):
        p.unlink()
    run([CLI, "import", "orgs", str(orgs_csv), "--db", str(base)])
    work, raw = OUT / "import-work.sqlite", OUT / "import-raw.sqlite"

    def fresh(path: Path, source: Path | None) -> None:
        for p in OUT.glob(path.name + "*"):
            p.unlink()
        if source is not None:
            shutil.copy(source, path)

    rows = []
    for kind, f in (("csv", scores_csv), ("xlsx", scores_xlsx)):
        ours, floor = pair(
            lambda: timed([CLI, "import", "scores", str(f), "--db", str(work)], setup=lambda: fresh(work, base)),
            lambda: timed([PY, "-c", RAW_IMPORT, str(f), str(raw)], setup=lambda: fresh(raw, None)),
            max(1, min(size["repeat"], 3)))
        label = "CSV (GB18030)" if kind == "csv" else "XLSX"
        rows.append(Row(f"import.{kind}", f"import of {n_orgs} orgs x {n_months} months, {label}", ours, "s",
                        "read the file + sqlite3 executemany of its cells", floor,
                        "<= 2 s" if kind == "csv" else ""))
    return rows


# --- screens, keystrokes and memory: the app headless (screens_probe.py) ---------------------

def _db_files(db: Path) -> list[Path]:
    return [p for p in (db, Path(f"{db}-wal")) if p.exists()]


def in_cache(db: Path) -> None:
    """Read the database through once, as it is after a while of use: the machine this runs on
    reclaims a file's cache within minutes even with memory free (fincore: 6 MB of 247 MB gone
    in 45 s), so without this a screen's first open measured whatever the last run left cached
    (the scoring grid's: 161 to 380 ms in five full runs, 150 ms cached, 500 ms cold)."""
    for path in _db_files(db):
        with path.open("rb") as fh, open(os.devnull, "wb") as sink:
            shutil.copyfileobj(fh, sink, 1 << 20)


def out_of_cache(db: Path) -> None:
    """Drop the database's pages from the OS cache, as after a restart (a hint, kept only
    for pages not being written: the probe's databases are not written meanwhile)."""
    for path in _db_files(db):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def probe(db: Path, keys: tuple[str, ...] = (), *, cold: bool = False) -> dict:
    out_of_cache(db) if cold else in_cache(db)
    proc = run([PY, str(ROOT / "screens_probe.py"), str(db), *keys], timeout=900)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def floor_json(*args: str) -> dict:
    proc = run([PY, str(ROOT / "baseline_app.py"), str(OUT / "baseline.sqlite"), *args], timeout=600, cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def unfinalised_copy(db: Path) -> Path:
    """The database as in January, before last year's review is finalised: its ratings are worked
    out live from the inputs (the demo finalises the year)."""
    import sqlite3

    path = db.with_name(db.stem + "-unfinalised.sqlite")
    if not path.exists():
        tmp = path.with_suffix(".building")
        shutil.copyfile(db, tmp)
        con = sqlite3.connect(tmp)
        con.execute("DELETE FROM rating_amendment")
        con.execute("DELETE FROM rating")
        con.commit()
        con.close()
        tmp.rename(path)
    return path


def key_row(n: int, result: dict, floor: dict) -> Row:
    k = result.get("grid_key_ms")
    if k is None:
        raise SystemExit("screens_probe.py measured no grid keystroke (the scoring screen changed?)")
    v = k["with_paint"]
    return Row(f"keys@{n}", f"grid keystroke + repaint, {n:,} orgs (mean; p95 {v['p95']} ms)", v["mean"], "ms",
               f"DataTable cursor move + repaint, {n:,} rows (p95 {floor['p95']} ms)", floor["mean"], "<= 16 ms")


SCREEN_NAMES = {"o": "organisations", "s": "scoring grid", "c": "cases", "r": "annual review", "d": "dashboard"}


def bench_app(size: dict, floor_mb: int) -> list[Row]:
    small, large = size["keys"]
    n = size["screens"]
    rows = []
    floors = [floor_json("--screens") for _ in range(3 if size["repeat"] > 1 else 1)]
    first_floor = {k: statistics.median(f[k] for f in floors) for k in ("first", "again")}
    rows.append(key_row(small, probe(demo_db(small, 24)), floor_json("--keys", str(small))))
    result = probe(demo_db(n, 24))
    if large != n:  # (never in the full run: the 5,000-org database gives both)
        result_keys = probe(demo_db(large, 24))
    else:
        result_keys = result
    floor_keys_large = floor_json("--keys", str(large))
    floor_key_large = floor_keys_large["mean"]
    rows.append(key_row(large, result_keys, floor_keys_large))
    ms = result["switch_ms"]
    floor_first, floor_again = first_floor["first"], first_floor["again"]
    for key, name in SCREEN_NAMES.items():
        rows.append(Row(f"screen.{key}.first", f"{name} (`{key}`), first open, {n:,} orgs", ms[f"{key} (first)"],
                        "ms", "a 500-row DataTable screen, first open", floor_first, "<= 300 ms"))
        rows.append(Row(f"screen.{key}.return", f"{name} (`{key}`), return, {n:,} orgs", ms[f"{key} (again)"],
                        "ms", "the same screen, return", floor_again, "<= 300 ms"))
    # After a restart: the file not in the OS cache when the app starts; the dashboard is read
    # (the app's warm-up reads the grid's month meanwhile), then the grid opened.
    cold = probe(demo_db(n, 24), ("s", "d"), cold=True)["switch_ms"]["s (first)"]
    rows.append(Row("screen.s.cold", f"scoring grid, first open, database not in the OS cache at start, {n:,} orgs",
                    cold, "ms", "a 500-row DataTable screen, first open", floor_first, "<= 300 ms"))
    rows.append(Row("screen.o.totals", f"  organisations: totals and streaks filled in (background), {n:,} orgs",
                    ms["o (first), totals and streaks filled in"], "ms", target="(background)"))
    rows.append(Row("screen.page", f"an organisation's page (`Enter`), {n:,} orgs", ms["org page (enter)"], "ms",
                    "a 500-row DataTable screen, first open", floor_first, "<= 300 ms"))
    for label, key in (("previous month `[`", "scoring grid, previous month ["),
                       ("next month `]`", "scoring grid, next month ]")):
        rows.append(Row(f"screen.s.{'prev' if '[' in key else 'next'}", f"scoring grid, {label}, {n:,} orgs", ms[key],
                        "ms", "a 500-row DataTable screen, first open", floor_first, "<= 300 ms"))
    rows.append(Row("screen.s.after-o", f"scoring grid 150 ms after `o` (its totals still loading), {n:,} orgs",
                    ms["s, 150 ms after o (the list's totals still loading)"], "ms",
                    "a 500-row DataTable screen, first open", floor_first, "<= 300 ms"))
    live_probe = probe(unfinalised_copy(demo_db(n, 24)), ("r", "d"))
    live = live_probe["switch_ms"]
    rows.append(Row("screen.r.live", f"annual review, year not finalised (ratings live), first open, {n:,} orgs",
                    live["r (first)"], "ms", "a 500-row DataTable screen, first open", floor_first, "<= 300 ms"))
    rows.append(Row("screen.r.live-all", f"  annual review, live: every row of the year in (background), {n:,} orgs",
                    live["r (first), every row of the year filled in"], "ms", target="(background)"))
    review_keys = (live_probe.get("review_key_ms") or {}).get("with_paint")
    if review_keys is None:
        raise SystemExit("screens_probe.py measured no review keystroke (the review screen changed?)")
    rows.append(Row(f"keys.review@{n}", f"review keystroke + repaint (typing scores), {n:,} orgs (mean; p95 "
                    f"{review_keys['p95']} ms)", review_keys["mean"], "ms",
                    f"DataTable cursor move + repaint, {large:,} rows", floor_key_large, "<= 16 ms"))
    rows.append(Row("memory", f"peak memory of the app, every screen visited, {n:,} orgs", result["peak_rss_mb"], "MB",
                    "Textual + SQLModel app, 500-row table", floor_mb, "<= 150 MB"))
    return rows


# --- the app on a district database (district_probe.py) -----------------------------------------

DISTRICT_IDS = ("district.o", "district.c", "district.r", "district.d", "district.s", "keys.district")


def bench_district(quick: bool) -> list[Row]:
    """4 demo centres exported and merged (the district's own way), the app opened on all of them."""
    orgs, months = (5, 6) if quick else (100, 60)
    proc = run([PY, str(ROOT / "district_probe.py"), "--build", str(OUT / f"district-{orgs}x{months}"),
                "--orgs", str(orgs), "--months", str(months)], timeout=1800)
    data = json.loads(proc.stdout)
    ms, what = data["switch_ms"], f"{data['centres']} centres x {orgs} orgs x {months} months"
    names = {"o": "organisations", "c": "cases", "r": "annual review", "d": "dashboard"}
    rows = [Row(f"district.{k}", f"{name}, all centres, first open, {what}", ms[f"{k} all centres (first)"], "ms",
                target="<= 300 ms") for k, name in names.items()]
    rows.append(Row("district.s", f"scoring grid of one centre (s, Enter in the picker), {what}",
                    ms["s: picker, Enter, the centre's grid"], "ms", target="<= 300 ms"))
    keys = data["grid_key_ms"]["with_paint"]
    rows.append(Row("keys.district", f"grid keystroke + repaint in a district, {what} (mean; p95 {keys['p95']} ms)",
                    keys["mean"], "ms", target="<= 16 ms"))
    return rows


# --- export and district merge (the exchange's own module) -----------------------------------

EXCHANGE_IDS = ("export", "merge", "merge.random-ids", "merge.again")


def bench_exchange(quick: bool) -> list[Row]:
    sys.path.insert(0, str(ROOT))
    try:
        import bench_exchange
    except ModuleNotFoundError as exc:
        if exc.name != "bench_exchange":
            raise
        note = "not measured: benchmarks/bench_exchange.py is not there yet"
        return [Row("export", "district export, 100 orgs x 5 years", None, "s", "sqlite3 backup API", None, note),
                Row("merge", "district merge of 50 centres", None, "s", "raw sqlite3 ATTACH and INSERT", None, note)]
    return [Row(**r) for r in bench_exchange.rows(OUT, quick)]


# --- the table ------------------------------------------------------------------------------

HEADER = ["row", "what", "ours", "floor", "floor value", "ratio", "target"]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, load average {load}")


def print_table(rows: list[Row], started: str, elapsed: float, quick: bool) -> None:
    print(f"incubator-tui benchmark{' (--quick: small data, one run each: not figures)' if quick else ''}, "
          f"schema {schema()}, {started}, {elapsed:.0f} s")
    print(f"machine: {machine()}")
    print()
    table = [HEADER] + [r.cells() for r in rows]
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "|".join("---" for _ in HEADER) + "|")
    for cells in table[1:]:
        print("| " + " | ".join(cells) + " |")


ROW_IDS = ("startup", "keys@{0}", "keys@{1}", "flags", "import.csv", "import.xlsx",
           *(f"screen.{k}.{w}" for k in SCREEN_NAMES for w in ("first", "return")), "screen.o.totals", "screen.page",
           "screen.s.cold", "screen.s.prev", "screen.s.next", "screen.s.after-o", "screen.r.live", "screen.r.live-all", "keys.review@{2}",
           "memory", *DISTRICT_IDS,
           *EXCHANGE_IDS)


def row_ids(quick: bool) -> list[str]:
    size = QUICK if quick else FULL
    return [i.format(*size["keys"], size["screens"]) for i in ROW_IDS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every row once on small data (a smoke check)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"work folder for databases and files (default {OUT})")
    args = parser.parse_args(argv)
    use_out(args.out)
    size = QUICK if args.quick else FULL
    OUT.mkdir(parents=True, exist_ok=True)
    started, t0 = time.strftime("%Y-%m-%d %H:%M"), time.perf_counter()
    compiled_like_an_install()
    rows, floor_mb = bench_startup(size)
    rows += bench_app(size, floor_mb)
    rows += bench_flags(size)
    rows += bench_import(size)
    rows += bench_district(args.quick)
    rows += bench_exchange(args.quick)
    order = {rid: i for i, rid in enumerate(row_ids(args.quick))}
    rows.sort(key=lambda r: order.get(r.id, len(order)))
    print_table(rows, started, time.perf_counter() - t0, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
