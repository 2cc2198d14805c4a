"""Wrong fix: close() sleeps a little to give the writer time to finish.

On a quiet machine the writer is usually done in time; on a busy one, or with more events
queued, it is not, and the last events are lost again.
"""

import os
import queue
import threading
import time

_CLOSED = object()


class AuditLog:
    """An append-only log file written by a background thread."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = path
        self._pending: queue.Queue[object] = queue.Queue()
        # A daemon thread, so that a forgotten log never keeps the program from exiting.
        self._writer = threading.Thread(target=self._write_all, name="audit-writer", daemon=True)
        self._writer.start()

    def record(self, event: str) -> None:
        self._pending.put(event)

    def close(self) -> None:
        # The writer stops when it reaches this marker.
        self._pending.put(_CLOSED)
        time.sleep(0.5)  # plenty of time to write what is left

    def _write_all(self) -> None:
        with open(self._path, "a", encoding="utf-8") as file:
            while (event := self._pending.get()) is not _CLOSED:
                file.write(f"{event}\n")
                file.flush()
