"""年度考评 (r): the year's live (or finalised) ratings, read-only for now.

One row per organisation from ``services.reviews.ratings_for_year``: the five
components, the composite, the stars, and why an org cannot be rated yet.
``[`` and ``]`` change the year (default: the last complete year).
Entering inputs and finalising come in a later version.

A district has thousands of organisations: the table gets a page of rows at a
time (more as the cursor nears the end), with its column widths worked out
from every row beforehand so that they do not change as pages are added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Static

from incubator_tui.i18n import t
from incubator_tui.rules.rating import COMPONENTS
from incubator_tui.rules.scoring import format_total
from incubator_tui.screens.base import BaseScreen, LoadCancelled
from incubator_tui.screens.paged import PAGE, PagedTable, cursor_bindings
from incubator_tui.widgets.format import fit, name_width, stars_text
from incubator_tui.widgets.key_bar import KeyBar
from incubator_tui.widgets.safe_text import message


TABLE_COLUMNS = ("org", *COMPONENTS, "composite", "stars", "status")
NUMBER_WIDTHS = {**{c: len("100.0") for c in COMPONENTS}, "composite": len("100.00")}
LOADING_DELAY = 0.3  # seconds before the first load shows a loading indicator


NOT_RATED = "—"


def number_text(value: Fraction | None, places: int = 1) -> str:
    return "—" if value is None else format_total(value, places)


def status_text(r) -> str:  # noqa: ANN001 - a LiveRating
    parts = []
    if r.finalised:
        parts.append(t("review.ui.finalised"))
    if r.vetoed:
        parts.append(t("review.ui.vetoed"))
    if r.missing:
        parts.append(t("review.ui.missing", what="、".join(t(f"rules.component.{c}") for c in r.missing)))
    if r.capped:
        parts.append(t("review.ui.capped"))
    return "；".join(parts) if parts else t("review.ui.live")


@dataclass
class Prepared:
    """A year's rows with the column widths worked out (in the loading worker, not the UI);
    each row's cell texts are made when the row is first shown (the table adds pages)."""

    rows: list  # LiveRatings, by name
    widest: tuple[str, ...]  # each column's widest text ("" without rows)
    name_cells: list[int]  # cell_len of each row's name
    _texts: dict[int, tuple[str, ...]] = field(default_factory=dict)
    _statuses: dict[tuple, str] = field(default_factory=dict)

    def texts(self, i: int) -> tuple[str, ...]:
        """Row ``i``'s cell texts: name, components, composite, stars, status."""
        texts = self._texts.get(i)
        if texts is None:
            r = self.rows[i]
            comps = r.components
            texts = self._texts[i] = (
                r.org, *[number_text(comps.get(c)) for c in COMPONENTS], number_text(r.composite, 2),
                stars_text(r.stars, NOT_RATED), self._status(r),
            )
        return texts

    def _status(self, r) -> str:  # noqa: ANN001 - a LiveRating
        key = (r.finalised, r.vetoed, r.missing, r.capped)
        text = self._statuses.get(key)
        if text is None:
            text = self._statuses[key] = status_text(r)
        return text


def _widest_number(values: list, places: int) -> str:
    """The widest text of these values (0..100 or None) without formatting them all: the
    largest value's text is the longest number (rounding keeps the order); "—" for None."""
    present = [v for v in values if v is not None]
    candidates = [number_text(max(present), places)] if present else []
    if len(present) < len(values):
        candidates.append(number_text(None))
    return max(candidates, key=cell_len, default="")


def prepare(rows: list) -> Prepared:
    """The column widths for every row (cheaply: from the extremes and the few distinct texts)."""
    prepared = Prepared(rows, (), [cell_len(r.org) for r in rows])
    if not rows:
        prepared.widest = ("",) * len(TABLE_COLUMNS)
        return prepared
    names = prepared.name_cells
    statuses = {(r.finalised, r.vetoed, r.missing, r.capped): r for r in rows}
    prepared.widest = (
        rows[max(range(len(rows)), key=names.__getitem__)].org,
        *[_widest_number([r.components.get(c) for r in rows], 1) for c in COMPONENTS],
        _widest_number([r.composite for r in rows], 2),
        max({stars_text(r.stars, NOT_RATED) for r in rows}, key=cell_len),
        max((prepared._status(r) for r in statuses.values()), key=cell_len),
    )
    return prepared


def fitted_width(names: list[str], name_cells: list[int], width: int) -> int:
    """The widest ``fit(name, width).rstrip()`` of the names (the name column's cells), fitting
    only the names longer than ``width``; a cut name is ``width`` cells, or one less."""
    widest = 0
    for name, cells in zip(names, name_cells):
        if cells > width:
            widest = max(widest, cell_len(fit(name, width).rstrip()))
        elif cells > widest:
            widest = max(widest, cell_len(name.rstrip()))
        if widest >= width:
            break
    return widest


class ReviewScreen(PagedTable, BaseScreen):
    BINDINGS = [
        Binding("left_square_bracket", "year(-1)", "key.year_prev", id="review.year_prev", key_display="["),
        Binding("right_square_bracket", "year(1)", "key.year_next", id="review.year_next", key_display="]"),
        Binding("f5", "reload", "key.reload", id="review.reload"),
        *cursor_bindings("review"),
    ]

    year: int = 0
    rows: list = []
    loaded = False
    prepared: Prepared | None = None
    _filled_year = 0  # the year the table shows
    _complete_year = 0  # the year whose every row has been read (not only its first page)
    partial = False  # the table shows the first page of the year, the rest is being worked out
    _name_w = 0
    _styles: tuple[str, str, str] = ("", "", "")  # error, muted, good

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="review-body"):
            yield Static("", id="review-summary", classes="screen-summary", markup=False)
            yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        from incubator_tui.services.clock import today

        self.year = today().year - 1  # the last complete year
        self.title = t("review.ui.title")
        self.sub_title = self.iapp.centre_name
        # The table is empty until the first rows come: a loading indicator only if they are
        # slow to come (shown and taken away again, it would cost the first paint a second one).
        self.set_timer(LOADING_DELAY, self._slow_first_load)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._fill())
        self.reload()

    def _slow_first_load(self) -> None:
        if not self.loaded:
            self.query_one("#review-table", DataTable).loading = True

    def action_reload(self) -> None:
        self.reload()

    def action_year(self, step: int) -> None:
        self.year += step
        self.query_one("#review-table", DataTable).loading = True
        self.reload()

    def reload(self) -> None:
        """The year's first page first (a few ms), unless the table shows the whole year
        already; then every row (a district's live ratings take a moment)."""
        from textual.worker import get_current_worker

        from incubator_tui.services.reviews import ratings_for_year

        centre_id, year = self.iapp.centre_id, self.year
        if centre_id is None or not year:
            return
        first_page = self._complete_year != year

        def read(reads) -> tuple[int, Prepared]:  # noqa: ANN001 - services.access.Reads
            if first_page:
                self.from_worker(self._loaded, year, prepare(reads(ratings_for_year, centre_id, year, PAGE)), True)
                if get_current_worker().is_cancelled:
                    raise LoadCancelled  # another year asked for meanwhile
            return year, prepare(reads(ratings_for_year, centre_id, year))

        self.load(read, lambda data: self._loaded(*data), failed=self._failed)

    def _failed(self, _message: str) -> None:
        self.query_one("#review-table", DataTable).loading = False

    def _loaded(self, year: int, prepared: Prepared, first_page: bool = False) -> None:
        if year != self.year or (first_page and self._complete_year == year):
            return  # the user moved on to another year meanwhile; or the whole year is there
        self.partial = first_page
        if not first_page:
            self._complete_year = year
        before, shown_year = self.prepared, self._filled_year
        self.prepared, self.rows = prepared, prepared.rows
        table = self.query_one("#review-table", DataTable)
        if (self.loaded and not table.loading and shown_year == year and before is not None
                and before.rows == prepared.rows):
            self._show_summary()  # the rows stay as they are, where they were; the summary says the truth
            return
        self.loaded = True
        self._fill()

    def _fill(self) -> None:
        if not self.loaded or self.prepared is None:
            return
        prepared = self.prepared
        variables = self.app.get_css_variables()
        self._styles = (f"bold {variables.get('error', 'red')}", variables.get("text-muted", ""),
                        variables.get("success", ""))
        table = self.query_one("#review-table", DataTable)
        keep = table.cursor_row
        table.clear(columns=True)  # column widths are worked out afresh for the data and the width
        headers = [t(f"review.ui.col.{col}") for col in TABLE_COLUMNS]
        self._name_w = name_w = name_width([list(prepared.widest)], headers,
                                           self.query_one("#review-body").size.width)
        # Fixed widths, as the table would size them to fit every row: pages added later keep them.
        # Numbers are at most "100.0" / "100.00": those widths always, so that the columns do not
        # move when the rest of the year follows its first page.
        widths = [max(cell_len(h), cell_len(w), NUMBER_WIDTHS.get(col, 0))
                  for col, h, w in zip(TABLE_COLUMNS, headers, prepared.widest)]
        if self.partial and len(self.rows) >= PAGE:  # more to come: the name column as wide as it may get
            widths[0] = max(cell_len(headers[0]), name_w)
        else:
            widths[0] = max(cell_len(headers[0]),
                            fitted_width([r.org for r in self.rows], prepared.name_cells, name_w))
        for col, header, width in zip(TABLE_COLUMNS, headers, widths):
            table.add_column(header, key=col, width=width)
        keep = min(keep, len(self.rows) - 1)
        self.restart_pages(keep)
        table.loading = False
        if self.rows:
            table.move_cursor(row=keep)
        self._show_summary()
        self.title = t("review.ui.title_year", year=self.year)
        self._filled_year = self.year

    def _show_summary(self) -> None:
        rated = [r for r in self.rows if r.stars is not None]
        summary = message(
            "review.ui.summary", year=self.year, n=len(self.rows), rated=len(rated),
            unrated=len(self.rows) - len(rated), finalised=sum(1 for r in self.rows if r.finalised),
            five=sum(1 for r in rated if r.stars == 5), low=sum(1 for r in rated if r.stars <= 3),
        )
        if self.partial and self.rows:
            summary = message("review.ui.first_rows", year=self.year, n=len(self.rows))
        elif not self.rows:
            summary = message("review.ui.empty", year=self.year)
        self.query_one("#review-summary", Static).update(summary)

    def paged_table(self) -> DataTable:
        return self.query_one("#review-table", DataTable)

    def paged_rows(self) -> list:
        return self.rows

    def add_paged_rows(self, table: DataTable, start: int, end: int) -> None:
        texts = self.prepared.texts
        for i in range(start, end):
            table.add_row(*self._cells(self.rows[i], texts(i)), key=self.rows[i].org_id)

    def _cells(self, r, texts: tuple[str, ...]) -> list[Text]:  # noqa: ANN001 - a LiveRating
        error, muted, good = self._styles
        row_style = error if r.vetoed else ("" if r.stars is not None else muted)
        stars_style = error if r.vetoed or (r.stars is not None and r.stars <= 3) else good
        cells = [Text(fit(r.org, self._name_w).rstrip(), style=row_style)]
        cells += [Text(x, style=row_style, justify="right") for x in texts[1:7]]
        cells += [Text(texts[7], style=stars_style), Text(texts[8], style=row_style)]
        return cells

    def on_resize(self) -> None:
        self._fill()

