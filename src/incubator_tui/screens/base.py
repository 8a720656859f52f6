"""What every screen shares: results from workers, and the one way a screen loads its data.

A screen gives :meth:`BaseScreen.load` its read and its draw::

    def reload(self) -> None:
        self.load(lambda reads: reads(load_dashboard, self.iapp.centre_id), self._paint)

and the base does the rest, the same way on every screen:

- takes the app's change stamp before reading (a change made meanwhile is never
  missed: at worst one reload too many) and remembers it once the read is done;
- runs the read in a thread worker (one load per screen at a time: a newer one
  cancels the older), with the collector paused (``collector.paused``);
- hands each service the connection it declared (``services.access``: a plain
  SQL connection or an ORM session; an undeclared service is refused);
- draws the result on the UI thread only if the screen is still there;
- shows a ``UserError`` as a notification (and calls ``failed`` if given);
- when the screen is shown again, reloads only if something was written since
  (``reload`` again), unless the load in progress already started after the last
  write; while hidden, a long read waits at its checkpoints (:meth:`checkpoint`).

Binding descriptions are catalogue keys, translated where they are shown (the key
bar, the help: ``widgets.key_bar.binding_label``): the language is chosen at run
time, after the classes exist.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.screen import ModalScreen, Screen
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from incubator_tui.screens.contract import AppContract
    from incubator_tui.services.access import Reads

T = TypeVar("T")


class LoadCancelled(Exception):
    """Raised inside a load's read (by :meth:`BaseScreen.checkpoint`) once it was cancelled."""


class WorkerResults:
    """Mixin: hand a worker's result to the screen on the UI thread, if it is still there."""

    def from_worker(self, callback: Callable[..., object], *args: object, **kwargs: object) -> None:
        """``app.call_from_thread(callback, ...)``, skipped once the screen has gone (closed,
        replaced, or the app quitting meanwhile): a late result has nowhere to go, and its
        widgets may be gone already."""
        if not self.still_here():
            return

        def deliver() -> None:
            if self.still_here():
                callback(*args, **kwargs)

        try:
            self.app.call_from_thread(deliver)
        except RuntimeError:  # the app stopped running meanwhile
            if self.still_here():
                raise

    def still_here(self) -> bool:
        """Attached and not being taken down: ``display`` is false once the screen is
        closing, closed or being pruned (the app closing prunes each screen before it
        detaches it)."""
        return self.is_attached and self.display

    @property
    def iapp(self) -> AppContract:
        """The app, as far as the screens may know it (``screens.contract``)."""
        return cast("AppContract", self.app)


class DataLoading(WorkerResults):
    """Mixin: the one way a screen or a dialog reads its data (see the module's docstring)."""

    # The app's change stamp taken just before this screen last read its data
    # (in the loading worker): coming back with the same stamp needs no reload.
    data_stamp: tuple | None = None
    # The change stamp of the load in progress (None when none is running).
    loading_stamp: tuple | None = None
    # Set by the first call of load(): the screen loads through the base, which then
    # reloads it on return when something changed.
    loads_data = False
    # A load was asked for and its worker has not taken its stamp yet (it will be current).
    load_queued = False
    # Groups of the loading worker (exclusive: a newer load cancels the older).
    LOAD_GROUP = "screen-load"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set while the screen is shown: a long read waits at its checkpoints while it is
        # hidden, so that the screen the user went to has the machine to itself.
        self.showing = threading.Event()

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read the screen's data again (each screen says how, with :meth:`load`)."""

    def load(
        self,
        read: Callable[[Reads], T],
        draw: Callable[[T], object],
        *,
        failed: Callable[[str], object] | None = None,
    ) -> None:
        """Run ``read(reads)`` in a worker, then ``draw(result)`` on the UI thread.

        ``reads(service, *args)`` runs a service on the connection it declared (see
        ``services.access``); the read may call it several times (one snapshot), hand
        a first part over early with ``self.from_worker(...)``, and stop quietly by
        raising :class:`LoadCancelled` (:meth:`checkpoint` does)."""
        self.loads_data = self.load_queued = True
        self.run_worker(lambda: self._run_load(read, draw, failed), thread=True, exclusive=True,
                        group=self.LOAD_GROUP, name=f"load {type(self).__name__}")

    def _run_load(self, read: Callable[[Reads], T], draw: Callable[[T], object],
                  failed: Callable[[str], object] | None) -> None:
        from incubator_tui.collector import paused
        from incubator_tui.errors import UserError
        from incubator_tui.services.access import Reads

        app = self.iapp
        try:
            stamp = self.loading_stamp = app.change_stamp()
        finally:
            self.load_queued = False
        try:
            with paused(), Reads(app.db) as reads:
                result = read(reads)
        except LoadCancelled:
            return
        except UserError as err:
            self.from_worker(self._load_failed, str(err), failed)
            return
        finally:
            if self.loading_stamp is stamp:
                self.loading_stamp = None
        if get_current_worker().is_cancelled:
            return  # a newer load replaces this one
        self.data_stamp = stamp
        self.from_worker(draw, result)

    def _load_failed(self, message: str, failed: Callable[[str], object] | None) -> None:
        self.app.notify(message, severity="error", timeout=10, markup=False)
        if failed is not None:
            failed(message)

    def checkpoint(self) -> None:
        """Called by a long read between steps: waits while the screen is hidden; raises
        :class:`LoadCancelled` once the load was cancelled (a newer load, the app closing)."""
        worker = get_current_worker()
        while not self.showing.wait(0.05):
            if worker.is_cancelled:
                raise LoadCancelled
        if worker.is_cancelled:
            raise LoadCancelled

    def unchanged_since_load(self) -> bool:
        return self.data_stamp is not None and self.iapp.change_stamp() == self.data_stamp

    def load_in_progress_is_current(self) -> bool:
        """A load started after the last write is running (perhaps paused while hidden)."""
        stamp = self.loading_stamp
        return stamp is not None and stamp == self.iapp.change_stamp()

    def wants_reload(self) -> bool:
        """Shown again: read again only if something was written since the data shown was read."""
        if not self.loads_data or self.load_queued:
            return False
        stamp = self.iapp.change_stamp()
        return stamp != self.data_stamp and stamp != self.loading_stamp



class BaseScreen(DataLoading, Screen):
    """A main screen of the app (dashboard, organisations, scoring, ...)."""

    def on_screen_resume(self) -> None:
        self.showing.set()
        if self.iapp.centre_id is not None and self.wants_reload():
            self.reload()

    def on_screen_suspend(self) -> None:
        self.showing.clear()


class BaseModal(DataLoading, ModalScreen):
    """A dialog over a screen (loads once: nothing else changes the data while it is open)."""

    def on_screen_resume(self) -> None:
        self.showing.set()

    def on_screen_suspend(self) -> None:
        self.showing.clear()

