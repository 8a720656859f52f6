"""案件 (c): every case of the centre, open and closed.

One row per case from ``services.cases.list_cases``; overdue open cases stand
out in the theme's error colour.  Enter opens the case's page (``case_page``:
its reason, items, timeline and the keys that move it on).  ``f`` cycles the
state filter (all, open, each state), ``1``-``3`` toggle a kind (``0`` all
kinds), ``a`` open only / all; ``t`` sorts by name in pinyin order (the stored
sort keys, as the organisations list; the default) or by deadline.
"""

from __future__ import annotations

from datetime import date

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Static

from incubator_tui.i18n import t
from incubator_tui.rules import cases as case_rules
from incubator_tui.screens.base import BaseScreen
from incubator_tui.screens.paged import PagedTable, cursor_bindings
from incubator_tui.widgets.format import date_text, fit, fit_names, name_width, span_text, word
from incubator_tui.widgets.key_bar import KeyBar
from incubator_tui.widgets.safe_text import message, plain

COLUMNS = ("org", "kind", "state", "deadline", "opened", "months")  # the deadline before what fits last
CENTRE_WIDTH = 12  # cells of a centre's name in the all-centres view (longer ones are cut)
STATE_FILTERS = ("all", "open", *(s.value for s in case_rules.CaseState))
KINDS = tuple(k.value for k in case_rules.CaseKind)  # 1 2 3
SORTS = ("pinyin", "deadline")


def state_matches(state: str, wanted: str) -> bool:
    if wanted == "all":
        return True
    if wanted == "open":
        return case_rules.is_open(state)
    return state == wanted


class CasesScreen(PagedTable, BaseScreen):

    # (row key, style, cells as text) of every visible case; replaced on each fill.  Plain strings:
    # a cell's Text is made when its page is added (thousands of cases, a page or two shown).
    _lines: list = []
    BINDINGS = [
        # priority: the table's own Enter would otherwise shadow it (and hide it from the help)
        Binding("enter", "events", "key.case_events", id="cases.events", priority=True),
        Binding("a", "toggle_all", "key.cases_toggle", id="cases.toggle"),
        Binding("f", "cycle_state", "cases.key.state", id="cases.state"),
        Binding("1", "kind(1)", "cases.key.kind", id="cases.kind1", key_display="1-3"),
        Binding("2", "kind(2)", "cases.key.kind", id="cases.kind2", show=False),
        Binding("3", "kind(3)", "cases.key.kind", id="cases.kind3", show=False),
        Binding("0", "kind(0)", "cases.key.kind_all", id="cases.kind0", show=False),
        Binding("t", "cycle_sort", "cases.key.sort", id="cases.sort"),
        Binding("f5", "reload", "key.reload", id="cases.reload"),
        *cursor_bindings("cases"),
    ]

    state_filter = "all"
    kind_filter: str | None = None
    sort = "pinyin"
    rows: list = []
    loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="cases-body"):
            yield Static("", id="cases-summary", classes="screen-summary", markup=False)
            yield DataTable(id="cases-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = t("cases.title")
        self.sub_title = self.iapp.scope_name
        table = self.query_one("#cases-table", DataTable)
        table.loading = True
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._fill())
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        from incubator_tui.services.cases import list_cases
        from incubator_tui.services.clock import today
        from incubator_tui.services.dashboard import handover_deadlines

        scope = self.iapp.scope  # one centre, or several (the all-centres view: a centre column)
        if self.iapp.centre_id is not None and scope:
            self.load(lambda reads: (reads(list_cases, list(scope)), reads(handover_deadlines, scope), today()),
                      lambda data: self._loaded(*data))

    def _loaded(self, rows: list, handover: dict[str, date], today: date) -> None:
        self.rows, self.handover, self.today = rows, handover, today
        self.loaded = True
        self._fill()

    def deadline_of(self, row) -> date | None:  # noqa: ANN001 - a CaseRow
        """The deadline that matters now: the hand-over once the exit is ordered, else rectification."""
        if row.state == case_rules.CaseState.EXIT_ORDERED.value and row.id in self.handover:
            return self.handover[row.id]
        return row.deadline

    def is_overdue(self, row) -> bool:  # noqa: ANN001
        if not case_rules.is_open(row.state) or row.state == case_rules.CaseState.TO_INTERVIEW.value:
            return False
        deadline = self.deadline_of(row)
        return deadline is not None and case_rules.is_overdue([deadline], self.today)

    @property
    def open_only(self) -> bool:
        return self.state_filter == "open"

    def visible_rows(self) -> list:
        """The cases after the state and kind filters, in the chosen order."""
        rows = [r for r in self.rows if state_matches(r.state, self.state_filter)
                and (self.kind_filter is None or r.kind == self.kind_filter)]
        if self.sort == "deadline":  # open cases by the deadline that matters now, undated after; closed last
            return sorted(rows, key=lambda r: (not case_rules.is_open(r.state), self.deadline_of(r) is None,
                                               self.deadline_of(r) or date.max, r.pinyin, r.org, r.opened_at))
        return sorted(rows, key=lambda r: (r.pinyin, r.org, r.opened_at))

    def _fill(self) -> None:
        if not self.loaded:
            return
        table = self.query_one("#cases-table", DataTable)
        variables = self.app.get_css_variables()
        error = f"bold {variables.get('error', 'red')}"
        muted = variables.get("text-muted", "")
        keep = table.cursor_row
        table.clear(columns=True)  # column widths are worked out afresh for the data and the width
        rows = self.visible_rows()
        lines = []
        widest = max((cell_len(r.org) for r in rows), default=0)
        body = self.query_one("#cases-body").size.width
        for short in (False, True):  # short words and dates (26-02-06) only where a name would be cut
            lines = [(r, self.cells_of(r, short)) for r in rows]
            if name_width([c for _, c in lines], [t(f"cases.col.{c}") for c in COLUMNS], body) >= widest:
                break
        columns = COLUMNS
        headers = [t(f"cases.col.{col}") for col in COLUMNS]
        if self.iapp.all_centres:  # the all-centres view: each case's centre after its organisation
            columns = (COLUMNS[0], "centre", *COLUMNS[1:])
            headers.insert(1, t("district.col.centre"))
            centre_w = min(CENTRE_WIDTH, max((cell_len(r.centre) for r, _ in lines), default=0))
            for r, cells in lines:
                cells.insert(1, fit(r.centre, centre_w).rstrip())
        name_w = name_width([c for _, c in lines], headers, self.query_one("#cases-body").size.width)
        for col, header in zip(columns, headers):
            table.add_column(header, key=col)
        # Rows are added a page at a time (a district has thousands of cases and a
        # DataTable's first layout costs per row): more as the cursor nears the end.
        self._lines = []
        names = fit_names([r.org for r in rows], name_w) if widest > name_w else {}  # never two alike
        for r, cells in lines:
            overdue = self.is_overdue(r)
            style = error if overdue else (muted if not case_rules.is_open(r.state) else "")
            cells[0] = names.get(cells[0], cells[0])
            self._lines.append((r.id, style, cells))
        self.restart_pages(keep)
        table.loading = False
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        n_open = sum(1 for r in self.rows if case_rules.is_open(r.state))
        n_overdue = sum(1 for r in self.rows if self.is_overdue(r))
        summary = message("cases.summary", total=len(self.rows), open=n_open, overdue=n_overdue)
        if self.open_only:
            summary += message("cases.summary_open_only")
        summary += plain("  ·  ") + message(
            "cases.bar", state=t(f"cases.state_filter.{self.state_filter}"),
            kind=t(f"case_kind.{self.kind_filter}") if self.kind_filter else t("cases.kind_all"),
            sort=t(f"cases.sort.{self.sort}"))
        if len(rows) != len(self.rows):
            summary += message("cases.bar_shown", shown=len(rows))
        if not rows:
            summary += plain("  ") + message("cases.empty")
        self.query_one("#cases-summary", Static).update(summary)

    def cells_of(self, r, short: bool) -> list[str]:  # noqa: ANN001 - a CaseRow
        """A case's cells; ``short`` on a narrow screen: short words, 26-02-06, 25-11~26-01."""
        deadline = self.deadline_of(r)
        due = date_text(deadline, short)
        if deadline is not None and self.is_overdue(r):
            due = t("short.cases.overdue" if short else "cases.overdue", date=due)
        return [r.org, word(f"case_kind.{r.kind}", short), word(f"case_state.{r.state}", short), due,
                date_text(r.opened_on, short), span_text(r.months, short)]

    def paged_table(self) -> DataTable:
        return self.query_one("#cases-table", DataTable)

    def paged_rows(self) -> list:
        return self._lines

    def add_paged_rows(self, table: DataTable, start: int, end: int) -> None:
        for key, style, cells in self._lines[start:end]:
            table.add_row(*(Text(c, style=style) for c in cells), key=key)

    def on_resize(self) -> None:
        self._fill()

    def action_toggle_all(self) -> None:
        self.state_filter = "all" if self.open_only else "open"
        self._refill()

    def action_cycle_state(self) -> None:
        self.state_filter = STATE_FILTERS[(STATE_FILTERS.index(self.state_filter) + 1) % len(STATE_FILTERS)]
        self._refill()

    def action_kind(self, n: int) -> None:
        wanted = KINDS[n - 1] if 1 <= n <= len(KINDS) else None
        self.kind_filter = None if wanted == self.kind_filter else wanted
        self._refill()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._refill()

    def _refill(self) -> None:
        """A new filter or order: the table from its first row."""
        if self.loaded:
            self.query_one("#cases-table", DataTable).move_cursor(row=0)
        self._fill()

    def current_row(self):
        table = self.query_one("#cases-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.rows if r.id == key), None)

    @on(DataTable.RowSelected, "#cases-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_events()

    def action_events(self) -> None:
        """Enter: the case's page (its reason, items, timeline and the keys that move it on)."""
        from incubator_tui.screens.case_page import open_case_page

        row = self.current_row()
        if row is not None:
            open_case_page(self.app, row.id)

