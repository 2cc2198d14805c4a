"""Wrong fix: read the value first, then lock only the write.

The lock covers the store but not the load: two threads can both read the same old
value before either takes the lock, and one increment is still lost.
"""

import threading


class Counter:
    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        current = self._value
        with self._lock:
            self._value = current + 1

    @property
    def value(self) -> int:
        with self._lock:
            return self._value
