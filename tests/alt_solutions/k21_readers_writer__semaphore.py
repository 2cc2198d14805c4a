"""Alternative solution: the textbook version with a semaphore (Courtois, Heymans, Parnas, 1971).

Writers take `_resource` alone. Readers count themselves under `_count_lock`; the first
reader in takes `_resource` on behalf of all readers and the last one out gives it back,
so a writer gets it only when no reader is inside. No Condition and no notify to forget.
`_resource` is a Semaphore, not a Lock, on purpose: the reader that gives it back is
often not the one that took it, and a semaphore has no owner.
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
        self._resource = threading.Semaphore(1)  # one writer, or the readers as a group
        self._count_lock = threading.Lock()  # guards _readers
        self._readers = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        """Share the lock with other readers; wait while a writer is inside."""
        with self._count_lock:
            self._readers += 1
            if self._readers == 1:
                self._resource.acquire()
        try:
            yield
        finally:
            with self._count_lock:
                self._readers -= 1
                if self._readers == 0:
                    self._resource.release()

    @contextmanager
    def write(self) -> Iterator[None]:
        """Take the lock alone; wait while anyone else, reader or writer, is inside."""
        with self._resource:
            yield
