"""A connection pool that runs dry.

The pool lends at most `size` connections at a time, and a semaphore makes the extra
callers wait their turn. It works in every demo, but in production, after a few failed
queries, every request hangs and the database says nobody is connected.
Fix `ConnectionPool` so that a failing caller can never starve the others.

Lesson: docs/lessons/4-coordination.md, "Semaphores".
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
        self._permits.acquire()
        conn = self._checkout()
        yield conn
        self._checkin(conn)
        self._permits.release()

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
