"""The Textual app: wires the screens together and holds the global keys.

Each main screen is a *mode* (its own screen stack), so switching with
d/o/s/c/r keeps every screen where the user left it.  Screen modules are
imported only when first shown, to keep start-up fast.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from incubator_tui.config import Config, load_config
from incubator_tui.db import Database
from incubator_tui.screens.base import LocalizedBindings


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


class IncubatorApp(LocalizedBindings, App):
    """社会组织孵化中心 — monthly norms and annual stars."""

    CSS_PATH = "app.tcss"
    TITLE = "incubator-tui"
    MODES = {
        "dashboard": _dashboard,
        "orgs": _orgs,
        "scoring": _scoring,
        "cases": _cases,
        "review": _review,
    }
    # Descriptions are catalogue keys, translated per instance (LocalizedBindings).
    BINDINGS = [
        Binding("d", "goto('dashboard')", "key.dashboard", id="nav.dashboard"),
        Binding("o", "goto('orgs')", "key.orgs", id="nav.orgs"),
        Binding("s", "goto('scoring')", "key.scoring", id="nav.scoring"),
        Binding("c", "goto('cases')", "key.cases", id="nav.cases"),
        Binding("r", "goto('review')", "key.review", id="nav.review"),
        Binding("ctrl+e", "export", "key.export", id="app.export"),
        Binding("question_mark", "help", "key.help", id="app.help", key_display="?"),
        Binding("ctrl+q", "quit", "key.quit", id="app.quit", priority=True),
    ]

    def __init__(
        self,
        db: Database,
        *,
        config: Config | None = None,
        exit_when_ready: bool = False,
    ) -> None:
        super().__init__()
        self.db = db
        self.config = config or load_config()
        self.operator = self.config.operator
        self.exit_when_ready = exit_when_ready
        self.centre_id: str | None = None
        self.centre_name: str = ""
        if self.config.keys:
            self.set_keymap(self.config.keys)

    @property
    def db_path(self) -> Path:
        return self.db.path
