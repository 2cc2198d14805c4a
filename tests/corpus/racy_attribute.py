"""Lost update through an attribute: `self.value += 1` reads, adds and writes back."""

from corpus import RACY, run_threads

VERDICT = RACY


class Counter:
    def __init__(self) -> None:
        self.value = 0

    def increment(self) -> None:
        self.value += 1


def scenario() -> None:
    counter = Counter()
    run_threads(counter.increment, counter.increment)
    assert counter.value == 2, counter.value
