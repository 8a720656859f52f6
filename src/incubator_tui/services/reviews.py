"""The annual review (年考核) and star rating (评星定级), DOMAIN 6.

Inputs (party, self, public, veto; peer ratings) are stored per org and year;
the monthly component is derived from the year's scores.  ``ratings_for_year``
computes live ratings with the pure rules; ``finalise_year`` records them as
:class:`Rating` rows that are never overwritten, only amended with a reason.

Settings (weights, star cut-offs, party gate and cap, minimum complete
months) are those in force for December of the year: the review is made at
the year's end, under the rules the centre had then.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import bindparam, insert, select, text, update

from incubator_tui.services.access import reads_sql
from incubator_tui.errors import UserError
from incubator_tui.rules.membership import member_in_year
from incubator_tui.rules.rating import (
    COMPONENTS, peer_component, publicity_end, rate, rating_state, sum_by_denominator,
)
from incubator_tui.rules.scoring import cents_to_text, round_half_up
from incubator_tui.rules.settings import dump, value_in_force
from incubator_tui.services.dates import as_date, as_datetime

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from sqlalchemy.sql.elements import TextClause

    from incubator_tui.models import Organisation, OrgCase, Rating, ReviewInput

# The writers below import the models (SQLModel, pydantic) where they need them:
# reading the year's ratings (the review screen, `ratings`) works on plain rows
# and need not pay for importing them.

MAX_CENT = 10000  # components are 0-100 points, stored in hundredths
INPUT_FIELDS = ("party_cent", "self_cent", "public_cent", "veto")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # "leave as it is", as opposed to None = "clear"


def _org(session: Session, org_id: str) -> Organisation:
    from incubator_tui.models import Organisation

    org = session.get(Organisation, org_id)
    if org is None:
        raise UserError("review.org_unknown", name=org_id)
    return org


def _check_member(org: Organisation, year: int) -> None:
    if not member_in_year(year, org.entry_date, org.end_date):
        raise UserError("review.not_member", name=org.name, year=year)


def check_component_cent(component: str, value: int | None) -> None:
    """A component value in cents must lie in 0..100 points."""
    from incubator_tui.i18n import t

    if value is not None and not 0 <= value <= MAX_CENT:
        raise UserError("review.out_of_range", component=t(f"rules.component.{component}"),
                        value=cents_to_text(value))


def _open_veto_case_once(session: Session, org: Organisation, year: int, text: str, operator: str) -> OrgCase | None:
    """A veto opens one `veto` case per org and year (DOMAIN 6), whatever later edits say."""
    from incubator_tui.models import OrgCase

    exists = session.execute(
        select(OrgCase.id).where(OrgCase.org_id == org.id, OrgCase.kind == "veto", OrgCase.year == year)
    ).first()
    if exists:
        return None
    from incubator_tui.services.cases import open_case

    return open_case(session, org, "veto", text, operator, year=year)


@dataclass
class InputResult:
    review: ReviewInput
    created: bool
    changed: int  # fields written (0 = nothing changed)
    case: OrgCase | None = None  # the veto case this opened


def set_review_input(
    session: Session, org_id: str, year: int, operator: str, *,
    party_cent: int | None = UNSET, self_cent: int | None = UNSET, public_cent: int | None = UNSET,
    veto: str = UNSET, batch_id: str | None = None,
) -> InputResult:
    """Set an org's inputs for a year (UNSET leaves a field, None clears a value); audited.

    A non-empty veto opens a ``veto`` case the first time for that org-year.
    """
    from incubator_tui.models import ReviewInput
    from incubator_tui.services import audit

    org = _org(session, org_id)
    _check_member(org, year)
    given = {"party_cent": party_cent, "self_cent": self_cent, "public_cent": public_cent, "veto": veto}
    given = {k: v for k, v in given.items() if v is not UNSET}
    for key in ("party_cent", "self_cent", "public_cent"):
        if key in given:
            check_component_cent(key.removesuffix("_cent"), given[key])
    if "veto" in given:
        given["veto"] = (given["veto"] or "").strip()
    row = session.execute(
        select(ReviewInput).where(ReviewInput.org_id == org_id, ReviewInput.year == year)
    ).scalars().first()
    created = row is None
    if row is None:
        row = ReviewInput(org_id=org_id, year=year, batch_id=batch_id)
        session.add(row)
        session.flush()
    old = {k: getattr(row, k) for k in given}
    changed = audit.record_changes(session, operator, "review_input", row.id, old, given, batch_id)
    if changed or created:
        for k, v in given.items():
            setattr(row, k, v)
        if batch_id is not None and changed:
            row.batch_id = batch_id
        session.add(row)
        session.flush()
    case = _open_veto_case_once(session, org, year, row.veto, operator) if row.veto else None
    return InputResult(row, created, changed, case)


def set_peer_ratings(
    session: Session, org_id: str, year: int, ratings: Sequence[tuple[str | None, int]], operator: str, *,
    batch_id: str | None = None,
) -> int:
    """Replace an org-year's peer ratings; returns how many rows were retired plus added.

    ``ratings`` are (rater org id or None for an unnamed rater, value in cents).
    An import (``batch_id``) replaces the ratings earlier imports made; by hand
    (no batch) the whole active set is replaced, as the review screen shows it.
    Old ratings are retired (``active`` false), never deleted.  Setting the
    same ratings again changes nothing.
    """
    from incubator_tui.models import Organisation, PeerRating
    from incubator_tui.models.base import new_id, utcnow
    from incubator_tui.services import audit

    org = _org(session, org_id)
    _check_member(org, year)
    for rater, value in ratings:
        check_component_cent("peer", value)
        if rater is None:
            continue
        if rater == org_id:
            raise UserError("review.rater_self", name=org.name)
        other = session.get(Organisation, rater)
        if other is None or other.centre_id != org.centre_id:
            raise UserError("review.rater_unknown", rater=rater)
    stmt = select(PeerRating).where(PeerRating.org_id == org_id, PeerRating.year == year, PeerRating.active)
    if batch_id is not None:
        stmt = stmt.where(PeerRating.batch_id.is_not(None))
    current = list(session.execute(stmt).scalars())

    def key(pair: tuple[str | None, int]) -> tuple[str, int]:
        return (pair[0] or "", pair[1])

    if sorted(map(key, ((r.rater_org_id, r.value_cent) for r in current))) == sorted(map(key, ratings)):
        return 0
    if current:
        ids = [r.id for r in current]
        session.execute(update(PeerRating).where(PeerRating.id.in_(ids)).values(active=False))
        audit.record_many(session, (audit.audit_row(operator, "peer_rating", i, "active", True, False, batch_id)
                                    for i in ids))
    now = utcnow()
    rows = [
        {"id": new_id(), "org_id": org_id, "year": year, "rater_org_id": rater, "value_cent": value,
         "active": True, "batch_id": batch_id, "created_at": now}
        for rater, value in ratings
    ]
    if rows:
        session.execute(insert(PeerRating), rows)
        if batch_id is None:  # imported rows are recorded by their batch
            audit.record_many(session, (
                audit.audit_row(operator, "peer_rating", r["id"], "value", None, cents_to_text(r["value_cent"]))
                for r in rows
            ))
    return len(current) + len(rows)


# ---------------------------------------------------------------- live ratings


@dataclass(slots=True)  # thousands of them on a district's review screen
class LiveRating:
    centre_id: str
    centre: str
    org_id: str
    org: str
    year: int
    components: dict[str, Fraction | None]
    composite: Fraction | None
    stars: int | None
    missing: tuple[str, ...]  # required components without a value
    warnings: list[str] = field(default_factory=list)  # catalogue keys
    vetoed: bool = False
    veto: str = ""
    capped: bool = False
    peer_raters: int = 0
    monthly_months: int = 0  # complete months counted in the monthly component
    finalised: bool = False
    rating_id: str | None = None
    priority: bool = False
    pinyin: str = ""  # the organisation's stored sort key (the review screen's order)
    state: str = "live"  # live | vetoed | finalised | amended (rules.rating.rating_state)
    publicity_until: date | None = None  # finalised: the last day of the publicity period
    request: str = ""  # finalised: a request for review waiting for its decision (its text)
    finalised_on: date | None = None

    @property
    def can_be_rated(self) -> bool:
        return self.stars is not None


@dataclass(frozen=True)
class _Params:
    weights: dict
    cutoffs: tuple
    party_gate: Any
    party_cap: int
    min_months: int
    entries: Any = None  # the centre's setting entries (for settings in force in other months)

    def publicity_days(self, on: date) -> int:
        """The publicity period in force in the month of ``on`` (the day a rating is finalised)."""
        return value_in_force(self.entries, "publicity_days", f"{on.year:04d}-{on.month:02d}")


def _params(session: Session, centre_id: str, year: int) -> _Params:
    from incubator_tui.services.centres import setting_entries

    entries = setting_entries(session, centre_id)
    month = f"{year:04d}-12"  # the settings in force for December of the year
    return _Params(
        value_in_force(entries, "weights", month), tuple(value_in_force(entries, "star_cutoffs", month)),
        value_in_force(entries, "party_gate", month), value_in_force(entries, "party_cap", month),
        value_in_force(entries, "min_complete_months", month), entries,
    )


_ORGS = "SELECT id, name, entry_date, end_date, pinyin FROM organisation WHERE centre_id = :c"

# Rows of one centre's orgs for a year (``{orgs}``: the centre's, or a page's by id); a
# finalised org needs only its rating row (tested once per org, before its rows are read).
_NOT_FINALISED = "NOT EXISTS (SELECT 1 FROM rating g WHERE g.org_id = o.id AND g.year = :y)"
_INPUTS = (
    "SELECT x.org_id, x.party_cent, x.self_cent, x.public_cent, x.veto FROM organisation o "
    f"JOIN review_input x ON x.org_id = o.id WHERE {{orgs}} AND {_NOT_FINALISED} AND x.year = :y"
)
_PEERS = (
    "SELECT x.org_id, x.rater_org_id, x.value_cent FROM organisation o "
    f"JOIN peer_rating x ON x.org_id = o.id WHERE {{orgs}} AND {_NOT_FINALISED} "
    "AND x.year = :y AND x.active = :t"
)
# The first page of a year (the review screen's first screenful): its orgs chosen and read in
# one query, in the page's order, so that a district's 5,000 orgs are neither read nor sorted
# in Python before the first rows show.  An org is in the year when it belonged to the centre
# that year (``rules.membership.member_in_year``: the years of its dates, compared as ISO text)
# or when it has anything for the year (inputs, active peer ratings, a rating); without
# ``all_members`` only the latter.  Text sorts by code point in SQLite (BINARY), as Python's
# sort does (PostgreSQL would need ``COLLATE "C"`` for the same page).
_MEMBER = (
    "(SUBSTR(CAST(o.entry_date AS TEXT), 1, 4) <= :yt "
    "AND (o.end_date IS NULL OR SUBSTR(CAST(o.end_date AS TEXT), 1, 4) >= :yt))"
)
_HAS_ANY = (
    "EXISTS (SELECT 1 FROM review_input x WHERE x.org_id = o.id AND x.year = :y) "
    "OR EXISTS (SELECT 1 FROM peer_rating x WHERE x.org_id = o.id AND x.year = :y AND x.active = :t) "
    "OR EXISTS (SELECT 1 FROM rating x WHERE x.org_id = o.id AND x.year = :y)"
)
_FIRST_ORGS = (
    "SELECT o.id, o.name, o.entry_date, o.end_date, o.pinyin FROM organisation o "
    "WHERE o.centre_id = :c AND ({where}) ORDER BY {order} LIMIT :n"
)
_ORDER_SQL = {"name": "o.name, o.id", "pinyin": "COALESCE(o.pinyin, ''), o.name, o.id"}
_RATINGS = (
    "SELECT x.org_id, x.id, x.composite, x.stars, x.priority, x.inputs, x.finalised_at, x.publicity_until, "
    "EXISTS (SELECT 1 FROM rating_amendment a WHERE a.rating_id = x.id), "
    "(SELECT q.text FROM rating_request q WHERE q.rating_id = x.id AND q.decision = '' "
    "ORDER BY q.recorded_at DESC LIMIT 1) "
    "FROM rating x JOIN organisation o ON o.id = x.org_id WHERE {orgs} AND x.year = :y"
)

# The year's complete months (complete as services.monthly.month_states counts
# them: every item scored or n/a, at least one scored; not exempt; the month
# not paused) in which the org belonged to the centre, read from ``month_result``
# and summed per org and max (so that the sum stays exact: Σ earned / max).
# Membership by month: from the entry date's month to the end date's (DOMAIN 2);
# dates compared as ISO text, which both SQLite and PostgreSQL give.
_MONTHLY = """
SELECT r.org_id, r.max_cent, SUM(r.earned_cent), COUNT(*)
FROM month_result r JOIN organisation o ON o.id = r.org_id
WHERE {scope}
  AND r.month >= :lo AND r.month <= :hi
  AND o.entry_date IS NOT NULL AND r.month >= SUBSTR(CAST(o.entry_date AS TEXT), 1, 7)
  AND (o.end_date IS NULL OR r.month <= SUBSTR(CAST(o.end_date AS TEXT), 1, 7))
  AND r.scored > 0 AND r.scored + r.na_count = {n_items} {paused_filter}
  AND NOT EXISTS (SELECT 1 FROM exemption e WHERE e.org_id = r.org_id AND e.month = r.month AND e.active = :t)
GROUP BY r.org_id, r.max_cent
"""


class _Org(NamedTuple):
    id: str
    name: str
    entry_date: date | None
    end_date: date | None
    pinyin: str = ""


def _org_rows(session: Session, centre_id: str, ids: Collection[str] | None = None) -> dict[str, _Org]:
    """The centre's orgs by id (with ``ids``: only those of them)."""
    if ids is None:
        return _orgs_of(session.execute(text(_ORGS), {"c": centre_id}).all())
    return _orgs_of(session.execute(_in(_ORGS + " AND id IN :ids", "ids"), {"c": centre_id, "ids": sorted(ids)}).all())


def _orgs_of(rows: Sequence) -> dict[str, _Org]:
    return {org_id: _Org(org_id, name, as_date(entry), as_date(end), pinyin or "")
            for org_id, name, entry, end, pinyin in rows}


def _in(sql: str, *lists: str) -> TextClause:
    """``sql`` whose ``IN :name`` parameters (``lists``) take a list of values: one parameter
    to compile, however many values (SQLAlchemy's expanding parameters; an empty list is
    never true)."""
    return text(sql).bindparams(*(bindparam(name, expanding=True) for name in lists))


def _by_name(org: _Org) -> tuple:
    return (org.name, org.id)


def _by_pinyin(org: _Org) -> tuple:
    """The organisations list's order: the stored pinyin key, then the name."""
    return (org.pinyin, org.name, org.id)


_ORDERS = {_by_name: "name", _by_pinyin: "pinyin"}


def _first_orgs(session: Session, centre_id: str, year: int, first: int, all_members: bool,
                order) -> dict[str, _Org]:  # noqa: ANN001
    """The first ``first`` orgs of the centre's year in ``order`` (``_FIRST_ORGS``), in that order."""
    where = f"{_MEMBER} OR {_HAS_ANY}" if all_members else _HAS_ANY
    sql = _FIRST_ORGS.format(where=where, order=_ORDER_SQL[_ORDERS[order]])
    return _orgs_of(session.execute(text(sql), {"c": centre_id, "y": year, "yt": f"{year:04d}", "t": True,
                                                "n": first}).all())


def _monthly_sums(session: Session, centre_id: str, year: int, org_ids: list[str]) -> dict[str, tuple[Fraction, int]]:
    """``{org_id: (sum of its complete monthly totals that year, how many)}``, months it belonged only.

    The totals ``month_states`` gives (10 × earned / max), without a state per org-month."""
    from incubator_tui.services.centres import Checklists
    from incubator_tui.services.monthly import paused_months

    lo, hi = f"{year:04d}-01", f"{year:04d}-12"
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    params: dict = {"c": centre_id, "lo": lo, "hi": hi, "t": True}
    checklists = Checklists(session, centre_id)
    item_counts = [len(checklists.items_for(m)) for m in months]
    if len(set(item_counts)) == 1:
        n_items, params["n"] = ":n", item_counts[0]
    else:
        n_items = "CASE r.month " + " ".join(f"WHEN :m{i} THEN :n{i}" for i in range(12)) + " END"
        params.update({f"m{i}": m for i, m in enumerate(months)})
        params.update({f"n{i}": n for i, n in enumerate(item_counts)})
    paused = sorted(m for m in paused_months(session, centre_id) if lo <= m <= hi)
    paused_filter = ""
    if paused:
        paused_filter = "AND r.month NOT IN (" + ",".join(f":p{i}" for i in range(len(paused))) + ")"
        params.update({f"p{i}": m for i, m in enumerate(paused)})

    if len(org_ids) > 400:  # many: one pass over the centre's orgs beats lists of ids
        keep = set(org_ids)
        rows = [r for r in session.execute(text(_MONTHLY.format(
            scope="o.centre_id = :c", n_items=n_items, paused_filter=paused_filter)), params).all() if r[0] in keep]
    else:  # a few: looked up by id, without walking the centre's
        rows = session.execute(_in(_MONTHLY.format(scope="r.org_id IN :ids", n_items=n_items,
                                                   paused_filter=paused_filter), "ids"),
                               {**params, "ids": org_ids}).all()
    # Per org: {max_cent: 10 × Σ earned} and the count; each total is 10 × earned / max_cent,
    # so the exact sum is one Fraction over a few denominators (integers until then).
    sums: dict[str, dict[int, int]] = {}
    counts: dict[str, int] = {}
    for org_id, max_cent, earned, n in rows:
        by_max = sums.get(org_id)
        if by_max is None:
            by_max = sums[org_id] = {}
        by_max[max_cent] = by_max.get(max_cent, 0) + 10 * earned
        counts[org_id] = counts.get(org_id, 0) + n
    return {org_id: (sum_by_denominator(by_max), counts[org_id]) for org_id, by_max in sums.items()}


def _centre_live(session: Session, centre_id: str, centre_name: str, year: int,
                 all_members: bool, first: int | None = None, order=_by_name) -> list[LiveRating]:  # noqa: ANN001
    """Live ratings of one centre's orgs with review inputs that year (or, with
    ``all_members``, also every org that belonged to the centre that year).

    Plain rows, no ORM objects: a district has thousands of orgs.  A finalised
    org is shown from its rating row alone.  With ``first``, only the first so
    many orgs in ``order`` (a screenful, worked out in a few ms): only their rows,
    and the membership of the raters of their peer ratings, are read.
    """
    params: dict = {"c": centre_id, "y": year, "t": True}

    def rows(sql: str) -> list:
        if first is None:
            return session.execute(text(sql.format(orgs="o.centre_id = :c")), params).all()
        # The page's orgs are the centre's: looked up by id (the centre's 5,000 are not walked).
        return session.execute(_in(sql.format(orgs="o.id IN :page"), "page"), params).all()

    if first is None:
        orgs = _org_rows(session, centre_id)
    else:
        orgs = _first_orgs(session, centre_id, year, first, all_members, order)
        params["page"] = list(orgs)
    members = {o.id for o in orgs.values() if member_in_year(year, o.entry_date, o.end_date)}
    ratings = {r.org_id: r for r in rows(_RATINGS)}
    inputs = {r.org_id: r for r in rows(_INPUTS)}
    peers: dict[str, list[tuple[str | None, int]]] = {}
    for org_id, rater, value in rows(_PEERS):
        peers.setdefault(org_id, []).append((rater, value))
    live_ids = set(inputs) | set(peers)
    if all_members:
        live_ids |= members
    if first is not None:  # the raters beyond the page: whether they belonged that year
        raters = {r for rows in peers.values() for r, _v in rows if r is not None and r not in orgs}
        if raters:
            members |= {o.id for o in _org_rows(session, centre_id, raters).values()
                        if member_in_year(year, o.entry_date, o.end_date)}
    live_ids -= set(ratings)
    stored = _FractionCache()
    p = _params(session, centre_id, year) if (live_ids or ratings) else None
    out = [_from_rating(centre_id, centre_name, orgs[org_id], year, r, stored, p) for org_id, r in ratings.items()]
    if not live_ids:
        return out
    live = sorted(live_ids)
    monthly = _monthly_sums(session, centre_id, year, live)
    hundredths = _FractionCache(100)

    def cent(v: int | None) -> Fraction | None:
        return None if v is None else hundredths[v]

    for org_id in live:
        org = orgs[org_id]
        total, n_months = monthly.get(org_id, (Fraction(0), 0))
        inp = inputs.get(org_id)
        # Only ratings by orgs that belonged to the centre that year count; unnamed ones count.
        counted = [
            (rater, hundredths[value]) for rater, value in peers.get(org_id, ()) if rater is None or rater in members
        ]
        peer, peer_warnings = peer_component(counted, org_id)
        components = {
            "party": cent(inp.party_cent) if inp else None,
            # rules.rating.monthly_component, from the totals' sum and count
            "monthly": Fraction(total * 10, n_months) if n_months >= max(p.min_months, 1) else None,
            "self": cent(inp.self_cent) if inp else None,
            "peer": peer,
            "public": cent(inp.public_cent) if inp else None,
        }
        veto = inp.veto if inp else ""
        result = rate(components, p.weights, p.cutoffs, p.party_gate, p.party_cap, vetoed=bool(veto))
        warnings = list(peer_warnings) if p.weights.get("peer", 0) or peer is not None else []
        if result.vetoed:
            warnings.append("review.vetoed")
        if result.capped:
            warnings.append("review.capped")
        if components["monthly"] is None and n_months:
            warnings.append("review.few_months")
        out.append(LiveRating(
            centre_id, centre_name, org_id, org.name, year, components, result.composite, result.stars,
            result.missing, warnings, result.vetoed, veto, result.capped,
            sum(1 for r, _ in counted if r != org_id), n_months,
            pinyin=org.pinyin, state=rating_state(False, False, result.vetoed),
        ))
    return out


class _FractionCache(dict):
    """Fractions by key, made once: ratings repeat the same few values thousands of times."""

    def __init__(self, denominator: int | None = None) -> None:
        super().__init__()
        self.denominator = denominator

    def __missing__(self, key):  # noqa: ANN001, ANN204
        value = self[key] = Fraction(key) if self.denominator is None else Fraction(key, self.denominator)
        return value


def _from_rating(
    centre_id: str, centre_name: str, org: _Org, year: int, rating, fractions: _FractionCache,  # noqa: ANN001
    params: _Params | None = None,
) -> LiveRating:
    """A finalised rating as recorded: its stored values win over live ones.

    ``fractions`` turns the stored exact values ("175/2") into Fractions, each distinct one once."""
    inputs = rating.inputs
    if isinstance(inputs, str):  # SQLite hands JSON back as text
        inputs = json.loads(inputs)
    inputs = inputs or {}
    comps = inputs.get("components", {})
    components = {c: (fractions[comps[c]] if comps.get(c) is not None else None) for c in COMPONENTS}
    finalised_on = _finalised_on(inputs, rating.finalised_at)
    until = as_date(rating.publicity_until)
    if until is None and finalised_on is not None and params is not None:  # finalised before schema 0006
        until = publicity_end(finalised_on, params.publicity_days(finalised_on))
    vetoed = bool(inputs.get("vetoed"))
    return LiveRating(
        centre_id, centre_name, org.id, org.name, year, components,
        fractions[rating.composite] if rating.composite else None, rating.stars,
        tuple(inputs.get("missing", ())), list(inputs.get("warnings", [])), vetoed,
        inputs.get("veto", ""), bool(inputs.get("capped")), int(inputs.get("peer_raters", 0)),
        int(inputs.get("monthly_months", 0)), True, rating.id, bool(rating.priority),
        pinyin=org.pinyin, state=rating_state(True, bool(rating[8]), vetoed), publicity_until=until,
        request=rating[9] or "", finalised_on=finalised_on,
    )


def _finalised_on(inputs: dict, finalised_at) -> date | None:  # noqa: ANN001
    """The day a rating was finalised: the date its inputs record, else its timestamp's."""
    recorded = inputs.get("date")
    if recorded:
        return date.fromisoformat(recorded)
    if finalised_at is None:
        return None
    return as_date(str(finalised_at)[:10])


@reads_sql
def ratings_for_year(session: Session, centre_id: str | None, year: int,
                     first: int | None = None) -> list[LiveRating]:
    """Every org with review inputs (or a finalised rating) that year, sorted by
    org name in code-point order; all centres when ``centre_id`` is None.
    With ``first``: only the first so many of that list (the screen's first page)."""
    sql, params = "SELECT id, name FROM centre", {}
    if centre_id is not None:
        sql, params = sql + " WHERE id = :c", {"c": centre_id}
    out: list[LiveRating] = []
    for cid, name in session.execute(text(sql), params).all():
        out.extend(_centre_live(session, cid, name, year, all_members=False, first=first))
    out.sort(key=lambda r: (r.org, r.centre))
    return out if first is None else out[:first]


# ---------------------------------------------------------------- finalising


@dataclass
class FinaliseResult:
    year: int
    rated: list[LiveRating] = field(default_factory=list)  # finalised now
    not_rated: list[LiveRating] = field(default_factory=list)  # cannot be rated yet (see .missing)
    already: list[LiveRating] = field(default_factory=list)  # finalised before: left as they are
    priority: list[str] = field(default_factory=list)  # five stars: the priority list
    cases_opened: list[tuple[str, int]] = field(default_factory=list)  # (org, stars): annual cases


def _json_fraction(v: Fraction | None) -> str | None:
    return None if v is None else str(v)


def finalise_year(session: Session, centre_id: str, year: int, operator: str) -> FinaliseResult:
    """DOMAIN 6: rate every org of the year that can be rated, list the others.

    Orgs finalised before are skipped (a rating is never overwritten).  Five
    stars put the org on the priority list; three or fewer open an ``annual``
    case (also for a vetoed org: the rating's case is distinct from the veto's).
    """
    from incubator_tui.models import Centre, Organisation, Rating
    from incubator_tui.services import audit
    from incubator_tui.services.cases import open_case
    from incubator_tui.services.clock import today

    centre = session.get(Centre, centre_id)
    if centre is None:
        raise UserError("review.centre_unknown", name=centre_id)
    p = _params(session, centre_id, year)
    result = FinaliseResult(year)
    on = today()
    for live in sorted(_centre_live(session, centre.id, centre.name, year, all_members=True), key=lambda r: r.org):
        if live.finalised:
            result.already.append(live)
            continue
        if live.stars is None:
            result.not_rated.append(live)
            continue
        inputs = {
            "components": {c: _json_fraction(v) for c, v in live.components.items()},
            "weights": dump("weights", p.weights), "star_cutoffs": dump("star_cutoffs", p.cutoffs),
            "party_gate": dump("party_gate", p.party_gate), "party_cap": p.party_cap,
            "min_complete_months": p.min_months, "settings_month": f"{year:04d}-12",
            "monthly_months": live.monthly_months, "peer_raters": live.peer_raters,
            "missing": list(live.missing), "warnings": live.warnings, "vetoed": live.vetoed, "veto": live.veto,
            "capped": live.capped, "date": on.isoformat(),
        }
        rating = Rating(
            org_id=live.org_id, year=year, composite=_json_fraction(live.composite), stars=live.stars,
            original_stars=live.stars, priority=live.stars == 5, inputs=inputs, finalised_by=operator,
            publicity_until=publicity_end(on, p.publicity_days(on)),
        )
        session.add(rating)
        session.flush()
        audit.record(session, operator, "rating", rating.id, "stars", None, live.stars)
        live.finalised, live.rating_id, live.priority = True, rating.id, rating.priority
        live.state, live.publicity_until, live.finalised_on = "finalised", rating.publicity_until, on
        result.rated.append(live)
        if rating.priority:
            result.priority.append(live.org)
        if live.stars <= 3:
            org = session.get(Organisation, live.org_id)
            open_case(session, org, "annual", _annual_reason(year, live.stars, live.composite), operator,
                      year=year, rating_id=rating.id, on=on)
            result.cases_opened.append((live.org, live.stars))
    return result


def _annual_reason(year: int, stars: int, composite: Fraction | None) -> str:
    from incubator_tui.i18n import t

    shown = f"{round_half_up(composite, 2):f}" if composite is not None else "—"
    return t("review.annual_reason", year=year, stars=stars, composite=shown)


def amend_rating(session: Session, rating_id: str, new_stars: int, reason: str, operator: str) -> Rating:
    """Change a finalised rating's stars with a reason; the history is kept.

    The priority flag follows the stars; lowering to three stars or fewer
    opens an ``annual`` case when the year has none for the org yet.  A request
    for review waiting for its decision is decided by it (``amended``).
    """
    from incubator_tui.models import Organisation, OrgCase, Rating, RatingAmendment
    from incubator_tui.services import audit

    rating = session.get(Rating, rating_id)
    if rating is None:
        raise UserError("review.rating_unknown", id=rating_id)
    if not (reason or "").strip():
        raise UserError("review.reason_required")
    if not isinstance(new_stars, int) or not 1 <= new_stars <= 5:
        raise UserError("review.stars_range", value=new_stars)
    if new_stars == rating.stars:
        raise UserError("review.amend_same", stars=new_stars)
    old = rating.stars
    session.add(RatingAmendment(rating_id=rating.id, operator=operator, old_stars=old, new_stars=new_stars,
                                reason=reason.strip()))
    audit.record(session, operator, "rating", rating.id, "stars", old, new_stars)
    priority = new_stars == 5
    if priority != rating.priority:
        audit.record(session, operator, "rating", rating.id, "priority", rating.priority, priority)
    rating.stars, rating.priority = new_stars, priority
    session.add(rating)
    session.flush()
    _decide_request(session, rating.id, "amended", reason.strip(), operator)
    if new_stars <= 3:
        has_case = session.execute(
            select(OrgCase.id).where(OrgCase.org_id == rating.org_id, OrgCase.kind == "annual",
                                     OrgCase.year == rating.year)
        ).first()
        if not has_case:
            from incubator_tui.services.cases import open_case

            org = session.get(Organisation, rating.org_id)
            composite = Fraction(rating.composite) if rating.composite else None
            open_case(session, org, "annual", _annual_reason(rating.year, new_stars, composite), operator,
                      year=rating.year, rating_id=rating.id)
    return rating


# ---------------------------------------------------------------- the review screen (#10)


@dataclass
class ReviewYear:
    """A year as the review screen shows it: every organisation that belonged to the centre
    that year (and any rated or with inputs), in the organisations list's pinyin order,
    with the settings the screen needs to rate a row again as the user types."""

    year: int
    rows: list[LiveRating]
    weights: dict
    cutoffs: tuple
    party_gate: Any
    party_cap: int
    min_months: int
    complete: bool  # every row of the year (not only its first page)
    # The all-centres view (a district database): each centre's own year (its settings), by id;
    # the fields above are then the first centre's.  Empty for one centre.
    by_centre: dict[str, ReviewYear] = field(default_factory=dict)

    def of_centre(self, centre_id: str) -> ReviewYear:
        """The year as ``centre_id``'s settings rate it (this one, for a single centre)."""
        return self.by_centre.get(centre_id, self)


@reads_sql
def review_year(session: Session, centre_id: str, year: int, first: int | None = None) -> ReviewYear:
    """The review screen's rows (all members of the year, pinyin order); with ``first`` only the
    first so many (a screenful, worked out in a few ms, while the rest follows)."""
    name = session.execute(text("SELECT name FROM centre WHERE id = :c"), {"c": centre_id}).scalar() or ""
    rows = _centre_live(session, centre_id, name, year, all_members=True, first=first, order=_by_pinyin)
    rows.sort(key=lambda r: (r.pinyin, r.org, r.org_id))
    p = _params(session, centre_id, year)
    return ReviewYear(year, rows, dict(p.weights), tuple(p.cutoffs), p.party_gate, p.party_cap, p.min_months,
                      first is None)


@reads_sql
def review_scope(session: Session, centre_ids: str | Sequence[str], year: int,
                 first: int | None = None) -> ReviewYear:
    """:func:`review_year` of one centre or of several (the app's all-centres view): every
    centre's rows in one pinyin order, each rated with its own centre's settings (``by_centre``).
    With ``first``: the first so many of that order (each centre's first so many, merged)."""
    from incubator_tui.services.centres import scope_ids

    ids = scope_ids(centre_ids)
    if len(ids) == 1:
        return review_year(session, ids[0], year, first)
    years = {c: review_year(session, c, year, first) for c in ids}
    rows = [r for y in years.values() for r in y.rows]
    rows.sort(key=lambda r: (r.pinyin, r.org, r.centre, r.org_id))
    if first is not None:
        rows = rows[:first]
    lead = years[ids[0]]
    return ReviewYear(year, rows, lead.weights, lead.cutoffs, lead.party_gate, lead.party_cap, lead.min_months,
                      first is None, by_centre=years)


def state_of(r: LiveRating) -> str:
    """``ratings --json``'s ``state``: what the review screen shows in its state column."""
    return r.state


# -- peer ratings ------------------------------------------------------------------------------------


@dataclass
class PeerSheet:
    """The peer ratings (互评) of one organisation and year, as the peer dialog edits them."""

    org_id: str
    org: str
    year: int
    raters: list[tuple[str, str, int | None]]  # (rater id, name, value in cents): the other members
    unnamed: list[int]  # ratings by unnamed raters (imports), counted in the mean
    finalised: bool


@reads_sql
def peer_sheet(session: Session, org_id: str, year: int) -> PeerSheet:
    """Every other organisation that belonged to the org's centre that year (never the org
    itself), in pinyin order, with the rating it gave (the latest active one), and the
    unnamed ratings."""
    org = session.execute(text("SELECT centre_id, name FROM organisation WHERE id = :o"), {"o": org_id}).first()
    if org is None:
        raise UserError("review.org_unknown", name=org_id)
    orgs = _org_rows(session, org.centre_id)
    members = sorted((o for o in orgs.values() if o.id != org_id and member_in_year(year, o.entry_date, o.end_date)),
                     key=_by_pinyin)
    given: dict[str, int] = {}
    unnamed: list[int] = []
    for rater, value in session.execute(text(
        "SELECT rater_org_id, value_cent FROM peer_rating WHERE org_id = :o AND year = :y AND active = :t "
        "ORDER BY created_at, id"), {"o": org_id, "y": year, "t": True}).all():
        if rater is None:
            unnamed.append(value)
        else:
            given[rater] = value  # the latest wins
    finalised = session.execute(text("SELECT 1 FROM rating WHERE org_id = :o AND year = :y"),
                                {"o": org_id, "y": year}).first() is not None
    return PeerSheet(org_id, org.name, year, [(o.id, o.name, given.get(o.id)) for o in members], unnamed,
                     finalised)


def _check_not_finalised(session: Session, org: Organisation, year: int) -> None:
    from incubator_tui.models import Rating

    if session.execute(select(Rating.id).where(Rating.org_id == org.id, Rating.year == year)).first():
        raise UserError("review.finalised_frozen", name=org.name, year=year)


def set_review_value(session: Session, org_id: str, year: int, component: str, value_cent: int | None,
                     operator: str) -> InputResult:
    """One input typed on the review screen (party, self or public; None clears it), audited.
    Refused once the org's rating for the year is finalised (it is amended instead)."""
    if component not in ("party", "self", "public"):
        raise ValueError(component)
    org = _org(session, org_id)
    _check_not_finalised(session, org, year)
    return set_review_input(session, org_id, year, operator, **{f"{component}_cent": value_cent})


def set_peer_rating(session: Session, org_id: str, year: int, rater_id: str, value_cent: int | None,
                    operator: str) -> int:
    """The rating ``rater_id`` gives ``org_id`` for ``year`` (None: withdrawn), typed by hand.

    The rater's earlier active ratings of the org-year are retired (kept, ``active`` false,
    audited); a new row holds the value.  The rater must be another organisation of the
    same centre that belonged to it that year.  Returns rows retired plus added (0: same)."""
    from incubator_tui.models import Organisation, PeerRating
    from incubator_tui.services import audit

    org = _org(session, org_id)
    _check_member(org, year)
    _check_not_finalised(session, org, year)
    if rater_id == org_id:
        raise UserError("review.rater_self", name=org.name)
    rater = session.get(Organisation, rater_id)
    if rater is None or rater.centre_id != org.centre_id:
        raise UserError("review.rater_unknown", rater=rater_id)
    if not member_in_year(year, rater.entry_date, rater.end_date):
        raise UserError("review.rater_not_member", rater=rater.name, year=year)
    check_component_cent("peer", value_cent)
    current = list(session.execute(select(PeerRating).where(
        PeerRating.org_id == org_id, PeerRating.year == year, PeerRating.active,
        PeerRating.rater_org_id == rater_id)).scalars())
    if value_cent is not None and len(current) == 1 and current[0].value_cent == value_cent:
        return 0
    if value_cent is None and not current:
        return 0
    for r in current:
        r.active = False
        session.add(r)
        audit.record(session, operator, "peer_rating", r.id, "active", True, False)
    if value_cent is not None:
        row = PeerRating(org_id=org_id, year=year, rater_org_id=rater_id, value_cent=value_cent)
        session.add(row)
        session.flush()
        audit.record(session, operator, "peer_rating", row.id, "value", None, cents_to_text(value_cent))
    session.flush()
    return len(current) + (value_cent is not None)


# -- veto ----------------------------------------------------------------------------------------------------


@dataclass
class VetoResult:
    case: OrgCase | None  # the veto case this opened (once per org and year)
    amended: bool  # a finalised rating was amended to 1 star


def record_veto(session: Session, org_id: str, year: int, description: str, operator: str) -> VetoResult:
    """A veto (一票否决) for the org and year: its description (required), 1 star, a ``veto``
    case the first time.  An org already finalised keeps its rating record, amended to 1 star
    with the violation as the reason (a rating is never overwritten)."""
    from incubator_tui.i18n import t
    from incubator_tui.models import Rating

    description = (description or "").strip()
    if not description:
        raise UserError("review.veto_required")
    res = set_review_input(session, org_id, year, operator, veto=description)
    rating = session.execute(select(Rating).where(Rating.org_id == org_id, Rating.year == year)).scalars().first()
    amended = False
    if rating is not None and rating.stars != 1:
        amend_rating(session, rating.id, 1, t("review.veto_amend_reason", text=description), operator)
        amended = True
    return VetoResult(res.case, amended)


# -- finalising -------------------------------------------------------------------------------------------------


@dataclass
class FinalisePlan:
    year: int
    rateable: list[LiveRating]  # will be rated (with their stars as they stand)
    cannot: list[LiveRating]  # cannot be rated yet (.missing says what)
    already: int  # finalised before: left as they are


@reads_sql
def finalise_plan(session: Session, centre_id: str, year: int) -> FinalisePlan:
    """What finalising the year now would do (the confirmation lists it)."""
    name = session.execute(text("SELECT name FROM centre WHERE id = :c"), {"c": centre_id}).scalar()
    if name is None:
        raise UserError("review.centre_unknown", name=centre_id)
    rows = _centre_live(session, centre_id, name, year, all_members=True, order=_by_pinyin)
    rows.sort(key=lambda r: (r.pinyin, r.org, r.org_id))
    return FinalisePlan(year, [r for r in rows if not r.finalised and r.stars is not None],
                        [r for r in rows if not r.finalised and r.stars is None],
                        sum(1 for r in rows if r.finalised))


# -- publicity: requests for review ----------------------------------------------------------------------------


def _rating(session: Session, rating_id: str) -> Rating:
    from incubator_tui.models import Rating

    rating = session.get(Rating, rating_id)
    if rating is None:
        raise UserError("review.rating_unknown", id=rating_id)
    return rating


def _publicity_until(session: Session, rating: Rating) -> date:
    if rating.publicity_until is not None:
        return rating.publicity_until
    org = _org(session, rating.org_id)
    p = _params(session, org.centre_id, rating.year)
    on = _finalised_on(rating.inputs if isinstance(rating.inputs, dict) else json.loads(rating.inputs or "{}"),
                       rating.finalised_at)
    return publicity_end(on, p.publicity_days(on))


def _pending_request(session: Session, rating_id: str):  # noqa: ANN202 - a RatingRequest or None
    from incubator_tui.models import RatingRequest

    return session.execute(select(RatingRequest).where(
        RatingRequest.rating_id == rating_id, RatingRequest.decision == "")).scalars().first()


def request_review(session: Session, rating_id: str, request_text: str, operator: str,
                   on: date | None = None) -> Any:
    """An organisation's request for review (复核申请) of its finalised rating, received ``on``
    (default today), within the publicity period; one waiting for its decision at a time."""
    from incubator_tui.models import RatingRequest
    from incubator_tui.services import audit
    from incubator_tui.services.clock import today

    rating = _rating(session, rating_id)
    request_text = (request_text or "").strip()
    if not request_text:
        raise UserError("review.request_required")
    on = on or today()
    until = _publicity_until(session, rating)
    if on > until:
        raise UserError("review.request_late", until=until.isoformat())
    if _pending_request(session, rating_id) is not None:
        raise UserError("review.request_pending")
    row = RatingRequest(rating_id=rating_id, received_on=on, text=request_text, recorded_by=operator)
    session.add(row)
    session.flush()
    audit.record(session, operator, "rating_request", row.id, "text", None, request_text)
    return row


def _decide_request(session: Session, rating_id: str, decision: str, reason: str, operator: str) -> bool:
    from incubator_tui.models.base import utcnow
    from incubator_tui.services import audit

    pending = _pending_request(session, rating_id)
    if pending is None:
        return False
    pending.decision, pending.decision_reason = decision, reason
    pending.decided_at, pending.decided_by = utcnow(), operator
    session.add(pending)
    session.flush()
    audit.record(session, operator, "rating_request", pending.id, "decision", "", decision)
    return True


def confirm_rating(session: Session, rating_id: str, reason: str, operator: str) -> None:
    """Decide the waiting request for review by confirming the rating, with a reason."""
    _rating(session, rating_id)
    if not (reason or "").strip():
        raise UserError("review.reason_required")
    if not _decide_request(session, rating_id, "confirmed", reason.strip(), operator):
        raise UserError("review.no_request")


# -- the priority list and a rating's history --------------------------------------------------------------------


@dataclass
class PriorityRow:
    org_id: str
    org: str
    composite: Fraction | None
    stars: int


@reads_sql
def priority_list(session: Session, centre_id: str, year: int) -> list[PriorityRow]:
    """The year's priority list (5 stars, finalised or amended to it), in pinyin order."""
    rows = session.execute(text(
        "SELECT o.id, o.name, x.composite, x.stars, o.pinyin FROM rating x JOIN organisation o ON o.id = x.org_id "
        "WHERE o.centre_id = :c AND x.year = :y AND x.priority = :t ORDER BY o.pinyin, o.name, o.id"),
        {"c": centre_id, "y": year, "t": True}).all()
    return [PriorityRow(r[0], r[1], Fraction(r[2]) if r[2] else None, r[3]) for r in rows]


def write_priority_xlsx(rows: Sequence[PriorityRow], out: Any, *, year: int, centre: str) -> Any:
    """The priority list as an ``.xlsx`` (openpyxl, imported here), created 0600, written beside
    ``out`` and renamed into place; returns the path."""
    import os
    from pathlib import Path

    from openpyxl import Workbook
    from rich.cells import cell_len

    from incubator_tui import paths
    from incubator_tui.i18n import t

    out = Path(out)
    if not out.parent.is_dir():
        raise UserError("review.xlsx_no_folder", path=str(out.parent))
    wb = Workbook()
    ws = wb.active
    ws.title = t("review.priority.sheet")
    title = t("review.priority.title", centre=centre, year=year)
    ws.append([title])
    headers = [t("review.priority.col.no"), t("review.priority.col.org"), t("review.priority.col.composite"),
               t("review.priority.col.stars")]
    ws.append(headers)
    widths = [cell_len(h) for h in headers]
    for n, r in enumerate(rows, start=1):
        composite = float(round_half_up(r.composite, 2)) if r.composite is not None else None
        ws.append([n, r.org, composite, r.stars])
        widths[1] = max(widths[1], cell_len(r.org))
    for letter, w in zip("ABCD", widths):
        ws.column_dimensions[letter].width = w + 2
    part = out.with_name(f".{out.name}.part")
    try:
        if part.exists():
            part.unlink()
        paths.private_file(part, exclusive=True)
        wb.save(part)
        os.replace(part, out)
    except OSError as exc:
        raise UserError("review.xlsx_failed", path=str(out), detail=exc.strerror or str(exc)) from exc
    finally:
        if part.exists():
            part.unlink()
    return out


@dataclass
class RatingHistory:
    """One finalised rating of an organisation and what happened to it since, oldest first."""

    year: int
    original_stars: int
    stars: int
    composite: Fraction | None
    finalised_on: date | None
    finalised_by: str
    publicity_until: date | None
    # (when, operator, kind, text), kind amended / request / confirmed; ``when`` to the minute
    # on the centre's clock (``rules.months.local_minute``), as every stored instant is shown.
    events: list[tuple[str, str, str, str]]
    priority: bool = False  # five stars: on the priority list
    # (old stars, new stars, reason) of each ``amended`` event, in the events' order: a caller
    # words an amendment its own way without reading the amendments again.
    amendments: tuple[tuple[int, int, str], ...] = ()


@reads_sql
def rating_history(session: Session, org_id: str, tz: str | None = None) -> list[RatingHistory]:
    """Every finalised rating of the organisation (newest year first) with its amendments and
    requests for review in time order: for the organisation's page.

    Each table is read once whatever the number of ratings (the ratings, then their amendments
    and their requests by rating id).  Event times are stored in UTC and given in ``tz``, by
    default the zone of the organisation's centre (``services.dates.centre_timezone``)."""
    from datetime import datetime

    from incubator_tui.i18n import t
    from incubator_tui.rules.months import local_minute

    ratings = session.execute(text(
        "SELECT r.id, r.year, r.composite, r.stars, r.original_stars, r.priority, r.inputs, r.finalised_at, "
        "r.finalised_by, r.publicity_until, o.centre_id FROM rating r JOIN organisation o ON o.id = r.org_id "
        "WHERE r.org_id = :o ORDER BY r.year DESC"), {"o": org_id}).all()
    if not ratings:
        return []
    if tz is None:
        from incubator_tui.services.dates import centre_timezone

        tz = centre_timezone(session, ratings[0].centre_id)

    # rating id -> [(instant, operator, kind, text, amendment or None)]
    events: dict[str, list[tuple[datetime, str, str, str, tuple[int, int, str] | None]]] = {}
    ids = {"ids": [r.id for r in ratings]}
    for rid, when, op, old, new, reason in session.execute(text(
        "SELECT rating_id, at, operator, old_stars, new_stars, reason FROM rating_amendment "
        "WHERE rating_id IN :ids ORDER BY at").bindparams(bindparam("ids", expanding=True)), ids).all():
        events.setdefault(rid, []).append((as_datetime(when), op, "amended",
                                           t("review.history.amended", old=old, new=new, reason=reason),
                                           (old, new, reason)))
    for rid, when, op, received, req, decision, reason, decided, decided_by in session.execute(text(
        "SELECT rating_id, recorded_at, recorded_by, received_on, text, decision, decision_reason, decided_at, "
        "decided_by FROM rating_request WHERE rating_id IN :ids ORDER BY recorded_at")
            .bindparams(bindparam("ids", expanding=True)), ids).all():
        story = events.setdefault(rid, [])
        story.append((as_datetime(when), op, "request", t("review.history.request", on=str(received)[:10], text=req),
                      None))
        if decision == "confirmed":
            # decided_at is set with the decision; without it, the decision follows its request
            story.append((as_datetime(when if decided is None else decided), decided_by, "confirmed",
                          t("review.history.confirmed", reason=reason), None))

    out = []
    for r in ratings:
        story = sorted(events.get(r.id, ()), key=lambda e: e[0])  # by the full instant; stable on ties
        inputs = json.loads(r.inputs) if isinstance(r.inputs, str) else (r.inputs or {})
        out.append(RatingHistory(
            r.year, r.original_stars, r.stars, Fraction(r.composite) if r.composite else None,
            _finalised_on(inputs, r.finalised_at), r.finalised_by, as_date(r.publicity_until),
            [(local_minute(when, tz), op, kind, what) for when, op, kind, what, _a in story],
            bool(r.priority), tuple(a for *_e, a in story if a is not None),
        ))
    return out


def annual_cases(session: Session, org_id: str, year: int) -> int:
    """How many ``annual`` cases the org has for the year (an amendment may open one)."""
    return session.execute(text("SELECT COUNT(*) FROM org_case WHERE org_id = :o AND kind = 'annual' AND year = :y"),
                           {"o": org_id, "y": year}).scalar() or 0
