"""Wrong fix: join only the last thread, assuming it finishes last.

Threads do not finish in the order they were started: the last one can be done while the
first ones have not even run.
"""

import threading


def squares_in_parallel(numbers: list[int]) -> list[int]:
    results = [None] * len(numbers)

    def compute(index: int, n: int) -> None:
        results[index] = n * n

    worker = None
    for index, n in enumerate(numbers):
        worker = threading.Thread(target=compute, args=(index, n))
        worker.start()

    if worker is not None:
        worker.join()  # the last one started is the last one to finish
    return results
