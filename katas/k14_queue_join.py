"""A work queue that never says it is done.

`process_all` hands the items to a few worker threads through a queue, the way many
examples do: a `None` sentinel tells the workers to stop, and `queue.join()` waits
until every task is done. Every item gets handled, and yet `process_all` never returns.
Fix it so that it returns the results once all the work is done, with no thread left
behind.

Lesson: docs/lessons/4-coordination.md, "Queues, task_done and join".
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
            tasks.task_done()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()

    for item in items:
        tasks.put(item)
    tasks.put(None)  # signal completion

    tasks.join()  # wait for all tasks to be processed
    for thread in threads:
        thread.join()
    return results
