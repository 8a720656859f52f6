"""What every screen shares: translated key descriptions and data access."""

from __future__ import annotations

from collections.abc import Callable
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


class WorkerResults:
    """Mixin: hand a worker's result to the screen on the UI thread, if it is still there."""

    def from_worker(self, callback: Callable[..., object], *args: object, **kwargs: object) -> None:
        """``app.call_from_thread(callback, ...)``, skipped once the screen has gone (closed,
        replaced, or the app quitting meanwhile): a late result has nowhere to go, and its
        widgets may be gone already."""
        if not self._here():
            return

        def deliver() -> None:
            if self._here():
                callback(*args, **kwargs)

        try:
            self.app.call_from_thread(deliver)
        except RuntimeError:  # the app stopped running meanwhile
            if self._here():
                raise

    def _here(self) -> bool:
        """Attached and not being taken down (the app closing prunes each screen before it
        detaches it: Textual's own ``display`` checks the same three flags)."""
        return self.is_attached and not (self._closing or self._closed or self._pruning)


class BaseScreen(WorkerResults, LocalizedBindings, Screen):
    """A main screen of the app (dashboard, organisations, scoring, ...)."""

    # The app's change stamp taken just before this screen last read its data
    # (in the loading worker): coming back with the same stamp needs no reload.
    data_stamp: tuple | None = None

    def unchanged_since_load(self) -> bool:
        return self.data_stamp is not None and self.iapp.change_stamp() == self.data_stamp

    @property
    def iapp(self) -> IncubatorApp:
        return self.app  # type: ignore[return-value]


class BaseModal(WorkerResults, LocalizedBindings, ModalScreen):
    @property
    def iapp(self) -> IncubatorApp:
        return self.app  # type: ignore[return-value]
