"""A condition waited on with `if`: a second consumer takes the item first."""

import threading

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    items: list[int] = []
    changed = threading.Condition()
    taken: list[int] = []

    def consumer() -> None:
        with changed:
            if not items:
                changed.wait()
            taken.append(items.pop())

    def producer() -> None:
        with changed:
            items.append(1)
            changed.notify_all()
        with changed:
            items.append(2)
            changed.notify_all()

    run_threads(consumer, consumer, producer)
    assert sorted(taken) == [1, 2], taken
