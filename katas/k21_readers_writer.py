"""A readers-writer lock that lets a writer in among the readers.

`ReadWriteLock` guards a price table that many threads read and one thread now and then
rewrites. Any number of readers may be inside at once; a writer must be alone: no other
writer and no reader. Writers do keep out of each other's way, but sometimes a reader
finds the table half rewritten. Fix `ReadWriteLock` so that `write()` is always alone and
`read()` never meets a writer, while readers can still read side by side.

Lesson: docs/lessons/4-coordination.md, "Readers and a writer".
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    """Many readers at once, or one writer alone.

    Use it as `with rw.read(): ...` around code that only looks at the shared data,
    and `with rw.write(): ...` around code that changes it.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers = 0  # threads inside read()
        self._writing = False  # a thread is inside write()

    @contextmanager
    def read(self) -> Iterator[None]:
        """Share the lock with other readers; wait while a writer is inside."""
        with self._changed:
            while self._writing:
                self._changed.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1  # readers never hold anyone up: nobody to wake

    @contextmanager
    def write(self) -> Iterator[None]:
        """Take the lock alone; wait while another writer is inside."""
        with self._changed:
            while self._writing:
                self._changed.wait()
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()  # wake the readers and writers waiting for us
