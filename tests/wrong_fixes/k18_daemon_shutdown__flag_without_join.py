"""Wrong fix: close() sets a `closed` flag that the writer checks between events.

The writer ends at its next look at the flag, whether or not events are still queued, and
close() does not wait for it anyway.
"""

import os
import queue
import threading


class AuditLog:
    """An append-only log file written by a background thread."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = path
        self._pending: queue.Queue[str] = queue.Queue()
        self._closed = threading.Event()
        self._writer = threading.Thread(target=self._write_all, name="audit-writer")
        self._writer.start()

    def record(self, event: str) -> None:
        self._pending.put(event)

    def close(self) -> None:
        self._closed.set()

    def _write_all(self) -> None:
        with open(self._path, "a", encoding="utf-8") as file:
            while not self._closed.is_set():
                try:
                    event = self._pending.get(timeout=0.1)
                except queue.Empty:
                    continue
                file.write(f"{event}\n")
                file.flush()
