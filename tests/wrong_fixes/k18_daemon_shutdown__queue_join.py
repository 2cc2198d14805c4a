"""Wrong fix: close() waits with `queue.join()` until every queued event is written.

Every event does reach the file, but the writer thread is never told to end: it stays
blocked in `get()` forever, one more thread per log ever opened.
"""

import os
import queue
import threading


class AuditLog:
    """An append-only log file written by a background thread."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = path
        self._pending: queue.Queue[str] = queue.Queue()
        # A daemon thread, so that a forgotten log never keeps the program from exiting.
        self._writer = threading.Thread(target=self._write_all, name="audit-writer", daemon=True)
        self._writer.start()

    def record(self, event: str) -> None:
        self._pending.put(event)

    def close(self) -> None:
        # Returns once task_done() has been called for every recorded event.
        self._pending.join()

    def _write_all(self) -> None:
        with open(self._path, "a", encoding="utf-8") as file:
            while True:
                event = self._pending.get()
                file.write(f"{event}\n")
                file.flush()
                self._pending.task_done()
