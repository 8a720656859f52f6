"""What the organisation page shows, read in one transaction as plain data.

Details, the last 24 months of its scores per item with the reasons for
points lost, each month's total and whether it is low, its streak, its cases
and its finalised ratings.  No Textual here: the screen only lays this out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from incubator_tui.services.access import reads_orm, reads_sql
from incubator_tui.errors import UserError
from incubator_tui.rules.cases import org_status
from incubator_tui.rules.membership import membership_months
from incubator_tui.rules.months import add_months, month_of, months_between
from incubator_tui.rules.scoring import is_low
from incubator_tui.rules.settings import threshold_for, value_in_force
from incubator_tui.rules.streaks import MonthKind, flag_level, streak_as_of
from incubator_tui.services.clock import current_month
from incubator_tui.services.scoring import Cell as ScoreCell  # one cell type for the grid and the page
from incubator_tui.services.dates import as_date

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlmodel import Session

    from incubator_tui.services.cases import CaseRow

# The table classes (models) and the services built on them are imported inside
# the functions that need them: importing them costs ~120 ms, which the fast
# list (quick_overview) must not pay when the organisations screen first opens.

OPEN_CASE_STATES = ("to_interview", "rectifying", "exit_ordered")
MONTHS_SHOWN = 24

# Month kinds as the page shows them: the four of the rules, plus a month
# with no score at all.
MISSING = "missing"


@dataclass(frozen=True)
class ItemColumn:
    code: str
    name: str
    max_cent: int
    name_en: str = ""  # shown in English (item_label)


@dataclass(frozen=True)
class MonthRow:
    month: str
    kind: str  # complete | incomplete | paused | exempt | missing
    total: Fraction | None  # complete months only
    threshold: Fraction  # in force that month
    cells: dict[str, ScoreCell] = field(default_factory=dict)  # item code → cell (items not in force: absent)
    in_force: tuple[str, ...] = ()  # the item codes of the checklist in force that month
    exempt_reason: str = ""

    @property
    def low(self) -> bool:
        return self.total is not None and is_low(self.total, self.threshold)


@dataclass(frozen=True)
class RatingRow:
    year: int
    stars: int
    original_stars: int
    composite: Fraction | None
    priority: bool
    finalised_on: date | None
    amendments: tuple[tuple[int, int, str], ...] = ()  # (old stars, new stars, reason), oldest first
    # What happened to the rating since, oldest first: amendments, requests for review and
    # their decisions alike (``services.reviews.rating_history``), one line each.
    events: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrgDetails:
    id: str
    name: str
    category: str
    legal_form: str
    credit_code: str | None
    credit_code_warning: bool
    filing_no: str
    contact: str
    phone: str
    party_form: str
    entry_date: date
    agreement_no: str
    agreement_start: date | None
    agreement_end: date | None
    deposit_cent: int
    room: str
    fee_relief: str
    base_status: str  # incubating | exited | graduated
    status: str  # display status, from the open cases
    end_date: date | None
    note: str


@dataclass
class OrgPage:
    details: OrgDetails
    as_of: str
    items: list[ItemColumn]
    months: list[MonthRow]  # oldest first
    streak: int
    streak_months: tuple[str, ...]
    level: str | None  # red | amber | None
    cases: list[CaseRow]
    ratings: list[RatingRow]

    @property
    def totals(self) -> list[tuple[str, Fraction | None]]:
        return [(m.month, m.total) for m in self.months]


@reads_orm
def org_fields(session: Session, org_id: str) -> dict[str, Any]:
    """The editable fields of one org as they are stored (for the edit form)."""
    from incubator_tui.models import Organisation
    from incubator_tui.services.orgs import EDITABLE

    org = session.get(Organisation, org_id)
    if org is None:
        raise UserError("org.unknown", name=org_id)
    out = {k: getattr(org, k) for k in EDITABLE}
    out["status"] = org.status
    out["end_date"] = org.end_date
    return out


@reads_orm
def load_org_page(session: Session, org_id: str, as_of: str | None = None,
                  months: int = MONTHS_SHOWN) -> OrgPage:
    """The page of one org as of a month (default: the current month)."""
    from incubator_tui.models import Organisation
    from incubator_tui.services.cases import list_cases
    from incubator_tui.services.centres import Checklists, setting_entries
    from incubator_tui.services.monthly import month_states

    org = session.get(Organisation, org_id)
    if org is None:
        raise UserError("org.unknown", name=org_id)
    as_of = as_of or current_month()
    centre_id = org.centre_id
    entry, end = as_date(org.entry_date), as_date(org.end_date)

    all_cases = list_cases(session, centre_id, org_id=org_id)
    status = org_status(org.status, [c.state for c in all_cases if c.state in OPEN_CASE_STATES])
    details = OrgDetails(
        org.id, org.name, org.category, org.legal_form, org.credit_code, bool(org.credit_code_warning),
        org.filing_no, org.contact, org.phone, org.party_form, entry, org.agreement_no,
        as_date(org.agreement_start), as_date(org.agreement_end), org.deposit_cent or 0, org.room,
        org.fee_relief, org.status, status, end, org.note or "",
    )

    span = membership_months(entry, end, as_of)
    month_list: list[str] = []
    if span is not None:
        first, last = span
        month_list = months_between(max(first, add_months(last, -(months - 1))), last)

    checklists = Checklists(session, centre_id)
    entries = setting_entries(session, centre_id)
    thr = threshold_for(entries)
    states = month_states(session, centre_id, checklists, [org_id], up_to=as_of).get(org_id, {})

    # Item columns: the latest checklist's items in its order, then any older codes.
    items: list[ItemColumn] = []
    seen: set[str] = set()
    for m in reversed(month_list):
        for it in checklists.items_for(m):
            if it.code not in seen:
                seen.add(it.code)
                items.append(ItemColumn(it.code, it.name, it.max_cent, getattr(it, "name_en", "") or ""))

    cells: dict[str, dict[str, ScoreCell]] = {}
    exempt_reasons: dict[str, str] = {}
    if month_list:
        params = {"o": org_id, "a": month_list[0], "b": month_list[-1]}
        for month, item_id, value, na, reason in session.execute(
            text("SELECT month, item_id, value_cent, na, reason FROM score "
                 "WHERE org_id = :o AND month >= :a AND month <= :b"), params
        ):
            item = checklists.item_by_id.get(item_id)
            if item is not None:
                cells.setdefault(month, {})[item.code] = ScoreCell(value, bool(na), reason or "")
        exempt_reasons = dict(session.execute(
            text("SELECT month, reason FROM exemption WHERE org_id = :o AND active = :t "
                 "AND month >= :a AND month <= :b"), {**params, "t": True}
        ).all())

    rows = []
    for m in month_list:
        state = states.get(m)
        kind = state.kind.value if state is not None else MISSING
        rows.append(MonthRow(
            m, kind, state.total if state is not None and state.kind is MonthKind.COMPLETE else None,
            thr(m), cells.get(m, {}), tuple(it.code for it in checklists.items_for(m)),
            exempt_reasons.get(m, "") if kind == MonthKind.EXEMPT.value else "",
        ))

    streak_count, streak_months, level = 0, (), None
    if span is not None and span[1] == as_of:  # flagged only while it belongs to the centre
        streak = streak_as_of(states, as_of, month_of(entry), thr)
        streak_count, streak_months = streak.count, streak.months
        level = flag_level(streak.count, value_in_force(entries, "run_length", as_of))

    # The ratings and their stories in one read (``rating_history``: newest year first, an
    # amendment's old and new stars beside its event), shown oldest year first.  An amendment
    # is told in the page's own short words.
    from incubator_tui.i18n import t
    from incubator_tui.services.reviews import rating_history

    ratings = []
    for h in reversed(rating_history(session, org_id)):
        changes = iter(h.amendments)  # one per ``amended`` event, in the same order
        events = []
        for _when, _op, kind, what in h.events:
            if kind == "amended":
                old, new, reason = next(changes)
                what = t("orgs.page.amended", old=old, new=new, reason=reason)
            events.append(what)
        ratings.append(RatingRow(h.year, h.stars, h.original_stars, h.composite, h.priority, h.finalised_on,
                                 h.amendments, tuple(events)))

    return OrgPage(details, as_of, items, rows, streak_count, tuple(streak_months), level, all_cases, ratings)


@dataclass
class ListRow:
    """One row of the organisations list: the fields of services.orgs.OrgOverview
    (the screen treats both alike), without importing the table classes."""

    id: str
    name: str
    pinyin: str
    initials: str
    category: str
    status: str  # display status code
    latest_month: str | None
    latest_total: Any  # Fraction | None
    streak: int
    level: str | None
    stars: int | None
    entry_date: date | None


@reads_sql
def quick_overview(session: Session, centre_id: str | Sequence[str], limit: int | None = None) -> list[ListRow]:
    """The organisations list without the month aggregates: names, categories,
    display status, stars and entry dates, in pinyin order.

    Cheap (no score is read; ~30 ms for 5,000 orgs), so the list can be shown
    at once while services.orgs.overview, which adds latest totals and streaks
    from every score of the centre (~1.7 s for 5,000 orgs with 24 months of
    scores), is still running.  ``latest_total`` is None and ``streak`` 0 here.
    With ``limit``, only the first rows in pinyin order (a screenful, at once).  ``centre_id``
    may be several centres' ids (the app's all-centres view): their orgs in one pinyin order.
    """
    from incubator_tui.services.centres import ids_in, scope_ids

    params: dict = {"n": limit}
    ids = scope_ids(centre_id)
    open_states: dict[str, list[str]] = {}
    for org_id, state in session.execute(
        text(f"SELECT org_id, state FROM org_case WHERE {ids_in('centre_id', ids, params)} AND state IN "
             "('to_interview','rectifying','exit_ordered')"), params
    ):
        open_states.setdefault(org_id, []).append(state)
    stars = dict(session.execute(
        text("SELECT r.org_id, r.stars FROM rating r JOIN organisation o ON o.id = r.org_id "
             f"WHERE {ids_in('o.centre_id', ids, params)} ORDER BY r.year"), params
    ).all())
    return [
        ListRow(r.id, r.name, r.pinyin, r.initials, r.category, org_status(r.status, open_states.get(r.id, [])),
                None, None, 0, None, stars.get(r.id), as_date(r.entry_date))
        for r in session.execute(
            text("SELECT id, name, pinyin, initials, category, status, entry_date FROM organisation "
                 f"WHERE {ids_in('centre_id', ids, params)} ORDER BY pinyin, name"
                 + (" LIMIT :n" if limit is not None else "")),
            params,
        )
    ]
