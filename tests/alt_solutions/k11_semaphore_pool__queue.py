"""Alternative solution: a bounded queue of slots instead of a semaphore.

The queue holds one slot per connection the pool may lend (a parked connection, or None
while it has not been made yet): `get()` waits for a free slot, `put()` in a `finally`
hands it back whatever happened in the caller's block.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

C = TypeVar("C")


class ConnectionPool(Generic[C]):
    """Lends at most `size` connections at once, made by `factory` and reused."""

    def __init__(self, size: int, factory: Callable[[], C]) -> None:
        self._factory = factory
        self._slots: queue.Queue[C | None] = queue.Queue()
        for _ in range(size):
            self._slots.put(None)
        self._lock = threading.Lock()
        self._in_use = 0
        self._max_in_use = 0

    @contextmanager
    def connection(self) -> Iterator[C]:
        """Wait for a free connection and lend it for the duration of the with-block."""
        conn = self._slots.get()
        try:
            if conn is None:
                conn = self._factory()
            with self._lock:
                self._in_use += 1
                self._max_in_use = max(self._max_in_use, self._in_use)
            try:
                yield conn
            finally:
                with self._lock:
                    self._in_use -= 1
        finally:
            self._slots.put(conn)  # the slot comes back even if the factory failed

    @property
    def max_in_use(self) -> int:
        """The most connections ever lent out at the same time."""
        with self._lock:
            return self._max_in_use
