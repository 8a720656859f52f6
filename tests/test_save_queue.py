"""The ordered queue of database jobs: one consumer at a time, jobs in the order put, every
outcome reported (a failure too, and the jobs after it still run)."""

from __future__ import annotations

import threading

import pytest

from incubator_tui.editing.save_queue import OrderedQueue


class Recorder:
    def __init__(self) -> None:
        self.reports: list[tuple] = []
        self.done = threading.Event()

    def report(self, job, result, error) -> None:
        self.reports.append((job, result, type(error).__name__ if error else None))
        if job == "last":
            self.done.set()


def test_jobs_put_while_one_runs_wait_their_turn_on_the_same_consumer():
    recorder = Recorder()
    gate = threading.Event()
    started = threading.Event()
    ran: list[tuple[str, str]] = []
    spawned: list[threading.Thread] = []

    def run(job):
        ran.append((job, threading.current_thread().name))
        if job == "first":
            started.set()
            gate.wait(5)
        return job.upper()

    def spawn(drain):
        thread = threading.Thread(target=drain, name=f"consumer-{len(spawned)}")
        spawned.append(thread)
        thread.start()

    queue = OrderedQueue(run, recorder.report, spawn)
    queue.put("first")
    assert started.wait(5)
    for job in ("second", "third", "last"):
        queue.put(job)
    assert queue.waiting == 4  # the running one and three queued
    gate.set()
    assert recorder.done.wait(5)
    spawned[0].join(5)
    assert len(spawned) == 1  # no second consumer while the first was busy
    assert [job for job, _thread in ran] == ["first", "second", "third", "last"]
    assert {thread for _job, thread in ran} == {"consumer-0"}
    assert recorder.reports == [("first", "FIRST", None), ("second", "SECOND", None), ("third", "THIRD", None),
                                ("last", "LAST", None)]
    assert queue.waiting == 0
    queue.put("again")  # idle again: a new consumer starts
    spawned[1].join(5)
    assert len(spawned) == 2 and recorder.reports[-1] == ("again", "AGAIN", None)


def test_a_failing_job_is_reported_and_the_next_ones_still_run():
    recorder = Recorder()

    def run(job):
        if job == "bad":
            raise OSError("disk full")
        return job

    queue = OrderedQueue(run, recorder.report, lambda drain: drain())  # run at once, on this thread
    for job in ("a", "bad", "last"):
        queue.put(job)
    assert recorder.reports == [("a", "a", None), ("bad", None, "OSError"), ("last", "last", None)]


def test_a_consumer_that_could_not_start_does_not_block_the_queue():
    recorder = Recorder()
    attempts = []

    def spawn(drain):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("the app is closing")
        drain()

    queue = OrderedQueue(lambda job: job, recorder.report, spawn)
    with pytest.raises(RuntimeError):
        queue.put("lost")
    queue.put("last")  # a new consumer is started and takes both, in order
    assert [r[0] for r in recorder.reports] == ["lost", "last"]


def test_a_report_that_fails_ends_the_consumer_but_not_the_queue():
    reports = []

    def report(job, result, error):
        reports.append(job)
        if job == "boom":
            raise ValueError("the screen is gone")

    queue = OrderedQueue(lambda job: job, report, lambda drain: drain())
    with pytest.raises(ValueError):
        queue.put("boom")
    queue.put("next")
    assert reports == ["boom", "next"]


def test_a_read_waits_for_the_jobs_put_before_it():
    recorder = Recorder()
    gate = threading.Event()
    queue = OrderedQueue(lambda job: gate.wait(5) and job, recorder.report,
                         lambda drain: threading.Thread(target=drain).start())
    queue.put("save 1")
    queue.put("save 2")
    mark = queue.mark()
    assert mark == 2
    assert not queue.wait_reported(mark, timeout=0.05)  # both still to be done
    gate.set()
    assert queue.wait_reported(mark, timeout=5)
    assert [r[0] for r in recorder.reports] == ["save 1", "save 2"]
    assert queue.wait_reported(queue.mark(), timeout=0)  # nothing put since: no wait
