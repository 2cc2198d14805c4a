"""Alternative solution: a single-thread executor writes, and close() shuts it down waiting."""

import os
from concurrent.futures import ThreadPoolExecutor


class AuditLog:
    """An append-only log file written by a background thread."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._file = open(path, "a", encoding="utf-8")
        # One worker keeps the lines in the order they were recorded.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-writer")

    def record(self, event: str) -> None:
        self._writer.submit(self._write, event)

    def close(self) -> None:
        # shutdown(wait=True) runs every queued write, then joins the worker thread.
        self._writer.shutdown(wait=True)
        self._file.close()

    def _write(self, event: str) -> None:
        self._file.write(f"{event}\n")
        self._file.flush()
