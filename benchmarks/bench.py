"""The project's benchmark: every speed and memory target of the issues, measured.

    python benchmarks/bench.py            # everything
    python benchmarks/bench.py import flags startup keys screens

Whole-process timings run the real console script; each figure is the median
of several runs.  Work files go to benchmarks/out/ (git-ignored).  Nothing
here is a test: timings on a shared 2-core machine are reported, not asserted.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
BIN = Path(sys.executable).parent
CLI = str(BIN / "incubator-tui")
ENV = {**os.environ, "INCUBATOR_TUI_HOME": str(OUT / "home"), "INCUBATOR_TUI_TODAY": "2026-11-15"}
ENV.pop("INCUBATOR_TUI_DB", None)


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, env=ENV, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stderr}")
    return proc


def timed(args: list[str], repeat: int = 5, setup=None) -> float:
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        t0 = time.perf_counter()
        run(args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def report(name: str, value: str, target: str = "") -> None:
    print(f"  {name:<58} {value:>14}   {target}")


# --- import scores: 500 orgs x 24 months --------------------------------------------------------

ITEMS = (("工作计划", 2), ("卫生清洁", 2), ("党建工作", 2), ("服务活动", 2), ("制度台账", 1), ("安全规范", 1))


def _org_names(n: int) -> list[str]:
    return [f"测试社会组织{i:04d}号" for i in range(n)]


def make_import_files(n_orgs: int = 500, n_months: int = 24) -> tuple[Path, Path, Path]:
    OUT.mkdir(exist_ok=True)
    rng = random.Random(7)
    names = _org_names(n_orgs)
    orgs_csv = OUT / "orgs-500.csv"
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
    scores_csv = OUT / "scores-500x24.csv"
    with scores_csv.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    from openpyxl import Workbook

    scores_xlsx = OUT / "scores-500x24.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for r in rows:
        ws.append([r[0], r[1], *[float(v) for v in r[2:8]], r[8]])
    wb.save(scores_xlsx)
    return orgs_csv, scores_csv, scores_xlsx


def bench_import() -> None:
    print("import scores, 500 organisations x 24 months (12,000 rows, 72,000 cells)")
    orgs_csv, scores_csv, scores_xlsx = make_import_files()
    base = OUT / "import-base.sqlite"
    for p in OUT.glob("import-base.sqlite*"):
        p.unlink()
    run([CLI, "import", "orgs", str(orgs_csv), "--db", str(base)])
    work = OUT / "import-work.sqlite"

    def fresh() -> None:
        for p in OUT.glob("import-work.sqlite*"):
            p.unlink()
        shutil.copy(base, work)

    for label, f in (("CSV (GB18030)", scores_csv), ("XLSX", scores_xlsx)):
        t = timed([CLI, "import", "scores", str(f), "--db", str(work)], repeat=3, setup=fresh)
        report(f"whole process, {label}", f"{t:.2f} s", "target <= 2 s" if label.startswith("CSV") else "")
    fresh()
    run([CLI, "import", "scores", str(scores_csv), "--db", str(work)])
    t = timed([CLI, "import", "scores", str(scores_csv), "--db", str(work)], repeat=3)
    report("re-import of the same CSV (changes nothing)", f"{t:.2f} s")


# --- flags on 500 orgs x 120 months ---------------------------------------------------------

def big_db(orgs: int, months: int) -> Path:
    path = OUT / f"demo-{orgs}x{months}.sqlite"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        tmp = path.with_suffix(".building")
        for p in OUT.glob(tmp.name + "*"):
            p.unlink()
        run([CLI, "demo", "--db", str(tmp), "--orgs", str(orgs), "--months", str(months), "--seed", "1"])
        tmp.rename(path)  # only a finished database is ever reused
        print(f"  (built {path.name} in {time.perf_counter() - t0:.1f} s)")
    return path


def bench_flags() -> None:
    print("flags, 500 organisations x 120 months")
    db = big_db(500, 120)
    py = str(BIN / "python")
    base = timed([py, "-c", "import sqlmodel"], repeat=7)
    flags = timed([CLI, "flags", "--db", str(db)], repeat=7)
    flags_json = timed([CLI, "flags", "--db", str(db), "--json"], repeat=7)
    report("python -c 'import sqlmodel'", f"{base * 1000:.0f} ms")
    report("incubator-tui flags", f"{flags * 1000:.0f} ms", f"ratio {flags / base:.2f} (target <= 1.3)")
    report("incubator-tui flags --json", f"{flags_json * 1000:.0f} ms", f"ratio {flags_json / base:.2f}")


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
    # Drain the output so the child never blocks on a full pty, until it exits.
    done = 0
    while not done:
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


def bench_startup() -> None:
    print("start-up to the first screen with its data, on a pty, 40-organisation demo database")
    demo = OUT / "demo-40.sqlite"
    if not demo.exists():
        OUT.mkdir(exist_ok=True)
        run([CLI, "demo", "--db", str(demo)])
    base_db = OUT / "baseline.sqlite"
    py = str(BIN / "python")
    in_pty([py, str(ROOT / "baseline_app.py"), str(base_db)])  # create its data outside the timing
    ours, base, mem_ours, mem_base = [], [], [], []
    for _ in range(7):  # interleaved, so load on the machine hits both alike
        t, m = in_pty([CLI, "--db", str(demo), "--exit-when-ready"])
        ours.append(t)
        mem_ours.append(m)
        t, m = in_pty([py, str(ROOT / "baseline_app.py"), str(base_db)])
        base.append(t)
        mem_base.append(m)
    o, b = statistics.median(ours), statistics.median(base)
    report("minimal Textual + SQLModel app, 500 rows in a DataTable", f"{b * 1000:.0f} ms", f"{max(mem_base)} MB")
    report("incubator-tui --exit-when-ready (dashboard with data)", f"{o * 1000:.0f} ms",
           f"ratio {o / b:.2f} (target <= 1.0), {max(mem_ours)} MB")


# --- screens on a district database, keystrokes in the grid ------------------------------------

def _probe(db: Path, keys: tuple[str, ...] = ()) -> dict:
    import json

    proc = run([str(BIN / "python"), str(ROOT / "screens_probe.py"), str(db), *keys], timeout=600)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def unfinalised_copy(db: Path) -> Path:
    """The database as in January, before the district finalises last year's review: its
    ratings worked out live from the inputs (the demo finalises the year)."""
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


def bench_keys() -> None:
    print("keystrokes in the scoring grid, 200 organisations, in-process (UI-thread CPU per key)")
    result = _probe(big_db(200, 24))
    k = result["grid_key_ms"]
    for part in ("handler", "with_paint"):
        v = k[part]
        report(f"{part.replace('_', ' ')}, {k['rows']} rows: mean / p95 / max",
               f"{v['mean']} / {v['p95']} / {v['max']} ms", "target <= 16 ms")


def bench_screens() -> None:
    print("every screen on a district database of 5,000 organisations (headless, 120x36)")
    result = _probe(big_db(5000, 24))
    for name, ms in result["switch_ms"].items():
        if "filled in" in name:  # background work after the screen has shown: no target
            report(f"  {name}", f"{ms:.0f} ms", "(in the background)")
        else:
            report(f"open {name}", f"{ms:.0f} ms", "target <= 300 ms")
    report("peak memory of the app process", f"{result['peak_rss_mb']} MB", "target <= 150 MB")
    live = _probe(unfinalised_copy(big_db(5000, 24)), ("r", "d"))["switch_ms"]
    report("open r (first), last year not finalised: ratings live", f"{live['r (first)']:.0f} ms",
           "target <= 300 ms")
    report("  r (first), last year not finalised, every row filled in",
           f"{live['r (first), every row of the year filled in']:.0f} ms", "(in the background)")


SECTIONS = {"import": bench_import, "flags": bench_flags, "startup": bench_startup, "keys": bench_keys,
            "screens": bench_screens}


def main(argv: list[str]) -> None:
    wanted = argv or list(SECTIONS)
    for name in wanted:
        SECTIONS[name]()
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
