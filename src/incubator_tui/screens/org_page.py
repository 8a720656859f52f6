"""One organisation's page: details, 24 months of scores with reasons, the trend
of its totals against the threshold, its cases and its ratings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Header, Label, Static

from incubator_tui.i18n import t
from incubator_tui.screens.base import BaseScreen
from incubator_tui.widgets.format import stars_text
from incubator_tui.widgets.key_bar import KeyBar
from incubator_tui.widgets.score_grid import item_label
from incubator_tui.widgets.trend_chart import TrendChart, TrendPoint

if TYPE_CHECKING:
    from incubator_tui.services.org_page import MonthRow, OrgPage

PAIR_WIDTH = 38  # cells per label-value pair in the details block
MONTH_WIDTH = 7  # cells of a month column in the scores table


STYLE_NAMES = ("error", "warning", "success", "muted")


class DetailsView(Widget):
    """Label-value pairs in as many aligned columns as the width allows (CJK-aware)."""

    COMPONENT_CLASSES = {"details--label"}
    DEFAULT_CSS = """
    DetailsView { height: auto; }
    DetailsView > .details--label { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pairs: list[tuple[str, Text]] = []

    def set_pairs(self, pairs: list[tuple[str, Text]]) -> None:
        self.pairs = pairs
        self.refresh(layout=True)

    def _columns(self, width: int) -> int:
        return max(1, width // PAIR_WIDTH)

    def get_content_height(self, container, viewport, width: int) -> int:
        cols = self._columns(width)
        return max(1, -(-len(self.pairs) // cols))

    def render(self) -> Text:
        width = self.content_size.width or 80
        cols = self._columns(width)
        col_width = width // cols
        label_width = max((cell_len(label) for label, _ in self.pairs), default=0) + 1
        muted = self.get_component_rich_style("details--label", partial=True)
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, (label, value) in enumerate(self.pairs):
            cell = Text(set_cell_size(label, label_width), style=muted)
            cell.append_text(value)
            cell.truncate(col_width - 1, overflow="ellipsis", pad=True)
            out.append_text(cell)
            out.append(" ")
            if i % cols == cols - 1 and i != len(self.pairs) - 1:
                out.append("\n")
        return out


class MonthTable(DataTable, inherit_bindings=False):
    """The scores, a column per month: its keys are its own (DataTable's are not inherited),
    so that the help lists every key the page has.  ←/→ or h/l go a month back or on
    (the table scrolls with the cursor; the item column stays), ↑/↓ an item, Home/End the
    first or the latest month."""

    BINDINGS = [
        Binding("left,h", "month(-1)", "orgs.page.key.month_prev", id="orgs.page.month_prev"),
        Binding("right,l", "month(1)", "orgs.page.key.month_next", id="orgs.page.month_next"),
        Binding("up", "cursor_up", "orgs.page.key.item_up", id="orgs.page.item_up", show=False),
        Binding("down", "cursor_down", "orgs.page.key.item_down", id="orgs.page.item_down", show=False),
        Binding("home", "month_edge(0)", "orgs.page.key.first_month", id="orgs.page.first_month", show=False),
        Binding("end", "month_edge(1)", "orgs.page.key.latest_month", id="orgs.page.latest_month", show=False),
    ]

    def action_month(self, step: int) -> None:
        last = len(self.columns) - 1  # column 0 is the item's name
        if last >= 1:
            column = min(max(1, self.cursor_column + step), last)
            self.move_cursor(column=column, animate=False, scroll=True)

    def action_month_edge(self, latest: int) -> None:
        last = len(self.columns) - 1
        if last >= 1:
            self.move_cursor(column=last if latest else 1, animate=False, scroll=True)


class PageScroll(VerticalScroll, inherit_bindings=False):
    """The page's scroll: j/k and PgUp/PgDn are the screen's keys (listed in its help)."""


class OrgPageScreen(BaseScreen):
    """Pushed from the organisations list; Esc or Backspace returns."""

    CSS_PATH = "org_page.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    COMPONENT_CLASSES = {f"page--{name}" for name in STYLE_NAMES}
    BINDINGS = [
        Binding("escape", "back", "orgs.key.back", id="orgs.page.back"),
        Binding("backspace", "back", "orgs.key.back", id="orgs.page.back2", show=False),
        Binding("j", "scroll_down", "orgs.page.key.scroll_down", id="orgs.page.down", show=False),
        Binding("k", "scroll_up", "orgs.page.key.scroll_up", id="orgs.page.up", show=False),
        Binding("pagedown", "page_down", "orgs.page.key.page_down", id="orgs.page.page_down", show=False),
        Binding("pageup", "page_up", "orgs.page.key.page_up", id="orgs.page.page_up", show=False),
        Binding("v", "veto", "orgs.page.key.veto", id="orgs.page.veto"),
    ]

    def __init__(self, org_id: str) -> None:
        super().__init__()
        self.org_id = org_id
        self.page: OrgPage | None = None
        self._scores_width = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with PageScroll(id="page"):
            with Horizontal(id="page-top"):
                with Vertical(id="page-details-box"):
                    yield Static("", id="page-name", markup=False)
                    yield DetailsView(id="page-details")
                    yield Static("", id="page-streak", markup=False)
                with Vertical(id="page-ratings-box"):
                    yield Label(t("orgs.page.ratings"), classes="section", markup=False)
                    yield Static("", id="page-ratings", markup=False)
            yield Label(t("orgs.page.trend"), classes="section", markup=False)
            yield TrendChart(id="page-chart")
            yield Label(t("orgs.page.scores"), classes="section", markup=False)
            yield MonthTable(id="page-scores", cursor_type="cell", zebra_stripes=False)
            yield Static("", id="page-cell", markup=False)
            yield Label(t("orgs.page.cases"), classes="section", markup=False)
            yield DataTable(id="page-cases", cursor_type="row", show_cursor=False)  # not focusable: on_mount
            yield Static("", id="page-no-cases", markup=False)
            yield Label(t("orgs.page.reasons"), classes="section", markup=False)
            yield Static("", id="page-reasons", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#page-cases", DataTable).can_focus = False  # shown, not browsed: no keys of its own
        self.title = t("orgs.page.title")
        self.query_one("#page").loading = True
        self.reload()

    def reload(self) -> None:
        from incubator_tui.services.org_page import load_org_page

        org_id = self.org_id
        self.load(lambda reads: reads(load_org_page, org_id), self._show, failed=lambda _message: self.action_back())

    def _styles(self) -> dict[str, Style]:
        """Colours from the theme (component classes styled in org_page.tcss)."""
        return {name: self.get_component_rich_style(f"page--{name}", partial=True) for name in STYLE_NAMES}

    def action_back(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()

    def action_scroll_down(self) -> None:
        self.query_one("#page", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#page", VerticalScroll).scroll_up()

    def action_page_down(self) -> None:
        self.query_one("#page", VerticalScroll).scroll_page_down()

    def action_page_up(self) -> None:
        self.query_one("#page", VerticalScroll).scroll_page_up()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "veto":  # only an organisation still in the centre
            return self.page is not None and self.page.details.base_status == "incubating"
        return True

    def action_veto(self) -> None:
        """v: 一票否决, a grave violation with its description opens a veto case at once."""
        from incubator_tui.screens.org_form import VetoModal

        if not self.check_action("veto", ()):
            return
        name = self.page.details.name

        def done(case_id: str | None) -> None:
            if case_id:
                self.notify(t("orgs.veto.done", name=name), markup=False, timeout=8)
                self.reload()

        self.app.push_screen(VetoModal(self.org_id, name), done)

    # ------------------------------------------------------------------ showing

    def _show(self, page: OrgPage) -> None:
        self.page = page
        st = self._styles()
        d = page.details
        self.sub_title = d.name
        name = Text(d.name, style="bold")
        status_style = st["error"] if d.status in ("rectifying", "exit_ordered") else \
            st["warning"] if d.status == "to_interview" else st["muted"] if d.base_status != "incubating" \
            else st["success"]
        name.append("  ")
        name.append(f" {t(f'status.{d.status}')} ", style=status_style + Style(reverse=True))
        if d.end_date:
            name.append("  " + t("orgs.page.left_on", date=d.end_date.isoformat()), style=st["muted"])
        self.query_one("#page-name", Static).update(name)
        self.query_one("#page-details", DetailsView).set_pairs(self._pairs(page, st))

        streak = Text()
        if page.streak:
            style = st["error"] if page.level == "red" else st["warning"] if page.level == "amber" else Style()
            streak.append(t("orgs.page.streak", count=page.streak, months=t("orgs.sep").join(page.streak_months)),
                          style=style)
        self.query_one("#page-streak", Static).update(streak)
        self.query_one("#page-streak", Static).display = bool(page.streak)

        self.query_one("#page-ratings", Static).update(self._ratings(page, st))
        self.query_one("#page-chart", TrendChart).set_points([
            TrendPoint(m.month, m.total, m.threshold, mark=self._mark(m)) for m in page.months
        ])
        self._fill_scores(page, st)
        self.query_one("#page-reasons", Static).update(self._reasons(page, st))
        self._fill_cases(page, st)
        self.refresh_bindings()  # v needs an organisation still in the centre
        scroll = self.query_one("#page", VerticalScroll)
        scroll.loading = False
        self.query_one("#page-scores", DataTable).focus(scroll_visible=False)
        self.call_after_refresh(scroll.scroll_home, animate=False)

    @staticmethod
    def _mark(m: MonthRow) -> str:
        return {"paused": "-", "exempt": "-", "incomplete": "?"}.get(m.kind, "·")

    def _pairs(self, page: OrgPage, st: dict[str, Style]) -> list[tuple[str, Text]]:
        from incubator_tui.screens.org_form import money_text

        d = page.details
        code = Text(d.credit_code or "—")
        if d.credit_code_warning:
            code.append(" " + t("orgs.page.code_warning"), style=st["warning"])
        agreement = d.agreement_no or ""
        if d.agreement_start or d.agreement_end:
            span = f"{d.agreement_start.isoformat() if d.agreement_start else '?'}~" \
                   f"{d.agreement_end.isoformat() if d.agreement_end else '?'}"
            agreement = f"{agreement} {span}".strip()

        def v(x: str | None) -> Text:
            return Text(x) if x else Text("—", style=st["muted"])

        return [
            (t("orgs.field.category"), v(t(f"category.{d.category}"))),
            (t("orgs.field.legal_form"), v(t(f"legal_form.{d.legal_form}"))),
            (t("orgs.field.entry_date"), v(d.entry_date.isoformat())),
            (t("orgs.field.credit_code"), code),
            (t("orgs.field.filing_no"), v(d.filing_no)),
            (t("orgs.field.party_form"), v(t(f"party_form.{d.party_form}"))),
            (t("orgs.field.contact"), v(d.contact)),
            (t("orgs.field.phone"), v(d.phone)),
            (t("orgs.field.room"), v(d.room)),
            (t("orgs.page.agreement"), v(agreement)),
            (t("orgs.field.deposit_cent"), v(money_text(d.deposit_cent))),
            (t("orgs.field.fee_relief"), v(t(f"fee_relief.{d.fee_relief}"))),
        ] + ([(t("orgs.field.note"), v(d.note))] if d.note else [])

    def _ratings(self, page: OrgPage, st: dict[str, Style]) -> Text:
        from incubator_tui.rules.scoring import format_total

        out = Text()
        if not page.ratings:
            out.append(t("orgs.page.no_ratings"), style=st["muted"])
            return out
        for i, r in enumerate(reversed(page.ratings)):
            if i:
                out.append("\n")
            out.append(f"{r.year}  ")
            out.append(stars_text(r.stars), style=st["warning"])
            if r.composite is not None:
                out.append(f"  {format_total(r.composite, 2)}")
            if r.priority:
                out.append("  " + t("orgs.page.priority"), style=st["success"])
            for what in r.events:  # amendments, requests for review and decisions, in time order
                out.append("\n  " + what, style=st["muted"])
        return out

    def _cell_text(self, m: MonthRow, code: str, st: dict[str, Style]) -> Text:
        from incubator_tui.rules.scoring import cents_to_text

        if m.kind in ("paused", "exempt"):
            return Text(t(f"orgs.page.kind.{m.kind}"), style=st["muted"])
        if code not in m.in_force:
            return Text("")
        cell = m.cells.get(code)
        if cell is None or cell.blank:
            text = Text("·", style=st["muted"])
        elif cell.na:
            text = Text(t("na"), style=st["muted"])
        else:
            text = Text(cents_to_text(cell.value_cent))
        if cell is not None and cell.reason:
            text.append("*", style=st["warning"])
        return text

    def _total_text(self, m: MonthRow, st: dict[str, Style]) -> Text:
        from incubator_tui.rules.scoring import format_total

        if m.total is not None:
            return Text(format_total(m.total), style=(st["error"] + Style(bold=True)) if m.low else Style(bold=True))
        return Text(t(f"orgs.page.kind.{m.kind}"), style=st["muted"])

    def _fill_scores(self, page: OrgPage, st: dict[str, Style]) -> None:
        table = self.query_one("#page-scores", DataTable)
        table.clear(columns=True)
        label_width = max([cell_len(t("orgs.page.total"))] + [cell_len(item_label(it)) for it in page.items]) + 1
        pad = 2 * table.cell_padding
        # When the months overflow, widen the item column by the odd cells left over, so that
        # scrolled to the newest month the first month shown is whole, not cut.
        avail = table.scrollable_content_region.width or max(0, self.size.width - 4)
        if label_width + pad + len(page.months) * (MONTH_WIDTH + pad) > avail > label_width + pad:
            label_width += (avail - label_width - pad) % (MONTH_WIDTH + pad)
        self._scores_width = avail
        table.add_column(t("orgs.page.item"), width=label_width, key="item")
        for m in page.months:
            table.add_column(m.month, width=MONTH_WIDTH, key=m.month)
        table.fixed_columns = 1
        for it in page.items:
            table.add_row(Text(item_label(it)), *[self._cell_text(m, it.code, st) for m in page.months], key=it.code)
        table.add_row(Text(t("orgs.page.total"), style="bold"), *[self._total_text(m, st) for m in page.months],
                      key="__total__")
        if page.months:
            table.move_cursor(row=len(page.items), column=len(page.months), animate=False, scroll=False)
            self.call_after_refresh(self._show_latest_months)
        else:
            self.query_one("#page-cell", Static).update(Text(t("orgs.page.no_months"), style=st["muted"]))

    def _show_latest_months(self, tries: int = 20) -> None:
        """Scroll the scores to the newest month (the table measures new columns on idle)."""
        table = self.query_one("#page-scores", DataTable)
        if table.virtual_size.width <= table.scrollable_content_region.width and tries:
            self.call_after_refresh(self._show_latest_months, tries - 1)
            return
        table.scroll_to(x=table.max_scroll_x, animate=False, immediate=True)

    def on_resize(self) -> None:
        table = self.query_one("#page-scores", DataTable)
        if self.page is not None and table.scrollable_content_region.width != self._scores_width:
            self._fill_scores(self.page, self._styles())

    @on(DataTable.CellHighlighted, "#page-scores")
    def _cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        page = self.page
        if page is None or not page.months:
            return
        row, col = event.coordinate.row, event.coordinate.column
        out = Text()
        if col == 0 or col > len(page.months):
            self.query_one("#page-cell", Static).update(out)
            return
        m = page.months[col - 1]
        st = self._styles()
        out.append(m.month + "  ", style="bold")
        if row < len(page.items):
            it = page.items[row]
            out.append(f"{item_label(it)}  ")
            out.append_text(self._cell_text(m, it.code, st))
            from incubator_tui.rules.scoring import cents_to_text

            out.append(f" / {cents_to_text(it.max_cent)}")
            cell = m.cells.get(it.code)
            if cell is not None and cell.reason:
                out.append("  " + t("orgs.page.reason", reason=cell.reason), style=st["warning"])
        else:
            out.append(t("orgs.page.total") + "  ")
            out.append_text(self._total_text(m, st))
            if m.low:
                out.append("  " + t("orgs.page.low", threshold=str(m.threshold)), style=st["error"])
            if m.exempt_reason:
                out.append("  " + t("orgs.page.reason", reason=m.exempt_reason), style=st["muted"])
        self.query_one("#page-cell", Static).update(out)

    def _reasons(self, page: OrgPage, st: dict[str, Style]) -> Text:
        from incubator_tui.rules.scoring import cents_to_text

        names = {it.code: item_label(it) for it in page.items}
        out = Text()
        lines = 0
        for m in reversed(page.months):
            for it in page.items:
                cell = m.cells.get(it.code)
                if cell is None or not cell.reason:
                    continue
                if lines:
                    out.append("\n")
                value = t("na") if cell.na else cents_to_text(cell.value_cent) if cell.value_cent is not None else "·"
                out.append(f"{m.month}  ", style=st["muted"])
                out.append(set_cell_size(names[it.code], 10))
                out.append(f" {value:>4}  ")
                out.append(cell.reason)
                lines += 1
            if m.exempt_reason:
                if lines:
                    out.append("\n")
                out.append(f"{m.month}  ", style=st["muted"])
                out.append(t("orgs.page.kind.exempt") + "  " + m.exempt_reason)
                lines += 1
        if not lines:
            out.append(t("orgs.page.no_reasons"), style=st["muted"])
        return out

    def _fill_cases(self, page: OrgPage, st: dict[str, Style]) -> None:
        table = self.query_one("#page-cases", DataTable)
        table.clear(columns=True)
        for key in ("opened", "kind", "state", "deadline", "reason"):
            table.add_column(t(f"orgs.case.{key}"), key=key)
        for c in sorted(page.cases, key=lambda c: c.opened_at, reverse=True):
            open_ = c.state in ("to_interview", "rectifying", "exit_ordered")
            table.add_row(
                Text(c.opened_on.isoformat()),
                Text(t(f"case_kind.{c.kind}")),
                Text(t(f"case_state.{c.state}"), style=st["warning"] if open_ else st["muted"]),
                Text(c.deadline.isoformat() if c.deadline else ""),
                Text(c.reason),
                key=c.id,
            )
        table.display = bool(page.cases)
        none = self.query_one("#page-no-cases", Static)
        none.update(Text(t("orgs.page.no_cases"), style=st["muted"]))
        none.display = not page.cases
