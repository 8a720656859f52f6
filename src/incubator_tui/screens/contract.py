"""What the screens may ask of the app: a small written contract instead of ``import app``.

The screens are imported by the app (lazily, when first shown); they must not
import it back.  They reach it through ``self.app`` typed as :class:`AppContract`
(``BaseScreen.iapp``), so the attributes they use are written here once, and a
stand-in app in a test only needs these.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from incubator_tui.config import Config
    from incubator_tui.db import Database

# The main screens (modes) in the order of their keys (d o s c r): the app's
# navigation, the command palette and the help list them in this order.
SCREENS_IN_ORDER = ("dashboard", "orgs", "scoring", "cases", "review")


@runtime_checkable
class AppContract(Protocol):
    """The app as the screens see it."""

    db: Database  # the open database (services take it; screens never open a session)
    config: Config
    operator: str  # who is recorded in the audit trail
    centre_id: str | None  # the centre worked on (None on the first-run screen); see ``scope``
    centre_name: str
    # The centres the screens show: ``(centre_id,)``, or several (the all-centres view of a
    # district database), when ``centre_id`` is only the centre last chosen: a screen that
    # works on one centre (the scoring grid, a write of the review) asks for one first
    # (``choose_centre``).
    scope: tuple[str, ...]

    @property
    def all_centres(self) -> bool:
        """The screens show several centres (a centre column, the dashboard per centre)."""
        ...

    @property
    def scope_name(self) -> str:
        """What the headers say: the centre's name, or "all centres (n)"."""
        ...

    def centre_names(self) -> dict[str, str]:
        """Every centre's name by id."""
        ...

    def scores_read_only(self) -> str | None:
        """Why scores of the centre worked on cannot be typed here (a centre merged into a district
        database, the app not opened with ``--edit-district``), or None when they can."""
        ...

    def choose_centre(self, land_on: str | None = None, then: Callable[[], object] | None = None,
                      why: str = "") -> None:
        """Ask which centre (``why`` says for what), switch to it, go to the screen ``land_on``
        (a mode; None: stay), then call ``then``."""
        ...

    async def switch_scope(self, centre_id: str | None, land_on: str = "dashboard") -> None:
        """Show one centre (``centre_id``) or all of them (None): every screen starts afresh."""
        ...

    @property
    def db_path(self) -> Path: ...

    def change_stamp(self) -> tuple:
        """Changes whenever anything is written (or the day changes): screens compare it
        to skip reloading data that has not changed."""
        ...
