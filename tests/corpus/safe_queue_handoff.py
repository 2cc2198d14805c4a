"""A producer hands items to a consumer through a `queue.Queue`."""

import queue

from corpus import SAFE, run_threads

VERDICT = SAFE


def scenario() -> None:
    jobs: queue.Queue[int] = queue.Queue()
    got: list[int] = []

    def produce() -> None:
        for n in (1, 2):
            jobs.put(n)

    def consume() -> None:
        for _ in range(2):
            got.append(jobs.get())

    run_threads(produce, consume)
    assert got == [1, 2], got
