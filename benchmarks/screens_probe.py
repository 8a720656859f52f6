"""Run the app headless on a database and time every screen switch; print JSON.

Used by bench.py in a subprocess of its own, so that the peak memory it
reports is the app's alone.  Timings: from the key reaching the app to the new
screen showing its data (its rows added, laid out and painted), polled every
millisecond.  Keys are sent as the terminal driver sends them, not with
``Pilot.press``: that waits for the whole process to go idle (background workers
included), which is not what the user waits for.
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


def _send_key(app, key: str) -> None:
    """What the driver does with a key from the terminal (Pilot.press, minus its waiting)."""
    from textual import events

    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)


async def _switch(app, key: str, timeout: float = 30.0) -> tuple[float, float]:
    """Milliseconds from ``key`` to the next screen painted with its data; and the start."""
    before = app.screen
    t0 = time.perf_counter()
    _send_key(app, key)
    while app.screen is before or not _ready(app.screen):
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError(type(app.screen).__name__)
        await asyncio.sleep(0.001)
    # Lay out and paint now, inside the measurement: the time until the screen shows
    # its data, not until background work it started afterwards (e.g. the
    # organisations table's totals, which fill in later) has finished.
    app.screen._refresh_layout()
    return round((time.perf_counter() - t0) * 1000, 1), t0


async def _settle(app, pilot) -> None:
    """Let the work a screen started in the background finish (some starts after a short timer)."""
    await pilot.pause()
    await asyncio.sleep(0.2)
    await app.workers.wait_for_complete()
    await pilot.pause()


def _stats(times: list[float]) -> dict:
    times = sorted(times)
    return {"mean": round(sum(times) / len(times), 2), "p95": round(times[int(len(times) * 0.95)], 2),
            "max": round(times[-1], 2)}


async def _review_keys(app, pilot) -> dict | None:
    """Keystrokes on the annual review (#10): typing party, self and public and moving, each the UI
    thread's CPU time for the key and the repaint it causes (as the grid's below)."""
    await pilot.press("r")
    screen = app.screen
    while getattr(screen, "partial", True) or getattr(screen, "model", None) is None:
        await asyncio.sleep(0.001)
    await app.workers.wait_for_complete()
    if not hasattr(screen, "handle_review_key"):
        return None
    handler, with_paint = [], []
    for key in ["8", "5", "enter", "9", "0", "full_stop", "5", "enter", "7", "enter", "up", "down", "escape"] * 16:
        app.collector.input()
        t0 = time.thread_time()
        screen.handle_review_key(key)
        t1 = time.thread_time()
        await pilot.pause()
        app.screen._compositor_refresh()
        t2 = time.thread_time()
        handler.append((t1 - t0) * 1000)
        with_paint.append((t2 - t0) * 1000)
    handler, with_paint = handler[13:], with_paint[13:]  # the first round paints the table once
    return {"handler": _stats(handler), "with_paint": _stats(with_paint), "rows": len(screen.model.rows)}


async def probe(db_path: str, keys: list[str]) -> dict:
    from incubator_tui.app import IncubatorApp
    from incubator_tui.db import open_database

    app = IncubatorApp(open_database(db_path))
    out: dict = {"switch_ms": {}}
    async with app.run_test(size=(120, 36)) as pilot:
        await _wait(app)
        # The dashboard painted and its background work done before the first key, as a person
        # sees it before pressing one: the first switch measures that screen, not the end of
        # the start-up (which has its own row, until the dashboard shows its data).
        await _settle(app, pilot)
        for round_ in ("first", "again"):
            for key in keys:
                out["switch_ms"][f"{key} ({round_})"], t0 = await _switch(app, key)
                if key == "o":  # the list shows at once; its totals and streaks fill in afterwards
                    while not app.screen.complete:
                        await asyncio.sleep(0.001)
                    out["switch_ms"][f"o ({round_}), totals and streaks filled in"] = round(
                        (time.perf_counter() - t0) * 1000, 1)
                if key == "r":  # the first page shows at once; the rest of the year afterwards
                    while app.screen.partial:
                        await asyncio.sleep(0.001)
                    out["switch_ms"][f"r ({round_}), every row of the year filled in"] = round(
                        (time.perf_counter() - t0) * 1000, 1)
                await _settle(app, pilot)
        # The organisation page: Enter on the list.
        await pilot.press("o")
        await _settle(app, pilot)
        out["switch_ms"]["org page (enter)"], _ = await _switch(app, "enter")
        await _settle(app, pilot)
        # The scoring grid's previous and next month ([ and ]): a new month is a new load.
        await pilot.press("s")
        await _settle(app, pilot)
        for key, name in (("left_square_bracket", "previous month ["), ("right_square_bracket", "next month ]")):
            screen = app.screen
            before = screen.grid
            t0 = time.perf_counter()
            _send_key(app, key)
            while screen.grid is before:
                await asyncio.sleep(0.001)
            screen._refresh_layout()
            out["switch_ms"][f"scoring grid, {name}"] = round((time.perf_counter() - t0) * 1000, 1)
            await _settle(app, pilot)
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
                app.collector.input()  # as a key from the terminal would (App.on_event)
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
        if "r" in keys:
            out["review_key_ms"] = await _review_keys(app, pilot)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    # A quick user: the organisations list, and 150 ms later (its totals still being
    # worked out in the background) the scoring grid. A second app, after the peak was read.
    app = IncubatorApp(open_database(db_path))
    async with app.run_test(size=(120, 36)) as pilot:
        await _wait(app)
        await _settle(app, pilot)
        await asyncio.sleep(0.5)
        await _switch(app, "o")
        await asyncio.sleep(0.15)
        out["switch_ms"]["s, 150 ms after o (the list's totals still loading)"], _ = await _switch(app, "s")
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(probe(sys.argv[1], sys.argv[2:] or ["o", "s", "c", "r", "d"]))))
