"""One ordered queue of database writes wired to a screen: the scoring grid's and the annual review's.

Both screens put their writes (saves, month or review actions) on an
:class:`~incubator_tui.editing.save_queue.OrderedQueue` made on the first write,
drained by a Textual thread worker (so the app's worker bookkeeping knows of it),
and take each result back on the UI thread as a :class:`JobDone` message; a read
that must see the writes asked for before it waits for the queue's mark; the
retry key is shown as the user bound it.  That wiring is here, once; what a job
does (``EXECUTE``) and what its result changes (``job_done``) stay the screen's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from textual.binding import Binding
from textual.message import Message

from incubator_tui.editing.save_queue import OrderedQueue


class JobDone(Message):
    """A database job finished on the queue's worker thread (``error``: what it raised)."""

    def __init__(self, job: Any, result: Any = None, error: BaseException | None = None) -> None:
        super().__init__()
        self.job = job
        self.result = result
        self.error = error


class QueuedWrites:
    """For a screen whose writes go through one ordered queue.

    The screen sets ``EXECUTE`` (``staticmethod(execute)``: ``execute(db, operator, job)``
    carries out one job in its own transaction, on the worker thread), ``QUEUE_WORKER`` (the
    worker's name), ``RETRY_ID`` (its retry binding's id) and defines ``job_done(message)``."""

    EXECUTE: ClassVar[Callable[..., object]]
    QUEUE_WORKER: ClassVar[str]
    RETRY_ID: ClassVar[str]
    JobDone = JobDone

    db_queue: OrderedQueue | None = None

    def enqueue(self, job: Any) -> None:
        """Put ``job`` on the queue (made on the first write), in the order asked."""
        if self.db_queue is None:
            self.db_queue = OrderedQueue(partial(self.EXECUTE, self.app.db, self.app.operator),
                                         self.job_finished, self.run_queue)
        self.db_queue.put(job)

    def queue_mark(self) -> tuple[OrderedQueue | None, int]:
        """(queue, mark): a read waits (``queue.wait_reported(mark)``) for the writes asked for before it."""
        queue = self.db_queue
        return queue, queue.mark() if queue is not None else 0

    def job_finished(self, job: Any, result: Any, error: BaseException | None) -> None:
        """On the queue's thread: hand the outcome to the UI thread (post_message is thread-safe)."""
        self.post_message(JobDone(job, result, error))

    def run_queue(self, drain: Callable[[], None]) -> None:
        """The queue's consumer, on a thread worker of the screen."""
        self.run_worker(drain, name=self.QUEUE_WORKER, group="save", thread=True, exclusive=False,
                        exit_on_error=False)

    def on_job_done(self, message: JobDone) -> None:
        """A job's result, on the UI thread: the screen's ``job_done(message)`` shows it."""
        self.job_done(message)

    def retry_key(self) -> str:
        """The retry key as the user bound it (the first of its keys), as the key bar shows it."""
        keys = self.iapp.config.keys.get(self.RETRY_ID, "ctrl+r")
        return self.app.get_key_display(Binding(keys.split(",")[0].strip(), "retry"))
