"""Each thread counts in its own `threading.local()` slot."""

import threading

from corpus import SAFE, run_threads

VERDICT = SAFE


def scenario() -> None:
    slot = threading.local()
    results: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        slot.count = 0
        slot.count += 1
        with lock:
            results.append(slot.count)

    run_threads(work, work)
    assert results == [1, 1], results
