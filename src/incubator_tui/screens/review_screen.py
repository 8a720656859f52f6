"""年度考评 (r): the year's live (or finalised) ratings, read-only for now.

One row per organisation from ``services.reviews.ratings_for_year``: the five
components, the composite, the stars, and why an org cannot be rated yet.
``[`` and ``]`` change the year (default: the last complete year).
Entering inputs and finalising come in a later version.
"""

from __future__ import annotations

from fractions import Fraction

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Static

from incubator_tui.widgets.key_bar import KeyBar
from incubator_tui.errors import UserError
from incubator_tui.i18n import t
from incubator_tui.rules.rating import COMPONENTS
from incubator_tui.rules.scoring import format_total
from incubator_tui.screens.base import BaseScreen
from incubator_tui.screens.cases_screen import name_width
from incubator_tui.screens.dashboard_screen import fit


TABLE_COLUMNS = ("org", *COMPONENTS, "composite", "stars", "status")


def stars_text(stars: int | None) -> str:
    return "—" if stars is None else "★" * stars + "☆" * (5 - stars)


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


class ReviewScreen(BaseScreen):
    BINDINGS = [
        Binding("left_square_bracket", "year(-1)", "key.year_prev", id="review.year_prev", key_display="["),
        Binding("right_square_bracket", "year(1)", "key.year_next", id="review.year_next", key_display="]"),
        Binding("f5", "reload", "key.reload", id="review.reload"),
        Binding("j", "cursor('down')", "key.down", id="review.down", show=False),
        Binding("k", "cursor('up')", "key.up", id="review.up", show=False),
        Binding("g", "cursor('top')", "key.top", id="review.top", show=False),
        Binding("G", "cursor('bottom')", "key.bottom", id="review.bottom", show=False),
    ]

    year: int = 0
    rows: list = []
    loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="review-body"):
            yield Static("", id="review-summary", classes="screen-summary")
            yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        from incubator_tui.services.clock import today

        self.year = today().year - 1  # the last complete year
        self.title = t("review.ui.title")
        self.sub_title = self.iapp.centre_name
        table = self.query_one("#review-table", DataTable)
        table.loading = True
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._fill())

    def on_screen_resume(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_year(self, step: int) -> None:
        self.year += step
        self.query_one("#review-table", DataTable).loading = True
        self.reload()

    def reload(self) -> None:
        if self.iapp.centre_id is not None and self.year:
            self._load(self.iapp.centre_id, self.year)

    @work(thread=True, exclusive=True, group="review")
    def _load(self, centre_id: str, year: int) -> None:
        from incubator_tui.services.reviews import ratings_for_year

        try:
            with self.iapp.db.session() as session:
                rows = ratings_for_year(session, centre_id, year)
        except UserError as err:
            self.app.call_from_thread(self.notify, str(err), severity="error", timeout=10)
            return
        self.app.call_from_thread(self._loaded, year, rows)

    def _loaded(self, year: int, rows: list) -> None:
        if year != self.year:
            return  # the user moved on to another year meanwhile
        self.rows = rows
        self.loaded = True
        self._fill()

    def _fill(self) -> None:
        if not self.loaded:
            return
        variables = self.app.get_css_variables()
        error = f"bold {variables.get('error', 'red')}"
        muted = variables.get("text-muted", "")
        good = variables.get("success", "")
        table = self.query_one("#review-table", DataTable)
        keep = table.cursor_row
        table.clear(columns=True)  # column widths are worked out afresh for the data and the width
        texts = [[r.org, *(number_text(r.components.get(c)) for c in COMPONENTS), number_text(r.composite, 2),
                  stars_text(r.stars), status_text(r)] for r in self.rows]
        headers = [t(f"review.ui.col.{col}") for col in TABLE_COLUMNS]
        name_w = name_width(texts, headers, self.query_one("#review-body").size.width)
        for col, header in zip(TABLE_COLUMNS, headers):
            table.add_column(header, key=col)
        for r in self.rows:
            row_style = error if r.vetoed else ("" if r.stars is not None else muted)
            stars_style = error if r.vetoed or (r.stars is not None and r.stars <= 3) else good
            cells = [Text(fit(r.org, name_w).rstrip(), style=row_style)]
            cells += [Text(number_text(r.components.get(c)), style=row_style, justify="right") for c in COMPONENTS]
            cells += [
                Text(number_text(r.composite, 2), style=row_style, justify="right"),
                Text(stars_text(r.stars), style=stars_style),
                Text(status_text(r), style=row_style),
            ]
            table.add_row(*cells, key=r.org_id)
        table.loading = False
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        rated = [r for r in self.rows if r.stars is not None]
        summary = t(
            "review.ui.summary", year=self.year, n=len(self.rows), rated=len(rated),
            unrated=len(self.rows) - len(rated), finalised=sum(1 for r in self.rows if r.finalised),
            five=sum(1 for r in rated if r.stars == 5), low=sum(1 for r in rated if r.stars <= 3),
        )
        if not self.rows:
            summary = t("review.ui.empty", year=self.year)
        self.query_one("#review-summary", Static).update(summary)
        self.title = t("review.ui.title_year", year=self.year)

    def on_resize(self) -> None:
        self._fill()

    def action_cursor(self, where: str) -> None:
        table = self.query_one("#review-table", DataTable)
        if where == "down":
            table.action_cursor_down()
        elif where == "up":
            table.action_cursor_up()
        elif where == "top":
            table.move_cursor(row=0)
        elif where == "bottom":
            table.move_cursor(row=max(0, table.row_count - 1))
