"""A non-blocking acquire that assumes nobody else holds the lock."""

import threading

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    lock = threading.Lock()
    refused: list[str] = []

    def holder() -> None:
        with lock:
            pass

    def trier() -> None:
        if lock.acquire(blocking=False):
            lock.release()
        else:
            refused.append("trier")

    run_threads(holder, trier)
    assert not refused, "the lock was busy"
