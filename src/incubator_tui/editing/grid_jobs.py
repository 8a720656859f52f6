"""What the scoring grid asks of the database, and how each request is carried out.

Writes are plain data (:class:`SaveJob`, :class:`OpJob`) made on the UI thread,
and :func:`execute`, run by the ordered queue's worker thread: every write goes
through the services, one transaction each, in the order made.  The month is
read by :func:`read_month`, through the screens' one loading pattern
(``BaseScreen.load``), once the writes asked for before it are done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from incubator_tui.services.access import reads_sql
from incubator_tui.services.scoring import Cell, Grid, LastMonth, RowsRead


@dataclass
class SaveJob:
    centre_id: str
    org_id: str
    org_name: str
    month: str
    values: dict[str, Cell]  # item id -> the new cell
    gens: dict[str, int]  # item id -> the edit generation this save carries
    reason_only: bool = False
    retry: bool = False  # a save that failed, tried again (its success is announced)


@dataclass
class OpJob:
    """A month or exemption action: exempt, lift, close, reopen, pause, resume."""

    kind: str
    centre_id: str
    month: str
    org_id: str | None = None
    org_name: str = ""
    reason: str = ""


@dataclass
class OpenedCase:
    org_id: str
    months: list[str] = field(default_factory=list)


@dataclass
class Loaded:
    """A month read for the grid, with what the UI thread would otherwise work out itself."""

    grid: Grid
    progress: list[int]  # each row's progress (see grid_model.row_progress)
    current_month: str  # in the centre's time zone, when the month was read


@dataclass
class LoadedRest:
    """The rows of ``grid`` read after its first screenful: their cells and history, and each
    one's progress (org id -> grid_model.row_progress), worked out off the UI thread."""

    grid: Grid
    rows: RowsRead
    progress: dict[str, int]


def execute(db, operator: str, job: Any) -> Any:
    """Carry out one job (on the queue's worker thread); raises what the service raises."""
    from incubator_tui.services import scoring

    if isinstance(job, SaveJob):
        with db.session() as s:
            res = scoring.save_cells(
                s, job.centre_id, job.org_id, job.month, job.values, operator, reason_only=job.reason_only
            )
            return [OpenedCase(c.org_id, list(c.months or [])) for c in res.opened_cases]
    with db.session() as s:
        if job.kind == "exempt":
            scoring.set_exempt(s, job.centre_id, job.org_id, job.month, job.reason, operator)
        elif job.kind == "lift":
            res = scoring.lift_exempt(s, job.centre_id, job.org_id, job.month, operator)
            return [OpenedCase(c.org_id, list(c.months or [])) for c in res.opened_cases]
        elif job.kind == "close":
            scoring.close_month(s, job.centre_id, job.month, operator)
        elif job.kind == "reopen":
            scoring.reopen_month(s, job.centre_id, job.month, job.reason, operator)
        elif job.kind in ("pause", "resume"):
            scoring.set_paused(s, job.centre_id, job.month, job.kind == "pause", operator)
        else:
            raise ValueError(job.kind)
    return None


@reads_sql
def read_month(connection, centre_id: str, month: str, keep: tuple | None = None, page: int | None = None) -> Loaded:
    """The month as the grid shows it, read in SQL text only (no ORM import on the way).

    With ``page`` (the rows a screen shows), only the rows within ``page`` of where the
    cursor goes (``keep``, as ``GridModel.place`` takes it) have their cells read: the
    grid's first screenful; :func:`read_rest` reads the others."""
    from incubator_tui.editing.grid_layout import name_cells
    from incubator_tui.editing.grid_model import first_rows, row_progress
    from incubator_tui.services import scoring
    from incubator_tui.services.dates import centre_month

    first = None if page is None else (lambda grid: first_rows(grid, keep, page))
    grid = scoring.load_grid(connection, centre_id, month, first)
    # Worked out here, off the UI thread (thousands of rows); then kept row by row.
    progress = [row_progress(grid, row) for row in grid.rows]
    name_cells(grid)  # measured here too, for the column plan (every name is read at once)
    return Loaded(grid, progress, centre_month(connection, centre_id))  # in the centre's time zone


@reads_sql
def read_rest(connection, grid: Grid) -> LoadedRest:
    """The cells of the rows of ``grid`` not read with its first screenful, and their progress."""
    from incubator_tui.editing.grid_model import progress_of
    from incubator_tui.services import scoring

    rows = scoring.grid_rest(connection, grid)
    progress = {row.org_id: progress_of(grid, row.exempt, rows.cells.get(row.org_id, {}))
                for row in grid.rows if not row.cells_read}
    return LoadedRest(grid, rows, progress)


@dataclass
class LoadedLast:
    """Last month's cells for the month ``of_month`` shown (see ``services.scoring.LastMonth``)."""

    of_month: str
    last: LastMonth


@reads_sql
def read_last_month(connection, centre_id: str, month: str) -> LoadedLast:
    """What each org had the month before ``month`` (the grid's ``"`` and ``R``), read after
    the month itself so that it never delays the grid's first paint."""
    from incubator_tui.services import scoring

    return LoadedLast(month, scoring.last_month(connection, centre_id, month))
