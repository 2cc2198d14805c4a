"""A thread's name read by one thread while another renames it: `Thread.name` is a
property of the standard library; its getter reads `_name`, its setter writes it."""

import threading

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    worker = threading.Thread(target=print, name="loader")
    seen: list[str] = []

    def rename() -> None:
        worker.name = "loader-1"

    def look() -> None:
        seen.append(worker.name)

    run_threads(rename, look)
    assert seen == ["loader-1"], f"read the name {seen[0]!r} before it was renamed"
