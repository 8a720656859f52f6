"""The app on a district database (#11), headless: first open and return of every screen in the
all-centres view, the grid of one centre (chosen in the picker), grid keystrokes; prints JSON.

    .venv/bin/python benchmarks/district_probe.py DISTRICT.sqlite
    .venv/bin/python benchmarks/district_probe.py --build OUT_FOLDER [--orgs 100 --months 60]

``--build`` makes the district as a district makes it: four demo centres (``incubator-tui demo``,
seeds 2027-2030), renamed, each exported with ``export sqlite`` and all merged with ``merge``;
then times it.  Timings are taken as ``screens_probe.py`` takes them (key to painted data).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from screens_probe import _settle, _stats, _switch, _wait  # noqa: E402

NAMES = ("辛店街道社会组织党建服务中心", "稷下文化创客中心", "雪宫社会组织创新发展中心", "淄江之家社会组织发展中心")


def build(out: Path, orgs: int, months: int) -> Path:
    from incubator_tui.db import open_database
    from incubator_tui.services.access import read
    from incubator_tui.services.dashboard import list_centres
    from incubator_tui.services.exchange import export_sqlite
    from incubator_tui.services.merge import merge
    from incubator_tui.services.settings import save_centre

    out.mkdir(parents=True, exist_ok=True)
    exports = []
    for i, name in enumerate(NAMES, 1):
        path = out / f"centre{i}.sqlite"
        if not path.exists():
            subprocess.run([sys.executable, "-m", "incubator_tui", "demo", "--db", str(path), "--orgs", str(orgs),
                            "--months", str(months), "--seed", str(2026 + i)], check=True, capture_output=True)
            db = open_database(path)
            save_centre(db, read(db, list_centres)[0].id, {"name": name}, "bench")
            db.dispose()
        db = open_database(path)
        exp = out / f"centre{i}-export.sqlite"
        exp.unlink(missing_ok=True)
        export_sqlite(db, exp)
        db.dispose()
        exports.append(exp)
    district = out / "district.sqlite"
    for old in (district, *(Path(f"{district}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
        old.unlink(missing_ok=True)  # the last run's app left its -wal and -shm: a new district, no sidecars
    merge(district, exports)
    return district


async def probe(path: Path) -> dict:
    from incubator_tui.app import IncubatorApp
    from incubator_tui.db import open_database
    from incubator_tui.screens.centre_picker import CentrePickerModal

    out: dict = {"switch_ms": {}}
    app = IncubatorApp(open_database(path), edit_district=True)  # typing saves, as a centre's grid does
    async with app.run_test(size=(120, 36)) as pilot:
        t0 = time.perf_counter()
        await _wait(app)
        out["centres"] = len(app.scope)
        out["switch_ms"]["dashboard, all centres (start)"] = round((time.perf_counter() - t0) * 1000, 1)
        await _settle(app, pilot)
        for round_ in ("first", "again"):
            for key in ("o", "c", "r", "d"):
                out["switch_ms"][f"{key} all centres ({round_})"], t0 = await _switch(app, key)
                if key == "o":
                    while not app.screen.complete:
                        await asyncio.sleep(0.001)
                    out["switch_ms"][f"o all centres ({round_}), totals filled in"] = round(
                        (time.perf_counter() - t0) * 1000, 1)
                if key == "r":
                    while app.screen.partial:
                        await asyncio.sleep(0.001)
                    out["switch_ms"][f"r all centres ({round_}), every row"] = round(
                        (time.perf_counter() - t0) * 1000, 1)
                await _settle(app, pilot)
        # s: the picker, then Enter: one centre's grid (the app switches to that centre).
        await pilot.press("s")
        while not isinstance(app.screen, CentrePickerModal):
            await asyncio.sleep(0.001)
        await pilot.pause()
        from screens_probe import _send_key

        from incubator_tui.screens.scoring_screen import ScoringScreen

        t0 = time.perf_counter()
        _send_key(app, "enter")
        while not (isinstance(app.screen, ScoringScreen) and app.screen.grid is not None):
            await asyncio.sleep(0.001)
        app.screen._refresh_layout()
        out["switch_ms"]["s: picker, Enter, the centre's grid"] = round((time.perf_counter() - t0) * 1000, 1)
        await _settle(app, pilot)
        screen = app.screen
        handler, with_paint = [], []
        for key in ["1", ".", "5", "enter", "2", "enter", "down", "up", "n", "escape"] * 20:
            app.collector.input()
            t0 = time.thread_time()
            screen.handle_grid_key(key)
            t1 = time.thread_time()
            await pilot.pause()
            app.screen._compositor_refresh()
            t2 = time.thread_time()
            handler.append((t1 - t0) * 1000)
            with_paint.append((t2 - t0) * 1000)
        out["grid_key_ms"] = {"handler": _stats(handler[10:]), "with_paint": _stats(with_paint[10:]),
                              "rows": screen.table.row_count}
        await _settle(app, pilot)
        for key in ("o", "c", "r", "d"):  # one centre of the district
            out["switch_ms"][f"{key} one centre (first)"], _ = await _switch(app, key)
            await _settle(app, pilot)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path, nargs="?")
    parser.add_argument("--build", type=Path, metavar="OUT")
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()
    path = build(args.build, args.orgs, args.months) if args.build else args.db
    if path is None:
        parser.error("a district database, or --build OUT")
    print(json.dumps(asyncio.run(probe(path)), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
