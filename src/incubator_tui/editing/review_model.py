"""The annual review's editing models, without a terminal: the year's table and the peer dialog.

The same pattern as the scoring grid (:mod:`grid_model`): the model holds what
is typed (the buffer and the cell it goes into), what is committed (changed at
once, optimistically), what is refused and why; every operation returns an
:class:`~incubator_tui.editing.cell_typing.Outcome` with the saves to queue (the
screen puts them on an :class:`~incubator_tui.editing.save_queue.OrderedQueue`)
and the message to show.  A row is rated again, with the pure rules, as soon as
a value is typed: the composite and the stars follow the keys.

:class:`ReviewModel`: one row per organisation of the year; the cursor moves
over party, self, peer and public; digits and ``.`` type into party, self and
public (peer ratings are typed in the peer dialog: :class:`PeerModel`, one row
per other organisation of the centre that year, never the org itself).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from fractions import Fraction

from incubator_tui.editing.cell_typing import CellTyping, Notice, Outcome, Shown, error_text, refused
from incubator_tui.editing.failed_writes import FailedWrites, is_retryable
from incubator_tui.i18n import t
from incubator_tui.rules.errors import DomainError
from incubator_tui.rules.rating import MIN_PEER_RATERS, exact_sum, parse_component, rate, rating_state
from incubator_tui.rules.scoring import cents_to_text, format_total
from incubator_tui.services.reviews import LiveRating, PeerSheet, ReviewYear

EDIT_MARK = "_"
FAILED_MARK = "!"  # after a value whose save failed: kept, not saved (as the scoring grid marks it)
TYPED = ("party", "self", "public")  # typed on the table
CURSOR_COLUMNS = ("party", "self", "peer", "public")  # where the cursor goes
COLUMNS = ("org", "party", "self", "peer", "public", "monthly", "composite", "stars", "state", "note")
_generations = itertools.count(1)


@dataclass
class ValueJob:
    """Save one input typed on the table (``value_cent`` None: cleared)."""

    org_id: str
    org_name: str
    year: int
    component: str
    value_cent: int | None
    gen: int
    retry: bool = False  # saved again by ctrl+r


@dataclass(frozen=True)
class FailedValue:
    """A value typed on the table whose save failed for a reason a retry may mend (not in the database)."""

    org_id: str
    org_name: str
    year: int
    component: str
    value_cent: int | None
    error: str


class FailedValues(FailedWrites[FailedValue]):
    """The table's unsaved values by (year, org, component), oldest first: one per screen, handed
    from model to model, so that a year left and come back to still shows them and a retry saves
    those of every year (as the scoring grid's ``FailedSaves``)."""

    def __init__(self) -> None:
        super().__init__(lambda f: (f.year, f.org_id, f.component))

    def in_year(self, year: int) -> list[FailedValue]:
        return self.where(lambda f: f.year == year)


@dataclass
class PeerJob:
    """Save the rating one organisation gives another (``value_cent`` None: withdrawn)."""

    org_id: str
    org_name: str
    year: int
    rater_id: str
    rater_name: str
    value_cent: int | None
    gen: int
    retry: bool = False  # saved again by ctrl+r
    stored_cent: int | None = None  # the rating known to be in the database when the save was asked


@dataclass(frozen=True)
class FailedPeer:
    """A peer rating typed in the peer dialog whose save failed for a reason a retry may mend;
    ``stored_cent`` is the rating the database still has (the table's mean is worked out from it)."""

    org_id: str
    org_name: str
    year: int
    rater_id: str
    rater_name: str
    value_cent: int | None
    stored_cent: int | None
    error: str


class FailedPeers(FailedWrites[FailedPeer]):
    """The peer ratings not saved, by (year, org, rater), oldest first: one per review screen,
    shared by every peer dialog it opens, so that a dialog closed with unsaved ratings leaves
    them for the review's ``ctrl+r``, its table marks them and finalising waits for them."""

    def __init__(self) -> None:
        super().__init__(lambda f: (f.year, f.org_id, f.rater_id))
        self._stored: dict[tuple, int | None] = {}  # (year, org, rater) -> the rating last saved

    def of(self, org_id: str, year: int) -> list[FailedPeer]:
        return self.where(lambda f: f.org_id == org_id and f.year == year)

    def in_year(self, year: int) -> list[FailedPeer]:
        return self.where(lambda f: f.year == year)

    def take(self, org_id: str, year: int) -> list[FailedPeer]:
        """This organisation's and year's, out of the registry (to be saved again)."""
        out = self.of(org_id, year)
        for f in out:
            self.discard(year, org_id, f.rater_id)
        return out

    def saved(self, job: PeerJob) -> None:
        """``job`` saved: what the database has for its rater (a later failure's ``stored_cent``)."""
        self._stored[(job.year, job.org_id, job.rater_id)] = job.value_cent

    def stored_for(self, job: PeerJob) -> int | None:
        return self._stored.get((job.year, job.org_id, job.rater_id), job.stored_cent)

    def shown_peer(self, org_id: str, year: int, mean: Fraction | None, raters: int) -> tuple[Fraction | None, int]:
        """The peer mean and raters read from the database, the unsaved ratings counted instead
        of the stored ones they replace (the table shows what the dialog shows)."""
        total = (mean or Fraction(0)) * raters
        for f in self.of(org_id, year):
            if f.stored_cent is not None:
                total, raters = total - Fraction(f.stored_cent, 100), raters - 1
            if f.value_cent is not None:
                total, raters = total + Fraction(f.value_cent, 100), raters + 1
        return (total / raters if raters > 0 else None), max(raters, 0)

    def failed(self, job: PeerJob, error: BaseException, stored: int | None) -> str:
        """Keep ``job``'s rating as not saved; returns why it failed, as said."""
        text = error_text(error)
        self.add(FailedPeer(job.org_id, job.org_name, job.year, job.rater_id, job.rater_name, job.value_cent,
                            stored, text))
        return text


def peer_retry_job(f: FailedPeer) -> PeerJob:
    """The save of a rating not saved, once more."""
    return PeerJob(f.org_id, f.org_name, f.year, f.rater_id, f.rater_name, f.value_cent, next(_generations),
                   retry=True, stored_cent=f.stored_cent)


def peer_done(failed: FailedPeers, job: PeerJob, error: BaseException | None, retry_key: str) -> tuple[Outcome, bool]:
    """A peer rating's save finished with no dialog of its organisation open (closed since,
    or a retry from the table): (what to say, whether the table must be read again).  Jobs
    finish in the order asked, so the latest one of a rater decides: saved clears an earlier
    failure; a failure a retry may mend is kept for ``ctrl+r``; a refusal by the rules is
    said, and the table read again (its mean had counted the rating)."""
    if error is None:
        failed.saved(job)
        failed.discard(job.year, job.org_id, job.rater_id)
        if job.retry:
            return Outcome(notices=[Notice(t("review.ui.retry_saved_peer", name=job.org_name, year=job.year,
                                             rater=job.rater_name))]), False
        return Outcome(), False
    if is_retryable(error):
        text = failed.failed(job, error, failed.stored_for(job))
        return Outcome(notices=[Notice(t("review.peer.save_failed_kept_in", name=job.org_name, rater=job.rater_name,
                                         error=text, key=retry_key), "error", 10)]), False
    return Outcome(notices=[Notice(t("review.peer.save_failed_in", name=job.org_name, rater=job.rater_name,
                                     error=error_text(error)), "error", 10)]), True


def cents_of(value: Fraction | None) -> int | None:
    return None if value is None else int(value * 100)


def number(value: Fraction | None, places: int = 1) -> str:
    return "—" if value is None else format_total(value, places)


def input_text(value: Fraction | None) -> str:
    """An input as stored: exact (up to two decimals), as it was typed."""
    return "" if value is None else cents_to_text(int(value * 100))


def stars_text(stars: int | None) -> str:
    return "—" if stars is None else "★" * stars + "☆" * (5 - stars)


class _Typing(CellTyping):
    """What is typed into one cell: shared by the table and the peer dialog."""

    TYPE_CLEARS_NOTICE = True

    def _start(self, rows: int) -> None:
        """Nothing typed, the cursor on the first row, nothing being saved."""
        self.row = 0
        self.buffer = None
        self.edit_at = None
        self.versions = [0] * rows
        self.epoch = 0
        self.dirty: set[int] = set()
        self._gen: dict = {}  # a value's key -> the generation of its latest edit
        self._confirmed: dict = {}  # a value's key -> the last value known to be in the database
        self.waiting: dict = {}  # a value's key -> the generation being saved

    def _edited(self, key: object, old: object) -> int:
        """A value changed (``old``: what it was): the generation its save carries."""
        self._confirmed.setdefault(key, old)
        gen = self._gen[key] = self.waiting[key] = next(_generations)
        return gen

    def _saved(self, key: object, gen: int, value: object) -> None:
        self._confirmed[key] = value
        if self.waiting.get(key) == gen:
            del self.waiting[key]

    def _not_saved(self, key: object, gen: int) -> bool:
        """A save failed: True when it was the value's latest edit (what was confirmed comes back)."""
        if self._gen.get(key) != gen:
            return False
        self.waiting.pop(key, None)
        return True

    def typed_value(self) -> tuple[bool, int | None]:
        """(valid, cents) of the text being typed."""
        try:
            return True, parse_component(self.buffer)
        except DomainError:
            return False, None

    def typed_error(self) -> str:
        try:
            parse_component(self.buffer)
        except DomainError as err:
            return str(err)
        return ""


# -- the year's table -------------------------------------------------------------------------------------
class ReviewModel(_Typing):
    """The year's review as the user edits it."""

    def __init__(self, data: ReviewYear, centre_id: str, failed: FailedValues | None = None,
                 failed_peers: FailedPeers | None = None) -> None:
        self.centre_id = centre_id
        self.year = data.year
        self.rows: list[LiveRating] = [replace(r, components=dict(r.components), warnings=list(r.warnings))
                                       for r in data.rows]
        # The year's settings (each centre's, see ``ReviewYear.of_centre``), without the rows read:
        # the model edits its own copies of them, and the rows read (thousands: a few MB) go.
        self.data = replace(data, rows=[], by_centre={c: replace(y, rows=[]) for c, y in data.by_centre.items()})
        self.row_of = {r.org_id: n for n, r in enumerate(self.rows)}
        self._start(len(self.rows))  # keys: (org, component)
        self.col = 0  # index into CURSOR_COLUMNS
        self.failed = failed if failed is not None else FailedValues()
        self.retry_key = "ctrl+r"  # as the screen binds it (users may remap it)
        for f in self.failed.in_year(self.year):  # shown again as the user left them
            r = self.row_of.get(f.org_id)
            if r is not None and not self.rows[r].finalised:
                row = self.rows[r]
                self._confirmed.setdefault((f.org_id, f.component), row.components.get(f.component))
                row.components[f.component] = None if f.value_cent is None else Fraction(f.value_cent, 100)
                self._rerate(r)
        self.failed_peers = failed_peers if failed_peers is not None else FailedPeers()
        for org_id in {f.org_id for f in self.failed_peers.in_year(self.year)}:  # peer ratings not saved
            r = self.row_of.get(org_id)
            if r is not None and not self.rows[r].finalised:
                row = self.rows[r]
                row.components["peer"], row.peer_raters = self.failed_peers.shown_peer(
                    org_id, self.year, row.components.get("peer"), row.peer_raters)
                self._rerate(r)

    # -- carrying over (the first page, then the whole year; a reload) --------------------------------------
    def adopt(self, old: ReviewModel) -> None:
        """Take the cursor and what is typed from the model this one replaces (same org, same column)."""
        at = old.rows[old.row].org_id if old.rows else None
        self.col = old.col
        if at in self.row_of:
            self.row = self.row_of[at]
        else:
            self.row = min(old.row, max(len(self.rows) - 1, 0))
        if old.buffer is not None and old.edit_at is not None:
            org_id = old.rows[old.edit_at[0]].org_id
            if org_id in self.row_of:
                self.buffer, self.edit_at = old.buffer, (self.row_of[org_id], old.edit_at[1])
        # Values saved meanwhile but not yet in what was read keep showing as typed.
        for (org_id, comp), gen in old.waiting.items():
            r, r_old = self.row_of.get(org_id), old.row_of.get(org_id)
            if r is not None and r_old is not None and not self.rows[r].finalised:
                self.rows[r].components[comp] = old.rows[r_old].components.get(comp)
                self.waiting[(org_id, comp)] = self._gen[(org_id, comp)] = gen
                self._rerate(r)

    # -- reading -----------------------------------------------------------------------------------------------
    @property
    def has_rows(self) -> bool:
        return bool(self.rows)

    @property
    def column(self) -> str:
        return CURSOR_COLUMNS[self.col]

    @property
    def cursor_column(self) -> int:
        """The cursor's column among :data:`COLUMNS` (the widget draws it there)."""
        return COLUMNS.index(self.column)

    def current(self) -> LiveRating | None:
        return self.rows[self.row] if self.rows else None

    def _rated(self, r: int, override: tuple[str, int | None] | None = None) -> LiveRating:
        """Row ``r``, rated again with ``override`` = (component, cents) typed in."""
        row = self.rows[r]
        if override is None or row.finalised:
            return row
        comps = dict(row.components)
        comps[override[0]] = None if override[1] is None else Fraction(override[1], 100)
        return self._rate(row, comps)

    def _rate(self, row: LiveRating, comps: dict) -> LiveRating:
        d = self.data.of_centre(row.centre_id)  # several centres shown: each row by its own settings
        res = rate(comps, d.weights, d.cutoffs, d.party_gate, d.party_cap, vetoed=bool(row.veto))
        return replace(row, components=comps, composite=res.composite, stars=res.stars, missing=res.missing,
                       capped=res.capped, vetoed=res.vetoed, state=rating_state(False, False, res.vetoed))

    def _rerate(self, r: int) -> None:
        row = self.rows[r]
        if not row.finalised:
            self.rows[r] = self._rate(row, row.components)

    def notes(self, row: LiveRating) -> list[tuple[str, str]]:
        """The row's warnings and states, as (text, look)."""
        out: list[tuple[str, str]] = []
        d = self.data.of_centre(row.centre_id)
        unsaved = [c for c in TYPED if self.failed and self.failed.get(self.year, row.org_id, c) is not None]
        if self.failed_peers and self.peer_unsaved(row.org_id):
            unsaved.insert(len(unsaved) - (unsaved[-1:] == ["public"]), "peer")  # in the columns' order
        if unsaved:  # the composite and the stars count the values shown, saved or not
            out.append((t("review.ui.note.failed", what=t("sep.enum").join(t(f"rules.component.{c}")
                                                                          for c in unsaved)), "error"))
        if row.vetoed:
            out.append((t("review.ui.note.veto", text=row.veto), "error"))
        if row.missing and not row.vetoed:
            out.append((t("review.ui.missing", what=t("sep.enum").join(t(f"rules.component.{c}") for c in row.missing)),
                        "muted"))
        if row.capped:
            out.append((t("review.ui.capped"), "warn"))
        if d.weights.get("peer", 0) and row.peer_raters < MIN_PEER_RATERS and not row.finalised:
            out.append((t("review.ui.note.few_peers", n=row.peer_raters, min=MIN_PEER_RATERS), "warn"))
        if row.monthly_months < d.min_months and not row.finalised:
            out.append((t("review.ui.note.few_months", n=row.monthly_months, min=d.min_months), "warn"))
        if row.request:
            out.append((t("review.ui.note.request", text=row.request), "warn"))
        elif row.finalised and row.publicity_until is not None:
            out.append((t("review.ui.note.publicity", until=row.publicity_until.isoformat()), "muted"))
        return out

    def row_view(self, r: int) -> list[Shown]:
        """Every column of row ``r`` (see :data:`COLUMNS`), the value being typed counted in."""
        override = None
        typing_here = self.edit_at is not None and self.edit_at[0] == r
        if typing_here:
            valid, cents = self.typed_value()
            if valid:
                override = (CURSOR_COLUMNS[self.edit_at[1]], cents)
        row = self._rated(r, override)
        muted = "muted" if row.stars is None and not row.vetoed else None
        cells = [Shown(row.org, "error" if row.vetoed else None)]
        for comp in ("party", "self", "peer", "public"):
            if typing_here and CURSOR_COLUMNS[self.edit_at[1]] == comp:
                valid = override is not None
                cells.append(Shown(self.buffer + EDIT_MARK, "editing" if valid else "invalid"))
            elif comp == "peer":
                peer = row.components.get("peer")
                few = row.peer_raters < MIN_PEER_RATERS and self.data.of_centre(row.centre_id).weights.get("peer", 0)
                if self.failed_peers and self.peer_unsaved(row.org_id):
                    cells.append(Shown(f"{number(peer)} ({row.peer_raters})", "failed", FAILED_MARK, "failed"))
                else:
                    cells.append(Shown(f"{number(peer)} ({row.peer_raters})", "warn" if few and not row.finalised
                                       else muted))
            elif self.failed and self.failed.get(self.year, row.org_id, comp) is not None:
                cells.append(Shown(input_text(row.components.get(comp)) or "·", "failed", FAILED_MARK, "failed"))
            else:
                cells.append(Shown(input_text(row.components.get(comp)) or "·", muted))
        monthly = row.components.get("monthly")
        cells.append(Shown(f"{number(monthly)} ({row.monthly_months})",
                           "warn" if monthly is None and not row.finalised else muted))
        cells.append(Shown(number(row.composite, 2), muted))
        stars_look = "error" if row.vetoed or (row.stars is not None and row.stars <= 3) else "good"
        cells.append(Shown(stars_text(row.stars), stars_look if row.stars is not None else "muted"))
        cells.append(Shown(t(f"review.state.{row.state}"), "good" if row.finalised else
                           "error" if row.vetoed else "muted"))
        notes = self.notes(row)
        cells.append(Shown("；".join(text for text, _ in notes), notes[0][1] if notes else None))
        return cells

    def detail(self) -> str:
        """The line under the table: the cell under the cursor, or what is being typed."""
        row = self.current()
        if row is None:
            return ""
        if self.buffer is not None:
            error = self.typed_error()
            return t("review.ui.detail.typing", text=self.buffer) + (f" · {error}" if error else "")
        parts = [t("review.ui.detail", name=row.org, component=t(f"rules.component.{self.column}"))]
        if self.column == "peer":
            parts.append(t("review.ui.detail.peer", n=row.peer_raters))
            if unsaved := self.peer_unsaved(row.org_id):
                parts.append(t("review.ui.detail.peer_failed", n=unsaved, key=self.retry_key))
        elif row.finalised:
            parts.append(t("review.ui.detail.frozen"))
        elif (failed := self.failed.get(self.year, row.org_id, self.column) if self.failed else None) is not None:
            parts.append(t("review.ui.detail.failed", error=failed.error, key=self.retry_key))
        else:
            parts.append(t("review.ui.detail.typed"))
        return " · ".join(parts)

    def counts(self) -> dict[str, int]:
        rated = [r for r in self.rows if r.stars is not None]
        return {"n": len(self.rows), "rated": len(rated), "unrated": len(self.rows) - len(rated),
                "finalised": sum(1 for r in self.rows if r.finalised),
                "five": sum(1 for r in rated if r.stars == 5), "low": sum(1 for r in rated if r.stars <= 3)}

    # -- drawing bookkeeping ------------------------------------------------------------------------------------
    def _move_to(self, r: int, c: int) -> None:
        if (r, c) != (self.row, self.col):
            self.dirty.add(self.row)
            self.dirty.add(r)
        self.row, self.col = r, c

    # -- typing ---------------------------------------------------------------------------------------------------
    def _refusal(self, column: str | None = None) -> str | None:
        row = self.current()
        if row is None:
            return t("review.ui.no_rows")
        column = column or self.column
        if column == "peer":
            return t("review.ui.peer_by_dialog")
        if row.finalised:
            return t("review.finalised_frozen", name=row.org, year=self.year)
        return None

    def _typing_at(self) -> tuple[int, int]:
        return self.row, self.col

    def commit_typing(self, quiet: bool = False) -> Outcome:
        """Commit what is typed; refused in place (it stays typed, marked) when not 0-100."""
        if self.buffer is None:
            return Outcome()
        r, c = self.edit_at
        valid, cents = self.typed_value()
        if not valid:
            return refused(None if quiet else t("review.ui.refused", name=self.rows[r].org,
                                                component=t(f"rules.component.{CURSOR_COLUMNS[c]}"),
                                                error=self.typed_error()))
        self.buffer, self.edit_at = None, None
        self._touch(r)
        out = self._set(r, CURSOR_COLUMNS[c], cents)
        out.clear_notice = True
        return out

    def commit_next(self) -> Outcome:
        """Enter: commit, then the next typed column (after public, the next organisation's party)."""
        if not self.rows:
            return Outcome()
        at = self.edit_at or (self.row, self.col)
        out = self.commit_typing()
        if out.ok:
            r, c = at
            nxt = next((i for i in range(c + 1, len(CURSOR_COLUMNS)) if CURSOR_COLUMNS[i] in TYPED), None)
            if nxt is not None:
                self._move_to(r, nxt)
            elif r + 1 < len(self.rows):
                self._move_to(r + 1, 0)
            else:
                self._move_to(r, c)
        return out

    def _clear_here(self) -> Outcome:
        if self.rows[self.row].components.get(self.column) is None:
            return Outcome()
        return self._set(self.row, self.column, None)

    def move(self, rows: int, cols: int) -> Outcome:
        if not self.rows:
            return Outcome()
        out = self.commit_typing()
        if out.ok:
            r = min(max(self.row + rows, 0), len(self.rows) - 1)
            c = min(max(self.col + cols, 0), len(CURSOR_COLUMNS) - 1)
            self._move_to(r, c)
        return out

    def first_row(self) -> Outcome:
        return self.move(-self.row, 0)

    def last_row(self) -> Outcome:
        return self.move(len(self.rows) - 1 - self.row, 0)

    def goto(self, r: int, column: int) -> Outcome:
        """A click on row ``r``, display column ``column`` (of :data:`COLUMNS`)."""
        if not self.rows:
            return Outcome()
        out = self.leave() if self.edit_at is not None else Outcome()
        name = COLUMNS[min(max(column, 0), len(COLUMNS) - 1)]
        c = CURSOR_COLUMNS.index(name) if name in CURSOR_COLUMNS else self.col
        self._move_to(min(max(r, 0), len(self.rows) - 1), c)
        return out

    def target(self) -> tuple[Outcome, LiveRating | None]:
        """The organisation a dialog key works on (what is typed committed first), or a refusal."""
        if not self.rows:
            return refused(t("review.ui.no_rows")), None
        out = self.commit_typing()
        if not out.ok:
            return out, None
        return out, self.rows[self.row]

    # -- saving -------------------------------------------------------------------------------------------------
    def _set(self, r: int, component: str, cents: int | None) -> Outcome:
        row = self.rows[r]
        old = row.components.get(component)
        new = None if cents is None else Fraction(cents, 100)
        if old == new and not (self.failed and self.failed.get(self.year, row.org_id, component)):
            return Outcome()  # (the same value typed again over one not saved: saved again)
        key = (row.org_id, component)
        gen = self._edited(key, old)
        self.failed.discard(self.year, row.org_id, component)  # this edit replaces it
        row.components[component] = new
        self._rerate(r)
        self._touch(r)
        return Outcome(saves=[ValueJob(row.org_id, row.org, self.year, component, cents, gen)])

    def save_done(self, job: ValueJob) -> None:
        if job.year != self.year:
            return
        key = (job.org_id, job.component)
        self._saved(key, job.gen, None if job.value_cent is None else Fraction(job.value_cent, 100))

    def save_failed(self, job: ValueJob, error: BaseException) -> Outcome:
        """Not saved.  A failure a retry may mend (the database busy, full, read-only, replaced):
        the value stays, marked not saved, for ``retry``; a refusal by the rules (the rating
        finalised meanwhile...): the value known to be in the database comes back.  Either way
        the message says why.  ``job`` may be of another year than the one shown (a retry)."""
        key = (job.org_id, job.component)
        r = self.row_of.get(job.org_id) if job.year == self.year else None
        text = error_text(error)
        if is_retryable(error):
            if r is not None:
                gen = self._gen.get(key)
                if gen not in (None, job.gen):
                    return Outcome()  # a newer edit of the value is on its way: it carries the value
                self.waiting.pop(key, None)
                row = self.rows[r]
                if gen is None:  # the year was read again meanwhile: show the value given, again
                    self._confirmed.setdefault(key, row.components.get(job.component))
                    row.components[job.component] = None if job.value_cent is None else Fraction(job.value_cent, 100)
                    self._rerate(r)
                self._touch(r)
            self.failed.add(FailedValue(job.org_id, job.org_name, job.year, job.component, job.value_cent, text))
            return Outcome(notices=[Notice(t("review.ui.save_failed_kept", name=job.org_name,
                                             component=t(f"rules.component.{job.component}"), error=text,
                                             key=self.retry_key), "error", 10)])
        if r is not None and self._not_saved(key, job.gen):
            self.rows[r].components[job.component] = self._confirmed.get(key)
            self._rerate(r)
            self._touch(r)
        return Outcome(notices=[Notice(t("review.ui.save_failed", name=job.org_name,
                                         component=t(f"rules.component.{job.component}"),
                                         error=text), "error", 10)])

    def retry(self) -> Outcome:
        """Save again every value whose save failed (this year's and others'), in the order they failed."""
        failed = self.failed.take_all()
        peers = self.failed_peers.take_all()  # the peer dialog's, left when it was closed
        if not failed and not peers:
            return Outcome(notices=[Notice(t("review.ui.nothing_to_retry"))])
        out = Outcome(notices=[Notice(t("review.ui.retrying", count=len(failed) + len(peers)))])
        for f in peers:
            out.saves.append(peer_retry_job(f))
            self.peer_changed(f.org_id, f.year)
        for f in failed:
            gen = next(_generations)
            job = ValueJob(f.org_id, f.org_name, f.year, f.component, f.value_cent, gen, retry=True)
            r = self.row_of.get(f.org_id) if f.year == self.year else None
            if r is not None:
                self._gen[(f.org_id, f.component)] = self.waiting[(f.org_id, f.component)] = gen
                self._touch(r)
            out.saves.append(job)
        return out

    # -- what the dialogs changed ---------------------------------------------------------------------------
    def peer_unsaved(self, org_id: str) -> int:
        """How many of the org's peer ratings of the year shown are not saved (typed in its dialog)."""
        return len(self.failed_peers.of(org_id, self.year)) if self.failed_peers else 0

    def peer_changed(self, org_id: str, year: int) -> None:
        """A peer rating of the org was saved or not: its row is drawn again."""
        r = self.row_of.get(org_id) if year == self.year else None
        if r is not None:
            self._touch(r)

    def set_peer(self, org_id: str, mean: Fraction | None, raters: int) -> None:
        r = self.row_of.get(org_id)
        if r is None or self.rows[r].finalised:
            return
        row = self.rows[r]
        row.components["peer"], row.peer_raters = mean, raters
        self._rerate(r)
        self._touch(r)

    def set_veto(self, org_id: str, text: str) -> None:
        r = self.row_of.get(org_id)
        if r is None:
            return
        row = self.rows[r]
        row.veto = text
        if row.finalised:
            self.rows[r] = replace(row, vetoed=True, stars=1, state="amended" if row.stars != 1 else row.state,
                                   priority=False)
        else:
            self._rerate(r)
        self._touch(r)


# -- the peer dialog -------------------------------------------------------------------------------------------------
class PeerModel(_Typing):
    """The ratings other organisations give one organisation, typed one per line.

    A rating whose save fails for a reason a retry may mend stays shown, marked ``!``, in
    ``failed`` (the review screen's :class:`FailedPeers`, which outlives the dialog); ``retry``
    saves this organisation's again; the dialog opened again shows them, still marked."""

    def __init__(self, sheet: PeerSheet, failed: FailedPeers | None = None, retry_key: str = "ctrl+r") -> None:
        self.sheet = sheet
        self.values: list[int | None] = [v for _id, _name, v in sheet.raters]
        self.row_of = {rid: n for n, (rid, _name, _v) in enumerate(sheet.raters)}
        self._start(len(self.values))  # keys: the rater's row
        self.failed = failed if failed is not None else FailedPeers()
        self.retry_key = retry_key
        for f in self.failed.of(sheet.org_id, sheet.year):  # shown again as the user left them
            r = self.row_of.get(f.rater_id)
            if r is not None:
                self._confirmed[r] = self.values[r]
                self.values[r] = f.value_cent

    @property
    def has_rows(self) -> bool:
        return bool(self.values)

    def unsaved(self, r: int) -> FailedPeer | None:
        if not self.failed:
            return None
        return self.failed.get(self.sheet.year, self.sheet.org_id, self.sheet.raters[r][0])

    def unsaved_count(self) -> int:
        return len(self.failed.of(self.sheet.org_id, self.sheet.year)) if self.failed else 0

    def mean(self) -> tuple[Fraction | None, int]:
        """The peer component as it stands, the value being typed counted in: (mean, raters)."""
        values = list(self.values)
        if self.edit_at is not None:
            valid, cents = self.typed_value()
            if valid:
                values[self.edit_at[0]] = cents
        counted = [v for v in values if v is not None] + list(self.sheet.unnamed)
        if not counted:
            return None, 0
        return exact_sum(Fraction(v, 100) for v in counted) / len(counted), len(counted)

    def summary(self) -> str:
        mean, n = self.mean()
        text = t("review.peer.mean", mean=number(mean), n=n)
        if self.sheet.unnamed:
            text += t("review.peer.unnamed", n=len(self.sheet.unnamed))
        if n < MIN_PEER_RATERS:
            text += " · " + t("review.ui.note.few_peers", n=n, min=MIN_PEER_RATERS)
        if unsaved := self.unsaved_count():  # the mean counts them, as shown
            text += " · " + t("review.peer.unsaved", n=unsaved, key=self.retry_key)
        return text

    def row_view(self, r: int) -> list[Shown]:
        _id, name, _v = self.sheet.raters[r]
        if self.edit_at is not None and self.edit_at[0] == r:
            valid, _ = self.typed_value()
            return [Shown(name), Shown(self.buffer + EDIT_MARK, "editing" if valid else "invalid")]
        value = self.values[r]
        text = "·" if value is None else cents_to_text(value)
        if self.unsaved(r) is not None:
            return [Shown(name), Shown(text, "failed", FAILED_MARK, "failed")]
        return [Shown(name), Shown(text, None if value is not None else "muted")]

    @property
    def cursor_column(self) -> int:
        return 1

    def _move_to(self, r: int) -> None:
        if r != self.row:
            self.dirty.update((self.row, r))
        self.row = r

    def _refusal(self) -> str | None:
        if not self.values:
            return t("review.peer.no_raters")
        if self.sheet.finalised:
            return t("review.finalised_frozen", name=self.sheet.org, year=self.sheet.year)
        return None

    def _typing_at(self) -> tuple[int, int]:
        return self.row, 1

    def commit_typing(self, quiet: bool = False) -> Outcome:
        if self.buffer is None:
            return Outcome()
        r = self.edit_at[0]
        valid, cents = self.typed_value()
        if not valid:
            return refused(None if quiet else t("review.peer.refused", rater=self.sheet.raters[r][1],
                                                error=self.typed_error()))
        self.buffer, self.edit_at = None, None
        self._touch(r)
        out = self._set(r, cents)
        out.clear_notice = True
        return out

    def commit_next(self) -> Outcome:
        if not self.values:
            return Outcome()
        at = self.edit_at[0] if self.edit_at else self.row
        out = self.commit_typing()
        if out.ok:
            self._move_to(min(at + 1, len(self.values) - 1))
        return out

    def _clear_here(self) -> Outcome:
        if self.values[self.row] is None and self.unsaved(self.row) is None:
            return Outcome()
        return self._set(self.row, None)

    def move(self, rows: int, _cols: int = 0) -> Outcome:
        if not self.values:
            return Outcome()
        out = self.commit_typing()
        if out.ok:
            self._move_to(min(max(self.row + rows, 0), len(self.values) - 1))
        return out

    def first_row(self) -> Outcome:
        return self.move(-self.row)

    def last_row(self) -> Outcome:
        return self.move(len(self.values) - 1 - self.row)

    def goto(self, r: int, _column: int) -> Outcome:
        if not self.values:
            return Outcome()
        out = self.leave() if self.edit_at is not None else Outcome()
        self._move_to(min(max(r, 0), len(self.values) - 1))
        return out

    def _set(self, r: int, cents: int | None) -> Outcome:
        if self.values[r] == cents and self.unsaved(r) is None:
            return Outcome()  # (the same value typed again over one not saved: saved again)
        gen = self._edited(r, self.values[r])
        rater_id, rater_name, _ = self.sheet.raters[r]
        s = self.sheet
        self.failed.discard(s.year, s.org_id, rater_id)  # this edit replaces it
        self.values[r] = cents
        self._touch(r)
        return Outcome(saves=[PeerJob(s.org_id, s.org, s.year, rater_id, rater_name, cents, gen,
                                      stored_cent=self._confirmed.get(r))])

    def owns(self, job: PeerJob) -> bool:
        """``job`` rates this dialog's organisation and year (its result is this model's)."""
        return job.org_id == self.sheet.org_id and job.year == self.sheet.year and job.rater_id in self.row_of

    def save_done(self, job: PeerJob) -> Outcome:
        self.failed.saved(job)
        r = self.row_of.get(job.rater_id)
        if r is None:
            return Outcome()
        self._saved(r, job.gen, job.value_cent)
        self._touch(r)
        if job.retry:
            return Outcome(notices=[Notice(t("review.peer.retry_saved", rater=job.rater_name))])
        return Outcome()

    def save_failed(self, job: PeerJob, error: BaseException) -> Outcome:
        """Not saved.  A failure a retry may mend (the database busy, full, read-only, replaced):
        the rating stays, marked not saved, for ``retry`` (here or, once the dialog is closed, the
        review's); a refusal by the rules (the rating finalised meanwhile...): the rating known to
        be in the database comes back.  Either way the message says why."""
        r = self.row_of.get(job.rater_id)
        if is_retryable(error):
            if r is not None:
                gen = self._gen.get(r)
                if gen not in (None, job.gen):
                    return Outcome()  # a newer edit of the rating is on its way: it carries the value
                self.waiting.pop(r, None)
                if gen is None:  # read again since it was asked (the dialog opened anew): shown again
                    self._confirmed.setdefault(r, self.values[r])
                    self.values[r] = job.value_cent
                self._touch(r)
            stored = self._confirmed.get(r, job.stored_cent) if r is not None else job.stored_cent
            text = self.failed.failed(job, error, stored)
            return Outcome(notices=[Notice(t("review.peer.save_failed_kept", rater=job.rater_name, error=text,
                                             key=self.retry_key), "error", 10)])
        if r is not None and self._not_saved(r, job.gen):
            self.values[r] = self._confirmed.get(r)
            self._touch(r)
        return Outcome(notices=[Notice(t("review.peer.save_failed", rater=job.rater_name,
                                         error=error_text(error)), "error", 10)])

    def retry(self) -> Outcome:
        """Save again every rating of this organisation and year whose save failed, oldest first."""
        failed = self.failed.take(self.sheet.org_id, self.sheet.year)
        if not failed:
            return Outcome(notices=[Notice(t("review.ui.nothing_to_retry"))])
        out = Outcome(notices=[Notice(t("review.ui.retrying", count=len(failed)))])
        for f in failed:
            job = peer_retry_job(f)
            r = self.row_of.get(f.rater_id)
            if r is not None:
                self._gen[r] = self.waiting[r] = job.gen
                self._touch(r)
            out.saves.append(job)
        return out


def execute(db, operator: str, job) -> object:  # noqa: ANN001
    """Carry out one review write (on the ordered queue's worker thread), one transaction."""
    from incubator_tui.services import reviews

    if isinstance(job, ReviewOp):
        return execute_op(db, operator, job)
    with db.session() as s:
        if isinstance(job, ValueJob):
            reviews.set_review_value(s, job.org_id, job.year, job.component, job.value_cent, operator)
            return None
        if isinstance(job, PeerJob):
            return reviews.set_peer_rating(s, job.org_id, job.year, job.rater_id, job.value_cent, operator)
    raise ValueError(job)


@dataclass
class ReviewOp:
    """A dialog's write: veto, finalise, amend, request (a request for review), confirm."""

    kind: str
    centre_id: str
    year: int
    org_id: str = ""
    org_name: str = ""
    rating_id: str = ""
    stars: int = 0
    text: str = ""


@dataclass
class OpResult:
    """What a dialog's write did, as plain data for the screen."""

    case_opened: bool = False
    amended: bool = False
    finalised: object = None  # a services.reviews.FinaliseResult (plain rows)


def execute_op(db, operator: str, job: ReviewOp) -> OpResult:  # noqa: ANN001
    from incubator_tui.services import reviews

    with db.session() as s:
        if job.kind == "veto":
            res = reviews.record_veto(s, job.org_id, job.year, job.text, operator)
            return OpResult(case_opened=res.case is not None, amended=res.amended)
        if job.kind == "finalise":
            return OpResult(finalised=reviews.finalise_year(s, job.centre_id, job.year, operator))
        if job.kind == "amend":
            before = reviews.annual_cases(s, job.org_id, job.year)
            reviews.amend_rating(s, job.rating_id, job.stars, job.text, operator)
            return OpResult(case_opened=reviews.annual_cases(s, job.org_id, job.year) > before, amended=True)
        if job.kind == "request":
            reviews.request_review(s, job.rating_id, job.text, operator)
            return OpResult()
        if job.kind == "confirm":
            reviews.confirm_rating(s, job.rating_id, job.text, operator)
            return OpResult()
    raise ValueError(job.kind)

