"""Iteration and insert under the same lock: the sum sees the list before or after."""

import threading

from corpus import SAFE, run_threads

VERDICT = SAFE


def scenario() -> None:
    items = [10, 20, 30, 20]
    totals: list[int] = []
    lock = threading.Lock()

    def reader() -> None:
        total = 0
        with lock:
            for v in items:
                total += v
        totals.append(total)

    def writer() -> None:
        with lock:
            items.insert(0, 99)

    run_threads(reader, writer)
    assert totals[0] in (80, 179), totals
