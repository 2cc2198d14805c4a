"""Alternative solution: keep the re-queued sentinel and drop `queue.join()`.

The sentinel comes after every item, and a worker takes it only once its previous item
is handled, so once every worker has stopped, all the work is done: joining the
threads is the wait, and `task_done()` is not needed at all.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any


def process_all(items: list[Any], handle: Callable[[Any], Any], workers: int = 3) -> list[Any]:
    """Call `handle` on every item, in `workers` threads; return the results in any order."""
    tasks: queue.Queue[Any] = queue.Queue()
    results: list[Any] = []

    def work() -> None:
        while True:
            item = tasks.get()
            if item is None:
                tasks.put(None)  # re-queue the sentinel for the other workers
                break
            results.append(handle(item))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()

    for item in items:
        tasks.put(item)
    tasks.put(None)  # signal completion

    for thread in threads:
        thread.join()
    return results
