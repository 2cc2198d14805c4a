"""Wrong fix: an "is open" flag, but checked outside the Condition's lock.

Between the check and the wait, `open()` can set the flag and notify nobody: the waiter
then waits for a notification that has already come and gone.
"""

from __future__ import annotations

import threading


class Gate:
    """Closed at first; `open()` lets every waiter through, now and later."""

    def __init__(self) -> None:
        self._opened = threading.Condition()
        self._is_open = False

    def open(self) -> None:
        """Open the gate and wake everybody waiting for it."""
        self._is_open = True
        with self._opened:
            self._opened.notify_all()

    def wait_open(self, timeout: float | None = None) -> bool:
        """Wait until the gate is open: True if it is, False if `timeout` ran out first."""
        if self._is_open:
            return True
        with self._opened:
            return self._opened.wait(timeout)
