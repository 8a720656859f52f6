"""Imports of organisations, monthly scores and review inputs (DOMAIN 9, 10).

Each import is all-or-nothing in ONE transaction and works in two passes:

1. *plan*: read the file (services.tabular), check every row against the
   database and collect the problems (up to ``MAX_LISTED`` are listed, each
   naming its line and column).  Any problem → :class:`ImportFileError`
   and nothing is written.
2. *write*: only when something differs from what is stored.  An import that
   changes nothing (the same file again) writes nothing at all, not even a
   batch record, and so opens no case.

The write is audited as one :class:`ImportBatch` (file name, SHA-256,
counts, summary); cells or fields it overwrote get audit entries with their
old values, new ones are recorded by the batch alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from incubator_tui.errors import UsageError, UserError
from incubator_tui.models import Centre, ImportBatch, Organisation, PeerRating, ReviewInput, Score
from incubator_tui.models.base import utcnow
from incubator_tui.rules.errors import DomainError
from incubator_tui.rules.membership import member_in_year
from incubator_tui.rules.months import check_not_future_date, month_of, parse_date, parse_month
from incubator_tui.rules.names import check_name, normalise_name
from incubator_tui.rules.scoring import NA, cents_to_text, exact_number, parse_score
from incubator_tui.services import audit
from incubator_tui.services.bulk import BulkInsert, random_ids
from incubator_tui.services.dates import as_date, centre_month, centre_today
from incubator_tui.services.tabular import Row, Table, column_letter, header_key, is_blank, read_table

MAX_LISTED = 20

ORG_COLUMNS = {
    "name": ("name", "名称"),
    "category": ("category", "类别"),
    "credit_code": ("credit_code", "统一社会信用代码", "信用代码"),
    "legal_form": ("legal_form", "组织形式"),
    "entry_date": ("entry_date", "入驻日期"),
    "contact": ("contact", "联系人"),
    "phone": ("phone", "联系电话", "电话"),
}
SCORE_COLUMNS = {"name": ("name", "名称"), "month": ("month", "月份"), "note": ("note", "备注")}
REVIEW_COLUMNS = {
    "name": ("name", "名称"),
    "year": ("year", "年度"),
    "party": ("party", "党建"),
    "self": ("self", "自评"),
    "peer": ("peer", "互评"),
    "public": ("public", "群众评"),
    "veto": ("veto", "一票否决"),
}


# ---------------------------------------------------------------- report and errors


@dataclass
class ImportReport:
    kind: str  # orgs | scores | reviews
    file: str
    centre: str = ""
    added: int = 0  # orgs, score cells, org-years
    changed: int = 0
    unchanged: int = 0
    rows: int = 0  # data rows read
    cases_opened: list[tuple[str, list[str]]] = field(default_factory=list)  # (org, months); veto cases: []
    warnings: list[str] = field(default_factory=list)
    centre_created: str | None = None
    batch_id: str | None = None  # None when nothing was written


def report_lines(report: ImportReport) -> list[str]:
    """The report as lines for the command line (and the app), in the language in force."""
    from incubator_tui.i18n import t

    lines = []
    if report.centre_created:
        lines.append(t("import.centre_created", name=report.centre_created))
    lines.append(t(f"import.summary.{report.kind}", file=report.file, centre=report.centre, added=report.added,
                   changed=report.changed, unchanged=report.unchanged))
    if report.batch_id is None and not report.centre_created:
        lines.append(t("import.nothing_changed"))
    for org, months in report.cases_opened:
        lines.append(t(f"import.case_opened.{report.kind}", org=org, months=t("sep.enum").join(months)))
    lines.extend(t("import.warning", text=w) for w in report.warnings)
    return lines


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file; rendered in the language in force when shown."""

    line: int | None
    column: str | None
    letter: str | None
    key: str
    params: dict[str, Any]

    def __str__(self) -> str:
        from incubator_tui.i18n import t

        what = t(self.key, **self.params)
        if self.line is None:
            return what
        if self.column is not None:
            return t("import.at_cell", line=self.line, column=self.column, letter=self.letter, what=what)
        return t("import.at_line", line=self.line, what=what)


class ImportFileError(UserError):
    """The file was rejected (exit 1); nothing was written.  ``problems`` lists
    the first ones, ``count`` says how many there were."""

    def __init__(self, file: str, problems: Sequence[Problem], count: int) -> None:
        super().__init__("import.failed", file=file, count=count)
        self.file = file
        self.problems = list(problems)
        self.count = count

    def __str__(self) -> str:
        from incubator_tui.i18n import t

        lines = [t("import.failed", file=self.file, count=self.count), *(f"  {p}" for p in self.problems)]
        if self.count > len(self.problems):
            lines.append("  " + t("import.more", count=self.count - len(self.problems)))
        return "\n".join(lines)


class Problems:
    """Problems of one file: the first ``MAX_LISTED`` kept with their line and column (all are
    counted); ``check`` raises them as one :class:`ImportFileError`."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.items: list[Problem] = []
        self.count = 0

    def add(self, line: int | None, key: str, col: int | None = None, **params: Any) -> None:
        self.count += 1
        if len(self.items) < MAX_LISTED:
            params = {k: _shown(v) for k, v in params.items()}
            label = self.table.label(col) if col is not None else None
            letter = column_letter(col) if col is not None else None
            self.items.append(Problem(line, label, letter, key, params))

    def add_error(self, line: int | None, err: UserError | DomainError, col: int | None = None) -> None:
        self.add(line, err.key, col, **err.params)

    def check(self) -> None:
        if self.count:
            raise ImportFileError(self.table.file, self.items, self.count)


SHOWN_CHARS = 60  # a value quoted in a message is cut to this many characters


def _shown(value: Any) -> Any:
    """A value as quoted in a problem: a 5,000-digit number or a page of text is cut."""
    if isinstance(value, str) and len(value) > SHOWN_CHARS:
        return value[:SHOWN_CHARS] + "…"
    return value


# ---------------------------------------------------------------- shared helpers


def cell_text(value: Any) -> str:
    """A cell as text: numbers as written (13805331234, not 13805331234.0), dates ISO."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def _row_name(row: Row, col: int, problems: Problems) -> str | None:
    """The row's organisation name, normalised (rules.names); None once a problem is recorded."""
    try:
        name = check_name(cell_text(row.get(col)))
    except DomainError as err:
        problems.add_error(row.line, err, col)
        return None
    if not name:
        problems.add(row.line, "import.name_missing", col)
        return None
    return name


def find_columns(table: Table, spec: dict[str, Sequence[str]], problems: Problems,
             required: Iterable[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for name, aliases in spec.items():
        found = table.find(aliases)
        if len(found) > 1:
            problems.add(table.header_line, "import.duplicate_column", None, column=table.headers[found[0]],
                         first=column_letter(found[0]), second=column_letter(found[1]))
        if found:
            cols[name] = found[0]
    for name in required:
        if name not in cols:
            problems.add(table.header_line, "import.missing_column", None, column=f"{spec[name][1]}/{spec[name][0]}")
    return cols


def _centre(session: Session, centre_name: str | None, operator: str, *, may_create: bool) -> tuple[Centre, str | None]:
    """DOMAIN 10: the centre an import goes to, and the name of one it created."""
    from incubator_tui.services.centres import DEFAULT_CENTRE_NAME, create_centre

    centres = list(session.execute(select(Centre).order_by(Centre.name)).scalars())
    if centre_name and centre_name.strip():
        name = centre_name.strip()
        for c in centres:
            if c.name == name:
                return c, None
        if may_create:
            return create_centre(session, name, operator), name
        raise UserError("import.centre_unknown", name=name)
    if len(centres) == 1:
        return centres[0], None
    if len(centres) > 1:
        from incubator_tui.i18n import t

        raise UsageError("centre.needed", names=t("sep.enum").join(c.name for c in centres))
    if may_create:
        return create_centre(session, DEFAULT_CENTRE_NAME, operator), DEFAULT_CENTRE_NAME
    raise UserError("import.no_centre")


def _new_batch(session: Session, centre_id: str, kind: str, table: Table, operator: str,
               added: int, changed: int) -> ImportBatch:
    """The batch record: the checksum is of the bytes that were read, so it names what was imported."""
    batch = ImportBatch(centre_id=centre_id, kind=kind, filename=table.path.name, sha256=table.sha256,
                        operator=operator, added=added, changed=changed)
    session.add(batch)
    session.flush()
    return batch


def _finish_batch(batch: ImportBatch, report: ImportReport) -> None:
    batch.summary = {
        "rows": report.rows, "added": report.added, "changed": report.changed, "unchanged": report.unchanged,
        "cases_opened": [[org, months] for org, months in report.cases_opened],
        "warnings": report.warnings, "centre_created": report.centre_created,
    }
    report.batch_id = batch.id


@dataclass(frozen=True)
class _OrgRef:
    id: str
    name: str
    entry_date: date
    end_date: date | None
    status: str
    entry_month: str
    end_month: str  # '9999-12' while it has not left

    def member_in(self, month: str) -> bool:
        """rules.membership.member_in, on months computed once (called per row)."""
        return self.entry_month <= month <= self.end_month


class _OrgIndex:
    """A centre's orgs by name (all statuses: a name may return as a new record)."""

    def __init__(self, session: Session, centre_id: str) -> None:
        self.by_name: dict[str, list[_OrgRef]] = {}
        self.by_id: dict[str, _OrgRef] = {}
        for r in session.execute(
            text("SELECT id, name, entry_date, end_date, status FROM organisation WHERE centre_id = :c"),
            {"c": centre_id},
        ):
            entry, end = as_date(r.entry_date), as_date(r.end_date)
            ref = _OrgRef(r.id, r.name, entry, end, r.status, month_of(entry), month_of(end) if end else "9999-12")
            self.by_id[ref.id] = ref
            clean = normalise_name(ref.name)  # a name stored before names were normalised
            for key in {ref.name, clean, unicodedata.normalize("NFKC", clean)}:
                self.by_name.setdefault(key, []).append(ref)

    def named(self, name: str) -> list[_OrgRef]:
        """The orgs called ``name`` (normalised: rules.names), else those equal once NFKC-folded."""
        name = normalise_name(name)
        return self.by_name.get(name) or self.by_name.get(unicodedata.normalize("NFKC", name), [])

    def in_month(self, name: str, month: str) -> tuple[_OrgRef | None, str | None]:
        refs = self.named(name)
        if not refs:
            return None, "import.unknown_org"
        for ref in refs:
            if ref.member_in(month):
                return ref, None
        return None, "import.not_member_month"

    def in_year(self, name: str, year: int) -> tuple[_OrgRef | None, str | None]:
        refs = self.named(name)
        if not refs:
            return None, "import.unknown_org"
        for ref in refs:
            if member_in_year(year, ref.entry_date, ref.end_date):
                return ref, None
        return None, "import.not_member_year"


# ---------------------------------------------------------------- organisations


def _label_map(prefix: str, codes: Iterable[str], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Chinese label, English label or code → code (compared like headers)."""
    from incubator_tui.i18n.common import MESSAGES
    out: dict[str, str] = {}
    for code in codes:
        out[header_key(code)] = code
        for label in MESSAGES.get(f"{prefix}.{code}", ()):
            out[header_key(label)] = code
    for label, code in (extra or {}).items():
        out[header_key(label)] = code
    return out


def import_orgs(db: Any, path: Path | str, centre_name: str | None, operator: str) -> ImportReport:
    """Add or update organisations; may create the centre (the only import that may)."""
    from incubator_tui.i18n import t
    from incubator_tui.rules.credit_code import check_credit_code
    from incubator_tui.services import orgs as org_service
    path = Path(path)
    categories = _label_map("category", org_service.CATEGORIES)
    legal_forms = _label_map("legal_form", org_service.LEGAL_FORMS,
                             {"民办非企业单位": "service_org", "民非": "service_org", "社区社会组织": "community_filed"})
    with db.bulk_session() as session:
        centre, created = _centre(session, centre_name, operator, may_create=True)
        table = read_table(path)
        report = ImportReport("orgs", path.name, centre.name, centre_created=created, rows=len(table.rows))
        problems = Problems(table)
        cols = find_columns(table, ORG_COLUMNS, problems, required=("name",))
        problems.check()
        if not table.rows:
            raise UserError("import.empty", file=path.name)
        active = {
            normalise_name(o.name): o for o in session.execute(
                select(Organisation).where(Organisation.centre_id == centre.id, Organisation.status == "incubating")
            ).scalars()
        }
        seen: dict[str, int] = {}
        plans: list[tuple[int, str, Organisation | None, dict[str, Any]]] = []
        today = centre_today(session, centre.id)
        for row in table.rows:
            name = _row_name(row, cols["name"], problems)
            if name is None:
                continue
            if name in seen:
                problems.add(row.line, "import.duplicate_row", cols["name"], name=name, first=seen[name])
                continue
            seen[name] = row.line
            fields: dict[str, Any] = {"name": name}
            ok = True
            for key, mapping, bad in (("category", categories, "import.bad_category"),
                                      ("legal_form", legal_forms, "import.bad_legal_form")):
                raw = cell_text(row.get(cols.get(key)))
                if raw:
                    code = mapping.get(header_key(raw))
                    if code is None:
                        problems.add(row.line, bad, cols[key], value=raw)
                        ok = False
                    else:
                        fields[key] = code
            raw = row.get(cols.get("entry_date"))
            if not is_blank(raw):
                try:
                    entry = parse_date(raw if isinstance(raw, (date, str)) else cell_text(raw))
                    fields["entry_date"] = check_not_future_date(entry, today)
                except DomainError as err:
                    problems.add_error(row.line, err, cols["entry_date"])
                    ok = False
            code = cell_text(row.get(cols.get("credit_code")))
            if code:
                check = check_credit_code(code)
                if check.error_key:
                    problems.add(row.line, check.error_key, cols["credit_code"], **check.params)
                    ok = False
                else:
                    fields["credit_code"] = check.normalized
                    if check.warning_key:
                        report.warnings.append(
                            t("import.warning_line", line=row.line, what=t(check.warning_key, **check.params)))
            for key in ("contact", "phone"):
                value = cell_text(row.get(cols.get(key)))
                if value:  # an empty cell never overwrites
                    fields[key] = value
            if not ok:
                continue
            org = active.get(name)
            if org is None:
                if "category" not in fields:
                    problems.add(row.line, "import.category_required", cols.get("category"))
                    continue
                if "entry_date" not in fields:
                    problems.add(row.line, "import.entry_date_required", cols.get("entry_date"))
                    continue
                changes = fields
                try:
                    org_service.validate(dict(fields))
                except UserError as err:
                    problems.add_error(row.line, err)
                    continue
            else:
                merged = {**{k: getattr(org, k) for k in org_service.EDITABLE}, **fields}
                try:
                    org_service.validate(merged)
                except UserError as err:
                    problems.add_error(row.line, err)
                    continue
                changes = {k: v for k, v in fields.items() if getattr(org, k) != v}
                if not changes:
                    report.unchanged += 1
                    continue
            plans.append((row.line, name, org, changes))
        problems.check()
        if not plans and not created:
            return report  # the same file again: nothing to write
        report.added = sum(1 for _, _, org, _ in plans if org is None)
        report.changed = len(plans) - report.added
        batch = _new_batch(session, centre.id, "orgs", table, operator, report.added, report.changed)
        left = {}
        for o in session.execute(
            select(Organisation).where(Organisation.centre_id == centre.id, Organisation.status != "incubating")
            .order_by(Organisation.end_date)
        ).scalars():
            left[normalise_name(o.name)] = o  # the latest record that left, for a returning org
        for line, name, org, changes in plans:
            try:
                if org is None:
                    new, _ = org_service.add_org(session, centre.id, changes, operator, batch.id)
                    previous = left.get(name)
                    if previous is not None:  # DOMAIN 2: a returning org is a new record linked to the old
                        audit.record(session, operator, "organisation", new.id, "previous_id", None, previous.id,
                                     batch.id)
                        new.previous_id = previous.id
                        session.add(new)
                else:
                    org_service.update_org(session, org.id, changes, operator, batch.id)
            except UserError as err:  # checked above; kept so an unexpected refusal still names its line
                problems.add_error(line, err)
                problems.check()
        session.flush()
        _finish_batch(batch, report)
        return report


# ---------------------------------------------------------------- scores


def _note_targets(cells: list[tuple[Any, int, Any]]) -> list[Any]:
    """Which items of a row get the row's note (备注) as their reason (扣分原因).

    The note says why points were lost, so it goes to every item in the row
    that lost points or is N/A (the sample's notes explain both); a row with
    full marks everywhere keeps it on its first item, so that no note is lost.
    """
    targets = [item for item, _col, value in cells if value is NA or value < item.max_cent]
    return targets or [cells[0][0]]


def import_scores(db: Any, path: Path | str, centre_name: str | None, operator: str) -> ImportReport:
    """Monthly item scores; counts are in cells.  Plan (read and check every row), diff
    (against what is stored), write (bulk Core writes, one batch): nothing is written
    unless the whole file passed and something differs."""
    path = Path(path)
    with db.bulk_session() as session:
        centre, _ = _centre(session, centre_name, operator, may_create=False)
        table = read_table(path)
        report = ImportReport("scores", path.name, centre.name, rows=len(table.rows))
        plan = _plan_scores(session, centre.id, table, report)
        diff = _diff_scores(session, centre.id, plan.rows, report)
        if diff.inserts or diff.updates:  # else the same file again: nothing to write, no case to open
            _write_scores(session, centre.id, table, operator, plan, diff, report)
        return report


@dataclass
class _ScorePlan:
    """What a checked score file asks for: per org-month, the row's note and its filled cells."""

    rows: list[tuple[str, str, str, list[tuple[Any, int, Any]]]]  # org id, month, note, (item, column, value)
    orgs: _OrgIndex


@dataclass
class _ScoreDiff:
    inserts: list[tuple] = field(default_factory=list)  # INSERT_COLUMNS
    updates: list[dict] = field(default_factory=list)  # by primary key
    overwritten: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # (row id, field, old, new)
    touched: dict[str, None] = field(default_factory=dict)  # orgs whose values changed, in order


def _score_item_columns(table: Table, cols: dict[str, int], all_items: list[Any],
                        report: ImportReport) -> list[int]:
    """The columns headed by an item's code or name (of any checklist version); other
    filled columns are warned about and ignored."""
    from incubator_tui.i18n import t

    item_keys = {header_key(it.code) for it in all_items} | {header_key(it.name) for it in all_items}
    field_cols = set(cols.values())
    item_cols = [i for i, k in enumerate(table.keys) if i not in field_cols and k in item_keys]
    for i in range(len(table.keys)):
        if i not in field_cols and i not in item_cols and any(not is_blank(r.get(i)) for r in table.rows):
            report.warnings.append(t("import.column_ignored", column=table.label(i), letter=column_letter(i)))
    return item_cols


def _plan_scores(session: Session, centre_id: str, table: Table, report: ImportReport) -> _ScorePlan:
    """Check every row against the centre's orgs, months and checklists; raise
    ImportFileError listing the problems, else return what the file asks for."""
    from incubator_tui.rules.settings import in_force
    from incubator_tui.services.centres import Checklists, setting_entries
    from incubator_tui.services.monthly import closed_months, exemptions, paused_months

    problems = Problems(table)
    cols = find_columns(table, SCORE_COLUMNS, problems, required=("name", "month"))
    checklists = Checklists(session, centre_id)
    item_cols = _score_item_columns(table, cols, list(checklists.item_by_id.values()), report)
    if not item_cols:
        problems.add(table.header_line, "import.no_item_columns")
    problems.check()
    if not table.rows:
        raise UserError("import.empty", file=table.file)

    orgs = _OrgIndex(session, centre_id)
    current = centre_month(session, centre_id)  # DOMAIN 7: a future month cannot be scored
    closed, paused = closed_months(session, centre_id), paused_months(session, centre_id)
    exempt = exemptions(session, centre_id)
    step_of = in_force(setting_entries(session, centre_id), "score_step_cent")
    columns_of_version: dict[str | None, list[tuple[int, Any]]] = {}
    parsed: dict[tuple, Any] = {}  # (type, raw, max, step) → cents | NA | DomainError: values repeat a lot

    def columns_for(month: str) -> list[tuple[int, Any]]:
        """(column, item of the version in force for ``month`` or None), by code or by name."""
        vid = checklists.version_for(month)
        found = columns_of_version.get(vid)
        if found is None:
            by_key = {}
            for it in checklists.items_for(month):
                by_key.setdefault(header_key(it.code), it)
                by_key.setdefault(header_key(it.name), it)
            found, first_col = [], {}
            for c in item_cols:
                item = by_key.get(table.keys[c])
                if item is not None and item.id in first_col:  # e.g. both `plan` and `工作计划`
                    problems.add(table.header_line, "import.duplicate_column", None, column=item.name,
                                 first=column_letter(first_col[item.id]), second=column_letter(c))
                    continue
                if item is not None:
                    first_col[item.id] = c
                found.append((c, item))
            columns_of_version[vid] = found
        return found

    seen: dict[tuple[str, str], int] = {}
    months_seen: dict[Any, str] = {}  # raw cell → month: a file has few distinct months
    planned: list[tuple[str, str, str, list[tuple[Any, int, Any]]]] = []
    name_col, month_col, note_col = cols["name"], cols["month"], cols.get("note")
    for row in table.rows:
        name = _row_name(row, name_col, problems)
        if name is None:
            continue
        raw_month = row.cells[month_col]
        month = months_seen.get(raw_month)
        if month is None:
            try:
                month = parse_month(raw_month if isinstance(raw_month, (date, str)) else cell_text(raw_month))
            except DomainError as err:
                problems.add_error(row.line, err, month_col)
                continue
            months_seen[raw_month] = month
        if month > current:
            problems.add(row.line, "rules.month_future", month_col, month=month, current=current)
            continue
        ref, err_key = orgs.in_month(name, month)
        if ref is None:
            problems.add(row.line, err_key, name_col, name=name, month=month)
            continue
        key = (ref.id, month)
        if key in seen:
            problems.add(row.line, "import.duplicate_month_row", name_col, name=name, month=month, first=seen[key])
            continue
        seen[key] = row.line
        if month in closed:
            problems.add(row.line, "import.month_closed", month_col, month=month)
            continue
        if month in paused:
            problems.add(row.line, "import.month_paused", month_col, month=month)
            continue
        if key in exempt:
            problems.add(row.line, "import.org_exempt", name_col, name=name, month=month)
            continue
        step = step_of(month)
        cells = []
        for col, item in columns_for(month):
            raw = row.cells[col]
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue  # an empty cell never overwrites
            if item is None:
                problems.add(row.line, "import.item_not_in_version", col, month=month)
                continue
            pkey = (type(raw), raw, item.max_cent, step)
            value = parsed.get(pkey)
            if value is None:
                try:
                    value = parse_score(raw, item.max_cent, step)
                except DomainError as err:
                    value = err
                parsed[pkey] = value
            if isinstance(value, DomainError):
                problems.add_error(row.line, value, col)
                continue
            cells.append((item, col, value))
        note = cell_text(row.cells[note_col]) if note_col is not None else ""
        if cells:
            planned.append((ref.id, month, note, cells))
    problems.check()
    return _ScorePlan(planned, orgs)


def _diff_scores(session: Session, centre_id: str, planned: list, report: ImportReport) -> _ScoreDiff:
    """Compare the plan with what is stored (one query for the file's months); counts go to ``report``."""
    months = sorted({m for _, m, _, _ in planned})
    existing: dict[tuple[str, str, str], tuple] = {}
    if months:
        marks = ",".join(f":m{i}" for i in range(len(months)))
        for r in session.execute(
            text("SELECT s.id, s.org_id, s.month, s.item_id, s.value_cent, s.na, s.reason FROM score s "
                 f"JOIN organisation o ON o.id = s.org_id WHERE o.centre_id = :c AND s.month IN ({marks})"),
            {"c": centre_id, **{f"m{i}": m for i, m in enumerate(months)}},
        ):
            existing[(r[1], r[2], r[3])] = (r[0], r[4], bool(r[5]), r[6] or "")
    new_ids = iter(random_ids(sum(len(c) for _, _, _, c in planned)))
    diff = _ScoreDiff()
    for org_id, month, note, cells in planned:
        targets = set(map(id, _note_targets(cells))) if note else ()
        for item, _col, value in cells:
            na = value is NA
            cent = None if na else value
            reason = note if id(item) in targets else None  # None: leave the stored reason
            old = existing.get((org_id, month, item.id))
            if old is None:
                diff.inserts.append((next(new_ids), org_id, month, item.id, cent, na, reason or ""))
                diff.touched[org_id] = None
                continue
            row_id, old_cent, old_na, old_reason = old
            new_reason = old_reason if reason is None else reason
            if (old_cent, old_na, old_reason) == (cent, na, new_reason):
                report.unchanged += 1
                continue
            diff.updates.append({"id": row_id, "value_cent": cent, "na": na, "reason": new_reason})
            if old_cent is None and not old_na:
                report.added += 1  # a cleared cell filled again: nothing overwritten
            else:
                report.changed += 1
                if (old_cent, old_na) != (cent, na):
                    diff.overwritten.append((row_id, "value", _cell(old_cent, old_na), _cell(cent, na)))
            if old_reason != new_reason and old_reason:
                diff.overwritten.append((row_id, "reason", old_reason, new_reason))
            if (old_cent, old_na) != (cent, na):
                diff.touched[org_id] = None
    report.added += len(diff.inserts)
    return diff


def _write_scores(session: Session, centre_id: str, table: Table, operator: str, plan: _ScorePlan,
                  diff: _ScoreDiff, report: ImportReport) -> None:
    """One batch: bulk inserts, updates by primary key, the overwritten values audited,
    the month results refreshed and the cases the new months call for opened."""
    from incubator_tui.services.cases import open_monthly_cases
    from incubator_tui.services.monthly import refresh_results

    batch = _new_batch(session, centre_id, "scores", table, operator, report.added, report.changed)
    now = utcnow()
    constants = (batch.id, now, now)
    BulkInsert(session, Score.__table__, (*INSERT_COLUMNS, "batch_id", "created_at", "updated_at")).insert(
        [(*r, *constants) for r in diff.inserts])
    if diff.updates:
        for r in diff.updates:
            r["batch_id"], r["updated_at"] = batch.id, now
        session.execute(update(Score), diff.updates)  # ORM bulk UPDATE by primary key
    audit.record_many(session, (audit.audit_row(operator, "score", rid, fld, old, new, batch.id)
                                for rid, fld, old, new in diff.overwritten))
    refresh_results(session, list(diff.touched), {month for _org, month, _n, _c in plan.rows})
    opened = open_monthly_cases(session, centre_id, list(diff.touched), operator)
    report.cases_opened = [(plan.orgs.by_id[c.org_id].name, list(c.months)) for c in opened]
    _finish_batch(batch, report)
INSERT_COLUMNS = ("id", "org_id", "month", "item_id", "value_cent", "na", "reason")


def _cell(cent: int | None, na: bool) -> str | None:
    if na:
        return "N/A"
    return None if cent is None else cents_to_text(cent)


# ---------------------------------------------------------------- reviews

_YEAR_RE = re.compile(r"(\d{4})\s*年?(?:度)?", re.ASCII)
_PEER_SPLIT_RE = re.compile(r"[;；]")
_RATER_RE = re.compile(r"^(.*\S)\s*[:：]\s*(\S+)$")


def _year(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 1900 <= raw <= 9999 else None
    if isinstance(raw, Decimal) and raw == raw.to_integral_value():
        return _year(int(raw))
    if isinstance(raw, date):
        return raw.year
    m = _YEAR_RE.fullmatch(unicodedata.normalize("NFKC", str(raw)).strip())
    return _year(int(m.group(1))) if m else None


def _points_cent(raw: Any) -> tuple[int | None, str | None]:
    """A 0-100 value → cents, or the problem's key."""
    value = exact_number(raw)
    if value is None:
        return None, "import.not_number"
    if not 0 <= value <= 100:
        return None, "import.value_range"
    cents = value * 100
    if cents.denominator != 1:
        return None, "import.value_precision"
    return int(cents), None


def import_reviews(db: Any, path: Path | str, centre_name: str | None, operator: str) -> ImportReport:
    """Annual-review inputs and peer ratings; counts are in org-years.

    Re-importing replaces the org-year's values given in the file: an empty
    cell leaves the stored value (as for scores), a non-empty peer cell
    replaces the ratings earlier imports made (retired, never deleted).
    """
    from incubator_tui.services import reviews

    path = Path(path)
    with db.bulk_session() as session:
        centre, _ = _centre(session, centre_name, operator, may_create=False)
        table = read_table(path)
        report = ImportReport("reviews", path.name, centre.name, rows=len(table.rows))
        problems = Problems(table)
        cols = find_columns(table, REVIEW_COLUMNS, problems, required=("name", "year"))
        if not set(cols) - {"name", "year"}:
            problems.add(table.header_line, "import.no_review_columns")
        problems.check()
        if not table.rows:
            raise UserError("import.empty", file=path.name)
        orgs = _OrgIndex(session, centre.id)
        seen: dict[tuple[str, int], int] = {}
        plans: list[tuple[int, _OrgRef, int, dict[str, Any], list[tuple[str | None, int]] | None]] = []
        for row in table.rows:
            name = _row_name(row, cols["name"], problems)
            if name is None:
                continue
            raw_year = row.get(cols["year"])
            year = None if is_blank(raw_year) else _year(raw_year)
            if year is None:
                problems.add(row.line, "import.bad_year", cols["year"], value=cell_text(raw_year))
                continue
            ref, err_key = orgs.in_year(name, year)
            if ref is None:
                problems.add(row.line, err_key, cols["name"], name=name, year=year)
                continue
            if (ref.id, year) in seen:
                problems.add(row.line, "import.duplicate_year_row", cols["name"], name=name, year=year,
                             first=seen[(ref.id, year)])
                continue
            seen[(ref.id, year)] = row.line
            values: dict[str, Any] = {}
            for comp in ("party", "self", "public"):
                raw = row.get(cols.get(comp))
                if is_blank(raw):
                    continue
                cents, bad = _points_cent(raw)
                if bad:
                    problems.add(row.line, bad, cols[comp], value=cell_text(raw))
                else:
                    values[f"{comp}_cent"] = cents
            veto = cell_text(row.get(cols.get("veto")))
            if veto:
                values["veto"] = veto
            peers = None
            raw_peer = row.get(cols.get("peer"))
            if not is_blank(raw_peer):
                peers = _peer_ratings(raw_peer, ref, year, row.line, cols["peer"], orgs, problems, report)
            plans.append((row.line, ref, year, values, peers))
        problems.check()

        # Diff against what is stored; write only when something differs.
        stored = {
            (r.org_id, r.year): r for r in session.execute(
                select(ReviewInput).join(Organisation, Organisation.id == ReviewInput.org_id)
                .where(Organisation.centre_id == centre.id)
            ).scalars()
        }
        imported: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for r in session.execute(
            select(PeerRating).join(Organisation, Organisation.id == PeerRating.org_id)
            .where(Organisation.centre_id == centre.id, PeerRating.active, PeerRating.batch_id.is_not(None))
        ).scalars():
            imported.setdefault((r.org_id, r.year), []).append((r.rater_org_id or "", r.value_cent))
        work = []
        for _line, ref, year, values, peers in plans:
            row = stored.get((ref.id, year))
            input_diff = {k: v for k, v in values.items() if row is None or getattr(row, k) != v}
            old_peers = sorted(imported.get((ref.id, year), []))
            peer_diff = peers is not None and sorted((r or "", v) for r, v in peers) != old_peers
            if not input_diff and not peer_diff:
                report.unchanged += 1
                continue
            if row is None and not old_peers:
                report.added += 1
            else:
                report.changed += 1
            work.append((ref, year, input_diff, peers if peer_diff else None))
        if not work:
            return report
        batch = _new_batch(session, centre.id, "reviews", table, operator, report.added, report.changed)
        for ref, year, input_diff, peers in work:
            if input_diff:
                res = reviews.set_review_input(session, ref.id, year, operator, batch_id=batch.id, **input_diff)
                if res.case is not None:
                    report.cases_opened.append((ref.name, []))
            if peers is not None:
                reviews.set_peer_ratings(session, ref.id, year, peers, operator, batch_id=batch.id)
        _finish_batch(batch, report)
        return report


def _peer_ratings(raw: Any, ref: _OrgRef, year: int, line: int, col: int, orgs: _OrgIndex,
                  problems: Problems, report: ImportReport) -> list[tuple[str | None, int]] | None:
    """'85; 90; 甲协会:88' → [(None, 8500), (None, 9000), (甲's id, 8800)]; problems are recorded."""
    from incubator_tui.i18n import t

    parts = [raw] if not isinstance(raw, str) else [p.strip() for p in _PEER_SPLIT_RE.split(raw) if p.strip()]
    out: list[tuple[str | None, int]] = []
    ok = True
    for part in parts:
        rater_id = None
        number: Any = part
        if isinstance(part, str) and (m := _RATER_RE.match(part)):
            rater_name, number = m.group(1), m.group(2)
            try:
                rater_name = check_name(rater_name)
            except DomainError as err:
                problems.add_error(line, err, col)
                ok = False
                continue
            refs = orgs.named(rater_name)
            if not refs:
                problems.add(line, "import.rater_unknown", col, rater=rater_name)
                ok = False
                continue
            rater = next((r for r in refs if member_in_year(year, r.entry_date, r.end_date)), refs[0])
            if rater.id == ref.id:
                problems.add(line, "import.rater_self", col, name=ref.name)
                ok = False
                continue
            if not member_in_year(year, rater.entry_date, rater.end_date):
                report.warnings.append(t("import.rater_not_member", line=line, rater=rater_name, year=year))
            rater_id = rater.id
        cents, bad = _points_cent(number)
        if bad == "import.not_number":
            problems.add(line, "import.peer_format", col, value=cell_text(part))
            ok = False
        elif bad:
            problems.add(line, bad, col, value=cell_text(number))
            ok = False
        else:
            out.append((rater_id, cents))
    return out if ok else None
