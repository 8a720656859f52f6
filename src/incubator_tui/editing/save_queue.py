"""One ordered queue of database jobs, drained by one worker thread at a time (no Textual).

An editor puts jobs (saves, loads, month actions) as the user makes them; a
single consumer runs them one after another in that order and reports each
result (or the exception it raised) through ``report``.  So a month loaded
after a save always sees it, and two saves of one cell land in the order
typed.  How the consumer's thread is started is the caller's: ``spawn`` gets
the drain function to run on a thread of its choosing (the scoring screen
hands it to a Textual thread worker, so the app's worker bookkeeping knows of
it; the tests use a plain thread or run it at once).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

J = TypeVar("J")


class OrderedQueue(Generic[J]):
    """Run jobs in the order put, one at a time, on a worker thread; report every outcome."""

    def __init__(
        self,
        run: Callable[[J], object],
        report: Callable[[J, object, BaseException | None], None],
        spawn: Callable[[Callable[[], None]], object],
    ) -> None:
        self._run = run
        self._report = report
        self._spawn = spawn
        self._jobs: deque[J] = deque()
        self._lock = threading.Lock()
        self._reported_cond = threading.Condition(self._lock)
        self._draining = False
        self._running = 0  # jobs taken off the queue and not yet reported
        self._put = 0  # jobs put so far
        self._reported = 0  # jobs reported so far (the queue keeps their order)

    def put(self, job: J) -> None:
        """Queue ``job``; start a consumer unless one is running (it will take this job too)."""
        with self._lock:
            self._jobs.append(job)
            self._put += 1
            start = not self._draining
            self._draining = True
        if start:
            try:
                self._spawn(self.drain)
            except BaseException:
                with self._lock:
                    self._draining = False
                raise

    def mark(self) -> int:
        """How many jobs were put so far: :meth:`wait_reported` waits for them."""
        with self._lock:
            return self._put

    def wait_reported(self, mark: int, timeout: float | None = None) -> bool:
        """Wait (on another thread than the consumer's) until the first ``mark`` jobs are
        reported, e.g. a read that must see every save asked for before it; False on timeout."""
        with self._reported_cond:
            return self._reported_cond.wait_for(lambda: self._reported >= mark, timeout)

    @property
    def waiting(self) -> int:
        """Jobs put and not yet reported (the one running included)."""
        with self._lock:
            return len(self._jobs) + self._running

    def drain(self) -> None:
        """Run the queued jobs one after another, then stop (the consumer's body)."""
        try:
            while True:
                with self._lock:
                    if not self._jobs:
                        self._draining = False
                        return
                    job = self._jobs.popleft()
                    self._running = 1
                try:
                    result, error = self._run(job), None
                except Exception as exc:  # noqa: BLE001 - handed to report: the editor tells the user
                    result, error = None, exc
                try:
                    self._report(job, result, error)
                finally:
                    with self._lock:
                        self._running = 0
                        self._reported += 1
                        self._reported_cond.notify_all()
        except BaseException:
            # A report that failed (or the thread stopped): a later put starts a new consumer.
            with self._lock:
                self._draining = False
            raise
