"""When Python's cyclic garbage collector may run its full collections.

A district database fills a screen with hundreds of thousands of objects. A full
collection then scans all of them: 40-60 ms with the GIL held, and CPython
starts one whenever enough objects have piled up, which is exactly while a
screen is being built or painted. So, in the app, full collections are taken
out of the allocation path (young generations still run as usual) and run
instead once the user has been idle for a moment, where 50 ms is unseen.
Nothing here imports Textual: the app feeds it key presses and ticks.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

IDLE_SECONDS = 0.3  # no key or click for this long: a full collection is not in anyone's way
_NEVER = 1_000_000_000  # gen-1 collections before CPython would start a full one itself


class IdleCollector:
    def __init__(self, clock: Callable[[], float] = time.monotonic, collect: Callable[[], object] = gc.collect,
                 pending: Callable[[], int] = lambda: gc.get_count()[2]) -> None:
        self._clock = clock
        self._collect = collect
        self._pending = pending  # young collections since the last full one: garbage may have moved up
        self._last_input = clock()
        self._saved_threshold: tuple[int, int, int] | None = None

    def start(self) -> None:
        """From now on full collections wait for idle moments (call ``tick`` regularly)."""
        if self._saved_threshold is None:
            self._saved_threshold = gc.get_threshold()
            g0, g1, _ = self._saved_threshold
            gc.set_threshold(g0, g1, _NEVER)

    def stop(self) -> None:
        if self._saved_threshold is not None:
            gc.set_threshold(*self._saved_threshold)
            self._saved_threshold = None

    def input(self) -> None:
        """The user pressed a key or clicked."""
        self._last_input = self._clock()

    def idle(self) -> bool:
        """No key or click for IDLE_SECONDS."""
        return self._clock() - self._last_input >= IDLE_SECONDS

    def tick(self, busy: bool = False) -> bool:
        """Run a full collection if one is due and the user is idle; True if it ran."""
        if busy or self._pending() == 0 or not self.idle():
            return False
        self._collect()
        return True


_pause_lock = threading.Lock()
_pauses = 0
_was_enabled = True


@contextmanager
def paused() -> Iterator[None]:
    """No collection at all while a worker reads a district's worth of rows.

    Such a read allocates a few hundred thousand objects, most of which live on
    in what it returns: left alone, the collector would scan them again and again
    meanwhile, with the GIL held and the UI waiting. What survives is collected
    once, young, afterwards. Nested and concurrent uses count: the last one out
    turns the collector back on (if it was on)."""
    global _pauses, _was_enabled
    with _pause_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
