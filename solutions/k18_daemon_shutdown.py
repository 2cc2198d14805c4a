"""Solution. Lesson: docs/lessons/5-pools-and-lifecycles.md, "Daemon threads and shutdown"."""

import os
import queue
import threading

_CLOSED = object()


class AuditLog:
    """An append-only log file written by a background thread."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = path
        self._pending: queue.Queue[object] = queue.Queue()
        # Not a daemon: a thread that holds data nobody else has must not be killed at exit.
        self._writer = threading.Thread(target=self._write_all, name="audit-writer")
        self._writer.start()

    def record(self, event: str) -> None:
        self._pending.put(event)

    def close(self) -> None:
        # The marker goes behind every event already queued, and join() returns only once
        # the writer has written them all and ended: "closed" means "on disk".
        self._pending.put(_CLOSED)
        self._writer.join()

    def _write_all(self) -> None:
        with open(self._path, "a", encoding="utf-8") as file:
            while (event := self._pending.get()) is not _CLOSED:
                file.write(f"{event}\n")
                file.flush()
