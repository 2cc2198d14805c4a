"""Wrong fix: take the lock out of increment, since increment_twice already holds it.

increment_twice works now, but a plain increment() from another thread no longer takes
any lock, and its read-modify-write overlaps the other thread's.
"""

import threading


class Counter:
    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        self._value += 1

    def increment_twice(self) -> None:
        """Add 2 in one atomic step: nobody sees the value in between."""
        with self._lock:
            self.increment()
            self.increment()

    @property
    def value(self) -> int:
        with self._lock:
            return self._value
