"""The lost update fixed: the read-modify-write under one lock."""

import threading

from corpus import SAFE, run_threads

VERDICT = SAFE


class Counter:
    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        with self._lock:
            self.value += 1


def scenario() -> None:
    counter = Counter()
    run_threads(counter.increment, counter.increment)
    assert counter.value == 2, counter.value
