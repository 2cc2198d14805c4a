"""The counter that locks itself out.

`Counter` guards its value with a lock, and `increment_twice()` holds that lock across
both of its steps so that nobody ever sees the value half-way (odd). The first call to
`increment_twice()` hangs forever, and no other thread is even involved. Make
`increment_twice()` work, and keep it atomic: no other thread may ever read the value
between its two steps, and no increment from another thread may be lost.

Lesson: docs/lessons/3-locks-that-bite-back.md, "RLock: taking a lock you already hold".
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
        with self._lock:
            self.increment()
            self.increment()

    @property
    def value(self) -> int:
        with self._lock:
            return self._value
