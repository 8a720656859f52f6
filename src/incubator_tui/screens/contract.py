"""What the screens may ask of the app: a small written contract instead of ``import app``.

The screens are imported by the app (lazily, when first shown); they must not
import it back.  They reach it through ``self.app`` typed as :class:`AppContract`
(``BaseScreen.iapp``), so the attributes they use are written here once, and a
stand-in app in a test only needs these.
"""

from __future__ import annotations

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
    centre_id: str | None  # the centre worked on (None on the first-run screen)
    centre_name: str

    @property
    def db_path(self) -> Path: ...

    def change_stamp(self) -> tuple:
        """Changes whenever anything is written (or the day changes): screens compare it
        to skip reloading data that has not changed."""
        ...
