"""What every screen shares: translated key descriptions and data access."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual.binding import BindingsMap
from textual.screen import ModalScreen, Screen

from incubator_tui.i18n import has, t

if TYPE_CHECKING:
    from incubator_tui.app import IncubatorApp


def translated(bindings: BindingsMap) -> BindingsMap:
    """A copy whose descriptions are looked up in the catalogue.

    Bindings are declared with catalogue keys as descriptions so that the
    language can be chosen at run time, not when the classes are imported.
    """
    return BindingsMap.from_keys(
        {
            key: [replace(b, description=t(b.description)) if has(b.description) else b for b in lst]
            for key, lst in bindings.key_to_bindings.items()
        }
    )


class LocalizedBindings:
    """Mixin: translate this node's binding descriptions when it is made."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._bindings = translated(self._bindings)


class BaseScreen(LocalizedBindings, Screen):
    """A main screen of the app (dashboard, organisations, scoring, ...)."""

    # The app's change stamp taken just before this screen last read its data
    # (in the loading worker): coming back with the same stamp needs no reload.
    data_stamp: tuple | None = None

    def unchanged_since_load(self) -> bool:
        return self.data_stamp is not None and self.iapp.change_stamp() == self.data_stamp

    @property
    def iapp(self) -> IncubatorApp:
        return self.app  # type: ignore[return-value]


class BaseModal(LocalizedBindings, ModalScreen):
    @property
    def iapp(self) -> IncubatorApp:
        return self.app  # type: ignore[return-value]
