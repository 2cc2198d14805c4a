"""A gate that forgets it was opened.

Worker threads call `wait_open()` to hold back until start-up is complete, and the
start-up code calls `open()` when it is. Usually the workers are already waiting; but
on a fast machine start-up sometimes finishes first, and then the workers wait forever.
Fix `Gate` so that it does not matter who comes first.

Lesson: docs/lessons/4-coordination.md, "Lost wake-ups".
"""

from __future__ import annotations

import threading


class Gate:
    """Closed at first; `open()` lets every waiter through, now and later."""

    def __init__(self) -> None:
        self._opened = threading.Condition()

    def open(self) -> None:
        """Open the gate and wake everybody waiting for it."""
        with self._opened:
            self._opened.notify_all()

    def wait_open(self, timeout: float | None = None) -> bool:
        """Wait until the gate is open: True if it is, False if `timeout` ran out first."""
        with self._opened:
            return self._opened.wait(timeout)
