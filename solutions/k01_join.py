"""Squares in parallel: the answers are read before anyone has written them.

Solution: keep every thread and join them all before reading the results.
"""

import threading


def squares_in_parallel(numbers: list[int]) -> list[int]:
    results = [None] * len(numbers)

    def compute(index: int, n: int) -> None:
        results[index] = n * n

    workers = [threading.Thread(target=compute, args=(index, n)) for index, n in enumerate(numbers)]
    for worker in workers:
        worker.start()
    # join() returns only once that thread has finished, so after this loop every
    # compute() has written its slot. Start all first, join after: joining inside the
    # start loop would run the threads one at a time.
    for worker in workers:
        worker.join()

    return results
