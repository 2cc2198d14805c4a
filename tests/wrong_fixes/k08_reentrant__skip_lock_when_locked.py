"""Wrong fix: if the lock is already locked, assume we hold it and go ahead without it.

`locked()` says that *some* thread holds the lock, not which one: while one thread is
inside increment_twice, another thread's increment() walks straight in.
"""

import threading


class Counter:
    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        if self._lock.locked():
            # increment_twice already holds the lock
            self._value += 1
        else:
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
