"""Organisations: add, edit, mark left, and the overview the app lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from incubator_tui.services.access import reads_sql
from incubator_tui.errors import UserError
from incubator_tui.rules.credit_code import check_credit_code
from incubator_tui.rules.errors import DomainError
from incubator_tui.rules.names import check_name
from incubator_tui.services.centres import CATEGORIES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from incubator_tui.models import Organisation

# The writers import the models (SQLModel, pydantic) and the audit trail where they
# need them: the overview the app lists reads plain rows and should not wait for them.

LEGAL_FORMS = ("social_group", "service_org", "foundation", "community_filed", "startup")
PARTY_FORMS = ("independent", "joint", "instructor", "none")
FEE_RELIEFS = ("utilities", "service_for_rent", "none")

# Fields a user may set through add/edit (and the importer).
EDITABLE = (
    "name", "category", "legal_form", "credit_code", "filing_no", "contact", "phone", "party_form",
    "entry_date", "agreement_no", "agreement_start", "agreement_end", "deposit_cent", "room", "fee_relief",
    "note", "evidence",
)


def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) for sorting and searching, e.g. 晨光 → ('chen guang', 'cg')."""
    from pypinyin import Style, lazy_pinyin

    full = lazy_pinyin(name, errors=lambda s: list(s.lower()))
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda s: list(s.lower()))
    return " ".join(full).lower(), "".join(initials).lower()


def validate(fields: dict[str, Any]) -> list[str]:
    """Raise on what blocks a save; return the warnings (e.g. the credit code's check character).

    The name is normalised in ``fields`` (rules.names: NFC, invisible characters and spaces at
    its ends removed) and refused if it holds a control or format character."""
    try:
        name = fields["name"] = check_name(fields.get("name"))
    except DomainError as err:
        raise UserError(err.key, **err.params) from err
    if not name:
        raise UserError("org.name_required")
    if fields.get("category") not in CATEGORIES:
        raise UserError("org.bad_category", value=fields.get("category"))
    if "legal_form" in fields and fields["legal_form"] not in LEGAL_FORMS:
        raise UserError("org.bad_legal_form", value=fields.get("legal_form"))
    if not isinstance(fields.get("entry_date"), date):
        raise UserError("org.entry_date_required")
    warnings = []
    check = check_credit_code(fields.get("credit_code"))
    if check.error_key:
        raise UserError(check.error_key, **check.params)
    fields["credit_code"] = check.normalized
    fields["credit_code_warning"] = bool(check.warning_key)
    if check.warning_key:
        warnings.append(check.warning_key)
    start, end = fields.get("agreement_start"), fields.get("agreement_end")
    if start and end and end < start:
        raise UserError("org.agreement_dates")
    return warnings


def find_active_by_name(session: Session, centre_id: str, name: str) -> Organisation | None:
    from incubator_tui.models import Organisation

    return session.execute(
        select(Organisation).where(
            Organisation.centre_id == centre_id, Organisation.name == name, Organisation.status == "incubating"
        )
    ).scalars().first()


def add_org(session: Session, centre_id: str, fields: dict[str, Any], operator: str,
            batch_id: str | None = None) -> tuple[Organisation, list[str]]:
    from incubator_tui.models import Organisation
    from incubator_tui.services import audit

    fields = {k: v for k, v in fields.items() if k in EDITABLE}
    warnings = validate(fields)
    if find_active_by_name(session, centre_id, fields["name"]):
        raise UserError("org.duplicate_name", name=fields["name"])
    fields["pinyin"], fields["initials"] = pinyin_keys(fields["name"])
    org = Organisation(centre_id=centre_id, **fields)
    session.add(org)
    session.flush()
    audit.record_changes(session, operator, "organisation", org.id, {},
                         {k: fields[k] for k in EDITABLE if k in fields}, batch_id)
    return org, warnings


def update_org(session: Session, org_id: str, changes: dict[str, Any], operator: str,
               batch_id: str | None = None) -> tuple[Organisation, list[str], int]:
    """Apply ``changes``; returns (org, warnings, number of fields changed)."""
    from incubator_tui.models import Organisation
    from incubator_tui.services import audit

    org = session.get(Organisation, org_id)
    if org is None:
        raise UserError("org.unknown", name=org_id)
    current = {k: getattr(org, k) for k in EDITABLE}
    merged = {**current, **{k: v for k, v in changes.items() if k in EDITABLE}}
    warnings = validate(merged)
    if merged["name"] != org.name and org.status == "incubating":
        other = find_active_by_name(session, org.centre_id, merged["name"])
        if other is not None and other.id != org.id:
            raise UserError("org.duplicate_name", name=merged["name"])
    new = {k: merged[k] for k in EDITABLE}
    n = audit.record_changes(session, operator, "organisation", org.id, current, new, batch_id)
    if n:
        for k, v in new.items():
            setattr(org, k, v)
        org.credit_code_warning = merged["credit_code_warning"]
        if org.name != current["name"]:
            org.pinyin, org.initials = pinyin_keys(org.name)
        session.add(org)
        session.flush()
    return org, warnings, n


@dataclass(frozen=True)
class OpenCase:
    """An open case of an organisation, as leaving the centre must settle it."""

    id: str
    kind: str
    state: str
    notice_date: date | None


@reads_sql
def open_cases_of(session: Session, org_id: str) -> list[OpenCase]:
    """The org's open cases, oldest first (the leave dialog asks about them)."""
    from incubator_tui.services.dates import as_date

    return [
        OpenCase(r.id, r.kind, r.state, as_date(r.notice_date))
        for r in session.execute(
            text("SELECT id, kind, state, notice_date FROM org_case WHERE org_id = :o AND state IN "
                 "('to_interview','rectifying','exit_ordered') ORDER BY opened_at, id"), {"o": org_id}
        )
    ]


def mark_left(session: Session, org_id: str, status: str, on: date, operator: str, reason: str = "") -> Organisation:
    """Mark an org graduated (出壳) or exited (退出); its history is kept.

    Its open cases agree afterwards (issue #9): leaving by exit records the exit on an
    exit-ordered case (the case's own transition, with its checks); any other open case
    is withdrawn with ``reason`` (required then), dated ``on``.  An exit-ordered org
    cannot graduate.  All in the caller's transaction: refused, nothing changes."""
    from incubator_tui.models import Organisation
    from incubator_tui.services import audit
    from incubator_tui.services import cases as case_service

    if status not in ("graduated", "exited"):
        raise UserError("org.bad_status", value=status)
    org = session.get(Organisation, org_id)
    if org is None:
        raise UserError("org.unknown", name=org_id)
    if org.status != "incubating":
        raise UserError("org.already_left", name=org.name)
    if on < org.entry_date:
        raise UserError("org.end_before_entry")
    cases = open_cases_of(session, org_id)
    ordered = [c for c in cases if c.state == "exit_ordered"]
    others = [c for c in cases if c.state != "exit_ordered"]
    if ordered and status == "graduated":
        raise UserError("org.leave.exit_ordered_graduate", name=org.name)
    if others and not (reason or "").strip():
        raise UserError("org.leave.reason_required", name=org.name)
    try:
        for c in others:
            case_service.withdraw(session, c.id, operator, reason=reason, on=on)
        for c in ordered:  # the exit is the case's last step: it marks the org exited
            case_service.record_exit(session, c.id, operator, on=on)
    except DomainError as err:
        raise UserError(err.key, **err.params) from err
    if ordered:
        return org
    audit.record_changes(session, operator, "organisation", org.id,
                         {"status": org.status, "end_date": org.end_date}, {"status": status, "end_date": on})
    org.status, org.end_date = status, on
    session.add(org)
    session.flush()
    return org


@dataclass
class OrgOverview:
    id: str
    name: str
    pinyin: str
    initials: str
    category: str
    status: str  # display status code (incubating, rectifying, ... exited, graduated)
    latest_month: str | None
    latest_total: Any  # Fraction | None
    streak: int
    level: str | None
    stars: int | None
    entry_date: date | None


@reads_sql
def overview(session: Session, centre_id: str, as_of: str,
             checkpoint: Callable[[], None] | None = None) -> list[OrgOverview]:
    """One row per org of the centre (all statuses), sorted by pinyin.

    Seconds of work for thousands of orgs: ``checkpoint``, where given, is called
    every few hundred rows (see ``monthly.month_states``)."""
    from incubator_tui.rules.cases import CaseState, org_status
    from incubator_tui.rules.settings import threshold_for, value_in_force
    from incubator_tui.rules.streaks import flag_level, latest_complete_month
    from incubator_tui.services.centres import Checklists, setting_entries
    from incubator_tui.services.monthly import org_infos, streak_states

    if checkpoint is not None:
        checkpoint()
    infos = org_infos(session, centre_id)
    if checkpoint is not None:
        checkpoint()
    entries = setting_entries(session, centre_id)
    run_length = value_in_force(entries, "run_length", as_of)
    # One windowed read gives both the streaks and each org's latest total
    # (orgs with no complete month in the window are read in full).
    states, streaks = streak_states(
        session, centre_id, Checklists(session, centre_id), infos, as_of, threshold_for(entries),
        checkpoint=checkpoint,
    )
    open_states: dict[str, list] = {}
    for org_id, state in session.execute(
        text("SELECT org_id, state FROM org_case WHERE centre_id = :c AND state IN "
             "('to_interview','rectifying','exit_ordered')"), {"c": centre_id}
    ):
        open_states.setdefault(org_id, []).append(CaseState(state))
    stars = {
        org_id: s for org_id, s in session.execute(
            text("SELECT r.org_id, r.stars FROM rating r JOIN organisation o ON o.id = r.org_id "
                 "WHERE o.centre_id = :c ORDER BY r.year"), {"c": centre_id}
        )
    }
    rows = []
    for n_row, r in enumerate(session.execute(
        text("SELECT id, name, pinyin, initials, category, status, entry_date FROM organisation "
             "WHERE centre_id = :c ORDER BY pinyin, name"), {"c": centre_id}
    ).all()):
        if checkpoint is not None and not n_row % 500:
            checkpoint()
        info = infos[r.id]
        org_states = states.get(r.id, {})
        latest = latest_complete_month(org_states, as_of)
        member = info.entry_month <= as_of and (info.end_month is None or info.end_month >= as_of)
        streak = streaks[r.id].count if member else 0
        entry = r.entry_date if isinstance(r.entry_date, date) or r.entry_date is None else date.fromisoformat(str(r.entry_date))
        rows.append(OrgOverview(
            r.id, r.name, r.pinyin, r.initials, r.category, org_status(r.status, open_states.get(r.id, [])),
            latest, org_states[latest].total if latest else None, streak,
            flag_level(streak, run_length) if member else None, stars.get(r.id), entry,
        ))
    return rows


# ---------------------------------------------------------------- the all-centres view (a district database)


@reads_sql
def overview_of(session: Session, centre_ids: str | Sequence[str], as_of: str,
                checkpoint: Callable[[], None] | None = None) -> list[OrgOverview]:
    """:func:`overview` of one centre or of several (the app's all-centres view): each centre with
    its own settings and checklist (streaks are judged by the centre's threshold and run length),
    then every row in one pinyin order."""
    from incubator_tui.services.centres import scope_ids

    ids = scope_ids(centre_ids)
    if len(ids) == 1:
        return overview(session, ids[0], as_of, checkpoint)
    rows = [row for c in ids for row in overview(session, c, as_of, checkpoint)]
    rows.sort(key=lambda r: (r.pinyin or "", r.name, r.id))
    return rows


@reads_sql
def org_centres(session: Session, centre_ids: str | Sequence[str]) -> dict[str, str]:
    """Organisation id → its centre's name, for the centres given (the all-centres view's column)."""
    from incubator_tui.services.centres import ids_in, scope_ids

    params: dict = {}
    return dict(session.execute(
        text("SELECT o.id, c.name FROM organisation o JOIN centre c ON c.id = o.centre_id "
             f"WHERE {ids_in('o.centre_id', scope_ids(centre_ids), params)}"), params,
    ).all())
