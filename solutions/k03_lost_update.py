"""A hit counter that loses hits when two threads count at once.

Solution: one lock per counter, held for the whole read-modify-write.
"""

import threading


class Counter:
    def __init__(self) -> None:
        self._value = 0
        # One lock, made once and shared by every caller: a lock only excludes the
        # threads that acquire *the same* lock object.
        self._lock = threading.Lock()

    def increment(self) -> None:
        # `+=` reads, adds and writes back; holding the lock across all three steps
        # means no other increment can read the old value in between.
        with self._lock:
            self._value += 1

    @property
    def value(self) -> int:
        with self._lock:
            return self._value
