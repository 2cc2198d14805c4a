"""Two locked sections whose order is the bug: the writer assumes it goes first."""

import threading

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    log: list[str] = []
    lock = threading.Lock()

    def opener() -> None:
        with lock:
            log.append("open")

    def writer() -> None:
        with lock:
            log.append("write")

    run_threads(opener, writer)
    assert log == ["open", "write"], log
