"""The Textual app: wires the screens together and holds the global keys.

Each main screen is a *mode* (its own screen stack), so switching with
d/o/s/c/r keeps every screen where the user left it.  Screen modules are
imported only when first shown, to keep start-up fast.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.css.stylesheet import Stylesheet

from incubator_tui.collector import IdleCollector
from incubator_tui.config import Config, load_config
from incubator_tui.db import Database
from incubator_tui.i18n import t
from incubator_tui.screens.contract import SCREENS_IN_ORDER


def _dashboard():
    from incubator_tui.screens.dashboard_screen import DashboardScreen

    return DashboardScreen()


def _orgs():
    from incubator_tui.screens.orgs_screen import OrgsScreen

    return OrgsScreen()


def _scoring():
    from incubator_tui.screens.scoring_screen import ScoringScreen

    return ScoringScreen()


def _cases():
    from incubator_tui.screens.cases_screen import CasesScreen

    return CasesScreen()


def _review():
    from incubator_tui.screens.review_screen import ReviewScreen

    return ReviewScreen()


def _commands():
    from incubator_tui.commands import IncubatorCommands

    return IncubatorCommands


# Imported in the background once the dashboard shows its data (see _warm_up).
WARM_MODULES = (
    "incubator_tui.models",
    "incubator_tui.screens.orgs_screen",
    "incubator_tui.screens.org_page",
    "incubator_tui.screens.scoring_screen",
    "incubator_tui.screens.cases_screen",
    "incubator_tui.screens.review_screen",
    "incubator_tui.services.orgs",
    "incubator_tui.services.org_page",
    "incubator_tui.services.scoring",
    "incubator_tui.services.cases",
    "incubator_tui.services.reviews",
)

# The warm-up's steps: the ORM's libraries one by one before the models (together ~190 ms of
# CPU), so that a key pressed meanwhile waits for one step at most, not for all of them.
WARM_STEPS = ("pydantic", "pydantic.main", "sqlalchemy.orm", "sqlmodel", *WARM_MODULES)
WARM_PAUSE = 0.05  # seconds between looks at whether the user is still busy

__all__ = ["IncubatorApp", "SCREENS_IN_ORDER", "WARM_MODULES", "WARM_STEPS", "ReusingStylesheet"]
_NAV = Binding.Group("key.nav")


class ReusingStylesheet(Stylesheet):
    """Textual's style sheet, minus the re-parses that change nothing.

    Textual re-parses every style sheet (each widget's default CSS, the app's, the
    screens') whenever a screen is first shown: ``refresh_css`` sets the variables again
    (which drops the sheet's parse cache) and ``reparse`` parses every source afresh in a
    new sheet, twice for a new mode.  The rules depend only on a source's text and on the
    variables, so while the variables are the same, a source already parsed keeps its
    rules and only new sources are parsed; a new theme (other variables) parses all again.
    """

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self.parsed_with = dict(variables or {})

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables == self.parsed_with:
            return  # the same values: every rule parsed so far still holds
        self.parsed_with = dict(variables)
        super().set_variables(variables)  # drops the parse cache: all is parsed again

    def reparse(self) -> None:
        # What reparse does in a new sheet (its errors leave the rules in force as they
        # were), here with this sheet's cache: parse() replaces the rules only on success.
        self.parse()


class IncubatorApp(App):
    """社会组织孵化中心 — monthly norms and annual stars."""

    CSS_PATH = Path(__file__).parent / "app.tcss"  # absolute: subclasses (tests) find it too
    TITLE = "incubator-tui"
    MODES = {
        "dashboard": _dashboard,
        "orgs": _orgs,
        "scoring": _scoring,
        "cases": _cases,
        "review": _review,
    }
    COMMANDS = {_commands}
    # Descriptions are catalogue keys, translated where they are shown (widgets.key_bar.binding_label).
    BINDINGS = [
        Binding("d", "goto('dashboard')", "key.dashboard", id="nav.dashboard", group=_NAV),
        Binding("o", "goto('orgs')", "key.orgs", id="nav.orgs", group=_NAV),
        Binding("s", "goto('scoring')", "key.scoring", id="nav.scoring", group=_NAV),
        Binding("c", "goto('cases')", "key.cases", id="nav.cases", group=_NAV),
        Binding("r", "goto('review')", "key.review", id="nav.review", group=_NAV),
        # Export and quit stay out of the footer (room for each screen's own keys);
        # the help (?) and the command palette list them.
        Binding("ctrl+e", "export", "key.export", id="app.export", show=False),
        Binding("comma", "settings", "app.binding.settings", id="settings", key_display=",", show=False),
        Binding("question_mark", "help", "key.help", id="app.help", key_display="?"),
        Binding("ctrl+p", "command_palette", "key.palette", id="app.palette", priority=True, show=False),
        Binding("ctrl+q", "quit", "key.quit", id="app.quit", priority=True, show=False),
    ]

    def __init__(
        self,
        db: Database,
        *,
        config: Config | None = None,
        exit_when_ready: bool = False,
        edit_district: bool = False,
        resume_gc: bool = False,
    ) -> None:
        """``resume_gc``: the garbage collector was turned off for start-up (``cli.cmd_app``):
        once mounted, the app freezes what start-up made and turns it on again."""
        super().__init__()
        self.stylesheet = ReusingStylesheet(variables=self.get_css_variables())  # nothing read into it yet
        self.db = db
        self.config = config or load_config()
        self.operator = self.config.operator
        self.exit_when_ready = exit_when_ready
        self.centre_id: str | None = None
        self.centre_name: str = ""
        # The district view (#11): the centres the screens show, every centre by id, those that
        # came from a merge (read-only for scores unless opened with --edit-district).
        self.scope: tuple[str, ...] = ()
        self.centres: dict[str, str] = {}
        self.merged: frozenset[str] = frozenset()
        self.edit_district = edit_district
        self.collector = IdleCollector()
        self._warmed = True  # until the dashboard is ready: nothing to warm up yet
        self.resume_gc = resume_gc
        if self.config.keys:
            self.set_keymap(self.config.keys)

    def change_stamp(self) -> tuple:
        """The database's change stamp and today's date (dates make cases overdue)."""
        from incubator_tui.services.clock import today

        return (*self.db.change_stamp(), today())

    @property
    def db_path(self) -> Path:
        return self.db.path

    # ------------------------------------------------------------ start-up

    def on_mount(self) -> None:
        """Open the first centre (by name) on the dashboard, or ask for one."""
        try:
            self._open_first_screen()
        finally:
            if self.resume_gc:
                self._resume_gc()

    def _resume_gc(self) -> None:
        """The collector back on after start-up (see ``cli.cmd_app``), here, before the first
        screen's worker starts (``collector.paused`` restores what it found).  What start-up
        made lives as long as the app: frozen, it is out of the collector's sight; else the
        first young collection would scan all of it."""
        import gc

        self.resume_gc = False
        gc.freeze()
        gc.enable()

    def _open_first_screen(self) -> None:
        from incubator_tui.errors import UserError
        from incubator_tui.services.centres import merged_centres
        from incubator_tui.services.dashboard import list_centres

        try:
            with self.db.reading() as session:
                centres = list_centres(session)
                self.merged = merged_centres(session)
        except UserError as err:  # e.g. the database went away: say so, no traceback
            self.exit(return_code=1, message=str(err))
            return
        if centres:
            self.centres = {c.id: c.name for c in centres}
            self._use_centre(centres[0])
            if len(centres) > 1 and self.merged:  # a district database opens on all its centres
                self._use_all()
            self.switch_mode("dashboard")
        else:
            from incubator_tui.screens.first_run_screen import FirstRunScreen

            self.push_screen(FirstRunScreen(), self._first_run_done)

    def _use_centre(self, centre) -> None:  # noqa: ANN001 - a CentreRef
        self.centre_id = centre.id
        self.centre_name = centre.name
        self.centres.setdefault(centre.id, centre.name)
        self.scope = (centre.id,)
        self.title = centre.name
        self.refresh_bindings()

    def _use_all(self) -> None:
        """Every centre at once (``centre_id`` stays the centre last chosen, for what needs one)."""
        self.scope = tuple(self.centres)
        self.title = self.scope_name
        self.refresh_bindings()

    # ------------------------------------------------------------ the scope (screens.contract)

    @property
    def all_centres(self) -> bool:
        return len(self.scope) > 1

    @property
    def scope_name(self) -> str:
        return t("district.scope_all", n=len(self.scope)) if self.all_centres else self.centre_name

    def centre_names(self) -> dict[str, str]:
        return dict(self.centres)

    def scores_read_only(self) -> str | None:
        if self.edit_district or self.centre_id not in self.merged:
            return None
        return t("district.read_only", name=self.centre_name)

    def _first_run_done(self, centre) -> None:  # noqa: ANN001 - a CentreRef
        if centre is None:
            return
        self._use_centre(centre)
        self.switch_mode("dashboard")

    def on_dashboard_screen_ready(self) -> None:
        """The dashboard painted its data: with --exit-when-ready that is the end;
        otherwise the work that could wait (the daily backup) starts now."""
        if self.exit_when_ready:
            self.exit()
            return
        # Everything made so far (modules, styles, the first screen) lives as long
        # as the app: move it out of the collector's sight, so that later full
        # collections do not rescan it in the middle of a screen switch.
        import gc

        gc.freeze()
        # From here on, full collections wait until the user pauses (see collector.py).
        self.collector.start()
        self.set_interval(0.25, self._collect_when_idle, name="idle-gc")
        self._daily_backup()
        self._warmed = False
        self.screen_busy = False  # the screen shown is loading (set by the idle tick)

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False)
    def _warm_up(self) -> None:
        """Import the other screens (and the models their loads use) while the user reads
        the dashboard, then register their styles: a first visit then costs only its data."""
        import importlib
        import time

        from textual.worker import get_current_worker

        worker = get_current_worker()
        for step in (self._warm_grid_month, *WARM_STEPS):
            # A step at a time, and only while the user pauses and no screen is loading: the
            # warm-up shares the interpreter with whatever the next key starts (a screen's
            # load and paint), which would otherwise wait for the whole of it.
            while not (self.collector.idle() and not self.screen_busy):
                if worker.is_cancelled:
                    return
                time.sleep(WARM_PAUSE)
            if callable(step):
                step()
            else:
                importlib.import_module(step)
        self.call_from_thread(self._register_screen_css)

    def _warm_grid_month(self) -> None:
        """Read the month the scoring grid opens on, keeping nothing (the warm-up's first step):
        the monthly task's screen then finds its pages in the OS cache even after a restart.
        Mostly waiting on the disk, with the interpreter free (SQLite lets go of it)."""
        if self.centre_id is None:
            return
        from sqlalchemy.exc import SQLAlchemyError

        from incubator_tui.errors import DatabaseError
        from incubator_tui.services.access import read
        from incubator_tui.services.clock import current_month
        from incubator_tui.services.scoring import warm_month

        try:
            read(self.db, warm_month, self.centre_id, current_month())
        except (DatabaseError, SQLAlchemyError):
            pass  # only a warm-up: the grid's own read says what is wrong, when it is opened

    def _register_screen_css(self) -> None:
        """What Textual does when a screen is first shown (read its CSS_PATH, re-parse), for
        every screen at once: one re-parse instead of one per first visit."""
        import inspect
        import sys

        from textual.screen import Screen

        added = False
        for module_name in WARM_MODULES:
            for cls in vars(sys.modules[module_name]).values():
                if not (isinstance(cls, type) and issubclass(cls, Screen) and cls.__module__ == module_name
                        and isinstance(cls.CSS_PATH, str)):
                    continue
                path = (Path(inspect.getfile(cls)).parent / cls.CSS_PATH).resolve()
                if not self.stylesheet.has_source(str(path), ""):
                    self.stylesheet.read(path)
                    added = True
        if added:
            self.stylesheet.reparse()
            self.stylesheet.update(self)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.collector.input()
        await super().on_event(event)

    def _collect_when_idle(self) -> None:
        from textual.app import ScreenStackError
        from textual.worker import WorkerState

        # Busy: the screen shown is loading (the user waits for it). Not the app's own
        # workers (a backup) nor a hidden screen's (waiting until it is shown again).
        try:
            screen = self.screen
        except ScreenStackError:  # the app is closing: its screens are gone
            return
        busy = any(w.state == WorkerState.RUNNING and w.node is screen for w in self.workers)
        self.screen_busy = busy  # read by the warm-up between its steps
        if not self._warmed and not busy and self.collector.idle():
            self._warmed = True
            self._warm_up()  # once, at the first pause: never in the way of the first key
            return
        self.collector.tick(busy=busy)

    def on_unmount(self) -> None:
        self.collector.stop()  # the interpreter's own policy again (tests run many apps in one process)

    @work(thread=True, exclusive=True, group="backup", exit_on_error=False)
    def _daily_backup(self) -> None:
        from incubator_tui import paths
        from incubator_tui.services.backup import daily_backup
        from incubator_tui.services.clock import today

        try:
            daily_backup(self.db, paths.backup_dir(), today())
        except Exception as err:  # noqa: BLE001 - a failed backup must not stop the work, but must be seen
            text = t("app.backup_failed", detail=str(err))
            self.call_from_thread(lambda: self.notify(text, severity="warning", markup=False))

    def on_first_run_screen_ready(self) -> None:
        if self.exit_when_ready:
            self.exit()

    # ------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("goto", "export", "settings") and self.centre_id is None:
            return False  # first run: nothing to go to yet
        if action == "goto" and parameters and parameters[0] == self.current_mode:
            return None  # shown dimmed: the screen you are on
        return True

    def action_goto(self, mode: str) -> None:
        if self.centre_id is None or mode == self.current_mode:
            return
        if mode == "scoring" and self.all_centres:  # the grid is one centre's month
            self.choose_centre("scoring", why=t("district.pick.scoring"))
            return
        self.switch_mode(mode)

    def action_export(self) -> None:
        from incubator_tui.screens.export_modal import ExportModal

        if self.centre_id is None or isinstance(self.screen, ExportModal):
            return
        if self.all_centres:  # an export is of one centre
            self.choose_centre(then=self.action_export)
            return
        self.push_screen(ExportModal())

    def action_settings(self) -> None:
        from incubator_tui.screens.settings_screen import SettingsScreen

        if self.centre_id is None or isinstance(self.screen, SettingsScreen):
            return
        if self.all_centres:  # settings are per centre (DOMAIN 7)
            self.choose_centre(then=self.action_settings)
            return
        self.push_screen(SettingsScreen())

    def action_help(self) -> None:
        from incubator_tui.screens.help_screen import HelpScreen, key_entries

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(key_entries(self, self.screen), self.screen.title or self.title,
                                    hint=getattr(self.screen, "HELP_HINT", "help.hint")))

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=t("app.palette.placeholder"), id="--command-palette"))

    async def switch_centre(self, centre) -> None:  # noqa: ANN001 - a CentreRef
        """Work on another centre (a district database): every screen starts afresh."""
        self.centres.setdefault(centre.id, centre.name)
        await self.switch_scope(centre.id)

    async def switch_scope(self, centre_id: str | None, land_on: str = "dashboard") -> None:
        """Show one centre (``centre_id``) or every centre (None): every screen starts afresh
        (the dashboard is read again), then ``land_on`` is shown."""
        from incubator_tui.services.access import read
        from incubator_tui.services.dashboard import CentreRef, list_centres

        if centre_id is None:
            self.centres = {c.id: c.name for c in await asyncio.to_thread(read, self.db, list_centres)}
            wanted: tuple[str, ...] = tuple(self.centres)
        else:
            wanted = (centre_id,)
        if wanted != self.scope:
            if centre_id is None:
                self._use_all()
            else:
                self._use_centre(CentreRef(centre_id, self.centres.get(centre_id, "")))
            if self.current_mode != "dashboard":
                await self.switch_mode("dashboard")
            for mode in SCREENS_IN_ORDER:
                if mode != "dashboard":
                    await self.remove_mode(mode)
                    self.add_mode(mode, self.MODES[mode])
            for screen in self.screen_stack:  # the dashboard (a dialog may still be over it)
                reload = getattr(screen, "reload", None)
                if reload is not None:
                    reload()
                    break
            self.notify(t("district.switched_all", n=len(self.scope)) if centre_id is None
                        else t("app.centre_switched", name=self.centre_name), markup=False)
        if land_on != self.current_mode:
            await self.switch_mode(land_on)

    def choose_centre(self, land_on: str | None = None, then=None, why: str = "") -> None:  # noqa: ANN001
        """Ask which centre (the all-centres view: something needs one), switch to it, show
        ``land_on`` (None: the screen shown now), then call ``then``."""
        from incubator_tui.screens.centre_picker import CentrePickerModal

        async def chosen(centre_id: str | None) -> None:
            if centre_id is None:
                return
            await self.switch_scope(centre_id, land_on or self.current_mode)
            if then is not None:
                then()

        self.push_screen(CentrePickerModal(self.centre_names(), self.centre_id, why or t("district.pick.one")),
                         chosen)
