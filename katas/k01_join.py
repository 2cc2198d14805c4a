"""Squares in parallel: the answers are read before anyone has written them.

`squares_in_parallel` gives every number its own thread and collects the squares in a
list, in input order. On a fast laptop it seems to work; under the scheduler the caller
gets back a list with holes (`None`) in it. Make it return only once every square is in
its place, still with one thread per number.

Lesson: docs/lessons/1-threads-that-run.md, "Waiting for a thread: join".
"""

import threading


def squares_in_parallel(numbers: list[int]) -> list[int]:
    results = [None] * len(numbers)

    def compute(index: int, n: int) -> None:
        results[index] = n * n

    for index, n in enumerate(numbers):
        worker = threading.Thread(target=compute, args=(index, n))
        worker.start()

    return results
