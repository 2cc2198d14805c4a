"""Wrong fix: never wait for long, and report the gate as open anyway.

Nothing hangs any more, but `wait_open()` now says "open" about a gate nobody opened.
"""

from __future__ import annotations

import threading

POLL_INTERVAL = 0.1


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
            # The notification may have come before we got here: don't wait for it forever.
            self._opened.wait(POLL_INTERVAL if timeout is None else min(timeout, POLL_INTERVAL))
            return True
