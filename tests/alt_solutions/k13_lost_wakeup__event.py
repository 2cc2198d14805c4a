"""Alternative solution: a `threading.Event` is exactly a gate.

An Event remembers that it was set, so `set()` before `wait()` is never lost.
"""

from __future__ import annotations

import threading


class Gate:
    """Closed at first; `open()` lets every waiter through, now and later."""

    def __init__(self) -> None:
        self._opened = threading.Event()

    def open(self) -> None:
        """Open the gate and wake everybody waiting for it."""
        self._opened.set()

    def wait_open(self, timeout: float | None = None) -> bool:
        """Wait until the gate is open: True if it is, False if `timeout` ran out first."""
        return self._opened.wait(timeout)
