"""Run the app headless on a database and time every screen switch; print JSON.

Used by bench.py in a subprocess of its own, so that the peak memory it
reports is the app's alone.  Timings: from the key press to the screen showing
its data (its rows added), polled every millisecond.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time


def _ready(screen) -> bool:
    if getattr(screen, "grid", None) is not None:  # the scoring screen
        return True
    if getattr(screen, "page", None) is not None:  # an organisation's page
        return True
    return bool(getattr(screen, "loaded", False))


async def _wait(app, timeout: float = 30.0) -> None:
    t0 = time.perf_counter()
    while not _ready(app.screen):
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError(type(app.screen).__name__)
        await asyncio.sleep(0.001)


async def probe(db_path: str, keys: list[str]) -> dict:
    from incubator_tui.app import IncubatorApp
    from incubator_tui.db import open_database

    app = IncubatorApp(open_database(db_path))
    out: dict = {"switch_ms": {}}
    async with app.run_test(size=(120, 36)) as pilot:
        await _wait(app)
        for round_ in ("first", "again"):
            for key in keys:
                t0 = time.perf_counter()
                await pilot.press(key)
                await _wait(app)
                # Paint now: the time until the screen shows its data, not until
                # background work it started afterwards (e.g. the organisations
                # table's totals, which fill in later) has finished.
                app.screen._compositor_refresh()
                out["switch_ms"][f"{key} ({round_})"] = round((time.perf_counter() - t0) * 1000, 1)
                await pilot.pause()
                await app.workers.wait_for_complete()
                out["switch_ms"][f"{key} ({round_}), all background work done"] = round(
                    (time.perf_counter() - t0) * 1000, 1)
        # The organisation page: Enter on the list.
        await pilot.press("o")
        await _wait(app)
        t0 = time.perf_counter()
        await pilot.press("enter")
        await _wait(app)
        app.screen._compositor_refresh()
        out["switch_ms"]["org page (enter)"] = round((time.perf_counter() - t0) * 1000, 1)
        # Keystrokes in the scoring grid, in-process.
        await pilot.press("s")
        await _wait(app)
        await app.workers.wait_for_complete()
        screen = app.screen
        if hasattr(screen, "handle_grid_key"):
            # CPU time of the UI thread per key: the handler plus the repaint it
            # causes (wall time would include waiting for the next 60 Hz frame
            # and the save worker's thread).
            def stats(times: list[float]) -> dict:
                times = sorted(times)
                return {"mean": round(sum(times) / len(times), 2), "p95": round(times[int(len(times) * 0.95)], 2),
                        "max": round(times[-1], 2)}

            handler, with_paint = [], []
            for key in ["1", ".", "5", "enter", "2", "enter", "down", "up", "n", "escape"] * 20:
                t0 = time.thread_time()
                screen.handle_grid_key(key)
                t1 = time.thread_time()
                await pilot.pause()
                app.screen._compositor_refresh()  # paint now, on this thread, inside the measurement
                t2 = time.thread_time()
                handler.append((t1 - t0) * 1000)
                with_paint.append((t2 - t0) * 1000)
            # The first round paints the whole grid once: warm-up, not a keystroke's cost.
            handler, with_paint = handler[10:], with_paint[10:]
            out["grid_key_ms"] = {"handler": stats(handler), "with_paint": stats(with_paint),
                                  "rows": screen.table.row_count}
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(probe(sys.argv[1], sys.argv[2:] or ["o", "s", "c", "r", "d"]))))
