"""Wrong fix: a lock made inside increment(), fresh on every call.

Each call acquires its own brand-new lock that no other thread can ever see, so nothing
is excluded: the read-modify-write is exactly as unprotected as before.
"""

import threading


class Counter:
    def __init__(self) -> None:
        self._value = 0

    def increment(self) -> None:
        with threading.Lock():
            self._value += 1

    @property
    def value(self) -> int:
        return self._value
