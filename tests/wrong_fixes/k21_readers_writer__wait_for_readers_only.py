"""Wrong fix: the writer waits for the readers instead of for the other writers.

`while self._writing` became `while self._readers`: readers are kept out now, but two
writers that both find no readers go in together.
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
                self._readers -= 1
                if self._readers == 0:
                    self._changed.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        """Take the lock alone; wait while anyone else, reader or writer, is inside."""
        with self._changed:
            while self._readers:
                self._changed.wait()
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()
