"""An audit log that loses its last lines when the program exits.

`AuditLog` appends one line per event to a file. Writing is slow, so `record()` only
queues the event and a background writer thread does the writing. A script records a
burst of events, calls `close()` and exits, and the last events never reach the file.
Make `close()` return only once every recorded event is in the file and the writer thread
has ended.

Lesson: docs/lessons/5-pools-and-lifecycles.md, "Daemon threads and shutdown".
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
        # A daemon thread, so that a forgotten log never keeps the program from exiting.
        self._writer = threading.Thread(target=self._write_all, name="audit-writer", daemon=True)
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
