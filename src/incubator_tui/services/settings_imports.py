"""Imports of a checklist version and of public holidays (DOMAIN 9).

The files are read by ``services.tabular`` exactly as the other imports read
theirs (CSV in UTF-8/BOM/GB18030 with any of the usual delimiters, or XLSX;
title rows above the header passed over), and are all or nothing: every
problem is collected with its line and column, and any problem means nothing
is written.  A write is audited like the other imports: one ``import_batch``
(file, SHA-256, counts) and audit rows joined to it.

- checklist: ``code/代码``, ``name/名称``, ``name_en/英文名称`` (optional),
  ``max/满分``, ``effective/生效月份`` (the same month on every row): a new
  version in force from that month; maxima sum to 10; codes unique.  Months
  already scored keep their version (the version may not start in one).
- holidays: ``date/日期``, ``kind/类型`` (holiday/节假日 or workday/调休上班),
  ``name/名称`` (optional): the file replaces the lists of the years its
  dates fall in; other years are kept.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from incubator_tui.errors import UserError
from incubator_tui.rules import settings as rules
from incubator_tui.rules.errors import DomainError, SettingError
from incubator_tui.rules.months import parse_date, parse_month
from incubator_tui.services.imports import ImportReport, Problems, cell_text, find_columns
from incubator_tui.services.tabular import Table, is_blank, read_table

CHECKLIST_COLUMNS = {
    "code": ("code", "代码"),
    "name": ("name", "名称"),
    "name_en": ("name_en", "英文名称", "english_name"),
    "max": ("max", "满分"),
    "effective": ("effective", "生效月份"),
}
HOLIDAY_COLUMNS = {"date": ("date", "日期"), "kind": ("kind", "类型"), "name": ("name", "名称")}
_HOLIDAY_WORDS = {"holiday", "节假日", "法定节假日", "假日", "休", "休息", "放假"}
_WORKDAY_WORDS = {"workday", "调休上班", "调休", "上班", "补班", "make-up", "makeup", "working_day"}


def _centre(session: Any, centre_name: str | None):
    from incubator_tui.services.centres import resolve_centre

    centre = resolve_centre(session, centre_name.strip() if centre_name else None, required_if_many=True)
    if centre is None:
        raise UserError("import.no_centre")
    return centre


def _batch(session: Any, centre_id: str, kind: str, path: Path, table: Table, operator: str, report: ImportReport):
    from incubator_tui.models import ImportBatch

    sha = getattr(table, "sha256", "") or hashlib.sha256(path.read_bytes()).hexdigest()
    batch = ImportBatch(centre_id=centre_id, kind=kind, filename=path.name, sha256=sha, operator=operator,
                        added=report.added, changed=report.changed,
                        summary={"rows": report.rows, "added": report.added, "changed": report.changed,
                                 "unchanged": report.unchanged, "warnings": report.warnings})
    session.add(batch)
    session.flush()
    report.batch_id = batch.id
    return batch


def _date(raw: Any) -> date:
    return parse_date(raw if isinstance(raw, (date, str)) else cell_text(raw))


# ---------------------------------------------------------------- checklist


def import_checklist(db: Any, path: Path | str, centre_name: str | None, operator: str) -> ImportReport:
    """A new checklist version from a file; nothing written if the same version is there already."""
    from incubator_tui.services import settings as service

    path = Path(path)
    with db.session() as session:
        centre = _centre(session, centre_name)
        table = read_table(path, name_headers=CHECKLIST_COLUMNS["code"])
        report = ImportReport("checklist", path.name, centre.name, rows=len(table.rows))
        problems = Problems(table)
        cols = find_columns(table, CHECKLIST_COLUMNS, problems, required=("code", "name", "max", "effective"))
        problems.check()
        if not table.rows:
            raise UserError("import.empty", file=path.name)
        month: str | None = None
        first_line = 0
        drafts: list[rules.DraftItem] = []
        lines: list[int] = []
        for row in table.rows:
            raw = row.get(cols["effective"])
            if is_blank(raw):
                problems.add(row.line, "import.checklist.effective_missing", cols["effective"])
            else:
                try:
                    m = parse_month(raw if isinstance(raw, (date, str)) else cell_text(raw))
                except DomainError as err:
                    problems.add(row.line, err.key, cols["effective"], **err.params)
                else:
                    if month is None:
                        month, first_line = m, row.line
                    elif m != month:
                        problems.add(row.line, "import.checklist.effective_differs", cols["effective"],
                                     value=cell_text(raw), month=month, first=first_line)
            drafts.append(rules.DraftItem(cell_text(row.get(cols["code"])), cell_text(row.get(cols["name"])),
                                          cell_text(row.get(cols.get("name_en"))), cell_text(row.get(cols["max"]))))
            lines.append(row.line)
        entries = service.setting_entries(session, centre.id)
        step = rules.value_in_force(entries, "score_step_cent", month or "9999-12")
        items, errors, whole = rules.check_checklist(drafts, step)
        for (idx, column), err in sorted(errors.items(), key=lambda e: (e[0][0], list(CHECKLIST_COLUMNS).index(e[0][1]))):
            if err.key == "settings.bad.code_duplicate":  # a file names lines, not items
                err = SettingError("import.checklist.code_duplicate", code=err.params["code"],
                                   first=lines[err.params["first"] - 1])
            problems.add(lines[idx], err.key, cols.get(column), **err.params)
        if whole is not None:
            key = "import.checklist.total" if whole.key == "settings.bad.checklist_total" else whole.key
            problems.add(None, key, None, **whole.params)
        problems.check()
        assert month is not None
        problem = service.check_new_version(session, centre.id, month, items)
        if problem is not None:
            problems.add(None, problem.key, None, **problem.params)
            problems.check()
        if any(v.effective_month == month for v in service.checklist_versions(session, centre.id)):
            report.unchanged = len(items)  # the same version again: nothing to write
            return report
        report.added = len(items)
        batch = _batch(session, centre.id, "checklist", path, table, operator, report)
        service.write_version(session, centre.id, month, items, operator, batch.id)
        return report


# ---------------------------------------------------------------- holidays


def _kind(text: str) -> str | None:
    from incubator_tui.services.tabular import header_key

    key = header_key(text)
    if key in {header_key(w) for w in _HOLIDAY_WORDS}:
        return "holiday"
    if key in {header_key(w) for w in _WORKDAY_WORDS}:
        return "workday"
    return None


def import_holidays(db: Any, path: Path | str, centre_name: str | None, operator: str) -> ImportReport:
    """Public holidays and make-up working days; the years in the file are replaced whole."""
    from incubator_tui.services import settings as service

    path = Path(path)
    with db.session() as session:
        centre = _centre(session, centre_name)
        table = read_table(path, name_headers=HOLIDAY_COLUMNS["date"])
        report = ImportReport("holidays", path.name, centre.name, rows=len(table.rows))
        problems = Problems(table)
        cols = find_columns(table, HOLIDAY_COLUMNS, problems, required=("date", "kind"))
        problems.check()
        if not table.rows:
            raise UserError("import.empty", file=path.name)
        seen: dict[date, int] = {}
        years: dict[int, tuple[list[date], list[date]]] = {}
        line_of: dict[date, int] = {}
        for row in table.rows:
            raw = row.get(cols["date"])
            if is_blank(raw):
                problems.add(row.line, "settings.bad.date", cols["date"], value="")
                continue
            try:
                d = _date(raw)
            except DomainError as err:
                problems.add(row.line, err.key, cols["date"], **err.params)
                continue
            kind_text = cell_text(row.get(cols["kind"]))
            kind = _kind(kind_text)
            if kind is None:
                problems.add(row.line, "import.holidays.kind", cols["kind"], value=kind_text)
                continue
            if d in seen:
                problems.add(row.line, "import.holidays.duplicate", cols["date"], date=d.isoformat(), first=seen[d])
                continue
            seen[d] = line_of[d] = row.line
            hol, mk = years.setdefault(d.year, ([], []))
            (hol if kind == "holiday" else mk).append(d)
        for hol, mk in years.values():
            for err in rules.check_calendar(hol, mk):
                when = date.fromisoformat(err.params["date"])
                problems.add(line_of[when], err.key, cols["date"], **err.params)
        problems.check()
        before = {y: service.year_calendar(session, centre.id, y) for y in years}
        differs = [y for y, (hol, mk) in years.items() if (sorted(hol), sorted(mk)) != before[y]]
        report.added = len(differs)
        report.unchanged = len(years) - len(differs)
        if not differs:
            return report
        batch = _batch(session, centre.id, "holidays", path, table, operator, report)
        service.write_calendars(session, centre.id, {y: years[y] for y in differs}, operator, batch.id)
        return report


__all__ = ["import_checklist", "import_holidays"]
