"""A gate that forgets it was opened (solution).

Lesson: docs/lessons/4-coordination.md, "Lost wake-ups".
"""

from __future__ import annotations

import threading


class Gate:
    """Closed at first; `open()` lets every waiter through, now and later."""

    def __init__(self) -> None:
        self._opened = threading.Condition()
        self._is_open = False

    # A Condition has no memory: `notify_all()` wakes the threads waiting *now* and is
    # lost if nobody waits yet. The state lives in `_is_open`, written and read under the
    # Condition's lock, and a waiter only waits while that state says "closed".
    # `wait_for` re-checks it after every wake-up and returns the last value it saw.

    def open(self) -> None:
        """Open the gate and wake everybody waiting for it."""
        with self._opened:
            self._is_open = True
            self._opened.notify_all()

    def wait_open(self, timeout: float | None = None) -> bool:
        """Wait until the gate is open: True if it is, False if `timeout` ran out first."""
        with self._opened:
            return self._opened.wait_for(lambda: self._is_open, timeout)
