"""A connection pool that runs dry (solution).

The permit and the connection are now given back in every case, including when the
caller's with-block raises. Lesson: docs/lessons/4-coordination.md, "Semaphores".
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

C = TypeVar("C")


class ConnectionPool(Generic[C]):
    """Lends at most `size` connections at once, made by `factory` and reused."""

    def __init__(self, size: int, factory: Callable[[], C]) -> None:
        self._factory = factory
        self._permits = threading.Semaphore(size)
        self._lock = threading.Lock()
        self._idle: list[C] = []
        self._in_use = 0
        self._max_in_use = 0

    @contextmanager
    def connection(self) -> Iterator[C]:
        """Wait for a free connection and lend it for the duration of the with-block."""
        # An exception in the caller's with-block is raised *at the yield*: code after the
        # yield only runs on success. `with self._permits` and `finally` run on every exit,
        # so a failed query gives back its connection and its permit like a good one.
        with self._permits:
            conn = self._checkout()
            try:
                yield conn
            finally:
                self._checkin(conn)

    @property
    def max_in_use(self) -> int:
        """The most connections ever lent out at the same time."""
        with self._lock:
            return self._max_in_use

    def _checkout(self) -> C:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._factory()  # connecting is slow: not under the lock
        with self._lock:
            self._in_use += 1
            self._max_in_use = max(self._max_in_use, self._in_use)
        return conn

    def _checkin(self, conn: C) -> None:
        with self._lock:
            self._in_use -= 1
            self._idle.append(conn)
