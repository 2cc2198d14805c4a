"""A readers-writer lock that lets a writer in among the readers (solution).

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

    # Two fixes, both needed:
    # - A writer waits until nobody at all is inside: no writer *and* no reader. The
    #   check and the `_writing = True` that follows it happen under the Condition's lock,
    #   the same lock readers hold to count themselves in, so no reader can slip in between.
    # - Now writers wait for readers, so the last reader out must wake them: a waiting
    #   thread only re-checks its condition when somebody notifies it.
    # `notify_all()`, not `notify()`: readers and writers wait on the same Condition, and a
    # writer leaving must let *every* waiting reader in, not just one.
    # (Readers arriving all the time can keep a writer out forever; a lock that must not
    # starve writers also counts waiting writers and makes new readers wait for them.)

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
            while self._writing or self._readers:
                self._changed.wait()
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()
