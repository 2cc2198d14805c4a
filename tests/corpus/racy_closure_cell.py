"""Lost update through a closure's cell: `nonlocal count; count += 1`."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    count = 0

    def add() -> None:
        nonlocal count
        count += 1

    run_threads(add, add)
    assert count == 2, count
