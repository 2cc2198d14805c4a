"""Wrong fix: sleep a little before reading the results, hoping the threads are done.

A sleep is a guess about timing, not a guarantee: a slow or descheduled thread can still
be running when the caller wakes up.
"""

import threading
import time


def squares_in_parallel(numbers: list[int]) -> list[int]:
    results = [None] * len(numbers)

    def compute(index: int, n: int) -> None:
        results[index] = n * n

    for index, n in enumerate(numbers):
        worker = threading.Thread(target=compute, args=(index, n))
        worker.start()

    time.sleep(0.1)  # give the workers time to finish
    return results
