"""The floors the benchmark table compares against: minimal Textual + SQLModel apps.

    python baseline_app.py DB                 # start-up: open DB, show 500 rows in a DataTable, exit
    python baseline_app.py DB --screens       # JSON: a 500-row table screen's first open and return (ms)
    python baseline_app.py DB --keys ROWS     # JSON: a DataTable cursor move + repaint with ROWS rows (ms)

Each is what Textual and SQLModel cost on their own for the same kind of work,
measured the way ``screens_probe.py`` measures the app (the same key sending,
the same "painted with its data" point, the same UI-thread CPU clock), so that
a row of the table divided by its floor is what our code adds.
"""

from __future__ import annotations

import sys

from sqlmodel import Field, Session, SQLModel, create_engine, select
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Static


class Row(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    total: float


def _engine(path: str):
    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        if s.exec(select(Row).limit(1)).first() is None:
            s.add_all(Row(name=f"组织{i}", total=i % 10) for i in range(500))
            s.commit()
    return engine


class Baseline(App):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.engine = _engine(path)

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("名称", "总分")
        with Session(self.engine) as s:
            table.add_rows((r.name, r.total) for r in s.exec(select(Row)))
        self.call_after_refresh(self.exit)


# --- screens: a table screen's first open and return ----------------------------------------

class HomeScreen(Screen):
    loaded = True

    def compose(self) -> ComposeResult:
        yield Static("home")


class TableScreen(Screen):
    """500 rows read with SQLModel into a DataTable: what a screen of ours does at its simplest."""

    loaded = False

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("名称", "总分")
        with Session(self.app.engine) as s:
            table.add_rows((r.name, r.total) for r in s.exec(select(Row)))
        self.loaded = True


class Switcher(App):
    SCREENS = {"home": HomeScreen, "table": TableScreen}
    BINDINGS = [("o", "switch_screen('table')", "table"), ("d", "switch_screen('home')", "home")]

    def __init__(self, path: str) -> None:
        super().__init__()
        self.engine = _engine(path)

    def on_mount(self) -> None:
        self.push_screen("home")


async def screens(path: str) -> dict:
    from screens_probe import _settle, _switch, _wait

    import statistics

    app = Switcher(path)
    times = []
    async with app.run_test(size=(120, 36)) as pilot:
        await _wait(app)
        for _ in range(6):
            ms, _ = await _switch(app, "o")
            times.append(ms)
            await _settle(app, pilot)
            await _switch(app, "d")
            await _settle(app, pilot)
    return {"first": times[0], "again": statistics.median(times[1:])}  # returns: the median of five


# --- keys: a DataTable cursor move and its repaint -------------------------------------------

class KeysApp(App):
    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="cell")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("名称", "工作计划", "卫生清洁", "党建工作", "服务活动", "制度台账", "安全规范", "总分")
        table.add_rows((f"测试社会组织{i:04d}号", "2", "2", "1.5", "2", "1", "1", "9.5") for i in range(self.rows))


async def keys(rows: int) -> dict:
    import time

    app = KeysApp(rows)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        moves = [table.action_cursor_right, table.action_cursor_down, table.action_cursor_left,
                 table.action_cursor_up, table.action_cursor_down]
        times = []
        for i in range(200):
            t0 = time.thread_time()
            moves[i % len(moves)]()
            await pilot.pause()
            app.screen._compositor_refresh()  # paint now, on this thread, as screens_probe does for the grid
            times.append((time.thread_time() - t0) * 1000)
    times = sorted(times[10:])  # the first round paints the whole table once: warm-up
    return {"mean": round(sum(times) / len(times), 2), "p95": round(times[int(len(times) * 0.95)], 2),
            "max": round(times[-1], 2), "rows": rows}


if __name__ == "__main__":
    import asyncio
    import json

    if "--screens" in sys.argv:
        print(json.dumps(asyncio.run(screens(sys.argv[1]))))
    elif "--keys" in sys.argv:
        print(json.dumps(asyncio.run(keys(int(sys.argv[sys.argv.index("--keys") + 1])))))
    else:
        Baseline(sys.argv[1]).run()
