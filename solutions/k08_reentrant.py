"""Reference solution of k08_reentrant: a reentrant lock."""

import threading


class Counter:
    def __init__(self) -> None:
        self._value = 0
        # An RLock remembers its owner and counts acquisitions: the thread that holds
        # it may acquire it again (increment inside increment_twice), while every other
        # thread still waits until the outermost `with` has released it.
        self._lock = threading.RLock()

    def increment(self) -> None:
        with self._lock:
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
