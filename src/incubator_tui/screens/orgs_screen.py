"""The organisations list: sort, filter, search as you type, add, edit, mark left.

The first screenful is read before the first frame; a worker then reads the
whole list (no score: ~30 ms for 5,000 orgs), then the overview with latest
totals, streaks and stars (seconds for a district's 5,000).  Sorting,
filtering and searching work on the list in memory.  The table is filled a
page at a time (more rows as the cursor nears the end), so that a database
with thousands of organisations opens at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Label, Static

from incubator_tui.i18n import t
from incubator_tui.rules.org_search import SearchKey, matches, search_key
from incubator_tui.screens.base import BaseScreen
from incubator_tui.screens.paged import PAGE, PagedTable
from incubator_tui.services.centres import CATEGORIES
from incubator_tui.widgets.format import fit, fit_names, stars_text, word
from incubator_tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from incubator_tui.services.access import Reads
    from incubator_tui.services.orgs import OrgOverview

SORTS = ("pinyin", "total", "streak", "stars", "entry")
STATUS_FILTERS = ("all", "current", "case", "exited", "graduated")
CASE_STATUSES = frozenset({"to_interview", "rectifying", "exit_ordered"})
LEFT_STATUSES = frozenset({"exited", "graduated"})


@dataclass(frozen=True)
class Loaded:
    """The overview with what the screen derives from it, made where it was read (the
    worker thread, or on_mount for the fast list) so that the UI only fills a page."""

    rows: list[OrgOverview]
    order: dict[str, int]  # org id → position in the pinyin order
    longest: int  # display cells of the longest name
    keys: dict[str, SearchKey] | None = None  # made when first searched, unless made here

    @classmethod
    def of(cls, rows: list[OrgOverview], with_keys: bool = False) -> Loaded:
        return cls(rows, {r.id: i for i, r in enumerate(rows)}, longest_name(rows),
                   search_keys(rows) if with_keys else None)


def search_keys(rows: list[OrgOverview]) -> dict[str, SearchKey]:
    return {r.id: search_key(r.name, r.pinyin, r.initials) for r in rows}


def longest_name(rows: list[OrgOverview]) -> int:
    """Display cells of the longest name.  A name takes between len and 2·len cells, so
    only names at least half as long as the longest can be the widest: measure those."""
    if not rows:
        return 8
    most = max(len(r.name) for r in rows)
    return max(cell_len(r.name) for r in rows if 2 * len(r.name) >= most)


def status_matches(status: str, wanted: str) -> bool:
    if wanted == "all":
        return True
    if wanted == "current":  # 在孵（含约谈、整改）: an org ordered to leave is not counted as current
        return status not in LEFT_STATUSES and status != "exit_ordered"
    if wanted == "case":
        return status in CASE_STATUSES
    return status == wanted


def sort_rows(rows: list[OrgOverview], order: dict[str, int], sort: str) -> list[OrgOverview]:
    """``order`` is each org's position in the pinyin order (the overview's own)."""
    if sort == "pinyin":
        return sorted(rows, key=lambda r: order[r.id])
    if sort == "total":  # weakest first, orgs without a total last
        return sorted(rows, key=lambda r: (r.latest_total is None, r.latest_total or 0, order[r.id]))
    if sort == "streak":  # longest run of low months first
        return sorted(rows, key=lambda r: (-(r.streak or 0), order[r.id]))
    if sort == "stars":  # most stars first, unrated last
        return sorted(rows, key=lambda r: (r.stars is None, -(r.stars or 0), order[r.id]))
    if sort == "entry":  # newest first
        return sorted(rows, key=lambda r: (-(r.entry_date or date.min).toordinal(), order[r.id]))
    raise ValueError(sort)


STYLE_NAMES = ("error", "warning", "success", "muted")


class OrgTable(DataTable):
    """The table, with Enter shown in the footer (DataTable's own Enter is hidden and,
    the table having the focus, would hide a screen binding for the same key)."""

    BINDINGS = [Binding("enter", "select_cursor", "orgs.key.open", id="orgs.open")]


class OrgsScreen(PagedTable, BaseScreen):
    """All organisations of the centre, one row each."""

    CSS_PATH = "orgs_screen.tcss"
    AUTO_FOCUS = "#orgs-table"
    COMPONENT_CLASSES = {f"orgs--{name}" for name in STYLE_NAMES}
    BINDINGS = [
        Binding("a", "add", "orgs.key.add", id="orgs.add"),
        Binding("e", "edit", "orgs.key.edit", id="orgs.edit"),
        Binding("slash", "search", "orgs.key.search", id="orgs.search", key_display="/"),
        Binding("t", "cycle_sort", "orgs.key.sort", id="orgs.sort"),
        Binding("f", "cycle_status", "orgs.key.status", id="orgs.status"),
        Binding("1", "category(1)", "orgs.key.category", id="orgs.category1", key_display="1-4"),
        Binding("2", "category(2)", "orgs.key.category", id="orgs.category2", show=False),
        Binding("3", "category(3)", "orgs.key.category", id="orgs.category3", show=False),
        Binding("4", "category(4)", "orgs.key.category", id="orgs.category4", show=False),
        Binding("0", "category(0)", "orgs.key.category_all", id="orgs.category0", show=False),
        Binding("g", "leave('graduated')", "orgs.key.graduate", id="orgs.graduate"),
        Binding("x", "leave('exited')", "orgs.key.exit", id="orgs.exit"),
        Binding("j", "cursor_down", "orgs.key.down", id="orgs.down", show=False),
        Binding("k", "cursor_up", "orgs.key.up", id="orgs.up", show=False),
        Binding("G", "cursor_last", "orgs.key.last", id="orgs.last", show=False),
        Binding("escape", "escape", "orgs.key.clear", id="orgs.clear", show=False),
    ]
    # Widths in cells of the contents of the fixed columns (the name takes what is left);
    # the translated words and the column titles may make them wider (column_widths).
    COLUMN_WIDTHS = {"category": 4, "status": 4, "latest": 10, "streak": 4, "stars": 5, "entry": 10}
    WIDE = 100  # from this width the entry date gets its own column
    CENTRE_CELLS = 12  # the centre column of the all-centres view (longer names are cut)

    def __init__(self) -> None:
        super().__init__()
        self._all: list[OrgOverview] = []
        self._keys: dict[str, SearchKey] | None = None
        self._order: dict[str, int] = {}
        self._view: list[OrgOverview] = []
        self._longest = 8  # cells of the longest name
        self._shown = 0
        self._columns: tuple[str, ...] = ()
        self._centres: dict[str, str] = {}  # org id -> its centre's name (the all-centres view only)
        self._name_width = 0
        self._short = False  # short status and category words (the names need the room)
        self._names: dict[str, str] = {}  # each name as shown, where some must be cut (format.fit_names)
        self.sort = "pinyin"
        self.status_filter = "all"
        self.category_filter: str | None = None
        self.query_text = ""
        self.loaded = False  # the list is shown
        self.partial = False  # only its first screenful so far
        self.complete = False  # with its latest totals and streaks
        self._scored: dict[str, OrgOverview] = {}
        # Shown again after another main screen (scoring may have changed totals), the
        # list is read again if anything was written (BaseScreen.wants_reload); not when
        # coming back from our own page or dialogs (they reload what they change).
        self._quiet_resume = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="orgs-searchbar", classes="hidden"):
            yield Label(t("orgs.search.label"), id="orgs-search-label", markup=False)
            yield Input(placeholder=t("orgs.search.placeholder"), id="orgs-search", compact=True)
        yield Static("", id="orgs-bar", markup=False)
        # No loading indicator: the list comes in a blink and the bar says it is loading
        # (an animated indicator would compete with the worker thread for the GIL).
        yield OrgTable(id="orgs-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = t("orgs.title")
        self.sub_title = self.iapp.scope_name or ""
        self._update_bar()
        # The first screenful is read here, before the first frame (a few ms, whatever the
        # size of the centre): read in the worker, it waited behind the first frame and
        # shared the GIL with it, and showed after ~400 ms instead of ~150 for 5,000 orgs.
        # The worker reads the whole list (~30 ms), then the totals and streaks (seconds);
        # it starts once the first frame has reached the terminal (Textual writes it from
        # its own thread, which the worker would slow down).
        from incubator_tui.services.access import Reads

        with Reads(self.iapp.db) as reads:
            first = self._read_list(reads, limit=PAGE)
        self._loaded(Loaded.of(first), None, False, partial=True)
        self.set_timer(0.1, lambda: self._load(None))

    @property
    def table(self) -> DataTable:
        return self.query_one("#orgs-table", DataTable)

    @property
    def search_input(self) -> Input:
        return self.query_one("#orgs-search", Input)

    # ------------------------------------------------------------------ data

    def reload(self, focus_id: str | None = None) -> None:
        """Read the overview again (after a save) and keep the cursor on ``focus_id``."""
        if focus_id is None:
            current = self.current_row()
            focus_id = current.id if current else None
        self._load(focus_id)

    def _read_list(self, reads: Reads, limit: int | None = None) -> list[OrgOverview]:
        """The list without totals and streaks (fast); on a reload, the totals shown so far."""
        from dataclasses import replace

        from incubator_tui.services.org_page import quick_overview
        from incubator_tui.services.orgs import org_centres

        scope = self.iapp.scope  # one centre, or several (the all-centres view: a centre column)
        if self.iapp.centre_id is None or not scope:
            return []
        if len(scope) > 1:
            self._centres = reads(org_centres, scope)
        quick = reads(quick_overview, list(scope), limit)
        known = self._scored
        if known:  # a reload: keep the totals shown until the new ones arrive
            quick = [
                replace(r, latest_month=k.latest_month, latest_total=k.latest_total, streak=k.streak, level=k.level)
                if (k := known.get(r.id)) is not None else r
                for r in quick
            ]
        return quick

    def _load(self, focus_id: str | None) -> None:
        """Two steps: the list itself (no score read), then the totals and streaks, which
        need every score of the centre (seconds for thousands): they wait while the list
        is hidden (``checkpoint``)."""
        from incubator_tui.services.clock import current_month
        from incubator_tui.services.orgs import overview_of

        centre_id = self.iapp.scope
        if self.iapp.centre_id is None or not centre_id:
            self._loaded(Loaded.of([]), focus_id, True)
            return

        def read(reads: Reads) -> Loaded:
            self.checkpoint()
            self.from_worker(self._loaded, Loaded.of(self._read_list(reads)), focus_id, False)
            rows = reads(overview_of, centre_id, current_month(), checkpoint=self.checkpoint)
            self.checkpoint()
            return Loaded.of(rows, with_keys=True)

        self.load(read, lambda data: self._loaded(data, None, True))

    def _loaded(self, data: Loaded, focus_id: str | None, complete: bool, partial: bool = False) -> None:
        """Show what was read; ``partial``: only the first screenful of the list so far."""
        if focus_id is None:
            current = self.current_row()
            focus_id = current.id if current else None
        self._all, self._order, self._longest = data.rows, data.order, data.longest
        self._keys = data.keys
        if complete:
            self._scored = {r.id: r for r in data.rows}
        self.loaded, self.complete, self.partial = True, complete, partial
        self.refresh_view(focus_id)

    def visible_rows(self) -> list[OrgOverview]:
        """The rows after filter, search and sort (all of them, not only those in the table)."""
        cat, status, query = self.category_filter, self.status_filter, self.query_text
        keys = self.search_index() if query.strip() else None
        rows = [
            r for r in self._all
            if (cat is None or r.category == cat)
            and status_matches(r.status, status)
            and (keys is None or matches(keys[r.id], query))
        ]
        return sort_rows(rows, self._order, self.sort)

    def search_index(self) -> dict[str, SearchKey]:
        if self._keys is None:
            self._keys = search_keys(self._all)
        return self._keys

    def refresh_view(self, focus_id: str | None = None) -> None:
        """Filter and sort the in-memory list, then refill the table's first page."""
        self._view = self.visible_rows()
        self._setup_columns(force=False)
        table = self.table
        table.clear()
        target = 0
        if focus_id is not None:
            target = next((i for i, r in enumerate(self._view) if r.id == focus_id), 0)
        self.restart_pages(target)
        if self._view:
            table.move_cursor(row=target, animate=False, scroll=True)
        self._update_bar()
        self.refresh_bindings()  # e, g, x and Enter need a row

    def paged_table(self) -> DataTable:
        return self.table

    def paged_rows(self) -> list[OrgOverview]:
        return self._view

    def add_paged_rows(self, table: DataTable, start: int, end: int) -> None:
        table.add_rows(self._cells(r) for r in self._view[start:end])

    def _setup_columns(self, force: bool) -> None:
        width = self.size.width or self.app.size.width
        columns = ("name", "category", "status", "latest", "streak", "stars")
        if width >= self.WIDE:
            columns += ("entry",)
        if self._centres:  # the all-centres view: each organisation's centre after its name
            columns = ("name", "centre", *columns[1:])
        padding = 2 * len(columns) + 2  # cell padding and the scrollbar
        for short in (False, True):  # short words only when the full ones would cut a name
            widths = self.column_widths(short)
            fixed = sum(widths[c] for c in columns[1:])
            name_width = max(10, min(self._longest, width - fixed - padding, 40))
            if name_width >= min(self._longest, 40):
                break
        names = {r.name for r in self._all}
        if self._longest > name_width:
            if force or name_width != self._name_width or names != set(self._names):
                self._names = fit_names(sorted(names), name_width)
        else:
            self._names = {}
        if not force and columns == self._columns and name_width == self._name_width and short == self._short:
            return
        self._columns, self._name_width, self._short = columns, name_width, short
        table = self.table
        table.clear(columns=True)
        self._shown = 0
        for c in columns:
            w = name_width if c == "name" else widths[c]
            table.add_column(t("district.col.centre" if c == "centre" else f"orgs.col.{c}"), width=w, key=c)

    def column_widths(self, short: bool = False) -> dict[str, int]:
        """Cells each column needs in the current language (CJK counts double); ``short``:
        with the short status and category words."""
        words = {
            "category": [word(f"category.{c}", short) for c in CATEGORIES],
            "status": [word(f"status.{s}", short) for s in ("incubating", *CASE_STATUSES, *LEFT_STATUSES)],
        }
        widths = {
            c: max([w, cell_len(t(f"orgs.col.{c}"))] + [cell_len(x) for x in words.get(c, ())])
            for c, w in self.COLUMN_WIDTHS.items()
        }
        if self._centres:  # the all-centres view: the centres' names, cut to a few cells
            longest = max(cell_len(name) for name in self._centres.values())
            widths["centre"] = max(cell_len(t("district.col.centre")), min(longest, self.CENTRE_CELLS))
        return widths

    def on_resize(self) -> None:
        self._fit_placeholder()
        if not self.loaded:
            return
        before = (self._columns, self._name_width, self._short)
        current = self.current_row()
        self._setup_columns(force=False)
        if (self._columns, self._name_width, self._short) != before:
            self.refresh_view(current.id if current else None)

    def _styles(self) -> dict[str, Style]:
        """Cell colours from the theme (component classes styled in orgs_screen.tcss)."""
        return {name: self.get_component_rich_style(f"orgs--{name}", partial=True) for name in STYLE_NAMES}

    def _cells(self, r: OrgOverview) -> list[Text]:
        from incubator_tui.rules.scoring import format_total

        st = self._styles()
        status_style = (
            st["error"] if r.status in ("exit_ordered", "rectifying") else
            st["warning"] if r.status == "to_interview" else
            st["muted"] if r.status in LEFT_STATUSES else Style()
        )
        if r.latest_total is not None:
            latest = Text(format_total(r.latest_total))
            if r.streak:  # the latest complete month is low (below that month's threshold)
                latest.stylize(st["error"])
            latest.append(" " + (r.latest_month or "")[2:], style=st["muted"])
        else:
            latest = Text("—" if self.complete or r.id in self._scored else "…", style=st["muted"])
        streak = Text(str(r.streak) if r.streak else "",
                      style=st["error"] if r.level == "red" else st["warning"] if r.level == "amber" else Style())
        if r.level == "red":
            streak.append(" ●")
        cells = {
            "name": Text(self._names.get(r.name, r.name), style=st["muted"] if r.status in LEFT_STATUSES else ""),
            "category": Text(word(f"category.{r.category}", self._short)),
            "status": Text(word(f"status.{r.status}", self._short), style=status_style),
            "latest": latest,
            "streak": streak,
            "stars": Text(stars_text(r.stars), style=st["warning"]),
            "entry": Text(r.entry_date.isoformat() if r.entry_date else ""),
        }
        if self._centres:
            cells["centre"] = Text(fit(self._centres.get(r.id, ""), self.CENTRE_CELLS), style=st["muted"])
        return [cells[c] for c in self._columns]

    def current_row(self) -> OrgOverview | None:
        if not self._view or not self.is_mounted:
            return None
        row = self.table.cursor_row
        return self._view[row] if 0 <= row < min(self._shown, len(self._view)) else None

    def _update_bar(self) -> None:
        parts = [
            t("orgs.bar.status", value=t(f"orgs.status_filter.{self.status_filter}")),
            t("orgs.bar.category", value=t(f"category.{self.category_filter}") if self.category_filter
              else t("orgs.all")),
            t("orgs.bar.sort", value=t(f"orgs.sort.{self.sort}")),
        ]
        if self.query_text:
            parts.append(t("orgs.bar.search", value=self.query_text))
        if self.loaded and not self.partial:
            parts.append(t("orgs.bar.count", shown=len(self._view), total=len(self._all)))
        if not self.complete:
            parts.append(t("orgs.loading" if not self.loaded or self.partial else "orgs.loading_totals"))
        self.query_one("#orgs-bar", Static).update(Text("  ·  ".join(parts)))  # Text: a query is shown as typed

    # ------------------------------------------------------------------ events

    def wants_reload(self) -> bool:
        """Not when coming back from our own page or dialogs; before the list is shown,
        its first load is under way."""
        if self._quiet_resume:
            self._quiet_resume = False
            return False
        return self.loaded and super().wants_reload()

    def _push(self, screen, callback=None) -> None:
        """Push our own page or dialog: coming back from it is not a reason to reload."""
        self._quiet_resume = True
        self.app.push_screen(screen, callback)

    @on(DataTable.RowSelected, "#orgs-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    @on(Input.Changed, "#orgs-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        if self.loaded:
            self.refresh_view()
        else:
            self._update_bar()

    @on(Input.Submitted, "#orgs-search")
    def _search_done(self, event: Input.Submitted) -> None:
        self.table.focus()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("edit", "open", "leave"):
            return True if self.current_row() is not None else None
        return True

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_cursor_last(self) -> None:
        if self._view:
            self._show_more(len(self._view))
            self.table.move_cursor(row=len(self._view) - 1)

    def action_search(self) -> None:
        self.query_one("#orgs-searchbar").remove_class("hidden")
        self._fit_placeholder()
        self.search_input.focus()

    def _fit_placeholder(self) -> None:
        """The search prompt whole: its short form where the full one would be cut (80 columns)."""
        room = (self.size.width or self.app.size.width) - cell_len(t("orgs.search.label")) - 3
        full = t("orgs.search.placeholder")
        self.search_input.placeholder = full if cell_len(full) <= room else t("short.orgs.search.placeholder")

    def action_escape(self) -> None:
        bar = self.query_one("#orgs-searchbar")
        if self.query_text or not bar.has_class("hidden"):
            self.search_input.value = ""  # Changed refills the table
            bar.add_class("hidden")
            self.table.focus()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.refresh_view()

    def action_cycle_status(self) -> None:
        self.status_filter = STATUS_FILTERS[(STATUS_FILTERS.index(self.status_filter) + 1) % len(STATUS_FILTERS)]
        self.refresh_view()

    def action_category(self, n: int) -> None:
        wanted = CATEGORIES[n - 1] if 1 <= n <= len(CATEGORIES) else None
        self.category_filter = None if wanted == self.category_filter else wanted
        self.refresh_view()

    def action_open(self) -> None:
        row = self.current_row()
        if row is None:
            return
        from incubator_tui.screens.org_page import OrgPageScreen

        self._push(OrgPageScreen(row.id))

    def action_add(self) -> None:
        if self.iapp.centre_id is None:
            self.notify(t("orgs.no_centre"), severity="error", markup=False)
            return
        if self.iapp.all_centres:  # an organisation joins one centre: which, first
            app = self.app

            def add_there() -> None:
                if isinstance(app.screen, OrgsScreen):
                    app.screen.action_add()

            self.iapp.choose_centre("orgs", then=add_there)
            return
        from incubator_tui.screens.org_form import OrgFormModal

        self._push(OrgFormModal(), self._after_save)

    def action_edit(self) -> None:
        row = self.current_row()
        if row is None:
            return
        from incubator_tui.screens.org_form import OrgFormModal

        self._push(OrgFormModal(row.id), self._after_save)

    def _after_save(self, result) -> None:
        if result is None:
            return
        message = t("orgs.saved", name=result.name)
        if result.warnings:
            self.notify("\n".join([message, *result.warnings]), severity="warning", timeout=8, markup=False)
        else:
            self.notify(message, markup=False)
        self.reload(result.org_id)

    def action_leave(self, status: str) -> None:
        row = self.current_row()
        if row is None:
            return
        if row.status in LEFT_STATUSES:
            self.notify(t("org.already_left", name=row.name), severity="error", markup=False)
            return
        from incubator_tui.screens.org_form import LeaveModal

        def done(left: bool | None) -> None:
            if left:
                self.notify(t(f"orgs.leave.done.{status}", name=row.name), markup=False)
                self.reload(row.id)

        self._push(LeaveModal(row.id, row.name, status, row.entry_date), done)
