"""Wrong fix: drop `daemon=True`, so that the interpreter waits for the writer at exit.

The events survive the exit now, but close() still returns before they are written: code
that reads the log right after close(), in the same program, misses them.
"""

import os
import queue
import threading

_CLOSED = object()


class AuditLog:
    """An append-only log file written by a background thread."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = path
        self._pending: queue.Queue[object] = queue.Queue()
        self._writer = threading.Thread(target=self._write_all, name="audit-writer")
        self._writer.start()

    def record(self, event: str) -> None:
        self._pending.put(event)

    def close(self) -> None:
        # The writer stops when it reaches this marker.
        self._pending.put(_CLOSED)

    def _write_all(self) -> None:
        with open(self._path, "a", encoding="utf-8") as file:
            while (event := self._pending.get()) is not _CLOSED:
                file.write(f"{event}\n")
                file.flush()
