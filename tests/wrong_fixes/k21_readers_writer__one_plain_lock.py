"""Wrong fix: one plain Lock for readers and writers alike.

Nobody is ever inside with a writer any more, but nobody is ever inside with anybody:
readers wait for each other, and the "many readers at once" half of the lock is gone.
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
        self._lock = threading.Lock()

    @contextmanager
    def read(self) -> Iterator[None]:
        """Share the lock with other readers; wait while a writer is inside."""
        with self._lock:
            yield

    @contextmanager
    def write(self) -> Iterator[None]:
        """Take the lock alone; wait while anyone else, reader or writer, is inside."""
        with self._lock:
            yield
