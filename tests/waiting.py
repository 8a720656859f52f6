"""Waiting on a state in UI tests, instead of sleeping a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def wait_until(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Return as soon as ``condition()`` is true; fail the test after ``timeout`` seconds.

    Polls every few milliseconds, letting the app's event loop run meanwhile."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s in vain{': ' + what if what else ''}")
        await asyncio.sleep(0.005)
