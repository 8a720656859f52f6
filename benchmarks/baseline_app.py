"""The yardstick for start-up: a minimal Textual + SQLModel app that opens a
database and shows 500 rows in a DataTable, then exits once they are shown."""

from __future__ import annotations

import sys

from sqlmodel import Field, Session, SQLModel, create_engine, select
from textual.app import App, ComposeResult
from textual.widgets import DataTable


class Row(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    total: float


class Baseline(App):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.engine = create_engine(f"sqlite:///{path}")
        SQLModel.metadata.create_all(self.engine)
        with Session(self.engine) as s:
            if s.exec(select(Row).limit(1)).first() is None:
                s.add_all(Row(name=f"组织{i}", total=i % 10) for i in range(500))
                s.commit()

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("名称", "总分")
        with Session(self.engine) as s:
            table.add_rows((r.name, r.total) for r in s.exec(select(Row)))
        self.call_after_refresh(self.exit)


if __name__ == "__main__":
    Baseline(sys.argv[1]).run()
