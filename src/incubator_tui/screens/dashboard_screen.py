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
from incubator_tui.widgets.format import fit, fit_names, span_text
from incubator_tui.widgets.key_bar import KeyBar
from incubator_tui.widgets.safe_text import message, plain
from incubator_tui.widgets.trend_chart import TrendChart
from incubator_tui.widgets.trend_chart import TrendPoint as ChartPoint

NAME_WIDTH = 24  # cells: longer names are cut with an ellipsis
CENTRE_WIDTH = 8  # cells of a centre's name before each line of the all-centres view
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


def flag_entries(flags, as_of: str, width: int = 200) -> list[tuple[tuple[str, str], Content]]:  # noqa: ANN001
    """One entry per flag (its org's page on Enter): one line, or two (name, then months and
    totals) when the panel is narrow."""
    if not flags:
        return []
    level_w = max(cell_len(t(f"dash.flags.{f.level}")) for f in flags)
    streak_w = max(cell_len(t("dash.flags.streak", n=len(f.months))) for f in flags)
    longest = min(NAME_WIDTH, max(cell_len(f.org) for f in flags))
    for short in (False, True):  # 25-11~26-01 only where the names need the room
        tails = [Content.assemble((span_text(f.months, short), "$text-muted"), "  ", _totals(f.totals)) for f in flags]
        others = 2 + level_w + 1 + 2 + streak_w + 2 + max(x.cell_length for x in tails)
        name_w = _name_width([f.org for f in flags], others, width)
        if name_w is not None and name_w >= longest:
            break
    one_line = name_w is not None
    if name_w is None:
        head_others = 2 + level_w + 1 + 2 + streak_w  # two lines: the name shares its line with these only
        name_w = min(NAME_WIDTH, max(cell_len(f.org) for f in flags), max(MIN_NAME, width - head_others))
    names = fit_names([f.org for f in flags], name_w)  # two names never alike
    out = []
    for f, tail in zip(flags, tails):
        style = "$error" if f.level == "red" else "$warning"
        head = Content.assemble(
            ("● " + fit(t(f"dash.flags.{f.level}"), level_w, pad=True), f"bold {style}"), " ", fit(names[f.org], name_w, pad=True), "  ",
            (fit(t("dash.flags.streak", n=len(f.months)), streak_w, pad=True), style),
        )
        entry = Content.assemble(head, "  ", tail) if one_line else Content.assemble(head, "\n     ", tail)
        out.append((("org", f.org_id), entry))
    return out


def flags_content(flags, as_of: str, width: int = 200) -> Content:  # noqa: ANN001 - FlagLines
    """One line per flag, or two (name, then months and totals) when the panel is narrow."""
    if not flags:
        return Content.assemble((t("dash.flags.none", month=as_of), "$text-muted"))
    return Content("\n").join(entry for _key, entry in flag_entries(flags, as_of, width))


def case_entries(cases, width: int = 200) -> list[tuple[tuple[str, str], Content]]:  # noqa: ANN001
    """One entry per open case (its page on Enter), overdue ones first and in the error colour."""
    if not cases:
        return []
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
    names = fit_names([c.org for c in cases], name_w)  # two names never alike
    out = []
    for c, due in zip(cases, dues):
        mark = ("! ", "bold $error") if c.overdue else ("  ", "")
        head = Content.assemble(mark, (fit(names[c.org], name_w, pad=True), "bold $error" if c.overdue else ""), "  ")
        rest = Content.assemble(fit(t(f"case_kind.{c.kind}"), kind_w, pad=True),
                                fit(t(f"case_state.{c.state}"), state_w, pad=True), due)
        entry = Content.assemble(head, rest) if one_line else Content.assemble(head, "\n    ", rest)
        out.append((("case", c.id), entry))
    return out


def cases_content(cases, width: int = 200) -> Content:  # noqa: ANN001 - CaseLines
    """One line per open case, overdue ones first and in the error colour."""
    if not cases:
        return Content.assemble((t("dash.cases.none"), "$text-muted"))
    return Content("\n").join(entry for _key, entry in case_entries(cases, width))


def agenda_entries(agenda, today, width: int = 200) -> list[tuple[tuple[str, str], Content]]:  # noqa: ANN001
    """One line per thing to do (its case's page on Enter): the date it is due, the org, what."""
    if not agenda:
        return []
    date_w = max(cell_len(_agenda_due(a, today)) for a in agenda)
    name_w = min(NAME_WIDTH, max(cell_len(a.org) for a in agenda), max(MIN_NAME // 2, width - 2 - date_w - 2 - 2 - 12))
    names = fit_names([a.org for a in agenda], name_w)  # two names never alike
    out = []
    for a in agenda:
        style = "bold $error" if a.overdue else ""
        what = t(f"dash.agenda.{a.what}")
        if a.detail:
            what = f"{what}：{a.detail}"
        room = max(4, width - 2 - date_w - 2 - name_w - 2)
        entry = Content.assemble(
            ("! " if a.overdue else "  ", style),
            (fit(_agenda_due(a, today), date_w, pad=True), style or ("$text-muted" if a.due is None else "")), "  ",
            (fit(names[a.org], name_w, pad=True), style), "  ",
            (fit(what, room), "$error" if a.overdue else ""),
        )
        out.append((("case", a.case_id), entry))
    return out


def _agenda_due(a, today) -> str:  # noqa: ANN001 - an AgendaLine
    if a.due is None:
        return t("dash.agenda.now")
    if a.due == today:
        return t("dash.agenda.today")
    # Within the current year the month and day say it (11-20): the room goes to the names.
    when = a.due.isoformat()[5:] if a.due.year == today.year else a.due.isoformat()
    return t("dash.agenda.overdue", date=when) if a.overdue else when


def holidays_warning(years) -> Content:  # noqa: ANN001 - the years without a holiday list
    if not years:
        return Content("")
    return Content.styled(t("dash.holidays_missing", years=t("orgs.sep").join(str(y) for y in years)),
                          "$text-warning")


def centre_tagged(entries_for, lines, width: int) -> list[tuple[tuple[str, str], Content]]:  # noqa: ANN001
    """``entries_for(lines, width)`` with each entry led by its line's centre (the all-centres
    view: lines carry ``centre``), muted and cut to a few cells; one centre: as they are."""
    if not lines or not any(getattr(line, "centre", "") for line in lines):
        return entries_for(lines, width)
    w = min(CENTRE_WIDTH, max(cell_len(line.centre) for line in lines))
    out = []
    for (key, entry), line in zip(entries_for(lines, width - w - 2), lines):
        first, *rest = entry.split("\n")
        parts = [Content.assemble((fit(line.centre, w, pad=True), "$text-muted"), "  ", first)]
        parts += [Content.assemble(" " * (w + 2), more) for more in rest]
        out.append((key, Content("\n").join(parts)))
    return out


def centre_entries(centres, width: int = 200) -> list[tuple[tuple[str, str], Content]]:  # noqa: ANN001
    """One line per centre (that centre on Enter): this month's progress, red and amber flags,
    open and overdue cases."""
    if not centres:
        return []
    tails = []
    for c in centres:
        p = c.progress
        scored = p.complete + p.incomplete + p.not_started
        progress = (Content.styled(t("district.dash.line_paused"), "$text-muted") if p.paused else
                    Content.styled(t("district.dash.line_progress", complete=p.complete, total=scored),
                                   "$success" if scored and p.complete == scored else ""))
        flags = Content.styled(t("district.dash.line_flags", red=c.red, amber=c.amber),
                               "$error" if c.red else "$warning" if c.amber else "$text-muted")
        cases = message("district.dash.line_cases", n=c.open_cases)
        if c.overdue:
            cases = Content.assemble(cases, " ", (t("district.dash.line_overdue", n=c.overdue), "bold $error"))
        tails.append((progress, flags, cases))
    widths = [max(x[i].cell_length for x in tails) for i in range(3)]
    others = sum(widths) + 2 * 3
    name_w = max(MIN_NAME // 2, min(NAME_WIDTH, max(cell_len(c.centre.name) for c in centres), width - others))
    out = []
    for c, (progress, flags, cases) in zip(centres, tails):
        out.append((("centre", c.centre.id), Content.assemble(
            (fit(c.centre.name, name_w, pad=True), "bold"), "  ", progress.pad_right(widths[0] - progress.cell_length),
            "  ", flags.pad_right(widths[1] - flags.cell_length), "  ", cases)))
    return out


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


class EntryList(WidthAware):
    """Entries that can be selected (a cursor moved by ↑/↓ or j/k), each leading somewhere:
    Enter (or a double click) posts :class:`EntryList.Chosen` with the entry's key, e.g.
    ``("org", id)`` for an organisation's page, ``("case", id)`` for a case's page.

    ``build(width)`` gives the entries (key, Content; an entry may take two lines) and
    ``empty`` what shows when there is none.  The cursor is drawn while the list has the
    focus; it stays on the same key when the entries are read again."""

    can_focus = True
    BINDINGS = [
        Binding("down,j", "move(1)", "key.down", id="dash.list.down", show=False),
        Binding("up,k", "move(-1)", "key.up", id="dash.list.up", show=False),
        Binding("enter", "choose", "dash.key.open", id="dash.list.open"),
    ]
    CURSOR = "$block-cursor-foreground on $block-cursor-background"

    class Chosen(Message):
        def __init__(self, key: tuple[str, str]) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(lambda _w: Content(""), id=id)
        self.entries_for = lambda _w: []
        self.empty = Content("")
        self.cursor = 0
        self.cursor_key: tuple[str, str] | None = None

    def set_entries(self, entries_for, empty: Content) -> None:  # noqa: ANN001 - width -> [(key, Content)]
        self.entries_for, self.empty = entries_for, empty
        self.set_builder(self._join)

    def entries(self, width: int | None = None) -> list[tuple[tuple[str, str], Content]]:
        return self.entries_for(width or self.size.width or 80)

    def _join(self, width: int) -> Content:
        entries = self.entries_for(width)
        if not entries:
            return self.empty
        keys = [k for k, _ in entries]
        if self.cursor_key in keys:
            self.cursor = keys.index(self.cursor_key)
        self.cursor = max(0, min(self.cursor, len(entries) - 1))
        self.cursor_key = keys[self.cursor]
        parts = []
        for i, (_key, entry) in enumerate(entries):
            if i == self.cursor and self.has_focus:
                entry = Content("\n").join(line.stylize(self.CURSOR) for line in entry.split("\n"))
            parts.append(entry)
        return Content("\n").join(parts)

    def _redraw(self) -> None:
        self._built = None
        self.refresh()

    def on_focus(self) -> None:
        self._redraw()
        self.call_after_refresh(self._show_cursor)

    def on_blur(self) -> None:
        self._redraw()

    def _line_of(self, index: int, width: int) -> tuple[int, int]:
        """(first line, line count) of entry ``index``."""
        entries = self.entries(width)
        first = sum(e.plain.count("\n") + 1 for _k, e in entries[:index])
        return first, (entries[index][1].plain.count("\n") + 1) if index < len(entries) else 1

    def _show_cursor(self) -> None:
        from textual.geometry import Region

        if self.parent is None or not self.entries():
            return
        top, height = self._line_of(self.cursor, self.size.width or 80)
        self.parent.scroll_to_region(Region(0, top, max(1, self.size.width), height), animate=False)

    def action_move(self, step: int) -> None:
        entries = self.entries()
        if not entries:
            return
        self.cursor = max(0, min(self.cursor + step, len(entries) - 1))
        self.cursor_key = entries[self.cursor][0]
        self._redraw()
        self._show_cursor()

    def action_choose(self) -> None:
        entries = self.entries()
        if entries:
            self.post_message(self.Chosen(entries[min(self.cursor, len(entries) - 1)][0]))

    def on_click(self, event) -> None:  # noqa: ANN001 - events.Click
        entries = self.entries()
        line, seen = event.y, 0
        for i, (key, entry) in enumerate(entries):
            seen += entry.plain.count("\n") + 1
            if line < seen:  # a click selects the line, a double click opens it (as Enter)
                self.cursor, self.cursor_key = i, key
                self.focus()
                self._redraw()
                if event.chain >= 2:
                    self.post_message(self.Chosen(key))
                return


class DashboardScreen(BaseScreen):
    """总览."""

    CSS_PATH = "dashboard_screen.tcss"
    AUTO_FOCUS = "#flags"  # the lists take the focus (Tab between them), their cursors lead somewhere
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
                    yield EntryList(id="centres")  # the all-centres view: one line per centre
            yield Static("", id="dash-warning", markup=False)
            with Horizontal(id="dash-bottom"):
                with VerticalScroll(id="flags-panel", classes="panel"):
                    yield EntryList(id="flags")
                with Vertical(id="dash-right"):
                    with VerticalScroll(id="agenda-panel", classes="panel"):
                        yield EntryList(id="agenda")
                    with VerticalScroll(id="cases-panel", classes="panel"):
                        yield EntryList(id="cases")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = t("dash.title")  # the header reads "总览 — <centre>", as on every screen
        self.sub_title = self.iapp.centre_name
        self.query_one("#progress-panel").border_title = t("dash.progress.title")
        self.query_one("#trend-panel").border_title = t("dash.trend.title")
        self.query_one("#flags-panel").border_title = t("dash.flags.title")
        self.query_one("#cases-panel").border_title = t("dash.cases.title")
        self.query_one("#agenda-panel").border_title = t("dash.agenda.title")
        self.query_one("#dash-warning").display = False
        self.query_one("#centres").display = False
        for panel in self.query(".panel"):
            panel.can_focus = False  # the lists inside take the focus (Tab between them), not their frames
        for panel in self.query(".panel"):
            panel.loading = True
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def on_entry_list_chosen(self, event: EntryList.Chosen) -> None:
        """A flag leads to the organisation's page; a case or an agenda line to the case's page."""
        kind, ident = event.key
        if kind == "centre":  # the all-centres view: that centre's dashboard
            self.app.call_later(self.iapp.switch_scope, ident)
        elif kind == "org":
            from incubator_tui.screens.org_page import OrgPageScreen

            self.app.push_screen(OrgPageScreen(ident))
        else:
            from incubator_tui.screens.case_page import open_case_page

            open_case_page(self.app, ident)

    def reload(self) -> None:
        from incubator_tui.services.dashboard import load_scope

        scope = self.iapp.scope
        if self.iapp.centre_id is not None and scope:
            self.load(lambda reads: reads(load_scope, scope), self._paint, failed=self._failed)

    def _failed(self, _message: str) -> None:
        for panel in self.query(".panel"):
            panel.loading = False

    def _paint(self, data) -> None:  # noqa: ANN001 - a services.dashboard.Dashboard
        if data.scope != self.iapp.scope:
            return  # the centre was switched while this was loading
        if self.loaded and data == self.dashboard:
            return  # shown again and nothing changed: no new layout, no repaint
        self.dashboard = data
        # a title is shown literally (App.format_title)
        self.sub_title = self.iapp.scope_name if data.centres else data.centre.name
        self.query_one("#progress", Static).update(
            Content.assemble(progress_content(data.progress), "\n\n", previous_content(data.previous))
        )
        self.query_one("#progress-panel").border_title = message("dash.progress.title_month", month=data.month)

        self.query_one("#trend", TrendChart).set_points([
            ChartPoint(p.month, p.average, p.threshold, mark="‖" if p.paused else "·") for p in data.trend
        ])
        self._paint_centres(data)
        with_data = [p for p in data.trend if p.average is not None]
        subtitle = (message("dash.trend.latest", month=with_data[-1].month,
                            value=format_total(with_data[-1].average), n=with_data[-1].count)
                    if with_data else plain(""))
        self.query_one("#trend-panel").border_subtitle = subtitle

        self.query_one("#flags", EntryList).set_entries(
            lambda w: centre_tagged(lambda lines, w: flag_entries(lines, data.month, w), data.flags, w),
            Content.assemble((t("dash.flags.none", month=data.month), "$text-muted")))
        self.query_one("#flags-panel").border_title = message(
            "dash.flags.title_counts", month=data.month, red=len(data.red), amber=len(data.amber)
        )
        self.query_one("#cases", EntryList).set_entries(
            lambda w: centre_tagged(case_entries, data.cases, w), Content.assemble((t("dash.cases.none"), "$text-muted")))
        self.query_one("#agenda", EntryList).set_entries(
            lambda w: centre_tagged(lambda lines, w: agenda_entries(lines, data.today, w), data.agenda, w),
            Content.assemble((t("dash.agenda.none", days=data.agenda_days), "$text-muted")))
        overdue_agenda = sum(1 for a in data.agenda if a.overdue)
        self.query_one("#agenda-panel").border_title = message(
            "dash.agenda.title_counts", days=data.agenda_days, n=len(data.agenda), overdue=overdue_agenda)
        self.query_one("#agenda-panel").set_class(bool(overdue_agenda), "-overdue")
        warning = self.query_one("#dash-warning", Static)
        warning.update(holidays_warning(data.holidays_missing))
        warning.display = bool(data.holidays_missing)
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

    def _paint_centres(self, data) -> None:  # noqa: ANN001 - a services.dashboard.Dashboard
        """The all-centres view: the top right panel lists the centres (Enter: that centre) instead
        of the trend; one centre: the trend."""
        many = bool(data.centres)
        self.query_one("#trend").display = not many
        centres = self.query_one("#centres", EntryList)
        centres.display = many
        if many:
            centres.set_entries(lambda w: centre_entries(data.centres, w), Content(""))
            self.query_one("#trend-panel").border_title = t("district.dash.centres_title")
        else:
            self.query_one("#trend-panel").border_title = t("dash.trend.title")
