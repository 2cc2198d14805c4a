"""Alternative solution: a plain Lock, taken once per public call, and an unlocked helper.

The public methods take the lock; the work is done by a private helper that assumes its
caller already holds it. No thread ever acquires the lock twice, so a plain Lock is enough.
"""

import threading


class Counter:
    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def _increment_locked(self) -> None:
        # Caller must hold self._lock.
        self._value += 1

    def increment(self) -> None:
        with self._lock:
            self._increment_locked()

    def increment_twice(self) -> None:
        """Add 2 in one atomic step: nobody sees the value in between."""
        with self._lock:
            self._increment_locked()
            self._increment_locked()

    @property
    def value(self) -> int:
        with self._lock:
            return self._value
