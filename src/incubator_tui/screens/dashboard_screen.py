"""总览: the current month's progress, flags, open cases and the centre's trend.

Everything is read by one worker (services.dashboard.load_dashboard) and
painted at once; the screen reloads whenever it is shown again, since the
scoring screen may have changed the data meanwhile, and paints again only when
something did change.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Header, Static

from incubator_tui.i18n import t
from incubator_tui.rules.scoring import format_total
from incubator_tui.screens.base import BaseScreen
from incubator_tui.widgets.format import fit, span_text
from incubator_tui.widgets.key_bar import KeyBar
from incubator_tui.widgets.safe_text import message, plain
from incubator_tui.widgets.trend_chart import TrendChart
from incubator_tui.widgets.trend_chart import TrendPoint as ChartPoint

NAME_WIDTH = 24  # cells: longer names are cut with an ellipsis
MIN_NAME = 14  # a one-line entry never cuts a name shorter than this


def progress_content(p, bar_width: int = 30) -> Content:  # noqa: ANN001 - a services.dashboard.Progress
    """Numbers first, then a stacked bar (complete / started / not started)."""
    head = Content.assemble((p.month, "bold"), "  ", t("dash.progress.members", n=p.members))
    if p.closed:
        head = Content.assemble(head, "  ", (t("dash.progress.closed"), "$text-muted"))
    if p.paused:
        return Content.assemble(head, "\n", (t("dash.progress.paused"), "$warning"))
    counts = Content.assemble(
        (t("dash.progress.complete"), "$success"), f" {p.complete}  ",
        (t("dash.progress.incomplete"), "$warning"), f" {p.incomplete}  ",
        (t("dash.progress.not_started"), "$text-muted"), f" {p.not_started}",
    )
    if p.exempt:
        counts = Content.assemble(counts, "   ", t("dash.progress.exempt", n=p.exempt))
    scored = p.complete + p.incomplete + p.not_started
    if scored:
        done = round(bar_width * p.complete / scored)
        part = round(bar_width * (p.complete + p.incomplete) / scored) - done
        rest = bar_width - done - part
        bar = Content.assemble(("█" * done, "$success"), ("▓" * part, "$warning"), ("░" * rest, "$text-muted"),
                               f" {100 * p.complete // scored}%")
    else:
        bar = message("dash.progress.nobody")
    return Content.assemble(head, "\n", counts, "\n", bar)


def previous_content(p) -> Content:  # noqa: ANN001 - last month's Progress
    if p.paused:
        return Content.assemble((t("dash.previous.paused", month=p.month), "$text-muted"))
    scored = p.complete + p.incomplete + p.not_started
    style = "$text-muted" if p.complete == scored else "$warning"
    return Content.assemble((t("dash.previous", month=p.month, complete=p.complete, total=scored), style))


def _totals(totals) -> str:  # noqa: ANN001
    return " ".join(format_total(x) for x in totals)


def _name_width(names, others: int, width: int) -> int | None:
    """The name column's width when a one-line layout fits ``width``, else None.

    Names are cut to what is left beside the other columns (``others`` cells),
    but never below MIN_NAME (or the longest name, if shorter)."""
    longest = min(NAME_WIDTH, max(cell_len(n) for n in names))
    room = width - others
    return min(longest, room) if room >= min(longest, MIN_NAME) else None


def flags_content(flags, as_of: str, width: int = 200) -> Content:  # noqa: ANN001 - FlagLines
    """One line per flag, or two (name, then months and totals) when the panel is narrow."""
    if not flags:
        return Content.assemble((t("dash.flags.none", month=as_of), "$text-muted"))
    level_w = max(cell_len(t(f"dash.flags.{f.level}")) for f in flags)
    streak_w = max(cell_len(t("dash.flags.streak", n=len(f.months))) for f in flags)
    tails = [Content.assemble((span_text(f.months), "$text-muted"), "  ", _totals(f.totals)) for f in flags]
    others = 2 + level_w + 1 + 2 + streak_w + 2 + max(x.cell_length for x in tails)
    name_w = _name_width([f.org for f in flags], others, width)
    one_line = name_w is not None
    if name_w is None:
        head_others = 2 + level_w + 1 + 2 + streak_w  # two lines: the name shares its line with these only
        name_w = min(NAME_WIDTH, max(cell_len(f.org) for f in flags), max(MIN_NAME, width - head_others))
    lines = []
    for f, tail in zip(flags, tails):
        style = "$error" if f.level == "red" else "$warning"
        head = Content.assemble(
            ("● " + fit(t(f"dash.flags.{f.level}"), level_w, pad=True), f"bold {style}"), " ", fit(f.org, name_w, pad=True), "  ",
            (fit(t("dash.flags.streak", n=len(f.months)), streak_w, pad=True), style),
        )
        if one_line:
            lines.append(Content.assemble(head, "  ", tail))
        else:
            lines.extend([head, Content.assemble("     ", tail)])
    return Content("\n").join(lines)


def cases_content(cases, width: int = 200) -> Content:  # noqa: ANN001 - CaseLines
    """One line per open case, overdue ones first and in the error colour."""
    if not cases:
        return Content.assemble((t("dash.cases.none"), "$text-muted"))
    kind_w = max(cell_len(t(f"case_kind.{c.kind}")) for c in cases) + 2
    state_w = max(cell_len(t(f"case_state.{c.state}")) for c in cases) + 2
    dues = []
    for c in cases:
        if c.deadline is None:
            dues.append(Content.styled(t("dash.cases.opened", date=c.opened_on.isoformat()), "$text-muted"))
        elif c.overdue:
            dues.append(Content.styled(t("dash.cases.overdue", date=c.deadline.isoformat()), "bold $error"))
        else:
            dues.append(message("dash.cases.deadline", date=c.deadline.isoformat()))
    others = 2 + 2 + kind_w + state_w + max(d.cell_length for d in dues)
    name_w = _name_width([c.org for c in cases], others, width)
    one_line = name_w is not None
    if name_w is None:
        name_w = min(NAME_WIDTH, max(cell_len(c.org) for c in cases), max(MIN_NAME, width - 4))
    lines = []
    for c, due in zip(cases, dues):
        mark = ("! ", "bold $error") if c.overdue else ("  ", "")
        head = Content.assemble(mark, (fit(c.org, name_w, pad=True), "bold $error" if c.overdue else ""), "  ")
        rest = Content.assemble(fit(t(f"case_kind.{c.kind}"), kind_w, pad=True),
                                fit(t(f"case_state.{c.state}"), state_w, pad=True), due)
        if one_line:
            lines.append(Content.assemble(head, rest))
        else:
            lines.extend([head, Content.assemble("    ", rest)])
    return Content("\n").join(lines)


class WidthAware(Widget):
    """Content laid out for the widget's width (one line per entry when it fits)."""

    DEFAULT_CSS = "WidthAware { height: auto; }"

    def __init__(self, build, *, id: str | None = None) -> None:  # noqa: A002, ANN001
        super().__init__(id=id)
        self.build = build  # width -> Content
        self.content = Content("")
        self._built: tuple[int, Content] | None = None  # (width, content): layout and render ask alike

    def set_builder(self, build) -> None:  # noqa: ANN001
        self.build = build
        self._built = None
        self.refresh(layout=True)

    def content_for(self, width: int) -> Content:
        if self._built is None or self._built[0] != width:
            self._built = (width, self.build(width))
        return self._built[1]

    def render(self) -> Content:
        width = self.size.width or (self.parent.size.width if self.parent else 80) or 80
        self.content = self.content_for(width)
        return self.content

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        return self.content_for(width).plain.count("\n") + 1


class DashboardScreen(BaseScreen):
    """总览."""

    CSS_PATH = "dashboard_screen.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("f5", "reload", "key.reload", id="dash.reload"),
    ]

    loaded = False
    dashboard = None  # the last data painted (a services.dashboard.Dashboard)

    class Ready(Message):
        """The dashboard has painted its data (``--exit-when-ready`` waits for it)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="dash"):
            with Horizontal(id="dash-top"):
                with Vertical(id="progress-panel", classes="panel"):
                    yield Static(id="progress", markup=False)
                with Vertical(id="trend-panel", classes="panel"):
                    yield TrendChart(id="trend", empty_key="dash.trend.empty")
            with Horizontal(id="dash-bottom"):
                with VerticalScroll(id="flags-panel", classes="panel"):
                    yield WidthAware(lambda _w: Content(""), id="flags")
                with VerticalScroll(id="cases-panel", classes="panel"):
                    yield WidthAware(lambda _w: Content(""), id="cases")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = t("dash.title")  # the header reads "总览 — <centre>", as on every screen
        self.sub_title = self.iapp.centre_name
        self.query_one("#progress-panel").border_title = t("dash.progress.title")
        self.query_one("#trend-panel").border_title = t("dash.trend.title")
        self.query_one("#flags-panel").border_title = t("dash.flags.title")
        self.query_one("#cases-panel").border_title = t("dash.cases.title")
        for panel in self.query(".panel"):
            panel.loading = True
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        from incubator_tui.services.dashboard import load_dashboard

        centre_id = self.iapp.centre_id
        if centre_id is not None:
            self.load(lambda reads: reads(load_dashboard, centre_id), self._paint, failed=self._failed)

    def _failed(self, _message: str) -> None:
        for panel in self.query(".panel"):
            panel.loading = False

    def _paint(self, data) -> None:  # noqa: ANN001 - a services.dashboard.Dashboard
        if data.centre.id != self.iapp.centre_id:
            return  # the centre was switched while this was loading
        if self.loaded and data == self.dashboard:
            return  # shown again and nothing changed: no new layout, no repaint
        self.dashboard = data
        self.sub_title = data.centre.name  # a title is shown literally (App.format_title)
        self.query_one("#progress", Static).update(
            Content.assemble(progress_content(data.progress), "\n\n", previous_content(data.previous))
        )
        self.query_one("#progress-panel").border_title = message("dash.progress.title_month", month=data.month)

        self.query_one("#trend", TrendChart).set_points([
            ChartPoint(p.month, p.average, p.threshold, mark="‖" if p.paused else "·") for p in data.trend
        ])
        with_data = [p for p in data.trend if p.average is not None]
        subtitle = (message("dash.trend.latest", month=with_data[-1].month,
                            value=format_total(with_data[-1].average), n=with_data[-1].count)
                    if with_data else plain(""))
        self.query_one("#trend-panel").border_subtitle = subtitle

        self.query_one("#flags", WidthAware).set_builder(lambda w: flags_content(data.flags, data.month, w))
        self.query_one("#flags-panel").border_title = message(
            "dash.flags.title_counts", month=data.month, red=len(data.red), amber=len(data.amber)
        )
        self.query_one("#cases", WidthAware).set_builder(lambda w: cases_content(data.cases, w))
        self.query_one("#cases-panel").border_title = message(
            "dash.cases.title_counts", n=len(data.cases), overdue=len(data.overdue)
        )
        self.query_one("#cases-panel").set_class(bool(data.overdue), "-overdue")
        self.query_one("#flags-panel").set_class(bool(data.red), "-red")
        for panel in self.query(".panel"):
            panel.loading = False
        if not self.loaded:
            self.loaded = True
            self.call_after_refresh(self.post_message, self.Ready())
