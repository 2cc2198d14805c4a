"""Wrong fix: lock the read in `value`, leave increment() unguarded.

The race is between two increments, not between an increment and a read: locking only
the reader protects nothing that was broken.
"""

import threading


class Counter:
    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        self._value += 1

    @property
    def value(self) -> int:
        with self._lock:
            return self._value
