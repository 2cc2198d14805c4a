"""Wrong fix: drop the outer lock, so increment_twice is just two separate increments.

No more hang, but the lock is released between the two steps: another thread can read
the value half-way (odd).
"""

import threading


class Counter:
    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        with self._lock:
            self._value += 1

    def increment_twice(self) -> None:
        """Add 2 in one atomic step: nobody sees the value in between."""
        self.increment()
        self.increment()

    @property
    def value(self) -> int:
        with self._lock:
            return self._value
