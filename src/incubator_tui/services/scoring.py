"""The monthly scoring grid: load a month, save one cell at a time.

Every committed cell is saved in its own transaction with its audit entry,
and a save that completes a third low month opens the case (DOMAIN 4) in the
same transaction.  Totals and streaks shown while typing are computed from
the in-memory :class:`Grid` with the pure rules, never by re-reading.

Loading a month (:func:`load_grid`) reads plain rows only, no SQLModel classes:
the table classes (and the services built on them) are imported by the writers,
when the first cell is saved, so that opening the grid does not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from sqlalchemy import text

from incubator_tui.errors import UserError
from incubator_tui.rules.membership import member_in
from incubator_tui.rules.months import month_of
from incubator_tui.rules.scoring import NA, MonthResult, month_result, validate_score_cents
from incubator_tui.rules.settings import threshold_for, value_in_force
from incubator_tui.rules.streaks import MonthKind, MonthState, Streak, flag_level, streak_as_of
from incubator_tui.services.access import reads_sql
from incubator_tui.services.centres import Checklists, Item, setting_entries
from incubator_tui.services.monthly import OrgInfo, streak_states
from incubator_tui.services.dates import as_date

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from incubator_tui.models import CentreMonth


# Slotted: a month of a district holds thousands of rows and cells, and each
# instance without a __dict__ is one object for the garbage collector, not two.
# Frozen: equal cells are shared (a month's 30,000 cells are a few dozen values).
@dataclass(slots=True, frozen=True)
class Cell:
    value_cent: int | None = None
    na: bool = False
    reason: str = ""

    @property
    def blank(self) -> bool:
        return self.value_cent is None and not self.na


@dataclass(slots=True)
class GridRow:
    org_id: str
    name: str
    pinyin: str
    entry_month: str
    cells: dict[str, Cell]  # item_id -> cell
    exempt: str | None = None  # the reason, when exempt this month
    history: dict[str, MonthState] = field(default_factory=dict)  # months before this one
    has_open_case: bool = False
    initials: str = ""  # pinyin initials ('cggyfws'), for the grid's search (``/``)
    # False while the row's cells and history are not read yet (see load_grid's ``first``):
    # its ``cells`` and ``history`` are then empty because unknown, not because unscored.
    cells_read: bool = True


@dataclass
class Grid:
    centre_id: str
    month: str
    items: list[Item]
    rows: list[GridRow]
    closed: bool
    paused: bool
    step_cent: int
    run_length: int
    threshold_of: Callable[[str], Fraction]
    centre_name: str = ""
    # The members as the streak reader takes them (org id -> OrgInfo): the rows read later need them.
    members: dict[str, OrgInfo] = field(default_factory=dict, repr=False)

    @property
    def complete(self) -> bool:
        """Every row's cells and history are read."""
        return all(row.cells_read for row in self.rows)

    def result(self, row: GridRow) -> MonthResult:
        return self.result_of(row.cells)

    def result_of(self, cells: dict[str, Cell]) -> MonthResult:
        """The month's result of a row holding ``cells`` (item id -> cell)."""
        return month_result(
            (it.max_cent, NA if c.na else c.value_cent)
            for it in self.items
            for c in (cells.get(it.id) or Cell(),)
        )

    def streak(self, row: GridRow) -> Streak:
        """The row's streak as of this month, with this month as typed so far."""
        if row.exempt is not None or self.paused:
            state = MonthState(MonthKind.EXEMPT if row.exempt is not None else MonthKind.PAUSED)
        else:
            res = self.result(row)
            if res.complete:
                state = MonthState(MonthKind.COMPLETE, res.total)
            elif res.scored or res.na:
                state = MonthState(MonthKind.INCOMPLETE)
            else:
                state = None
        states = row.history if state is None else {**row.history, self.month: state}
        return streak_as_of(states, self.month, row.entry_month, self.threshold_of)

    def level(self, streak: Streak) -> str | None:
        return flag_level(streak.count, self.run_length)

    def progress(self) -> tuple[int, int, int]:
        """(complete, incomplete, not started) among the rows not exempt."""
        done = partial = empty = 0
        for row in self.rows:
            if row.exempt is not None:
                continue
            res = self.result(row)
            if res.complete:
                done += 1
            elif res.scored or res.na:
                partial += 1
            else:
                empty += 1
        return done, partial, empty

    def incomplete_rows(self) -> list[GridRow]:
        return [r for r in self.rows if r.exempt is None and not self.result(r).complete]


def members_in_month(session: Session, centre_id: str, month: str) -> list:
    """The orgs that belong to the centre in ``month`` (DOMAIN 2), in pinyin order."""
    rows = session.execute(
        text(
            "SELECT id, name, pinyin, entry_date, end_date FROM organisation "
            "WHERE centre_id = :c ORDER BY pinyin, name"
        ),
        {"c": centre_id},
    ).all()
    return [r for r in rows if member_in(month, as_date(r.entry_date), as_date(r.end_date))]


def _members(session: Session, centre_id: str, month: str) -> list[tuple[OrgInfo, str, str]]:
    """(OrgInfo, pinyin, initials) of the orgs that belong to the centre in ``month`` (DOMAIN 2), in pinyin order.

    One query serves both the grid's rows and the streak reader's org infos.
    """
    rows = session.execute(
        text(
            "SELECT id, name, pinyin, entry_date, end_date, status, initials FROM organisation "
            "WHERE centre_id = :c ORDER BY pinyin, name"
        ),
        {"c": centre_id},
    ).all()
    # Orgs share entry and end dates: judge each pair of dates once.
    judged: dict = {}
    out = []
    for org_id, name, pinyin, entry_value, end_value, status, initials in rows:
        months = judged.get((entry_value, end_value), False)
        if months is False:
            entry, end = as_date(entry_value), as_date(end_value)
            months = judged[(entry_value, end_value)] = (
                (month_of(entry), month_of(end) if end else None) if member_in(month, entry, end) else None
            )
        if months is not None:
            out.append((OrgInfo(org_id, name, months[0], months[1], status), pinyin, initials or ""))
    return out


def _month_flags(session: Session, centre_id: str, month: str) -> tuple[bool, bool]:
    """(closed, paused) of the centre's month."""
    row = session.execute(
        text("SELECT closed, paused FROM centre_month WHERE centre_id = :c AND month = :m"),
        {"c": centre_id, "m": month},
    ).first()
    return (bool(row[0]), bool(row[1])) if row is not None else (False, False)


def _open_case_orgs(session: Session, org_ids) -> set[str]:
    """Those of ``org_ids`` with an open case (as services.cases.open_case_org_ids, in plain SQL)."""
    from incubator_tui.rules.cases import OPEN_STATES

    states = sorted(str(getattr(state, "value", state)) for state in OPEN_STATES)
    params = {f"s{i}": v for i, v in enumerate(states)}
    marks = ",".join(f":s{i}" for i in range(len(states)))
    rows = session.execute(text(f"SELECT org_id FROM org_case WHERE state IN ({marks})"), params)
    return {org_id for (org_id,) in rows if org_id in org_ids}


FETCH_ROWS = 2000  # rows of a month's cells fetched at a time

# A month's cells, as the grid reads them (and as warm_month reads them ahead of it).
_MONTH_CELLS = (
    "FROM score s JOIN organisation o ON o.id = s.org_id WHERE o.centre_id = :c AND s.month = :m"
)


@reads_sql
def warm_month(connection: Session, centre_id: str, month: str) -> int:
    """Read the month's cells as :func:`load_grid` does, keeping nothing; the number of cells.

    Run while the user reads the dashboard: the grid's first open then finds the pages it
    reads in the OS cache.  After a restart, or once the system has reclaimed the file's
    cache, those reads come from disk: 0.4 s at 5,000 organisations on the benchmark
    machine, against 30 ms cached.  Summing the values and the reasons' lengths makes
    SQLite read every row (not only the key); no Python object is made per cell."""
    return int(connection.execute(
        text(f"SELECT count(*), total(s.value_cent), total(length(s.reason)) {_MONTH_CELLS}"),
        {"c": centre_id, "m": month},
    ).one()[0])


def load_grid(
    session: Session, centre_id: str, month: str, first: Callable[[Grid], range] | None = None,
) -> Grid:
    """The month as the grid shows it: its members in pinyin order, each with its cells, its
    exemption, its open case and the months before it that its streak needs.

    With ``first`` (given the grid with its rows, not yet their cells, it returns the range of
    rows to read now: the grid's first screenful), only those rows' cells and history are read,
    by their org ids (a few dozen index seeks, where the whole month is ~5,000: 0.4-0.5 s when
    the file is not in the OS cache); the other rows are marked ``cells_read=False`` and
    :func:`grid_rest` reads them.  Exemptions and open cases are read for every row (one
    small query each): moving on past exempt orgs is then right from the first paint."""
    checklists = Checklists(session, centre_id)
    items = checklists.items_for(month)
    entries = setting_entries(session, centre_id)
    threshold_of = threshold_for(entries)
    members = _members(session, centre_id, month)
    exempt = dict(
        session.execute(
            text(
                "SELECT e.org_id, e.reason FROM exemption e JOIN organisation o ON o.id = e.org_id "
                "WHERE o.centre_id = :c AND e.month = :m AND e.active = :t"
            ),
            {"c": centre_id, "m": month, "t": True},
        ).all()
    )
    closed, paused = _month_flags(session, centre_id, month)
    infos = {info.id: info for info, _pinyin, _initials in members}
    open_orgs = _open_case_orgs(session, infos)
    centre_name = session.execute(text("SELECT name FROM centre WHERE id = :c"), {"c": centre_id}).scalar()
    rows = [
        GridRow(
            org_id=info.id, name=info.name, pinyin=pinyin, entry_month=info.entry_month, cells={},
            exempt=exempt.get(info.id), has_open_case=info.id in open_orgs, initials=initials,
            cells_read=False,
        )
        for info, pinyin, initials in members
    ]
    grid = Grid(
        centre_id=centre_id, month=month, items=items, rows=rows, closed=closed, paused=paused,
        step_cent=value_in_force(entries, "score_step_cent", month),
        run_length=value_in_force(entries, "run_length", month),
        threshold_of=threshold_of, centre_name=centre_name or "", members=infos,
    )
    span = range(len(rows)) if first is None else first(grid)
    wanted = rows[span.start:span.stop]
    read = _read_rows(session, grid, checklists, [row.org_id for row in wanted], whole_month=first is None)
    for row in wanted:
        row.cells = read.cells.get(row.org_id, {})
        row.history = read.history.get(row.org_id, {})
        row.cells_read = True
    return grid


def _shared_cell(shared: dict[tuple, Cell], value: int | None, na: object, reason: str | None) -> Cell:
    """The cell of a score row read, one object per distinct (value, N/A, reason) in ``shared``."""
    key = (value, bool(na), reason or "")
    cell = shared.get(key)
    if cell is None:
        cell = shared[key] = Cell(*key)
    return cell


@dataclass
class RowsRead:
    """The cells and the streak history of some rows of a month (see :func:`grid_rest`)."""

    cells: dict[str, dict[str, Cell]]  # org id -> item id -> cell (a new dict per org)
    history: dict[str, dict[str, MonthState]]  # org id -> month -> state, months before this one


def _read_rows(session: Session, grid: Grid, checklists: Checklists, org_ids: list[str], *,
               whole_month: bool) -> RowsRead:
    """The cells and history of ``org_ids`` in ``grid``'s month: the whole month's cells read at
    once (``whole_month``, those of other orgs passed over), or only these orgs' by their ids."""
    from incubator_tui.rules.months import previous_month

    cells: dict[str, dict[str, Cell]] = {org_id: {} for org_id in org_ids}
    item_ids = {it.id: it.id for it in grid.items}  # one string per item as the cells' keys, not one per cell
    shared: dict[tuple, Cell] = {}  # equal cells are one object
    if whole_month:
        query, params = _MONTH_CELLS, {"c": grid.centre_id, "m": grid.month}
    else:
        marks = ",".join(f":o{i}" for i in range(len(org_ids)))
        query = f"FROM score s WHERE s.month = :m AND s.org_id IN ({marks})"
        params = {"m": grid.month, **{f"o{i}": org_id for i, org_id in enumerate(org_ids)}}
    if org_ids:
        # Fetched a part at a time (iterating the result would fetch row by row): the whole
        # month's rows at once are ~30,000 row objects and strings alive together (~7 MB at
        # 5,000 orgs, on top of the month shown), for values kept as a few dozen cells.
        for part in session.execute(
            text(f"SELECT s.org_id, s.item_id, s.value_cent, s.na, s.reason {query}"), params,
        ).partitions(FETCH_ROWS):
            for org_id, item_id, value, na, reason in part:
                row_cells = cells.get(org_id)  # None: another org's (the whole month is read)
                if row_cells is not None:
                    row_cells[item_ids.get(item_id, item_id)] = _shared_cell(shared, value, na, reason)
    # Enough history to recount each row's streak as it is typed (a window, not every month).
    history, _streaks = streak_states(
        session, grid.centre_id, checklists, {org_id: grid.members[org_id] for org_id in org_ids},
        previous_month(grid.month), grid.threshold_of,
    ) if org_ids else ({}, {})
    return RowsRead(cells, history)


@reads_sql
def grid_rest(connection: Session, grid: Grid) -> RowsRead:
    """The cells and history of ``grid``'s rows not read yet (``cells_read`` False), read as the
    whole month is (one query; the rows already read are passed over, not read again: their cells
    may have been typed over since).  Leaves ``grid`` as it is: the caller fills the rows in."""
    org_ids = [row.org_id for row in grid.rows if not row.cells_read]
    return _read_rows(connection, grid, Checklists(connection, grid.centre_id), org_ids, whole_month=True)


@dataclass
class LastMonth:
    """What each org had in the month before (the grid's ``"`` and ``R`` copy it).

    ``month`` is the latest month before the one shown that the centre did not
    pause (after a paused Spring Festival, January is "last month" for March),
    at most a year back; None when there is none.  Cells are keyed by item
    *code* (an item keeps its code across checklist versions, DOMAIN 9); blank
    cells are left out, and so are the orgs exempt that month.
    """

    month: str | None
    cells: dict[str, dict[str, Cell]] = field(default_factory=dict)  # org id -> item code -> cell
    exempt: set[str] = field(default_factory=set)  # orgs exempt that month: nothing to copy

    def cell(self, org_id: str, code: str) -> Cell | None:
        return self.cells.get(org_id, {}).get(code)


LOOK_BACK = 12  # months searched for the last month the centre did not pause


def last_month(session: Session, centre_id: str, month: str) -> LastMonth:
    """The cells of the centre's orgs in the month before ``month`` (see :class:`LastMonth`)."""
    from incubator_tui.rules.months import add_months

    floor = add_months(month, -LOOK_BACK)
    paused = {
        m for (m,) in session.execute(
            text("SELECT month FROM centre_month WHERE centre_id = :c AND paused = :t "
                 "AND month < :m AND month >= :f"),
            {"c": centre_id, "t": True, "m": month, "f": floor},
        )
    }
    before = add_months(month, -1)
    while before in paused and before >= floor:
        before = add_months(before, -1)
    if before < floor:
        return LastMonth(None)
    cells: dict[str, dict[str, Cell]] = {}
    shared: dict[tuple, Cell] = {}
    codes: dict[str, str] = {}  # one string per item code as the cells' keys, not one per cell
    for part in session.execute(
        text(
            "SELECT s.org_id, i.code, s.value_cent, s.na, s.reason FROM score s "
            "JOIN organisation o ON o.id = s.org_id JOIN checklist_item i ON i.id = s.item_id "
            "WHERE o.centre_id = :c AND s.month = :m AND (s.value_cent IS NOT NULL OR s.na = :t)"
        ),
        {"c": centre_id, "m": before, "t": True},
    ).partitions(FETCH_ROWS):  # a part at a time, as _read_rows does
        for org_id, code, value, na, reason in part:
            cell = _shared_cell(shared, value, na, reason)
            row = cells.get(org_id)
            if row is None:
                row = cells[org_id] = {}
            row[codes.setdefault(code, code)] = cell
    exempt = {
        org_id for (org_id,) in session.execute(
            text("SELECT e.org_id FROM exemption e JOIN organisation o ON o.id = e.org_id "
                 "WHERE o.centre_id = :c AND e.month = :m AND e.active = :t"),
            {"c": centre_id, "m": before, "t": True},
        )
    }
    for org_id in exempt:
        cells.pop(org_id, None)
    return LastMonth(before, cells, exempt)


def _centre_month(session: Session, centre_id: str, month: str) -> CentreMonth | None:
    from sqlalchemy import select

    from incubator_tui.models import CentreMonth

    return session.execute(
        select(CentreMonth).where(CentreMonth.centre_id == centre_id, CentreMonth.month == month)
    ).scalars().first()


def check_writable(session: Session, centre_id: str, month: str) -> None:
    row = _centre_month(session, centre_id, month)
    if row is not None and row.closed:
        raise UserError("month.closed", month=month)
    if row is not None and row.paused:
        raise UserError("month.paused", month=month)


def check_not_future(session: Session, centre_id: str, month: str) -> None:
    """DOMAIN 7: a month after the current one (in the centre's time zone) cannot be scored."""
    from incubator_tui.rules.errors import DomainError
    from incubator_tui.rules.months import check_not_future_month
    from incubator_tui.services.dates import centre_month

    try:
        check_not_future_month(month, centre_month(session, centre_id))
    except DomainError as err:
        raise UserError(err.key, **err.params) from err


def _check_org(session: Session, centre_id: str, org_id: str, month: str) -> None:
    row = session.execute(
        text("SELECT name, entry_date, end_date, centre_id FROM organisation WHERE id = :o"), {"o": org_id}
    ).first()
    if row is None or row.centre_id != centre_id:
        raise UserError("org.unknown", name=org_id)
    if not member_in(month, as_date(row.entry_date), as_date(row.end_date)):
        raise UserError("org.not_member", name=row.name, month=month)
    exempt = session.execute(
        text("SELECT 1 FROM exemption WHERE org_id = :o AND month = :m AND active = :t"),
        {"o": org_id, "m": month, "t": True},
    ).first()
    if exempt:
        raise UserError("org.exempt", name=row.name, month=month)


@dataclass
class SaveResult:
    opened_cases: list = field(default_factory=list)  # OrgCase rows opened by this save


def save_cells(
    session: Session, centre_id: str, org_id: str, month: str, values: dict[str, Cell | None], operator: str,
    *, reason_only: bool = False,
) -> SaveResult:
    """Save cells of one org-month (``None`` clears a cell); audited; may open a case.

    ``values`` maps item id to the new cell.  With ``reason_only`` only the
    reasons are written (the values are left as they are).
    """
    from sqlalchemy import insert, select, update

    from incubator_tui.models import Score
    from incubator_tui.models.base import new_id, utcnow
    from incubator_tui.services import audit
    from incubator_tui.services.cases import open_monthly_cases
    from incubator_tui.services.monthly import refresh_results

    check_writable(session, centre_id, month)
    check_not_future(session, centre_id, month)
    _check_org(session, centre_id, org_id, month)
    checklists = Checklists(session, centre_id)
    items = {it.id: it for it in checklists.items_for(month)}
    step = value_in_force(setting_entries(session, centre_id), "score_step_cent", month)
    existing = {
        s.item_id: s
        for s in session.execute(
            select(Score).where(Score.org_id == org_id, Score.month == month, Score.item_id.in_(list(values)))
        ).scalars()
    }
    now = utcnow()
    changed_value = False
    for item_id, cell in values.items():
        item = items.get(item_id)
        if item is None:
            raise UserError("item.unknown", item=item_id, month=month)
        cell = cell or Cell()
        if not reason_only and cell.value_cent is not None:
            validate_score_cents(cell.value_cent, item.max_cent, step)
        row = existing.get(item_id)
        if row is None:
            if reason_only and not cell.reason:
                continue
            new = Cell(None, False, cell.reason) if reason_only else cell
            row_id = new_id()
            session.execute(insert(Score), [{
                "id": row_id, "org_id": org_id, "month": month, "item_id": item_id,
                "value_cent": new.value_cent, "na": new.na, "reason": new.reason, "batch_id": None,
                "created_at": now, "updated_at": now,
            }])
            old_vals = {"value": None, "reason": ""}
            changed_value |= not new.blank
        else:
            new = Cell(row.value_cent, row.na, cell.reason) if reason_only else cell
            old_vals = {"value": _cell_text(Cell(row.value_cent, row.na)), "reason": row.reason}
            if (row.value_cent, row.na, row.reason) == (new.value_cent, new.na, new.reason):
                continue
            changed_value |= (row.value_cent, row.na) != (new.value_cent, new.na)
            session.execute(
                update(Score).where(Score.id == row.id).values(
                    value_cent=new.value_cent, na=new.na, reason=new.reason, updated_at=now
                )
            )
            row_id = row.id
        audit.record_changes(
            session, operator, "score", row_id, old_vals, {"value": _cell_text(new), "reason": new.reason}
        )
    if not changed_value:
        return SaveResult([])
    refresh_results(session, [org_id], [month])
    return SaveResult(open_monthly_cases(session, centre_id, [org_id], operator))


def _cell_text(cell: Cell) -> str | None:
    if cell.na:
        return "N/A"
    if cell.value_cent is None:
        return None
    from incubator_tui.rules.scoring import cents_to_text

    return cents_to_text(cell.value_cent)


def set_exempt(session: Session, centre_id: str, org_id: str, month: str, reason: str, operator: str) -> None:
    from sqlalchemy import select

    from incubator_tui.models import Exemption
    from incubator_tui.services import audit

    if not reason.strip():
        raise UserError("exempt.reason_required")
    check_writable(session, centre_id, month)
    row = session.execute(
        select(Exemption).where(Exemption.org_id == org_id, Exemption.month == month)
    ).scalars().first()
    if row is None:
        row = Exemption(org_id=org_id, month=month, reason=reason)
        session.add(row)
        session.flush()
        audit.record(session, operator, "exemption", row.id, "reason", None, reason)
    else:
        audit.record_changes(session, operator, "exemption", row.id,
                             {"reason": row.reason, "active": row.active}, {"reason": reason, "active": True})
        row.reason, row.active = reason, True
        session.add(row)


def lift_exempt(session: Session, centre_id: str, org_id: str, month: str, operator: str) -> SaveResult:
    """Score ``org_id`` again in ``month``; audited.  The month counts again, so it may
    complete a run of low months: the case it opens is returned, as :func:`save_cells` does."""
    from sqlalchemy import select

    from incubator_tui.models import Exemption
    from incubator_tui.services import audit
    from incubator_tui.services.cases import open_monthly_cases

    check_writable(session, centre_id, month)
    row = session.execute(
        select(Exemption).where(Exemption.org_id == org_id, Exemption.month == month)
    ).scalars().first()
    if row is not None and row.active:
        audit.record(session, operator, "exemption", row.id, "active", True, False)
        row.active = False
        session.add(row)
        session.flush()
        return SaveResult(open_monthly_cases(session, centre_id, [org_id], operator))
    return SaveResult([])


def _upsert_month(session: Session, centre_id: str, month: str) -> CentreMonth:
    from incubator_tui.models import CentreMonth

    row = _centre_month(session, centre_id, month)
    if row is None:
        row = CentreMonth(centre_id=centre_id, month=month)
        session.add(row)
        session.flush()
    return row


def close_month(session: Session, centre_id: str, month: str, operator: str) -> None:
    from incubator_tui.services import audit

    row = _upsert_month(session, centre_id, month)
    if not row.closed:
        audit.record(session, operator, "centre_month", row.id, "closed", False, True)
        row.closed = True
        session.add(row)


def reopen_month(session: Session, centre_id: str, month: str, reason: str, operator: str) -> None:
    from incubator_tui.services import audit

    if not reason.strip():
        raise UserError("month.reopen_reason_required")
    row = _upsert_month(session, centre_id, month)
    if row.closed:
        audit.record(session, operator, "centre_month", row.id, "closed", True, False)
        audit.record(session, operator, "centre_month", row.id, "reopen_reason", None, reason)
        row.closed = False
        row.note = reason
        session.add(row)


def set_paused(session: Session, centre_id: str, month: str, paused: bool, operator: str) -> None:
    from incubator_tui.services import audit

    row = _upsert_month(session, centre_id, month)
    if row.closed:
        raise UserError("month.closed", month=month)
    if paused:
        has_scores = session.execute(  # month_result: one row per org-month, not one per item
            text(
                "SELECT 1 FROM month_result r JOIN organisation o ON o.id = r.org_id WHERE o.centre_id = :c "
                "AND r.month = :m AND (r.scored > 0 OR r.na_count > 0) LIMIT 1"
            ),
            {"c": centre_id, "m": month},
        ).first()
        if has_scores:
            raise UserError("month.pause_has_scores", month=month)
    if row.paused != paused:
        audit.record(session, operator, "centre_month", row.id, "paused", row.paused, paused)
        row.paused = paused
        session.add(row)
