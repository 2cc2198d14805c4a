"""Lost update through a module global: `global TOTAL; TOTAL += 1`."""

from corpus import RACY, run_threads

VERDICT = RACY
TOTAL = 0


def add() -> None:
    global TOTAL
    TOTAL += 1


def scenario() -> None:
    global TOTAL
    TOTAL = 0
    run_threads(add, add)
    assert TOTAL == 2, TOTAL
